/*
 * store.h — the storage interface. Domain and HTTP code see only this file;
 * no SQLite or libpq type crosses it.
 *
 * Model: a store is a database with one writer and many readers.
 *   - store_write() opens a write transaction (serialized; on SQLite one
 *     writer connection and BEGIN IMMEDIATE). A successful store_commit() means
 *     the data is durable (synchronous=FULL): "acknowledged = committed".
 *     A backend may share one durable commit (one fsync) among concurrent
 *     writers (group commit, SQLite: sqlite.c invariant 2); then
 *     store_commit() returns only after the shared commit is durable, every
 *     writer of a failed shared commit gets the error, and no other
 *     transaction sees a write before it is durable. Callers therefore send
 *     anything that depends on a write (a 2xx, a sealed field's plaintext
 *     after its read's audit entry) only after store_commit() returned
 *     STORE_OK. store_rollback() of a write undoes that writer's statements
 *     only.
 *   - store_read() opens a read transaction on a pooled connection: a
 *     consistent snapshot, parallel with other readers and the writer.
 * SQL is written once in the common dialect (PostgreSQL's $1..$N
 * placeholders, ON CONFLICT, RETURNING); the backend rewrites as needed and
 * caches prepared statements per connection. User data only ever travels as
 * bound parameters (sval), never inside SQL text.
 */
#ifndef XUNJI_STORE_H
#define XUNJI_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct store store;
typedef struct store_tx store_tx;
typedef struct store_rows store_rows;

enum {
  STORE_OK = 0,
  STORE_ERR = -1,        /* unexpected database error (see store_errmsg) */
  STORE_CONFLICT = -2,   /* unique key violated */
  STORE_CONSTRAINT = -3, /* foreign key / check / not-null violated */
  STORE_BUSY = -4,       /* database locked beyond the busy timeout */
  STORE_TOOBIG = -5,     /* the SQL text was built in a bounded buffer that overflowed
                            (it contains BUF_POISON_CHAR, util/buf.h): refused unrun.
                            Every backend must make this check. */
};

typedef enum { SV_NULL, SV_INT, SV_TEXT } sv_type;
typedef struct sval {
  sv_type t;
  int64_t i;
  const char *s;
} sval;

#define SV_NUL ((sval){SV_NULL, 0, NULL})
#define SV_I(x) ((sval){SV_INT, (int64_t)(x), NULL})
static inline sval sv_text_(const char *s) {
  sval v = {s ? SV_TEXT : SV_NULL, 0, s};
  return v;
}
#define SV_S(x) sv_text_(x)

/* The page cache, in KiB, of every connection (the writer and each reader,
 * also those opened later) of the SQLite stores opened after this call
 * (PRAGMA cache_size=-kib; setting db_cache_kib); 0: SQLite's default.
 * PostgreSQL ignores it. */
void store_set_sqlite_cache_kib(long kib);
/* The SQLite writer's temporary storage in memory (PRAGMA temp_store=MEMORY)
 * for the stores opened after the call: the server's, whose group-commit
 * savepoint journals it keeps off the disk. Not the CLI's: a bulk rebuild's
 * GROUP BY b-trees would then live in memory too (stats --rebuild at 300,000
 * problems: 25 MB resident with files, 125 MB in memory). */
void store_set_sqlite_temp_memory(bool on);
/* Opens (creating if needed) the database at path. */
int store_open(store **out, const char *path, int max_readers, char *err, size_t errlen);
void store_close(store *s);
/* Copies the live database to a new file dest (mode 0600) with SQLite's
 * online backup API, from one read snapshot: writers go on meanwhile (WAL)
 * and the copy holds exactly the transactions committed before it began.
 * 0 or STORE_ERR with a Chinese message. */
int store_backup(store *s, const char *dest, char *err, size_t errlen);
/* Applies pending numbered migrations; returns the schema version or <0. */
int store_migrate(store *s, char *err, size_t errlen);
const char *store_backend(const store *s);

int store_write(store *s, store_tx **tx);
int store_read(store *s, store_tx **tx);
int store_commit(store_tx *tx);   /* also releases tx, even on failure */
void store_rollback(store_tx *tx); /* releases tx */
const char *store_errmsg(store_tx *tx);

