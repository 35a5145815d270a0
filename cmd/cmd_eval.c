/*
 * cmd_eval — `winnow eval --checkpoint C --data DIR [--data DIR2 ...]`: mean loss (nats per
 * token) and bits per byte of a checkpoint on the held-out split of shard directories, one
 * JSON line per directory on stdout.
 */
#include "cmds.h"
#include "../trainer/ckpt.h"
#include "../trainer/data.h"
#include "../trainer/train.h"
#include "../pipeline/jsonl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct eval_cfg {
    char *checkpoint, *split;
    strlist data;
    long long batch_size, eval_tokens, threads;
} eval_cfg;

#define O(f) offsetof(eval_cfg, f)
static const opt_def eval_opts[] = {
    { "checkpoint", 'c', OPT_STRING, O(checkpoint), NULL, "checkpoint directory (winnow train --save)", 0, 0, NULL, "DIR" },
    { "data", 'd', OPT_STRS, O(data), NULL, "shard directory to evaluate on (repeatable)", 0, 0, NULL, "DIR" },
    { "split", 0, OPT_ENUM, O(split), "val", "which split of each directory", 0, 0, "val|train", NULL },
    { "batch-size", 'b', OPT_INT, O(batch_size), "8", "sequences per forward pass", 1, 1 << 20, NULL, NULL },
    { "eval-tokens", 0, OPT_INT, O(eval_tokens), "0", "cap on tokens evaluated (0: all)", 0, 1e18, NULL, NULL },
    { "threads", 'j', OPT_INT, O(threads), "0", "threads (0: the environment's)", 0, 1024, NULL, NULL },
    OPT_DEF_END,
};
#undef O

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b, "usage: winnow eval --checkpoint DIR --data DIR [--data DIR...] [options]\n\n"
                 "Loss and bits per byte of a checkpoint on held-out shards; one JSON line per\n"
                 "directory: {\"data\", \"name\", \"split\", \"tokens\", \"loss\", \"bpb\"}.\n\noptions:\n");
    opt_help(eval_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

int cmd_eval(int argc, char **argv) {
    eval_cfg cfg;
    char err[ERR_MAX];
    opt_defaults(eval_opts, &cfg);
    const opt_def *tables[] = { eval_opts };
    void *cfgs[] = { &cfg };
    int rc = 0, npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) { usage(stdout); goto out; }
    if (npos < 0) { cmd_error("eval", "%s", err); usage(stderr); rc = 2; goto out; }
    for (int i = 0; i < npos; i++) strlist_push(&cfg.data, argv[i]);
    if (!cfg.checkpoint || !cfg.data.n) { cmd_error("eval", "give --checkpoint DIR and --data DIR"); rc = 2; goto out; }
    train_set_threads((int)cfg.threads);
    ckpt_meta meta;
    gpt *m = ckpt_load(cfg.checkpoint, &meta, 0, err);
    if (!m) { cmd_error("eval", "%s", err); rc = 1; goto out; }
    buf line = { 0 };
    for (size_t i = 0; i < cfg.data.n && !rc; i++) {
        data_set d;
        if (data_open(&d, cfg.data.v[i], cfg.split, 1, err)) { cmd_error("eval", "%s", err); rc = 1; break; }
        if (strcmp(d.tokenizer_sha256, meta.tokenizer_sha256) || d.vocab_size != (uint32_t)meta.cfg.vocab_size) {
            cmd_error("eval", "%s: tokenized with a different tokenizer (sha256 %.12s…, vocab %u) than the "
                      "checkpoint %s (sha256 %.12s…, vocab %d)", d.dir, d.tokenizer_sha256, d.vocab_size,
                      cfg.checkpoint, meta.tokenizer_sha256, meta.cfg.vocab_size);
            data_close(&d);
            rc = 1;
            break;
        }
        double loss, bpb;
        long long ntok;
        if (train_evaluate(m, &d, (int)cfg.batch_size, cfg.eval_tokens, &loss, &bpb, &ntok, err)) {
            cmd_error("eval", "%s", err);
            rc = 1;
        } else {
            buf_reset(&line);
            buf_adds(&line, "{\"data\": ");
            json_write_string(&line, d.dir, strlen(d.dir));
            buf_adds(&line, ", \"name\": ");
            json_write_string(&line, d.name, strlen(d.name));
            buf_printf(&line, ", \"split\": \"%s\", \"tokens\": %lld, \"loss\": ", d.split, ntok);
            json_write_double(&line, loss);
            buf_adds(&line, ", \"bpb\": ");
            json_write_double(&line, bpb);
            buf_adds(&line, "}\n");
            fputs(line.p, stdout);
        }
        data_close(&d);
    }
    buf_free(&line);
    ckpt_meta_free(&meta);
    gpt_free(m);
    if (fflush(stdout)) rc = 1;
out:
    opt_free(eval_opts, &cfg);
    return rc;
}
