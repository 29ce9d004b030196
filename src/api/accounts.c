/*
 * accounts.c — issue 11: dual-control password resets, API token listing and
 * revocation, and the security settings kept in the database.
 *
 * Password reset (docs/api.md "Password reset (dual control)"):
 *   - a 三员 account (sysadmin, secadmin, auditadmin) is never reset through
 *     the API: only `xunji user passwd` on the host (audited);
 *   - a business account's reset is a request by the system administrator;
 *     with dual control (the security setting reset_dual_control, on unless
 *     the security administrator turns it off) the security administrator
 *     approves it, which takes effect at once (a random password nobody
 *     knows, every session and API token revoked, the user and the audit
 *     administrators told in their inboxes); the requester then collects the
 *     one-time password once (made at that moment, never stored);
 *   - the one-time password only allows the password change (must_change).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "core/workflow.h"
#include "api/users.h"
#include "sec/crypto.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- security settings ------------------------------------------------------ */
typedef struct sec_setting {
  const char *name;
  const char *label; /* Chinese */
  int def;
} sec_setting;

static const sec_setting sec_settings[] = {
    {"reset_dual_control", "重置业务账号密码须经安全管理员批准 (双人控制)", 1},
};
enum { NSEC = (int)(sizeof sec_settings / sizeof *sec_settings) };

void setting_tag(const app *a, const char *name, int64_t v, char out[65]) {
  char m[128];
  int n = snprintf(m, sizeof m, "setting|%s|%lld", name, (long long)v);
  row_tag(&a->keys, m, (size_t)n, out);
}

bool setting_tag_ok(const app *a, const char *name, int64_t v, const char *tag) {
  char m[128];
  int n = snprintf(m, sizeof m, "setting|%s|%lld", name, (long long)v);
  return row_tag_ok(&a->keys, m, (size_t)n, tag); /* any key of the file (rotation) */
}

/* The value of a boolean security setting: the stored row if its tag holds,
 * else the default (a row edited outside xunji is ignored and logged). */
static int security_setting(app *a, store_tx *tx, const sec_setting *s, int *out) {
  sval p[] = {SV_S(s->name)};
  int rc;
  json_t *row = store_query_one(tx, "SELECT value, tag FROM security_settings WHERE name=$1", p,
                                1, &rc);
  *out = s->def;
  if (!row) return rc < 0 ? rc : STORE_OK;
  int64_t v = json_integer_value(json_object_get(row, "value"));
  const char *tag = json_string_value(json_object_get(row, "tag"));
  if (setting_tag_ok(a, s->name, v, tag)) *out = v != 0;
  else fprintf(stderr, "xunji: 警告: 安全设置 %s 完整性校验失败, 已按默认值处理\n", s->name);
  json_decref(row);
  return STORE_OK;
}

static json_t *settings_json(app *a, store_tx *tx, int *rc) {
  json_t *o = json_object();
  for (int i = 0; i < NSEC && *rc == STORE_OK; i++) {
    int v = 0;
    *rc = security_setting(a, tx, &sec_settings[i], &v);
    json_object_set_new(o, sec_settings[i].name, json_boolean(v));
  }
  json_t *meta = store_query_json(tx,
                                  "SELECT s.name, s.updated_at, u.login AS updated_by FROM "
                                  "security_settings s LEFT JOIN users u ON u.id=s.updated_by "
                                  "ORDER BY s.name",
                                  NULL, 0);
  json_t *labels = json_object();
  for (int i = 0; i < NSEC; i++)
    json_object_set_new(labels, sec_settings[i].name, json_string(sec_settings[i].label));
  json_object_set_new(o, "labels", labels);
  json_object_set_new(o, "changes", meta ? meta : json_array());
  return o;
}

int h_security_get(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *o = settings_json(r->app, tx, &rc);
  store_rollback(tx);
  if (rc) {
    json_decref(o);
    return api_store_error(r, rc, NULL);
  }
  return api_ok(r, 200, o);
}

static const field security_fields[] = {
    {.name = "reset_dual_control", .label = "重置密码双人控制", .type = FT_BOOL},
};

