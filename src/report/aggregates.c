/*
 * aggregates.c — measures answered from maintained aggregates, and their
 * verification against the records. See aggregates.h.
 */
#include "report/aggregates.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* "YYYY-MM" of a from date if it is the first of its month; of a to date if
 * it is the last. */
static bool month_of(const char *d, bool first, char out[8]) {
  int64_t days;
  if (!d || !date_parse(d, &days)) return false;
  char x[11];
  date_format(first ? days : days + 1, x);
  if (strcmp(x + 8, "01")) return false;
  snprintf(out, 8, "%.7s", d);
  return true;
}

/* Whether every rule of the user on k, for the report's action and for k's
 * read action, covers whole teams: no rule by unit (or by supervised units)
 * that k's declaration applies. The rollup by team (no unit column) answers
 * then. */
static bool whole_teams(const mscope *sc, const vis_kind *k) {
  if (sc->all || !sc->who || !k->unit) return true;
  const action_id acts[2] = {sc->act, k->read};
  for (int i = 0; i < 2; i++) {
    authz_filter f;
    if (authz_filter_for(sc->who, acts[i], &f) && !f.all && (f.nunits || f.norgs)) return false;
  }
  return true;
}

/* Whether no rule of the user on k, for the report's action and for k's read
 * action, names teams (all, the commission's handed rule, units, supervised
 * units): the rollup by unit alone (no round, no team) answers then. */
static bool no_team_rule(const mscope *sc, const vis_kind *k) {
  if (sc->all || !sc->who || !k->team) return true;
  const action_id acts[2] = {sc->act, k->read};
  for (int i = 0; i < 2; i++) {
    authz_filter f;
    if (authz_filter_for(sc->who, acts[i], &f) && !f.all && f.nteams) return false;
  }
  return true;
}

static bool off(const char *env) {
  const char *v = getenv(env);
  return v && !strcmp(v, "1");
}

static bool mentions(const measure *m, const char *col) {
  const char *texts[] = {m->where, m->expr, m->src->base};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
    if (texts[i] && strstr(texts[i], col)) return true;
  return false;
}

/* The coarsest table of m's source that answers m under c grouped by `by`
 * (MF__MAX: not grouped), at most `max`: the rollup by team where nothing
 * needs the unit or the month; the rollup by unit where only the unit is
 * needed (a unit or level filter, a chart by unit, a user's rule by unit);
 * the detail table where the month is (a date range). */
static agg_level level_of(const stats_ctx *c, const measure *m, const msource *s, mfilter by,
                          agg_level max) {
  if (off("XUNJI_STATS_NO_ROLLUP")) return AGG_DETAIL;
  if ((m->date && (c->f->v[MF_FROM] || c->f->v[MF_TO])) || mentions(m, "month"))
    return AGG_DETAIL;
  bool unit = by == MF_UNIT || by == MF_LEVEL || c->f->v[MF_UNIT] || c->f->v[MF_LEVEL] ||
              mentions(m, "unit_id") || !whole_teams(c->scope, s->vis);
  if (!unit && max >= AGG_BY_TEAM && s->agg_roll) return AGG_BY_TEAM;
  /* (035) nothing reads the round or the team: the rollup by unit alone */
  if (max >= AGG_UNITS && s->agg_units && !off("XUNJI_STATS_NO_UNITS") && by != MF_ROUND &&
      by != MF_TEAM && !c->f->v[MF_ROUND] && !c->f->v[MF_CAMPAIGN] && !c->f->v[MF_ROUND_KIND] &&
      !c->f->v[MF_TEAM] && !mentions(m, "round_id") && !mentions(m, "team_id") &&
      no_team_rule(c->scope, s->vis))
    return AGG_UNITS;
  if (max >= AGG_BY_UNIT && s->agg_unit) return AGG_BY_UNIT;
  return AGG_DETAIL;
}

static bool plan(const stats_ctx *c, const measure *m, mfilter by, agg_level max, agg_plan *p);

bool agg_plan_for(const stats_ctx *c, const measure *m, agg_plan *p) {
  return agg_plan_by(c, m, MF__MAX, p);
}

bool agg_plan_by(const stats_ctx *c, const measure *m, mfilter by, agg_plan *p) {
  return plan(c, m, by, AGG_BY_TEAM, p);
}

