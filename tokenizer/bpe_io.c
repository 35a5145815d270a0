/*
 * bpe_io — tokenizer file formats, detected from content:
 *  - HF tokenizer.json (model.type "BPE", vocab + merges in GPT-2's byte-to-unicode alphabet,
 *    added_tokens); the pattern comes from the pre_tokenizer (ByteLevel use_regex -> gpt2,
 *    Split{Regex} -> the pattern whose regex it is, none -> none).
 *  - tiktoken rank files (`base64 rank` per line): pattern and specials from bpe_load_opts, or
 *    guessed from the vocabulary size (50256 gpt2 + <|endoftext|>=50256, 100256 cl100k,
 *    199998 o200k, with their specials).
 *  - tiktoken's npm encoder JSON ({"pat_str", "special_tokens", "bpe_ranks"}).
 *  - GPT-2 vocab.json / encoder.json with merges.txt / vocab.bpe beside it (or "VOCAB,MERGES").
 * Rank formats get tiktoken semantics (bpe_pairs_from_ranks); merge formats HF semantics.
 * Costs: linear in the file; a 200k-token vocabulary loads in ~0.1-0.3 s.
 */
#include "bpe_impl.h"
#include "bpe_json.h"
#include "../pipeline/sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static int read_file(const char *path, buf *b, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, "%s: %s", path, strerror(errno));
    char tmp[65536];
    size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(b, tmp, r);
    int bad = ferror(f);
    fclose(f);
    if (bad) return err_set(err, "%s: read error", path);
    if (!b->p) buf_reserve(b, 0);
    return 0;
}

/* ---------- base64 ---------- */

static int b64val(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

static int b64dec(const char *p, size_t n, buf *out) {
    unsigned acc = 0; int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '=') break;
        int v = b64val((unsigned char)p[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v; bits += 6;
        if (bits >= 8) { bits -= 8; buf_addc(out, (char)((acc >> bits) & 0xFF)); }
    }
    return 0;
}

static void b64enc(const uint8_t *p, size_t n, buf *out) {
    static const char *A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        char o[4] = {A[v >> 18], A[(v >> 12) & 63], A[(v >> 6) & 63], A[v & 63]};
        buf_add(out, o, 4);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        char o[4] = {A[v >> 18], A[(v >> 12) & 63], '=', '='};
        buf_add(out, o, 4);
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        char o[4] = {A[v >> 18], A[(v >> 12) & 63], A[(v >> 6) & 63], '='};
        buf_add(out, o, 4);
    }
}

/* ---------- byte-level strings ---------- */

/* Decode a token written in GPT-2's byte-to-unicode alphabet; -1 if a character is outside. */
static int bl_decode(const char *p, size_t n, buf *out) {
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = pretok_utf8((const uint8_t *)p, n, i, &cp);
        int b = cp == 0xFFFFFFFFu ? -1 : bpe_cp_to_byte(cp);
        if (b < 0) return -1;
        buf_addc(out, (char)b);
        i += l;
    }
    return 0;
}

static void put_cp(buf *b, uint32_t cp) {
    char o[4];
    if (cp < 0x80) { o[0] = (char)cp; buf_add(b, o, 1); }
    else { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); buf_add(b, o, 2); }
}

static void bl_encode(const uint8_t *p, size_t n, buf *out) {
    for (size_t i = 0; i < n; i++) put_cp(out, bpe_byte_to_cp(p[i]));
}

static void json_str(buf *out, const char *p, size_t n) {
    buf_addc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"') buf_adds(out, "\\\"");
        else if (c == '\\') buf_adds(out, "\\\\");
        else if (c == '\n') buf_adds(out, "\\n");
        else if (c == '\r') buf_adds(out, "\\r");
        else if (c == '\t') buf_adds(out, "\\t");
        else if (c < 0x20) buf_printf(out, "\\u%04x", c);
        else buf_addc(out, (char)c);
    }
    buf_addc(out, '"');
}

/* ---------- specials from options ---------- */

