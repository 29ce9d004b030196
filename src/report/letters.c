/*
 * letters.c — the table of formal letters and the functions that compose
 * each from its record (see letters.h). The sealed clue allegation never
 * enters a letter: the letter names the clue; its material travels with it.
 */
#include "report/letters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "report/stats.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

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

/* Name of the first organisation of a kind, or fallback. The office's is the
 * issuing authority's full name of the setting letter_authority when set. */
static int org_name(store_tx *tx, const char *kind, const char *fallback, char **out) {
  const char *full = cfg_str(CFG_LETTER_AUTHORITY);
  if (!strcmp(kind, "inspection_office") && full && *full) {
    *out = xstrdup(full);
    return 0;
  }
  sval p[] = {SV_S(kind)};
  int rc = store_query_text(tx, "SELECT name FROM orgs WHERE kind=$1 ORDER BY created_at, id LIMIT 1",
                            p, 1, out);
  if (!rc && !*out) *out = xstrdup(fallback);
  return rc;
}

/* issuer (the office), addressee (the commission), docno, title, to, signer, date */
static json_t *letter_head(char *issuer, char *to, const char *docno, const char *title,
                           const char *date) {
  char d[40];
  date_cn(date, d);
  json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[],s:[]}", "issuer", issuer, "docno", docno,
                          "title", title, "to", to, "signer", issuer, "date", d, "body", "keep");
  /* GB/T 9704 §7.2.1 份号: this PDF is the first copy of the letter; §7.2.2 标注:
   * 内部资料 or 工作秘密 as the office sets it (xunji holds no 国家秘密); §7.4
   * 版记: printed by the issuing authority (letter_authority) on the date */
  const char *full = cfg_str(CFG_LETTER_AUTHORITY);
  json_object_set_new(doc, "copy_no", json_string("000001"));
  json_object_set_new(doc, "mark", json_string(cfg_str(CFG_LETTER_MARK)));
  json_object_set_new(doc, "printer", json_string(full && *full ? full : issuer));
  json_object_set_new(doc, "printed", json_string(d));
  free(issuer);
  free(to);
  return doc;
}

/* A word the title must not break inside (a unit's or a person's name). */
static void keep(json_t *doc, const char *word) {
  if (word && *word) json_array_append_new(json_object_get(doc, "keep"), json_string(word));
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
  keep(*doc, js(c, "unit_name"));
  keep(*doc, js(c, "subject_post"));
  keep(*doc, js(c, "subject_name"));
  keep(*doc, "问题线索");
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
  const char *phone = cfg_str(CFG_LETTER_CONTACT_PHONE);
  if (phone && *phone)
    para(*doc, "联系人：%s，联系电话：%s。", js(c, "team_name"), phone);
  else
    para(*doc, "联系人：%s。", js(c, "team_name"));
  para(*doc, "附件：问题线索材料");
  json_decref(c);
  return 0;
}

/* ---- 廉政审核函: the office asks the commission to vet a round's cadres ---- */
static int vetting_compose(store_tx *tx, const char *id, const char *docno, json_t **doc,
                           char *why, size_t n) {
  sval p[] = {SV_S(id)};
  int rc;
  json_t *round = store_query_one(tx, "SELECT name, state FROM rounds WHERE id=$1", p, 1, &rc);
  if (!round) {
    if (!rc) snprintf(why, n, "巡察轮次不存在");
    return rc ? rc : 1;
  }
  /* the letter asks about cadres to be seconded (拟抽调), dated today: it
   * makes no sense for a round that is over */
  if (!strcmp(js(round, "state"), "closed")) {
    snprintf(why, n, "巡察轮次「%s」已结束, 不能再出具廉政审核函", js(round, "name"));
    json_decref(round);
    return 1;
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
  keep(*doc, js(round, "name"));
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
      t = xasprintf("%s%s", json_string_value(last), rl);
      json_array_set_new(body, json_array_size(body) - 1, json_string(t));
      free(t);
    }
  }
  json_decref(round);
  json_decref(people);
  return 0;
}