static bool plan(const stats_ctx *c, const measure *m, mfilter by, agg_level max, agg_plan *p) {
  /* (034) a duration: its own histogram, a source of its own */
  const msource *s = m->kind == MK_DAYS ? m->agg_days : m->src;
  if (!s) return false;
  const vis_kind *k = s->vis;
  if (!s->agg_table) return false;
  if (m->kind != MK_COUNT && m->kind != MK_SUM && m->kind != MK_SUM_FEN && m->kind != MK_DIST &&
      m->kind != MK_DAYS)
    return false;
  if ((m->where && strstr(m->where, "@today")) || (s->base && strstr(s->base, "@today")))
    return false;
  /* a date range: only on the aggregate's own month of its own date */
  if (m->date && (c->f->v[MF_FROM] || c->f->v[MF_TO]) &&
      (!s->agg_month || m->date_is_ts || strcmp(m->date, s->agg_date)))
    return false;
  /* the declaration must be one the aggregate's columns carry */
  if (k->parent || k->own_roles || k->only || k->owner || k->any_holder ||
      (k->released && strcmp(k->released, "0"))) /* "0": the unit side never sees it */
    return false;
  if (off("XUNJI_STATS_NO_AGG")) return false;
  agg_level lvl = level_of(c, m, s, by, max);
  memset(p, 0, sizeof *p);
  p->f = *c->f;
  if (m->date) {
    if (c->f->v[MF_FROM]) {
      if (!month_of(c->f->v[MF_FROM], true, p->from_m)) return false;
      p->f.v[MF_FROM] = p->from_m;
    }
    if (c->f->v[MF_TO]) {
      if (!month_of(c->f->v[MF_TO], false, p->to_m)) return false;
      p->f.v[MF_TO] = p->to_m;
    }
  }
  p->vis = *k;
  p->vis.table = s->agg_table;
  if (s->agg_handed) { /* materialized; else the kind's own rule over x's columns */
    p->vis.handed = s->agg_handed;
    p->vis.handed_set = NULL;
    p->vis.handed_col = NULL;
  }
  p->vis.papers = A_SELF;
  p->vis.paper_fields = NULL;
  p->vis.fields = NULL;
  p->src = *s;
  bool bare = !c->f->v[MF_CAMPAIGN] && !c->f->v[MF_ROUND_KIND] && !c->f->v[MF_LEVEL];
  if (lvl == AGG_BY_TEAM) { /* (024) the groups summed over unit and month */
    p->vis.table = s->agg_roll;
    p->src.from = bare ? s->agg_roll_bare : s->agg_roll_from;
  } else if (lvl == AGG_UNITS) { /* (035) summed over the round, the team and the month */
    p->vis.table = s->agg_units;
    p->src.from = bare ? s->agg_units_bare : s->agg_units_from;
  } else if (lvl == AGG_BY_UNIT) { /* (024) summed over the month */
    p->vis.table = s->agg_unit;
    p->src.from = bare ? s->agg_unit_bare : s->agg_unit_from;
  } else {
    p->src.from = bare && s->agg_bare ? s->agg_bare : s->agg_from;
  }
  p->level = lvl;
  p->src.vis = &p->vis;
  p->src.direct = true; /* agg_from holds the aggregate as x */
  p->m = *m;
  p->m.src = &p->src;
  if (m->date && s->agg_month) {
    p->m.date = s->agg_month;
    p->m.date_is_ts = false;
  }
  p->c = *c;
  p->c.f = &p->f;
  if (m->kind == MK_DAYS) {
    /* the histogram holds exactly the rows the measure counts: its conditions
     * name the records' columns, which the histogram does not have */
    p->m.where = NULL;
    const char *dot = strchr(s->agg_n, '.'); /* "c.n" -> "c.days" */
    if (!dot || (size_t)(dot - s->agg_n) + 6 > sizeof p->days) return false;
    snprintf(p->days, sizeof p->days, "%.*s.days", (int)(dot - s->agg_n), s->agg_n);
  }
  if (m->kind == MK_COUNT || m->kind == MK_DIST || m->kind == MK_DAYS)
    snprintf(p->what, sizeof p->what, "coalesce(sum(%s),0)", s->agg_n);
  else snprintf(p->what, sizeof p->what, "coalesce(sum(%s),0)", m->expr);
  return true;
}

/* ---- the aggregate tables ---------------------------------------------------------- */
/* Every aggregate table, detail tables before their rollups (migrations 021, 023, 024,
 * 025): its grouped and summed columns, the rows recomputed from the records (the
 * triggers' definition) and the rebuild's source (a rollup: its detail table). One
 * declaration in scripts/gen_aggregates.py generates this list and the migrations. */
static const struct agg_table {
  const char *name;
  int migration;
  const char *cols, *nonzero, *records, *rebuild;
} agg_tables[] = {
#include "report/agg_tables.inc"
};
enum { NAGG_TABLES = sizeof agg_tables / sizeof *agg_tables };

size_t agg_table_count(void) { return NAGG_TABLES; }

