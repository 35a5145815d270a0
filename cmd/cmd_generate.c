/*
 * cmd_generate — `winnow generate --checkpoint C --prompt TEXT|--prompts FILE --tokens N`:
 * sample continuations from a checkpoint and measure their diversity (type-token ratio of the
 * last 96 tokens, distinct-1/2/3, repeated 4-grams). Text (or --jsonl) on stdout; the
 * metrics as one JSON line on stderr and in --metrics FILE.
 * The tokenizer is the checkpoint's (as recorded, or beside the training shards), or
 * --tokenizer FILE; its sha256 must match the checkpoint's.
 */
#include "cmds.h"
#include "../trainer/ckpt.h"
#include "../trainer/generate.h"
#include "../trainer/train.h"
#include "../tokenizer/bpe.h"
#include "../pipeline/jsonl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct gen_cfg {
    char *checkpoint, *prompts, *tokenizer, *metrics;
    strlist prompt;
    long long tokens, top_k, seed, samples, threads;
    double temperature;
    int greedy, jsonl, stop_eot;
} gen_cfg;

#define O(f) offsetof(gen_cfg, f)
static const opt_def gen_opts_def[] = {
    { "checkpoint", 'c', OPT_STRING, O(checkpoint), NULL, "checkpoint directory (winnow train --save)", 0, 0, NULL, "DIR" },
    { "prompt", 'p', OPT_STRS, O(prompt), NULL, "prompt text (repeatable; \"\" starts a fresh document)", 0, 0, NULL, "TEXT" },
    { "prompts", 0, OPT_STRING, O(prompts), NULL, "file of prompts, one per line", 0, 0, NULL, "FILE" },
    { "tokens", 'n', OPT_INT, O(tokens), "100", "tokens to generate per sample", 1, 1e9, NULL, "N" },
    { "samples", 0, OPT_INT, O(samples), "1", "samples per prompt", 1, 1e9, NULL, "N" },
    { "temperature", 't', OPT_DOUBLE, O(temperature), "1.0", "softmax temperature", 1e-6, 100, NULL, NULL },
    { "top-k", 'k', OPT_INT, O(top_k), "0", "sample among the K most likely tokens (0: all)", 0, 1e9, NULL, NULL },
    { "greedy", 0, OPT_BOOL, O(greedy), "false", "always the most likely token", 0, 0, NULL, NULL },
    { "stop-eot", 0, OPT_BOOL, O(stop_eot), "true", "stop a sample at the end-of-text token", 0, 0, NULL, NULL },
    { "seed", 0, OPT_INT, O(seed), "1", "sampling seed", 0, 1e18, NULL, NULL },
    { "tokenizer", 0, OPT_STRING, O(tokenizer), NULL, "tokenizer file (default: the checkpoint's)", 0, 0, NULL, "FILE" },
    { "jsonl", 0, OPT_BOOL, O(jsonl), "false", "one JSON line per sample with its metrics", 0, 0, NULL, NULL },
    { "metrics", 0, OPT_STRING, O(metrics), NULL, "also write the summary metrics (JSON) here", 0, 0, NULL, "FILE" },
    { "threads", 'j', OPT_INT, O(threads), "0", "threads (0: the environment's)", 0, 1024, NULL, NULL },
    OPT_DEF_END,
};
#undef O

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b, "usage: winnow generate --checkpoint DIR (--prompt TEXT | --prompts FILE) [--tokens N]\n"
                 "                       [--temperature T --top-k K | --greedy] [options]\n\n"
                 "Sample text from a checkpoint; report diversity: ttr96 (type-token ratio of the last\n"
                 "96 tokens), distinct-1/2/3 and rep4 (fraction of repeated 4-grams).\n\noptions:\n");
    opt_help(gen_opts_def, &b);
    fputs(b.p, f);
    buf_free(&b);
}

