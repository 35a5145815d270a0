/*
 * filter_gopher_rep — Gopher repetition rules (Rae et al. 2021, table A1), as datatrove's
 * GopherRepetitionFilter computes them. Order of checks and signal names:
 *   dup_para_frac > 0.3, dup_para_char_frac > 0.2   paragraphs = re.split(r"\n{2,}", text.strip())
 *   dup_line_frac > 0.3, dup_line_char_frac > 0.2   lines = re.split(r"\n+", text)
 *   top_2gram_frac > 0.20, top_3gram 0.18, top_4gram 0.16
 *   dup_5gram_frac > 0.15 ... dup_10gram_frac > 0.10
 * Every *_char_frac and n-gram fraction divides by len(text) (the unstripped text, in code
 * points). find_duplicates: an element seen before counts once more and adds its length.
 * find_top_duplicate: the most common n-gram (ties: the one that occurred first, as
 * Counter.most_common(1) does) times its count, its length being " ".join(words) (word
 * lengths + n-1 spaces). find_all_duplicate: walk the word positions; an n-gram seen before
 * adds its length ("".join(words): word lengths, no spaces, as datatrove's current code does)
 * and jumps n words ahead, otherwise it is remembered and the walk moves one word.
 *
 * Differences from datatrove, on purpose:
 *  - words are ICU words (see filter_gopher.c); n-grams run over all of them, symbols
 *    included, like datatrove's word_tokenize output.
 *  - elements and n-grams are compared by 64-bit hashes (paragraphs and lines: XXH3 of the
 *    bytes; n-grams: a polynomial over the words' 64-bit hashes), not by string: a collision is
 *    ~n^2/2^64. datatrove's "".join makes ("ab","c") and ("a","bc") the same 5-gram; hashing
 *    word by word does not (that collision is an artifact, not a rule).
 *  - a text of length 0 gives 0 for every fraction (datatrove divides by zero).
 * Costs: one hash over the bytes per paragraph and per line whose byte length another shares;
 * per n one pass extending each position's key by one word (K, no re-hashing of the n words)
 * and counting it in a small array of saturating counters, then exact table work only where
 * the counter says the key may repeat (branch-free updates); for n >= 3 only positions whose
 * (n-1)-gram repeats are looked at (in prose a small fraction), and if no 5-gram repeats,
 * n = 5..10 are done at once.
 * filter_rep_ngrams(naive=1) is the direct transcription, kept as the test reference.
 */
#include "filter.h"
#include <stdlib.h>
#include <string.h>

#define FAIL(name, val, op_, thr) do { \
        if (!dropped) { f->check = (name); f->value = (val); f->op = (op_); f->threshold = (thr); \
                        f->is_int = 0; dropped = 1; if (!full) return 1; } } while (0)

#define POLY_P 0x9E3779B97F4A7C15ull

/* find_duplicates over spans of t (fineweb uses it too): duplicate count and duplicate characters. Only elements
 * whose byte length is shared with another element (by a 1024-bucket count, so a bucket
 * collision only costs a hash) can be equal to another one: the others are neither hashed nor
 * stored (a document of one paragraph hashes nothing). */
void filter_find_duplicates(filter_state *st, const char *t, const text_spans *sp,
                            uint64_t *dups, uint64_t *dupchars) {
    uint64_t d = 0, dc = 0;
    if (sp->n >= 2) {
        uint8_t cnt[1024];
        memset(cnt, 0, sizeof cnt);
        size_t cand = 0;
        for (size_t i = 0; i < sp->n; i++) {
            uint8_t *c = &cnt[sp->v[i].len & 1023];
            cand += *c == 1 ? 2 : *c >= 2;
            *c += *c < 2;
        }
        if (cand) {
            filter_tab_reset(st, cand);
            for (size_t i = 0; i < sp->n; i++) {
                if (cnt[sp->v[i].len & 1023] < 2) continue;
                const char *p = t + sp->v[i].off;
                struct filter_slot *s = filter_tab_get(st, filter_hash_bytes(p, sp->v[i].len));
                if (s->count) { d++; dc += filter_utf8_chars(p, sp->v[i].len); }
                else s->count = 1;
            }
        }
    }
    *dups = d;
    *dupchars = dc;
}

