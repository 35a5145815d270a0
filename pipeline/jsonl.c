/*
 * jsonl — winnow's streaming JSON codec for documents (see jsonl.h, DESIGN.md §2).
 *
 * Reading (jsonl_parse): the line is copied into the doc (d->raw, with JSON_SLACK bytes of
 * slack for vector loads and stores) and parsed in one pass. String bodies are scanned with
 * json_skip_plain (AVX2/SSE2), which stops only at '"', '\\', control characters and non-ASCII
 * bytes; from a non-ASCII byte on, json_utf8_run validates UTF-8 32 bytes a step (overlongs,
 * encoded surrogates, > U+10FFFF, truncated sequences), and when it finds an error the bytewise
 * validator names it. id/text/source/url without escapes are used in place inside d->raw (the
 * closing quote becomes the NUL); with escapes they are decoded into d->store, and the parser
 * notes whether the input was already canonical (then the writer copies the raw bytes). A line
 * costs one memcpy and one scan, and no allocation once the doc's buffers have grown. Every
 * other value is validated (iterative parser with an explicit stack: nesting deeper than
 * JSON_MAX_DEPTH levels is an error, never a stack overflow) and remembered as a raw span.
 *
 * Rules:
 *  - Strict RFC 8259: no trailing commas, no leading zeros, no bare control characters in
 *    strings, no lone surrogates in \u escapes, nothing but whitespace (space, \t, \n, \r) after
 *    the object. A trailing '\r' (CRLF files) is whitespace.
 *  - The line must be one object ("not an object" otherwise, when it is valid JSON).
 *  - text must be a string; id a string; source/url a string or null; meta an object or null.
 *    A null source/url/meta is written back as it was (unless a stage sets the field).
 *  - Duplicate keys: a known key (id, text, source, url, meta, compared after unescaping)
 *    given twice is an error "duplicate key 'text'": which value a stage should see would be
 *    ambiguous. Duplicate unknown keys (top level or inside meta) are kept raw, all of them,
 *    in their positions.
 *  - A missing id becomes "<file>:<line>" (has_id stays 0), written back as a first member.
 *
 * Writing (jsonl_write): members in input order. Known fields are written canonically:
 * "key":"value" with only '"', '\\' and control characters escaped (\b \f \n \r \t short
 * forms, others \u00XX), UTF-8 as is. A value whose input form was already canonical (no
 * escapes, or only canonical ones) is written with one memcpy of its raw bytes. Unknown
 * members are written byte for byte ("key" : value as read, whitespace inside kept);
 * whitespace between members is not kept. meta is written
 * byte for byte unless edited; then untouched members are byte for byte, edited members take
 * their new values in place (a duplicated edited key keeps only its first position) and new
 * members follow.
 *
 * Costs: parse and write are linear in the line with a vectorised inner loop; memory is
 * about twice the line per doc (the copy and the decoded store).
 */
#include "jsonl.h"
#include "json_scan.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 1000

typedef struct pctx {
    const char *line;        /* column origin */
    jsonl_error *e;
} pctx;

__attribute__((format(printf, 3, 4)))
static void perr(pctx *c, const char *at, const char *fmt, ...) {
    if (!c->e) return;
    c->e->col = at ? (uint64_t)(at - c->line) + 1 : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->e->reason, sizeof c->e->reason, fmt, ap);
    va_end(ap);
}

static inline const char *ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static void err_unexpected(pctx *c, const char *p, const char *end, const char *what) {
    if (p >= end) { perr(c, p, "invalid JSON: unexpected end of line, expected %s", what); return; }
    unsigned char ch = (unsigned char)*p;
    if (ch > 0x20 && ch < 0x7f) perr(c, p, "invalid JSON: unexpected '%c', expected %s", ch, what);
    else perr(c, p, "invalid JSON: unexpected byte 0x%02X, expected %s", ch, what);
}

