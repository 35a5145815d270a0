/*
 * model — a GPT-2-style decoder-only transformer for training from scratch on CPU.
 *
 * Token embedding tied with the output layer, learned positions (or RoPE), pre-LayerNorm
 * blocks of causal multi-head attention and a 4x GELU (tanh) MLP, final LayerNorm.
 * Memory: ONE allocation holds parameters, gradients and AdamW's m and v (4 * params floats),
 * laid out by a size table (gpt_param_sizes); ONE allocation holds the activations for a
 * (B, T) batch, sized by gpt_act_bytes. gpt_memory_check says before allocating whether a
 * configuration fits.
 */
#ifndef WN_MODEL_H
#define WN_MODEL_H
#include <stddef.h>
#include <stdint.h>

typedef struct gpt_config {
    int vocab_size, seq_len, n_layer, n_head, n_embd;
    int rope;                       /* 1: rotary positions instead of a learned wpe */
} gpt_config;

#define GPT_NTENSORS 16
/* The parameter tensors, in arena order. */
typedef struct gpt_params {
    float *wte, *wpe, *ln1w, *ln1b, *qkvw, *qkvb, *attprojw, *attprojb,
          *ln2w, *ln2b, *fcw, *fcb, *fcprojw, *fcprojb, *lnfw, *lnfb;
} gpt_params;

typedef struct gpt gpt;

/* Check a config (positive dims, n_embd % n_head == 0, even head size with RoPE). */
int gpt_config_check(const gpt_config *c, char *err);
/* Sizes of the 16 tensors (wpe is 0 with RoPE); returns the total. */
size_t gpt_param_sizes(const gpt_config *c, size_t sizes[GPT_NTENSORS]);
const char *gpt_tensor_name(int i);
/* 1 when tensor i is a matrix that gets weight decay (embeddings and weights, not biases or
 * LayerNorm gains). */
int gpt_tensor_decays(int i);
/* Bytes of the parameter arena (params, grads, m, v) and of activations for B sequences. */
size_t gpt_arena_bytes(const gpt_config *c);
size_t gpt_act_bytes(const gpt_config *c, int B);
/* -1 with a clear message when arena + activations exceed limit_bytes (0: physical memory
 * available now). Call before gpt_new. */
int gpt_memory_check(const gpt_config *c, int B, size_t limit_bytes, char *err);

/* Allocate (no activations yet) and initialise GPT-2 style from seed: N(0, 0.02), residual
 * projections N(0, 0.02/sqrt(2*n_layer)), biases 0, LayerNorm gains 1. */
gpt *gpt_new(const gpt_config *c, uint64_t seed, char *err);
void gpt_free(gpt *m);
const gpt_config *gpt_cfg(const gpt *m);
size_t gpt_num_params(const gpt *m);
float *gpt_param_data(gpt *m);          /* num_params floats */
float *gpt_grad_data(gpt *m);
float *gpt_adam_m(gpt *m);
float *gpt_adam_v(gpt *m);
gpt_params gpt_tensors(gpt *m);         /* pointers into the parameter arena */

/* Forward over ids (B,T), T <= seq_len. With targets: returns the mean cross-entropy and
 * leaves probabilities for gpt_backward; without: leaves logits (gpt_logits) and returns 0.
 * Allocates activations on first use or when B*T grows. -1 (as float: NAN) never: ids are
 * checked by the caller. */
float gpt_forward(gpt *m, const int *ids, const int *targets, int B, int T);
/* Per-position losses of the last forward with targets (B*T floats). */
const float *gpt_losses(const gpt *m);
/* Logits of the last forward without targets: (B*T, V). */
const float *gpt_logits(const gpt *m);
/* Backward of the last forward with targets; ACCUMULATES into gradients, with the loss
 * scaled by grad_scale (1/grad_accum for accumulation). */
void gpt_backward(gpt *m, float grad_scale);
void gpt_zero_grad(gpt *m);

#endif
