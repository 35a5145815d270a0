/* Unit tests of pipeline/stream: inputs (plain, zstd, gzip, broken streams, odd lines, long
 * lines), outputs (atomic rename, compression, errors, closed pipes) and the small helpers.
 * Inputs are generated here with libzstd/zlib into a private directory under /tmp. */
#include "test.h"
#include "../../pipeline/stream.h"
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static char dir[64];
static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) { return remove(p); }
__attribute__((destructor)) static void tdir_remove(void) {
    if (dir[0]) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
static const char *tdir(void) {
    if (!dir[0]) {
        strcpy(dir, "/tmp/wn_stream_XXXXXX");
        if (!mkdtemp(dir)) abort();
    }
    return dir;
}
static const char *tpath(const char *name) {
    static char p[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tdir(), name);
    return p[k];
}
static int exists(const char *path) { struct stat st; return stat(path, &st) == 0; }

static void put_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(p, 1, n, f) != n) abort();
    fclose(f);
}
static void zstd_frame(buf *out, const void *p, size_t n, int level) {
    size_t bound = ZSTD_compressBound(n);
    buf_reserve(out, bound);
    size_t r = ZSTD_compress(out->p + out->len, bound, p, n, level);
    if (ZSTD_isError(r)) abort();
    out->len += r;
}
static void gzip_member(buf *out, const void *p, size_t n) {
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t bound = deflateBound(&z, n) + 64;
    buf_reserve(out, bound);
    z.next_in = (unsigned char *)p; z.avail_in = (uInt)n;
    z.next_out = (unsigned char *)out->p + out->len; z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
    out->len += bound - z.avail_out;
    deflateEnd(&z);
}
/* All lines of a file, each followed by '\n', into out. Returns the final status
 * (STREAM_EOF on success) and copies the error into err. */
static int slurp_lines(const char *path, buf *out, char *err) {
    instream *s = instream_open(path, err);
    if (!s) return -99;
    const char *line; size_t len; int r;
    while ((r = instream_getline(s, &line, &len)) == STREAM_OK) { buf_add(out, line, len); buf_addc(out, '\n'); }
    if (r == STREAM_ERR) snprintf(err, ERR_MAX, "%s", instream_error(s));
    instream_close(s);
    return r;
}

static const char LINES[] = "{\"text\":\"one\"}\n{\"text\":\"two\"}\n\n{\"text\":\"four\"}\n";

/* ---- input */

TEST(stream_plain_lines_read_in_order) {
    put_file(tpath("plain.jsonl"), LINES, sizeof LINES - 1);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("plain.jsonl"), &b, err), STREAM_EOF);
    CHECK_EQ_MEM(b.p, b.len, LINES, sizeof LINES - 1);
    buf_free(&b);
}

TEST(stream_zstd_detected_by_magic_not_name) {
    buf z = {0}; zstd_frame(&z, LINES, sizeof LINES - 1, 3);
    put_file(tpath("zstd.txt"), z.p, z.len);
    instream *s = instream_open(tpath("zstd.txt"), NULL);
    CHECK(s);
    CHECK_EQ_INT(instream_compression(s), COMPRESS_ZSTD);
    instream_close(s);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("zstd.txt"), &b, err), STREAM_EOF);
    CHECK_EQ_MEM(b.p, b.len, LINES, sizeof LINES - 1);
    buf_free(&b); buf_free(&z);
}

TEST(stream_gzip_detected_by_magic_not_name) {
    buf z = {0}; gzip_member(&z, LINES, sizeof LINES - 1);
    put_file(tpath("gzip.zst"), z.p, z.len);
    instream *s = instream_open(tpath("gzip.zst"), NULL);
    CHECK(s);
    CHECK_EQ_INT(instream_compression(s), COMPRESS_GZIP);
    instream_close(s);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("gzip.zst"), &b, err), STREAM_EOF);
    CHECK_EQ_MEM(b.p, b.len, LINES, sizeof LINES - 1);
    buf_free(&b); buf_free(&z);
}

