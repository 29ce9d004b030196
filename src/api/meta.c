/*
 * meta.c — GET /api/v1/meta: the declarations, published.
 *
 * Built once from the registries (rec_kinds, the
 * workflow tables, the policy matrix, the outcome and measure tables) and
 * kept: it is static for the life of the process. The UI builds its forms,
 * tables, filters, state labels, history labels and drill-down headers
 * from it instead of keeping a second copy (docs/api.md "Metadata").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/config.h"
#include "api/api.h"
#include "api/meta.h"
#include "api/record.h"
#include "core/measures.h"
#include "core/outcomes.h"
#include "core/vocab.h"
#include "core/workflow.h"

/* ---- registries --------------------------------------------------------------- */
const rec_kind *const rec_kinds[] = {&rk_problem,    &rk_report,         &rk_task,
                                     &rk_notice,     &rk_assistance,     &rk_accountability,
                                     &rk_review,     &rk_replacement,    &rk_org,
                                     &rk_person,     &rk_round,          &rk_team,
                                     &rk_target,     &rk_clue,           &rk_petition,
                                     &rk_briefing,   NULL};

/* ---- pieces ------------------------------------------------------------------- */
static const char *const type_names[] = {
    [FT_TEXT] = "text", [FT_MEMO] = "memo", [FT_INT] = "int",  [FT_BOOL] = "bool",
    [FT_DATE] = "date", [FT_ENUM] = "enum", [FT_ID] = "id",    [FT_MONEY] = "money",
};
static const char *const rule_names[] = {
    [P_NO] = "none",         [P_ALL] = "all",       [P_TEAM] = "team",
    [P_UNIT] = "unit",       [P_SUPERVISED] = "supervised", [P_HANDED] = "handed",
    [P_INSPECTED] = "inspected", [P_SYSTEM_ORG] = "system_org",
};

/* [{value,label}] of an enum field of kind (labels: core/vocab.c). */
static json_t *vocab_json(const char *kind, const field *f, const workflow *wf) {
  json_t *a = json_array();
  for (const char *const *v = f->values; v && *v; v++) {
    const char *l = vocab_label(kind, f->name, f->values, wf, *v);
    json_array_append_new(a, json_pack("{s:s,s:s?}", "value", *v, "label", l));
  }
  return a;
}

static json_t *field_json(const char *kind, const field *f, const workflow *wf) {
  json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "name", f->name, "label", f->label, "type",
                        type_names[f->type], "required", (f->flags & F_REQUIRED) != 0);
  if ((f->type == FT_TEXT || f->type == FT_MEMO) && f->max)
    json_object_set_new(o, "max_len", json_integer(f->max));
  if (f->type == FT_INT) {
    json_object_set_new(o, "min", json_integer(f->min));
    if (f->max) json_object_set_new(o, "max", json_integer(f->max));
  }
  if (f->type == FT_ENUM) json_object_set_new(o, "values", vocab_json(kind, f, wf));
  return o;
}

static json_t *fields_json(const char *kind, const field *f, int n, const workflow *wf) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, field_json(kind, &f[i], wf));
  return a;
}

static json_t *roles_of(uint32_t bits) {
  json_t *a = json_array();
  for (int k = 0; k < ROLE__MAX; k++)
    if (bits & RB(k)) json_array_append_new(a, json_string(roles[k].name));
  return a;
}

/* ---- one kind ----------------------------------------------------------------- */
/* What every registry is turned into before it is written out. */
typedef struct kview {
  const char *name, *label, *engine;
  const field *create;
  int ncreate;
  const field *edit; /* NULL: the create fields without F_CREATEONLY / F_READONLY */
  int nedit;
  bool editable;
  const char *edit_state;
  const field *filters;
  int nfilters;
  const rec_flag *flags;
  int nflags;
  const char *search;
  const workflow *wf;
  const lc_hook *hooks;
  int nhooks;
  action_id list_act, create_act, edit_act;
  const action_id *also;
  int nalso;
  const lc_hook *const *acts;
  int nacts;
} kview;

static bool edit_has(const kview *v, const field *f) {
  if (!v->editable) return false;
  if (v->edit) return fields_find(v->edit, v->nedit, f->name) != NULL;
  return !(f->flags & (F_CREATEONLY | F_READONLY));
}

static const lc_hook *hook_of(const kview *v, const char *verb) {
  for (int i = 0; i < v->nhooks; i++)
    if (!strcmp(v->hooks[i].verb, verb)) return &v->hooks[i];
  return NULL;
}

