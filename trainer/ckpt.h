/*
 * ckpt — checkpoints: DIR/checkpoint.bin holds everything a run needs to continue exactly
 * (model, AdamW m and v, step, tokens seen, the loader's epoch and position, the training
 * options) and what eval and generate need (model config, tokenizer identity).
 *
 * Layout (little-endian): 8-byte magic "WNCKPT\0\1"; 32 int64 fields (CKPT_F_*); 64 bytes
 * tokenizer sha256 (hex); the tokenizer file name and the options (YAML text, the same keys
 * as --config) as length-prefixed strings; then num_params float32 parameters in the arena
 * order of model.h; then m and v when has_optim. DIR/config.yaml repeats the options for
 * people. Written to a temporary name and renamed: a crash never leaves half a checkpoint.
 * Costs: 4 or 12 bytes per parameter on disk; one sequential write / read.
 */
#ifndef WN_CKPT_H
#define WN_CKPT_H
#include <stdint.h>
#include "model.h"

#define CKPT_FILE "checkpoint.bin"

typedef struct ckpt_meta {
    gpt_config cfg;
    int64_t step, tokens, epoch, pos;       /* training progress and the loader's state */
    int64_t data_tokens;                    /* tokens of the train split it was trained on */
    int64_t eot_id;
    int has_optim;
    char tokenizer_sha256[65];
    char *tokenizer_file;                   /* malloc'd */
    char *options;                          /* malloc'd YAML text */
} ckpt_meta;

void ckpt_meta_free(ckpt_meta *m);
int ckpt_save(const char *dir, gpt *model, const ckpt_meta *meta, char *err);
/* Read the header only (cheap). */
int ckpt_read_meta(const char *dir, ckpt_meta *meta, char *err);
/* Load the model (and the optimizer state when want_optim and present). */
gpt *ckpt_load(const char *dir, ckpt_meta *meta, int want_optim, char *err);

#endif
