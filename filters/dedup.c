/*
 * dedup — the `dedup` stage (winnow dedup, `dedup:` in YAML): exact, near (MinHash LSH),
 * lines and paragraphs modes. docs/dedup.md is the user's manual; dedup.h lists the pieces.
 *
 * Order and fate: the first occurrence in input order is kept and survivors are emitted in
 * input order, so the output is a subsequence of the input whatever the memory bound.
 *  - exact decides online: the 128-bit hash table answers "seen before?" and the document is
 *    emitted or rejected at once. When the table would pass its share of --memory, it is
 *    frozen (still consulted) and later documents are held (dstore, spilling to --tmp) with
 *    (hash, number) records in an external sort; finish() merges the records, finds each
 *    hash's first occurrence (frozen table first, else the smallest number) and emits the held
 *    documents in order. Output and rejects are the same as without spilling.
 *  - near, lines and paragraphs hold every document (serialised, in a dstore that spills to
 *    --tmp past its share of --memory) and decide in finish(), after the corpus-wide phase.
 * Memory shares of --memory (B): held documents B/2 (exact: B/4), exact table B/2, the main
 * external sort B/4, pairs/duplicates B/8, ids B/16, near's signature batch min(8M, B/8);
 * plus 16 bytes per document of offsets (near: +12, union-find and a text hash).
 * Threads: only near's signatures (-j), in batches whose records are added in document order,
 * so the output does not depend on the thread count. Costs: see docs/dedup.md (measured).
 *
 * Rejects: reason "exact-duplicate" / "near-duplicate" / "duplicate-lines" /
 * "duplicate-paragraphs", detail "of <id>" / "of <id> (jaccard 0.87)" / "all N lines ...".
 * The jaccard printed is the true Jaccard of the word-shingle sets of the document and the
 * kept document of its cluster.
 */
#include "dedup_int.h"
#include "../pipeline/jsonl.h"
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define O(f) offsetof(dedup_cfg, f)
static const opt_def dedup_opts[] = {
    { "mode", 'm', OPT_ENUM, O(mode), "exact", "exact: same (normalised) text; near: MinHash LSH; lines/paragraphs: drop boilerplate units repeated across the corpus", 0, 0, "exact|near|lines|paragraphs", NULL },
    { "normalize", 0, OPT_ENUM, O(normalize), "auto", "text compared after: auto = none (exact), space (lines, paragraphs), simplify (near; the only choice there)", 0, 0, "auto|none|space|nfkc-casefold|simplify", NULL },
    { "ngram", 0, OPT_INT, O(ngram), "5", "near: shingles are word N-grams", 1, 64, NULL, "N" },
    { "bands", 0, OPT_INT, O(bands), "14", "near: LSH bands b; with --rows r the threshold is (1/b)^(1/r): 0.72 for 14x8 (a pair of Jaccard J collides with probability 1-(1-J^r)^b: 65% at 0.72, 92% at 0.8, 99% at 0.85)", 1, 256, NULL, "B" },
    { "rows", 0, OPT_INT, O(rows), "8", "near: hashes per band r (b*r = 112 MinHash permutations by default)", 1, 64, NULL, "R" },
    { "verify", 0, OPT_BOOL, O(verify), NULL, "near: check each candidate pair's true shingle Jaccard and split off pairs under --threshold", 0, 0, NULL, NULL },
    { "threshold", 0, OPT_DOUBLE, O(threshold), "0.8", "near with --verify: minimum true Jaccard to join a pair", 0, 1, NULL, "J" },
    { "max-repeats", 0, OPT_INT, O(max_repeats), "10", "lines/paragraphs: drop units found in more than K documents", 1, 1e15, NULL, "K" },
    { "min-chars", 0, OPT_INT, O(min_chars), "20", "lines/paragraphs: only units of at least N bytes (normalised) count", 0, 1e9, NULL, "N" },
    { "threads", 'j', OPT_INT, O(threads), "0", "near: signature threads (0: all cores); output is identical for any value", 0, 1024, NULL, "N" },
    { "annotate", 0, OPT_BOOL, O(annotate), NULL, "keep every document; write meta.dedup = {cluster, dup_of[, jaccard]} (lines: {lines_removed}) instead of dropping or editing", 0, 0, NULL, NULL },
    { "memory", 0, OPT_SIZE, O(memory), "2G", "working-set bound; past it documents, hashes and signatures spill to sorted runs in --tmp", 0, 0, NULL, "SIZE" },
    { "tmp", 0, OPT_STRING, O(tmp), NULL, "directory for spill files (default $TMPDIR or /tmp); files are unlinked at creation", 0, 0, NULL, "DIR" },
    OPT_DEF_END,
};

