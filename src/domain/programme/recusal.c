/*
 * recusal.c — 回避: the rules that say when a person must recuse from a unit
 * (works there, worked there within recusal_years, a declared relative works
 * there, the person's org supervises it), the check of a team, and the
 * exceptions only the leading group may approve (with a reason, audited).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "domain/programme/programme.h"

/* ---- recusal ------------------------------------------------------------------- */
/* Appends to out (an array of Chinese strings) every reason why person must
 * recuse from unit. */
static int recusal_conflicts(store_tx *tx, const char *person, const char *unit, json_t *out) {
  int rc = 0;
  json_t *pr = prog_one(tx,
                   "SELECT p.org_id AS org_id, o.name AS org_name FROM persons p "
                   "LEFT JOIN orgs o ON o.id=p.org_id WHERE p.id=$1",
                   person, &rc);
  if (rc) return rc;
  json_t *u = prog_one(tx, "SELECT name, parent_id, supervisor_id FROM orgs WHERE id=$1", unit, &rc);
  if (rc || !u || !pr) {
    json_decref(pr);
    json_decref(u);
    return rc;
  }
  const char *porg = prog_js(pr, "org_id");
  if (porg && !strcmp(porg, unit)) json_array_append_new(out, json_string("现工作单位即被巡察单位"));
  /* the supervision chain: the person's org leads the unit at any level up
   * the organisation tree (a county over a township over its villages), or
   * is the dispatched group supervising the unit or one of its ancestors */
  if (porg && !rc) {
    sval cp[] = {SV_S(unit), SV_S(porg)};
    int64_t up = 0;
    rc = store_query_int(
        tx,
        "WITH RECURSIVE up(id, parent_id, supervisor_id, depth) AS ("
        " SELECT id, parent_id, supervisor_id, 0 FROM orgs WHERE id=$1"
        " UNION SELECT o.id, o.parent_id, o.supervisor_id, up.depth + 1 FROM orgs o JOIN up ON"
        " o.id=up.parent_id WHERE up.depth < 64) "
        "SELECT count(*) FROM up WHERE (depth > 0 AND id=$2) OR supervisor_id=$2",
        cp, 2, &up);
    if (!rc && up) {
      char m[600];
      snprintf(m, sizeof m, "所在单位「%s」对被巡察单位负有监督或领导职责", prog_js(pr, "org_name"));
      utf8_fix_end(m);
      json_array_append_new(out, json_string(m));
    }
  }
  if (rc) {
    json_decref(pr);
    json_decref(u);
    return rc;
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
             prog_js(it, "start_date"), prog_js(it, "end_date") ? prog_js(it, "end_date") : "今");
    json_array_append_new(out, json_string(m));
  }
  json_array_foreach(rel, i, it) {
    char m[600];
    snprintf(m, sizeof m, "近亲属%s (%s) 在该单位工作", prog_js(it, "name"), prog_js(it, "relation"));
    utf8_fix_end(m);
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
int prog_team_conflicts(store_tx *tx, const char *team, const char *person, const char *unit,
                          json_t *out) {
  sval p[] = {SV_S(team)};
  json_t *units = store_query_json(
      tx, "SELECT g.unit_id AS unit_id, o.name AS unit_name FROM targets g JOIN orgs o ON "
          "o.id=g.unit_id WHERE g.team_id=$1 ORDER BY o.name", p, 1);
  if (!units) return STORE_ERR;
  if (unit) {
    json_decref(units);
    int rc = 0;
    json_t *u = prog_one(tx, "SELECT id AS unit_id, name AS unit_name FROM orgs WHERE id=$1", unit, &rc);
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
    const char *uid = prog_js(it, "unit_id");
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
                                         prog_js(it, "unit_name"), "reasons", reasons));
  }
  json_decref(units);
  return rc;
}

/* The conflicts for messages, one group per reason with the units it
 * concerns ("理由: 「甲村」、「乙村」…等 N 项; 理由: 「丙村」"), so a township
 * cadre facing its 160 villages reads as one reason, not 160. Bounded:
 * units per reason and reasons are shortened with "…等 N 项". */
void prog_conflicts_text(const json_t *c, buf *b) {
  json_t *groups = json_array(); /* [{reason, units:[name]}] in first-seen order */
  size_t i, k, g;
  json_t *it, *rs, *gr;
  json_array_foreach(c, i, it) {
    json_array_foreach(json_object_get(it, "reasons"), k, rs) {
      json_t *hit = NULL;
      json_array_foreach(groups, g, gr) {
        if (!strcmp(prog_js(gr, "reason"), json_string_value(rs))) {
          hit = gr;
          break;
        }
      }
      if (!hit) {
        hit = json_pack("{s:O,s:[]}", "reason", rs, "units");
        json_array_append_new(groups, hit);
      }
      json_array_append(json_object_get(hit, "units"), json_object_get(it, "unit_name"));
    }
  }
  buf_list reasons;
  buf_list_begin(&reasons, b, "; ", 2400);
  json_array_foreach(groups, g, gr) {
    buf one;
    buf_init(&one, 1200);
    buf_list units;
    if (buf_addf(&one, "%s: ", prog_js(gr, "reason")) == BUF_OK) {
      buf_list_begin(&units, &one, LIST_SEP, 600);
      json_t *u;
      json_array_foreach(json_object_get(gr, "units"), k, u)
          buf_list_addf(&units, "「%s」", json_string_value(u));
      buf_list_end(&units);
    }
    buf_list_add(&reasons, buf_str(&one));
    buf_free(&one);
  }
  buf_list_end(&reasons);
  json_decref(groups);
}

