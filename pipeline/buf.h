/*
 * buf — a growable byte buffer and the error convention shared by every module.
 *
 * Invariants: p[len] is always '\0' when p != NULL (so a buffer can be read as a C string);
 * len <= cap. A zeroed buf is empty and valid. Growth doubles, so appends are amortised O(1).
 *
 * Errors: library functions return 0 on success and -1 on failure, and write a one-line
 * reason (no trailing newline, no program name) into an `err` buffer of ERR_MAX bytes that
 * the caller owns. Only cmd/ prints.
 */
#ifndef WN_BUF_H
#define WN_BUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define ERR_MAX 512

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

void buf_free(buf *b);
void buf_reset(buf *b);                           /* len = 0, keeps memory */
void buf_reserve(buf *b, size_t extra);           /* cap >= len + extra + 1; aborts on OOM */
void buf_add(buf *b, const void *p, size_t n);
void buf_addc(buf *b, char c);
void buf_adds(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_add_u64(buf *b, uint64_t v);             /* decimal, fast */

/* Write a formatted reason into err (ERR_MAX bytes). Returns -1 so callers can
 * `return err_set(err, "...")`. err may be NULL. */
int err_set(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* xmalloc family: abort with a message on OOM (the one place library code may exit:
 * there is no useful recovery from OOM in a filter). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
