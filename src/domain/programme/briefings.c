/*
 * briefings.c — 巡前情况通报: the office asks the sources (dispatched group,
 * 信访室, 案管室, 党风室, 组织部, 审计局) for a briefing on a target before entry;
 * overdue is computed from dates; a team sees only its own targets' briefings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/deadlines.h"
#include "core/workflow.h"
#include "api/record.h"
#include "domain/programme/programme.h"
#include "api/meta.h"

/* ---- 巡前情况通报 (briefings) ---------------------------------------------------------------- */
typedef struct bsource {
  const char *code, *label;
  role_id answerer; /* who answers it (the office records 组织部/审计局 on paper) */
  const char *org_sql;
} bsource;

static const bsource bsources[] = {
    {"dispatched_group", "派驻纪检监察组", R_DISPATCHED_GROUP,
     "SELECT supervisor_id FROM orgs WHERE id=$1"},
    {"petitions", "信访室", R_PETITIONS,
     "SELECT id FROM orgs WHERE kind='commission_dept' AND code='petitions' AND $1<>'' LIMIT 1"},
    {"case_mgmt", "案管室", R_CASE_MGMT,
     "SELECT id FROM orgs WHERE kind='commission_dept' AND code='case_mgmt' AND $1<>'' LIMIT 1"},
    {"conduct", "党风政风监督室", R_CONDUCT,
     "SELECT id FROM orgs WHERE kind='commission_dept' AND code='conduct' AND $1<>'' LIMIT 1"},
    {"organization_dept", "组织部", R_INSPECTION_OFFICE,
     "SELECT id FROM orgs WHERE kind='organization_dept' AND $1<>'' ORDER BY name LIMIT 1"},
    {"audit_bureau", "审计局", R_INSPECTION_OFFICE,
     "SELECT id FROM orgs WHERE kind='audit_bureau' AND $1<>'' ORDER BY name LIMIT 1"},
};
enum { NSOURCES = (int)(sizeof bsources / sizeof *bsources) };
static const char *const source_codes[] = {"dispatched_group", "petitions", "case_mgmt", "conduct",
                                           "organization_dept", "audit_bureau", NULL};

static const bsource *bsource_find(const char *code) {
  for (int i = 0; i < NSOURCES; i++)
    if (code && !strcmp(bsources[i].code, code)) return &bsources[i];
  return NULL;
}

static const field brief_req_fields[] = {
    {.name = "due_date", .label = "报送期限", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "note", .label = "说明", .type = FT_MEMO, .max = 1000},
};

static void briefing_fix(store_tx *tx, json_t *row) {
  (void)tx;
  char today[11];
  date_format(date_today_shanghai(), today);
  const char *due = prog_js(row, "due_date");
  json_object_set_new(row, "overdue", json_boolean(wf_in(&ws_briefing_pending, prog_js(row, "state")) &&
                                                   due && strcmp(due, today) < 0));
  /* the deadline state (domain/deadlines.h) */
  dl_set(row, due, wf_in(&ws_briefing_pending, prog_js(row, "state")));
  const bsource *b = bsource_find(prog_js(row, "source"));
  if (b) json_object_set_new(row, "source_label", json_string(b->label));
}

