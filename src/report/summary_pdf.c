/*
 * summary_pdf.c — the summary report (see summary.h) as an A4 PDF drawn with
 * cairo + pango: title, filters, the figures as a table per kind of record,
 * then a horizontal bar chart per distribution and a pie of the four forms.
 * Chinese text uses the CJK face of the letters (report/pdf.c), embedded as
 * a subset.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "report/pdf.h"
#include "report/summary.h"

#define MM(x) ((x) * 72.0 / 25.4)
static const double PAGE_W = MM(210), PAGE_H = MM(297);
static const double LEFT = MM(20), TOP = MM(22), WIDTH = MM(170), BOTTOM = MM(297 - 20);

typedef struct pen {
  cairo_t *cr;
  double y;
  int page;
} pen;

static const double palette[][3] = {{0.16, 0.38, 0.71}, {0.85, 0.33, 0.10}, {0.93, 0.69, 0.13},
                                    {0.47, 0.67, 0.19}, {0.49, 0.18, 0.56}, {0.30, 0.75, 0.93},
                                    {0.64, 0.08, 0.18}, {0.50, 0.50, 0.50}};
#define NPAL (sizeof palette / sizeof *palette)

static const char *js(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len) {
  return buf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Draws text in a box of width w at (x, y) top; returns its height. */
static double text(cairo_t *cr, const char *s, double x, double y, double w, double pt,
                   PangoAlignment align, double grey) {
  PangoLayout *l = pdf_layout(cr, s, pt, w, align, 0);
  int pw, ph;
  pango_layout_get_size(l, &pw, &ph);
  cairo_set_source_rgb(cr, grey, grey, grey);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, l);
  g_object_unref(l);
  return (double)ph / PANGO_SCALE;
}

static void page_foot(pen *p) {
  char s[32];
  snprintf(s, sizeof s, "— %d —", p->page);
  text(p->cr, s, LEFT, BOTTOM + MM(6), WIDTH, 10, PANGO_ALIGN_CENTER, 0.3);
}

/* Starts a new page when less than need is left. */
static void room(pen *p, double need) {
  if (p->y + need <= BOTTOM) return;
  page_foot(p);
  cairo_show_page(p->cr);
  p->page++;
  p->y = TOP;
}

static void hline(cairo_t *cr, double y, double grey, double w) {
  cairo_set_source_rgb(cr, grey, grey, grey);
  cairo_set_line_width(cr, w);
  cairo_move_to(cr, LEFT, y);
  cairo_line_to(cr, LEFT + WIDTH, y);
  cairo_stroke(cr);
}

