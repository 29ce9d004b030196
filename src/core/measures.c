/*
 * measures.c — the one table of statistics (see measures.h): the record
 * sources, the measures over them, and the builder of their FROM + WHERE.
 *
 * To add a figure: add one row to measures[] (and a source if it counts a
 * new kind of record), next to the other rows of its source (the summary
 * report lists figures grouped by source, in this order). Value and
 * drill-down are derived from the same row.
 */
#include "core/measures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outcomes.h"
#include "core/workflow.h"
#include "util/text.h"
#include "util/mutant.h"

const char *const mfilter_names[MF__MAX] = {"round_id", "campaign", "round_kind", "team_id",
                                            "unit_id",  "level",    "from",       "to"};
const char *const mfilter_labels[MF__MAX] = {"巡察轮次", "专项治理", "巡察类型", "巡察组",
                                             "被巡察单位", "层级", "起始日期", "截止日期"};

/* ---- sources --------------------------------------------------------------- */
#define ROUND_COLS(round) {round, "r.campaign", "r.kind"}

/* (023) the aggregates' rows under the sources' aliases (x: the kind's
 * conditions), their stored '' / 0 of a NULL read as NULL again: agg_from
 * and agg_bare of src_acct and src_clues */
#define AGG_ACCT_ROW                                                                   \
  "agg_accountability x JOIN (SELECT id, round_id, team_id, unit_id, "                \
  "nullif(month, '') AS month, state, subject_kind, nullif(outcome, '') AS outcome, "  \
  "nullif(form, 0) AS form, n, funds_recovered_fen, funds_returned_fen, "             \
  "losses_recovered_fen FROM agg_accountability) a ON a.id=x.id"
#define AGG_CLUES_ROW \
  "agg_clues x JOIN (SELECT id, round_id, team_id, unit_id, state, " \
  "CASE WHEN handed_over = 1 THEN 1 END AS handover_at, " \
  "nullif(handover_mode, '') AS handover_mode, " \
  "CASE WHEN registered = 1 THEN 1 END AS registered_at, " \
  "nullif(disposal_method, '') AS disposal_method, nullif(result, '') AS result, " \
  "CASE WHEN disposed = 1 THEN 1 END AS disposed_at, " \
  "CASE WHEN concluded = 1 THEN 1 END AS concluded_at, " \
  "CASE WHEN case_filed = 1 THEN 1 END AS case_filed_on, " \
  "CASE WHEN detention = 1 THEN 1 END AS detention_on, " \
  "CASE WHEN prosecution = 1 THEN 1 END AS prosecution_on, n FROM agg_clues) c ON c.id=x.id"

/* (024) the rollups by team, the same way (no unit, no month) */
#define AGG_ACCT_ROLL                                                                    \
  "agg_accountability_by_team x JOIN (SELECT id, round_id, team_id, state, subject_kind, " \
  "nullif(outcome, '') AS outcome, nullif(form, 0) AS form, n, funds_recovered_fen, "     \
  "funds_returned_fen, losses_recovered_fen FROM agg_accountability_by_team) a ON a.id=x.id"
#define AGG_CLUES_ROLL \
  "agg_clues_by_team x JOIN (SELECT id, round_id, team_id, state, " \
  "CASE WHEN handed_over = 1 THEN 1 END AS handover_at, " \
  "nullif(handover_mode, '') AS handover_mode, " \
  "CASE WHEN registered = 1 THEN 1 END AS registered_at, " \
  "nullif(disposal_method, '') AS disposal_method, nullif(result, '') AS result, " \
  "CASE WHEN disposed = 1 THEN 1 END AS disposed_at, " \
  "CASE WHEN concluded = 1 THEN 1 END AS concluded_at, " \
  "CASE WHEN case_filed = 1 THEN 1 END AS case_filed_on, " \
  "CASE WHEN detention = 1 THEN 1 END AS detention_on, " \
  "CASE WHEN prosecution = 1 THEN 1 END AS prosecution_on, n FROM agg_clues_by_team) c " \
  "ON c.id=x.id"
#define AGG_ACCT_UNIT                                                                    \
  "agg_accountability_by_unit x JOIN (SELECT id, round_id, team_id, unit_id, state, "     \
  "subject_kind, nullif(outcome, '') AS outcome, nullif(form, 0) AS form, n, "            \
  "funds_recovered_fen, funds_returned_fen, losses_recovered_fen "                       \
  "FROM agg_accountability_by_unit) a ON a.id=x.id"
/* a rollup by unit joined like agg_from: "<table> x JOIN <table> <alias> ON ..." + joins */
#define AGG_UNIT_JOINS(a) \
  " JOIN rounds r ON r.id=" a ".round_id JOIN teams t ON t.id=" a ".team_id " \
  "JOIN orgs u ON u.id=" a ".unit_id"
#define AGG_SELF(t, a) t " x JOIN " t " " a " ON " a ".id=x.id"
/* (025) petitions, assistance, reports, targets: their flags read back as NULL / not */
#define AGG_ASSIST_ROW(t, unit)                                                           \
  t " x JOIN (SELECT id, round_id, team_id, " unit "state, "                              \
  "CASE WHEN completed = 1 THEN 1 END AS completed_at, n FROM " t ") s ON s.id=x.id"
#define AGG_REPORT_ROW(t, unit)                                                           \
  t " x JOIN (SELECT id, round_id, team_id, " unit "state, "                              \
  "CASE WHEN copied = 1 THEN 1 END AS copied_at, "                                        \
  "CASE WHEN has_attendees = 1 THEN attendees END AS attendees, n FROM " t ") rp "        \
  "ON rp.id=x.id"
#define AGG_TARGET_ROW                                                                    \
  "agg_targets x JOIN (SELECT id, round_id, team_id, unit_id, nullif(month, '') AS month, " \
  "n FROM agg_targets) g ON g.id=x.id"

/* (035) the rollups by unit alone (no round, team or month), the same way */
#define AGG_UNITS_JOIN(a) " JOIN orgs u ON u.id=" a ".unit_id"
#define AGG_UNITS(t, a) "agg_" t "_units", AGG_SELF("agg_" t "_units", a) AGG_UNITS_JOIN(a), \
                        AGG_SELF("agg_" t "_units", a)
#define AGG_ACCT_UNITS_ROW                                                                \
  "agg_accountability_units x JOIN (SELECT id, unit_id, state, subject_kind, "          \
  "nullif(outcome, '') AS outcome, nullif(form, 0) AS form, n, funds_recovered_fen, "   \
  "funds_returned_fen, losses_recovered_fen FROM agg_accountability_units) a ON a.id=x.id"
#define AGG_CLUES_UNITS_ROW \
  "agg_clues_units x JOIN (SELECT id, unit_id, state, " \
  "CASE WHEN handed_over = 1 THEN 1 END AS handover_at, " \
  "nullif(handover_mode, '') AS handover_mode, " \
  "CASE WHEN registered = 1 THEN 1 END AS registered_at, " \
  "nullif(disposal_method, '') AS disposal_method, nullif(result, '') AS result, " \
  "CASE WHEN disposed = 1 THEN 1 END AS disposed_at, " \
  "CASE WHEN concluded = 1 THEN 1 END AS concluded_at, " \
  "CASE WHEN case_filed = 1 THEN 1 END AS case_filed_on, " \
  "CASE WHEN detention = 1 THEN 1 END AS detention_on, " \
  "CASE WHEN prosecution = 1 THEN 1 END AS prosecution_on, n FROM agg_clues_units) c " \
  "ON c.id=x.id"
