/*
 * cmd_db.c — `xunji db copy --from SRC --to DST` (issue 16): moves a whole
 * database between backends (an SQLite file → postgresql://… and back, or
 * file → file), from one read snapshot of the source into one write
 * transaction on the target.
 *
 * What it keeps: every row of every table (ids included; PostgreSQL's
 * identity sequences are set past the copied ids), the audit chain and its
 * head byte for byte (hashes and macs are not recomputed: the same key file
 * verifies them), sealed fields as their ciphertext, the aggregates as the
 * source holds them. Tables go in the order of their foreign keys; the
 * aggregate tables (agg_*, maintained by triggers on the record tables) are
 * emptied after the records went in and copied last, so they are the
 * source's, not recomputed. Not copied: schema_migrations (both sides are
 * migrated by this binary first) and read_marks (the replica's per-user WAL
 * positions, meaningless elsewhere). Evidence files (files_dir) are files,
 * not rows: copy the directory yourself.
 *
 * A target that holds data (any user or audit entry) is refused. After the
 * commit the command compares row counts per table, writes the target's
 * audit anchor file from the copied head, and runs `audit verify` and
 * `stats --verify` on the target; any difference is exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/aggregates.h"
#include "sec/audit.h"
#include "util/config.h"
#include "util/xmem.h"

static const char db_help[] =
    "用法: xunji db copy --from 源数据库 --to 目标数据库 [选项]\n\n"
    "把整个数据库复制到另一个 (SQLite 文件 ↔ postgresql://…), 保留全部编号、审计链与加密字段的密文。\n"
    "目标须为空 (新文件或新建的空 PostgreSQL 数据库); 复制在目标上的一个事务中完成,\n"
    "完成后核对各表行数, 写入目标的审计锚点文件, 并在目标上运行 audit verify 与 stats --verify。\n"
    "  --from DB            源数据库 (文件或 postgresql://…)\n"
    "  --to DB              目标数据库\n"
    "  --set key_file=…     源数据库的主密钥文件 (源为文件时默认 源文件.key); 目标沿用同一密钥\n"
    "  --set audit_anchor=… 目标的审计锚点文件 (目标为文件时默认 目标文件.audit-anchor; 目标为\n"
    "                       PostgreSQL 时必须指定)\n"
    "佐证材料目录 (files_dir) 不在数据库中, 请另行复制。\n" CLI_COMMON_HELP;

typedef struct col {
  char *name;
  int is_int;
} col;

typedef struct table {
  char *name;
  col *cols;
  int ncols;
  char *order_by;  /* the source's row order (insertion order) */
  char *identity;  /* PostgreSQL target: the BY DEFAULT identity column to setval */
  char **deps;     /* tables its foreign keys reference */
  int ndeps;
  int placed;
  int64_t count;   /* rows in the source */
} table;

typedef struct tables {
  table *t;
  int n;
} tables;

