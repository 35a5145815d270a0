/*
 * cmd_bpe — `winnow bpe train|encode|decode|convert|info`: options -> tokenizer/ calls.
 *   train    JSONL documents (`text`) and/or --text files -> tokenizer.json (or .tiktoken)
 *   encode   JSONL documents -> {"id", "ids"} lines, or raw u16/u32 tokens; --raw reads plain
 *            text files (streamed in ~1 MiB parts cut where every pattern ends a piece, so the
 *            ids are those of the whole file; in jsonl output each part is one line)
 *   decode   {"ids"} lines -> {"id", "text"} lines; --format u16|u32 reads raw tokens -> bytes
 *   convert  between tokenizer.json, tiktoken rank files, vocab.json+merges.txt
 *   info     vocabulary size, pattern, specials, sha256
 * Parallel work (-j) is split into batches whose results are written in input order, so the
 * output is the same at any thread count.
 */
#include "cmds.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/opt.h"
#include "../pipeline/stream.h"
#include "../tokenizer/bpe.h"
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bpe_cfg {
    char *tokenizer, *output, *pattern, *format, *to, *merges;
    strlist specials, texts;
    long long vocab_size, min_frequency, threads;
    int allow_special, raw;
} bpe_cfg;

#define C(f) offsetof(bpe_cfg, f)
static const opt_def bpe_opts[] = {
    { "tokenizer", 't', OPT_STRING, C(tokenizer), NULL, "encode/decode: tokenizer file (tokenizer.json, .tiktoken, vocab.json)", 0, 0, NULL, "FILE" },
    { "output", 'o', OPT_STRING, C(output), NULL, "output file (default stdout; train/convert: required)", 0, 0, NULL, "FILE" },
    { "vocab-size", 0, OPT_INT, C(vocab_size), "8192", "train: vocabulary size, bytes and specials included", 256, 4294967295.0, NULL, "N" },
    { "pattern", 'p', OPT_ENUM, C(pattern), NULL, "pre-tokenizer (train default gpt2; for rank files)", 0, 0, "gpt2|cl100k|o200k|none|whitespace|r50k|cl100k_base|o200k_base", NULL },
    { "special", 's', OPT_STRS, C(specials), NULL, "special token (train: TOKEN; rank files: TOKEN=ID); repeatable", 0, 0, NULL, "TOKEN" },
    { "min-frequency", 0, OPT_INT, C(min_frequency), "2", "train: stop when the best pair occurs fewer times", 1, 1e18, NULL, "N" },
    { "text", 0, OPT_STRS, C(texts), NULL, "train: plain text file (repeatable)", 0, 0, NULL, "FILE" },
    { "threads", 'j', OPT_INT, C(threads), "1", "threads", 1, 256, NULL, "N" },
    { "format", 'f', OPT_ENUM, C(format), "jsonl", "encode output / decode input: jsonl or raw little-endian tokens", 0, 0, "jsonl|u16|u32", NULL },
    { "allow-special", 0, OPT_BOOL, C(allow_special), NULL, "encode: special-token text in documents becomes the special id", 0, 0, NULL, NULL },
    { "raw", 0, OPT_BOOL, C(raw), NULL, "encode: inputs are plain text files, one document each", 0, 0, NULL, NULL },
    { "to", 0, OPT_ENUM, C(to), NULL, "convert: output format (default from the name: .tiktoken, vocab.json, else json)", 0, 0, "json|tiktoken|vocab", NULL },
    OPT_DEF_END,
};
#undef C

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b,
        "usage: winnow bpe train [FILE.jsonl...] [--text FILE]... --vocab-size N [--pattern P] [--special TOK]... -o tokenizer.json\n"
        "       winnow bpe encode --tokenizer T [--allow-special] [--format jsonl|u16|u32] [--raw] [-j N] [FILE...]\n"
        "       winnow bpe decode --tokenizer T [--format jsonl|u16|u32] [FILE...]\n"
        "       winnow bpe convert IN -o OUT [--pattern P] [--special TOK=ID]... [--to json|tiktoken|vocab]\n"
        "       winnow bpe info T [--pattern P] [--special TOK=ID]...\n\n"
        "Byte-level BPE, token-exact with tiktoken for gpt2, cl100k_base and o200k_base.\n\noptions:\n");
    opt_help(bpe_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

static bpe *load_tok(const char *cmd, const char *path, const bpe_cfg *c) {
    char err[ERR_MAX];
    bpe_load_opts o = { c->pattern, (const char *const *)c->specials.v, c->specials.n };
    bpe *t = bpe_load(path, &o, err);
    if (!t) cmd_error(cmd, "%s", err);
    return t;
}

static int out_open(const char *cmd, const char *path, outstream **os) {
    char err[ERR_MAX];
    *os = outstream_open(path, COMPRESS_AUTO, 0, err);
    if (!*os) { cmd_error(cmd, "%s", err); return 1; }
    return 0;
}

/* 0 ok, 1 error, 3 EPIPE (quiet end) */
static int out_put(const char *cmd, outstream *os, buf *b) {
    int r = outstream_write(os, b->p, b->len);
    buf_reset(b);
    if (r == STREAM_EPIPE) return 3;
    if (r != STREAM_OK) { cmd_error(cmd, "%s", outstream_error(os)); return 1; }
    return 0;
}

static int out_close(const char *cmd, outstream *os, int rc) {
    if (rc == 1) { outstream_abort(os); return 1; }
    int r = outstream_close(os);
    if (r == STREAM_EPIPE || rc == 3) return 0;
    if (r != STREAM_OK) { cmd_error(cmd, "%s", outstream_error(os)); return 1; }
    return 0;
}

/* A safe cut in plain text: after a '\n' followed by an ASCII letter or digit, every pattern
 * ends a piece, so encoding the parts separately equals encoding the whole. */
static size_t safe_cut(const char *p, size_t n, size_t want) {
    if (want >= n) return n;
    for (size_t i = want; i + 1 < n; i++) {
        unsigned char c = (unsigned char)p[i + 1];
        if (p[i] == '\n' && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return i + 1;
    }
    return n;
}

/* ---------- batches of documents ---------- */

typedef struct batch {
    buf text, ids;                 /* concatenated texts and ids */
    size_t *toff, *tlen, *ioff, *ilen, n, cap;
} batch;

static void batch_add(batch *b, const char *id, size_t idn, const char *t, size_t tn) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->toff = xrealloc(b->toff, b->cap * sizeof *b->toff); b->tlen = xrealloc(b->tlen, b->cap * sizeof *b->tlen);
        b->ioff = xrealloc(b->ioff, b->cap * sizeof *b->ioff); b->ilen = xrealloc(b->ilen, b->cap * sizeof *b->ilen);
    }
    b->toff[b->n] = b->text.len; b->tlen[b->n] = tn; buf_add(&b->text, t, tn);
    b->ioff[b->n] = b->ids.len; b->ilen[b->n] = idn; buf_add(&b->ids, id, idn);
    b->n++;
}
static void batch_reset(batch *b) { buf_reset(&b->text); buf_reset(&b->ids); b->n = 0; }
static void batch_free(batch *b) {
    buf_free(&b->text); buf_free(&b->ids);
    free(b->toff); free(b->tlen); free(b->ioff); free(b->ilen);
}

