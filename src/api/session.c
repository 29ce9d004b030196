/*
 * session.c — sign-in, server-side sessions, API tokens, the forced
 * password change, and loading a user's grants (with their HMAC tags).
 *
 * Sessions: the cookie carries 32 random bytes (hex); the database keeps
 * only HMAC-SM3(token key, cookie), so a stolen database yields no usable
 * session. Idle and absolute expiry delete the row. Each session has a CSRF
 * token that cookie-authenticated writes must echo in X-CSRF-Token.
 * Lock-out: lock_after failures, each within lock_minutes of the previous
 * one, lock the account for lock_minutes (counted atomically by one UPDATE ..
 * RETURNING in the serialized write transaction; the lock always ends).
 * Every failed sign-in (unknown login, wrong password, disabled, locked)
 * answers the same 401 body after the same work: one PBKDF2 computation and
 * one write transaction. Per source address, a per-minute cap and a growing
 * delay (sec/login_guard.h) keep one client from locking accounts out again
 * and again.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/twofa.h"
#include "api/users.h"
#include "sec/login_guard.h"
#include "sec/login_guard_db.h"
#include "sec/password.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- grants ------------------------------------------------------------------ */
void grant_tag(const app *a, const char *user_id, const char *role, const char *sk,
               const char *scope_id, char out[65]) {
  grant_tag_until(a, user_id, role, sk, scope_id, NULL, out);
}

/* A grant with an end date binds it into the tag (editing ends_at in the
 * database is detected like any edit); without one the tag is as before. */
static size_t grant_msg(char m[320], const char *user_id, const char *role, const char *sk,
                        const char *scope_id, const char *ends_at) {
  int n = ends_at && *ends_at
              ? snprintf(m, 320, "grant|%s|%s|%s|%s|%s", user_id, role, sk, scope_id, ends_at)
              : snprintf(m, 320, "grant|%s|%s|%s|%s", user_id, role, sk, scope_id);
  if (n < 0 || n >= 320) n = 319;
  return (size_t)n;
}

void grant_tag_until(const app *a, const char *user_id, const char *role, const char *sk,
                     const char *scope_id, const char *ends_at, char out[65]) {
  char m[320];
  size_t n = grant_msg(m, user_id, role, sk, scope_id, ends_at);
  row_tag(&a->keys, m, n, out); /* under the current key */
}

bool grant_tag_ok(const app *a, const char *user_id, const char *role, const char *sk,
                  const char *scope_id, const char *ends_at, const char *tag) {
  char m[320];
  size_t n = grant_msg(m, user_id, role, sk, scope_id, ends_at);
  return row_tag_ok(&a->keys, m, n, tag); /* under any key of the file (rotation) */
}

/* A row of user_roles as read; sorted in C by (granted_at, id), the order
 * the grants are loaded in (issue 15: "ORDER BY" ran a sorter on every
 * request; both columns are TEXT NOT NULL, so strcmp is SQLite's BINARY order). */
typedef struct grant_row {
  char *col[9]; /* role, scope_kind, scope_id, tag, ends_at, ended_at, end reason, granted_at, id */
} grant_row;

static int grant_row_cmp(const void *x, const void *y) {
  const grant_row *a = x, *b = y;
  int c = strcmp(a->col[7] ? a->col[7] : "", b->col[7] ? b->col[7] : "");
  return c ? c : strcmp(a->col[8] ? a->col[8] : "", b->col[8] ? b->col[8] : "");
}

