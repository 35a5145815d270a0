/*
 * bpe — byte-level BPE tokenizer: load/save, encode, decode (issue 3).
 * This header is the contract other modules use (winnow tokenize, the trainer's sampling,
 * ablations). The implementer owns everything behind it and may add functions.
 *
 * Invariants: ids 0..255 need not be the raw bytes (GPT-2 maps bytes through its byte-to-
 * unicode table); bpe_decode(bpe_encode(x)) == x for every byte string, invalid UTF-8
 * included. A loaded tokenizer is immutable and safe to share between threads; an encoder
 * scratch (bpe_ctx) is per thread.
 */
#ifndef WN_BPE_H
#define WN_BPE_H
#include <stddef.h>
#include <stdint.h>
#include "../pipeline/buf.h"

typedef struct bpe bpe;
typedef struct bpe_ctx bpe_ctx;     /* per-thread scratch and word cache */

/* Load tokenizer.json (HF), a .tiktoken rank file (needs pattern and specials via
 * bpe_load_opts), or vocab.json+merges.txt. Format detected from content. */
typedef struct bpe_load_opts {
    const char *pattern;            /* "gpt2|cl100k|o200k|none|whitespace" for rank files */
    const char *const *specials;    /* "TOKEN=ID" strings for rank files */
    size_t nspecials;
} bpe_load_opts;
bpe *bpe_load(const char *path, const bpe_load_opts *o, char *err);
void bpe_free(bpe *t);

uint32_t bpe_vocab_size(const bpe *t);          /* largest id + 1, specials included */
int64_t bpe_token_id(const bpe *t, const char *token, size_t n);  /* special or regular, -1 */
int64_t bpe_eot_id(const bpe *t);               /* "<|endoftext|>" or -1 */
void bpe_hash(const bpe *t, char hex[65]);      /* sha256 of the file it was loaded from */

bpe_ctx *bpe_ctx_new(const bpe *t);
void bpe_ctx_free(bpe_ctx *c);

/* Encode bytes (special tokens in the text encoded as ordinary text unless allow_special).
 * Appends to *ids (grown with xrealloc; *cap tracks capacity). Returns number appended. */
size_t bpe_encode(bpe_ctx *c, const char *p, size_t n, int allow_special,
                  uint32_t **ids, size_t *len, size_t *cap);
/* Decode ids into bytes (appended to out). Unknown id: -1 with err. */
int bpe_decode(const bpe *t, const uint32_t *ids, size_t n, buf *out, char *err);

/* ---- Added by the bpe implementation (issue 3) ---- */

/* Training (bpe_train.c). Feed texts with bpe_trainer_add (one call per document, or a batch
 * spread over opts.threads threads), then bpe_trainer_finish. Deterministic: the result
 * depends only on the multiset of texts, never on the thread count or order of batches. */
typedef struct bpe_train_opts {
    uint32_t vocab_size;            /* total, 256 byte tokens and specials included */
    const char *pattern;            /* pre-tokenizer name; NULL = gpt2 */
    const char *const *specials;    /* token strings; ids follow the merges */
    size_t nspecials;
    uint64_t min_frequency;         /* stop when the best pair occurs fewer times (default 2) */
    int threads;                    /* counting threads; 0 = 1 */
} bpe_train_opts;
typedef struct bpe_trainer bpe_trainer;
bpe_trainer *bpe_trainer_new(const bpe_train_opts *o, char *err);
void bpe_trainer_add(bpe_trainer *tr, const char *text, size_t n);
void bpe_trainer_add_batch(bpe_trainer *tr, const char *const *texts, const size_t *lens, size_t n);
uint64_t bpe_trainer_unique(const bpe_trainer *tr);      /* unique pre-tokens so far */
bpe *bpe_trainer_finish(bpe_trainer *tr, char *err);    /* frees nothing; call _free after */
void bpe_trainer_free(bpe_trainer *tr);

/* Saving (bpe_io.c): "json" (HF tokenizer.json), "tiktoken" (rank file; specials are not in
 * it), "vocab" (GPT-2 vocab.json; merges go to *aux as merges.txt). 0 / -1 with err. */
int bpe_save(const bpe *t, const char *format, buf *out, buf *aux, char *err);
const char *bpe_pattern_name(const bpe *t);
size_t bpe_num_specials(const bpe *t);
uint32_t bpe_special_id(const bpe *t, size_t i);
/* Bytes of token id (special or regular); NULL for an unused id. */
const char *bpe_token_bytes(const bpe *t, uint32_t id, size_t *n);
int bpe_is_special(const bpe *t, uint32_t id);
size_t bpe_num_merges(const bpe *t);                    /* derives them for rank files */

#endif
