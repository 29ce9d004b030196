/*
 * test_core.c — unit tests of the pure rules: the clue transition table,
 * the authz policy (scopes, 三员, forced password change), grant conflicts,
 * field validation, and the text helpers used at input edges.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/fields.h"
#include "core/outcomes.h"
#include "core/roles.h"
#include "core/workflow.h"
#include "t.h"
#include "util/buf.h"
#include "util/text.h"

static principal who(role_id r, scope_kind sk, const char *scope) {
  principal p;
  memset(&p, 0, sizeof p);
  p.ngrants = 1;
  p.grants[0].role = r;
  p.grants[0].sk = sk;
  if (scope) strcpy(p.grants[0].scope_id, scope);
  strcpy(p.login, roles[r].name);
  return p;
}

TEST(clue_workflow_is_a_path_with_roles_and_notifications) {
  const workflow *w = &wf_clue;
  CHECK_INT(w->nstates, 6);
  for (int i = 0; i < w->ntransitions; i++) {
    const wf_transition *t = &w->transitions[i];
    CHECK_INT(wf_state_index(w, t->from), i);
    CHECK_INT(wf_state_index(w, t->to), i + 1);
    CHECK(t->roles != 0);
    CHECK(t->nnotify > 0);
    CHECK(wf_find(w, t->from, t->verb) == t);
  }
  CHECK(wf_find(w, "draft", "handover") == NULL);
  CHECK(wf_find(w, "concluded", "verify") == NULL);
  CHECK(!wf_has_verb(w, "delete"));
  CHECK_STR(wf_state_label(w, "handed_over"), "已移交");
}

TEST(team_scope_and_handed_over_visibility) {
  authz_init();
  principal m = who(R_TEAM_MEMBER, SK_TEAM, "team-a");
  authz_obj own = {"team-a", "unit-1", NULL, false}, other = {"team-b", "unit-2", NULL, true};
  CHECK(authz(&m, A_CLUE_CREATE, &own));
  CHECK(!authz(&m, A_CLUE_CREATE, &other));
  CHECK(authz(&m, A_CLUE_LIST, &own));
  CHECK(!authz(&m, A_CLUE_LIST, &other));
  CHECK(!authz(&m, A_CLUE_VERIFY, &own)); /* the leader verifies */
  principal l = who(R_TEAM_LEADER, SK_TEAM, "team-a");
  CHECK(authz(&l, A_CLUE_VERIFY, &own));
  principal c = who(R_CASE_MGMT, SK_NONE, NULL);
  authz_obj draft = {"team-a", "unit-1", NULL, false}, handed = {"team-a", "unit-1", NULL, true};
  CHECK(!authz(&c, A_CLUE_LIST, &draft));
  CHECK(authz(&c, A_CLUE_LIST, &handed));
  CHECK(authz(&c, A_CLUE_REGISTER, &handed));
  CHECK(!authz(&c, A_CLUE_HANDOVER, &handed));
  principal u = who(R_UNIT_LIAISON, SK_UNIT, "unit-1");
  CHECK(!authz(&u, A_CLUE_LIST, NULL));
  CHECK(authz(&u, A_TARGET_LIST, &own));
  CHECK(!authz(&u, A_TARGET_LIST, &other));
  authz_filter f;
  CHECK(authz_filter_for(&m, A_CLUE_LIST, &f) && !f.all && f.nteams == 1 && !f.handed);
  CHECK(authz_filter_for(&c, A_CLUE_LIST, &f) && f.handed && f.nteams == 0);
  CHECK(!authz_filter_for(&u, A_CLUE_LIST, &f));
}

TEST(three_administrators_reach_only_their_own_actions) {
  authz_init();
  const struct {
    role_id r;
    action_id allowed[12];
    int n;
  } admins[] = {
      {R_SYSADMIN, {A_SELF, A_ORG_LIST, A_ORG_WRITE, A_PERSON_LIST, A_PERSON_WRITE, A_USER_LIST, A_USER_WRITE,
                    A_TOKEN_REVOKE, A_RESET_READ, A_SECURITY_READ}, 10},
      {R_SECADMIN, {A_SELF, A_USER_LIST, A_ROLE_GRANT, A_TOKEN_REVOKE, A_RESET_READ, A_RESET_APPROVE,
                    A_SECURITY_READ, A_SECURITY_WRITE}, 8},
      {R_AUDITADMIN, {A_SELF, A_AUDIT_READ, A_SECURITY_READ}, 3},
  };
  for (size_t i = 0; i < sizeof admins / sizeof *admins; i++) {
    principal p = who(admins[i].r, SK_NONE, NULL);
    for (int a = 0; a < ACTION__MAX; a++) {
      int want = 0;
      for (int k = 0; k < admins[i].n; k++) want |= admins[i].allowed[k] == (action_id)a;
      if (!CHECK(authz(&p, (action_id)a, NULL) == want))
        fprintf(stderr, "      role %s action %s\n", roles[admins[i].r].name, action_names[a]);
    }
  }
}