int h_security_update(req *r) {
  if (api_body(r, security_fields, 1, true)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  char now[TS_LEN];
  ts_now(now);
  json_t *changed = json_object();
  for (int i = 0; i < NSEC && rc == STORE_OK; i++) {
    json_t *v = json_object_get(r->in, sec_settings[i].name);
    if (!json_is_boolean(v)) continue;
    int64_t val = json_is_true(v);
    char tag[65];
    setting_tag(r->app, sec_settings[i].name, val, tag);
    sval p[] = {SV_S(sec_settings[i].name), SV_I(val), SV_S(tag), SV_S(r->who.user_id), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO security_settings(name,value,tag,updated_by,updated_at) "
                    "VALUES($1,$2,$3,$4,$5) ON CONFLICT(name) DO UPDATE SET value=excluded.value, "
                    "tag=excluded.tag, updated_by=excluded.updated_by, updated_at=excluded.updated_at",
                    p, 5, NULL);
    json_object_set_new(changed, sec_settings[i].name, json_boolean(val));
  }
  if (rc == STORE_OK && json_object_size(changed))
    rc = api_audit(r, tx, "security.update", "setting", NULL, "ok", changed);
  /* the audit administrators and the system administrator are told */
  json_t *dc = json_object_get(changed, "reset_dual_control");
  if (rc == STORE_OK && dc) {
    const char *title = json_is_true(dc) ? "安全管理员已启用重置密码双人控制"
                                         : "安全管理员已关闭重置密码双人控制";
    rc = users_message(tx, r->who.user_id, "auditadmin", "", r->who.user_id, "security.update",
                       title, changed);
    if (rc == STORE_OK)
      rc = users_message(tx, r->who.user_id, "sysadmin", "", r->who.user_id, "security.update",
                         title, changed);
  }
  json_decref(changed);
  json_t *o = rc == STORE_OK ? settings_json(r->app, tx, &rc) : NULL;
  if (rc) {
    json_decref(o);
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) {
    json_decref(o);
    return r->status;
  }
  return api_ok(r, 200, o);
}

/* ---- API tokens ------------------------------------------------------------- */
static void token_fix(store_tx *tx, json_t *it, const void *ctx) {
  (void)tx;
  (void)ctx;
  json_object_set_new(it, "revoked", json_boolean(json_integer_value(json_object_get(it, "revoked"))));
  json_object_set_new(it, "expired",
                      json_boolean(json_integer_value(json_object_get(it, "expires_at")) <= xnow()));
}

static int tokens_of(req *r, const char *uid) {
  sval p[3] = {SV_S(uid)};
  api_list_q q = {"id, user_id, name, scope, created_at, expires_at, last_used_at, revoked, revoked_at",
                  "api_tokens", " WHERE user_id=$1", " ORDER BY created_at DESC, id DESC", p, 1,
                  token_fix, NULL};
  return api_list(r, &q);
}

static int user_exists(req *r, const char *uid) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(uid)};
  rc = store_query_int(tx, "SELECT count(*) FROM users WHERE id=$1", p, 1, &n);
  store_rollback(tx);
  if (rc) return api_store_error(r, rc, NULL);
  if (!n) return api_error(r, 404, "not_found", "", "用户不存在");
  return 0;
}

int h_my_tokens(req *r) { return tokens_of(r, r->who.user_id); }

int h_user_tokens(req *r) {
  if (user_exists(r, r->params[0])) return r->status;
  return tokens_of(r, r->params[0]);
}

static int token_revoke(req *r, const char *uid, const char *tid) {
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  char now[TS_LEN];
  ts_now(now);
  int64_t n = 0;
  sval p[] = {SV_S(tid), SV_S(uid)};
  rc = store_query_int(tx, "SELECT count(*) FROM api_tokens WHERE id=$1 AND user_id=$2", p, 2, &n);
  if (rc == STORE_OK && n == 0) {
    store_rollback(tx);
    return api_error(r, 404, "not_found", "", "API 令牌不存在");
  }
  sval q[] = {SV_S(now), SV_S(tid)};
  if (rc == STORE_OK)
    rc = store_exec(tx, "UPDATE api_tokens SET revoked=1, revoked_at=$1 WHERE id=$2 AND revoked=0",
                    q, 2, NULL);
  json_t *d = json_pack("{s:s}", "user_id", uid);
  if (rc == STORE_OK) rc = api_audit(r, tx, "token.revoke", "api_token", tid, "ok", d);
  json_decref(d);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  return api_ok(r, 200, json_pack("{s:b,s:s}", "revoked", 1, "id", tid));
}

