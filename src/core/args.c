/*
 * args.c — the one query-string parser. See args.h.
 */
#include "core/args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/xmem.h"

enum { WHERE_MAX = 65536, ORDER_MAX = 1024 };

void args_init(args *a, const args_spec *s, int base) {
  memset(a, 0, sizeof *a);
  a->spec = s;
  a->base = base < 0 ? 0 : base;
  buf_init(&a->where, WHERE_MAX);
  buf_init(&a->order, ORDER_MAX);
  a->page = 1;
  a->per_page = ARGS_PER_PAGE;
  a->limit = ARGS_PER_PAGE;
}

void args_free(args *a) {
  buf_free(&a->where);
  buf_free(&a->order);
  for (int i = 0; i < a->ns; i++) free(a->strs[i]);
  free(a->strs);
  free(a->p);
  free(a->v);
  free(a->given);
  memset(a, 0, sizeof *a);
}

/* A name fit to be echoed in a message: valid UTF-8, at most 60 bytes. */
static const char *shown(const char *k) {
  size_t n = strlen(k);
  return n <= 60 && utf8_valid(k, n) ? k : "?";
}

__attribute__((format(printf, 4, 5))) static bool fail(args *a, int status, const char *code,
                                                        const char *fmt, ...) {
  if (a->status) return false;
  a->status = status;
  a->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->message, sizeof a->message, fmt, ap);
  va_end(ap);
  utf8_fix_end(a->message);
  return false;
}

static void set_field(args *a, const char *name) {
  snprintf(a->field, sizeof a->field, "%s", shown(name));
}

static char *keep(args *a, const char *s, size_t n) {
  if (a->ns == a->scap) {
    a->scap = a->scap ? 2 * a->scap : 8;
    a->strs = xrealloc(a->strs, (size_t)a->scap * sizeof *a->strs);
  }
  char *c = xmalloc(n + 1);
  memcpy(c, s, n);
  c[n] = '\0';
  a->strs[a->ns++] = c;
  return c;
}

/* Binds v and returns its number ($n). Slots [0, base) stay for the caller. */
static int bind(args *a, sval v) {
  int need = a->base + a->np + 1 + 2; /* + LIMIT/OFFSET */
  if (need > a->cap) {
    int c = a->cap ? a->cap : 8;
    while (c < need) c *= 2;
    a->p = xrealloc(a->p, (size_t)c * sizeof *a->p);
    a->cap = c;
  }
  a->p[a->base + a->np] = v;
  return a->base + ++a->np;
}

static void add_value(args *a, const arg_decl *d, const char *s, int64_t i) {
  if (a->nv == a->vcap) {
    a->vcap = a->vcap ? 2 * a->vcap : 8;
    a->v = xrealloc(a->v, (size_t)a->vcap * sizeof *a->v);
  }
  a->v[a->nv++] = (arg_val){d, s, i};
}

static bool is_true(const char *v) { return !strcmp(v, "true") || !strcmp(v, "1"); }
static bool is_false(const char *v) { return !strcmp(v, "false") || !strcmp(v, "0"); }

/* "查询条件「label」" what detail tail, or the declaration's own message. */
static bool bad3(args *a, const arg_decl *d, const char *what, const char *detail, const char *tail) {
  set_field(a, d->name);
  if (d->msg) return fail(a, 400, "invalid_field", "%s", d->msg);
  size_t n = detail ? strlen(detail) : 0;
  n = utf8_prefix(detail ? detail : "", n < 40 ? n : 40);
  return fail(a, 400, "invalid_field", "查询条件「%s」%s%.*s%s", d->label, what, (int)n,
              detail ? detail : "", tail ? tail : "");
}

static bool bad(args *a, const arg_decl *d, const char *what) { return bad3(a, d, what, NULL, NULL); }

