/*
 * Gradient checks of the trainer's layers: the very code of trainer/layers.h compiled in
 * double precision, each backward compared with central finite differences of
 * loss = sum(out .* R) for a random R. In double, with h = 1e-6, the truncation error is
 * O(h^2) ~ 1e-12 and the rounding error ~ 1e-16 * |loss| / h ~ 1e-10, so a tolerance of
 * 1e-7 absolute + 1e-6 relative has margin and still catches any wrong term.
 * A last check runs the whole float model (trainer/model.c) to catch wiring mistakes.
 */
#define LAYER_REAL double
#include "../../trainer/layers.h"
#include "../../trainer/model.h"
#include "../../pipeline/buf.h"
#include "test.h"
#include <math.h>
#include <stdlib.h>

static uint64_t g_rng = 88172645463325252ULL;
static double rnd(void) {                     /* uniform in [-1, 1) */
    g_rng ^= g_rng << 13; g_rng ^= g_rng >> 7; g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / 4503599627370496.0 - 1.0;
}
/* every buffer of a test is tracked and released at its end (release_all) */
static void *g_bufs[64];
static int g_nbufs;
static void *track(void *p) { if (g_nbufs < 64) g_bufs[g_nbufs++] = p; return p; }
static void release_all(void) { while (g_nbufs) free(g_bufs[--g_nbufs]); }
static double *rvec(size_t n, double s) {
    double *x = track(malloc(n * sizeof(double)));
    for (size_t i = 0; i < n; i++) x[i] = s * rnd();
    return x;
}
static double *zvec(size_t n) { return track(calloc(n, sizeof(double))); }
static double dot(const double *a, const double *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

typedef double (*loss_fn)(void);
#define H 1e-6
/* 1 when analytic matches the central difference of f in every element of x */
static int grad_ok(double *x, size_t n, const double *analytic, loss_fn f, const char *what) {
    for (size_t i = 0; i < n; i++) {
        double keep = x[i];
        x[i] = keep + H; double lp = f();
        x[i] = keep - H; double lm = f();
        x[i] = keep;
        double num = (lp - lm) / (2 * H);
        if (fabs(num - analytic[i]) > 1e-7 + 1e-6 * fabs(num)) {
            printf("  %s[%zu]: analytic %.10g, numeric %.10g\n", what, i, analytic[i], num);
            return 0;
        }
    }
    return 1;
}

/* ---- layernorm ---- */
enum { N_ = 6, C_ = 8 };
static double *ln_inp, *ln_w, *ln_b, *ln_out, *ln_mean, *ln_rstd, *ln_R;
static double ln_loss(void) {
    layernorm_forward(ln_out, ln_mean, ln_rstd, ln_inp, ln_w, ln_b, N_, C_);
    return dot(ln_out, ln_R, N_ * C_);
}
TEST(trainer_layernorm_backward_matches_finite_differences) {
    ln_inp = rvec(N_ * C_, 2); ln_w = rvec(C_, 1); ln_b = rvec(C_, 1); ln_R = rvec(N_ * C_, 1);
    ln_out = zvec(N_ * C_); ln_mean = zvec(N_); ln_rstd = zvec(N_);
    double *dinp = rvec(N_ * C_, 1), *dinp0 = track(malloc(N_ * C_ * sizeof(double))), *dw = zvec(C_), *db = zvec(C_);
    memcpy(dinp0, dinp, N_ * C_ * sizeof(double));
    ln_loss();
    layernorm_backward(dinp, dw, db, ln_R, ln_inp, ln_w, ln_mean, ln_rstd, N_, C_);
    for (int i = 0; i < N_ * C_; i++) dinp[i] -= dinp0[i];   /* it accumulates */
    CHECK(grad_ok(ln_inp, N_ * C_, dinp, ln_loss, "dinp"));
    CHECK(grad_ok(ln_w, C_, dw, ln_loss, "dw"));
    CHECK(grad_ok(ln_b, C_, db, ln_loss, "db"));
    release_all();
}

/* ---- matmul ---- */
enum { OC_ = 5 };
static double *mm_inp, *mm_w, *mm_b, *mm_out, *mm_R;
static double mm_loss(void) {
    matmul_forward(mm_out, mm_inp, mm_w, mm_b, N_, C_, OC_);
    return dot(mm_out, mm_R, N_ * OC_);
}
TEST(trainer_matmul_backward_matches_finite_differences) {
    mm_inp = rvec(N_ * C_, 1); mm_w = rvec(OC_ * C_, 1); mm_b = rvec(OC_, 1); mm_R = rvec(N_ * OC_, 1);
    mm_out = zvec(N_ * OC_);
    double *dinp = rvec(N_ * C_, 1), *dw = zvec(OC_ * C_), *db = zvec(OC_);
    matmul_backward(dinp, dw, db, mm_R, mm_inp, mm_w, N_, C_, OC_);
    CHECK(grad_ok(mm_inp, N_ * C_, dinp, mm_loss, "dinp"));
    CHECK(grad_ok(mm_w, OC_ * C_, dw, mm_loss, "dw"));
    CHECK(grad_ok(mm_b, OC_, db, mm_loss, "dbias"));
    release_all();
}

/* ---- attention ---- */
enum { AB = 2, AT = 5, AC = 8, ANH = 2 };
static double *at_qkv, *at_out, *at_att, *at_R;
static double at_loss(void) {
    attention_forward(at_out, at_att, at_qkv, AB, AT, AC, ANH);
    return dot(at_out, at_R, AB * AT * AC);
}
TEST(trainer_attention_backward_matches_finite_differences) {
    at_qkv = rvec(AB * AT * 3 * AC, 1.5); at_R = rvec(AB * AT * AC, 1);
    at_out = zvec(AB * AT * AC); at_att = zvec(AB * ANH * AT * AT);
    double *dqkv = rvec(AB * AT * 3 * AC, 1), *scratch = zvec(AB * ANH * AT * AT);
    at_loss();
    attention_backward(dqkv, scratch, at_R, at_qkv, at_att, AB, AT, AC, ANH);
    CHECK(grad_ok(at_qkv, AB * AT * 3 * AC, dqkv, at_loss, "dqkv"));
    release_all();
}

TEST(trainer_attention_is_causal) {
    double *qkv = rvec(AB * AT * 3 * AC, 1), *out = zvec(AB * AT * AC), *att = zvec(AB * ANH * AT * AT);
    double *out2 = zvec(AB * AT * AC);
    attention_forward(out, att, qkv, AB, AT, AC, ANH);
    for (int c = 0; c < 3 * AC; c++) qkv[(AT - 1) * 3 * AC + c] += 1;   /* change the last position */
    attention_forward(out2, att, qkv, AB, AT, AC, ANH);
    for (int t = 0; t < AT - 1; t++)
        for (int c = 0; c < AC; c++) CHECK(out[t * AC + c] == out2[t * AC + c]);
    release_all();
}

/* ---- rope ---- */
static double *rp_x, *rp_y, *rp_R;
static double rp_loss(void) {
    memcpy(rp_y, rp_x, AB * AT * 3 * AC * sizeof(double));
    rope_apply(rp_y, AB, AT, AC, ANH, 1);
    return dot(rp_y, rp_R, AB * AT * 3 * AC);
}
TEST(trainer_rope_backward_matches_finite_differences) {
    size_t n = AB * AT * 3 * AC;
    rp_x = rvec(n, 1); rp_y = zvec(n); rp_R = rvec(n, 1);
    double *g = track(malloc(n * sizeof(double)));
    memcpy(g, rp_R, n * sizeof(double));
    rope_apply(g, AB, AT, AC, ANH, -1);
    CHECK(grad_ok(rp_x, n, g, rp_loss, "dx"));
    release_all();
}

/* ---- gelu ---- */
static double *ge_x, *ge_y, *ge_R;
static double ge_loss(void) { gelu_forward(ge_y, ge_x, N_ * C_); return dot(ge_y, ge_R, N_ * C_); }
TEST(trainer_gelu_backward_matches_finite_differences) {
    ge_x = rvec(N_ * C_, 4); ge_y = zvec(N_ * C_); ge_R = rvec(N_ * C_, 1);
    double *d = zvec(N_ * C_);
    gelu_backward(d, ge_x, ge_R, N_ * C_);
    CHECK(grad_ok(ge_x, N_ * C_, d, ge_loss, "dx"));
    release_all();
}

/* ---- fused softmax + cross-entropy ---- */
enum { SV = 7 };
static double *sx_logits, *sx_tmp, *sx_losses;
static int sx_targets[N_] = { 0, 3, 6, 2, 2, 5 };
static double sx_loss(void) {
    memcpy(sx_tmp, sx_logits, N_ * SV * sizeof(double));
    softmax_xent_forward(sx_tmp, sx_losses, sx_targets, N_, SV);
    double s = 0;
    for (int i = 0; i < N_; i++) s += sx_losses[i];
    return s;
}
TEST(trainer_softmax_xent_backward_matches_finite_differences) {
    sx_logits = rvec(N_ * SV, 3); sx_tmp = zvec(N_ * SV); sx_losses = zvec(N_);
    sx_loss();
    softmax_xent_backward(sx_tmp, sx_targets, 1, N_, SV);
    double *d = track(malloc(N_ * SV * sizeof(double)));
    memcpy(d, sx_tmp, N_ * SV * sizeof(double));
    CHECK(grad_ok(sx_logits, N_ * SV, d, sx_loss, "dlogits"));
    release_all();
}

/* ---- encoder ---- */
enum { EV = 5, EB = 2, ET = 3 };
static double *en_wte, *en_wpe, *en_out, *en_R;
static int en_ids[EB * ET] = { 1, 4, 1, 0, 1, 3 };
static double en_loss(void) {
    encoder_forward(en_out, en_ids, en_wte, en_wpe, EB, ET, C_);
    return dot(en_out, en_R, EB * ET * C_);
}
TEST(trainer_encoder_backward_matches_finite_differences) {
    en_wte = rvec(EV * C_, 1); en_wpe = rvec(ET * C_, 1); en_out = zvec(EB * ET * C_); en_R = rvec(EB * ET * C_, 1);
    double *dwte = zvec(EV * C_), *dwpe = zvec(ET * C_);
    encoder_backward(dwte, dwpe, en_R, en_ids, EB, ET, C_);
    CHECK(grad_ok(en_wte, EV * C_, dwte, en_loss, "dwte"));
    CHECK(grad_ok(en_wpe, ET * C_, dwpe, en_loss, "dwpe"));
    release_all();
}

/* ---- the whole float model: wiring ----
 * float central differences with h = 1e-2 on a loss near ln(V): rounding ~ 3e-7 / 2e-2 =
 * 1.5e-5, truncation ~ h^2 = 1e-4; so |analytic - numeric| <= 1e-3 + 5% catches a wrong or
 * missing term (those are off by 100% or more) without flaking. */
static int model_grad_ok(int rope) {
    gpt_config c = { .vocab_size = 11, .seq_len = 4, .n_layer = 2, .n_head = 2, .n_embd = 8, .rope = rope };
    char err[ERR_MAX];
    gpt *m = gpt_new(&c, 7, err);
    if (!m) return 0;
    /* bigger weights than the GPT-2 init so every path carries gradient */
    float *p = gpt_param_data(m);
    for (size_t i = 0; i < gpt_num_params(m); i++) p[i] += (float)(0.3 * rnd());
    int B = 2, T = 4, ids[8] = { 1, 2, 3, 4, 10, 9, 8, 7 }, tg[8] = { 2, 3, 4, 5, 9, 8, 7, 6 };
    gpt_zero_grad(m);
    gpt_forward(m, ids, tg, B, T);
    gpt_backward(m, 1);
    float *g = gpt_grad_data(m);
    size_t sizes[GPT_NTENSORS], off = 0;
    gpt_param_sizes(&c, sizes);
    int ok = 1;
    for (int k = 0; k < GPT_NTENSORS; k++) {
        /* the coordinate of largest gradient, and two at fixed places */
        size_t best = off;
        for (size_t i = off; i < off + sizes[k]; i++) if (fabsf(g[i]) > fabsf(g[best])) best = i;
        size_t picks[3] = { best, off + sizes[k] / 3, off + 2 * sizes[k] / 3 };
        for (int rep = 0; rep < 3 && sizes[k]; rep++) {
            size_t i = picks[rep];
            float keep = p[i];
            p[i] = keep + 1e-2f; double lp = gpt_forward(m, ids, tg, B, T);
            p[i] = keep - 1e-2f; double lm = gpt_forward(m, ids, tg, B, T);
            p[i] = keep;
            double num = (lp - lm) / 2e-2;
            if (fabs(num - g[i]) > 1e-3 + 5e-2 * fabs(num)) {
                printf("  %s[%zu]: analytic %.6g numeric %.6g\n", gpt_tensor_name(k), i - off, g[i], num);
                ok = 0;
            }
        }
        off += sizes[k];
    }
    gpt_free(m);
    return ok;
}
TEST(trainer_model_gradient_matches_finite_differences) { CHECK(model_grad_ok(0)); }
TEST(trainer_model_gradient_with_rope_matches_finite_differences) { CHECK(model_grad_ok(1)); }
