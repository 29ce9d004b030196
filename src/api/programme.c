/*
 * programme.c — the patrol programme before and during a round (issue 3):
 * the round lifecycle (with the mobilization gate), team members, many
 * targets of a team in one request, integrity vetting (廉政审核), the cadre
 * pool's work history and declared relatives, and recusal (回避): conflicts
 * are computed from those, block an assignment, and can only be overridden by
 * an exception the leading group approves with a reason.
 *
 * Every write is audited in its own transaction; permissions come from the
 * policy matrix (core/authz.c) and the round workflow (core/workflow.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/entity.h"
#include "api/lifecycle.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

#define NF(a) ((int)(sizeof a / sizeof *a))

/* ---- small helpers ------------------------------------------------------------ */
static json_t *one(store_tx *tx, const char *sql, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  return store_query_one(tx, sql, p, 1, rc);
}

static const char *js(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* Rolls back, replies with a store error unless a reply is already set. */
static int fail(req *r, store_tx *tx, int rc) {
  if (rc < 0) api_store_error(r, rc, tx);
  store_rollback(tx);
  return r->status;
}

/* Commits and answers with out (owned). */
static int done(req *r, store_tx *tx, int status, json_t *out) {
  if (api_commit(r, tx)) {
    json_decref(out);
    return r->status;
  }
  return api_ok(r, status, out);
}

/* Members and vetting may change only before the round is mobilized. */
static int round_open(const char *state) {
  return state && (!strcmp(state, "planned") || !strcmp(state, "approved"));
}

/* ---- recusal ------------------------------------------------------------------- */
/* Appends to out (an array of Chinese strings) every reason why person must
 * recuse from unit. */
static int recusal_conflicts(store_tx *tx, const char *person, const char *unit, json_t *out) {
  int rc = 0;
  json_t *pr = one(tx,
                   "SELECT p.org_id AS org_id, o.name AS org_name FROM persons p "
                   "LEFT JOIN orgs o ON o.id=p.org_id WHERE p.id=$1",
                   person, &rc);
  if (rc) return rc;
  json_t *u = one(tx, "SELECT name, parent_id, supervisor_id FROM orgs WHERE id=$1", unit, &rc);
  if (rc || !u || !pr) {
    json_decref(pr);
    json_decref(u);
    return rc;
  }
  const char *porg = js(pr, "org_id");
  if (porg && !strcmp(porg, unit)) json_array_append_new(out, json_string("现工作单位即被巡察单位"));
  if (porg && ((js(u, "supervisor_id") && !strcmp(porg, js(u, "supervisor_id"))) ||
               (js(u, "parent_id") && !strcmp(porg, js(u, "parent_id"))))) {
    char m[300];
    snprintf(m, sizeof m, "所在单位「%s」对被巡察单位负有监督或领导职责", js(pr, "org_name"));
    json_array_append_new(out, json_string(m));
  }
  /* worked there within the configured number of years */
  char today[11], cutoff[24];
  date_format(date_today_shanghai(), today);
  int y = atoi(today) - (int)cfg_int(CFG_RECUSAL_YEARS);
  snprintf(cutoff, sizeof cutoff, "%04d%.6s", y < 0 ? 0 : y % 10000, today + 4);
  sval p[] = {SV_S(person), SV_S(unit), SV_S(cutoff)};
  json_t *wh = store_query_json(tx,
                                "SELECT start_date, end_date FROM person_work_history WHERE "
                                "person_id=$1 AND org_id=$2 AND (end_date IS NULL OR end_date >= $3) "
                                "ORDER BY start_date",
                                p, 3);
  json_t *rel = store_query_json(tx,
                                 "SELECT name, relation FROM person_relatives WHERE person_id=$1 "
                                 "AND org_id=$2 ORDER BY name",
                                 p, 2);
  if (!wh || !rel) rc = STORE_ERR;
  size_t i;
  json_t *it;
  json_array_foreach(wh, i, it) {
    char m[200];
    snprintf(m, sizeof m, "%ld 年内曾在该单位工作 (%s 至 %s)", cfg_int(CFG_RECUSAL_YEARS),
             js(it, "start_date"), js(it, "end_date") ? js(it, "end_date") : "今");
    json_array_append_new(out, json_string(m));
  }
  json_array_foreach(rel, i, it) {
    char m[300];
    snprintf(m, sizeof m, "近亲属%s (%s) 在该单位工作", js(it, "name"), js(it, "relation"));
    json_array_append_new(out, json_string(m));
  }
  json_decref(wh);
  json_decref(rel);
  json_decref(pr);
  json_decref(u);
  return rc;
}

/* Unresolved conflicts of person on the targets of team (optionally only
 * unit): appends {unit_id, unit_name, reasons[]} to out. */
static int team_conflicts(store_tx *tx, const char *team, const char *person, const char *unit,
                          json_t *out) {
  sval p[] = {SV_S(team)};
  json_t *units = store_query_json(
      tx, "SELECT g.unit_id AS unit_id, o.name AS unit_name FROM targets g JOIN orgs o ON "
          "o.id=g.unit_id WHERE g.team_id=$1 ORDER BY o.name", p, 1);
  if (!units) return STORE_ERR;
  if (unit) {
    json_decref(units);
    int rc = 0;
    json_t *u = one(tx, "SELECT id AS unit_id, name AS unit_name FROM orgs WHERE id=$1", unit, &rc);
    units = json_array();
    if (u) json_array_append_new(units, u);
    if (rc) {
      json_decref(units);
      return rc;
    }
  }
  int rc = 0;
  size_t i;
  json_t *it;
  json_array_foreach(units, i, it) {
    const char *uid = js(it, "unit_id");
    int64_t exc = 0;
    sval q[] = {SV_S(team), SV_S(person), SV_S(uid)};
    rc = store_query_int(tx,
                         "SELECT count(*) FROM recusal_exceptions WHERE team_id=$1 AND "
                         "person_id=$2 AND unit_id=$3",
                         q, 3, &exc);
    if (rc) break;
    if (exc) continue;
    json_t *reasons = json_array();
    rc = recusal_conflicts(tx, person, uid, reasons);
    if (rc || json_array_size(reasons) == 0) {
      json_decref(reasons);
      if (rc) break;
      continue;
    }
    json_array_append_new(out, json_pack("{s:s,s:s,s:o}", "unit_id", uid, "unit_name",
                                         js(it, "unit_name"), "reasons", reasons));
  }
  json_decref(units);
  return rc;
}

/* "单位: 理由; 理由" joined for messages. */
static void conflicts_text(const json_t *c, buf *b) {
  size_t i, k;
  json_t *it, *rs;
  json_array_foreach(c, i, it) {
    if (buf_addf(b, "%s「%s」: ", i ? "; " : "", js(it, "unit_name"))) return;
    json_array_foreach(json_object_get(it, "reasons"), k, rs)
    if (buf_addf(b, "%s%s", k ? ", " : "", json_string_value(rs))) return;
  }
}

/* ---- round lifecycle ------------------------------------------------------------ */
#define ROUND_COLS                                                                             \
  "SELECT id, version, name, name AS title, term, seq, kind, theme, campaign, planned_start, " \
  "planned_end, state, created_at, updated_at FROM rounds WHERE id=$1"

static void round_obj(const json_t *row, authz_obj *o) {
  (void)row;
  memset(o, 0, sizeof *o);
}

static json_t *round_load(req *r, store_tx *tx, const char *id, int *rc) {
  (void)r;
  json_t *row = one(tx, ROUND_COLS, id, rc);
  if (row)
    json_object_set_new(row, "state_label",
                        json_string(wf_state_label(&wf_round, js(row, "state"))));
  return row;
}

/* Everyone on the round's teams who may not go yet: vetting missing, pending
 * or with 异议, or a recusal conflict without an approved exception. */
static int round_blockers(store_tx *tx, const char *round, json_t *out) {
  sval p[] = {SV_S(round)};
  json_t *ms = store_query_json(
      tx,
      "SELECT m.person_id AS person_id, p.name AS name, m.team_id AS team_id, t.name AS team_name, "
      "(SELECT v.state FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "
      " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1) AS vetting, "
      "(SELECT v.reason FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "
      " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1) AS vetting_reason "
      "FROM team_members m JOIN persons p ON p.id=m.person_id JOIN teams t ON t.id=m.team_id "
      "WHERE m.round_id=$1 ORDER BY t.name, p.name",
      p, 1);
  if (!ms) return STORE_ERR;
  int rc = 0;
  size_t i;
  json_t *m;
  json_array_foreach(ms, i, m) {
    const char *v = js(m, "vetting");
    char why[600];
    why[0] = '\0';
    if (!v) snprintf(why, sizeof why, "未提请廉政审核");
    else if (!strcmp(v, "pending")) snprintf(why, sizeof why, "廉政审核尚未答复");
    else if (!strcmp(v, "objection"))
      snprintf(why, sizeof why, "廉政审核有异议 (%s), 须调整人选",
               js(m, "vetting_reason") ? js(m, "vetting_reason") : "");
    if (why[0])
      json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "person_id", js(m, "person_id"),
                                           "name", js(m, "name"), "team", js(m, "team_name"),
                                           "reason", why));
    json_t *c = json_array();
    rc = team_conflicts(tx, js(m, "team_id"), js(m, "person_id"), NULL, c);
    if (!rc && json_array_size(c)) {
      buf b;
      buf_init(&b, 2000);
      if (buf_adds(&b, "回避情形未经领导小组批准例外: ")) abort();
      conflicts_text(c, &b);
      json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "person_id", js(m, "person_id"),
                                           "name", js(m, "name"), "team", js(m, "team_name"),
                                           "reason", buf_str(&b)));
      buf_free(&b);
    }
    json_decref(c);
    if (rc) break;
  }
  json_decref(ms);
  return rc;
}

static int apply_mobilize(req *r, store_tx *tx, const json_t *row, json_t *d) {
  (void)d;
  json_t *bl = json_array();
  int rc = round_blockers(tx, js(row, "id"), bl);
  if (rc || json_array_size(bl) == 0) {
    json_decref(bl);
    return rc;
  }
  buf b;
  buf_init(&b, 16000);
  if (buf_addf(&b, "不能动员部署, 以下 %zu 项未解决: ", json_array_size(bl))) abort();
  size_t i;
  json_t *it;
  json_array_foreach(bl, i, it) {
    if (buf_addf(&b, "%s%s (%s): %s", i ? "; " : "", js(it, "name"), js(it, "team"),
                 js(it, "reason")))
      break;
  }
  api_error(r, 409, "mobilize_blocked", "", "%s", buf_str(&b));
  buf_free(&b);
  json_object_set_new(json_object_get(r->out, "error"), "blockers", bl);
  return r->status;
}

static const field f_note[] = {{"note", "意见", FT_MEMO, 0, 2000, 0, NULL}};
static const lc_hook round_hooks[] = {{"mobilize", f_note, 1, apply_mobilize}};
static const lc_entity lc_round = {&wf_round, "rounds", A_ROUND_LIST, round_obj, round_load,
                                   round_hooks, NF(round_hooks)};

int h_rounds_action(req *r) { return lifecycle_run(r, &lc_round, r->params[0], r->params[1]); }

/* ---- team members ------------------------------------------------------------------ */
static const char *const member_roles[] = {"leader", "deputy", "commissioner", "member",
                                           "liaison", NULL};
static const char *const origins[] = {"seconded", "commission", NULL};
static const field member_fields[] = {
    {"person_id", "人员", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"role", "组内职务", FT_ENUM, F_REQUIRED, 0, 0, member_roles},
    {"origin", "人员来源", FT_ENUM, F_REQUIRED, 0, 0, origins},
    {"source_unit_id", "抽调单位", FT_ID, 0, 0, 0, NULL},
};

#define MEMBER_SELECT                                                                           \
  "SELECT m.id, m.version, m.round_id, m.team_id, m.person_id, p.name AS person_name, m.role, "  \
  "m.origin, m.source_unit_id, s.name AS source_unit_name, "                                    \
  "(SELECT v.state FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "    \
  " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1) AS vetting, m.created_at "                 \
  "FROM team_members m JOIN persons p ON p.id=m.person_id LEFT JOIN orgs s ON "                 \
  "s.id=m.source_unit_id "

static json_t *team_row(store_tx *tx, const char *team, int *rc) {
  return one(tx,
             "SELECT t.id AS id, t.name AS name, t.round_id AS round_id, r.name AS round_name, "
             "r.state AS round_state FROM teams t JOIN rounds r ON r.id=t.round_id WHERE t.id=$1",
             team, rc);
}

