/*
 * stats.c — GET /api/v1/stats and the drill-down of each figure. Thin: it
 * parses the filters and lets report/stats.c evaluate the measures table
 * (core/measures.c) for the user: which rows each figure counts is the
 * visibility model's (core/visibility.h), for the record kind of the source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "report/stats.h"
#include "util/text.h"

/* The measures' filters (core/measures.h) as declarations of the one parser
 * (core/args.h), then extra (nextra) declared by the route. Their meaning
 * (ids, dates, the range) is mfilters_check's. */
int reports_filters(req *r, mfilters *f, const arg_decl *extra, int nextra, bool paging) {
  memset(f, 0, sizeof *f);
  arg_decl d[MF__MAX + 4];
  int n = 0;
  for (int i = 0; i < MF__MAX; i++)
    d[n++] = (arg_decl){.name = mfilter_names[i], .label = mfilter_labels[i], .type = ARG_TEXT,
                        .flags = ARG_EMPTY_NULL, .max = 200};
  for (int i = 0; i < nextra && n < (int)(sizeof d / sizeof *d); i++) d[n++] = extra[i];
  args_spec spec = {.decls = d, .n = n, .max = n, .paging = paging};
  args a;
  int status = api_args(r, &spec, 0, &a);
  /* the values as the request holds them (they outlive the parse) */
  for (int i = 0; !status && i < MF__MAX; i++) {
    const char *v = args_has(&a, mfilter_names[i]) ? req_arg(r, mfilter_names[i]) : NULL;
    f->v[i] = v && *v ? v : NULL;
  }
  args_free(&a);
  if (status) return status;
  mfilter bad;
  if (mfilters_check(f, &bad))
    return api_error(r, 400, "invalid_field", mfilter_names[bad], "查询条件「%s」无效",
                     mfilter_labels[bad]);
  return 0;
}

int reports_scope(req *r, action_id a, mscope *s) {
  *s = (mscope){.who = &r->who, .act = a, .all = false};
  return 0;
}

int h_stats(req *r) {
  mfilters f;
  mscope s;
  if (reports_filters(r, &f, NULL, 0, false) || reports_scope(r, A_STATS_READ, &s))
    return r->status;
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *out = NULL;
  if (svc_stats(r->app, &ac, &c, NULL, &out, &x)) return api_xres(r, &x);
  return api_ok(r, 200, out);
}

int h_stats_measures(req *r) {
  json_t *a = json_array();
  mscope s;
  if (reports_scope(r, A_STATS_READ, &s)) {
    json_decref(a);
    return r->status;
  }
  mfilters f = {0};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  for (int i = 0; i < nmeasures; i++) {
    const measure *m = &measures[i];
    if (!stats_visible(&c, m)) continue;
    json_t *fl = json_array();
    for (int k = 0; k < MF__MAX; k++)
      if (measure_uses(m, (mfilter)k)) json_array_append_new(fl, json_string(mfilter_names[k]));
    json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o}", "name", m->name, "label", m->label,
                                       "unit", m->unit, "source", m->src->label, "filters", fl));
  }
  return api_ok(r, 200, json_pack("{s:o}", "items", a));
}

int h_stats_records(req *r) {
  static const arg_decl extra[] = {
      {.name = "key", .label = "分类", .type = ARG_TEXT, .flags = ARG_NONEMPTY, .max = 64,
       .msg = "「分类」无效"},
      {.name = "cursor", .label = "游标", .type = ARG_TEXT, .flags = ARG_NONEMPTY, .max = 4096,
       .msg = "「游标」无效"},
  };
  const measure *m = measure_find(r->params[0]);
  if (!m) return api_error(r, 404, "not_found", "", "统计指标不存在");
  mfilters f;
  mscope s;
  if (reports_filters(r, &f, extra, ARGS_N(extra), true) || reports_scope(r, A_STATS_READ, &s))
    return r->status;
  int64_t limit, offset;
  if (api_paging_keyset(r, &limit, &offset)) return r->status;
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  if (!stats_visible(&c, m)) return api_deny(r, m->src->vis->read, "measure", NULL, 0);
  const char *key = req_arg(r, "key"); /* checked above */
  /* keyset paging (issue 15): the `next` of the previous page */
  c.cursor = req_arg(r, "cursor");
  if (c.cursor && !stats_cursor_ok(m, c.cursor))
    return api_error(r, 400, "invalid_field", "cursor", "「游标」无效");
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *out = NULL;
  if (svc_stats_records(r->app, &ac, &c, m, key, limit, offset, &out, &x)) return api_xres(r, &x);
  if (!c.cursor) json_object_set_new(out, "page", json_integer(offset / limit + 1));
  json_object_set_new(out, "per_page", json_integer(limit));
  return api_ok(r, 200, out);
}

int h_stats_groups(req *r) {
  static const char *const dim_names[] = {"round", "team", "unit", NULL};
  static const mfilter dims[] = {MF_ROUND, MF_TEAM, MF_UNIT};
  static const arg_decl extra[] = {
      {.name = "by", .label = "分组", .type = ARG_ENUM, .values = dim_names,
       .msg = "「分组」须为 round、team 或 unit"},
  };
  const measure *m = measure_find(r->params[0]);
  if (!m) return api_error(r, 404, "not_found", "", "统计指标不存在");
  mfilters f;
  mscope s;
  if (reports_filters(r, &f, extra, ARGS_N(extra), false) || reports_scope(r, A_STATS_READ, &s))
    return r->status;
  const char *by = req_arg(r, "by");
  int d = -1;
  for (int i = 0; by && dim_names[i]; i++)
    if (!strcmp(by, dim_names[i])) d = i;
  if (d < 0) return api_error(r, 400, "invalid_field", "by", "「分组」须为 round、team 或 unit");
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  if (!stats_visible(&c, m)) return api_deny(r, m->src->vis->read, "measure", NULL, 0);
  store_tx *tx;
  int rc = store_read_lagged(r->app->db, r->who.user_id, &tx); /* statistics (issue 16) */
  if (rc) return api_store_error(r, rc, NULL);
  json_t *out = NULL;
  rc = stats_groups(tx, &c, m, dims[d], &out);
  store_rollback(tx);
  if (rc == 1) return api_error(r, 400, "invalid_field", "by", "该指标不能按此分组");
  if (rc == 2) return api_error(r, 400, "invalid_field", "by", "分组过多 (超过 1000 个), 请缩小筛选范围");
  if (rc) return api_store_error(r, rc, NULL);
  return api_ok(r, 200, out);
}
