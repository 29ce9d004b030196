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
#include "core/roles.h"
#include "core/visibility.h"
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

/* Marks the step of the record's due date as reminded: 1 marked now, 0
 * marked before (by this or another server), or a store code < 0. */
static int mark_sent(store_tx *tx, const rem_source *s, const json_t *row, const char *due,
                     const char *step, int n) {
  char now[TS_LEN];
  ts_now(now);
  int64_t changes = 0;
  sval p[] = {SV_S(s->kind), SV_S(js(row, "id")), SV_S(due), SV_S(step), SV_S(now), SV_I(n)};
  int rc = store_exec(tx,
                      "INSERT INTO reminders_sent(kind,record_id,due_on,step,sent_at,recipients) "
                      "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING",
                      p, 6, &changes);
  return rc ? rc : changes == 1;
}

/* ---- the digest of long-overdue records (remind_digest_days) ----
 * A record overdue more than remind_digest_days days whose overdue step was
 * never reminded (a freshly imported province) is marked reminded at that
 * step like any other, but is not told one by one: each of its recipients
 * gets one message per kind and run counting them. The step is the same
 * "overdue" row of reminders_sent, so a record reminded when it fell overdue
 * never comes into a digest, and a digested one is never told again for that
 * due date (whatever remind_digest_days becomes). */
enum { DIGEST_SHOWN = 5, DIGEST_LOOK = 200 };

typedef struct dg_entry {
  rcpt to;
  size_t idx; /* the record's row in the source's result (id order) */
} dg_entry;

typedef struct digest {
  int64_t days; /* remind_digest_days; 0: no digest */
  dg_entry *e;
  size_t n, cap;
  int records; /* records digested in this run (all kinds) */
} digest;

static int digest_add(digest *dg, const rcpt *to, int n, size_t idx) {
  if (dg->n + (size_t)n > dg->cap) {
    size_t cap = dg->cap ? dg->cap * 2 : 256;
    while (cap < dg->n + (size_t)n) cap *= 2;
    dg_entry *e = realloc(dg->e, cap * sizeof *e);
    if (!e) return STORE_ERR;
    dg->e = e;
    dg->cap = cap;
  }
  for (int i = 0; i < n; i++) dg->e[dg->n++] = (dg_entry){to[i], idx};
  dg->records++;
  return 0;
}

static int dg_cmp(const void *pa, const void *pb) {
  const dg_entry *a = pa, *b = pb;
  int c = strcmp(a->to.role, b->to.role);
  if (!c) c = strcmp(a->to.scope, b->to.scope);
  if (!c) c = (a->idx > b->idx) - (a->idx < b->idx);
  return c;
}

/* Whether the recipient (the role, at the scope the message is addressed
 * to) may read the record: the visibility model's answer for a principal
 * holding that one grant, which every addressee holds (a user's further
 * grants only widen it). A kind the model does not know: no (fail closed).
 * 1, 0, or a store code < 0. */
static int rcpt_sees(store_tx *tx, const vis_kind *vk, const principal *p, const char *id) {
  if (!vk || !p->ngrants || !vis_any(vk, p)) return 0;
  return vis_row(tx, vk, p, id);
}

/* One digest message to one recipient: the count of its records of the kind,
 * the first DIGEST_SHOWN it may read (of the first DIGEST_LOOK looked at)
 * by title, and an audit entry with the codes, the count and those ids. */