static int dedup_init(stage *s, char *err) {
    dedup_cfg *c = s->cfg;
    dedup_state *st = xcalloc(1, sizeof *st);
    s->state = st;
    st->mode = !strcmp(c->mode, "near") ? MODE_NEAR : !strcmp(c->mode, "lines") ? MODE_LINES :
               !strcmp(c->mode, "paragraphs") ? MODE_PARAGRAPHS : MODE_EXACT;
    const char *nz = c->normalize;
    st->norm = !strcmp(nz, "none") ? DEDUP_NORM_NONE : !strcmp(nz, "space") ? DEDUP_NORM_SPACE :
               !strcmp(nz, "nfkc-casefold") ? DEDUP_NORM_NFKC : !strcmp(nz, "simplify") ? DEDUP_NORM_SIMPLIFY :
               st->mode == MODE_EXACT ? DEDUP_NORM_NONE : st->mode == MODE_NEAR ? DEDUP_NORM_SIMPLIFY :
               DEDUP_NORM_SPACE;
    if (st->mode == MODE_NEAR && st->norm != DEDUP_NORM_SIMPLIFY)
        return err_set(err, "--normalize: near mode always shingles simplified text (use auto or simplify)");
    if (c->bands * c->rows > MINHASH_MAX_PERM)
        return err_set(err, "--bands x --rows is %lld; at most %d permutations", c->bands * c->rows, MINHASH_MAX_PERM);
    st->B = c->memory > 0 ? (size_t)c->memory : 1;
    st->nc = norm_ctx_new();
    dstore_init(&st->docs, st->mode == MODE_EXACT ? st->B / 4 : st->B / 2, c->tmp);
    dstore_init(&st->ids, st->B / 16, c->tmp);
    xsort_init(&st->rec, st->mode == MODE_EXACT ? 3 : 2, st->B / 4, c->tmp);
    doc_init(&st->cur);
    doc_init(&st->aux);
    exact_init(&st->tab);
    st->cached_a = -1;
    if (st->mode == MODE_NEAR) {
        st->mh = minhash_new((int)c->ngram, (int)c->bands, (int)c->rows, DEDUP_SEED);
        if (!st->mh) return err_set(err, "bad MinHash parameters");
        int nt = c->threads > 0 ? (int)c->threads : omp_get_max_threads();
        if (nt < 1) nt = 1;
        st->nworkers = st->nuse = nt;
        st->workers = xcalloc((size_t)nt, sizeof *st->workers);
        for (int t = 0; t < nt; t++) {
            near_worker *w = &st->workers[t];
            w->m = t ? minhash_new((int)c->ngram, (int)c->bands, (int)c->rows, DEDUP_SEED) : st->mh;
            w->sig = xmalloc((size_t)st->mh->nperm * sizeof *w->sig);
        }
        st->batch_bytes = st->B / 8 < NEAR_BATCH_BYTES ? st->B / 8 : NEAR_BATCH_BYTES;
        if (st->batch_bytes < 65536) st->batch_bytes = 65536;
        st->bkeys = xmalloc((size_t)NEAR_BATCH_DOCS * (size_t)st->mh->bands * sizeof *st->bkeys);
    }
    return 0;
}

