/*
 * app.c — opening the application: keys, database, migrations.
 */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec/audit.h"
#include "sec/password.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

/* Has the audit head's migration (008) been applied to this database yet? */
static int head_migrated(store *s) {
  store_tx *tx;
  int64_t n = 0;
  if (store_read(s, &tx) != STORE_OK) return 0;
  if (store_query_int(tx, "SELECT count(*) FROM schema_migrations WHERE version=8", NULL, 0, &n))
    n = 0; /* a new database: no table yet */
  store_rollback(tx);
  return n > 0;
}

int app_open(app *a, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  cfg_finish();
  long shift = cfg_int(CFG_TEST_CLOCK_DAYS);
  if (shift) { /* the test clock: refused outside test mode */
    const char *tm = getenv("XUNJI_TEST_MODE");
    if (!tm || strcmp(tm, "1") != 0) {
      snprintf(err, errlen, "设置 test_clock_days 仅用于测试, 需要环境变量 XUNJI_TEST_MODE=1");
      return -1;
    }
    fprintf(stderr, "xunji: 测试模式: 时钟推后 %ld 天\n", shift);
    clock_shift((int64_t)shift * 86400);
  }
  long kdf = cfg_int(CFG_TEST_PBKDF2_ITER);
  if (kdf) { /* a cheaper password hash for the test suite: refused outside test mode */
    const char *tm = getenv("XUNJI_TEST_MODE");
    if (!tm || strcmp(tm, "1") != 0) {
      snprintf(err, errlen, "设置 test_pbkdf2_iterations 仅用于测试, 需要环境变量 XUNJI_TEST_MODE=1");
      return -1;
    }
    if (kdf < 1000) {
      snprintf(err, errlen, "配置项 test_pbkdf2_iterations 的值无效: %ld (应为 0 或 1000 至 99999)", kdf);
      return -1;
    }
    pw_test_iterations((unsigned)kdf);
  }
  long fail_commit = cfg_int(CFG_TEST_PG_FAIL_COMMIT);
  if (fail_commit) { /* fault injection for the PostgreSQL tests: refused outside test mode */
    const char *tm = getenv("XUNJI_TEST_MODE");
    if (!tm || strcmp(tm, "1") != 0) {
      snprintf(err, errlen, "设置 test_pg_fail_commit 仅用于测试, 需要环境变量 XUNJI_TEST_MODE=1");
      return -1;
    }
  }
  const char *ra = cfg_str(CFG_REVEAL_APPROVER);
  if (strcmp(ra, "leading_group") && strcmp(ra, "commission_liaison") &&
      (strcmp(ra, "none") || !getenv("XUNJI_TEST_MODE") || strcmp(getenv("XUNJI_TEST_MODE"), "1"))) {
    snprintf(err, errlen,
             "配置项 reveal_approver 的值无效: %s (应为 leading_group 或 commission_liaison)", ra);
    return -1;
  }
  if (keys_load(&a->keys, cfg_str(CFG_KEY_FILE), err, errlen)) return -1;
  store_set_sqlite_cache_kib(cfg_int(CFG_DB_CACHE_KIB));
  if (store_open(&a->db, cfg_str(CFG_DB), 64, err, errlen)) return -1;
  int had_head = head_migrated(a->db);
  if (store_migrate(a->db, err, errlen) < 0) {
    store_close(a->db);
    a->db = NULL;
    return -1;
  }
  /* issue 16: lagged reads to a streaming replica (refused on SQLite) */
  if (*cfg_str(CFG_DB_REPLICA) && store_set_replica(a->db, cfg_str(CFG_DB_REPLICA), err, errlen)) {
    app_close(a);
    return -1;
  }
  a->anchor = cfg_str(CFG_AUDIT_ANCHOR);
  /* several servers on one PostgreSQL share the anchor in the database */
  audit_anchor_db(strcmp(store_backend(a->db), "postgresql") ? NULL : a->db);
  /* seals the head this process just created; a head that fails its check is
   * left alone (writes are refused, `audit verify` reports it) */
  if (audit_head_open(a->db, &a->keys, a->anchor, !had_head) < 0)
    fprintf(stderr, "xunji: 无法打开审计链头记录\n");
  /* counted from here: the commits of the requests (and commands) to come */
  if (fail_commit && store_test_fail_commit(a->db, fail_commit)) {
    snprintf(err, errlen, "设置 test_pg_fail_commit 只能用于 PostgreSQL 数据库 (SQLite 的故障注入见 build/faults)");
    app_close(a);
    return -1;
  }
  if (fail_commit) fprintf(stderr, "xunji: 测试模式: 第 %ld 次写事务提交将失败\n", fail_commit);
  return 0;
}

void app_close(app *a) {
  audit_anchor_db(NULL);
  store_close(a->db);
  keys_release(&a->keys);
  xwipe(&a->keys, sizeof a->keys);
  a->db = NULL;
}
