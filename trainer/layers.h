/*
 * layers — the GPT's layers as forward/backward pairs with matching arguments (llm.c style).
 *
 * This header is included by model.c with LAYER_REAL = float (the trainer) and by the unit
 * tests with LAYER_REAL = double (finite-difference gradient checks of the very same code).
 * Every function is static; the includer defines LAYER_REAL before including it.
 *
 * Conventions: tensors are row-major; N = B*T rows, C channels, OC output channels.
 *   - backward functions ACCUMULATE into parameter gradients (dw, db), so gradient
 *     accumulation over micro-batches needs no extra buffer;
 *   - the gradient of a layer's input is OVERWRITTEN (matmul, gelu, attention), except
 *     layernorm_backward, which accumulates into dinp because its input is the residual
 *     stream whose gradient already holds the skip path.
 * Determinism: no reduction is split by thread count. Column sums over rows (bias and
 * LayerNorm weight gradients) are parallel over column blocks with rows in a fixed order;
 * matrix products go through BLAS, which splits only the output, never the inner dimension.
 * Costs: matmuls dominate (6 * params FLOPs per token); attention is O(T^2 * C) per sequence
 * through BLAS on each (batch, head) pair; everything else is one pass over its tensor.
 */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <omp.h>
#include <stdint.h>

#ifndef LAYER_REAL
#error "define LAYER_REAL (float or double) before including layers.h"
#endif
typedef LAYER_REAL real;

#define LAYER_IS_DOUBLE (sizeof(real) == sizeof(double))
#define R_EXP(x) (LAYER_IS_DOUBLE ? (real)exp(x) : (real)expf((float)(x)))
#define R_LOG(x) (LAYER_IS_DOUBLE ? (real)log(x) : (real)logf((float)(x)))
#define R_SQRT(x) (LAYER_IS_DOUBLE ? (real)sqrt(x) : (real)sqrtf((float)(x)))
#define R_TANH(x) (LAYER_IS_DOUBLE ? (real)tanh(x) : (real)tanhf((float)(x)))
#define R_COSH(x) (LAYER_IS_DOUBLE ? (real)cosh(x) : (real)coshf((float)(x)))

#define LN_EPS 1e-5

/* exp for float that vectorizes (Cephes' polynomial, < 2 ulp on the range used; inputs
 * clamped to [-87.3, 88.3]); double precision keeps libm. Pure arithmetic, so a vector lane
 * and the scalar tail give the same bits. */
static inline real layer_exp(real x) {
    if (LAYER_IS_DOUBLE) return (real)exp((double)x);
    float xf = (float)x;
    xf = xf < -87.3f ? -87.3f : (xf > 88.3f ? 88.3f : xf);
    float n = __builtin_rintf(xf * 1.44269504088896341f);
    float r = xf - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } u;
    u.i = ((int32_t)n + 127) << 23;
    return (real)(p * u.f);
}
/* tanh through exp: 1 - 2 / (exp(2u) + 1), absolute error ~1e-7 */
static inline real layer_tanh(real u) {
    if (LAYER_IS_DOUBLE) return (real)tanh((double)u);
    real e = layer_exp(2 * u);
    return 1 - 2 / (e + 1);
}

static inline void layer_gemm1(int ta, int tb, int m, int n, int k, real alpha, const real *a,
                               int lda, const real *b, int ldb, real beta, real *c, int ldc) {
    enum CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans, Bt = tb ? CblasTrans : CblasNoTrans;
    if (LAYER_IS_DOUBLE)
        cblas_dgemm(CblasRowMajor, A, Bt, m, n, k, alpha, (const double *)a, lda,
                    (const double *)b, ldb, beta, (double *)c, ldc);
    else
        cblas_sgemm(CblasRowMajor, A, Bt, m, n, k, (float)alpha, (const float *)a, lda,
                    (const float *)b, ldb, (float)beta, (float *)c, ldc);
}

/* C = alpha * op(A) op(B) + beta * C, row-major, in the precision of `real`.
 * Parallel over OpenMP threads with single-threaded BLAS on blocks of the output. The blocks
 * depend only on the shape, never on the thread count: BLAS's result for an element can
 * depend on the shape of the call it is computed in (OpenBLAS has separate small-matrix
 * kernels), so a thread-count-dependent split would change the low bits of the losses.
 * About 8 blocks: every thread of a small machine is busy, and re-packing the shared
 * operand per block costs little (measured). No BLAS thread pool competes with OpenMP's. */
