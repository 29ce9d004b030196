/*
 * xlsx.c — the ledger table and the streaming .xlsx writer (libxlsxwriter,
 * constant-memory mode). Every string is checked to be valid UTF-8 before it
 * reaches the library, which would otherwise write a corrupt sheet.
 */
#include "report/xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/outcomes.h"
#include "util/buf.h"
#include "util/text.h"

/* ---- the ledgers ------------------------------------------------------------- */
static const char *const l_mode[] = {"during_patrol", "巡察期间移交", "after_patrol",
                                     "巡察结束后移交", NULL};
static const char *const l_disposal[] = {"talk_inquiry", "谈话函询", "preliminary_verification",
                                         "初步核实", "pending", "暂存待查", "closed_out",
                                         "予以了结", NULL};
static const char *const l_result[] = {"case_filed", "立案", "no_case", "不予立案", "closed_out",
                                       "予以了结", NULL};
static const char *const l_clue_state[] = {"handed_over", "已移交", "registered", "已登记",
                                           "disposing", "处置中", "concluded", "已办结", NULL};
static const char *const l_problem_state[] = {
    "confirmed", "已确认", "reported", "已报告", "fed_back", "已反馈", "rectifying", "整改中",
    "rectified", "已整改", "signed_off", "已销号", "reopened", "重新整改", NULL};
static const char *const l_task_state[] = {"open", "未开始", "in_progress", "整改中", "done",
                                           "已完成", "signed_off", "已销号", NULL};

static const lcol clue_cols[] = {
    {"移交文号", "c.handover_docno", LC_TEXT, 18, NULL, NULL},
    {"巡察轮次", "r.name", LC_TEXT, 20, NULL, NULL},
    {"巡察组", "t.name", LC_TEXT, 12, NULL, NULL},
    {"被巡察单位", "u.name", LC_TEXT, 24, NULL, NULL},
    {"线索标题", "c.title", LC_TEXT, 30, NULL, NULL},
    {"被反映人", "c.subject_name", LC_TEXT, 10, NULL, NULL},
    {"职务", "c.subject_post", LC_TEXT, 14, NULL, NULL},
    {"发现日期", "c.discovered_on", LC_DATE, 12, NULL, NULL},
    {"移交日期", "c.handover_at", LC_DATE, 12, NULL, NULL},
    {"移交方式", "c.handover_mode", LC_LABEL, 14, l_mode, NULL},
    {"发现至移交(天)", "c.discovered_on", LC_DAYS, 8, NULL, "c.handover_at"},
    {"登记号", "c.registry_no", LC_TEXT, 18, NULL, NULL},
    {"登记日期", "c.registered_at", LC_DATE, 12, NULL, NULL},
    {"处置方式", "c.disposal_method", LC_LABEL, 12, l_disposal, NULL},
    {"处置日期", "c.disposed_at", LC_DATE, 12, NULL, NULL},
    {"办理结果", "c.result", LC_LABEL, 10, l_result, NULL},
    {"办结日期", "c.concluded_at", LC_DATE, 12, NULL, NULL},
    {"状态", "c.state", LC_LABEL, 8, l_clue_state, NULL},
};

static const lcol problem_cols[] = {
    {"问题编号", "pr.seq_no", LC_TEXT, 12, NULL, NULL},
    {"巡察轮次", "r.name", LC_TEXT, 20, NULL, NULL},
    {"巡察组", "t.name", LC_TEXT, 12, NULL, NULL},
    {"被巡察单位", "u.name", LC_TEXT, 24, NULL, NULL},
    {"问题", "pr.title", LC_TEXT, 36, NULL, NULL},
    {"发现日期", "pr.found_on", LC_DATE, 12, NULL, NULL},
    {"涉及金额(元)", "pr.amount_fen", LC_FEN, 14, NULL, NULL},
    {"立行立改", "pr.immediate_fix", LC_BOOL, 8, NULL, NULL},
    {"状态", "pr.state", LC_LABEL, 10, l_problem_state, NULL},
    {"整改完成日期", "pr.rectified_at", LC_DATE, 12, NULL, NULL},
    {"销号日期", "pr.signed_off_at", LC_DATE, 12, NULL, NULL},
};

