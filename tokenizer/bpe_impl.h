/*
 * bpe_impl — the private layout of a tokenizer shared by bpe.c (encode/decode), bpe_io.c
 * (file formats) and bpe_train.c. Not for use outside tokenizer/.
 *
 * A tokenizer is a table id -> bytes (holes allowed), a map bytes -> id over the regular
 * tokens, the special tokens, and a pair map (left id, right id) -> (priority, merged id).
 * The pair map serves both semantics:
 *  - merges files (HF, GPT-2, winnow's trainer): one entry per merge, priority = merge index;
 *  - tiktoken rank files: one entry for every split of every token into two tokens,
 *    priority = the rank of the whole token, so that "merge the adjacent pair whose
 *    concatenation has the lowest rank" is exactly tiktoken's rule. whole_lookup is set: a
 *    piece that is itself a token encodes to it directly, as tiktoken does.
 */
#ifndef WN_BPE_IMPL_H
#define WN_BPE_IMPL_H
#include "bpe.h"
#include "pretok.h"

#define BPE_NONE 0xFFFFFFFFu
#define BPE_MAX_ID (1u << 24)      /* ids and ranks above this are refused by the loaders */

struct bpe {
    pretok_kind pat;
    uint32_t ntok, tcap;           /* ids 0..ntok-1; capacity of off/len/special */
    uint32_t *off, *len;           /* bytes of id i: pool[off[i] .. +len[i]]; len BPE_NONE = hole */
    buf pool;
    uint8_t *special;              /* per id: 1 for a special token */
    uint32_t byte_id[256];         /* id of each single byte */
    /* pair map: open addressing, key = left<<32|right, empty key = ~0; one 16-byte slot */
    struct bpe_pslot { uint64_t key; uint32_t rank, id; } *ps; size_t pmask, pcount;
    /* bytes -> id map over regular tokens: id+1 (0 = empty) and a hash tag per slot */
    struct bpe_bslot { uint32_t id1, tag; } *bs; size_t bmask;
    int whole_lookup;              /* tiktoken semantics */
    uint32_t *spec;  size_t nspec; /* special ids, in load order */
    uint32_t (*merges)[2]; size_t nmerges;   /* merge list when known, in priority order */
    char hash[65];
};

/* Building (bpe_io.c, bpe_train.c). */
bpe *bpe_new(uint32_t ntok);
void bpe_set_token(bpe *t, uint32_t id, const void *p, size_t n, int special);
/* After all tokens are set: builds the bytes map and byte_id; fails if a byte has no token. */
int bpe_index(bpe *t, char *err);
void bpe_pair_put(bpe *t, uint32_t a, uint32_t b, uint32_t rank, uint32_t id);
int bpe_pair_get(const bpe *t, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *id);
int64_t bpe_bytes_id(const bpe *t, const void *p, size_t n);   /* regular tokens only */
/* Derive the pair map (and merge list) from ranks: tiktoken semantics. */
void bpe_pairs_from_ranks(bpe *t);
/* Derive a merge list (HF export) from a rank-based tokenizer: for each token in rank order,
 * the two parts BPE makes of it with ranks below its own. */
void bpe_derive_merges(bpe *t);
void bpe_set_merges(bpe *t, uint32_t (*m)[2], size_t n);   /* builds the pair map */
/* Merge the byte-level symbols of one piece (no cache, no whole lookup); returns count. */
size_t bpe_merge_piece(bpe_ctx *c, const uint8_t *p, size_t n, uint32_t max_rank, uint32_t *out);

/* GPT-2's bytes_to_unicode table. */
uint32_t bpe_byte_to_cp(uint8_t b);
int bpe_cp_to_byte(uint32_t cp);      /* -1 when not in the table */

/* Serialisation (bpe_io.c). */
int bpe_save_json(const bpe *t, buf *out, char *err);
int bpe_save_tiktoken(const bpe *t, buf *out, char *err);
int bpe_save_vocab_merges(const bpe *t, buf *vocab, buf *merges, char *err);
/* Load from bytes already read (path for messages). */
bpe *bpe_load_mem(const char *data, size_t n, const char *path, const bpe_load_opts *o, char *err);

#endif
