/*
 * discipline.c — the discipline side (issue 5): assistance requests
 * (提请协助) approved by the leading group and worked by the commission,
 * accountability records (追责问责) whose four-forms form is derived from the
 * outcome code (core/outcomes.c), the copy-to-accountability loop (open
 * accountability for every 不担当不作为 problem of a copied feedback; the
 * copied problems still without a decision after N days), and the clue's
 * disposal outcomes (立案, 留置, 移送审查起诉); the outcome table itself for
 * the forms that pick a code (GET /api/v1/outcomes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/deadlines.h"
#include "core/workflow.h"
#include "api/meta.h"
#include "api/record.h"
#include "core/outcomes.h"
#include "util/config.h"
#include "util/text.h"

/* Whole days between the dates of two timestamps (b - a), or -1. */
static int64_t days_between(const char *a, const char *b) {
  char da[11], db[11];
  int64_t x, y;
  if (!a || !b || strlen(a) < 10 || strlen(b) < 10) return -1;
  memcpy(da, a, 10);
  memcpy(db, b, 10);
  da[10] = db[10] = '\0';
  if (!date_parse(da, &x) || !date_parse(db, &y)) return -1;
  return y - x;
}

static void set_days(json_t *row, const char *key, const char *a, const char *b) {
  int64_t d = days_between(a, b);
  json_object_set_new(row, key, d >= 0 ? json_integer(d) : json_null());
}

/* The problem or clue an assistance request or an accountability record
 * names must belong to the same target. */
static int same_target(store_tx *tx, const json_t *c, const char *target, xres *x) {
  static const struct {
    const char *field, *sql, *label;
  } links[] = {{"problem_id", "SELECT count(*) FROM problems WHERE id=$1 AND target_id=$2", "问题"},
               {"clue_id", "SELECT count(*) FROM clues WHERE id=$1 AND target_id=$2", "问题线索"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
    const char *id = rec_s(c, links[i].field);
    if (!id) continue;
    sval p[] = {SV_S(id), SV_S(target)};
    int64_t n = 0;
    int rc = store_query_int(tx, links[i].sql, p, 2, &n);
    if (rc) return rc;
    if (!n)
      return xres_err(x, 400, "invalid_field", links[i].field, "「%s」不存在或不属于该巡察对象",
                       links[i].label);
  }
  return 0;
}

static int next_no(store_tx *tx, const char *series, json_t *c) {
  int year = year_shanghai(xnow());
  int64_t seq;
  int rc = api_next_seq(tx, series, year, &seq);
  if (rc) return rc;
  char no[32];
  snprintf(no, sizeof no, "%d-%04lld", year, (long long)seq);
  json_object_set_new(c, "seq_no", json_string(no));
  return 0;
}

/* ---- assistance requests (提请协助) ----------------------------------------------- */
static const field assist_fields[] = {
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "need", .label = "需协助事项", .type = FT_MEMO, .flags = F_REQUIRED, .max = 2000},
    {.name = "reason", .label = "提请理由", .type = FT_MEMO, .flags = F_REQUIRED, .max = 5000},
    {.name = "problem_id", .label = "相关问题", .type = FT_ID},
    {.name = "clue_id", .label = "相关问题线索", .type = FT_ID},
};
static const char *const assist_state_codes[] = {"draft",    "submitted", "approved", "rejected",
                                                 "forwarded", "accepted", "completed", "closed",
                                                 NULL};
static const field assist_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "problem_id", .label = "相关问题", .type = FT_ID},
    {.name = "clue_id", .label = "相关问题线索", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = assist_state_codes},
};
static const rec_flag assist_flags[] = {
    {"open", "x.state NOT IN " WSQL_ASSIST_FINISHED},
};

static int assist_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c, const json_t *parent,
                        const json_t *old, xres *x) {
  const char *target = parent ? rec_s(c, "target_id") : rec_s(old, "target_id");
  (void)a;
  (void)ac;
  int st = same_target(tx, c, target, x);
  if (st || !parent) return st;
  return next_no(tx, "assistance", c);
}

