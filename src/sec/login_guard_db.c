/*
 * login_guard_db.c — the per-source sign-in limits kept in the database
 * (table login_sources, migration 033), for several xunji servers on one
 * PostgreSQL (issue 16): every server counts the same attempts from an
 * address, so N servers do not give it N times the allowance. The rules are
 * login_guard.c's (lg_state_*); only where the state lives differs. Each
 * step is one write transaction (on PostgreSQL the write lock serializes
 * them across servers, so two servers never count from the same old state).
 */
#include "sec/login_guard_db.h"

#include <jansson.h>
#include <string.h>

static int64_t col(json_t *row, const char *name) {
  return (int64_t)json_integer_value(json_object_get(row, name));
}

/* Loads src's state into st (zero if none); 0, or <0 on a store error. */
static int load(store_tx *tx, const char *src, lg_state *st) {
  int rc = 0;
  sval p[] = {SV_S(src)};
  json_t *row = store_query_one(tx,
                                "SELECT win, attempts, fails, last_fail, blocked_until FROM "
                                "login_sources WHERE source=$1",
                                p, 1, &rc);
  memset(st, 0, sizeof *st);
  if (!row) return rc < 0 ? rc : 0;
  st->window = col(row, "win");
  st->count = (long)col(row, "attempts");
  st->fails = (long)col(row, "fails");
  st->last_fail = col(row, "last_fail");
  st->blocked_until = col(row, "blocked_until");
  json_decref(row);
  return 0;
}

static int save(store_tx *tx, const char *src, const lg_state *st, int64_t now) {
  sval p[] = {SV_S(src), SV_I(st->window), SV_I(st->count), SV_I(st->fails),
              SV_I(st->last_fail), SV_I(st->blocked_until), SV_I(now)};
  return store_exec(tx,
                    "INSERT INTO login_sources(source, win, attempts, fails, last_fail, "
                    "blocked_until, touched) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "ON CONFLICT (source) DO UPDATE SET win=excluded.win, "
                    "attempts=excluded.attempts, fails=excluded.fails, "
                    "last_fail=excluded.last_fail, blocked_until=excluded.blocked_until, "
                    "touched=excluded.touched",
                    p, 7, NULL);
}

/* Addresses are at most LG_KEY_MAX - 1 bytes here too (as the memory table). */
static void key_of(const char *src, char out[LG_KEY_MAX]) {
  size_t n = strlen(src);
  if (n >= LG_KEY_MAX) n = LG_KEY_MAX - 1;
  memcpy(out, src, n);
  out[n] = '\0';
}

long login_guard_db_begin(store *db, const char *src, int64_t now, const lg_rules *ru) {
  char key[LG_KEY_MAX];
  key_of(src, key);
  store_tx *tx;
  if (store_write(db, &tx)) return -1;
  lg_state st;
  if (load(tx, key, &st)) {
    store_rollback(tx);
    return -1;
  }
  long wait = lg_state_begin(&st, now, ru);
  if (save(tx, key, &st, now)) {
    store_rollback(tx);
    return -1;
  }
  return store_commit(tx) ? -1 : wait;
}

int login_guard_db_success(store *db, const char *src, int64_t now, const lg_rules *ru) {
  char key[LG_KEY_MAX];
  key_of(src, key);
  store_tx *tx;
  if (store_write(db, &tx)) return -1;
  lg_state st;
  if (load(tx, key, &st) || (lg_state_success(&st, now, ru), save(tx, key, &st, now))) {
    store_rollback(tx);
    return -1;
  }
  return store_commit(tx) ? -1 : 0;
}

long login_guard_db_sweep(store_tx *tx, int64_t now) {
  int64_t n = 0;
  sval p[] = {SV_I(now - (int64_t)86400 * 1000)};
  if (store_exec(tx, "DELETE FROM login_sources WHERE touched < $1", p, 1, &n)) return -1;
  return (long)n;
}
