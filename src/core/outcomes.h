/*
 * outcomes.h — the accountability outcome codes of DOMAIN.md §4 and the one
 * table that derives the four forms (四种形态) from them. A form is never
 * typed by a user: it follows from the code (and, for expulsion, from
 * whether criminal liability came with it).
 */
#ifndef XUNJI_OUTCOMES_H
#define XUNJI_OUTCOMES_H
#include <stdbool.h>
#include <stddef.h>

typedef enum outcome_kind {
  OK_ACCOUNTABILITY, /* 问责 */
  OK_PARTY,          /* 党纪处分 */
  OK_GOV,            /* 政务处分 */
  OK_ORG,            /* 组织处理 */
  OK_MEASURE,        /* 措施 (留置) */
  OK_STEP,           /* 程序 (立案) */
  OK_OUTCOME,        /* 免予处分, 移送司法 */
} outcome_kind;

typedef struct outcome_def {
  const char *code;
  const char *label; /* Chinese */
  outcome_kind kind;
  int form;          /* 1..4, 0 = not counted in the four forms */
  bool criminal_ok;  /* may come with criminal liability (then form 4) */
} outcome_def;

extern const outcome_def outcomes[];
extern const int noutcomes;
/* NULL-terminated codes, for enum fields; plus "no_action" in handling_codes. */
extern const char *const outcome_codes[];
extern const char *const handling_codes[];
/* {code, label, code, label, ..., NULL}: the labels of a distribution by code. */
extern const char *const outcome_label_pairs[];
/* The kind named "accountability", "party", "gov", "org", "measure",
 * "step" or "outcome" (n bytes); -1 when unknown. */
int outcome_kind_named(const char *name, size_t n);
const outcome_def *outcome_find(const char *code);
/* The form of a code: a code that may carry criminal liability (expulsion,
 * transfer for prosecution) counts in form 4 when it does. 0 when
 * the code is not counted (or unknown; "no_action" is 0). */
int outcome_form(const char *code, bool criminal);
/* How heavy a joint review's handling is (a code of handling_codes):
 * "no_action" and 免予处分 0, a code of form f f * 10, a filed case (立案,
 * OK_STEP) HANDLING_CASE and detention (留置, OK_MEASURE) one more, transfer
 * for prosecution (form 4) 40. Only for comparing two handlings. */
enum { HANDLING_CASE = 35 };
int handling_severity(const char *code);
/* Whether a handling meets a category's minimum form (1..4): its form is
 * at least that, or it opens a case (立案, 留置, 移送审查起诉), which is never
 * lenient: the sanction follows from the case. */
bool handling_meets(const char *code, int min_form);
/* The Chinese label of a handling ("不予处理" for no_action). */
const char *handling_label(const char *code);
const char *outcome_kind_label(outcome_kind k);
const char *form_label(int form); /* 第一种形态 … */
#endif
