/*
 * test_vismodel.c — issue 14's one visibility model (core/visibility.c) on a
 * real SQLite store: for several kinds (problem, target, team member, the
 * files of problems, a creator-only draft kind) and several principals, the
 * row check (vis_row) and the SQL filter (vis_where) select the same rows,
 * and those are the rows written down here by hand; the redaction
 * (vis_redact) removes exactly the declared fields the user may not see.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "t.h"
#include "util/buf.h"

static principal who(role_id r, scope_kind sk, const char *scope) {
  principal p;
  memset(&p, 0, sizeof p);
  snprintf(p.user_id, sizeof p.user_id, "user-%d-%s", (int)r, scope ? scope : "");
  p.ngrants = 1;
  p.grants[0].role = r;
  p.grants[0].sk = sk;
  if (scope) snprintf(p.grants[0].scope_id, sizeof p.grants[0].scope_id, "%s", scope);
  return p;
}

/* A small fixture (only the columns the declarations read). One-letter ids. */
static const char fixture[] =
    "CREATE TABLE orgs(id TEXT PRIMARY KEY, supervisor_id TEXT);"
    "CREATE TABLE problems(id TEXT PRIMARY KEY, team_id TEXT, unit_id TEXT, state TEXT);"
    "CREATE TABLE report_problems(report_id TEXT, problem_id TEXT);"
    "CREATE TABLE report_copies(report_id TEXT);"
    "CREATE TABLE reports(id TEXT PRIMARY KEY, team_id TEXT, unit_id TEXT, state TEXT, copied_at TEXT);"
    "CREATE TABLE targets(id TEXT PRIMARY KEY, team_id TEXT, unit_id TEXT);"
    "CREATE TABLE teams(id TEXT PRIMARY KEY);"
    "CREATE TABLE team_members(id TEXT PRIMARY KEY, team_id TEXT);"
    "CREATE TABLE files(id TEXT PRIMARY KEY, owner_kind TEXT, owner_id TEXT);"
    "CREATE TABLE persons(id TEXT PRIMARY KEY);"
    "CREATE TABLE drafts(id TEXT PRIMARY KEY, team_id TEXT, state TEXT, created_by TEXT);"
    "INSERT INTO orgs VALUES('U1','D1'),('U2','D2');"
    /* a: confirmed (team T1 only); b: fed back; c: fed back and copied; d: T2's draft */
    "INSERT INTO problems VALUES('a','T1','U1','confirmed'),('b','T1','U1','fed_back'),"
    "('c','T1','U2','rectifying'),('d','T2','U2','draft');"
    "INSERT INTO report_problems VALUES('R','c');"
    "INSERT INTO report_copies VALUES('R');"
    "INSERT INTO reports VALUES('r','T1','U1','fed_back',NULL),('s','T1','U2','copied','2026-01-01');"
    "INSERT INTO targets VALUES('g','T1','U1'),('h','T2','U2');"
    "INSERT INTO teams VALUES('T1'),('T2');"
    "INSERT INTO team_members VALUES('m','T1'),('n','T2');"
    /* files: e of problem a, f of problem b, k of problem c, w of a task (not a problem's) */
    "INSERT INTO files VALUES('e','problem','a'),('f','problem','b'),('k','problem','c'),"
    "('w','rect_task','b');"
    "INSERT INTO persons VALUES('p');"
    "INSERT INTO drafts VALUES('x','T1','draft','leader1'),('y','T1','draft','someone'),"
    "('z','T1','filed','someone');";

/* A kind declared only here: a team's records whose drafts only their
 * creator sees (the .owner / .draft part of a declaration). */
static const vis_kind vis_draft = {.name = "draft_note", .table = "drafts", .read = A_PROBLEM_LIST,
                                   .team = "x.team_id", .owner = "x.created_by",
                                   .draft = "x.state='draft'", .papers = A_SELF};

