/*
 * workflow.c — the transition tables. See workflow.h.
 *
 * Clue (问题线索), DOMAIN.md §3:
 *
 *   draft --verify--> verified --handover--> handed_over --register--> registered
 *     team leader       inspection office       案管室 (登记号)
 *   registered --dispose--> disposing --conclude--> concluded
 *     案管室 (处置方式)        案管室 / 审查调查室 (结果)
 *
 * Each step informs the other side's inbox.
 */
#include "core/workflow.h"

#include <string.h>

static const char *const clue_states[] = {"draft", "verified", "handed_over", "registered",
                                          "disposing", "concluded"};
static const char *const clue_state_labels[] = {"草稿", "已核实", "已移交", "已登记",
                                                "处置中", "已办结"};

/* TEAM_SIDE and COMMISSION_DESK are two entries each: count them as two in
 * nnotify (tests/unit/test_core.c checks no entry lies past the count). */
#define TEAM_SIDE {R_TEAM_LEADER, 1}, {R_TEAM_MEMBER, 1}
#define COMMISSION_DESK {R_CASE_MGMT, 0}, {R_COMMISSION_LIAISON, 0}

static const wf_transition clue_transitions[] = {
    {"draft", "verify", "verified", "核实", A_CLUE_VERIFY, RB(R_TEAM_LEADER), P_TEAM,
     "问题线索已核实, 待移交", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "verified_at", .by = "verified_by", .note = "verify_note", .note_from = "note"}},
    {"verified", "handover", "handed_over", "移交", A_CLUE_HANDOVER, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察办移交问题线索", 4, {COMMISSION_DESK, TEAM_SIDE},
     .stamp = {.at = "handover_at", .by = "handover_by"}},
    {"handed_over", "register", "registered", "登记", A_CLUE_REGISTER, RB(R_CASE_MGMT), P_HANDED,
     "案管室已登记问题线索", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "registered_at", .by = "registered_by"}},
    {"registered", "dispose", "disposing", "处置", A_CLUE_DISPOSE, RB(R_CASE_MGMT), P_HANDED,
     "问题线索已确定处置方式", 4, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE, {R_INVESTIGATION, 0}},
     .stamp = {.at = "disposed_at", .by = "disposed_by"}},
    {"disposing", "conclude", "concluded", "办结", A_CLUE_CONCLUDE,
     RB(R_CASE_MGMT) | RB(R_INVESTIGATION), P_HANDED, "问题线索已办结", 4,
     {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE, {R_CASE_MGMT, 0}},
     .stamp = {.at = "concluded_at", .by = "concluded_by", .note = "result_note", .note_from = "note"}},
};

const workflow wf_clue = {
    "clue",
    (int)(sizeof clue_states / sizeof *clue_states),
    clue_states,
    clue_state_labels,
    (int)(sizeof clue_transitions / sizeof *clue_transitions),
    clue_transitions,
};

/* Round (巡察轮次), issue 3: planned --approve (leading group)--> approved
 * --mobilize (office; refused while vetting or recusal is unresolved)-->
 * mobilized --enter--> on_site --withdraw--> reporting --feedback--> fed_back
 * --rectify--> rectifying --close--> closed. */
static const char *const round_states[] = {"planned", "approved", "mobilized", "on_site",
                                           "reporting", "fed_back", "rectifying", "closed"};
static const char *const round_state_labels[] = {"计划中", "已批准", "已动员", "进驻中",
                                                 "汇报中", "已反馈", "整改中", "已结束"};