int h_team_members_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = team_row(tx, r->params[0], &rc);
  sval p[] = {SV_S(r->params[0])};
  json_t *items = t ? store_query_json(tx, MEMBER_SELECT "WHERE m.team_id=$1 ORDER BY "
                                           "CASE m.role WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 "
                                           "WHEN 'commissioner' THEN 2 WHEN 'member' THEN 3 ELSE 4 "
                                           "END, p.name", p, 1)
                    : NULL;
  store_rollback(tx);
  if (!t) return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "巡察组不存在");
  json_decref(t);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

/* Posts a pending vetting for person in round (the caller audits). */
static int request_vetting(req *r, store_tx *tx, const char *round, const char *person, char *id) {
  char now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(round), SV_S(person), SV_S(r->who.user_id), SV_S(now)};
  int rc = store_exec(tx,
                      "INSERT INTO vettings(id,round_id,person_id,state,requested_by,requested_at,"
                      "created_at,updated_at) VALUES($1,$2,$3,'pending',$4,$5,$5,$5)",
                      p, 5, NULL);
  if (!rc) {
    json_t *d = json_pack("{s:s,s:s}", "round_id", round, "person_id", person);
    rc = api_audit(r, tx, "vetting.request", "vetting", id, "ok", d);
    json_decref(d);
  }
  return rc;
}

