/*
 * stats.c — evaluates the measures table (core/measures.c) on the store.
 * Counts and sums are one SQL aggregate over the measure's FROM + WHERE;
 * durations are computed here per record (calendar days in Asia/Shanghai),
 * so SQL stays in the common dialect; drill-downs select the same rows.
 */
#include "report/stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/aggregates.h"
#include "util/text.h"
#include "util/xmem.h"

static const char *const kind_names[] = {"count", "distinct", "sum_fen", "days", "dist", "ratio",
                                         "sum"};

void stats_ctx_init(stats_ctx *c, const mfilters *f, const mscope *s, const principal *who) {
  memset(c, 0, sizeof *c);
  c->f = f;
  c->scope = s;
  c->who = who;
  date_format(date_today_shanghai(), c->today);
}

bool stats_visible(const stats_ctx *c, const measure *m) {
  if (m->kind == MK_RATIO) {
    const measure *a = measure_find(m->num), *b = measure_find(m->den);
    return a && b && stats_visible(c, a) && stats_visible(c, b);
  }
  if (!c->who) return true;
  return measure_scope_ok(m, c->scope);
}

void fen_yuan(int64_t fen, char out[32]) {
  uint64_t a = fen < 0 ? (uint64_t)(-(fen + 1)) + 1 : (uint64_t)fen;
  snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "", a / 100, a % 100);
}

void fen_wan(int64_t fen, char out[40]) {
  /* 1 万元 = 1,000,000 fen: six exact decimals, trailing zeros trimmed to two */
  uint64_t a = fen < 0 ? (uint64_t)(-(fen + 1)) + 1 : (uint64_t)fen;
  snprintf(out, 40, "%s%" PRIu64 ".%06" PRIu64, fen < 0 ? "-" : "", a / 1000000, a % 1000000);
  size_t n = strlen(out);
  while (n > 0 && out[n - 1] == '0' && out[n - 3] != '.') out[--n] = '\0';
}

/* Calendar day (Shanghai) of a date or one of our UTC timestamps; -1 if neither. */
static int64_t day_of(const char *s) { return day_shanghai(s); }

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static json_t *ignored(const stats_ctx *c, const measure *m) {
  json_t *a = json_array();
  for (int i = 0; i < MF__MAX; i++)
    if (c->f->v[i] && !measure_uses(m, (mfilter)i))
      json_array_append_new(a, json_string(mfilter_names[i]));
  return a;
}

/* SELECT <what> FROM ... WHERE ... <tail>, parameters from p[*np] */
static void build_at(const stats_ctx *c, const measure *m, const char *what, const char *tail,
                     const char *key, buf *sql, sval *p, int *np) {
  buf_addf(sql, "SELECT %s", what);
  measure_from_where(m, c->f, c->scope, c->today, sql, p, np);
  if (key) {
    buf_addf(sql, " AND %s = $%d", m->expr, *np + 1);
    p[(*np)++] = SV_S(key);
  }
  if (tail) buf_adds(sql, tail);
}

static void build(const stats_ctx *c, const measure *m, const char *what, const char *tail,
                  const char *key, buf *sql, sval *p, int *np) {
  *np = 0;
  build_at(c, m, what, tail, key, sql, p, np);
}

static int int_of(store_tx *tx, const stats_ctx *c, const measure *m, const char *what,
                  int64_t *v) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np;
  build(c, m, what, NULL, NULL, &sql, p, &np);
  int rc = store_query_int(tx, buf_str(&sql), p, np, v);
  buf_free(&sql);
  return rc;
}

/* The number of distinct values of m->expr (a column list: the distinct
 * rows) over m: SELECT count(*) FROM (SELECT DISTINCT expr ...). With a
 * column list an index that leads with those columns answers in its order,
 * without a temporary b-tree (issue 15: people_accountable at 1M, 66 -> 33 ms). */
static int distinct_of(store_tx *tx, const stats_ctx *c, const measure *m, int64_t *v) {
  char what[300];
  snprintf(what, sizeof what, "DISTINCT %s", m->expr);
  buf sql, in;
  buf_init(&sql, 16384);
  buf_init(&in, 16384);
  sval p[MEASURE_MAXP];
  int np;
  build(c, m, what, NULL, NULL, &in, p, &np);
  buf_adds(&sql, "SELECT count(*) FROM (");
  buf_adds(&sql, buf_str(&in));
  buf_adds(&sql, ") dx");
  int rc = buf_failed(&sql) || buf_failed(&in) ? STORE_ERR
                                                : store_query_int(tx, buf_str(&sql), p, np, v);
  buf_free(&in);
  buf_free(&sql);
  return rc;
}

/* m->agg_all's measure (m without its condition on today) and agg_rest's
 * (agg_all's rows that m does not count, over the records); w holds the
 * latter's condition. false: m has none. */
static bool split_of(const measure *m, measure *all, measure *rest, char *w, size_t wn) {
  if (!m->agg_all || !m->agg_rest || m->kind != MK_COUNT) return false;
  *all = *m;
  all->where = m->agg_all;
  all->agg_all = all->agg_rest = NULL;
  *rest = *all;
  int n = snprintf(w, wn, "(%s) AND (%s)", m->agg_all, m->agg_rest);
  rest->where = w;
  return n > 0 && (size_t)n < wn;
}

/* The count or sum of m: from its source's aggregate where it has one
 * (report/aggregates.c), else over the records. A count with a condition on
 * today (agg_all, agg_rest): the aggregate's count of agg_all minus the
 * records of agg_rest, found through an index (O(rows not counted)). */
