/*
 * clues.c — problem clues (问题线索): the heart of 边巡边交.
 *
 * A team records a clue on one of its targets; its leader verifies it; the
 * office hands it over to the commission (移交函 文号, mode during/after
 * patrol from the target's withdrawal date); 案管室 registers it (登记号),
 * decides the disposal and concludes it. The allegation is encrypted at rest
 * (SM4-CTR + HMAC-SM3 bound to the clue id); every read of it is audited.
 * Scope: a team sees its own targets' clues, the commission only those
 * handed over, unit liaisons none (core/authz.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/changelog.h"
#include "api/entity.h"
#include "core/visibility.h"
#include "api/lifecycle.h"
#include "api/meta.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

static const char *const sources[] = {"interview", "records", "field_visit", "petition",
                                      "other", NULL};
static const char *const methods[] = {"talk_inquiry", "preliminary_verification", "pending",
                                      "closed_out", NULL};
static const char *const results[] = {"case_filed", "no_case", "closed_out", NULL};
static const char *const modes[] = {"during_patrol", "after_patrol", NULL};
static const char *const states[] = {"draft", "verified", "handed_over", "registered",
                                     "disposing", "concluded", NULL};

static const field create_fields[] = {
    {"target_id", "巡察对象", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"title", "线索标题", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"subject_name", "被反映人", FT_TEXT, F_REQUIRED, 50, 0, NULL},
    {"subject_post", "被反映人职务", FT_TEXT, 0, 100, 0, NULL},
    {"source", "线索来源", FT_ENUM, F_REQUIRED, 0, 0, sources},
    {"discovered_on", "发现日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"allegation", "反映的主要问题", FT_MEMO, F_REQUIRED, 20000, 0, NULL},
};
#define NCREATE ((int)(sizeof create_fields / sizeof *create_fields))

/* Columns that may be filtered and sorted on in lists. */
static const field list_fields[] = {
    {"state", "状态", FT_ENUM, 0, 0, 0, states},
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"team_id", "巡察组", FT_ID, 0, 0, 0, NULL},
    {"target_id", "巡察对象", FT_ID, 0, 0, 0, NULL},
    {"unit_id", "被巡察单位", FT_ID, 0, 0, 0, NULL},
    {"handover_mode", "移交方式", FT_ENUM, 0, 0, 0, modes},
    {"discovered_on", "发现日期", FT_DATE, 0, 0, 0, NULL},
    {"handover_at", "移交时间", FT_TEXT, 0, 0, 0, NULL},
    {"title", "线索标题", FT_TEXT, 0, 0, 0, NULL},
};
#define NLIST ((int)(sizeof list_fields / sizeof *list_fields))

#define CLUE_COLS                                                                              \
  "c.id, c.version, c.target_id, c.round_id, c.team_id, c.unit_id, c.title, c.subject_name, "  \
  "c.subject_post, c.source, c.discovered_on, c.state, c.verified_at, c.verify_note, "         \
  "c.handover_at, c.handover_mode, c.handover_docno, c.registered_at, c.registry_no, "         \
  "c.disposal_method, c.disposal_dept_id, c.disposed_at, c.result, c.result_note, "             \
  "c.concluded_at, c.created_by, c.created_at, c.updated_at, o.name AS unit_name, "             \
  "c.case_filed_on, c.detention_on, c.prosecution_on, c.outcome_authority, "                    \
  "t.name AS team_name, g.withdrawal_date AS withdrawal_date "
#define CLUE_FROM_TABLES                                                                       \
  "clues c JOIN orgs o ON o.id=c.unit_id JOIN teams t ON t.id=c.team_id "                      \
  "JOIN targets g ON g.id=c.target_id"
#define CLUE_FROM " FROM " CLUE_FROM_TABLES

/* ---- engine descriptor ------------------------------------------------------- */
static int handed_index(void) { return wf_state_index(&wf_clue, "handed_over"); }

static void clue_obj(const json_t *row, authz_obj *o) {
  memset(o, 0, sizeof *o);
  o->team_id = json_string_value(json_object_get(row, "team_id"));
  o->unit_id = json_string_value(json_object_get(row, "unit_id"));
  const char *st = json_string_value(json_object_get(row, "state"));
  o->handed_over = st && wf_state_index(&wf_clue, st) >= handed_index();
}

