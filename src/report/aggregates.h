/*
 * aggregates.h — statistics from maintained aggregates (issue 15).
 *
 * A source of core/measures.c may name an aggregate table (migration 021:
 * agg_problems), kept by triggers in the same transaction as every write
 * that changes it, one row per visibility dimension (round, team, unit,
 * month, state, handed). A measure of that source is answered by
 * summing the rows the user's scope covers: O(groups), not O(records).
 * Who may count which group is the visibility model's own declaration of
 * the kind (core/visibility.h), applied to the aggregate's columns of the
 * same names; only the commission's `handed` rule, a sub-select over the
 * report's copies in the declaration, is the aggregate's materialized
 * `handed` column. The drill-down stays on the records, with the same
 * FROM + WHERE as the figure: stats --verify and test_visibility_oracle
 * check that both agree.
 */
#ifndef XUNJI_AGGREGATES_H
#define XUNJI_AGGREGATES_H

#include <stdio.h>

#include "report/stats.h"

/* A measure rewritten over its source's aggregate. Self-contained (points
 * into itself): fill in place, do not copy. */
typedef struct agg_plan {
  measure m;
  msource src;
  vis_kind vis;
  mfilters f;
  stats_ctx c;
  char what[256];  /* the value: "coalesce(sum(pr.n),0)" or the sum */
  char from_m[8], to_m[8];
} agg_plan;

/* Whether m (MK_COUNT, MK_SUM, MK_SUM_FEN) can be answered from its
 * source's aggregate under c's filters; if so fills p. Not: no aggregate,
 * a condition on today, a date range that is not whole months, or a kind
 * whose declaration the aggregate does not carry (parents, owners, desks).
 * XUNJI_STATS_NO_AGG=1 in the environment turns it off (measurements of the
 * record scan, bench/). */
bool agg_plan_for(const stats_ctx *c, const measure *m, agg_plan *p);

/* `xunji stats --verify`: recomputes every aggregate row and every figure
 * answered from an aggregate (whole scope, no filters) from the records, and
 * compares. Prints each disagreement (the figure's name, the group) to out.
 * Returns the number of disagreements, <0 on a store error. */
int agg_verify(store_tx *tx, FILE *out);

/* The list of aggregate tables (aggregates.c), in rebuild order (a rollup
 * after its source): count and i-th name (NULL past the end). */
size_t agg_table_count(void);
const char *agg_table_name(size_t i);
/* The bulk path (`xunji bench-seed`, cli/cmd_bench.c): empties the
 * aggregate table `name` of the list and recomputes its rows from the
 * records, in tx (the transaction that wrote the records with the aggregate
 * triggers dropped) -- the same definitions agg_verify checks. 1 when name
 * is not on the list, <0 on a store error. agg_rebuild_all: every table, in
 * list order. */
int agg_rebuild_table(store_tx *tx, const char *name);
int agg_rebuild_all(store_tx *tx);
/* The aggregate table of the list that a trigger named "<table>_..."
 * maintains (the longest such name), or NULL. */
const char *agg_table_of(const char *trigger);

#endif
