/*
 * members.c — team members (leader, deputy, 巡察专员, member, liaison; seconded
 * or commission cadre) and many targets of a team created in one all-or-nothing
 * request (a 160-village special patrol), both subject to recusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "domain/programme/programme.h"

/* ---- team members ------------------------------------------------------------------ */
static const char *const member_roles[] = {"leader", "deputy", "commissioner", "member",
                                           "liaison", NULL};
static const char *const origins[] = {"seconded", "commission", NULL};
static const field member_fields[] = {
    {.name = "person_id", .label = "人员", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "role", .label = "组内职务", .type = FT_ENUM, .flags = F_REQUIRED, .values = member_roles},
    {.name = "origin", .label = "人员来源", .type = FT_ENUM, .flags = F_REQUIRED, .values = origins},
    {.name = "source_unit_id", .label = "抽调单位", .type = FT_ID},
};

/* The member's current vetting (the newest request) */
#define MEMBER_VETTING(col)                                                                     \
  "(SELECT v." col " FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "  \
  " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1)"
#define MEMBER_COLS                                                                             \
  "SELECT m.id, m.version, m.round_id, m.team_id, m.person_id, p.name AS person_name, m.role, "  \
  "m.origin, m.source_unit_id, s.name AS source_unit_name, m.replaced_at, m.replaced_by, "      \
  "m.replacement_id, CASE WHEN m.replaced_at IS NULL THEN 'active' ELSE 'replaced' END AS "     \
  "member_state, "
#define MEMBER_FROM                                                                             \
  " m.created_at FROM team_members m JOIN persons p ON p.id=m.person_id LEFT JOIN orgs s ON "   \
  "s.id=m.source_unit_id "
#define MEMBER_SELECT MEMBER_COLS MEMBER_VETTING("state") " AS vetting," MEMBER_FROM

json_t *prog_team_row(store_tx *tx, const char *team, int *rc) {
  return prog_one(tx,
             "SELECT t.id AS id, t.name AS name, t.round_id AS round_id, r.name AS round_name, "
             "r.state AS round_state FROM teams t JOIN rounds r ON r.id=t.round_id WHERE t.id=$1",
             team, rc);
}

int h_team_members_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_team_row(tx, r->params[0], &rc);
  /* the team and its members as the visibility model lets this user see
   * them; a member's vetting state only to those who may read that vetting */
  int vis = t ? vis_row(tx, &vis_team, &r->who, r->params[0]) : 0;
  sval p[1 + 2 * VIS_MAXP] = {SV_S(r->params[0])};
  int np = 1;
  buf sql;
  buf_init(&sql, 16384);
  if (buf_adds(&sql, MEMBER_COLS "CASE WHEN ") ||
      vis_expr(&vis_vetting, &r->who, A_VETTING_LIST, MEMBER_VETTING("id"), &sql, p, &np,
               VIS_MAXP) ||
      buf_adds(&sql, " THEN " MEMBER_VETTING("state") " END AS vetting," MEMBER_FROM
                     "WHERE m.team_id=$1") ||
      vis_in(&vis_member, &r->who, vis_member.read, "m.id", &sql, p, &np, VIS_MAXP) ||
      buf_adds(&sql, " ORDER BY CASE m.role WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 "
                     "WHEN 'commissioner' THEN 2 WHEN 'member' THEN 3 ELSE 4 END, p.name"))
    vis = STORE_ERR;
  json_t *items = vis > 0 ? store_query_json(tx, buf_str(&sql), p, np) : NULL;
  buf_free(&sql);
  store_rollback(tx);
  json_decref(t);
  if (!t) return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "巡察组不存在");
  if (vis < 0) return api_store_error(r, vis, NULL);
  if (!vis) return api_deny(r, vis_team.read, "team", r->params[0], 1);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

/* Posts a pending vetting for person in round (the caller audits). */
int prog_request_vetting(req *r, store_tx *tx, const char *round, const char *person, char *id) {
  svc_actor ac;
  api_actor(r, &ac);
  int rc = prog_request_vetting_svc(r->app, &ac, tx, round, person, id);
  api_actor_end(r, &ac);
  return rc;
}

