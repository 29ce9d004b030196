/*
 * test_aggregates.c — issue 15: which figures are answered from a
 * maintained aggregate, and that the visibility condition over the
 * aggregate is the kind's own declaration with only `handed` materialized.
 */
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
  CHECK(!agg_plan_for(&c, measure_find("rect_tasks_total"), &p));
  CHECK(!agg_plan_for(&c, measure_find("briefings_overdue"), &p));
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
  CHECK(strstr(buf_str(&b), "FROM agg_problems x") != NULL);
  CHECK(strstr(buf_str(&b), " IN (SELECT x.id") == NULL);
  buf_reset(&b);
  cond_for(&leader, &b);
  CHECK(strstr(buf_str(&b), "x.team_id IN") != NULL);
  CHECK(strstr(buf_str(&b), "x.handed") == NULL);
  buf_reset(&b);
  cond_for(&unit, &b);
  /* the unit side: released states of the workflow, on the aggregate's state column */
  CHECK(strstr(buf_str(&b), "x.unit_id IN") != NULL);
  CHECK(strstr(buf_str(&b), "x.state IN") != NULL);
  buf_free(&b);
}
