/*
 * test_reports.c — unit tests of issue 6's pure parts: the measures table is
 * well-formed, filters are checked at the edge, money is exact decimal text,
 * the SQL builder binds every value (never splices it), and the .xlsx reader
 * refuses what is not a workbook.
 */
#include <stdio.h>
#include <string.h>

#include "core/measures.h"
#include "store/store.h"
#include "report/letters.h"
#include "report/stats.h"
#include "report/xlsx.h"
#include "t.h"

TEST(measures_table_is_well_formed) {
  for (int i = 0; i < nmeasures; i++) {
    const measure *m = &measures[i];
    CHECK(m->name && m->label && m->unit && m->src);
    CHECK(measure_find(m->name) == m); /* names are unique */
    for (const char *c = m->name; *c; c++) CHECK((*c >= 'a' && *c <= 'z') || *c == '_');
    if (m->kind == MK_RATIO) CHECK(measure_find(m->num) && measure_find(m->den));
    if (m->kind == MK_DAYS) CHECK(m->expr && m->expr2);
    if (m->kind == MK_DIST) CHECK(m->expr && m->labels);
    if (m->kind == MK_DISTINCT) CHECK(m->expr && m->gcols);
  }
  for (int i = 0; i < nledgers; i++) CHECK(measure_find(ledgers[i].measure) != NULL);
  for (int i = 0; i < nletter_tpls; i++) CHECK(letter_find(letter_tpls[i].kind) == &letter_tpls[i]);
}

TEST(filters_are_checked_and_dates_become_shanghai_days) {
  mfilters f;
  mfilter bad;
  memset(&f, 0, sizeof f);
  f.v[MF_FROM] = "2026-11-25";
  f.v[MF_TO] = "2026-11-25";
  CHECK_INT(mfilters_check(&f, &bad), 0);
  CHECK_STR(f.from_ts, "2026-11-24T16:00:00Z");
  CHECK_STR(f.to_ts, "2026-11-25T16:00:00Z");
  f.v[MF_TO] = "2026-11-24";
  CHECK_INT(mfilters_check(&f, &bad), -1);
  CHECK_INT(bad, MF_TO);
  memset(&f, 0, sizeof f);
  f.v[MF_ROUND] = "1 OR 1=1";
  CHECK_INT(mfilters_check(&f, &bad), -1);
  CHECK_INT(bad, MF_ROUND);
  memset(&f, 0, sizeof f);
  f.v[MF_LEVEL] = "province";
  CHECK_INT(mfilters_check(&f, &bad), -1);
  f.v[MF_LEVEL] = "township";
  CHECK_INT(mfilters_check(&f, &bad), 0);
}

TEST(money_is_exact_decimal_text) {
  char y[32], w[40];
  fen_yuan(1238000, y);
  fen_wan(1238000, w);
  CHECK_STR(y, "12380.00");
  CHECK_STR(w, "1.238");
  fen_wan(12380000, w);
  CHECK_STR(w, "12.38");
  fen_wan(2596 * 1000000LL, w);
  CHECK_STR(w, "2596.00");
  fen_yuan(1, y);
  fen_wan(1, w);
  CHECK_STR(y, "0.01");
  CHECK_STR(w, "0.000001");
  fen_yuan(-5, y);
  CHECK_STR(y, "-0.05");
}

