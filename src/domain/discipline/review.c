/*
 * review.c — the joint review (联审, issue 5): the commission's verification
 * team (核查组) and the patrol team review the proposed handling of problems
 * and clues together, so that accountability is not replaced by
 * rectification (以整改代替问责). Per item the verification team records
 * what it found and proposes a handling, the patrol team gives the
 * problem's source, how it was found and what it learned, and the meeting
 * records the final handling. The platform flags an item whose problem was
 * rectified before any accountability was decided, or whose handling is
 * lighter than its category's minimum form; a flag is cleared only with a
 * reason, and a review concludes only when every item has a final handling
 * and no flag is open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "api/record.h"
#include "core/outcomes.h"
#include "util/text.h"

static const field review_fields[] = {
    {.name = "team_id", .label = "巡察组", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "title", .label = "联审名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "scheduled_on", .label = "联审日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "place", .label = "地点", .type = FT_TEXT, .max = 100},
    {.name = "participants", .label = "参加人员", .type = FT_MEMO, .max = 2000},
    {.name = "minutes", .label = "会议纪要", .type = FT_MEMO, .max = 20000},
};
static const char *const review_state_codes[] = {"scheduled", "held", "concluded", NULL};
static const field review_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = review_state_codes},
    {.name = "scheduled_on", .label = "联审日期", .type = FT_DATE},
};

static int review_items_check(store_tx *tx, const json_t *row, xres *x) {
  sval p[] = {SV_S(rec_s(row, "id"))};
  int64_t items = 0, no_final = 0, open_flags = 0;
  int rc = store_query_int(tx, "SELECT count(*) FROM review_items WHERE review_id=$1", p, 1, &items);
  if (!rc) rc = store_query_int(tx, "SELECT count(*) FROM review_items WHERE review_id=$1 AND final IS NULL", p, 1, &no_final);
  if (!rc)
    rc = store_query_int(tx,
                         "SELECT count(*) FROM review_items WHERE review_id=$1 AND (flag_rectified_first=1 "
                         "OR flag_lenient=1) AND flag_cleared_at IS NULL",
                         p, 1, &open_flags);
  if (rc) return rc;
  if (!items) return xres_err(x, 409, "no_items", "", "联审尚无审议事项");
  if (no_final) return xres_err(x, 409, "final_missing", "", "还有 %lld 个事项未确定最终处理意见", (long long)no_final);
  if (open_flags)
    return xres_err(x, 409, "flags_open", "", "还有 %lld 个事项的偏轻偏软提示未说明理由予以消除",
                     (long long)open_flags);
  return 0;
}

static int apply_hold(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                      const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  (void)d;
  /* held_at: the transition's stamp (core/workflow.c) */
  sval p[] = {SV_S(rec_s(in, "minutes")), SV_S(rec_s(row, "id"))};
  return store_exec(tx, "UPDATE joint_reviews SET minutes=coalesce($1, minutes) WHERE id=$2", p, 2, NULL);
}

static int apply_conclude(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  int rc = review_items_check(tx, row, x);
  if (rc) return rc;
  /* concluded_at: the transition's stamp (core/workflow.c) */
  sval p[] = {SV_S(rec_s(in, "minutes")), SV_S(rec_s(row, "id"))};
  json_object_set_new(d, "items", json_integer(json_integer_value(json_object_get(row, "item_count"))));
  return store_exec(tx, "UPDATE joint_reviews SET minutes=coalesce($1, minutes) WHERE id=$2", p, 2, NULL);
}

