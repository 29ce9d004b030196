/*
 * sqlite.c — the SQLite implementation of store.h.
 *
 * Invariants:
 *   1. Exactly one writer connection; writes are serialized by the writer
 *      token (busy, under gmu) and the connection's transaction is BEGIN
 *      IMMEDIATE (a deferred transaction that upgrades can fail with
 *      BUSY_SNAPSHOT). synchronous=FULL: a returned COMMIT is on disk.
 *   2. Group commit. Concurrent writers share one COMMIT (one fsync of the
 *      write-ahead log): the writer connection's transaction is a *group*;
 *      each store_write() is a SAVEPOINT inside it. store_commit() RELEASEs
 *      the savepoint and then either hands the writer to the next waiting
 *      writer (the group stays open) or, when nobody waits (or the group is
 *      full: GROUP_MAX), runs COMMIT for the whole group and wakes every member.
 *      store_commit() returns only when the group's COMMIT has returned:
 *      "acknowledged = committed and durable" holds for every member, and no
 *      other connection sees a member's rows before they are durable (the
 *      group is one transaction). If the COMMIT (its fsync) fails, or SQLite
 *      rolls the group back on an I/O error or a full disk, every member of
 *      the group gets the error: no member is acknowledged. A member that
 *      rolls back undoes only its savepoint. Members of one group see each
 *      other's rows (they are serialized, as before); the audit chain's head
 *      row moves inside the group, so the chain stays one chain and a failed
 *      group loses its entries together with their records. SQL must not use
 *      RAISE(ROLLBACK) or OR ROLLBACK: it would end the whole group (safe,
 *      every member fails, but the others fail for nothing); RAISE(ABORT)
 *      undoes one statement and is fine.
 *   3. Readers come from a bounded pool of read-only connections; a reader
 *      runs BEGIN so its statements see one snapshot (WAL).
 *   4. Each connection caches its prepared statements by SQL text; SQL uses
 *      $N placeholders which are rewritten to ?N (SQLite would otherwise
 *      number $N by first appearance).
 *   5. Migrations are embedded in the binary and applied in order, each in
 *      its own write transaction, recorded in schema_migrations.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_BACKEND_SQ /* store/backend.h: this file's functions are sq_store_* */
#include "store/backend.h"
#include "store/faults.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/jsonout.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

/* ---- embedded migrations ------------------------------------------------ */

EMBED(xunji_mig_001, "src/store/sqlite/001_init.sql");
EMBED(xunji_mig_002, "src/store/sqlite/002_programme.sql");
EMBED(xunji_mig_003, "src/store/sqlite/003_findings.sql");
EMBED(xunji_mig_004, "src/store/sqlite/004_discipline.sql");
EMBED(xunji_mig_005, "src/store/sqlite/005_reports.sql");
EMBED(xunji_mig_006, "src/store/sqlite/006_accounts.sql");
EMBED(xunji_mig_007, "src/store/sqlite/007_changelog.sql");
EMBED(xunji_mig_008, "src/store/sqlite/008_edge.sql");
EMBED(xunji_mig_009, "src/store/sqlite/009_domain.sql");
EMBED(xunji_mig_010, "src/store/sqlite/010_programme2.sql");
EMBED(xunji_mig_011, "src/store/sqlite/011_feedback_attendees.sql");
EMBED(xunji_mig_015, "src/store/sqlite/015_twofa.sql");
EMBED(xunji_mig_016, "src/store/sqlite/016_keys.sql");
EMBED(xunji_mig_017, "src/store/sqlite/017_access.sql");
EMBED(xunji_mig_018, "src/store/sqlite/018_task_index.sql");
EMBED(xunji_mig_020, "src/store/sqlite/020_list_indexes.sql");
EMBED(xunji_mig_021, "src/store/sqlite/021_stat_aggregates.sql");
EMBED(xunji_mig_022, "src/store/sqlite/022_reminders.sql");
EMBED(xunji_mig_023, "src/store/sqlite/023_stat_aggregates2.sql");
EMBED(xunji_mig_024, "src/store/sqlite/024_stat_rollups.sql");
EMBED(xunji_mig_025, "src/store/sqlite/025_stat_aggregates3.sql");
EMBED(xunji_mig_026, "src/store/sqlite/026_servers.sql");
EMBED(xunji_mig_027, "src/store/sqlite/027_read_marks.sql");
EMBED(xunji_mig_030, "src/store/sqlite/030_key_rotation_key.sql");
EMBED(xunji_mig_031, "src/store/sqlite/031_pg_statement_triggers.sql");
EMBED(xunji_mig_032, "src/store/sqlite/032_document_copies.sql");
EMBED(xunji_mig_033, "src/store/sqlite/033_login_sources.sql");
EMBED(xunji_mig_034, "src/store/sqlite/034_stat_days.sql");
EMBED(xunji_mig_035, "src/store/sqlite/035_stat_units.sql");
EMBED(xunji_mig_036, "src/store/sqlite/036_people_index.sql");

