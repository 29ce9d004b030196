/*
 * record.c — the generic list / get / create / edit / lifecycle / history
 * handlers for target-bound lifecycle records. See record.h.
 */
#include "api/record.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/changelog.h"
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
 * visibility conditions, as the model builds them (vis_cond_col). */
static void cols_sql(const rec_kind *k, buf *b) {
  buf_addf(b, "%s, (", k->cols);
  if (vis_cond_col(k->vis, VIS_RELEASED, b)) buf_adds(b, "0");
  buf_adds(b, ") AS released, (");
  if (vis_cond_col(k->vis, VIS_HANDED, b)) buf_adds(b, "0");
  buf_adds(b, ") AS copied");
}

/* The SELECT list with the columns the rules read (released, copied, the
 * org kind), which strip_rules() takes out before a row is shown. */
static void rule_cols(const rec_kind *k, buf *b) {
  cols_sql(k, b);
  if (k->kind_col) buf_addf(b, ", x.%s AS org_kind", k->kind_col);
}

static void select_sql(const rec_kind *k, buf *b) {
  buf_adds(b, "SELECT ");
  rule_cols(k, b);
  buf_addf(b, " FROM %s", k->from);
}

static void strip_rules(const rec_kind *k, json_t *row) {
  json_object_del(row, "released");
  json_object_del(row, "copied");
  json_object_del(row, "org_kind");
  for (const char *const *h = k->hidden; h && *h; h++) json_object_del(row, *h);
}

/* Integer 0/1 columns of boolean fields become JSON booleans (kinds that say so). */
static void fix_bools(const rec_kind *k, json_t *row) {
  for (int i = 0; k->bool_json && i < k->nfields; i++)
    if (k->fields[i].type == FT_BOOL) {
      json_t *v = json_object_get(row, k->fields[i].name);
      if (json_is_integer(v))
        json_object_set_new(row, k->fields[i].name, json_boolean(json_integer_value(v)));
    }
}


void rec_obj(const json_t *row, authz_obj *o) {
  memset(o, 0, sizeof *o);
  o->team_id = rec_s(row, "team_id");
  if (json_integer_value(json_object_get(row, "released"))) {
    o->unit_id = rec_s(row, "unit_id");
    o->supervisor_id = rec_s(row, "supervisor_id");
  }
  o->handed_over = json_integer_value(json_object_get(row, "copied")) != 0;
  o->org_kind = rec_s(row, "org_kind");
}

/* A write refused on the record. For organisations whose kind the user does
 * not keep (the policy's P_INSPECTED / P_SYSTEM_ORG), say who keeps it. */
int rec_deny_org(app *a, svc_actor *ac, action_id act, const char *kind, const char *id, xres *x) {
  svc_deny(a, ac, act, "org", id, 0, x);
  if (!kind || !authz(ac->who, act, NULL)) return x->status;
  return xres_err(x, 403, "forbidden_kind", "kind",
                  "被巡察单位和村 (社区) 由巡察办维护, 本系统自身的组织机构 (市委、纪委监委及其内设机构、"
                  "巡察机构等) 由系统管理员维护");
}

int entity_deny_write(req *r, action_id a, const char *kind, const char *id) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  rec_deny_org(r->app, &ac, a, kind, id, &x);
  api_actor_end(r, &ac);
  return api_xres(r, &x);
}

/* A write (create/edit act) refused on row o of k. */
static int deny_write(app *a, svc_actor *ac, const rec_kind *k, action_id act, const authz_obj *o,
                      const char *id, xres *x) {
  if (k->kind_col) return rec_deny_org(a, ac, act, o->org_kind, id, x);
  return svc_deny(a, ac, act, k->name, id, 0, x);
}

/* The one-row SELECT of a kind is the same text on every call: built once
 * per kind and kept for the life of the process (this table owns the
 * strings; issue 15: it was rebuilt, ~50k instructions, on every GET). */
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const rec_kind *k;
  char *sql;
} load_sqls[64];

