/*
 * twofa.c — issue 18 items 1 and 6: the second factor (TOTP, sec/totp.h),
 * recovery codes, the step-up that sensitive routes (RF_2FA) and reveals of
 * sealed fields need, API token scopes, and the user's own sessions.
 *
 * A user's TOTP secret is 20 random bytes, sealed at rest (field_seal,
 * context "user:<id>:totp"). Enrolment answers the secret (base32), the
 * otpauth:// URI and its QR code (SVG, libqrencode) and ten recovery codes
 * shown once and stored only as PBKDF2 hashes; confirming a code turns TOTP
 * on. Every code accepted moves user_totp.last_step forward in the serialized
 * write transaction, so a code (its time step) works once: a replay is
 * refused. Every refusal is audited ("auth.2fa", result failed, detail
 * {purpose, reason}); neither the code nor the secret is ever logged.
 *
 * Fresh second factor (r->fresh_2fa): a session's step-up (POST
 * /api/v1/me/2fa/verify, or the code given at sign-in or at confirmation)
 * lasts step_up_minutes; a code in the X-Xunji-OTP header counts for that
 * one request. An API token is fresh only for the actions its scope names.
 */
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/twofa.h"
#include "domain/reports/reports.h"
#include "sec/audit_export.h"
#include "http/netaddr.h"
#include "sec/crypto.h"
#include "sec/password.h"
#include "sec/totp.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

enum { RECOVERY_CODES = 10 };

bool principal_is_admin(const principal *p) {
  for (int i = 0; i < p->ngrants; i++)
    if (p->grants[i].role == R_SYSADMIN || p->grants[i].role == R_SECADMIN ||
        p->grants[i].role == R_AUDITADMIN)
      return true;
  return false;
}

static void totp_ctx(const char *uid, char out[96]) { snprintf(out, 96, "user:%s:totp", uid); }

int twofa_load(req *r, store_tx *tx) {
  int64_t n = 0;
  sval p[] = {SV_S(r->who.user_id)};
  int rc = store_query_int(tx, "SELECT count(*) FROM user_totp WHERE user_id=$1 AND enabled=1", p,
                           1, &n);
  if (rc) return rc;
  r->has_2fa = n > 0;
  r->must_enrol = !r->has_2fa && cfg_int(CFG_REQUIRE_2FA_ADMIN) && principal_is_admin(&r->who);
  return STORE_OK;
}

bool twofa_admin_address_ok(const char *ip) {
  const char *nets = cfg_str(CFG_ADMIN_NETWORKS);
  if (!*nets) return true;
  net_range *nr = NULL;
  char err[256];
  int n = net_ranges_parse(nets, &nr, err, sizeof err);
  bool ok = n > 0 && ip && net_ranges_match(nr, n, ip);
  free(nr);
  return ok;
}

/* ---- checking a code ----------------------------------------------------------- */
static int audit_2fa(req *r, store_tx *tx, const char *purpose, const char *reason) {
  json_t *d = reason ? json_pack("{s:s,s:s}", "purpose", purpose, "reason", reason)
                     : json_pack("{s:s}", "purpose", purpose);
  int rc = api_audit(r, tx, "auth.2fa", "user", r->who.user_id[0] ? r->who.user_id : NULL,
                     reason ? "failed" : "ok", d);
  json_decref(d);
  return rc;
}

