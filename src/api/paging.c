/*
 * paging.c — request input shared by handlers: the JSON body against
 * declared fields, If-Match/ETag, page and per_page, and the paged list
 * (bounded count + page in one read transaction, keyset paging by `next`
 * cursors; docs/api.md "Lists").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
#include "api/record.h"
#include "api/service.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/buf.h"
#include "util/mutant.h"

/* ---- input -------------------------------------------------------------- */
int api_body(req *r, const field *f, int n, bool partial) {
  if (!r->in) r->in = json_object();
  verr e;
  if (!fields_validate(r->in, f, n, partial, &e)) return api_verr(r, &e);
  return 0;
}

void api_set_etag(req *r, int64_t version) {
  snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)version);
}

int api_if_match(req *r, int64_t version) {
  const char *im = req_header(r, "If-Match");
  if (!im || strcmp(im, "*") == 0) return 0;
  char want[32];
  snprintf(want, sizeof want, "\"%lld\"", (long long)version);
  const char *p = im;
  if (strncmp(p, "W/", 2) == 0) p += 2;
  if (strcmp(p, want) == 0) return 0;
  return api_error(r, 409, "stale", "If-Match",
                   "记录已被他人修改 (当前版本 %lld), 请刷新后重试", (long long)version);
}

/* The paging rules of the one argument parser (core/args.c); keyset: a
 * cursor is taken (api_list), else it is an unknown argument. */
static int paging_of(req *r, bool keyset, int64_t *limit, int64_t *offset) {
  static const args_spec paging = {.paging = true}, keyed = {.paging = true, .keyset = true};
  args a;
  args_init(&a, keyset ? &keyed : &paging, 0);
  const char *ps = req_arg(r, "page"), *pp = req_arg(r, "per_page"), *cs = req_arg(r, "cursor");
  if (ps) args_add(&a, "page", ps);
  if (pp) args_add(&a, "per_page", pp);
  if (cs) args_add(&a, "cursor", cs);
  int status = args_finish(&a);
  if (status) status = api_error(r, status, a.code, a.field, "%s", a.message);
  *limit = a.limit;
  *offset = a.offset;
  args_free(&a);
  return status;
}

static void list_order_of(buf *o, const char *order);

/* The whole list to r->list_sink (see api.h): chunks of the same query. */
static int list_to_sink(req *r, const api_list_q *q) {
  enum { CHUNK = 500 };
  const list_sink *s = r->list_sink;
  store_tx *tx;
  int rc = q->lag_ok ? store_read_lagged(r->app->db, r->who.user_id, &tx) : store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  buf sql;
  buf_init(&sql, 32768);
  int64_t total = 0;
  buf_addf(&sql, "SELECT count(*) FROM %s%s", q->from, q->where);
  rc = store_query_int(tx, buf_str(&sql), q->p, q->np, &total);
  if (!rc && total > s->cap) {
    buf_free(&sql);
    store_rollback(tx);
    return api_error(r, 413, "too_many_rows", "", "记录共 %lld 条, 超过一次导出的上限 %lld 条, 请缩小查询范围",
                     (long long)total, (long long)s->cap);
  }
  int bad = !rc && s->begin ? s->begin(s->ctx, total) : 0;
  buf_reset(&sql);
  buf order;
  buf_init(&order, 2048);
  list_order_of(&order, q->order);
  buf_addf(&sql, "SELECT %s FROM %s%s%s LIMIT $%d OFFSET $%d", q->cols, q->from, q->where,
           buf_str(&order), q->np + 1, q->np + 2);
  buf_free(&order);
  for (int64_t off = 0; !rc && !bad && off < total; off += CHUNK) {
    q->p[q->np] = SV_I(CHUNK);
    q->p[q->np + 1] = SV_I(off);
    json_t *items = store_query_json(tx, buf_str(&sql), q->p, q->np + 2);
    if (!items) rc = STORE_ERR;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) if (q->fix) q->fix(tx, it, q->ctx);
    if (items && q->fix_page) q->fix_page(tx, items, q->ctx);
    json_array_foreach(items, i, it) if (!bad) bad = s->row(s->ctx, it);
    json_decref(items);
  }
  buf_free(&sql);
  store_rollback(tx);
  if (rc) return api_store_error(r, rc, NULL);
  if (bad) return api_error(r, 500, "internal", "", "导出失败 (请求编号 %s)", r->id);
  return api_ok(r, 200, json_pack("{s:I}", "total", (json_int_t)total));
}

