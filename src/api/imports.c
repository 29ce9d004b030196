/*
 * imports.c — imports from spreadsheets (see api/imports.h): an .xlsx file
 * is read with report/xlsx_read.c and turned into the CSV the imports
 * validate, one line per sheet row so that an error names the row the user
 * sees; and the import of a team's targets (e.g. the 160 villages of a
 * special patrol) from a sheet of unit names, validated row by row and then
 * created all-or-nothing by svc_targets_bulk. The HTTP handlers take the
 * file as base64 in the JSON body ("xlsx") or the CSV text ("csv"); the CLI
 * reads the file and calls the same services.
 */
#include "api/imports.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"
#include "domain/reports/reports.h"
#include "report/xlsx.h"
#include "util/xmem.h"

enum { XLSX_MAX_BYTES = IMPORT_XLSX_MAX_BYTES, IMPORT_MAX_ROWS = 5001, TARGETS_MAX = 1000 };

static unsigned char *b64_decode(const char *s, size_t *n) {
  size_t L = strlen(s);
  if (L == 0 || L % 4 || L / 4 * 3 > XLSX_MAX_BYTES) return NULL;
  unsigned char *out = xmalloc(L / 4 * 3 + 1);
  int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)L);
  if (got < 0) {
    free(out);
    return NULL;
  }
  /* EVP_DecodeBlock counts the padding as bytes */
  size_t k = (size_t)got;
  if (L >= 1 && s[L - 1] == '=') k--;
  if (L >= 2 && s[L - 2] == '=') k--;
  *n = k;
  return out;
}

int imports_xlsx_csv(const void *bytes, size_t n, char **csv, xres *x) {
  char err[300];
  json_t *rows = xlsx_read(bytes, n, IMPORT_MAX_ROWS, err, sizeof err);
  if (!rows) return xres_err(x, 400, "invalid_file", "xlsx", "无法读取 .xlsx: %s", err);
  buf b;
  buf_init(&b, 4u << 20);
  int e = 0;
  size_t i, k;
  json_t *row, *cell;
  json_array_foreach(rows, i, row) {
    json_array_foreach(row, k, cell) {
      if (k) e |= buf_adds(&b, ",");
      e |= buf_adds(&b, "\"");
      for (const char *c = json_string_value(cell); c && *c && !e; c++) {
        if (*c == '"') e |= buf_adds(&b, "\"\"");
        else if (*c == '\n' || *c == '\r') e |= buf_adds(&b, " "); /* one line per row */
        else e |= buf_add(&b, c, 1);
      }
      e |= buf_adds(&b, "\"");
    }
    e |= buf_adds(&b, "\n");
  }
  json_decref(rows);
  if (e) {
    buf_free(&b);
    return xres_err(x, 413, "too_large", "xlsx", "表格内容过大");
  }
  *csv = b.len ? buf_take(&b) : (buf_free(&b), xstrdup(""));
  return 0;
}

int imports_xlsx_as_csv(req *r) {
  json_t *j = r->in ? json_object_get(r->in, "xlsx") : NULL;
  if (!j) return 0;
  if (json_object_get(r->in, "csv"))
    return api_error(r, 400, "invalid_field", "xlsx", "「csv」与「xlsx」只能提供其一");
  if (!json_is_string(j))
    return api_error(r, 400, "invalid_field", "xlsx", "「xlsx」应为 base64 编码的文件内容");
  size_t n = 0;
  unsigned char *bytes = b64_decode(json_string_value(j), &n);
  if (!bytes)
    return api_error(r, 400, "invalid_field", "xlsx", "「xlsx」不是有效的 base64 文本或文件超过 %d MB",
                     XLSX_MAX_BYTES >> 20);
  xres x = XRES_INIT;
  char *csv = NULL;
  int rc = imports_xlsx_csv(bytes, n, &csv, &x);
  free(bytes);
  if (rc) return api_xres(r, &x);
  json_object_del(r->in, "xlsx");
  json_object_set_new(r->in, "csv", json_string(csv));
  free(csv);
  return 0;
}

/* ---- targets from a sheet ---------------------------------------------------------- */
static void row_err(json_t *errs, int row, const char *msg) {
  json_array_append_new(errs, json_pack("{s:i,s:s}", "row", row, "message", msg));
}

