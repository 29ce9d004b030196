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

/* ---- group commit (sqlite.c invariant 2) ------------------------------------ */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct gc_writer {
  store *s;
  const char *id;
  int rollback;
  atomic_int inside, go, done;
  int rc;
} gc_writer;

static void gc_wait(atomic_int *flag) {
  for (int i = 0; i < 20000 && !atomic_load(flag); i++) usleep(500);
}

static void *gc_run(void *arg) {
  gc_writer *w = arg;
  store_tx *tx;
  w->rc = store_write(w->s, &tx);
  if (w->rc == STORE_OK) {
    sval p[] = {SV_S(w->id)};
    w->rc = store_exec(tx, "INSERT INTO orgs(id,kind,name,created_at,updated_at) "
                           "VALUES($1,'unit','组提交'||$1,'2026-01-01T00:00:00Z','2026-01-01T00:00:00Z')",
                       p, 1, NULL);
    atomic_store(&w->inside, 1);
    gc_wait(&w->go);
    if (w->rollback || w->rc != STORE_OK) store_rollback(tx);
    else w->rc = store_commit(tx);
  }
  atomic_store(&w->done, 1);
  return NULL;
}

static int64_t gc_count(store *s) {
  store_tx *rd;
  int64_t n = -1;
  if (store_read(s, &rd) == STORE_OK) {
    store_query_int(rd, "SELECT count(*) FROM orgs WHERE name LIKE '组提交%'", NULL, 0, &n);
    store_rollback(rd);
  }
  return n;
}

static int gc_waiting(store *s, int want) {
  store_stats st;
  for (int i = 0; i < 20000; i++) {
    store_get_stats(s, &st);
    if (st.writers_waiting == want) return 1;
    usleep(500);
  }
  return 0;
}

/* Two writers, one COMMIT: the first writer's commit waits for the group,
 * nobody sees its row before the group is durable, the second's rollback
 * (when asked) undoes only its own row. */
static void gc_pair(int second_rolls_back) {
  store *s = fresh(second_rolls_back ? "gc2.db" : "gc1.db");
  CHECK(s != NULL);
  if (!s) return;
  store_stats before;
  store_get_stats(s, &before);
  gc_writer a = {.s = s, .id = "gc-a"}, b = {.s = s, .id = "gc-b", .rollback = second_rolls_back};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, gc_run, &a);
  gc_wait(&a.inside);
  pthread_create(&tb, NULL, gc_run, &b);
  CHECK(gc_waiting(s, 1)); /* b waits for the writer */
  atomic_store(&a.go, 1);  /* a releases into the group and hands the writer to b */
  gc_wait(&b.inside);
  CHECK(!atomic_load(&a.done)); /* a is not acknowledged while its group is open */
  CHECK_INT(gc_count(s), 0);    /* and no reader sees its row */
  atomic_store(&b.go, 1);       /* b leaves last: it commits the group */
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CHECK_INT(a.rc, STORE_OK);
  CHECK_INT(b.rc, STORE_OK);
  CHECK_INT(gc_count(s), second_rolls_back ? 1 : 2);
  store_stats st;
  store_get_stats(s, &st);
  CHECK_INT(st.commits - before.commits, 1);
  CHECK_INT(st.txns - before.txns, second_rolls_back ? 1 : 2);
  CHECK_INT(st.group_size[second_rolls_back ? 0 : 1] - before.group_size[second_rolls_back ? 0 : 1], 1);
  store_close(s);
}

TEST(group_commit_two_writers_share_one_commit) { gc_pair(0); }
TEST(group_commit_a_rollback_undoes_only_its_own_writes) { gc_pair(1); }

