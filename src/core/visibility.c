/*
 * visibility.c — the record kinds' visibility declarations and the one
 * predicate built from them. See visibility.h.
 */
#include "core/visibility.h"

#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "util/mutant.h"

#include "store/store.h"

/* A problem reaches the unit side once fed back, the commission once the
 * report holding it was copied to the commission (report_copies). */
#define COPIED(col)                                                                            \
  "EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id " \
  "WHERE rp.problem_id=" col ")"

static const char *const problem_papers[] = {"people",     "found_by",   "petition_id", "file_count",
                                             "created_by", "found_on",   "files",       NULL};

const vis_kind vis_problem = {
    .name = "problem", .table = "problems", .read = A_PROBLEM_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released_set = &ws_problem_released, .released_col = "x.state", .handed = COPIED("x.id"),
    .papers = A_PROBLEM_PAPERS, .paper_fields = problem_papers};

/* The report's text (and why it was returned) only to those who read it. */
static const vis_field report_fields[] = {
    {.name = "text", .need = A_REPORT_TEXT}, {.name = "return_reason", .need = A_REPORT_TEXT}, {0}};

const vis_kind vis_report = {
    .name = "report", .table = "reports", .read = A_REPORT_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released_set = &ws_report_released, .released_col = "x.state",
    .handed = "x.copied_at IS NOT NULL",
    .papers = A_SELF, .fields = report_fields};

/* Tasks exist only on fed-back problems: the unit side sees them all; the
 * commission those of copied problems. */
const vis_kind vis_task = {
    .name = "rect_task", .table = "rect_tasks", .read = A_RECT_READ,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL, .handed = COPIED("x.problem_id"),
    .papers = A_SELF};

const vis_kind vis_notice = {
    .name = "notice", .table = "notices", .read = A_NOTICE_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL, .handed = NULL,
    .papers = A_SELF,
    /* (visreports) a notice follows its task: the commission's liaison
     * (notice.read on all) reads those of tasks it sees, i.e. of copied
     * problems; before, it also counted and read the others */
    .parent = &vis_task, .parent_col = "x.task_id", .parent_fk = true};

/* Assistance never reaches the unit side; the commission sees it once forwarded. */
/* The titles of the problem or clue a record hangs from are shown only to
 * those who may see that problem or clue (the commission's 审查调查室 records
 * accountability without reading the team's problem list). */
static const vis_field names_of_parents[] = {
    {.name = "problem_title", .ref = &vis_problem, .ref_key = "problem_id"},
    {.name = "clue_title", .ref = &vis_clue, .ref_key = "clue_id"},
    {0}};

const vis_kind vis_assistance = {
    .name = "assistance", .table = "assistance", .read = A_ASSIST_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "0", .handed = "x.forwarded_at IS NOT NULL",
    .papers = A_SELF, .fields = names_of_parents};

const vis_kind vis_accountability = {
    .name = "accountability", .table = "accountability", .read = A_ACCT_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL,
    .handed = COPIED("x.problem_id") " OR EXISTS (SELECT 1 FROM clues h WHERE h.id=x.clue_id AND "
              "h.handover_at IS NOT NULL)",
    .papers = A_SELF, .fields = names_of_parents};