/* A read replica (issue 16, PostgreSQL only; docs/deployment.md "Primary and
 * replica"). store_set_replica attaches a streaming replica by its connection
 * string: refused (Chinese message in err) on SQLite or for a name that is not
 * PostgreSQL's; a replica that cannot be reached now is not an error (reads
 * use the primary until it answers).
 * store_read_lagged opens a read transaction that tolerates the replica's lag
 * (record lists, statistics, drill-downs, their exports, search: never
 * sessions, tokens, grants or users). It is the one place that decides where
 * such a read goes: to the replica, unless `who` (the reader's user id, or
 * NULL) wrote something the replica has not replayed yet (read-your-writes,
 * see store_note_write), or the replica does not answer (then the primary,
 * logged once and counted in store_stats); without a replica it is
 * store_read.
 * store_note_write records, on the primary, that `who` has just committed a
 * write (the primary's WAL position now), so that who's next lagged read waits
 * for the replica to pass it or goes to the primary. No-op without a replica. */
int store_set_replica(store *s, const char *conninfo, char *err, size_t errlen);
/* Fault injection for the PostgreSQL tests (setting test_pg_fail_commit, test
 * mode only; tests/api/pg_faults.py): the nth write transaction's COMMIT from
 * now on fails on the server (the transaction is aborted there just before
 * it, so COMMIT is PostgreSQL's rollback); 0 turns it off. 0, or STORE_ERR on
 * SQLite (its faults are the fault build's VFS, src/store/faults.c). */
int store_test_fail_commit(store *s, long nth);
int store_read_lagged(store *s, const char *who, store_tx **tx);
void store_note_write(store *s, const char *who);

/* Counters for /metrics (src/api/metrics.c); a snapshot, cheap to take. */
typedef struct store_stats {
  int64_t commits;         /* durable commits (on SQLite: groups) */
  int64_t commit_failures; /* commits that failed: each of their writers got the error */
  int64_t txns;            /* write transactions acknowledged */
  int64_t txns_failed;     /* write transactions failed with their commit */
  int64_t group_size[8];   /* commits by writers in it: 1, 2, 3-4, 5-8, ..., 33-64, more */
  int writers_waiting;     /* now waiting for the writer */
  int readers_open, readers_idle, readers_max; /* the read connection pool */
  /* the read replica (store_set_replica): 0 without one */
  int replica;
  int64_t replica_reads;      /* lagged reads served by the replica */
  int64_t replica_own_writes; /* lagged reads sent to the primary: the reader's write not replayed */
  int64_t replica_fallbacks;  /* lagged reads sent to the primary: the replica did not answer */
  int replica_up;             /* 1 when the last attempt reached the replica */
} store_stats;
void store_get_stats(store *s, store_stats *out);

/* The data version (issue 15, the answer cache api/answers.c): a number that
 * differs from every earlier value whenever a transaction may have been
 * committed since, by this process or another (except this process's
 * transactions marked store_tx_quiet). Read it before opening the
 * transaction whose answer it labels: an answer labelled v is then never
 * older than what a request that read v later would see. SQLite only:
 * PostgreSQL (several servers, no cheap commit counter) answers STORE_ERR,
 * as does any failure; the caller then labels nothing. */
int store_version(store *s, uint64_t *v);
/* Marks a write transaction as changing nothing an answer of store_version's
 * users depends on (a session's or token's last-use stamp): its commit
 * leaves the version as it was, unless another process could not tell it
 * from any other commit (store_version then counts it). */
void store_tx_quiet(store_tx *tx);

/* Runs a statement that returns no rows; *changes (optional) gets the row count. */
int store_exec(store_tx *tx, const char *sql, const sval *p, int n, int64_t *changes);
/* Runs a trusted script of several statements without parameters (the
 * seed fixture), inside a write transaction. */
int store_exec_script(store_tx *tx, const char *sql);
/* Runs a query; iterate with store_next until it returns 0 (<0 on error). */
int store_query(store_tx *tx, const char *sql, const sval *p, int n, store_rows **rows);
int store_next(store_rows *r);
int store_ncols(store_rows *r);
const char *store_colname(store_rows *r, int i);
bool store_isnull(store_rows *r, int i);
int64_t store_int(store_rows *r, int i);
const char *store_text(store_rows *r, int i); /* "" for NULL; valid until next step */
void store_rows_close(store_rows *r);

/* Runs a query and returns its rows as a JSON array of objects keyed by
 * column name (integers, strings, nulls). NULL on error. */
json_t *store_query_json(store_tx *tx, const char *sql, const sval *p, int n);
/* The first row as an object; *found is false (and NULL returned) if none. */
json_t *store_query_one(store_tx *tx, const char *sql, const sval *p, int n, int *rc);
/* Single integer result of a query (e.g. count(*)); returns rc, value in *v. */
int store_query_int(store_tx *tx, const char *sql, const sval *p, int n, int64_t *v);
/* Single text result (malloc'd) or NULL if no row / NULL value. */
int store_query_text(store_tx *tx, const char *sql, const sval *p, int n, char **v);

#endif
