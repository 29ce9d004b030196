/*
 * outcomes.c — outcome codes and the four forms. See outcomes.h.
 */
#include "core/outcomes.h"

#include <string.h>

const outcome_def outcomes[] = {
    {"talk_reminder", "谈话提醒", OK_ACCOUNTABILITY, 1, false},
    {"criticism", "批评教育", OK_ACCOUNTABILITY, 1, false},
    {"ordered_review", "责令检查", OK_ACCOUNTABILITY, 1, false},
    {"admonition", "诫勉", OK_ACCOUNTABILITY, 1, false},
    {"work_interview", "工作约谈", OK_ACCOUNTABILITY, 1, false},
    {"circulated_criticism", "通报", OK_ACCOUNTABILITY, 1, false},
    {"party_warning", "党内警告", OK_PARTY, 2, false},
    {"party_serious_warning", "党内严重警告", OK_PARTY, 2, false},
    {"gov_warning", "政务警告", OK_GOV, 2, false},
    {"gov_demerit", "记过", OK_GOV, 2, false},
    {"gov_major_demerit", "记大过", OK_GOV, 2, false},
    {"suspension", "停职检查", OK_ORG, 2, false},
    {"reassignment", "调整职务", OK_ORG, 2, false},
    {"ordered_resignation", "责令辞职", OK_ORG, 2, false},
    {"dismissal_from_post", "免职", OK_ORG, 2, false},
    {"demotion", "降职", OK_ORG, 3, false},
    {"removal_from_party_post", "撤销党内职务", OK_PARTY, 3, false},
    {"party_probation", "留党察看", OK_PARTY, 3, false},
    {"expulsion", "开除党籍", OK_PARTY, 3, true},
    {"gov_downgrade", "降级", OK_GOV, 3, false},
    {"gov_removal", "撤职", OK_GOV, 3, false},
    {"gov_expulsion", "开除", OK_GOV, 3, false},
    {"prosecution_transfer", "移送审查起诉", OK_OUTCOME, 4, true},
    {"exemption", "免予处分", OK_OUTCOME, 0, false},
    {"detention", "留置", OK_MEASURE, 0, false},
    {"case_filed", "立案审查调查", OK_STEP, 0, false},
};
const int noutcomes = (int)(sizeof outcomes / sizeof *outcomes);

const char *const outcome_codes[] = {
    "talk_reminder", "criticism", "ordered_review", "admonition", "work_interview",
    "circulated_criticism", "party_warning", "party_serious_warning", "gov_warning",
    "gov_demerit", "gov_major_demerit", "suspension", "reassignment", "ordered_resignation",
    "dismissal_from_post", "demotion", "removal_from_party_post", "party_probation", "expulsion",
    "gov_downgrade", "gov_removal", "gov_expulsion", "prosecution_transfer", "exemption",
    "detention", "case_filed", NULL};

const char *const handling_codes[] = {
    "no_action", "talk_reminder", "criticism", "ordered_review", "admonition", "work_interview",
    "circulated_criticism", "party_warning", "party_serious_warning", "gov_warning",
    "gov_demerit", "gov_major_demerit", "suspension", "reassignment", "ordered_resignation",
    "dismissal_from_post", "demotion", "removal_from_party_post", "party_probation", "expulsion",
    "gov_downgrade", "gov_removal", "gov_expulsion", "prosecution_transfer", "exemption",
    "detention", "case_filed", NULL};

const outcome_def *outcome_find(const char *code) {
  for (int i = 0; code && i < noutcomes; i++)
    if (!strcmp(outcomes[i].code, code)) return &outcomes[i];
  return NULL;
}

int outcome_form(const char *code, bool criminal) {
  const outcome_def *d = outcome_find(code);
  if (!d) return 0;
  if (criminal && d->criminal_ok) return 4;
  return d->form;
}

const char *outcome_kind_label(outcome_kind k) {
  static const char *const l[] = {"问责", "党纪处分", "政务处分", "组织处理", "措施", "程序", "其他"};
  return (unsigned)k < sizeof l / sizeof *l ? l[k] : "";
}

const char *form_label(int form) {
  static const char *const l[] = {"", "第一种形态", "第二种形态", "第三种形态", "第四种形态"};
  return form >= 1 && form <= 4 ? l[form] : "";
}