/* Validate one UTF-8 sequence starting at a byte >= 0x80; its length, or 0 with an error. */
static size_t utf8_seq(pctx *c, const unsigned char *p, const unsigned char *end) {
    unsigned b = p[0], lo = 0x80, hi = 0xBF;
    size_t n;
    if (b < 0xC0) { perr(c, (const char *)p, "invalid UTF-8: unexpected continuation byte 0x%02X", b); return 0; }
    if (b < 0xC2) { perr(c, (const char *)p, "invalid UTF-8: overlong encoding (0x%02X)", b); return 0; }
    if (b < 0xE0) n = 2;
    else if (b < 0xF0) { n = 3; if (b == 0xE0) lo = 0xA0; else if (b == 0xED) hi = 0x9F; }
    else if (b < 0xF5) { n = 4; if (b == 0xF0) lo = 0x90; else if (b == 0xF4) hi = 0x8F; }
    else if (b < 0xF8) { perr(c, (const char *)p, "invalid UTF-8: byte 0x%02X (over U+10FFFF)", b); return 0; }
    else { perr(c, (const char *)p, "invalid UTF-8: byte 0x%02X never appears in UTF-8", b); return 0; }
    for (size_t i = 1; i < n; i++) {
        if (p + i >= end || (p[i] & 0xC0) != 0x80) {
            perr(c, (const char *)p, "invalid UTF-8: truncated sequence");
            return 0;
        }
    }
    if (p[1] < lo) { perr(c, (const char *)p, "invalid UTF-8: overlong encoding"); return 0; }
    if (p[1] > hi) {
        if (b == 0xED) perr(c, (const char *)p, "invalid UTF-8: encoded surrogate");
        else perr(c, (const char *)p, "invalid UTF-8: code point over U+10FFFF");
        return 0;
    }
    return n;
}

static inline int hexv(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}
static long hex4(const char *p, const char *end) {
    if (end - p < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv((unsigned char)p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}
static inline size_t utf8_put(char *w, unsigned long u, int decode) {
    if (u < 0x80) { if (decode) w[0] = (char)u; return 1; }
    if (u < 0x800) {
        if (decode) { w[0] = (char)(0xC0 | (u >> 6)); w[1] = (char)(0x80 | (u & 0x3F)); }
        return 2;
    }
    if (u < 0x10000) {
        if (decode) { w[0] = (char)(0xE0 | (u >> 12)); w[1] = (char)(0x80 | ((u >> 6) & 0x3F)); w[2] = (char)(0x80 | (u & 0x3F)); }
        return 3;
    }
    if (decode) {
        w[0] = (char)(0xF0 | (u >> 18)); w[1] = (char)(0x80 | ((u >> 12) & 0x3F));
        w[2] = (char)(0x80 | ((u >> 6) & 0x3F)); w[3] = (char)(0x80 | (u & 0x3F));
    }
    return 4;
}

/* The body of a string: p is just after the opening quote. Returns the byte after the closing
 * quote, or NULL with an error. *escaped says whether any escape was seen; with dst (decode),
 * when there was one, the unescaped bytes are written from dst, *wend is set to their end, and
 * *noncanon says whether an escape differs from what json_write_string writes. */
#define JSON_SLACK 64      /* bytes past the line and the store that vector copies may touch */

static inline __attribute__((always_inline))
const char *str_body(pctx *c, const char *p, const char *end, char *dst, char **wend,
                     int *escaped, int *noncanon, int padded) {
    const char *open = p - 1, *r = p;
    char *w = dst;
#ifdef JSON_UTF8_SIMD
    int simd = 1;     /* off once it found an error: the bytewise path then names it */
#endif
    for (;;) {
        p = json_skip_plain(p, end);
        if (p < end && (unsigned char)*p >= 0x80) {
#ifdef JSON_UTF8_SIMD
            if (simd) {
                const char *q = json_utf8_run(p, end);
                if (q) { p = q; continue; }
                simd = 0;
            }
#endif
            size_t n = utf8_seq(c, (const unsigned char *)p, (const unsigned char *)end);
            if (!n) return NULL;
            p += n;
            continue;
        }
        if (p >= end) { perr(c, open, "invalid JSON: unterminated string"); return NULL; }
        if (*p == '"') {
            if (dst && *escaped) {
                if (padded) json_copy_padded(w, r, (size_t)(p - r));
                else memcpy(w, r, (size_t)(p - r));
                w += p - r;
                *wend = w;
            }
            return p + 1;
        }
        if (*p != '\\') {
            perr(c, p, "invalid JSON: unescaped control character 0x%02X in string", (unsigned char)*p);
            return NULL;
        }
        if (dst) {
            if (padded) json_copy_padded(w, r, (size_t)(p - r));
            else memcpy(w, r, (size_t)(p - r));
            w += p - r;
        }
        *escaped = 1;
        const char *bs = p++;
        if (p >= end) { perr(c, open, "invalid JSON: unterminated string"); return NULL; }
        char out;
        switch (*p++) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; *noncanon = 1; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            long u = hex4(p, end);
            if (u < 0) { perr(c, bs, "invalid JSON: bad \\u escape (4 hex digits expected)"); return NULL; }
            /* canonical only for a control character without a short form, in lower case */
            if (u >= 0x20 || u == '\b' || u == '\f' || u == '\n' || u == '\r' || u == '\t' ||
                (p[2] >= 'A' && p[2] <= 'F') || (p[3] >= 'A' && p[3] <= 'F'))
                *noncanon = 1;
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = -1;
                if (end - p >= 2 && p[0] == '\\' && p[1] == 'u') {
                    lo = hex4(p + 2, end);
                    if (lo < 0) { perr(c, p, "invalid JSON: bad \\u escape (4 hex digits expected)"); return NULL; }
                }
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    perr(c, bs, "invalid UTF-8: lone surrogate \\u%04lX in escape", u);
                    return NULL;
                }
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                perr(c, bs, "invalid UTF-8: lone surrogate \\u%04lX in escape", u);
                return NULL;
            }
            if (dst) w += utf8_put(w, (unsigned long)u, 1);
            r = p;
            continue;
        }
        default:
            perr(c, bs, "invalid JSON: invalid escape '\\%c'", p[-1] > 0x20 && p[-1] < 0x7f ? p[-1] : '?');
            return NULL;
        }
        if (dst) *w++ = out;
        r = p;
    }
}

