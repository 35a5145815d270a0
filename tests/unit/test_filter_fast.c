/* Unit tests of the filter's fast paths against direct definitions: the n-gram prefilter on
 * long texts, the vector ellipsis count, find_duplicates' length screen, and the one-pass
 * splitlines() separator check, each at 16-byte block edges. */
#include "test.h"
#include "../../filters/filter.h"
#include "../../pipeline/stage.h"
#include <stdlib.h>

extern const stage_class filter_stage;
static char ferr[ERR_MAX];

static filter_cfg fast_defaults(void) {
    static filter_cfg d;
    static int done;
    if (!done) { opt_defaults(filter_stage.opts, &d); done = 1; }
    return d;
}

static filter_state *fast_state(const filter_cfg *c) {
    static filter_state *st;
    if (!st) st = filter_state_new();
    filter_prepare(st, c, ferr);
    filter_begin(st);
    return st;
}

static uint64_t lcg(uint64_t *r) {
    *r = *r * 6364136223846793005ull + 1442695040888963407ull;
    return *r >> 33;
}

TEST(rep_fast_ngrams_match_direct_transcription_on_long_texts) {
    /* long enough for the prefilter's counter array to see collisions, with a vocabulary
     * that mixes frequent words (repeats) and rare ones (unique n-grams) */
    uint64_t r = 7;
    for (int iter = 0; iter < 40; iter++) {
        buf b = {0};
        int n = 200 + iter * 97, v = 3 + iter % 17;
        for (int i = 0; i < n; i++) {
            uint64_t x = lcg(&r);
            if (x % 4 == 0) buf_printf(&b, "w%llu ", (unsigned long long)(lcg(&r) % 100000));
            else buf_printf(&b, "v%llu ", (unsigned long long)(x % (uint64_t)v));
        }
        filter_cfg c = fast_defaults();
        filter_state *st = fast_state(&c);
        CHECK(filter_words(st, b.p, b.len, ferr) == 0);
        uint64_t top[3], dup[6], t2[3], d2[6];
        filter_rep_ngrams(st, 0, top, dup);
        filter_rep_ngrams(st, 1, t2, d2);
        if (memcmp(top, t2, sizeof t2) || memcmp(dup, d2, sizeof d2)) {
            test_fail(__FILE__, __LINE__, "fast != naive at iteration %d", iter);
            buf_free(&b);
            return;
        }
        buf_free(&b);
    }
}

/* Python's text.count("...") + text.count("…") */
static size_t naive_ellipses(const char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i + 3 <= n;) {
        if (!memcmp(p + i, "...", 3) || !memcmp(p + i, "\xe2\x80\xa6", 3)) { k++; i += 3; }
        else i++;
    }
    return k;
}

TEST(gopher_ellipsis_count_matches_python_count_across_blocks) {
    /* runs of 1..7 dots at every offset around the 16-byte blocks of the vector scan */
    filter_cfg c = fast_defaults();
    c.min_words = c.max_words = c.min_stop_words = 0;
    c.min_avg_word_length = c.max_avg_word_length = c.max_hash_word_ratio = 0;
    c.max_bullet_lines_ratio = c.max_ellipsis_lines_ratio = c.min_alpha_words_ratio = 0;
    c.max_ellipsis_word_ratio = 0;
    for (int run = 1; run <= 7; run++)
        for (int at = 0; at < 40; at++) {
            char t[128];
            memset(t, 'a', sizeof t);
            for (int i = 0; i < 60; i += 6) t[i] = ' ';
            for (int i = 0; i < run; i++) t[at + i] = '.';
            t[at + run + 3] = '.';   /* a lone dot nearby */
            size_t n = 70 + (size_t)(at % 5);
            filter_signals sg;
            filter_fail ff;
            filter_state *st = fast_state(&c);
            CHECK(filter_gopher(st, &c, t, n, 1, &sg, &ff, ferr) >= 0);
            CHECK_NEAR(sg.ellipsis_word_ratio * (double)sg.tokens, (double)naive_ellipses(t, n), 1e-9);
        }
}

TEST(find_duplicates_screens_by_length_exactly) {
    /* equal lengths that differ, lengths equal mod 1024, real duplicates */
    static char big1[1100], big2[1100];
    memset(big1, 'x', sizeof big1 - 1);
    memset(big2, 'x', sizeof big2 - 1);
    big2[76] = 0;   /* 76 x's; big1 is 1099 x's, in the same length bucket as a 75-byte piece */
    buf t = {0};
    buf_printf(&t, "abc\nabd\nabc\n%s\n%.*s\n%s\nxyz\n%s", big1, 75, big1, big2, big1);
    filter_cfg c = fast_defaults();
    filter_state *st = fast_state(&c);
    text_spans sp = {0};
    /* elements: the '\n'-separated pieces */
    size_t s = 0;
    for (size_t i = 0; i <= t.len; i++)
        if (i == t.len || t.p[i] == '\n') {
            if (sp.n == sp.cap) { sp.cap = sp.cap ? 2 * sp.cap : 16; sp.v = realloc(sp.v, sp.cap * sizeof *sp.v); }
            sp.v[sp.n++] = (text_span){ (uint32_t)s, (uint32_t)(i - s) };
            s = i + 1;
        }
    uint64_t d, dc;
    filter_find_duplicates(st, t.p, &sp, &d, &dc);
    /* abc again (3), big1 again (1099); "abd", the 75- and 76-byte pieces and xyz are new */
    CHECK_EQ_INT(d, 2);
    CHECK_EQ_INT(dc, 3 + 1099);
    sp.n = 1;
    filter_find_duplicates(st, t.p, &sp, &d, &dc);
    CHECK_EQ_INT(d, 0);
    free(sp.v);
    buf_free(&t);
}

