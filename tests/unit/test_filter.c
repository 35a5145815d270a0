/* Unit tests of filters/filter_gopher.c and filter_gopher_rep.c: every threshold just under and
 * just over, each check isolated (the other thresholds of the rule set set to 0 = off), on short
 * inline documents; the n-gram fast path against the direct transcription of datatrove. */
#include "test.h"
#include "../../filters/filter.h"
#include "../../pipeline/stage.h"
#include <stdlib.h>

extern const stage_class filter_stage;
static char ferr[ERR_MAX];

/* defaults of the option table (built once; its strings live for the whole run) */
static filter_cfg defaults(void) {
    static filter_cfg d;
    static int done;
    if (!done) { opt_defaults(filter_stage.opts, &d); done = 1; }
    return d;
}

/* defaults with every gopher, gopher-rep and fineweb threshold off */
static filter_cfg none(void) {
    filter_cfg c = defaults();
    c.min_words = c.max_words = c.min_stop_words = 0;
    c.min_avg_word_length = c.max_avg_word_length = c.max_hash_word_ratio = c.max_ellipsis_word_ratio = 0;
    c.max_bullet_lines_ratio = c.max_ellipsis_lines_ratio = c.min_alpha_words_ratio = 0;
    c.max_dup_para_frac = c.max_dup_para_char_frac = c.max_dup_line_frac = c.max_dup_line_char_frac = 0;
    for (int i = 0; i < 3; i++) c.max_top_ngram_frac[i] = 0;
    for (int i = 0; i < 6; i++) c.max_dup_ngram_frac[i] = 0;
    c.fineweb_line_punct_thr = c.fineweb_short_line_thr = c.fineweb_char_dup_ratio = c.fineweb_new_line_ratio = 0;
    return c;
}

static filter_state *state(const filter_cfg *c) {
    static filter_state *st;
    if (!st) st = filter_state_new();
    filter_prepare(st, c, ferr);
    filter_begin(st);
    return st;
}

static filter_signals sg;
static filter_fail ff;
static int gopher(const filter_cfg *c, const char *t) {
    memset(&ff, 0, sizeof ff);
    return filter_gopher(state(c), c, t, strlen(t), 0, &sg, &ff, ferr);
}
static int rep(const filter_cfg *c, const char *t) {
    memset(&ff, 0, sizeof ff);
    return filter_gopher_rep(state(c), c, t, strlen(t), 0, &sg, &ff, ferr);
}

/* "the and " then n-2 words "apple" (mean length ~5, 2 stop words) */
static char *words_doc(int n, const char *word) {
    buf b = {0};
    buf_adds(&b, "the and");
    for (int i = 2; i < n; i++) { buf_addc(&b, ' '); buf_adds(&b, word); }
    return b.p;
}

static const char *fail_text(void) {
    static buf b;
    buf_reset(&b);
    filter_fail_format(&ff, &b);
    return b.p;
}

TEST(gopher_keeps_ordinary_prose_with_defaults) {
    filter_cfg c = defaults();
    const char *t =
        "The committee met on Tuesday to discuss the budget for the coming year. Members agreed that the\n"
        "library and the museum should receive more money, and that the roads would have to wait.\n"
        "After a long debate, the chairman said that the final vote will be held next week, with the\n"
        "results published in the local paper. Most residents seem to support the plan.";
    CHECK_EQ_INT(gopher(&c, t), 0);
    CHECK(sg.words > 60);
}

