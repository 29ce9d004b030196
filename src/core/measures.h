/*
 * measures.h — the statistics, defined once (DOMAIN.md §5).
 *
 * A measure is one row: a name, a Chinese label and unit, the record set it
 * counts (a source: FROM clause, drill-down columns, the column behind each
 * filter, the record kind whose visibility declaration decides who sees
 * which rows), an extra condition, and how the value is aggregated. The
 * value query and the drill-down query are both built from the same FROM +
 * WHERE, so the drill-down returns exactly the records counted. Adding a figure is adding
 * a row to the table in measures.c (and, for a new kind of record, a source).
 *
 * Pure: builds SQL text and parameters, runs nothing (report/stats.c runs them).
 */
#ifndef XUNJI_MEASURES_H
#define XUNJI_MEASURES_H

#include <stdbool.h>

#include "core/authz.h"
#include "core/visibility.h"
#include "store/store.h"
#include "util/buf.h"

/* The filters a statistics request may carry. */
typedef enum mfilter {
  MF_ROUND,      /* round id */
  MF_CAMPAIGN,   /* 专项治理 / special patrol name (rounds.campaign) */
  MF_ROUND_KIND, /* regular / special / ... (rounds.kind) */
  MF_TEAM,       /* team id */
  MF_UNIT,       /* unit (org) id */
  MF_LEVEL,      /* city / township / village: the unit's level */
  MF_FROM,       /* date range on the measure's date column, YYYY-MM-DD, inclusive */
  MF_TO,
  MF__MAX
} mfilter;

extern const char *const mfilter_names[MF__MAX];
extern const char *const mfilter_labels[MF__MAX];

typedef struct mfilters {
  const char *v[MF__MAX]; /* NULL = not given */
  /* filled by mfilters_check: the date range as UTC timestamps, for
   * timestamp columns (a Shanghai day starts at 16:00Z the day before) */
  char from_ts[24], to_ts[24];
} mfilters;

/* Validates the values (ids, dates, level, lengths) and fills the
 * timestamps. Returns -1 naming the bad filter in *bad, else 0. */
int mfilters_check(mfilters *f, mfilter *bad);

/* Whose figures: the user and the report's own action (stats.read,
 * ledger.export). Each source's rows are narrowed by the visibility model
 * (core/visibility.h) twice over its record kind: the kind's read action
 * (never count what the record's GET refuses) and the report's action (a
 * team's statistics are its own team's). all: no narrowing (the command
 * line); who NULL without all: nothing. */
typedef struct mscope {
  const principal *who;
  action_id act;
  bool all;
} mscope;

/* A kind of record that measures count. Column expressions are SQL over the
 * aliases of from; NULL when the filter does not apply. Who sees which rows
 * is the record kind's declaration (vis), never a column list or an action
 * of the source's own. */
typedef struct msource {
  const char *name;  /* "clues" */
  const char *label; /* "问题线索" */
  const char *from;
  const char *base;  /* condition every row satisfies (NULL: none) */
  const char *cols;  /* drill-down columns */
  const char *order; /* drill-down order */
  const char *col[MF_FROM]; /* MF_ROUND..MF_LEVEL */
  /* The record kind counted and its id column: each row must be one the
   * user's GET of that record shows (vis_in over the kind's predicate). */
  const vis_kind *vis;
  const char *idcol;
  /* Issue 15: the source's maintained aggregate (migration 021), NULL:
   * none. agg_from is `from` over the aggregate table under the same
   * aliases: every column a measure of the source reads in its conditions
   * and sums is a column of the aggregate (a grouped key or a summed value),
   * so the measure's own text applies unchanged; agg_n is the column
   * holding the number of records of a group, agg_month the YYYY-MM of the
   * date column agg_date (a measure dated by another column, or a date
   * range that is not whole months, is answered from the records), agg_handed the kind's `handed` condition over
   * the aggregate table (alias x: the commission's rule, materialized). The
   * rest of the visibility declaration (team, unit, released) is the
   * kind's own, applied to the aggregate's columns of the same names
   * (report/aggregates.c). agg_from names the aggregate table as x (the
   * alias of the kind's conditions) and under the source's own alias. */
  const char *agg_table, *agg_from, *agg_n, *agg_date, *agg_month, *agg_handed;
  /* from names the kind's table as x too, joined on its id (the same row):
   * the kind's condition then applies to that row directly, so a query
   * walks only the rows in scope (through the kind's indexes) or stops
   * after a page in the drill-down's order, instead of first listing every
   * visible id (vis_in). */
  bool direct;
  /* (023) agg_from without the joins to rounds, teams and orgs: used when
   * no filter reads them (campaign, round kind, level). Each joined row
   * always exists (NOT NULL foreign keys to primary keys), so the groups
   * summed are the same; a figure then reads only the aggregate. NULL:
   * always agg_from. */
  const char *agg_bare;
  /* (024) the rollup agg_roll (agg_<x>_by_team): agg_table's groups summed over
   * the unit and the month, under the same aliases and column names.
   * agg_roll_from joins the rounds (campaign, round-kind filters), agg_roll_bare
   * reads it alone. report/aggregates.c uses it when neither a filter, a group
   * chart nor the user's scope needs the unit or the month (a scope that covers
   * whole teams). NULL: none. */
  const char *agg_roll, *agg_roll_from, *agg_roll_bare;
  /* (024) the rollup by unit agg_unit (agg_<x>_by_unit): the groups summed
   * over the month only, the same way (agg_unit_from joins rounds, teams and
   * orgs like agg_from). Used where the unit is needed but not the month.
   * NULL: none (a source whose aggregate has no month). */
  const char *agg_unit, *agg_unit_from, *agg_unit_bare;
  /* (035) the rollup by unit alone agg_units (agg_<x>_units): the groups summed
   * over the round, the team and the month, under the same aliases
   * (agg_units_from joins orgs for the level filter). Used where the unit is
   * needed and neither a filter nor the user's rules read the round or the
   * team (report/aggregates.c). NULL: none. */
  const char *agg_units, *agg_units_from, *agg_units_bare;
  /* (036) `from` as the record table alone under the source's alias, without x
   * and the joins to rounds, teams and orgs: a figure counted from the records
   * (people_accountable: distinct people) reads it, through an index, where no
   * filter reads the joins and the user's condition holds for every record
   * (vis_whole: the same rows). NULL: always from. */
  const char *rec_bare;
} msource;