static void add_act(action_id *acts, int *n, action_id a) {
  if (a == A_SELF || a == A_CASCADE) return;
  for (int i = 0; i < *n; i++)
    if (acts[i] == a) return;
  if (*n < ACTION__MAX) acts[(*n)++] = a;
}

static json_t *kind_json(const kview *v) {
  const workflow *wf = v->wf;
  json_t *fields = json_array();
  for (int i = 0; i < v->ncreate; i++) {
    const field *f = &v->create[i];
    json_t *o = field_json(v->name, f, wf);
    json_object_set_new(o, "create", json_boolean(!(f->flags & F_READONLY)));
    json_object_set_new(o, "edit", json_boolean(edit_has(v, f)));
    json_array_append_new(fields, o);
  }
  for (int i = 0; v->editable && v->edit && i < v->nedit; i++) {
    if (fields_find(v->create, v->ncreate, v->edit[i].name)) continue;
    json_t *o = field_json(v->name, &v->edit[i], wf);
    json_object_set_new(o, "create", json_false());
    json_object_set_new(o, "edit", json_true());
    json_array_append_new(fields, o);
  }
  json_t *filters = fields_json(v->name, v->filters, v->nfilters, wf);
  for (int i = 0; i < v->nflags; i++)
    json_array_append_new(filters, json_pack("{s:s,s:s}", "name", v->flags[i].name, "type", "flag"));
  if (v->search)
    json_array_append_new(filters, json_pack("{s:s,s:s,s:s}", "name", "q", "type", "search",
                                             "label", v->search));

  action_id acts[ACTION__MAX];
  int nacts = 0;
  add_act(acts, &nacts, v->list_act);
  add_act(acts, &nacts, v->create_act);
  if (v->editable) add_act(acts, &nacts, v->edit_act);
  json_t *states = json_array(), *trans = json_array(), *other = json_array();
  for (int i = 0; wf && i < wf->nstates; i++)
    json_array_append_new(states, json_pack("{s:s,s:s}", "state", wf->states[i], "label",
                                            wf->state_labels[i]));
  if (!wf) { /* a kind without a workflow may still name its states in its state filter */
    const field *sf = fields_find(v->filters, v->nfilters, "state");
    for (const char *const *s = sf ? sf->values : NULL; s && *s; s++)
      json_array_append_new(states, json_pack("{s:s,s:s?}", "state", *s, "label",
                                              vocab_label(v->name, "state", sf->values, NULL, *s)));
  }
  for (int i = 0; wf && i < wf->ntransitions; i++) {
    const wf_transition *t = &wf->transitions[i];
    const lc_hook *h = hook_of(v, t->verb);
    json_array_append_new(
        trans, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "verb", t->verb, "label", t->label,
                         "from", t->from, "to", t->to, "action", action_names[t->act], "roles",
                         roles_of(t->roles), "fields",
                         h ? fields_json(v->name, h->fields, h->nfields, wf) : json_array()));
    add_act(acts, &nacts, t->act);
  }
  for (int i = 0; i < v->nhooks; i++) /* acts with a body outside the workflow */
    if (!wf || !wf_has_verb(wf, v->hooks[i].verb))
      json_array_append_new(other, json_pack("{s:s,s:o}", "verb", v->hooks[i].verb, "fields",
                                             fields_json(v->name, v->hooks[i].fields,
                                                         v->hooks[i].nfields, wf)));
  for (int i = 0; i < v->nacts; i++)
    json_array_append_new(other, json_pack("{s:s,s:o}", "verb", v->acts[i]->verb, "fields",
                                           fields_json(v->name, v->acts[i]->fields,
                                                       v->acts[i]->nfields, wf)));
  json_t *also = json_array();
  for (int i = 0; i < v->nalso; i++) {
    json_array_append_new(also, json_string(action_names[v->also[i]]));
    add_act(acts, &nacts, v->also[i]);
  }
  /* per role, the actions on this kind it holds by the policy (function level):
   * action -> the rule that says on which records */
  json_t *per_role = json_object();
  for (int ro = 0; ro < ROLE__MAX; ro++) {
    json_t *m = json_object();
    for (int i = 0; i < nacts; i++) {
      rule ru = authz_rule(acts[i], (role_id)ro);
      if (ru != P_NO) json_object_set_new(m, action_names[acts[i]], json_string(rule_names[ru]));
    }
    if (json_object_size(m)) json_object_set_new(per_role, roles[ro].name, m);
    else json_decref(m);
  }
  json_t *actions = json_pack("{s:s,s:s?,s:s?}", "list", action_names[v->list_act], "create",
                              v->create_act == A_SELF ? NULL : action_names[v->create_act],
                              "edit", v->editable && v->edit_act != A_SELF ? action_names[v->edit_act] : NULL);
  return json_pack("{s:s,s:s,s:s,s:s?,s:o,s:s?,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", v->name,
                   "label", v->label, "engine", v->engine, "workflow", wf ? wf->entity : NULL,
                   "fields", fields, "edit_state", v->editable ? v->edit_state : NULL, "filters",
                   filters, "states", states, "transitions", trans, "acts", other, "actions",
                   actions, "also", also, "role_actions", per_role);
}

