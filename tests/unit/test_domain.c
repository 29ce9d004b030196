/*
 * test_domain.c — unit tests of issue 12's rules: messages cut only at a
 * character boundary and lists shortened with "…等 N 项", text fields
 * trimmed by the validator (a blank required text refused), and the
 * severity of a joint review's handling.
 */
#include <jansson.h>
#include <string.h>

#include "core/fields.h"
#include "core/outcomes.h"
#include "t.h"
#include "util/buf.h"
#include "util/text.h"

TEST(utf8_prefix_cuts_at_a_character_boundary) {
  const char *s = "一二三"; /* 3 bytes each */
  CHECK_INT(utf8_prefix(s, 9), 9);
  CHECK_INT(utf8_prefix(s, 8), 6);
  CHECK_INT(utf8_prefix(s, 7), 6);
  CHECK_INT(utf8_prefix(s, 6), 6);
  CHECK_INT(utf8_prefix(s, 4), 3);
  CHECK_INT(utf8_prefix(s, 2), 0);
  CHECK_INT(utf8_prefix("ab一", 4), 2);
  CHECK_INT(utf8_prefix("ab", 2), 2);
  CHECK_INT(utf8_prefix("\xf0\x9f\x98\x80x", 3), 0); /* inside a 4-byte character */
  CHECK_INT(utf8_prefix("\xf0\x9f\x98\x80x", 4), 4);
  for (size_t n = 0; n <= 9; n++) CHECK(utf8_valid(s, utf8_prefix(s, n)));
  char m[8];
  memcpy(m, "巡察组", 7); /* as snprintf into 8 bytes leaves it: cut inside 组 */
  m[7] = '\0';
  CHECK(!utf8_valid(m, strlen(m)));
  utf8_fix_end(m);
  CHECK_STR(m, "巡察");
}

TEST(message_lists_end_with_how_many_more) {
  buf b;
  buf_init(&b, 4096);
  buf_list l;
  buf_list_begin(&l, &b, LIST_SEP, 4000);
  buf_list_add(&l, "张三");
  buf_list_add(&l, "李四");
  buf_list_end(&l);
  CHECK_STR(buf_str(&b), "张三、李四");
  buf_free(&b);

  /* 160 villages in 100 bytes: as many as fit, then the count of the rest */
  buf_init(&b, 4096);
  CHECK(buf_adds(&b, "须回避: ") == BUF_OK);
  buf_list_begin(&l, &b, LIST_SEP, 100);
  for (int i = 1; i <= 160; i++) buf_list_addf(&l, "「第%d村」", i);
  buf_list_end(&l);
  const char *t = buf_str(&b);
  CHECK(utf8_valid(t, strlen(t)));
  CHECK(strstr(t, "「第1村」、「第2村」") != NULL);
  size_t shown = l.shown;
  CHECK(shown > 2 && shown < 160 && l.more == 160 - shown);
  char tail[32];
  snprintf(tail, sizeof tail, "…等 %zu 项", 160 - shown);
  CHECK(strlen(t) > strlen(tail) && !strcmp(t + strlen(t) - strlen(tail), tail));
  CHECK(strlen(t) <= strlen("须回避: ") + 100 + strlen(tail));
  buf_free(&b);

  /* a first item longer than the limit is cut at a character boundary */
  buf_init(&b, 4096);
  buf_list_begin(&l, &b, LIST_SEP, 10);
  buf_list_add(&l, "有异议有异议有异议");
  buf_list_add(&l, "乙");
  buf_list_end(&l);
  CHECK_STR(buf_str(&b), "有异…等 1 项");
  buf_free(&b);

  /* the buffer's own bound wins over the limit, the tail still fits */
  buf_init(&b, 60);
  buf_list_begin(&l, &b, "; ", 4000);
  for (int i = 0; i < 20; i++) buf_list_add(&l, "组员");
  buf_list_end(&l);
  t = buf_str(&b);
  CHECK(utf8_valid(t, strlen(t)) && strstr(t, "项") != NULL && l.shown + l.more == 20);
  buf_free(&b);
}

