/*
 * cmd_reports.c — `xunji stats`, `xunji export`, `xunji import`: the
 * statistics, ledgers, letters and imports of issue 6 from the shell (cron
 * jobs, offices without the browser UI). The same code as the API: the
 * measures table, the ledger writer, the letter renderer, and the import
 * services the HTTP handlers call (api/imports.h), with the shell's actor
 * (cli_actor), so validation, errors and audit are identical. Exports and
 * imports are audited as "cli:<user>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/imports.h"
#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "cli/cli.h"
#include "report/aggregates.h"
#include "report/stats.h"
#include "report/xlsx.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

#define FILTER_OPTS                                                                        \
  {"round", required_argument, NULL, 'r'}, {"campaign", required_argument, NULL, 'c'},    \
      {"round-kind", required_argument, NULL, 'k'}, {"team", required_argument, NULL, 't'}, \
      {"unit", required_argument, NULL, 'u'}, {"level", required_argument, NULL, 'l'},     \
      {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 'T'}
#define FILTER_HELP                                                                        \
  "筛选 (与 GET /api/v1/stats 相同):\n"                                                      \
  "  --round ID  --campaign 专项名称  --round-kind 类型  --team ID  --unit ID\n"             \
  "  --level city|township|village  --from YYYY-MM-DD  --to YYYY-MM-DD\n"

static int filter_opt(int c, const char *arg, mfilters *f) {
  static const struct {
    int c;
    mfilter f;
  } map[] = {{'r', MF_ROUND}, {'c', MF_CAMPAIGN}, {'k', MF_ROUND_KIND}, {'t', MF_TEAM},
             {'u', MF_UNIT},  {'l', MF_LEVEL},    {'f', MF_FROM},       {'T', MF_TO}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (map[i].c == c) {
      f->v[map[i].f] = arg;
      return 0;
    }
  return 1;
}

static int check_filters(mfilters *f) {
  mfilter bad;
  if (mfilters_check(f, &bad)) {
    cli_err("筛选条件「%s」无效: %s", mfilter_labels[bad], f->v[bad] ? f->v[bad] : "");
    return -1;
  }
  return 0;
}

static void print_json(json_t *v) {
  char *s = json_dumps(v, JSON_INDENT(1));
  if (s) puts(s);
  free(s);
}

/* ---- stats ---------------------------------------------------------------------------- */
static const char stats_help[] =
    "用法: xunji stats [--measure 指标 [--records]] [--json] [筛选] [选项]\n\n"
    "按统计指标表计算各项数字 (与 GET /api/v1/stats 相同)。默认输出「指标 数值 单位」表;\n"
    "  --json             以 JSON 输出\n"
    "  --measure NAME     只输出一项指标 (名称见 GET /api/v1/stats/measures)\n"
    "  --records          输出该指标所统计的全部记录 (JSON, 穿透查询)\n"
    "  --verify           由记录重新计算各汇总表与由汇总表得出的每项数字, 与汇总表比较;\n"
    "                     不一致时列出指标名与分组, 退出码 1\n"
    "  --rebuild          由记录重建全部汇总表 (先明细后按组汇总, 一个事务; 批量导入\n"
    "                     停用汇总触发器之后使用)\n" FILTER_HELP CLI_COMMON_HELP
    "退出码: 0 成功, 1 查询失败, 2 用法或筛选条件错误, 3 无法打开数据库。\n";

static void print_measure(const json_t *m) {
  const char *kind = json_string_value(json_object_get(m, "kind"));
  const json_t *v = json_object_get(m, "value");
  char val[64];
  if (json_is_integer(v)) snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v)) snprintf(val, sizeof val, "%.2f", json_real_value(v));
  else if (json_is_string(v)) snprintf(val, sizeof val, "%s", json_string_value(v));
  else snprintf(val, sizeof val, "-");
  printf("%-30s %-12s %s", json_string_value(json_object_get(m, "name")), val,
         json_string_value(json_object_get(m, "unit")));
  if (!strcmp(kind, "days") && json_is_integer(json_object_get(m, "max")))
    printf(" (中位数, 最长 %lld 天, %lld 件)", (long long)json_integer_value(json_object_get(m, "max")),
           (long long)json_integer_value(json_object_get(m, "count")));
  if (!strcmp(kind, "sum_fen")) printf(" (%s 万元)", json_string_value(json_object_get(m, "value_wan")));
  printf("  %s\n", json_string_value(json_object_get(m, "label")));
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(m, "by"), i, b)
      printf("    %-26s %-12lld %s\n", json_string_value(json_object_get(b, "code")),
             (long long)json_integer_value(json_object_get(b, "n")),
             json_string_value(json_object_get(b, "label")));
}

