/*
 * visibility.h — who sees which records of a kind: one declaration per
 * record kind and one predicate built from it (issue 11, item 5; the start
 * of issue 14's visibility model).
 *
 * A vis_kind names the kind's table, its read action and the conditions
 * under which the unit side (P_UNIT, P_SUPERVISED) and the commission side
 * (P_HANDED) may see a row. vis_where() turns it, for one user and one
 * action, into an SQL condition over alias x of the kind's table; vis_in()
 * into "<idcol> IN (SELECT x.id FROM <table> x WHERE ...)" for queries that
 * read the kind under another alias (statistics, drill-downs, ledgers).
 * The record's GET (api/record.c rec_fetch), its list and every measure
 * over the kind ask this one function, so they cannot disagree.
 *
 * Pure: builds SQL text and parameters, runs nothing.
 */
#ifndef XUNJI_VISIBILITY_H
#define XUNJI_VISIBILITY_H

#include "core/authz.h"
#include "store/store.h"
#include "util/buf.h"

typedef struct vis_kind {
  const char *name;     /* "problem": the audit object kind */
  const char *table;    /* "problems"; conditions below are over alias x */
  action_id read;       /* the action that lists and reads a row */
  const char *team;     /* team column ("x.team_id"), NULL: no team scope */
  const char *unit;     /* unit column ("x.unit_id"), NULL: no unit scope */
  const char *released; /* unit-side rules apply only when this holds (NULL: always) */
  const char *handed;   /* P_HANDED rules apply when this holds (NULL: never) */
  /* Fields shown only to users who hold `papers` on the row (working
   * papers); NULL-terminated; papers == A_SELF: no such fields. */
  action_id papers;
  const char *const *paper_fields;
} vis_kind;

extern const vis_kind vis_problem, vis_report, vis_task, vis_notice, vis_assistance,
    vis_accountability, vis_review, vis_clue, vis_replacement;

/* ---- kinds of the reports and domain side (visreports) ---- */
extern const vis_kind vis_vetting, vis_member, vis_movement, vis_target, vis_institution,
    vis_round, vis_rectification, vis_recusal;
/* declared by `engine` as well (one copy is kept when merging) */
extern const vis_kind vis_petition, vis_briefing;

/* The room vis_where/vis_in may take in the parameter array at most. */
enum { VIS_MAXP = 3 * MAX_GRANTS };

/* Appends " AND (<condition>)" over alias x selecting the rows of k on which
 * the user holds action a (a = k->read for visibility). Returns 0, or -1 if
 * the SQL buffer is full or more than maxp parameters would be needed. A
 * user with no rule at all gets " AND 0". */
int vis_where(const vis_kind *k, const principal *who, action_id a, buf *sql, sval *p, int *np,
              int maxp);
/* Appends " AND <idcol> IN (SELECT x.id FROM <table> x WHERE 1=1 AND ...)". */
int vis_in(const vis_kind *k, const principal *who, action_id a, const char *idcol, buf *sql,
           sval *p, int *np, int maxp);
/* Appends "(<idcol> IN (SELECT ...))" as a 0/1 expression (for a column
 * that says whether the user may see a row's working papers). */
int vis_expr(const vis_kind *k, const principal *who, action_id a, const char *idcol, buf *sql,
             sval *p, int *np, int maxp);

#endif