int h_team_members_add(req *r) {
  if (api_body(r, member_fields, NF(member_fields), false)) return r->status;
  const char *person = js(r->in, "person_id"), *role = js(r->in, "role"),
             *origin = js(r->in, "origin"), *src = js(r->in, "source_unit_id");
  if (!strcmp(origin, "seconded") && !src)
    return api_error(r, 400, "missing_field", "source_unit_id", "抽调人员须填写「抽调单位」");
  if (!strcmp(origin, "commission") && src)
    return api_error(r, 400, "invalid_field", "source_unit_id",
                     "纪委监委派员参与的人员不填「抽调单位」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = team_row(tx, r->params[0], &rc);
  if (!t) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察组不存在");
    return fail(r, tx, rc);
  }
  const char *round = js(t, "round_id");
  json_t *pr = NULL, *cur = NULL, *conf = NULL;
  int64_t n = 0;
  if (!round_open(js(t, "round_state"))) {
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再调整巡察组人员");
    goto out;
  }
  pr = one(tx, "SELECT name FROM persons WHERE id=$1", person, &rc);
  if (!pr) {
    if (!rc) api_error(r, 400, "invalid_field", "person_id", "「人员」不存在");
    goto out;
  }
  if (src) {
    sval q[] = {SV_S(src)};
    if ((rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1", q, 1, &n))) goto out;
    if (!n) {
      api_error(r, 400, "invalid_field", "source_unit_id", "「抽调单位」不存在");
      goto out;
    }
  }
  sval q[] = {SV_S(round), SV_S(person)};
  cur = store_query_one(tx,
                        "SELECT t.name AS team_name FROM team_members m JOIN teams t ON "
                        "t.id=m.team_id WHERE m.round_id=$1 AND m.person_id=$2",
                        q, 2, &rc);
  if (rc) goto out;
  if (cur) {
    api_error(r, 409, "conflict", "person_id", "%s 已在本轮「%s」中", js(pr, "name"),
              js(cur, "team_name"));
    goto out;
  }
  if (!strcmp(role, "leader")) {
    sval lq[] = {SV_S(r->params[0])};
    if ((rc = store_query_int(tx, "SELECT count(*) FROM team_members WHERE team_id=$1 AND "
                                  "role='leader'", lq, 1, &n)))
      goto out;
    if (n) {
      api_error(r, 409, "conflict", "role", "「%s」已有组长", js(t, "name"));
      goto out;
    }
  }
  conf = json_array();
  if ((rc = team_conflicts(tx, r->params[0], person, NULL, conf))) goto out;
  if (json_array_size(conf)) {
    buf b;
    buf_init(&b, 4000);
    conflicts_text(conf, &b);
    api_error(r, 409, "recusal_conflict", "person_id",
              "%s 须回避, 不能编入「%s」(可报领导小组批准例外): %s", js(pr, "name"), js(t, "name"),
              buf_str(&b));
    buf_free(&b);
    json_object_set(json_object_get(r->out, "error"), "conflicts", conf);
    goto out;
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval ip[] = {SV_S(id),     SV_S(round), SV_S(r->params[0]),   SV_S(person),
               SV_S(role),   SV_S(origin), SV_S(src), SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO team_members(id,round_id,team_id,person_id,role,origin,"
                  "source_unit_id,created_by,created_at,updated_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$9)",
                  ip, 9, NULL);
  if (!rc) rc = api_audit(r, tx, "team.member.add", "team", r->params[0], "ok", r->in);
  /* Once the round's vetting has been requested, a newcomer (a replacement)
   * is put to the cadre department too. */
  sval vq[] = {SV_S(round)};
  if (!rc) rc = store_query_int(tx, "SELECT count(*) FROM vettings WHERE round_id=$1", vq, 1, &n);
  if (!rc && n) {
    char vid[UUID_LEN], title[300];
    rc = request_vetting(r, tx, round, person, vid);
    snprintf(title, sizeof title, "巡察办提请廉政审核 (补充人选): %s, %s", js(t, "round_name"),
             js(pr, "name"));
    if (!rc)
      rc = api_notify(r, tx, "commission_cadre", "", "vetting", vid, "request", title, "");
  }
  json_t *row = NULL;
  if (!rc) {
    sval rp[] = {SV_S(id)};
    row = store_query_one(tx, MEMBER_SELECT "WHERE m.id=$1", rp, 1, &rc);
  }
  if (!row) goto out;
  json_decref(t);
  json_decref(pr);
  json_decref(conf);
  return done(r, tx, 201, row);
out:
  json_decref(t);
  json_decref(pr);
  json_decref(cur);
  json_decref(conf);
  if (!rc && r->status < 400) rc = STORE_ERR;
  return fail(r, tx, rc);
}

static const field remove_fields[] = {{"reason", "调整原因", FT_MEMO, 0, 500, 0, NULL}};

int h_team_members_remove(req *r) {
  if (api_body(r, remove_fields, NF(remove_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = team_row(tx, r->params[0], &rc);
  sval p[] = {SV_S(r->params[1]), SV_S(r->params[0])};
  json_t *m = t ? store_query_one(tx, "SELECT id, person_id FROM team_members WHERE id=$1 AND "
                                      "team_id=$2", p, 2, &rc)
                : NULL;
  if (!t || !m) {
    json_decref(t);
    if (!rc) api_error(r, 404, "not_found", "", "巡察组成员不存在");
    return fail(r, tx, rc);
  }
  if (!round_open(js(t, "round_state"))) {
    json_decref(t);
    json_decref(m);
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再调整巡察组人员");
    return fail(r, tx, 0);
  }
  rc = store_exec(tx, "DELETE FROM team_members WHERE id=$1", p, 1, NULL);
  json_t *d = json_pack("{s:s,s:s,s:O}", "member_id", r->params[1], "person_id",
                        js(m, "person_id"), "reason", json_object_get(r->in, "reason")
                                                          ? json_object_get(r->in, "reason")
                                                          : json_null());
  if (!rc) rc = api_audit(r, tx, "team.member.remove", "team", r->params[0], "ok", d);
  json_decref(d);
  json_decref(t);
  json_decref(m);
  if (rc) return fail(r, tx, rc);
  return done(r, tx, 200, json_pack("{s:b}", "removed", 1));
}

/* ---- many targets of a team in one request ------------------------------------------- */
static const char *const phase_order[] = {"mobilization_date", "entry_date", "withdrawal_date",
                                          "report_date", "feedback_date"};
static const field bulk_fields[] = {
    {"mobilization_date", "动员会日期", FT_DATE, 0, 0, 0, NULL},
    {"entry_date", "进驻日期", FT_DATE, 0, 0, 0, NULL},
    {"withdrawal_date", "撤离日期", FT_DATE, 0, 0, 0, NULL},
    {"report_date", "汇报日期", FT_DATE, 0, 0, 0, NULL},
    {"feedback_date", "反馈日期", FT_DATE, 0, 0, 0, NULL},
};
enum { BULK_MAX = 1000 };

static void row_error(json_t *rows, size_t i, const char *unit, const char *msg) {
  json_array_append_new(rows, json_pack("{s:I,s:s?,s:s}", "index", (json_int_t)i, "unit_id", unit,
                                        "message", msg));
}

int h_team_targets_bulk(req *r) {
  if (!r->in) r->in = json_object();
  json_t *units = json_object_get(r->in, "unit_ids");
  if (!json_is_array(units) || json_array_size(units) == 0)
    return api_error(r, 400, "missing_field", "unit_ids", "「被巡察单位」应为非空的单位编号列表");
  if (json_array_size(units) > BULK_MAX)
    return api_error(r, 413, "too_many", "unit_ids", "一次最多 %d 个被巡察单位", BULK_MAX);
  json_t *dates = json_deep_copy(r->in);
  json_object_del(dates, "unit_ids");
  verr e;
  if (!fields_validate(dates, bulk_fields, NF(bulk_fields), false, &e)) {
    json_decref(dates);
    return api_verr(r, &e);
  }
  const char *prev = NULL, *prevk = NULL;
  for (int i = 0; i < 5; i++) {
    const char *d = js(dates, phase_order[i]);
    if (!d) continue;
    if (prev && strcmp(prev, d) > 0) {
      json_decref(dates);
      return api_error(r, 400, "invalid_field", phase_order[i], "阶段日期顺序有误: %s 早于 %s",
                       phase_order[i], prevk);
    }
    prev = d;
    prevk = phase_order[i];
  }
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) {
    json_decref(dates);
    return api_store_error(r, rc, NULL);
  }
  json_t *t = team_row(tx, r->params[0], &rc);
  if (!t) {
    json_decref(dates);
    if (!rc) api_error(r, 404, "not_found", "", "巡察组不存在");
    return fail(r, tx, rc);
  }
  const char *round = js(t, "round_id");
  json_t *rows = json_array(), *members = NULL, *items = json_array();
  int conflicts_only = 1;
  sval mp[] = {SV_S(r->params[0])};
  members = store_query_json(tx,
                             "SELECT m.person_id AS person_id, p.name AS name FROM team_members m "
                             "JOIN persons p ON p.id=m.person_id WHERE m.team_id=$1",
                             mp, 1);
  if (!members) rc = STORE_ERR;
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u) {
    if (rc) break;
    const char *uid = json_string_value(u);
    if (!uid || !uuid_valid(uid)) {
      row_error(rows, i, NULL, "单位编号无效");
      conflicts_only = 0;
      continue;
    }
    int dup = 0;
    for (size_t k = 0; k < i && !dup; k++)
      dup = json_string_value(json_array_get(units, k)) &&
            !strcmp(json_string_value(json_array_get(units, k)), uid);
    if (dup) {
      row_error(rows, i, uid, "与前面的行重复");
      conflicts_only = 0;
      continue;
    }
    json_t *o = one(tx, "SELECT name, kind FROM orgs WHERE id=$1", uid, &rc);
    if (rc) break;
    if (!o || strcmp(js(o, "kind"), "unit")) {
      row_error(rows, i, uid, "单位不存在或不是被巡察单位");
      conflicts_only = 0;
      json_decref(o);
      continue;
    }
    sval q[] = {SV_S(round), SV_S(uid)};
    json_t *ex = store_query_one(tx,
                                 "SELECT t.name AS team_name FROM targets g JOIN teams t ON "
                                 "t.id=g.team_id WHERE g.round_id=$1 AND g.unit_id=$2",
                                 q, 2, &rc);
    if (rc) {
      json_decref(o);
      break;
    }
    if (ex) {
      char m[300];
      snprintf(m, sizeof m, "「%s」已是本轮「%s」的巡察对象", js(o, "name"), js(ex, "team_name"));
      row_error(rows, i, uid, m);
      json_decref(ex);
      json_decref(o);
      continue;
    }
    /* the team's members must not have to recuse from the new target */
    size_t k;
    json_t *m;
    json_array_foreach(members, k, m) {
      json_t *c = json_array();
      rc = team_conflicts(tx, r->params[0], js(m, "person_id"), uid, c);
      if (!rc && json_array_size(c)) {
        buf b;
        buf_init(&b, 2000);
        if (buf_addf(&b, "组员%s须回避: ", js(m, "name"))) abort();
        conflicts_text(c, &b);
        row_error(rows, i, uid, buf_str(&b));
        buf_free(&b);
      }
      json_decref(c);
      if (rc) break;
    }
    json_decref(o);
  }
  if (!rc && json_array_size(rows)) {
    json_t *first = json_array_get(rows, 0);
    api_error(r, conflicts_only ? 409 : 400, conflicts_only ? "conflict" : "invalid_rows",
              "unit_ids", "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s", json_array_size(rows),
              (long long)json_integer_value(json_object_get(first, "index")), js(first, "message"));
    json_object_set(json_object_get(r->out, "error"), "rows", rows);
    rc = 1;
  }
  char now[TS_LEN];
  ts_now(now);
  json_array_foreach(units, i, u) {
    if (rc) break;
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id),
                SV_S(round),
                SV_S(r->params[0]),
                SV_S(json_string_value(u)),
                SV_S(js(dates, "mobilization_date")),
                SV_S(js(dates, "entry_date")),
                SV_S(js(dates, "withdrawal_date")),
                SV_S(js(dates, "report_date")),
                SV_S(js(dates, "feedback_date")),
                SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO targets(id,round_id,team_id,unit_id,mobilization_date,entry_date,"
                    "withdrawal_date,report_date,feedback_date,created_at,updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)",
                    p, 10, NULL);
    json_t *d = json_pack("{s:s,s:s,s:I}", "team_id", r->params[0], "unit_id",
                          json_string_value(u), "index", (json_int_t)i);
    json_object_update(d, dates);
    if (!rc) rc = api_audit(r, tx, "target.create", "target", id, "ok", d);
    json_decref(d);
    if (!rc) json_array_append_new(items, json_pack("{s:s,s:s}", "id", id, "unit_id",
                                                    json_string_value(u)));
  }
  json_decref(rows);
  json_decref(members);
  json_decref(dates);
  json_decref(t);
  if (rc) {
    json_decref(items);
    return fail(r, tx, rc);
  }
  return done(r, tx, 201, json_pack("{s:I,s:o}", "created", (json_int_t)json_array_size(items),
                                    "items", items));
}

int programme_target_recusal(req *r, store_tx *tx, const char *team, const char *unit) {
  sval mp[] = {SV_S(team)};
  json_t *members = store_query_json(tx,
                                     "SELECT m.person_id AS person_id, p.name AS name FROM "
                                     "team_members m JOIN persons p ON p.id=m.person_id WHERE "
                                     "m.team_id=$1 ORDER BY p.name",
                                     mp, 1);
  if (!members) return STORE_ERR;
  int rc = 0;
  size_t k;
  json_t *m;
  buf b;
  buf_init(&b, 4000);
  json_array_foreach(members, k, m) {
    json_t *c = json_array();
    rc = team_conflicts(tx, team, js(m, "person_id"), unit, c);
    if (!rc && json_array_size(c)) {
      if (buf_addf(&b, "%s组员%s须回避: ", b.len ? "; " : "", js(m, "name"))) abort();
      conflicts_text(c, &b);
    }
    json_decref(c);
    if (rc) break;
  }
  json_decref(members);
  if (!rc && b.len)
    rc = api_error(r, 409, "recusal_conflict", "unit_id", "不能将该单位列为本组巡察对象: %s",
                   buf_str(&b));
  buf_free(&b);
  return rc;
}

/* ---- integrity vetting ---------------------------------------------------------------- */
int h_round_vetting_request(req *r) {
  if (api_body(r, f_note, 1, false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *round = one(tx, "SELECT id, name, state FROM rounds WHERE id=$1", r->params[0], &rc);
  if (!round) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察轮次不存在");
    return fail(r, tx, rc);
  }
  if (!round_open(js(round, "state"))) {
    json_decref(round);
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再提请廉政审核");
    return fail(r, tx, 0);
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
    if ((rc = request_vetting(r, tx, r->params[0], js(it, "person_id"), vid))) break;
    json_array_append_new(ids, json_string(vid));
  }
  if (!rc && json_array_size(ids)) {
    char title[300];
    snprintf(title, sizeof title, "巡察办提请廉政审核: %s, 共 %zu 人", js(round, "name"),
             json_array_size(ids));
    rc = api_notify(r, tx, "commission_cadre", "", "round", r->params[0], "vetting", title,
                    js(r->in, "note"));
  }
  json_decref(todo);
  json_decref(round);
  if (rc) {
    json_decref(ids);
    return fail(r, tx, rc);
  }
  return done(r, tx, 200, json_pack("{s:I,s:o}", "requested", (json_int_t)json_array_size(ids),
                                    "vetting_ids", ids));
}

#define VETTING_SELECT                                                                        \
  "SELECT v.id, v.version, v.round_id, r.name AS round_name, v.person_id, p.name AS "         \
  "person_name, v.state, v.reason, v.requested_at, v.answered_at, "                           \
  "(SELECT t.name FROM team_members m JOIN teams t ON t.id=m.team_id WHERE "                  \
  " m.round_id=v.round_id AND m.person_id=v.person_id) AS team_name "                         \
  "FROM vettings v JOIN rounds r ON r.id=v.round_id JOIN persons p ON p.id=v.person_id "

static const char *const vetting_states[] = {"pending", "clear", "objection", NULL};
static const field vetting_filters[] = {
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"person_id", "人员", FT_ID, 0, 0, 0, NULL},
    {"state", "审核状态", FT_ENUM, 0, 0, 0, vetting_states},
};

typedef struct fctx {
  req *r;
  const field *f;
  int nf;
  const char *prefix;
  buf *where;
  sval *p;
  int *np;
  int maxp; /* parameters the filters may use up to */
  int failed;
} fctx;

static bool filter_arg(void *c, const char *k, const char *v) {
  fctx *x = c;
  if (!strcmp(k, "page") || !strcmp(k, "per_page")) return true;
  const field *f = fields_find(x->f, x->nf, k);
  json_t *jv = json_string(v);
  verr e;
  if (!f || !jv || !field_check(f, jv, &e) || *x->np >= x->maxp) {
    if (!f) api_error(x->r, 400, "unknown_field", k, "未知的查询条件: %.60s", k);
    else if (jv && *x->np < x->maxp) api_verr(x->r, &e);
    else api_error(x->r, 400, "invalid_field", k, "查询条件无效");
    json_decref(jv);
    x->failed = 1;
    return false;
  }
  json_decref(jv);
  if (buf_addf(x->where, " AND %s%s = $%d", x->prefix, f->name, *x->np + 1)) abort();
  x->p[(*x->np)++] = SV_S(v);
  return true;
}

/* A paged list over base (ending in FROM ... ) with filters from the query string. */
static int filtered_list(req *r, const char *base, const char *count_base, const char *prefix,
                         const field *f, int nf, const char *order) {
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  sval p[12];
  int np = 0;
  buf where, sql;
  buf_init(&where, 4096);
  buf_init(&sql, 16384);
  if (buf_adds(&where, " WHERE 1=1")) abort();
  fctx fc = {r, f, nf, prefix, &where, p, &np, 8, 0};
  if (!req_each_arg(r, filter_arg, &fc) || fc.failed) {
    buf_free(&where);
    buf_free(&sql);
    return r->status;
  }
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  int64_t total = 0;
  json_t *items = NULL;
  if (!rc) {
    if (buf_addf(&sql, "%s%s", count_base, buf_str(&where))) abort();
    rc = store_query_int(tx, buf_str(&sql), p, np, &total);
    buf_reset(&sql);
    if (buf_addf(&sql, "%s%s ORDER BY %s LIMIT $%d OFFSET $%d", base, buf_str(&where), order,
                 np + 1, np + 2))
      abort();
    p[np++] = SV_I(limit);
    p[np++] = SV_I(offset);
    if (!rc) items = store_query_json(tx, buf_str(&sql), p, np);
    store_rollback(tx);
  }
  buf_free(&where);
  buf_free(&sql);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}

int h_vettings_list(req *r) {
  return filtered_list(r, VETTING_SELECT, "SELECT count(*) FROM vettings v", "v.", vetting_filters,
                       NF(vetting_filters), "v.requested_at DESC, v.id DESC");
}

static const char *const answers[] = {"clear", "objection", NULL};
static const field answer_fields[] = {
    {"result", "审核意见", FT_ENUM, F_REQUIRED, 0, 0, answers},
    {"reason", "理由", FT_MEMO, 0, 1000, 0, NULL},
};

int h_vetting_answer(req *r) {
  if (api_body(r, answer_fields, NF(answer_fields), false)) return r->status;
  const char *result = js(r->in, "result"), *reason = js(r->in, "reason");
  if (!strcmp(result, "objection") && (!reason || !*reason))
    return api_error(r, 400, "missing_field", "reason", "有异议时须填写「理由」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *v = store_query_one(tx, VETTING_SELECT "WHERE v.id=$1", p, 1, &rc);
  if (!v) {
    if (!rc) api_error(r, 404, "not_found", "", "廉政审核记录不存在");
    return fail(r, tx, rc);
  }
  if (api_if_match(r, json_integer_value(json_object_get(v, "version")))) {
    json_decref(v);
    return fail(r, tx, 0);
  }
  if (strcmp(js(v, "state"), "pending")) {
    json_decref(v);
    api_error(r, 409, "invalid_state", "state", "该人员的廉政审核已答复, 不能重复答复");
    return fail(r, tx, 0);
  }
  char now[TS_LEN];
  ts_now(now);
  sval u[] = {SV_S(result), SV_S(reason), SV_S(r->who.user_id), SV_S(now), SV_S(r->params[0])};
  int64_t ch = 0;
  rc = store_exec(tx,
                  "UPDATE vettings SET state=$1, reason=$2, answered_by=$3, answered_at=$4, "
                  "updated_at=$4, version=version+1 WHERE id=$5 AND state='pending'",
                  u, 5, &ch);
  if (!rc && ch != 1) {
    api_error(r, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
    rc = 1;
  }
  json_t *d = json_pack("{s:s,s:s,s:s,s:s?}", "round_id", js(v, "round_id"), "person_id",
                        js(v, "person_id"), "result", result, "reason", reason);
  if (!rc) rc = api_audit(r, tx, "vetting.answer", "vetting", r->params[0], "ok", d);
  json_decref(d);
  char title[400];
  snprintf(title, sizeof title, "廉政审核意见: %s %s (%s)", js(v, "person_name"),
           !strcmp(result, "clear") ? "无异议" : "有异议, 须调整人选", js(v, "round_name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "vetting", r->params[0], "answer", title,
                    reason);
  json_decref(v);
  json_t *row = NULL;
  if (!rc) row = store_query_one(tx, VETTING_SELECT "WHERE v.id=$1", p, 1, &rc);
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  return done(r, tx, 200, row);
}

/* ---- cadre pool: work history and relatives -------------------------------------------- */
static const field history_fields[] = {
    {"org_id", "工作单位", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"post", "职务", FT_TEXT, 0, 100, 0, NULL},
    {"start_date", "开始日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"end_date", "结束日期", FT_DATE, 0, 0, 0, NULL},
};
static const field relative_fields[] = {
    {"name", "亲属姓名", FT_TEXT, F_REQUIRED, 50, 0, NULL},
    {"relation", "关系", FT_TEXT, F_REQUIRED, 20, 0, NULL},
    {"org_id", "工作单位", FT_ID, 0, 0, 0, NULL},
    {"post", "职务", FT_TEXT, 0, 100, 0, NULL},
};

static const field training_fields[] = {
    {"title", "培训名称", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"organizer", "举办单位", FT_TEXT, 0, 100, 0, NULL},
    {"start_date", "开始日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"end_date", "结束日期", FT_DATE, 0, 0, 0, NULL},
    {"hours", "学时", FT_INT, 0, 2000, 1, NULL},
};

typedef struct subres {
  const char *kind, *table, *audit, *select, *order;
  const field *f;
  int nf;
} subres;

static const subres sr_history = {
    "work_history", "person_work_history", "person.work_history.add",
    "SELECT h.id, h.person_id, h.org_id, o.name AS org_name, h.post, h.start_date, h.end_date, "
    "h.created_at FROM person_work_history h JOIN orgs o ON o.id=h.org_id",
    " ORDER BY h.start_date, h.id", history_fields, NF(history_fields)};
static const subres sr_relative = {
    "relative", "person_relatives", "person.relative.add",
    "SELECT h.id, h.person_id, h.name, h.relation, h.org_id, o.name AS org_name, h.post, "
    "h.created_at FROM person_relatives h LEFT JOIN orgs o ON o.id=h.org_id",
    " ORDER BY h.name, h.id", relative_fields, NF(relative_fields)};
static const subres sr_training = {
    "training", "person_trainings", "person.training.add",
    "SELECT h.id, h.person_id, h.title, h.organizer, h.start_date, h.end_date, h.hours, "
    "h.created_at FROM person_trainings h",
    " ORDER BY h.start_date, h.id", training_fields, NF(training_fields)};

static int sub_list(req *r, const subres *s) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n);
  buf sql;
  buf_init(&sql, 2048);
  if (buf_addf(&sql, "%s WHERE h.person_id=$1%s", s->select, s->order)) abort();
  json_t *items = !rc && n ? store_query_json(tx, buf_str(&sql), p, 1) : NULL;
  buf_free(&sql);
  store_rollback(tx);
  if (!rc && !n) return api_error(r, 404, "not_found", "", "人员不存在");
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

static int sub_add(req *r, const subres *s) {
  if (api_body(r, s->f, s->nf, false)) return r->status;
  const char *org = js(r->in, "org_id");
  const char *sd = js(r->in, "start_date"), *ed = js(r->in, "end_date");
  if (sd && ed && strcmp(sd, ed) > 0)
    return api_error(r, 400, "invalid_field", "end_date", "「结束日期」不得早于开始日期");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n)))
    return fail(r, tx, rc);
  if (!n) {
    api_error(r, 404, "not_found", "", "人员不存在");
    return fail(r, tx, 0);
  }
  if (org) {
    sval q[] = {SV_S(org)};
    if ((rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1", q, 1, &n)))
      return fail(r, tx, rc);
    if (!n) {
      api_error(r, 400, "invalid_field", "org_id", "「工作单位」不存在");
      return fail(r, tx, 0);
    }
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  if (s == &sr_history) {
    sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(org), SV_S(js(r->in, "post")), SV_S(sd),
                 SV_S(ed), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_work_history(id,person_id,org_id,post,start_date,end_date,"
                    "created_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
                    ip, 7, NULL);
  } else if (s == &sr_training) {
    const json_t *h = json_object_get(r->in, "hours");
    sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(js(r->in, "title")),
                 SV_S(js(r->in, "organizer")), SV_S(sd), SV_S(ed),
                 json_is_integer(h) ? SV_I(json_integer_value(h)) : SV_NUL, SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_trainings(id,person_id,title,organizer,start_date,end_date,"
                    "hours,created_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
                    ip, 8, NULL);
  } else {
    sval ip[] = {SV_S(id),  SV_S(r->params[0]), SV_S(js(r->in, "name")),
                 SV_S(js(r->in, "relation")), SV_S(org), SV_S(js(r->in, "post")), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_relatives(id,person_id,name,relation,org_id,post,"
                    "created_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
                    ip, 7, NULL);
  }
  if (!rc) rc = api_audit(r, tx, s->audit, "person", r->params[0], "ok", r->in);
  json_t *row = NULL;
  if (!rc) {
    buf sql;
    buf_init(&sql, 2048);
    if (buf_addf(&sql, "%s WHERE h.id=$1", s->select)) abort();
    sval rp[] = {SV_S(id)};
    row = store_query_one(tx, buf_str(&sql), rp, 1, &rc);
    buf_free(&sql);
  }
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  return done(r, tx, 201, row);
}

int h_person_history_list(req *r) { return sub_list(r, &sr_history); }
int h_person_history_add(req *r) { return sub_add(r, &sr_history); }
int h_person_relatives_list(req *r) { return sub_list(r, &sr_relative); }
int h_person_relatives_add(req *r) { return sub_add(r, &sr_relative); }
int h_person_trainings_list(req *r) { return sub_list(r, &sr_training); }
int h_person_trainings_add(req *r) { return sub_add(r, &sr_training); }

/* ---- cadre pool: expertise tags, profile, pledges, CSV import ---------------------------- */
static const char *const expertise[] = {"财务", "审计", "法律", "纪检", "工程", "农业",
                                        "组织人事", "信访", "教育", "医疗卫生", "信息技术",
                                        "文字综合", NULL};

/* Validates a tag list (array of strings) into out; returns NULL or a message. */
static const char *tags_check(const json_t *a, const char **bad) {
  if (!json_is_array(a) || json_array_size(a) > 20) return "「专长」应为不超过 20 项的列表";
  size_t i;
  json_t *t;
  json_array_foreach(a, i, t) {
    const char *v = json_string_value(t);
    if (!v || !enum_ok(expertise, v)) {
      *bad = v ? v : "";
      return "「专长」取值无效";
    }
  }
  return NULL;
}

static int set_tags(store_tx *tx, const char *person, const json_t *tags) {
  sval p[] = {SV_S(person)};
  int rc = store_exec(tx, "DELETE FROM person_tags WHERE person_id=$1", p, 1, NULL);
  size_t i;
  json_t *t;
  json_array_foreach(tags, i, t) {
    if (rc) break;
    sval q[] = {SV_S(person), SV_S(json_string_value(t))};
    rc = store_exec(tx,
                    "INSERT INTO person_tags(person_id,tag) VALUES($1,$2) ON CONFLICT DO NOTHING",
                    q, 2, NULL);
  }
  return rc;
}

int h_person_tags_set(req *r) {
  if (!r->in) r->in = json_object();
  const json_t *tags = json_object_get(r->in, "tags");
  const char *bad = NULL, *msg;
  if (json_object_size(r->in) != 1 || !tags)
    return api_error(r, 400, "missing_field", "tags", "请求体应为 {\"tags\": [...]}");
  if ((msg = tags_check(tags, &bad)))
    return api_error(r, 400, "invalid_field", "tags", "%s%s%.40s", msg, bad ? ": " : "",
                     bad ? bad : "");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n)))
    return fail(r, tx, rc);
  if (!n) {
    api_error(r, 404, "not_found", "", "人员不存在");
    return fail(r, tx, 0);
  }
  rc = set_tags(tx, r->params[0], tags);
  if (!rc) rc = api_audit(r, tx, "person.tags", "person", r->params[0], "ok", r->in);
  if (rc) return fail(r, tx, rc);
  return done(r, tx, 200, json_pack("{s:s,s:O}", "person_id", r->params[0], "tags", tags));
}

int h_person_profile(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *pr = store_query_one(tx,
                               "SELECT p.id, p.version, p.name, p.org_id, o.name AS org_name, "
                               "p.post, p.rank, p.party_member FROM persons p LEFT JOIN orgs o ON "
                               "o.id=p.org_id WHERE p.id=$1",
                               p, 1, &rc);
  if (!pr) {
    store_rollback(tx);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "人员不存在");
  }
  json_object_set_new(pr, "party_member",
                      json_boolean(json_integer_value(json_object_get(pr, "party_member"))));
  json_t *tags = store_query_json(tx, "SELECT tag FROM person_tags WHERE person_id=$1 ORDER BY tag",
                                  p, 1);
  json_t *ta = json_array();
  size_t i;
  json_t *it;
  json_array_foreach(tags, i, it) json_array_append(ta, json_object_get(it, "tag"));
  json_decref(tags);
  json_object_set_new(pr, "tags", ta);
  const subres *subs[] = {&sr_history, &sr_relative, &sr_training};
  const char *keys[] = {"work_history", "relatives", "trainings"};
  for (int k = 0; k < 3; k++) {
    buf sql;
    buf_init(&sql, 2048);
    if (buf_addf(&sql, "%s WHERE h.person_id=$1%s", subs[k]->select, subs[k]->order)) abort();
    json_t *a = store_query_json(tx, buf_str(&sql), p, 1);
    buf_free(&sql);
    json_object_set_new(pr, keys[k], a ? a : json_array());
  }
  json_t *served = store_query_json(
      tx,
      "SELECT m.round_id, r.name AS round_name, m.team_id, t.name AS team_name, m.role, m.origin, "
      "(SELECT g.signed_on FROM pledges g WHERE g.round_id=m.round_id AND g.person_id=m.person_id) "
      "AS pledge_signed_on FROM team_members m JOIN rounds r ON r.id=m.round_id JOIN teams t ON "
      "t.id=m.team_id WHERE m.person_id=$1 ORDER BY m.created_at DESC",
      p, 1);
  json_object_set_new(pr, "rounds", served ? served : json_array());
  json_t *vs = store_query_json(tx,
                                VETTING_SELECT "WHERE v.person_id=$1 ORDER BY v.requested_at DESC",
                                p, 1);
  json_object_set_new(pr, "vettings", vs ? vs : json_array());
  store_rollback(tx);
  return api_ok(r, 200, pr);
}

static const field pledge_fields[] = {
    {"person_id", "人员", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"signed_on", "签订日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
};

int h_round_pledges_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *items = store_query_json(
      tx,
      "SELECT m.person_id, p.name AS person_name, t.name AS team_name, g.signed_on FROM "
      "team_members m JOIN persons p ON p.id=m.person_id JOIN teams t ON t.id=m.team_id LEFT JOIN "
      "pledges g ON g.round_id=m.round_id AND g.person_id=m.person_id WHERE m.round_id=$1 "
      "ORDER BY t.name, p.name",
      p, 1);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  size_t i, unsigned_n = 0;
  json_t *it;
  json_array_foreach(items, i, it) unsigned_n += json_is_null(json_object_get(it, "signed_on"));
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items), "unsigned",
                                  (json_int_t)unsigned_n));
}

int h_round_pledge_sign(req *r) {
  if (api_body(r, pledge_fields, NF(pledge_fields), false)) return r->status;
  const char *person = js(r->in, "person_id"), *on = js(r->in, "signed_on");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(on, today) > 0)
    return api_error(r, 400, "invalid_field", "signed_on", "「签订日期」不得晚于今天");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0]), SV_S(person)};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM team_members WHERE round_id=$1 AND "
                                "person_id=$2", p, 2, &n)))
    return fail(r, tx, rc);
  if (!n) {
    api_error(r, 400, "invalid_field", "person_id", "该人员不是本轮巡察组成员");
    return fail(r, tx, 0);
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(person), SV_S(on), SV_S(r->who.user_id),
               SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO pledges(id,round_id,person_id,signed_on,recorded_by,created_at) "
                  "VALUES($1,$2,$3,$4,$5,$6)",
                  ip, 6, NULL);
  if (rc == STORE_CONFLICT) {
    api_error(r, 409, "conflict", "person_id", "该人员已签订本轮「十五严禁」承诺书");
    return fail(r, tx, 1);
  }
  if (!rc) rc = api_audit(r, tx, "pledge.sign", "round", r->params[0], "ok", r->in);
  if (rc) return fail(r, tx, rc);
  return done(r, tx, 201, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "round_id", r->params[0],
                                    "person_id", person, "signed_on", on));
}

