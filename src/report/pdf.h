/*
 * pdf.h — formal letters (公文) as PDF in the layout of GB/T 9704-2012, drawn
 * with cairo + pango and a Debian CJK font embedded as a subset.
 */
#ifndef XUNJI_PDF_H
#define XUNJI_PDF_H

#include <jansson.h>

#include "util/buf.h"

/* Renders a letter described by doc:
 *   issuer  发文机关标志 (red, centred)       docno  文号 (under it)
 *   title   标题                              to     主送机关 (without the colon)
 *   body    array of paragraphs               signer 落款 (发文机关署名)
 *   date    成文日期 ("2026年11月25日")         cc     抄送 (optional)
 * into out (the PDF bytes). Returns 0, or -1 with a reason in err. */
int pdf_letter(const json_t *doc, buf *out, char *err, size_t errlen);

/* A text layout wrapped to width (points) in the embedded CJK font, pt
 * points high, aligned by a PangoAlignment, first line indented: shared by
 * the letters and the summary report (report/summary_pdf.c). Free it with
 * g_object_unref. */
struct _cairo;
struct _PangoLayout;
struct _PangoLayout *pdf_layout(struct _cairo *cr, const char *text, double pt, double width,
                                int align, double indent);

/* The font family used (for tests and `xunji version`). */
extern const char *const pdf_font_family;

#endif
