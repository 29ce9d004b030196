/*
 * test_services.c — the result type (core/result.h) and the import services
 * called below HTTP, on a real migrated database (issue 14, item 3): a bad
 * file gives status, code, field and a Chinese message naming the row, no
 * req and no reply involved; a good one writes and audits as the actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/imports.h"
#include "api/record.h"
#include "sec/audit.h"
#include "store/store.h"
#include "t.h"
#include "util/text.h"

TEST(xres_cuts_a_long_chinese_message_at_a_character_boundary) {
  xres x = XRES_INIT;
  char *big = malloc(3 * 2000 + 1);
  big[0] = '\0';
  for (int i = 0; i < 2000; i++) strcat(big, "错"); /* 6000 bytes */
  CHECK_INT(xres_err(&x, 400, "invalid_field", "csv", "第 %d 行: %s", 7, big), 400);
  size_t n = strlen(x.message);
  CHECK(n <= XRES_MSG_MAX);
  CHECK(utf8_valid(x.message, n));
  CHECK(n > 3 && !strcmp(x.message + n - strlen("…"), "…"));
  CHECK(!strncmp(x.message, "第 7 行: 错", strlen("第 7 行: 错")));
  CHECK_STR(x.code, "invalid_field");
  CHECK_STR(x.field, "csv");
  free(big);
  /* a short one is kept whole */
  xres_err(&x, 409, "conflict", "unit_ids", "「%s」已是巡察对象", "枣阳市民政局");
  CHECK_STR(x.message, "「枣阳市民政局」已是巡察对象");
  CHECK_INT(x.status, 409);
  xres_put(&x, "rows", json_array());
  CHECK(json_is_array(json_object_get(x.extra, "rows")));
  xres_free(&x);
  CHECK(x.extra == NULL);
}

TEST(xres_maps_store_errors_without_leaking_the_cause) {
  xres x = XRES_INIT;
  CHECK_INT(xres_store(&x, STORE_CONFLICT, "r1", NULL), 409);
  CHECK_STR(x.code, "conflict");
  CHECK_INT(xres_store(&x, STORE_BUSY, "r1", NULL), 503);
  CHECK_INT(xres_store(&x, STORE_ERR, "cli-42", "no such table: secret_table"), 500);
  CHECK(strstr(x.message, "cli-42") && !strstr(x.message, "secret_table"));
}

typedef struct fixture {
  store *st;
  app a;
  char anchor[512];
  principal who;
  svc_actor ac;
} fixture;