static const lcol task_cols[] = {
    {"被巡察单位", "u.name", LC_TEXT, 24, NULL, NULL},
    {"问题编号", "(SELECT pr.seq_no FROM problems pr WHERE pr.id=k.problem_id)", LC_TEXT, 12,
     NULL, NULL},
    {"问题 (问题清单)", "(SELECT pr.title FROM problems pr WHERE pr.id=k.problem_id)", LC_TEXT,
     30, NULL, NULL},
    {"整改措施 (任务清单)", "k.measure", LC_TEXT, 36, NULL, NULL},
    {"责任人 (责任清单)", "k.owner_name", LC_TEXT, 10, NULL, NULL},
    {"责任人职务", "k.owner_post", LC_TEXT, 14, NULL, NULL},
    {"责任领导", "k.leader_name", LC_TEXT, 10, NULL, NULL},
    {"完成时限", "k.deadline", LC_DATE, 12, NULL, NULL},
    {"长期坚持", "k.long_term", LC_BOOL, 8, NULL, NULL},
    {"状态", "k.state", LC_LABEL, 8, l_task_state, NULL},
    {"完成日期", "k.done_at", LC_DATE, 12, NULL, NULL},
    {"销号日期", "k.signed_off_at", LC_DATE, 12, NULL, NULL},
};

static const char *const l_subject[] = {"person", "个人", "organization", "党组织", "leader",
                                        "领导干部", NULL};
static const char *const l_leader[] = {"principal", "主要领导", "supervising", "分管领导", NULL};
static const char *const l_form[] = {"1", "第一种形态", "2", "第二种形态", "3", "第三种形态",
                                     "4", "第四种形态", NULL};

static const lcol acct_cols[] = {
    {"巡察轮次", "r.name", LC_TEXT, 20, NULL, NULL},
    {"被巡察单位", "u.name", LC_TEXT, 24, NULL, NULL},
    {"对象类别", "a.subject_kind", LC_LABEL, 10, l_subject, NULL},
    {"姓名或组织", "a.subject_name", LC_TEXT, 16, NULL, NULL},
    {"职务", "a.subject_post", LC_TEXT, 14, NULL, NULL},
    {"领导类别", "a.leader_role", LC_LABEL, 10, l_leader, NULL},
    {"处理结果", "a.outcome", LC_LABEL, 14, outcome_label_pairs, NULL},
    {"四种形态", "CAST(a.form AS TEXT)", LC_LABEL, 12, l_form, NULL},
    {"决定机关", "a.authority", LC_TEXT, 26, NULL, NULL},
    {"决定日期", "a.decided_on", LC_DATE, 12, NULL, NULL},
    {"追缴资金(元)", "a.funds_recovered_fen", LC_FEN, 14, NULL, NULL},
    {"清退资金(元)", "a.funds_returned_fen", LC_FEN, 14, NULL, NULL},
    {"挽回损失(元)", "a.losses_recovered_fen", LC_FEN, 14, NULL, NULL},
    /* the related record only where the user's GET of it shows it */
    {"关联问题或线索",
     "coalesce((SELECT pr.seq_no || ' ' || pr.title FROM problems pr WHERE pr.id=a.problem_id "
     "AND @vis(problem,pr.id)), (SELECT c.title FROM clues c WHERE c.id=a.clue_id AND "
     "@vis(clue,c.id)))",
     LC_TEXT, 30, NULL, NULL},
};

#define NC(a) ((int)(sizeof a / sizeof *a))
const ledger ledgers[] = {
    {"clues", "问题线索移交台账", "clues_handed_over", clue_cols, NC(clue_cols)},
    {"problems", "问题台账", "problems_found", problem_cols, NC(problem_cols)},
    {"rectification", "整改台账 (问题、任务、责任清单)", "rect_tasks_total", task_cols,
     NC(task_cols)},
    {"accountability", "追责问责台账", "accountability_records", acct_cols, NC(acct_cols)},
};
const int nledgers = NC(ledgers);

const ledger *ledger_find(const char *name) {
  for (int i = 0; i < nledgers; i++)
    if (!strcmp(ledgers[i].name, name)) return &ledgers[i];
  return NULL;
}

/* ---- writing ------------------------------------------------------------------ */
static int64_t day_of(const char *s) {
  int64_t d;
  if (strlen(s) == 10) return date_parse(s, &d) ? d : -1;
  time_t t = ts_parse(s);
  return t == (time_t)-1 ? -1 : ((int64_t)t + 8 * 3600) / 86400;
}

