/*
 * listexport.c — any list or drill-down as .xlsx with the filters it is
 * shown with (issue 17), and the audit of a print.
 *
 * GET /api/v1/exports/records/{kind}?<the list's arguments> writes the rows
 * of the record engine's own list (h_rec_list through r->list_sink: the same
 * visibility predicate, filters, sort and redaction as the page, every row
 * instead of one page); GET /api/v1/exports/stats/{measure}?<filters> the
 * rows of the drill-down (svc_stats_records, page by page). The columns and
 * their words are meta's (api/meta.c meta_columns over the SELECT list, the
 * kinds' vocabularies and workflow labels): amounts in 元, flags 是/否,
 * codes as labels, times in Beijing time; ids are never columns.
 *
 * The sheet: a title row, a watermark row (who exported it and when, also the
 * page header and footer and the workbook's author), a frozen header row
 * with 序号 first, named after the list. Past export_max_rows rows: 413. Every
 * export is audited (kind or measure, filter names, row count) before the
 * bytes leave.
 *
 * POST /api/v1/prints records that a record or a list page was printed
 * (ids and filter names only) and answers who and when for the watermark.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "api/meta.h"
#include "api/record.h"
#include "core/authz.h"
#include "core/roles.h"
#include "core/vocab.h"
#include "core/workflow.h"
#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "report/letters.h"
#include "util/config.h"
#include "util/text.h"

enum { DRILL_CHUNK = 200 };
#define EXPORT_CAP ((int64_t)cfg_int(CFG_EXPORT_MAX_ROWS)) /* export_max_rows (util/config.c) */

/* ---- columns ---------------------------------------------------------------- */
/* How a column of a list outside the record engine shows its codes. */
typedef enum xhow { XH_PLAIN, XH_CODES, XH_ROLE, XH_ROLES, XH_ACTION, XH_KIND, XH_LETTER } xhow;

typedef struct xcol {
  const char *name, *label, *type; /* borrowed from cols (meta_columns) or the xlists table */
  const field *f;                  /* the kind's declaration of it, or NULL */
  xhow how;                        /* outside the record engine: how codes are shown */
  const char *const *codes;        /* XH_CODES: {code, label, ..., NULL} */
} xcol;

typedef struct xsheet {
  const rec_kind *k; /* the kind whose words the values take (or NULL) */
  json_t *cols;      /* meta_columns (owned) */
  xcol c[64];
  int n;
  lxw_workbook *wb;
  lxw_worksheet *ws;
  lxw_format *fh, *fm, *ft, *fw, *fti;
  lxw_row_t row; /* next sheet row */
  int64_t seq;   /* 序号 */
  bool began;    /* the list sent its rows to the sink (list_to_sink) */
  lxw_error e;
} xsheet;

static const rec_kind *kind_named(const char *name) {
  for (const rec_kind *const *k = rec_kinds; name && *k; k++)
    if (!strcmp((*k)->name, name)) return *k;
  return NULL;
}

static bool hidden_col(const rec_kind *k, const char *name) {
  for (const char *const *h = k ? k->hidden : NULL; h && *h; h++)
    if (!strcmp(*h, name)) return true;
  return false;
}

/* The columns a user reads: labelled by meta, no ids, no long texts. */
static void pick_cols(xsheet *s, const char *cols) {
  s->cols = meta_columns(s->k ? s->k->name : NULL, cols);
  size_t i;
  json_t *c;
  json_array_foreach(s->cols, i, c) {
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *label = json_string_value(json_object_get(c, "label"));
    size_t n = strlen(name);
    if (!label || (n > 3 && !strcmp(name + n - 3, "_id")) || hidden_col(s->k, name)) continue;
    if (!strcmp(name, "state_label")) continue; /* "state" shows it */
    const field *f = NULL;
    if (s->k) {
      f = fields_find(s->k->fields, s->k->nfields, name);
      if (!f) f = fields_find(s->k->filters, s->k->nfilters, name);
    }
    if (f && (f->type == FT_MEMO || f->type == FT_ID)) continue;
    bool dup = false;
    for (int j = 0; j < s->n; j++) dup |= !strcmp(s->c[j].label, label) && !strcmp(s->c[j].name, name);
    if (dup || s->n >= (int)(sizeof s->c / sizeof *s->c)) continue;
    s->c[s->n++] = (xcol){name, label, json_string_value(json_object_get(c, "type")), f};
  }
}