static const struct migration {
  int version;
  const char *name;
  const char *sql;
} migrations[] = {
    {1, "init", xunji_mig_001},
    {2, "programme", xunji_mig_002},
    {3, "findings", xunji_mig_003},
    {4, "discipline", xunji_mig_004},
    {5, "reports", xunji_mig_005},
    {6, "accounts", xunji_mig_006},
    {7, "changelog", xunji_mig_007},
    {8, "edge", xunji_mig_008},
    {9, "domain", xunji_mig_009},
    {10, "programme2", xunji_mig_010},
    {11, "feedback_attendees", xunji_mig_011},
    {15, "twofa", xunji_mig_015},
    {16, "keys", xunji_mig_016},
    {17, "access", xunji_mig_017},
    {18, "task_index", xunji_mig_018},
    {20, "list_indexes", xunji_mig_020},
    {21, "stat_aggregates", xunji_mig_021},
    {22, "reminders", xunji_mig_022},
    {23, "stat_aggregates2", xunji_mig_023},
    {24, "stat_rollups", xunji_mig_024},
    {25, "stat_aggregates3", xunji_mig_025},
    {26, "servers", xunji_mig_026},
    {27, "read_marks", xunji_mig_027},
    {30, "key_rotation_key", xunji_mig_030},
    {31, "pg_statement_triggers", xunji_mig_031},
    {32, "document_copies", xunji_mig_032},
    {33, "login_sources", xunji_mig_033},
    {34, "stat_days", xunji_mig_034},
    {35, "stat_units", xunji_mig_035},
    {36, "people_index", xunji_mig_036},
};

/* pg.c applies the same numbered migrations, translated for PostgreSQL (store/backend.h) */
int sq_migration(size_t i, int *version, const char **name, const char **sql) {
  if (i >= sizeof migrations / sizeof *migrations) return 0;
  *version = migrations[i].version;
  *name = migrations[i].name;
  *sql = migrations[i].sql;
  return 1;
}

/* ---- connections and statement cache ---------------------------------- */
enum { CACHE_SLOTS = 512 };

/* Transaction control, prepared once per connection (sqlite3_exec would
 * parse the text on every request: several times per request). */
enum { C_BEGIN, C_BEGIN_IMM, C_COMMIT, C_ROLLBACK, C_SAVEPOINT, C_RELEASE, C_ROLLBACK_TO, C__MAX };
static const char *const ctl_sql[C__MAX] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
                                            "SAVEPOINT m", "RELEASE m", "ROLLBACK TO m"};

typedef struct conn {
  sqlite3 *db;
  sqlite3_stmt *ctl[C__MAX];
  struct {
    char *sql;
    sqlite3_stmt *st;
  } cache[CACHE_SLOTS];
  /* The cache slot a caller's SQL pointer last found (issue 15: hashing the
   * text, ~1k instructions per statement, ~20 statements per durable write).
   * Only a hint: the text is still compared, so a reused buffer holding
   * other SQL is an ordinary miss. */
  struct {
    const char *sql;
    int slot;
  } hint[CACHE_SLOTS];
  struct conn *next_free;
} conn;

/* One group commit: the writer connection's open transaction. */
typedef struct group {
  int members; /* savepoints released into it, each waiting for its result */
  int done;    /* COMMIT has returned (or the group was rolled back) */
  int rc;      /* what every member gets */
  bool loud;   /* a member not marked quiet: the COMMIT bumps the data version */
} group;

enum { GROUP_MAX = 64 }; /* members before the group is committed anyway */

struct store {
  char *path;
  conn *writer;
  /* the writer token and the open group (invariant 2) */
  pthread_mutex_t gmu;
  pthread_cond_t wcv; /* the token became free */
  pthread_cond_t dcv; /* a group finished */
  int busy, waiting;
  group *cur; /* touched only by the token's holder */
  store_stats st;
  pthread_mutex_t pmu;
  pthread_cond_t pcv;
  conn *free_readers;
  int nreaders, max_readers;
  long cache_kib; /* db_cache_kib at store_open, for every connection (0: default) */
  /* store_version (store.h): one read-only connection of its own, asked
   * under vmu, and the counter it bumps on every change it sees */
  pthread_mutex_t vmu;
  conn *sentinel;
  sqlite3_stmt *dv, *wdv; /* PRAGMA data_version on the sentinel, on the writer */
  int64_t dv_last, wdv_last;
  bool rebase; /* under vmu: dv_last predates a commit of this store (or the sentinel is not open) */
  uint64_t version;
};

struct store_tx {
  store *s;
  conn *c;
  int write;
  bool quiet; /* store_tx_quiet: changes nothing a kept answer depends on */
  char err[256];
};

struct store_rows {
  store_tx *tx;
  sqlite3_stmt *st;
  int owned; /* not from the cache: finalize on close */
};

static int open_conn(const char *path, int readonly, long cache_kib, conn **out, char *err, size_t errlen) {
  conn *c = xcalloc(1, sizeof *c);
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "无法打开数据库 %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "?");
    sqlite3_close(c->db);
    free(c);
    return STORE_ERR;
  }
  sqlite3_busy_timeout(c->db, 10000);
  sqlite3_extended_result_codes(c->db, 1);
  /* The writer's temporary storage in memory (issue 15): every member of a
   * group commit runs in a SAVEPOINT (invariant 2), so SQLite keeps the
   * original of each page it changes in a sub-journal until the savepoint is
   * released, ~20 pages (~80 KiB) for a record create; past 64 KiB SQLite
   * moved it into a temporary file, created, written and deleted by every
   * group commit (strace: 49 pwrite calls per POST under load, 13 without).
   * In memory it is truncated at each release. Only the server's writer
   * (store_set_sqlite_temp_memory): TEMP tables and the b-trees of GROUP BY
   * and DISTINCT follow temp_store too, and a CLI's bulk rebuild would hold
   * them in memory (stats --rebuild at 300,000 problems: 125 MB resident
   * against 25 MB). (Raising SQLITE_CONFIG_STMTJRNL_SPILL instead made SQLite
   * 3.40.1 fail `seed zaoyang`'s TEMP-table inserts with SQLITE_FULL.) */
  const char *pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA query_only=ON;"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
                                   " PRAGMA trusted_schema=OFF;";
  char *msg = NULL;
  char cache[64] = "";
  if (cache_kib > 0) snprintf(cache, sizeof cache, "PRAGMA cache_size=-%ld;", cache_kib);
  if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
      (!readonly && backend_sqlite_temp_memory() &&
       sqlite3_exec(c->db, "PRAGMA temp_store=MEMORY;", NULL, NULL, &msg) != SQLITE_OK) ||
      (*cache && sqlite3_exec(c->db, cache, NULL, NULL, &msg) != SQLITE_OK)) {
    snprintf(err, errlen, "数据库设置失败: %s", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(c->db);
    free(c);
    return STORE_ERR;
  }
  *out = c;
  return STORE_OK;
}