static const char *str_decode(pctx *c, const char *p, const char *end, char *dst, char **wend,
                              int *escaped, int *noncanon) {
    return str_body(c, p, end, dst, wend, escaped, noncanon, 0);
}
/* the same where src and dst have JSON_SLACK bytes of slack (jsonl_parse's raw and store) */
static const char *str_decode_padded(pctx *c, const char *p, const char *end, char *dst, char **wend,
                                     int *escaped, int *noncanon) {
    return str_body(c, p, end, dst, wend, escaped, noncanon, 1);
}
static const char *str_skip(pctx *c, const char *p, const char *end, int *escaped) {
    int nc;
    return str_body(c, p, end, NULL, NULL, escaped, &nc, 0);
}

static const char *num_scan(pctx *c, const char *p, const char *end) {
    const char *s = p;
    if (*p == '-') p++;
    if (p >= end || *p < '0' || *p > '9') { perr(c, s, "invalid JSON: invalid number"); return NULL; }
    if (*p == '0') {
        p++;
        if (p < end && *p >= '0' && *p <= '9') { perr(c, s, "invalid JSON: leading zero in number"); return NULL; }
    } else {
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') { perr(c, s, "invalid JSON: invalid number (digit expected after '.')"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') { perr(c, s, "invalid JSON: invalid number (digit expected in exponent)"); return NULL; }
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

static const char *lit_scan(pctx *c, const char *p, const char *end, const char *lit, size_t n) {
    if ((size_t)(end - p) < n || memcmp(p, lit, n)) { err_unexpected(c, p, end, "a value"); return NULL; }
    return p + n;
}

/* Validate one value starting at p (after whitespace) whose container is at nesting level
 * depth0; returns the byte after it. Iterative: the stack is a bit per level. */
static const char *skip_value(pctx *c, const char *p, const char *end, int depth0) {
    unsigned char stack[JSON_MAX_DEPTH + 1];    /* 1 = object, 2 = array */
    int sp = 0, esc = 0;
    int after_comma = 0;
value:
    p = ws(p, end);
    if (p >= end) { err_unexpected(c, p, end, "a value"); return NULL; }
    switch (*p) {
    case '{':
        if (depth0 + sp + 1 > JSON_MAX_DEPTH) { perr(c, p, "invalid JSON: nesting deeper than %d levels", JSON_MAX_DEPTH); return NULL; }
        p = ws(p + 1, end);
        if (p < end && *p == '}') { p++; goto after; }
        stack[sp++] = 1;
        after_comma = 0;
        goto key;
    case '[':
        if (depth0 + sp + 1 > JSON_MAX_DEPTH) { perr(c, p, "invalid JSON: nesting deeper than %d levels", JSON_MAX_DEPTH); return NULL; }
        p = ws(p + 1, end);
        if (p < end && *p == ']') { p++; goto after; }
        stack[sp++] = 2;
        goto value;
    case '"':
        p = str_skip(c, p + 1, end, &esc);
        if (!p) return NULL;
        goto after;
    case 't': p = lit_scan(c, p, end, "true", 4); break;
    case 'f': p = lit_scan(c, p, end, "false", 5); break;
    case 'n': p = lit_scan(c, p, end, "null", 4); break;
    case ']':
        if (after_comma) { perr(c, p, "invalid JSON: trailing comma"); return NULL; }
        err_unexpected(c, p, end, "a value");
        return NULL;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9')) { p = num_scan(c, p, end); break; }
        err_unexpected(c, p, end, "a value");
        return NULL;
    }
    if (!p) return NULL;
after:
    after_comma = 0;
    if (sp == 0) return p;
    p = ws(p, end);
    if (p >= end) { perr(c, p, "invalid JSON: unexpected end of line (unclosed %s)", stack[sp - 1] == 1 ? "object" : "array"); return NULL; }
    if (stack[sp - 1] == 1) {
        if (*p == ',') { p = ws(p + 1, end); after_comma = 1; goto key; }
        if (*p == '}') { p++; sp--; goto after; }
        err_unexpected(c, p, end, "',' or '}'");
        return NULL;
    }
    if (*p == ',') { p++; after_comma = 1; goto value; }
    if (*p == ']') { p++; sp--; goto after; }
    err_unexpected(c, p, end, "',' or ']'");
    return NULL;
key:
    if (p >= end || *p != '"') {
        if (after_comma && p < end && *p == '}') perr(c, p, "invalid JSON: trailing comma");
        else err_unexpected(c, p, end, "a string key");
        return NULL;
    }
    p = str_skip(c, p + 1, end, &esc);
    if (!p) return NULL;
    p = ws(p, end);
    if (p >= end || *p != ':') { err_unexpected(c, p, end, "':'"); return NULL; }
    p++;
    after_comma = 0;
    goto value;
}

/* ---- reading a document ---- */

static int classify(const char *k, size_t n) {
    switch (n) {
    case 2: if (!memcmp(k, "id", 2)) return DOC_F_ID; break;
    case 3: if (!memcmp(k, "url", 3)) return DOC_F_URL; break;
    case 4:
        if (!memcmp(k, "text", 4)) return DOC_F_TEXT;
        if (!memcmp(k, "meta", 4)) return DOC_F_META;
        break;
    case 6: if (!memcmp(k, "source", 6)) return DOC_F_SOURCE; break;
    }
    return DOC_F_OTHER;
}

static const char *const kind_name[] = { "id", "text", "source", "url", "meta" };

static void set_known(doc *d, int k, const char *p, size_t n) {
    switch (k) {
    case DOC_F_ID: d->id = p; d->id_len = n; d->has_id = 1; break;
    case DOC_F_TEXT: d->text = p; d->text_len = n; d->has_text = 1; break;
    case DOC_F_SOURCE: d->source = p; d->source_len = n; d->has_source = 1; break;
    default: d->url = p; d->url_len = n; d->has_url = 1; break;
    }
}

/* Members of the top-level object: s is the line, p its '{'. */
static void doc_field_t_set(doc_field *f, ptrdiff_t off, size_t koff, size_t klen, ptrdiff_t voff, size_t vlen) {
    f->off = (size_t)off;
    f->key_off = koff;
    f->key_len = klen;
    f->val_off = (size_t)voff;
    f->val_len = vlen;
}

static int parse_members(doc *d, pctx *c, char *s, const char *p, const char *end) {
    unsigned seen = 0;
    int after_comma = 0;
    /* a valid-JSON but wrong-typed or duplicated known member is reported only once the whole
     * line is known to be valid JSON, so that a JSON error always wins */
    const char *late_at = NULL;
    char late[96] = "";
    p = ws(p + 1, end);                                    /* after '{' */
    if (p < end && *p == '}') { p++; goto done; }
    for (;;) {
        if (p >= end || *p != '"') {
            if (after_comma && p < end && *p == '}') perr(c, p, "invalid JSON: trailing comma");
            else err_unexpected(c, p, end, "a string key");
            return -1;
        }
        const char *kq = p;
        int kesc = 0;
        p = str_skip(c, p + 1, end, &kesc);
        if (!p) return -1;
        size_t koff = (size_t)(kq + 1 - s), klen = (size_t)(p - kq - 2);
        int k;
        if (!kesc) k = classify(kq + 1, klen);
        else {
            if (json_string_decode(kq, (size_t)(p - kq), &d->tmp) < 0) return -1;
            k = classify(d->tmp.p, d->tmp.len);
        }
        p = ws(p, end);
        if (p >= end || *p != ':') { err_unexpected(c, p, end, "':'"); return -1; }
        p = ws(p + 1, end);
        const char *v = p;
        if (k != DOC_F_OTHER) {
            if ((seen & (1u << k)) && !late_at) {
                late_at = kq;
                snprintf(late, sizeof late, "duplicate key '%s'", kind_name[k]);
            }
            seen |= 1u << k;
        }
        if (k <= DOC_F_URL && p < end && *p == '"') {
            char *dst = d->store.p + d->store.len, *wend = dst;
            int esc = 0, nonc = 0;
            p = str_decode_padded(c, p + 1, end, dst, &wend, &esc, &nonc);
            if (!p) return -1;
            if (!esc) {                          /* the value is the raw body: use it in place */
                s[p - 1 - s] = 0;                /* its closing quote becomes the terminator */
                set_known(d, k, v + 1, (size_t)(p - v - 2));
                d->canon |= 1u << k;
            } else {
                *wend = 0;
                set_known(d, k, dst, (size_t)(wend - dst));
                d->store.len += (size_t)(wend - dst) + 1;
                if (!nonc) d->canon |= 1u << k;
            }
            doc_field_t_set(doc_field_add(d, (unsigned)k, 0), kq - s, koff, klen, v + 1 - s, (size_t)(p - v - 2));
        } else {
            p = skip_value(c, p, end, 1);
            if (!p) return -1;
            doc_field *f;
            int isnull = (p - v == 4 && !memcmp(v, "null", 4));
            if (k == DOC_F_OTHER || (isnull && (k == DOC_F_SOURCE || k == DOC_F_URL || k == DOC_F_META))) {
                f = doc_field_add(d, (unsigned)k, 0);
                if (k != DOC_F_OTHER) f->flags = DOC_FL_RAWNULL;
            } else if (k == DOC_F_META && *v == '{') {
                f = doc_field_add(d, DOC_F_META, 0);
                d->meta_present = 1;
                d->meta_raw_off = (size_t)(v - s);
                d->meta_raw_len = (size_t)(p - v);
            } else {
                if (!late_at) {
                    late_at = v;
                    snprintf(late, sizeof late, k == DOC_F_META ? "\"%s\" is not an object" : "\"%s\" is not a string", kind_name[k]);
                }
                f = doc_field_add(d, DOC_F_OTHER, 0);   /* placeholder; the line is rejected */
            }
            doc_field_t_set(f, kq - s, koff, klen, v - s, (size_t)(p - v));
            f->len = (size_t)(p - kq);
        }
        p = ws(p, end);
        if (p < end && *p == ',') { p = ws(p + 1, end); after_comma = 1; continue; }
        if (p < end && *p == '}') { p++; break; }
        err_unexpected(c, p, end, "',' or '}'");
        return -1;
    }
done:
    p = ws(p, end);
    if (p < end) { perr(c, p, "invalid JSON: unexpected data after the object"); return -1; }
    if (late_at) { perr(c, late_at, "%s", late); return -1; }
    return 0;
}

int jsonl_parse(doc *d, const char *line, size_t len, const char *file, uint64_t lineno,
                jsonl_error *e) {
    doc_clear(d);
    d->file = file;
    d->line = lineno;
    if (d->raw.p && line >= d->raw.p && line < d->raw.p + d->raw.cap) {   /* re-parse own copy */
        size_t off = (size_t)(line - d->raw.p);
        buf_reserve(&d->raw, off + len + JSON_SLACK);
        memmove(d->raw.p, d->raw.p + off, len);
    } else {
        buf_reserve(&d->raw, len + JSON_SLACK);
        memcpy(d->raw.p, line, len);
    }
    d->raw.len = len;
    d->raw.p[len] = 0;
    buf_reserve(&d->store, len + JSON_SLACK);   /* decoded strings never outgrow the line */
    char *s = d->raw.p;
    const char *end = s + len;
    pctx c = { s, e };
    if (e) { e->col = 0; e->reason[0] = 0; }
    const char *p = ws(s, end);
    if (p >= end) { perr(&c, p, "invalid JSON: empty line"); return -1; }
    if (*p != '{') {
        const char *q = skip_value(&c, p, end, 0);
        if (!q) return -1;
        q = ws(q, end);
        if (q < end) { perr(&c, q, "invalid JSON: unexpected data after the value"); return -1; }
        perr(&c, p, "not an object");
        return -1;
    }
    if (parse_members(d, &c, s, p, end) < 0) return -1;
    if (!d->has_text) { perr(&c, NULL, "missing \"text\" field"); return -1; }
    if (!d->has_id) {
        buf *b = &d->own[DOC_F_ID];
        b->len = 0;
        buf_adds(b, file ? file : "-");
        buf_addc(b, ':');
        buf_add_u64(b, lineno);
        d->id = b->p;
        d->id_len = b->len;
        d->canon &= ~(1u << DOC_F_ID);
        doc_field_add(d, DOC_F_ID, 1);
    }
    return 0;
}

/* ---- writing ---- */

void json_write_string(buf *out, const char *p, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const char *e = p + n;
    buf_reserve(out, n + 2);
    char *o = out->p + out->len;
    *o++ = '"';
    for (;;) {
        const char *q = json_skip_noesc(p, e);
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        p = q;
        if (p >= e) break;
        out->len = (size_t)(o - out->p);
        buf_reserve(out, (size_t)(e - p) + 7);
        o = out->p + out->len;
        unsigned char ch = (unsigned char)*p++;
        *o++ = '\\';
        switch (ch) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default: *o++ = 'u'; *o++ = '0'; *o++ = '0'; *o++ = hex[ch >> 4]; *o++ = hex[ch & 15]; break;
        }
    }
    *o++ = '"';
    out->len = (size_t)(o - out->p);
    out->p[out->len] = 0;
}

