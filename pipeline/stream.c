/*
 * stream — input and output byte streams (see stream.h): files or stdin/stdout, plain, zstd
 * or gzip, line reading, atomic output.
 *
 * Input. One data buffer d holds decompressed bytes; [pos, end) is not yet returned and
 * [pos, scan) is known to hold no '\n'. A line is found with one memchr from scan; when none
 * is found the partial line is moved to the front, the buffer doubles if less than a block is
 * free, and one more block is read (plain: read(2) straight into d) or decompressed (zstd:
 * ZSTD_decompressStream, gzip: inflate with windowBits 15+32) into the free space only. So
 * memory is O(longest line + 2 MiB) whatever the file or compression ratio (a zstd bomb fills
 * the buffer a block at a time). Compression comes from the first bytes (zstd frame or
 * skippable frame magic, gzip 1F 8B); concatenated zstd frames and gzip members are read
 * through; end of input inside a frame is "truncated", bad data is "corrupt". Lines are
 * returned without '\n' and NUL-terminated in place ('\r' is kept).
 *
 * Output. Writes collect in a 1 MiB buffer; a full buffer is written (plain) or compressed
 * through a 1 MiB output buffer. A file is written as ".NAME.tmp.PID" in the same directory
 * and renamed over NAME by outstream_close; outstream_abort removes it. An existing
 * non-regular target (/dev/null, a FIFO) is written directly. write(2) failing with EPIPE
 * gives STREAM_EPIPE; the library never touches signal dispositions, so the caller (cmd/)
 * sets SIGPIPE to SIG_IGN to see it instead of being killed.
 *
 * Errors are sticky: once a stream failed every later call returns the same status, and the
 * message (always prefixed with the file name) stays readable until close/abort.
 */
#include "stream.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define STREAM_BLOCK (1u << 20)   /* read and write block */

/* ---------------------------------------------------------------- input */

struct instream {
    int fd, own_fd;
    char *name;
    compress_kind kind;
    char *d;                      /* decompressed data; cap includes one byte for a NUL */
    size_t cap, pos, end, scan;
    unsigned char *raw;           /* compressed input block (zstd, gzip) */
    size_t raw_pos, raw_len;
    int raw_eof, data_eof, state; /* state: STREAM_OK or STREAM_ERR */
    uint64_t raw_total, lineno;
    int64_t raw_size;
    ZSTD_DCtx *zd;
    int zopen;                    /* inside a zstd frame */
    z_stream gz;
    int gzinit, gzopen;           /* inside a gzip member */
    char err[ERR_MAX];
};

static int in_fail(instream *s, const char *fmt, const char *detail) {
    char msg[ERR_MAX];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    err_set(s->err, "%s: %s", s->name, msg);
    s->state = STREAM_ERR;
    return -1;
}

/* read(2) retrying EINTR; counts raw bytes. Returns bytes, 0 at EOF, -1 with error set. */
static long in_sysread(instream *s, void *dst, size_t n) {
    for (;;) {
        ssize_t r = read(s->fd, dst, n);
        if (r >= 0) { s->raw_total += (uint64_t)r; return (long)r; }
        if (errno == EINTR) continue;
        return in_fail(s, "%s", strerror(errno));
    }
}

/* Refill the compressed block when it is used up. Returns 1 data, 0 EOF, -1 error. */
static int in_raw_fill(instream *s) {
    if (s->raw_pos < s->raw_len) return 1;
    if (s->raw_eof) return 0;
    long r = in_sysread(s, s->raw, STREAM_BLOCK);
    if (r < 0) return -1;
    s->raw_pos = 0;
    s->raw_len = (size_t)r;
    if (r == 0) { s->raw_eof = 1; return 0; }
    return 1;
}

