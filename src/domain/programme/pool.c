/*
 * pool.c — the cadre pool (巡察人才库): work history, declared relatives,
 * expertise tags, trainings, the 十五严禁 pledge per round, a profile view and an
 * all-or-nothing CSV import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/visibility.h"
#include "domain/programme/programme.h"
#include "domain/reports/reports.h"

#include "api/imports.h" /* the persons import service */

/* ---- cadre pool: work history and relatives -------------------------------------------- */
static const field history_fields[] = {
    {.name = "org_id", .label = "工作单位", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "post", .label = "职务", .type = FT_TEXT, .max = 100},
    {.name = "start_date", .label = "开始日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "end_date", .label = "结束日期", .type = FT_DATE},
};
static const field relative_fields[] = {
    {.name = "name", .label = "亲属姓名", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "relation", .label = "关系", .type = FT_TEXT, .flags = F_REQUIRED, .max = 20},
    {.name = "org_id", .label = "工作单位", .type = FT_ID},
    {.name = "post", .label = "职务", .type = FT_TEXT, .max = 100},
};

static const field training_fields[] = {
    {.name = "title", .label = "培训名称", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "organizer", .label = "举办单位", .type = FT_TEXT, .max = 100},
    {.name = "start_date", .label = "开始日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "end_date", .label = "结束日期", .type = FT_DATE},
    {.name = "hours", .label = "学时", .type = FT_INT, .max = 2000, .min = 1},
};

typedef struct subres {
  const char *kind, *table, *audit, *select, *order;
  const field *f;
  int nf;
  const char *part; /* its key in the profile, a field of vis_person */
} subres;

static const subres sr_history = {
    "work_history", "person_work_history", "person.work_history.add",
    "SELECT h.id, h.person_id, h.org_id, o.name AS org_name, h.post, h.start_date, h.end_date, "
    "h.created_at FROM person_work_history h JOIN orgs o ON o.id=h.org_id",
    " ORDER BY h.start_date, h.id", history_fields, NF(history_fields), "work_history"};
static const subres sr_relative = {
    "relative", "person_relatives", "person.relative.add",
    "SELECT h.id, h.person_id, h.name, h.relation, h.org_id, o.name AS org_name, h.post, "
    "h.created_at FROM person_relatives h LEFT JOIN orgs o ON o.id=h.org_id",
    " ORDER BY h.name, h.id", relative_fields, NF(relative_fields), "relatives"};
static const subres sr_training = {
    "training", "person_trainings", "person.training.add",
    "SELECT h.id, h.person_id, h.title, h.organizer, h.start_date, h.end_date, h.hours, "
    "h.created_at FROM person_trainings h",
    " ORDER BY h.start_date, h.id", training_fields, NF(training_fields), "trainings"};

/* A part of a person's pool record (its key in the profile: work_history,
 * relatives, trainings), as the visibility model lets the user see it:
 * 1 yes, 0 no (404, the person hidden, or 403, the part), <0 store error. */
static int part_visible(req *r, store_tx *tx, const char *person, const char *part, action_id *need) {
  int vis = vis_row(tx, &vis_person, &r->who, person);
  *need = vis_field_need(&vis_person, part);
  if (vis <= 0) return vis;
  return vis_row_act(tx, &vis_person, &r->who, *need, person) > 0 ? 1 : 2;
}

static int sub_list(req *r, const subres *s) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n);
  action_id need = A_POOL_READ;
  int vis = !rc && n ? part_visible(r, tx, r->params[0], s->part, &need) : 0;
  buf sql;
  buf_init(&sql, 2048);
  buf_addf(&sql, "%s WHERE h.person_id=$1%s", s->select, s->order);
  json_t *items = vis == 1 ? store_query_json(tx, buf_str(&sql), p, 1) : NULL;
  buf_free(&sql);
  store_rollback(tx);
  if (!rc && !n) return api_error(r, 404, "not_found", "", "人员不存在");
  if (vis < 0) return api_store_error(r, vis, NULL);
  if (!rc && !vis) return api_deny(r, vis_person.read, "person", r->params[0], 1);
  if (!rc && vis == 2) return api_deny(r, need, "person", r->params[0], 0);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items)));
}