static bool ident_ok(const char *s) {
  if (!*s || strlen(s) > 63) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

static bool is_pg(store *s) { return !strcmp(store_backend(s), "postgresql"); }

static void tables_free(tables *ts) {
  for (int i = 0; i < ts->n; i++) {
    table *t = &ts->t[i];
    for (int j = 0; j < t->ncols; j++) free(t->cols[j].name);
    for (int j = 0; j < t->ndeps; j++) free(t->deps[j]);
    free(t->cols);
    free(t->deps);
    free(t->name);
    free(t->order_by);
    free(t->identity);
  }
  free(ts->t);
  ts->t = NULL;
  ts->n = 0;
}

static table *tables_find(tables *ts, const char *name) {
  for (int i = 0; i < ts->n; i++)
    if (!strcmp(ts->t[i].name, name)) return &ts->t[i];
  return NULL;
}

/* The names of a list query's first column, appended to *v (validated). */
static int names(store_tx *tx, const char *sql, const char *arg, char ***v, int *n) {
  store_rows *r;
  sval p = SV_S(arg);
  int rc = store_query(tx, sql, arg ? &p : NULL, arg ? 1 : 0, &r);
  if (rc) return rc;
  while ((rc = store_next(r)) > 0) {
    const char *s = store_text(r, 0);
    if (!ident_ok(s)) continue; /* not one of ours (a quoted or internal name) */
    *v = xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
  }
  store_rows_close(r);
  return rc < 0 ? rc : 0;
}

/* Reads one side's tables: names, columns (with integer type), foreign keys,
 * row order; on PostgreSQL the generated rowid column is left out (it is
 * generated again in insertion order). */
static int schema_read(store_tx *tx, bool pg, tables *out) {
  char **tn = NULL;
  int ntn = 0;
  int rc = names(tx,
                 pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema='public' "
                      "AND table_type='BASE TABLE' ORDER BY table_name"
                    : "SELECT name FROM sqlite_master WHERE type='table' AND substr(name,1,7)<>'sqlite_' "
                      "ORDER BY name",
                 NULL, &tn, &ntn);
  out->t = xcalloc((size_t)(ntn ? ntn : 1), sizeof *out->t);
  out->n = 0;
  for (int i = 0; i < ntn; i++) {
    table *t = &out->t[out->n++];
    t->name = tn[i];
    if (rc) continue;
    store_rows *r;
    sval p = SV_S(t->name);
    rc = store_query(tx,
                     pg ? "SELECT column_name, data_type, is_identity, coalesce(identity_generation,'') "
                          "FROM information_schema.columns WHERE table_schema='public' AND table_name=$1 "
                          "ORDER BY ordinal_position"
                        : "SELECT name, upper(type), pk, '' FROM pragma_table_info($1) ORDER BY cid",
                     &p, 1, &r);
    if (rc) continue;
    while ((rc = store_next(r)) > 0) {
      const char *name = store_text(r, 0), *type = store_text(r, 1);
      if (!ident_ok(name)) continue;
      if (pg && !strcmp(store_text(r, 2), "YES")) {
        if (!strcmp(store_text(r, 3), "ALWAYS")) { /* the translation's rowid column */
          free(t->order_by);
          t->order_by = xstrdup(name);
          continue;
        }
        free(t->identity);
        t->identity = xstrdup(name);
        if (!t->order_by) t->order_by = xstrdup(name);
      }
      t->cols = xrealloc(t->cols, (size_t)(t->ncols + 1) * sizeof *t->cols);
      t->cols[t->ncols].name = xstrdup(name);
      t->cols[t->ncols].is_int =
          pg ? (!strcmp(type, "bigint") || !strcmp(type, "integer") || !strcmp(type, "smallint"))
             : strstr(type, "INT") != NULL;
      t->ncols++;
    }
    store_rows_close(r);
    if (rc < 0) continue;
    rc = 0;
    if (!pg) {
      /* WITHOUT ROWID tables have no rowid: their primary key's order */
      int64_t wr = 0;
      if (store_query_int(tx, "SELECT wr FROM pragma_table_list WHERE name=$1", &p, 1, &wr)) wr = 0;
      t->order_by = xstrdup(wr ? "1" : "rowid");
    }
    if (!t->order_by) t->order_by = xstrdup("1");
    rc = names(tx,
               pg ? "SELECT DISTINCT c2.relname FROM pg_constraint k JOIN pg_class c1 ON c1.oid=k.conrelid "
                    "JOIN pg_class c2 ON c2.oid=k.confrelid JOIN pg_namespace n ON n.oid=c1.relnamespace "
                    "WHERE k.contype='f' AND n.nspname='public' AND c1.relname=$1"
                  : "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
               t->name, &t->deps, &t->ndeps);
  }
  free(tn);
  return rc;
}

/* Tables not copied: both sides migrated alike; per-server transient marks. */
static bool skipped(const char *name) {
  return !strcmp(name, "schema_migrations") || !strcmp(name, "read_marks");
}
static bool is_agg(const char *name) { return !strncmp(name, "agg_", 4); }

/* The copy order: foreign keys first (self-references aside), agg_* last. */
static int copy_order(tables *ts, table ***order, int *n, char *err, size_t errlen) {
  *order = xcalloc((size_t)(ts->n ? ts->n : 1), sizeof **order);
  *n = 0;
  for (int pass = 0; pass < 2; pass++) {
    bool progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < ts->n; i++) {
        table *t = &ts->t[i];
        if (t->placed || skipped(t->name) || is_agg(t->name) != (pass == 1)) continue;
        bool ready = true;
        for (int j = 0; j < t->ndeps && ready; j++) {
          table *d = tables_find(ts, t->deps[j]);
          if (d && d != t && !d->placed && !skipped(d->name)) ready = false;
        }
        if (!ready) continue;
        t->placed = 1;
        (*order)[(*n)++] = t;
        progress = true;
      }
    }
  }
  for (int i = 0; i < ts->n; i++)
    if (!ts->t[i].placed && !skipped(ts->t[i].name)) {
      snprintf(err, errlen, "表 %s 的外键成环, 无法确定复制顺序", ts->t[i].name);
      return -1;
    }
  return 0;
}

