/*
 * cmd_shards — `winnow shards info|verify|cat DIR`: inspect a directory written by
 * `winnow tokenize` through its manifest.json.
 *   info    the manifest as a table: one row per shard, totals per split and overall.
 *   verify  every shard's header (magic, version, size == 1024 + width * tokens), token count
 *           and xxh3 against the manifest; every .idx against its shard (entries contiguous,
 *           an end-of-text token at each offset, counts and source bytes as in the manifest);
 *           the totals. Exit 1 naming each bad shard.
 *   cat     documents back in shard order: one line of token ids per document (its leading
 *           end-of-text id included, so the lines of a shard concatenated are exactly its
 *           tokens), or with --decode one JSON line {"id", "text"} per document.
 */
#include "cmds.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/manifest.h"
#include "../pipeline/shard.h"
#include "../pipeline/stream.h"
#include "../tokenizer/bpe.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct shards_cfg {
    char *split, *tokenizer;
    int decode;
} shards_cfg;

#define C(f) offsetof(shards_cfg, f)
static const opt_def shards_opts[] = {
    { "split", 0, OPT_ENUM, C(split), "all", "cat: only the shards of this split", 0, 0, "all|train|val", NULL },
    { "decode", 'd', OPT_BOOL, C(decode), NULL, "cat: documents as JSON lines {\"id\", \"text\"} instead of token ids", 0, 0, NULL, NULL },
    { "tokenizer", 't', OPT_STRING, C(tokenizer), NULL, "cat --decode: tokenizer file (default: the manifest's, as given or beside DIR)", 0, 0, NULL, "FILE" },
    OPT_DEF_END,
};
#undef C

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b, "usage: winnow shards info DIR\n"
                 "       winnow shards verify DIR\n"
                 "       winnow shards cat DIR [--split train|val] [--decode]\n\n"
                 "Inspect the token shards and manifest.json that 'winnow tokenize' wrote.\n"
                 "  info    table of shards (split, documents, tokens, source bytes, checksum) and totals\n"
                 "  verify  headers, sizes, token counts, xxh3 checksums and .idx files against the manifest;\n"
                 "          exit 1 naming every bad shard\n"
                 "  cat     documents in shard order: token ids, one line per document (leading end-of-text\n"
                 "          included), or --decode: JSON lines {\"id\", \"text\"}\n\noptions:\n");
    opt_help(shards_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

/* ---- .idx files ---- */

typedef struct idx_ent { char *id; uint64_t off, tokens, src; } idx_ent;
typedef struct idx_list { idx_ent *v; size_t n, cap; } idx_list;

static void idx_free(idx_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].id);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int idx_u64(const char *v, size_t n, uint64_t *out) {
    if (!n || n > 20 || v[0] < '0' || v[0] > '9') return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

static int idx_load(const char *path, idx_list *l, char *err) {
    buf text = { 0 }, key = { 0 }, str = { 0 };
    int rc = stream_read_file(path, &text, err);
    size_t pos = 0;
    uint64_t line = 0;
    while (rc == 0 && pos < text.len) {
        const char *p = text.p + pos, *nl = memchr(p, '\n', text.len - pos);
        size_t n = nl ? (size_t)(nl - p) : text.len - pos;
        pos += n + 1;
        line++;
        if (l->n == l->cap) { l->cap = l->cap ? 2 * l->cap : 256; l->v = xrealloc(l->v, l->cap * sizeof *l->v); }
        idx_ent *e = &l->v[l->n];
        memset(e, 0, sizeof *e);
        json_obj_iter it;
        const char *v; size_t vl; int k, have = 0;
        if (json_obj_iter_init(&it, p, n) < 0) { rc = err_set(err, "%s:%llu: not a JSON object", path, (unsigned long long)line); break; }
        while ((k = json_obj_iter_next(&it, &key, &v, &vl)) > 0) {
            const char *kk = key.p ? key.p : "";
            if (!strcmp(kk, "id")) {
                if (json_string_decode(v, vl, &str) < 0) { k = -1; break; }
                free(e->id);
                e->id = xstrndup(str.p ? str.p : "", str.len);
                have |= 1;
            } else if (!strcmp(kk, "offset")) { if (idx_u64(v, vl, &e->off) < 0) { k = -1; break; } have |= 2; }
            else if (!strcmp(kk, "tokens")) { if (idx_u64(v, vl, &e->tokens) < 0) { k = -1; break; } have |= 4; }
            else if (!strcmp(kk, "source_bytes")) { if (idx_u64(v, vl, &e->src) < 0) { k = -1; break; } }
        }
        l->n++;
        if (k < 0 || (have & 7) != 7) { rc = err_set(err, "%s:%llu: bad entry (needs id, offset, tokens)", path, (unsigned long long)line); break; }
    }
    buf_free(&text); buf_free(&key); buf_free(&str);
    return rc;
}

/* ---- info ---- */

static int shards_info(const char *dir, const manifest *m) {
    printf("manifest    %s/%s (format %d)\n", dir, MANIFEST_FILE, m->format_version);
    printf("tokenizer   %s (sha256 %.16s..., vocab %u, eot %lld, %d-byte tokens)\n",
           m->tokenizer_file ? m->tokenizer_file : "?", m->tokenizer_sha256, m->vocab_size,
           (long long)m->eot_id, m->token_bytes);
    printf("seed        %llu, val fraction %g, %s, at most %llu tokens per shard\n",
           (unsigned long long)m->seed, m->val_fraction, m->shuffle ? "shuffled" : "input order",
           (unsigned long long)m->shard_tokens);
    if (m->command && *m->command) printf("command     %s\n", m->command);
    printf("\n%-32s %-5s %10s %14s %14s %7s  %s\n", "shard", "split", "documents", "tokens",
           "source_bytes", "B/token", "xxh3");
    for (size_t i = 0; i < m->nshards; i++) {
        const manifest_shard *s = &m->shards[i];
        printf("%-32s %-5s %10llu %14llu %14llu %7.2f  %016llx\n", s->file, s->split,
               (unsigned long long)s->documents, (unsigned long long)s->tokens,
               (unsigned long long)s->source_bytes, s->tokens ? (double)s->source_bytes / s->tokens : 0.0,
               (unsigned long long)s->xxh3);
    }
    const manifest_split *sp[2] = { &m->train, &m->val };
    const char *nm[2] = { "train", "val" };
    for (int k = 0; k < 2; k++)
        printf("%-32s %-5s %10llu %14llu %14llu %7.2f  (%llu shards)\n", "total", nm[k],
               (unsigned long long)sp[k]->documents, (unsigned long long)sp[k]->tokens,
               (unsigned long long)sp[k]->source_bytes,
               sp[k]->tokens ? (double)sp[k]->source_bytes / sp[k]->tokens : 0.0,
               (unsigned long long)sp[k]->shards);
    printf("%-32s %-5s %10llu %14llu %14llu %7.2f  (%zu shards; %llu empty documents skipped)\n", "total", "all",
           (unsigned long long)m->documents, (unsigned long long)m->tokens,
           (unsigned long long)m->source_bytes, m->tokens ? (double)m->source_bytes / m->tokens : 0.0,
           m->nshards, (unsigned long long)m->skipped_empty);
    return 0;
}

/* ---- verify ---- */

static int read_token(int fd, int width, uint64_t i, uint32_t *v) {
    unsigned char b[4];
    if (pread(fd, b, (size_t)width, SHARD_HEADER_BYTES + (off_t)(i * (uint64_t)width)) != width) return -1;
    *v = width == 2 ? (uint32_t)b[0] | (uint32_t)b[1] << 8
                    : (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}

static int verify_idx(const char *dir, const manifest *m, const manifest_shard *s, const char *bin, char *err) {
    buf p = { 0 };
    buf_printf(&p, "%s/%s", dir, s->idx);
    idx_list l = { 0 };
    int rc = idx_load(p.p, &l, err);
    int fd = rc == 0 ? open(bin, O_RDONLY | O_CLOEXEC) : -1;
    if (rc == 0 && fd < 0) rc = err_set(err, "%s: %s", bin, strerror(errno));
    uint64_t off = 0, src = 0;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const idx_ent *e = &l.v[i];
        uint32_t tok;
        if (e->off != off) rc = err_set(err, "%s: entry %zu (id %s) at offset %llu, expected %llu", p.p, i + 1, e->id,
                                       (unsigned long long)e->off, (unsigned long long)off);
        else if (e->tokens == 0 || e->off + e->tokens > s->tokens)
            rc = err_set(err, "%s: entry %zu (id %s) runs past the shard's %llu tokens", p.p, i + 1, e->id,
                         (unsigned long long)s->tokens);
        else if (read_token(fd, m->token_bytes, e->off, &tok) < 0)
            rc = err_set(err, "%s: cannot read token %llu", bin, (unsigned long long)e->off);
        else if (m->eot_id >= 0 && tok != (uint32_t)m->eot_id)
            rc = err_set(err, "%s: token %llu (start of id %s) is %u, not the end-of-text id %lld", bin,
                         (unsigned long long)e->off, e->id, tok, (long long)m->eot_id);
        off += e->tokens;
        src += e->src;
    }
    if (rc == 0 && off != s->tokens)
        rc = err_set(err, "%s: entries cover %llu tokens, the shard has %llu", p.p, (unsigned long long)off,
                     (unsigned long long)s->tokens);
    if (rc == 0 && l.n != s->documents)
        rc = err_set(err, "%s: %zu entries, manifest says %llu documents", p.p, l.n, (unsigned long long)s->documents);
    if (rc == 0 && src != s->source_bytes)
        rc = err_set(err, "%s: %llu source bytes, manifest says %llu", p.p, (unsigned long long)src,
                     (unsigned long long)s->source_bytes);
    if (fd >= 0) close(fd);
    idx_free(&l);
    buf_free(&p);
    return rc;
}

static int shards_verify(const char *dir, const manifest *m) {
    char err[ERR_MAX];
    int bad = 0;
    uint64_t docs = 0, toks = 0, src = 0;
    buf p = { 0 };
    for (size_t i = 0; i < m->nshards; i++) {
        const manifest_shard *s = &m->shards[i];
        buf_reset(&p);
        buf_printf(&p, "%s/%s", dir, s->file);
        shard_info info;
        uint64_t h = 0;
        docs += s->documents; toks += s->tokens; src += s->source_bytes;
        if (shard_read_header(p.p, &info, err) < 0) { cmd_error("shards", "%s", err); bad++; continue; }
        if (info.token_bytes != m->token_bytes) {
            cmd_error("shards", "%s: %d-byte tokens, manifest says %d", p.p, info.token_bytes, m->token_bytes); bad++; continue;
        }
        if (info.tokens != s->tokens) {
            cmd_error("shards", "%s: %llu tokens, manifest says %llu", p.p, (unsigned long long)info.tokens,
                      (unsigned long long)s->tokens);
            bad++; continue;
        }
        if (shard_file_xxh3(p.p, &h, err) < 0) { cmd_error("shards", "%s", err); bad++; continue; }
        if (h != s->xxh3) {
            cmd_error("shards", "%s: checksum mismatch: xxh3 %016llx, manifest says %016llx", p.p,
                      (unsigned long long)h, (unsigned long long)s->xxh3);
            bad++; continue;
        }
        if (s->idx && verify_idx(dir, m, s, p.p, err) < 0) { cmd_error("shards", "%s", err); bad++; continue; }
    }
    buf_free(&p);
    if (docs != m->documents || toks != m->tokens || src != m->source_bytes) {
        cmd_error("shards", "%s/%s: totals (%llu documents, %llu tokens, %llu source bytes) differ from the sum of the shards (%llu, %llu, %llu)",
                  dir, MANIFEST_FILE, (unsigned long long)m->documents, (unsigned long long)m->tokens,
                  (unsigned long long)m->source_bytes, (unsigned long long)docs, (unsigned long long)toks,
                  (unsigned long long)src);
        bad++;
    }
    if (bad) { cmd_error("shards", "%s: %d problem%s in %zu shards", dir, bad, bad == 1 ? "" : "s", m->nshards); return 1; }
    printf("ok: %zu shards, %llu documents, %llu tokens\n", m->nshards, (unsigned long long)m->documents,
           (unsigned long long)m->tokens);
    return 0;
}

/* ---- cat ---- */

static bpe *cat_tokenizer(const char *dir, const manifest *m, const char *given, char *err) {
    if (given) return bpe_load(given, NULL, err);
    if (!m->tokenizer_file) { err_set(err, "the manifest names no tokenizer; pass --tokenizer FILE"); return NULL; }
    if (access(m->tokenizer_file, R_OK) == 0) return bpe_load(m->tokenizer_file, NULL, err);
    const char *base = strrchr(m->tokenizer_file, '/');
    buf p = { 0 };
    buf_printf(&p, "%s/%s", dir, base ? base + 1 : m->tokenizer_file);
    bpe *t = access(p.p, R_OK) == 0 ? bpe_load(p.p, NULL, err) : NULL;
    if (!t && access(p.p, R_OK) != 0)
        err_set(err, "tokenizer %s not found (nor %s); pass --tokenizer FILE", m->tokenizer_file, p.p);
    buf_free(&p);
    return t;
}

typedef struct cat_out { outstream *o; buf line; int epipe; } cat_out;

static int cat_emit(cat_out *c, const char *err_name, char *err) {
    int r = outstream_write(c->o, c->line.p, c->line.len);
    buf_reset(&c->line);
    if (r == STREAM_EPIPE) { c->epipe = 1; return -1; }
    if (r) return err_set(err, "%s", outstream_error(c->o));
    return 0;
}

static int cat_doc(cat_out *c, bpe *tok, const char *id, const uint32_t *t, uint64_t n, buf *text, char *err) {
    if (!tok) {
        for (uint64_t i = 0; i < n; i++) {
            if (i) buf_addc(&c->line, ' ');
            buf_add_u64(&c->line, t[i]);
        }
        buf_addc(&c->line, '\n');
        return cat_emit(c, NULL, err);
    }
    buf_reset(text);
    /* the leading end-of-text token is the separator, not part of the text */
    if (n && bpe_decode(tok, t + 1, (size_t)(n - 1), text, err) < 0) return -1;
    buf_adds(&c->line, "{\"id\":");
    json_write_string(&c->line, id ? id : "", id ? strlen(id) : 0);
    buf_adds(&c->line, ",\"text\":");
    json_write_string(&c->line, text->p ? text->p : "", text->len);
    buf_adds(&c->line, "}\n");
    return cat_emit(c, NULL, err);
}

static int shards_cat(const char *dir, const manifest *m, const shards_cfg *cfg) {
    char err[ERR_MAX] = "";
    bpe *tok = NULL;
    if (cfg->decode && !(tok = cat_tokenizer(dir, m, cfg->tokenizer, err))) { cmd_error("shards", "%s", err); return 1; }
    if (tok && !cfg->tokenizer) {
        char hex[65];
        bpe_hash(tok, hex);
        if (m->tokenizer_sha256[0] && strcmp(hex, m->tokenizer_sha256))
            cmd_error("shards", "warning: tokenizer sha256 %.16s... differs from the manifest's %.16s...", hex, m->tokenizer_sha256);
    }
    cat_out c = { 0 };
    c.o = outstream_open(NULL, COMPRESS_NONE, 0, err);
    buf p = { 0 }, text = { 0 }, idid = { 0 };
    int status = 0;
    for (size_t i = 0; i < m->nshards && status == 0 && !c.epipe; i++) {
        const manifest_shard *s = &m->shards[i];
        if (strcmp(cfg->split, "all") && strcmp(cfg->split, s->split)) continue;
        buf_reset(&p);
        buf_printf(&p, "%s/%s", dir, s->file);
        uint32_t *t = NULL; uint64_t n = 0;
        if (shard_load(p.p, &t, &n, err) < 0) { cmd_error("shards", "%s", err); status = 1; break; }
        idx_list l = { 0 };
        if (s->idx) {
            buf_reset(&p);
            buf_printf(&p, "%s/%s", dir, s->idx);
            if (idx_load(p.p, &l, err) < 0) { cmd_error("shards", "%s", err); status = 1; free(t); break; }
        }
        if (l.n) {
            for (size_t k = 0; k < l.n && status == 0; k++) {
                const idx_ent *e = &l.v[k];
                if (e->off + e->tokens > n) { cmd_error("shards", "%s: entry %zu runs past the shard", p.p, k + 1); status = 1; break; }
                if (cat_doc(&c, tok, e->id, t + e->off, e->tokens, &text, err) < 0) {
                    if (!c.epipe) { cmd_error("shards", "%s", err); status = 1; }
                    break;
                }
            }
        } else {                     /* no .idx: documents start at each end-of-text token */
            uint64_t a = 0, ndoc = 0;
            while (a < n && status == 0) {
                uint64_t b = a + 1;
                while (b < n && (int64_t)t[b] != m->eot_id) b++;
                buf_reset(&idid);
                buf_printf(&idid, "%s#%llu", s->file, (unsigned long long)ndoc++);
                if (cat_doc(&c, tok, idid.p, t + a, b - a, &text, err) < 0) {
                    if (!c.epipe) { cmd_error("shards", "%s", err); status = 1; }
                    break;
                }
                a = b;
            }
        }
        idx_free(&l);
        free(t);
    }
    if (c.o) {
        int r = outstream_close(c.o);
        if (r == STREAM_ERR && status == 0 && !c.epipe) { cmd_error("shards", "writing output failed"); status = 1; }
    }
    buf_free(&p); buf_free(&text); buf_free(&idid); buf_free(&c.line);
    if (tok) bpe_free(tok);
    return status;
}

int cmd_shards(int argc, char **argv) {
    char err[ERR_MAX] = "";
    shards_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    opt_defaults(shards_opts, &cfg);
    const opt_def *tables[1] = { shards_opts };
    void *cfgs[1] = { &cfg };
    int status;
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) { usage(stdout); status = 0; goto out; }
    if (npos < 0) { cmd_error("shards", "%s", err); fprintf(stderr, "(see 'winnow shards -h')\n"); status = 2; goto out; }
    if (npos != 2) {
        cmd_error("shards", npos < 2 ? "expected a subcommand (info, verify, cat) and DIR" : "too many arguments");
        fprintf(stderr, "(see 'winnow shards -h')\n");
        status = 2;
        goto out;
    }
    const char *sub = argv[0];
    char *dir = xstrdup(argv[1]);
    size_t dl = strlen(dir);
    if (dl > 5 && !strcmp(dir + dl - 5, ".json")) {      /* DIR/manifest.json names DIR */
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0; else strcpy(dir, ".");
    }
    if (strcmp(sub, "info") && strcmp(sub, "verify") && strcmp(sub, "cat")) {
        cmd_error("shards", "unknown subcommand '%s' (info, verify, cat)", sub);
        free(dir);
        status = 2;
        goto out;
    }
    manifest m;
    if (manifest_read(argv[1], &m, err) < 0) { cmd_error("shards", "%s", err); free(dir); status = 1; goto out; }
    status = !strcmp(sub, "info") ? shards_info(dir, &m) : !strcmp(sub, "verify") ? shards_verify(dir, &m)
                                                                                  : shards_cat(dir, &m, &cfg);
    manifest_free(&m);
    free(dir);
out:
    opt_free(shards_opts, &cfg);
    return status;
}
