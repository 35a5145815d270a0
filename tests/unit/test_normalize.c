/* normalize: space collapsing, ICU NFKC_Casefold, datatrove's simplify_text; ASCII fast paths
 * equal to the ICU paths. Expected simplify outputs were produced by datatrove's simplify_text
 * (plus the documented final whitespace collapse). */
#include "test.h"
#include <stdlib.h>
#include "../../filters/normalize.h"

#define S(lit) lit, sizeof(lit) - 1

TEST(norm_space_collapses_runs_and_trims) {
    buf o = {0};
    norm_space(S("  a \t\n b\xc2\xa0\xe3\x80\x80" "c  "), &o);
    CHECK_EQ_STR(o.p, "a b c");
    norm_space(S(" \n "), &o);
    CHECK_EQ_INT(o.len, 0);
    norm_space(S("caf\xc3\xa9 ok"), &o);
    CHECK_EQ_STR(o.p, "caf\xc3\xa9 ok");
    buf_free(&o);
}

TEST(norm_nfkc_casefold_folds_compatibility_and_case) {
    norm_ctx *c = norm_ctx_new();
    buf o = {0};
    char err[ERR_MAX];
    CHECK_EQ_INT(norm_nfkc_casefold(c, S("\xef\xbc\xa1\xef\xbc\xa2 \xef\xac\x81ne Stra\xc3\x9f" "e"), &o, err), 0);
    CHECK_EQ_STR(o.p, "ab fine strasse");   /* fullwidth AB, fi ligature, sharp s */
    CHECK_EQ_INT(norm_nfkc_casefold(c, S("Cafe\xcc\x81"), &o, err), 0);
    CHECK_EQ_STR(o.p, "caf\xc3\xa9");         /* decomposed e + acute composes */
    CHECK_EQ_INT(norm_nfkc_casefold(c, S("Hello World"), &o, err), 0);
    CHECK_EQ_STR(o.p, "hello world");
    buf_free(&o);
    norm_ctx_free(c);
}

TEST(norm_nfkc_casefold_ascii_fast_path_matches_icu_for_every_byte) {
    norm_ctx *c = norm_ctx_new();
    buf a = {0}, b = {0};
    char err[ERR_MAX];
    for (int ch = 0; ch < 128; ch++) {
        char s[3] = { 'x', (char)ch, 'Y' };
        CHECK_EQ_INT(norm_nfkc_casefold(c, s, 3, &a, err), 0);
        CHECK_EQ_INT(norm_nfkc_casefold_icu(c, s, 3, &b, err), 0);
        CHECK_EQ_MEM(a.p, a.len, b.p, b.len);
    }
    buf_free(&a); buf_free(&b);
    norm_ctx_free(c);
}

static const struct { const char *in, *want; } simplify_cases[] = {
    { "Hello, World!  It's 2024 -- 1,000 items.", "hello world its 0 0 items" },
    { "Caf\xc3\xa9 Cr\xc3\xa8me \xc3\x80\xc3\x89\xc3\x8e", "cafe creme aei" },
    { "\xc2\xab\xc3\x87" "a va?\xc2\xbb \xe2\x80\x94 \xe2\x80\x9coui\xe2\x80\x9d", "ca va oui" },
    { "Stra\xc3\x9f" "e \xc4\xb0stanbul \xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3",
      "stra\xc3\x9f" "e istanbul \xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82" },
    { "\xe6\x9d\xb1\xe4\xba\xac\xe3\x80\x81\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94\xe5\xb9\xb4\xe3\x80\x82",
      "\xe6\x9d\xb1\xe4\xba\xac" "0\xe5\xb9\xb4" },
    { "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xed\x85\x8d\xec\x8a\xa4\xed\x8a\xb8\xec\x9e\x85\xeb\x8b\x88\xeb\x8b\xa4.",
      "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab\xe1\x84\x80\xe1\x85\xae\xe1\x86\xa8\xe1\x84\x8b\xe1\x85\xa5 "
      "\xe1\x84\x90\xe1\x85\xa6\xe1\x86\xa8\xe1\x84\x89\xe1\x85\xb3\xe1\x84\x90\xe1\x85\xb3\xe1\x84\x8b"
      "\xe1\x85\xb5\xe1\x86\xb8\xe1\x84\x82\xe1\x85\xb5\xe1\x84\x83\xe1\x85\xa1" },
    { "a\xcd\xbe" "b", "a;b" },   /* GREEK QUESTION MARK: NFD gives ';' after punctuation removal */
    { "x\xef\xbc\x91\xef\xbc\x92y", "x0y" },   /* fullwidth 1 is in datatrove's set, 2 is a digit */
    { "  tab\tand\xc2\xa0nbsp\xe3\x80\x80x  ", "tab and nbsp x" },
    { "\xef\xac\x81ne \xc2\xbd \xe2\x80\x98q\xe2\x80\x99", "\xef\xac\x81ne \xc2\xbd \xe2\x80\x98q" },
};

