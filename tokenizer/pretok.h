/*
 * pretok — the pre-tokenizers of byte-level BPE: tiktoken's split patterns for gpt2 (r50k),
 * cl100k_base and o200k_base as hand-written scanners over ICU character properties, plus
 * `none` (whole text is one piece) and `whitespace` (` ?\S+|\s+(?!\S)|\s+`).
 *
 * Invariants: pieces are contiguous and non-empty and cover the input exactly, so any byte
 * string (invalid UTF-8 included) splits losslessly. An invalid UTF-8 byte is one character of
 * its own that is neither \p{L}, \p{N} nor \s (as U+FFFD would be).
 *
 * Costs: one pass, O(1) amortised per byte (o200k's case backtracking is bounded by the run it
 * scans); a 128-entry table for ASCII and a 64 KiB table for the BMP built once from ICU
 * (u_charType, UCHAR_WHITE_SPACE); supplementary planes ask ICU per character.
 */
#ifndef WN_PRETOK_H
#define WN_PRETOK_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PRETOK_NONE = 0, PRETOK_WHITESPACE, PRETOK_GPT2, PRETOK_CL100K, PRETOK_O200K
} pretok_kind;

/* "gpt2" (also "r50k", "r50k_base", "p50k_base"), "cl100k" ("cl100k_base"), "o200k"
 * ("o200k_base"), "none", "whitespace". Returns 0 or -1. */
int pretok_parse(const char *name, pretok_kind *k);
const char *pretok_name(pretok_kind k);
/* The regex (tiktoken's pat_str) the scanner implements, for tokenizer.json. NULL for none. */
const char *pretok_regex(pretok_kind k);
/* Inverse of pretok_regex (exact string match); -1 if unknown. */
int pretok_from_regex(const char *re, size_t n, pretok_kind *k);

/* End (exclusive) of the piece that starts at p[i], i < n. */
size_t pretok_next(pretok_kind k, const uint8_t *p, size_t n, size_t i);

/* Character classes (exposed for tests). */
enum {
    PT_L = 1, PT_N = 2, PT_WS = 4, PT_UP = 8, PT_LO = 16, PT_M = 32
};
unsigned pretok_class(uint32_t cp);
/* Decode one UTF-8 character at p[i] (i < n): returns its byte length (1 for an invalid
 * byte, with *cp = 0xFFFFFFFF). */
size_t pretok_utf8(const uint8_t *p, size_t n, size_t i, uint32_t *cp);

#endif
