/*
 * pg.c — the PostgreSQL implementation of store.h (libpq), chosen by a
 * database name "postgresql://…" (store/backend.h, store.c).
 *
 * Invariants:
 *   1. Writes are serialized like SQLite's one writer, across every xunji
 *      server on the database: a write transaction is READ COMMITTED and first
 *      takes one transaction-level advisory lock (WRITE_LOCK), so the code
 *      above (sequences, the audit chain's head, read-then-write checks) sees
 *      the same one-writer world on both backends. Within a process one writer
 *      connection, guarded by wmu.
 *   2. Readers come from a bounded pool of connections; a read transaction is
 *      REPEATABLE READ, READ ONLY: one snapshot for all its statements.
 *   3. Each connection prepares a statement on its first use and keeps it by
 *      SQL text. Parameters go as text with type "unknown" so PostgreSQL infers
 *      them from the context; where it cannot (42P18 and kin), the statement is
 *      prepared again with the types of the values given (int8/text).
 *   4. In a write transaction each statement runs inside a savepoint: a failed
 *      statement (a unique key violated, …) leaves the transaction usable, as
 *      on SQLite, where callers go on after STORE_CONFLICT. A statement already
 *      prepared goes with its SAVEPOINT and RELEASE in one round trip (libpq
 *      pipeline mode, run_pipelined); a failed one costs a second (ROLLBACK TO).
 *   5. Results are read whole (PQexecPrepared); integers and booleans come back
 *      as integers (a boolean as 0/1, as SQLite gives it), numeric without a
 *      fraction as an integer.
 *   6. Migrations: the numbered files of src/store/sqlite/ (sq_migration), each
 *      translated by pg_ddl() (INTEGER→BIGINT, INTEGER PRIMARY KEY→identity,
 *      STRICT dropped, RAISE(ABORT) triggers → sqlite_compat.raise_abort), or
 *      replaced by src/store/pg/NNN_name.sql where the dialects differ beyond
 *      that (overrides[]). src/store/pg/compat.sql supplies SQLite's functions.
 */
#define STORE_BACKEND_PG /* store/backend.h: this file's functions are pg_store_* */
#include "store/backend.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/text.h"
#include "util/xmem.h"

EMBED(xunji_pg_compat, "src/store/pg/compat.sql");
EMBED(xunji_pg_009, "src/store/pg/009_domain.sql");
EMBED(xunji_pg_015, "src/store/pg/015_twofa.sql");
EMBED(xunji_pg_021, "src/store/pg/021_stat_aggregates.sql");
EMBED(xunji_pg_023, "src/store/pg/023_stat_aggregates2.sql");
EMBED(xunji_pg_024, "src/store/pg/024_stat_rollups.sql");
EMBED(xunji_pg_025, "src/store/pg/025_stat_aggregates3.sql");
EMBED(xunji_pg_027, "src/store/pg/027_read_marks.sql");
EMBED(xunji_pg_031, "src/store/pg/031_pg_statement_triggers.sql");
EMBED(xunji_pg_034, "src/store/pg/034_stat_days.sql");
EMBED(xunji_pg_035, "src/store/pg/035_stat_units.sql");

/* migrations whose SQLite text cannot be translated mechanically */
static const struct {
  int version;
  const char *sql;
} overrides[] = {
    {9, xunji_pg_009},
    {15, xunji_pg_015},
    {21, xunji_pg_021},
    {23, xunji_pg_023},
    {24, xunji_pg_024},
    {25, xunji_pg_025},
    {27, xunji_pg_027},
    {31, xunji_pg_031},
    {34, xunji_pg_034},
    {35, xunji_pg_035},
};

/* the advisory lock key that serializes writers (and migrations) */
#define WRITE_LOCK "7458236401"

enum { CACHE_SLOTS = 1024 };
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

typedef struct conn {
  PGconn *pg;
  struct {
    char *key;  /* the SQL text, or "T<types>\x01<SQL>" for a typed one */
    int typed;  /* 1: this SQL needs typed parameters (no statement here) */
    int stmt;   /* statement number: name "x<stmt>" */
  } cache[CACHE_SLOTS];
  int nstmt;
  struct conn *next_free;
} conn;

struct store {
  char *conninfo;
  store_stats st; /* counters for /metrics, under wmu (commits) and pmu (readers) */
  conn *writer;
  pthread_mutex_t wmu;
  pthread_mutex_t pmu;
  pthread_cond_t pcv;
  conn *free_readers;
  int nreaders, max_readers;
  struct replica *rep; /* issue 16: the read replica (section "read replica"), or NULL */
  long fail_commit_at;  /* test_pg_fail_commit: this write commit fails (0: none; under wmu) */
  long write_commits;   /* write commits since store_test_fail_commit (under wmu) */
};

static void replica_close(store *s);
static void replica_stats(store *s, store_stats *out);

struct store_tx {
  store *s;
  conn *c;
  int write;
  int failed; /* a read transaction that saw an error: rolled back, not reused */
  char err[256];
};

struct store_rows {
  store_tx *tx;
  PGresult *res;
  int row, nrows;
};

/* ---- connections ------------------------------------------------------------ */
/* every connection's settings, again after a reconnection */
#define SESSION_SETUP                                                                  \
  "SET search_path = public, sqlite_compat; SET client_encoding = 'UTF8'; "            \
  "SET synchronous_commit = on; SET client_min_messages = warning"

static int open_conn(const char *conninfo, conn **out, char *err, size_t errlen) {
  conn *c = xcalloc(1, sizeof *c);
  c->pg = PQconnectdb(conninfo);
  if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
    snprintf(err, errlen, "无法连接 PostgreSQL 数据库: %s",
             c->pg ? PQerrorMessage(c->pg) : "内存不足");
    PQfinish(c->pg);
    free(c);
    return STORE_ERR;
  }
  PGresult *r = PQexec(c->pg, SESSION_SETUP);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    snprintf(err, errlen, "PostgreSQL 连接设置失败: %s", PQerrorMessage(c->pg));
    PQfinish(c->pg);
    free(c);
    return STORE_ERR;
  }
  *out = c;
  return STORE_OK;
}

static void close_conn(conn *c) {
  if (!c) return;
  for (int i = 0; i < CACHE_SLOTS; i++) free(c->cache[i].key);
  PQfinish(c->pg);
  free(c);
}

static uint32_t fnv(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static int map_state(const char *st) {
  if (!st) return STORE_ERR;
  /* the connection is gone (class 08) or the server ends it (57P01 admin
   * shutdown, e.g. pg_terminate_backend; 57P02 crash; 57P03 starting up):
   * "try again" (503); the next transaction reconnects (conn_ok) */
  if (!strncmp(st, "08", 2) || !strcmp(st, "57P01") || !strcmp(st, "57P02") ||
      !strcmp(st, "57P03"))
    return STORE_BUSY;
  if (!strcmp(st, "23505")) return STORE_CONFLICT;
  if (!strncmp(st, "23", 2)) return STORE_CONSTRAINT;
  if (!strcmp(st, "40001") || !strcmp(st, "40P01") || !strcmp(st, "55P03")) return STORE_BUSY;
  return STORE_ERR;
}

/* The store's code of a failed result r on pg: by SQLSTATE; an error that
 * libpq made itself (no SQLSTATE) on a connection now broken is a lost
 * connection too. */
static int map_result(PGconn *pg, const PGresult *r) {
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (!st && PQstatus(pg) == CONNECTION_BAD) return STORE_BUSY;
  return map_state(st);
}

/* runs a command without parameters; 0 or the mapped error (message in err) */
static int simple(PGconn *pg, const char *sql, char *err, size_t errlen) {
  PGresult *r = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(r);
  int rc = STORE_OK;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    rc = map_result(pg, r);
    if (err) snprintf(err, errlen, "%s", PQresultErrorMessage(r));
  }
  PQclear(r);
  return rc;
}

