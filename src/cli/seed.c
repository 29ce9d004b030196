/*
 * seed.c — `xunji seed zaoyang`: loads the historical records behind the
 * figures of the seed (cli/seed_zaoyang.sql) into a database initialised
 * with the demo data, in one transaction, then derives the four forms from
 * the outcome table, seals the clue allegations with the installation's
 * key and audits the load as one entry. Afterwards
 * `xunji stats` and GET /api/v1/stats reproduce the seed's numbers from the
 * records (tests/api/test_seed.py asserts them).
 *
 * Not yet through the services (unlike cli/demo.c): the records carry their
 * historical dates and stamps, which the services (stamping "now") cannot
 * set, and the load is one transaction of thousands of records, which the
 * services (each committing its own) do not offer yet (docs/api-reports.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/outcomes.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/embed.h"
#include "util/text.h"

EMBED(xunji_seed_zaoyang, "src/cli/seed_zaoyang.sql");

static const char seed_help[] =
    "用法: xunji seed zaoyang [选项]\n\n"
    "载入枣阳市 2018–2020 年的历史巡察记录 (两次专项巡察与三轮常规巡察的干部审核、问题、线索、\n"
    "追责问责、联审、制度机制), 由记录复现《五个加强》中的统计数字。数据库须已用\n"
    "`xunji init --demo` 初始化, 且未载入过。在一个事务中完成, 失败时不留任何记录。\n" CLI_COMMON_HELP;

/* The round whose presence means the fixture is loaded already. */
#define SEED_MARK "2019年人防领域专项巡察"

/* Seals every clue allegation the script left empty; 0 or a store error. */
static int seal_allegations(app *a, store_tx *tx, int *n) {
  json_t *rows = store_query_json(
      tx, "SELECT c.id, c.title, c.subject_name, u.name AS unit FROM clues c "
          "JOIN orgs u ON u.id=c.unit_id WHERE c.allegation_enc='' ORDER BY c.id",
      NULL, 0);
  if (!rows) return STORE_ERR;
  int rc = 0;
  size_t i;
  json_t *it;
  *n = 0;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    char ctx[80], text[600];
    snprintf(ctx, sizeof ctx, "clue:%s", id);
    snprintf(text, sizeof text, "反映%s%s%s。巡察组经个别谈话、调阅账目初步核实, 线索具体, 可查性强。",
             json_string_value(json_object_get(it, "unit")),
             json_string_value(json_object_get(it, "subject_name")),
             json_string_value(json_object_get(it, "title")));
    char *sealed = field_seal(&a->keys, ctx, text);
    if (!sealed) {
      rc = STORE_ERR;
      break;
    }
    sval p[] = {SV_S(sealed), SV_S(id)};
    rc = store_exec(tx, "UPDATE clues SET allegation_enc=$1 WHERE id=$2", p, 2, NULL);
    free(sealed);
    if (rc) break;
    (*n)++;
  }
  json_decref(rows);
  return rc;
}

/* Derives the four forms of the loaded accountability records from the
 * outcome table (core/outcomes.c), as the API does for each record. */
static int derive_forms(store_tx *tx) {
  int rc = 0;
  for (int i = 0; !rc && i < noutcomes; i++) {
    for (int criminal = 0; !rc && criminal <= 1; criminal++) {
      int form = outcome_form(outcomes[i].code, criminal);
      sval p[] = {form ? SV_I(form) : SV_NUL, SV_S(outcomes[i].code), SV_I(criminal)};
      rc = store_exec(tx, "UPDATE accountability SET form=$1 WHERE outcome=$2 AND criminal=$3 "
                          "AND form IS NULL AND id LIKE '0170%'",
                      p, 3, NULL);
    }
  }
  return rc;
}

static int load_zaoyang(app *a) {
  store_tx *tx;
  if (store_write(a->db, &tx)) {
    cli_err("数据库忙");
    return EX_FAIL;
  }
  int64_t users = 0, units = 0, loaded = 0;
  sval mark[] = {SV_S(SEED_MARK)};
  int rc = store_query_int(tx, "SELECT count(*) FROM users WHERE login IN ('office','leader1',"
                               "'member1','casemgmt','conduct','verification','lg','cadre')",
                           NULL, 0, &users);
  if (!rc) rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE kind='unit' AND level<>'village'",
                                NULL, 0, &units);
  if (!rc) rc = store_query_int(tx, "SELECT count(*) FROM rounds WHERE name=$1", mark, 1, &loaded);
  if (rc) {
    cli_err("读取数据库失败: %s", store_errmsg(tx));
    store_rollback(tx);
    return EX_FAIL;
  }
  if (loaded) {
    store_rollback(tx);
    cli_err("已载入过枣阳市历史记录 (存在巡察轮次「%s」)", SEED_MARK);
    return EX_FAIL;
  }
  if (users < 8 || units < 12) {
    store_rollback(tx);
    cli_err("数据库中没有演示数据: 请先运行 xunji init --demo (需要演示账号与 12 个被巡察单位)");
    return EX_FAIL;
  }
  int sealed = 0;
  rc = store_exec_script(tx, xunji_seed_zaoyang);
  if (!rc) rc = derive_forms(tx);
  if (!rc) rc = seal_allegations(a, tx, &sealed);
  static const char *const counted[][2] = {
      {"rounds", "巡察轮次"},     {"targets", "巡察对象"},       {"vettings", "廉政审核"},
      {"problems", "问题"},       {"clues", "问题线索"},         {"accountability", "追责问责"},
      {"review_items", "联审事项"}, {"institutions", "制度机制"},   {"reports", "巡察报告与反馈"},
      {"rect_tasks", "整改任务"},  {"assistance", "提请协助"}};
  json_t *detail = json_object();
  for (size_t i = 0; !rc && i < sizeof counted / sizeof *counted; i++) {
    char sql[120];
    int64_t k = 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", counted[i][0]);
    rc = store_query_int(tx, sql, NULL, 0, &k);
    json_object_set_new(detail, counted[i][0], json_integer(k));
  }
  if (!rc) rc = cli_audit(a, tx, "seed.load", "dataset", "zaoyang", detail);
  if (rc) {
    cli_err("载入失败, 未写入任何记录: %s", store_errmsg(tx));
    store_rollback(tx);
    json_decref(detail);
    return EX_FAIL;
  }
  if (store_commit(tx) != STORE_OK) {
    cli_err("提交失败, 未写入任何记录");
    json_decref(detail);
    return EX_FAIL;
  }
  cli_anchor(a);
  printf("已载入枣阳市 2018–2020 年历史巡察记录 (%d 条线索已加密):\n", sealed);
  for (size_t i = 0; i < sizeof counted / sizeof *counted; i++)
    printf("  %-10s %6lld\n", counted[i][1],
           (long long)json_integer_value(json_object_get(detail, counted[i][0])));
  printf("查看统计: xunji stats --campaign 人防领域专项治理 | --campaign 脱贫攻坚 (或浏览器「统计」页)\n");
  json_decref(detail);
  return EX_OK;
}

int cmd_seed(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(seed_help, stdout);
      return EX_OK;
    }
    if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(seed_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind >= argc || strcmp(argv[optind], "zaoyang") || optind + 1 < argc) {
    cli_err(optind < argc ? "未知的数据集: %s (可用: zaoyang)" : "请指明数据集 (可用: zaoyang)%s",
            optind < argc ? argv[optind] : "");
    fputs(seed_help, stderr);
    return EX_USAGE;
  }
  cfg_finish();
  app a;
  if (cli_open(&a)) return EX_SETUP;
  int rc = load_zaoyang(&a);
  app_close(&a);
  return rc;
}