/* The ids of k that u sees through vis_where, in id order. */
static void by_filter(store_tx *tx, const vis_kind *k, const principal *u, char *out, size_t n) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[VIS_MAXP];
  int np = 0;
  buf_addf(&sql, "SELECT group_concat(id, '') FROM (SELECT x.id AS id FROM %s x WHERE 1=1", k->table);
  CHECK(!vis_where(k, u, k->read, &sql, p, &np, VIS_MAXP));
  buf_adds(&sql, " ORDER BY x.id)");
  char *s = NULL;
  CHECK(store_query_text(tx, buf_str(&sql), p, np, &s) == STORE_OK);
  snprintf(out, n, "%s", s ? s : "");
  free(s);
  buf_free(&sql);
}

/* The ids of k (all rows of its table in id order) for which vis_row says 1. */
static void by_row(store_tx *tx, const vis_kind *k, const principal *u, char *out, size_t n) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT group_concat(id, ',') FROM (SELECT id FROM %s ORDER BY id)", k->table);
  char *all = NULL;
  CHECK(store_query_text(tx, sql, NULL, 0, &all) == STORE_OK);
  size_t len = 0;
  out[0] = 0;
  for (char *save = NULL, *id = strtok_r(all, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
    int v = vis_row(tx, k, u, id);
    CHECK(v >= 0);
    if (v > 0 && len + strlen(id) < n) {
      strcat(out, id);
      len += strlen(id);
    }
  }
  free(all);
}

TEST(vis_row_and_vis_where_agree_and_match_the_hand_table) {
  authz_init();
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/vis.db", t_tmpdir());
  store *s = NULL;
  if (!CHECK(store_open(&s, path, 2, err, sizeof err) == 0)) return;
  store_tx *tx;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_exec_script(tx, fixture) == STORE_OK);
  CHECK(store_commit(tx) == STORE_OK);

  principal office = who(R_INSPECTION_OFFICE, SK_NONE, NULL), leader = who(R_TEAM_LEADER, SK_TEAM, "T1"),
            unit = who(R_UNIT_LIAISON, SK_UNIT, "U1"), dg = who(R_DISPATCHED_GROUP, SK_ORG, "D1"),
            liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL), orgdept = who(R_ORG_DEPT, SK_NONE, NULL),
            sysadmin = who(R_SYSADMIN, SK_NONE, NULL);
  snprintf(leader.user_id, sizeof leader.user_id, "leader1"); /* the creator of draft x */
  /* the oracle: written by hand from the policy, not from the declarations */
  const struct {
    const vis_kind *k;
    const principal *u;
    const char *want;
  } cases[] = {
      {&vis_problem, &office, "abcd"},  {&vis_problem, &leader, "abc"},
      {&vis_problem, &unit, "b"},       {&vis_problem, &dg, "b"},
      {&vis_problem, &liaison, "c"},    {&vis_problem, &orgdept, "c"},
      {&vis_problem, &sysadmin, ""},
      {&vis_target, &office, "gh"},     {&vis_target, &leader, "g"},
      {&vis_target, &unit, "g"},        {&vis_target, &dg, "g"},
      {&vis_target, &sysadmin, ""},
      {&vis_member, &office, "mn"},     {&vis_member, &leader, "mn"},
      {&vis_member, &unit, ""},         {&vis_member, &sysadmin, ""},
      /* files of problems: the owner visible and its working papers too;
       * never the task's file w */
      {&vis_file_problem, &office, "efk"}, {&vis_file_problem, &leader, "efk"},
      {&vis_file_problem, &unit, ""},      {&vis_file_problem, &liaison, "k"},
      {&vis_file_problem, &orgdept, ""},
      /* drafts: the creator's own (x), never another's draft (y); filed ones (z) */
      {&vis_draft, &leader, "xz"},         {&vis_draft, &office, "z"},
      {&vis_draft, &unit, ""},
  };
  CHECK(store_read(s, &tx) == STORE_OK);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char f[32], r[32];
    by_filter(tx, cases[i].k, cases[i].u, f, sizeof f);
    by_row(tx, cases[i].k, cases[i].u, r, sizeof r);
    if (!CHECK_STR(f, r) || !CHECK_STR(f, cases[i].want))
      fprintf(stderr, "      kind %s, role %s\n", cases[i].k->name, roles[cases[i].u->grants[0].role].name);
  }
  store_rollback(tx);
  store_close(s);
}