static inline void layer_gemm(int ta, int tb, int m, int n, int k, real alpha, const real *a,
                              int lda, const real *b, int ldb, real beta, real *c, int ldc) {
    if (omp_in_parallel() || (double)m * n * k < 262144.0) {
        layer_gemm1(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    int split_m = m >= n, dim = split_m ? m : n;
    int part = ((dim + 7) / 8 + 31) / 32 * 32;
    int nparts = (dim + part - 1) / part;
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < nparts; p++) {
        int lo = p * part, len = dim - lo < part ? dim - lo : part;
        if (split_m)
            layer_gemm1(ta, tb, len, n, k, alpha, ta ? a + lo : a + (size_t)lo * lda, lda, b, ldb,
                        beta, c + (size_t)lo * ldc, ldc);
        else
            layer_gemm1(ta, tb, m, len, k, alpha, a, lda, tb ? b + (size_t)lo * ldb : b + lo, ldb,
                        beta, c + lo, ldc);
    }
}

/* out[b,t,:] = wte[ids[b,t],:] + wpe[t,:] (wpe NULL: no learned positions, RoPE instead) */
static inline void encoder_forward(real *out, const int *ids, const real *wte, const real *wpe,
                            int B, int T, int C) {
    #pragma omp parallel for schedule(static)
    for (int bt = 0; bt < B * T; bt++) {
        real *o = out + (size_t)bt * C;
        const real *e = wte + (size_t)ids[bt] * C;
        if (wpe) {
            const real *p = wpe + (size_t)(bt % T) * C;
            for (int i = 0; i < C; i++) o[i] = e[i] + p[i];
        } else {
            memcpy(o, e, sizeof(real) * C);
        }
    }
}

static inline void encoder_backward(real *dwte, real *dwpe, const real *dout, const int *ids,
                             int B, int T, int C) {
    /* dwte: rows scattered by token id; rows are visited in a fixed order, parallel over
     * channel blocks so no two threads touch one element. */
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < C; c0 += 32) {
        int c1 = c0 + 32 < C ? c0 + 32 : C;
        for (int bt = 0; bt < B * T; bt++) {
            real *d = dwte + (size_t)ids[bt] * C;
            const real *g = dout + (size_t)bt * C;
            for (int i = c0; i < c1; i++) d[i] += g[i];
        }
    }
    if (!dwpe) return;
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++) {
            const real *g = dout + ((size_t)b * T + t) * C;
            real *d = dwpe + (size_t)t * C;
            for (int i = 0; i < C; i++) d[i] += g[i];
        }
}

static inline void layernorm_forward(real *out, real *mean, real *rstd, const real *inp,
                              const real *w, const real *b, int N, int C) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C;
        real m = 0, v = 0;
        #pragma omp simd reduction(+:m)
        for (int i = 0; i < C; i++) m += x[i];
        m /= C;
        #pragma omp simd reduction(+:v)
        for (int i = 0; i < C; i++) { real d = x[i] - m; v += d * d; }
        v /= C;
        real s = 1 / R_SQRT(v + (real)LN_EPS);
        real *o = out + (size_t)n * C;
        for (int i = 0; i < C; i++) o[i] = (x[i] - m) * s * w[i] + b[i];
        mean[n] = m;
        rstd[n] = s;
    }
}

static inline void layernorm_backward(real *dinp, real *dw, real *db, const real *dout,
                               const real *inp, const real *w, const real *mean,
                               const real *rstd, int N, int C) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C, *g = dout + (size_t)n * C;
        real m = mean[n], s = rstd[n], dnorm_mean = 0, dnorm_norm_mean = 0;
        #pragma omp simd reduction(+:dnorm_mean, dnorm_norm_mean)
        for (int i = 0; i < C; i++) {
            real dn = w[i] * g[i];
            dnorm_mean += dn;
            dnorm_norm_mean += dn * (x[i] - m) * s;
        }
        dnorm_mean /= C;
        dnorm_norm_mean /= C;
        real *d = dinp + (size_t)n * C;
        for (int i = 0; i < C; i++) {
            real norm = (x[i] - m) * s;
            d[i] += (w[i] * g[i] - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
    }
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < C; c0 += 32) {
        int c1 = c0 + 32 < C ? c0 + 32 : C;
        for (int n = 0; n < N; n++) {
            const real *x = inp + (size_t)n * C, *g = dout + (size_t)n * C;
            real m = mean[n], s = rstd[n];
            for (int i = c0; i < c1; i++) {
                dw[i] += (x[i] - m) * s * g[i];
                db[i] += g[i];
            }
        }
    }
}

