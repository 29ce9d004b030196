/*
 * reveal.c — 举报人保护 (issue 18 item 3): a sealed field declared with
 * needs_reveal (api/record.h; the petition's reporter) is shown only to a
 * reader who holds its read action on the row AND has an approved reveal
 * request of their own: asked with a reason, decided by a second person who
 * holds the role the reveal_approver setting names (leading_group or
 * commission_liaison) and is not the requester. The approval is spent by
 * one read (reveal_minutes 0) or lasts reveal_minutes. Request, decision and
 * use are audited (ids and codes only; the reason stays in its table).
 *
 * Also here: an anonymous petition's follow-up receipt check (the receipt
 * is stored only as a slow hash; the route records no client address).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/twofa.h"
#include "api/record.h"
#include "core/workflow.h"
#include "api/users.h"
#include "sec/password.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

/* The approver role, or -1 when approval is off (reveal_approver=none, test
 * mode only: app.c refuses it otherwise). */
static int approver_role(void) { return role_lookup(cfg_str(CFG_REVEAL_APPROVER)); }

static const rec_sealed *reveal_field(const rec_kind *k) {
  for (int i = 0; i < k->nsealed; i++)
    if (k->sealed[i].needs_reveal) return &k->sealed[i];
  return NULL;
}

int reveal_spend(req *r, const char *kind, const char *id, action_id need, int *ok) {
  *ok = 0;
  if (approver_role() < 0) {
    *ok = 1;
    return 0;
  }
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return rc;
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(kind), SV_S(id), SV_S(r->who.user_id), SV_I(xnow())};
  json_t *q = store_query_one(tx,
                              "SELECT id, valid_until FROM reveal_requests WHERE object_kind=$1 AND "
                              "object_id=$2 AND requester=$3 AND state IN " WSQL_REVEAL_APPROVED " AND "
                              "(valid_until=0 OR valid_until > $4) ORDER BY decided_at, id LIMIT 1",
                              p, 4, &rc);
  if (q && !twofa_reveal_ok(r, need)) {
    /* the second factor first: an approval is never spent on a read the
     * second-factor check then refuses (api_reveal audits that refusal) */
    json_decref(q);
    store_rollback(tx);
    *ok = 1;
    return 0;
  }
  if (q) {
    const char *qid = json_string_value(json_object_get(q, "id"));
    int once = json_integer_value(json_object_get(q, "valid_until")) == 0;
    /* spent by this read when it was for one read (wf_reveal: approved --use--> used) */
    const wf_transition *t = wf_find(&wf_reveal, ws_reveal_approved.only[0], "use");
    sval u[] = {SV_S(now), SV_S(qid), SV_S(t->to)};
    rc = store_exec(tx,
                    once ? "UPDATE reveal_requests SET state=$3, used_at=$1 WHERE id=$2"
                         : "UPDATE reveal_requests SET used_at=COALESCE(used_at,$1) WHERE id=$2",
                    u, once ? 3 : 2, NULL);
    json_t *d = json_pack("{s:s,s:b}", "request_id", qid, "once", once);
    if (!rc) rc = api_audit(r, tx, "reveal.use", kind, id, "ok", d);
    json_decref(d);
    json_decref(q);
    if (!rc) *ok = 1;
  }
  if (rc) {
    store_rollback(tx);
    return rc;
  }
  if (!*ok) {
    store_rollback(tx);
    return 0;
  }
  return api_commit(r, tx) ? 1 : 0;
}

#define REQ_COLS                                                                              \
  "SELECT q.id, q.object_kind, q.object_id, q.requester, u.login AS requester_login, "       \
  "u.display_name AS requester_name, q.reason, q.state, q.approver_role, q.decided_by, "     \
  "q.decided_at, q.decision_note, q.valid_until, q.used_at, q.created_at FROM "              \
  "reveal_requests q JOIN users u ON u.id=q.requester "

/* ---- POST /api/v1/<kind>s/{id}/reveal-requests {reason} --------------------------- */
static const field req_fields[] = {{.name = "reason", .label = "查看理由", .type = FT_MEMO,
                                    .flags = F_REQUIRED, .max = 2000}};