int session_load_grants(app *a, store_tx *tx, const char *user_id, principal *p) {
  store_rows *rows;
  char now[TS_LEN];
  ts_now(now);
  sval prm[] = {SV_S(user_id), SV_S(now)};
  int rc = store_query(tx,
                       "SELECT g.role, g.scope_kind, g.scope_id, g.tag, g.ends_at, g.ended_at, "
                       GRANT_END_SQL ", g.granted_at, g.id FROM user_roles g WHERE g.user_id=$1",
                       prm, 2, &rows);
  if (rc) return rc;
  p->ngrants = 0;
  p->nended = 0;
  grant_row *gr = NULL;
  size_t n = 0, cap = 0;
  int s;
  while ((s = store_next(rows)) == 1) {
    if (n == cap) {
      cap = cap ? 2 * cap : 8;
      gr = xrealloc(gr, cap * sizeof *gr);
    }
    for (int c = 0; c < 9; c++) {
      const char *v = store_text(rows, c);
      gr[n].col[c] = v ? xstrdup(v) : NULL;
    }
    n++;
  }
  store_rows_close(rows);
  if (n > 1) qsort(gr, n, sizeof *gr, grant_row_cmp);
  for (size_t i = 0; s == 0 && i < n && p->ngrants < MAX_GRANTS; i++) {
    char *const *col = gr[i].col;
    const char *role = col[0], *sk = col[1], *sid = col[2], *ends = col[4];
    int ri = role_lookup(role), ski = scope_kind_lookup(sk);
    if (ri < 0 || ski < 0 || !grant_tag_ok(a, user_id, role, sk, sid, ends, col[3])) {
      fprintf(stderr, "xunji: 警告: 用户 %s 的授权记录 (%s) 完整性校验失败, 已忽略\n", user_id,
              role);
      continue;
    }
    const char *why = col[6];
    if (why && *why) { /* ended: not loaded; the first sighting is recorded */
      const char *seen = col[5];
      if (!seen || !*seen) p->nended++;
      continue;
    }
    if (ends && *ends) { /* it ends by time alone: the answer cache's bound */
      time_t t = ts_parse(ends);
      if (t <= 0) t = 1; /* unreadable: no bound can be trusted */
      if (!p->until || t < p->until) p->until = t;
    }
    grant *g = &p->grants[p->ngrants++];
    g->role = (role_id)ri;
    g->sk = (scope_kind)ski;
    xstrlcpy(g->scope_id, sid, sizeof g->scope_id);
  }
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < 9; c++) free(gr[i].col[c]);
  free(gr);
  return s < 0 ? s : STORE_OK;
}

/* Records the grants of r->who found ended and not yet recorded (ended_at,
 * end_reason), each audited once as role.end. Best effort: a failure leaves
 * them for the next request (they are refused either way). */
static void grants_record_ended(req *r) {
  store_tx *tx;
  if (store_write(r->app->db, &tx) != STORE_OK) return;
  char now[TS_LEN];
  ts_now(now);
  sval prm[] = {SV_S(r->who.user_id), SV_S(now)};
  json_t *gs = store_query_json(tx,
                                "SELECT g.id AS id, g.role AS role, " GRANT_END_SQL " AS reason "
                                "FROM user_roles g WHERE g.user_id=$1 AND g.ended_at IS NULL "
                                "ORDER BY g.id",
                                prm, 2);
  int rc = gs ? STORE_OK : STORE_ERR;
  size_t i;
  json_t *g;
  json_array_foreach(gs, i, g) {
    const char *why = json_string_value(json_object_get(g, "reason"));
    if (rc || !why) continue;
    const char *gid = json_string_value(json_object_get(g, "id"));
    sval q[] = {SV_S(now), SV_S(why), SV_S(gid)};
    rc = store_exec(tx, "UPDATE user_roles SET ended_at=$1, end_reason=$2 WHERE id=$3", q, 3, NULL);
    json_t *d = json_pack("{s:s,s:s,s:s}", "grant_id", gid, "role",
                          json_string_value(json_object_get(g, "role")), "reason", why);
    if (!rc) rc = api_audit(r, tx, "role.end", "user", r->who.user_id, "ok", d);
    json_decref(d);
  }
  json_decref(gs);
  if (rc == STORE_OK) store_commit(tx);
  else store_rollback(tx);
}

/* ---- per-source sign-in limits (sec/login_guard.c) ------------------------ */
static lg_rules guard_rules(void) {
  lg_rules ru = {cfg_int(CFG_LOGIN_PER_IP_MIN), cfg_int(CFG_LOGIN_SOURCE_FREE),
                 cfg_int(CFG_LOGIN_SOURCE_MAX_DELAY), cfg_int(CFG_LOCK_MINUTES) * 60};
  return ru;
}

/* ---- helpers ------------------------------------------------------------------ */
static void token_hash(const app *a, const char *token, char out[65]) {
  unsigned char h[SM3_LEN];
  hmac_sm3(a->keys.token, sizeof a->keys.token, token, strlen(token), h);
  hex_encode(h, SM3_LEN, out);
}

static const char *cookie_name(void) {
  return cfg_int(CFG_COOKIE_SECURE) ? "__Host-xunji" : "xunji";
}

static void set_cookie(req *r, const char *value, int clear) {
  snprintf(r->cookie, sizeof r->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
           cookie_name(), value, cfg_int(CFG_COOKIE_SECURE) ? "; Secure" : "",
           clear ? "; Max-Age=0" : "");
}