/* ---- SQL: the common dialect to PostgreSQL ------------------------------------ */
static bool word_at(const char *p, const char *w) {
  size_t n = strlen(w);
  if (strncasecmp(p, w, n)) return false;
  char after = p[n];
  return !((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
           (after >= '0' && after <= '9') || after == '_');
}
static bool ident_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

/* the number of commas at the top level of the parenthesis at p */
static int top_commas(const char *p) {
  int depth = 0, n = 0;
  for (; *p; p++) {
    if (*p == '\'') {
      for (p++; *p && !(*p == '\'' && p[1] != '\''); p += (*p == '\'') ? 2 : 1) {
      }
      if (!*p) break;
    } else if (*p == '(') {
      depth++;
    } else if (*p == ')') {
      if (--depth == 0) break;
    } else if (*p == ',' && depth == 1) {
      n++;
    }
  }
  return n;
}

/* DML: INSERT OR IGNORE → ON CONFLICT DO NOTHING; char(n) → chr(n); LIKE → ILIKE
 * (SQLite's LIKE ignores ASCII case); the scalar max(a, b, …) / min(a, b, …)
 * → greatest / least (which skip NULLs where SQLite's give NULL); a literal 0 or
 * 1 that stands as a condition (after AND/OR/WHERE/NOT/WHEN/HAVING and any
 * opening parentheses, before ")", AND, OR, THEN, … or the end) → FALSE/TRUE,
 * as the visibility model writes "nothing"/"all" (but not the value after WHEN
 * in a simple CASE, "CASE x WHEN 1 THEN", which is compared with x); a derived
 * table without an alias ("FROM (SELECT …) WHERE") gets one. Quoted text and
 * comments are copied as they are. */
static bool bool_keyword(const char *p) {
  return word_at(p, "AND") || word_at(p, "OR") || word_at(p, "WHERE") || word_at(p, "NOT") ||
         word_at(p, "WHEN") || word_at(p, "HAVING");
}
/* what follows a literal that stands for a truth value */
static bool bool_end(const char *e) {
  while (*e == ' ' || *e == '\n' || *e == '\t') e++;
  return !*e || *e == ')' || *e == ';' || word_at(e, "AND") || word_at(e, "OR") ||
         word_at(e, "THEN") || word_at(e, "ORDER") || word_at(e, "GROUP") || word_at(e, "LIMIT");
}

/* the end of the quoted text starting at p (on the closing quote or NUL) */
static const char *skip_quoted(const char *p) {
  char q = *p;
  for (p++; *p && !(*p == q && p[1] != q); p += (*p == q) ? 2 : 1) {
  }
  return p;
}

/* Where a derived table "FROM (SELECT …)" without an alias ends: PostgreSQL
 * before 16 wants an alias there. Fills at[] with the offsets just after its
 * ")" (at most n); returns how many. */
static int alias_points(const char *sql, size_t *at, int n) {
  static const char *const after[] = {"WHERE", "ORDER", "GROUP", "LIMIT", "JOIN", "LEFT",
                                      "INNER", "UNION", "HAVING", "EXCEPT", "INTERSECT",
                                      "OFFSET", "CROSS", "WINDOW", "ON", NULL};
  int k = 0;
  for (const char *p = sql; *p && k < n; p++) {
    if (*p == '\'' || *p == '"') {
      p = skip_quoted(p);
      if (!*p) break;
      continue;
    }
    if (!(word_at(p, "FROM") && (p == sql || !ident_char(p[-1])))) continue;
    const char *q = p + 4;
    while (*q == ' ' || *q == '\n' || *q == '\t') q++;
    if (*q != '(') continue;
    int depth = 0;
    for (; *q; q++) {
      if (*q == '\'' || *q == '"') {
        q = skip_quoted(q);
        if (!*q) break;
      } else if (*q == '(') {
        depth++;
      } else if (*q == ')' && --depth == 0) {
        break;
      }
    }
    if (!*q) break;
    const char *e = q + 1;
    while (*e == ' ' || *e == '\n' || *e == '\t') e++;
    bool alias = ident_char(*e) || *e == '"';
    for (int i = 0; alias && after[i]; i++)
      if (word_at(e, after[i])) alias = false;
    if (!alias) at[k++] = (size_t)(q + 1 - sql);
  }
  return k;
}

/* true when the text before p (spaces skipped) is "(" */
static bool after_paren(const char *sql, const char *p) {
  while (p > sql && (p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t')) p--;
  return p > sql && p[-1] == '(';
}
/* "(1 AND …": a literal opening a parenthesis and followed by AND/OR is a condition */
static bool and_or_next(const char *e) {
  while (*e == ' ' || *e == '\n' || *e == '\t') e++;
  return word_at(e, "AND") || word_at(e, "OR");
}

static char *pg_dml(const char *sql) {
  size_t at[16];
  int nat = alias_points(sql, at, 16), iat = 0;
  buf b;
  buf_init(&b, (size_t)64 << 20);
  bool ignore = false;
  bool boolctx = false; /* after AND/OR/WHERE/NOT/WHEN/HAVING and any "(" */
  int cases = 0;         /* CASE … END nesting */
  uint64_t simple = 0;   /* bit k: the CASE at nesting k is "CASE x WHEN value" */
  size_t returning = (size_t)-1;
  int depth = 0;
  for (const char *p = sql; *p;) {
    if (iat < nat && (size_t)(p - sql) == at[iat]) {
      buf_addf(&b, " AS xunji_sq%d", iat++);
    }
    if (*p == '\'' || *p == '"') {
      char q = *p;
      const char *e = p + 1;
      while (*e && !(*e == q && e[1] != q)) e += (*e == q) ? 2 : 1;
      if (*e) e++;
      buf_add(&b, p, (size_t)(e - p));
      p = e;
    } else if (p[0] == '-' && p[1] == '-') {
      const char *e = strchr(p, '\n');
      e = e ? e : p + strlen(p);
      buf_add(&b, p, (size_t)(e - p));
      p = e;
    } else if (ident_char(*p) && (p == sql || !ident_char(p[-1]))) {
      const char *e = p;
      while (ident_char(*e)) e++;
      if (word_at(p, "INSERT") && !strncasecmp(e, " OR IGNORE ", 11)) {
        buf_adds(&b, "INSERT ");
        ignore = true;
        e += 11;
      } else if ((word_at(p, "max") || word_at(p, "min")) && *e == '(' && top_commas(e)) {
        buf_adds(&b, (p[1] == 'a' || p[1] == 'A') ? "greatest" : "least");
      } else if (word_at(p, "char") && *e == '(') {
        buf_adds(&b, "chr");
      } else if (word_at(p, "LIKE")) {
        buf_adds(&b, "ILIKE");
      } else if (e == p + 1 && (*p == '0' || *p == '1') &&
                 ((boolctx && bool_end(e)) || (after_paren(sql, p) && and_or_next(e)))) {
        buf_adds(&b, *p == '1' ? "TRUE" : "FALSE"); /* SQLite's 0/1 as a condition */
      } else {
        if (depth == 0 && word_at(p, "RETURNING")) returning = b.len;
        buf_add(&b, p, (size_t)(e - p));
      }
      boolctx = bool_keyword(p);
      if (word_at(p, "CASE") && e == p + 4) {
        const char *w = e;
        while (*w == ' ' || *w == '\n' || *w == '\t') w++;
        if (cases < 64) {
          if (word_at(w, "WHEN")) simple &= ~((uint64_t)1 << cases);
          else simple |= (uint64_t)1 << cases;
        }
        cases++;
      } else if (word_at(p, "END") && e == p + 3 && cases > 0) {
        cases--;
      } else if (word_at(p, "WHEN") && e == p + 4 && cases > 0 && cases <= 64 &&
                 (simple >> (cases - 1) & 1)) {
        boolctx = false; /* a value compared with the CASE's operand */
      }
      p = e;
    } else {
      if (*p != '(' && *p != ' ' && *p != '\n' && *p != '\t') boolctx = false;
      if (*p == '(') depth++;
      if (*p == ')') depth--;
      buf_add(&b, p, 1);
      p++;
    }
  }
  if (iat < nat) buf_addf(&b, " AS xunji_sq%d", iat); /* the derived table ended the text */
  char *out = buf_take(&b);
  if (!ignore) return out;
  buf_init(&b, (size_t)64 << 20);
  size_t cut = returning != (size_t)-1 ? returning : strlen(out);
  while (cut > 0 && (out[cut - 1] == ';' || out[cut - 1] == ' ' || out[cut - 1] == '\n')) cut--;
  buf_add(&b, out, cut);
  buf_adds(&b, " ON CONFLICT DO NOTHING ");
  if (returning != (size_t)-1) buf_adds(&b, out + returning);
  free(out);
  return buf_take(&b);
}

/* SQLite's rowid (the insertion order; the SQL uses it as a tiebreaker and
 * to walk a table): each CREATE TABLE without an INTEGER PRIMARY KEY (which
 * is the rowid in SQLite) gets a column "rowid", an identity. Takes sql. */
static char *add_rowid(char *sql) {
  buf b;
  buf_init(&b, (size_t)64 << 20);
  const char *p = sql;
  for (;;) {
    const char *c = strcasestr(p, "CREATE TABLE");
    const char *open = c ? strchr(c, '(') : NULL;
    if (!open) break;
    int depth = 0;
    const char *q = open;
    for (; *q; q++) {
      if (*q == '\'') {
        for (q++; *q && !(*q == '\'' && q[1] != '\''); q += (*q == '\'') ? 2 : 1) {
        }
        if (!*q) break;
      } else if (*q == '(') {
        depth++;
      } else if (*q == ')' && --depth == 0) {
        break;
      }
    }
    if (!*q) break;
    buf_add(&b, p, (size_t)(q - p));
    /* the identity primary key translated from INTEGER PRIMARY KEY */
    char *body = xstrndup(open, (size_t)(q - open));
    if (!strstr(body, "AS IDENTITY")) buf_adds(&b, ",\n  rowid BIGINT GENERATED ALWAYS AS IDENTITY\n");
    free(body);
    p = q;
  }
  buf_adds(&b, p);
  free(sql);
  return buf_take(&b);
}

/* DDL of a migration: see invariant 6. NULL (err set) for what it cannot
 * translate: such a migration needs src/store/pg/NNN_name.sql. */
static char *pg_ddl(const char *sql, char *err, size_t errlen) {
  /* CREATE TRIGGER t BEFORE UPDATE ON x BEGIN SELECT RAISE(ABORT, 'm'); END; */
  regex_t re;
  if (regcomp(&re,
              "CREATE[[:space:]]+TRIGGER[[:space:]]+([A-Za-z0-9_]+)[[:space:]]+(BEFORE|AFTER)"
              "[[:space:]]+(UPDATE|DELETE|INSERT)[[:space:]]+ON[[:space:]]+([A-Za-z0-9_]+)"
              "[[:space:]]+BEGIN[[:space:]]+SELECT[[:space:]]+RAISE[[:space:]]*\\([[:space:]]*"
              "ABORT[[:space:]]*,[[:space:]]*'([^']*)'[[:space:]]*\\)[[:space:]]*;[[:space:]]*"
              "END[[:space:]]*;",
              REG_EXTENDED | REG_ICASE)) {
    snprintf(err, errlen, "regcomp");
    return NULL;
  }
  buf t;
  buf_init(&t, (size_t)64 << 20);
  const char *p = sql;
  regmatch_t m[6];
  while (regexec(&re, p, 6, m, 0) == 0) {
    buf_add(&t, p, (size_t)m[0].rm_so);
#define G(i) (int)(m[i].rm_eo - m[i].rm_so), p + m[i].rm_so
    buf_addf(&t, "CREATE TRIGGER %.*s %.*s %.*s ON %.*s FOR EACH ROW EXECUTE FUNCTION "
             "sqlite_compat.raise_abort('%.*s');", G(1), G(2), G(3), G(4), G(5));
#undef G
    p += m[0].rm_eo;
  }
  buf_adds(&t, p);
  regfree(&re);
  char *tr = buf_take(&t);
  buf b;
  buf_init(&b, (size_t)64 << 20);
  for (const char *q = tr; *q;) {
    if (*q == '\'' || *q == '"') {
      char qc = *q;
      const char *e = q + 1;
      while (*e && !(*e == qc && e[1] != qc)) e += (*e == qc) ? 2 : 1;
      if (*e) e++;
      buf_add(&b, q, (size_t)(e - q));
      q = e;
    } else if (q[0] == '-' && q[1] == '-') {
      const char *e = strchr(q, '\n');
      e = e ? e : q + strlen(q);
      q = e; /* comments dropped: they may hold anything */
    } else if (ident_char(*q) && (q == tr || !ident_char(q[-1]))) {
      const char *e = q;
      while (ident_char(*e)) e++;
      if (word_at(q, "INTEGER") && !strncasecmp(e, " PRIMARY KEY", 12)) {
        buf_adds(&b, "BIGINT GENERATED BY DEFAULT AS IDENTITY");
      } else if (word_at(q, "INTEGER")) {
        buf_adds(&b, "BIGINT");
      } else if (word_at(q, "REAL")) {
        buf_adds(&b, "DOUBLE PRECISION");
      } else if (word_at(q, "BLOB")) {
        buf_adds(&b, "BYTEA");
      } else if (word_at(q, "STRICT") || word_at(q, "AUTOINCREMENT")) {
        /* SQLite only */
      } else if (word_at(q, "WITHOUT") && !strncasecmp(e, " ROWID", 6)) {
        e += 6;
      } else if (word_at(q, "TRIGGER") && !strstr(q, "EXECUTE FUNCTION")) {
        snprintf(err, errlen, "触发器无法自动转换, 需要 src/store/pg/ 下的同号迁移");
        free(tr);
        buf_free(&b);
        return NULL;
      } else {
        buf_add(&b, q, (size_t)(e - q));
      }
      q = e;
    } else {
      buf_add(&b, q, 1);
      q++;
    }
  }
  free(tr);
  return add_rowid(buf_take(&b));
}

/* the translations, for the unit tests (store/backend.h) */
char *pg_translate_dml(const char *sql) { return pg_dml(sql); }
char *pg_translate_ddl(const char *sql, char *err, size_t errlen) { return pg_ddl(sql, err, errlen); }
bool pg_has_override(int version) {
  for (size_t k = 0; k < sizeof overrides / sizeof *overrides; k++)
    if (overrides[k].version == version) return true;
  return false;
}

/* ---- statements ----------------------------------------------------------- */
static void set_err(store_tx *tx, const char *what, PGresult *r) {
  const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(tx->c->pg);
  snprintf(tx->err, sizeof tx->err, "%s: %s", what, m && *m ? m : PQerrorMessage(tx->c->pg));
  size_t n = strlen(tx->err);
  while (n && tx->err[n - 1] == '\n') tx->err[--n] = 0;
}

static bool needs_types(const char *state) {
  return state && (!strcmp(state, "42P18") || !strcmp(state, "42P08") || !strcmp(state, "42725") ||
                   !strcmp(state, "42883") || !strcmp(state, "42804"));
}

/* The slot of key, or -1 and in *free_slot one to fill: a free one, else one
 * evicted (its statement deallocated: SQL built with varying IN lists would
 * otherwise fill the cache and the server's memory). */
static int slot_find(conn *c, const char *key, int *free_slot) {
  uint32_t h = fnv(key) % CACHE_SLOTS;
  *free_slot = -1;
  for (int k = 0; k < 16; k++) {
    int i = (int)((h + (uint32_t)k) % CACHE_SLOTS);
    if (!c->cache[i].key) {
      *free_slot = i;
      return -1;
    }
    if (!strcmp(c->cache[i].key, key)) return i;
  }
  int v = (int)((h + (uint32_t)(c->nstmt % 16)) % CACHE_SLOTS); /* a victim among the 16 */
  if (!c->cache[v].typed) {
    char sql[40];
    snprintf(sql, sizeof sql, "DEALLOCATE x%d", c->cache[v].stmt);
    simple(c->pg, sql, NULL, 0);
  }
  free(c->cache[v].key);
  c->cache[v].key = NULL;
  c->cache[v].typed = 0;
  *free_slot = v;
  return -1;
}

/* The slot of key if it is cached, else -1 (nothing evicted). */
static int slot_lookup(const conn *c, const char *key) {
  uint32_t h = fnv(key) % CACHE_SLOTS;
  for (int k = 0; k < 16; k++) {
    int i = (int)((h + (uint32_t)k) % CACHE_SLOTS);
    if (!c->cache[i].key) return -1;
    if (!strcmp(c->cache[i].key, key)) return i;
  }
  return -1;
}

/* The key of the typed statement for sql with the parameters p (owned). */
static char *typed_key(const char *sql, const sval *p, int n) {
  buf kb;
  buf_init(&kb, (size_t)64 << 20);
  buf_adds(&kb, "T");
  for (int j = 0; j < n; j++)
    buf_adds(&kb, p[j].t == SV_INT ? "i" : p[j].t == SV_TEXT ? "t" : "n");
  buf_adds(&kb, "\x01");
  buf_adds(&kb, sql);
  return buf_take(&kb);
}

/* Whether sql with these parameters is already prepared on c (name filled):
 * then nothing of prepare() can fail and a write can pipeline (run_pipelined). */
static bool prepared(const conn *c, const char *sql, const sval *p, int n, char *name,
                     size_t nl) {
  int i = slot_lookup(c, sql);
  if (i < 0) return false;
  if (c->cache[i].typed) {
    char *key = typed_key(sql, p, n);
    i = slot_lookup(c, key);
    free(key);
    if (i < 0) return false;
  }
  snprintf(name, nl, "x%d", c->cache[i].stmt);
  return true;
}

/* A savepoint around what may fail inside a transaction that must go on. */
static int sp_begin(store_tx *tx) { return simple(tx->c->pg, "SAVEPOINT x", NULL, 0); }
static void sp_end(store_tx *tx, bool ok) {
  simple(tx->c->pg, ok ? "RELEASE SAVEPOINT x" : "ROLLBACK TO SAVEPOINT x; RELEASE SAVEPOINT x",
         NULL, 0);
}

/* Prepares (once per connection) and names the statement for sql with the
 * given parameters; name gets "x<k>" or "" (not cached). */
static int prepare(store_tx *tx, const char *sql, const sval *p, int n, char *name, size_t nl) {
  conn *c = tx->c;
  int fs, i = slot_find(c, sql, &fs);
  if (i >= 0 && !c->cache[i].typed) {
    snprintf(name, nl, "x%d", c->cache[i].stmt);
    return STORE_OK;
  }
  char *rw = pg_dml(sql);
  char *key = NULL;
  Oid *types = NULL;
  int rc = STORE_OK;
  if (i < 0) { /* first use: let PostgreSQL infer the parameters' types */
    int k = ++c->nstmt;
    snprintf(name, nl, "x%d", fs >= 0 ? k : 0);
    if (fs < 0) name[0] = 0;
    if (!tx->write) sp_begin(tx);
    PGresult *r = PQprepare(c->pg, name, rw, 0, NULL);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    const char *state = ok ? NULL : PQresultErrorField(r, PG_DIAG_SQLSTATE);
    bool typed = !ok && needs_types(state);
    if (!ok && !typed) {
      set_err(tx, "prepare", r);
      rc = map_result(c->pg, r);
    }
    PQclear(r);
    if (!tx->write) sp_end(tx, ok);
    if (ok || typed) {
      if (fs >= 0) {
        c->cache[fs].key = xstrdup(sql);
        c->cache[fs].typed = typed;
        c->cache[fs].stmt = k;
      }
    }
    if (ok || !typed) {
      free(rw);
      return rc;
    }
    if (tx->write) {
      /* the failed prepare aborted the statement's savepoint (sp_begin in run) */
      simple(c->pg, "ROLLBACK TO SAVEPOINT x", NULL, 0);
    }
  }
  /* typed: one statement per combination of parameter types */
  types = xcalloc((size_t)(n > 0 ? n : 1), sizeof *types);
  for (int j = 0; j < n; j++) {
    /* a NULL as text: what "$2 IS NULL OR id=$2" needs (ids are text) */
    types[j] = p[j].t == SV_INT ? OID_INT8 : OID_TEXT;
  }
  key = typed_key(sql, p, n);
  i = slot_find(c, key, &fs);
  if (i >= 0) {
    snprintf(name, nl, "x%d", c->cache[i].stmt);
  } else {
    int k = ++c->nstmt;
    snprintf(name, nl, "x%d", fs >= 0 ? k : 0);
    if (fs < 0) name[0] = 0;
    if (!tx->write) sp_begin(tx);
    PGresult *r = PQprepare(c->pg, name, rw, n, types);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
      set_err(tx, "prepare", r);
      rc = map_result(c->pg, r);
    }
    PQclear(r);
    if (!tx->write) sp_end(tx, ok);
    if (ok && fs >= 0) {
      c->cache[fs].key = key;
      c->cache[fs].stmt = k;
      key = NULL;
    }
  }
  free(key);
  free(types);
  free(rw);
  return rc;
}

/* XUNJI_PG_DEBUG=1: each failed statement with its SQL text on stderr (the
 * message may quote values: for development and the test logs only) */
static void debug_failed(store_tx *tx, const char *sql) {
  static int on = -1;
  if (on < 0) on = getenv("XUNJI_PG_DEBUG") && !strcmp(getenv("XUNJI_PG_DEBUG"), "1");
  if (on) fprintf(stderr, "xunji: pg: %s\n  SQL: %s\n", tx->err, sql);
}

/* A write's statement that is prepared already, in one round trip (libpq
 * pipeline mode): SAVEPOINT x, the statement, RELEASE SAVEPOINT x and a sync.
 * A failed statement makes the server skip the rest up to the sync
 * (PGRES_PIPELINE_ABORTED); the savepoint is then rolled back in a second
 * round trip, as sp_end(false) does. The same outcomes as the three round
 * trips of run()'s other path: a failed SAVEPOINT is returned as it is, a
 * failed RELEASE is left to COMMIT. */
static int run_pipelined(store_tx *tx, const char *sql, const char *name, int n,
                         const char *const *vals, PGresult **out) {
  PGconn *pg = tx->c->pg;
  PGresult *res[3] = {NULL, NULL, NULL};
  bool sent = PQenterPipelineMode(pg) &&
              PQsendQueryParams(pg, "SAVEPOINT x", 0, NULL, NULL, NULL, NULL, 0) &&
              PQsendQueryPrepared(pg, name, n, vals, NULL, NULL, 0) &&
              PQsendQueryParams(pg, "RELEASE SAVEPOINT x", 0, NULL, NULL, NULL, NULL, 0);
  if (PQpipelineStatus(pg) != PQ_PIPELINE_OFF && PQpipelineSync(pg)) {
    /* every result up to the sync: each query's, then NULL; at most 3 queries */
    int q = 0;
    for (;;) {
      PGresult *r = PQgetResult(pg);
      if (!r) {
        if (PQstatus(pg) == CONNECTION_BAD || ++q > 3) break;
        continue;
      }
      if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        break;
      }
      if (q < 3 && !res[q]) res[q] = r;
      else PQclear(r);
    }
  }
  PQexitPipelineMode(pg); /* fails only on a lost connection: conn_ok resets it */
  int rc = STORE_OK;
  ExecStatusType st0 = res[0] ? PQresultStatus(res[0]) : PGRES_FATAL_ERROR;
  ExecStatusType st1 = res[1] ? PQresultStatus(res[1]) : PGRES_FATAL_ERROR;
  if (!sent || st0 != PGRES_COMMAND_OK) {
    set_err(tx, "savepoint", NULL);
    rc = res[0] ? map_result(pg, res[0]) : PQstatus(pg) == CONNECTION_BAD ? STORE_BUSY : STORE_ERR;
  } else if (st1 != PGRES_COMMAND_OK && st1 != PGRES_TUPLES_OK) {
    set_err(tx, "exec", res[1]);
    debug_failed(tx, sql);
    rc = res[1] ? map_result(pg, res[1]) : PQstatus(pg) == CONNECTION_BAD ? STORE_BUSY : STORE_ERR;
    sp_end(tx, false);
  } else {
    *out = res[1];
    res[1] = NULL;
  }
  for (int k = 0; k < 3; k++) PQclear(res[k]);
  return rc;
}

/* Runs sql; *out gets the result (command or tuples) on STORE_OK. */
static int run(store_tx *tx, const char *sql, const sval *p, int n, PGresult **out) {
  *out = NULL;
  if (strchr(sql, BUF_POISON_CHAR)) { /* cut short: never run what is left of it */
    snprintf(tx->err, sizeof tx->err, "prepare: SQL text exceeded its buffer");
    return STORE_TOOBIG;
  }
  if (n < 0 || n > 1000) {
    snprintf(tx->err, sizeof tx->err, "bind: %d parameters", n);
    return STORE_ERR;
  }
  char name[24];
  const char **vals = xcalloc((size_t)(n > 0 ? n : 1), sizeof *vals);
  char (*nums)[24] = xcalloc((size_t)(n > 0 ? n : 1), sizeof *nums);
  for (int j = 0; j < n; j++) {
    if (p[j].t == SV_INT) {
      snprintf(nums[j], sizeof nums[j], "%lld", (long long)p[j].i);
      vals[j] = nums[j];
    } else if (p[j].t == SV_TEXT) {
      vals[j] = p[j].s;
    }
  }
  if (tx->write && prepared(tx->c, sql, p, n, name, sizeof name)) {
    int rc = run_pipelined(tx, sql, name, n, vals, out);
    free(vals);
    free(nums);
    return rc;
  }
  /* first use (the prepare may fail too), or a read: one command at a time */
  int src = tx->write ? sp_begin(tx) : STORE_OK;
  if (src != STORE_OK) {
    set_err(tx, "savepoint", NULL);
    free(vals);
    free(nums);
    return src; /* STORE_BUSY if the connection was lost */
  }
  int rc = prepare(tx, sql, p, n, name, sizeof name);
  if (rc != STORE_OK) {
    debug_failed(tx, sql);
    if (tx->write) sp_end(tx, false);
    free(vals);
    free(nums);
    return rc;
  }
  PGresult *r = PQexecPrepared(tx->c->pg, name, n, vals, NULL, NULL, 0);
  free(vals);
  free(nums);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    set_err(tx, "exec", r);
    debug_failed(tx, sql);
    rc = map_result(tx->c->pg, r);
    PQclear(r);
    if (tx->write) sp_end(tx, false);
    else tx->failed = 1;
    return rc;
  }
  if (tx->write) sp_end(tx, true);
  *out = r;
  return STORE_OK;
}