/* Checks one value of d (n bytes at s, NUL-terminated) into *iv. */
static bool check(args *a, const arg_decl *d, const char *s, size_t n, int64_t *iv) {
  *iv = 0;
  if (n != strlen(s) || !utf8_valid(s, n)) return bad(a, d, "含有无效字符");
  for (size_t k = 0; k < n; k++)
    if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f) return bad(a, d, "不得包含控制字符");
  if (!n && (d->flags & ARG_NONEMPTY)) return bad(a, d, "不能为空");
  switch (d->type) {
    case ARG_TEXT:
    case ARG_SEARCH: {
      int64_t max = d->max > 0 ? d->max : 200;
      if ((int64_t)utf8_len(s) > max) {
        char m[32];
        snprintf(m, sizeof m, "%lld", (long long)max);
        return bad3(a, d, "不得超过", m, "个字");
      }
      return true;
    }
    case ARG_ID:
      /* "" as in a body field: a value that matches nothing, unless ARG_NONEMPTY */
      return !n || uuid_valid(s) || bad(a, d, "不是有效的编号");
    case ARG_ENUM:
      return (d->values && enum_ok(d->values, s)) || bad3(a, d, "的取值无效: ", s, NULL);
    case ARG_BOOL:
    case ARG_FLAG:
      if (is_true(s) || is_false(s)) {
        *iv = is_true(s);
        return true;
      }
      return bad(a, d, "应为 true 或 false");
    case ARG_INT: {
      /* digits only (an optional minus), no blanks, no overflow */
      const char *q = s + (*s == '-');
      bool ok = *q && strlen(q) <= 18; /* no overflow */
      for (const char *c = q; ok && *c; c++) ok = *c >= '0' && *c <= '9';
      long long x = ok ? strtoll(s, NULL, 10) : 0;
      if (!ok || x < d->min || x > d->max) {
        char r[64];
        snprintf(r, sizeof r, "%lld 至 %lld", (long long)d->min, (long long)d->max);
        return bad3(a, d, "应为 ", r, " 之间的整数");
      }
      *iv = x;
      return true;
    }
    case ARG_DATE:
      return !n || date_parse(s, NULL) || bad(a, d, "应为有效日期 (YYYY-MM-DD)");
    case ARG_MONEY:
      return money_parse(s, iv) || bad(a, d, "应为金额 (元, 最多两位小数)");
  }
  return bad(a, d, "无效");
}

static sval value_of(const arg_decl *d, const char *s, int64_t i) {
  switch (d->type) {
    case ARG_BOOL:
    case ARG_INT:
    case ARG_MONEY:
      return SV_I(i);
    default:
      return SV_S(s);
  }
}

/* " AND <cond>" with each "?" of tmpl replaced by ph. */
static void add_cond(args *a, const char *tmpl, const char *ph) {
  buf_adds(&a->where, " AND ");
  for (const char *s = tmpl; *s; s++) {
    if (*s == '?') buf_adds(&a->where, ph);
    else buf_add(&a->where, s, 1);
  }
}

static bool count_cond(args *a, const arg_decl *d) {
  int max = a->spec->max > 0 && a->spec->max < ARGS_MAX ? a->spec->max : ARGS_MAX;
  if (a->nconds >= max) {
    set_field(a, d->name);
    return fail(a, 400, "too_many_params", "查询条件过多 (上限 %d 个)", max);
  }
  a->nconds++;
  return true;
}

static void add_flag(args *a, const arg_decl *d, bool on) {
  const char *today = a->spec->today ? a->spec->today : "1970-01-01";
  buf_adds(&a->where, on ? " AND (" : " AND NOT (");
  for (const char *s = d->sql; *s;) {
    const char *m = strstr(s, "{today}");
    size_t n = m ? (size_t)(m - s) : strlen(s);
    buf_add(&a->where, s, n);
    if (!m) break;
    buf_adds(&a->where, today);
    s = m + 7;
  }
  buf_adds(&a->where, ")");
}