static int figure_of(store_tx *tx, const stats_ctx *c, const measure *m, const char *what,
                     int64_t *v) {
  agg_plan ap;
  if (agg_plan_for(c, m, &ap)) return int_of(tx, &ap.c, &ap.m, ap.what, v);
  measure all, rest;
  char w[512];
  if (split_of(m, &all, &rest, w, sizeof w) && agg_plan_for(c, &all, &ap)) {
    int64_t t = 0, r = 0;
    int rc = int_of(tx, &ap.c, &ap.m, ap.what, &t);
    if (!rc) rc = int_of(tx, c, &rest, "count(*)", &r);
    *v = t - r;
    return rc;
  }
  return int_of(tx, c, m, what, v);
}

/* (036) m over its records alone (src->rec_bare), without a visibility
 * condition, where neither a filter reads the joins nor the user's condition
 * narrows (vis_whole for the report's action and the kind's read action):
 * the same rows, through an index. Fills *src, *bm (m over it) and *bc (c
 * with the whole scope *all). */
static bool bare_records(const stats_ctx *c, const measure *m, msource *src, measure *bm,
                         stats_ctx *bc, mscope *all) {
  const msource *s = m->src;
  if (!s->rec_bare || c->f->v[MF_CAMPAIGN] || c->f->v[MF_ROUND_KIND] || c->f->v[MF_LEVEL])
    return false;
  if (!c->scope->all && !(c->scope->who && vis_whole(s->vis, c->scope->who, c->scope->act) &&
                          vis_whole(s->vis, c->scope->who, s->vis->read)))
    return false;
  *src = *s;
  src->from = s->rec_bare;
  src->direct = false;
  *bm = *m;
  bm->src = src;
  *all = (mscope){.all = true};
  *bc = *c;
  bc->scope = all;
  return true;
}

int stats_count(store_tx *tx, const stats_ctx *c, const measure *m, int64_t *v) {
  return figure_of(tx, c, m, "count(*)", v);
}

/* The summary of durations d[0..nd) (sorted here). */
static void list_summary(int64_t *d, size_t nd, mdays *out) {
  memset(out, 0, sizeof *out);
  if (nd) qsort(d, nd, sizeof *d, cmp_i64);
  out->count = (int64_t)nd;
  if (nd) {
    out->median = nd % 2 ? (double)d[nd / 2] : (d[nd / 2 - 1] + d[nd / 2]) / 2.0;
    out->max = d[nd - 1];
    out->min = d[0];
  }
}

/* The same from a histogram: n[i] records of d[i] days, d ascending, n > 0. */
static void hist_summary(const int64_t *d, const int64_t *n, size_t nd, mdays *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < nd; i++) out->count += n[i];
  if (!nd || out->count <= 0) return;
  /* the values at 0-based positions lo and hi of the sorted durations */
  int64_t lo = (out->count - 1) / 2, hi = out->count / 2, seen = 0, vlo = 0, vhi = 0;
  for (size_t i = 0; i < nd; i++) {
    if (seen <= lo && lo < seen + n[i]) vlo = d[i];
    if (seen <= hi && hi < seen + n[i]) vhi = d[i];
    seen += n[i];
  }
  out->min = d[0];
  out->max = d[nd - 1];
  out->median = lo == hi ? (double)vlo : (vlo + vhi) / 2.0;
}

/* The durations of m: per record (calendar days in Asia/Shanghai), or from the
 * histogram of plan p, one row per day count: the same count, exact median
 * (the middle record, or the mean of the two middle ones), minimum, maximum. */
int stats_days(store_tx *tx, const stats_ctx *c, const measure *m, const agg_plan *p,
               mdays *out) {
  memset(out, 0, sizeof *out);
  buf sql;
  buf_init(&sql, 16384);
  sval prm[MEASURE_MAXP];
  int np;
  store_rows *rows;
  int rc;
  if (p) {
    char what[400], tail[700];
    snprintf(what, sizeof what, "%s AS d, %s AS n", p->days, p->what);
    snprintf(tail, sizeof tail, " GROUP BY %s HAVING %s <> 0 ORDER BY %s", p->days, p->what,
             p->days);
    build(&p->c, &p->m, what, tail, NULL, &sql, prm, &np);
    rc = store_query(tx, buf_str(&sql), prm, np, &rows);
    int64_t *d = NULL, *n = NULL;
    size_t nd = 0, cap = 0;
    if (!rc) {
      int st;
      while ((st = store_next(rows)) > 0) {
        if (nd == cap) {
          cap = cap ? cap * 2 : 64;
          d = xrealloc(d, cap * sizeof *d);
          n = xrealloc(n, cap * sizeof *n);
        }
        d[nd] = store_int(rows, 0);
        n[nd++] = store_int(rows, 1);
      }
      if (st < 0) rc = st;
      store_rows_close(rows);
    }
    if (!rc) hist_summary(d, n, nd, out);
    free(d);
    free(n);
    buf_free(&sql);
    return rc;
  }
  char what[300];
  snprintf(what, sizeof what, "%s, %s", m->expr, m->expr2);
  build(c, m, what, NULL, NULL, &sql, prm, &np);
  int64_t *d = NULL;
  size_t nd = 0, cap = 0;
  rc = store_query(tx, buf_str(&sql), prm, np, &rows);
  if (!rc) {
    int st;
    while ((st = store_next(rows)) > 0) {
      int64_t a = day_of(store_text(rows, 0)), b = day_of(store_text(rows, 1));
      if (a < 0 || b < 0) continue;
      if (nd == cap) {
        cap = cap ? cap * 2 : 64;
        d = xrealloc(d, cap * sizeof *d);
      }
      d[nd++] = b - a;
    }
    if (st < 0) rc = st;
    store_rows_close(rows);
  }
  list_summary(d, nd, out);
  free(d);
  buf_free(&sql);
  return rc;
}