/* Whole days from the date of timestamp a to that of b, or null. */
static json_t *days(const json_t *row, const char *a, const char *b) {
  const char *x = json_string_value(json_object_get(row, a)), *y = json_string_value(json_object_get(row, b));
  char dx[11], dy[11];
  int64_t p, q;
  if (!x || !y || strlen(x) < 10 || strlen(y) < 10) return json_null();
  memcpy(dx, x, 10);
  memcpy(dy, y, 10);
  dx[10] = dy[10] = '\0';
  if (!date_parse(dx, &p) || !date_parse(dy, &q)) return json_null();
  return json_integer(q - p);
}

static void decorate(json_t *row) {
  const char *st = json_string_value(json_object_get(row, "state"));
  if (st) json_object_set_new(row, "state_label", json_string(wf_state_label(&wf_clue, st)));
  /* the time each hand-over took (issue 5; the statistics take median and max) */
  json_object_set_new(row, "days_discovery_to_handover", days(row, "discovered_on", "handover_at"));
  json_object_set_new(row, "days_handover_to_registration", days(row, "handover_at", "registered_at"));
  json_object_set_new(row, "days_handover_to_disposal", days(row, "handover_at", "disposed_at"));
  json_object_set_new(row, "days_handover_to_conclusion", days(row, "handover_at", "concluded_at"));
}

static json_t *clue_load(req *r, store_tx *tx, const char *id, int *rc) {
  (void)r;
  sval p[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT " CLUE_COLS CLUE_FROM " WHERE c.id=$1", p, 1, rc);
  if (row) decorate(row);
  return row;
}

static int docno(req *r, store_tx *tx, const char *series, cfg_id prefix, char *out, size_t n) {
  int year = year_shanghai(xnow());
  int64_t seq;
  int rc = api_next_seq(tx, series, year, &seq);
  if (rc) return rc;
  (void)r;
  snprintf(out, n, "%s〔%d〕%lld号", cfg_str(prefix), year, (long long)seq);
  return 0;
}

static int apply_verify(req *r, store_tx *tx, const json_t *row, json_t *d) {
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(r->who.user_id),
              SV_S(json_string_value(json_object_get(r->in, "note"))),
              SV_S(json_string_value(json_object_get(row, "id")))};
  (void)d;
  return store_exec(tx, "UPDATE clues SET verified_at=$1, verified_by=$2, verify_note=$3 WHERE id=$4",
                    p, 4, NULL);
}

static int apply_handover(req *r, store_tx *tx, const json_t *row, json_t *d) {
  char now[TS_LEN], dn[128], today[11];
  ts_now(now);
  date_format(date_today_shanghai(), today);
  const char *wd = json_string_value(json_object_get(row, "withdrawal_date"));
  const char *mode = (!wd || !*wd || strcmp(today, wd) <= 0) ? "during_patrol" : "after_patrol";
  int rc = docno(r, tx, "handover", CFG_DOCNO_HANDOVER, dn, sizeof dn);
  if (rc) return rc;
  sval p[] = {SV_S(now), SV_S(r->who.user_id), SV_S(mode), SV_S(dn),
              SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "handover_mode", json_string(mode));
  json_object_set_new(d, "handover_docno", json_string(dn));
  return store_exec(tx,
                    "UPDATE clues SET handover_at=$1, handover_by=$2, handover_mode=$3, "
                    "handover_docno=$4 WHERE id=$5",
                    p, 5, NULL);
}

static int apply_register(req *r, store_tx *tx, const json_t *row, json_t *d) {
  char now[TS_LEN], dn[128];
  ts_now(now);
  int rc = docno(r, tx, "registry", CFG_DOCNO_REGISTRY, dn, sizeof dn);
  if (rc) return rc;
  sval p[] = {SV_S(now), SV_S(r->who.user_id), SV_S(dn),
              SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "registry_no", json_string(dn));
  return store_exec(tx,
                    "UPDATE clues SET registered_at=$1, registered_by=$2, registry_no=$3 WHERE id=$4",
                    p, 4, NULL);
}