static int add_opt_specials(bpe *t, const bpe_load_opts *o, char *err) {
    if (!o) return 0;
    for (size_t i = 0; i < o->nspecials; i++) {
        const char *s = o->specials[i], *eq = strrchr(s, '=');
        if (!eq || !eq[1]) return err_set(err, "special token '%s': expected TOKEN=ID", s);
        char *end;
        unsigned long id = strtoul(eq + 1, &end, 10);
        if (*end || id >= BPE_MAX_ID) return err_set(err, "special token '%s': bad id (at most %u)", s, BPE_MAX_ID - 1);
        if (id < t->ntok && t->len[id] != BPE_NONE && !t->special[id])
            return err_set(err, "special token '%s': id %lu is a regular token", s, id);
        bpe_set_token(t, (uint32_t)id, s, (size_t)(eq - s), 1);
    }
    return 0;
}

static int set_pattern(bpe *t, const bpe_load_opts *o, char *err) {
    if (o && o->pattern && pretok_parse(o->pattern, &t->pat))
        return err_set(err, "unknown pattern '%s' (gpt2|cl100k|o200k|none|whitespace)", o->pattern);
    return 0;
}

/* ---------- tiktoken rank file ---------- */

static bpe *load_tiktoken(const char *d, size_t n, const char *path, const bpe_load_opts *o, char *err) {
    bpe *t = bpe_new(0);
    buf tok = {0};
    size_t lineno = 0, nranks = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(d + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - d) : n;
        lineno++;
        const char *line = d + i;
        size_t ll = e - i;
        i = e + 1;
        if (ll && line[ll - 1] == '\r') ll--;
        if (!ll) continue;
        const char *sp = memchr(line, ' ', ll);
        char num[24];
        size_t nl2 = sp ? ll - (size_t)(sp - line) - 1 : 0;
        buf_reset(&tok);
        if (!sp || !nl2 || nl2 >= sizeof num || b64dec(line, (size_t)(sp - line), &tok)) {
            err_set(err, "%s:%zu: expected 'base64 rank'", path, lineno);
            goto fail;
        }
        memcpy(num, sp + 1, nl2); num[nl2] = 0;
        char *end;
        unsigned long r = strtoul(num, &end, 10);
        if (*end) { err_set(err, "%s:%zu: bad rank", path, lineno); goto fail; }
        if (r >= BPE_MAX_ID) { err_set(err, "%s:%zu: rank %lu too large (at most %u)", path, lineno, r, BPE_MAX_ID - 1); goto fail; }
        bpe_set_token(t, (uint32_t)r, tok.p ? tok.p : "", tok.len, 0);
        nranks++;
    }
    buf_free(&tok);
    if (o && o->pattern) { if (set_pattern(t, o, err)) goto fail0; }
    else if (nranks == 50256) t->pat = PRETOK_GPT2;
    else if (nranks == 100256) t->pat = PRETOK_CL100K;
    else if (nranks == 199998) t->pat = PRETOK_O200K;
    else { err_set(err, "%s: rank file needs --pattern (%zu ranks)", path, nranks); goto fail0; }
    if (o && o->nspecials) { if (add_opt_specials(t, o, err)) goto fail0; }
    else if (!o || !o->pattern) {
        static const char *g[] = {"<|endoftext|>=50256"};
        static const char *c[] = {"<|endoftext|>=100257", "<|fim_prefix|>=100258", "<|fim_middle|>=100259",
                                  "<|fim_suffix|>=100260", "<|endofprompt|>=100276"};
        static const char *x[] = {"<|endoftext|>=199999", "<|endofprompt|>=200018"};
        bpe_load_opts d2 = {0};
        if (nranks == 50256) { d2.specials = g; d2.nspecials = 1; }
        else if (nranks == 100256) { d2.specials = c; d2.nspecials = 5; }
        else { d2.specials = x; d2.nspecials = 2; }
        if (add_opt_specials(t, &d2, err)) goto fail0;
    }
    if (bpe_index(t, err)) goto fail0;
    bpe_pairs_from_ranks(t);
    return t;
