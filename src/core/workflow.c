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

#define TEAM_SIDE {R_TEAM_LEADER, 1}, {R_TEAM_MEMBER, 1}
#define COMMISSION_DESK {R_CASE_MGMT, 0}, {R_COMMISSION_LIAISON, 0}

static const wf_transition clue_transitions[] = {
    {"draft", "verify", "verified", "核实", A_CLUE_VERIFY, RB(R_TEAM_LEADER), P_TEAM,
     "问题线索已核实, 待移交", 1, {{R_INSPECTION_OFFICE, 0}}},
    {"verified", "handover", "handed_over", "移交", A_CLUE_HANDOVER, RB(R_INSPECTION_OFFICE), P_ALL,
     "巡察办移交问题线索", 4, {COMMISSION_DESK, TEAM_SIDE}},
    {"handed_over", "register", "registered", "登记", A_CLUE_REGISTER, RB(R_CASE_MGMT), P_HANDED,
     "案管室已登记问题线索", 3, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE}},
    {"registered", "dispose", "disposing", "处置", A_CLUE_DISPOSE, RB(R_CASE_MGMT), P_HANDED,
     "问题线索已确定处置方式", 4, {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE, {R_INVESTIGATION, 0}}},
    {"disposing", "conclude", "concluded", "办结", A_CLUE_CONCLUDE,
     RB(R_CASE_MGMT) | RB(R_INVESTIGATION), P_HANDED, "问题线索已办结", 4,
     {{R_INSPECTION_OFFICE, 0}, TEAM_SIDE, {R_CASE_MGMT, 0}}},
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

const workflow *const workflows[] = {&wf_clue, &wf_round, &wf_petition, NULL};

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
