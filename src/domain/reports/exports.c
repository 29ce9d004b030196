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
  /* each download is one more copy: its 份号 is taken, the PDF rendered and
   * the download audited in one transaction, committed before the bytes
   * leave (a failed render or audit spends no number) */
  store_tx *tx = NULL;
  int rc = store_write(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  sval p[] = {SV_S(id)};
  int64_t copy = 0;
  rc = store_query_int(tx, "UPDATE documents SET copies = copies + 1 WHERE id=$1 RETURNING copies", p, 1,
                       &copy);
  if (rc) return svc_fail(tx, ac, rc, x);
  if (copy < 1 || copy > 999999) {
    store_rollback(tx);
    return xres_err(x, 409, "copies_exhausted", "", "该公文份数已达上限 (999999 份)");
  }
  char copy_no[8];
  snprintf(copy_no, sizeof copy_no, "%06lld", (long long)copy);
  json_t *content = json_deep_copy(json_object_get(doc, "content"));
  if (json_is_object(content)) json_object_set_new(content, "copy_no", json_string(copy_no));
  char err[300] = "PDF 超出大小上限";
  if (!content || pdf_letter(content, pdf, err, sizeof err) || buf_failed(pdf)) {
    json_decref(content);
    store_rollback(tx);
    fprintf(stderr, "xunji: %s %s\n", ac->rid, err);
    return xres_err(x, 500, "internal", "", "生成 PDF 失败 (请求编号 %s)", ac->rid);
  }
  json_decref(content);
  /* the download is an export: audited before the bytes leave */
  json_t *d = json_pack("{s:s?,s:I}", "docno", json_string_value(json_object_get(doc, "docno")), "copy",
                        (json_int_t)copy);
  rc = svc_audit(a, tx, ac, "document.download", "document", id, "ok", d, NULL);
  json_decref(d);
  if (rc) return svc_fail(tx, ac, rc, x);
  return svc_commit(a, tx, ac, x) ? x->status : 0;
}