int h_my_token_revoke(req *r) { return token_revoke(r, r->who.user_id, r->params[0]); }

int h_user_token_revoke(req *r) { return token_revoke(r, r->params[0], r->params[1]); }

/* ---- password resets ----------------------------------------------------------- */
/* Its states and steps: the transition table wf_reset (core/workflow.c). */
static const char *reset_state_label(const char *s) { return s ? wf_state_label(&wf_reset, s) : ""; }

#define RESET_COLS                                                                              \
  "x.id, x.version, x.user_id, t.login, x.state, x.dual_control, x.requested_by, "              \
  "q.login AS requester_login, x.requested_at, x.decided_by, d.login AS decider_login, "        \
  "x.decided_at, x.collected_at, x.updated_at"
#define RESET_FROM                                                                              \
  "password_resets x JOIN users t ON t.id=x.user_id LEFT JOIN users q ON q.id=x.requested_by " \
  "LEFT JOIN users d ON d.id=x.decided_by"

static void reset_fix(store_tx *tx, json_t *it, const void *ctx) {
  (void)tx;
  (void)ctx;
  json_object_set_new(it, "dual_control",
                      json_boolean(json_integer_value(json_object_get(it, "dual_control"))));
  json_object_set_new(it, "state_label",
                      json_string(reset_state_label(json_string_value(json_object_get(it, "state")))));
}

static json_t *reset_load(store_tx *tx, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  json_t *o = store_query_one(tx, "SELECT " RESET_COLS " FROM " RESET_FROM " WHERE x.id=$1", p, 1, rc);
  if (o) reset_fix(tx, o, NULL);
  return o;
}

static const arg_decl reset_args[] = {
    {.name = "state", .label = "状态", .type = ARG_ENUM, .values = wf_reset_states, .col = "state",
     .msg = "「状态」取值无效"},
    {.name = "user_id", .label = "用户", .type = ARG_ID, .flags = ARG_NONEMPTY, .col = "user_id",
     .msg = "「用户」应为记录编号"},
};
static const args_spec reset_spec = {.decls = reset_args, .n = ARGS_N(reset_args), .max = 2,
                                     .prefix = "x.", .paging = true, .keyset = true, .sort_verbatim = true,
                                     .sort_default = "x.requested_at DESC, x.id DESC"};

int h_resets_list(req *r) {
  return api_args_list(r, &reset_spec, RESET_COLS, RESET_FROM, " WHERE 1=1", NULL, 0, reset_fix, NULL);
}

int h_reset_get(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *o = reset_load(tx, r->params[0], &rc);
  store_rollback(tx);
  if (!o) return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "密码重置申请不存在");
  api_set_etag(r, json_integer_value(json_object_get(o, "version")));
  return api_ok(r, 200, o);
}

/* 403 for a 三员 account, audited as a denied reset in its own transaction. */
static int refuse_admin(req *r, const char *uid) {
  store_tx *tx;
  if (store_write(r->app->db, &tx) == STORE_OK) {
    json_t *d = json_pack("{s:s}", "reason", "admin_account");
    if (api_audit(r, tx, "user.reset_password", "user", uid, "denied", d) == STORE_OK) api_commit(r, tx);
    else store_rollback(tx);
    json_decref(d);
  }
  return api_error(r, 403, "forbidden", "",
                   "三员账号 (系统管理员、安全管理员、审计管理员) 的密码不能通过接口重置, "
                   "须在服务器上运行 xunji user passwd");
}

/* Answers a reset with its row, plus the one-time password when pw is set
 * (shown this once). Commits tx. */
static int reset_reply(req *r, store_tx *tx, const char *rid, const char *pw, int status) {
  int rc;
  json_t *o = reset_load(tx, rid, &rc);
  if (!o) {
    api_store_error(r, rc ? rc : STORE_ERR, tx);
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(o);
    return r->status;
  }
  if (pw) json_object_set_new(o, "one_time_password", json_string(pw));
  api_set_etag(r, json_integer_value(json_object_get(o, "version")));
  return api_ok(r, status, o);
}

