/*
 * fuzz target: the tokenizer file loaders (tokenizer/bpe_io.c, bpe_json.c): HF
 * tokenizer.json, tiktoken rank files, tiktoken's npm JSON, GPT-2 vocab.json + merges.txt.
 * Input: file content. With a NUL byte in it, the part before is a vocab.json and the part
 * after a merges.txt (loaded as "VOCAB,MERGES"); otherwise the content is loaded as it is,
 * and once more as a rank file with --pattern gpt2. Properties: no crash; failure has a
 * reason naming the file; a loaded tokenizer encodes and decodes a fixed text and its own
 * input back to the same bytes, and decodes every id below its vocabulary size or refuses
 * it with a reason.
 */
#include "fuzz_util.h"
#include "../tokenizer/bpe.h"

static void exercise(bpe *t, const uint8_t *data, size_t size) {
    static const char text[] = "Hello world, it's 2024!\n\tnaïve café  <|endoftext|> 日本語 x";
    bpe_ctx *c = bpe_ctx_new(t);
    uint32_t *ids = NULL; size_t len = 0, cap = 0;
    buf out = {0};
    char err[ERR_MAX];
    for (int pass = 0; pass < 2; pass++) {
        const char *p = pass ? (const char *)data : text;
        size_t n = pass ? (size < 4096 ? size : 4096) : sizeof text - 1;
        for (int sp = 0; sp < 2; sp++) {
            len = 0; buf_reset(&out);
            bpe_encode(c, p, n, sp, &ids, &len, &cap);
            for (size_t i = 0; i < len; i++)
                FUZZ_CHECK(ids[i] < bpe_vocab_size(t), "encode gave id %u >= vocab %u", ids[i], bpe_vocab_size(t));
            int r = bpe_decode(t, ids, len, &out, err);
            FUZZ_CHECK(r == 0, "decode of encode failed: %s", err);
            FUZZ_CHECK(out.len == n && fuzz_same(out.p, p, n), "decode(encode(x)) != x (%zu vs %zu bytes, special %d)", out.len, n, sp);
        }
    }
    uint32_t v = bpe_vocab_size(t);
    for (uint32_t id = 0; id < v && id < 70000; id++) {
        buf_reset(&out);
        size_t tn;
        const char *tb = bpe_token_bytes(t, id, &tn);
        if (bpe_decode(t, &id, 1, &out, err) == 0) FUZZ_CHECK(tb != NULL && out.len == tn, "decode of id %u disagrees with token_bytes", id);
        else FUZZ_CHECK(err[0], "decode refused id %u without a reason", id);
    }
    free(ids);
    buf_free(&out);
    bpe_ctx_free(c);
}

static void try_load(const char *path, const bpe_load_opts *o, const uint8_t *data, size_t size) {
    char err[ERR_MAX] = "";
    bpe *t = bpe_load(path, o, err);
    if (!t) { FUZZ_CHECK(err[0], "load failed without a reason"); return; }
    exercise(t, data, size);
    bpe_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        char vp[4200], arg[8500];
        snprintf(vp, sizeof vp, "%s", fuzz_write("vocab.json", data, (size_t)(nul - data)));
        const char *mp = fuzz_write("merges.txt", nul + 1, size - (size_t)(nul - data) - 1);
        snprintf(arg, sizeof arg, "%s,%s", vp, mp);
        try_load(arg, NULL, data, size);
        return 0;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s", fuzz_write("tok.json", data, size));
    try_load(path, NULL, data, size);
    static const char *const specials[] = {"<|endoftext|>=100000"};
    bpe_load_opts o = { .pattern = "gpt2", .specials = specials, .nspecials = 1 };
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
    if (i == size || data[i] != '{') try_load(path, &o, data, size);
    return 0;
}