/* The first maxch characters of s, with "……" when cut. */
static void clip(const char *s, size_t maxch, char *out, size_t n) {
  size_t ch = 0, i = 0;
  for (; s[i]; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80 && ch++ == maxch) break;
  snprintf(out, n, "%.*s%s", (int)i, s, s[i] ? "……" : "");
}

/* "2026年11月25日" of a date, or "" for none. */
static const char *date_or_empty(const char *s, char out[40]) {
  if (!s || !*s) return *out = '\0', out;
  date_cn(s, out);
  return out;
}

/* ---- 提请协助函: the leading group asks the commission for professional help ---- */
static int assist_compose(store_tx *tx, const char *id, const char *docno, json_t **doc,
                          char *why, size_t n) {
  sval p[] = {SV_S(id)};
  int rc;
  json_t *a = store_query_one(
      tx,
      "SELECT x.seq_no, x.need, x.reason, x.state, x.decided_at, x.decision_note, "
      "u.name AS unit_name, t.name AS team_name, r.name AS round_name, p.seq_no AS problem_no, "
      "p.title AS problem_title, c.title AS clue_title, c.handover_docno, "
      "du.display_name AS decided_by_name FROM assistance x JOIN orgs u ON u.id=x.unit_id "
      "JOIN teams t ON t.id=x.team_id JOIN rounds r ON r.id=x.round_id LEFT JOIN problems p ON "
      "p.id=x.problem_id LEFT JOIN clues c ON c.id=x.clue_id LEFT JOIN users du ON "
      "du.id=x.decided_by WHERE x.id=$1",
      p, 1, &rc);
  if (!a) {
    if (!rc) snprintf(why, n, "提请协助事项不存在");
    return rc ? rc : 1;
  }
  static const char *const ready[] = {"approved", "forwarded", "accepted", "completed", "closed"};
  int ok = 0;
  for (size_t i = 0; i < sizeof ready / sizeof *ready; i++) ok |= !strcmp(js(a, "state"), ready[i]);
  if (!ok) {
    if (!strcmp(js(a, "state"), "rejected"))
      snprintf(why, n, "领导小组未批准该提请协助事项, 不能出具提请协助函");
    else
      snprintf(why, n, "该提请协助事项尚未经领导小组批准 (当前状态: %s), 批准后方可出具提请协助函",
               wf_state_label(&wf_assistance, js(a, "state")));
    json_decref(a);
    return 1;
  }
  char *issuer = NULL, *to = NULL, *office = NULL;
  rc = org_name(tx, "leading_group", "巡察工作领导小组", &issuer);
  if (!rc) rc = org_name(tx, "commission", "纪委监委", &to);
  if (!rc) rc = org_name(tx, "inspection_office", "巡察工作领导小组办公室", &office);
  if (rc) {
    free(issuer);
    free(to);
    json_decref(a);
    return rc;
  }
  char title[600], today[11], decided[40];
  snprintf(title, sizeof title, "关于提请协助开展%s巡察有关事项的函", js(a, "unit_name"));
  date_format(date_today_shanghai(), today);
  date_cn(js(a, "decided_at"), decided);
  char *lg = xstrdup(issuer);
  *doc = letter_head(issuer, to, docno, title, today);
  keep(*doc, js(a, "unit_name"));
  para(*doc, "%s中，%s在对%s开展巡察时，因%s，需提请你委给予专业协助。", js(a, "round_name"),
       js(a, "team_name"), js(a, "unit_name"), js(a, "reason"));
  para(*doc, "需协助事项：%s", js(a, "need"));
  if (*js(a, "problem_title"))
    para(*doc, "相关问题：%s（问题编号 %s）。", js(a, "problem_title"), js(a, "problem_no"));
  if (*js(a, "clue_title"))
    para(*doc, "相关问题线索：%s%s%s%s。", js(a, "clue_title"),
         *js(a, "handover_docno") ? "（移交文号 " : "", js(a, "handover_docno"),
         *js(a, "handover_docno") ? "）" : "");
  para(*doc, "本事项经%s于%s批准（批准人：%s%s%s）。", lg, decided,
       *js(a, "decided_by_name") ? js(a, "decided_by_name") : "领导小组",
       *js(a, "decision_note") ? "；意见：" : "", js(a, "decision_note"));
  para(*doc, "请予协助，并将协助结果及固定的证据材料及时反馈%s。", office);
  para(*doc, "提请协助事项编号：%s。", js(a, "seq_no"));
  free(lg);
  free(office);
  json_decref(a);
  return 0;
}