const char *agg_table_name(size_t i) { return i < NAGG_TABLES ? agg_tables[i].name : NULL; }

const char *agg_table_of(const char *trigger) {
  const char *best = NULL;
  size_t bl = 0;
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    size_t l = strlen(agg_tables[i].name);
    if (l > bl && !strncmp(trigger, agg_tables[i].name, l) && trigger[l] == '_') {
      best = agg_tables[i].name;
      bl = l;
    }
  }
  return best;
}

int agg_rebuild_table(store_tx *tx, const char *name) {
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    const struct agg_table *t = &agg_tables[i];
    if (strcmp(t->name, name)) continue;
    buf sql;
    buf_init(&sql, 8192);
    buf_addf(&sql, "DELETE FROM %s", t->name);
    int rc = buf_failed(&sql) ? STORE_ERR : store_exec(tx, buf_str(&sql), NULL, 0, NULL);
    buf_reset(&sql);
    buf_addf(&sql, "INSERT INTO %s (%s) %s", t->name, t->cols,
             t->rebuild ? t->rebuild : t->records);
    if (!rc) rc = buf_failed(&sql) ? STORE_ERR : store_exec(tx, buf_str(&sql), NULL, 0, NULL);
    buf_free(&sql);
    return rc;
  }
  return 1;
}

int agg_rebuild_all(store_tx *tx) {
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    int rc = agg_rebuild_table(tx, agg_tables[i].name);
    if (rc) return rc;
  }
  return 0;
}

/* ---- verification ------------------------------------------------------------------ */
static int value_of(store_tx *tx, const stats_ctx *c, const measure *m, const char *what,
                    int64_t *v) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np = 0;
  buf_addf(&sql, "SELECT %s", what);
  int rc = measure_from_where(m, c->f, c->scope, c->today, &sql, p, &np) ? STORE_ERR : 0;
  if (!rc) rc = store_query_int(tx, buf_str(&sql), p, np, v);
  buf_free(&sql);
  return rc;
}

/* A distribution's rows {code, n} in code order. */
static int rows_of(store_tx *tx, const stats_ctx *c, const measure *m, const char *what,
                   const char *n, json_t **rows) {
  buf sql;
  buf_init(&sql, 16384);
  sval p[MEASURE_MAXP];
  int np = 0;
  buf_addf(&sql, "SELECT %s", what);
  int rc = measure_from_where(m, c->f, c->scope, c->today, &sql, p, &np) ? STORE_ERR : 0;
  if (!rc) buf_addf(&sql, " GROUP BY %s HAVING %s <> 0 ORDER BY %s", m->expr, n, m->expr);
  if (!rc) *rows = store_query_json(tx, buf_str(&sql), p, np);
  if (!rc && !*rows) rc = STORE_ERR;
  buf_free(&sql);
  return rc;
}

/* One figure from the records and from plan pl: 1 (printed) if they differ,
 * 0 if not, <0 on a store error. */
static int verify_measure(store_tx *tx, const stats_ctx *c, const measure *m,
                          const agg_plan *pl, FILE *out) {
  const char *which = pl->level == AGG_BY_TEAM   ? "按组汇总"
                      : pl->level == AGG_UNITS   ? "按单位合计"
                      : pl->level == AGG_BY_UNIT ? "按单位汇总"
                                                 : "汇总";
  if (m->kind == MK_DIST) { /* every code's count */
    char wr[400], wa[600];
    snprintf(wr, sizeof wr, "%s AS code, count(*) AS n", m->expr);
    snprintf(wa, sizeof wa, "%s AS code, %s AS n", m->expr, pl->what);
    json_t *jr = NULL, *ja = NULL;
    int rc = rows_of(tx, c, m, wr, "count(*)", &jr);
    if (!rc) rc = rows_of(tx, &pl->c, &pl->m, wa, pl->what, &ja);
    int same = !rc && json_equal(jr, ja);
    char *tr = !rc && !same ? json_dumps(jr, JSON_COMPACT) : NULL;
    char *ta = !rc && !same ? json_dumps(ja, JSON_COMPACT) : NULL;
    json_decref(jr);
    json_decref(ja);
    if (!rc && !same)
      fprintf(out, "%s: 记录 %s, %s %s (%s)\n", m->name, tr ? tr : "?", which, ta ? ta : "?",
              m->label);
    free(tr);
    free(ta);
    return rc ? rc : !same;
  }
  if (m->kind == MK_DAYS) { /* (034) count, median, minimum, maximum */
    mdays r, a;
    int rc = stats_days(tx, c, m, NULL, &r);
    if (!rc) rc = stats_days(tx, &pl->c, &pl->m, pl, &a);
    if (rc) return rc;
    if (r.count == a.count && (!r.count || (r.median == a.median && r.min == a.min &&
                                            r.max == a.max)))
      return 0;
    fprintf(out,
            "%s: 记录 %" PRId64 " 件 (中位数 %g, 最短 %" PRId64 ", 最长 %" PRId64 "), %s %" PRId64
            " 件 (中位数 %g, 最短 %" PRId64 ", 最长 %" PRId64 ") (%s)\n",
            m->name, r.count, r.median, r.min, r.max, which, a.count, a.median, a.min, a.max,
            m->label);
    return 1;
  }
  char what[256];
  if (m->kind == MK_COUNT) snprintf(what, sizeof what, "count(*)");
  else snprintf(what, sizeof what, "coalesce(sum(%s),0)", m->expr);
  int64_t rec = 0, agg = 0;
  int rc = value_of(tx, c, m, what, &rec);
  if (!rc) rc = value_of(tx, &pl->c, &pl->m, pl->what, &agg);
  if (rc) return rc;
  if (rec == agg) return 0;
  fprintf(out, "%s: 记录 %" PRId64 ", %s %" PRId64 " (%s)\n", m->name, rec, which, agg, m->label);
  return 1;
}