int twofa_check(req *r, store_tx *tx, const char *uid, const char *code, bool enabled,
                const char **reason) {
  sval p[] = {SV_S(uid), SV_I(enabled ? 1 : 0)};
  int rc;
  json_t *row = store_query_one(tx,
                                "SELECT secret_enc, alg, digits, period, last_step FROM user_totp "
                                "WHERE user_id=$1 AND enabled=$2",
                                p, 2, &rc);
  *reason = NULL;
  if (!row) {
    if (rc < 0) return rc;
    *reason = "not_enrolled";
    return 0;
  }
  char ctx[96];
  totp_ctx(uid, ctx);
  char *b32 = field_open(&r->app->keys, ctx, json_string_value(json_object_get(row, "secret_enc")));
  unsigned char key[64];
  int klen = b32 ? b32_decode(b32, key, sizeof key) : -1;
  if (b32) {
    xwipe(b32, strlen(b32));
    free(b32);
  }
  int alg = totp_alg_lookup(json_string_value(json_object_get(row, "alg")));
  int64_t step = -1;
  if (klen <= 0 || alg < 0) {
    fprintf(stderr, "xunji: %s 用户 %s 的动态口令密钥校验失败\n", r->id, uid);
    *reason = "secret_altered";
  } else {
    step = totp_check((totp_alg)alg, key, (size_t)klen, code, xnow(),
                      (int)json_integer_value(json_object_get(row, "period")),
                      (int)json_integer_value(json_object_get(row, "digits")),
                      (int)cfg_int(CFG_TOTP_WINDOW),
                      json_integer_value(json_object_get(row, "last_step")));
    if (step == -1) *reason = "wrong_code";
    else if (step == -2) *reason = "replayed";
    else if (step < 0) *reason = "malformed";
  }
  xwipe(key, sizeof key);
  json_decref(row);
  if (*reason) return 0;
  /* the step is used up; a concurrent request with the same code finds it taken */
  sval p2[] = {SV_I(step), SV_S(uid)};
  int64_t n = 0;
  rc = store_exec(tx, "UPDATE user_totp SET last_step=$1 WHERE user_id=$2 AND last_step < $1", p2,
                  2, &n);
  if (rc) return rc;
  if (n == 0) {
    *reason = "replayed";
    return 0;
  }
  return 1;
}

int twofa_recovery(req *r, store_tx *tx, const char *uid, const char *code, const char **reason) {
  (void)r;
  *reason = "wrong_recovery_code";
  if (!code || strlen(code) > 32) return 0;
  sval p[] = {SV_S(uid)};
  json_t *rows = store_query_json(tx,
                                  "SELECT id, code_hash FROM totp_recovery WHERE user_id=$1 AND "
                                  "used_at IS NULL ORDER BY id",
                                  p, 1);
  if (!rows) return STORE_ERR;
  size_t i;
  json_t *it;
  const char *hit = NULL;
  json_array_foreach(rows, i, it) {
    if (pw_verify(code, json_string_value(json_object_get(it, "code_hash")))) {
      hit = json_string_value(json_object_get(it, "id"));
      break;
    }
  }
  int rc = 0;
  if (hit) {
    char now[TS_LEN];
    ts_now(now);
    sval p2[] = {SV_S(now), SV_S(hit)};
    int64_t n = 0;
    rc = store_exec(tx, "UPDATE totp_recovery SET used_at=$1 WHERE id=$2 AND used_at IS NULL", p2,
                    2, &n);
    if (rc == STORE_OK && n == 1) {
      *reason = NULL;
      rc = 1;
    }
  }
  json_decref(rows);
  return rc;
}

/* Marks the session verified for step_up_minutes. */
static int step_up(req *r, store_tx *tx) {
  if (!r->via_cookie) return STORE_OK;
  sval p[] = {SV_I(xnow() + cfg_int(CFG_STEP_UP_MINUTES) * 60), SV_S(r->sid_hash)};
  return store_exec(tx, "UPDATE sessions SET verified_until=$1 WHERE id_hash=$2", p, 2, NULL);
}

static int refused(req *r, const char *reason, const char *fld) {
  if (reason && !strcmp(reason, "not_enrolled"))
    return api_error(r, 403, "2fa_required", fld, "尚未启用双因素认证, 请先在「我的账号」中绑定动态口令");
  if (reason && !strcmp(reason, "replayed"))
    return api_error(r, 403, "otp_replayed", fld, "该动态口令已使用过, 请等待下一个动态口令");
  return api_error(r, 403, "otp_invalid", fld, "动态口令错误或已过期");
}