/* ---- 反馈意见抄送函: the feedback and its problems, to the copy recipients ---- */
static int copy_compose(store_tx *tx, const char *id, const char *docno, json_t **doc,
                        char *why, size_t n) {
  sval p[] = {SV_S(id)};
  int rc;
  json_t *rep = store_query_one(
      tx,
      "SELECT x.state, x.meeting_date, x.attendees, x.feedback_text, x.fed_back_at, x.copied_at, "
      "u.name AS unit_name, t.name AS team_name, r.name AS round_name FROM reports x JOIN orgs u "
      "ON u.id=x.unit_id JOIN teams t ON t.id=x.team_id JOIN rounds r ON r.id=x.round_id WHERE "
      "x.id=$1",
      p, 1, &rc);
  if (!rep) {
    if (!rc) snprintf(why, n, "巡察报告不存在");
    return rc ? rc : 1;
  }
  /* the recipients recorded by the copy, commission first */
  json_t *to = store_query_json(
      tx,
      "SELECT coalesce(o.name, CASE rc.recipient WHEN 'commission' THEN '纪委监委' ELSE "
      "'组织部' END) AS name FROM report_copies rc LEFT JOIN orgs o ON o.id=rc.recipient_org_id "
      "WHERE rc.report_id=$1 ORDER BY rc.recipient='organization_dept', rc.recipient",
      p, 1);
  json_t *probs = to ? store_query_json(
                           tx,
                           "SELECT p.seq_no, p.title, p.description, p.amount_fen, p.inaction, "
                           "c.name AS category FROM report_problems rp JOIN problems p ON "
                           "p.id=rp.problem_id JOIN problem_categories c ON c.id=p.category_id "
                           "WHERE rp.report_id=$1 ORDER BY p.seq_no, p.id",
                           p, 1)
                     : NULL;
  if (!to || !probs) {
    json_decref(rep);
    json_decref(to);
    return STORE_ERR;
  }
  const char *st = js(rep, "state");
  if (strcmp(st, "fed_back") && strcmp(st, "copied")) {
    snprintf(why, n, "该巡察报告尚未向被巡察单位反馈 (当前状态: %s), 反馈并抄送后方可出具抄送函",
             wf_state_label(&wf_report, st));
    rc = 1;
  } else if (json_array_size(to) == 0) {
    snprintf(why, n, "该反馈意见尚未抄送纪委监委和组织部, 抄送后方可出具抄送函");
    rc = 1;
  }
  char *issuer = NULL;
  if (!rc) rc = org_name(tx, "inspection_office", "巡察工作领导小组办公室", &issuer);
  if (rc) {
    json_decref(rep);
    json_decref(to);
    json_decref(probs);
    return rc;
  }
  buf names;
  buf_init(&names, 4096);
  size_t i;
  json_t *it;
  json_array_foreach(to, i, it) buf_addf(&names, "%s%s", i ? "、" : "", js(it, "name"));
  /* too many recipients for one line: name them by their role instead */
  char *recips = xstrdup(buf_failed(&names) ? "各有关单位" : buf_str(&names));
  buf_free(&names);
  char title[600], meeting[40], summary[1600];
  snprintf(title, sizeof title, "关于抄送%s巡察反馈意见的函", js(rep, "unit_name"));
  *doc = letter_head(issuer, recips, docno, title, js(rep, "copied_at"));
  keep(*doc, js(rep, "unit_name"));
  date_or_empty(js(rep, "meeting_date"), meeting);
  json_int_t att = json_integer_value(json_object_get(rep, "attendees"));
  char attn[64] = "";
  if (att > 0) snprintf(attn, sizeof attn, "（参会%lld人）", (long long)att);
  para(*doc, "根据巡察工作有关规定，现将%s%s对%s的巡察反馈意见抄送你们。", js(rep, "round_name"),
       js(rep, "team_name"), js(rep, "unit_name"));
  para(*doc, "%s于%s召开巡察反馈会%s，向%s反馈了巡察意见。", js(rep, "team_name"),
       *meeting ? meeting : "反馈会当日", attn, js(rep, "unit_name"));
  clip(js(rep, "feedback_text"), 300, summary, sizeof summary);
  para(*doc, "反馈意见要点：%s", summary);
  para(*doc, "巡察发现的主要问题共%zu个：", json_array_size(probs));
  buf inact;
  buf_init(&inact, 4096);
  int ninact = 0;
  json_array_foreach(probs, i, it) {
    char yuan[32], amount[80] = "";
    json_int_t fen = json_integer_value(json_object_get(it, "amount_fen"));
    fen_yuan(fen, yuan);
    if (fen > 0) snprintf(amount, sizeof amount, "，涉及金额%s元", yuan);
    int ia = json_integer_value(json_object_get(it, "inaction")) != 0;
    para(*doc, "%zu. 【%s】%s：%s%s%s。", i + 1, js(it, "category"), js(it, "title"),
         js(it, "description"), amount, ia ? "（不担当不作为）" : "");
    if (ia) buf_addf(&inact, "%s第%zu项", ninact++ ? "、" : "", i + 1);
  }
  if (ninact)
    para(*doc,
         "其中，%s问题属于不担当不作为问题，请市纪委监委依规依纪依法追究相关人员责任，请市委组织部在"
         "干部考核评价和选拔任用中予以运用。",
         buf_str_or(&inact, "上述部分"));
  else
    para(*doc, "以上问题请在日常监督和干部管理工作中予以关注。");
  para(*doc, "请将处理情况及时反馈我办。");
  buf_free(&inact);
  json_decref(rep);
  json_decref(to);
  json_decref(probs);
  return 0;
}