static int apply_dispose(req *r, store_tx *tx, const json_t *row, json_t *d) {
  const char *method = json_string_value(json_object_get(r->in, "method"));
  const char *dept = json_string_value(json_object_get(r->in, "dept_id"));
  if (dept) {
    int64_t n = 0;
    sval q[] = {SV_S(dept)};
    int rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='commission_dept'",
                             q, 1, &n);
    if (rc) return rc;
    if (!n) return api_error(r, 400, "invalid_field", "dept_id", "「承办部门」应为纪委监委内设部门");
  }
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(method), SV_S(dept), SV_S(now), SV_S(r->who.user_id),
              SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "method", json_string(method));
  return store_exec(tx,
                    "UPDATE clues SET disposal_method=$1, disposal_dept_id=$2, disposed_at=$3, "
                    "disposed_by=$4 WHERE id=$5",
                    p, 5, NULL);
}

static int apply_conclude(req *r, store_tx *tx, const json_t *row, json_t *d) {
  const char *result = json_string_value(json_object_get(r->in, "result"));
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(result), SV_S(json_string_value(json_object_get(r->in, "note"))), SV_S(now),
              SV_S(r->who.user_id), SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "result", json_string(result));
  return store_exec(tx,
                    "UPDATE clues SET result=$1, result_note=$2, concluded_at=$3, concluded_by=$4 "
                    "WHERE id=$5",
                    p, 5, NULL);
}

#define NOTE {"note", "意见", FT_MEMO, 0, 2000, 0, NULL}
static const field f_note[] = {NOTE};
static const field f_dispose[] = {{"method", "处置方式", FT_ENUM, F_REQUIRED, 0, 0, methods},
                                  {"dept_id", "承办部门", FT_ID, 0, 0, 0, NULL}, NOTE};
static const field f_conclude[] = {{"result", "办理结果", FT_ENUM, F_REQUIRED, 0, 0, results},
                                   NOTE};

static const lc_hook clue_hooks[] = {
    {"verify", f_note, 1, apply_verify},
    {"handover", f_note, 1, apply_handover},
    {"register", f_note, 1, apply_register},
    {"dispose", f_dispose, 3, apply_dispose},
    {"conclude", f_conclude, 2, apply_conclude},
};

static const lc_entity lc_clue = {&wf_clue, "clues", A_CLUE_LIST, clue_obj, clue_load,
                                  clue_hooks, (int)(sizeof clue_hooks / sizeof *clue_hooks)};

int h_clues_action(req *r) { return lifecycle_run(r, &lc_clue, r->params[0], r->params[1]); }

/* ---- list ------------------------------------------------------------------- */
typedef struct lctx {
  req *r;
  buf *where;
  sval *p;
  int *np;
  int maxp; /* room in p, checked before every append */
  int failed;
} lctx;

static bool clue_arg(void *c, const char *k, const char *v) {
  lctx *x = c;
  if (!strcmp(k, "page") || !strcmp(k, "per_page") || !strcmp(k, "sort")) return true;
  if (*x->np >= x->maxp) {
    api_error(x->r, 400, "too_many_params", k, "查询条件过多");
    x->failed = 1;
    return false;
  }
  if (!strcmp(k, "q")) {
    if (!utf8_valid(v, strlen(v)) || utf8_len(v) > 50) {
      api_error(x->r, 400, "invalid_field", "q", "「关键词」无效或过长");
      x->failed = 1;
      return false;
    }
    buf_addf(x->where, " AND (instr(c.title,$%d)>0 OR instr(c.subject_name,$%d)>0)", *x->np + 1,
             *x->np + 1);
    x->p[(*x->np)++] = SV_S(v);
    return true;
  }
  const field *f = fields_find(list_fields, NLIST, k);
  verr e;
  json_t *jv = json_string(v);
  if (!f || !jv || (f->type != FT_TEXT && !field_check(f, jv, &e))) {
    if (!f) api_error(x->r, 400, "unknown_field", k, "未知的查询条件: %.60s", k);
    else if (!jv) api_error(x->r, 400, "invalid_field", k, "查询条件「%s」无效", f->label);
    else api_verr(x->r, &e);
    json_decref(jv);
    x->failed = 1;
    return false;
  }
  json_decref(jv);
  buf_addf(x->where, " AND c.%s = $%d", f->name, *x->np + 1);
  x->p[(*x->np)++] = SV_S(v);
  return true;
}

