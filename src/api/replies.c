/*
 * replies.c — the answers a handler gives: the JSON error shape (code,
 * Chinese message cut at a character boundary, field), the result type of the
 * services turned into a reply, success with a body, the store failure
 * reply (logged with the request id, never the data).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
#include "api/entity.h"
#include "api/record.h"
#include "api/service.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

/* ---- replies ------------------------------------------------------------- */
int api_error(req *r, int status, const char *code, const char *fld, const char *fmt, ...) {
  /* Formatted whole, then cut at a character boundary if longer than
   * API_MSG_MAX bytes, so a long Chinese message stays valid UTF-8 (lists
   * are shortened before, with buf_list: "…等 N 项"). */
  va_list ap;
  va_start(ap, fmt);
  char *msg = xmalloc(API_MSG_MAX + 1);
  text_vfmt(msg, API_MSG_MAX + 1, fmt, ap);
  va_end(ap);
  json_decref(r->out);
  json_t *field_v = json_string(fld ? fld : "");
  if (!field_v) field_v = json_string(""); /* invalid UTF-8 from a client: not echoed */
  json_t *msg_v = json_string(msg);
  if (!msg_v) msg_v = json_string("请求无效"); /* invalid UTF-8 in a client's value */
  free(msg);
  r->out = json_pack("{s:{s:s,s:o,s:o}}", "error", "code", code, "message", msg_v, "field",
                     field_v);
  r->status = status;
  return status;
}

int api_xres(req *r, xres *x) {
  api_error(r, x->status ? x->status : 500, x->code[0] ? x->code : "internal", x->field, "%s",
            x->message);
  if (x->extra) json_object_update(json_object_get(r->out, "error"), x->extra);
  xres_free(x);
  return r->status;
}

int api_verr(req *r, const verr *e) {
  return api_error(r, e->status ? e->status : 400, e->code, e->field, "%s", e->message);
}

int api_ok(req *r, int status, json_t *out) {
  json_decref(r->out);
  r->out = out;
  r->status = status;
  return status;
}

int api_store_error(req *r, int rc, store_tx *tx) {
  xres x = XRES_INIT;
  xres_store(&x, rc, r->id, tx ? store_errmsg(tx) : NULL);
  return api_xres(r, &x);
}

const char *api_now(char b[21]) {
  ts_now(b);
  return b;
}
