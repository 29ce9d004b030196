/*
 * result.h — the one result of a service (issue 14, item 3): a domain
 * operation returns 0, or an error described here — the HTTP status it maps
 * to, a code, the field at fault and a Chinese message — never a reply
 * already sent, never a bare store code. HTTP writes it as
 * {"error":{code,message,field,...extra}} (api_xres, api/api.h); the CLI
 * prints the message on stderr and exits 1 (cli_xres, cli/cli.h).
 *
 *   xres x = XRES_INIT;
 *   if (svc_persons_import(app, &actor, in, &out, &x)) { ... x.message ... }
 *   xres_free(&x);
 */
#ifndef XUNJI_RESULT_H
#define XUNJI_RESULT_H

#include <jansson.h>
#include <stdarg.h>

#include "core/fields.h"

/* The longest message in bytes (longer ones are cut at a character boundary, "…"). */
enum { XRES_MSG_MAX = 4096 };

typedef struct xres {
  int status;                      /* 0: success; else 400, 403, 404, 409, 413, 500, 503 */
  char code[40];                   /* "invalid_rows", "not_found", ... */
  char field[64];                  /* the input field at fault, "" if none */
  char message[XRES_MSG_MAX + 1];  /* Chinese, for people */
  json_t *extra;                   /* more members of the error object (e.g. "rows"), owned; or NULL */
} xres;

#define XRES_INIT {0, "", "", "", NULL}

/* Sets the error (replacing an earlier one, extra kept) and returns status.
 * The message is formatted whole and cut at a character boundary. */
int xres_err(xres *x, int status, const char *code, const char *fld, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int xres_verr(xres *x, const verr *e);
/* A store failure rc (store/store.h): 409 conflict/constraint, 503 busy,
 * 413 too large, else 500; the 500s name the request id rid, and the cause
 * (errmsg, may be NULL) goes to the log, never to the message. */
int xres_store(xres *x, int rc, const char *rid, const char *errmsg);
/* Adds member key to the error object (takes v). */
void xres_put(xres *x, const char *key, json_t *v);
/* Releases extra; x may be reused. */
void xres_free(xres *x);

#endif
