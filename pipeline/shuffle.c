/*
 * shuffle — seeded external shuffle (see shuffle.h for the contract).
 *
 * In memory: records are appended to one arena (grown by doubling, capped at the budget); an
 * index of (key, seq, offset, length) is sorted with qsort when the run is complete. A record
 * counts against the budget with its bytes plus its index entry. A spilled run is a sequence of
 * [u64 key][u64 seq][u64 length][bytes] in sorted order, in a temporary file that was
 * unlinked as soon as it was created. The merge keeps a binary min-heap of run heads ordered
 * by (key, seq); the in-memory run (never spilled when it is the last) is one of the heads.
 * seq is the global insertion number, so ties are broken identically however runs split.
 */
#include "shuffle.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_BUF (256u << 10)

typedef struct ent { uint64_t key, seq, off, len; } ent;

typedef struct run {
    FILE *f;                /* NULL: the in-memory run */
    size_t pos;             /* in-memory: next index entry */
    uint64_t key, seq;
    buf rec;                /* current record (file runs) */
    const void *p; size_t n;/* current record */
} run;

struct shuffle {
    size_t memory;
    char *tmp_dir;
    char *ar; size_t alen, acap;    /* the arena; grows by doubling but never past the budget */
    ent *idx; size_t n, cap;
    uint64_t seq;
    run *runs; size_t nruns;
    size_t *heap, nheap;
    int finished;
};

shuffle *shuffle_new(size_t memory, const char *tmp_dir) {
    shuffle *s = xcalloc(1, sizeof *s);
    s->memory = memory < 4096 ? 4096 : memory;
    const char *t = tmp_dir ? tmp_dir : getenv("TMPDIR");
    s->tmp_dir = xstrdup(t && *t ? t : "/tmp");
    return s;
}

static int ent_cmp(const void *a, const void *b) {
    const ent *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int spill(shuffle *s, char *err) {
    if (s->n) qsort(s->idx, s->n, sizeof *s->idx, ent_cmp);
    buf path = { 0 };
    buf_printf(&path, "%s/winnow-shuffle.XXXXXX", s->tmp_dir);
    int fd = mkstemp(path.p);
    if (fd < 0) {
        int e = errno;
        err_set(err, "%s: cannot create a spill file: %s", s->tmp_dir, strerror(e));
        buf_free(&path);
        return -1;
    }
    unlink(path.p);
    buf_free(&path);
    FILE *f = fdopen(fd, "w+b");
    if (!f) { close(fd); return err_set(err, "%s: fdopen: %s", s->tmp_dir, strerror(errno)); }
    for (size_t i = 0; i < s->n; i++) {
        uint64_t h[3] = { s->idx[i].key, s->idx[i].seq, s->idx[i].len };
        if (fwrite(h, sizeof h, 1, f) != 1 ||
            (s->idx[i].len && fwrite(s->ar + s->idx[i].off, s->idx[i].len, 1, f) != 1)) {
            fclose(f);
            return err_set(err, "%s: writing a spill file: %s", s->tmp_dir, strerror(errno));
        }
    }
    if (fflush(f) != 0) { fclose(f); return err_set(err, "%s: writing a spill file: %s", s->tmp_dir, strerror(errno)); }
    s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof *s->runs);
    memset(&s->runs[s->nruns], 0, sizeof *s->runs);
    s->runs[s->nruns++].f = f;
    s->alen = 0;
    s->n = 0;
    return 0;
}

int shuffle_add(shuffle *s, uint64_t key, const void *rec, size_t n, char *err) {
    if (s->n && s->alen + n + (s->n + 1) * sizeof(ent) > s->memory && spill(s, err) < 0) return -1;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->idx = xrealloc(s->idx, s->cap * sizeof *s->idx);
    }
    if (s->alen + n > s->acap) {
        size_t cap = s->acap ? 2 * s->acap : (size_t)1 << 20;
        if (cap > s->memory) cap = s->memory;
        if (cap < s->alen + n) cap = s->alen + n;   /* one record larger than the budget */
        s->ar = xrealloc(s->ar, cap);
        s->acap = cap;
    }
    s->idx[s->n++] = (ent){ key, s->seq++, s->alen, n };
    if (n) memcpy(s->ar + s->alen, rec, n);
    s->alen += n;
    return 0;
}