TEST(stream_multi_frame_zstd_reads_every_frame) {
    buf z = {0};
    zstd_frame(&z, "{\"a\":1}\n{\"b\"", 12, 1);   /* a line split across frames */
    zstd_frame(&z, ":2}\n", 4, 19);
    zstd_frame(&z, "", 0, 3);                      /* an empty frame */
    zstd_frame(&z, "{\"c\":3}\n", 8, 3);
    put_file(tpath("multi.zst"), z.p, z.len);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("multi.zst"), &b, err), STREAM_EOF);
    CHECK_EQ_STR(b.p, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
    buf_free(&b); buf_free(&z);
}

TEST(stream_zstd_skippable_frames_are_skipped) {
    buf z = {0};
    const unsigned char skip[] = { 0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'm', 'e', 't', 'a' };
    buf_add(&z, skip, sizeof skip);                 /* the file starts with a skippable frame */
    zstd_frame(&z, "x\n", 2, 3);
    buf_add(&z, skip, sizeof skip);
    zstd_frame(&z, "y\n", 2, 3);
    put_file(tpath("skip.zst"), z.p, z.len);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("skip.zst"), &b, err), STREAM_EOF);
    CHECK_EQ_STR(b.p, "x\ny\n");
    buf_free(&b); buf_free(&z);
}

TEST(stream_concatenated_gzip_members_read_through) {
    buf z = {0};
    gzip_member(&z, "one\ntw", 6);
    gzip_member(&z, "o\nthree\n", 8);
    put_file(tpath("cat.gz"), z.p, z.len);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("cat.gz"), &b, err), STREAM_EOF);
    CHECK_EQ_STR(b.p, "one\ntwo\nthree\n");
    buf_free(&b); buf_free(&z);
}

TEST(stream_truncated_zstd_is_an_error_naming_the_file) {
    buf z = {0}; zstd_frame(&z, LINES, sizeof LINES - 1, 3);
    put_file(tpath("data.jsonl.zst"), z.p, z.len - 5);
    buf b = {0}; char err[ERR_MAX], want[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("data.jsonl.zst"), &b, err), STREAM_ERR);
    snprintf(want, sizeof want, "%s: truncated zstd stream", tpath("data.jsonl.zst"));
    CHECK_EQ_STR(err, want);
    buf_free(&b); buf_free(&z);
}

TEST(stream_zstd_magic_alone_is_truncated) {
    put_file(tpath("magic.zst"), "\x28\xB5\x2F\xFD", 4);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("magic.zst"), &b, err), STREAM_ERR);
    CHECK(strstr(err, "truncated zstd stream"));
    buf_free(&b);
}

TEST(stream_truncated_gzip_is_an_error_naming_the_file) {
    buf z = {0}; gzip_member(&z, LINES, sizeof LINES - 1);
    put_file(tpath("data.jsonl.gz"), z.p, z.len - 6);
    buf b = {0}; char err[ERR_MAX], want[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("data.jsonl.gz"), &b, err), STREAM_ERR);
    snprintf(want, sizeof want, "%s: truncated gzip stream", tpath("data.jsonl.gz"));
    CHECK_EQ_STR(err, want);
    buf_free(&b); buf_free(&z);
}

TEST(stream_corrupt_zstd_header_is_an_error) {
    unsigned char z[64] = { 0x28, 0xB5, 0x2F, 0xFD };
    memset(z + 4, 0xFF, sizeof z - 4);           /* reserved header bits set */
    put_file(tpath("bad.zst"), z, sizeof z);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("bad.zst"), &b, err), STREAM_ERR);
    CHECK(strstr(err, "bad.zst: corrupt zstd stream: "));
    buf_free(&b);
}