static const wf_transition round_transitions[] = {
    {"planned", "approve", "approved", "批准巡察计划", A_ROUND_APPROVE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组已批准巡察计划", 1, {{R_INSPECTION_OFFICE, 0}}},
    {"approved", "mobilize", "mobilized", "动员部署", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE),
     P_ALL, "巡察动员部署", 2, {{R_LEADING_GROUP, 0}, {R_COMMISSION_LIAISON, 0}}},
    {"mobilized", "enter", "on_site", "进驻", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察组进驻", 1, {{R_LEADING_GROUP, 0}}},
    {"on_site", "withdraw", "reporting", "撤离并汇报", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE),
     P_ALL, "巡察组撤离, 进入汇报阶段", 1, {{R_LEADING_GROUP, 0}}},
    {"reporting", "feedback", "fed_back", "反馈", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察反馈", 1, {{R_LEADING_GROUP, 0}}},
    {"fed_back", "rectify", "rectifying", "转入整改", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE),
     P_ALL, "巡察整改", 1, {{R_LEADING_GROUP, 0}}},
    {"rectifying", "close", "closed", "结束", A_ROUND_ADVANCE, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察轮次已结束", 1, {{R_LEADING_GROUP, 0}}},
};
const workflow wf_round = {
    "round",
    (int)(sizeof round_states / sizeof *round_states),
    round_states,
    round_state_labels,
    (int)(sizeof round_transitions / sizeof *round_transitions),
    round_transitions,
};

/* Petition (信访件), issue 3: received --to_clue | transfer | close--> by the
 * team leader. (A "problem" outcome waits for the problems table.) */
static const char *const petition_states[] = {"received", "to_clue", "transferred", "closed"};
static const char *const petition_state_labels[] = {"已登记", "已转问题线索", "已转被巡察单位办理",
                                                    "已了结"};
static const wf_transition petition_transitions[] = {
    {"received", "to_clue", "to_clue", "转为问题线索", A_PETITION_TRIAGE, RB(R_TEAM_LEADER), P_TEAM,
     "信访件已转为问题线索", 1, {{R_INSPECTION_OFFICE, 0}}},
    {"received", "transfer", "transferred", "转被巡察单位办理", A_PETITION_TRIAGE,
     RB(R_TEAM_LEADER), P_TEAM, "信访件已转被巡察单位办理", 1, {{R_INSPECTION_OFFICE, 0}}},
    {"received", "close", "closed", "了结", A_PETITION_TRIAGE, RB(R_TEAM_LEADER), P_TEAM,
     "信访件已了结", 1, {{R_INSPECTION_OFFICE, 0}}},
};
const workflow wf_petition = {
    "petition",
    (int)(sizeof petition_states / sizeof *petition_states),
    petition_states,
    petition_state_labels,
    (int)(sizeof petition_transitions / sizeof *petition_transitions),
    petition_transitions,
};

/* Problem (问题), issue 4: the team confirms; the report and the feedback
 * carry confirmed problems along (cascade: no role may take those steps on
 * one problem alone); the unit rectifies; the office signs off or reopens
 * when the evidence is weak. */
static const char *const problem_states[] = {"draft", "confirmed", "reported", "fed_back",
                                             "rectifying", "rectified", "signed_off", "reopened"};
static const char *const problem_state_labels[] = {"草稿", "已确认", "已报告", "已反馈",
                                                   "整改中", "已整改", "已销号", "已退回重改"};
#define UNIT_SIDE {R_UNIT_LIAISON, N_UNIT}
static const wf_transition problem_transitions[] = {
    {"draft", "confirm", "confirmed", "确认问题", A_PROBLEM_CONFIRM, RB(R_TEAM_LEADER), P_TEAM,
     "巡察组已确认问题", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "confirmed_at", .by = "confirmed_by"}},
    {"confirmed", "report", "reported", "列入巡察报告", A_CASCADE, 0, P_NO, "问题已列入巡察报告", 0, {{0, 0}}},
    {"reported", "unreport", "confirmed", "退回报告", A_CASCADE, 0, P_NO, "巡察报告已退回", 0, {{0, 0}}},
    {"reported", "feed_back", "fed_back", "反馈", A_CASCADE, 0, P_NO, "问题已反馈", 0, {{0, 0}}},
    {"fed_back", "rectify", "rectifying", "开始整改", A_PROBLEM_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "被巡察单位开始整改", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "rectifying_at"}},
    {"rectifying", "complete", "rectified", "整改完成", A_PROBLEM_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "被巡察单位报告问题整改完成", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "rectified_at", .by = "rectified_by", .note = "rectify_note", .note_from = "note"}},
    {"reopened", "complete", "rectified", "整改完成", A_PROBLEM_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "被巡察单位报告问题重新整改完成", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "rectified_at", .by = "rectified_by", .note = "rectify_note", .note_from = "note"}},
    {"rectified", "sign_off", "signed_off", "销号", A_PROBLEM_OFFICE, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察办已对问题销号", 2, {UNIT_SIDE, {R_DISPATCHED_GROUP, N_SUPERVISOR}},
     .stamp = {.at = "signed_off_at", .by = "signed_off_by"}},
    {"rectified", "reopen", "reopened", "退回重改", A_PROBLEM_OFFICE, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察办认为整改佐证不足, 退回重改", 2, {UNIT_SIDE, {R_DISPATCHED_GROUP, N_SUPERVISOR}},
     .stamp = {.at = "reopened_at", .by = "reopened_by", .note = "reopen_reason", .note_from = "reason"}},
};
const workflow wf_problem = {"problem", (int)(sizeof problem_states / sizeof *problem_states),
                             problem_states, problem_state_labels,
                             (int)(sizeof problem_transitions / sizeof *problem_transitions),
                             problem_transitions};