static int digest_send_one(app *a, svc_actor *ac, store_tx *tx, const rem_source *s,
                           const json_t *rows, const dg_entry *g, size_t n, int64_t days,
                           int64_t today, int *msgs) {
  principal who;
  memset(&who, 0, sizeof who);
  int r = role_lookup(g->to.role);
  if (r >= 0 && strlen(g->to.scope) < ID_MAX) {
    who.grants[0].role = (role_id)r;
    who.grants[0].sk = roles[r].scope;
    snprintf(who.grants[0].scope_id, sizeof who.grants[0].scope_id, "%s", g->to.scope);
    who.ngrants = 1;
  }
  const vis_kind *vk = vis_kind_by_name(s->kind);
  json_t *list = json_array(), *ids = json_array();
  char names[400] = "";
  size_t nl = 0;
  int rc = 0, shown = 0;
  for (size_t i = 0; i < n && i < DIGEST_LOOK && shown < DIGEST_SHOWN && !rc; i++) {
    const json_t *row = json_array_get(rows, g[i].idx);
    int ok = rcpt_sees(tx, vk, &who, js(row, "id"));
    if (ok < 0) rc = ok;
    if (ok <= 0) continue;
    char due[11];
    const char *what;
    int64_t d = today;
    if (due_of(s, row, due, &what)) date_parse(due, &d);
    json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:I}", "id", js(row, "id"), "title",
                                          js(row, "title"), "due_on", due, "days_overdue",
                                          (json_int_t)(today - d)));
    json_array_append_new(ids, json_string(js(row, "id")));
    if (shown < 3) { /* the title names the first three, each cut at a character */
      const char *t = js(row, "title");
      int tl = (int)utf8_prefix(t, strlen(t) < 90 ? strlen(t) : 90);
      int w = snprintf(names + nl, sizeof names - nl, "「%.*s」", tl, t);
      if (w > 0 && nl + (size_t)w < sizeof names) nl += (size_t)w;
      else names[nl] = '\0';
    }
    shown++;
  }
  char title[512] = "";
  if (!rc) {
    snprintf(title, sizeof title, "期限提醒: 您有 %zu 项%s逾期超过 %lld 天%s%s%s", n, s->label,
             (long long)days, shown ? ", 如" : "", names, shown && (size_t)shown < n ? "等" : "");
    utf8_fix_end(title);
  }
  json_t *body = json_pack("{s:s,s:b,s:I,s:I,s:O}", "step", "overdue", "digest", 1, "over_days",
                           (json_int_t)days, "count", (json_int_t)n, "records", list);
  char *bs = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!rc && !bs) rc = STORE_ERR;
  if (!rc) rc = svc_notify(ac, tx, g->to.role, g->to.scope, s->kind, "", "remind_digest", title, bs);
  free(bs);
  if (!rc) {
    (*msgs)++;
    json_t *det = json_pack("{s:s,s:I,s:I,s:s,s:O}", "step", "overdue", "over_days",
                            (json_int_t)days, "records", (json_int_t)n, "to_role", g->to.role,
                            "shown", ids);
    if (*g->to.scope) json_object_set_new(det, "to_scope", json_string(g->to.scope));
    rc = svc_audit(a, tx, ac, "reminder.digest", s->kind, NULL, "ok", det, NULL);
    json_decref(det);
  }
  json_decref(list);
  json_decref(ids);
  return rc;
}

/* The digests of one kind: one message per recipient. Empties dg->e. */
static int digest_send(app *a, svc_actor *ac, store_tx *tx, const rem_source *s,
                       const json_t *rows, digest *dg, int64_t today, int *msgs) {
  int rc = 0;
  if (dg->n) qsort(dg->e, dg->n, sizeof *dg->e, dg_cmp);
  for (size_t i = 0, j; i < dg->n && !rc; i = j) {
    for (j = i + 1; j < dg->n && !strcmp(dg->e[j].to.role, dg->e[i].to.role) &&
                    !strcmp(dg->e[j].to.scope, dg->e[i].to.scope);
         j++)
      ;
    rc = digest_send_one(a, ac, tx, s, rows, dg->e + i, j - i, dg->days, today, msgs);
  }
  dg->n = 0;
  return rc;
}

static int send_one(app *a, svc_actor *ac, store_tx *tx, const rem_source *s, const json_t *row,
                    size_t idx, int64_t today, digest *dg, int *sent, int *msgs) {
  char due[11];
  const char *what;
  int64_t d;
  if (!due_of(s, row, due, &what) || !date_parse(due, &d)) return 0;
  int64_t left = d - today;
  const char *step = step_code(dl_step(left));
  if (!step) return 0;
  rcpt to[4];
  int n = recipients(row, step, to);
  int rc = mark_sent(tx, s, row, due, step, n);
  if (rc <= 0) return rc; /* sent before (by this or another server), or an error */
  rc = 0;
  if (dg->days > 0 && !strcmp(step, "overdue") && -left > dg->days)
    return digest_add(dg, to, n, idx); /* told in the kind's digest */
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
    if (summary)
      *summary = json_pack("{s:b,s:i,s:i,s:i}", "ran", 0, "sent", 0, "messages", 0, "digested", 0);
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
  digest dg = {.days = cfg_int(CFG_REMIND_DIGEST_DAYS)};
  for (size_t i = 0; !rc && i < sizeof sources / sizeof *sources; i++) {
    json_t *rows = store_query_json(tx, sources[i].sql, NULL, 0);
    if (!rows) rc = STORE_ERR;
    size_t j;
    json_t *row;
    json_array_foreach(rows, j, row) {
      if (rc) break;
      rc = send_one(a, &ac, tx, &sources[i], row, j, today, &dg, &sent, &msgs);
    }
    if (!rc) rc = digest_send(a, &ac, tx, &sources[i], rows, &dg, today, &msgs);
    json_decref(rows);
  }
  free(dg.e);
  if (rc) {
    drop_lease(a, holder);
    return svc_fail(tx, &ac, rc, x);
  }
  rc = svc_commit(a, tx, &ac, x);
  drop_lease(a, holder);
  if (rc) return x->status;
  if (summary)
    *summary = json_pack("{s:b,s:i,s:i,s:i}", "ran", 1, "sent", sent, "messages", msgs, "digested",
                         dg.records);
  return 0;
}