/* Checks code in its own write transaction (audited either way). 0 on
 * success, else the reply status. */
static int verify_alone(req *r, const char *code, bool enabled, const char *purpose,
                        const char *fld, bool mark_session) {
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *reason = NULL;
  int ok = twofa_check(r, tx, r->who.user_id, code, enabled, &reason);
  if (ok < 0) {
    store_rollback(tx);
    return api_store_error(r, ok, NULL);
  }
  rc = audit_2fa(r, tx, purpose, ok ? NULL : reason);
  if (rc == STORE_OK && ok && mark_session) rc = step_up(r, tx);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  if (!ok) return refused(r, reason, fld);
  return 0;
}

/* ---- the choke point's part (api_prepare) ------------------------------------- */
static bool scope_names(const char *scope, const char *name) {
  size_t n = strlen(name);
  for (const char *s = scope; *s;) {
    const char *e = strchr(s, ',');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    if (l == n && !strncmp(s, name, n)) return true;
    if (!e) break;
    s = e + 1;
  }
  return false;
}

bool twofa_scope_valid(const char *scope) {
  if (!*scope || strlen(scope) >= 512) return false;
  for (const char *s = scope; *s;) {
    const char *e = strchr(s, ',');
    size_t l = e ? (size_t)(e - s) : strlen(s);
    bool ok = (l == 4 && !strncmp(s, "read", 4)) || (l == 3 && !strncmp(s, "all", 3));
    for (int a = 0; !ok && a < ACTION__MAX; a++)
      ok = action_names[a] && strlen(action_names[a]) == l && !strncmp(s, action_names[a], l);
    if (!ok) return false;
    if (!e) break;
    s = e + 1;
  }
  return true;
}

int twofa_prepare(req *r) {
  const route *rt = r->route;
  bool write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
  if (r->via_token) {
    /* a token acts only within its scope */
    const char *sc = r->token_scope;
    bool named = scope_names(sc, action_names[rt->act]);
    bool ok = scope_names(sc, "all") || named || (!write && scope_names(sc, "read")) ||
              rt->act == A_SELF;
    if (rt->flags & RF_2FA) ok = named; /* a sensitive action must be named */
    if (!ok) {
      api_deny(r, rt->act, NULL, NULL, 0);
      return api_error(r, 403, "token_scope", "", "API 令牌的授权范围不含此操作 (%s)",
                       action_names[rt->act]);
    }
    r->fresh_2fa = named;
    return 0;
  }
  if (r->must_enrol && !(rt->flags & RF_ENROL))
    return api_error(r, 403, "2fa_enrol_required", "", "三员账号须先绑定动态口令 (双因素认证) 才能继续");
  const char *hdr = req_header(r, "X-Xunji-OTP");
  if (hdr && (rt->flags & (RF_2FA | RF_REVEAL)) && !r->fresh_2fa) {
    if (verify_alone(r, hdr, true, "header", "X-Xunji-OTP", false)) return r->status;
    r->fresh_2fa = true;
  }
  if ((rt->flags & RF_2FA) && cfg_int(CFG_REQUIRE_2FA_SENSITIVE) && !r->fresh_2fa)
    return twofa_required(r);
  return 0;
}

int twofa_required(req *r) {
  if (!r->has_2fa)
    return api_error(r, 403, "2fa_required", "X-Xunji-OTP",
                     "此操作须双因素认证: 请先在「我的账号」中绑定动态口令");
  return api_error(r, 403, "2fa_required", "X-Xunji-OTP",
                   "此操作须验证动态口令: 请在 X-Xunji-OTP 请求头中提供, 或先验证动态口令");
}

