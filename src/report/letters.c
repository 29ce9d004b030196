/*
 * letters.c — the table of formal letters and the functions that compose
 * each from its record (see letters.h). The sealed clue allegation never
 * enters a letter: the letter names the clue; its material travels with it.
 */
#include "report/letters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"

static const char *js(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

/* "2026年11月25日" of a date or one of our UTC timestamps (Shanghai day). */
static void date_cn(const char *s, char out[40]) {
  int64_t d;
  if (!s || strlen(s) != 10 || !date_parse(s, &d)) {
    time_t t = s ? ts_parse(s) : (time_t)-1;
    d = t == (time_t)-1 ? date_today_shanghai() : ((int64_t)t + 8 * 3600) / 86400;
  }
  char iso[11];
  date_format(d, iso);
  snprintf(out, 40, "%.4s年%d月%d日", iso, atoi(iso + 5), atoi(iso + 8));
}

/* Name of the first organisation of a kind, or fallback. */
static int org_name(store_tx *tx, const char *kind, const char *fallback, char **out) {
  sval p[] = {SV_S(kind)};
  int rc = store_query_text(tx, "SELECT name FROM orgs WHERE kind=$1 ORDER BY created_at, id LIMIT 1",
                            p, 1, out);
  if (!rc && !*out) *out = strdup(fallback);
  if (!rc && !*out) abort();
  return rc;
}

/* issuer (the office), addressee (the commission), docno, title, to, signer, date */
static json_t *letter_head(char *issuer, char *to, const char *docno, const char *title,
                           const char *date) {
  char d[40];
  date_cn(date, d);
  json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[]}", "issuer", issuer, "docno", docno,
                          "title", title, "to", to, "signer", issuer, "date", d, "body");
  free(issuer);
  free(to);
  return doc;
}