TEST(organisations_are_kept_by_kind) {
  authz_init();
  principal office = who(R_INSPECTION_OFFICE, SK_NONE, NULL), admin = who(R_SYSADMIN, SK_NONE, NULL);
  principal lg = who(R_LEADING_GROUP, SK_NONE, NULL);
  authz_obj unit = {.org_kind = "unit"}, dept = {.org_kind = "commission_dept"}, none = {0};
  CHECK(authz(&office, A_ORG_WRITE, NULL) && authz(&admin, A_ORG_WRITE, NULL));
  CHECK(authz(&office, A_ORG_WRITE, &unit) && !authz(&office, A_ORG_WRITE, &dept));
  CHECK(!authz(&admin, A_ORG_WRITE, &unit) && authz(&admin, A_ORG_WRITE, &dept));
  CHECK(!authz(&office, A_ORG_WRITE, &none) && !authz(&admin, A_ORG_WRITE, &none));
  CHECK(!authz(&lg, A_ORG_WRITE, &unit));
  /* the replacement of a member is the leading group's decision */
  CHECK(authz(&lg, A_REPLACE_DECIDE, &none) && !authz(&office, A_REPLACE_DECIDE, &none));
}

TEST(forced_password_change_and_no_grants) {
  authz_init();
  principal p = who(R_INSPECTION_OFFICE, SK_NONE, NULL);
  CHECK(authz(&p, A_CLUE_HANDOVER, &(authz_obj){0}));
  p.must_change = true;
  CHECK(!authz(&p, A_CLUE_HANDOVER, &(authz_obj){0}));
  CHECK(authz(&p, A_SELF, NULL));
  principal none;
  memset(&none, 0, sizeof none);
  CHECK(authz(&none, A_SELF, NULL));
  for (int a = 1; a < ACTION__MAX; a++) CHECK(!authz(&none, (action_id)a, NULL));
  CHECK(!authz(NULL, A_SELF, NULL));
}

TEST(grant_conflicts_three_administrators) {
  principal p = who(R_CASE_MGMT, SK_NONE, NULL);
  CHECK(grant_conflict(&p, R_CONDUCT) == NULL);
  CHECK(grant_conflict(&p, R_AUDITADMIN) != NULL);
  principal a = who(R_SYSADMIN, SK_NONE, NULL);
  CHECK(grant_conflict(&a, R_SECADMIN) != NULL);
  CHECK(grant_conflict(&a, R_CASE_MGMT) != NULL);
  CHECK(role_lookup("case_mgmt") == R_CASE_MGMT);
  CHECK(role_lookup("emperor") == -1);
  CHECK(scope_kind_lookup("team") == SK_TEAM);
}

static const char *const colours[] = {"red", "green", NULL};
static const field spec[] = {
    {.name = "title", .label = "标题", .type = FT_TEXT, .flags = F_REQUIRED, .max = 5},
    {.name = "body", .label = "正文", .type = FT_MEMO, .max = 100},
    {.name = "n", .label = "数量", .type = FT_INT, .max = 10, .min = 1},
    {.name = "ok", .label = "确认", .type = FT_BOOL},
    {.name = "day", .label = "日期", .type = FT_DATE},
    {.name = "c", .label = "颜色", .type = FT_ENUM, .values = colours},
    {.name = "ref", .label = "引用", .type = FT_ID},
    {.name = "state", .label = "状态", .type = FT_TEXT, .flags = F_READONLY},
};

/* e->field points into the body; keep a copy, as the body is freed here. */
static char field_copy[64];
static const char *check(const char *json, bool partial, verr *e) {
  json_t *j = json_loads(json, 0, NULL);
  bool ok = fields_validate(j, spec, 8, partial, e);
  if (!ok) {
    snprintf(field_copy, sizeof field_copy, "%s", e->field ? e->field : "");
    e->field = field_copy;
  }
  json_decref(j);
  return ok ? NULL : e->code;
}

