/*
 * sched.h — periodic jobs of `xunji serve` that must fire once across every
 * server on the database (issue 16): the deadline reminders (every
 * remind_interval_minutes) and the sweep of expired sessions (every
 * session_sweep_minutes, default 10; with it the per-source sign-in
 * rows of login_sources untouched for a day).
 *
 * A run first claims the job's lease row in scheduler_leases (migration
 * 022/026): in one write transaction, the row is moved to this holder until
 * now + the interval, but only if its previous lease has expired; the claim
 * counts the run (runs, last_run_at); the reminders' claim is audited
 * ("job.run", object kind "job", id the lease's name "job:reminders"). Only the server whose claim moved the row runs
 * the job; the others skip this period. So a job runs at most once per
 * interval in total, however many servers tick (and at least once while one
 * of them is up).
 */
#ifndef XUNJI_SCHED_H
#define XUNJI_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"

/* Claims job for interval_s seconds: 1 (run it now), 0 (another server ran it
 * in this period), or a store code. audited: the claim writes "job.run". */
int sched_claim(app *a, const char *job, const char *holder, long interval_s, bool audited);

/* `xunji remind --now`: claims "job:reminders" as the server's tick does
 * (audited, for the reminder interval or 60 s when the server's job is off),
 * so a CLI run and a server never both run the reminders. 1 claimed; 0 held
 * by another (held_by and until name who and till when);
 * a store code. sched_release gives the lease back after the run. */
int sched_claim_reminders(app *a, const char *holder, char *held_by, size_t hcap, char *until, size_t ucap);
void sched_release(app *a, const char *job, const char *holder);

/* Deletes the sessions past their idle or absolute limit; the count or <0. */
long sched_sweep_sessions(app *a);

/* For /metrics: job i's name and this server's claims {ran, skipped (another
 * server had it), failed}; 0 past the last job. */
int sched_stats(int i, const char **name, long out[3]);

/* The thread of `xunji serve`: each job at start-up and every interval. */
void sched_start(app *a);
void sched_stop(void);

#endif
