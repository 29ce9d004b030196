/*
 * test_aggregates.c — issue 15: which figures are answered from a
 * maintained aggregate, and that the visibility condition over the
 * aggregate is the kind's own declaration with only `handed` materialized.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "report/aggregates.h"
#include "t.h"
#include "util/buf.h"

static principal who(role_id r, scope_kind sk, const char *scope) {
  principal p;
  memset(&p, 0, sizeof p);
  p.ngrants = 1;
  p.grants[0].role = r;
  p.grants[0].sk = sk;
  if (scope) strcpy(p.grants[0].scope_id, scope);
  strcpy(p.login, roles[r].name);
  return p;
}

TEST(aggregate_answers_problem_figures_over_whole_months_only) {
  mfilters f;
  memset(&f, 0, sizeof f);
  mscope s = {.all = true};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, NULL);
  agg_plan p;
  CHECK(agg_plan_for(&c, measure_find("problems_found"), &p));
  CHECK(strstr(p.what, "sum(pr.n)") != NULL);
  CHECK(agg_plan_for(&c, measure_find("problems_amount"), &p));
  CHECK(strstr(p.what, "sum(pr.amount_fen)") != NULL);
  CHECK(agg_plan_for(&c, measure_find("problems_rectified"), &p));
  /* no aggregate for the source, or a condition on today, or not a sum */
  CHECK(!agg_plan_for(&c, measure_find("feedback_meetings"), &p));
  CHECK(!agg_plan_for(&c, measure_find("vettings_answered"), &p));
  CHECK(!agg_plan_for(&c, measure_find("briefings_overdue"), &p));
  CHECK(!agg_plan_for(&c, measure_find("rect_tasks_overdue"), &p));
  CHECK(!agg_plan_for(&c, measure_find("people_accountable"), &p));
  /* (034) a duration: its day-count histogram, without the measure's own conditions */
  CHECK(agg_plan_for(&c, measure_find("days_handover_to_registration"), &p));
  CHECK_STR(p.days, "c.days");
  CHECK(strstr(p.what, "sum(c.n)") != NULL && p.m.where == NULL);
  CHECK(strstr(p.src.from, "agg_clue_days_hr") != NULL);
  /* migration 023: tasks, accountability (an @outcomes list is no condition on
   * today; distributions sum per code), clues */
  CHECK(agg_plan_for(&c, measure_find("rect_tasks_total"), &p));
  CHECK(strstr(p.what, "sum(k.n)") != NULL);
  CHECK(agg_plan_for(&c, measure_find("people_party_discipline"), &p));
  CHECK(agg_plan_for(&c, measure_find("four_forms"), &p));
  CHECK(strstr(p.what, "sum(a.n)") != NULL);
  CHECK(agg_plan_for(&c, measure_find("funds_total"), &p));
  CHECK(agg_plan_for(&c, measure_find("clues_case_filed"), &p));
  CHECK(agg_plan_for(&c, measure_find("clue_results"), &p));
  /* no filter on the round's campaign or kind or the unit's level: the aggregate alone */
  CHECK(strstr(p.src.from, "JOIN rounds") == NULL);
  /* migration 025: petitions, assistance, reports, targets */
  CHECK(agg_plan_for(&c, measure_find("feedback_given"), &p));
  CHECK(agg_plan_for(&c, measure_find("feedback_attendees"), &p));
  CHECK(strstr(p.what, "sum(rp.attendees)") != NULL);
  CHECK(agg_plan_for(&c, measure_find("feedback_copied"), &p));
  CHECK(agg_plan_for(&c, measure_find("petitions_received"), &p));
  CHECK(agg_plan_for(&c, measure_find("petitions_to_clue"), &p));
  CHECK(agg_plan_for(&c, measure_find("assistance_requests"), &p));
  CHECK(agg_plan_for(&c, measure_find("assistance_completed"), &p));
  CHECK(agg_plan_for(&c, measure_find("targets_inspected"), &p));
  CHECK(agg_plan_for(&c, measure_find("days_assistance_turnaround"), &p));
  CHECK(strstr(p.src.from, "agg_assist_days") != NULL);
  CHECK_STR(p.days, "s.days");
  CHECK(!agg_plan_for(&c, measure_find("rectification_rate"), &p));
  /* whole months: from the aggregate, as months; any other range: the records */
  f.v[MF_FROM] = "2024-02-01";
  f.v[MF_TO] = "2024-02-29";
  CHECK(agg_plan_for(&c, measure_find("problems_found"), &p));
  CHECK_STR(p.f.v[MF_FROM], "2024-02");
  CHECK_STR(p.f.v[MF_TO], "2024-02");
  CHECK_STR(p.m.date, "pr.month");
  f.v[MF_TO] = "2024-02-28";
  CHECK(!agg_plan_for(&c, measure_find("problems_found"), &p));
  f.v[MF_TO] = NULL;
  f.v[MF_FROM] = "2024-02-02";
  CHECK(!agg_plan_for(&c, measure_find("problems_found"), &p));
  /* clues are dated by a timestamp (Shanghai days): any range from the records; a
   * figure dated by another column than the aggregate's month too */
  f.v[MF_FROM] = "2024-02-01";
  CHECK(!agg_plan_for(&c, measure_find("clues_handed_over"), &p));
  CHECK(!agg_plan_for(&c, measure_find("assistance_completed"), &p));
  CHECK(agg_plan_for(&c, measure_find("petitions_received"), &p));
  CHECK_STR(p.m.date, "pe.month");
  CHECK(p.level == AGG_DETAIL); /* a date range: the detail table's months */
  CHECK(!agg_plan_for(&c, measure_find("clues_case_filed"), &p));
  CHECK(agg_plan_for(&c, measure_find("accountability_records"), &p));
  CHECK_STR(p.m.date, "a.month");
  f.v[MF_FROM] = NULL;
  f.v[MF_LEVEL] = "village";
  CHECK(agg_plan_for(&c, measure_find("accountability_records"), &p));
  CHECK(strstr(p.src.from, "JOIN orgs u") != NULL);
}