fail:
    buf_free(&tok);
fail0:
    bpe_free(t);
    return NULL;
}

/* ---------- tiktoken npm JSON ---------- */

static bpe *load_npm(bj_doc *j, const char *path, const bpe_load_opts *o, char *err) {
    size_t n;
    const char *ranks = bj_str(j, bj_get(j, 0, "bpe_ranks"), &n);
    const char *pat = bj_str(j, bj_get(j, 0, "pat_str"), &n);
    bpe *t = bpe_new(0);
    if (pat && pretok_from_regex(pat, n, &t->pat)) { err_set(err, "%s: unknown pat_str", path); goto fail; }
    if (set_pattern(t, o, err)) goto fail;
    ranks = bj_str(j, bj_get(j, 0, "bpe_ranks"), &n);
    buf tok = {0};
    /* lines: "<name> <offset> tok tok ..." with consecutive ranks */
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(ranks + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - ranks) : n;
        const char *p = ranks + i, *end = ranks + e;
        i = e + 1;
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp) continue;
        p = sp + 1;
        unsigned long r = strtoul(p, (char **)&p, 10);
        while (p < end) {
            while (p < end && *p == ' ') p++;
            const char *q = p;
            while (q < end && *q != ' ') q++;
            if (q == p) break;
            buf_reset(&tok);
            if (b64dec(p, (size_t)(q - p), &tok)) { buf_free(&tok); err_set(err, "%s: bad base64", path); goto fail; }
            if (r >= BPE_MAX_ID) { buf_free(&tok); err_set(err, "%s: rank %lu too large", path, r); goto fail; }
            bpe_set_token(t, (uint32_t)r++, tok.p ? tok.p : "", tok.len, 0);
            p = q;
        }
    }
    buf_free(&tok);
    int sp = bj_get(j, 0, "special_tokens");
    if (o && o->nspecials) { if (add_opt_specials(t, o, err)) goto fail; }
    else if (sp >= 0)
        for (int c = j->n[sp].first; c >= 0; c = j->n[c].next) {
            size_t kl;
            const char *k = bj_key(j, c, &kl);
            if (j->n[c].type != BJ_NUM || j->n[c].num < 0 || j->n[c].num >= BPE_MAX_ID) {
                err_set(err, "%s: special token '%.*s': bad id", path, (int)(kl > 60 ? 60 : kl), k);
                goto fail;
            }
            bpe_set_token(t, (uint32_t)j->n[c].num, k, kl, 1);
        }
    if (bpe_index(t, err)) goto fail;
    bpe_pairs_from_ranks(t);
    return t;
fail:
    bpe_free(t);
    return NULL;
}

/* ---------- merges (HF tokenizer.json, vocab.json + merges.txt) ---------- */

typedef struct merge_src { const char *a, *b; size_t an, bn; } merge_src;

/* vocab: object token -> id (byte-level strings). */
static int fill_vocab(bpe *t, bj_doc *j, int vocab, const bpe_load_opts *o, char *err) {
    buf tok = {0};
    for (int c = j->n[vocab].first; c >= 0; c = j->n[c].next) {
        size_t kl;
        const char *k = bj_key(j, c, &kl);
        if (j->n[c].type != BJ_NUM || j->n[c].num < 0 || j->n[c].num >= BPE_MAX_ID) {
            buf_free(&tok);
            return err_set(err, "vocab: bad id for token '%.*s' (0..%u)", (int)(kl > 60 ? 60 : kl), k, BPE_MAX_ID - 1);
        }
        uint32_t id = (uint32_t)j->n[c].num;
        buf_reset(&tok);
        int special = 0;
        if (bl_decode(k, kl, &tok)) { special = 1; buf_reset(&tok); buf_add(&tok, k, kl); }
        else if (kl == 13 && !memcmp(k, "<|endoftext|>", 13)) special = 1;
        for (size_t s = 0; o && s < o->nspecials; s++) {
            const char *sp = o->specials[s], *eq = strrchr(sp, '=');
            size_t sl = eq ? (size_t)(eq - sp) : strlen(sp);
            if (sl == kl && !memcmp(sp, k, kl)) { special = 1; buf_reset(&tok); buf_add(&tok, k, kl); }
        }
        bpe_set_token(t, id, tok.p ? tok.p : "", tok.len, special);
    }
    buf_free(&tok);
    return 0;
}

