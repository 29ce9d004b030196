/*
 * cmd_remind.c — `xunji remind --now`: one run of the deadline reminders
 * (domain/reminders.h), for cron beside or instead of the thread of
 * `xunji serve` (remind_interval_minutes). The run claims the server job's
 * lease "job:reminders" (sched.h) and gives it back when done, so a CLI run
 * and a server never both run the reminders; held by another: exit 4.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/reminders.h"
#include "domain/sched.h"
#include "util/config.h"

static const char remind_help[] =
    "用法: xunji remind --now [选项]\n\n"
    "立即运行一次期限提醒: 对到达提醒节点 (剩余 deadline_warn_days 天、deadline_alert_days 天、\n"
    "当日到期、逾期) 的记录向承办方及逐级上报的对象发送站内提醒, 每个节点只发一次。\n"
    "逾期超过 remind_digest_days 天 (默认 30; 0 为不汇总) 且从未提醒过的记录不逐条提醒: 每个接收方\n"
    "每类记录合收一条汇总提醒 (件数及其有权查看的前几项), 这些记录同样记为已提醒。\n"
    "输出: sent <逐条提醒的节点数> messages <发送的消息数> digested <汇总提醒的记录数>。\n"
    "与服务器的定时提醒共用租约 job:reminders: 租约由他方持有时不运行, 退出码 4。供 cron 定时调用。\n"
    "  --now                立即运行 (必需)\n" CLI_COMMON_HELP;

int cmd_remind(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS, {"now", no_argument, NULL, 'n'},
                                       {NULL, 0, NULL, 0}};
  int c, now = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(remind_help, stdout);
      return EX_OK;
    }
    if (c == 'n')
      now = 1;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(remind_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind < argc || !now) {
    fputs(remind_help, stderr);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  char holder[128], host[64] = "?";
  gethostname(host, sizeof host - 1);
  snprintf(holder, sizeof holder, "cli:%s:%d", host, (int)getpid());
  char held_by[128], until[64];
  int got = sched_claim_reminders(&a, holder, held_by, sizeof held_by, until, sizeof until);
  if (got != 1) {
    if (got == 0)
      fprintf(stderr, "xunji: 期限提醒的租约 job:reminders 由 %s 持有, 至 %s; 本次不运行\n", held_by, until);
    else
      fputs("xunji: 获取期限提醒的租约 job:reminders 失败\n", stderr);
    app_close(&a);
    cfg_free();
    return got == 0 ? EX_BUSY : EX_FAIL;
  }
  xres x;
  memset(&x, 0, sizeof x);
  json_t *sum = NULL;
  int rc = reminders_run(&a, holder, &sum, &x);
  sched_release(&a, "job:reminders", holder);
  int ex = EX_OK;
  if (rc)
    ex = cli_xres(&x);
  else if (!json_is_true(json_object_get(sum, "ran")))
    puts("skipped");
  else
    printf("sent %lld messages %lld digested %lld\n",
           (long long)json_integer_value(json_object_get(sum, "sent")),
           (long long)json_integer_value(json_object_get(sum, "messages")),
           (long long)json_integer_value(json_object_get(sum, "digested")));
  json_decref(sum);
  if (!rc) xres_free(&x);
  app_close(&a);
  cfg_free();
  return ex;
}