/* CSV: RFC 4180 fields (quotes, doubled quotes), one record per line. Splits
 * line into at most max fields (malloc'd); returns the count or -1. */
static int csv_field(const char **sp, char **out) {
  const char *s = *sp;
  buf f;
  buf_init(&f, 4096);
  int bad = 0;
  if (*s == '"') {
    for (s++; !bad; s++) {
      if (!*s) bad = 1;
      else if (*s == '"' && s[1] == '"') bad = buf_adds(&f, "\""), s++;
      else if (*s == '"') break;
      else bad = buf_addf(&f, "%c", *s);
    }
    if (!bad) s++; /* closing quote */
    if (!bad && *s && *s != ',') bad = 1;
  } else {
    for (; *s && *s != ',' && !bad; s++) bad = buf_addf(&f, "%c", *s);
  }
  if (bad) {
    buf_free(&f);
    return -1;
  }
  *out = buf_take(&f);
  *sp = s;
  return 0;
}

static int csv_split(const char *line, char **out, int max) {
  int n = 0;
  const char *s = line;
  for (;;) {
    if (n >= max || csv_field(&s, &out[n]) < 0) {
      while (n > 0) free(out[--n]);
      return -1;
    }
    n++;
    if (!*s) return n;
    s++; /* comma */
  }
}

static const char *const csv_cols[] = {"姓名", "单位", "职务", "职级", "党员", "专长"};
enum { CSV_COLS = 6, CSV_MAX_ROWS = 5000 };

