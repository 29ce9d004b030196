/*
 * pdf.c — the 公文 layout of GB/T 9704-2012 on an A4 cairo PDF surface.
 *
 * Geometry (mm): page 210 x 297; 版心 156 x 225 with the top margin 37 and
 * the left margin 28; body text 3号 (16 pt) on a 22-line grid (pitch
 * 225 mm / 22). Letters (函) use the 信函格式 of §10.2: 发文机关标志 in red
 * with its top 30 mm from the page top; a red double line 4 mm under it and
 * another 20 mm above the page foot; the 文号 under the upper line at the
 * right; title 2号 (22 pt) centred one blank line below; 主送 flush
 * left; paragraphs indented two characters; 落款 and date right-aligned
 * four characters from the right; 抄送 above a thin rule at the foot;
 * page numbers "— N —" in 4号 under the 版心 from the second page.
 *
 * Issue 17: 份号 (6 digits) and the 标注 (内部资料 / 工作秘密, never a 密级:
 * xunji holds no 国家秘密) at the top left of the 版头; the title broken
 * only between the words the composer lists in "keep" (never inside a
 * unit's or a person's name); the 版记 at the foot of the last page: 抄送,
 * then 印发机关 and 印发日期 between rules. The title and body faces are
 * the settings letter_title_font / letter_body_font (Pango descriptions;
 * Debian packages no 小标宋 or 仿宋_GB2312, so the defaults name Noto Serif
 * CJK, fonts-noto-cjk), each followed by WenQuanYi Zen Hei
 * (fonts-wqy-zenhei), so that fontconfig falls back glyph by glyph; the
 * faces used are embedded as subsets (the file is self-contained and
 * pdftotext reads it).
 */
#include "report/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "util/config.h"

const char *const pdf_font_family = "WenQuanYi Zen Hei";

#define MM(x) ((x) * 72.0 / 25.4)
static const double PAGE_W = MM(210), PAGE_H = MM(297);
static const double TOP = MM(37), LEFT = MM(28), TEXT_W = MM(156), TEXT_H = MM(225);
static const double BODY_PT = 16.0, TITLE_PT = 22.0, MARK_PT = 30.0, PAGENO_PT = 14.0;
#define PITCH (TEXT_H / 22.0)