static void dedup_free(stage *s) {
    dedup_state *st = s->state;
    if (!st) return;
    norm_ctx_free(st->nc);
    buf_free(&st->nbuf); buf_free(&st->line); buf_free(&st->text); buf_free(&st->detail); buf_free(&st->meta);
    dstore_free(&st->docs);
    dstore_free(&st->ids);
    doc_free(&st->cur);
    doc_free(&st->aux);
    exact_free(&st->tab);
    xsort_free(&st->rec);
    for (int t = 0; t < st->nworkers; t++) {
        if (t) minhash_free(st->workers[t].m);
        free(st->workers[t].sh);
        free(st->workers[t].sig);
    }
    free(st->workers);
    free(st->bkeys);
    buf_free(&st->btext);
    minhash_free(st->mh);
    free(st->sa); free(st->sb); free(st->tmp); free(st->th);
    text_spans_free(&st->spans);
    free(st->ukeys); free(st->drop);
    free(st->dec);
    buf_free(&st->decbuf);
    free(st);
    s->state = NULL;
}

/* ---- shared helpers ---- */

static int hold(dedup_state *st, const doc *d, char *err) {
    buf_reset(&st->line);
    jsonl_write(d, &st->line);
    return dstore_add(&st->docs, st->line.p, st->line.len, err);
}

/* Held document number seq (>= hold_base) parsed into d. */
static int load(dedup_state *st, uint64_t seq, doc *d, char *err) {
    if (dstore_get(&st->docs, (size_t)(seq - st->hold_base), &st->line, err)) return -1;
    jsonl_error e;
    size_t n = st->line.len;
    if (n && st->line.p[n - 1] == '\n') n--;
    if (jsonl_parse(d, st->line.p, n, "(held)", seq + 1, &e))
        return err_set(err, "internal: held document %llu does not parse: %s", (unsigned long long)seq, e.reason);
    return 0;
}

static const char *id_of(dedup_state *st, uint64_t seq, buf *out, char *err) {
    if (dstore_get(&st->ids, (size_t)seq, out, err)) return NULL;
    return out->p ? out->p : "";
}

/* meta.dedup = {"cluster": rep, "dup_of": rep[, "jaccard": j]} (dup_of only for duplicates) */
void dedup_annotate(dedup_state *st, doc *d, const char *rep, size_t repn, int dup, double j) {
    buf *m = &st->meta;
    buf_reset(m);
    buf_adds(m, "{\"cluster\":");
    json_write_string(m, rep, repn);
    if (dup) {
        buf_adds(m, ",\"dup_of\":");
        json_write_string(m, rep, repn);
    }
    if (j >= 0) {
        buf_adds(m, ",\"jaccard\":");
        json_write_double(m, round(j * 1000) / 1000);
    }
    buf_addc(m, '}');
    doc_meta_set(d, "dedup", m->p, m->len);
}

/* stats_add without relying on the evaluation order inside stats.c */
void dedup_count(stage *s, const char *name, uint64_t n) {
    size_t i = stats_counter(&s->stats, name);
    s->stats.counters[i].n += n;
}

static void finish_stats(stage *s) {
    dedup_state *st = s->state;
    s->stats.peak_rss_kb = stats_peak_rss_kb();
    if (st->docs.spilled_bytes) dedup_count(s, "spilled document bytes", st->docs.spilled_bytes);
    uint64_t runs = st->runs + st->rec.spilled_runs;
    if (runs) dedup_count(s, "spilled sorted runs", runs);
}

/* ---- exact ---- */

int dedup_exact_hash(dedup_state *st, const doc *d, dedup_h128 *k, char *err) {
    const char *q;
    size_t qn;
    if (dedup_normalize(st->nc, st->norm, d->text, d->text_len, &st->nbuf, &q, &qn, err)) return -1;
    XXH128_hash_t h = XXH3_128bits(q, qn);
    k->lo = h.low64;
    k->hi = h.high64;
    return 0;
}

static int exact_process(stage *s, doc *d, stage_io *io, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    uint64_t seq = st->seq++;
    if (dstore_add(&st->ids, d->id, d->id_len, err)) return -1;
    dedup_h128 k;
    if (dedup_exact_hash(st, d, &k, err)) return -1;
    if (!st->frozen && exact_bytes_after_grow(&st->tab) > st->B / 2) {
        st->frozen = 1;
        st->hold_base = seq;
    }
    if (st->frozen) {
        uint64_t r[3] = { k.hi, k.lo, seq };
        if (hold(st, d, err) || xsort_add(&st->rec, r, err)) return -1;
        return 0;
    }
    uint64_t first;
    if (!exact_insert(&st->tab, k, seq, &first)) return io->emit(io, d);
    buf idb = {0};
    const char *fid = id_of(st, first, &idb, err);
    if (!fid) { buf_free(&idb); return -1; }
    int r;
    if (c->annotate) {
        dedup_annotate(st, d, fid, idb.len, 1, -1);
        r = io->emit(io, d);
    } else {
        buf_reset(&st->detail);
        buf_adds(&st->detail, "of ");
        buf_add(&st->detail, fid, idb.len);
        r = io->reject(io, d, "exact-duplicate", st->detail.p);
    }
    buf_free(&idb);
    return r;
}