static int reset_fail(req *r, store_tx *tx, int rc) {
  if (rc <= 0) api_store_error(r, rc ? rc : STORE_ERR, tx);
  store_rollback(tx);
  return r->status;
}

/* POST /api/v1/users/{id}/reset-password (sysadmin) */
int h_users_reset(req *r) {
  if (api_body(r, NULL, 0, true)) return r->status;
  const char *uid = r->params[0];
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval pu[] = {SV_S(uid)};
  rc = store_query_int(tx, "SELECT count(*) FROM users WHERE id=$1", pu, 1, &n);
  if (rc == STORE_OK && !n) {
    store_rollback(tx);
    return api_error(r, 404, "not_found", "", "用户不存在");
  }
  int admin = 0, dual = 1;
  if (rc == STORE_OK) rc = users_is_admin(tx, uid, &admin);
  if (rc == STORE_OK && admin) {
    store_rollback(tx);
    return refuse_admin(r, uid);
  }
  if (rc == STORE_OK) rc = security_setting(r->app, tx, &sec_settings[0], &dual);
  if (rc == STORE_OK)
    rc = store_query_int(tx,
                         "SELECT count(*) FROM password_resets WHERE user_id=$1 AND state IN "
                         WSQL_RESET_PENDING,
                         pu, 1, &n);
  if (rc == STORE_OK && n) {
    store_rollback(tx);
    return api_error(r, 409, "conflict", "", "该账号已有待审批的密码重置申请, 请等待安全管理员处理");
  }
  char rid[UUID_LEN], now[TS_LEN], pw[17] = "";
  uuid7(rid);
  ts_now(now);
  /* an approved reset never collected (its requester gone, say) gives way to the new one */
  const wf_transition *sup = wf_find(&wf_reset, ws_reset_approved.only[0], "supersede");
  sval ps[] = {SV_S(now), SV_S(uid), SV_S(sup->to)};
  if (rc == STORE_OK)
    rc = store_exec(tx,
                    "UPDATE password_resets SET state=$3, updated_at=$1, "
                    "version=version+1 WHERE user_id=$2 AND state IN " WSQL_RESET_APPROVED,
                    ps, 3, NULL);
  /* asked (the table's first state), or without dual control made and collected at once */
  const char *initial = dual ? wf_reset.states[0] : wf_find(&wf_reset, sup->from, "collect")->to;
  sval p[] = {SV_S(rid), SV_S(uid), SV_S(initial), SV_I(dual),
              SV_S(r->who.user_id), SV_S(now)};
  if (rc == STORE_OK)
    rc = store_exec(tx,
                    "INSERT INTO password_resets(id,user_id,state,dual_control,requested_by,"
                    "requested_at,updated_at,decided_at,collected_at) VALUES($1,$2,$3,$4,$5,$6,$6,"
                    "CASE WHEN $4=0 THEN $6 END, CASE WHEN $4=0 THEN $6 END)",
                    p, 6, NULL);
  json_t *d = json_pack("{s:s,s:b}", "reset_id", rid, "dual_control", dual);
  if (dual) {
    if (rc == STORE_OK) rc = api_audit(r, tx, "user.reset_password.request", "user", uid, "ok", d);
    if (rc == STORE_OK)
      rc = users_message(tx, r->who.user_id, "secadmin", "", uid, "reset_password.request",
                         "密码重置待审批: 系统管理员申请重置一个业务账号的密码", d);
  } else {
    if (rc == STORE_OK) rc = users_reset_password(r->app, tx, uid, pw);
    if (rc == STORE_OK) rc = api_audit(r, tx, "user.reset_password", "user", uid, "ok", d);
    if (rc == STORE_OK) rc = users_reset_notices(tx, r->who.user_id, uid, "系统管理员重置, 未启用双人控制");
  }
  json_decref(d);
  if (rc) {
    xwipe(pw, sizeof pw);
    return reset_fail(r, tx, rc);
  }
  int st = reset_reply(r, tx, rid, dual ? NULL : pw, dual ? 202 : 200);
  xwipe(pw, sizeof pw);
  return st;
}

/* The reset steps: the verb of wf_reset (from which state, to which: the
 * table) and the audit action. */
