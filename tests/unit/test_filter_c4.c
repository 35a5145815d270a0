/* Unit tests of filters/filter_c4.c and filter_fineweb.c: exactly which lines C4 removes, its
 * page rules, every FineWeb threshold just under and just over, Korean and Chinese words. */
#include "test.h"
#include "../../filters/filter.h"
#include "../../pipeline/stage.h"
#include <stdlib.h>

extern const stage_class filter_stage;
static char cerr[ERR_MAX];

static filter_cfg cdefaults(void) {
    static filter_cfg d;
    static int done;
    if (!done) { opt_defaults(filter_stage.opts, &d); done = 1; }
    return d;
}
static filter_state *cstate(const filter_cfg *c) {
    static filter_state *st;
    if (!st) st = filter_state_new();
    filter_prepare(st, c, cerr);
    filter_begin(st);
    return st;
}

static filter_signals csg;
static filter_fail cff;
static const char *out;
static size_t outlen;
static int c4(const filter_cfg *c, const char *t) {
    int changed;
    memset(&cff, 0, sizeof cff);
    return filter_c4(cstate(c), c, t, strlen(t), 0, &csg, &cff, &out, &outlen, &changed, cerr);
}
static int fineweb(const filter_cfg *c, const char *t) {
    memset(&cff, 0, sizeof cff);
    return filter_fineweb(cstate(c), c, t, strlen(t), 0, &csg, &cff, cerr);
}
static const char *cfail(void) {
    static buf b;
    buf_reset(&b);
    filter_fail_format(&cff, &b);
    return b.p;
}

TEST(c4_line_edits_remove_exactly_these_lines) {
    filter_cfg c = cdefaults();
    const char *t =
        "Title line without punctuation\n"
        "This is a good sentence.\n"
        "Too short.\n"
        "Enable JavaScript to view this page.\n"
        "We use cookies to improve your experience.\n"
        "Read our Privacy Policy before you go.\n"
        "A citation here is fine.[1]\n"
        "Wikipedia says so [edit] and more.\n"
        "Trailing citation. [citation needed]\n"
        "It ends with an ellipsis...\n"
        "He said \"hello there friend.\"\n"
        "   Indented line is stripped!   \n"
        "\n"
        "Is it 'quoted'\n"
        "A line with { but no end punctuation\n";
    CHECK_EQ_INT(c4(&c, t), 0);
    const char *want =
        "This is a good sentence.\n"
        "A citation here is fine.\n"
        "Wikipedia says so  and more.\n"
        "He said \"hello there friend.\"\n"
        "Indented line is stripped!\n"
        "Is it 'quoted'";
    CHECK_EQ_MEM(out, outlen, want, strlen(want));
    CHECK_EQ_INT(csg.c4_lines, 15);
    CHECK_EQ_INT(csg.c4_lines_kept, 6);
}

TEST(c4_no_terminal_punct_option_keeps_unpunctuated_lines) {
    filter_cfg c = cdefaults();
    c.c4_filter_no_terminal_punct = 0;
    c.c4_min_sentences = -1;
    CHECK_EQ_INT(c4(&c, "no punctuation at all here\nand none here either"), 0);
    CHECK_EQ_INT(csg.c4_lines_kept, 2);
}

TEST(c4_lorem_ipsum_drops_the_page) {
    filter_cfg c = cdefaults();
    CHECK_EQ_INT(c4(&c, "One two three.\nLorem Ipsum dolor sit amet.\n"), 1);
    CHECK_EQ_STR(cfail(), "contains \"lorem ipsum\"");
}

TEST(c4_curly_bracket_drops_the_page_only_on_a_surviving_line) {
    filter_cfg c = cdefaults();
    c.c4_min_sentences = 1;
    CHECK_EQ_INT(c4(&c, "function f() { return 1; }\nThis line is a fine one.\n"), 0);   /* no end punct */
    CHECK_EQ_INT(c4(&c, "We write f() { return 1; } here.\nThis line is a fine one.\n"), 1);
    CHECK_EQ_STR(cfail(), "contains '{'");
}

