/*
 * jsonl_bench — micro-benchmark of the JSONL codec alone: reads FILE in 1 MiB chunks, parses
 * every line into one reused doc and writes it back (jsonl_write) into a buffer flushed to
 * stdout every 1 MiB. Prints MB/s of input to stderr, by wall-clock and by CPU time (the
 * latter is steadier on a busy machine). `-p` parses only (no write).
 * Built by bench/jsonl.sh against the codec sources; not part of winnow.
 *   jsonl_bench [-p] FILE > /dev/null
 */
#include "../pipeline/jsonl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_clock(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now(void) { return now_clock(CLOCK_MONOTONIC); }
static double cpu(void) { return now_clock(CLOCK_PROCESS_CPUTIME_ID); }

int main(int argc, char **argv) {
    int parse_only = 0, ai = 1;
    if (ai < argc && !strcmp(argv[ai], "-p")) { parse_only = 1; ai++; }
    if (ai >= argc) { fprintf(stderr, "usage: jsonl_bench [-p] FILE\n"); return 2; }
    FILE *f = fopen(argv[ai], "rb");
    if (!f) { perror(argv[ai]); return 1; }
    double t0 = now(), c0 = cpu();
    buf in = {0}, out = {0};
    doc d = {0};
    jsonl_error e;
    uint64_t lineno = 0, bytes = 0, docs = 0;
    size_t start = 0;
    for (;;) {
        /* keep the unfinished line, read the next chunk after it */
        if (start) { memmove(in.p, in.p + start, in.len - start); in.len -= start; start = 0; }
        buf_reserve(&in, 1 << 20);
        size_t n = fread(in.p + in.len, 1, 1 << 20, f);
        in.len += n;
        int eof = n == 0;
        for (;;) {
            char *nl = memchr(in.p + start, '\n', in.len - start);
            if (!nl && !(eof && start < in.len)) break;
            size_t len = nl ? (size_t)(nl - (in.p + start)) : in.len - start;
            lineno++;
            if (jsonl_parse(&d, in.p + start, len, argv[ai], lineno, &e) < 0) {
                fprintf(stderr, "%s:%llu:%llu: %s\n", argv[ai], (unsigned long long)lineno, (unsigned long long)e.col, e.reason);
                return 1;
            }
            docs++;
            if (!parse_only) {
                jsonl_write(&d, &out);
                if (out.len >= 1 << 20) {
                    if (fwrite(out.p, 1, out.len, stdout) != out.len) return 1;
                    out.len = 0;
                }
            }
            bytes += len + (nl != NULL);
            start += len + (nl != NULL);
        }
        if (eof) break;
    }
    if (out.len && fwrite(out.p, 1, out.len, stdout) != out.len) return 1;
    fflush(stdout);
    double dt = now() - t0, dc = cpu() - c0;
    fprintf(stderr, "%llu docs, %.1f MB, %.3f s, %.1f MB/s (CPU time %.3f s, %.1f MB/s)\n", (unsigned long long)docs,
            bytes / 1e6, dt, bytes / 1e6 / dt, dc, bytes / 1e6 / dc);
    fclose(f);
    doc_free(&d); buf_free(&in); buf_free(&out);
    return 0;
}
