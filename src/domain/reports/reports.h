/*
 * reports.h — what the statistics, ledger, letter and import handlers
 * (domain/reports/stats.c, domain/reports/summary.c, domain/reports/ledgers.c, domain/reports/documents.c, api/imports.c)
 * share.
 */
#ifndef XUNJI_API_REPORTS_H
#define XUNJI_API_REPORTS_H

#include "api/api.h"
#include "core/measures.h"

/* Reads the statistics filters (round_id, campaign, ...) from the query
 * string; extra names other accepted arguments. Replies 400 on a bad one. */
/* The measures' filters of the query string into f, with the route's extra
 * declared arguments (read them with req_arg once this returned 0) and, with
 * paging, page/per_page. 0 or the 400 reply (core/args.h). */
int reports_filters(req *r, mfilters *f, const arg_decl *extra, int nextra, bool paging);
/* The scope of a report for the user and the report's action a (stats.read,
 * ledger.export): a thin caller of the visibility model, which narrows each
 * source by its record kind's declaration (measure_from_where). Returns 0. */
int reports_scope(req *r, action_id a, mscope *s);
/* Answers a download: body taken (malloc'd), file names for
 * Content-Disposition (ascii fallback and UTF-8 name). */
int reports_attachment(req *r, char *body, size_t len, const char *ctype, const char *ascii_name,
                       const char *utf8_name);

/* If the body carries "xlsx" (the file, base64), reads its first sheet and
 * replaces it by "csv" (one line per sheet row, so row numbers are kept).
 * Returns 0 or the reply status (400 for an unreadable file). */
int imports_xlsx_as_csv(req *r);

int h_stats(req *r);
int h_stats_measures(req *r);
int h_stats_records(req *r);
int h_stats_groups(req *r);
int h_summary_pdf(req *r);
int h_summary_xlsx(req *r);
int h_ledgers_list(req *r);
int h_ledger_export(req *r);
int h_documents_list(req *r);
int h_documents_issue(req *r);
int h_documents_get(req *r);
int h_documents_pdf(req *r);
int h_team_targets_import(req *r);
int h_orgs_import(req *r); /* domain/programme/units.c */
int h_export_records(req *r); /* domain/reports/listexport.c */
int h_export_stats(req *r);
int h_print_audit(req *r);

#endif