/* out (N,OC) = inp (N,C) @ w^T (w is (OC,C)) + bias */
static inline void matmul_forward(real *out, const real *inp, const real *w, const real *bias,
                           int N, int C, int OC) {
    layer_gemm(0, 1, N, OC, C, 1, inp, C, w, C, 0, out, OC);
    if (!bias) return;
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        real *o = out + (size_t)n * OC;
        for (int i = 0; i < OC; i++) o[i] += bias[i];
    }
}

/* dinp = dout @ w (overwritten); dw += dout^T @ inp; dbias += column sums of dout */
static inline void matmul_backward(real *dinp, real *dw, real *dbias, const real *dout,
                            const real *inp, const real *w, int N, int C, int OC) {
    if (dinp) layer_gemm(0, 0, N, C, OC, 1, dout, OC, w, C, 0, dinp, C);
    layer_gemm(1, 0, OC, C, N, 1, dout, OC, inp, C, 1, dw, C);
    if (!dbias) return;
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < OC; c0 += 32) {
        int c1 = c0 + 32 < OC ? c0 + 32 : OC;
        for (int n = 0; n < N; n++) {
            const real *g = dout + (size_t)n * OC;
            for (int i = c0; i < c1; i++) dbias[i] += g[i];
        }
    }
}

/* Rotary position embedding on the q and k parts of qkv (B,T,3C), in place. Pairs
 * (2i, 2i+1) of each head rotate by t * 10000^(-2i/hs). dir = +1 forward, -1 backward (the
 * rotation is orthogonal: its gradient is the inverse rotation). */
static inline void rope_apply(real *qkv, int B, int T, int C, int NH, int dir) {
    int hs = C / NH;
    #pragma omp parallel for schedule(static)
    for (int bt = 0; bt < B * T; bt++) {
        int t = bt % T;
        for (int part = 0; part < 2; part++)
            for (int h = 0; h < NH; h++) {
                real *x = qkv + (size_t)bt * 3 * C + (size_t)part * C + (size_t)h * hs;
                for (int i = 0; i < hs / 2; i++) {
                    double th = t * pow(10000.0, -2.0 * i / hs);
                    real c = (real)cos(th), s = (real)sin(th) * dir;
                    real a = x[2 * i], b = x[2 * i + 1];
                    x[2 * i] = a * c - b * s;
                    x[2 * i + 1] = a * s + b * c;
                }
            }
    }
}

/* Causal self-attention. qkv (B,T,3C) holds q, k, v; out (B,T,C); att (B,NH,T,T) keeps the
 * softmax probabilities for backward (zero above the diagonal). */
static inline void attention_forward(real *out, real *att, const real *qkv, int B, int T, int C,
                              int NH) {
    int hs = C / NH, C3 = 3 * C;
    real scale = 1 / R_SQRT((real)hs);
    #pragma omp parallel for schedule(static)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const real *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
        real *a = att + (size_t)bh * T * T;
        layer_gemm1(0, 1, T, T, hs, scale, q, C3, q + C, C3, 0, a, T);
        for (int t = 0; t < T; t++) {
            real *r = a + (size_t)t * T, mx = r[0], sum = 0;
            #pragma omp simd reduction(max:mx)
            for (int j = 0; j <= t; j++) mx = r[j] > mx ? r[j] : mx;
            #pragma omp simd reduction(+:sum)
            for (int j = 0; j <= t; j++) { r[j] = layer_exp(r[j] - mx); sum += r[j]; }
            real inv = 1 / sum;
            for (int j = 0; j <= t; j++) r[j] *= inv;
            for (int j = t + 1; j < T; j++) r[j] = 0;
        }
        layer_gemm1(0, 0, T, hs, T, 1, a, T, q + 2 * C, C3, 0,
                    out + (size_t)b * T * C + (size_t)h * hs, C);
    }
}

