/*
 * filter_gopher — Gopher quality rules (Rae et al. 2021, table A1), as datatrove's
 * GopherQualityFilter computes them. Order of checks and the names of the signals:
 *   words < min_words, words > max_words          words = non-symbol words
 *   mean_word_length < min / > max               over non-symbol words, in code points
 *   hash_word_ratio > max                         text.count("#") / all words
 *   ellipsis_word_ratio > max                     (count("...") + count("…")) / all words
 *   bullet_lines_ratio > max                      lines whose lstrip() starts with • or -
 *   ellipsis_lines_ratio > max                    lines whose rstrip() ends with ... or …
 *   alpha_words_ratio < min                       words with a letter / all words
 *   stop_words < min                              occurrences of the stop words (case-sensitive)
 * Lines are Python's splitlines(). A threshold of 0 turns its check off (datatrove's
 * `if self.x and ...`).
 *
 * Differences from datatrove, on purpose:
 *  - words are ICU word segments (text.h), not NLTK's word_tokenize: "don't" is one word (NLTK:
 *    "do" "n't"), "..." is three symbol words (NLTK: one). So "all words", the denominator of
 *    the hash/ellipsis/alpha ratios, counts each '.' of an ellipsis.
 *  - datatrove divides by zero (ZeroDivisionError) on a text without words or lines, and takes
 *    the mean of nothing (NaN, which passes both length checks); here those ratios are 0 and
 *    the mean-length checks are skipped when there are no words.
 *  - datatrove has one max_symbol_word_ratio for '#' and ellipses; here each has its option
 *    (same default, 0.1).
 * Costs: the shared word pass, one pass counting '#' and ellipses, one line pass (only when the
 * earlier checks pass or --annotate asks for every signal).
 */
#include "filter.h"
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define FAIL(name, val, op_, thr, isint) do { \
        if (!dropped) { f->check = (name); f->value = (val); f->op = (op_); f->threshold = (thr); \
                        f->is_int = (isint); dropped = 1; if (!full) return 1; } } while (0)

static size_t count_byte(const char *p, size_t n, char c) {
    size_t k = 0;
    for (const char *q = p, *e = p + n; (q = memchr(q, c, (size_t)(e - q))); q++) k++;
    return k;
}

/* Python's text.count("...") + text.count("…"): each non-overlapping, left to right. */
static size_t count_ellipses(const char *p, size_t n) {
    size_t k = 0;
    const char *q = p, *e = p + n;
#if defined(__SSE2__)
    /* Most dots are alone: look 16 bytes at a time for two adjacent dots; a run of r dots
     * holds r / 3 non-overlapping "..." (a run never starts before the first pair found, as
     * the pair ending a block is seen by the block: lane 15 pairs with the next byte). */
    const __m128i dot = _mm_set1_epi8('.');
    size_t i = 0;
    while (i + 17 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i)), y = _mm_loadu_si128((const __m128i *)(p + i + 1));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, dot), _mm_cmpeq_epi8(y, dot)));
        if (!m) { i += 16; continue; }
        size_t r = i + (size_t)__builtin_ctz(m), j = r;
        while (r < n && p[r] == '.') r++;
        k += (r - j) / 3;
        i = r;
    }
    q = p + i;
#endif
    while ((q = memchr(q, '.', (size_t)(e - q)))) {
        if (e - q >= 3 && q[1] == '.' && q[2] == '.') { k++; q += 3; }
        else q++;
    }
    for (q = p; (q = memchr(q, 0xE2, (size_t)(e - q))); q++)
        if (e - q >= 3 && (unsigned char)q[1] == 0x80 && (unsigned char)q[2] == 0xA6) { k++; q += 2; }
    return k;
}

static int ends_with(const char *p, size_t n, const char *s, size_t k) {
    return n >= k && !memcmp(p + n - k, s, k);
}

