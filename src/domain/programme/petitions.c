/*
 * petitions.c — 信访件 logged by a team on site, with the reporter's identity
 * sealed (SM4) and readable only by those who need it (audited), and their
 * triage into a clue, a transfer to the unit or a closure with reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"
#include "api/meta.h"

/* ---- 信访件 (petitions received on site) --------------------------------------------------- */
static const char *const channels[] = {"letter", "visit", "phone", "online", "qr_code", NULL};
static const field petition_fields[] = {
    {"target_id", "巡察对象", FT_ID, F_REQUIRED, 0, 0, NULL},
    {"channel", "来信来访方式", FT_ENUM, F_REQUIRED, 0, 0, channels},
    {"received_on", "收到日期", FT_DATE, F_REQUIRED, 0, 0, NULL},
    {"summary", "反映的主要问题", FT_MEMO, F_REQUIRED, 5000, 0, NULL},
    {"anonymous", "匿名", FT_BOOL, 0, 0, 0, NULL},
    {"reporter_name", "信访人姓名", FT_TEXT, 0, 50, 0, NULL},
    {"reporter_contact", "信访人联系方式", FT_TEXT, 0, 100, 0, NULL},
};

#define PETITION_COLS                                                                          \
  "p.id, p.version, p.round_id, p.team_id, t.name AS team_name, p.target_id, p.unit_id, "      \
  "u.name AS unit_name, p.channel, p.received_on, p.summary, p.anonymous, p.state, p.clue_id, " \
  "p.triage_note, p.triaged_at, p.created_by, p.created_at, p.updated_at"
#define PETITION_FROM "petitions p JOIN teams t ON t.id=p.team_id JOIN orgs u ON u.id=p.unit_id"
#define PETITION_SELECT "SELECT " PETITION_COLS " FROM " PETITION_FROM " "

static void petition_obj(const json_t *row, authz_obj *o) {
  memset(o, 0, sizeof *o);
  o->team_id = prog_js(row, "team_id");
  o->unit_id = prog_js(row, "unit_id");
}

static void petition_fix(json_t *row) {
  json_object_set_new(row, "anonymous",
                      json_boolean(json_integer_value(json_object_get(row, "anonymous"))));
  json_object_set_new(row, "state_label",
                      json_string(wf_state_label(&wf_petition, prog_js(row, "state"))));
}

static json_t *petition_load(req *r, store_tx *tx, const char *id, int *rc) {
  (void)r;
  json_t *row = prog_one(tx, PETITION_SELECT "WHERE p.id=$1", id, rc);
  if (row) {
    petition_fix(row);
    char t[80];
    snprintf(t, sizeof t, "%s (%s)", prog_js(row, "unit_name"), prog_js(row, "received_on"));
    json_object_set_new(row, "title", json_string(t));
  }
  return row;
}

static int petition_mark(req *r, store_tx *tx, const json_t *row, const char *note,
                         const char *clue) {
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(note), SV_S(clue), SV_S(r->who.user_id), SV_S(now), SV_S(prog_js(row, "id"))};
  return store_exec(tx,
                    "UPDATE petitions SET triage_note=$1, clue_id=$2, triaged_by=$3, triaged_at=$4 "
                    "WHERE id=$5",
                    p, 5, NULL);
}

/* to_clue: a draft clue of the foundation slice, linked both ways by id. */
static int apply_to_clue(req *r, store_tx *tx, const json_t *row, json_t *d) {
  char id[UUID_LEN], now[TS_LEN], ctx[80], today[11];
  uuid7(id);
  ts_now(now);
  date_format(date_today_shanghai(), today);
  snprintf(ctx, sizeof ctx, "clue:%s", id);
  const char *alleg = prog_js(r->in, "allegation");
  char *sealed = field_seal(&r->app->keys, ctx, alleg && *alleg ? alleg : prog_js(row, "summary"));
  const char *disc = prog_js(row, "received_on");
  sval p[] = {SV_S(id),
              SV_S(prog_js(row, "target_id")),
              SV_S(prog_js(row, "round_id")),
              SV_S(prog_js(row, "team_id")),
              SV_S(prog_js(row, "unit_id")),
              SV_S(prog_js(r->in, "title")),
              SV_S(prog_js(r->in, "subject_name")),
              SV_S(prog_js(r->in, "subject_post")),
              SV_S(strcmp(disc, today) > 0 ? today : disc),
              SV_S(sealed),
              SV_S(r->who.user_id),
              SV_S(now)};
  int rc = sealed ? store_exec(tx,
                               "INSERT INTO clues(id,target_id,round_id,team_id,unit_id,title,"
                               "subject_name,subject_post,source,discovered_on,allegation_enc,"
                               "created_by,created_at,updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
                               "'petition',$9,$10,$11,$12,$12)",
                               p, 12, NULL)
                  : STORE_ERR;
  free(sealed);
  json_t *cd = json_pack("{s:s,s:s}", "petition_id", prog_js(row, "id"), "title", prog_js(r->in, "title"));
  if (!rc) rc = api_audit(r, tx, "clue.create", "clue", id, "ok", cd);
  json_decref(cd);
  if (!rc) rc = petition_mark(r, tx, row, prog_js(r->in, "note"), id);
  json_object_set_new(d, "clue_id", json_string(id));
  return rc;
}

