/*
 * record.c — the generic list / get / create / edit / lifecycle / history
 * handlers for target-bound lifecycle records. See record.h.
 */
#include "api/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/changelog.h"
#include "api/entity.h"
#include "util/text.h"
#include "util/xmem.h"

const char *rec_s(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int rec_fail(req *r, store_tx *tx, int rc) {
  if (rc < 0) api_store_error(r, rc, tx);
  store_rollback(tx);
  return r->status;
}

void rec_money(json_t *row, const char *k, const char *out) {
  json_t *v = json_object_get(row, k);
  if (!json_is_integer(v)) return;
  char m[24];
  money_format(json_integer_value(v), m);
  json_object_set_new(row, out, json_string(m));
  json_object_del(row, k);
}

static const rec_kind *kind_of(req *r) { return r->route->arg; }

/* "<cols>, (<released>) AS released, (<handed>) AS copied": the kind's own
 * visibility conditions, as the model builds them (vis_cond_sql). */
static void cols_sql(const rec_kind *k, buf *b) {
  buf_addf(b, "%s, (", k->cols);
  if (vis_cond_sql(k->vis, VIS_RELEASED, b)) buf_adds(b, "0");
  buf_adds(b, ") AS released, (");
  if (vis_cond_sql(k->vis, VIS_HANDED, b)) buf_adds(b, "0");
  buf_adds(b, ") AS copied");
}

static void select_sql(const rec_kind *k, buf *b) {
  buf_adds(b, "SELECT ");
  cols_sql(k, b);
  buf_addf(b, " FROM %s", k->from);
}

/* Is row id of k visible to the user? The kind's one rule (core/visibility.c):
 * 1 yes, 0 no, <0 store error. */
static int rec_visible(req *r, const rec_kind *k, store_tx *tx, const char *id) {
  return vis_row(tx, k->vis, &r->who, id);
}

void rec_obj(const json_t *row, authz_obj *o) {
  memset(o, 0, sizeof *o);
  o->team_id = rec_s(row, "team_id");
  if (json_integer_value(json_object_get(row, "released"))) {
    o->unit_id = rec_s(row, "unit_id");
    o->supervisor_id = rec_s(row, "supervisor_id");
  }
  o->handed_over = json_integer_value(json_object_get(row, "copied")) != 0;
}

json_t *rec_load(const rec_kind *k, store_tx *tx, const char *id, int *rc) {
  buf b;
  buf_init(&b, 8192);
  select_sql(k, &b);
  buf_adds(&b, " WHERE x.id=$1");
  sval p[] = {SV_S(id)};
  json_t *row = store_query_one(tx, buf_str(&b), p, 1, rc);
  buf_free(&b);
  if (row) {
    if (k->wf)
      json_object_set_new(row, "state_label", json_string(wf_state_label(k->wf, rec_s(row, "state"))));
    if (k->fix) k->fix(tx, row);
  }
  return row;
}

int rec_fetch(req *r, const rec_kind *k, store_tx *tx, const char *id, action_id act,
              json_t **out) {
  int rc = 0;
  *out = NULL;
  json_t *row = rec_load(k, tx, id, &rc);
  if (!row) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "%s不存在或无权访问", k->label);
  }
  int vis = rec_visible(r, k, tx, id);
  if (vis <= 0) {
    json_decref(row);
    store_rollback(tx);
    if (vis < 0) return api_store_error(r, vis, NULL);
    return api_deny(r, k->list_act, k->name, id, 1);
  }
  authz_obj o;
  rec_obj(row, &o);
  if (act != k->list_act && !authz(&r->who, act, &o)) {
    json_decref(row);
    store_rollback(tx);
    return api_deny(r, act, k->name, id, 0);
  }
  *out = row;
  return 0;
}

/* The lifecycle engine's view of a kind (the route's arg). */
static json_t *lc_load(req *r, store_tx *tx, const char *id, int *rc) {
  return rec_load(kind_of(r), tx, id, rc);
}

static lc_entity lc_of(const rec_kind *k) {
  lc_entity e = {k->wf, k->table, k->list_act, rec_obj, lc_load, k->hooks, k->nhooks, k->vis};
  return e;
}