static void decorate_item(store_tx *tx, json_t *row, const void *ctx) {
  (void)tx;
  (void)ctx;
  decorate(row);
}

int h_clues_list(req *r) {
  authz_filter f;
  if (!authz_filter_for(&r->who, A_CLUE_LIST, &f)) return api_deny(r, A_CLUE_LIST, "clue", NULL, 0);
  enum { MAXP = VIS_MAXP + 24 };
  sval p[MAXP];
  int np = 0;
  buf where, order;
  buf_init(&where, 8192);
  buf_init(&order, 256);
  buf_adds(&where, " WHERE 1=1");
  /* the clue kind's one predicate (core/visibility.c); past its bounds: 500 */
  int vis_bad = vis_in(&vis_clue, &r->who, A_CLUE_LIST, "c.id", &where, p, &np, VIS_MAXP);
  lctx lc = {r, &where, p, &np, MAXP - 2, 0};
  int status;
  if (vis_bad) {
    status = api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  } else if (!req_each_arg(r, clue_arg, &lc) || lc.failed) {
    status = r->status;
  } else if (req_arg(r, "sort") && *req_arg(r, "sort")) {
    status = entity_sort_sql(r, &order, list_fields, NLIST, "c.created_at", "c.");
  } else {
    buf_adds(&order, " ORDER BY c.created_at DESC, c.id DESC");
    status = 0;
  }
  if (!status) {
    api_list_q q = {CLUE_COLS, CLUE_FROM_TABLES, buf_str(&where), buf_str(&order), p, np,
                    decorate_item, NULL};
    status = api_list(r, &q);
  }
  buf_free(&where);
  buf_free(&order);
  return status;
}

/* ---- create ------------------------------------------------------------------- */
static json_t *safe_detail(const json_t *in) {
  json_t *d = json_deep_copy(in);
  json_object_del(d, "allegation"); /* never in the audit log */
  return d;
}

int h_clues_create(req *r) {
  if (api_body(r, create_fields, NCREATE, false)) return r->status;
  const char *target = json_string_value(json_object_get(r->in, "target_id"));
  const char *disc = json_string_value(json_object_get(r->in, "discovered_on"));
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(disc, today) > 0)
    return api_error(r, 400, "invalid_field", "discovered_on", "「发现日期」不得晚于今天");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval tp[] = {SV_S(target)};
  json_t *t = store_query_one(tx, "SELECT round_id, team_id, unit_id FROM targets WHERE id=$1", tp,
                              1, &rc);
  if (!t) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 400, "invalid_field", "target_id", "「巡察对象」不存在");
  }
  authz_obj o = {json_string_value(json_object_get(t, "team_id")),
                 json_string_value(json_object_get(t, "unit_id")), NULL, false};
  if (!authz(&r->who, A_CLUE_CREATE, &o)) {
    store_rollback(tx);
    json_decref(t);
    return api_deny(r, A_CLUE_CREATE, "target", target, 0);
  }
  char id[UUID_LEN], now[TS_LEN], ctx[80];
  uuid7(id);
  ts_now(now);
  snprintf(ctx, sizeof ctx, "clue:%s", id);
  char *sealed = field_seal(&r->app->keys, ctx,
                            json_string_value(json_object_get(r->in, "allegation")));
  sval p[] = {SV_S(id),
              SV_S(target),
              SV_S(json_string_value(json_object_get(t, "round_id"))),
              SV_S(o.team_id),
              SV_S(o.unit_id),
              SV_S(json_string_value(json_object_get(r->in, "title"))),
              SV_S(json_string_value(json_object_get(r->in, "subject_name"))),
              SV_S(json_string_value(json_object_get(r->in, "subject_post"))),
              SV_S(json_string_value(json_object_get(r->in, "source"))),
              SV_S(disc),
              SV_S(sealed),
              SV_S(r->who.user_id),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO clues(id,target_id,round_id,team_id,unit_id,title,subject_name,"
                  "subject_post,source,discovered_on,allegation_enc,created_by,created_at,"
                  "updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13)",
                  p, 13, NULL);
  free(sealed);
  json_decref(t);
  json_t *d = safe_detail(r->in);
  if (rc == STORE_OK) rc = api_audit(r, tx, "clue.create", "clue", id, "ok", d);
  json_decref(d);
  json_t *row = rc == STORE_OK ? clue_load(r, tx, id, &rc) : NULL;
  if (row) json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_clue, row));
  return api_finish(r, tx, row, rc, 201);
}