bool twofa_reveal_ok(req *r, action_id a) {
  if (!cfg_int(CFG_REQUIRE_2FA_SENSITIVE)) return true;
  if (r->via_token) return scope_names(r->token_scope, action_names[a]);
  return r->fresh_2fa;
}

/* ---- enrolment ----------------------------------------------------------------- */
static json_t *qr_svg(const char *text) {
  QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!q) return json_null();
  int w = q->width, m = 4;
  buf b;
  buf_init(&b, 1 << 20);
  buf_addf(&b,
           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
           "shape-rendering=\"crispEdges\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
           "<path fill=\"#000\" d=\"",
           w + 2 * m, w + 2 * m);
  for (int y = 0; y < w; y++)
    for (int x = 0; x < w; x++)
      if (q->data[y * w + x] & 1) buf_addf(&b, "M%d %dh1v1h-1z", x + m, y + m);
  buf_adds(&b, "\"/></svg>");
  QRcode_free(q);
  json_t *s = buf_failed(&b) ? json_null() : json_string(buf_str(&b));
  buf_free(&b);
  return s;
}

/* Percent-encodes s for a URI component into b. */
static void uri_add(buf *b, const char *s) {
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
        *c == '-' || *c == '.' || *c == '_' || *c == '~')
      buf_add(b, c, 1);
    else
      buf_addf(b, "%%%02X", *c);
  }
}

