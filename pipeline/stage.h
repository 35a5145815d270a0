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
