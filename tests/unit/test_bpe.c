/* Unit tests: tokenizer/ (pre-tokenizers, merge engine, trainer, formats) and pipeline/sha256. */
#include "test.h"
#include "../../tokenizer/bpe_impl.h"
#include "../../tokenizer/bpe_json.h"
#include "../../pipeline/sha256.h"
#include <stdlib.h>

/* pieces of s as "|"-joined string */
static void split(pretok_kind k, const char *s, size_t n, char *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < n) {
        size_t j = pretok_next(k, (const uint8_t *)s, n, i);
        if (i && o + 1 < cap) out[o++] = '|';
        for (size_t x = i; x < j && o + 1 < cap; x++) out[o++] = s[x];
        i = j;
    }
    out[o] = 0;
}
#define SPLIT(k, s, want) do { char b_[512]; split(k, s, strlen(s), b_, sizeof b_); CHECK_EQ_STR(b_, want); } while (0)

TEST(pretok_gpt2_space_joins_next_word_and_runs_keep_last_space) {
    SPLIT(PRETOK_GPT2, "a   hello world", "a|  | hello| world");
    SPLIT(PRETOK_GPT2, "end   ", "end|   ");
    SPLIT(PRETOK_GPT2, "x\n\ny", "x|\n|\n|y");
}
TEST(pretok_gpt2_contractions_are_case_sensitive) {
    SPLIT(PRETOK_GPT2, "don't DON'T", "don|'t| DON|'|T");
}
TEST(pretok_cl100k_contractions_case_insensitive_and_digits_by_three) {
    SPLIT(PRETOK_CL100K, "DON'T 12345", "DON|'T| |123|45");
}
TEST(pretok_cl100k_newline_run_then_trailing_spaces) {
    SPLIT(PRETOK_CL100K, "a\n  ", "a|\n|  ");
    SPLIT(PRETOK_CL100K, "a \n\n b", "a| \n\n| b");
}
TEST(pretok_cl100k_punct_takes_one_prefix_char_before_letters) {
    SPLIT(PRETOK_CL100K, "(hello) \tworld", "(hello|)| |\tworld");
}
TEST(pretok_o200k_splits_case_runs) {
    SPLIT(PRETOK_O200K, "HelloWORLD camelCase", "Hello|WORLD| camel|Case");
    SPLIT(PRETOK_O200K, "path/to\n", "path|/to|\n");
}
TEST(pretok_invalid_utf8_is_covered_byte_by_byte) {
    const char s[] = "ab\xff\xfe cd\xc3";
    char b[64];
    split(PRETOK_O200K, s, sizeof s - 1, b, sizeof b);
    CHECK_EQ_MEM(b, strlen(b), "ab|\xff\xfe| cd|\xc3", strlen("ab|\xff\xfe| cd|\xc3"));
}
TEST(pretok_none_is_whole_text_and_whitespace_splits_words) {
    SPLIT(PRETOK_NONE, "a b  c", "a b  c");
    SPLIT(PRETOK_WHITESPACE, "a b-c  d", "a| b-c| | d");
}

/* Compare pretok_next with the committed oracle pieces (tools/bpe_fixtures.js: the pat_str as
 * a JavaScript regex, checked against tiktoken). Needs no rank file. */
static int read_all(const char *path, buf *b) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char tmp[65536]; size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(b, tmp, r);
    fclose(f);
    return 0;
}
static void check_fixture(pretok_kind k, const char *name) {
    buf texts = {0}, ref = {0};
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/bpe/%s.jsonl", name);
    CHECK(read_all("tests/fixtures/bpe/texts.jsonl", &texts) == 0);
    CHECK(read_all(path, &ref) == 0);
    size_t a = 0, b = 0, line = 0;
    while (a < texts.len && b < ref.len) {
        char *na = memchr(texts.p + a, '\n', texts.len - a), *nb = memchr(ref.p + b, '\n', ref.len - b);
        CHECK(na && nb);
        bj_doc jt, jr;
        char err[ERR_MAX];
        CHECK(bj_parse(&jt, texts.p + a, (size_t)(na - texts.p) - a, err) == 0);
        CHECK(bj_parse(&jr, ref.p + b, (size_t)(nb - ref.p) - b, err) == 0);
        size_t n, tl;
        const char *nm = bj_str(&jt, bj_get(&jt, 0, "name"), &n);
        const char *t = bj_str(&jt, bj_get(&jt, 0, "text"), &tl);
        int pieces = bj_get(&jr, 0, "pieces");
        size_t i = 0;
        int c = jr.n[pieces].first;
        for (; c >= 0 && i < tl; c = jr.n[c].next) {
            size_t j = pretok_next(k, (const uint8_t *)t, tl, i);
            if (j - i != (size_t)jr.n[c].num) {
                test_fail(__FILE__, __LINE__, "%s text %zu (%.*s): piece at byte %zu is %zu bytes, expected %.0f",
                          name, line + 1, (int)n, nm, i, j - i, jr.n[c].num);
                bj_free(&jt); bj_free(&jr); buf_free(&texts); buf_free(&ref);
                return;
            }
            i = j;
        }
        CHECK(c < 0 && i == tl);
        bj_free(&jt); bj_free(&jr);
        a = (size_t)(na - texts.p) + 1; b = (size_t)(nb - ref.p) + 1; line++;
    }
    CHECK(line > 80);
    buf_free(&texts); buf_free(&ref);
}
TEST(pretok_gpt2_matches_fixture_pieces) { check_fixture(PRETOK_GPT2, "gpt2"); }
TEST(pretok_cl100k_matches_fixture_pieces) { check_fixture(PRETOK_CL100K, "cl100k"); }
TEST(pretok_o200k_matches_fixture_pieces) { check_fixture(PRETOK_O200K, "o200k"); }

