/*
 * rectification.c — what happens after the feedback (issue 4): the unit's
 * rectification plan and report, the three lists (问题清单, 任务清单,
 * 责任清单) as one view, rectification tasks with progress entries, the
 * office's sign-off (销号), supervision notices (督查督办: 提醒 → 督办 →
 * 约谈), daily supervision by the dispatched group (纳入日常监督) and the
 * institutions the unit revised (修订完善制度机制). Overdue is computed from
 * dates when read, never stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/workflow.h"
#include "domain/deadlines.h"
#include "api/record.h"
#include "util/config.h"
#include "util/text.h"

static void today_str(char out[11]) { date_format(date_today_shanghai(), out); }

/* ---- rectification tasks ------------------------------------------------------- */
static const field task_fields[] = {
    {.name = "problem_id", .label = "问题", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "measure", .label = "整改措施", .type = FT_MEMO, .flags = F_REQUIRED, .max = 5000},
    {.name = "owner_name", .label = "责任人", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "owner_post", .label = "责任人职务", .type = FT_TEXT, .max = 100},
    {.name = "leader_name", .label = "责任领导", .type = FT_TEXT, .max = 50},
    {.name = "deadline", .label = "完成时限", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "long_term", .label = "长期整改", .type = FT_BOOL},
};
static const char *const task_state_codes[] = {"open", "in_progress", "done", "signed_off", NULL};
static const field task_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "problem_id", .label = "问题", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = task_state_codes},
    {.name = "long_term", .label = "长期整改", .type = FT_BOOL},
    {.name = "deadline", .label = "完成时限", .type = FT_DATE},
    {.name = "owner_name", .label = "责任人", .type = FT_TEXT, .max = 50},
};
/* {today} is replaced by today's date (Asia/Shanghai) in list filters. */
static const rec_flag task_flags[] = {
    {"overdue", "x.state IN " WSQL_TASK_OPEN " AND x.deadline < '{today}'"},
    {"open", "x.state NOT IN " WSQL_TASK_SIGNED_OFF},
};

static int task_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)tx;
  (void)old;
  if (parent) {
    const char *st = rec_s(parent, "parent_state");
    if (!wf_in(&ws_problem_taking_tasks, st))
      return xres_err(x, 409, "invalid_state", "problem_id", "该问题当前不在整改阶段, 不能添加整改任务");
  }
  const char *dl = rec_s(c, "deadline");
  char today[11];
  today_str(today);
  if (dl && parent && strcmp(dl, today) < 0)
    return xres_err(x, 400, "invalid_field", "deadline", "「完成时限」不得早于今天");
  return 0;
}

/* The first task starts the problem's rectification (fed_back → rectifying). */
static int task_created(app *a, svc_actor *ac, store_tx *tx, const json_t *row, json_t *answer,
                        xres *x) {
  (void)answer;
  (void)x;
  sval p[] = {SV_S(rec_s(row, "problem_id"))};
  int moved;
  return rec_cascade_svc(a, ac, tx, &wf_problem, "problems", "id=$1", p, 1, "rectify",
                     json_pack("{s:s}", "task_id", rec_s(row, "id")), &moved);
}

static void task_fix(store_tx *tx, json_t *row) {
  (void)tx;
  json_t *lt = json_object_get(row, "long_term");
  int long_term = json_integer_value(lt) != 0;
  json_object_set_new(row, "long_term", json_boolean(long_term));
  const char *st = rec_s(row, "state");
  const char *dl = rec_s(row, "deadline");
  int64_t today = date_today_shanghai(), d;
  int open = wf_in(&ws_task_open, st);
  if (dl && date_parse(dl, &d)) {
    json_object_set_new(row, "overdue", json_boolean(open && d < today));
    /* days_left and the warnings (settings, DOMAIN.md §3: 20 and 10 days) */
    dl_set(row, dl, open);
  }
  const char *fb = rec_s(row, "meeting_date");
  if (long_term && fb && date_parse(fb, &d)) {
    char due[11];
    date_format(date_add_months(d, (int)cfg_int(CFG_LONG_TERM_MONTHS)), due);
    json_object_set_new(row, "long_term_report_due", json_string(due));
  }
}

static int64_t count_where(store_tx *tx, const char *sql, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  int64_t n = 0;
  *rc = store_query_int(tx, sql, p, 1, &n);
  return n;
}

static int apply_start(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                       const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  (void)x;
  (void)d;
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(rec_s(row, "id"))};
  return store_exec(tx, "UPDATE rect_tasks SET started_at=coalesce(started_at,$1) WHERE id=$2", p, 2, NULL);
}

static int apply_finish(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  int rc;
  int64_t n = count_where(tx, "SELECT count(*) FROM rect_progress WHERE task_id=$1", rec_s(row, "id"), &rc);
  if (rc) return rc;
  if (!n) return xres_err(x, 409, "no_progress", "", "请先填报整改进展及佐证材料, 再报告完成");
  char now[TS_LEN];
  ts_now(now);
  /* done_at/_by/_note: the transition's stamps (core/workflow.c) */
  sval p[] = {SV_S(now), SV_S(rec_s(row, "id"))};
  json_object_set_new(d, "progress_entries", json_integer(n));
  return store_exec(tx, "UPDATE rect_tasks SET started_at=coalesce(started_at,$1) WHERE id=$2", p,
                    2, NULL);
}

