/*
 * shard — llm.c-compatible token shard files (DESIGN.md §4).
 *
 * Layout: a 1024-byte header of 256 little-endian int32: [0] magic, [1] version, [2] token
 * count, the rest 0; then the tokens. magic 20240520 / version 1 / uint16 tokens when the
 * vocabulary fits in 65,536 ids, else magic 20240801 / version 7 / uint32 tokens.
 * Files are "<name>_<split>_<NNNNNN>.bin", each under 2 GiB.
 * The writer writes to a temporary name and renames on close (atomic).
 */
#ifndef WN_SHARD_H
#define WN_SHARD_H
#include <stdint.h>
#include <stddef.h>
#include "buf.h"

#define SHARD_HEADER_BYTES 1024
#define SHARD_MAGIC_U16 20240520
#define SHARD_VERSION_U16 1
#define SHARD_MAGIC_U32 20240801
#define SHARD_VERSION_U32 7

typedef struct shard_info {
    int32_t magic, version;
    uint64_t tokens;
    int token_bytes;          /* 2 or 4 */
} shard_info;

/* Read and check a header (magic/version known, size == 1024 + tokens * token_bytes). */
int shard_read_header(const char *path, shard_info *info, char *err);

/* Whole-shard read into memory (tokens widened to uint32). */
int shard_load(const char *path, uint32_t **tokens, uint64_t *n, char *err);

typedef struct shard_writer shard_writer;
shard_writer *shard_writer_open(const char *path, int token_bytes, char *err);
int shard_writer_write(shard_writer *w, const uint32_t *ids, size_t n, char *err);
uint64_t shard_writer_tokens(const shard_writer *w);
/* Patch the header, close, rename into place; returns the xxh3-64 of the file in *xxh. */
int shard_writer_close(shard_writer *w, uint64_t *xxh, char *err);
void shard_writer_abort(shard_writer *w);

/* Added by the shards helper (issue 4). */
#define SHARD_MAX_BYTES (2ull << 30)          /* every shard file is strictly smaller */
/* 2 for vocabularies of at most 65,536 ids, else 4. */
int shard_token_bytes_for_vocab(uint64_t vocab_size);
/* The 1024-byte header for a shard of that width and token count. */
void shard_header_encode(unsigned char hdr[SHARD_HEADER_BYTES], int token_bytes, uint64_t tokens);
/* xxh3-64 of a whole file (the manifest's checksum). */
int shard_file_xxh3(const char *path, uint64_t *xxh, char *err);
/* "<dir>/<name>_<split>_<NNNNNN><ext>" into out (dir may be NULL or ""); -1 if it does not fit. */
int shard_name(char *out, size_t n, const char *dir, const char *name, const char *split,
               unsigned index, const char *ext);

#endif