int api_paging(req *r, int64_t *limit, int64_t *offset) { return paging_of(r, false, limit, offset); }
int api_paging_keyset(req *r, int64_t *limit, int64_t *offset) {
  return paging_of(r, true, limit, offset);
}

/* ---- keyset paging ------------------------------------------------------------ */
/* A list's order as terms (expression, direction); the last term is the
 * unique key (x.id, seq) that breaks ties, so that "the rows after this
 * one" is well defined under any allowed sort. */
enum { LIST_MAXKEYS = 8, LIST_COUNT_MAX = 10000 };

typedef struct okey {
  char expr[160];
  bool desc;
} okey;

/* Splits " ORDER BY a DESC, b" into terms; false when it is not that simple shape. */
static bool order_terms(const char *order, okey *k, int *n) {
  *n = 0;
  const char *s = order ? order : "";
  while (*s == ' ') s++;
  if (!*s) return true;
  if (strncmp(s, "ORDER BY ", 9)) return false;
  s += 9;
  for (;;) {
    while (*s == ' ') s++;
    const char *e = s;
    int depth = 0;
    while (*e && (depth || *e != ',')) {
      if (*e == '(') depth++;
      if (*e == ')') depth--;
      e++;
    }
    size_t len = (size_t)(e - s);
    while (len && s[len - 1] == ' ') len--;
    bool desc = false;
    if (len > 5 && !strncmp(s + len - 5, " DESC", 5)) desc = true, len -= 5;
    else if (len > 4 && !strncmp(s + len - 4, " ASC", 4)) len -= 4;
    if (!len || len >= sizeof k->expr || *n >= LIST_MAXKEYS) return false;
    memcpy(k[*n].expr, s, len);
    k[*n].expr[len] = '\0';
    k[(*n)++].desc = desc;
    if (!*e) return true;
    s = e + 1;
  }
}

/* The column name of an expression ("x.created_at" -> "created_at"). */
static const char *bare(const char *expr) {
  const char *d = strrchr(expr, '.');
  return d ? d + 1 : expr;
}

/* Columns that are never NULL wherever they are sorted on (the keys and the
 * stamps): a descending range bound on them is safe and lets the index seek. */
static bool never_null(const char *expr) {
  const char *b = bare(expr);
  return !strcmp(b, "id") || !strcmp(b, "seq") || !strcmp(b, "created_at") ||
         !strcmp(b, "updated_at");
}

/* A list's ORDER BY from its terms, with the NULLs placed explicitly where SQLite
 * puts them: first in ascending order, last in descending. PostgreSQL's default is
 * the reverse; stated, both backends give one order, and the rows "after" a cursor
 * (keyset_where) are the rows that follow it on both. Columns that are never NULL
 * stay bare (PostgreSQL can then still walk their index in either direction). */
static void list_order(buf *o, const okey *k, int n) {
  for (int i = 0; i < n; i++)
    buf_addf(o, "%s%s%s", i ? ", " : " ORDER BY ", k[i].expr,
             never_null(k[i].expr) ? (k[i].desc ? " DESC" : "")
                                   : (k[i].desc ? " DESC NULLS LAST" : " NULLS FIRST"));
}

/* The same for an order given as text (an export's): as it is when it is not
 * the simple "ORDER BY a [DESC], b" shape. */
static void list_order_of(buf *o, const char *order) {
  okey k[LIST_MAXKEYS];
  int n = 0;
  if (order_terms(order, k, &n) && n) list_order(o, k, n);
  else buf_adds(o, order ? order : "");
}

static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_enc(buf *o, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    char c[4] = {b64u[v >> 18 & 63], b64u[v >> 12 & 63], b64u[v >> 6 & 63], b64u[v & 63]};
    buf_add(o, c, i + 2 < n ? 4 : i + 1 < n ? 3 : 2);
  }
}

/* base64url without padding into out (room for n*3/4+1); -1 on a bad character. */
static long b64_dec(const char *s, size_t n, unsigned char *out) {
  long m = 0;
  unsigned v = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    const char *c = memchr(b64u, s[i], 64);
    if (!c || !s[i]) return -1;
    v = v << 6 | (unsigned)(c - b64u);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[m++] = (unsigned char)(v >> bits & 0xff);
    }
  }
  return n % 4 == 1 ? -1 : m;
}

/* What the cursor's tag covers: the list (path), its order and the payload. */
static void cursor_msg(buf *m, req *r, const char *order, const char *payload, size_t n) {
  buf_addf(m, "xunji-cursor\n%s\n%s\n", r->path ? r->path : "", order ? order : "");
  buf_add(m, payload, n);
}

