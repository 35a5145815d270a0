/*
 * generate — sampling from a trained model and the diversity of what it writes.
 *
 * Sampling recomputes the forward pass over the last seq_len tokens for every new token (no
 * KV cache: O(n * seq_len) work per sample, fine for the small models trained here).
 * Temperature, top-k, or greedy (argmax). Seeded: the same seed gives the same text.
 *
 * Metrics (the hyperfitting paper's and the usual ones):
 *   ttr96     type-token ratio over the last 96 generated tokens (mean over samples)
 *   distinct-n  unique n-grams / all n-grams of the generated tokens (n = 1, 2, 3), pooled
 *   rep4      fraction of 4-grams that already occurred earlier in the same sample (mean)
 */
#ifndef WN_GENERATE_H
#define WN_GENERATE_H
#include <stddef.h>
#include <stdint.h>
#include "model.h"

typedef struct gen_opts {
    size_t tokens;          /* to generate */
    double temperature;     /* > 0 */
    int top_k;              /* 0: all */
    int greedy;
    int64_t stop_id;        /* stop after emitting this id (end of text); -1: never */
} gen_opts;

/* Generate after prompt (np >= 1 ids) into *out (xrealloc'd, *nout ids, the prompt not
 * included). rng: the caller's state (splitmix64), advanced. */
void gen_sample(gpt *m, const uint32_t *prompt, size_t np, const gen_opts *o, uint64_t *rng,
                uint32_t **out, size_t *nout);

typedef struct gen_stats {
    double ttr96_sum, rep4_sum;
    size_t samples;
    /* pooled distinct-n: unique and total n-grams for n = 1..3 (unique counted per set) */
    uint64_t uniq[3], total[3];
    void *sets[3];          /* private hash sets */
} gen_stats;

void gen_stats_add(gen_stats *s, const uint32_t *ids, size_t n);
/* Metrics of one sample. */
double gen_ttr_last(const uint32_t *ids, size_t n, size_t window);
double gen_repeated_ngrams(const uint32_t *ids, size_t n, int order);
void gen_stats_free(gen_stats *s);

#endif