TEST(stream_zstd_checksum_mismatch_is_an_error) {
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    char z[256];
    size_t n = ZSTD_compress2(c, z, sizeof z, LINES, sizeof LINES - 1);
    ZSTD_freeCCtx(c);
    CHECK(!ZSTD_isError(n));
    z[n - 1] ^= 1;                               /* the content checksum */
    put_file(tpath("sum.zst"), z, n);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("sum.zst"), &b, err), STREAM_ERR);
    CHECK(strstr(err, "sum.zst: corrupt zstd stream: "));
    buf_free(&b);
}

TEST(stream_corrupt_gzip_is_an_error_with_zlib_reason) {
    buf z = {0}; gzip_member(&z, LINES, sizeof LINES - 1);
    z.p[10] = (char)0xFF;                       /* first deflate block header: invalid type */
    z.p[11] = (char)0xFF;
    put_file(tpath("bad.gz"), z.p, z.len);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("bad.gz"), &b, err), STREAM_ERR);
    CHECK(strstr(err, "bad.gz: corrupt gzip stream: "));
    buf_free(&b); buf_free(&z);
}

TEST(stream_garbage_after_gzip_member_is_an_error) {
    buf z = {0}; gzip_member(&z, "a\n", 2);
    buf_adds(&z, "trailing junk");
    put_file(tpath("junk.gz"), z.p, z.len);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("junk.gz"), &b, err), STREAM_ERR);
    CHECK(strstr(err, "corrupt gzip stream"));
    buf_free(&b); buf_free(&z);
}

TEST(stream_last_line_without_newline_is_a_line) {
    put_file(tpath("nonl.jsonl"), "a\nb", 3);
    instream *s = instream_open(tpath("nonl.jsonl"), NULL);
    const char *line; size_t len;
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_OK);
    CHECK_EQ_MEM(line, len, "a", 1);
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_OK);
    CHECK_EQ_MEM(line, len, "b", 1);
    CHECK_EQ_INT(line[len], 0);
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_EOF);
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_EOF);
    instream_close(s);
}

TEST(stream_empty_file_is_eof_at_once) {
    put_file(tpath("empty.jsonl"), "", 0);
    instream *s = instream_open(tpath("empty.jsonl"), NULL);
    CHECK(s);
    const char *line; size_t len;
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_EOF);
    CHECK_EQ_INT(instream_lineno(s), 0);
    CHECK_EQ_INT(instream_compression(s), COMPRESS_NONE);
    instream_close(s);
}

TEST(stream_crlf_is_kept_in_the_line) {
    put_file(tpath("crlf.jsonl"), "{}\r\n{}\r\n", 8);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(slurp_lines(tpath("crlf.jsonl"), &b, err), STREAM_EOF);
    CHECK_EQ_STR(b.p, "{}\r\n{}\r\n");
    buf_free(&b);
}

TEST(stream_line_numbers_count_returned_lines) {
    put_file(tpath("n.jsonl"), "a\n\nc\n", 5);
    instream *s = instream_open(tpath("n.jsonl"), NULL);
    const char *line; size_t len;
    CHECK_EQ_INT(instream_lineno(s), 0);
    instream_getline(s, &line, &len);
    instream_getline(s, &line, &len);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(instream_lineno(s), 2);
    instream_getline(s, &line, &len);
    CHECK_EQ_INT(instream_lineno(s), 3);
    instream_close(s);
}

TEST(stream_20mb_single_line_is_one_line) {
    size_t n = 20u << 20;
    char *big = xmalloc(n + 3);
    memset(big, 'x', n);
    memcpy(big + n, "\ny\n", 3);
    buf z = {0}; zstd_frame(&z, big, n + 3, 1);
    put_file(tpath("long.jsonl"), big, n + 3);
    put_file(tpath("long.jsonl.zst"), z.p, z.len);
    for (int k = 0; k < 2; k++) {
        instream *s = instream_open(tpath(k ? "long.jsonl.zst" : "long.jsonl"), NULL);
        const char *line; size_t len;
        CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_OK);
        CHECK_EQ_INT(len, n);
        CHECK(line[0] == 'x' && line[n - 1] == 'x' && line[n] == 0);
        CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_OK);
        CHECK_EQ_MEM(line, len, "y", 1);
        CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_EOF);
        instream_close(s);
    }
    unlink(tpath("long.jsonl")); unlink(tpath("long.jsonl.zst"));
    free(big); buf_free(&z);
}

