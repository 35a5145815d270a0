/* Unit tests: pipeline/shard (llm.c token shard files). */
#include "test.h"
#include "../../pipeline/shard.h"
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <xxhash.h>

static char *tmp_path(char *out, size_t n, const char *leaf) {
    snprintf(out, n, "/tmp/wn_test_shard_%ld_%s", (long)getpid(), leaf);
    return out;
}

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int read_bytes(const char *p, unsigned char *b, size_t n) {
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    size_t r = fread(b, 1, n, f);
    fclose(f);
    return (int)r;
}

TEST(shard_u16_roundtrip_header_and_tokens) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "a.bin");
    shard_writer *w = shard_writer_open(p, 2, err);
    CHECK(w);
    uint32_t ids[] = { 50256, 1, 2, 65535, 0 };
    CHECK(shard_writer_write(w, ids, 3, err) == 0);
    CHECK(shard_writer_write(w, ids + 3, 2, err) == 0);
    CHECK_EQ_INT(shard_writer_tokens(w), 5);
    uint64_t h = 0;
    CHECK(shard_writer_close(w, &h, err) == 0);
    CHECK_EQ_INT(file_size(p), 1024 + 2 * 5);
    unsigned char b[1034];
    CHECK_EQ_INT(read_bytes(p, b, sizeof b), 1034);
    CHECK_EQ_INT(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24, 20240520);
    CHECK_EQ_INT(b[4], 1);
    CHECK_EQ_INT(b[8], 5);
    CHECK_EQ_INT(b[1024] | b[1025] << 8, 50256);
    CHECK_EQ_INT(b[1030] | b[1031] << 8, 65535);
    CHECK(h == XXH3_64bits(b, sizeof b));
    uint32_t *t; uint64_t n;
    CHECK(shard_load(p, &t, &n, err) == 0);
    CHECK_EQ_INT(n, 5);
    CHECK(memcmp(t, ids, sizeof ids) == 0);
    free(t);
    unlink(p);
}

TEST(shard_u32_uses_magic_20240801_version_7) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "b.bin");
    shard_writer *w = shard_writer_open(p, 4, err);
    CHECK(w);
    uint32_t ids[] = { 100000, 7, 199999 };
    CHECK(shard_writer_write(w, ids, 3, err) == 0);
    CHECK(shard_writer_close(w, NULL, err) == 0);
    shard_info info;
    CHECK(shard_read_header(p, &info, err) == 0);
    CHECK_EQ_INT(info.magic, 20240801);
    CHECK_EQ_INT(info.version, 7);
    CHECK_EQ_INT(info.tokens, 3);
    CHECK_EQ_INT(info.token_bytes, 4);
    CHECK_EQ_INT(file_size(p), 1024 + 12);
    uint32_t *t; uint64_t n;
    CHECK(shard_load(p, &t, &n, err) == 0);
    CHECK(n == 3 && t[0] == 100000 && t[2] == 199999);
    free(t);
    unlink(p);
}

TEST(shard_token_width_follows_vocab_size) {
    CHECK_EQ_INT(shard_token_bytes_for_vocab(50257), 2);
    CHECK_EQ_INT(shard_token_bytes_for_vocab(65536), 2);
    CHECK_EQ_INT(shard_token_bytes_for_vocab(65537), 4);
}

TEST(shard_u16_rejects_id_over_65535) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "c.bin");
    shard_writer *w = shard_writer_open(p, 2, err);
    CHECK(w);
    uint32_t id = 70000;
    CHECK(shard_writer_write(w, &id, 1, err) == -1);
    CHECK(strstr(err, "70000"));
    shard_writer_abort(w);
    CHECK_EQ_INT(file_size(p), -1);
}

