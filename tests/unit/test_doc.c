/* Unit tests of documents (pipeline/doc.c): setters, meta edits, field lookup, copies. */
#include "test.h"
#include "../../pipeline/jsonl.h"

static doc D;
static buf OUT;
static jsonl_error E;

static int parse(const char *s) { return jsonl_parse(&D, s, strlen(s), "f.jsonl", 3, &E); }
static const char *out(void) { OUT.len = 0; jsonl_write(&D, &OUT); return OUT.p; }

TEST(doc_zeroed_is_empty) {
    doc d = {0};
    CHECK(!d.text && !d.has_text);
    doc_set_text(&d, "x", 1);
    CHECK_EQ_STR(d.text, "x");
    doc_free(&d);
}
TEST(doc_set_text_replaces_and_escapes) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"old\",\"x\":1}"));
    doc_set_text(&D, "new\n\"q\"", 7);
    CHECK_EQ_STR(D.text, "new\n\"q\"");
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"new\\n\\\"q\\\"\",\"x\":1}\n");
}
TEST(doc_set_text_from_own_substring) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"abc\"}"));
    doc_set_text(&D, "hello world", 11);
    doc_set_text(&D, D.text + 6, 5);
    CHECK_EQ_STR(D.text, "world");
    CHECK_EQ_INT(D.text_len, 5);
}
TEST(doc_set_text_from_parsed_substring) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"  trimmed  \"}"));
    doc_set_text(&D, D.text + 2, 7);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"trimmed\"}\n");
}
TEST(doc_set_id_on_generated_id) {
    CHECK(!parse("{\"text\":\"t\"}"));
    doc_set_id(&D, "x#aug1", 6);
    CHECK(D.has_id);
    CHECK_EQ_STR(out(), "{\"id\":\"x#aug1\",\"text\":\"t\"}\n");
}
TEST(doc_set_source_adds_at_end) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\"}"));
    doc_set_source(&D, "web", 3);
    CHECK(D.has_source);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"source\":\"web\"}\n");
}
TEST(doc_set_source_replaces_in_place) {
    CHECK(!parse("{\"id\":\"1\",\"source\":\"a\",\"text\":\"t\"}"));
    doc_set_source(&D, "b", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"source\":\"b\",\"text\":\"t\"}\n");
}
TEST(doc_set_source_replaces_null) {
    CHECK(!parse("{\"id\":\"1\",\"source\":null,\"text\":\"t\"}"));
    doc_set_source(&D, "b", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"source\":\"b\",\"text\":\"t\"}\n");
}
TEST(doc_set_url_null_removes) {
    CHECK(!parse("{\"id\":\"1\",\"url\":\"http://x\",\"text\":\"t\"}"));
    doc_set_url(&D, NULL, 0);
    CHECK(!D.has_url && !D.url);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\"}\n");
}
TEST(doc_meta_set_new_key) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\": 1}}"));
    doc_meta_set(&D, "lang", "\"en\"", 4);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\": 1,\"lang\":\"en\"}}\n");
}
TEST(doc_meta_set_replaces_key_in_place) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\": 1, \"b\" : [2], \"c\":3}}"));
    doc_meta_set(&D, "b", "{\"x\":true}", 10);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\": 1,\"b\":{\"x\":true},\"c\":3}}\n");
}
TEST(doc_meta_set_twice_keeps_last) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\"}"));
    doc_meta_set(&D, "k", "1", 1);
    doc_meta_set(&D, "k", "2", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"k\":2}}\n");
}
TEST(doc_meta_absent_created) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"z\":0}"));
    doc_meta_set(&D, "score", "0.5", 3);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"z\":0,\"meta\":{\"score\":0.5}}\n");
}
TEST(doc_meta_null_replaced_by_object) {
    CHECK(!parse("{\"id\":\"1\",\"meta\":null,\"text\":\"t\"}"));
    doc_meta_set(&D, "k", "1", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"meta\":{\"k\":1},\"text\":\"t\"}\n");
}
TEST(doc_meta_null_kept_raw) {
    CHECK(!parse("{\"id\":\"1\",\"meta\":null,\"text\":\"t\"}"));
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"meta\":null,\"text\":\"t\"}\n");
}
TEST(doc_meta_edit_matches_escaped_key) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"l\\u0061ng\":\"fr\"}}"));
    doc_meta_set(&D, "lang", "\"en\"", 4);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"l\\u0061ng\":\"en\"}}\n");
}
TEST(doc_meta_edit_duplicate_meta_key_first_kept) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"k\":1,\"j\":0,\"k\":2}}"));
    doc_meta_set(&D, "k", "9", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"k\":9,\"j\":0}}\n");
}
TEST(doc_meta_key_escaped_on_output) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\"}"));
    doc_meta_set(&D, "a\"b", "1", 1);
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\\\"b\":1}}\n");
}
TEST(doc_meta_get_raw_and_edited) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\": [1, 2] ,\"b\":\"x\"}}"));
    const char *v; size_t n;
    CHECK(doc_meta_get(&D, "a", &v, &n)); CHECK_EQ_MEM(v, n, "[1, 2]", 6);
    CHECK(!doc_meta_get(&D, "zz", &v, &n));
    doc_meta_set(&D, "a", "3", 1);
    CHECK(doc_meta_get(&D, "a", &v, &n)); CHECK_EQ_MEM(v, n, "3", 1);
    CHECK(doc_meta_get(&D, "b", &v, &n)); CHECK_EQ_MEM(v, n, "\"x\"", 3);
}
TEST(doc_meta_set_value_read_back) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\"}"));
    doc_meta_set(&D, "a", "[1,2,3]", 7);
    const char *v; size_t n;
    CHECK(doc_meta_get(&D, "a", &v, &n));
    doc_meta_set(&D, "b", v, n);       /* the value lives in the doc's own store */
    CHECK_EQ_STR(out(), "{\"id\":\"1\",\"text\":\"t\",\"meta\":{\"a\":[1,2,3],\"b\":[1,2,3]}}\n");
}
TEST(doc_field_get_unknown) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"t\",\"lang\" : \"en\",\"n\":{\"x\":1}}"));
    const char *v; size_t n;
    CHECK(doc_field_get(&D, "lang", &v, &n)); CHECK_EQ_MEM(v, n, "\"en\"", 4);
    CHECK(doc_field_get(&D, "n", &v, &n)); CHECK_EQ_MEM(v, n, "{\"x\":1}", 7);
    CHECK(!doc_field_get(&D, "text", &v, &n));
    CHECK(!doc_field_get(&D, "missing", &v, &n));
}
TEST(doc_copy_is_deep) {
    doc c = {0};
    CHECK(!parse("{\"id\":\"1\",\"text\":\"abc\",\"x\":[1],\"meta\":{\"m\":1}}"));
    doc_meta_set(&D, "k", "2", 1);
    doc_copy(&c, &D);
    CHECK(!parse("{\"id\":\"2\",\"text\":\"zzzzzzzzzzzzzzzzzz\"}"));
    CHECK_EQ_STR(c.text, "abc");
    OUT.len = 0;
    jsonl_write(&c, &OUT);
    CHECK_EQ_STR(OUT.p, "{\"id\":\"1\",\"text\":\"abc\",\"x\":[1],\"meta\":{\"m\":1,\"k\":2}}\n");
    doc_set_id(&c, "1#aug1", 6);
    doc_set_text(&c, "new", 3);
    CHECK_EQ_STR(c.id, "1#aug1");
    doc_free(&c);
}
TEST(doc_clear_empties) {
    CHECK(!parse("{\"id\":\"1\",\"text\":\"abc\"}"));
    doc_clear(&D);
    CHECK(!D.text && !D.has_text && !D.id);
    CHECK_EQ_STR(out(), "{}\n");
}