#define AGG_ASSIST_UNITS_ROW                                                              \
  "agg_assistance_units x JOIN (SELECT id, unit_id, state, "                             \
  "CASE WHEN completed = 1 THEN 1 END AS completed_at, n FROM agg_assistance_units) s "  \
  "ON s.id=x.id"
#define AGG_REPORT_UNITS_ROW                                                              \
  "agg_reports_units x JOIN (SELECT id, unit_id, state, "                                \
  "CASE WHEN copied = 1 THEN 1 END AS copied_at, "                                       \
  "CASE WHEN has_attendees = 1 THEN attendees END AS attendees, n FROM agg_reports_units) rp " \
  "ON rp.id=x.id"
#define AGG_UNITS_ROW(t, row, a) t, row AGG_UNITS_JOIN(a), row

/* Clues handed over to the commission (drafts never count: the commission
 * and the leading group see only what has crossed). */
static const msource src_clues = {
    "clues", "问题线索",
    "clues c JOIN rounds r ON r.id=c.round_id JOIN teams t ON t.id=c.team_id "
    "JOIN orgs u ON u.id=c.unit_id",
    "c.handover_at IS NOT NULL",
    "c.id, c.title, c.subject_name, c.subject_post, u.name AS unit_name, t.name AS team_name, "
    "r.name AS round_name, c.state, c.discovered_on, c.handover_at, c.handover_mode, "
    "c.handover_docno, c.registered_at, c.registry_no, c.disposal_method, c.disposed_at, "
    "c.result, c.concluded_at",
    "c.handover_at, c.id",
    {"c.round_id", "r.campaign", "r.kind", "c.team_id", "c.unit_id", "u.level"},
    &vis_clue, "c.id",
    /* agg_clues (023): round, team, unit, state (vis_clue's own handed rule
     * is on it), disposal method and result, and one 0/1 per date the
     * measures test, read back as
     * NULL / non-NULL under the columns' own names. Dated by a timestamp
     * (Shanghai days): a date filter is answered from the records. */
    "agg_clues",
    AGG_CLUES_ROW " JOIN rounds r ON r.id=c.round_id JOIN teams t ON t.id=c.team_id "
    "JOIN orgs u ON u.id=c.unit_id",
    "c.n", "c.handover_at", NULL, NULL, false, AGG_CLUES_ROW,
    "agg_clues_by_team", AGG_CLUES_ROLL " JOIN rounds r ON r.id=c.round_id", AGG_CLUES_ROLL,
    NULL, NULL, NULL, AGG_UNITS_ROW("agg_clues_units", AGG_CLUES_UNITS_ROW, "c")};

/* The current vetting of each (round, person): the newest request. */
#define VET_TEAM                                                                      \
  "(SELECT m.team_id FROM team_members m WHERE m.round_id=v.round_id AND "            \
  "m.person_id=v.person_id)"
static const msource src_vettings = {
    "vettings", "廉政审核",
    "vettings v JOIN rounds r ON r.id=v.round_id JOIN persons p ON p.id=v.person_id "
    "LEFT JOIN orgs po ON po.id=p.org_id",
    "NOT EXISTS (SELECT 1 FROM vettings v2 WHERE v2.round_id=v.round_id AND "
    "v2.person_id=v.person_id AND (v2.requested_at > v.requested_at OR "
    "(v2.requested_at = v.requested_at AND v2.id > v.id)))",
    "v.id, p.name AS person_name, po.name AS person_org, r.name AS round_name, v.state, "
    "v.reason, v.requested_at, v.answered_at",
    "v.requested_at, v.id",
    {"v.round_id", "r.campaign", "r.kind", VET_TEAM, NULL, NULL},
    &vis_vetting, "v.id"};

static const msource src_members = {
    "team_members", "巡察组成员",
    "team_members m JOIN rounds r ON r.id=m.round_id JOIN teams t ON t.id=m.team_id "
    "JOIN persons p ON p.id=m.person_id LEFT JOIN orgs so ON so.id=m.source_unit_id",
    NULL,
    "m.id, p.name AS person_name, t.name AS team_name, r.name AS round_name, m.role, m.origin, "
    "so.name AS source_unit",
    "r.name, t.name, p.name, m.id",
    {"m.round_id", "r.campaign", "r.kind", "m.team_id", NULL, NULL},
    &vis_member, "m.id"};

static const msource src_movements = {
    "cadre_movements", "干部交流",
    "cadre_movements cm JOIN persons p ON p.id=cm.person_id LEFT JOIN orgs fo ON "
    "fo.id=cm.from_org_id LEFT JOIN orgs tg ON tg.id=cm.to_org_id",
    NULL,
    "cm.id, p.name AS person_name, cm.kind, fo.name AS from_org, cm.from_post, "
    "tg.name AS to_org, cm.to_post, cm.moved_on",
    "cm.moved_on, cm.id",
    {NULL, NULL, NULL, NULL, NULL, NULL},
    &vis_movement, "cm.id"};

static const msource src_briefings = {
    "briefings", "巡前情况通报",
    "briefings b JOIN rounds r ON r.id=b.round_id JOIN teams t ON t.id=b.team_id "
    "JOIN orgs u ON u.id=b.unit_id JOIN orgs so ON so.id=b.source_org_id",
    NULL,
    "b.id, u.name AS unit_name, t.name AS team_name, b.source, so.name AS source_org, "
    "b.due_date, b.state, b.requested_at, b.answered_at",
    "b.due_date, b.id",
    {"b.round_id", "r.campaign", "r.kind", "b.team_id", "b.unit_id", "u.level"},
    &vis_briefing, "b.id"};

static const msource src_petitions = {
    "petitions", "信访件",
    "petitions pe JOIN rounds r ON r.id=pe.round_id JOIN teams t ON t.id=pe.team_id "
    "JOIN orgs u ON u.id=pe.unit_id",
    NULL,
    "pe.id, u.name AS unit_name, t.name AS team_name, pe.channel, pe.received_on, pe.summary, "
    "pe.anonymous, pe.state",
    "pe.received_on, pe.id",
    {"pe.round_id", "r.campaign", "r.kind", "pe.team_id", "pe.unit_id", "u.level"},
    &vis_petition, "pe.id",
    /* agg_petitions (025): round, team, unit, month of received_on, channel, state */
    "agg_petitions",
    "agg_petitions x JOIN agg_petitions pe ON pe.id=x.id JOIN rounds r ON r.id=pe.round_id "
    "JOIN teams t ON t.id=pe.team_id JOIN orgs u ON u.id=pe.unit_id",
    "pe.n", "pe.received_on", "pe.month", NULL, false,
    "agg_petitions x JOIN agg_petitions pe ON pe.id=x.id",
    "agg_petitions_by_team",
    "agg_petitions_by_team x JOIN agg_petitions_by_team pe ON pe.id=x.id "
    "JOIN rounds r ON r.id=pe.round_id",
    "agg_petitions_by_team x JOIN agg_petitions_by_team pe ON pe.id=x.id",
    "agg_petitions_by_unit", AGG_SELF("agg_petitions_by_unit", "pe") AGG_UNIT_JOINS("pe"),
    AGG_SELF("agg_petitions_by_unit", "pe"), AGG_UNITS("petitions", "pe")};