/* 一, 二, ... 九十九 */
static void numeral(int n, char out[32]) {
  static const char *const d[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (n < 10) snprintf(out, 32, "%s", d[n]);
  else snprintf(out, 32, "%s十%s", n / 10 == 1 ? "" : d[n / 10 % 10], d[n % 10]);
}

static void heading(pen *p, int n, const char *label) {
  room(p, MM(22));
  char num[32], s[400];
  numeral(n, num);
  snprintf(s, sizeof s, "%s、%s", num, label);
  p->y += MM(3);
  p->y += text(p->cr, s, LEFT, p->y, WIDTH, 14, PANGO_ALIGN_LEFT, 0) + MM(2);
}

/* One row of the figures table: label | value | unit | note. */
static void figure_row(pen *p, const char *a, const char *b, const char *c, const char *d,
                       double pt, double grey) {
  const double w[] = {MM(70), MM(28), MM(14), MM(58)};
  double h = MM(7.5);
  room(p, h);
  double x = LEFT, y = p->y + MM(1.6);
  text(p->cr, a, x + MM(1), y, w[0] - MM(2), pt, PANGO_ALIGN_LEFT, grey);
  x += w[0];
  text(p->cr, b, x, y, w[1] - MM(2), pt, PANGO_ALIGN_RIGHT, grey);
  x += w[1];
  text(p->cr, c, x + MM(1), y, w[2], pt, PANGO_ALIGN_LEFT, grey);
  x += w[2];
  text(p->cr, d, x, y, w[3], pt * 0.85, PANGO_ALIGN_LEFT, 0.35);
  p->y += h;
  hline(p->cr, p->y, 0.8, 0.4);
}

/* Horizontal bars: the category labels on the left, the count after each bar. */
static void bar_chart(pen *p, const json_t *d) {
  const json_t *by = json_object_get(d, "by");
  size_t n = json_array_size(by), i;
  const double bar = MM(6), gap = MM(2.5), lab_w = MM(62), bar_w = MM(88);
  room(p, MM(16) + (double)(n ? n : 1) * (bar + gap));
  char title[400];
  snprintf(title, sizeof title, "%s（%s，合计 %lld）", js(d, "label"), js(d, "unit"),
           (long long)json_integer_value(json_object_get(d, "total")));
  p->y += text(p->cr, title, LEFT, p->y, WIDTH, 11.5, PANGO_ALIGN_LEFT, 0) + MM(3);
  json_int_t max = 0;
  json_t *b;
  json_array_foreach(by, i, b) if (json_integer_value(json_object_get(b, "n")) > max) max =
      json_integer_value(json_object_get(b, "n"));
  double x0 = LEFT + lab_w + MM(2), top = p->y;
  json_array_foreach(by, i, b) {
    json_int_t v = json_integer_value(json_object_get(b, "n"));
    double y = p->y;
    text(p->cr, js(b, "label"), LEFT, y + MM(0.8), lab_w, 9.5, PANGO_ALIGN_RIGHT, 0.1);
    double len = max ? bar_w * (double)v / (double)max : 0;
    cairo_set_source_rgb(p->cr, palette[0][0], palette[0][1], palette[0][2]);
    cairo_rectangle(p->cr, x0, y, len > 0 ? len : 0.5, bar);
    cairo_fill(p->cr);
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)v);
    text(p->cr, num, x0 + len + MM(1.5), y + MM(0.8), MM(20), 9.5, PANGO_ALIGN_LEFT, 0);
    p->y += bar + gap;
  }
  if (!n) p->y += text(p->cr, "（暂无数据）", x0, p->y, bar_w, 9.5, PANGO_ALIGN_LEFT, 0.4);
  /* the axis */
  cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(p->cr, 0.6);
  cairo_move_to(p->cr, x0, top - MM(1));
  cairo_line_to(p->cr, x0, p->y);
  cairo_stroke(p->cr);
  p->y += MM(6);
}

/* A pie with a legend: label, count and share of each slice. */
static void pie_chart(pen *p, const json_t *d) {
  const json_t *by = json_object_get(d, "by");
  const double r = MM(32);
  size_t n = json_array_size(by), i;
  room(p, MM(14) + 2 * r + MM(6));
  char title[400];
  snprintf(title, sizeof title, "%s（%s，合计 %lld）", js(d, "label"), js(d, "unit"),
           (long long)json_integer_value(json_object_get(d, "total")));
  p->y += text(p->cr, title, LEFT, p->y, WIDTH, 11.5, PANGO_ALIGN_LEFT, 0) + MM(3);
  json_int_t total = json_integer_value(json_object_get(d, "total"));
  double cx = LEFT + r + MM(4), cy = p->y + r, a = -M_PI / 2;
  json_t *b;
  if (total <= 0) {
    cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
    cairo_arc(p->cr, cx, cy, r, 0, 2 * M_PI);
    cairo_fill(p->cr);
  }
  double ly = p->y + MM(4), lx = LEFT + 2 * r + MM(16);
  json_array_foreach(by, i, b) {
    json_int_t v = json_integer_value(json_object_get(b, "n"));
    const double *c = palette[i % NPAL];
    if (total > 0 && v > 0) {
      double sweep = 2 * M_PI * (double)v / (double)total;
      cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
      cairo_move_to(p->cr, cx, cy);
      cairo_arc(p->cr, cx, cy, r, a, a + sweep);
      cairo_close_path(p->cr);
      cairo_fill_preserve(p->cr);
      cairo_set_source_rgb(p->cr, 1, 1, 1);
      cairo_set_line_width(p->cr, 0.8);
      cairo_stroke(p->cr);
      a += sweep;
    }
    cairo_set_source_rgb(p->cr, c[0], c[1], c[2]);
    cairo_rectangle(p->cr, lx, ly + MM(0.8), MM(4), MM(4));
    cairo_fill(p->cr);
    char s[300];
    json_int_t pct100 = total > 0 ? (v * 20000 / total + 1) / 2 : 0;
    snprintf(s, sizeof s, "%s  %lld（%lld.%02lld%%）", js(b, "label"), (long long)v,
             (long long)(pct100 / 100), (long long)(pct100 % 100));
    ly += text(p->cr, s, lx + MM(6), ly, WIDTH - (lx - LEFT) - MM(6), 10, PANGO_ALIGN_LEFT, 0) +
          MM(2.5);
    (void)n;
  }
  p->y = (cy + r > ly ? cy + r : ly) + MM(8);
}

