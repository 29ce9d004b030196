/*
 * test_services.c — the result type (core/result.h) and the import services
 * called below HTTP, on a real migrated database (issue 14, item 3): a bad
 * file gives status, code, field and a Chinese message naming the row, no
 * req and no reply involved; a good one writes and audits as the actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/changelog.h"
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

/* A lifecycle verb as a service (api/lifecycle.h, rec_svc_action): a clue is
 * recorded, verified and handed over without any req; the workflow table's
 * rules answer in the one result type (404 unknown verb, 400 with the field,
 * 403 audited, 409 wrong state / stale), the hook writes its number, the step
 * is audited as the actor and the other side's inbox is told. */
static int exec_sql(fixture *f, const char *sql) {
  store_tx *tx;
  if (store_write(f->st, &tx)) return -1;
  int rc = store_exec_script(tx, sql);
  if (rc) {
    fprintf(stderr, "    %s\n", store_errmsg(tx));
    store_rollback(tx);
    return rc;
  }
  return store_commit(tx);
}

static void as_user(fixture *f, principal *p, svc_actor *ac, const char *uid, role_id role,
                    const char *team) {
  memset(p, 0, sizeof *p);
  memset(ac, 0, sizeof *ac);
  snprintf(p->user_id, sizeof p->user_id, "%s", uid);
  snprintf(p->login, sizeof p->login, "u-%s", uid);
  p->ngrants = 1;
  p->grants[0] = (grant){.role = role, .sk = team ? SK_TEAM : SK_NONE};
  if (team) snprintf(p->grants[0].scope_id, sizeof p->grants[0].scope_id, "%s", team);
  ac->who = p;
  ac->user_id = p->user_id;
  ac->login = p->login;
  ac->roles = roles[role].name;
  ac->rid = "unit-test";
  (void)f;
}

