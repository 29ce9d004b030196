/*
 * writes.c — what a request or a service does around its own SQL when
 * it writes or reads something sensitive: the acting principal, the audit
 * entry (and the record's change log), commit with the audit anchor, the
 * denial audited in its own transaction, a sealed field opened only after its
 * read is recorded, the yearly number series, inbox notices.
 *
 * Durability ordering: a denial's or a sealed read's audit entry is a write
 * transaction of its own, and on SQLite it shares the fsync of whatever other
 * writes commit at the same moment (group commit, store/sqlite.c invariant 2),
 * so it costs no fsync of its own under load. store_commit() returns only when
 * that shared commit is durable; api_reveal puts the plaintext into the reply
 * only after it returned STORE_OK, and wipes it otherwise
 * (test_faults.a_sealed_field_is_not_sent_when_its_read_audit_fails).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
#include "api/record.h"
#include "api/service.h"
#include "api/twofa.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

/* ---- audit ------------------------------------------------------------------ */
int api_audit(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
              const char *result, json_t *detail) {
  return api_audit_old(r, tx, action, kind, id, result, detail, NULL);
}

int api_audit_old(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
                  const char *result, json_t *detail, const json_t *old) {
  svc_actor ac;
  api_actor(r, &ac);
  int rc = svc_audit(r->app, tx, &ac, action, kind, id, result, detail, old);
  api_actor_end(r, &ac);
  return rc;
}

void api_actor(req *r, svc_actor *ac) {
  memset(ac, 0, sizeof *ac);
  ac->who = &r->who;
  if (r->authed) principal_roles(&r->who, ac->roles_buf, sizeof ac->roles_buf);
  ac->user_id = r->authed ? r->who.user_id : NULL;
  /* an unauthenticated login attempt records the login it tried */
  ac->login = r->authed || r->who.login[0] ? r->who.login : NULL;
  ac->roles = r->authed ? ac->roles_buf : NULL;
  ac->rid = r->id;
  ac->ip = r->client_ip;
  ac->method = r->method;
  ac->path = r->path;
  ac->head = r->head;
}

void api_actor_end(req *r, const svc_actor *ac) {
  if (ac->head.seq > r->head.seq) r->head = ac->head;
}

int svc_audit(app *a, store_tx *tx, svc_actor *ac, const char *action, const char *kind,
              const char *id, const char *result, const json_t *detail, const json_t *old) {
  if (MUTANT(MUT_AUDIT_SKIPPED)) return 0;
  /* ids, field names and codes only, never business content */
  json_t *safe = audit_detail_safe((json_t *)detail);
  char *d = safe ? json_dumps(safe, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(safe);
  audit_entry e = {ac->user_id, ac->login, ac->roles, action, kind, id, result, ac->rid, ac->ip, d};
  audit_head h;
  int rc = audit_append(tx, &a->keys, &e, &h);
  free(d);
  if (rc == STORE_OK) ac->head = h;
  /* the values go to the record's own change log, behind its read rule */
  if (rc == STORE_OK && !strcmp(result, "ok") && !ac->audit_only)
    rc = chlog_write(ac, tx, h.seq, action, kind, id, old, detail);
  return rc;
}

int svc_commit(app *a, store_tx *tx, svc_actor *ac, xres *x) {
  int rc = store_commit(tx);
  if (rc != STORE_OK) {
    fprintf(stderr, "xunji: %s 提交失败\n", ac->rid ? ac->rid : "-");
    xres_err(x, 500, "internal", "", "保存失败, 数据未写入 (请求编号 %s)", ac->rid ? ac->rid : "-");
    return rc;
  }
  if (ac->head.seq > 0) audit_anchor_note(a->anchor, &a->keys, &ac->head);
  return STORE_OK;
}

int svc_audit_alone(app *a, svc_actor *ac, const char *action, const char *kind, const char *id,
                    const json_t *detail, xres *x) {
  store_tx *tx = NULL;
  int rc = store_write(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  rc = svc_audit(a, tx, ac, action, kind, id, "ok", detail, NULL);
  if (rc) return svc_fail(tx, ac, rc, x);
  return svc_commit(a, tx, ac, x) ? x->status : 0;
}

int svc_fail(store_tx *tx, svc_actor *ac, int rc, xres *x) {
  if (rc < 0) xres_store(x, rc, ac->rid, tx ? store_errmsg(tx) : NULL);
  if (tx) store_rollback(tx);
  return x->status ? x->status : xres_err(x, 500, "internal", "", "服务器内部错误 (请求编号 %s)",
                                          ac->rid ? ac->rid : "-");
}

int api_commit(req *r, store_tx *tx) {
  int rc = store_commit(tx);
  if (rc != STORE_OK) {
    fprintf(stderr, "xunji: %s 提交失败\n", r->id);
    api_error(r, 500, "internal", "", "保存失败, 数据未写入 (请求编号 %s)", r->id);
    return rc;
  }
  if (r->head.seq > 0) audit_anchor_note(r->app->anchor, &r->app->keys, &r->head);
  return STORE_OK;
}

int api_finish(req *r, store_tx *tx, json_t *row, int rc, int status) {
  if (rc || !row) {
    if (rc <= 0) api_store_error(r, rc ? rc : STORE_ERR, tx);
    store_rollback(tx);
    json_decref(row);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(row);
    return r->status;
  }
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, status, row);
}

int svc_deny(app *a, svc_actor *ac, action_id act, const char *kind, const char *id, int hide,
             xres *x) {
  store_tx *tx;
  if (store_write(a->db, &tx) == STORE_OK) {
    json_t *d = ac->method && ac->path ? json_pack("{s:s,s:s}", "method", ac->method, "path", ac->path)
                                       : NULL;
    if (!d) d = json_object();
    if (svc_audit(a, tx, ac, action_names[act], kind, id, "denied", d, NULL) == STORE_OK) {
      xres cx = XRES_INIT;
      svc_commit(a, tx, ac, &cx);
      xres_free(&cx);
    } else {
      store_rollback(tx);
    }
    json_decref(d);
  }
  if (hide) return xres_err(x, 404, "not_found", "", "记录不存在或无权访问");
  return xres_err(x, 403, "forbidden", "", "无权执行此操作");
}

int api_deny(req *r, action_id a, const char *kind, const char *id, int hide) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  svc_deny(r->app, &ac, a, kind, id, hide, &x);
  api_actor_end(r, &ac);
  return api_xres(r, &x);
}

