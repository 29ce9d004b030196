/*
 * main.c — xunji: 巡纪贯通协同平台. The subcommand table and dispatch.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const command commands[] = {
    {"init", cmd_init, "初始化数据库与密钥 (--demo 载入演示数据)"},
    {"serve", cmd_serve, "启动 HTTP 服务"},
    {"remind", cmd_remind, "立即运行一次期限提醒 (--now, 供 cron 调用)"},
    {"user", cmd_user, "用户管理: add | passwd | disable | enable | grant | token | list"},
    {"audit", cmd_audit, "审计日志: verify [--anchor 序号:哈希] | anchor | export --from --to --out | verify-export 文件"},
    {"stats", cmd_stats, "统计数字与穿透记录 (与 /api/v1/stats 相同)"},
    {"export", cmd_export, "导出台账 .xlsx 或公文 PDF"},
    {"import", cmd_import, "从 .xlsx 或 CSV 导入人才库人员或巡察对象"},
    {"seed", cmd_seed, "载入枣阳市历史巡察记录 (复现《五个加强》中的统计数字)"},
    {"key", cmd_key, "主密钥: rotate (轮换并重新加密) | status"},
    {"db", cmd_db, "数据库: copy --from 源 --to 目标 (SQLite 文件 ↔ PostgreSQL, 保留编号与审计链)"},
    {"backup", cmd_backup, "在线备份: 数据库 (SM4 加密)、密钥、审计锚点、佐证材料, 附 SM3 清单"},
    {"restore", cmd_restore, "核对备份清单并恢复到新目录"},
    {"bench-seed", cmd_bench_seed, "生成省级规模的压测数据 (bench/README.md)"},
    {"routes", cmd_routes, "以 JSON 输出接口路由表"},
    {"version", cmd_version, "显示版本"},
};

static void usage(FILE *f) {
  fprintf(f, "用法: xunji <子命令> [选项]\n\n巡纪贯通协同平台 — 巡察与纪检监察工作贯通协同\n\n子命令:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n每个子命令都支持 --help。退出码: 0 成功, 1 操作失败, 2 用法错误, 3 无法打开配置或数据库。\n");
}

int main(int argc, char **argv) {
  /* The database, its WAL and every file we write hold names of officials:
   * owner-only. No core dumps: memory holds keys and decrypted fields. */
  umask(077);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (argc < 2) {
    usage(stderr);
    return EX_USAGE;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return EX_OK;
  }
  if (!strcmp(argv[1], "--version")) return cmd_version(1, argv);
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "xunji: 未知子命令 '%s' (运行 xunji --help 查看)\n", argv[1]);
  return EX_USAGE;
}