/* re.split(r"\n+", t): pieces between runs of newlines (empty first/last piece kept). */
static void split_newline_runs(filter_state *st, const char *t, size_t n, text_spans *out) {
    out->n = 0;
    filter_newlines(st, t, n);
    const uint32_t *nl = st->nl;
    size_t s = 0, k = 0, nn = st->nnl;
    if (out->cap < nn + 1) {
        out->cap = nn + 1 + 256;
        out->v = xrealloc(out->v, out->cap * sizeof *out->v);
    }
    while (k < nn) {
        size_t e = nl[k];
        while (k + 1 < nn && nl[k + 1] == nl[k] + 1) k++;   /* the run of newlines */
        out->v[out->n++] = (text_span){ (uint32_t)s, (uint32_t)(e - s) };
        s = (size_t)nl[k] + 1;
        k++;
    }
    out->v[out->n++] = (text_span){ (uint32_t)s, (uint32_t)(n - s) };
}

/* text_paragraphs (re.split(r"\n{2,}", ...)) of the piece [a, b) of t, from t's newline
 * list; span offsets are relative to t + a. */
static void paragraphs_of(filter_state *st, const char *t, size_t n, size_t a, size_t b, text_spans *out) {
    out->n = 0;
    filter_newlines(st, t, n);
    const uint32_t *nl = st->nl;
    size_t k = 0, nn = st->nnl, s = a;
    while (k < nn && nl[k] < a) k++;
    if (out->cap < nn + 1) {
        out->cap = nn + 1 + 256;
        out->v = xrealloc(out->v, out->cap * sizeof *out->v);
    }
    while (k < nn && nl[k] < b) {
        size_t e = nl[k], r = k;
        while (r + 1 < nn && nl[r + 1] == nl[r] + 1 && nl[r + 1] < b) r++;   /* the run */
        if (r > k) {   /* two or more newlines */
            out->v[out->n++] = (text_span){ (uint32_t)(s - a), (uint32_t)(e - s) };
            s = (size_t)nl[r] + 1;
        }
        k = r + 1;
    }
    out->v[out->n++] = (text_span){ (uint32_t)(s - a), (uint32_t)(b - s) };
}

/* filter_tab_get with the table in locals: the rep[] byte stores may alias anything, so
 * going through st would reload st->tab and st->tabmask at every probe. */
static inline struct filter_slot *tab_get(struct filter_slot *tab, size_t mask, uint64_t key) {
    key |= !key;
    size_t i = (size_t)(key ^ (key >> 29)) & mask;
    while (tab[i].key != key && tab[i].key) i = (i + 1) & mask;
    tab[i].key = key;
    return &tab[i];
}

/* The occurrence-count bytes for np items: a zeroed power of two of at least 4 * np bytes
 * (grown, never shrunk, so no allocation per document once large enough); *mask = size - 1. */
static uint8_t *bucket_cleared(filter_state *st, size_t np, size_t *mask) {
    size_t bsize = 64;
    while (bsize < 4 * np) bsize <<= 1;
    if (bsize > st->capbucket) {
        free(st->bucket);
        st->bucket = xmalloc(bsize);
        st->capbucket = bsize;
    }
    memset(st->bucket, 0, bsize);
    *mask = bsize - 1;
    return st->bucket;
}

static inline uint64_t ngram_key(const filter_word *w, size_t i, int n) {
    uint64_t g = w[i].hash;
    for (int k = 1; k < n; k++) g = g * POLY_P + w[i + (size_t)k].hash;   /* independent per i */
    return g;
}

