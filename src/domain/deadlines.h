/*
 * deadlines.h — the one rule of deadline states (issue 17): the due dates
 * that are computed (working days, months after an event), the warning
 * level of a due date for today (settings deadline_warn_days and
 * deadline_alert_days, DOMAIN.md §3: 20 and 10 calendar days, then overdue)
 * and the keys a record's JSON carries for it. The record kinds' fix
 * functions, the rectification view and the reminder scheduler
 * (domain/reminders.c) all call these; the browser only shows them.
 *
 * Working days: Monday to Friday, minus the dates of the `holidays` setting,
 * plus the weekend dates of `makeup_workdays` (调休). The official calendar
 * is published each year; the operator enters it (docs/operations.md).
 */
#ifndef XUNJI_DEADLINES_H
#define XUNJI_DEADLINES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Is day (days since 1970-01-01) a working day? */
bool dl_is_workday(int64_t day);
/* The n-th working day after day (n >= 0; n = 0: day itself). */
int64_t dl_add_workdays(int64_t day, int n);

/* The warning of a due date days_left away: NULL (fine), "20d" (first
 * warning), "10d" (second warning, due today included) or "overdue". */
const char *dl_warning(int64_t days_left);
/* The reminder step (domain/reminders.c): NULL, "20d", "10d", "0d" (due
 * today) or "overdue". */
const char *dl_step(int64_t days_left);

/* Sets on row: deadline_due (the date or null), days_left (null when the
 * record is no longer open or has no due date) and warning (dl_warning;
 * null when fine or closed). due: "YYYY-MM-DD..." or NULL. */
void dl_set(json_t *row, const char *due, bool open);

/* The computed due dates ("YYYY-MM-DD" into out; false when none applies):
 * a handed-over clue: registration within clue_register_workdays working
 * days of the hand-over while handed_over, then the report back to the
 * office within clue_report_months months while registered or disposing
 * (*what: "register" or "report"); */
bool dl_clue_due(const char *state, const char *handover_at, char out[11], const char **what);
/* an assistance request: done within assist_workdays working days of its
 * submission, while submitted, approved, forwarded or accepted; */
bool dl_assist_due(const char *state, const char *submitted_at, char out[11]);
/* the unit's rectification report: rect_report_months after the feedback
 * meeting. */
bool dl_rect_report_due(const char *meeting_date, char out[11]);

#endif
