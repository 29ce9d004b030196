/*
 * messages.c — the cross-side inbox, health check and metadata.
 *
 * A message is addressed to a role, optionally narrowed to a scope (a team).
 * A user sees the messages addressed to any of their grants; read marks are
 * per user. GET /api/v1/meta lives in api/meta.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/users.h"
#include "core/visibility.h"
#include "core/workflow.h"
#include "util/buf.h"
#include "util/text.h"

int h_healthz(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  int64_t v = 0;
  if (rc == STORE_OK) {
    rc = store_query_int(tx, "SELECT max(version) FROM schema_migrations", NULL, 0, &v);
    store_rollback(tx);
  }
  if (rc) return api_error(r, 503, "unavailable", "", "数据库不可用");
  return api_ok(r, 200, json_pack("{s:s,s:I,s:s}", "status", "ok", "schema", (json_int_t)v,
                                  "backend", store_backend(r->app->db)));
}

/* " (m.to_role=$a AND (m.to_scope='' OR m.to_scope=$b)) OR ..." for the user's grants */
static void inbox_where(req *r, buf *w, sval *p, int *np) {
  /* messages addressed to this user alone (api/users.h MSG_TO_USER), then the grants' */
  buf_addf(w, "((m.to_role='" MSG_TO_USER "' AND m.to_scope=$%d)", *np + 1);
  p[(*np)++] = SV_S(r->who.user_id);
  for (int i = 0; i < r->who.ngrants; i++) {
    const grant *g = &r->who.grants[i];
    buf_addf(w, " OR (m.to_role=$%d AND (m.to_scope='' OR m.to_scope=$%d))", *np + 1, *np + 2);
    p[(*np)++] = SV_S(roles[g->role].name);
    p[(*np)++] = SV_S(g->scope_id);
  }
  buf_adds(w, ")");
}

static const arg_decl inbox_args[] = {
    {.name = "unread", .label = "仅未读", .type = ARG_BOOL, .msg = "「仅未读」应为 true 或 false"},
};
static const args_spec inbox_spec = {.decls = inbox_args, .n = ARGS_N(inbox_args), .paging = true};

/* A message names the record it is about (object_kind, object_id); its title
 * and body carry that record's business text. They are shown only if the
 * visibility model lets the user see the record now (core/visibility.c,
 * vis_kind_by_name + vis_row); otherwise the message says only that a record
 * changed. */
#define HIDDEN_TITLE "相关记录有变化 (无权查看详情)"

/* Kinds whose messages are shown to their addressees without asking the
 * model: "user", a user's own account and the administrators' account
 * matters (no business record). TEMPORARY (issue 14): the kinds other
 * branches are declaring now (vetting, recusal exception, briefing,
 * petition); the lead removes them once those declarations are merged (the
 * model then answers for them by name). */
static const char *const msg_unmodelled[] = {"user", "vetting", "recusal_exception", "briefing",
                                             "petition", NULL};

/* 1 shown, 0 withheld, <0 store error. */
static int message_shown(req *r, store_tx *tx, const json_t *m) {
  const char *kind = json_string_value(json_object_get(m, "object_kind"));
  const char *id = json_string_value(json_object_get(m, "object_id"));
  if (!kind || !*kind || !id || !*id) return 1; /* about no record */
  const vis_kind *vk = vis_kind_by_name(kind);
  if (vk) return vis_row(tx, vk, &r->who, id);
  for (const char *const *k = msg_unmodelled; *k; k++)
    if (!strcmp(*k, kind)) return 1;
  return 0; /* a kind the model does not know: fail closed */
}

