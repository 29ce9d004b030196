/*
 * findings.c — problems (问题底稿) and the team's report with the feedback
 * to the unit and its copy (抄送) to the commission and 组织部 (issue 4),
 * plus the configurable problem taxonomy. The report's steps carry its
 * problems along (rec_cascade), so a problem is reported, fed back and
 * released to the unit exactly when its report is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/workflow.h"
#include "api/record.h"
#include "util/config.h"
#include "util/text.h"

/* ---- problems -------------------------------------------------------------- */
static const char *const found_by_values[] = {"interview", "records", "field_visit", "petition",
                                              "other", NULL};
static const field problem_fields[] = {
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "category_id", .label = "问题类别", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "title", .label = "问题标题", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "description", .label = "问题描述", .type = FT_MEMO, .flags = F_REQUIRED, .max = 20000},
    {.name = "amount", .label = "涉及金额 (元)", .type = FT_MONEY},
    {.name = "people", .label = "涉及人员", .type = FT_MEMO, .max = 2000},
    {.name = "found_by", .label = "发现方式", .type = FT_ENUM, .flags = F_REQUIRED,
     .values = found_by_values},
    {.name = "petition_id", .label = "来源信访件", .type = FT_ID},
    {.name = "found_on", .label = "发现日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "immediate_fix", .label = "立行立改", .type = FT_BOOL},
    {.name = "inaction", .label = "不担当不作为", .type = FT_BOOL},
};
static const char *const problem_state_codes[] = {"draft", "confirmed", "reported", "fed_back",
                                                  "rectifying", "rectified", "signed_off",
                                                  "reopened", NULL};
static const field problem_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "category_id", .label = "问题类别", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = problem_state_codes},
    {.name = "found_by", .label = "发现方式", .type = FT_ENUM, .values = found_by_values},
    {.name = "immediate_fix", .label = "立行立改", .type = FT_BOOL},
    {.name = "inaction", .label = "不担当不作为", .type = FT_BOOL},
    {.name = "found_on", .label = "发现日期", .type = FT_DATE},
    {.name = "seq_no", .label = "问题编号", .type = FT_TEXT, .max = 20},
    {.name = "created_by", .label = "登记人", .type = FT_ID},
};
static const rec_flag problem_flags[] = {
    {"open", "x.state NOT IN " WSQL_PROBLEM_SIGNED_OFF},
    {"copied", "EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON "
               "rc.report_id=rp.report_id WHERE rp.problem_id=x.id)"},
};

static int problem_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  int rc = 0;
  const char *cat = rec_s(c, "category_id");
  if (cat) {
    sval p[] = {SV_S(cat)};
    json_t *row = store_query_one(
        tx, "SELECT parent_id, active FROM problem_categories WHERE id=$1", p, 1, &rc);
    int ok = row && rec_s(row, "parent_id") && json_integer_value(json_object_get(row, "active"));
    json_decref(row);
    if (rc) return rc;
    if (!ok)
      return xres_err(x, 400, "invalid_field", "category_id",
                       "「问题类别」应为现行的二级类别");
  }
  json_t *amount = json_object_get(c, "amount");
  if (amount) {
    int64_t fen = 0;
    if (json_is_integer(amount)) fen = json_integer_value(amount) * 100;
    else if (json_is_string(amount)) money_parse(json_string_value(amount), &fen);
    json_object_set_new(c, "amount_fen", json_integer(fen));
    json_object_del(c, "amount");
  }
  const char *found = rec_s(c, "found_on");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (found && strcmp(found, today) > 0)
    return xres_err(x, 400, "invalid_field", "found_on", "「发现日期」不得晚于今天");
  const char *target = parent ? rec_s(c, "target_id") : rec_s(old, "target_id");
  const char *pet = rec_s(c, "petition_id");
  if (pet) {
    sval p[] = {SV_S(pet), SV_S(target)};
    int64_t n = 0;
    rc = store_query_int(tx, "SELECT count(*) FROM petitions WHERE id=$1 AND target_id=$2", p, 2, &n);
    if (rc) return rc;
    if (!n) return xres_err(x, 400, "invalid_field", "petition_id", "「来源信访件」不属于该巡察对象");
  }
  const char *fb = rec_s(c, "found_by");
  if (fb && !strcmp(fb, "petition") && !pet && !(old && rec_s(old, "petition_id")))
    return xres_err(x, 400, "missing_field", "petition_id", "发现方式为信访件时须关联「来源信访件」");
  if (parent) {
    const char *st = rec_s(parent, "round_state");
    if (st && !wf_in(&ws_round_recording, st))
      return xres_err(x, 409, "invalid_state", "target_id", "巡察轮次尚未进驻或已结束, 不能记录问题");
    int year = year_shanghai(xnow());
    int64_t seq;
    if ((rc = api_next_seq(tx, "problem", year, &seq))) return rc;
    char no[32];
    snprintf(no, sizeof no, "%d-%04lld", year, (long long)seq);
    json_object_set_new(c, "seq_no", json_string(no));
  }
  return 0;
}