static void recovery_code(char out[12]) {
  static const char al[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no 0/o, 1/l/i */
  unsigned char raw[10];
  rand_bytes(raw, sizeof raw);
  int o = 0;
  for (int i = 0; i < 10; i++) {
    if (i == 5) out[o++] = '-';
    out[o++] = al[raw[i] % (sizeof al - 1)];
  }
  out[o] = '\0';
  xwipe(raw, sizeof raw);
}

int h_2fa_enrol(req *r) {
  const char *uid = r->who.user_id;
  if (r->has_2fa)
    return api_error(r, 409, "conflict", "", "已启用双因素认证; 如须更换, 请先用动态口令停用");
  unsigned char secret[TOTP_SECRET_LEN];
  rand_bytes(secret, sizeof secret);
  char b32[TOTP_B32_MAX], ctx[96];
  b32_encode(secret, sizeof secret, b32, sizeof b32);
  xwipe(secret, sizeof secret);
  totp_ctx(uid, ctx);
  char *sealed = field_seal(&r->app->keys, ctx, b32);
  const char *alg = cfg_str(CFG_TOTP_ALG);
  char algl[16];
  xstrlcpy(algl, totp_alg_uri_name((totp_alg)totp_alg_lookup(alg)), sizeof algl);
  for (char *c = algl; *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  long digits = cfg_int(CFG_TOTP_DIGITS), period = cfg_int(CFG_TOTP_PERIOD);
  char codes[RECOVERY_CODES][12], hashes[RECOVERY_CODES][PW_HASH_MAX];
  int hashed = 0;
  for (int i = 0; i < RECOVERY_CODES && !hashed; i++) {
    recovery_code(codes[i]);
    hashed = pw_hash(codes[i], (unsigned)cfg_int(CFG_PBKDF2_ITER), hashes[i]);
  }
  if (hashed) {
    free(sealed);
    xwipe(b32, sizeof b32);
    xwipe(codes, sizeof codes);
    return api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  }
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) {
    free(sealed);
    xwipe(b32, sizeof b32);
    xwipe(codes, sizeof codes);
    return api_store_error(r, rc, NULL);
  }
  char now[TS_LEN];
  ts_now(now);
  int64_t changed = 0;
  sval p[] = {SV_S(uid), SV_S(sealed), SV_S(algl), SV_I(digits), SV_I(period), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO user_totp(user_id,secret_enc,alg,digits,period,enabled,last_step,"
                  "created_at) VALUES($1,$2,$3,$4,$5,0,-1,$6) ON CONFLICT(user_id) DO UPDATE SET "
                  "secret_enc=excluded.secret_enc, alg=excluded.alg, digits=excluded.digits, "
                  "period=excluded.period, enabled=0, last_step=-1, created_at=excluded.created_at, "
                  "enabled_at=NULL WHERE user_totp.enabled=0",
                  p, 6, &changed);
  free(sealed);
  sval pu[] = {SV_S(uid)};
  if (rc == STORE_OK && changed == 0) rc = 1; /* enabled meanwhile */
  if (rc == STORE_OK) rc = store_exec(tx, "DELETE FROM totp_recovery WHERE user_id=$1", pu, 1, NULL);
  for (int i = 0; i < RECOVERY_CODES && rc == STORE_OK; i++) {
    char id[UUID_LEN];
    uuid7(id);
    sval p2[] = {SV_S(id), SV_S(uid), SV_S(hashes[i])};
    rc = store_exec(tx, "INSERT INTO totp_recovery(id,user_id,code_hash) VALUES($1,$2,$3)", p2, 3,
                    NULL);
  }
  if (rc == STORE_OK) rc = api_audit(r, tx, "auth.2fa.enrol", "user", uid, "ok", NULL);
  if (rc) {
    store_rollback(tx);
    xwipe(b32, sizeof b32);
    xwipe(codes, sizeof codes);
    if (rc > 0) return api_error(r, 409, "conflict", "", "已启用双因素认证");
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) {
    xwipe(b32, sizeof b32);
    xwipe(codes, sizeof codes);
    return r->status;
  }
  buf u;
  buf_init(&u, 4096);
  buf_adds(&u, "otpauth://totp/");
  uri_add(&u, "寻迹");
  buf_adds(&u, ":");
  uri_add(&u, r->who.login);
  buf_addf(&u, "?secret=%s&issuer=", b32);
  uri_add(&u, "寻迹");
  buf_addf(&u, "&algorithm=%s&digits=%ld&period=%ld",
           totp_alg_uri_name((totp_alg)totp_alg_lookup(algl)), digits, period);
  json_t *rec = json_array();
  for (int i = 0; i < RECOVERY_CODES; i++) json_array_append_new(rec, json_string(codes[i]));
  json_t *o = json_pack("{s:s,s:s,s:o,s:o,s:s,s:I,s:I}", "secret", b32, "otpauth_uri",
                        buf_str(&u), "qr_svg", qr_svg(buf_str(&u)), "recovery_codes", rec,
                        "algorithm", algl, "digits", (json_int_t)digits, "period",
                        (json_int_t)period);
  buf_free(&u);
  xwipe(b32, sizeof b32);
  xwipe(codes, sizeof codes);
  return api_ok(r, 200, o);
}

static const field code_fields[] = {
    {.name = "code", .label = "动态口令", .type = FT_TEXT, .flags = F_REQUIRED, .max = 8},
};

int h_2fa_confirm(req *r) {
  if (api_body(r, code_fields, 1, false)) return r->status;
  if (r->has_2fa) return api_error(r, 409, "conflict", "", "已启用双因素认证");
  const char *code = json_string_value(json_object_get(r->in, "code"));
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *reason = NULL;
  int ok = twofa_check(r, tx, r->who.user_id, code, false, &reason);
  if (ok < 0) {
    store_rollback(tx);
    return api_store_error(r, ok, NULL);
  }
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(r->who.user_id)};
  if (ok) rc = store_exec(tx, "UPDATE user_totp SET enabled=1, enabled_at=$1 WHERE user_id=$2", p, 2, NULL);
  if (rc == STORE_OK) rc = audit_2fa(r, tx, "confirm", ok ? NULL : reason);
  if (rc == STORE_OK && ok) rc = step_up(r, tx);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  if (!ok) {
    if (reason && !strcmp(reason, "not_enrolled"))
      return api_error(r, 409, "conflict", "", "请先申请绑定 (POST /api/v1/me/2fa/enrol)");
    return refused(r, reason, "code");
  }
  r->has_2fa = true;
  r->must_enrol = false;
  return api_ok(r, 200, json_pack("{s:b}", "enabled", 1));
}

int h_2fa_disable(req *r) {
  if (api_body(r, code_fields, 1, false)) return r->status;
  const char *code = json_string_value(json_object_get(r->in, "code"));
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *reason = NULL;
  int ok = twofa_check(r, tx, r->who.user_id, code, true, &reason);
  if (ok < 0) {
    store_rollback(tx);
    return api_store_error(r, ok, NULL);
  }
  sval p[] = {SV_S(r->who.user_id)};
  if (ok) rc = store_exec(tx, "DELETE FROM user_totp WHERE user_id=$1", p, 1, NULL);
  if (ok && rc == STORE_OK) rc = store_exec(tx, "DELETE FROM totp_recovery WHERE user_id=$1", p, 1, NULL);
  /* tokens are bound to a user with 2FA: they end with it */
  if (ok && rc == STORE_OK && cfg_int(CFG_TOKEN_REQUIRES_2FA)) {
    char now[TS_LEN];
    ts_now(now);
    sval p2[] = {SV_S(now), SV_S(r->who.user_id)};
    rc = store_exec(tx, "UPDATE api_tokens SET revoked=1, revoked_at=$1 WHERE user_id=$2 AND revoked=0",
                    p2, 2, NULL);
  }
  if (rc == STORE_OK) rc = audit_2fa(r, tx, "disable", ok ? NULL : reason);
  if (rc == STORE_OK && ok) rc = api_audit(r, tx, "auth.2fa.disable", "user", r->who.user_id, "ok", NULL);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  if (!ok) return refused(r, reason, "code");
  return api_ok(r, 200, json_pack("{s:b}", "enabled", 0));
}

int h_2fa_verify(req *r) {
  if (api_body(r, code_fields, 1, false)) return r->status;
  if (!r->via_cookie)
    return api_error(r, 400, "invalid_field", "", "API 令牌无须验证动态口令 (按令牌授权范围)");
  const char *code = json_string_value(json_object_get(r->in, "code"));
  if (verify_alone(r, code, true, "step_up", "code", true)) return r->status;
  return api_ok(r, 200, json_pack("{s:b,s:I}", "verified", 1, "minutes",
                                  (json_int_t)cfg_int(CFG_STEP_UP_MINUTES)));
}

int h_2fa_status(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->who.user_id)};
  json_t *row = store_query_one(tx,
                                "SELECT alg AS algorithm, digits, period, enabled, enabled_at FROM "
                                "user_totp WHERE user_id=$1",
                                p, 1, &rc);
  int64_t left = 0;
  if (rc >= 0)
    rc = store_query_int(tx,
                         "SELECT count(*) FROM totp_recovery WHERE user_id=$1 AND used_at IS NULL",
                         p, 1, &left);
  store_rollback(tx);
  if (rc < 0) {
    json_decref(row);
    return api_store_error(r, rc, NULL);
  }
  json_t *o = json_pack("{s:b,s:b,s:b,s:I}", "enabled", r->has_2fa, "required",
                        r->must_enrol || (cfg_int(CFG_REQUIRE_2FA_ADMIN) && principal_is_admin(&r->who)),
                        "fresh", r->fresh_2fa, "recovery_codes_left",
                        (json_int_t)(r->has_2fa ? left : 0));
  if (row && r->has_2fa) {
    json_object_set(o, "algorithm", json_object_get(row, "algorithm"));
    json_object_set(o, "digits", json_object_get(row, "digits"));
    json_object_set(o, "period", json_object_get(row, "period"));
    json_object_set(o, "enabled_at", json_object_get(row, "enabled_at"));
  }
  json_decref(row);
  return api_ok(r, 200, o);
}