/* The patrol targets (被巡察单位/村): one per round and unit. */
static const msource src_targets = {
    "targets", "巡察对象",
    "targets g JOIN rounds r ON r.id=g.round_id JOIN teams t ON t.id=g.team_id "
    "JOIN orgs u ON u.id=g.unit_id",
    NULL,
    "g.id, u.name AS unit_name, u.level, t.name AS team_name, r.name AS round_name, g.entry_date, "
    "g.withdrawal_date, g.feedback_date",
    "g.entry_date, u.name, g.id",
    {"g.round_id", "r.campaign", "r.kind", "g.team_id", "g.unit_id", "u.level"},
    &vis_target, "g.id",
    /* agg_targets (025): round, team, unit, month of entry_date */
    "agg_targets",
    AGG_TARGET_ROW " JOIN rounds r ON r.id=g.round_id JOIN teams t ON t.id=g.team_id "
    "JOIN orgs u ON u.id=g.unit_id",
    "g.n", "g.entry_date", "g.month", NULL, false, AGG_TARGET_ROW,
    "agg_targets_by_team",
    "agg_targets_by_team x JOIN agg_targets_by_team g ON g.id=x.id "
    "JOIN rounds r ON r.id=g.round_id",
    "agg_targets_by_team x JOIN agg_targets_by_team g ON g.id=x.id",
    "agg_targets_by_unit", AGG_SELF("agg_targets_by_unit", "g") AGG_UNIT_JOINS("g"),
    AGG_SELF("agg_targets_by_unit", "g"), AGG_UNITS("targets", "g")};

/* Problems from confirmation on (003_findings), as each user's GET of a
 * problem shows them (vis_problem: released to the unit side on feedback,
 * to the commission once copied). */
static const msource src_problems = {
    "problems", "问题",
    "problems x JOIN problems pr ON pr.id=x.id JOIN rounds r ON r.id=pr.round_id "
    "JOIN teams t ON t.id=pr.team_id JOIN orgs u ON u.id=pr.unit_id",
    "pr.state NOT IN " WSQL_PROBLEM_DRAFT,
    "pr.id, pr.seq_no, pr.title, u.name AS unit_name, t.name AS team_name, pr.state, "
    "pr.found_on, pr.amount_fen, pr.immediate_fix, pr.rectified_at, pr.signed_off_at",
    "pr.found_on, pr.seq_no, pr.id",
    {"pr.round_id", "r.campaign", "r.kind", "pr.team_id", "pr.unit_id", "u.level"},
    &vis_problem, "pr.id",
    /* agg_problems (021): grouped by round, team, unit, month of found_on,
     * state, immediate_fix and handed; n and amount_fen summed. Under alias
     * x too (one rowid lookup): the visibility condition applies there
     * directly, O(groups in scope), instead of an IN list of every group. */
    "agg_problems",
    "agg_problems x JOIN agg_problems pr ON pr.id=x.id JOIN rounds r ON r.id=pr.round_id "
    "JOIN teams t ON t.id=pr.team_id JOIN orgs u ON u.id=pr.unit_id",
    "pr.n", "pr.found_on", "pr.month", "x.handed = 1", true,
    "agg_problems x JOIN agg_problems pr ON pr.id=x.id",
    "agg_problems_by_team",
    "agg_problems_by_team x JOIN agg_problems_by_team pr ON pr.id=x.id "
    "JOIN rounds r ON r.id=pr.round_id",
    "agg_problems_by_team x JOIN agg_problems_by_team pr ON pr.id=x.id",
    "agg_problems_by_unit", AGG_SELF("agg_problems_by_unit", "pr") AGG_UNIT_JOINS("pr"),
    AGG_SELF("agg_problems_by_unit", "pr"), AGG_UNITS("problems", "pr")};

/* The team's reports once the feedback was given (反馈), each with its
 * feedback meeting (date, people present) and the copy (抄送). */
static const msource src_reports = {
    "reports", "巡察反馈",
    "reports rp JOIN rounds r ON r.id=rp.round_id JOIN teams t ON t.id=rp.team_id "
    "JOIN orgs u ON u.id=rp.unit_id",
    "rp.state IN " WSQL_REPORT_RELEASED,
    "rp.id, u.name AS unit_name, t.name AS team_name, r.name AS round_name, rp.state, "
    "rp.meeting_date, rp.attendees, rp.fed_back_at, rp.copied_at",
    "rp.meeting_date, u.name, rp.id",
    {"rp.round_id", "r.campaign", "r.kind", "rp.team_id", "rp.unit_id", "u.level"},
    &vis_report, "rp.id",
    /* agg_reports (025): round, team, unit, month of meeting_date, state, copied
     * (vis_report.handed), whether attendees is known; attendees summed */
    "agg_reports",
    AGG_REPORT_ROW("agg_reports", "unit_id, nullif(month, '') AS month, ")
    " JOIN rounds r ON r.id=rp.round_id JOIN teams t ON t.id=rp.team_id "
    "JOIN orgs u ON u.id=rp.unit_id",
    "rp.n", "rp.meeting_date", "rp.month", "x.copied = 1", false,
    AGG_REPORT_ROW("agg_reports", "unit_id, nullif(month, '') AS month, "),
    "agg_reports_by_team",
    AGG_REPORT_ROW("agg_reports_by_team", "") " JOIN rounds r ON r.id=rp.round_id",
    AGG_REPORT_ROW("agg_reports_by_team", ""),
    "agg_reports_by_unit", AGG_REPORT_ROW("agg_reports_by_unit", "unit_id, ") AGG_UNIT_JOINS("rp"),
    AGG_REPORT_ROW("agg_reports_by_unit", "unit_id, "),
    AGG_UNITS_ROW("agg_reports_units", AGG_REPORT_UNITS_ROW, "rp")};

static const msource src_rect_tasks = {
    "rect_tasks", "整改任务",
    /* under alias x too (the problems' way): the kind's condition applies to the row,
     * so rect_tasks_overdue's tasks not yet due are walked through rect_tasks_state
     * (state, deadline) within the user's scope, not after listing every visible id */
    "rect_tasks x JOIN rect_tasks k ON k.id=x.id JOIN rounds r ON r.id=k.round_id "
    "JOIN teams t ON t.id=k.team_id JOIN orgs u ON u.id=k.unit_id",
    NULL,
    "k.id, u.name AS unit_name, t.name AS team_name, k.measure, k.owner_name, k.leader_name, "
    "k.deadline, k.state",
    "k.deadline, k.id",
    {"k.round_id", "r.campaign", "r.kind", "k.team_id", "k.unit_id", "u.level"},
    &vis_task, "k.id",
    /* agg_rect_tasks (023): round, team, unit, month of deadline, state, handed
     * (the task's problem is in a copied report: vis_task.handed) */
    "agg_rect_tasks",
    "agg_rect_tasks x JOIN agg_rect_tasks k ON k.id=x.id JOIN rounds r ON r.id=k.round_id "
    "JOIN teams t ON t.id=k.team_id JOIN orgs u ON u.id=k.unit_id",
    "k.n", "k.deadline", "k.month", "x.handed = 1", true,
    "agg_rect_tasks x JOIN agg_rect_tasks k ON k.id=x.id",
    "agg_rect_tasks_by_team",
    "agg_rect_tasks_by_team x JOIN agg_rect_tasks_by_team k ON k.id=x.id "
    "JOIN rounds r ON r.id=k.round_id",
    "agg_rect_tasks_by_team x JOIN agg_rect_tasks_by_team k ON k.id=x.id",
    "agg_rect_tasks_by_unit", AGG_SELF("agg_rect_tasks_by_unit", "k") AGG_UNIT_JOINS("k"),
    AGG_SELF("agg_rect_tasks_by_unit", "k"), AGG_UNITS("rect_tasks", "k")};

