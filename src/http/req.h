/*
 * req.h — one HTTP request as the handlers see it: parsed input, the
 * authenticated principal, and the response being built. Owned by the HTTP
 * layer (http/server.c) for the life of the request.
 */
#ifndef XUNJI_REQ_H
#define XUNJI_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "app.h"
#include "core/roles.h"
#include "sec/audit.h"
#include "util/buf.h"

struct MHD_Connection;
struct route;

enum { REQ_MAX_PARAMS = 4 };

typedef struct req {
  app *app;
  struct MHD_Connection *conn;
  const char *method;
  char *path;        /* without the query string */
  char id[24];       /* request id, echoed as X-Request-Id */
  char ip[48];        /* the socket peer (a gateway, when behind one) */
  char client_ip[48]; /* the real client: the peer, or what a trusted proxy forwarded
                       * (X-Forwarded-For / X-Real-IP); use for throttles and audit */
  struct timespec t0;
  buf body;
  bool too_large;
  bool via_proxy;     /* the peer is one of trusted_proxies */
  bool prepared;      /* route, authentication and authz done from the headers */
  bool over_budget;   /* the global in-flight body budget ran out (503) */
  bool upload_failed; /* the upload's temp file could not be written (500) */
  size_t held;        /* bytes of the in-flight body budget this request holds */
  int upload_fd;      /* >0: RF_UPLOAD body streamed to this unlinked temp file */
  size_t upload_len;
  json_t *in;        /* parsed JSON body (object), or NULL */
  int nparams;
  char params[REQ_MAX_PARAMS][64]; /* {id}-style path parameters */
  const struct route *route;

  /* who */
  bool authed;
  bool via_cookie;
  principal who;
  char sid_hash[65]; /* session row key, when via cookie */
  char csrf[65];
  /* second factor and token scope (api/twofa.c, issue 18) */
  bool has_2fa;          /* the user confirmed a TOTP enrolment */
  bool must_enrol;       /* a 三员 without TOTP while require_2fa_admin is on */
  bool fresh_2fa;        /* a second factor within step_up_minutes, or a valid X-Xunji-OTP */
  bool via_token;        /* authenticated by an API token */
  char token_scope[512]; /* that token's scope */

  /* response */
  int status;
  json_t *out;
  char *raw;          /* non-JSON body (static files) */
  size_t rawlen;
  const char *ctype;  /* for raw */
  int rawfd;          /* >0: body streamed from this (unlinked) file, rawfd_size bytes */
  size_t rawfd_size;
  char disposition[1024]; /* Content-Disposition, if any (downloads) */
  bool frame_self;    /* an inline preview our own pages may frame (sandboxed) */
  char etag[32];
  char cookie[256];   /* Set-Cookie value, if any */
  audit_head head;    /* newest audit entry written by this request */
  /* the answer cache (api/answers.c) */
  struct answer *answer; /* a hit: the reply is this entry's bytes (a reference) */
  char *akey;            /* a cacheable miss: its key (owned), version and key ring */
  size_t aklen;
  uint64_t ahash, aversion;
  bool abusy;            /* this request computes its key's answer; others wait (answers_done) */
  uintptr_t aring;
  time_t auth_until;     /* session_authenticate: its decision holds while xnow() < this */
  int arefresh;          /* > 0: this request renews a kept answer that ends within this many
                          * seconds (the others are still served the kept one); its last use
                          * is then written that much early */
  time_t aold_until;     /* the end of the answer it renews */
  /* An export (domain/reports/listexport.c): the list handler's rows go to
   * this sink, all of them, instead of a page (api/paging.c api_list). */
  struct list_sink *list_sink;
} req;

/* Query string argument, or NULL. */
const char *req_arg(req *r, const char *name);
/* Cookie value, or NULL. */
const char *req_cookie(req *r, const char *name);
/* Request header, or NULL. */
const char *req_header(req *r, const char *name);
/* Calls fn for each query argument; stops and returns false if fn does. */
bool req_each_arg(req *r, bool (*fn)(void *ctx, const char *k, const char *v), void *ctx);

#endif
