/*
 * ckpt — see ckpt.h.
 */
#include "ckpt.h"
#include "../pipeline/buf.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[8] = { 'W', 'N', 'C', 'K', 'P', 'T', 0, 1 };
enum { F_VERSION, F_VOCAB, F_SEQ, F_LAYER, F_HEAD, F_EMBD, F_ROPE, F_NPARAMS, F_HAS_OPTIM,
       F_STEP, F_TOKENS, F_EPOCH, F_POS, F_DATA_TOKENS, F_EOT, F_N = 32 };

void ckpt_meta_free(ckpt_meta *m) {
    free(m->tokenizer_file);
    free(m->options);
    m->tokenizer_file = m->options = NULL;
}

static void path_of(char *out, size_t n, const char *dir, const char *file) {
    snprintf(out, n, "%s/%s", dir, file);
}

static int write_str(FILE *f, const char *s) {
    uint64_t n = s ? strlen(s) : 0;
    return fwrite(&n, 8, 1, f) == 1 && (!n || fwrite(s, n, 1, f) == 1) ? 0 : -1;
}

/* A run killed while saving leaves "<CKPT_FILE>.tmp.<pid>": remove those of other processes. */
static void remove_stale_tmp(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char mine[64], prefix[256];
    snprintf(mine, sizeof mine, ".tmp.%d", (int)getpid());
    snprintf(prefix, sizeof prefix, "%s.tmp.", CKPT_FILE);
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) || strstr(e->d_name, mine)) continue;
        char p[4096];
        path_of(p, sizeof p, dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
}

