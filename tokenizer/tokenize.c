/*
 * tokenize — documents to shuffled, split, packed token shards (contract in tokenize.h).
 *
 * Data flow: tokenize_add copies (id, text) into a batch (<= 8 MiB of text or 8192 docs);
 * a full batch is encoded by an OpenMP team, each thread appending to its own id vector and
 * recording (thread, offset, count) per document; the documents are then routed in batch
 * order: split by hash, and either packed at once (--no-shuffle) or handed to the shuffle as
 * one record [u8 split][u32 id_len][u64 source_bytes][id][u32 ids...]. tokenize_finish
 * drains the shuffle into the packers.
 *
 * Invariants: the bytes of every output file depend only on the input, the options and the
 * seed: never on -j (results are consumed in input order) nor on --memory (the shuffle's
 * order is a function of keys and insertion order). No allocation per document once the
 * batch and vectors have grown.
 */
#include "tokenize.h"
#include "bpe.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/shard.h"
#include "../pipeline/shuffle.h"
#include "../pipeline/stage.h"
#include "../pipeline/stream.h"
#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define C(f) offsetof(tokenize_cfg, f)
const opt_def tokenize_opts[] = {
    { "tokenizer", 't', OPT_STRING, C(tokenizer), NULL, "tokenizer file (tokenizer.json, .tiktoken, vocab.json+merges.txt) [required]", 0, 0, NULL, "FILE" },
    { "output", 'o', OPT_STRING, C(output), NULL, "directory for the shards and manifest.json (created) [required]", 0, 0, NULL, "DIR" },
    { "name", 0, OPT_STRING, C(name), NULL, "shard file prefix: NAME_train_000000.bin (default: the base name of DIR)", 0, 0, NULL, "NAME" },
    { "eot", 0, OPT_STRING, C(eot), "<|endoftext|>", "end-of-text token written before every document", 0, 0, NULL, "TOKEN" },
    { "shard-tokens", 0, OPT_INT, C(shard_tokens), "100000000", "tokens per shard at most (a longer document gets a shard of its own)", 1, 1073000000, NULL, "N" },
    { "val-fraction", 0, OPT_DOUBLE, C(val_fraction), "0", "fraction of documents in the val split (by hash of seed and id)", 0, 1, NULL, "F" },
    { "seed", 0, OPT_INT, C(seed), "0", "seed of the shuffle and the split", 0, 0, NULL, "S" },
    { "memory", 0, OPT_SIZE, C(memory), "1G", "shuffle memory; more spills to temporary files", 0, 0, NULL, "BYTES" },
    { "shuffle", 0, OPT_BOOL, C(shuffle), "true", "shuffle documents before packing (--no-shuffle: input order)", 0, 0, NULL, NULL },
    { "threads", 'j', OPT_INT, C(threads), "0", "encoding threads (0: all cores); output is identical for any value", 0, 4096, NULL, "N" },
    { "tmp-dir", 0, OPT_STRING, C(tmp_dir), NULL, "directory for shuffle spill files (default: DIR)", 0, 0, NULL, "DIR" },
    { "idx", 0, OPT_BOOL, C(idx), "true", "write NAME_SPLIT_NNNNNN.idx (document id, token offset, length) beside each shard", 0, 0, NULL, NULL },
    { "provenance", 0, OPT_STRING, C(provenance), NULL, "text recorded as the manifest's \"command\" instead of the command line (winnow run: the pipeline)", 0, 0, NULL, "TEXT" },
    { "allow-special", 0, OPT_BOOL, C(allow_special), NULL, "encode special-token text in documents as special tokens (default: as plain text)", 0, 0, NULL, NULL },
    OPT_DEF_END,
};
#undef C

#define BATCH_BYTES (8u << 20)
#define BATCH_DOCS 8192

enum { SPLIT_TRAIN = 0, SPLIT_VAL = 1 };
static const char *const split_names[2] = { "train", "val" };

typedef struct bdoc {
    size_t id_off, id_len, text_off, text_len;
    size_t tok_off, tok_n;
    int tid;
} bdoc;

typedef struct tvec { uint32_t *p; size_t len, cap; } tvec;

typedef struct packer {
    int split;
    unsigned index;                 /* next shard number */
    shard_writer *w;
    char *bin, *idxpath;            /* paths of the open shard */
    uint64_t docs, src;
    outstream *idxo;                /* .idx of the open shard (temporary name until closed) */
    buf idx;                        /* .idx lines not yet written */
} packer;

