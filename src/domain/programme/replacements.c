/*
 * replacements.c — a team member replaced after mobilization (a member falls
 * ill, a conflict is found on site): the office asks, naming the member, the
 * newcomer and the reason; the newcomer is put to 廉政审核 at once and checked
 * for recusal; the leading group approves (refused while the newcomer's
 * vetting is not 无异议 or a recusal applies) or rejects. At approval, in one
 * transaction: the replaced member's row is marked (replaced_at, replaced_by),
 * never deleted; the newcomer's row is added; the replaced member's grants on
 * the team end (so the team's records are closed to them at once) and the
 * newcomer's accounts are granted the same team role. Lifecycle: wf_replacement
 * (core/workflow.c); handlers: the generic record ones (api/record.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "domain/programme/programme.h"
#include "api/record.h"
#include "api/users.h"

static const char *const origins[] = {"seconded", "commission", NULL};
static const field repl_fields[] = {
    {.name = "team_id", .label = "巡察组", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "member_id", .label = "被调整的成员", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "person_id", .label = "替补人员", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "reason", .label = "调整原因", .type = FT_MEMO, .flags = F_REQUIRED | F_CREATEONLY,
     .max = 1000},
    {.name = "origin", .label = "人员来源", .type = FT_ENUM, .flags = F_CREATEONLY, .values = origins},
    {.name = "source_unit_id", .label = "抽调单位", .type = FT_ID, .flags = F_CREATEONLY},
};
static const char *const repl_state_codes[] = {"requested", "approved", "rejected", NULL};
static const field repl_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "person_id", .label = "替补人员", .type = FT_ID},
    {.name = "old_person_id", .label = "被调整人员", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = repl_state_codes},
};

/* The newcomer's current vetting in the round (NULL: none requested). */
static int current_vetting(store_tx *tx, const char *round, const char *person, char **state) {
  sval p[] = {SV_S(round), SV_S(person)};
  return store_query_text(tx,
                          "SELECT state FROM vettings WHERE round_id=$1 AND person_id=$2 ORDER BY "
                          "requested_at DESC, id DESC LIMIT 1",
                          p, 2, state);
}

/* 409 recusal_conflict naming every conflict of person with the team's
 * targets; 0 when there is none; <0 store error. */
static int recusal_refuse(store_tx *tx, const char *team, const char *person, const char *name,
                          xres *x) {
  json_t *conf = json_array();
  int rc = prog_team_conflicts(tx, team, person, NULL, conf);
  if (!rc && json_array_size(conf)) {
    buf b;
    buf_init(&b, 4000);
    prog_conflicts_text(conf, &b);
    rc = xres_err(x, 409, "recusal_conflict", "person_id", "%s 须回避, 不能替补进入本组: %s", name,
                  buf_str(&b));
    buf_free(&b);
    xres_put(x, "conflicts", json_incref(conf));
  }
  json_decref(conf);
  return rc;
}

