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

#include "app.h"

/* Claims job for interval_s seconds: 1 (run it now), 0 (another server ran it
 * in this period), or a store code. audited: the claim writes "job.run". */
int sched_claim(app *a, const char *job, const char *holder, long interval_s, bool audited);

/* Deletes the sessions past their idle or absolute limit; the count or <0. */
long sched_sweep_sessions(app *a);

/* For /metrics: job i's name and this server's claims {ran, skipped (another
 * server had it), failed}; 0 past the last job. */
int sched_stats(int i, const char **name, long out[3]);

/* The thread of `xunji serve`: each job at start-up and every interval. */
void sched_start(app *a);
void sched_stop(void);

#endif
