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

#endif
