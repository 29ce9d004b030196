/*
 * cmd_user.c — `xunji user add|passwd|disable|enable|grant|token|list`:
 * account administration from the shell (bootstrap of the 三员, scripts).
 * Every change is audited with the actor "cli:<unix user>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/twofa.h"
#include "api/users.h"
#include "cli/cli.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

static const char user_help[] =
    "用法: xunji user <操作> [参数] [选项]\n\n"
    "  add LOGIN --name 姓名 [--role 角色[@范围编号]]...   新建用户, 打印一次性密码\n"
    "  passwd LOGIN                重置为新的一次性密码 (首次登录须修改; 注销其会话与令牌;\n"
    "                              三员账号只能这样重置)\n"
    "  disable LOGIN | enable LOGIN 停用 / 启用账号 (停用即注销其会话与令牌)\n"
    "  grant LOGIN 角色[@范围编号]  授予角色 (三员与其他角色互斥; 注销其会话与令牌)\n"
    "  token LOGIN --name 用途 [--days N] [--scope 范围]\n"
    "                              创建 API 令牌 (只显示一次, 库中只存哈希); 范围: read (只读,\n"
    "                              默认), all (账号的全部权限), 或逗号分隔的操作名 (可加 read),\n"
    "                              如 read,ledger.export; 敏感操作须逐一列出。token_requires_2fa\n"
    "                              开启时只能发给已启用双因素认证的用户\n"
    "  token --list [LOGIN]        列出 API 令牌 (编号、用途、有效期、是否吊销; 不含令牌本身)\n"
    "  token --revoke 令牌编号      吊销一个 API 令牌\n"
    "  list                        列出用户与角色\n\n"
    "角色: leading_group inspection_office team_leader@巡察组 team_member@巡察组\n"
    "      commission_liaison case_mgmt petitions conduct investigation verification_team\n"
    "      commission_cadre dispatched_group@派驻组 unit_liaison@单位 sysadmin secadmin auditadmin\n" CLI_COMMON_HELP;

static bool has_totp(store_tx *tx, const char *uid) {
  int64_t n = 0;
  sval p[] = {SV_S(uid)};
  return store_query_int(tx, "SELECT count(*) FROM user_totp WHERE user_id=$1 AND enabled=1", p, 1,
                         &n) == STORE_OK &&
         n > 0;
}

static int find_user(store_tx *tx, const char *login_in, char id[37]) {
  char login[65];
  if (login_normalize(login_in, login)) {
    cli_err("登录名无效: %s", login_in);
    return -1;
  }
  char *v = NULL;
  sval p[] = {SV_S(login)};
  if (store_query_text(tx, "SELECT id FROM users WHERE login=$1", p, 1, &v) || !v) {
    cli_err("用户不存在: %s", login);
    free(v);
    return -1;
  }
  snprintf(id, 37, "%s", v);
  free(v);
  return 0;
}

static int grant_one(app *a, store_tx *tx, const char *uid, const char *spec) {
  char role[64];
  const char *at = strchr(spec, '@');
  size_t n = at ? (size_t)(at - spec) : strlen(spec);
  if (n >= sizeof role) {
    cli_err("角色无效: %s", spec);
    return -1;
  }
  memcpy(role, spec, n);
  role[n] = '\0';
  char gid[37];
  xres x = XRES_INIT;
  int rc = users_grant(a, tx, uid, role, at ? at + 1 : NULL, NULL, gid, &x);
  if (rc) {
    cli_err("授予角色 %s 失败: %s", spec, rc > 0 ? x.message : store_errmsg(tx));
    return -1;
  }
  rc = users_revoke_access(tx, uid, NULL);
  if (rc) {
    cli_err("注销会话失败: %s", store_errmsg(tx));
    return -1;
  }
  json_t *d = json_pack("{s:s,s:s}", "role", role, "scope_id", at ? at + 1 : "");
  rc = cli_audit(a, tx, "role.grant", "user", uid, d);
  json_decref(d);
  return rc ? -1 : 0;
}

/* `xunji user token --list [LOGIN]` and `xunji user token --revoke ID`. */
static int token_admin(const char *login, const char *revoke) {
  app a;
  if (cli_open(&a)) return EX_SETUP;
  store_tx *tx;
  if ((revoke ? store_write(a.db, &tx) : store_read(a.db, &tx)) != STORE_OK) {
    cli_err("数据库忙或不可用");
    app_close(&a);
    return EX_FAIL;
  }
  char uid[37] = "";
  if (login && find_user(tx, login, uid)) {
    store_rollback(tx);
    app_close(&a);
    return EX_FAIL;
  }
  if (!revoke) {
    sval p[] = {SV_S(uid)};
    json_t *rows = store_query_json(tx,
                                    "SELECT t.id, u.login, t.name, t.created_at, t.expires_at, "
                                    "t.last_used_at, t.revoked FROM api_tokens t JOIN users u ON "
                                    "u.id=t.user_id WHERE $1='' OR t.user_id=$1 ORDER BY u.login, "
                                    "t.created_at",
                                    p, 1);
    store_rollback(tx);
    size_t i;
    json_t *it;
    time_t now = xnow();
    json_array_foreach(rows, i, it) {
      json_t *lu = json_object_get(it, "last_used_at");
      char exp[TS_LEN];
      ts_format((time_t)json_integer_value(json_object_get(it, "expires_at")), exp);
      printf("%s  %-16s %-20s 创建 %s  到期 %s  最近使用 %s%s\n",
             json_string_value(json_object_get(it, "id")),
             json_string_value(json_object_get(it, "login")),
             json_string_value(json_object_get(it, "name")),
             json_string_value(json_object_get(it, "created_at")), exp,
             json_is_string(lu) ? json_string_value(lu) : "-",
             json_integer_value(json_object_get(it, "revoked"))
                 ? "  [已吊销]"
                 : json_integer_value(json_object_get(it, "expires_at")) <= now ? "  [已过期]" : "");
    }
    int ok = rows != NULL;
    json_decref(rows);
    app_close(&a);
    return ok ? EX_OK : EX_FAIL;
  }
  char *owner = NULL;
  sval p[] = {SV_S(revoke)};
  int rc = store_query_text(tx, "SELECT user_id FROM api_tokens WHERE id=$1", p, 1, &owner);
  if (rc || !owner) {
    cli_err("API 令牌不存在: %s", revoke);
    free(owner);
    store_rollback(tx);
    app_close(&a);
    return EX_FAIL;
  }
  char now[TS_LEN];
  ts_now(now);
  sval q[] = {SV_S(now), SV_S(revoke)};
  rc = store_exec(tx, "UPDATE api_tokens SET revoked=1, revoked_at=$1 WHERE id=$2 AND revoked=0", q,
                  2, NULL);
  json_t *d = json_pack("{s:s}", "user_id", owner);
  if (rc == STORE_OK) rc = cli_audit(&a, tx, "token.revoke", "api_token", revoke, d);
  json_decref(d);
  free(owner);
  if (rc != STORE_OK || store_commit(tx) != STORE_OK) {
    if (rc != STORE_OK) store_rollback(tx);
    cli_err("保存失败");
    app_close(&a);
    return EX_FAIL;
  }
  cli_anchor(&a);
  printf("已吊销 API 令牌 %s\n", revoke);
  app_close(&a);
  return EX_OK;
}

