/*
 * buf.h — bounded, growable byte buffer (after curl's dynbuf).
 *
 * Every buffer is created with a hard maximum; appends past it fail with
 * BUF_TOOBIG instead of growing without bound. The content is always
 * NUL-terminated so it can be used as a C string. Allocation failure aborts
 * (see xmem.h), so callers only handle the size limit.
 *
 * The size limit is sticky: the first append that does not fit marks the
 * buffer failed, drops its content and replaces it with BUF_POISON; every
 * later append is a no-op that returns BUF_TOOBIG, until buf_reset(). Callers
 * may therefore append without checking each call and check buf_failed()
 * once where the content is used. The poison is a safety net for a missed
 * check: it starts with a control byte that is never part of SQL we build,
 * so the store refuses any statement containing it (STORE_TOOBIG) instead of
 * running a statement whose later conditions (e.g. the scope) were cut off.
 * No input can make a full buffer end the process.
 */
#ifndef XUNJI_BUF_H
#define XUNJI_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum { BUF_OK = 0, BUF_TOOBIG = -1 };

/* The content of a failed buffer. BUF_POISON_CHAR never occurs in SQL text. */
#define BUF_POISON_CHAR '\x01'
#define BUF_POISON "\x01(buffer limit exceeded)"

typedef struct buf {
  char *p;     /* content, NUL-terminated (NULL until first append) */
  size_t len;  /* bytes used, excluding the NUL */
  size_t cap;  /* bytes allocated */
  size_t max;  /* hard limit on len */
  bool failed; /* an append did not fit (sticky until buf_reset) */
} buf;

void buf_init(buf *b, size_t max);
void buf_free(buf *b);
/* Marks b failed (content replaced by BUF_POISON, which the store refuses to
 * run): for content that must not be used. Returns BUF_TOOBIG. */
int buf_fail(buf *b);
/* Empties the buffer and clears the failed mark. */
void buf_reset(buf *b);
/* Appends; BUF_TOOBIG (and the buffer failed) past max. Ignoring the result
 * is allowed: check buf_failed() where the content is used. */
int buf_add(buf *b, const void *p, size_t n);
int buf_adds(buf *b, const char *s);
__attribute__((format(printf, 2, 3))) int buf_addf(buf *b, const char *fmt, ...);
int buf_vaddf(buf *b, const char *fmt, va_list ap);
/* True once an append did not fit. */
bool buf_failed(const buf *b);
/* Returns the content ("" when empty, BUF_POISON when failed); valid until
 * the next append or free. */
const char *buf_str(const buf *b);
/* The content, or fallback when the buffer failed (for text shown to people). */
const char *buf_str_or(const buf *b, const char *fallback);
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