static void problem_fix(store_tx *tx, json_t *row) {
  (void)tx;
  rec_money(row, "amount_fen", "amount");
  const char *b[] = {"immediate_fix", "inaction"};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(row, b[i]);
    if (json_is_integer(v)) json_object_set_new(row, b[i], json_boolean(json_integer_value(v)));
  }
}


static int tasks_count(store_tx *tx, const char *problem, const char *states, int64_t *n) {
  buf sql;
  buf_init(&sql, 256);
  buf_addf(&sql, "SELECT count(*) FROM rect_tasks WHERE problem_id=$1%s%s%s",
           states ? " AND state IN " : "", states ? states : "", "");
  sval p[] = {SV_S(problem)};
  int rc = store_query_int(tx, buf_str(&sql), p, 1, n);
  buf_free(&sql);
  return rc;
}

/* The stamp columns (confirmed_at/_by, rectify_note, ...) are declared with
 * the transitions (core/workflow.c) and written by the engine. */
static int apply_complete(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  int64_t all = 0, done = 0;
  int rc = tasks_count(tx, rec_s(row, "id"), NULL, &all);
  if (!rc) rc = tasks_count(tx, rec_s(row, "id"), WSQL_TASK_DONE, &done);
  if (rc) return rc;
  if (all == 0)
    return xres_err(x, 409, "no_tasks", "", "该问题尚无整改任务, 请先制定整改任务");
  if (done < all)
    return xres_err(x, 409, "tasks_open", "", "该问题还有 %lld 项整改任务未完成",
                     (long long)(all - done));
  json_object_set_new(d, "tasks", json_integer(all));
  return 0;
}

static int apply_sign_off(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  int64_t all = 0, signed_off = 0;
  int rc = tasks_count(tx, rec_s(row, "id"), NULL, &all);
  if (!rc) rc = tasks_count(tx, rec_s(row, "id"), WSQL_TASK_SIGNED_OFF, &signed_off);
  if (rc) return rc;
  if (signed_off < all)
    return xres_err(x, 409, "tasks_open", "", "该问题还有 %lld 项整改任务未销号",
                     (long long)(all - signed_off));
  (void)d;
  return 0;
}

static int apply_reopen(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  (void)tx;
  (void)row;
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  return 0;
}

