/*
 * basic — the simplest stages, written as the example the others copy:
 *   cat     passes every document (validation, concatenation, conversion happen in the
 *           reader and writer);
 *   head    the first N documents, then tells the driver to stop reading;
 *   sample  keeps a document when a hash of (seed, id) falls under the fraction: the same
 *           documents are kept whatever their order or the thread count.
 * Costs: O(1) per document, no allocation.
 */
#include "../pipeline/stage.h"
#include <stdlib.h>
#include <stddef.h>
#include <stdlib.h>

/* cat */
static int cat_process(stage *s, doc *d, stage_io *io, char *err) { return io->emit(io, d); }

const stage_class cat_stage = {
    .name = "cat", .summary = "validate, concatenate, convert and recompress documents",
    .opts = (const opt_def[]){ OPT_DEF_END }, .cfg_size = 0, .process = cat_process,
};

/* head */
typedef struct head_cfg { long long n; } head_cfg;
static const opt_def head_opts[] = {
    { "count", 'n', OPT_INT, offsetof(head_cfg, n), "10", "number of documents to keep", 0, 9.2e18, NULL, "N" },
    OPT_DEF_END,
};
typedef struct head_state { long long seen; } head_state;
static int head_init(stage *s, char *err) { s->state = xcalloc(1, sizeof(head_state)); return 0; }
static int head_process(stage *s, doc *d, stage_io *io, char *err) {
    head_state *h = s->state;
    long long n = ((head_cfg *)s->cfg)->n;
    if (h->seen >= n) return STAGE_DONE;
    h->seen++;
    int r = io->emit(io, d);
    if (r) return r;
    return h->seen >= n ? STAGE_DONE : 0;
}
static void head_free(stage *s) { free(s->state); }

const stage_class head_stage = {
    .name = "head", .summary = "the first N documents",
    .opts = head_opts, .cfg_size = sizeof(head_cfg), .flags = STAGE_GLOBAL,   /* "first N" is of the whole stream */
    .init = head_init, .process = head_process, .free = head_free,
};

/* sample */
typedef struct sample_cfg { double fraction; long long seed; int invert; } sample_cfg;
static const opt_def sample_opts[] = {
    { "fraction", 'f', OPT_DOUBLE, offsetof(sample_cfg, fraction), "0.1", "fraction of documents to keep", 0, 1, NULL, "F" },
    { "seed", 's', OPT_INT, offsetof(sample_cfg, seed), "0", "seed of the per-document hash", 0, 0, NULL, "S" },
    { "invert", 0, OPT_BOOL, offsetof(sample_cfg, invert), NULL, "keep exactly the documents the same fraction and seed would drop (held-out splits)", 0, 0, NULL, NULL },
    OPT_DEF_END,
};
static int sample_process(stage *s, doc *d, stage_io *io, char *err) {
    sample_cfg *c = s->cfg;
    double u = stage_unit(stage_hash((uint64_t)c->seed, d->id, d->id_len, 0x5a3b1e));
    if ((u < c->fraction) != (c->invert != 0)) return io->emit(io, d);
    return io->reject(io, d, "not sampled", NULL);
}

const stage_class sample_stage = {
    .name = "sample", .summary = "a deterministic fraction of documents (by hash of seed and id)",
    .opts = sample_opts, .cfg_size = sizeof(sample_cfg), .process = sample_process,
};
