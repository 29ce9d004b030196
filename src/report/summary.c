/*
 * summary.c — the model of the summary report (see summary.h) built from
 * stats_all, and its .xlsx. Figures are grouped by the label of their
 * source in the measures table, in the table's order; a measure added to the
 * table appears here without any change.
 */
#include "report/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "util/text.h"
#include "util/xmem.h"

static const char *js(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* The shown value of a filter: the name of the round, team or unit. */
static int filter_value(store_tx *tx, mfilter f, const char *v, char **out) {
  static const char *const sql[MF__MAX] = {
      [MF_ROUND] = "SELECT name FROM rounds WHERE id=$1",
      [MF_TEAM] = "SELECT name FROM teams WHERE id=$1",
      [MF_UNIT] = "SELECT name FROM orgs WHERE id=$1"};
  static const char *const levels[][2] = {
      {"city", "市直单位"}, {"township", "乡镇 (街道)"}, {"village", "村 (社区)"}};
  *out = NULL;
  if (sql[f]) {
    sval p[] = {SV_S(v)};
    int rc = store_query_text(tx, sql[f], p, 1, out);
    if (rc) return rc;
  }
  if (f == MF_LEVEL)
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
      if (!strcmp(levels[i][0], v)) *out = xstrdup(levels[i][1]);
  if (!*out) *out = xstrdup(v);
  return 0;
}

/* "3" of a whole number, "2.5" otherwise. */
static void num_text(double v, char out[40]) {
  if (v == (double)(long long)v) snprintf(out, 40, "%lld", (long long)v);
  else snprintf(out, 40, "%.2f", v);
}

/* text, note and number of one figure of stats_all */
static void shown(json_t *m) {
  const char *kind = js(m, "kind");
  const json_t *v = json_object_get(m, "value");
  char text[64] = "—", note[200] = "";
  json_t *number = json_null();
  if (json_is_integer(v)) {
    snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    number = json_integer(json_integer_value(v));
  } else if (json_is_real(v)) {
    num_text(json_real_value(v), text);
    number = json_real(json_real_value(v));
  } else if (json_is_string(v)) { /* sum_fen: exact 元 */
    snprintf(text, sizeof text, "%s", json_string_value(v));
    json_decref(number);
    number = json_real((double)json_integer_value(json_object_get(m, "value_fen")) / 100.0);
  }
  if (!strcmp(kind, "sum_fen")) {
    snprintf(note, sizeof note, "合 %s 万元", js(m, "value_wan"));
  } else if (!strcmp(kind, "days")) {
    if (json_is_integer(json_object_get(m, "max")))
      snprintf(note, sizeof note, "中位数; 最长 %lld 天, 共 %lld 件",
               (long long)json_integer_value(json_object_get(m, "max")),
               (long long)json_integer_value(json_object_get(m, "count")));
    else
      snprintf(note, sizeof note, "暂无记录");
  } else if (!strcmp(kind, "ratio")) {
    snprintf(note, sizeof note, "%lld / %lld",
             (long long)json_integer_value(json_object_get(m, "numerator")),
             (long long)json_integer_value(json_object_get(m, "denominator")));
  } else if (!strcmp(kind, "distinct")) {
    snprintf(note, sizeof note, "去重计数");
  } else if (!strcmp(kind, "dist")) {
    snprintf(note, sizeof note, "分布见图表");
  }
  json_object_set_new(m, "text", json_string(text));
  json_object_set_new(m, "note", json_string(note));
  json_object_set_new(m, "number", number);
}

int summary_build(store_tx *tx, const stats_ctx *c, json_t **out) {
  json_t *st = NULL;
  int rc = stats_all(tx, c, &st);
  if (rc) return rc;
  json_t *model = json_pack("{s:s,s:[],s:[],s:[],s:n,s:o}", "as_of", c->today, "filters", "groups",
                            "dists", "pie", "stats", st);
  /* title: the round or the campaign; filters as the reader knows them */
  char *name = NULL;
  for (int i = 0; i < MF__MAX && !rc; i++) {
    if (!c->f->v[i]) continue;
    char *v = NULL;
    rc = filter_value(tx, (mfilter)i, c->f->v[i], &v);
    if (rc) break;
    json_array_append_new(json_object_get(model, "filters"),
                          json_pack("{s:s,s:s,s:s}", "name", mfilter_names[i], "label",
                                    mfilter_labels[i], "value", v));
    if (!name && (i == MF_ROUND || i == MF_CAMPAIGN)) {
      if (i == MF_CAMPAIGN) name = xasprintf("%s专项", v);
      if (i == MF_ROUND) name = v, v = NULL;
    }
    free(v);
  }
  if (rc) {
    free(name);
    json_decref(model);
    return rc;
  }
  char title[600];
  snprintf(title, sizeof title, "%s统计汇总报告", name ? name : "巡察工作");
  free(name);
  json_object_set_new(model, "title", json_string(title));

  /* groups by the source label, in the order the table first names them */
  json_t *groups = json_object_get(model, "groups");
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(st, "measures"), i, m) {
    const measure *def = measure_find(js(m, "name"));
    const char *src = def ? def->src->label : "其他";
    json_t *mm = json_deep_copy(m);
    shown(mm);
    json_t *g = NULL, *it;
    size_t k;
    json_array_foreach(groups, k, it) if (!strcmp(js(it, "label"), src)) g = it;
    if (!g) {
      g = json_pack("{s:s,s:[]}", "label", src, "measures");
      json_array_append_new(groups, g);
    }
    json_array_append(json_object_get(g, "measures"), mm);
    if (!strcmp(js(m, "kind"), "dist")) {
      json_t *d = json_pack("{s:s,s:s,s:s,s:O,s:O}", "name", js(m, "name"), "label",
                            js(m, "label"), "unit", js(m, "unit"), "total",
                            json_object_get(m, "value"), "by", json_object_get(m, "by"));
      json_array_append(json_object_get(model, "dists"), d);
      if (!strcmp(js(m, "name"), SUMMARY_PIE_MEASURE)) json_object_set(model, "pie", d);
      json_decref(d);
    }
    json_decref(mm);
  }
  *out = model;
  return 0;
}

