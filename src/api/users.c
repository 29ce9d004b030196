/*
 * users.c — accounts and grants (系统管理员 manages accounts, 安全管理员
 * grants roles, neither sees business data; 三员 are mutually exclusive).
 */
#include "api/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "sec/password.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

int login_normalize(const char *in, char out[65]) {
  size_t n = strlen(in);
  if (n < 2 || n > 32) return -1;
  for (size_t i = 0; i <= n; i++) {
    char c = in[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return -1;
    out[i] = c;
  }
  return 0;
}

int users_create(app *a, store_tx *tx, const char *login_in, const char *name, const char *org_id,
                 const char *person_id, char id[37], char pw[17], xres *x) {
  char login[65], h[PW_HASH_MAX], now[TS_LEN];
  if (login_normalize(login_in, login))
    return xres_err(x, 400, "invalid_field", "login", "登录名应为 2 至 32 位字母、数字或 . _ -");
  (void)a;
  uuid7(id);
  ts_now(now);
  pw_generate(pw);
  if (pw_hash(pw, (unsigned)cfg_int(CFG_PBKDF2_ITER), h)) return STORE_ERR; /* 500 */
  sval p[] = {SV_S(id), SV_S(login), SV_S(name), SV_S(org_id), SV_S(person_id), SV_S(h), SV_S(now)};
  int rc = store_exec(tx,
                      "INSERT INTO users(id,login,display_name,org_id,person_id,pw_hash,must_change,"
                      "pw_changed_at,created_at,updated_at) VALUES($1,$2,$3,$4,$5,$6,1,$7,$7,$7)",
                      p, 7, NULL);
  if (rc == STORE_CONFLICT) return xres_err(x, 409, "invalid_field", "login", "登录名 %s 已存在", login);
  if (rc == STORE_CONSTRAINT) return xres_err(x, 400, "invalid_field", "login", "所在单位或人员不存在");
  return rc;
}

int users_revoke_access(store_tx *tx, const char *user_id, int64_t *tokens) {
  char now[TS_LEN];
  ts_now(now);
  sval q[] = {SV_S(user_id)};
  int rc = store_exec(tx, "DELETE FROM sessions WHERE user_id=$1", q, 1, NULL);
  sval p[] = {SV_S(now), SV_S(user_id)};
  if (rc == STORE_OK)
    rc = store_exec(tx,
                    "UPDATE api_tokens SET revoked=1, revoked_at=$1 WHERE user_id=$2 AND revoked=0",
                    p, 2, tokens);
  return rc;
}

int users_is_admin(store_tx *tx, const char *user_id, int *admin) {
  int64_t n = 0;
  sval p[] = {SV_S(user_id)};
  int rc = store_query_int(tx,
                           "SELECT count(*) FROM user_roles WHERE user_id=$1 AND role IN "
                           "('sysadmin','secadmin','auditadmin')",
                           p, 1, &n);
  *admin = n > 0;
  return rc;
}

int users_reset_password(app *a, store_tx *tx, const char *user_id, char pw[17]) {
  (void)a;
  char h[PW_HASH_MAX], now[TS_LEN], unusable[17];
  ts_now(now);
  /* pw NULL: a random password nobody learns (the account waits for the
   * one-time password to be collected). */
  char *use = pw ? pw : unusable;
  pw_generate(use);
  int hashed = pw_hash(use, (unsigned)cfg_int(CFG_PBKDF2_ITER), h);
  xwipe(unusable, sizeof unusable);
  if (hashed) return STORE_ERR; /* 500 */
  sval p[] = {SV_S(h), SV_S(now), SV_S(user_id)};
  int64_t n = 0;
  int rc = store_exec(tx,
                      "UPDATE users SET pw_hash=$1, must_change=1, pw_changed_at=$2, failed_count=0,"
                      " failed_at=0, locked_until=0, version=version+1, updated_at=$2 WHERE id=$3",
                      p, 3, &n);
  xwipe(h, sizeof h);
  if (rc == STORE_OK && n == 0) return 1;
  if (rc == STORE_OK) rc = users_revoke_access(tx, user_id, NULL);
  return rc;
}

int users_message(store_tx *tx, const char *from_user, const char *to_role, const char *to_scope,
                  const char *object_id, const char *action, const char *title, json_t *body) {
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  char *b = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  sval p[] = {SV_S(id),        SV_S(now),    SV_S(from_user), SV_S(to_role), SV_S(to_scope),
              SV_S(object_id), SV_S(action), SV_S(title),     SV_S(b ? b : "")};
  int rc = store_exec(tx,
                      "INSERT INTO messages(id,created_at,from_user,to_role,to_scope,object_kind,"
                      "object_id,action,title,body) VALUES($1,$2,$3,$4,$5,'user',$6,$7,$8,$9)",
                      p, 9, NULL);
  free(b);
  return rc;
}

int users_reset_notices(store_tx *tx, const char *from_user, const char *user_id,
                        const char *how) {
  char *login = NULL;
  sval p[] = {SV_S(user_id)};
  int rc = store_query_text(tx, "SELECT login FROM users WHERE id=$1", p, 1, &login);
  if (rc != STORE_OK) return rc;
  char title[256];
  snprintf(title, sizeof title, "账号 %s 的密码已重置 (%s), 其全部会话与 API 令牌已注销",
           login ? login : "?", how);
  json_t *body = json_pack("{s:s,s:s}", "user_id", user_id, "how", how);
  rc = users_message(tx, from_user, MSG_TO_USER, user_id, user_id, "reset_password",
                     "您的密码已被重置为一次性密码, 全部会话与 API 令牌已注销; 如非本人申请, "
                     "请立即联系安全管理员",
                     body);
  if (rc == STORE_OK)
    rc = users_message(tx, from_user, "auditadmin", "", user_id, "reset_password", title, body);
  json_decref(body);
  free(login);
  return rc;
}

int users_grant(app *a, store_tx *tx, const char *user_id, const char *role, const char *scope_id,
                const char *granted_by, char id[37], xres *x) {
  return users_grant_until(a, tx, user_id, role, scope_id, NULL, granted_by, id, x);
}

int users_dormant_check(req *r, store_tx *tx, const char *user_id, int *dormant) {
  *dormant = 0;
  long days = cfg_int(CFG_ACCOUNT_DORMANT_DAYS);
  if (days <= 0) return STORE_OK;
  int admin = 0;
  int rc = users_is_admin(tx, user_id, &admin);
  if (rc || admin) return rc; /* 三员 are host-managed: never disabled by disuse */
  char *last = NULL;
  sval p[] = {SV_S(user_id)};
  rc = store_query_text(tx, "SELECT MAX(COALESCE(last_login_at, ''), created_at, updated_at) FROM users "
                        "WHERE id=$1", p,
                        1, &last);
  if (rc) return rc;
  time_t t = last ? ts_parse(last) : -1;
  free(last);
  if (t <= 0 || xnow() - t <= days * 86400) return STORE_OK;
  char now[TS_LEN];
  ts_now(now);
  sval q[] = {SV_S(now), SV_S(user_id)};
  rc = store_exec(tx,
                  "UPDATE users SET disabled=1, version=version+1, updated_at=$1 WHERE id=$2", q,
                  2, NULL);
  if (!rc) rc = users_revoke_access(tx, user_id, NULL);
  json_t *d = json_pack("{s:s,s:I}", "reason", "dormant", "days", (json_int_t)days);
  if (!rc) rc = api_audit(r, tx, "user.dormant", "user", user_id, "ok", d);
  json_decref(d);
  if (!rc) *dormant = 1;
  return rc;
}

int users_grant_until(app *a, store_tx *tx, const char *user_id, const char *role,
                      const char *scope_id, const char *ends_at, const char *granted_by,
                      char id[37], xres *x) {
  int ri = role_lookup(role);
  if (ri < 0) return xres_err(x, 400, "invalid_field", "role", "未知角色: %.40s", role);
  const role_def *rd = &roles[ri];
  if (!scope_id) scope_id = "";
  if (rd->scope == SK_NONE && *scope_id)
    return xres_err(x, 400, "invalid_field", "role", "角色「%s」不需要指定范围", rd->label);
  if (rd->scope != SK_NONE) {
    static const char *const q[SK__MAX] = {
        NULL, "SELECT count(*) FROM teams WHERE id=$1",
        "SELECT count(*) FROM orgs WHERE id=$1 AND kind='unit'",
        "SELECT count(*) FROM orgs WHERE id=$1 AND kind='dispatched_group'"};
    static const char *const what[SK__MAX] = {NULL, "巡察组", "被巡察单位", "派驻纪检监察组"};
    int64_t n = 0;
    sval p[] = {SV_S(scope_id)};
    int rc = *scope_id ? store_query_int(tx, q[rd->scope], p, 1, &n) : STORE_OK;
    if (rc) return rc;
    if (!n)
      return xres_err(x, 400, "invalid_field", "scope_id", "角色「%s」须指定所属%s (scope_id)",
                      rd->label, what[rd->scope]);
  }
  principal cur = {0};
  int rc = session_load_grants(a, tx, user_id, &cur);
  if (rc) return rc;
  const char *why = grant_conflict(&cur, (role_id)ri);
  if (why) /* 三员分立 is a conflict with the grants held; the cap is a bad request */
    return xres_err(x, strstr(why, "三员") ? 409 : 400, "invalid_field", "role", "%s", why);
  char tag[65], now[TS_LEN];
  const char *sk = scope_kind_names[rd->scope];
  if (ends_at && !*ends_at) ends_at = NULL;
  grant_tag_until(a, user_id, rd->name, sk, scope_id, ends_at, tag);
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id),    SV_S(user_id),    SV_S(rd->name), SV_S(sk), SV_S(scope_id),
              SV_S(tag),   SV_S(granted_by), SV_S(now),      SV_S(ends_at)};
  rc = store_exec(tx,
                  "INSERT INTO user_roles(id,user_id,role,scope_kind,scope_id,tag,granted_by,"
                  "granted_at,ends_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                  p, 9, NULL);
  if (rc == STORE_CONFLICT) return xres_err(x, 409, "invalid_field", "role", "该用户已有此授权");
  if (rc == STORE_CONSTRAINT) return xres_err(x, 400, "invalid_field", "role", "用户不存在");
  return rc;
}