static int pw_expired(const char *changed_at) {
  long days = cfg_int(CFG_PASSWORD_MAX_AGE_DAYS);
  if (days <= 0 || !changed_at || !*changed_at) return 0;
  time_t t = ts_parse(changed_at);
  return t > 0 && xnow() - t > days * 86400;
}

static json_t *principal_json(const principal *p) {
  json_t *g = json_array();
  for (int i = 0; i < p->ngrants; i++)
    json_array_append_new(
        g, json_pack("{s:s,s:s,s:s,s:s}", "role", roles[p->grants[i].role].name, "label",
                     roles[p->grants[i].role].label, "scope_kind",
                     scope_kind_names[p->grants[i].sk], "scope_id", p->grants[i].scope_id));
  /* The actions the user's grants allow at function level (the UI's menu). */
  json_t *acts = json_array();
  for (int a = 0; a < ACTION__MAX; a++)
    if (action_names[a] && authz(p, (action_id)a, NULL))
      json_array_append_new(acts, json_string(action_names[a]));
  return json_pack("{s:s,s:s,s:s,s:b,s:o,s:o}", "id", p->user_id, "login", p->login, "name", p->name,
                   "must_change_password", p->must_change, "roles", g, "actions", acts);
}

/* Loads the user row into p (without grants); returns 1 found, 0 not, <0 error. */
static int load_user(store_tx *tx, const char *user_id, principal *p, int *disabled) {
  sval prm[] = {SV_S(user_id)};
  int rc;
  json_t *u = store_query_one(
      tx, "SELECT login, display_name, must_change, pw_changed_at, disabled FROM users WHERE id=$1",
      prm, 1, &rc);
  if (!u) return rc < 0 ? rc : 0;
  memset(p, 0, sizeof *p);
  xstrlcpy(p->user_id, user_id, sizeof p->user_id);
  xstrlcpy(p->login, json_string_value(json_object_get(u, "login")), sizeof p->login);
  xstrlcpy(p->name, json_string_value(json_object_get(u, "display_name")), sizeof p->name);
  json_t *pc = json_object_get(u, "pw_changed_at");
  p->must_change = json_integer_value(json_object_get(u, "must_change")) ||
                   pw_expired(json_is_string(pc) ? json_string_value(pc) : NULL);
  long days = cfg_int(CFG_PASSWORD_MAX_AGE_DAYS);
  if (!p->must_change && days > 0 && json_is_string(pc)) { /* when it will expire */
    time_t t = ts_parse(json_string_value(pc));
    if (t > 0) p->until = t + days * 86400 + 1;
  }
  *disabled = (int)json_integer_value(json_object_get(u, "disabled"));
  json_decref(u);
  return 1;
}

static int unauthorized(req *r, const char *code, const char *msg) {
  store_tx *tx;
  if (store_write(r->app->db, &tx) == STORE_OK) {
    json_t *d = json_pack("{s:s,s:s,s:s}", "method", r->method, "path", r->path, "reason", code);
    if (!d) d = json_object();
    if (api_audit(r, tx, "auth.denied", NULL, NULL, "denied", d) == STORE_OK) api_commit(r, tx);
    else store_rollback(tx);
    json_decref(d);
  }
  return api_error(r, 401, code, "", "%s", msg);
}

static const char *find_cookie(req *r, char *out, size_t outlen) {
  const char *v = req_cookie(r, cookie_name());
  if (!v || xstrlcpy(out, v, outlen)) return NULL;
  return out;
}

/* The one reading of a request's credential: 'T' with *tok a well-formed API
 * token, 'X' for a Bearer header that is not one, 'C' with cookie holding a
 * well-formed session cookie, 0 for none. */
static int credential_of(req *r, const char **tok, char cookie[80]) {
  const char *authz_h = req_header(r, "Authorization");
  if (authz_h && strncasecmp(authz_h, "Bearer ", 7) == 0) {
    *tok = authz_h + 7;
    return strlen(*tok) == 67 && strncmp(*tok, "xj_", 3) == 0 ? 'T' : 'X';
  }
  return find_cookie(r, cookie, 80) && strlen(cookie) == 64 ? 'C' : 0;
}

bool session_credential(req *r, char out[67]) {
  const char *tok = NULL;
  char cookie[80];
  int k = credential_of(r, &tok, cookie);
  if (k != 'T' && k != 'C') return false;
  out[0] = (char)k;
  token_hash(r->app, k == 'T' ? tok : cookie, out + 1);
  return true;
}

/* The earlier of *until and t (t <= 0: none). */
static void until_min(time_t *until, time_t t) {
  if (t > 0 && t < *until) *until = t;
}