static const field f_note[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const field f_complete[] = {{.name = "note", .label = "整改情况", .type = FT_MEMO,
                                    .flags = F_REQUIRED, .max = 5000}};
static const field f_reason[] = {{.name = "reason", .label = "理由", .type = FT_MEMO,
                                  .flags = F_REQUIRED, .max = 2000}};
static const lc_hook problem_hooks[] = {
    {.verb = "confirm", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "rectify", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "complete", .fields = f_complete, .nfields = NF(f_complete), .apply = apply_complete},
    {.verb = "sign_off", .fields = f_note, .nfields = NF(f_note), .apply = apply_sign_off},
    {.verb = "reopen", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_reopen},
};

/* a problem's page may open an assistance request or an accountability record, and
 * shows its evidence files to those who read the working papers */
static const action_id problem_also[] = {A_ASSIST_WRITE, A_ACCT_WRITE, A_PROBLEM_PAPERS};

const rec_kind rk_problem = {
    .name = "problem",
    .label = "问题",
    .table = "problems",
    .cols = "x.id, x.version, x.seq_no, x.target_id, x.round_id, x.team_id, tm.name AS team_name, "
        "x.unit_id, u.name AS unit_name, u.supervisor_id, x.category_id, c.name AS category_name, "
        "pc.name AS area_name, x.title, x.description, x.amount_fen, x.people, x.found_by, "
        "x.petition_id, x.found_on, x.immediate_fix, x.inaction, x.state, x.confirmed_at, "
        "x.reported_at, x.fed_back_at, x.rectifying_at, x.rectified_at, x.rectify_note, "
        "x.signed_off_at, x.reopened_at, x.reopen_reason, x.created_by, x.created_at, x.updated_at, "
        "(SELECT count(*) FROM rect_tasks k WHERE k.problem_id=x.id) AS task_count, "
        "(SELECT count(*) FROM rect_tasks k WHERE k.problem_id=x.id AND k.state IN " WSQL_TASK_SIGNED_OFF ") AS "
        "tasks_signed_off, "
        "(SELECT count(*) FROM files f WHERE f.owner_kind='problem' AND f.owner_id=x.id) AS file_count",
    .from = "problems x JOIN teams tm ON tm.id=x.team_id JOIN orgs u ON u.id=x.unit_id JOIN "
        "problem_categories c ON c.id=x.category_id LEFT JOIN problem_categories pc ON pc.id=c.parent_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_problem,
    .list_act = A_PROBLEM_LIST,
    .create_act = A_PROBLEM_CREATE,
    .edit_act = A_PROBLEM_EDIT,
    .fields = problem_fields,
    .nfields = NF(problem_fields),
    .filters = problem_filters,
    .nfilters = NF(problem_filters),
    .flags = problem_flags,
    .nflags = NF(problem_flags),
    .search_col = "x.title",
    .parent_field = "target_id",
    .parent_sql = "SELECT t.round_id, t.team_id, t.unit_id, u.supervisor_id, r.state AS round_state FROM targets t "
        "JOIN orgs u ON u.id=t.unit_id JOIN rounds r ON r.id=t.round_id WHERE t.id=$1",
    .edit_state = "draft",
    .prepare = problem_prepare,
    .fix = problem_fix,
    .hooks = problem_hooks,
    .nhooks = NF(problem_hooks),
    .wf = &wf_problem,
    .also = problem_also,
    .nalso = NF(problem_also),
};

/* ---- report, feedback and copy ----------------------------------------------------- */
static const field report_fields[] = {
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "text", .label = "巡察报告正文", .type = FT_MEMO, .flags = F_REQUIRED, .max = 100000},
};
static const char *const report_state_codes[] = {"draft", "submitted", "approved", "fed_back",
                                                 "copied", NULL};
static const field report_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = report_state_codes},
    {.name = "meeting_date", .label = "反馈会日期", .type = FT_DATE},
};

static int report_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)old;
  if (!parent) return 0;
  sval p[] = {SV_S(rec_s(c, "target_id"))};
  int64_t n = 0;
  int rc = store_query_int(tx, "SELECT count(*) FROM reports WHERE target_id=$1", p, 1, &n);
  if (rc) return rc;
  if (n) return xres_err(x, 409, "exists", "target_id", "该巡察对象已有巡察报告");
  return 0;
}

static void report_fix(store_tx *tx, json_t *row) {
  (void)tx;
  const char *md = rec_s(row, "meeting_date");
  int64_t d;
  if (md && date_parse(md, &d)) {
    char due[11], plan[11];
    date_format(date_add_months(d, (int)cfg_int(CFG_RECT_REPORT_MONTHS)), due);
    date_format(date_add_months(d, (int)cfg_int(CFG_RECT_PLAN_MONTHS)), plan);
    json_object_set_new(row, "rect_report_due", json_string(due));
    json_object_set_new(row, "rect_plan_due", json_string(plan));
  }
}


static int report_cascade(app *a, svc_actor *ac, store_tx *tx, const json_t *row, const char *verb,
                          json_t *d) {
  sval p[] = {SV_S(rec_s(row, "id"))};
  int moved = 0;
  int rc = rec_cascade_svc(a, ac, tx, &wf_problem, "problems",
                       "id IN (SELECT problem_id FROM report_problems WHERE report_id=$1)", p, 1,
                       verb, json_pack("{s:s}", "report_id", rec_s(row, "id")), &moved);
  if (!rc) json_object_set_new(d, "problems", json_integer(moved));
  return rc;
}

