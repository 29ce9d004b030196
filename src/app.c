/*
 * app.c — opening the application: keys, database, migrations.
 */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

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
  if (keys_load(&a->keys, cfg_str(CFG_KEY_FILE), err, errlen)) return -1;
  if (store_open(&a->db, cfg_str(CFG_DB), 64, err, errlen)) return -1;
  if (store_migrate(a->db, err, errlen) < 0) {
    store_close(a->db);
    a->db = NULL;
    return -1;
  }
  a->anchor = cfg_str(CFG_AUDIT_ANCHOR);
  return 0;
}

void app_close(app *a) {
  store_close(a->db);
  xwipe(&a->keys, sizeof a->keys);
  a->db = NULL;
}