/* The fields of a duration figure as stats_value gives them. */
static void set_days(json_t *o, const mdays *d) {
  json_object_set_new(o, "count", json_integer((json_int_t)d->count));
  if (d->count) {
    json_object_set_new(o, "value", json_real(d->median));
    json_object_set_new(o, "median", json_real(d->median));
    json_object_set_new(o, "max", json_integer(d->max));
    json_object_set_new(o, "min", json_integer(d->min));
  } else {
    json_object_set_new(o, "value", json_null());
    json_object_set_new(o, "median", json_null());
    json_object_set_new(o, "max", json_null());
    json_object_set_new(o, "min", json_null());
  }
}

/* The fields of a distribution (MK_DIST) from its rows [{code, n}]: every
 * known code, zeros included, in the table's order; then unknown ones. */
static void set_dist(json_t *o, const measure *m, json_t *g) {
  json_t *by = json_array();
  int64_t total = 0;
  for (int i = 0; m->labels && m->labels[i]; i += 2) {
    int64_t k = 0;
    size_t j;
    json_t *it;
    json_array_foreach(g, j, it) if (!strcmp(json_string_value(json_object_get(it, "code")) ?: "",
                                             m->labels[i])) k = json_integer_value(json_object_get(it, "n"));
    json_array_append_new(by, json_pack("{s:s,s:s,s:I}", "code", m->labels[i], "label",
                                        m->labels[i + 1], "n", (json_int_t)k));
  }
  size_t j;
  json_t *it;
  json_array_foreach(g, j, it) {
    const char *code = json_string_value(json_object_get(it, "code")) ?: "";
    int64_t k = json_integer_value(json_object_get(it, "n"));
    total += k;
    if (measure_dist_label(m, code) == code)
      json_array_append_new(by, json_pack("{s:s,s:s,s:I}", "code", code, "label", code, "n",
                                          (json_int_t)k));
  }
  json_object_set_new(o, "value", json_integer(total));
  json_object_set_new(o, "by", by);
}

int stats_value(store_tx *tx, const stats_ctx *c, const measure *m, json_t **out) {
  json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "name", m->name, "label", m->label, "unit",
                        m->unit, "kind", kind_names[m->kind], "source", m->src->name,
                        "ignored_filters", ignored(c, m));
  int rc = 0;
  int64_t n = 0;
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np;
  switch (m->kind) {
    case MK_COUNT:
      rc = figure_of(tx, c, m, "count(*)", &n);
      json_object_set_new(o, "value", json_integer(n));
      break;
    case MK_DISTINCT: {
      msource bs;
      measure bm;
      stats_ctx bc;
      mscope all;
      if (bare_records(c, m, &bs, &bm, &bc, &all)) rc = distinct_of(tx, &bc, &bm, &n);
      else rc = distinct_of(tx, c, m, &n);
      json_object_set_new(o, "value", json_integer(n));
      break;
    }
    case MK_SUM: {
      char what[200];
      snprintf(what, sizeof what, "coalesce(sum(%s),0)", m->expr);
      rc = figure_of(tx, c, m, what, &n);
      json_object_set_new(o, "value", json_integer(n));
      break;
    }
    case MK_SUM_FEN: {
      char what[200], y[32], w[40];
      snprintf(what, sizeof what, "coalesce(sum(%s),0)", m->expr);
      rc = figure_of(tx, c, m, what, &n);
      fen_yuan(n, y);
      fen_wan(n, w);
      json_object_set_new(o, "value", json_string(y));
      json_object_set_new(o, "value_fen", json_integer(n));
      json_object_set_new(o, "value_wan", json_string(w));
      break;
    }
    case MK_DAYS: { /* (034) from the histogram where it answers, else per record */
      mdays d;
      agg_plan ap;
      rc = stats_days(tx, c, m, agg_plan_for(c, m, &ap) ? &ap : NULL, &d);
      set_days(o, &d);
      break;
    }
    case MK_DIST: {
      char what[600], tail[300];
      snprintf(tail, sizeof tail, " GROUP BY %s ORDER BY %s", m->expr, m->expr);
      agg_plan ap; /* (issue 15) from the source's aggregate where it has one */
      if (agg_plan_for(c, m, &ap)) { /* groups that fell to zero are no code */
        snprintf(tail, sizeof tail, " GROUP BY %s HAVING %s <> 0 ORDER BY %s", m->expr, ap.what,
                 m->expr);
        snprintf(what, sizeof what, "%s AS code, %s AS n", m->expr, ap.what);
        build(&ap.c, &ap.m, what, tail, NULL, &sql, p, &np);
      } else {
        snprintf(what, sizeof what, "%s AS code, count(*) AS n", m->expr);
        build(c, m, what, tail, NULL, &sql, p, &np);
      }
      json_t *g = store_query_json(tx, buf_str(&sql), p, np);
      if (!g) {
        rc = STORE_ERR;
        break;
      }
      set_dist(o, m, g);
      json_decref(g);
      break;
    }
    case MK_RATIO: {
      const measure *a = measure_find(m->num), *b = measure_find(m->den);
      int64_t x = 0, y = 0;
      rc = figure_of(tx, c, a, "count(*)", &x);
      if (!rc) rc = figure_of(tx, c, b, "count(*)", &y);
      json_object_set_new(o, "numerator", json_integer(x));
      json_object_set_new(o, "denominator", json_integer(y));
      /* percent rounded to two decimals, exactly (integer arithmetic) */
      json_object_set_new(o, "value", y ? json_real((double)((x * 20000 / y + 1) / 2) / 100.0)
                                        : json_null());
      break;
    }
  }
  buf_free(&sql);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}