int agg_verify(store_tx *tx, FILE *out) {
  int bad = 0;
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    const struct agg_table *t = &agg_tables[i];
    buf sql;
    buf_init(&sql, 8192);
    buf_addf(&sql,
             "WITH rec AS (%s), ag AS (SELECT %s FROM %s WHERE %s) "
             "SELECT 'aggregate' AS side, * FROM (SELECT * FROM ag EXCEPT SELECT * FROM rec) d1 "
             "UNION ALL SELECT 'records' AS side, * FROM (SELECT * FROM rec EXCEPT SELECT * FROM ag) d2 "
             "LIMIT 50",
             t->records, t->cols, t->name, t->nonzero);
    json_t *rows = store_query_json(tx, buf_str(&sql), NULL, 0);
    buf_free(&sql);
    if (!rows) return STORE_ERR;
    size_t j;
    json_t *r;
    json_array_foreach(rows, j, r) {
      char *txt = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
      fprintf(out, "%s: 分组不一致 %s\n", t->name, txt ? txt : "?");
      free(txt);
      bad++;
    }
    json_decref(rows);
  }
  mfilters f;
  memset(&f, 0, sizeof f);
  mscope s = {.all = true};
  stats_ctx c;
  stats_ctx_init(&c, &f, &s, NULL);
  for (int i = 0; i < nmeasures; i++)
    for (int l = AGG_DETAIL; l <= AGG_BY_TEAM; l++) { /* the detail table, then each rollup */
      agg_plan p;
      if (!plan(&c, &measures[i], MF__MAX, (agg_level)l, &p) || (int)p.level != l) continue;
      int rc = verify_measure(tx, &c, &measures[i], &p, out);
      if (rc < 0) return rc;
      bad += rc;
    }
  /* a count with a condition on today: the aggregate's count of agg_all minus the
   * records of agg_rest (stats_count's way), from each table, against the records */
  for (int i = 0; i < nmeasures; i++) {
    const measure *m = &measures[i];
    if (!m->agg_all || !m->agg_rest || m->kind != MK_COUNT) continue;
    measure all = *m, rest = *m;
    all.where = m->agg_all;
    all.agg_all = all.agg_rest = NULL;
    char w[512];
    snprintf(w, sizeof w, "(%s) AND (%s)", m->agg_all, m->agg_rest);
    rest.where = w;
    rest.agg_all = rest.agg_rest = NULL;
    int64_t rec = 0, rst = 0;
    int rc = value_of(tx, &c, m, "count(*)", &rec);
    if (!rc) rc = value_of(tx, &c, &rest, "count(*)", &rst);
    for (int l = AGG_DETAIL; !rc && l <= AGG_BY_TEAM; l++) {
      agg_plan p;
      if (!plan(&c, &all, MF__MAX, (agg_level)l, &p) || (int)p.level != l) continue;
      int64_t agg = 0;
      rc = value_of(tx, &p.c, &p.m, p.what, &agg);
      if (!rc && agg - rst != rec) {
        fprintf(out, "%s: 记录 %" PRId64 ", %s %" PRId64 " - %" PRId64 " (%s)\n", m->name, rec,
                l == AGG_BY_TEAM   ? "按组汇总"
                : l == AGG_UNITS   ? "按单位合计"
                : l == AGG_BY_UNIT ? "按单位汇总"
                                   : "汇总",
                agg, rst,
                m->label);
        bad++;
      }
    }
    if (rc) return rc;
  }
  return bad;
}
