/*
 * optim — see optim.h. The update is torch.optim.AdamW's:
 *   p -= lr * wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
/* The layer loops are written to be vectorized; -O2's very cheap cost model refuses loops
 * that need a scalar tail, so this file asks for -O3. */
#pragma GCC optimize("O3")
#include "optim.h"
#include <math.h>

double optim_lr(const adamw_cfg *c, long long step) {
    if (c->warmup_steps > 0 && step < c->warmup_steps)
        return c->lr * (double)(step + 1) / (double)c->warmup_steps;
    if (step >= c->total_steps) return c->min_lr;
    double ratio = (double)(step - c->warmup_steps) / (double)(c->total_steps - c->warmup_steps);
    return c->min_lr + 0.5 * (1 + cos(M_PI * ratio)) * (c->lr - c->min_lr);
}

#define NORM_CHUNK 65536

double optim_norm(const float *x, size_t n) {
    size_t nchunks = (n + NORM_CHUNK - 1) / NORM_CHUNK;
    double total = 0;
    /* Each chunk is summed by one thread in index order; chunks are added in order. */
    double part[256];
    for (size_t c0 = 0; c0 < nchunks; c0 += 256) {
        size_t c1 = c0 + 256 < nchunks ? c0 + 256 : nchunks;
        #pragma omp parallel for schedule(static)
        for (size_t c = c0; c < c1; c++) {
            size_t lo = c * NORM_CHUNK, hi = lo + NORM_CHUNK < n ? lo + NORM_CHUNK : n;
            double s = 0;
            for (size_t i = lo; i < hi; i++) s += (double)x[i] * x[i];
            part[c - c0] = s;
        }
        for (size_t c = c0; c < c1; c++) total += part[c - c0];
    }
    return sqrt(total);
}

double optim_clip_scale(const adamw_cfg *c, double norm) {
    if (c->grad_clip <= 0) return 1;
    double s = c->grad_clip / (norm + 1e-6);
    return s < 1 ? s : 1;
}

void optim_adamw_step(gpt *m, const adamw_cfg *c, long long t, double lr, double clip_scale) {
    size_t sizes[GPT_NTENSORS];
    gpt_param_sizes(gpt_cfg(m), sizes);
    float *p = gpt_param_data(m), *g = gpt_grad_data(m), *mm = gpt_adam_m(m), *vv = gpt_adam_v(m);
    double bc1 = 1 - pow(c->beta1, (double)t), bc2 = 1 - pow(c->beta2, (double)t);
    float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
    float step = (float)(lr / bc1), sbc2 = (float)sqrt(bc2), cs = (float)clip_scale;
    size_t off = 0;
    for (int k = 0; k < GPT_NTENSORS; k++) {
        float decay = gpt_tensor_decays(k) ? (float)(1 - lr * c->weight_decay) : 1.0f;
        size_t n = sizes[k];
        #pragma omp parallel for schedule(static)
        for (size_t i = off; i < off + n; i++) {
            float gi = g[i] * cs;
            float mi = b1 * mm[i] + (1 - b1) * gi;
            float vi = b2 * vv[i] + (1 - b2) * gi * gi;
            mm[i] = mi;
            vv[i] = vi;
            p[i] = p[i] * decay - step * mi / (sqrtf(vi) / sbc2 + eps);
        }
        off += n;
    }
}