/* The condition of one value (or one list) of d. */
static bool add_decl(args *a, const arg_decl *d, const char *v) {
  size_t n = strlen(v);
  if (n > ARGS_MAX_VALUE) {
    set_field(a, d->name);
    return fail(a, 400, "invalid_field", "查询条件「%s」过长", d->label);
  }
  if (!*v && (d->flags & ARG_EMPTY_NULL)) return true;
  if (d->flags & ARG_LIST) {
    int limit = d->count > 0 ? d->count : 1;
    const char *items[ARGS_MAX];
    int64_t iv[ARGS_MAX];
    int k = 0;
    for (const char *s = v;;) {
      const char *e = strchr(s, ',');
      size_t len = e ? (size_t)(e - s) : strlen(s);
      if (k >= limit || k >= ARGS_MAX) {
        set_field(a, d->name);
        return fail(a, 400, "too_many_params", "查询条件「%s」最多 %d 项", d->label, limit);
      }
      char *c = keep(a, s, len);
      if (!check(a, d, c, len, &iv[k])) return false;
      items[k++] = c;
      if (!e) break;
      s = e + 1;
    }
    for (int i = 0; i < k; i++) add_value(a, d, items[i], iv[i]);
    if (!d->col && !d->sql) return true;
    if (!count_cond(a, d)) return false;
    buf ph;
    buf_init(&ph, 1024);
    buf_adds(&ph, "(");
    for (int i = 0; i < k; i++) buf_addf(&ph, "%s$%d", i ? "," : "", bind(a, value_of(d, items[i], iv[i])));
    buf_adds(&ph, ")");
    if (d->sql) {
      add_cond(a, d->sql, buf_str(&ph));
    } else {
      buf_addf(&a->where, " AND %s%s IN %s", a->spec->prefix ? a->spec->prefix : "", d->col,
               buf_str(&ph));
    }
    buf_free(&ph);
    return true;
  }
  char *c = keep(a, v, n);
  int64_t iv;
  if (!check(a, d, c, n, &iv)) return false;
  add_value(a, d, c, iv);
  if (d->type == ARG_FLAG) {
    if (!d->sql) return true;
    if (!count_cond(a, d)) return false;
    add_flag(a, d, iv != 0);
    return true;
  }
  if (!d->col && !d->sql) return true;
  if (!count_cond(a, d)) return false;
  char ph[16];
  snprintf(ph, sizeof ph, "$%d", bind(a, value_of(d, c, iv)));
  if (d->sql) {
    add_cond(a, d->sql, ph);
  } else if (d->type == ARG_SEARCH) {
    /* instr() instead of LIKE: no wildcard injection; col is an expression (no prefix) */
    buf_addf(&a->where, " AND instr(%s, %s) > 0", d->col, ph);
  } else {
    buf_addf(&a->where, " AND %s%s = %s", a->spec->prefix ? a->spec->prefix : "", d->col, ph);
  }
  return true;
}

static bool listed(const char *const *l, const char *k) {
  for (; l && *l; l++)
    if (!strcmp(*l, k)) return true;
  return false;
}

/* page, per_page, sort, cursor: given once each, parsed in args_finish
 * (the cursor's content is checked by the list, api/paging.c) */
static const char *const special[] = {"page", "per_page", "sort", "cursor", NULL};