static int fixture_open(fixture *f, const char *name) {
  memset(f, 0, sizeof *f);
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/%s.db", t_tmpdir(), name);
  if (store_open(&f->st, path, 2, err, sizeof err) || store_migrate(f->st, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  unsigned char master[MASTER_KEY_LEN];
  memset(master, 7, sizeof master);
  keys_derive(&f->a.keys, master);
  f->a.db = f->st;
  snprintf(f->anchor, sizeof f->anchor, "%s/%s.anchor", t_tmpdir(), name);
  f->a.anchor = f->anchor;
  if (audit_head_open(f->st, &f->a.keys, f->anchor, 1) < 0) return -1; /* as app_open seals it */
  snprintf(f->who.login, sizeof f->who.login, "cli:test");
  f->who.ngrants = 1;
  f->who.grants[0] = (grant){.role = R_INSPECTION_OFFICE, .sk = SK_NONE};
  f->ac.who = &f->who;
  f->ac.login = f->who.login;
  f->ac.roles = "cli";
  f->ac.rid = "cli-test";
  return 0;
}

static int64_t count(fixture *f, const char *sql) {
  store_tx *tx;
  int64_t n = -1;
  if (store_read(f->st, &tx)) return -1;
  if (store_query_int(tx, sql, NULL, 0, &n)) n = -1;
  store_rollback(tx);
  return n;
}

TEST(persons_import_service_reports_a_bad_row_without_a_request) {
  fixture f;
  if (!CHECK(fixture_open(&f, "persons") == 0)) return;
  xres x = XRES_INIT;
  json_t *out = NULL;
  /* row 3 (the sheet's numbering: header is 1) has a bad 党员 value */
  json_t *in = json_pack("{s:s}", "csv", "姓名,单位,党员\n张三,,是\n李四,,也许\n");
  CHECK_INT(svc_persons_import(&f.a, &f.ac, in, &out, &x), 400);
  CHECK_STR(x.code, "invalid_rows");
  CHECK_STR(x.field, "csv");
  CHECK(strstr(x.message, "第 3 行") && strstr(x.message, "「党员」应为 是 或 否"));
  json_t *rows = json_object_get(x.extra, "rows");
  CHECK_INT(json_array_size(rows), 1);
  CHECK_INT(json_integer_value(json_object_get(json_array_get(rows, 0), "row")), 3);
  CHECK(out == NULL);
  CHECK_INT(count(&f, "SELECT count(*) FROM persons"), 0); /* all or nothing */
  xres_free(&x);
  json_decref(in);

  /* an unknown column, and no csv at all: the field is named */
  in = json_pack("{s:s}", "csv", "姓名,颜色\n张三,红\n");
  CHECK_INT(svc_persons_import(&f.a, &f.ac, in, &out, &x), 400);
  CHECK(strstr(x.message, "未知的列「颜色」") != NULL);
  xres_free(&x);
  json_decref(in);
  in = json_object();
  CHECK_INT(svc_persons_import(&f.a, &f.ac, in, &out, &x), 400);
  CHECK_STR(x.field, "csv");
  xres_free(&x);
  json_decref(in);

  /* a good file: written, and audited as the actor (no account, roles "cli") */
  in = json_pack("{s:s}", "csv", "\xEF\xBB\xBF姓名,职务,党员,专长\n张三,科员,是,财务\n\n李四,,否,\n");
  if (!CHECK_INT(svc_persons_import(&f.a, &f.ac, in, &out, &x), 0)) fprintf(stderr, "    %s\n", x.message);
  CHECK_INT(json_integer_value(json_object_get(out, "imported")), 2);
  CHECK_INT(count(&f, "SELECT count(*) FROM persons"), 2);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='person.import' AND actor_login="
                      "'cli:test' AND role='cli' AND actor_id IS NULL AND request_id='cli-test'"),
            2);
  CHECK(f.ac.head.seq > 0);
  json_decref(out);
  json_decref(in);
  store_close(f.st);
}

TEST(targets_import_service_lists_unknown_units) {
  fixture f;
  if (!CHECK(fixture_open(&f, "targets") == 0)) return;
  xres x = XRES_INIT;
  json_t *out = NULL;
  json_t *in = json_pack("{s:s,s:s}", "csv", "被巡察单位\n\n查无此单位\n", "entry_date", "2026-03-01");
  CHECK_INT(svc_targets_import(&f.a, &f.ac, "01a21175-ef21-7723-bf82-ceba00a78ce5", in, &out, &x),
            400);
  CHECK_STR(x.code, "invalid_rows");
  CHECK(strstr(x.message, "第 3 行") && strstr(x.message, "查无此单位"));
  CHECK_STR(json_string_value(json_array_get(json_object_get(x.extra, "unknown_units"), 0)),
            "查无此单位");
  CHECK_STR(json_string_value(json_object_get(x.extra, "create_with")), "/api/v1/orgs/import");
  xres_free(&x);
  json_decref(in);
  /* a bad date is refused by the field table, naming the field */
  in = json_pack("{s:s,s:s}", "csv", "被巡察单位\n某单位\n", "entry_date", "2026-02-30");
  CHECK_INT(svc_targets_import(&f.a, &f.ac, "01a21175-ef21-7723-bf82-ceba00a78ce5", in, &out, &x),
            400);
  CHECK_STR(x.field, "entry_date");
  xres_free(&x);
  json_decref(in);
  store_close(f.st);
}

/* The record engine's operations as services (api/record.h): a record is
 * created, read and edited without any req, audited as the actor; the
 * kind's rules answer in the one result type. */