/* ---- the workbook ------------------------------------------------------------------ */
static double width_of(const char *s) {
  double w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xC0) != 0x80) w += *p >= 0xE0 ? 2.1 : 1.1;
  return w + 4 > 10 ? w + 4 : 10;
}

static void put_s(xsheet *s, lxw_row_t row, lxw_col_t col, const char *v, lxw_format *f) {
  if (s->e || !v || !*v) return;
  if (!utf8_valid(v, strlen(v))) v = "(无效字符)";
  s->e = worksheet_write_string(s->ws, row, col, v, f);
}

/* Opens the workbook at path: title, watermark and header rows. */
static int sheet_open(xsheet *s, const char *path, const char *sheet, const char *title,
                      const principal *who, const char *tmpdir) {
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
  s->wb = workbook_new_opt(path, &opt);
  if (!s->wb) return -1;
  char now[TS_LEN], when[40];
  ts_now(now);
  time_t t = ts_parse(now) + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
  char mark[400];
  snprintf(mark, sizeof mark, "导出人: %s (%s)  导出时间: %s (北京时间)  内部资料 注意保管", who->name,
           who->login, when);
  lxw_doc_properties props = {.title = (char *)title, .author = (char *)who->name,
                              .company = "巡纪贯通协同平台", .comments = mark};
  workbook_set_properties(s->wb, &props);
  /* a sheet name: at most 31 characters, none of []:*?/\ (our titles have none) */
  char name[100];
  size_t n = 0, chars = 0;
  for (const unsigned char *p = (const unsigned char *)sheet; *p && chars < 31; chars++) {
    size_t l = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
    if (n + l >= sizeof name) break;
    for (size_t i = 0; i < l && p[i]; i++) name[n++] = strchr("[]:*?/\\", p[i]) ? '_' : (char)p[i];
    p += l;
  }
  name[n] = '\0';
  s->ws = workbook_add_worksheet(s->wb, utf8_valid(name, n) && n ? name : NULL);
  if (!s->ws) return -1;
  s->fti = workbook_add_format(s->wb);
  format_set_bold(s->fti);
  format_set_font_size(s->fti, 16);
  format_set_align(s->fti, LXW_ALIGN_CENTER);
  s->fw = workbook_add_format(s->wb);
  format_set_font_color(s->fw, LXW_COLOR_GRAY);
  format_set_italic(s->fw);
  s->fh = workbook_add_format(s->wb);
  format_set_bold(s->fh);
  format_set_border(s->fh, LXW_BORDER_THIN);
  format_set_bg_color(s->fh, 0xDDEBF7);
  format_set_text_wrap(s->fh);
  format_set_align(s->fh, LXW_ALIGN_CENTER);
  format_set_align(s->fh, LXW_ALIGN_VERTICAL_CENTER);
  s->fm = workbook_add_format(s->wb);
  format_set_num_format(s->fm, "#,##0.00");
  s->ft = workbook_add_format(s->wb);
  format_set_text_wrap(s->ft);
  format_set_align(s->ft, LXW_ALIGN_VERTICAL_TOP);
  /* the watermark on every printed page too */
  buf hf;
  buf_init(&hf, 1024);
  buf_adds(&hf, "&L");
  for (const char *p = mark; *p; p++) buf_adds(&hf, *p == '&' ? "&&" : (char[]){*p, 0}); /* & starts a code */
  buf_adds(&hf, "&R第 &P 页 共 &N 页");
  if (!buf_failed(&hf) && hf.len < 255) {
    worksheet_set_header(s->ws, buf_str(&hf));
    worksheet_set_footer(s->ws, buf_str(&hf));
  }
  buf_free(&hf);
  worksheet_set_landscape(s->ws);
  worksheet_repeat_rows(s->ws, 2, 2);
  worksheet_set_column(s->ws, 0, 0, 6, NULL);
  for (int i = 0; i < s->n; i++)
    worksheet_set_column(s->ws, (lxw_col_t)(i + 1), (lxw_col_t)(i + 1), width_of(s->c[i].label), NULL);
  worksheet_freeze_panes(s->ws, 3, 0);
  lxw_col_t last = (lxw_col_t)(s->n > 0 ? s->n : 1);
  if (!utf8_valid(title, strlen(title))) title = "导出";
  s->e = worksheet_merge_range(s->ws, 0, 0, 0, last, title, s->fti);
  if (!s->e) s->e = worksheet_merge_range(s->ws, 1, 0, 1, last, mark, s->fw);
  put_s(s, 2, 0, "序号", s->fh);
  for (int i = 0; i < s->n; i++) put_s(s, 2, (lxw_col_t)(i + 1), s->c[i].label, s->fh);
  s->row = 3;
  return s->e ? -1 : 0;
}