static int apply_task_sign_off(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                               const json_t *row, json_t *d, xres *x) {
  (void)in;
  (void)x;
  (void)d;
  char now[TS_LEN];
  ts_now(now);
  int rc = 0; /* signed_off_at/_by: the transition's stamps */
  /* open notices on a task that is signed off are closed with it */
  int moved = 0;
  sval q[] = {SV_S(rec_s(row, "id"))};
  if (!rc)
    rc = rec_cascade_svc(a, ac, tx, &wf_notice, "notices", "task_id=$1 AND state NOT IN " WSQL_NOTICE_CLOSED, q, 1,
                     "close", json_pack("{s:s}", "reason", "整改任务已销号"), &moved);
  if (!rc && moved) {
    sval c[] = {SV_S(now), SV_S(ac->user_id), SV_S(rec_s(row, "id"))};
    rc = store_exec(tx,
                    "UPDATE notices SET closed_at=$1, closed_by=$2, close_note='整改任务已销号' "
                    "WHERE task_id=$3 AND state IN " WSQL_NOTICE_CLOSED " AND closed_at IS NULL",
                    c, 3, NULL);
  }
  return rc;
}

static int apply_send_back(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                           const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  /* returned_at/_by, return_reason: the transition's stamps */
  sval p[] = {SV_S(rec_s(row, "id"))};
  return store_exec(tx, "UPDATE rect_tasks SET done_at=NULL, done_by=NULL WHERE id=$1", p, 1, NULL);
}

