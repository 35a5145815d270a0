/*
 * reader — documents from one input (and doc_write, their way back out): JSONL lines (plain/zstd/gzip via stream), or plain text
 * files turned into documents (`--from text`: one document per file, or one per
 * blank-line-separated block with split_paragraphs; ids "<file name>" / "<file name>#<n>").
 *
 * Bad lines: with skip_bad, a malformed line is returned as READER_BAD with the document
 * filled as a stand-in ({"id": "<file>:<line>", "text": the line, invalid bytes as U+FFFD})
 * so the caller can keep it in --rejects (nothing is lost); the reason is in err.
 * Costs: one instream line read + one jsonl_parse per document; no allocation per document.
 */
#ifndef WN_READER_H
#define WN_READER_H
#include "doc.h"
#include "stream.h"

enum { READER_DOC = 1, READER_EOF = 0, READER_ERR = -1, READER_BAD = 2 };

typedef struct reader_opts {
    int from_text;          /* plain text files instead of JSONL */
    int split_paragraphs;   /* with from_text */
    const char *source;     /* with from_text: the source field, or NULL */
    int skip_bad;           /* --on-error skip */
} reader_opts;

typedef struct reader reader;
reader *reader_open(const char *path, const reader_opts *o, char *err);
/* READER_DOC, READER_EOF, READER_BAD (err says why; d is the stand-in) or READER_ERR with err
 * as "FILE:LINE:COL: reason" or "FILE: reason". */
int reader_next(reader *r, doc *d, char *err);
const instream *reader_stream(const reader *r);
void reader_close(reader *r);

/* Write d as one JSONL line to o, using scratch (reused, so no allocation per document).
 * Returns outstream_write's status: STREAM_OK, STREAM_EPIPE or STREAM_ERR (outstream_error). */
int doc_write(outstream *o, const doc *d, buf *scratch);

/* Replace invalid UTF-8 sequences by U+FFFD (used for stand-ins and text input). Returns the
 * number of replacements. */
size_t utf8_sanitize(const char *p, size_t n, buf *out);
/* 1 if p[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int utf8_valid(const char *p, size_t n);

#endif