static int fill_zstd(instream *s) {
    for (;;) {
        int have = in_raw_fill(s);
        if (have < 0) return -1;
        if (!have && !s->zopen) return 0;
        ZSTD_inBuffer in = { s->raw, s->raw_len, s->raw_pos };
        ZSTD_outBuffer out = { s->d + s->end, s->cap - 1 - s->end, 0 };
        size_t r = ZSTD_decompressStream(s->zd, &out, &in);
        if (ZSTD_isError(r)) return in_fail(s, "corrupt zstd stream: %s", ZSTD_getErrorName(r));
        s->raw_pos = in.pos;
        s->zopen = r != 0;
        s->end += out.pos;
        if (out.pos) return 1;
        if (!have) return in_fail(s, "truncated zstd stream%s", NULL);
    }
}

static int fill_gzip(instream *s) {
    for (;;) {
        int have = in_raw_fill(s);
        if (have < 0) return -1;
        if (!have && !s->gzopen) return 0;
        if (have && !s->gzopen) {            /* another member follows */
            if (inflateReset(&s->gz) != Z_OK) return in_fail(s, "corrupt gzip stream: %s", "reset failed");
            s->gzopen = 1;
        }
        s->gz.next_in = s->raw + s->raw_pos;
        s->gz.avail_in = (uInt)(s->raw_len - s->raw_pos);
        s->gz.next_out = (unsigned char *)s->d + s->end;
        size_t room = s->cap - 1 - s->end;
        s->gz.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
        uInt before = s->gz.avail_out;
        int r = inflate(&s->gz, Z_NO_FLUSH);
        s->raw_pos = s->raw_len - s->gz.avail_in;
        size_t got = before - s->gz.avail_out;
        s->end += got;
        if (r == Z_STREAM_END) s->gzopen = 0;
        else if (r == Z_BUF_ERROR) {
            if (!have) return in_fail(s, "truncated gzip stream%s", NULL);
        } else if (r != Z_OK)
            return in_fail(s, "corrupt gzip stream: %s", s->gz.msg ? s->gz.msg : zError(r));
        if (got) return 1;
        if (!have) return in_fail(s, "truncated gzip stream%s", NULL);
    }
}

/* Add bytes at d+end (needs free space). Returns 1 data, 0 EOF, -1 error. */
static int in_fill(instream *s) {
    if (s->state) return -1;
    if (s->data_eof) return 0;
    int r;
    if (s->kind == COMPRESS_ZSTD) r = fill_zstd(s);
    else if (s->kind == COMPRESS_GZIP) r = fill_gzip(s);
    else {
        long n = in_sysread(s, s->d + s->end, s->cap - 1 - s->end);
        if (n > 0) s->end += (size_t)n;
        r = n > 0 ? 1 : (int)n;
    }
    if (r == 0) s->data_eof = 1;
    return r;
}

/* Move the unread bytes to the front and make at least one block of room. */
static void in_make_room(instream *s) {
    if (s->pos) {
        memmove(s->d, s->d + s->pos, s->end - s->pos);
        s->end -= s->pos;
        s->scan -= s->pos;
        s->pos = 0;
    }
    if (s->cap - 1 - s->end < STREAM_BLOCK) {
        size_t cap = s->cap * 2;
        if (cap < s->end + STREAM_BLOCK + 1) cap = s->end + STREAM_BLOCK + 1;
        s->d = xrealloc(s->d, cap);
        s->cap = cap;
    }
}

static instream *in_new(int fd, int own, const char *name) {
    instream *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->own_fd = own;
    s->name = xstrdup(name);
    s->raw_size = -1;
    s->cap = 2 * STREAM_BLOCK + 1;
    s->d = xmalloc(s->cap);
    return s;
}

