/*
 * authz.h — access control in one place.
 *
 * authz(principal, action, object) is the only function that decides whether
 * a user may do something. The policy is one matrix, action x role -> rule,
 * where a rule says on which objects the role may act (none, all, its team's,
 * its unit's, the units it supervises, handed-over clues). Lifecycle actions
 * take their roles from the workflow tables (workflow.h), copied in by
 * authz_init(), so each transition names its roles exactly once.
 * Deny by default: an action with no rule for any of the user's roles is
 * refused; 三员 have no rule on any business action.
 */
#ifndef XUNJI_AUTHZ_H
#define XUNJI_AUTHZ_H

#include <stdbool.h>

#include "core/roles.h"

typedef enum action_id {
  A_SELF,            /* own account: me, logout, password, inbox */
  A_ORG_LIST, A_ORG_WRITE,
  A_PERSON_LIST, A_PERSON_WRITE,
  A_USER_LIST, A_USER_WRITE,
  A_ROLE_GRANT,
  A_AUDIT_READ,
  A_ROUND_LIST, A_ROUND_WRITE,
  A_TEAM_LIST, A_TEAM_WRITE,
  A_TARGET_LIST, A_TARGET_WRITE,
  A_CLUE_LIST,       /* list and read a clue's registry data */
  A_CLUE_ALLEGATION, /* read the encrypted allegation (audited) */
  A_CLUE_CREATE,
  A_CLUE_EDIT,       /* edit a draft */
  A_CLUE_VERIFY, A_CLUE_HANDOVER, A_CLUE_REGISTER, A_CLUE_DISPOSE, A_CLUE_CONCLUDE,
  /* issue 3: patrol programme */
  A_ROUND_APPROVE, A_ROUND_ADVANCE, /* lifecycle (workflow.c) */
  A_VETTING_LIST, A_VETTING_REQUEST, A_VETTING_ANSWER,
  A_RECUSAL_LIST, A_RECUSAL_EXCEPTION,
  A_BRIEFING_LIST, A_BRIEFING_REQUEST, A_BRIEFING_ANSWER,
  A_PETITION_LIST, A_PETITION_REPORTER, A_PETITION_CREATE, A_PETITION_TRIAGE, /* triage: workflow */
  A_MATCH_SUGGEST, A_MOVEMENT_LIST, A_MOVEMENT_WRITE,
  /* issue 4: findings to rectification */
  A_CASCADE,         /* transitions only a parent record's action may take (no role) */
  A_CATEGORY_WRITE,
  A_PROBLEM_LIST,    /* list and read problems (units: once fed back) */
  A_PROBLEM_PAPERS,  /* working papers: people, how found, evidence files */
  A_PROBLEM_CREATE, A_PROBLEM_EDIT,
  A_PROBLEM_CONFIRM, A_PROBLEM_UNIT, A_PROBLEM_OFFICE, /* lifecycle (workflow.c) */
  A_REPORT_LIST, A_REPORT_TEXT, A_REPORT_WRITE,
  A_REPORT_SUBMIT, A_REPORT_APPROVE, A_REPORT_FEEDBACK, /* lifecycle */
  A_RECT_READ, A_RECT_WRITE,
  A_TASK_UNIT, A_TASK_OFFICE, /* lifecycle */
  A_NOTICE_LIST, A_NOTICE_ISSUE, A_NOTICE_REPLY, A_NOTICE_CLOSE, /* reply/close: lifecycle */
  A_SUPERVISION_ACK, A_SUPERVISION_NOTE, A_SUPERVISION_READ,
  /* issue 6: statistics, ledgers, formal letters */
  A_STATS_READ, A_LEDGER_EXPORT, A_DOC_LIST, A_DOC_ISSUE,
  /* issue 5: discipline side */
  A_ASSIST_LIST, A_ASSIST_WRITE,
  A_ASSIST_SUBMIT, A_ASSIST_DECIDE, A_ASSIST_FORWARD, A_ASSIST_WORK, A_ASSIST_CLOSE, /* lifecycle */
  A_CLUE_OUTCOME,
  A_ACCT_LIST, A_ACCT_WRITE, A_ACCT_DECIDE, /* decide/revoke: lifecycle */
  A_REVIEW_LIST, A_REVIEW_WRITE, A_REVIEW_TEAM, A_REVIEW_RUN, /* hold/conclude: lifecycle */
  /* issue 11: accounts (api/accounts.c) */
  A_TOKEN_REVOKE,    /* revoke another user's API tokens */
  A_RESET_READ,      /* list password-reset requests */
  A_RESET_APPROVE,   /* approve or reject a business account's password reset */
  A_SECURITY_READ, A_SECURITY_WRITE, /* security settings kept in the database */
  /* issue 12: a member replaced after mobilization, approved by the leading group */
  A_REPLACE_DECIDE, /* lifecycle */
  /* issue 11: the cadre pool's content (profile, work history, relatives,
   * trainings) is business data: not the 三员's, unlike the directory */
  A_POOL_READ,
  /* issue 18: revealing a petition's reporter needs a second person's
   * approval (the role named by reveal_approver, api/record.c) */
  A_REVEAL_APPROVE,
  ACTION__MAX
} action_id;