static void close_conn(conn *c) {
  if (!c) return;
  for (int i = 0; i < C__MAX; i++) sqlite3_finalize(c->ctl[i]);
  for (int i = 0; i < CACHE_SLOTS; i++) {
    if (c->cache[i].st) sqlite3_finalize(c->cache[i].st);
    free(c->cache[i].sql);
  }
  sqlite3_close(c->db);
  free(c);
}

/* Runs one transaction-control statement; SQLITE_OK or the (extended) error. */
static int ctl(conn *c, int which) {
  if (!c->ctl[which]) {
    int rc = sqlite3_prepare_v3(c->db, ctl_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                &c->ctl[which], NULL);
    if (rc != SQLITE_OK) return rc;
  }
  int rc = sqlite3_step(c->ctl[which]);
  sqlite3_reset(c->ctl[which]);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : sqlite3_extended_errcode(c->db);
}

static uint32_t fnv(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* $N -> ?N, outside quoted literals. */
static char *rewrite(const char *sql) {
  size_t n = strlen(sql);
  char *o = xmalloc(n + 1);
  int q = 0;
  for (size_t i = 0; i <= n; i++) {
    char ch = sql[i];
    if (ch == '\'') q = !q;
    o[i] = (!q && ch == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9') ? '?' : ch;
  }
  return o;
}

static int map_rc(int rc) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return STORE_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STORE_BUSY;
    default: return (rc & 0xff) == SQLITE_CONSTRAINT ? STORE_CONSTRAINT : STORE_ERR;
  }
}

static void set_err(store_tx *tx, const char *what) {
  snprintf(tx->err, sizeof tx->err, "%s: %s", what, sqlite3_errmsg(tx->c->db));
}

/* Gets a ready statement: from the cache when free, else a fresh one. */
static int prepare(store_tx *tx, const char *sql, sqlite3_stmt **st, int *owned) {
  conn *c = tx->c;
  if (strchr(sql, BUF_POISON_CHAR)) { /* cut short: never run what is left of it */
    snprintf(tx->err, sizeof tx->err, "prepare: SQL text exceeded its buffer");
    return STORE_TOOBIG;
  }
  if (tx->write && sqlite3_get_autocommit(c->db)) {
    /* the group was rolled back (an I/O error): never run the rest of the
     * member's statements outside a transaction */
    snprintf(tx->err, sizeof tx->err, "prepare: the write transaction was rolled back");
    return STORE_ERR;
  }
  uint32_t ph = (uint32_t)(((uintptr_t)sql >> 3) * 2654435761u) % CACHE_SLOTS;
  int hs = c->hint[ph].sql == sql ? c->hint[ph].slot : -1;
  if (hs >= 0 && c->cache[hs].sql && strcmp(c->cache[hs].sql, sql) == 0 &&
      !sqlite3_stmt_busy(c->cache[hs].st)) {
    *st = c->cache[hs].st;
    *owned = 0;
    return STORE_OK;
  }
  uint32_t h = fnv(sql) % CACHE_SLOTS;
  for (int k = 0; k < 8; k++) {
    uint32_t i = (h + (uint32_t)k) % CACHE_SLOTS;
    if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
      if (sqlite3_stmt_busy(c->cache[i].st)) break; /* in use by an open cursor */
      *st = c->cache[i].st;
      *owned = 0;
      c->hint[ph].sql = sql;
      c->hint[ph].slot = (int)i;
      return STORE_OK;
    }
  }
  char *rw = rewrite(sql);
  int rc = sqlite3_prepare_v3(c->db, rw, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  free(rw);
  if (rc != SQLITE_OK) {
    set_err(tx, "prepare");
    return map_rc(rc);
  }
  *owned = 1;
  for (int k = 0; k < 8; k++) {
    uint32_t i = (h + (uint32_t)k) % CACHE_SLOTS;
    if (!c->cache[i].sql) {
      c->cache[i].sql = xstrdup(sql);
      c->cache[i].st = *st;
      *owned = 0;
      c->hint[ph].sql = sql;
      c->hint[ph].slot = (int)i;
      break;
    }
  }
  return STORE_OK;
}

/* Texts are copied (SQLITE_TRANSIENT) for a cursor, whose caller may free
 * them before it steps; store_exec binds them in place (SQLITE_STATIC, issue
 * 15: a copy per text, ~100 per durable write) and clears them before it
 * returns, so no statement keeps a pointer past the caller's strings. */
