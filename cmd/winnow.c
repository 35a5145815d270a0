/*
 * winnow — the command table (git.c style): every subcommand is listed once here with its
 * one-line summary; `winnow --help`, `winnow help CMD` and dispatch all read this table.
 */
#include "cmds.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <signal.h>
#include <unistd.h>

#ifndef WINNOW_VERSION
#define WINNOW_VERSION "0.1.0"
#endif


typedef struct command {
    const char *name;
    int (*fn)(int, char **);        /* or */
    const stage_class *stage;       /* run by stage_cmd_main */
    const char *summary;
} command;

static const command commands[] = {
    { "cat",      NULL,          &cat_stage,     "validate, concatenate, convert and recompress documents" },
    { "head",     NULL,          &head_stage,    "the first N documents" },
    { "sample",   NULL,          &sample_stage,  "a deterministic fraction of documents (by hash of seed and id)" },
    { "stats",    cmd_stats,     NULL,           "documents, bytes, characters, words, sources, length percentiles" },
    { "dedup",    NULL,          &dedup_stage,   "remove exact and near-duplicate documents, repeated lines or paragraphs" },
    { "filter",   NULL,          &filter_stage,  "quality rules: Gopher, Gopher repetition, C4, FineWeb" },
    { "tag",      NULL,          &tag_stage,     "inject domain tags such as <Wikipedia.org> by source or URL" },
    { "augment",  NULL,          &augment_stage, "paraphrase augmentation: permute, fullname, template, synonym, llm" },
    { "bpe",      cmd_bpe,       NULL,           "byte-level BPE: train, encode, decode, convert, info" },
    { "tokenize", cmd_tokenize,  NULL,           "documents to shuffled, sharded llm.c token files with a manifest" },
    { "shards",   cmd_shards,    NULL,           "inspect token shards: info, verify, cat" },
    { "train",    cmd_train,     NULL,           "train a small GPT on token shards" },
    { "eval",     cmd_eval,      NULL,           "loss and bits per byte of a checkpoint on shards" },
    { "generate", cmd_generate,  NULL,           "sample text from a checkpoint, with diversity metrics" },
    { "run",      cmd_run,       NULL,           "run a YAML pipeline: fused, parallel, resumable" },
    { "ablate",   cmd_ablate,    NULL,           "data-quality ablation: pipelines x training, one report" },
    { "slurm",    cmd_slurm,     NULL,           "run a pipeline as Slurm array jobs: submit, status, resubmit" },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

const stage_class *const winnow_stages[] = {
    &cat_stage, &head_stage, &sample_stage, &dedup_stage, &filter_stage, &tag_stage, &augment_stage, NULL,
};

void cmd_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "winnow %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cmd_usage(FILE *f, const char *text, const opt_def *opts) {
    buf b = {0};
    buf_adds(&b, text);
    buf_adds(&b, "\noptions:\n");
    opt_help(opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

static int available(const command *c) { return c->fn || (c->stage && c->stage->name); }

static void usage(FILE *f) {
    fprintf(f, "usage: winnow COMMAND [OPTIONS] [FILE...]\n\n"
               "Prepare pretraining corpora and measure what each data decision is worth.\n\n"
               "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (available(&commands[i])) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'winnow help COMMAND' or 'winnow COMMAND -h' shows a command's options.\n");
}

static const command *find(const char *name) {
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name) && available(&commands[i])) return &commands[i];
    return NULL;
}

static int dispatch(const command *c, int argc, char **argv) {
    if (c->fn) return c->fn(argc, argv);
    return stage_cmd_main(c->stage, argc, argv);
}

/* OpenBLAS (pthread build) starts a worker thread before main that spins in sched_yield;
 * winnow never uses it (the trainer calls BLAS single-threaded inside its own OpenMP blocks),
 * and on a busy 2-core machine the spin costs 10-15% of a filter's CPU time. Spinning OpenMP
 * waits likewise slow training when cores are shared. Both are settings read at library load,
 * so when the user set neither, winnow sets them and re-executes itself once (about 1 ms). */
static void tune_threads(char **argv) {
    int again = 0;
    if (!getenv("OPENBLAS_NUM_THREADS")) { setenv("OPENBLAS_NUM_THREADS", "1", 1); again = 1; }
    if (!getenv("OMP_WAIT_POLICY")) { setenv("OMP_WAIT_POLICY", "passive", 1); again = 1; }
    if (again) execv("/proc/self/exe", argv);   /* on failure, go on as we are */
}

int main(int argc, char **argv) {
    tune_threads(argv);
    signal(SIGPIPE, SIG_IGN);    /* writes to a closed pipe return EPIPE; commands end quietly */
    if (argc < 2) { usage(stderr); return 2; }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) { usage(stdout); return 0; }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) { printf("winnow %s\n", WINNOW_VERSION); return 0; }
    if (!strcmp(name, "help")) {
        if (argc < 3) { usage(stdout); return 0; }
        const command *c = find(argv[2]);
        if (!c) { cmd_error("help", "unknown command '%s'", argv[2]); return 2; }
        char *hargv[] = { argv[2], "--help", NULL };
        return dispatch(c, 2, hargv);
    }
    const command *c = find(name);
    if (!c) {
        fprintf(stderr, "winnow: unknown command '%s' (see 'winnow --help')\n", name);
        return 2;
    }
    return dispatch(c, argc - 1, argv + 1);
}
