/*
 * exports.c — statistics, ledgers, the summary report and letters as
 * services, for the HTTP handlers and the CLI. See exports.h.
 */
#include "domain/reports/exports.h"

#include <stdio.h>
#include <string.h>

#include "report/pdf.h"
#include "report/summary.h"

json_t *exports_filters_json(const mfilters *f) {
  json_t *fj = json_object();
  for (int i = 0; f && i < MF__MAX; i++)
    if (f->v[i]) json_object_set_new(fj, mfilter_names[i], json_string(f->v[i]));
  return fj;
}

int svc_stats(app *a, svc_actor *ac, const stats_ctx *c, const measure *m, json_t **out, xres *x) {
  store_tx *tx;
  int rc = store_read_lagged(a->db, ac->user_id, &tx); /* lag-tolerant (issue 16) */
  if (rc) return svc_fail(NULL, ac, rc, x);
  rc = m ? stats_value(tx, c, m, out) : stats_all(tx, c, out);
  if (rc) return svc_fail(tx, ac, rc < 0 ? rc : STORE_ERR, x);
  store_rollback(tx);
  return 0;
}

int svc_stats_records(app *a, svc_actor *ac, const stats_ctx *c, const measure *m, const char *key,
                      int64_t limit, int64_t offset, json_t **out, xres *x) {
  store_tx *tx;
  int rc = store_read_lagged(a->db, ac->user_id, &tx); /* lag-tolerant (issue 16) */
  if (rc) return svc_fail(NULL, ac, rc, x);
  rc = stats_records(tx, c, m, key, limit, offset, out);
  if (rc) return svc_fail(tx, ac, rc < 0 ? rc : STORE_ERR, x);
  store_rollback(tx);
  return 0;
}

int svc_ledger_export(app *a, svc_actor *ac, const ledger *l, const stats_ctx *c, const char *path,
                      int64_t *rows, xres *x) {
  store_tx *tx;
  int rc = store_read_lagged(a->db, ac->user_id, &tx); /* lag-tolerant (issue 16) */
  if (rc) return svc_fail(NULL, ac, rc, x);
  char err[300] = "";
  *rows = 0;
  rc = ledger_write(tx, l, c, path, rows, err, sizeof err);
  store_rollback(tx);
  if (rc < 0) return svc_fail(NULL, ac, rc, x);
  if (rc) {
    fprintf(stderr, "xunji: %s 台账导出失败: %s\n", ac->rid, err);
    return xres_err(x, 500, "internal", "", "台账导出失败 (请求编号 %s)", ac->rid);
  }
  /* audited: an export of records leaves the system */
  json_t *d = json_pack("{s:s,s:I,s:o}", "ledger", l->name, "rows", (json_int_t)*rows, "filters",
                        exports_filters_json(c->f));
  rc = svc_audit_alone(a, ac, "ledger.export", "ledger", NULL, d, x);
  json_decref(d);
  return rc;
}

int svc_summary_export(app *a, svc_actor *ac, const stats_ctx *c, const char *xlsx_path, buf *pdf,
                       json_t **model, xres *x) {
  store_tx *tx;
  int rc = store_read_lagged(a->db, ac->user_id, &tx); /* lag-tolerant (issue 16) */
  if (rc) return svc_fail(NULL, ac, rc, x);
  json_t *mo = NULL;
  rc = summary_build(tx, c, &mo);
  if (rc) return svc_fail(tx, ac, rc < 0 ? rc : STORE_ERR, x);
  store_rollback(tx);
  char err[300] = "PDF 超出大小上限";
  if (xlsx_path ? summary_xlsx(mo, xlsx_path, err, sizeof err) != 0
                : summary_pdf(mo, pdf, err, sizeof err) != 0 || buf_failed(pdf)) {
    json_decref(mo);
    fprintf(stderr, "xunji: %s %s\n", ac->rid, err);
    return xlsx_path ? xres_err(x, 500, "internal", "", "汇总表导出失败 (请求编号 %s)", ac->rid)
                     : xres_err(x, 500, "internal", "", "生成汇总报告失败 (请求编号 %s)", ac->rid);
  }
  json_t *d = json_pack("{s:s,s:o}", "format", xlsx_path ? "xlsx" : "pdf", "filters",
                        exports_filters_json(c->f));
  rc = svc_audit_alone(a, ac, "summary.export", "summary", NULL, d, x);
  json_decref(d);
  if (!rc && model) *model = mo;
  else json_decref(mo);
  return rc;
}

int svc_letter_pdf(app *a, svc_actor *ac, const char *id, const json_t *doc, buf *pdf, xres *x) {
  char err[300] = "PDF 超出大小上限";
  if (pdf_letter(json_object_get(doc, "content"), pdf, err, sizeof err) || buf_failed(pdf)) {
    fprintf(stderr, "xunji: %s %s\n", ac->rid, err);
    return xres_err(x, 500, "internal", "", "生成 PDF 失败 (请求编号 %s)", ac->rid);
  }
  /* the download is an export: audited before the bytes leave */
  json_t *d = json_pack("{s:s?}", "docno", json_string_value(json_object_get(doc, "docno")));
  int rc = svc_audit_alone(a, ac, "document.download", "document", id, d, x);
  json_decref(d);
  return rc;
}
