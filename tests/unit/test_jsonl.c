/* Unit tests of the JSONL codec (pipeline/jsonl.c): reading, errors, writing, raw helpers. */
#include "test.h"
#include "../../pipeline/jsonl.h"
#include <math.h>
#include <stdlib.h>

static doc D;
static buf OUT;
static jsonl_error E;

static int parse(const char *s) { return jsonl_parse(&D, s, strlen(s), "f.jsonl", 7, &E); }
static int parse_n(const char *s, size_t n) { return jsonl_parse(&D, s, n, "f.jsonl", 7, &E); }
/* parse + write; the output line, or the error reason */
static const char *rt(const char *s) {
    OUT.len = 0;
    if (parse(s)) return E.reason;
    jsonl_write(&D, &OUT);
    return OUT.p;
}
static int starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

/* ---- reading: escapes and decoding ---- */

TEST(jsonl_escape_quote) { CHECK(!parse("{\"text\":\"a\\\"b\"}")); CHECK_EQ_STR(D.text, "a\"b"); }
TEST(jsonl_escape_backslash) { CHECK(!parse("{\"text\":\"a\\\\b\"}")); CHECK_EQ_STR(D.text, "a\\b"); }
TEST(jsonl_escape_slash) { CHECK(!parse("{\"text\":\"a\\/b\"}")); CHECK_EQ_STR(D.text, "a/b"); }
TEST(jsonl_escape_b) { CHECK(!parse("{\"text\":\"a\\bb\"}")); CHECK_EQ_STR(D.text, "a\bb"); }
TEST(jsonl_escape_f) { CHECK(!parse("{\"text\":\"a\\fb\"}")); CHECK_EQ_STR(D.text, "a\fb"); }
TEST(jsonl_escape_n) { CHECK(!parse("{\"text\":\"a\\nb\"}")); CHECK_EQ_STR(D.text, "a\nb"); }
TEST(jsonl_escape_r) { CHECK(!parse("{\"text\":\"a\\rb\"}")); CHECK_EQ_STR(D.text, "a\rb"); }
TEST(jsonl_escape_t) { CHECK(!parse("{\"text\":\"a\\tb\"}")); CHECK_EQ_STR(D.text, "a\tb"); }
TEST(jsonl_escape_u_ascii) { CHECK(!parse("{\"text\":\"\\u0041\\u007a\"}")); CHECK_EQ_STR(D.text, "Az"); }
TEST(jsonl_escape_u_two_bytes) { CHECK(!parse("{\"text\":\"\\u00e9\\u00E9\"}")); CHECK_EQ_STR(D.text, "\xc3\xa9\xc3\xa9"); }
TEST(jsonl_escape_u_three_bytes) { CHECK(!parse("{\"text\":\"\\u20ac\"}")); CHECK_EQ_STR(D.text, "\xe2\x82\xac"); }
TEST(jsonl_escape_surrogate_pair) {
    CHECK(!parse("{\"text\":\"x\\ud83d\\ude00y\"}"));
    CHECK_EQ_STR(D.text, "x\xf0\x9f\x98\x80y");
}
TEST(jsonl_escape_surrogate_pair_max) {
    CHECK(!parse("{\"text\":\"\\udbff\\udfff\"}"));
    CHECK_EQ_STR(D.text, "\xf4\x8f\xbf\xbf");
}
TEST(jsonl_nul_in_text) {
    CHECK(!parse("{\"text\":\"a\\u0000b\"}"));
    CHECK_EQ_INT(D.text_len, 3);
    CHECK_EQ_MEM(D.text, 3, "a\0b", 3);
    CHECK_EQ_INT(D.text[3], 0);
}
TEST(jsonl_nul_in_text_written_escaped) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"a\\u0000b\"}"), "{\"id\":\"1\",\"text\":\"a\\u0000b\"}\n");
}
TEST(jsonl_utf8_passes_through) {
    const char *l = "{\"id\":\"1\",\"text\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\"}";
    CHECK(!parse(l));
    CHECK_EQ_STR(D.text, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad");
    CHECK_EQ_STR(rt(l), "{\"id\":\"1\",\"text\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\"}\n");
}
TEST(jsonl_known_fields_decoded) {
    CHECK(!parse("{\"id\":\"a\\u0031\",\"text\":\"t\",\"source\":\"s\\/x\",\"url\":\"http:\\/\\/u\"}"));
    CHECK_EQ_STR(D.id, "a1"); CHECK(D.has_id);
    CHECK_EQ_STR(D.source, "s/x"); CHECK(D.has_source);
    CHECK_EQ_STR(D.url, "http://u"); CHECK(D.has_url);
}
TEST(jsonl_escaped_key_is_known) {
    CHECK(!parse("{\"t\\u0065xt\":\"hi\"}"));
    CHECK_EQ_STR(D.text, "hi");
}
TEST(jsonl_long_string_in_simd_blocks) {
    /* escapes and UTF-8 placed at every offset around the 16/32-byte scan blocks */
    char line[400], want[400];
    for (int k = 0; k < 70; k++) {
        int n = snprintf(line, sizeof line, "{\"text\":\"%.*s\\n\xc3\xa9%.*s\"}", k,
                         "0123456789012345678901234567890123456789012345678901234567890123456789", k,
                         "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
        CHECK(!parse_n(line, (size_t)n));
        snprintf(want, sizeof want, "%.*s\n\xc3\xa9%.*s", k,
                 "0123456789012345678901234567890123456789012345678901234567890123456789", k,
                 "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
        CHECK_EQ_STR(D.text, want);
    }
}

/* ---- reading: invalid JSON ---- */

TEST(jsonl_err_unterminated_string) {
    CHECK(parse("{\"text\":\"abc") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: unterminated string");
    CHECK_EQ_INT(E.col, 9);
}
TEST(jsonl_err_bad_escape) {
    CHECK(parse("{\"text\":\"a\\xb\"}") < 0);
    CHECK(starts(E.reason, "invalid JSON: invalid escape"));
    CHECK_EQ_INT(E.col, 11);
}
TEST(jsonl_err_bad_u_escape) {
    CHECK(parse("{\"text\":\"\\u12G4\"}") < 0);
    CHECK(starts(E.reason, "invalid JSON: bad \\u escape"));
}
TEST(jsonl_err_trailing_comma_object) {
    CHECK(parse("{\"text\":\"a\",}") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: trailing comma");
    CHECK_EQ_INT(E.col, 13);
}
TEST(jsonl_err_trailing_comma_array) {
    CHECK(parse("{\"text\":\"a\",\"x\":[1,2,]}") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: trailing comma");
}
TEST(jsonl_err_leading_zero) {
    CHECK(parse("{\"text\":\"a\",\"x\":012}") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: leading zero in number");
}
TEST(jsonl_err_bad_numbers) {
    const char *bad[] = { "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "1.2.3", "--1", "NaN", "Infinity" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char l[64];
        snprintf(l, sizeof l, "{\"text\":\"a\",\"x\":%s}", bad[i]);
        CHECK(parse(l) < 0);
        CHECK(starts(E.reason, "invalid JSON"));
    }
}
TEST(jsonl_good_numbers) {
    CHECK_EQ_STR(rt("{\"text\":\"a\",\"x\":[0,-0,1.5,-1.5e-3,2E+10,10,0.0e0]}"),
                 "{\"id\":\"f.jsonl:7\",\"text\":\"a\",\"x\":[0,-0,1.5,-1.5e-3,2E+10,10,0.0e0]}\n");
}
TEST(jsonl_err_bare_control_char) {
    CHECK(parse("{\"text\":\"a\tb\"}") < 0);
    CHECK(starts(E.reason, "invalid JSON: unescaped control character 0x09"));
    CHECK_EQ_INT(E.col, 11);
}
TEST(jsonl_err_trailing_garbage) {
    CHECK(parse("{\"text\":\"a\"} x") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: unexpected data after the object");
    CHECK_EQ_INT(E.col, 14);
}
TEST(jsonl_err_two_objects) {
    CHECK(parse("{\"text\":\"a\"}{\"text\":\"b\"}") < 0);
    CHECK(starts(E.reason, "invalid JSON"));
}
TEST(jsonl_err_not_an_object_array) { CHECK(parse("[1,2]") < 0); CHECK_EQ_STR(E.reason, "not an object"); }
TEST(jsonl_err_not_an_object_string) { CHECK(parse("\"text\"") < 0); CHECK_EQ_STR(E.reason, "not an object"); }
TEST(jsonl_err_not_an_object_number) { CHECK(parse(" 12 ") < 0); CHECK_EQ_STR(E.reason, "not an object"); }
TEST(jsonl_err_invalid_non_object) { CHECK(parse("[1,]") < 0); CHECK_EQ_STR(E.reason, "invalid JSON: trailing comma"); }
TEST(jsonl_err_empty_line) { CHECK(parse("") < 0); CHECK_EQ_STR(E.reason, "invalid JSON: empty line"); }
TEST(jsonl_err_unclosed_object) { CHECK(parse("{\"text\":\"a\"") < 0); CHECK(starts(E.reason, "invalid JSON: unexpected end of line")); }
TEST(jsonl_err_missing_colon) { CHECK(parse("{\"text\" \"a\"}") < 0); CHECK_EQ_STR(E.reason, "invalid JSON: unexpected '\"', expected ':'"); }
TEST(jsonl_err_single_quotes) { CHECK(parse("{'text':'a'}") < 0); CHECK(starts(E.reason, "invalid JSON: unexpected '''")); }
TEST(jsonl_err_bad_literal) { CHECK(parse("{\"text\":\"a\",\"x\":tru}") < 0); CHECK(starts(E.reason, "invalid JSON")); }
TEST(jsonl_err_missing_text) { CHECK(parse("{\"id\":\"x\"}") < 0); CHECK_EQ_STR(E.reason, "missing \"text\" field"); CHECK_EQ_INT(E.col, 0); }
TEST(jsonl_err_text_not_string) {
    CHECK(parse("{\"text\":5}") < 0);
    CHECK_EQ_STR(E.reason, "\"text\" is not a string");
    CHECK_EQ_INT(E.col, 9);
}
TEST(jsonl_err_text_null) { CHECK(parse("{\"text\":null}") < 0); CHECK_EQ_STR(E.reason, "\"text\" is not a string"); }
TEST(jsonl_err_id_not_string) { CHECK(parse("{\"id\":1,\"text\":\"a\"}") < 0); CHECK_EQ_STR(E.reason, "\"id\" is not a string"); }
TEST(jsonl_err_meta_not_object) { CHECK(parse("{\"text\":\"a\",\"meta\":[1]}") < 0); CHECK_EQ_STR(E.reason, "\"meta\" is not an object"); }
TEST(jsonl_err_invalid_json_wins_over_type) {
    CHECK(parse("{\"text\":[1,}") < 0);
    CHECK(starts(E.reason, "invalid JSON"));
}

/* ---- reading: invalid UTF-8 ---- */

static const char *utf8_err(const char *bytes) {
    char l[64];
    snprintf(l, sizeof l, "{\"text\":\"ab%s\"}", bytes);
    if (!parse(l)) return "accepted";
    if (E.col != 12) return "wrong column";
    return E.reason;
}
TEST(jsonl_utf8_overlong_two_bytes) { CHECK(starts(utf8_err("\xc0\xaf"), "invalid UTF-8: overlong")); }
TEST(jsonl_utf8_overlong_c1) { CHECK(starts(utf8_err("\xc1\xbf"), "invalid UTF-8: overlong")); }
TEST(jsonl_utf8_overlong_three_bytes) { CHECK(starts(utf8_err("\xe0\x80\xaf"), "invalid UTF-8: overlong")); }
TEST(jsonl_utf8_overlong_four_bytes) { CHECK(starts(utf8_err("\xf0\x80\x80\xaf"), "invalid UTF-8: overlong")); }
TEST(jsonl_utf8_encoded_surrogate) { CHECK_EQ_STR(utf8_err("\xed\xa0\x80"), "invalid UTF-8: encoded surrogate"); }
TEST(jsonl_utf8_over_10ffff) { CHECK_EQ_STR(utf8_err("\xf4\x90\x80\x80"), "invalid UTF-8: code point over U+10FFFF"); }
TEST(jsonl_utf8_byte_f5) { CHECK(starts(utf8_err("\xf5\x80\x80\x80"), "invalid UTF-8: byte 0xF5")); }
TEST(jsonl_utf8_byte_ff) { CHECK(starts(utf8_err("\xff"), "invalid UTF-8: byte 0xFF")); }
TEST(jsonl_utf8_stray_continuation) { CHECK(starts(utf8_err("\x80"), "invalid UTF-8: unexpected continuation")); }
TEST(jsonl_utf8_truncated_before_quote) { CHECK_EQ_STR(utf8_err("\xe2\x82"), "invalid UTF-8: truncated sequence"); }
TEST(jsonl_utf8_truncated_before_ascii) { CHECK_EQ_STR(utf8_err("\xc3x"), "invalid UTF-8: truncated sequence"); }
TEST(jsonl_utf8_truncated_at_end_of_line) {
    CHECK(parse("{\"text\":\"ab\xf0\x9f") < 0);
    CHECK_EQ_STR(E.reason, "invalid UTF-8: truncated sequence");
}
TEST(jsonl_utf8_invalid_in_unknown_field) {
    CHECK(parse("{\"text\":\"a\",\"x\":[\"\xc0\xaf\"]}") < 0);
    CHECK(starts(E.reason, "invalid UTF-8: overlong"));
}
TEST(jsonl_utf8_invalid_in_key) {
    CHECK(parse("{\"text\":\"a\",\"\xed\xbf\xbf\":1}") < 0);
    CHECK_EQ_STR(E.reason, "invalid UTF-8: encoded surrogate");
}
TEST(jsonl_utf8_lone_high_surrogate) {
    CHECK(parse("{\"text\":\"a\\ud800\"}") < 0);
    CHECK(starts(E.reason, "invalid UTF-8: lone surrogate \\uD800"));
    CHECK_EQ_INT(E.col, 11);
}
TEST(jsonl_utf8_lone_low_surrogate) {
    CHECK(parse("{\"text\":\"\\udc00a\"}") < 0);
    CHECK(starts(E.reason, "invalid UTF-8: lone surrogate \\uDC00"));
}
TEST(jsonl_utf8_high_surrogate_then_non_low) {
    CHECK(parse("{\"text\":\"\\ud800\\u0041\"}") < 0);
    CHECK(starts(E.reason, "invalid UTF-8: lone surrogate"));
}
TEST(jsonl_utf8_two_high_surrogates) {
    CHECK(parse("{\"text\":\"\\ud800\\ud800\"}") < 0);
    CHECK(starts(E.reason, "invalid UTF-8: lone surrogate"));
}
TEST(jsonl_non_ascii_outside_string) {
    CHECK(parse("\xef\xbb\xbf{\"text\":\"a\"}") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: unexpected byte 0xEF, expected a value");
}

/* ---- nesting, long strings, line endings ---- */

static char *nested(int depth, const char *prefix) {
    size_t pl = strlen(prefix);
    char *s = malloc(pl + 2 * (size_t)depth + 8);
    memcpy(s, prefix, pl);
    memset(s + pl, '[', (size_t)depth);
    memset(s + pl + depth, ']', (size_t)depth);
    strcpy(s + pl + 2 * depth, "}");
    return s;
}
TEST(jsonl_deep_nesting_in_meta_ok) {
    /* the document is level 1, meta level 2, arrays 3..1000 */
    char *s = nested(998, "{\"text\":\"a\",\"meta\":{\"x\":");
    size_t n = strlen(s);
    s[n] = '}'; s[n + 1] = 0;
    int r = parse(s);
    free(s);
    CHECK_EQ_STR(r ? E.reason : "ok", "ok");
}
TEST(jsonl_deep_nesting_in_meta_rejected) {
    char *s = nested(999, "{\"text\":\"a\",\"meta\":{\"x\":");
    size_t n = strlen(s);
    s[n] = '}'; s[n + 1] = 0;
    int r = parse(s);
    free(s);
    CHECK(r < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: nesting deeper than 1000 levels");
}
TEST(jsonl_very_deep_nesting_no_crash) {
    char *s = nested(1000000, "{\"text\":\"a\",\"x\":");
    int r = parse(s);
    free(s);
    CHECK(r < 0);
    CHECK(starts(E.reason, "invalid JSON: nesting deeper"));
}
TEST(jsonl_long_string_100mb) {
    size_t n = 100u << 20;
    char *s = malloc(n + 64);
    strcpy(s, "{\"id\":\"x\",\"text\":\"");
    size_t h = strlen(s);
    for (size_t i = 0; i < n; i++) s[h + i] = (char)('a' + i % 26);
    memcpy(s + h + 1000, "\\n\xc3\xa9", 4);
    strcpy(s + h + n, "\"}");
    int r = parse_n(s, h + n + 2);
    CHECK_EQ_INT(r, 0);
    CHECK_EQ_INT(D.text_len, n - 1);
    OUT.len = 0;
    jsonl_write(&D, &OUT);
    s[h + n + 2] = '\n';
    CHECK_EQ_INT(OUT.len, h + n + 3);
    CHECK(!memcmp(OUT.p, s, OUT.len));
    free(s);
}
TEST(jsonl_crlf_trailing_cr_is_whitespace) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"a\"}\r"), "{\"id\":\"1\",\"text\":\"a\"}\n");
}
TEST(jsonl_whitespace_around_everything) {
    CHECK_EQ_STR(rt(" \t{ \"id\" : \"1\" ,\r\"text\"\t:\"a\" } "), "{\"id\":\"1\",\"text\":\"a\"}\n");
}

/* ---- duplicate keys ---- */

TEST(jsonl_duplicate_text_rejected) {
    CHECK(parse("{\"text\":\"a\",\"text\":\"b\"}") < 0);
    CHECK_EQ_STR(E.reason, "duplicate key 'text'");
    CHECK_EQ_INT(E.col, 13);
}
TEST(jsonl_duplicate_id_rejected) { CHECK(parse("{\"id\":\"a\",\"text\":\"a\",\"id\":\"b\"}") < 0); CHECK_EQ_STR(E.reason, "duplicate key 'id'"); }
TEST(jsonl_duplicate_meta_rejected) { CHECK(parse("{\"meta\":{},\"text\":\"a\",\"meta\":null}") < 0); CHECK_EQ_STR(E.reason, "duplicate key 'meta'"); }
TEST(jsonl_duplicate_escaped_known_key_rejected) {
    CHECK(parse("{\"text\":\"a\",\"\\u0074ext\":\"b\"}") < 0);
    CHECK_EQ_STR(E.reason, "duplicate key 'text'");
}
TEST(jsonl_duplicate_unknown_keys_kept) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"a\":1,\"text\":\"t\",\"a\":2}"), "{\"id\":\"1\",\"a\":1,\"text\":\"t\",\"a\":2}\n");
}

/* ---- writing ---- */

TEST(jsonl_unknown_fields_byte_for_byte) {
    CHECK_EQ_STR(rt("{\"a\" : [1, 2 ,{\"x\":\"\\u0041\\/\"}],\"text\":\"t\",\"b\":  -1.5E3 ,\"c\":{} , \"\\u00e9\":null}"),
                 "{\"id\":\"f.jsonl:7\",\"a\" : [1, 2 ,{\"x\":\"\\u0041\\/\"}],\"text\":\"t\",\"b\":  -1.5E3,\"c\":{},\"\\u00e9\":null}\n");
}
TEST(jsonl_known_fields_canonical) {
    CHECK_EQ_STR(rt("{\"id\" : \"\\u0031\", \"text\": \"\\u0041\\/\\u00e9\\\"\\u001f\\u007f\\b\\f\\n\\r\\t\"}"),
                 "{\"id\":\"1\",\"text\":\"A/\xc3\xa9\\\"\\u001f\x7f\\b\\f\\n\\r\\t\"}\n");
}
TEST(jsonl_field_order_kept) {
    CHECK_EQ_STR(rt("{\"z\":0,\"text\":\"t\",\"source\":\"s\",\"id\":\"i\",\"url\":\"u\",\"meta\":{\"k\":1}}"),
                 "{\"z\":0,\"text\":\"t\",\"source\":\"s\",\"id\":\"i\",\"url\":\"u\",\"meta\":{\"k\":1}}\n");
}
TEST(jsonl_missing_id_generated_first) {
    CHECK(!parse("{\"x\":1,\"text\":\"t\"}"));
    CHECK_EQ_STR(D.id, "f.jsonl:7");
    CHECK_EQ_INT(D.has_id, 0);
    CHECK_EQ_STR(rt("{\"x\":1,\"text\":\"t\"}"), "{\"id\":\"f.jsonl:7\",\"x\":1,\"text\":\"t\"}\n");
}
TEST(jsonl_null_source_and_url_kept_raw) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"source\":null,\"url\" : null}"));
    CHECK(!D.has_source); CHECK(!D.source); CHECK(!D.has_url);
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"t\",\"source\":null,\"url\" : null}"),
                 "{\"id\":\"1\",\"text\":\"t\",\"source\":null,\"url\" : null}\n");
}
TEST(jsonl_meta_written_byte_for_byte) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"t\",\"meta\" : { \"a\" : [1 ,2], \"b\":\"\\u0041\" }}"),
                 "{\"id\":\"1\",\"text\":\"t\",\"meta\":{ \"a\" : [1 ,2], \"b\":\"\\u0041\" }}\n");
}
TEST(jsonl_write_string_escapes) {
    buf b = {0};
    json_write_string(&b, "a\"\\\x01\x1f/\xc3\xa9\n", 9);
    CHECK_EQ_STR(b.p, "\"a\\\"\\\\\\u0001\\u001f/\xc3\xa9\\n\"");
    buf_free(&b);
}
TEST(jsonl_write_string_long_with_escapes) {
    buf b = {0};
    char s[300];
    for (int i = 0; i < 300; i++) s[i] = i % 7 ? 'x' : '\n';
    json_write_string(&b, s, 300);
    buf d = {0};
    CHECK(!json_string_decode(b.p, b.len, &d));
    CHECK_EQ_MEM(d.p, d.len, s, 300);
    buf_free(&b); buf_free(&d);
}
TEST(jsonl_write_double) {
    buf b = {0};
    double v[] = { 0.1, 1, -2.5, 1e300, 1.0 / 3, 123456789012345678.0, 5e-324 };
    const char *want[] = { "0.1", "1", "-2.5", "1e+300", "0.3333333333333333", "1.2345678901234568e+17", "4.94065645841247e-324" };
    for (int i = 0; i < 7; i++) {
        b.len = 0;
        json_write_double(&b, v[i]);
        CHECK_EQ_STR(b.p, want[i]);
        double back;
        CHECK(!json_number_decode(b.p, b.len, &back));
        CHECK(back == v[i]);
    }
    b.len = 0; json_write_double(&b, NAN); CHECK_EQ_STR(b.p, "null");
    b.len = 0; json_write_double(&b, INFINITY); CHECK_EQ_STR(b.p, "null");
    b.len = 0; json_write_double(&b, -INFINITY); CHECK_EQ_STR(b.p, "null");
    buf_free(&b);
}
TEST(jsonl_doc_reused_across_lines) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"a long first document text\",\"x\":[1,2,3]}"));
    CHECK_EQ_STR(rt("{\"text\":\"b\"}"), "{\"id\":\"f.jsonl:7\",\"text\":\"b\"}\n");
}

