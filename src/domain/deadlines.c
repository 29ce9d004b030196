/*
 * deadlines.c — the deadline rule (see deadlines.h).
 */
#include "domain/deadlines.h"

#include <string.h>

#include "util/config.h"
#include "util/text.h"

static bool listed(cfg_id id, int64_t day) {
  char d[11];
  date_format(day, d);
  const char *s = cfg_str(id);
  /* the list is validated (cfg_dates_check): a 10-character match is a date */
  return s && *s && strstr(s, d);
}

bool dl_is_workday(int64_t day) {
  int wd = (int)(((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
  if (wd >= 5) return listed(CFG_MAKEUP_WORKDAYS, day);
  return !listed(CFG_HOLIDAYS, day);
}

int64_t dl_add_workdays(int64_t day, int n) {
  /* bounded: n <= 250 by the settings, and a year of holidays cannot stop it */
  for (int guard = 0; n > 0 && guard < 3660; guard++)
    if (dl_is_workday(++day)) n--;
  return day;
}

const char *dl_warning(int64_t left) {
  if (left < 0) return "overdue";
  if (left <= cfg_int(CFG_WARN_SECOND_DAYS)) return "10d";
  if (left <= cfg_int(CFG_WARN_FIRST_DAYS)) return "20d";
  return NULL;
}

const char *dl_step(int64_t left) {
  if (left == 0) return "0d";
  return dl_warning(left);
}

static bool day_of(const char *s, int64_t *d) {
  char x[11];
  if (!s || strlen(s) < 10) return false;
  memcpy(x, s, 10);
  x[10] = '\0';
  return date_parse(x, d);
}

void dl_set(json_t *row, const char *due, bool open) {
  int64_t d;
  bool has = day_of(due, &d);
  char ds[11];
  if (has) date_format(d, ds);
  json_object_set_new(row, "deadline_due", has ? json_string(ds) : json_null());
  if (!has || !open) {
    json_object_set_new(row, "days_left", json_null());
    json_object_set_new(row, "warning", json_null());
    return;
  }
  int64_t left = d - date_today_shanghai();
  const char *w = dl_warning(left);
  json_object_set_new(row, "days_left", json_integer(left));
  json_object_set_new(row, "warning", w ? json_string(w) : json_null());
}

static bool one_of(const char *s, const char *const *set) {
  for (; s && *set; set++)
    if (!strcmp(s, *set)) return true;
  return false;
}

bool dl_clue_due(const char *state, const char *handover_at, char out[11], const char **what) {
  int64_t h;
  if (!day_of(handover_at, &h)) return false;
  static const char *const reg[] = {"handed_over", NULL}, *const rep[] = {"registered", "disposing", NULL};
  if (one_of(state, reg)) {
    date_format(dl_add_workdays(h, (int)cfg_int(CFG_CLUE_REGISTER_WORKDAYS)), out);
    if (what) *what = "register";
    return true;
  }
  if (one_of(state, rep)) {
    date_format(date_add_months(h, (int)cfg_int(CFG_CLUE_REPORT_MONTHS)), out);
    if (what) *what = "report";
    return true;
  }
  return false;
}

bool dl_assist_due(const char *state, const char *submitted_at, char out[11]) {
  static const char *const open[] = {"submitted", "approved", "forwarded", "accepted", NULL};
  int64_t s;
  if (!one_of(state, open) || !day_of(submitted_at, &s)) return false;
  date_format(dl_add_workdays(s, (int)cfg_int(CFG_ASSIST_WORKDAYS)), out);
  return true;
}

bool dl_rect_report_due(const char *meeting_date, char out[11]) {
  int64_t m;
  if (!day_of(meeting_date, &m)) return false;
  date_format(date_add_months(m, (int)cfg_int(CFG_RECT_REPORT_MONTHS)), out);
  return true;
}