static const field f_note[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const field f_done[] = {{.name = "note", .label = "完成情况", .type = FT_MEMO,
                                .flags = F_REQUIRED, .max = 5000}};
static const field f_reason[] = {{.name = "reason", .label = "理由", .type = FT_MEMO,
                                  .flags = F_REQUIRED, .max = 2000}};
static const lc_hook task_hooks[] = {
    {.verb = "start", .fields = f_note, .nfields = NF(f_note), .apply = apply_start},
    {.verb = "finish", .fields = f_done, .nfields = NF(f_done), .apply = apply_finish},
    {.verb = "sign_off", .fields = f_note, .nfields = NF(f_note), .apply = apply_task_sign_off},
    {.verb = "send_back", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_send_back},
};

const rec_kind rk_task = {
    .name = "rect_task",
    .label = "整改任务",
    .table = "rect_tasks",
    .cols = "x.id, x.version, x.problem_id, pr.seq_no AS problem_no, pr.title AS problem_title, "
        "x.target_id, x.round_id, x.team_id, tm.name AS team_name, x.unit_id, u.name AS unit_name, "
        "u.supervisor_id, x.measure, x.owner_name, x.owner_post, x.leader_name, x.deadline, "
        "x.long_term, x.state, x.started_at, x.done_at, x.done_note, x.signed_off_at, x.returned_at, "
        "x.return_reason, x.created_at, x.updated_at, rep.meeting_date, "
        "pr.title || ' — ' || x.owner_name AS title, "
        "(SELECT count(*) FROM rect_progress g WHERE g.task_id=x.id) AS progress_count, "
        "(SELECT count(*) FROM notices n WHERE n.task_id=x.id AND n.state NOT IN " WSQL_NOTICE_CLOSED ") AS open_notices",
    .from = "rect_tasks x JOIN problems pr ON pr.id=x.problem_id JOIN teams tm ON tm.id=x.team_id JOIN "
        "orgs u ON u.id=x.unit_id LEFT JOIN reports rep ON rep.target_id=x.target_id",
    .order = "x.deadline, x.created_at",
    .vis = &vis_task,
    .list_act = A_RECT_READ,
    .create_act = A_RECT_WRITE,
    .edit_act = A_RECT_WRITE,
    .fields = task_fields,
    .nfields = NF(task_fields),
    .filters = task_filters,
    .nfilters = NF(task_filters),
    .flags = task_flags,
    .nflags = NF(task_flags),
    .search_col = "x.measure",
    .parent_field = "problem_id",
    .parent_sql = "SELECT p.target_id, p.round_id, p.team_id, p.unit_id, u.supervisor_id, p.state AS "
        "parent_state FROM problems p JOIN orgs u ON u.id=p.unit_id WHERE p.id=$1 AND p.state IN "
        "('fed_back','rectifying','rectified','signed_off','reopened')",
    .edit_state = "open",
    .prepare = task_prepare,
    .created = task_created,
    .fix = task_fix,
    .hooks = task_hooks,
    .nhooks = NF(task_hooks),
    .wf = &wf_task,
};

/* ---- progress entries ------------------------------------------------------------ */
static const field progress_fields[] = {{.name = "text", .label = "整改进展", .type = FT_MEMO,
                                         .flags = F_REQUIRED, .max = 5000}};

int h_task_progress_add(req *r) {
  if (api_body(r, progress_fields, NF(progress_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *task;
  int status = rec_fetch(r, &rk_task, tx, r->params[0], A_RECT_WRITE, &task);
  if (status) return status;
  const char *st = rec_s(task, "state");
  if (!wf_in(&ws_task_open, st)) {
    api_error(r, 409, "invalid_state", "state", "整改任务当前状态为「%s」, 不能填报进展",
              wf_state_label(&wf_task, st));
    json_decref(task);
    store_rollback(tx);
    return r->status;
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(rec_s(r->in, "text")), SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO rect_progress(id, task_id, text, created_by, created_at) "
                  "VALUES($1,$2,$3,$4,$5)",
                  p, 5, NULL);
  if (!rc) rc = api_audit(r, tx, "rect_task.progress", "rect_task", r->params[0], "ok", r->in);
  int moved = 0;
  sval q[] = {SV_S(r->params[0])};
  if (!rc && wf_find(&wf_task, st, "start")) /* the first progress starts the task */
    rc = rec_cascade(r, tx, &wf_task, "rect_tasks", "id=$1", q, 1, "start", NULL, &moved);
  if (!rc && moved) rc = store_exec(tx, "UPDATE rect_tasks SET started_at=coalesce(started_at, updated_at) WHERE id=$1", q, 1, NULL);
  json_decref(task);
  sval g[] = {SV_S(id)};
  json_t *row = rc ? NULL : store_query_one(tx, "SELECT id, task_id, text, created_by, created_at FROM rect_progress WHERE id=$1", g, 1, &rc);
  return api_finish(r, tx, row, rc, 201);
}

/* Lists the rows of a task's sub-records (progress entries, supervision
 * notes) for a user who may read the task under action a; sql takes the
 * task id as $1. */
static int task_children(req *r, action_id a, const char *sql) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *task;
  int status = rec_fetch(r, &rk_task, tx, r->params[0], a, &task); /* rolls back on failure */
  if (status) return status;
  json_decref(task);
  sval p[] = {SV_S(r->params[0])};
  json_t *items = store_query_json(tx, sql, p, 1);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o}", "items", items));
}

int h_task_progress_list(req *r) {
  return task_children(r, A_RECT_READ,
                       "SELECT g.id, g.text, g.created_at, u.display_name AS author FROM "
                       "rect_progress g LEFT JOIN users u ON u.id=g.created_by WHERE "
                       "g.task_id=$1 ORDER BY g.created_at, g.id");
}

/* ---- supervision notices ---------------------------------------------------------- */
static const char *const levels[] = {"reminder", "supervise", "interview", NULL};
static const char *const level_labels[] = {"提醒", "督办", "约谈"};
static const field notice_fields[] = {
    {.name = "task_id", .label = "整改任务", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "level", .label = "督办级别", .type = FT_ENUM, .flags = F_REQUIRED | F_CREATEONLY,
     .values = levels},
    {.name = "reason", .label = "督办事由", .type = FT_MEMO, .flags = F_REQUIRED, .max = 5000},
    {.name = "due_date", .label = "回复期限", .type = FT_DATE, .flags = F_REQUIRED},
};
static const char *const notice_state_codes[] = {"issued", "replied", "closed", NULL};
static const field notice_filters[] = {
    {.name = "task_id", .label = "整改任务", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "level", .label = "督办级别", .type = FT_ENUM, .values = levels},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = notice_state_codes},
    {.name = "due_date", .label = "回复期限", .type = FT_DATE},
};
static const rec_flag notice_flags[] = {
    {"open", "x.state NOT IN " WSQL_NOTICE_CLOSED},
    {"overdue", "x.state IN " WSQL_NOTICE_ISSUED " AND x.due_date < '{today}'"},
};

static int level_rank(const char *l) {
  for (int i = 0; levels[i]; i++)
    if (l && !strcmp(levels[i], l)) return i;
  return -1;
}

static int notice_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)old;
  const char *due = rec_s(c, "due_date");
  char today[11];
  today_str(today);
  if (due && strcmp(due, today) < 0)
    return xres_err(x, 400, "invalid_field", "due_date", "「回复期限」不得早于今天");
  if (!parent) return 0;
  if (wf_in(&ws_task_signed_off, rec_s(parent, "parent_state")))
    return xres_err(x, 409, "invalid_state", "task_id", "该整改任务已销号, 无需督办");
  /* escalation only: not lower than a notice still open on the task */
  int rc;
  sval p[] = {SV_S(rec_s(c, "task_id"))};
  json_t *open = store_query_json(tx, "SELECT level FROM notices WHERE task_id=$1 AND state NOT IN " WSQL_NOTICE_CLOSED, p, 1);
  if (!open) return STORE_ERR;
  int mine = level_rank(rec_s(c, "level")), top = -1;
  size_t i;
  json_t *it;
  json_array_foreach(open, i, it) {
    int k = level_rank(rec_s(it, "level"));
    if (k > top) top = k;
  }
  json_decref(open);
  if (top > mine)
    return xres_err(x, 409, "lower_level", "level", "该任务已有未办结的「%s」, 只能升级督办",
                     level_labels[top]);
  int year = year_shanghai(xnow());
  int64_t seq;
  if ((rc = api_next_seq(tx, "notice", year, &seq))) return rc;
  char dn[128];
  snprintf(dn, sizeof dn, "%s〔%d〕%lld号", cfg_str(CFG_DOCNO_NOTICE), year, (long long)seq);
  json_object_set_new(c, "docno", json_string(dn));
  json_object_del(c, "round_id");
  return 0;
}

