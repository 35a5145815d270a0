/*
 * bpe_json — a small JSON DOM for the tokenizer file formats (tokenizer.json, vocab.json,
 * tiktoken's npm encoder files). Strings are decoded (escapes and surrogate pairs resolved)
 * into one pool; nodes live in one array and are addressed by index.
 * Costs: one pass, ~40 bytes per node; a 200k-entry vocabulary parses in tens of ms.
 */
#ifndef WN_BPE_JSON_H
#define WN_BPE_JSON_H
#include <stddef.h>
#include "../pipeline/buf.h"

typedef enum { BJ_NULL, BJ_FALSE, BJ_TRUE, BJ_NUM, BJ_STR, BJ_ARR, BJ_OBJ } bj_type;

typedef struct bj_node {
    bj_type type;
    int first, next;          /* first child, next sibling (-1 = none) */
    size_t koff, klen;        /* key (members of objects) in the pool */
    size_t soff, slen;        /* string value in the pool */
    double num;
    size_t count;             /* children */
} bj_node;

typedef struct bj_doc { bj_node *n; size_t nn, capn; buf pool; } bj_doc;

int bj_parse(bj_doc *d, const char *p, size_t n, char *err);   /* root is node 0 */
void bj_free(bj_doc *d);
int bj_get(const bj_doc *d, int obj, const char *key);       /* member index or -1 */
const char *bj_str(const bj_doc *d, int node, size_t *len);  /* NULL if not a string */
const char *bj_key(const bj_doc *d, int node, size_t *len);
int bj_is_str(const bj_doc *d, int node, const char *s);

#endif