int h_persons_import(req *r) {
  static const field f[] = {{"csv", "CSV 文本", FT_MEMO, F_REQUIRED, 2000000, 0, NULL}};
  if (api_body(r, f, 1, false)) return r->status;
  char *text = xstrdup(js(r->in, "csv"));
  json_t *rows = json_array(), *errors = json_array();
  int map[CSV_COLS];
  for (int k = 0; k < CSV_COLS; k++) map[k] = -1;
  int lineno = 0, header = 1;
  store_tx *tx = NULL;
  int rc = store_read(r->app->db, &tx);
  if (rc) {
    free(text);
    json_decref(rows);
    json_decref(errors);
    return api_store_error(r, rc, NULL);
  }
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    lineno++; /* the physical line number, as a spreadsheet shows it */
    size_t L = strlen(line);
    if (L && line[L - 1] == '\r') line[--L] = '\0';
    if (lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) line += 3; /* BOM */
    if (!*line) continue;
    char *cells[16];
    int nc = csv_split(line, cells, 16);
    char msg[300] = "";
    if (nc < 0) {
      snprintf(msg, sizeof msg, "引号不匹配或列数过多");
    } else if (header) {
      for (int i = 0; i < nc; i++) {
        int k = 0;
        while (k < CSV_COLS && strcmp(cells[i], csv_cols[k])) k++;
        if (k == CSV_COLS) snprintf(msg, sizeof msg, "未知的列「%.40s」", cells[i]);
        else map[k] = i;
      }
      if (!msg[0] && map[0] < 0) snprintf(msg, sizeof msg, "缺少「姓名」列");
    } else {
      const char *v[CSV_COLS];
      for (int k = 0; k < CSV_COLS; k++) v[k] = map[k] >= 0 && map[k] < nc ? cells[map[k]] : "";
      json_t *row = json_object();
      char *org = NULL;
      if (!*v[0] || utf8_len(v[0]) > 50 || !utf8_valid(v[0], strlen(v[0])))
        snprintf(msg, sizeof msg, "「姓名」为空或过长");
      else if (utf8_len(v[2]) > 100 || utf8_len(v[3]) > 50)
        snprintf(msg, sizeof msg, "「职务」或「职级」过长");
      else if (*v[4] && strcmp(v[4], "是") && strcmp(v[4], "否"))
        snprintf(msg, sizeof msg, "「党员」应为 是 或 否");
      if (!msg[0] && *v[1]) {
        sval q[] = {SV_S(v[1])};
        rc = store_query_text(tx, "SELECT id FROM orgs WHERE name=$1 OR id=$1", q, 1, &org);
        if (!rc && !org) snprintf(msg, sizeof msg, "「单位」%.60s 不存在", v[1]);
      }
      json_t *tags = json_array();
      if (!msg[0] && *v[5]) {
        /* separators: ; | and the full-width ；、 (replaced whole, never byte-wise) */
        buf tb;
        buf_init(&tb, 4096);
        for (const char *c = v[5]; *c;) {
          if (!strncmp(c, "；", strlen("；")) || !strncmp(c, "、", strlen("、"))) {
            if (buf_adds(&tb, ";")) abort();
            c += 3;
          } else {
            if (buf_addf(&tb, "%c", *c)) abort();
            c++;
          }
        }
        char *tv = buf_take(&tb), *ts = NULL;
        for (char *t = strtok_r(tv, ";|", &ts); t; t = strtok_r(NULL, ";|", &ts)) {
          if (!enum_ok(expertise, t)) {
            snprintf(msg, sizeof msg, "「专长」%.40s 无效", t);
            break;
          }
          json_array_append_new(tags, json_string(t));
        }
        free(tv);
      }
      json_object_set_new(row, "name", json_string(v[0]));
      json_object_set_new(row, "org_id", org ? json_string(org) : json_null());
      json_object_set_new(row, "post", *v[2] ? json_string(v[2]) : json_null());
      json_object_set_new(row, "rank", *v[3] ? json_string(v[3]) : json_null());
      json_object_set_new(row, "party_member", json_boolean(strcmp(v[4], "否") != 0));
      json_object_set_new(row, "tags", tags);
      json_object_set_new(row, "line", json_integer(lineno));
      free(org);
      if (msg[0]) json_decref(row);
      else json_array_append_new(rows, row);
    }
    for (int i = 0; i < nc; i++) free(cells[i]);
    if (msg[0] && !rc)
      json_array_append_new(errors, json_pack("{s:i,s:s}", "row", lineno, "message", msg));
    if (header && msg[0]) break; /* a bad header makes every row meaningless */
    header = 0;
    if (rc || json_array_size(rows) > CSV_MAX_ROWS) break;
  }
  store_rollback(tx);
  free(text);
  if (rc) {
    json_decref(rows);
    json_decref(errors);
    return api_store_error(r, rc, NULL);
  }
  if (json_array_size(rows) > CSV_MAX_ROWS) {
    json_decref(rows);
    json_decref(errors);
    return api_error(r, 413, "too_many", "csv", "一次最多导入 %d 人", CSV_MAX_ROWS);
  }
  if (json_array_size(errors) || json_array_size(rows) == 0) {
    json_t *first = json_array_get(errors, 0);
    if (first)
      api_error(r, 400, "invalid_rows", "csv", "共 %zu 行有误, 未导入任何人员; 第 %lld 行: %s",
                json_array_size(errors), (long long)json_integer_value(json_object_get(first, "row")),
                js(first, "message"));
    else
      api_error(r, 400, "invalid_field", "csv", "「CSV 文本」没有数据行");
    json_object_set(json_object_get(r->out, "error"), "rows", errors);
    json_decref(rows);
    json_decref(errors);
    return r->status;
  }
  json_decref(errors);
  rc = store_write(r->app->db, &tx);
  if (rc) {
    json_decref(rows);
    return api_store_error(r, rc, NULL);
  }
  char now[TS_LEN];
  ts_now(now);
  json_t *ids = json_array();
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id), SV_S(js(row, "name")), SV_S(js(row, "org_id")), SV_S(js(row, "post")),
                SV_S(js(row, "rank")), SV_I(json_is_true(json_object_get(row, "party_member"))),
                SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO persons(id,name,org_id,post,rank,party_member,created_at,"
                    "updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$7)",
                    p, 7, NULL);
    if (!rc) rc = set_tags(tx, id, json_object_get(row, "tags"));
    json_object_del(row, "line");
    if (!rc) rc = api_audit(r, tx, "person.import", "person", id, "ok", row);
    if (rc) break;
    json_array_append_new(ids, json_string(id));
  }
  json_decref(rows);
  if (rc) {
    json_decref(ids);
    return fail(r, tx, rc);
  }
  return done(r, tx, 201, json_pack("{s:I,s:o}", "imported", (json_int_t)json_array_size(ids),
                                    "ids", ids));
}

/* ---- recusal check and exceptions -------------------------------------------------------- */
int h_recusal_check(req *r) {
  const char *team = req_arg(r, "team_id"), *person = req_arg(r, "person_id");
  if (!team || !uuid_valid(team))
    return api_error(r, 400, "missing_field", "team_id", "请指定有效的「巡察组」");
  if (!person || !uuid_valid(person))
    return api_error(r, 400, "missing_field", "person_id", "请指定有效的「人员」");
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *c = json_array();
  rc = team_conflicts(tx, team, person, NULL, c);
  store_rollback(tx);
  if (rc) {
    json_decref(c);
    return api_store_error(r, rc, NULL);
  }
  return api_ok(r, 200, json_pack("{s:b,s:o}", "conflict", json_array_size(c) > 0, "conflicts", c));
}

static const field exception_fields[] = {
    {"team_id", "巡察组", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"person_id", "人员", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"unit_id", "被巡察单位", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"reason", "批准理由", FT_MEMO, F_REQUIRED, 1000, 0, NULL},
};

#define EXCEPTION_SELECT                                                                      \
  "SELECT e.id, e.round_id, e.team_id, t.name AS team_name, e.person_id, p.name AS "          \
  "person_name, e.unit_id, o.name AS unit_name, e.reason, e.conflicts, e.approved_by, "       \
  "e.approved_at FROM recusal_exceptions e JOIN teams t ON t.id=e.team_id JOIN persons p ON " \
  "p.id=e.person_id JOIN orgs o ON o.id=e.unit_id "

int h_recusal_exception_create(req *r) {
  if (api_body(r, exception_fields, NF(exception_fields), false)) return r->status;
  const char *team = js(r->in, "team_id"), *person = js(r->in, "person_id"),
             *unit = js(r->in, "unit_id"), *reason = js(r->in, "reason");
  if (!*reason) return api_error(r, 400, "missing_field", "reason", "须填写「批准理由」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = team_row(tx, team, &rc);
  if (!t) {
    if (!rc) api_error(r, 400, "invalid_field", "team_id", "「巡察组」不存在");
    return fail(r, tx, rc);
  }
  json_t *c = json_array();
  rc = recusal_conflicts(tx, person, unit, c);
  if (!rc && json_array_size(c) == 0) {
    api_error(r, 409, "no_conflict", "unit_id", "该人员对该单位不存在回避情形, 无须批准例外");
    rc = 1;
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  char *cs = json_dumps(c, JSON_COMPACT);
  sval p[] = {SV_S(id), SV_S(js(t, "round_id")), SV_S(team), SV_S(person), SV_S(unit),
              SV_S(reason), SV_S(cs), SV_S(r->who.user_id), SV_S(now)};
  if (!rc)
    rc = store_exec(tx,
                    "INSERT INTO recusal_exceptions(id,round_id,team_id,person_id,unit_id,reason,"
                    "conflicts,approved_by,approved_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                    p, 9, NULL);
  free(cs);
  if (rc == STORE_CONFLICT) {
    api_error(r, 409, "conflict", "", "已批准过该人员对该单位的回避例外");
    rc = 1;
  }
  json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:O}", "team_id", team, "person_id", person, "unit_id",
                        unit, "reason", reason, "conflicts", c);
  if (!rc) rc = api_audit(r, tx, "recusal.exception", "recusal_exception", id, "ok", d);
  json_decref(d);
  json_decref(c);
  char title[300];
  snprintf(title, sizeof title, "领导小组批准回避例外 (%s)", js(t, "name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "recusal_exception", id, "approve", title,
                    reason);
  json_decref(t);
  json_t *row = NULL;
  sval rp[] = {SV_S(id)};
  if (!rc) row = store_query_one(tx, EXCEPTION_SELECT "WHERE e.id=$1", rp, 1, &rc);
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  return done(r, tx, 201, row);
}

static const field exception_filters[] = {
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"team_id", "巡察组", FT_ID, 0, 0, 0, NULL},
    {"person_id", "人员", FT_ID, 0, 0, 0, NULL},
};

int h_recusal_exceptions_list(req *r) {
  return filtered_list(r, EXCEPTION_SELECT, "SELECT count(*) FROM recusal_exceptions e", "e.",
                       exception_filters, NF(exception_filters), "e.approved_at DESC, e.id DESC");
}

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
    {"due_date", "报送期限", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"note", "说明", FT_MEMO, 0, 1000, 0, NULL},
};

#define BRIEFING_SELECT                                                                         \
  "SELECT b.id, b.version, b.target_id, b.round_id, b.team_id, t.name AS team_name, b.unit_id, " \
  "u.name AS unit_name, b.source, b.source_org_id, s.name AS source_org_name, b.due_date, "     \
  "b.note, b.state, b.answer, b.petitions_3y, b.clues_on_hand, b.cases, b.audit_findings, "     \
  "b.requested_at, b.answered_at, CASE WHEN b.state='pending' AND b.due_date < $1 THEN 1 "      \
  "ELSE 0 END AS overdue FROM briefings b JOIN teams t ON t.id=b.team_id JOIN orgs u ON "       \
  "u.id=b.unit_id JOIN orgs s ON s.id=b.source_org_id "

static void briefing_fix(json_t *row) {
  json_object_set_new(row, "overdue",
                      json_boolean(json_integer_value(json_object_get(row, "overdue"))));
  const bsource *b = bsource_find(js(row, "source"));
  if (b) json_object_set_new(row, "source_label", json_string(b->label));
}