int summary_pdf(const json_t *model, buf *out, char *err, size_t errlen) {
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    snprintf(err, errlen, "无法创建 PDF: %s", cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    return -1;
  }
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, js(model, "title"));
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "xunji 巡纪贯通协同平台");
  cairo_t *cr = cairo_create(s);
  pen p = {cr, TOP, 1};

  p.y += text(cr, js(model, "title"), LEFT, p.y, WIDTH, 20, PANGO_ALIGN_CENTER, 0) + MM(4);
  /* the filter and the date of the figures */
  buf f;
  buf_init(&f, 8192);
  int e = buf_adds(&f, "筛选条件：");
  size_t i, k;
  json_t *it, *m;
  json_array_foreach(json_object_get(model, "filters"), i, it) e =
      e ? e : buf_addf(&f, "%s%s：%s", i ? "；" : "", js(it, "label"), js(it, "value"));
  if (!e && !json_array_size(json_object_get(model, "filters"))) e = buf_adds(&f, "全部记录");
  const char *asof = js(model, "as_of");
  if (!e && strlen(asof) == 10)
    e = buf_addf(&f, "\n数据截至：%.4s年%d月%d日（按查看者的权限范围统计）", asof, atoi(asof + 5),
                 atoi(asof + 8));
  p.y += text(cr, e ? "" : buf_str(&f), LEFT, p.y, WIDTH, 10.5, PANGO_ALIGN_CENTER, 0.25) + MM(3);
  buf_free(&f);
  hline(cr, p.y, 0.75, 1.0);
  p.y += MM(3);

  int sec = 0;
  json_array_foreach(json_object_get(model, "groups"), i, it) {
    heading(&p, ++sec, js(it, "label"));
    figure_row(&p, "指标", "数值", "单位", "说明", 10, 0.3);
    json_array_foreach(json_object_get(it, "measures"), k, m)
        figure_row(&p, js(m, "label"), js(m, "text"), js(m, "unit"), js(m, "note"), 10.5, 0);
  }
  const json_t *pie = json_object_get(model, "pie");
  if (json_array_size(json_object_get(model, "dists")) || json_is_object(pie)) {
    heading(&p, ++sec, "统计图表");
    if (json_is_object(pie)) pie_chart(&p, pie);
    json_array_foreach(json_object_get(model, "dists"), i, it) bar_chart(&p, it);
  }
  page_foot(&p);
  cairo_show_page(cr);
  cairo_destroy(cr);
  cairo_surface_finish(s);
  cairo_status_t st = cairo_surface_status(s);
  cairo_surface_destroy(s);
  if (st != CAIRO_STATUS_SUCCESS) {
    snprintf(err, errlen, "生成 PDF 失败: %s", cairo_status_to_string(st));
    return -1;
  }
  return 0;
}