static const msource src_notices = {
    "notices", "督查督办通知",
    "notices n JOIN targets g ON g.id=n.target_id JOIN rounds r ON r.id=g.round_id "
    "JOIN teams t ON t.id=n.team_id JOIN orgs u ON u.id=n.unit_id",
    NULL,
    "n.id, n.docno, u.name AS unit_name, t.name AS team_name, n.level, n.reason, n.due_date, "
    "n.state, n.created_at",
    "n.created_at, n.id",
    {"g.round_id", "r.campaign", "r.kind", "n.team_id", "n.unit_id", "u.level"},
    &vis_notice, "n.id"};

static const msource src_institutions = {
    "institutions", "制度机制",
    "institutions i JOIN rounds r ON r.id=i.round_id JOIN targets g ON g.id=i.target_id "
    "JOIN teams t ON t.id=g.team_id JOIN orgs u ON u.id=i.unit_id",
    NULL,
    "i.id, i.name, i.kind, u.name AS unit_name, t.name AS team_name, i.issued_on",
    "i.issued_on, i.id",
    {"i.round_id", "r.campaign", "r.kind", "g.team_id", "i.unit_id", "u.level"},
    &vis_institution, "i.id"};

/* Assistance requests (004_discipline) once submitted; never the unit's. */
static const msource src_assistance = {
    "assistance", "提请协助",
    "assistance s JOIN rounds r ON r.id=s.round_id JOIN teams t ON t.id=s.team_id "
    "JOIN orgs u ON u.id=s.unit_id",
    "s.state NOT IN " WSQL_ASSIST_DRAFT,
    "s.id, s.seq_no, u.name AS unit_name, t.name AS team_name, s.need, s.state, s.submitted_at, "
    "s.decided_at, s.completed_at",
    "s.submitted_at, s.id",
    {"s.round_id", "r.campaign", "r.kind", "s.team_id", "s.unit_id", "u.level"},
    &vis_assistance, "s.id",
    /* agg_assistance (025): round, team, unit, state, completed, forwarded
     * (vis_assistance.handed). Dated by a timestamp: a date filter is answered
     * from the records. */
    "agg_assistance",
    AGG_ASSIST_ROW("agg_assistance", "unit_id, ")
    " JOIN rounds r ON r.id=s.round_id JOIN teams t ON t.id=s.team_id "
    "JOIN orgs u ON u.id=s.unit_id",
    "s.n", NULL, NULL, "x.forwarded = 1", false, AGG_ASSIST_ROW("agg_assistance", "unit_id, "),
    "agg_assistance_by_team",
    AGG_ASSIST_ROW("agg_assistance_by_team", "") " JOIN rounds r ON r.id=s.round_id",
    AGG_ASSIST_ROW("agg_assistance_by_team", ""), NULL, NULL, NULL,
    AGG_UNITS_ROW("agg_assistance_units", AGG_ASSIST_UNITS_ROW, "s")};

/* Accountability outcomes that stand (decided, not revoked); one row is one
 * outcome for one person, party organisation or leader. */
static const msource src_acct = {
    "accountability", "追责问责",
    /* under alias x too (the problems' way): the kind's condition applies to the row, and
     * a drill-down page walks accountability(state, decided_on, id) (migration 025) and stops */
    "accountability x JOIN accountability a ON a.id=x.id JOIN rounds r ON r.id=a.round_id "
    "JOIN teams t ON t.id=a.team_id JOIN orgs u ON u.id=a.unit_id",
    "a.state IN " WSQL_ACCT_DECIDED,
    "a.id, a.subject_kind, a.subject_name, a.subject_post, u.name AS unit_name, "
    "t.name AS team_name, a.outcome, a.form, a.authority, a.decided_on, a.funds_recovered_fen, "
    "a.funds_returned_fen, a.losses_recovered_fen",
    "a.decided_on, a.id",
    {"a.round_id", "r.campaign", "r.kind", "a.team_id", "a.unit_id", "u.level"},
    &vis_accountability, "a.id",
    /* agg_accountability (023): round, team, unit, month of decided_on, state,
     * subject_kind, outcome, form, handed (vis_accountability.handed: its
     * problem copied or its clue handed over); the three amounts summed. The
     * stored '' / 0 of a NULL outcome, form or month read as NULL again, so the
     * measures' conditions hold unchanged. */
    "agg_accountability",
    AGG_ACCT_ROW " JOIN rounds r ON r.id=a.round_id JOIN teams t ON t.id=a.team_id "
    "JOIN orgs u ON u.id=a.unit_id",
    "a.n", "a.decided_on", "a.month", "x.handed = 1", true, AGG_ACCT_ROW,
    "agg_accountability_by_team", AGG_ACCT_ROLL " JOIN rounds r ON r.id=a.round_id",
    AGG_ACCT_ROLL, "agg_accountability_by_unit", AGG_ACCT_UNIT AGG_UNIT_JOINS("a"), AGG_ACCT_UNIT,
    AGG_UNITS_ROW("agg_accountability_units", AGG_ACCT_UNITS_ROW, "a"),
    /* (036) distinct people through accountability(state, unit_id, subject_name, ...) */
    "accountability a"};

static const msource src_reviews = {
    "joint_reviews", "联审",
    "joint_reviews j JOIN rounds r ON r.id=j.round_id JOIN teams t ON t.id=j.team_id",
    "j.state IN " WSQL_REVIEW_SINCE_HELD,
    "j.id, j.title, t.name AS team_name, r.name AS round_name, j.scheduled_on, j.state, "
    "(SELECT count(*) FROM review_items ri WHERE ri.review_id=j.id) AS item_count",
    "j.scheduled_on, j.id",
    {"j.round_id", "r.campaign", "r.kind", "j.team_id", NULL, NULL},
    &vis_review, "j.id"};

/* Items discussed at reviews that were held: a problem or a clue each. The
 * item's problem or clue title is a reference field of vis_review_item:
 * stats_records shows it only to those who may see that problem or clue. */
static const msource src_review_items = {
    "review_items", "联审事项",
    "review_items ri JOIN joint_reviews j ON j.id=ri.review_id JOIN rounds r ON r.id=j.round_id "
    "JOIN teams t ON t.id=j.team_id LEFT JOIN problems ip ON ip.id=ri.problem_id "
    "LEFT JOIN clues ic ON ic.id=ri.clue_id "
    "JOIN orgs u ON u.id=coalesce(ip.unit_id, ic.unit_id)",
    "j.state IN " WSQL_REVIEW_SINCE_HELD,
    "ri.id, j.title AS review_title, j.scheduled_on, u.name AS unit_name, ri.problem_id, "
    "ip.title AS problem_title, ri.clue_id, ic.title AS clue_title, ri.proposed, ri.final, ri.flag_rectified_first, "
    "ri.flag_lenient, (SELECT group_concat(fd.value, '; ') FROM json_each(ri.flag_detail) fd) AS "
    "flag_detail, ri.flags_raised, ri.flags_cleared, ri.flag_cleared_at, ri.clear_reason",
    "j.scheduled_on, ri.created_at, ri.id",
    {"j.round_id", "r.campaign", "r.kind", "j.team_id", "u.id", "u.level"},
    &vis_review_item, "ri.id"};