static int apply_submit(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)in;
  const char *target = rec_s(row, "target_id");
  sval p[] = {SV_S(target)};
  int64_t drafts = 0;
  int rc = store_query_int(tx, "SELECT count(*) FROM problems WHERE target_id=$1 AND state IN " WSQL_PROBLEM_DRAFT,
                           p, 1, &drafts);
  if (rc) return rc;
  if (drafts)
    return xres_err(x, 409, "problems_unconfirmed", "", "该巡察对象还有 %lld 个问题未确认, 请先确认或删除",
                     (long long)drafts);
  sval q[] = {SV_S(rec_s(row, "id")), SV_S(target)};
  rc = store_exec(tx, "DELETE FROM report_problems WHERE report_id=$1", q, 1, NULL);
  if (!rc)
    rc = store_exec(tx,
                    "INSERT INTO report_problems(report_id, problem_id) SELECT $1, id FROM problems "
                    "WHERE target_id=$2 AND state IN " WSQL_PROBLEM_CONFIRMED,
                    q, 2, NULL);
  if (!rc) rc = report_cascade(a, ac, tx, row, "report", d);
  char now[TS_LEN];
  ts_now(now);
  sval s2[] = {SV_S(now), SV_S(rec_s(row, "id"))};
  if (!rc)
    rc = store_exec(tx,
                    "UPDATE problems SET reported_at=$1 WHERE id IN (SELECT problem_id FROM "
                    "report_problems WHERE report_id=$2)",
                    s2, 2, NULL);
  return rc;
}

static int apply_return(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)x;
  int rc = report_cascade(a, ac, tx, row, "unreport", d);
  sval q[] = {SV_S(rec_s(row, "id"))};
  if (!rc) rc = store_exec(tx, "DELETE FROM report_problems WHERE report_id=$1", q, 1, NULL);
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  return rc;
}

static int apply_feedback(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  const char *md = rec_s(in, "meeting_date");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(md, today) > 0)
    return xres_err(x, 400, "invalid_field", "meeting_date", "「反馈会日期」不得晚于今天");
  char now[TS_LEN];
  ts_now(now);
  json_t *att = json_object_get(in, "attendees");
  const char *names = rec_s(in, "attendee_names");
  sval p[] = {SV_S(md), json_is_integer(att) ? SV_I(json_integer_value(att)) : SV_NUL,
              SV_S(rec_s(in, "feedback_text")), SV_S(rec_s(row, "id")),
              names && *names ? SV_S(names) : SV_NUL};
  int rc = store_exec(tx,
                      "UPDATE reports SET meeting_date=$1, attendees=$2, feedback_text=$3, "
                      "attendee_names=$5 WHERE id=$4",
                      p, 5, NULL);
  sval t[] = {SV_S(md), SV_S(now), SV_S(rec_s(row, "target_id"))};
  if (!rc) rc = store_exec(tx, "UPDATE targets SET feedback_date=$1, updated_at=$2, version=version+1 WHERE id=$3", t, 3, NULL);
  if (!rc) rc = report_cascade(a, ac, tx, row, "feed_back", d);
  sval t2[] = {SV_S(now), SV_S(rec_s(row, "id"))};
  if (!rc)
    rc = store_exec(tx,
                    "UPDATE problems SET fed_back_at=$1 WHERE id IN (SELECT problem_id FROM "
                    "report_problems WHERE report_id=$2)",
                    t2, 2, NULL);
  json_object_set_new(d, "meeting_date", json_string(md));
  return rc;
}

static int apply_copy(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                      const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)in;
  (void)x;
  char now[TS_LEN];
  ts_now(now);
  static const struct {
    const char *recipient, *org_kind;
  } to[] = {{"commission", "commission"}, {"organization_dept", "organization_dept"}};
  json_t *list = json_array();
  int rc = 0;
  for (size_t i = 0; i < sizeof to / sizeof *to && !rc; i++) {
    char id[UUID_LEN];
    uuid7(id);
    char *org = NULL;
    sval k[] = {SV_S(to[i].org_kind)};
    rc = store_query_text(tx, "SELECT id FROM orgs WHERE kind=$1 ORDER BY created_at LIMIT 1", k, 1, &org);
    sval p[] = {SV_S(id), SV_S(rec_s(row, "id")), SV_S(to[i].recipient), SV_S(org),
                SV_S(ac->user_id), SV_S(now)};
    if (!rc)
      rc = store_exec(tx,
                      "INSERT INTO report_copies(id, report_id, recipient, recipient_org_id, "
                      "copied_by, copied_at) VALUES($1,$2,$3,$4,$5,$6)",
                      p, 6, NULL);
    free(org);
    json_array_append_new(list, json_string(to[i].recipient));
  }
  json_object_set_new(d, "copied_to", list);
  return rc;
}

