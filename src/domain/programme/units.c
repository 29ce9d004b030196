/*
 * units.c — the inspection office keeps the list of inspected units: a
 * bulk import of units and villages (e.g. the 160 villages of a special
 * patrol under their townships) from CSV or .xlsx, validated row by row and
 * created all-or-nothing, like the other imports. Single units are created
 * with POST /api/v1/orgs; who may write which kind of organisation is the
 * policy's (core/authz.c: A_ORG_WRITE, P_INSPECTED / P_SYSTEM_ORG).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"
#include "domain/reports/reports.h"

enum { UNITS_MAX = 5000 };

static const char *const unit_cols[] = {"名称", "简称", "层级", "上级", "监督的派驻纪检监察组"};
enum { UC_NAME, UC_SHORT, UC_LEVEL, UC_PARENT, UC_SUP, UC__N };

/* 层级 as written in a sheet, or the code. */
static const char *level_code(const char *v) {
  static const char *const map[][2] = {{"市直", "city"},     {"市级", "city"},   {"city", "city"},
                                       {"乡镇", "township"}, {"镇", "township"}, {"街道", "township"},
                                       {"township", "township"}, {"村", "village"}, {"社区", "village"},
                                       {"村(社区)", "village"}, {"村（社区）", "village"},
                                       {"village", "village"}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++)
    if (!strcmp(map[i][0], v)) return map[i][1];
  return NULL;
}

/* The default level under a parent of level pl: one step down. */
static const char *level_below(const char *pl) {
  if (!pl) return "city";
  if (!strcmp(pl, "city")) return "township";
  return "village";
}

static const field units_fields[] = {
    {.name = "csv", .label = "CSV 文本", .type = FT_MEMO, .flags = F_REQUIRED, .max = 2000000},
    {.name = "parent_id", .label = "上级单位 (乡镇)", .type = FT_ID},
    {.name = "supervisor_id", .label = "监督的派驻纪检监察组", .type = FT_ID},
};

