/*
 * fuzz target: BPE encode/decode round trip (tokenizer/bpe.c, pretok.c).
 * Three small tokenizers are trained once at start-up (patterns gpt2, cl100k, o200k, with the
 * special token <|endoftext|>) from fixed texts, plus tests/fixtures/tokenize/tiny-tokenizer.json
 * when FUZZ_TOKENIZER names it. Property, for every one of them and both settings of
 * allow_special: decode(encode(x)) == x for any bytes x (invalid UTF-8 included), every id
 * below the vocabulary size, and encoding is the same when done twice with one context
 * (the word cache does not change results).
 */
#include "fuzz_util.h"
#include "../tokenizer/bpe.h"

static bpe *toks[4];
static bpe_ctx *ctxs[4];
static int ntoks;

static const char *const train_texts[] = {
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away!",
    "It's 2024 and we've got 12,345 tokens -- don't we?  Yes: we'll see.\n\n  indented\tline",
    "naïve café résumé — Ünïcödé, 日本語のテキスト, 中文文本, Кириллица, عربى, emoji 😀🎉",
    "def f(x):\n    return x * 2  # comment\nif __name__ == '__main__':\n    print(f(21))\n",
    "aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb abababababababab    \r\n\r\n 1234567890 3.14159",
};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static const char *pats[] = {"gpt2", "cl100k", "o200k"};
    static const char *const specials[] = {"<|endoftext|>"};
    char err[ERR_MAX];
    for (int p = 0; p < 3; p++) {
        bpe_train_opts o = { .vocab_size = 400, .pattern = pats[p], .specials = specials, .nspecials = 1,
                             .min_frequency = 1, .threads = 1 };
        bpe_trainer *tr = bpe_trainer_new(&o, err);
        if (!tr) { fprintf(stderr, "trainer: %s\n", err); abort(); }
        for (int r = 0; r < 3; r++)
            for (size_t i = 0; i < sizeof train_texts / sizeof *train_texts; i++)
                bpe_trainer_add(tr, train_texts[i], strlen(train_texts[i]));
        bpe *t = bpe_trainer_finish(tr, err);
        if (!t) { fprintf(stderr, "train: %s\n", err); abort(); }
        bpe_trainer_free(tr);
        toks[ntoks++] = t;
    }
    const char *f = getenv("FUZZ_TOKENIZER");
    if (f && *f) {
        bpe *t = bpe_load(f, NULL, err);
        if (!t) { fprintf(stderr, "FUZZ_TOKENIZER: %s\n", err); abort(); }
        toks[ntoks++] = t;
    }
    for (int i = 0; i < ntoks; i++) ctxs[i] = bpe_ctx_new(toks[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint32_t *ids, *ids2;
    static size_t cap, cap2;
    static buf out;
    char err[ERR_MAX];
    const char *p = (const char *)data;
    for (int k = 0; k < ntoks; k++) {
        uint32_t v = bpe_vocab_size(toks[k]);
        for (int sp = 0; sp < 2; sp++) {
            size_t len = 0, len2 = 0;
            size_t got = bpe_encode(ctxs[k], p, size, sp, &ids, &len, &cap);
            FUZZ_CHECK(got == len, "encode returned %zu, appended %zu", got, len);
            for (size_t i = 0; i < len; i++) FUZZ_CHECK(ids[i] < v, "id %u >= vocab %u", ids[i], v);
            buf_reset(&out);
            FUZZ_CHECK(bpe_decode(toks[k], ids, len, &out, err) == 0, "decode failed: %s", err);
            FUZZ_CHECK(out.len == size && fuzz_same(out.p, p, size),
                       "decode(encode(x)) != x: tokenizer %d allow_special %d, %zu vs %zu bytes", k, sp, out.len, size);
            bpe_encode(ctxs[k], p, size, sp, &ids2, &len2, &cap2);
            FUZZ_CHECK(len2 == len && fuzz_same(ids, ids2, len * sizeof *ids), "second encode differs (tokenizer %d)", k);
        }
    }
    return 0;
}
