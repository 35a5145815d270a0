/*
 * model — see model.h. The layers themselves are in layers.h (forward/backward pairs).
 *
 * Arena: [params | grads | adam m | adam v], each num_params floats, 64-byte aligned, in the
 * order of gpt_param_sizes. Activations: one allocation carved by act_layout for B*T rows;
 * per layer it keeps what backward reads (LayerNorm inputs and statistics, qkv, attention
 * probabilities, MLP pre-activation), plus a few gradient scratch buffers that are reused
 * layer after layer (the gradient of the activations is never stored whole).
 * The vocabulary-sized tensor (B*T*V) exists once: logits, then probabilities, then their
 * gradient, all in place (fused softmax + cross-entropy).
 */
/* The layer loops are written to be vectorized; -O2's very cheap cost model refuses loops
 * that need a scalar tail, so this file asks for -O3. */
#pragma GCC optimize("O3")
#define LAYER_REAL float
#include "layers.h"
#include "model.h"
#include "../pipeline/buf.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const tensor_names[GPT_NTENSORS] = {
    "wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
    "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb",
};
static const int tensor_decays[GPT_NTENSORS] = { 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0 };

const char *gpt_tensor_name(int i) { return i >= 0 && i < GPT_NTENSORS ? tensor_names[i] : "?"; }
int gpt_tensor_decays(int i) { return i >= 0 && i < GPT_NTENSORS && tensor_decays[i]; }

/* Activations kept for backward, and gradient scratch. */
typedef struct gpt_acts {
    float *encoded;                 /* (N,C) */
    float *ln1, *ln1_mean, *ln1_rstd;       /* (L,N,C) (L,N) (L,N) */
    float *qkv;                     /* (L,N,3C) */
    float *atty;                    /* (L,N,C) */
    float *att;                     /* (L,B,NH,T,T) */
    float *attproj;                 /* (L,N,C) */
    float *residual2;               /* (L,N,C) */
    float *ln2, *ln2_mean, *ln2_rstd;
    float *fch, *fch_gelu;          /* (L,N,4C) */
    float *fcproj, *residual3;      /* (L,N,C) */
    float *lnf, *lnf_mean, *lnf_rstd;
    float *logits;                  /* (N,V): logits, probs, dlogits in turn */
    float *losses;                  /* (N) */
    float *dres, *d1, *d2, *datt;   /* scratch: (N,C) (N,4C) (N,4C) (B,NH,T,T) */
    int *ids, *targets;             /* (N) copies of the batch */
} gpt_acts;

struct gpt {
    gpt_config cfg;
    size_t sizes[GPT_NTENSORS], num_params;
    float *arena;                   /* params, grads, m, v */
    gpt_params p, g;
    gpt_acts a;
    void *act_mem;
    int B, T, act_rows;             /* current batch shape and capacity in rows */
    int has_targets;
};

int gpt_config_check(const gpt_config *c, char *err) {
    if (c->vocab_size <= 0 || c->seq_len <= 0 || c->n_layer <= 0 || c->n_head <= 0 || c->n_embd <= 0)
        return err_set(err, "model dimensions must be positive (vocab %d, seq_len %d, n_layer %d, n_head %d, n_embd %d)",
                       c->vocab_size, c->seq_len, c->n_layer, c->n_head, c->n_embd);
    if (c->n_embd % c->n_head)
        return err_set(err, "n_embd %d is not a multiple of n_head %d", c->n_embd, c->n_head);
    if (c->rope && (c->n_embd / c->n_head) % 2)
        return err_set(err, "rope needs an even head size (n_embd/n_head = %d)", c->n_embd / c->n_head);
    if (c->seq_len > 1 << 20 || c->n_embd > 1 << 16 || c->n_layer > 1 << 12)
        return err_set(err, "model dimensions out of range");
    return 0;
}

