/*
 * summary.c — GET /api/v1/stats/summary.pdf and /stats/summary.xlsx: the
 * summary report (汇总报告) of a round or a campaign for the statistics
 * filters, in the user's statistics scope (the same figures GET /stats
 * answers). Built by report/summary.c; every export is audited before the
 * bytes leave.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/reports/reports.h"
#include "report/summary.h"
#include "util/text.h"

/* The model for the request's filters and scope; 0 or the reply status. */
static int model_of(req *r, mfilters *f, json_t **model) {
  mscope s;
  if (reports_filters(r, f, NULL) || reports_scope(r, A_STATS_READ, &s)) return r->status;
  stats_ctx c;
  stats_ctx_init(&c, f, &s, &r->who);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  rc = summary_build(tx, &c, model);
  store_rollback(tx);
  return rc ? api_store_error(r, rc, NULL) : 0;
}

/* Audits the export (format, filters); 0 or the reply status. */
static int audited(req *r, const mfilters *f, const char *format) {
  json_t *fj = json_object();
  for (int i = 0; i < MF__MAX; i++)
    if (f->v[i]) json_object_set_new(fj, mfilter_names[i], json_string(f->v[i]));
  json_t *d = json_pack("{s:s,s:o}", "format", format, "filters", fj);
  store_tx *w;
  int rc = store_write(r->app->db, &w);
  if (!rc) rc = api_audit(r, w, "summary.export", "summary", NULL, "ok", d);
  json_decref(d);
  if (!rc) rc = api_commit(r, w);
  else if (w) store_rollback(w);
  if (rc) return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  return 0;
}

static void file_name(const json_t *model, const char *ext, char out[700]) {
  snprintf(out, 700, "%s-%s.%s", json_string_value(json_object_get(model, "title")),
           json_string_value(json_object_get(model, "as_of")), ext);
}

int h_summary_pdf(req *r) {
  mfilters f;
  json_t *model = NULL;
  if (model_of(r, &f, &model)) return r->status;
  buf pdf;
  buf_init(&pdf, 32u << 20);
  char err[300] = "PDF 超出大小上限", name[700];
  if (summary_pdf(model, &pdf, err, sizeof err) || buf_failed(&pdf)) {
    buf_free(&pdf);
    json_decref(model);
    fprintf(stderr, "xunji: %s %s\n", r->id, err);
    return api_error(r, 500, "internal", "", "生成汇总报告失败 (请求编号 %s)", r->id);
  }
  file_name(model, "pdf", name);
  json_decref(model);
  if (audited(r, &f, "pdf")) {
    buf_free(&pdf);
    return r->status;
  }
  size_t len = pdf.len;
  return reports_attachment(r, buf_take(&pdf), len, "application/pdf", "summary.pdf", name);
}

int h_summary_xlsx(req *r) {
  mfilters f;
  json_t *model = NULL;
  if (model_of(r, &f, &model)) return r->status;
  char dir[] = "/tmp/xunji-summary-XXXXXX", path[64], err[300] = "", name[700];
  if (!mkdtemp(dir)) {
    json_decref(model);
    return api_error(r, 500, "internal", "", "无法创建临时文件 (请求编号 %s)", r->id);
  }
  snprintf(path, sizeof path, "%s/s.xlsx", dir);
  int rc = summary_xlsx(model, path, err, sizeof err);
  file_name(model, "xlsx", name);
  json_decref(model);
  int fd = rc ? -1 : open(path, O_RDONLY | O_CLOEXEC);
  unlink(path);
  rmdir(dir);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    fprintf(stderr, "xunji: %s 汇总表导出失败: %s\n", r->id, err);
    return api_error(r, 500, "internal", "", "汇总表导出失败 (请求编号 %s)", r->id);
  }
  if (audited(r, &f, "xlsx")) {
    close(fd);
    return r->status;
  }
  reports_attachment(r, NULL, 0, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "summary.xlsx", name);
  r->rawfd = fd;
  r->rawfd_size = (size_t)st.st_size;
  return 200;
}