static int exact_finish(stage *s, stage_io *io, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (!st->frozen) return 0;
    /* merge (hash, seq) records: first occurrence per hash -> (dup seq, first seq) */
    xsort dups;
    xsort_init(&dups, 2, st->B / 8, c->tmp);
    int r = -1;
    buf idb = {0};
    if (xsort_done(&st->rec, err)) goto out;
    uint64_t rec[3], hi = 0, lo = 0, first = 0;
    int have = 0, k;
    while ((k = xsort_next(&st->rec, rec, err)) == 1) {
        if (!have || rec[0] != hi || rec[1] != lo) {
            hi = rec[0]; lo = rec[1]; have = 1;
            if (exact_lookup(&st->tab, (dedup_h128){ lo, hi }, &first)) {
                uint64_t dr[2] = { rec[2], first };
                if (xsort_add(&dups, dr, err)) goto out;
            } else first = rec[2];
            continue;
        }
        uint64_t dr[2] = { rec[2], first };
        if (xsort_add(&dups, dr, err)) goto out;
    }
    if (k < 0 || xsort_done(&dups, err)) goto out;
    uint64_t dr[2];
    int more = xsort_next(&dups, dr, err);
    if (more < 0) goto out;
    for (uint64_t i = st->hold_base; i < st->seq; i++) {
        if (load(st, i, &st->cur, err)) goto out;
        int e;
        if (more == 1 && dr[0] == i) {
            const char *fid = id_of(st, dr[1], &idb, err);
            if (!fid) goto out;
            if (c->annotate) {
                dedup_annotate(st, &st->cur, fid, idb.len, 1, -1);
                e = io->emit(io, &st->cur);
            } else {
                buf_reset(&st->detail);
                buf_adds(&st->detail, "of ");
                buf_add(&st->detail, fid, idb.len);
                e = io->reject(io, &st->cur, "exact-duplicate", st->detail.p);
            }
            if ((more = xsort_next(&dups, dr, err)) < 0) goto out;
        } else e = io->emit(io, &st->cur);
        if (e) { r = e; goto out; }
    }
    r = 0;
out:
    buf_free(&idb);
    xsort_free(&dups);
    return r;
}

/* ---- near ---- */

/* Signatures run in batches: texts are copied into a batch, and a full batch is signed by
 * -j threads (one minhash context each), then its band records are added in document order.
 * The records (and so the output) are the same for any thread count. */

static int near_sign(near_worker *w, const char *text, size_t len, uint64_t *keys, uint64_t *th,
                     char *err) {
    size_t n;
    if (minhash_shingles(w->m, text, len, &w->sh, &w->shcap, &n, err)) return -1;
    /* hash of the simplified text: equal hashes mean Jaccard 1 without re-shingling */
    *th = n ? XXH3_64bits(w->m->norm.p, w->m->norm.len) | 1 : 0;
    if (n == 0) return 0;   /* no words: never a near duplicate */
    minhash_signature(w->m, w->sh, n, w->sig);
    minhash_band_keys(w->m, w->sig, keys);
    return 0;
}