static void para(json_t *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(json_t *doc, const char *fmt, ...) {
  buf b;
  buf_init(&b, 65536);
  va_list ap;
  va_start(ap, fmt);
  int e = buf_vaddf(&b, fmt, ap);
  va_end(ap);
  if (!e) json_array_append_new(json_object_get(doc, "body"), json_string(buf_str(&b)));
  buf_free(&b);
}

/* ---- 问题线索移交函: from a handed-over clue; its 文号 was assigned at hand-over ---- */
static int clue_object(store_tx *tx, const char *id, letter_obj *o) {
  sval p[] = {SV_S(id)};
  int rc;
  json_t *row = store_query_one(tx,
                                "SELECT team_id, unit_id, handover_at FROM clues WHERE id=$1", p,
                                1, &rc);
  if (!row) return rc ? rc : 1;
  snprintf(o->team_id, sizeof o->team_id, "%s", js(row, "team_id"));
  snprintf(o->unit_id, sizeof o->unit_id, "%s", js(row, "unit_id"));
  o->handed_over = *js(row, "handover_at") != '\0';
  json_decref(row);
  return 0;
}

static int clue_compose(store_tx *tx, const char *id, const char *docno, json_t **doc, char *why,
                        size_t n) {
  (void)docno;
  sval p[] = {SV_S(id)};
  int rc;
  json_t *c = store_query_one(
      tx,
      "SELECT c.title, c.subject_name, c.subject_post, c.discovered_on, c.handover_at, "
      "c.handover_mode, c.handover_docno, u.name AS unit_name, t.name AS team_name, "
      "r.name AS round_name FROM clues c JOIN orgs u ON u.id=c.unit_id JOIN teams t ON "
      "t.id=c.team_id JOIN rounds r ON r.id=c.round_id WHERE c.id=$1",
      p, 1, &rc);
  if (!c) {
    if (!rc) snprintf(why, n, "问题线索不存在");
    return rc ? rc : 1;
  }
  if (!*js(c, "handover_docno")) {
    snprintf(why, n, "该线索尚未移交, 移交后方可出具移交函");
    json_decref(c);
    return 1;
  }
  char *issuer = NULL, *to = NULL;
  rc = org_name(tx, "inspection_office", "巡察工作领导小组办公室", &issuer);
  if (!rc) rc = org_name(tx, "commission", "纪委监委", &to);
  if (rc) {
    free(issuer);
    json_decref(c);
    return rc;
  }
  char title[600];
  snprintf(title, sizeof title, "关于移交%s%s%s问题线索的函", js(c, "unit_name"),
           js(c, "subject_post"), js(c, "subject_name"));
  *doc = letter_head(issuer, to, js(c, "handover_docno"), title, js(c, "handover_at"));
  char found[40];
  date_cn(js(c, "discovered_on"), found);
  int during = !strcmp(js(c, "handover_mode"), "during_patrol");
  para(*doc,
       "%s中，%s在对%s开展巡察时，于%s发现反映%s%s%s“%s”的问题线索。经巡察组了解核实、组务会研究，"
       "现根据巡察工作与纪检监察工作贯通协作的有关规定，将该问题线索移交你委，请按规定登记、处置。",
       js(c, "round_name"), js(c, "team_name"), js(c, "unit_name"), found, js(c, "unit_name"),
       js(c, "subject_post"), js(c, "subject_name"), js(c, "title"));
  para(*doc, "本线索系%s。请于收到后五个工作日内登记，并在三个月内将办理情况反馈我办。",
       during ? "巡察期间移交（边巡边交）" : "巡察结束后移交");
  para(*doc, "联系人：%s。", js(c, "team_name"));
  para(*doc, "附件：问题线索材料");
  json_decref(c);
  return 0;
}

/* ---- 廉政审核函: the office asks the commission to vet a round's cadres ---- */
static int round_object(store_tx *tx, const char *id, letter_obj *o) {
  (void)o; /* a round's letter is not team- or unit-scoped */
  sval p[] = {SV_S(id)};
  int64_t k = 0;
  int rc = store_query_int(tx, "SELECT count(*) FROM rounds WHERE id=$1", p, 1, &k);
  return rc ? rc : (k ? 0 : 1);
}

static int vetting_compose(store_tx *tx, const char *id, const char *docno, json_t **doc,
                           char *why, size_t n) {
  sval p[] = {SV_S(id)};
  int rc;
  json_t *round = store_query_one(tx, "SELECT name FROM rounds WHERE id=$1", p, 1, &rc);
  if (!round) {
    if (!rc) snprintf(why, n, "巡察轮次不存在");
    return rc ? rc : 1;
  }
  /* the current request of each person of the round, with the team they would join */
  json_t *people = store_query_json(
      tx,
      "SELECT p.name AS name, po.name AS org_name, p.post AS post, t.name AS team_name, "
      "m.role AS role, v.requested_at AS requested_at FROM vettings v JOIN persons p ON "
      "p.id=v.person_id LEFT JOIN orgs po ON po.id=p.org_id LEFT JOIN team_members m ON "
      "m.round_id=v.round_id AND m.person_id=v.person_id LEFT JOIN teams t ON t.id=m.team_id "
      "WHERE v.round_id=$1 AND NOT EXISTS (SELECT 1 FROM vettings v2 WHERE "
      "v2.round_id=v.round_id AND v2.person_id=v.person_id AND (v2.requested_at > "
      "v.requested_at OR (v2.requested_at = v.requested_at AND v2.id > v.id))) "
      "ORDER BY t.name, p.name, p.id",
      p, 1);
  if (!people) {
    json_decref(round);
    return STORE_ERR;
  }
  if (json_array_size(people) == 0) {
    snprintf(why, n, "本轮尚未提请廉政审核 (请先为巡察组成员提请廉政审核)");
    json_decref(round);
    json_decref(people);
    return 1;
  }
  char *issuer = NULL, *to = NULL;
  rc = org_name(tx, "inspection_office", "巡察工作领导小组办公室", &issuer);
  if (!rc) rc = org_name(tx, "commission", "纪委监委", &to);
  if (rc) {
    free(issuer);
    json_decref(round);
    json_decref(people);
    return rc;
  }
  char title[600], today[11];
  snprintf(title, sizeof title, "关于商请对%s巡察干部进行廉政审核的函", js(round, "name"));
  date_format(date_today_shanghai(), today);
  *doc = letter_head(issuer, to, docno, title, today);
  para(*doc,
       "根据市委巡察工作安排，%s拟抽调以下%zu名同志参加巡察工作。为严把巡察干部廉洁关，现商请你委"
       "对其廉政情况进行审核，并将审核意见（无异议或有异议及理由）反馈我办。",
       js(round, "name"), json_array_size(people));
  static const char *const role_cn[][2] = {{"leader", "组长"}, {"deputy", "副组长"},
                                           {"commissioner", "巡察专员"}, {"member", "组员"},
                                           {"liaison", "联络员"}};
  size_t i;
  json_t *it;
  json_array_foreach(people, i, it) {
    const char *role = js(it, "role"), *rl = "";
    for (size_t k = 0; k < sizeof role_cn / sizeof *role_cn; k++)
      if (!strcmp(role_cn[k][0], role)) rl = role_cn[k][1];
    para(*doc, "%zu. %s（%s%s%s）%s%s", i + 1, js(it, "name"), js(it, "org_name"),
         *js(it, "post") ? "，" : "", js(it, "post"), *js(it, "team_name") ? "，拟任" : "",
         *js(it, "team_name") ? js(it, "team_name") : "");
    if (*rl) {
      json_t *body = json_object_get(*doc, "body");
      json_t *last = json_array_get(body, json_array_size(body) - 1);
      char *t = NULL;
      if (asprintf(&t, "%s%s", json_string_value(last), rl) < 0) abort();
      json_array_set_new(body, json_array_size(body) - 1, json_string(t));
      free(t);
    }
  }
  json_decref(round);
  json_decref(people);
  return 0;
}

const letter_tpl letter_tpls[] = {
    {"clue_handover", "问题线索移交函", "clue", A_CLUE_LIST, NULL, CFG_DOCNO_HANDOVER,
     clue_object, clue_compose},
    {"vetting_request", "廉政审核函", "round", A_VETTING_LIST, "vetting", CFG_DOCNO_VETTING,
     round_object, vetting_compose},
};
const int nletter_tpls = (int)(sizeof letter_tpls / sizeof *letter_tpls);

const letter_tpl *letter_find(const char *kind) {
  for (int i = 0; i < nletter_tpls; i++)
    if (!strcmp(letter_tpls[i].kind, kind)) return &letter_tpls[i];
  return NULL;
}
