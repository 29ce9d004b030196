/*
 * cmd_bench.c — `xunji bench-seed`: the bulk path that fills a database
 * initialised with `xunji init --demo` with a province-size data set for
 * bench/ (issue 15): N rounds (closed) with four teams each, targets spread
 * over the rounds and over their own units, one copied report per target
 * (with its two copies), problems (every one listed in its target's report,
 * in a state after 反馈), clues (sealed allegation), rectification tasks on
 * those problems and accountability records.
 *
 * Transactions: ONE per step, i.e. per table (units, rounds, teams, targets,
 * reports with their copies, problems with their report_problems rows,
 * clues, tasks, accountability). A failure anywhere in a step (a row, the
 * rebuild, the COMMIT) rolls the whole step back: a table is either complete
 * or absent, and the earlier steps stay committed (a rerun is refused: use a
 * new database).
 *
 * Aggregates (report/aggregates.c): in the four large steps (problems with
 * report_problems, clues, tasks, accountability) on SQLite, the step's
 * transaction first drops the aggregate triggers on the tables it writes
 * (sqlite_master's `agg_%` triggers on them, their text saved), inserts the
 * rows, recomputes from the records every aggregate table those triggers
 * maintain, in the list's order (agg_rebuild_table: the definitions `stats
 * --verify` checks; a trigger of an aggregate missing from aggregates.c's
 * list stops the step; triggers on those aggregates -- rollups -- are
 * dropped and their tables rebuilt the same way), and
 * recreates the triggers from the saved text (the migrations' own text), all
 * before its COMMIT: no committed state ever lacks a trigger or holds a
 * stale aggregate. Only inserts into those tables can move those aggregates,
 * and the triggers that would have done so are exactly the ones dropped.
 * On PostgreSQL the triggers stay and do the work per row.
 *
 * What it keeps of the API's rules (bench/README.md lists the rest):
 *   - states are states of the workflow tables (core/workflow.c), with the
 *     timestamps and actors of every step up to that state;
 *   - scope columns (round, team, unit) are copied from the record's target,
 *     tasks and accountability records from their problem; reports are
 *     copied (report_copies), so the commission's `handed` rule applies;
 *   - clue allegations are sealed with the installation's key by field_seal,
 *     the function the API uses, with the same context ("clue:<id>");
 *   - the four forms are derived with outcome_form (core/outcomes.c) from
 *     the outcome table's codes;
 *   - every step's transaction writes one audit entry through svc_audit
 *     (action bench.seed, object kind = the table, object id = its first
 *     row's id, detail {table, rows}) in the same transaction, and the audit
 *     chain is anchored at the end: `xunji audit verify` passes.
 * It does not write one audit entry per record (the API does), per-record
 * change logs (record_changes) or inbox messages, and does not run the
 * per-request validation (fields.c): it is a generator of fixed valid
 * values, not an import of outside data. Rows go through prepared
 * statements (the store's statement cache).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/outcomes.h"
#include "report/aggregates.h"
#include "sec/crypto.h"
#include "util/config.h"

static const char bench_help[] =
    "用法: xunji bench-seed [选项]\n\n"
    "为性能测试生成省级规模的数据 (bench/README.md): 数据库须已用 `xunji init --demo` 初始化。\n"
    "各状态均为流程表中的状态, 范围字段与巡察对象一致, 线索内容以本系统密钥加密,\n"
    "每张表一个事务 (期间停用汇总触发器, 提交前按记录重算汇总表并恢复触发器),\n"
    "每个事务写一条审计记录。\n\n"
    "  --problems N       问题数 (默认 1000000)\n"
    "  --clues N          问题线索数 (默认 100000)\n"
    "  --tasks N          整改任务数 (默认 200000, 不超过问题数)\n"
    "  --accountability N 追责问责记录数 (默认 300000)\n"
    "  --targets N        巡察对象数 (默认 5000)\n"
    "  --rounds N         巡察轮次数 (默认 50, 1..99)\n" CLI_COMMON_HELP;

#define MARK_ROUND "压测第01轮巡察"
#define DAY0 16071 /* 2014-01-01 in days since the epoch */

typedef struct gen {
  app *a;
  store_tx *tx;
  const char *table;
  long in_tx, written;
  json_t *trig; /* the aggregate triggers dropped in this step: [{name, sql}] */
  json_t *aggs; /* the aggregate tables they maintain: [name] */
  double rebuild_s;
  char first[40];
  int rc;
} gen;