/* The keys of a JSON object, sorted, comma-separated. */
/* The condition vis_where builds for u on k. */
static void cond_of(const vis_kind *k, const principal *u, char *out, size_t n) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[VIS_MAXP];
  int np = 0;
  CHECK(!vis_where(k, u, k->read, &sql, p, &np, VIS_MAXP));
  snprintf(out, n, "%s", buf_str(&sql));
  buf_free(&sql);
}

/* (issue 15) A parent named by an enforced foreign key whose condition holds
 * for every row is "the column names a parent", not the list of every parent
 * id; a narrower parent condition, or a parent column without a foreign key
 * (a file's owner), keeps the sub-query. The rows stay those of the hand
 * table above (vis_row_and_vis_where_agree_and_match_the_hand_table). */
TEST(a_whole_parent_behind_a_foreign_key_is_not_listed) {
  authz_init();
  principal office = who(R_INSPECTION_OFFICE, SK_NONE, NULL), unit = who(R_UNIT_LIAISON, SK_UNIT, "U1");
  char c[8192];
  cond_of(&vis_member, &office, c, sizeof c);
  CHECK(strstr(c, "x.team_id IS NOT NULL") != NULL);
  CHECK(strstr(c, "FROM teams") == NULL);
  cond_of(&vis_notice, &office, c, sizeof c);
  CHECK(strstr(c, "x.task_id IS NOT NULL") != NULL);
  CHECK(strstr(c, "FROM rect_tasks") == NULL);
  cond_of(&vis_notice, &unit, c, sizeof c);
  CHECK(strstr(c, "x.task_id IN (SELECT x.id FROM rect_tasks x WHERE ") != NULL);
  CHECK(strstr(c, "IS NOT NULL") == NULL);
  cond_of(&vis_file_problem, &office, c, sizeof c);
  CHECK(strstr(c, "x.owner_id IN (SELECT x.id FROM problems x WHERE ") != NULL);
}

static void keys(const json_t *o, char *out, size_t n) {
  const char *names[64];
  size_t m = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) if (m < 64) names[m++] = k;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++)
      if (strcmp(names[i], names[j]) > 0) {
        const char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  out[0] = 0;
  for (size_t i = 0, len = 0; i < m; i++) {
    size_t l = strlen(names[i]);
    if (len + l + 2 >= n) break;
    if (i) strcat(out, ","), len++;
    strcat(out, names[i]);
    len += l;
  }
}