/* The condition a user's figure sums under: the kind's rules on the aggregate's columns. */
static void cond_for(const principal *u, buf *sql) {
  mfilters f;
  memset(&f, 0, sizeof f);
  mscope s = {.who = u, .act = A_STATS_READ};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, u);
  agg_plan p;
  CHECK(agg_plan_for(&c, measure_find("problems_found"), &p));
  sval v[MEASURE_MAXP];
  int nv = 0;
  CHECK_INT(measure_from_where(&p.m, &f, &s, c.today, sql, v, &nv), 0);
  CHECK(!buf_failed(sql));
}

TEST(aggregate_visibility_is_the_kinds_declaration) {
  principal liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL);
  principal leader = who(R_TEAM_LEADER, SK_TEAM, "team-a");
  principal unit = who(R_UNIT_LIAISON, SK_UNIT, "unit-1");
  buf b;
  buf_init(&b, 16384);
  cond_for(&liaison, &b);
  /* the commission's rule: the materialized handed column, no sub-select per record */
  CHECK(strstr(buf_str(&b), "x.handed = 1") != NULL);
  CHECK(strstr(buf_str(&b), "report_copies") == NULL);
  /* (024) the commission's rule covers whole teams: the rollup by team */
  CHECK(strstr(buf_str(&b), "FROM agg_problems_by_team x") != NULL);
  CHECK(strstr(buf_str(&b), " IN (SELECT x.id") == NULL);
  buf_reset(&b);
  cond_for(&leader, &b);
  CHECK(strstr(buf_str(&b), "x.team_id IN") != NULL);
  CHECK(strstr(buf_str(&b), "x.handed") == NULL);
  buf_reset(&b);
  cond_for(&unit, &b);
  /* the unit side: released states of the workflow, on the aggregate's state column;
   * a rule by unit and none by team: (035) the rollup by unit alone (the one by team
   * has no unit) */
  CHECK(strstr(buf_str(&b), "FROM agg_problems_units x") != NULL);
  CHECK(strstr(buf_str(&b), "x.unit_id IN") != NULL);
  CHECK(strstr(buf_str(&b), "x.state IN") != NULL);
  buf_free(&b);
}

/* 023: a task's and an accountability record's commission rule is the materialized
 * handed column; a clue's is its own state set, kept on the aggregate's state. */
