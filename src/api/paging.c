/*
 * paging.c — request input shared by handlers: the JSON body against
 * declared fields, If-Match/ETag, page and per_page, and the paged list
 * (count + page in one read transaction).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
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

/* ---- input -------------------------------------------------------------- */
int api_body(req *r, const field *f, int n, bool partial) {
  if (!r->in) r->in = json_object();
  verr e;
  if (!fields_validate(r->in, f, n, partial, &e)) return api_verr(r, &e);
  return 0;
}

void api_set_etag(req *r, int64_t version) {
  snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)version);
}

int api_if_match(req *r, int64_t version) {
  const char *im = req_header(r, "If-Match");
  if (!im || strcmp(im, "*") == 0) return 0;
  char want[32];
  snprintf(want, sizeof want, "\"%lld\"", (long long)version);
  const char *p = im;
  if (strncmp(p, "W/", 2) == 0) p += 2;
  if (strcmp(p, want) == 0) return 0;
  return api_error(r, 409, "stale", "If-Match",
                   "记录已被他人修改 (当前版本 %lld), 请刷新后重试", (long long)version);
}

int api_paging(req *r, int64_t *limit, int64_t *offset) {
  /* the paging rules of the one argument parser (core/args.c) */
  static const args_spec paging = {.paging = true};
  args a;
  args_init(&a, &paging, 0);
  const char *ps = req_arg(r, "page"), *pp = req_arg(r, "per_page");
  if (ps) args_add(&a, "page", ps);
  if (pp) args_add(&a, "per_page", pp);
  int status = args_finish(&a);
  if (status) status = api_error(r, status, a.code, a.field, "%s", a.message);
  *limit = a.limit;
  *offset = a.offset;
  args_free(&a);
  return status;
}

/* The whole list to r->list_sink (see api.h): chunks of the same query. */
static int list_to_sink(req *r, const api_list_q *q) {
  enum { CHUNK = 500 };
  const list_sink *s = r->list_sink;
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  buf sql;
  buf_init(&sql, 32768);
  int64_t total = 0;
  buf_addf(&sql, "SELECT count(*) FROM %s%s", q->from, q->where);
  rc = store_query_int(tx, buf_str(&sql), q->p, q->np, &total);
  if (!rc && total > s->cap) {
    buf_free(&sql);
    store_rollback(tx);
    return api_error(r, 413, "too_many_rows", "", "记录共 %lld 条, 超过一次导出的上限 %lld 条, 请缩小查询范围",
                     (long long)total, (long long)s->cap);
  }
  int bad = !rc && s->begin ? s->begin(s->ctx, total) : 0;
  buf_reset(&sql);
  buf_addf(&sql, "SELECT %s FROM %s%s%s LIMIT $%d OFFSET $%d", q->cols, q->from, q->where,
           q->order, q->np + 1, q->np + 2);
  for (int64_t off = 0; !rc && !bad && off < total; off += CHUNK) {
    q->p[q->np] = SV_I(CHUNK);
    q->p[q->np + 1] = SV_I(off);
    json_t *items = store_query_json(tx, buf_str(&sql), q->p, q->np + 2);
    if (!items) rc = STORE_ERR;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      if (q->fix) q->fix(tx, it, q->ctx);
      if (!bad) bad = s->row(s->ctx, it);
    }
    json_decref(items);
  }
  buf_free(&sql);
  store_rollback(tx);
  if (rc) return api_store_error(r, rc, NULL);
  if (bad) return api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  return api_ok(r, 200, json_pack("{s:I}", "total", (json_int_t)total));
}

int api_list(req *r, const api_list_q *q) {
  if (r->list_sink) return list_to_sink(r, q);
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  buf sql;
  buf_init(&sql, 32768);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t total = 0;
  buf_addf(&sql, "SELECT count(*) FROM %s%s", q->from, q->where);
  rc = store_query_int(tx, buf_str(&sql), q->p, q->np, &total);
  buf_reset(&sql);
  buf_addf(&sql, "SELECT %s FROM %s%s%s LIMIT $%d OFFSET $%d", q->cols, q->from, q->where,
           q->order, q->np + 1, q->np + 2);
  q->p[q->np] = SV_I(limit);
  q->p[q->np + 1] = SV_I(offset);
  json_t *items = rc == STORE_OK ? store_query_json(tx, buf_str(&sql), q->p, q->np + 2) : NULL;
  buf_free(&sql);
  size_t i;
  json_t *it;
  if (items && q->fix) json_array_foreach(items, i, it) q->fix(tx, it, q->ctx);
  store_rollback(tx);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}
