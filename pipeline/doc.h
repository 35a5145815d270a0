/*
 * doc — one document of the JSONL contract (DESIGN.md §2).
 *
 * Known fields are held decoded (UTF-8 bytes, JSON escapes resolved): id, text, source, url.
 * `meta` is held as the raw JSON bytes of the input object plus a list of edits made by
 * stages (set or replace a member); on output the untouched members of meta are written byte
 * for byte and edited members with their new raw values. Every other top-level field is kept
 * as raw bytes ("key":value exactly as read) and written back in its original position.
 *
 * Invariants:
 *  - text/id/source/url point into memory owned by the doc (valid until the next
 *    jsonl_parse into the same doc, doc_set_*, or doc_free) and are NUL-terminated
 *    (text may contain NUL bytes from \u0000; use the lengths).
 *  - has_* flags say whether the field was present; a missing id is filled by the reader
 *    with "<file>:<line>" (has_id stays 0 so the writer does not invent a field... see
 *    jsonl.h for the exact rule).
 *  - A doc is reusable: parse into the same doc again and no allocation happens once its
 *    buffers have grown to the largest document (no allocation per document on hot paths).
 *
 * Costs: parse and write are linear in the line length; doc_meta_get is linear in the size
 * of meta.
 */
#ifndef WN_DOC_H
#define WN_DOC_H
#include "buf.h"

typedef struct doc_field doc_field;   /* private: order and raw spans of fields */

typedef struct doc {
    const char *id;     size_t id_len;     int has_id;
    const char *text;   size_t text_len;   int has_text;
    const char *source; size_t source_len; int has_source;
    const char *url;    size_t url_len;    int has_url;

    /* where it came from, for messages: file name (not owned) and 1-based line number */
    const char *file;
    uint64_t line;

    /* private to doc.c / jsonl.c (a zeroed doc is a valid empty doc) */
    buf raw;            /* copy of the input line; escape-free known strings are used in place */
    buf store;          /* decoded known strings that had escapes (NUL after each) */
    buf own[4];         /* id, text, source, url values set by doc_set_* (or generated id) */
    doc_field *fields;  size_t nfields, capfields;   /* members in output order */
    struct doc_meta_edit *edits; size_t nedits, capedits;
    buf editstore;      /* keys and raw values of meta edits */
    unsigned canon;     /* bit DOC_F_x: the raw input string (val_off/val_len) is exactly the
                           canonical encoding of the value, so the writer copies it */
    int meta_present;   /* input meta was an object */
    size_t meta_raw_off, meta_raw_len;               /* raw {...} of meta inside raw */
    buf tmp;            /* scratch for decoded keys */
} doc;

/* private: kinds of members, in the order of own[] for the four string fields */
enum { DOC_F_ID, DOC_F_TEXT, DOC_F_SOURCE, DOC_F_URL, DOC_F_META, DOC_F_OTHER };
enum { DOC_FL_RAWNULL = 1 };   /* known member whose input value was null: kept raw */
struct doc_field {
    unsigned kind, flags;
    size_t off, len;            /* raw member span in raw ("key":value), OTHER / RAWNULL */
    size_t key_off, key_len;    /* raw key bytes inside the quotes */
    size_t val_off, val_len;    /* raw value (for id/text/source/url: the string body) */
};
struct doc_meta_edit { size_t key_off, key_len, val_off, val_len; };   /* in editstore */
/* private helpers shared by doc.c and jsonl.c */
doc_field *doc_field_add(doc *d, unsigned kind, int first);
int doc_key_eq(const char *raw, size_t rlen, const char *key, size_t klen, buf *tmp);

void doc_init(doc *d);
void doc_free(doc *d);
void doc_clear(doc *d);                 /* empty doc, keeps memory */
void doc_copy(doc *dst, const doc *src);/* deep copy (augment makes variants this way) */

/* Replace a known field's value (copied). Passing NULL for source/url removes the field. */
void doc_set_text(doc *d, const char *p, size_t n);
void doc_set_id(doc *d, const char *p, size_t n);
void doc_set_source(doc *d, const char *p, size_t n);
void doc_set_url(doc *d, const char *p, size_t n);

/* Set meta.<key> to a raw JSON value (must be valid JSON; build it with the json_* writers
 * of jsonl.h). Replaces an existing member of that name in place, else appends. */
void doc_meta_set(doc *d, const char *key, const char *json, size_t n);
/* Raw JSON value of meta.<key> (after edits), or 0 if absent. */
int doc_meta_get(const doc *d, const char *key, const char **json, size_t *n);
/* Raw JSON value of another top-level field (not id/text/source/url/meta), or 0. */
int doc_field_get(const doc *d, const char *key, const char **json, size_t *n);

#endif