/* --verify: the aggregates against the records (report/aggregates.c) */
static int stats_verify(void) {
  app a;
  if (cli_open(&a)) return EX_SETUP;
  store_tx *tx;
  int rc = store_read(a.db, &tx);
  int bad = rc ? rc : agg_verify(tx, stdout);
  if (!rc) store_rollback(tx);
  app_close(&a);
  if (bad < 0) {
    cli_err("查询失败");
    return 1;
  }
  if (bad) {
    cli_err("汇总表与记录不一致: %d 处", bad);
    return 1;
  }
  puts("汇总表与记录一致");
  return EX_OK;
}

/* --rebuild: every aggregate table from the records, in one write transaction
 * (report/aggregates.c agg_rebuild_all), with its audit entry */
static int stats_rebuild(void) {
  app a;
  if (cli_open(&a)) return EX_SETUP;
  store_tx *tx;
  int rc = store_write(a.db, &tx);
  if (!rc) {
    rc = agg_rebuild_all(tx);
    json_t *d = json_pack("{s:I}", "tables", (json_int_t)agg_table_count());
    if (!rc) rc = cli_audit(&a, tx, "stats.rebuild", NULL, NULL, d);
    json_decref(d);
    if (rc) store_rollback(tx);
    else rc = store_commit(tx);
  }
  if (!rc) cli_anchor(&a);
  app_close(&a);
  if (rc) {
    cli_err("重建汇总表失败");
    return 1;
  }
  printf("已重建汇总表 %zu 张\n", agg_table_count());
  return EX_OK;
}

int cmd_stats(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS, FILTER_OPTS,
                                       {"measure", required_argument, NULL, 'm'},
                                       {"records", no_argument, NULL, 'R'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"verify", no_argument, NULL, 'V'},
                                       {"rebuild", no_argument, NULL, 'B'},
                                       {NULL, 0, NULL, 0}};
  mfilters f;
  memset(&f, 0, sizeof f);
  const char *mname = NULL;
  int recs = 0, js = 0, verify = 0, rebuild = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(stats_help, stdout);
      return EX_OK;
    }
    if (c == 'm') mname = optarg;
    else if (c == 'R') recs = 1;
    else if (c == 'j') js = 1;
    else if (c == 'V') verify = 1;
    else if (c == 'B') rebuild = 1;
    else if (filter_opt(c, optarg, &f) && cli_common_opt(c, optarg)) {
      if (c == '?') fputs(stats_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind < argc) {
    cli_err("多余的参数: %s", argv[optind]);
    return EX_USAGE;
  }
  if (check_filters(&f)) return EX_USAGE;
  const measure *m = mname ? measure_find(mname) : NULL;
  if (mname && !m) {
    cli_err("统计指标不存在: %s", mname);
    return EX_USAGE;
  }
  if (recs && !m) {
    cli_err("--records 须与 --measure 同用");
    return EX_USAGE;
  }
  if (verify) return stats_verify();
  if (rebuild) return stats_rebuild();
  app a;
  if (cli_open(&a)) return EX_SETUP;
  mscope s = {.all = true}; /* the shell sees every record */
  stats_ctx ctx;
  stats_ctx_init(&ctx, &f, &s, NULL);
  cli_operator op;
  cli_actor(&op);
  xres x = XRES_INIT;
  json_t *out = NULL;
  int rc = recs ? svc_stats_records(&a, &op.ac, &ctx, m, NULL, INT64_MAX, 0, &out, &x)
                : svc_stats(&a, &op.ac, &ctx, m, &out, &x);
  app_close(&a);
  if (rc) return cli_xres(&x);
  if (js || recs) {
    print_json(out);
  } else if (m) {
    print_measure(out);
  } else {
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(out, "measures"), i, it) print_measure(it);
  }
  json_decref(out);
  return EX_OK;
}

/* ---- export ---------------------------------------------------------------------------- */
static const char export_help[] =
    "用法: xunji export ledger 名称 --out 文件.xlsx [筛选] [选项]\n"
    "      xunji export letter 公文编号或文号 --out 文件.pdf [选项]\n"
    "      xunji export summary --out 文件.pdf|文件.xlsx [筛选] [选项]\n\n"
    "导出台账 (clues 问题线索移交台账, problems 问题台账, rectification 整改台账)、已出具的公文 PDF,\n"
    "或汇总报告 (按轮次 --round 或专项 --campaign 等筛选; .pdf 含统计图, .xlsx 为统计指标与分布表)。\n"
    "导出留痕 (审计日志记录操作者 cli:<系统用户>)。\n"
    "  --out FILE         输出文件 (已存在时覆盖; 权限 0600)\n" FILTER_HELP CLI_COMMON_HELP
    "退出码: 0 成功, 1 导出失败或记录不存在, 2 用法错误, 3 无法打开数据库。\n";