/* ---- recusal check and exceptions -------------------------------------------------------- */
int h_recusal_check(req *r) {
  static const arg_decl check_args[] = {
      {.name = "team_id", .label = "巡察组", .type = ARG_ID, .flags = ARG_REQUIRED | ARG_NONEMPTY},
      {.name = "person_id", .label = "人员", .type = ARG_ID, .flags = ARG_REQUIRED | ARG_NONEMPTY},
  };
  static const args_spec check_spec = {.decls = check_args, .n = ARGS_N(check_args)};
  args a;
  int bad = api_args(r, &check_spec, 0, &a);
  args_free(&a);
  if (bad) return r->status;
  const char *team = req_arg(r, "team_id"), *person = req_arg(r, "person_id"); /* checked */
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  /* asked of the visibility model (core/visibility.c): the team and the
   * person as this user sees them, and the parts of the person's profile
   * the conflicts are read from (relatives, work history) */
  int seen = vis_row(tx, &vis_team, &r->who, team);
  if (seen > 0) seen = vis_row(tx, &vis_person, &r->who, person);
  action_id denied = A_SELF;
  static const char *const parts[] = {"relatives", "work_history"};
  for (size_t i = 0; seen > 0 && denied == A_SELF && i < sizeof parts / sizeof *parts; i++) {
    action_id need = vis_field_need(&vis_person, parts[i]);
    int ok = vis_row_act(tx, &vis_person, &r->who, need, person);
    if (ok < 0) seen = ok;
    else if (!ok) denied = need;
  }
  if (seen <= 0 || denied != A_SELF) {
    store_rollback(tx);
    if (seen < 0) return api_store_error(r, seen, NULL);
    if (!seen) return api_error(r, 404, "not_found", "", "巡察组或人员不存在或无权访问");
    return api_deny(r, denied, "person", person, 0);
  }
  json_t *c = json_array();
  rc = prog_team_conflicts(tx, team, person, NULL, c);
  store_rollback(tx);
  if (rc) {
    json_decref(c);
    return api_store_error(r, rc, NULL);
  }
  return api_ok(r, 200, json_pack("{s:b,s:o}", "conflict", json_array_size(c) > 0, "conflicts", c));
}

static const field exception_fields[] = {
    {.name = "team_id", .label = "巡察组", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "person_id", .label = "人员", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "reason", .label = "批准理由", .type = FT_MEMO, .flags = F_REQUIRED, .max = 1000},
};

#define EXCEPTION_SELECT                                                                      \
  "SELECT e.id, e.round_id, e.team_id, t.name AS team_name, e.person_id, p.name AS "          \
  "person_name, e.unit_id, o.name AS unit_name, e.reason, e.conflicts, e.approved_by, "       \
  "e.approved_at FROM recusal_exceptions e JOIN teams t ON t.id=e.team_id JOIN persons p ON " \
  "p.id=e.person_id JOIN orgs o ON o.id=e.unit_id "

int h_recusal_exception_create(req *r) {
  if (api_body(r, exception_fields, NF(exception_fields), false)) return r->status;
  const char *team = prog_js(r->in, "team_id"), *person = prog_js(r->in, "person_id"),
             *unit = prog_js(r->in, "unit_id"), *reason = prog_js(r->in, "reason");
  if (!*reason) return api_error(r, 400, "missing_field", "reason", "须填写「批准理由」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_team_row(tx, team, &rc);
  if (!t) {
    if (!rc) api_error(r, 400, "invalid_field", "team_id", "「巡察组」不存在");
    return prog_fail(r, tx, rc);
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
  sval p[] = {SV_S(id), SV_S(prog_js(t, "round_id")), SV_S(team), SV_S(person), SV_S(unit),
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
  snprintf(title, sizeof title, "领导小组批准回避例外 (%s)", prog_js(t, "name"));
  if (!rc)
    rc = api_notify(r, tx, "inspection_office", "", "recusal_exception", id, "approve", title,
                    reason);
  json_decref(t);
  json_t *row = NULL;
  sval rp[] = {SV_S(id)};
  if (!rc) row = store_query_one(tx, EXCEPTION_SELECT "WHERE e.id=$1", rp, 1, &rc);
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  return prog_done(r, tx, 201, row);
}

static const field exception_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "person_id", .label = "人员", .type = FT_ID},
};

int h_recusal_exceptions_list(req *r) {
  return prog_filtered_list(r, EXCEPTION_SELECT, "SELECT count(*) FROM recusal_exceptions e", "e.",
                       exception_filters, NF(exception_filters), "e.approved_at DESC, e.id DESC", &vis_recusal);
}
