/*
 * train — see train.h.
 */
#include "train.h"
#include "../pipeline/stats.h"
#include "ckpt.h"
#include "optim.h"
#include "../pipeline/yaml_tree.h"
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define O(f) offsetof(train_cfg, f)
const opt_def train_opts[] = {
    { "data", 'd', OPT_STRING, O(data), NULL, "shard directory (manifest.json): trains on its train split, validates on val", 0, 0, NULL, "DIR" },
    { "eval-data", 0, OPT_STRS, O(eval_data), NULL, "extra held-out shard directory, reported by name (repeatable)", 0, 0, NULL, "DIR" },
    { "n-layer", 0, OPT_INT, O(n_layer), "4", "transformer blocks", 1, 4096, NULL, NULL },
    { "n-head", 0, OPT_INT, O(n_head), "4", "attention heads", 1, 4096, NULL, NULL },
    { "n-embd", 0, OPT_INT, O(n_embd), "256", "model width", 1, 65536, NULL, NULL },
    { "seq-len", 0, OPT_INT, O(seq_len), "256", "context length in tokens", 1, 1 << 20, NULL, NULL },
    { "rope", 0, OPT_BOOL, O(rope), "false", "rotary position embedding instead of learned positions", 0, 0, NULL, NULL },
    { "batch-size", 'b', OPT_INT, O(batch_size), "8", "sequences per micro-batch", 1, 1 << 20, NULL, NULL },
    { "grad-accum", 0, OPT_INT, O(grad_accum), "1", "micro-batches per optimizer step", 1, 1 << 20, NULL, NULL },
    { "batch-tokens", 0, OPT_INT, O(batch_tokens), "0", "tokens per optimizer step (sets grad-accum; a multiple of batch-size x seq-len)", 0, 1e15, NULL, NULL },
    { "steps", 0, OPT_INT, O(steps), "-1", "optimizer steps (or --max-tokens, or --epochs); 0 saves the initial model", -1, 1e15, NULL, NULL },
    { "max-tokens", 0, OPT_INT, O(max_tokens), "0", "train on this many tokens", 0, 1e18, NULL, NULL },
    { "epochs", 0, OPT_DOUBLE, O(epochs), "0", "passes over the training windows", 0, 1e9, NULL, NULL },
    { "lr", 0, OPT_DOUBLE, O(lr), "6e-4", "peak learning rate", 0, 10, NULL, NULL },
    { "min-lr", 0, OPT_DOUBLE, O(min_lr), "6e-5", "learning rate at the end of the cosine decay", 0, 10, NULL, NULL },
    { "warmup-steps", 0, OPT_INT, O(warmup_steps), "0", "linear warmup steps", 0, 1e15, NULL, NULL },
    { "weight-decay", 0, OPT_DOUBLE, O(weight_decay), "0.1", "AdamW decoupled weight decay (matrices only)", 0, 10, NULL, NULL },
    { "beta1", 0, OPT_DOUBLE, O(beta1), "0.9", "AdamW beta1", 0, 1, NULL, NULL },
    { "beta2", 0, OPT_DOUBLE, O(beta2), "0.95", "AdamW beta2", 0, 1, NULL, NULL },
    { "eps", 0, OPT_DOUBLE, O(eps), "1e-8", "AdamW epsilon", 0, 1, NULL, NULL },
    { "grad-clip", 0, OPT_DOUBLE, O(grad_clip), "1.0", "clip the global gradient norm (0: off)", 0, 1e9, NULL, NULL },
    { "seed", 0, OPT_INT, O(seed), "1", "initialisation and data order", 0, 1e18, NULL, NULL },
    { "shuffle", 0, OPT_BOOL, O(shuffle), "true", "random windows (off: in order from offset 0)", 0, 0, NULL, NULL },
    { "eval-every", 0, OPT_INT, O(eval_every), "100", "evaluate every N steps (and at the end; 0: only at the end)", 0, 1e15, NULL, NULL },
    { "eval-tokens", 0, OPT_INT, O(eval_tokens), "0", "cap on tokens per evaluation (0: the whole split)", 0, 1e18, NULL, NULL },
    { "log", 0, OPT_STRING, O(log), NULL, "metrics as JSON lines (appended on --resume)", 0, 0, NULL, "FILE" },
    { "log-every", 0, OPT_INT, O(log_every), "1", "print progress every N steps", 1, 1e15, NULL, NULL },
    { "save", 0, OPT_STRING, O(save), NULL, "checkpoint directory, written every --save-every steps and at the end", 0, 0, NULL, "DIR" },
    { "save-every", 0, OPT_INT, O(save_every), "0", "checkpoint interval in steps (0: only at the end)", 0, 1e15, NULL, NULL },
    { "stop-at", 0, OPT_INT, O(stop_at), "0", "stop after this step (the schedule still runs to the end; resume later)", 0, 1e15, NULL, NULL },
    { "resume", 0, OPT_STRING, O(resume), NULL, "continue from this checkpoint directory (its options, then these flags)", 0, 0, NULL, "DIR" },
    { "threads", 'j', OPT_INT, O(threads), "0", "threads for OpenMP and OpenBLAS (0: the environment's)", 0, 1024, NULL, NULL },
    { "max-memory", 0, OPT_SIZE, O(max_memory), "0", "refuse configurations needing more (0: the memory available)", 0, 0, NULL, NULL },
    { "config", 'c', OPT_STRING, O(config), NULL, "YAML file of these options (flags override it)", 0, 0, NULL, "FILE" },
    OPT_DEF_END,
};
#undef O