TEST(stream_zstd_bomb_memory_stays_bounded) {
    /* 256 frames of 1 MB of short lines each: 256 MB out of a few KiB. */
    size_t n = 1000000;
    char *blk = xmalloc(n);
    for (size_t i = 0; i < n; i++) blk[i] = (i % 100 == 99) ? '\n' : 'a';
    buf one = {0}, z = {0};
    zstd_frame(&one, blk, n, 3);
    for (int i = 0; i < 256; i++) buf_add(&z, one.p, one.len);
    put_file(tpath("bomb.zst"), z.p, z.len);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    instream *s = instream_open(tpath("bomb.zst"), NULL);
    const char *line; size_t len; uint64_t bytes = 0;
    while (instream_getline(s, &line, &len) == STREAM_OK) bytes += len + 1;
    CHECK_EQ_INT(instream_lineno(s), 256u * (n / 100));
    instream_close(s);
    getrusage(RUSAGE_SELF, &ru1);
    CHECK_EQ_INT(bytes, 256u * (n / 100) * 100);
    CHECK(ru1.ru_maxrss - ru0.ru_maxrss < 32 * 1024);   /* KiB: well under the 256 MiB */
    free(blk); buf_free(&one); buf_free(&z);
}

TEST(stream_missing_file_message) {
    char err[ERR_MAX] = "";
    CHECK(!instream_open("/nonexistent/data.jsonl", err));
    CHECK_EQ_STR(err, "/nonexistent/data.jsonl: No such file or directory");
}

TEST(stream_directory_message) {
    char err[ERR_MAX] = "";
    CHECK(!instream_open(tdir(), err));
    char want[ERR_MAX];
    snprintf(want, sizeof want, "%s: is a directory", tdir());
    CHECK_EQ_STR(err, want);
}

TEST(stream_raw_size_and_bytes_for_progress) {
    buf z = {0}; zstd_frame(&z, LINES, sizeof LINES - 1, 3);
    put_file(tpath("prog.zst"), z.p, z.len);
    instream *s = instream_open(tpath("prog.zst"), NULL);
    CHECK_EQ_INT(instream_raw_size(s), (int64_t)z.len);
    const char *line; size_t len;
    while (instream_getline(s, &line, &len) == STREAM_OK) {}
    CHECK_EQ_INT(instream_raw_bytes(s), z.len);
    instream_close(s);
    buf_free(&z);
}

TEST(stream_instream_read_returns_decompressed_bytes) {
    buf z = {0}; gzip_member(&z, LINES, sizeof LINES - 1);
    put_file(tpath("raw.gz"), z.p, z.len);
    instream *s = instream_open(tpath("raw.gz"), NULL);
    const char *line; size_t len;
    CHECK_EQ_INT(instream_getline(s, &line, &len), STREAM_OK);   /* mixing with getline */
    buf b = {0}; char tmp[7]; long r;
    while ((r = instream_read(s, tmp, sizeof tmp)) > 0) buf_add(&b, tmp, (size_t)r);
    CHECK_EQ_INT(r, 0);
    CHECK_EQ_STR(b.p, strchr(LINES, '\n') + 1);
    instream_close(s);
    buf_free(&b); buf_free(&z);
}

/* ---- output */