/* ---- one's own sessions ------------------------------------------------------------- */
int h_my_sessions(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->who.user_id), SV_S(r->via_cookie ? r->sid_hash : "")};
  json_t *items = store_query_json(tx,
                                   "SELECT sid AS id, created_at, last_seen, ip, "
                                   "verified_until, id_hash=$2 AS current FROM sessions "
                                   "WHERE user_id=$1 ORDER BY created_at DESC, sid",
                                   p, 2);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    char ts[TS_LEN];
    ts_format((time_t)json_integer_value(json_object_get(it, "created_at")), ts);
    json_object_set_new(it, "created_at", json_string(ts));
    ts_format((time_t)json_integer_value(json_object_get(it, "last_seen")), ts);
    json_object_set_new(it, "last_seen", json_string(ts));
    json_object_set_new(it, "current",
                        json_boolean(json_integer_value(json_object_get(it, "current"))));
    json_object_set_new(it, "verified", json_boolean(json_integer_value(json_object_get(
                                                         it, "verified_until")) > xnow()));
    json_object_del(it, "verified_until");
  }
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "max_sessions",
                                  (json_int_t)cfg_int(CFG_MAX_SESSIONS)));
}

int h_my_session_end(req *r) {
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0]), SV_S(r->who.user_id)};
  int64_t n = 0;
  rc = store_exec(tx, "DELETE FROM sessions WHERE sid=$1 AND user_id=$2", p, 2, &n);
  if (rc == STORE_OK && n)
    rc = api_audit(r, tx, "auth.session.end", "session", r->params[0], "ok", NULL);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  if (!n) return api_error(r, 404, "not_found", "", "会话不存在或已结束");
  return api_ok(r, 200, json_pack("{s:b}", "ok", 1));
}