static int apply_transfer(req *r, store_tx *tx, const json_t *row, json_t *d) {
  json_object_set_new(d, "transferred_to", json_string(prog_js(row, "unit_id")));
  return petition_mark(r, tx, row, prog_js(r->in, "note"), NULL);
}

static int apply_close(req *r, store_tx *tx, const json_t *row, json_t *d) {
  const char *reason = prog_js(r->in, "reason");
  if (!*reason) return api_error(r, 400, "missing_field", "reason", "须填写「了结理由」");
  json_object_set_new(d, "reason", json_string(reason));
  return petition_mark(r, tx, row, reason, NULL);
}

static const field f_to_clue[] = {
    {"title", "线索标题", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"subject_name", "被反映人", FT_TEXT, F_REQUIRED, 50, 0, NULL},
    {"subject_post", "被反映人职务", FT_TEXT, 0, 100, 0, NULL},
    {"allegation", "反映的主要问题", FT_MEMO, 0, 20000, 0, NULL},
    {"note", "意见", FT_MEMO, 0, 2000, 0, NULL},
};
static const field f_transfer[] = {{"note", "转办意见", FT_MEMO, F_REQUIRED, 2000, 0, NULL}};
static const field f_close[] = {{"reason", "了结理由", FT_MEMO, F_REQUIRED, 2000, 0, NULL}};
static const lc_hook petition_hooks[] = {
    {"to_clue", f_to_clue, NF(f_to_clue), apply_to_clue},
    {"transfer", f_transfer, NF(f_transfer), apply_transfer},
    {"close", f_close, NF(f_close), apply_close},
};
static const lc_entity lc_petition = {&wf_petition, "petitions", A_PETITION_LIST, petition_obj,
                                      petition_load, petition_hooks, NF(petition_hooks)};

int h_petitions_action(req *r) {
  return lifecycle_run(r, &lc_petition, r->params[0], r->params[1]);
}

int h_petitions_create(req *r) {
  if (api_body(r, petition_fields, NF(petition_fields), false)) return r->status;
  const char *rn = prog_js(r->in, "reporter_name"), *rcn = prog_js(r->in, "reporter_contact");
  int anon = json_is_true(json_object_get(r->in, "anonymous"));
  if (anon && ((rn && *rn) || (rcn && *rcn)))
    return api_error(r, 400, "invalid_field", "reporter_name", "匿名信访不填「信访人姓名」和联系方式");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(prog_js(r->in, "received_on"), today) > 0)
    return api_error(r, 400, "invalid_field", "received_on", "「收到日期」不得晚于今天");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *t = prog_one(tx, "SELECT round_id, team_id, unit_id FROM targets WHERE id=$1",
                  prog_js(r->in, "target_id"), &rc);
  if (!t) {
    if (!rc) api_error(r, 400, "invalid_field", "target_id", "「巡察对象」不存在");
    return prog_fail(r, tx, rc);
  }
  authz_obj o = {prog_js(t, "team_id"), prog_js(t, "unit_id"), NULL, false};
  if (!authz(&r->who, A_PETITION_CREATE, &o)) {
    json_decref(t);
    store_rollback(tx);
    return api_deny(r, A_PETITION_CREATE, "target", prog_js(r->in, "target_id"), 0);
  }
  char id[UUID_LEN], now[TS_LEN], ctx[80];
  uuid7(id);
  ts_now(now);
  snprintf(ctx, sizeof ctx, "petition:%s", id);
  char *sealed = NULL;
  if (!anon && ((rn && *rn) || (rcn && *rcn))) {
    json_t *who = json_pack("{s:s?,s:s?}", "name", rn, "contact", rcn);
    char *plain = json_dumps(who, JSON_COMPACT | JSON_SORT_KEYS);
    sealed = field_seal(&r->app->keys, ctx, plain);
    free(plain);
    json_decref(who);
  }
  sval p[] = {SV_S(id), SV_S(prog_js(t, "round_id")), SV_S(o.team_id), SV_S(prog_js(r->in, "target_id")),
              SV_S(o.unit_id), SV_S(prog_js(r->in, "channel")), SV_S(prog_js(r->in, "received_on")),
              SV_S(prog_js(r->in, "summary")), SV_I(anon), SV_S(sealed), SV_S(r->who.user_id),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO petitions(id,round_id,team_id,target_id,unit_id,channel,received_on,"
                  "summary,anonymous,reporter_enc,created_by,created_at,updated_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12)",
                  p, 12, NULL);
  free(sealed);
  json_decref(t);
  json_t *d = json_deep_copy(r->in);
  json_object_del(d, "reporter_name"); /* never in the audit log */
  json_object_del(d, "reporter_contact");
  json_object_set_new(d, "reporter_sealed", json_boolean(!anon && ((rn && *rn) || (rcn && *rcn))));
  if (!rc) rc = api_audit(r, tx, "petition.create", "petition", id, "ok", d);
  json_decref(d);
  json_t *row = NULL;
  if (!rc) row = petition_load(r, tx, id, &rc);
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_petition, row));
  return prog_done(r, tx, 201, row);
}

