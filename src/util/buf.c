/*
 * buf.c — bounded, growable byte buffer. See buf.h.
 */
#include "util/buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
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
int buf_fail(buf *b) {
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
  if (b->len > b->max || n > b->max - b->len) return buf_fail(b);
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
  if (n < 0 || b->len > b->max || (size_t)n > b->max - b->len) return buf_fail(b);
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

/* ---- lists in messages ------------------------------------------------------------ */
void buf_list_begin(buf_list *l, buf *b, const char *sep, size_t limit) {
  l->b = b;
  l->sep = sep ? sep : LIST_SEP;
  /* keep room for the tail after the items */
  size_t room = b->max > b->len + LIST_TAIL ? b->max - b->len - LIST_TAIL : 0;
  l->end = b->len + (limit < room ? limit : room);
  l->shown = l->more = 0;
}

void buf_list_add(buf_list *l, const char *item) {
  buf *b = l->b;
  size_t sl = l->shown ? strlen(l->sep) : 0, il = strlen(item);
  if (l->more || b->len + sl + il > l->end) {
    if (l->shown || l->more) {
      l->more++;
      return;
    }
    /* the first item alone is too long: as much of it as fits, then "…" */
    size_t room = l->end - b->len;
    size_t ell = strlen("…");
    size_t keep = room > ell ? utf8_prefix(item, room - ell < il ? room - ell : il) : 0;
    if (!keep || buf_add(b, item, keep) || buf_adds(b, "…")) {
      l->more++;
      return;
    }
    l->shown++;
    return;
  }
  if ((sl && buf_adds(b, l->sep)) || buf_adds(b, item)) {
    l->more++; /* cannot happen: checked above */
    return;
  }
  l->shown++;
}

void buf_list_addf(buf_list *l, const char *fmt, ...) {
  buf t;
  buf_init(&t, l->b->max);
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vaddf(&t, fmt, ap);
  va_end(ap);
  if (rc) {
    l->more++;
  } else {
    buf_list_add(l, buf_str(&t));
  }
  buf_free(&t);
}

void buf_list_end(buf_list *l) {
  if (!l->more) return;
  char tail[LIST_TAIL];
  size_t el = strlen("…");
  bool cut = l->b->len >= el && !memcmp(l->b->p + l->b->len - el, "…", el); /* a cut first item */
  snprintf(tail, sizeof tail, "%s等 %zu 项", cut ? "" : "…", l->more);
  if (buf_adds(l->b, tail)) return; /* cannot happen: begin kept room for it */
}
