/*
 * test_store.c — unit tests of the storage interface on a real SQLite file:
 * $N placeholders (reused and out of order), error mapping, rollback, and
 * snapshot isolation of readers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "t.h"
#include "util/buf.h"

static store *fresh(const char *name) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/%s", t_tmpdir(), name);
  store *s = NULL;
  if (store_open(&s, path, 4, err, sizeof err) || store_migrate(s, err, sizeof err) < 1) return NULL;
  return s;
}

TEST(placeholders_bind_by_number) {
  store *s = fresh("ph.db");
  CHECK(s != NULL);
  if (!s) return;
  store_tx *tx;
  CHECK(store_write(s, &tx) == STORE_OK);
  sval p[] = {SV_S("2026-01-01T00:00:00Z"), SV_S("org-1")};
  /* $2 appears before $1 and $1 twice: values must land by number */
  CHECK(store_exec(tx,
                   "INSERT INTO orgs(id,kind,name,created_at,updated_at) "
                   "VALUES($2,'unit','某单位',$1,$1)",
                   p, 2, NULL) == STORE_OK);
  int rc;
  json_t *row = store_query_one(tx, "SELECT id, created_at, updated_at, parent_id FROM orgs", NULL, 0, &rc);
  CHECK(row != NULL);
  CHECK_STR(json_string_value(json_object_get(row, "id")), "org-1");
  CHECK_STR(json_string_value(json_object_get(row, "updated_at")), "2026-01-01T00:00:00Z");
  CHECK(json_is_null(json_object_get(row, "parent_id")));
  json_decref(row);
  /* unique and foreign-key violations map to their own codes */
  CHECK(store_exec(tx,
                   "INSERT INTO orgs(id,kind,name,created_at,updated_at) VALUES('org-2','unit','某单位',$1,$1)",
                   p, 1, NULL) == STORE_CONFLICT);
  CHECK(store_exec(tx,
                   "INSERT INTO orgs(id,kind,name,parent_id,created_at,updated_at) "
                   "VALUES('org-3','unit','另一单位','nope',$1,$1)",
                   p, 1, NULL) == STORE_CONSTRAINT);
  CHECK(store_exec(tx, "INSERT INTO orgs(id) VALUES($1)", p, 2, NULL) == STORE_ERR); /* wrong count */
  CHECK(store_commit(tx) == STORE_OK);
  /* a reader keeps its snapshot while a writer commits */
  store_tx *rd, *wr;
  CHECK(store_read(s, &rd) == STORE_OK);
  int64_t n = -1;
  CHECK(store_query_int(rd, "SELECT count(*) FROM orgs", NULL, 0, &n) == STORE_OK && n == 1);
  CHECK(store_write(s, &wr) == STORE_OK);
  CHECK(store_exec(wr, "INSERT INTO orgs(id,kind,name,created_at,updated_at) VALUES('o4','unit','四',$1,$1)",
                   p, 1, NULL) == STORE_OK);
  CHECK(store_commit(wr) == STORE_OK);
  CHECK(store_query_int(rd, "SELECT count(*) FROM orgs", NULL, 0, &n) == STORE_OK && n == 1);
  store_rollback(rd);
  /* rollback discards */
  CHECK(store_write(s, &wr) == STORE_OK);
  CHECK(store_exec(wr, "DELETE FROM orgs", NULL, 0, NULL) == STORE_OK);
  store_rollback(wr);
  CHECK(store_read(s, &rd) == STORE_OK);
  CHECK(store_query_int(rd, "SELECT count(*) FROM orgs", NULL, 0, &n) == STORE_OK && n == 2);
  char *t = NULL;
  CHECK(store_query_text(rd, "SELECT name FROM orgs WHERE id=$1", (sval[]){SV_S("o4")}, 1, &t) == STORE_OK);
  CHECK_STR(t, "四");
  free(t);
  store_rollback(rd);
  store_close(s);
}

/* issue 11: SQL built in a bounded buffer that overflowed is refused unrun,
 * so a statement whose later conditions (the scope) were cut off never runs. */
TEST(store_refuses_sql_from_an_overflowed_buffer) {
  store *s = fresh("poison.db");
  CHECK(s != NULL);
  if (!s) return;
  buf where;
  buf_init(&where, 32);
  buf_adds(&where, " WHERE 1=1");
  for (int i = 0; i < 10; i++) buf_addf(&where, " AND id = $%d", i + 1);
  CHECK(buf_failed(&where));
  buf sql;
  buf_init(&sql, 1024);
  buf_addf(&sql, "SELECT count(*) FROM orgs%s", buf_str(&where));
  CHECK(!buf_failed(&sql)); /* the poison travels into the enclosing statement */
  store_tx *tx;
  CHECK(store_read(s, &tx) == STORE_OK);
  int64_t n = -1;
  CHECK(store_query_int(tx, buf_str(&sql), NULL, 0, &n) == STORE_TOOBIG);
  CHECK(n == -1);
  int rc = 0;
  CHECK(store_query_json(tx, buf_str(&sql), NULL, 0) == NULL);
  CHECK(store_query_one(tx, buf_str(&sql), NULL, 0, &rc) == NULL && rc == STORE_TOOBIG);
  store_rollback(tx);
  buf_free(&where);
  buf_free(&sql);
  store_close(s);
}
