/*
 * directory.c — the directory (organisations, persons) and the round plan
 * (rounds, teams, targets) as kinds of the record engine (api/record.h):
 * their fields, Chinese labels, acts, the name columns read with the ids,
 * and the cross-record checks before a write. Records of their own: no
 * parent; a round moves through wf_round (POST /rounds/{id}/<verb>, rounds.c).
 */
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "domain/programme/programme.h"

static const char *const org_kinds[] = {"committee", "leading_group", "inspection_office",
                                        "patrol_group", "commission", "commission_dept",
                                        "dispatched_group", "organization_dept", "unit",
                                        "audit_bureau", NULL};
static const char *const org_levels[] = {"city", "township", "village", NULL};
static const char *const dept_codes[] = {"conduct", "case_mgmt", "petitions", "supervision",
                                         "investigation", "verification", "cadre", NULL};
static const field org_fields[] = {
    {.name = "kind", .label = "机构类别", .type = FT_ENUM, .flags = F_REQUIRED | F_CREATEONLY,
     .values = org_kinds},
    {.name = "name", .label = "名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "short_name", .label = "简称", .type = FT_TEXT, .max = 50},
    {.name = "code", .label = "部门代码", .type = FT_ENUM, .values = dept_codes},
    {.name = "parent_id", .label = "上级机构", .type = FT_ID},
    {.name = "supervisor_id", .label = "监督的派驻纪检监察组", .type = FT_ID},
    {.name = "level", .label = "层级", .type = FT_ENUM, .values = org_levels},
};

static const field person_fields[] = {
    {.name = "name", .label = "姓名", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "org_id", .label = "所在单位", .type = FT_ID},
    {.name = "post", .label = "职务", .type = FT_TEXT, .max = 100},
    {.name = "rank", .label = "职级", .type = FT_TEXT, .max = 50},
    {.name = "party_member", .label = "中共党员", .type = FT_BOOL},
};

static const char *const round_kinds[] = {"regular", "special",  "mobile", "elevated", "cross",
                                          "follow_up", "village", "linked", NULL};
static const field round_fields[] = {
    {.name = "name", .label = "轮次名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "term", .label = "届次", .type = FT_TEXT, .flags = F_REQUIRED, .max = 20},
    {.name = "seq", .label = "轮次序号", .type = FT_INT, .flags = F_REQUIRED, .max = 99, .min = 1},
    {.name = "kind", .label = "巡察类型", .type = FT_ENUM, .values = round_kinds},
    {.name = "theme", .label = "巡察主题", .type = FT_TEXT, .max = 200},
    {.name = "campaign", .label = "关联专项治理", .type = FT_TEXT, .max = 100},
    {.name = "planned_start", .label = "计划开始日期", .type = FT_DATE},
    {.name = "planned_end", .label = "计划结束日期", .type = FT_DATE},
    {.name = "state", .label = "状态", .type = FT_TEXT, .flags = F_READONLY},
};

static const field team_fields[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "group_id", .label = "巡察组 (常设机构)", .type = FT_ID},
    {.name = "name", .label = "巡察组名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
};

static const field target_fields[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID, .flags = F_READONLY},
    /* a target never moves: its clues and problems carry its team and unit */
    {.name = "team_id", .label = "巡察组", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "mobilization_date", .label = "动员会日期", .type = FT_DATE},
    {.name = "entry_date", .label = "进驻日期", .type = FT_DATE},
    {.name = "withdrawal_date", .label = "撤离日期", .type = FT_DATE},
    {.name = "report_date", .label = "汇报日期", .type = FT_DATE},
    {.name = "feedback_date", .label = "反馈日期", .type = FT_DATE},
};

/* ---- checks before a write ------------------------------------------------------ */
static int exists_kind(store_tx *tx, const char *table_sql, const char *id, const char *fld,
                       const char *what, xres *x) {
  int64_t n = 0;
  sval p[] = {SV_S(id)};
  int rc = store_query_int(tx, table_sql, p, 1, &n);
  if (rc) return rc;
  if (!n) return xres_err(x, 400, "invalid_field", fld, "「%s」不存在或类别不符", what);
  return 0;
}

static int prepare_org(app *a, svc_actor *ac, store_tx *tx, json_t *b, const json_t *parent,
                       const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)parent;
  (void)old;
  const char *sup = json_string_value(json_object_get(b, "supervisor_id"));
  int rc;
  if (sup && (rc = exists_kind(tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='dispatched_group'",
                               sup, "supervisor_id", "监督的派驻纪检监察组", x)))
    return rc;
  const char *par = json_string_value(json_object_get(b, "parent_id"));
  if (par && (rc = exists_kind(tx, "SELECT count(*) FROM orgs WHERE id=$1", par, "parent_id",
                               "上级机构", x)))
    return rc;
  return 0;
}

static int prepare_round(app *a, svc_actor *ac, store_tx *tx, json_t *b, const json_t *parent,
                         const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)tx;
  (void)parent;
  const char *st = old ? json_string_value(json_object_get(old, "state")) : NULL;
  if (st && !wf_in(&ws_round_open_for_members, st))
    return xres_err(x, 409, "invalid_state", "state", "巡察轮次已动员部署, 不能再修改计划");
  const json_t *s = json_object_get(b, "planned_start"), *e = json_object_get(b, "planned_end");
  if (!s && old) s = json_object_get(old, "planned_start");
  if (!e && old) e = json_object_get(old, "planned_end");
  if (json_is_string(s) && json_is_string(e) && *json_string_value(s) && *json_string_value(e) &&
      strcmp(json_string_value(s), json_string_value(e)) > 0)
    return xres_err(x, 400, "invalid_field", "planned_end", "「计划结束日期」不得早于开始日期");
  return 0;
}

