/*
 * xmem.h — allocation wrappers: out-of-memory is fatal (after Kore's
 * kore_malloc), so callers never carry OOM branches; plus explicit wiping of
 * secrets and small string helpers that are bounded by construction.
 */
#ifndef XUNJI_XMEM_H
#define XUNJI_XMEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that never returns NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one place the process stops for a failure of the system below it (no
 * memory, the random source, the crypto library), never for anything a
 * request sends: prints msg (Chinese) and aborts. Continuing would issue ids
 * or keys without randomness, or unsealed data. */
_Noreturn void xfatal(const char *msg);
/* Wipes n bytes in a way the compiler may not elide (OPENSSL_cleanse). */
void xwipe(void *p, size_t n);
/* Copies src into dst of size n, always NUL-terminating; returns 0 or -1 if truncated. */
int xstrlcpy(char *dst, const char *src, size_t n);

#endif