/* Report and feedback (巡察报告与反馈), issue 4: the team leader submits, the
 * leading group approves or returns, the office gives the feedback to the
 * unit (its dispatched group takes it into daily supervision) and copies it
 * to the commission and 组织部. */
static const char *const report_states[] = {"draft", "submitted", "approved", "fed_back", "copied"};
static const char *const report_state_labels[] = {"草稿", "已报送", "已审定", "已反馈", "已抄送"};
static const wf_transition report_transitions[] = {
    {"draft", "submit", "submitted", "报送领导小组", A_REPORT_SUBMIT, RB(R_TEAM_LEADER), P_TEAM,
     "巡察组报送巡察报告", 2, {{R_LEADING_GROUP, 0}, {R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "submitted_at", .by = "submitted_by"}},
    {"submitted", "return", "draft", "退回修改", A_REPORT_APPROVE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组退回巡察报告", 3, {TEAM_SIDE, {R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "returned_at", .by = "returned_by", .note = "return_reason", .note_from = "reason"}},
    {"submitted", "approve", "approved", "审定", A_REPORT_APPROVE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组已审定巡察报告", 3, {TEAM_SIDE, {R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "approved_at", .by = "approved_by"}},
    {"approved", "feedback", "fed_back", "反馈", A_REPORT_FEEDBACK, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察反馈意见", 5,
     {UNIT_SIDE, TEAM_SIDE, {R_DISPATCHED_GROUP, N_SUPERVISOR}, {R_LEADING_GROUP, 0}},
     .stamp = {.at = "fed_back_at", .by = "fed_back_by"}},
    {"fed_back", "copy", "copied", "抄送纪委监委和组织部", A_REPORT_FEEDBACK, RB(R_INSPECTION_OFFICE),
     P_ALL, "巡察反馈意见抄送", 5,
     {{R_COMMISSION_LIAISON, 0}, {R_CONDUCT, 0}, {R_CASE_MGMT, 0}, {R_ORG_DEPT, 0},
      {R_DISPATCHED_GROUP, N_SUPERVISOR}},
     .stamp = {.at = "copied_at", .by = "copied_by"}},
};
const workflow wf_report = {"report", (int)(sizeof report_states / sizeof *report_states),
                            report_states, report_state_labels,
                            (int)(sizeof report_transitions / sizeof *report_transitions),
                            report_transitions};

/* Rectification task (整改任务), issue 4: the unit works it; the office signs
 * it off (销号) or sends it back. Overdue is computed from the deadline. */
static const char *const task_states[] = {"open", "in_progress", "done", "signed_off"};
static const char *const task_state_labels[] = {"未开始", "整改中", "已完成", "已销号"};
static const wf_transition task_transitions[] = {
    {"open", "start", "in_progress", "开始整改", A_TASK_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "整改任务已开始", 0, {{0, 0}}},
    {"open", "finish", "done", "报告完成", A_TASK_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "整改任务报告完成, 待销号", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "done_at", .by = "done_by", .note = "done_note", .note_from = "note"}},
    {"in_progress", "finish", "done", "报告完成", A_TASK_UNIT, RB(R_UNIT_LIAISON), P_UNIT,
     "整改任务报告完成, 待销号", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "done_at", .by = "done_by", .note = "done_note", .note_from = "note"}},
    {"done", "sign_off", "signed_off", "销号", A_TASK_OFFICE, RB(R_INSPECTION_OFFICE), P_ALL,
     "整改任务已销号", 2, {UNIT_SIDE, {R_DISPATCHED_GROUP, N_SUPERVISOR}},
     .stamp = {.at = "signed_off_at", .by = "signed_off_by"}},
    {"done", "send_back", "in_progress", "退回", A_TASK_OFFICE, RB(R_INSPECTION_OFFICE), P_ALL,
     "整改任务被退回", 2, {UNIT_SIDE, {R_DISPATCHED_GROUP, N_SUPERVISOR}},
     .stamp = {.at = "returned_at", .by = "returned_by", .note = "return_reason", .note_from = "reason"}},
};
const workflow wf_task = {"rect_task", (int)(sizeof task_states / sizeof *task_states), task_states,
                          task_state_labels,
                          (int)(sizeof task_transitions / sizeof *task_transitions),
                          task_transitions};

/* Supervision notice (督查督办通知), issue 4: the unit replies, the office
 * closes it or sends the reply back. */
static const char *const notice_states[] = {"issued", "replied", "closed"};
static const char *const notice_state_labels[] = {"已下发", "已回复", "已办结"};
static const wf_transition notice_transitions[] = {
    {"issued", "reply", "replied", "回复", A_NOTICE_REPLY, RB(R_UNIT_LIAISON), P_UNIT,
     "被巡察单位回复督办通知", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "replied_at", .by = "replied_by", .note = "reply", .note_from = "reply"}},
    {"replied", "close", "closed", "办结", A_NOTICE_CLOSE, RB(R_INSPECTION_OFFICE), P_ALL,
     "督办通知已办结", 1, {UNIT_SIDE},
     .stamp = {.at = "closed_at", .by = "closed_by", .note = "close_note", .note_from = "note"}},
    {"issued", "close", "closed", "办结", A_NOTICE_CLOSE, RB(R_INSPECTION_OFFICE), P_ALL,
     "督办通知已办结", 1, {UNIT_SIDE},
     .stamp = {.at = "closed_at", .by = "closed_by", .note = "close_note", .note_from = "note"}},
    {"replied", "send_back", "issued", "退回回复", A_NOTICE_CLOSE, RB(R_INSPECTION_OFFICE), P_ALL,
     "督办回复未通过, 请重新回复", 1, {UNIT_SIDE}},
};
const workflow wf_notice = {"notice", (int)(sizeof notice_states / sizeof *notice_states),
                            notice_states, notice_state_labels,
                            (int)(sizeof notice_transitions / sizeof *notice_transitions),
                            notice_transitions};

