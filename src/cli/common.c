/*
 * common.c — what every subcommand shares: settings loading, common
 * options, opening the application, and audit entries for shell actions.
 */
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sec/audit.h"
#include "util/config.h"

void cli_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("xunji: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_load_config(int argc, char **argv) {
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--config") && i + 1 < argc) file = argv[i + 1];
    else if (!strncmp(argv[i], "--config=", 9)) file = argv[i] + 9;
  }
  char err[512];
  if (cfg_load(file, err, sizeof err)) {
    cli_err("%s", err);
    return EX_SETUP;
  }
  return 0;
}

int cli_common_opt(int c, const char *arg) {
  char err[512];
  switch (c) {
    case 'C': return 0; /* already read by cli_load_config */
    case 'D':
      return cfg_set(CFG_DB, arg, err, sizeof err) ? (cli_err("%s", err), -1) : 0;
    case 'S':
      return cfg_set_kv(arg, err, sizeof err) ? (cli_err("%s", err), -1) : 0;
    default: return 1;
  }
}

int cli_open(app *a) {
  char err[512];
  if (app_open(a, err, sizeof err)) {
    cli_err("%s", err);
    return EX_SETUP;
  }
  return 0;
}

static audit_head last_head;

int cli_audit(app *a, void *tx, const char *action, const char *kind, const char *id,
              json_t *detail) {
  cli_operator op;
  cli_actor(&op);
  op.ac.audit_only = true; /* demo data, seed, accounts: the audit log only */
  int rc = svc_audit(a, tx, &op.ac, action, kind, id, "ok", detail, NULL);
  if (rc == STORE_OK) last_head = op.ac.head;
  return rc;
}

void cli_actor(cli_operator *op) {
  memset(op, 0, sizeof *op);
  struct passwd *pw = getpwuid(getuid());
  snprintf(op->who.login, sizeof op->who.login, "cli:%s", pw ? pw->pw_name : "?");
  snprintf(op->who.name, sizeof op->who.name, "%s", "主机操作员");
  op->who.ngrants = 1;
  op->who.grants[0] = (grant){.role = R_INSPECTION_OFFICE, .sk = SK_NONE};
  snprintf(op->rid, sizeof op->rid, "cli-%d", (int)getpid());
  op->ac.who = &op->who;
  op->ac.user_id = NULL; /* no account: the shell */
  op->ac.login = op->who.login;
  op->ac.roles = "cli";
  op->ac.rid = op->rid;
  op->ac.ip = NULL;
}

bool cli_allowed(const cli_operator *op, action_id a) { return authz(&op->who, a, NULL); }

int cli_xres(xres *x) {
  fprintf(stderr, "xunji: %s [%s%s%s]\n", x->message, x->code, x->field[0] ? ", 字段 " : "",
          x->field);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(x->extra, "rows"), i, it) {
    fprintf(stderr, "  第 %lld 行: %s\n", (long long)json_integer_value(json_object_get(it, "row")),
            json_string_value(json_object_get(it, "message")));
  }
  json_array_foreach(json_object_get(x->extra, "unknown_units"), i, it) {
    fprintf(stderr, "%s%s", i ? "、" : "  尚未登记的单位: ", json_string_value(it));
  }
  if (json_array_size(json_object_get(x->extra, "unknown_units"))) fputc('\n', stderr);
  xres_free(x);
  return EX_FAIL;
}

void cli_anchor(app *a) {
  if (last_head.seq > 0) audit_anchor_note(a->anchor, &a->keys, &last_head);
}