TEST(lifecycle_service_hands_over_a_clue_without_a_request) {
  fixture f;
  if (!CHECK(fixture_open(&f, "lifecycle") == 0)) return;
  const char *now = "2026-03-01T00:00:00Z";
  char sql[4096];
  snprintf(sql, sizeof sql,
           "INSERT INTO orgs(id,kind,name,level,created_at,updated_at) VALUES"
           " ('01a21175-ef21-7723-bf82-000000000001','unit','市人防办','city','%s','%s'),"
           " ('01a21175-ef21-7723-bf82-000000000002','patrol_group','第一巡察组','city','%s','%s');"
           "INSERT INTO users(id,login,display_name,created_at,updated_at) VALUES"
           " ('u-member','member','组员','%s','%s'),('u-leader','leader','组长','%s','%s'),"
           " ('u-office','office','巡察办','%s','%s');"
           "INSERT INTO rounds(id,name,term,seq,state,created_at,updated_at) VALUES"
           " ('01a21175-ef21-7723-bf82-000000000003','第五轮','八届',5,'on_site','%s','%s');"
           "INSERT INTO teams(id,round_id,group_id,name,created_at,updated_at) VALUES"
           " ('01a21175-ef21-7723-bf82-000000000004','01a21175-ef21-7723-bf82-000000000003','01a21175-ef21-7723-bf82-000000000002','第一巡察组','%s','%s');"
           "INSERT INTO targets(id,round_id,team_id,unit_id,created_at,updated_at) VALUES"
           " ('01a21175-ef21-7723-bf82-000000000005','01a21175-ef21-7723-bf82-000000000003','01a21175-ef21-7723-bf82-000000000004','01a21175-ef21-7723-bf82-000000000001','%s','%s');",
           now, now, now, now, now, now, now, now, now, now, now, now, now, now, now, now);
  if (!CHECK_INT(exec_sql(&f, sql), 0)) return;
  principal pm, pl, po;
  svc_actor member, leader, office;
  as_user(&f, &pm, &member, "u-member", R_TEAM_MEMBER, "01a21175-ef21-7723-bf82-000000000004");
  as_user(&f, &pl, &leader, "u-leader", R_TEAM_LEADER, "01a21175-ef21-7723-bf82-000000000004");
  as_user(&f, &po, &office, "u-office", R_INSPECTION_OFFICE, NULL);

  xres x = XRES_INIT;
  json_t *out = NULL;
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "target_id", "01a21175-ef21-7723-bf82-000000000005", "title", "违规发放补贴",
                         "subject_name", "张某", "source", "interview", "discovered_on",
                         "2026-02-20", "allegation", "反映张某违规发放补贴");
  if (!CHECK_INT(rec_svc_create(&f.a, &member, &rk_clue, in, &out, &x), 0))
    fprintf(stderr, "    %s\n", x.message);
  json_decref(in);
  if (!CHECK(out != NULL)) return;
  char id[64];
  snprintf(id, sizeof id, "%s", json_string_value(json_object_get(out, "id")));
  json_decref(out);

  /* an unknown verb: 404; a body field out of bounds: 400 naming it */
  in = json_object();
  CHECK_INT(rec_svc_action(&f.a, &leader, &rk_clue, id, "teleport", NULL, in, &out, &x), 404);
  xres_free(&x);
  json_object_set_new(in, "note", json_string("x"));
  json_object_set_new(in, "color", json_string("red"));
  CHECK_INT(rec_svc_action(&f.a, &leader, &rk_clue, id, "verify", NULL, in, &out, &x), 400);
  CHECK_STR(x.field, "color");
  xres_free(&x);
  json_decref(in);

  /* the member may not verify: 403, the refusal audited as that actor */
  in = json_object();
  CHECK_INT(rec_svc_action(&f.a, &member, &rk_clue, id, "verify", NULL, in, &out, &x), 403);
  xres_free(&x);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='clue.verify' AND result='denied' "
                      "AND actor_id='u-member'"),
            1);
  /* the office may not hand over a draft: 409 with the state's label */
  CHECK_INT(rec_svc_action(&f.a, &office, &rk_clue, id, "handover", NULL, in, &out, &x), 409);
  CHECK_STR(x.code, "invalid_state");
  CHECK(strstr(x.message, "不能执行「移交」") != NULL);
  xres_free(&x);
  /* a stale If-Match */
  CHECK_INT(rec_svc_action(&f.a, &leader, &rk_clue, id, "verify", "\"9\"", in, &out, &x), 409);
  CHECK_STR(x.code, "stale");
  xres_free(&x);

  /* the leader verifies: the stamp and the note from the body */
  json_object_set_new(in, "note", json_string("线索具体"));
  if (!CHECK_INT(rec_svc_action(&f.a, &leader, &rk_clue, id, "verify", "\"1\"", in, &out, &x), 0))
    fprintf(stderr, "    %s\n", x.message);
  CHECK_STR(json_string_value(json_object_get(out, "state")), "verified");
  CHECK_STR(json_string_value(json_object_get(out, "verify_note")), "线索具体");
  json_decref(out);
  json_decref(in);

  /* the office hands it over: the hook numbers the letter, the step is
   * audited as the office, the commission's desk is told */
  in = json_object();
  if (!CHECK_INT(rec_svc_action(&f.a, &office, &rk_clue, id, "handover", NULL, in, &out, &x), 0))
    fprintf(stderr, "    %s\n", x.message);
  CHECK_STR(json_string_value(json_object_get(out, "state")), "handed_over");
  const char *dn = json_string_value(json_object_get(out, "handover_docno"));
  CHECK(dn && strstr(dn, "1号") != NULL);
  CHECK(json_is_array(json_object_get(out, "allowed_actions")));
  json_decref(out);
  json_decref(in);
  CHECK_INT(count(&f, "SELECT count(*) FROM clues WHERE state='handed_over' AND handover_by="
                      "'u-office' AND handover_mode IS NOT NULL"),
            1);
  CHECK_INT(count(&f, "SELECT count(*) FROM audit WHERE action='clue.handover' AND result='ok' "
                      "AND actor_id='u-office' AND request_id='unit-test'"),
            1);
  CHECK_INT(count(&f, "SELECT count(*) FROM messages WHERE object_kind='clue' AND action="
                      "'handover' AND to_role='case_mgmt' AND from_user='u-office'"),
            1);
  store_close(f.st);
}