void filter_rep_ngrams(filter_state *st, int naive, uint64_t top[3], uint64_t dup[6]) {
    size_t nw = st->nw;
    if (st->capprefix < 2 * (nw + 1)) {
        st->capprefix = 2 * (nw + 1) + nw / 2;
        free(st->prefix);
        st->prefix = xmalloc(st->capprefix * sizeof *st->prefix);
    }
    if (st->cappos < nw + 1) {
        st->cappos = nw + 1 + nw / 2;
        free(st->rep);
        free(st->pos);
        free(st->cand);
        st->rep = xmalloc(st->cappos);
        st->pos = xmalloc(st->cappos * sizeof *st->pos);
        st->cand = xmalloc(st->cappos * sizeof *st->cand);
    }
    uint64_t *C = st->prefix;   /* character prefix sums */
    const filter_word *W = st->w;
    uint8_t *rep = st->rep;
    C[0] = 0;
    for (size_t i = 0; i < nw; i++) C[i + 1] = C[i] + st->w[i].chars;
    /* rep[i] bit (n-2): the n-gram at i occurs more than once (n = 2..5). An n-gram can only
     * repeat where its (n-1)-gram prefix does, so counting n-grams at those positions alone
     * gives exact counts for every n-gram that repeats; the others occur once. */
    memset(rep, 0, nw);
    memset(top, 0, 3 * sizeof *top);
    memset(dup, 0, 6 * sizeof *dup);
    /* pos[0..np): the positions to visit for this n, in order. For n = 2 (and the naive
     * walk) every position; for n >= 3 those whose (n-1)-gram repeats, compacted from the
     * previous list (an n-gram repeating implies its (n-1)-gram prefix does). The table
     * update is branch-free: whether an n-gram is new is data, not control flow (it is
     * close to a coin flip in prose, so a branch on it mispredicts). */
    uint32_t *pos = st->pos;
    uint64_t *K = C + nw + 1;   /* K[j]: the key of the n-gram at pos[j], extended word by word */
    size_t np = 0;
    if (nw < 2) return;
    for (size_t i = 0; i + 2 <= nw; i++) {
        pos[i] = (uint32_t)i;
        K[i] = W[i].hash;
    }
    np = nw - 1;
    for (int ng = 2; ng <= 5; ng++) {
        if (nw < (size_t)ng) return;
        size_t npos = nw - (size_t)ng + 1, mnext = 0;
        while (np && pos[np - 1] >= npos) np--;   /* the list is sorted */
        uint8_t mine = (uint8_t)(1u << (ng - 2));
        /* extend the keys; count them in a small array of saturating counters (by key bits):
         * an n-gram whose counter stays at 1 occurs once and needs no table work. Only the
         * others (real repeats and counter collisions) go through the exact table, in order. */
        uint32_t *cand = st->cand;
        size_t nc = 0;
        if (naive) {
            for (size_t j = 0; j < np; j++) {
                K[j] = K[j] * POLY_P + W[pos[j] + (size_t)ng - 1].hash;   /* = ngram_key(W, i, ng) */
                cand[j] = (uint32_t)j;
            }
            nc = np;
        } else {
            size_t bm;
            uint8_t *B = bucket_cleared(st, np, &bm);
            for (size_t j = 0; j < np; j++) {
                uint64_t key = K[j] * POLY_P + W[pos[j] + (size_t)ng - 1].hash;
                K[j] = key;
                uint8_t *b = &B[(key >> 40) & bm];
                *b = (uint8_t)(*b + (*b < 2));
            }
            for (size_t j = 0; j < np; j++) {
                cand[nc] = (uint32_t)j;
                nc += B[(K[j] >> 40) & bm] >= 2;
            }
        }
        filter_tab_reset(st, nc);
        uint32_t best_count = 0, best_first = 0;
        struct filter_slot *tab = st->tab;
        size_t mask = st->tabmask;
        for (size_t q = 0; q < nc; q++) {
            size_t j = cand[q];
            uint32_t i = pos[j];
            struct filter_slot *s = tab_get(tab, mask, K[j]);
            uint32_t c = s->count + 1, f = c == 1 ? i : s->first;
            s->count = c;
            s->first = f;
            uint8_t bit = (uint8_t)(-(uint8_t)(c >= 2) & mine);
            rep[f] |= bit;
            rep[i] |= bit;
            mnext += (size_t)(c >= 2) + (size_t)(c == 2);
            if (c > best_count || (c == best_count && f < best_first)) {
                best_count = c;
                best_first = f;
            }
        }
        /* every n-gram once: Counter.most_common(1) gives the first one */
        if (best_count <= 1) { best_count = 1; best_first = 0; }
        if (ng <= 4)
            top[ng - 2] = (C[best_first + (size_t)ng] - C[best_first] + (uint64_t)(ng - 1)) * best_count;
        if (mnext == 0 && ng >= 4 && !naive) return;   /* no 5-gram or longer can repeat */
        if (!naive) {   /* keep the positions whose n-gram repeats */
            size_t k = 0;
            for (size_t j = 0; j < np; j++) {
                pos[k] = pos[j];
                K[k] = K[j];
                k += (rep[pos[j]] & mine) != 0;
            }
            np = k;
        }
    }
    /* find_all_duplicate for n = 5..10; rep[i] bit 3 says "the 5-gram at i repeats". A
     * position whose 5-gram occurs once is new and can never be matched later: skip it
     * without touching the table. pos now lists those positions in order (all of them for
     * the naive walk), K their 5-gram keys. */
    if (naive) {
        np = 0;
        for (size_t i = 0; i + 5 <= nw; i++) { pos[np] = (uint32_t)i; K[np++] = ngram_key(W, i, 5); }
    }
    for (int k = 0; k < 6; k++) {
        int ng = k + 5;
        if (nw < (size_t)ng) return;
        while (np && pos[np - 1] + (size_t)ng > nw) np--;   /* the walk stops there */
        if (ng > 5)
            for (size_t j = 0; j < np; j++) K[j] = K[j] * POLY_P + W[pos[j] + (size_t)ng - 1].hash;
        /* as above: an n-gram that occurs once in the list is new wherever the walk meets it
         * and is never met again, so it needs no table work (only the walk's step of one) */
        size_t bm, nc = 0;
        uint8_t *B = bucket_cleared(st, np, &bm);
        for (size_t j = 0; j < np; j++) {
            uint8_t *b = &B[(K[j] >> 40) & bm];
            *b = (uint8_t)(*b + (*b < 2));
        }
        if (naive) nc = np;
        else
            for (size_t j = 0; j < np; j++) nc += B[(K[j] >> 40) & bm] >= 2;   /* the table's keys at most */
        filter_tab_reset(st, nc);
        struct filter_slot *tab = st->tab;
        size_t mask = st->tabmask;
        uint64_t r = 0;
        size_t idx = 0;   /* the walk's position: skipped positions move it by one each */
        for (size_t j = 0; j < np; j++) {
            size_t at = pos[j];
            if (at < idx) continue;
            if (!naive && B[(K[j] >> 40) & bm] < 2) { idx = at + 1; continue; }
            struct filter_slot *s = tab_get(tab, mask, K[j]);
            if (s->count) { r += C[at + (size_t)ng] - C[at]; idx = at + (size_t)ng; }
            else { s->count = 1; idx = at + 1; }
        }
        dup[k] = r;
        if (r == 0) return;   /* no 5-gram repeats, so no longer one */
    }
}