int h_target_briefings_request(req *r) {
  if (!r->in) r->in = json_object();
  json_t *srcs = json_object_get(r->in, "sources");
  json_t *rest = json_deep_copy(r->in);
  json_object_del(rest, "sources");
  verr e;
  if (!fields_validate(rest, brief_req_fields, NF(brief_req_fields), false, &e)) {
    json_decref(rest);
    return api_verr(r, &e);
  }
  json_decref(rest);
  if (srcs && (!json_is_array(srcs) || !json_array_size(srcs)))
    return api_error(r, 400, "invalid_field", "sources", "「来源」应为非空列表");
  size_t i;
  json_t *it;
  json_array_foreach(srcs, i, it) {
    if (!json_is_string(it) || !enum_ok(source_codes, json_string_value(it)))
      return api_error(r, 400, "invalid_field", "sources", "「来源」第 %zu 项无效", i);
  }
  const char *due = js(r->in, "due_date");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = one(tx,
                  "SELECT g.id, g.round_id, g.team_id, g.unit_id, g.entry_date, o.name AS "
                  "unit_name FROM targets g JOIN orgs o ON o.id=g.unit_id WHERE g.id=$1",
                  r->params[0], &rc);
  if (!t) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察对象不存在");
    return fail(r, tx, rc);
  }
  json_t *ids = json_array();
  const char *entry = js(t, "entry_date");
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
    sval q[] = {SV_S(js(t, "unit_id"))};
    if ((rc = store_query_text(tx, b->org_sql, q, 1, &org))) break;
    if (!org) {
      if (!srcs) continue; /* not configured here (no supervising group, no 审计局) */
      api_error(r, 400, "invalid_field", "sources", "「%s」未配置, 不能请其通报", b->label);
      rc = 1;
      break;
    }
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id), SV_S(r->params[0]), SV_S(js(t, "round_id")), SV_S(js(t, "team_id")),
                SV_S(js(t, "unit_id")), SV_S(b->code), SV_S(org), SV_S(due),
                SV_S(js(r->in, "note")), SV_S(r->who.user_id), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO briefings(id,target_id,round_id,team_id,unit_id,source,"
                    "source_org_id,due_date,note,requested_by,requested_at,created_at,updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$11)",
                    p, 11, NULL);
    if (rc == STORE_CONFLICT) {
      api_error(r, 409, "conflict", "sources", "已请「%s」通报「%s」的情况", b->label,
                js(t, "unit_name"));
      rc = 1;
    }
    json_t *d = json_pack("{s:s,s:s,s:s}", "target_id", r->params[0], "source", b->code,
                          "due_date", due);
    if (!rc) rc = api_audit(r, tx, "briefing.request", "briefing", id, "ok", d);
    json_decref(d);
    char title[300];
    snprintf(title, sizeof title, "巡察办请提供巡前情况通报: %s (%s 前)", js(t, "unit_name"), due);
    if (!rc && b->answerer != R_INSPECTION_OFFICE)
      rc = api_notify(r, tx, roles[b->answerer].name,
                      b->answerer == R_DISPATCHED_GROUP ? org : "", "briefing", id, "request",
                      title, js(r->in, "note"));
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
    return fail(r, tx, rc);
  }
  char today[11];
  date_format(date_today_shanghai(), today);
  sval p[] = {SV_S(today), SV_S(r->params[0])};
  json_t *items = store_query_json(tx, BRIEFING_SELECT "WHERE b.target_id=$2 ORDER BY b.source", p, 2);
  json_decref(ids);
  if (!items) return fail(r, tx, STORE_ERR);
  json_array_foreach(items, i, it) briefing_fix(it);
  return done(r, tx, 201, json_pack("{s:I,s:o}", "total", (json_int_t)json_array_size(items),
                                    "items", items));
}

static const field briefing_filters[] = {
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"team_id", "巡察组", FT_ID, 0, 0, 0, NULL},
    {"target_id", "巡察对象", FT_ID, 0, 0, 0, NULL},
    {"source", "来源", FT_ENUM, 0, 0, 0, source_codes},
    {"state", "状态", FT_ENUM, 0, 0, 0, (const char *const[]){"pending", "answered", NULL}},
};

typedef struct bctx {
  req *r;
  buf *where;
  sval *p;
  int *np;
  int failed;
} bctx;

static bool briefing_arg(void *c, const char *k, const char *v) {
  bctx *x = c;
  if (!strcmp(k, "page") || !strcmp(k, "per_page")) return true;
  if (!strcmp(k, "overdue")) {
    if (strcmp(v, "1") && strcmp(v, "true")) {
      api_error(x->r, 400, "invalid_field", "overdue", "「逾期」查询条件应为 1");
      x->failed = 1;
      return false;
    }
    if (buf_adds(x->where, " AND b.state='pending' AND b.due_date < $1")) abort();
    return true;
  }
  const field *f = fields_find(briefing_filters, NF(briefing_filters), k);
  json_t *jv = json_string(v);
  verr e;
  if (!f || !jv || !field_check(f, jv, &e) || *x->np >= 12) {
    if (!f) api_error(x->r, 400, "unknown_field", k, "未知的查询条件: %.60s", k);
    else if (jv && *x->np < 12) api_verr(x->r, &e);
    else api_error(x->r, 400, "invalid_field", k, "查询条件无效");
    json_decref(jv);
    x->failed = 1;
    return false;
  }
  json_decref(jv);
  if (buf_addf(x->where, " AND b.%s = $%d", f->name, *x->np + 1)) abort();
  x->p[(*x->np)++] = SV_S(v);
  return true;
}

/* The scope of the list: office and leading group all; a team its own
 * targets; a dispatched group its own briefings on units it supervises; a
 * commission desk the briefings asked of it. */
static void briefing_scope(const principal *who, buf *w, sval *p, int *np) {
  int all = 0, n = 0;
  buf c;
  buf_init(&c, 8192);
  for (int i = 0; i < who->ngrants; i++) {
    const grant *g = &who->grants[i];
    rule ru = authz_rule(A_BRIEFING_LIST, g->role);
    if (ru == P_NO) continue;
    const char *desk = NULL;
    for (int k = 0; k < NSOURCES; k++)
      if (bsources[k].answerer == g->role && g->role != R_INSPECTION_OFFICE &&
          g->role != R_DISPATCHED_GROUP)
        desk = bsources[k].code;
    int bad = 0;
    if (desk) {
      bad = buf_addf(&c, "%sb.source=$%d", n++ ? " OR " : "", *np + 1);
      p[(*np)++] = SV_S(desk);
    } else if (ru == P_ALL) {
      all = 1;
    } else if (ru == P_TEAM && g->sk == SK_TEAM) {
      bad = buf_addf(&c, "%sb.team_id=$%d", n++ ? " OR " : "", *np + 1);
      p[(*np)++] = SV_S(g->scope_id);
    } else if (ru == P_SUPERVISED && g->sk == SK_ORG) {
      bad = buf_addf(&c, "%s(b.source='dispatched_group' AND b.source_org_id=$%d)",
                     n++ ? " OR " : "", *np + 1);
      p[(*np)++] = SV_S(g->scope_id);
    }
    if (bad) abort();
  }
  if (!all && buf_addf(w, " AND (%s)", n ? buf_str(&c) : "0")) abort();
  buf_free(&c);
}

int h_briefings_list(req *r) {
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  sval p[MAX_GRANTS + 16];
  int np = 1;
  char today[11];
  date_format(date_today_shanghai(), today);
  p[0] = SV_S(today);
  buf where, sql;
  buf_init(&where, 8192);
  buf_init(&sql, 16384);
  if (buf_adds(&where, " WHERE 1=1")) abort();
  briefing_scope(&r->who, &where, p, &np);
  bctx bc = {r, &where, p, &np, 0};
  if (!req_each_arg(r, briefing_arg, &bc) || bc.failed || np > MAX_GRANTS + 12) {
    if (!bc.failed) api_error(r, 400, "invalid_field", "", "查询条件过多");
    buf_free(&where);
    buf_free(&sql);
    return r->status;
  }
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  json_t *items = NULL;
  int64_t total = 0, overdue = 0;
  if (!rc) {
    if (buf_addf(&sql, "SELECT count(*), coalesce(sum(CASE WHEN b.state='pending' AND "
                       "b.due_date < $1 THEN 1 ELSE 0 END),0) FROM briefings b%s",
                 buf_str(&where)))
      abort();
    store_rows *rows;
    rc = store_query(tx, buf_str(&sql), p, np, &rows);
    if (!rc) {
      if (store_next(rows) > 0) {
        total = store_int(rows, 0);
        overdue = store_int(rows, 1);
      }
      store_rows_close(rows);
    }
    buf_reset(&sql);
    if (buf_addf(&sql, "%s%s ORDER BY b.due_date, u.name, b.source LIMIT $%d OFFSET $%d",
                 BRIEFING_SELECT, buf_str(&where), np + 1, np + 2))
      abort();
    p[np++] = SV_I(limit);
    p[np++] = SV_I(offset);
    if (!rc) items = store_query_json(tx, buf_str(&sql), p, np);
    store_rollback(tx);
  }
  buf_free(&where);
  buf_free(&sql);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) briefing_fix(it);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I,s:I}", "items", items, "total",
                                  (json_int_t)total, "overdue", (json_int_t)overdue, "page",
                                  (json_int_t)(offset / limit + 1), "per_page", (json_int_t)limit));
}

static const field brief_answer_fields[] = {
    {"answer", "通报内容", FT_MEMO, F_REQUIRED, 20000, 0, NULL},
    {"petitions_3y", "近三年信访举报件数", FT_INT, 0, 1000000, 0, NULL},
    {"clues_on_hand", "在办问题线索数", FT_INT, 0, 1000000, 0, NULL},
    {"cases", "立案审查调查数", FT_INT, 0, 1000000, 0, NULL},
    {"audit_findings", "审计发现问题数", FT_INT, 0, 1000000, 0, NULL},
};

static sval int_or_null(const json_t *v) {
  return json_is_integer(v) ? SV_I(json_integer_value(v)) : SV_NUL;
}