/* Options a checkpoint does not carry: where this particular run reads and writes. */
static int run_local(const char *name) {
    return !strcmp(name, "resume") || !strcmp(name, "config") || !strcmp(name, "save") ||
           !strcmp(name, "log") || !strcmp(name, "threads") || !strcmp(name, "max-memory") ||
           !strcmp(name, "log-every") || !strcmp(name, "stop-at");
}

static void yaml_key(buf *out, const char *name) {
    for (const char *p = name; *p; p++) buf_addc(out, *p == '-' ? '_' : *p);
    buf_adds(out, ": ");
}
static void yaml_quoted(buf *out, const char *s) {
    buf_addc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_addc(out, '\\');
        buf_addc(out, *s);
    }
    buf_addc(out, '"');
}

void train_cfg_to_yaml(const train_cfg *cfg, buf *out) {
    for (const opt_def *d = train_opts; d->name; d++) {
        if (run_local(d->name)) continue;
        const char *base = (const char *)cfg + d->off;
        switch (d->type) {
        case OPT_BOOL: yaml_key(out, d->name); buf_adds(out, *(const int *)base ? "true\n" : "false\n"); break;
        case OPT_INT: case OPT_SIZE: yaml_key(out, d->name); buf_printf(out, "%lld\n", *(const long long *)base); break;
        case OPT_DOUBLE: yaml_key(out, d->name); buf_printf(out, "%.17g\n", *(const double *)base); break;
        case OPT_STRING: case OPT_ENUM: case OPT_LIST: {
            const char *s = *(char *const *)base;
            if (!s) break;
            yaml_key(out, d->name); yaml_quoted(out, s); buf_addc(out, '\n');
            break;
        }
        case OPT_STRS: {
            const strlist *l = (const strlist *)base;
            if (!l->n) break;
            yaml_key(out, d->name); buf_addc(out, '\n');
            for (size_t i = 0; i < l->n; i++) { buf_adds(out, "  - "); yaml_quoted(out, l->v[i]); buf_addc(out, '\n'); }
            break;
        }
        case OPT_END: break;
        }
    }
}

