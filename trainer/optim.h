/*
 * optim — AdamW with decoupled weight decay, linear warmup then cosine decay to a floor,
 * and gradient clipping by global norm (the PyTorch definitions, so parity holds).
 * Costs: one pass over params/grads/m/v per step; the norm is a fixed-order reduction
 * (fixed-size chunks summed in order), so it is identical at any thread count.
 */
#ifndef WN_OPTIM_H
#define WN_OPTIM_H
#include <stddef.h>
#include "model.h"

typedef struct adamw_cfg {
    double lr, min_lr, beta1, beta2, eps, weight_decay, grad_clip;   /* grad_clip 0: none */
    long long warmup_steps, total_steps;
} adamw_cfg;

/* Learning rate at 0-based step: (step+1)/warmup * lr during warmup, then cosine from lr to
 * min_lr at total_steps, min_lr after. */
double optim_lr(const adamw_cfg *c, long long step);
/* Global L2 norm of x (n floats), deterministic. */
double optim_norm(const float *x, size_t n);
/* One AdamW step on a model's arena: t is the 1-based step count (bias correction), lr the
 * rate for this step, grads scaled by clip_scale first (1: none). Weight decay applies only
 * to tensors with gpt_tensor_decays. */
void optim_adamw_step(gpt *m, const adamw_cfg *c, long long t, double lr, double clip_scale);
/* The scale that clips a gradient of norm `norm` to c->grad_clip (torch's clip_grad_norm_). */
double optim_clip_scale(const adamw_cfg *c, double norm);

#endif
