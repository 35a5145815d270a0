/*
 * plan — a YAML pipeline loaded and validated (issue 9):
 *
 *   input: ["data/<glob>.jsonl.zst"]   # globs, files or directories (relative to the YAML file)
 *   workers: 2                         # default: number of cores
 *   seed: 1                            # default seed of every step that has a `seed` option
 *   steps:
 *     - dedup:  {mode: near, bands: 14, rows: 8}
 *     - filter: {rules: [gopher, c4]}
 *   output:   {dir: out/clean, compress: zstd, rejects: true}
 *   tokenize: {tokenizer: tok.json, dir: out/shards, val_fraction: 0.01}
 *
 * Step keys are the stage's option names (dashes or underscores); a list value is joined with
 * ',' (or pushed one by one for repeatable options). Every error names the YAML file, line and
 * column, and the nearest valid key or step. Option values that are paths (metavar FILE, DIR or
 * PATH) are resolved against the YAML file's directory.
 * Invariant: a loaded plan has been fully validated: every step's options were applied to a
 * scratch stage, so running it cannot fail on configuration.
 */
#ifndef WN_PLAN_H
#define WN_PLAN_H
#include "stage.h"
#include "stream.h"

typedef struct plan_kv { char *key; strlist values; int is_list; int line, col; } plan_kv;

typedef struct plan_step {
    const stage_class *cls;
    plan_kv *kv; size_t nkv;
    int line, col;
} plan_step;

typedef struct plan {
    char *path, *dir;
    strlist inputs;
    long long workers, seed;
    int has_seed;
    plan_step *steps; size_t nsteps;
    char *out_dir;
    compress_kind out_compress;
    int keep_rejects;
    plan_kv *tokenize; size_t ntokenize; int has_tokenize;
    buf text;                   /* the YAML source, hashed for provenance and resume checks */
} plan;

/* stages: NULL-terminated table of stage classes (name -> class) from cmd/. */
int plan_load(plan *p, const char *path, const stage_class *const *stages, char *err);
void plan_free(plan *p);
/* A configured, initialised stage for step i (plan seed applied unless the step sets one). */
stage *plan_step_stage(const plan *p, size_t i, char *err);
/* Path resolved against the plan's directory (absolute paths unchanged). Caller frees. */
char *plan_path(const plan *p, const char *path);
/* xxh3-64 hex of what determines the output: the YAML text and the input file list. */
void plan_hash(const plan *p, char hex[17]);

#endif