typedef enum mkind {
  MK_COUNT,    /* count(*) of the rows */
  MK_DISTINCT, /* distinct rows of expr (a column or a column list, never NULL):
                * SELECT count(*) FROM (SELECT DISTINCT expr ...); drill-down
                * grouped by expr (cols: gcols) */
  MK_SUM_FEN,  /* sum(expr) of integer fen, shown as 元 and 万元 with exact decimals */
  MK_DAYS,     /* days from expr to expr2 per row: count, median, max */
  MK_DIST,     /* count(*) grouped by expr, with labels */
  MK_RATIO,    /* num / den in percent (drill-down: num's records) */
  MK_SUM,      /* sum(expr) of an integer count (e.g. people at feedback meetings) */
} mkind;

typedef struct measure {
  const char *name;  /* "clues_during_patrol" */
  const char *label; /* "巡察期间移交问题线索" */
  const char *unit;  /* "件", "人", "天", "元", "%" */
  const msource *src;
  const char *where; /* extra condition; "@today" stands for today's date (Shanghai) */
  mkind kind;
  const char *expr, *expr2;
  const char *gcols; /* MK_DISTINCT drill-down columns (aggregates over the group) */
  const char *date;  /* column the from/to filters apply to (NULL: not applicable) */
  bool date_is_ts;   /* date is a UTC timestamp (converted from Shanghai dates) */
  const char *const *labels; /* MK_DIST: {code, label, code, label, ..., NULL} */
  const char *num, *den;     /* MK_RATIO: measure names */
  /* (issue 15, migration 034) MK_DAYS: the day-count histogram of the records
   * counted (one row per visibility group and day count, under the source's
   * alias: <alias>.days, <alias>.n), as a source of its own whose agg_*
   * fields name the histogram and its rollup; NULL: per record only. */
  const msource *agg_days;
  /* (issue 15) a MK_COUNT with a condition on today ("@today"): where is
   * exactly `agg_all AND NOT (agg_rest)` for every row (agg_rest is never NULL
   * on a row agg_all holds for). agg_all has no condition on today and is
   * answered from the source's aggregate; agg_rest, the rows not (yet)
   * counted, from the records through an index (rect_tasks_overdue: the open
   * tasks minus those whose deadline is today or later). NULL: none. */
  const char *agg_all, *agg_rest;
} measure;

extern const measure measures[];
extern const int nmeasures;

const measure *measure_find(const char *name);
/* Whether filter f narrows measure m (ignored filters are reported). */
bool measure_uses(const measure *m, mfilter f);
/* Whether the user may see any row of m's source: the visibility model's
 * condition for the kind, for its read action and for the report's action,
 * is not empty. */
bool measure_scope_ok(const measure *m, const mscope *s);
/* The label of a MK_DIST code (the code itself when unknown). */
const char *measure_dist_label(const measure *m, const char *code);

/* Builds " FROM <from> WHERE <base> AND <where> AND <filters> AND <scope>"
 * into sql, appending values to p (room for MEASURE_MAXP). today is
 * YYYY-MM-DD (Shanghai). Returns 0, or -1 if a filter value is invalid (err
 * names the filter). */
enum { MEASURE_MAXP = 24 + 5 * VIS_MAXP }; /* filters, two scopes, papers, two related records */
int measure_from_where(const measure *m, const mfilters *f, const mscope *s, const char *today,
                       buf *sql, sval *p, int *np);

/* Appends " ORDER BY <m's drill-down order>" to sql with the NULLs placed as SQLite
 * places them (first: every term of a source's order is ascending), so that both
 * backends list a drill-down or a ledger in one order (PostgreSQL puts NULLs last). */
void measure_order_by(const measure *m, buf *sql);

/* Working papers (fields such as a problem's found_on that the record's GET
 * shows only to holders of the kind's papers action on the row): appends a
 * 0/1 SQL expression "may this user see the papers of this row" to sql,
 * parameters from p[*np]. Returns 1 if appended, 0 if the source has no
 * such fields (or no user), -1 if it does not fit. */
int measure_papers_expr(const measure *m, const mscope *s, buf *sql, sval *p, int *np);
/* Whether a drill-down column name or ledger column ("pr.found_on") is a
 * working-paper field of m's source. */
bool measure_paper_field(const measure *m, const char *name);

#endif