TEST(field_validation) {
  verr e;
  CHECK(check("{\"title\":\"五个汉字啊\"}", false, &e) == NULL);
  CHECK_STR(check("{\"title\":\"六个汉字啊啊\"}", false, &e), "invalid_field");
  CHECK(strstr(e.message, "标题") != NULL);
  CHECK_STR(check("{}", false, &e), "missing_field");
  CHECK_STR(e.field, "title");
  CHECK(check("{}", true, &e) == NULL);
  CHECK_STR(check("{\"title\":null}", true, &e), "missing_field");
  CHECK_STR(check("{\"title\":\"a\",\"x\":1}", false, &e), "unknown_field");
  CHECK_STR(e.field, "x");
  CHECK_STR(check("{\"title\":\"a\",\"state\":\"x\"}", false, &e), "unknown_field");
  CHECK_STR(check("{\"title\":\"a\\nb\"}", false, &e), "invalid_field");
  CHECK(check("{\"title\":\"a\",\"body\":\"a\\nb\"}", false, &e) == NULL);
  CHECK_STR(check("{\"title\":\"a\",\"n\":11}", false, &e), "invalid_field");
  CHECK_STR(check("{\"title\":\"a\",\"n\":0}", false, &e), "invalid_field");
  CHECK_STR(check("{\"title\":\"a\",\"n\":\"3\"}", false, &e), "invalid_field");
  CHECK(check("{\"title\":\"a\",\"n\":10,\"ok\":true,\"day\":\"2024-02-29\",\"c\":\"red\"}", false, &e) == NULL);
  CHECK_STR(check("{\"title\":\"a\",\"ok\":1}", false, &e), "invalid_field");
  CHECK_STR(check("{\"title\":\"a\",\"day\":\"2023-02-29\"}", false, &e), "invalid_field");
  CHECK_STR(check("{\"title\":\"a\",\"c\":\"blue\"}", false, &e), "invalid_field");
  CHECK_STR(check("{\"title\":\"a\",\"ref\":\"1234\"}", false, &e), "invalid_field");
  CHECK(check("{\"title\":\"a\",\"ref\":\"01a2106f-65b6-75cf-a487-29b700ad316c\"}", false, &e) == NULL);
  CHECK_STR(check("[1]", false, &e), "invalid_body");
}

TEST(text_helpers) {
  CHECK(utf8_valid("巡察 ok\t\n", strlen("巡察 ok\t\n")));
  CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong */
  CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
  CHECK(!utf8_valid("\xe5\xb7", 2));         /* truncated */
  CHECK(!utf8_valid("a\x01", 2));
  CHECK_INT(utf8_len("巡察ab"), 4);
  int64_t d;
  CHECK(date_parse("2000-02-29", &d) && date_parse("2024-02-29", NULL));
  CHECK(!date_parse("2100-02-29", NULL) && !date_parse("2023-02-29", NULL));
  CHECK(!date_parse("2023-2-1", NULL) && !date_parse("2023-13-01", NULL) && !date_parse("", NULL));
  for (int64_t x = 10000; x < 30000; x += 37) {
    char s[11];
    int64_t back;
    date_format(x, s);
    CHECK(date_parse(s, &back) && back == x);
  }
  char ts[TS_LEN];
  ts_format(1764000000, ts);
  CHECK(ts_parse(ts) == 1764000000);
  CHECK(ts_parse("2026-11-25 01:00:00") == -1);
  char u1[UUID_LEN], u2[UUID_LEN];
  uuid7(u1);
  uuid7(u2);
  CHECK(uuid_valid(u1) && strcmp(u1, u2) != 0);
  CHECK(u1[14] == '7' && strchr("89ab", u1[19]));
  CHECK(strncmp(u1, u2, 8) <= 0);
  CHECK(!uuid_valid("01A2106F-65b6-75cf-a487-29b700ad316c"));
}

TEST(bounded_buffer) {
  buf b;
  buf_init(&b, 8);
  CHECK(buf_adds(&b, "12345") == BUF_OK);
  CHECK(buf_addf(&b, "%d", 678) == BUF_OK);
  CHECK_STR(buf_str(&b), "12345678");
  CHECK(!buf_failed(&b));
  buf_free(&b);
}

/* issue 11: a full buffer is an error for the one request, never abort():
 * the first append past the limit marks the buffer failed, later appends
 * are no-ops, and the content becomes a poison the store refuses to run. */
