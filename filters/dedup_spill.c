/*
 * dedup_spill — bounded-memory storage for dedup (see dedup.h):
 *
 *  dstore  append-only byte records. Bytes live in one memory buffer; when it passes
 *          mem_limit it is appended to an unlinked temp file and emptied, so memory stays at
 *          mem_limit + 8 bytes per record (the offsets). Reads of spilled records use pread
 *          (sequential reads are served by the page cache).
 *  xsort   external sort of fixed-size uint64 records (lexicographic). Records gather in a
 *          buffer of mem_limit bytes; a full buffer is sorted and written as a run to one
 *          unlinked temp file; xsort_next merges the runs with a binary heap, reading each run
 *          through a small buffer. With no run written, it sorts in memory and never touches
 *          the disk. Cost: O(n log n) compares, each record written and read once when spilled.
 *
 * Temp files are unlinked at creation, so nothing is left behind after a crash.
 */
#include "dedup.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dedup_tmpfile(const char *dir, char *err) {
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/winnow-dedup-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return err_set(err, "cannot create a temp file in %s: %s", dir, strerror(errno));
    unlink(path);
    return fd;
}

static int write_all(int fd, const void *p, size_t n, char *err) {
    const char *s = p;
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return err_set(err, "spill write failed: %s", strerror(errno));
        }
        s += w; n -= (size_t)w;
    }
    return 0;
}

static int pread_all(int fd, void *p, size_t n, uint64_t off, char *err) {
    char *s = p;
    while (n) {
        ssize_t r = pread(fd, s, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return err_set(err, "spill read failed: %s", strerror(errno));
        }
        if (r == 0) return err_set(err, "spill read failed: unexpected end of temp file");
        s += r; n -= (size_t)r; off += (uint64_t)r;
    }
    return 0;
}

/* ---------- dstore ---------- */

void dstore_init(dstore *s, size_t mem_limit, const char *tmpdir) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->mem_limit = mem_limit ? mem_limit : 1;
    s->tmpdir = tmpdir;
    s->cap = 64;
    s->off = xmalloc(s->cap * sizeof *s->off);
    s->off[0] = 0;
}