/* ---- HTTP handlers ------------------------------------------------------------ */
#define USER_COLS                                                                      \
  "SELECT id, version, login, display_name, org_id, person_id, must_change, disabled, " \
  "locked_until, last_login_at, created_at, updated_at FROM users"

static void user_fix(json_t *u) {
  json_object_set_new(u, "must_change", json_boolean(json_integer_value(json_object_get(u, "must_change"))));
  json_object_set_new(u, "disabled", json_boolean(json_integer_value(json_object_get(u, "disabled"))));
  json_object_set_new(u, "locked", json_boolean(json_integer_value(json_object_get(u, "locked_until")) > xnow()));
  json_object_del(u, "locked_until");
}

static void user_row(store_tx *tx, json_t *it, const void *ctx);

static json_t *user_load(store_tx *tx, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  json_t *u = store_query_one(tx, USER_COLS " WHERE id=$1", p, 1, rc);
  if (u) user_row(tx, u, NULL);
  return u;
}

static void user_row(store_tx *tx, json_t *it, const void *ctx) {
  (void)ctx;
  user_fix(it);
  sval q[] = {SV_S(json_string_value(json_object_get(it, "id")))};
  json_t *g = store_query_json(tx,
                               "SELECT id, role, scope_kind, scope_id, granted_at, ends_at, ended_at, "
                               "end_reason FROM user_roles "
                               "WHERE user_id=$1 ORDER BY granted_at, id",
                               q, 1);
  json_object_set_new(it, "roles", g ? g : json_array());
}