/* ---- measures: drill-down headers ------------------------------------------------ */
/* Labels of drill-down columns that are not a field of the counted kind. */
static const char *const column_labels[][2] = {
    {"title", "标题"},          {"name", "名称"},           {"unit_name", "单位"},
    {"team_name", "巡察组"},     {"round_name", "轮次"},     {"person_name", "人员"},
    {"person_org", "所在单位"},  {"state", "状态"},          {"state_label", "状态"},
    {"handover_docno", "移交文号"}, {"handover_at", "移交时间"}, {"registry_no", "登记号"},
    {"registered_at", "登记时间"}, {"disposed_at", "处置时间"}, {"concluded_at", "办结时间"},
    {"disposal_method", "处置方式"}, {"days", "天数"},       {"seq_no", "编号"},
    {"amount", "金额 (元)"},     {"measure", "整改措施"},    {"deadline", "时限"},
    {"docno", "文号"},           {"times", "次数"},          {"kind", "类别"},
    {"created_at", "创建时间"},  {"requested_at", "提请时间"}, {"answered_at", "答复时间"},
    {"reason", "理由"},          {"subject_name", "被反映人"}, {"subject_post", "职务"},
    {"result", "办理结果"},      {"category_name", "问题类别"}, {"area_name", "问题领域"},
    {"unit_level", "层级"},      {"decided_on", "决定日期"},  {"outcome", "处理结果"},
    {"source_org", "来源单位"},  {"attendees", "参会人数"},  {"copied_at", "抄送时间"},
    {"fed_back_at", "反馈时间"}, {"meeting_date", "反馈会议日期"}, {"reports", "报告数"},
    {"completed_at", "完成时间"}, {"decided_at", "决定时间"}, {"submitted_at", "提交时间"},
    {"entry_date", "进驻日期"},  {"withdrawal_date", "撤离日期"}, {"feedback_date", "反馈日期"},
    {"proposed", "拟处理意见"},  {"final", "最终处理意见"},  {"clear_reason", "消除理由"},
    {"flag_cleared_at", "标记消除时间"}, {"flag_detail", "标记说明"},
    {"flag_lenient", "处理偏轻"}, {"flag_rectified_first", "先整改后处理"},
    {"flags_cleared", "已消除标记数"}, {"flags_raised", "标记数"}, {"from_org", "原单位"},
    {"from_post", "原职务"},     {"to_org", "交流至单位"},    {"to_post", "交流至职务"},
    {"moved_on", "交流日期"},    {"issued_on", "印发日期"},   {"item_count", "事项数"},
    {"item_title", "事项"},      {"review_title", "联合审查"}, {"level", "级别"},
    {"origin", "人员来源"},      {"outcomes", "处理结果"},   {"person_id", "人员"},
    {"rectified_at", "整改完成时间"}, {"signed_off_at", "销号时间"}, {"role", "角色"},
    {"source_unit", "抽调单位"},
};
/* Labels of fields of acts and change-log entries that no kind declares
 * (published with column_labels as meta "labels"; not drill-down headers). */
static const char *const other_labels[][2] = {
    {"text", "内容"},         {"copied_to", "抄送"},       {"problems", "问题数"},
    {"overdue", "逾期"},      {"days_left", "剩余天数"},   {"note", "意见"},
    {"filename", "文件名"},   {"size", "大小"},            {"mime", "文件类型"},
    {"object_kind", "对象类别"},
};