TEST(measure_sql_binds_values_and_scope) {
  const measure *m = measure_find("clues_during_patrol");
  mfilters f;
  memset(&f, 0, sizeof f);
  f.v[MF_UNIT] = "01a21175-ef21-7723-bf82-ceba00a78ce5";
  const char *teams[] = {"01a21175-ef21-7723-bf82-ceba00a78ce6"};
  mscope s = {.all = false, .nteams = 1, .teams = teams};
  buf b;
  buf_init(&b, 8192);
  sval p[MEASURE_MAXP];
  int np = 0;
  measure_from_where(m, &f, &s, "2026-11-25", &b, p, &np);
  CHECK(strstr(buf_str(&b), "c.unit_id = $1") != NULL);
  CHECK(strstr(buf_str(&b), "c.team_id IN ($2)") != NULL);
  CHECK(strstr(buf_str(&b), "ceba00a78ce5") == NULL); /* values are bound, never spliced */
  CHECK_INT(np, 2);
  /* a unit-scoped user has no column in the clue source: nothing visible */
  const char *units[] = {"x"};
  mscope su = {.all = false, .nunits = 1, .units = units};
  CHECK(!measure_scope_ok(m, &su));
  CHECK(measure_scope_ok(measure_find("problems_found"), &su));
  /* @today becomes a parameter */
  buf_reset(&b);
  np = 0;
  memset(&f, 0, sizeof f);
  mscope all = {.all = true};
  measure_from_where(measure_find("briefings_overdue"), &f, &all, "2026-11-25", &b, p, &np);
  CHECK(strstr(buf_str(&b), "@today") == NULL);
  CHECK_INT(np, 1);
  CHECK_STR(p[0].s, "2026-11-25");
  buf_free(&b);
}

/* Every measure's FROM + WHERE, with every filter and a partial scope, is
 * valid SQL over the migrated schema (a typo in the table fails here, not
 * in front of a user). */
TEST(every_measure_runs_on_the_schema) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/measures.db", t_tmpdir());
  store *st = NULL;
  CHECK(store_open(&st, path, 2, err, sizeof err) == 0 && store_migrate(st, err, sizeof err) >= 1);
  if (!st) return;
  mfilters f;
  memset(&f, 0, sizeof f);
  const char *id = "01a21175-ef21-7723-bf82-ceba00a78ce5";
  f.v[MF_ROUND] = f.v[MF_TEAM] = f.v[MF_UNIT] = id;
  f.v[MF_CAMPAIGN] = "脱贫攻坚";
  f.v[MF_ROUND_KIND] = "special";
  f.v[MF_LEVEL] = "village";
  f.v[MF_FROM] = "2019-01-01";
  f.v[MF_TO] = "2026-12-31";
  mfilter bad;
  CHECK(mfilters_check(&f, &bad) == 0);
  const char *ids[] = {id};
  mscope scopes[] = {{.all = true}, {.all = false, .nteams = 1, .teams = ids, .norgs = 1, .orgs = ids}};
  for (int i = 0; i < nmeasures; i++)
    for (size_t k = 0; k < sizeof scopes / sizeof *scopes; k++) {
      const measure *m = &measures[i];
      if (m->kind == MK_RATIO || !measure_scope_ok(m, &scopes[k])) continue;
      buf b;
      buf_init(&b, 16384);
      sval p[MEASURE_MAXP];
      int np = 0;
      if (buf_adds(&b, "SELECT count(*)")) abort();
      measure_from_where(m, &f, &scopes[k], "2026-11-25", &b, p, &np);
      store_tx *tx;
      int64_t n = -1;
      CHECK(store_read(st, &tx) == STORE_OK);
      int rc = store_query_int(tx, buf_str(&b), p, np, &n);
      if (rc != STORE_OK) fprintf(stderr, "measure %s: %s\n", m->name, buf_str(&b));
      CHECK(rc == STORE_OK && n == 0);
      store_rollback(tx);
      buf_free(&b);
    }
  /* @outcomes(kind) expands from the outcome table */
  buf b;
  buf_init(&b, 8192);
  sval p[MEASURE_MAXP];
  int np = 0;
  mfilters none;
  memset(&none, 0, sizeof none);
  mscope all = {.all = true};
  measure_from_where(measure_find("people_party_discipline"), &none, &all, "2026-11-25", &b, p, &np);
  CHECK(strstr(buf_str(&b), "'party_serious_warning'") != NULL);
  CHECK(strstr(buf_str(&b), "'gov_warning'") == NULL);
  CHECK(strstr(buf_str(&b), "@") == NULL);
  buf_free(&b);
  store_close(st);
}

TEST(xlsx_reader_refuses_what_is_not_a_workbook) {
  char err[200];
  CHECK(xlsx_read("hello", 5, 10, err, sizeof err) == NULL);
  CHECK(strstr(err, "xlsx") != NULL);
  static const char junk[] = "PK\x03\x04garbage";
  CHECK(xlsx_read(junk, sizeof junk - 1, 10, err, sizeof err) == NULL);
}