int twofa_session_limit(store_tx *tx, const char *uid) {
  long max = cfg_int(CFG_MAX_SESSIONS);
  if (max <= 0) return STORE_OK;
  sval p[] = {SV_S(uid), SV_I(max)};
  return store_exec(tx,
                    "DELETE FROM sessions WHERE user_id=$1 AND id_hash NOT IN (SELECT id_hash FROM "
                    "sessions WHERE user_id=$1 ORDER BY created_at DESC, rowid DESC LIMIT $2)",
                    p, 2, NULL);
}

static bool date_ok(const char *s) {
  int64_t d;
  return date_parse(s, &d);
}

/* ---- GET /api/v1/audit/export?from=&to= (the audit administrator) ------------ */
int h_audit_export(req *r) {
  const char *from = req_arg(r, "from"), *to = req_arg(r, "to");
  buf b;
  buf_init(&b, (size_t)1 << 30);
  long n = 0;
  char err[256];
  int rc = audit_export_write(r->app->db, &r->app->keys, from, to, &b, &n, err, sizeof err);
  if (rc == 1) {
    buf_free(&b);
    return api_error(r, 400, "invalid_field", from && date_ok(from) ? "to" : "from", "%s", err);
  }
  if (rc) {
    buf_free(&b);
    return api_store_error(r, rc, NULL);
  }
  /* the export itself is audited (ids and codes only) */
  store_tx *tx;
  rc = store_write(r->app->db, &tx);
  if (rc == STORE_OK) {
    json_t *d = json_pack("{s:I}", "count", (json_int_t)n);
    rc = api_audit(r, tx, "audit.export", NULL, NULL, "ok", d);
    json_decref(d);
    if (rc == STORE_OK) rc = api_commit(r, tx) ? 1 : 0;
    else store_rollback(tx);
  }
  if (rc) {
    buf_free(&b);
    return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  }
  size_t len = strlen(buf_str(&b));
  char name[64];
  snprintf(name, sizeof name, "audit-%s-%s.jsonl", from, to);
  return reports_attachment(r, buf_take(&b), len, "application/x-ndjson", name, name);
}
