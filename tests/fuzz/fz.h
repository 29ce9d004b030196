/*
 * fz.h — what the fuzz targets that enter through the dispatch choke point
 * share (tests/fuzz/fz.c): the real application (SQLite store, keys, demo
 * data) opened once per process in a temporary directory, signed-in
 * principals for several roles, a stand-in for libmicrohttpd's request
 * (query arguments, headers, cookies) that fills the same `req` struct
 * src/http/server.c fills, a check of every reply, and a cheap reset of the
 * database to its initial state between inputs.
 */
#ifndef XUNJI_FZ_H
#define XUNJI_FZ_H

#include <stddef.h>

#include "http/req.h"

/* Signed-in principals, by index (the request target's role character). */
enum { FZ_NROLES = 18 };
extern const char *const fz_logins[FZ_NROLES];

/* How a request authenticates. */
typedef enum {
  FZ_NONE,        /* no credentials */
  FZ_BEARER,      /* Authorization: Bearer <the role's API token> */
  FZ_COOKIE,      /* session cookie and the matching X-CSRF-Token */
  FZ_COOKIE_BARE, /* session cookie only */
  FZ_BAD_BEARER,  /* a well-formed but unknown token */
} fz_auth;

enum { FZ_MAX_HDRS = 16 };

typedef struct fz_spec {
  const char *method;
  const char *url; /* path and query string, as on the request line */
  int role;        /* index into fz_logins, or -1 */
  fz_auth auth;
  int nhdrs;
  const char *hk[FZ_MAX_HDRS], *hv[FZ_MAX_HDRS];
  const void *body;
  size_t len;
} fz_spec;

/* Opens the application once (idempotent). Exits the process on failure. */
void fz_init(void);
/* Runs one request through api_dispatch, checks the reply (aborts with a
 * description if it is malformed) and returns it; free with fz_free. */
req *fz_send(const fz_spec *s);
void fz_free(req *r);
/* Restores the database (and the evidence directory) to the state after
 * fz_init if any request changed it. */
void fz_reset(void);

/* Ids known after fz_init, for "@" tokens in inputs (see fz_expand). */
const char *fz_id(char kind, int n);
/* Expands @-tokens in s into a malloc'd string: @oN org, @tN team,
 * @gN target, @r / @rN round, @uN user, @cN clue, @pN problem, @eN report, @nN person,
 * @x an unknown id, @D today (YYYY-MM-DD), @$N / @vN the id / version of
 * the N-th earlier reply of the same input (prev, nprev). */
char *fz_expand(const char *s, size_t len, req *const *prev, int nprev, size_t *outlen);

/* Runs the requests of an input in its text form, at most max of them,
 * separated by a line "%%". Each request:
 *     <role><auth> METHOD /path?query      role: 0-9, a-h (fz_logins), '-' none;
 *     Header: value                        auth: b bearer, c cookie + CSRF,
 *     ...                                        k cookie only, n none, w bad token
 *     <empty line>
 *     body (Content-Type application/json unless a header says otherwise)
 * @-tokens are expanded in the URL, header values and body. Stores each
 * reply in out (free with fz_free) and returns how many. */
int fz_run(const char *data, size_t len, req **out, int max);

/* The URL-decoding MHD applies to the path and to query arguments. */
void fz_unescape(char *s, int plus);

#endif
