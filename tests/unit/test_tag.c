/* Unit tests of filters/tag: URL hosts, label-aligned suffix matching, rule order, field
 * matches, from-host, --probability (fraction and reproducibility) and --special-tokens. */
#include "test.h"
#include "../../filters/tag.h"
#include "../../pipeline/jsonl.h"
#include <stdlib.h>
#include <unistd.h>

static const char *RULES =
    "rules:\n"
    "  - match: {url_host: wikipedia.org}\n"
    "    tag: \"<Wikipedia.org>\"\n"
    "  - match: {source: \"brown/*\"}\n"
    "    tag: \"<brown.edu>\"\n"
    "  - match: {source: brown/special}\n"
    "    tag: \"<never>\"\n"
    "  - match: {field: {path: meta.lang, equals: ko}}\n"
    "    domain: ko.example\n"
    "  - match: {field: {path: meta.site.kind, glob: \"forum*\"}}\n"
    "    tag: \"<forum>\"\n"
    "default: none\n";

/* Tag of one JSON line under the given rules ("" for none). */
static const char *tag_of(const char *rules, const char *line, char *out, size_t outn) {
    tag_rules *r; char err[ERR_MAX]; doc d; jsonl_error e; buf sc[2] = {{0}, {0}}; int rule;
    out[0] = 0;
    if (tag_rules_parse(&r, rules, strlen(rules), "rules.yaml", NULL, err)) { snprintf(out, outn, "ERR %.200s", err); return out; }
    doc_init(&d);
    if (jsonl_parse(&d, line, strlen(line), "t", 1, &e)) { snprintf(out, outn, "BAD %.200s", e.reason); }
    else { const char *t = tag_rules_match(r, &d, sc, &rule); snprintf(out, outn, "%s", t ? t : ""); }
    doc_free(&d); buf_free(&sc[0]); buf_free(&sc[1]); tag_rules_free(r);
    return out;
}

TEST(tag_url_host_strips_scheme_userinfo_port_and_path) {
    const char *h; size_t n;
    CHECK(tag_url_host("https://user:pw@En.Wikipedia.org:443/wiki/X?q#f", 47, &h, &n));
    CHECK_EQ_MEM(h, n, "En.Wikipedia.org", 16);
    CHECK(tag_url_host("en.wikipedia.org/wiki/X", 23, &h, &n));
    CHECK_EQ_MEM(h, n, "en.wikipedia.org", 16);
    CHECK(tag_url_host("http://[::1]:8080/", 18, &h, &n));
    CHECK_EQ_MEM(h, n, "::1", 3);
    CHECK(!tag_url_host("https:///x", 10, &h, &n));
}

TEST(tag_host_suffix_is_label_aligned) {
    CHECK(tag_host_matches("en.wikipedia.org", 16, "wikipedia.org"));
    CHECK(tag_host_matches("wikipedia.org", 13, "wikipedia.org"));
    CHECK(tag_host_matches("EN.WIKIPEDIA.ORG.", 17, "wikipedia.org"));
    CHECK(tag_host_matches("a.b.wikipedia.org", 17, ".wikipedia.org"));
    CHECK(!tag_host_matches("notwikipedia.org", 16, "wikipedia.org"));
    CHECK(!tag_host_matches("wikipedia.org.evil.com", 22, "wikipedia.org"));
    CHECK(!tag_host_matches("org", 3, "wikipedia.org"));
}

TEST(tag_rule_url_host_matches_subdomain_only) {
    char b[256];
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"url\":\"https://en.wikipedia.org/wiki/A\"}", b, sizeof b), "<Wikipedia.org>");
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"url\":\"https://notwikipedia.org/A\"}", b, sizeof b), "");
}

TEST(tag_first_matching_rule_wins) {
    char b[256];
    /* brown/special matches rule 2 (glob) and rule 3 (exact): rule 2 comes first */
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"source\":\"brown/special\"}", b, sizeof b), "<brown.edu>");
    /* a Wikipedia URL with a brown source: the url_host rule is first */
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"source\":\"brown/a\",\"url\":\"http://de.wikipedia.org/\"}", b, sizeof b), "<Wikipedia.org>");
}

TEST(tag_field_equals_and_nested_glob) {
    char b[256];
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"meta\":{\"lang\":\"ko\"}}", b, sizeof b), "<ko.example>");
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"meta\":{\"lang\":\"kor\"}}", b, sizeof b), "");
    CHECK_EQ_STR(tag_of(RULES, "{\"id\":\"1\",\"text\":\"x\",\"meta\":{\"site\":{\"kind\":\"forum-post\"}}}", b, sizeof b), "<forum>");
}

TEST(tag_default_from_host_renders_the_host) {
    char b[256];
    const char *r = "rules: []\ndefault: from-host\n";
    CHECK_EQ_STR(tag_of(r, "{\"id\":\"1\",\"text\":\"x\",\"url\":\"https://En.Wikipedia.org/x\"}", b, sizeof b), "<en.wikipedia.org>");
    CHECK_EQ_STR(tag_of(r, "{\"id\":\"1\",\"text\":\"x\"}", b, sizeof b), "");
    CHECK_EQ_STR(tag_of("default: \"<web>\"\n", "{\"id\":\"1\",\"text\":\"x\"}", b, sizeof b), "<web>");
}

TEST(tag_short_form_rule_without_match_key) {
    char b[256];
    const char *r = "rules:\n  - {source: \"brown/*\", tag: \"<brown.edu>\"}\n  - {url_host: arxiv.org}\n";
    CHECK_EQ_STR(tag_of(r, "{\"id\":\"1\",\"text\":\"x\",\"source\":\"brown/a\"}", b, sizeof b), "<brown.edu>");
    CHECK_EQ_STR(tag_of(r, "{\"id\":\"1\",\"text\":\"x\",\"url\":\"https://arxiv.org/abs/1\"}", b, sizeof b), "<arxiv.org>");
}