typedef struct pen {
  cairo_t *cr;
  double y; /* top of the next line */
  int page;
} pen;

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len) {
  return buf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

PangoLayout *pdf_layout(cairo_t *cr, const char *text, double pt, double width, int align,
                        double indent) {
  PangoLayout *l = pango_cairo_create_layout(cr);
  PangoFontDescription *fd = pango_font_description_new();
  pango_font_description_set_family(fd, pdf_font_family);
  pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  pango_layout_set_width(l, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(l, (PangoAlignment)align);
  pango_layout_set_indent(l, (int)(indent * PANGO_SCALE));
  pango_layout_set_text(l, text, -1);
  return l;
}

/* A letter's layout in the face of a setting (a Pango description such as
 * "Noto Serif CJK SC Bold"), with the packaged face as the glyph fallback. */
static PangoLayout *letter_layout(cairo_t *cr, const char *text, cfg_id font, double pt, double width,
                                  int align, double indent) {
  PangoLayout *l = pdf_layout(cr, text, pt, width, align, indent);
  const char *want = cfg_str(font);
  if (!want || !*want) return l;
  PangoFontDescription *fd = pango_font_description_from_string(want);
  const char *fam = pango_font_description_get_family(fd);
  char families[512];
  snprintf(families, sizeof families, "%s,%s", fam && *fam ? fam : pdf_font_family, pdf_font_family);
  pango_font_description_set_family(fd, families);
  pango_font_description_set_absolute_size(fd, pt * PANGO_SCALE);
  pango_layout_set_font_description(l, fd);
  pango_font_description_free(fd);
  return l;
}

static void page_number(pen *p) {
  if (p->page == 1) return; /* 信函格式: no number on the first page */
  char s[32];
  snprintf(s, sizeof s, "— %d —", p->page);
  PangoLayout *l = pdf_layout(p->cr, s, PAGENO_PT, TEXT_W, PANGO_ALIGN_CENTER, 0);
  cairo_set_source_rgb(p->cr, 0, 0, 0);
  cairo_move_to(p->cr, LEFT, TOP + TEXT_H + MM(7));
  pango_cairo_show_layout(p->cr, l);
  g_object_unref(l);
}

/* Two red rules 1.5 pt apart: thick over thin (top), or thin over thick. */
static void red_double(cairo_t *cr, double y, int thick_first) {
  cairo_set_source_rgb(cr, 0.9, 0.0, 0.07);
  for (int i = 0; i < 2; i++) {
    cairo_set_line_width(cr, (i == 0) == (thick_first != 0) ? 1.6 : 0.6);
    cairo_move_to(cr, LEFT, y + i * 2.5);
    cairo_line_to(cr, LEFT + TEXT_W, y + i * 2.5);
    cairo_stroke(cr);
  }
}

static void new_page(pen *p) {
  page_number(p);
  cairo_show_page(p->cr);
  p->page++;
  p->y = TOP;
}

/* Lays out text line by line on the grid (pitch lines per text line),
 * breaking pages at the foot of the 版心. */
static void flow_font(pen *p, const char *text, cfg_id font, double pt, PangoAlignment align,
                      double indent, double pitch, double r, double g, double b) {
  PangoLayout *l = letter_layout(p->cr, text, font, pt, TEXT_W, align, indent);
  PangoLayoutIter *it = pango_layout_get_iter(l);
  do {
    if (p->y + pitch > TOP + TEXT_H + 0.5) new_page(p);
    PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
    PangoRectangle log;
    pango_layout_iter_get_line_extents(it, NULL, &log);
    /* baseline at the middle of the grid cell plus half the font's ascent */
    double x = LEFT + (double)log.x / PANGO_SCALE;
    double base = p->y + pitch / 2 + pt * 0.38;
    cairo_set_source_rgb(p->cr, r, g, b);
    cairo_move_to(p->cr, x, base);
    pango_cairo_show_layout_line(p->cr, line);
    p->y += pitch;
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  g_object_unref(l);
}

static void flow(pen *p, const char *text, double pt, PangoAlignment align, double indent,
                 double pitch, double r, double g, double b) {
  flow_font(p, text, CFG_LETTER_BODY_FONT, pt, align, indent, pitch, r, g, b);
}

/* The title with a WORD JOINER (U+2060) between the characters of each word
 * listed in doc "keep", so that a line breaks only between words. */
static void title_words(const json_t *doc, const char *title, buf *out) {
  const json_t *keep = json_object_get(doc, "keep");
  const char *s = title;
  while (*s) {
    size_t n = 0;
    size_t i;
    json_t *k;
    json_array_foreach(keep, i, k) {
      const char *w = json_string_value(k);
      size_t wl = w ? strlen(w) : 0;
      if (wl > n && !strncmp(s, w, wl)) n = wl;
    }
    if (n) {
      for (size_t j = 0; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        if (j && (c & 0xC0) != 0x80) buf_adds(out, "\u2060");
        buf_add(out, s + j, 1);
      }
      s += n;
      continue;
    }
    buf_add(out, s, 1);
    s++;
  }
}

static const char *js(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

int pdf_letter(const json_t *doc, buf *out, char *err, size_t errlen) {
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    snprintf(err, errlen, "无法创建 PDF: %s", cairo_status_to_string(cairo_surface_status(s)));
    cairo_surface_destroy(s);
    return -1;
  }
  char meta[512];
  snprintf(meta, sizeof meta, "%s %s", js(doc, "docno"), js(doc, "title"));
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, meta);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "xunji 巡纪贯通协同平台");
  cairo_t *cr = cairo_create(s);
  pen p = {cr, TOP, 1};

  /* 份号 and 标注 at the top left of the 版心 (§7.2.1, §7.2.2) */
  double top_y = MM(12);
  if (*js(doc, "copy_no")) {
    p.y = top_y;
    flow_font(&p, js(doc, "copy_no"), CFG_LETTER_BODY_FONT, BODY_PT, PANGO_ALIGN_LEFT, 0, PITCH, 0, 0, 0);
    top_y = p.y;
  }
  if (*js(doc, "mark")) {
    p.y = top_y;
    flow_font(&p, js(doc, "mark"), CFG_LETTER_TITLE_FONT, BODY_PT, PANGO_ALIGN_LEFT, 0, PITCH, 0, 0, 0);
  }

  /* 版头 (信函格式): 发文机关标志 in red, its top 30 mm from the page top; a
   * red double line (thick over thin) 4 mm below it; the 文号 under the
   * line at the right edge of the 版心; a red double line (thin over thick)
   * 20 mm above the page foot. */
  p.y = MM(30) - MARK_PT * 0.25;
  /* the full name on one line: smaller than 30 pt when it is long */
  double mark_pt = MARK_PT;
  size_t nch = 0;
  for (const char *c = js(doc, "issuer"); *c; c++) nch += ((unsigned char)*c & 0xC0) != 0x80;
  if (nch && mark_pt * (double)nch > TEXT_W) mark_pt = TEXT_W / (double)nch;
  flow_font(&p, js(doc, "issuer"), CFG_LETTER_TITLE_FONT, mark_pt, PANGO_ALIGN_CENTER, 0,
            MARK_PT * 1.3, 0.9, 0.0, 0.07);
  double line_y = p.y + MM(4) - MARK_PT * 0.15;
  red_double(cr, line_y, 1);
  red_double(cr, PAGE_H - MM(20), 0);
  p.y = line_y + MM(2);
  flow(&p, js(doc, "docno"), BODY_PT, PANGO_ALIGN_RIGHT, 0, PITCH, 0, 0, 0);
  p.y += PITCH;

  /* 主体: title, 主送, paragraphs */
  buf tw;
  buf_init(&tw, 65536);
  title_words(doc, js(doc, "title"), &tw);
  flow_font(&p, buf_failed(&tw) ? js(doc, "title") : buf_str(&tw), CFG_LETTER_TITLE_FONT, TITLE_PT,
            PANGO_ALIGN_CENTER, 0, PITCH * 1.25, 0, 0, 0);
  buf_free(&tw);
  p.y += PITCH;
  char to[600];
  snprintf(to, sizeof to, "%s：", js(doc, "to"));
  flow(&p, to, BODY_PT, PANGO_ALIGN_LEFT, 0, PITCH, 0, 0, 0);
  size_t i;
  json_t *para;
  json_array_foreach(json_object_get(doc, "body"), i, para) {
    const char *t = json_string_value(para);
    if (t && *t) flow(&p, t, BODY_PT, PANGO_ALIGN_LEFT, 2 * BODY_PT, PITCH, 0, 0, 0);
  }
  /* 落款 and date: right-aligned, four characters in from the right, one
   * blank line under the text (§7.3.5.2) */
  p.y += PITCH;
  char sig[600];
  snprintf(sig, sizeof sig, "%s　　　　", js(doc, "signer"));
  flow(&p, sig, BODY_PT, PANGO_ALIGN_RIGHT, 0, PITCH, 0, 0, 0);
  snprintf(sig, sizeof sig, "%s　　　　", js(doc, "date"));
  flow(&p, sig, BODY_PT, PANGO_ALIGN_RIGHT, 0, PITCH, 0, 0, 0);

  /* 版记 at the foot of the last page (§7.4): 抄送 (if any), then 印发机关
   * and 印发日期, between thin rules */
  const char *cc = js(doc, "cc");
  const char *printer = *js(doc, "printer") ? js(doc, "printer") : js(doc, "issuer");
  int rows = (*cc ? 1 : 0) + 1;
  if (p.y + rows * PITCH > TOP + TEXT_H + 0.5) new_page(&p);
  double y0 = TOP + TEXT_H - rows * PITCH;
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, LEFT, y0);
  cairo_line_to(cr, LEFT + TEXT_W, y0);
  cairo_stroke(cr);
  p.y = y0;
  if (*cc) {
    char ccs[600];
    snprintf(ccs, sizeof ccs, "抄送：%s。", cc);
    flow(&p, ccs, 14.0, PANGO_ALIGN_LEFT, 14.0, PITCH, 0, 0, 0);
    cairo_set_line_width(cr, 0.35);
    cairo_move_to(cr, LEFT, p.y);
    cairo_line_to(cr, LEFT + TEXT_W, p.y);
    cairo_stroke(cr);
  }
  /* 印发机关 flush left, 印发日期 flush right, on one line */
  double yrow = p.y;
  char pd[600];
  snprintf(pd, sizeof pd, "　%s", printer);
  flow(&p, pd, 14.0, PANGO_ALIGN_LEFT, 0, PITCH, 0, 0, 0);
  p.y = yrow;
  snprintf(pd, sizeof pd, "%s印发　", *js(doc, "printed") ? js(doc, "printed") : js(doc, "date"));
  flow(&p, pd, 14.0, PANGO_ALIGN_RIGHT, 0, PITCH, 0, 0, 0);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, LEFT, p.y);
  cairo_line_to(cr, LEFT + TEXT_W, p.y);
  cairo_stroke(cr);
  page_number(&p);
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
