/*
 * cmd_train — `winnow train --data DIR [options]`: train the small GPT of trainer/ on token
 * shards. Option precedence: defaults < the checkpoint's options (--resume) < --config YAML
 * < flags. Metrics go to --log as JSON lines and, abridged, to stderr.
 */
#include "cmds.h"
#include "../trainer/train.h"
#include "../trainer/ckpt.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b, "usage: winnow train --data DIR (--steps N | --max-tokens N | --epochs N) [options]\n\n"
                 "Train a small GPT (pre-LN, tied embeddings, AdamW, warmup + cosine) on the token shards\n"
                 "that 'winnow tokenize' wrote. Every option is also a key of --config train.yaml\n"
                 "(n_layer: 4). --resume DIR continues a run exactly.\n\noptions:\n");
    opt_help(train_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

/* The value of --NAME / --NAME=V / -c V in argv, without disturbing argv. */
static const char *find_flag(int argc, char **argv, const char *name, char shortname) {
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) break;
        if (a[0] == '-' && a[1] == '-' && !strncmp(a + 2, name, n)) {
            if (a[2 + n] == '=') return a + 3 + n;
            if (!a[2 + n] && i + 1 < argc) return argv[i + 1];
        }
        if (shortname && a[0] == '-' && a[1] == shortname && !a[2] && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

static void progress(void *ctx, const char *line) {
    fputs(line, stderr);
}

int cmd_train(int argc, char **argv) {
    train_cfg cfg;
    char err[ERR_MAX];
    opt_defaults(train_opts, &cfg);
    const char *resume = find_flag(argc, argv, "resume", 0);
    const char *config = find_flag(argc, argv, "config", 'c');
    if (resume) {
        ckpt_meta meta;
        if (ckpt_read_meta(resume, &meta, err)) { cmd_error("train", "%s", err); opt_free(train_opts, &cfg); return 1; }
        int rc = train_cfg_load_yaml(&cfg, resume, meta.options, err);
        ckpt_meta_free(&meta);
        if (rc) { cmd_error("train", "%s", err); opt_free(train_opts, &cfg); return 1; }
    }
    if (config && train_cfg_load_yaml(&cfg, config, NULL, err)) {
        cmd_error("train", "%s", err);
        opt_free(train_opts, &cfg);
        return 2;
    }
    /* Flags last; --eval-data given as flags replaces the list from the config. */
    if (find_flag(argc, argv, "eval-data", 0)) strlist_free(&cfg.eval_data);
    const opt_def *tables[] = { train_opts };
    void *cfgs[] = { &cfg };
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) { usage(stdout); opt_free(train_opts, &cfg); return 0; }
    if (npos < 0) { cmd_error("train", "%s", err); usage(stderr); opt_free(train_opts, &cfg); return 2; }
    if (npos == 1 && !cfg.data) cfg.data = xstrdup(argv[0]);
    else if (npos > 0) { cmd_error("train", "unexpected argument '%s'", argv[0]); opt_free(train_opts, &cfg); return 2; }
    if (!cfg.data) { cmd_error("train", "no training data: give --data DIR"); opt_free(train_opts, &cfg); return 2; }
    if (cfg.steps < 0 && cfg.max_tokens <= 0 && cfg.epochs <= 0) {
        cmd_error("train", "say how long to train: --steps N, --max-tokens N or --epochs N");
        opt_free(train_opts, &cfg);
        return 2;
    }
    int rc = train_run(&cfg, progress, NULL, err);
    if (rc) cmd_error("train", "%s", err);
    opt_free(train_opts, &cfg);
    return rc ? 1 : 0;
}
