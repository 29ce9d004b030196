/*
 * entity.c — the plain record types and the generic handlers that serve
 * them: list (scoped, filtered, sorted, paged on the server), get, create and
 * update (optimistic concurrency, audited). SQL is assembled only from the
 * column names in the descriptors; every value is a bound parameter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "api/entity.h"
#include "core/visibility.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- descriptors ------------------------------------------------------------- */
static const char *const org_kinds[] = {"committee", "leading_group", "inspection_office",
                                        "patrol_group", "commission", "commission_dept",
                                        "dispatched_group", "organization_dept", "unit",
                                        "audit_bureau", NULL};
static const char *const org_levels[] = {"city", "township", "village", NULL};
static const char *const dept_codes[] = {"conduct", "case_mgmt", "petitions", "supervision",
                                         "investigation", "verification", "cadre", NULL};
static const field org_fields[] = {
    {"kind", "机构类别", FT_ENUM, F_REQUIRED | F_CREATEONLY, 0, 0, org_kinds},
    {"name", "名称", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"short_name", "简称", FT_TEXT, 0, 50, 0, NULL},
    {"code", "部门代码", FT_ENUM, 0, 0, 0, dept_codes},
    {"parent_id", "上级机构", FT_ID, 0, 0, 0, NULL},
    {"supervisor_id", "监督的派驻纪检监察组", FT_ID, 0, 0, 0, NULL},
    {"level", "层级", FT_ENUM, 0, 0, 0, org_levels},
};

static const field person_fields[] = {
    {"name", "姓名", FT_TEXT, F_REQUIRED, 50, 0, NULL},
    {"org_id", "所在单位", FT_ID, 0, 0, 0, NULL},
    {"post", "职务", FT_TEXT, 0, 100, 0, NULL},
    {"rank", "职级", FT_TEXT, 0, 50, 0, NULL},
    {"party_member", "中共党员", FT_BOOL, 0, 0, 0, NULL},
};

static const char *const round_kinds[] = {"regular", "special",  "mobile", "elevated", "cross",
                                          "follow_up", "village", "linked", NULL};
static const field round_fields[] = {
    {"name", "轮次名称", FT_TEXT, F_REQUIRED, 100, 0, NULL},
    {"term", "届次", FT_TEXT, F_REQUIRED, 20, 0, NULL},
    {"seq", "轮次序号", FT_INT, F_REQUIRED, 99, 1, NULL},
    {"kind", "巡察类型", FT_ENUM, 0, 0, 0, round_kinds},
    {"theme", "巡察主题", FT_TEXT, 0, 200, 0, NULL},
    {"campaign", "关联专项治理", FT_TEXT, 0, 100, 0, NULL},
    {"planned_start", "计划开始日期", FT_DATE, 0, 0, 0, NULL},
    {"planned_end", "计划结束日期", FT_DATE, 0, 0, 0, NULL},
    {"state", "状态", FT_TEXT, F_READONLY, 0, 0, NULL},
};

static const field team_fields[] = {
    {"round_id", "巡察轮次", FT_ID, F_REQUIRED | F_CREATEONLY, 0, 0, NULL},
    {"group_id", "巡察组 (常设机构)", FT_ID, 0, 0, 0, NULL},
    {"name", "巡察组名称", FT_TEXT, F_REQUIRED, 50, 0, NULL},
};

static const field target_fields[] = {
    {"round_id", "巡察轮次", FT_ID, F_READONLY, 0, 0, NULL},
    /* a target never moves: its clues and problems carry its team and unit */
    {"team_id", "巡察组", FT_ID, F_REQUIRED | F_CREATEONLY, 0, 0, NULL},
    {"unit_id", "被巡察单位", FT_ID, F_REQUIRED | F_CREATEONLY, 0, 0, NULL},
    {"mobilization_date", "动员会日期", FT_DATE, 0, 0, 0, NULL},
    {"entry_date", "进驻日期", FT_DATE, 0, 0, 0, NULL},
    {"withdrawal_date", "撤离日期", FT_DATE, 0, 0, 0, NULL},
    {"report_date", "汇报日期", FT_DATE, 0, 0, 0, NULL},
    {"feedback_date", "反馈日期", FT_DATE, 0, 0, 0, NULL},
};