int h_reveal_request(req *r) {
  const rec_kind *k = r->route->arg;
  const rec_sealed *sf = reveal_field(k);
  if (api_body(r, req_fields, 1, false)) return r->status;
  int ar = approver_role();
  if (!sf || ar < 0)
    return api_error(r, 409, "invalid_state", "", "%s的保密内容无需申请即可查看", k->label);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *id = r->params[0];
  json_t *row;
  int status = rec_fetch(r, k, tx, id, k->list_act, &row);
  if (status) return status;
  json_decref(row);
  /* only who may read it (the field's read action, asked of the visibility model) may ask */
  int may = vis_row_act(tx, k->vis, &r->who, sf->read, id);
  if (may <= 0) {
    store_rollback(tx);
    if (may < 0) return api_store_error(r, may, NULL);
    return api_deny(r, sf->read, k->name, id, 0);
  }
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE id=$1 AND %s IS NOT NULL", k->table,
           sf->column);
  int64_t held = 0, open = 0;
  sval ip[] = {SV_S(id)};
  rc = store_query_int(tx, sql, ip, 1, &held);
  sval op[] = {SV_S(k->name), SV_S(id), SV_S(r->who.user_id), SV_I(xnow())};
  if (!rc)
    rc = store_query_int(tx,
                         "SELECT count(*) FROM reveal_requests WHERE object_kind=$1 AND "
                         "object_id=$2 AND requester=$3 AND (state IN " WSQL_REVEAL_PENDING " OR (state "
                         "IN " WSQL_REVEAL_APPROVED " AND (valid_until=0 OR valid_until > $4)))",
                         op, 4, &open);
  if (!rc && !held) {
    store_rollback(tx);
    return api_error(r, 409, "invalid_state", "", "该%s没有需保密的身份信息", k->label);
  }
  if (!rc && open) {
    store_rollback(tx);
    return api_error(r, 409, "conflict", "", "您已有待批准或尚未使用的查看申请");
  }
  char qid[UUID_LEN], now[TS_LEN];
  uuid7(qid);
  ts_now(now);
  sval p[] = {SV_S(qid), SV_S(k->name), SV_S(id), SV_S(r->who.user_id),
              SV_S(json_string_value(json_object_get(r->in, "reason"))),
              SV_S(roles[ar].name), SV_S(now)};
  if (!rc)
    rc = store_exec(tx,
                    "INSERT INTO reveal_requests(id,object_kind,object_id,requester,reason,"
                    "approver_role,created_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
                    p, 7, NULL);
  json_t *d = json_pack("{s:s,s:s,s:s}", "request_id", qid, "field", sf->out, "approver_role",
                        roles[ar].name);
  if (!rc) rc = api_audit(r, tx, "reveal.request", k->name, id, "ok", d);
  json_decref(d);
  if (!rc)
    rc = api_notify(r, tx, roles[ar].name, "", "reveal_request", qid, "reveal_request",
                    "有一项查看信访人身份的申请待您批准", NULL);
  json_t *out = NULL;
  if (!rc) {
    sval qp[] = {SV_S(qid)};
    out = store_query_one(tx, REQ_COLS "WHERE q.id=$1", qp, 1, &rc);
  }
  return api_finish(r, tx, out, rc, 201);
}

/* ---- GET /api/v1/reveal-requests: the approver's queue, or one's own ------------- */
int h_reveal_list(req *r) {
  const char *st = req_arg(r, "state");
  if (st) {
    int ok = wf_state_index(&wf_reveal, st) >= 0; /* the table's states */
    if (!ok) return api_error(r, 400, "invalid_field", "state", "「状态」应为 pending、approved、rejected 或 used");
  }
  int ar = approver_role();
  int approver = ar >= 0 && principal_has(&r->who, (role_id)ar);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(approver ? "" : r->who.user_id), SV_S(st ? st : "")};
  json_t *items = store_query_json(tx,
                                   REQ_COLS "WHERE ($1='' OR q.requester=$1) AND ($2='' OR "
                                   "q.state=$2) ORDER BY q.created_at DESC, q.id DESC LIMIT 500",
                                   p, 2);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

/* ---- POST /api/v1/reveal-requests/{id}/approve|reject ------------------------------ */
static const field decide_fields[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};

