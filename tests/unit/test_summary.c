/*
 * test_summary.c — the summary report's renderer on a model that has the
 * four-forms distribution (the pie), read back with pdftotext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/summary.h"
#include "t.h"

/* pdftotext of the PDF bytes, whitespace removed; NULL if it cannot run. */
static char *pdf_text(const buf *pdf) {
  char path[512], cmd[700];
  snprintf(path, sizeof path, "%s/summary.pdf", t_tmpdir());
  FILE *fp = fopen(path, "wb");
  if (!fp) return NULL;
  fwrite(pdf->p, 1, pdf->len, fp);
  fclose(fp);
  snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' - 2>/dev/null", path);
  FILE *pp = popen(cmd, "r");
  if (!pp) return NULL;
  buf b;
  buf_init(&b, 1 << 20);
  int c;
  while ((c = fgetc(pp)) != EOF)
    if (c != ' ' && c != '\n' && c != '\f' && c != '\t' && buf_add(&b, &(char){(char)c}, 1)) break;
  pclose(pp);
  return buf_take(&b);
}

TEST(summary_pdf_draws_the_four_forms_pie) {
  json_t *forms = json_pack(
      "{s:s,s:s,s:s,s:i,s:[{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i}]}", "name",
      SUMMARY_PIE_MEASURE, "label", "四种形态分布", "unit", "人次", "total", 5, "by", "code", "1",
      "label", "第一种形态", "n", 3, "code", "2", "label", "第二种形态", "n", 1, "code", "3",
      "label", "第三种形态", "n", 1, "code", "4", "label", "第四种形态", "n", 0);
  json_t *model = json_pack(
      "{s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}],s:[O],s:O}", "title",
      "测试统计汇总报告", "as_of", "2026-11-25", "filters", "label", "专项治理", "value", "脱贫攻坚",
      "groups", "label", "追责问责", "measures", "name", SUMMARY_PIE_MEASURE, "label", "四种形态分布",
      "unit", "人次", "kind", "dist", "text", "5", "note", "分布见图表", "dists", forms, "pie", forms);
  CHECK(model != NULL);
  buf pdf;
  buf_init(&pdf, 8u << 20);
  char err[300] = "";
  CHECK_INT(summary_pdf(model, &pdf, err, sizeof err), 0);
  CHECK(pdf.len > 1000 && !memcmp(pdf.p, "%PDF-", 5));
  char *t = pdf_text(&pdf);
  CHECK(t != NULL);
  if (t) {
    CHECK(strstr(t, "测试统计汇总报告") != NULL);
    CHECK(strstr(t, "筛选条件：专项治理：脱贫攻坚") != NULL);
    CHECK(strstr(t, "四种形态分布5人次分布见图表") != NULL);
    /* the pie's legend: count and share of each form, zeros included */
    CHECK(strstr(t, "第一种形态3（60.00%）") != NULL);
    CHECK(strstr(t, "第二种形态1（20.00%）") != NULL);
    CHECK(strstr(t, "第四种形态0（0.00%）") != NULL);
    /* and its bar chart: the title appears for the pie and for the bars */
    const char *a = strstr(t, "四种形态分布（人次，合计5）");
    CHECK(a && strstr(a + 1, "四种形态分布（人次，合计5）"));
  }
  free(t);
  buf_free(&pdf);
  json_decref(forms);
  json_decref(model);
}

TEST(summary_xlsx_writes_a_sheet_per_distribution) {
  json_t *d = json_pack("{s:s,s:s,s:s,s:i,s:[{s:s,s:s,s:i}]}", "name", "x", "label",
                        "名称含[特殊]字符:且很长很长很长很长很长很长很长很长很长很长很长很长的分布",
                        "unit", "件", "total", 2, "by", "code", "a", "label", "甲", "n", 2);
  json_t *model = json_pack("{s:s,s:[],s:[O,O]}", "title", "t", "groups", "dists", d, d);
  char path[512], err[300] = "";
  snprintf(path, sizeof path, "%s/summary.xlsx", t_tmpdir());
  /* names are cleaned, cut to Excel's 31 characters and kept unique */
  CHECK_INT(summary_xlsx(model, path, err, sizeof err), 0);
  CHECK_STR(err, "");
  json_decref(d);
  json_decref(model);
}