int dedup_near_flush(dedup_state *st, char *err) {
    int nb = st->mh->bands, nt = st->nuse;
    long n = (long)st->bn;
    if (n == 0) return 0;
    for (int t = 0; t < nt; t++) st->workers[t].fail = 0;
    #pragma omp parallel for num_threads(nt) schedule(dynamic, 8) if (nt > 1 && n > 16)
    for (long i = 0; i < n; i++) {
        near_worker *w = &st->workers[omp_get_thread_num()];
        if (w->fail) continue;
        if (near_sign(w, st->btext.p + st->boff[i], st->boff[i + 1] - st->boff[i],
                      st->bkeys + (size_t)i * (size_t)nb, &st->bth[i], w->err))
            w->fail = 1;
    }
    for (int t = 0; t < nt; t++)
        if (st->workers[t].fail) return err_set(err, "%s", st->workers[t].err);
    for (long i = 0; i < n; i++) {
        uint64_t seq = st->bseq0 + (uint64_t)i;
        if (st->th) st->th[seq] = st->bth[i];
        if (!st->bth[i]) continue;
        for (int b = 0; b < nb; b++) {
            uint64_t r[2] = { st->bkeys[(size_t)i * (size_t)nb + (size_t)b], seq };
            if (xsort_add(&st->rec, r, err)) return -1;
        }
    }
    st->bn = 0;
    buf_reset(&st->btext);
    return 0;
}

static int near_process(stage *s, doc *d, stage_io *io, char *err) {
    dedup_state *st = s->state;
    uint64_t seq = st->seq++;
    if (seq >= UINT32_MAX) return err_set(err, "near dedup handles at most 2^32-1 documents per run");
    if (dstore_add(&st->ids, d->id, d->id_len, err) || hold(st, d, err)) return -1;
    if (seq == st->thcap) {
        st->thcap = st->thcap ? st->thcap * 2 : 1024;
        st->th = xrealloc(st->th, st->thcap * sizeof *st->th);
    }
    return dedup_near_push(st, seq, d, err);
}

int dedup_near_push(dedup_state *st, uint64_t seq, const doc *d, char *err) {
    if (st->bn == 0) { st->bseq0 = seq; st->boff[0] = 0; }
    buf_add(&st->btext, d->text, d->text_len);
    st->boff[++st->bn] = st->btext.len;
    if (st->bn == NEAR_BATCH_DOCS || st->btext.len >= st->batch_bytes) return dedup_near_flush(st, err);
    return 0;
}

int dedup_shingle_set(dedup_state *st, const char *text, size_t len, uint64_t **v, size_t *cap,
                      size_t *n, char *err) {
    if (minhash_shingles(st->mh, text, len, v, cap, n, err)) return -1;
    if (*n > st->tmpcap) {
        st->tmpcap = *n + *n / 2;
        st->tmp = xrealloc(st->tmp, st->tmpcap * sizeof *st->tmp);
    }
    *n = dedup_radix_sort_unique(*v, *n, st->tmp);
    return 0;
}

/* Sorted unique shingle set of held document i into *v. */
static int shingle_set(dedup_state *st, uint64_t i, doc *d, uint64_t **v, size_t *cap, size_t *n,
                       char *err) {
    if (load(st, i, d, err)) return -1;
    return dedup_shingle_set(st, d->text, d->text_len, v, cap, n, err);
}

static int near_verify(void *ctx, uint32_t a, uint32_t b, char *err) {
    dedup_state *st = ctx;
    if (st->th[a] == st->th[b]) return 1;
    if (st->cached_a != (int64_t)a) {
        st->cached_a = -1;
        if (shingle_set(st, a, &st->aux, &st->sa, &st->sacap, &st->na, err)) return -1;
        st->cached_a = a;
    }
    if (shingle_set(st, b, &st->cur, &st->sb, &st->sbcap, &st->nb, err)) return -1;
    return dedup_jaccard(st->sa, st->na, st->sb, st->nb) >= st->threshold;
}

