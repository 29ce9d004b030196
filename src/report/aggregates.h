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

/* Which table of a source answers: the detail table (migrations 021, 023,
 * 025, 034), its rollup summed over the month, its rollup summed over the
 * round, the team and the month (035: by unit alone), or its rollup summed over
 * the unit and the month (024, 025), from the finest to the coarsest a user
 * whose scope covers whole teams can use. */
typedef enum agg_level { AGG_DETAIL, AGG_BY_UNIT, AGG_UNITS, AGG_BY_TEAM } agg_level;

/* A measure rewritten over its source's aggregate. Self-contained (points
 * into itself): fill in place, do not copy. */
typedef struct agg_plan {
  measure m;
  msource src;
  vis_kind vis;
  mfilters f;
  stats_ctx c;
  char what[256];  /* the value: "coalesce(sum(pr.n),0)" or the sum */
  char days[32];   /* MK_DAYS (034): the histogram's day count column ("c.days") */
  char from_m[8], to_m[8];
  agg_level level; /* the table that answers */
} agg_plan;

/* Whether m (MK_COUNT, MK_SUM, MK_SUM_FEN, MK_DIST; MK_DAYS from its
 * histogram m->agg_days, without the measure's own conditions, which the
 * histogram's rows already satisfy) can be answered from its
 * source's aggregate under c's filters; if so fills p. Not: no aggregate,
 * a condition on today, a date range that is not whole months, or a kind
 * whose declaration the aggregate does not carry (parents, owners, desks).
 * XUNJI_STATS_NO_AGG=1 in the environment turns it off (measurements of the
 * record scan, bench/). */
bool agg_plan_for(const stats_ctx *c, const measure *m, agg_plan *p);
/* The same for m grouped by `by` (a group chart; MF__MAX: not grouped), from
 * the coarsest table that can answer: where the user's scope covers whole
 * teams (no rule by unit on the kind) and neither a filter nor the grouping
 * reads the unit (or its level) or a date range, the source's rollup by team
 * (agg_roll): O(rounds x teams) rows; where only the unit is needed and
 * neither a filter, the grouping nor a rule of the user on the kind reads the
 * round or the team, its rollup by unit alone (agg_units, 035): O(units); where
 * the unit is needed with them, its rollup by unit (agg_unit, no month); with a
 * date range, the detail table. XUNJI_STATS_NO_ROLLUP=1 turns the rollups off,
 * XUNJI_STATS_NO_UNITS=1 the rollups by unit alone. */
bool agg_plan_by(const stats_ctx *c, const measure *m, mfilter by, agg_plan *p);

/* The aggregate tables (detail tables before their rollups; the list
 * scripts/gen_aggregates.py generates), by index (NULL past the end). A bulk
 * load that drops the aggregates' triggers rebuilds them afterwards with
 * agg_rebuild_all (every table, in this order) or agg_rebuild_table: DELETE
 * and INSERT ... SELECT of the rows recomputed from the records (a rollup:
 * from its detail table). 0, 1 if no such table, <0 on a store error. */
size_t agg_table_count(void);
const char *agg_table_name(size_t i);
int agg_rebuild_table(store_tx *tx, const char *name);
int agg_rebuild_all(store_tx *tx);

/* `xunji stats --verify`: recomputes every aggregate row and every figure
 * answered from an aggregate (whole scope, no filters) from the records, and
 * compares. Prints each disagreement (the figure's name, the group) to out.
 * Returns the number of disagreements, <0 on a store error. */
int agg_verify(store_tx *tx, FILE *out);

/* The aggregate table of the list that a trigger named "<table>_..."
 * maintains (the longest such name), or NULL. */
const char *agg_table_of(const char *trigger);

#endif