int h_briefing_answer(req *r) {
  if (api_body(r, brief_answer_fields, NF(brief_answer_fields), false)) return r->status;
  if (!*js(r->in, "answer"))
    return api_error(r, 400, "missing_field", "answer", "须填写「通报内容」");
  char today[11];
  date_format(date_today_shanghai(), today);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(today), SV_S(r->params[0])};
  json_t *b = store_query_one(tx, BRIEFING_SELECT "WHERE b.id=$2", p, 2, &rc);
  if (!b) {
    if (!rc) api_error(r, 404, "not_found", "", "巡前情况通报不存在或无权访问");
    return fail(r, tx, rc);
  }
  /* Only the source's own answerer may answer: authz decides on a principal
   * narrowed to the grants of that role. */
  const bsource *src = bsource_find(js(b, "source"));
  principal only = r->who;
  only.ngrants = 0;
  for (int i = 0; src && i < r->who.ngrants; i++)
    if (r->who.grants[i].role == src->answerer) only.grants[only.ngrants++] = r->who.grants[i];
  authz_obj o = {js(b, "team_id"), js(b, "unit_id"), js(b, "source_org_id"), false};
  if (!authz(&only, A_BRIEFING_ANSWER, &o)) {
    json_decref(b);
    store_rollback(tx);
    return api_deny(r, A_BRIEFING_ANSWER, "briefing", r->params[0], 0);
  }
  if (api_if_match(r, json_integer_value(json_object_get(b, "version")))) {
    json_decref(b);
    return fail(r, tx, 0);
  }
  if (strcmp(js(b, "state"), "pending")) {
    json_decref(b);
    api_error(r, 409, "invalid_state", "state", "该通报已报送, 不能重复报送");
    return fail(r, tx, 0);
  }
  char now[TS_LEN];
  ts_now(now);
  sval u[] = {SV_S(js(r->in, "answer")), int_or_null(json_object_get(r->in, "petitions_3y")),
              int_or_null(json_object_get(r->in, "clues_on_hand")),
              int_or_null(json_object_get(r->in, "cases")),
              int_or_null(json_object_get(r->in, "audit_findings")), SV_S(r->who.user_id),
              SV_S(now), SV_S(r->params[0])};
  rc = store_exec(tx,
                  "UPDATE briefings SET state='answered', answer=$1, petitions_3y=$2, "
                  "clues_on_hand=$3, cases=$4, audit_findings=$5, answered_by=$6, answered_at=$7, "
                  "updated_at=$7, version=version+1 WHERE id=$8 AND state='pending'",
                  u, 8, NULL);
  json_t *d = json_deep_copy(r->in);
  json_object_del(d, "answer"); /* the text stays out of the audit log; the figures go in */
  json_object_set_new(d, "late", json_boolean(strcmp(js(b, "due_date"), today) < 0));
  if (!rc) rc = api_audit(r, tx, "briefing.answer", "briefing", r->params[0], "ok", d);
  json_decref(d);
  char title[300];
  snprintf(title, sizeof title, "%s已报送巡前情况通报: %s", src ? src->label : "",
           js(b, "unit_name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "briefing", r->params[0], "answer", title, "");
  if (!rc)
    rc = api_notify(r, tx, "team_leader", js(b, "team_id"), "briefing", r->params[0], "answer",
                    title, "");
  json_decref(b);
  json_t *row = NULL;
  if (!rc) row = store_query_one(tx, BRIEFING_SELECT "WHERE b.id=$2", p, 2, &rc);
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  briefing_fix(row);
  return done(r, tx, 200, row);
}

/* ---- 信访件 (petitions received on site) --------------------------------------------------- */
static const char *const channels[] = {"letter", "visit", "phone", "online", "qr_code", NULL};
static const field petition_fields[] = {
    {"target_id", "巡察对象", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"channel", "来信来访方式", FT_ENUM, F_REQUIRED, 0, 0, channels},
    {"received_on", "收到日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"summary", "反映的主要问题", FT_MEMO, F_REQUIRED, 5000, 0, NULL},
    {"anonymous", "匿名", FT_BOOL, 0, 0, 0, NULL},
    {"reporter_name", "信访人姓名", FT_TEXT, 0, 50, 0, NULL},
    {"reporter_contact", "信访人联系方式", FT_TEXT, 0, 100, 0, NULL},
};

#define PETITION_SELECT                                                                        \
  "SELECT p.id, p.version, p.round_id, p.team_id, t.name AS team_name, p.target_id, p.unit_id, " \
  "u.name AS unit_name, p.channel, p.received_on, p.summary, p.anonymous, p.state, p.clue_id, " \
  "p.triage_note, p.triaged_at, p.created_by, p.created_at, p.updated_at FROM petitions p "     \
  "JOIN teams t ON t.id=p.team_id JOIN orgs u ON u.id=p.unit_id "

static void petition_obj(const json_t *row, authz_obj *o) {
  memset(o, 0, sizeof *o);
  o->team_id = js(row, "team_id");
  o->unit_id = js(row, "unit_id");
}

static void petition_fix(json_t *row) {
  json_object_set_new(row, "anonymous",
                      json_boolean(json_integer_value(json_object_get(row, "anonymous"))));
  json_object_set_new(row, "state_label",
                      json_string(wf_state_label(&wf_petition, js(row, "state"))));
}

static json_t *petition_load(req *r, store_tx *tx, const char *id, int *rc) {
  (void)r;
  json_t *row = one(tx, PETITION_SELECT "WHERE p.id=$1", id, rc);
  if (row) {
    petition_fix(row);
    char t[80];
    snprintf(t, sizeof t, "%s (%s)", js(row, "unit_name"), js(row, "received_on"));
    json_object_set_new(row, "title", json_string(t));
  }
  return row;
}

static int petition_mark(req *r, store_tx *tx, const json_t *row, const char *note,
                         const char *clue) {
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(note), SV_S(clue), SV_S(r->who.user_id), SV_S(now), SV_S(js(row, "id"))};
  return store_exec(tx,
                    "UPDATE petitions SET triage_note=$1, clue_id=$2, triaged_by=$3, triaged_at=$4 "
                    "WHERE id=$5",
                    p, 5, NULL);
}

/* to_clue: a draft clue of the foundation slice, linked both ways by id. */
static int apply_to_clue(req *r, store_tx *tx, const json_t *row, json_t *d) {
  char id[UUID_LEN], now[TS_LEN], ctx[80], today[11];
  uuid7(id);
  ts_now(now);
  date_format(date_today_shanghai(), today);
  snprintf(ctx, sizeof ctx, "clue:%s", id);
  const char *alleg = js(r->in, "allegation");
  char *sealed = field_seal(&r->app->keys, ctx, alleg && *alleg ? alleg : js(row, "summary"));
  const char *disc = js(row, "received_on");
  sval p[] = {SV_S(id),
              SV_S(js(row, "target_id")),
              SV_S(js(row, "round_id")),
              SV_S(js(row, "team_id")),
              SV_S(js(row, "unit_id")),
              SV_S(js(r->in, "title")),
              SV_S(js(r->in, "subject_name")),
              SV_S(js(r->in, "subject_post")),
              SV_S(strcmp(disc, today) > 0 ? today : disc),
              SV_S(sealed),
              SV_S(r->who.user_id),
              SV_S(now)};
  int rc = sealed ? store_exec(tx,
                               "INSERT INTO clues(id,target_id,round_id,team_id,unit_id,title,"
                               "subject_name,subject_post,source,discovered_on,allegation_enc,"
                               "created_by,created_at,updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
                               "'petition',$9,$10,$11,$12,$12)",
                               p, 12, NULL)
                  : STORE_ERR;
  free(sealed);
  json_t *cd = json_pack("{s:s,s:s}", "petition_id", js(row, "id"), "title", js(r->in, "title"));
  if (!rc) rc = api_audit(r, tx, "clue.create", "clue", id, "ok", cd);
  json_decref(cd);
  if (!rc) rc = petition_mark(r, tx, row, js(r->in, "note"), id);
  json_object_set_new(d, "clue_id", json_string(id));
  return rc;
}

static int apply_transfer(req *r, store_tx *tx, const json_t *row, json_t *d) {
  json_object_set_new(d, "transferred_to", json_string(js(row, "unit_id")));
  return petition_mark(r, tx, row, js(r->in, "note"), NULL);
}

static int apply_close(req *r, store_tx *tx, const json_t *row, json_t *d) {
  const char *reason = js(r->in, "reason");
  if (!*reason) return api_error(r, 400, "missing_field", "reason", "须填写「了结理由」");
  json_object_set_new(d, "reason", json_string(reason));
  return petition_mark(r, tx, row, reason, NULL);
}

static const field f_to_clue[] = {
    {"title", "线索标题", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"subject_name", "被反映人", FT_TEXT, F_REQUIRED, 50, 0, NULL},
    {"subject_post", "被反映人职务", FT_TEXT, 0, 100, 0, NULL},
    {"allegation", "反映的主要问题", FT_MEMO, 0, 20000, 0, NULL},
    {"note", "意见", FT_MEMO, 0, 2000, 0, NULL},
};
static const field f_transfer[] = {{"note", "转办意见", FT_MEMO, F_REQUIRED, 2000, 0, NULL}};
static const field f_close[] = {{"reason", "了结理由", FT_MEMO, F_REQUIRED, 2000, 0, NULL}};
static const lc_hook petition_hooks[] = {
    {"to_clue", f_to_clue, NF(f_to_clue), apply_to_clue},
    {"transfer", f_transfer, NF(f_transfer), apply_transfer},
    {"close", f_close, NF(f_close), apply_close},
};
static const lc_entity lc_petition = {&wf_petition, "petitions", A_PETITION_LIST, petition_obj,
                                      petition_load, petition_hooks, NF(petition_hooks)};

int h_petitions_action(req *r) {
  return lifecycle_run(r, &lc_petition, r->params[0], r->params[1]);
}

int h_petitions_create(req *r) {
  if (api_body(r, petition_fields, NF(petition_fields), false)) return r->status;
  const char *rn = js(r->in, "reporter_name"), *rcn = js(r->in, "reporter_contact");
  int anon = json_is_true(json_object_get(r->in, "anonymous"));
  if (anon && ((rn && *rn) || (rcn && *rcn)))
    return api_error(r, 400, "invalid_field", "reporter_name", "匿名信访不填「信访人姓名」和联系方式");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(js(r->in, "received_on"), today) > 0)
    return api_error(r, 400, "invalid_field", "received_on", "「收到日期」不得晚于今天");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = one(tx, "SELECT round_id, team_id, unit_id FROM targets WHERE id=$1",
                  js(r->in, "target_id"), &rc);
  if (!t) {
    if (!rc) api_error(r, 400, "invalid_field", "target_id", "「巡察对象」不存在");
    return fail(r, tx, rc);
  }
  authz_obj o = {js(t, "team_id"), js(t, "unit_id"), NULL, false};
  if (!authz(&r->who, A_PETITION_CREATE, &o)) {
    json_decref(t);
    store_rollback(tx);
    return api_deny(r, A_PETITION_CREATE, "target", js(r->in, "target_id"), 0);
  }
  char id[UUID_LEN], now[TS_LEN], ctx[80];
  uuid7(id);
  ts_now(now);
  snprintf(ctx, sizeof ctx, "petition:%s", id);
  char *sealed = NULL;
  if (!anon && ((rn && *rn) || (rcn && *rcn))) {
    json_t *who = json_pack("{s:s?,s:s?}", "name", rn, "contact", rcn);
    char *plain = json_dumps(who, JSON_COMPACT | JSON_SORT_KEYS);
    sealed = field_seal(&r->app->keys, ctx, plain);
    free(plain);
    json_decref(who);
  }
  sval p[] = {SV_S(id), SV_S(js(t, "round_id")), SV_S(o.team_id), SV_S(js(r->in, "target_id")),
              SV_S(o.unit_id), SV_S(js(r->in, "channel")), SV_S(js(r->in, "received_on")),
              SV_S(js(r->in, "summary")), SV_I(anon), SV_S(sealed), SV_S(r->who.user_id),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO petitions(id,round_id,team_id,target_id,unit_id,channel,received_on,"
                  "summary,anonymous,reporter_enc,created_by,created_at,updated_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12)",
                  p, 12, NULL);
  free(sealed);
  json_decref(t);
  json_t *d = json_deep_copy(r->in);
  json_object_del(d, "reporter_name"); /* never in the audit log */
  json_object_del(d, "reporter_contact");
  json_object_set_new(d, "reporter_sealed", json_boolean(!anon && ((rn && *rn) || (rcn && *rcn))));
  if (!rc) rc = api_audit(r, tx, "petition.create", "petition", id, "ok", d);
  json_decref(d);
  json_t *row = NULL;
  if (!rc) row = petition_load(r, tx, id, &rc);
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_petition, row));
  return done(r, tx, 201, row);
}

int h_petitions_get(req *r) {
  const char *id = r->params[0];
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = petition_load(r, tx, id, &rc);
  char *sealed = NULL;
  sval p[] = {SV_S(id)};
  if (row) rc = store_query_text(tx, "SELECT reporter_enc FROM petitions WHERE id=$1", p, 1, &sealed);
  store_rollback(tx);
  if (rc) {
    json_decref(row);
    free(sealed);
    return api_store_error(r, rc, NULL);
  }
  if (!row) return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  authz_obj o;
  petition_obj(row, &o);
  if (!authz(&r->who, A_PETITION_LIST, &o)) {
    json_decref(row);
    free(sealed);
    return api_deny(r, A_PETITION_LIST, "petition", id, 1);
  }
  if (sealed && authz(&r->who, A_PETITION_REPORTER, &o)) {
    char ctx[80];
    snprintf(ctx, sizeof ctx, "petition:%s", id);
    char *plain = field_open(&r->app->keys, ctx, sealed);
    /* the read is recorded before the identity leaves the server */
    if ((rc = store_write(r->app->db, &tx)) == STORE_OK) {
      rc = api_audit(r, tx, "petition.reporter.read", "petition", id, plain ? "ok" : "failed",
                     NULL);
      if (rc == STORE_OK) rc = api_commit(r, tx);
      else store_rollback(tx);
    }
    if (rc) {
      free(plain);
      free(sealed);
      json_decref(row);
      return rc > 0 ? r->status : api_store_error(r, rc, NULL);
    }
    json_t *who = plain ? json_loads(plain, 0, NULL) : NULL;
    json_object_set_new(row, "reporter", who ? who : json_null());
    if (plain) xwipe(plain, strlen(plain));
    free(plain);
  } else {
    json_object_set_new(row, "reporter_sealed", json_boolean(sealed != NULL));
  }
  free(sealed);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_petition, row));
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
}

static const char *const petition_state_codes[] = {"received", "to_clue", "transferred",
                                                   "closed", NULL};
static const field petition_filters[] = {
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"team_id", "巡察组", FT_ID, 0, 0, 0, NULL},
    {"target_id", "巡察对象", FT_ID, 0, 0, 0, NULL},
    {"channel", "来信来访方式", FT_ENUM, 0, 0, 0, channels},
    {"state", "状态", FT_ENUM, 0, 0, 0, petition_state_codes},
};

int h_petitions_list(req *r) {
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  authz_filter f;
  if (!authz_filter_for(&r->who, A_PETITION_LIST, &f))
    return api_deny(r, A_PETITION_LIST, "petition", NULL, 0);
  enum { MAXP = 3 * MAX_GRANTS + 12 };
  sval p[MAXP];
  int np = 0;
  buf where, sql;
  buf_init(&where, 8192);
  buf_init(&sql, 16384);
  if (buf_adds(&where, " WHERE 1=1")) abort();
  entity_scope_sql(&where, &f, "p.team_id", NULL, NULL, p, &np);
  fctx fc = {r, petition_filters, NF(petition_filters), "p.", &where, p, &np, MAXP - 2, 0};
  if (!req_each_arg(r, filter_arg, &fc) || fc.failed) {
    buf_free(&where);
    buf_free(&sql);
    return r->status;
  }
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  int64_t total = 0;
  json_t *items = NULL;
  if (!rc) {
    if (buf_addf(&sql, "SELECT count(*) FROM petitions p%s", buf_str(&where))) abort();
    rc = store_query_int(tx, buf_str(&sql), p, np, &total);
    buf_reset(&sql);
    if (buf_addf(&sql, "%s%s ORDER BY p.created_at DESC, p.id DESC LIMIT $%d OFFSET $%d",
                 PETITION_SELECT, buf_str(&where), np + 1, np + 2))
      abort();
    p[np++] = SV_I(limit);
    p[np++] = SV_I(offset);
    if (!rc) items = store_query_json(tx, buf_str(&sql), p, np);
    store_rollback(tx);
  }
  buf_free(&where);
  buf_free(&sql);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) petition_fix(it);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}