struct tokenize {
    char *dir, *name, *tmp_dir;
    bpe *tok;
    uint32_t eot;
    int token_bytes, shuffle, write_idx, allow_special, nthreads;
    uint64_t seed, shard_tokens;
    double val_fraction;
    bpe_ctx **ctx;
    tvec *tv;
    buf batch;
    bdoc *docs; size_t nd, capd;
    shuffle *sh;
    packer pk[2];
    manifest m;
    buf rec;
    uint32_t *ids; size_t ids_cap;  /* widening scratch for shuffled records */
    int finished;
};

char *tokenize_default_name(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/') b--;
    if (n == b || (n - b == 1 && dir[b] == '.') || (n - b == 2 && !strncmp(dir + b, "..", 2)) || !strcmp(dir, "/"))
        return xstrdup("shards");
    return xstrndup(dir + b, n - b);
}

static int name_ok(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20) return 0;
    return 1;
}

tokenize *tokenize_open(const tokenize_cfg *cfg, const char *command, char *err) {
    if (!cfg->tokenizer || !*cfg->tokenizer) { err_set(err, "--tokenizer FILE is required"); return NULL; }
    if (!cfg->output || !*cfg->output) { err_set(err, "-o DIR is required"); return NULL; }
    tokenize *t = xcalloc(1, sizeof *t);
    manifest_init(&t->m);
    t->dir = xstrdup(cfg->output);
    t->name = cfg->name ? xstrdup(cfg->name) : tokenize_default_name(cfg->output);
    if (!name_ok(t->name)) { err_set(err, "--name '%s': must be non-empty, without '/'", t->name); goto fail; }
    t->tok = bpe_load(cfg->tokenizer, NULL, err);
    if (!t->tok) goto fail;
    const char *eot = cfg->eot ? cfg->eot : "<|endoftext|>";
    int64_t e = bpe_token_id(t->tok, eot, strlen(eot));
    if (e < 0) {
        err_set(err, "%s: the tokenizer has no token '%s' (name the end-of-text token with --eot TOKEN)",
                cfg->tokenizer, eot);
        goto fail;
    }
    t->eot = (uint32_t)e;
    uint32_t vocab = bpe_vocab_size(t->tok);
    t->token_bytes = shard_token_bytes_for_vocab(vocab);
    if (stream_mkdirs(t->dir, err) < 0) goto fail;
    if (access(t->dir, W_OK) < 0) { err_set(err, "%s: %s", t->dir, strerror(errno)); goto fail; }
    t->tmp_dir = xstrdup(cfg->tmp_dir ? cfg->tmp_dir : t->dir);
    t->shuffle = cfg->shuffle;
    t->write_idx = cfg->idx;
    t->allow_special = cfg->allow_special;
    t->seed = (uint64_t)cfg->seed;
    t->shard_tokens = cfg->shard_tokens > 0 ? (uint64_t)cfg->shard_tokens : 100000000;
    uint64_t cap = (SHARD_MAX_BYTES - SHARD_HEADER_BYTES) / (uint64_t)t->token_bytes - 1;
    if (t->shard_tokens > cap) t->shard_tokens = cap;
    t->val_fraction = cfg->val_fraction;
    t->nthreads = cfg->threads > 0 ? (int)cfg->threads : omp_get_num_procs();
    if (t->nthreads < 1) t->nthreads = 1;
    t->ctx = xcalloc((size_t)t->nthreads, sizeof *t->ctx);
    t->tv = xcalloc((size_t)t->nthreads, sizeof *t->tv);
    for (int i = 0; i < t->nthreads; i++) t->ctx[i] = bpe_ctx_new(t->tok);
    if (t->shuffle) t->sh = shuffle_new((size_t)(cfg->memory > 0 ? cfg->memory : 1ll << 30), t->tmp_dir);
    for (int s = 0; s < 2; s++) t->pk[s].split = s;

    /* an old manifest must not describe the shards this run is about to replace */
    buf mp = { 0 };
    buf_printf(&mp, "%s/%s", t->dir, MANIFEST_FILE);
    if (unlink(mp.p) < 0 && errno != ENOENT) {
        err_set(err, "%s: %s", mp.p, strerror(errno));
        buf_free(&mp);
        goto fail;
    }
    buf_free(&mp);

    t->m.name = xstrdup(t->name);
    t->m.tokenizer_file = xstrdup(cfg->tokenizer);
    bpe_hash(t->tok, t->m.tokenizer_sha256);
    t->m.vocab_size = vocab;
    t->m.eot_id = t->eot;
    t->m.token_bytes = t->token_bytes;
    t->m.seed = t->seed;
    t->m.val_fraction = t->val_fraction;
    t->m.shuffle = t->shuffle;
    t->m.shard_tokens = t->shard_tokens;
    t->m.command = xstrdup(cfg->provenance ? cfg->provenance : command ? command : "");
    return t;
fail:
    tokenize_free(t);
    return NULL;
}