TEST(c4_min_sentences_5_boundary) {
    filter_cfg c = cdefaults();
    CHECK_EQ_INT(c4(&c, "Line one is here.\nLine two is here.\nLine three is here.\nLine four is here.\n"), 1);
    CHECK_EQ_STR(cfail(), "sentences 4 < 5");
    CHECK_EQ_INT(c4(&c, "Line one is here.\nLine two is here.\nLine three is here.\nLine four is here.\nAnd five is here.\n"), 0);
}

TEST(c4_sentences_are_counted_within_lines) {
    filter_cfg c = cdefaults();
    CHECK_EQ_INT(c4(&c, "One is here. Two is here.\nThree is here. Four is here! Five?\n"), 0);
    CHECK_EQ_INT(csg.c4_sentences, 5);
}

TEST(c4_min_words_per_line_3_boundary) {
    filter_cfg c = cdefaults();
    c.c4_min_sentences = -1;
    c4(&c, "One two three.\nOne two.\n");
    CHECK_EQ_MEM(out, outlen, "One two three.", 14);
}

TEST(c4_max_word_length_1000_boundary_counts_the_word_with_its_punctuation) {
    filter_cfg c = cdefaults();
    c.c4_min_sentences = -1;
    buf b = {0};
    buf_adds(&b, "a b ");
    for (int i = 0; i < 999; i++) buf_addc(&b, 'x');    /* "xx...x." = 1000 */
    buf_adds(&b, ".\na b ");
    for (int i = 0; i < 1000; i++) buf_addc(&b, 'y');   /* "yy...y." = 1001 */
    buf_adds(&b, ".\n");
    c4(&c, b.p);
    CHECK_EQ_INT(csg.c4_lines_kept, 1);
    CHECK_EQ_INT(out[4], 'x');
    buf_free(&b);
}

TEST(c4_policy_phrases_remove_lines_case_insensitively) {
    filter_cfg c = cdefaults();
    c.c4_min_sentences = -1;
    c4(&c, "See our TERMS OF USE for details.\nThis site USES COOKIES sometimes.\nA cookie is tasty to eat.\n");
    CHECK_EQ_MEM(out, outlen, "A cookie is tasty to eat.", 25);
}

TEST(c4_spaceless_language_counts_icu_words_per_line) {
    filter_cfg c = cdefaults();
    c.c4_min_sentences = -1;
    c.lang = "zh";
    /* 我们今天去北京大学。 one whitespace word, several ICU words */
    c4(&c, "\xe6\x88\x91\xe4\xbb\xac\xe4\xbb\x8a\xe5\xa4\xa9\xe5\x8e\xbb\xe5\x8c\x97\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6\xe3\x80\x82");
    CHECK_EQ_INT(csg.c4_lines_kept, 1);
    c.lang = "en";
    c4(&c, "\xe6\x88\x91\xe4\xbb\xac\xe4\xbb\x8a\xe5\xa4\xa9\xe5\x8e\xbb\xe5\x8c\x97\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6\xe3\x80\x82");
    CHECK_EQ_INT(csg.c4_lines_kept, 0);   /* English: no '.', one word */
}

/* ---- fineweb ---- */

static filter_cfg fw_none(void) {
    filter_cfg c = cdefaults();
    c.fineweb_line_punct_thr = c.fineweb_short_line_thr = c.fineweb_char_dup_ratio = c.fineweb_new_line_ratio = 0;
    return c;
}

/* n lines "line number i", the first k ending in '.' */
static char *fw_lines(int n, int k) {
    buf b = {0};
    for (int i = 0; i < n; i++) {
        if (i) buf_addc(&b, '\n');
        buf_printf(&b, "line number %d%s", i, i < k ? "." : "");
    }
    return b.p;
}