TEST(record_services_create_and_update_without_a_request) {
  fixture f;
  if (!CHECK(fixture_open(&f, "records") == 0)) return;
  xres x = XRES_INIT;
  json_t *out = NULL;
  /* validation (the kind's fields) and the kind's prepare hook, as 400 with the field */
  json_t *in = json_pack("{s:s,s:s}", "name", "第一轮", "term", "十五届");
  CHECK_INT(rec_svc_create(&f.a, &f.ac, &rk_round, in, &out, &x), 400);
  CHECK_STR(x.code, "missing_field");
  CHECK_STR(x.field, "seq");
  xres_free(&x);
  json_decref(in);
  in = json_pack("{s:s,s:s,s:i,s:s,s:s}", "name", "第一轮", "term", "十五届", "seq", 1,
                 "planned_start", "2026-05-01", "planned_end", "2026-04-01");
  CHECK_INT(rec_svc_create(&f.a, &f.ac, &rk_round, in, &out, &x), 400);
  CHECK_STR(x.field, "planned_end");
  CHECK(strstr(x.message, "不得早于开始日期") != NULL);
  xres_free(&x);
  json_decref(in);
  CHECK_INT(count(&f, "SELECT count(*) FROM rounds"), 0);

  /* created, audited as the actor, answered as GET shows it */
  in = json_pack("{s:s,s:s,s:i,s:s}", "name", "第一轮", "term", "十五届", "seq", 1, "theme", "民生");
  if (!CHECK_INT(rec_svc_create(&f.a, &f.ac, &rk_round, in, &out, &x), 0))
    fprintf(stderr, "    %s\n", x.message);
  json_decref(in);
  if (!CHECK(out != NULL)) return;
  char id[64];
  snprintf(id, sizeof id, "%s", json_string_value(json_object_get(out, "id")));
  CHECK_STR(json_string_value(json_object_get(out, "state")), "planned");
  CHECK(json_is_array(json_object_get(out, "allowed_actions")));
  CHECK(json_object_get(out, "released") == NULL && json_object_get(out, "org_kind") == NULL);
  CHECK_INT(json_integer_value(json_object_get(out, "version")), 1);
  json_decref(out);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='round.create' AND actor_login="
                      "'cli:test' AND role='cli' AND request_id='cli-test' AND result='ok'"),
            1);

  /* edited: a stale If-Match is refused, the right one goes through and is audited */
  in = json_pack("{s:s}", "theme", "乡村振兴");
  CHECK_INT(rec_svc_update(&f.a, &f.ac, &rk_round, id, "\"7\"", in, &out, &x), 409);
  CHECK_STR(x.code, "stale");
  xres_free(&x);
  if (!CHECK_INT(rec_svc_update(&f.a, &f.ac, &rk_round, id, "\"1\"", in, &out, &x), 0))
    fprintf(stderr, "    %s\n", x.message);
  json_decref(in);
  CHECK_STR(json_string_value(json_object_get(out, "theme")), "乡村振兴");
  CHECK_INT(json_integer_value(json_object_get(out, "version")), 2);
  json_decref(out);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='round.update' AND object_kind="
                      "'round' AND actor_login='cli:test' AND result='ok'"),
            1);
  /* and read back through the get service */
  CHECK_INT(rec_svc_get(&f.a, &f.ac, &rk_round, id, &out, &x), 0);
  CHECK_STR(json_string_value(json_object_get(out, "theme")), "乡村振兴");
  json_decref(out);
  CHECK_INT(rec_svc_get(&f.a, &f.ac, &rk_round, "00000000-0000-7000-8000-000000000009", &out, &x),
            404);
  xres_free(&x);

  /* the org kind rule: the office keeps inspected units, not the system's own bodies */
  in = json_pack("{s:s,s:s}", "kind", "committee", "name", "市委");
  CHECK_INT(rec_svc_create(&f.a, &f.ac, &rk_org, in, &out, &x), 403);
  CHECK_STR(x.code, "forbidden_kind");
  CHECK_STR(x.field, "kind");
  xres_free(&x);
  json_decref(in);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='org.write' AND result='denied'"), 1);
  in = json_pack("{s:s,s:s}", "kind", "unit", "name", "市民政局");
  CHECK_INT(rec_svc_create(&f.a, &f.ac, &rk_org, in, &out, &x), 0);
  CHECK_STR(json_string_value(json_object_get(out, "kind")), "unit");
  json_decref(out);
  json_decref(in);
  store_close(f.st);
}