/* May this user PATCH the row now? */
static bool editable(req *r, const rec_kind *k, const json_t *row) {
  if (!k->edit_state || strcmp(rec_s(row, "state"), k->edit_state)) return false;
  authz_obj o;
  rec_obj(row, &o);
  return authz(&r->who, k->edit_act, &o);
}

/* Removes the fields the user may not see, as the kind's visibility
 * declaration says (core/visibility.c vis_redact), inside tx or a read
 * transaction of its own; on a store error every declared field goes (fail
 * closed). */
static void redact_row(req *r, const rec_kind *k, store_tx *tx, json_t *row) {
  store_tx *own = NULL;
  const char *id = rec_s(row, "id");
  if (!tx && store_read(r->app->db, &own) == STORE_OK) tx = own;
  if (!tx || !id || vis_redact(tx, k->vis, &r->who, id, row)) {
    for (const vis_field *f = k->vis->fields; f && f->name; f++) json_object_del(row, f->name);
    for (const char *const *f = k->vis->paper_fields; f && *f; f++) json_object_del(row, *f);
  }
  if (own) store_rollback(own);
}

static json_t *finish_row(req *r, const rec_kind *k, json_t *row) {
  lc_entity e = lc_of(k);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &e, row));
  json_object_set_new(row, "editable", json_boolean(editable(r, k, row)));
  if (k->nalso) {
    authz_obj o;
    rec_obj(row, &o);
    json_t *can = json_object();
    for (int i = 0; i < k->nalso; i++)
      json_object_set_new(can, action_names[k->also[i]], json_boolean(authz(&r->who, k->also[i], &o)));
    json_object_set_new(row, "can", can);
  }
  if (k->finish) k->finish(r, row);
  redact_row(r, k, NULL, row);
  json_object_del(row, "released");
  json_object_del(row, "copied");
  return row;
}

/* ---- list ------------------------------------------------------------------ */
/* The kind's list arguments as declarations of the one parser (core/args.h):
 * ?q= over search_col, each rec_flag (true/false, {today} filled in here),
 * each filter field on column x.<name>. Grows with the kind; freed by the caller. */
static arg_decl *list_decls(const rec_kind *k, int *n) {
  arg_decl *d = xcalloc((size_t)(k->nfilters + k->nflags + 1), sizeof *d);
  int m = 0;
  if (k->search_col)
    d[m++] = (arg_decl){.name = "q", .label = "关键词", .type = ARG_SEARCH, .flags = ARG_NONEMPTY,
                        .max = 50, .sql = NULL, .col = k->search_col,
                        .msg = "「关键词」无效或过长"};
  for (int i = 0; i < k->nflags; i++)
    d[m++] = (arg_decl){.name = k->flags[i].name, .label = k->flags[i].name, .type = ARG_FLAG,
                        .sql = k->flags[i].sql};
  for (int i = 0; i < k->nfilters; i++) d[m++] = arg_of_field(&k->filters[i], NULL);
  *n = m;
  return d;
}

/* Appends sql with {today} replaced by today's date (Asia/Shanghai). */
static void add_with_today(buf *b, const char *sql) {
  char today[11];
  date_format(date_today_shanghai(), today);
  for (const char *s = sql; *s;) {
    const char *m = strstr(s, "{today}");
    size_t n = m ? (size_t)(m - s) : strlen(s);
    buf_add(b, s, n);
    if (!m) break;
    buf_adds(b, today);
    s = m + 7;
  }
}

/* The kind's list-wide figures beside total (rec_kind.sums), over the
 * list's own conditions (visibility and filters). */
static int list_sums(req *r, const rec_kind *k, const char *where, const sval *p, int np) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  for (int i = 0; !rc && i < k->nsums; i++) {
    buf sql;
    buf_init(&sql, 16384);
    buf_addf(&sql, "SELECT count(*) FROM %s%s AND (", k->from, where);
    add_with_today(&sql, k->sums[i].sql);
    buf_adds(&sql, ")");
    int64_t n = 0;
    rc = store_query_int(tx, buf_str(&sql), p, np, &n);
    buf_free(&sql);
    if (!rc) json_object_set_new(r->out, k->sums[i].name, json_integer(n));
  }
  store_rollback(tx);
  return rc ? api_store_error(r, rc, NULL) : 200;
}