static int repl_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *c,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)old;
  if (!parent) return 0;
  const char *st = rec_s(parent, "round_state");
  if (prog_round_open(st))
    return xres_err(x, 409, "invalid_state", "team_id",
                     "巡察轮次尚未动员部署: 请直接调整巡察组成员 (无须领导小组批准)");
  if (!st || wf_in(&ws_round_closed, st))
    return xres_err(x, 409, "invalid_state", "team_id", "巡察轮次已结束, 不能再调整巡察组成员");
  const char *team = rec_s(c, "team_id"), *round = rec_s(c, "round_id");
  const char *person = rec_s(c, "person_id");
  int rc = 0;
  sval mp[] = {SV_S(rec_s(c, "member_id")), SV_S(team)};
  json_t *m = store_query_one(tx,
                              "SELECT m.person_id, m.role, m.origin, m.source_unit_id, m.replaced_at, "
                              "p.name FROM team_members m JOIN persons p ON p.id=m.person_id WHERE "
                              "m.id=$1 AND m.team_id=$2",
                              mp, 2, &rc);
  if (!m) {
    if (rc) return rc;
    return xres_err(x, 400, "invalid_field", "member_id", "「被调整的成员」不是本组成员");
  }
  json_t *np = prog_one(tx, "SELECT name, org_id FROM persons WHERE id=$1", person, &rc);
  int st2 = 0;
  char *vet = NULL;
  int64_t on = 0;
  if (rc) {
    st2 = rc;
  } else if (rec_s(m, "replaced_at")) {
    st2 = xres_err(x, 409, "conflict", "member_id", "%s 已被替换", rec_s(m, "name"));
  } else if (!np) {
    st2 = xres_err(x, 400, "invalid_field", "person_id", "「替补人员」不存在");
  } else {
    sval q[] = {SV_S(round), SV_S(person)};
    rc = store_query_int(tx, "SELECT count(*) FROM team_members WHERE round_id=$1 AND person_id=$2", q,
                         2, &on);
    if (!rc) rc = current_vetting(tx, round, person, &vet);
    if (rc) st2 = rc;
    else if (on) st2 = xres_err(x, 409, "conflict", "person_id", "%s 已在本轮巡察组中", rec_s(np, "name"));
    else if (wf_in(&ws_vetting_objection, vet))
      st2 = xres_err(x, 409, "vetting_objection", "person_id", "%s 的廉政审核有异议, 不能替补",
                      rec_s(np, "name"));
  }
  if (!st2) {
    st2 = recusal_refuse(tx, team, person, rec_s(np, "name"), x);
  }
  if (!st2) {
    /* the newcomer takes over the role; origin and unit default to the newcomer's own */
    const char *origin = rec_s(c, "origin") ? rec_s(c, "origin") : rec_s(m, "origin");
    const char *src = rec_s(c, "source_unit_id");
    if (!strcmp(origin, "commission") && src) {
      st2 = xres_err(x, 400, "invalid_field", "source_unit_id", "纪委监委派员参与的人员不填「抽调单位」");
    } else if (!strcmp(origin, "seconded")) {
      if (!src) src = rec_s(np, "org_id");
      int64_t n = 0;
      sval q[] = {SV_S(src)};
      if (!src) st2 = xres_err(x, 400, "missing_field", "source_unit_id", "抽调人员须填写「抽调单位」");
      else if ((rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1", q, 1, &n)))
        st2 = rc;
      else if (!n) st2 = xres_err(x, 400, "invalid_field", "source_unit_id", "「抽调单位」不存在");
    }
    if (!st2) {
      json_object_set_new(c, "origin", json_string(origin));
      json_object_set_new(c, "source_unit_id", src ? json_string(src) : json_null());
      json_object_set_new(c, "old_person_id", json_string(rec_s(m, "person_id")));
      json_object_set_new(c, "role", json_string(rec_s(m, "role")));
    }
  }
  free(vet);
  json_decref(m);
  json_decref(np);
  return st2;
}

/* After the request: the newcomer is put to 廉政审核 (unless already
 * requested or cleared in this round); the cadre department and the leading
 * group are told. */
static int repl_created(app *a, svc_actor *ac, store_tx *tx, const json_t *row, json_t *answer,
                        xres *x) {
  (void)answer;
  (void)x;
  const char *round = rec_s(row, "round_id"), *person = rec_s(row, "person_id");
  char *vet = NULL;
  int rc = current_vetting(tx, round, person, &vet);
  char title[400];
  if (!rc && !vet) {
    char vid[UUID_LEN];
    rc = prog_request_vetting_svc(a, ac, tx, round, person, vid);
    snprintf(title, sizeof title, "巡察办提请廉政审核 (替补人选): %s, %s", rec_s(row, "round_name"),
             rec_s(row, "person_name"));
    if (!rc) rc = svc_notify(ac, tx, "commission_cadre", "", "vetting", vid, "request", title, "");
  }
  free(vet);
  snprintf(title, sizeof title, "巡察办提请调整巡察组成员, 待领导小组批准: %s", rec_s(row, "title"));
  if (!rc)
    rc = svc_notify(ac, tx, "leading_group", "", "replacement", rec_s(row, "id"), "request", title, "");
  return rc;
}

/* The team role a member's accounts hold. */
static const char *team_role(const char *member_role) {
  return !strcmp(member_role, "leader") ? "team_leader" : "team_member";
}

static int apply_approve(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                         const json_t *row, json_t *d, xres *x) {
  const char *round = rec_s(row, "round_id"), *team = rec_s(row, "team_id");
  const char *person = rec_s(row, "person_id"), *old = rec_s(row, "old_person_id");
  const char *rid = rec_s(row, "id"), *member = rec_s(row, "member_id");
  char *vet = NULL;
  int rc = current_vetting(tx, round, person, &vet);
  if (rc) return rc;
  if (!wf_in(&ws_vetting_clear, vet)) {
    xres_err(x, 409, "not_vetted", "person_id", "%s 的廉政审核%s, 不能批准替补",
              rec_s(row, "person_name"),
              !vet ? "尚未提请" : wf_in(&ws_vetting_pending, vet) ? "尚未答复" : "有异议");
    free(vet);
    return x->status;
  }
  free(vet);
  if ((rc = recusal_refuse(tx, team, person, rec_s(row, "person_name"), x))) return rc;
  char now[TS_LEN], nid[UUID_LEN];
  ts_now(now);
  uuid7(nid);
  /* the replaced member's row: marked, kept */
  sval up[] = {SV_S(now), SV_S(nid), SV_S(rid), SV_S(member)};
  int64_t n = 0;
  rc = store_exec(tx,
                  "UPDATE team_members SET replaced_at=$1, replaced_by=$2, replacement_id=$3, "
                  "version=version+1, updated_at=$1 WHERE id=$4 AND replaced_at IS NULL",
                  up, 4, &n);
  if (!rc && n != 1) {
    xres_err(x, 409, "conflict", "member_id", "该成员已被替换");
    return x->status;
  }
  sval ip[] = {SV_S(nid), SV_S(round), SV_S(team), SV_S(person), SV_S(rec_s(row, "role")),
               SV_S(rec_s(row, "origin")), SV_S(rec_s(row, "source_unit_id")),
               SV_S(ac->user_id), SV_S(now), SV_S(rid)};
  if (!rc)
    rc = store_exec(tx,
                    "INSERT INTO team_members(id,round_id,team_id,person_id,role,origin,"
                    "source_unit_id,created_by,created_at,updated_at,replacement_id) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$9,$10)",
                    ip, 10, NULL);
  if (rc == STORE_CONFLICT) {
    xres_err(x, 409, "conflict", "person_id", "替补人员已在本轮巡察组中");
    return x->status;
  }
  const char *note = rec_s(in, "note");
  sval dp[] = {SV_S(now), SV_S(ac->user_id), SV_S(note), SV_S(nid), SV_S(rid)};
  if (!rc)
    rc = store_exec(tx,
                    "UPDATE member_replacements SET decided_at=$1, decided_by=$2, decision_note=$3, "
                    "new_member_id=$4 WHERE id=$5",
                    dp, 5, NULL);
  /* access follows membership: the replaced member's team grants end ... */
  json_t *revoked = json_array(), *granted = json_array();
  if (!rc) {
    sval gp[] = {SV_S(old), SV_S(team)};
    json_t *gs = store_query_json(tx,
                                  "SELECT g.id AS id, g.user_id AS user_id, g.role AS role FROM "
                                  "user_roles g JOIN users u ON u.id=g.user_id WHERE u.person_id=$1 "
                                  "AND g.scope_kind='team' AND g.scope_id=$2 ORDER BY g.id",
                                  gp, 2);
    if (!gs) rc = STORE_ERR;
    size_t i;
    json_t *g;
    json_array_foreach(gs, i, g) {
      if (rc) break;
      sval q[] = {SV_S(rec_s(g, "id"))};
      rc = store_exec(tx, "DELETE FROM user_roles WHERE id=$1", q, 1, NULL);
      json_t *ad = json_pack("{s:s,s:s,s:s,s:s}", "grant_id", rec_s(g, "id"), "role",
                             rec_s(g, "role"), "team_id", team, "replacement_id", rid);
      if (!rc) rc = svc_audit(a, tx, ac, "role.revoke", "user", rec_s(g, "user_id"), "ok", ad, NULL);
      json_decref(ad);
      json_array_append_new(revoked, json_string(rec_s(g, "user_id")));
    }
    json_decref(gs);
  }
  /* ... and the newcomer's accounts get the same role on the team */
  if (!rc) {
    const char *role = team_role(rec_s(row, "role"));
    sval up2[] = {SV_S(person)};
    json_t *us = store_query_json(tx, "SELECT id FROM users WHERE person_id=$1 AND disabled=0 ORDER BY id",
                                  up2, 1);
    if (!us) rc = STORE_ERR;
    size_t i;
    json_t *u;
    json_array_foreach(us, i, u) {
      if (rc) break;
      int64_t have = 0;
      sval hq[] = {SV_S(rec_s(u, "id")), SV_S(role), SV_S(team)};
      rc = store_query_int(tx, "SELECT count(*) FROM user_roles WHERE user_id=$1 AND role=$2 AND "
                               "scope_kind='team' AND scope_id=$3", hq, 3, &have);
      if (rc || have) continue;
      char gid[UUID_LEN];
      xres gx = XRES_INIT;
      int g = users_grant(a, tx, rec_s(u, "id"), role, team, ac->user_id, gid, &gx);
      if (g > 0) continue; /* e.g. the account is one of 三员: never a team role */
      rc = g;
      json_t *ad = json_pack("{s:s,s:s,s:s,s:s}", "grant_id", gid, "role", role, "team_id", team,
                             "replacement_id", rid);
      if (!rc) rc = svc_audit(a, tx, ac, "role.grant", "user", rec_s(u, "id"), "ok", ad, NULL);
      json_decref(ad);
      json_array_append_new(granted, json_string(rec_s(u, "id")));
    }
    json_decref(us);
  }
  json_object_set_new(d, "member_id", json_string(member));
  json_object_set_new(d, "new_member_id", json_string(nid));
  json_object_set_new(d, "revoked_users", revoked);
  json_object_set_new(d, "granted_users", granted);
  return rc;
}

static int apply_reject(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                        const json_t *row, json_t *d, xres *x) {
  (void)d;
  (void)a;
  (void)x;
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(ac->user_id), SV_S(rec_s(in, "reason")), SV_S(rec_s(row, "id"))};
  return store_exec(tx,
                    "UPDATE member_replacements SET decided_at=$1, decided_by=$2, decision_note=$3 "
                    "WHERE id=$4",
                    p, 4, NULL);
}