/* (034) the day-count histograms of the durations: sources of their own, read only
 * through their aggregates (report/aggregates.c); the filters' columns and the
 * visibility declaration are their records' own. */
#define CLUE_DAYS(T)                                                                     \
  {"clues", "问题线索", NULL, NULL, NULL, NULL,                                          \
   {"c.round_id", "r.campaign", "r.kind", "c.team_id", "c.unit_id", "u.level"},          \
   &vis_clue, "c.id", T, AGG_SELF(T, "c") AGG_UNIT_JOINS("c"), "c.n", NULL, NULL, NULL,      \
   false, AGG_SELF(T, "c"), T "_by_team",                                                \
   AGG_SELF(T "_by_team", "c") " JOIN rounds r ON r.id=c.round_id",                     \
   AGG_SELF(T "_by_team", "c"), NULL, NULL, NULL, T "_units",                         \
   AGG_SELF(T "_units", "c") AGG_UNITS_JOIN("c"), AGG_SELF(T "_units", "c")}
static const msource src_clue_days_dh = CLUE_DAYS("agg_clue_days_dh");
static const msource src_clue_days_hr = CLUE_DAYS("agg_clue_days_hr");
static const msource src_clue_days_hd = CLUE_DAYS("agg_clue_days_hd");
static const msource src_clue_days_hc = CLUE_DAYS("agg_clue_days_hc");
static const msource src_assist_days = {
    "assistance", "提请协助", NULL, NULL, NULL, NULL,
    {"s.round_id", "r.campaign", "r.kind", "s.team_id", "s.unit_id", "u.level"},
    &vis_assistance, "s.id", "agg_assist_days",
    AGG_SELF("agg_assist_days", "s") AGG_UNIT_JOINS("s"), "s.n", NULL, NULL, "x.forwarded = 1",
    false, AGG_SELF("agg_assist_days", "s"), "agg_assist_days_by_team",
    AGG_SELF("agg_assist_days_by_team", "s") " JOIN rounds r ON r.id=s.round_id",
    AGG_SELF("agg_assist_days_by_team", "s"), NULL, NULL, NULL, "agg_assist_days_units",
    AGG_SELF("agg_assist_days_units", "s") AGG_UNITS_JOIN("s"), AGG_SELF("agg_assist_days_units", "s")};

/* ---- labels of distributions ------------------------------------------------ */
static const char *const l_disposal[] = {"talk_inquiry", "谈话函询", "preliminary_verification",
                                         "初步核实", "pending", "暂存待查", "closed_out",
                                         "予以了结", NULL};
static const char *const l_result[] = {"case_filed", "立案", "no_case", "不予立案", "closed_out",
                                       "予以了结", NULL};
static const char *const l_movement[] = {"commission_to_patrol", "纪检监察干部交流到巡察岗位",
                                         "patrol_to_commission", "巡察干部交流到纪检监察岗位",
                                         "patrol_to_grassroots", "巡察干部交流到基层纪检监察岗位",
                                         NULL};
static const char *const l_forms[] = {"1", "第一种形态", "2", "第二种形态", "3", "第三种形态",
                                      "4", "第四种形态", NULL};
static const char *const l_assist[] = {"submitted", "待审批", "approved", "已批准", "rejected",
                                       "未批准", "forwarded", "已转交", "accepted", "办理中",
                                       "completed", "已办结", "closed", "已关闭", NULL};
static const char *const l_channel[] = {"letter", "来信", "visit", "来访", "phone", "电话",
                                        "online", "网络", "qr_code", "码上巡", NULL};

