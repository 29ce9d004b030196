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
  b->failed = false;
}

void buf_free(buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}

void buf_reset(buf *b) {
  b->len = 0;
  b->failed = false;
  if (b->p) b->p[0] = '\0';
}

/* Marks b failed: the content is dropped and replaced by the poison. */
static int overflow(buf *b) {
  if (!b->failed) {
    size_t n = sizeof BUF_POISON;
    if (b->cap < n) {
      b->p = xrealloc(b->p, n);
      b->cap = n;
    }
    memcpy(b->p, BUF_POISON, n);
    b->len = n - 1;
    b->failed = true;
  }
  return BUF_TOOBIG;
}

static void reserve(buf *b, size_t n) {
  if (b->len + n + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + n + 1) cap *= 2;
  if (cap > b->max + 1) cap = b->max + 1;
  if (cap < b->len + n + 1) cap = b->len + n + 1;
  b->p = xrealloc(b->p, cap);
  b->cap = cap;
}

int buf_add(buf *b, const void *p, size_t n) {
  if (b->failed) return BUF_TOOBIG;
  if (b->len > b->max || n > b->max - b->len) return overflow(b);
  reserve(b, n);
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = '\0';
  return BUF_OK;
}

int buf_adds(buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

int buf_vaddf(buf *b, const char *fmt, va_list ap) {
  if (b->failed) return BUF_TOOBIG;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0 || b->len > b->max || (size_t)n > b->max - b->len) return overflow(b);
  reserve(b, (size_t)n);
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

bool buf_failed(const buf *b) { return b->failed; }

const char *buf_str(const buf *b) { return b->p ? b->p : ""; }

const char *buf_str_or(const buf *b, const char *fallback) {
  return b->failed ? fallback : buf_str(b);
}

char *buf_take(buf *b) {
  char *p = b->p ? b->p : xstrdup("");
  b->p = NULL;
  b->len = b->cap = 0;
  b->failed = false;
  return p;
}
