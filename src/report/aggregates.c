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

bool agg_plan_for(const stats_ctx *c, const measure *m, agg_plan *p) {
  const msource *s = m->src;
  const vis_kind *k = s->vis;
  if (!s->agg_table) return false;
  if (m->kind != MK_COUNT && m->kind != MK_SUM && m->kind != MK_SUM_FEN && m->kind != MK_DIST)
    return false;
  if ((m->where && strstr(m->where, "@today")) || (s->base && strstr(s->base, "@today")))
    return false;
  /* a date range: only on the aggregate's own month of its own date */
  if (m->date && (c->f->v[MF_FROM] || c->f->v[MF_TO]) &&
      (!s->agg_month || m->date_is_ts || strcmp(m->date, s->agg_date)))
    return false;
  /* the declaration must be one the aggregate's columns carry */
  if (k->parent || k->own_roles || k->only || k->owner || k->released || k->any_holder)
    return false;
  const char *off = getenv("XUNJI_STATS_NO_AGG");
  if (off && !strcmp(off, "1")) return false;
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
  p->src.from = s->agg_bare && !c->f->v[MF_CAMPAIGN] && !c->f->v[MF_ROUND_KIND] &&
                        !c->f->v[MF_LEVEL]
                    ? s->agg_bare
                    : s->agg_from;
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
  if (m->kind == MK_COUNT || m->kind == MK_DIST)
    snprintf(p->what, sizeof p->what, "coalesce(sum(%s),0)", s->agg_n);
  else snprintf(p->what, sizeof p->what, "coalesce(sum(%s),0)", m->expr);
  return true;
}

/* ---- verification and rebuild ------------------------------------------------------ */
/* THE list of aggregate tables: every table the triggers maintain, with its
 * grouped and summed columns and the same rows recomputed from the records
 * (the triggers' definition, migrations 021 and 023). `stats --verify`
 * (agg_verify) compares each against its records and the bulk path
 * (agg_rebuild_table) recomputes each from them: a new aggregate table is one
 * more entry here, {name, cols, nonzero, records}, and both cover it. A
 * rollup (a table kept from another aggregate) comes after its source. */
static const struct agg_table {
  const char *name, *cols, *nonzero, *records;
} agg_tables[] = {
    {"agg_problems",
     "round_id, team_id, unit_id, month, state, immediate_fix, handed, n, amount_fen",
     "n <> 0 OR amount_fen <> 0",
     "SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state, "
     "p.immediate_fix, EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON "
     "rc.report_id=rp.report_id WHERE rp.problem_id=p.id), count(*), sum(p.amount_fen) "
     "FROM problems p GROUP BY 1, 2, 3, 4, 5, 6, 7"},
    /* 023 */
    {"agg_rect_tasks", "round_id, team_id, unit_id, month, state, handed, n", "n <> 0",
     "SELECT k.round_id, k.team_id, k.unit_id, substr(k.deadline, 1, 7), k.state, "
     "EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON "
     "rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id), count(*) "
     "FROM rect_tasks k GROUP BY 1, 2, 3, 4, 5, 6"},
    {"agg_accountability",
     "round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, "
     "funds_recovered_fen, funds_returned_fen, losses_recovered_fen",
     "n <> 0 OR funds_recovered_fen <> 0 OR funds_returned_fen <> 0 OR losses_recovered_fen <> 0",
     "SELECT a.round_id, a.team_id, a.unit_id, coalesce(substr(a.decided_on, 1, 7), ''), "
     "a.state, a.subject_kind, coalesce(a.outcome, ''), coalesce(a.form, 0), "
     "(EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON "
     "rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM "
     "clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)), count(*), "
     "sum(a.funds_recovered_fen), sum(a.funds_returned_fen), sum(a.losses_recovered_fen) "
     "FROM accountability a GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"},
    {"agg_clues",
     "round_id, team_id, unit_id, state, handed_over, handover_mode, registered, "
     "disposal_method, result, disposed, "
     "concluded, case_filed, detention, prosecution, n",
     "n <> 0",
     "SELECT c.round_id, c.team_id, c.unit_id, c.state, c.handover_at IS NOT NULL, "
     "coalesce(c.handover_mode, ''), c.registered_at IS NOT NULL, "
     "coalesce(c.disposal_method, ''), coalesce(c.result, ''), c.disposed_at IS NOT NULL, "
     "c.concluded_at IS NOT NULL, c.case_filed_on IS NOT NULL, c.detention_on IS NOT NULL, "
     "c.prosecution_on IS NOT NULL, count(*) FROM clues c "
     "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"},
};