static void list_item(store_tx *tx, json_t *row, const void *ctx) {
  const rec_kind *k = ((const void *const *)ctx)[0];
  req *r = ((void *const *)ctx)[1];
  if (k->wf)
    json_object_set_new(row, "state_label", json_string(wf_state_label(k->wf, rec_s(row, "state"))));
  if (k->fix) k->fix(tx, row);
  redact_row(r, k, tx, row);
  json_object_del(row, "released");
  json_object_del(row, "copied");
}

int h_rec_list(req *r) {
  const rec_kind *k = kind_of(r);
  if (!vis_any(k->vis, &r->who)) return api_deny(r, k->list_act, k->name, NULL, 0);
  sval p[VIS_MAXP];
  int np = 0;
  buf where, cols;
  buf_init(&where, 8192);
  buf_init(&cols, 8192);
  buf_adds(&where, " WHERE 1=1");
  /* the kind's one predicate; it fails only past its bounds (then 500, never a wider list) */
  int vis_bad = vis_where(k->vis, &r->who, k->list_act, &where, p, &np, VIS_MAXP);
  int nd;
  arg_decl *decls = list_decls(k, &nd);
  char today[11];
  date_format(date_today_shanghai(), today); /* {today}: made here, never from the client */
  args_spec spec = {.decls = decls, .n = nd, .max = 16, .prefix = "x.", .paging = true,
                    .sort = true, .sort_fields = k->sorts ? k->sorts : k->filters,
                    .nsort_fields = k->sorts ? k->nsorts : k->nfilters,
                    .sort_stamps = true, .sort_prefix = "x.", .sort_default = k->order,
                    .today = today};
  int status;
  if (vis_bad) {
    status = api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  } else {
    cols_sql(k, &cols);
    const void *ctx[2] = {k, r};
    args a;
    status = api_args(r, &spec, np, &a);
    if (!status) {
      /* the list and its sums over the same conditions: visibility, then the arguments */
      buf w;
      buf_init(&w, 65536);
      buf_adds(&w, buf_str(&where));
      buf_adds(&w, args_where(&a));
      int np2;
      sval *p2 = args_params(&a, p, &np2);
      if (buf_failed(&w)) {
        status = api_error(r, 400, "too_many_params", "", "查询条件过多");
      } else {
        api_list_q q = {buf_str(&cols), k->from, buf_str(&w), args_order(&a), p2, np2,
                        list_item, ctx};
        status = api_list(r, &q);
        if (status == 200 && k->nsums) status = list_sums(r, k, buf_str(&w), p2, np2);
      }
      buf_free(&w);
    }
    args_free(&a);
  }
  free(decls);
  buf_free(&where);
  buf_free(&cols);
  return status;
}

/* ---- get / history --------------------------------------------------------- */
/* Shows the sealed fields (texts sealed[i] of k->sealed[i]) to those who
 * hold their read action on the row (may[i], asked of the visibility
 * model), each read audited before the text is
 * put in the reply; the others learn only whether one is held. 0, or the
 * reply status / store error. */
static int reveal(req *r, const rec_kind *k, json_t *row, char *const *sealed, const int *may) {
  const char *id = rec_s(row, "id");
  for (int i = 0; i < k->nsealed && i < REC_MAXSEALED; i++) {
    const rec_sealed *sf = &k->sealed[i];
    if (sealed[i] && may[i]) {
      char *plain;
      int rc = api_reveal(r, k->name, id, sealed[i], sf->audit, &plain);
      if (rc) return rc;
      if (!plain) {
        char key[64];
        snprintf(key, sizeof key, "%s_error", sf->out);
        json_object_set_new(row, sf->out, json_null());
        json_object_set_new(row, key, json_string("密文校验失败, 内容可能被篡改"));
        continue;
      }
      json_t *v = sf->as_json ? json_loads(plain, 0, NULL) : json_string(plain);
      json_object_set_new(row, sf->out, v ? v : json_null());
      xwipe(plain, strlen(plain));
      free(plain);
    } else if (sf->present) {
      json_object_set_new(row, sf->present, json_boolean(sealed[i] != NULL));
    }
  }
  return 0;
}

/* Seals the inputs of k's sealed fields in cols (taken out) into their
 * columns; marks the audit detail d (created: whether one is held; edited:
 * the field's `changed` flag). 0 or STORE_ERR. */
