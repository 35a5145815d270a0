/*
 * data — token data for the trainer: a split of a shard directory read through its manifest,
 * and a seeded loader of training windows.
 *
 * A data_set holds every shard of one split concatenated in manifest order (documents are
 * already shuffled and separated by the end-of-text token). Opening checks each shard's
 * header, token count and xxh3 checksum against the manifest, and every id against the
 * vocabulary, so a corrupt shard is an error naming the file, never silent garbage.
 *
 * Loader: an epoch is one pass over the windows of T+1 tokens (T inputs, T shifted targets)
 * that tile the data from an offset; epoch e uses offset hash(seed, e) mod T and a Fisher-
 * Yates permutation seeded by hash(seed, e), so its whole state is (epoch, position) and a
 * resumed run draws the same windows. With shuffle off, windows go in order from offset 0.
 * Costs: memory = 4 bytes per token of the split + 8 bytes per window; opening is one read
 * and one checksum pass over the files.
 */
#ifndef WN_DATA_H
#define WN_DATA_H
#include <stdint.h>
#include <stddef.h>

typedef struct data_set {
    char *dir, *name;               /* name: the manifest's name, else the directory's */
    char split[16];
    uint32_t *tokens;
    uint64_t n;                     /* tokens of the split */
    uint64_t source_bytes;          /* UTF-8 bytes of its documents (for bits per byte) */
    uint32_t vocab_size;
    int64_t eot_id;
    char tokenizer_sha256[65];
    char *tokenizer_file;
} data_set;

/* Open split ("train" or "val") of the shard directory dir. With split "val" and no val
 * shards, falls back to "train" when allow_fallback (an --eval-data set made without a
 * split); otherwise an empty split is an error. */
int data_open(data_set *d, const char *dir, const char *split, int allow_fallback, char *err);
void data_close(data_set *d);
/* Bits per byte of a mean loss (nats per token) over this set: loss * n / (ln 2 * bytes);
 * NAN when the manifest gives no source bytes. */
double data_bpb(const data_set *d, double loss);

typedef struct data_loader {
    const data_set *d;
    int T;
    uint64_t seed;
    int shuffle;
    uint64_t epoch, pos;            /* the whole state: window pos of epoch */
    uint64_t nwin, offset, *perm;   /* of the current epoch */
} data_loader;

int loader_init(data_loader *l, const data_set *d, int T, uint64_t seed, int shuffle, char *err);
void loader_free(data_loader *l);
/* Move to (epoch, pos) (from a checkpoint). */
void loader_seek(data_loader *l, uint64_t epoch, uint64_t pos);
/* Fill B windows: ids and targets are (B,T). Crosses into the next epoch as needed. */
void loader_next(data_loader *l, int *ids, int *targets, int B);
/* Windows in one epoch (of epoch 0; later epochs may hold one fewer). */
uint64_t loader_windows_per_epoch(const data_loader *l);

#endif