static void cond_of(const principal *u, const char *name, buf *sql) {
  mfilters f;
  memset(&f, 0, sizeof f);
  mscope s = {.who = u, .act = A_STATS_READ};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, u);
  agg_plan p;
  CHECK(agg_plan_for(&c, measure_find(name), &p));
  sval v[MEASURE_MAXP];
  int nv = 0;
  CHECK_INT(measure_from_where(&p.m, &f, &s, c.today, sql, v, &nv), 0);
  CHECK(!buf_failed(sql));
}

TEST(aggregate_023_handed_rules) {
  principal liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL);
  principal leader = who(R_TEAM_LEADER, SK_TEAM, "team-a");
  buf b;
  buf_init(&b, 16384);
  cond_of(&liaison, "rect_tasks_total", &b);
  CHECK(strstr(buf_str(&b), "FROM agg_rect_tasks_by_team x") != NULL);
  CHECK(strstr(buf_str(&b), "x.handed = 1") != NULL);
  CHECK(strstr(buf_str(&b), "report_copies") == NULL);
  buf_reset(&b);
  /* (no role reads accountability by P_HANDED today: the column keeps the declaration's
   * rule for when one does; the team's scope is the kind's own) */
  cond_of(&leader, "accountability_records", &b);
  CHECK(strstr(buf_str(&b), "FROM agg_accountability_by_team x") != NULL);
  CHECK(strstr(buf_str(&b), "x.team_id IN") != NULL);
  CHECK(strstr(buf_str(&b), "FROM clues") == NULL);
  CHECK(strstr(buf_str(&b), "report_copies") == NULL);
  buf_reset(&b);
  cond_of(&liaison, "clues_handed_over", &b);
  CHECK(strstr(buf_str(&b), "FROM agg_clues_by_team x") != NULL);
  CHECK(strstr(buf_str(&b), "x.state IN") != NULL);
  CHECK(strstr(buf_str(&b), "x.handed") == NULL);
  buf_free(&b);
}

/* 024: the rollup by team answers where nothing needs the unit or the month,
 * the rollup by unit where only the unit is needed, the detail table where
 * the month is; XUNJI_STATS_NO_ROLLUP=1 never. */