int ckpt_save(const char *dir, gpt *model, const ckpt_meta *meta, char *err) {
    if (mkdir(dir, 0777) && errno != EEXIST) return err_set(err, "%s: cannot create: %s", dir, strerror(errno));
    remove_stale_tmp(dir);
    char path[4096], tmp[4200];
    path_of(path, sizeof path, dir, CKPT_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return err_set(err, "%s: cannot write: %s", tmp, strerror(errno));
    const gpt_config *c = gpt_cfg(model);
    int64_t h[F_N] = { 0 };
    h[F_VERSION] = 1; h[F_VOCAB] = c->vocab_size; h[F_SEQ] = c->seq_len; h[F_LAYER] = c->n_layer;
    h[F_HEAD] = c->n_head; h[F_EMBD] = c->n_embd; h[F_ROPE] = c->rope;
    h[F_NPARAMS] = (int64_t)gpt_num_params(model); h[F_HAS_OPTIM] = meta->has_optim;
    h[F_STEP] = meta->step; h[F_TOKENS] = meta->tokens; h[F_EPOCH] = meta->epoch; h[F_POS] = meta->pos;
    h[F_DATA_TOKENS] = meta->data_tokens; h[F_EOT] = meta->eot_id;
    char sha[64] = { 0 };
    memcpy(sha, meta->tokenizer_sha256, strnlen(meta->tokenizer_sha256, 64));
    size_t np = gpt_num_params(model);
    int ok = fwrite(magic, 8, 1, f) == 1 && fwrite(h, sizeof h, 1, f) == 1 && fwrite(sha, 64, 1, f) == 1 &&
             !write_str(f, meta->tokenizer_file) && !write_str(f, meta->options) &&
             fwrite(gpt_param_data(model), sizeof(float), np, f) == np;
    if (ok && meta->has_optim)
        ok = fwrite(gpt_adam_m(model), sizeof(float), np, f) == np &&
             fwrite(gpt_adam_v(model), sizeof(float), np, f) == np;
    if (fflush(f) || fsync(fileno(f))) ok = 0;
    if (fclose(f)) ok = 0;
    if (!ok) { unlink(tmp); return err_set(err, "%s: write failed: %s", tmp, strerror(errno)); }
    if (rename(tmp, path)) { unlink(tmp); return err_set(err, "%s: cannot rename: %s", path, strerror(errno)); }
    /* the options again, for people */
    char ypath[4096];
    path_of(ypath, sizeof ypath, dir, "config.yaml");
    FILE *y = fopen(ypath, "w");
    if (y) { fputs(meta->options ? meta->options : "", y); fclose(y); }
    return 0;
}

static int read_str(FILE *f, char **out) {
    uint64_t n;
    if (fread(&n, 8, 1, f) != 1 || n > (1u << 24)) return -1;
    *out = xmalloc(n + 1);
    if (n && fread(*out, n, 1, f) != 1) { free(*out); *out = NULL; return -1; }
    (*out)[n] = 0;
    return 0;
}

static FILE *open_meta(const char *dir, ckpt_meta *meta, char *path, size_t pn, char *err) {
    memset(meta, 0, sizeof *meta);
    path_of(path, pn, dir, CKPT_FILE);
    FILE *f = fopen(path, "rb");
    if (!f) { err_set(err, "%s: cannot open: %s", path, strerror(errno)); return NULL; }
    char mg[8], sha[64];
    int64_t h[F_N];
    if (fread(mg, 8, 1, f) != 1 || memcmp(mg, magic, 8)) {
        fclose(f);
        err_set(err, "%s: not a winnow checkpoint (bad magic)", path);
        return NULL;
    }
    if (fread(h, sizeof h, 1, f) != 1 || fread(sha, 64, 1, f) != 1 ||
        read_str(f, &meta->tokenizer_file) || read_str(f, &meta->options)) {
        fclose(f);
        ckpt_meta_free(meta);
        err_set(err, "%s: truncated checkpoint header", path);
        return NULL;
    }
    if (h[F_VERSION] != 1) {
        fclose(f);
        ckpt_meta_free(meta);
        err_set(err, "%s: checkpoint version %lld, this winnow reads 1", path, (long long)h[F_VERSION]);
        return NULL;
    }
    gpt_config *c = &meta->cfg;
    c->vocab_size = (int)h[F_VOCAB]; c->seq_len = (int)h[F_SEQ]; c->n_layer = (int)h[F_LAYER];
    c->n_head = (int)h[F_HEAD]; c->n_embd = (int)h[F_EMBD]; c->rope = (int)h[F_ROPE];
    meta->has_optim = (int)h[F_HAS_OPTIM];
    meta->step = h[F_STEP]; meta->tokens = h[F_TOKENS]; meta->epoch = h[F_EPOCH]; meta->pos = h[F_POS];
    meta->data_tokens = h[F_DATA_TOKENS]; meta->eot_id = h[F_EOT];
    memcpy(meta->tokenizer_sha256, sha, 64);
    meta->tokenizer_sha256[64] = 0;
    char e[ERR_MAX];
    size_t sizes[GPT_NTENSORS];
    if (gpt_config_check(c, e) || (int64_t)gpt_param_sizes(c, sizes) != h[F_NPARAMS]) {
        fclose(f);
        ckpt_meta_free(meta);
        err_set(err, "%s: inconsistent model configuration", path);
        return NULL;
    }
    return f;
}

int ckpt_read_meta(const char *dir, ckpt_meta *meta, char *err) {
    char path[4096];
    FILE *f = open_meta(dir, meta, path, sizeof path, err);
    if (!f) return -1;
    fclose(f);
    return 0;
}

gpt *ckpt_load(const char *dir, ckpt_meta *meta, int want_optim, char *err) {
    char path[4096];
    FILE *f = open_meta(dir, meta, path, sizeof path, err);
    if (!f) return NULL;
    gpt *m = gpt_new(&meta->cfg, 0, err);
    if (!m) { fclose(f); ckpt_meta_free(meta); return NULL; }
    size_t np = gpt_num_params(m);
    int ok = fread(gpt_param_data(m), sizeof(float), np, f) == np;
    if (ok && want_optim && meta->has_optim)
        ok = fread(gpt_adam_m(m), sizeof(float), np, f) == np && fread(gpt_adam_v(m), sizeof(float), np, f) == np;
    fclose(f);
    if (!ok) {
        gpt_free(m);
        ckpt_meta_free(meta);
        err_set(err, "%s: truncated checkpoint (parameters missing)", path);
        return NULL;
    }
    return m;
}