/* ---- packing ---- */

static int idx_flush(packer *pk, char *err) {
    if (!pk->idx.len) return 0;
    int r = outstream_write(pk->idxo, pk->idx.p, pk->idx.len);
    buf_reset(&pk->idx);
    return r == STREAM_OK ? 0 : err_set(err, "%s", outstream_error(pk->idxo));
}

static int pack_close(tokenize *t, packer *pk, char *err) {
    if (!pk->w) return 0;
    uint64_t ntok = shard_writer_tokens(pk->w), xxh = 0;
    int rc = shard_writer_close(pk->w, &xxh, err);
    pk->w = NULL;
    if (pk->idxo) {
        if (rc == 0) rc = idx_flush(pk, err);
        if (rc == 0 && outstream_close(pk->idxo) != STREAM_OK) {
            rc = err_set(err, "%s", outstream_error(pk->idxo));
            outstream_abort(pk->idxo);     /* a failed close keeps the stream for its error */
        } else if (rc < 0) outstream_abort(pk->idxo);
        pk->idxo = NULL;
    }
    if (rc == 0) {
        const char *bin = strrchr(pk->bin, '/'), *idx = strrchr(pk->idxpath, '/');
        manifest_add_shard(&t->m, bin ? bin + 1 : pk->bin, t->write_idx ? (idx ? idx + 1 : pk->idxpath) : NULL,
                           split_names[pk->split], pk->docs, ntok, pk->src, xxh);
    }
    free(pk->bin); free(pk->idxpath);
    pk->bin = pk->idxpath = NULL;
    buf_reset(&pk->idx);
    pk->docs = pk->src = 0;
    return rc;
}

static int pack_doc(tokenize *t, int split, const char *id, size_t id_len, uint64_t src,
                    const uint32_t *ids, size_t n, char *err) {
    packer *pk = &t->pk[split];
    uint64_t need = (uint64_t)n + 1;
    if (pk->w && pk->docs && shard_writer_tokens(pk->w) + need > t->shard_tokens && pack_close(t, pk, err) < 0)
        return -1;
    if (!pk->w) {
        size_t k = strlen(t->dir) + strlen(t->name) + 40;
        pk->bin = xmalloc(k);
        pk->idxpath = xmalloc(k);
        shard_name(pk->bin, k, t->dir, t->name, split_names[split], pk->index, ".bin");
        shard_name(pk->idxpath, k, t->dir, t->name, split_names[split], pk->index, ".idx");
        pk->index++;
        pk->w = shard_writer_open(pk->bin, t->token_bytes, err);
        if (!pk->w) return -1;
        if (t->write_idx && !(pk->idxo = outstream_open(pk->idxpath, COMPRESS_NONE, 0, err))) return -1;
    }
    if (t->write_idx) {
        buf_adds(&pk->idx, "{\"id\":");
        json_write_string(&pk->idx, id, id_len);
        buf_adds(&pk->idx, ",\"offset\":");
        buf_add_u64(&pk->idx, shard_writer_tokens(pk->w));
        buf_adds(&pk->idx, ",\"tokens\":");
        buf_add_u64(&pk->idx, need);
        buf_adds(&pk->idx, ",\"source_bytes\":");
        buf_add_u64(&pk->idx, src);
        buf_adds(&pk->idx, "}\n");
        if (pk->idx.len >= (1u << 16) && idx_flush(pk, err) < 0) return -1;
    }
    if (shard_writer_write(pk->w, &t->eot, 1, err) < 0 || shard_writer_write(pk->w, ids, n, err) < 0) return -1;
    pk->docs++;
    pk->src += src;
    return 0;
}