static json_t *filters_json(const mfilters *f) {
  json_t *o = json_object();
  for (int i = 0; i < MF__MAX; i++)
    if (f->v[i]) json_object_set_new(o, mfilter_names[i], json_string(f->v[i]));
  return o;
}

int stats_all(store_tx *tx, const stats_ctx *c, json_t **out) {
  json_t *a = json_array();
  for (int i = 0; i < nmeasures; i++) {
    if (!stats_visible(c, &measures[i])) continue;
    json_t *v;
    int rc = stats_value(tx, c, &measures[i], &v);
    if (rc) {
      json_decref(a);
      return rc;
    }
    json_array_append_new(a, v);
  }
  *out = json_pack("{s:o,s:s,s:o}", "filters", filters_json(c->f), "as_of", c->today, "measures", a);
  return 0;
}

/* ---- keyset paging of drill-downs --------------------------------------------------- */
enum { KEYS_MAX = 4, KEY_MAX_BYTES = 400 };

/* Splits the drill-down order "pr.found_on, pr.seq_no, pr.id" into its
 * columns (our text: plain column names). Returns how many, 0 if unusable. */
static int order_keys(const measure *m, char keys[KEYS_MAX][64]) {
  const char *s = m->src->order;
  int n = 0;
  while (s && *s) {
    const char *e = strstr(s, ", ");
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (n == KEYS_MAX || len == 0 || len >= 64) return 0;
    memcpy(keys[n], s, len);
    keys[n++][len] = '\0';
    s = e ? e + 2 : NULL;
  }
  return n;
}

static const measure *rows_measure(const measure *m) {
  return m->kind == MK_RATIO ? measure_find(m->num) : m;
}

/* The decoded cursor: a JSON array of nkeys strings or nulls; NULL if not. */
static json_t *cursor_values(const measure *m, const char *cursor) {
  char keys[KEYS_MAX][64];
  int nk = order_keys(m, keys);
  size_t len = cursor ? strlen(cursor) : 0;
  if (!nk || !len || len % 2 || len > 2 * KEYS_MAX * (KEY_MAX_BYTES + 8)) return NULL;
  unsigned char *raw = xmalloc(len / 2 + 1);
  json_t *a = NULL;
  if (!hex_decode(cursor, raw, len / 2)) a = json_loadb((const char *)raw, len / 2, 0, NULL);
  free(raw);
  bool ok = json_is_array(a) && json_array_size(a) == (size_t)nk;
  for (int i = 0; ok && i < nk; i++) {
    json_t *v = json_array_get(a, (size_t)i);
    ok = json_is_null(v) || (json_is_string(v) && json_string_length(v) <= KEY_MAX_BYTES &&
                             utf8_valid(json_string_value(v), json_string_length(v)));
  }
  if (!ok) {
    json_decref(a);
    return NULL;
  }
  return a;
}

bool stats_cursor_ok(const measure *m, const char *cursor) {
  const measure *rm = rows_measure(m);
  if (!rm || rm->kind == MK_DISTINCT) return false;
  json_t *a = cursor_values(rm, cursor);
  json_decref(a);
  return a != NULL;
}

/* The cursor after row it (its m_kN columns, removed from it). */
static char *cursor_after(json_t *it, int nk) {
  json_t *a = json_array();
  for (int i = 0; i < nk; i++) {
    char k[16];
    snprintf(k, sizeof k, "m_k%d", i);
    json_t *v = json_object_get(it, k);
    json_array_append_new(a, json_is_string(v) ? json_string(json_string_value(v)) : json_null());
  }
  char *txt = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  if (!txt) return NULL;
  size_t n = strlen(txt);
  char *hex = xmalloc(2 * n + 1);
  hex_encode((const unsigned char *)txt, n, hex);
  free(txt);
  return hex;
}

