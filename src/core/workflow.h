/*
 * workflow.h — lifecycles as tables (DOMAIN.md §3).
 *
 * A workflow is a list of states and a list of transitions
 * {from, verb, to, action, roles, rule, notify}. The engine (api/lifecycle.c)
 * looks up (state, verb), asks authz (which copied the roles from here),
 * applies the change, writes the audit entry and posts the inbox messages to
 * the roles listed in notify. Nothing else may change a state.
 */
#ifndef XUNJI_WORKFLOW_H
#define XUNJI_WORKFLOW_H

#include <stdint.h>

#include "core/authz.h"
#include "core/roles.h"
#include "util/buf.h"

enum { WF_MAX_NOTIFY = 8 };

/* To whom of a role a message goes: everyone with the role, or only those
 * whose grant is scoped to the object's team, unit, or supervising group. */
enum { N_ALL = 0, N_TEAM = 1, N_UNIT = 2, N_SUPERVISOR = 3 };
typedef struct wf_notify {
  role_id role;
  int scope; /* N_ALL, N_TEAM, N_UNIT, N_SUPERVISOR */
} wf_notify;

/* Stamp columns a transition writes (issue 14): at = now, by = the acting
 * user, note = the body field note_from (NULL when absent). Written by the
 * engine (api/lifecycle.c) in the same UPDATE transaction as the state, for
 * the record the action names (not for records moved along by a cascade).
 * Every column is checked against the migrated schema (tests/unit). */
typedef struct wf_stamp {
  const char *at, *by, *note, *note_from;
} wf_stamp;

typedef struct wf_transition {
  const char *from;
  const char *verb;   /* the action endpoint: POST /api/v1/<entity>/{id}/<verb> */
  const char *to;
  const char *label;  /* Chinese name of the action */
  action_id act;
  uint32_t roles;     /* RB(role) | ... allowed to take it */
  rule rule;          /* on which objects */
  const char *message; /* inbox title prefix posted to notify */
  int nnotify;
  wf_notify notify[WF_MAX_NOTIFY];
  wf_stamp stamp; /* optional, designated: .stamp = {.at = ..., .by = ...} */
} wf_transition;

typedef struct workflow {
  const char *entity; /* "clue" */
  int nstates;
  const char *const *states;       /* first one is the initial state */
  const char *const *state_labels; /* Chinese */
  int ntransitions;
  const wf_transition *transitions;
} workflow;

extern const workflow wf_clue;
extern const workflow wf_round;
extern const workflow wf_petition;
extern const workflow wf_problem;
extern const workflow wf_report;
extern const workflow wf_task;
extern const workflow wf_notice;
extern const workflow wf_assistance;
extern const workflow wf_accountability;
extern const workflow wf_review;
extern const workflow wf_replacement;
/* State vocabularies of records answered by their own endpoint, not the
 * lifecycle engine (no transitions, not in workflows[]): an integrity
 * vetting (pending → clear | objection), a briefing (pending → answered). */
extern const workflow wf_vetting;
extern const workflow wf_briefing;
/* Lifecycles served by their own routes (their policy is the route
 * table's; not in workflows[]): a password reset (api/accounts.c) and a
 * reveal request (api/reveal.c). Their states lists are also
 * NULL-terminated, for the list filters. */
extern const workflow wf_reset;
extern const workflow wf_reveal;
extern const char *const wf_reset_states[], *const wf_reveal_states[];
/* NULL-terminated list of every workflow, for authz_init and tests. */
extern const workflow *const workflows[];

/* The transition for verb from state, or NULL. */
const wf_transition *wf_find(const workflow *w, const char *state, const char *verb);
/* True if some transition of w uses verb. */
int wf_has_verb(const workflow *w, const char *verb);
/* Index of a state, or -1. */
int wf_state_index(const workflow *w, const char *state);
const char *wf_state_label(const workflow *w, const char *state);

/* State sets derived from the transition table, never hand-copied: bit i
 * stands for w->states[i] (a workflow has at most 32 states; unit-tested).
 * wf_reach: the states reachable from `from` (itself included) by any
 * transitions, e.g. a problem's states once fed back; 0 if from is unknown. */
uint32_t wf_reach(const workflow *w, const char *from);
/* 1 if state is in the set. */
int wf_state_in(const workflow *w, uint32_t set, const char *state);
/* Appends "<col> IN ('a','b')" for the set ("0" when empty); the names are
 * the compiled-in state identifiers, never input. 0, or -1 if b is full. */
