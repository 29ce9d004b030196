/*
 * test_deadlines.c — the deadline rule (src/domain/deadlines.c): working days
 * with holidays and 调休, the warning steps, the computed due dates.
 */
#include "domain/deadlines.h"

#include "t.h"
#include "util/config.h"
#include "util/text.h"

static int64_t day(const char *s) {
  int64_t d = 0;
  date_parse(s, &d);
  return d;
}

static const char *fmt(int64_t d, char out[11]) {
  date_format(d, out);
  return out;
}

TEST(deadlines_working_days_skip_weekends_and_holidays) {
  char err[256], o[11];
  CHECK(cfg_set(CFG_HOLIDAYS, "", err, sizeof err) == 0);
  CHECK(cfg_set(CFG_MAKEUP_WORKDAYS, "", err, sizeof err) == 0);
  /* 2026-09-30 is a Wednesday */
  CHECK(dl_is_workday(day("2026-09-30")));
  CHECK(!dl_is_workday(day("2026-10-03"))); /* Saturday */
  CHECK_STR(fmt(dl_add_workdays(day("2026-09-30"), 5), o), "2026-10-07");
  CHECK_STR(fmt(dl_add_workdays(day("2026-09-30"), 0), o), "2026-09-30");
  /* 国庆: 10-01..10-07 off, Saturday 10-10 worked */
  CHECK(cfg_set(CFG_HOLIDAYS, "2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07", err,
                sizeof err) == 0);
  CHECK(cfg_set(CFG_MAKEUP_WORKDAYS, "2026-10-10", err, sizeof err) == 0);
  CHECK(!dl_is_workday(day("2026-10-05")));
  CHECK(dl_is_workday(day("2026-10-10")));
  CHECK_STR(fmt(dl_add_workdays(day("2026-09-30"), 1), o), "2026-10-08");
  CHECK_STR(fmt(dl_add_workdays(day("2026-09-30"), 3), o), "2026-10-10");
  /* a malformed list is refused */
  CHECK(cfg_set(CFG_HOLIDAYS, "2026-10-1", err, sizeof err) != 0);
  CHECK(cfg_set(CFG_HOLIDAYS, "2026-02-30", err, sizeof err) != 0);
  CHECK(cfg_set(CFG_HOLIDAYS, "", err, sizeof err) == 0);
  CHECK(cfg_set(CFG_MAKEUP_WORKDAYS, "", err, sizeof err) == 0);
}

TEST(deadlines_warning_steps_follow_the_settings) {
  CHECK(dl_warning(21) == NULL);
  CHECK_STR(dl_warning(20), "20d");
  CHECK_STR(dl_warning(11), "20d");
  CHECK_STR(dl_warning(10), "10d");
  CHECK_STR(dl_warning(0), "10d");
  CHECK_STR(dl_warning(-1), "overdue");
  CHECK_STR(dl_step(0), "0d");
  CHECK_STR(dl_step(5), "10d");
  char err[256];
  CHECK(cfg_set(CFG_WARN_FIRST_DAYS, "30", err, sizeof err) == 0);
  CHECK_STR(dl_warning(25), "20d");
  CHECK(cfg_set(CFG_WARN_FIRST_DAYS, "20", err, sizeof err) == 0);
}

TEST(deadlines_clue_and_assistance_due_dates) {
  char due[11];
  const char *what = NULL;
  CHECK(!dl_clue_due("verified", "2026-09-30T02:00:00Z", due, &what));
  CHECK(dl_clue_due("handed_over", "2026-09-30T02:00:00Z", due, &what));
  CHECK_STR(due, "2026-10-07");
  CHECK_STR(what, "register");
  CHECK(dl_clue_due("disposing", "2026-09-30T02:00:00Z", due, &what));
  CHECK_STR(due, "2026-12-30");
  CHECK_STR(what, "report");
  CHECK(!dl_clue_due("concluded", "2026-09-30T02:00:00Z", due, &what));
  CHECK(dl_assist_due("forwarded", "2026-09-30T02:00:00Z", due));
  CHECK_STR(due, "2026-10-21");
  CHECK(!dl_assist_due("closed", "2026-09-30T02:00:00Z", due));
}