int api_reveal(req *r, const char *kind, const char *id, const char *sealed,
               const char *audit_action, char **plain) {
  char ctx[96];
  *plain = NULL;
  /* a reveal is a sensitive action: it needs a fresh second factor (issue 18) */
  action_id ra = !strcmp(kind, "petition") ? A_PETITION_REPORTER : A_CLUE_ALLEGATION;
  if (!twofa_reveal_ok(r, ra)) {
    store_tx *dtx;
    if (store_write(r->app->db, &dtx) == STORE_OK) {
      json_t *d = json_pack("{s:s}", "reason", "2fa_required");
      if (api_audit(r, dtx, audit_action, kind, id, "denied", d) == STORE_OK) api_commit(r, dtx);
      else store_rollback(dtx);
      json_decref(d);
    }
    return twofa_required(r);
  }
  snprintf(ctx, sizeof ctx, "%s:%s", kind, id);
  *plain = field_open(&r->app->keys, ctx, sealed);
  if (!*plain) fprintf(stderr, "xunji: %s %s 的密文校验失败\n", r->id, ctx);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc == STORE_OK) {
    rc = api_audit(r, tx, audit_action, kind, id, *plain ? "ok" : "failed", NULL);
    if (rc == STORE_OK) rc = api_commit(r, tx);
    else store_rollback(tx);
  }
  if (rc) {
    if (*plain) xwipe(*plain, strlen(*plain));
    free(*plain);
    *plain = NULL;
    return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  }
  return 0;
}

int api_next_seq(store_tx *tx, const char *series, int year, int64_t *n) {
  sval p[] = {SV_S(series), SV_I(year)};
  return store_query_int(tx,
                         "INSERT INTO doc_seq(series,year,last) VALUES($1,$2,1) "
                         "ON CONFLICT(series,year) DO UPDATE SET last=doc_seq.last+1 "
                         "RETURNING last",
                         p, 2, n);
}

int svc_notify(svc_actor *ac, store_tx *tx, const char *role, const char *scope, const char *kind,
               const char *object_id, const char *action, const char *title, const char *body) {
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id),        SV_S(now),    SV_S(ac->user_id),
              SV_S(role),      SV_S(scope ? scope : ""), SV_S(kind),
              SV_S(object_id), SV_S(action), SV_S(title),
              SV_S(body ? body : "")};
  return store_exec(tx,
                    "INSERT INTO messages(id,created_at,from_user,to_role,to_scope,object_kind,"
                    "object_id,action,title,body) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                    p, 10, NULL);
}

int api_notify(req *r, store_tx *tx, const char *role, const char *scope, const char *kind,
               const char *object_id, const char *action, const char *title, const char *body) {
  svc_actor ac;
  api_actor(r, &ac);
  return svc_notify(&ac, tx, role, scope, kind, object_id, action, title, body);
}