/* ---- lifecycle ------------------------------------------------------------ */
int store_open(store **out, const char *path, int max_readers, char *err, size_t errlen) {
  store *s = xcalloc(1, sizeof *s);
  s->conninfo = xstrdup(path);
  s->max_readers = max_readers > 0 ? (max_readers > 16 ? 16 : max_readers) : 8;
  pthread_mutex_init(&s->wmu, NULL);
  pthread_mutex_init(&s->pmu, NULL);
  pthread_cond_init(&s->pcv, NULL);
  if (open_conn(path, &s->writer, err, errlen) != STORE_OK) {
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->pmu);
    pthread_cond_destroy(&s->pcv);
    free(s->conninfo);
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
  close_conn(s->writer);
  replica_close(s);
  pthread_mutex_destroy(&s->wmu);
  pthread_mutex_destroy(&s->pmu);
  pthread_cond_destroy(&s->pcv);
  xwipe(s->conninfo, strlen(s->conninfo)); /* may hold a password */
  free(s->conninfo);
  free(s);
}

int store_backup(store *s, const char *dest, char *err, size_t errlen) {
  (void)s;
  (void)dest;
  snprintf(err, errlen,
           "PostgreSQL 数据库请用 pg_basebackup (连同 WAL 归档) 或 pg_dump 备份, 见 docs/deployment.md");
  return STORE_ERR;
}