static int count_rows(store_tx *tx, const char *table_name, int64_t *n) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table_name);
  return store_query_int(tx, sql, NULL, 0, n);
}

/* Copies one table's rows (the source's order) into the target. */
static int copy_table(store_tx *src, store_tx *dst, const table *t, int64_t *copied, char *err,
                      size_t errlen) {
  size_t cap = 256 + (size_t)t->ncols * 80;
  char *cols = xcalloc(1, cap), *marks = xcalloc(1, cap), *sql = xcalloc(1, 3 * cap);
  size_t cl = 0, ml = 0;
  for (int i = 0; i < t->ncols; i++) {
    cl += (size_t)snprintf(cols + cl, cap - cl, "%s\"%s\"", i ? "," : "", t->cols[i].name);
    ml += (size_t)snprintf(marks + ml, cap - ml, "%s$%d", i ? "," : "", i + 1);
  }
  int rc;
  store_rows *r = NULL;
  snprintf(sql, 3 * cap, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name, t->order_by);
  rc = store_query(src, sql, NULL, 0, &r);
  if (rc) {
    snprintf(err, errlen, "读取源表 %s 失败: %s", t->name, store_errmsg(src));
    goto out;
  }
  if (!strcmp(t->name, "audit_head")) /* one row, created by the migration, cannot be deleted */
    snprintf(sql, 3 * cap, "UPDATE audit_head SET seq=$2, hash=$3, anchored=$4, mac=$5 WHERE id=$1");
  else
    snprintf(sql, 3 * cap, "INSERT INTO \"%s\" (%s) VALUES (%s)", t->name, cols, marks);
  sval *p = xcalloc((size_t)t->ncols, sizeof *p);
  *copied = 0;
  while ((rc = store_next(r)) > 0) {
    for (int i = 0; i < t->ncols; i++)
      p[i] = store_isnull(r, i) ? SV_NUL : t->cols[i].is_int ? SV_I(store_int(r, i)) : SV_S(store_text(r, i));
    int64_t ch = 0;
    rc = store_exec(dst, sql, p, t->ncols, &ch);
    if (rc || ch != 1) {
      snprintf(err, errlen, "写入目标表 %s 失败 (第 %lld 行): %s", t->name, (long long)*copied + 1,
               rc ? store_errmsg(dst) : "未写入");
      rc = rc ? rc : STORE_ERR;
      break;
    }
    (*copied)++;
  }
  free(p);
  if (rc < 0 && !*err) snprintf(err, errlen, "读取源表 %s 失败: %s", t->name, store_errmsg(src));
  if (rc > 0) rc = 0;
out:
  store_rows_close(r);
  free(cols);
  free(marks);
  free(sql);
  return rc;
}