/* ---- authentication of each request --------------------------------------- */
/* Besides deciding, it sets r->auth_until: the time from which the same
 * credential could be decided otherwise with no commit in between (an
 * expiry, a last use due to be written, a grant's end, the password's
 * expiry, a second factor no longer fresh); the answer cache serves nothing
 * past it. A last use written here (a quiet commit, read by no kept answer)
 * counts from now; 0 when writing it failed. A request renewing a kept
 * answer (r->arefresh, api/answers.c) writes the last use that many seconds
 * before it is due, so the renewed answer lives a full minute. */
int session_authenticate(req *r) {
  app *a = r->app;
  char cookie[80];
  time_t now = xnow();
  store_tx *tx;
  int rc;
  const char *tok = NULL;
  int kind = credential_of(r, &tok, cookie);
  if (kind == 'T' || kind == 'X') {
    if (kind == 'X') return unauthorized(r, "invalid_token", "API 令牌无效");
    char h[65];
    token_hash(a, tok, h);
    if ((rc = store_read(a->db, &tx))) return api_store_error(r, rc, NULL);
    sval prm[] = {SV_S(h), SV_I(now)};
    json_t *t = store_query_one(tx,
                                "SELECT id, user_id, last_used_at, scope, expires_at FROM api_tokens "
                                "WHERE token_hash=$1 AND revoked=0 AND expires_at > $2",
                                prm, 2, &rc);
    const char *uid = t ? json_string_value(json_object_get(t, "user_id")) : NULL;
    int disabled = 0, found = 0;
    if (rc >= 0 && uid) found = load_user(tx, uid, &r->who, &disabled);
    if (found == 1 && !disabled) rc = session_load_grants(a, tx, uid, &r->who);
    if (found == 1 && !disabled && rc >= 0) rc = twofa_load(r, tx);
    store_rollback(tx);
    if (rc < 0) {
      json_decref(t);
      return api_store_error(r, rc, NULL);
    }
    if (found != 1 || disabled) {
      json_decref(t);
      return unauthorized(r, "invalid_token", "API 令牌无效、已吊销或已过期");
    }
    /* a token is bound to a user with 2FA (token_requires_2fa) and carries a scope */
    if (cfg_int(CFG_TOKEN_REQUIRES_2FA) && !r->has_2fa) {
      json_decref(t);
      return unauthorized(r, "invalid_token", "API 令牌的所有者未启用双因素认证, 令牌无效");
    }
    xstrlcpy(r->token_scope, json_string_value(json_object_get(t, "scope")), sizeof r->token_scope);
    r->via_token = true;
    r->must_enrol = false; /* scripts cannot enrol; the owner has 2FA when tokens need it */
    /* last use, at most once a minute (listed by GET /api/v1/me/tokens) */
    json_t *lu = json_object_get(t, "last_used_at");
    time_t used = json_is_string(lu) ? ts_parse(json_string_value(lu)) : 0;
    bool due = !json_is_string(lu) || now - used >= 60 - r->arefresh, stamped = false;
    if (due && store_write(a->db, &tx) == STORE_OK) {
      char ts[TS_LEN];
      ts_now(ts);
      sval p2[] = {SV_S(ts), SV_S(json_string_value(json_object_get(t, "id")))};
      store_tx_quiet(tx); /* read by no kept answer (api/answers.c) */
      if (store_exec(tx, "UPDATE api_tokens SET last_used_at=$1 WHERE id=$2", p2, 2, NULL) == STORE_OK)
        stamped = store_commit(tx) == STORE_OK;
      else
        store_rollback(tx);
    }
    r->auth_until = 0;
    if (!due || stamped) {
      r->auth_until = (time_t)json_integer_value(json_object_get(t, "expires_at"));
      until_min(&r->auth_until, (stamped ? now : used) + 60);
      until_min(&r->auth_until, (time_t)r->who.until);
    }
    json_decref(t);
    r->who.must_change = false; /* tokens are for scripts; the owner's password state is separate */
    r->authed = true;
    if (r->who.nended) grants_record_ended(r);
    return 0;
  }
  if (kind != 'C') return unauthorized(r, "unauthenticated", "请先登录");
  token_hash(a, cookie, r->sid_hash);
  if ((rc = store_read(a->db, &tx))) return api_store_error(r, rc, NULL);
  sval prm[] = {SV_S(r->sid_hash)};
  json_t *s = store_query_one(
      tx, "SELECT user_id, csrf, created_at, last_seen, verified_until FROM sessions WHERE id_hash=$1",
      prm, 1, &rc);
  int found = 0, disabled = 0;
  int64_t created = 0, last = 0, verified_until = 0;
  if (s) {
    created = json_integer_value(json_object_get(s, "created_at"));
    last = json_integer_value(json_object_get(s, "last_seen"));
    xstrlcpy(r->csrf, json_string_value(json_object_get(s, "csrf")), sizeof r->csrf);
    found = load_user(tx, json_string_value(json_object_get(s, "user_id")), &r->who, &disabled);
    if (found == 1) rc = session_load_grants(a, tx, r->who.user_id, &r->who);
    if (found == 1 && rc >= 0) rc = twofa_load(r, tx);
    verified_until = json_integer_value(json_object_get(s, "verified_until"));
    r->fresh_2fa = verified_until > now;
  }
  store_rollback(tx);
  json_decref(s);
  if (rc < 0) return api_store_error(r, rc, NULL);
  int expired = found == 1 && (now - last > cfg_int(CFG_SESSION_IDLE_MIN) * 60 ||
                               now - created > cfg_int(CFG_SESSION_MAX_HOURS) * 3600);
  if (found != 1 || disabled || expired) {
    if (s && store_write(a->db, &tx) == STORE_OK) {
      store_exec(tx, "DELETE FROM sessions WHERE id_hash=$1", prm, 1, NULL);
      store_commit(tx);
    }
    set_cookie(r, "", 1);
    return unauthorized(r, "session_expired", s ? "会话已过期, 请重新登录" : "请先登录");
  }
  bool due = now - last >= 60 - r->arefresh, stamped = false;
  if (due && store_write(a->db, &tx) == STORE_OK) {
    sval p2[] = {SV_I(now), SV_S(r->sid_hash)};
    store_tx_quiet(tx); /* read by no kept answer (api/answers.c) */
    if (store_exec(tx, "UPDATE sessions SET last_seen=$1 WHERE id_hash=$2", p2, 2, NULL) == STORE_OK)
      stamped = store_commit(tx) == STORE_OK;
    else
      store_rollback(tx);
  }
  r->auth_until = 0;
  if (!due || stamped) {
    int64_t seen = stamped ? (int64_t)now : last;
    r->auth_until = (time_t)seen + 60; /* then last_seen is written again */
    until_min(&r->auth_until, (time_t)(seen + cfg_int(CFG_SESSION_IDLE_MIN) * 60 + 1));
    until_min(&r->auth_until, (time_t)(created + cfg_int(CFG_SESSION_MAX_HOURS) * 3600 + 1));
    if (r->fresh_2fa) until_min(&r->auth_until, (time_t)verified_until);
    until_min(&r->auth_until, (time_t)r->who.until);
  }
  r->authed = true;
  r->via_cookie = true;
  if (r->who.nended) grants_record_ended(r);
  return 0;
}