/* Writes len bytes to path (mode 0600 for a new file); 1 if all written. */
static int write_file(const char *path, const void *p, size_t len) {
  FILE *fp = fopen(path, "wb");
  int ok = fp && fwrite(p, 1, len, fp) == len;
  if (fp && fclose(fp)) ok = 0;
  return ok;
}

static int export_letter(app *a, const char *key, const char *out) {
  store_tx *tx;
  int rc = store_read(a->db, &tx);
  json_t *row = NULL;
  if (!rc) {
    sval p[] = {SV_S(key)};
    row = store_query_one(tx, "SELECT id, docno, content FROM documents WHERE id=$1 OR docno=$1", p, 1,
                          &rc);
    store_rollback(tx);
  }
  if (rc || !row) {
    cli_err(rc ? "读取公文失败" : "公文不存在: %s", key);
    return EX_FAIL;
  }
  json_t *content = json_loads(json_string_value(json_object_get(row, "content")), 0, NULL);
  json_object_set_new(row, "content", content ? content : json_null());
  cli_operator op;
  cli_actor(&op);
  xres x = XRES_INIT;
  buf pdf;
  buf_init(&pdf, 32u << 20);
  /* rendered and audited by the service the API's download calls */
  rc = svc_letter_pdf(a, &op.ac, json_string_value(json_object_get(row, "id")), row, &pdf, &x);
  json_decref(row);
  if (rc) {
    buf_free(&pdf);
    return cli_xres(&x);
  }
  int ok = write_file(out, pdf.p, pdf.len);
  buf_free(&pdf);
  if (!ok) {
    cli_err("导出公文失败: 无法写入 %s", out);
    return EX_FAIL;
  }
  printf("已导出 %s\n", out);
  return EX_OK;
}

/* The summary report for the filters, every record in scope (the shell). */
static int export_summary(mfilters *f, const char *out) {
  size_t n = strlen(out);
  int pdf = n > 4 && !strcmp(out + n - 4, ".pdf"), xlsx = n > 5 && !strcmp(out + n - 5, ".xlsx");
  if (!pdf && !xlsx) {
    cli_err("汇总报告的输出文件须以 .pdf 或 .xlsx 结尾: %s", out);
    return EX_USAGE;
  }
  if (check_filters(f)) return EX_USAGE;
  app a;
  if (cli_open(&a)) return EX_SETUP;
  mscope s = {.all = true}; /* the shell sees every record */
  stats_ctx ctx;
  stats_ctx_init(&ctx, f, &s, NULL);
  cli_operator op;
  cli_actor(&op);
  xres x = XRES_INIT;
  buf b;
  buf_init(&b, 32u << 20);
  /* built, rendered and audited by the service the API's download calls */
  int rc = svc_summary_export(&a, &op.ac, &ctx, xlsx ? out : NULL, &b, NULL, &x);
  app_close(&a);
  int ok = !rc && (xlsx || write_file(out, b.p, b.len));
  buf_free(&b);
  if (rc) return cli_xres(&x);
  if (!ok) {
    cli_err("导出汇总报告失败: 无法写入 %s", out);
    return EX_FAIL;
  }
  printf("已导出 %s\n", out);
  return EX_OK;
}

int cmd_export(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS, FILTER_OPTS,
                                       {"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
  mfilters f;
  memset(&f, 0, sizeof f);
  const char *out = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(export_help, stdout);
      return EX_OK;
    }
    if (c == 'o') out = optarg;
    else if (filter_opt(c, optarg, &f) && cli_common_opt(c, optarg)) {
      if (c == '?') fputs(export_help, stderr);
      return EX_USAGE;
    }
  }
  int summary = optind < argc && !strcmp(argv[optind], "summary");
  if (optind + 2 - summary != argc || !out) {
    fputs(export_help, stderr);
    return EX_USAGE;
  }
  if (summary) return export_summary(&f, out);
  const char *what = argv[optind], *name = argv[optind + 1];
  if (strcmp(what, "ledger") && strcmp(what, "letter")) {
    cli_err("未知的导出类型: %s (ledger、letter 或 summary)", what);
    return EX_USAGE;
  }
  const ledger *l = NULL;
  if (!strcmp(what, "ledger")) {
    if (!(l = ledger_find(name))) {
      cli_err("台账不存在: %s (clues, problems, rectification)", name);
      return EX_USAGE;
    }
    if (check_filters(&f)) return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  int ex;
  if (!l) {
    ex = export_letter(&a, name, out);
  } else {
    mscope s = {.all = true}; /* the shell sees every record */
    stats_ctx ctx;
    stats_ctx_init(&ctx, &f, &s, NULL);
    cli_operator op;
    cli_actor(&op);
    xres x = XRES_INIT;
    int64_t rows = 0;
    /* written and audited by the service the API's download calls */
    if (svc_ledger_export(&a, &op.ac, l, &ctx, out, &rows, &x)) {
      ex = cli_xres(&x);
    } else {
      printf("已导出 %s: %lld 行\n", out, (long long)rows);
      ex = EX_OK;
    }
  }
  app_close(&a);
  return ex;
}