/* dqkv (overwritten) from dout (B,T,C); scratch holds B*NH*T*T reals. */
static inline void attention_backward(real *dqkv, real *scratch, const real *dout, const real *qkv,
                               const real *att, int B, int T, int C, int NH) {
    int hs = C / NH, C3 = 3 * C;
    real scale = 1 / R_SQRT((real)hs);
    #pragma omp parallel for schedule(static)
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH, h = bh % NH;
        const real *q = qkv + (size_t)b * T * C3 + (size_t)h * hs;
        real *dq = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
        const real *a = att + (size_t)bh * T * T;
        const real *g = dout + (size_t)b * T * C + (size_t)h * hs;
        real *da = scratch + (size_t)bh * T * T;
        layer_gemm1(0, 1, T, T, hs, 1, g, C, q + 2 * C, C3, 0, da, T);       /* datt */
        layer_gemm1(1, 0, T, hs, T, 1, a, T, g, C, 0, dq + 2 * C, C3);       /* dv */
        for (int t = 0; t < T; t++) {
            const real *p = a + (size_t)t * T;
            real *d = da + (size_t)t * T, dot = 0;
            #pragma omp simd reduction(+:dot)
            for (int j = 0; j <= t; j++) dot += p[j] * d[j];
            for (int j = 0; j <= t; j++) d[j] = p[j] * (d[j] - dot);
            for (int j = t + 1; j < T; j++) d[j] = 0;
        }
        layer_gemm1(0, 0, T, hs, T, scale, da, T, q + C, C3, 0, dq, C3);     /* dq */
        layer_gemm1(1, 0, T, hs, T, scale, da, T, q, C3, 0, dq + C, C3);     /* dk */
    }
}

#define GELU_S 0.7978845608028654   /* sqrt(2/pi) */

static inline void gelu_forward(real *out, const real *inp, size_t N) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        real x = inp[i];
        out[i] = (real)0.5 * x * (1 + layer_tanh((real)GELU_S * (x + (real)0.044715 * x * x * x)));
    }
}

static inline void gelu_backward(real *dinp, const real *inp, const real *dout, size_t N) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        real x = inp[i];
        real u = (real)GELU_S * (x + (real)0.044715 * x * x * x);
        real th = layer_tanh(u), sech2 = 1 - th * th;
        real local = (real)0.5 * (1 + th) +
                     x * (real)0.5 * sech2 * (real)GELU_S * (1 + 3 * (real)0.044715 * x * x);
        dinp[i] = local * dout[i];
    }
}

static inline void residual_forward(real *out, const real *a, const real *b, size_t N) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) out[i] = a[i] + b[i];
}

/* Fused softmax + cross-entropy: logits (N,V) are replaced IN PLACE by probabilities, so the
 * vocabulary-sized tensor exists once. losses[n] = -log p[n][targets[n]]. */
static inline void softmax_xent_forward(real *logits, real *losses, const int *targets, int N, int V) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        real *r = logits + (size_t)n * V, mx = r[0], lt = r[targets[n]];
        #pragma omp simd reduction(max:mx)
        for (int i = 0; i < V; i++) mx = r[i] > mx ? r[i] : mx;
        real sum = 0;
        #pragma omp simd reduction(+:sum)
        for (int i = 0; i < V; i++) { r[i] = layer_exp(r[i] - mx); sum += r[i]; }
        real inv = 1 / sum;
        for (int i = 0; i < V; i++) r[i] *= inv;
        losses[n] = R_LOG(sum) - (lt - mx);     /* log-sum-exp: finite even if p underflows */
    }
}

/* probs (N,V) become dlogits = scale * (probs - onehot(targets)), in place. scale is
 * 1/(tokens in the optimizer step): the loss is a mean. */
static inline void softmax_xent_backward(real *probs, const int *targets, real scale, int N, int V) {
    #pragma omp parallel for schedule(static)
    for (int n = 0; n < N; n++) {
        real *r = probs + (size_t)n * V;
        for (int i = 0; i < V; i++) r[i] *= scale;
        r[targets[n]] -= scale;
    }
}
