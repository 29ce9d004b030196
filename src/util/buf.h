/*
 * buf.h — bounded, growable byte buffer (after curl's dynbuf).
 *
 * Every buffer is created with a hard maximum; appends past it fail with
 * BUF_TOOBIG instead of growing without bound. The content is always
 * NUL-terminated so it can be used as a C string. Allocation failure aborts
 * (see xmem.h), so callers only handle the size limit.
 */
#ifndef XUNJI_BUF_H
#define XUNJI_BUF_H

#include <stdarg.h>
#include <stddef.h>

enum { BUF_OK = 0, BUF_TOOBIG = -1 };

typedef struct buf {
  char *p;     /* content, NUL-terminated (NULL until first append) */
  size_t len;  /* bytes used, excluding the NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* hard limit on len */
} buf;

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_reset(buf *b);
__attribute__((warn_unused_result)) int buf_add(buf *b, const void *p, size_t n);
__attribute__((warn_unused_result)) int buf_adds(buf *b, const char *s);
__attribute__((warn_unused_result, format(printf, 2, 3))) int buf_addf(buf *b, const char *fmt, ...);
__attribute__((warn_unused_result)) int buf_vaddf(buf *b, const char *fmt, va_list ap);
/* Returns the content ("" when empty); valid until the next append or free. */
const char *buf_str(const buf *b);
/* Hands the content over to the caller (free() it); the buffer is reset. */
char *buf_take(buf *b);

/* A list inside a message (e.g. the people blocking a mobilization): items
 * joined by sep (LIST_SEP "、" unless the items hold commas themselves),
 * taking at most limit bytes of b. An item that does not fit is counted,
 * with every later one, and buf_list_end writes "…等 N 项" (N = the items
 * not shown). A first item longer than limit is cut at a character
 * boundary and ends with "…". The text stays valid UTF-8. */
#define LIST_SEP "、"
enum { LIST_TAIL = 40 }; /* bytes kept free for the tail */
typedef struct buf_list {
  buf *b;
  const char *sep;
  size_t end;   /* b->len may grow up to here (limit from the start) */
  size_t shown; /* items written */
  size_t more;  /* items left out */
} buf_list;

void buf_list_begin(buf_list *l, buf *b, const char *sep, size_t limit);
void buf_list_add(buf_list *l, const char *item);
__attribute__((format(printf, 2, 3))) void buf_list_addf(buf_list *l, const char *fmt, ...);
/* Appends "…等 N 项" when items were left out (begin keeps LIST_TAIL bytes
 * of b's max free for it). */
void buf_list_end(buf_list *l);

#endif
