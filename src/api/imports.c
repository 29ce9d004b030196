/*
 * imports.c — imports from spreadsheets: an .xlsx upload (base64 in the
 * JSON body) is read with report/xlsx_read.c and turned into the CSV the
 * existing imports validate, one line per sheet row so that an error names
 * the row the user sees; and the import of a team's targets (e.g. the 160
 * villages of a special patrol) from a sheet of unit names, validated row by
 * row and then created all-or-nothing by the bulk-targets handler.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"
#include "domain/reports/reports.h"
#include "report/xlsx.h"
#include "util/xmem.h"

enum { XLSX_MAX_BYTES = 8 << 20, IMPORT_MAX_ROWS = 5001, TARGETS_MAX = 1000 };

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

int imports_xlsx_as_csv(req *r) {
  json_t *x = r->in ? json_object_get(r->in, "xlsx") : NULL;
  if (!x) return 0;
  if (json_object_get(r->in, "csv"))
    return api_error(r, 400, "invalid_field", "xlsx", "「csv」与「xlsx」只能提供其一");
  if (!json_is_string(x))
    return api_error(r, 400, "invalid_field", "xlsx", "「xlsx」应为 base64 编码的文件内容");
  size_t n = 0;
  unsigned char *bytes = b64_decode(json_string_value(x), &n);
  if (!bytes)
    return api_error(r, 400, "invalid_field", "xlsx", "「xlsx」不是有效的 base64 文本或文件超过 %d MB",
                     XLSX_MAX_BYTES >> 20);
  char err[300];
  json_t *rows = xlsx_read(bytes, n, IMPORT_MAX_ROWS, err, sizeof err);
  free(bytes);
  if (!rows) return api_error(r, 400, "invalid_file", "xlsx", "无法读取 .xlsx: %s", err);
  buf csv;
  buf_init(&csv, 4u << 20);
  int e = 0;
  size_t i, k;
  json_t *row, *cell;
  json_array_foreach(rows, i, row) {
    json_array_foreach(row, k, cell) {
      if (k) e |= buf_adds(&csv, ",");
      e |= buf_adds(&csv, "\"");
      for (const char *c = json_string_value(cell); c && *c && !e; c++) {
        if (*c == '"') e |= buf_adds(&csv, "\"\"");
        else if (*c == '\n' || *c == '\r') e |= buf_adds(&csv, " "); /* one line per row */
        else e |= buf_add(&csv, c, 1);
      }
      e |= buf_adds(&csv, "\"");
    }
    e |= buf_adds(&csv, "\n");
  }
  json_decref(rows);
  if (e) {
    buf_free(&csv);
    return api_error(r, 413, "too_large", "xlsx", "表格内容过大");
  }
  json_object_del(r->in, "xlsx");
  json_object_set_new(r->in, "csv", json_string(buf_str(&csv)));
  buf_free(&csv);
  return 0;
}

/* ---- targets from a sheet ---------------------------------------------------------- */
static void row_err(json_t *errs, int row, const char *msg) {
  json_array_append_new(errs, json_pack("{s:i,s:s}", "row", row, "message", msg));
}

int h_team_targets_import(req *r) {
  if (imports_xlsx_as_csv(r)) return r->status;
  static const field f[] = {
      {"csv", "CSV 文本", FT_MEMO, F_REQUIRED | F_VERBATIM, 2000000, 0, NULL},
      {"mobilization_date", "动员会日期", FT_DATE, 0, 0, 0, NULL},
      {"entry_date", "进驻日期", FT_DATE, 0, 0, 0, NULL},
      {"withdrawal_date", "撤离日期", FT_DATE, 0, 0, 0, NULL},
      {"report_date", "汇报日期", FT_DATE, 0, 0, 0, NULL},
      {"feedback_date", "反馈日期", FT_DATE, 0, 0, 0, NULL},
  };
  if (api_body(r, f, NF(f), false)) return r->status;
  char *text = xstrdup(prog_js(r->in, "csv"));
  json_t *units = json_array(), *rowsof = json_array(), *errs = json_array(), *unknown = json_array();
  int col = -1, header = 1, lineno = 0, rc = 0;
  store_tx *tx = NULL;
  rc = store_read(r->app->db, &tx);
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
  if (tx) store_rollback(tx);
  free(text);
  if (!rc && !json_array_size(errs) && !json_array_size(units))
    row_err(errs, lineno ? lineno : 1, "没有数据行");
  if (rc || json_array_size(errs)) {
    json_decref(units);
    json_decref(rowsof);
    if (rc) {
      json_decref(errs);
      json_decref(unknown);
      return api_store_error(r, rc, NULL);
    }
    json_t *first = json_array_get(errs, 0);
    api_error(r, 400, "invalid_rows", "csv", "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s",
              json_array_size(errs), (long long)json_integer_value(json_object_get(first, "row")),
              prog_js(first, "message"));
    json_t *err = json_object_get(r->out, "error");
    json_object_set_new(err, "rows", errs);
    /* units not yet registered: the office registers them (one by one or
     * in bulk under their township) and imports the sheet again */
    if (json_array_size(unknown)) {
      json_object_set_new(err, "unknown_units", unknown);
      json_object_set_new(err, "create_with", json_string("/api/v1/orgs/import"));
    } else {
      json_decref(unknown);
    }
    return r->status;
  }
  json_decref(errs);
  json_decref(unknown);
  /* hand over to the bulk route: the same checks (duplicates, already a
   * target, recusal), the same all-or-nothing transaction and audit */
  json_object_del(r->in, "csv");
  json_object_set_new(r->in, "unit_ids", units);
  int st = h_team_targets_bulk(r);
  json_t *err = json_object_get(r->out, "error");
  json_t *rows = json_object_get(err, "rows");
  if (st >= 400 && json_is_array(rows) && json_array_size(rows)) {
    size_t i;
    json_t *it;
    json_array_foreach(rows, i, it) {
      json_t *ix = json_object_get(it, "index");
      if (json_is_integer(ix))
        json_object_set(it, "row", json_array_get(rowsof, (size_t)json_integer_value(ix)));
    }
    json_t *first = json_array_get(rows, 0);
    char msg[600];
    snprintf(msg, sizeof msg, "共 %zu 行有误, 未创建任何巡察对象; 第 %lld 行: %s",
             json_array_size(rows), (long long)json_integer_value(json_object_get(first, "row")),
             prog_js(first, "message"));
    json_object_set_new(err, "message", json_string(msg));
  }
  json_decref(rowsof);
  return st;
}
