/*
 * stats.h — runs the measures of core/measures.h on the store: the value of
 * each figure and the records behind it. Shared by the API (domain/reports/stats.c) and
 * the shell (`xunji stats`).
 */
#ifndef XUNJI_STATS_H
#define XUNJI_STATS_H

#include <jansson.h>

#include "core/measures.h"
#include "core/roles.h"
#include "store/store.h"

typedef struct stats_ctx {
  const mfilters *f;     /* checked with mfilters_check */
  const mscope *scope;
  const principal *who;  /* NULL: the shell, sees every measure */
  char today[11];        /* YYYY-MM-DD, Shanghai */
  const char *cursor;    /* drill-down: the `next` of the previous page (checked with
                          * stats_cursor_ok), NULL: by offset */
} stats_ctx;

/* Fills today and a full scope (for the shell). */
void stats_ctx_init(stats_ctx *c, const mfilters *f, const mscope *s, const principal *who);
/* Whether the user may see measure m (the visibility model reaches some of
 * its records for the user: measure_scope_ok). */
bool stats_visible(const stats_ctx *c, const measure *m);
/* A duration figure (MK_DAYS): how many records, the exact median, the
 * shortest and longest (days; meaningless when count is 0). */
typedef struct mdays {
  int64_t count, min, max;
  double median;
} mdays;
struct agg_plan;
/* m's durations under c: from the histogram of plan p (report/aggregates.h
 * agg_plan_for), or per record when p is NULL. 0 or a store error. */
int stats_days(store_tx *tx, const stats_ctx *c, const measure *m, const struct agg_plan *p,
               mdays *out);
/* The count of MK_COUNT m under c, from the aggregates where they answer it
 * (m->agg_all/agg_rest: the aggregate's count minus the records not counted),
 * else from the records (what: "count(*)"). 0 or a store error. */
int stats_count(store_tx *tx, const stats_ctx *c, const measure *m, int64_t *v);

/* {name,label,unit,kind,value,...,ignored_filters} of one measure. */
int stats_value(store_tx *tx, const stats_ctx *c, const measure *m, json_t **out);
/* {filters, measures:[...]} of every visible measure. */
int stats_all(store_tx *tx, const stats_ctx *c, json_t **out);
/* Whether cursor is a `next` that m's drill-down gave (keyset paging: the
 * drill-down order's values of the last row, as hex of a JSON array). */
bool stats_cursor_ok(const measure *m, const char *cursor);
/* The records counted by m (for MK_DIST narrowed to key when given; for
 * MK_RATIO the numerator's), paged: {measure,label,total,items,next}; next
 * (a cursor, or null on the last page) continues after the last item in
 * the drill-down's order (c->cursor, then offset is ignored); for
 * MK_DISTINCT (grouped per person) next is always null: paged by offset. */
int stats_records(store_tx *tx, const stats_ctx *c, const measure *m, const char *key,
                  int64_t limit, int64_t offset, json_t **out);
/* The value of m for each round, team or unit (dim MF_ROUND, MF_TEAM or
 * MF_UNIT) that has records under the filters: {measure,label,unit,by,
 * groups:[{id,group,value,...}]}. Returns 1 if m's records have no such
 * column, 2 if there are more than 1000 groups, <0 on a store error. */
int stats_groups(store_tx *tx, const stats_ctx *c, const measure *m, mfilter dim, json_t **out);
/* Exact decimal text of fen as 元 ("12.38") and as 万元 ("0.001238"). */
void fen_yuan(int64_t fen, char out[32]);
void fen_wan(int64_t fen, char out[40]);

#endif