static int sub_add(req *r, const subres *s) {
  if (api_body(r, s->f, s->nf, false)) return r->status;
  const char *org = prog_js(r->in, "org_id");
  const char *sd = prog_js(r->in, "start_date"), *ed = prog_js(r->in, "end_date");
  if (sd && ed && strcmp(sd, ed) > 0)
    return api_error(r, 400, "invalid_field", "end_date", "「结束日期」不得早于开始日期");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n)))
    return prog_fail(r, tx, rc);
  if (!n) {
    api_error(r, 404, "not_found", "", "人员不存在");
    return prog_fail(r, tx, 0);
  }
  if (org) {
    sval q[] = {SV_S(org)};
    if ((rc = store_query_int(tx, "SELECT count(*) FROM orgs WHERE id=$1", q, 1, &n)))
      return prog_fail(r, tx, rc);
    if (!n) {
      api_error(r, 400, "invalid_field", "org_id", "「工作单位」不存在");
      return prog_fail(r, tx, 0);
    }
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  if (s == &sr_history) {
    sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(org), SV_S(prog_js(r->in, "post")), SV_S(sd),
                 SV_S(ed), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_work_history(id,person_id,org_id,post,start_date,end_date,"
                    "created_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
                    ip, 7, NULL);
  } else if (s == &sr_training) {
    const json_t *h = json_object_get(r->in, "hours");
    sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(prog_js(r->in, "title")),
                 SV_S(prog_js(r->in, "organizer")), SV_S(sd), SV_S(ed),
                 json_is_integer(h) ? SV_I(json_integer_value(h)) : SV_NUL, SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_trainings(id,person_id,title,organizer,start_date,end_date,"
                    "hours,created_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8)",
                    ip, 8, NULL);
  } else {
    sval ip[] = {SV_S(id),  SV_S(r->params[0]), SV_S(prog_js(r->in, "name")),
                 SV_S(prog_js(r->in, "relation")), SV_S(org), SV_S(prog_js(r->in, "post")), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO person_relatives(id,person_id,name,relation,org_id,post,"
                    "created_at) VALUES($1,$2,$3,$4,$5,$6,$7)",
                    ip, 7, NULL);
  }
  if (!rc) rc = api_audit(r, tx, s->audit, "person", r->params[0], "ok", r->in);
  json_t *row = NULL;
  if (!rc) {
    buf sql;
    buf_init(&sql, 2048);
    buf_addf(&sql, "%s WHERE h.id=$1", s->select);
    sval rp[] = {SV_S(id)};
    row = store_query_one(tx, buf_str(&sql), rp, 1, &rc);
    buf_free(&sql);
  }
  if (!row) return prog_fail(r, tx, rc ? rc : STORE_ERR);
  return prog_done(r, tx, 201, row);
}

int h_person_history_list(req *r) { return sub_list(r, &sr_history); }
int h_person_history_add(req *r) { return sub_add(r, &sr_history); }
int h_person_relatives_list(req *r) { return sub_list(r, &sr_relative); }
int h_person_relatives_add(req *r) { return sub_add(r, &sr_relative); }
int h_person_trainings_list(req *r) { return sub_list(r, &sr_training); }
int h_person_trainings_add(req *r) { return sub_add(r, &sr_training); }

/* ---- cadre pool: expertise tags, profile, pledges, CSV import ---------------------------- */
const char *const prog_expertise[] = {"财务", "审计", "法律", "纪检", "工程", "农业",
                                        "组织人事", "信访", "教育", "医疗卫生", "信息技术",
                                        "文字综合", NULL};

/* Validates a tag list (array of strings) into out; returns NULL or a message. */
static const char *tags_check(const json_t *a, const char **bad) {
  if (!json_is_array(a) || json_array_size(a) > 20) return "「专长」应为不超过 20 项的列表";
  size_t i;
  json_t *t;
  json_array_foreach(a, i, t) {
    const char *v = json_string_value(t);
    if (!v || !enum_ok(prog_expertise, v)) {
      *bad = v ? v : "";
      return "「专长」取值无效";
    }
  }
  return NULL;
}

static int set_tags(store_tx *tx, const char *person, const json_t *tags) {
  sval p[] = {SV_S(person)};
  int rc = store_exec(tx, "DELETE FROM person_tags WHERE person_id=$1", p, 1, NULL);
  size_t i;
  json_t *t;
  json_array_foreach(tags, i, t) {
    if (rc) break;
    sval q[] = {SV_S(person), SV_S(json_string_value(t))};
    rc = store_exec(tx,
                    "INSERT INTO person_tags(person_id,tag) VALUES($1,$2) ON CONFLICT DO NOTHING",
                    q, 2, NULL);
  }
  return rc;
}

int h_person_tags_set(req *r) {
  if (!r->in) r->in = json_object();
  const json_t *tags = json_object_get(r->in, "tags");
  const char *bad = NULL, *msg;
  if (json_object_size(r->in) != 1 || !tags)
    return api_error(r, 400, "missing_field", "tags", "请求体应为 {\"tags\": [...]}");
  if ((msg = tags_check(tags, &bad)))
    return api_error(r, 400, "invalid_field", "tags", "%s%s%.40s", msg, bad ? ": " : "",
                     bad ? bad : "");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0])};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM persons WHERE id=$1", p, 1, &n)))
    return prog_fail(r, tx, rc);
  if (!n) {
    api_error(r, 404, "not_found", "", "人员不存在");
    return prog_fail(r, tx, 0);
  }
  rc = set_tags(tx, r->params[0], tags);
  if (!rc) rc = api_audit(r, tx, "person.tags", "person", r->params[0], "ok", r->in);
  if (rc) return prog_fail(r, tx, rc);
  return prog_done(r, tx, 200, json_pack("{s:s,s:O}", "person_id", r->params[0], "tags", tags));
}

