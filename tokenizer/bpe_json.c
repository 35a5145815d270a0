/* bpe_json — see bpe_json.h. Recursive descent, depth-limited to 64. */
#include "bpe_json.h"
#include <stdlib.h>
#include <string.h>

typedef struct jp { const char *p, *end, *start; bj_doc *d; char *err; } jp;

static int jfail(jp *j, const char *what) {
    return err_set(j->err, "invalid JSON at byte %zu: %s", (size_t)(j->p - j->start), what);
}

static void ws(jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int new_node(bj_doc *d, bj_type t) {
    if (d->nn == d->capn) {
        d->capn = d->capn ? d->capn * 2 : 256;
        d->n = xrealloc(d->n, d->capn * sizeof *d->n);
    }
    bj_node *x = &d->n[d->nn];
    memset(x, 0, sizeof *x);
    x->type = t; x->first = x->next = -1;
    return (int)d->nn++;
}

static int hex4(const char *p, unsigned *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    return 0;
}

static void put_utf8(buf *b, unsigned cp) {
    char o[4];
    if (cp < 0x80) { o[0] = (char)cp; buf_add(b, o, 1); }
    else if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); buf_add(b, o, 2); }
    else if (cp < 0x10000) { o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 63)); o[2] = (char)(0x80 | (cp & 63)); buf_add(b, o, 3); }
    else { o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 63)); o[2] = (char)(0x80 | ((cp >> 6) & 63)); o[3] = (char)(0x80 | (cp & 63)); buf_add(b, o, 4); }
}

/* Parse a string at j->p (on the quote) into the pool; returns offset/len. */
static int jstring(jp *j, size_t *off, size_t *len) {
    buf *b = &j->d->pool;
    j->p++;
    *off = b->len;
    for (;;) {
        const char *s = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\') j->p++;
        buf_add(b, s, (size_t)(j->p - s));
        if (j->p >= j->end) return jfail(j, "unterminated string");
        if (*j->p == '"') { j->p++; break; }
        j->p++;
        if (j->p >= j->end) return jfail(j, "bad escape");
        char c = *j->p++;
        switch (c) {
        case '"': buf_addc(b, '"'); break;
        case '\\': buf_addc(b, '\\'); break;
        case '/': buf_addc(b, '/'); break;
        case 'b': buf_addc(b, '\b'); break;
        case 'f': buf_addc(b, '\f'); break;
        case 'n': buf_addc(b, '\n'); break;
        case 'r': buf_addc(b, '\r'); break;
        case 't': buf_addc(b, '\t'); break;
        case 'u': {
            unsigned v, w;
            if (j->end - j->p < 4 || hex4(j->p, &v)) return jfail(j, "bad \\u escape");
            j->p += 4;
            if (v >= 0xD800 && v <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
                !hex4(j->p + 2, &w) && w >= 0xDC00 && w <= 0xDFFF) {
                j->p += 6;
                v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
            } else if (v >= 0xD800 && v <= 0xDFFF) v = 0xFFFD;
            put_utf8(b, v);
            break;
        }
        default: return jfail(j, "bad escape");
        }
    }
    *len = b->len - *off;
    buf_addc(b, 0);
    return 0;
}

static int jvalue(jp *j, int depth);

static int jcontainer(jp *j, int node, int depth, int obj) {
    char close = obj ? '}' : ']';
    j->p++;
    ws(j);
    int last = -1;
    if (j->p < j->end && *j->p == close) { j->p++; return 0; }
    for (;;) {
        size_t koff = 0, klen = 0;
        if (obj) {
            ws(j);
            if (j->p >= j->end || *j->p != '"') return jfail(j, "expected key");
            if (jstring(j, &koff, &klen)) return -1;
            ws(j);
            if (j->p >= j->end || *j->p != ':') return jfail(j, "expected ':'");
            j->p++;
        }
        ws(j);
        int v = jvalue(j, depth + 1);
        if (v < 0) return -1;
        j->d->n[v].koff = koff; j->d->n[v].klen = klen;
        if (last < 0) j->d->n[node].first = v; else j->d->n[last].next = v;
        last = v;
        j->d->n[node].count++;
        ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == close) { j->p++; return 0; }
        return jfail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int jvalue(jp *j, int depth) {
    if (depth > 64) { jfail(j, "nested too deeply"); return -1; }
    ws(j);
    if (j->p >= j->end) { jfail(j, "unexpected end"); return -1; }
    char c = *j->p;
    int x;
    if (c == '{' || c == '[') {
        x = new_node(j->d, c == '{' ? BJ_OBJ : BJ_ARR);
        if (jcontainer(j, x, depth, c == '{')) return -1;
        return x;
    }
    if (c == '"') {
        x = new_node(j->d, BJ_STR);
        size_t off, len;
        if (jstring(j, &off, &len)) return -1;
        j->d->n[x].soff = off; j->d->n[x].slen = len;
        return x;
    }
    if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) { j->p += 4; return new_node(j->d, BJ_NULL); }
    if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4)) { j->p += 4; return new_node(j->d, BJ_TRUE); }
    if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5)) { j->p += 5; return new_node(j->d, BJ_FALSE); }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64]; size_t k = 0;
        while (j->p < j->end && k < 63 && strchr("+-0123456789.eE", *j->p)) tmp[k++] = *j->p++;
        tmp[k] = 0;
        x = new_node(j->d, BJ_NUM);
        j->d->n[x].num = strtod(tmp, NULL);
        return x;
    }
    jfail(j, "unexpected character");
    return -1;
}

int bj_parse(bj_doc *d, const char *p, size_t n, char *err) {
    memset(d, 0, sizeof *d);
    jp j = {p, p + n, p, d, err};
    if (jvalue(&j, 0) < 0) return -1;
    ws(&j);
    if (j.p != j.end) return err_set(err, "invalid JSON: trailing data after the value");
    return 0;
}

void bj_free(bj_doc *d) { free(d->n); buf_free(&d->pool); memset(d, 0, sizeof *d); }

int bj_get(const bj_doc *d, int obj, const char *key) {
    if (obj < 0 || d->n[obj].type != BJ_OBJ) return -1;
    size_t kl = strlen(key);
    for (int c = d->n[obj].first; c >= 0; c = d->n[c].next)
        if (d->n[c].klen == kl && !memcmp(d->pool.p + d->n[c].koff, key, kl)) return c;
    return -1;
}

const char *bj_str(const bj_doc *d, int node, size_t *len) {
    if (node < 0 || d->n[node].type != BJ_STR) return NULL;
    *len = d->n[node].slen;
    return d->pool.p + d->n[node].soff;
}

const char *bj_key(const bj_doc *d, int node, size_t *len) {
    *len = d->n[node].klen;
    return d->pool.p + d->n[node].koff;
}

int bj_is_str(const bj_doc *d, int node, const char *s) {
    size_t n;
    const char *p = bj_str(d, node, &n);
    return p && n == strlen(s) && !memcmp(p, s, n);
}