static void assist_fix(store_tx *tx, json_t *row) {
  (void)tx;
  set_days(row, "turnaround_days", rec_s(row, "submitted_at"), rec_s(row, "completed_at"));
  /* done within assist_workdays working days of the submission (domain/deadlines.h) */
  char due[11];
  bool open = dl_assist_due(rec_s(row, "state"), rec_s(row, "submitted_at"), due);
  dl_set(row, open ? due : NULL, open);
}

/* Sets one or two more columns of the row (the <step>_at/_by stamps and the
 * decision note are the transitions' stamps, core/workflow.c). */
static int set_cols(store_tx *tx, const json_t *row, const char *c1, const char *v1,
                    const char *c2, const char *v2) {
  buf sql;
  buf_init(&sql, 256);
  sval p[3];
  int np = 0;
  buf_adds(&sql, "UPDATE assistance SET ");
  if (c1) {
    buf_addf(&sql, "%s=$%d", c1, np + 1);
    p[np++] = SV_S(v1);
  }
  if (c2) {
    buf_addf(&sql, ", %s=$%d", c2, np + 1);
    p[np++] = SV_S(v2);
  }
  buf_addf(&sql, " WHERE id=$%d", np + 1);
  p[np++] = SV_S(rec_s(row, "id"));
  int rc = store_exec(tx, buf_str(&sql), p, np, NULL);
  buf_free(&sql);
  return rc;
}

static int apply_a_decide(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  (void)tx;
  (void)row;
  const char *note = rec_s(in, "note");
  if (note) json_object_set_new(d, "note", json_string(note));
  return 0;
}
static int apply_a_reject(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  (void)tx;
  (void)row;
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  return 0;
}
static int apply_a_accept(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)in;
  (void)x;
  /* the department that accepted: the user's commission role */
  const char *dept = NULL;
  static const role_id depts[] = {R_INVESTIGATION, R_CASE_MGMT, R_VERIFICATION_TEAM, R_CONDUCT};
  for (size_t i = 0; i < sizeof depts / sizeof *depts && !dept; i++)
    if (principal_has(ac->who, depts[i])) dept = roles[depts[i]].name;
  json_object_set_new(d, "accepted_by_role", json_string(dept ? dept : ""));
  return set_cols(tx, row, "accepted_role", dept, NULL, NULL);
}
static int apply_a_complete(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                            const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  json_object_set_new(d, "result", json_string(rec_s(in, "result")));
  return set_cols(tx, row, "result", rec_s(in, "result"), "evidence_fixed",
                  rec_s(in, "evidence_fixed"));
}

