/* reader — see reader.h. */
#include "reader.h"
#include "jsonl.h"
#include <stdlib.h>
#include <string.h>

struct reader {
    instream *in;
    reader_opts o;
    char *name;             /* base name of the file, for ids of text input */
    /* text input state */
    buf text;
    size_t pos;             /* next paragraph start in text */
    int loaded, done;
    uint64_t para;
};

/* Validate and return length of the UTF-8 sequence at p, or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;             /* overlong */
        if (c == 0xED && p[1] >= 0xA0) return 0;            /* surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;             /* overlong */
        if (c == 0xF4 && p[1] >= 0x90) return 0;            /* > U+10FFFF */
        return 4;
    }
    return 0;
}

int utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t k = utf8_seq(p + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

size_t utf8_sanitize(const char *s, size_t n, buf *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, bad = 0;
    buf_reset(out);
    while (i < n) {
        size_t k = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
        if (k) { buf_add(out, p + i, k); i += k; }
        else { buf_add(out, "\xEF\xBF\xBD", 3); i++; bad++; }
    }
    return bad;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

reader *reader_open(const char *path, const reader_opts *o, char *err) {
    instream *in = instream_open(path, err);
    if (!in) return NULL;
    reader *r = xcalloc(1, sizeof *r);
    r->in = in;
    if (o) r->o = *o;
    r->name = xstrdup(strcmp(path, "-") ? base_name(path) : "stdin");
    return r;
}

const instream *reader_stream(const reader *r) { return r->in; }

void reader_close(reader *r) {
    if (!r) return;
    instream_close(r->in);
    buf_free(&r->text);
    free(r->name);
    free(r);
}

static int text_load(reader *r, char *err) {
    char tmp[1 << 16];
    long n;
    while ((n = instream_read(r->in, tmp, sizeof tmp)) > 0) buf_add(&r->text, tmp, (size_t)n);
    if (n < 0) return err_set(err, "%s", instream_error(r->in));
    if (!utf8_valid(r->text.p ? r->text.p : "", r->text.len)) {
        /* find the offending byte for the message */
        const unsigned char *p = (const unsigned char *)r->text.p;
        size_t i = 0, line = 1;
        while (i < r->text.len) {
            size_t k = p[i] < 0x80 ? 1 : utf8_seq(p + i, r->text.len - i);
            if (!k) break;
            if (p[i] == '\n') line++;
            i += k;
        }
        return err_set(err, "%s:%zu: invalid UTF-8: byte 0x%02X", instream_name(r->in), line, p[i]);
    }
    r->loaded = 1;
    return 0;
}

static void text_doc(reader *r, doc *d, const char *p, size_t n, const char *id) {
    doc_clear(d);
    doc_set_id(d, id, strlen(id));
    doc_set_text(d, p, n);
    if (r->o.source) doc_set_source(d, r->o.source, strlen(r->o.source));
    d->file = instream_name(r->in);
    d->line = 1;
}

static int text_next(reader *r, doc *d, char *err) {
    if (!r->loaded && text_load(r, err)) return READER_ERR;
    if (r->done) return READER_EOF;
    const char *t = r->text.p ? r->text.p : "";
    if (!r->o.split_paragraphs) {
        r->done = 1;
        text_doc(r, d, t, r->text.len, r->name);
        return READER_DOC;
    }
    /* paragraphs: blocks of lines separated by lines that are empty or whitespace only */
    size_t n = r->text.len, i = r->pos, start = (size_t)-1, end = 0;
    while (i < n) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - t) : n, next = nl ? le + 1 : n, j = i;
        while (j < le && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r')) j++;
        if (j == le) {
            if (start != (size_t)-1) { i = next; break; }
        } else {
            if (start == (size_t)-1) start = i;
            end = le;
        }
        i = next;
    }
    r->pos = i;
    if (start == (size_t)-1) { r->done = 1; return READER_EOF; }
    {
        while (end > start && (t[end - 1] == '\r' || t[end - 1] == ' ' || t[end - 1] == '\t')) end--;
        char id[4096];
        snprintf(id, sizeof id, "%s#%llu", r->name, (unsigned long long)++r->para);
        text_doc(r, d, t + start, end - start, id);
        return READER_DOC;
    }
}

int reader_next(reader *r, doc *d, char *err) {
    if (r->o.from_text) return text_next(r, d, err);
    const char *line;
    size_t len;
    for (;;) {
        int s = instream_getline(r->in, &line, &len);
        if (s == STREAM_EOF) return READER_EOF;
        if (s != STREAM_OK) { err_set(err, "%s", instream_error(r->in)); return READER_ERR; }
        /* blank lines (whitespace only) between documents are allowed and skipped */
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
        if (k == len) continue;
        jsonl_error e;
        uint64_t lineno = instream_lineno(r->in);
        if (!jsonl_parse(d, line, len, instream_name(r->in), lineno, &e)) return READER_DOC;
        if (e.col) err_set(err, "%s:%llu:%llu: %s", instream_name(r->in), (unsigned long long)lineno,
                           (unsigned long long)e.col, e.reason);
        else err_set(err, "%s:%llu: %s", instream_name(r->in), (unsigned long long)lineno, e.reason);
        if (!r->o.skip_bad) return READER_ERR;
        buf clean = {0};
        utf8_sanitize(line, len, &clean);
        char id[4096];
        snprintf(id, sizeof id, "%s:%llu", instream_name(r->in), (unsigned long long)lineno);
        doc_clear(d);
        doc_set_id(d, id, strlen(id));
        doc_set_text(d, clean.p ? clean.p : "", clean.len);
        d->file = instream_name(r->in);
        d->line = lineno;
        buf_free(&clean);
        return READER_BAD;
    }
}

int doc_write(outstream *o, const doc *d, buf *scratch) {
    buf_reset(scratch);
    jsonl_write(d, scratch);
    return outstream_write(o, scratch->p, scratch->len);
}
