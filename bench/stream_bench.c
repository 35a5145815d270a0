/* stream_bench — times pipeline/stream alone (no JSON): `lines FILE` reads every line,
 * `copy IN OUT` reads lines and writes them to OUT (compressed by OUT's name). Prints the
 * seconds taken and the uncompressed MB on one line: "SECONDS MB". Built by bench/streams.sh. */
#include "../pipeline/stream.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    char err[ERR_MAX];
    if (argc < 3) { fprintf(stderr, "usage: stream_bench lines FILE | copy IN OUT\n"); return 2; }
    int copy = !strcmp(argv[1], "copy") && argc > 3;
    double t0 = now();
    instream *s = instream_open(argv[2], err);
    if (!s) { fprintf(stderr, "%s\n", err); return 1; }
    outstream *o = copy ? outstream_open(argv[3], COMPRESS_AUTO, 0, err) : NULL;
    if (copy && !o) { fprintf(stderr, "%s\n", err); return 1; }
    const char *line; size_t len; uint64_t bytes = 0; int r;
    while ((r = instream_getline(s, &line, &len)) == STREAM_OK) {
        bytes += len + 1;
        if (o && (outstream_write(o, line, len) || outstream_write(o, "\n", 1))) break;
    }
    if (r == STREAM_ERR) { fprintf(stderr, "%s\n", instream_error(s)); return 1; }
    if (o && outstream_close(o)) { fprintf(stderr, "%s\n", outstream_error(o)); return 1; }
    printf("%.4f %.1f\n", now() - t0, bytes / 1e6);
    instream_close(s);
    return 0;
}
