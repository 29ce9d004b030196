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

#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "report/summary.h"
#include "util/text.h"

static void file_name(const json_t *model, const char *ext, char out[700]) {
  snprintf(out, 700, "%s-%s.%s", json_string_value(json_object_get(model, "title")),
           json_string_value(json_object_get(model, "as_of")), ext);
}

/* The summary for the request's filters and scope, rendered and audited by
 * the service (xlsx_path NULL: PDF into pdf); 0 or the reply status. */
static int export_for(req *r, const char *xlsx_path, buf *pdf, json_t **model) {
  mfilters f;
  mscope s;
  if (reports_filters(r, &f, NULL, 0, false) || reports_scope(r, A_STATS_READ, &s)) return r->status;
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  int rc = svc_summary_export(r->app, &ac, &c, xlsx_path, pdf, model, &x);
  api_actor_end(r, &ac);
  return rc ? api_xres(r, &x) : 0;
}

int h_summary_pdf(req *r) {
  json_t *model = NULL;
  buf pdf;
  buf_init(&pdf, 32u << 20);
  if (export_for(r, NULL, &pdf, &model)) {
    buf_free(&pdf);
    return r->status;
  }
  char name[700];
  file_name(model, "pdf", name);
  json_decref(model);
  size_t len = pdf.len;
  return reports_attachment(r, buf_take(&pdf), len, "application/pdf", "summary.pdf", name);
}

int h_summary_xlsx(req *r) {
  json_t *model = NULL;
  char dir[] = "/tmp/xunji-summary-XXXXXX", path[64], name[700];
  if (!mkdtemp(dir)) return api_error(r, 500, "internal", "", "无法创建临时文件 (请求编号 %s)", r->id);
  snprintf(path, sizeof path, "%s/s.xlsx", dir);
  int rc = export_for(r, path, NULL, &model);
  int fd = rc ? -1 : open(path, O_RDONLY | O_CLOEXEC);
  unlink(path);
  rmdir(dir);
  if (rc) return r->status;
  file_name(model, "xlsx", name);
  json_decref(model);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    return api_error(r, 500, "internal", "", "汇总表导出失败 (请求编号 %s)", r->id);
  }
  reports_attachment(r, NULL, 0, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "summary.xlsx", name);
  r->rawfd = fd;
  r->rawfd_size = (size_t)st.st_size;
  return 200;
}
