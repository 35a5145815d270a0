/*
 * text — shared text helpers over UTF-8 (ICU where Unicode matters, an ASCII fast path where
 * it does not): words, sentences, lines, paragraphs, scripts (normalisation: normalize.h). Used by dedup, filter,
 * tag and augment.
 *
 * Spans are byte offsets into the caller's text; nothing is copied except by the normalisers.
 * A text_ctx holds ICU break iterators and scratch buffers: one per thread, reused across
 * documents (no allocation per document once grown).
 *
 * Word rule (shared by filter and dedup): ICU word boundaries (UBRK_WORD); a segment is a word
 * unless it is all whitespace; `text_words` with TEXT_WORDS_NO_PUNCT drops segments made only of
 * punctuation/symbols (datatrove's "non-symbol words"). Pure-ASCII text takes a fast path that
 * gives the same segmentation as ICU for ASCII (tested against ICU).
 */
#ifndef WN_TEXT_H
#define WN_TEXT_H
#include <stddef.h>
#include <stdint.h>
#include "../pipeline/buf.h"

typedef struct text_span { uint32_t off, len; } text_span;
typedef struct text_spans { text_span *v; size_t n, cap; } text_spans;

typedef struct text_ctx text_ctx;
text_ctx *text_ctx_new(void);
void text_ctx_free(text_ctx *c);

enum { TEXT_WORDS_ALL = 0, TEXT_WORDS_NO_PUNCT = 1 };
/* Words of p[0..n) into out (replacing its contents). -1 with err only on ICU failure. */
int text_words(text_ctx *c, const char *p, size_t n, int flags, text_spans *out, char *err);
/* The same as text_words, always through ICU (no ASCII fast path): the reference the fast path
 * is tested against. */
int text_words_icu(text_ctx *c, const char *p, size_t n, int flags, text_spans *out, char *err);
/* Sentences (ICU UBRK_SENTENCE), each span including its trailing whitespace. */
int text_sentences(text_ctx *c, const char *p, size_t n, text_spans *out, char *err);
/* Lines split on '\n' (a '\r' before it stays in the line), all lines including empty ones. */
void text_lines(const char *p, size_t n, text_spans *out);
/* Paragraphs split on runs of 2+ newlines (datatrove: re.split(r"\n{2,}")). */
void text_paragraphs(const char *p, size_t n, text_spans *out);
void text_spans_free(text_spans *s);

/* Fraction of letters (by code point) whose ICU script is `script` (e.g. "Latin"); -1 if the
 * name is unknown. Letters only; 0 letters -> 0. */
double text_script_fraction(const char *p, size_t n, const char *script);
/* Most frequent script among letters: its ICU short name ("Latn", "Hang"...). */
const char *text_main_script(const char *p, size_t n);

/* Decode one UTF-8 code point at p (valid UTF-8 assumed: the JSONL reader validates).
 * Returns its length in bytes and stores the code point. */
static inline int text_utf8_next(const unsigned char *p, uint32_t *cp) {
    unsigned c = p[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xE0) { *cp = ((c & 0x1F) << 6) | (p[1] & 0x3F); return 2; }
    if (c < 0xF0) { *cp = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F); return 3; }
    *cp = ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
}

#endif