/* Issuing a higher level supersedes the open lower ones; the unit is told. */
static int notice_created(app *a, svc_actor *ac, store_tx *tx, const json_t *row, json_t *answer,
                          xres *x) {
  (void)answer;
  (void)x;
  sval p[] = {SV_S(rec_s(row, "task_id")), SV_S(rec_s(row, "id"))};
  int moved = 0;
  int rc = rec_cascade_svc(a, ac, tx, &wf_notice, "notices", "task_id=$1 AND id <> $2 AND state NOT IN " WSQL_NOTICE_CLOSED,
                       p, 2, "close", json_pack("{s:s,s:s}", "superseded_by", rec_s(row, "id"), "reason", "升级督办"),
                       &moved);
  char now[TS_LEN];
  ts_now(now);
  sval c[] = {SV_S(now), SV_S(ac->user_id), SV_S(rec_s(row, "task_id"))};
  if (!rc && moved)
    rc = store_exec(tx,
                    "UPDATE notices SET closed_at=$1, closed_by=$2, close_note='升级督办' WHERE "
                    "task_id=$3 AND state IN " WSQL_NOTICE_CLOSED " AND closed_at IS NULL",
                    c, 3, NULL);
  char title[300];
  snprintf(title, sizeof title, "整改%s通知 %s: %s", level_labels[level_rank(rec_s(row, "level"))],
           rec_s(row, "docno"), rec_s(row, "problem_title"));
  if (!rc)
    rc = svc_notify(ac, tx, "unit_liaison", rec_s(row, "unit_id"), "notice", rec_s(row, "id"), "issue",
                    title, rec_s(row, "reason"));
  if (!rc && rec_s(row, "supervisor_id"))
    rc = svc_notify(ac, tx, "dispatched_group", rec_s(row, "supervisor_id"), "notice",
                    rec_s(row, "id"), "issue", title, rec_s(row, "reason"));
  return rc;
}

static void notice_fix(store_tx *tx, json_t *row) {
  (void)tx;
  int k = level_rank(rec_s(row, "level"));
  if (k >= 0) json_object_set_new(row, "level_label", json_string(level_labels[k]));
  const char *due = rec_s(row, "due_date");
  int64_t d;
  if (due && date_parse(due, &d))
    json_object_set_new(row, "overdue", json_boolean(wf_in(&ws_notice_issued, rec_s(row, "state")) &&
                                                     d < date_today_shanghai()));
  dl_set(row, due, wf_in(&ws_notice_issued, rec_s(row, "state")));
}

/* reply: reply, replied_at/_by; close: closed_at/_by, close_note: the
 * transitions' stamps (core/workflow.c) */

static int apply_reject_reply(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                              const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  (void)tx;
  (void)row;
  json_object_set_new(d, "reason", json_string(rec_s(in, "reason")));
  return 0;
}

static const field f_reply[] = {{.name = "reply", .label = "回复内容", .type = FT_MEMO,
                                 .flags = F_REQUIRED, .max = 5000}};
static const lc_hook notice_hooks[] = {
    {.verb = "reply", .fields = f_reply, .nfields = NF(f_reply)},
    {.verb = "close", .fields = f_note, .nfields = NF(f_note)},
    {.verb = "send_back", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_reject_reply},
};

const rec_kind rk_notice = {
    .name = "notice",
    .label = "督办通知",
    .table = "notices",
    .cols = "x.id, x.version, x.docno, x.task_id, k.measure AS task_measure, k.deadline AS task_deadline, "
        "k.owner_name AS task_owner, pr.title AS problem_title, x.target_id, x.team_id, x.unit_id, "
        "u.name AS unit_name, u.supervisor_id, x.level, x.reason, x.due_date, x.state, x.reply, "
        "x.replied_at, x.closed_at, x.close_note, x.created_by, x.created_at, x.updated_at, "
        "x.docno || ' ' || pr.title AS title",
    .from = "notices x JOIN rect_tasks k ON k.id=x.task_id JOIN problems pr ON pr.id=k.problem_id JOIN "
        "orgs u ON u.id=x.unit_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_notice,
    .list_act = A_NOTICE_LIST,
    .create_act = A_NOTICE_ISSUE,
    .edit_act = A_NOTICE_ISSUE,
    .fields = notice_fields,
    .nfields = NF(notice_fields),
    .filters = notice_filters,
    .nfilters = NF(notice_filters),
    .flags = notice_flags,
    .nflags = NF(notice_flags),
    .search_col = "x.reason",
    .parent_field = "task_id",
    .parent_sql = "SELECT k.target_id, k.team_id, k.unit_id, u.supervisor_id, k.state AS parent_state FROM "
        "rect_tasks k JOIN orgs u ON u.id=k.unit_id WHERE k.id=$1",
    .prepare = notice_prepare,
    .created = notice_created,
    .fix = notice_fix,
    .hooks = notice_hooks,
    .nhooks = NF(notice_hooks),
    .wf = &wf_notice,
};