/* ---- the measures ------------------------------------------------------------ */
#define CLUE_HO "c.handover_at", true
const measure measures[] = {
    /* 廉政审核 and the people on the teams */
    {"vettings_answered", "廉政审核人次", "人次", &src_vettings, "v.state NOT IN " WSQL_VETTING_PENDING, MK_COUNT,
     NULL, NULL, NULL, "v.answered_at", true, NULL, NULL, NULL},
    {"vettings_objection", "廉政审核有异议", "人次", &src_vettings, "v.state IN " WSQL_VETTING_OBJECTION,
     MK_COUNT, NULL, NULL, NULL, "v.answered_at", true, NULL, NULL, NULL},
    {"vettings_pending", "廉政审核待答复", "人次", &src_vettings, "v.state IN " WSQL_VETTING_PENDING, MK_COUNT,
     NULL, NULL, NULL, "v.requested_at", true, NULL, NULL, NULL},
    {"team_members", "巡察组成员", "人次", &src_members, NULL, MK_COUNT, NULL, NULL, NULL, NULL,
     false, NULL, NULL, NULL},
    {"commission_cadres", "纪委监委派员参与巡察", "人", &src_members, "m.origin = 'commission'",
     MK_DISTINCT, "m.person_id", NULL,
     "min(p.name) AS person_name, m.person_id AS person_id, count(*) AS times", NULL, false, NULL,
     NULL, NULL},
    {"cadre_movements", "巡察与纪检监察干部交流", "人次", &src_movements, NULL, MK_DIST,
     "cm.kind", NULL, NULL, "cm.moved_on", false, l_movement, NULL, NULL},
    /* 巡前情况通报 and 信访 */
    {"briefings_requested", "巡前情况通报 (已请求)", "份", &src_briefings, NULL, MK_COUNT, NULL,
     NULL, NULL, "b.due_date", false, NULL, NULL, NULL},
    {"briefings_answered", "巡前情况通报 (已报送)", "份", &src_briefings, "b.state IN " WSQL_BRIEFING_ANSWERED,
     MK_COUNT, NULL, NULL, NULL, "b.due_date", false, NULL, NULL, NULL},
    {"briefings_overdue", "巡前情况通报 (逾期未报)", "份", &src_briefings,
     "b.state IN " WSQL_BRIEFING_PENDING " AND b.due_date < @today", MK_COUNT, NULL, NULL, NULL, "b.due_date",
     false, NULL, NULL, NULL},
    {"petitions_received", "受理信访件", "件", &src_petitions, NULL, MK_DIST, "pe.channel", NULL,
     NULL, "pe.received_on", false, l_channel, NULL, NULL},
    {"petitions_to_clue", "信访件转为问题线索", "件", &src_petitions, "pe.state IN " WSQL_PETITION_TO_CLUE,
     MK_COUNT, NULL, NULL, NULL, "pe.received_on", false, NULL, NULL, NULL},
    /* 边巡边交: hand-over and disposal of clues */
    {"clues_handed_over", "移交问题线索", "件", &src_clues, NULL, MK_COUNT, NULL, NULL, NULL,
     CLUE_HO, NULL, NULL, NULL},
    {"clues_during_patrol", "巡察期间移交问题线索 (边巡边交)", "件", &src_clues,
     "c.handover_mode = 'during_patrol'", MK_COUNT, NULL, NULL, NULL, CLUE_HO, NULL, NULL, NULL},
    {"clues_after_patrol", "巡察结束后移交问题线索", "件", &src_clues,
     "c.handover_mode = 'after_patrol'", MK_COUNT, NULL, NULL, NULL, CLUE_HO, NULL, NULL, NULL},
    {"clues_registered", "案管室已登记线索", "件", &src_clues, "c.registered_at IS NOT NULL",
     MK_COUNT, NULL, NULL, NULL, CLUE_HO, NULL, NULL, NULL},
    {"clues_disposed", "已确定处置方式线索", "件", &src_clues, "c.disposed_at IS NOT NULL",
     MK_COUNT, NULL, NULL, NULL, CLUE_HO, NULL, NULL, NULL},
    {"clues_concluded", "已办结线索", "件", &src_clues, "c.concluded_at IS NOT NULL", MK_COUNT,
     NULL, NULL, NULL, CLUE_HO, NULL, NULL, NULL},
    {"days_discovery_to_handover", "发现至移交用时", "天", &src_clues, NULL, MK_DAYS,
     "c.discovered_on", "c.handover_at", NULL, CLUE_HO, NULL, NULL, NULL, &src_clue_days_dh},
    {"days_handover_to_registration", "移交至登记用时", "天", &src_clues,
     "c.registered_at IS NOT NULL", MK_DAYS, "c.handover_at", "c.registered_at", NULL, CLUE_HO,
     NULL, NULL, NULL, &src_clue_days_hr},
    {"days_handover_to_disposal", "移交至确定处置方式用时", "天", &src_clues,
     "c.disposed_at IS NOT NULL", MK_DAYS, "c.handover_at", "c.disposed_at", NULL, CLUE_HO, NULL,
     NULL, NULL, &src_clue_days_hd},
    {"clue_disposal_methods", "线索处置方式分布", "件", &src_clues, "c.disposal_method IS NOT NULL",
     MK_DIST, "c.disposal_method", NULL, NULL, CLUE_HO, l_disposal, NULL, NULL},
    {"clue_results", "线索办理结果分布", "件", &src_clues, "c.result IS NOT NULL", MK_DIST,
     "c.result", NULL, NULL, CLUE_HO, l_result, NULL, NULL},
    /* 立案, 留置, 移送 on handed-over clues (件; people are counted below) */
    {"clues_case_filed", "线索立案", "件", &src_clues, "c.case_filed_on IS NOT NULL", MK_COUNT,
     NULL, NULL, NULL, "c.case_filed_on", false, NULL, NULL, NULL},
    {"clues_detention", "线索涉及留置", "件", &src_clues, "c.detention_on IS NOT NULL", MK_COUNT,
     NULL, NULL, NULL, "c.detention_on", false, NULL, NULL, NULL},
    {"clues_prosecution", "线索移送审查起诉", "件", &src_clues, "c.prosecution_on IS NOT NULL",
     MK_COUNT, NULL, NULL, NULL, "c.prosecution_on", false, NULL, NULL, NULL},
    {"days_handover_to_conclusion", "移交至办结用时", "天", &src_clues,
     "c.concluded_at IS NOT NULL", MK_DAYS, "c.handover_at", "c.concluded_at", NULL, CLUE_HO,
     NULL, NULL, NULL, &src_clue_days_hc},
    /* problems and rectification (003_findings) */
    {"targets_inspected", "巡察对象", "个", &src_targets, NULL, MK_COUNT, NULL, NULL, NULL,
     "g.entry_date", false, NULL, NULL, NULL},
    {"problems_found", "发现问题", "个", &src_problems, NULL, MK_COUNT, NULL, NULL, NULL,
     "pr.found_on", false, NULL, NULL, NULL},
    {"problems_rectified", "问题已整改", "个", &src_problems,
     "pr.state IN " WSQL_PROBLEM_RECTIFIED, MK_COUNT, NULL, NULL, NULL, "pr.found_on", false,
     NULL, NULL, NULL},
    {"rectification_rate", "整改率", "%", &src_problems, NULL, MK_RATIO, NULL, NULL, NULL,
     "pr.found_on", false, NULL, "problems_rectified", "problems_found"},
    {"problems_immediate_fix", "立行立改", "个", &src_problems, "pr.immediate_fix = 1", MK_COUNT,
     NULL, NULL, NULL, "pr.found_on", false, NULL, NULL, NULL},
    {"problems_amount", "问题涉及金额", "元", &src_problems, NULL, MK_SUM_FEN, "pr.amount_fen",
     NULL, NULL, "pr.found_on", false, NULL, NULL, NULL},
    /* 反馈: one feedback per target; a meeting may feed back many targets at
     * once (the 160 villages' 集中反馈大会 is one meeting) */
    {"feedback_given", "反馈意见 (已反馈)", "份", &src_reports, NULL, MK_COUNT, NULL, NULL, NULL,
     "rp.meeting_date", false, NULL, NULL, NULL},
    {"feedback_meetings", "反馈会", "次", &src_reports, "rp.meeting_date IS NOT NULL", MK_DISTINCT,
     "rp.round_id, rp.meeting_date", NULL,
     "min(rp.meeting_date) AS meeting_date, min(r.name) AS round_name, count(*) AS reports, "
     "sum(rp.attendees) AS attendees",
     "rp.meeting_date", false, NULL, NULL, NULL},
    {"feedback_attendees", "反馈会参加人数", "人次", &src_reports, "rp.attendees IS NOT NULL", MK_SUM,
     "rp.attendees", NULL, NULL, "rp.meeting_date", false, NULL, NULL, NULL},
    {"feedback_copied", "反馈意见抄送纪委监委和组织部", "份", &src_reports,
     "rp.copied_at IS NOT NULL", MK_COUNT, NULL, NULL, NULL, "rp.meeting_date", false, NULL, NULL,
     NULL},
    {"rect_tasks_total", "整改任务", "项", &src_rect_tasks, NULL, MK_COUNT, NULL, NULL, NULL,
     "k.deadline", false, NULL, NULL, NULL},
    {"rect_tasks_signed_off", "整改任务已销号", "项", &src_rect_tasks, "k.state IN " WSQL_TASK_SIGNED_OFF,
     MK_COUNT, NULL, NULL, NULL, "k.deadline", false, NULL, NULL, NULL},
    {"rect_tasks_overdue", "逾期未完成整改任务", "项", &src_rect_tasks,
     "k.state IN " WSQL_TASK_OPEN " AND k.deadline < @today", MK_COUNT, NULL, NULL, NULL,
     "k.deadline", false, NULL, NULL, NULL, NULL,
     /* the open tasks (aggregate) minus those due today or later (deadline NOT NULL) */
     "k.state IN " WSQL_TASK_OPEN, "k.deadline >= @today"},
    {"notices_open", "未办结督查督办通知", "份", &src_notices, "n.state NOT IN " WSQL_NOTICE_CLOSED, MK_COUNT,
     NULL, NULL, NULL, "n.created_at", true, NULL, NULL, NULL},
    {"institutions_revised", "修订完善制度机制", "项", &src_institutions, NULL, MK_COUNT, NULL,
     NULL, NULL, "i.issued_on", false, NULL, NULL, NULL},
    /* 提请协助 */
    {"assistance_requests", "提请协助", "件", &src_assistance, NULL, MK_DIST, "s.state", NULL,
     NULL, "s.submitted_at", true, l_assist, NULL, NULL},
    {"assistance_approved", "提请协助获批准", "件", &src_assistance,
     "s.state IN " WSQL_ASSIST_APPROVED, MK_COUNT, NULL, NULL, NULL, "s.submitted_at",
     true, NULL, NULL, NULL},
    {"assistance_completed", "协助事项已办结", "件", &src_assistance,
     "s.completed_at IS NOT NULL", MK_COUNT, NULL, NULL, NULL, "s.submitted_at", true, NULL,
     NULL, NULL},
    {"days_assistance_turnaround", "提请至办结用时", "天", &src_assistance,
     "s.completed_at IS NOT NULL", MK_DAYS, "s.submitted_at", "s.completed_at", NULL,
     "s.submitted_at", true, NULL, NULL, NULL, &src_assist_days},
    /* 追责问责: people (a person with two outcomes counts once) and outcomes; the people_*
     * figures count people and leaders, never a party organisation (orgs_accountable) */
    {"accountability_records", "追责问责处理 (人次)", "人次", &src_acct, NULL, MK_COUNT, NULL,
     NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_accountable", "追责问责人数", "人", &src_acct,
     "a.subject_kind <> 'organization' AND a.form >= 1", MK_DISTINCT,
     "a.unit_id, a.subject_name", NULL,
     /* the unit's name by its id (a column of the group): no join, so that the
      * page reads the records alone where the figure does (stats.c) */
     "min(a.subject_name) AS subject_name, "
     "(SELECT o.name FROM orgs o WHERE o.id=a.unit_id) AS unit_name, "
     "group_concat(a.outcome) AS outcomes, count(*) AS times",
     "a.decided_on", false, NULL, NULL, NULL},
    {"orgs_accountable", "问责党组织", "个", &src_acct, "a.subject_kind = 'organization'",
     MK_COUNT, NULL, NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_case_filed", "立案", "人", &src_acct, "a.subject_kind <> 'organization' AND a.outcome = 'case_filed'", MK_COUNT, NULL,
     NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_detained", "留置", "人", &src_acct, "a.subject_kind <> 'organization' AND a.outcome = 'detention'", MK_COUNT, NULL, NULL,
     NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_prosecuted", "移送审查起诉", "人", &src_acct,
     "a.subject_kind <> 'organization' AND (a.outcome = 'prosecution_transfer' OR a.form = 4)", MK_COUNT, NULL, NULL, NULL,
     "a.decided_on", false, NULL, NULL, NULL},
    {"people_party_discipline", "党纪处分", "人次", &src_acct, "a.subject_kind <> 'organization' AND a.outcome IN @outcomes(party)",
     MK_COUNT, NULL, NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_gov_sanction", "政务处分", "人次", &src_acct, "a.subject_kind <> 'organization' AND a.outcome IN @outcomes(gov)",
     MK_COUNT, NULL, NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_org_handling", "组织处理", "人次", &src_acct, "a.subject_kind <> 'organization' AND a.outcome IN @outcomes(org)",
     MK_COUNT, NULL, NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"people_accountability_measures", "问责 (谈话提醒、诫勉等)", "人次", &src_acct,
     "a.subject_kind <> 'organization' AND a.outcome IN @outcomes(accountability)", MK_COUNT, NULL, NULL, NULL, "a.decided_on", false,
     NULL, NULL, NULL},
    {"people_interviewed", "约谈", "人次", &src_acct, "a.subject_kind <> 'organization' AND a.outcome = 'work_interview'", MK_COUNT,
     NULL, NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"four_forms", "四种形态", "人次", &src_acct, "a.form >= 1 AND a.subject_kind <> 'organization'", MK_DIST,
     "CAST(a.form AS TEXT)", NULL, NULL, "a.decided_on", false, l_forms, NULL, NULL},
    {"accountability_outcomes", "处理结果分布", "人次", &src_acct, "a.outcome IS NOT NULL",
     MK_DIST, "a.outcome", NULL, NULL, "a.decided_on", false, outcome_label_pairs, NULL, NULL},
    {"funds_recovered", "追缴资金", "元", &src_acct, NULL, MK_SUM_FEN, "a.funds_recovered_fen",
     NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"funds_returned", "清退资金", "元", &src_acct, NULL, MK_SUM_FEN, "a.funds_returned_fen",
     NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"losses_recovered", "挽回损失", "元", &src_acct, NULL, MK_SUM_FEN, "a.losses_recovered_fen",
     NULL, NULL, "a.decided_on", false, NULL, NULL, NULL},
    {"funds_total", "清退追缴资金和挽回损失合计", "元", &src_acct, NULL, MK_SUM_FEN,
     "a.funds_recovered_fen + a.funds_returned_fen + a.losses_recovered_fen", NULL, NULL,
     "a.decided_on", false, NULL, NULL, NULL},
    /* 联审 */
    {"joint_reviews_held", "联审 (已召开)", "次", &src_reviews, NULL, MK_COUNT, NULL, NULL, NULL,
     "j.scheduled_on", false, NULL, NULL, NULL},
    {"review_items", "联审讨论事项", "个", &src_review_items, NULL, MK_COUNT, NULL, NULL, NULL,
     "j.scheduled_on", false, NULL, NULL, NULL},
    /* flags: items ever flagged (a lenient proposal caught and corrected still
     * counts), items whose flag was cleared with a reason, and flags open now */
    {"review_flags_raised", "联审风险提示", "个", &src_review_items, "ri.flags_raised > 0",
     MK_COUNT, NULL, NULL, NULL, "j.scheduled_on", false, NULL, NULL, NULL},
    {"review_flags_cleared", "联审风险提示已说明理由", "个", &src_review_items,
     "ri.flags_cleared > 0", MK_COUNT, NULL, NULL, NULL, "j.scheduled_on", false, NULL, NULL,
     NULL},
    {"review_flags_open", "联审风险提示未消除", "个", &src_review_items,
     "(ri.flag_rectified_first = 1 OR ri.flag_lenient = 1) AND ri.flag_cleared_at IS NULL",
     MK_COUNT, NULL, NULL, NULL, "j.scheduled_on", false, NULL, NULL, NULL},
};
const int nmeasures = (int)(sizeof measures / sizeof *measures);

