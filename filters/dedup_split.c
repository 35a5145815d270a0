/*
 * dedup_split — the dedup stage split into the runner's phases (stage_split in stage.h,
 * runner.h), so dedup of every mode scales over workers and Slurm tasks. Part i is input file
 * i; its documents are numbered id = (i << 32) | k, whose order is input order. Every phase
 * builds the same sets as the stage run whole (dedup.c), so outputs, rejects, annotations and
 * counters are the same (tests: split_* in tests/cli/run.sh).
 *
 *   keys      part i -> DIR/keys-NNNNNN: records sorted (xsort, spilling past --memory/4):
 *             near (band key, id) per band; exact (hash hi, hash lo, id); lines/paragraphs
 *             (unit key, id) per distinct unit. Trailer: off[nranges+1] (first record of each
 *             key range), ndocs, nranges, words per record, magic. The range of a record is
 *             word0 / (2^64 / nranges), so ranges are contiguous in sort order.
 *   buckets   range r: that slice of every keys file, merged. near: lsh_buckets (a star per
 *             bucket, as whole); exact: (first, other) per hash -> DIR/pairs-RRRRRR: pairs
 *             sorted and unique, then the ids that occur in them sorted; trailer: partoff
 *             [nparts+1] (first id of each part), npairs, nids, nparts, magic.
 *             lines: the range's keys in more than --max-repeats documents -> DIR/drop-RRRRRR.
 *   gather    part i: its ids from every pairs file (one pread each) -> for each such document
 *             its id string and (near) text hash and sorted shingle set -> DIR/gather-NNNNNN;
 *             trailer: (id, offset) per entry, count, magic. lines: nothing.
 *   clusters  pairs of every range mapped to dense numbers (prefix sums of the parts' document
 *             counts: dense order = id order) -> lsh_clusters (near: with --verify's lazy
 *             checks reading gathered shingle sets) -> DIR/decide-NNNNNN per part: (k, dup,
 *             jaccard, root id) for each document in a cluster with duplicates.
 *             lines: the ranges' drop lists concatenated (key order) -> DIR/drop.
 *   apply     dedup_apply_process walks the part's documents against its decisions (lines:
 *             dedup_lines_emit with the drop list).
 *
 * Files are host-endian binary (the nodes of one cluster share an architecture), written
 * atomically through outstream and read with pread; a missing file names the phase to run
 * first, a short or foreign one says it is damaged.
 * Costs (disk): keys 16 bytes x bands per document (near), 24 per document (exact), 16 per
 * distinct unit (lines); pairs 16 per pair + 8 per document in a pair; gather 24 + id (+ 8 per
 * shingle, near) for each document in a pair. Memory: clusters 4 bytes per document of the
 * corpus + 16 per gathered document + the pair sort's --memory/8; gather 8 bytes per id of
 * its part in a pair; the others their xsort shares of --memory.
 */
#include "dedup_int.h"
#include "../pipeline/stream.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MAGIC_KEYS   0x3153594b4e4e4957ULL   /* "WINNKYS1" */
#define MAGIC_PAIRS  0x31524950414e4957ULL   /* "WINAPIR1" */
#define MAGIC_GATHER 0x31524854474e4957ULL   /* "WINGTHR1" */
#define MAGIC_DECIDE 0x31434544444e4957ULL   /* "WINDDEC1" */
#define MAGIC_DROP   0x31504f52444e4957ULL   /* "WINDROP1" */

enum { CHUNK_RECS = 1 << 15 };

static void part_path(char *out, size_t n, const char *dir, const char *kind, size_t i) {
    snprintf(out, n, "%s/%s-%06zu", dir, kind, i);
}

/* ---------- files ---------- */

typedef struct rfile { int fd; uint64_t size; char path[4096]; } rfile;