/* ---- .xlsx --------------------------------------------------------------------- */
static lxw_error put(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f) {
  if (!*s) return LXW_NO_ERROR;
  if (!utf8_valid(s, strlen(s))) s = "(无效字符)";
  return worksheet_write_string(ws, r, c, s, f);
}

/* A sheet name Excel accepts: no []:*?/\, at most 31 characters, unique. */
static void sheet_name(const char *label, int seq, char out[160]) {
  char clean[120];
  size_t o = 0, ch = 0;
  for (const char *s = label; *s && o + 4 < sizeof clean; s++) {
    if (((unsigned char)*s & 0xC0) != 0x80 && ++ch > 27) break;
    clean[o++] = strchr("[]:*?/\\'", *s) ? '_' : *s;
  }
  clean[o] = '\0';
  snprintf(out, 160, "%d %s", seq % 1000, clean);
}

int summary_xlsx(const json_t *model, const char *path, char *err, size_t errlen) {
  char tmpdir[] = "/tmp/xunji-xlsx-XXXXXX";
  lxw_workbook_options opt = {.tmpdir = mkdtemp(tmpdir) ? tmpdir : NULL};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb) {
    if (opt.tmpdir) rmdir(tmpdir);
    snprintf(err, errlen, "无法创建工作簿");
    return -1;
  }
  lxw_doc_properties props = {.title = (char *)js(model, "title"), .author = "xunji",
                              .company = "巡纪贯通协同平台"};
  workbook_set_properties(wb, &props);
  lxw_format *fh = workbook_add_format(wb);
  format_set_bold(fh);
  format_set_border(fh, LXW_BORDER_THIN);
  format_set_bg_color(fh, 0xDDEBF7);
  format_set_align(fh, LXW_ALIGN_CENTER);
  lxw_format *fm = workbook_add_format(wb);
  format_set_num_format(fm, "#,##0.00");
  lxw_format *fi = workbook_add_format(wb);
  format_set_num_format(fi, "0");
  lxw_format *fr = workbook_add_format(wb);
  format_set_num_format(fr, "0.##");

  lxw_error e = LXW_NO_ERROR;
  lxw_worksheet *ws = workbook_add_worksheet(wb, "统计指标");
  static const char *const head[] = {"分类", "指标", "数值", "单位", "说明", "指标代码"};
  static const double widths[] = {14, 36, 16, 8, 30, 30};
  for (int c = 0; c < 6 && !e; c++) {
    worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
    e = put(ws, 0, (lxw_col_t)c, head[c], fh);
  }
  worksheet_freeze_panes(ws, 1, 0);
  lxw_row_t row = 1;
  size_t i, k;
  json_t *g, *m;
  json_array_foreach(json_object_get(model, "groups"), i, g) {
    json_array_foreach(json_object_get(g, "measures"), k, m) {
      if (e) break;
      const json_t *n = json_object_get(m, "number");
      const char *kind = js(m, "kind");
      e = put(ws, row, 0, js(g, "label"), NULL);
      if (!e) e = put(ws, row, 1, js(m, "label"), NULL);
      if (!e && json_is_number(n))
        e = worksheet_write_number(ws, row, 2, json_number_value(n),
                                   !strcmp(kind, "sum_fen") ? fm : json_is_integer(n) ? fi : fr);
      if (!e) e = put(ws, row, 3, js(m, "unit"), NULL);
      if (!e) e = put(ws, row, 4, js(m, "note"), NULL);
      if (!e) e = put(ws, row, 5, js(m, "name"), NULL);
      row++;
    }
  }
  /* one sheet per distribution */
  json_t *d;
  json_array_foreach(json_object_get(model, "dists"), i, d) {
    if (e) break;
    char name[160];
    sheet_name(js(d, "label"), (int)i + 1, name);
    lxw_worksheet *s = workbook_add_worksheet(wb, name);
    if (!s) {
      e = LXW_ERROR_SHEETNAME_ALREADY_USED;
      break;
    }
    static const char *const dh[] = {"分类", "数量", "占比(%)", "代码"};
    for (int c = 0; c < 4 && !e; c++) {
      worksheet_set_column(s, (lxw_col_t)c, (lxw_col_t)c, c == 0 ? 34 : 12, NULL);
      e = put(s, 0, (lxw_col_t)c, dh[c], fh);
    }
    worksheet_freeze_panes(s, 1, 0);
    json_int_t total = json_integer_value(json_object_get(d, "total"));
    json_t *b;
    lxw_row_t r = 1;
    json_array_foreach(json_object_get(d, "by"), k, b) {
      if (e) break;
      json_int_t nn = json_integer_value(json_object_get(b, "n"));
      e = put(s, r, 0, js(b, "label"), NULL);
      if (!e) e = worksheet_write_number(s, r, 1, (double)nn, fi);
      if (!e && total)
        e = worksheet_write_number(s, r, 2, (double)((nn * 20000 / total + 1) / 2) / 100.0, fr);
      if (!e) e = put(s, r, 3, js(b, "code"), NULL);
      r++;
    }
    if (!e) e = put(s, r, 0, "合计", fh);
    if (!e) e = worksheet_write_number(s, r, 1, (double)total, fi);
  }
  lxw_error ce = workbook_close(wb);
  if (opt.tmpdir) rmdir(tmpdir);
  if (e || ce) {
    snprintf(err, errlen, "写入工作簿失败: %s", lxw_strerror(e ? e : ce));
    return -1;
  }
  return 0;
}