static const field f_minutes[] = {{.name = "minutes", .label = "会议纪要", .type = FT_MEMO,
                                   .max = 20000},
                                  {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const lc_hook review_hooks[] = {
    {.verb = "hold", .fields = f_minutes, .nfields = NF(f_minutes), .apply = apply_hold},
    {.verb = "conclude", .fields = f_minutes, .nfields = NF(f_minutes), .apply = apply_conclude},
};

const rec_kind rk_review = {
    .name = "joint_review",
    .label = "联审",
    .table = "joint_reviews",
    .cols = "x.id, x.version, x.round_id, x.team_id, tm.name AS team_name, NULL AS unit_id, NULL AS "
        "supervisor_id, x.title, x.scheduled_on, x.place, x.participants, x.minutes, x.state, "
        "x.held_at, x.concluded_at, x.created_by, x.created_at, x.updated_at, "
        "(SELECT count(*) FROM review_items i WHERE i.review_id=x.id) AS item_count, "
        "(SELECT count(*) FROM review_items i WHERE i.review_id=x.id AND i.flags_raised > 0) AS flags_raised, "
        "(SELECT count(*) FROM review_items i WHERE i.review_id=x.id AND i.flags_cleared > 0) "
        "AS flags_cleared, "
        "(SELECT count(*) FROM review_items i WHERE i.review_id=x.id AND (i.flag_rectified_first=1 OR "
        " i.flag_lenient=1) AND i.flag_cleared_at IS NULL) AS flags_open",
    .from = "joint_reviews x JOIN teams tm ON tm.id=x.team_id",
    .order = "x.scheduled_on DESC, x.id DESC",
    .vis = &vis_review,
    .list_act = A_REVIEW_LIST,
    .create_act = A_REVIEW_WRITE,
    .edit_act = A_REVIEW_WRITE,
    .fields = review_fields,
    .nfields = NF(review_fields),
    .filters = review_filters,
    .nfilters = NF(review_filters),
    .search_col = "x.title",
    .parent_field = "team_id",
    .parent_sql = "SELECT t.round_id, t.id AS team_id, NULL AS unit_id, NULL AS supervisor_id FROM teams t WHERE t.id=$1",
    .edit_state = "scheduled",
    .hooks = review_hooks,
    .nhooks = NF(review_hooks),
    .wf = &wf_review,
};

/* ---- items ------------------------------------------------------------------------ */
#define ITEM_COLS                                                                              \
  "i.id, i.version, i.review_id, i.problem_id, p.seq_no AS problem_no, p.title AS problem_title, " \
  "i.clue_id, c.title AS clue_title, i.finding, i.proposed, i.proposed_note, i.source_text, "    \
  "i.how_found, i.learned, i.final, i.final_note, i.flag_rectified_first, i.flag_lenient, "      \
  "i.flag_detail, i.flag_cleared_at, i.flag_cleared_by, uc.display_name AS flag_cleared_by_name, " \
  "i.clear_reason, i.cleared_handling, i.flags_raised, i.flags_cleared, i.created_at, i.updated_at"
#define ITEM_FROM                                                                              \
  " FROM review_items i LEFT JOIN problems p ON p.id=i.problem_id LEFT JOIN clues c ON "       \
  "c.id=i.clue_id LEFT JOIN users uc ON uc.id=i.flag_cleared_by "

static void item_fix(json_t *it) {
  const char *const keys[] = {"proposed", "final"};
  for (size_t k = 0; k < 2; k++) {
    const char *code = rec_s(it, keys[k]);
    if (!code) continue;
    const outcome_def *d = outcome_find(code);
    char lk[32];
    snprintf(lk, sizeof lk, "%s_label", keys[k]);
    json_object_set_new(it, lk, json_string(d ? d->label : "不予处理"));
  }
  const char *const b[] = {"flag_rectified_first", "flag_lenient"};
  for (size_t k = 0; k < 2; k++)
    json_object_set_new(it, b[k], json_boolean(json_integer_value(json_object_get(it, b[k]))));
  /* flag_detail is stored as a JSON array of Chinese reasons; answered as one */
  const char *fd = rec_s(it, "flag_detail");
  json_t *arr = fd ? json_loads(fd, 0, NULL) : NULL;
  if (!json_is_array(arr)) {
    json_decref(arr);
    arr = json_array();
    if (fd && *fd) json_array_append_new(arr, json_string(fd));
  }
  json_object_set_new(it, "flag_detail", arr);
  json_object_set_new(it, "flag_open",
                      json_boolean((json_is_true(json_object_get(it, "flag_rectified_first")) ||
                                    json_is_true(json_object_get(it, "flag_lenient"))) &&
                                   !rec_s(it, "flag_cleared_at")));
}

static json_t *item_load(store_tx *tx, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  json_t *it = store_query_one(tx, "SELECT " ITEM_COLS ITEM_FROM "WHERE i.id=$1", p, 1, rc);
  if (it) item_fix(it);
  return it;
}

/* An item as the user sees it: the problem's or clue's title only if that
 * record is visible to the user (core/visibility.c vis_review_item). 0, or a
 * store error (every such title then removed: fail closed). */
static int item_redact(store_tx *tx, const principal *who, json_t *it) {
  return vis_redact(tx, &vis_review_item, who, rec_s(it, "id"), it);
}

/* item_load for an answer to the user. */
static json_t *item_shown(store_tx *tx, const principal *who, const char *id, int *rc) {
  json_t *it = item_load(tx, id, rc);
  if (it && !*rc) *rc = item_redact(tx, who, it);
  return it;
}

/* The flags of an item, from the records as they are now. */
static int item_flags(store_tx *tx, const char *item_id, json_t **detail_out, int *rect_first,
                      int *lenient) {
  int rc = 0;
  sval p[] = {SV_S(item_id)};
  json_t *it = store_query_one(
      tx,
      "SELECT i.problem_id, i.proposed, i.final, p.rectified_at, c.min_form, "
      "(SELECT min(a.decided_on) FROM accountability a WHERE a.problem_id=i.problem_id AND "
      " a.state IN " WSQL_ACCT_DECIDED ") AS first_decision "
      "FROM review_items i LEFT JOIN problems p ON p.id=i.problem_id LEFT JOIN problem_categories "
      "c ON c.id=p.category_id WHERE i.id=$1",
      p, 1, &rc);
  if (!it) return rc ? rc : STORE_ERR;
  json_t *d = json_array();
  *rect_first = 0;
  *lenient = 0;
  const char *rect = rec_s(it, "rectified_at"), *first = rec_s(it, "first_decision");
  if (rect && (!first || strncmp(rect, first, 10) < 0)) {
    *rect_first = 1;
    json_array_append_new(d, json_string(first ? "问题在作出追责问责决定之前已整改完毕"
                                               : "问题已整改, 但尚未作出追责问责决定"));
  }
  json_t *mf = json_object_get(it, "min_form");
  const char *handling = rec_s(it, "final") ? rec_s(it, "final") : rec_s(it, "proposed");
  /* 立案, 留置 and 移送审查起诉 meet every minimum (handling_meets) */
  if (json_is_integer(mf) && handling && !handling_meets(handling, (int)json_integer_value(mf))) {
    *lenient = 1;
    int form = outcome_form(handling, false);
    char m[300];
    snprintf(m, sizeof m, "处理意见 (%s%s%s) 轻于该类问题的最低处理要求 (%s)", handling_label(handling),
             form ? ", " : "", form ? form_label(form) : "", form_label((int)json_integer_value(mf)));
    json_array_append_new(d, json_string(m));
  }
  json_decref(it);
  *detail_out = d;
  return 0;
}

/* Recomputes and stores an item's flags. A clearance stands only while the
 * flags are the same and the handling is not lighter than the one it was
 * given for; otherwise the flag is open again. Every opening counts in
 * flags_raised, so a flag corrected or cleared later still counts. */
static int item_reflag(req *r, store_tx *tx, const char *id) {
  json_t *d = NULL;
  int rf, len;
  int rc = item_flags(tx, id, &d, &rf, &len);
  if (rc) return rc;
  sval ip[] = {SV_S(id)};
  json_t *was = store_query_one(tx,
                                "SELECT flag_rectified_first, flag_lenient, flag_cleared_at, "
                                "cleared_handling, coalesce(final, proposed) AS handling FROM "
                                "review_items WHERE id=$1",
                                ip, 1, &rc);
  if (!was) {
    json_decref(d);
    return rc ? rc : STORE_ERR;
  }
  int old_rf = (int)json_integer_value(json_object_get(was, "flag_rectified_first"));
  int old_len = (int)json_integer_value(json_object_get(was, "flag_lenient"));
  bool cleared = rec_s(was, "flag_cleared_at") != NULL;
  const char *at = rec_s(was, "cleared_handling"), *now_h = rec_s(was, "handling");
  bool was_open = (old_rf || old_len) && !cleared;
  bool same = (rf || len) && rf == old_rf && len == old_len;
  bool lighter = at && handling_severity(now_h) < handling_severity(at);
  bool keep = cleared && same && !lighter;
  if (cleared && same && lighter) {
    char m[300];
    snprintf(m, sizeof m, "消除提示后处理意见改为更轻的「%s」(消除时为「%s」), 须重新说明理由",
             handling_label(now_h), handling_label(at));
    json_array_append_new(d, json_string(m));
  }
  int raised = (rf || len) && !keep && !was_open;
  json_decref(was);
  char *txt = json_dumps(d, JSON_COMPACT);
  sval p[] = {SV_I(rf), SV_I(len), SV_S(txt), SV_S(id), SV_I(keep), SV_I(raised)};
  rc = store_exec(tx,
                  "UPDATE review_items SET flag_cleared_at=CASE WHEN $5 THEN flag_cleared_at END, "
                  "flag_cleared_by=CASE WHEN $5 THEN flag_cleared_by END, "
                  "clear_reason=CASE WHEN $5 THEN clear_reason END, "
                  "cleared_handling=CASE WHEN $5 THEN cleared_handling END, "
                  "flags_raised=flags_raised+$6, "
                  "flag_rectified_first=$1, flag_lenient=$2, flag_detail=$3 WHERE id=$4",
                  p, 6, NULL);
  if (!rc && (rf || len)) {
    json_t *ad = json_pack("{s:b,s:b,s:o}", "rectified_first", rf, "lenient", len, "detail", json_incref(d));
    rc = api_audit(r, tx, "review_item.flag", "review_item", id, "ok", ad);
    json_decref(ad);
  }
  free(txt);
  json_decref(d);
  return rc;
}

/* Loads the review of an item (or by id) and checks act on it. */
static json_t *review_for(req *r, store_tx *tx, const char *review_id, action_id act, int *status) {
  json_t *rv;
  *status = rec_fetch(r, &rk_review, tx, review_id, act, &rv);
  return *status ? NULL : rv;
}

static const field item_add_fields[] = {
    {.name = "problem_id", .label = "问题", .type = FT_ID},
    {.name = "clue_id", .label = "问题线索", .type = FT_ID},
};

int h_review_items_add(req *r) {
  if (api_body(r, item_add_fields, NF(item_add_fields), false)) return r->status;
  const char *pid = rec_s(r->in, "problem_id"), *cid = rec_s(r->in, "clue_id");
  if (!pid == !cid)
    return api_error(r, 400, "invalid_field", "problem_id", "审议事项应为一个问题或一条问题线索");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *rv = review_for(r, tx, r->params[0], A_REVIEW_WRITE, &status);
  if (!rv) return status;
  if (wf_in(&ws_review_concluded, rec_s(rv, "state"))) {
    json_decref(rv);
    store_rollback(tx);
    return api_error(r, 409, "invalid_state", "state", "联审已完成, 不能再增加事项");
  }
  sval q[] = {SV_S(pid ? pid : cid), SV_S(rec_s(rv, "team_id"))};
  int64_t n = 0;
  rc = store_query_int(tx, pid ? "SELECT count(*) FROM problems WHERE id=$1 AND team_id=$2 AND state NOT IN " WSQL_PROBLEM_DRAFT
                               : "SELECT count(*) FROM clues WHERE id=$1 AND team_id=$2",
                       q, 2, &n);
  json_decref(rv);
  if (!rc && !n) {
    store_rollback(tx);
    return api_error(r, 400, "invalid_field", pid ? "problem_id" : "clue_id", "该%s不存在或不属于本联审的巡察组",
                     pid ? "问题" : "问题线索");
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(pid), SV_S(cid), SV_S(now)};
  if (!rc)
    rc = store_exec(tx,
                    "INSERT INTO review_items(id, review_id, problem_id, clue_id, created_at, updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$5)",
                    p, 5, NULL);
  if (rc == STORE_CONFLICT) {
    store_rollback(tx);
    return api_error(r, 409, "exists", pid ? "problem_id" : "clue_id", "该事项已列入本次联审");
  }
  if (!rc) rc = api_audit(r, tx, "review_item.create", "review_item", id, "ok", r->in);
  if (!rc) rc = item_reflag(r, tx, id);
  if (rc) return rec_fail(r, tx, rc);
  json_t *it = item_shown(tx, &r->who, id, &rc);
  return api_finish(r, tx, it, rc, 201);
}

int h_review_items_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *rv = review_for(r, tx, r->params[0], A_REVIEW_LIST, &status);
  if (!rv) return status;
  sval p[] = {SV_S(r->params[0])};
  json_t *items = store_query_json(tx, "SELECT " ITEM_COLS ITEM_FROM "WHERE i.review_id=$1 ORDER BY i.created_at, i.id", p, 1);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    if (item_redact(tx, &r->who, it)) {
      json_decref(items);
      items = NULL;
      break;
    }
  }
  store_rollback(tx);
  if (!items) {
    json_decref(rv);
    return api_store_error(r, STORE_ERR, NULL);
  }
  /* which parts this user may write now, per item, so the page offers
   * exactly those (the same checks as h_review_item_update and _clear) */
  authz_obj o;
  rec_obj(rv, &o);
  const char *st = rec_s(rv, "state");
  bool open = !wf_in(&ws_review_concluded, st), held = wf_in(&ws_review_held, st);
  bool ver = authz(&r->who, A_REVIEW_WRITE, &o), team = authz(&r->who, A_REVIEW_TEAM, &o);
  json_array_foreach(items, i, it) {
    item_fix(it);
    bool flagged = json_is_true(json_object_get(it, "flag_rectified_first")) ||
                   json_is_true(json_object_get(it, "flag_lenient"));
    bool cleared = json_string_value(json_object_get(it, "flag_cleared_at")) != NULL;
    json_t *parts = json_array();
    if (ver && open) json_array_append_new(parts, json_string("verification"));
    if (ver && held) json_array_append_new(parts, json_string("final"));
    if (team && open) json_array_append_new(parts, json_string("team"));
    if (ver && flagged && !cleared) json_array_append_new(parts, json_string("clear"));
    json_object_set_new(it, "allowed_parts", parts);
  }
  json_decref(rv);
  return api_ok(r, 200, json_pack("{s:o,s:b}", "items", items, "can_add", ver && open));
}