__attribute__((format(printf, 3, 4))) static void row_err(json_t *errs, int row, const char *fmt,
                                                           ...) {
  char m[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  utf8_fix_end(m); /* a cut message ends at a character boundary */
  json_array_append_new(errs, json_pack("{s:i,s:s}", "row", row, "message", m));
}

int h_orgs_import(req *r) {
  /* the office may create inspected units; sysadmin keeps the other kinds */
  if (!authz(&r->who, A_ORG_WRITE, &(authz_obj){.org_kind = "unit"}))
    return entity_deny_write(r, A_ORG_WRITE, "unit", NULL);
  if (imports_xlsx_as_csv(r)) return r->status;
  if (api_body(r, units_fields, NF(units_fields), false)) return r->status;
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  const char *parent = prog_js(r->in, "parent_id"), *sup = prog_js(r->in, "supervisor_id");
  json_t *par = NULL;
  if (parent) {
    par = prog_one(tx, "SELECT id, name, level, supervisor_id FROM orgs WHERE id=$1 AND kind='unit'",
                   parent, &rc);
    if (!par) {
      if (!rc) api_error(r, 400, "invalid_field", "parent_id", "「上级单位」不存在或不是被巡察单位");
      return prog_fail(r, tx, rc);
    }
  }
  if (sup) {
    int64_t n = 0;
    sval q[] = {SV_S(sup)};
    rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1 AND kind='dispatched_group'", q,
                         1, &n);
    if (!rc && !n) {
      api_error(r, 400, "invalid_field", "supervisor_id", "「监督的派驻纪检监察组」不存在");
      rc = 1;
    }
    if (rc) {
      json_decref(par);
      return prog_fail(r, tx, rc);
    }
  }
  char *text = xstrdup(prog_js(r->in, "csv"));
  json_t *rows = json_array(), *errs = json_array(), *seen = json_object();
  int map[UC__N] = {-1, -1, -1, -1, -1}, header = 1, lineno = 0;
  for (char *cur = text; !rc;) {
    char *cells[16];
    int nc = prog_csv_line(&cur, &lineno, cells, 16); /* lineno: the sheet's row, from 1 */
    if (nc == PROG_CSV_END) break;
    if (nc < 0) {
      row_err(errs, lineno, "引号不匹配或列数过多");
      if (header) break;
      continue;
    }
    if (nc == 0) continue; /* empty rows are skipped but keep the numbering */
    if (header) {
      for (int i = 0; i < nc; i++) {
        int k = 0;
        while (k < UC__N && strcmp(cells[i], unit_cols[k])) k++;
        if (k < UC__N) map[k] = i;
        else if (strcmp(cells[i], "序号") && strcmp(cells[i], "备注"))
          row_err(errs, lineno, "未知的列「%s」", cells[i]);
      }
      if (map[UC_NAME] < 0) row_err(errs, lineno, "缺少「名称」列");
      header = 0;
    } else if (json_array_size(rows) >= UNITS_MAX) {
      row_err(errs, lineno, "一次最多导入 5000 个单位");
    } else {
      const char *v[UC__N];
      for (int k = 0; k < UC__N; k++) v[k] = map[k] >= 0 && map[k] < nc ? cells[map[k]] : "";
      json_t *pr = NULL;
      char *supid = NULL;
      const char *level = NULL;
      int bad = 0;
      if (!*v[UC_NAME] || !utf8_valid(v[UC_NAME], strlen(v[UC_NAME])) || utf8_len(v[UC_NAME]) > 100) {
        row_err(errs, lineno, "「名称」为空或过长");
        bad = 1;
      } else if (json_object_get(seen, v[UC_NAME])) {
        row_err(errs, lineno, "「%s」与前面的行重复", v[UC_NAME]);
        bad = 1;
      } else {
        int64_t n = 0;
        sval q[] = {SV_S(v[UC_NAME])};
        rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE name=$1", q, 1, &n);
        if (!rc && n) {
          row_err(errs, lineno, "组织机构「%s」已存在", v[UC_NAME]);
          bad = 1;
        }
      }
      if (!bad && !rc && utf8_len(v[UC_SHORT]) > 50) {
        row_err(errs, lineno, "「简称」过长");
        bad = 1;
      }
      if (!bad && !rc && *v[UC_PARENT]) {
        sval q[] = {SV_S(v[UC_PARENT])};
        pr = store_query_one(tx, "SELECT id, level, supervisor_id FROM orgs WHERE (name=$1 OR id=$1) "
                                 "AND kind='unit'", q, 1, &rc);
        if (!rc && !pr) {
          row_err(errs, lineno, "上级单位「%s」不存在或不是被巡察单位", v[UC_PARENT]);
          bad = 1;
        }
      }
      const json_t *up = pr ? pr : par;
      if (!bad && !rc) {
        level = *v[UC_LEVEL] ? level_code(v[UC_LEVEL]) : level_below(up ? prog_js(up, "level") : NULL);
        if (!level) {
          row_err(errs, lineno, "「层级」%s 无效 (市直、乡镇、村、社区)", v[UC_LEVEL]);
          bad = 1;
        }
      }
      if (!bad && !rc && *v[UC_SUP]) {
        sval q[] = {SV_S(v[UC_SUP])};
        rc = store_query_text(tx, "SELECT id FROM orgs WHERE (name=$1 OR id=$1) AND "
                                  "kind='dispatched_group'", q, 1, &supid);
        if (!rc && !supid) {
          row_err(errs, lineno, "派驻纪检监察组「%s」不存在", v[UC_SUP]);
          bad = 1;
        }
      }
      if (!bad && !rc) {
        const char *s = supid ? supid : sup ? sup : up ? prog_js(up, "supervisor_id") : NULL;
        json_object_set_new(seen, v[UC_NAME], json_true());
        json_array_append_new(
            rows, json_pack("{s:s,s:s?,s:s,s:s?,s:s?,s:i}", "name", v[UC_NAME], "short_name",
                            *v[UC_SHORT] ? v[UC_SHORT] : NULL, "level", level, "parent_id",
                            up ? prog_js(up, "id") : NULL, "supervisor_id", s, "row", lineno));
      }
      json_decref(pr);
      free(supid);
    }
    for (int i = 0; i < nc; i++) free(cells[i]);
    if (map[UC_NAME] < 0 && json_array_size(errs)) break; /* a bad header: nothing to read */
  }
  free(text);
  json_decref(seen);
  json_decref(par);
  if (!rc && !json_array_size(errs) && !json_array_size(rows))
    row_err(errs, lineno ? lineno : 1, "没有数据行");
  if (!rc && json_array_size(errs)) {
    json_t *first = json_array_get(errs, 0);
    api_error(r, 400, "invalid_rows", "csv", "共 %zu 行有误, 未导入任何单位; 第 %lld 行: %s",
              json_array_size(errs), (long long)json_integer_value(json_object_get(first, "row")),
              prog_js(first, "message"));
    json_object_set(json_object_get(r->out, "error"), "rows", errs);
    rc = 1;
  }
  json_decref(errs);
  char now[TS_LEN];
  ts_now(now);
  json_t *items = json_array();
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    if (rc) break;
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id), SV_S(prog_js(row, "name")), SV_S(prog_js(row, "short_name")),
                SV_S(prog_js(row, "parent_id")), SV_S(prog_js(row, "supervisor_id")),
                SV_S(prog_js(row, "level")), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO orgs(id,kind,name,short_name,parent_id,supervisor_id,level,"
                    "created_at,updated_at) VALUES($1,'unit',$2,$3,$4,$5,$6,$7,$7)",
                    p, 7, NULL);
    json_t *d = json_pack("{s:s,s:s,s:s?,s:s?,s:O,s:b}", "kind", "unit", "level",
                          prog_js(row, "level"), "parent_id", prog_js(row, "parent_id"),
                          "supervisor_id", prog_js(row, "supervisor_id"), "row",
                          json_object_get(row, "row"), "import", 1);
    if (!rc) rc = api_audit(r, tx, "org.create", "org", id, "ok", d);
    json_decref(d);
    if (!rc)
      json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "id", id, "name",
                                             prog_js(row, "name"), "level", prog_js(row, "level")));
  }
  json_decref(rows);
  if (rc) {
    json_decref(items);
    return prog_fail(r, tx, rc);
  }
  return prog_done(r, tx, 201, json_pack("{s:I,s:o}", "imported", (json_int_t)json_array_size(items),
                                         "items", items));
}