void json_write_double(buf *out, double v) {
    if (!isfinite(v)) { buf_add(out, "null", 4); return; }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    buf_adds(out, tmp);
}

/* Next member of a (valid) object body: raw key bytes inside the quotes, the member's start
 * (its opening quote) and the raw value. 1, 0 at the end, -1 if malformed. */
static int member_next(const char **pp, const char *end, const char **kraw, size_t *klen,
                       const char **mstart, const char **val, size_t *vlen) {
    pctx c = { *pp, NULL };
    int esc = 0;
    const char *p = ws(*pp, end);
    if (p < end && *p == ',') p = ws(p + 1, end);
    if (p >= end) return 0;
    if (*p != '"') return -1;
    const char *kq = p;
    p = str_skip(&c, p + 1, end, &esc);
    if (!p) return -1;
    *mstart = kq;
    *kraw = kq + 1;
    *klen = (size_t)(p - kq - 2);
    p = ws(p, end);
    if (p >= end || *p != ':') return -1;
    p = ws(p + 1, end);
    const char *v = p;
    p = skip_value(&c, p, end, 1);
    if (!p) return -1;
    *val = v;
    *vlen = (size_t)(p - v);
    *pp = p;
    return 1;
}

static void add_sep(buf *out, int *first) {
    if (!*first) buf_addc(out, ',');
    *first = 0;
}

