/*
 * programme.c — helpers shared by the patrol-programme files (issue 3): short
 * queries, replies that end a transaction, the filtered list used by several
 * registers, and whether a round may still change its teams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
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
  return wf_in(&ws_round_open_for_members, state);
}

/* A paged list over base (ending in FROM ... ) with filters from the query
 * string (the fields f, each on its column <prefix><name>, core/args.h),
 * narrowed to the rows of kind k (id column <prefix>id) the visibility
 * model lets the user read. */
int prog_filtered_list(req *r, const char *base, const char *count_base, const char *prefix,
                       const field *f, int nf, const char *order, const vis_kind *k) {
  sval pre[VIS_MAXP];
  int npre = 0;
  buf vis;
  buf_init(&vis, 8192);
  char idcol[16];
  snprintf(idcol, sizeof idcol, "%sid", prefix);
  if (vis_in(k, &r->who, k->read, idcol, &vis, pre, &npre, VIS_MAXP)) {
    buf_free(&vis);
    return api_store_error(r, STORE_ERR, NULL); /* fail closed */
  }
  arg_decl *decls = xcalloc((size_t)nf + 1, sizeof *decls);
  for (int i = 0; i < nf; i++) decls[i] = arg_of_field(&f[i], NULL);
  args_spec spec = {.decls = decls, .n = nf, .max = 8, .prefix = prefix, .paging = true};
  args a;
  if (api_args(r, &spec, npre, &a)) {
    args_free(&a);
    free(decls);
    buf_free(&vis);
    return r->status;
  }
  int np;
  sval *p = args_params(&a, pre, &np);
  if (r->list_sink) { /* an export (api.h list_sink): the same rows, every one, through api_list */
    buf from, ord;
    buf_init(&from, 16384);
    buf_init(&ord, 256);
    buf_addf(&from, "(%s WHERE 1=1%s%s) x", base, buf_str(&vis), args_where(&a));
    buf_adds(&ord, " ORDER BY ");
    size_t pl = strlen(prefix);
    for (const char *o = order; *o;) { /* "v.requested_at DESC, v.id" over the selected columns */
      if (!strncmp(o, prefix, pl)) {
        buf_adds(&ord, "x.");
        o += pl;
      } else {
        buf_addf(&ord, "%.1s", o++);
      }
    }
    int st = buf_failed(&from) || buf_failed(&ord)
                 ? api_error(r, 400, "too_many_params", "", "查询条件过多")
                 : api_list(r, &(api_list_q){.cols = "x.*", .from = buf_str(&from), .where = "",
                                           .order = buf_str(&ord), .p = p, .np = np,
                                           .lag_ok = true});
    buf_free(&from);
    buf_free(&ord);
    args_free(&a);
    free(decls);
    buf_free(&vis);
    return st;
  }
  int64_t limit = a.limit, offset = a.offset;
  buf sql;
  buf_init(&sql, 16384);
  store_tx *tx;
  int rc = store_read_lagged(r->app->db, r->who.user_id, &tx); /* a list (issue 16) */
  int64_t total = 0;
  json_t *items = NULL;
  if (!rc) {
    buf_addf(&sql, "%s WHERE 1=1%s%s", count_base, buf_str(&vis), args_where(&a));
    rc = store_query_int(tx, buf_str(&sql), p, np, &total);
    buf_reset(&sql);
    buf_addf(&sql, "%s WHERE 1=1%s%s ORDER BY %s LIMIT $%d OFFSET $%d", base, buf_str(&vis),
             args_where(&a), order, np + 1, np + 2);
    p[np] = SV_I(limit);
    p[np + 1] = SV_I(offset);
    if (!rc) items = store_query_json(tx, buf_str(&sql), p, np + 2);
    store_rollback(tx);
  }
  args_free(&a);
  free(decls);
  buf_free(&vis);
  buf_free(&sql);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}
