/*
 * jansson_roundtrip — the peer of `winnow cat` in bench/jsonl.sh: reads JSONL (one object per
 * line), parses every line with jansson (json_loadb) and writes it back compactly
 * (json_dumpb, JSON_COMPACT | JSON_PRESERVE_ORDER), like a DOM-based filter would.
 * Prints docs and MB/s to stderr.   jansson_roundtrip FILE > /dev/null
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: jansson_roundtrip FILE\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    char *line = NULL, *out = NULL;
    size_t cap = 0, ocap = 0;
    ssize_t n;
    unsigned long long docs = 0, bytes = 0, lineno = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        bytes += (unsigned long long)n;
        size_t len = (size_t)n;
        if (line[len - 1] == '\n') len--;
        json_error_t e;
        json_t *j = json_loadb(line, len, 0, &e);
        if (!j) { fprintf(stderr, "%s:%llu: %s\n", argv[1], lineno, e.text); return 1; }
        size_t need = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (need + 1 > ocap) { ocap = need * 2 + 1; out = realloc(out, ocap); }
        size_t m = json_dumpb(j, out, ocap, JSON_COMPACT | JSON_PRESERVE_ORDER);
        out[m] = '\n';
        fwrite(out, 1, m + 1, stdout);
        json_decref(j);
        docs++;
    }
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    fprintf(stderr, "%llu docs, %.1f MB, %.3f s, %.1f MB/s\n", docs, bytes / 1e6, dt, bytes / 1e6 / dt);
    free(line); free(out); fclose(f);
    return 0;
}
