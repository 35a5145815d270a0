/*
 * dedup_minhash — shingles, MinHash signatures and LSH band keys (the hash family is fixed and
 * written down in dedup.h and docs/dedup.md, so signatures are stable across versions).
 *
 * Pipeline per document: norm_simplify (datatrove's simplify_text) -> text_words (ICU word
 * boundaries, ASCII fast path; segments of only punctuation dropped) -> word hashes ->
 * word-n-gram shingle hashes -> per permutation minimum -> band keys.
 *
 * Costs: ~100 MB/s per core for shingles + signature on English (simplify ~400 MB/s on ASCII);
 * one XXH3 per word and per shingle; the signature loop is
 * nperm multiply-adds per shingle over uint64 lanes (vectorised by the compiler: AVX-512
 * vpmullq where available). No allocation per document once the scratch buffers have grown.
 */
#include "dedup.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static uint64_t splitmix64(uint64_t seed, uint64_t i) {
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

minhash *minhash_new(int ngram, int bands, int rows, uint64_t seed) {
    if (ngram < 1 || bands < 1 || rows < 1 || bands * rows > MINHASH_MAX_PERM) return NULL;
    minhash *m = xcalloc(1, sizeof *m);
    m->ngram = ngram;
    m->bands = bands;
    m->rows = rows;
    m->nperm = bands * rows;
    m->seed = seed;
    for (int j = 0; j < m->nperm; j++) {
        m->a[j] = splitmix64(seed, 2 * (uint64_t)j) | 1;
        m->b[j] = splitmix64(seed, 2 * (uint64_t)j + 1);
        m->va[j / 8][j % 8] = m->a[j];
        m->vb[j / 8][j % 8] = m->b[j];
    }
    m->nc = norm_ctx_new();
    m->tc = text_ctx_new();
    return m;
}

void minhash_free(minhash *m) {
    if (!m) return;
    norm_ctx_free(m->nc);
    text_ctx_free(m->tc);
    buf_free(&m->norm);
    text_spans_free(&m->words);
    free(m->wh);
    free(m);
}

static void grow_wh(minhash *m, size_t need) {
    m->whcap = need + need / 2 + 16;
    m->wh = xrealloc(m->wh, m->whcap * sizeof *m->wh);
}

int minhash_shingles(minhash *m, const char *text, size_t len, uint64_t **sh, size_t *cap,
                     size_t *n, char *err) {
    *n = 0;
    if (norm_simplify(m->nc, text, len, &m->norm, err)) return -1;
    const char *t = m->norm.p ? m->norm.p : "";
    size_t tn = m->norm.len, nw = 0;
    if (norm_is_ascii(t, tn)) {
        /* simplified ASCII is [a-z0 ]* with single spaces: ICU's words are exactly the
         * space-separated tokens (letters and digits never break), so split on ' ' */
        size_t i = 0;
        while (i < tn) {
            const char *sp = memchr(t + i, ' ', tn - i);
            size_t e = sp ? (size_t)(sp - t) : tn;
            if (nw == m->whcap) grow_wh(m, nw + 1);
            m->wh[nw++] = XXH3_64bits(t + i, e - i);
            i = e + 1;
        }
    } else {
        if (text_words(m->tc, t, tn, TEXT_WORDS_NO_PUNCT, &m->words, err)) return -1;
        nw = m->words.n;
        if (nw > m->whcap) grow_wh(m, nw);
        for (size_t i = 0; i < nw; i++)
            m->wh[i] = XXH3_64bits(t + m->words.v[i].off, m->words.v[i].len);
    }
    if (nw == 0) return 0;
    size_t g = (size_t)m->ngram, ns = nw >= g ? nw - g + 1 : 1, span = nw >= g ? g : nw;
    if (ns > *cap) {
        *cap = ns + ns / 2;
        *sh = xrealloc(*sh, *cap * sizeof **sh);
    }
    uint64_t *o = *sh;
    for (size_t i = 0; i < ns; i++) o[i] = XXH3_64bits(m->wh + i, span * 8);   /* LE hosts */
    *n = ns;
    return 0;
}

void minhash_signature(const minhash *m, const uint64_t *sh, size_t n, uint32_t *sig) {
    /* 8 permutations per vector (GCC vector extension: vpmullq with AVX-512, emulated below) */
    minhash_v8 acc[MINHASH_MAX_PERM / 8];
    int nv = (m->nperm + 7) / 8;
    for (int v = 0; v < nv; v++) acc[v] = (minhash_v8){0} + UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        minhash_v8 x = (minhash_v8){0} + sh[i];
        for (int v = 0; v < nv; v++) {
            minhash_v8 h = (m->va[v] * x + m->vb[v]) >> 32;
            minhash_v8 lt = (minhash_v8)(h < acc[v]);
            acc[v] = (h & lt) | (acc[v] & ~lt);
        }
    }
    for (int j = 0; j < m->nperm; j++) sig[j] = (uint32_t)acc[j / 8][j % 8];
}

void minhash_band_keys(const minhash *m, const uint32_t *sig, uint64_t *keys) {
    for (int b = 0; b < m->bands; b++)
        keys[b] = XXH3_64bits_withSeed(sig + b * m->rows, (size_t)m->rows * 4, (uint64_t)b + 1);
}

static int u64_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

size_t dedup_sort_unique(uint64_t *v, size_t n) {
    if (n < 2) return n;
    qsort(v, n, sizeof *v, u64_cmp);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1]) v[k++] = v[i];
    return k;
}

size_t dedup_radix_sort_unique(uint64_t *v, size_t n, uint64_t *tmp) {
    if (n < 64) return dedup_sort_unique(v, n);
    /* LSD radix, 8 passes of 8 bits: linear, no comparisons (hashes are uniform) */
    uint64_t *src = v, *dst = tmp;
    for (int pass = 0; pass < 8; pass++) {
        size_t cnt[256] = {0};
        int sh = pass * 8;
        for (size_t i = 0; i < n; i++) cnt[(src[i] >> sh) & 255]++;
        size_t sum = 0;
        for (int b = 0; b < 256; b++) { size_t c = cnt[b]; cnt[b] = sum; sum += c; }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 255]++] = src[i];
        uint64_t *t = src; src = dst; dst = t;
    }
    /* 8 passes: the result is back in v */
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1]) v[k++] = v[i];
    return k;
}

double dedup_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
    if (na == 0 && nb == 0) return 0;
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) { inter++; i++; j++; }
        else if (a[i] < b[j]) i++;
        else j++;
    }
    return (double)inter / (double)(na + nb - inter);
}

double minhash_estimate(const uint32_t *x, const uint32_t *y, int nperm) {
    int eq = 0;
    for (int j = 0; j < nperm; j++) eq += x[j] == y[j];
    return nperm ? (double)eq / nperm : 0;
}
