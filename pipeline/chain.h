/*
 * chain — stages fused in one process: a document handed from stage to stage by pointer,
 * never re-encoded. stage i's emit feeds stage i+1's process; the last emit goes to the
 * output sink, every reject to the rejects sink (with meta.reject set). The shell command of
 * one stage is a chain of one; a YAML pipeline's unit of work is a chain of its steps.
 *
 * Invariants: per stage, docs_in = docs_out + docs_dropped + held (held documents are emitted
 * by finish). chain_finish finishes stages in order, so a stage's flush reaches the stages
 * after it. Counting costs two clock reads per document per stage.
 */
#ifndef WN_CHAIN_H
#define WN_CHAIN_H
#include "stage.h"

typedef int (*chain_sink_fn)(void *ctx, doc *d);

typedef struct chain chain;

/* stages are borrowed (not freed by the chain). rejects may be NULL (drops are only counted). */
chain *chain_new(stage *const *stages, size_t n, chain_sink_fn out, chain_sink_fn rejects, void *ctx);
/* Feed one document to the first stage. 0, or the non-zero value a sink or stage returned
 * (STREAM_EPIPE from a closed pipe, -1 with err on failure). */
int chain_push(chain *c, doc *d, char *err);
int chain_finish(chain *c, char *err);
void chain_free(chain *c);

#endif