bool args_add(args *a, const char *name, const char *value) {
  if (a->status) return false;
  if (!name) name = "";
  if (!value) value = "";
  const args_spec *s = a->spec;
  /* every name counts toward the ceiling, whatever it is */
  int cap = s->open && s->max > 0 && s->max < ARGS_MAX_SEEN ? s->max : ARGS_MAX_SEEN;
  if (++a->nseen > cap) {
    a->field[0] = '\0';
    return fail(a, 400, "too_many_params", "查询参数过多 (上限 %d 个)", cap);
  }
  if (s->open) {
    /* any name, each once (the request's choke point, before the route's own spec) */
    for (int i = 0; i < a->ns; i++)
      if (!strcmp(a->strs[i], name)) {
        set_field(a, name);
        return fail(a, 400, "duplicate_param", "查询参数「%s」重复", a->field);
      }
    keep(a, name, strlen(name));
    return true;
  }
  for (int i = 0; special[i]; i++) {
    if (strcmp(name, special[i])) continue;
    if ((i < 2 && !s->paging) || (i == 2 && !s->sort) || (i == 3 && !(s->paging && s->keyset)))
      break;
    const char **slot = i == 0   ? &a->page_s
                        : i == 1 ? &a->per_page_s
                        : i == 2 ? &a->sort_s
                                 : &a->cursor_s;
    if (*slot) {
      set_field(a, name);
      return fail(a, 400, "duplicate_param", "查询参数「%s」重复", a->field);
    }
    size_t n = strlen(value);
    if (n > (i == 3 ? ARGS_CURSOR_MAX : 64)) {
      set_field(a, name);
      return fail(a, 400, "invalid_field", "查询参数「%s」过长", name);
    }
    *slot = keep(a, value, n);
    return true;
  }
  for (int i = 0; i < s->n; i++) {
    const arg_decl *d = &s->decls[i];
    if (strcmp(d->name, name)) continue;
    if (!a->given) a->given = xcalloc((size_t)s->n, sizeof *a->given);
    int limit = (d->flags & ARG_LIST) || d->count <= 1 ? 1 : d->count;
    if (a->given[i] >= limit) {
      set_field(a, name);
      if (limit == 1) return fail(a, 400, "duplicate_param", "查询参数「%s」重复", shown(name));
      return fail(a, 400, "too_many_params", "查询条件「%s」最多 %d 个", d->label, limit);
    }
    a->given[i]++;
    return add_decl(a, d, value);
  }
  set_field(a, name);
  return fail(a, 400, "unknown_field", "未知的查询条件: %s", shown(name));
}

static bool sortable(const args_spec *s, const char *col) {
  if (s->sort_stamps && (!strcmp(col, "created_at") || !strcmp(col, "updated_at"))) return true;
  if (listed(s->sort_cols, col)) return true;
  return s->sort_fields && fields_find(s->sort_fields, s->nsort_fields, col);
}

int args_sort_sql(const args_spec *s, const char *sort, buf *out, char *why, size_t nwhy) {
  const char *pre = s->sort_prefix ? s->sort_prefix : "";
  if (!sort || !*sort) {
    if (s->sort_default && s->sort_verbatim) buf_addf(out, " ORDER BY %s", s->sort_default);
    else if (s->sort_default) buf_addf(out, " ORDER BY %s, %sid", s->sort_default, pre);
    return 0;
  }
  int desc = sort[0] == '-';
  const char *col = sort + desc;
  if (!sortable(s, col)) {
    /* the column as given, cut at a character boundary (a byte-count cut
     * inside a character left invalid UTF-8 mid-message: fuzz_args) */
    const char *c = shown(col);
    size_t n = strlen(c);
    if (n > 40) {
      n = 40;
      while (n && ((unsigned char)c[n] & 0xC0) == 0x80) n--;
    }
    snprintf(why, nwhy, "不能按「%.*s」排序", (int)n, c);
    utf8_fix_end(why);
    return 400;
  }
  /* ties (timestamps have whole seconds) in the same direction: -created_at is newest first */
  buf_addf(out, " ORDER BY %s%s%s, %sid%s", pre, col, desc ? " DESC" : "", pre, desc ? " DESC" : "");
  return 0;
}