static const char *role_label_of(const char *code) {
  for (int i = 0; code && i < ROLE__MAX; i++)
    if (roles[i].name && !strcmp(roles[i].name, code)) return roles[i].label;
  return NULL;
}

/* An audit entry's action in words, as the UI names it (web/src/meta.js
 * actionLabel): the exact name, a transition of its kind's workflow, a verb. */
static const char *action_label_of(const char *a) {
  for (const action_label *l = action_labels; l->name; l++)
    if (!strcmp(l->name, a)) return l->label;
  const char *dot = strrchr(a, '.');
  if (!dot) return NULL;
  const char *verb = dot + 1;
  for (const workflow *const *w = workflows; *w; w++)
    if (strlen((*w)->entity) == (size_t)(dot - a) && !strncmp((*w)->entity, a, (size_t)(dot - a)))
      for (int i = 0; i < (*w)->ntransitions; i++)
        if (!strcmp((*w)->transitions[i].verb, verb)) return (*w)->transitions[i].label;
  for (const action_label *l = action_labels; l->name; l++)
    if (l->name[0] == '.' && !strcmp(l->name + 1, verb)) return l->label;
  return NULL;
}

static const char *code_label(const xcol *c, const char *t) {
  switch (c->how) {
  case XH_CODES:
    for (const char *const *p = c->codes; p && p[0] && p[1]; p += 2)
      if (!strcmp(p[0], t)) return p[1];
    return NULL;
  case XH_ROLE: return role_label_of(t);
  case XH_ACTION: return action_label_of(t);
  case XH_KIND: {
    const rec_kind *k = kind_named(t);
    return k ? k->label : NULL;
  }
  case XH_LETTER:
    for (int i = 0; i < nletter_tpls; i++)
      if (!strcmp(letter_tpls[i].kind, t)) return letter_tpls[i].label;
    return NULL;
  default: return NULL;
  }
}