TEST(sha256_known_vectors) {
    char h[65];
    sha256_hex("", 0, h);
    CHECK_EQ_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, h);
    CHECK_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char m[1000];
    memset(m, 'a', sizeof m);
    sha256_ctx c; uint8_t d[32];
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) sha256_update(&c, m, 1000);
    sha256_final(&c, d);
    sha256_to_hex(d, h);
    CHECK_EQ_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static bpe *train(const char *const *texts, size_t n, uint32_t vocab, const char *pat, int threads, uint64_t minf) {
    char err[ERR_MAX];
    const char *spec[] = {"<|endoftext|>"};
    bpe_train_opts o = {vocab, pat, spec, 1, minf, threads};
    bpe_trainer *tr = bpe_trainer_new(&o, err);
    if (!tr) return NULL;
    size_t *lens = malloc(n * sizeof *lens);
    for (size_t i = 0; i < n; i++) lens[i] = strlen(texts[i]);
    bpe_trainer_add_batch(tr, texts, lens, n);
    free(lens);
    bpe *t = bpe_trainer_finish(tr, err);
    bpe_trainer_free(tr);
    return t;
}

TEST(train_highest_count_pair_merges_first) {
    const char *tx[] = {"xyxyxy ab"};
    bpe *t = train(tx, 1, 258, "none", 1, 1);
    CHECK(t);
    size_t n;
    const char *p = bpe_token_bytes(t, 256, &n);
    CHECK_EQ_MEM(p, n, "xy", 2);
    bpe_free(t);
}
TEST(train_ties_go_to_smaller_pair_ids) {
    const char *tx[] = {"abcd"};
    bpe *t = train(tx, 1, 259, "none", 1, 1);
    CHECK(t);
    size_t n;
    const char *p = bpe_token_bytes(t, 256, &n);
    CHECK_EQ_MEM(p, n, "ab", 2);       /* (97,98) < (98,99) < (99,100) */
    p = bpe_token_bytes(t, 257, &n);
    CHECK_EQ_MEM(p, n, "cd", 2);       /* (99,100) < (256,99) */
    CHECK_EQ_INT(bpe_token_id(t, "<|endoftext|>", 13), 258);
    CHECK_EQ_INT(bpe_eot_id(t), 258);
    bpe_free(t);
}
TEST(train_output_independent_of_threads_and_batching) {
    const char *tx[] = {"the cat sat on the mat", "the dog sat on the log", "a cat and a dog",
                        "then the cat ran", "the end of the story", "cats and dogs"};
    bpe *a = train(tx, 6, 300, "gpt2", 1, 1), *b = train(tx, 6, 300, "gpt2", 2, 1);
    CHECK(a && b);
    buf ja = {0}, jb = {0};
    char err[ERR_MAX];
    bpe_save(a, "json", &ja, NULL, err);
    bpe_save(b, "json", &jb, NULL, err);
    CHECK_EQ_MEM(ja.p, ja.len, jb.p, jb.len);
    buf_free(&ja); buf_free(&jb); bpe_free(a); bpe_free(b);
}

TEST(encode_decode_roundtrip_random_bytes) {
    const char *tx[] = {"hello world hello there", "\xe6\x9d\xb1\xe4\xba\xac \xe6\x9d\xb1"};
    bpe *t = train(tx, 2, 280, "o200k", 1, 1);
    CHECK(t);
    bpe_ctx *c = bpe_ctx_new(t);
    unsigned char r[4096];
    uint64_t s = 42;
    for (size_t i = 0; i < sizeof r; i++) { s = s * 6364136223846793005ULL + 1442695040888963407ULL; r[i] = (unsigned char)(s >> 56); }
    uint32_t *ids = NULL; size_t len = 0, cap = 0;
    bpe_encode(c, (const char *)r, sizeof r, 0, &ids, &len, &cap);
    buf out = {0};
    char err[ERR_MAX];
    CHECK(bpe_decode(t, ids, len, &out, err) == 0);
    CHECK_EQ_MEM(out.p, out.len, (const char *)r, sizeof r);
    free(ids); buf_free(&out); bpe_ctx_free(c); bpe_free(t);
}