TEST(rollup_only_where_the_scope_covers_whole_teams) {
  mfilters f;
  memset(&f, 0, sizeof f);
  mscope all = {.all = true};
  stats_ctx c;
  stats_ctx_init(&c, &f, &all, NULL);
  agg_plan p;
  const measure *pf = measure_find("problems_found");
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_BY_TEAM);
  CHECK_STR(p.vis.table, "agg_problems_by_team");
  CHECK(strstr(p.src.from, "JOIN rounds") == NULL);
  CHECK(agg_plan_by(&c, pf, MF_TEAM, &p) && p.level == AGG_BY_TEAM);
  CHECK(agg_plan_by(&c, pf, MF_ROUND, &p) && p.level == AGG_BY_TEAM);
  /* a chart by unit: (035) the rollup by unit alone; XUNJI_STATS_NO_UNITS=1: by unit */
  CHECK(agg_plan_by(&c, pf, MF_UNIT, &p) && p.level == AGG_UNITS);
  CHECK_STR(p.vis.table, "agg_problems_units");
  setenv("XUNJI_STATS_NO_UNITS", "1", 1);
  CHECK(agg_plan_by(&c, pf, MF_UNIT, &p) && p.level == AGG_BY_UNIT);
  unsetenv("XUNJI_STATS_NO_UNITS");
  /* the round or the team is needed too: the rollup by unit (with round and team) */
  f.v[MF_ROUND] = "round-a";
  CHECK(agg_plan_by(&c, pf, MF_UNIT, &p) && p.level == AGG_BY_UNIT);
  f.v[MF_ROUND] = NULL;
  f.v[MF_ROUND_KIND] = "regular";
  CHECK(agg_plan_by(&c, pf, MF_UNIT, &p) && p.level == AGG_BY_UNIT);
  f.v[MF_ROUND_KIND] = NULL;
  f.v[MF_CAMPAIGN] = "脱贫攻坚"; /* the round's campaign: the rollup joined to rounds */
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_BY_TEAM && strstr(p.src.from, "JOIN rounds r") != NULL);
  f.v[MF_CAMPAIGN] = NULL;
  f.v[MF_TEAM] = "team-a";
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_BY_TEAM);
  f.v[MF_TEAM] = NULL;
  f.v[MF_UNIT] = "unit-1";
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_UNITS);
  f.v[MF_TEAM] = "team-a";
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_BY_UNIT);
  f.v[MF_TEAM] = NULL;
  f.v[MF_UNIT] = NULL;
  f.v[MF_LEVEL] = "village";
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_UNITS && strstr(p.src.from, "JOIN orgs u") != NULL);
  f.v[MF_LEVEL] = NULL;
  f.v[MF_FROM] = "2024-02-01";
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_DETAIL);
  /* a date filter on a figure without a date does not need the month */
  CHECK(agg_plan_for(&c, measure_find("assistance_completed"), &p) == false);
  f.v[MF_FROM] = NULL;
  /* users: a team, the commission (handed), a unit, a dispatched group */
  principal leader = who(R_TEAM_LEADER, SK_TEAM, "team-a");
  principal liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL);
  principal unit = who(R_UNIT_LIAISON, SK_UNIT, "unit-1");
  principal dg = who(R_DISPATCHED_GROUP, SK_ORG, "org-1");
  const principal *users[] = {&leader, &liaison, &unit, &dg};
  const agg_level roll[] = {AGG_BY_TEAM, AGG_BY_TEAM, AGG_UNITS, AGG_UNITS};
  /* a chart by unit: a team's rule needs the team (the rollup by unit) */
  const agg_level by_unit[] = {AGG_BY_UNIT, AGG_UNITS, AGG_UNITS, AGG_UNITS};
  for (int i = 0; i < 4; i++) {
    mscope s = {.who = users[i], .act = A_STATS_READ};
    stats_ctx_init(&c, &f, &s, users[i]);
    CHECK(agg_plan_for(&c, pf, &p));
    CHECK(p.level == roll[i]);
    CHECK(agg_plan_by(&c, pf, MF_UNIT, &p));
    CHECK(p.level == by_unit[i]);
  }
  /* off: the detail table */
  stats_ctx_init(&c, &f, &all, NULL);
  setenv("XUNJI_STATS_NO_ROLLUP", "1", 1);
  CHECK(agg_plan_for(&c, pf, &p) && p.level == AGG_DETAIL);
  CHECK_STR(p.vis.table, "agg_problems");
  unsetenv("XUNJI_STATS_NO_ROLLUP");
  /* a source without a month (clues): no rollup by unit, the detail table is per unit
   * (with the round and the team); by unit alone: its rollup */
  CHECK(agg_plan_by(&c, measure_find("clues_handed_over"), MF_UNIT, &p) && p.level == AGG_UNITS);
  CHECK(strstr(p.src.from, "agg_clues_units") != NULL);
  setenv("XUNJI_STATS_NO_UNITS", "1", 1);
  CHECK(agg_plan_by(&c, measure_find("clues_handed_over"), MF_UNIT, &p) && p.level == AGG_DETAIL);
  unsetenv("XUNJI_STATS_NO_UNITS");
  CHECK(agg_plan_by(&c, measure_find("clues_handed_over"), MF_TEAM, &p) && p.level == AGG_BY_TEAM);
  CHECK(agg_plan_by(&c, measure_find("accountability_records"), MF_UNIT, &p));
  CHECK(p.level == AGG_UNITS && strstr(p.src.from, "agg_accountability_units") != NULL);
  CHECK(agg_plan_by(&c, measure_find("days_handover_to_registration"), MF_UNIT, &p));
  CHECK(p.level == AGG_UNITS && strstr(p.src.from, "agg_clue_days_hr_units") != NULL);
}

/* Every plan (detail and rollup, every grouping) of every figure answered
 * from an aggregate is valid SQL over the migrated schema; the list of
 * aggregate tables names every agg_ table there, rebuilds and verifies. */
