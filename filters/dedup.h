/*
 * dedup — the library behind `winnow dedup` (docs/dedup.md): exact, near (MinHash LSH) and
 * line/paragraph deduplication. The stage (dedup_stage, dedup.c) composes these pieces:
 *
 *   dedup_spill.c    dstore: append-only byte records (held documents, ids) in memory up to a
 *                    bound, then in an unlinked temp file; xsort: external sort of fixed-size
 *                    records (sorted runs on disk past a bound, k-way merge).
 *   dedup_minhash.c  shingles (word n-grams of simplified text), MinHash signatures, LSH band
 *                    keys, exact Jaccard of shingle sets.
 *   dedup_lsh.c      the near-dup phases: band records -> candidate pairs (buckets) -> clusters
 *                    (union-find, optional verification); union-find itself.
 *   dedup_exact.c    the 128-bit hash table of first occurrences.
 *   dedup_lines.c    line / paragraph keys and the text rebuild without boilerplate units.
 *
 * Everything here is deterministic: no threads, no clocks, fixed hash family and seeds.
 */
#ifndef WN_DEDUP_H
#define WN_DEDUP_H
#include <stddef.h>
#include <stdint.h>
#include "../pipeline/buf.h"
#include "normalize.h"
#include "text.h"

/* ---------- dedup_spill.c ---------- */

/* dstore: records 0..n-1 of any length. Bytes stay in memory until mem_limit, then the
 * in-memory tail is appended to a temp file (created unlinked in tmpdir) and memory reused.
 * Memory: 8 bytes per record (offsets) + up to mem_limit bytes. */
typedef struct dstore {
    buf mem;              /* bytes [file_len, file_len + mem.len) */
    uint64_t *off;        /* off[i] = start of record i; off[n] = end */
    size_t n, cap;
    uint64_t file_len, spilled_bytes;
    int fd;               /* -1 until the first spill */
    size_t mem_limit;
    const char *tmpdir;   /* not owned; NULL: $TMPDIR or /tmp */
} dstore;

void dstore_init(dstore *s, size_t mem_limit, const char *tmpdir);
void dstore_free(dstore *s);
int dstore_add(dstore *s, const void *p, size_t n, char *err);
/* Record i into out (replacing its contents). */
int dstore_get(dstore *s, size_t i, buf *out, char *err);

/* xsort: fixed-size records of `words` uint64s, ordered lexicographically by word.
 * Add records; past mem_limit the buffer is sorted and written as a run. After xsort_done,
 * xsort_next returns records in order (merging runs), 1 per record, 0 at the end, -1 on I/O. */
typedef struct xsort_run { int fd; uint64_t pos, end; uint64_t *buf; size_t bn, bi; } xsort_run;
typedef struct xsort {
    size_t words, mem_limit;
    uint64_t *v; size_t n, cap;   /* records in memory (cap in records) */
    int fd;                       /* all runs live in one unlinked temp file */
    uint64_t file_len;
    xsort_run *runs; size_t nruns;
    size_t *heap; size_t nheap;   /* merge heap of run indexes */
    size_t mi;                    /* next in-memory record when there are no runs */
    size_t runbuf;                /* records buffered per run while merging */
    uint64_t total, spilled_runs;
    const char *tmpdir;
} xsort;

void xsort_init(xsort *x, size_t words, size_t mem_limit, const char *tmpdir);
void xsort_free(xsort *x);
int xsort_add(xsort *x, const uint64_t *rec, char *err);
int xsort_done(xsort *x, char *err);
int xsort_next(xsort *x, uint64_t *rec, char *err);

/* A temp file in dir (NULL: $TMPDIR or /tmp), already unlinked. -1 with err. */
int dedup_tmpfile(const char *dir, char *err);

/* ---------- dedup_minhash.c ---------- */

enum { MINHASH_MAX_PERM = 1024 };

/* The fixed hash family (docs/dedup.md, "Signatures"):
 *   word hash      w = XXH3_64bits(word bytes)
 *   shingle hash   s = XXH3_64bits(w[i..i+ngram) as little-endian uint64s); a text with fewer
 *                  than ngram words (but at least one) has one shingle of all its words
 *   permutation j  h_j(s) = (uint32)((a_j * s + b_j) mod 2^64 >> 32),
 *                  a_j = splitmix64(seed, 2j) | 1, b_j = splitmix64(seed, 2j+1)
 *   signature      sig[j] = min over shingles of h_j
 *   band key       k_b = XXH3_64bits_withSeed(sig[b*rows .. (b+1)*rows) as LE uint32s, b + 1)
 * Default seed DEDUP_SEED; changing any of this changes every signature. */
#define DEDUP_SEED 0x77696e6e6f77ULL   /* "winnow" */

typedef uint64_t minhash_v8 __attribute__((vector_size(64)));
typedef struct minhash {
    int ngram, bands, rows, nperm;
    uint64_t seed;
    uint64_t a[MINHASH_MAX_PERM], b[MINHASH_MAX_PERM];
    minhash_v8 va[MINHASH_MAX_PERM / 8], vb[MINHASH_MAX_PERM / 8];   /* a, b in vectors of 8 */
    /* per-thread scratch */
    norm_ctx *nc;
    text_ctx *tc;
    buf norm;
    text_spans words;
    uint64_t *wh; size_t whcap;
} minhash;

