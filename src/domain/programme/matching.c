/*
 * matching.c — team matching suggestions (智能匹配) with the reason for each,
 * and cadre movements between patrol and commission posts with their counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "core/workflow.h"
#include "domain/programme/programme.h"

/* ---- team matching (智能匹配) ------------------------------------------------------------- */
enum { MATCH_POOL = 5000, MATCH_MAX = 50, MATCH_TAGS = 12 };

/* Suggests members for each team of a round (or ?team_id=): from the pool,
 * people not on a team of the round, whose latest vetting is not 有异议, with
 * no unexcepted recusal conflict with any of the team's targets; greedily
 * covering the requested ?tags= first, then the fewest rounds served. */
int h_round_suggestions(req *r) {
  /* ?tags= is a comma-separated list of expertise tags: at most MATCH_TAGS
   * of them (a declared cap: more is 400 too_many_params naming "tags") */
  static const arg_decl match_args[] = {
      {.name = "team_id", .label = "巡察组", .type = ARG_ID, .flags = ARG_NONEMPTY,
       .msg = "「巡察组」无效"},
      {.name = "tags", .label = "专长", .type = ARG_ENUM, .values = prog_expertise,
       .flags = ARG_LIST | ARG_EMPTY_NULL, .count = MATCH_TAGS},
      {.name = "count", .label = "人数", .type = ARG_INT, .min = 1, .max = MATCH_MAX},
  };
  static const args_spec match_spec = {.decls = match_args, .n = ARGS_N(match_args)};
  args qa;
  if (api_args(r, &match_spec, 0, &qa)) {
    args_free(&qa);
    return r->status;
  }
  const char *team_arg = req_arg(r, "team_id"); /* checked above */
  const arg_val *cv = args_get(&qa, "count");
  long want = cv ? (long)cv->i : 5;
  json_t *need = json_array();
  for (int i = 0; i < qa.nv; i++)
    if (!strcmp(qa.v[i].d->name, "tags")) json_array_append_new(need, json_string(qa.v[i].s));
  args_free(&qa);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) {
    json_decref(need);
    return api_store_error(r, rc, NULL);
  }
  /* the round, its teams and the pool as the visibility model shows them to
   * this user (core/visibility.c): rounds, teams and persons they see, and of
   * each person only the parts the person's declaration lets them see (the
   * rounds served, the last vetting, the expertise tags); a part withheld is
   * null here and neither ranks nor excludes anyone */
  const principal *who = &r->who;
  enum { MAXP = 2 + 5 * VIS_MAXP };
  sval rp[MAXP];
  int nrp = 0, bad = 0;
  rp[nrp++] = SV_S(r->params[0]);
  rp[nrp++] = SV_S(team_arg);
  buf tq;
  buf_init(&tq, 4096);
  buf_adds(&tq, "SELECT t.id AS id, t.name AS name FROM teams t WHERE t.round_id=$1 AND ($2 IS NULL "
                "OR t.id=$2)");
  bad |= vis_in(&vis_team, who, vis_team.read, "t.id", &tq, rp, &nrp, VIS_MAXP);
  buf_adds(&tq, " ORDER BY t.name");
  json_t *teams = bad ? NULL : store_query_json(tx, buf_str(&tq), rp, nrp);
  buf_free(&tq);
  int64_t nround = 0;
  if (teams) {
    sval op[1 + VIS_MAXP] = {SV_S(r->params[0])};
    int nop = 1;
    buf oq;
    buf_init(&oq, 2048);
    buf_adds(&oq, "SELECT count(*) FROM rounds r WHERE r.id=$1");
    if (vis_in(&vis_round, who, vis_round.read, "r.id", &oq, op, &nop, VIS_MAXP)) rc = STORE_ERR;
    else rc = store_query_int(tx, buf_str(&oq), op, nop, &nround);
    buf_free(&oq);
  } else {
    rc = STORE_ERR;
  }
  json_t *pool = NULL;
  if (!rc && nround) {
    sval pp[MAXP];
    int np = 0;
    pp[np++] = SV_S(r->params[0]);
    pp[np++] = SV_I(MATCH_POOL);
    const action_id see_rounds = vis_field_need(&vis_person, "rounds"),
                    see_vetting = vis_field_need(&vis_person, "vettings"),
                    see_tags = vis_field_need(&vis_person, "tags");
    buf q;
    buf_init(&q, 16384);
    buf_adds(&q, "SELECT p.id AS person_id, p.name, o.name AS org_name, p.post, CASE WHEN ");
    bad |= vis_expr(&vis_person, who, see_rounds, "p.id", &q, pp, &np, VIS_MAXP);
    /* rounds actually served: mobilized or later (a planned round is not served) */
    buf_adds(&q,
             " THEN (SELECT count(*) FROM team_members m JOIN rounds sr ON sr.id=m.round_id WHERE "
             " m.person_id=p.id AND sr.state NOT IN " WSQL_ROUND_OPEN_FOR_MEMBERS ") END AS "
             "rounds_served, CASE WHEN ");
    bad |= vis_expr(&vis_person, who, see_rounds, "p.id", &q, pp, &np, VIS_MAXP);
    buf_adds(&q,
             " THEN (SELECT group_concat(name, char(31)) FROM (SELECT sr.name FROM team_members m "
             "JOIN rounds sr ON sr.id=m.round_id WHERE m.person_id=p.id AND sr.state NOT IN "
             WSQL_ROUND_OPEN_FOR_MEMBERS " ORDER BY coalesce(sr.planned_start, sr.created_at) DESC, "
             " sr.created_at DESC, sr.id DESC)) END AS served_names, CASE WHEN ");
    bad |= vis_expr(&vis_person, who, see_vetting, "p.id", &q, pp, &np, VIS_MAXP);
    buf_adds(&q,
             " THEN (SELECT v.state FROM vettings v WHERE v.person_id=p.id ORDER BY v.requested_at "
             "DESC, v.id DESC LIMIT 1) END AS last_vetting, CASE WHEN ");
    bad |= vis_expr(&vis_person, who, see_tags, "p.id", &q, pp, &np, VIS_MAXP);
    buf_adds(&q,
             " THEN (SELECT group_concat(tag, '、') FROM (SELECT tag FROM person_tags g WHERE "
             " g.person_id=p.id ORDER BY tag)) END AS tags "
             "FROM persons p LEFT JOIN orgs o ON o.id=p.org_id WHERE NOT EXISTS (SELECT 1 FROM "
             "team_members m WHERE m.round_id=$1 AND m.person_id=p.id)");
    bad |= vis_in(&vis_person, who, vis_person.read, "p.id", &q, pp, &np, VIS_MAXP);
    buf_adds(&q, " ORDER BY rounds_served, p.name, p.id LIMIT $2");
    pool = bad ? NULL : store_query_json(tx, buf_str(&q), pp, np);
    buf_free(&q);
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
      const char *pid = prog_js(p, "person_id");
      if (json_object_get(taken, pid)) continue;
      const char *lv = prog_js(p, "last_vetting");
      if (wf_in(&ws_vetting_objection, lv)) continue;
      json_t *c = json_array();
      rc = prog_team_conflicts(tx, prog_js(team, "id"), pid, NULL, c);
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
        const char *tg = prog_js(p, "tags");
        int cov = 0;
        json_t *u;
        json_array_foreach(uncovered, k, u) cov += tg && strstr(tg, json_string_value(u)) != NULL;
        if (cov > best_cov) best_cov = cov, best = pi;
      }
      p = json_array_get(eligible, best);
      const char *tg = prog_js(p, "tags");
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
      if (json_array_size(covered)) {
        buf_adds(&why, "补足专长 ");
        json_t *u;
        json_array_foreach(covered, k, u) buf_addf(&why, "%s%s", k ? "、" : "", json_string_value(u));
        buf_adds(&why, "; ");
      }
      /* the rounds served, most recent first */
      json_t *served = json_array();
      const char *sn = prog_js(p, "served_names");
      for (const char *a = sn; a && *a;) {
        const char *e = strchr(a, '\x1f');
        size_t L = e ? (size_t)(e - a) : strlen(a);
        json_array_append_new(served, json_stringn(a, L));
        a = e ? e + 1 : a + L;
      }
      buf_addf(&why, "已参加巡察 %lld 轮",
               (long long)json_integer_value(json_object_get(p, "rounds_served")));
      if (json_array_size(served))
        buf_addf(&why, " (最近: %s)", json_string_value(json_array_get(served, 0)));
      buf_adds(&why, "; ");
      const char *lv = prog_js(p, "last_vetting");
      buf_addf(&why, "%s; 与本组巡察对象无回避情形",
               !lv ? "尚未进行廉政审核 (可提请)" : wf_in(&ws_vetting_clear, lv) ? "最近一次廉政审核无异议"
                                                                   : "廉政审核待答复");
      if (buf_failed(&why)) { /* many long tags: the reason without their names */
        buf_reset(&why);
        buf_adds(&why, "补足所缺专长 (详见 covers)");
      }
      json_t *s = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:O,s:o,s:s?,s:O,s:s}", "person_id",
                            prog_js(p, "person_id"), "name", prog_js(p, "name"), "org_name",
                            prog_js(p, "org_name"), "post", prog_js(p, "post"), "tags", prog_js(p, "tags"),
                            "rounds_served", json_object_get(p, "rounds_served"), "served_rounds",
                            served, "last_vetting", lv, "covers", covered, "reason", buf_str(&why));
      json_decref(covered);
      buf_free(&why);
      json_array_append_new(picks, s);
      json_object_set_new(taken, prog_js(p, "person_id"), json_true());
      json_array_remove(eligible, best);
    }
    json_array_append_new(out, json_pack("{s:s,s:s,s:o,s:o}", "team_id", prog_js(team, "id"),
                                         "team_name", prog_js(team, "name"), "suggestions", picks,
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
    {.name = "person_id", .label = "人员", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "kind", .label = "交流类别", .type = FT_ENUM, .flags = F_REQUIRED,
     .values = movement_kinds},
    {.name = "from_org_id", .label = "原单位", .type = FT_ID},
    {.name = "from_post", .label = "原职务", .type = FT_TEXT, .max = 100},
    {.name = "to_org_id", .label = "新单位", .type = FT_ID},
    {.name = "to_post", .label = "新职务", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "moved_on", .label = "交流日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "note", .label = "备注", .type = FT_MEMO, .max = 1000},
};

#define MOVEMENT_SELECT                                                                        \
  "SELECT c.id, c.person_id, p.name AS person_name, c.kind, c.from_org_id, f.name AS "         \
  "from_org_name, c.from_post, c.to_org_id, t.name AS to_org_name, c.to_post, c.moved_on, "     \
  "c.note, c.created_at FROM cadre_movements c JOIN persons p ON p.id=c.person_id LEFT JOIN "   \
  "orgs f ON f.id=c.from_org_id LEFT JOIN orgs t ON t.id=c.to_org_id "

int h_movements_create(req *r) {
  if (api_body(r, movement_fields, NF(movement_fields), false)) return r->status;
  if (!*prog_js(r->in, "to_post")) return api_error(r, 400, "missing_field", "to_post", "须填写「新职务」");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  static const char *const refs[][3] = {{"person_id", "SELECT count(*) FROM persons WHERE id=$1", "人员"},
                                        {"from_org_id", "SELECT count(*) FROM orgs WHERE id=$1", "原单位"},
                                        {"to_org_id", "SELECT count(*) FROM orgs WHERE id=$1", "新单位"}};
  for (int i = 0; i < 3; i++) {
    const char *v = prog_js(r->in, refs[i][0]);
    if (!v) continue;
    int64_t n = 0;
    sval q[] = {SV_S(v)};
    if ((rc = store_query_int(tx, refs[i][1], q, 1, &n))) return prog_fail(r, tx, rc);
    if (!n) {
      api_error(r, 400, "invalid_field", refs[i][0], "「%s」不存在", refs[i][2]);
      return prog_fail(r, tx, 0);
    }
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id), SV_S(prog_js(r->in, "person_id")), SV_S(prog_js(r->in, "kind")),
              SV_S(prog_js(r->in, "from_org_id")), SV_S(prog_js(r->in, "from_post")),
              SV_S(prog_js(r->in, "to_org_id")), SV_S(prog_js(r->in, "to_post")),
              SV_S(prog_js(r->in, "moved_on")), SV_S(prog_js(r->in, "note")), SV_S(r->who.user_id),
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
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  return prog_done(r, tx, 201, row);
}

static const field movement_filters[] = {
    {.name = "person_id", .label = "人员", .type = FT_ID},
    {.name = "kind", .label = "交流类别", .type = FT_ENUM, .values = movement_kinds},
};

int h_movements_list(req *r) {
  return prog_filtered_list(r, MOVEMENT_SELECT, "SELECT count(*) FROM cadre_movements c", "c.",
                       movement_filters, NF(movement_filters), "c.moved_on DESC, c.id DESC", &vis_movement);
}

/* One count over kind k (alias x) narrowed by the visibility model: the
 * statement is "<head> <table> x WHERE <cond> AND <model> <tail>". */
static int model_sql(const principal *who, const vis_kind *k, const char *head, const char *cond,
                     const char *tail, buf *q, sval *p, int *np) {
  buf_reset(q);
  *np = 0;
  return buf_addf(q, "%s %s x WHERE %s", head, k->table, cond) ||
                 vis_where(k, who, k->read, q, p, np, VIS_MAXP) || buf_adds(q, tail)
             ? STORE_ERR
             : 0;
}

/* The seed's figures: movements by kind (4 + 1 + 1), commission cadres who
 * served on teams (32), people vetted (292). */
int h_cadre_stats(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  /* each figure over the rows of its kind the visibility model lets the
   * user read (movements, team members, vettings) */
  buf q;
  buf_init(&q, 8192);
  sval p[VIS_MAXP];
  int np = 0;
  json_t *by = NULL;
  rc = model_sql(&r->who, &vis_movement, "SELECT kind, count(*) AS n FROM", "1",
                 " GROUP BY kind ORDER BY kind", &q, p, &np);
  if (!rc) by = store_query_json(tx, buf_str(&q), p, np);
  int64_t served = 0, vetted = 0, objections = 0;
  if (!by) rc = STORE_ERR;
  if (!rc) rc = model_sql(&r->who, &vis_member, "SELECT count(DISTINCT person_id) FROM",
                          "origin='commission'", "", &q, p, &np);
  if (!rc) rc = store_query_int(tx, buf_str(&q), p, np, &served);
  if (!rc) rc = model_sql(&r->who, &vis_vetting, "SELECT count(DISTINCT person_id) FROM",
                          "state NOT IN " WSQL_VETTING_PENDING, "", &q, p, &np);
  if (!rc) rc = store_query_int(tx, buf_str(&q), p, np, &vetted);
  if (!rc) rc = model_sql(&r->who, &vis_vetting, "SELECT count(*) FROM", "state IN " WSQL_VETTING_OBJECTION, "",
                          &q, p, &np);
  if (!rc) rc = store_query_int(tx, buf_str(&q), p, np, &objections);
  buf_free(&q);
  store_rollback(tx);
  if (rc) {
    json_decref(by);
    return api_store_error(r, rc, NULL);
  }
  json_t *m = json_object();
  for (int i = 0; movement_kinds[i]; i++) json_object_set_new(m, movement_kinds[i], json_integer(0));
  size_t i;
  json_t *it;
  json_array_foreach(by, i, it) json_object_set(m, prog_js(it, "kind"), json_object_get(it, "n"));
  json_decref(by);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "movements", m,
                                  "commission_cadres_served", (json_int_t)served, "persons_vetted",
                                  (json_int_t)vetted, "objections", (json_int_t)objections));
}
