/*
 * cmd_stage — the generic driver behind every stage command (`winnow cat|head|sample|dedup|
 * filter|tag|augment`): parses the stage's option table and the common options below, reads
 * the inputs (files or stdin), runs the stage as a chain of one, writes documents to stdout or
 * -o, dropped ones to --rejects, and reports --stats / --stats-json / --progress.
 */
#include "cmds.h"
#include "../pipeline/stats.h"
#include "../pipeline/chain.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/reader.h"
#include "../pipeline/stream.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct common_cfg {
    char *output, *rejects, *on_error, *stats_json, *compress, *from, *split, *source;
    int stats, progress;
    long long level;
} common_cfg;

#define C(f) offsetof(common_cfg, f)
static const opt_def common_opts[] = {
    { "output", 'o', OPT_STRING, C(output), NULL, "write documents to FILE (atomic; .zst/.gz compress) instead of stdout", 0, 0, NULL, "FILE" },
    { "rejects", 0, OPT_STRING, C(rejects), NULL, "keep dropped documents in FILE with meta.reject = {stage, reason}", 0, 0, NULL, "FILE" },
    { "on-error", 0, OPT_ENUM, C(on_error), "fail", "bad input line: fail (exit 1) or skip (count it, keep it in --rejects)", 0, 0, "fail|skip", NULL },
    { "stats", 0, OPT_BOOL, C(stats), NULL, "print a summary (in/out/dropped by reason) to stderr", 0, 0, NULL, NULL },
    { "stats-json", 0, OPT_STRING, C(stats_json), NULL, "write the summary as JSON to FILE", 0, 0, NULL, "FILE" },
    { "progress", 0, OPT_BOOL, C(progress), "true", "progress line on stderr when it is a terminal (--no-progress: never)", 0, 0, NULL, NULL },
    { "compress", 0, OPT_ENUM, C(compress), "auto", "output compression (auto: from the -o name)", 0, 0, "auto|zstd|gzip|none", NULL },
    { "level", 0, OPT_INT, C(level), "0", "compression level (0: the library default)", 0, 22, NULL, NULL },
    { "from", 0, OPT_ENUM, C(from), "jsonl", "input format: jsonl, or text (plain text files become documents)", 0, 0, "jsonl|text", NULL },
    { "split", 0, OPT_ENUM, C(split), "none", "with --from text: one document per file, or per blank-line-separated paragraph", 0, 0, "none|paragraphs", NULL },
    { "source", 0, OPT_STRING, C(source), NULL, "with --from text: the documents' source field", 0, 0, NULL, "S" },
    OPT_DEF_END,
};

typedef struct sink {
    const char *cmd;
    outstream *out, *rej;
    buf line;
    int failed;             /* a write failed: message in err */
    char err[ERR_MAX];
} sink;

static int sink_write(sink *k, outstream *o, doc *d) {
    int r = doc_write(o, d, &k->line);
    if (r == STREAM_EPIPE) return STREAM_EPIPE;
    if (r) { k->failed = 1; snprintf(k->err, ERR_MAX, "%s", outstream_error(o)); return -1; }
    return 0;
}
static int sink_out(void *ctx, doc *d) { sink *k = ctx; return sink_write(k, k->out, d); }
static int sink_rej(void *ctx, doc *d) { sink *k = ctx; return sink_write(k, k->rej, d); }

static void usage(const stage_class *cls, FILE *f) {
    buf b = {0};
    buf_printf(&b, "usage: winnow %s [OPTIONS] [FILE...]\n\n%s.\nReads JSONL documents from the FILEs (plain, zstd or gzip; '-' or none: stdin).\n\n",
               cls->name, cls->summary);
    if (cls->opts && cls->opts->name) {
        buf_printf(&b, "%s options:\n", cls->name);
        opt_help(cls->opts, &b);
        buf_addc(&b, '\n');
    }
    buf_adds(&b, "common options:\n");
    opt_help(common_opts, &b);
    fputs(b.p, f);
    buf_free(&b);
}

typedef struct progress {
    int on;
    double t0, last;
    uint64_t done_raw, total_raw;   /* compressed bytes of finished files / all files */
} progress;

static void progress_show(progress *p, const stats *st, const reader *r, int final) {
    double t = stats_clock();
    if (!final && t - p->last < 0.5) return;
    p->last = t;
    uint64_t raw = p->done_raw + (r ? instream_raw_bytes(reader_stream(r)) : 0);
    double el = t - p->t0, mb = st->bytes_in / 1e6;
    fprintf(stderr, "\r%llu docs  %.1f MB  %.1f MB/s", (unsigned long long)st->docs_in, mb, el > 0 ? mb / el : 0);
    if (p->total_raw && raw && !final) {
        double eta = el * ((double)p->total_raw / raw - 1);
        fprintf(stderr, "  %.0f%%  ETA %.0fs", 100.0 * raw / p->total_raw, eta > 0 ? eta : 0);
    }
    fprintf(stderr, final ? "\n" : "   ");
}