TEST(fineweb_line_punct_0_12_boundary) {
    filter_cfg c = fw_none();
    c.fineweb_line_punct_thr = 0.12;
    char *a = fw_lines(25, 3), *b = fw_lines(25, 4);
    CHECK_EQ_INT(fineweb(&c, a), 1);                /* 0.12 <= 0.12 */
    CHECK_EQ_STR(cfail(), "line_punct_ratio 0.12 <= 0.12");
    CHECK_EQ_INT(fineweb(&c, b), 0);                /* 0.16 */
    free(a); free(b);
}

TEST(fineweb_line_punct_exclude_zero) {
    filter_cfg c = fw_none();
    c.fineweb_line_punct_thr = 0.12;
    char *a = fw_lines(5, 0);
    CHECK_EQ_INT(fineweb(&c, a), 1);
    c.fineweb_line_punct_exclude_zero = 1;
    CHECK_EQ_INT(fineweb(&c, a), 0);
    free(a);
}

TEST(fineweb_line_end_is_not_stripped) {
    filter_cfg c = fw_none();
    fineweb(&c, "ends with a dot. \nends with a dot.\r");
    CHECK_NEAR(csg.line_punct_ratio, 0, 0);
}

TEST(fineweb_short_lines_0_67_boundary) {
    filter_cfg c = fw_none();
    c.fineweb_short_line_thr = 0.67;
    const char *longl = "this line is certainly longer than thirty characters";
    buf a = {0}, b = {0};
    for (int i = 0; i < 100; i++) {
        if (i) { buf_addc(&a, '\n'); buf_addc(&b, '\n'); }
        buf_adds(&a, i < 67 ? "short" : longl);
        buf_adds(&b, i < 66 ? "short" : longl);
    }
    CHECK_EQ_INT(fineweb(&c, a.p), 1);
    CHECK_EQ_STR(cfail(), "short_line_ratio 0.67 >= 0.67");
    CHECK_EQ_INT(fineweb(&c, b.p), 0);
    buf_free(&a); buf_free(&b);
}

