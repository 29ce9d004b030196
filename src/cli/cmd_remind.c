/*
 * cmd_remind.c — `xunji remind --now`: one run of the deadline reminders
 * (domain/reminders.h), for cron beside or instead of the thread of
 * `xunji serve` (remind_interval_minutes). The lease keeps a run from
 * overlapping a server's.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/reminders.h"
#include "util/config.h"

static const char remind_help[] =
    "用法: xunji remind --now [选项]\n\n"
    "立即运行一次期限提醒: 对到达提醒节点 (剩余 deadline_warn_days 天、deadline_alert_days 天、\n"
    "当日到期、逾期) 的记录向承办方及逐级上报的对象发送站内提醒, 每个节点只发一次。\n"
    "另一台服务器正在运行时不重复运行 (输出 \"skipped\")。供 cron 定时调用。\n"
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
  xres x;
  memset(&x, 0, sizeof x);
  json_t *sum = NULL;
  int rc = reminders_run(&a, holder, &sum, &x);
  int ex = EX_OK;
  if (rc)
    ex = cli_xres(&x);
  else if (!json_is_true(json_object_get(sum, "ran")))
    puts("skipped");
  else
    printf("sent %lld messages %lld\n", (long long)json_integer_value(json_object_get(sum, "sent")),
           (long long)json_integer_value(json_object_get(sum, "messages")));
  json_decref(sum);
  if (!rc) xres_free(&x);
  app_close(&a);
  cfg_free();
  return ex;
}