static const char *label_of(const char *const *labels, const char *code) {
  for (int i = 0; labels && labels[i]; i += 2)
    if (!strcmp(labels[i], code)) return labels[i + 1];
  return code;
}

/* Display width of a header: CJK characters count two columns. */
static double width_of(const char *s, int min) {
  double w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xC0) != 0x80) w += *p >= 0xE0 ? 2.1 : 1.1;
  return w + 2 > min ? w + 2 : min;
}

static lxw_error put_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                          lxw_format *f) {
  if (!*s) return LXW_NO_ERROR;
  if (!utf8_valid(s, strlen(s))) s = "(无效字符)"; /* never hand the library bad UTF-8 */
  return worksheet_write_string(ws, row, col, s, f);
}

/* Appends a column expression, each "@vis(<kind>,<idcol>)" in it replaced
 * by the visibility model's condition "the user's GET of that record shows
 * it" (a record another kind's ledger names: the problem or clue of an
 * accountability outcome); "1" for the command line. -1 on an unknown kind
 * or an unfinished expression (a build defect) or past the bounds. */
static int col_expr(buf *sql, const char *x, const mscope *s, sval *p, int *np) {
  for (;;) {
    const char *at = strstr(x, "@vis(");
    if (!at) return buf_adds(sql, x) ? -1 : 0;
    const char *comma = strchr(at, ','), *end = comma ? strchr(comma, ')') : NULL;
    if (!end || buf_add(sql, x, (size_t)(at - x))) return -1;
    char kind[40], idcol[40];
    size_t nk = (size_t)(comma - at - 5), ni = (size_t)(end - comma - 1);
    if (nk >= sizeof kind || ni >= sizeof idcol) return -1;
    memcpy(kind, at + 5, nk);
    kind[nk] = '\0';
    memcpy(idcol, comma + 1, ni);
    idcol[ni] = '\0';
    const vis_kind *k = vis_kind_by_name(kind);
    if (!k || buf_adds(sql, "1")) return -1;
    if (!s->all && (!s->who ? buf_adds(sql, " AND 0")
                            : vis_in(k, s->who, k->read, idcol, sql, p, np, VIS_MAXP)))
      return -1;
    x = end + 1;
  }
}