#define BATCH_BYTES (8u << 20)

/* Read documents from inputs into batches; calls fn(batch) when full and at the end.
 * raw: each file is one document (split at safe cuts into BATCH pieces for parallelism). */
typedef int (*batch_fn)(void *ctx, batch *b);

static int read_docs(const char *cmd, char **inputs, int ninputs, int raw, batch *b, batch_fn fn, void *ctx) {
    char err[ERR_MAX];
    const char *stdin_only[] = { "-" };
    if (!ninputs) { inputs = (char **)stdin_only; ninputs = 1; }
    doc d;
    doc_init(&d);
    int rc = 0;
    for (int f = 0; f < ninputs && !rc; f++) {
        instream *in = instream_open(inputs[f], err);
        if (!in) { cmd_error(cmd, "%s", err); rc = 1; break; }
        if (raw) {
            /* streamed: memory O(batch), cut only at safe points (safe_cut) */
            buf all = { 0 };
            char tmp[1 << 16];
            long r = 1;
            const char *name = instream_name(in);
            while (!rc && r > 0) {
                r = instream_read(in, tmp, sizeof tmp);
                if (r < 0) { cmd_error(cmd, "%s", instream_error(in)); rc = 1; break; }
                if (r > 0) buf_add(&all, tmp, (size_t)r);
                size_t cut = all.len;
                if (r > 0) {
                    if (all.len < (2u << 20)) continue;
                    cut = safe_cut(all.p, all.len, 1u << 20);
                    if (cut == all.len) continue;          /* no safe point yet: read on */
                }
                if (cut) batch_add(b, name, strlen(name), all.p, cut);
                memmove(all.p, all.p + cut, all.len - cut);
                all.len -= cut;
                if (b->text.len >= BATCH_BYTES) { rc = fn(ctx, b); batch_reset(b); }
            }
            buf_free(&all);
        } else {
            const char *line; size_t len; int r;
            while (!rc && (r = instream_getline(in, &line, &len)) == STREAM_OK) {
                if (!len) continue;
                jsonl_error je;
                if (jsonl_parse(&d, line, len, instream_name(in), instream_lineno(in), &je)) {
                    cmd_error(cmd, "%s:%llu:%llu: %s", instream_name(in), (unsigned long long)instream_lineno(in),
                              (unsigned long long)je.col, je.reason);
                    rc = 1; break;
                }
                batch_add(b, d.id, d.id_len, d.text, d.text_len);
                if (b->text.len >= BATCH_BYTES || b->n >= 65536) { rc = fn(ctx, b); batch_reset(b); }
            }
            if (!rc && r == STREAM_ERR) { cmd_error(cmd, "%s", instream_error(in)); rc = 1; }
        }
        instream_close(in);
    }
    if (!rc && b->n) rc = fn(ctx, b);
    batch_reset(b);
    doc_free(&d);
    return rc;
}