/* ---- raw helpers ---- */

TEST(json_validate_values) {
    const char *good[] = { "1", " \"s\" ", "[]", "{}", "{\"a\":[true,false,null,{\"b\":-0.5e1}]}", "\"\\ud83d\\ude00\"" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK(!json_validate(good[i], strlen(good[i]), &E));
    const char *bad[] = { "", "1 2", "[1,]", "{\"a\"}", "\"\\ud800\"", "{\"a\":1,}", "nul", "[\"\x80\"]" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(json_validate(bad[i], strlen(bad[i]), &E) < 0);
}
TEST(json_obj_iter_members) {
    const char *o = " { \"a\" : 1 , \"b\\u0041\":[1,{\"c\":2}], \"d\":\"x\" } ";
    json_obj_iter it;
    buf k = {0};
    const char *v; size_t n;
    CHECK(!json_obj_iter_init(&it, o, strlen(o)));
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), 1); CHECK_EQ_STR(k.p, "a"); CHECK_EQ_MEM(v, n, "1", 1);
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), 1); CHECK_EQ_STR(k.p, "bA"); CHECK_EQ_MEM(v, n, "[1,{\"c\":2}]", 11);
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), 1); CHECK_EQ_STR(k.p, "d"); CHECK_EQ_MEM(v, n, "\"x\"", 3);
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), 0);
    buf_free(&k);
}
TEST(json_obj_iter_empty_and_malformed) {
    json_obj_iter it;
    buf k = {0};
    const char *v; size_t n;
    CHECK(!json_obj_iter_init(&it, "{}", 2));
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), 0);
    CHECK(json_obj_iter_init(&it, "[1]", 3) < 0);
    CHECK(!json_obj_iter_init(&it, "{1:2}", 5));
    CHECK_EQ_INT(json_obj_iter_next(&it, &k, &v, &n), -1);
    buf_free(&k);
}
TEST(json_arr_iter_elements) {
    const char *a = "[ 1, \"two\" ,[3,[4]],{\"five\":5} ]";
    json_arr_iter it;
    const char *v; size_t n;
    CHECK(!json_arr_iter_init(&it, a, strlen(a)));
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 1); CHECK_EQ_MEM(v, n, "1", 1);
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 1); CHECK_EQ_MEM(v, n, "\"two\"", 5);
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 1); CHECK_EQ_MEM(v, n, "[3,[4]]", 7);
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 1); CHECK_EQ_MEM(v, n, "{\"five\":5}", 10);
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 0);
    CHECK(!json_arr_iter_init(&it, "[]", 2));
    CHECK_EQ_INT(json_arr_iter_next(&it, &v, &n), 0);
}
TEST(json_string_decode_values) {
    buf b = {0};
    CHECK(!json_string_decode("\"a\\nb\\u00e9\"", 12, &b));
    CHECK_EQ_STR(b.p, "a\nb\xc3\xa9");
    CHECK(json_string_decode("\"a\"b\"", 5, &b) < 0);
    CHECK(json_string_decode("\"abc", 4, &b) < 0);
    CHECK(json_string_decode("\"\\ud800\"", 8, &b) < 0);
    buf_free(&b);
}
TEST(json_number_decode_values) {
    double v;
    CHECK(!json_number_decode("-12.5e1", 7, &v)); CHECK(v == -125.0);
    CHECK(!json_number_decode("0", 1, &v)); CHECK(v == 0.0);
    CHECK(json_number_decode("01", 2, &v) < 0);
    CHECK(json_number_decode("1 ", 2, &v) < 0);
    CHECK(json_number_decode("", 0, &v) < 0);
}
TEST(jsonl_canonical_escapes_kept) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"a\\\"\\\\\\n\\t\\u0001\\u001f\xc3\xa9\"}"),
                 "{\"id\":\"1\",\"text\":\"a\\\"\\\\\\n\\t\\u0001\\u001f\xc3\xa9\"}\n");
}
TEST(jsonl_uppercase_control_escape_lowered) {
    CHECK_EQ_STR(rt("{\"id\":\"1\",\"text\":\"\\u001F\\u000a\"}"), "{\"id\":\"1\",\"text\":\"\\u001f\\n\"}\n");
}
TEST(jsonl_all_four_known_strings_escaped) {
    CHECK(!parse("{\"id\":\"\\u0069\",\"text\":\"\\u0074\",\"source\":\"\\u0073\",\"url\":\"\\u0075\"}"));
    CHECK_EQ_STR(D.id, "i"); CHECK_EQ_STR(D.text, "t"); CHECK_EQ_STR(D.source, "s"); CHECK_EQ_STR(D.url, "u");
}
TEST(jsonl_json_error_wins_over_duplicate) {
    CHECK(parse("{\"text\":\"a\",\"text\":\"b\",}") < 0);
    CHECK_EQ_STR(E.reason, "invalid JSON: trailing comma");
}
TEST(jsonl_json_error_wins_over_wrong_type) {
    CHECK(parse("{\"id\":0,\"text\":\"a\" x}") < 0);
    CHECK(starts(E.reason, "invalid JSON: unexpected 'x'"));
}

