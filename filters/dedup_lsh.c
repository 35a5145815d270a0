/*
 * dedup_lsh — the near-duplicate phases after signatures, and union-find.
 *
 *   signatures (dedup.c: one (band key, doc) record per band per document, into an xsort)
 *   -> buckets  lsh_buckets: records with equal band keys form a bucket; each member after the
 *               first gives the pair (first, member). A star per bucket is enough for
 *               connectivity and keeps the pair count linear in the bucket size.
 *   -> clusters lsh_clusters: pairs sorted and deduplicated (a pair seen in several bands is
 *               verified once), optionally verified by true Jaccard, joined with union-find.
 *   -> filter   (dedup.c) a document is kept iff it is the root of its set.
 * Each phase reads and writes an xsort, which spills to sorted runs on disk past its memory
 * bound, so every phase runs in bounded memory except union-find (4 bytes per document).
 *
 * Union-find: union by "smaller index wins" keeps the root equal to the set's first document
 * in input order, which is what dedup keeps; path halving keeps finds near O(1) amortised.
 */
#include "dedup.h"
#include <stdlib.h>
#include <string.h>

void uf_init(uf *u) { memset(u, 0, sizeof *u); }
void uf_free(uf *u) { free(u->p); memset(u, 0, sizeof *u); }

void uf_grow(uf *u, size_t n) {
    if (n > u->cap) {
        size_t c = u->cap ? u->cap : 1024;
        while (c < n) c *= 2;
        u->p = xrealloc(u->p, c * sizeof *u->p);
        u->cap = c;
    }
    for (size_t i = u->n; i < n; i++) u->p[i] = (uint32_t)i;
    if (n > u->n) u->n = n;
}

uint32_t uf_find(uf *u, uint32_t x) {
    while (u->p[x] != x) {
        u->p[x] = u->p[u->p[x]];
        x = u->p[x];
    }
    return x;
}

void uf_union(uf *u, uint32_t a, uint32_t b) {
    a = uf_find(u, a);
    b = uf_find(u, b);
    if (a == b) return;
    if (a < b) u->p[b] = a; else u->p[a] = b;
}

long long lsh_buckets(xsort *bands, xsort *pairs, char *err) {
    if (xsort_done(bands, err)) return -1;
    uint64_t rec[LSH_BAND_WORDS], key = 0, first = 0;
    int have = 0, r;
    long long npairs = 0;
    while ((r = xsort_next(bands, rec, err)) == 1) {
        if (!have || rec[0] != key) { key = rec[0]; first = rec[1]; have = 1; continue; }
        if (rec[1] == first) continue;
        uint64_t pr[LSH_PAIR_WORDS] = { first, rec[1] };
        if (xsort_add(pairs, pr, err)) return -1;
        npairs++;
    }
    return r < 0 ? -1 : npairs;
}

int lsh_clusters(xsort *pairs, uf *u, lsh_verify_fn verify, void *ctx, lsh_cluster_stats *st,
                 char *err) {
    if (xsort_done(pairs, err)) return -1;
    uint64_t rec[LSH_PAIR_WORDS], pa = UINT64_MAX, pb = UINT64_MAX;
    int r;
    while ((r = xsort_next(pairs, rec, err)) == 1) {
        if (rec[0] == pa && rec[1] == pb) continue;
        pa = rec[0]; pb = rec[1];
        st->pairs++;
        uint32_t a = (uint32_t)pa, b = (uint32_t)pb;
        if (verify) {
            /* already joined through other pairs: nothing to learn */
            if (uf_find(u, a) == uf_find(u, b)) continue;
            int v = verify(ctx, a, b, err);
            if (v < 0) return -1;
            if (!v) { st->verified_split++; continue; }
            st->verified_joined++;
        }
        uf_union(u, a, b);
    }
    return r < 0 ? -1 : 0;
}