int cmd_user(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"name", required_argument, NULL, 'n'},
                                       {"role", required_argument, NULL, 'r'},
                                       {"days", required_argument, NULL, 'y'},
                                       {"list", no_argument, NULL, 'L'},
                                       {"revoke", required_argument, NULL, 'R'},
                                       {"scope", required_argument, NULL, 'P'},
                                       {NULL, 0, NULL, 0}};
  const char *name = NULL, *rolesv[MAX_GRANTS], *revoke = NULL, *scope = "read";
  int nroles = 0, c, list = 0;
  long days = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(user_help, stdout);
      return EX_OK;
    }
    if (c == 'n') name = optarg;
    else if (c == 'L') list = 1;
    else if (c == 'R') revoke = optarg;
    else if (c == 'P') scope = optarg;
    else if (c == 'r' && nroles < MAX_GRANTS) rolesv[nroles++] = optarg;
    else if (c == 'y') {
      char *end;
      days = strtol(optarg, &end, 10);
      if (*end || days < 1 || days > 3650) {
        cli_err("--days 应为 1 至 3650 的整数");
        return EX_USAGE;
      }
    } else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(user_help, stderr);
      return EX_USAGE;
    }
  }
  if (optind >= argc) {
    fputs(user_help, stderr);
    return EX_USAGE;
  }
  const char *op = argv[optind];
  const char *login = optind + 1 < argc ? argv[optind + 1] : NULL;
  int want_args = !strcmp(op, "list") ? 1 : !strcmp(op, "grant") ? 3 : 2;
  if (strcmp(op, "add") && strcmp(op, "passwd") && strcmp(op, "disable") && strcmp(op, "enable") &&
      strcmp(op, "grant") && strcmp(op, "token") && strcmp(op, "list")) {
    cli_err("未知操作: %s", op);
    return EX_USAGE;
  }
  if (!strcmp(op, "token") && (list || revoke)) {
    if (list && revoke) {
      cli_err("--list 与 --revoke 不能同时使用");
      return EX_USAGE;
    }
    if (argc - optind != (revoke ? 1 : login ? 2 : 1)) {
      cli_err("参数个数不对 (运行 xunji user --help 查看用法)");
      return EX_USAGE;
    }
    if (revoke && !uuid_valid(revoke)) {
      cli_err("令牌编号无效: %s", revoke);
      return EX_USAGE;
    }
    return token_admin(login, revoke);
  }
  if (argc - optind != want_args) {
    cli_err("参数个数不对 (运行 xunji user --help 查看用法)");
    return EX_USAGE;
  }
  if (!strcmp(op, "token") && !twofa_scope_valid(scope)) {
    cli_err("--scope 无效: %s (应为 read、all 或逗号分隔的操作名, 见 xunji routes)", scope);
    return EX_USAGE;
  }
  if ((!strcmp(op, "add") || !strcmp(op, "token")) && !name) {
    cli_err("%s 需要 --name", op);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  store_tx *tx;
  int rc = strcmp(op, "list") ? store_write(a.db, &tx) : store_read(a.db, &tx);
  if (rc) {
    cli_err("数据库忙或不可用");
    app_close(&a);
    return EX_FAIL;
  }
  int ok = 0;
  char uid[37], pw[17];
  if (!strcmp(op, "list")) {
    json_t *rows = store_query_json(tx,
                                    "SELECT u.login, u.display_name, u.disabled, group_concat(r.role"
                                    " || CASE WHEN r.scope_id<>'' THEN '@' || r.scope_id ELSE '' END,"
                                    " ' ') AS roles FROM users u LEFT JOIN user_roles r ON "
                                    "r.user_id=u.id GROUP BY u.id ORDER BY u.login",
                                    NULL, 0);
    size_t i;
    json_t *it;
    json_array_foreach(rows, i, it) {
      json_t *rv = json_object_get(it, "roles");
      printf("%-16s %-20s %s %s\n", json_string_value(json_object_get(it, "login")),
             json_string_value(json_object_get(it, "display_name")),
             json_integer_value(json_object_get(it, "disabled")) ? "[停用]" : "",
             json_is_string(rv) ? json_string_value(rv) : "");
    }
    ok = rows != NULL;
    json_decref(rows);
    store_rollback(tx);
    app_close(&a);
    return ok ? EX_OK : EX_FAIL;
  }
  if (!strcmp(op, "add")) {
    xres x = XRES_INIT;
    rc = users_create(&a, tx, login, name, NULL, NULL, uid, pw, &x);
    if (rc) cli_err("新建用户失败: %s", rc > 0 ? x.message : store_errmsg(tx));
    json_t *d = json_pack("{s:s,s:s}", "login", login, "display_name", name);
    ok = !rc && !cli_audit(&a, tx, "user.create", "user", uid, d);
    json_decref(d);
    for (int i = 0; ok && i < nroles; i++) ok = !grant_one(&a, tx, uid, rolesv[i]);
  } else if (find_user(tx, login, uid) == 0) {
    if (!strcmp(op, "passwd")) {
      ok = users_reset_password(&a, tx, uid, pw) == 0 &&
           !cli_audit(&a, tx, "user.reset_password", "user", uid, NULL) &&
           !users_reset_notices(tx, NULL, uid, "在服务器上用 xunji user passwd 重置");
    } else if (!strcmp(op, "disable") || !strcmp(op, "enable")) {
      int dis = !strcmp(op, "disable");
      sval p[] = {SV_I(dis), SV_S(uid)};
      ok = !store_exec(tx, "UPDATE users SET disabled=$1, version=version+1 WHERE id=$2", p, 2, NULL);
      if (ok && dis) ok = !users_revoke_access(tx, uid, NULL);
      ok = ok && !cli_audit(&a, tx, dis ? "user.disable" : "user.enable", "user", uid, NULL);
    } else if (!strcmp(op, "grant")) {
      ok = !grant_one(&a, tx, uid, argv[optind + 2]);
    } else if (!strcmp(op, "token") && cfg_int(CFG_TOKEN_REQUIRES_2FA) && !has_totp(tx, uid)) {
      cli_err("%s 未启用双因素认证, 不能发放 API 令牌 (token_requires_2fa)", login);
    } else if (!strcmp(op, "token")) {
      unsigned char raw[32];
      char token[68], h[65], id[37], now[TS_LEN];
      rand_bytes(raw, sizeof raw);
      memcpy(token, "xj_", 3);
      hex_encode(raw, sizeof raw, token + 3);
      unsigned char mac[SM3_LEN];
      hmac_sm3(a.keys.token, sizeof a.keys.token, token, strlen(token), mac);
      hex_encode(mac, SM3_LEN, h);
      uuid7(id);
      ts_now(now);
      long d = days ? days : cfg_int(CFG_TOKEN_DAYS);
      sval p[] = {SV_S(id), SV_S(uid), SV_S(name), SV_S(h), SV_S(now), SV_I(xnow() + d * 86400),
                  SV_S(scope)};
      ok = !store_exec(tx,
                       "INSERT INTO api_tokens(id,user_id,name,token_hash,created_at,expires_at,"
                       "scope) VALUES($1,$2,$3,$4,$5,$6,$7)",
                       p, 7, NULL);
      json_t *dj = json_pack("{s:s,s:s,s:I}", "token_id", id, "name", name, "days", (json_int_t)d);
      ok = ok && !cli_audit(&a, tx, "user.token", "user", uid, dj);
      json_decref(dj);
      if (ok) {
        if (store_commit(tx) != STORE_OK) {
          xwipe(token, sizeof token);
          cli_err("保存失败");
          app_close(&a);
          return EX_FAIL;
        }
        cli_anchor(&a);
        printf("%s\n", token);
        fprintf(stderr,
                "API 令牌已创建 (编号 %s, 有效 %ld 天)。令牌只显示这一次, 请用 Authorization: "
                "Bearer 携带; 吊销: xunji user token --revoke %s\n",
                id, d, id);
        xwipe(token, sizeof token);
        app_close(&a);
        return EX_OK;
      }
      xwipe(token, sizeof token);
    }
  }
  if (!ok || store_commit(tx) != STORE_OK) {
    if (ok) cli_err("保存失败");
    else store_rollback(tx);
    app_close(&a);
    return EX_FAIL;
  }
  cli_anchor(&a);
  if (!strcmp(op, "add") || !strcmp(op, "passwd"))
    printf("%s 的一次性密码: %s (首次登录须修改)\n", login, pw);
  else
    printf("已完成: %s %s\n", op, login);
  xwipe(pw, sizeof pw);
  app_close(&a);
  return EX_OK;
}
