/*
 * manifest — DIR/manifest.json, the provenance record of a directory of token shards
 * (DESIGN.md §4, issue 4). Written last by `winnow tokenize`; read by `winnow shards`,
 * the trainer and eval.
 *
 * Format (format_version 1; fields are only ever added):
 *   {"format": "winnow-shards", "format_version": 1, "name": "brown",
 *    "tokenizer": {"file": "tok.json", "sha256": "<64 hex>", "vocab_size": 50257, "eot_id": 50256},
 *    "token_bytes": 2, "seed": 0, "val_fraction": 0.01, "shuffle": true,
 *    "shard_tokens": 100000000, "command": "winnow tokenize ...",
 *    "totals": {"documents": D, "tokens": T, "source_bytes": B, "skipped_empty": E},
 *    "splits": {"train": {"documents":..,"tokens":..,"source_bytes":..,"shards":..}, "val": {..}},
 *    "shards": [{"file": "brown_train_000000.bin", "idx": "brown_train_000000.idx",
 *                "split": "train", "documents": D, "tokens": T, "source_bytes": B,
 *                "xxh3": "<16 hex>"}, ...]}
 * `tokens` count every token in the shard files, the end-of-text token before each document
 * included; `source_bytes` are the UTF-8 bytes of the documents' text (for bits per byte).
 *
 * Costs: linear in the number of shards.
 */
#ifndef WN_MANIFEST_H
#define WN_MANIFEST_H
#include <stdint.h>
#include "buf.h"

#define MANIFEST_FILE "manifest.json"
#define MANIFEST_FORMAT_VERSION 1

typedef struct manifest_shard {
    char *file;                 /* base name, relative to the manifest's directory */
    char *idx;                  /* base name of the .idx file, or NULL */
    char split[16];             /* "train" or "val" */
    uint64_t documents, tokens, source_bytes;
    uint64_t xxh3;              /* of the whole .bin file */
} manifest_shard;

typedef struct manifest_split {
    uint64_t documents, tokens, source_bytes, shards;
} manifest_split;

typedef struct manifest {
    int format_version;
    char *name;
    char *tokenizer_file;       /* as given on the command line */
    char tokenizer_sha256[65];
    uint32_t vocab_size;
    int64_t eot_id;
    int token_bytes;            /* 2 or 4 */
    uint64_t seed;
    double val_fraction;
    int shuffle;
    uint64_t shard_tokens;
    char *command;              /* the command line or pipeline config that made it */
    uint64_t documents, tokens, source_bytes, skipped_empty;
    manifest_split train, val;
    manifest_shard *shards;
    size_t nshards, capshards;
} manifest;

void manifest_init(manifest *m);
void manifest_free(manifest *m);
/* Append a shard (strings copied) and add it to the totals and its split's totals. */
void manifest_add_shard(manifest *m, const char *file, const char *idx, const char *split,
                        uint64_t documents, uint64_t tokens, uint64_t source_bytes, uint64_t xxh3);
/* Totals of one split ("train"/"val"), or NULL for another name. */
const manifest_split *manifest_split_totals(const manifest *m, const char *split);

/* Serialise (pretty, one shard per line) into out. */
void manifest_format(const manifest *m, buf *out);
/* Write DIR/manifest.json atomically. */
int manifest_write(const char *dir, const manifest *m, char *err);
/* Read DIR/manifest.json (or a path to a .json file). Unknown fields are ignored; a missing
 * required field or a newer format_version is an error naming the file. */
int manifest_read(const char *dir_or_file, manifest *m, char *err);
/* Parse manifest JSON text; `name` is used in messages. */
int manifest_parse(const char *text, size_t n, const char *name, manifest *m, char *err);

/* Path of the file of shard i (dir/file) into out; -1 if it does not fit. */
int manifest_shard_path(const char *dir, const manifest_shard *s, char *out, size_t n);

#endif