static const field f_note[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const field f_reason[] = {{.name = "reason", .label = "理由", .type = FT_MEMO,
                                  .flags = F_REQUIRED, .max = 2000}};
static const field f_complete[] = {
    {.name = "result", .label = "协助结果", .type = FT_MEMO, .flags = F_REQUIRED, .max = 10000},
    {.name = "evidence_fixed", .label = "固定的证据", .type = FT_MEMO, .flags = F_REQUIRED, .max = 10000},
    {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000},
};
static const lc_hook assist_hooks[] = {
    {.verb = "submit", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "approve", .fields = f_note, .nfields = NF(f_note), .apply = apply_a_decide},
    {.verb = "reject", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_a_reject},
    {.verb = "forward", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "accept", .fields = f_note, .nfields = NF(f_note), .apply = apply_a_accept},
    {.verb = "complete", .fields = f_complete, .nfields = NF(f_complete), .apply = apply_a_complete},
    {.verb = "close", .fields = f_note, .nfields = NF(f_note)},
};

#define TARGET_PARENT_SQL                                                                     \
  "SELECT t.round_id, t.team_id, t.unit_id, u.supervisor_id, r.state AS round_state FROM "   \
  "targets t JOIN orgs u ON u.id=t.unit_id JOIN rounds r ON r.id=t.round_id WHERE t.id=$1"

const rec_kind rk_assistance = {
    .name = "assistance",
    .label = "提请协助事项",
    .table = "assistance",
    .cols = "x.id, x.version, x.seq_no, x.target_id, x.round_id, x.team_id, tm.name AS team_name, "
        "x.unit_id, u.name AS unit_name, u.supervisor_id, x.problem_id, p.title AS problem_title, "
        "x.clue_id, c.title AS clue_title, x.need, x.reason, x.state, x.submitted_at, x.decided_at, "
        "x.decision_note, x.forwarded_at, x.accepted_at, x.accepted_role, x.completed_at, x.result, "
        "x.evidence_fixed, x.closed_at, x.created_by, x.created_at, x.updated_at, "
        "'提请协助 ' || x.seq_no || ' ' || u.name AS title",
    .from = "assistance x JOIN teams tm ON tm.id=x.team_id JOIN orgs u ON u.id=x.unit_id LEFT JOIN "
        "problems p ON p.id=x.problem_id LEFT JOIN clues c ON c.id=x.clue_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_assistance,
    .list_act = A_ASSIST_LIST,
    .create_act = A_ASSIST_WRITE,
    .edit_act = A_ASSIST_WRITE,
    .fields = assist_fields,
    .nfields = NF(assist_fields),
    .filters = assist_filters,
    .nfilters = NF(assist_filters),
    .flags = assist_flags,
    .nflags = NF(assist_flags),
    .search_col = "x.need",
    .parent_field = "target_id",
    .parent_sql = TARGET_PARENT_SQL,
    .edit_state = "draft",
    .prepare = assist_prepare,
    .fix = assist_fix,
    .hooks = assist_hooks,
    .nhooks = NF(assist_hooks),
    .wf = &wf_assistance,
};

/* ---- accountability (追责问责) ------------------------------------------------------ */
static const char *const subject_kinds[] = {"person", "organization", "leader", NULL};
static const char *const leader_roles[] = {"principal", "supervising", NULL};
static const field acct_fields[] = {
    {.name = "problem_id", .label = "相关问题", .type = FT_ID, .flags = F_CREATEONLY},
    {.name = "clue_id", .label = "相关问题线索", .type = FT_ID, .flags = F_CREATEONLY},
    {.name = "subject_kind", .label = "问责对象类别", .type = FT_ENUM, .flags = F_REQUIRED,
     .values = subject_kinds},
    {.name = "subject_name", .label = "问责对象", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "subject_post", .label = "职务", .type = FT_TEXT, .max = 100},
    {.name = "leader_role", .label = "领导责任", .type = FT_ENUM, .values = leader_roles},
    {.name = "outcome", .label = "处理结果", .type = FT_ENUM, .values = outcome_codes},
    {.name = "criminal", .label = "涉嫌犯罪追究刑事责任", .type = FT_BOOL},
    {.name = "authority", .label = "决定机关", .type = FT_TEXT, .max = 100},
    {.name = "decided_on", .label = "决定日期", .type = FT_DATE},
    {.name = "funds_recovered", .label = "追缴资金 (元)", .type = FT_MONEY},
    {.name = "funds_returned", .label = "清退资金 (元)", .type = FT_MONEY},
    {.name = "losses_recovered", .label = "挽回经济损失 (元)", .type = FT_MONEY},
    {.name = "note", .label = "备注", .type = FT_MEMO, .max = 5000},
};
static const char *const acct_state_codes[] = {"open", "decided", "revoked", NULL};
static const char *const forms[] = {"1", "2", "3", "4", NULL};
static const field acct_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "problem_id", .label = "相关问题", .type = FT_ID},
    {.name = "clue_id", .label = "相关问题线索", .type = FT_ID},
    {.name = "outcome", .label = "处理结果", .type = FT_ENUM, .values = outcome_codes},
    {.name = "form", .label = "形态", .type = FT_ENUM, .values = forms},
    {.name = "subject_kind", .label = "问责对象类别", .type = FT_ENUM, .values = subject_kinds},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = acct_state_codes},
    {.name = "decided_on", .label = "决定日期", .type = FT_DATE},
};

static const char *const money_cols[][2] = {{"funds_recovered", "funds_recovered_fen"},
                                            {"funds_returned", "funds_returned_fen"},
                                            {"losses_recovered", "losses_recovered_fen"}};