/* ---- POST /api/v1/auth/login -------------------------------------------------- */
static const field login_fields[] = {
    {.name = "login", .label = "登录名", .type = FT_TEXT, .flags = F_REQUIRED, .max = 64},
    {.name = "password", .label = "密码", .type = FT_MEMO, .flags = F_REQUIRED | F_VERBATIM,
     .max = 128},
    {.name = "otp", .label = "动态口令", .type = FT_TEXT, .max = 8},
    {.name = "recovery_code", .label = "恢复码", .type = FT_TEXT, .max = 32},
};

/* A valid hash of a random password: unknown logins cost the same PBKDF2 work. */
static char dummy_hash[PW_HASH_MAX];
static pthread_mutex_t dummy_mu = PTHREAD_MUTEX_INITIALIZER;
/* Made at the first sign-in; a failed hash is tried again at the next. */
static int dummy_ready(void) {
  pthread_mutex_lock(&dummy_mu);
  if (!dummy_hash[0]) {
    char pw[17];
    pw_generate(pw);
    if (pw_hash(pw, (unsigned)cfg_int(CFG_PBKDF2_ITER), dummy_hash)) dummy_hash[0] = '\0';
    xwipe(pw, sizeof pw);
  }
  int ok = dummy_hash[0] != '\0';
  pthread_mutex_unlock(&dummy_mu);
  return ok;
}

/* One atomic step in the serialized write transaction: count the failure
 * (a new series once the previous failure is older than lock_minutes) and
 * lock on reaching lock_after; a locked account counts nothing (*n = 0). */