static const field *kind_field(const char *kind, const char *name) {
  const field *f = NULL;
  for (const rec_kind *const *k = rec_kinds; !f && *k; k++)
    if (!strcmp((*k)->name, kind)) {
      f = fields_find((*k)->fields, (*k)->nfields, name);
      if (!f) f = fields_find((*k)->filters, (*k)->nfilters, name);
    }
  return f;
}

static const char *column_label(const char *kind, const char *name) {
  for (size_t i = 0; i < sizeof column_labels / sizeof *column_labels; i++)
    if (!strcmp(column_labels[i][0], name)) return column_labels[i][1];
  const field *f = kind ? kind_field(kind, name) : NULL;
  size_t n = strlen(name);
  if (!f && kind && n > 4 && n < 64 && !strcmp(name + n - 4, "_fen")) { /* amount_fen: amount */
    char base[64];
    snprintf(base, sizeof base, "%.*s", (int)(n - 4), name);
    f = kind_field(kind, base);
  }
  return f ? f->label : NULL;
}

/* How a drill-down column is shown: "bool" (是/否) for a declared flag or a
 * flag_* column, "fen" (an amount in 分, shown in 元) for *_fen, else NULL. */
static const char *column_type(const char *kind, const char *name) {
  size_t n = strlen(name);
  if (n > 4 && !strcmp(name + n - 4, "_fen")) return "fen";
  if (!strncmp(name, "flag_", 5) && strcmp(name, "flag_detail") && strcmp(name, "flag_cleared_at"))
    return "bool";
  const field *f = kind ? kind_field(kind, name) : NULL;
  return f && f->type == FT_BOOL ? "bool" : NULL;
}

/* The output names of a SELECT list ("x.a, y.b AS c, count(*) AS n"): the
 * alias after the last " AS ", else the part after the last '.'. */
static json_t *columns_json(const char *kind, const char *cols) {
  json_t *a = json_array();
  const char *s = cols;
  while (s && *s) {
    int depth = 0;
    const char *e = s;
    for (; *e && !(*e == ',' && depth == 0); e++) depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
    const char *n = e;
    while (n > s && n[-1] == ' ') n--;
    const char *b = n;
    while (b > s && (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') || (b[-1] >= '0' && b[-1] <= '9'))) b--;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(n - b), b);
    if (*name && strcmp(name, "id") && strcmp(name, "version"))
      json_array_append_new(a, json_pack("{s:s,s:s?,s:s*}", "name", name, "label",
                                         column_label(kind, name), "type",
                                         column_type(kind, name)));
    s = *e ? e + 1 : e;
    while (*s == ' ') s++;
  }
  return a;
}

json_t *meta_columns(const char *kind, const char *cols) { return columns_json(kind, cols); }

static json_t *measures_json(void) {
  json_t *a = json_array();
  for (int i = 0; i < nmeasures; i++) {
    const measure *m = &measures[i];
    const char *kind = m->src->vis ? m->src->vis->name : NULL;
    const char *cols = m->kind == MK_DISTINCT && m->gcols ? m->gcols : m->src->cols;
    /* a source without a record kind of its own yet ("petitions") still
     * labels its columns with the fields of the kind of that name */
    char named[64] = "";
    size_t n = strlen(m->src->name);
    if (!kind && n > 1 && n < sizeof named) snprintf(named, sizeof named, "%.*s", (int)(n - 1), m->src->name);
    json_array_append_new(
        a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:o}", "key", m->name, "label", m->label, "unit",
                     m->unit, "source", m->src->name, "source_label", m->src->label, "kind", kind,
                     "columns", columns_json(kind ? kind : named, cols)));
    if (m->kind == MK_DAYS) /* report/stats.c adds each row's days */
      json_array_append_new(json_object_get(json_array_get(a, json_array_size(a) - 1), "columns"),
                            json_pack("{s:s,s:s}", "name", "days", "label", column_label(NULL, "days")));
  }
  return a;
}

static json_t *outcome_json(const char *code) {
  const outcome_def *d = outcome_find(code);
  int form = d ? d->form : 0;
  return json_pack("{s:s,s:s,s:s,s:i,s:s,s:b}", "code", code, "label", handling_label(code),
                   "kind_label", d ? outcome_kind_label(d->kind) : "", "form", form, "form_label",
                   form_label(form), "criminal_ok", d && d->criminal_ok);
}