size_t gpt_param_sizes(const gpt_config *c, size_t s[GPT_NTENSORS]) {
    size_t V = c->vocab_size, T = c->seq_len, L = c->n_layer, C = c->n_embd;
    s[0] = V * C;  s[1] = c->rope ? 0 : T * C;
    s[2] = L * C;  s[3] = L * C;
    s[4] = L * 3 * C * C;  s[5] = L * 3 * C;
    s[6] = L * C * C;  s[7] = L * C;
    s[8] = L * C;  s[9] = L * C;
    s[10] = L * 4 * C * C;  s[11] = L * 4 * C;
    s[12] = L * C * 4 * C;  s[13] = L * C;
    s[14] = C;  s[15] = C;
    size_t n = 0;
    for (int i = 0; i < GPT_NTENSORS; i++) n += s[i];
    return n;
}

size_t gpt_arena_bytes(const gpt_config *c) {
    size_t s[GPT_NTENSORS];
    return 4 * gpt_param_sizes(c, s) * sizeof(float);
}

/* Lay out the activations for N = B*T rows into mem (NULL: just count). Returns bytes. */
static size_t act_layout(const gpt_config *c, int B, int T, void *mem, gpt_acts *a) {
    size_t N = (size_t)B * T, C = c->n_embd, L = c->n_layer, V = c->vocab_size, NH = c->n_head;
    size_t off = 0;
    char *base = mem;
#define CARVE(field, count, type) do { \
        if (mem) a->field = (type *)(base + off); \
        off += ((size_t)(count) * sizeof(type) + 63) & ~(size_t)63; } while (0)
    CARVE(encoded, N * C, float);
    CARVE(ln1, L * N * C, float); CARVE(ln1_mean, L * N, float); CARVE(ln1_rstd, L * N, float);
    CARVE(qkv, L * N * 3 * C, float);
    CARVE(atty, L * N * C, float);
    CARVE(att, L * B * NH * T * T, float);
    CARVE(attproj, L * N * C, float);
    CARVE(residual2, L * N * C, float);
    CARVE(ln2, L * N * C, float); CARVE(ln2_mean, L * N, float); CARVE(ln2_rstd, L * N, float);
    CARVE(fch, L * N * 4 * C, float); CARVE(fch_gelu, L * N * 4 * C, float);
    CARVE(fcproj, L * N * C, float); CARVE(residual3, L * N * C, float);
    CARVE(lnf, N * C, float); CARVE(lnf_mean, N, float); CARVE(lnf_rstd, N, float);
    CARVE(logits, N * V, float);
    CARVE(losses, N, float);
    CARVE(dres, N * C, float); CARVE(d1, N * 4 * C, float); CARVE(d2, N * 4 * C, float);
    CARVE(datt, (size_t)B * NH * T * T, float);
    CARVE(ids, N, int); CARVE(targets, N, int);
#undef CARVE
    return off;
}

size_t gpt_act_bytes(const gpt_config *c, int B) {
    return act_layout(c, B, c->seq_len, NULL, NULL);
}

static size_t mem_available(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) { fclose(f); return (size_t)kb * 1024; }
        fclose(f);
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    return pages > 0 && psz > 0 ? (size_t)pages * (size_t)psz : (size_t)-1;
}

int gpt_memory_check(const gpt_config *c, int B, size_t limit, char *err) {
    if (gpt_config_check(c, err)) return -1;
    if (B <= 0) return err_set(err, "batch size must be positive");
    /* Estimate in double first so absurd configs cannot overflow size_t. */
    double C = c->n_embd, L = c->n_layer, V = c->vocab_size, T = c->seq_len, NH = c->n_head;
    double params = V * C + T * C + L * 12 * C * C + L * 13 * C + 2 * C;
    double acts = B * T * (C * (L * 18 + 11) + V + (L + 1) * NH * T + 8);
    if (params < 1e15 && acts < 1e15) {
        params = gpt_arena_bytes(c) / 16.0;
        acts = gpt_act_bytes(c, B) / 4.0;
    }
    double need = 4 * (4 * params + acts);
    const char *what = limit ? "the memory limit" : "the memory available";
    if (!limit) limit = mem_available();
    if (need > (double)limit)
        return err_set(err, "configuration needs %.1f GiB (parameters and optimizer %.1f GiB, "
                       "activations %.1f GiB), more than %s (%.1f GiB); reduce n_layer, n_embd, "
                       "seq_len or batch_size",
                       need / 1073741824.0, 16 * params / 1073741824.0, 4 * acts / 1073741824.0,
                       what, (double)limit / 1073741824.0);
    return 0;
}