int filter_gopher_rep(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                      filter_signals *sg, filter_fail *f, char *err) {
    int dropped = 0;
    uint64_t tchars = st->words_of == t && st->words_of_len == n ? st->text_chars : filter_utf8_chars(t, n);
    double len = tchars ? (double)tchars : 1;
    uint64_t d, dc;

    size_t a, b;
    filter_py_strip(t, n, &a, &b);
    paragraphs_of(st, t, n, a, b, &st->lines);   /* = text_paragraphs(t + a, b - a, ...) */
    filter_find_duplicates(st, t + a, &st->lines, &d, &dc);
    sg->dup_para_frac = (double)d / (double)st->lines.n;
    sg->dup_para_char_frac = (double)dc / len;
    if (c->max_dup_para_frac && sg->dup_para_frac > c->max_dup_para_frac)
        FAIL("dup_para_frac", sg->dup_para_frac, ">", c->max_dup_para_frac);
    if (c->max_dup_para_char_frac && sg->dup_para_char_frac > c->max_dup_para_char_frac)
        FAIL("dup_para_char_frac", sg->dup_para_char_frac, ">", c->max_dup_para_char_frac);

    split_newline_runs(st, t, n, &st->lines);
    filter_find_duplicates(st, t, &st->lines, &d, &dc);
    sg->dup_line_frac = (double)d / (double)st->lines.n;
    sg->dup_line_char_frac = (double)dc / len;
    if (c->max_dup_line_frac && sg->dup_line_frac > c->max_dup_line_frac)
        FAIL("dup_line_frac", sg->dup_line_frac, ">", c->max_dup_line_frac);
    if (c->max_dup_line_char_frac && sg->dup_line_char_frac > c->max_dup_line_char_frac)
        FAIL("dup_line_char_frac", sg->dup_line_char_frac, ">", c->max_dup_line_char_frac);

    if (filter_words(st, t, n, err)) return -1;
    uint64_t top[3], dup[6];
    filter_rep_ngrams(st, 0, top, dup);
    static const char *const top_names[3] = { "top_2gram_frac", "top_3gram_frac", "top_4gram_frac" };
    for (int k = 0; k < 3; k++) {
        sg->top_ngram_frac[k] = (double)top[k] / len;
        if (c->max_top_ngram_frac[k] && sg->top_ngram_frac[k] > c->max_top_ngram_frac[k])
            FAIL(top_names[k], sg->top_ngram_frac[k], ">", c->max_top_ngram_frac[k]);
    }
    static const char *const dup_names[6] = { "dup_5gram_frac", "dup_6gram_frac", "dup_7gram_frac",
                                              "dup_8gram_frac", "dup_9gram_frac", "dup_10gram_frac" };
    for (int k = 0; k < 6; k++) {
        sg->dup_ngram_frac[k] = (double)dup[k] / len;
        if (c->max_dup_ngram_frac[k] && sg->dup_ngram_frac[k] > c->max_dup_ngram_frac[k])
            FAIL(dup_names[k], sg->dup_ngram_frac[k], ">", c->max_dup_ngram_frac[k]);
    }
    return dropped;
}