int wf_sql_in(const workflow *w, uint32_t set, const char *col, buf *b);

/* A named state set, declared once next to its transition table
 * (workflow.c) and used by handlers, visibility and measures instead of a
 * hand-copied list or a string comparison: the states reachable from `from`
 * minus those reachable from `minus`, or exactly the states in `only`
 * (NULL-terminated; each must be a state of wf: tests/unit/test_core.c).
 * `sql`, when set, is the set as an SQL list literal "('a','b')" for static
 * declarations (measures, filters); the unit test checks it equals the
 * derived set. The symbol names make a typo a compile error. */
typedef struct wf_set {
  const workflow *wf;
  const char *name; /* "problem.released", for tests and messages */
  const char *from, *minus;
  const char *const *only;
  const char *sql;
} wf_set;

uint32_t wf_set_bits(const wf_set *s);
/* 1 if state (may be NULL: 0) is in the set. */
int wf_in(const wf_set *s, const char *state);
/* Appends "<col> IN (...)" for the set (wf_sql_in). 0, or -1 if b is full. */
int wf_set_sql(const wf_set *s, const char *col, buf *b);

/* SQL list literals of the sets, for static SQL (measures, filters, fixed
 * queries): "x.state IN " WSQL_TASK_OPEN. tests/unit checks each equals
 * its set as derived from the table. */
#define WSQL_PROBLEM_DRAFT "('draft')"
#define WSQL_PROBLEM_CONFIRMED "('confirmed')"
#define WSQL_PROBLEM_RECTIFIED "('rectified','signed_off')"
#define WSQL_PROBLEM_SIGNED_OFF "('signed_off')"
#define WSQL_REPORT_RELEASED "('fed_back','copied')"
#define WSQL_ROUND_CLOSED "('closed')"
#define WSQL_ROUND_OPEN_FOR_MEMBERS "('planned','approved')"
#define WSQL_TASK_OPEN "('open','in_progress')"
#define WSQL_TASK_DONE "('done','signed_off')"
#define WSQL_TASK_SIGNED_OFF "('signed_off')"
#define WSQL_NOTICE_ISSUED "('issued')"
#define WSQL_NOTICE_CLOSED "('closed')"
#define WSQL_REVIEW_SINCE_HELD "('held','concluded')"
#define WSQL_ACCT_OPEN "('open')"
#define WSQL_ACCT_DECIDED "('decided')"
#define WSQL_ACCT_REVOKED "('revoked')"
#define WSQL_PETITION_TO_CLUE "('to_clue')"
#define WSQL_ASSIST_DRAFT "('draft')"
#define WSQL_ASSIST_APPROVED "('approved','forwarded','accepted','completed','closed')"
#define WSQL_ASSIST_FINISHED "('rejected','closed')"
#define WSQL_VETTING_PENDING "('pending')"
#define WSQL_VETTING_OBJECTION "('objection')"
#define WSQL_BRIEFING_PENDING "('pending')"
#define WSQL_BRIEFING_ANSWERED "('answered')"
#define WSQL_RESET_PENDING "('pending')"
#define WSQL_RESET_APPROVED "('approved')"
#define WSQL_REVEAL_PENDING "('pending')"
#define WSQL_REVEAL_APPROVED "('approved')"

extern const wf_set ws_problem_draft,
    ws_problem_confirmed,
    ws_problem_released,
    ws_problem_taking_tasks,
    ws_problem_rectified,
    ws_problem_signed_off,
    ws_report_released,
    ws_report_copied,
    ws_clue_handed, ws_clue_disposing, ws_round_recording, ws_round_closed,
    ws_round_open_for_members,
    ws_task_open,
    ws_task_done,
    ws_task_signed_off,
    ws_notice_issued,
    ws_notice_closed,
    ws_review_held,
    ws_review_since_held,
    ws_review_concluded,
    ws_acct_open,
    ws_acct_decided,
    ws_acct_revoked,
    ws_petition_to_clue,
    ws_assist_draft,
    ws_assist_approved,
    ws_assist_finished,
    ws_vetting_pending,
    ws_vetting_objection, ws_vetting_clear,
    ws_briefing_pending,
    ws_briefing_answered,
    ws_reset_pending, ws_reset_approved, ws_reveal_pending, ws_reveal_approved;
/* Every named set, NULL-terminated (tests). */
extern const wf_set *const wf_sets[];

#endif