int h_person_profile(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *pr = store_query_one(tx,
                               "SELECT p.id, p.version, p.name, p.org_id, o.name AS org_name, "
                               "p.post, p.rank, p.party_member FROM persons p LEFT JOIN orgs o ON "
                               "o.id=p.org_id WHERE p.id=$1",
                               p, 1, &rc);
  if (!pr) {
    store_rollback(tx);
    return rc ? api_store_error(r, rc, NULL) : api_error(r, 404, "not_found", "", "人员不存在");
  }
  json_object_set_new(pr, "party_member",
                      json_boolean(json_integer_value(json_object_get(pr, "party_member"))));
  json_t *tags = store_query_json(tx, "SELECT tag FROM person_tags WHERE person_id=$1 ORDER BY tag",
                                  p, 1);
  json_t *ta = json_array();
  size_t i;
  json_t *it;
  json_array_foreach(tags, i, it) json_array_append(ta, json_object_get(it, "tag"));
  json_decref(tags);
  json_object_set_new(pr, "tags", ta);
  const subres *subs[] = {&sr_history, &sr_relative, &sr_training};
  const char *keys[] = {"work_history", "relatives", "trainings"};
  for (int k = 0; k < 3; k++) {
    buf sql;
    buf_init(&sql, 2048);
    buf_addf(&sql, "%s WHERE h.person_id=$1%s", subs[k]->select, subs[k]->order);
    json_t *a = store_query_json(tx, buf_str(&sql), p, 1);
    buf_free(&sql);
    json_object_set_new(pr, keys[k], a ? a : json_array());
  }
  json_t *served = store_query_json(
      tx,
      "SELECT m.round_id, r.name AS round_name, m.team_id, t.name AS team_name, m.role, m.origin, "
      "(SELECT g.signed_on FROM pledges g WHERE g.round_id=m.round_id AND g.person_id=m.person_id) "
      "AS pledge_signed_on FROM team_members m JOIN rounds r ON r.id=m.round_id JOIN teams t ON "
      "t.id=m.team_id WHERE m.person_id=$1 ORDER BY m.created_at DESC",
      p, 1);
  json_object_set_new(pr, "rounds", served ? served : json_array());
  json_t *vs = store_query_json(tx, VETTING_SELECT "WHERE v.person_id=$1 ORDER BY v.requested_at DESC",
                                p, 1);
  json_object_set_new(pr, "vettings", vs ? vs : json_array());
  /* the person and each part only as the visibility model allows (vis_person:
   * the pool's content with pool.read, the rounds served with the teams' read
   * action, the vettings with theirs) */
  int vis = vis_row(tx, &vis_person, &r->who, r->params[0]);
  if (vis > 0) vis = vis_redact(tx, &vis_person, &r->who, r->params[0], pr) ? STORE_ERR : 1;
  store_rollback(tx);
  if (vis <= 0) {
    json_decref(pr);
    return vis < 0 ? api_store_error(r, vis, NULL)
                   : api_deny(r, vis_person.read, "person", r->params[0], 1);
  }
  /* a part withheld reads as none (the page's shape stays) */
  const char *const parts[] = {"tags", "work_history", "relatives", "trainings", "rounds", "vettings"};
  for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
    if (!json_object_get(pr, parts[k])) json_object_set_new(pr, parts[k], json_array());
  return api_ok(r, 200, pr);
}

