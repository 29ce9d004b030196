/*
 * xmem.c — fatal-on-OOM allocation and secret wiping. See xmem.h.
 */
#include "util/xmem.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The process's only abort (xmem.h): not reachable by input alone, since
 * every size that input controls is bounded before it is allocated (bounded
 * buffers, body and part caps) and lengths are bounded before any crypto call. */
_Noreturn void xfatal(const char *msg) {
  fprintf(stderr, "xunji: %s\n", msg);
  abort();
}

/* Lack of memory: callers never carry OOM branches. */
static void oom(void) { xfatal("内存不足 (out of memory)"); }

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom();
  return p;
}

void *xcalloc(size_t n, size_t m) {
  void *p = calloc(n ? n : 1, m ? m : 1);
  if (!p) oom();
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom();
  return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n) {
  size_t l = strnlen(s, n);
  char *p = xmalloc(l + 1);
  memcpy(p, s, l);
  p[l] = '\0';
  return p;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) oom(); /* only for an invalid format, which the format attribute rules out */
  char *p = xmalloc((size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void xwipe(void *p, size_t n) {
  if (p && n) OPENSSL_cleanse(p, n);
}

int xstrlcpy(char *dst, const char *src, size_t n) {
  if (n == 0) return -1;
  size_t l = strnlen(src, n);
  if (l == n) {
    memcpy(dst, src, n - 1);
    dst[n - 1] = '\0';
    return -1;
  }
  memcpy(dst, src, l + 1);
  return 0;
}
