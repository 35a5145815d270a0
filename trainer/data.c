/*
 * data — see data.h.
 */
#include "data.h"
#include "../pipeline/buf.h"
#include "../pipeline/manifest.h"
#include "../pipeline/shard.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *base_name(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    size_t s = n;
    while (s > 0 && dir[s - 1] != '/') s--;
    return xstrndup(dir + s, n - s);
}

int data_open(data_set *d, const char *dir, const char *split, int allow_fallback, char *err) {
    memset(d, 0, sizeof *d);
    manifest m;
    manifest_init(&m);
    char e[ERR_MAX];
    if (manifest_read(dir, &m, e)) { manifest_free(&m); return err_set(err, "%s", e); }
    const manifest_split *st = manifest_split_totals(&m, split);
    if ((!st || !st->shards) && allow_fallback && strcmp(split, "val") == 0) {
        split = "train";
        st = manifest_split_totals(&m, split);
    }
    if (!st || !st->shards || !st->tokens) {
        manifest_free(&m);
        return err_set(err, "%s: no %s shards in the manifest", dir, split);
    }
    d->dir = xstrdup(dir);
    d->name = m.name && *m.name ? xstrdup(m.name) : base_name(dir);
    snprintf(d->split, sizeof d->split, "%s", split);
    d->vocab_size = m.vocab_size;
    d->eot_id = m.eot_id;
    memcpy(d->tokenizer_sha256, m.tokenizer_sha256, sizeof d->tokenizer_sha256);
    d->tokenizer_file = xstrdup(m.tokenizer_file ? m.tokenizer_file : "");
    d->tokens = malloc(st->tokens * sizeof(uint32_t) + 4);
    if (!d->tokens) {
        manifest_free(&m);
        data_close(d);
        return err_set(err, "%s: cannot allocate %llu tokens", dir, (unsigned long long)st->tokens);
    }
    for (size_t i = 0; i < m.nshards; i++) {
        const manifest_shard *s = &m.shards[i];
        if (strcmp(s->split, split)) continue;
        char path[4096];
        if (manifest_shard_path(dir, s, path, sizeof path)) { err_set(err, "%s: path too long", dir); goto fail; }
        uint64_t xxh;
        if (shard_file_xxh3(path, &xxh, e)) { err_set(err, "%s", e); goto fail; }
        if (xxh != s->xxh3) {
            err_set(err, "%s: checksum %016llx does not match the manifest (%016llx): the shard is corrupt",
                    path, (unsigned long long)xxh, (unsigned long long)s->xxh3);
            goto fail;
        }
        uint32_t *t = NULL;
        uint64_t n = 0;
        if (shard_load(path, &t, &n, e)) { err_set(err, "%s", e); goto fail; }
        if (n != s->tokens || d->n + n > st->tokens) {
            free(t);
            err_set(err, "%s: %llu tokens, the manifest says %llu", path, (unsigned long long)n,
                    (unsigned long long)s->tokens);
            goto fail;
        }
        for (uint64_t k = 0; k < n; k++)
            if (t[k] >= d->vocab_size) {
                err_set(err, "%s: token %llu is id %u, outside the vocabulary of %u", path,
                        (unsigned long long)k, t[k], d->vocab_size);
                free(t);
                goto fail;
            }
        memcpy(d->tokens + d->n, t, n * sizeof(uint32_t));
        d->n += n;
        d->source_bytes += s->source_bytes;
        free(t);
    }
    manifest_free(&m);
    return 0;
fail:
    manifest_free(&m);
    data_close(d);
    return -1;
}

void data_close(data_set *d) {
    free(d->dir);
    free(d->name);
    free(d->tokens);
    free(d->tokenizer_file);
    memset(d, 0, sizeof *d);
}

double data_bpb(const data_set *d, double loss) {
    if (!d->source_bytes) return NAN;
    return loss * (double)d->n / (M_LN2 * (double)d->source_bytes);
}

static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void start_epoch(data_loader *l) {
    uint64_t h = mix64(l->seed ^ mix64(l->epoch + 0x51ed27));
    uint64_t n = l->d->n, T = (uint64_t)l->T;
    l->offset = l->shuffle ? h % T : 0;
    if (n < l->offset + T + 1) l->offset = 0;
    l->nwin = (n - 1 - l->offset) / T;
    free(l->perm);
    l->perm = xmalloc(l->nwin * sizeof(uint64_t));
    for (uint64_t i = 0; i < l->nwin; i++) l->perm[i] = i;
    if (!l->shuffle) return;
    uint64_t s = h;
    for (uint64_t i = l->nwin; i > 1; i--) {
        s = mix64(s);
        uint64_t j = s % i, tmp = l->perm[i - 1];
        l->perm[i - 1] = l->perm[j];
        l->perm[j] = tmp;
    }
}

int loader_init(data_loader *l, const data_set *d, int T, uint64_t seed, int shuffle, char *err) {
    memset(l, 0, sizeof *l);
    if (d->n < (uint64_t)T + 1)
        return err_set(err, "%s: %llu %s tokens, fewer than one window of seq_len + 1 = %d",
                       d->dir, (unsigned long long)d->n, d->split, T + 1);
    l->d = d;
    l->T = T;
    l->seed = seed;
    l->shuffle = shuffle;
    start_epoch(l);
    return 0;
}

void loader_free(data_loader *l) { free(l->perm); l->perm = NULL; }

void loader_seek(data_loader *l, uint64_t epoch, uint64_t pos) {
    l->epoch = epoch;
    start_epoch(l);
    l->pos = pos;
}

void loader_next(data_loader *l, int *ids, int *targets, int B) {
    int T = l->T;
    for (int b = 0; b < B; b++) {
        if (l->pos >= l->nwin) { l->epoch++; l->pos = 0; start_epoch(l); }
        const uint32_t *w = l->d->tokens + l->offset + l->perm[l->pos++] * (uint64_t)T;
        for (int t = 0; t < T; t++) {
            ids[b * T + t] = (int)w[t];
            targets[b * T + t] = (int)w[t + 1];
        }
    }
}

uint64_t loader_windows_per_epoch(const data_loader *l) { return (l->d->n - 1) / (uint64_t)l->T; }