int h_target_briefings_request(req *r) {
  if (!r->in) r->in = json_object();
  json_t *srcs = json_object_get(r->in, "sources");
  json_t *rest = json_deep_copy(r->in);
  json_object_del(rest, "sources");
  verr e;
  if (!fields_validate(rest, brief_req_fields, NF(brief_req_fields), false, &e)) {
    int st = api_verr(r, &e); /* e.field may point into rest: reply before freeing it */
    json_decref(rest);
    return st;
  }
  json_object_update(r->in, rest); /* the trimmed text */
  json_decref(rest);
  /* no sources, null or an empty list all mean every configured source
   * (the form says "不选则全部") */
  if (srcs && (json_is_null(srcs) || (json_is_array(srcs) && !json_array_size(srcs)))) srcs = NULL;
  if (srcs && !json_is_array(srcs))
    return api_error(r, 400, "invalid_field", "sources", "「来源」应为列表");
  size_t i;
  json_t *it;
  json_array_foreach(srcs, i, it) {
    if (!json_is_string(it) || !enum_ok(source_codes, json_string_value(it)))
      return api_error(r, 400, "invalid_field", "sources", "「来源」第 %zu 项无效", i + 1);
  }
  const char *due = prog_js(r->in, "due_date");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(due, today) < 0)
    return api_error(r, 400, "invalid_field", "due_date", "「报送期限」%s 已过 (今天是 %s), 请重新确定",
                     due, today);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_one(tx,
                  "SELECT g.id, g.round_id, g.team_id, g.unit_id, g.entry_date, o.name AS "
                  "unit_name FROM targets g JOIN orgs o ON o.id=g.unit_id WHERE g.id=$1",
                  r->params[0], &rc);
  if (!t) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察对象不存在");
    return prog_fail(r, tx, rc);
  }
  json_t *ids = json_array();
  const char *entry = prog_js(t, "entry_date");
  if (entry && strcmp(due, entry) >= 0) {
    api_error(r, 400, "invalid_field", "due_date", "「报送期限」应早于进驻日期 %s", entry);
    rc = 1;
  }
  char now[TS_LEN];
  ts_now(now);
  for (int k = 0; !rc && k < NSOURCES; k++) {
    const bsource *b = &bsources[k];
    int asked = 0;
    json_array_foreach(srcs, i, it) asked |= !strcmp(json_string_value(it), b->code);
    if (srcs && !asked) continue;
    if (!srcs && !strcmp(b->code, "audit_bureau") && !cfg_int(CFG_BRIEFING_AUDIT)) continue;
    char *org = NULL;
    sval q[] = {SV_S(prog_js(t, "unit_id"))};
    if ((rc = store_query_text(tx, b->org_sql, q, 1, &org))) break;
    if (!org) {
      if (!srcs) continue; /* not configured here (no supervising group, no 审计局) */
      api_error(r, 400, "invalid_field", "sources", "「%s」未配置, 不能请其通报", b->label);
      rc = 1;
      break;
    }
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(prog_js(t, "round_id")), SV_S(prog_js(t, "team_id")),
                SV_S(prog_js(t, "unit_id")), SV_S(b->code), SV_S(org), SV_S(due),
                SV_S(prog_js(r->in, "note")), SV_S(r->who.user_id), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO briefings(id,target_id,round_id,team_id,unit_id,source,"
                    "source_org_id,due_date,note,requested_by,requested_at,created_at,updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$11)",
                    p, 11, NULL);
    if (rc == STORE_CONFLICT) {
      api_error(r, 409, "conflict", "sources", "已请「%s」通报「%s」的情况", b->label,
                prog_js(t, "unit_name"));
      rc = 1;
    }
    json_t *d = json_pack("{s:s,s:s,s:s}", "target_id", r->params[0], "source", b->code,
                          "due_date", due);
    if (!rc) rc = api_audit(r, tx, "briefing.request", "briefing", id, "ok", d);
    json_decref(d);
    char title[300];
    snprintf(title, sizeof title, "巡察办请提供巡前情况通报: %s (%s 前)", prog_js(t, "unit_name"), due);
    if (!rc && b->answerer != R_INSPECTION_OFFICE)
      rc = api_notify(r, tx, roles[b->answerer].name,
                      b->answerer == R_DISPATCHED_GROUP ? org : "", "briefing", id, "request",
                      title, prog_js(r->in, "note"));
    free(org);
    if (!rc) json_array_append_new(ids, json_string(id));
  }
  if (!rc && !json_array_size(ids)) {
    api_error(r, 400, "invalid_field", "sources", "没有可请求通报的来源");
    rc = 1;
  }
  json_decref(t);
  if (rc) {
    json_decref(ids);
    return prog_fail(r, tx, rc);
  }
  buf sql;
  buf_init(&sql, 4096);
  buf_addf(&sql, "SELECT %s FROM %s WHERE x.target_id=$1 ORDER BY x.source", rk_briefing.cols,
           rk_briefing.from);
  sval p[] = {SV_S(r->params[0])};
  json_t *items = store_query_json(tx, buf_str(&sql), p, 1);
  buf_free(&sql);
  json_decref(ids);
  if (!items) return prog_fail(r, tx, STORE_ERR);
  json_array_foreach(items, i, it) briefing_fix(tx, it);
  return prog_done(r, tx, 201, json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(items),
                                    "items", items));
}