int ledger_write(store_tx *tx, const ledger *l, const stats_ctx *c, const char *path,
                 int64_t *rows, char *err, size_t errlen) {
  const measure *m = measure_find(l->measure);
  *rows = 0;
  if (!m) {
    snprintf(err, errlen, "台账定义有误: 指标 %s 不存在", l->measure);
    return 1;
  }
  /* the rows: the ledger's columns over the measure's FROM + WHERE */
  buf sql, pap;
  buf_init(&sql, 32768);
  buf_init(&pap, 16384);
  sval p[MEASURE_MAXP];
  int np = 0;
  /* working papers (e.g. a problem's found_on) only where the user's GET
   * of the record shows them: the cell is empty elsewhere (and past its
   * bounds the expression fails the query rather than show them) */
  int papers = measure_papers_expr(m, c->scope, &pap, p, &np);
  if (papers < 0) {
    buf_free(&pap);
    buf_free(&sql);
    snprintf(err, errlen, "台账范围条件过长");
    return 1;
  }
  buf_adds(&sql, "SELECT ");
  for (int i = 0; i < l->ncols; i++) {
    const char *x = l->cols[i].expr;
    if (papers && measure_paper_field(m, x)) {
      buf_addf(&sql, "%sCASE WHEN %s THEN %s END", i ? ", " : "", buf_str(&pap), x);
    } else {
      buf_adds(&sql, i ? ", " : "");
      if (col_expr(&sql, x, c->scope, p, &np)) {
        buf_free(&pap);
        buf_free(&sql);
        snprintf(err, errlen, "台账列定义有误或范围条件过长");
        return 1;
      }
    }
    if (l->cols[i].type == LC_DAYS) buf_addf(&sql, ", %s", l->cols[i].expr2);
  }
  buf_free(&pap);
  measure_from_where(m, c->f, c->scope, c->today, &sql, p, &np);
  measure_order_by(m, &sql);

  char tmpdir[] = "/tmp/xunji-xlsx-XXXXXX";
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE,
                              .tmpdir = mkdtemp(tmpdir) ? tmpdir : NULL};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb) {
    buf_free(&sql);
    if (opt.tmpdir) rmdir(tmpdir);
    snprintf(err, errlen, "无法创建工作簿");
    return 1;
  }
  lxw_doc_properties props = {.title = (char *)l->label, .author = "xunji",
                              .company = "巡纪贯通协同平台"};
  workbook_set_properties(wb, &props);
  lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
  lxw_format *fh = workbook_add_format(wb);
  format_set_bold(fh);
  format_set_border(fh, LXW_BORDER_THIN);
  format_set_bg_color(fh, 0xDDEBF7);
  format_set_text_wrap(fh);
  format_set_align(fh, LXW_ALIGN_CENTER);
  format_set_align(fh, LXW_ALIGN_VERTICAL_CENTER);
  lxw_format *fd = workbook_add_format(wb);
  format_set_num_format(fd, "yyyy-mm-dd");
  lxw_format *fm = workbook_add_format(wb);
  format_set_num_format(fm, "#,##0.00");
  lxw_format *ft = workbook_add_format(wb);
  format_set_text_wrap(ft);
  format_set_align(ft, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *fi = workbook_add_format(wb);
  format_set_num_format(fi, "0");

  /* widths: the declared typical width or the header's, whichever is wider
   * (streaming rows cannot be measured before they are written) */
  for (int i = 0; i < l->ncols; i++)
    worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, width_of(l->cols[i].header, l->cols[i].width),
                         NULL);
  worksheet_set_column(ws, (lxw_col_t)l->ncols, (lxw_col_t)l->ncols, 6, NULL);
  worksheet_freeze_panes(ws, 1, 0);
  lxw_error e = LXW_NO_ERROR;
  for (int i = 0; i < l->ncols && !e; i++) e = put_text(ws, 0, (lxw_col_t)i, l->cols[i].header, fh);

  store_rows *rs = NULL;
  int rc = store_query(tx, buf_str(&sql), p, np, &rs);
  buf_free(&sql);
  int st = 0;
  lxw_row_t row = 1;
  while (!rc && !e && (st = store_next(rs)) > 0) {
    int k = 0; /* result column */
    for (int i = 0; i < l->ncols && !e; i++, k++) {
      const lcol *cl = &l->cols[i];
      lxw_col_t col = (lxw_col_t)i;
      bool null = store_isnull(rs, k);
      const char *s = store_text(rs, k);
      switch (cl->type) {
        case LC_TEXT: e = put_text(ws, row, col, s, ft); break;
        case LC_LABEL: if (!null) e = put_text(ws, row, col, label_of(cl->labels, s), NULL); break;
        case LC_BOOL: if (!null) e = put_text(ws, row, col, store_int(rs, k) ? "是" : "否", NULL); break;
        case LC_INT: if (!null) e = worksheet_write_number(ws, row, col, (double)store_int(rs, k), fi); break;
        case LC_FEN:
          /* fen are exact integers; as 元 a double keeps every cent up to 2^53 fen */
          if (!null) e = worksheet_write_number(ws, row, col, (double)store_int(rs, k) / 100.0, fm);
          break;
        case LC_DATE: {
          int64_t d = null ? -1 : day_of(s);
          if (d >= 0) {
            char iso[11];
            date_format(d, iso);
            lxw_datetime dt = {atoi(iso), atoi(iso + 5), atoi(iso + 8), 0, 0, 0};
            e = worksheet_write_datetime(ws, row, col, &dt, fd);
          }
          break;
        }
        case LC_DAYS: {
          int64_t a = null ? -1 : day_of(s), b;
          k++;
          b = store_isnull(rs, k) ? -1 : day_of(store_text(rs, k));
          if (a >= 0 && b >= 0) e = worksheet_write_number(ws, row, col, (double)(b - a), fi);
          break;
        }
      }
    }
    row++;
  }
  if (!rc) store_rows_close(rs);
  if (st < 0) rc = st;
  *rows = (int64_t)row - 1;
  lxw_error ce = workbook_close(wb);
  if (opt.tmpdir) rmdir(tmpdir);
  if (rc) return rc;
  if (e || ce) {
    snprintf(err, errlen, "写入工作簿失败: %s", lxw_strerror(e ? e : ce));
    return 1;
  }
  return 0;
}