static const field trim_fields[] = {
    {.name = "reason", .label = "理由", .type = FT_MEMO, .flags = F_REQUIRED, .max = 20},
    {.name = "title", .label = "标题", .type = FT_TEXT, .max = 20},
    {.name = "password", .label = "口令", .type = FT_MEMO, .flags = F_REQUIRED | F_VERBATIM,
     .max = 20},
};

TEST(text_fields_are_trimmed_and_blank_required_text_refused) {
  verr e;
  json_t *j = json_pack("{s:s,s:s,s:s}", "reason", " \t 理由\n　", "title", "  标题 ", "password", " pw ");
  CHECK(fields_validate(j, trim_fields, 3, false, &e));
  CHECK_STR(json_string_value(json_object_get(j, "reason")), "理由");
  CHECK_STR(json_string_value(json_object_get(j, "title")), "标题");
  CHECK_STR(json_string_value(json_object_get(j, "password")), " pw "); /* secrets verbatim */
  json_decref(j);
  const char *blanks[] = {"   ", "\n\t", "　　", "\xc2\xa0", ""};
  for (size_t i = 0; i < sizeof blanks / sizeof *blanks; i++) {
    j = json_pack("{s:s,s:s}", "reason", blanks[i], "password", "x");
    CHECK(!fields_validate(j, trim_fields, 3, false, &e));
    CHECK_STR(e.code, "missing_field");
    CHECK_STR(e.field, "reason");
    CHECK(e.status == 400 && strstr(e.message, "理由") != NULL);
    json_decref(j);
    j = json_pack("{s:s}", "reason", blanks[i]); /* PATCH too */
    CHECK(!fields_validate(j, trim_fields, 3, true, &e));
    json_decref(j);
  }
  /* an optional text may be blank: it is stored empty */
  j = json_pack("{s:s,s:s,s:s}", "reason", "r", "title", "   ", "password", "x");
  CHECK(fields_validate(j, trim_fields, 3, false, &e));
  CHECK_STR(json_string_value(json_object_get(j, "title")), "");
  json_decref(j);
  /* field_check (query filters) refuses a blank required text without changing it */
  json_t *v = json_string("  ");
  CHECK(!field_check(&trim_fields[0], v, &e));
  CHECK_STR(json_string_value(v), "  ");
  json_decref(v);
  /* the limit counts the trimmed characters */
  j = json_pack("{s:s,s:s}", "reason", "          二十个字二十个字二十个字二十个字二十          ", "password", "x");
  CHECK(fields_validate(j, trim_fields, 3, false, &e));
  json_decref(j);
}

TEST(joint_review_handling_severity) {
  /* a filed case, detention and transfer for prosecution meet every minimum */
  for (int min = 1; min <= 4; min++) {
    CHECK(handling_meets("case_filed", min));
    CHECK(handling_meets("detention", min));
    CHECK(handling_meets("prosecution_transfer", min));
    CHECK(!handling_meets("no_action", min));
    CHECK(!handling_meets("exemption", min));
  }
  CHECK(handling_meets("criticism", 1) && !handling_meets("criticism", 2));
  CHECK(handling_meets("party_warning", 2) && !handling_meets("party_warning", 3));
  CHECK(handling_meets("expulsion", 3) && !handling_meets("expulsion", 4));
  /* lighter and heavier */
  CHECK(handling_severity("no_action") < handling_severity("criticism"));
  CHECK(handling_severity("criticism") == handling_severity("admonition"));
  CHECK(handling_severity("criticism") < handling_severity("party_warning"));
  CHECK(handling_severity("party_warning") < handling_severity("case_filed"));
  CHECK(handling_severity("expulsion") < handling_severity("case_filed"));
  CHECK(handling_severity("case_filed") < handling_severity("detention"));
  CHECK(handling_severity("detention") < handling_severity("prosecution_transfer"));
  CHECK(handling_severity(NULL) == 0 && handling_severity("exemption") == 0);
  CHECK_STR(handling_label("no_action"), "不予处理");
  CHECK_STR(handling_label("case_filed"), "立案审查调查");
}
