/*
 * visibility.c — the record kinds' visibility declarations and the one
 * predicate built from them. See visibility.h.
 */
#include "core/visibility.h"

#include <string.h>

/* A problem reaches the unit side once fed back, the commission once the
 * report holding it was copied to the commission (report_copies). */
#define PROBLEM_RELEASED "x.state IN ('fed_back','rectifying','rectified','signed_off','reopened')"
#define COPIED(col)                                                                            \
  "EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id " \
  "WHERE rp.problem_id=" col ")"

static const char *const problem_papers[] = {"people",     "found_by",   "petition_id", "file_count",
                                             "created_by", "found_on",   "files",       NULL};

const vis_kind vis_problem = {
    .name = "problem", .table = "problems", .read = A_PROBLEM_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = PROBLEM_RELEASED, .handed = COPIED("x.id"),
    .papers = A_PROBLEM_PAPERS, .paper_fields = problem_papers};

const vis_kind vis_report = {
    .name = "report", .table = "reports", .read = A_REPORT_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "x.state IN ('fed_back','copied')", .handed = "x.copied_at IS NOT NULL",
    .papers = A_SELF};

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
    .papers = A_SELF};

/* Assistance never reaches the unit side; the commission sees it once forwarded. */
const vis_kind vis_assistance = {
    .name = "assistance", .table = "assistance", .read = A_ASSIST_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "0", .handed = "x.forwarded_at IS NOT NULL",
    .papers = A_SELF};

const vis_kind vis_accountability = {
    .name = "accountability", .table = "accountability", .read = A_ACCT_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL,
    .handed = COPIED("x.problem_id") " OR EXISTS (SELECT 1 FROM clues h WHERE h.id=x.clue_id AND "
              "h.handover_at IS NOT NULL)",
    .papers = A_SELF};

const vis_kind vis_review = {
    .name = "joint_review", .table = "joint_reviews", .read = A_REVIEW_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

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
    .released = NULL, .handed = "x.state IN ('handed_over','registered','disposing','concluded')",
    .papers = A_SELF};

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

/* The members of the teams (team_members rows). */
const vis_kind vis_member = {
    .name = "team_member", .table = "team_members", .read = A_TEAM_LIST,
    .team = "x.team_id", .unit = NULL,
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

/* Patrol targets: the team's own, the unit its own, the dispatched group
 * those of the units it supervises (the same columns as api/entity.c's
 * ent_target). */
const vis_kind vis_target = {
    .name = "target", .table = "targets", .read = A_TARGET_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = NULL, .handed = NULL,
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
    .name = "target", .table = "targets", .read = A_RECT_READ,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND "
                "rep.state IN ('fed_back','copied'))",
    .handed = "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND "
              "rep.state='copied')",
    .papers = A_SELF};

/* Rounds (巡察轮次): no team or unit of their own; whole-collection rules
 * only (the vetting letter is about a round). */
const vis_kind vis_round = {
    .name = "round", .table = "rounds", .read = A_ROUND_LIST,
    .team = NULL, .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* Declared by the `engine` helper (clues/petitions/briefings on the record
 * engine); these two copies let this branch compile meanwhile: the lead
 * keeps one copy when merging. */
const vis_kind vis_petition = {
    .name = "petition", .table = "petitions", .read = A_PETITION_LIST,
    .team = "x.team_id", .unit = NULL,
    .released = "0", .handed = NULL,
    .papers = A_SELF};

/* A dispatched group reads the briefings it is asked to answer (source
 * dispatched_group, units it supervises); the desks' narrowing to their own
 * source (domain/programme/briefings.c) is not expressible here yet. */
const vis_kind vis_briefing = {
    .name = "briefing", .table = "briefings", .read = A_BRIEFING_LIST,
    .team = "x.team_id", .unit = "x.unit_id",
    .released = "x.source='dispatched_group'", .handed = NULL,
    .papers = A_SELF};

static int param(buf *sql, sval *p, int *np, int maxp, int *used, const char *v, int first) {
  if (*used >= maxp) return -1;
  if (buf_addf(sql, "%s$%d", first ? "" : ",", *np + 1)) return -1;
  p[(*np)++] = SV_S(v);
  (*used)++;
  return 0;
}

/* The condition alone, in parentheses ("(0)" when nothing is visible; "(1)" for all). */
static int cond(const vis_kind *k, const principal *who, action_id a, buf *sql, sval *p, int *np,
                int maxp) {
  authz_filter f;
  if (!authz_filter_for(who, a, &f)) return buf_adds(sql, "(0)") ? -1 : 0;
  if (f.all) return buf_adds(sql, "(1)") ? -1 : 0;
  int n = 0, used = 0;
  if (buf_adds(sql, "(")) return -1;
  if (f.handed && k->handed) {
    if (buf_addf(sql, "(%s)", k->handed)) return -1;
    n++;
  }
  if (f.nteams && k->team) {
    if (buf_addf(sql, "%s%s IN (", n++ ? " OR " : "", k->team)) return -1;
    for (int i = 0; i < f.nteams; i++)
      if (param(sql, p, np, maxp, &used, f.teams[i], !i)) return -1;
    if (buf_adds(sql, ")")) return -1;
  }
  if ((f.nunits || f.norgs) && k->unit) {
    if (buf_addf(sql, "%s((%s) AND (", n++ ? " OR " : "", k->released ? k->released : "1"))
      return -1;
    int m = 0;
    if (f.nunits) {
      if (buf_addf(sql, "%s IN (", k->unit)) return -1;
      for (int i = 0; i < f.nunits; i++)
        if (param(sql, p, np, maxp, &used, f.units[i], !i)) return -1;
      if (buf_adds(sql, ")")) return -1;
      m++;
    }
    if (f.norgs) {
      if (buf_addf(sql, "%s%s IN (SELECT id FROM orgs WHERE supervisor_id IN (", m ? " OR " : "",
                   k->unit))
        return -1;
      for (int i = 0; i < f.norgs; i++)
        if (param(sql, p, np, maxp, &used, f.orgs[i], !i)) return -1;
      if (buf_adds(sql, "))")) return -1;
    }
    if (buf_adds(sql, "))")) return -1;
  }
  if (!n && buf_adds(sql, "0")) return -1;
  return buf_adds(sql, ")") ? -1 : 0;
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
