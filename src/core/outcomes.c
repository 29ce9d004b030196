/*
 * outcomes.c — outcome codes and the four forms. See outcomes.h.
 *
 * OUTCOMES is the one list; the table, the enum value lists and the
 * code/label pairs of the statistics are all expanded from it.
 */
#include "core/outcomes.h"

#include <string.h>

/* X(code, label, kind, form, criminal_ok) */
#define OUTCOMES(X) \
  X(talk_reminder, "谈话提醒", OK_ACCOUNTABILITY, 1, false) \
  X(criticism, "批评教育", OK_ACCOUNTABILITY, 1, false) \
  X(ordered_review, "责令检查", OK_ACCOUNTABILITY, 1, false) \
  X(admonition, "诫勉", OK_ACCOUNTABILITY, 1, false) \
  X(work_interview, "工作约谈", OK_ACCOUNTABILITY, 1, false) \
  X(circulated_criticism, "通报", OK_ACCOUNTABILITY, 1, false) \
  X(party_warning, "党内警告", OK_PARTY, 2, false) \
  X(party_serious_warning, "党内严重警告", OK_PARTY, 2, false) \
  X(gov_warning, "政务警告", OK_GOV, 2, false) \
  X(gov_demerit, "记过", OK_GOV, 2, false) \
  X(gov_major_demerit, "记大过", OK_GOV, 2, false) \
  X(suspension, "停职检查", OK_ORG, 2, false) \
  X(reassignment, "调整职务", OK_ORG, 2, false) \
  X(ordered_resignation, "责令辞职", OK_ORG, 2, false) \
  X(dismissal_from_post, "免职", OK_ORG, 2, false) \
  X(demotion, "降职", OK_ORG, 3, false) \
  X(removal_from_party_post, "撤销党内职务", OK_PARTY, 3, false) \
  X(party_probation, "留党察看", OK_PARTY, 3, false) \
  X(expulsion, "开除党籍", OK_PARTY, 3, true) \
  X(gov_downgrade, "降级", OK_GOV, 3, false) \
  X(gov_removal, "撤职", OK_GOV, 3, false) \
  X(gov_expulsion, "开除", OK_GOV, 3, false) \
  X(prosecution_transfer, "移送审查起诉", OK_OUTCOME, 4, true) \
  X(exemption, "免予处分", OK_OUTCOME, 0, false) \
  X(detention, "留置", OK_MEASURE, 0, false) \
  X(case_filed, "立案审查调查", OK_STEP, 0, false)

#define AS_DEF(c, l, k, f, x) {#c, l, k, f, x},
#define AS_CODE(c, l, k, f, x) #c,
#define AS_PAIR(c, l, k, f, x) #c, l,

const outcome_def outcomes[] = {OUTCOMES(AS_DEF)};
const int noutcomes = (int)(sizeof outcomes / sizeof *outcomes);

const char *const outcome_codes[] = {OUTCOMES(AS_CODE) NULL};
const char *const handling_codes[] = {"no_action", OUTCOMES(AS_CODE) NULL};
const char *const outcome_label_pairs[] = {OUTCOMES(AS_PAIR) NULL};

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

int handling_severity(const char *code) {
  const outcome_def *d = outcome_find(code);
  if (!d) return 0; /* no_action */
  if (d->kind == OK_STEP) return HANDLING_CASE;
  if (d->kind == OK_MEASURE) return HANDLING_CASE + 1;
  return d->form * 10;
}

bool handling_meets(const char *code, int min_form) {
  int need = min_form * 10;
  return handling_severity(code) >= (need < HANDLING_CASE ? need : HANDLING_CASE);
}

const char *handling_label(const char *code) {
  const outcome_def *d = outcome_find(code);
  return d ? d->label : "不予处理";
}

const char *outcome_kind_label(outcome_kind k) {
  static const char *const l[] = {"问责", "党纪处分", "政务处分", "组织处理", "措施", "程序", "其他"};
  return (unsigned)k < sizeof l / sizeof *l ? l[k] : "";
}

const char *form_label(int form) {
  static const char *const l[] = {"", "第一种形态", "第二种形态", "第三种形态", "第四种形态"};
  return form >= 1 && form <= 4 ? l[form] : "";
}

int outcome_kind_named(const char *name, size_t n) {
  static const char *const names[] = {"accountability", "party", "gov",    "org",
                                      "measure",        "step",  "outcome"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strlen(names[i]) == n && !memcmp(names[i], name, n)) return (int)i;
  return -1;
}