TEST(vis_redact_removes_exactly_the_declared_fields) {
  authz_init();
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/redact.db", t_tmpdir());
  store *s = NULL;
  if (!CHECK(store_open(&s, path, 2, err, sizeof err) == 0)) return;
  store_tx *tx;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_exec_script(tx, fixture) == STORE_OK);
  CHECK(store_commit(tx) == STORE_OK);
  principal office = who(R_INSPECTION_OFFICE, SK_NONE, NULL), unit = who(R_UNIT_LIAISON, SK_UNIT, "U1"),
            orgdept = who(R_ORG_DEPT, SK_NONE, NULL), liaison = who(R_COMMISSION_LIAISON, SK_NONE, NULL),
            sysadmin = who(R_SYSADMIN, SK_NONE, NULL);
  const char *problem_row =
      "{\"id\":1,\"title\":1,\"state\":1,\"people\":1,\"found_by\":1,\"petition_id\":1,"
      "\"file_count\":1,\"created_by\":1,\"found_on\":1,\"files\":1}";
  const char *report_row = "{\"id\":1,\"title\":1,\"text\":1,\"return_reason\":1,\"state\":1}";
  const char *person_row = "{\"id\":1,\"name\":1,\"work_history\":1,\"relatives\":1,\"trainings\":1,"
                           "\"tags\":1,\"rounds\":1,\"vettings\":1}";
  const struct {
    const vis_kind *k;
    const char *id, *row;
    const principal *u;
    const char *left;
  } cases[] = {
      /* the office keeps every field; the unit sees the fed-back problem without its working papers */
      {&vis_problem, "b", problem_row, &office,
       "created_by,file_count,files,found_by,found_on,id,people,petition_id,state,title"},
      {&vis_problem, "b", problem_row, &unit, "id,state,title"},
      /* the commission liaison holds the papers of the copied problem; 组织部 does not */
      {&vis_problem, "c", problem_row, &liaison,
       "created_by,file_count,files,found_by,found_on,id,people,petition_id,state,title"},
      {&vis_problem, "c", problem_row, &orgdept, "id,state,title"},
      /* the report's text to those who read it */
      {&vis_report, "s", report_row, &liaison, "id,return_reason,state,text,title"},
      {&vis_report, "s", report_row, &orgdept, "id,state,title"},
      {&vis_report, "r", report_row, &unit, "id,state,title"},
      /* the cadre pool's content and the served rounds and vettings */
      {&vis_person, "p", person_row, &office,
       "id,name,relatives,rounds,tags,trainings,vettings,work_history"},
      {&vis_person, "p", person_row, &sysadmin, "id,name"},
  };
  CHECK(store_read(s, &tx) == STORE_OK);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *row = json_loads(cases[i].row, 0, NULL);
    CHECK(vis_redact(tx, cases[i].k, cases[i].u, cases[i].id, row) == 0);
    char got[512];
    keys(row, got, sizeof got);
    if (!CHECK_STR(got, cases[i].left))
      fprintf(stderr, "      kind %s, role %s\n", cases[i].k->name, roles[cases[i].u->grants[0].role].name);
    json_decref(row);
  }
  store_rollback(tx);
  store_close(s);
}

/* A list page's redaction (vis_redact_rows, issue 15: one query per action
 * over the page's rows) removes, row by row, exactly what vis_redact removes
 * on each row alone: every kind with declared fields (working papers, a
 * field's own action, fields naming another record, a row without the
 * referred id), for principals who see all, some and none of them. */
TEST(vis_redact_rows_equals_vis_redact_on_each_row) {
  authz_init();
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/redact_rows.db", t_tmpdir());
  store *s = NULL;
  if (!CHECK(store_open(&s, path, 2, err, sizeof err) == 0)) return;
  store_tx *tx;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_exec_script(tx, fixture) == STORE_OK);
  CHECK(store_exec_script(tx, "CREATE TABLE clues(id TEXT PRIMARY KEY, team_id TEXT, unit_id TEXT, "
                              "state TEXT);"
                              "INSERT INTO clues VALUES('q','T1','U1','draft'),"
                              "('v','T1','U1','handed_over'),('u','T2','U2','registered');") ==
        STORE_OK);
  CHECK(store_commit(tx) == STORE_OK);
  principal us[] = {who(R_INSPECTION_OFFICE, SK_NONE, NULL), who(R_UNIT_LIAISON, SK_UNIT, "U1"),
                    who(R_ORG_DEPT, SK_NONE, NULL), who(R_COMMISSION_LIAISON, SK_NONE, NULL),
                    who(R_SYSADMIN, SK_NONE, NULL), who(R_TEAM_LEADER, SK_TEAM, "T1"),
                    who(R_TEAM_MEMBER, SK_TEAM, "T2"), who(R_CASE_MGMT, SK_NONE, NULL),
                    who(R_INVESTIGATION, SK_NONE, NULL)};