/* naive O(n^2) reference: lowest priority pair, leftmost first */
static size_t naive_merge(const bpe *t, const char *p, size_t n, uint32_t *s) {
    for (size_t i = 0; i < n; i++) s[i] = t->byte_id[(uint8_t)p[i]];
    for (;;) {
        uint32_t best = BPE_NONE, bid = 0, r, id; size_t bi = 0;
        for (size_t i = 0; i + 1 < n; i++)
            if (bpe_pair_get(t, s[i], s[i + 1], &r, &id) && r < best) { best = r; bi = i; bid = id; }
        if (best == BPE_NONE) return n;
        s[bi] = bid;
        memmove(s + bi + 1, s + bi + 2, (n - bi - 2) * sizeof *s);
        n--;
    }
}

TEST(long_piece_heap_merge_equals_naive) {
    const char *tx[] = {"abcabcabd abcab aaaa abab bcbc"};
    bpe *t = train(tx, 1, 275, "gpt2", 1, 1);
    CHECK(t);
    char w[3001];
    uint64_t s = 7;
    for (int i = 0; i < 3000; i++) { s = s * 6364136223846793005ULL + 1; w[i] = "abcd"[(s >> 60) & 3]; }
    w[3000] = 0;
    bpe_ctx *c = bpe_ctx_new(t);
    uint32_t *ids = NULL; size_t len = 0, cap = 0;
    bpe_encode(c, w, 3000, 0, &ids, &len, &cap);
    uint32_t *ref = malloc(3000 * sizeof *ref);
    size_t rn = naive_merge(t, w, 3000, ref);
    CHECK_EQ_INT(len, rn);
    CHECK(!memcmp(ids, ref, rn * sizeof *ref));
    free(ids); free(ref); bpe_ctx_free(c); bpe_free(t);
}

TEST(special_text_encoded_as_text_unless_allowed) {
    const char *tx[] = {"a b c"};
    bpe *t = train(tx, 1, 260, "gpt2", 1, 1);
    CHECK(t);
    bpe_ctx *c = bpe_ctx_new(t);
    uint32_t *ids = NULL; size_t len = 0, cap = 0;
    int64_t eot = bpe_eot_id(t);
    bpe_encode(c, "x<|endoftext|>y", 15, 0, &ids, &len, &cap);
    for (size_t i = 0; i < len; i++) CHECK(ids[i] != (uint32_t)eot);
    len = 0;
    bpe_encode(c, "x<|endoftext|>y", 15, 1, &ids, &len, &cap);
    CHECK_EQ_INT(len, 3);
    CHECK_EQ_INT(ids[1], eot);
    free(ids); bpe_ctx_free(c); bpe_free(t);
}

TEST(json_save_load_keeps_ids_and_pattern) {
    const char *tx[] = {"Hello, World! HELLO world's 12345"};
    bpe *t = train(tx, 1, 290, "cl100k", 1, 1);
    CHECK(t);
    buf j = {0};
    char err[ERR_MAX];
    CHECK(bpe_save(t, "json", &j, NULL, err) == 0);
    bpe *u = bpe_load_mem(j.p, j.len, "mem", NULL, err);
    CHECK(u);
    CHECK_EQ_STR(bpe_pattern_name(u), "cl100k");
    CHECK_EQ_INT(bpe_vocab_size(u), bpe_vocab_size(t));
    bpe_ctx *a = bpe_ctx_new(t), *b = bpe_ctx_new(u);
    uint32_t *x = NULL, *y = NULL; size_t xl = 0, xc = 0, yl = 0, yc = 0;
    bpe_encode(a, tx[0], strlen(tx[0]), 0, &x, &xl, &xc);
    bpe_encode(b, tx[0], strlen(tx[0]), 0, &y, &yl, &yc);
    CHECK_EQ_INT(xl, yl);
    CHECK(!memcmp(x, y, xl * sizeof *x));
    free(x); free(y); bpe_ctx_free(a); bpe_ctx_free(b); bpe_free(t); bpe_free(u); buf_free(&j);
}

TEST(load_rank_file_reports_line_of_bad_entry) {
    char err[ERR_MAX] = "";
    bpe_load_opts o = {"gpt2", NULL, 0};
    bpe *t = bpe_load_mem("QQ== 0\nQg== x\n", 14, "r.tiktoken", &o, err);
    CHECK(!t);
    CHECK(strstr(err, "r.tiktoken:2:") != NULL);
}