/* ---- the target's rectification: plan, report and the three lists ------------------ */
/* Loads the target with its report state; checks act. On failure rolls tx
 * back and returns NULL with the reply status. */
static json_t *target_for(req *r, store_tx *tx, const char *id, action_id act, int *status) {
  int rc = 0;
  sval p[] = {SV_S(id)};
  json_t *t = store_query_one(tx,
                              "SELECT t.id, t.round_id, t.team_id, t.unit_id, u.name AS unit_name, "
                              "u.supervisor_id, rep.state AS report_state, rep.meeting_date, "
                              "rep.id AS report_id FROM targets t JOIN orgs u ON u.id=t.unit_id "
                              "LEFT JOIN reports rep ON rep.target_id=t.id WHERE t.id=$1",
                              p, 1, &rc);
  if (!t) {
    store_rollback(tx);
    *status = rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "巡察对象不存在");
    return NULL;
  }
  const char *rs = rec_s(t, "report_state");
  int released = wf_in(&ws_report_released, rs);
  /* reading asks the visibility model; writing (plan, report, supervision)
   * is the write action's rule on the target */
  int ok;
  if (act == A_RECT_READ) {
    ok = vis_row_act(tx, &vis_rectification, &r->who, act, id);
  } else {
    authz_obj o = {rec_s(t, "team_id"), released ? rec_s(t, "unit_id") : NULL,
                   released ? rec_s(t, "supervisor_id") : NULL, wf_in(&ws_report_copied, rs)};
    ok = authz(&r->who, act, &o);
  }
  if (ok <= 0) {
    store_rollback(tx);
    *status = ok < 0 ? api_store_error(r, ok, NULL) : api_deny(r, act, "target", id, act == A_RECT_READ);
    json_decref(t);
    return NULL;
  }
  if (!released) {
    store_rollback(tx);
    *status = api_error(r, 409, "not_fed_back", "", "该巡察对象尚未反馈, 还没有整改事项");
    json_decref(t);
    return NULL;
  }
  *status = 0;
  return t;
}

static const field plan_fields[] = {{.name = "plan_text", .label = "整改方案", .type = FT_MEMO,
                                     .flags = F_REQUIRED, .max = 100000}};
static const field rreport_fields[] = {
    {.name = "report_text", .label = "整改情况报告", .type = FT_MEMO, .flags = F_REQUIRED, .max = 100000}};