static int count_failure(store_tx *tx, const char *uid, time_t now, int64_t *n) {
  long lock_s = cfg_int(CFG_LOCK_MINUTES) * 60;
  sval p2[] = {SV_S(uid), SV_I(now), SV_I(now - lock_s), SV_I(cfg_int(CFG_LOCK_AFTER)),
               SV_I(now + lock_s)};
  *n = 0;
  return store_query_int(tx,
                         "UPDATE users SET "
                         "failed_count = CASE WHEN failed_at <= $3 THEN 1 ELSE failed_count + 1 END, "
                         "locked_until = CASE WHEN (CASE WHEN failed_at <= $3 THEN 1 "
                         "ELSE failed_count + 1 END) >= $4 THEN $5 ELSE 0 END, "
                         "failed_at = $2 "
                         "WHERE id=$1 AND locked_until <= $2 RETURNING failed_count",
                         p2, 5, n);
}

/* The one answer to every failed sign-in, whatever the reason. */
static int login_failed(req *r) {
  return api_error(r, 401, "login_failed", "login",
                   "登录名或密码错误 (连续失败 %ld 次的账号将锁定 %ld 分钟)", cfg_int(CFG_LOCK_AFTER),
                   cfg_int(CFG_LOCK_MINUTES));
}

int h_login(req *r) {
  app *a = r->app;
  if (api_body(r, login_fields, 4, false)) return r->status;
  if (!dummy_ready()) return api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  /* the real client: behind a trusted proxy, the address it forwarded (server.c) */
  const char *src = r->client_ip[0] ? r->client_ip : r->ip[0] ? r->ip : "-";
  lg_rules ru = guard_rules();
  /* several servers on one PostgreSQL count an address's attempts together
   * (the database's table); one SQLite server keeps them in memory */
  bool shared = !strcmp(store_backend(a->db), "postgresql");
  long wait = shared ? login_guard_db_begin(a->db, src, login_guard_now(), &ru)
                     : login_guard_begin(src, login_guard_now(), &ru);
  if (wait < 0) return api_error(r, 503, "busy", "", "服务器繁忙, 请稍后再试");
  if (wait > 0)
    return api_error(r, 429, "too_many_attempts", "", "登录尝试过于频繁, 请 %ld 秒后再试", wait);
  char login[65];
  xstrlcpy(login, json_string_value(json_object_get(r->in, "login")), sizeof login);
  for (char *c = login; *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  const char *pw = json_string_value(json_object_get(r->in, "password"));

  store_tx *tx;
  int rc;
  if ((rc = store_read(a->db, &tx))) return api_store_error(r, rc, NULL);
  sval prm[] = {SV_S(login)};
  json_t *u = store_query_one(
      tx, "SELECT id, pw_hash, disabled, locked_until FROM users WHERE login=$1", prm, 1, &rc);
  store_rollback(tx);
  if (rc < 0) return api_store_error(r, rc, NULL);

  /* Exactly one PBKDF2 computation whatever the account's state. */
  const char *uid = u ? json_string_value(json_object_get(u, "id")) : NULL;
  json_t *hv = u ? json_object_get(u, "pw_hash") : NULL;
  const char *stored = json_is_string(hv) ? json_string_value(hv) : dummy_hash;
  int ok = pw_verify(pw, stored) && u && json_is_string(hv);
  int disabled = u && json_integer_value(json_object_get(u, "disabled"));

  if ((rc = store_write(a->db, &tx))) {
    json_decref(u);
    return api_store_error(r, rc, NULL);
  }
  time_t now = xnow();
  xstrlcpy(r->who.login, login, sizeof r->who.login); /* for the audit entry of a failure */
  const char *reason = NULL;
  int verified = 0, used_recovery = 0;
  char ts[TS_LEN];
  ts_now(ts);
  if (!u) {
    reason = "unknown_login";
  } else if (disabled) {
    reason = "disabled";
  } else if (!ok) {
    int64_t n = 0;
    rc = count_failure(tx, uid, now, &n);
    reason = n == 0 ? "locked" : n >= cfg_int(CFG_LOCK_AFTER) ? "wrong_password_locked"
                                                               : "wrong_password";
  } else if (json_integer_value(json_object_get(u, "locked_until")) > now) {
    reason = "locked";
  } else {
    /* The right password. A 三员 signs in only from admin_networks, and with
     * a TOTP code (or a recovery code) once enrolled; anyone enrolled may
     * give a code, which then counts as a step-up. A wrong code counts as
     * a failed sign-in (6 digits must not be guessable by many tries). */
    int dis2 = 0;
    rc = load_user(tx, uid, &r->who, &dis2) == 1 ? STORE_OK : STORE_ERR;
    if (rc == STORE_OK) rc = session_load_grants(a, tx, uid, &r->who);
    if (rc == STORE_OK) rc = twofa_load(r, tx);
    bool admin = principal_is_admin(&r->who);
    const char *otp = json_string_value(json_object_get(r->in, "otp"));
    const char *rec = json_string_value(json_object_get(r->in, "recovery_code"));
    if (rc != STORE_OK) {
    } else if (admin && !twofa_admin_address_ok(src)) {
      reason = "address_not_allowed";
    } else if (r->has_2fa && (otp || rec || admin)) {
      if (!otp && !rec) {
        reason = "otp_required";
      } else {
        const char *why = NULL;
        int okc = otp ? twofa_check(r, tx, uid, otp, true, &why)
                      : twofa_recovery(r, tx, uid, rec, &why);
        if (okc < 0) {
          rc = okc;
        } else if (!okc) {
          int64_t n = 0;
          rc = count_failure(tx, uid, now, &n);
          reason = n == 0                               ? "locked"
                   : !strcmp(why, "replayed")           ? "otp_replayed"
                   : !strcmp(why, "wrong_recovery_code") ? "otp_wrong_recovery_code"
                                                         : "otp_wrong_code";
        } else {
          verified = 1;
          used_recovery = rec != NULL && otp == NULL;
        }
      }
    }
  }
  if (rc == STORE_OK && !reason && ok && u && !disabled) {
    /* Right password: signs in unless the account is locked (checked in the
     * same serialized write as the failure counting above). */
    int dormant = 0; /* unused for account_dormant_days: disabled now (api/users.c) */
    rc = users_dormant_check(r, tx, uid, &dormant);
    if (rc == STORE_OK && dormant) reason = "dormant";
    sval p3[] = {SV_S(ts), SV_S(uid), SV_I(now)};
    int64_t n = 0;
    if (rc == STORE_OK && !dormant)
      rc = store_exec(tx,
                    "UPDATE users SET failed_count=0, failed_at=0, locked_until=0, "
                    "last_login_at=$1 WHERE id=$2 AND locked_until <= $3",
                    p3, 3, &n);
    if (rc == STORE_OK && n == 0 && !dormant) reason = "locked";
  }
  if (rc != STORE_OK) {
    store_rollback(tx);
    json_decref(u);
    return api_store_error(r, rc, NULL);
  }
  if (reason) {
    json_t *d = json_pack("{s:s}", "reason", reason);
    memset(&r->who, 0, sizeof r->who);
    xstrlcpy(r->who.login, login, sizeof r->who.login);
    rc = api_audit(r, tx, "auth.login", "user", uid, "failed", d);
    json_decref(d);
    json_decref(u);
    if (rc != STORE_OK) {
      store_rollback(tx);
      return api_store_error(r, rc, NULL);
    }
    if (api_commit(r, tx) != STORE_OK) return r->status;
    if (!strcmp(reason, "otp_required"))
      return api_error(r, 401, "otp_required", "otp", "请输入动态口令 (或一次性恢复码)");
    if (!strncmp(reason, "otp_", 4))
      return api_error(r, 401, "otp_invalid", "otp", "动态口令错误、已使用过或已过期");
    return login_failed(r);
  }
  unsigned char raw[32], craw[32];
  char token[65], csrf[65], h[65];
  rand_bytes(raw, sizeof raw);
  rand_bytes(craw, sizeof craw);
  hex_encode(raw, sizeof raw, token);
  hex_encode(craw, sizeof craw, csrf);
  token_hash(a, token, h);
  char sid[UUID_LEN];
  uuid7(sid);
  sval p2[] = {SV_S(h),   SV_S(uid), SV_S(csrf), SV_I(now), SV_I(now), SV_S(sid),
               SV_S(src), SV_I(verified ? now + cfg_int(CFG_STEP_UP_MINUTES) * 60 : 0)};
  rc = store_exec(tx,
                  "INSERT INTO sessions(id_hash,user_id,csrf,created_at,last_seen,sid,ip,"
                  "verified_until) VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
                  p2, 8, NULL);
  /* at most max_sessions per account: the oldest end */
  if (rc == STORE_OK) rc = twofa_session_limit(tx, uid);
  r->authed = true;
  r->fresh_2fa = verified;
  json_t *okd = json_pack("{s:s,s:s}", "session", sid, "second_factor",
                          used_recovery ? "recovery_code" : verified ? "totp" : "none");
  if (rc == STORE_OK) rc = api_audit(r, tx, "auth.login", "user", uid, "ok", okd);
  json_decref(okd);
  json_decref(u);
  if (rc != STORE_OK) {
    store_rollback(tx);
    xwipe(token, sizeof token);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx) != STORE_OK) {
    xwipe(token, sizeof token);
    return r->status;
  }
  if (shared) (void)login_guard_db_success(a->db, src, login_guard_now(), &ru);
  else login_guard_success(src, login_guard_now(), &ru);
  set_cookie(r, token, 0);
  xwipe(token, sizeof token);
  xwipe(raw, sizeof raw);
  return api_ok(r, 200,
                json_pack("{s:o,s:s,s:b,s:b,s:b}", "user", principal_json(&r->who), "csrf_token",
                          csrf, "must_change_password", r->who.must_change, "must_enrol_2fa",
                          r->must_enrol, "two_factor", r->has_2fa));
}