TEST(stream_output_is_invisible_until_close) {
    const char *path = tpath("atomic.jsonl");
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/.atomic.jsonl.tmp.%ld", tdir(), (long)getpid());
    char err[ERR_MAX];
    outstream *o = outstream_open(path, COMPRESS_AUTO, 0, err);
    CHECK(o);
    CHECK_EQ_INT(outstream_write(o, "{}\n", 3), STREAM_OK);
    CHECK(!exists(path));
    CHECK(exists(tmp));
    CHECK_EQ_INT(outstream_close(o), STREAM_OK);
    CHECK(exists(path));
    CHECK(!exists(tmp));
    buf b = {0};
    CHECK_EQ_INT(stream_read_file(path, &b, err), 0);
    CHECK_EQ_STR(b.p, "{}\n");
    buf_free(&b);
}

TEST(stream_output_abort_leaves_nothing) {
    const char *path = tpath("aborted.jsonl");
    outstream *o = outstream_open(path, COMPRESS_AUTO, 0, NULL);
    CHECK(o);
    char big[5000]; memset(big, 'z', sizeof big);
    for (int i = 0; i < 1000; i++) outstream_write(o, big, sizeof big);   /* past the buffer */
    outstream_abort(o);
    CHECK(!exists(path));
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/.aborted.jsonl.tmp.%ld", tdir(), (long)getpid());
    CHECK(!exists(tmp));
}

TEST(stream_output_abort_keeps_an_existing_file) {
    const char *path = tpath("keep.jsonl");
    put_file(path, "old\n", 4);
    outstream *o = outstream_open(path, COMPRESS_AUTO, 0, NULL);
    outstream_write(o, "new\n", 4);
    outstream_abort(o);
    buf b = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(stream_read_file(path, &b, err), 0);
    CHECK_EQ_STR(b.p, "old\n");
    buf_free(&b);
}

/* Write `total` bytes of numbered lines in uneven pieces, read them back. */
static int round_trip(const char *name, compress_kind kind, compress_kind expect_in) {
    buf want = {0};
    for (int i = 0; want.len < (3u << 20) + 12345; i++) buf_printf(&want, "{\"id\":\"%d\",\"text\":\"line %d\"}\n", i, i * 31);
    char err[ERR_MAX];
    outstream *o = outstream_open(tpath(name), kind, 0, err);
    if (!o) return 1;
    size_t off = 0, step = 1;
    while (off < want.len) {
        size_t k = step < want.len - off ? step : want.len - off;
        if (outstream_write(o, want.p + off, k)) return 2;
        off += k;
        step = step * 3 % 1500007 + 1;        /* tiny and > 1 MiB pieces */
    }
    if (outstream_close(o)) return 3;
    instream *s = instream_open(tpath(name), err);
    if (!s || instream_compression(s) != expect_in) return 4;
    instream_close(s);
    buf got = {0};
    if (stream_read_file(tpath(name), &got, err)) return 5;
    int bad = got.len != want.len || memcmp(got.p, want.p, want.len);
    buf_free(&got); buf_free(&want);
    return bad ? 6 : 0;
}

TEST(stream_output_zst_extension_compresses_zstd) {
    CHECK_EQ_INT(round_trip("rt.jsonl.zst", COMPRESS_AUTO, COMPRESS_ZSTD), 0);
}
TEST(stream_output_gz_extension_compresses_gzip) {
    CHECK_EQ_INT(round_trip("rt.jsonl.gz", COMPRESS_AUTO, COMPRESS_GZIP), 0);
}
TEST(stream_output_plain_extension_is_plain) {
    CHECK_EQ_INT(round_trip("rt.jsonl", COMPRESS_AUTO, COMPRESS_NONE), 0);
}
TEST(stream_output_forced_compression_overrides_name) {
    CHECK_EQ_INT(round_trip("forced.jsonl", COMPRESS_GZIP, COMPRESS_GZIP), 0);
    CHECK_EQ_INT(round_trip("forced2.jsonl.gz", COMPRESS_NONE, COMPRESS_NONE), 0);
}

TEST(stream_output_bad_level_is_refused) {
    char err[ERR_MAX] = "";
    CHECK(!outstream_open(tpath("lvl.gz"), COMPRESS_AUTO, 12, err));
    CHECK(strstr(err, "gzip level 12 out of range"));
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/.lvl.gz.tmp.%ld", tdir(), (long)getpid());
    CHECK(!exists(tmp));
}