static void write_meta(const doc *d, const doc_field *f, buf *out, int *first) {
    if (!d->nedits) {
        if (d->meta_present) {
            add_sep(out, first);
            buf_add(out, "\"meta\":", 7);
            buf_add(out, d->raw.p + d->meta_raw_off, d->meta_raw_len);
        } else if (f->flags & DOC_FL_RAWNULL) {
            add_sep(out, first);
            buf_add(out, d->raw.p + f->off, f->len);
        }
        return;
    }
    unsigned char usedbuf[64];
    unsigned char *used = d->nedits <= sizeof usedbuf ? usedbuf : xmalloc(d->nedits);
    memset(used, 0, d->nedits);
    buf tmp = {0};
    add_sep(out, first);
    buf_add(out, "\"meta\":{", 8);
    int mfirst = 1;
    if (d->meta_present) {
        json_obj_iter it;
        if (json_obj_iter_init(&it, d->raw.p + d->meta_raw_off, d->meta_raw_len) == 0) {
            const char *kraw, *ms, *v;
            size_t klen, vlen;
            while (member_next(&it.p, it.end, &kraw, &klen, &ms, &v, &vlen) == 1) {
                size_t j = 0;
                for (; j < d->nedits; j++) {
                    const struct doc_meta_edit *ed = d->edits + j;
                    if (doc_key_eq(kraw, klen, d->editstore.p + ed->key_off, ed->key_len, &tmp)) break;
                }
                if (j == d->nedits) {
                    add_sep(out, &mfirst);
                    buf_add(out, ms, (size_t)(v + vlen - ms));
                } else if (!used[j]) {
                    used[j] = 1;
                    add_sep(out, &mfirst);
                    buf_add(out, ms, klen + 2);
                    buf_addc(out, ':');
                    buf_add(out, d->editstore.p + d->edits[j].val_off, d->edits[j].val_len);
                }
            }
        }
    }
    for (size_t j = 0; j < d->nedits; j++) {
        if (used[j]) continue;
        const struct doc_meta_edit *ed = d->edits + j;
        add_sep(out, &mfirst);
        json_write_string(out, d->editstore.p + ed->key_off, ed->key_len);
        buf_addc(out, ':');
        buf_add(out, d->editstore.p + ed->val_off, ed->val_len);
    }
    buf_addc(out, '}');
    buf_free(&tmp);
    if (used != usedbuf) free(used);
}