static int plan_write(req *r, int is_report) {
  if (api_body(r, is_report ? rreport_fields : plan_fields, 1, false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *t = target_for(r, tx, r->params[0], A_RECT_WRITE, &status);
  if (!t) return status;
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  int64_t exists = 0;
  sval q[] = {SV_S(r->params[0])};
  rc = store_query_int(tx, "SELECT count(*) FROM rect_plans WHERE target_id=$1", q, 1, &exists);
  if (!rc && is_report && !exists) {
    json_decref(t);
    store_rollback(tx);
    return api_error(r, 409, "no_plan", "", "请先报送整改方案");
  }
  if (!rc && !is_report && exists) {
    sval p[] = {SV_S(rec_s(r->in, "plan_text")), SV_S(r->who.user_id), SV_S(now), SV_S(r->params[0])};
    rc = store_exec(tx,
                    "UPDATE rect_plans SET plan_text=$1, submitted_by=$2, submitted_at=$3, "
                    "updated_at=$3, version=version+1 WHERE target_id=$4",
                    p, 4, NULL);
  } else if (!rc && !is_report) {
    sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(rec_s(t, "unit_id")),
                SV_S(rec_s(r->in, "plan_text")), SV_S(r->who.user_id), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO rect_plans(id, target_id, unit_id, plan_text, submitted_by, "
                    "submitted_at, updated_at) VALUES($1,$2,$3,$4,$5,$6,$6)",
                    p, 6, NULL);
  } else if (!rc) {
    sval p[] = {SV_S(rec_s(r->in, "report_text")), SV_S(r->who.user_id), SV_S(now), SV_S(r->params[0])};
    rc = store_exec(tx,
                    "UPDATE rect_plans SET report_text=$1, report_submitted_by=$2, "
                    "report_submitted_at=$3, updated_at=$3, version=version+1 WHERE target_id=$4",
                    p, 4, NULL);
  }
  const char *what = is_report ? "rect.report" : "rect.plan";
  if (!rc) rc = api_audit(r, tx, what, "target", r->params[0], "ok", r->in);
  char title[300];
  snprintf(title, sizeof title, "%s报送%s", rec_s(t, "unit_name"), is_report ? "整改情况报告" : "整改方案");
  if (!rc) rc = api_notify(r, tx, "inspection_office", "", "target", r->params[0], what, title, "");
  if (!rc) rc = api_notify(r, tx, "team_leader", rec_s(t, "team_id"), "target", r->params[0], what, title, "");
  json_decref(t);
  if (rc) return rec_fail(r, tx, rc);
  if (api_commit(r, tx)) return r->status;
  return h_rectification_get(r);
}

int h_rect_plan_put(req *r) { return plan_write(r, 0); }
int h_rect_report_put(req *r) { return plan_write(r, 1); }

int h_rectification_get(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *t = target_for(r, tx, r->params[0], A_RECT_READ, &status);
  if (!t) return status;
  sval p[] = {SV_S(r->params[0])};
  char today[11];
  today_str(today);
  sval pt[] = {SV_S(r->params[0]), SV_S(today)};
  json_t *plan = store_query_one(tx,
                                 "SELECT plan_text, submitted_at, report_text, report_submitted_at "
                                 "FROM rect_plans WHERE target_id=$1",
                                 p, 1, &rc);
  /* the problems and tasks as their own GETs show them (core/visibility.c) */
  sval vp[1 + VIS_MAXP], vt[2 + VIS_MAXP];
  int nvp = 1, nvt = 2;
  vp[0] = p[0];
  vt[0] = pt[0];
  vt[1] = pt[1];
  buf qp, qt;
  buf_init(&qp, 8192);
  buf_init(&qt, 8192);
  if (buf_adds(&qp,
               "SELECT p.id, p.seq_no, p.title, p.description, c.name AS category_name, "
               "p.amount_fen, p.immediate_fix, p.inaction, p.state, (SELECT count(*) FROM "
               "rect_tasks k WHERE k.problem_id=p.id) AS tasks FROM problems p JOIN "
               "problem_categories c ON c.id=p.category_id JOIN report_problems rp ON "
               "rp.problem_id=p.id JOIN reports rep ON rep.id=rp.report_id WHERE rep.target_id=$1") ||
      vis_in(&vis_problem, &r->who, A_PROBLEM_LIST, "p.id", &qp, vp, &nvp, VIS_MAXP) ||
      buf_adds(&qp, " ORDER BY p.seq_no") ||
      buf_adds(&qt,
               "SELECT k.id, k.problem_id, p.seq_no AS problem_no, k.measure, k.owner_name, "
               "k.owner_post, k.leader_name, k.deadline, k.long_term, k.state, (k.state IN "
               "('open','in_progress') AND k.deadline < $2) AS overdue FROM rect_tasks k JOIN "
               "problems p ON p.id=k.problem_id WHERE k.target_id=$1") ||
      vis_in(&vis_task, &r->who, A_RECT_READ, "k.id", &qt, vt, &nvt, VIS_MAXP) ||
      buf_adds(&qt, " ORDER BY p.seq_no, k.deadline, k.id"))
    rc = STORE_ERR;
  json_t *problems = rc ? NULL : store_query_json(tx, buf_str(&qp), vp, nvp);
  json_t *tasks = rc ? NULL : store_query_json(tx, buf_str(&qt), vt, nvt);
  buf_free(&qp);
  buf_free(&qt);
  json_t *resp = store_query_json(
      tx,
      "SELECT owner_name, max(owner_post) AS owner_post, max(leader_name) AS leader_name, "
      "count(*) AS tasks, sum(state IN " WSQL_TASK_SIGNED_OFF ") AS signed_off, sum(state IN "
      WSQL_TASK_OPEN " AND deadline < $2) AS overdue FROM rect_tasks WHERE target_id=$1 "
      "GROUP BY owner_name ORDER BY owner_name",
      pt, 2);
  json_t *insts = store_query_json(tx,
                                   "SELECT id, name, kind, issued_on, problem_id, task_id FROM "
                                   "institutions WHERE target_id=$1 ORDER BY issued_on, id",
                                   p, 1);
  json_t *ack = rc ? NULL : store_query_one(tx,
                                            "SELECT a.group_id, o.name AS group_name, a.note, "
                                            "a.acked_at FROM supervision_acks a JOIN orgs o ON "
                                            "o.id=a.group_id WHERE a.target_id=$1",
                                            p, 1, &rc);
  int64_t open_notices = 0;
  if (!rc)
    rc = store_query_int(tx, "SELECT count(*) FROM notices WHERE target_id=$1 AND state NOT IN " WSQL_NOTICE_CLOSED,
                         p, 1, &open_notices);
  store_rollback(tx);
  if (rc || !problems || !tasks || !resp || !insts) {
    json_decref(t);
    json_decref(plan);
    json_decref(problems);
    json_decref(tasks);
    json_decref(resp);
    json_decref(insts);
    json_decref(ack);
    return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  }
  size_t i;
  json_t *it;
  int64_t n_rect = 0, n_signed = 0, n_overdue = 0, n_done = 0;
  json_array_foreach(problems, i, it) {
    rec_money(it, "amount_fen", "amount");
    json_object_set_new(it, "immediate_fix", json_boolean(json_integer_value(json_object_get(it, "immediate_fix"))));
    json_object_set_new(it, "inaction", json_boolean(json_integer_value(json_object_get(it, "inaction"))));
    const char *s = rec_s(it, "state");
    n_rect += wf_in(&ws_problem_rectified, s);
    n_signed += wf_in(&ws_problem_signed_off, s);
    json_object_set_new(it, "state_label", json_string(wf_state_label(&wf_problem, s)));
  }
  json_array_foreach(tasks, i, it) {
    json_object_set_new(it, "long_term", json_boolean(json_integer_value(json_object_get(it, "long_term"))));
    int od = json_integer_value(json_object_get(it, "overdue")) != 0;
    json_object_set_new(it, "overdue", json_boolean(od));
    n_overdue += od;
    n_done += wf_in(&ws_task_signed_off, rec_s(it, "state"));
    json_object_set_new(it, "state_label", json_string(wf_state_label(&wf_task, rec_s(it, "state"))));
  }
  json_t *out = json_object();
  json_object_set_new(out, "target_id", json_string(r->params[0]));
  json_object_set_new(out, "unit_id", json_string(rec_s(t, "unit_id")));
  json_object_set_new(out, "unit_name", json_string(rec_s(t, "unit_name")));
  json_object_set_new(out, "feedback_date", json_string(rec_s(t, "meeting_date")));
  int64_t fd;
  if (date_parse(rec_s(t, "meeting_date"), &fd)) {
    char due[11], pdue[11];
    date_format(date_add_months(fd, (int)cfg_int(CFG_RECT_REPORT_MONTHS)), due);
    date_format(date_add_months(fd, (int)cfg_int(CFG_RECT_PLAN_MONTHS)), pdue);
    json_object_set_new(out, "plan_due", json_string(pdue));
    json_object_set_new(out, "report_due", json_string(due));
    int reported = plan && rec_s(plan, "report_submitted_at");
    json_object_set_new(out, "report_overdue", json_boolean(!reported && strcmp(due, today) < 0));
    json_object_set_new(out, "plan_overdue", json_boolean(!plan && strcmp(pdue, today) < 0));
    /* the report's deadline state (domain/deadlines.h), open until reported */
    json_t *rd = json_object();
    dl_set(rd, due, !reported);
    json_object_set_new(out, "report_deadline", rd);
  }
  json_object_set_new(out, "plan", plan ? plan : json_null());
  json_object_set_new(out, "problem_list", problems);
  json_object_set_new(out, "task_list", tasks);
  json_object_set_new(out, "responsibility_list", resp);
  json_object_set_new(out, "institutions", insts);
  json_object_set_new(out, "daily_supervision", ack ? ack : json_null());
  json_object_set_new(out, "counts",
                      json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "problems",
                                (json_int_t)json_array_size(problems), "rectified", (json_int_t)n_rect,
                                "signed_off", (json_int_t)n_signed, "tasks",
                                (json_int_t)json_array_size(tasks), "tasks_signed_off",
                                (json_int_t)n_done, "tasks_overdue", (json_int_t)n_overdue,
                                "institutions", (json_int_t)json_array_size(insts),
                                "open_notices", (json_int_t)open_notices));
  json_decref(t);
  return api_ok(r, 200, out);
}

/* ---- daily supervision (纳入日常监督) ---------------------------------------------- */
static const field ack_fields[] = {{.name = "note", .label = "日常监督安排", .type = FT_MEMO, .max = 5000}};

int h_supervision_ack(req *r) {
  if (api_body(r, ack_fields, NF(ack_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *t = target_for(r, tx, r->params[0], A_SUPERVISION_ACK, &status);
  if (!t) return status;
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(rec_s(t, "supervisor_id")), SV_S(rec_s(r->in, "note")),
              SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO supervision_acks(id, target_id, group_id, note, acked_by, acked_at) "
                  "VALUES($1,$2,$3,$4,$5,$6)",
                  p, 6, NULL);
  if (rc == STORE_CONFLICT) {
    json_decref(t);
    store_rollback(tx);
    return api_error(r, 409, "exists", "", "已确认将该单位整改纳入日常监督");
  }
  if (!rc) rc = api_audit(r, tx, "supervision.ack", "target", r->params[0], "ok", r->in);
  char title[300];
  snprintf(title, sizeof title, "派驻纪检监察组已将%s整改纳入日常监督", rec_s(t, "unit_name"));
  if (!rc) rc = api_notify(r, tx, "inspection_office", "", "target", r->params[0], "supervision.ack", title, "");
  json_decref(t);
  if (rc) return rec_fail(r, tx, rc);
  sval q[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT id, target_id, group_id, note, acked_at FROM supervision_acks WHERE id=$1", q, 1, &rc);
  return api_finish(r, tx, row, rc, 201);
}

static const field note_fields[] = {{.name = "text", .label = "监督意见", .type = FT_MEMO,
                                     .flags = F_REQUIRED, .max = 5000}};

int h_supervision_note_add(req *r) {
  if (api_body(r, note_fields, NF(note_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *task;
  int status = rec_fetch(r, &rk_task, tx, r->params[0], A_SUPERVISION_NOTE, &task);
  if (status) return status;
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(rec_s(task, "supervisor_id")), SV_S(rec_s(r->in, "text")),
              SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO supervision_notes(id, task_id, group_id, text, created_by, created_at) "
                  "VALUES($1,$2,$3,$4,$5,$6)",
                  p, 6, NULL);
  if (!rc) rc = api_audit(r, tx, "supervision.note", "rect_task", r->params[0], "ok", r->in);
  char title[300];
  snprintf(title, sizeof title, "派驻纪检监察组监督意见: %s", rec_s(task, "title"));
  if (!rc) rc = api_notify(r, tx, "inspection_office", "", "rect_task", r->params[0], "supervision.note", title, rec_s(r->in, "text"));
  json_decref(task);
  if (rc) return rec_fail(r, tx, rc);
  sval q[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT id, task_id, group_id, text, created_at FROM supervision_notes WHERE id=$1", q, 1, &rc);
  return api_finish(r, tx, row, rc, 201);
}

int h_supervision_notes_list(req *r) {
  return task_children(r, A_SUPERVISION_READ,
                       "SELECT n.id, n.text, n.created_at, o.name AS group_name, "
                       "u.display_name AS author FROM supervision_notes n JOIN orgs o ON "
                       "o.id=n.group_id LEFT JOIN users u ON u.id=n.created_by WHERE "
                       "n.task_id=$1 ORDER BY n.created_at, n.id");
}

/* ---- institutions revised (修订完善制度机制) -------------------------------------- */
static const char *const inst_kinds[] = {"new", "revised", NULL};
static const field inst_fields[] = {
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "name", .label = "制度名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 200},
    {.name = "kind", .label = "类型", .type = FT_ENUM, .flags = F_REQUIRED, .values = inst_kinds},
    {.name = "issued_on", .label = "印发日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "problem_id", .label = "对应问题", .type = FT_ID},
    {.name = "task_id", .label = "对应整改任务", .type = FT_ID},
};

int h_institutions_create(req *r) {
  if (api_body(r, inst_fields, NF(inst_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int status;
  json_t *t = target_for(r, tx, rec_s(r->in, "target_id"), A_RECT_WRITE, &status);
  if (!t) return status;
  const char *pid = rec_s(r->in, "problem_id"), *tid = rec_s(r->in, "task_id");
  int64_t n = 1;
  if (pid) {
    sval q[] = {SV_S(pid), SV_S(rec_s(r->in, "target_id"))};
    rc = store_query_int(tx, "SELECT count(*) FROM problems WHERE id=$1 AND target_id=$2", q, 2, &n);
    if (!rc && !n) status = api_error(r, 400, "invalid_field", "problem_id", "「对应问题」不属于该巡察对象");
  }
  if (!rc && !status && tid) {
    sval q[] = {SV_S(tid), SV_S(rec_s(r->in, "target_id"))};
    rc = store_query_int(tx, "SELECT count(*) FROM rect_tasks WHERE id=$1 AND target_id=$2", q, 2, &n);
    if (!rc && !n) status = api_error(r, 400, "invalid_field", "task_id", "「对应整改任务」不属于该巡察对象");
  }
  char today[11];
  today_str(today);
  if (!rc && !status && strcmp(rec_s(r->in, "issued_on"), today) > 0)
    status = api_error(r, 400, "invalid_field", "issued_on", "「印发日期」不得晚于今天");
  if (rc || status) {
    json_decref(t);
    return rec_fail(r, tx, rc);
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(rec_s(r->in, "target_id")), SV_S(rec_s(t, "round_id")), SV_S(rec_s(t, "unit_id")),
              SV_S(pid), SV_S(tid), SV_S(rec_s(r->in, "name")), SV_S(rec_s(r->in, "kind")),
              SV_S(rec_s(r->in, "issued_on")), SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO institutions(id, target_id, round_id, unit_id, problem_id, task_id, "
                  "name, kind, issued_on, created_by, created_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                  p, 11, NULL);
  if (!rc) rc = api_audit(r, tx, "institution.create", "institution", id, "ok", r->in);
  json_decref(t);
  if (rc) return rec_fail(r, tx, rc);
  sval q[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT id, target_id, round_id, unit_id, problem_id, task_id, name, kind, issued_on, created_at FROM institutions WHERE id=$1", q, 1, &rc);
  return api_finish(r, tx, row, rc, 201);
}

static const arg_decl inst_args[] = {
    {.name = "round_id", .label = "巡察轮次", .type = ARG_ID, .col = "round_id"},
    {.name = "target_id", .label = "巡察对象", .type = ARG_ID, .col = "target_id"},
    {.name = "unit_id", .label = "被巡察单位", .type = ARG_ID, .col = "unit_id"},
    {.name = "kind", .label = "类型", .type = ARG_ENUM, .values = inst_kinds, .col = "kind"},
};
static const args_spec inst_spec = {.decls = inst_args, .n = ARGS_N(inst_args), .max = 4,
                                    .prefix = "i.", .paging = true, .sort_verbatim = true,
                                    .sort_default = "i.issued_on DESC, i.id"};

int h_institutions_list(req *r) {
  sval p[VIS_MAXP];
  int np = 0;
  buf where;
  buf_init(&where, 8192);
  buf_adds(&where, " WHERE 1=1");
  /* the rows the visibility model lets the user read (vis_institution) */
  int status;
  if (vis_in(&vis_institution, &r->who, A_RECT_READ, "i.id", &where, p, &np, VIS_MAXP))
    status = api_store_error(r, STORE_ERR, NULL); /* fail closed */
  else
    status = api_args_list(r, &inst_spec,
                           "i.id, i.target_id, i.round_id, i.unit_id, u.name AS unit_name, i.problem_id, "
                           "i.task_id, i.name, i.kind, i.issued_on, i.created_at",
                           "institutions i JOIN targets t ON t.id=i.target_id JOIN orgs u ON u.id=i.unit_id",
                           buf_str(&where), p, np, NULL, NULL);
  buf_free(&where);
  return status;
}