const measure *measure_find(const char *name) {
  for (int i = 0; i < nmeasures; i++)
    if (!strcmp(measures[i].name, name)) return &measures[i];
  return NULL;
}

bool measure_uses(const measure *m, mfilter f) {
  if (f == MF_FROM || f == MF_TO) return m->date != NULL;
  return m->src->col[f] != NULL;
}

bool measure_scope_ok(const measure *m, const mscope *s) {
  if (s->all) return true;
  const vis_kind *k = m->src->vis;
  return s->who && vis_reaches(k, s->who, k->read) && vis_reaches(k, s->who, s->act);
}

const char *measure_dist_label(const measure *m, const char *code) {
  if (m->labels)
    for (int i = 0; m->labels[i]; i += 2)
      if (!strcmp(m->labels[i], code)) return m->labels[i + 1];
  return code;
}

/* ---- filters ------------------------------------------------------------------ */
int mfilters_check(mfilters *f, mfilter *bad) {
  static const char *const levels[] = {"city", "township", "village", NULL};
  static const char *const kinds[] = {"regular", "special", "mobile", "elevated", "cross",
                                      "follow_up", "village", "linked", NULL};
  for (int i = 0; i < MF__MAX; i++) {
    const char *v = f->v[i];
    if (!v) continue;
    int ok = 1;
    int64_t days = 0;
    switch ((mfilter)i) {
      case MF_ROUND: case MF_TEAM: case MF_UNIT: ok = uuid_valid(v); break;
      case MF_CAMPAIGN: ok = *v && utf8_valid(v, strlen(v)) && utf8_len(v) <= 100; break;
      case MF_LEVEL: case MF_ROUND_KIND: {
        const char *const *e = i == MF_LEVEL ? levels : kinds;
        ok = 0;
        for (; *e; e++) ok |= !strcmp(*e, v);
        break;
      }
      case MF_FROM: case MF_TO:
        ok = date_parse(v, &days);
        if (ok) {
          /* [from 00:00, to 24:00) Shanghai = [from-1 16:00Z, to 16:00Z) */
          char d[11];
          date_format(i == MF_FROM ? days - 1 : days, d);
          snprintf(i == MF_FROM ? f->from_ts : f->to_ts, sizeof f->from_ts, "%sT16:00:00Z", d);
        }
        break;
      default: break;
    }
    if (!ok) {
      *bad = (mfilter)i;
      return -1;
    }
  }
  if (f->v[MF_FROM] && f->v[MF_TO] && strcmp(f->v[MF_FROM], f->v[MF_TO]) > 0) {
    *bad = MF_TO;
    return -1;
  }
  return 0;
}

