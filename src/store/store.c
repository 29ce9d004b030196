/*
 * store.c — store.h's entry points: picks the backend by the database name
 * (store/backend.h) and forwards each call. A store, a transaction and a
 * cursor carry which backend made them; nothing else is shared.
 */
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/store.h"
#include "util/xmem.h"

struct store {
  int pg;
  void *impl;
};
struct store_tx {
  int pg;
  void *impl;
};
struct store_rows {
  int pg;
  void *impl;
};

bool store_name_is_pg(const char *name) {
  return name && (!strncmp(name, "postgresql://", 13) || !strncmp(name, "postgres://", 11) ||
                  !strncmp(name, "host=", 5) || !strncmp(name, "dbname=", 7));
}

#define CALL(obj, fn, ...) \
  ((obj)->pg ? pg_##fn((struct pg_store *)(obj)->impl, __VA_ARGS__) \
             : sq_##fn((struct sq_store *)(obj)->impl, __VA_ARGS__))
#define TXCALL(tx, fn, ...) \
  ((tx)->pg ? pg_##fn((struct pg_tx *)(tx)->impl, __VA_ARGS__) \
            : sq_##fn((struct sq_tx *)(tx)->impl, __VA_ARGS__))
#define RCALL(r, fn, ...) \
  ((r)->pg ? pg_##fn((struct pg_rows *)(r)->impl, __VA_ARGS__) \
           : sq_##fn((struct sq_rows *)(r)->impl, __VA_ARGS__))

static long sqlite_cache_kib; /* set before the connections open, read after */
void store_set_sqlite_cache_kib(long kib) { sqlite_cache_kib = kib > 0 ? kib : 0; }
long backend_sqlite_cache_kib(void) { return sqlite_cache_kib; }
static bool sqlite_temp_memory; /* the same: set before the store opens */
void store_set_sqlite_temp_memory(bool on) { sqlite_temp_memory = on; }
bool backend_sqlite_temp_memory(void) { return sqlite_temp_memory; }

int store_open(store **out, const char *path, int max_readers, char *err, size_t errlen) {
  store *s = xcalloc(1, sizeof *s);
  s->pg = store_name_is_pg(path);
  int rc = s->pg ? pg_store_open((struct pg_store **)&s->impl, path, max_readers, err, errlen)
                 : sq_store_open((struct sq_store **)&s->impl, path, max_readers, err, errlen);
  if (rc != STORE_OK) {
    free(s);
    return rc;
  }
  *out = s;
  return STORE_OK;
}

void store_close(store *s) {
  if (!s) return;
  if (s->pg) pg_store_close(s->impl);
  else sq_store_close(s->impl);
  free(s);
}

int store_backup(store *s, const char *dest, char *err, size_t errlen) {
  return CALL(s, store_backup, dest, err, errlen);
}
int store_migrate(store *s, char *err, size_t errlen) { return CALL(s, store_migrate, err, errlen); }
const char *store_backend(const store *s) {
  return s->pg ? pg_store_backend(s->impl) : sq_store_backend(s->impl);
}

/* write: 1 a write, 0 a read, 2 a lagged read of who */
static int begin(store *s, store_tx **out, int write, const char *who) {
  void *impl = NULL;
  int rc = s->pg ? (write == 1   ? pg_store_write(s->impl, (struct pg_tx **)&impl)
                    : write == 2 ? pg_store_read_lagged(s->impl, who, (struct pg_tx **)&impl)
                                 : pg_store_read(s->impl, (struct pg_tx **)&impl))
                 : (write == 1   ? sq_store_write(s->impl, (struct sq_tx **)&impl)
                    : write == 2 ? sq_store_read_lagged(s->impl, who, (struct sq_tx **)&impl)
                                 : sq_store_read(s->impl, (struct sq_tx **)&impl));
  if (rc != STORE_OK) return rc;
  store_tx *tx = xmalloc(sizeof *tx);
  tx->pg = s->pg;
  tx->impl = impl;
  *out = tx;
  return STORE_OK;
}
int store_write(store *s, store_tx **tx) { return begin(s, tx, 1, NULL); }
int store_read(store *s, store_tx **tx) { return begin(s, tx, 0, NULL); }
int store_read_lagged(store *s, const char *who, store_tx **tx) { return begin(s, tx, 2, who); }
int store_set_replica(store *s, const char *conninfo, char *err, size_t errlen) {
  return CALL(s, store_set_replica, conninfo, err, errlen);
}
int store_test_fail_commit(store *s, long nth) { return CALL(s, store_test_fail_commit, nth); }
void store_note_write(store *s, const char *who) {
  if (s->pg) pg_store_note_write(s->impl, who);
  else sq_store_note_write(s->impl, who);
}

int store_commit(store_tx *tx) {
  int rc = tx->pg ? pg_store_commit(tx->impl) : sq_store_commit(tx->impl);
  free(tx);
  return rc;
}
void store_rollback(store_tx *tx) {
  if (tx->pg) pg_store_rollback(tx->impl);
  else sq_store_rollback(tx->impl);
  free(tx);
}
void store_get_stats(store *s, store_stats *out) {
  if (s->pg) pg_store_get_stats(s->impl, out);
  else sq_store_get_stats(s->impl, out);
}
int store_version(store *s, uint64_t *v) { return CALL(s, store_version, v); }
void store_tx_quiet(store_tx *tx) {
  if (tx->pg) pg_store_tx_quiet(tx->impl);
  else sq_store_tx_quiet(tx->impl);
}
const char *store_errmsg(store_tx *tx) {
  return tx->pg ? pg_store_errmsg(tx->impl) : sq_store_errmsg(tx->impl);
}

int store_exec(store_tx *tx, const char *sql, const sval *p, int n, int64_t *changes) {
  return TXCALL(tx, store_exec, sql, p, n, changes);
}
int store_exec_script(store_tx *tx, const char *sql) { return TXCALL(tx, store_exec_script, sql); }

int store_query(store_tx *tx, const char *sql, const sval *p, int n, store_rows **out) {
  void *impl = NULL;
  int rc = tx->pg ? pg_store_query(tx->impl, sql, p, n, (struct pg_rows **)&impl)
                  : sq_store_query(tx->impl, sql, p, n, (struct sq_rows **)&impl);
  if (rc != STORE_OK) return rc;
  store_rows *r = xmalloc(sizeof *r);
  r->pg = tx->pg;
  r->impl = impl;
  *out = r;
  return STORE_OK;
}
int store_next(store_rows *r) { return r->pg ? pg_store_next(r->impl) : sq_store_next(r->impl); }
int store_ncols(store_rows *r) { return r->pg ? pg_store_ncols(r->impl) : sq_store_ncols(r->impl); }
const char *store_colname(store_rows *r, int i) { return RCALL(r, store_colname, i); }
bool store_isnull(store_rows *r, int i) { return RCALL(r, store_isnull, i); }
int64_t store_int(store_rows *r, int i) { return RCALL(r, store_int, i); }
const char *store_text(store_rows *r, int i) { return RCALL(r, store_text, i); }
void store_rows_close(store_rows *r) {
  if (!r) return;
  if (r->pg) pg_store_rows_close(r->impl);
  else sq_store_rows_close(r->impl);
  free(r);
}

json_t *store_query_json(store_tx *tx, const char *sql, const sval *p, int n) {
  return TXCALL(tx, store_query_json, sql, p, n);
}
json_t *store_query_one(store_tx *tx, const char *sql, const sval *p, int n, int *rc) {
  return TXCALL(tx, store_query_one, sql, p, n, rc);
}
int store_query_int(store_tx *tx, const char *sql, const sval *p, int n, int64_t *v) {
  return TXCALL(tx, store_query_int, sql, p, n, v);
}
int store_query_text(store_tx *tx, const char *sql, const sval *p, int n, char **v) {
  return TXCALL(tx, store_query_text, sql, p, n, v);
}