/* ---- 整改督办通知: a supervision notice to the unit; its 文号 is the notice's ---- */
static int notice_compose(store_tx *tx, const char *id, const char *docno, json_t **doc,
                          char *why, size_t n) {
  (void)docno;
  sval p[] = {SV_S(id)};
  int rc;
  json_t *x = store_query_one(
      tx,
      "SELECT x.docno, x.level, x.reason, x.due_date, x.state, x.close_note, x.created_at, "
      "u.name AS unit_name, k.measure, k.owner_name, k.owner_post, k.leader_name, k.deadline, "
      "k.state AS task_state, pr.seq_no AS problem_no, pr.title AS problem_title, "
      "sg.name AS supervisor_name FROM notices x "
      "JOIN orgs u ON u.id=x.unit_id LEFT JOIN orgs sg ON sg.id=u.supervisor_id JOIN rect_tasks k ON k.id=x.task_id JOIN problems pr ON "
      "pr.id=k.problem_id WHERE x.id=$1",
      p, 1, &rc);
  if (!x) {
    if (!rc) snprintf(why, n, "督办通知不存在");
    return rc ? rc : 1;
  }
  if (!strcmp(js(x, "state"), "closed")) {
    snprintf(why, n, "该督办通知已办结%s%s%s, 不再出具整改督办通知", *js(x, "close_note") ? " (" : "",
             js(x, "close_note"), *js(x, "close_note") ? ")" : "");
    json_decref(x);
    return 1;
  }
  static const char *const level[][3] = {
      {"reminder", "提醒", "请你单位高度重视，抓紧推进整改。"},
      {"supervise", "督办", "请你单位切实履行整改主体责任，限期完成整改。"},
      {"interview", "约谈", "请你单位主要负责人按通知要求参加约谈，当面说明整改情况。"}};
  size_t lv = 0;
  for (size_t i = 0; i < sizeof level / sizeof *level; i++)
    if (!strcmp(level[i][0], js(x, "level"))) lv = i;
  char *issuer = NULL;
  rc = org_name(tx, "inspection_office", "巡察工作领导小组办公室", &issuer);
  if (rc) {
    json_decref(x);
    return rc;
  }
  char *to = xstrdup(js(x, "unit_name"));
  char title[600], deadline[40], due[40], today_cn[40], today[11];
  snprintf(title, sizeof title, "关于对%s整改工作进行%s的通知", js(x, "unit_name"), level[lv][1]);
  *doc = letter_head(issuer, to, js(x, "docno"), title, js(x, "created_at"));
  keep(*doc, js(x, "unit_name"));
  /* 抄送 the unit's dispatched discipline group (it supervises the rectification) */
  if (*js(x, "supervisor_name")) json_object_set_new(*doc, "cc", json_string(js(x, "supervisor_name")));
  date_cn(js(x, "deadline"), deadline);
  date_cn(js(x, "due_date"), due);
  /* overdue as of the day the notice was issued */
  date_cn(js(x, "created_at"), today_cn);
  time_t t = ts_parse(js(x, "created_at"));
  int64_t issued = t == (time_t)-1 ? date_today_shanghai() : ((int64_t)t + 8 * 3600) / 86400, dl;
  date_format(issued, today);
  const char *ks = js(x, "task_state");
  int open = !strcmp(ks, "open") || !strcmp(ks, "in_progress");
  char late[200];
  if (open && date_parse(js(x, "deadline"), &dl) && dl < issued)
    snprintf(late, sizeof late, "截至%s已逾期%lld天，尚未完成", today_cn, (long long)(issued - dl));
  else
    snprintf(late, sizeof late, "目前状态为「%s」", wf_state_label(&wf_task, ks));
  para(*doc, "根据巡察整改监督有关规定，现就你单位巡察反馈问题「%s」（问题编号 %s）的整改任务进行%s。",
       js(x, "problem_title"), js(x, "problem_no"), level[lv][1]);
  para(*doc, "整改任务：%s（责任人：%s%s%s%s%s），完成时限为%s，%s。", js(x, "measure"),
       js(x, "owner_name"), *js(x, "owner_post") ? "，" : "", js(x, "owner_post"),
       *js(x, "leader_name") ? "；责任领导：" : "", js(x, "leader_name"), deadline, late);
  para(*doc, "%s事由：%s", level[lv][1], js(x, "reason"));
  para(*doc, "%s请于%s前将整改落实情况书面回复我办。", level[lv][2], due);
  json_decref(x);
  return 0;
}