/* The tokenizer: --tokenizer, or the checkpoint's file as recorded, or beside its data dir. */
static bpe *load_tokenizer(const gen_cfg *cfg, const ckpt_meta *meta, char *err) {
    buf path = { 0 };
    if (cfg->tokenizer) buf_adds(&path, cfg->tokenizer);
    else if (meta->tokenizer_file && *meta->tokenizer_file && access(meta->tokenizer_file, R_OK) == 0)
        buf_adds(&path, meta->tokenizer_file);
    else if (meta->tokenizer_file && *meta->tokenizer_file) {
        train_cfg tc;
        opt_defaults(train_opts, &tc);
        if (train_cfg_load_yaml(&tc, "checkpoint", meta->options, err) == 0 && tc.data) {
            const char *slash = strrchr(meta->tokenizer_file, '/');
            buf_printf(&path, "%s/%s", tc.data, slash ? slash + 1 : meta->tokenizer_file);
        }
        opt_free(train_opts, &tc);
    }
    if (!path.len) { err_set(err, "no tokenizer recorded in the checkpoint: give --tokenizer FILE"); return NULL; }
    bpe *t = bpe_load(path.p, NULL, err);
    if (!t) { buf_free(&path); return NULL; }
    char hex[65];
    bpe_hash(t, hex);
    if (meta->tokenizer_sha256[0] && strcmp(hex, meta->tokenizer_sha256)) {
        err_set(err, "%s: sha256 %.12s… is not the tokenizer the checkpoint was trained with (%.12s…)",
                path.p, hex, meta->tokenizer_sha256);
        bpe_free(t);
        t = NULL;
    }
    buf_free(&path);
    return t;
}

/* A sampled token boundary can split a UTF-8 character: replace invalid sequences with
 * U+FFFD so the JSON lines stay valid UTF-8. */
static void utf8_clean(const char *p, size_t n, buf *out) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len && i + len <= n;
        for (size_t k = 1; ok && k < len; k++) ok = (s[i + k] & 0xc0) == 0x80;
        if (ok && len == 2) ok = c >= 0xc2;
        if (ok && len == 3) ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
        if (ok && len == 4) ok = c <= 0xf4 && !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
        if (ok) { buf_add(out, p + i, len); i += len; }
        else { buf_adds(out, "\xEF\xBF\xBD"); i++; }
    }
}

static void metrics_json(const gen_stats *s, buf *b) {
    double n = s->samples ? (double)s->samples : 1;
    buf_printf(b, "{\"samples\": %zu, \"ttr96\": ", s->samples);
    json_write_double(b, s->ttr96_sum / n);
    const char *names[3] = { "distinct_1", "distinct_2", "distinct_3" };
    for (int k = 0; k < 3; k++) {
        buf_printf(b, ", \"%s\": ", names[k]);
        json_write_double(b, s->total[k] ? (double)s->uniq[k] / (double)s->total[k] : 0);
    }
    buf_adds(b, ", \"rep4\": ");
    json_write_double(b, s->rep4_sum / n);
    buf_adds(b, "}\n");
}

