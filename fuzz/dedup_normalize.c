/*
 * fuzz target: the dedup normalisers and text units (filters/normalize.c, dedup_lines.c,
 * dedup_minhash.c). Input: text (invalid UTF-8 is cut at the first bad sequence, as the JSONL
 * reader never hands such text to a stage). Properties: no crash; simplify (ASCII stretches
 * by the byte loop) equals the ICU path on any text; nfkc-casefold's ASCII path equals ICU;
 * simplify's output is trimmed, has no double space, and on ASCII input no uppercase or
 * punctuation; rebuilding a text from its lines or paragraphs with nothing dropped gives the
 * text back; shingling succeeds.
 */
#include "fuzz_util.h"
#include "../filters/dedup.h"

static size_t valid_prefix(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t k = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 :
                   (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
        if (!k || i + k > n) return i;
        for (size_t j = 1; j < k; j++) if ((p[i + j] & 0xC0) != 0x80) return i;
        if (k == 3 && ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] >= 0xA0))) return i;
        if (k == 4 && ((c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90))) return i;
        i += k;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static norm_ctx *nc;
    static minhash *mh;
    static buf a, b, scratch;
    static text_spans units;
    static uint64_t *keys, *sh;
    static size_t kcap, shcap;
    if (!nc) { nc = norm_ctx_new(); mh = minhash_new(5, 14, 8, DEDUP_SEED); }
    char err[ERR_MAX];
    const char *p = (const char *)data;
    size_t n = valid_prefix(data, size);
    int ascii = norm_is_ascii(p, n);

    FUZZ_CHECK(norm_simplify(nc, p, n, &a, err) == 0, "simplify failed: %s", err);
    for (size_t i = 0; i < a.len; i++) {
        char c = a.p[i];
        FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "uppercase %c in simplify output", c);
        FUZZ_CHECK(!(c > ' ' && c < 0x7f && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) || !ascii,
                   "punctuation %c in simplify output of ASCII input", c);
        FUZZ_CHECK(!(c == ' ' && (i == 0 || i + 1 == a.len || a.p[i + 1] == ' ')), "untrimmed or double space at %zu", i);
    }
    FUZZ_CHECK(norm_simplify_icu(nc, p, n, &b, err) == 0, "simplify_icu failed: %s", err);
    FUZZ_CHECK(a.len == b.len && fuzz_same(a.p, b.p, a.len), "simplify (hybrid) != ICU path");
    if (ascii) {
        FUZZ_CHECK(norm_nfkc_casefold(nc, p, n, &a, err) == 0, "nfkc failed: %s", err);
        FUZZ_CHECK(norm_nfkc_casefold_icu(nc, p, n, &b, err) == 0, "nfkc_icu failed: %s", err);
        FUZZ_CHECK(a.len == b.len && fuzz_same(a.p, b.p, a.len), "nfkc fast path != ICU path");
    } else {
        FUZZ_CHECK(norm_nfkc_casefold(nc, p, n, &a, err) == 0, "nfkc failed: %s", err);
    }
    norm_space(p, n, &a);

    for (int para = 0; para < 2; para++) {
        FUZZ_CHECK(dedup_unit_keys(nc, DEDUP_NORM_SPACE, para, 5, p, n, &units, &keys, &kcap, &scratch, err) == 0,
                   "unit keys failed: %s", err);
        int empty;
        size_t removed = dedup_unit_rebuild(p, n, &units, keys, NULL, 0, &a, &empty);
        FUZZ_CHECK(removed == 0, "removed %zu units with nothing to drop", removed);
        FUZZ_CHECK(a.len == n && fuzz_same(a.p, p, n), "rebuild without drops changed the text (%zu vs %zu bytes)", a.len, n);
    }
    size_t ns;
    FUZZ_CHECK(minhash_shingles(mh, p, n, &sh, &shcap, &ns, err) == 0, "shingles failed: %s", err);
    return 0;
}
