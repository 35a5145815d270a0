/*
 * jsonl — winnow's own streaming JSON codec, specialised for documents (DESIGN.md §2).
 *
 * Reading: strict RFC 8259 for one object per line. Invalid JSON or invalid UTF-8 (overlongs,
 * surrogates encoded in UTF-8, bytes over F4, lone surrogates in \u escapes) is an error with
 * a 1-based column and a reason. `text` is required; a missing `id` becomes "<file>:<line>"
 * (written back as an "id" field placed first). Duplicate keys: see jsonl.c's header (the rule
 * is documented there and tested).
 * Writing: fields in input order; known fields re-escaped canonically (only '"', '\\' and
 * control characters escaped, \n \t \r \b \f short forms, others \u00XX; non-ASCII written as
 * UTF-8, never \u-escaped); unknown fields and untouched meta members byte for byte.
 *
 * Costs: one pass over the line with a vectorised scan for string bodies; no allocation per
 * document once the doc's buffers have grown.
 */
#ifndef WN_JSONL_H
#define WN_JSONL_H
#include "doc.h"

typedef struct jsonl_error {
    uint64_t col;            /* 1-based byte column of the error in the line, 0 if n/a */
    char reason[ERR_MAX];    /* e.g. "invalid JSON: unterminated string" */
} jsonl_error;

/* Parse one line (without its '\n'; a trailing '\r' is not allowed inside JSON whitespace?
 * it is: CR is JSON whitespace) into d. file/line are recorded in d for messages and the
 * default id. Returns 0, or -1 with e filled. */
int jsonl_parse(doc *d, const char *line, size_t len, const char *file, uint64_t lineno,
                jsonl_error *e);

/* Append the document as one JSON line, with the trailing '\n'. */
void jsonl_write(const doc *d, buf *out);

/* JSON value writers for stages building meta annotations. */
void json_write_string(buf *out, const char *p, size_t n);   /* with quotes, canonical escapes */
void json_write_double(buf *out, double v);                   /* shortest round-trip; NaN/inf -> null */

/* Validate that [p, p+n) is exactly one JSON value (any type); 0 or -1 with e. */
int json_validate(const char *p, size_t n, jsonl_error *e);

/* Walking raw JSON (for meta values): given a raw object, iterate members.
 * it is initialised with json_obj_iter_init; json_obj_iter_next returns 1 with the decoded key
 * (into keybuf) and the raw value span, 0 at the end, -1 on malformed input. */
typedef struct json_obj_iter { const char *p, *end; } json_obj_iter;
int json_obj_iter_init(json_obj_iter *it, const char *obj, size_t n);
int json_obj_iter_next(json_obj_iter *it, buf *keybuf, const char **val, size_t *vlen);
/* Same for arrays: each element's raw span. */
typedef struct json_arr_iter { const char *p, *end; } json_arr_iter;
int json_arr_iter_init(json_arr_iter *it, const char *arr, size_t n);
int json_arr_iter_next(json_arr_iter *it, const char **val, size_t *vlen);
/* Decode a raw JSON string value (with quotes) into out (replacing its contents). 0 / -1. */
int json_string_decode(const char *raw, size_t n, buf *out);
/* Parse a raw JSON number; 0 / -1. */
int json_number_decode(const char *raw, size_t n, double *v);

#endif