static int seal_cols(req *r, const rec_kind *k, const char *id, json_t *cols, json_t *d, bool edit) {
  char ctx[96];
  snprintf(ctx, sizeof ctx, "%s:%s", k->name, id);
  for (int i = 0; i < k->nsealed; i++) {
    const rec_sealed *sf = &k->sealed[i];
    json_t *v = json_object_get(cols, sf->input);
    if (!v) {
      if (!edit && sf->present) json_object_set_new(d, sf->present, json_false());
      continue;
    }
    const char *text = json_string_value(v);
    bool held = text && *text; /* text lives in cols[input], deleted below */
    char *enc = held ? field_seal(&r->app->keys, ctx, text) : NULL;
    if (held && !enc) return STORE_ERR;
    json_object_set_new(cols, sf->column, enc ? json_string(enc) : json_null());
    free(enc);
    json_object_del(cols, sf->input);
    json_object_del(d, sf->input);
    if (!edit && sf->present) json_object_set_new(d, sf->present, json_boolean(held));
    if (edit && sf->changed) json_object_set_new(d, sf->changed, json_true());
  }
  return 0;
}

int h_rec_get(req *r) {
  const rec_kind *k = kind_of(r);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row;
  int status = rec_fetch(r, k, tx, r->params[0], k->list_act, &row);
  if (status) return status;
  char *sealed[REC_MAXSEALED] = {0};
  int may[REC_MAXSEALED] = {0};
  for (int i = 0; !rc && i < k->nsealed && i < REC_MAXSEALED; i++) {
    /* who may read it: the kind's one rule under the field's read action */
    may[i] = vis_row_act(tx, k->vis, &r->who, k->sealed[i].read, r->params[0]);
    if (may[i] < 0) {
      rc = may[i];
      break;
    }
    buf sql;
    buf_init(&sql, 256);
    buf_addf(&sql, "SELECT %s FROM %s WHERE id=$1", k->sealed[i].column, k->table);
    sval p[] = {SV_S(r->params[0])};
    rc = store_query_text(tx, buf_str(&sql), p, 1, &sealed[i]);
    buf_free(&sql);
  }
  store_rollback(tx);
  /* 举报人保护: a field that needs a reveal also needs the reader's own
   * approved reveal request, spent by this read (api/reveal.c) */
  for (int i = 0; !rc && i < k->nsealed && i < REC_MAXSEALED; i++)
    if (k->sealed[i].needs_reveal && may[i] && sealed[i])
      rc = reveal_spend(r, k->name, r->params[0], k->sealed[i].read, &may[i]);
  if (!rc) rc = reveal(r, k, row, sealed, may);
  for (int i = 0; i < REC_MAXSEALED; i++) free(sealed[i]);
  if (rc) {
    json_decref(row);
    return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  }
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, finish_row(r, k, row));
}

int h_rec_history(req *r) {
  const rec_kind *k = kind_of(r);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row;
  int status = rec_fetch(r, k, tx, r->params[0], k->list_act, &row);
  if (status) return status;
  /* the record's own change log, through the record's read rule (rec_fetch)
   * and its field redaction (chlog_history) */
  json_t *items = chlog_history(r, tx, k, row);
  json_decref(row);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- create / edit ------------------------------------------------------------ */
static sval col_sval(const json_t *v) {
  if (json_is_string(v)) return SV_S(json_string_value(v));
  if (json_is_integer(v)) return SV_I(json_integer_value(v));
  if (json_is_boolean(v)) return SV_I(json_is_true(v));
  return SV_NUL;
}

/* Column names come from the descriptor's fields or prepare(); never from
 * the client (fields_validate refused unknown keys). */
static bool col_name_ok(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || *s == '_' || (*s >= '0' && *s <= '9'))) return false;
  return true;
}

