/* dedup library pieces: external sort, document store, union-find, MinHash, Jaccard, exact
 * table, line keys and rebuild. Stage behaviour is in test_dedup_stage.c. */
#include "test.h"
#include <stdlib.h>
#include "../../filters/dedup.h"

static uint64_t rng(uint64_t *s) { *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17; return *s; }

static int xsort_matches_qsort(size_t mem_limit, size_t n) {
    xsort x;
    char err[ERR_MAX];
    xsort_init(&x, 2, mem_limit, NULL);
    uint64_t s = 42, *ref = malloc(n * 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t r[2] = { rng(&s) % 1000, i };
        ref[2 * i] = r[0]; ref[2 * i + 1] = r[1];
        if (xsort_add(&x, r, err)) return 0;
    }
    if (xsort_done(&x, err)) return 0;
    uint64_t prev[2] = { 0, 0 }, r[2];
    size_t k = 0;
    int ok = 1;
    while (xsort_next(&x, r, err) == 1) {
        if (k && (r[0] < prev[0] || (r[0] == prev[0] && r[1] <= prev[1]))) ok = 0;
        if (ref[2 * r[1]] != r[0]) ok = 0;
        prev[0] = r[0]; prev[1] = r[1];
        k++;
    }
    ok = ok && k == n && (mem_limit > n * 16 || x.spilled_runs > 1);
    xsort_free(&x);
    free(ref);
    return ok;
}

TEST(xsort_sorts_in_memory) { CHECK(xsort_matches_qsort(1 << 20, 5000)); }
TEST(xsort_spills_runs_and_merges_them_in_order) { CHECK(xsort_matches_qsort(256, 5000)); }

TEST(dstore_returns_records_from_memory_and_spill_file) {
    dstore d;
    char err[ERR_MAX], rec[64];
    dstore_init(&d, 100, NULL);
    for (int i = 0; i < 200; i++) {
        int n = snprintf(rec, sizeof rec, "record number %d", i);
        CHECK_EQ_INT(dstore_add(&d, rec, (size_t)n, err), 0);
    }
    CHECK(d.spilled_bytes > 0);
    buf b = {0};
    for (int i = 199; i >= 0; i -= 7) {
        CHECK_EQ_INT(dstore_get(&d, (size_t)i, &b, err), 0);
        snprintf(rec, sizeof rec, "record number %d", i);
        CHECK_EQ_STR(b.p, rec);
    }
    buf_free(&b);
    dstore_free(&d);
}

TEST(uf_root_is_smallest_member) {
    uf u;
    uf_init(&u);
    uf_grow(&u, 10);
    uf_union(&u, 7, 9);
    uf_union(&u, 9, 4);
    uf_union(&u, 2, 8);
    uf_union(&u, 8, 7);
    CHECK_EQ_INT(uf_find(&u, 9), 2);
    CHECK_EQ_INT(uf_find(&u, 4), 2);
    CHECK_EQ_INT(uf_find(&u, 5), 5);
    uf_free(&u);
}

TEST(jaccard_of_sorted_sets) {
    uint64_t a[] = { 1, 2, 3, 4 }, b[] = { 3, 4, 5, 6 };
    CHECK_NEAR(dedup_jaccard(a, 4, b, 4), 2.0 / 6, 1e-12);
    CHECK_NEAR(dedup_jaccard(a, 4, a, 4), 1.0, 1e-12);
    CHECK_NEAR(dedup_jaccard(a, 0, b, 0), 0.0, 1e-12);
}

TEST(minhash_estimate_tracks_true_jaccard) {
    minhash *m = minhash_new(5, 14, 8, DEDUP_SEED);
    enum { N = 2000 };
    uint64_t *a = malloc(N * 8), *b = malloc(N * 8), s = 7;
    uint32_t sa[112], sb[112];
    /* overlap 1500 of 2500 distinct shingles: J = 0.6 */
    for (int i = 0; i < N; i++) a[i] = rng(&s);
    for (int i = 0; i < N; i++) b[i] = i < 1500 ? a[i] : rng(&s);
    minhash_signature(m, a, N, sa);
    minhash_signature(m, b, N, sb);
    CHECK_NEAR(minhash_estimate(sa, sb, 112), 0.6, 0.12);
    minhash_signature(m, a, N, sb);
    CHECK_NEAR(minhash_estimate(sa, sb, 112), 1.0, 1e-12);
    free(a); free(b);
    minhash_free(m);
}