TEST(gopher_min_words_50_boundary) {
    filter_cfg c = none();
    c.min_words = 50;
    char *a = words_doc(50, "apple"), *b = words_doc(49, "apple");
    CHECK_EQ_INT(gopher(&c, a), 0);
    CHECK_EQ_INT(gopher(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "words 49 < 50");
    free(a); free(b);
}

TEST(gopher_max_words_100000_boundary) {
    filter_cfg c = none();
    c.max_words = 100000;
    char *a = words_doc(100000, "pear"), *b = words_doc(100001, "pear");
    CHECK_EQ_INT(gopher(&c, a), 0);
    CHECK_EQ_INT(gopher(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "words 100001 > 100000");
    free(a); free(b);
}

TEST(gopher_symbol_words_do_not_count_as_words) {
    filter_cfg c = none();
    c.min_words = 3;
    CHECK_EQ_INT(gopher(&c, "one two , . ; --- ..."), 1);
    CHECK_EQ_INT(sg.words, 2);
    CHECK_EQ_INT(sg.tokens, 7);
}

TEST(gopher_min_mean_word_length_3_boundary) {
    filter_cfg c = none();
    c.min_avg_word_length = 3;
    CHECK_EQ_INT(gopher(&c, "abc abc abc abc"), 0);          /* 3.0 */
    CHECK_EQ_INT(gopher(&c, "abc abc abc ab"), 1);           /* 2.75 */
    CHECK_EQ_STR(fail_text(), "mean_word_length 2.75 < 3");
}

TEST(gopher_max_mean_word_length_10_boundary) {
    filter_cfg c = none();
    c.max_avg_word_length = 10;
    CHECK_EQ_INT(gopher(&c, "abcdefghij abcdefghijk abcdefghi"), 0);     /* 10.0 */
    CHECK_EQ_INT(gopher(&c, "abcdefghij abcdefghijk abcdefghij"), 1);    /* 10.33 */
    CHECK_EQ_STR(fail_text(), "mean_word_length 10.3 > 10");
}

TEST(gopher_mean_word_length_counts_code_points) {
    filter_cfg c = none();
    gopher(&c, "caf\xc3\xa9 na\xc3\xafve");   /* café naïve: 4 and 5 */
    CHECK_NEAR(sg.mean_word_length, 4.5, 1e-12);
}

/* 54 words and k symbol tokens `sym` between them */
static char *sym_doc(int k, const char *sym) {
    buf b = {0};
    for (int i = 0; i < 54; i++) {
        if (i) buf_addc(&b, ' ');
        buf_adds(&b, "word");
        if (i < k) { buf_addc(&b, ' '); buf_adds(&b, sym); }
    }
    return b.p;
}

TEST(gopher_hash_ratio_0_1_boundary) {
    filter_cfg c = none();
    c.max_hash_word_ratio = 0.1;
    char *a = sym_doc(6, "#"), *b = sym_doc(7, "#");
    CHECK_EQ_INT(gopher(&c, a), 0);                           /* 6 / 60 */
    CHECK_NEAR(sg.hash_word_ratio, 0.1, 1e-12);
    CHECK_EQ_INT(gopher(&c, b), 1);                           /* 7 / 61 */
    CHECK_EQ_STR(fail_text(), "hash_word_ratio 0.115 > 0.1");
    free(a); free(b);
}

TEST(gopher_ellipsis_ratio_0_1_boundary_counts_both_forms) {
    filter_cfg c = none();
    c.max_ellipsis_word_ratio = 0.1;
    char *a = sym_doc(6, "..."), *b = sym_doc(7, "\xe2\x80\xa6");
    CHECK_EQ_INT(gopher(&c, a), 0);
    CHECK_NEAR(sg.ellipsis_word_ratio, 0.1, 1e-12);
    CHECK_EQ_INT(gopher(&c, b), 1);
    free(a); free(b);
}

TEST(gopher_ellipsis_count_is_python_str_count) {
    filter_cfg c = none();
    gopher(&c, "a ...... b ..... c");   /* "......" = 2, "....." = 1 */
    CHECK_NEAR(sg.ellipsis_word_ratio, 3.0 / 5.0, 1e-12);
}

/* 10 lines, the first k starting with `head` */
static char *lines_doc(int k, const char *head, const char *tail) {
    buf b = {0};
    for (int i = 0; i < 10; i++) {
        if (i < k) buf_adds(&b, head);
        buf_adds(&b, "some words on this line");
        if (i < k && tail) buf_adds(&b, tail);
        buf_addc(&b, '\n');
    }
    return b.p;
}

TEST(gopher_bullet_lines_0_9_boundary) {
    filter_cfg c = none();
    c.max_bullet_lines_ratio = 0.9;
    char *a = lines_doc(9, "  - ", NULL), *b = lines_doc(10, "\xe2\x80\xa2 ", NULL);
    CHECK_EQ_INT(gopher(&c, a), 0);
    CHECK_NEAR(sg.bullet_lines_ratio, 0.9, 1e-12);   /* splitlines: no empty last line */
    CHECK_EQ_INT(gopher(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "bullet_lines_ratio 1 > 0.9");
    free(a); free(b);
}

TEST(gopher_ellipsis_lines_0_3_boundary) {
    filter_cfg c = none();
    c.max_ellipsis_lines_ratio = 0.3;
    char *a = lines_doc(3, "", "...  "), *b = lines_doc(4, "", "\xe2\x80\xa6");
    CHECK_EQ_INT(gopher(&c, a), 0);
    CHECK_EQ_INT(gopher(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "ellipsis_lines_ratio 0.4 > 0.3");
    free(a); free(b);
}

TEST(gopher_alpha_words_0_8_boundary) {
    filter_cfg c = none();
    c.min_alpha_words_ratio = 0.8;
    buf a = {0}, b = {0};
    for (int i = 0; i < 48; i++) { buf_adds(&a, "word "); buf_adds(&b, "word "); }
    for (int i = 0; i < 12; i++) buf_adds(&a, "123 ");
    for (int i = 0; i < 13; i++) buf_adds(&b, "123 ");
    CHECK_EQ_INT(gopher(&c, a.p), 0);                          /* 48 / 60 */
    CHECK_EQ_INT(gopher(&c, b.p), 1);                          /* 48 / 61 */
    CHECK_EQ_STR(fail_text(), "alpha_words_ratio 0.787 < 0.8");
    buf_free(&a); buf_free(&b);
}

TEST(gopher_stop_words_2_boundary_case_sensitive) {
    filter_cfg c = none();
    c.min_stop_words = 2;
    CHECK_EQ_INT(gopher(&c, "the cat sat with a hat"), 0);
    CHECK_EQ_INT(gopher(&c, "The cat sat on a hat with"), 1);   /* "The" is not "the" (datatrove) */
    CHECK_EQ_STR(fail_text(), "stop_words 1 < 2");
}

TEST(gopher_stop_words_follow_lang_and_option) {
    filter_cfg c = none();
    c.min_stop_words = 2;
    c.lang = "de";
    CHECK_EQ_INT(gopher(&c, "der Hund und die Katze"), 0);
    c.lang = "ko";   /* no list: the check is off */
    CHECK_EQ_INT(gopher(&c, "nothing here"), 0);
    c.stop_words = "foo, bar";
    CHECK_EQ_INT(gopher(&c, "foo x bar"), 0);
    CHECK_EQ_INT(gopher(&c, "foo x baz"), 1);
}

/* ---- gopher-rep ---- */

TEST(rep_dup_para_frac_0_3_boundary) {
    filter_cfg c = none();
    c.max_dup_para_frac = 0.3;
    const char *a = "p1\n\np2\n\np3\n\np4\n\np5\n\np6\n\np7\n\np1\n\np2\n\np3";
    const char *b = "p1\n\np2\n\np3\n\np4\n\np5\n\np6\n\np1\n\np2\n\np3\n\np4";
    CHECK_EQ_INT(rep(&c, a), 0);
    CHECK_EQ_INT(rep(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "dup_para_frac 0.4 > 0.3");
}

TEST(rep_paragraphs_split_on_stripped_text) {
    filter_cfg c = none();
    rep(&c, "\n\n\nx\n\n\n\ny\n\nx\n\n");   /* strip(), then \n{2,}: x y x */
    CHECK_NEAR(sg.dup_para_frac, 1.0 / 3.0, 1e-12);
}

TEST(rep_dup_para_char_frac_0_2_boundary) {
    filter_cfg c = none();
    c.max_dup_para_char_frac = 0.2;
    char a[128], b[128];
    snprintf(a, sizeof a, "aaaaaaaaaa\n\naaaaaaaaaa\n\n%.26s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");   /* 10/50 */
    snprintf(b, sizeof b, "aaaaaaaaaa\n\naaaaaaaaaa\n\n%.25s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");   /* 10/49 */
    CHECK_EQ_INT(rep(&c, a), 0);
    CHECK_EQ_INT(rep(&c, b), 1);
    CHECK_EQ_STR(fail_text(), "dup_para_char_frac 0.204 > 0.2");
}

TEST(rep_dup_line_frac_0_3_boundary) {
    filter_cfg c = none();
    c.max_dup_line_frac = 0.3;
    CHECK_EQ_INT(rep(&c, "a\nb\nc\nd\ne\nf\ng\na\nb\nc"), 0);
    CHECK_EQ_INT(rep(&c, "a\nb\nc\nd\ne\nf\na\nb\nc\nd"), 1);
}

TEST(rep_lines_split_on_newline_runs_of_unstripped_text) {
    filter_cfg c = none();
    rep(&c, "\nx\n\n\ny\n");   /* re.split("\n+"): '', x, y, '' -> one duplicate ('') */
    CHECK_NEAR(sg.dup_line_frac, 0.25, 1e-12);
}

TEST(rep_dup_line_char_frac_0_2_boundary) {
    filter_cfg c = none();
    c.max_dup_line_char_frac = 0.2;
    char a[128], b[128];
    snprintf(a, sizeof a, "aaaaaaaaaa\naaaaaaaaaa\n%.28s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");   /* 10/50 */
    snprintf(b, sizeof b, "aaaaaaaaaa\naaaaaaaaaa\n%.27s", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    CHECK_EQ_INT(rep(&c, a), 0);
    CHECK_EQ_INT(rep(&c, b), 1);
}

/* "g " + ... twice around a filler word padded so that len(text) == total */
static char *gram_doc(const char *gram, int total) {
    int fill = total - 2 * (int)strlen(gram) - 2;
    buf b = {0};
    buf_adds(&b, gram);
    buf_addc(&b, ' ');
    for (int i = 0; i < fill; i++) buf_addc(&b, 'z');
    buf_addc(&b, ' ');
    buf_adds(&b, gram);
    return b.p;
}

TEST(rep_top_ngram_boundaries_2_3_4) {
    static const struct { int k; double thr; const char *gram; int pass_len; } cs[] = {
        { 0, 0.20, "xx yy", 50 },          /* 2 x 5 = 10 chars; 10/50 = 0.2 */
        { 1, 0.18, "xx yy ww", 89 },       /* 16/89 = 0.1798 */
        { 2, 0.16, "xx yy ww vv", 138 },   /* 22/138 = 0.1594 */
    };
    for (int i = 0; i < 3; i++) {
        filter_cfg c = none();
        c.max_top_ngram_frac[cs[i].k] = cs[i].thr;
        char *a = gram_doc(cs[i].gram, cs[i].pass_len), *b = gram_doc(cs[i].gram, cs[i].pass_len - 1);
        CHECK_EQ_INT(rep(&c, a), 0);
        CHECK_EQ_INT(rep(&c, b), 1);
        char want[32];
        snprintf(want, sizeof want, "top_%dgram_frac", cs[i].k + 2);
        CHECK_EQ_STR(ff.check, want);
        free(a); free(b);
    }
}

TEST(rep_dup_ngram_boundaries_5_to_10) {
    static const double thr[6] = { 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 };
    for (int k = 0; k < 6; k++) {
        int n = k + 5;
        char gram[64] = "";
        for (int i = 0; i < n; i++) { char w[3] = { (char)('a' + i), ' ', 0 }; strcat(gram, w); }
        gram[strlen(gram) - 1] = 0;
        int pass_len = 0;
        while ((double)n / pass_len > thr[k]) pass_len++;     /* smallest length at the threshold */
        filter_cfg c = none();
        c.max_dup_ngram_frac[k] = thr[k];
        char *a = gram_doc(gram, pass_len), *b = gram_doc(gram, pass_len - 1);
        CHECK_EQ_INT(rep(&c, a), 0);
        CHECK_EQ_INT(rep(&c, b), 1);
        free(a); free(b);
    }
}

/* n-gram statistics of a text through both paths */
static int ngrams(const char *t, uint64_t top[3], uint64_t dup[6]) {
    filter_cfg c = none();
    filter_state *st = state(&c);
    if (filter_words(st, t, strlen(t), ferr)) return -1;
    uint64_t t2[3], d2[6];
    filter_rep_ngrams(st, 0, top, dup);
    filter_rep_ngrams(st, 1, t2, d2);
    return memcmp(top, t2, sizeof t2) || memcmp(dup, d2, sizeof d2);
}

TEST(rep_top_ngram_ties_go_to_the_first_occurrence) {
    uint64_t top[3], dup[6];
    CHECK_EQ_INT(ngrams("a b a b cc dd cc dd", top, dup), 0);
    CHECK_EQ_INT(top[0], 6);    /* "a b" x 2, not "cc dd" x 2 */
}

TEST(rep_all_unique_ngrams_count_the_first) {
    uint64_t top[3], dup[6];
    CHECK_EQ_INT(ngrams("aaa b c d", top, dup), 0);
    CHECK_EQ_INT(top[0], 5);    /* "aaa b" */
    CHECK_EQ_INT(top[2], 9);    /* "aaa b c d" */
}

TEST(rep_find_all_duplicate_jumps_past_a_match) {
    uint64_t top[3], dup[6];
    CHECK_EQ_INT(ngrams("a a a a a a a a a a", top, dup), 0);
    CHECK_EQ_INT(dup[0], 5);    /* idx 0 new, idx 1 dup -> idx 6: no room */
    CHECK_EQ_INT(ngrams("a a a a a a a a a a a a", top, dup), 0);
    CHECK_EQ_INT(dup[0], 10);
    CHECK_EQ_INT(dup[5], 10);   /* n = 10: idx 0 new, idx 1 repeats it */
}

TEST(rep_fast_ngrams_match_direct_transcription_on_random_text) {
    static const char *const vocab[] = { "a", "b", "c", "the", "of", "and", ".", ",", "xy", "z" };
    uint64_t r = 99;
    for (int iter = 0; iter < 300; iter++) {
        buf b = {0};
        int n = 1 + iter % 120, v = 2 + iter % 9;
        for (int i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            buf_adds(&b, vocab[(r >> 33) % (uint64_t)v]);
            buf_addc(&b, ' ');
        }
        uint64_t top[3], dup[6];
        int diff = ngrams(b.p, top, dup);
        if (diff) { test_fail(__FILE__, __LINE__, "fast != naive on '%s'", b.p); buf_free(&b); return; }
        buf_free(&b);
    }
}

TEST(rep_empty_text_is_all_zero) {
    filter_cfg c = defaults();
    CHECK_EQ_INT(rep(&c, ""), 0);
    CHECK_NEAR(sg.dup_line_char_frac, 0, 0);
}

TEST(words_fused_ascii_path_matches_the_text_words_path) {
    const char alphabet[] = "aZ09_.,;:'\" \n\r\t-#!?()x@\x01";
    filter_cfg c = none();
    filter_state *a = filter_state_new(), *b = filter_state_new(), *sc = filter_state_new();
    filter_prepare(a, &c, ferr);
    filter_prepare(b, &c, ferr);
    filter_prepare(sc, &c, ferr);
    b->no_fused = 1;
    sc->no_fused = 2;
    char s[256];
    uint64_t r = 7;
    for (int iter = 0; iter < 5000; iter++) {
        size_t n = 1 + iter % 150;   /* across 64-byte chunks */
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            s[i] = (iter & 1) ? alphabet[(r >> 33) % (sizeof alphabet - 1)]
                              : "aaaaaaaaaaaaaaa.b1,2 "[(r >> 33) % 21];   /* long runs across chunks */
        }
        s[n] = 0;
        filter_begin(a);
        filter_begin(b);
        filter_begin(sc);
        CHECK(filter_words(a, s, n, ferr) == 0 && filter_words(b, s, n, ferr) == 0 && filter_words(sc, s, n, ferr) == 0);
        for (int v = 0; v < 2; v++) {
            filter_state *x = v ? sc : a;
            int same = x->nw == b->nw;
            for (size_t i = 0; same && i < x->nw; i++)
                same = x->spans.v[i].off == b->spans.v[i].off && x->spans.v[i].len == b->spans.v[i].len &&
                       x->w[i].hash == b->w[i].hash && x->w[i].chars == b->w[i].chars &&
                       x->w[i].alpha == b->w[i].alpha && x->w[i].symbol == b->w[i].symbol;
            if (!same) { test_fail(__FILE__, __LINE__, "%s and generic words differ on '%s'", v ? "scalar" : "vector", s); goto out; }
        }
    }
out:
    filter_state_free(a);
    filter_state_free(b);
    filter_state_free(sc);
}

TEST(words_mixed_text_pieces_match_the_text_words_path) {
    static const char *const bits[] = { "a", "Z", "9", ".", ",", " ", "\n", "'", "-", "@", "_", "caf\xc3\xa9",
        "\xe2\x80\x9c", "\xe4\xb8\xad\xe6\x96\x87", "\xc2\xa0", "  ", "http://x.y/z", "e-mail" };
    filter_cfg c = none();
    filter_state *a = filter_state_new(), *b = filter_state_new();
    filter_prepare(a, &c, ferr);
    filter_prepare(b, &c, ferr);
    b->no_fused = 1;
    uint64_t r = 11;
    for (int iter = 0; iter < 2000; iter++) {
        buf s = {0};
        int n = 1 + iter % 200;
        for (int i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            /* mostly ASCII, so pieces of both kinds alternate */
            size_t k = (r >> 33) % (sizeof bits / sizeof *bits);
            if (k >= 11 && k <= 14 && (r >> 20) % 8) k = 0;
            buf_adds(&s, bits[k]);
        }
        filter_begin(a);
        filter_begin(b);
        CHECK(filter_words(a, s.p, s.len, ferr) == 0 && filter_words(b, s.p, s.len, ferr) == 0);
        int same = a->nw == b->nw;
        for (size_t i = 0; same && i < a->nw; i++)
            same = a->spans.v[i].off == b->spans.v[i].off && a->spans.v[i].len == b->spans.v[i].len &&
                   a->w[i].hash == b->w[i].hash && a->w[i].chars == b->w[i].chars &&
                   a->w[i].alpha == b->w[i].alpha && a->w[i].symbol == b->w[i].symbol;
        if (!same) { test_fail(__FILE__, __LINE__, "pieces and text_words differ on '%s'", s.p); buf_free(&s); break; }
        buf_free(&s);
    }
    filter_state_free(a);
    filter_state_free(b);
}