int cmd_generate(int argc, char **argv) {
    gen_cfg cfg;
    char err[ERR_MAX];
    opt_defaults(gen_opts_def, &cfg);
    const opt_def *tables[] = { gen_opts_def };
    void *cfgs[] = { &cfg };
    int rc = 0, npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    gpt *m = NULL;
    bpe *tok = NULL;
    bpe_ctx *bc = NULL;
    ckpt_meta meta = { 0 };
    strlist prompts = { 0 };
    gen_stats st = { 0 };
    buf out = { 0 };
    uint32_t *ids = NULL, *gen = NULL;
    if (npos == -2) { usage(stdout); goto done; }
    if (npos < 0) { cmd_error("generate", "%s", err); usage(stderr); rc = 2; goto done; }
    if (npos > 0) { cmd_error("generate", "unexpected argument '%s'", argv[0]); rc = 2; goto done; }
    if (!cfg.checkpoint) { cmd_error("generate", "give --checkpoint DIR"); rc = 2; goto done; }
    for (size_t i = 0; i < cfg.prompt.n; i++) strlist_push(&prompts, cfg.prompt.v[i]);
    if (cfg.prompts) {
        FILE *f = fopen(cfg.prompts, "r");
        if (!f) { cmd_error("generate", "%s: cannot open", cfg.prompts); rc = 1; goto done; }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) >= 0) {
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
            strlist_push(&prompts, line);
        }
        free(line);
        fclose(f);
    }
    if (!prompts.n) { cmd_error("generate", "give --prompt TEXT or --prompts FILE"); rc = 2; goto done; }
    train_set_threads((int)cfg.threads);
    m = ckpt_load(cfg.checkpoint, &meta, 0, err);
    if (!m) { cmd_error("generate", "%s", err); rc = 1; goto done; }
    tok = load_tokenizer(&cfg, &meta, err);
    if (!tok) { cmd_error("generate", "%s", err); rc = 1; goto done; }
    bc = bpe_ctx_new(tok);
    int64_t eot = meta.eot_id >= 0 ? meta.eot_id : bpe_eot_id(tok);
    gen_opts go = { .tokens = (size_t)cfg.tokens, .temperature = cfg.temperature, .top_k = (int)cfg.top_k,
                    .greedy = cfg.greedy, .stop_id = cfg.stop_eot ? eot : -1 };
    for (size_t p = 0; p < prompts.n && !rc; p++) {
        size_t len = 0, cap = 0;
        if (eot >= 0) { ids = xrealloc(ids, 16 * sizeof(uint32_t)); cap = 16; ids[len++] = (uint32_t)eot; }
        bpe_encode(bc, prompts.v[p], strlen(prompts.v[p]), 0, &ids, &len, &cap);
        if (!len) { cmd_error("generate", "prompt %zu is empty and the tokenizer has no end-of-text token", p + 1); rc = 1; break; }
        for (long long s = 0; s < cfg.samples && !rc; s++) {
            uint64_t rng = (uint64_t)cfg.seed * 0x9e3779b97f4a7c15ULL ^ (p * 1000003 + (uint64_t)s);
            size_t ng = 0;
            gen_sample(m, ids, len, &go, &rng, &gen, &ng);
            size_t nm = ng && eot >= 0 && gen[ng - 1] == (uint32_t)eot ? ng - 1 : ng;   /* metrics without the stop token */
            gen_stats_add(&st, gen, nm);
            buf text = { 0 };
            if (bpe_decode(tok, gen, nm, &text, err)) { cmd_error("generate", "%s", err); rc = 1; buf_free(&text); break; }
            buf_reset(&out);
            if (cfg.jsonl) {
                buf_adds(&out, "{\"prompt\": ");
                json_write_string(&out, prompts.v[p], strlen(prompts.v[p]));
                buf_printf(&out, ", \"sample\": %lld, \"text\": ", s);
                buf clean = { 0 };
                utf8_clean(text.p ? text.p : "", text.len, &clean);
                json_write_string(&out, clean.p ? clean.p : "", clean.len);
                buf_free(&clean);
                buf_printf(&out, ", \"tokens\": %zu, \"ttr96\": ", nm);
                json_write_double(&out, gen_ttr_last(gen, nm, 96));
                buf_adds(&out, ", \"rep4\": ");
                json_write_double(&out, gen_repeated_ngrams(gen, nm, 4));
                buf_adds(&out, "}\n");
            } else {
                buf_adds(&out, prompts.v[p]);
                buf_add(&out, text.p ? text.p : "", text.len);
                buf_adds(&out, "\n\n");
            }
            buf_free(&text);
            if (fwrite(out.p, 1, out.len, stdout) != out.len) { rc = 1; break; }
        }
    }
    if (!rc) {
        buf_reset(&out);
        metrics_json(&st, &out);
        fputs(out.p, stderr);
        if (cfg.metrics) {
            FILE *f = fopen(cfg.metrics, "w");
            if (!f || fputs(out.p, f) == EOF || fclose(f)) { cmd_error("generate", "%s: cannot write", cfg.metrics); rc = 1; }
        }
    }
    if (fflush(stdout)) rc = 1;
done:
    free(ids);
    free(gen);
    buf_free(&out);
    gen_stats_free(&st);
    strlist_free(&prompts);
    if (bc) bpe_ctx_free(bc);
    if (tok) bpe_free(tok);
    ckpt_meta_free(&meta);
    gpt_free(m);
    opt_free(gen_opts_def, &cfg);
    return rc;
}