/* A decision: outcome, authority and date together; the form from the table. */
static int decision_cols(json_t *c, int required, xres *x) {
  const char *outcome = rec_s(c, "outcome"), *auth = rec_s(c, "authority"), *on = rec_s(c, "decided_on");
  if (!outcome && !required && !auth && !on) return 0;
  if (!outcome) return xres_err(x, 400, "missing_field", "outcome", "缺少必填项「处理结果」");
  if (!auth || !*auth) return xres_err(x, 400, "missing_field", "authority", "缺少必填项「决定机关」");
  if (!on) return xres_err(x, 400, "missing_field", "decided_on", "缺少必填项「决定日期」");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(on, today) > 0) return xres_err(x, 400, "invalid_field", "decided_on", "「决定日期」不得晚于今天");
  int criminal = json_is_true(json_object_get(c, "criminal"));
  const outcome_def *od = outcome_find(outcome);
  if (criminal && !(od && od->criminal_ok))
    return xres_err(x, 400, "invalid_field", "criminal", "仅开除党籍或移送审查起诉可注明追究刑事责任");
  int form = outcome_form(outcome, criminal);
  json_object_set_new(c, "form", form ? json_integer(form) : json_null());
  return 0;
}

static int money_to_fen(json_t *c) {
  for (size_t i = 0; i < 3; i++) {
    json_t *v = json_object_get(c, money_cols[i][0]);
    if (!v) continue;
    int64_t fen = 0;
    if (json_is_integer(v)) fen = json_integer_value(v) * 100;
    else if (json_is_string(v)) money_parse(json_string_value(v), &fen);
    json_object_set_new(c, money_cols[i][1], json_integer(fen));
    json_object_del(c, money_cols[i][0]);
  }
  return 0;
}

static int acct_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c, const json_t *parent,
                        const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  if (old) {
    /* edits of an open record: no decision here, that is the decide step */
    if (json_object_get(c, "outcome") || json_object_get(c, "authority") || json_object_get(c, "decided_on"))
      return xres_err(x, 400, "invalid_field", "outcome", "处理决定请通过「作出处理决定」提交");
    return money_to_fen(c);
  }
  (void)parent;
  const char *sk = rec_s(c, "subject_kind");
  if (rec_s(c, "leader_role") && strcmp(sk, "leader"))
    return xres_err(x, 400, "invalid_field", "leader_role", "仅问责对象为领导时填写「领导责任」");
  int st = same_target(tx, c, rec_s(c, "target_id"), x);
  if (!st) st = decision_cols(c, 0, x);
  if (st) return st;
  if (rec_s(c, "outcome")) json_object_set_new(c, "state", json_string("decided"));
  return money_to_fen(c);
}

static void acct_fix(store_tx *tx, json_t *row) {
  (void)tx;
  for (size_t i = 0; i < 3; i++) rec_money(row, money_cols[i][1], money_cols[i][0]);
  json_object_set_new(row, "criminal", json_boolean(json_integer_value(json_object_get(row, "criminal"))));
  const outcome_def *d = outcome_find(rec_s(row, "outcome"));
  if (d) {
    json_object_set_new(row, "outcome_label", json_string(d->label));
    json_object_set_new(row, "outcome_kind", json_string(outcome_kind_label(d->kind)));
  }
  int form = (int)json_integer_value(json_object_get(row, "form"));
  json_object_set_new(row, "form_label", form ? json_string(form_label(form)) : json_null());
}

static int apply_decide(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  json_t *c = json_deep_copy(in);
  json_object_del(c, "note");
  int st = decision_cols(c, 1, x);
  if (!st) money_to_fen(c);
  if (st) {
    json_decref(c);
    return st;
  }
  json_t *f = json_object_get(c, "form");
  sval p[] = {SV_S(rec_s(c, "outcome")), SV_I(json_is_true(json_object_get(c, "criminal"))),
              json_is_integer(f) ? SV_I(json_integer_value(f)) : SV_NUL, SV_S(rec_s(c, "authority")),
              SV_S(rec_s(c, "decided_on")),
              SV_I(json_integer_value(json_object_get(c, "funds_recovered_fen"))),
              SV_I(json_integer_value(json_object_get(c, "funds_returned_fen"))),
              SV_I(json_integer_value(json_object_get(c, "losses_recovered_fen"))),
              SV_S(rec_s(row, "id"))};
  json_object_set_new(d, "outcome", json_string(rec_s(c, "outcome")));
  if (json_is_integer(f)) json_object_set(d, "form", f);
  int rc = store_exec(tx,
                      "UPDATE accountability SET outcome=$1, criminal=$2, form=$3, authority=$4, "
                      "decided_on=$5, funds_recovered_fen=$6, funds_returned_fen=$7, "
                      "losses_recovered_fen=$8 WHERE id=$9",
                      p, 9, NULL);
  json_decref(c);
  return rc;
}