/* ---- encoding ---- */

static void encode_batch(tokenize *t) {
    for (int i = 0; i < t->nthreads; i++) t->tv[i].len = 0;
    int nt = t->nthreads < (int)t->nd ? t->nthreads : (int)t->nd;
    if (nt < 1) nt = 1;
    #pragma omp parallel num_threads(nt)
    {
        int tid = omp_get_thread_num();
        tvec *v = &t->tv[tid];
        #pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < t->nd; i++) {
            bdoc *d = &t->docs[i];
            d->tid = tid;
            d->tok_off = v->len;
            bpe_encode(t->ctx[tid], t->batch.p + d->text_off, d->text_len, t->allow_special,
                       &v->p, &v->len, &v->cap);
            d->tok_n = v->len - d->tok_off;
        }
    }
}

static int route(tokenize *t, const char *id, size_t id_len, uint64_t src, const uint32_t *ids,
                 size_t n, char *err) {
    int split = SPLIT_TRAIN;
    if (t->val_fraction > 0 &&
        stage_unit(stage_hash(t->seed, id, id_len, TOKENIZE_SALT_SPLIT)) < t->val_fraction)
        split = SPLIT_VAL;
    if (!t->shuffle) return pack_doc(t, split, id, id_len, src, ids, n, err);
    buf_reset(&t->rec);
    unsigned char s8 = (unsigned char)split;
    uint32_t il = (uint32_t)id_len;
    buf_add(&t->rec, &s8, 1);
    buf_add(&t->rec, &il, 4);
    buf_add(&t->rec, &src, 8);
    buf_add(&t->rec, id, id_len);
    buf_add(&t->rec, ids, n * sizeof *ids);
    return shuffle_add(t->sh, stage_hash(t->seed, id, id_len, TOKENIZE_SALT_SHUFFLE), t->rec.p, t->rec.len, err);
}

static int flush_batch(tokenize *t, char *err) {
    if (!t->nd) return 0;
    encode_batch(t);
    int rc = 0;
    for (size_t i = 0; i < t->nd && rc == 0; i++) {
        const bdoc *d = &t->docs[i];
        rc = route(t, t->batch.p + d->id_off, d->id_len, d->text_len, t->tv[d->tid].p + d->tok_off,
                   d->tok_n, err);
    }
    t->nd = 0;
    buf_reset(&t->batch);
    return rc;
}

int tokenize_add(tokenize *t, const char *id, size_t id_len, const char *text, size_t text_len,
                 char *err) {
    if (text_len == 0) { t->m.skipped_empty++; return 0; }
    if (id_len > UINT32_MAX) return err_set(err, "document id longer than 4 GiB");
    if (t->nd == t->capd) {
        t->capd = t->capd ? 2 * t->capd : 1024;
        t->docs = xrealloc(t->docs, t->capd * sizeof *t->docs);
    }
    bdoc *d = &t->docs[t->nd++];
    d->id_off = t->batch.len; d->id_len = id_len;
    buf_add(&t->batch, id, id_len);
    d->text_off = t->batch.len; d->text_len = text_len;
    buf_add(&t->batch, text, text_len);
    if (t->batch.len >= BATCH_BYTES || t->nd >= BATCH_DOCS) return flush_batch(t, err);
    return 0;
}

/* ---- finishing ---- */

static int drain_shuffle(tokenize *t, char *err) {
    if (shuffle_finish(t->sh, err) < 0) return -1;
    const void *p; size_t n; int k;
    while ((k = shuffle_next(t->sh, &p, &n, err)) == 1) {
        const unsigned char *r = p;
        uint32_t il; uint64_t src;
        memcpy(&il, r + 1, 4);
        memcpy(&src, r + 5, 8);
        const char *id = (const char *)r + 13;
        size_t ntok = (n - 13 - il) / sizeof(uint32_t);
        if (ntok > t->ids_cap) {
            t->ids_cap = ntok + ntok / 2 + 16;
            t->ids = xrealloc(t->ids, t->ids_cap * sizeof *t->ids);
        }
        if (ntok) memcpy(t->ids, r + 13 + il, ntok * sizeof *t->ids);
        if (pack_doc(t, r[0], id, il, src, t->ids, ntok, err) < 0) return -1;
    }
    return k;
}

static int shard_cmp(const void *a, const void *b) {
    return strcmp(((const manifest_shard *)a)->file, ((const manifest_shard *)b)->file);
}