int h_messages(req *r) {
  args a;
  if (api_args(r, &inbox_spec, 0, &a)) {
    args_free(&a);
    return r->status;
  }
  int64_t limit = a.limit, offset = a.offset;
  const arg_val *unread = args_get(&a, "unread");
  int only_unread = unread && unread->i;
  args_free(&a);
  sval p[2 * MAX_GRANTS + 8];
  int np = 0;
  buf w, sql;
  buf_init(&w, 8192);
  buf_init(&sql, 16384);
  p[np++] = SV_S(r->who.user_id);
  inbox_where(r, &w, p, &np);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) {
    buf_free(&w);
    buf_free(&sql);
    return api_store_error(r, rc, NULL);
  }
  int64_t total = 0, unread_n = 0;
  buf_addf(&sql,
           "SELECT count(*) FROM messages m LEFT JOIN message_reads x ON x.message_id=m.id "
           "AND x.user_id=$1 WHERE %s AND x.read_at IS NULL",
           buf_str(&w));
  rc = store_query_int(tx, buf_str(&sql), p, np, &unread_n);
  buf_reset(&sql);
  buf_addf(&sql,
           "SELECT count(*) FROM messages m LEFT JOIN message_reads x ON x.message_id=m.id "
           "AND x.user_id=$1 WHERE %s%s",
           buf_str(&w), only_unread ? " AND x.read_at IS NULL" : "");
  if (rc == STORE_OK) rc = store_query_int(tx, buf_str(&sql), p, np, &total);
  buf_reset(&sql);
  buf_addf(&sql,
           "SELECT m.id, m.created_at, m.to_role, m.object_kind, m.object_id, m.action, "
           "m.title, m.body, u.display_name AS from_name, x.read_at FROM messages m "
           "LEFT JOIN users u ON u.id=m.from_user LEFT JOIN message_reads x ON "
           "x.message_id=m.id AND x.user_id=$1 WHERE %s%s ORDER BY m.created_at DESC, m.id "
           "DESC LIMIT $%d OFFSET $%d",
           buf_str(&w), only_unread ? " AND x.read_at IS NULL" : "", np + 1, np + 2);
  p[np++] = SV_I(limit);
  p[np++] = SV_I(offset);
  json_t *items = rc == STORE_OK ? store_query_json(tx, buf_str(&sql), p, np) : NULL;
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    json_object_set_new(it, "read", json_boolean(!json_is_null(json_object_get(it, "read_at"))));
    int shown = rc == STORE_OK ? message_shown(r, tx, it) : 0;
    if (shown < 0) rc = shown;
    if (shown <= 0) { /* only that a record changed: no business text */
      json_object_set_new(it, "title", json_string(HIDDEN_TITLE));
      json_object_set_new(it, "body", json_null());
      json_object_set_new(it, "withheld", json_true());
      continue;
    }
    json_t *b = json_object_get(it, "body");
    json_t *pb = json_is_string(b) && *json_string_value(b) ? json_loads(json_string_value(b), 0, NULL) : NULL;
    json_object_set_new(it, "body", pb ? pb : json_null());
  }
  store_rollback(tx);
  buf_free(&w);
  buf_free(&sql);
  if (!items || rc) {
    json_decref(items);
    return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  }
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I,s:I}", "items", items, "total",
                                  (json_int_t)total, "unread", (json_int_t)unread_n, "page",
                                  (json_int_t)(offset / limit + 1), "per_page", (json_int_t)limit));
}

int h_message_read(req *r) {
  sval p[2 * MAX_GRANTS + 4];
  int np = 0;
  buf w, sql;
  buf_init(&w, 8192);
  buf_init(&sql, 16384);
  p[np++] = SV_S(r->params[0]);
  inbox_where(r, &w, p, &np);
  buf_addf(&sql, "SELECT count(*) FROM messages m WHERE m.id=$1 AND %s", buf_str(&w));
  store_tx *tx = NULL;
  int rc = store_write(r->app->db, &tx);
  int64_t n = 0;
  if (rc == STORE_OK) rc = store_query_int(tx, buf_str(&sql), p, np, &n);
  buf_free(&w);
  buf_free(&sql);
  if (rc) {
    if (tx) store_rollback(tx);
    return api_store_error(r, rc, NULL);
  }
  if (!n) {
    store_rollback(tx);
    return api_error(r, 404, "not_found", "", "消息不存在");
  }
  char now[TS_LEN];
  ts_now(now);
  sval q[] = {SV_S(r->params[0]), SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO message_reads(message_id,user_id,read_at) VALUES($1,$2,$3) "
                  "ON CONFLICT(message_id,user_id) DO NOTHING",
                  q, 3, NULL);
  if (rc) {
    api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  if (api_commit(r, tx)) return r->status;
  return api_ok(r, 200, json_pack("{s:b}", "ok", 1));
}
