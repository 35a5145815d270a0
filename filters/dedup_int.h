/*
 * dedup_int — the dedup stage's private types, shared by dedup.c (the stage run whole) and
 * dedup_split.c (the same stage split into the runner's phases). Not for other modules.
 */
#ifndef WN_DEDUP_INT_H
#define WN_DEDUP_INT_H
#include "dedup.h"
#include "../pipeline/stage.h"
#include "../pipeline/doc.h"

enum { MODE_EXACT, MODE_NEAR, MODE_LINES, MODE_PARAGRAPHS };

typedef struct dedup_cfg {
    char *mode, *normalize, *tmp;
    long long ngram, bands, rows, max_repeats, min_chars, memory, threads;
    double threshold;
    int verify, annotate;
} dedup_cfg;

typedef struct near_worker {
    minhash *m;
    uint64_t *sh;
    size_t shcap;
    uint32_t *sig;
    int fail;
    char err[ERR_MAX];
} near_worker;

enum { NEAR_BATCH_DOCS = 512, NEAR_BATCH_BYTES = 8 << 20 };

typedef struct dedup_state {
    int mode, norm;
    size_t B;
    norm_ctx *nc;
    buf nbuf, line, text, detail, meta;
    dstore docs, ids;
    uint64_t seq, hold_base;      /* documents seen; number of the first held document */
    doc cur, aux;                 /* parsed held documents (aux: the one compared against) */
    /* exact */
    exact_table tab;
    int frozen;
    xsort rec;                    /* exact: (hi, lo, seq); near: (band key, seq); lines: (key, 0) */
    /* near */
    minhash *mh;
    uint64_t *sa, *sb, *tmp, *th;
    size_t sacap, sbcap, na, nb, tmpcap, thcap;
    int64_t cached_a;             /* document whose shingle set is in sa, or -1 */
    lsh_cluster_stats cst;
    near_worker *workers;         /* workers[0].m == mh */
    int nworkers;
    size_t batch_bytes;           /* min(8M, --memory/8), at least 64K */
    buf btext;                    /* the batch: texts, offsets, results */
    size_t boff[NEAR_BATCH_DOCS + 1], bn;
    uint64_t bseq0, bth[NEAR_BATCH_DOCS], *bkeys;
    double threshold;
    uint64_t runs;                /* sorted runs spilled by freed xsorts */
    int nuse;                     /* signature threads in use (<= nworkers) */
    /* split (stage_split, dedup_split.c) */
    int applying;                 /* apply phase: decisions for this part in dec */
    struct dedup_decision *dec;
    size_t ndec, deci;
    buf decbuf;                   /* the decide file; dec[].id points into it */
    uint64_t removed_total;       /* lines/paragraphs: units removed so far */
    /* lines */
    text_spans spans;
    uint64_t *ukeys, *drop;
    size_t ukcap, ndrop, dropcap;
} dedup_state;

/* One document's fate in a part (apply phase): a duplicate of root id, or the root of a
 * cluster with duplicates (annotate). */
typedef struct dedup_decision {
    uint32_t k;                   /* index in the part */
    uint32_t dup;                 /* 1: duplicate; 0: root with duplicates */
    double jaccard;
    const char *id; size_t idlen; /* the root's id (duplicates) */
} dedup_decision;

/* Per document, shared by the stage run whole and its split keys phase (seq: the number the
 * records carry):
 *   exact  the 128-bit hash of the normalised text
 *   near   the text into the signature batch (signed, and its band records added, when full;
 *          dedup_near_flush signs what is left)
 *   lines  a (unit key, seq) record per distinct unit of at least --min-chars */
int dedup_exact_hash(dedup_state *st, const doc *d, dedup_h128 *k, char *err);
int dedup_near_push(dedup_state *st, uint64_t seq, const doc *d, char *err);
int dedup_near_flush(dedup_state *st, char *err);
int dedup_lines_keys(stage *s, const doc *d, uint64_t seq, char *err);
static inline int dedup_lines_mode(const dedup_state *st) { return st->mode == MODE_LINES || st->mode == MODE_PARAGRAPHS; }
void dedup_annotate(dedup_state *st, doc *d, const char *rep, size_t repn, int dup, double j);
void dedup_count(stage *s, const char *name, uint64_t n);
/* Sorted unique shingle set of text into *v (tmp scratch in st). */
int dedup_shingle_set(dedup_state *st, const char *text, size_t len, uint64_t **v, size_t *cap,
                      size_t *n, char *err);
/* lines/paragraphs: the keys of x's sorted (key, 0) records found more than --max-repeats
 * times, appended to st->drop in order. */
int dedup_lines_drops(stage *s, xsort *x, char *err);
/* lines/paragraphs: d without the units in st->drop, emitted, rejected or annotated. */
int dedup_lines_emit(stage *s, doc *d, stage_io *io, uint64_t *removed_total, char *err);
/* The apply phase's process() and the split callbacks (dedup_split.c). */
int dedup_apply_process(stage *s, doc *d, stage_io *io, char *err);
extern const stage_split dedup_split;

#endif
