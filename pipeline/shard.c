/*
 * shard — llm.c-compatible token shard files (DESIGN.md §4; layout in shard.h).
 *
 * Reading: shard_read_header checks magic, version and that the file size is exactly
 * 1024 + tokens * token_bytes (the check llm.c's dataloader makes); shard_load reads a whole
 * shard and widens the tokens to uint32.
 * Writing: the writer creates "<path>.tmp.<pid>" beside the final name, writes a zero header,
 * then tokens through a 1 MiB buffer (narrowed to uint16 for 2-byte shards, little-endian on
 * any host); close patches the header, hashes the whole file with xxh3-64 (one extra
 * sequential read, from the page cache) and renames it into place, so a reader never sees a
 * half shard under the final name.
 *
 * Invariants: a written shard is < 2 GiB (SHARD_MAX_BYTES): a write that would pass it fails;
 * ids that do not fit the token width fail (never truncated).
 * Costs: O(tokens) time, O(1) memory besides the 1 MiB buffer (shard_load: O(tokens)).
 */
#include "shard.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define SHARD_BUF_BYTES (1u << 20)

static void put_le32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static uint32_t get_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int shard_token_bytes_for_vocab(uint64_t vocab_size) { return vocab_size <= 65536 ? 2 : 4; }

void shard_header_encode(unsigned char hdr[SHARD_HEADER_BYTES], int token_bytes, uint64_t tokens) {
    memset(hdr, 0, SHARD_HEADER_BYTES);
    put_le32(hdr, token_bytes == 2 ? SHARD_MAGIC_U16 : SHARD_MAGIC_U32);
    put_le32(hdr + 4, token_bytes == 2 ? SHARD_VERSION_U16 : SHARD_VERSION_U32);
    put_le32(hdr + 8, (uint32_t)tokens);
}

static int read_full(int fd, void *p, size_t n, off_t off) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)p + got, n - got, off + (off_t)got);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        if (r == 0) return 1;
        got += (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *p, size_t n) {
    size_t put = 0;
    while (put < n) {
        ssize_t r = write(fd, (const char *)p + put, n - put);
        if (r < 0) { if (errno == EINTR) continue; return -1; }
        put += (size_t)r;
    }
    return 0;
}

static int check_header(const char *path, int fd, shard_info *info, char *err) {
    unsigned char hdr[SHARD_HEADER_BYTES];
    struct stat st;
    if (fstat(fd, &st) < 0) return err_set(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return err_set(err, "%s: not a regular file", path);
    int r = read_full(fd, hdr, sizeof hdr, 0);
    if (r < 0) return err_set(err, "%s: %s", path, strerror(errno));
    if (r > 0) return err_set(err, "%s: shorter than the %d-byte header", path, SHARD_HEADER_BYTES);
    info->magic = (int32_t)get_le32(hdr);
    info->version = (int32_t)get_le32(hdr + 4);
    info->tokens = get_le32(hdr + 8);
    if (info->magic == SHARD_MAGIC_U16 && info->version == SHARD_VERSION_U16) info->token_bytes = 2;
    else if (info->magic == SHARD_MAGIC_U32 && info->version == SHARD_VERSION_U32) info->token_bytes = 4;
    else if (info->magic != SHARD_MAGIC_U16 && info->magic != SHARD_MAGIC_U32)
        return err_set(err, "%s: bad magic %d (expected %d or %d)", path, (int)info->magic,
                       SHARD_MAGIC_U16, SHARD_MAGIC_U32);
    else
        return err_set(err, "%s: unsupported version %d for magic %d", path, (int)info->version,
                       (int)info->magic);
    uint64_t want = SHARD_HEADER_BYTES + info->tokens * (uint64_t)info->token_bytes;
    if ((uint64_t)st.st_size != want)
        return err_set(err, "%s: size %lld bytes, header says %llu tokens (%llu bytes)", path,
                       (long long)st.st_size, (unsigned long long)info->tokens,
                       (unsigned long long)want);
    return 0;
}

int shard_read_header(const char *path, shard_info *info, char *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(err, "%s: %s", path, strerror(errno));
    int r = check_header(path, fd, info, err);
    close(fd);
    return r;
}

int shard_load(const char *path, uint32_t **tokens, uint64_t *n, char *err) {
    *tokens = NULL; *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(err, "%s: %s", path, strerror(errno));
    shard_info info;
    if (check_header(path, fd, &info, err) < 0) { close(fd); return -1; }
    size_t bytes = (size_t)info.tokens * (size_t)info.token_bytes;
    uint32_t *out = xmalloc(info.tokens ? info.tokens * sizeof *out : 1);
    /* read into the tail of out, then widen in place from the front (2-byte shards) */
    unsigned char *raw = (unsigned char *)out + (info.tokens * sizeof *out - bytes);
    int r = read_full(fd, raw, bytes, SHARD_HEADER_BYTES);
    close(fd);
    if (r != 0) { free(out); return err_set(err, "%s: %s", path, r < 0 ? strerror(errno) : "truncated"); }
    if (info.token_bytes == 2)
        for (uint64_t i = 0; i < info.tokens; i++)
            out[i] = (uint32_t)raw[2 * i] | (uint32_t)raw[2 * i + 1] << 8;
    else
        for (uint64_t i = 0; i < info.tokens; i++) out[i] = get_le32(raw + 4 * i);
    *tokens = out; *n = info.tokens;
    return 0;
}

int shard_file_xxh3(const char *path, uint64_t *xxh, char *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return err_set(err, "%s: %s", path, strerror(errno));
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    unsigned char *b = xmalloc(SHARD_BUF_BYTES);
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, b, SHARD_BUF_BYTES);
        if (r < 0) { if (errno == EINTR) continue; rc = err_set(err, "%s: %s", path, strerror(errno)); break; }
        if (r == 0) break;
        XXH3_64bits_update(st, b, (size_t)r);
    }
    if (rc == 0) *xxh = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    free(b);
    close(fd);
    return rc;
}