/* ---------- train ---------- */

static int train_batch(void *ctx, batch *b) {
    bpe_trainer *tr = ctx;
    const char **t = xmalloc(b->n * sizeof *t);
    for (size_t i = 0; i < b->n; i++) t[i] = b->text.p + b->toff[i];
    bpe_trainer_add_batch(tr, t, b->tlen, b->n);
    free(t);
    return 0;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int write_tok(const char *cmd, const bpe *t, const char *out, const char *to) {
    char err[ERR_MAX];
    const char *fmt = to ? to : ends_with(out, ".tiktoken") ? "tiktoken"
                            : (ends_with(out, "vocab.json") || ends_with(out, "encoder.json")) ? "vocab" : "json";
    buf o = { 0 }, aux = { 0 };
    int rc = 0;
    if (bpe_save(t, fmt, &o, &aux, err) || stream_write_file(out, o.p, o.len, err)) rc = 1;
    if (!rc && !strcmp(fmt, "vocab")) {
        const char *slash = strrchr(out, '/');
        size_t dl = slash ? (size_t)(slash - out + 1) : 0;
        char *mp = xmalloc(dl + 16);
        memcpy(mp, out, dl);
        strcpy(mp + dl, "merges.txt");
        if (stream_write_file(mp, aux.p, aux.len, err)) rc = 1;
        free(mp);
    }
    if (rc) cmd_error(cmd, "%s", err);
    buf_free(&o); buf_free(&aux);
    return rc;
}

static int bpe_train_cmd(bpe_cfg *c, char **inputs, int ninputs) {
    const char *cmd = "bpe train";
    char err[ERR_MAX];
    if (!c->output) { cmd_error(cmd, "-o FILE is required"); return 2; }
    if (!ninputs && !c->texts.n) { cmd_error(cmd, "no input: give JSONL files or --text FILE"); return 2; }
    bpe_train_opts o = { (uint32_t)c->vocab_size, c->pattern ? c->pattern : "gpt2",
                         (const char *const *)c->specials.v, c->specials.n,
                         (uint64_t)c->min_frequency, (int)c->threads };
    bpe_trainer *tr = bpe_trainer_new(&o, err);
    if (!tr) { cmd_error(cmd, "%s", err); return 2; }
    batch b = { 0 };
    int rc = 0;
    if (ninputs) rc = read_docs(cmd, inputs, ninputs, 0, &b, train_batch, tr);
    if (!rc && c->texts.n) rc = read_docs(cmd, c->texts.v, (int)c->texts.n, 1, &b, train_batch, tr);
    batch_free(&b);
    bpe *t = NULL;
    if (!rc) {
        t = bpe_trainer_finish(tr, err);
        if (!t) { cmd_error(cmd, "%s", err); rc = 1; }
        else fprintf(stderr, "winnow bpe train: %llu unique pre-tokens\n", (unsigned long long)bpe_trainer_unique(tr));
    }
    bpe_trainer_free(tr);
    if (!rc) {
        rc = write_tok(cmd, t, c->output, NULL);
        if (!rc) fprintf(stderr, "winnow bpe train: vocab %u (%zu merges) -> %s\n", bpe_vocab_size(t), bpe_num_merges(t), c->output);
    }
    bpe_free(t);
    return rc;
}

/* ---------- encode ---------- */

typedef struct enc_ctx {
    const char *cmd;
    bpe *t;
    bpe_ctx **ctx;
    int nthreads, allow_special, width;   /* width 0 = jsonl */
    buf *outs;                            /* per document output */
    size_t nouts;
    outstream *os;
    int rc;
} enc_ctx;

static void enc_doc(enc_ctx *e, bpe_ctx *bc, const batch *b, size_t i, buf *o, uint32_t **ids, size_t *cap) {
    size_t len = 0;
    bpe_encode(bc, b->text.p + b->toff[i], b->tlen[i], e->allow_special, ids, &len, cap);
    buf_reset(o);
    if (!e->width) {
        buf_adds(o, "{\"id\":");
        json_write_string(o, b->ids.p + b->ioff[i], b->ilen[i]);
        buf_adds(o, ",\"ids\":[");
        for (size_t k = 0; k < len; k++) {
            if (k) buf_addc(o, ',');
            buf_add_u64(o, (*ids)[k]);
        }
        buf_adds(o, "]}\n");
    } else if (e->width == 4) {
        buf_add(o, *ids, len * 4);            /* little-endian hosts */
    } else {
        buf_reserve(o, len * 2);
        for (size_t k = 0; k < len; k++) { uint16_t v = (uint16_t)(*ids)[k]; buf_add(o, &v, 2); }
    }
}

static int enc_batch(void *vctx, batch *b) {
    enc_ctx *e = vctx;
    if (e->nouts < b->n) {
        e->outs = xrealloc(e->outs, b->n * sizeof *e->outs);
        memset(e->outs + e->nouts, 0, (b->n - e->nouts) * sizeof *e->outs);
        e->nouts = b->n;
    }
    #pragma omp parallel num_threads(e->nthreads)
    {
        int tid = omp_get_thread_num();
        uint32_t *ids = NULL; size_t cap = 0;
        #pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < b->n; i++) enc_doc(e, e->ctx[tid], b, i, &e->outs[i], &ids, &cap);
        free(ids);
    }
    for (size_t i = 0; i < b->n; i++) {
        int r = out_put(e->cmd, e->os, &e->outs[i]);
        if (r) return r;
    }
    return 0;
}

static int bpe_encode_cmd(bpe_cfg *c, char **inputs, int ninputs) {
    const char *cmd = "bpe encode";
    if (!c->tokenizer) { cmd_error(cmd, "--tokenizer FILE is required"); return 2; }
    enc_ctx e = { cmd, NULL, NULL, (int)c->threads, c->allow_special, 0, NULL, 0, NULL, 0 };
    e.width = !strcmp(c->format, "u16") ? 2 : !strcmp(c->format, "u32") ? 4 : 0;
    e.t = load_tok(cmd, c->tokenizer, c);
    if (!e.t) return 1;
    if (e.width == 2 && bpe_vocab_size(e.t) > 65536) {
        cmd_error(cmd, "vocabulary of %u tokens does not fit u16; use --format u32", bpe_vocab_size(e.t));
        bpe_free(e.t);
        return 2;
    }
    if (out_open(cmd, c->output, &e.os)) { bpe_free(e.t); return 1; }
    e.ctx = xcalloc((size_t)e.nthreads, sizeof *e.ctx);
    for (int i = 0; i < e.nthreads; i++) e.ctx[i] = bpe_ctx_new(e.t);
    batch b = { 0 };
    int rc = read_docs(cmd, inputs, ninputs, c->raw, &b, enc_batch, &e);
    batch_free(&b);
    rc = out_close(cmd, e.os, rc);
    for (int i = 0; i < e.nthreads; i++) bpe_ctx_free(e.ctx[i]);
    for (size_t i = 0; i < e.nouts; i++) buf_free(&e.outs[i]);
    free(e.outs); free(e.ctx);
    bpe_free(e.t);
    return rc;
}

/* ---------- decode ---------- */

/* Append bytes as a JSON string; invalid UTF-8 becomes U+FFFD (JSON cannot carry it). */
static void json_text(buf *o, const char *p, size_t n, buf *tmp) {
    buf_reset(tmp);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)p[i];
        size_t l = 1;
        int ok = 1;
        if (ch >= 0x80) {
            l = (ch >= 0xC2 && ch <= 0xDF) ? 2 : (ch >= 0xE0 && ch <= 0xEF) ? 3 : (ch >= 0xF0 && ch <= 0xF4) ? 4 : 0;
            if (!l || i + l > n) ok = 0;
            for (size_t k = 1; ok && k < l; k++) if (((unsigned char)p[i + k] & 0xC0) != 0x80) ok = 0;
            if (ok && l == 3 && ((ch == 0xE0 && (unsigned char)p[i + 1] < 0xA0) || (ch == 0xED && (unsigned char)p[i + 1] > 0x9F))) ok = 0;
            if (ok && l == 4 && ((ch == 0xF0 && (unsigned char)p[i + 1] < 0x90) || (ch == 0xF4 && (unsigned char)p[i + 1] > 0x8F))) ok = 0;
        }
        if (ok) buf_add(tmp, p + i, l), i += l;
        else buf_adds(tmp, "\xEF\xBF\xBD"), i += 1;
    }
    json_write_string(o, tmp->p ? tmp->p : "", tmp->len);
}