int stats_records(store_tx *tx, const stats_ctx *c, const measure *m, const char *key,
                  int64_t limit, int64_t offset, json_t **out) {
  const measure *rm = m->kind == MK_RATIO ? measure_find(m->num) : m;
  if (rm->kind != MK_DIST) key = NULL;
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP + 2 + KEYS_MAX];
  int np;
  int64_t total = 0;
  int rc;
  char what[1200], tail[400];
  agg_plan dp;
  if (rm->kind == MK_DISTINCT) {
    snprintf(tail, sizeof tail, " GROUP BY %s) x", rm->expr);
    buf_reset(&sql);
    buf_adds(&sql, "SELECT count(*) FROM (");
    buf b2;
    buf_init(&b2, 16384);
    msource bs;
    measure bm;
    stats_ctx bc;
    mscope whole;
    if (bare_records(c, rm, &bs, &bm, &bc, &whole)) build(&bc, &bm, "1", tail, NULL, &b2, p, &np);
    else build(c, rm, "1", tail, NULL, &b2, p, &np);
    buf_adds(&sql, buf_str(&b2));
    buf_free(&b2);
  }
  if ((rm->kind == MK_COUNT || rm->kind == MK_SUM || rm->kind == MK_SUM_FEN) && !key) {
    /* the number of records the figure counts: from the aggregate where
     * the source has one (the count a MK_COUNT figure over them shows) */
    measure cm = *rm;
    cm.kind = MK_COUNT;
    rc = figure_of(tx, c, &cm, "count(*)", &total);
  } else if (rm->kind == MK_DAYS && agg_plan_for(c, rm, &dp)) {
    /* (034) the records with a duration: the histogram's count (every record the
     * server writes has both days) */
    mdays d;
    rc = stats_days(tx, c, rm, &dp, &d);
    total = d.count;
  } else {
    if (rm->kind != MK_DISTINCT) build(c, rm, "count(*)", NULL, key, &sql, p, &np);
    rc = store_query_int(tx, buf_str(&sql), p, np, &total);
  }
  buf_reset(&sql);
  if (rm->kind == MK_DAYS)
    snprintf(what, sizeof what, "%s, %s AS m_start, %s AS m_end", rm->src->cols, rm->expr,
             rm->expr2);
  else
    snprintf(what, sizeof what, "%s", rm->kind == MK_DISTINCT ? rm->gcols : rm->src->cols);
  /* working papers: the row's papers flag, so fields the record's GET
   * withholds from this user are withheld here too */
  buf wb;
  buf_init(&wb, 16384);
  np = 0;
  int papers = 0;
  /* keyset: the drill-down order's columns of each row (m_kN) make the next cursor */
  char keys[KEYS_MAX][64];
  int nk = rm->kind != MK_DISTINCT ? order_keys(rm, keys) : 0;
  json_t *after = nk && c->cursor ? cursor_values(rm, c->cursor) : NULL;
  if (c->cursor && !after && !rc) rc = STORE_ERR; /* the handler checked it: a defect */
  buf_adds(&wb, what);
  for (int i = 0; i < nk; i++) buf_addf(&wb, ", %s AS m_k%d", keys[i], i);
  if (rm->kind != MK_DISTINCT) {
    buf pb;
    buf_init(&pb, 16384);
    papers = measure_papers_expr(rm, c->scope, &pb, p, &np);
    if (papers < 0 && !rc) rc = STORE_ERR; /* past its bounds: an error, never the papers */
    if (papers > 0) buf_addf(&wb, ", %s AS m_papers", buf_str(&pb));
    buf_free(&pb);
  }
  {
    /* (036) a distinct figure's groups over its records alone where its count is
     * (the same rows; its gcols need no join) */
    msource bs;
    measure bm;
    stats_ctx bc;
    mscope whole;
    if (rm->kind == MK_DISTINCT && bare_records(c, rm, &bs, &bm, &bc, &whole))
      build_at(&bc, &bm, buf_str(&wb), NULL, key, &sql, p, &np);
    else build_at(c, rm, buf_str(&wb), NULL, key, &sql, p, &np);
  }
  buf_free(&wb);
  if (after) {
    /* rows after the cursor in the order (a NULL compares as ''; every order column is a
     * date, a name or an id, never '') */
    buf_adds(&sql, " AND (");
    for (int i = 0; i < nk; i++) buf_addf(&sql, "%scoalesce(%s,'')", i ? ", " : "", keys[i]);
    buf_adds(&sql, ") > (");
    for (int i = 0; i < nk; i++) {
      buf_addf(&sql, "%s$%d", i ? ", " : "", np + 1);
      p[np++] = SV_S(json_string_value(json_array_get(after, (size_t)i)) ?: "");
    }
    buf_adds(&sql, ")");
    offset = 0;
  }
  if (rm->kind == MK_DISTINCT) buf_addf(&sql, " GROUP BY %s ORDER BY 1, 2", rm->expr);
  else measure_order_by(rm, &sql); /* NULLs first on both backends, as the cursor's coalesce */
  buf_addf(&sql, " LIMIT $%d OFFSET $%d", np + 1, np + 2);
  p[np++] = SV_I(limit);
  p[np++] = SV_I(offset);
  json_t *items = rc ? NULL : store_query_json(tx, buf_str(&sql), p, np);
  json_decref(after); /* after the query: p held its strings */
  buf_free(&sql);
  if (!items) return rc ? rc : STORE_ERR;
  char *next = NULL;
  if (nk) {
    size_t n = json_array_size(items);
    if (n && (int64_t)n == limit) next = cursor_after(json_array_get(items, n - 1), nk);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) for (int k = 0; k < nk; k++) {
      char kn[16];
      snprintf(kn, sizeof kn, "m_k%d", k);
      json_object_del(it, kn);
    }
  }
  if (papers) {
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      if (!json_integer_value(json_object_get(it, "m_papers"))) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(it, tmp, k, v) if (measure_paper_field(rm, k)) json_object_del(it, k);
      }
      json_object_del(it, "m_papers");
    }
  }
  /* fields the kind declares (a reference to another record, a field of
   * its own rule): withheld exactly as the record's GET withholds them */
  const vis_kind *vk = rm->src->vis;
  if (c->who && vk && vk->fields && rm->kind != MK_DISTINCT) {
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      int e = vis_redact(tx, vk, c->who, json_string_value(json_object_get(it, "id")), it);
      if (e < 0) {
        json_decref(items);
        free(next);
        return e;
      }
    }
  }
  if (rm->kind == MK_DAYS) {
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      int64_t a = day_of(json_string_value(json_object_get(it, "m_start")) ?: "");
      int64_t b = day_of(json_string_value(json_object_get(it, "m_end")) ?: "");
      json_object_set_new(it, "days", a >= 0 && b >= 0 ? json_integer(b - a) : json_null());
      json_object_del(it, "m_start");
      json_object_del(it, "m_end");
    }
  }
  *out = json_pack("{s:s,s:s,s:s,s:I,s:o,s:o}", "measure", m->name, "label", m->label, "source",
                   rm->src->label, "total", (json_int_t)total, "items", items, "next",
                   next ? json_string(next) : json_null());
  free(next);
  if (key) json_object_set_new(*out, "key", json_string(key));
  return 0;
}