static int prepare_target(app *a, svc_actor *ac, store_tx *tx, json_t *b, const json_t *parent,
                          const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)parent;
  const char *team = json_string_value(json_object_get(b, "team_id"));
  if (team) {
    char *round = NULL;
    sval p[] = {SV_S(team)};
    int rc = store_query_text(tx, "SELECT round_id FROM teams WHERE id=$1", p, 1, &round);
    if (rc) return rc;
    if (!round) return xres_err(x, 400, "invalid_field", "team_id", "「巡察组」不存在");
    json_object_set_new(b, "round_id", json_string(round));
    free(round);
  }
  const char *unit = json_string_value(json_object_get(b, "unit_id"));
  int rc;
  if (unit && (rc = exists_kind(tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='unit'", unit,
                                "unit_id", "被巡察单位", x)))
    return rc;
  /* the same recusal rule as the bulk route: no member may have to recuse */
  if (!old && team && unit && (rc = programme_target_recusal(tx, team, unit, x))) return rc;
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
      return xres_err(x, 400, "invalid_field", order[i], "阶段日期顺序有误: %s 早于 %s", order[i],
                       prevk);
    prev = d;
    prevk = order[i];
  }
  return 0;
}

/* ---- the kinds -------------------------------------------------------------------- */
#define DIRECTORY(acts_list, acts_write)                                                      \
  .list_act = acts_list, .create_act = acts_write, .edit_act = acts_write,                   \
  .edit_always = true, .no_creator = true, .bool_json = true, .search_label = "名称"

const rec_kind rk_org = {
    .name = "org", .label = "组织机构", .table = "orgs",
    .cols = "x.id, x.version, x.kind, x.name, x.short_name, x.code, x.parent_id, x.supervisor_id, "
            "x.level, x.created_at, x.updated_at",
    .from = "orgs x", .order = "x.name", .vis = &vis_org,
    DIRECTORY(A_ORG_LIST, A_ORG_WRITE),
    .fields = org_fields, .nfields = NF(org_fields),
    .filters = org_fields, .nfilters = NF(org_fields), .search_col = "x.name",
    .prepare = prepare_org, .kind_col = "kind",
};

const rec_kind rk_person = {
    .name = "person", .label = "人员", .table = "persons",
    .cols = "x.id, x.version, x.name, x.org_id, x.post, x.rank, x.party_member, x.created_at, "
            "x.updated_at",
    .from = "persons x", .order = "x.name", .vis = &vis_person,
    DIRECTORY(A_PERSON_LIST, A_PERSON_WRITE),
    .fields = person_fields, .nfields = NF(person_fields),
    .filters = person_fields, .nfilters = NF(person_fields), .search_col = "x.name",
};

const rec_kind rk_round = {
    .name = "round", .label = "巡察轮次", .table = "rounds",
    .cols = "x.id, x.version, x.name, x.term, x.seq, x.kind, x.theme, x.campaign, "
            "x.planned_start, x.planned_end, x.state, x.created_at, x.updated_at",
    .from = "rounds x", .order = "x.created_at", .vis = &vis_round,
    DIRECTORY(A_ROUND_LIST, A_ROUND_WRITE),
    .fields = round_fields, .nfields = NF(round_fields),
    .filters = round_fields, .nfilters = NF(round_fields), .search_col = "x.name",
    .prepare = prepare_round,
    .wf = &wf_round, /* allowed_actions; the verbs are served by rounds.c */
};

const rec_kind rk_team = {
    .name = "team", .label = "巡察组", .table = "teams",
    .cols = "x.id, x.version, x.round_id, x.group_id, x.name, x.created_at, x.updated_at",
    .from = "teams x", .order = "x.name", .vis = &vis_team,
    DIRECTORY(A_TEAM_LIST, A_TEAM_WRITE),
    .fields = team_fields, .nfields = NF(team_fields),
    .filters = team_fields, .nfilters = NF(team_fields), .search_col = "x.name",
};

/* a target's rules read its team, its unit and the unit's dispatched group */
static const char *const target_hidden[] = {"supervisor_id", NULL};
const rec_kind rk_target = {
    .name = "target", .label = "巡察对象", .table = "targets",
    .cols = "x.id, x.version, x.round_id, x.team_id, x.unit_id, x.mobilization_date, "
            "x.entry_date, x.withdrawal_date, x.report_date, x.feedback_date, x.created_at, "
            "x.updated_at, tm.name AS team_name, rd.name AS round_name, u.name AS unit_name, "
            "u.supervisor_id AS supervisor_id",
    .from = "targets x JOIN teams tm ON tm.id=x.team_id JOIN rounds rd ON rd.id=x.round_id "
            "JOIN orgs u ON u.id=x.unit_id",
    .order = "x.created_at", .vis = &vis_target,
    DIRECTORY(A_TARGET_LIST, A_TARGET_WRITE),
    .fields = target_fields, .nfields = NF(target_fields),
    .filters = target_fields, .nfilters = NF(target_fields),
    .prepare = prepare_target, .hidden = target_hidden,
};