static const char *const key_lit[] = { "\"id\":", "\"text\":", "\"source\":", "\"url\":" };
static const size_t key_len[] = { 5, 7, 9, 6 };

void jsonl_write(const doc *d, buf *out) {
    int first = 1;
    buf_addc(out, '{');
    for (size_t i = 0; i < d->nfields; i++) {
        const doc_field *f = d->fields + i;
        switch (f->kind) {
        case DOC_F_ID: case DOC_F_TEXT: case DOC_F_SOURCE: case DOC_F_URL: {
            const char *v; size_t n;
            switch (f->kind) {
            case DOC_F_ID: v = d->id; n = d->id_len; break;
            case DOC_F_TEXT: v = d->text; n = d->text_len; break;
            case DOC_F_SOURCE: v = d->source; n = d->source_len; break;
            default: v = d->url; n = d->url_len; break;
            }
            if (v) {
                add_sep(out, &first);
                if (d->canon & (1u << f->kind)) {   /* the raw body is the canonical form */
                    v = d->raw.p + f->val_off;
                    n = f->val_len;
                    buf_reserve(out, key_len[f->kind] + n + 2);
                    char *o = out->p + out->len;
                    memcpy(o, key_lit[f->kind], key_len[f->kind]);
                    o += key_len[f->kind];
                    *o++ = '"';
                    memcpy(o, v, n);
                    o += n;
                    *o++ = '"';
                    out->len = (size_t)(o - out->p);
                    out->p[out->len] = 0;
                } else {
                    buf_add(out, key_lit[f->kind], key_len[f->kind]);
                    json_write_string(out, v, n);
                }
            } else if (f->flags & DOC_FL_RAWNULL) {
                add_sep(out, &first);
                buf_add(out, d->raw.p + f->off, f->len);
            }
            break;
        }
        case DOC_F_META:
            write_meta(d, f, out, &first);
            break;
        default:
            add_sep(out, &first);
            buf_add(out, d->raw.p + f->off, f->len);
            break;
        }
    }
    buf_add(out, "}\n", 2);
}

