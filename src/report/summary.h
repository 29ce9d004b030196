/*
 * summary.h — the summary report (汇总报告) of a round or a campaign: the
 * figures of GET /api/v1/stats for a filter and scope, grouped by the kind
 * of record they count, as a PDF with charts (summary_pdf.c) and as an
 * .xlsx (summary.c). Nothing is recomputed here: the figures are those of
 * stats_all (report/stats.c) over the measures table (core/measures.c).
 */
#ifndef XUNJI_SUMMARY_H
#define XUNJI_SUMMARY_H

#include <jansson.h>

#include "report/stats.h"
#include "store/store.h"
#include "util/buf.h"

/* The name of the measure drawn as a pie as well, when the table has it. */
#define SUMMARY_PIE_MEASURE "four_forms"

/* Builds the report model for the filters and scope of c:
 *   {title, as_of, filters:[{label,value}],
 *    groups:[{label, measures:[{name,label,unit,kind,value,text,note,number}]}],
 *    dists:[{name,label,unit,total,by:[{code,label,n}]}], pie: a dist or null,
 *    stats: the stats_all object itself}
 * text is the value as shown, note what goes with it (万元, longest, count),
 * number the value as a number (null when there is none). Returns 0 or a
 * store error. */
int summary_build(store_tx *tx, const stats_ctx *c, json_t **out);

/* Renders the model as an A4 PDF with a bar chart per distribution and the
 * pie. Returns 0, or -1 with a reason in err. */
int summary_pdf(const json_t *model, buf *out, char *err, size_t errlen);

/* Writes the model as .xlsx to path: sheet 「统计指标」 (分类, 指标, 数值, 单位,
 * 说明, 指标代码) and one sheet per distribution (分类, 数量, 占比). Returns 0,
 * or -1 with a reason in err. */
int summary_xlsx(const json_t *model, const char *path, char *err, size_t errlen);

#endif
