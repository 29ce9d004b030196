/*
 * test_reports.c — unit tests of issue 6's pure parts: the measures table is
 * well-formed, filters are checked at the edge, money is exact decimal text,
 * the SQL builder binds every value (never splices it), and the .xlsx reader
 * refuses what is not a workbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <zip.h>
#include <string.h>

#include "core/measures.h"
#include "store/store.h"
#include "report/letters.h"
#include "report/stats.h"
#include "report/xlsx.h"
#include "t.h"
#include "util/buf.h"

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

static principal one_grant(role_id r, scope_kind sk, const char *scope) {
  principal p;
  memset(&p, 0, sizeof p);
  strcpy(p.user_id, "u");
  p.ngrants = 1;
  p.grants[0].role = r;
  p.grants[0].sk = sk;
  if (scope) strcpy(p.grants[0].scope_id, scope);
  return p;
}

TEST(measure_sql_binds_values_and_scope) {
  authz_init();
  const measure *m = measure_find("clues_during_patrol");
  mfilters f;
  memset(&f, 0, sizeof f);
  f.v[MF_UNIT] = "01a21175-ef21-7723-bf82-ceba00a78ce5";
  principal tl = one_grant(R_TEAM_LEADER, SK_TEAM, "01a21175-ef21-7723-bf82-ceba00a78ce6");
  mscope s = {.who = &tl, .act = A_STATS_READ};
  buf b;
  buf_init(&b, 8192);
  sval p[MEASURE_MAXP];
  int np = 0;
  measure_from_where(m, &f, &s, "2026-11-25", &b, p, &np);
  CHECK(strstr(buf_str(&b), "c.unit_id = $1") != NULL);
  /* the scope is the model's, over the clue kind: the statistics action's
   * team rule and the clue read action's team rule */
  CHECK(strstr(buf_str(&b), "c.id IN (SELECT x.id FROM clues x WHERE ((x.team_id IN ($2))))") != NULL);
  CHECK(strstr(buf_str(&b), "c.id IN (SELECT x.id FROM clues x WHERE ((x.team_id IN ($3))))") != NULL);
  CHECK(strstr(buf_str(&b), "ceba00a78ce5") == NULL); /* values are bound, never spliced */
  CHECK_INT(np, 3);
  CHECK(measure_scope_ok(m, &s));
  /* a unit-scoped user reads no clue: the measure is not its */
  principal ul = one_grant(R_UNIT_LIAISON, SK_UNIT, "01a21175-ef21-7723-bf82-ceba00a78ce5");
  mscope su = {.who = &ul, .act = A_STATS_READ};
  CHECK(!measure_scope_ok(m, &su));
  /* a dispatched group reads members of every team, but its statistics
   * reach no team: the members' figure is not its (neither before) */
  principal dg = one_grant(R_DISPATCHED_GROUP, SK_ORG, "01a21175-ef21-7723-bf82-ceba00a78ce7");
  mscope sd = {.who = &dg, .act = A_STATS_READ};
  CHECK(!measure_scope_ok(measure_find("team_members"), &sd));
  CHECK(measure_scope_ok(measure_find("problems_found"), &sd));
  /* nobody: nothing */
  mscope none = {.who = NULL, .act = A_STATS_READ};
  buf_reset(&b);
  np = 0;
  measure_from_where(m, &f, &none, "2026-11-25", &b, p, &np);
  CHECK(strstr(buf_str(&b), " AND 0") != NULL);
  /* every source names its record kind and id column */
  for (int i = 0; i < nmeasures; i++) CHECK(measures[i].src->vis && measures[i].src->idcol);
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
  authz_init();
  principal tl = one_grant(R_TEAM_LEADER, SK_TEAM, id), dg = one_grant(R_DISPATCHED_GROUP, SK_ORG, id),
            cl = one_grant(R_COMMISSION_LIAISON, SK_NONE, NULL);
  mscope scopes[] = {{.all = true},
                     {.who = &tl, .act = A_STATS_READ},
                     {.who = &dg, .act = A_STATS_READ},
                     {.who = &cl, .act = A_LEDGER_EXPORT}};
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

/* ---- issue 11: hostile workbooks ------------------------------------------------ */
/* An .xlsx in memory with the given parts (name, content pairs, NULL-ended). */
static unsigned char *make_zip(const char *const *parts, size_t *len) {
  char path[512];
  static int seq;
  snprintf(path, sizeof path, "%s/w%d.xlsx", t_tmpdir(), seq++);
  zipFile z = zipOpen64(path, APPEND_STATUS_CREATE);
  if (!z) return NULL;
  for (int i = 0; parts[i]; i += 2) {
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    zipOpenNewFileInZip64(z, parts[i], &zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, 6, 0);
    zipWriteInFileInZip(z, parts[i + 1], (unsigned)strlen(parts[i + 1]));
    zipCloseFileInZip(z);
  }
  zipClose(z, NULL);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc((size_t)n);
  *len = fread(p, 1, (size_t)n, f);
  fclose(f);
  return p;
}