/* One value in the users' words. */
static void put_cell(xsheet *s, lxw_col_t col, const xcol *c, const json_t *row) {
  const json_t *v = json_object_get(row, c->name);
  if (c->type && !strcmp(c->type, "fen")) {
    if (!v) { /* the kind's fix showed it in 元 under its name without _fen (rec_money) */
      char base[64];
      snprintf(base, sizeof base, "%.*s", (int)(strlen(c->name) - 4), c->name);
      const char *y = json_string_value(json_object_get(row, base));
      char *end;
      double d = y ? strtod(y, &end) : 0;
      if (y && *y && !*end) s->e = worksheet_write_number(s->ws, s->row, col, d, s->fm);
    } else if (json_is_integer(v)) {
      s->e = worksheet_write_number(s->ws, s->row, col, (double)json_integer_value(v) / 100.0, s->fm);
    }
    return;
  }
  if (!v || json_is_null(v)) return;
  if (c->type && !strcmp(c->type, "bool")) {
    bool on = json_is_true(v) || (json_is_integer(v) && json_integer_value(v));
    put_s(s, s->row, col, on ? "是" : "否", NULL);
    return;
  }
  if (json_is_integer(v)) {
    s->e = worksheet_write_number(s->ws, s->row, col, (double)json_integer_value(v), NULL);
    return;
  }
  if (json_is_boolean(v)) {
    put_s(s, s->row, col, json_is_true(v) ? "是" : "否", NULL);
    return;
  }
  if (c->how == XH_ROLES) { /* a user's grants: their roles' names */
    buf b;
    buf_init(&b, 256);
    size_t i;
    const json_t *g;
    json_array_foreach(v, i, g) {
      const char *l = role_label_of(json_string_value(json_object_get(g, "role")));
      if (l && !json_string_value(json_object_get(g, "ended_at"))) buf_addf(&b, "%s%s", b.len ? "、" : "", l);
    }
    if (!buf_failed(&b)) put_s(s, s->row, col, buf_str(&b), s->ft);
    buf_free(&b);
    return;
  }
  const char *t = json_string_value(v);
  if (!t) return;
  if (c->how != XH_PLAIN) {
    const char *l = code_label(c, t);
    put_s(s, s->row, col, l ? l : t, NULL);
    return;
  }
  if (!strcmp(c->name, "state")) {
    const char *l = json_string_value(json_object_get(row, "state_label"));
    if (!l && s->k && s->k->wf) l = wf_state_label(s->k->wf, t);
    put_s(s, s->row, col, l ? l : t, NULL);
    return;
  }
  if (c->f && c->f->type == FT_ENUM) {
    const char *l = vocab_label(s->k->name, c->f->name, c->f->values, s->k->wf, t);
    put_s(s, s->row, col, l ? l : t, NULL);
    return;
  }
  size_t n = strlen(t);
  if (n >= 20 && t[10] == 'T' && t[n - 1] == 'Z') { /* our UTC stamps: Beijing time */
    time_t u = ts_parse(t);
    if (u != (time_t)-1) {
      u += 8 * 3600;
      struct tm tm;
      char out[24];
      gmtime_r(&u, &tm);
      strftime(out, sizeof out, "%Y-%m-%d %H:%M", &tm);
      put_s(s, s->row, col, out, NULL);
      return;
    }
  }
  put_s(s, s->row, col, t, s->ft);
}

static int sheet_begin(void *ctx, int64_t total) {
  (void)total;
  ((xsheet *)ctx)->began = true;
  return 0;
}

static int sheet_row(void *ctx, const json_t *row) {
  xsheet *s = ctx;
  if (s->e) return -1;
  s->e = worksheet_write_number(s->ws, s->row, 0, (double)++s->seq, NULL);
  for (int i = 0; i < s->n && !s->e; i++) put_cell(s, (lxw_col_t)(i + 1), &s->c[i], row);
  s->row++;
  return s->e ? -1 : 0;
}

/* ---- the download -------------------------------------------------------------------- */
/* The names of the query arguments (the filters, never their values). */
static bool add_name(void *ctx, const char *k, const char *v) {
  (void)v;
  if (strcmp(k, "page") && strcmp(k, "per_page") && json_array_size(ctx) < 32 &&
      utf8_valid(k, strlen(k)) && strlen(k) <= 40)
    json_array_append_new(ctx, json_string(k));
  return true;
}

/* Closes the workbook, audits and answers it (or the error already in r). */
static int finish(req *r, xsheet *s, int status, char *dir, const char *path, const char *what,
                  const char *name, const char *title) {
  lxw_error ce = s->wb ? workbook_close(s->wb) : LXW_ERROR_MEMORY_MALLOC_FAILED;
  json_decref(s->cols);
  char tmp[80];
  snprintf(tmp, sizeof tmp, "%s/t", dir);
  rmdir(tmp);
  if (status == 200 && (ce || s->e))
    status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  int fd = status == 200 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  unlink(path);
  rmdir(dir);
  struct stat st;
  if (status == 200 && (fd < 0 || fstat(fd, &st) != 0))
    status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  if (status == 200) { /* audited before the bytes leave: ids, names and the count only */
    json_t *f = json_array();
    req_each_arg(r, add_name, f);
    json_t *d = json_pack("{s:s,s:s,s:o,s:I}", "what", what, "name", name, "filters", f, "rows",
                          (json_int_t)s->seq);
    svc_actor ac;
    api_actor(r, &ac);
    xres x = XRES_INIT;
    int rc = svc_audit_alone(r->app, &ac, "list.export", what, NULL, d, &x);
    api_actor_end(r, &ac);
    json_decref(d);
    if (rc) status = api_xres(r, &x);
  }
  if (status != 200) {
    if (fd >= 0) close(fd);
    return status;
  }
  json_decref(r->out);
  r->out = NULL;
  char fname[300], today[11];
  date_format(date_today_shanghai(), today);
  snprintf(fname, sizeof fname, "%s-%s.xlsx", title, today);
  reports_attachment(r, NULL, 0, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "export.xlsx", fname);
  r->rawfd = fd;
  r->rawfd_size = (size_t)st.st_size;
  return 200;
}

