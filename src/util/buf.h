/* buf.h: a growable byte buffer that owns its memory; used to build response bodies and NDJSON lines.
 * Allocation failure aborts the process (orgpulse treats out-of-memory as fatal, as Redis does). */
#ifndef ORGPULSE_UTIL_BUF_H
#define ORGPULSE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data; /* NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t n);
void buf_append_str(buf *b, const char *s);
void buf_append_char(buf *b, char c);
void buf_appendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (quoted, escaped). */
void buf_append_json_string(buf *b, const char *s, size_t n);
/* The contents as a C string (never NULL). */
const char *buf_cstr(buf *b);
/* Hand the memory to the caller (who frees it with free()); the buffer is left empty. */
char *buf_detach(buf *b, size_t *out_len);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow an array of `elem`-byte items indexed by a day or hour number so that `index` is valid: the count doubles
 * from 1024 and new items are zeroed. Returns the (possibly moved) array; *count is updated. */
void *xgrow_indexed(void *items, int32_t *count, int32_t index, size_t elem);
/* Zeroed memory for large random-access tables (hash sets, maps): from 4 MiB on it is mapped with transparent huge
 * pages requested, which cuts TLB misses; free it with xfree_table and the same size. */
void *xcalloc_table(size_t bytes);
void xfree_table(void *p, size_t bytes);

#endif