int train_cfg_load_yaml(train_cfg *cfg, const char *path, const char *text, char *err) {
    yaml_tree *t = NULL;
    char e[ERR_MAX];
    if (text ? yaml_tree_load_string(&t, text, strlen(text), path, e) : yaml_tree_load_file(&t, path, e))
        return err_set(err, "%s", e);
    int root = yaml_tree_root(t), rc = 0;
    if (root && yaml_tree_kind(t, root) != YAML_TREE_MAP) {
        rc = err_set(err, "%s:%d: expected a mapping of training options", path, yaml_tree_line(t, root));
        goto out;
    }
    for (size_t i = 0; root && i < yaml_tree_len(t, root); i++) {
        int k, v = yaml_tree_pair(t, root, i, &k);
        const char *key = yaml_tree_scalar(t, k);
        if (!key) { rc = err_set(err, "%s:%d: keys must be scalars", path, yaml_tree_line(t, k)); goto out; }
        const opt_def *d = opt_find(train_opts, key);
        if (yaml_tree_kind(t, v) == YAML_TREE_SEQ && d && d->type == OPT_STRS) {
            strlist_free((strlist *)((char *)cfg + d->off));
            for (size_t j = 0; j < yaml_tree_len(t, v); j++) {
                const char *s = yaml_tree_scalar(t, yaml_tree_item(t, v, j));
                if (!s || opt_set(train_opts, cfg, key, s, e)) {
                    rc = err_set(err, "%s:%d: %s", path, yaml_tree_line(t, v), s ? e : "expected a list of strings");
                    goto out;
                }
            }
            continue;
        }
        const char *val = yaml_tree_scalar(t, v);
        if (!val) { rc = err_set(err, "%s:%d: %s: expected a value", path, yaml_tree_line(t, v), key); goto out; }
        if (d && d->type == OPT_STRS) strlist_free((strlist *)((char *)cfg + d->off));
        if (opt_set(train_opts, cfg, key, val, e)) {
            rc = err_set(err, "%s:%d: %s", path, yaml_tree_line(t, k), e);
            goto out;
        }
    }
out:
    yaml_tree_free(t);
    return rc;
}

void train_set_threads(int n) {
    if (n <= 0) return;
    omp_set_num_threads(n);
}

int train_evaluate(gpt *m, const data_set *d, int B, long long max_tokens, double *loss,
                   double *bpb, long long *tokens, char *err) {
    const gpt_config *c = gpt_cfg(m);
    if (d->vocab_size != (uint32_t)c->vocab_size)
        return err_set(err, "%s: vocabulary of %u ids, the model has %d", d->dir, d->vocab_size, c->vocab_size);
    int T = c->seq_len;
    if (d->n < 2) return err_set(err, "%s: too few %s tokens to evaluate", d->dir, d->split);
    if ((uint64_t)T + 1 > d->n) T = (int)(d->n - 1);
    uint64_t nwin = (d->n - 1) / (uint64_t)T;
    if (max_tokens > 0 && nwin * (uint64_t)T > (uint64_t)max_tokens) nwin = (uint64_t)max_tokens / (uint64_t)T;
    if (!nwin) nwin = 1;
    int *ids = xmalloc(sizeof(int) * (size_t)B * T), *tg = xmalloc(sizeof(int) * (size_t)B * T);
    double sum = 0;
    for (uint64_t w = 0; w < nwin; w += (uint64_t)B) {
        int nb = (int)(nwin - w < (uint64_t)B ? nwin - w : (uint64_t)B);
        for (int b = 0; b < nb; b++) {
            const uint32_t *src = d->tokens + (w + b) * (uint64_t)T;
            for (int t = 0; t < T; t++) { ids[b * T + t] = (int)src[t]; tg[b * T + t] = (int)src[t + 1]; }
        }
        sum += (double)gpt_forward(m, ids, tg, nb, T) * nb * T;
    }
    free(ids);
    free(tg);
    *tokens = (long long)(nwin * (uint64_t)T);
    *loss = sum / (double)*tokens;
    *bpb = data_bpb(d, *loss);
    return 0;
}