static int begin_files(req *r, char *dir, char *path, size_t n, char *tmp, size_t nt) {
  if (!mkdtemp(dir)) return api_error(r, 500, "internal", "", "无法创建临时文件 (请求编号 %s)", r->id);
  snprintf(path, n, "%s/x.xlsx", dir);
  snprintf(tmp, nt, "%s/t", dir);
  mkdir(tmp, 0700);
  return 0;
}

/* ---- lists outside the record engine -------------------------------------------- */
/* Each is exported through its own route's handler (the list_sink of
 * api_list: the same visibility, filters and sort as its page), with the
 * columns its page shows (web/src/records.js) in the users' words. */
static const char *const vetting_codes[] = {"pending", "待答复", "clear", "无异议", "objection", "有异议", NULL};
static const char *const inst_codes[] = {"new", "新建", "revised", "修订", NULL};
static const char *const result_codes[] = {"ok", "成功", "denied", "拒绝", "failed", "失败", NULL};
#define XC(n, l) {.name = n, .label = l}
#define XB(n, l) {.name = n, .label = l, .type = "bool"}
#define XH(n, l, h) {.name = n, .label = l, .how = h}
#define XK(n, l, c) {.name = n, .label = l, .how = XH_CODES, .codes = c}

typedef struct xlist {
  const char *name;  /* {kind} in the URL: the list's page (web/src/records.js) */
  const char *path;  /* its GET route (routes.c): the handler and its function-level check */
  const char *title; /* the sheet's name and title row */
  xcol c[14];        /* up to the first without a name */
} xlist;

static const xlist xlists[] = {
    {"vettings", "/api/v1/vettings", "廉政审核清单",
     {XC("person_name", "人员"), XC("team_name", "巡察组"), XC("round_name", "巡察轮次"),
      XK("state", "审核意见", vetting_codes), XC("reason", "理由"), XC("requested_at", "提请时间"),
      XC("answered_at", "答复时间")}},
    {"institutions", "/api/v1/institutions", "制度机制清单",
     {XC("name", "制度名称"), XC("unit_name", "被巡察单位"), XK("kind", "类型", inst_codes),
      XC("issued_on", "印发日期"), XC("created_at", "登记时间")}},
    {"documents", "/api/v1/documents", "公文清单",
     {XC("docno", "文号"), XC("title", "标题"), XH("kind", "类别", XH_LETTER), XC("recipient", "主送"),
      XC("issued_by_name", "出具人"), XC("issued_at", "出具时间")}},
    {"users", "/api/v1/users", "用户清单",
     {XC("login", "登录名"), XC("display_name", "姓名"), XH("roles", "角色", XH_ROLES),
      XB("disabled", "停用"), XB("locked", "锁定"), XB("must_change", "须修改密码"),
      XC("last_login_at", "最近登录"), XC("created_at", "创建时间")}},
    {"audit", "/api/v1/audit", "审计日志",
     {XC("seq", "日志号"), XC("at", "时间"), XC("actor_login", "操作人"), XH("role", "角色", XH_ROLE),
      XH("action", "操作", XH_ACTION), XH("object_kind", "对象", XH_KIND), XC("object_id", "对象编号"),
      XK("result", "结果", result_codes), XC("request_id", "请求编号"), XC("ip", "IP"),
      XC("detail", "详情")}},
};