/* Who writes which part of an item. */
static const field item_fields[] = {
    {.name = "finding", .label = "核查情况", .type = FT_MEMO, .max = 10000},
    {.name = "proposed", .label = "拟处理意见", .type = FT_ENUM, .values = handling_codes},
    {.name = "proposed_note", .label = "处理意见说明", .type = FT_MEMO, .max = 5000},
    {.name = "source_text", .label = "问题来源", .type = FT_MEMO, .max = 5000},
    {.name = "how_found", .label = "发现经过", .type = FT_MEMO, .max = 5000},
    {.name = "learned", .label = "了解的情况", .type = FT_MEMO, .max = 10000},
    {.name = "final", .label = "最终处理意见", .type = FT_ENUM, .values = handling_codes},
    {.name = "final_note", .label = "最终处理说明", .type = FT_MEMO, .max = 5000},
};
static const char *const verification_keys[] = {"finding", "proposed", "proposed_note", "final",
                                                 "final_note", NULL};

static bool in_list(const char *k, const char *const *l) {
  for (; *l; l++)
    if (!strcmp(*l, k)) return true;
  return false;
}

/* Opens a write transaction and loads the item r->params[0] and its review,
 * which the user must be allowed act on. Returns 0 with *tx, *it and *rv
 * (the caller's), or the response status with everything released. */
