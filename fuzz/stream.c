/*
 * fuzz target: the input stream reader (pipeline/stream.c): plain, zstd and gzip detected
 * from magic bytes. Input: the bytes of a file, given to instream_open_fd through a memfd.
 * Properties: no crash; every line ends before the next '\n' (none inside a line); the
 * status is OK until exactly one EOF or ERR; an error carries a message naming the stream;
 * for a plain (uncompressed) input the lines joined with '\n' are the input itself.
 * Also instream_read over the same bytes returns the same decompressed length.
 */
#include "fuzz_util.h"
#include "../pipeline/stream.h"
#include <sys/mman.h>

static int memfd_of(const uint8_t *d, size_t n) {
    int fd = memfd_create("fuzz", 0);
    if (fd < 0) { perror("memfd_create"); abort(); }
    size_t o = 0;
    while (o < n) { ssize_t w = write(fd, d + o, n - o); if (w <= 0) abort(); o += (size_t)w; }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[ERR_MAX];
    int fd = memfd_of(data, size);
    instream *s = instream_open_fd(fd, "fuzz.in", err);
    FUZZ_CHECK(s != NULL, "open failed: %s", err);
    static buf joined;
    buf_reset(&joined);
    const char *line; size_t len;
    int r, lines = 0;
    uint64_t total = 0;
    while ((r = instream_getline(s, &line, &len)) == STREAM_OK) {
        FUZZ_CHECK(memchr(line, '\n', len) == NULL, "newline inside a returned line");
        FUZZ_CHECK(instream_lineno(s) == (uint64_t)lines + 1, "line number %llu, expected %d", (unsigned long long)instream_lineno(s), lines + 1);
        lines++;
        total += len + 1;
        if (joined.len < 1 << 20) { buf_add(&joined, line, len); buf_addc(&joined, '\n'); }
    }
    FUZZ_CHECK(r == STREAM_EOF || r == STREAM_ERR, "getline returned %d", r);
    compress_kind k = instream_compression(s);
    if (r == STREAM_ERR) {
        const char *m = instream_error(s);
        FUZZ_CHECK(m && strstr(m, "fuzz.in"), "error message does not name the stream: %s", m ? m : "(null)");
        FUZZ_CHECK(instream_getline(s, &line, &len) == STREAM_ERR, "error is not sticky");
    } else {
        FUZZ_CHECK(instream_getline(s, &line, &len) == STREAM_EOF, "EOF is not sticky");
        if (k == COMPRESS_NONE && joined.len < 1 << 20) {
            /* plain input: lines + '\n' == input (+ a '\n' when the last line had none) */
            size_t want = size + (size && data[size - 1] != '\n');
            FUZZ_CHECK(joined.len == want && fuzz_same(joined.p, data, size), "plain lines do not rebuild the input (%zu vs %zu)", joined.len, want);
        }
    }
    instream_close(s);
    /* the raw reader agrees with the line reader on the decompressed size */
    lseek(fd, 0, SEEK_SET);
    s = instream_open_fd(fd, "fuzz.in", err);
    FUZZ_CHECK(s != NULL, "reopen failed: %s", err);
    static char chunk[65536];
    long got; uint64_t rtotal = 0;
    while ((got = instream_read(s, chunk, sizeof chunk)) > 0) rtotal += (uint64_t)got;
    if (r == STREAM_EOF && got == 0) {
        /* total counted an added '\n' for a last line without one */
        FUZZ_CHECK(rtotal == total || rtotal + 1 == total, "read() gave %llu bytes, getline %llu", (unsigned long long)rtotal, (unsigned long long)total);
    }
    instream_close(s);
    close(fd);
    return 0;
}