static const field brief_answer_fields[] = {
    {.name = "answer", .label = "通报内容", .type = FT_MEMO, .flags = F_REQUIRED, .max = 20000},
    {.name = "petitions_3y", .label = "近三年信访举报件数", .type = FT_INT, .max = 1000000},
    {.name = "clues_on_hand", .label = "在办问题线索数", .type = FT_INT, .max = 1000000},
    {.name = "cases", .label = "立案审查调查数", .type = FT_INT, .max = 1000000},
    {.name = "audit_findings", .label = "审计发现问题数", .type = FT_INT, .max = 1000000},
};

static sval int_or_null(const json_t *v) {
  return json_is_integer(v) ? SV_I(json_integer_value(v)) : SV_NUL;
}

int h_briefing_answer(req *r) {
  if (api_body(r, brief_answer_fields, NF(brief_answer_fields), false)) return r->status;
  if (!*prog_js(r->in, "answer"))
    return api_error(r, 400, "missing_field", "answer", "须填写「通报内容」");
  char today[11];
  date_format(date_today_shanghai(), today);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *b = rec_load(&rk_briefing, tx, r->params[0], &rc);
  if (!b) {
    if (!rc) api_error(r, 404, "not_found", "", "巡前情况通报不存在或无权访问");
    return prog_fail(r, tx, rc);
  }
  /* Only the source's own answerer may answer: authz decides on a principal
   * narrowed to the grants of that role. */
  const bsource *src = bsource_find(prog_js(b, "source"));
  principal only = r->who;
  only.ngrants = 0;
  for (int i = 0; src && i < r->who.ngrants; i++)
    if (r->who.grants[i].role == src->answerer) only.grants[only.ngrants++] = r->who.grants[i];
  authz_obj o = {prog_js(b, "team_id"), prog_js(b, "unit_id"), prog_js(b, "source_org_id"), false};
  if (!authz(&only, A_BRIEFING_ANSWER, &o)) {
    json_decref(b);
    store_rollback(tx);
    return api_deny(r, A_BRIEFING_ANSWER, "briefing", r->params[0], 0);
  }
  if (api_if_match(r, json_integer_value(json_object_get(b, "version")))) {
    json_decref(b);
    return prog_fail(r, tx, 0);
  }
  if (!wf_in(&ws_briefing_pending, prog_js(b, "state"))) {
    json_decref(b);
    api_error(r, 409, "invalid_state", "state", "该通报已报送, 不能重复报送");
    return prog_fail(r, tx, 0);
  }
  char now[TS_LEN];
  ts_now(now);
  sval u[] = {SV_S(prog_js(r->in, "answer")), int_or_null(json_object_get(r->in, "petitions_3y")),
              int_or_null(json_object_get(r->in, "clues_on_hand")),
              int_or_null(json_object_get(r->in, "cases")),
              int_or_null(json_object_get(r->in, "audit_findings")), SV_S(r->who.user_id),
              SV_S(now), SV_S(r->params[0])};
  rc = store_exec(tx,
                  "UPDATE briefings SET state='answered', answer=$1, petitions_3y=$2, "
                  "clues_on_hand=$3, cases=$4, audit_findings=$5, answered_by=$6, answered_at=$7, "
                  "updated_at=$7, version=version+1 WHERE id=$8 AND state IN " WSQL_BRIEFING_PENDING,
                  u, 8, NULL);
  json_t *d = json_deep_copy(r->in);
  json_object_del(d, "answer"); /* the text stays out of the audit log; the figures go in */
  json_object_set_new(d, "late", json_boolean(strcmp(prog_js(b, "due_date"), today) < 0));
  if (!rc) rc = api_audit(r, tx, "briefing.answer", "briefing", r->params[0], "ok", d);
  json_decref(d);
  char title[300];
  snprintf(title, sizeof title, "%s已报送巡前情况通报: %s", src ? src->label : "",
           prog_js(b, "unit_name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "briefing", r->params[0], "answer", title, "");
  if (!rc)
    rc = api_notify(r, tx, "team_leader", prog_js(b, "team_id"), "briefing", r->params[0], "answer",
                    title, "");
  json_decref(b);
  json_t *row = NULL;
  if (!rc) row = rec_load(&rk_briefing, tx, r->params[0], &rc);
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  json_object_del(row, "released");
  json_object_del(row, "copied");
  return prog_done(r, tx, 200, row);
}

/* ---- the kind: listed by the record engine; requested and answered above ---- */
static const field briefing_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "source", .label = "来源", .type = FT_ENUM, .values = source_codes},
    {.name = "state", .label = "状态", .type = FT_ENUM,
     .values = (const char *const[]){"pending", "answered", NULL}},
};

