/*
 * ledgers.c — GET /api/v1/ledgers and /ledgers/{name}: a ledger (台账) as
 * .xlsx for the same filters and scope as the statistics. The workbook is
 * streamed by libxlsxwriter into a private temporary file, which is
 * unlinked at once and sent from its descriptor: memory stays flat. Every
 * export is audited before the bytes leave.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "report/xlsx.h"
#include "util/text.h"

int h_ledgers_list(req *r) {
  mscope s;
  if (reports_scope(r, A_LEDGER_EXPORT, &s)) return r->status;
  mfilters f = {0};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  json_t *a = json_array();
  for (int i = 0; i < nledgers; i++) {
    const measure *m = measure_find(ledgers[i].measure);
    if (!m || !stats_visible(&c, m)) continue;
    json_t *cols = json_array();
    for (int k = 0; k < ledgers[i].ncols; k++)
      json_array_append_new(cols, json_string(ledgers[i].cols[k].header));
    json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o}", "name", ledgers[i].name, "label",
                                       ledgers[i].label, "measure", m->name, "columns", cols));
  }
  return api_ok(r, 200, json_pack("{s:o}", "items", a));
}

int h_ledger_export(req *r) {
  const ledger *l = ledger_find(r->params[0]);
  if (!l) return api_error(r, 404, "not_found", "", "台账不存在");
  mfilters f;
  mscope s;
  if (reports_filters(r, &f, NULL, 0, false) || reports_scope(r, A_LEDGER_EXPORT, &s)) return r->status;
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, &r->who);
  const measure *m = measure_find(l->measure);
  if (!m || !stats_visible(&c, m)) return api_deny(r, m ? m->src->vis->read : A_LEDGER_EXPORT, "ledger", NULL, 0);
  char dir[] = "/tmp/xunji-ledger-XXXXXX";
  if (!mkdtemp(dir)) return api_error(r, 500, "internal", "", "无法创建临时文件 (请求编号 %s)", r->id);
  char path[64];
  snprintf(path, sizeof path, "%s/l.xlsx", dir);
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  int64_t rows = 0;
  int rc = svc_ledger_export(r->app, &ac, l, &c, path, &rows, &x); /* written and audited */
  api_actor_end(r, &ac);
  int fd = rc ? -1 : open(path, O_RDONLY | O_CLOEXEC);
  unlink(path);
  rmdir(dir);
  struct stat st;
  if (rc || fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    if (!rc) xres_err(&x, 500, "internal", "", "台账导出失败 (请求编号 %s)", r->id);
    return api_xres(r, &x);
  }
  char name[300], today[11];
  date_format(date_today_shanghai(), today);
  snprintf(name, sizeof name, "%s-%s.xlsx", l->label, today);
  reports_attachment(r, NULL, 0, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "ledger.xlsx", name);
  r->rawfd = fd;
  r->rawfd_size = (size_t)st.st_size;
  return 200;
}
