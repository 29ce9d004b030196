/*
 * programme.c — helpers shared by the patrol-programme files (issue 3): short
 * queries, replies that end a transaction, the filtered list used by several
 * registers, and whether a round may still change its teams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"

/* ---- small helpers ------------------------------------------------------------ */
json_t *prog_one(store_tx *tx, const char *sql, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  return store_query_one(tx, sql, p, 1, rc);
}

const char *prog_js(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* Rolls back, replies with a store error unless a reply is already set. */
int prog_fail(req *r, store_tx *tx, int rc) {
  if (rc < 0) api_store_error(r, rc, tx);
  store_rollback(tx);
  return r->status;
}

/* Commits and answers with out (owned). */
int prog_done(req *r, store_tx *tx, int status, json_t *out) {
  if (api_commit(r, tx)) {
    json_decref(out);
    return r->status;
  }
  return api_ok(r, status, out);
}

/* Members and vetting may change only before the round is mobilized. */
int prog_round_open(const char *state) {
  return state && (!strcmp(state, "planned") || !strcmp(state, "approved"));
}

bool prog_filter_arg(void *c, const char *k, const char *v) {
  prog_fctx *x = c;
  if (!strcmp(k, "page") || !strcmp(k, "per_page")) return true;
  const field *f = fields_find(x->f, x->nf, k);
  json_t *jv = json_string(v);
  verr e;
  if (!f || !jv || !field_check(f, jv, &e) || *x->np >= x->maxp) {
    if (!f) api_error(x->r, 400, "unknown_field", k, "未知的查询条件: %.60s", k);
    else if (jv && *x->np < x->maxp) api_verr(x->r, &e);
    else api_error(x->r, 400, "invalid_field", k, "查询条件无效");
    json_decref(jv);
    x->failed = 1;
    return false;
  }
  json_decref(jv);
  buf_addf(x->where, " AND %s%s = $%d", x->prefix, f->name, *x->np + 1);
  x->p[(*x->np)++] = SV_S(v);
  return true;
}

/* A paged list over base (ending in FROM ... ) with filters from the query
 * string, narrowed to the rows of kind k (id column <prefix>id) the
 * visibility model lets the user read. */
int prog_filtered_list(req *r, const char *base, const char *count_base, const char *prefix,
                       const field *f, int nf, const char *order, const vis_kind *k) {
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  sval p[VIS_MAXP + 12];
  int np = 0;
  buf where, sql;
  buf_init(&where, 8192);
  buf_init(&sql, 16384);
  buf_adds(&where, " WHERE 1=1");
  char idcol[16];
  snprintf(idcol, sizeof idcol, "%sid", prefix);
  if (vis_in(k, &r->who, k->read, idcol, &where, p, &np, VIS_MAXP)) {
    buf_free(&where);
    buf_free(&sql);
    return api_store_error(r, STORE_ERR, NULL); /* fail closed */
  }
  prog_fctx fc = {r, f, nf, prefix, &where, p, &np, np + 8, 0};
  if (!req_each_arg(r, prog_filter_arg, &fc) || fc.failed) {
    buf_free(&where);
    buf_free(&sql);
    return r->status;
  }
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  int64_t total = 0;
  json_t *items = NULL;
  if (!rc) {
    buf_addf(&sql, "%s%s", count_base, buf_str(&where));
    rc = store_query_int(tx, buf_str(&sql), p, np, &total);
    buf_reset(&sql);
    buf_addf(&sql, "%s%s ORDER BY %s LIMIT $%d OFFSET $%d", base, buf_str(&where), order,
             np + 1, np + 2);
    p[np++] = SV_I(limit);
    p[np++] = SV_I(offset);
    if (!rc) items = store_query_json(tx, buf_str(&sql), p, np);
    store_rollback(tx);
  }
  buf_free(&where);
  buf_free(&sql);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}