int filter_gopher(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                  filter_signals *sg, filter_fail *f, char *err) {
    int dropped = 0;
    if (filter_words(st, t, n, err)) return -1;
    long long tokens = (long long)st->nw, words = 0, alpha = 0, stop = 0;
    uint64_t chars = 0;
    for (size_t i = 0; i < st->nw; i++) {
        const filter_word *w = &st->w[i];
        unsigned ns = !w->symbol;
        words += ns;
        chars += ns * w->chars;
        alpha += w->alpha;
        /* the first slot without a branch on the outcome (stop words are frequent, so "is it
         * one" is unpredictable); probing on is rare (a different word in that slot) */
        size_t k = (size_t)(w->hash >> 56);
        uint64_t s0 = st->stop_tab[k];
        stop += (s0 == w->hash) & (s0 != 0);
        if (s0 && s0 != w->hash)
            for (k = (k + 1) & 255; st->stop_tab[k]; k = (k + 1) & 255)
                if (st->stop_tab[k] == w->hash) { stop++; break; }
    }
    sg->words = words;
    sg->tokens = tokens;
    sg->stop_words = stop;
    sg->mean_word_length = words ? (double)chars / (double)words : 0;
    sg->alpha_words_ratio = tokens ? (double)alpha / (double)tokens : 0;

    if (c->min_words && words < c->min_words) FAIL("words", words, "<", c->min_words, 1);
    if (c->max_words && words > c->max_words) FAIL("words", words, ">", c->max_words, 1);
    if (words && c->min_avg_word_length && sg->mean_word_length < c->min_avg_word_length)
        FAIL("mean_word_length", sg->mean_word_length, "<", c->min_avg_word_length, 0);
    if (words && c->max_avg_word_length && sg->mean_word_length > c->max_avg_word_length)
        FAIL("mean_word_length", sg->mean_word_length, ">", c->max_avg_word_length, 0);

    sg->hash_word_ratio = tokens ? (double)count_byte(t, n, '#') / (double)tokens : 0;
    if (c->max_hash_word_ratio && sg->hash_word_ratio > c->max_hash_word_ratio)
        FAIL("hash_word_ratio", sg->hash_word_ratio, ">", c->max_hash_word_ratio, 0);
    sg->ellipsis_word_ratio = tokens ? (double)count_ellipses(t, n) / (double)tokens : 0;
    if (c->max_ellipsis_word_ratio && sg->ellipsis_word_ratio > c->max_ellipsis_word_ratio)
        FAIL("ellipsis_word_ratio", sg->ellipsis_word_ratio, ">", c->max_ellipsis_word_ratio, 0);

    size_t lines, bullets = 0, ellipsis_lines = 0;
    filter_stripped_lines(st, t, n);
    lines = st->nlv;
    for (size_t i = 0; i < st->nlv; i++) {
        const char *l = t + st->lv[i].a;
        size_t ll = st->lv[i].b - st->lv[i].a;
        if (ll && (l[0] == '-' || (ll >= 3 && !memcmp(l, "\xe2\x80\xa2", 3)))) bullets++;
        if (ends_with(l, ll, "...", 3) || ends_with(l, ll, "\xe2\x80\xa6", 3)) ellipsis_lines++;
    }
    sg->bullet_lines_ratio = lines ? (double)bullets / (double)lines : 0;
    sg->ellipsis_lines_ratio = lines ? (double)ellipsis_lines / (double)lines : 0;
    if (c->max_bullet_lines_ratio && sg->bullet_lines_ratio > c->max_bullet_lines_ratio)
        FAIL("bullet_lines_ratio", sg->bullet_lines_ratio, ">", c->max_bullet_lines_ratio, 0);
    if (c->max_ellipsis_lines_ratio && sg->ellipsis_lines_ratio > c->max_ellipsis_lines_ratio)
        FAIL("ellipsis_lines_ratio", sg->ellipsis_lines_ratio, ">", c->max_ellipsis_lines_ratio, 0);

    if (c->min_alpha_words_ratio && sg->alpha_words_ratio < c->min_alpha_words_ratio)
        FAIL("alpha_words_ratio", sg->alpha_words_ratio, "<", c->min_alpha_words_ratio, 0);
    /* no stop-word list for the language: the check is off */
    if (st->nstop && c->min_stop_words && stop < c->min_stop_words)
        FAIL("stop_words", stop, "<", c->min_stop_words, 1);
    return dropped;
}
