/*
 * cmd_misc.c — `xunji init`, `serve`, `audit verify`, `version`, `routes`.
 */
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/sched.h"
#include "cli/cli.h"
#include "http/server.h"
#include "sec/audit.h"
#include "sec/audit_export.h"
#include "util/buf.h"
#include "util/config.h"

#ifndef XUNJI_VERSION
#define XUNJI_VERSION "0.1.0"
#endif

int cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("xunji %s (SQLite %s, %s, libmicrohttpd %s, jansson %s)\n", XUNJI_VERSION,
         sqlite3_libversion(), OPENSSL_VERSION_TEXT, MHD_get_version(), JANSSON_VERSION);
  return EX_OK;
}

int cmd_routes(int argc, char **argv) {
  (void)argc;
  (void)argv;
  json_t *t = api_route_table();
  char *s = json_dumps(t, JSON_INDENT(1));
  puts(s);
  free(s);
  json_decref(t);
  return EX_OK;
}

static const char init_help[] =
    "用法: xunji init [--demo] [--accounts-file FILE] [选项]\n\n"
    "创建主密钥文件 (若不存在, 权限 0400) 与数据库, 并执行全部迁移。可重复运行。\n"
    "  --demo               载入枣阳市演示数据 (组织机构、一个巡察轮次、每个角色一个用户),\n"
    "                       并打印各账号的一次性密码 (首次登录须修改)\n"
    "  --accounts-file FILE 另将演示账号写入 JSON 文件 (权限 0600), 供测试脚本使用\n" CLI_COMMON_HELP;

int cmd_init(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"demo", no_argument, NULL, 'd'},
                                       {"accounts-file", required_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  int demo = 0, c;
  const char *accounts = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(init_help, stdout);
      return EX_OK;
    }
    if (c == 'd') demo = 1;
    else if (c == 'a') accounts = optarg;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(init_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind < argc) {
    cli_err("多余的参数: %s", argv[optind]);
    return EX_USAGE;
  }
  cfg_finish();
  char err[512];
  if (access(cfg_str(CFG_KEY_FILE), F_OK) != 0) {
    if (keyfile_create(cfg_str(CFG_KEY_FILE), err, sizeof err)) {
      cli_err("%s", err);
      return EX_SETUP;
    }
    printf("已创建主密钥文件 %s (请妥善备份; 丢失后加密字段与审计链无法验证)\n", cfg_str(CFG_KEY_FILE));
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  printf("数据库 %s 已就绪\n", cfg_str(CFG_DB));
  int rc = EX_OK;
  if (demo) rc = demo_load(&a, stdout, accounts) ? EX_FAIL : EX_OK;
  app_close(&a);
  return rc;
}

static const char serve_help[] =
    "用法: xunji serve [--listen IP:端口] [选项]\n\n"
    "启动 HTTP 服务 (API 位于 /api/v1, 浏览器界面由 web_root 提供)。SIGINT/SIGTERM 时正常退出。\n"
    "  --listen IP:PORT     监听地址 (XUNJI_LISTEN, 默认 127.0.0.1:8080; 端口 0 自动选择)\n" CLI_COMMON_HELP;

int cmd_serve(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"listen", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  int c;
  char err[512];
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(serve_help, stdout);
      return EX_OK;
    }
    if (c == 'l') {
      if (cfg_set(CFG_LISTEN, optarg, err, sizeof err)) {
        cli_err("%s", err);
        return EX_USAGE;
      }
    } else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(serve_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind < argc) {
    cli_err("多余的参数: %s", argv[optind]);
    return EX_USAGE;
  }
  /* before any thread: glibc's arenas, one per thread up to 8 x cores by
   * default, each keeps its freed pages (docs/operations.md "Memory") */
  if (!mallopt(M_ARENA_MAX, (int)cfg_int(CFG_MALLOC_ARENA_MAX)))
    fprintf(stderr, "xunji: 无法设置 malloc_arena_max, 使用 glibc 默认值\n");
  store_set_sqlite_temp_memory(true); /* the server's writer only (store.h) */
  app a;
  if (cli_open(&a)) return EX_SETUP;
  files_sweeper_start(&a); /* orphans of earlier crashes, in the background */
  sched_start(&a);         /* reminders and the sessions sweep, once across servers */
  int rc = http_serve(&a);
  sched_stop();
  files_sweeper_stop();
  app_close(&a);
  cfg_free();
  return rc;
}

static const char audit_help[] =
    "用法: xunji audit verify [--anchor 序号:哈希] [选项]\n"
    "      xunji audit anchor [选项]\n\n"
    "verify  逐条重算审计日志的 HMAC-SM3 哈希链, 核对数据库中的链头记录与锚点文件。\n"
    "        完整时输出 OK 并以 0 退出; 发现篡改、插入、删除、回退或锚点缺失时\n"
    "        指出第一处问题并以 1 退出。\n"
    "        --anchor 序号:哈希  另核对审计链仍含此前在外部记录的这一条 (未被改动)\n"
    "anchor  核对后输出当前链头「序号:哈希」, 供抄录或保存到另一台主机 (外部记录)\n"
    "export --from YYYY-MM-DD --to YYYY-MM-DD --out 文件\n"
    "        把该日期范围 (北京时间, 含首尾) 的审计日志导出为带 HMAC-SM3 签名的文件 (导出留痕)\n"
    "verify-export 文件\n"
    "        校验导出文件的签名与条目衔接; 有效时输出 OK 并以 0 退出, 被改动时以 1 退出\n" CLI_COMMON_HELP;

