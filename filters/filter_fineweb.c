/*
 * filter_fineweb — FineWeb's own rules (Penedo et al. 2024), as datatrove's
 * FineWebQualityFilter computes them, over lines = text.split("\n") (not stripped):
 *   line_punct_ratio <= 0.12     lines ending in terminal punctuation (. ' " ! ?) / lines
 *                                (with fineweb-line-punct-exclude-zero, a ratio of exactly 0
 *                                passes)
 *   short_line_ratio >= 0.67     lines of <= 30 code points / lines
 *   char_dup_ratio >= 0.01       duplicate characters (find_duplicates over the lines whose
 *                                strip() is not empty) / len(text without its '\n's)
 *   new_line_ratio > 0.3         text.count("\n") / words
 * In the stage, FineWeb sees the text after C4's line edits when C4 is also on and keeps the
 * page (datatrove's FineWeb pipeline runs C4QualityFilter before FineWebQualityFilter).
 *
 * Differences from datatrove, on purpose: a threshold of 0 turns its check off (datatrove's
 * FineWeb filter has no such guard; gopher's has, and one rule for all options is simpler);
 * words are ICU words (see filter_gopher.c); ratios over nothing are 0 (datatrove divides by
 * zero) and new_line_ratio over a text without words divides by 1.
 * Costs: one pass over the lines (memchr), one hash per non-empty line whose length another
 * line shares (filter_find_duplicates), the shared word pass.
 */
#include "filter.h"
#include <string.h>

#define FAIL(name, val, op_, thr) do { \
        if (!dropped) { f->check = (name); f->value = (val); f->op = (op_); f->threshold = (thr); \
                        f->is_int = 0; dropped = 1; if (!full) return 1; } } while (0)

int filter_fineweb(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                   filter_signals *sg, filter_fail *f, char *err) {
    int dropped = 0;
    uint64_t lines = 0, punct = 0, shorts = 0, newlines = 0, dupchars = 0;
    /* code points of the text; when it is all ASCII, a line's length is its byte count */
    uint64_t tchars = st->words_of == t && st->words_of_len == n ? st->text_chars : filter_utf8_chars(t, n);
    int ascii = tchars == n;
    text_spans *nb = &st->lines;   /* the lines whose strip() is not empty */
    nb->n = 0;
    size_t s = 0, li = 0;
    filter_newlines(st, t, n);
    for (;;) {
        int last = li == st->nnl;
        size_t e = last ? n : st->nl[li++];
        const char *l = t + s;
        size_t ll = e - s;
        lines++;
        punct += filter_ends_terminal(st, l, ll);
        uint64_t chars = ascii ? ll : filter_utf8_chars(l, ll);
        shorts += chars <= (uint64_t)c->fineweb_short_line_length;
        size_t a, b;
        filter_py_strip(l, ll, &a, &b);
        if (b > a) {
            if (nb->n == nb->cap) {
                nb->cap = nb->cap ? nb->cap * 2 : 256;
                nb->v = xrealloc(nb->v, nb->cap * sizeof *nb->v);
            }
            nb->v[nb->n++] = (text_span){ (uint32_t)s, (uint32_t)ll };
        }
        if (last) break;
        newlines++;
        s = e + 1;
    }
    uint64_t ndup;
    filter_find_duplicates(st, t, nb, &ndup, &dupchars);
    sg->line_punct_ratio = (double)punct / (double)lines;
    if (c->fineweb_line_punct_thr && sg->line_punct_ratio <= c->fineweb_line_punct_thr &&
        !(sg->line_punct_ratio == 0 && c->fineweb_line_punct_exclude_zero))
        FAIL("line_punct_ratio", sg->line_punct_ratio, "<=", c->fineweb_line_punct_thr);
    sg->short_line_ratio = (double)shorts / (double)lines;
    if (c->fineweb_short_line_thr && sg->short_line_ratio >= c->fineweb_short_line_thr)
        FAIL("short_line_ratio", sg->short_line_ratio, ">=", c->fineweb_short_line_thr);
    uint64_t denom = tchars - newlines;
    sg->char_dup_ratio = denom ? (double)dupchars / (double)denom : 0;
    if (c->fineweb_char_dup_ratio && sg->char_dup_ratio >= c->fineweb_char_dup_ratio)
        FAIL("char_dup_ratio", sg->char_dup_ratio, ">=", c->fineweb_char_dup_ratio);
    uint64_t words;
    if (st->tok_text == t && st->tok_len == n) words = st->tok_count;   /* counted by c4 */
    else {
        if (filter_words(st, t, n, err)) return -1;
        words = st->nw;
    }
    sg->new_line_ratio = (double)newlines / (double)(words ? words : 1);
    if (c->fineweb_new_line_ratio && sg->new_line_ratio > c->fineweb_new_line_ratio)
        FAIL("new_line_ratio", sg->new_line_ratio, ">", c->fineweb_new_line_ratio);
    return dropped;
}