TEST(shard_writer_is_atomic_until_close) {
    char p[256], tmpn[300], err[ERR_MAX];
    tmp_path(p, sizeof p, "d.bin");
    shard_writer *w = shard_writer_open(p, 2, err);
    CHECK(w);
    uint32_t id = 3;
    CHECK(shard_writer_write(w, &id, 1, err) == 0);
    CHECK_EQ_INT(file_size(p), -1);
    snprintf(tmpn, sizeof tmpn, "%s.tmp.%ld", p, (long)getpid());
    CHECK(file_size(tmpn) >= 0);
    shard_writer_abort(w);
    CHECK_EQ_INT(file_size(tmpn), -1);
    CHECK_EQ_INT(file_size(p), -1);
}

TEST(shard_header_check_rejects_truncated_file) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "e.bin");
    shard_writer *w = shard_writer_open(p, 2, err);
    uint32_t ids[4] = { 1, 2, 3, 4 };
    CHECK(shard_writer_write(w, ids, 4, err) == 0);
    CHECK(shard_writer_close(w, NULL, err) == 0);
    CHECK(truncate(p, 1024 + 6) == 0);
    shard_info info;
    CHECK(shard_read_header(p, &info, err) == -1);
    CHECK(strstr(err, "size"));
    unlink(p);
}

TEST(shard_header_check_rejects_bad_magic) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "f.bin");
    FILE *f = fopen(p, "wb");
    CHECK(f);
    unsigned char hdr[1024] = { 1, 2, 3, 4 };
    fwrite(hdr, 1, sizeof hdr, f);
    fclose(f);
    shard_info info;
    CHECK(shard_read_header(p, &info, err) == -1);
    CHECK(strstr(err, "magic"));
    CHECK(shard_read_header("/nonexistent/x.bin", &info, err) == -1);
    unlink(p);
}

TEST(shard_empty_shard_is_header_only) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "g.bin");
    shard_writer *w = shard_writer_open(p, 2, err);
    CHECK(shard_writer_close(w, NULL, err) == 0);
    CHECK_EQ_INT(file_size(p), 1024);
    uint32_t *t; uint64_t n;
    CHECK(shard_load(p, &t, &n, err) == 0);
    CHECK_EQ_INT(n, 0);
    free(t);
    unlink(p);
}

TEST(shard_large_write_crosses_buffer) {
    char p[256], err[ERR_MAX];
    tmp_path(p, sizeof p, "h.bin");
    size_t n = 1500000;
    uint32_t *ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++) ids[i] = (uint32_t)(i * 7919u % 65536u);
    shard_writer *w = shard_writer_open(p, 2, err);
    CHECK(shard_writer_write(w, ids, n, err) == 0);
    CHECK(shard_writer_close(w, NULL, err) == 0);
    uint32_t *t; uint64_t m;
    CHECK(shard_load(p, &t, &m, err) == 0);
    CHECK_EQ_INT(m, n);
    CHECK(memcmp(t, ids, n * sizeof *ids) == 0);
    free(t); free(ids);
    unlink(p);
}

TEST(shard_name_format) {
    char b[128];
    CHECK(shard_name(b, sizeof b, "out", "brown", "val", 3, ".bin") == 0);
    CHECK_EQ_STR(b, "out/brown_val_000003.bin");
    CHECK(shard_name(b, sizeof b, NULL, "x", "train", 0, ".idx") == 0);
    CHECK_EQ_STR(b, "x_train_000000.idx");
    CHECK(shard_name(b, 8, NULL, "x", "train", 0, ".idx") == -1);
}

/* ---- shuffle ---- */
#include "../../pipeline/shuffle.h"
#include "../../pipeline/manifest.h"

static void shuffle_collect(size_t memory, uint32_t *out, size_t n, unsigned *spills) {
    char err[ERR_MAX];
    shuffle *s = shuffle_new(memory, NULL);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t rec[3] = { i, i * 3, i * 5 };     /* variable sizes: 4, 8 or 12 bytes */
        shuffle_add(s, (uint64_t)(i * 2654435761u % 1000u), rec, 4 * (1 + i % 3), err);
    }
    shuffle_finish(s, err);
    const void *p; size_t k; size_t j = 0;
    while (shuffle_next(s, &p, &k, err) == 1 && j < n) { memcpy(&out[j], p, 4); j++; }
    if (spills) *spills = shuffle_spills(s);
    shuffle_free(s);
}