static int bpe_decode_cmd(bpe_cfg *c, char **inputs, int ninputs) {
    const char *cmd = "bpe decode";
    char err[ERR_MAX];
    if (!c->tokenizer) { cmd_error(cmd, "--tokenizer FILE is required"); return 2; }
    bpe *t = load_tok(cmd, c->tokenizer, c);
    if (!t) return 1;
    outstream *os;
    if (out_open(cmd, c->output, &os)) { bpe_free(t); return 1; }
    int width = !strcmp(c->format, "u16") ? 2 : !strcmp(c->format, "u32") ? 4 : 0, rc = 0;
    const char *stdin_only[] = { "-" };
    if (!ninputs) { inputs = (char **)stdin_only; ninputs = 1; }
    buf o = { 0 }, text = { 0 }, key = { 0 }, idb = { 0 }, tmp = { 0 };
    uint32_t *ids = NULL; size_t nids = 0, cap = 0;
    for (int f = 0; f < ninputs && !rc; f++) {
        instream *in = instream_open(inputs[f], err);
        if (!in) { cmd_error(cmd, "%s", err); rc = 1; break; }
        if (width) {
            unsigned char tmpb[1 << 16];
            long r;
            size_t carry = 0;
            while (!rc && (r = instream_read(in, tmpb + carry, sizeof tmpb - carry)) > 0) {
                size_t have = carry + (size_t)r, k = have / (size_t)width;
                if (cap < k) { cap = k; ids = xrealloc(ids, cap * sizeof *ids); }
                for (size_t i = 0; i < k; i++)
                    ids[i] = width == 2 ? (uint32_t)(tmpb[2 * i] | tmpb[2 * i + 1] << 8)
                                        : (uint32_t)tmpb[4 * i] | (uint32_t)tmpb[4 * i + 1] << 8 | (uint32_t)tmpb[4 * i + 2] << 16 | (uint32_t)tmpb[4 * i + 3] << 24;
                carry = have - k * (size_t)width;
                memmove(tmpb, tmpb + k * (size_t)width, carry);
                if (bpe_decode(t, ids, k, &o, err)) { cmd_error(cmd, "%s: %s", inputs[f], err); rc = 1; break; }
                rc = out_put(cmd, os, &o);
            }
            if (!rc && r < 0) { cmd_error(cmd, "%s", instream_error(in)); rc = 1; }
        } else {
            const char *line; size_t len; int r;
            while (!rc && (r = instream_getline(in, &line, &len)) == STREAM_OK) {
                if (!len) continue;
                json_obj_iter it;
                const char *v; size_t vl; int k;
                nids = 0;
                buf_reset(&idb);
                int have_ids = 0;
                if (json_obj_iter_init(&it, line, len) < 0) k = -1;
                else while ((k = json_obj_iter_next(&it, &key, &v, &vl)) > 0) {
                    if (key.p && !strcmp(key.p, "id")) buf_add(&idb, v, vl);
                    else if (key.p && !strcmp(key.p, "ids")) {
                        json_arr_iter ai; const char *ev; size_t el; int q;
                        have_ids = 1;
                        if (json_arr_iter_init(&ai, v, vl) < 0) { k = -1; break; }
                        while ((q = json_arr_iter_next(&ai, &ev, &el)) > 0) {
                            double d;
                            if (json_number_decode(ev, el, &d) || d < 0 || d > 4294967295.0) { q = -1; break; }
                            if (nids == cap) { cap = cap ? cap * 2 : 1024; ids = xrealloc(ids, cap * sizeof *ids); }
                            ids[nids++] = (uint32_t)d;
                        }
                        if (q < 0) { k = -1; break; }
                    }
                }
                if (k < 0 || !have_ids) {
                    cmd_error(cmd, "%s:%llu: expected a JSON object with an \"ids\" array of token ids",
                              instream_name(in), (unsigned long long)instream_lineno(in));
                    rc = 1; break;
                }
                buf_reset(&text);
                if (bpe_decode(t, ids, nids, &text, err)) {
                    cmd_error(cmd, "%s:%llu: %s", instream_name(in), (unsigned long long)instream_lineno(in), err);
                    rc = 1; break;
                }
                buf_adds(&o, "{");
                if (idb.len) { buf_adds(&o, "\"id\":"); buf_add(&o, idb.p, idb.len); buf_addc(&o, ','); }
                buf_adds(&o, "\"text\":");
                json_text(&o, text.p ? text.p : "", text.len, &tmp);
                buf_adds(&o, "}\n");
                if (o.len > (1 << 20)) rc = out_put(cmd, os, &o);
            }
            if (!rc && r == STREAM_ERR) { cmd_error(cmd, "%s", instream_error(in)); rc = 1; }
            if (!rc && o.len) rc = out_put(cmd, os, &o);
        }
        instream_close(in);
    }
    rc = out_close(cmd, os, rc);
    buf_free(&o); buf_free(&text); buf_free(&key); buf_free(&idb); buf_free(&tmp);
    free(ids);
    bpe_free(t);
    return rc;
}