/* JSON numbers: NaN and infinities are not JSON; write null. */
static void json_num(buf *b, const char *key, double v) {
    if (isfinite(v)) buf_printf(b, ", \"%s\": %.9g", key, v);
    else buf_printf(b, ", \"%s\": null", key);
}
static void json_str(buf *b, const char *s) {
    buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') { buf_addc(b, '\\'); buf_addc(b, (char)ch); }
        else if (ch < 0x20) buf_printf(b, "\\u%04x", ch);
        else buf_addc(b, (char)ch);
    }
    buf_addc(b, '"');
}

static int same_tokenizer(const data_set *a, const char *sha, uint32_t vocab, char *err, const char *what) {
    if (strcmp(a->tokenizer_sha256, sha) || a->vocab_size != vocab)
        return err_set(err, "%s: tokenized with a different tokenizer (sha256 %.12s…, vocab %u) than %s "
                       "(sha256 %.12s…, vocab %u)", a->dir, a->tokenizer_sha256, a->vocab_size, what, sha, vocab);
    return 0;
}

typedef struct run {
    data_set train, val, *extra;
    size_t nextra;
    int has_val;
    gpt *m;
    data_loader loader;
    int *ids, *targets;
    FILE *log;
} run;

static void run_free(run *r) {
    data_close(&r->train);
    if (r->has_val) data_close(&r->val);
    for (size_t i = 0; i < r->nextra; i++) data_close(&r->extra[i]);
    free(r->extra);
    gpt_free(r->m);
    loader_free(&r->loader);
    free(r->ids);
    free(r->targets);
    if (r->log) fclose(r->log);
}

/* Evaluate val and the extra sets into the metrics line. */
static int run_eval(run *r, const train_cfg *cfg, buf *line, char *err) {
    double loss, bpb;
    long long ntok;
    if (r->has_val) {
        if (train_evaluate(r->m, &r->val, (int)cfg->batch_size, cfg->eval_tokens, &loss, &bpb, &ntok, err)) return -1;
        json_num(line, "val_loss", loss);
        json_num(line, "val_bpb", bpb);
    }
    if (r->nextra) {
        buf_adds(line, ", \"eval\": {");
        for (size_t i = 0; i < r->nextra; i++) {
            if (train_evaluate(r->m, &r->extra[i], (int)cfg->batch_size, cfg->eval_tokens, &loss, &bpb, &ntok, err)) return -1;
            if (i) buf_adds(line, ", ");
            json_str(line, r->extra[i].name);
            buf_adds(line, ": {\"loss\": ");
            buf_printf(line, isfinite(loss) ? "%.9g" : "null", loss);
            buf_adds(line, ", \"bpb\": ");
            if (isfinite(bpb)) buf_printf(line, "%.9g", bpb); else buf_adds(line, "null");
            buf_addc(line, '}');
        }
        buf_addc(line, '}');
    }
    return 0;
}

static int run_save(run *r, const train_cfg *cfg, long long step, long long tokens, char *err) {
    ckpt_meta meta = { 0 };
    buf opts = { 0 };
    train_cfg_to_yaml(cfg, &opts);
    meta.step = step;
    meta.tokens = tokens;
    meta.epoch = (int64_t)r->loader.epoch;
    meta.pos = (int64_t)r->loader.pos;
    meta.data_tokens = (int64_t)r->train.n;
    meta.eot_id = r->train.eot_id;
    meta.has_optim = 1;
    memcpy(meta.tokenizer_sha256, r->train.tokenizer_sha256, sizeof meta.tokenizer_sha256);
    meta.tokenizer_file = r->train.tokenizer_file;
    meta.options = opts.p;
    int rc = ckpt_save(cfg->save, r->m, &meta, err);
    buf_free(&opts);
    return rc;
}