static int near_finish(stage *s, stage_io *io, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    uf u;
    uf_init(&u);
    xsort pairs;
    xsort_init(&pairs, 2, st->B / 8, c->tmp);
    uint8_t *hasdup = NULL;
    buf idb = {0};
    int r = -1;
    if (dedup_near_flush(st, err)) goto out;
    /* phase 2: buckets -> candidate pairs; phase 3: clusters */
    long long np = lsh_buckets(&st->rec, &pairs, err);
    if (np < 0) goto out;
    st->runs += st->rec.spilled_runs;
    xsort_free(&st->rec);
    uf_grow(&u, (size_t)st->seq);
    st->threshold = c->threshold;
    if (lsh_clusters(&pairs, &u, c->verify ? near_verify : NULL, st, &st->cst, err)) goto out;
    st->runs += pairs.spilled_runs;
    xsort_free(&pairs);
    dedup_count(s, "candidate pairs", st->cst.pairs);
    if (c->verify) dedup_count(s, "pairs split by --verify", st->cst.verified_split);
    hasdup = xcalloc((size_t)st->seq / 8 + 1, 1);
    uint64_t clusters = 0;
    for (uint64_t i = 0; i < st->seq; i++) {
        uint32_t root = uf_find(&u, (uint32_t)i);
        if (root != i && !(hasdup[root / 8] & (1 << (root % 8)))) {
            hasdup[root / 8] |= (uint8_t)(1 << (root % 8));
            clusters++;
        }
    }
    dedup_count(s, "clusters with duplicates", clusters);
    /* phase 4: filter, in input order */
    st->cached_a = -1;
    for (uint64_t i = 0; i < st->seq; i++) {
        uint32_t root = uf_find(&u, (uint32_t)i);
        int e;
        if (root == i) {
            if (load(st, i, &st->cur, err)) goto out;
            if (c->annotate && (hasdup[i / 8] & (1 << (i % 8))))
                dedup_annotate(st, &st->cur, st->cur.id, st->cur.id_len, 0, -1);
            e = io->emit(io, &st->cur);
        } else {
            double j = 1;
            if (st->th[i] == st->th[root]) {
                if (load(st, i, &st->cur, err)) goto out;
            } else {
                if (st->cached_a != (int64_t)root) {
                    st->cached_a = -1;
                    if (shingle_set(st, root, &st->aux, &st->sa, &st->sacap, &st->na, err)) goto out;
                    st->cached_a = root;
                }
                if (shingle_set(st, i, &st->cur, &st->sb, &st->sbcap, &st->nb, err)) goto out;
                j = dedup_jaccard(st->sa, st->na, st->sb, st->nb);
            }
            const char *rid = id_of(st, root, &idb, err);
            if (!rid) goto out;
            if (c->annotate) {
                dedup_annotate(st, &st->cur, rid, idb.len, 1, j);
                e = io->emit(io, &st->cur);
            } else {
                buf_reset(&st->detail);
                buf_adds(&st->detail, "of ");
                buf_add(&st->detail, rid, idb.len);
                buf_printf(&st->detail, " (jaccard %.2f)", floor(j * 100) / 100);
                e = io->reject(io, &st->cur, "near-duplicate", st->detail.p);
            }
        }
        if (e) { r = e; goto out; }
    }
    r = 0;
out:
    free(hasdup);
    buf_free(&idb);
    xsort_free(&pairs);
    uf_free(&u);
    return r;
}

/* ---- lines / paragraphs ---- */

static int lines_process(stage *s, doc *d, stage_io *io, char *err) {
    dedup_state *st = s->state;
    uint64_t seq = st->seq++;
    if (hold(st, d, err)) return -1;
    return dedup_lines_keys(s, d, seq, err);
}

int dedup_lines_keys(stage *s, const doc *d, uint64_t seq, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (dedup_unit_keys(st->nc, st->norm, st->mode == MODE_PARAGRAPHS, (size_t)c->min_chars, d->text,
                        d->text_len, &st->spans, &st->ukeys, &st->ukcap, &st->nbuf, err))
        return -1;
    size_t n = dedup_sort_unique(st->ukeys, st->spans.n);   /* each unit counts once per doc */
    for (size_t i = 0; i < n; i++) {
        if (!st->ukeys[i]) continue;
        uint64_t r[2] = { st->ukeys[i], seq };
        if (xsort_add(&st->rec, r, err)) return -1;
    }
    return 0;
}

int dedup_lines_drops(stage *s, xsort *x, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (xsort_done(x, err)) return -1;
    uint64_t rec[2], key = 0, cnt = 0;
    int k;
    for (;;) {
        k = xsort_next(x, rec, err);
        if (k < 0) return -1;
        if (k == 0 || rec[0] != key) {
            if (cnt > (uint64_t)c->max_repeats) {
                if (st->ndrop == st->dropcap) {
                    st->dropcap = st->dropcap ? st->dropcap * 2 : 256;
                    st->drop = xrealloc(st->drop, st->dropcap * sizeof *st->drop);
                }
                st->drop[st->ndrop++] = key;
            }
            if (k == 0) break;
            key = rec[0];
            cnt = 0;
        }
        cnt++;
    }
    return 0;
}