/* The change log writes its rows in batches of one INSERT (changelog.c): for
 * 0, 1, 15, 16, 17 and 40 changed fields, with and without a state step, the
 * rows are one per field in the detail's order (the state first), with the
 * old values from old, and one row without a field when nothing changed. */
TEST(change_log_rows_are_one_per_field_in_order_across_batches) {
  fixture f;
  if (!CHECK(fixture_open(&f, "chlog") == 0)) return;
  int sizes[] = {0, 1, 15, 16, 17, 40};
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
    for (int withstate = 0; withstate < 2; withstate++) {
      int nf = sizes[si];
      char id[32];
      snprintf(id, sizeof id, "rec-%d-%d", nf, withstate);
      json_t *detail = json_object(), *old = json_object();
      if (withstate) {
        json_object_set_new(detail, "from", json_string("draft"));
        json_object_set_new(detail, "to", json_string("verified"));
      }
      for (int i = 0; i < nf; i++) {
        char k[16];
        snprintf(k, sizeof k, "f%02d", i);
        json_object_set_new(detail, k, i % 3 ? json_string(k) : json_integer(i));
        if (i % 2) json_object_set_new(old, k, json_string("was"));
      }
      store_tx *tx;
      if (!CHECK(store_write(f.st, &tx) == STORE_OK)) return;
      CHECK_INT(chlog_write(&f.ac, tx, 42, "clue.update", "clue", id, old, detail), STORE_OK);
      CHECK_INT(store_commit(tx), STORE_OK);
      /* what one INSERT per row wrote: the expected rows in order */
      json_t *want = json_array();
      if (withstate) json_array_append_new(want, json_pack("[s,s,s]", "state", "draft", "verified"));
      const char *key;
      json_t *v;
      json_object_foreach(detail, key, v) {
        if (withstate && (!strcmp(key, "from") || !strcmp(key, "to"))) continue;
        char nv[32];
        if (json_is_integer(v)) snprintf(nv, sizeof nv, "%lld", (long long)json_integer_value(v));
        else snprintf(nv, sizeof nv, "%s", json_string_value(v));
        json_t *o = json_object_get(old, key);
        json_array_append_new(want, json_pack("[s,s?,s]", key, o ? json_string_value(o) : NULL, nv));
      }
      if (!json_array_size(want)) json_array_append_new(want, json_pack("[n,n,n]"));
      store_tx *rt;
      if (!CHECK(store_read(f.st, &rt) == STORE_OK)) return;
      store_rows *r;
      sval p[] = {SV_S(id)};
      CHECK_INT(store_query(rt, "SELECT field, old_value, new_value, audit_seq, action FROM record_changes "
                                "WHERE kind='clue' AND record_id=$1 ORDER BY seq", p, 1, &r), STORE_OK);
      size_t n = 0;
      while (store_next(r) == 1) {
        json_t *w = json_array_get(want, n++);
        if (!CHECK(w != NULL)) break;
        for (int c = 0; c < 3; c++) {
          const char *ws = json_string_value(json_array_get(w, (size_t)c));
          if (ws) CHECK_STR(store_text(r, c), ws);
          else CHECK(store_isnull(r, c));
        }
        CHECK_INT(store_int(r, 3), 42);
        CHECK_STR(store_text(r, 4), "clue.update");
      }
      store_rows_close(r);
      store_rollback(rt);
      CHECK_INT(n, json_array_size(want));
      json_decref(want);
      json_decref(detail);
      json_decref(old);
    }
  store_close(f.st);
}