/* ---- the whole answer ------------------------------------------------------------ */
static json_t *meta_build(void) {
  json_t *ro = json_array();
  for (int i = 0; i < ROLE__MAX; i++)
    json_array_append_new(ro, json_pack("{s:s,s:s,s:s}", "role", roles[i].name, "label",
                                        roles[i].label, "scope_kind",
                                        scope_kind_names[roles[i].scope]));
  json_t *wfs = json_object();
  for (const workflow *const *w = workflows; *w; w++) {
    json_t *st = json_array(), *tr = json_array();
    for (int i = 0; i < (*w)->nstates; i++)
      json_array_append_new(st, json_pack("{s:s,s:s}", "state", (*w)->states[i], "label",
                                          (*w)->state_labels[i]));
    for (int i = 0; i < (*w)->ntransitions; i++) {
      const wf_transition *t = &(*w)->transitions[i];
      json_array_append_new(tr, json_pack("{s:s,s:s,s:s,s:s,s:o}", "from", t->from, "verb",
                                          t->verb, "to", t->to, "label", t->label, "roles",
                                          roles_of(t->roles)));
    }
    json_object_set_new(wfs, (*w)->entity, json_pack("{s:o,s:o}", "states", st, "transitions", tr));
  }
  json_t *kinds = json_object();
  for (const rec_kind *const *k = rec_kinds; *k; k++) {
    const rec_kind *x = *k;
    /* further acts on the record: reading each sealed field, then the kind's own */
    action_id also[REC_MAXSEALED + ACTION__MAX];
    int nalso = 0;
    for (int i = 0; i < x->nsealed && i < REC_MAXSEALED; i++) also[nalso++] = x->sealed[i].read;
    for (int i = 0; i < x->nalso && nalso < (int)(sizeof also / sizeof *also); i++) {
      int dup = 0;
      for (int j = 0; j < nalso; j++) dup |= also[j] == x->also[i];
      if (!dup) also[nalso++] = x->also[i];
    }
    kview v = {.name = x->name, .label = x->label, .engine = "record", .create = x->fields,
               .ncreate = x->nfields, .editable = x->edit_state || x->edit_always, .edit_state = x->edit_state,
               .filters = x->filters, .nfilters = x->nfilters, .flags = x->flags, .nflags = x->nflags,
               .search = x->search_col ? (x->search_label ? x->search_label : "关键词") : NULL,
               .wf = x->wf, .hooks = x->hooks,
               .nhooks = x->nhooks, .list_act = x->list_act, .create_act = x->create_act,
               .edit_act = x->edit_act, .also = also, .nalso = nalso, .acts = x->acts,
               .nacts = x->nacts};
    json_object_set_new(kinds, x->name, kind_json(&v));
  }
  json_t *oc = json_array(), *hd = json_array();
  for (const char *const *c = outcome_codes; *c; c++) json_array_append_new(oc, outcome_json(*c));
  for (const char *const *c = handling_codes; *c; c++) json_array_append_new(hd, outcome_json(*c));
  /* the names of recorded actions (history) and the labels of columns and
   * change-log fields no kind declares */
  json_t *al = json_object(), *cl = json_object();
  for (const action_label *x = action_labels; x->name; x++)
    json_object_set_new(al, x->name, json_string(x->label));
  for (size_t i = 0; i < sizeof column_labels / sizeof *column_labels; i++)
    json_object_set_new(cl, column_labels[i][0], json_string(column_labels[i][1]));
  for (size_t i = 0; i < sizeof other_labels / sizeof *other_labels; i++)
    json_object_set_new(cl, other_labels[i][0], json_string(other_labels[i][1]));
  /* deadline warnings: days left at the first and the second warning, then
   * overdue (DOMAIN.md; the rectification task's `warning`) */
  json_t *dl = json_pack("[i,i]", (int)cfg_int(CFG_WARN_FIRST_DAYS), (int)cfg_int(CFG_WARN_SECOND_DAYS));
  return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "roles", ro, "workflows", wfs, "kinds",
                   kinds, "outcomes", oc, "handling", hd, "measures", measures_json(),
                   "action_labels", al, "labels", cl, "deadline_days", dl);
}

/* Built on first use (after authz_init has copied the workflow roles in) and
 * shared: the handlers only take references (jansson counts them atomically). */
static json_t *cached;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void meta_init(void) { cached = meta_build(); }

int h_meta(req *r) {
  pthread_once(&once, meta_init);
  if (!cached) return api_error(r, 500, "internal", "", "服务器内部错误");
  return api_ok(r, 200, json_incref(cached));
}
