/*
 * reminders.h — the deadline reminder scheduler (issue 17): at each step of
 * a record's due date (domain/deadlines.h: first warning, second warning,
 * due today, overdue) an inbox message goes to escalating recipients — the
 * owner; from the second warning also the inspection office and the unit's
 * dispatched discipline group; when overdue also the leading group — once
 * per step and due date (table reminders_sent, migration 022), audited
 * ("reminder.send": ids and codes only). Messages name their record, so the
 * inbox shows their text only to those the visibility model lets see it.
 *
 * A record overdue more than remind_digest_days days whose overdue step was
 * never reminded (a freshly imported province) is marked at that step all
 * the same but told in a digest: one message per recipient and kind per run
 * (action "remind_digest", no object id), with the count and the first few
 * records that recipient's role at its scope may read, audited once
 * ("reminder.digest": codes, the count, ids).
 *
 * A run first takes the lease row "reminders" (scheduler_leases) for
 * remind_lease_seconds, so that of several servers (and a cron job) only
 * one runs at a time; the reminders_sent key keeps even a racing run from
 * sending a step twice.
 */
#ifndef XUNJI_REMINDERS_H
#define XUNJI_REMINDERS_H

#include <jansson.h>

#include "app.h"
#include "core/result.h"

/* One run now. holder names the runner (host:pid). *summary (owned, may be
 * NULL): {"ran": bool (false: another holds the lease), "sent": steps sent,
 * "messages": messages posted, "digested": records told in digests}. 0, or
 * the error in x. */
int reminders_run(app *a, const char *holder, json_t **summary, xres *x);

/* `xunji serve` runs it at start-up and every remind_interval_minutes
 * through domain/sched.h (once across servers). */

#endif