static const char *load_sql(const rec_kind *k, buf *b) {
  const char *sql = NULL;
  pthread_mutex_lock(&load_mu);
  size_t i = 0;
  for (; i < sizeof load_sqls / sizeof *load_sqls && load_sqls[i].k; i++)
    if (load_sqls[i].k == k) {
      sql = load_sqls[i].sql;
      break;
    }
  if (!sql) {
    select_sql(k, b);
    buf_adds(b, " WHERE x.id=$1");
    sql = buf_str(b);
    if (i < sizeof load_sqls / sizeof *load_sqls && !buf_failed(b)) {
      load_sqls[i].sql = xstrdup(sql);
      load_sqls[i].k = k;
      sql = load_sqls[i].sql;
    }
  }
  pthread_mutex_unlock(&load_mu);
  return sql;
}

json_t *rec_load(const rec_kind *k, store_tx *tx, const char *id, int *rc) {
  buf b;
  buf_init(&b, 8192);
  sval p[] = {SV_S(id)};
  json_t *row = store_query_one(tx, load_sql(k, &b), p, 1, rc);
  buf_free(&b);
  if (row) {
    fix_bools(k, row);
    if (k->wf)
      json_object_set_new(row, "state_label", json_string(wf_state_label(k->wf, rec_s(row, "state"))));
    if (k->fix) k->fix(tx, row);
  }
  return row;
}

int rec_fetch_svc(app *a, svc_actor *ac, const rec_kind *k, store_tx *tx, const char *id,
                  action_id act, json_t **out, xres *x) {
  int rc = 0;
  *out = NULL;
  json_t *row = rec_load(k, tx, id, &rc);
  if (!row) {
    store_rollback(tx);
    if (rc) return xres_store(x, rc, ac->rid, NULL);
    return xres_err(x, 404, "not_found", "", "%s不存在或无权访问", k->label);
  }
  /* the kind's one rule (core/visibility.c) */
  int vis = vis_row(tx, k->vis, ac->who, id);
  if (vis <= 0) {
    json_decref(row);
    store_rollback(tx);
    if (vis < 0) return xres_store(x, vis, ac->rid, NULL);
    return svc_deny(a, ac, k->list_act, k->name, id, 1, x);
  }
  authz_obj o;
  rec_obj(row, &o);
  if (act != k->list_act && !authz(ac->who, act, &o)) {
    store_rollback(tx);
    deny_write(a, ac, k, act, &o, id, x);
    json_decref(row);
    return x->status;
  }
  *out = row;
  return 0;
}

int rec_fetch(req *r, const rec_kind *k, store_tx *tx, const char *id, action_id act,
              json_t **out) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  int st = rec_fetch_svc(r->app, &ac, k, tx, id, act, out, &x);
  api_actor_end(r, &ac);
  return st ? api_xres(r, &x) : 0;
}

/* The lifecycle engine's view of a kind (the route's arg). */
static json_t *lc_load(const void *k, store_tx *tx, const char *id, int *rc) {
  return rec_load(k, tx, id, rc);
}

static lc_entity lc_of(const rec_kind *k) {
  lc_entity e = {.wf = k->wf, .table = k->table, .read_act = k->list_act, .obj = rec_obj,
                 .load = lc_load, .hooks = k->hooks, .nhooks = k->nhooks, .vis = k->vis, .arg = k};
  return e;
}

/* May this user PATCH the row now? */
static bool edit_state_ok(const rec_kind *k, const json_t *row) {
  if (k->edit_always) return true;
  const char *st = rec_s(row, "state");
  return k->edit_state && st && !strcmp(st, k->edit_state);
}

static bool editable(const principal *who, const rec_kind *k, const json_t *row) {
  if (!edit_state_ok(k, row)) return false;
  authz_obj o;
  rec_obj(row, &o);
  return authz(who, k->edit_act, &o);
}

/* Removes the fields the user may not see, as the kind's visibility
 * declaration says (core/visibility.c vis_redact), inside tx or a read
 * transaction of its own; on a store error every declared field goes (fail
 * closed). */