/* ---- raw JSON helpers ---- */

int json_validate(const char *p, size_t n, jsonl_error *e) {
    const char *end = p + n;
    pctx c = { p, e };
    if (e) { e->col = 0; e->reason[0] = 0; }
    const char *q = skip_value(&c, p, end, 0);
    if (!q) return -1;
    q = ws(q, end);
    if (q < end) { perr(&c, q, "invalid JSON: unexpected data after the value"); return -1; }
    return 0;
}

int json_obj_iter_init(json_obj_iter *it, const char *obj, size_t n) {
    const char *end = obj + n, *p = ws(obj, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) end--;
    if (end - p < 2 || *p != '{' || end[-1] != '}') { it->p = it->end = obj; return -1; }
    it->p = p + 1;
    it->end = end - 1;
    return 0;
}

int json_obj_iter_next(json_obj_iter *it, buf *keybuf, const char **val, size_t *vlen) {
    const char *kraw, *ms;
    size_t klen;
    int r = member_next(&it->p, it->end, &kraw, &klen, &ms, val, vlen);
    if (r != 1) return r;
    if (json_string_decode(kraw - 1, klen + 2, keybuf) < 0) return -1;
    return 1;
}

int json_arr_iter_init(json_arr_iter *it, const char *arr, size_t n) {
    const char *end = arr + n, *p = ws(arr, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) end--;
    if (end - p < 2 || *p != '[' || end[-1] != ']') { it->p = it->end = arr; return -1; }
    it->p = p + 1;
    it->end = end - 1;
    return 0;
}