enum { NAGG_TABLES = sizeof agg_tables / sizeof *agg_tables };

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

size_t agg_table_count(void) { return NAGG_TABLES; }

const char *agg_table_name(size_t i) { return i < NAGG_TABLES ? agg_tables[i].name : NULL; }

int agg_rebuild_table(store_tx *tx, const char *name) {
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    const struct agg_table *t = &agg_tables[i];
    if (strcmp(name, t->name)) continue;
    buf sql;
    buf_init(&sql, 16384);
    buf_addf(&sql, "DELETE FROM %s; INSERT INTO %s (%s) %s;", t->name, t->name, t->cols, t->records);
    int rc = sql.failed ? STORE_ERR : store_exec_script(tx, buf_str(&sql));
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

int agg_verify(store_tx *tx, FILE *out) {
  int bad = 0;
  for (size_t i = 0; i < NAGG_TABLES; i++) {
    const struct agg_table *t = &agg_tables[i];
    buf sql;
    buf_init(&sql, 8192);
    buf_addf(&sql,
             "WITH rec AS (%s), ag AS (SELECT %s FROM %s WHERE %s) "
             "SELECT 'aggregate' AS side, * FROM (SELECT * FROM ag EXCEPT SELECT * FROM rec) "
             "UNION ALL SELECT 'records' AS side, * FROM (SELECT * FROM rec EXCEPT SELECT * FROM ag) "
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
  for (int i = 0; i < nmeasures; i++) {
    const measure *m = &measures[i];
    agg_plan p;
    if (!agg_plan_for(&c, m, &p)) continue;
    char what[256];
    if (m->kind == MK_COUNT || m->kind == MK_DIST) snprintf(what, sizeof what, "count(*)");
    else snprintf(what, sizeof what, "coalesce(sum(%s),0)", m->expr);
    if (m->kind == MK_DIST) { /* every code's count */
      char wr[400], wa[600];
      snprintf(wr, sizeof wr, "%s AS code, count(*) AS n", m->expr);
      snprintf(wa, sizeof wa, "%s AS code, %s AS n", m->expr, p.what);
      json_t *jr = NULL, *ja = NULL;
      int rc = rows_of(tx, &c, m, wr, "count(*)", &jr);
      if (!rc) rc = rows_of(tx, &p.c, &p.m, wa, p.what, &ja);
      int same = !rc && json_equal(jr, ja);
      char *tr = !rc && !same ? json_dumps(jr, JSON_COMPACT) : NULL;
      char *ta = !rc && !same ? json_dumps(ja, JSON_COMPACT) : NULL;
      json_decref(jr);
      json_decref(ja);
      if (rc) return rc;
      if (!same) {
        fprintf(out, "%s: 记录 %s, 汇总 %s (%s)\n", m->name, tr ? tr : "?", ta ? ta : "?",
                m->label);
        bad++;
      }
      free(tr);
      free(ta);
      continue;
    }
    int64_t rec = 0, agg = 0;
    int rc = value_of(tx, &c, m, what, &rec);
    if (!rc) rc = value_of(tx, &p.c, &p.m, p.what, &agg);
    if (rc) return rc;
    if (rec != agg) {
      fprintf(out, "%s: 记录 %" PRId64 ", 汇总 %" PRId64 " (%s)\n", m->name, rec, agg, m->label);
      bad++;
    }
  }
  return bad;
}