/* Read the first bytes and choose the decoder. Returns 0 or -1 with s->err. */
static int in_start(instream *s) {
    struct stat st;
    if (fstat(s->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return err_set(s->err, "%s: is a directory", s->name);
        if (S_ISREG(st.st_mode)) s->raw_size = (int64_t)st.st_size;
    }
    s->raw = xmalloc(STREAM_BLOCK);
    while (s->raw_len < 4 && !s->raw_eof) {
        long r = in_sysread(s, s->raw + s->raw_len, STREAM_BLOCK - s->raw_len);
        if (r < 0) return -1;
        if (r == 0) s->raw_eof = 1;
        s->raw_len += (size_t)r;
    }
    const unsigned char *m = s->raw;
    if (s->raw_len >= 4 && ((m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD) ||
                            ((m[0] & 0xF0) == 0x50 && m[1] == 0x2A && m[2] == 0x4D && m[3] == 0x18))) {
        s->kind = COMPRESS_ZSTD;
        s->zd = ZSTD_createDCtx();
        if (!s->zd) return err_set(s->err, "%s: cannot create zstd decoder", s->name);
    } else if (s->raw_len >= 2 && m[0] == 0x1F && m[1] == 0x8B) {
        s->kind = COMPRESS_GZIP;
        if (inflateInit2(&s->gz, 15 + 32) != Z_OK) return err_set(s->err, "%s: cannot create gzip decoder", s->name);
        s->gzinit = 1;
        s->gzopen = 1;
    } else {
        s->kind = COMPRESS_NONE;
        memcpy(s->d, s->raw, s->raw_len);
        s->end = s->raw_len;
        if (s->raw_eof) s->data_eof = 1;
        free(s->raw);
        s->raw = NULL;
        s->raw_len = 0;
    }
    return 0;
}

instream *instream_open_fd(int fd, const char *name, char *err) {
    instream *s = in_new(fd, 0, name);
    if (in_start(s)) { err_set(err, "%s", s->err); instream_close(s); return NULL; }
    return s;
}

instream *instream_open(const char *path, char *err) {
    if (!strcmp(path, "-")) return instream_open_fd(0, "<stdin>", err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { err_set(err, "%s: %s", path, strerror(errno)); return NULL; }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);      /* larger readahead; a hint only */
    instream *s = in_new(fd, 1, path);
    if (in_start(s)) { err_set(err, "%s", s->err); instream_close(s); return NULL; }
    return s;
}

int instream_getline(instream *s, const char **line, size_t *len) {
    if (s->state) return STREAM_ERR;
    for (;;) {
        char *nl = memchr(s->d + s->scan, '\n', s->end - s->scan);
        if (nl) {
            *nl = 0;
            *line = s->d + s->pos;
            *len = (size_t)(nl - (s->d + s->pos));
            s->pos = s->scan = (size_t)(nl - s->d) + 1;
            s->lineno++;
            return STREAM_OK;
        }
        s->scan = s->end;
        if (s->data_eof) {
            if (s->pos == s->end) return STREAM_EOF;
            s->d[s->end] = 0;                /* cap keeps one byte for it */
            *line = s->d + s->pos;
            *len = s->end - s->pos;
            s->pos = s->scan = s->end;
            s->lineno++;
            return STREAM_OK;
        }
        in_make_room(s);
        if (in_fill(s) < 0) return STREAM_ERR;
    }
}

long instream_read(instream *s, void *dst, size_t n) {
    if (s->state) return -1;
    if (s->pos == s->end) {
        s->pos = s->end = s->scan = 0;
        int r = in_fill(s);
        if (r < 0) return -1;
        if (r == 0) return 0;
    }
    size_t k = s->end - s->pos;
    if (k > n) k = n;
    memcpy(dst, s->d + s->pos, k);
    s->pos += k;
    if (s->scan < s->pos) s->scan = s->pos;
    return (long)k;
}

const char *instream_name(const instream *s) { return s->name; }
const char *instream_error(const instream *s) { return s->err; }
uint64_t instream_lineno(const instream *s) { return s->lineno; }
uint64_t instream_raw_bytes(const instream *s) { return s->raw_total; }
int64_t instream_raw_size(const instream *s) { return s->raw_size; }
compress_kind instream_compression(const instream *s) { return s->kind; }

void instream_close(instream *s) {
    if (!s) return;
    if (s->own_fd) close(s->fd);
    if (s->zd) ZSTD_freeDCtx(s->zd);
    if (s->gzinit) inflateEnd(&s->gz);
    free(s->raw);
    free(s->d);
    free(s->name);
    free(s);
}

/* ---------------------------------------------------------------- output */

struct outstream {
    int fd, own_fd;
    char *name;                   /* as given, "<stdout>" for stdout */
    char *path, *tmp;             /* final and temporary names; tmp NULL when written directly */
    compress_kind kind;
    char *ibuf, *obuf;            /* uncompressed input block, compressed output block */
    size_t ilen;
    ZSTD_CCtx *zc;
    z_stream gz;
    int gzinit, state, done;      /* done: close ran (failed); only abort remains */
    struct outstream *next;       /* in out_failed while done */
    char err[ERR_MAX];
};

/* Streams whose close failed stay valid for outstream_error until outstream_abort; they are
 * kept on this list so that a caller who never aborts them holds reachable, not leaked,
 * memory (a few hundred bytes each: the buffers are freed at once). */
static outstream *out_failed;
static pthread_mutex_t out_failed_lock = PTHREAD_MUTEX_INITIALIZER;

static int out_fail(outstream *s, int status, const char *fmt, const char *detail) {
    char msg[ERR_MAX];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    err_set(s->err, "%s: %s", s->name, msg);
    s->state = status;
    return status;
}

static int out_syswrite(outstream *s, const char *p, size_t n) {
    while (n) {
        ssize_t r = write(s->fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return out_fail(s, errno == EPIPE ? STREAM_EPIPE : STREAM_ERR, "%s", strerror(errno));
        }
        p += r;
        n -= (size_t)r;
    }
    return STREAM_OK;
}

/* Write (plain) or compress-and-write n bytes; fin ends the zstd frame / gzip member. */
static int out_emit(outstream *s, const char *p, size_t n, int fin) {
    if (s->kind == COMPRESS_ZSTD) {
        ZSTD_inBuffer in = { p, n, 0 };
        for (;;) {
            ZSTD_outBuffer out = { s->obuf, STREAM_BLOCK, 0 };
            size_t r = ZSTD_compressStream2(s->zc, &out, &in, fin ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(r)) return out_fail(s, STREAM_ERR, "zstd compression failed: %s", ZSTD_getErrorName(r));
            if (out.pos && out_syswrite(s, s->obuf, out.pos)) return s->state;
            if (fin ? r == 0 : in.pos == in.size) return STREAM_OK;
        }
    }
    if (s->kind == COMPRESS_GZIP) {
        s->gz.next_in = (unsigned char *)p;
        s->gz.avail_in = (uInt)n;              /* n <= STREAM_BLOCK or split by the caller */
        for (;;) {
            s->gz.next_out = (unsigned char *)s->obuf;
            s->gz.avail_out = STREAM_BLOCK;
            int r = deflate(&s->gz, fin ? Z_FINISH : Z_NO_FLUSH);
            if (r == Z_STREAM_ERROR) return out_fail(s, STREAM_ERR, "gzip compression failed%s", NULL);
            size_t got = STREAM_BLOCK - s->gz.avail_out;
            if (got && out_syswrite(s, s->obuf, got)) return s->state;
            if (fin ? r == Z_STREAM_END : (s->gz.avail_in == 0 && s->gz.avail_out != 0)) return STREAM_OK;
        }
    }
    return out_syswrite(s, p, n);
}

static int out_flush(outstream *s, int fin) {
    size_t n = s->ilen;
    s->ilen = 0;
    return out_emit(s, s->ibuf, n, fin);
}

int outstream_write(outstream *s, const void *p, size_t n) {
    if (s->state) return s->state;
    const char *c = p;
    if (s->ilen + n <= STREAM_BLOCK) {
        memcpy(s->ibuf + s->ilen, c, n);
        s->ilen += n;
        return STREAM_OK;
    }
    size_t k = STREAM_BLOCK - s->ilen;     /* top the block up, then write whole blocks */
    memcpy(s->ibuf + s->ilen, c, k);
    s->ilen = STREAM_BLOCK;
    c += k; n -= k;
    if (out_flush(s, 0)) return s->state;
    while (n >= STREAM_BLOCK) {
        if (out_emit(s, c, STREAM_BLOCK, 0)) return s->state;
        c += STREAM_BLOCK; n -= STREAM_BLOCK;
    }
    memcpy(s->ibuf, c, n);
    s->ilen = n;
    return STREAM_OK;
}

compress_kind compress_from_name(const char *path) {
    if (!path) return COMPRESS_NONE;
    size_t n = strlen(path);
    if (n >= 4 && !strcmp(path + n - 4, ".zst")) return COMPRESS_ZSTD;
    if (n >= 5 && !strcmp(path + n - 5, ".zstd")) return COMPRESS_ZSTD;
    if (n >= 3 && !strcmp(path + n - 3, ".gz")) return COMPRESS_GZIP;
    return COMPRESS_NONE;
}

int compress_parse(const char *str, compress_kind *k) {
    if (!strcmp(str, "zstd") || !strcmp(str, "zst")) *k = COMPRESS_ZSTD;
    else if (!strcmp(str, "gzip") || !strcmp(str, "gz")) *k = COMPRESS_GZIP;
    else if (!strcmp(str, "none")) *k = COMPRESS_NONE;
    else if (!strcmp(str, "auto")) *k = COMPRESS_AUTO;
    else return -1;
    return 0;
}

/* Set up the encoder for s->kind. Returns 0 or -1 with err. */
static int out_start(outstream *s, int level, char *err) {
    s->ibuf = xmalloc(STREAM_BLOCK);
    if (s->kind == COMPRESS_NONE) return 0;
    s->obuf = xmalloc(STREAM_BLOCK);
    if (s->kind == COMPRESS_ZSTD) {
        if (level == 0) level = 3;
        if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
            return err_set(err, "%s: zstd level %d out of range (%d..%d)", s->name, level, ZSTD_minCLevel(), ZSTD_maxCLevel());
        s->zc = ZSTD_createCCtx();
        if (!s->zc) return err_set(err, "%s: cannot create zstd encoder", s->name);
        ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1);
        return 0;
    }
    if (level == 0) level = 6;
    if (level < 1 || level > 9) return err_set(err, "%s: gzip level %d out of range (1..9)", s->name, level);
    if (deflateInit2(&s->gz, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return err_set(err, "%s: cannot create gzip encoder", s->name);
    s->gzinit = 1;
    return 0;
}

static outstream *out_new(int fd, int own, const char *name, compress_kind kind) {
    outstream *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->own_fd = own;
    s->name = xstrdup(name);
    s->kind = kind;
    return s;
}

static void out_free(outstream *s) {
    if (s->own_fd && s->fd >= 0) close(s->fd);
    if (s->zc) ZSTD_freeCCtx(s->zc);
    if (s->gzinit) deflateEnd(&s->gz);
    free(s->ibuf);
    free(s->obuf);
    free(s->path);
    free(s->tmp);
    free(s->name);
    free(s);
}

outstream *outstream_open_fd(int fd, const char *name, compress_kind kind, int level, char *err) {
    outstream *s = out_new(fd, 0, name, kind == COMPRESS_AUTO ? COMPRESS_NONE : kind);
    if (out_start(s, level, err)) { out_free(s); return NULL; }
    return s;
}

outstream *outstream_open(const char *path, compress_kind kind, int level, char *err) {
    if (!path || !strcmp(path, "-")) return outstream_open_fd(1, "<stdout>", kind, level, err);
    if (kind == COMPRESS_AUTO) kind = compress_from_name(path);
    outstream *s = out_new(-1, 1, path, kind);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        err_set(err, "%s: is a directory", path);
        out_free(s);
        return NULL;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        s->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);   /* device or FIFO: no rename */
    } else {
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
        buf t = {0};
        buf_add(&t, path, dirlen);
        buf_printf(&t, ".%s.tmp.%ld", path + dirlen, (long)getpid());
        s->tmp = t.p;
        s->path = xstrdup(path);
        s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (s->fd < 0) {
        err_set(err, "%s: %s", path, strerror(errno));
        free(s->tmp);
        s->tmp = NULL;
        out_free(s);
        return NULL;
    }
    if (out_start(s, level, err)) { outstream_abort(s); return NULL; }
    return s;
}

int outstream_close(outstream *s) {
    if (s->done) return s->state ? s->state : STREAM_ERR;
    int st = s->state ? s->state : out_flush(s, 1);
    if (!st && s->own_fd) {
        int fd = s->fd;
        s->fd = -1;
        if (close(fd)) st = out_fail(s, STREAM_ERR, "%s", strerror(errno));
    }
    if (!st && s->tmp && rename(s->tmp, s->path))
        st = out_fail(s, STREAM_ERR, "%s", strerror(errno));
    if (st) {                           /* keep s for outstream_error; abort frees it */
        if (s->own_fd && s->fd >= 0) close(s->fd);
        s->fd = -1;
        if (s->tmp) unlink(s->tmp);
        free(s->tmp); s->tmp = NULL;
        free(s->ibuf); s->ibuf = NULL;
        free(s->obuf); s->obuf = NULL;
        if (s->zc) { ZSTD_freeCCtx(s->zc); s->zc = NULL; }
        if (s->gzinit) { deflateEnd(&s->gz); s->gzinit = 0; }
        s->done = 1;
        pthread_mutex_lock(&out_failed_lock);
        s->next = out_failed;
        out_failed = s;
        pthread_mutex_unlock(&out_failed_lock);
        return st;
    }
    out_free(s);
    return STREAM_OK;
}

void outstream_abort(outstream *s) {
    if (!s) return;
    if (s->done) {
        pthread_mutex_lock(&out_failed_lock);
        for (outstream **pp = &out_failed; *pp; pp = &(*pp)->next)
            if (*pp == s) { *pp = s->next; break; }
        pthread_mutex_unlock(&out_failed_lock);
    }
    if (s->own_fd && s->fd >= 0) { close(s->fd); s->fd = -1; }
    if (s->tmp) unlink(s->tmp);
    out_free(s);
}

const char *outstream_error(const outstream *s) { return s->err; }
const char *outstream_name(const outstream *s) { return s->name; }

/* ---------------------------------------------------------------- helpers */

int stream_mkdirs(const char *dir, char *err) {
    size_t n = strlen(dir);
    char *p = xstrndup(dir, n);
    for (size_t i = 1; i <= n; i++) {
        if (i < n && p[i] != '/') continue;
        char c = p[i];
        p[i] = 0;
        if (mkdir(p, 0777) && errno != EEXIST) {
            err_set(err, "%s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        struct stat st;
        if (stat(p, &st) || !S_ISDIR(st.st_mode)) {
            err_set(err, "%s: not a directory", p);
            free(p);
            return -1;
        }
        p[i] = c;
    }
    free(p);
    return 0;
}

int stream_write_file(const char *path, const void *p, size_t n, char *err) {
    outstream *o = outstream_open(path, COMPRESS_AUTO, 0, err);
    if (!o) return -1;
    if (outstream_write(o, p, n) || outstream_close(o)) {
        err_set(err, "%s", outstream_error(o));
        outstream_abort(o);
        return -1;
    }
    return 0;
}

int stream_read_file(const char *path, buf *out, char *err) {
    instream *s = instream_open(path, err);
    if (!s) return -1;
    buf_reset(out);
    int64_t size = instream_raw_size(s);
    if (size > 0 && instream_compression(s) == COMPRESS_NONE) buf_reserve(out, (size_t)size);
    for (;;) {
        buf_reserve(out, 1u << 16);
        long r = instream_read(s, out->p + out->len, out->cap - out->len - 1);
        if (r < 0) { err_set(err, "%s", instream_error(s)); instream_close(s); return -1; }
        if (r == 0) break;
        out->len += (size_t)r;
        out->p[out->len] = 0;
    }
    instream_close(s);
    return 0;
}