static const char SHEET[] =
    "<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\" s=\"%d\"><v>46000</v></c>"
    "</row></sheetData></worksheet>";

/* styles.xml with n cellXfs entries, all dates */
static char *styles(int n) {
  buf b;
  buf_init(&b, 64 << 20);
  buf_adds(&b, "<?xml version=\"1.0\"?><styleSheet><cellXfs>");
  for (int i = 0; i < n; i++) buf_adds(&b, "<xf numFmtId=\"14\"/>");
  buf_adds(&b, "</cellXfs></styleSheet>");
  return buf_take(&b);
}

static json_t *read_parts(const char *const *parts, char *err, size_t errlen) {
  size_t n = 0;
  unsigned char *z = make_zip(parts, &n);
  CHECK(z != NULL);
  if (!z) return NULL;
  json_t *rows = xlsx_read(z, n, 100, err, errlen);
  free(z);
  return rows;
}

TEST(xlsx_reader_caps_cell_styles_without_overflow) {
  char err[300], sheet[512];
  /* 70,000 styles: the old reader wrote past its table (heap overflow) */
  char *st = styles(70000);
  snprintf(sheet, sizeof sheet, SHEET, 69999);
  const char *bomb[] = {"xl/styles.xml", st, "xl/worksheets/sheet1.xml", sheet, NULL};
  json_t *rows = read_parts(bomb, err, sizeof err);
  CHECK(rows == NULL);
  CHECK(strstr(err, "样式过多") != NULL);
  json_decref(rows);
  free(st);
  /* exactly at the cap: read, and the last style still marks a date */
  st = styles(65536);
  snprintf(sheet, sizeof sheet, SHEET, 65535);
  const char *full[] = {"xl/styles.xml", st, "xl/worksheets/sheet1.xml", sheet, NULL};
  rows = read_parts(full, err, sizeof err);
  CHECK(rows != NULL);
  CHECK_STR(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "2025-12-09");
  json_decref(rows);
  free(st);
}

TEST(xlsx_reader_caps_shared_strings) {
  char err[300], sheet[512];
  snprintf(sheet, sizeof sheet, SHEET, 0);
  buf b;
  buf_init(&b, 16 << 20);
  buf_adds(&b, "<sst>");
  for (int i = 0; i < 500001; i++) buf_adds(&b, "<si><t/></si>");
  buf_adds(&b, "</sst>");
  CHECK(!buf_failed(&b));
  const char *many[] = {"xl/sharedStrings.xml", buf_str(&b), "xl/worksheets/sheet1.xml", sheet, NULL};
  json_t *rows = read_parts(many, err, sizeof err);
  CHECK(rows == NULL);
  CHECK(strstr(err, "共享字符串过多") != NULL);
  json_decref(rows);
  buf_free(&b);
}

TEST(xlsx_reader_gives_a_reason_for_every_failure) {
  char big[200 * 1024 + 64], sheet[512];
  snprintf(sheet, sizeof sheet, SHEET, 0);
  strcpy(big, "<sst><si><t>");
  memset(big + strlen(big), 'a', 200 * 1024);
  strcpy(big + 12 + 200 * 1024, "</t></si></sst>");
  const char *too_long[] = {"xl/sharedStrings.xml", big, "xl/worksheets/sheet1.xml", sheet, NULL};
  const char *bad_xml[] = {"xl/styles.xml", "<styleSheet><cellXfs>", "xl/worksheets/sheet1.xml", sheet, NULL};
  const char *dtd[] = {"xl/sharedStrings.xml",
                       "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaa\">]><sst><si><t>&a;</t></si></sst>",
                       "xl/worksheets/sheet1.xml", sheet, NULL};
  const char *no_sheet[] = {"xl/styles.xml", "<styleSheet/>", NULL};
  const char *bad_sheet[] = {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>", NULL};
  const char *bad_index[] = {"xl/worksheets/sheet1.xml",
                             "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>"
                             "</sheetData></worksheet>",
                             NULL};
  const struct {
    const char *const *parts;
    const char *want;
  } cases[] = {
      {too_long, "过长"},          {bad_xml, "xl/styles.xml"},       {dtd, "DTD"},
      {no_sheet, "sheet1.xml"},    {bad_sheet, "sheet1.xml"},        {bad_index, "共享字符串"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[300] = "x";
    json_t *rows = read_parts(cases[i].parts, err, sizeof err);
    CHECK(rows == NULL);
    CHECK(err[0] != '\0');
    if (!strstr(err, cases[i].want)) fprintf(stderr, "case %zu: %s\n", i, err);
    CHECK(strstr(err, cases[i].want) != NULL);
    json_decref(rows);
  }
}