TEST(bounded_buffer_failure_is_sticky) {
  buf b;
  buf_init(&b, 8);
  CHECK(buf_adds(&b, "12345") == BUF_OK);
  CHECK(buf_adds(&b, "6789") == BUF_TOOBIG);
  CHECK(buf_failed(&b));
  CHECK(buf_adds(&b, "6") == BUF_TOOBIG); /* it would fit, but the buffer failed */
  CHECK(buf_addf(&b, "%d", 7) == BUF_TOOBIG);
  CHECK(buf_add(&b, "", 0) == BUF_TOOBIG);
  CHECK(strchr(buf_str(&b), BUF_POISON_CHAR) != NULL);
  CHECK(strstr(buf_str(&b), "12345") == NULL); /* no truncated prefix survives */
  CHECK_STR(buf_str_or(&b, "fallback"), "fallback");
  buf_reset(&b);
  CHECK(!buf_failed(&b));
  CHECK(buf_adds(&b, "ok") == BUF_OK);
  CHECK_STR(buf_str_or(&b, "fallback"), "ok");
  CHECK(buf_addf(&b, "%s", "much too long") == BUF_TOOBIG);
  CHECK(buf_failed(&b));
  char *t = buf_take(&b);
  CHECK(strchr(t, BUF_POISON_CHAR) != NULL);
  free(t);
  CHECK(!buf_failed(&b));
  buf_free(&b);
}

TEST(money_is_exact_decimal_fen) {
  int64_t f = -1;
  CHECK(money_parse("12.38", &f));
  CHECK_INT(f, 1238);
  CHECK(money_parse("0.01", &f));
  CHECK_INT(f, 1);
  CHECK(money_parse("25960000", &f));
  CHECK_INT(f, 2596000000);
  CHECK(money_parse("1.5", &f));
  CHECK_INT(f, 150);
  CHECK(money_parse("9999999999999.99", &f));
  CHECK(!money_parse("1.234", NULL));
  CHECK(!money_parse("-1", NULL));
  CHECK(!money_parse("1e3", NULL));
  CHECK(!money_parse(".5", NULL));
  CHECK(!money_parse("5.", NULL));
  CHECK(!money_parse("", NULL));
  CHECK(!money_parse("10000000000000", NULL)); /* 14 digits */
  char out[24];
  money_format(1238, out);
  CHECK_STR(out, "12.38");
  money_format(5, out);
  CHECK_STR(out, "0.05");
  money_format(2596000000, out);
  CHECK_STR(out, "25960000.00");
}

TEST(months_are_added_with_the_day_clamped) {
  int64_t d, e;
  char out[11];
  CHECK(date_parse("2026-11-25", &d));
  date_format(date_add_months(d, 2), out);
  CHECK_STR(out, "2027-01-25");
  CHECK(date_parse("2027-12-31", &d));
  date_format(date_add_months(d, 2), out);
  CHECK_STR(out, "2028-02-29");
  CHECK(date_parse("2026-08-31", &e));
  date_format(date_add_months(e, 6), out);
  CHECK_STR(out, "2027-02-28");
}

TEST(findings_workflows_have_roles_except_cascades) {
  const workflow *ws[] = {&wf_problem, &wf_report, &wf_task, &wf_notice};
  for (size_t i = 0; i < sizeof ws / sizeof *ws; i++)
    for (int k = 0; k < ws[i]->ntransitions; k++) {
      const wf_transition *t = &ws[i]->transitions[k];
      CHECK(wf_state_index(ws[i], t->from) >= 0 && wf_state_index(ws[i], t->to) >= 0);
      CHECK((t->act == A_CASCADE) == (t->roles == 0));
    }
  /* the unit sees a problem only once released to it: authz objects carry
   * the unit only then (api/record.c), so a unit grant alone is not enough */
  principal u = {0};
  u.ngrants = 1;
  u.grants[0].role = R_UNIT_LIAISON;
  u.grants[0].sk = SK_UNIT;
  snprintf(u.grants[0].scope_id, sizeof u.grants[0].scope_id, "%s", "unit-a");
  authz_obj released = {"team-1", "unit-a", NULL, false}, draft = {"team-1", NULL, NULL, false};
  CHECK(authz(&u, A_PROBLEM_LIST, &released));
  CHECK(!authz(&u, A_PROBLEM_LIST, &draft));
  CHECK(!authz(&u, A_PROBLEM_PAPERS, &released));
  CHECK(!authz(&u, A_CLUE_LIST, &released));
}

