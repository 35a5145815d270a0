/*
 * doc — one document of the JSONL contract: storage, setters, meta edits (see doc.h).
 *
 * Memory: raw holds a copy of the input line; jsonl_parse points id/text/source/url into it
 * when they had no escape, else decodes them into store. Values set by stages
 * live in own[kind], one buffer per field, so setting one never moves another. fields[] is
 * the member order for the writer; meta edits are (key, raw value) pairs in editstore.
 *
 * Invariants: a zeroed doc is valid and empty; doc_clear keeps every buffer's memory, so a
 * doc reused for every line stops allocating once it has seen the largest line.
 * Costs: setters copy the value (O(n)); doc_meta_get/doc_field_get are linear in the number
 * and size of members.
 */
#include "doc.h"
#include "jsonl.h"
#include <stdlib.h>
#include <string.h>

void doc_init(doc *d) { memset(d, 0, sizeof *d); }

void doc_free(doc *d) {
    buf_free(&d->raw);
    buf_free(&d->store);
    for (int i = 0; i < 4; i++) buf_free(&d->own[i]);
    free(d->fields);
    free(d->edits);
    buf_free(&d->editstore);
    buf_free(&d->tmp);
    memset(d, 0, sizeof *d);
}

void doc_clear(doc *d) {
    d->id = d->text = d->source = d->url = NULL;
    d->id_len = d->text_len = d->source_len = d->url_len = 0;
    d->has_id = d->has_text = d->has_source = d->has_url = 0;
    d->file = NULL;
    d->line = 0;
    d->raw.len = 0;
    d->store.len = 0;
    for (int i = 0; i < 4; i++) d->own[i].len = 0;
    d->nfields = 0;
    d->nedits = 0;
    d->editstore.len = 0;
    d->canon = 0;
    d->meta_present = 0;
    d->meta_raw_off = d->meta_raw_len = 0;
}

/* The public (pointer, length, has) triple of a string field. */
static const char **fptr(doc *d, int k, size_t **len, int **has) {
    switch (k) {
    case DOC_F_ID:     *len = &d->id_len;     *has = &d->has_id;     return &d->id;
    case DOC_F_TEXT:   *len = &d->text_len;   *has = &d->has_text;   return &d->text;
    case DOC_F_SOURCE: *len = &d->source_len; *has = &d->has_source; return &d->source;
    default:           *len = &d->url_len;    *has = &d->has_url;    return &d->url;
    }
}

doc_field *doc_field_add(doc *d, unsigned kind, int first) {
    if (d->nfields == d->capfields) {
        d->capfields = d->capfields ? d->capfields * 2 : 8;
        d->fields = xrealloc(d->fields, d->capfields * sizeof *d->fields);
    }
    doc_field *f;
    if (first) {
        memmove(d->fields + 1, d->fields, d->nfields * sizeof *d->fields);
        f = d->fields;
    } else {
        f = d->fields + d->nfields;
    }
    d->nfields++;
    memset(f, 0, sizeof *f);
    f->kind = kind;
    return f;
}

static doc_field *find_kind(doc *d, unsigned kind) {
    for (size_t i = 0; i < d->nfields; i++)
        if (d->fields[i].kind == kind) return d->fields + i;
    return NULL;
}

static void set_string(doc *d, int k, const char *p, size_t n) {
    size_t *len; int *has;
    const char **ptr = fptr(d, k, &len, &has);
    doc_field *f = find_kind(d, (unsigned)k);
    if (!p) {                                   /* remove the member */
        *ptr = NULL; *len = 0; *has = 0;
        if (f) {
            size_t i = (size_t)(f - d->fields);
            memmove(f, f + 1, (d->nfields - i - 1) * sizeof *f);
            d->nfields--;
        }
        return;
    }
    buf *b = &d->own[k];
    if (b->p && p >= b->p && p <= b->p + b->len) {   /* a part of its own value */
        memmove(b->p, p, n);
        b->len = n;
        b->p[n] = 0;
    } else {
        b->len = 0;
        buf_add(b, p, n);
        if (!b->p) buf_reserve(b, 0);
        b->p[n] = 0;
    }
    *ptr = b->p; *len = n; *has = 1;
    d->canon &= ~(1u << k);
    if (!f) f = doc_field_add(d, (unsigned)k, k == DOC_F_ID);
    f->flags &= ~(unsigned)DOC_FL_RAWNULL;
}

void doc_set_text(doc *d, const char *p, size_t n) { set_string(d, DOC_F_TEXT, p ? p : "", p ? n : 0); }
void doc_set_id(doc *d, const char *p, size_t n) { set_string(d, DOC_F_ID, p ? p : "", p ? n : 0); }
void doc_set_source(doc *d, const char *p, size_t n) { set_string(d, DOC_F_SOURCE, p, n); }
void doc_set_url(doc *d, const char *p, size_t n) { set_string(d, DOC_F_URL, p, n); }

/* Rebase a pointer of src (into src->raw, src->store or src->own[k]) onto dst's copies. */
static const char *rebase(const doc *src, doc *dst, int k, const char *p) {
    if (!p) return NULL;
    if (src->raw.p && p >= src->raw.p && p <= src->raw.p + src->raw.len)
        return dst->raw.p + (p - src->raw.p);
    if (src->store.p && p >= src->store.p && p <= src->store.p + src->store.len)
        return dst->store.p + (p - src->store.p);
    return dst->own[k].p + (p - src->own[k].p);
}

