/*
 * dedup_lines — keys of lines and paragraphs for boilerplate removal, text normalisation by
 * kind, and rebuilding a text without the dropped units.
 *
 * A unit's key is XXH3_64bits of its normalised form (0 is remapped to 1); units whose
 * normalised form is shorter than min_chars bytes get key 0 and are never counted or removed.
 * Rebuild keeps each kept unit followed by the separator that followed it in the original
 * ("\n" for lines, the run of 2+ "\n" for paragraphs); the last kept unit is followed by
 * whatever followed the original last unit, so a text without a final newline keeps none.
 * Costs: one pass per document plus one normalisation per unit; no allocation once grown.
 */
#include "dedup.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int dedup_normalize(norm_ctx *nc, int kind, const char *p, size_t n, buf *scratch,
                    const char **out, size_t *outn, char *err) {
    switch (kind) {
    case DEDUP_NORM_NONE: *out = p; *outn = n; return 0;
    case DEDUP_NORM_SPACE: norm_space(p, n, scratch); break;
    case DEDUP_NORM_NFKC: if (norm_nfkc_casefold(nc, p, n, scratch, err)) return -1; break;
    default: if (norm_simplify(nc, p, n, scratch, err)) return -1; break;
    }
    *out = scratch->p ? scratch->p : "";
    *outn = scratch->len;
    return 0;
}

int dedup_unit_keys(norm_ctx *nc, int norm, int paragraphs, size_t min_chars, const char *p,
                    size_t n, text_spans *units, uint64_t **keys, size_t *cap, buf *scratch,
                    char *err) {
    if (paragraphs) text_paragraphs(p, n, units);
    else text_lines(p, n, units);
    if (units->n > *cap) {
        *cap = units->n + units->n / 2;
        *keys = xrealloc(*keys, *cap * sizeof **keys);
    }
    for (size_t i = 0; i < units->n; i++) {
        const char *q;
        size_t qn;
        if (dedup_normalize(nc, norm, p + units->v[i].off, units->v[i].len, scratch, &q, &qn, err))
            return -1;
        /* min_chars counts bytes of the normalised unit; whitespace-only units never count */
        size_t nonspace = 0;
        for (size_t k = 0; k < qn && !nonspace; k++)
            nonspace = !(q[k] == ' ' || q[k] == '\t' || q[k] == '\r' || q[k] == '\n');
        if (!nonspace || qn < min_chars) { (*keys)[i] = 0; continue; }
        uint64_t h = XXH3_64bits(q, qn);
        (*keys)[i] = h ? h : 1;
    }
    return 0;
}

static int in_sorted(const uint64_t *v, size_t n, uint64_t k) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] == k) return 1;
        if (v[mid] < k) lo = mid + 1; else hi = mid;
    }
    return 0;
}

size_t dedup_unit_rebuild(const char *p, size_t n, const text_spans *units, const uint64_t *keys,
                          const uint64_t *drop, size_t ndrop, buf *out, int *empty) {
    buf_reset(out);
    size_t removed = 0, last = SIZE_MAX;   /* last kept unit */
    for (size_t i = 0; i < units->n; i++) {
        if (keys[i] && in_sorted(drop, ndrop, keys[i])) { removed++; continue; }
        if (last != SIZE_MAX) {   /* the separator that followed the previous kept unit */
            size_t e = units->v[last].off + units->v[last].len;
            size_t s = last + 1 < units->n ? units->v[last + 1].off : n;
            buf_add(out, p + e, s - e);
        }
        buf_add(out, p + units->v[i].off, units->v[i].len);
        last = i;
    }
    if (last != SIZE_MAX) {   /* what followed the original last unit ("" for lines) */
        size_t e = units->v[units->n - 1].off + units->v[units->n - 1].len;
        buf_add(out, p + e, n - e);
    }
    *empty = 1;
    for (size_t k = 0; k < out->len && *empty; k++) {
        char c = out->p[k];
        *empty = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
    if (!out->p) buf_reserve(out, 0);
    return removed;
}