/* ---- one figure per round, team or unit -------------------------------------- */
/* (issue 15) Every chart is one or two grouped queries, whatever the kind: over the
 * source's aggregate where it answers (O(groups in scope)), else over the records
 * (one pass instead of one query per group). Each group's value is the figure with
 * that group as a filter: the filter is the grouped column itself. */

/* The rows of SELECT <what> ... <tail> over m under c. NULL on a store error. */
static json_t *grouped_rows(store_tx *tx, const stats_ctx *c, const measure *m,
                            const char *what, const char *tail) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np;
  build(c, m, what, tail, NULL, &sql, p, &np);
  json_t *rows = buf_failed(&sql) ? NULL : store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&sql);
  return rows;
}

/* {id: v} of rows [{id, v}] (steals rows); NULL stays NULL. */
static json_t *to_map(json_t *rows) {
  if (!rows) return NULL;
  json_t *map = json_object();
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (id) json_object_set(map, id, json_object_get(it, "v"));
  }
  json_decref(rows);
  return map;
}

/* {id: n} of a count, sum or distinct count m per value of col: from its
 * aggregate, from the aggregate minus the records not counted (agg_all /
 * agg_rest), or from the records. NULL on a store error. */
static json_t *grouped_ints(store_tx *tx, const stats_ctx *c, const measure *m, mfilter dim,
                            const char *col) {
  char what[600], tail[300];
  snprintf(tail, sizeof tail, " GROUP BY %s", col);
  agg_plan ap;
  if (agg_plan_by(c, m, dim, &ap)) {
    snprintf(what, sizeof what, "%s AS id, %s AS v", col, ap.what);
    return to_map(grouped_rows(tx, &ap.c, &ap.m, what, tail));
  }
  measure all, rest;
  char w[512];
  if (split_of(m, &all, &rest, w, sizeof w) && agg_plan_by(c, &all, dim, &ap)) {
    snprintf(what, sizeof what, "%s AS id, %s AS v", col, ap.what);
    json_t *a = to_map(grouped_rows(tx, &ap.c, &ap.m, what, tail));
    snprintf(what, sizeof what, "%s AS id, count(*) AS v", col);
    json_t *r = a ? to_map(grouped_rows(tx, c, &rest, what, tail)) : NULL;
    if (!r) {
      json_decref(a);
      return NULL;
    }
    const char *id;
    json_t *v;
    json_object_foreach(r, id, v) {
      json_int_t n = json_integer_value(json_object_get(a, id)) - json_integer_value(v);
      json_object_set_new(a, id, json_integer(n));
    }
    json_decref(r);
    return a;
  }
  if (m->kind == MK_COUNT) snprintf(what, sizeof what, "%s AS id, count(*) AS v", col);
  else if (m->kind == MK_DISTINCT) /* the distinct (group, expr) rows, counted per group */
    snprintf(what, sizeof what, "DISTINCT %s AS id, %s", col, m->expr);
  else snprintf(what, sizeof what, "%s AS id, coalesce(sum(%s),0) AS v", col, m->expr);
  msource bs;
  measure bm;
  stats_ctx bc;
  mscope whole;
  bool bare = dim != MF_LEVEL && bare_records(c, m, &bs, &bm, &bc, &whole);
  const stats_ctx *uc = bare ? &bc : c;
  const measure *um = bare ? &bm : m;
  if (m->kind != MK_DISTINCT) return to_map(grouped_rows(tx, uc, um, what, tail));
  buf sql, in;
  buf_init(&sql, 16384);
  buf_init(&in, 16384);
  sval p[MEASURE_MAXP];
  int np;
  build(uc, um, what, NULL, NULL, &in, p, &np);
  buf_adds(&sql, "SELECT dx.id AS id, count(*) AS v FROM (");
  buf_adds(&sql, buf_str(&in));
  buf_adds(&sql, ") dx GROUP BY dx.id");
  json_t *rows = buf_failed(&sql) || buf_failed(&in) ? NULL
                                                      : store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&in);
  buf_free(&sql);
  return to_map(rows);
}

/* {id: {count, value, median, max, min}} of a duration m per value of col: its
 * histogram grouped, or the records ordered by the group. NULL on a store error. */