static void redact_row(app *a, const principal *who, const rec_kind *k, store_tx *tx, json_t *row) {
  store_tx *own = NULL;
  const char *id = rec_s(row, "id");
  if (!tx && store_read(a->db, &own) == STORE_OK) tx = own;
  if (!tx || !id || vis_redact(tx, k->vis, who, id, row)) {
    for (const vis_field *f = k->vis->fields; f && f->name; f++) json_object_del(row, f->name);
    for (const char *const *f = k->vis->paper_fields; f && *f; f++) json_object_del(row, *f);
  }
  if (own) store_rollback(own);
}

static json_t *finish_row(app *a, const principal *who, const rec_kind *k, json_t *row) {
  lc_entity e = lc_of(k);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(who, &e, row));
  json_object_set_new(row, "editable", json_boolean(editable(who, k, row)));
  if (k->nalso) {
    authz_obj o;
    rec_obj(row, &o);
    json_t *can = json_object();
    for (int i = 0; i < k->nalso; i++)
      json_object_set_new(can, action_names[k->also[i]], json_boolean(authz(who, k->also[i], &o)));
    json_object_set_new(row, "can", can);
  }
  if (k->finish) k->finish(who, row);
  redact_row(a, who, k, NULL, row);
  strip_rules(k, row);
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
  int rc = store_read_lagged(r->app->db, r->who.user_id, &tx); /* as the list's rows */
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

/* The FROM the list's count may use: the kind's table alone when every join
 * of k->from is to one row that always exists (an inner join on the joined
 * table's primary key, the schema's foreign keys being NOT NULL and
 * enforced; a left join on a primary key or on a unique column) and the
 * conditions name no joined alias. Joins then neither drop nor repeat rows,
 * and the count walks one index instead of four tables (issue 15). Else
 * NULL: the count keeps k->from. */
static const char *const unique_cols[][2] = {{"reports", "target_id"}}; /* 003: UNIQUE */

static bool alias_used(const char *where, const char *a, size_t n) {
  for (const char *s = where; (s = strstr(s, a)) != NULL; s++) {
    bool start = s == where || !(s[-1] == '_' || (s[-1] >= 'a' && s[-1] <= 'z') ||
                                 (s[-1] >= 'A' && s[-1] <= 'Z') || (s[-1] >= '0' && s[-1] <= '9'));
    if (start && s[n] == '.') return true;
  }
  return false;
}

static bool count_base(const rec_kind *k, const char *where, buf *out) {
  const char *f = k->from;
  size_t tl = strlen(k->table);
  if (strncmp(f, k->table, tl) || strncmp(f + tl, " x", 2)) return false;
  const char *s = f + tl + 2;
  while (*s) {
    bool left = false;
    while (*s == ' ') s++;
    if (!strncmp(s, "LEFT JOIN ", 10)) left = true, s += 10;
    else if (!strncmp(s, "JOIN ", 5)) s += 5;
    else return false;
    char t[64], a[32], col[64];
    int used = 0;
    if (sscanf(s, "%63s %31s ON %n", t, a, &used) != 2 || !used) return false;
    s += used;
    size_t an = strlen(a);
    if (strncmp(s, a, an) || s[an] != '.' || sscanf(s + an + 1, "%63[a-z_]", col) != 1) return false;
    bool one = !strcmp(col, "id");
    for (size_t i = 0; left && !one && i < sizeof unique_cols / sizeof *unique_cols; i++)
      one = !strcmp(t, unique_cols[i][0]) && !strcmp(col, unique_cols[i][1]);
    if (!one || alias_used(where, a, an)) return false;
    const char *next = strstr(s, " JOIN ");
    if (!next) break;
    s = next;
    if (s - 5 >= f && !strncmp(s - 5, " LEFT", 5)) s -= 5;
  }
  buf_addf(out, "%s x", k->table);
  return !buf_failed(out);
}

static void list_item(store_tx *tx, json_t *row, const void *ctx) {
  const rec_kind *k = ((const void *const *)ctx)[0];
  fix_bools(k, row);
  if (k->wf)
    json_object_set_new(row, "state_label", json_string(wf_state_label(k->wf, rec_s(row, "state"))));
  if (k->fix) k->fix(tx, row);
}