int h_rec_create(req *r) {
  const rec_kind *k = kind_of(r);
  if (api_body(r, k->fields, k->nfields, false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *pfield = k->parent_field, *psql = k->parent_sql;
  if (!rec_s(r->in, pfield) && k->alt_parent_field && rec_s(r->in, k->alt_parent_field)) {
    pfield = k->alt_parent_field;
    psql = k->alt_parent_sql;
  }
  const char *pid = rec_s(r->in, pfield);
  if (!pid) {
    store_rollback(tx);
    const field *pf = fields_find(k->fields, k->nfields, pfield);
    return api_error(r, 400, "missing_field", pfield, "缺少必填项「%s」", pf ? pf->label : pfield);
  }
  sval pp[] = {SV_S(pid)};
  json_t *parent = store_query_one(tx, psql, pp, 1, &rc);
  if (!parent) {
    if (!rc) {
      const field *pf = fields_find(k->fields, k->nfields, pfield);
      api_error(r, 400, "invalid_field", pfield, "「%s」不存在或当前不可用", pf ? pf->label : pfield);
    }
    return rec_fail(r, tx, rc);
  }
  authz_obj o = {rec_s(parent, "team_id"), rec_s(parent, "unit_id"),
                 rec_s(parent, "supervisor_id"),
                 json_integer_value(json_object_get(parent, "handed")) != 0};
  if (!authz(&r->who, k->create_act, &o)) {
    json_decref(parent);
    store_rollback(tx);
    return api_deny(r, k->create_act, k->name, NULL, 0);
  }
  json_t *cols = json_deep_copy(r->in);
  const char *key;
  json_t *v;
  json_object_foreach(parent, key, v) {
    size_t kl = strlen(key);
    int is_state = kl >= 5 && !strcmp(key + kl - 5, "state"); /* state, parent_state, ... */
    if (strcmp(key, "supervisor_id") && strcmp(key, "handed") && !is_state)
      json_object_set(cols, key, v);
  }
  if (k->prepare && k->prepare(r, tx, cols, parent, NULL)) {
    json_decref(parent);
    json_decref(cols);
    store_rollback(tx);
    return r->status;
  }
  json_decref(parent);
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  json_t *detail = json_deep_copy(cols); /* the audit's: never a sealed text */
  if (seal_cols(r, k, id, cols, detail, false)) {
    json_decref(detail);
    json_decref(cols);
    return rec_fail(r, tx, STORE_ERR);
  }
  enum { MAXP = 48 };
  sval p[MAXP];
  int np = 0;
  buf a, b;
  buf_init(&a, 4096);
  buf_init(&b, 4096);
  buf_addf(&a, "INSERT INTO %s(id, created_by, created_at, updated_at", k->table);
  buf_adds(&b, ") VALUES($1, $2, $3, $3");
  p[np++] = SV_S(id);
  p[np++] = SV_S(r->who.user_id);
  p[np++] = SV_S(now);
  int badcol = 0;
  json_object_foreach(cols, key, v) {
    if (json_is_null(v) || np >= MAXP) continue;
    /* names come from the kind's field table (api_body refused others) and its hooks */
    if (!col_name_ok(key)) {
      badcol = 1;
      break;
    }
    buf_addf(&a, ", %s", key);
    buf_addf(&b, ", $%d", np + 1);
    p[np++] = col_sval(v);
  }
  buf_adds(&a, buf_str(&b));
  buf_adds(&a, ")");
  rc = badcol ? STORE_ERR : store_exec(tx, buf_str(&a), p, np, NULL);
  buf_free(&a);
  buf_free(&b);
  char act[64];
  snprintf(act, sizeof act, "%s.create", k->name);
  if (!rc) rc = api_audit(r, tx, act, k->name, id, "ok", detail);
  json_decref(detail);
  json_decref(cols);
  json_t *row = rc ? NULL : rec_load(k, tx, id, &rc);
  if (row && k->created) {
    rc = k->created(r, tx, row);
    if (!rc) {
      json_decref(row);
      row = rec_load(k, tx, id, &rc);
    }
  }
  if (rc > 0) {
    json_decref(row);
    store_rollback(tx);
    return r->status;
  }
  if (row) finish_row(r, k, row);
  return api_finish(r, tx, row, rc, 201);
}

int h_rec_update(req *r) {
  const rec_kind *k = kind_of(r);
  if (api_body(r, k->fields, k->nfields, true)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *old;
  int status = rec_fetch(r, k, tx, r->params[0], k->edit_act, &old);
  if (status) return status;
  int64_t version = json_integer_value(json_object_get(old, "version"));
  if (!k->edit_state || strcmp(rec_s(old, "state"), k->edit_state)) {
    api_error(r, 409, "invalid_state", "state", "当前状态为「%s」, 不能修改",
              wf_state_label(k->wf, rec_s(old, "state")));
  } else if (!api_if_match(r, version)) {
    json_t *cols = json_deep_copy(r->in);
    json_t *detail = NULL;
    if (!k->prepare || !k->prepare(r, tx, cols, NULL, old)) {
      detail = json_deep_copy(cols);
      rc = seal_cols(r, k, r->params[0], cols, detail, true);
    }
    if (rc) {
      json_decref(detail);
      json_decref(cols);
      json_decref(old);
      return rec_fail(r, tx, rc);
    }
    if (detail) {
      char now[TS_LEN];
      ts_now(now);
      enum { MAXP = 48 };
      sval p[MAXP];
      int np = 0;
      buf sql;
      buf_init(&sql, 4096);
      buf_addf(&sql, "UPDATE %s SET version=version+1, updated_at=$1", k->table);
      p[np++] = SV_S(now);
      const char *key;
      json_t *v;
      int badcol = 0;
      json_object_foreach(cols, key, v) {
        if (np >= MAXP - 2) break;
        if (!col_name_ok(key)) { /* as in create: never from input */
          badcol = 1;
          break;
        }
        buf_addf(&sql, ", %s=$%d", key, np + 1);
        p[np++] = col_sval(v);
      }
      buf_addf(&sql, " WHERE id=$%d AND version=$%d", np + 1, np + 2);
      p[np++] = SV_S(r->params[0]);
      p[np++] = SV_I(version);
      int64_t changes = 0;
      rc = badcol ? STORE_ERR : store_exec(tx, buf_str(&sql), p, np, &changes);
      buf_free(&sql);
      if (!rc && changes != 1) rc = api_error(r, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
      char act[64];
      snprintf(act, sizeof act, "%s.update", k->name);
      if (!rc) rc = api_audit_old(r, tx, act, k->name, r->params[0], "ok", detail, old);
      json_decref(detail);
      json_decref(cols);
      json_decref(old);
      json_t *row = rc ? NULL : rec_load(k, tx, r->params[0], &rc);
      if (rc > 0) {
        store_rollback(tx);
        return r->status;
      }
      if (row) finish_row(r, k, row);
      return api_finish(r, tx, row, rc, 200);
    }
    json_decref(cols);
  }
  json_decref(old);
  store_rollback(tx);
  return r->status;
}

/* ---- lifecycle ----------------------------------------------------------------- */
int h_rec_action(req *r) {
  const rec_kind *k = kind_of(r);
  lc_entity e = lc_of(k);
  int status = lifecycle_run(r, &e, r->params[0], r->params[1]);
  if (status == 200 && r->out) finish_row(r, k, r->out);
  return status;
}

int rec_cascade(req *r, store_tx *tx, const workflow *wf, const char *table, const char *where_sql,
                const sval *p, int np, const char *verb, json_t *detail, int *moved) {
  *moved = 0;
  buf sql;
  buf_init(&sql, 2048);
  buf_addf(&sql, "SELECT id, state FROM %s WHERE %s ORDER BY id", table, where_sql);
  json_t *rows = store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&sql);
  if (!rows) {
    json_decref(detail);
    return STORE_ERR;
  }
  char now[TS_LEN], act[64];
  ts_now(now);
  snprintf(act, sizeof act, "%s.%s", wf->entity, verb);
  int rc = 0;
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const wf_transition *t = wf_find(wf, rec_s(it, "state"), verb);
    if (!t) continue;
    buf u;
    buf_init(&u, 256);
    buf_addf(&u, "UPDATE %s SET state=$1, version=version+1, updated_at=$2 WHERE id=$3", table);
    sval q[] = {SV_S(t->to), SV_S(now), SV_S(rec_s(it, "id"))};
    rc = store_exec(tx, buf_str(&u), q, 3, NULL);
    buf_free(&u);
    json_t *d = json_pack("{s:s,s:s}", "from", t->from, "to", t->to);
    if (detail) json_object_update_missing(d, detail);
    if (!rc) rc = api_audit(r, tx, act, wf->entity, rec_s(it, "id"), "ok", d);
    json_decref(d);
    if (rc) break;
    (*moved)++;
  }
  json_decref(rows);
  json_decref(detail);
  return rc;
}