static int bind(store_tx *tx, sqlite3_stmt *st, const sval *p, int n, int in_place) {
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (n != sqlite3_bind_parameter_count(st)) {
    snprintf(tx->err, sizeof tx->err, "bind: %d parameters given, %d expected", n,
             sqlite3_bind_parameter_count(st));
    return STORE_ERR;
  }
  for (int i = 0; i < n; i++) {
    int rc;
    switch (p[i].t) {
      case SV_INT: rc = sqlite3_bind_int64(st, i + 1, p[i].i); break;
      case SV_TEXT:
        rc = sqlite3_bind_text(st, i + 1, p[i].s, -1, in_place ? SQLITE_STATIC : SQLITE_TRANSIENT);
        break;
      default: rc = sqlite3_bind_null(st, i + 1);
    }
    if (rc != SQLITE_OK) {
      set_err(tx, "bind");
      return STORE_ERR;
    }
  }
  return STORE_OK;
}

/* ---- the writer token (invariant 2) -------------------------------------- */
/* store_version's counter: any commit may have changed any answer. */
static void version_bump(store *s) { __atomic_add_fetch(&s->version, 1, __ATOMIC_SEQ_CST); }

static void token_take(store *s) {
  pthread_mutex_lock(&s->gmu);
  s->waiting++;
  while (s->busy) pthread_cond_wait(&s->wcv, &s->gmu);
  s->waiting--;
  s->busy = 1;
  pthread_mutex_unlock(&s->gmu);
}

static void token_give(store *s) {
  pthread_mutex_lock(&s->gmu);
  s->busy = 0;
  pthread_cond_signal(&s->wcv);
  pthread_mutex_unlock(&s->gmu);
}

/* ---- lifecycle ------------------------------------------------------------ */
int store_open(store **out, const char *path, int max_readers, char *err, size_t errlen) {
  if (sqlite3_threadsafe() == 0) {
    snprintf(err, errlen, "SQLite 未以线程安全方式编译");
    return STORE_ERR;
  }
  faults_init(); /* the test build's faulty VFS (faults.h); nothing elsewhere */
  store *s = xcalloc(1, sizeof *s);
  s->path = xstrdup(path);
  s->max_readers = max_readers > 0 ? max_readers : 8;
  s->cache_kib = backend_sqlite_cache_kib(); /* db_cache_kib (store.h) */
  pthread_mutex_init(&s->gmu, NULL);
  pthread_cond_init(&s->wcv, NULL);
  pthread_cond_init(&s->dcv, NULL);
  pthread_mutex_init(&s->pmu, NULL);
  pthread_cond_init(&s->pcv, NULL);
  pthread_mutex_init(&s->vmu, NULL);
  s->wdv_last = -1; /* the writer's first reading counts as a change */
  s->rebase = true;  /* the first idle reading opens the sentinel and takes its baseline */
  /* versions of different stores of one process never meet (a test harness
   * reopening databases: an answer kept for one is never current for another) */
  static uint64_t stores;
  s->version = __atomic_add_fetch(&stores, 1, __ATOMIC_SEQ_CST) << 32;
  if (open_conn(path, 0, s->cache_kib, &s->writer, err, errlen) != STORE_OK) {
    free(s->path);
    free(s);
    return STORE_ERR;
  }
  *out = s;
  return STORE_OK;
}

void store_close(store *s) {
  if (!s) return;
  while (s->free_readers) {
    conn *c = s->free_readers;
    s->free_readers = c->next_free;
    close_conn(c);
  }
  sqlite3_finalize(s->dv); /* before their connections: sqlite3_close refuses otherwise */
  sqlite3_finalize(s->wdv);
  close_conn(s->writer);
  close_conn(s->sentinel);
  pthread_mutex_destroy(&s->vmu);
  pthread_mutex_destroy(&s->gmu);
  pthread_cond_destroy(&s->wcv);
  pthread_cond_destroy(&s->dcv);
  pthread_mutex_destroy(&s->pmu);
  pthread_cond_destroy(&s->pcv);
  free(s->path);
  free(s);
}

int store_backup(store *s, const char *dest, char *err, size_t errlen) {
  sqlite3 *src = NULL, *dst = NULL;
  int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); /* its mode, before SQLite */
  if (fd < 0) {
    snprintf(err, errlen, "无法创建备份文件 %s: %s", dest, strerror(errno));
    return STORE_ERR;
  }
  close(fd);
  int rc = sqlite3_open_v2(s->path, &src, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(src, 10000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) rc = sqlite3_errcode(dst);
    else {
      /* all pages in one step: one read transaction, so one consistent snapshot */
      for (int tries = 0; tries < 100; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        sqlite3_sleep(50);
      }
      int frc = sqlite3_backup_finish(b);
      if (rc == SQLITE_DONE) rc = frc;
    }
  }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, NULL); /* one file */
  if (rc != SQLITE_OK)
    snprintf(err, errlen, "数据库在线备份失败: %s",
             dst && sqlite3_errcode(dst) != SQLITE_OK ? sqlite3_errmsg(dst)
             : src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
  sqlite3_close(src);
  if (dst && sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK) rc = SQLITE_ERROR;
  if (rc != SQLITE_OK) unlink(dest);
  return rc == SQLITE_OK ? STORE_OK : STORE_ERR;
}

const char *store_backend(const store *s) {
  (void)s;
  return "sqlite";
}

