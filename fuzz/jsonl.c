/*
 * fuzz target: the JSONL document codec (pipeline/jsonl.c, doc.c).
 * Input: bytes, split into lines at '\n' like the stream reader does. Properties per line:
 *  - jsonl_parse never crashes, and on error gives a column inside the line (+1 for EOL);
 *  - a parsed doc written with jsonl_write is one line that parses again, and writing that
 *    gives the same bytes (parse(write(parse(x))) == parse(x), compared through write), with
 *    the same text, id, source and url;
 *  - json_validate and the meta iterators walk every raw meta value without crashing.
 */
#include "fuzz_util.h"
#include "../pipeline/jsonl.h"

static void same_field(const char *what, const char *a, size_t an, int ha, const char *b, size_t bn, int hb) {
    FUZZ_CHECK(ha == hb, "%s presence %d vs %d", what, ha, hb);
    if (!ha) return;
    FUZZ_CHECK(an == bn && fuzz_same(a, b, an), "%s differs after round trip", what);
}

static void walk_meta(const doc *d) {
    const char *m; size_t mn;
    if (!d->meta_present) return;
    m = d->raw.p + d->meta_raw_off; mn = d->meta_raw_len;
    jsonl_error e;
    FUZZ_CHECK(json_validate(m, mn, &e) == 0, "meta accepted by the parser but not json_validate: %s", e.reason);
    json_obj_iter it; buf key = {0}, s = {0};
    const char *v; size_t vn;
    if (json_obj_iter_init(&it, m, mn) == 0) {
        while (json_obj_iter_next(&it, &key, &v, &vn) == 1) {
            FUZZ_CHECK(json_validate(v, vn, &e) == 0, "meta member not valid: %s", e.reason);
            double x;
            if (*v == '"') FUZZ_CHECK(json_string_decode(v, vn, &s) == 0, "string member does not decode");
            else if (*v == '-' || (*v >= '0' && *v <= '9')) FUZZ_CHECK(json_number_decode(v, vn, &x) == 0, "number member does not decode");
            else if (*v == '[') {
                json_arr_iter ai; const char *ev; size_t en;
                if (json_arr_iter_init(&ai, v, vn) == 0)
                    while (json_arr_iter_next(&ai, &ev, &en) == 1) FUZZ_CHECK(json_validate(ev, en, &e) == 0, "array element not valid");
            }
        }
    }
    buf_free(&key); buf_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static doc a, b;
    static buf w1, w2;
    const char *p = (const char *)data, *end = p + size;
    uint64_t lineno = 0;
    jsonl_error e;
    /* the whole input as one value, for json_validate on arbitrary JSON */
    json_validate(p, size, &e);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        if (jsonl_parse(&a, p, n, "fuzz.jsonl", lineno, &e) == 0) {
            buf_reset(&w1);
            jsonl_write(&a, &w1);
            FUZZ_CHECK(w1.len > 0 && w1.p[w1.len - 1] == '\n', "written line lacks its newline");
            FUZZ_CHECK(memchr(w1.p, '\n', w1.len) == w1.p + w1.len - 1, "written doc spans several lines");
            walk_meta(&a);
            int r = jsonl_parse(&b, w1.p, w1.len - 1, "fuzz.jsonl", lineno, &e);
            FUZZ_CHECK(r == 0, "written line does not parse: col %llu %s: %.*s", (unsigned long long)e.col, e.reason, (int)w1.len, w1.p);
            same_field("text", a.text, a.text_len, a.has_text, b.text, b.text_len, b.has_text);
            same_field("id", a.id, a.id_len, 1, b.id, b.id_len, 1);
            same_field("source", a.source, a.source_len, a.has_source, b.source, b.source_len, b.has_source);
            same_field("url", a.url, a.url_len, a.has_url, b.url, b.url_len, b.has_url);
            buf_reset(&w2);
            jsonl_write(&b, &w2);
            FUZZ_CHECK(w1.len == w2.len && fuzz_same(w1.p, w2.p, w1.len), "write(parse(write(x))) != write(x):\n%s%s", w1.p, w2.p);
            /* a copy writes the same bytes */
            doc c; doc_init(&c); doc_copy(&c, &a);
            buf_reset(&w2); jsonl_write(&c, &w2);
            FUZZ_CHECK(w1.len == w2.len && fuzz_same(w1.p, w2.p, w1.len), "doc_copy writes differently");
            doc_free(&c);
        } else {
            FUZZ_CHECK(e.col <= n + 1, "error column %llu beyond line of %zu bytes", (unsigned long long)e.col, n);
            FUZZ_CHECK(e.reason[0] != 0, "error without a reason");
        }
        p += n + 1;
    }
    return 0;
}