typedef struct reset_step {
  const char *verb, *audit;
} reset_step;
static const reset_step reset_steps[] = {
    {"approve", "user.reset_password.approve"},
    {"reject", "user.reset_password.reject"},
    {"collect", "user.reset_password"},
};

static int reset_step_run(req *r, const reset_step *st) {
  if (api_body(r, NULL, 0, true)) return r->status;
  const char *rid = r->params[0];
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *o = reset_load(tx, rid, &rc);
  if (!o) {
    store_rollback(tx);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "密码重置申请不存在");
  }
  char uid[UUID_LEN], requester[UUID_LEN] = "";
  xstrlcpy(uid, json_string_value(json_object_get(o, "user_id")), sizeof uid);
  json_t *rq = json_object_get(o, "requested_by");
  if (json_is_string(rq)) xstrlcpy(requester, json_string_value(rq), sizeof requester);
  const char *state = json_string_value(json_object_get(o, "state"));
  const wf_transition *t = wf_find(&wf_reset, state, st->verb);
  if (!t) {
    api_error(r, 409, "invalid_state", "", "当前状态为「%s」, 不能执行此操作", reset_state_label(state));
    json_decref(o);
    store_rollback(tx);
    return r->status;
  }
  json_int_t version = json_integer_value(json_object_get(o, "version"));
  json_decref(o);
  if (api_if_match(r, version)) {
    store_rollback(tx);
    return r->status;
  }
  if (!strcmp(st->verb, "collect") && strcmp(requester, r->who.user_id) != 0) {
    store_rollback(tx);
    return api_error(r, 403, "forbidden", "", "只有提出申请的系统管理员可以领取一次性密码");
  }
  int admin = 0;
  rc = users_is_admin(tx, uid, &admin);
  if (rc == STORE_OK && admin && strcmp(st->verb, "reject") != 0) {
    store_rollback(tx);
    return refuse_admin(r, uid);
  }
  char now[TS_LEN], pw[17] = "";
  ts_now(now);
  int is_collect = !strcmp(st->verb, "collect");
  sval p[] = {SV_S(t->to), SV_S(now), SV_S(rid), SV_S(r->who.user_id)};
  if (rc == STORE_OK)
    rc = store_exec(tx,
                    is_collect ? "UPDATE password_resets SET state=$1, collected_at=$2, updated_at=$2,"
                                 " version=version+1 WHERE id=$3"
                               : "UPDATE password_resets SET state=$1, decided_at=$2, decided_by=$4,"
                                 " updated_at=$2, version=version+1 WHERE id=$3",
                    p, is_collect ? 3 : 4, NULL);
  json_t *d = json_pack("{s:s}", "reset_id", rid);
  if (!strcmp(st->verb, "approve")) {
    /* takes effect now: nobody knows the new password until it is collected */
    if (rc == STORE_OK) rc = users_reset_password(r->app, tx, uid, NULL);
    if (rc == STORE_OK) rc = users_reset_notices(tx, r->who.user_id, uid, "经安全管理员批准");
    if (rc == STORE_OK && *requester)
      rc = users_message(tx, r->who.user_id, MSG_TO_USER, requester, uid, "reset_password.approve",
                         "密码重置申请已批准, 请领取一次性密码 (仅显示一次)", d);
  } else if (!strcmp(st->verb, "reject")) {
    if (rc == STORE_OK && *requester)
      rc = users_message(tx, r->who.user_id, MSG_TO_USER, requester, uid, "reset_password.reject",
                         "密码重置申请已被安全管理员驳回", d);
  } else {
    if (rc == STORE_OK) rc = users_reset_password(r->app, tx, uid, pw);
  }
  if (rc == STORE_OK) rc = api_audit(r, tx, st->audit, "user", uid, "ok", d);
  json_decref(d);
  if (rc) {
    xwipe(pw, sizeof pw);
    return reset_fail(r, tx, rc);
  }
  int status = reset_reply(r, tx, rid, is_collect ? pw : NULL, 200);
  xwipe(pw, sizeof pw);
  return status;
}

int h_reset_approve(req *r) { return reset_step_run(r, &reset_steps[0]); }
int h_reset_reject(req *r) { return reset_step_run(r, &reset_steps[1]); }
int h_reset_collect(req *r) { return reset_step_run(r, &reset_steps[2]); }