/* ---- logout, me, password ----------------------------------------------------- */
int h_logout(req *r) {
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  if (r->via_cookie) {
    sval p[] = {SV_S(r->sid_hash)};
    rc = store_exec(tx, "DELETE FROM sessions WHERE id_hash=$1", p, 1, NULL);
  }
  if (rc == STORE_OK) rc = api_audit(r, tx, "auth.logout", "user", r->who.user_id, "ok", NULL);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  set_cookie(r, "", 1);
  return api_ok(r, 200, json_pack("{s:b}", "ok", 1));
}

int h_me(req *r) {
  json_t *o = principal_json(&r->who);
  json_object_set_new(o, "two_factor", json_boolean(r->has_2fa));
  json_object_set_new(o, "must_enrol_2fa", json_boolean(r->must_enrol));
  if (r->via_cookie) json_object_set_new(o, "csrf_token", json_string(r->csrf));
  return api_ok(r, 200, o);
}

static const field pw_fields[] = {
    {.name = "old_password", .label = "原密码", .type = FT_MEMO, .flags = F_REQUIRED | F_VERBATIM,
     .max = 128},
    {.name = "new_password", .label = "新密码", .type = FT_MEMO, .flags = F_REQUIRED | F_VERBATIM,
     .max = 128},
};

int h_password(req *r) {
  if (api_body(r, pw_fields, 2, false)) return r->status;
  const char *oldp = json_string_value(json_object_get(r->in, "old_password"));
  const char *newp = json_string_value(json_object_get(r->in, "new_password"));
  store_tx *tx;
  int rc;
  if ((rc = store_read(r->app->db, &tx))) return api_store_error(r, rc, NULL);
  char *stored = NULL;
  sval p[] = {SV_S(r->who.user_id)};
  rc = store_query_text(tx, "SELECT pw_hash FROM users WHERE id=$1", p, 1, &stored);
  store_rollback(tx);
  if (rc) return api_store_error(r, rc, NULL);
  int ok = stored && pw_verify(oldp, stored);
  free(stored);
  if (!ok) return api_error(r, 400, "invalid_field", "old_password", "原密码不正确");
  const char *why = pw_policy(newp, r->who.login);
  if (why) return api_error(r, 400, "weak_password", "new_password", "%s", why);
  if (strcmp(oldp, newp) == 0)
    return api_error(r, 400, "weak_password", "new_password", "新密码不得与原密码相同");
  char h[PW_HASH_MAX], ts[TS_LEN];
  if (pw_hash(newp, (unsigned)cfg_int(CFG_PBKDF2_ITER), h))
    return api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  if ((rc = store_write(r->app->db, &tx))) return api_store_error(r, rc, NULL);
  ts_now(ts);
  sval p2[] = {SV_S(h), SV_S(ts), SV_S(r->who.user_id)};
  rc = store_exec(tx,
                  "UPDATE users SET pw_hash=$1, must_change=0, pw_changed_at=$2, "
                  "version=version+1, updated_at=$2 WHERE id=$3",
                  p2, 3, NULL);
  /* Other sessions of this user end: a changed password revokes them. */
  sval p3[] = {SV_S(r->who.user_id), SV_S(r->sid_hash)};
  if (rc == STORE_OK)
    rc = store_exec(tx, "DELETE FROM sessions WHERE user_id=$1 AND id_hash<>$2", p3, 2, NULL);
  if (rc == STORE_OK) rc = api_audit(r, tx, "auth.password", "user", r->who.user_id, "ok", NULL);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  r->who.must_change = false;
  return api_ok(r, 200, principal_json(&r->who));
}