/* ---- import ---------------------------------------------------------------------------- */
static const char import_help[] =
    "用法: xunji import persons 文件.xlsx|文件.csv [选项]\n"
    "      xunji import targets --team 巡察组编号 文件.xlsx|文件.csv [--entry-date D] [--withdrawal-date D] [选项]\n\n"
    "从表格导入人才库人员或巡察对象 (与 POST /api/v1/persons/import、/teams/{id}/targets/import\n"
    "相同的逐行校验; 任一行有误则列出行号与原因, 不导入任何一行)。导入留痕 (cli:<系统用户>)。\n"
    "  --team ID            巡察组 (targets)\n"
    "  --mobilization-date D --entry-date D --withdrawal-date D --report-date D --feedback-date D\n" CLI_COMMON_HELP
    "退出码: 0 成功, 1 有误未导入, 2 用法错误, 3 无法打开数据库或文件。\n";

static char *slurp(const char *path, size_t *n) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  buf b;
  buf_init(&b, 8u << 20);
  char chunk[65536];
  size_t k;
  int e = 0;
  while (!e && (k = fread(chunk, 1, sizeof chunk, fp)) > 0) e = buf_add(&b, chunk, k);
  fclose(fp);
  if (e) {
    buf_free(&b);
    return NULL;
  }
  *n = b.len;
  return b.len ? buf_take(&b) : (buf_free(&b), xstrdup(""));
}

int cmd_import(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const char *const date_names[] = {"mobilization_date", "entry_date", "withdrawal_date",
                                           "report_date", "feedback_date"};
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"team", required_argument, NULL, 't'},
                                       {"mobilization-date", required_argument, NULL, '0'},
                                       {"entry-date", required_argument, NULL, '1'},
                                       {"withdrawal-date", required_argument, NULL, '2'},
                                       {"report-date", required_argument, NULL, '3'},
                                       {"feedback-date", required_argument, NULL, '4'},
                                       {NULL, 0, NULL, 0}};
  const char *team = NULL, *dates[5] = {0};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(import_help, stdout);
      return EX_OK;
    }
    if (c == 't') team = optarg;
    else if (c >= '0' && c <= '4') dates[c - '0'] = optarg;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(import_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind + 2 != argc) {
    fputs(import_help, stderr);
    return EX_USAGE;
  }
  const char *what = argv[optind], *path = argv[optind + 1];
  int targets = !strcmp(what, "targets");
  if (!targets && strcmp(what, "persons")) {
    cli_err("未知的导入类型: %s (persons 或 targets)", what);
    return EX_USAGE;
  }
  if (targets && (!team || !uuid_valid(team))) {
    cli_err("导入巡察对象须用 --team 指定巡察组编号");
    return EX_USAGE;
  }
  size_t n = 0;
  char *data = slurp(path, &n);
  if (!data) {
    cli_err("无法读取文件 (或超过 8 MB): %s", path);
    return EX_SETUP;
  }
  /* an .xlsx file becomes the CSV the service reads, as the API's upload does */
  char *csv = NULL;
  xres x = XRES_INIT;
  if (n >= 4 && !memcmp(data, "PK\x03\x04", 4)) {
    if (imports_xlsx_csv(data, n, &csv, &x)) {
      free(data);
      return cli_xres(&x);
    }
    free(data);
  } else if (!utf8_valid(data, n) || strlen(data) != n) {
    cli_err("CSV 文件须为 UTF-8 文本: %s", path);
    free(data);
    return EX_FAIL;
  } else {
    csv = data;
  }
  json_t *in = json_pack("{s:s}", "csv", csv);
  free(csv);
  for (int i = 0; i < 5; i++)
    if (dates[i]) json_object_set_new(in, date_names[i], json_string(dates[i]));
  cli_operator op;
  cli_actor(&op);
  if (!cli_allowed(&op, targets ? A_TARGET_WRITE : A_PERSON_WRITE)) { /* the route's rule */
    json_decref(in);
    cli_err("无权执行此操作");
    return EX_FAIL;
  }
  app a;
  if (cli_open(&a)) {
    json_decref(in);
    return EX_SETUP;
  }
  json_t *out = NULL;
  int rc = targets ? svc_targets_import(&a, &op.ac, team, in, &out, &x)
                   : svc_persons_import(&a, &op.ac, in, &out, &x);
  app_close(&a);
  json_decref(in);
  if (rc) return cli_xres(&x);
  json_t *k = json_object_get(out, targets ? "created" : "imported");
  printf("已导入 %lld 行\n", (long long)json_integer_value(k));
  json_decref(out);
  return EX_OK;
}