static int apply_merges(bpe *t, merge_src *ms, size_t nm, char *err) {
    uint32_t (*m)[2] = xmalloc((nm + 1) * sizeof *m);
    size_t k = 0;
    buf tok = {0};
    for (size_t i = 0; i < nm; i++) {
        int64_t a, b;
        buf_reset(&tok);
        if (bl_decode(ms[i].a, ms[i].an, &tok)) goto bad;
        a = bpe_bytes_id(t, tok.p, tok.len);
        buf_reset(&tok);
        if (bl_decode(ms[i].b, ms[i].bn, &tok)) goto bad;
        b = bpe_bytes_id(t, tok.p, tok.len);
        if (a < 0 || b < 0) goto bad;
        m[k][0] = (uint32_t)a; m[k][1] = (uint32_t)b; k++;
        continue;
    bad:
        buf_free(&tok); free(m);
        return err_set(err, "merge %zu ('%.*s %.*s'): token not in the vocabulary", i + 1,
                       (int)ms[i].an, ms[i].a, (int)ms[i].bn, ms[i].b);
    }
    buf_free(&tok);
    bpe_set_merges(t, m, k);
    return 0;
}

static int split_merge_line(const char *p, size_t n, merge_src *m) {
    const char *sp = memchr(p, ' ', n);
    if (!sp || sp == p || sp + 1 == p + n) return -1;
    m->a = p; m->an = (size_t)(sp - p); m->b = sp + 1; m->bn = n - m->an - 1;
    return 0;
}

static void detect_pattern(bpe *t, bj_doc *j, int pre) {
    t->pat = PRETOK_NONE;
    if (pre < 0 || j->n[pre].type != BJ_OBJ) return;
    if (bj_is_str(j, bj_get(j, pre, "type"), "ByteLevel")) {
        int ur = bj_get(j, pre, "use_regex");
        if (ur < 0 || j->n[ur].type == BJ_TRUE) t->pat = PRETOK_GPT2;
        return;
    }
    int seq = bj_get(j, pre, "pretokenizers");
    if (seq < 0) return;
    for (int c = j->n[seq].first; c >= 0; c = j->n[c].next) {
        if (bj_is_str(j, bj_get(j, c, "type"), "Split")) {
            size_t n;
            const char *re = bj_str(j, bj_get(j, bj_get(j, c, "pattern"), "Regex"), &n);
            if (re) pretok_from_regex(re, n, &t->pat);
        } else if (bj_is_str(j, bj_get(j, c, "type"), "ByteLevel")) {
            int ur = bj_get(j, c, "use_regex");
            if (ur < 0 || j->n[ur].type == BJ_TRUE) t->pat = PRETOK_GPT2;
        }
    }
}

