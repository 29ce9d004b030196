/*
 * reminders.c — the deadline reminder scheduler (see reminders.h).
 *
 * Each source below selects the open records of one kind with what their due
 * date is computed from and who owns them; the due date and the step come
 * from the one rule in domain/deadlines.c, the same the records' JSON shows.
 */
#include "domain/reminders.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/service.h"
#include "core/workflow.h"
#include "domain/deadlines.h"
#include "util/config.h"
#include "util/text.h"

enum due_rule { DUE_COLUMN, DUE_CLUE, DUE_ASSIST, DUE_RECT_REPORT };

/* A source: SELECT id, title, unit_id, supervisor_id (NULL: no dispatched
 * group told), state, due (the due date, or what it is computed from),
 * owner_role, owner_scope. */
typedef struct rem_source {
  const char *kind;  /* messages.object_kind, reminders_sent.kind */
  const char *label; /* 整改任务 */
  enum due_rule rule;
  const char *sql;
} rem_source;

static const rem_source sources[] = {
    {"rect_task", "整改任务", DUE_COLUMN,
     "SELECT k.id, k.measure AS title, k.unit_id, u.supervisor_id, k.state, k.deadline AS due, "
     "'unit_liaison' AS owner_role, k.unit_id AS owner_scope FROM rect_tasks k JOIN orgs u ON "
     "u.id=k.unit_id WHERE k.state IN " WSQL_TASK_OPEN " ORDER BY k.id"},
    {"notice", "整改督办通知", DUE_COLUMN,
     "SELECT x.id, x.docno AS title, x.unit_id, u.supervisor_id, x.state, x.due_date AS due, "
     "'unit_liaison' AS owner_role, x.unit_id AS owner_scope FROM notices x JOIN orgs u ON "
     "u.id=x.unit_id WHERE x.state IN " WSQL_NOTICE_ISSUED " ORDER BY x.id"},
    /* a briefing's owner is the desk asked (the audit bureau has no account:
     * the office); no dispatched group beyond the one asked */
    {"briefing", "巡前情况通报", DUE_COLUMN,
     "SELECT x.id, u.name AS title, x.unit_id, NULL AS supervisor_id, x.state, x.due_date AS due, "
     "CASE WHEN x.source='audit_bureau' THEN 'inspection_office' ELSE x.source END AS owner_role, "
     "CASE WHEN x.source='dispatched_group' THEN x.source_org_id ELSE '' END AS owner_scope "
     "FROM briefings x JOIN orgs u ON u.id=x.unit_id WHERE x.state IN " WSQL_BRIEFING_PENDING
     " ORDER BY x.id"},
    /* the unit's rectification report (the record: the target's rectification) */
    {"rectification", "整改情况报告", DUE_RECT_REPORT,
     "SELECT t.id, u.name AS title, t.unit_id, u.supervisor_id, rep.state, rep.meeting_date AS due, "
     "'unit_liaison' AS owner_role, t.unit_id AS owner_scope FROM targets t JOIN reports rep ON "
     "rep.target_id=t.id JOIN orgs u ON u.id=t.unit_id LEFT JOIN rect_plans p ON p.target_id=t.id "
     "WHERE rep.state IN " WSQL_REPORT_RELEASED " AND rep.meeting_date IS NOT NULL AND "
     "p.report_submitted_at IS NULL ORDER BY t.id"},
    /* handed-over clues: the case management office registers and reports back */
    {"clue", "移交的问题线索", DUE_CLUE,
     "SELECT x.id, x.title, x.unit_id, u.supervisor_id, x.state, x.handover_at AS due, "
     "'case_mgmt' AS owner_role, '' AS owner_scope FROM clues x JOIN orgs u ON u.id=x.unit_id "
     "WHERE x.state IN ('handed_over','registered','disposing') ORDER BY x.id"},
    /* assistance: whoever holds it now; never the unit side */
    {"assistance", "提请协助事项", DUE_ASSIST,
     "SELECT x.id, x.seq_no AS title, x.unit_id, NULL AS supervisor_id, x.state, x.submitted_at AS due, "
     "CASE x.state WHEN 'submitted' THEN 'leading_group' WHEN 'approved' THEN 'inspection_office' "
     "WHEN 'forwarded' THEN 'commission_liaison' ELSE coalesce(x.accepted_role, "
     "'commission_liaison') END AS owner_role, '' AS owner_scope FROM assistance x WHERE x.state "
     "IN ('submitted','approved','forwarded','accepted') ORDER BY x.id"},
};