/* State sets come from the transition table (issue 14): what a problem is
 * once fed back, a clue once handed over, a report once fed back. */
TEST(state_sets_are_derived_from_the_transitions) {
  buf b;
  buf_init(&b, 512);
  CHECK_INT(wf_sql_in(&wf_problem, wf_reach(&wf_problem, "fed_back"), "x.state", &b), 0);
  CHECK_STR(buf_str(&b),
            "x.state IN ('fed_back','rectifying','rectified','signed_off','reopened')");
  buf_reset(&b);
  CHECK_INT(wf_sql_in(&wf_clue, wf_reach(&wf_clue, "handed_over"), "x.state", &b), 0);
  CHECK_STR(buf_str(&b), "x.state IN ('handed_over','registered','disposing','concluded')");
  buf_reset(&b);
  CHECK_INT(wf_sql_in(&wf_report, wf_reach(&wf_report, "fed_back"), "s", &b), 0);
  CHECK_STR(buf_str(&b), "s IN ('fed_back','copied')");
  buf_reset(&b);
  CHECK_INT(wf_sql_in(&wf_report, wf_reach(&wf_report, "no_such_state"), "s", &b), 0);
  CHECK_STR(buf_str(&b), "0");
  buf_free(&b);
  uint32_t open = wf_reach(&wf_clue, "draft");
  CHECK(wf_state_in(&wf_clue, open, "concluded") && !wf_state_in(&wf_clue, open, "nonsense"));
  CHECK(!wf_state_in(&wf_clue, wf_reach(&wf_clue, "registered"), "verified"));
  for (const workflow *const *w = workflows; *w; w++) CHECK((*w)->nstates <= 32);
}

/* Every declared recipient counts: TEAM_SIDE is two entries, and a count that
 * took it for one dropped the last recipient (the liaison never heard a joint
 * review was held; the office never heard a report was approved). A trailing
 * {R_LEADING_GROUP, N_ALL} is the one miscount this cannot see (all zero). */
TEST(every_declared_notification_is_within_the_count) {
  for (const workflow *const *w = workflows; *w; w++)
    for (int i = 0; i < (*w)->ntransitions; i++) {
      const wf_transition *t = &(*w)->transitions[i];
      CHECK(t->nnotify >= 0 && t->nnotify <= WF_MAX_NOTIFY);
      for (int k = t->nnotify; k < WF_MAX_NOTIFY; k++) {
        if (t->notify[k].role || t->notify[k].scope)
          fprintf(stderr, "  %s.%s: recipient %d past nnotify %d\n", (*w)->entity, t->verb, k, t->nnotify);
        CHECK(t->notify[k].role == 0 && t->notify[k].scope == 0);
      }
    }
  const wf_transition *hold = wf_find(&wf_review, "scheduled", "hold");
  CHECK(hold && hold->nnotify == 3 && hold->notify[2].role == R_COMMISSION_LIAISON);
}

TEST(four_forms_are_derived_from_the_outcome_code) {
  CHECK_INT(outcome_form("talk_reminder", false), 1);
  CHECK_INT(outcome_form("work_interview", false), 1);
  CHECK_INT(outcome_form("party_serious_warning", false), 2);
  CHECK_INT(outcome_form("dismissal_from_post", false), 2);
  CHECK_INT(outcome_form("demotion", false), 3);
  CHECK_INT(outcome_form("expulsion", false), 3);
  CHECK_INT(outcome_form("expulsion", true), 4);
  CHECK_INT(outcome_form("prosecution_transfer", false), 4);
  CHECK_INT(outcome_form("detention", false), 0);
  CHECK_INT(outcome_form("no_action", false), 0);
  CHECK_INT(outcome_form("nonsense", false), 0);
  /* criminal liability moves only the codes that may carry it */
  CHECK_INT(outcome_form("party_serious_warning", true), 2);
  CHECK_INT(outcome_form("prosecution_transfer", true), 4);
  CHECK(outcome_find("expulsion")->criminal_ok && outcome_find("prosecution_transfer")->criminal_ok);
  CHECK(!outcome_find("gov_expulsion")->criminal_ok && !outcome_find("talk_reminder")->criminal_ok);
  CHECK_STR(form_label(2), "第二种形态");
  /* every code of the enum list has a definition, and the lists agree */
  int n = 0;
  for (const char *const *c = outcome_codes; *c; c++, n++) CHECK(outcome_find(*c) != NULL);
  CHECK_INT(n, noutcomes);
  CHECK_STR(handling_codes[0], "no_action");
}