/* ---- team matching (智能匹配) ------------------------------------------------------------- */
enum { MATCH_POOL = 5000, MATCH_MAX = 50 };

/* Suggests members for each team of a round (or ?team_id=): from the pool,
 * people not on a team of the round, whose latest vetting is not 有异议, with
 * no unexcepted recusal conflict with any of the team's targets; greedily
 * covering the requested ?tags= first, then the fewest rounds served. */
int h_round_suggestions(req *r) {
  const char *team_arg = req_arg(r, "team_id"), *tags_arg = req_arg(r, "tags"),
             *count_arg = req_arg(r, "count");
  long want = 5;
  if (team_arg && !uuid_valid(team_arg))
    return api_error(r, 400, "invalid_field", "team_id", "「巡察组」无效");
  if (count_arg) {
    char *end;
    want = strtol(count_arg, &end, 10);
    if (*end || want < 1 || want > MATCH_MAX)
      return api_error(r, 400, "invalid_field", "count", "「人数」应在 1 至 %d 之间", MATCH_MAX);
  }
  json_t *need = json_array();
  if (tags_arg && *tags_arg) {
    char *tv = xstrdup(tags_arg), *ts = NULL;
    for (char *t = strtok_r(tv, ",", &ts); t; t = strtok_r(NULL, ",", &ts)) {
      if (!enum_ok(expertise, t)) {
        api_error(r, 400, "invalid_field", "tags", "「专长」%.40s 无效", t);
        free(tv); /* t points into tv: the message is formatted first */
        json_decref(need);
        return r->status;
      }
      json_array_append_new(need, json_string(t));
    }
    free(tv);
  }
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) {
    json_decref(need);
    return api_store_error(r, rc, NULL);
  }
  sval rp[] = {SV_S(r->params[0]), SV_S(team_arg)};
  json_t *teams = store_query_json(tx,
                                   "SELECT id, name FROM teams WHERE round_id=$1 AND ($2 IS NULL "
                                   "OR id=$2) ORDER BY name",
                                   rp, 2);
  int64_t nround = 0;
  if (teams) rc = store_query_int(tx, "SELECT count(*) FROM rounds WHERE id=$1", rp, 1, &nround);
  else rc = STORE_ERR;
  json_t *pool = NULL;
  if (!rc && nround) {
    sval pp[] = {SV_S(r->params[0]), SV_I(MATCH_POOL)};
    pool = store_query_json(
        tx,
        "SELECT p.id AS person_id, p.name, o.name AS org_name, p.post, "
        "(SELECT count(*) FROM team_members m WHERE m.person_id=p.id) AS rounds_served, "
        "(SELECT v.state FROM vettings v WHERE v.person_id=p.id ORDER BY v.requested_at DESC, "
        " v.id DESC LIMIT 1) AS last_vetting, "
        "(SELECT group_concat(tag, '、') FROM (SELECT tag FROM person_tags g WHERE "
        " g.person_id=p.id ORDER BY tag)) AS tags "
        "FROM persons p LEFT JOIN orgs o ON o.id=p.org_id WHERE NOT EXISTS (SELECT 1 FROM "
        "team_members m WHERE m.round_id=$1 AND m.person_id=p.id) ORDER BY rounds_served, p.name, "
        "p.id LIMIT $2",
        pp, 2);
    if (!pool) rc = STORE_ERR;
  }
  if (rc || !nround) {
    store_rollback(tx);
    json_decref(need);
    json_decref(teams);
    json_decref(pool);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "巡察轮次不存在");
  }
  json_t *out = json_array();
  json_t *taken = json_object(); /* one person is suggested to one team only */
  size_t ti, pi, k;
  json_t *team, *p;
  json_array_foreach(teams, ti, team) {
    json_t *eligible = json_array();
    json_array_foreach(pool, pi, p) {
      const char *pid = js(p, "person_id");
      if (json_object_get(taken, pid)) continue;
      const char *lv = js(p, "last_vetting");
      if (lv && !strcmp(lv, "objection")) continue;
      json_t *c = json_array();
      rc = team_conflicts(tx, js(team, "id"), pid, NULL, c);
      size_t nc = json_array_size(c);
      json_decref(c);
      if (rc) break;
      if (nc) continue;
      json_array_append(eligible, p);
    }
    if (rc) {
      json_decref(eligible);
      break;
    }
    /* greedy: most uncovered requested tags, then fewest rounds (pool order) */
    json_t *uncovered = json_deep_copy(need), *picks = json_array();
    while ((long)json_array_size(picks) < want && json_array_size(eligible)) {
      size_t best = 0;
      int best_cov = -1;
      json_array_foreach(eligible, pi, p) {
        const char *tg = js(p, "tags");
        int cov = 0;
        json_t *u;
        json_array_foreach(uncovered, k, u) cov += tg && strstr(tg, json_string_value(u)) != NULL;
        if (cov > best_cov) best_cov = cov, best = pi;
      }
      p = json_array_get(eligible, best);
      const char *tg = js(p, "tags");
      buf why;
      buf_init(&why, 1000);
      json_t *covered = json_array();
      for (k = 0; k < json_array_size(uncovered);) {
        const char *u = json_string_value(json_array_get(uncovered, k));
        if (tg && strstr(tg, u)) {
          json_array_append_new(covered, json_string(u));
          json_array_remove(uncovered, k);
        } else {
          k++;
        }
      }
      int bad = 0;
      if (json_array_size(covered)) {
        bad |= buf_adds(&why, "补足专长 ");
        json_t *u;
        json_array_foreach(covered, k, u) bad |= buf_addf(&why, "%s%s", k ? "、" : "", json_string_value(u));
        bad |= buf_adds(&why, "; ");
      }
      bad |= buf_addf(&why, "已参加巡察 %lld 轮; ",
                      (long long)json_integer_value(json_object_get(p, "rounds_served")));
      const char *lv = js(p, "last_vetting");
      bad |= buf_addf(&why, "%s; 与本组巡察对象无回避情形",
                      !lv ? "尚未进行廉政审核 (可提请)" : !strcmp(lv, "clear") ? "最近一次廉政审核无异议"
                                                                         : "廉政审核待答复");
      if (bad) abort();
      json_t *s = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:O,s:s?,s:O,s:s}", "person_id",
                            js(p, "person_id"), "name", js(p, "name"), "org_name",
                            js(p, "org_name"), "post", js(p, "post"), "tags", js(p, "tags"),
                            "rounds_served", json_object_get(p, "rounds_served"), "last_vetting",
                            lv, "covers", covered, "reason", buf_str(&why));
      json_decref(covered);
      buf_free(&why);
      json_array_append_new(picks, s);
      json_object_set_new(taken, js(p, "person_id"), json_true());
      json_array_remove(eligible, best);
    }
    json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:o}", "team_id", js(team, "id"),
                                         "team_name", js(team, "name"), "suggestions", picks,
                                         "uncovered_tags", uncovered));
    json_decref(eligible);
  }
  store_rollback(tx);
  json_decref(taken);
  json_decref(need);
  json_decref(teams);
  json_decref(pool);
  if (rc) {
    json_decref(out);
    return api_store_error(r, rc, NULL);
  }
  return api_ok(r, 200, json_pack("{s:s,s:o}", "round_id", r->params[0], "teams", out));
}

/* ---- cadre movements ------------------------------------------------------------------------ */
static const char *const movement_kinds[] = {"commission_to_patrol", "patrol_to_commission",
                                             "patrol_to_grassroots", NULL};
static const field movement_fields[] = {
    {"person_id", "人员", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"kind", "交流类别", FT_ENUM, F_REQUIRED, 0, 0, movement_kinds},
    {"from_org_id", "原单位", FT_ID, 0, 0, 0, NULL},
    {"from_post", "原职务", FT_TEXT, 0, 100, 0, NULL},
    {"to_org_id", "新单位", FT_ID, 0, 0, 0, NULL},
    {"to_post", "新职务", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"moved_on", "交流日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"note", "备注", FT_MEMO, 0, 1000, 0, NULL},
};

#define MOVEMENT_SELECT                                                                        \
  "SELECT c.id, c.person_id, p.name AS person_name, c.kind, c.from_org_id, f.name AS "         \
  "from_org_name, c.from_post, c.to_org_id, t.name AS to_org_name, c.to_post, c.moved_on, "     \
  "c.note, c.created_at FROM cadre_movements c JOIN persons p ON p.id=c.person_id LEFT JOIN "   \
  "orgs f ON f.id=c.from_org_id LEFT JOIN orgs t ON t.id=c.to_org_id "

int h_movements_create(req *r) {
  if (api_body(r, movement_fields, NF(movement_fields), false)) return r->status;
  if (!*js(r->in, "to_post")) return api_error(r, 400, "missing_field", "to_post", "须填写「新职务」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  static const char *const refs[][3] = {{"person_id", "SELECT count(*) FROM persons WHERE id=$1", "人员"},
                                        {"from_org_id", "SELECT count(*) FROM orgs WHERE id=$1", "原单位"},
                                        {"to_org_id", "SELECT count(*) FROM orgs WHERE id=$1", "新单位"}};
  for (int i = 0; i < 3; i++) {
    const char *v = js(r->in, refs[i][0]);
    if (!v) continue;
    int64_t n = 0;
    sval q[] = {SV_S(v)};
    if ((rc = store_query_int(tx, refs[i][1], q, 1, &n))) return fail(r, tx, rc);
    if (!n) {
      api_error(r, 400, "invalid_field", refs[i][0], "「%s」不存在", refs[i][2]);
      return fail(r, tx, 0);
    }
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(js(r->in, "person_id")), SV_S(js(r->in, "kind")),
              SV_S(js(r->in, "from_org_id")), SV_S(js(r->in, "from_post")),
              SV_S(js(r->in, "to_org_id")), SV_S(js(r->in, "to_post")),
              SV_S(js(r->in, "moved_on")), SV_S(js(r->in, "note")), SV_S(r->who.user_id),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO cadre_movements(id,person_id,kind,from_org_id,from_post,to_org_id,"
                  "to_post,moved_on,note,created_by,created_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                  p, 11, NULL);
  if (!rc) rc = api_audit(r, tx, "movement.create", "movement", id, "ok", r->in);
  json_t *row = NULL;
  sval rp[] = {SV_S(id)};
  if (!rc) row = store_query_one(tx, MOVEMENT_SELECT "WHERE c.id=$1", rp, 1, &rc);
  if (!row) return fail(r, tx, rc ? rc : STORE_ERR);
  return done(r, tx, 201, row);
}

static const field movement_filters[] = {
    {"person_id", "人员", FT_ID, 0, 0, 0, NULL},
    {"kind", "交流类别", FT_ENUM, 0, 0, 0, movement_kinds},
};

int h_movements_list(req *r) {
  return filtered_list(r, MOVEMENT_SELECT, "SELECT count(*) FROM cadre_movements c", "c.",
                       movement_filters, NF(movement_filters), "c.moved_on DESC, c.id DESC");
}

/* The seed's figures: movements by kind (4 + 1 + 1), commission cadres who
 * served on teams (32), people vetted (292). */
int h_cadre_stats(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *by = store_query_json(tx,
                                "SELECT kind, count(*) AS n FROM cadre_movements GROUP BY kind "
                                "ORDER BY kind",
                                NULL, 0);
  int64_t served = 0, vetted = 0, objections = 0;
  if (!by) rc = STORE_ERR;
  if (!rc)
    rc = store_query_int(tx,
                         "SELECT count(DISTINCT person_id) FROM team_members WHERE "
                         "origin='commission'",
                         NULL, 0, &served);
  if (!rc)
    rc = store_query_int(tx, "SELECT count(DISTINCT person_id) FROM vettings WHERE state<>'pending'",
                         NULL, 0, &vetted);
  if (!rc)
    rc = store_query_int(tx, "SELECT count(*) FROM vettings WHERE state='objection'", NULL, 0,
                         &objections);
  store_rollback(tx);
  if (rc) {
    json_decref(by);
    return api_store_error(r, rc, NULL);
  }
  json_t *m = json_object();
  for (int i = 0; movement_kinds[i]; i++) json_object_set_new(m, movement_kinds[i], json_integer(0));
  size_t i;
  json_t *it;
  json_array_foreach(by, i, it) json_object_set(m, js(it, "kind"), json_object_get(it, "n"));
  json_decref(by);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "movements", m,
                                  "commission_cadres_served", (json_int_t)served, "persons_vetted",
                                  (json_int_t)vetted, "objections", (json_int_t)objections));
}
