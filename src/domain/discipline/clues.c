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

#include "domain/deadlines.h"
#include "core/workflow.h"
#include "api/record.h"
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
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED | F_CREATEONLY},
    {.name = "title", .label = "线索标题", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "subject_name", .label = "被反映人", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "subject_post", .label = "被反映人职务", .type = FT_TEXT, .max = 100},
    {.name = "source", .label = "线索来源", .type = FT_ENUM, .flags = F_REQUIRED, .values = sources},
    {.name = "discovered_on", .label = "发现日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "allegation", .label = "反映的主要问题", .type = FT_MEMO, .flags = F_REQUIRED, .max = 20000},
};
#define NCREATE ((int)(sizeof create_fields / sizeof *create_fields))

/* Columns that may be filtered and sorted on in lists. */
static const field list_fields[] = {
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = states},
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "unit_id", .label = "被巡察单位", .type = FT_ID},
    {.name = "handover_mode", .label = "移交方式", .type = FT_ENUM, .values = modes},
    {.name = "discovered_on", .label = "发现日期", .type = FT_DATE},
    {.name = "handover_at", .label = "移交时间", .type = FT_TEXT},
    {.name = "title", .label = "线索标题", .type = FT_TEXT},
};
#define NLIST ((int)(sizeof list_fields / sizeof *list_fields))

/* ---- declaration ------------------------------------------------------------ */
/* Whole days from a to b (each a date or a UTC timestamp), counted in
 * Shanghai calendar days as the statistics count them (day_shanghai), or null. */
static json_t *days(const json_t *row, const char *a, const char *b) {
  int64_t p = day_shanghai(json_string_value(json_object_get(row, a)));
  int64_t q = day_shanghai(json_string_value(json_object_get(row, b)));
  return p < 0 || q < 0 ? json_null() : json_integer(q - p);
}

static void clue_fix(store_tx *tx, json_t *row) {
  (void)tx;
  /* the time each hand-over took (issue 5; the statistics take median and max) */
  json_object_set_new(row, "days_discovery_to_handover", days(row, "discovered_on", "handover_at"));
  json_object_set_new(row, "days_handover_to_registration", days(row, "handover_at", "registered_at"));
  json_object_set_new(row, "days_handover_to_disposal", days(row, "handover_at", "disposed_at"));
  json_object_set_new(row, "days_handover_to_conclusion", days(row, "handover_at", "concluded_at"));
  /* the receiver's deadline (domain/deadlines.h): registration, then the report back */
  char due[11];
  const char *what = NULL;
  bool open = dl_clue_due(rec_s(row, "state"), rec_s(row, "handover_at"), due, &what);
  dl_set(row, open ? due : NULL, open);
  json_object_set_new(row, "deadline_of", what ? json_string(what) : json_null());
}

/* A discovery date is never ahead of today (create and edit). */
static int clue_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *cols, const json_t *parent,
                        const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)tx;
  (void)parent;
  (void)old;
  const char *disc = json_string_value(json_object_get(cols, "discovered_on"));
  char today[11];
  date_format(date_today_shanghai(), today);
  if (disc && strcmp(disc, today) > 0)
    return xres_err(x, 400, "invalid_field", "discovered_on", "「发现日期」不得晚于今天");
  return 0;
}

/* The page's keys: can_edit (the draft form), and the outcome only once
 * the clue is being disposed of. */
static void clue_finish(const principal *who, json_t *row) {
  (void)who;
  json_object_set(row, "can_edit", json_object_get(row, "editable"));
  const char *st = json_string_value(json_object_get(row, "state"));
  bool disposing = wf_in(&ws_clue_disposing, st);
  json_t *can = json_object_get(row, "can");
  if (!disposing && can) json_object_set_new(can, action_names[A_CLUE_OUTCOME], json_false());
}

static int docno(store_tx *tx, const char *series, cfg_id prefix, char *out, size_t n) {
  int year = year_shanghai(xnow());
  int64_t seq;
  int rc = api_next_seq(tx, series, year, &seq);
  if (rc) return rc;
  snprintf(out, n, "%s〔%d〕%lld号", cfg_str(prefix), year, (long long)seq);
  return 0;
}

/* The <step>_at/_by stamps (and verify_note, result_note) are declared with
 * the transitions (core/workflow.c) and written by the engine. */

static int apply_handover(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  (void)x;
  char dn[128], today[11];
  date_format(date_today_shanghai(), today);
  const char *wd = json_string_value(json_object_get(row, "withdrawal_date"));
  const char *mode = (!wd || !*wd || strcmp(today, wd) <= 0) ? "during_patrol" : "after_patrol";
  int rc = docno(tx, "handover", CFG_DOCNO_HANDOVER, dn, sizeof dn);
  if (rc) return rc;
  sval p[] = {SV_S(mode), SV_S(dn), SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "handover_mode", json_string(mode));
  json_object_set_new(d, "handover_docno", json_string(dn));
  return store_exec(tx, "UPDATE clues SET handover_mode=$1, handover_docno=$2 WHERE id=$3", p, 3,
                    NULL);
}