TEST(fineweb_short_line_is_at_most_30_code_points) {
    filter_cfg c = fw_none();
    fineweb(&c, "\xc3\xa9xxxxxxxxxxxxxxxxxxxxxxxxxxxxx");   /* 30 code points, 31 bytes */
    CHECK_NEAR(csg.short_line_ratio, 1, 0);
    fineweb(&c, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");           /* 31 */
    CHECK_NEAR(csg.short_line_ratio, 0, 0);
}

TEST(fineweb_char_dup_0_01_boundary) {
    filter_cfg c = fw_none();
    c.fineweb_char_dup_ratio = 0.01;
    buf a = {0}, b = {0};
    buf_adds(&a, "aaaaaaaaaa\naaaaaaaaaa\n");
    buf_adds(&b, "aaaaaaaaaa\naaaaaaaaaa\n");
    for (int i = 0; i < 980; i++) buf_addc(&a, 'x');     /* 10 / 1000 */
    for (int i = 0; i < 981; i++) buf_addc(&b, 'x');     /* 10 / 1001 */
    CHECK_EQ_INT(fineweb(&c, a.p), 1);
    CHECK_EQ_INT(fineweb(&c, b.p), 0);
    buf_free(&a); buf_free(&b);
}

TEST(fineweb_char_dup_ignores_blank_lines) {
    filter_cfg c = fw_none();
    fineweb(&c, "a\n   \n   \n\nb");
    CHECK_NEAR(csg.char_dup_ratio, 0, 0);
}

TEST(fineweb_new_line_ratio_0_3_boundary) {
    filter_cfg c = fw_none();
    c.fineweb_new_line_ratio = 0.3;
    CHECK_EQ_INT(fineweb(&c, "w1 w2 w3\nw4 w5\nw6 w7\nw8 w9 w10"), 0);     /* 3 / 10 */
    CHECK_EQ_INT(fineweb(&c, "w1 w2 w3\nw4 w5\nw6 w7\nw8\nw9 w10"), 1);    /* 4 / 10 */
    CHECK_EQ_STR(cfail(), "new_line_ratio 0.4 > 0.3");
}

/* ---- other scripts ---- */

static const char *KO =
    "\xec\x98\xa4\xeb\x8a\x98\xec\x9d\x80 \xeb\x82\xa0\xec\x94\xa8\xea\xb0\x80 \xeb\xa7\x91\xea\xb3\xa0 "
    "\xeb\x94\xb0\xeb\x9c\xbb\xed\x95\xb4\xec\x84\x9c \xea\xb3\xb5\xec\x9b\x90\xec\x97\x90 "
    "\xec\x82\xb0\xec\xb1\x85\xed\x95\x98\xeb\x9f\xac \xea\xb0\x94\xec\x8a\xb5\xeb\x8b\x88\xeb\x8b\xa4. "
    "\xec\x82\xac\xeb\x9e\x8c\xeb\x93\xa4\xec\x9d\xb4 \xeb\xa7\x8e\xec\x9d\xb4 \xeb\x82\x98\xec\x99\x80 "
    "\xec\x9e\x88\xec\x97\x88\xec\x8a\xb5\xeb\x8b\x88\xeb\x8b\xa4.";   /* 오늘은 날씨가 맑고 따뜻해서 공원에 산책하러 갔습니다. 사람들이 많이 나와 있었습니다. */

static const char *ZH =
    "\xe4\xbb\x8a\xe5\xa4\xa9\xe5\xa4\xa9\xe6\xb0\x94\xe5\xbe\x88\xe5\xa5\xbd\xef\xbc\x8c"
    "\xe6\x88\x91\xe4\xbb\xac\xe5\x8e\xbb\xe5\x85\xac\xe5\x9b\xad\xe6\x95\xa3\xe6\xad\xa5\xe3\x80\x82"
    "\xe5\x85\xac\xe5\x9b\xad\xe9\x87\x8c\xe6\x9c\x89\xe5\xbe\x88\xe5\xa4\x9a\xe4\xba\xba\xe3\x80\x82";   /* 今天天气很好，我们去公园散步。公园里有很多人。 */

TEST(korean_document_has_space_separated_words) {
    filter_cfg c = cdefaults();
    filter_state *st = cstate(&c);
    CHECK(filter_words(st, KO, strlen(KO), cerr) == 0);
    size_t words = 0;
    for (size_t i = 0; i < st->nw; i++) words += !st->w[i].symbol;
    CHECK_EQ_INT(words, 11);
    CHECK(st->w[0].alpha);
    CHECK_EQ_INT(st->w[0].chars, 3);   /* 오늘은 */
}

TEST(chinese_document_gets_dictionary_words) {
    filter_cfg c = cdefaults();
    filter_state *st = cstate(&c);
    CHECK(filter_words(st, ZH, strlen(ZH), cerr) == 0);
    size_t words = 0, chars = 0;
    for (size_t i = 0; i < st->nw; i++) if (!st->w[i].symbol) { words++; chars += st->w[i].chars; }
    CHECK_EQ_INT(chars, 20);
    CHECK(words >= 8 && words <= 14);   /* words of 1-2 characters, not 19 characters nor 1 word */
}

TEST(chinese_and_korean_lines_end_in_terminal_punct_with_lang) {
    filter_cfg c = cdefaults();
    c.lang = "zh";
    filter_state *st = cstate(&c);
    CHECK(filter_ends_terminal(st, ZH, strlen(ZH)));
    c.lang = "en";
    st = cstate(&c);
    CHECK(!filter_ends_terminal(st, ZH, strlen(ZH)));
    CHECK(filter_ends_terminal(st, KO, strlen(KO)));
}
