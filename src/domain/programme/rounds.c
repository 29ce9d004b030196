/*
 * rounds.c — the round lifecycle on the workflow engine, and the mobilization
 * gate: a round is not mobilized while a member's vetting is missing, pending
 * or 有异议, or a recusal conflict has no approved exception.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "core/visibility.h"
#include "domain/programme/programme.h"

/* ---- round lifecycle ------------------------------------------------------------ */
#define ROUND_COLS                                                                             \
  "SELECT id, version, name, name AS title, term, seq, kind, theme, campaign, planned_start, " \
  "planned_end, state, created_at, updated_at FROM rounds WHERE id=$1"

static void round_obj(const json_t *row, authz_obj *o) {
  (void)row;
  memset(o, 0, sizeof *o);
}

static json_t *round_load(const void *arg, store_tx *tx, const char *id, int *rc) {
  (void)arg;
  json_t *row = prog_one(tx, ROUND_COLS, id, rc);
  if (row)
    json_object_set_new(row, "state_label",
                        json_string(wf_state_label(&wf_round, prog_js(row, "state"))));
  return row;
}

/* Everyone on the round's teams who may not go yet: vetting missing, pending
 * or with 异议, or a recusal conflict without an approved exception. */
static int round_blockers(store_tx *tx, const char *round, json_t *out) {
  sval p[] = {SV_S(round)};
  json_t *ms = store_query_json(
      tx,
      "SELECT m.person_id AS person_id, p.name AS name, m.team_id AS team_id, t.name AS team_name, "
      "(SELECT v.state FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "
      " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1) AS vetting, "
      "(SELECT v.reason FROM vettings v WHERE v.round_id=m.round_id AND v.person_id=m.person_id "
      " ORDER BY v.requested_at DESC, v.id DESC LIMIT 1) AS vetting_reason "
      "FROM team_members m JOIN persons p ON p.id=m.person_id JOIN teams t ON t.id=m.team_id "
      "WHERE m.round_id=$1 ORDER BY t.name, p.name",
      p, 1);
  if (!ms) return STORE_ERR;
  int rc = 0;
  size_t i;
  json_t *m;
  json_array_foreach(ms, i, m) {
    const char *v = prog_js(m, "vetting");
    char why[4600]; /* the objection's reason is up to 1000 characters */
    why[0] = '\0';
    if (!v) snprintf(why, sizeof why, "未提请廉政审核");
    else if (wf_in(&ws_vetting_pending, v)) snprintf(why, sizeof why, "廉政审核尚未答复");
    else if (wf_in(&ws_vetting_objection, v))
      snprintf(why, sizeof why, "廉政审核有异议 (%s), 须调整人选",
               prog_js(m, "vetting_reason") ? prog_js(m, "vetting_reason") : "");
    utf8_fix_end(why);
    if (why[0])
      json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "person_id", prog_js(m, "person_id"),
                                           "name", prog_js(m, "name"), "team", prog_js(m, "team_name"),
                                           "reason", why));
    json_t *c = json_array();
    rc = prog_team_conflicts(tx, prog_js(m, "team_id"), prog_js(m, "person_id"), NULL, c);
    if (!rc && json_array_size(c)) {
      buf b;
      buf_init(&b, 3000);
      if (buf_adds(&b, "回避情形未经领导小组批准例外: ") == BUF_OK) prog_conflicts_text(c, &b);
      json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s}", "person_id", prog_js(m, "person_id"),
                                           "name", prog_js(m, "name"), "team", prog_js(m, "team_name"),
                                           "reason",
                                           buf_str_or(&b, "回避情形未经领导小组批准例外 (情形较多, 请查看回避检查)")));
      buf_free(&b);
    }
    json_decref(c);
    if (rc) break;
  }
  json_decref(ms);
  return rc;
}

static int apply_mobilize(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)d;
  (void)a;
  (void)ac;
  (void)in;
  json_t *bl = json_array();
  int rc = round_blockers(tx, prog_js(row, "id"), bl);
  if (rc || json_array_size(bl) == 0) {
    json_decref(bl);
    return rc;
  }
  /* every person, team and reason, as long as the message allows (the
   * items hold commas, hence "; "); the rest counted: "…等 N 项" */
  buf b;
  buf_init(&b, API_MSG_MAX);
  buf_list l;
  if (buf_addf(&b, "不能动员部署, 以下 %zu 项未解决: ", json_array_size(bl)) == BUF_OK) {
    buf_list_begin(&l, &b, "; ", API_MSG_MAX);
    size_t i;
    json_t *it;
    json_array_foreach(bl, i, it)
        buf_list_addf(&l, "%s (%s): %s", prog_js(it, "name"), prog_js(it, "team"), prog_js(it, "reason"));
    buf_list_end(&l);
  }
  xres_err(x, 409, "mobilize_blocked", "", "%s",
            buf_str_or(&b, "不能动员部署, 未解决的事项较多 (见 blockers)"));
  buf_free(&b);
  xres_put(x, "blockers", bl);
  return x->status;
}

const field prog_f_note[] = {{.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000}};
static const lc_hook round_hooks[] = {{.verb = "mobilize", .fields = prog_f_note, .nfields = 1, .apply = apply_mobilize}};
static const lc_entity lc_round = {.wf = &wf_round, .table = "rounds", .read_act = A_ROUND_LIST,
                                   .obj = round_obj, .load = round_load, .hooks = round_hooks,
                                   .nhooks = NF(round_hooks), .vis = &vis_round};

int h_rounds_action(req *r) { return lifecycle_run(r, &lc_round, r->params[0], r->params[1]); }

int round_svc_action(app *a, svc_actor *ac, const char *id, const char *verb, const char *if_match,
                     json_t *input, json_t **out, xres *x) {
  return lifecycle_svc(a, ac, &lc_round, id, verb, if_match, input, out, x);
}