int json_arr_iter_next(json_arr_iter *it, const char **val, size_t *vlen) {
    pctx c = { it->p, NULL };
    const char *p = ws(it->p, it->end);
    if (p < it->end && *p == ',') p = ws(p + 1, it->end);
    if (p >= it->end) return 0;
    const char *q = skip_value(&c, p, it->end, 1);
    if (!q) return -1;
    *val = p;
    *vlen = (size_t)(q - p);
    it->p = q;
    return 1;
}

int json_string_decode(const char *raw, size_t n, buf *out) {
    out->len = 0;
    buf_reserve(out, n);
    out->p[0] = 0;
    if (n < 2 || raw[0] != '"' || raw[n - 1] != '"') return -1;
    pctx c = { raw, NULL };
    char *wend = out->p;
    int esc = 0, nonc = 0;
    const char *q = str_decode(&c, raw + 1, raw + n, out->p, &wend, &esc, &nonc);
    if (!q || q != raw + n) { out->p[0] = 0; return -1; }
    if (!esc) { memcpy(out->p, raw + 1, n - 2); wend = out->p + n - 2; }
    out->len = (size_t)(wend - out->p);
    out->p[out->len] = 0;
    return 0;
}

int json_number_decode(const char *raw, size_t n, double *v) {
    pctx c = { raw, NULL };
    if (!n) return -1;
    const char *q = num_scan(&c, raw, raw + n);
    if (!q || q != raw + n) return -1;
    char tmp[64];
    char *s = n < sizeof tmp ? tmp : xmalloc(n + 1);
    memcpy(s, raw, n);
    s[n] = 0;
    *v = strtod(s, NULL);
    if (s != tmp) free(s);
    return 0;
}
