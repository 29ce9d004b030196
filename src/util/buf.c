/*
 * buf.c — bounded, growable byte buffer. See buf.h.
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmem.h"

void buf_init(buf *b, size_t max) {
  b->p = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

void buf_free(buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

void buf_reset(buf *b) {
  b->len = 0;
  if (b->p) b->p[0] = '\0';
}

int buf_add(buf *b, const void *p, size_t n) {
  if (n > b->max - b->len) return BUF_TOOBIG;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    if (cap > b->max + 1) cap = b->max + 1;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = '\0';
  return BUF_OK;
}

int buf_adds(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

int buf_vaddf(buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return BUF_TOOBIG;
  if ((size_t)n > b->max - b->len) return BUF_TOOBIG;
  int rc = buf_add(b, "", 0); /* make sure p exists */
  if (rc) return rc;
  if (b->len + (size_t)n + 1 > b->cap) {
    size_t cap = b->cap;
    while (cap < b->len + (size_t)n + 1) cap *= 2;
    if (cap > b->max + 1) cap = b->max + 1;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
  vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  b->len += (size_t)n;
  return BUF_OK;
}

int buf_addf(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vaddf(b, fmt, ap);
  va_end(ap);
  return rc;
}

const char *buf_str(const buf *b) { return b->p ? b->p : ""; }

char *buf_take(buf *b) {
  char *p = b->p ? b->p : xstrdup("");
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}
