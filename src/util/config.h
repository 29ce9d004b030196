/*
 * config.h — settings in one table (after Redis's static_configs[]): name,
 * environment variable, type, bounds, default and help of each setting.
 * Sources, later ones winning: defaults, config file (key = value lines),
 * environment (XUNJI_*), command-line flags (--set key=value, --db, ...).
 */
#ifndef XUNJI_CONFIG_H
#define XUNJI_CONFIG_H

#include <stddef.h>

typedef enum cfg_id {
  CFG_DB, CFG_KEY_FILE, CFG_AUDIT_ANCHOR, CFG_LISTEN, CFG_THREADS, CFG_MAX_BODY,
  CFG_MAX_CONN, CFG_MAX_CONN_PER_IP, CFG_REQUEST_DEADLINE, CFG_IDLE_TIMEOUT,
  CFG_SESSION_IDLE_MIN, CFG_SESSION_MAX_HOURS, CFG_LOCK_AFTER, CFG_LOCK_MINUTES,
  CFG_LOGIN_PER_IP_MIN, CFG_PBKDF2_ITER, CFG_PASSWORD_MAX_AGE_DAYS, CFG_COOKIE_SECURE,
  CFG_DOCNO_HANDOVER, CFG_DOCNO_REGISTRY, CFG_WEB_ROOT, CFG_TOKEN_DAYS, CFG_ACCESS_LOG,
  CFG_RECUSAL_YEARS, CFG_BRIEFING_AUDIT,
  CFG_FILES_DIR, CFG_MAX_UPLOAD, CFG_RECT_PLAN_MONTHS, CFG_RECT_REPORT_MONTHS,
  CFG_LONG_TERM_MONTHS, CFG_DOCNO_NOTICE,
  CFG_DOCNO_VETTING,
  CFG_ACCOUNTABILITY_DAYS,
  CFG_DOCNO_ASSIST, CFG_DOCNO_COPY,
  CFG_LOGIN_SOURCE_FREE, CFG_LOGIN_SOURCE_MAX_DELAY,
  CFG_TEST_CLOCK_DAYS, CFG_TEST_PBKDF2_ITER,
  CFG_TEST_PG_FAIL_COMMIT, /* issue 16: tests/api/pg_faults.py */
  CFG_MAX_QUERY_PARAMS, CFG_ORPHAN_MINUTES,
  CFG_EXPORT_MAX_ROWS, /* issue 17: rows of one list export */
  CFG_MAX_INFLIGHT_BODY, CFG_HEADER_TIMEOUT, CFG_TRUSTED_PROXIES, CFG_PUBLIC_ORIGIN,
  /* issue 18: second factor and session hygiene */
  CFG_TOTP_ALG, CFG_TOTP_DIGITS, CFG_TOTP_PERIOD, CFG_TOTP_WINDOW, CFG_REQUIRE_2FA_ADMIN,
  CFG_REQUIRE_2FA_SENSITIVE, CFG_STEP_UP_MINUTES, CFG_TOKEN_REQUIRES_2FA, CFG_MAX_SESSIONS,
  CFG_ADMIN_NETWORKS, CFG_METRICS_NETWORKS,
  CFG_ACCOUNT_DORMANT_DAYS, CFG_REVEAL_APPROVER, CFG_REVEAL_MINUTES,
  /* issue 17: deadlines that warn, reminders, letters (GB/T 9704) */
  CFG_WARN_FIRST_DAYS, CFG_WARN_SECOND_DAYS, CFG_HOLIDAYS, CFG_MAKEUP_WORKDAYS,
  CFG_CLUE_REGISTER_WORKDAYS, CFG_CLUE_REPORT_MONTHS, CFG_ASSIST_WORKDAYS,
  CFG_REMIND_INTERVAL_MINUTES, CFG_REMIND_LEASE_SECONDS, CFG_REMIND_DIGEST_DAYS,
  CFG_LETTER_AUTHORITY, CFG_LETTER_TITLE_FONT, CFG_LETTER_BODY_FONT, CFG_LETTER_MARK,
  CFG_LETTER_CONTACT_PHONE,
  CFG_DB_REPLICA, /* issue 16: the read replica (store_set_replica) */
  CFG_TEST_SCHED_SECONDS, /* issue 16: every scheduled job's interval in seconds (test mode) */
  CFG_SESSION_SWEEP_MINUTES, /* issue 16: the sessions sweep job (domain/sched.c) */
  CFG_MALLOC_ARENA_MAX, CFG_DB_CACHE_KIB, /* issue 15: memory of a server (docs/operations.md) */
  CFG_ANSWER_CACHE_KIB, CFG_ANSWER_CACHE_SECONDS, /* issue 15: the answer cache (api/answers.c) */
  CFG_AUDIT_ANCHOR_INTERVAL_MS, /* issue 15: the server's anchor writer (sec/audit.c) */
  CFG__MAX
} cfg_id;

typedef enum cfg_type { CT_STR, CT_INT } cfg_type;

typedef struct cfg_def {
  const char *name; /* key in the config file and for --set */
  const char *env;  /* environment variable */
  cfg_type type;
  const char *def;  /* default, as text ("" = derived) */
  long min, max;    /* bounds for CT_INT */
  const char *help; /* Chinese */
} cfg_def;

extern const cfg_def cfg_defs[CFG__MAX];

/* Loads defaults, then XUNJI_CONFIG / the file given, then the environment.
 * Returns 0 or -1 with a one-line message in err. */
int cfg_load(const char *file, char *err, size_t errlen);
/* Sets one value from text ("key=value" form for --set uses cfg_set_kv). */
int cfg_set(cfg_id id, const char *value, char *err, size_t errlen);
int cfg_set_kv(const char *kv, char *err, size_t errlen);
const char *cfg_str(cfg_id id);
long cfg_int(cfg_id id);
/* Fills derived defaults (key file and anchor next to the database). */
void cfg_finish(void);
void cfg_free(void);

/* 0 if list is dates YYYY-MM-DD separated by commas (or empty), else -1. */
int cfg_dates_check(const char *list);

#endif