#define NF(a) ((int)(sizeof a / sizeof *a))

static int exists_kind(req *r, store_tx *tx, const char *table_sql, const char *id, const char *fld,
                       const char *what) {
  int64_t n = 0;
  sval p[] = {SV_S(id)};
  int rc = store_query_int(tx, table_sql, p, 1, &n);
  if (rc) return api_store_error(r, rc, tx);
  if (!n) return api_error(r, 400, "invalid_field", fld, "「%s」不存在或类别不符", what);
  return 0;
}

static int prepare_org(req *r, store_tx *tx, json_t *b, const json_t *old) {
  (void)old;
  const char *sup = json_string_value(json_object_get(b, "supervisor_id"));
  if (sup && exists_kind(r, tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='dispatched_group'",
                         sup, "supervisor_id", "监督的派驻纪检监察组"))
    return r->status;
  const char *par = json_string_value(json_object_get(b, "parent_id"));
  if (par && exists_kind(r, tx, "SELECT count(*) FROM orgs WHERE id=$1", par, "parent_id", "上级机构"))
    return r->status;
  return 0;
}

static int prepare_round(req *r, store_tx *tx, json_t *b, const json_t *old) {
  (void)tx;
  const char *st = old ? json_string_value(json_object_get(old, "state")) : NULL;
  if (st && !wf_in(&ws_round_open_for_members, st))
    return api_error(r, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再修改计划");
  const json_t *s = json_object_get(b, "planned_start"), *e = json_object_get(b, "planned_end");
  if (!s && old) s = json_object_get(old, "planned_start");
  if (!e && old) e = json_object_get(old, "planned_end");
  if (json_is_string(s) && json_is_string(e) && *json_string_value(s) && *json_string_value(e) &&
      strcmp(json_string_value(s), json_string_value(e)) > 0)
    return api_error(r, 400, "invalid_field", "planned_end", "「计划结束日期」不得早于开始日期");
  return 0;
}

static int prepare_target(req *r, store_tx *tx, json_t *b, const json_t *old) {
  const char *team = json_string_value(json_object_get(b, "team_id"));
  if (team) {
    char *round = NULL;
    sval p[] = {SV_S(team)};
    int rc = store_query_text(tx, "SELECT round_id FROM teams WHERE id=$1", p, 1, &round);
    if (rc) return api_store_error(r, rc, tx);
    if (!round) return api_error(r, 400, "invalid_field", "team_id", "「巡察组」不存在");
    json_object_set_new(b, "round_id", json_string(round));
    free(round);
  }
  const char *unit = json_string_value(json_object_get(b, "unit_id"));
  if (unit && exists_kind(r, tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='unit'", unit,
                          "unit_id", "被巡察单位"))
    return r->status;
  /* the same recusal rule as the bulk route: no member may have to recuse */
  if (!old && team && unit) {
    int rc = programme_target_recusal(r, tx, team, unit);
    if (rc) return rc < 0 ? api_store_error(r, rc, tx) : rc;
  }
  /* phase dates must not go backwards */
  static const char *const order[] = {"mobilization_date", "entry_date", "withdrawal_date",
                                      "report_date", "feedback_date"};
  const char *prev = NULL, *prevk = NULL;
  for (int i = 0; i < 5; i++) {
    const json_t *v = json_object_get(b, order[i]);
    if (!v && old) v = json_object_get(old, order[i]);
    if (!json_is_string(v) || !*json_string_value(v)) continue;
    const char *d = json_string_value(v);
    if (prev && strcmp(prev, d) > 0)
      return api_error(r, 400, "invalid_field", order[i], "阶段日期顺序有误: %s 早于 %s", order[i],
                       prevk);
    prev = d;
    prevk = order[i];
  }
  return 0;
}

const entity ent_org = {"org", "orgs", "组织机构", org_fields, NF(org_fields), A_ORG_LIST,
                        A_ORG_WRITE, "name", NULL, NULL, "name", prepare_org, NULL, "kind"};
const entity ent_person = {"person", "persons", "人员", person_fields, NF(person_fields),
                           A_PERSON_LIST, A_PERSON_WRITE, "name", NULL, NULL, "name", NULL};
const entity ent_round = {"round", "rounds", "巡察轮次", round_fields, NF(round_fields),
                          A_ROUND_LIST, A_ROUND_WRITE, "created_at", NULL, NULL, "name",
                          prepare_round, round_allowed};
const entity ent_team = {"team", "teams", "巡察组", team_fields, NF(team_fields), A_TEAM_LIST,
                         A_TEAM_WRITE, "name", NULL, NULL, "name", NULL};
const entity ent_target = {"target", "targets", "巡察对象", target_fields, NF(target_fields),
                           A_TARGET_LIST, A_TARGET_WRITE, "created_at", "team_id", "unit_id",
                           NULL, prepare_target, NULL, NULL,
                           ", team_name, round_name, unit_name",
                           "(SELECT g.*, tm.name AS team_name, rd.name AS round_name, u.name AS "
                           "unit_name FROM targets g JOIN teams tm ON tm.id=g.team_id JOIN rounds rd "
                           "ON rd.id=g.round_id JOIN orgs u ON u.id=g.unit_id) g"};

/* ---- shared pieces ---------------------------------------------------------- */
static const entity *ent_of(req *r) { return r->route->arg; }

static void select_cols(buf *b, const entity *e) {
  buf_adds(b, "SELECT id, version");
  for (int i = 0; i < e->nfields; i++)
    buf_addf(b, ", %s", e->fields[i].name);
  buf_addf(b, ", created_at, updated_at%s FROM %s", e->name_cols ? e->name_cols : "",
           e->source ? e->source : e->table);
}

static sval json_sval(const json_t *v) {
  if (json_is_string(v)) return SV_S(json_string_value(v));
  if (json_is_integer(v)) return SV_I(json_integer_value(v));
  if (json_is_boolean(v)) return SV_I(json_is_true(v));
  return SV_NUL;
}

/* Integer 0/1 columns of boolean fields become JSON booleans. */
static void fix_bools(const entity *e, json_t *row) {
  for (int i = 0; i < e->nfields; i++)
    if (e->fields[i].type == FT_BOOL) {
      json_t *v = json_object_get(row, e->fields[i].name);
      if (json_is_integer(v)) json_object_set_new(row, e->fields[i].name, json_boolean(json_integer_value(v)));
    }
}

/* Builds the authz object of a row; supervisor looked up from the unit. */
static int row_obj(store_tx *tx, const entity *e, const json_t *row, authz_obj *o, char *sup, size_t n) {
  memset(o, 0, sizeof *o);
  if (e->kind_col) o->org_kind = json_string_value(json_object_get(row, e->kind_col));
  if (e->team_col) o->team_id = json_string_value(json_object_get(row, e->team_col));
  if (e->unit_col) {
    o->unit_id = json_string_value(json_object_get(row, e->unit_col));
    if (o->unit_id) {
      char *s = NULL;
      sval p[] = {SV_S(o->unit_id)};
      int rc = store_query_text(tx, "SELECT supervisor_id FROM orgs WHERE id=$1", p, 1, &s);
      if (rc) return rc;
      if (s) {
        xstrlcpy(sup, s, n);
        o->supervisor_id = sup;
        free(s);
      }
    }
  }
  return 0;
}

static json_t *load_row(store_tx *tx, const entity *e, const char *id, int *rc) {
  buf b;
  buf_init(&b, 4096);
  select_cols(&b, e);
  buf_adds(&b, " WHERE id=$1");
  sval p[] = {SV_S(id)};
  json_t *row = store_query_one(tx, buf_str(&b), p, 1, rc);
  buf_free(&b);
  if (row) fix_bools(e, row);
  return row;
}

/* ---- list ------------------------------------------------------------------ */
/* The entity's list arguments as declarations of the one parser (core/args.h):
 * ?q= over search_col and each field on its column. Freed by the caller. */
static arg_decl *list_decls(const entity *e, int *n) {
  arg_decl *d = xcalloc((size_t)e->nfields + 1, sizeof *d);
  int m = 0;
  if (e->search_col)
    d[m++] = (arg_decl){.name = "q", .label = "关键词", .type = ARG_SEARCH, .max = 50,
                        .col = e->search_col, .msg = "「关键词」无效或过长"};
  for (int i = 0; i < e->nfields; i++) d[m++] = arg_of_field(&e->fields[i], NULL);
  *n = m;
  return d;
}


static void fix_entity_row(store_tx *tx, json_t *row, const void *ctx) {
  (void)tx;
  fix_bools(ctx, row);
}

int h_entity_list(req *r) {
  const entity *e = ent_of(r);
  /* who sees which rows: the kind's declaration in core/visibility.c */
  const vis_kind *vk = vis_kind_by_name(e->name);
  if (!vis_any(vk, &r->who)) return api_deny(r, e->list_act, e->name, NULL, 0);
  sval p[VIS_MAXP];
  int np = 0;
  buf where, cols;
  buf_init(&where, 8192);
  buf_init(&cols, 4096);
  buf_adds(&where, " WHERE 1=1");
  if (vis_in(vk, &r->who, vk->read, "id", &where, p, &np, VIS_MAXP)) {
    buf_free(&where);
    buf_free(&cols);
    return api_error(r, 400, "invalid_field", "", "查询条件过多");
  }
  int nd;
  arg_decl *decls = list_decls(e, &nd);
  args_spec spec = {.decls = decls, .n = nd, .max = 24, .paging = true, .sort = true,
                    .sort_fields = e->fields, .nsort_fields = e->nfields, .sort_stamps = true,
                    .sort_prefix = "", .sort_default = e->order};
  buf_adds(&cols, "id, version");
  for (int i = 0; i < e->nfields; i++)
    buf_addf(&cols, ", %s", e->fields[i].name);
  buf_addf(&cols, ", created_at, updated_at%s", e->name_cols ? e->name_cols : "");
  int status = api_args_list(r, &spec, buf_str(&cols), e->source ? e->source : e->table,
                             buf_str(&where), p, np, fix_entity_row, e);
  free(decls);
  buf_free(&where);
  buf_free(&cols);
  return status;
}

/* ---- get ------------------------------------------------------------------- */
int h_entity_get(req *r) {
  const entity *e = ent_of(r);
  const vis_kind *vk = vis_kind_by_name(e->name);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = load_row(tx, e, r->params[0], &rc);
  /* the kind's one visibility rule (core/visibility.c), as the list asks it */
  int vis = row ? vis_row(tx, vk, &r->who, r->params[0]) : 0;
  if (vis > 0 && vis_redact(tx, vk, &r->who, r->params[0], row)) vis = STORE_ERR;
  store_rollback(tx);
  if (rc < 0 || vis < 0) {
    json_decref(row);
    return api_store_error(r, rc < 0 ? rc : vis, NULL);
  }
  if (!row) return api_error(r, 404, "not_found", "", "%s不存在", e->label);
  if (!vis) {
    json_decref(row);
    return api_deny(r, e->list_act, e->name, r->params[0], 1);
  }
  if (e->allowed) json_object_set_new(row, "allowed_actions", e->allowed(&r->who, row));
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
}

/* ---- create / update --------------------------------------------------------- */
/* A write refused on the record. For organisations whose kind the user does
 * not keep (the policy's P_INSPECTED / P_SYSTEM_ORG), say who keeps it. */
int entity_deny_write(req *r, action_id a, const char *kind, const char *id) {
  api_deny(r, a, "org", id, 0);
  if (!kind || !authz(&r->who, a, NULL)) return r->status;
  return api_error(r, 403, "forbidden_kind", "kind",
                   "被巡察单位和村 (社区) 由巡察办维护, 本系统自身的组织机构 (市委、纪委监委及其内设机构、"
                   "巡察机构等) 由系统管理员维护");
}

static int finish_write(req *r, store_tx *tx, const entity *e, const char *id, const char *verb,
                        int status) {
  char act[48];
  snprintf(act, sizeof act, "%s.%s", e->name, verb);
  int rc = api_audit(r, tx, act, e->name, id, "ok", r->in);
  json_t *row = rc == STORE_OK ? load_row(tx, e, id, &rc) : NULL;
  return api_finish(r, tx, row, rc, status);
}

int h_entity_create(req *r) {
  const entity *e = ent_of(r);
  if (api_body(r, e->fields, e->nfields, false)) return r->status;
  authz_obj wo = {0};
  if (e->kind_col) wo.org_kind = json_string_value(json_object_get(r->in, e->kind_col));
  if (!authz(&r->who, e->write_act, &wo))
    return e->kind_col ? entity_deny_write(r, e->write_act, wo.org_kind, NULL)
                       : api_deny(r, e->write_act, e->name, NULL, 0);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  if (e->prepare && e->prepare(r, tx, r->in, NULL)) {
    store_rollback(tx);
    return r->status;
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  enum { MAXP = 40 };
  sval p[MAXP];
  int np = 0;
  buf cols, vals;
  buf_init(&cols, 4096);
  buf_init(&vals, 4096);
  buf_addf(&cols, "INSERT INTO %s(id, created_at, updated_at", e->table);
  buf_adds(&vals, ") VALUES($1, $2, $2");
  p[np++] = SV_S(id);
  p[np++] = SV_S(now);
  for (int i = 0; i < e->nfields && np < MAXP; i++) {
    json_t *v = json_object_get(r->in, e->fields[i].name);
    if (!v || json_is_null(v)) continue;
    buf_addf(&cols, ", %s", e->fields[i].name);
    buf_addf(&vals, ", $%d", np + 1);
    p[np++] = json_sval(v);
  }
  buf_adds(&cols, buf_str(&vals));
  buf_adds(&cols, ")");
  rc = store_exec(tx, buf_str(&cols), p, np, NULL);
  buf_free(&cols);
  buf_free(&vals);
  if (rc) {
    api_store_error(r, rc, tx);
    store_rollback(tx);
    return r->status;
  }
  return finish_write(r, tx, e, id, "create", 201);
}

int h_entity_update(req *r) {
  const entity *e = ent_of(r);
  if (api_body(r, e->fields, e->nfields, true)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *old = load_row(tx, e, r->params[0], &rc);
  if (!old) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "%s不存在", e->label);
  }
  authz_obj o;
  char sup[ID_MAX] = "";
  int64_t version = json_integer_value(json_object_get(old, "version"));
  if ((rc = row_obj(tx, e, old, &o, sup, sizeof sup)) != 0 || !authz(&r->who, e->write_act, &o)) {
    store_rollback(tx);
    json_decref(old);
    if (rc) return api_store_error(r, rc, NULL);
    if (e->kind_col) return entity_deny_write(r, e->write_act, o.org_kind, r->params[0]);
    return api_deny(r, e->write_act, e->name, r->params[0], 0);
  }
  if (api_if_match(r, version) || (e->prepare && e->prepare(r, tx, r->in, old))) {
    store_rollback(tx);
    json_decref(old);
    return r->status;
  }
  json_decref(old);
  char now[TS_LEN];
  ts_now(now);
  enum { MAXP = 40 };
  sval p[MAXP];
  int np = 0;
  buf sql;
  buf_init(&sql, 4096);
  buf_addf(&sql, "UPDATE %s SET version=version+1, updated_at=$1", e->table);
  p[np++] = SV_S(now);
  for (int i = 0; i < e->nfields && np < MAXP - 2; i++) {
    json_t *v = json_object_get(r->in, e->fields[i].name);
    if (!v) continue;
    buf_addf(&sql, ", %s=$%d", e->fields[i].name, np + 1);
    p[np++] = json_sval(v);
  }
  buf_addf(&sql, " WHERE id=$%d AND version=$%d", np + 1, np + 2);
  p[np++] = SV_S(r->params[0]);
  p[np++] = SV_I(version);
  int64_t changes = 0;
  rc = store_exec(tx, buf_str(&sql), p, np, &changes);
  buf_free(&sql);
  if (rc || changes != 1) {
    if (rc) api_store_error(r, rc, tx);
    else api_error(r, 409, "stale", "", "记录已被他人修改, 请刷新后重试");
    store_rollback(tx);
    return r->status;
  }
  return finish_write(r, tx, e, r->params[0], "update", 200);
}