int stage_cmd_main(const stage_class *cls, int argc, char **argv) {
    const char *name = cls->name;
    common_cfg cc;
    memset(&cc, 0, sizeof cc);
    opt_defaults(common_opts, &cc);
    stage *s = stage_new(cls);
    const opt_def *tables[2] = { cls->opts, common_opts };
    void *cfgs[2] = { s->cfg, &cc };
    char err[ERR_MAX] = "";
    int status = 0;
    int npos = opt_parse_argv(tables, cfgs, 2, argc, argv, err);
    if (npos == -2) { usage(cls, stdout); status = 0; goto out_early; }
    if (npos < 0) { cmd_error(name, "%s", err); fprintf(stderr, "(see 'winnow %s -h')\n", name); status = 2; goto out_early; }
    if (stage_init(s, err)) { cmd_error(name, "%s", err); status = 2; goto out_early; }

    compress_kind ck = COMPRESS_AUTO;
    compress_parse(cc.compress, &ck);
    sink k = { .cmd = name };
    k.out = outstream_open(cc.output, ck, (int)cc.level, err);
    if (!k.out) { cmd_error(name, "%s", err); status = 1; goto out_early; }
    if (cc.rejects) {
        k.rej = outstream_open(cc.rejects, COMPRESS_AUTO, (int)cc.level, err);
        if (!k.rej) { cmd_error(name, "%s", err); outstream_abort(k.out); status = 1; goto out_early; }
    }
    stage *stages[1] = { s };
    chain *ch = chain_new(stages, 1, sink_out, k.rej ? sink_rej : NULL, &k);

    reader_opts ro = { .from_text = !strcmp(cc.from, "text"), .split_paragraphs = !strcmp(cc.split, "paragraphs"),
                       .source = cc.source, .skip_bad = !strcmp(cc.on_error, "skip") };
    static char *stdin_only[] = { "-" };
    char **files = npos ? argv : stdin_only;
    int nfiles = npos ? npos : 1;

    progress pg = { .on = cc.progress && isatty(2), .t0 = stats_clock() };
    for (int i = 0; i < nfiles && pg.on; i++) {
        struct stat sb;
        if (strcmp(files[i], "-") && !stat(files[i], &sb)) pg.total_raw += (uint64_t)sb.st_size;
    }

    doc d;
    doc_init(&d);
    int r = 0;
    for (int i = 0; i < nfiles && !r; i++) {
        reader *rd = reader_open(files[i], &ro, err);
        if (!rd) { r = -1; break; }
        for (;;) {
            int got = reader_next(rd, &d, err);
            if (got == READER_EOF) break;
            if (got == READER_ERR) { r = -1; break; }
            if (got == READER_BAD) {
                s->stats.errors_skipped++;
                cmd_error(name, "%s (skipped)", err);
                if (k.rej) {
                    stage_mark_reject(&d, "read", "bad input", err);
                    if ((r = sink_rej(&k, &d))) break;
                }
                continue;
            }
            if ((r = chain_push(ch, &d, err))) break;
            if (pg.on && (s->stats.docs_in & 1023) == 0) progress_show(&pg, &s->stats, rd, 0);
        }
        if (pg.on) pg.done_raw += instream_raw_bytes(reader_stream(rd));
        reader_close(rd);
    }
    if (r == STAGE_DONE) r = 0;
    if (!r) r = chain_finish(ch, err);
    if (r == STAGE_DONE) r = 0;
    if (pg.on) progress_show(&pg, &s->stats, NULL, 1);
    s->stats.peak_rss_kb = stats_peak_rss_kb();

    if (r == STREAM_EPIPE) {
        /* a closed pipe downstream (| head): end quietly */
        outstream_abort(k.out);
        if (k.rej) outstream_close(k.rej);
        status = 0;
    } else if (r) {
        cmd_error(name, "%s", k.failed ? k.err : err);
        /* what was written to stdout stays written; a -o file is not left half-written */
        if (!cc.output || !strcmp(cc.output, "-")) outstream_close(k.out); else outstream_abort(k.out);
        if (k.rej) outstream_close(k.rej);
        status = 1;
    } else {
        if (k.rej && outstream_close(k.rej) == STREAM_ERR) { cmd_error(name, "%s", outstream_error(k.rej)); outstream_abort(k.rej); status = 1; }
        int c = outstream_close(k.out);
        if (c == STREAM_ERR) { cmd_error(name, "%s", outstream_error(k.out)); outstream_abort(k.out); status = 1; }
    }
    if (cc.stats) {
        buf b = {0};
        stats_text(&s->stats, name, &b);
        fputs(b.p, stderr);
        buf_free(&b);
    }
    if (cc.stats_json) {
        buf b = {0};
        buf_adds(&b, "{\"stage\":");
        json_write_string(&b, name, strlen(name));
        buf_adds(&b, ",\"stats\":");
        stats_json(&s->stats, &b);
        buf_adds(&b, "}\n");
        if (stream_write_file(cc.stats_json, b.p, b.len, err)) { cmd_error(name, "%s", err); status = status ? status : 1; }
        buf_free(&b);
    }
    if (!status && s->stats.errors_skipped) cmd_error(name, "%llu bad lines skipped", (unsigned long long)s->stats.errors_skipped);
    doc_free(&d);
    chain_free(ch);
    buf_free(&k.line);
out_early:
    opt_free(common_opts, &cc);
    stage_free(s);
    return status;
}