/* The page's redaction, batched: each declared field's rule asked once for
 * all rows of the page (vis_redact_rows: the same answer as vis_redact per
 * row, one query per action instead of one per row); then the rule columns go. */
static void list_page(store_tx *tx, json_t *items, const void *ctx) {
  const rec_kind *k = ((const void *const *)ctx)[0];
  req *r = ((void *const *)ctx)[1];
  vis_redact_rows(tx, k->vis, &r->who, items);
  size_t i;
  json_t *row;
  json_array_foreach(items, i, row) strip_rules(k, row);
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
  args_spec spec = {.decls = decls, .n = nd, .max = 16, .prefix = "x.", .paging = true, .keyset = true,
                    .sort = true, .sort_fields = k->sorts ? k->sorts : k->filters,
                    .nsort_fields = k->sorts ? k->nsorts : k->nfilters,
                    .sort_stamps = true, .sort_prefix = "x.", .sort_default = k->order,
                    .today = today};
  int status;
  if (vis_bad) {
    status = api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  } else {
    rule_cols(k, &cols);
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
        buf cf;
        buf_init(&cf, 256);
        api_list_q q = {buf_str(&cols), k->from, buf_str(&w), args_order(&a), p2, np2,
                        list_item, ctx, .key = "x.id", .two_phase = true,
                        .count_from = count_base(k, buf_str(&w), &cf) ? buf_str(&cf) : NULL,
                        .fix_page = list_page, .lag_ok = true};
        status = api_list(r, &q);
        buf_free(&cf);
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
static int seal_cols(app *a, const rec_kind *k, const char *id, json_t *cols, json_t *d, bool edit) {
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
    char *enc = held ? field_seal(&a->keys, ctx, text) : NULL;
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

int rec_svc_get(app *a, svc_actor *ac, const rec_kind *k, const char *id, json_t **out, xres *x) {
  store_tx *tx;
  *out = NULL;
  int rc = store_read(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  json_t *row;
  if (rec_fetch_svc(a, ac, k, tx, id, k->list_act, &row, x)) return x->status;
  store_rollback(tx);
  *out = finish_row(a, ac->who, k, row);
  return 0;
}

/* The sealed fields of row id, revealed to those who may read them (each read
 * audited, a fresh second factor asked). 0, or the reply status / store error. */
static int get_sealed(req *r, const rec_kind *k, const char *id, json_t *row) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return rc;
  char *sealed[REC_MAXSEALED] = {0};
  int may[REC_MAXSEALED] = {0};
  for (int i = 0; !rc && i < k->nsealed && i < REC_MAXSEALED; i++) {
    /* who may read it: the kind's one rule under the field's read action */
    may[i] = vis_row_act(tx, k->vis, &r->who, k->sealed[i].read, id);
    if (may[i] < 0) {
      rc = may[i];
      break;
    }
    buf sql;
    buf_init(&sql, 256);
    buf_addf(&sql, "SELECT %s FROM %s WHERE id=$1", k->sealed[i].column, k->table);
    sval p[] = {SV_S(id)};
    rc = store_query_text(tx, buf_str(&sql), p, 1, &sealed[i]);
    buf_free(&sql);
  }
  store_rollback(tx);
  /* 举报人保护: a field that needs a reveal also needs the reader's own
   * approved reveal request, spent by this read (api/reveal.c) */
  for (int i = 0; !rc && i < k->nsealed && i < REC_MAXSEALED; i++)
    if (k->sealed[i].needs_reveal && may[i] && sealed[i])
      rc = reveal_spend(r, k->name, id, k->sealed[i].read, &may[i]);
  if (!rc) rc = reveal(r, k, row, sealed, may);
  for (int i = 0; i < REC_MAXSEALED; i++) free(sealed[i]);
  return rc;
}

int h_rec_get(req *r) {
  const rec_kind *k = kind_of(r);
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *row;
  int st = rec_svc_get(r->app, &ac, k, r->params[0], &row, &x);
  api_actor_end(r, &ac);
  if (st) return api_xres(r, &x);
  int rc = k->nsealed ? get_sealed(r, k, r->params[0], row) : 0;
  if (rc) {
    json_decref(row);
    return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  }
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
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

static int create_row(app *a, svc_actor *ac, const rec_kind *k, store_tx *tx, json_t *cols,
                      const json_t *parent, json_t **out, xres *x);

/* The end of a write: row (taken) reloaded after it, or rc; commits and
 * answers *out as GET shows it, or rolls back with the error in x. */
static int commit_row(app *a, svc_actor *ac, const rec_kind *k, store_tx *tx, json_t *row, int rc,
                      json_t **out, xres *x) {
  if (svc_commit_row(a, ac, tx, row, rc, x)) return x->status;
  *out = finish_row(a, ac->who, k, row);
  return 0;
}

int rec_svc_create(app *a, svc_actor *ac, const rec_kind *k, json_t *input, json_t **out,
                   xres *x) {
  *out = NULL;
  verr e;
  if (!fields_validate(input, k->fields, k->nfields, false, &e)) return xres_verr(x, &e);
  store_tx *tx;
  int rc = store_write(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  if (!k->parent_field) { /* a record of its own: the act on its org kind, if it has one */
    authz_obj o = {0};
    if (k->kind_col) o.org_kind = rec_s(input, k->kind_col);
    if (!authz(ac->who, k->create_act, &o)) {
      store_rollback(tx);
      return deny_write(a, ac, k, k->create_act, &o, NULL, x);
    }
    return create_row(a, ac, k, tx, json_deep_copy(input), NULL, out, x);
  }
  const char *pfield = k->parent_field, *psql = k->parent_sql;
  if (!rec_s(input, pfield) && k->alt_parent_field && rec_s(input, k->alt_parent_field)) {
    pfield = k->alt_parent_field;
    psql = k->alt_parent_sql;
  }
  const char *pid = rec_s(input, pfield);
  const field *pf = fields_find(k->fields, k->nfields, pfield);
  if (!pid) {
    store_rollback(tx);
    return xres_err(x, 400, "missing_field", pfield, "缺少必填项「%s」", pf ? pf->label : pfield);
  }
  sval pp[] = {SV_S(pid)};
  json_t *parent = store_query_one(tx, psql, pp, 1, &rc);
  if (!parent) {
    if (!rc) xres_err(x, 400, "invalid_field", pfield, "「%s」不存在或当前不可用", pf ? pf->label : pfield);
    return svc_fail(tx, ac, rc, x);
  }
  authz_obj o = {rec_s(parent, "team_id"), rec_s(parent, "unit_id"),
                 rec_s(parent, "supervisor_id"),
                 json_integer_value(json_object_get(parent, "handed")) != 0};
  if (!authz(ac->who, k->create_act, &o)) {
    json_decref(parent);
    store_rollback(tx);
    return svc_deny(a, ac, k->create_act, k->name, NULL, 0, x);
  }
  json_t *cols = json_deep_copy(input);
  const char *key;
  json_t *v;
  json_object_foreach(parent, key, v) {
    size_t kl = strlen(key);
    int is_state = kl >= 5 && !strcmp(key + kl - 5, "state"); /* state, parent_state, ... */
    if (strcmp(key, "supervisor_id") && strcmp(key, "handed") && !is_state)
      json_object_set(cols, key, v);
  }
  int status = create_row(a, ac, k, tx, cols, parent, out, x);
  json_decref(parent);
  return status;
}

/* n (0 <= n < 10^11) in decimal, in out. */
static const char *decimal(int n, char out[12]) {
  char *e = out + 11, *q = e;
  *q = '\0';
  do {
    *--q = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0 && q > out);
  return q;
}

/* Inserts the record from cols (taken) after the kind's prepare; audits,
 * runs created(), commits; *out the row as GET shows it. */
static int create_row(app *a, svc_actor *ac, const rec_kind *k, store_tx *tx, json_t *cols,
                      const json_t *parent, json_t **out, xres *x) {
  int rc = k->prepare ? k->prepare(a, ac, tx, cols, parent, NULL, x) : 0;
  if (rc) {
    json_decref(cols);
    return svc_fail(tx, ac, rc, x);
  }
  const char *key;
  json_t *v;
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  json_t *detail = json_deep_copy(cols); /* the audit's: never a sealed text */
  if (seal_cols(a, k, id, cols, detail, false)) {
    json_decref(detail);
    json_decref(cols);
    return svc_fail(tx, ac, STORE_ERR, x);
  }
  enum { MAXP = 48 };
  sval p[MAXP];
  int np = 0;
  buf qa, qb;
  buf_init(&qa, 4096);
  buf_init(&qb, 4096);
  if (k->no_creator) {
    buf_addf(&qa, "INSERT INTO %s(id, created_at, updated_at", k->table);
    buf_adds(&qb, ") VALUES($1, $2, $2");
  } else {
    buf_addf(&qa, "INSERT INTO %s(id, created_by, created_at, updated_at", k->table);
    buf_adds(&qb, ") VALUES($1, $2, $3, $3");
  }
  p[np++] = SV_S(id);
  if (!k->no_creator) p[np++] = SV_S(ac->user_id);
  p[np++] = SV_S(now);
  int badcol = 0;
  json_object_foreach(cols, key, v) {
    if (json_is_null(v) || np >= MAXP) continue;
    /* names come from the kind's field table (validated above) and its hooks */
    if (!col_name_ok(key)) {
      badcol = 1;
      break;
    }
    /* plain appends, not buf_addf: vsnprintf was ~1.4k instructions a call,
     * 2 % of a durable write (issue 15) */
    char num[12];
    buf_adds(&qa, ", ");
    buf_adds(&qa, key);
    buf_adds(&qb, ", $");
    buf_adds(&qb, decimal(np + 1, num));
    p[np++] = col_sval(v);
  }
  buf_adds(&qa, buf_str(&qb));
  buf_adds(&qa, ")");
  rc = badcol ? STORE_ERR : store_exec(tx, buf_str(&qa), p, np, NULL);
  buf_free(&qa);
  buf_free(&qb);
  char act[64];
  snprintf(act, sizeof act, "%s.create", k->name);
  if (!rc) rc = svc_audit(a, tx, ac, act, k->name, id, "ok", detail, NULL);
  json_decref(detail);
  json_decref(cols);
  json_t *row = rc ? NULL : rec_load(k, tx, id, &rc);
  json_t *answer = json_object();
  if (row && k->created) {
    rc = k->created(a, ac, tx, row, answer, x);
    if (!rc) {
      json_decref(row);
      row = rec_load(k, tx, id, &rc);
    }
  }
  rc = commit_row(a, ac, k, tx, row, rc, out, x);
  if (!rc) json_object_update(*out, answer);
  json_decref(answer);
  return rc;
}

int rec_if_match(const char *im, int64_t version, xres *x) {
  if (!im || strcmp(im, "*") == 0) return 0;
  char want[32];
  snprintf(want, sizeof want, "\"%lld\"", (long long)version);
  if (strncmp(im, "W/", 2) == 0) im += 2;
  if (strcmp(im, want) == 0) return 0;
  return xres_err(x, 409, "stale", "If-Match", "记录已被他人修改 (当前版本 %lld), 请刷新后重试",
                  (long long)version);
}

int rec_svc_update(app *a, svc_actor *ac, const rec_kind *k, const char *id, const char *if_match,
                   json_t *input, json_t **out, xres *x) {
  *out = NULL;
  verr e;
  if (!fields_validate(input, k->fields, k->nfields, true, &e)) return xres_verr(x, &e);
  store_tx *tx;
  int rc = store_write(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  json_t *old;
  if (rec_fetch_svc(a, ac, k, tx, id, k->edit_act, &old, x)) return x->status;
  int64_t version = json_integer_value(json_object_get(old, "version"));
  if (!edit_state_ok(k, old)) {
    xres_err(x, 409, "invalid_state", "state", "当前状态为「%s」, 不能修改",
             wf_state_label(k->wf, rec_s(old, "state")));
    json_decref(old);
    return svc_fail(tx, ac, 0, x);
  }
  json_t *cols = json_deep_copy(input), *detail = NULL;
  rc = rec_if_match(if_match, version, x);
  if (!rc && k->prepare) rc = k->prepare(a, ac, tx, cols, NULL, old, x);
  if (!rc) {
    detail = json_deep_copy(cols);
    rc = seal_cols(a, k, id, cols, detail, true);
  }
  if (!rc) {
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
    p[np++] = SV_S(id);
    p[np++] = SV_I(version);
    int64_t changes = 0;
    rc = badcol ? STORE_ERR : store_exec(tx, buf_str(&sql), p, np, &changes);
    buf_free(&sql);
    if (!rc && changes != 1) rc = xres_err(x, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
  }
  char act[64];
  snprintf(act, sizeof act, "%s.update", k->name);
  if (!rc) rc = svc_audit(a, tx, ac, act, k->name, id, "ok", detail, old);
  json_decref(detail);
  json_decref(cols);
  json_decref(old);
  json_t *row = rc ? NULL : rec_load(k, tx, id, &rc);
  return commit_row(a, ac, k, tx, row, rc, out, x);
}

/* Thin handlers: parse, call the service, answer (ETag of the version). */
static int rec_answer(req *r, svc_actor *ac, int st, xres *x, json_t *row, int status) {
  api_actor_end(r, ac);
  if (st) return api_xres(r, x);
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, status, row);
}

int h_rec_create(req *r) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *row = NULL;
  json_t *in = r->in ? r->in : json_object();
  int st = rec_svc_create(r->app, &ac, kind_of(r), in, &row, &x);
  if (in != r->in) json_decref(in);
  return rec_answer(r, &ac, st, &x, row, 201);
}

int h_rec_update(req *r) {
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *row = NULL;
  json_t *in = r->in ? r->in : json_object();
  int st = rec_svc_update(r->app, &ac, kind_of(r), r->params[0], req_header(r, "If-Match"), in,
                          &row, &x);
  if (in != r->in) json_decref(in);
  return rec_answer(r, &ac, st, &x, row, 200);
}

/* ---- lifecycle ----------------------------------------------------------------- */
int rec_svc_action(app *a, svc_actor *ac, const rec_kind *k, const char *id, const char *verb,
                   const char *if_match, json_t *input, json_t **out, xres *x) {
  lc_entity e = lc_of(k);
  int st = lifecycle_svc(a, ac, &e, id, verb, if_match, input, out, x);
  if (!st) *out = finish_row(a, ac->who, k, *out);
  return st;
}

int h_rec_action(req *r) {
  if (!r->in) r->in = json_object();
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *row = NULL;
  int st = rec_svc_action(r->app, &ac, kind_of(r), r->params[0], r->params[1],
                          req_header(r, "If-Match"), r->in, &row, &x);
  return rec_answer(r, &ac, st, &x, row, 200);
}

int rec_cascade(req *r, store_tx *tx, const workflow *wf, const char *table, const char *where_sql,
                const sval *p, int np, const char *verb, json_t *detail, int *moved) {
  svc_actor ac;
  api_actor(r, &ac);
  int rc = rec_cascade_svc(r->app, &ac, tx, wf, table, where_sql, p, np, verb, detail, moved);
  api_actor_end(r, &ac);
  return rc;
}

int rec_cascade_svc(app *a, svc_actor *ac, store_tx *tx, const workflow *wf, const char *table,
                    const char *where_sql, const sval *p, int np, const char *verb, json_t *detail,
                    int *moved) {
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
    if (!rc) rc = svc_audit(a, tx, ac, act, wf->entity, rec_s(it, "id"), "ok", d, NULL);
    json_decref(d);
    if (rc) break;
    (*moved)++;
  }
  json_decref(rows);
  json_decref(detail);
  return rc;
}
