/*
 * augment_text — the string-level methods of augment (see augment.h): the deterministic
 * random stream, sentence permutation and pronoun -> full-name replacement.
 *
 * Invariants: permute keeps the multiset of sentence bodies (a sentence without its trailing
 * whitespace) and the whitespace runs in their original positions; fullname changes nothing
 * but whole-word pronoun matches.
 * Costs: linear in the text; permute adds ICU sentence breaking (text_sentences).
 */
#include "augment.h"
#include <string.h>

uint64_t augment_rng_next(augment_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

size_t augment_rng_below(augment_rng *r, size_t n) {
    return n ? (size_t)((augment_rng_next(r) >> 11) % n) : 0;
}

static int is_space_byte(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* trailing whitespace length of a span (ASCII whitespace and U+00A0, U+3000) */
static size_t trail_ws(const char *p, size_t n) {
    size_t k = n;
    for (;;) {
        if (k && is_space_byte((unsigned char)p[k - 1])) { k--; continue; }
        if (k >= 2 && (unsigned char)p[k - 2] == 0xC2 && (unsigned char)p[k - 1] == 0xA0) { k -= 2; continue; }
        if (k >= 3 && (unsigned char)p[k - 3] == 0xE3 && (unsigned char)p[k - 2] == 0x80 && (unsigned char)p[k - 1] == 0x80) { k -= 3; continue; }
        break;
    }
    return n - k;
}

int augment_permute(text_ctx *tc, const char *p, size_t n, uint64_t h, int keep_first,
                    text_spans *sp, buf *out, char *err) {
    if (text_sentences(tc, p, n, sp, err)) return -1;
    /* drop spans that are only whitespace: fold them into the previous sentence's gap */
    size_t m = 0;
    for (size_t i = 0; i < sp->n; i++) {
        text_span s = sp->v[i];
        if (trail_ws(p + s.off, s.len) == s.len && m) { sp->v[m - 1].len += s.len; continue; }
        sp->v[m++] = s;
    }
    sp->n = m;
    if (m < 2) { buf_add(out, p, n); return (int)m; }
    /* order[] lives after the spans: reuse the same allocation, grown to 2m */
    if (sp->cap < 2 * m) {
        sp->v = xrealloc(sp->v, 2 * m * sizeof *sp->v);
        sp->cap = 2 * m;
    }
    text_span *order = sp->v + m;
    for (size_t i = 0; i < m; i++) order[i] = sp->v[i];
    augment_rng r = { h };
    size_t first = keep_first ? 1 : 0;
    for (size_t i = m - 1; i > first; i--) {           /* Fisher-Yates over [first, m) */
        size_t j = first + augment_rng_below(&r, i - first + 1);
        text_span t = order[i]; order[i] = order[j]; order[j] = t;
    }
    /* the text's leading whitespace stays first: it is not part of the first body */
    size_t lead = 0;
    while (lead < sp->v[0].len && is_space_byte((unsigned char)p[sp->v[0].off + lead])) lead++;
    buf_add(out, p, sp->v[0].off + lead);
    for (size_t i = 0; i < m; i++) {
        text_span src = order[i], slot = sp->v[i];
        if (src.off == sp->v[0].off) { src.off += (uint32_t)lead; src.len -= (uint32_t)lead; }
        if (slot.off == sp->v[0].off) { slot.off += (uint32_t)lead; slot.len -= (uint32_t)lead; }
        /* the body moves; the gap after it belongs to the slot (empty between CJK sentences,
         * empty at the end of a text without a final newline) */
        size_t body = src.len - trail_ws(p + src.off, src.len);
        size_t gap = trail_ws(p + slot.off, slot.len);
        buf_add(out, p + src.off, body);
        buf_add(out, p + slot.off + slot.len - gap, gap);
    }
    return (int)m;
}

static int word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static const char *const default_pronouns[] = { "he", "she", "they", NULL };

size_t augment_fullname(const char *p, size_t n, const char *name, size_t name_len,
                        const char *const *pronouns, buf *out) {
    if (!pronouns) pronouns = default_pronouns;
    size_t count = 0, i = 0, copied = 0;
    while (i < n) {
        if (!word_byte((unsigned char)p[i]) || (i && word_byte((unsigned char)p[i - 1]))) { i++; continue; }
        size_t e = i;
        while (e < n && word_byte((unsigned char)p[e])) e++;
        size_t wl = e - i;
        int hit = 0;
        for (const char *const *q = pronouns; *q && !hit; q++) {
            size_t ql = strlen(*q);
            if (ql != wl || !ql) continue;
            if (!memcmp(p + i, *q, wl)) hit = 1;
            else if ((*q)[0] >= 'a' && (*q)[0] <= 'z' && p[i] == (*q)[0] - 32 && !memcmp(p + i + 1, *q + 1, wl - 1)) hit = 1;
        }
        /* he's, they're, he’d: contractions would break; leave them */
        if (hit && e < n && (p[e] == '\'' || (e + 2 < n && (unsigned char)p[e] == 0xE2 && (unsigned char)p[e + 1] == 0x80 && (unsigned char)p[e + 2] == 0x99))) hit = 0;
        if (hit) {
            buf_add(out, p + copied, i - copied);
            buf_add(out, name, name_len);
            copied = e;
            count++;
        }
        i = e;
    }
    buf_add(out, p + copied, n - copied);
    return count;
}