/* "<base64url(JSON array of the last row's key values)>.<HMAC-SM3 hex>". */
static char *cursor_make(req *r, const char *order, json_t *vals) {
  char *js = json_dumps(vals, JSON_COMPACT);
  if (!js) return NULL;
  buf m, o;
  buf_init(&m, 2 * ARGS_CURSOR_MAX);
  buf_init(&o, ARGS_CURSOR_MAX);
  cursor_msg(&m, r, order, js, strlen(js));
  char tag[2 * SM3_LEN + 1];
  row_tag(&r->app->keys, buf_str(&m), m.len, tag);
  b64_enc(&o, (const unsigned char *)js, strlen(js));
  buf_adds(&o, ".");
  buf_adds(&o, tag);
  char *out = buf_failed(&o) || buf_failed(&m) ? NULL : xstrdup(buf_str(&o));
  free(js);
  buf_free(&m);
  buf_free(&o);
  return out;
}

/* The key values of a cursor given to this list and order, checked: its tag,
 * then one value (string, integer or null) per term. NULL with a 400 made. */
static json_t *cursor_open(req *r, const char *order, const char *c, int nkeys) {
  const char *dot = strrchr(c, '.');
  json_t *vals = NULL;
  size_t n = dot ? (size_t)(dot - c) : 0;
  unsigned char *js = n ? xmalloc(n * 3 / 4 + 2) : NULL;
  long m = js ? b64_dec(c, n, js) : -1;
  if (m > 0) {
    buf msg;
    buf_init(&msg, 2 * ARGS_CURSOR_MAX);
    cursor_msg(&msg, r, order, (const char *)js, (size_t)m);
    bool ok = !buf_failed(&msg) && row_tag_ok(&r->app->keys, buf_str(&msg), msg.len, dot + 1);
    buf_free(&msg);
    if (ok) vals = json_loadb((const char *)js, (size_t)m, 0, NULL);
  }
  free(js);
  bool shape = json_is_array(vals) && (int)json_array_size(vals) == nkeys;
  for (size_t i = 0; shape && i < json_array_size(vals); i++) {
    json_t *v = json_array_get(vals, i);
    shape = json_is_string(v) || json_is_integer(v) || json_is_null(v);
  }
  if (shape) return vals;
  json_decref(vals);
  api_error(r, 400, "invalid_field", "cursor",
            "「cursor」无效 (应为上一页答复中的 next, 且排序不变)");
  return NULL;
}

static sval sv_of(json_t *v) {
  if (json_is_integer(v)) return SV_I(json_integer_value(v));
  if (json_is_string(v)) return SV_S(json_string_value(v));
  return SV_NUL;
}

/* " AND (<the rows after the cursor in this order>)": each term's value bound
 * once ($first+i). A leading range on the first term lets an index on it
 * seek straight to the cursor (NULLs sort first, as SQLite does). */
static void keyset_where(buf *w, const okey *k, int n, json_t *vals, int first) {
  json_t *v0 = json_array_get(vals, 0);
  buf_adds(w, " AND ");
  if (!json_is_null(v0)) {
    if (!k[0].desc) buf_addf(w, "%s >= $%d AND ", k[0].expr, first);
    else if (never_null(k[0].expr)) buf_addf(w, "%s <= $%d AND ", k[0].expr, first);
  }
  buf_adds(w, "(");
  for (int i = 0; i < n; i++) {
    buf_adds(w, i ? " OR (" : "(");
    for (int j = 0; j < i; j++) {
      if (json_is_null(json_array_get(vals, (size_t)j))) buf_addf(w, "%s IS NULL AND ", k[j].expr);
      else buf_addf(w, "%s = $%d AND ", k[j].expr, first + j);
    }
    bool null = json_is_null(json_array_get(vals, (size_t)i));
    if (!k[i].desc) {
      if (null) buf_addf(w, "%s IS NOT NULL", k[i].expr);
      else buf_addf(w, "%s > $%d", k[i].expr, first + i);
    } else {
      if (null) buf_adds(w, "0");
      else buf_addf(w, "(%s < $%d OR %s IS NULL)", k[i].expr, first + i, k[i].expr);
    }
    buf_adds(w, ")");
  }
  buf_adds(w, ")");
}

/* The rows of q's scope, up to LIST_COUNT_MAX + 1. A probe first: is there a
 * row past LIST_COUNT_MAX (one index walk that skips rows, ~3.5x cheaper per
 * row than counting them through a sub-select)? If so the total is approximate
 * and nothing is counted; if not, the scope has at most LIST_COUNT_MAX rows
 * and a plain count(*) (SQLite's own count loop, no sub-select) says exactly
 * how many. Same read transaction: both see the same rows. */