static const xlist *xlist_named(const char *name) {
  for (size_t i = 0; name && i < sizeof xlists / sizeof *xlists; i++)
    if (!strcmp(xlists[i].name, name)) return &xlists[i];
  return NULL;
}

static const route *get_route(const char *path) {
  for (int i = 0; i < nroutes; i++)
    if (!strcmp(routes[i].method, "GET") && !strcmp(routes[i].pattern, path)) return &routes[i];
  return NULL;
}

int h_export_records(req *r) {
  const rec_kind *k = kind_named(r->params[0]);
  const xlist *xl = k ? NULL : xlist_named(r->params[0]);
  const route *lr = xl ? get_route(xl->path) : NULL;
  /* only kinds the route table lists (their list route's act is k->list_act),
   * and the lists of xlists */
  if (!k && !lr) return api_error(r, 404, "not_found", "", "没有这种记录");
  /* the list route's function-level check, as dispatch makes it for the list */
  action_id act = k ? k->list_act : lr->act;
  if (!authz(&r->who, act, NULL)) return api_deny(r, act, k ? k->name : xl->name, NULL, 0);
  char title[200];
  if (k) snprintf(title, sizeof title, "%s清单", k->label);
  else snprintf(title, sizeof title, "%s", xl->title);
  xsheet s = {.k = k};
  if (k) {
    pick_cols(&s, k->cols);
  } else {
    while (s.n < (int)(sizeof xl->c / sizeof *xl->c) && xl->c[s.n].name) {
      s.c[s.n] = xl->c[s.n];
      s.n++;
    }
  }
  char dir[] = "/tmp/xunji-export-XXXXXX", path[64], tmp[64];
  if (begin_files(r, dir, path, sizeof path, tmp, sizeof tmp)) {
    json_decref(s.cols);
    return r->status;
  }
  int status;
  if (sheet_open(&s, path, title, title, &r->who, tmp)) {
    status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  } else {
    /* the list itself, as the page asks for it, every row to the sheet */
    list_sink sink = {.cap = EXPORT_CAP, .begin = sheet_begin, .row = sheet_row, .ctx = &s};
    route rt = k ? *r->route : *lr;
    if (k) rt.arg = k;
    const route *was = r->route;
    r->route = &rt;
    r->list_sink = &sink;
    status = k ? h_rec_list(r) : rt.fn(r);
    r->list_sink = NULL;
    r->route = was;
    /* a handler that answered a page instead of sending its rows: no sheet */
    if (status == 200 && !s.began) status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  }
  const char *what = k ? k->name : xl->name;
  return finish(r, &s, status, dir, path, what, what, title);
}

int h_export_stats(req *r) {
  static const arg_decl extra[] = {
      {.name = "key", .label = "分类", .type = ARG_TEXT, .flags = ARG_NONEMPTY, .max = 64,
       .msg = "「分类」无效"},
  };
  const measure *m = measure_find(r->params[0]);
  if (!m) return api_error(r, 404, "not_found", "", "统计指标不存在");
  mfilters f;
  mscope sc;
  if (reports_filters(r, &f, extra, ARGS_N(extra), true) || reports_scope(r, A_STATS_READ, &sc))
    return r->status;
  stats_ctx c;
  stats_ctx_init(&c, &f, &sc, &r->who);
  if (!stats_visible(&c, m)) return api_deny(r, m->src->vis->read, "measure", NULL, 0);
  const measure *rm = m->kind == MK_RATIO ? measure_find(m->num) : m;
  const char *kind = rm->src->vis ? rm->src->vis->name : NULL;
  xsheet s = {.k = kind_named(kind)};
  const char *cols = rm->kind == MK_DISTINCT && rm->gcols ? rm->gcols : rm->src->cols;
  pick_cols(&s, cols);
  if (rm->kind == MK_DAYS && s.n < 64) s.c[s.n++] = (xcol){"days", "天数", NULL, NULL};
  char title[200];
  snprintf(title, sizeof title, "%s明细", m->label);
  char dir[] = "/tmp/xunji-export-XXXXXX", path[64], tmp[64];
  if (begin_files(r, dir, path, sizeof path, tmp, sizeof tmp)) {
    json_decref(s.cols);
    return r->status;
  }
  int status = 200;
  if (sheet_open(&s, path, m->label, title, &r->who, tmp)) {
    status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  } else {
    /* the drill-down itself, page after page */
    svc_actor ac;
    api_actor(r, &ac);
    const char *key = req_arg(r, "key");
    for (int64_t off = 0, total = 1; status == 200 && off < total; off += DRILL_CHUNK) {
      xres x = XRES_INIT;
      json_t *out = NULL;
      if (svc_stats_records(r->app, &ac, &c, m, key, DRILL_CHUNK, off, &out, &x)) {
        status = api_xres(r, &x);
        break;
      }
      total = json_integer_value(json_object_get(out, "total"));
      if (total > EXPORT_CAP) {
        json_decref(out);
        status = api_error(r, 413, "too_many_rows", "",
                           "记录共 %lld 条, 超过一次导出的上限 %lld 条, 请缩小查询范围",
                           (long long)total, (long long)EXPORT_CAP);
        break;
      }
      size_t i;
      json_t *it;
      json_array_foreach(json_object_get(out, "items"), i, it) if (sheet_row(&s, it)) status = 500;
      json_decref(out);
    }
    api_actor_end(r, &ac);
    if (status == 500) status = api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  }
  return finish(r, &s, status, dir, path, "measure", m->name, title);
}

