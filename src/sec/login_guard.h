/*
 * login_guard.h — per-source sign-in limits, in memory (issue 11 item 10);
 * several servers on one PostgreSQL keep the same state in the database
 * instead (sec/login_guard_db.h).
 *
 * One bounded table keyed by the exact client address string (no hashing into
 * shared slots, so two addresses never reset each other), at most
 * LG_SLOTS entries, the least recently used one evicted first (a source under
 * a delay is evicted only when every entry is under one).
 *
 * Per source:
 *   - at most per_minute sign-in attempts in a minute that starts at the
 *     first attempt (a burst across hh:mm:59 gets no second allowance);
 *   - a growing delay: every attempt counts as a failure when it starts (so
 *     concurrent attempts cannot slip past the delay) and a success takes it
 *     back; after `free_fails` failures, failure n waits
 *     2^(n - free_fails - 1) seconds, capped at max_delay, before the source
 *     may try again; one remembered failure is forgotten per `decay` seconds
 *     without failures.
 * Times are passed in (milliseconds) so the rules can be unit-tested; a
 * returned wait is in whole seconds, rounded up.
 */
#ifndef XUNJI_LOGIN_GUARD_H
#define XUNJI_LOGIN_GUARD_H

#include <stddef.h>
#include <stdint.h>

enum { LG_SLOTS = 4096, LG_KEY_MAX = 64 };

typedef struct lg_rules {
  long per_minute; /* attempts per minute from the first one */
  long free_fails; /* failures before delays start */
  long max_delay;  /* seconds */
  long decay;      /* seconds per forgotten failure */
} lg_rules;

/* One source's state, and the rules on it alone (the in-memory table below
 * keeps one per source; api/login_shared.c keeps it in the database when
 * several servers share one). Times in ms. */
typedef struct lg_state {
  int64_t window;        /* start of the counting minute (first attempt in it) */
  long count;            /* attempts in window */
  long fails;            /* remembered failures */
  int64_t last_fail;     /* decay reference */
  int64_t blocked_until; /* no attempt before this */
} lg_state;
long lg_state_begin(lg_state *st, int64_t now_ms, const lg_rules *rules);
void lg_state_success(lg_state *st, int64_t now_ms, const lg_rules *rules);
long lg_state_failures(lg_state *st, int64_t now_ms, const lg_rules *rules);

/* Starts an attempt from src. Returns 0 if it may go on (counted as a
 * failure until login_guard_success), else the seconds to wait (429). */
long login_guard_begin(const char *src, int64_t now_ms, const lg_rules *rules);
/* The attempt from src succeeded: takes back its provisional failure. */
void login_guard_success(const char *src, int64_t now_ms, const lg_rules *rules);
/* Failures remembered for src (after decay), for tests. */
long login_guard_failures(const char *src, int64_t now_ms, const lg_rules *rules);
/* Number of sources held (never more than LG_SLOTS). */
size_t login_guard_size(void);
/* Milliseconds of the real-time clock. */
int64_t login_guard_now(void);
/* Forgets everything (tests). */
void login_guard_clear(void);

#endif
