/*
 * tokenize — the tokenize stage: documents -> BPE ids -> shuffled, split, packed llm.c
 * shards + .idx files + manifest.json (DESIGN.md §4, issue 4). `winnow tokenize` and a
 * pipeline's tokenize step both drive it: open, add every document, finish.
 *
 * Order of work: documents are buffered in batches and encoded in parallel (-j, OpenMP,
 * per-thread encoder scratch); results are taken in input order, so the output never depends
 * on the thread count. Each non-empty document goes to `val` when
 * stage_unit(stage_hash(seed, id, TOKENIZE_SALT_SPLIT)) < val_fraction, else `train`; with
 * shuffling, documents are ordered by stage_hash(seed, id, TOKENIZE_SALT_SHUFFLE) (ties: input
 * order) through the bounded-memory shuffle (pipeline/shuffle.h), else kept in input order.
 * Packing: per split, documents are appended whole to the current shard, each preceded by
 * the end-of-text id; a shard is closed before a document that would take it past
 * shard_tokens (a document longer than that gets a shard of its own). Each shard is written
 * atomically; its .idx (JSONL: {"id","offset","tokens","source_bytes"} per document, where
 * offset is the index of the document's end-of-text token in the shard and tokens counts it)
 * likewise; manifest.json is written last, and files of an earlier run under the same name
 * that this run did not produce are removed before it.
 *
 * Costs: BPE encoding dominates; the sink adds one copy of each document's text and ids, the
 * shuffle (memory <= --memory, else one spill write + read), and one extra read per shard for
 * its xxh3 checksum.
 */
#ifndef WN_TOKENIZE_H
#define WN_TOKENIZE_H
#include <stddef.h>
#include <stdint.h>
#include "../pipeline/opt.h"
#include "../pipeline/manifest.h"

#define TOKENIZE_SALT_SPLIT   0x73706c6974ull     /* "split" */
#define TOKENIZE_SALT_SHUFFLE 0x73687566666cull   /* "shuffl" */

typedef struct tokenize_cfg {
    char *tokenizer;        /* tokenizer file (required) */
    char *output;           /* shard directory (required) */
    char *name;             /* shard name prefix; NULL: the output directory's base name */
    char *eot;              /* end-of-text token text */
    char *tmp_dir;          /* spill directory; NULL: the output directory */
    char *provenance;       /* recorded in the manifest instead of the command line, or NULL */
    long long shard_tokens, seed, memory, threads;
    double val_fraction;
    int shuffle, idx, allow_special;
} tokenize_cfg;

/* The option table (--tokenizer, -o, --name, --eot, --shard-tokens, --val-fraction, --seed,
 * --memory, --shuffle, -j, --tmp-dir, --idx, --allow-special, --provenance) writing into
 * tokenize_cfg. */
extern const opt_def tokenize_opts[];

typedef struct tokenize tokenize;

/* Load the tokenizer, resolve the end-of-text id, create the output directory.
 * command: the command line recorded in the manifest (cfg->provenance, when set, wins). */
tokenize *tokenize_open(const tokenize_cfg *cfg, const char *command, char *err);
/* Add one document (copied). Empty text is counted and skipped. -1 with err on I/O error. */
int tokenize_add(tokenize *t, const char *id, size_t id_len, const char *text, size_t text_len,
                 char *err);
/* Encode what is buffered, drain the shuffle, close the shards, write manifest.json. */
int tokenize_finish(tokenize *t, char *err);
/* The manifest (complete after tokenize_finish). */
const manifest *tokenize_manifest(const tokenize *t);
unsigned tokenize_spills(const tokenize *t);
/* Free; shards still open are removed (nothing half-written stays under a final name). */
void tokenize_free(tokenize *t);

/* Default shard name for an output directory: its base name ("out/brown/" -> "brown"),
 * "shards" when that is "." or "/". Returns a malloc'd string. */
char *tokenize_default_name(const char *dir);

#endif
