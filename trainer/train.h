/*
 * train — the training loop: options, data, model, AdamW, evaluation, metrics, checkpoints.
 *
 * One option table (train_opts) drives the flags of `winnow train`, the keys of
 * `--config train.yaml` and the options stored in a checkpoint, so a resumed run continues
 * with exactly the settings it started with (flags given at resume override them).
 * Each optimizer step: grad_accum micro-batches of batch_size windows of seq_len tokens,
 * forward + backward, global-norm clipping, AdamW at the scheduled rate. Metrics go to the
 * log as JSON lines (one per step; val_loss/val_bpb and the named --eval-data sets every
 * eval_every steps and at the end). Costs: see model.h; evaluation is a forward pass over the
 * held-out windows (capped by eval_tokens).
 * Determinism: the same options and data give the same losses at any thread count, and a
 * run resumed from a checkpoint gives the same losses as one that was never interrupted.
 */
#ifndef WN_TRAIN_H
#define WN_TRAIN_H
#include "../pipeline/opt.h"
#include "model.h"
#include "data.h"

typedef struct train_cfg {
    char *data;
    strlist eval_data;
    long long n_layer, n_head, n_embd, seq_len;
    int rope;
    long long batch_size, grad_accum, batch_tokens, steps, max_tokens;
    double epochs;
    double lr, min_lr, beta1, beta2, eps, weight_decay, grad_clip;
    long long warmup_steps, seed, eval_every, eval_tokens, save_every, threads, log_every, stop_at;
    long long max_memory;
    int shuffle;
    char *save, *resume, *log, *config;
} train_cfg;

extern const opt_def train_opts[];

/* Apply a YAML mapping of option keys (file, or text when text != NULL) to cfg.
 * Errors name the file and line. */
int train_cfg_load_yaml(train_cfg *cfg, const char *path, const char *text, char *err);
/* The options as YAML text (what a checkpoint stores); paths of this run excluded. */
void train_cfg_to_yaml(const train_cfg *cfg, buf *out);

/* Progress callback: each metrics line as it is written (for the terminal). */
typedef void (*train_progress_fn)(void *ctx, const char *json_line);

int train_run(const train_cfg *cfg, train_progress_fn progress, void *ctx, char *err);

/* Mean loss over the windows of d (in order, batches of B, at most max_tokens tokens when
 * > 0). Returns 0 and the loss and bits per byte. */
int train_evaluate(gpt *m, const data_set *d, int B, long long max_tokens, double *loss,
                   double *bpb, long long *tokens, char *err);
/* Set OpenMP and OpenBLAS thread counts (n <= 0: leave as they are). */
void train_set_threads(int n);

#endif