/* reference: offset of the first invalid UTF-8 sequence in s[0..n), or -1 (RFC 3629) */
static long ref_utf8_error(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (!len || c > 0xF4 || i + len > n) return (long)i;
        unsigned long u = c & (0x3F >> (len - 1));
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return (long)i;
            u = (u << 6) | (s[i + j] & 0x3F);
        }
        unsigned long min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (u < min || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF)) return (long)i;
        i += len;
    }
    return -1;
}
TEST(jsonl_utf8_random_against_reference) {
    static const char *pieces[] = { "a", "b", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
        "\xee\x80\x80", "\xf4\x8f\xbf\xbf", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xf0\x90\x80\x80",
        /* invalid or partial */ "\x80", "\xbf", "\xc0", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xf0\x8f\xbf\xbf",
        "\xf4\x90\x80\x80", "\xf5", "\xff", "\xe2\x82", "\xf0\x9f\x98", "\xc3" };
    uint64_t rng = 88172645463325252ull;
    char body[600], line[700];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
        int count = (int)(rng % 120), bad = (rng >> 8) % 4 == 0;
        for (int k = 0; k < count; k++) {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            size_t pi = bad && (rng >> 20) % 40 == 0 ? 13 + (rng >> 30) % 13 : (rng >> 30) % 13;
            if ((rng >> 40) % 3 == 0) pi = 0;       /* runs of ASCII */
            size_t pl = strlen(pieces[pi]);
            memcpy(body + n, pieces[pi], pl);
            n += pl;
        }
        int ln = snprintf(line, sizeof line, "{\"text\":\"%.*s\"}", (int)n, body);
        long want = ref_utf8_error((const unsigned char *)body, n);
        int r = parse_n(line, (size_t)ln);
        if (want < 0) {
            CHECK_EQ_INT(r, 0);
            CHECK_EQ_MEM(D.text, D.text_len, body, n);
        } else {
            CHECK_EQ_INT(r, -1);
            CHECK(starts(E.reason, "invalid UTF-8"));
            CHECK_EQ_INT(E.col, (uint64_t)want + 10);
        }
    }
}
TEST(jsonl_escapes_random_against_reference) {
    /* each piece: as written in the input, decoded, as the writer writes it */
    static const char *pieces[][3] = {
        { "a", "a", "a" }, { "xyz ", "xyz ", "xyz " }, { "\\n", "\n", "\\n" }, { "\\\"", "\"", "\\\"" },
        { "\\\\", "\\", "\\\\" }, { "\\/", "/", "/" }, { "\\u00e9", "\xc3\xa9", "\xc3\xa9" },
        { "\xc3\xa9", "\xc3\xa9", "\xc3\xa9" }, { "\\ud83d\\ude00", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
        { "\\u0001", "\x01", "\\u0001" }, { "\\t", "\t", "\\t" }, { "\xe4\xb8\xad", "\xe4\xb8\xad", "\xe4\xb8\xad" },
        { "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef" } };
    enum { NP = sizeof pieces / sizeof *pieces };
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    static char enc[4000], dec[4000], can[4000], line[4100], want[4200];
    for (int iter = 0; iter < 5000; iter++) {
        size_t ne = 0, nd = 0, nc = 0;
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
        int count = (int)(rng % 100);
        for (int k = 0; k < count; k++) {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            const char *const *pc = pieces[(rng >> 33) % NP];
            size_t a = strlen(pc[0]), b = strlen(pc[1]), c = strlen(pc[2]);
            memcpy(enc + ne, pc[0], a); ne += a;
            memcpy(dec + nd, pc[1], b); nd += b;
            memcpy(can + nc, pc[2], c); nc += c;
        }
        int ln = snprintf(line, sizeof line, "{\"id\":\"1\",\"text\":\"%.*s\"}", (int)ne, enc);
        CHECK_EQ_INT(parse_n(line, (size_t)ln), 0);
        CHECK_EQ_MEM(D.text, D.text_len, dec, nd);
        OUT.len = 0;
        jsonl_write(&D, &OUT);
        int wn = snprintf(want, sizeof want, "{\"id\":\"1\",\"text\":\"%.*s\"}\n", (int)nc, can);
        CHECK_EQ_MEM(OUT.p, OUT.len, want, (size_t)wn);
    }
}