static json_t *grouped_days(store_tx *tx, const stats_ctx *c, const measure *m, mfilter dim,
                            const char *col) {
  char what[800], tail[800];
  agg_plan ap;
  bool hist = agg_plan_by(c, m, dim, &ap);
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np;
  if (hist) {
    snprintf(what, sizeof what, "%s AS id, %s AS d, %s AS n", col, ap.days, ap.what);
    snprintf(tail, sizeof tail, " GROUP BY %s, %s HAVING %s <> 0 ORDER BY %s, %s", col, ap.days,
             ap.what, col, ap.days);
    build(&ap.c, &ap.m, what, tail, NULL, &sql, p, &np);
  } else {
    snprintf(what, sizeof what, "%s AS id, %s, %s", col, m->expr, m->expr2);
    snprintf(tail, sizeof tail, " ORDER BY %s", col);
    build(c, m, what, tail, NULL, &sql, p, &np);
  }
  store_rows *rows;
  int rc = buf_failed(&sql) ? STORE_ERR : store_query(tx, buf_str(&sql), p, np, &rows);
  buf_free(&sql);
  if (rc) return NULL;
  json_t *map = json_object();
  int64_t *d = NULL, *n = NULL;
  size_t nd = 0, cap = 0;
  char cur[64] = "";
  int st;
  for (;;) {
    st = store_next(rows);
    const char *id = st > 0 ? store_text(rows, 0) : NULL;
    if (st > 0 && !id) continue; /* no group (a NULL column): never a chart's group */
    if (nd && (st <= 0 || strcmp(id, cur))) { /* the previous group is complete */
      mdays md;
      if (hist) hist_summary(d, n, nd, &md);
      else list_summary(d, nd, &md);
      json_t *o = json_object();
      set_days(o, &md);
      json_object_set_new(map, cur, o);
      nd = 0;
    }
    if (st <= 0) break;
    snprintf(cur, sizeof cur, "%s", id);
    int64_t x = 0;
    if (hist) x = store_int(rows, 1);
    else {
      int64_t a = day_of(store_text(rows, 1)), b = day_of(store_text(rows, 2));
      if (a < 0 || b < 0) continue;
      x = b - a;
    }
    if (nd == cap) {
      cap = cap ? cap * 2 : 64;
      d = xrealloc(d, cap * sizeof *d);
      n = xrealloc(n, cap * sizeof *n);
    }
    d[nd] = x;
    n[nd++] = hist ? store_int(rows, 2) : 1;
  }
  store_rows_close(rows);
  free(d);
  free(n);
  if (st < 0) {
    json_decref(map);
    return NULL;
  }
  return map;
}

/* {id: [{code, n}]} of a distribution m per value of col, codes in order.
 * NULL on a store error. */
static json_t *grouped_dist(store_tx *tx, const stats_ctx *c, const measure *m, mfilter dim,
                            const char *col) {
  char what[800], tail[800];
  agg_plan ap;
  json_t *rows;
  if (agg_plan_by(c, m, dim, &ap)) {
    snprintf(what, sizeof what, "%s AS id, %s AS code, %s AS n", col, m->expr, ap.what);
    snprintf(tail, sizeof tail, " GROUP BY %s, %s HAVING %s <> 0 ORDER BY %s, %s", col, m->expr,
             ap.what, col, m->expr);
    rows = grouped_rows(tx, &ap.c, &ap.m, what, tail);
  } else {
    snprintf(what, sizeof what, "%s AS id, %s AS code, count(*) AS n", col, m->expr);
    snprintf(tail, sizeof tail, " GROUP BY %s, %s ORDER BY %s, %s", col, m->expr, col, m->expr);
    rows = grouped_rows(tx, c, m, what, tail);
  }
  if (!rows) return NULL;
  json_t *map = json_object();
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (!id) continue;
    json_t *a = json_object_get(map, id);
    if (!a) json_object_set_new(map, id, a = json_array());
    json_array_append_new(a, json_pack("{s:O,s:O}", "code", json_object_get(it, "code"), "n",
                                       json_object_get(it, "n")));
  }
  json_decref(rows);
  return map;
}

static int64_t map_int(json_t *map, const char *id) {
  return json_integer_value(json_object_get(map, id)); /* absent: 0 */
}

/* The value fields of a figure as stats_value gives them, from its counts. */
static void set_value(json_t *o, const measure *m, int64_t n, int64_t y) {
  if (m->kind == MK_SUM_FEN) {
    char yuan[32], w[40];
    fen_yuan(n, yuan);
    fen_wan(n, w);
    json_object_set_new(o, "value", json_string(yuan));
    json_object_set_new(o, "value_fen", json_integer(n));
    json_object_set_new(o, "value_wan", json_string(w));
  } else if (m->kind == MK_RATIO) {
    json_object_set_new(o, "numerator", json_integer(n));
    json_object_set_new(o, "denominator", json_integer(y));
    json_object_set_new(o, "value", y ? json_real((double)((n * 20000 / y + 1) / 2) / 100.0)
                                      : json_null());
  } else {
    json_object_set_new(o, "value", json_integer(n));
  }
}

/* {id: name} of the groups ids (an array of {id}), in one query (issue 15: a
 * chart by unit has up to 1000 groups). NULL on a store error. */
static json_t *names_of(store_tx *tx, mfilter dim, json_t *ids) {
  static const char *const name_sql[] = {
      [MF_ROUND] = "SELECT id, name FROM rounds WHERE id IN (",
      [MF_TEAM] = "SELECT t.id AS id, t.name || ' (' || r.name || ')' AS name FROM teams t "
                  "JOIN rounds r ON r.id=t.round_id WHERE t.id IN (",
      [MF_UNIT] = "SELECT id, name FROM orgs WHERE id IN ("};
  size_t n = json_array_size(ids);
  json_t *map = json_object();
  if (!n) return map;
  sval *p = xmalloc(n * sizeof *p);
  buf sql;
  buf_init(&sql, 64 + 16 * n + 200);
  buf_adds(&sql, name_sql[dim]);
  int np = 0;
  size_t i;
  json_t *it;
  json_array_foreach(ids, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (!id) continue;
    buf_addf(&sql, "%s$%d", np ? "," : "", np + 1);
    p[np++] = SV_S(id);
  }
  buf_adds(&sql, np ? ")" : "NULL)");
  json_t *rows = buf_failed(&sql) ? NULL : store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&sql);
  free(p);
  if (!rows) {
    json_decref(map);
    return NULL;
  }
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (id) json_object_set(map, id, json_object_get(it, "name"));
  }
  json_decref(rows);
  return map;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* [{id}] of the keys of map whose value is > 0, in id order. */
