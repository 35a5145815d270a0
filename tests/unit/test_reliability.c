/*
 * Regression tests of issue 10 (reliability): bugs found by the bad-input catalogue and the
 * fuzzers, pinned at the library level. The command-level cases are in tests/bad-inputs/.
 */
#include "test.h"
#include "../../pipeline/plan.h"
#include "../../pipeline/yaml_tree.h"
#include "../../pipeline/jsonl.h"
#include <stdlib.h>
#include <unistd.h>

extern const stage_class cat_stage, head_stage, sample_stage;
static const stage_class *const rel_stages[] = { &cat_stage, &head_stage, &sample_stage, NULL };

/* write text to a fresh temporary directory's p.yaml (with an in.jsonl beside it) */
static const char *rel_yaml(const char *text, size_t n) {
    static char dir[64], path[96];
    snprintf(dir, sizeof dir, "/tmp/wn-rel.XXXXXX");
    if (!mkdtemp(dir)) return NULL;
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs("{\"text\":\"a\"}\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/p.yaml", dir);
    f = fopen(path, "w");
    if (!f) return NULL;
    fwrite(text, 1, n, f);
    fclose(f);
    return path;
}
static void rel_cleanup(const char *path) {
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strrchr(path, '/') - path), path);
    if (system(cmd)) {}
}

/* A long scalar aliased many times in a list used to be copied each time: 2 GB from 160 KB. */
TEST(plan_refuses_alias_expansion_past_the_file_size) {
    buf y = {0};
    buf_adds(&y, "input: [in.jsonl]\noutput: {dir: &a \"");
    for (int i = 0; i < 100000; i++) buf_addc(&y, 'y');
    buf_adds(&y, "\"}\nsteps: [{sample: {fraction: [");
    for (int i = 0; i < 20000; i++) buf_adds(&y, i ? ",*a" : "*a");
    buf_adds(&y, "]}}]\n");
    const char *path = rel_yaml(y.p, y.len);
    buf_free(&y);
    CHECK(path != NULL);
    plan p;
    char err[ERR_MAX] = "";
    int r = plan_load(&p, path, rel_stages, err);
    plan_free(&p);
    rel_cleanup(path);
    CHECK_EQ_INT(r, -1);
    CHECK(strstr(err, "values expand to more than 16 times") != NULL);
    CHECK(strstr(err, "p.yaml:2:") != NULL);
}

TEST(plan_accepts_aliases_within_the_budget) {
    static const char y[] = "input: [in.jsonl]\noutput: {dir: out}\nseed: &s 7\nsteps:\n  - sample: {fraction: 0.5, seed: *s}\n  - head: {count: *s}\n";
    const char *path = rel_yaml(y, sizeof y - 1);
    CHECK(path != NULL);
    plan p;
    char err[ERR_MAX] = "";
    int r = plan_load(&p, path, rel_stages, err);
    size_t n = p.nsteps;
    plan_free(&p);
    rel_cleanup(path);
    CHECK_EQ_INT(r, 0);
    CHECK_EQ_INT(n, 2);
}

/* A second YAML document used to be ignored silently. */
TEST(yaml_tree_refuses_a_second_document) {
    static const char y[] = "a: 1\n---\nb: 2\n";
    yaml_tree *t = NULL;
    char err[ERR_MAX] = "";
    CHECK_EQ_INT(yaml_tree_load_string(&t, y, sizeof y - 1, "x.yaml", err), -1);
    CHECK(t == NULL);
    CHECK(strstr(err, "x.yaml:2: a second YAML document") != NULL);
}

TEST(yaml_tree_accepts_one_explicit_document) {
    static const char y[] = "---\na: 1\n...\n";
    yaml_tree *t = NULL;
    char err[ERR_MAX] = "";
    CHECK_EQ_INT(yaml_tree_load_string(&t, y, sizeof y - 1, "x.yaml", err), 0);
    yaml_tree_free(t);
}

TEST(yaml_tree_reports_an_error_in_a_second_document) {
    static const char y[] = "a: 1\n---\nb: [\n";
    yaml_tree *t = NULL;
    char err[ERR_MAX] = "";
    CHECK_EQ_INT(yaml_tree_load_string(&t, y, sizeof y - 1, "x.yaml", err), -1);
    CHECK(strstr(err, "x.yaml:") != NULL);
}

/* JSON nesting is bounded: 100,000 '[' is an error, not a stack overflow. */
TEST(jsonl_deep_nesting_is_an_error_not_a_crash) {
    buf l = {0};
    buf_adds(&l, "{\"text\":\"a\",\"m\":");
    for (int i = 0; i < 100000; i++) buf_addc(&l, '[');
    doc d; doc_init(&d);
    jsonl_error e;
    int r = jsonl_parse(&d, l.p, l.len, "f", 1, &e);
    doc_free(&d);
    buf_free(&l);
    CHECK_EQ_INT(r, -1);
    CHECK(strstr(e.reason, "nesting deeper than") != NULL);
}
