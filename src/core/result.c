/*
 * result.c — the one result of a service. See result.h.
 */
#include "core/result.h"

#include <stdio.h>
#include <string.h>

#include "store/store.h"
#include "util/text.h"

static void put_text(char *out, size_t size, const char *s) {
  snprintf(out, size, "%s", s ? s : "");
  utf8_fix_end(out);
}

int xres_err(xres *x, int status, const char *code, const char *fld, const char *fmt, ...) {
  x->status = status;
  put_text(x->code, sizeof x->code, code);
  put_text(x->field, sizeof x->field, fld);
  va_list ap;
  va_start(ap, fmt);
  text_vfmt(x->message, sizeof x->message, fmt, ap);
  va_end(ap);
  return status;
}

int xres_verr(xres *x, const verr *e) {
  return xres_err(x, e->status ? e->status : 400, e->code, e->field, "%s", e->message);
}

int xres_store(xres *x, int rc, const char *rid, const char *errmsg) {
  if (!rid) rid = "-";
  if (rc == STORE_CONFLICT) return xres_err(x, 409, "conflict", "", "记录已存在 (名称或编号重复)");
  if (rc == STORE_CONSTRAINT)
    return xres_err(x, 409, "constraint", "", "数据不满足约束 (引用的记录不存在或取值无效)");
  if (rc == STORE_BUSY) return xres_err(x, 503, "busy", "", "系统繁忙, 请稍后重试");
  if (rc == STORE_TOOBIG) {
    fprintf(stderr, "xunji: %s 查询语句超出缓冲区上限, 已拒绝\n", rid);
    return xres_err(x, 413, "too_large", "", "查询条件或内容过多, 无法处理 (请求编号 %s)", rid);
  }
  fprintf(stderr, "xunji: %s 数据库错误: %s\n", rid, errmsg ? errmsg : "?");
  return xres_err(x, 500, "internal", "", "服务器内部错误 (请求编号 %s)", rid);
}

void xres_put(xres *x, const char *key, json_t *v) {
  if (!x->extra) x->extra = json_object();
  json_object_set_new(x->extra, key, v);
}

void xres_free(xres *x) {
  json_decref(x->extra);
  x->extra = NULL;
}