/* Many writers at once: every acknowledged row is there, and they shared commits. */
static void *gc_many(void *arg) {
  store *s = arg;
  for (int i = 0; i < 40; i++) {
    store_tx *tx;
    if (store_write(s, &tx) != STORE_OK) return (void *)1;
    if (store_exec(tx, "INSERT INTO doc_seq(series,year,last) VALUES('gc',2026,1) "
                       "ON CONFLICT(series,year) DO UPDATE SET last=doc_seq.last+1",
                   NULL, 0, NULL) != STORE_OK) {
      store_rollback(tx);
      return (void *)1;
    }
    if (store_commit(tx) != STORE_OK) return (void *)1;
  }
  return NULL;
}

TEST(group_commit_concurrent_writers_lose_nothing) {
  store *s = fresh("gcm.db");
  CHECK(s != NULL);
  if (!s) return;
  pthread_t t[6];
  for (int i = 0; i < 6; i++) pthread_create(&t[i], NULL, gc_many, s);
  int bad = 0;
  for (int i = 0; i < 6; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad += r != NULL;
  }
  CHECK_INT(bad, 0);
  store_tx *rd;
  int64_t n = -1;
  CHECK(store_read(s, &rd) == STORE_OK);
  store_query_int(rd, "SELECT last FROM doc_seq WHERE series='gc'", NULL, 0, &n);
  store_rollback(rd);
  CHECK_INT(n, 240);
  store_stats st;
  store_get_stats(s, &st);
  CHECK(st.txns >= 240 && st.commits <= st.txns);
  CHECK_INT(st.commit_failures, 0);
  store_close(s);
}

/* db_cache_kib: every SQLite connection opened after the setting (the writer
 * and each reader) gets PRAGMA cache_size=-kib; 0 leaves SQLite's default. */
