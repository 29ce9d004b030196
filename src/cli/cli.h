/*
 * cli.h — the subcommands of the xunji tool and what they share: common
 * options (--config, --db, --set), opening the application, and audited
 * writes made from the shell (actor "cli:<unix user>").
 *
 * Exit codes: 0 success, 1 the operation failed (or `audit verify` found a
 * break), 2 usage error, 3 configuration or database could not be opened.
 */
#ifndef XUNJI_CLI_H
#define XUNJI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "api/service.h"
#include "app.h"
#include "core/authz.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_SETUP = 3, EX_BUSY = 4 /* a lease held by another */ };

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary; /* Chinese */
} command;

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_remind(int argc, char **argv); /* cli/cmd_remind.c */
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_stats(int argc, char **argv);  /* cli/cmd_reports.c */
int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_seed(int argc, char **argv); /* cli/seed.c */
int cmd_key(int argc, char **argv);  /* cli/cmd_keys.c */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_bench_seed(int argc, char **argv); /* cli/cmd_bench.c */
int cmd_db(int argc, char **argv);         /* cli/cmd_db.c */

/* Common options understood by every subcommand. */
#define CLI_COMMON_OPTS                                                                  \
  {"config", required_argument, NULL, 'C'}, {"db", required_argument, NULL, 'D'},       \
      {"set", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'}
#define CLI_COMMON_HELP                                                                  \
  "  --config FILE      配置文件 (名称 = 值, 每行一项; 亦可用 XUNJI_CONFIG)\n"               \
  "  --db PATH          数据库文件 (XUNJI_DB, 默认 xunji.db)\n"                              \
  "  --set KEY=VALUE    覆盖任一配置项\n"                                                   \
  "  -h, --help         显示帮助\n"

/* Loads settings first (config file from argv is found by a pre-scan). */
int cli_load_config(int argc, char **argv);
/* Handles a common option; returns 0 if handled, -1 on error, 1 if not common. */
int cli_common_opt(int c, const char *arg);
/* Opens the application or prints the reason; returns 0 or EX_SETUP. */
int cli_open(app *a);
/* Writes an audit entry for a CLI action inside tx (svc_audit as the
 * operator of cli_actor, audit log only: no record change log). */
int cli_audit(app *a, void *tx, const char *action, const char *kind, const char *id,
              json_t *detail);
void cli_anchor(app *a);

/* The shell as a service actor (api/service.h): the host operator, who may
 * run the database file anyway, acts with the inspection office's grant
 * (the imports and exports are the office's actions; cli_allowed checks the
 * same function-level rule as the route) and is audited as login
 * "cli:<OS user>", no account, roles "cli", request id "cli-<pid>". */
typedef struct cli_operator {
  principal who;
  char rid[24];
  svc_actor ac;
} cli_operator;
void cli_actor(cli_operator *op);
/* True if the operator holds action a (function level, as dispatch checks). */
bool cli_allowed(const cli_operator *op, action_id a);
/* Prints a service error on stderr — the message, its code and field, and
 * the rows it names — frees x and returns the exit code (EX_FAIL). */
int cli_xres(xres *x);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Demo data (cli/demo.c): Zaoyang's organisations, a round with four teams,
 * one user per role. Writes accounts to out (text) and, if json_path, as JSON. */
int demo_load(app *a, FILE *out, const char *json_path);

#endif