int svc_targets_import(app *a, svc_actor *ac, const char *team, json_t *in, json_t **out, xres *x) {
  static const field f[] = {
      {.name = "csv", .label = "CSV 文本", .type = FT_MEMO, .flags = F_REQUIRED | F_VERBATIM,
       .max = 2000000},
      {.name = "mobilization_date", .label = "动员会日期", .type = FT_DATE},
      {.name = "entry_date", .label = "进驻日期", .type = FT_DATE},
      {.name = "withdrawal_date", .label = "撤离日期", .type = FT_DATE},
      {.name = "report_date", .label = "汇报日期", .type = FT_DATE},
      {.name = "feedback_date", .label = "反馈日期", .type = FT_DATE},
  };
  verr ve;
  if (!in) return xres_err(x, 400, "missing_field", "csv", "缺少「CSV 文本」");
  if (!fields_validate(in, f, NF(f), false, &ve)) return xres_verr(x, &ve);
  char *text = xstrdup(prog_js(in, "csv"));
  json_t *units = json_array(), *rowsof = json_array(), *errs = json_array(), *unknown = json_array();
  int col = -1, header = 1, lineno = 0, rc = 0;
  store_tx *tx = NULL;
  rc = store_read(a->db, &tx);
  for (char *cur = text; !rc;) {
    char *cells[16];
    int nc = prog_csv_line(&cur, &lineno, cells, 16);
    if (nc == PROG_CSV_END) break;
    if (nc < 0) {
      row_err(errs, lineno, "引号不匹配或列数过多");
      if (header) break;
      continue;
    }
    if (nc == 0) continue; /* empty rows are skipped, as a spreadsheet user expects */
    if (header) {
      for (int i = 0; i < nc; i++)
        if (!strcmp(cells[i], "被巡察单位") || !strcmp(cells[i], "单位")) col = i;
      if (col < 0) row_err(errs, lineno, "缺少「被巡察单位」列");
      header = 0;
    } else if (json_array_size(units) >= TARGETS_MAX) {
      row_err(errs, lineno, "一次最多导入 1000 个巡察对象");
    } else {
      const char *v = col < nc ? cells[col] : "";
      char *id = NULL;
      char msg[600];
      if (!*v) {
        row_err(errs, lineno, "「被巡察单位」为空");
      } else {
        sval q[] = {SV_S(v)};
        rc = store_query_text(tx, "SELECT id FROM orgs WHERE (name=$1 OR id=$1) AND kind='unit'", q,
                              1, &id);
        if (!rc && !id) {
          snprintf(msg, sizeof msg, "被巡察单位「%s」尚未登记: 巡察办可在「组织机构」中新增或批量导入该单位", v);
          utf8_fix_end(msg);
          row_err(errs, lineno, msg);
          json_array_append_new(unknown, json_string(v));
        }
        if (id) {
          json_array_append_new(units, json_string(id));
          json_array_append_new(rowsof, json_integer(lineno));
        }
        free(id);
      }
    }
    for (int i = 0; i < nc; i++) free(cells[i]);
    if (col < 0 && json_array_size(errs)) break;
  }
  free(text);
  if (!rc && !json_array_size(errs) && !json_array_size(units))
    row_err(errs, lineno ? lineno : 1, "没有数据行");
  if (rc || json_array_size(errs)) {
    json_decref(units);
    json_decref(rowsof);
    if (rc) {
      json_decref(errs);
      json_decref(unknown);
      return svc_fail(tx, ac, rc, x);
    }
    if (tx) store_rollback(tx);
    json_t *first = json_array_get(errs, 0);
    xres_err(x, 400, "invalid_rows", "csv", "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s",
             json_array_size(errs), (long long)json_integer_value(json_object_get(first, "row")),
             prog_js(first, "message"));
    xres_put(x, "rows", errs);
    /* units not yet registered: the office registers them (one by one or
     * in bulk under their township) and imports the sheet again */
    if (json_array_size(unknown)) {
      xres_put(x, "unknown_units", unknown);
      xres_put(x, "create_with", json_string("/api/v1/orgs/import"));
    } else {
      json_decref(unknown);
    }
    return x->status;
  }
  if (tx) store_rollback(tx);
  json_decref(errs);
  json_decref(unknown);
  /* the bulk service: the same checks (duplicates, already a target,
   * recusal), the same all-or-nothing transaction and audit */
  json_t *dates = json_deep_copy(in);
  json_object_del(dates, "csv");
  int st = svc_targets_bulk(a, ac, team, units, dates, out, x);
  json_decref(dates);
  json_decref(units);
  json_t *rows = x->extra ? json_object_get(x->extra, "rows") : NULL;
  if (st && json_is_array(rows) && json_array_size(rows)) {
    size_t i;
    json_t *it;
    json_array_foreach(rows, i, it) {
      json_t *ix = json_object_get(it, "index");
      if (json_is_integer(ix))
        json_object_set(it, "row", json_array_get(rowsof, (size_t)json_integer_value(ix)));
    }
    json_t *first = json_array_get(rows, 0);
    char code[sizeof x->code], fld[sizeof x->field];
    memcpy(code, x->code, sizeof code);
    memcpy(fld, x->field, sizeof fld);
    xres_err(x, x->status, code, fld, "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s",
             json_array_size(rows), (long long)json_integer_value(json_object_get(first, "row")),
             prog_js(first, "message"));
  }
  json_decref(rowsof);
  return st;
}

int h_team_targets_import(req *r) {
  if (imports_xlsx_as_csv(r)) return r->status;
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *out = NULL;
  int rc = svc_targets_import(r->app, &ac, r->params[0], r->in ? r->in : (r->in = json_object()), &out,
                              &x);
  api_actor_end(r, &ac);
  return rc ? api_xres(r, &x) : api_ok(r, 201, out);
}