static const field f_note[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const field f_reason[] = {{.name = "reason", .label = "理由", .type = FT_MEMO,
                                  .flags = F_REQUIRED, .max = 2000}};
static const lc_hook repl_hooks[] = {
    {.verb = "approve", .fields = f_note, .nfields = NF(f_note), .apply = apply_approve},
    {.verb = "reject", .fields = f_reason, .nfields = NF(f_reason), .apply = apply_reject},
};

static void repl_fix(store_tx *tx, json_t *row) {
  char *vet = NULL;
  if (!current_vetting(tx, rec_s(row, "round_id"), rec_s(row, "person_id"), &vet))
    json_object_set_new(row, "vetting", vet ? json_string(vet) : json_null());
  free(vet);
}

/* Read by those who read vettings (office, leading group, cadre department):
 * the reason may be about a person's health or a conflict. No unit scope:
 * the records belong to a team only (unit_id is always NULL). */
const rec_kind rk_replacement = {
    .name = "replacement",
    .label = "巡察组成员调整",
    .table = "member_replacements",
    .cols = "x.id, x.version, x.round_id, r.name AS round_name, x.team_id, tm.name AS team_name, "
            "NULL AS unit_id, NULL AS supervisor_id, x.member_id, x.old_person_id, op.name AS "
            "old_person_name, x.person_id, np.name AS person_name, x.role, x.origin, "
            "x.source_unit_id, x.reason, x.state, x.decided_at, x.decided_by, x.decision_note, "
            "x.new_member_id, x.created_by, x.created_at, x.updated_at, tm.name || ': ' || op.name "
            "|| ' → ' || np.name AS title",
    .from = "member_replacements x JOIN rounds r ON r.id=x.round_id JOIN teams tm ON "
            "tm.id=x.team_id JOIN persons op ON op.id=x.old_person_id JOIN persons np ON "
            "np.id=x.person_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_replacement, /* never released to a unit */
    .list_act = A_VETTING_LIST,
    .create_act = A_TEAM_WRITE,
    .edit_act = A_TEAM_WRITE,
    .fields = repl_fields,
    .nfields = NF(repl_fields),
    .filters = repl_filters,
    .nfilters = NF(repl_filters),
    .search_col = "x.reason",
    .parent_field = "team_id",
    .parent_sql = "SELECT t.round_id, t.id AS team_id, r.state AS round_state FROM teams t JOIN "
                  "rounds r ON r.id=t.round_id WHERE t.id=$1",
    .edit_state = NULL, /* never edited: a new request replaces a rejected one */
    .prepare = repl_prepare,
    .created = repl_created,
    .fix = repl_fix,
    .hooks = repl_hooks,
    .nhooks = NF(repl_hooks),
    .wf = &wf_replacement,
};