minhash *minhash_new(int ngram, int bands, int rows, uint64_t seed);
void minhash_free(minhash *m);
/* Shingle hashes of text (simplified with norm_simplify unless raw) into *sh (grown as needed),
 * in text order, duplicates included; count in *n. */
int minhash_shingles(minhash *m, const char *text, size_t len, uint64_t **sh, size_t *cap,
                     size_t *n, char *err);
void minhash_signature(const minhash *m, const uint64_t *sh, size_t n, uint32_t *sig);
void minhash_band_keys(const minhash *m, const uint32_t *sig, uint64_t *keys);
/* Sort and deduplicate in place; returns the new count. The radix version needs tmp[n]. */
size_t dedup_sort_unique(uint64_t *v, size_t n);
size_t dedup_radix_sort_unique(uint64_t *v, size_t n, uint64_t *tmp);
/* |A ∩ B| / |A ∪ B| of two sorted unique arrays; 0 when both are empty. */
double dedup_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);
/* Fraction of equal signature positions (the MinHash estimate of Jaccard). */
double minhash_estimate(const uint32_t *x, const uint32_t *y, int nperm);

/* ---------- dedup_lsh.c ---------- */

/* Union-find over 0..n-1 where the root of a set is always its smallest member (so the root
 * is the first document of a cluster in input order). 4 bytes per element. */
typedef struct uf { uint32_t *p; size_t n, cap; } uf;
void uf_init(uf *u);
void uf_free(uf *u);
void uf_grow(uf *u, size_t n);        /* elements n-1 and below exist, each its own set */
uint32_t uf_find(uf *u, uint32_t x);
void uf_union(uf *u, uint32_t a, uint32_t b);

/* Phase 1 -> 2 record: (band key, document number). Phase 2 -> 3 record: (a, b), a < b. */
enum { LSH_BAND_WORDS = 2, LSH_PAIR_WORDS = 2 };

/* Phase "buckets": read band records in sorted order, write one candidate pair (first, other)
 * per extra member of each bucket into pairs (sorted and deduplicated by the caller's
 * xsort_done/xsort_next). Returns the number of pairs written or -1. */
long long lsh_buckets(xsort *bands, xsort *pairs, char *err);

/* Phase "clusters": union the pairs. With verify, each distinct pair is checked by
 * verify(ctx, a, b, err) first (1: join, 0: split off, -1: error); pairs already in one set
 * are not verified again. */
typedef int (*lsh_verify_fn)(void *ctx, uint32_t a, uint32_t b, char *err);
typedef struct lsh_cluster_stats { uint64_t pairs, verified_joined, verified_split; } lsh_cluster_stats;
int lsh_clusters(xsort *pairs, uf *u, lsh_verify_fn verify, void *ctx, lsh_cluster_stats *st,
                 char *err);

/* ---------- dedup_exact.c ---------- */

typedef struct dedup_h128 { uint64_t lo, hi; } dedup_h128;
/* Open-addressing table of 128-bit hashes -> first document number. 24 bytes per slot,
 * load factor <= 1/2. */
typedef struct exact_table { uint64_t *slots; size_t cap, n; } exact_table;
void exact_init(exact_table *t);
void exact_free(exact_table *t);
/* Look up h; if absent insert (h -> seq) and return 0; if present, return 1 with *first. */
int exact_insert(exact_table *t, dedup_h128 h, uint64_t seq, uint64_t *first);
int exact_lookup(const exact_table *t, dedup_h128 h, uint64_t *first);
size_t exact_bytes_after_grow(const exact_table *t);   /* memory if the next insert grows */
size_t exact_bytes(const exact_table *t);

/* ---------- dedup_lines.c ---------- */

/* Units of text: lines (split on '\n') or paragraphs (split on 2+ '\n'). Each unit's key is
 * XXH3_64bits of its normalised form, or 0 when the normalised form is shorter than min_chars
 * (never counted, never removed). */
enum { DEDUP_NORM_NONE, DEDUP_NORM_SPACE, DEDUP_NORM_NFKC, DEDUP_NORM_SIMPLIFY };
int dedup_normalize(norm_ctx *nc, int kind, const char *p, size_t n, buf *scratch,
                    const char **out, size_t *outn, char *err);
int dedup_unit_keys(norm_ctx *nc, int norm, int paragraphs, size_t min_chars, const char *p,
                    size_t n, text_spans *units, uint64_t **keys, size_t *cap, buf *scratch,
                    char *err);
/* Text without the units whose key is in the sorted array drop[0..ndrop): kept units with
 * their separators. Returns the number of units removed; *empty is set when nothing but
 * whitespace is left. */
size_t dedup_unit_rebuild(const char *p, size_t n, const text_spans *units, const uint64_t *keys,
                          const uint64_t *drop, size_t ndrop, buf *out, int *empty);

#endif
