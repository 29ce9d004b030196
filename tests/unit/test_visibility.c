/*
 * test_visibility.c — the record kinds' one visibility predicate
 * (core/visibility.c) selects exactly the rows the row-level rule (authz on
 * the record's object) allows, for every role that reads problems; and the
 * audit detail filter (sec/audit_detail.c) keeps ids, field names and codes
 * only.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "sec/audit_detail.h"
#include "t.h"

static principal one(role_id r, scope_kind sk, const char *scope) {
  principal p;
  memset(&p, 0, sizeof p);
  p.ngrants = 1;
  p.grants[0].role = r;
  p.grants[0].sk = sk;
  if (scope) snprintf(p.grants[0].scope_id, sizeof p.grants[0].scope_id, "%s", scope);
  return p;
}

/* the ids (one letter each) of the problems p sees through vis_where */
static void visible(sqlite3 *db, const principal *p, action_id a, char *out) {
  buf sql;
  buf_init(&sql, 8192);
  sval v[VIS_MAXP];
  int np = 0;
  CHECK(!buf_adds(&sql, "SELECT x.id FROM problems x WHERE 1=1"));
  CHECK(!vis_where(&vis_problem, p, a, &sql, v, &np, VIS_MAXP));
  CHECK(!buf_adds(&sql, " ORDER BY x.id"));
  sqlite3_stmt *st = NULL;
  CHECK(sqlite3_prepare_v2(db, buf_str(&sql), -1, &st, NULL) == SQLITE_OK);
  for (int i = 0; i < np; i++) {
    char name[16];
    snprintf(name, sizeof name, "$%d", i + 1);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v[i].s, -1, SQLITE_STATIC);
  }
  *out = 0;
  while (sqlite3_step(st) == SQLITE_ROW) strcat(out, (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  buf_free(&sql);
}

TEST(visibility_predicate_equals_the_row_rule) {
  authz_init();
  sqlite3 *db;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db,
                     "CREATE TABLE orgs(id TEXT, supervisor_id TEXT);"
                     "CREATE TABLE problems(id TEXT, team_id TEXT, unit_id TEXT, state TEXT);"
                     "CREATE TABLE report_problems(report_id TEXT, problem_id TEXT);"
                     "CREATE TABLE report_copies(report_id TEXT);"
                     "INSERT INTO orgs VALUES('U1','D1'),('U2','D2');"
                     /* a: confirmed; b: fed back; c: fed back and copied; d: another team's draft */
                     "INSERT INTO problems VALUES('a','T1','U1','confirmed'),('b','T1','U1','fed_back'),"
                     "('c','T1','U2','rectifying'),('d','T2','U2','draft');"
                     "INSERT INTO report_problems VALUES('R2','c');"
                     "INSERT INTO report_copies VALUES('R2');",
                     NULL, NULL, NULL) == SQLITE_OK);
  static const struct {
    const char *row, *team, *unit, *sup;
    bool released, copied;
  } rows[] = {{"a", "T1", "U1", "D1", false, false},
              {"b", "T1", "U1", "D1", true, false},
              {"c", "T1", "U2", "D2", true, true},
              {"d", "T2", "U2", "D2", false, false}};
  const struct {
    principal p;
    const char *want, *papers;
  } users[] = {
      {one(R_INSPECTION_OFFICE, SK_NONE, NULL), "abcd", "abcd"},
      {one(R_COMMISSION_LIAISON, SK_NONE, NULL), "c", "c"},
      {one(R_ORG_DEPT, SK_NONE, NULL), "c", ""},
      {one(R_DISPATCHED_GROUP, SK_ORG, "D1"), "b", ""},
      {one(R_UNIT_LIAISON, SK_UNIT, "U1"), "b", ""},
      {one(R_UNIT_LIAISON, SK_UNIT, "U2"), "c", ""},
      {one(R_TEAM_MEMBER, SK_TEAM, "T2"), "d", "d"},
      {one(R_SYSADMIN, SK_NONE, NULL), "", ""},
  };
  for (size_t u = 0; u < sizeof users / sizeof *users; u++) {
    char got[16], pap[16];
    visible(db, &users[u].p, A_PROBLEM_LIST, got);
    visible(db, &users[u].p, A_PROBLEM_PAPERS, pap);
    if (!CHECK_STR(got, users[u].want) || !CHECK_STR(pap, users[u].papers))
      fprintf(stderr, "      role %s\n", roles[users[u].p.grants[0].role].name);
    /* the SQL and the row rule agree on every row */
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
      authz_obj o = {rows[i].team, rows[i].released ? rows[i].unit : NULL,
                     rows[i].released ? rows[i].sup : NULL, rows[i].copied};
      CHECK(authz(&users[u].p, A_PROBLEM_LIST, &o) == (strstr(got, rows[i].row) != NULL));
    }
  }
  sqlite3_close(db);
}