TEST(splitlines_separators_found_at_every_block_offset) {
    static const char *const seps[] = { "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\xc2\x85",
                                        "\xe2\x80\xa8", "\xe2\x80\xa9", NULL };
    for (int k = 0; seps[k]; k++)
        for (int at = 0; at < 36; at++) {
            char t[64];
            memset(t, 'a', sizeof t);
            size_t sl = strlen(seps[k]);
            memcpy(t + at, seps[k], sl);
            filter_lines it;
            filter_lines_init(&it, t, 40);
            size_t s, e, lines = 0;
            while (filter_lines_next(&it, &s, &e)) lines++;
            CHECK(!it.simple);
            CHECK_EQ_INT(lines, 2);   /* the separator ends before byte 40 */
        }
    /* lookalikes are not separators: U+2026, U+00A0, U+201C */
    const char *t = "aaaaaaaaaaaaaaa\xe2\x80\xa6 aaaaaaaaaaaa\xc2\xa0 aaaaaaaa\xe2\x80\x9c\n";
    filter_lines it;
    filter_lines_init(&it, t, strlen(t));
    CHECK(it.simple);
}

TEST(c4_phrases_found_at_every_block_offset_in_any_case) {
    /* the vector screen looks at 16 positions at a time: each phrase, capitalised, at every
     * offset of a long line, removes that line (and nothing else does) */
    static const char *const phrases[] = { "JavaScript", "Terms of Use", "Privacy Policy", "Cookie Policy",
                                           "Uses Cookies", "use of COOKIES", "Use cookies", NULL };
    filter_cfg c = fast_defaults();
    c.c4_min_sentences = 0;
    for (int k = 0; phrases[k]; k++)
        for (int at = 0; at < 34; at++) {
            buf t = {0};
            for (int i = 0; i < at; i++) buf_addc(&t, i % 5 == 4 ? ' ' : 'q');
            buf_printf(&t, " %s here and more words.\nA kept line of words.", phrases[k]);
            filter_signals sg;
            filter_fail ff;
            const char *out;
            size_t outlen;
            int changed;
            filter_state *st = fast_state(&c);
            CHECK(filter_c4(st, &c, t.p, t.len, 1, &sg, &ff, &out, &outlen, &changed, ferr) == 0);
            CHECK_EQ_MEM(out, outlen, "A kept line of words.", strlen("A kept line of words."));
            buf_free(&t);
        }
}

/* datatrove's find_duplicates over text_paragraphs / re.split(r"\n+") pieces, directly */
static void naive_dups(const char *t, const text_spans *sp, double *frac, double *chars) {
    size_t d = 0, dc = 0;
    for (size_t i = 0; i < sp->n; i++)
        for (size_t j = 0; j < i; j++)
            if (sp->v[i].len == sp->v[j].len && !memcmp(t + sp->v[i].off, t + sp->v[j].off, sp->v[i].len)) {
                d++;
                dc += sp->v[i].len;
                break;
            }
    *frac = (double)d / (double)sp->n;
    *chars = (double)dc;
}

TEST(rep_paragraphs_and_lines_from_the_newline_list_match_direct_split) {
    static const char *const parts[] = { "ab", "a", " ", "\n", "\n\n", "\n\n\n", "b a", " \n" };
    uint64_t r = 5;
    filter_cfg c = fast_defaults();
    for (int iter = 0; iter < 400; iter++) {
        buf t = {0};
        int n = iter % 23;
        for (int i = 0; i < n; i++) buf_adds(&t, parts[lcg(&r) % 8]);
        buf_addc(&t, 0);
        t.len--;
        filter_signals sg;
        filter_fail ff;
        filter_state *st = fast_state(&c);
        CHECK(filter_gopher_rep(st, &c, t.p, t.len, 1, &sg, &ff, ferr) >= 0);
        double len = t.len ? (double)t.len : 1, f, ch;
        /* paragraphs: re.split(r"\n{2,}", text.strip()) */
        size_t a = 0, b = t.len;
        while (a < b && (t.p[a] == ' ' || t.p[a] == '\n')) a++;
        while (b > a && (t.p[b - 1] == ' ' || t.p[b - 1] == '\n')) b--;
        text_spans sp = {0};
        text_paragraphs(t.p + a, b - a, &sp);
        naive_dups(t.p + a, &sp, &f, &ch);
        CHECK_NEAR(sg.dup_para_frac, f, 1e-12);
        CHECK_NEAR(sg.dup_para_char_frac, ch / len, 1e-12);
        /* lines: re.split(r"\n+", text) */
        sp.n = 0;
        size_t s = 0, i = 0;
        for (;;) {
            while (i < t.len && t.p[i] != '\n') i++;
            if (i == t.len) break;
            size_t e = i;
            while (i < t.len && t.p[i] == '\n') i++;
            if (sp.n == sp.cap) { sp.cap = sp.cap ? 2 * sp.cap : 16; sp.v = realloc(sp.v, sp.cap * sizeof *sp.v); }
            sp.v[sp.n++] = (text_span){ (uint32_t)s, (uint32_t)(e - s) };
            s = i;
        }
        if (sp.n == sp.cap) { sp.cap = sp.cap ? 2 * sp.cap : 16; sp.v = realloc(sp.v, sp.cap * sizeof *sp.v); }
        sp.v[sp.n++] = (text_span){ (uint32_t)s, (uint32_t)(t.len - s) };
        naive_dups(t.p, &sp, &f, &ch);
        CHECK_NEAR(sg.dup_line_frac, f, 1e-12);
        CHECK_NEAR(sg.dup_line_char_frac, ch / len, 1e-12);
        text_spans_free(&sp);
        buf_free(&t);
    }
}