struct shard_writer {
    char *path, *tmp;
    int fd, token_bytes;
    uint64_t tokens;
    unsigned char *b;
    size_t blen;
};

shard_writer *shard_writer_open(const char *path, int token_bytes, char *err) {
    if (token_bytes != 2 && token_bytes != 4) {
        err_set(err, "%s: token width must be 2 or 4 bytes, not %d", path, token_bytes);
        return NULL;
    }
    shard_writer *w = xcalloc(1, sizeof *w);
    w->path = xstrdup(path);
    size_t n = strlen(path) + 32;
    w->tmp = xmalloc(n);
    snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    w->token_bytes = token_bytes;
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        err_set(err, "%s: %s", w->tmp, strerror(errno));
        free(w->path); free(w->tmp); free(w);
        return NULL;
    }
    w->b = xmalloc(SHARD_BUF_BYTES);
    memset(w->b, 0, SHARD_HEADER_BYTES);      /* placeholder header, patched on close */
    w->blen = SHARD_HEADER_BYTES;
    return w;
}

static int flush_buf(shard_writer *w, char *err) {
    if (w->blen && write_full(w->fd, w->b, w->blen) < 0)
        return err_set(err, "%s: %s", w->tmp, strerror(errno));
    w->blen = 0;
    return 0;
}

int shard_writer_write(shard_writer *w, const uint32_t *ids, size_t n, char *err) {
    uint64_t after = SHARD_HEADER_BYTES + (w->tokens + n) * (uint64_t)w->token_bytes;
    if (after >= SHARD_MAX_BYTES)
        return err_set(err, "%s: shard would reach 2 GiB (%llu tokens); use a smaller --shard-tokens",
                       w->path, (unsigned long long)(w->tokens + n));
    size_t i = 0;
    while (i < n) {
        if (SHARD_BUF_BYTES - w->blen < 4 && flush_buf(w, err) < 0) return -1;
        size_t room = (SHARD_BUF_BYTES - w->blen) / (size_t)w->token_bytes;
        size_t k = n - i < room ? n - i : room;
        unsigned char *o = w->b + w->blen;
        if (w->token_bytes == 2) {
            for (size_t j = 0; j < k; j++) {
                uint32_t v = ids[i + j];
                if (v > 0xffff)
                    return err_set(err, "%s: token id %u does not fit a uint16 shard", w->path, v);
                o[2 * j] = (unsigned char)v; o[2 * j + 1] = (unsigned char)(v >> 8);
            }
        } else {
            for (size_t j = 0; j < k; j++) put_le32(o + 4 * j, ids[i + j]);
        }
        w->blen += k * (size_t)w->token_bytes;
        i += k;
    }
    w->tokens += n;
    return 0;
}

uint64_t shard_writer_tokens(const shard_writer *w) { return w->tokens; }

static void writer_free(shard_writer *w) {
    free(w->path); free(w->tmp); free(w->b); free(w);
}

int shard_writer_close(shard_writer *w, uint64_t *xxh, char *err) {
    unsigned char hdr[SHARD_HEADER_BYTES];
    int rc = flush_buf(w, err);
    if (rc == 0) {
        shard_header_encode(hdr, w->token_bytes, w->tokens);
        if (pwrite(w->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
            rc = err_set(err, "%s: %s", w->tmp, strerror(errno));
    }
    if (close(w->fd) < 0 && rc == 0) rc = err_set(err, "%s: %s", w->tmp, strerror(errno));
    w->fd = -1;
    uint64_t h = 0;
    if (rc == 0) rc = shard_file_xxh3(w->tmp, &h, err);
    if (rc == 0 && rename(w->tmp, w->path) < 0)
        rc = err_set(err, "%s: rename: %s", w->path, strerror(errno));
    if (rc < 0) unlink(w->tmp);
    else if (xxh) *xxh = h;
    writer_free(w);
    return rc;
}

void shard_writer_abort(shard_writer *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    unlink(w->tmp);
    writer_free(w);
}

int shard_name(char *out, size_t n, const char *dir, const char *name, const char *split,
               unsigned index, const char *ext) {
    int k = snprintf(out, n, "%s%s%s_%s_%06u%s", dir ? dir : "", dir && *dir ? "/" : "",
                     name, split, index, ext);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}