static int apply_register(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)in;
  (void)x;
  char dn[128];
  int rc = docno(tx, "registry", CFG_DOCNO_REGISTRY, dn, sizeof dn);
  if (rc) return rc;
  sval p[] = {SV_S(dn), SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "registry_no", json_string(dn));
  return store_exec(tx, "UPDATE clues SET registry_no=$1 WHERE id=$2", p, 2, NULL);
}

static int apply_dispose(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                         const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  const char *method = json_string_value(json_object_get(in, "method"));
  const char *dept = json_string_value(json_object_get(in, "dept_id"));
  if (dept) {
    int64_t n = 0;
    sval q[] = {SV_S(dept)};
    int rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='commission_dept'",
                             q, 1, &n);
    if (rc) return rc;
    if (!n) return xres_err(x, 400, "invalid_field", "dept_id", "「承办部门」应为纪委监委内设部门");
  }
  sval p[] = {SV_S(method), SV_S(dept), SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "method", json_string(method));
  return store_exec(tx, "UPDATE clues SET disposal_method=$1, disposal_dept_id=$2 WHERE id=$3", p,
                    3, NULL);
}

static int apply_conclude(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  const char *result = json_string_value(json_object_get(in, "result"));
  sval p[] = {SV_S(result), SV_S(json_string_value(json_object_get(row, "id")))};
  json_object_set_new(d, "result", json_string(result));
  return store_exec(tx, "UPDATE clues SET result=$1 WHERE id=$2", p, 2, NULL);
}

#define NOTE {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}
static const field f_note[] = {NOTE};
static const field f_dispose[] = {{.name = "method", .label = "处置方式", .type = FT_ENUM,
                                   .flags = F_REQUIRED, .values = methods},
                                  {.name = "dept_id", .label = "承办部门", .type = FT_ID}, NOTE};
static const field f_conclude[] = {{.name = "result", .label = "办理结果", .type = FT_ENUM,
                                    .flags = F_REQUIRED, .values = results},
                                   NOTE};

static const lc_hook clue_hooks[] = {
    {.verb = "verify", .fields = f_note, .nfields = 1},
    {.verb = "handover", .fields = f_note, .nfields = 1, .apply = apply_handover},
    {.verb = "register", .fields = f_note, .nfields = 1, .apply = apply_register},
    {.verb = "dispose", .fields = f_dispose, .nfields = 3, .apply = apply_dispose},
    {.verb = "conclude", .fields = f_conclude, .nfields = 2, .apply = apply_conclude},
};

/* the allegation: to the team and the commission's readers, each read audited */
static const rec_sealed clue_sealed[] = {
    {.column = "allegation_enc", .input = "allegation", .out = "allegation",
     .read = A_CLUE_ALLEGATION, .audit = "clue.allegation.read", .changed = "allegation_changed"},
};

/* a clue's page may record its outcome, open an accountability record or an
 * assistance request */
static const action_id clue_also[] = {A_CLUE_OUTCOME, A_ACCT_WRITE, A_ASSIST_WRITE};

static const lc_hook *const clue_acts[] = {&clue_outcome_act};
const rec_kind rk_clue = {
    .name = "clue",
    .label = "问题线索",
    .table = "clues",
    .cols = "x.id, x.version, x.target_id, x.round_id, x.team_id, x.unit_id, x.title, "
            "x.subject_name, x.subject_post, x.source, x.discovered_on, x.state, x.verified_at, "
            "x.verify_note, x.handover_at, x.handover_mode, x.handover_docno, x.registered_at, "
            "x.registry_no, x.disposal_method, x.disposal_dept_id, x.disposed_at, x.result, "
            "x.result_note, x.concluded_at, x.created_by, x.created_at, x.updated_at, "
            "o.name AS unit_name, x.case_filed_on, x.detention_on, x.prosecution_on, "
            "x.outcome_authority, t.name AS team_name, g.withdrawal_date AS withdrawal_date",
    .from = "clues x JOIN orgs o ON o.id=x.unit_id JOIN teams t ON t.id=x.team_id "
            "JOIN targets g ON g.id=x.target_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_clue,
    .list_act = A_CLUE_LIST,
    .create_act = A_CLUE_CREATE,
    .edit_act = A_CLUE_EDIT,
    .fields = create_fields,
    .nfields = NCREATE,
    .filters = list_fields,
    .nfilters = NLIST,
    /* ?q= in the title or the person reported (the unit separator keeps them apart) */
    .search_col = "(x.title || char(31) || x.subject_name)",
    .search_label = "线索标题、被反映人",
    .parent_field = "target_id",
    .parent_sql = "SELECT round_id, team_id, unit_id FROM targets WHERE id=$1",
    .edit_state = "draft",
    .prepare = clue_prepare,
    .fix = clue_fix,
    .finish = clue_finish,
    .hooks = clue_hooks,
    .nhooks = NF(clue_hooks),
    .wf = &wf_clue,
    .also = clue_also,
    .nalso = NF(clue_also),
    .sealed = clue_sealed,
    .nsealed = NF(clue_sealed),
    .acts = clue_acts, /* POST /clues/{id}/outcome (discipline.c) */
    .nacts = NF(clue_acts),
};

