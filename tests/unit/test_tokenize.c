/* Unit tests: tokenizer/tokenize (documents -> shards + manifest), library level. */
#include "test.h"
#include "../../tokenizer/tokenize.h"
#include "../../pipeline/shard.h"
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#define TINY_TOK "tests/fixtures/tokenize/tiny-tokenizer.json"

static void cfg_init(tokenize_cfg *c, const char *dir) {
    memset(c, 0, sizeof *c);
    opt_defaults(tokenize_opts, c);
    c->tokenizer = xstrdup(TINY_TOK);
    c->output = xstrdup(dir);
    c->threads = 1;
}

static int run_docs(tokenize_cfg *c, int ndocs, char *err) {
    tokenize *t = tokenize_open(c, "test", err);
    if (!t) return -1;
    char id[32], text[256];
    for (int i = 0; i < ndocs; i++) {
        snprintf(id, sizeof id, "doc%d", i);
        int n = snprintf(text, sizeof text, "the answer %d is in the sea%s", i, i % 3 ? " there" : "");
        if (tokenize_add(t, id, strlen(id), text, i % 10 == 9 ? 0 : (size_t)n, err) < 0) { tokenize_free(t); return -1; }
    }
    int rc = tokenize_finish(t, err);
    tokenize_free(t);
    return rc;
}

static void rm_dir(const char *dir) {
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) { /* best effort */ }
}

TEST(tokenize_default_name_is_dir_base_name) {
    char *a = tokenize_default_name("out/brown/"), *b = tokenize_default_name("."),
         *c = tokenize_default_name("/"), *d = tokenize_default_name("x");
    CHECK_EQ_STR(a, "brown");
    CHECK_EQ_STR(b, "shards");
    CHECK_EQ_STR(c, "shards");
    CHECK_EQ_STR(d, "x");
    free(a); free(b); free(c); free(d);
}

TEST(tokenize_counts_documents_and_skips_empty) {
    if (access(TINY_TOK, R_OK)) return;         /* run from the repository root */
    char dir[128], err[ERR_MAX] = "";
    snprintf(dir, sizeof dir, "/tmp/wn_test_tokenize_%ld_a", (long)getpid());
    tokenize_cfg c;
    cfg_init(&c, dir);
    CHECK(run_docs(&c, 100, err) == 0);
    manifest m;
    CHECK(manifest_read(dir, &m, err) == 0);
    CHECK_EQ_INT(m.documents, 90);
    CHECK_EQ_INT(m.skipped_empty, 10);
    CHECK_EQ_INT(m.eot_id, 266);
    CHECK_EQ_INT(m.nshards, 1);
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, m.shards[0].file);
    uint32_t *t; uint64_t n;
    CHECK(shard_load(p, &t, &n, err) == 0);
    CHECK_EQ_INT(n, m.tokens);
    uint64_t eots = 0;
    for (uint64_t i = 0; i < n; i++) eots += t[i] == 266;
    CHECK_EQ_INT(eots, 90);
    CHECK_EQ_INT(t[0], 266);
    free(t);
    manifest_free(&m);
    opt_free(tokenize_opts, &c);
    rm_dir(dir);
}

TEST(tokenize_output_independent_of_threads_and_memory) {
    if (access(TINY_TOK, R_OK)) return;
    char a[128], b[128], err[ERR_MAX] = "";
    snprintf(a, sizeof a, "/tmp/wn_test_tokenize_%ld_b", (long)getpid());
    snprintf(b, sizeof b, "/tmp/wn_test_tokenize_%ld_c", (long)getpid());
    tokenize_cfg c1, c2;
    cfg_init(&c1, a);
    cfg_init(&c2, b);
    free(c1.name); c1.name = xstrdup("s");
    free(c2.name); c2.name = xstrdup("s");
    c1.val_fraction = c2.val_fraction = 0.3;
    c2.threads = 3;
    c2.memory = 4096;
    CHECK(run_docs(&c1, 500, err) == 0);
    CHECK(run_docs(&c2, 500, err) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cmp -s %s/s_train_000000.bin %s/s_train_000000.bin && cmp -s %s/s_val_000000.idx %s/s_val_000000.idx && cmp -s %s/manifest.json %s/manifest.json", a, b, a, b, a, b);
    CHECK(system(cmd) == 0);
    opt_free(tokenize_opts, &c1);
    opt_free(tokenize_opts, &c2);
    rm_dir(a);
    rm_dir(b);
}

TEST(tokenize_open_reports_missing_tokenizer) {
    tokenize_cfg c;
    char err[ERR_MAX] = "";
    cfg_init(&c, "/tmp/wn_never_created");
    free(c.tokenizer);
    c.tokenizer = xstrdup("/nonexistent/tok.json");
    CHECK(tokenize_open(&c, "x", err) == NULL);
    CHECK(strstr(err, "/nonexistent/tok.json"));
    opt_free(tokenize_opts, &c);
}
