/* Unit tests for filters/text.c: words (fast path == ICU), sentences, lines, paragraphs, scripts. */
#include "test.h"
#include "../../filters/text.h"
#include <stdlib.h>

static char terr[ERR_MAX];

/* words of s joined by '|' */
static const char *words_str(const char *s, int flags, int icu) {
    static char out[4096];
    static text_ctx *c;
    if (!c) c = text_ctx_new();
    text_spans sp = {0};
    int rc = icu ? text_words_icu(c, s, strlen(s), flags, &sp, terr) : text_words(c, s, strlen(s), flags, &sp, terr);
    if (rc) return "ERR";
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < sp.n && k + sp.v[i].len + 2 < sizeof out; i++) {
        if (i) out[k++] = '|';
        memcpy(out + k, s + sp.v[i].off, sp.v[i].len);
        k += sp.v[i].len;
    }
    out[k] = 0;
    text_spans_free(&sp);
    return out;
}

TEST(text_words_splits_on_icu_word_boundaries) {
    CHECK_EQ_STR(words_str("Don't stop, U.S.A. 3.14 1,000 e-mail foo_bar", 0, 0),
                 "Don't|stop|,|U.S.A|.|3.14|1,000|e|-|mail|foo_bar");
}

TEST(text_words_no_punct_drops_symbol_segments) {
    CHECK_EQ_STR(words_str("Hello, world... # __ _x", TEXT_WORDS_NO_PUNCT, 0), "Hello|world|_x");
}

TEST(text_words_skips_whitespace_segments) {
    CHECK_EQ_STR(words_str("  a\t\tb\r\n\nc  ", 0, 0), "a|b|c");
}

TEST(text_words_fast_path_matches_icu_on_tricky_ascii) {
    const char *cases[] = {
        "a.b a:b a'b 1.2 1,2 1;2 1'2 a1 1a a_1 _a a__ __ a.1 1.a a..b 1..2 a'", "x.y.z 3.4.5 'quoted' \"dq\" a-b",
        "tab\there\x01\x7f ctrl", "http://example.com/a?b=c&d=e#frag", "a:b:c", "a.'b", "me@x.org @@ a.@b 1@2 @", "1,a", "...", "a  \r\n\r b\v\fc",
        NULL };
    for (int i = 0; cases[i]; i++) {
        char fast[4096];
        for (int f = 0; f < 2; f++) {
            snprintf(fast, sizeof fast, "%s", words_str(cases[i], f, 0));
            CHECK_EQ_STR(fast, words_str(cases[i], f, 1));
        }
    }
}

TEST(text_words_fast_path_matches_icu_on_random_ascii) {
    const char alphabet[] = "aZ09_.,;:'\" \n\r\t-#!?()x@";
    char s[200];
    uint64_t r = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 1 + iter % 60;
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            s[i] = alphabet[(r >> 33) % (sizeof alphabet - 1)];
        }
        s[n] = 0;
        char fast[4096];
        int f = iter & 1;
        snprintf(fast, sizeof fast, "%s", words_str(s, f, 0));
        if (strcmp(fast, words_str(s, f, 1))) { test_fail(__FILE__, __LINE__, "'%s': fast '%s' icu '%s'", s, fast, words_str(s, f, 1)); return; }
    }
}

TEST(text_words_mixed_ascii_and_unicode_matches_icu) {
    const char *cases[] = { "caf\xc3\xa9 au lait, na\xc3\xafve r\xc3\xa9sum\xc3\xa9 and more words here",
        "He said \xe2\x80\x9chello\xe2\x80\x9d \xe2\x80\xa6 then left.\nNext line \xe2\x80\x94 ok",
        "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xed\x85\x8d\xec\x8a\xa4\xed\x8a\xb8 ascii tail", " \xcc\x81x a", NULL };
    for (int i = 0; cases[i]; i++) {
        char fast[4096];
        for (int f = 0; f < 2; f++) {
            snprintf(fast, sizeof fast, "%s", words_str(cases[i], f, 0));
            CHECK_EQ_STR(fast, words_str(cases[i], f, 1));
        }
    }
}