TEST(every_aggregate_plan_runs_and_every_table_rebuilds) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/aggregates.db", t_tmpdir());
  store *st = NULL;
  CHECK(store_open(&st, path, 2, err, sizeof err) == 0 && store_migrate(st, err, sizeof err) >= 1);
  if (!st) return;
  authz_init();
  const char *id = "01a21175-ef21-7723-bf82-ceba00a78ce5";
  principal leader = who(R_TEAM_LEADER, SK_TEAM, id);
  principal liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL);
  principal unit = who(R_UNIT_LIAISON, SK_UNIT, id);
  mscope scopes[] = {{.all = true},
                     {.who = &leader, .act = A_STATS_READ},
                     {.who = &liaison, .act = A_STATS_READ},
                     {.who = &unit, .act = A_STATS_READ}};
  mfilters fs[3];
  memset(fs, 0, sizeof fs);
  fs[1].v[MF_ROUND] = fs[1].v[MF_TEAM] = id;
  fs[1].v[MF_CAMPAIGN] = "脱贫攻坚";
  fs[2].v[MF_UNIT] = id;
  fs[2].v[MF_LEVEL] = "village";
  fs[2].v[MF_FROM] = "2024-01-01";
  fs[2].v[MF_TO] = "2024-12-31";
  const mfilter dims[] = {MF__MAX, MF_ROUND, MF_TEAM, MF_UNIT};
  int rolled = 0, by_unit = 0, detail = 0;
  store_tx *tx;
  CHECK(store_read(st, &tx) == STORE_OK);
  for (int i = 0; i < nmeasures; i++)
    for (size_t k = 0; k < sizeof scopes / sizeof *scopes; k++)
      for (size_t j = 0; j < 3; j++)
        for (size_t d = 0; d < 4; d++) {
          const measure *m = &measures[i];
          if (!measure_scope_ok(m, &scopes[k])) continue;
          stats_ctx c;
          stats_ctx_init(&c, &fs[j], &scopes[k], scopes[k].who);
          agg_plan p;
          if (!agg_plan_by(&c, m, dims[d], &p)) continue;
          p.level == AGG_BY_TEAM ? rolled++ : p.level == AGG_BY_UNIT ? by_unit++ : detail++;
          buf b;
          buf_init(&b, 16384);
          sval v[MEASURE_MAXP];
          int nv = 0;
          buf_addf(&b, "SELECT %s", p.what);
          CHECK_INT(measure_from_where(&p.m, &p.f, p.c.scope, c.today, &b, v, &nv), 0);
          int64_t n = -1;
          int rc = store_query_int(tx, buf_str(&b), v, nv, &n);
          if (rc != STORE_OK) fprintf(stderr, "measure %s: %s\n", m->name, buf_str(&b));
          CHECK(rc == STORE_OK && n == 0);
          buf_free(&b);
        }
  CHECK(rolled > 20 && by_unit > 20 && detail > 20);
  /* every agg_ table of the schema is in the list, detail tables before rollups */
  json_t *names = store_query_json(
      tx, "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'agg\\_%' ESCAPE '\\'",
      NULL, 0);
  CHECK(names && json_array_size(names) == agg_table_count());
  size_t i;
  json_t *it;
  json_array_foreach(names, i, it) {
    const char *nm = json_string_value(json_object_get(it, "name"));
    bool found = false;
    for (size_t j = 0; j < agg_table_count(); j++) found |= !strcmp(agg_table_name(j), nm);
    CHECK(found);
  }
  json_decref(names);
  CHECK(agg_table_name(agg_table_count()) == NULL);
  store_rollback(tx);
  CHECK(store_write(st, &tx) == STORE_OK);
  CHECK_INT(agg_rebuild_all(tx), 0);
  CHECK_INT(agg_rebuild_table(tx, "no_such_table"), 1);
  CHECK_INT(agg_verify(tx, stderr), 0);
  CHECK(store_commit(tx) == STORE_OK);
  store_close(st);
}

/* (036) vis_whole: the office's condition on accountability holds for every record (a
 * distinct-people figure may then read the records alone, through an index); a team's, a
 * unit's or the commission's on clues (handed over only) does not. */
TEST(vis_whole_only_for_a_rule_on_all) {
  authz_init();
  principal office = who(R_INSPECTION_OFFICE, SK_NONE, NULL);
  principal leader = who(R_TEAM_LEADER, SK_TEAM, "team-a");
  principal liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL);
  principal unit = who(R_UNIT_LIAISON, SK_UNIT, "unit-1");
  CHECK(vis_whole(&vis_accountability, &office, vis_accountability.read));
  CHECK(vis_whole(&vis_accountability, &office, A_STATS_READ));
  CHECK(!vis_whole(&vis_accountability, &leader, vis_accountability.read));
  CHECK(!vis_whole(&vis_clue, &liaison, vis_clue.read)); /* handed over only */
  CHECK(!vis_whole(&vis_accountability, &unit, vis_accountability.read));
  CHECK(!vis_whole(&vis_accountability, NULL, vis_accountability.read));
}