TEST(tag_rules_errors_name_file_and_line) {
    char b[256];
    tag_of("rules:\n  - match: {colour: red}\n    tag: x\n", "{\"text\":\"x\"}", b, sizeof b);
    CHECK(strstr(b, "rules.yaml:2") && strstr(b, "unknown match key 'colour'"));
    tag_of("rules:\n  - match: {source: a}\n", "{\"text\":\"x\"}", b, sizeof b);
    CHECK(strstr(b, "needs tag"));
    tag_of("rules:\n  - match: {source: a}\n    tag: x\n    colour: red\n", "{\"text\":\"x\"}", b, sizeof b);
    CHECK(strstr(b, "rules.yaml:4: unknown rule key 'colour'"));
}

/* ---- the stage, driven directly ---- */

typedef struct cap { stage_io io; buf out; size_t n; } cap;
static int cap_emit(stage_io *io, doc *d) { cap *c = io->ctx; jsonl_write(d, &c->out); c->n++; return 0; }
static int cap_reject(stage_io *io, doc *d, const char *r, const char *det) { return 1; }

static stage *tag_stage_with(const char *rules_path, const char *const *kv, char *err) {
    stage *s = stage_new(&tag_stage);
    if (stage_set(s, "rules", rules_path, err)) { stage_free(s); return NULL; }
    for (; kv && kv[0]; kv += 2) if (stage_set(s, kv[0], kv[1], err)) { stage_free(s); return NULL; }
    if (stage_init(s, err)) { stage_free(s); return NULL; }
    return s;
}

static char *write_tmp(const char *text) {
    char *p = strdup("/tmp/wn_tag_XXXXXX");
    int fd = mkstemp(p);
    if (write(fd, text, strlen(text)) < 0) {}
    close(fd);
    return p;
}

/* Run n docs with ids d0..d{n-1} through the stage; returns output and count tagged. */
static size_t run_many(stage *s, size_t n, buf *out) {
    cap c = { { cap_emit, cap_reject, NULL }, {0}, 0 };
    c.io.ctx = &c;
    doc d; jsonl_error e; char line[128], err[ERR_MAX];
    size_t tagged = 0;
    doc_init(&d);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "{\"id\":\"d%zu\",\"text\":\"t\",\"source\":\"brown/x\"}", i);
        jsonl_parse(&d, line, (size_t)len, "t", i + 1, &e);
        s->cls->process(s, &d, &c.io, err);
        const char *v; size_t vn;
        if (doc_meta_get(&d, "tag", &v, &vn)) tagged++;
    }
    doc_free(&d);
    *out = c.out;
    return tagged;
}

TEST(tag_probability_tags_the_fraction_and_is_reproducible) {
    char err[ERR_MAX];
    char *rules = write_tmp(RULES);
    const char *kv[] = { "probability", "0.3", "seed", "7", NULL };
    stage *s1 = tag_stage_with(rules, kv, err), *s2 = tag_stage_with(rules, kv, err);
    CHECK(s1 && s2);
    buf o1, o2;
    size_t t1 = run_many(s1, 10000, &o1), t2 = run_many(s2, 10000, &o2);
    CHECK(t1 > 2850 && t1 < 3150);          /* 0.3 +- 5 sigma (sigma ~ 46) */
    CHECK_EQ_INT(t1, t2);
    CHECK(o1.len == o2.len && !memcmp(o1.p, o2.p, o1.len));
    buf_free(&o1); buf_free(&o2);
    stage_free(s1); stage_free(s2);
    unlink(rules); free(rules);
}

TEST(tag_prefix_separator_and_meta_tag) {
    char err[ERR_MAX];
    char *rules = write_tmp(RULES);
    const char *kv[] = { "position", "both", "separator", " | ", NULL };
    stage *s = tag_stage_with(rules, kv, err);
    CHECK(s);
    buf o;
    run_many(s, 1, &o);
    CHECK(strstr(o.p, "\"text\":\"<brown.edu> | t | <brown.edu>\""));
    CHECK(strstr(o.p, "\"tag\":\"<brown.edu>\""));
    buf_free(&o); stage_free(s);
    unlink(rules); free(rules);
}

TEST(tag_special_tokens_file_lists_every_tag_once) {
    char err[ERR_MAX];
    char *rules = write_tmp("rules:\n"
        "  - match: {url_host: [wikipedia.org, wikimedia.org]}\n    tag: \"<Wikipedia.org>\"\n"
        "  - match: {source: \"brown/*\"}\n    domain: brown.edu\n"
        "  - match: {url_host: arxiv.org}\n"
        "  - match: {source: b}\n    tag: \"<Wikipedia.org>\"\n"
        "default: \"<web>\"\n");
    char out[] = "/tmp/wn_tagsp_XXXXXX";
    close(mkstemp(out));
    const char *kv[] = { "special-tokens", out, NULL };
    stage *s = tag_stage_with(rules, kv, err);
    CHECK(s);
    FILE *f = fopen(out, "r");
    char got[512] = {0};
    CHECK(f && fread(got, 1, sizeof got - 1, f) > 0);
    fclose(f);
    CHECK_EQ_STR(got, "<Wikipedia.org>\n<brown.edu>\n<arxiv.org>\n<web>\n");
    stage_free(s);
    unlink(out); unlink(rules); free(rules);
}