const letter_tpl letter_tpls[] = {
    {.kind = "clue_handover", .label = "问题线索移交函", .object_kind = "clue",
     .read = A_CLUE_LIST, .series = NULL, .prefix = CFG_DOCNO_HANDOVER, .from = "clues x",
     .compose = clue_compose, .vis = &vis_clue},
    {.kind = "vetting_request", .label = "廉政审核函", .object_kind = "round",
     .read = A_VETTING_LIST, .series = "vetting", .prefix = CFG_DOCNO_VETTING, .from = "rounds x",
     .compose = vetting_compose, .vis = &vis_round},
    /* never the unit side: an assistance request is not released to it */
    {.kind = "assistance_request", .label = "提请协助函", .object_kind = "assistance",
     .read = A_ASSIST_LIST, .series = "assist_letter", .prefix = CFG_DOCNO_ASSIST,
     .from = "assistance x", .compose = assist_compose, .vis = &vis_assistance},
    /* the letter to the commission and 组织部 goes with the report text, not to the unit */
    {.kind = "feedback_copy", .label = "反馈意见抄送函", .object_kind = "report",
     .read = A_REPORT_TEXT, .series = "feedback_copy", .prefix = CFG_DOCNO_COPY,
     .from = "reports x", .compose = copy_compose, .vis = &vis_report},
    {.kind = "rect_notice", .label = "整改督办通知", .object_kind = "notice",
     .read = A_NOTICE_LIST, .series = NULL, .prefix = CFG_DOCNO_NOTICE, .from = "notices x",
     .compose = notice_compose, .vis = &vis_notice},
};
const int nletter_tpls = (int)(sizeof letter_tpls / sizeof *letter_tpls);

const letter_tpl *letter_find(const char *kind) {
  for (int i = 0; i < nletter_tpls; i++)
    if (!strcmp(letter_tpls[i].kind, kind)) return &letter_tpls[i];
  return NULL;
}