static int list_count(store_tx *tx, const api_list_q *q, const sval *p, buf *sql, int64_t *total) {
  const char *from = q->count_from ? q->count_from : q->from;
  buf_reset(sql);
  buf_addf(sql, "SELECT 1 FROM %s%s LIMIT 1 OFFSET %d", from, q->where, LIST_COUNT_MAX);
  json_t *past = store_query_json(tx, buf_str(sql), p, q->np);
  if (!past) return STORE_ERR;
  bool more = json_array_size(past) > 0;
  json_decref(past);
  if (more) {
    *total = LIST_COUNT_MAX + 1;
    return STORE_OK;
  }
  buf_reset(sql);
  buf_addf(sql, "SELECT count(*) FROM %s%s", from, q->where);
  return store_query_int(tx, buf_str(sql), p, q->np, total);
}

int api_list(req *r, const api_list_q *q) {
  if (r->list_sink) return list_to_sink(r, q);
  int64_t limit, offset;
  if (paging_of(r, true, &limit, &offset)) return r->status;
  const char *cursor = req_arg(r, "cursor");
  /* the order as terms ending with the unique key */
  okey k[LIST_MAXKEYS + 1];
  int nk = 0;
  bool keyed = order_terms(q->order, k, &nk);
  if (keyed) {
    /* the unique key: q->key, else "<alias>.id" of the FROM's first table;
     * a single table without alias is keyed by a last term "id" or "seq" */
    char key[64] = "", t[64], al[32];
    const char *last = nk ? k[nk - 1].expr : "";
    int got = sscanf(q->from, "%63s %31s", t, al);
    bool alias = got == 2 && strcmp(al, "JOIN") && strcmp(al, "LEFT") && strcmp(al, "WHERE");
    if (q->key) snprintf(key, sizeof key, "%s", q->key);
    else if (alias) snprintf(key, sizeof key, "%s.id", al);
    if (*key && !strcmp(last, key)) {
      /* already ends with the key */
    } else if (!*key && got == 1 && (!strcmp(last, "id") || !strcmp(last, "seq"))) {
      /* one table, its own key */
    } else if (*key && nk < LIST_MAXKEYS) {
      snprintf(k[nk].expr, sizeof k->expr, "%s", key);
      k[nk].desc = nk > 0 && k[nk - 1].desc;
      nk++;
    } else {
      keyed = false;
    }
  }
  if (cursor && !keyed)
    return api_error(r, 400, "invalid_field", "cursor", "该列表不支持「cursor」翻页, 请用页码");
  buf order;
  buf_init(&order, 2048);
  if (keyed) list_order(&order, k, nk);
  const char *ord = keyed ? buf_str(&order) : q->order;
  json_t *vals = NULL;
  if (cursor && !(vals = cursor_open(r, ord, cursor, nk))) {
    buf_free(&order);
    return r->status;
  }
  /* the parameters: the caller's, the cursor's values, then LIMIT/OFFSET */
  sval *p = xcalloc((size_t)q->np + LIST_MAXKEYS + 4, sizeof *p);
  for (int i = 0; i < q->np; i++) p[i] = q->p[i];
  int np = q->np;
  buf where, sql;
  buf_init(&where, 65536 + 8192);
  buf_init(&sql, 65536 + 32768);
  buf_adds(&where, q->where);
  if (vals) {
    keyset_where(&where, k, nk, vals, np + 1);
    for (int i = 0; i < nk; i++) p[np++] = sv_of(json_array_get(vals, (size_t)i));
  }
  store_tx *tx;
  int rc = q->lag_ok ? store_read_lagged(r->app->db, r->who.user_id, &tx) : store_read(r->app->db, &tx);
  if (rc) {
    json_decref(vals);
    free(p);
    buf_free(&where);
    buf_free(&sql);
    buf_free(&order);
    return api_store_error(r, rc, NULL);
  }
  int64_t total = -1;
  /* one row more than the page says whether there is a next page */
  buf keys;
  buf_init(&keys, 4096);
  for (int i = 0; keyed && i < nk; i++) buf_addf(&keys, ", %s AS _k%d", k[i].expr, i);
  json_t *items = NULL;
  if (!rc && q->two_phase && keyed) {
    /* the page's keys first (no per-row column work over the scope), then
     * those rows' columns: the page costs its own rows, however deep */
    buf_addf(&sql, "SELECT 1%s FROM %s%s%s LIMIT $%d OFFSET $%d", buf_str(&keys), q->from,
             buf_str(&where), ord, np + 1, np + 2);
    p[np] = SV_I(limit + 1);
    p[np + 1] = SV_I(offset);
    json_t *ks = store_query_json(tx, buf_str(&sql), p, np + 2);
    buf_reset(&sql);
    if (ks && json_array_size(ks)) {
      size_t nr = json_array_size(ks);
      sval *ip = xcalloc(nr, sizeof *ip);
      char kn[16];
      snprintf(kn, sizeof kn, "_k%d", nk - 1);
      buf_addf(&sql, "SELECT %s%s FROM %s WHERE %s IN (", q->cols, buf_str(&keys), q->from,
               k[nk - 1].expr);
      for (size_t i = 0; i < nr; i++) {
        ip[i] = sv_of(json_object_get(json_array_get(ks, i), kn));
        buf_addf(&sql, "%s$%zu", i ? "," : "", i + 1);
      }
      buf_adds(&sql, ")");
      json_t *rows = store_query_json(tx, buf_str(&sql), ip, (int)nr);
      if (rows) {
        /* in the order of the keys */
        items = json_array();
        for (size_t i = 0; i < nr; i++) {
          json_t *want = json_object_get(json_array_get(ks, i), kn);
          size_t j;
          json_t *row;
          json_array_foreach(rows, j, row) if (json_equal(json_object_get(row, kn), want)) {
            json_array_append(items, row);
            break;
          }
        }
        json_decref(rows);
      }
      free(ip);
    } else if (ks) {
      items = json_array();
    }
    json_decref(ks);
  } else if (!rc) {
    buf_addf(&sql, "SELECT %s%s FROM %s%s%s LIMIT $%d OFFSET $%d", q->cols, buf_str(&keys),
             q->from, buf_str(&where), ord, np + 1, np + 2);
    p[np] = SV_I(limit + 1);
    p[np + 1] = SV_I(offset);
    items = store_query_json(tx, buf_str(&sql), p, np + 2);
  }
  bool more = items && (int64_t)json_array_size(items) > limit;
  if (more) json_array_remove(items, json_array_size(items) - 1);
  /* the count: only without a cursor (the first page, or ?page=), and never
   * more than LIST_COUNT_MAX rows of the scope (then total_approx). A page
   * with rows and no next page already says it exactly (offset + its rows,
   * same transaction, same rows: count_from is vouched to count these),
   * so the count query runs only where there is more (issue 15). */
  if (!cursor && items) {
    int64_t got = (int64_t)json_array_size(items);
    if (!more && (got > 0 || offset == 0) && offset + got <= LIST_COUNT_MAX) {
      total = offset + got;
    } else {
      rc = list_count(tx, q, p, &sql, &total);
      if (rc) {
        json_decref(items);
        items = NULL;
      }
    }
  }
  /* the next cursor: the last row's key values */
  char *next = NULL;
  size_t n = items ? json_array_size(items) : 0;
  if (more && keyed && n) {
    json_t *last = json_array_get(items, n - 1), *kv = json_array();
    bool ok = true;
    for (int i = 0; i < nk; i++) {
      char kn[16];
      snprintf(kn, sizeof kn, "_k%d", i);
      json_t *v = json_object_get(last, kn);
      ok = ok && (json_is_string(v) || json_is_integer(v) || json_is_null(v));
      json_array_append(kv, v ? v : json_null());
    }
    if (ok) next = cursor_make(r, ord, kv);
    json_decref(kv);
  }
  size_t i;
  json_t *it;
  if (items) json_array_foreach(items, i, it) {
      for (int j = 0; keyed && j < nk; j++) {
        char kn[16];
        snprintf(kn, sizeof kn, "_k%d", j);
        json_object_del(it, kn);
      }
      if (q->fix) q->fix(tx, it, q->ctx);
    }
  if (items && q->fix_page) q->fix_page(tx, items, q->ctx);
  store_rollback(tx);
  json_decref(vals);
  free(p);
  buf_free(&where);
  buf_free(&sql);
  buf_free(&keys);
  buf_free(&order);
  if (!items) {
    free(next);
    return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  }
  json_t *o = json_pack("{s:o,s:I,s:b}", "items", items, "per_page", (json_int_t)limit, "has_more",
                        more);
  json_object_set_new(o, "next", next ? json_string(next) : json_null());
  free(next);
  if (!cursor) {
    json_object_set_new(o, "page", json_integer(offset / limit + 1));
    json_object_set_new(o, "total", json_integer(total > LIST_COUNT_MAX ? LIST_COUNT_MAX : total));
    if (total > LIST_COUNT_MAX) json_object_set_new(o, "total_approx", json_true());
  }
  return api_ok(r, 200, o);
}