static int apply_revoke(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  sval p[] = {SV_S(rec_s(in, "reason")), SV_S(rec_s(row, "id"))};
  return store_exec(tx, "UPDATE accountability SET revoked_reason=$1 WHERE id=$2", p, 2, NULL);
}

static const field f_decide[] = {
    {.name = "outcome", .label = "处理结果", .type = FT_ENUM, .flags = F_REQUIRED,
     .values = outcome_codes},
    {.name = "criminal", .label = "涉嫌犯罪追究刑事责任", .type = FT_BOOL},
    {.name = "authority", .label = "决定机关", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "decided_on", .label = "决定日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "funds_recovered", .label = "追缴资金 (元)", .type = FT_MONEY},
    {.name = "funds_returned", .label = "清退资金 (元)", .type = FT_MONEY},
    {.name = "losses_recovered", .label = "挽回经济损失 (元)", .type = FT_MONEY},
    {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000},
};
static const lc_hook acct_hooks[] = {
    {.verb = "decide", .fields = f_decide, .nfields = NF(f_decide), .apply = apply_decide},
    {.verb = "revoke", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_revoke},
};

const rec_kind rk_accountability = {
    .name = "accountability",
    .label = "追责问责记录",
    .table = "accountability",
    .cols = "x.id, x.version, x.problem_id, p.title AS problem_title, x.clue_id, c.title AS clue_title, "
        "x.target_id, x.round_id, x.team_id, tm.name AS team_name, x.unit_id, u.name AS unit_name, "
        "u.supervisor_id, x.subject_kind, x.subject_name, x.subject_post, x.leader_role, x.outcome, "
        "x.criminal, x.form, x.authority, x.decided_on, x.funds_recovered_fen, x.funds_returned_fen, "
        "x.losses_recovered_fen, x.note, x.state, x.revoked_reason, x.created_by, x.created_at, "
        "x.updated_at, x.subject_name || ' (' || u.name || ')' AS title",
    .from = "accountability x JOIN teams tm ON tm.id=x.team_id JOIN orgs u ON u.id=x.unit_id LEFT JOIN "
        "problems p ON p.id=x.problem_id LEFT JOIN clues c ON c.id=x.clue_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_accountability,
    .list_act = A_ACCT_LIST,
    .create_act = A_ACCT_WRITE,
    .edit_act = A_ACCT_WRITE,
    .fields = acct_fields,
    .nfields = NF(acct_fields),
    .filters = acct_filters,
    .nfilters = NF(acct_filters),
    .search_col = "x.subject_name",
    .parent_field = "problem_id",
    .parent_sql = "SELECT p.target_id, p.round_id, p.team_id, p.unit_id, u.supervisor_id, EXISTS (SELECT 1 FROM "
        "report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE "
        "rp.problem_id=p.id) AS handed FROM problems p JOIN orgs u ON u.id=p.unit_id WHERE p.id=$1",
    .edit_state = "open",
    .prepare = acct_prepare,
    .fix = acct_fix,
    .hooks = acct_hooks,
    .nhooks = NF(acct_hooks),
    .wf = &wf_accountability,
    .alt_parent_field = "clue_id",
    .alt_parent_sql = "SELECT c.target_id, c.round_id, c.team_id, c.unit_id, u.supervisor_id, (c.handover_at IS NOT "
        "NULL) AS handed FROM clues c JOIN orgs u ON u.id=c.unit_id WHERE c.id=$1",
};

/* ---- the copy-to-accountability loop ----------------------------------------------- */
/* POST /api/v1/reports/{id}/accountability: the conduct office opens one
 * accountability record (open, for the unit's leading body) for every
 * 不担当不作为 problem of a copied report that has none yet. */
int h_report_open_accountability(req *r) {
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *rep;
  int status = rec_fetch(r, &rk_report, tx, r->params[0], A_REPORT_LIST, &rep);
  if (status) return status;
  authz_obj o;
  rec_obj(rep, &o);
  if (!json_string_value(json_object_get(rep, "copied_at"))) {
    json_decref(rep);
    store_rollback(tx);
    return api_error(r, 409, "not_copied", "", "巡察反馈意见尚未抄送纪委监委");
  }
  if (!authz(&r->who, A_ACCT_WRITE, &o)) {
    json_decref(rep);
    store_rollback(tx);
    return api_deny(r, A_ACCT_WRITE, "report", r->params[0], 0);
  }
  sval p[] = {SV_S(r->params[0])};
  json_t *probs = store_query_json(
      tx,
      "SELECT p.id, p.title, p.target_id, p.round_id, p.team_id, p.unit_id, u.name AS unit_name "
      "FROM report_problems rp JOIN problems p ON p.id=rp.problem_id JOIN orgs u ON "
      "u.id=p.unit_id WHERE rp.report_id=$1 AND p.inaction=1 AND NOT EXISTS (SELECT 1 FROM "
      "accountability a WHERE a.problem_id=p.id AND a.state NOT IN " WSQL_ACCT_REVOKED ") ORDER BY p.seq_no",
      p, 1);
  json_decref(rep);
  if (!probs) return rec_fail(r, tx, STORE_ERR);
  json_t *opened = json_array();
  size_t i;
  json_t *it;
  char now[TS_LEN];
  ts_now(now);
  json_array_foreach(probs, i, it) {
    char id[UUID_LEN];
    uuid7(id);
    char name[300];
    snprintf(name, sizeof name, "%s领导班子", rec_s(it, "unit_name"));
    sval q[] = {SV_S(id), SV_S(rec_s(it, "id")), SV_S(rec_s(it, "target_id")), SV_S(rec_s(it, "round_id")),
                SV_S(rec_s(it, "team_id")), SV_S(rec_s(it, "unit_id")), SV_S(name), SV_S(r->who.user_id),
                SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO accountability(id, problem_id, target_id, round_id, team_id, unit_id, "
                    "subject_kind, subject_name, note, created_by, created_at, updated_at) VALUES($1,$2,"
                    "$3,$4,$5,$6,'organization',$7,'巡察反馈抄送: 不担当不作为问题',$8,$9,$9)",
                    q, 9, NULL);
    json_t *d = json_pack("{s:s,s:s}", "problem_id", rec_s(it, "id"), "report_id", r->params[0]);
    if (!rc) rc = api_audit(r, tx, "accountability.create", "accountability", id, "ok", d);
    json_decref(d);
    if (rc) break;
    json_array_append_new(opened, json_pack("{s:s,s:s,s:s}", "id", id, "problem_id", rec_s(it, "id"),
                                            "problem_title", rec_s(it, "title")));
  }
  json_decref(probs);
  if (rc) {
    json_decref(opened);
    return rec_fail(r, tx, rc);
  }
  if (api_commit(r, tx)) {
    json_decref(opened);
    return r->status;
  }
  return api_ok(r, 201, json_pack("{s:o}", "opened", opened));
}

/* GET /api/v1/accountability/pending: problems copied to the commission more
 * than accountability_days ago (setting; ?days= overrides) that have no
 * accountability decision; ?inaction=true for the 不担当不作为 ones. */
int h_accountability_pending(req *r) {
  static const arg_decl pending_args[] = {
      {.name = "days", .label = "天数", .type = ARG_INT, .min = 0, .max = 3650,
       .msg = "「天数」应为 0 至 3650 的整数"},
      {.name = "inaction", .label = "不担当不作为", .type = ARG_BOOL,
       .msg = "「不担当不作为」应为 true 或 false"},
  };
  static const char *const sorts[] = {"copied_at", NULL};
  static const args_spec pending_spec = {.decls = pending_args, .n = ARGS_N(pending_args),
                                         .paging = true, .keyset = true, .sort = true, .sort_cols = sorts,
                                         .sort_prefix = "rc.", .sort_verbatim = true,
                                         .sort_default = "rc.copied_at, p.seq_no"};
  args a;
  if (api_args(r, &pending_spec, 0, &a)) {
    args_free(&a);
    return r->status;
  }
  const arg_val *dv = args_get(&a, "days"), *inaction = args_get(&a, "inaction");
  long days = dv ? (long)dv->i : cfg_int(CFG_ACCOUNTABILITY_DAYS);
  bool only_inaction = inaction && inaction->i;
  char cutoff[TS_LEN];
  ts_format(xnow() - (time_t)days * 86400, cutoff);
  enum { MAXP = 2 * VIS_MAXP + 6 };
  sval p[MAXP];
  int np = 0;
  buf where;
  buf_init(&where, 4096);
  buf_addf(&where, " WHERE rc.copied_at <= $%d AND NOT EXISTS (SELECT 1 FROM accountability a "
           "WHERE a.problem_id=p.id AND a.state IN " WSQL_ACCT_DECIDED ")", ++np);
  p[0] = SV_S(cutoff);
  if (only_inaction) buf_adds(&where, " AND p.inaction=1");
  /* the problems the visibility model lets the user follow for
   * accountability (the problem kind's declaration, accountability.read)
   * and read (problem.read: the list names them) */
  if (vis_in(&vis_problem, &r->who, A_ACCT_LIST, "p.id", &where, p, &np, VIS_MAXP) ||
      vis_in(&vis_problem, &r->who, A_PROBLEM_LIST, "p.id", &where, p, &np, VIS_MAXP)) {
    buf_free(&where);
    args_free(&a);
    return api_store_error(r, STORE_ERR, NULL); /* fail closed */
  }
  api_list_q q = {"p.id, p.seq_no, p.title, p.inaction, p.state, p.team_id, p.unit_id, u.name AS "
                  "unit_name, rc.copied_at, (SELECT count(*) FROM accountability a WHERE "
                  "a.problem_id=p.id AND a.state IN " WSQL_ACCT_OPEN ") AS open_records",
                  "problems p JOIN report_problems rp ON rp.problem_id=p.id JOIN report_copies rc ON "
                  "rc.report_id=rp.report_id AND rc.recipient='commission' JOIN orgs u ON u.id=p.unit_id",
                  buf_str(&where), args_order(&a), p, np, NULL, NULL, .lag_ok = true};
  int st = api_list(r, &q);
  buf_free(&where);
  args_free(&a);
  return st;
}

/* ---- clue disposal outcomes ------------------------------------------------------- */
static const field outcome_fields[] = {
    {.name = "case_filed_on", .label = "立案日期", .type = FT_DATE},
    {.name = "detention_on", .label = "留置日期", .type = FT_DATE},
    {.name = "prosecution_on", .label = "移送审查起诉日期", .type = FT_DATE},
    {.name = "authority", .label = "决定机关", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
};
const lc_hook clue_outcome_act = {.verb = "outcome", .fields = outcome_fields,
                                  .nfields = NF(outcome_fields)};

/* POST /api/v1/clues/{id}/outcome: 立案 / 留置 / 移送审查起诉 with dates and
 * the deciding authority, by 案管室 or 审查调查室 on a registered clue. */
int h_clue_outcome(req *r) {
  if (api_body(r, outcome_fields, NF(outcome_fields), false)) return r->status;
  const char *cf = rec_s(r->in, "case_filed_on"), *dt = rec_s(r->in, "detention_on"),
             *pr = rec_s(r->in, "prosecution_on");
  if (!cf && !dt && !pr)
    return api_error(r, 400, "missing_field", "case_filed_on", "请至少填写立案、留置或移送审查起诉之一的日期");
  char today[11];
  date_format(date_today_shanghai(), today);
  const char *const ds[][2] = {{"case_filed_on", cf}, {"detention_on", dt}, {"prosecution_on", pr}};
  for (size_t i = 0; i < 3; i++)
    if (ds[i][1] && strcmp(ds[i][1], today) > 0)
      return api_error(r, 400, "invalid_field", ds[i][0], "日期不得晚于今天");
  if ((dt && cf && strcmp(dt, cf) < 0) || (pr && cf && strcmp(pr, cf) < 0))
    return api_error(r, 400, "invalid_field", dt && cf && strcmp(dt, cf) < 0 ? "detention_on" : "prosecution_on",
                     "留置、移送审查起诉日期不得早于立案日期");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval q[] = {SV_S(r->params[0])};
  json_t *c = store_query_one(tx, "SELECT id, team_id, unit_id, state, handover_at FROM clues WHERE id=$1", q, 1, &rc);
  if (!c) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "问题线索不存在或无权访问");
  }
  /* handed over = visible to the commission (as the clue's own reads): a
   * clue it can see but has not disposed of yet is a 409 below, not a 404;
   * a role that sees it but may not record outcomes gets 403 */
  authz_obj o = {rec_s(c, "team_id"), rec_s(c, "unit_id"), NULL, rec_s(c, "handover_at") != NULL};
  if (!authz(&r->who, A_CLUE_OUTCOME, &o)) {
    /* hidden (404) unless the visibility model lets the user read the clue */
    int seen = vis_row(tx, &vis_clue, &r->who, r->params[0]);
    json_decref(c);
    store_rollback(tx);
    if (seen < 0) return api_store_error(r, seen, NULL);
    return api_deny(r, A_CLUE_OUTCOME, "clue", r->params[0], !seen);
  }
  const char *st = rec_s(c, "state");
  if (!wf_in(&ws_clue_disposing, st)) {
    json_decref(c);
    store_rollback(tx);
    return api_error(r, 409, "invalid_state", "state", "线索尚未确定处置方式, 不能登记立案、留置或移送情况");
  }
  json_decref(c);
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(cf), SV_S(dt), SV_S(pr), SV_S(rec_s(r->in, "authority")), SV_S(now), SV_S(r->params[0])};
  rc = store_exec(tx,
                  "UPDATE clues SET case_filed_on=coalesce($1, case_filed_on), "
                  "detention_on=coalesce($2, detention_on), prosecution_on=coalesce($3, "
                  "prosecution_on), outcome_authority=$4, updated_at=$5, version=version+1 WHERE id=$6",
                  p, 6, NULL);
  if (!rc) rc = api_audit(r, tx, "clue.outcome", "clue", r->params[0], "ok", r->in);
  if (!rc) rc = api_notify(r, tx, "inspection_office", "", "clue", r->params[0], "outcome",
                           "问题线索处置结果: 立案/留置/移送审查起诉情况已登记", "");
  if (rc) return rec_fail(r, tx, rc);
  json_t *row = store_query_one(tx,
                                "SELECT id, state, result, case_filed_on, detention_on, prosecution_on, "
                                "outcome_authority, handover_at, disposed_at, concluded_at FROM clues WHERE id=$1",
                                q, 1, &rc);
  if (row) {
    set_days(row, "days_handover_to_disposal", rec_s(row, "handover_at"), rec_s(row, "disposed_at"));
  }
  return api_finish(r, tx, row, rc, 200);
}

/* ---- the outcome table (read-only) ------------------------------------------------- */
static json_t *outcome_json(const char *code) {
  const outcome_def *d = outcome_find(code);
  int form = d ? d->form : 0;
  return json_pack("{s:s,s:s,s:s,s:i,s:s,s:b}", "code", code, "label", d ? d->label : "不予处理",
                   "kind_label", d ? outcome_kind_label(d->kind) : "", "form", form, "form_label",
                   form_label(form), "criminal_ok", d && d->criminal_ok);
}

/* GET /api/v1/outcomes: the codes of DOMAIN.md §4 with their labels, kinds and
 * the form each counts under (core/outcomes.c), so that the forms offer
 * exactly what the server accepts and show the form it will derive;
 * `handling` lists the values of a joint review's handling (no_action too). */
int h_outcomes(req *r) {
  json_t *items = json_array(), *handling = json_array();
  for (const char *const *c = outcome_codes; *c; c++) json_array_append_new(items, outcome_json(*c));
  for (const char *const *c = handling_codes; *c; c++) json_array_append_new(handling, outcome_json(*c));
  return api_ok(r, 200, json_pack("{s:o,s:o}", "items", items, "handling", handling));
}