/* the step codes (audit details take lowercase codes) */
static const char *step_code(const char *w) {
  if (!w) return NULL;
  if (!strcmp(w, "20d")) return "first";
  if (!strcmp(w, "10d")) return "second";
  if (!strcmp(w, "0d")) return "due";
  return "overdue";
}

static const char *js(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

typedef struct rcpt {
  const char *role, *scope;
} rcpt;

/* The recipients of a step, in escalation order, without repeats; n returned. */
static int recipients(const json_t *row, const char *step, rcpt out[4]) {
  rcpt all[4];
  int n = 0, m = 0;
  all[n++] = (rcpt){js(row, "owner_role"), js(row, "owner_scope")};
  if (strcmp(step, "first")) {
    all[n++] = (rcpt){"inspection_office", ""};
    if (*js(row, "supervisor_id")) all[n++] = (rcpt){"dispatched_group", js(row, "supervisor_id")};
  }
  if (!strcmp(step, "overdue")) all[n++] = (rcpt){"leading_group", ""};
  for (int i = 0; i < n; i++) {
    int dup = 0;
    for (int j = 0; j < m; j++)
      dup |= !strcmp(all[i].role, out[j].role) && !strcmp(all[i].scope, out[j].scope);
    if (!dup && *all[i].role) out[m++] = all[i];
  }
  return m;
}

static bool due_of(const rem_source *s, const json_t *row, char due[11], const char **what) {
  *what = NULL;
  switch (s->rule) {
  case DUE_COLUMN: {
    const char *d = js(row, "due");
    int64_t x;
    if (strlen(d) < 10) return false;
    memcpy(due, d, 10);
    due[10] = '\0';
    return date_parse(due, &x);
  }
  case DUE_CLUE: return dl_clue_due(js(row, "state"), js(row, "due"), due, what);
  case DUE_ASSIST: return dl_assist_due(js(row, "state"), js(row, "due"), due);
  case DUE_RECT_REPORT: return dl_rect_report_due(js(row, "due"), due);
  }
  return false;
}

static int send_one(app *a, svc_actor *ac, store_tx *tx, const rem_source *s, const json_t *row,
                    int64_t today, int *sent, int *msgs) {
  char due[11];
  const char *what;
  int64_t d;
  if (!due_of(s, row, due, &what) || !date_parse(due, &d)) return 0;
  int64_t left = d - today;
  const char *step = step_code(dl_step(left));
  if (!step) return 0;
  rcpt to[4];
  int n = recipients(row, step, to);
  char now[TS_LEN];
  ts_now(now);
  int64_t changes = 0;
  sval p[] = {SV_S(s->kind), SV_S(js(row, "id")), SV_S(due), SV_S(step), SV_S(now), SV_I(n)};
  int rc = store_exec(tx,
                      "INSERT INTO reminders_sent(kind,record_id,due_on,step,sent_at,recipients) "
                      "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING",
                      p, 6, &changes);
  if (rc || changes != 1) return rc; /* sent before (by this or another server) */
  char title[512];
  const char *subject = what && !strcmp(what, "register") ? "登记" : what ? "反馈办理结果" : "";
  if (left < 0)
    snprintf(title, sizeof title, "期限提醒: %s%s「%.300s」已逾期 %lld 天 (%s 到期)", s->label,
             subject, js(row, "title"), (long long)-left, due);
  else if (left == 0)
    snprintf(title, sizeof title, "期限提醒: %s%s「%.300s」今日到期", s->label, subject,
             js(row, "title"));
  else
    snprintf(title, sizeof title, "期限提醒: %s%s「%.300s」剩余 %lld 天 (%s 到期)", s->label,
             subject, js(row, "title"), (long long)left, due);
  json_t *body = json_pack("{s:s,s:s,s:I,s:s?}", "step", step, "due_on", due, "days_left",
                           (json_int_t)left, "deadline_of", what);
  char *bs = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  for (int i = 0; i < n && !rc; i++) {
    rc = svc_notify(ac, tx, to[i].role, to[i].scope, s->kind, js(row, "id"), "remind", title, bs);
    if (!rc) (*msgs)++;
  }
  free(bs);
  if (rc) return rc;
  json_t *det = json_pack("{s:s,s:I,s:i}", "step", step, "days_left", (json_int_t)left,
                          "recipients", n);
  json_t *tr = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(tr, json_string(to[i].role));
  json_object_set_new(det, "to_roles", tr);
  rc = svc_audit(a, tx, ac, "reminder.send", s->kind, js(row, "id"), "ok", det, NULL);
  json_decref(det);
  if (!rc) (*sent)++;
  return rc;
}

static void system_actor(principal *who, svc_actor *ac, const char *holder) {
  memset(who, 0, sizeof *who);
  memset(ac, 0, sizeof *ac);
  snprintf(who->login, sizeof who->login, "%s", "system:reminders");
  snprintf(who->name, sizeof who->name, "%s", "期限提醒");
  ac->who = who;
  ac->user_id = NULL;
  ac->login = who->login;
  ac->roles = "system";
  ac->rid = holder;
  ac->audit_only = true;
}

/* Takes the lease (1), or finds it held by another (0), or a store code. */
static int take_lease(app *a, const char *holder) {
  store_tx *tx;
  int rc = store_write(a->db, &tx);
  if (rc) return rc;
  char now[TS_LEN], until[TS_LEN];
  ts_now(now);
  ts_format(xnow() + (time_t)cfg_int(CFG_REMIND_LEASE_SECONDS), until);
  int64_t changes = 0;
  sval p[] = {SV_S(holder), SV_S(until), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO scheduler_leases(name,holder,expires_at) VALUES('reminders',$1,$2) "
                  "ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, "
                  "expires_at=excluded.expires_at WHERE scheduler_leases.expires_at <= $3 OR "
                  "scheduler_leases.holder=$1",
                  p, 3, &changes);
  if (rc) {
    store_rollback(tx);
    return rc;
  }
  rc = store_commit(tx);
  return rc ? rc : changes == 1;
}

static void drop_lease(app *a, const char *holder) {
  store_tx *tx;
  if (store_write(a->db, &tx)) return;
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(holder)};
  if (store_exec(tx, "UPDATE scheduler_leases SET expires_at=$1 WHERE name='reminders' AND holder=$2",
                 p, 2, NULL))
    store_rollback(tx);
  else
    store_commit(tx);
}