TEST(shuffle_orders_by_key_then_insertion) {
    char err[ERR_MAX];
    shuffle *s = shuffle_new(1 << 20, NULL);
    const char *v[] = { "c", "a", "b", "a2" };
    uint64_t keys[] = { 3, 1, 2, 1 };
    for (int i = 0; i < 4; i++) CHECK(shuffle_add(s, keys[i], v[i], strlen(v[i]), err) == 0);
    CHECK(shuffle_finish(s, err) == 0);
    const void *p; size_t n;
    const char *want[] = { "a", "a2", "b", "c" };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(shuffle_next(s, &p, &n, err), 1);
        CHECK_EQ_MEM(p, n, want[i], strlen(want[i]));
    }
    CHECK_EQ_INT(shuffle_next(s, &p, &n, err), 0);
    CHECK_EQ_INT(shuffle_records(s), 4);
    shuffle_free(s);
}

TEST(shuffle_order_does_not_depend_on_memory_budget) {
    enum { N = 20000 };
    static uint32_t a[N], b[N];
    unsigned sa = 0, sb = 0;
    shuffle_collect(64u << 20, a, N, &sa);
    shuffle_collect(8192, b, N, &sb);
    CHECK_EQ_INT(sa, 0);
    CHECK(sb > 10);
    CHECK(memcmp(a, b, sizeof a) == 0);
}

TEST(shuffle_empty_yields_nothing) {
    char err[ERR_MAX];
    shuffle *s = shuffle_new(0, NULL);
    CHECK(shuffle_finish(s, err) == 0);
    const void *p; size_t n;
    CHECK_EQ_INT(shuffle_next(s, &p, &n, err), 0);
    shuffle_free(s);
}

TEST(shuffle_unwritable_tmp_dir_fails_on_spill) {
    char err[ERR_MAX];
    shuffle *s = shuffle_new(4096, "/nonexistent/dir");
    char rec[1000] = { 0 };
    int rc = 0;
    for (int i = 0; i < 10 && rc == 0; i++) rc = shuffle_add(s, (uint64_t)i, rec, sizeof rec, err);
    CHECK_EQ_INT(rc, -1);
    CHECK(strstr(err, "/nonexistent/dir"));
    shuffle_free(s);
}

/* ---- manifest ---- */

static void manifest_sample(manifest *m) {
    manifest_init(m);
    m->name = xstrdup("brown");
    m->tokenizer_file = xstrdup("tok \"x\".json");
    snprintf(m->tokenizer_sha256, sizeof m->tokenizer_sha256, "%064d", 7);
    m->vocab_size = 50257; m->eot_id = 50256; m->token_bytes = 2;
    m->seed = 18446744073709551615ull; m->val_fraction = 0.25; m->shuffle = 1;
    m->shard_tokens = 1000; m->skipped_empty = 3;
    m->command = xstrdup("winnow tokenize -o out");
    manifest_add_shard(m, "brown_train_000000.bin", "brown_train_000000.idx", "train", 10, 1000, 4000, 0xdeadbeefcafef00dull);
    manifest_add_shard(m, "brown_val_000000.bin", NULL, "val", 2, 100, 400, 1);
}