int h_users_list(req *r) {
  sval p[2];
  api_list_q q = {"id, version, login, display_name, org_id, person_id, must_change, disabled, "
                  "locked_until, last_login_at, created_at, updated_at",
                  "users", "", " ORDER BY login", p, 0, user_row, NULL};
  return api_list(r, &q);
}

int h_users_get(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *u = user_load(tx, r->params[0], &rc);
  store_rollback(tx);
  if (!u) return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "用户不存在");
  api_set_etag(r, json_integer_value(json_object_get(u, "version")));
  return api_ok(r, 200, u);
}

static const field create_fields[] = {
    {.name = "login", .label = "登录名", .type = FT_TEXT, .flags = F_REQUIRED, .max = 32},
    {.name = "display_name", .label = "姓名", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "org_id", .label = "所在单位", .type = FT_ID},
    {.name = "person_id", .label = "人员", .type = FT_ID},
};

/* Replies with the new record plus the one-time password (shown once). */
static int reply_with_pw(req *r, store_tx *tx, const char *id, const char *pw, int status) {
  int rc;
  json_t *u = user_load(tx, id, &rc);
  if (!u) {
    api_store_error(r, rc ? rc : STORE_ERR, tx);
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(u);
    return r->status;
  }
  json_object_set_new(u, "one_time_password", json_string(pw));
  api_set_etag(r, json_integer_value(json_object_get(u, "version")));
  return api_ok(r, status, u);
}