static int lines_finish(stage *s, stage_io *io, char *err) {
    dedup_state *st = s->state;
    int para = st->mode == MODE_PARAGRAPHS;
    if (dedup_lines_drops(s, &st->rec, err)) return -1;
    st->runs += st->rec.spilled_runs;
    xsort_free(&st->rec);
    dedup_count(s, para ? "repeated paragraphs" : "repeated lines", st->ndrop);
    uint64_t removed_total = 0;
    for (uint64_t i = 0; i < st->seq; i++) {
        if (load(st, i, &st->cur, err)) return -1;
        int e = dedup_lines_emit(s, &st->cur, io, &removed_total, err);
        if (e) return e;
    }
    dedup_count(s, para ? "paragraphs removed" : "lines removed", removed_total);
    return 0;
}

int dedup_lines_emit(stage *s, doc *d, stage_io *io, uint64_t *removed_total, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    int para = st->mode == MODE_PARAGRAPHS;
    const char *what = para ? "paragraphs" : "lines";
    if (dedup_unit_keys(st->nc, st->norm, para, (size_t)c->min_chars, d->text, d->text_len,
                        &st->spans, &st->ukeys, &st->ukcap, &st->nbuf, err))
        return -1;
    int empty;
    size_t removed = st->ndrop ? dedup_unit_rebuild(d->text, d->text_len, &st->spans, st->ukeys,
                                                    st->drop, st->ndrop, &st->text, &empty) : 0;
    *removed_total += removed;
    if (removed == 0) return io->emit(io, d);
    if (c->annotate) {
        buf_reset(&st->meta);
        buf_printf(&st->meta, "{\"%s_removed\":%zu}", what, removed);
        doc_meta_set(d, "dedup", st->meta.p, st->meta.len);
        return io->emit(io, d);
    }
    if (empty) {
        buf_reset(&st->detail);
        buf_printf(&st->detail, "all %zu %s are repeated boilerplate", removed, what);
        return io->reject(io, d, para ? "duplicate-paragraphs" : "duplicate-lines", st->detail.p);
    }
    doc_set_text(d, st->text.p, st->text.len);
    return io->emit(io, d);
}

/* ---- the stage ---- */

static int dedup_process(stage *s, doc *d, stage_io *io, char *err) {
    dedup_state *st = s->state;
    if (st->applying) return dedup_apply_process(s, d, io, err);
    switch (st->mode) {
    case MODE_EXACT: return exact_process(s, d, io, err);
    case MODE_NEAR: return near_process(s, d, io, err);
    default: return lines_process(s, d, io, err);
    }
}

static int dedup_finish(stage *s, stage_io *io, char *err) {
    dedup_state *st = s->state;
    int r;
    if (st->applying) {
        if (dedup_lines_mode(st))
            dedup_count(s, st->mode == MODE_PARAGRAPHS ? "paragraphs removed" : "lines removed", st->removed_total);
        finish_stats(s);
        if (st->deci < st->ndec)
            return err_set(err, "the part has %llu documents but its decisions go to document %u: the part changed since --phase files",
                           (unsigned long long)st->seq, st->dec[st->ndec - 1].k + 1);
        return 0;
    }
    switch (st->mode) {
    case MODE_EXACT: r = exact_finish(s, io, err); break;
    case MODE_NEAR: r = near_finish(s, io, err); break;
    default: r = lines_finish(s, io, err); break;
    }
    finish_stats(s);
    return r;
}

const stage_class dedup_stage = {
    .name = "dedup",
    .summary = "remove exact duplicates, near duplicates (MinHash LSH) or repeated boilerplate lines",
    .opts = dedup_opts,
    .cfg_size = sizeof(dedup_cfg),
    .flags = STAGE_GLOBAL,
    .init = dedup_init,
    .process = dedup_process,
    .finish = dedup_finish,
    .free = dedup_free,
    .split = &dedup_split,
};