typedef enum rule {
  P_NO = 0,     /* deny */
  P_ALL,        /* any object */
  P_TEAM,       /* objects of a team the grant is scoped to */
  P_UNIT,       /* objects of the unit the grant is scoped to */
  P_SUPERVISED, /* objects of units the grant's dispatched group supervises */
  P_HANDED,     /* clues that have been handed over to the commission */
  P_INSPECTED,  /* organisations of a kind the inspection office keeps (inspected units,
                   villages): authz_org_kinds_office in authz.c */
  P_SYSTEM_ORG, /* the system's own organisations (every other kind) */
} rule;

extern const char *const action_names[ACTION__MAX];

/* The Chinese names of what the audit trail records (a record's history, the
 * audit log), published in GET /api/v1/meta as action_labels: exact action
 * names ("file.upload"), and ".verb" entries for a verb of any kind
 * (".create"). A lifecycle transition is named by its label in the workflow
 * table instead. {NULL, NULL}-terminated. */
typedef struct action_label {
  const char *name, *label;
} action_label;
extern const action_label action_labels[];

/* The attributes of an object that rules look at; NULL/false when absent. */
typedef struct authz_obj {
  const char *team_id;
  const char *unit_id;
  const char *supervisor_id;
  bool handed_over;
  const char *org_kind; /* an organisation's kind (orgs.kind), for P_INSPECTED / P_SYSTEM_ORG */
} authz_obj;

/* The kinds of organisation the inspection office keeps (NULL-terminated):
 * the units it inspects and their villages. Every other kind (committee,
 * commission offices, the office itself, ...) is the system administrator's. */
extern const char *const authz_org_kinds_office[];

/* Copies lifecycle rules in; call once before serving. */
void authz_init(void);
/* Sets the rule of one cell; used by authz_init for workflow actions. */
void authz_set(action_id a, role_id r, rule ru);
rule authz_rule(action_id a, role_id r);

/* obj NULL: may the user do this action on some object (function level)?
 * obj given: on this object (record level)? */
bool authz(const principal *p, action_id a, const authz_obj *obj);

/* What part of a collection a user may see, for list queries. */
typedef struct authz_filter {
  bool all;
  bool handed;                 /* handed-over clues, any team */
  int nteams, nunits, norgs;
  const char *teams[MAX_GRANTS];
  const char *units[MAX_GRANTS];
  const char *orgs[MAX_GRANTS]; /* supervising dispatched groups */
} authz_filter;

/* Fills f for action a; returns false if the user may see nothing at all. */
bool authz_filter_for(const principal *p, action_id a, authz_filter *f);

#endif
