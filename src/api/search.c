/*
 * search.c — GET /api/v1/search?q=: the header's search box (issue 17). Finds
 * records by 文号, 登记号, 问题编号, unit or person name across the record
 * kinds the user may list, grouped by kind.
 *
 * It decides no visibility of its own: each kind is searched only when the
 * user holds its list action (as its list route demands) and the model has
 * a rule for it (vis_any), and its rows are selected with the kind's one
 * predicate vis_where() for that action, exactly as the list and GET do.
 * The columns searched are shown to every reader of the row (no working
 * paper, sealed or redacted field: a hit must not reveal a hidden value).
 * Matching is instr() (no wildcard injection), at most `limit` rows per kind
 * in the kind's list order, with "more" when there are others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/record.h"
#include "util/text.h"

typedef struct search_kind {
  const rec_kind *k;
  const char *title; /* what a hit shows, over the kind's FROM */
  const char *sub;   /* a second line (unit, team), or NULL */
  const char *cols[5]; /* the columns matched (NULL-terminated) */
} search_kind;

static const search_kind kinds[] = {
    {&rk_problem, "x.seq_no || ' ' || x.title", "u.name || ' · ' || tm.name",
     {"x.seq_no", "x.title", "u.name", NULL}},
    {&rk_clue, "x.title", "coalesce(x.handover_docno, '') || ' ' || coalesce(x.registry_no, '') || ' ' || o.name",
     {"x.handover_docno", "x.registry_no", "x.title", "x.subject_name", "o.name"}},
    {&rk_petition, "u.name || ' ' || x.received_on", "t.name", {"u.name", NULL}},
    {&rk_report, "u.name || ' 巡察报告'", "tm.name", {"u.name", NULL}},
    {&rk_task, "pr.seq_no || ' ' || x.measure", "u.name || ' · ' || x.owner_name",
     {"pr.seq_no", "x.owner_name", "x.leader_name", "u.name", NULL}},
    {&rk_notice, "x.docno || ' ' || pr.title", "u.name", {"x.docno", "u.name", NULL}},
    {&rk_assistance, "'提请协助 ' || x.seq_no", "u.name", {"x.seq_no", "u.name", NULL}},
    {&rk_accountability, "x.subject_name", "u.name", {"x.subject_name", "u.name", NULL}},
    {&rk_review, "x.title", "tm.name", {"x.title", NULL}},
    {&rk_org, "x.name", "x.code", {"x.name", "x.short_name", "x.code", NULL}},
    {&rk_person, "x.name", "x.post", {"x.name", NULL}},
};

enum { Q_MIN = 2, Q_MAX = 50, LIMIT_DEFAULT = 10, LIMIT_MAX = 50 };

static bool only_known(void *ctx, const char *k, const char *v) {
  (void)v;
  if (!strcmp(k, "q") || !strcmp(k, "limit")) return true;
  *(const char **)ctx = k;
  return false;
}

/* One kind's hits into groups (if any). 0 or a store error. */
static int search_kind_rows(req *r, store_tx *tx, const search_kind *s, const char *q, int64_t limit,
                            json_t *groups) {
  const rec_kind *k = s->k;
  sval p[VIS_MAXP + 3];
  int np = 0;
  buf sql;
  buf_init(&sql, 16384);
  buf_addf(&sql, "SELECT x.id AS id, %s AS title, %s AS sub FROM %s WHERE 1=1", s->title,
           s->sub ? s->sub : "NULL", k->from);
  /* the kind's one predicate, as its list asks it */
  if (vis_where(k->vis, &r->who, k->list_act, &sql, p, &np, VIS_MAXP)) {
    buf_free(&sql);
    return STORE_ERR; /* past its bounds: an error, never a wider search */
  }
  p[np++] = SV_S(q);
  buf_adds(&sql, " AND (");
  for (int i = 0; i < 5 && s->cols[i]; i++)
    buf_addf(&sql, "%sinstr(coalesce(%s, ''), $%d) > 0", i ? " OR " : "", s->cols[i], np);
  buf_addf(&sql, ") ORDER BY %s LIMIT $%d", k->order ? k->order : "x.id", np + 1);
  p[np++] = SV_I(limit + 1);
  if (buf_failed(&sql)) {
    buf_free(&sql);
    return STORE_ERR;
  }
  json_t *items = store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&sql);
  if (!items) return STORE_ERR;
  size_t n = json_array_size(items);
  if (!n) {
    json_decref(items);
    return 0;
  }
  bool more = n > (size_t)limit;
  if (more) json_array_remove(items, n - 1);
  json_array_append_new(groups, json_pack("{s:s,s:s,s:o,s:b}", "kind", k->name, "label", k->label,
                                          "items", items, "more", more));
  return 0;
}

int h_search(req *r) {
  const char *bad = NULL;
  req_each_arg(r, only_known, &bad);
  if (bad) return api_error(r, 400, "unknown_field", bad, "未知的查询条件: %s", "仅支持 q 与 limit");
  const char *q = req_arg(r, "q");
  char qs[4 * Q_MAX + 1];
  size_t n = q ? strlen(q) : 0;
  while (n && q[0] == ' ') q++, n--; /* trimmed */
  while (n && q[n - 1] == ' ') n--;
  if (!q || !n) return api_error(r, 400, "missing_field", "q", "请输入要查找的文号、登记号、问题编号、单位或人名");
  if (n >= sizeof qs || !utf8_valid(q, n))
    return api_error(r, 400, "invalid_field", "q", "「查找内容」无效或过长 (最多 %d 个字)", Q_MAX);
  memcpy(qs, q, n);
  qs[n] = '\0';
  size_t chars = utf8_len(qs);
  if (chars > Q_MAX) return api_error(r, 400, "invalid_field", "q", "「查找内容」不得超过 %d 个字", Q_MAX);
  if (chars < Q_MIN) return api_error(r, 400, "invalid_field", "q", "「查找内容」至少 %d 个字", Q_MIN);
  int64_t limit = LIMIT_DEFAULT;
  const char *ls = req_arg(r, "limit");
  if (ls) {
    char *end;
    long long v = strtoll(ls, &end, 10);
    if (!*ls || *end || v < 1 || v > LIMIT_MAX)
      return api_error(r, 400, "invalid_field", "limit", "「每类条数」应为 1 到 %d 的整数", LIMIT_MAX);
    limit = v;
  }
  store_tx *tx;
  int rc = store_read_lagged(r->app->db, r->who.user_id, &tx); /* search (issue 16) */
  if (rc) return api_store_error(r, rc, NULL);
  json_t *groups = json_array();
  for (size_t i = 0; !rc && i < sizeof kinds / sizeof *kinds; i++) {
    const rec_kind *k = kinds[i].k;
    /* the kind's list route's function-level check and the model's "any rule" */
    if (!authz(&r->who, k->list_act, NULL) || !vis_any(k->vis, &r->who)) continue;
    rc = search_kind_rows(r, tx, &kinds[i], qs, limit, groups);
  }
  store_rollback(tx);
  if (rc) {
    json_decref(groups);
    return api_store_error(r, rc, NULL);
  }
  return api_ok(r, 200, json_pack("{s:s,s:o}", "q", qs, "groups", groups));
}
