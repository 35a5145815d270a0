/*
 * fuzz target: the token shard and manifest readers (pipeline/shard.c, manifest.c).
 * Input: bytes, read both as a shard file (shard_read_header, shard_load) and as manifest
 * JSON (manifest_parse, and manifest_read through a file). Properties: no crash; a header
 * accepted says magic/version/width consistently and shard_load returns exactly its token
 * count; 2-byte tokens are below 65,536; a parsed manifest formats to text that parses again
 * and formats to the same bytes; a refused input has a reason naming the file.
 */
#include "fuzz_util.h"
#include "../pipeline/shard.h"
#include "../pipeline/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[ERR_MAX] = "";
    char path[4200];
    snprintf(path, sizeof path, "%s", fuzz_write("s.bin", data, size));
    shard_info info;
    if (shard_read_header(path, &info, err) == 0) {
        FUZZ_CHECK((info.magic == SHARD_MAGIC_U16 && info.version == SHARD_VERSION_U16 && info.token_bytes == 2) ||
                   (info.magic == SHARD_MAGIC_U32 && info.version == SHARD_VERSION_U32 && info.token_bytes == 4),
                   "inconsistent header magic %d version %d width %d", info.magic, info.version, info.token_bytes);
        FUZZ_CHECK(size == SHARD_HEADER_BYTES + info.tokens * (uint64_t)info.token_bytes, "size check let %zu bytes through", size);
        uint32_t *tok = NULL; uint64_t n = 0;
        FUZZ_CHECK(shard_load(path, &tok, &n, err) == 0, "header accepted but load failed: %s", err);
        FUZZ_CHECK(n == info.tokens, "loaded %llu tokens, header says %llu", (unsigned long long)n, (unsigned long long)info.tokens);
        if (info.token_bytes == 2) for (uint64_t i = 0; i < n; i++) FUZZ_CHECK(tok[i] < 65536, "2-byte token %u", tok[i]);
        free(tok);
    } else {
        FUZZ_CHECK(err[0] && strstr(err, "s.bin"), "shard error does not name the file: %s", err);
        uint32_t *tok = (uint32_t *)1; uint64_t n = 7;
        FUZZ_CHECK(shard_load(path, &tok, &n, err) != 0, "load accepted what the header check refused");
        FUZZ_CHECK(tok == NULL && n == 0, "failed load left outputs set");
    }

    manifest m, m2;
    manifest_init(&m);
    err[0] = 0;
    int pr = manifest_parse((const char *)data, size, "fuzz/manifest.json", &m, err);
    if (pr == 0) {
        buf a = {0}, b = {0};
        manifest_format(&m, &a);
        manifest_init(&m2);
        FUZZ_CHECK(manifest_parse(a.p, a.len, "formatted", &m2, err) == 0, "formatted manifest does not parse: %s\n%s", err, a.p);
        manifest_format(&m2, &b);
        FUZZ_CHECK(a.len == b.len && fuzz_same(a.p, b.p, a.len), "format(parse(format(m))) != format(m)");
        for (size_t i = 0; i < m.nshards; i++) {
            char p[8192];
            manifest_shard_path("some/dir", &m.shards[i], p, sizeof p);
        }
        manifest_free(&m2);
        buf_free(&a); buf_free(&b);
    } else if (pr != 0) {
        FUZZ_CHECK(err[0] && strstr(err, "fuzz/manifest.json"), "manifest error does not name the file: %s", err);
    }
    manifest_free(&m);
    /* the same through a file named manifest.json */
    snprintf(path, sizeof path, "%s", fuzz_write("manifest.json", data, size));
    manifest_init(&m);
    if (manifest_read(path, &m, err) != 0) FUZZ_CHECK(err[0], "manifest_read failed without a reason");
    manifest_free(&m);
    return 0;
}