/* clues: the team's own; the commission once handed over; units never */
TEST(clue_predicate_equals_the_row_rule) {
  authz_init();
  sqlite3 *db;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db,
                     "CREATE TABLE orgs(id TEXT, supervisor_id TEXT);"
                     "CREATE TABLE clues(id TEXT, team_id TEXT, unit_id TEXT, state TEXT);"
                     "INSERT INTO orgs VALUES('U1','D1');"
                     "INSERT INTO clues VALUES('a','T1','U1','draft'),('b','T1','U1','verified'),"
                     "('c','T1','U1','handed_over'),('d','T2','U1','concluded');",
                     NULL, NULL, NULL) == SQLITE_OK);
  const struct {
    principal p;
    const char *want;
  } users[] = {
      {one(R_INSPECTION_OFFICE, SK_NONE, NULL), "abcd"},
      {one(R_COMMISSION_LIAISON, SK_NONE, NULL), "cd"},
      {one(R_TEAM_MEMBER, SK_TEAM, "T1"), "abc"},
      {one(R_UNIT_LIAISON, SK_UNIT, "U1"), ""},
      {one(R_DISPATCHED_GROUP, SK_ORG, "D1"), ""},
  };
  for (size_t u = 0; u < sizeof users / sizeof *users; u++) {
    buf sql;
    buf_init(&sql, 8192);
    sval v[VIS_MAXP];
    int np = 0;
    CHECK(!buf_adds(&sql, "SELECT group_concat(c.id, '') FROM (SELECT * FROM clues ORDER BY id) c WHERE 1=1"));
    CHECK(!vis_in(&vis_clue, &users[u].p, A_CLUE_LIST, "c.id", &sql, v, &np, VIS_MAXP));
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, buf_str(&sql), -1, &st, NULL) == SQLITE_OK);
    for (int i = 0; i < np; i++) {
      char name[16];
      snprintf(name, sizeof name, "$%d", i + 1);
      sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v[i].s, -1, SQLITE_STATIC);
    }
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (!CHECK_STR(got ? got : "", users[u].want))
      fprintf(stderr, "      role %s\n", roles[users[u].p.grants[0].role].name);
    sqlite3_finalize(st);
    buf_free(&sql);
  }
  sqlite3_close(db);
}

/* briefings: a commission desk sees only those asked of it (own_roles), a
 * dispatched group those asked of it on its units, a team its own; the
 * parameters stay valid after vis_where returns (they point at the user's
 * own scope ids, not at a copy) */