int h_petitions_get(req *r) {
  const char *id = r->params[0];
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = petition_load(r, tx, id, &rc);
  char *sealed = NULL;
  sval p[] = {SV_S(id)};
  if (row) rc = store_query_text(tx, "SELECT reporter_enc FROM petitions WHERE id=$1", p, 1, &sealed);
  store_rollback(tx);
  if (rc) {
    json_decref(row);
    free(sealed);
    return api_store_error(r, rc, NULL);
  }
  if (!row) return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  authz_obj o;
  petition_obj(row, &o);
  if (!authz(&r->who, A_PETITION_LIST, &o)) {
    json_decref(row);
    free(sealed);
    return api_deny(r, A_PETITION_LIST, "petition", id, 1);
  }
  if (sealed && authz(&r->who, A_PETITION_REPORTER, &o)) {
    char *plain;
    if (api_reveal(r, "petition", id, sealed, "petition.reporter.read", &plain)) {
      free(sealed);
      json_decref(row);
      return r->status;
    }
    json_t *who = plain ? json_loads(plain, 0, NULL) : NULL;
    json_object_set_new(row, "reporter", who ? who : json_null());
    if (plain) xwipe(plain, strlen(plain));
    free(plain);
  } else {
    json_object_set_new(row, "reporter_sealed", json_boolean(sealed != NULL));
  }
  free(sealed);
  json_object_set_new(row, "allowed_actions", lifecycle_allowed(&r->who, &lc_petition, row));
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
}

static const char *const petition_state_codes[] = {"received", "to_clue", "transferred",
                                                   "closed", NULL};
static const field petition_filters[] = {
    {"round_id", "巡察轮次", FT_ID, 0, 0, 0, NULL},
    {"team_id", "巡察组", FT_ID, 0, 0, 0, NULL},
    {"target_id", "巡察对象", FT_ID, 0, 0, 0, NULL},
    {"channel", "来信来访方式", FT_ENUM, 0, 0, 0, channels},
    {"state", "状态", FT_ENUM, 0, 0, 0, petition_state_codes},
};

/* The columns the list may be sorted on (?sort=col or -col; created_at and
 * updated_at always): the allow-list, as the other lists have. */
static const field petition_sorts[] = {
    {"received_on", "收到日期", FT_DATE, 0, 0, 0, NULL},
    {"channel", "来信来访方式", FT_ENUM, 0, 0, 0, channels},
    {"state", "状态", FT_ENUM, 0, 0, 0, petition_state_codes},
};

/* The filters, with "sort" taken by entity_sort_sql below. */
static bool petition_arg(void *c, const char *k, const char *v) {
  if (!strcmp(k, "sort")) return true;
  return prog_filter_arg(c, k, v);
}

static void petition_item(store_tx *tx, json_t *row, const void *ctx) {
  (void)tx;
  (void)ctx;
  petition_fix(row);
}

int h_petitions_list(req *r) {
  authz_filter f;
  if (!authz_filter_for(&r->who, A_PETITION_LIST, &f))
    return api_deny(r, A_PETITION_LIST, "petition", NULL, 0);
  enum { MAXP = 3 * MAX_GRANTS + 12 };
  sval p[MAXP];
  int np = 0;
  buf where, order;
  buf_init(&where, 8192);
  buf_init(&order, 256);
  buf_adds(&where, " WHERE 1=1");
  entity_scope_sql(&where, &f, "p.team_id", NULL, NULL, p, &np);
  prog_fctx fc = {r, petition_filters, NF(petition_filters), "p.", &where, p, &np, MAXP - 2, 0};
  int status;
  if (!req_each_arg(r, petition_arg, &fc) || fc.failed) {
    status = r->status;
  } else if (entity_sort_sql(r, &order, petition_sorts, NF(petition_sorts),
                             "p.created_at DESC, p.id DESC", "p.")) {
    status = r->status;
  } else {
    api_list_q q = {PETITION_COLS, PETITION_FROM, buf_str(&where), buf_str(&order), p, np,
                    petition_item, NULL};
    status = api_list(r, &q);
  }
  buf_free(&where);
  buf_free(&order);
  return status;
}

/* ---- the declaration GET /api/v1/meta publishes (api/meta.h) ------------------ */
static const action_id petition_also[] = {A_PETITION_REPORTER};
const kind_decl kd_petition = {
    .name = "petition", .label = "信访件",
    .fields = petition_fields, .nfields = NF(petition_fields), .no_edit = true,
    .filters = petition_filters, .nfilters = NF(petition_filters),
    .wf = &wf_petition, .hooks = petition_hooks, .nhooks = NF(petition_hooks),
    .list_act = A_PETITION_LIST, .create_act = A_PETITION_CREATE, .edit_act = A_SELF,
    .also = petition_also, .nalso = NF(petition_also),
};
