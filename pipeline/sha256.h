/*
 * sha256 — FIPS 180-4 SHA-256, for tokenizer and shard checksums.
 * Streaming (init/update/final) and one-shot; hex output is 64 lower-case digits + NUL.
 * Costs: ~200-400 MB/s, no allocation.
 */
#ifndef WN_SHA256_H
#define WN_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t n;          /* bytes hashed */
    uint8_t blk[64];
    size_t blen;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *p, size_t n);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256_hex(const void *p, size_t n, char hex[65]);        /* one shot */
void sha256_to_hex(const uint8_t d[32], char hex[65]);

#endif
