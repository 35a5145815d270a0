/*
 * cmd_stats — `winnow stats [FILE...]`: documents, bytes, characters, words, per-source
 * counts and length percentiles, as a table or --json. Words here are whitespace-separated
 * runs (a cheap corpus summary; the quality filter counts words with ICU).
 * Costs: one pass; 8 bytes per document for the percentiles.
 */
#include "cmds.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/reader.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stats_cfg { int json; char *from; char *on_error; } stats_cfg;
static const opt_def stats_opts[] = {
    { "json", 0, OPT_BOOL, offsetof(stats_cfg, json), NULL, "print JSON instead of a table", 0, 0, NULL, NULL },
    { "from", 0, OPT_ENUM, offsetof(stats_cfg, from), "jsonl", "input format", 0, 0, "jsonl|text", NULL },
    { "on-error", 0, OPT_ENUM, offsetof(stats_cfg, on_error), "fail", "bad line: fail or skip", 0, 0, "fail|skip", NULL },
    OPT_DEF_END,
};

typedef struct src_count { char *name; uint64_t docs, bytes; } src_count;

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}
static int cmp_src(const void *a, const void *b) {
    const src_count *x = a, *y = b;
    if (x->docs != y->docs) return x->docs > y->docs ? -1 : 1;
    return strcmp(x->name, y->name);
}

static uint64_t pct(const uint64_t *v, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int cmd_stats(int argc, char **argv) {
    stats_cfg c;
    opt_defaults(stats_opts, &c);
    const opt_def *tables[1] = { stats_opts };
    void *cfgs[1] = { &c };
    char err[ERR_MAX];
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) {
        cmd_usage(stdout, "usage: winnow stats [OPTIONS] [FILE...]\n\nDocuments, bytes, characters, words, per-source counts and length percentiles.\n", stats_opts);
        opt_free(stats_opts, &c);
        return 0;
    }
    if (npos < 0) { cmd_error("stats", "%s", err); opt_free(stats_opts, &c); return 2; }
    reader_opts ro = { .from_text = !strcmp(c.from, "text"), .skip_bad = !strcmp(c.on_error, "skip") };
    static char *stdin_only[] = { "-" };
    char **files = npos ? argv : stdin_only;
    int nfiles = npos ? npos : 1;

    uint64_t docs = 0, bytes = 0, chars = 0, words = 0, bad = 0;
    uint64_t *lens = NULL;
    size_t nlens = 0, caplens = 0;
    src_count *src = NULL;
    size_t nsrc = 0;
    doc d;
    doc_init(&d);
    int status = 0;
    for (int i = 0; i < nfiles && !status; i++) {
        reader *r = reader_open(files[i], &ro, err);
        if (!r) { cmd_error("stats", "%s", err); status = 1; break; }
        for (;;) {
            int g = reader_next(r, &d, err);
            if (g == READER_EOF) break;
            if (g == READER_ERR) { cmd_error("stats", "%s", err); status = 1; break; }
            if (g == READER_BAD) { bad++; continue; }
            docs++;
            bytes += d.text_len;
            uint64_t ch = 0, w = 0;
            int inword = 0;
            const unsigned char *p = (const unsigned char *)d.text;
            for (size_t k = 0; k < d.text_len; k++) {
                unsigned x = p[k];
                ch += (x & 0xC0) != 0x80;
                int sp = x == ' ' || x == '\n' || x == '\t' || x == '\r' || x == '\f' || x == '\v';
                if (!sp && !inword) w++;
                inword = !sp;
            }
            chars += ch;
            words += w;
            if (nlens == caplens) { caplens = caplens ? caplens * 2 : 1024; lens = xrealloc(lens, caplens * sizeof *lens); }
            lens[nlens++] = ch;
            const char *sname = d.has_source ? d.source : "(none)";
            size_t j = 0;
            while (j < nsrc && strcmp(src[j].name, sname)) j++;
            if (j == nsrc) {
                src = xrealloc(src, (nsrc + 1) * sizeof *src);
                src[nsrc].name = xstrdup(sname);
                src[nsrc].docs = src[nsrc].bytes = 0;
                nsrc++;
            }
            src[j].docs++;
            src[j].bytes += d.text_len;
        }
        reader_close(r);
    }
    doc_free(&d);
    if (!status) {
        qsort(lens, nlens, sizeof *lens, cmp_u64);
        qsort(src, nsrc, sizeof *src, cmp_src);
        double ps[] = { 0.0, 0.1, 0.5, 0.9, 0.99, 1.0 };
        const char *pn[] = { "min", "p10", "p50", "p90", "p99", "max" };
        if (c.json) {
            buf b = {0};
            buf_printf(&b, "{\"documents\":%llu,\"bytes\":%llu,\"characters\":%llu,\"words\":%llu,\"bad_lines\":%llu,\"chars_per_doc\":{",
                       (unsigned long long)docs, (unsigned long long)bytes, (unsigned long long)chars,
                       (unsigned long long)words, (unsigned long long)bad);
            for (int k = 0; k < 6; k++) buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", pn[k], (unsigned long long)pct(lens, nlens, ps[k]));
            buf_adds(&b, "},\"sources\":{");
            for (size_t j = 0; j < nsrc; j++) {
                if (j) buf_addc(&b, ',');
                json_write_string(&b, src[j].name, strlen(src[j].name));
                buf_printf(&b, ":{\"documents\":%llu,\"bytes\":%llu}", (unsigned long long)src[j].docs, (unsigned long long)src[j].bytes);
            }
            buf_adds(&b, "}}\n");
            fputs(b.p, stdout);
            buf_free(&b);
        } else {
            printf("documents   %12llu\nbytes       %12llu\ncharacters  %12llu\nwords       %12llu\n",
                   (unsigned long long)docs, (unsigned long long)bytes, (unsigned long long)chars, (unsigned long long)words);
            if (bad) printf("bad lines   %12llu\n", (unsigned long long)bad);
            printf("characters per document:");
            for (int k = 0; k < 6; k++) printf(" %s %llu", pn[k], (unsigned long long)pct(lens, nlens, ps[k]));
            printf("\nsources:\n");
            for (size_t j = 0; j < nsrc; j++)
                printf("  %-32s %10llu docs %14llu bytes\n", src[j].name, (unsigned long long)src[j].docs, (unsigned long long)src[j].bytes);
        }
        if (fflush(stdout)) status = 1;
    }
    for (size_t j = 0; j < nsrc; j++) free(src[j].name);
    free(src);
    free(lens);
    opt_free(stats_opts, &c);
    return status;
}