const char *store_backend(const store *s) {
  (void)s;
  return "postgresql";
}

int store_migrate(store *s, char *err, size_t errlen) {
  conn *c = s->writer;
  char e[512] = "";
  pthread_mutex_lock(&s->wmu);
  int version = 0;
  int rc = simple(c->pg, "BEGIN", e, sizeof e);
  if (!rc) rc = simple(c->pg, "SELECT pg_advisory_xact_lock(" WRITE_LOCK ")", e, sizeof e);
  if (!rc) rc = simple(c->pg, xunji_pg_compat, e, sizeof e);
  if (!rc)
    rc = simple(c->pg,
                "CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                e, sizeof e);
  if (!rc) rc = simple(c->pg, "COMMIT", e, sizeof e);
  if (rc) {
    simple(c->pg, "ROLLBACK", NULL, 0);
    snprintf(err, errlen, "PostgreSQL 兼容函数安装失败: %s", e);
    pthread_mutex_unlock(&s->wmu);
    return STORE_ERR;
  }
  int mv;
  const char *mname, *msql;
  for (size_t i = 0; sq_migration(i, &mv, &mname, &msql); i++) {
    rc = simple(c->pg, "BEGIN", e, sizeof e);
    if (!rc) rc = simple(c->pg, "SELECT pg_advisory_xact_lock(" WRITE_LOCK ")", e, sizeof e);
    char vs[16];
    snprintf(vs, sizeof vs, "%d", mv);
    const char *pv[3] = {vs, mname, NULL};
    int have = 0;
    if (!rc) {
      PGresult *r = PQexecParams(c->pg, "SELECT 1 FROM schema_migrations WHERE version=$1::bigint",
                                 1, NULL, pv, NULL, NULL, 0);
      if (PQresultStatus(r) == PGRES_TUPLES_OK) have = PQntuples(r) > 0;
      else {
        rc = STORE_ERR;
        snprintf(e, sizeof e, "%s", PQresultErrorMessage(r));
      }
      PQclear(r);
    }
    if (!rc && !have) {
      const char *src = NULL;
      for (size_t k = 0; k < sizeof overrides / sizeof *overrides; k++)
        if (overrides[k].version == mv) src = overrides[k].sql;
      char *ddl = src ? xstrdup(src) : pg_ddl(msql, e, sizeof e);
      if (!ddl) rc = STORE_ERR;
      else rc = simple(c->pg, ddl, e, sizeof e);
      free(ddl);
      if (!rc) {
        char ts[TS_LEN];
        ts_now(ts);
        pv[2] = ts;
        PGresult *r = PQexecParams(c->pg,
                                   "INSERT INTO schema_migrations(version,name,applied_at) "
                                   "VALUES($1::bigint,$2,$3)",
                                   3, NULL, pv, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
          rc = STORE_ERR;
          snprintf(e, sizeof e, "%s", PQresultErrorMessage(r));
        }
        PQclear(r);
      }
    }
    if (!rc) rc = simple(c->pg, "COMMIT", e, sizeof e);
    if (rc) {
      simple(c->pg, "ROLLBACK", NULL, 0);
      snprintf(err, errlen, "迁移 %03d_%s 失败 (PostgreSQL): %s", mv, mname, e);
      pthread_mutex_unlock(&s->wmu);
      return STORE_ERR;
    }
    version = mv;
  }
  pthread_mutex_unlock(&s->wmu);
  return version;
}

/* ---- transactions ------------------------------------------------------------ */
/* The connection, reconnected if it was lost (the server restarted, or ended
 * this backend: pg_terminate_backend, an idle timeout): its prepared
 * statements are gone with it. libpq notices a lost connection only when a
 * command fails on it; begin() below then reconnects and begins again. */
static bool conn_ok(conn *c) {
  if (PQstatus(c->pg) == CONNECTION_OK) return true;
  fprintf(stderr, "xunji: PostgreSQL 连接已断开, 重新连接\n");
  PQreset(c->pg);
  for (int i = 0; i < CACHE_SLOTS; i++) {
    free(c->cache[i].key);
    c->cache[i].key = NULL;
  }
  if (PQstatus(c->pg) != CONNECTION_OK) return false;
  return simple(c->pg, SESSION_SETUP, NULL, 0) == STORE_OK;
}

/* BEGINs a transaction on c (sql), reconnecting first if c was lost, and
 * once more if BEGIN finds it lost (nothing had begun: safe to repeat).
 * STORE_BUSY when the server cannot be reached. */
static int begin(conn *c, const char *sql) {
  for (int attempt = 0;; attempt++) {
    if (!conn_ok(c)) return STORE_BUSY;
    int rc = simple(c->pg, sql, NULL, 0);
    if (rc == STORE_OK || attempt || PQstatus(c->pg) == CONNECTION_OK) return rc;
  }
}

int store_write(store *s, store_tx **out) {
  pthread_mutex_lock(&s->wmu);
  store_tx *tx = xcalloc(1, sizeof *tx);
  tx->s = s;
  tx->c = s->writer;
  tx->write = 1;
  int rc = begin(tx->c, "BEGIN ISOLATION LEVEL READ COMMITTED");
  if (!rc) {
    rc = simple(tx->c->pg, "SELECT pg_advisory_xact_lock(" WRITE_LOCK ")", NULL, 0);
    if (rc) simple(tx->c->pg, "ROLLBACK", NULL, 0);
  }
  if (rc) {
    free(tx);
    pthread_mutex_unlock(&s->wmu);
    return rc;
  }
  *out = tx;
  return STORE_OK;
}

static void give_back(store *s, conn *c) {
  pthread_mutex_lock(&s->pmu);
  c->next_free = s->free_readers;
  s->free_readers = c;
  pthread_cond_signal(&s->pcv);
  pthread_mutex_unlock(&s->pmu);
}

/* A connection of s's read pool (opened if the pool is not full), outside
 * any transaction; give_back() returns it. */
static int pool_take(store *s, conn **out) {
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
      if (open_conn(s->conninfo, &c, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "xunji: %s\n", err);
        pthread_mutex_lock(&s->pmu);
        s->nreaders--;
        pthread_cond_signal(&s->pcv);
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

/* A read transaction on c, a connection of s's pool (given back on failure). */
static int begin_read(store *s, conn *c, store_tx **out) {
  int rc = begin(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  if (rc != STORE_OK) {
    give_back(s, c);
    return rc;
  }
  store_tx *tx = xcalloc(1, sizeof *tx);
  tx->s = s;
  tx->c = c;
  *out = tx;
  return STORE_OK;
}

int store_read(store *s, store_tx **out) {
  conn *c;
  if (pool_take(s, &c) != STORE_OK) return STORE_ERR;
  return begin_read(s, c, out);
}

static void release(store_tx *tx) {
  if (tx->write) pthread_mutex_unlock(&tx->s->wmu);
  else give_back(tx->s, tx->c);
  free(tx);
}

int store_test_fail_commit(store *s, long nth) {
  pthread_mutex_lock(&s->wmu);
  s->fail_commit_at = nth > 0 ? nth : 0;
  s->write_commits = 0;
  pthread_mutex_unlock(&s->wmu);
  return STORE_OK;
}

int store_commit(store_tx *tx) {
  if (tx->write && tx->s->fail_commit_at && ++tx->s->write_commits == tx->s->fail_commit_at) {
    /* test_pg_fail_commit: a statement that fails aborts the transaction on
     * the server; the COMMIT below is then its rollback */
    fprintf(stderr, "xunji: 测试模式: 第 %ld 次写事务提交被设为失败\n", tx->s->fail_commit_at);
    simple(tx->c->pg, "SELECT 1/0", NULL, 0);
  }
  PGresult *r = PQexec(tx->c->pg, "COMMIT");
  /* COMMIT of a failed transaction "succeeds" as ROLLBACK: that is a failure */
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "COMMIT");
  int rc = ok ? STORE_OK : map_result(tx->c->pg, r);
  /* a connection lost during COMMIT: the outcome is unknown, not "try again" */
  if (rc == STORE_BUSY && PQstatus(tx->c->pg) == CONNECTION_BAD) rc = STORE_ERR;
  if (tx->write) { /* wmu is held until release() */
    if (ok) {
      tx->s->st.commits++;
      tx->s->st.txns++;
      tx->s->st.group_size[0]++;
    } else {
      tx->s->st.commit_failures++;
      tx->s->st.txns_failed++;
    }
  }
  if (!ok) {
    const char *m = PQresultErrorMessage(r);
    fprintf(stderr, "xunji: 提交失败: %s\n",
            m && *m ? m : "事务此前已在服务器端中止, COMMIT 即回滚 (ROLLBACK)");
    if (PQtransactionStatus(tx->c->pg) != PQTRANS_IDLE) simple(tx->c->pg, "ROLLBACK", NULL, 0);
  }
  PQclear(r);
  release(tx);
  return rc;
}

void store_rollback(store_tx *tx) {
  if (PQtransactionStatus(tx->c->pg) != PQTRANS_IDLE) simple(tx->c->pg, "ROLLBACK", NULL, 0);
  release(tx);
}

const char *store_errmsg(store_tx *tx) { return tx->err; }

/* Each commit is its own (no group commit on PostgreSQL: the server has its
 * own commit_delay); group_size[0] counts them all. */
/* No data version here (store.h store_version): several servers commit to one
 * database and PostgreSQL keeps no counter of commits that a reader could
 * compare cheaply and without races; the answer cache stays off. */
int store_version(store *s, uint64_t *v) {
  (void)s;
  *v = 0;
  return STORE_ERR;
}

void store_tx_quiet(store_tx *tx) { (void)tx; }

void store_get_stats(store *s, store_stats *out) {
  pthread_mutex_lock(&s->wmu);
  *out = s->st;
  pthread_mutex_unlock(&s->wmu);
  pthread_mutex_lock(&s->pmu);
  int idle = 0;
  for (conn *c = s->free_readers; c; c = c->next_free) idle++;
  out->readers_open = s->nreaders;
  out->readers_idle = idle;
  out->readers_max = s->max_readers;
  pthread_mutex_unlock(&s->pmu);
  replica_stats(s, out);
}

int store_exec(store_tx *tx, const char *sql, const sval *p, int n, int64_t *changes) {
  PGresult *r;
  int rc = run(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  if (changes) {
    const char *t = PQcmdTuples(r);
    *changes = t && *t ? strtoll(t, NULL, 10) : 0;
  }
  PQclear(r);
  return STORE_OK;
}

int store_exec_script(store_tx *tx, const char *sql) {
  if (!tx->write) return STORE_ERR;
  if (strchr(sql, BUF_POISON_CHAR)) return STORE_TOOBIG;
  char *rw = pg_dml(sql);
  sp_begin(tx);
  PGresult *r = PQexec(tx->c->pg, rw);
  free(rw);
  ExecStatusType st = PQresultStatus(r);
  int rc = STORE_OK;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    set_err(tx, "script", r);
    rc = map_result(tx->c->pg, r);
  }
  PQclear(r);
  sp_end(tx, rc == STORE_OK);
  return rc;
}

int store_query(store_tx *tx, const char *sql, const sval *p, int n, store_rows **out) {
  PGresult *r;
  int rc = run(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  store_rows *rows = xcalloc(1, sizeof *rows);
  rows->tx = tx;
  rows->res = r;
  rows->row = -1;
  rows->nrows = PQntuples(r);
  *out = rows;
  return STORE_OK;
}

int store_next(store_rows *r) {
  if (r->row + 1 >= r->nrows) {
    r->row = r->nrows;
    return 0;
  }
  r->row++;
  return 1;
}

int store_ncols(store_rows *r) { return PQnfields(r->res); }
const char *store_colname(store_rows *r, int i) { return PQfname(r->res, i); }
static bool in_row(store_rows *r, int i) {
  return r->row >= 0 && r->row < r->nrows && i >= 0 && i < PQnfields(r->res);
}
bool store_isnull(store_rows *r, int i) { return !in_row(r, i) || PQgetisnull(r->res, r->row, i); }
int64_t store_int(store_rows *r, int i) {
  if (store_isnull(r, i)) return 0;
  const char *v = PQgetvalue(r->res, r->row, i);
  if (PQftype(r->res, i) == OID_BOOL) return v[0] == 't';
  return strtoll(v, NULL, 10);
}
const char *store_text(store_rows *r, int i) {
  if (store_isnull(r, i)) return "";
  const char *v = PQgetvalue(r->res, r->row, i);
  if (PQftype(r->res, i) == OID_BOOL) return v[0] == 't' ? "1" : "0";
  return v;
}

void store_rows_close(store_rows *r) {
  if (!r) return;
  PQclear(r->res);
  free(r);
}

static json_t *row_json(store_rows *r) {
  json_t *o = json_object();
  int nc = store_ncols(r);
  for (int i = 0; i < nc; i++) {
    json_t *v;
    if (store_isnull(r, i)) {
      v = json_null();
    } else {
      const char *t = PQgetvalue(r->res, r->row, i);
      switch (PQftype(r->res, i)) {
        case OID_INT2:
        case OID_INT4:
        case OID_INT8: v = json_integer(strtoll(t, NULL, 10)); break;
        case OID_BOOL: v = json_integer(t[0] == 't'); break;
        case OID_NUMERIC:
          v = strpbrk(t, ".eE") ? json_real(strtod(t, NULL)) : json_integer(strtoll(t, NULL, 10));
          break;
        case OID_FLOAT4:
        case OID_FLOAT8: v = json_real(strtod(t, NULL)); break;
        default: v = json_string(t);
      }
    }
    if (!v) v = json_null(); /* invalid UTF-8 in the database: never emit it */
    json_object_set_new(o, store_colname(r, i), v);
  }
  return o;
}

json_t *store_query_json(store_tx *tx, const char *sql, const sval *p, int n) {
  store_rows *r;
  if (store_query(tx, sql, p, n, &r) != STORE_OK) return NULL;
  json_t *a = json_array();
  while (store_next(r) == 1) json_array_append_new(a, row_json(r));
  store_rows_close(r);
  return a;
}

json_t *store_query_one(store_tx *tx, const char *sql, const sval *p, int n, int *rc) {
  store_rows *r;
  *rc = store_query(tx, sql, p, n, &r);
  if (*rc != STORE_OK) return NULL;
  json_t *o = store_next(r) == 1 ? row_json(r) : NULL;
  store_rows_close(r);
  return o;
}

int store_query_int(store_tx *tx, const char *sql, const sval *p, int n, int64_t *v) {
  store_rows *r;
  int rc = store_query(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  *v = store_next(r) == 1 ? store_int(r, 0) : 0;
  store_rows_close(r);
  return STORE_OK;
}

int store_query_text(store_tx *tx, const char *sql, const sval *p, int n, char **v) {
  store_rows *r;
  *v = NULL;
  int rc = store_query(tx, sql, p, n, &r);
  if (rc != STORE_OK) return rc;
  if (store_next(r) == 1 && !store_isnull(r, 0)) *v = xstrdup(store_text(r, 0));
  store_rows_close(r);
  return STORE_OK;
}

/* ---- read replica (issue 16; docs/deployment.md "Primary and replica") ------
 *
 * Invariants:
 *   R1. Only store_read_lagged() ever reads the replica; every other
 *       transaction (writes, store_read: sessions, tokens, grants, users, the
 *       audit chain, a record's own page) is the primary's.
 *   R2. Read-your-writes: after a request of user U committed a write,
 *       store_note_write() stores in read_marks (an UNLOGGED table of the
 *       primary: migration 027) U's mark, the primary's WAL write position
 *       then, which lies at or past the end of that commit's record. A lagged read
 *       of U goes to the replica only if pg_last_wal_replay_lsn() there,
 *       asked before its transaction begins (so its snapshot is taken later),
 *       is at or past U's mark; else to the primary. The mark lives in the
 *       primary's database, so it holds across several xunji servers and for
 *       every session and API token of U.
 *   R3. A replica that does not answer (cannot connect, the probe fails, it
 *       is not in recovery) sends lagged reads to the primary: logged once
 *       when it goes down and once when it is back, counted for /metrics, and
 *       not tried again for REPLICA_RETRY seconds (no connect timeout paid by
 *       every request meanwhile).
 */
enum { REPLICA_RETRY = 5 };

struct replica {
  store *rs;              /* the replica's read pool: a store without a writer */
  pthread_mutex_t mu;     /* the fields below */
  time_t retry_at;        /* no attempt before (after a failure) */
  int up;                 /* the last attempt reached it (for the logged transitions) */
  int64_t reads, own_writes, fallbacks;
};

static void replica_close(store *s) {
  struct replica *r = s->rep;
  if (!r) return;
  store_close(r->rs);
  pthread_mutex_destroy(&r->mu);
  free(r);
  s->rep = NULL;
}

static void replica_stats(store *s, store_stats *out) {
  struct replica *r = s->rep;
  if (!r) return;
  pthread_mutex_lock(&r->mu);
  out->replica = 1;
  out->replica_reads = r->reads;
  out->replica_own_writes = r->own_writes;
  out->replica_fallbacks = r->fallbacks;
  out->replica_up = r->up;
  pthread_mutex_unlock(&r->mu);
}

/* R3: the replica failed (why, for the log); counts this read as a fallback */
static void replica_down(struct replica *r, const char *why) {
  pthread_mutex_lock(&r->mu);
  int was = r->up;
  r->up = 0;
  r->retry_at = time(NULL) + REPLICA_RETRY;
  r->fallbacks++;
  pthread_mutex_unlock(&r->mu);
  if (was) fprintf(stderr, "xunji: 只读副本不可用, 列表与统计改由主库读取 (%d 秒后重试): %s\n",
                   REPLICA_RETRY, why);
}

int store_set_replica(store *s, const char *conninfo, char *err, size_t errlen) {
  if (!store_name_is_pg(conninfo)) {
    snprintf(err, errlen, "配置项 db_replica 的值无效: 应为 postgresql:// 开头的 PostgreSQL 连接串");
    return STORE_ERR;
  }
  if (s->rep) replica_close(s);
  store *rs = xcalloc(1, sizeof *rs);
  rs->conninfo = xstrdup(conninfo);
  rs->max_readers = s->max_readers;
  pthread_mutex_init(&rs->wmu, NULL);
  pthread_mutex_init(&rs->pmu, NULL);
  pthread_cond_init(&rs->pcv, NULL);
  struct replica *r = xcalloc(1, sizeof *r);
  r->rs = rs;
  r->up = 1; /* so that a replica down at start is logged */
  pthread_mutex_init(&r->mu, NULL);
  s->rep = r;
  /* a first contact, for the log only: a replica down now is not an error (R3) */
  store_tx *tx;
  if (store_read_lagged(s, NULL, &tx) == STORE_OK) store_rollback(tx);
  pthread_mutex_lock(&r->mu);
  r->fallbacks = r->reads = 0;
  pthread_mutex_unlock(&r->mu);
  return STORE_OK;
}

/* U's mark (R2) from the primary; 0 if none. <0 when the primary did not answer. */
static int64_t mark_of(store *s, const char *who) {
  conn *c;
  if (!who || !*who) return 0;
  if (pool_take(s, &c) != STORE_OK) return -1;
  int64_t v = -1;
  if (conn_ok(c)) {
    const char *pv[1] = {who};
    PGresult *res = PQexecParams(c->pg, "SELECT lsn FROM read_marks WHERE who=$1", 1, NULL, pv,
                                 NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
      v = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
  }
  give_back(s, c);
  return v;
}

int store_read_lagged(store *s, const char *who, store_tx **out) {
  struct replica *r = s->rep;
  if (!r) return store_read(s, out);
  pthread_mutex_lock(&r->mu);
  bool resting = time(NULL) < r->retry_at;
  if (resting) r->fallbacks++;
  pthread_mutex_unlock(&r->mu);
  if (resting) return store_read(s, out); /* R3: down a moment ago */
  int64_t mark = mark_of(s, who);
  if (mark < 0) return store_read(s, out); /* the primary's error is the primary read's to report */
  conn *c;
  if (pool_take(r->rs, &c) != STORE_OK) {
    replica_down(r, "无法连接");
    return store_read(s, out);
  }
  char why[320] = "";
  int64_t replay = -1;
  if (!conn_ok(c)) {
    snprintf(why, sizeof why, "连接中断: %s", PQerrorMessage(c->pg));
  } else {
    /* before BEGIN: the transaction's snapshot is taken after this position (R2) */
    PGresult *res = PQexec(c->pg, "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
      snprintf(why, sizeof why, "查询重放位置失败: %s", PQresultErrorMessage(res));
    else if (PQgetisnull(res, 0, 0))
      snprintf(why, sizeof why, "该库不是流复制备库 (pg_last_wal_replay_lsn 为空)");
    else
      replay = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
  }
  if (replay < 0) {
    give_back(r->rs, c);
    replica_down(r, why);
    return store_read(s, out);
  }
  if (replay < mark) { /* R2: who's own write is not there yet */
    give_back(r->rs, c);
    pthread_mutex_lock(&r->mu);
    r->own_writes++;
    pthread_mutex_unlock(&r->mu);
    return store_read(s, out);
  }
  if (begin_read(r->rs, c, out) != STORE_OK) {
    replica_down(r, "开始事务失败");
    return store_read(s, out);
  }
  pthread_mutex_lock(&r->mu);
  int was = r->up;
  r->up = 1;
  r->reads++;
  pthread_mutex_unlock(&r->mu);
  if (!was) fprintf(stderr, "xunji: 只读副本已恢复, 列表与统计由副本读取\n");
  return STORE_OK;
}

void store_note_write(store *s, const char *who) {
  if (!s->rep || !who || !*who) return;
  conn *c;
  if (pool_take(s, &c) != STORE_OK) return;
  if (conn_ok(c)) {
    const char *pv[1] = {who};
    /* after the commit: the primary's WAL has been written past its commit
     * record (synchronous_commit=on), so the write position is at or past it (R2) */
    PGresult *res = PQexecParams(c->pg,
                                 "INSERT INTO read_marks(who, lsn) VALUES($1, "
                                 "(pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint) "
                                 "ON CONFLICT (who) DO UPDATE SET lsn = "
                                 "greatest(read_marks.lsn, excluded.lsn)",
                                 1, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
      fprintf(stderr, "xunji: 记录写入位置失败 (只读副本的读己之写): %s", PQresultErrorMessage(res));
    PQclear(res);
  }
  give_back(s, c);
}