/* The whole copy inside one target write transaction; 0 or -1 (err set). */
static int copy_all(store *from, store *to, char *err, size_t errlen) {
  store_tx *src = NULL, *dst = NULL;
  tables ss = {0}, ts = {0};
  table **order = NULL;
  int norder = 0, rc = -1;
  if (store_read(from, &src) != STORE_OK) {
    snprintf(err, errlen, "无法读取源数据库");
    goto out;
  }
  if (store_write(to, &dst) != STORE_OK) {
    snprintf(err, errlen, "无法写入目标数据库");
    goto out;
  }
  int64_t v1 = -1, v2 = -2, users = 0, audits = 0;
  if (store_query_int(src, "SELECT max(version) FROM schema_migrations", NULL, 0, &v1) ||
      store_query_int(dst, "SELECT max(version) FROM schema_migrations", NULL, 0, &v2) || v1 != v2) {
    snprintf(err, errlen, "源与目标的数据库结构版本不同 (%lld / %lld)", (long long)v1, (long long)v2);
    goto out;
  }
  if (store_query_int(dst, "SELECT count(*) FROM users", NULL, 0, &users) ||
      store_query_int(dst, "SELECT count(*) FROM audit", NULL, 0, &audits)) {
    snprintf(err, errlen, "无法读取目标数据库: %s", store_errmsg(dst));
    goto out;
  }
  if (users || audits) {
    snprintf(err, errlen,
             "目标数据库不为空 (已有 %lld 个用户、%lld 条审计日志): 复制只写入新建的空数据库, 以免覆盖数据",
             (long long)users, (long long)audits);
    goto out;
  }
  if (schema_read(src, is_pg(from), &ss) || schema_read(dst, is_pg(to), &ts)) {
    snprintf(err, errlen, "无法读取数据库结构");
    goto out;
  }
  /* the same tables and columns on both sides (the same migrations) */
  for (int i = 0; i < ts.n; i++) {
    table *t = &ts.t[i], *s = tables_find(&ss, t->name);
    if (skipped(t->name)) continue;
    if (!s) {
      snprintf(err, errlen, "源数据库缺少表 %s", t->name);
      goto out;
    }
    for (int j = 0; j < t->ncols; j++) {
      bool found = false;
      for (int k = 0; k < s->ncols && !found; k++) found = !strcmp(s->cols[k].name, t->cols[j].name);
      if (!found) {
        snprintf(err, errlen, "源数据库的表 %s 缺少字段 %s", t->name, t->cols[j].name);
        goto out;
      }
    }
    free(t->order_by);
    t->order_by = xstrdup(s->order_by); /* rows are read from the source */
  }
  for (int i = 0; i < ss.n; i++)
    if (!skipped(ss.t[i].name) && !tables_find(&ts, ss.t[i].name)) {
      snprintf(err, errlen, "目标数据库缺少表 %s", ss.t[i].name);
      goto out;
    }
  if (copy_order(&ts, &order, &norder, err, errlen)) goto out;
  if (!is_pg(to) && store_exec(dst, "PRAGMA defer_foreign_keys=ON", NULL, 0, NULL)) {
    snprintf(err, errlen, "无法设置目标数据库: %s", store_errmsg(dst));
    goto out;
  }
  /* rows the migrations put in (problem categories, ...): children first */
  for (int i = norder - 1; i >= 0; i--) {
    if (!strcmp(order[i]->name, "audit_head") || !strcmp(order[i]->name, "audit")) continue;
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", order[i]->name);
    if (store_exec(dst, sql, NULL, 0, NULL)) {
      snprintf(err, errlen, "无法清空目标表 %s: %s", order[i]->name, store_errmsg(dst));
      goto out;
    }
  }
  for (int i = 0; i < norder; i++) {
    table *t = order[i];
    if (is_agg(t->name)) { /* what the record triggers computed: replaced by the source's */
      char sql[160];
      snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", t->name);
      if (store_exec(dst, sql, NULL, 0, NULL)) {
        snprintf(err, errlen, "无法清空目标表 %s: %s", t->name, store_errmsg(dst));
        goto out;
      }
    }
    int64_t n = 0;
    if (copy_table(src, dst, t, &n, err, errlen)) goto out;
    t->count = n;
  }
  /* identity sequences past the copied ids */
  for (int i = 0; is_pg(to) && i < norder; i++) {
    table *t = order[i];
    if (!t->identity) continue;
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'), "
             "(SELECT coalesce(max(\"%s\"), 0) + 1 FROM \"%s\"), false)",
             t->name, t->identity, t->identity, t->name);
    int64_t v;
    if (store_query_int(dst, sql, NULL, 0, &v)) {
      snprintf(err, errlen, "无法重置表 %s 的编号序列: %s", t->name, store_errmsg(dst));
      goto out;
    }
  }
  /* row counts: the source's snapshot against the target before commit */
  for (int i = 0; i < norder; i++) {
    int64_t a = -1, b = -2;
    if (count_rows(src, order[i]->name, &a) || count_rows(dst, order[i]->name, &b) || a != b) {
      snprintf(err, errlen, "表 %s 的行数不一致 (源 %lld, 目标 %lld)", order[i]->name, (long long)a,
               (long long)b);
      goto out;
    }
  }
  store_rollback(src);
  src = NULL;
  int c = store_commit(dst);
  dst = NULL;
  if (c != STORE_OK) {
    snprintf(err, errlen, "目标数据库提交失败");
    goto out;
  }
  int64_t total = 0;
  for (int i = 0; i < norder; i++) total += order[i]->count;
  printf("已复制 %d 张表、%lld 行, 各表行数与源一致\n", norder, (long long)total);
  rc = 0;