static void day_str(long day, char out[11]) {
  time_t t = (time_t)day * 86400;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

static void ts_str(long day, int hour, char out[21]) {
  char d[11];
  day_str(day, d);
  snprintf(out, 21, "%.10sT%02u:00:00Z", d, (unsigned)hour % 24u);
}

static void mkid(char out[37], int table, long n) {
  snprintf(out, 37, "0190%04x-0000-7000-8000-%012lx", (unsigned)table & 0xffffu,
           (unsigned long)n & 0xffffffffffffUL);
}

static double mono_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static bool in_list(json_t *arr, const char *s) {
  size_t j;
  json_t *a;
  json_array_foreach(arr, j, a) if (!strcmp(json_string_value(a), s)) return true;
  return false;
}

/* Drops, in g's transaction, the aggregate triggers on the step's tables (a
 * SQL list of names) and, transitively, those on the aggregates they
 * maintain (rollups kept from an aggregate by its own triggers), keeping
 * their text and the aggregate each maintains. */
static int triggers_off(gen *g, const char *tables) {
  g->trig = json_array();
  g->aggs = json_array();
  if (!g->trig || !g->aggs) return STORE_ERR;
  buf in;
  buf_init(&in, 4096);
  buf_addf(&in, "%s", tables);
  int rc = 0;
  for (int round = 0; !rc && round < 8; round++) {
    buf sql;
    buf_init(&sql, 8192);
    buf_addf(&sql, "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name IN (%s) "
                   "AND name LIKE 'agg\\_%%' ESCAPE '\\' ORDER BY name", buf_str(&in));
    json_t *found = sql.failed || in.failed ? NULL : store_query_json(g->tx, buf_str(&sql), NULL, 0);
    buf_free(&sql);
    if (!found) {
      rc = STORE_ERR;
      break;
    }
    size_t nagg = json_array_size(g->aggs), i;
    json_t *t;
    json_array_foreach(found, i, t) {
      const char *name = json_string_value(json_object_get(t, "name"));
      const char *agg = agg_table_of(name);
      if (!agg) { /* an aggregate the list of report/aggregates.c does not know: cannot rebuild it */
        cli_err("触发器 %s 所维护的汇总表不在 report/aggregates.c 的汇总表清单中", name);
        rc = STORE_ERR;
        break;
      }
      if (!in_list(g->aggs, agg)) json_array_append_new(g->aggs, json_string(agg));
      json_array_append(g->trig, t);
      buf_init(&sql, 256);
      buf_addf(&sql, "DROP TRIGGER \"%s\"", name);
      rc = sql.failed ? STORE_ERR : store_exec_script(g->tx, buf_str(&sql));
      buf_free(&sql);
      if (rc) break;
    }
    json_decref(found);
    if (rc || json_array_size(g->aggs) == nagg) break; /* no new aggregate: no more triggers */
    buf_reset(&in); /* next: the triggers on the aggregates found so far */
    json_array_foreach(g->aggs, i, t) buf_addf(&in, "%s'%s'", i ? "," : "", json_string_value(t));
  }
  buf_free(&in);
  return rc;
}

/* Recomputes the aggregates those triggers maintain from the records, in the
 * list's order (a rollup after its source), and recreates the triggers from
 * their saved text, in g's transaction. */
static int triggers_on(gen *g) {
  double t0 = mono_s();
  int rc = 0;
  for (size_t i = 0; !rc && i < agg_table_count(); i++)
    if (in_list(g->aggs, agg_table_name(i))) rc = agg_rebuild_table(g->tx, agg_table_name(i));
  size_t i;
  json_t *t;
  json_array_foreach(g->trig, i, t) {
    if (rc) break;
    rc = store_exec_script(g->tx, json_string_value(json_object_get(t, "sql")));
  }
  g->rebuild_s = mono_s() - t0;
  return rc;
}

/* Ends the step's transaction: the aggregates and triggers, its audit entry,
 * COMMIT; or ROLLBACK of the whole step. */
static int gen_flush(gen *g) {
  if (!g->tx) return g->rc;
  if (!g->rc && g->trig) g->rc = triggers_on(g);
  if (!g->rc && g->in_tx) {
    json_t *d = json_pack("{s:s,s:I}", "table", g->table, "rows", (json_int_t)g->in_tx);
    g->rc = cli_audit(g->a, g->tx, "bench.seed", g->table, g->first, d);
    json_decref(d);
  }
  if (g->rc) {
    cli_err("写入 %s 失败: %s", g->table, store_errmsg(g->tx));
    store_rollback(g->tx);
  } else if (store_commit(g->tx) != STORE_OK) {
    cli_err("提交 %s 失败", g->table);
    g->rc = STORE_ERR;
  }
  json_decref(g->trig);
  json_decref(g->aggs);
  g->trig = g->aggs = NULL;
  g->tx = NULL;
  g->in_tx = 0;
  return g->rc;
}

static int gen_begin(gen *g, const char *id) {
  if (g->rc) return g->rc;
  if (!g->tx && store_write(g->a->db, &g->tx)) {
    cli_err("数据库忙");
    g->tx = NULL;
    return g->rc = STORE_ERR;
  }
  if (!g->in_tx) snprintf(g->first, sizeof g->first, "%s", id);
  return 0;
}

/* One row: exec sql with p in the step's transaction. */
static int gen_row(gen *g, const char *id, const char *sql, const sval *p, int n) {
  if (gen_begin(g, id)) return g->rc;
  g->rc = store_exec(g->tx, sql, p, n, NULL);
  if (g->rc) return gen_flush(g);
  g->in_tx++;
  g->written++;
  return 0;
}

/* Starts a step (one transaction); bulk (a SQL list of the tables the step
 * writes): with the aggregate triggers on those tables dropped. */
static void gen_table(gen *g, const char *table, const char *bulk) {
  if (g->tx) gen_flush(g);
  g->table = table;
  g->written = 0;
  g->rebuild_s = 0;
  if (!bulk || g->rc || strcmp(store_backend(g->a->db), "sqlite")) return;
  if (!gen_begin(g, "")) g->rc = triggers_off(g, bulk);
  if (g->rc) gen_flush(g);
}

typedef struct opts {
  long problems, clues, tasks, acct, targets, rounds;
} opts;

typedef struct ids {
  char office[37], leader[37], lg[37], casemgmt[37], unit[37], commission[37], orgdept[37];
  char groups[4][37];
  char cats[64][37];
  int ncats;
} ids;

static int lookup(store_tx *tx, const char *sql, const char *key, char out[37]) {
  char *v = NULL;
  sval p[] = {SV_S(key)};
  int rc = store_query_text(tx, sql, p, key ? 1 : 0, &v);
  if (rc || !v || !*v) {
    free(v);
    cli_err("演示数据缺少 %s: 请先运行 xunji init --demo", key ? key : sql);
    return -1;
  }
  snprintf(out, 37, "%s", v);
  free(v);
  return 0;
}

static int load_ids(app *a, ids *x) {
  store_tx *tx;
  if (store_read(a->db, &tx)) return -1;
  const char *u = "SELECT id FROM users WHERE login=$1";
  int rc = lookup(tx, u, "office", x->office) || lookup(tx, u, "leader1", x->leader) ||
           lookup(tx, u, "lg", x->lg) || lookup(tx, u, "casemgmt", x->casemgmt) ||
           lookup(tx, u, "unit1", x->unit) ||
           lookup(tx, "SELECT id FROM orgs WHERE kind='commission' ORDER BY created_at, id LIMIT 1",
                  NULL, x->commission) ||
           lookup(tx, "SELECT id FROM orgs WHERE kind='organization_dept' ORDER BY created_at, id LIMIT 1",
                  NULL, x->orgdept);
  int64_t mark = 0;
  sval mp[] = {SV_S(MARK_ROUND)};
  if (!rc && !store_query_int(tx, "SELECT count(*) FROM rounds WHERE name=$1", mp, 1, &mark) && mark) {
    cli_err("已生成过压测数据 (存在巡察轮次「%s」): 请用新的数据库", MARK_ROUND);
    rc = -1;
  }
  if (!rc) {
    store_rows *r;
    int n = 0;
    if (!store_query(tx, "SELECT id FROM orgs WHERE kind='patrol_group' ORDER BY created_at, id", NULL, 0, &r)) {
      while (n < 4 && store_next(r) == 1) snprintf(x->groups[n++], 37, "%s", store_text(r, 0));
      store_rows_close(r);
    }
    x->ncats = 0;
    if (!store_query(tx, "SELECT id FROM problem_categories WHERE parent_id IS NOT NULL AND active=1 "
                         "ORDER BY code", NULL, 0, &r)) {
      while (x->ncats < 64 && store_next(r) == 1) snprintf(x->cats[x->ncats++], 37, "%s", store_text(r, 0));
      store_rows_close(r);
    }
    if (n < 4 || !x->ncats) {
      cli_err("演示数据缺少巡察组或问题类别: 请先运行 xunji init --demo");
      rc = -1;
    }
  }
  store_rollback(tx);
  return rc ? -1 : 0;
}

/* Day of round r's start; rounds are 60 days apart from 2014-01-01. */
static long round_day(long r) { return DAY0 + r * 60; }

static const char *const problem_state[10] = {"rectifying", "rectified", "fed_back", "signed_off", "signed_off",
                                              "signed_off", "signed_off", "signed_off", "signed_off", "signed_off"};
static const char *task_state_of(const char *ps) {
  if (!strcmp(ps, "fed_back")) return "open";
  if (!strcmp(ps, "rectifying")) return "in_progress";
  if (!strcmp(ps, "rectified")) return "done";
  return "signed_off";
}
static const char *const teamname[4] = {"第一巡察组", "第二巡察组", "第三巡察组", "第四巡察组"};

static int generate(app *a, const opts *o) {
  ids x;
  if (load_ids(a, &x)) return EX_FAIL;
  gen g = {.a = a};
  long per = o->targets / o->rounds; /* targets per round */
  long nunits = per > 1000 ? per : (o->targets < 1000 ? o->targets : 1000);
  char id[37], id2[37], d1[21], d2[21], d3[21], d4[21], d5[21], d6[21], s[160], s2[160];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
#define NOW_S() (clock_gettime(CLOCK_MONOTONIC, &t1), (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9)
  double step0 = 0;
  /* per step: rows written, seconds, rows per second (bench/run.py reads the problems line) */
#define DONE(label)                                                                          \
  do {                                                                                       \
    gen_flush(&g);                                                                           \
    double now_ = NOW_S(), dt_ = now_ - step0;                                               \
    if (g.rc) printf("  %-12s 未写入 (整表回滚)", label);                                  \
    else printf("  %-12s %9ld 行 %7.2f s %9.0f 行/s", label, g.written, dt_, dt_ > 0 ? g.written / dt_ : 0.0); \
    if (!g.rc && g.rebuild_s > 0) printf("  (其中汇总重算与触发器 %.2f s)", g.rebuild_s);                 \
    putchar('\n');                                                                          \
    fflush(stdout);                                                                          \
    step0 = now_;                                                                            \
  } while (0)

  /* a larger page cache for this connection: the indexes of a million rows */
  if (!strcmp(store_backend(a->db), "sqlite") && !gen_begin(&g, ""))
    g.rc = store_exec_script(g.tx, "PRAGMA cache_size=-262144");
  /* units */
  gen_table(&g, "orgs", NULL);
  for (long u = 0; !g.rc && u < nunits; u++) {
    mkid(id, 1, u);
    snprintf(s, sizeof s, "压测单位%05ld", u + 1);
    ts_str(DAY0 - 10, 1, d1);
    sval p[] = {SV_S(id), SV_S(s), SV_S(d1)};
    gen_row(&g, id, "INSERT INTO orgs(id, kind, name, level, created_at, updated_at) "
                    "VALUES($1,'unit',$2,'city',$3,$3)", p, 3);
  }
  DONE("被巡察单位");
  /* rounds and teams */
  gen_table(&g, "rounds", NULL);
  for (long r = 0; !g.rc && r < o->rounds; r++) {
    mkid(id, 2, r);
    snprintf(s, sizeof s, "压测第%02ld轮巡察", r + 1);
    day_str(round_day(r), d1);
    day_str(round_day(r) + 55, d2);
    ts_str(round_day(r), 1, d3);
    ts_str(round_day(r) + 200, 9, d4);
    sval p[] = {SV_S(id), SV_S(s), SV_I(r % 99 + 1), SV_S(d1), SV_S(d2), SV_S(d3), SV_S(d4)};
    gen_row(&g, id, "INSERT INTO rounds(id, name, term, seq, kind, theme, planned_start, planned_end, state, "
                    "created_at, updated_at) VALUES($1,$2,'压测',$3,'regular','压测巡察',$4,$5,'closed',$6,$7)",
            p, 7);
  }
  DONE("巡察轮次");
  gen_table(&g, "teams", NULL);
  for (long r = 0; !g.rc && r < o->rounds; r++)
    for (int t = 0; !g.rc && t < 4; t++) {
      mkid(id, 3, r * 4 + t);
      mkid(id2, 2, r);
      ts_str(round_day(r), 2, d1);
      sval p[] = {SV_S(id), SV_S(id2), SV_S(x.groups[t]), SV_S(teamname[t]), SV_S(d1)};
      gen_row(&g, id, "INSERT INTO teams(id, round_id, group_id, name, created_at, updated_at) "
                      "VALUES($1,$2,$3,$4,$5,$5)", p, 5);
    }
  DONE("巡察组");
  /* targets and their copied reports: target t is in round t/per, team k%4,
   * unit (r*per+k) % nunits (distinct within a round since per <= nunits) */
#define T_ROUND(t) ((t) / per)
#define T_K(t) ((t) % per)
#define T_TEAM(t) (T_ROUND(t) * 4 + T_K(t) % 4)
#define T_UNIT(t) ((T_ROUND(t) * per + T_K(t)) % nunits)
  gen_table(&g, "targets", NULL);
  for (long t = 0; !g.rc && t < o->targets; t++) {
    long r = T_ROUND(t), d = round_day(r);
    char rid[37], tid[37], uid[37];
    mkid(id, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    day_str(d, d1);
    day_str(d + 1, d2);
    day_str(d + 45, d3);
    day_str(d + 60, d4);
    day_str(d + 75, d5);
    ts_str(d, 1, d6);
    sval p[] = {SV_S(id), SV_S(rid), SV_S(tid), SV_S(uid), SV_S(d1), SV_S(d2), SV_S(d3), SV_S(d4), SV_S(d5), SV_S(d6)};
    gen_row(&g, id, "INSERT INTO targets(id, round_id, team_id, unit_id, mobilization_date, entry_date, "
                    "withdrawal_date, report_date, feedback_date, created_at, updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)", p, 10);
  }
  DONE("巡察对象");
  gen_table(&g, "reports", NULL);
  for (long t = 0; !g.rc && t < o->targets; t++) {
    long r = T_ROUND(t), d = round_day(r);
    char rid[37], tid[37], uid[37], gid[37];
    mkid(id, 5, t);
    mkid(gid, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    ts_str(d + 50, 2, d1); /* submitted */
    ts_str(d + 55, 2, d2); /* approved */
    day_str(d + 75, d3);   /* meeting */
    ts_str(d + 75, 8, d4); /* fed back */
    ts_str(d + 76, 2, d5); /* copied */
    sval p[] = {SV_S(id), SV_S(gid), SV_S(rid), SV_S(tid), SV_S(uid), SV_S(d1), SV_S(x.leader), SV_S(d2),
                SV_S(x.lg), SV_S(d3), SV_S(d4), SV_S(x.office), SV_S(d5)};
    gen_row(&g, id, "INSERT INTO reports(id, target_id, round_id, team_id, unit_id, text, state, "
                    "submitted_at, submitted_by, approved_at, approved_by, meeting_date, attendees, "
                    "feedback_text, fed_back_at, fed_back_by, copied_at, copied_by, created_by, created_at, "
                    "updated_at) VALUES($1,$2,$3,$4,$5,'压测巡察报告正文','copied',$6,$7,$8,$9,$10,30,"
                    "'压测反馈意见',$11,$12,$13,$12,$7,$6,$13)", p, 13);
    for (int c = 0; !g.rc && c < 2; c++) {
      mkid(id2, 6, t * 2 + c);
      sval q[] = {SV_S(id2), SV_S(id), SV_S(c ? "organization_dept" : "commission"),
                  SV_S(c ? x.orgdept : x.commission), SV_S(x.office), SV_S(d5)};
      gen_row(&g, id2, "INSERT INTO report_copies(id, report_id, recipient, recipient_org_id, copied_by, "
                       "copied_at) VALUES($1,$2,$3,$4,$5,$6)", q, 6);
    }
  }
  DONE("巡察报告与抄送");
  /* problems: problem n on target n*T/P (in round order, so the created_at
   * index grows at its end), all listed in its target's report */
  gen_table(&g, "problems", "'problems','report_problems'");
  for (long n = 0; !g.rc && n < o->problems; n++) {
    long t = n * o->targets / o->problems, r = T_ROUND(t), d = round_day(r);
    const char *st = problem_state[n % 10];
    char rid[37], tid[37], uid[37], gid[37], seq[32], dfound[11];
    mkid(id, 7, n);
    mkid(gid, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    day_str(d + 2 + n % 40, dfound);
    snprintf(seq, sizeof seq, "%.4s-%07ld", dfound, n + 1);
    ts_str(d + 2 + n % 40, 3 + n % 8, d1); /* created */
    ts_str(d + 43, 2, d2);                 /* confirmed */
    ts_str(d + 50, 2, d3);                 /* reported */
    ts_str(d + 75, 8, d4);                 /* fed back */
    ts_str(d + 80, 2, d5);                 /* rectifying */
    ts_str(d + 140, 2, d6);                /* rectified; signed off a day later */
    char d7[21];
    ts_str(d + 141, 2, d7);
    bool rect = strcmp(st, "fed_back") != 0, done = rect && strcmp(st, "rectifying") != 0,
         off = !strcmp(st, "signed_off");
    snprintf(s, sizeof s, "压测问题%07ld: 落实主体责任不到位", n + 1);
    sval p[] = {SV_S(id), SV_S(seq), SV_S(gid), SV_S(rid), SV_S(tid), SV_S(uid),
                SV_S(x.cats[n % x.ncats]), SV_S(s), SV_I((n % 7) * 10000), SV_S(dfound),
                SV_S(st), SV_S(d2), SV_S(x.leader), SV_S(d3), SV_S(d4),
                rect ? SV_S(d5) : SV_NUL, done ? SV_S(d6) : SV_NUL, done ? SV_S(x.unit) : SV_NUL,
                done ? SV_S("已完成整改") : SV_NUL, off ? SV_S(d7) : SV_NUL, off ? SV_S(x.office) : SV_NUL,
                SV_S(d1), SV_S(off ? d7 : done ? d6 : rect ? d5 : d4), SV_I(n % 3 ? 0 : 1)};
    gen_row(&g, id, "INSERT INTO problems(id, seq_no, target_id, round_id, team_id, unit_id, category_id, "
                    "title, description, amount_fen, people, found_by, found_on, immediate_fix, inaction, "
                    "state, confirmed_at, confirmed_by, reported_at, fed_back_at, rectifying_at, rectified_at, "
                    "rectified_by, rectify_note, signed_off_at, signed_off_by, created_by, created_at, "
                    "updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
                    "'经查阅账目与个别谈话发现, 该单位在落实全面从严治党主体责任方面存在薄弱环节, "
                    "相关制度执行不严格。',$9,NULL,'records',$10,$24,0,$11,$12,$13,$14,$15,$16,$17,$18,$19,"
                    "$20,$21,$13,$22,$23)", p, 24);
    mkid(id2, 5, t);
    sval q[] = {SV_S(id2), SV_S(id)};
    gen_row(&g, id, "INSERT INTO report_problems(report_id, problem_id) VALUES($1,$2)", q, 2);
  }
  DONE("problems");
  /* clues, allegation sealed as the API seals it */
  gen_table(&g, "clues", "'clues'");
  static const char *const clue_state[4] = {"draft", "verified", "handed_over", "registered"};
  for (long n = 0; !g.rc && n < o->clues; n++) {
    long t = n * o->targets / (o->clues ? o->clues : 1), r = T_ROUND(t), d = round_day(r);
    int k = (int)(n % 4);
    char rid[37], tid[37], uid[37], gid[37], ctx[48], dno[64], rno[64], dd[11];
    mkid(id, 8, n);
    mkid(gid, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    day_str(d + 3 + n % 30, dd);
    ts_str(d + 3 + n % 30, 4, d1);
    ts_str(d + 4 + n % 30, 4, d2);
    ts_str(d + 5 + n % 30, 4, d3);
    ts_str(d + 6 + n % 30, 4, d4);
    snprintf(ctx, sizeof ctx, "clue:%s", id);
    snprintf(s2, sizeof s2, "反映压测单位某科长违规发放津补贴 (%ld), 线索具体, 可查性强。", n + 1);
    char *sealed = field_seal(&a->keys, ctx, s2);
    if (!sealed) {
      cli_err("加密失败");
      g.rc = STORE_ERR;
      break;
    }
    snprintf(dno, sizeof dno, "压测移〔%.4s〕%ld号", dd, n + 1);
    snprintf(rno, sizeof rno, "压测登〔%.4s〕%ld号", dd, n + 1);
    sval p[] = {SV_S(id), SV_S(gid), SV_S(rid), SV_S(tid), SV_S(uid), SV_S(dd), SV_S(sealed),
                SV_S(clue_state[k]), k >= 1 ? SV_S(d2) : SV_NUL, k >= 1 ? SV_S(x.leader) : SV_NUL,
                k >= 2 ? SV_S(d3) : SV_NUL, k >= 2 ? SV_S(x.office) : SV_NUL,
                k >= 2 ? SV_S("during_patrol") : SV_NUL, k >= 2 ? SV_S(dno) : SV_NUL,
                k >= 3 ? SV_S(d4) : SV_NUL, k >= 3 ? SV_S(x.casemgmt) : SV_NUL, k >= 3 ? SV_S(rno) : SV_NUL,
                SV_S(d1), SV_S(k == 3 ? d4 : k == 2 ? d3 : k == 1 ? d2 : d1), SV_S(x.leader)};
    gen_row(&g, id, "INSERT INTO clues(id, target_id, round_id, team_id, unit_id, title, subject_name, "
                    "subject_post, source, discovered_on, allegation_enc, state, verified_at, verified_by, "
                    "handover_at, handover_by, handover_mode, handover_docno, registered_at, registered_by, "
                    "registry_no, created_by, created_at, updated_at) VALUES($1,$2,$3,$4,$5,"
                    "'单位负责人涉嫌违规发放津补贴','某某','科长','records',$6,$7,$8,$9,$10,$11,$12,$13,$14,"
                    "$15,$16,$17,$20,$18,$19)", p, 20);
    free(sealed);
  }
  DONE("问题线索 (已加密)");
  /* rectification tasks: task n on problem n*P/K, state from the problem's */
  gen_table(&g, "rect_tasks", "'rect_tasks'");
  for (long n = 0; !g.rc && n < o->tasks; n++) {
    long pn = n * o->problems / o->tasks, t = pn * o->targets / o->problems, r = T_ROUND(t), d = round_day(r);
    const char *ps = problem_state[pn % 10], *st = task_state_of(ps);
    char rid[37], tid[37], uid[37], gid[37], dl[11];
    bool started = strcmp(st, "open") != 0, done = started && strcmp(st, "in_progress") != 0,
         off = !strcmp(st, "signed_off");
    mkid(id, 9, n);
    mkid(id2, 7, pn);
    mkid(gid, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    day_str(d + 140, dl);
    ts_str(d + 78, 2, d1);
    ts_str(d + 80, 2, d2);
    ts_str(d + 140, 2, d3);
    ts_str(d + 141, 2, d4);
    sval p[] = {SV_S(id), SV_S(id2), SV_S(gid), SV_S(rid), SV_S(tid), SV_S(uid), SV_S(dl), SV_S(st),
                started ? SV_S(d2) : SV_NUL, done ? SV_S(d3) : SV_NUL, done ? SV_S(x.unit) : SV_NUL,
                done ? SV_S("已按整改方案完成整改") : SV_NUL, off ? SV_S(d4) : SV_NUL,
                off ? SV_S(x.office) : SV_NUL, SV_S(x.unit), SV_S(d1),
                SV_S(off ? d4 : done ? d3 : started ? d2 : d1)};
    gen_row(&g, id, "INSERT INTO rect_tasks(id, problem_id, target_id, round_id, team_id, unit_id, measure, "
                    "owner_name, owner_post, leader_name, deadline, long_term, state, started_at, done_at, "
                    "done_by, done_note, signed_off_at, signed_off_by, created_by, created_at, updated_at) "
                    "VALUES($1,$2,$3,$4,$5,$6,'建立台账, 逐项落实整改措施','王建国','责任科室负责人',"
                    "'李海燕',$7,0,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)", p, 17);
  }
  DONE("整改任务");
  /* accountability: record n on problem (n*13) % P; two of three decided */
  gen_table(&g, "accountability", "'accountability'");
  for (long n = 0; !g.rc && n < o->acct; n++) {
    long pn = n * o->problems / (o->acct ? o->acct : 1), t = pn * o->targets / o->problems, r = T_ROUND(t), d = round_day(r);
    bool decided = n % 3 != 0;
    const outcome_def *oc = &outcomes[n % noutcomes];
    int form = decided ? outcome_form(oc->code, false) : 0;
    char rid[37], tid[37], uid[37], gid[37], dd[11];
    mkid(id, 10, n);
    mkid(id2, 7, pn);
    mkid(gid, 4, t);
    mkid(rid, 2, r);
    mkid(tid, 3, T_TEAM(t));
    mkid(uid, 1, T_UNIT(t));
    day_str(d + 150 + n % 60, dd);
    ts_str(d + 100, 2, d1);
    ts_str(d + 150 + n % 60, 6, d2);
    snprintf(s, sizeof s, "%s%s", (const char *[]){"王", "李", "张", "刘", "陈", "杨", "黄", "赵"}[n % 8],
             (const char *[]){"建国", "海燕", "志强", "丽华", "明辉", "晓东", "春梅"}[n % 7]);
    sval p[] = {SV_S(id), SV_S(id2), SV_S(gid), SV_S(rid), SV_S(tid), SV_S(uid), SV_S(s),
                decided ? SV_S(oc->code) : SV_NUL, form ? SV_I(form) : SV_NUL,
                decided ? SV_S("中共压测市纪律检查委员会") : SV_NUL, decided ? SV_S(dd) : SV_NUL,
                SV_S(decided ? "decided" : "open"), SV_S(x.casemgmt), SV_S(d1), SV_S(decided ? d2 : d1)};
    gen_row(&g, id, "INSERT INTO accountability(id, problem_id, target_id, round_id, team_id, unit_id, "
                    "subject_kind, subject_name, subject_post, outcome, criminal, form, authority, decided_on, "
                    "state, created_by, created_at, updated_at) VALUES($1,$2,$3,$4,$5,$6,'person',$7,"
                    "'工作人员',$8,0,$9,$10,$11,$12,$13,$14,$15)", p, 15);
  }
  DONE("追责问责");
  gen_flush(&g);
  if (g.rc) {
    cli_err("生成中止: 已提交的表保留 (失败的表整体回滚), 请改用新的数据库重试");
    return EX_FAIL;
  }
  cli_anchor(a);
  printf("完成, 用时 %.1f s\n", NOW_S());
  return EX_OK;
}

static int num_opt(const char *arg, const char *name, long lo, long hi, long *out) {
  char *end;
  long v = strtol(arg, &end, 10);
  if (!*arg || *end || v < lo || v > hi) {
    cli_err("--%s 须为 %ld 到 %ld 之间的整数", name, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

int cmd_bench_seed(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option lopts[] = {
      CLI_COMMON_OPTS,           {"problems", required_argument, NULL, 'p'}, {"clues", required_argument, NULL, 'c'},
      {"tasks", required_argument, NULL, 't'}, {"accountability", required_argument, NULL, 'a'},
      {"targets", required_argument, NULL, 'g'}, {"rounds", required_argument, NULL, 'r'},
      {NULL, 0, NULL, 0}};
  opts o = {1000000, 100000, 200000, 300000, 5000, 50};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
    int bad = 0;
    switch (c) {
    case 'h': fputs(bench_help, stdout); return EX_OK;
    case 'p': bad = num_opt(optarg, "problems", 1, 100000000, &o.problems); break;
    case 'c': bad = num_opt(optarg, "clues", 0, 100000000, &o.clues); break;
    case 't': bad = num_opt(optarg, "tasks", 0, 100000000, &o.tasks); break;
    case 'a': bad = num_opt(optarg, "accountability", 0, 100000000, &o.acct); break;
    case 'g': bad = num_opt(optarg, "targets", 1, 1000000, &o.targets); break;
    case 'r': bad = num_opt(optarg, "rounds", 1, 99, &o.rounds); break;
    default:
      if (cli_common_opt(c, optarg)) {
        if (c == '?') fputs(bench_help, stderr);
        return EX_USAGE;
      }
    }
    if (bad) return EX_USAGE;
  }
  if (optind < argc) {
    cli_err("多余的参数: %s", argv[optind]);
    return EX_USAGE;
  }
  if (o.targets < o.rounds || o.targets % o.rounds) {
    cli_err("--targets 须为 --rounds 的整数倍 (每轮巡察对象数相同)");
    return EX_USAGE;
  }
  if (o.tasks > o.problems) {
    cli_err("--tasks 不能多于 --problems (每个任务对应一个问题)");
    return EX_USAGE;
  }
  cfg_finish();
  app a;
  if (cli_open(&a)) return EX_SETUP;
  printf("生成压测数据: %ld 问题, %ld 线索, %ld 整改任务, %ld 追责问责, %ld 巡察对象, %ld 轮\n", o.problems,
         o.clues, o.tasks, o.acct, o.targets, o.rounds);
  int rc = generate(&a, &o);
  app_close(&a);
  return rc;
}