static int rf_open(rfile *f, const char *path, const char *phase, char *err) {
    snprintf(f->path, sizeof f->path, "%s", path);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        if (errno == ENOENT) return err_set(err, "%s is missing: run --phase %s for every task first", path, phase);
        return err_set(err, "%s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(f->fd, &sb)) { close(f->fd); f->fd = -1; return err_set(err, "%s: %s", path, strerror(errno)); }
    f->size = (uint64_t)sb.st_size;
    return 0;
}

static void rf_close(rfile *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
}

static int rf_read(rfile *f, void *p, size_t n, uint64_t off, char *err) {
    char *q = p;
    while (n) {
        ssize_t k = pread(f->fd, q, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return err_set(err, "%s: %s", f->path, strerror(errno));
        if (k == 0) return err_set(err, "%s: truncated (a phase was interrupted or the file was changed)", f->path);
        q += k; n -= (size_t)k; off += (uint64_t)k;
    }
    return 0;
}

/* The last nw words of f into t; t[nw-1] must be magic. */
static int rf_tail(rfile *f, uint64_t *t, size_t nw, uint64_t magic, char *err) {
    if (f->size < nw * 8) return err_set(err, "%s: truncated (a phase was interrupted or the file was changed)", f->path);
    if (rf_read(f, t, nw * 8, f->size - nw * 8, err)) return -1;
    if (t[nw - 1] != magic) return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", f->path);
    return 0;
}

/* Buffered atomic writer. */
typedef struct wfile { outstream *o; buf b; } wfile;

static int wf_open(wfile *w, const char *path, char *err) {
    memset(w, 0, sizeof *w);
    w->o = outstream_open(path, COMPRESS_NONE, 0, err);
    return w->o ? 0 : -1;
}

static int wf_flush(wfile *w, char *err) {
    if (!w->b.len) return 0;
    if (outstream_write(w->o, w->b.p, w->b.len)) return err_set(err, "%s", outstream_error(w->o));
    buf_reset(&w->b);
    return 0;
}

static int wf_add(wfile *w, const void *p, size_t n, char *err) {
    buf_add(&w->b, p, n);
    return w->b.len >= (1u << 20) ? wf_flush(w, err) : 0;
}

static int wf_u64(wfile *w, uint64_t v, char *err) { return wf_add(w, &v, 8, err); }

static int wf_close(wfile *w, int ok, char *err) {
    int r = ok ? 0 : -1;
    if (!r && wf_flush(w, err)) r = -1;
    if (!r && outstream_close(w->o)) { err_set(err, "%s", outstream_error(w->o)); r = -1; }
    if (r && w->o) outstream_abort(w->o);
    w->o = NULL;
    buf_free(&w->b);
    return r;
}

/* Sorted runs the phase spilled to --tmp, as the stage run whole counts them. */
static void count_runs(stage *s, uint64_t runs) {
    if (runs) dedup_count(s, "spilled sorted runs", runs);
}

static size_t range_of(uint64_t key, size_t nranges) {
    if (nranges <= 1) return 0;
    uint64_t width = UINT64_MAX / nranges + 1;
    return (size_t)(key / width);
}

/* ---------- keys ---------- */

static int split_enabled(const stage *s) {
    const dedup_state *st = s->state;
    return st != NULL;   /* every mode */
}

static int split_keys(stage *s, doc_source *src, const char *dir, size_t part, size_t nranges,
                      int threads, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (part >= UINT32_MAX) return err_set(err, "near dedup handles at most 2^32-1 parts");
    if (c->threads == 0 && threads > 0 && threads < st->nworkers) st->nuse = threads;
    doc d;
    doc_init(&d);
    int g, r = -1;
    uint64_t k = 0;
    while ((g = src->next(src->ctx, &d, err)) == 1) {
        if (k >= UINT32_MAX) { err_set(err, "dedup handles at most 2^32-1 documents per part"); goto out; }
        int e;
        if (dedup_lines_mode(st)) e = dedup_lines_keys(s, &d, k, err);
        else if (st->mode == MODE_NEAR) e = dedup_near_push(st, k, &d, err);
        else {
            dedup_h128 h;
            e = dedup_exact_hash(st, &d, &h, err);
            uint64_t rec[3] = { h.hi, h.lo, k };
            if (!e) e = xsort_add(&st->rec, rec, err);
        }
        if (e) goto out;
        k++;
    }
    if (g < 0 || (st->mode == MODE_NEAR && dedup_near_flush(st, err)) || xsort_done(&st->rec, err)) goto out;
    char path[4200];
    part_path(path, sizeof path, dir, "keys", part);
    wfile w;
    if (wf_open(&w, path, err)) goto out;
    size_t W = st->rec.words;   /* near: (band key, k); exact: (hash hi, hash lo, k) */
    uint64_t *off = xcalloc(nranges + 1, sizeof *off), rec[3], n = 0;
    size_t cr = 0;
    int e, ok = 1;
    while ((e = xsort_next(&st->rec, rec, err)) == 1) {
        size_t rr = range_of(rec[0], nranges);
        while (cr <= rr) off[cr++] = n;
        rec[W - 1] |= (uint64_t)part << 32;
        if (wf_add(&w, rec, W * 8, err)) { ok = 0; break; }
        n++;
    }
    if (e < 0) ok = 0;
    while (cr <= nranges) off[cr++] = n;
    if (ok) {
        for (size_t i = 0; i <= nranges && ok; i++) if (wf_u64(&w, off[i], err)) ok = 0;
        if (ok && (wf_u64(&w, k, err) || wf_u64(&w, nranges, err) || wf_u64(&w, W, err) || wf_u64(&w, MAGIC_KEYS, err))) ok = 0;
    }
    free(off);
    if (wf_close(&w, ok, err)) goto out;
    count_runs(s, st->rec.spilled_runs);
    r = 0;
out:
    doc_free(&d);
    return r;
}

/* Documents of part p from its keys file's trailer (and its range table when off != NULL);
 * records are W words. */
static int keys_info(const char *dir, size_t p, size_t nranges, size_t W, uint64_t *ndocs, uint64_t **off,
                     rfile *f, char *err) {
    char path[4200];
    part_path(path, sizeof path, dir, "keys", p);
    if (rf_open(f, path, "files", err)) return -1;
    uint64_t t[4];
    if (rf_tail(f, t, 4, MAGIC_KEYS, err)) return -1;
    if (t[1] != nranges || t[2] != W)
        return err_set(err, "%s: %llu key ranges of %llu-word records, expected %zu of %zu (made by another pipeline or input list?)",
                       path, (unsigned long long)t[1], (unsigned long long)t[2], nranges, W);
    *ndocs = t[0];
    if (f->size < (nranges + 5) * 8) return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
    if (off) {
        *off = xmalloc((nranges + 1) * sizeof **off);
        if (rf_read(f, *off, (nranges + 1) * 8, f->size - (nranges + 5) * 8, err)) return -1;
        if ((*off)[nranges] * W * 8 + (nranges + 5) * 8 != f->size)
            return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
    }
    return 0;
}

/* Exact mode's buckets: records (hi, lo, id) sorted; each id after the first of its hash gives
 * the pair (first, id). */
static int exact_buckets(xsort *recs, xsort *pairs, char *err) {
    if (xsort_done(recs, err)) return -1;
    uint64_t rec[3], hi = 0, lo = 0, first = 0;
    int have = 0, r;
    while ((r = xsort_next(recs, rec, err)) == 1) {
        if (!have || rec[0] != hi || rec[1] != lo) { hi = rec[0]; lo = rec[1]; first = rec[2]; have = 1; continue; }
        uint64_t pr[2] = { first, rec[2] };
        if (xsort_add(pairs, pr, err)) return -1;
    }
    return r < 0 ? -1 : 0;
}

/* ---------- buckets ---------- */

static int split_buckets(stage *s, const char *dir, size_t nparts, size_t range, size_t nranges,
                         char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    xsort pairs, ids;
    xsort_init(&pairs, 2, st->B / 8, c->tmp);
    xsort_init(&ids, 1, st->B / 16, c->tmp);
    uint64_t *chunk = xmalloc((size_t)CHUNK_RECS * 24), *poff = NULL;
    int r = -1;
    wfile w = { 0 };
    for (size_t p = 0; p < nparts; p++) {
        rfile f = { .fd = -1 };
        uint64_t nd, *off = NULL;
        size_t W = st->rec.words;
        int e = keys_info(dir, p, nranges, W, &nd, &off, &f, err);
        for (uint64_t i = off ? off[range] : 0; !e && off && i < off[range + 1];) {
            size_t m = off[range + 1] - i < CHUNK_RECS ? (size_t)(off[range + 1] - i) : CHUNK_RECS;
            if ((e = rf_read(&f, chunk, m * W * 8, i * W * 8, err))) break;
            for (size_t j = 0; j < m && !e; j++) e = xsort_add(&st->rec, chunk + W * j, err);
            i += m;
        }
        free(off);
        rf_close(&f);
        if (e) goto out;
    }
    char path[4200];
    if (dedup_lines_mode(st)) {
        /* the range's repeated units, sorted */
        part_path(path, sizeof path, dir, "drop", range);
        if (dedup_lines_drops(s, &st->rec, err) || wf_open(&w, path, err)) goto out;
        for (size_t i = 0; i < st->ndrop; i++) if (wf_u64(&w, st->drop[i], err)) goto out;
        if (wf_u64(&w, st->ndrop, err) || wf_u64(&w, MAGIC_DROP, err)) goto out;
        r = 0;
        goto out;
    }
    if ((st->mode == MODE_EXACT ? exact_buckets(&st->rec, &pairs, err) : lsh_buckets(&st->rec, &pairs, err)) < 0 ||
        xsort_done(&pairs, err))
        goto out;
    part_path(path, sizeof path, dir, "pairs", range);
    if (wf_open(&w, path, err)) goto out;
    uint64_t rec[2], pa = UINT64_MAX, pb = UINT64_MAX, np = 0, ni = 0;
    int e;
    while ((e = xsort_next(&pairs, rec, err)) == 1) {
        if (rec[0] == pa && rec[1] == pb) continue;
        pa = rec[0]; pb = rec[1];
        if (wf_add(&w, rec, 16, err) || xsort_add(&ids, &rec[0], err) || xsort_add(&ids, &rec[1], err)) goto out;
        np++;
    }
    if (e < 0 || xsort_done(&ids, err)) goto out;
    poff = xcalloc(nparts + 1, sizeof *poff);
    uint64_t id, last = UINT64_MAX;
    size_t cp = 0;
    while ((e = xsort_next(&ids, &id, err)) == 1) {
        if (id == last) continue;
        last = id;
        size_t pp = (size_t)(id >> 32);
        if (pp >= nparts) { err_set(err, "%s: document of part %zu, but there are %zu parts", path, pp, nparts); goto out; }
        while (cp <= pp) poff[cp++] = ni;
        if (wf_u64(&w, id, err)) goto out;
        ni++;
    }
    if (e < 0) goto out;
    while (cp <= nparts) poff[cp++] = ni;
    for (size_t i = 0; i <= nparts; i++) if (wf_u64(&w, poff[i], err)) goto out;
    if (wf_u64(&w, np, err) || wf_u64(&w, ni, err) || wf_u64(&w, nparts, err) || wf_u64(&w, MAGIC_PAIRS, err)) goto out;
    r = 0;
out:
    if (w.o && wf_close(&w, r == 0, err)) r = -1;
    if (!r) count_runs(s, st->rec.spilled_runs + pairs.spilled_runs + ids.spilled_runs);
    xsort_free(&pairs);
    xsort_free(&ids);
    free(chunk);
    free(poff);
    return r;
}

/* A pairs file's trailer: t = { np, ni, nparts, magic }; nparts 0 takes the file's. */
static int pairs_info(const char *dir, size_t range, size_t nparts, rfile *f, uint64_t t[4], char *err) {
    char path[4200];
    part_path(path, sizeof path, dir, "pairs", range);
    if (rf_open(f, path, "buckets", err) || rf_tail(f, t, 4, MAGIC_PAIRS, err)) return -1;
    if (nparts && t[2] != nparts) return err_set(err, "%s: made for %llu parts, expected %zu", path, (unsigned long long)t[2], nparts);
    if (f->size != t[0] * 16 + t[1] * 8 + (t[2] + 1) * 8 + 32)
        return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
    return 0;
}

/* ---------- gather ---------- */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Gather works in batches: the wanted documents' ids and texts are copied, a full batch is
 * shingled on the signature threads (near; each thread its own MinHash context), and the
 * entries are written in document order, so the file does not depend on the thread count. */
typedef struct gentry { uint64_t th, *sh; size_t n, cap; } gentry;
typedef struct gbatch {
    buf text, ids;
    size_t toff[NEAR_BATCH_DOCS + 1], ioff[NEAR_BATCH_DOCS + 1], n;
    gentry e[NEAR_BATCH_DOCS];
} gbatch;

static void gbatch_add(gbatch *b, const doc *d) {
    if (b->n == 0) { buf_reset(&b->text); buf_reset(&b->ids); b->toff[0] = b->ioff[0] = 0; }
    buf_add(&b->text, d->text, d->text_len);
    buf_add(&b->ids, d->id, d->id_len);
    b->n++;
    b->toff[b->n] = b->text.len;
    b->ioff[b->n] = b->ids.len;
}

static void gbatch_free(gbatch *b) {
    buf_free(&b->text);
    buf_free(&b->ids);
    for (size_t i = 0; i < NEAR_BATCH_DOCS; i++) free(b->e[i].sh);
}

/* Shingle the batch (near) and write its entries; want/index: the batch's ids and index slots. */
static int gather_flush(dedup_state *st, gbatch *b, wfile *w, const uint64_t *want, uint64_t *index,
                        uint64_t *pos, char *err) {
    long n = (long)b->n;
    if (n == 0) return 0;
    if (st->mode == MODE_NEAR) {
        int nt = st->nuse;
        for (int t = 0; t < nt; t++) st->workers[t].fail = 0;
        #pragma omp parallel for num_threads(nt) schedule(dynamic, 8) if (nt > 1 && n > 16)
        for (long i = 0; i < n; i++) {
            near_worker *wk = &st->workers[omp_get_thread_num()];
            gentry *e = &b->e[i];
            if (wk->fail) continue;
            if (minhash_shingles(wk->m, b->text.p + b->toff[i], b->toff[i + 1] - b->toff[i], &e->sh, &e->cap, &e->n, wk->err)) {
                wk->fail = 1;
                continue;
            }
            /* the same text hash as near_sign, the same sorted set as dedup_shingle_set */
            e->th = e->n ? XXH3_64bits(wk->m->norm.p, wk->m->norm.len) | 1 : 0;
            if (e->n > wk->shcap) {   /* the worker's shingle scratch serves as the radix buffer */
                wk->shcap = e->n + e->n / 2;
                wk->sh = xrealloc(wk->sh, wk->shcap * sizeof *wk->sh);
            }
            e->n = dedup_radix_sort_unique(e->sh, e->n, wk->sh);
        }
        for (int t = 0; t < nt; t++)
            if (st->workers[t].fail) return err_set(err, "%s", st->workers[t].err);
    }
    static const char zero[8];
    for (long i = 0; i < n; i++) {
        const gentry *e = &b->e[i];
        size_t idn = b->ioff[i + 1] - b->ioff[i], ns = st->mode == MODE_NEAR ? e->n : 0;
        uint32_t hdr[2] = { (uint32_t)idn, (uint32_t)ns };
        size_t pad = (8 - idn % 8) % 8;
        if (wf_u64(w, want[i], err) || wf_u64(w, st->mode == MODE_NEAR ? e->th : 0, err) || wf_add(w, hdr, 8, err) ||
            wf_add(w, b->ids.p + b->ioff[i], idn, err) || wf_add(w, zero, pad, err) || wf_add(w, e->sh, ns * 8, err))
            return -1;
        index[2 * i] = want[i];
        index[2 * i + 1] = *pos;
        *pos += 24 + idn + pad + ns * 8;
    }
    b->n = 0;
    return 0;
}

static int split_gather(stage *s, doc_source *src, const char *dir, size_t part, size_t nranges,
                        int threads, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (dedup_lines_mode(st)) return 0;   /* the drop list is all they need */
    /* the part's documents that occur in some pair, from every range's id index */
    uint64_t *want = NULL;
    size_t nw = 0, cap = 0;
    int r = -1;
    wfile w = { 0 };
    doc d;
    doc_init(&d);
    uint64_t *index = NULL;
    gbatch *gb = xcalloc(1, sizeof *gb);   /* 24 KB: off the stack */
    for (size_t rg = 0; rg < nranges; rg++) {
        rfile f = { .fd = -1 };
        uint64_t t[4], po[2];
        int e = pairs_info(dir, rg, 0, &f, t, err);
        size_t nparts = e ? 0 : (size_t)t[2];
        if (!e && part >= nparts) e = err_set(err, "%s: made for %zu parts, this is part %zu", f.path, nparts, part);
        if (!e) e = rf_read(&f, po, 16, f.size - 32 - (nparts + 1) * 8 + part * 8, err);
        if (e) { rf_close(&f); goto out; }
        size_t m = (size_t)(po[1] - po[0]);
        if (nw + m > cap) { cap = (nw + m) * 2; want = xrealloc(want, cap * sizeof *want); }
        e = m ? rf_read(&f, want + nw, m * 8, t[0] * 16 + po[0] * 8, err) : 0;
        rf_close(&f);
        if (e) goto out;
        nw += m;
    }
    if (!want) want = xcalloc(1, sizeof *want);   /* none: a valid empty array */
    if (nw) qsort(want, nw, sizeof *want, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < nw; i++) if (!u || want[i] != want[u - 1]) want[u++] = want[i];
    nw = u;
    char path[4200];
    part_path(path, sizeof path, dir, "gather", part);
    if (wf_open(&w, path, err)) goto out;
    index = xmalloc((nw ? nw : 1) * 2 * sizeof *index);
    uint64_t k = 0, pos = 0;
    size_t j = 0, jb = 0;   /* want[jb..j) are in the batch */
    int g = 1;
    if (st->mode == MODE_NEAR && c->threads == 0 && threads > 0 && threads < st->nworkers) st->nuse = threads;
    while (j < nw && (g = src->next(src->ctx, &d, err)) == 1) {
        if ((want[j] & 0xffffffffu) != k++) continue;
        gbatch_add(gb, &d);
        j++;
        /* small batches (1 MB of text) keep the shingle sets in cache; one thread needs none */
        if ((gb->n == NEAR_BATCH_DOCS || gb->text.len >= (1u << 20) || st->mode != MODE_NEAR || st->nuse == 1) &&
            gather_flush(st, gb, &w, want + jb, index + 2 * jb, &pos, err))
            goto out;
        if (!gb->n) jb = j;
    }
    if (g >= 0 && gather_flush(st, gb, &w, want + jb, index + 2 * jb, &pos, err)) goto out;
    if (j < nw) {
        if (!err[0]) err_set(err, "part %zu has fewer documents than its keys say (document %llu is missing): the part changed since --phase files",
                             part, (unsigned long long)(want[j] & 0xffffffffu));
        goto out;
    }
    for (size_t i = 0; i < 2 * nw; i++) if (wf_u64(&w, index[i], err)) goto out;
    if (wf_u64(&w, nw, err) || wf_u64(&w, MAGIC_GATHER, err)) goto out;
    r = 0;
out:
    if (w.o && wf_close(&w, r == 0, err)) r = -1;
    free(want);
    free(index);
    gbatch_free(gb);
    free(gb);
    doc_free(&d);
    return r;
}

/* ---------- clusters ---------- */

typedef struct gpart { rfile f; uint64_t *index; size_t n; } gpart;

typedef struct cl_ctx {
    dedup_state *st;
    const char *dir;
    size_t nparts, nopen;
    uint64_t *prefix;           /* prefix[p] = dense number of part p's first document */
    gpart *g;
    buf id;                     /* the last entry's id */
    buf rootid;                 /* the id of the root whose set is cached in st->sa */
    uint64_t tha, thb;
    double threshold;
} cl_ctx;

static size_t part_of(const cl_ctx *c, uint64_t dense) {
    size_t lo = 0, hi = c->nparts;   /* last p with prefix[p] <= dense */
    while (hi - lo > 1) {
        size_t m = (lo + hi) / 2;
        if (c->prefix[m] <= dense) lo = m; else hi = m;
    }
    return lo;
}

static int gpart_load(cl_ctx *c, size_t p, char *err) {
    gpart *g = &c->g[p];
    if (g->f.fd >= 0) return 0;
    if (c->nopen >= 256)   /* stay far below the descriptor limit */
        for (size_t i = 0; i < c->nparts; i++) if (c->g[i].f.fd >= 0) { rf_close(&c->g[i].f); c->nopen--; }
    char path[4200];
    part_path(path, sizeof path, c->dir, "gather", p);
    if (rf_open(&g->f, path, "gather", err)) return -1;
    c->nopen++;
    if (g->index) return 0;
    uint64_t t[2];
    if (rf_tail(&g->f, t, 2, MAGIC_GATHER, err)) return -1;
    if (g->f.size < (2 * t[0] + 2) * 8) return err_set(err, "%s: truncated", path);
    g->n = (size_t)t[0];
    g->index = xmalloc((g->n ? g->n : 1) * 16);
    return rf_read(&g->f, g->index, g->n * 16, g->f.size - (2 * t[0] + 2) * 8, err);
}

/* Dense document i's gathered entry: its text hash, id (into c->id) and, with sh, its shingle
 * set. */
static int entry(cl_ctx *c, uint64_t i, uint64_t *th, uint64_t **sh, size_t *cap, size_t *n, char *err) {
    size_t p = part_of(c, i);
    uint64_t id = ((uint64_t)p << 32) | (i - c->prefix[p]);
    if (gpart_load(c, p, err)) return -1;
    gpart *g = &c->g[p];
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (g->index[2 * m] < id) lo = m + 1; else hi = m;
    }
    if (lo == g->n || g->index[2 * lo] != id)
        return err_set(err, "%s: document %llu of part %zu was not gathered", g->f.path, (unsigned long long)(id & 0xffffffffu), p);
    uint64_t off = g->index[2 * lo + 1], h[3];
    if (rf_read(&g->f, h, 24, off, err)) return -1;
    *th = h[1];
    uint32_t idn = (uint32_t)h[2], ns = (uint32_t)(h[2] >> 32);
    buf_reset(&c->id);
    buf_reserve(&c->id, idn + 1);
    if (rf_read(&g->f, c->id.p, idn, off + 24, err)) return -1;
    c->id.len = idn;
    c->id.p[idn] = 0;
    if (sh) {
        if (ns > *cap) { *cap = ns + ns / 2; *sh = xrealloc(*sh, *cap * 8); }
        if (rf_read(&g->f, *sh, (size_t)ns * 8, off + 24 + idn + (8 - idn % 8) % 8, err)) return -1;
        *n = ns;
    }
    return 0;
}

static int cl_verify(void *ctx, uint32_t a, uint32_t b, char *err) {
    cl_ctx *c = ctx;
    dedup_state *st = c->st;
    if (st->cached_a != (int64_t)a) {
        st->cached_a = -1;
        if (entry(c, a, &c->tha, &st->sa, &st->sacap, &st->na, err)) return -1;
        st->cached_a = a;
    }
    if (entry(c, b, &c->thb, &st->sb, &st->sbcap, &st->nb, err)) return -1;
    if (c->tha == c->thb) return 1;
    return dedup_jaccard(st->sa, st->na, st->sb, st->nb) >= c->threshold;
}

/* lines/paragraphs: the ranges' drop lists, concatenated in range (= key) order, into DIR/drop. */
static int lines_clusters(stage *s, const char *dir, size_t nranges, char *err) {
    dedup_state *st = s->state;
    buf all = { 0 };
    uint64_t n = 0;
    int r = -1;
    for (size_t rg = 0; rg < nranges; rg++) {
        rfile f = { .fd = -1 };
        uint64_t t[2];
        char path[4200];
        part_path(path, sizeof path, dir, "drop", rg);
        int e = rf_open(&f, path, "buckets", err) || rf_tail(&f, t, 2, MAGIC_DROP, err);
        if (!e && f.size != t[0] * 8 + 16) e = err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
        if (!e) {
            buf_reserve(&all, (size_t)t[0] * 8);
            e = rf_read(&f, all.p + all.len, (size_t)t[0] * 8, 0, err);
            all.len += (size_t)t[0] * 8;
            n += t[0];
        }
        rf_close(&f);
        if (e) goto out;
    }
    uint64_t t[2] = { n, MAGIC_DROP };
    buf_add(&all, t, 16);
    char path[4200];
    snprintf(path, sizeof path, "%s/drop", dir);
    if (stream_write_file(path, all.p, all.len, err)) goto out;
    dedup_count(s, st->mode == MODE_PARAGRAPHS ? "repeated paragraphs" : "repeated lines", n);
    r = 0;
out:
    buf_free(&all);
    return r;
}

static int split_clusters(stage *s, const char *dir, size_t nparts, size_t nranges, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (dedup_lines_mode(st)) return lines_clusters(s, dir, nranges, err);
    cl_ctx cx = { .st = st, .dir = dir, .nparts = nparts, .threshold = c->threshold };
    cx.prefix = xcalloc(nparts + 1, sizeof *cx.prefix);
    cx.g = xcalloc(nparts ? nparts : 1, sizeof *cx.g);
    for (size_t p = 0; p < nparts; p++) cx.g[p].f.fd = -1;
    xsort pairs;
    xsort_init(&pairs, 2, st->B / 8, c->tmp);
    uf u;
    uf_init(&u);
    uint8_t *hasdup = NULL;
    uint64_t *chunk = xmalloc((size_t)CHUNK_RECS * 16);
    buf out = { 0 };
    int r = -1;
    for (size_t p = 0; p < nparts; p++) {
        rfile f = { .fd = -1 };
        uint64_t nd;
        int e = keys_info(dir, p, nranges, st->rec.words, &nd, NULL, &f, err);
        rf_close(&f);
        if (e) goto out;
        cx.prefix[p + 1] = cx.prefix[p] + nd;
    }
    uint64_t total = cx.prefix[nparts];
    if (total >= UINT32_MAX) { err_set(err, "near dedup handles at most 2^32-1 documents per run"); goto out; }
    for (size_t rg = 0; rg < nranges; rg++) {
        rfile f = { .fd = -1 };
        uint64_t t[4];
        int e = pairs_info(dir, rg, nparts, &f, t, err);
        for (uint64_t i = 0; !e && i < t[0];) {
            size_t m = t[0] - i < CHUNK_RECS ? (size_t)(t[0] - i) : CHUNK_RECS;
            if ((e = rf_read(&f, chunk, m * 16, i * 16, err))) break;
            for (size_t j = 0; j < m && !e; j++) {
                uint64_t pr[2];
                for (int q = 0; q < 2; q++) {
                    uint64_t id = chunk[2 * j + q], pp = id >> 32;
                    if (pp >= nparts || cx.prefix[pp] + (id & 0xffffffffu) >= cx.prefix[pp + 1]) {
                        e = err_set(err, "%s: document %llu of part %llu is past that part's end", f.path,
                                    (unsigned long long)(id & 0xffffffffu), (unsigned long long)pp);
                        break;
                    }
                    pr[q] = cx.prefix[pp] + (id & 0xffffffffu);
                }
                if (!e) e = xsort_add(&pairs, pr, err);
            }
            i += m;
        }
        rf_close(&f);
        if (e) goto out;
    }
    uf_grow(&u, (size_t)total);
    st->cached_a = -1;
    int near = st->mode == MODE_NEAR;
    if (lsh_clusters(&pairs, &u, near && c->verify ? cl_verify : NULL, &cx, &st->cst, err)) goto out;
    if (near) dedup_count(s, "candidate pairs", st->cst.pairs);
    if (near && c->verify) dedup_count(s, "pairs split by --verify", st->cst.verified_split);
    hasdup = xcalloc((size_t)total / 8 + 1, 1);
    uint64_t clusters = 0;
    for (uint64_t i = 0; i < total; i++) {
        uint32_t root = uf_find(&u, (uint32_t)i);
        if (root != i && !(hasdup[root / 8] & (1 << (root % 8)))) {
            hasdup[root / 8] |= (uint8_t)(1 << (root % 8));
            clusters++;
        }
    }
    if (near) dedup_count(s, "clusters with duplicates", clusters);
    /* decisions, part by part */
    st->cached_a = -1;
    for (size_t p = 0; p < nparts; p++) {
        buf_reset(&out);
        uint64_t nrec = 0;
        for (uint64_t i = cx.prefix[p]; i < cx.prefix[p + 1]; i++) {
            uint32_t root = uf_find(&u, (uint32_t)i);
            uint32_t hdr[2] = { (uint32_t)(i - cx.prefix[p]), root != i };
            double j = -1;
            size_t idl = 0;   /* a duplicate's record carries its root's id */
            if (root == i) {
                if (!near || !(hasdup[i / 8] & (1 << (i % 8)))) continue;   /* exact annotates duplicates only */
            } else {
                if (st->cached_a != (int64_t)root) {
                    st->cached_a = -1;
                    if (entry(&cx, root, &cx.tha, &st->sa, &st->sacap, &st->na, err)) goto out;
                    st->cached_a = root;
                    buf_reset(&cx.rootid);
                    buf_add(&cx.rootid, cx.id.p, cx.id.len);
                }
                if (near) {
                    if (entry(&cx, i, &cx.thb, &st->sb, &st->sbcap, &st->nb, err)) goto out;
                    j = cx.thb == cx.tha ? 1 : dedup_jaccard(st->sa, st->na, st->sb, st->nb);
                }
                idl = cx.rootid.len;
            }
            uint32_t idn[2] = { (uint32_t)idl, 0 };
            static const char zero[8];
            buf_add(&out, hdr, 8);
            buf_add(&out, &j, 8);
            buf_add(&out, idn, 8);
            buf_add(&out, cx.rootid.p, idl);
            buf_add(&out, zero, (8 - idl % 8) % 8);
            nrec++;
        }
        uint64_t t[2] = { nrec, MAGIC_DECIDE };
        buf_add(&out, t, 16);
        char path[4200];
        part_path(path, sizeof path, dir, "decide", p);
        if (stream_write_file(path, out.p, out.len, err)) goto out;
    }
    r = 0;
out:
    for (size_t p = 0; p < nparts; p++) { rf_close(&cx.g[p].f); free(cx.g[p].index); }
    free(cx.g);
    free(cx.prefix);
    buf_free(&cx.id);
    buf_free(&cx.rootid);
    buf_free(&out);
    free(chunk);
    free(hasdup);
    if (!r) count_runs(s, pairs.spilled_runs);
    xsort_free(&pairs);
    uf_free(&u);
    return r;
}

/* ---------- apply ---------- */

static int split_apply(stage *s, const char *dir, size_t part, char *err) {
    dedup_state *st = s->state;
    char path[4200];
    if (dedup_lines_mode(st)) {
        snprintf(path, sizeof path, "%s/drop", dir);
        struct stat sb;
        if (stat(path, &sb)) return err_set(err, "%s is missing: run --phase clusters first", path);
        buf b = { 0 };
        if (stream_read_file(path, &b, err)) return -1;
        uint64_t t[2] = { 0, 0 };
        if (b.len >= 16) memcpy(t, b.p + b.len - 16, 16);
        if (t[1] != MAGIC_DROP || b.len != t[0] * 8 + 16) {
            buf_free(&b);
            return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
        }
        free(st->drop);
        st->ndrop = st->dropcap = (size_t)t[0];
        st->drop = xmalloc((st->ndrop ? st->ndrop : 1) * sizeof *st->drop);
        memcpy(st->drop, b.p, st->ndrop * 8);
        buf_free(&b);
        st->applying = 1;
        return 0;
    }
    part_path(path, sizeof path, dir, "decide", part);
    struct stat sb;
    if (stat(path, &sb)) return err_set(err, "%s is missing: run --phase clusters first", path);
    if (stream_read_file(path, &st->decbuf, err)) return -1;
    const char *p = st->decbuf.p;
    size_t n = st->decbuf.len;
    uint64_t t[2];
    if (n < 16) return err_set(err, "%s: truncated", path);
    memcpy(t, p + n - 16, 16);
    if (t[1] != MAGIC_DECIDE) return err_set(err, "%s: truncated or damaged (run with --force to redo the pipeline)", path);
    st->dec = xcalloc(t[0] ? (size_t)t[0] : 1, sizeof *st->dec);
    size_t pos = 0, end = n - 16;
    for (uint64_t i = 0; i < t[0]; i++) {
        if (pos + 24 > end) return err_set(err, "%s: truncated", path);
        dedup_decision *d = &st->dec[i];
        uint32_t h[2], idn[2];
        memcpy(h, p + pos, 8);
        memcpy(&d->jaccard, p + pos + 8, 8);
        memcpy(idn, p + pos + 16, 8);
        d->k = h[0];
        d->dup = h[1];
        d->idlen = idn[0];
        d->id = p + pos + 24;
        pos += 24 + d->idlen + (8 - d->idlen % 8) % 8;
        if (pos > end || (i && d->k <= st->dec[i - 1].k)) return err_set(err, "%s: corrupt", path);
    }
    st->ndec = (size_t)t[0];
    st->deci = 0;
    st->seq = 0;
    st->applying = 1;
    return 0;
}

int dedup_apply_process(stage *s, doc *d, stage_io *io, char *err) {
    dedup_state *st = s->state;
    dedup_cfg *c = s->cfg;
    if (dedup_lines_mode(st)) return dedup_lines_emit(s, d, io, &st->removed_total, err);
    uint64_t k = st->seq++;
    if (st->deci >= st->ndec || st->dec[st->deci].k != k) return io->emit(io, d);
    const dedup_decision *x = &st->dec[st->deci++];
    if (!x->dup) {
        if (c->annotate) dedup_annotate(st, d, d->id, d->id_len, 0, -1);
        return io->emit(io, d);
    }
    int near = st->mode == MODE_NEAR;
    if (c->annotate) {
        dedup_annotate(st, d, x->id, x->idlen, 1, near ? x->jaccard : -1);
        return io->emit(io, d);
    }
    buf_reset(&st->detail);
    buf_adds(&st->detail, "of ");
    buf_add(&st->detail, x->id, x->idlen);
    if (near) buf_printf(&st->detail, " (jaccard %.2f)", floor(x->jaccard * 100) / 100);
    return io->reject(io, d, near ? "near-duplicate" : "exact-duplicate", st->detail.p);
}

const stage_split dedup_split = {
    .enabled = split_enabled,
    .keys = split_keys,
    .buckets = split_buckets,
    .gather = split_gather,
    .clusters = split_clusters,
    .apply = split_apply,
};