out:
  if (src) store_rollback(src);
  if (dst) store_rollback(dst);
  free(order);
  tables_free(&ss);
  tables_free(&ts);
  return rc;
}

/* After the copy: the anchor from the copied head, then both verifications
 * through the application as `serve` would open the target. */
static int verify_target(void) {
  app a;
  if (cli_open(&a)) return EX_SETUP;
  audit_head h = {0, ""};
  int ok = audit_head_read(a.db, &a.keys, &h);
  if (ok == 1) audit_anchor_note(a.anchor, &a.keys, &h);
  char msg[768];
  int rc = audit_verify(a.db, &a.keys, a.anchor, msg, sizeof msg);
  int ex = EX_OK;
  if (ok != 1 || rc) {
    printf("BROKEN 目标的审计链: %s\n", ok != 1 ? "链头记录未经密钥封存 (密钥文件不是源数据库的?)" : msg);
    ex = EX_FAIL;
  } else {
    printf("审计链 OK %s\n", msg);
  }
  store_tx *tx;
  int bad = store_read(a.db, &tx);
  if (!bad) {
    bad = agg_verify(tx, stdout);
    store_rollback(tx);
  }
  if (bad < 0) {
    printf("未能核对汇总表 (查询失败)\n");
    ex = EX_FAIL;
  } else if (bad) {
    printf("BROKEN 目标的汇总表与记录不一致\n");
    ex = EX_FAIL;
  } else {
    puts("汇总表与记录一致");
  }
  app_close(&a);
  return ex;
}

/* An SQLite target's key file next to it (as `serve --db DST` looks for it):
 * a copy of the source's key, mode 0400, unless one is there. */