TEST(briefing_predicate_narrows_desks_to_their_own) {
  authz_init();
  sqlite3 *db;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db,
                     "CREATE TABLE orgs(id TEXT, supervisor_id TEXT);"
                     "CREATE TABLE briefings(id TEXT, team_id TEXT, unit_id TEXT, source TEXT);"
                     "INSERT INTO orgs VALUES('U1','D1'),('U2','D2');"
                     "INSERT INTO briefings VALUES('a','T1','U1','petitions'),"
                     "('b','T1','U1','case_mgmt'),('c','T1','U1','dispatched_group'),"
                     "('d','T2','U2','dispatched_group'),('e','T2','U2','petitions');",
                     NULL, NULL, NULL) == SQLITE_OK);
  principal both = one(R_PETITIONS, SK_NONE, NULL);
  both.grants[both.ngrants].role = R_TEAM_MEMBER;
  both.grants[both.ngrants].sk = SK_TEAM;
  snprintf(both.grants[both.ngrants++].scope_id, sizeof both.grants[0].scope_id, "T2");
  const struct {
    principal p;
    const char *want;
  } users[] = {
      {one(R_INSPECTION_OFFICE, SK_NONE, NULL), "abcde"},
      {one(R_PETITIONS, SK_NONE, NULL), "ae"},
      {one(R_CASE_MGMT, SK_NONE, NULL), "b"},
      {one(R_CONDUCT, SK_NONE, NULL), ""},
      {one(R_TEAM_MEMBER, SK_TEAM, "T1"), "abc"},
      {one(R_DISPATCHED_GROUP, SK_ORG, "D2"), "d"},
      {one(R_UNIT_LIAISON, SK_UNIT, "U1"), ""},
      {both, "ade"},
  };
  for (size_t u = 0; u < sizeof users / sizeof *users; u++) {
    buf sql;
    buf_init(&sql, 8192);
    sval v[VIS_MAXP];
    int np = 0;
    CHECK(!buf_adds(&sql, "SELECT group_concat(x.id, '') FROM (SELECT * FROM briefings ORDER BY id) x WHERE 1=1"));
    CHECK(!vis_where(&vis_briefing, &users[u].p, A_BRIEFING_LIST, &sql, v, &np, VIS_MAXP));
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, buf_str(&sql), -1, &st, NULL) == SQLITE_OK);
    for (int i = 0; i < np; i++) {
      char name[16];
      snprintf(name, sizeof name, "$%d", i + 1);
      sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v[i].s, -1, SQLITE_TRANSIENT);
    }
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (!CHECK_STR(got ? got : "", users[u].want))
      fprintf(stderr, "      role %s\n", roles[users[u].p.grants[0].role].name);
    for (int i = 0; i < np; i++) /* every scope parameter is one of the user's own ids */
      if (v[i].s && strlen(v[i].s) == 2)
        CHECK(v[i].s >= (const char *)&users[u].p && v[i].s < (const char *)(&users[u].p + 1));
    sqlite3_finalize(st);
    buf_free(&sql);
  }
  sqlite3_close(db);
}

TEST(audit_detail_keeps_ids_field_names_and_codes) {
  json_t *in = json_pack(
      "{s:s,s:s,s:s,s:s,s:I,s:I,s:b,s:s,s:{s:s,s:s,s:I},s:[s,s],s:s,s:s}", "title", "公款私存",
      "people", "会计 刘某", "unit_id", "01a235a3-a72d-7e88-aad7-c0eb284bf79a", "state", "draft",
      "amount_fen", (json_int_t)123456, "problems", (json_int_t)3, "late", 1, "reason",
      "Zhang San took money", "files", "name", "银行流水.pdf", "sm3",
      "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", "size", (json_int_t)45,
      "tags", "财务", "审计", "method", "GET", "path", "/api/v1/problems/01a235a3-a72d-7e88-aad7-c0eb284bf79a");
  json_t *out = audit_detail_safe(in);
  char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
  CHECK_STR(s, "{\"fields\":[\"title\",\"people\",\"amount_fen\",\"reason\",\"files.name\",\"tags\"],"
               "\"files\":{\"size\":45,\"sm3\":"
               "\"66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0\"},\"late\":true,\"method\":\"GET\",\"path\":\"/api/v1/problems/"
               "01a235a3-a72d-7e88-aad7-c0eb284bf79a\",\"problems\":3,\"state\":\"draft\","
               "\"unit_id\":\"01a235a3-a72d-7e88-aad7-c0eb284bf79a\"}");
  free(s);
  json_decref(out);
  json_decref(in);
  CHECK(audit_detail_safe(NULL) == NULL);
  CHECK(!audit_value_safe("name", "12.38"));
  CHECK(!audit_value_safe("phone", "13800000000"));
  CHECK(audit_value_safe("outcome", "party_warning"));
}