/* Assistance request (提请协助), issue 5: the team leader submits; the
 * leading group approves or rejects; the office forwards to the commission;
 * a commission department accepts and completes it with the result and the
 * evidence it fixed; the team leader closes it. */
#define COMMISSION_DEPTS RB(R_CASE_MGMT) | RB(R_INVESTIGATION) | RB(R_VERIFICATION_TEAM) | RB(R_CONDUCT)
static const char *const assistance_states[] = {"draft",     "submitted", "approved", "rejected",
                                                "forwarded", "accepted",  "completed", "closed"};
static const char *const assistance_state_labels[] = {"草稿",   "已提请", "已批准", "未批准",
                                                      "已转交", "已受理", "已完成", "已办结"};
static const wf_transition assistance_transitions[] = {
    {"draft", "submit", "submitted", "提请领导小组批准", A_ASSIST_SUBMIT, RB(R_TEAM_LEADER), P_TEAM,
     "巡察组提请专业协助, 待领导小组批准", 2, {{R_LEADING_GROUP, 0}, {R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "submitted_at", .by = "submitted_by"}},
    {"submitted", "approve", "approved", "批准", A_ASSIST_DECIDE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组已批准提请协助", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "decided_at", .by = "decided_by", .note = "decision_note", .note_from = "note"}},
    {"submitted", "reject", "rejected", "不予批准", A_ASSIST_DECIDE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组未批准提请协助", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "decided_at", .by = "decided_by", .note = "decision_note", .note_from = "reason"}},
    {"approved", "forward", "forwarded", "转交纪委监委", A_ASSIST_FORWARD, RB(R_INSPECTION_OFFICE),
     P_ALL, "巡察办转交提请协助事项", 7,
     {{R_COMMISSION_LIAISON, 0}, {R_CASE_MGMT, 0}, {R_INVESTIGATION, 0}, {R_VERIFICATION_TEAM, 0},
      {R_CONDUCT, 0}, TEAM_SIDE},
     .stamp = {.at = "forwarded_at", .by = "forwarded_by"}},
    {"forwarded", "accept", "accepted", "受理", A_ASSIST_WORK, COMMISSION_DEPTS, P_HANDED,
     "纪委监委已受理提请协助", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE},
     .stamp = {.at = "accepted_at", .by = "accepted_by"}},
    {"accepted", "complete", "completed", "办结反馈", A_ASSIST_WORK, COMMISSION_DEPTS, P_HANDED,
     "纪委监委已完成协助, 反馈结果", 4,
     {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE, {R_LEADING_GROUP, 0}},
     .stamp = {.at = "completed_at", .by = "completed_by"}},
    {"completed", "close", "closed", "办结", A_ASSIST_CLOSE, RB(R_TEAM_LEADER), P_TEAM,
     "巡察组确认协助结果", 1, {{R_INSPECTION_OFFICE, 0}},
     .stamp = {.at = "closed_at", .by = "closed_by"}},
};
const workflow wf_assistance = {"assistance",
                                (int)(sizeof assistance_states / sizeof *assistance_states),
                                assistance_states, assistance_state_labels,
                                (int)(sizeof assistance_transitions / sizeof *assistance_transitions),
                                assistance_transitions};

/* Accountability (追责问责), issue 5: opened (e.g. for each 不担当不作为
 * problem of a copied feedback), decided with an outcome, or revoked. */
#define ACCT_DEPTS RB(R_CONDUCT) | RB(R_CASE_MGMT) | RB(R_INVESTIGATION)
static const char *const acct_states[] = {"open", "decided", "revoked"};
static const char *const acct_state_labels[] = {"待处理", "已决定", "已撤销"};
static const wf_transition acct_transitions[] = {
    {"open", "decide", "decided", "作出处理决定", A_ACCT_DECIDE, ACCT_DEPTS, P_HANDED,
     "追责问责已作出决定", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE}},
    {"decided", "revoke", "revoked", "撤销", A_ACCT_DECIDE, ACCT_DEPTS, P_HANDED,
     "追责问责决定已撤销", 1, {{R_INSPECTION_OFFICE, 0}}},
};
const workflow wf_accountability = {"accountability",
                                    (int)(sizeof acct_states / sizeof *acct_states), acct_states,
                                    acct_state_labels,
                                    (int)(sizeof acct_transitions / sizeof *acct_transitions),
                                    acct_transitions};

/* Joint review (联审), issue 5: scheduled → held → concluded, run by the
 * commission's verification team with the patrol team. */
static const char *const review_states[] = {"scheduled", "held", "concluded"};
static const char *const review_state_labels[] = {"已安排", "已召开", "已完成"};
static const wf_transition review_transitions[] = {
    {"scheduled", "hold", "held", "召开联审", A_REVIEW_RUN, RB(R_VERIFICATION_TEAM), P_ALL,
     "联审会议已召开", 3, {TEAM_SIDE, {R_COMMISSION_LIAISON, 0}},
     .stamp = {.at = "held_at"}},
    {"held", "conclude", "concluded", "完成联审", A_REVIEW_RUN, RB(R_VERIFICATION_TEAM), P_ALL,
     "联审已完成, 处理意见已确定", 4, {TEAM_SIDE, {R_COMMISSION_LIAISON, 0}, {R_CONDUCT, 0}},
     .stamp = {.at = "concluded_at"}},
};
const workflow wf_review = {"joint_review", (int)(sizeof review_states / sizeof *review_states),
                            review_states, review_state_labels,
                            (int)(sizeof review_transitions / sizeof *review_transitions),
                            review_transitions};

/* Member replacement (调整巡察组成员), issue 12: after mobilization the
 * office asks to replace a member (illness, a conflict found on site); the
 * leading group approves (only once the newcomer's 廉政审核 is 无异议 and no
 * recusal applies: domain/programme/replacements.c) or rejects. At approval the replaced
 * member's row is marked and their team grants end; the newcomer joins. */
static const char *const replacement_states[] = {"requested", "approved", "rejected"};
static const char *const replacement_state_labels[] = {"待审批", "已批准", "未批准"};
static const wf_transition replacement_transitions[] = {
    {"requested", "approve", "approved", "批准调整", A_REPLACE_DECIDE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组批准调整巡察组成员", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE}},
    {"requested", "reject", "rejected", "不予批准", A_REPLACE_DECIDE, RB(R_LEADING_GROUP), P_ALL,
     "领导小组未批准调整巡察组成员", 1, {{R_INSPECTION_OFFICE, 0}}},
};
const workflow wf_replacement = {"replacement",
                                 (int)(sizeof replacement_states / sizeof *replacement_states),
                                 replacement_states, replacement_state_labels,
                                 (int)(sizeof replacement_transitions / sizeof *replacement_transitions),
                                 replacement_transitions};

const workflow *const workflows[] = {&wf_clue,   &wf_round,      &wf_petition,
                                     &wf_problem, &wf_report,    &wf_task,
                                     &wf_notice, &wf_assistance, &wf_accountability,
                                     &wf_review, &wf_replacement, NULL};

const wf_transition *wf_find(const workflow *w, const char *state, const char *verb) {
  for (int i = 0; i < w->ntransitions; i++)
    if (strcmp(w->transitions[i].from, state) == 0 && strcmp(w->transitions[i].verb, verb) == 0)
      return &w->transitions[i];
  return NULL;
}

int wf_has_verb(const workflow *w, const char *verb) {
  for (int i = 0; i < w->ntransitions; i++)
    if (strcmp(w->transitions[i].verb, verb) == 0) return 1;
  return 0;
}

int wf_state_index(const workflow *w, const char *state) {
  for (int i = 0; i < w->nstates; i++)
    if (strcmp(w->states[i], state) == 0) return i;
  return -1;
}

const char *wf_state_label(const workflow *w, const char *state) {
  int i = wf_state_index(w, state);
  return i < 0 ? state : w->state_labels[i];
}

uint32_t wf_reach(const workflow *w, const char *from) {
  int i = wf_state_index(w, from);
  if (i < 0 || w->nstates > 32) return 0;
  uint32_t set = 1u << i, before;
  do { /* closure: at most nstates rounds */
    before = set;
    for (int t = 0; t < w->ntransitions; t++) {
      int a = wf_state_index(w, w->transitions[t].from), b = wf_state_index(w, w->transitions[t].to);
      if (a >= 0 && b >= 0 && (set >> a & 1)) set |= 1u << b;
    }
  } while (set != before);
  return set;
}

int wf_state_in(const workflow *w, uint32_t set, const char *state) {
  int i = state ? wf_state_index(w, state) : -1;
  return i >= 0 && i < 32 && (set >> i & 1);
}

int wf_sql_in(const workflow *w, uint32_t set, const char *col, buf *b) {
  int n = 0;
  for (int i = 0; i < w->nstates && i < 32; i++) {
    if (!(set >> i & 1)) continue;
    int rc = n++ ? buf_addf(b, ",'%s'", w->states[i]) : buf_addf(b, "%s IN ('%s'", col, w->states[i]);
    if (rc) return -1;
  }
  return buf_adds(b, n ? ")" : "0") ? -1 : 0;
}

/* ---- named state sets (see workflow.h) ---- */
/* State vocabularies without a lifecycle table (see workflow.h). */
static const char *const vetting_states[] = {"pending", "clear", "objection"};
static const char *const vetting_state_labels[] = {"待答复", "无异议", "有异议"};
const workflow wf_vetting = {"vetting", 3, vetting_states, vetting_state_labels, 0, NULL};
static const char *const briefing_states[] = {"pending", "answered"};
static const char *const briefing_state_labels[] = {"待报送", "已报送"};
const workflow wf_briefing = {"briefing", 2, briefing_states, briefing_state_labels, 0, NULL};

/* Password reset (密码重置 under dual control, issue 18), served by its own
 * routes (api/accounts.c; the route table holds their policy, so not in
 * workflows[]): the system administrator asks (pending; without dual
 * control the reset is made and collected at once), the security
 * administrator approves or rejects, the asker collects the one-time
 * password once; an approved reset not collected gives way to a new request
 * (superseded). The states list is also NULL-terminated for filters. */
const char *const wf_reset_states[] = {"pending", "approved", "rejected", "collected",
                                           "superseded", NULL};
static const char *const reset_state_labels[] = {"待安全管理员审批", "已批准, 待申请人领取一次性密码",
                                                 "已驳回", "已完成", "已作废"};
static const wf_transition reset_transitions[] = {
    {"pending", "approve", "approved", "批准", A_RESET_APPROVE, RB(R_SECADMIN), P_ALL,
     "密码重置申请已批准", 0, {{0, 0}}},
    {"pending", "reject", "rejected", "驳回", A_RESET_APPROVE, RB(R_SECADMIN), P_ALL,
     "密码重置申请已被驳回", 0, {{0, 0}}},
    {"approved", "collect", "collected", "领取一次性密码", A_USER_WRITE, RB(R_SYSADMIN), P_ALL,
     "", 0, {{0, 0}}},
    {"approved", "supersede", "superseded", "作废", A_USER_WRITE, RB(R_SYSADMIN), P_ALL, "", 0,
     {{0, 0}}},
};
const workflow wf_reset = {"password_reset", 5, wf_reset_states, reset_state_labels,
                           (int)(sizeof reset_transitions / sizeof *reset_transitions),
                           reset_transitions};

/* Reveal request (举报人保护, issue 18), served by api/reveal.c: the reader
 * asks, a second person holding the reveal_approver role approves or
 * rejects; the approval is spent by the read (used) or lapses at
 * valid_until. NULL-terminated as above. */
const char *const wf_reveal_states[] = {"pending", "approved", "rejected", "used", NULL};
static const char *const reveal_state_labels[] = {"待审批", "已批准", "已驳回", "已使用"};
static const wf_transition reveal_transitions[] = {
    {"pending", "approve", "approved", "批准", A_REVEAL_APPROVE, 0, P_ALL, "", 0, {{0, 0}}},
    {"pending", "reject", "rejected", "驳回", A_REVEAL_APPROVE, 0, P_ALL, "", 0, {{0, 0}}},
    {"approved", "use", "used", "查看", A_SELF, 0, P_ALL, "", 0, {{0, 0}}},
};
const workflow wf_reveal = {"reveal_request", 4, wf_reveal_states, reveal_state_labels,
                            (int)(sizeof reveal_transitions / sizeof *reveal_transitions),
                            reveal_transitions};

#define ONLY(...) ((const char *const[]){__VA_ARGS__, NULL})
const wf_set ws_problem_draft = {.wf = &wf_problem, .name = "problem.draft", .only = ONLY("draft"), .sql = WSQL_PROBLEM_DRAFT};
const wf_set ws_problem_confirmed = {.wf = &wf_problem, .name = "problem.confirmed", .only = ONLY("confirmed"), .sql = WSQL_PROBLEM_CONFIRMED};
const wf_set ws_problem_released = {.wf = &wf_problem, .name = "problem.released", .from = "fed_back"};
const wf_set ws_problem_taking_tasks = {.wf = &wf_problem, .name = "problem.taking_tasks", .only = ONLY("fed_back", "rectifying", "reopened")};
const wf_set ws_problem_rectified = {.wf = &wf_problem, .name = "problem.rectified", .only = ONLY("rectified", "signed_off"), .sql = WSQL_PROBLEM_RECTIFIED};
const wf_set ws_problem_signed_off = {.wf = &wf_problem, .name = "problem.signed_off", .from = "signed_off", .sql = WSQL_PROBLEM_SIGNED_OFF};
const wf_set ws_report_released = {.wf = &wf_report, .name = "report.released", .from = "fed_back", .sql = WSQL_REPORT_RELEASED};
const wf_set ws_report_copied = {.wf = &wf_report, .name = "report.copied", .from = "copied"};
const wf_set ws_clue_handed = {.wf = &wf_clue, .name = "clue.handed", .from = "handed_over"};
/* disposal decided: the outcome (立案, 留置, ...) may be recorded */
const wf_set ws_clue_disposing = {.wf = &wf_clue, .name = "clue.disposing", .from = "disposing"};
/* the team is at work: problems may be recorded (mobilized .. before closed) */
const wf_set ws_round_recording = {.wf = &wf_round, .name = "round.recording", .from = "mobilized", .minus = "closed"};
const wf_set ws_round_closed = {.wf = &wf_round, .name = "round.closed", .from = "closed",
                               .sql = WSQL_ROUND_CLOSED};
const wf_set ws_round_open_for_members = {.wf = &wf_round, .name = "round.open_for_members", .from = "planned", .minus = "mobilized", .sql = WSQL_ROUND_OPEN_FOR_MEMBERS};
const wf_set ws_task_open = {.wf = &wf_task, .name = "rect_task.open", .only = ONLY("open", "in_progress"), .sql = WSQL_TASK_OPEN};
const wf_set ws_task_done = {.wf = &wf_task, .name = "rect_task.done", .only = ONLY("done", "signed_off"), .sql = WSQL_TASK_DONE};
const wf_set ws_task_signed_off = {.wf = &wf_task, .name = "rect_task.signed_off", .from = "signed_off", .sql = WSQL_TASK_SIGNED_OFF};
const wf_set ws_notice_issued = {.wf = &wf_notice, .name = "notice.issued", .only = ONLY("issued"), .sql = WSQL_NOTICE_ISSUED};
const wf_set ws_notice_closed = {.wf = &wf_notice, .name = "notice.closed", .from = "closed", .sql = WSQL_NOTICE_CLOSED};
const wf_set ws_review_held = {.wf = &wf_review, .name = "joint_review.held", .only = ONLY("held")};
const wf_set ws_review_since_held = {.wf = &wf_review, .name = "joint_review.since_held", .from = "held", .sql = WSQL_REVIEW_SINCE_HELD};
const wf_set ws_review_concluded = {.wf = &wf_review, .name = "joint_review.concluded", .from = "concluded"};
const wf_set ws_acct_open = {.wf = &wf_accountability, .name = "accountability.open", .only = ONLY("open"), .sql = WSQL_ACCT_OPEN};
const wf_set ws_acct_decided = {.wf = &wf_accountability, .name = "accountability.decided", .only = ONLY("decided"), .sql = WSQL_ACCT_DECIDED};
const wf_set ws_acct_revoked = {.wf = &wf_accountability, .name = "accountability.revoked", .from = "revoked", .sql = WSQL_ACCT_REVOKED};
const wf_set ws_petition_to_clue = {.wf = &wf_petition, .name = "petition.to_clue", .only = ONLY("to_clue"), .sql = WSQL_PETITION_TO_CLUE};
const wf_set ws_assist_draft = {.wf = &wf_assistance, .name = "assistance.draft", .only = ONLY("draft"), .sql = WSQL_ASSIST_DRAFT};
const wf_set ws_assist_approved = {.wf = &wf_assistance, .name = "assistance.approved", .from = "approved", .sql = WSQL_ASSIST_APPROVED};
const wf_set ws_assist_finished = {.wf = &wf_assistance, .name = "assistance.finished", .only = ONLY("rejected", "closed"), .sql = WSQL_ASSIST_FINISHED};
const wf_set ws_vetting_pending = {.wf = &wf_vetting, .name = "vetting.pending", .only = ONLY("pending"), .sql = WSQL_VETTING_PENDING};
const wf_set ws_vetting_objection = {.wf = &wf_vetting, .name = "vetting.objection", .only = ONLY("objection"), .sql = WSQL_VETTING_OBJECTION};
const wf_set ws_vetting_clear = {.wf = &wf_vetting, .name = "vetting.clear", .only = ONLY("clear")};
const wf_set ws_briefing_pending = {.wf = &wf_briefing, .name = "briefing.pending", .only = ONLY("pending"), .sql = WSQL_BRIEFING_PENDING};
const wf_set ws_briefing_answered = {.wf = &wf_briefing, .name = "briefing.answered", .only = ONLY("answered"), .sql = WSQL_BRIEFING_ANSWERED};

const wf_set ws_reset_pending = {.wf = &wf_reset, .name = "password_reset.pending", .only = ONLY("pending"), .sql = WSQL_RESET_PENDING};
const wf_set ws_reset_approved = {.wf = &wf_reset, .name = "password_reset.approved", .only = ONLY("approved"), .sql = WSQL_RESET_APPROVED};
const wf_set ws_reveal_pending = {.wf = &wf_reveal, .name = "reveal_request.pending", .only = ONLY("pending"), .sql = WSQL_REVEAL_PENDING};
const wf_set ws_reveal_approved = {.wf = &wf_reveal, .name = "reveal_request.approved", .only = ONLY("approved"), .sql = WSQL_REVEAL_APPROVED};

const wf_set *const wf_sets[] = {
    &ws_problem_draft, &ws_problem_confirmed, &ws_problem_released, &ws_problem_taking_tasks,
    &ws_problem_rectified, &ws_problem_signed_off, &ws_report_released, &ws_report_copied,
    &ws_clue_handed, &ws_clue_disposing, &ws_round_recording, &ws_round_closed, &ws_round_open_for_members, &ws_task_open, &ws_task_done, &ws_task_signed_off,
    &ws_notice_issued, &ws_notice_closed, &ws_review_held, &ws_review_since_held,
    &ws_review_concluded, &ws_acct_open, &ws_acct_decided, &ws_acct_revoked, &ws_petition_to_clue,
    &ws_assist_draft, &ws_assist_approved, &ws_assist_finished, &ws_vetting_pending,
    &ws_vetting_objection, &ws_vetting_clear, &ws_briefing_pending, &ws_briefing_answered,
    &ws_reset_pending, &ws_reset_approved, &ws_reveal_pending, &ws_reveal_approved, NULL};

uint32_t wf_set_bits(const wf_set *s) {
  uint32_t set = 0;
  if (s->only) {
    for (const char *const *n = s->only; *n; n++) {
      int i = wf_state_index(s->wf, *n);
      if (i < 0 || i >= 32) return 0; /* a state not in the table: empty (unit-tested) */
      set |= 1u << i;
    }
    return set;
  }
  set = s->from ? wf_reach(s->wf, s->from) : 0;
  if (s->minus) set &= ~wf_reach(s->wf, s->minus);
  return set;
}

int wf_in(const wf_set *s, const char *state) { return wf_state_in(s->wf, wf_set_bits(s), state); }

int wf_set_sql(const wf_set *s, const char *col, buf *b) {
  return wf_sql_in(s->wf, wf_set_bits(s), col, b);
}