int prog_request_vetting_svc(app *a, svc_actor *ac, store_tx *tx, const char *round,
                             const char *person, char *id) {
  char now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(round), SV_S(person), SV_S(ac->user_id), SV_S(now)};
  int rc = store_exec(tx,
                      "INSERT INTO vettings(id,round_id,person_id,state,requested_by,requested_at,"
                      "created_at,updated_at) VALUES($1,$2,$3,'pending',$4,$5,$5,$5)",
                      p, 5, NULL);
  if (!rc) {
    json_t *d = json_pack("{s:s,s:s}", "round_id", round, "person_id", person);
    rc = svc_audit(a, tx, ac, "vetting.request", "vetting", id, "ok", d, NULL);
    json_decref(d);
  }
  return rc;
}

int h_team_members_add(req *r) {
  if (api_body(r, member_fields, NF(member_fields), false)) return r->status;
  const char *person = prog_js(r->in, "person_id"), *role = prog_js(r->in, "role"),
             *origin = prog_js(r->in, "origin"), *src = prog_js(r->in, "source_unit_id");
  if (!strcmp(origin, "seconded") && !src)
    return api_error(r, 400, "missing_field", "source_unit_id", "抽调人员须填写「抽调单位」");
  if (!strcmp(origin, "commission") && src)
    return api_error(r, 400, "invalid_field", "source_unit_id",
                     "纪委监委派员参与的人员不填「抽调单位」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_team_row(tx, r->params[0], &rc);
  if (!t) {
    if (!rc) api_error(r, 404, "not_found", "", "巡察组不存在");
    return prog_fail(r, tx, rc);
  }
  const char *round = prog_js(t, "round_id");
  json_t *pr = NULL, *cur = NULL, *conf = NULL;
  int64_t n = 0;
  if (!prog_round_open(prog_js(t, "round_state"))) {
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再调整巡察组人员");
    goto out;
  }
  pr = prog_one(tx, "SELECT name FROM persons WHERE id=$1", person, &rc);
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
    api_error(r, 409, "conflict", "person_id", "%s 已在本轮「%s」中", prog_js(pr, "name"),
              prog_js(cur, "team_name"));
    goto out;
  }
  if (!strcmp(role, "leader")) {
    sval lq[] = {SV_S(r->params[0])};
    if ((rc = store_query_int(tx, "SELECT count(*) FROM team_members WHERE team_id=$1 AND "
                                  "role='leader'", lq, 1, &n)))
      goto out;
    if (n) {
      api_error(r, 409, "conflict", "role", "「%s」已有组长", prog_js(t, "name"));
      goto out;
    }
  }
  conf = json_array();
  if ((rc = prog_team_conflicts(tx, r->params[0], person, NULL, conf))) goto out;
  if (json_array_size(conf)) {
    buf b;
    buf_init(&b, API_MSG_MAX - 400);
    prog_conflicts_text(conf, &b);
    api_error(r, 409, "recusal_conflict", "person_id",
              "%s 须回避, 不能编入「%s」(可报领导小组批准例外): %s", prog_js(pr, "name"), prog_js(t, "name"),
              buf_str_or(&b, "情形较多, 见 conflicts"));
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
    rc = prog_request_vetting(r, tx, round, person, vid);
    snprintf(title, sizeof title, "巡察办提请廉政审核 (补充人选): %s, %s", prog_js(t, "round_name"),
             prog_js(pr, "name"));
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
  return prog_done(r, tx, 201, row);
out:
  json_decref(t);
  json_decref(pr);
  json_decref(cur);
  json_decref(conf);
  if (!rc && r->status < 400) rc = STORE_ERR;
  return prog_fail(r, tx, rc);
}

static const field remove_fields[] = {{.name = "reason", .label = "调整原因", .type = FT_MEMO,
                                       .max = 500}};

int h_team_members_remove(req *r) {
  if (api_body(r, remove_fields, NF(remove_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_team_row(tx, r->params[0], &rc);
  sval p[] = {SV_S(r->params[1]), SV_S(r->params[0])};
  json_t *m = t ? store_query_one(tx, "SELECT id, person_id FROM team_members WHERE id=$1 AND "
                                      "team_id=$2", p, 2, &rc)
                : NULL;
  if (!t || !m) {
    json_decref(t);
    if (!rc) api_error(r, 404, "not_found", "", "巡察组成员不存在");
    return prog_fail(r, tx, rc);
  }
  if (!prog_round_open(prog_js(t, "round_state"))) {
    json_decref(t);
    json_decref(m);
    api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再调整巡察组人员");
    return prog_fail(r, tx, 0);
  }
  rc = store_exec(tx, "DELETE FROM team_members WHERE id=$1", p, 1, NULL);
  json_t *d = json_pack("{s:s,s:s,s:O}", "member_id", r->params[1], "person_id",
                        prog_js(m, "person_id"), "reason", json_object_get(r->in, "reason")
                                                          ? json_object_get(r->in, "reason")
                                                          : json_null());
  if (!rc) rc = api_audit(r, tx, "team.member.remove", "team", r->params[0], "ok", d);
  json_decref(d);
  json_decref(t);
  json_decref(m);
  if (rc) return prog_fail(r, tx, rc);
  return prog_done(r, tx, 200, json_pack("{s:b}", "removed", 1));
}

/* ---- many targets of a team in one request ------------------------------------------- */
static const char *const phase_order[] = {"mobilization_date", "entry_date", "withdrawal_date",
                                          "report_date", "feedback_date"};
static const field bulk_fields[] = {
    {.name = "mobilization_date", .label = "动员会日期", .type = FT_DATE},
    {.name = "entry_date", .label = "进驻日期", .type = FT_DATE},
    {.name = "withdrawal_date", .label = "撤离日期", .type = FT_DATE},
    {.name = "report_date", .label = "汇报日期", .type = FT_DATE},
    {.name = "feedback_date", .label = "反馈日期", .type = FT_DATE},
};
enum { BULK_MAX = 1000 };

static void row_error(json_t *rows, size_t i, const char *unit, const char *msg) {
  /* index: 0-based position in unit_ids; row: counted from 1, as imports and people do */
  json_array_append_new(rows, json_pack("{s:I,s:I,s:s?,s:s}", "index", (json_int_t)i, "row",
                                        (json_int_t)i + 1, "unit_id", unit, "message", msg));
}

int svc_targets_bulk(app *a, svc_actor *ac, const char *team, const json_t *units, const json_t *in,
                     json_t **out, xres *x) {
  if (!json_is_array(units) || json_array_size(units) == 0)
    return xres_err(x, 400, "missing_field", "unit_ids", "「被巡察单位」应为非空的单位编号列表");
  if (json_array_size(units) > BULK_MAX)
    return xres_err(x, 413, "too_many", "unit_ids", "一次最多 %d 个被巡察单位", BULK_MAX);
  json_t *dates = in ? json_deep_copy(in) : json_object();
  json_object_del(dates, "unit_ids");
  verr e;
  if (!fields_validate(dates, bulk_fields, NF(bulk_fields), false, &e)) {
    int st = xres_verr(x, &e); /* e.field may point into dates: copy it before freeing */
    json_decref(dates);
    return st;
  }
  const char *prev = NULL, *prevk = NULL;
  for (int i = 0; i < 5; i++) {
    const char *d = prog_js(dates, phase_order[i]);
    if (!d) continue;
    if (prev && strcmp(prev, d) > 0) {
      json_decref(dates);
      return xres_err(x, 400, "invalid_field", phase_order[i], "阶段日期顺序有误: %s 早于 %s",
                      phase_order[i], prevk);
    }
    prev = d;
    prevk = phase_order[i];
  }
  store_tx *tx;
  int rc = store_write(a->db, &tx);
  if (rc) {
    json_decref(dates);
    return svc_fail(NULL, ac, rc, x);
  }
  json_t *t = prog_team_row(tx, team, &rc);
  if (!t) {
    json_decref(dates);
    if (!rc) xres_err(x, 404, "not_found", "", "巡察组不存在");
    return svc_fail(tx, ac, rc, x);
  }
  const char *round = prog_js(t, "round_id");
  json_t *rows = json_array(), *members = NULL, *items = json_array();
  int conflicts_only = 1;
  sval mp[] = {SV_S(team)};
  members = store_query_json(tx,
                             "SELECT m.person_id AS person_id, p.name AS name FROM team_members m "
                             "JOIN persons p ON p.id=m.person_id WHERE m.team_id=$1 AND "
                             "m.replaced_at IS NULL",
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
    json_t *o = prog_one(tx, "SELECT name, kind FROM orgs WHERE id=$1", uid, &rc);
    if (rc) break;
    if (!o || strcmp(prog_js(o, "kind"), "unit")) {
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
      char m[600];
      snprintf(m, sizeof m, "「%s」已是本轮「%s」的巡察对象", prog_js(o, "name"), prog_js(ex, "team_name"));
      utf8_fix_end(m);
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
      rc = prog_team_conflicts(tx, team, prog_js(m, "person_id"), uid, c);
      if (!rc && json_array_size(c)) {
        buf b;
        buf_init(&b, 2000);
        buf_addf(&b, "组员%s须回避: ", prog_js(m, "name"));
        prog_conflicts_text(c, &b);
        row_error(rows, i, uid, buf_str_or(&b, "组员须回避 (情形较多, 请查看回避检查)"));
        buf_free(&b);
      }
      json_decref(c);
      if (rc) break;
    }
    json_decref(o);
  }
  if (!rc && json_array_size(rows)) {
    json_t *first = json_array_get(rows, 0);
    xres_err(x, conflicts_only ? 409 : 400, conflicts_only ? "conflict" : "invalid_rows",
             "unit_ids", "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s", json_array_size(rows),
             (long long)json_integer_value(json_object_get(first, "row")), prog_js(first, "message"));
    xres_put(x, "rows", json_incref(rows));
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
                SV_S(team),
                SV_S(json_string_value(u)),
                SV_S(prog_js(dates, "mobilization_date")),
                SV_S(prog_js(dates, "entry_date")),
                SV_S(prog_js(dates, "withdrawal_date")),
                SV_S(prog_js(dates, "report_date")),
                SV_S(prog_js(dates, "feedback_date")),
                SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO targets(id,round_id,team_id,unit_id,mobilization_date,entry_date,"
                    "withdrawal_date,report_date,feedback_date,created_at,updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)",
                    p, 10, NULL);
    json_t *d = json_pack("{s:s,s:s,s:I}", "team_id", team, "unit_id", json_string_value(u), "index",
                          (json_int_t)i);
    json_object_update(d, dates);
    if (!rc) rc = svc_audit(a, tx, ac, "target.create", "target", id, "ok", d, NULL);
    json_decref(d);
    if (!rc) json_array_append_new(items, json_pack("{s:s,s:s}", "id", id, "unit_id",
                                                    json_string_value(u)));
  }
  json_decref(rows);
  json_decref(members);
  json_decref(dates);
  json_decref(t);
  if (rc || svc_commit(a, tx, ac, x)) {
    json_decref(items);
    return rc ? svc_fail(tx, ac, rc, x) : x->status;
  }
  *out = json_pack("{s:I,s:o}", "created", (json_int_t)json_array_size(items), "items", items);
  return 0;
}

int h_team_targets_bulk(req *r) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *out = NULL;
  int rc = svc_targets_bulk(r->app, &ac, r->params[0], json_object_get(r->in, "unit_ids"), r->in,
                            &out, &x);
  api_actor_end(r, &ac);
  return rc ? api_xres(r, &x) : api_ok(r, 201, out);
}

int programme_target_recusal(store_tx *tx, const char *team, const char *unit, xres *x) {
  sval mp[] = {SV_S(team)};
  json_t *members = store_query_json(tx,
                                     "SELECT m.person_id AS person_id, p.name AS name FROM "
                                     "team_members m JOIN persons p ON p.id=m.person_id WHERE "
                                     "m.team_id=$1 AND m.replaced_at IS NULL ORDER BY p.name",
                                     mp, 1);
  if (!members) return STORE_ERR;
  int rc = 0;
  size_t k;
  json_t *m;
  buf b;
  buf_init(&b, API_MSG_MAX - 200);
  buf_list l;
  buf_list_begin(&l, &b, "; ", API_MSG_MAX);
  json_array_foreach(members, k, m) {
    json_t *c = json_array();
    rc = prog_team_conflicts(tx, team, prog_js(m, "person_id"), unit, c);
    if (!rc && json_array_size(c)) {
      buf one;
      buf_init(&one, 3000);
      if (buf_addf(&one, "组员%s须回避: ", prog_js(m, "name")) == BUF_OK) prog_conflicts_text(c, &one);
      buf_list_add(&l, buf_str_or(&one, "组员须回避 (情形较多, 请查看回避检查)"));
      buf_free(&one);
    }
    json_decref(c);
    if (rc) break;
  }
  buf_list_end(&l);
  json_decref(members);
  if (!rc && b.len)
    rc = xres_err(x, 409, "recusal_conflict", "unit_id", "不能将该单位列为本组巡察对象: %s",
                  buf_str_or(&b, "多名组员须回避 (情形较多, 请查看回避检查)"));
  buf_free(&b);
  return rc;
}