/* Load the next record of run r into its head; 1 loaded, 0 exhausted, -1 error. */
static int run_advance(shuffle *s, run *r, char *err) {
    if (!r->f) {
        if (r->pos >= s->n) return 0;
        const ent *e = &s->idx[r->pos++];
        r->key = e->key; r->seq = e->seq;
        r->p = s->ar + e->off; r->n = e->len;
        return 1;
    }
    uint64_t h[3];
    size_t got = fread(h, 1, sizeof h, r->f);
    if (got == 0 && feof(r->f)) return 0;
    if (got != sizeof h) return err_set(err, "%s: reading a spill file: %s", s->tmp_dir, ferror(r->f) ? strerror(errno) : "truncated");
    buf_reset(&r->rec);
    buf_reserve(&r->rec, h[2]);
    if (h[2] && fread(r->rec.p, h[2], 1, r->f) != 1)
        return err_set(err, "%s: reading a spill file: truncated", s->tmp_dir);
    r->rec.len = h[2];
    r->key = h[0]; r->seq = h[1];
    r->p = r->rec.p; r->n = h[2];
    return 1;
}

static int run_less(const shuffle *s, size_t a, size_t b) {
    const run *x = &s->runs[a], *y = &s->runs[b];
    return x->key != y->key ? x->key < y->key : x->seq < y->seq;
}

static void heap_down(shuffle *s, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && run_less(s, s->heap[l], s->heap[m])) m = l;
        if (r < s->nheap && run_less(s, s->heap[r], s->heap[m])) m = r;
        if (m == i) return;
        size_t t = s->heap[i]; s->heap[i] = s->heap[m]; s->heap[m] = t;
        i = m;
    }
}

int shuffle_finish(shuffle *s, char *err) {
    if (s->n) qsort(s->idx, s->n, sizeof *s->idx, ent_cmp);
    s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof *s->runs);
    memset(&s->runs[s->nruns], 0, sizeof *s->runs);
    s->nruns++;                                     /* the in-memory run, f == NULL */
    s->heap = xmalloc(s->nruns * sizeof *s->heap);
    for (size_t i = 0; i < s->nruns; i++) {
        run *r = &s->runs[i];
        if (r->f) {
            if (fseek(r->f, 0, SEEK_SET) != 0) return err_set(err, "%s: rewinding a spill file: %s", s->tmp_dir, strerror(errno));
            setvbuf(r->f, NULL, _IOFBF, RUN_BUF);
        }
        int k = run_advance(s, r, err);
        if (k < 0) return -1;
        if (k) s->heap[s->nheap++] = i;
    }
    for (size_t i = s->nheap / 2; i-- > 0;) heap_down(s, i);
    s->finished = 1;
    return 0;
}

int shuffle_next(shuffle *s, const void **rec, size_t *n, char *err) {
    if (!s->finished) return err_set(err, "shuffle_next before shuffle_finish");
    if (s->finished == 2) {               /* advance the run handed out last time */
        size_t top = s->heap[0];
        int k = run_advance(s, &s->runs[top], err);
        if (k < 0) return -1;
        if (!k) s->heap[0] = s->heap[--s->nheap];
        if (s->nheap) heap_down(s, 0);
        s->finished = 1;
    }
    if (!s->nheap) return 0;
    run *r = &s->runs[s->heap[0]];
    *rec = r->p; *n = r->n;
    s->finished = 2;
    return 1;
}

uint64_t shuffle_records(const shuffle *s) { return s->seq; }

unsigned shuffle_spills(const shuffle *s) {
    unsigned k = 0;
    for (size_t i = 0; i < s->nruns; i++) k += s->runs[i].f != NULL;
    return k;
}

void shuffle_free(shuffle *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nruns; i++) {
        if (s->runs[i].f) fclose(s->runs[i].f);
        buf_free(&s->runs[i].rec);
    }
    free(s->runs); free(s->heap); free(s->idx);
    free(s->ar);
    free(s->tmp_dir);
    free(s);
}