static bpe *load_hf(bj_doc *j, const char *path, const bpe_load_opts *o, char *err) {
    int model = bj_get(j, 0, "model");
    if (!bj_is_str(j, bj_get(j, model, "type"), "BPE")) { err_set(err, "%s: model is not BPE", path); return NULL; }
    int vocab = bj_get(j, model, "vocab"), merges = bj_get(j, model, "merges");
    if (vocab < 0 || merges < 0) { err_set(err, "%s: model lacks vocab or merges", path); return NULL; }
    bpe *t = bpe_new(0);
    detect_pattern(t, j, bj_get(j, 0, "pre_tokenizer"));
    if (set_pattern(t, o, err) || fill_vocab(t, j, vocab, o, err)) goto fail;
    int added = bj_get(j, 0, "added_tokens");
    if (added >= 0)
        for (int c = j->n[added].first; c >= 0; c = j->n[c].next) {
            size_t cl;
            const char *content = bj_str(j, bj_get(j, c, "content"), &cl);
            int idn = bj_get(j, c, "id");
            if (!content || idn < 0) continue;
            if (j->n[idn].type != BJ_NUM || j->n[idn].num < 0 || j->n[idn].num >= BPE_MAX_ID) {
                err_set(err, "%s: added token '%.*s': bad id", path, (int)(cl > 60 ? 60 : cl), content);
                goto fail;
            }
            bpe_set_token(t, (uint32_t)j->n[idn].num, content, cl, 1);
        }
    if (add_opt_specials(t, o, err) || bpe_index(t, err)) goto fail;
    size_t nm = j->n[merges].count, k = 0;
    merge_src *ms = xmalloc((nm + 1) * sizeof *ms);
    for (int c = j->n[merges].first; c >= 0; c = j->n[c].next) {
        size_t n;
        const char *s = bj_str(j, c, &n);
        if (s) { if (split_merge_line(s, n, &ms[k])) { free(ms); err_set(err, "%s: bad merge '%.*s'", path, (int)n, s); goto fail; } }
        else if (j->n[c].type == BJ_ARR && j->n[c].count == 2) {
            int a = j->n[c].first, b = j->n[a].next;
            ms[k].a = bj_str(j, a, &ms[k].an); ms[k].b = bj_str(j, b, &ms[k].bn);
            if (!ms[k].a || !ms[k].b) { free(ms); err_set(err, "%s: bad merge", path); goto fail; }
        } else { free(ms); err_set(err, "%s: bad merge", path); goto fail; }
        k++;
    }
    int r = apply_merges(t, ms, k, err);
    free(ms);
    if (r) goto fail;
    int ig = bj_get(j, model, "ignore_merges");
    if (ig >= 0 && j->n[ig].type == BJ_TRUE) t->whole_lookup = 1;
    return t;
fail:
    bpe_free(t);
    return NULL;
}

static bpe *load_vocab_merges(bj_doc *j, const char *vpath, const char *mpath, const bpe_load_opts *o, char *err) {
    buf m = {0};
    if (read_file(mpath, &m, err)) return NULL;
    bpe *t = bpe_new(0);
    if (set_pattern(t, o, err) || fill_vocab(t, j, 0, o, err) || add_opt_specials(t, o, err) || bpe_index(t, err))
        goto fail;
    merge_src *ms = NULL; size_t nm = 0, cap = 0, lineno = 0;
    for (size_t i = 0; i < m.len;) {
        const char *nl = memchr(m.p + i, '\n', m.len - i);
        size_t e = nl ? (size_t)(nl - m.p) : m.len, ll = e - i;
        const char *line = m.p + i;
        i = e + 1; lineno++;
        if (ll && line[ll - 1] == '\r') ll--;
        if (!ll || (lineno == 1 && line[0] == '#')) continue;
        if (nm == cap) { cap = cap ? cap * 2 : 1024; ms = xrealloc(ms, cap * sizeof *ms); }
        if (split_merge_line(line, ll, &ms[nm])) { free(ms); err_set(err, "%s:%zu: expected 'A B'", mpath, lineno); goto fail; }
        nm++;
    }
    int r = apply_merges(t, ms, nm, err);
    free(ms);
    if (r) goto fail;
    buf_free(&m);
    return t;
fail:
    buf_free(&m);
    bpe_free(t);
    return NULL;
}

static int exists(const char *p) { FILE *f = fopen(p, "rb"); if (f) fclose(f); return f != NULL; }

/* merges file beside a vocab.json / encoder.json */
static char *find_merges(const char *vpath) {
    static const char *names[] = {"merges.txt", "vocab.bpe"};
    const char *slash = strrchr(vpath, '/');
    size_t dl = slash ? (size_t)(slash - vpath + 1) : 0;
    for (int i = 0; i < 2; i++) {
        char *p = xmalloc(dl + 16);
        memcpy(p, vpath, dl);
        strcpy(p + dl, names[i]);
        if (exists(p)) return p;
        free(p);
    }
    return NULL;
}

