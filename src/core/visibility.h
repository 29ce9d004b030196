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
 * vis_where/vis_in/vis_expr build SQL text and parameters and run nothing;
 * vis_row and vis_redact run that same condition on one row.
 */
#ifndef XUNJI_VISIBILITY_H
#define XUNJI_VISIBILITY_H

#include <jansson.h>
#include <stdbool.h>

#include "core/authz.h"
#include "store/store.h"
#include "util/buf.h"

/* A field of a kind's JSON row that not everyone who sees the row may see:
 * shown only to a user who holds `need` on the row (the same predicate with
 * that action). Lists end with {0}. */
typedef struct vis_field {
  const char *name; /* key of the row as the API shows it */
  action_id need;   /* action needed on the row; A_SELF: whoever sees the row */
  /* A field that names another record (an accountability record's
   * problem_title): shown only if that record, whose id the row holds under
   * ref_key, is visible to the user under ref's own declaration. */
  const struct vis_kind *ref;
  const char *ref_key;
} vis_field;

typedef struct vis_kind {
  const char *name;     /* "problem": the audit object kind */
  const char *table;    /* "problems"; conditions below are over alias x */
  action_id read;       /* the action that lists and reads a row */
  const char *team;     /* team column ("x.team_id"), NULL: no team scope */
  const char *unit;     /* unit column ("x.unit_id"), NULL: no unit scope */
  const char *released; /* unit-side rules apply only when this holds (NULL: always) */
  const char *handed;   /* P_HANDED rules apply when this holds (NULL: never) */
  /* Fields shown only to users who hold `papers` on the row (working
   * papers); NULL-terminated; papers == A_SELF: no such fields. A shorthand
   * kept for the problem: the same as a `fields` entry {name, papers} each. */
  action_id papers;
  const char *const *paper_fields;
  /* ---- issue 14: the rest of the declaration (all optional) ---- */
  /* Every holder of the read action sees every row, whatever the rule's
   * scope (the directory kinds: a team-scoped holder still sees all). */
  bool any_holder;
  /* Rows of the table that are of this kind at all ("x.owner_kind='problem'"
   * for the files of problems); ANDed to every condition. NULL: all rows. */
  const char *only;
  /* A row is visible only if its parent record is: parent_col names the
   * parent's id (over alias x); the parent must be visible under its read
   * action and, if parent_field is set, the user must also see that field of
   * the parent (a problem's "files": its working papers). ANDed to the
   * kind's own scope (a kind with no scope of its own: the parent's alone). */
  const struct vis_kind *parent;
  const char *parent_col;
  const char *parent_field;
  /* parent_col is a foreign key to the parent that the store enforces (no
   * row names a parent that does not exist): where the parent's condition
   * holds for every row, "parent_col IS NOT NULL" says the same without
   * listing the parent's ids (issue 15: the office's notices, 200,000 tasks). */
  bool parent_fk;
  /* Creator-only drafts: while `draft` holds, only the user named by the
   * column `owner` ("x.created_by") sees the row (ANDed; NULL: none). */
  const char *owner;
  const char *draft;
  /* Fields with their own rule (redaction); ends with {0}. NULL: none. */
  const vis_field *fields;
  /* Roles (RB bits) that see, whatever their rule on `read` says, only the
   * rows where own_col equals their role's name: a commission desk sees the
   * briefings asked of it (briefings.source is the desk's role name).
   * 0: none. */
  uint32_t own_roles;
  const char *own_col;
  /* `released` / `handed` as a state set of the workflow (core/workflow.h),
   * never a hand-copied list: the condition is "<col> IN (<the set>)", or,
   * when `released` / `handed` is also given, that text with "{set}"
   * replaced by it (a sub-select over another table's state). */
  const struct wf_set *released_set;
  const char *released_col;
  const struct wf_set *handed_set;
  const char *handed_col;
} vis_kind;

extern const vis_kind vis_problem, vis_report, vis_task, vis_notice, vis_assistance,
    vis_accountability, vis_review, vis_review_item, vis_clue, vis_replacement;
/* generic kinds (issue 14) */
extern const vis_kind vis_org, vis_person, vis_round, vis_team, vis_target, vis_member,
    vis_file_problem, vis_file_task;
/* ---- kinds of the reports and domain side (visreports) ---- */
extern const vis_kind vis_vetting, vis_movement, vis_institution, vis_rectification, vis_recusal;

/* Every declared kind, NULL-terminated, and one by its name (NULL: none). */
extern const vis_kind *const vis_kinds[];
const vis_kind *vis_kind_by_name(const char *name);
/* engine kinds (clues, petitions, briefings on the record engine) */
extern const vis_kind vis_petition, vis_briefing;

/* The text of k's released (VIS_RELEASED; "1" when none) or handed
 * (VIS_HANDED; "0" when none) condition over alias x, with its state set
 * generated from the workflow: the one text the predicate and the record
 * engine's released/copied columns use. 0, or -1 if b is full. */
enum { VIS_RELEASED = 0, VIS_HANDED = 1 };
int vis_cond_sql(const vis_kind *k, int which, buf *b);
/* The same condition for a result column (the record engine's released /
 * copied columns): state sets written as comparisons, not an IN list. */
int vis_cond_col(const vis_kind *k, int which, buf *b);

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

/* May the user see rows of k at all (some rule on its read action)? A list
 * refused outright (403) when not. */
bool vis_any(const vis_kind *k, const principal *who);
/* Does the user's condition on k for action a hold for every row (a rule on
 * all, and nothing else in k's declaration narrows it)? The same builder as
 * vis_where: a query may then leave the condition out (issue 15: figures read
 * from the records through an index, without the kind's table as x). */
bool vis_whole(const vis_kind *k, const principal *who, action_id a);
/* Does some rule of the user reach rows of k for action a (the condition
 * vis_where builds is not empty)? A figure over k is shown only then. */
bool vis_reaches(const vis_kind *k, const principal *who, action_id a);
/* Is row id of k visible to the user (read action)? 1 yes, 0 no, <0 store
 * error. The same condition as vis_where, run on one row. */
int vis_row(store_tx *tx, const vis_kind *k, const principal *who, const char *id);
/* The same for action a on the row (a field's `need`, k->papers, ...). */
int vis_row_act(store_tx *tx, const vis_kind *k, const principal *who, action_id a,
                const char *id);
/* The action needed on a row of k to see field name (k->read when the
 * field has no rule of its own). */
action_id vis_field_need(const vis_kind *k, const char *name);
/* Removes from row (row id of k, already known to be visible) every
 * declared field the user may not see, asking the row (vis_row_act) once
 * per action. 0, or <0 store error (row then has every declared field
 * removed: fail closed). */
int vis_redact(store_tx *tx, const vis_kind *k, const principal *who, const char *id,
               json_t *row);
/* vis_redact on every row of the array rows (each an object whose "id" is
 * a row of k, already known to be visible), with one query per action a
 * field needs and one per kind a field refers to, over all the rows at once
 * (issue 15: a list page), instead of one per row. The same answer, field
 * by field, as vis_redact on each row. 0, or <0 store error (every row then
 * has every declared field removed: fail closed). */
int vis_redact_rows(store_tx *tx, const vis_kind *k, const principal *who, json_t *rows);

#endif
