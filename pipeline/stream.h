/*
 * stream — input and output byte streams: files or stdin/stdout, plain, zstd or gzip.
 *
 * Input: compression detected from magic bytes (zstd 28 B5 2F FD, gzip 1F 8B), never from the
 * name; concatenated and multi-frame zstd and concatenated gzip members work; a truncated or
 * corrupt stream is an error naming the file. Lines are returned without '\n'; a line may be
 * of any length (the line buffer grows; memory is O(longest line), not O(file)).
 * Output: stdout ("-" or NULL) or a file written under a temporary name in the same directory
 * and renamed on a successful close (atomic); compression from the name (.zst, .gz) unless
 * forced. A write to a closed pipe returns STREAM_EPIPE so the caller can end quietly.
 *
 * Costs: reads in 1 MiB blocks; one memchr per line; zstd/gzip at their library speed.
 */
#ifndef WN_STREAM_H
#define WN_STREAM_H
#include "buf.h"
#include <stdio.h>

enum { STREAM_OK = 0, STREAM_EOF = 1, STREAM_ERR = -1, STREAM_EPIPE = -2 };
typedef enum { COMPRESS_AUTO = 0, COMPRESS_NONE, COMPRESS_ZSTD, COMPRESS_GZIP } compress_kind;

typedef struct instream instream;

/* path "-" is stdin. Returns NULL with err ("data.jsonl: No such file or directory",
 * "dir/: is a directory"). */
instream *instream_open(const char *path, char *err);
/* Next line: STREAM_OK with *line, *len (valid until the next call), STREAM_EOF, or STREAM_ERR
 * with instream_error(). A final line without '\n' is returned as a line. */
int instream_getline(instream *s, const char **line, size_t *len);
/* Raw decompressed bytes: returns bytes read (0 at EOF) or -1 on error. */
long instream_read(instream *s, void *dst, size_t n);
const char *instream_name(const instream *s);     /* "<stdin>" for stdin */
const char *instream_error(const instream *s);    /* "data.jsonl.zst: truncated zstd stream" */
/* An already open descriptor (not closed by instream_close); name is used in messages. */
instream *instream_open_fd(int fd, const char *name, char *err);
uint64_t instream_lineno(const instream *s);      /* 1-based number of the last line returned */
uint64_t instream_raw_bytes(const instream *s);   /* compressed bytes consumed so far */
int64_t instream_raw_size(const instream *s);     /* file size if known, else -1 */
compress_kind instream_compression(const instream *s);
void instream_close(instream *s);

typedef struct outstream outstream;
/* path NULL or "-" is stdout (plain unless kind says otherwise). level 0 = library default. */
outstream *outstream_open(const char *path, compress_kind kind, int level, char *err);
/* An already open descriptor (not closed); AUTO means NONE. For pipes and tests. */
outstream *outstream_open_fd(int fd, const char *name, compress_kind kind, int level, char *err);
int outstream_write(outstream *s, const void *p, size_t n);       /* STREAM_OK/ERR/EPIPE */
/* Flush, finish the frame, fsync-free close and rename into place. STREAM_OK/ERR/EPIPE.
 * STREAM_OK frees s. On failure the temporary file is already removed and s stays valid for
 * outstream_error(); call outstream_abort(s) to free it (if never called, s stays reachable
 * and is not reported as a leak). */
int outstream_close(outstream *s);
/* Remove the temporary file (if any) and free. */
void outstream_abort(outstream *s);
const char *outstream_error(const outstream *s);
const char *outstream_name(const outstream *s);
compress_kind compress_from_name(const char *path);   /* by extension; NONE if no match */
int compress_parse(const char *s, compress_kind *k);   /* "zstd|gzip|none|auto" */

/* Small helpers used by several modules. */
int stream_mkdirs(const char *dir, char *err);                     /* mkdir -p */
int stream_write_file(const char *path, const void *p, size_t n, char *err); /* atomic */
int stream_read_file(const char *path, buf *out, char *err);       /* whole file, decompressed */

#endif