/* "SEQ:HASH" (64 lowercase or uppercase hex digits) */
static int parse_head(const char *s, audit_head *h) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end != ':' || v < 0 || strlen(end + 1) != 64) return -1;
  for (const char *p = end + 1; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
      return -1;
  h->seq = v;
  for (int i = 0; i < 64; i++) {
    char c = end[1 + i];
    h->hash[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  }
  h->hash[64] = '\0';
  return 0;
}

/* `xunji audit export`: the signed file of a date range (sec/audit_export.h). */
static int audit_export_cmd(const char *from, const char *to, const char *out, bool extra) {
  if (!from || !to || !out || extra) {
    fputs(audit_help, stderr);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  buf b;
  buf_init(&b, (size_t)1 << 30);
  long n = 0;
  char err[256];
  int rc = audit_export_write(a.db, &a.keys, from, to, &b, &n, err, sizeof err);
  int ex = EX_OK;
  if (rc == 1) {
    cli_err("%s", err);
    ex = EX_USAGE;
  } else if (rc) {
    cli_err("读取审计日志失败");
    ex = EX_SETUP;
  } else {
    FILE *f = fopen(out, "wx");
    size_t len = strlen(buf_str(&b));
    if (!f || fwrite(buf_str(&b), 1, len, f) != len || fclose(f)) {
      if (f) fclose(f);
      cli_err("无法写入 %s: %s", out, f ? "写入失败" : strerror(errno));
      ex = EX_FAIL;
    } else {
      json_t *d = json_pack("{s:I}", "count", (json_int_t)n);
      store_tx *tx;
      if (store_write(a.db, &tx) == STORE_OK) {
        if (cli_audit(&a, tx, "audit.export", NULL, NULL, d) != STORE_OK) store_rollback(tx);
        else if (store_commit(tx) == STORE_OK) cli_anchor(&a);
      }
      json_decref(d);
      printf("已导出 %ld 条审计日志到 %s\n", n, out);
    }
  }
  buf_free(&b);
  app_close(&a);
  return ex;
}

static int audit_verify_export_cmd(const char *path) {
  app a;
  if (cli_open(&a)) return EX_SETUP;
  FILE *f = fopen(path, "rb");
  if (!f) {
    cli_err("无法读取 %s: %s", path, strerror(errno));
    app_close(&a);
    return EX_SETUP;
  }
  buf b;
  buf_init(&b, (size_t)1 << 30);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, n);
  fclose(f);
  long count = 0;
  char msg[256];
  int rc = buf_failed(&b) ? 1 : audit_export_verify(&a.keys, buf_str_or(&b, ""),
                                                    strlen(buf_str_or(&b, "")), &count, msg,
                                                    sizeof msg);
  if (buf_failed(&b)) snprintf(msg, sizeof msg, "文件过大");
  buf_free(&b);
  app_close(&a);
  if (rc) {
    printf("BROKEN %s\n", msg);
    return EX_FAIL;
  }
  printf("OK %s\n", msg);
  return EX_OK;
}

int cmd_audit(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"anchor", required_argument, NULL, 'a'},
                                       {"from", required_argument, NULL, 'F'},
                                       {"to", required_argument, NULL, 'T'},
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  const char *from = NULL, *to = NULL, *out = NULL;
  int c;
  audit_head ext;
  bool have_ext = false;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(audit_help, stdout);
      return EX_OK;
    }
    if (c == 'a') {
      if (parse_head(optarg, &ext)) {
        cli_err("--anchor 应为 序号:哈希 (64 位十六进制), 例如 1234:9f86d0…: %s", optarg);
        return EX_USAGE;
      }
      have_ext = true;
    } else if (c == 'F') {
      from = optarg;
    } else if (c == 'T') {
      to = optarg;
    } else if (c == 'o') {
      out = optarg;
    } else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(audit_help, stderr);
      return EX_USAGE;
    }
  }
  const char *sub = optind < argc ? argv[optind] : "";
  bool verify = !strcmp(sub, "verify"), anchor = !strcmp(sub, "anchor");
  if (!strcmp(sub, "export")) return audit_export_cmd(from, to, out, optind + 1 != argc);
  if (!strcmp(sub, "verify-export")) {
    if (optind + 2 != argc) {
      fputs(audit_help, stderr);
      return EX_USAGE;
    }
    return audit_verify_export_cmd(argv[optind + 1]);
  }
  if ((!verify && !anchor) || optind + 1 != argc || (anchor && have_ext)) {
    fputs(audit_help, stderr);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  char msg[768];
  int rc = audit_verify_ext(a.db, &a.keys, a.anchor, have_ext ? &ext : NULL, msg, sizeof msg);
  audit_head h = {0, ""};
  if (rc == 0 && anchor && audit_head_read(a.db, &a.keys, &h) != 1) {
    snprintf(msg, sizeof msg, "审计链头记录 (audit_head) 被篡改或未经密钥封存");
    rc = 1;
  }
  app_close(&a);
  if (rc < 0) {
    cli_err("%s", msg);
    return EX_SETUP;
  }
  if (rc > 0) {
    printf("BROKEN %s\n", msg);
    return EX_FAIL;
  }
  if (anchor) printf("%lld:%s\n", (long long)h.seq, h.hash);
  else printf("OK %s\n", msg);
  return EX_OK;
}
