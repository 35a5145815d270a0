/*
 * normalize — text normalisers shared by dedup (exact keys, MinHash shingles) and others.
 * A norm_ctx holds ICU normalisers and scratch buffers: one per thread, reused.
 * Pure-ASCII input takes a fast path with the same result as the ICU path (tested).
 */
#ifndef WN_NORMALIZE_H
#define WN_NORMALIZE_H
#include <stddef.h>
#include "../pipeline/buf.h"

typedef struct norm_ctx norm_ctx;
norm_ctx *norm_ctx_new(void);
void norm_ctx_free(norm_ctx *c);

/* Each replaces out's contents; -1 with err only on ICU failure. */
int norm_space(const char *p, size_t n, buf *out);     /* collapse whitespace runs, trim */
int norm_nfkc_casefold(norm_ctx *c, const char *p, size_t n, buf *out, char *err);
/* datatrove's simplify_text: lowercase, digits -> 0, punctuation -> space, diacritics removed
 * (NFD + drop combining marks), whitespace collapsed and trimmed. */
int norm_simplify(norm_ctx *c, const char *p, size_t n, buf *out, char *err);
/* 1 if p[0..n) is all ASCII (8 bytes at a time). */
int norm_is_ascii(const char *p, size_t n);
/* The ICU paths alone (no ASCII fast path): what the fast paths are tested against. */
int norm_nfkc_casefold_icu(norm_ctx *c, const char *p, size_t n, buf *out, char *err);
int norm_simplify_icu(norm_ctx *c, const char *p, size_t n, buf *out, char *err);

#endif