const vis_kind vis_review = {
    .name = "joint_review", .table = "joint_reviews", .read = A_REVIEW_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* Items of a joint review: seen with their review (its rule alone); the
 * title of the problem or clue an item names only by those who may see
 * that problem or clue (a commission desk reading the review does not read
 * the team's unreleased problems or its clues before hand-over). */
const vis_kind vis_review_item = {
    .name = "review_item", .table = "review_items", .read = A_REVIEW_LIST,
    .papers = A_SELF, .parent = &vis_review, .parent_col = "x.review_id", .parent_fk = true,
    .fields = names_of_parents};

/* Member replacements: read by those who read vettings, by team; never the
 * unit side (unit_id is always NULL), never handed to the commission. */
const vis_kind vis_replacement = {
    .name = "replacement", .table = "member_replacements", .read = A_VETTING_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* Clues: the team's own; the commission once handed over (the row rule is
 * domain/discipline/clues.c clue_obj, the same policy cells). */
const vis_kind vis_clue = {
    .name = "clue", .table = "clues", .read = A_CLUE_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL, .handed_set = &ws_clue_handed, .handed_col = "x.state",
    .papers = A_SELF};

/* ---- generic kinds (viscore) ---- */
/* The directory and the round plan: every holder of the read action sees
 * every row (the policy gives these actions P_ALL only). */
const vis_kind vis_org = {
    .name = "org", .table = "orgs", .read = A_ORG_LIST, .any_holder = true, .papers = A_SELF};

/* A person's directory entry: the holders of person.list. The cadre pool's
 * content (profile parts) only with pool.read; the rounds served with the
 * read action of teams, the vettings with that of vettings. */
static const vis_field person_fields[] = {
    {.name = "work_history", .need = A_POOL_READ}, {.name = "relatives", .need = A_POOL_READ},
    {.name = "trainings", .need = A_POOL_READ},    {.name = "tags", .need = A_POOL_READ},
    {.name = "rounds", .need = A_TEAM_LIST},       {.name = "vettings", .need = A_VETTING_LIST},
    {0}};
const vis_kind vis_person = {
    .name = "person", .table = "persons", .read = A_PERSON_LIST, .any_holder = true,
    .papers = A_SELF, .fields = person_fields};

const vis_kind vis_round = {
    .name = "round", .table = "rounds", .read = A_ROUND_LIST, .any_holder = true,
    .papers = A_SELF};

const vis_kind vis_team = {
    .name = "team", .table = "teams", .read = A_TEAM_LIST, .any_holder = true, .papers = A_SELF};

/* A target: its team; its unit and the unit's dispatched group (always:
 * a target is no secret to the unit it names). */
const vis_kind vis_target = {
    .name = "target", .table = "targets", .read = A_TARGET_LIST,
    .team = "x.team_id", .unit = "x.unit_id", .papers = A_SELF};

/* A team member: whoever sees the team. */
const vis_kind vis_member = {
    .name = "team_member", .table = "team_members", .read = A_TEAM_LIST,
    .parent = &vis_team, .parent_col = "x.team_id", .parent_fk = true, .papers = A_SELF,
    /* (visreports) its team, so that an action scoped to teams (a team's
     * statistics) reaches its own team's members; team.list is P_ALL */
    .team = "x.team_id"};

/* An evidence file: visible iff its owner record is and the user may see
 * the owner's "files" field (a problem's: its working papers). */
const vis_kind vis_file_problem = {
    .name = "problem_file", .table = "files", .read = A_PROBLEM_PAPERS,
    .only = "x.owner_kind='problem'", .parent = &vis_problem, .parent_col = "x.owner_id",
    .parent_field = "files", .papers = A_SELF};
const vis_kind vis_file_task = {
    .name = "rect_task_file", .table = "files", .read = A_RECT_READ,
    .only = "x.owner_kind='rect_task'", .parent = &vis_task, .parent_col = "x.owner_id",
    .parent_field = "files", .papers = A_SELF};

/* ---- kinds of the reports and domain side (visreports) ---- */
/* The current team of a vetted person: the team of the round the person is
 * on (a vetting carries no team of its own). */
#define VETTING_TEAM                                                                     \
  "(SELECT m.team_id FROM team_members m WHERE m.round_id=x.round_id AND "               \
  "m.person_id=x.person_id)"

/* Integrity vettings: read by those who plan and vet (all of them, P_ALL
 * today); a team's rule would see its own members' vettings. Never the unit
 * side, never handed to the commission. */
const vis_kind vis_vetting = {
    .name = "vetting", .table = "vettings", .read = A_VETTING_LIST,
    .team = VETTING_TEAM, .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};


/* Recusal exceptions (回避例外) approved by the leading group: read by those
 * who plan and vet; a team's rule would see its own team's. */
const vis_kind vis_recusal = {
    .name = "recusal_exception", .table = "recusal_exceptions", .read = A_RECUSAL_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* Cadre movements (干部交流): no team, no unit; only whole-collection rules. */
const vis_kind vis_movement = {
    .name = "cadre_movement", .table = "cadre_movements", .read = A_MOVEMENT_LIST,
    .team = NULL, .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};


/* Institutions revised in rectification (制度机制): read with rectification
 * (rect.read); the team through the target, the unit its own, the
 * commission once the target's report was copied. */
const vis_kind vis_institution = {
    .name = "institution", .table = "institutions", .read = A_RECT_READ,
    .team = "(SELECT g.team_id FROM targets g WHERE g.id=x.target_id)", .unit = "x.unit_id",
    .released = NULL,
    .handed = "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.target_id AND "
              "rep.copied_at IS NOT NULL)",
    .papers = A_SELF};

/* A target's rectification (plan, report, its problems and tasks: GET
 * /targets/{id}/rectification): the team's own; the unit side once the
 * target's report was fed back; the commission once it was copied. */
const vis_kind vis_rectification = {
    .name = "rectification", .table = "targets", .read = A_RECT_READ,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND {set})",
    .released_set = &ws_report_released, .released_col = "rep.state",
    .handed = "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND {set})",
    .handed_set = &ws_report_copied, .handed_col = "rep.state",
    .papers = A_SELF};


/* ---- engine kinds ---- */
/* Petitions received on site: the team's own; never the unit side nor the
 * commission (the reporter's identity is a sealed field, api/record.h). */
const vis_kind vis_petition = {
    .name = "petition", .table = "petitions", .read = A_PETITION_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* 巡前情况通报: the office and the leading group all; a team its own
 * targets'; a dispatched group those asked of it on the units it
 * supervises; 信访室/案管室/党风室 those asked of them (source = the desk's
 * role name). Never the unit side. */
const vis_kind vis_briefing = {
    .name = "briefing", .table = "briefings", .read = A_BRIEFING_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "x.source='dispatched_group'", .handed = NULL,
    .papers = A_SELF,
    .own_roles = RB(R_PETITIONS) | RB(R_CASE_MGMT) | RB(R_CONDUCT), .own_col = "x.source"};

/* Every kind, for vis_kind_by_name (inbox messages name their record's kind).
 * Every helper adding a kind adds it here. */
const vis_kind *const vis_kinds[] = {
    &vis_problem, &vis_report, &vis_task, &vis_notice, &vis_assistance, &vis_accountability,
    &vis_review, &vis_clue, &vis_replacement,
    /* generic kinds (viscore) */
    &vis_org, &vis_person, &vis_round, &vis_team, &vis_target, &vis_member, &vis_file_problem,
    &vis_file_task,
    /* engine kinds */
    &vis_petition, &vis_briefing,
    /* kinds of the reports and domain side (visreports) */
    &vis_vetting, &vis_movement, &vis_institution, &vis_rectification, &vis_recusal,
    NULL};

const vis_kind *vis_kind_by_name(const char *name) {
  for (const vis_kind *const *k = vis_kinds; name && *k; k++)
    if (!strcmp((*k)->name, name)) return *k;
  return NULL;
}

/* The state set as "(<col>='a' OR <col>='b' ...)": the same truth value as
 * "<col> IN ('a','b',...)" (NULL for a NULL column), but in a result column
 * SQLite evaluates it by comparisons, where a constant IN list of more than
 * two terms builds an ephemeral table on every run of the statement. */
static int set_or(const wf_set *s, const char *col, buf *b) {
  const workflow *w = s->wf;
  uint32_t set = wf_set_bits(s);
  int n = 0;
  for (int i = 0; i < w->nstates && i < 32; i++)
    if ((set >> i & 1) && buf_addf(b, "%s%s='%s'", n++ ? " OR " : "(", col, w->states[i]))
      return -1;
  return buf_adds(b, n ? ")" : "0") ? -1 : 0;
}

static int cond_sql(const vis_kind *k, int which, buf *b, bool as_or) {
  const char *text = which == VIS_HANDED ? k->handed : k->released;
  const wf_set *set = which == VIS_HANDED ? k->handed_set : k->released_set;
  const char *col = which == VIS_HANDED ? k->handed_col : k->released_col;
  if (!set) return buf_adds(b, text ? text : which == VIS_HANDED ? "0" : "1") ? -1 : 0;
  const char *at = text ? strstr(text, "{set}") : NULL;
  if (text && !at) return -1; /* a declaration defect: fail closed (unit-tested) */
  if (at && buf_addf(b, "%.*s", (int)(at - text), text)) return -1;
  if ((as_or ? set_or : wf_set_sql)(set, col ? col : "x.state", b)) return -1;
  return at && buf_adds(b, at + 5) ? -1 : 0;
}

int vis_cond_sql(const vis_kind *k, int which, buf *b) { return cond_sql(k, which, b, false); }

int vis_cond_col(const vis_kind *k, int which, buf *b) { return cond_sql(k, which, b, true); }

static bool has_handed(const vis_kind *k) { return k->handed || k->handed_set; }

/* Builds one condition; params counted against maxp across nested parts. */
typedef struct vctx {
  const principal *who;
  buf *sql;
  sval *p;
  int *np;
  int maxp, used;
} vctx;

static int param(vctx *c, const char *v, int first) {
  if (c->used >= c->maxp) return -1;
  if (buf_addf(c->sql, "%s$%d", first ? "" : ",", *c->np + 1)) return -1;
  c->p[(*c->np)++] = SV_S(v);
  c->used++;
  return 0;
}

/* The role-scope part alone, in parentheses ("(0)": nothing; "(1)": all),
 * from the user's filter fp (any: some rule at all). */
static int scope_of(vctx *c, const vis_kind *k, const authz_filter *fp, bool any) {
  buf *sql = c->sql;
  const authz_filter f = *fp;
  if (!any) return buf_adds(sql, "(0)") ? -1 : 0;
  if (f.all || k->any_holder) return buf_adds(sql, "(1)") ? -1 : 0;
  int n = 0;
  if (buf_adds(sql, "(")) return -1;
  if (f.handed && has_handed(k)) {
    if (buf_adds(sql, "(") || vis_cond_sql(k, VIS_HANDED, sql) || buf_adds(sql, ")")) return -1;
    n++;
  }
  if (f.nteams && k->team) {
    if (buf_addf(sql, "%s%s IN (", n++ ? " OR " : "", k->team)) return -1;
    for (int i = 0; i < f.nteams; i++)
      if (param(c, f.teams[i], !i)) return -1;
    if (buf_adds(sql, ")")) return -1;
  }
  if ((f.nunits || f.norgs) && k->unit) {
    if (buf_addf(sql, "%s((", n++ ? " OR " : "") || vis_cond_sql(k, VIS_RELEASED, sql) ||
        buf_adds(sql, ") AND ("))
      return -1;
    int m = 0;
    if (f.nunits) {
      if (buf_addf(sql, "%s IN (", k->unit)) return -1;
      for (int i = 0; i < f.nunits; i++)
        if (param(c, f.units[i], !i)) return -1;
      if (buf_adds(sql, ")")) return -1;
      m++;
    }
    if (f.norgs) {
      if (buf_addf(sql, "%s%s IN (SELECT id FROM orgs WHERE supervisor_id IN (", m ? " OR " : "",
                   k->unit))
        return -1;
      for (int i = 0; i < f.norgs; i++)
        if (param(c, f.orgs[i], !i)) return -1;
      if (buf_adds(sql, "))")) return -1;
    }
    if (buf_adds(sql, "))")) return -1;
  }
  if (!n && buf_adds(sql, "0")) return -1;
  return buf_adds(sql, ")") ? -1 : 0;
}

/* Points a filter made from a copy of the user's grants (copy->grants[i] is
 * who->grants[map[i]]) back at the user's own scope ids, which outlive the
 * query the parameters go into. */
static void remap(const char **ids, int n, const principal *copy, const principal *who,
                  const int *map) {
  for (int j = 0; j < n; j++)
    for (int i = 0; i < copy->ngrants; i++)
      if (ids[j] == copy->grants[i].scope_id) ids[j] = who->grants[map[i]].scope_id;
}

/* The role-scope part for the user: scope_of, with the grants of k's
 * own_roles (holding any rule on a) narrowed to the rows where own_col is
 * their role's name. */
static int scope(vctx *c, const vis_kind *k, action_id a) {
  authz_filter f;
  const principal *who = c->who;
  if (!k->own_roles || !who) return scope_of(c, k, &f, authz_filter_for(who, a, &f));
  principal rest = *who;
  int map[MAX_GRANTS];
  rest.ngrants = 0;
  int nown = 0;
  buf *sql = c->sql;
  for (int i = 0; i < who->ngrants; i++) {
    const grant *g = &who->grants[i];
    if (!(k->own_roles & RB(g->role))) {
      map[rest.ngrants] = i;
      rest.grants[rest.ngrants++] = *g;
    } else if (authz_rule(a, g->role) != P_NO) {
      if ((!nown && buf_addf(sql, "(%s IN (", k->own_col)) ||
          param(c, roles[g->role].name, !nown++))
        return -1;
    }
  }
  bool any = authz_filter_for(&rest, a, &f);
  remap(f.teams, f.nteams, &rest, who, map);
  remap(f.units, f.nunits, &rest, who, map);
  remap(f.orgs, f.norgs, &rest, who, map);
  if (nown && buf_adds(sql, ") OR ")) return -1;
  if (scope_of(c, k, &f, any)) return -1;
  return nown && buf_adds(sql, ")") ? -1 : 0;
}

static int cond_c(vctx *c, const vis_kind *k, action_id a, int depth);

/* "<col> IN (SELECT x.id FROM <parent> x WHERE <cond>)": the left operand is
 * the outer alias x, the subquery's x the parent's. */
static int parent_in(vctx *c, const vis_kind *k, action_id a, int depth) {
  if (k->parent_fk) {
    /* the parent's condition alone first: "((1))" (every parent row) with a
     * foreign key is "the column names a parent" */
    buf t;
    buf_init(&t, 1024);
    vctx tc = *c;
    int np0 = *c->np;
    tc.sql = &t;
    int rc = cond_c(&tc, k->parent, a, depth + 1);
    bool whole = !rc && !buf_failed(&t) && !strcmp(buf_str(&t), "((1))") && *c->np == np0;
    buf_free(&t);
    *c->np = np0; /* parameters of the trial build are dropped */
    if (whole) return buf_addf(c->sql, "%s IS NOT NULL", k->parent_col) ? -1 : 0;
  }
  if (buf_addf(c->sql, "%s IN (SELECT x.id FROM %s x WHERE ", k->parent_col, k->parent->table))
    return -1;
  if (cond_c(c, k->parent, a, depth + 1)) return -1;
  return buf_adds(c->sql, ")") ? -1 : 0;
}

/* The whole condition of k for action a, in parentheses. */
static int cond_c(vctx *c, const vis_kind *k, action_id a, int depth) {
  buf *sql = c->sql;
  if (depth > 4) return -1; /* a declaration loop: a build defect, fail closed */
  if (buf_adds(sql, "(")) return -1;
  if (k->only && buf_addf(sql, "(%s) AND ", k->only)) return -1;
  if (k->owner && k->draft) {
    if (buf_addf(sql, "(NOT COALESCE((%s),0) OR %s=", k->draft, k->owner)) return -1;
    if (param(c, c->who ? c->who->user_id : "", 1) || buf_adds(sql, ") AND ")) return -1;
  }
  if (k->parent && k->parent_col) {
    if (parent_in(c, k, k->parent->read, depth) || buf_adds(sql, " AND ")) return -1;
    action_id need = k->parent_field ? vis_field_need(k->parent, k->parent_field) : k->parent->read;
    if (need != k->parent->read && (parent_in(c, k, need, depth) || buf_adds(sql, " AND ")))
      return -1;
  }
  if (k->parent && !k->team && !k->unit && !has_handed(k)) {
    /* no scope of its own: the parent's decides (the holders of the read action) */
    authz_filter f;
    if (buf_adds(sql, authz_filter_for(c->who, a, &f) ? "1" : "0")) return -1;
  } else if (scope(c, k, a)) {
    return -1;
  }
  return buf_adds(sql, ")") ? -1 : 0;
}

static int cond(const vis_kind *k, const principal *who, action_id a, buf *sql, sval *p, int *np,
                int maxp) {
  vctx c = {who, sql, p, np, maxp, 0};
  return cond_c(&c, k, a, 0);
}

bool vis_whole(const vis_kind *k, const principal *who, action_id a) {
  if (!k || !who) return false;
  buf b;
  buf_init(&b, 16384);
  sval p[VIS_MAXP];
  int np = 0;
  bool ok = !cond(k, who, a, &b, p, &np, VIS_MAXP) && !strcmp(buf_str(&b), "((1))");
  buf_free(&b);
  return ok;
}

int vis_where(const vis_kind *k, const principal *who, action_id a, buf *sql, sval *p, int *np,
              int maxp) {
  if (buf_adds(sql, " AND ")) return -1;
  return cond(k, who, a, sql, p, np, maxp);
}

int vis_expr(const vis_kind *k, const principal *who, action_id a, const char *idcol, buf *sql,
             sval *p, int *np, int maxp) {
  if (buf_addf(sql, "(%s IN (SELECT x.id FROM %s x WHERE ", idcol, k->table)) return -1;
  if (cond(k, who, a, sql, p, np, maxp)) return -1;
  return buf_adds(sql, "))") ? -1 : 0;
}

int vis_in(const vis_kind *k, const principal *who, action_id a, const char *idcol, buf *sql,
           sval *p, int *np, int maxp) {
  if (buf_adds(sql, " AND ")) return -1;
  return vis_expr(k, who, a, idcol, sql, p, np, maxp);
}

/* ---- on one row ------------------------------------------------------------------------ */
int vis_row_act(store_tx *tx, const vis_kind *k, const principal *who, action_id a,
                const char *id) {
  if (!k || !id) return 0;
  sval p[VIS_MAXP + 1];
  int np = 0;
  p[np++] = SV_S(id);
  buf b;
  buf_init(&b, 8192);
  int64_t n = 0;
  int rc = STORE_ERR;
  buf_addf(&b, "SELECT count(*) FROM %s x WHERE x.id=$1", k->table);
  if (!vis_where(k, who, a, &b, p, &np, VIS_MAXP)) rc = store_query_int(tx, buf_str(&b), p, np, &n);
  buf_free(&b);
  return rc ? (rc < 0 ? rc : STORE_ERR) : n > 0;
}

bool vis_any(const vis_kind *k, const principal *who) {
  authz_filter f;
  return k && authz_filter_for(who, k->read, &f);
}

/* (visreports) The same scope builder on a scratch buffer: "(0)" is the one
 * text it gives when no rule of the user reaches k for a. */
bool vis_reaches(const vis_kind *k, const principal *who, action_id a) {
  if (!k) return false;
  if (k->parent && !vis_reaches(k->parent, who, k->parent->read)) return false;
  if (k->parent && !k->team && !k->unit && !has_handed(k)) {
    authz_filter f;
    return authz_filter_for(who, a, &f);
  }
  buf b;
  buf_init(&b, 16384);
  sval p[VIS_MAXP];
  int np = 0;
  vctx c = {who, &b, p, &np, VIS_MAXP, 0};
  bool ok = !scope(&c, k, a) && strcmp(buf_str(&b), "(0)") != 0;
  buf_free(&b);
  return ok;
}

int vis_row(store_tx *tx, const vis_kind *k, const principal *who, const char *id) {
  if (MUTANT(MUT_ROW_CHECK_SKIPPED)) return 1;
  return k ? vis_row_act(tx, k, who, k->read, id) : 0;
}

action_id vis_field_need(const vis_kind *k, const char *name) {
  for (const vis_field *f = k->fields; f && f->name; f++)
    if (!strcmp(f->name, name)) return f->need == A_SELF ? k->read : f->need;
  if (k->papers != A_SELF)
    for (const char *const *f = k->paper_fields; f && *f; f++)
      if (!strcmp(*f, name)) return k->papers;
  return k->read;
}

/* Asks the row once per action. */
typedef struct vis_memo {
  int n;
  action_id a[16];
  int ok[16];
} vis_memo;

static int may(store_tx *tx, const vis_kind *k, const principal *who, const char *id,
               action_id a, vis_memo *m) {
  if (a == k->read) return 1;
  for (int i = 0; i < m->n; i++)
    if (m->a[i] == a) return m->ok[i];
  int ok = vis_row_act(tx, k, who, a, id);
  if (ok >= 0 && m->n < 16) m->a[m->n] = a, m->ok[m->n++] = ok;
  return ok;
}

int vis_redact(store_tx *tx, const vis_kind *k, const principal *who, const char *id,
               json_t *row) {
  if (!k || !row || MUTANT(MUT_REDACT_SKIPPED)) return 0;
  vis_memo m = {0};
  int err = 0;
  for (const vis_field *f = k->fields; f && f->name; f++) {
    if (!json_object_get(row, f->name)) continue;
    int ok;
    if (f->ref) { /* names another record: shown iff that record is visible */
      const char *rid = json_string_value(json_object_get(row, f->ref_key));
      ok = err ? 0 : rid ? vis_row(tx, f->ref, who, rid) : 1;
    } else {
      ok = err ? 0 : may(tx, k, who, id, vis_field_need(k, f->name), &m);
    }
    if (ok < 0) err = ok;
    if (ok <= 0) json_object_del(row, f->name);
  }
  if (k->papers != A_SELF)
    for (const char *const *f = k->paper_fields; f && *f; f++) {
      if (!json_object_get(row, *f)) continue;
      int ok = err ? 0 : may(tx, k, who, id, vis_field_need(k, *f), &m);
      if (ok < 0) err = ok;
      if (ok <= 0) json_object_del(row, *f);
    }
  return err;
}

/* ---- on the rows of a page ------------------------------------------------------------- */
/* "$n" for n >= 1, without printf (called once per row of a page). */
static int add_param(buf *b, int n, bool first) {
  char t[16];
  size_t i = sizeof t;
  do t[--i] = (char)('0' + n % 10);
  while ((n /= 10) && i > 2);
  t[--i] = '$';
  if (!first) t[--i] = ',';
  return buf_add(b, t + i, sizeof t - i);
}

/* Which of the values under key in rows (strings; repeats do no harm) are
 * ids of rows of k on which the user holds a: the set of those ids (keys of
 * the returned object), NULL on a store error. One query: vis_row_act's
 * condition with "x.id IN (...)". */
static json_t *rows_act(store_tx *tx, const vis_kind *k, const principal *who, action_id a,
                        json_t *rows, const char *key) {
  json_t *ok = json_object();
  size_t n = json_array_size(rows);
  sval *p = malloc((n + VIS_MAXP) * sizeof *p); /* only the entries set are read */
  if (!p) {
    json_decref(ok);
    return NULL;
  }
  int np = 0;
  buf b;
  buf_init(&b, 65536);
  buf_addf(&b, "SELECT x.id FROM %s x WHERE x.id IN (", k->table);
  for (size_t i = 0; i < n; i++) {
    const char *v = json_string_value(json_object_get(json_array_get(rows, i), key));
    if (!v) continue;
    p[np++] = SV_S(v);
    add_param(&b, np, np == 1);
  }
  if (!np) { /* nothing to ask */
    buf_free(&b);
    free(p);
    return ok;
  }
  buf_adds(&b, ")");
  store_rows *r = NULL;
  int rc = STORE_ERR;
  if (!vis_where(k, who, a, &b, p, &np, VIS_MAXP)) rc = store_query(tx, buf_str(&b), p, np, &r);
  int s = 0;
  while (!rc && (s = store_next(r)) == 1) {
    const char *id = store_text(r, 0);
    if (id) json_object_set_new_nocheck(ok, id, json_true()); /* an id read back: UTF-8 */
  }
  if (!rc) store_rows_close(r);
  buf_free(&b);
  free(p);
  if (rc || s < 0) {
    json_decref(ok);
    return NULL;
  }
  return ok;
}

/* One question asked of the whole page: action a on kind `of` for the ids
 * under key of the rows (k itself and "id", or a referred kind and its
 * ref_key). ok: the ids on which it holds. */
typedef struct vis_ask {
  const vis_kind *of;
  action_id a;
  const char *key;
  json_t *ok;
} vis_ask;

enum { VIS_MAXASK = 16, VIS_MAXDECL = 64 };

static int ask_of(vis_ask *q, int *n, const vis_kind *of, action_id a, const char *key) {
  for (int i = 0; i < *n; i++)
    if (q[i].of == of && q[i].a == a && !strcmp(q[i].key, key)) return i;
  if (*n >= VIS_MAXASK) return -1;
  q[*n] = (vis_ask){.of = of, .a = a, .key = key};
  return (*n)++;
}

/* The ask a declared field of k depends on: -2 none (whoever sees the row
 * sees the field), -1 too many (a declaration defect: fail closed). */
static int field_ask(const vis_kind *k, const vis_field *f, const char *paper, vis_ask *q, int *n) {
  if (f && f->ref) return ask_of(q, n, f->ref, f->ref->read, f->ref_key);
  action_id need = vis_field_need(k, f ? f->name : paper);
  if (need == k->read) return -2;
  return ask_of(q, n, k, need, "id");
}

static void drop_declared(const vis_kind *k, json_t *row) {
  for (const vis_field *f = k->fields; f && f->name; f++) json_object_del(row, f->name);
  for (const char *const *f = k->paper_fields; f && *f; f++) json_object_del(row, *f);
}

int vis_redact_rows(store_tx *tx, const vis_kind *k, const principal *who, json_t *rows) {
  if (!k || !rows || MUTANT(MUT_REDACT_SKIPPED)) return 0;
  /* the declared fields (k->fields, then the paper fields) and the ask of each */
  const char *name[VIS_MAXDECL];
  const vis_field *decl[VIS_MAXDECL];
  int ask[VIS_MAXDECL];
  vis_ask q[VIS_MAXASK];
  int nd = 0, nq = 0, err = 0;
  for (const vis_field *f = k->fields; f && f->name; f++) {
    if (nd == VIS_MAXDECL) err = STORE_ERR;
    if (err) break;
    name[nd] = f->name, decl[nd] = f, ask[nd] = field_ask(k, f, NULL, q, &nq);
    if (ask[nd++] == -1) err = STORE_ERR;
  }
  if (k->papers != A_SELF)
    for (const char *const *f = k->paper_fields; f && *f; f++) {
      if (nd == VIS_MAXDECL) err = STORE_ERR;
      if (err) break;
      name[nd] = *f, decl[nd] = NULL, ask[nd] = field_ask(k, NULL, *f, q, &nq);
      if (ask[nd++] == -1) err = STORE_ERR;
    }
  /* each asked once over the page (repeats and rows without the field do no harm) */
  for (int j = 0; !err && j < nq; j++) {
    if (q[j].of != k && MUTANT(MUT_ROW_CHECK_SKIPPED)) continue; /* vis_row's mutant: all */
    q[j].ok = rows_act(tx, q[j].of, who, q[j].a, rows, q[j].key);
    if (!q[j].ok) err = STORE_ERR;
  }
  /* then each row as vis_redact would */
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *id = json_string_value(json_object_get(row, "id"));
    if (err || !id) {
      drop_declared(k, row);
      continue;
    }
    for (int d = 0; d < nd; d++) {
      int j = ask[d];
      if (j == -2 || !json_object_get(row, name[d])) continue;
      bool ok;
      if (decl[d] && decl[d]->ref) { /* names another record: shown iff that one is visible */
        const char *v = json_string_value(json_object_get(row, q[j].key));
        ok = !v || !q[j].ok || json_object_get(q[j].ok, v);
      } else {
        ok = json_object_get(q[j].ok, id) != NULL;
      }
      if (!ok) json_object_del(row, name[d]);
    }
  }
  for (int j = 0; j < nq; j++) json_decref(q[j].ok);
  return err;
}