int store_migrate(store *s, char *err, size_t errlen) {
  conn *c = s->writer;
  char *msg = NULL;
  token_take(s);
  int rc = sqlite3_exec(c->db,
                        "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY "
                        "KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT;",
                        NULL, NULL, &msg);
  int version = 0;
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof migrations / sizeof *migrations; i++) {
    const struct migration *m = &migrations[i];
    sqlite3_stmt *st = NULL;
    int have = 0;
    rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM schema_migrations WHERE version=?1", -1, &st,
                            NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int(st, 1, m->version);
      have = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) break;
    if (!have) {
      char ts[TS_LEN];
      ts_now(ts);
      rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
      if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, m->sql, NULL, NULL, &msg);
      if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(c->db,
                                "INSERT INTO schema_migrations(version,name,applied_at) "
                                "VALUES(?1,?2,?3)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
          sqlite3_bind_int(st, 1, m->version);
          sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
          sqlite3_bind_text(st, 3, ts, -1, SQLITE_STATIC);
          rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(st);
      }
      if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, &msg);
      version_bump(s);
      if (rc != SQLITE_OK) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(err, errlen, "迁移 %03d_%s 失败: %s", m->version, m->name,
                 msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        token_give(s);
        return STORE_ERR;
      }
    }
    version = m->version;
  }
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "迁移失败: %s", msg ? msg : sqlite3_errmsg(c->db));
    sqlite3_free(msg);
    version = STORE_ERR;
  }
  token_give(s);
  return version;
}

/* ---- transactions ------------------------------------------------------------ */
static int writer_leave(store *s, group *mine);

/* A member's statements run inside a savepoint of the open group. */
int store_write(store *s, store_tx **out) {
  token_take(s);
  conn *c = s->writer;
  int rc = SQLITE_OK;
  if (!s->cur) {
    rc = ctl(c, C_BEGIN_IMM);
    if (rc == SQLITE_OK) {
      s->cur = xcalloc(1, sizeof *s->cur);
    }
  }
  if (rc == SQLITE_OK) rc = ctl(c, C_SAVEPOINT);
  if (rc != SQLITE_OK) {
    writer_leave(s, NULL);
    return map_rc(rc);
  }
  store_tx *tx = xcalloc(1, sizeof *tx);
  tx->s = s;
  tx->c = c;
  tx->write = 1;
  *out = tx;
  return STORE_OK;
}

/* A reader connection from the pool (opened when none is free and fewer
 * than max_readers exist; otherwise waits for one). */
static int reader_take(store *s, conn **out) {
  conn *c = NULL;
  char err[256];
  pthread_mutex_lock(&s->pmu);
  for (;;) {
    if (s->free_readers) {
      c = s->free_readers;
      s->free_readers = c->next_free;
      break;
    }
    if (s->nreaders < s->max_readers) {
      s->nreaders++;
      pthread_mutex_unlock(&s->pmu);
      if (open_conn(s->path, 1, s->cache_kib, &c, err, sizeof err) != STORE_OK) {
        pthread_mutex_lock(&s->pmu);
        s->nreaders--;
        pthread_mutex_unlock(&s->pmu);
        return STORE_ERR;
      }
      pthread_mutex_lock(&s->pmu);
      break;
    }
    pthread_cond_wait(&s->pcv, &s->pmu);
  }
  pthread_mutex_unlock(&s->pmu);
  *out = c;
  return STORE_OK;
}

static void reader_give(store *s, conn *c) {
  pthread_mutex_lock(&s->pmu);
  c->next_free = s->free_readers;
  s->free_readers = c;
  pthread_cond_signal(&s->pcv);
  pthread_mutex_unlock(&s->pmu);
}

int store_read(store *s, store_tx **out) {
  conn *c;
  if (reader_take(s, &c) != STORE_OK) return STORE_ERR;
  store_tx *tx = xcalloc(1, sizeof *tx);
  tx->s = s;
  tx->c = c;
  int rc = ctl(c, C_BEGIN);
  if (rc != SQLITE_OK) {
    store_rollback(tx);
    return map_rc(rc);
  }
  *out = tx;
  return STORE_OK;
}