TEST(minhash_signature_is_fixed_across_versions) {
    /* the documented hash family: this value changes only if signatures change */
    minhash *m = minhash_new(5, 14, 8, DEDUP_SEED);
    uint64_t *sh = NULL;
    size_t cap = 0, n;
    char err[ERR_MAX];
    const char *t = "The quick brown fox jumps over the lazy dog, again and again.";
    CHECK_EQ_INT(minhash_shingles(m, t, strlen(t), &sh, &cap, &n, err), 0);
    CHECK_EQ_INT(n, 8);   /* 12 words -> 8 five-grams */
    uint32_t sig[112];
    minhash_signature(m, sh, n, sig);
    uint64_t keys[14];
    minhash_band_keys(m, sig, keys);
    CHECK_EQ_INT(sig[0], 584452790);
    CHECK_EQ_INT(keys[0] != keys[1], 1);
    free(sh);
    minhash_free(m);
}

TEST(minhash_shingles_of_short_text_is_one_shingle_of_all_words) {
    minhash *m = minhash_new(5, 14, 8, DEDUP_SEED);
    uint64_t *sh = NULL;
    size_t cap = 0, n;
    char err[ERR_MAX];
    CHECK_EQ_INT(minhash_shingles(m, "two words", 9, &sh, &cap, &n, err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(minhash_shingles(m, " ... ", 5, &sh, &cap, &n, err), 0);
    CHECK_EQ_INT(n, 0);
    free(sh);
    minhash_free(m);
}

TEST(minhash_shingles_ignore_case_punctuation_and_digits) {
    minhash *m = minhash_new(3, 14, 8, DEDUP_SEED);
    uint64_t *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0, na, nb;
    char err[ERR_MAX];
    const char *x = "Call me at 555-1234, said the Man.", *y = "call me at 0 said the man";
    CHECK_EQ_INT(minhash_shingles(m, x, strlen(x), &a, &ca, &na, err), 0);
    CHECK_EQ_INT(minhash_shingles(m, y, strlen(y), &b, &cb, &nb, err), 0);
    CHECK_EQ_MEM(a, na * 8, b, nb * 8);
    free(a); free(b);
    minhash_free(m);
}

TEST(exact_table_finds_first_occurrence_across_growth) {
    exact_table t;
    exact_init(&t);
    uint64_t first;
    for (uint64_t i = 0; i < 5000; i++)
        CHECK_EQ_INT(exact_insert(&t, (dedup_h128){ i * 0x9E3779B97F4A7C15ULL, i }, i, &first), 0);
    CHECK_EQ_INT(exact_insert(&t, (dedup_h128){ 77 * 0x9E3779B97F4A7C15ULL, 77 }, 9999, &first), 1);
    CHECK_EQ_INT(first, 77);
    CHECK_EQ_INT(exact_lookup(&t, (dedup_h128){ 0, 0 }, &first), 1);   /* i = 0 hashed to (0, 0) */
    CHECK_EQ_INT(first, 0);
    exact_free(&t);
}

TEST(unit_rebuild_keeps_separators_of_kept_lines) {
    const char *t = "keep one\nDROP ME\nkeep two\nDROP ME";
    norm_ctx *nc = norm_ctx_new();
    text_spans sp = {0};
    uint64_t *keys = NULL;
    size_t cap = 0;
    buf scratch = {0}, out = {0};
    char err[ERR_MAX];
    CHECK_EQ_INT(dedup_unit_keys(nc, DEDUP_NORM_SPACE, 0, 1, t, strlen(t), &sp, &keys, &cap, &scratch, err), 0);
    CHECK_EQ_INT(sp.n, 4);
    CHECK_EQ_INT(keys[1], keys[3]);
    uint64_t drop[1] = { keys[1] };
    int empty;
    CHECK_EQ_INT(dedup_unit_rebuild(t, strlen(t), &sp, keys, drop, 1, &out, &empty), 2);
    CHECK_EQ_STR(out.p, "keep one\nkeep two");
    CHECK_EQ_INT(empty, 0);
    free(keys); text_spans_free(&sp); buf_free(&scratch); buf_free(&out);
    norm_ctx_free(nc);
}

TEST(unit_keys_skip_units_shorter_than_min_chars) {
    const char *t = "short\n\na line long enough";
    norm_ctx *nc = norm_ctx_new();
    text_spans sp = {0};
    uint64_t *keys = NULL;
    size_t cap = 0;
    buf scratch = {0};
    char err[ERR_MAX];
    CHECK_EQ_INT(dedup_unit_keys(nc, DEDUP_NORM_SPACE, 0, 10, t, strlen(t), &sp, &keys, &cap, &scratch, err), 0);
    CHECK_EQ_INT(sp.n, 3);
    CHECK_EQ_INT(keys[0], 0);
    CHECK_EQ_INT(keys[1], 0);
    CHECK(keys[2] != 0);
    free(keys); text_spans_free(&sp); buf_free(&scratch);
    norm_ctx_free(nc);
}
