/*
 * stage — the one interface every document stage implements (DESIGN.md §3).
 *
 * A stage class declares its name, one-line summary, option table and config size, and the
 * callbacks below. The same class serves `winnow NAME` (cmd/), a `NAME:` step of a YAML
 * pipeline and every worker of the parallel runner (one instance per worker for stages
 * without STAGE_GLOBAL).
 *
 * Life cycle: stage_new (defaults) -> opt_set ... -> stage_init -> process* -> finish -> free.
 * process() receives a document it may modify in place, then hands zero, one or several
 * documents on: io->emit(io, d) keeps/passes one (the callee does not take ownership; it
 * writes or copies before returning), io->reject(io, d, reason, detail) drops one (it goes to
 * --rejects with meta.reject = {"stage": NAME, "reason": "<reason>: <detail>"} (a detail that
 * continues the reason's phrase, "of <id>", follows a space instead of ": ") and is counted
 * under `reason`). A document that is neither emitted nor rejected is a bug.
 * finish() flushes held documents (dedup holds them; most stages hold none).
 * emit/reject return 0, or non-zero to stop (a closed pipe, a write error): the stage returns
 * that value at once.
 *
 * process (and emit/reject, as seen by a stage) may return STAGE_DONE: the rest of the input is
 * not needed (head -n); the driver stops reading, finishes every stage and succeeds.
 *
 * Invariants: a stage never prints; it reports errors through err (ERR_MAX) and counts
 * through its stats. Randomness comes from cfg seed and the document id, never from order or
 * threads.
 */
#ifndef WN_STAGE_H
#define WN_STAGE_H
#include "doc.h"
#include "opt.h"
#include "stats.h"

typedef struct stage stage;
typedef struct stage_io stage_io;

struct stage_io {
    int (*emit)(stage_io *io, doc *d);
    int (*reject)(stage_io *io, doc *d, const char *reason, const char *detail);
    void *ctx;
};

#define STAGE_DONE 3

enum {
    STAGE_GLOBAL = 1,    /* needs the whole corpus before it can emit (dedup): one instance */
};

/* A source of documents in order: 1 with *d set, 0 at the end, -1 with err. */
typedef struct doc_source { int (*next)(void *ctx, doc *d, char *err); void *ctx; } doc_source;

/* A whole-corpus stage that can also run split over the parts of a corpus (the runner's
 * phases, runner.h): part i is input file i (after the steps before it); its documents are
 * numbered (i << 32) | k in input order. Each callback works on a stage made by stage_init
 * with the step's options, writes its files under dir atomically, and returns 0 or -1 with
 * err. The output after apply is byte-identical to the stage run whole over the
 * concatenated parts; nothing depends on how the phases were spread over processes.
 *   keys      per part: read its documents, write what groups them (dedup near: band keys)
 *   buckets   per key range r of nranges: group the keys of every part (near: pairs)
 *   gather    per part: what the decision needs of the part's documents
 *   clusters  once: the corpus-wide decision, counted into s->stats
 *   apply     per part: load the part's decision; process() then takes the part's documents
 *             in order and emits, rejects or annotates each at once (finish() flushes none) */
typedef struct stage_split {
    int (*enabled)(const stage *s);     /* this configuration runs split (dedup: every mode) */
    int (*keys)(stage *s, doc_source *src, const char *dir, size_t part, size_t nranges, int threads, char *err);
    int (*buckets)(stage *s, const char *dir, size_t nparts, size_t range, size_t nranges, char *err);
    int (*gather)(stage *s, doc_source *src, const char *dir, size_t part, size_t nranges, int threads, char *err);
    int (*clusters)(stage *s, const char *dir, size_t nparts, size_t nranges, char *err);
    int (*apply)(stage *s, const char *dir, size_t part, char *err);
} stage_split;

typedef struct stage_class {
    const char *name;               /* "filter" */
    const char *summary;            /* one line for `winnow --help` */
    const opt_def *opts;            /* option table (OPT_DEF_END-terminated) */
    size_t cfg_size;                /* size of the config struct the table writes into */
    unsigned flags;
    int (*init)(stage *s, char *err);
    int (*process)(stage *s, doc *d, stage_io *io, char *err);
    int (*finish)(stage *s, stage_io *io, char *err);   /* may be NULL */
    void (*free)(stage *s);                             /* frees s->state; may be NULL */
    const stage_split *split;                           /* STAGE_GLOBAL stages only; may be NULL */
} stage_class;

struct stage {
    const stage_class *cls;
    void *cfg;          /* cls->cfg_size bytes, filled by opt_defaults/opt_set */
    void *state;        /* the stage's own */
    stats stats;        /* counted by the driver (in/out/dropped by reason) and the stage */
    const char *base_dir; /* directory relative paths in options resolve against (YAML dir), or NULL */
};

stage *stage_new(const stage_class *cls);          /* cfg at defaults */
int stage_set(stage *s, const char *name, const char *value, char *err);
int stage_init(stage *s, char *err);
void stage_free(stage *s);

/* Build meta.reject and hand the doc to a rejects writer: shared by cmd and the runner. */
void stage_mark_reject(doc *d, const char *stage_name, const char *reason, const char *detail);

/* Deterministic per-document randomness: a 64-bit hash of (seed, id, salt). */
uint64_t stage_hash(uint64_t seed, const char *id, size_t id_len, uint64_t salt);
/* Uniform double in [0,1) from such a hash. */
double stage_unit(uint64_t h);

#endif