int h_users_create(req *r) {
  if (api_body(r, create_fields, 4, false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  char id[UUID_LEN], pw[17];
  xres x = XRES_INIT;
  rc = users_create(r->app, tx, json_string_value(json_object_get(r->in, "login")),
                    json_string_value(json_object_get(r->in, "display_name")),
                    json_string_value(json_object_get(r->in, "org_id")),
                    json_string_value(json_object_get(r->in, "person_id")), id, pw, &x);
  if (rc == STORE_OK) rc = api_audit(r, tx, "user.create", "user", id, "ok", r->in);
  if (rc) {
    if (rc > 0) api_xres(r, &x);
    else api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  int st = reply_with_pw(r, tx, id, pw, 201);
  xwipe(pw, sizeof pw);
  return st;
}

static const field update_fields[] = {
    {.name = "display_name", .label = "姓名", .type = FT_TEXT, .max = 50},
    {.name = "org_id", .label = "所在单位", .type = FT_ID},
    {.name = "person_id", .label = "人员", .type = FT_ID},
    {.name = "disabled", .label = "停用", .type = FT_BOOL},
    {.name = "unlock", .label = "解除锁定", .type = FT_BOOL},
};

int h_users_update(req *r) {
  if (api_body(r, update_fields, 5, true)) return r->status;
  const char *id = r->params[0];
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *u = user_load(tx, id, &rc);
  if (!u) {
    store_rollback(tx);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "用户不存在");
  }
  int64_t version = json_integer_value(json_object_get(u, "version"));
  json_decref(u);
  if (api_if_match(r, version)) {
    store_rollback(tx);
    return r->status;
  }
  char now[TS_LEN];
  ts_now(now);
  json_t *v;
  int64_t n = 0;
#define SETCOL(col, val)                                                                     \
  do {                                                                                       \
    sval p_[] = {val, SV_S(now), SV_S(id)};                                                  \
    if (rc == STORE_OK)                                                                      \
      rc = store_exec(tx, "UPDATE users SET " col "=$1, updated_at=$2 WHERE id=$3", p_, 3, &n); \
  } while (0)
  if ((v = json_object_get(r->in, "display_name")) && json_is_string(v)) SETCOL("display_name", SV_S(json_string_value(v)));
  if ((v = json_object_get(r->in, "org_id"))) SETCOL("org_id", SV_S(json_string_value(v)));
  if ((v = json_object_get(r->in, "person_id"))) SETCOL("person_id", SV_S(json_string_value(v)));
  if ((v = json_object_get(r->in, "disabled")) && json_is_boolean(v)) {
    SETCOL("disabled", SV_I(json_is_true(v)));
    if (rc == STORE_OK && json_is_true(v)) rc = users_revoke_access(tx, id, NULL);
  }
  if ((v = json_object_get(r->in, "unlock")) && json_is_true(v)) {
    SETCOL("failed_count", SV_I(0));
    SETCOL("locked_until", SV_I(0));
  }
#undef SETCOL
  sval vp[] = {SV_S(id)};
  if (rc == STORE_OK) rc = store_exec(tx, "UPDATE users SET version=version+1 WHERE id=$1", vp, 1, NULL);
  if (rc == STORE_OK) rc = api_audit(r, tx, "user.update", "user", id, "ok", r->in);
  if (rc) {
    api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  u = user_load(tx, id, &rc);
  if (!u || api_commit(r, tx)) {
    if (!u) {
      api_store_error(r, rc ? rc : STORE_ERR, tx);
      store_rollback(tx);
    }
    json_decref(u);
    return r->status;
  }
  api_set_etag(r, json_integer_value(json_object_get(u, "version")));
  return api_ok(r, 200, u);
}

int h_roles_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *u = user_load(tx, r->params[0], &rc);
  store_rollback(tx);
  if (!u) return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "用户不存在");
  json_t *g = json_incref(json_object_get(u, "roles"));
  json_decref(u);
  return api_ok(r, 200, json_pack("{s:o}", "items", g));
}

static const field grant_fields[] = {
    {.name = "role", .label = "角色", .type = FT_TEXT, .flags = F_REQUIRED, .max = 40},
    {.name = "scope_id", .label = "授权范围", .type = FT_ID},
    {.name = "ends_on", .label = "授权截止日期", .type = FT_DATE},
};

int h_roles_grant(req *r) {
  if (api_body(r, grant_fields, 3, false)) return r->status;
  /* ends_on: the last day the grant holds (Asia/Shanghai); it ends at the
   * following midnight there, i.e. 16:00Z of that day. */
  char ends_at[TS_LEN] = "";
  const char *eo = json_string_value(json_object_get(r->in, "ends_on"));
  if (eo && *eo) {
    int64_t d = 0;
    if (!date_parse(eo, &d)) return api_error(r, 400, "invalid_field", "ends_on", "「授权截止日期」应为日期 (YYYY-MM-DD)");
    if (d < date_today_shanghai())
      return api_error(r, 400, "invalid_field", "ends_on", "「授权截止日期」不得早于今天");
    ts_format((time_t)(d * 86400 + 16 * 3600), ends_at);
  }
  const char *uid = r->params[0];
  if (!strcmp(uid, r->who.user_id))
    return api_error(r, 403, "forbidden", "", "安全管理员不得为本人授权");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  char id[UUID_LEN];
  xres x = XRES_INIT;
  rc = users_grant_until(r->app, tx, uid, json_string_value(json_object_get(r->in, "role")),
                         json_string_value(json_object_get(r->in, "scope_id")), ends_at,
                         r->who.user_id, id, &x);
  /* 三员 roles are granted only on the host (`xunji user grant`): an account made through
   * the API had a one-time password shown to the system administrator, who must never hold
   * a 三员 credential (mutual exclusion is still reported first, as 409). */
  int ri = role_lookup(json_string_value(json_object_get(r->in, "role")));
  if (rc == STORE_OK && ri >= 0 && role_is_admin((role_id)ri)) {
    store_rollback(tx);
    api_deny(r, A_ROLE_GRANT, "user", uid, 0);
    return api_error(r, 403, "forbidden", "role",
                     "三员角色 (系统管理员、安全管理员、审计管理员) 只能在服务器上用 xunji user grant 授予");
  }
  /* a changed grant ends the user's sessions and API tokens */
  if (rc == STORE_OK) rc = users_revoke_access(tx, uid, NULL);
  if (rc == STORE_OK) rc = api_audit(r, tx, "role.grant", "user", uid, "ok", r->in);
  if (rc) {
    if (rc > 0) api_xres(r, &x);
    else api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  json_t *u = user_load(tx, uid, &rc);
  if (!u) {
    api_store_error(r, rc ? rc : STORE_ERR, tx);
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(u);
    return r->status;
  }
  return api_ok(r, 201, u);
}

int h_roles_revoke(req *r) {
  const char *uid = r->params[0], *rid = r->params[1];
  if (!strcmp(uid, r->who.user_id))
    return api_error(r, 403, "forbidden", "", "安全管理员不得修改本人授权");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(rid), SV_S(uid)};
  int64_t n = 0;
  rc = store_exec(tx, "DELETE FROM user_roles WHERE id=$1 AND user_id=$2", p, 2, &n);
  if (rc == STORE_OK && n == 1) rc = users_revoke_access(tx, uid, NULL);
  json_t *d = json_pack("{s:s}", "grant_id", rid);
  if (rc == STORE_OK && n == 1) rc = api_audit(r, tx, "role.revoke", "user", uid, "ok", d);
  json_decref(d);
  if (rc || n != 1) {
    if (rc) api_store_error(r, rc, tx);
    else api_error(r, 404, "not_found", "", "授权记录不存在");
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) return r->status;
  return api_ok(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- GET /api/v1/grants?ended=true: grants that have ended (secadmin) ---------- */
/* Every grant whose end is reached by the rule of session.c (GRANT_END_SQL),
 * whether or not a request has recorded it yet; ?ended=false lists the live
 * ones with an end date ahead. The listing is audited (grant.list). */
int h_grants_list(req *r) {
  const char *ended = req_arg(r, "ended");
  if (!ended) ended = req_arg(r, "expired");
  int want_ended = !ended || !strcmp(ended, "true") || !strcmp(ended, "1");
  if (ended && !want_ended && strcmp(ended, "false") && strcmp(ended, "0"))
    return api_error(r, 400, "invalid_field", "ended", "「ended」应为 true 或 false");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  char now[TS_LEN];
  ts_now(now);
#define GRANT_LIST_SQL(cond)                                                                      \
  "SELECT * FROM (SELECT g.id AS id, g.user_id AS user_id, u.login AS login, "                   \
  "u.display_name AS display_name, g.role AS role, g.scope_kind AS scope_kind, "                 \
  "g.scope_id AS scope_id, g.granted_at AS granted_at, g.ends_at AS ends_at, "                   \
  "g.ended_at AS ended_at, " GRANT_END_SQL " AS reason FROM user_roles g JOIN users u ON "       \
  "u.id=g.user_id WHERE g.user_id <> $1) WHERE " cond " ORDER BY login, granted_at, id LIMIT 1000"
  const char *sql = want_ended ? GRANT_LIST_SQL("reason IS NOT NULL")
                               : GRANT_LIST_SQL("reason IS NULL AND ends_at IS NOT NULL");
#undef GRANT_LIST_SQL
  sval p[] = {SV_S(""), SV_S(now)}; /* $1: no user is "" (all of them); $2: now */
  json_t *items = store_query_json(tx, sql, p, 2);
  json_t *d = json_pack("{s:b,s:I}", "ended", want_ended,
                        "count", (json_int_t)(items ? json_array_size(items) : 0));
  rc = items ? api_audit(r, tx, "grant.list", NULL, NULL, "ok", d) : STORE_ERR;
  json_decref(d);
  if (rc) {
    json_decref(items);
    api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(items);
    return r->status;
  }
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

/* ---- audit log (审计管理员, read-only) --------------------------------------------- */
static const arg_decl audit_args[] = {
    {.name = "actor_login", .label = "操作人", .type = ARG_TEXT, .max = 64, .col = "actor_login"},
    {.name = "action", .label = "操作", .type = ARG_TEXT, .max = 64, .col = "action"},
    {.name = "object_id", .label = "对象", .type = ARG_TEXT, .max = 64, .col = "object_id"},
    {.name = "result", .label = "结果", .type = ARG_TEXT, .max = 16, .col = "result"},
    {.name = "request_id", .label = "请求编号", .type = ARG_TEXT, .max = 32, .col = "request_id"},
    {.name = "from", .label = "起始日期", .type = ARG_DATE, .flags = ARG_NONEMPTY,
     .sql = "substr(at,1,10) >= ?", .msg = "「起始日期」应为日期 (YYYY-MM-DD)"},
    {.name = "to", .label = "截止日期", .type = ARG_DATE, .flags = ARG_NONEMPTY,
     .sql = "substr(at,1,10) <= ?", .msg = "「截止日期」应为日期 (YYYY-MM-DD)"},
};
static const args_spec audit_spec = {.decls = audit_args, .n = ARGS_N(audit_args), .max = 10,
                                     .paging = true, .keyset = true, .sort_verbatim = true,
                                     .sort_default = "seq DESC"};

int h_audit_list(req *r) {
  return api_args_list(r, &audit_spec,
                       "seq, at, actor_id, actor_login, role, action, object_kind, object_id, result, "
                       "request_id, ip, detail, hash",
                       "audit", " WHERE 1=1", NULL, 0, NULL, NULL);
}