static int item_open(req *r, action_id act, store_tx **tx, json_t **it, json_t **rv) {
  int rc = store_write(r->app->db, tx);
  if (rc) return api_store_error(r, rc, NULL);
  *it = item_load(*tx, r->params[0], &rc);
  if (!*it) {
    store_rollback(*tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "审议事项不存在或无权访问");
  }
  int status;
  *rv = review_for(r, *tx, rec_s(*it, "review_id"), act, &status);
  if (!*rv) {
    json_decref(*it);
    return status;
  }
  return 0;
}

int h_review_item_update(req *r) {
  if (api_body(r, item_fields, NF(item_fields), true)) return r->status;
  store_tx *tx;
  json_t *it, *rv;
  int status = item_open(r, A_REVIEW_LIST, &tx, &it, &rv);
  if (status) return status;
  int rc = 0;
  authz_obj o;
  rec_obj(rv, &o);
  int64_t version = json_integer_value(json_object_get(it, "version"));
  const char *key;
  json_t *v;
  status = 0;
  json_object_foreach(r->in, key, v) {
    action_id need = in_list(key, verification_keys) ? A_REVIEW_WRITE : A_REVIEW_TEAM;
    if (!authz(&r->who, need, &o)) {
      status = -1;
      break;
    }
    if ((!strcmp(key, "final") || !strcmp(key, "final_note")) && !wf_in(&ws_review_held, rec_s(rv, "state"))) {
      status = api_error(r, 409, "invalid_state", key, "最终处理意见在联审会议召开后填写");
      break;
    }
  }
  const char *rstate = rec_s(rv, "state");
  if (!status && wf_in(&ws_review_concluded, rstate))
    status = api_error(r, 409, "invalid_state", "state", "联审已完成, 不能再修改");
  if (!status && api_if_match(r, version)) status = r->status;
  json_decref(rv);
  json_decref(it);
  if (status) {
    store_rollback(tx);
    if (status == -1) return api_deny(r, A_REVIEW_TEAM, "review_item", r->params[0], 0);
    return status;
  }
  char now[TS_LEN];
  ts_now(now);
  buf sql;
  buf_init(&sql, 1024);
  sval p[12];
  int np = 0;
  p[np++] = SV_S(now);
  buf_adds(&sql, "UPDATE review_items SET version=version+1, updated_at=$1");
  json_object_foreach(r->in, key, v) {
    const field *f = fields_find(item_fields, NF(item_fields), key); /* names from the table only */
    buf_addf(&sql, ", %s=$%d", f->name, np + 1);
    p[np++] = SV_S(json_string_value(v));
  }
  buf_addf(&sql, " WHERE id=$%d", np + 1);
  p[np++] = SV_S(r->params[0]);
  rc = store_exec(tx, buf_str(&sql), p, np, NULL);
  buf_free(&sql);
  if (!rc) rc = api_audit(r, tx, "review_item.update", "review_item", r->params[0], "ok", r->in);
  if (!rc) rc = item_reflag(r, tx, r->params[0]);
  if (rc) return rec_fail(r, tx, rc);
  it = item_shown(tx, &r->who, r->params[0], &rc);
  return api_finish(r, tx, it, rc, 200);
}