static json_t *ids_of(json_t *map) {
  size_t n = json_object_size(map), k = 0;
  const char **keys = xmalloc((n ? n : 1) * sizeof *keys);
  const char *id;
  json_t *v;
  json_object_foreach(map, id, v) if (json_integer_value(v) > 0) keys[k++] = id;
  qsort(keys, k, sizeof *keys, cmp_str);
  json_t *ids = json_array();
  for (size_t i = 0; i < k; i++) json_array_append_new(ids, json_pack("{s:s}", "id", keys[i]));
  free(keys);
  return ids;
}

int stats_groups(store_tx *tx, const stats_ctx *c, const measure *m, mfilter dim, json_t **out) {
  /* a ratio's groups are its denominator's (a unit with problems but none
   * rectified still shows, at 0%) */
  const measure *gm = m->kind == MK_RATIO ? measure_find(m->den) : m;
  const measure *nm_ = m->kind == MK_RATIO ? measure_find(m->num) : m;
  if (!gm || !nm_) return STORE_ERR;
  const char *col = gm->src->col[dim];
  if (!col) return 1;
  json_t *ids = NULL, *num = NULL, *den = NULL, *vals = NULL;
  agg_plan ap;
  measure all, rest;
  char w[512];
  if ((split_of(gm, &all, &rest, w, sizeof w) && agg_plan_by(c, &all, dim, &ap)) ||
      ((gm->kind == MK_COUNT || gm->kind == MK_DISTINCT) && !agg_plan_by(c, gm, dim, &ap))) {
    /* a count on today (agg_all minus agg_rest), or a count from the records: the
     * groups whose count is > 0, from the same grouped query as the values */
    json_t *counts = grouped_ints(tx, c, gm, dim, col);
    if (!counts) return STORE_ERR;
    ids = ids_of(counts);
    if (gm == m) num = counts;
    else den = counts;
  } else {
    buf sql;
    buf_init(&sql, 16384);
    sval p[MEASURE_MAXP];
    int np;
    char what[300];
    if (agg_plan_by(c, gm, dim, &ap)) {
      /* the groups that hold records of the measure: O(groups) */
      char tail[300];
      snprintf(what, sizeof what, "%s AS id", col);
      snprintf(tail, sizeof tail, " GROUP BY %s HAVING sum(%s) > 0 LIMIT 1001", col,
               ap.src.agg_n);
      build(&ap.c, &ap.m, what, tail, NULL, &sql, p, &np);
    } else {
      snprintf(what, sizeof what, "DISTINCT %s AS id", col);
      build(c, gm, what, " LIMIT 1001", NULL, &sql, p, &np);
    }
    ids = store_query_json(tx, buf_str(&sql), p, np);
    buf_free(&sql);
    if (!ids) return STORE_ERR;
  }
  if (json_array_size(ids) > 1000) {
    json_decref(ids);
    json_decref(num);
    json_decref(den);
    return 2; /* too many groups: narrow the filters */
  }
  /* every group's value in one grouped query (two for a ratio or a count on today) */
  int rc = 0;
  if (m->kind == MK_DAYS) vals = grouped_days(tx, c, m, dim, col);
  else if (m->kind == MK_DIST) vals = grouped_dist(tx, c, m, dim, col);
  else {
    if (!num) num = grouped_ints(tx, c, nm_, dim, col);
    if (m->kind == MK_RATIO && num && !den) den = grouped_ints(tx, c, gm, dim, col);
  }
  if ((m->kind == MK_DAYS || m->kind == MK_DIST) ? !vals : (!num || (m->kind == MK_RATIO && !den)))
    rc = STORE_ERR;
  json_t *names = rc ? NULL : names_of(tx, dim, ids);
  if (!rc && !names) rc = STORE_ERR;
  json_t *groups = json_array();
  size_t i;
  json_t *it;
  json_array_foreach(ids, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (!id || rc) continue;
    json_t *v = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", m->name, "label", m->label, "unit",
                          m->unit, "kind", kind_names[m->kind], "source", m->src->name);
    if (m->kind == MK_DAYS) {
      json_t *d = json_object_get(vals, id);
      if (d) json_object_update(v, d);
      else {
        mdays none = {0};
        set_days(v, &none);
      }
    } else if (m->kind == MK_DIST) {
      json_t *g = json_object_get(vals, id), *none = json_array();
      set_dist(v, m, g ? g : none);
      json_decref(none);
    } else {
      set_value(v, m, map_int(num, id), den ? map_int(den, id) : 0);
    }
    const char *nm = json_string_value(json_object_get(names, id));
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "group", json_string(nm ? nm : id));
    json_array_append_new(groups, v);
  }
  json_decref(ids);
  json_decref(names);
  json_decref(num);
  json_decref(den);
  json_decref(vals);
  if (rc) {
    json_decref(groups);
    return rc;
  }
  *out = json_pack("{s:s,s:s,s:s,s:s,s:o}", "measure", m->name, "label", m->label, "unit", m->unit,
                   "by", mfilter_names[dim], "groups", groups);
  return 0;
}