/* ---- get (with the audited allegation read) ------------------------------------ */
int h_clues_get(req *r) {
  const char *id = r->params[0];
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = clue_load(r, tx, id, &rc);
  char *sealed = NULL;
  sval p[] = {SV_S(id)};
  if (row) rc = store_query_text(tx, "SELECT allegation_enc FROM clues WHERE id=$1", p, 1, &sealed);
  store_rollback(tx);
  if (rc) {
    json_decref(row);
    free(sealed);
    return api_store_error(r, rc, NULL);
  }
  if (!row) return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  authz_obj o;
  clue_obj(row, &o);
  if (!authz(&r->who, A_CLUE_LIST, &o)) {
    json_decref(row);
    free(sealed);
    return api_deny(r, A_CLUE_LIST, "clue", id, 1);
  }
  if (authz(&r->who, A_CLUE_ALLEGATION, &o) && sealed) {
    char *plain;
    if (api_reveal(r, "clue", id, sealed, "clue.allegation.read", &plain)) {
      free(sealed);
      json_decref(row);
      return r->status;
    }
    if (!plain) {
      json_object_set_new(row, "allegation", json_null());
      json_object_set_new(row, "allegation_error", json_string("密文校验失败, 内容可能被篡改"));
    } else {
      json_object_set_new(row, "allegation", json_string(plain));
      xwipe(plain, strlen(plain));
      free(plain);
    }
  }
  free(sealed);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_clue, row));
  json_object_set_new(row, "can_edit",
                      json_boolean(!strcmp(json_string_value(json_object_get(row, "state")), "draft") &&
                                   authz(&r->who, A_CLUE_EDIT, &o)));
  /* what the clue's page may offer besides the lifecycle (see record.h "also") */
  const char *st = json_string_value(json_object_get(row, "state"));
  bool disposing = !strcmp(st, "disposing") || !strcmp(st, "concluded");
  json_object_set_new(row, "can",
                      json_pack("{s:b,s:b,s:b}", action_names[A_CLUE_OUTCOME],
                                disposing && authz(&r->who, A_CLUE_OUTCOME, &o),
                                action_names[A_ACCT_WRITE], authz(&r->who, A_ACCT_WRITE, &o),
                                action_names[A_ASSIST_WRITE], authz(&r->who, A_ASSIST_WRITE, &o)));
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
}