void dstore_free(dstore *s) {
    buf_free(&s->mem);
    free(s->off);
    if (s->fd >= 0) close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

int dstore_add(dstore *s, const void *p, size_t n, char *err) {
    if (s->n + 2 > s->cap) {
        s->cap *= 2;
        s->off = xrealloc(s->off, s->cap * sizeof *s->off);
    }
    buf_add(&s->mem, p, n);
    s->n++;
    s->off[s->n] = s->off[s->n - 1] + n;
    if (s->mem.len > s->mem_limit) {
        if (s->fd < 0 && (s->fd = dedup_tmpfile(s->tmpdir, err)) < 0) return -1;
        if (write_all(s->fd, s->mem.p, s->mem.len, err)) return -1;
        s->file_len += s->mem.len;
        s->spilled_bytes += s->mem.len;
        buf_reset(&s->mem);
        if (s->mem.cap > 2 * s->mem_limit + 4096) {   /* one huge record: give it back */
            buf_free(&s->mem);
        }
    }
    return 0;
}

int dstore_get(dstore *s, size_t i, buf *out, char *err) {
    if (i >= s->n) return err_set(err, "internal: record %zu of %zu", i, s->n);
    uint64_t a = s->off[i], b = s->off[i + 1];
    buf_reset(out);
    buf_reserve(out, (size_t)(b - a));
    if (a >= s->file_len) memcpy(out->p, s->mem.p + (a - s->file_len), (size_t)(b - a));
    else if (pread_all(s->fd, out->p, (size_t)(b - a), a, err)) return -1;
    out->len = (size_t)(b - a);
    out->p[out->len] = 0;
    return 0;
}

/* ---------- xsort ---------- */

enum { XSORT_RUNBUF = 4096 };   /* at most this many records read at once from each run */

static inline int rec_cmp(const uint64_t *a, const uint64_t *b, size_t w) {
    for (size_t i = 0; i < w; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}
static int rec_cmp_q(const void *a, const void *b, void *words) { return rec_cmp(a, b, *(size_t *)words); }

void xsort_init(xsort *x, size_t words, size_t mem_limit, const char *tmpdir) {
    memset(x, 0, sizeof *x);
    x->words = words;
    x->mem_limit = mem_limit;
    x->fd = -1;
    x->tmpdir = tmpdir;
    size_t recbytes = words * 8;
    x->cap = mem_limit / recbytes;
    if (x->cap < 64) x->cap = 64;
}

void xsort_free(xsort *x) {
    free(x->v);
    for (size_t i = 0; i < x->nruns; i++) free(x->runs[i].buf);
    free(x->runs);
    free(x->heap);
    if (x->fd >= 0) close(x->fd);
    memset(x, 0, sizeof *x);
    x->fd = -1;
}

static void sort_mem(xsort *x) {
    qsort_r(x->v, x->n, x->words * 8, rec_cmp_q, &x->words);
}

static int write_run(xsort *x, char *err) {
    if (x->fd < 0 && (x->fd = dedup_tmpfile(x->tmpdir, err)) < 0) return -1;
    sort_mem(x);
    size_t bytes = x->n * x->words * 8;
    if (write_all(x->fd, x->v, bytes, err)) return -1;
    x->runs = xrealloc(x->runs, (x->nruns + 1) * sizeof *x->runs);
    x->runs[x->nruns++] = (xsort_run){ x->fd, x->file_len, x->file_len + bytes, NULL, 0, 0 };
    x->file_len += bytes;
    x->spilled_runs++;
    x->n = 0;
    return 0;
}

int xsort_add(xsort *x, const uint64_t *rec, char *err) {
    if (!x->v) {
        size_t start = x->cap < 65536 ? x->cap : 65536;
        x->v = xmalloc(start * x->words * 8);
        x->mi = start;   /* mi holds the allocated capacity until xsort_done */
    }
    if (x->n == x->mi) {
        if (x->n >= x->cap) {
            if (write_run(x, err)) return -1;
        } else {
            size_t nc = x->mi * 2 > x->cap ? x->cap : x->mi * 2;
            x->v = xrealloc(x->v, nc * x->words * 8);
            x->mi = nc;
        }
    }
    memcpy(x->v + x->n * x->words, rec, x->words * 8);
    x->n++;
    x->total++;
    return 0;
}

static int run_fill(xsort *x, xsort_run *r, char *err) {
    size_t rb = x->words * 8;
    uint64_t left = (r->end - r->pos) / rb;
    size_t k = left < x->runbuf ? (size_t)left : x->runbuf;
    if (!r->buf) r->buf = xmalloc(x->runbuf * rb);
    if (k && pread_all(r->fd, r->buf, k * rb, r->pos, err)) return -1;
    r->pos += k * rb;
    r->bn = k;
    r->bi = 0;
    return 0;
}

static const uint64_t *run_head(const xsort *x, const xsort_run *r) { return r->buf + r->bi * x->words; }

static void heap_down(xsort *x, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < x->nheap && rec_cmp(run_head(x, &x->runs[x->heap[l]]), run_head(x, &x->runs[x->heap[m]]), x->words) < 0) m = l;
        if (l + 1 < x->nheap && rec_cmp(run_head(x, &x->runs[x->heap[l + 1]]), run_head(x, &x->runs[x->heap[m]]), x->words) < 0) m = l + 1;
        if (m == i) return;
        size_t t = x->heap[i]; x->heap[i] = x->heap[m]; x->heap[m] = t;
        i = m;
    }
}

int xsort_done(xsort *x, char *err) {
    if (x->nruns == 0) {
        if (x->n) sort_mem(x);
        x->mi = 0;
        return 0;
    }
    if (x->n && write_run(x, err)) return -1;
    free(x->v);
    x->v = NULL;
    /* read buffers of all runs together stay within mem_limit (16..4096 records each) */
    x->runbuf = x->mem_limit / (x->nruns * x->words * 8);
    if (x->runbuf > XSORT_RUNBUF) x->runbuf = XSORT_RUNBUF;
    if (x->runbuf < 16) x->runbuf = 16;
    x->heap = xmalloc(x->nruns * sizeof *x->heap);
    x->nheap = 0;
    for (size_t i = 0; i < x->nruns; i++) {
        if (run_fill(x, &x->runs[i], err)) return -1;
        if (x->runs[i].bn) x->heap[x->nheap++] = i;
    }
    for (size_t i = x->nheap; i-- > 0;) heap_down(x, i);
    return 0;
}

int xsort_next(xsort *x, uint64_t *rec, char *err) {
    if (x->nruns == 0) {
        if (x->mi >= x->n) return 0;
        memcpy(rec, x->v + x->mi * x->words, x->words * 8);
        x->mi++;
        return 1;
    }
    if (x->nheap == 0) return 0;
    xsort_run *r = &x->runs[x->heap[0]];
    memcpy(rec, run_head(x, r), x->words * 8);
    if (++r->bi == r->bn) {
        if (run_fill(x, r, err)) return -1;
        if (r->bn == 0) {
            x->heap[0] = x->heap[--x->nheap];
            free(r->buf);
            r->buf = NULL;
        }
    }
    if (x->nheap) heap_down(x, 0);
    return 1;
}