int train_run(const train_cfg *cfg, train_progress_fn progress, void *ctx, char *err) {
    run r = { 0 };
    char e[ERR_MAX];
    int rc = -1;
    if (!cfg->data) return err_set(err, "no training data: give --data DIR");
    train_set_threads((int)cfg->threads);
    if (data_open(&r.train, cfg->data, "train", 0, err)) return -1;
    if (data_open(&r.val, cfg->data, "val", 0, e) == 0) r.has_val = 1;
    else if (!strstr(e, "no val shards")) { err_set(err, "%s", e); goto out; }
    r.extra = xcalloc(cfg->eval_data.n + 1, sizeof(data_set));
    for (size_t i = 0; i < cfg->eval_data.n; i++) {
        if (data_open(&r.extra[i], cfg->eval_data.v[i], "val", 1, err)) goto out;
        r.nextra++;
        for (size_t j = 0; j < i; j++)          /* names are keys of the "eval" object */
            if (!strcmp(r.extra[j].name, r.extra[i].name)) {
                free(r.extra[i].name);
                r.extra[i].name = xstrdup(r.extra[i].dir);
                break;
            }
        if (same_tokenizer(&r.extra[i], r.train.tokenizer_sha256, r.train.vocab_size, err, cfg->data)) goto out;
    }
    if (r.has_val && same_tokenizer(&r.val, r.train.tokenizer_sha256, r.train.vocab_size, err, "its train split")) goto out;

    gpt_config mc = { .vocab_size = (int)r.train.vocab_size, .seq_len = (int)cfg->seq_len,
                      .n_layer = (int)cfg->n_layer, .n_head = (int)cfg->n_head,
                      .n_embd = (int)cfg->n_embd, .rope = cfg->rope };
    int B = (int)cfg->batch_size, T = (int)cfg->seq_len;
    if (gpt_memory_check(&mc, B, (size_t)cfg->max_memory, err)) goto out;
    long long step = 0, tokens = 0;
    if (loader_init(&r.loader, &r.train, T, (uint64_t)cfg->seed, cfg->shuffle, err)) goto out;
    if (cfg->resume) {
        ckpt_meta meta;
        r.m = ckpt_load(cfg->resume, &meta, 1, err);
        if (!r.m) goto out;
        int bad = memcmp(&meta.cfg, &mc, sizeof mc) != 0;
        if (strcmp(meta.tokenizer_sha256, r.train.tokenizer_sha256) || meta.cfg.vocab_size != mc.vocab_size) {
            err_set(err, "%s: tokenized with a different tokenizer (sha256 %.12s…, vocab %u) than the checkpoint "
                    "%s (sha256 %.12s…, vocab %d)", cfg->data, r.train.tokenizer_sha256, r.train.vocab_size,
                    cfg->resume, meta.tokenizer_sha256, meta.cfg.vocab_size);
            ckpt_meta_free(&meta);
            goto out;
        }
        if (bad) {
            err_set(err, "%s: the checkpoint's model (%d layers, %d heads, %d dims, seq %d) differs from the options",
                    cfg->resume, meta.cfg.n_layer, meta.cfg.n_head, meta.cfg.n_embd, meta.cfg.seq_len);
            ckpt_meta_free(&meta);
            goto out;
        }
        if (!meta.has_optim) { ckpt_meta_free(&meta); err_set(err, "%s: the checkpoint has no optimizer state", cfg->resume); goto out; }
        step = meta.step;
        tokens = meta.tokens;
        loader_seek(&r.loader, (uint64_t)meta.epoch, (uint64_t)meta.pos);
        ckpt_meta_free(&meta);
    } else {
        r.m = gpt_new(&mc, (uint64_t)cfg->seed, err);
        if (!r.m) goto out;
    }

    long long accum = cfg->grad_accum;
    if (cfg->batch_tokens > 0) {
        if (cfg->batch_tokens % ((long long)B * T)) {
            err_set(err, "--batch-tokens %lld is not a multiple of batch-size x seq-len = %lld", cfg->batch_tokens, (long long)B * T);
            goto out;
        }
        accum = cfg->batch_tokens / ((long long)B * T);
    }
    long long tokens_per_step = (long long)B * T * accum, total;
    if (cfg->steps >= 0) total = cfg->steps;
    else if (cfg->max_tokens > 0) total = (cfg->max_tokens + tokens_per_step - 1) / tokens_per_step;
    else if (cfg->epochs > 0)
        total = (long long)ceil(cfg->epochs * (double)loader_windows_per_epoch(&r.loader) / (double)(B * accum));
    else { err_set(err, "say how long to train: --steps N, --max-tokens N or --epochs N"); goto out; }
    if (total < 1 && cfg->steps != 0) total = 1;

    adamw_cfg oc = { .lr = cfg->lr, .min_lr = cfg->min_lr, .beta1 = cfg->beta1, .beta2 = cfg->beta2,
                     .eps = cfg->eps, .weight_decay = cfg->weight_decay, .grad_clip = cfg->grad_clip,
                     .warmup_steps = cfg->warmup_steps, .total_steps = total };
    if (cfg->log) {
        r.log = fopen(cfg->log, cfg->resume ? "a" : "w");
        if (!r.log) { err_set(err, "%s: cannot write: %s", cfg->log, strerror(errno)); goto out; }
    }
    r.ids = xmalloc(sizeof(int) * (size_t)B * T);
    r.targets = xmalloc(sizeof(int) * (size_t)B * T);
    buf line = { 0 };
    size_t np = gpt_num_params(r.m);
    long long stop = cfg->stop_at > 0 && cfg->stop_at < total ? cfg->stop_at : total;
    while (step < stop) {
        double t0 = stats_clock(), loss = 0;
        gpt_zero_grad(r.m);
        for (long long k = 0; k < accum; k++) {
            loader_next(&r.loader, r.ids, r.targets, B);
            loss += gpt_forward(r.m, r.ids, r.targets, B, T);
            gpt_backward(r.m, (float)(1.0 / accum));
        }
        loss /= (double)accum;
        if (!isfinite(loss)) { buf_free(&line); err_set(err, "training diverged: loss is %g at step %lld (lower --lr?)", loss, step + 1); goto out; }
        double norm = optim_norm(gpt_grad_data(r.m), np);
        double lr = optim_lr(&oc, step);
        optim_adamw_step(r.m, &oc, step + 1, lr, optim_clip_scale(&oc, norm));
        step++;
        tokens += tokens_per_step;
        double dt = stats_clock() - t0;
        buf_reset(&line);
        buf_printf(&line, "{\"step\": %lld, \"tokens\": %lld", step, tokens);
        json_num(&line, "train_loss", loss);
        json_num(&line, "lr", lr);
        json_num(&line, "grad_norm", norm);
        json_num(&line, "tokens_per_s", (double)tokens_per_step / dt);
        if ((cfg->eval_every && step % cfg->eval_every == 0) || step == total)
            if (run_eval(&r, cfg, &line, err)) { buf_free(&line); goto out; }
        buf_adds(&line, "}\n");
        if (r.log && (fputs(line.p, r.log) == EOF || fflush(r.log))) {
            buf_free(&line);
            err_set(err, "%s: write failed: %s", cfg->log, strerror(errno));
            goto out;
        }
        if (progress && (step % cfg->log_every == 0 || step == stop)) progress(ctx, line.p);
        if (cfg->save && ((cfg->save_every && step % cfg->save_every == 0) || step == stop))
            if (run_save(&r, cfg, step, tokens, err)) { buf_free(&line); goto out; }
    }
    if (cfg->save && total == 0 && run_save(&r, cfg, step, tokens, err)) { buf_free(&line); goto out; }
    buf_free(&line);
    rc = 0;
out:
    run_free(&r);
    return rc;
}