static void *alloc_aligned(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 64)) return NULL;
    return p;
}

static void point_tensors(gpt_params *t, float *base, const size_t *sizes) {
    float **f = (float **)t;
    for (int i = 0; i < GPT_NTENSORS; i++) { f[i] = base; base += sizes[i]; }
}

/* splitmix64 + Box-Muller: the same seed gives the same weights on every machine. */
static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return ((splitmix(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
static void fill_normal(float *x, size_t n, double std, uint64_t *s) {
    for (size_t i = 0; i < n; i += 2) {
        double u1 = unif(s), u2 = unif(s), r = sqrt(-2 * log(u1));
        x[i] = (float)(std * r * cos(2 * M_PI * u2));
        if (i + 1 < n) x[i + 1] = (float)(std * r * sin(2 * M_PI * u2));
    }
}

gpt *gpt_new(const gpt_config *c, uint64_t seed, char *err) {
    if (gpt_config_check(c, err)) return NULL;
    gpt *m = xcalloc(1, sizeof *m);
    m->cfg = *c;
    openblas_set_num_threads(1);        /* BLAS runs inside our OpenMP blocks (layers.h) */
    m->num_params = gpt_param_sizes(c, m->sizes);
    size_t bytes = 4 * m->num_params * sizeof(float);
    m->arena = alloc_aligned(bytes);
    if (!m->arena) { free(m); err_set(err, "cannot allocate %zu bytes for the model", bytes); return NULL; }
    memset(m->arena, 0, bytes);
    point_tensors(&m->p, m->arena, m->sizes);
    point_tensors(&m->g, m->arena + m->num_params, m->sizes);

    uint64_t s = seed * 0x2545f4914f6cdd1dULL + 1;
    double proj_std = 0.02 / sqrt(2.0 * c->n_layer);
    fill_normal(m->p.wte, m->sizes[0], 0.02, &s);
    fill_normal(m->p.wpe, m->sizes[1], 0.02, &s);
    fill_normal(m->p.qkvw, m->sizes[4], 0.02, &s);
    fill_normal(m->p.attprojw, m->sizes[6], proj_std, &s);
    fill_normal(m->p.fcw, m->sizes[10], 0.02, &s);
    fill_normal(m->p.fcprojw, m->sizes[12], proj_std, &s);
    for (size_t i = 0; i < m->sizes[2]; i++) m->p.ln1w[i] = 1;
    for (size_t i = 0; i < m->sizes[8]; i++) m->p.ln2w[i] = 1;
    for (size_t i = 0; i < m->sizes[14]; i++) m->p.lnfw[i] = 1;
    return m;
}

void gpt_free(gpt *m) {
    if (!m) return;
    free(m->arena);
    free(m->act_mem);
    free(m);
}

const gpt_config *gpt_cfg(const gpt *m) { return &m->cfg; }
size_t gpt_num_params(const gpt *m) { return m->num_params; }
float *gpt_param_data(gpt *m) { return m->arena; }
float *gpt_grad_data(gpt *m) { return m->arena + m->num_params; }
float *gpt_adam_m(gpt *m) { return m->arena + 2 * m->num_params; }
float *gpt_adam_v(gpt *m) { return m->arena + 3 * m->num_params; }
gpt_params gpt_tensors(gpt *m) { return m->p; }
const float *gpt_losses(const gpt *m) { return m->a.losses; }
const float *gpt_logits(const gpt *m) { return m->a.logits; }

void gpt_zero_grad(gpt *m) { memset(gpt_grad_data(m), 0, m->num_params * sizeof(float)); }

static void ensure_acts(gpt *m, int B, int T) {
    /* Capacity is in rows of seq_len: a layout for (B', seq_len) covers any (B, T) with
     * B*T*T <= B'*seq_len*seq_len, which holds when B*T <= B'*seq_len and T <= seq_len. */
    int need_rows = B * T;
    if (!m->act_mem || need_rows > m->act_rows) {
        int Bcap = (need_rows + m->cfg.seq_len - 1) / m->cfg.seq_len;
        free(m->act_mem);
        size_t bytes = act_layout(&m->cfg, Bcap, m->cfg.seq_len, NULL, NULL);
        m->act_mem = alloc_aligned(bytes);
        if (!m->act_mem) { fprintf(stderr, "winnow: out of memory (%zu bytes)\n", bytes); abort(); }
        m->act_rows = Bcap * m->cfg.seq_len;
    }
    /* Re-carve for this (B, T) inside the same block (it is never larger). */
    act_layout(&m->cfg, B, T, m->act_mem, &m->a);
    m->B = B;
    m->T = T;
}

float gpt_forward(gpt *m, const int *ids, const int *targets, int B, int T) {
    ensure_acts(m, B, T);
    const gpt_config *c = &m->cfg;
    int C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size, N = B * T;
    size_t NC = (size_t)N * C;
    gpt_params *p = &m->p;
    gpt_acts *a = &m->a;
    memcpy(a->ids, ids, sizeof(int) * N);
    m->has_targets = targets != NULL;
    if (targets) memcpy(a->targets, targets, sizeof(int) * N);

    encoder_forward(a->encoded, ids, p->wte, c->rope ? NULL : p->wpe, B, T, C);
    for (int l = 0; l < L; l++) {
        const float *res = l == 0 ? a->encoded : a->residual3 + (l - 1) * NC;
        float *ln1 = a->ln1 + l * NC, *qkv = a->qkv + l * NC * 3, *atty = a->atty + l * NC;
        float *att = a->att + (size_t)l * B * NH * T * T, *attproj = a->attproj + l * NC;
        float *res2 = a->residual2 + l * NC, *ln2 = a->ln2 + l * NC;
        float *fch = a->fch + l * NC * 4, *fchg = a->fch_gelu + l * NC * 4;
        float *fcproj = a->fcproj + l * NC, *res3 = a->residual3 + l * NC;
        layernorm_forward(ln1, a->ln1_mean + l * N, a->ln1_rstd + l * N, res,
                          p->ln1w + l * C, p->ln1b + l * C, N, C);
        matmul_forward(qkv, ln1, p->qkvw + (size_t)l * 3 * C * C, p->qkvb + l * 3 * C, N, C, 3 * C);
        if (c->rope) rope_apply(qkv, B, T, C, NH, 1);
        attention_forward(atty, att, qkv, B, T, C, NH);
        matmul_forward(attproj, atty, p->attprojw + (size_t)l * C * C, p->attprojb + l * C, N, C, C);
        residual_forward(res2, res, attproj, NC);
        layernorm_forward(ln2, a->ln2_mean + l * N, a->ln2_rstd + l * N, res2,
                          p->ln2w + l * C, p->ln2b + l * C, N, C);
        matmul_forward(fch, ln2, p->fcw + (size_t)l * 4 * C * C, p->fcb + l * 4 * C, N, C, 4 * C);
        gelu_forward(fchg, fch, NC * 4);
        matmul_forward(fcproj, fchg, p->fcprojw + (size_t)l * 4 * C * C, p->fcprojb + l * C, N, 4 * C, C);
        residual_forward(res3, res2, fcproj, NC);
    }
    layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, a->residual3 + (L - 1) * NC,
                      p->lnfw, p->lnfb, N, C);
    matmul_forward(a->logits, a->lnf, p->wte, NULL, N, C, V);
    if (!targets) return 0;
    softmax_xent_forward(a->logits, a->losses, targets, N, V);
    double sum = 0;                     /* fixed order: the same at every thread count */
    for (int i = 0; i < N; i++) sum += a->losses[i];
    return (float)(sum / N);
}

void gpt_backward(gpt *m, float grad_scale) {
    const gpt_config *c = &m->cfg;
    int B = m->B, T = m->T, C = c->n_embd, L = c->n_layer, NH = c->n_head, V = c->vocab_size;
    int N = B * T;
    size_t NC = (size_t)N * C;
    gpt_params *p = &m->p, *g = &m->g;
    gpt_acts *a = &m->a;
    if (!m->has_targets) return;
    m->has_targets = 0;                 /* the probabilities are consumed below */

    softmax_xent_backward(a->logits, a->targets, grad_scale / N, N, V);
    /* logits = lnf @ wte^T: dlnf = dlogits @ wte, dwte += dlogits^T @ lnf */
    matmul_backward(a->d1, g->wte, NULL, a->logits, a->lnf, p->wte, N, C, V);
    memset(a->dres, 0, NC * sizeof(float));
    layernorm_backward(a->dres, g->lnfw, g->lnfb, a->d1, a->residual3 + (L - 1) * NC, p->lnfw,
                       a->lnf_mean, a->lnf_rstd, N, C);
    for (int l = L - 1; l >= 0; l--) {
        const float *res = l == 0 ? a->encoded : a->residual3 + (l - 1) * NC;
        float *ln1 = a->ln1 + l * NC, *qkv = a->qkv + l * NC * 3, *atty = a->atty + l * NC;
        float *att = a->att + (size_t)l * B * NH * T * T;
        float *res2 = a->residual2 + l * NC, *ln2 = a->ln2 + l * NC;
        float *fch = a->fch + l * NC * 4, *fchg = a->fch_gelu + l * NC * 4;
        /* MLP: res3 = res2 + fcproj(gelu(fc(ln2(res2)))); dres holds d res3 */
        matmul_backward(a->d1, g->fcprojw + (size_t)l * 4 * C * C, g->fcprojb + l * C, a->dres,
                        fchg, p->fcprojw + (size_t)l * 4 * C * C, N, 4 * C, C);
        gelu_backward(a->d2, fch, a->d1, NC * 4);
        matmul_backward(a->d1, g->fcw + (size_t)l * 4 * C * C, g->fcb + l * 4 * C, a->d2, ln2,
                        p->fcw + (size_t)l * 4 * C * C, N, C, 4 * C);
        layernorm_backward(a->dres, g->ln2w + l * C, g->ln2b + l * C, a->d1, res2, p->ln2w + l * C,
                           a->ln2_mean + l * N, a->ln2_rstd + l * N, N, C);
        /* attention: res2 = res + attproj(attn(qkv(ln1(res)))); dres now holds d res2 */
        matmul_backward(a->d1, g->attprojw + (size_t)l * C * C, g->attprojb + l * C, a->dres,
                        atty, p->attprojw + (size_t)l * C * C, N, C, C);
        attention_backward(a->d2, a->datt, a->d1, qkv, att, B, T, C, NH);
        if (c->rope) rope_apply(a->d2, B, T, C, NH, -1);
        matmul_backward(a->d1, g->qkvw + (size_t)l * 3 * C * C, g->qkvb + l * 3 * C, a->d2, ln1,
                        p->qkvw + (size_t)l * 3 * C * C, N, C, 3 * C);
        layernorm_backward(a->dres, g->ln1w + l * C, g->ln1b + l * C, a->d1, res, p->ln1w + l * C,
                           a->ln1_mean + l * N, a->ln1_rstd + l * N, N, C);
    }
    encoder_backward(g->wte, c->rope ? NULL : g->wpe, a->dres, a->ids, B, T, C);
}