TEST(stream_output_to_missing_directory_names_the_file) {
    char err[ERR_MAX] = "";
    CHECK(!outstream_open("/nonexistent/out.jsonl", COMPRESS_AUTO, 0, err));
    CHECK_EQ_STR(err, "/nonexistent/out.jsonl: No such file or directory");
}

TEST(stream_output_write_error_names_the_file) {
    if (!exists("/dev/full")) return;
    outstream *o = outstream_open("/dev/full", COMPRESS_AUTO, 0, NULL);
    CHECK(o);
    outstream_write(o, "x\n", 2);
    CHECK_EQ_INT(outstream_close(o), STREAM_ERR);
    CHECK_EQ_STR(outstream_error(o), "/dev/full: No space left on device");
    outstream_abort(o);
}

TEST(stream_output_closed_pipe_is_epipe) {
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    outstream *o = outstream_open_fd(fds[1], "<stdout>", COMPRESS_NONE, 0, NULL);
    CHECK_EQ_INT(outstream_write(o, "x\n", 2), STREAM_OK);       /* buffered */
    int r = outstream_close(o);
    CHECK_EQ_INT(r, STREAM_EPIPE);
    CHECK_EQ_STR(outstream_error(o), "<stdout>: Broken pipe");
    CHECK_EQ_INT(outstream_write(o, "y", 1), STREAM_EPIPE);      /* sticky */
    outstream_abort(o);
    close(fds[1]);
    signal(SIGPIPE, old);
}

/* ---- helpers */

TEST(stream_compress_from_name_uses_extension) {
    CHECK_EQ_INT(compress_from_name("a.jsonl.zst"), COMPRESS_ZSTD);
    CHECK_EQ_INT(compress_from_name("a.gz"), COMPRESS_GZIP);
    CHECK_EQ_INT(compress_from_name("a.jsonl"), COMPRESS_NONE);
    CHECK_EQ_INT(compress_from_name("zst"), COMPRESS_NONE);
    CHECK_EQ_INT(compress_from_name(NULL), COMPRESS_NONE);
}

TEST(stream_compress_parse_accepts_the_four_names) {
    compress_kind k;
    CHECK(compress_parse("zstd", &k) == 0 && k == COMPRESS_ZSTD);
    CHECK(compress_parse("gzip", &k) == 0 && k == COMPRESS_GZIP);
    CHECK(compress_parse("none", &k) == 0 && k == COMPRESS_NONE);
    CHECK(compress_parse("auto", &k) == 0 && k == COMPRESS_AUTO);
    CHECK(compress_parse("lz4", &k) == -1);
}

TEST(stream_mkdirs_makes_parents_and_accepts_existing) {
    char err[ERR_MAX];
    CHECK_EQ_INT(stream_mkdirs(tpath("d1/d2/d3"), err), 0);
    CHECK(exists(tpath("d1/d2/d3")));
    CHECK_EQ_INT(stream_mkdirs(tpath("d1/d2/"), err), 0);
    put_file(tpath("d1/f"), "", 0);
    CHECK_EQ_INT(stream_mkdirs(tpath("d1/f/g"), err), -1);
}

TEST(stream_write_file_and_read_file_round_trip) {
    char err[ERR_MAX];
    CHECK_EQ_INT(stream_write_file(tpath("small.json.gz"), "{\"k\":1}\n", 8, err), 0);
    buf b = {0};
    CHECK_EQ_INT(stream_read_file(tpath("small.json.gz"), &b, err), 0);
    CHECK_EQ_STR(b.p, "{\"k\":1}\n");
    CHECK_EQ_INT(stream_read_file(tpath("none.json"), &b, err), -1);
    CHECK(strstr(err, "none.json: No such file or directory"));
    buf_free(&b);
}
