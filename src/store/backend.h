/*
 * backend.h — the two implementations of store.h side by side.
 *
 * store.c (the public store.h) chooses the backend by the database name:
 * "postgresql://" or "postgres://" (or a libpq "key=value" string starting
 * with "host=" / "dbname=") is PostgreSQL (pg.c), anything else an SQLite
 * file (sqlite.c). Each backend file defines STORE_BACKEND_SQ or
 * STORE_BACKEND_PG and includes this header before store/store.h: the macros
 * below then rename its store_* functions and types to sq_* / pg_*, so both
 * link into one binary and store.c dispatches. The prototypes here repeat
 * store.h's; inside a backend file the compiler checks that they agree.
 */
#ifndef XUNJI_STORE_BACKEND_H
#define XUNJI_STORE_BACKEND_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sval;
struct store_stats;
struct sq_store;
struct sq_tx;
struct sq_rows;
struct pg_store;
struct pg_tx;
struct pg_rows;
#define STORE_BACKEND_DECLS(P, S, T, R)                                                        \
  int P##store_open(S **out, const char *path, int max_readers, char *err, size_t errlen);   \
  void P##store_close(S *s);                                                                 \
  int P##store_backup(S *s, const char *dest, char *err, size_t errlen);                     \
  int P##store_migrate(S *s, char *err, size_t errlen);                                      \
  const char *P##store_backend(const S *s);                                                  \
  int P##store_write(S *s, T **tx);                                                          \
  int P##store_read(S *s, T **tx);                                                           \
  int P##store_commit(T *tx);                                                                \
  void P##store_rollback(T *tx);                                                             \
  const char *P##store_errmsg(T *tx);                                                        \
  int P##store_set_replica(S *s, const char *conninfo, char *err, size_t errlen);            \
  int P##store_test_fail_commit(S *s, long nth);                                             \
  int P##store_read_lagged(S *s, const char *who, T **tx);                                   \
  void P##store_note_write(S *s, const char *who);                                           \
  void P##store_get_stats(S *s, struct store_stats *out);                                    \
  int P##store_version(S *s, uint64_t *v);                                                   \
  void P##store_tx_quiet(T *tx);                                                             \
  int P##store_exec(T *tx, const char *sql, const struct sval *p, int n, int64_t *changes);  \
  int P##store_exec_script(T *tx, const char *sql);                                          \
  int P##store_query(T *tx, const char *sql, const struct sval *p, int n, R **rows);         \
  int P##store_next(R *r);                                                                   \
  int P##store_ncols(R *r);                                                                  \
  const char *P##store_colname(R *r, int i);                                                 \
  bool P##store_isnull(R *r, int i);                                                         \
  int64_t P##store_int(R *r, int i);                                                         \
  const char *P##store_text(R *r, int i);                                                    \
  void P##store_rows_close(R *r);                                                            \
  json_t *P##store_query_json(T *tx, const char *sql, const struct sval *p, int n);          \
  json_t *P##store_query_one(T *tx, const char *sql, const struct sval *p, int n, int *rc);  \
  int P##store_query_int(T *tx, const char *sql, const struct sval *p, int n, int64_t *v);   \
  int P##store_query_text(T *tx, const char *sql, const struct sval *p, int n, char **v);

STORE_BACKEND_DECLS(sq_, struct sq_store, struct sq_tx, struct sq_rows)
STORE_BACKEND_DECLS(pg_, struct pg_store, struct pg_tx, struct pg_rows)

/* the i-th numbered migration of src/store/sqlite/ (sqlite.c's list, the one
 * source of the schema); 0 past the end */
int sq_migration(size_t i, int *version, const char **name, const char **sql);
/* pg.c's translations of SQLite-dialect SQL (malloc'd; the DDL one NULL with
 * err for what needs an override) and whether a migration has one */
char *pg_translate_dml(const char *sql);
char *pg_translate_ddl(const char *sql, char *err, size_t errlen);
bool pg_has_override(int version);
/* store_set_sqlite_cache_kib's value, for sqlite.c's connections (0: default) */
long backend_sqlite_cache_kib(void);
/* store_set_sqlite_temp_memory's value, for sqlite.c's writer */
bool backend_sqlite_temp_memory(void);
/* true when name selects the PostgreSQL backend */
bool store_name_is_pg(const char *name);
#endif

#if defined(STORE_BACKEND_SQ) && !defined(XUNJI_STORE_BACKEND_RENAMED)
#define XUNJI_STORE_BACKEND_RENAMED
#define store sq_store
#define store_tx sq_tx
#define store_rows sq_rows
#define store_open sq_store_open
#define store_close sq_store_close
#define store_backup sq_store_backup
#define store_migrate sq_store_migrate
#define store_backend sq_store_backend
#define store_write sq_store_write
#define store_read sq_store_read
#define store_commit sq_store_commit
#define store_rollback sq_store_rollback
#define store_errmsg sq_store_errmsg
#define store_set_replica sq_store_set_replica
#define store_test_fail_commit sq_store_test_fail_commit
#define store_read_lagged sq_store_read_lagged
#define store_note_write sq_store_note_write
#define store_get_stats sq_store_get_stats
#define store_version sq_store_version
#define store_tx_quiet sq_store_tx_quiet
#define store_exec sq_store_exec
#define store_exec_script sq_store_exec_script
#define store_query sq_store_query
#define store_next sq_store_next
#define store_ncols sq_store_ncols
#define store_colname sq_store_colname
#define store_isnull sq_store_isnull
#define store_int sq_store_int
#define store_text sq_store_text
#define store_rows_close sq_store_rows_close
#define store_query_json sq_store_query_json
#define store_query_one sq_store_query_one
#define store_query_int sq_store_query_int
#define store_query_text sq_store_query_text
#endif
#if defined(STORE_BACKEND_PG) && !defined(XUNJI_STORE_BACKEND_RENAMED)
#define XUNJI_STORE_BACKEND_RENAMED
#define store pg_store
#define store_tx pg_tx
#define store_rows pg_rows
#define store_open pg_store_open
#define store_close pg_store_close
#define store_backup pg_store_backup
#define store_migrate pg_store_migrate
#define store_backend pg_store_backend
#define store_write pg_store_write
#define store_read pg_store_read
#define store_commit pg_store_commit
#define store_rollback pg_store_rollback
#define store_errmsg pg_store_errmsg
#define store_set_replica pg_store_set_replica
#define store_test_fail_commit pg_store_test_fail_commit
#define store_read_lagged pg_store_read_lagged
#define store_note_write pg_store_note_write
#define store_get_stats pg_store_get_stats
#define store_version pg_store_version
#define store_tx_quiet pg_store_tx_quiet
#define store_exec pg_store_exec
#define store_exec_script pg_store_exec_script
#define store_query pg_store_query
#define store_next pg_store_next
#define store_ncols pg_store_ncols
#define store_colname pg_store_colname
#define store_isnull pg_store_isnull
#define store_int pg_store_int
#define store_text pg_store_text
#define store_rows_close pg_store_rows_close
#define store_query_json pg_store_query_json
#define store_query_one pg_store_query_one
#define store_query_int pg_store_query_int
#define store_query_text pg_store_query_text
#endif
