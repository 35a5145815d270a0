/*
 * fuzz_util — helpers shared by the libFuzzer targets in fuzz/ (not part of winnow).
 *
 * Targets whose code reads files (plan_load, shard readers, bpe_load's merges) get the fuzz
 * input written to a file in one private temporary directory made once per process
 * (FUZZ_TMPDIR or $TMPDIR or /tmp); it is removed at exit. FUZZ_CHECK aborts (a libFuzzer
 * crash) when a property does not hold, printing what differed.
 */
#ifndef WN_FUZZ_UTIL_H
#define WN_FUZZ_UTIL_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <ftw.h>

#define FUZZ_CHECK(cond, ...) do { if (!(cond)) { \
    fprintf(stderr, "fuzz property failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

/* memcmp that allows NULL pointers when n is 0 */
static inline int fuzz_same(const void *a, const void *b, size_t n) { return n == 0 || !memcmp(a, b, n); }

static char fuzz_dir[4096];

static int fuzz_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    (void)sb; (void)flag; (void)f;
    return remove(p);
}
static void fuzz_cleanup(void) { if (fuzz_dir[0]) nftw(fuzz_dir, fuzz_rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* The per-process scratch directory (made on first use). */
static const char *fuzz_tmpdir(void) {
    if (fuzz_dir[0]) return fuzz_dir;
    const char *base = getenv("FUZZ_TMPDIR");
    if (!base || !*base) base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/winnow-fuzz.XXXXXX", base);
    if (!mkdtemp(fuzz_dir)) { perror("mkdtemp"); abort(); }
    atexit(fuzz_cleanup);
    return fuzz_dir;
}

/* Write [p, p+n) to DIR/name; returns the path (static buffer per call site: copy it). */
static const char *fuzz_write(const char *name, const void *p, size_t n) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror(path); abort(); }
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) { perror(path); abort(); }
        c += w; n -= (size_t)w;
    }
    close(fd);
    return path;
}

#endif
