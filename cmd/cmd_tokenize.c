/*
 * cmd_tokenize — `winnow tokenize --tokenizer T -o DIR [FILE...]`: JSONL documents to
 * shuffled, split, llm.c-compatible token shards with .idx files and manifest.json.
 * Options come from tokenize_opts (tokenizer/tokenize.h) plus the input options below; the
 * work is tokenizer/tokenize.c.
 */
#include "cmds.h"
#include "../pipeline/reader.h"
#include "../tokenizer/tokenize.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tk_in_cfg {
    char *on_error, *from, *split, *source;
    int stats;
} tk_in_cfg;

#define C(f) offsetof(tk_in_cfg, f)
static const opt_def tk_in_opts[] = {
    { "on-error", 0, OPT_ENUM, C(on_error), "fail", "bad input line: fail (exit 1) or skip (count it)", 0, 0, "fail|skip", NULL },
    { "from", 0, OPT_ENUM, C(from), "jsonl", "input format: jsonl, or text (plain text files become documents)", 0, 0, "jsonl|text", NULL },
    { "split", 0, OPT_ENUM, C(split), "none", "with --from text: one document per file, or per blank-line-separated paragraph", 0, 0, "none|paragraphs", NULL },
    { "source", 0, OPT_STRING, C(source), NULL, "with --from text: the documents' source field", 0, 0, NULL, "S" },
    { "stats", 0, OPT_BOOL, C(stats), NULL, "print a summary (documents, tokens, shards) to stderr", 0, 0, NULL, NULL },
    OPT_DEF_END,
};
#undef C

static void usage(FILE *f) {
    buf b = { 0 };
    buf_adds(&b, "usage: winnow tokenize --tokenizer FILE -o DIR [OPTIONS] [FILE...]\n\n"
                 "Encode the text of JSONL documents with a BPE tokenizer into shuffled, llm.c-compatible\n"
                 "token shards DIR/NAME_SPLIT_NNNNNN.bin (each document preceded by the end-of-text token),\n"
                 "one NAME_SPLIT_NNNNNN.idx per shard, and DIR/manifest.json (written last).\n"
                 "Reads the FILEs (plain, zstd or gzip; '-' or none: stdin).\n\ntokenize options:\n");
    opt_help(tokenize_opts, &b);
    buf_adds(&b, "\ninput options:\n");
    opt_help(tk_in_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

/* Options that cannot change a byte of the output; left out of the recorded command line so
 * that runs differing only in them write identical manifests. */
static int output_neutral(const char *a, int *takes_value) {
    static const char *const longs[] = { "--threads", "--memory", "--tmp-dir", "--stats", "--no-stats" };
    *takes_value = 0;
    if (!strcmp(a, "-j")) { *takes_value = 1; return 1; }
    if (!strncmp(a, "-j", 2) && a[2] >= '0' && a[2] <= '9') return 1;
    for (size_t i = 0; i < sizeof longs / sizeof *longs; i++) {
        size_t n = strlen(longs[i]);
        if (strncmp(a, longs[i], n)) continue;
        if (a[n] == '=') return 1;
        if (!a[n]) { *takes_value = i < 3; return 1; }
    }
    return 0;
}

/* The command line as a shell would re-read it (for the manifest), without the options
 * output_neutral names. */
static char *command_line(int argc, char **argv) {
    buf b = { 0 };
    buf_adds(&b, "winnow");
    int rest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int tv;
        if (!strcmp(a, "--")) rest = 1;
        if (i > 0 && !rest && output_neutral(a, &tv)) { i += tv; continue; }
        buf_addc(&b, ' ');
        if (*a && !a[strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./=:,+@%")]) {
            buf_adds(&b, a);
            continue;
        }
        buf_addc(&b, '\'');
        for (; *a; a++) {
            if (*a == '\'') buf_adds(&b, "'\\''");
            else buf_addc(&b, *a);
        }
        buf_addc(&b, '\'');
    }
    return b.p;
}

int cmd_tokenize(int argc, char **argv) {
    const char *cmd = "tokenize";
    char err[ERR_MAX] = "";
    char *cmdline = command_line(argc, argv);
    tokenize_cfg cfg;
    tk_in_cfg in;
    memset(&cfg, 0, sizeof cfg);
    memset(&in, 0, sizeof in);
    opt_defaults(tokenize_opts, &cfg);
    opt_defaults(tk_in_opts, &in);
    const opt_def *tables[2] = { tokenize_opts, tk_in_opts };
    void *cfgs[2] = { &cfg, &in };
    int status = 0;
    tokenize *t = NULL;
    doc d;
    doc_init(&d);
    uint64_t bad = 0;
    int npos = opt_parse_argv(tables, cfgs, 2, argc, argv, err);
    if (npos == -2) { usage(stdout); goto out; }
    if (npos < 0) { cmd_error(cmd, "%s", err); fprintf(stderr, "(see 'winnow tokenize -h')\n"); status = 2; goto out; }
    if (!cfg.tokenizer || !cfg.output) {
        cmd_error(cmd, "%s is required", !cfg.tokenizer ? "--tokenizer FILE" : "-o DIR");
        fprintf(stderr, "(see 'winnow tokenize -h')\n");
        status = 2;
        goto out;
    }
    t = tokenize_open(&cfg, cmdline, err);
    if (!t) { cmd_error(cmd, "%s", err); status = 1; goto out; }

    reader_opts ro = { .from_text = !strcmp(in.from, "text"), .split_paragraphs = !strcmp(in.split, "paragraphs"),
                       .source = in.source, .skip_bad = !strcmp(in.on_error, "skip") };
    static char *stdin_only[] = { "-" };
    char **files = npos ? argv : stdin_only;
    int nfiles = npos ? npos : 1;
    for (int i = 0; i < nfiles && status == 0; i++) {
        reader *r = reader_open(files[i], &ro, err);
        if (!r) { cmd_error(cmd, "%s", err); status = 1; break; }
        int k;
        while ((k = reader_next(r, &d, err)) != READER_EOF) {
            if (k == READER_ERR) { cmd_error(cmd, "%s", err); status = 1; break; }
            if (k == READER_BAD) { bad++; continue; }
            if (tokenize_add(t, d.id, d.id_len, d.text, d.text_len, err) < 0) {
                cmd_error(cmd, "%s", err); status = 1; break;
            }
        }
        reader_close(r);
    }
    if (status == 0 && tokenize_finish(t, err) < 0) { cmd_error(cmd, "%s", err); status = 1; }
    if (status == 0 && in.stats) {
        const manifest *m = tokenize_manifest(t);
        fprintf(stderr, "winnow tokenize: %llu documents, %llu tokens, %llu source bytes in %zu shards "
                        "(train %llu, val %llu); %llu empty skipped, %llu bad lines skipped, %u spills -> %s\n",
                (unsigned long long)m->documents, (unsigned long long)m->tokens,
                (unsigned long long)m->source_bytes, m->nshards, (unsigned long long)m->train.shards,
                (unsigned long long)m->val.shards, (unsigned long long)m->skipped_empty,
                (unsigned long long)bad, tokenize_spills(t), cfg.output);
    }
out:
    tokenize_free(t);
    doc_free(&d);
    opt_free(tokenize_opts, &cfg);
    opt_free(tk_in_opts, &in);
    free(cmdline);
    return status;
}