static void copy_buf(buf *dst, const buf *src) {
    dst->len = 0;
    if (src->p) buf_add(dst, src->p, src->len);
}

void doc_copy(doc *dst, const doc *src) {
    if (dst == src) return;
    doc_clear(dst);
    copy_buf(&dst->raw, &src->raw);
    copy_buf(&dst->store, &src->store);
    for (int k = 0; k < 4; k++) copy_buf(&dst->own[k], &src->own[k]);
    copy_buf(&dst->editstore, &src->editstore);
    if (dst->capfields < src->nfields) {
        dst->capfields = src->nfields;
        dst->fields = xrealloc(dst->fields, dst->capfields * sizeof *dst->fields);
    }
    if (src->nfields) memcpy(dst->fields, src->fields, src->nfields * sizeof *src->fields);
    dst->nfields = src->nfields;
    if (dst->capedits < src->nedits) {
        dst->capedits = src->nedits;
        dst->edits = xrealloc(dst->edits, dst->capedits * sizeof *dst->edits);
    }
    if (src->nedits) memcpy(dst->edits, src->edits, src->nedits * sizeof *src->edits);
    dst->nedits = src->nedits;
    dst->id = rebase(src, dst, DOC_F_ID, src->id);
    dst->text = rebase(src, dst, DOC_F_TEXT, src->text);
    dst->source = rebase(src, dst, DOC_F_SOURCE, src->source);
    dst->url = rebase(src, dst, DOC_F_URL, src->url);
    dst->id_len = src->id_len; dst->text_len = src->text_len;
    dst->source_len = src->source_len; dst->url_len = src->url_len;
    dst->has_id = src->has_id; dst->has_text = src->has_text;
    dst->has_source = src->has_source; dst->has_url = src->has_url;
    dst->file = src->file;
    dst->line = src->line;
    dst->canon = src->canon;
    dst->meta_present = src->meta_present;
    dst->meta_raw_off = src->meta_raw_off;
    dst->meta_raw_len = src->meta_raw_len;
}

/* ---- meta edits ---- */

static struct doc_meta_edit *find_edit(const doc *d, const char *key, size_t klen) {
    for (size_t i = 0; i < d->nedits; i++) {
        struct doc_meta_edit *e = d->edits + i;
        if (e->key_len == klen && !memcmp(d->editstore.p + e->key_off, key, klen)) return e;
    }
    return NULL;
}

void doc_meta_set(doc *d, const char *key, const char *json, size_t n) {
    size_t klen = strlen(key);
    struct doc_meta_edit *e = find_edit(d, key, klen);
    if (!e) {
        if (d->nedits == d->capedits) {
            d->capedits = d->capedits ? d->capedits * 2 : 4;
            d->edits = xrealloc(d->edits, d->capedits * sizeof *d->edits);
        }
        e = d->edits + d->nedits++;
        e->key_off = d->editstore.len;
        e->key_len = klen;
        buf_add(&d->editstore, key, klen);
    }
    /* json may point into editstore (a value read back with doc_meta_get): copy first */
    if (d->editstore.p && json >= d->editstore.p && json <= d->editstore.p + d->editstore.len) {
        size_t off = (size_t)(json - d->editstore.p);
        buf_reserve(&d->editstore, n);
        json = d->editstore.p + off;
    }
    e->val_off = d->editstore.len;
    e->val_len = n;
    buf_add(&d->editstore, json, n);
    if (!find_kind(d, DOC_F_META)) doc_field_add(d, DOC_F_META, 0);
}

/* Compare a raw JSON key (bytes inside the quotes, maybe with escapes) with a decoded key. */
int doc_key_eq(const char *raw, size_t rlen, const char *key, size_t klen, buf *tmp) {
    if (!memchr(raw, '\\', rlen)) return rlen == klen && !memcmp(raw, key, klen);
    if (json_string_decode(raw - 1, rlen + 2, tmp) < 0) return 0;
    return tmp->len == klen && !memcmp(tmp->p, key, klen);
}

int doc_meta_get(const doc *d, const char *key, const char **json, size_t *n) {
    size_t klen = strlen(key);
    struct doc_meta_edit *e = find_edit(d, key, klen);
    if (e) {
        *json = d->editstore.p + e->val_off;
        *n = e->val_len;
        return 1;
    }
    if (!d->meta_present) return 0;
    json_obj_iter it;
    buf kb = {0};
    const char *v; size_t vl;
    int found = 0;
    if (json_obj_iter_init(&it, d->raw.p + d->meta_raw_off, d->meta_raw_len) == 0) {
        while (json_obj_iter_next(&it, &kb, &v, &vl) == 1) {
            if (kb.len == klen && !memcmp(kb.p, key, klen)) { *json = v; *n = vl; found = 1; break; }
        }
    }
    buf_free(&kb);
    return found;
}

int doc_field_get(const doc *d, const char *key, const char **json, size_t *n) {
    size_t klen = strlen(key);
    buf tmp = {0};
    int found = 0;
    for (size_t i = 0; i < d->nfields && !found; i++) {
        const doc_field *f = d->fields + i;
        if (f->kind != DOC_F_OTHER) continue;
        if (doc_key_eq(d->raw.p + f->key_off, f->key_len, key, klen, &tmp)) {
            *json = d->raw.p + f->val_off;
            *n = f->val_len;
            found = 1;
        }
    }
    buf_free(&tmp);
    return found;
}