/* ---- print -------------------------------------------------------------------------- */
int h_print_audit(req *r) {
  static const field body[] = {
      {"kind", "打印对象", FT_TEXT, F_REQUIRED, 40, 0, NULL},
      {"id", "记录", FT_TEXT, 0, 64, 0, NULL},
      {"filters", "筛选条件", FT_TEXT, 0, 400, 0, NULL},
  };
  if (api_body(r, body, NF(body), false)) return r->status;
  const char *kind = rec_s(r->in, "kind"), *id = rec_s(r->in, "id");
  const rec_kind *k = kind_named(kind);
  const measure *m = k ? NULL : measure_find(kind);
  if (!k && !m && strcmp(kind, "home") && strcmp(kind, "dashboard") &&
      strcmp(kind, "list") && strcmp(kind, "record"))
    return api_error(r, 400, "invalid_field", "kind", "「打印对象」无效");
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  if (k && id && *id) { /* a record page: only one the user's GET shows */
    json_t *row = NULL;
    int rc = rec_svc_get(r->app, &ac, k, id, &row, &x);
    json_decref(row);
    if (rc) {
      api_actor_end(r, &ac);
      return api_xres(r, &x);
    }
  } else if (k && !vis_any(k->vis, &r->who)) {
    api_actor_end(r, &ac);
    return api_deny(r, k->list_act, k->name, NULL, 0);
  }
  /* the names of the filters only (comma-separated names checked as such) */
  json_t *names = json_array();
  const char *fl = rec_s(r->in, "filters");
  for (const char *p = fl ? fl : ""; *p;) {
    size_t n = strcspn(p, ",");
    bool ok = n > 0 && n <= 40;
    for (size_t i = 0; ok && i < n; i++) ok = (p[i] >= 'a' && p[i] <= 'z') || p[i] == '_' || (p[i] >= '0' && p[i] <= '9');
    if (ok) json_array_append_new(names, json_stringn(p, n));
    p += n + (p[n] == ',');
  }
  json_t *d = json_pack("{s:s,s:o}", "what", k ? k->name : m ? "measure" : kind, "filters", names);
  if (m) json_object_set_new(d, "measure", json_string(m->name));
  int rc = svc_audit_alone(r->app, &ac, id && *id ? "record.print" : "list.print",
                           k ? k->name : m ? "measure" : kind, id && *id && k ? id : NULL, d, &x);
  api_actor_end(r, &ac);
  json_decref(d);
  if (rc) return api_xres(r, &x);
  char now[TS_LEN];
  ts_now(now);
  return api_ok(r, 200, json_pack("{s:s,s:s,s:s}", "printed_by", r->who.name, "login", r->who.login,
                                   "printed_at", now));
}