static const field clear_fields[] = {{.name = "reason", .label = "消除理由", .type = FT_MEMO,
                                      .flags = F_REQUIRED, .max = 2000}};

int h_review_item_clear(req *r) {
  if (api_body(r, clear_fields, NF(clear_fields), false)) return r->status;
  store_tx *tx;
  json_t *it, *rv;
  int status = item_open(r, A_REVIEW_WRITE, &tx, &it, &rv);
  if (status) return status;
  int rc = 0;
  int flagged = json_is_true(json_object_get(it, "flag_rectified_first")) ||
                json_is_true(json_object_get(it, "flag_lenient"));
  int done = json_string_value(json_object_get(it, "flag_cleared_at")) != NULL;
  json_decref(rv);
  json_decref(it);
  if (!flagged || done) {
    store_rollback(tx);
    return api_error(r, 409, "no_flag", "", flagged ? "该提示已消除" : "该事项没有需要消除的提示");
  }
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(r->who.user_id), SV_S(rec_s(r->in, "reason")), SV_S(r->params[0])};
  rc = store_exec(tx,
                  "UPDATE review_items SET flag_cleared_at=$1, flag_cleared_by=$2, clear_reason=$3, "
                  "cleared_handling=coalesce(final, proposed, 'no_action'), "
                  "flags_cleared=flags_cleared+1, version=version+1, updated_at=$1 WHERE id=$4",
                  p, 4, NULL);
  if (!rc) rc = api_audit(r, tx, "review_item.clear", "review_item", r->params[0], "ok", r->in);
  if (rc) return rec_fail(r, tx, rc);
  it = item_shown(tx, &r->who, r->params[0], &rc);
  return api_finish(r, tx, it, rc, 200);
}