static bpe *load_any(const char *d, size_t n, const char *path, const bpe_load_opts *o, char *err) {
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    if (i < n && d[i] == '{') {
        bj_doc j;
        char e2[ERR_MAX];
        if (bj_parse(&j, d, n, e2)) { err_set(err, "%s: %s", path, e2); bj_free(&j); return NULL; }
        bpe *t = NULL;
        int model = bj_get(&j, 0, "model"), ranks = bj_get(&j, 0, "bpe_ranks");
        if (model >= 0 && j.n[model].type == BJ_OBJ) t = load_hf(&j, path, o, err);
        else if (ranks >= 0 && j.n[ranks].type == BJ_STR) t = load_npm(&j, path, o, err);
        else {
            const char *comma = strchr(path, ',');
            char *mp = comma ? xstrdup(comma + 1) : find_merges(path);
            if (!mp) err_set(err, "%s: vocab.json needs merges.txt (or vocab.bpe) beside it", path);
            else t = load_vocab_merges(&j, path, mp, o, err);
            free(mp);
        }
        bj_free(&j);
        return t;
    }
    return load_tiktoken(d, n, path, o, err);
}

bpe *bpe_load_mem(const char *d, size_t n, const char *path, const bpe_load_opts *o, char *err) {
    bpe *t = load_any(d, n, path, o, err);
    if (!t && err && strncmp(err, path, strlen(path))) {     /* every message names the file */
        char e2[ERR_MAX];
        snprintf(e2, sizeof e2, "%s", err);
        err_set(err, "%s: %s", path, e2);
    }
    return t;
}

bpe *bpe_load(const char *path, const bpe_load_opts *o, char *err) {
    buf b = {0};
    const char *comma = strchr(path, ',');
    char *vp = comma ? xstrndup(path, (size_t)(comma - path)) : xstrdup(path);
    if (read_file(vp, &b, err)) { free(vp); buf_free(&b); return NULL; }
    free(vp);
    bpe *t = bpe_load_mem(b.p, b.len, path, o, err);
    if (t) sha256_hex(b.p, b.len, t->hash);
    buf_free(&b);
    return t;
}

/* ---------- writers ---------- */

