/*
 * generate — see generate.h.
 */
#include "generate.h"
#include "../pipeline/buf.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct cand { float p; int id; } cand;
static int cand_desc(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return x->id - y->id;
}

static int pick(const float *logits, int V, const gen_opts *o, uint64_t *rng, cand *buf) {
    int best = 0;
    for (int i = 1; i < V; i++) if (logits[i] > logits[best]) best = i;
    if (o->greedy) return best;
    double T = o->temperature > 0 ? o->temperature : 1, sum = 0;
    for (int i = 0; i < V; i++) {
        buf[i].p = (float)exp((logits[i] - logits[best]) / T);
        buf[i].id = i;
    }
    int n = V;
    if (o->top_k > 0 && o->top_k < V) {
        qsort(buf, (size_t)V, sizeof *buf, cand_desc);
        n = o->top_k;
    }
    for (int i = 0; i < n; i++) sum += buf[i].p;
    double u = (double)(mix(rng) >> 11) * (1.0 / 9007199254740992.0) * sum, acc = 0;
    for (int i = 0; i < n; i++) {
        acc += buf[i].p;
        if (u < acc) return buf[i].id;
    }
    return buf[n - 1].id;
}

void gen_sample(gpt *m, const uint32_t *prompt, size_t np, const gen_opts *o, uint64_t *rng,
                uint32_t **out, size_t *nout) {
    const gpt_config *c = gpt_cfg(m);
    int V = c->vocab_size, S = c->seq_len;
    size_t n = np, cap = np + o->tokens + 1;
    uint32_t *all = xmalloc(cap * sizeof(uint32_t));
    memcpy(all, prompt, np * sizeof(uint32_t));
    int *ids = xmalloc(sizeof(int) * (size_t)S);
    cand *cb = xmalloc(sizeof(cand) * (size_t)V);
    for (size_t k = 0; k < o->tokens; k++) {
        int T = n < (size_t)S ? (int)n : S;
        for (int t = 0; t < T; t++) ids[t] = (int)all[n - (size_t)T + (size_t)t];
        gpt_forward(m, ids, NULL, 1, T);
        int next = pick(gpt_logits(m) + (size_t)(T - 1) * V, V, o, rng, cb);
        all[n++] = (uint32_t)next;
        if (o->stop_id >= 0 && next == o->stop_id) break;
    }
    *nout = n - np;
    *out = xrealloc(*out, (*nout + 1) * sizeof(uint32_t));
    memcpy(*out, all + np, *nout * sizeof(uint32_t));
    free(all);
    free(ids);
    free(cb);
}

/* ---- metrics ---- */

/* open-addressing set of n-gram hashes (0 is the empty marker) */
typedef struct hset { uint64_t *v; size_t n, cap; } hset;
static int hset_add(hset *s, uint64_t h) {
    if (!h) h = 1;
    if (2 * (s->n + 1) > s->cap) {
        hset g = { xcalloc(s->cap ? 2 * s->cap : 64, sizeof(uint64_t)), 0, s->cap ? 2 * s->cap : 64 };
        for (size_t i = 0; i < s->cap; i++) if (s->v[i]) hset_add(&g, s->v[i]);
        free(s->v);
        *s = g;
    }
    size_t i = h & (s->cap - 1);
    while (s->v[i]) {
        if (s->v[i] == h) return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->v[i] = h;
    s->n++;
    return 1;
}
static uint64_t ngram_hash(const uint32_t *p, int order) {
    uint64_t h = 0x8b5a1d3c2f4e6071ULL ^ (uint64_t)order;
    for (int i = 0; i < order; i++) { h ^= p[i]; h *= 0x100000001b3ULL; h ^= h >> 29; }
    return h;
}

double gen_ttr_last(const uint32_t *ids, size_t n, size_t window) {
    if (!n) return 0;
    size_t lo = n > window ? n - window : 0;
    hset s = { 0 };
    for (size_t i = lo; i < n; i++) hset_add(&s, (uint64_t)ids[i] + 1);
    double r = (double)s.n / (double)(n - lo);
    free(s.v);
    return r;
}

double gen_repeated_ngrams(const uint32_t *ids, size_t n, int order) {
    if (n < (size_t)order) return 0;
    hset s = { 0 };
    size_t rep = 0, tot = n - (size_t)order + 1;
    for (size_t i = 0; i < tot; i++) if (!hset_add(&s, ngram_hash(ids + i, order))) rep++;
    free(s.v);
    return (double)rep / (double)tot;
}

void gen_stats_add(gen_stats *s, const uint32_t *ids, size_t n) {
    s->samples++;
    s->ttr96_sum += gen_ttr_last(ids, n, 96);
    s->rep4_sum += gen_repeated_ngrams(ids, n, 4);
    for (int k = 0; k < 3; k++) {
        if (!s->sets[k]) s->sets[k] = xcalloc(1, sizeof(hset));
        for (size_t i = 0; i + (size_t)k < n; i++) {
            s->total[k]++;
            s->uniq[k] += (uint64_t)hset_add(s->sets[k], ngram_hash(ids + i, k + 1));
        }
    }
}

void gen_stats_free(gen_stats *s) {
    for (int k = 0; k < 3; k++) {
        hset *h = s->sets[k];
        if (h) free(h->v);
        free(h);
        s->sets[k] = NULL;
    }
}