static const field f_feedback[] = {
    {.name = "meeting_date", .label = "反馈会日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "attendees", .label = "参会人数", .type = FT_INT, .max = 100000, .min = 1},
    {.name = "attendee_names", .label = "参会人员", .type = FT_MEMO, .max = 2000},
    {.name = "feedback_text", .label = "反馈意见", .type = FT_MEMO, .flags = F_REQUIRED, .max = 100000},
    {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000},
};
static const lc_hook report_hooks[] = {
    {.verb = "submit", .fields = f_note, .nfields = NF(f_note), .apply = apply_submit},
    {.verb = "return", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_return},
    {.verb = "approve", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "feedback", .fields = f_feedback, .nfields = NF(f_feedback), .apply = apply_feedback},
    {.verb = "copy", .fields = f_note, .nfields = NF(f_note), .apply = apply_copy},
};

/* a copied report's page opens accountability for its 不担当不作为 problems */
static const action_id report_also[] = {A_ACCT_WRITE};

const rec_kind rk_report = {
    .name = "report",
    .label = "巡察报告",
    .table = "reports",
    .cols = "x.id, x.version, x.target_id, x.round_id, x.team_id, tm.name AS team_name, x.unit_id, "
        "u.name AS unit_name, u.supervisor_id, x.text, x.state, x.submitted_at, x.returned_at, "
        "x.return_reason, x.approved_at, x.meeting_date, x.attendees, x.attendee_names, x.feedback_text, "
        "x.fed_back_at, "
        "x.copied_at, x.created_at, x.updated_at, u.name || ' 巡察报告' AS title, "
        "(SELECT count(*) FROM report_problems rp WHERE rp.report_id=x.id) AS problem_count, "
        "(SELECT count(*) FROM report_problems rp JOIN problems p ON p.id=rp.problem_id WHERE "
        " rp.report_id=x.id AND p.inaction=1) AS inaction_count",
    .from = "reports x JOIN teams tm ON tm.id=x.team_id JOIN orgs u ON u.id=x.unit_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_report,
    .list_act = A_REPORT_LIST,
    .create_act = A_REPORT_WRITE,
    .edit_act = A_REPORT_WRITE,
    .fields = report_fields,
    .nfields = NF(report_fields),
    .filters = report_filters,
    .nfilters = NF(report_filters),
    .parent_field = "target_id",
    .parent_sql = "SELECT t.round_id, t.team_id, t.unit_id, u.supervisor_id, r.state AS round_state FROM targets t "
        "JOIN orgs u ON u.id=t.unit_id JOIN rounds r ON r.id=t.round_id WHERE t.id=$1",
    .edit_state = "draft",
    .prepare = report_prepare,
    .fix = report_fix,
    .hooks = report_hooks,
    .nhooks = NF(report_hooks),
    .wf = &wf_report,
    .also = report_also,
    .nalso = NF(report_also),
};

/* ---- taxonomy ------------------------------------------------------------------ */
int h_categories_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *rows = store_query_json(tx,
                                  "SELECT id, code, name, parent_id, min_form, sort, active FROM "
                                  "problem_categories ORDER BY sort, code",
                                  NULL, 0);
  store_rollback(tx);
  if (!rows) return api_store_error(r, STORE_ERR, NULL);
  /* as a tree: top-level areas with their children */
  json_t *tree = json_array();
  size_t i, j;
  json_t *a, *b;
  json_array_foreach(rows, i, a) {
    json_object_set_new(a, "active", json_boolean(json_integer_value(json_object_get(a, "active"))));
    if (rec_s(a, "parent_id")) continue;
    json_t *kids = json_array();
    json_array_foreach(rows, j, b) {
      const char *pid = rec_s(b, "parent_id");
      if (pid && !strcmp(pid, rec_s(a, "id"))) json_array_append(kids, b);
    }
    json_t *node = json_deep_copy(a);
    json_object_set_new(node, "children", kids);
    json_array_append_new(tree, node);
  }
  json_decref(rows);
  return api_ok(r, 200, json_pack("{s:o}", "items", tree));
}