static void write_pre_tokenizer(const bpe *t, buf *o) {
    const char *bl = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":";
    if (t->pat == PRETOK_GPT2) { buf_adds(o, bl); buf_adds(o, "true}"); return; }
    if (t->pat == PRETOK_NONE) { buf_adds(o, bl); buf_adds(o, "false}"); return; }
    buf_adds(o, "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":");
    const char *re = pretok_regex(t->pat);
    json_str(o, re, strlen(re));
    buf_adds(o, "},\"behavior\":\"Isolated\",\"invert\":false},");
    buf_adds(o, bl);
    buf_adds(o, "false}]}");
}

int bpe_save_json(const bpe *t, buf *o, char *err) {
    bpe_derive_merges((bpe *)t);
    buf s = {0};
    buf_adds(o, "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [");
    for (size_t i = 0; i < t->nspec; i++) {
        uint32_t id = t->spec[i];
        buf_printf(o, "%s\n    {\"id\": %u, \"content\": ", i ? "," : "", id);
        json_str(o, t->pool.p + t->off[id], t->len[id]);
        buf_adds(o, ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}");
    }
    buf_adds(o, t->nspec ? "\n  ],\n" : "],\n");
    buf_adds(o, "  \"normalizer\": null,\n  \"pre_tokenizer\": ");
    write_pre_tokenizer(t, o);
    buf_adds(o, ",\n  \"post_processor\": null,\n  \"decoder\": {\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},\n");
    buf_printf(o, "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
                  "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
                  "    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": %s,\n    \"vocab\": {",
               t->whole_lookup ? "true" : "false");
    int first = 1;
    for (uint32_t id = 0; id < t->ntok; id++) {
        if (t->len[id] == BPE_NONE) continue;
        buf_reset(&s);
        /* specials go in the vocab too, raw, so that HF keeps their ids */
        if (t->special[id]) buf_add(&s, t->pool.p + t->off[id], t->len[id]);
        else bl_encode((const uint8_t *)t->pool.p + t->off[id], t->len[id], &s);
        buf_adds(o, first ? "\n      " : ",\n      ");
        first = 0;
        json_str(o, s.p, s.len);
        buf_printf(o, ": %u", id);
    }
    buf_adds(o, "\n    },\n    \"merges\": [");
    for (size_t i = 0; i < t->nmerges; i++) {
        buf_reset(&s);
        bl_encode((const uint8_t *)t->pool.p + t->off[t->merges[i][0]], t->len[t->merges[i][0]], &s);
        buf_addc(&s, ' ');
        bl_encode((const uint8_t *)t->pool.p + t->off[t->merges[i][1]], t->len[t->merges[i][1]], &s);
        buf_adds(o, i ? ",\n      " : "\n      ");
        json_str(o, s.p, s.len);
    }
    buf_adds(o, "\n    ]\n  }\n}\n");
    buf_free(&s);
    return 0;
}

int bpe_save_tiktoken(const bpe *t, buf *o, char *err) {
    for (uint32_t id = 0; id < t->ntok; id++) {
        if (t->len[id] == BPE_NONE || t->special[id]) continue;
        b64enc((const uint8_t *)t->pool.p + t->off[id], t->len[id], o);
        buf_printf(o, " %u\n", id);
    }
    return 0;
}

int bpe_save_vocab_merges(const bpe *t, buf *v, buf *m, char *err) {
    bpe_derive_merges((bpe *)t);
    buf s = {0};
    buf_addc(v, '{');
    int first = 1;
    for (uint32_t id = 0; id < t->ntok; id++) {
        if (t->len[id] == BPE_NONE) continue;
        buf_reset(&s);
        if (t->special[id]) buf_add(&s, t->pool.p + t->off[id], t->len[id]);
        else bl_encode((const uint8_t *)t->pool.p + t->off[id], t->len[id], &s);
        if (!first) buf_adds(v, ", ");
        first = 0;
        json_str(v, s.p, s.len);
        buf_printf(v, ": %u", id);
    }
    buf_adds(v, "}\n");
    buf_adds(m, "#version: 0.2\n");
    for (size_t i = 0; i < t->nmerges; i++) {
        bl_encode((const uint8_t *)t->pool.p + t->off[t->merges[i][0]], t->len[t->merges[i][0]], m);
        buf_addc(m, ' ');
        bl_encode((const uint8_t *)t->pool.p + t->off[t->merges[i][1]], t->len[t->merges[i][1]], m);
        buf_addc(m, '\n');
    }
    buf_free(&s);
    return 0;
}

int bpe_save(const bpe *t, const char *format, buf *out, buf *aux, char *err) {
    if (!strcmp(format, "json")) return bpe_save_json(t, out, err);
    if (!strcmp(format, "tiktoken")) return bpe_save_tiktoken(t, out, err);
    if (!strcmp(format, "vocab")) {
        if (!aux) return err_set(err, "vocab format needs a merges buffer");
        return bpe_save_vocab_merges(t, out, aux, err);
    }
    return err_set(err, "unknown tokenizer format '%s' (json|tiktoken|vocab)", format);
}

const char *bpe_pattern_name(const bpe *t) { return pretok_name(t->pat); }
size_t bpe_num_specials(const bpe *t) { return t->nspec; }
uint32_t bpe_special_id(const bpe *t, size_t i) { return t->spec[i]; }
const char *bpe_token_bytes(const bpe *t, uint32_t id, size_t *n) {
    if (id >= t->ntok || t->len[id] == BPE_NONE) return NULL;
    *n = t->len[id];
    return t->pool.p + t->off[id];
}
int bpe_is_special(const bpe *t, uint32_t id) { return id < t->ntok && t->special[id]; }
size_t bpe_num_merges(const bpe *t) { bpe_derive_merges((bpe *)t); return t->nmerges; }