/* late: still pending after the due date (computed, never stored) */
#define BRIEFING_OVERDUE "x.state IN " WSQL_BRIEFING_PENDING " AND x.due_date < '{today}'"
static const rec_flag briefing_flags[] = {{"overdue", BRIEFING_OVERDUE}};

/* Requested per target (POST /targets/{id}/briefings, plus "sources": codes of
 * the source filter); answered by its source (POST /briefings/{id}/answer). */
static const lc_hook briefing_answer_act = {.verb = "answer", .fields = brief_answer_fields,
                                           .nfields = NF(brief_answer_fields)};
static const lc_hook *const briefing_acts[] = {&briefing_answer_act};
static const action_id briefing_also[] = {A_BRIEFING_ANSWER};
const rec_kind rk_briefing = {
    .name = "briefing",
    .label = "巡前情况通报",
    .table = "briefings",
    .cols = "x.id, x.version, x.target_id, x.round_id, x.team_id, t.name AS team_name, "
            "x.unit_id, u.name AS unit_name, x.source, x.source_org_id, "
            "s.name AS source_org_name, x.due_date, x.note, x.state, x.answer, x.petitions_3y, "
            "x.clues_on_hand, x.cases, x.audit_findings, x.requested_at, x.answered_at",
    .from = "briefings x JOIN teams t ON t.id=x.team_id JOIN orgs u ON u.id=x.unit_id "
            "JOIN orgs s ON s.id=x.source_org_id",
    .order = "x.due_date, u.name, x.source",
    .vis = &vis_briefing,
    .list_act = A_BRIEFING_LIST,
    .create_act = A_BRIEFING_REQUEST,
    .edit_act = A_BRIEFING_ANSWER,
    .fields = brief_req_fields, /* the body of its own create route, above */
    .nfields = NF(brief_req_fields),
    .acts = briefing_acts,
    .nacts = NF(briefing_acts),
    .also = briefing_also,
    .nalso = NF(briefing_also),
    .filters = briefing_filters,
    .nfilters = NF(briefing_filters),
    .flags = briefing_flags,
    .nflags = NF(briefing_flags),
    .fix = briefing_fix,
    .sums = briefing_flags, /* "overdue": how many of the listed are late */
    .nsums = NF(briefing_flags),
};