#define PROBLEMS_ROW                                                                            \
  "[{\"id\":\"%s\",\"title\":1,\"state\":1,\"people\":1,\"found_by\":1,\"petition_id\":1,"       \
  "\"file_count\":1,\"created_by\":1,\"found_on\":1,\"files\":1}]"
  const struct {
    const vis_kind *k;
    const char *page;
  } pages[] = {
      {&vis_problem, NULL},
      {&vis_report, "[{\"id\":\"r\",\"text\":1,\"return_reason\":1,\"title\":1},"
                    "{\"id\":\"s\",\"text\":1,\"return_reason\":1},{\"id\":\"s\",\"title\":2},"
                    "{\"id\":\"zz\",\"text\":1}]"},
      {&vis_person, "[{\"id\":\"p\",\"name\":1,\"work_history\":1,\"relatives\":1,\"trainings\":1,"
                    "\"tags\":1,\"rounds\":1,\"vettings\":1},{\"id\":\"p\",\"rounds\":1}]"},
      {&vis_accountability,
       "[{\"id\":\"1\",\"problem_id\":\"a\",\"problem_title\":1,\"clue_id\":\"q\",\"clue_title\":1},"
       "{\"id\":\"2\",\"problem_id\":\"b\",\"problem_title\":1,\"clue_id\":\"v\",\"clue_title\":1},"
       "{\"id\":\"3\",\"problem_id\":\"c\",\"problem_title\":1,\"clue_id\":\"u\",\"clue_title\":1},"
       "{\"id\":\"4\",\"problem_id\":\"d\",\"problem_title\":1},{\"id\":\"5\",\"problem_title\":1,"
       "\"clue_title\":1},{\"id\":\"6\",\"clue_id\":\"nope\",\"clue_title\":1}]"},
  };
  CHECK(store_read(s, &tx) == STORE_OK);
  int compared = 0, removed = 0;
  for (size_t pi = 0; pi < sizeof pages / sizeof *pages; pi++)
    for (size_t ui = 0; ui < sizeof us / sizeof *us; ui++) {
      json_t *page;
      if (pages[pi].page) {
        page = json_loads(pages[pi].page, 0, NULL);
      } else { /* every problem of the fixture, and one twice */
        page = json_array();
        const char *ids[] = {"a", "b", "c", "d", "b"};
        for (size_t j = 0; j < 5; j++) {
          char t[512];
          snprintf(t, sizeof t, PROBLEMS_ROW, ids[j]);
          json_t *arr = json_loads(t, 0, NULL);
          json_array_append(page, json_array_get(arr, 0));
          json_decref(arr);
        }
      }
      if (!CHECK(page != NULL)) continue;
      json_t *one = json_deep_copy(page);
      CHECK(vis_redact_rows(tx, pages[pi].k, &us[ui], page) == 0);
      size_t j;
      json_t *row;
      json_array_foreach(one, j, row) {
        size_t before = json_object_size(row);
        CHECK(vis_redact(tx, pages[pi].k, &us[ui],
                         json_string_value(json_object_get(row, "id")), row) == 0);
        removed += before != json_object_size(row);
        char a[512], b[512];
        keys(row, a, sizeof a);
        keys(json_array_get(page, j), b, sizeof b);
        if (!CHECK_STR(b, a))
          fprintf(stderr, "      kind %s, role %s, row %zu\n", pages[pi].k->name,
                  roles[us[ui].grants[0].role].name, j);
        compared++;
      }
      json_decref(one);
      json_decref(page);
    }
  /* both kinds of answer were compared: rows that kept and rows that lost fields */
  CHECK(compared > 100);
  CHECK(removed > 20 && removed < compared);
  store_rollback(tx);
  store_close(s);
}

TEST(vis_kinds_registry_finds_every_kind_by_name) {
  int n = 0;
  for (const vis_kind *const *k = vis_kinds; *k; k++, n++) CHECK(vis_kind_by_name((*k)->name) == *k);
  CHECK(n >= 17);
  CHECK(vis_kind_by_name("problem") == &vis_problem);
  CHECK(vis_kind_by_name("target") == &vis_target);
  CHECK(vis_kind_by_name("no_such_kind") == NULL);
  CHECK(vis_kind_by_name(NULL) == NULL);
  CHECK(vis_field_need(&vis_problem, "people") == A_PROBLEM_PAPERS);
  CHECK(vis_field_need(&vis_problem, "title") == A_PROBLEM_LIST);
  CHECK(vis_field_need(&vis_report, "text") == A_REPORT_TEXT);
}