/* ---------- convert, info ---------- */

static int bpe_convert_cmd(bpe_cfg *c, char **inputs, int ninputs) {
    const char *cmd = "bpe convert";
    if (ninputs != 1) { cmd_error(cmd, "expected one input tokenizer"); return 2; }
    if (!c->output) { cmd_error(cmd, "-o FILE is required"); return 2; }
    bpe *t = load_tok(cmd, inputs[0], c);
    if (!t) return 1;
    int rc = write_tok(cmd, t, c->output, c->to);
    bpe_free(t);
    return rc;
}

static int bpe_info_cmd(bpe_cfg *c, char **inputs, int ninputs) {
    const char *cmd = "bpe info";
    if (ninputs != 1) { cmd_error(cmd, "expected one tokenizer file"); return 2; }
    bpe *t = load_tok(cmd, inputs[0], c);
    if (!t) return 1;
    char hex[65];
    bpe_hash(t, hex);
    uint32_t regular = 0;
    for (uint32_t i = 0; i < bpe_vocab_size(t); i++) {
        size_t n;
        if (bpe_token_bytes(t, i, &n) && !bpe_is_special(t, i)) regular++;
    }
    printf("file        %s\n", inputs[0]);
    printf("vocab_size  %u\n", bpe_vocab_size(t));
    printf("regular     %u\n", regular);
    printf("merges      %zu\n", bpe_num_merges(t));
    printf("pattern     %s\n", bpe_pattern_name(t));
    printf("specials    %zu\n", bpe_num_specials(t));
    for (size_t i = 0; i < bpe_num_specials(t); i++) {
        size_t n;
        uint32_t id = bpe_special_id(t, i);
        const char *p = bpe_token_bytes(t, id, &n);
        printf("  %u\t%.*s\n", id, (int)n, p);
    }
    printf("sha256      %s\n", hex);
    bpe_free(t);
    return 0;
}

int cmd_bpe(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    bpe_cfg c;
    memset(&c, 0, sizeof c);
    opt_defaults(bpe_opts, &c);
    char err[ERR_MAX];
    const opt_def *const tabs[] = { bpe_opts };
    void *const cfgs[] = { &c };
    int np = opt_parse_argv(tabs, cfgs, 1, argc - 1, argv + 1, err);
    int rc;
    if (np == -2) { usage(stdout); rc = 0; }
    else if (np < 0) { cmd_error("bpe", "%s", err); rc = 2; }
    else if (!strcmp(sub, "train")) rc = bpe_train_cmd(&c, argv + 1, np);
    else if (!strcmp(sub, "encode")) rc = bpe_encode_cmd(&c, argv + 1, np);
    else if (!strcmp(sub, "decode")) rc = bpe_decode_cmd(&c, argv + 1, np);
    else if (!strcmp(sub, "convert")) rc = bpe_convert_cmd(&c, argv + 1, np);
    else if (!strcmp(sub, "info")) rc = bpe_info_cmd(&c, argv + 1, np);
    else { cmd_error("bpe", "unknown subcommand '%s' (train|encode|decode|convert|info)", sub); rc = 2; }
    opt_free(bpe_opts, &c);
    return rc;
}