TEST(text_words_segments_chinese_into_words) {
    /* 我们今天去北京大学。 ICU's dictionary gives multi-character words, not one per char */
    const char *s = "\xe6\x88\x91\xe4\xbb\xac\xe4\xbb\x8a\xe5\xa4\xa9\xe5\x8e\xbb\xe5\x8c\x97\xe4\xba\xac\xe5\xa4\xa7\xe5\xad\xa6\xe3\x80\x82";
    text_ctx *c = text_ctx_new();
    text_spans sp = {0};
    CHECK(text_words(c, s, strlen(s), TEXT_WORDS_NO_PUNCT, &sp, terr) == 0);
    CHECK(sp.n >= 3 && sp.n < 9);
    CHECK_EQ_INT(sp.v[0].len, 6);   /* 我们 */
    text_spans_free(&sp);
    text_ctx_free(c);
}

TEST(text_words_splits_korean_on_spaces) {
    /* 안녕하세요 세계 */
    const char *s = "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94 \xec\x84\xb8\xea\xb3\x84";
    CHECK_EQ_STR(words_str(s, 0, 0), s == NULL ? "" : "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94|\xec\x84\xb8\xea\xb3\x84");
}

TEST(text_sentences_split_with_trailing_space) {
    text_ctx *c = text_ctx_new();
    text_spans sp = {0};
    const char *s = "One fish. Two fish! Red fish? Blue";
    CHECK(text_sentences(c, s, strlen(s), &sp, terr) == 0);
    CHECK_EQ_INT(sp.n, 4);
    CHECK_EQ_MEM(s + sp.v[0].off, sp.v[0].len, "One fish. ", 10);
    CHECK_EQ_MEM(s + sp.v[3].off, sp.v[3].len, "Blue", 4);
    text_spans_free(&sp);
    text_ctx_free(c);
}

TEST(text_lines_keep_empty_lines_and_cr) {
    text_spans sp = {0};
    text_lines("a\r\n\nb\n", 6, &sp);
    CHECK_EQ_INT(sp.n, 4);
    CHECK_EQ_INT(sp.v[0].len, 2);
    CHECK_EQ_INT(sp.v[1].len, 0);
    CHECK_EQ_INT(sp.v[2].off, 4);
    CHECK_EQ_INT(sp.v[3].len, 0);
    text_spans_free(&sp);
}

TEST(text_paragraphs_split_on_two_or_more_newlines) {
    text_spans sp = {0};
    const char *s = "p1\nstill\n\np2\n\n\n\np3";
    text_paragraphs(s, strlen(s), &sp);
    CHECK_EQ_INT(sp.n, 3);
    CHECK_EQ_MEM(s + sp.v[0].off, sp.v[0].len, "p1\nstill", 8);
    CHECK_EQ_MEM(s + sp.v[1].off, sp.v[1].len, "p2", 2);
    CHECK_EQ_MEM(s + sp.v[2].off, sp.v[2].len, "p3", 2);
    text_spans_free(&sp);
}

TEST(text_script_fraction_counts_letters_only) {
    /* "abc 123 дом": 3 Latin + 3 Cyrillic letters */
    const char *s = "abc 123 \xd0\xb4\xd0\xbe\xd0\xbc";
    CHECK_NEAR(text_script_fraction(s, strlen(s), "Latin"), 0.5, 1e-9);
    CHECK_NEAR(text_script_fraction(s, strlen(s), "Cyrl"), 0.5, 1e-9);
    CHECK_NEAR(text_script_fraction(s, strlen(s), "Nonesuch"), -1, 0);
    CHECK_NEAR(text_script_fraction("123", 3, "Latin"), 0, 0);
}

TEST(text_main_script_names_the_majority_script) {
    const char *s = "\xec\x95\x88\xeb\x85\x95 hi";
    CHECK_EQ_STR(text_main_script(s, strlen(s)), "Hang");
    CHECK_EQ_STR(text_main_script("hello", 5), "Latn");
}