TEST(db_cache_kib_reaches_every_connection) {
  store_set_sqlite_cache_kib(300);
  store *s = fresh("cache.db");
  store_set_sqlite_cache_kib(0);
  CHECK(s != NULL);
  if (!s) return;
  store_tx *tx;
  int64_t v = 0;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA cache_size", NULL, 0, &v) == STORE_OK);
  CHECK_INT(v, -300);
  store_rollback(tx);
  CHECK(store_read(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA cache_size", NULL, 0, &v) == STORE_OK);
  CHECK_INT(v, -300);
  store_rollback(tx);
  store_close(s);
  s = fresh("cache0.db"); /* back to the default (SQLite's -2000) */
  CHECK(s != NULL);
  if (!s) return;
  CHECK(store_read(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA cache_size", NULL, 0, &v) == STORE_OK);
  CHECK(v != -300);
  store_rollback(tx);
  store_close(s);
}

/* The writer's temporary storage in memory only when asked (the server's
 * store): 2 (MEMORY) then, the default 0 (files) for a CLI's store, and
 * never on a reader. */
TEST(temp_store_in_memory_only_for_the_servers_writer) {
  store_set_sqlite_temp_memory(true);
  store *s = fresh("temp1.db");
  store_set_sqlite_temp_memory(false);
  CHECK(s != NULL);
  if (!s) return;
  store_tx *tx;
  int64_t v = -1;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA temp_store", NULL, 0, &v) == STORE_OK);
  CHECK_INT(v, 2);
  store_rollback(tx);
  CHECK(store_read(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA temp_store", NULL, 0, &v) == STORE_OK);
  CHECK_INT(v, 0);
  store_rollback(tx);
  store_close(s);
  s = fresh("temp0.db");
  CHECK(s != NULL);
  if (!s) return;
  CHECK(store_write(s, &tx) == STORE_OK);
  CHECK(store_query_int(tx, "PRAGMA temp_store", NULL, 0, &v) == STORE_OK);
  CHECK_INT(v, 0);
  store_rollback(tx);
  store_close(s);
}

/* One write transaction of sql on s, marked quiet or not; store_commit's code. */
static int commit_sql(store *s, const char *sql, bool quiet) {
  store_tx *tx;
  int rc = store_write(s, &tx);
  if (rc) return rc;
  if (quiet) store_tx_quiet(tx);
  if ((rc = store_exec(tx, sql, NULL, 0, NULL)) != STORE_OK) {
    store_rollback(tx);
    return rc;
  }
  return store_commit(tx);
}

/* store_version (the answer cache's data version, store.h): unchanged while
 * nothing is committed, whatever is read, and by a commit marked quiet;
 * changed by any other commit of the store's own writer and by a commit of
 * another store on the same file (as another process would: its own
 * connections), whether the writer is idle or held when it is asked. (A rolled-back member may still end in an empty
 * group COMMIT, which SQLite counts: a needless miss, never a stale hit.) */
TEST(store_version_changes_with_every_commit_and_only_then) {
  store *s = fresh("ver.db");
  CHECK(s != NULL);
  if (!s) return;
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/%s", t_tmpdir(), "ver.db");
  uint64_t v0, v1, v2;
  store_tx *tx, *held;
  int64_t n = 0;
  CHECK(store_version(s, &v0) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 == v0);
  CHECK(store_read(s, &tx) == STORE_OK); /* reads change nothing */
  CHECK(store_query_int(tx, "SELECT count(*) FROM users", NULL, 0, &n) == STORE_OK);
  store_rollback(tx);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(v2 == v1);
  /* the store's own writer */
  CHECK(commit_sql(s, "CREATE TABLE vt(x INTEGER)", false) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 != v2);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(v2 == v1);
  /* a write marked quiet (a last-use stamp) leaves it */
  CHECK(commit_sql(s, "INSERT INTO vt VALUES(0)", true) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 == v2);
  /* another "process": a second store on the same file commits */
  store *o = NULL;
  CHECK(store_open(&o, path, 2, err, sizeof err) == STORE_OK);
  if (!o) {
    store_close(s);
    return;
  }
  CHECK(commit_sql(o, "INSERT INTO vt VALUES(2)", false) == STORE_OK);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(v2 != v1);
  /* a reader held open in a transaction changes nothing: the check has a
   * connection of its own */
  CHECK(store_read(s, &held) == STORE_OK);
  CHECK(commit_sql(o, "INSERT INTO vt VALUES(3)", false) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 != v2);
  store_rollback(held);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(store_version(s, &v0) == STORE_OK);
  CHECK(v0 == v2);
  /* asked while the writer is held (a write in progress): the sentinel
   * connection answers, and still sees the other store's commit */
  CHECK(commit_sql(o, "INSERT INTO vt VALUES(4)", false) == STORE_OK);
  store_tx *w;
  CHECK(store_write(s, &w) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 != v0);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(v2 == v1);
  store_rollback(w);
  /* a quiet commit of its own is not seen by the sentinel either (a request
   * renewing a kept answer stamps its last use while others read) ... */
  CHECK(store_version(s, &v0) == STORE_OK);
  CHECK(commit_sql(s, "INSERT INTO vt VALUES(5)", true) == STORE_OK);
  CHECK(store_write(s, &w) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 == v0);
  store_rollback(w);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 == v0);
  /* ... but moving the sentinel's baseline past it hides no other store's
   * commit made before it */
  CHECK(commit_sql(o, "INSERT INTO vt VALUES(6)", false) == STORE_OK);
  CHECK(commit_sql(s, "INSERT INTO vt VALUES(7)", true) == STORE_OK);
  CHECK(store_write(s, &w) == STORE_OK);
  CHECK(store_version(s, &v1) == STORE_OK);
  CHECK(v1 != v0);
  store_rollback(w);
  /* a loud commit of its own: changed, then steady whichever connection answers */
  CHECK(commit_sql(s, "INSERT INTO vt VALUES(8)", false) == STORE_OK);
  CHECK(store_version(s, &v2) == STORE_OK);
  CHECK(v2 != v1);
  CHECK(store_write(s, &w) == STORE_OK);
  CHECK(store_version(s, &v0) == STORE_OK);
  CHECK(v0 == v2);
  store_rollback(w);
  store_close(o);
  store_close(s);
}