/* ---- SQL -------------------------------------------------------------------------- */
static void add(buf *b, const char *s) {
  buf_adds(b, s); /* SQL text is ours and bounded by the table */
}

/* Appends the SQL list of the outcome codes of the kind named by the n
 * bytes at name: ('party_warning','party_serious_warning',...). The codes
 * are ours (core/outcomes.c), plain identifiers. */
static void add_outcomes(buf *sql, const char *name, size_t n) {
  int k = outcome_kind_named(name, n);
  /* a typo in the compiled-in measures table (name and n come from it, never
   * from input): the statement is poisoned, so this request fails with an
   * error reply; the unit test of every measure's SQL finds it first */
  if (k < 0) {
    buf_fail(sql);
    return;
  }
  int first = 1;
  add(sql, "(");
  for (int i = 0; i < noutcomes; i++) {
    if ((int)outcomes[i].kind != k) continue;
    buf_addf(sql, "%s'%s'", first ? "" : ",", outcomes[i].code);
    first = 0;
  }
  add(sql, first ? "NULL)" : ")");
}

/* Appends cond, replacing each "@today" by a parameter holding today and
 * each "@outcomes(kind)" by the list of that kind's outcome codes. */
static void add_cond(buf *sql, const char *cond, const char *today, sval *p, int *np) {
  add(sql, " AND (");
  for (const char *s = cond; *s;) {
    const char *at = strchr(s, '@');
    if (!at) {
      add(sql, s);
      break;
    }
    buf_add(sql, s, (size_t)(at - s));
    if (!strncmp(at, "@today", 6)) {
      buf_addf(sql, "$%d", *np + 1);
      p[(*np)++] = SV_S(today);
      s = at + 6;
    } else if (!strncmp(at, "@outcomes(", 10) && strchr(at, ')')) {
      const char *end = strchr(at, ')');
      add_outcomes(sql, at + 10, (size_t)(end - at - 10));
      s = end + 1;
    } else {
      buf_fail(sql); /* a typo in the compiled-in measures table: the request fails, not the server */
      return;
    }
  }
  add(sql, ")");
}

void measure_order_by(const measure *m, buf *sql) {
  const char *s = m->src->order;
  buf_adds(sql, " ORDER BY ");
  while (s && *s) {
    const char *e = strstr(s, ", ");
    size_t len = e ? (size_t)(e - s) : strlen(s);
    buf_add(sql, s, len);
    buf_adds(sql, e ? " NULLS FIRST, " : " NULLS FIRST");
    s = e ? e + 2 : NULL;
  }
}

int measure_from_where(const measure *m, const mfilters *f, const mscope *s, const char *today,
                       buf *sql, sval *p, int *np) {
  const msource *src = m->src;
  buf_addf(sql, " FROM %s WHERE 1=1", src->from);
  if (src->base) add_cond(sql, src->base, today, p, np);
  if (m->where) add_cond(sql, m->where, today, p, np);
  for (int i = 0; i < MF_FROM; i++) {
    if (!f->v[i] || !src->col[i]) continue;
    buf_addf(sql, " AND %s = $%d", src->col[i], *np + 1);
    p[(*np)++] = SV_S(f->v[i]);
  }
  if (m->date) {
    if (f->v[MF_FROM]) {
      buf_addf(sql, " AND %s >= $%d", m->date, *np + 1);
      p[(*np)++] = SV_S(m->date_is_ts ? f->from_ts : f->v[MF_FROM]);
    }
    if (f->v[MF_TO]) {
      buf_addf(sql, m->date_is_ts ? " AND %s < $%d" : " AND %s <= $%d", m->date, *np + 1);
      p[(*np)++] = SV_S(m->date_is_ts ? f->to_ts : f->v[MF_TO]);
    }
  }
  if (s->all) return 0;
  if (!s->who) return buf_adds(sql, " AND 0") ? -1 : 0;
  /* the report's own scope (a team's statistics are its own team's), over
   * the record kind's declaration */
  /* (issue 15) the FROM holds the kind's table (or its aggregate) as x:
   * the condition applies to that row directly */
  if (src->direct) {
    if (vis_where(src->vis, s->who, s->act, sql, p, np, VIS_MAXP)) return -1;
    if (!MUTANT(MUT_DRILLDOWN_SKIPS_VISIBILITY) &&
        vis_where(src->vis, s->who, src->vis->read, sql, p, np, VIS_MAXP))
      return -1;
    return 0;
  }
  if (vis_in(src->vis, s->who, s->act, src->idcol, sql, p, np, VIS_MAXP)) return -1;
  /* the record kind's own predicate: never count what the GET refuses.
   * Past its bounds it leaves an unfinished condition (or the buffer's
   * poison): the statement then fails, it never counts wider. */
  if (!MUTANT(MUT_DRILLDOWN_SKIPS_VISIBILITY) &&
      vis_in(src->vis, s->who, src->vis->read, src->idcol, sql, p, np, VIS_MAXP))
    return -1;
  return 0;
}

/* ---- working papers in drill-downs and ledgers ------------------------------------ */
int measure_papers_expr(const measure *m, const mscope *s, buf *sql, sval *p, int *np) {
  const vis_kind *k = m->src->vis;
  if (!k->paper_fields || s->all || !s->who) return 0;
  if (m->src->direct) /* the row itself is x: "(1 AND (<condition>))" */
    return buf_adds(sql, "(1") || vis_where(k, s->who, k->papers, sql, p, np, VIS_MAXP) ||
                   buf_adds(sql, ")")
               ? -1
               : 1;
  return vis_expr(k, s->who, k->papers, m->src->idcol, sql, p, np, VIS_MAXP) ? -1 : 1;
}

bool measure_paper_field(const measure *m, const char *name) {
  const vis_kind *k = m->src->vis;
  if (!k->paper_fields) return false;
  const char *dot = strchr(name, '.'); /* "pr.found_on" or "found_on" */
  if (dot) {
    size_t n = (size_t)(dot - name);
    if (strncmp(name, m->src->idcol, n) || m->src->idcol[n] != '.') return false;
    name = dot + 1;
  }
  for (const char *const *f = k->paper_fields; *f; f++)
    if (!strcmp(*f, name)) return true;
  return false;
}