/* Runs a prepared PRAGMA data_version; SQLITE_OK and *v, or the error. */
static int data_version(sqlite3 *db, sqlite3_stmt **st, int64_t *v) {
  int rc = *st ? SQLITE_OK
               : sqlite3_prepare_v3(db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, st,
                                    NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(*st);
  if (rc == SQLITE_ROW) {
    *v = sqlite3_column_int64(*st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_reset(*st);
  return rc;
}

/* store.h store_version. Three sources of change, each counted:
 *  - this process's commits: writer_leave bumps the counter after every group
 *    COMMIT with a member not marked quiet (store_tx_quiet), before any
 *    member hears the result;
 *  - another process's commits (a CLI on the same file): SQLite's PRAGMA
 *    data_version differs between two reads on one connection when another
 *    connection committed in between. Asked on the writer connection when it
 *    is idle (no group open, nobody waiting), it counts exactly the other
 *    processes' commits: SQLite leaves out the connection's own;
 *  - when the writer is busy, a read-only connection of its own (the
 *    sentinel) is asked instead. It sees this process's commits as well, so
 *    its baseline is moved past them (rebase_sentinel): after a quiet
 *    group's COMMIT at once, vmu held across that COMMIT so that no reading
 *    falls between the two; after others at the next idle reading. Without
 *    that, the last-use stamp of a request renewing a kept answer would end
 *    every kept answer (api/answers.c). It still bumps more often than
 *    needed (a commit of this store before the rebase), never less.
 * Each source compares with its own previous reading, under vmu, so every
 * commit lies between two readings of each (or before its first, which
 * counts as a change): a version read before a snapshot older than a commit
 * is never the current one once that commit is visible. (Asking whichever
 * pool reader is free would also see every commit, but a reader opened later
 * has no earlier value and must count as a change: each new reader of a
 * growing pool would empty the answer cache.) The caller reads the version
 * before it opens its own transaction. */
/* Under vmu, with the writer connection the caller's (its token, or idle
 * and taken for this): the sentinel's baseline moved to now. The sentinel is
 * read first, then the writer: every other process's commit before the
 * sentinel's reading is then also before the writer's, which counts it (a
 * SQLite connection's data_version leaves out only its own commits), so
 * moving the baseline hides nothing but this store's own commits. */
static void rebase_sentinel(store *s) {
  char err[256];
  if (!s->sentinel) {
    if (open_conn(s->path, 1, 64, &s->sentinel, err, sizeof err) != STORE_OK) return; /* later */
    s->dv_last = -1;
  }
  int64_t vs = 0, vw = 0;
  if (data_version(s->sentinel->db, &s->dv, &vs) != SQLITE_OK ||
      data_version(s->writer->db, &s->wdv, &vw) != SQLITE_OK)
    return; /* rebase stays set: the next idle reading tries again */
  if (vw != s->wdv_last) {
    version_bump(s);
    s->wdv_last = vw;
  }
  s->dv_last = vs;
  s->rebase = false;
}

int store_version(store *s, uint64_t *out) {
  char err[256];
  pthread_mutex_lock(&s->vmu);
  pthread_mutex_lock(&s->gmu);
  bool idle = !s->busy && !s->waiting && !s->cur;
  if (idle) s->busy = 1; /* the writer token, for one statement */
  pthread_mutex_unlock(&s->gmu);
  int64_t v = 0;
  int rc;
  if (idle) {
    if (s->rebase) rebase_sentinel(s); /* reads the writer too */
    rc = data_version(s->writer->db, &s->wdv, &v);
    token_give(s);
    if (rc == SQLITE_OK && v != s->wdv_last) {
      version_bump(s);
      s->wdv_last = v;
    }
  } else {
    rc = SQLITE_OK;
    if (!s->sentinel) {
      if (open_conn(s->path, 1, 64, &s->sentinel, err, sizeof err) != STORE_OK) {
        pthread_mutex_unlock(&s->vmu);
        return STORE_ERR;
      }
      s->dv_last = -1; /* the first reading counts as a change */
    }
    rc = data_version(s->sentinel->db, &s->dv, &v);
    if (rc == SQLITE_OK && v != s->dv_last) {
      version_bump(s);
      s->dv_last = v;
    }
  }
  uint64_t cur = __atomic_load_n(&s->version, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock(&s->vmu);
  if (rc != SQLITE_OK) return map_rc(rc);
  *out = cur;
  return STORE_OK;
}

void store_tx_quiet(store_tx *tx) { tx->quiet = true; }

static void release(store_tx *tx) {
  reader_give(tx->s, tx->c);
  free(tx);
}

/* Undoes one member's savepoint; if even that fails, the whole group. */
static void member_undo(conn *c) {
  if (sqlite3_get_autocommit(c->db)) return; /* the group is gone already */
  if (ctl(c, C_ROLLBACK_TO) != SQLITE_OK ||
      ctl(c, C_RELEASE) != SQLITE_OK)
    ctl(c, C_ROLLBACK);
}

static int ilog2_bucket(int n) {
  int b = 0;
  while (b < 7 && (1 << b) < n) b++;
  return b; /* 1, 2, 4, ..., 64, more */
}

/* Under gmu: the group's result is known; wake its members. */
static void group_finish(store *s, group *g, int rc) {
  g->done = 1;
  g->rc = rc;
  s->cur = NULL;
  if (g->members > 0) {
    if (rc == STORE_OK) {
      s->st.commits++;
      s->st.txns += g->members;
      s->st.group_size[ilog2_bucket(g->members)]++;
    } else {
      s->st.commit_failures++;
      s->st.txns_failed += g->members;
    }
    pthread_cond_broadcast(&s->dcv);
  } else {
    free(g); /* nobody waits for it */
  }
}

/* After a COMMIT that failed at the log's fsync (an I/O error) the frames it
 * wrote may still be whole in the write-ahead log, past the last commit the
 * log's index knows: no reader sees them, but a recovery after a crash would
 * replay them, and a write answered as failed would be there after a restart
 * (test_faults: sync:k:io on the last write). A small commit of its own (the
 * header's user_version, rewritten unchanged) is written at the same place
 * and breaks the checksum chain those frames hang on. Best effort: on a disk
 * that keeps failing it fails too, and says so. */
static void wal_scrub(sqlite3 *db) {
  char *msg = NULL;
  sqlite3_stmt *st = NULL;
  int v = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  char sql[96];
  snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; PRAGMA user_version=%d; COMMIT;", v);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "xunji: 提交失败后清理预写日志未成功: %s\n", msg ? msg : sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  }
  sqlite3_free(msg);
}

/* The token's holder leaves: after releasing its savepoint into the group
 * (mine: the group it waits for) or after rolling it back (mine NULL).
 * The group is handed on while other writers wait (they join it) and is
 * committed by the holder that leaves with nobody waiting, or when it is
 * full. Returns what the member gets: the group's COMMIT result. */
static int writer_leave(store *s, group *mine) {
  sqlite3 *db = s->writer->db;
  pthread_mutex_lock(&s->gmu);
  group *g = s->cur;
  if (g && sqlite3_get_autocommit(db)) {
    /* SQLite rolled the whole group back (an I/O error, a full disk) */
    fprintf(stderr, "xunji: 提交组被回滚, %d 个写入失败\n", g->members);
    group_finish(s, g, STORE_ERR);
    g = NULL;
  }
  if (g && (s->waiting == 0 || g->members >= GROUP_MAX)) {
    pthread_mutex_unlock(&s->gmu); /* busy stays set: the connection is ours */
    /* a quiet group (last-use stamps): no version reading between its COMMIT
     * and the sentinel's new baseline (store_version) */
    bool quiet = !g->loud;
    if (quiet) pthread_mutex_lock(&s->vmu);
    int rc = ctl(s->writer, C_COMMIT);
    /* before any member hears the result (store_version) */
    if ((g->loud || rc != SQLITE_OK) && !MUTANT(MUT_COMMIT_NOT_COUNTED)) version_bump(s);
    if (quiet) {
      if (rc == SQLITE_OK && s->sentinel) rebase_sentinel(s);
      else s->rebase = true;
      pthread_mutex_unlock(&s->vmu);
    } else {
      pthread_mutex_lock(&s->vmu);
      s->rebase = true; /* the sentinel will see this COMMIT: a needless bump until the next idle reading */
      pthread_mutex_unlock(&s->vmu);
    }
    if (rc != SQLITE_OK) {
      fprintf(stderr, "xunji: 提交失败 (%d 个写入): %s\n", g->members, sqlite3_errmsg(db));
      if (!sqlite3_get_autocommit(db)) ctl(s->writer, C_ROLLBACK);
      wal_scrub(db);
    }
    pthread_mutex_lock(&s->gmu);
    group_finish(s, g, rc == SQLITE_OK ? STORE_OK : map_rc(rc));
  }
  s->busy = 0;
  pthread_cond_signal(&s->wcv);
  int out = STORE_OK;
  if (mine) {
    while (!mine->done) pthread_cond_wait(&s->dcv, &s->gmu);
    out = mine->rc;
    if (--mine->members == 0) free(mine);
  }
  pthread_mutex_unlock(&s->gmu);
  return out;
}

int store_commit(store_tx *tx) {
  if (!tx->write) {
    int rc = ctl(tx->c, C_COMMIT);
    if (rc != SQLITE_OK) ctl(tx->c, C_ROLLBACK);
    release(tx);
    return rc == SQLITE_OK ? STORE_OK : map_rc(rc);
  }
  store *s = tx->s;
  conn *c = tx->c;
  bool quiet = tx->quiet;
  free(tx);
  int fe = fault_hit(FAULT_COMMIT);
  if (fe) { /* the test build's injected failure (faults.h): as if COMMIT had failed */
    member_undo(c);
    writer_leave(s, NULL);
    return fe == FAULT_BUSY ? STORE_BUSY : STORE_ERR;
  }
  if (MUTANT(MUT_ACK_BEFORE_COMMIT)) {
    member_undo(c);
    writer_leave(s, NULL);
    return STORE_OK;
  }
  /* the group may have been rolled back under this member (I/O error) */
  int rc = sqlite3_get_autocommit(c->db) ? SQLITE_ABORT
                                         : ctl(c, C_RELEASE);
  if (rc != SQLITE_OK) {
    fprintf(stderr, "xunji: 提交失败: %s\n", sqlite3_errmsg(c->db));
    member_undo(c);
    writer_leave(s, NULL);
    return map_rc(rc);
  }
  group *g = s->cur;
  g->members++;
  if (!quiet) g->loud = true;
  return writer_leave(s, g);
}

void store_rollback(store_tx *tx) {
  if (!tx->write) {
    if (!sqlite3_get_autocommit(tx->c->db)) ctl(tx->c, C_ROLLBACK);
    release(tx);
    return;
  }
  store *s = tx->s;
  member_undo(tx->c);
  free(tx);
  writer_leave(s, NULL);
}

void store_get_stats(store *s, store_stats *out) {
  pthread_mutex_lock(&s->gmu);
  *out = s->st;
  out->writers_waiting = s->waiting;
  pthread_mutex_unlock(&s->gmu);
  pthread_mutex_lock(&s->pmu);
  int idle = 0;
  for (conn *c = s->free_readers; c; c = c->next_free) idle++;
  out->readers_open = s->nreaders;
  out->readers_idle = idle;
  out->readers_max = s->max_readers;
  pthread_mutex_unlock(&s->pmu);
}

const char *store_errmsg(store_tx *tx) { return tx->err; }

/* A read replica is PostgreSQL's (store.h): an SQLite file has none. */
int store_set_replica(store *s, const char *conninfo, char *err, size_t errlen) {
  (void)s;
  (void)conninfo;
  snprintf(err, errlen,
           "配置项 db_replica (只读副本) 只能用于 PostgreSQL 数据库 (db 为 postgresql://…); "
           "SQLite 数据库文件没有副本, 请删去此设置");
  return STORE_ERR;
}
/* Commit faults on SQLite are the fault build's VFS (store.h). */
int store_test_fail_commit(store *s, long nth) {
  (void)s;
  (void)nth;
  return STORE_ERR;
}
int store_read_lagged(store *s, const char *who, store_tx **tx) {
  (void)who;
  return store_read(s, tx);
}
void store_note_write(store *s, const char *who) {
  (void)s;
  (void)who;
}

/* ---- statements ------------------------------------------------------------ */
int store_exec(store_tx *tx, const char *sql, const sval *p, int n, int64_t *changes) {
  sqlite3_stmt *st;
  int owned;
  int rc = prepare(tx, sql, &st, &owned);
  if (rc != STORE_OK) return rc;
  rc = bind(tx, st, p, n, 1);
  if (rc == STORE_OK) {
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (s != SQLITE_DONE) {
      set_err(tx, "exec");
      rc = map_rc(sqlite3_extended_errcode(tx->c->db));
    } else if (changes) {
      *changes = sqlite3_changes64(tx->c->db);
    }
  }
  if (owned) sqlite3_finalize(st);
  else {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st); /* the texts were bound in place */
  }
  return rc;
}

int store_exec_script(store_tx *tx, const char *sql) {
  if (!tx->write || sqlite3_get_autocommit(tx->c->db)) return STORE_ERR;
  char *msg = NULL;
  if (sqlite3_exec(tx->c->db, sql, NULL, NULL, &msg) == SQLITE_OK) return STORE_OK;
  snprintf(tx->err, sizeof tx->err, "script: %s", msg ? msg : "?");
  sqlite3_free(msg);
  return map_rc(sqlite3_extended_errcode(tx->c->db));
}

int store_query(store_tx *tx, const char *sql, const sval *p, int n, store_rows **out) {
  sqlite3_stmt *st;
  int owned;
  int rc = prepare(tx, sql, &st, &owned);
  if (rc != STORE_OK) return rc;
  rc = bind(tx, st, p, n, 0);
  if (rc != STORE_OK) {
    if (owned) sqlite3_finalize(st);
    return rc;
  }
  store_rows *r = xcalloc(1, sizeof *r);
  r->tx = tx;
  r->st = st;
  r->owned = owned;
  *out = r;
  return STORE_OK;
}

int store_next(store_rows *r) {
  int s = sqlite3_step(r->st);
  if (s == SQLITE_ROW) return 1;
  if (s == SQLITE_DONE) return 0;
  set_err(r->tx, "step");
  return map_rc(sqlite3_extended_errcode(r->tx->c->db));
}

int store_ncols(store_rows *r) { return sqlite3_column_count(r->st); }
const char *store_colname(store_rows *r, int i) { return sqlite3_column_name(r->st, i); }
bool store_isnull(store_rows *r, int i) { return sqlite3_column_type(r->st, i) == SQLITE_NULL; }
int64_t store_int(store_rows *r, int i) { return sqlite3_column_int64(r->st, i); }
const char *store_text(store_rows *r, int i) {
  const unsigned char *t = sqlite3_column_text(r->st, i);
  return t ? (const char *)t : "";
}

void store_rows_close(store_rows *r) {
  if (!r) return;
  if (r->owned) sqlite3_finalize(r->st);
  else sqlite3_reset(r->st);
  free(r);
}

static json_t *row_json(store_rows *r) {
  json_t *o = json_object();
  int nc = store_ncols(r);
  for (int i = 0; i < nc; i++) {
    json_t *v;
    switch (sqlite3_column_type(r->st, i)) {
      case SQLITE_NULL: v = json_null(); break;
      case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(r->st, i)); break;
      case SQLITE_FLOAT: v = json_real(sqlite3_column_double(r->st, i)); break;
      default: {
        const char *t = store_text(r, i);
        size_t n = strlen(t);
        v = json_utf8_ok(t, n) ? json_stringn_nocheck(t, n) : NULL;
      }
    }
    if (!v) v = json_null(); /* invalid UTF-8 in the database: never emit it */
    /* column names are the SQL text's own (ASCII aliases): not re-checked as UTF-8 */
    json_object_set_new_nocheck(o, store_colname(r, i), v);
  }
  return o;
}

json_t *store_query_json(store_tx *tx, const char *sql, const sval *p, int n) {
  store_rows *r;
  if (store_query(tx, sql, p, n, &r) != STORE_OK) return NULL;
  json_t *a = json_array();
  int s;
  while ((s = store_next(r)) == 1) json_array_append_new(a, row_json(r));
  store_rows_close(r);
  if (s < 0) {
    json_decref(a);
    return NULL;
  }
  return a;
}

json_t *store_query_one(store_tx *tx, const char *sql, const sval *p, int n, int *rc) {
  store_rows *r;
  *rc = store_query(tx, sql, p, n, &r);
  if (*rc != STORE_OK) return NULL;
  json_t *o = NULL;
  int s = store_next(r);
  if (s == 1) o = row_json(r);
  else if (s < 0) *rc = s;
  store_rows_close(r);
  return o;
}

int store_query_int(store_tx *tx, const char *sql, const sval *p, int n, int64_t *v) {
  store_rows *r;
  int rc = store_query(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  int s = store_next(r);
  *v = s == 1 ? store_int(r, 0) : 0;
  store_rows_close(r);
  return s < 0 ? s : STORE_OK;
}

int store_query_text(store_tx *tx, const char *sql, const sval *p, int n, char **v) {
  store_rows *r;
  *v = NULL;
  int rc = store_query(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  int s = store_next(r);
  if (s == 1 && !store_isnull(r, 0)) *v = xstrdup(store_text(r, 0));
  store_rows_close(r);
  return s < 0 ? s : STORE_OK;
}