int args_finish(args *a) {
  if (a->status) return a->status;
  const args_spec *s = a->spec;
  int max = s->per_page_max > 0 && s->per_page_max <= ARGS_PER_PAGE_MAX ? s->per_page_max
                                                                          : ARGS_PER_PAGE_MAX;
  for (int i = 0; i < s->n; i++)
    if ((s->decls[i].flags & ARG_REQUIRED) && !(a->given && a->given[i])) {
      set_field(a, s->decls[i].name);
      return fail(a, 400, "missing_field", "请指定「%s」", s->decls[i].label), a->status;
    }
  if (a->page_s) {
    const char *v = a->page_s;
    bool ok = *v && strlen(v) <= 7;
    for (const char *c = v; ok && *c; c++) ok = *c >= '0' && *c <= '9';
    long n = ok ? strtol(v, NULL, 10) : 0;
    if (n < 1 || n > 1000000) {
      set_field(a, "page");
      return fail(a, 400, "invalid_field", "「页码」应为正整数"), a->status;
    }
    a->page = n;
  }
  if (a->per_page_s) {
    const char *v = a->per_page_s;
    bool ok = *v && strlen(v) <= 4;
    for (const char *c = v; ok && *c; c++) ok = *c >= '0' && *c <= '9';
    long n = ok ? strtol(v, NULL, 10) : 0;
    if (n < 1 || n > max) {
      set_field(a, "per_page");
      return fail(a, 400, "invalid_field", "「每页条数」应在 1 至 %d 之间", max), a->status;
    }
    a->per_page = n;
  }
  if (a->cursor_s && a->page_s) {
    set_field(a, "cursor");
    return fail(a, 400, "invalid_field", "「cursor」不能与「页码」同时使用"), a->status;
  }
  if (a->cursor_s && !*a->cursor_s) {
    set_field(a, "cursor");
    return fail(a, 400, "invalid_field", "「cursor」不能为空"), a->status;
  }
  /* OFFSET only for the first pages: deeper, the reply's `next` cursor */
  if ((a->page - 1) * a->per_page > ARGS_OFFSET_MAX) {
    set_field(a, "page");
    return fail(a, 400, "invalid_field", "「页码」过大 (前 %d 条之后请按 cursor 翻页)",
                ARGS_OFFSET_MAX), a->status;
  }
  a->limit = a->per_page;
  a->offset = (a->page - 1) * a->per_page;
  if (s->sort || s->sort_default) {
    char why[128];
    if (args_sort_sql(s, s->sort ? a->sort_s : NULL, &a->order, why, sizeof why)) {
      set_field(a, "sort");
      return fail(a, 400, "invalid_field", "%s", why), a->status;
    }
  }
  if (buf_failed(&a->where) || buf_failed(&a->order)) {
    set_field(a, "");
    return fail(a, 400, "too_many_params", "查询条件过多"), a->status;
  }
  return 0;
}

const char *args_where(const args *a) { return buf_str(&a->where); }
const char *args_order(const args *a) { return buf_str(&a->order); }

sval *args_params(args *a, const sval *pre, int *n) {
  int need = a->base + a->np + 2;
  if (need > a->cap) {
    a->p = xrealloc(a->p, (size_t)need * sizeof *a->p);
    a->cap = need;
  }
  for (int i = 0; i < a->base; i++) a->p[i] = pre[i];
  a->p[a->base + a->np] = SV_NUL;
  a->p[a->base + a->np + 1] = SV_NUL;
  *n = a->base + a->np;
  return a->p;
}

const arg_val *args_get(const args *a, const char *name) {
  for (int i = 0; i < a->nv; i++)
    if (!strcmp(a->v[i].d->name, name)) return &a->v[i];
  return NULL;
}

bool args_has(const args *a, const char *name) { return args_get(a, name) != NULL; }

arg_decl arg_of_field(const field *f, const char *col) {
  arg_decl d = {.name = f->name, .label = f->label, .col = col ? col : f->name};
  switch (f->type) {
    case FT_TEXT:
    case FT_MEMO:
      d.type = ARG_TEXT;
      d.max = f->max;
      break;
    case FT_INT:
      d.type = ARG_INT;
      d.min = f->min;
      d.max = f->max ? f->max : INT32_MAX;
      break;
    case FT_BOOL:
      d.type = ARG_BOOL;
      break;
    case FT_DATE:
      d.type = ARG_DATE;
      break;
    case FT_ENUM:
      d.type = ARG_ENUM;
      d.values = f->values;
      break;
    case FT_ID:
      d.type = ARG_ID;
      break;
    case FT_MONEY:
      d.type = ARG_MONEY;
      break;
  }
  return d;
}