static const field pledge_fields[] = {
    {.name = "person_id", .label = "人员", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "signed_on", .label = "签订日期", .type = FT_DATE, .flags = F_REQUIRED},
};

int h_round_pledges_list(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *items = store_query_json(
      tx,
      "SELECT m.person_id, p.name AS person_name, t.name AS team_name, g.signed_on FROM "
      "team_members m JOIN persons p ON p.id=m.person_id JOIN teams t ON t.id=m.team_id LEFT JOIN "
      "pledges g ON g.round_id=m.round_id AND g.person_id=m.person_id WHERE m.round_id=$1 "
      "ORDER BY t.name, p.name",
      p, 1);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  size_t i, unsigned_n = 0;
  json_t *it;
  json_array_foreach(items, i, it) unsigned_n += json_is_null(json_object_get(it, "signed_on"));
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I}", "items", items, "total",
                                  (json_int_t)json_array_size(items), "unsigned",
                                  (json_int_t)unsigned_n));
}

int h_round_pledge_sign(req *r) {
  if (api_body(r, pledge_fields, NF(pledge_fields), false)) return r->status;
  const char *person = prog_js(r->in, "person_id"), *on = prog_js(r->in, "signed_on");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(on, today) > 0)
    return api_error(r, 400, "invalid_field", "signed_on", "「签订日期」不得晚于今天");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t n = 0;
  sval p[] = {SV_S(r->params[0]), SV_S(person)};
  if ((rc = store_query_int(tx, "SELECT count(*) FROM team_members WHERE round_id=$1 AND "
                                "person_id=$2", p, 2, &n)))
    return prog_fail(r, tx, rc);
  if (!n) {
    api_error(r, 400, "invalid_field", "person_id", "该人员不是本轮巡察组成员");
    return prog_fail(r, tx, 0);
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval ip[] = {SV_S(id), SV_S(r->params[0]), SV_S(person), SV_S(on), SV_S(r->who.user_id),
               SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO pledges(id,round_id,person_id,signed_on,recorded_by,created_at) "
                  "VALUES($1,$2,$3,$4,$5,$6)",
                  ip, 6, NULL);
  if (rc == STORE_CONFLICT) {
    api_error(r, 409, "conflict", "person_id", "该人员已签订本轮「十五严禁」承诺书");
    return prog_fail(r, tx, 1);
  }
  if (!rc) rc = api_audit(r, tx, "pledge.sign", "round", r->params[0], "ok", r->in);
  if (rc) return prog_fail(r, tx, rc);
  return prog_done(r, tx, 201, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "round_id", r->params[0],
                                    "person_id", person, "signed_on", on));
}

/* CSV: RFC 4180 fields (quotes, doubled quotes), one record per line. Splits
 * line into at most max fields (malloc'd); returns the count or -1. */
static int csv_field(const char **sp, char **out) {
  const char *s = *sp;
  buf f;
  buf_init(&f, 4096);
  int bad = 0;
  if (*s == '"') {
    for (s++; !bad; s++) {
      if (!*s) bad = 1;
      else if (*s == '"' && s[1] == '"') bad = buf_adds(&f, "\""), s++;
      else if (*s == '"') break;
      else bad = buf_addf(&f, "%c", *s);
    }
    if (!bad) s++; /* closing quote */
    if (!bad && *s && *s != ',') bad = 1;
  } else {
    for (; *s && *s != ',' && !bad; s++) bad = buf_addf(&f, "%c", *s);
  }
  if (bad) {
    buf_free(&f);
    return -1;
  }
  *out = buf_take(&f);
  *sp = s;
  return 0;
}

int prog_csv_split(const char *line, char **out, int max) {
  int n = 0;
  const char *s = line;
  for (;;) {
    if (n >= max || csv_field(&s, &out[n]) < 0) {
      while (n > 0) free(out[--n]);
      return -1;
    }
    n++;
    if (!*s) return n;
    s++; /* comma */
  }
}