TEST(manifest_roundtrips_every_field) {
    manifest a, b;
    char err[ERR_MAX];
    manifest_sample(&a);
    buf t = { 0 };
    manifest_format(&a, &t);
    CHECK(manifest_parse(t.p, t.len, "m.json", &b, err) == 0);
    CHECK_EQ_STR(b.name, "brown");
    CHECK_EQ_STR(b.tokenizer_file, "tok \"x\".json");
    CHECK_EQ_STR(b.tokenizer_sha256, a.tokenizer_sha256);
    CHECK_EQ_INT(b.vocab_size, 50257);
    CHECK_EQ_INT(b.eot_id, 50256);
    CHECK(b.seed == 18446744073709551615ull);
    CHECK_NEAR(b.val_fraction, 0.25, 0);
    CHECK_EQ_INT(b.shuffle, 1);
    CHECK_EQ_INT(b.shard_tokens, 1000);
    CHECK_EQ_STR(b.command, "winnow tokenize -o out");
    CHECK_EQ_INT(b.documents, 12);
    CHECK_EQ_INT(b.tokens, 1100);
    CHECK_EQ_INT(b.source_bytes, 4400);
    CHECK_EQ_INT(b.skipped_empty, 3);
    CHECK_EQ_INT(b.nshards, 2);
    CHECK_EQ_STR(b.shards[0].idx, "brown_train_000000.idx");
    CHECK(b.shards[1].idx == NULL);
    CHECK(b.shards[0].xxh3 == 0xdeadbeefcafef00dull);
    CHECK_EQ_STR(b.shards[1].split, "val");
    CHECK_EQ_INT(b.train.tokens, 1000);
    CHECK_EQ_INT(b.val.documents, 2);
    CHECK_EQ_INT(b.val.shards, 1);
    buf u = { 0 };
    manifest_format(&b, &u);
    CHECK_EQ_MEM(u.p, u.len, t.p, t.len);
    buf_free(&t); buf_free(&u);
    manifest_free(&a); manifest_free(&b);
}

TEST(manifest_rejects_newer_format_version) {
    manifest m;
    char err[ERR_MAX];
    const char *j = "{\"format_version\": 99, \"tokenizer\": {}, \"shards\": []}";
    CHECK(manifest_parse(j, strlen(j), "m.json", &m, err) == -1);
    CHECK(strstr(err, "newer"));
}

TEST(manifest_requires_tokenizer_and_shards) {
    manifest m;
    char err[ERR_MAX];
    const char *j = "{\"format_version\": 1, \"shards\": []}";
    CHECK(manifest_parse(j, strlen(j), "m.json", &m, err) == -1);
    CHECK(strstr(err, "tokenizer"));
    const char *k = "{\"format_version\": 1, \"tokenizer\": {\"vocab_size\": 5}, \"shards\": [], \"future\": [1,{}]}";
    CHECK(manifest_parse(k, strlen(k), "m.json", &m, err) == 0);
    CHECK_EQ_INT(m.vocab_size, 5);
    manifest_free(&m);
}

TEST(manifest_rejects_shard_path_outside_dir) {
    manifest m;
    char err[ERR_MAX];
    const char *j = "{\"tokenizer\": {}, \"shards\": [{\"file\": \"../x.bin\"}]}";
    CHECK(manifest_parse(j, strlen(j), "m.json", &m, err) == -1);
    CHECK(strstr(err, "base name"));
}

TEST(manifest_write_then_read_from_dir) {
    manifest a, b;
    char err[ERR_MAX], dir[128];
    snprintf(dir, sizeof dir, "/tmp/wn_test_manifest_%ld", (long)getpid());
    mkdir(dir, 0755);
    manifest_sample(&a);
    CHECK(manifest_write(dir, &a, err) == 0);
    CHECK(manifest_read(dir, &b, err) == 0);
    CHECK_EQ_INT(b.nshards, 2);
    char p[256];
    CHECK(manifest_shard_path(dir, &b.shards[0], p, sizeof p) == 0);
    CHECK(strstr(p, "/brown_train_000000.bin"));
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    unlink(p);
    rmdir(dir);
    manifest_free(&a); manifest_free(&b);
    CHECK(manifest_read(dir, &b, err) == -1);
}