int reminders_run(app *a, const char *holder, json_t **summary, xres *x) {
  if (summary) *summary = NULL;
  principal who;
  svc_actor ac;
  system_actor(&who, &ac, holder);
  int got = take_lease(a, holder);
  if (got < 0) return svc_fail(NULL, &ac, got, x);
  if (!got) {
    if (summary) *summary = json_pack("{s:b,s:i,s:i}", "ran", 0, "sent", 0, "messages", 0);
    return 0;
  }
  store_tx *tx = NULL;
  int rc = store_write(a->db, &tx);
  if (rc) {
    drop_lease(a, holder);
    return svc_fail(NULL, &ac, rc, x);
  }
  int sent = 0, msgs = 0;
  int64_t today = date_today_shanghai();
  for (size_t i = 0; !rc && i < sizeof sources / sizeof *sources; i++) {
    json_t *rows = store_query_json(tx, sources[i].sql, NULL, 0);
    if (!rows) rc = STORE_ERR;
    size_t j;
    json_t *row;
    json_array_foreach(rows, j, row) {
      if (rc) break;
      rc = send_one(a, &ac, tx, &sources[i], row, today, &sent, &msgs);
    }
    json_decref(rows);
  }
  if (rc) {
    drop_lease(a, holder);
    return svc_fail(tx, &ac, rc, x);
  }
  rc = svc_commit(a, tx, &ac, x);
  drop_lease(a, holder);
  if (rc) return x->status;
  if (summary) *summary = json_pack("{s:b,s:i,s:i}", "ran", 1, "sent", sent, "messages", msgs);
  return 0;
}