int prog_csv_line(char **cur, int *lineno, char **cells, int max) {
  char *line = *cur;
  if (!line) return PROG_CSV_END;
  char *next = strchr(line, '\n');
  if (next) *next++ = '\0';
  *cur = next;
  ++*lineno;
  size_t L = strlen(line);
  if (L && line[L - 1] == '\r') line[--L] = '\0';
  if (*lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) line += 3;
  int nc = *line ? prog_csv_split(line, cells, max) : 0;
  if (nc <= 0) return nc;
  int blank = 1;
  for (int i = 0; i < nc; i++) blank &= !*cells[i];
  if (blank) { /* empty rows are skipped, as a spreadsheet user expects */
    for (int i = 0; i < nc; i++) free(cells[i]);
    return 0;
  }
  return nc;
}

static const char *const csv_cols[] = {"姓名", "单位", "职务", "职级", "党员", "专长"};
enum { CSV_COLS = 6, CSV_MAX_ROWS = 5000 };

int svc_persons_import(app *a, svc_actor *ac, json_t *in, json_t **out, xres *x) {
  static const field f[] = {{.name = "csv", .label = "CSV 文本", .type = FT_MEMO,
                             .flags = F_REQUIRED | F_VERBATIM, .max = 2000000}};
  verr e;
  if (!in || !fields_validate(in, f, 1, false, &e)) {
    if (!in) return xres_err(x, 400, "missing_field", "csv", "缺少「CSV 文本」");
    return xres_verr(x, &e);
  }
  char *text = xstrdup(prog_js(in, "csv"));
  json_t *rows = json_array(), *errors = json_array();
  int map[CSV_COLS];
  for (int k = 0; k < CSV_COLS; k++) map[k] = -1;
  int lineno = 0, header = 1;
  store_tx *tx = NULL;
  int rc = store_read(a->db, &tx);
  if (rc) {
    free(text);
    json_decref(rows);
    json_decref(errors);
    return svc_fail(NULL, ac, rc, x);
  }
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    lineno++; /* the physical line number, as a spreadsheet shows it */
    size_t L = strlen(line);
    if (L && line[L - 1] == '\r') line[--L] = '\0';
    if (lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3)) line += 3; /* BOM */
    if (!*line) continue;
    char *cells[16];
    int nc = prog_csv_split(line, cells, 16);
    char msg[300] = "";
    if (nc < 0) {
      snprintf(msg, sizeof msg, "引号不匹配或列数过多");
    } else if (header) {
      for (int i = 0; i < nc; i++) {
        int k = 0;
        while (k < CSV_COLS && strcmp(cells[i], csv_cols[k])) k++;
        if (k == CSV_COLS) snprintf(msg, sizeof msg, "未知的列「%.40s」", cells[i]);
        else map[k] = i;
      }
      if (!msg[0] && map[0] < 0) snprintf(msg, sizeof msg, "缺少「姓名」列");
    } else {
      const char *v[CSV_COLS];
      for (int k = 0; k < CSV_COLS; k++) v[k] = map[k] >= 0 && map[k] < nc ? cells[map[k]] : "";
      json_t *row = json_object();
      char *org = NULL;
      if (!*v[0] || utf8_len(v[0]) > 50 || !utf8_valid(v[0], strlen(v[0])))
        snprintf(msg, sizeof msg, "「姓名」为空或过长");
      else if (utf8_len(v[2]) > 100 || utf8_len(v[3]) > 50)
        snprintf(msg, sizeof msg, "「职务」或「职级」过长");
      else if (*v[4] && strcmp(v[4], "是") && strcmp(v[4], "否"))
        snprintf(msg, sizeof msg, "「党员」应为 是 或 否");
      if (!msg[0] && *v[1]) {
        sval q[] = {SV_S(v[1])};
        rc = store_query_text(tx, "SELECT id FROM orgs WHERE name=$1 OR id=$1", q, 1, &org);
        if (!rc && !org) snprintf(msg, sizeof msg, "「单位」%.60s 不存在", v[1]);
      }
      json_t *tags = json_array();
      if (!msg[0] && *v[5]) {
        /* separators: ; | and the full-width ；、 (replaced whole, never byte-wise) */
        buf tb;
        buf_init(&tb, 4096);
        for (const char *c = v[5]; *c;) {
          if (!strncmp(c, "；", strlen("；")) || !strncmp(c, "、", strlen("、"))) {
            buf_adds(&tb, ";");
            c += 3;
          } else {
            buf_addf(&tb, "%c", *c);
            c++;
          }
        }
        if (buf_failed(&tb)) snprintf(msg, sizeof msg, "「专长」过长");
        char *tv = buf_take(&tb), *ts = NULL;
        for (char *t = msg[0] ? NULL : strtok_r(tv, ";|", &ts); t; t = strtok_r(NULL, ";|", &ts)) {
          if (!enum_ok(prog_expertise, t)) {
            snprintf(msg, sizeof msg, "「专长」%.40s 无效", t);
            break;
          }
          json_array_append_new(tags, json_string(t));
        }
        free(tv);
      }
      json_object_set_new(row, "name", json_string(v[0]));
      json_object_set_new(row, "org_id", org ? json_string(org) : json_null());
      json_object_set_new(row, "post", *v[2] ? json_string(v[2]) : json_null());
      json_object_set_new(row, "rank", *v[3] ? json_string(v[3]) : json_null());
      json_object_set_new(row, "party_member", json_boolean(strcmp(v[4], "否") != 0));
      json_object_set_new(row, "tags", tags);
      json_object_set_new(row, "line", json_integer(lineno));
      free(org);
      if (msg[0]) json_decref(row);
      else json_array_append_new(rows, row);
    }
    for (int i = 0; i < nc; i++) free(cells[i]);
    if (msg[0] && !rc)
      json_array_append_new(errors, json_pack("{s:i,s:s}", "row", lineno, "message", msg));
    if (header && msg[0]) break; /* a bad header makes every row meaningless */
    header = 0;
    if (rc || json_array_size(rows) > CSV_MAX_ROWS) break;
  }
  free(text);
  if (rc) {
    json_decref(rows);
    json_decref(errors);
    return svc_fail(tx, ac, rc, x);
  }
  store_rollback(tx);
  if (json_array_size(rows) > CSV_MAX_ROWS) {
    json_decref(rows);
    json_decref(errors);
    return xres_err(x, 413, "too_many", "csv", "一次最多导入 %d 人", CSV_MAX_ROWS);
  }
  if (json_array_size(errors) || json_array_size(rows) == 0) {
    json_t *first = json_array_get(errors, 0);
    if (first)
      xres_err(x, 400, "invalid_rows", "csv", "共 %zu 行有误, 未导入任何人员; 第 %lld 行: %s",
               json_array_size(errors), (long long)json_integer_value(json_object_get(first, "row")),
               prog_js(first, "message"));
    else
      xres_err(x, 400, "invalid_field", "csv", "「CSV 文本」没有数据行");
    xres_put(x, "rows", errors);
    json_decref(rows);
    return x->status;
  }
  json_decref(errors);
  rc = store_write(a->db, &tx);
  if (rc) {
    json_decref(rows);
    return svc_fail(NULL, ac, rc, x);
  }
  char now[TS_LEN];
  ts_now(now);
  json_t *ids = json_array();
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    char id[UUID_LEN];
    uuid7(id);
    sval p[] = {SV_S(id), SV_S(prog_js(row, "name")), SV_S(prog_js(row, "org_id")), SV_S(prog_js(row, "post")),
                SV_S(prog_js(row, "rank")), SV_I(json_is_true(json_object_get(row, "party_member"))),
                SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO persons(id,name,org_id,post,rank,party_member,created_at,"
                    "updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$7)",
                    p, 7, NULL);
    if (!rc) rc = set_tags(tx, id, json_object_get(row, "tags"));
    json_object_del(row, "line");
    if (!rc) rc = svc_audit(a, tx, ac, "person.import", "person", id, "ok", row, NULL);
    if (rc) break;
    json_array_append_new(ids, json_string(id));
  }
  json_decref(rows);
  if (rc || svc_commit(a, tx, ac, x)) {
    json_decref(ids);
    return rc ? svc_fail(tx, ac, rc, x) : x->status;
  }
  *out = json_pack("{s:I,s:o}", "imported", (json_int_t)json_array_size(ids), "ids", ids);
  return 0;
}

int h_persons_import(req *r) {
  if (imports_xlsx_as_csv(r)) return r->status; /* an .xlsx upload becomes the same CSV */
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  json_t *out = NULL;
  int rc = svc_persons_import(r->app, &ac, r->in ? r->in : (r->in = json_object()), &out, &x);
  api_actor_end(r, &ac);
  return rc ? api_xres(r, &x) : api_ok(r, 201, out);
}