static int key_next_to(const char *key, const char *db) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s.key", db) >= sizeof path) return -1;
  if (!strcmp(path, key) || access(path, F_OK) == 0) return 0;
  FILE *in = fopen(key, "rb");
  if (!in) return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
  FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!out) {
    if (fd >= 0) close(fd);
    fclose(in);
    return -1;
  }
  char b[4096];
  size_t n;
  int rc = 0;
  while ((n = fread(b, 1, sizeof b, in)) > 0)
    if (fwrite(b, 1, n, out) != n) rc = -1;
  if (ferror(in) || fflush(out) || fsync(fileno(out))) rc = -1;
  fclose(in);
  if (fclose(out)) rc = -1;
  if (rc) unlink(path);
  else printf("已将主密钥复制为 %s (与源相同的密钥)\n", path);
  return rc;
}

int cmd_db(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"from", required_argument, NULL, 'F'},
                                       {"to", required_argument, NULL, 'T'},
                                       {NULL, 0, NULL, 0}};
  const char *from = NULL, *to = NULL;
  int c;
  char err[768];
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(db_help, stdout);
      return EX_OK;
    }
    if (c == 'F') from = optarg;
    else if (c == 'T') to = optarg;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(db_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind + 1 != argc || strcmp(argv[optind], "copy") || !from || !to || !*from || !*to) {
    fputs(db_help, stderr);
    return EX_USAGE;
  }
  if (!strcmp(from, to)) {
    cli_err("--from 与 --to 是同一个数据库");
    return EX_USAGE;
  }
  bool src_pg = !strncmp(from, "postgres", 8) || !strncmp(from, "host=", 5) || !strncmp(from, "dbname=", 7);
  bool dst_pg = !strncmp(to, "postgres", 8) || !strncmp(to, "host=", 5) || !strncmp(to, "dbname=", 7);
  if (!*cfg_str(CFG_KEY_FILE)) {
    if (src_pg) {
      cli_err("源为 PostgreSQL 时须用 --set key_file=… 指定其主密钥文件");
      return EX_USAGE;
    }
    snprintf(err, sizeof err, "%s.key", from);
    if (cfg_set(CFG_KEY_FILE, err, err, sizeof err)) {
      cli_err("%s", err);
      return EX_USAGE;
    }
  }
  if (dst_pg && !*cfg_str(CFG_AUDIT_ANCHOR)) {
    cli_err("目标为 PostgreSQL 时须用 --set audit_anchor=… 指定目标的审计锚点文件");
    return EX_USAGE;
  }
  if (cfg_set(CFG_DB, to, err, sizeof err)) {
    cli_err("%s", err);
    return EX_USAGE;
  }
  cfg_finish(); /* the target's derived paths (anchor) */
  if (access(cfg_str(CFG_KEY_FILE), R_OK)) {
    cli_err("无法读取主密钥文件 %s: %s", cfg_str(CFG_KEY_FILE), strerror(errno));
    return EX_SETUP;
  }
  store *s = NULL, *d = NULL;
  if (store_open(&s, from, 2, err, sizeof err)) {
    cli_err("%s", err);
    return EX_SETUP;
  }
  if (store_migrate(s, err, sizeof err) < 0) {
    cli_err("源数据库: %s", err);
    store_close(s);
    return EX_SETUP;
  }
  if (store_open(&d, to, 2, err, sizeof err)) {
    cli_err("%s", err);
    store_close(s);
    return EX_SETUP;
  }
  if (store_migrate(d, err, sizeof err) < 0) {
    cli_err("目标数据库: %s", err);
    store_close(s);
    store_close(d);
    return EX_SETUP;
  }
  int rc = copy_all(s, d, err, sizeof err);
  store_close(s);
  store_close(d);
  if (rc) {
    cli_err("%s (目标未作改动)", err);
    return EX_FAIL;
  }
  if (!dst_pg && key_next_to(cfg_str(CFG_KEY_FILE), to)) {
    cli_err("无法把主密钥复制到 %s.key: %s", to, strerror(errno));
    return EX_FAIL;
  }
  return verify_target();
}