static const field category_fields[] = {
    {.name = "name", .label = "类别名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 60},
    {.name = "parent_id", .label = "上级类别", .type = FT_TEXT, .flags = F_CREATEONLY, .max = 40},
    {.name = "min_form", .label = "联审最低处理形态", .type = FT_INT, .max = 4, .min = 1},
    {.name = "active", .label = "启用", .type = FT_BOOL},
};

int h_categories_create(req *r) {
  if (api_body(r, category_fields, NF(category_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *parent = rec_s(r->in, "parent_id");
  int64_t n = 0, count = 0;
  char code[48];
  if (parent) {
    sval p[] = {SV_S(parent)};
    rc = store_query_int(tx, "SELECT count(*) FROM problem_categories WHERE id=$1 AND parent_id IS NULL", p, 1, &n);
    if (!rc && !n) {
      store_rollback(tx);
      return api_error(r, 400, "invalid_field", "parent_id", "「上级类别」应为一级类别");
    }
  }
  sval pc[] = {SV_S(parent)};
  if (!rc)
    rc = store_query_int(tx,
                         parent ? "SELECT count(*) FROM problem_categories WHERE parent_id=$1"
                                : "SELECT count(*) FROM problem_categories WHERE parent_id IS NULL",
                         pc, parent ? 1 : 0, &count);
  char *pcode = NULL;
  if (!rc && parent) rc = store_query_text(tx, "SELECT code FROM problem_categories WHERE id=$1", pc, 1, &pcode);
  if (rc) {
    free(pcode);
    return rec_fail(r, tx, rc);
  }
  snprintf(code, sizeof code, "%.8s%02lld", pcode ? pcode : "", (long long)(count + 1));
  free(pcode);
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  json_t *mf = json_object_get(r->in, "min_form");
  sval p[] = {SV_S(id), SV_S(code), SV_S(rec_s(r->in, "name")), SV_S(parent),
              json_is_integer(mf) ? SV_I(json_integer_value(mf)) : SV_NUL, SV_I(count + 1000),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO problem_categories(id, code, name, parent_id, min_form, sort, created_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7)",
                  p, 7, NULL);
  if (rc == STORE_CONFLICT) {
    store_rollback(tx);
    return api_error(r, 409, "exists", "name", "同级已有同名类别");
  }
  if (!rc) rc = api_audit(r, tx, "category.create", "category", id, "ok", r->in);
  if (rc) return rec_fail(r, tx, rc);
  sval q[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT id, code, name, parent_id, min_form, active FROM problem_categories WHERE id=$1", q, 1, &rc);
  return api_finish(r, tx, row, rc, 201);
}

int h_categories_update(req *r) {
  if (api_body(r, category_fields, NF(category_fields), true)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval q[] = {SV_S(r->params[0])};
  json_t *old = store_query_one(tx, "SELECT id FROM problem_categories WHERE id=$1", q, 1, &rc);
  if (!old) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "问题类别不存在");
  }
  json_decref(old);
  const char *name = rec_s(r->in, "name");
  json_t *mf = json_object_get(r->in, "min_form"), *act = json_object_get(r->in, "active");
  sval p[] = {SV_S(name), SV_I(mf != NULL), json_is_integer(mf) ? SV_I(json_integer_value(mf)) : SV_NUL,
              act ? SV_I(json_is_true(act)) : SV_NUL, SV_S(r->params[0])};
  rc = store_exec(tx,
                  "UPDATE problem_categories SET name=coalesce($1, name), "
                  "min_form=CASE WHEN $2=1 THEN $3 ELSE min_form END, active=coalesce($4, active) "
                  "WHERE id=$5",
                  p, 5, NULL);
  if (rc == STORE_CONFLICT) {
    store_rollback(tx);
    return api_error(r, 409, "exists", "name", "同级已有同名类别");
  }
  if (!rc) rc = api_audit(r, tx, "category.update", "category", r->params[0], "ok", r->in);
  if (rc) return rec_fail(r, tx, rc);
  json_t *row = store_query_one(tx, "SELECT id, code, name, parent_id, min_form, active FROM problem_categories WHERE id=$1", q, 1, &rc);
  return api_finish(r, tx, row, rc, 200);
}