/* Is f "<name>_(train|val)_NNNNNN.(bin|idx)"? */
static int is_shard_file(const char *name, const char *f) {
    size_t nl = strlen(name);
    if (strncmp(f, name, nl) || f[nl] != '_') return 0;
    f += nl + 1;
    if (!strncmp(f, "train_", 6)) f += 6;
    else if (!strncmp(f, "val_", 4)) f += 4;
    else return 0;
    for (int i = 0; i < 6; i++, f++)
        if (*f < '0' || *f > '9') return 0;
    return !strcmp(f, ".bin") || !strcmp(f, ".idx");
}

/* Is f a temporary file a killed run left for a shard ("[.]<shard file>.tmp.<pid>")? */
static int is_shard_tmp(const char *name, const char *f) {
    if (*f == '.') f++;
    const char *t = strstr(f, ".tmp.");
    if (!t) return 0;
    char base[512];
    size_t n = (size_t)(t - f);
    if (n >= sizeof base) return 0;
    memcpy(base, f, n);
    base[n] = 0;
    return is_shard_file(name, base);
}

static int in_manifest(const manifest *m, const char *f) {
    for (size_t i = 0; i < m->nshards; i++)
        if (!strcmp(m->shards[i].file, f) || (m->shards[i].idx && !strcmp(m->shards[i].idx, f))) return 1;
    return 0;
}

static int remove_stale(tokenize *t, char *err) {
    DIR *d = opendir(t->dir);
    if (!d) return err_set(err, "%s: %s", t->dir, strerror(errno));
    struct dirent *e;
    buf p = { 0 };
    int rc = 0;
    while ((e = readdir(d))) {
        /* leftovers: shards of an earlier, larger run, and temporaries of a killed one (this
         * run's own temporaries were all renamed into place by now) */
        int stale = is_shard_tmp(t->name, e->d_name) || (is_shard_file(t->name, e->d_name) && !in_manifest(&t->m, e->d_name)) ||
                    /* a run killed while writing its manifest, or between creating a shuffle
                     * spill file and unlinking it (this run's are unlinked already) */
                    !strncmp(e->d_name, ".manifest.json.tmp.", 19) || !strncmp(e->d_name, "winnow-shuffle.", 15);
        if (!stale) continue;
        buf_reset(&p);
        buf_printf(&p, "%s/%s", t->dir, e->d_name);
        if (unlink(p.p) < 0) { rc = err_set(err, "%s: %s", p.p, strerror(errno)); break; }
    }
    closedir(d);
    buf_free(&p);
    return rc;
}

int tokenize_finish(tokenize *t, char *err) {
    if (t->finished) return err_set(err, "tokenize_finish called twice");
    t->finished = 1;
    if (flush_batch(t, err) < 0) return -1;
    if (t->shuffle && drain_shuffle(t, err) < 0) return -1;
    for (int s = 0; s < 2; s++)
        if (pack_close(t, &t->pk[s], err) < 0) return -1;
    if (t->m.nshards > 1) qsort(t->m.shards, t->m.nshards, sizeof *t->m.shards, shard_cmp);
    if (remove_stale(t, err) < 0) return -1;
    return manifest_write(t->dir, &t->m, err);
}

const manifest *tokenize_manifest(const tokenize *t) { return &t->m; }
unsigned tokenize_spills(const tokenize *t) { return t->sh ? shuffle_spills(t->sh) : 0; }

void tokenize_free(tokenize *t) {
    if (!t) return;
    for (int s = 0; s < 2; s++) {
        shard_writer_abort(t->pk[s].w);
        if (t->pk[s].idxo) outstream_abort(t->pk[s].idxo);
        free(t->pk[s].bin); free(t->pk[s].idxpath);
        buf_free(&t->pk[s].idx);
    }
    if (t->ctx) for (int i = 0; i < t->nthreads; i++) { if (t->ctx[i]) bpe_ctx_free(t->ctx[i]); free(t->tv[i].p); }
    free(t->ctx); free(t->tv);
    if (t->tok) bpe_free(t->tok);
    shuffle_free(t->sh);
    buf_free(&t->batch); buf_free(&t->rec);
    free(t->docs); free(t->ids);
    manifest_free(&t->m);
    free(t->dir); free(t->name); free(t->tmp_dir);
    free(t);
}
