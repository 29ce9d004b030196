/*
 * vetting.c — 廉政审核: the office requests vetting of every member of a round
 * in one action; the commission's cadre department answers each person 无异议 /
 * 有异议 with a reason; the history per person is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "domain/programme/programme.h"

/* ---- integrity vetting ---------------------------------------------------------------- */
int h_round_vetting_request(req *r) {
  if (api_body(r, prog_f_note, 1, false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *round = prog_one(tx, "SELECT id, name, state FROM rounds WHERE id=$1", r->params[0], &rc);
  if (!round) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察轮次不存在");
    return prog_fail(r, tx, rc);
  }
  if (!prog_round_open(prog_js(round, "state"))) {
    json_decref(round);
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再提请廉政审核");
    return prog_fail(r, tx, 0);
  }
  /* every member without a vetting in this round yet */
  sval p[] = {SV_S(r->params[0])};
  json_t *todo = store_query_json(tx,
                                  "SELECT m.person_id AS person_id FROM team_members m WHERE "
                                  "m.round_id=$1 AND NOT EXISTS (SELECT 1 FROM vettings v WHERE "
                                  "v.round_id=m.round_id AND v.person_id=m.person_id)",
                                  p, 1);
  if (!todo) rc = STORE_ERR;
  size_t i;
  json_t *it;
  json_t *ids = json_array();
  json_array_foreach(todo, i, it) {
    char vid[UUID_LEN];
    if ((rc = prog_request_vetting(r, tx, r->params[0], prog_js(it, "person_id"), vid))) break;
    json_array_append_new(ids, json_string(vid));
  }
  if (!rc && json_array_size(ids)) {
    char title[300];
    snprintf(title, sizeof title, "巡察办提请廉政审核: %s, 共 %zu 人", prog_js(round, "name"),
             json_array_size(ids));
    rc = api_notify(r, tx, "commission_cadre", "", "round", r->params[0], "vetting", title,
                    prog_js(r->in, "note"));
  }
  json_decref(todo);
  json_decref(round);
  if (rc) {
    json_decref(ids);
    return prog_fail(r, tx, rc);
  }
  return prog_done(r, tx, 200, json_pack("{s:I,s:o}", "requested", (json_int_t)json_array_size(ids),
                                    "vetting_ids", ids));
}


static const char *const vetting_states[] = {"pending", "clear", "objection", NULL};
static const field vetting_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "person_id", .label = "人员", .type = FT_ID},
    {.name = "state", .label = "审核状态", .type = FT_ENUM, .values = vetting_states},
};




int h_vettings_list(req *r) {
  return prog_filtered_list(r, VETTING_SELECT, "SELECT count(*) FROM vettings v", "v.", vetting_filters,
                       NF(vetting_filters), "v.requested_at DESC, v.id DESC", &vis_vetting);
}

static const char *const answers[] = {"clear", "objection", NULL};
static const field answer_fields[] = {
    {.name = "result", .label = "审核意见", .type = FT_ENUM, .flags = F_REQUIRED, .values = answers},
    {.name = "reason", .label = "理由", .type = FT_MEMO, .max = 1000},
};

int h_vetting_answer(req *r) {
  if (api_body(r, answer_fields, NF(answer_fields), false)) return r->status;
  const char *result = prog_js(r->in, "result"), *reason = prog_js(r->in, "reason");
  if (wf_in(&ws_vetting_objection, result) && (!reason || !*reason))
    return api_error(r, 400, "missing_field", "reason", "有异议时须填写「理由」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *v = store_query_one(tx, VETTING_SELECT "WHERE v.id=$1", p, 1, &rc);
  if (!v) {
    if (!rc) api_error(r, 404, "not_found", "", "廉政审核记录不存在");
    return prog_fail(r, tx, rc);
  }
  if (api_if_match(r, json_integer_value(json_object_get(v, "version")))) {
    json_decref(v);
    return prog_fail(r, tx, 0);
  }
  if (!wf_in(&ws_vetting_pending, prog_js(v, "state"))) {
    json_decref(v);
    api_error(r, 409, "invalid_state", "state", "该人员的廉政审核已答复, 不能重复答复");
    return prog_fail(r, tx, 0);
  }
  char now[TS_LEN];
  ts_now(now);
  sval u[] = {SV_S(result), SV_S(reason), SV_S(r->who.user_id), SV_S(now), SV_S(r->params[0])};
  int64_t ch = 0;
  rc = store_exec(tx,
                  "UPDATE vettings SET state=$1, reason=$2, answered_by=$3, answered_at=$4, "
                  "updated_at=$4, version=version+1 WHERE id=$5 AND state IN " WSQL_VETTING_PENDING,
                  u, 5, &ch);
  if (!rc && ch != 1) {
    api_error(r, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
    rc = 1;
  }
  json_t *d = json_pack("{s:s,s:s,s:s,s:s?}", "round_id", prog_js(v, "round_id"), "person_id",
                        prog_js(v, "person_id"), "result", result, "reason", reason);
  if (!rc) rc = api_audit(r, tx, "vetting.answer", "vetting", r->params[0], "ok", d);
  json_decref(d);
  char title[400];
  snprintf(title, sizeof title, "廉政审核意见: %s %s (%s)", prog_js(v, "person_name"),
           wf_in(&ws_vetting_clear, result) ? "无异议" : "有异议, 须调整人选", prog_js(v, "round_name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "vetting", r->params[0], "answer", title,
                    reason);
  json_decref(v);
  json_t *row = NULL;
  if (!rc) row = store_query_one(tx, VETTING_SELECT "WHERE v.id=$1", p, 1, &rc);
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  return prog_done(r, tx, 200, row);
}
