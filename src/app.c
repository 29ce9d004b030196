/*
 * app.c — opening the application: keys, database, migrations.
 */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "util/config.h"
#include "util/xmem.h"

int app_open(app *a, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  cfg_finish();
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