/* ---- update a draft ------------------------------------------------------------ */
int h_clues_update(req *r) {
  const char *id = r->params[0];
  /* every create field but the target may change */
  if (api_body(r, create_fields + 1, NCREATE - 1, true)) return r->status;
  const char *disc = json_string_value(json_object_get(r->in, "discovered_on"));
  char today[11];
  date_format(date_today_shanghai(), today);
  if (disc && strcmp(disc, today) > 0)
    return api_error(r, 400, "invalid_field", "discovered_on", "「发现日期」不得晚于今天");
  for (int i = 1; i < NCREATE; i++)
    if ((create_fields[i].flags & F_REQUIRED) && json_is_null(json_object_get(r->in, create_fields[i].name)))
      return api_error(r, 400, "missing_field", create_fields[i].name, "「%s」为必填项",
                       create_fields[i].label);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = clue_load(r, tx, id, &rc);
  if (!row) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  }
  authz_obj o;
  clue_obj(row, &o);
  int64_t version = json_integer_value(json_object_get(row, "version"));
  int visible = authz(&r->who, A_CLUE_LIST, &o), may = authz(&r->who, A_CLUE_EDIT, &o);
  int draft = !strcmp(json_string_value(json_object_get(row, "state")), "draft");
  if (!visible || !may) {
    json_decref(row);
    store_rollback(tx);
    return api_deny(r, A_CLUE_EDIT, "clue", id, !visible);
  }
  if (!draft) {
    json_decref(row);
    store_rollback(tx);
    return api_error(r, 409, "invalid_state", "state", "只有草稿状态的线索可以修改");
  }
  if (api_if_match(r, version)) {
    json_decref(row);
    store_rollback(tx);
    return r->status;
  }
  char now[TS_LEN], ctx[80];
  ts_now(now);
  sval p[16];
  int np = 0;
  buf sql;
  buf_init(&sql, 2048);
  buf_adds(&sql, "UPDATE clues SET version=version+1, updated_at=$1");
  p[np++] = SV_S(now);
  char *sealed = NULL;
  for (int i = 1; i < NCREATE; i++) {
    json_t *v = json_object_get(r->in, create_fields[i].name);
    if (!v) continue;
    if (!strcmp(create_fields[i].name, "allegation")) {
      snprintf(ctx, sizeof ctx, "clue:%s", id);
      sealed = field_seal(&r->app->keys, ctx, json_string_value(v));
      buf_addf(&sql, ", allegation_enc=$%d", np + 1);
      p[np++] = SV_S(sealed);
    } else {
      buf_addf(&sql, ", %s=$%d", create_fields[i].name, np + 1);
      p[np++] = SV_S(json_string_value(v));
    }
  }
  buf_addf(&sql, " WHERE id=$%d AND version=$%d AND state='draft'", np + 1, np + 2);
  p[np++] = SV_S(id);
  p[np++] = SV_I(version);
  int64_t changes = 0;
  rc = store_exec(tx, buf_str(&sql), p, np, &changes);
  buf_free(&sql);
  free(sealed);
  json_t *d = safe_detail(r->in);
  if (json_object_get(r->in, "allegation")) json_object_set_new(d, "allegation_changed", json_true());
  if (rc == STORE_OK && changes != 1) {
    api_error(r, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
    rc = 1;
  }
  /* old values for the change log (the allegation is in neither d nor the log) */
  if (rc == STORE_OK) rc = api_audit_old(r, tx, "clue.update", "clue", id, "ok", d, row);
  json_decref(d);
  json_decref(row);
  row = rc == STORE_OK ? clue_load(r, tx, id, &rc) : NULL;
  if (row) json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_clue, row));
  return api_finish(r, tx, row, rc, 200);
}

/* ---- history: who did what when, from the clue's change log ------------------------ */
/* The clue as the change log's reader sees it: labels from its fields and
 * workflow; the sealed allegation never enters the log (safe_detail). */
static const rec_kind rk_clue_log = {.name = "clue", .label = "问题线索", .fields = create_fields,
                                     .nfields = NF(create_fields), .wf = &wf_clue};

int h_clues_history(req *r) {
  const char *id = r->params[0];
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = clue_load(r, tx, id, &rc);
  json_t *items = NULL;
  authz_obj o;
  int ok = 0;
  if (row) {
    clue_obj(row, &o);
    ok = authz(&r->who, A_CLUE_LIST, &o);
    if (ok) items = chlog_history(r, tx, &rk_clue_log, row);
  }
  store_rollback(tx);
  int found = row != NULL;
  json_decref(row);
  if (rc) {
    json_decref(items);
    return api_store_error(r, rc, NULL);
  }
  if (!found) return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  if (!ok) return api_deny(r, A_CLUE_LIST, "clue", id, 1);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- the declaration GET /api/v1/meta publishes (api/meta.h) ------------------ */
static const action_id clue_also[] = {A_CLUE_ALLEGATION, A_CLUE_OUTCOME, A_ACCT_WRITE,
                                      A_ASSIST_WRITE};
static const lc_hook *const clue_acts[] = {&clue_outcome_act};
const kind_decl kd_clue = {
    .name = "clue", .label = "问题线索",
    .fields = create_fields, .nfields = NCREATE,
    .edit_fields = create_fields + 1, .nedit = NCREATE - 1, /* every create field but the target */
    .edit_state = "draft",
    .filters = list_fields, .nfilters = NLIST, .search = "线索标题、被反映人",
    .wf = &wf_clue, .hooks = clue_hooks, .nhooks = NF(clue_hooks),
    .list_act = A_CLUE_LIST, .create_act = A_CLUE_CREATE, .edit_act = A_CLUE_EDIT,
    .also = clue_also, .nalso = NF(clue_also), .acts = clue_acts, .nacts = NF(clue_acts),
};