TEST(norm_simplify_matches_datatrove_simplify_text) {
    norm_ctx *c = norm_ctx_new();
    buf o = {0};
    char err[ERR_MAX];
    for (size_t i = 0; i < sizeof simplify_cases / sizeof simplify_cases[0]; i++) {
        CHECK_EQ_INT(norm_simplify(c, simplify_cases[i].in, strlen(simplify_cases[i].in), &o, err), 0);
        CHECK_EQ_STR(o.p, simplify_cases[i].want);
    }
    buf_free(&o);
    norm_ctx_free(c);
}

TEST(norm_simplify_ascii_fast_path_matches_icu_for_every_byte_pair) {
    norm_ctx *c = norm_ctx_new();
    buf a = {0}, b = {0};
    char err[ERR_MAX];
    for (int x = 0; x < 128; x++)
        for (int y = 0; y < 128; y += 3) {
            char s[6] = { 'A', (char)x, '1', (char)y, ' ', 'z' };
            CHECK_EQ_INT(norm_simplify(c, s, 6, &a, err), 0);
            CHECK_EQ_INT(norm_simplify_icu(c, s, 6, &b, err), 0);
            CHECK_EQ_MEM(a.p, a.len, b.p, b.len);
        }
    buf_free(&a); buf_free(&b);
    norm_ctx_free(c);
}

TEST(norm_simplify_ascii_fast_path_matches_icu_on_random_text) {
    norm_ctx *c = norm_ctx_new();
    buf a = {0}, b = {0};
    char err[ERR_MAX], s[200];
    const char alpha[] = "aZ09 .,-'\t\n\r\x01\x7f!x  Q(9)";
    uint64_t r = 88172645463325252ULL;
    for (int it = 0; it < 2000; it++) {
        size_t n = 0;
        for (; n < sizeof s; n++) {
            r ^= r << 13; r ^= r >> 7; r ^= r << 17;
            s[n] = alpha[r % (sizeof alpha - 1)];
        }
        n = r % sizeof s;
        CHECK_EQ_INT(norm_simplify(c, s, n, &a, err), 0);
        CHECK_EQ_INT(norm_simplify_icu(c, s, n, &b, err), 0);
        CHECK_EQ_MEM(a.p, a.len, b.p, b.len);
    }
    buf_free(&a); buf_free(&b);
    norm_ctx_free(c);
}

TEST(norm_simplify_empty_and_all_punctuation_give_empty) {
    norm_ctx *c = norm_ctx_new();
    buf o = {0};
    char err[ERR_MAX];
    CHECK_EQ_INT(norm_simplify(c, "", 0, &o, err), 0);
    CHECK_EQ_INT(o.len, 0);
    CHECK_EQ_INT(norm_simplify(c, S(" ... -- !!! \xe2\x80\x94 "), &o, err), 0);
    CHECK_EQ_INT(o.len, 0);
    buf_free(&o);
    norm_ctx_free(c);
}

TEST(norm_simplify_mixed_text_matches_icu_path) {
    /* ASCII stretches take the byte loop, others ICU: the seams must not show */
    static const char *const pieces[] = {
        "a", "Z", "9", "1,5", " ", "  ", "\t", "\n", ".", "-", "'", "caf\xc3\xa9", "\xce\xa3", "\xce\xa3\xce\x9f\xce\xa3",
        "\xe4\xb8\xad\xe6\x96\x87", "\xef\xbc\x91", "\xef\xbc\x92", "\xcc\x81", "\xe2\x80\x9c", "\xe2\x80\x99", "\xc2\xa0",
        "\xe3\x80\x80", "\xd9\xa3", "x\xcd\xbe", "ABC", "word", "0", "\x1c",
    };
    norm_ctx *c = norm_ctx_new();
    buf a = {0}, b = {0}, s = {0};
    char err[ERR_MAX];
    uint64_t r = 0x9E3779B97F4A7C15ULL;
    for (int it = 0; it < 3000; it++) {
        buf_reset(&s);
        int len = (int)(r % 60);
        for (int i = 0; i < len; i++) {
            r ^= r << 13; r ^= r >> 7; r ^= r << 17;
            /* long ASCII runs too, so both kinds of stretch occur */
            if (r % 5 == 0) buf_adds(&s, "plain ascii words and 42 numbers here, then more text to pass the window ");
            else buf_adds(&s, pieces[r % (sizeof pieces / sizeof pieces[0])]);
        }
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        CHECK_EQ_INT(norm_simplify(c, s.p ? s.p : "", s.len, &a, err), 0);
        CHECK_EQ_INT(norm_simplify_icu(c, s.p ? s.p : "", s.len, &b, err), 0);
        CHECK_EQ_MEM(a.p, a.len, b.p, b.len);
    }
    buf_free(&a); buf_free(&b); buf_free(&s);
    norm_ctx_free(c);
}