int h_reveal_decide(req *r) {
  const char *qid = r->params[0], *verb = r->params[1];
  int approve = !strcmp(verb, "approve");
  if (!approve && strcmp(verb, "reject"))
    return api_error(r, 404, "not_found", "", "接口不存在");
  if (api_body(r, decide_fields, 1, false)) return r->status;
  const char *note = json_string_value(json_object_get(r->in, "note"));
  if (!approve && (!note || !*note))
    return api_error(r, 400, "missing_field", "note", "驳回须填写「意见」");
  int ar = approver_role();
  if (ar < 0 || !principal_has(&r->who, (role_id)ar))
    return api_deny(r, A_REVEAL_APPROVE, "reveal_request", qid, 0);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(qid)};
  json_t *q = store_query_one(tx, REQ_COLS "WHERE q.id=$1", p, 1, &rc);
  if (!q) {
    store_rollback(tx);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "查看申请不存在");
  }
  const char *requester = json_string_value(json_object_get(q, "requester"));
  int own = !strcmp(requester, r->who.user_id);
  /* the step from the table (wf_reveal): only a pending request is decided */
  const wf_transition *t = wf_find(&wf_reveal, json_string_value(json_object_get(q, "state")), verb);
  if (own || !t) {
    json_decref(q);
    store_rollback(tx);
    if (own) {
      api_deny(r, A_REVEAL_APPROVE, "reveal_request", qid, 0);
      return api_error(r, 403, "forbidden", "", "不得批准本人提出的查看申请");
    }
    return api_error(r, 409, "invalid_state", "state", "该申请已处理");
  }
  char now[TS_LEN];
  ts_now(now);
  long mins = cfg_int(CFG_REVEAL_MINUTES);
  sval u[] = {SV_S(t->to), SV_S(r->who.user_id), SV_S(now),
              SV_S(note), SV_I(approve && mins > 0 ? (int64_t)xnow() + mins * 60 : 0), SV_S(qid),
              SV_S(t->from)};
  rc = store_exec(tx,
                  "UPDATE reveal_requests SET state=$1, decided_by=$2, decided_at=$3, "
                  "decision_note=$4, valid_until=$5 WHERE id=$6 AND state=$7",
                  u, 7, NULL);
  json_t *d = json_pack("{s:s,s:s}", "request_id", qid, "requester", requester);
  if (!rc)
    rc = api_audit(r, tx, approve ? "reveal.approve" : "reveal.reject",
                   json_string_value(json_object_get(q, "object_kind")),
                   json_string_value(json_object_get(q, "object_id")), "ok", d);
  json_decref(d);
  if (!rc)
    rc = users_message(tx, r->who.user_id, MSG_TO_USER, requester, qid,
                       approve ? "reveal_approved" : "reveal_rejected",
                       approve ? "您查看信访人身份的申请已获批准" : "您查看信访人身份的申请已被驳回",
                       NULL);
  json_decref(q);
  json_t *out = NULL;
  if (!rc) out = store_query_one(tx, REQ_COLS "WHERE q.id=$1", p, 1, &rc);
  return api_finish(r, tx, out, rc, 200);
}

/* ---- POST /api/v1/petitions/{id}/receipt {receipt}: does it match? ---------------- */
static const field receipt_fields[] = {{.name = "receipt", .label = "查询码", .type = FT_TEXT,
                                        .flags = F_REQUIRED | F_VERBATIM, .max = 32}};

int h_petition_receipt(req *r) {
  const rec_kind *k = r->route->arg;
  if (api_body(r, receipt_fields, 1, false)) return r->status;
  const char *given = json_string_value(json_object_get(r->in, "receipt"));
  size_t n = strlen(given);
  int digits = n == 16;
  for (size_t i = 0; digits && i < n; i++) digits = given[i] >= '0' && given[i] <= '9';
  if (!digits) return api_error(r, 400, "invalid_field", "receipt", "「查询码」应为 16 位数字");
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row;
  int status = rec_fetch(r, k, tx, r->params[0], k->list_act, &row);
  if (status) return status;
  json_decref(row);
  char *h = NULL;
  sval p[] = {SV_S(r->params[0])};
  rc = store_query_text(tx, "SELECT receipt_hash FROM petitions WHERE id=$1", p, 1, &h);
  store_rollback(tx);
  if (rc) return api_store_error(r, rc, NULL);
  int match = h && *h && pw_verify(given, h);
  free(h);
  if ((rc = store_write(r->app->db, &tx))) return api_store_error(r, rc, NULL);
  rc = api_audit(r, tx, "petition.receipt.check", k->name, r->params[0], match ? "ok" : "failed",
                 NULL);
  if (rc) {
    store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (api_commit(r, tx)) return r->status;
  return api_ok(r, 200, json_pack("{s:b}", "match", match));
}
