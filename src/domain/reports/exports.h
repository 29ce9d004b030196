/*
 * exports.h — the statistics, ledgers, summary report and letters as
 * services (issue 14, item 3): one function per operation, called by the
 * HTTP handlers (domain/reports/stats.c, ledgers.c, summary.c,
 * documents.c) and by `xunji stats` / `xunji export` alike. The caller
 * decides the scope (the request's user: reports_scope; the shell: every
 * record) and builds the stats_ctx; the services read, render and audit.
 * Each export is audited before the bytes leave, with the same detail from
 * both sides (ids, names and codes: the ledger, its rows and filters; the
 * summary's format and filters; the letter's 文号).
 */
#ifndef XUNJI_EXPORTS_H
#define XUNJI_EXPORTS_H

#include "api/service.h"
#include "report/stats.h"
#include "report/xlsx.h"
#include "util/buf.h"

/* The filters as a JSON object (name -> value), for audit details. */
json_t *exports_filters_json(const mfilters *f);

/* One measure (m) or all of them (m NULL) for c: stats_value / stats_all. */
int svc_stats(app *a, svc_actor *ac, const stats_ctx *c, const measure *m, json_t **out, xres *x);
/* The records measure m counts ({items, total}), narrowed to key when given. */
int svc_stats_records(app *a, svc_actor *ac, const stats_ctx *c, const measure *m, const char *key,
                      int64_t limit, int64_t offset, json_t **out, xres *x);
/* Writes ledger l for c to path (.xlsx) and audits "ledger.export"
 * {ledger, rows, filters}; *rows gets the row count. */
int svc_ledger_export(app *a, svc_actor *ac, const ledger *l, const stats_ctx *c, const char *path,
                      int64_t *rows, xres *x);
/* The summary report for c: as .xlsx written to xlsx_path, or (xlsx_path
 * NULL) as PDF into pdf; audits "summary.export" {format, filters}. *model
 * (if given) gets the model (title, as_of, ...) for naming the file. */
int svc_summary_export(app *a, svc_actor *ac, const stats_ctx *c, const char *xlsx_path, buf *pdf,
                       json_t **model, xres *x);
/* Renders the issued document doc ({docno, content (object), ...}) with id
 * as PDF into pdf and audits "document.download" {docno}. */
int svc_letter_pdf(app *a, svc_actor *ac, const char *id, const json_t *doc, buf *pdf, xres *x);

#endif
