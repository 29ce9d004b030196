/*
 * sched.c — periodic jobs that fire once across servers (sched.h): the lease
 * claim, the jobs' table, and the server's thread.
 */
#include "domain/sched.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/service.h"
#include "domain/reminders.h"
#include "sec/login_guard_db.h"
#include "util/config.h"
#include "util/text.h"

static void sched_actor(principal *who, svc_actor *ac, const char *holder) {
  memset(who, 0, sizeof *who);
  memset(ac, 0, sizeof *ac);
  snprintf(who->login, sizeof who->login, "%s", "system:scheduler");
  snprintf(who->name, sizeof who->name, "%s", "定时任务");
  ac->who = who;
  ac->user_id = NULL;
  ac->login = who->login;
  ac->roles = "system";
  ac->rid = holder;
  ac->audit_only = true;
}

int sched_claim(app *a, const char *job, const char *holder, long interval_s, bool audited) {
  store_tx *tx;
  int rc = store_write(a->db, &tx);
  if (rc) return rc;
  char now[TS_LEN], until[TS_LEN];
  ts_now(now);
  ts_format(xnow() + (time_t)interval_s, until);
  int64_t changes = 0;
  sval p[] = {SV_S(job), SV_S(holder), SV_S(until), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO scheduler_leases(name,holder,expires_at,runs,last_run_at) "
                  "VALUES($1,$2,$3,1,$4) ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, "
                  "expires_at=excluded.expires_at, runs=scheduler_leases.runs+1, "
                  "last_run_at=excluded.last_run_at WHERE scheduler_leases.expires_at <= $4",
                  p, 4, &changes);
  if (rc || changes != 1) {
    store_rollback(tx);
    return rc ? rc : 0;
  }
  if (!audited) return store_commit(tx) ? STORE_ERR : 1;
  principal who;
  svc_actor ac;
  sched_actor(&who, &ac, holder);
  json_t *d = json_pack("{s:i}", "interval_s", (json_int_t)interval_s);
  rc = svc_audit(a, tx, &ac, "job.run", "job", job, "ok", d, NULL);
  json_decref(d);
  if (rc) {
    store_rollback(tx);
    return rc;
  }
  xres x;
  memset(&x, 0, sizeof x);
  rc = svc_commit(a, tx, &ac, &x);
  if (rc) {
    xres_free(&x);
    return STORE_ERR;
  }
  return 1;
}

long sched_sweep_sessions(app *a) {
  store_tx *tx;
  if (store_write(a->db, &tx)) return -1;
  int64_t now = (int64_t)xnow(), n = 0;
  sval p[] = {SV_I(now - cfg_int(CFG_SESSION_IDLE_MIN) * 60),
              SV_I(now - cfg_int(CFG_SESSION_MAX_HOURS) * 3600)};
  if (store_exec(tx, "DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2", p, 2, &n) ||
      login_guard_db_sweep(tx, login_guard_now()) < 0) {
    store_rollback(tx);
    return -1;
  }
  return store_commit(tx) ? -1 : (long)n;
}

/* ---- the jobs ---- */
static long test_seconds(void) {
  const char *tm = getenv("XUNJI_TEST_MODE");
  return tm && !strcmp(tm, "1") ? cfg_int(CFG_TEST_SCHED_SECONDS) : 0;
}
static long remind_every(void) {
  long m = cfg_int(CFG_REMIND_INTERVAL_MINUTES);
  return m <= 0 ? 0 : test_seconds() ? test_seconds() : m * 60;
}
static long sweep_every(void) {
  long m = cfg_int(CFG_SESSION_SWEEP_MINUTES);
  return m <= 0 ? 0 : test_seconds() ? test_seconds() : m * 60;
}

static void run_reminders(app *a, const char *holder) {
  xres x;
  memset(&x, 0, sizeof x);
  json_t *sum = NULL;
  if (reminders_run(a, holder, &sum, &x))
    fprintf(stderr, "xunji: 期限提醒运行失败: %s\n", x.message);
  else if (json_integer_value(json_object_get(sum, "sent")) ||
           json_integer_value(json_object_get(sum, "digested")))
    fprintf(stderr, "xunji: 期限提醒: %lld 条, 汇总提醒 %lld 条记录\n",
            (long long)json_integer_value(json_object_get(sum, "sent")),
            (long long)json_integer_value(json_object_get(sum, "digested")));
  json_decref(sum);
  xres_free(&x);
}

static void run_sweep(app *a, const char *holder) {
  (void)holder;
  if (sched_sweep_sessions(a) < 0) fprintf(stderr, "xunji: 清理过期会话失败\n");
}

int sched_claim_reminders(app *a, const char *holder, char *held_by, size_t hcap, char *until, size_t ucap) {
  long every = remind_every();
  int rc = sched_claim(a, "job:reminders", holder, every > 0 ? every : 60, true);
  if (rc != 0) return rc;
  snprintf(held_by, hcap, "?");
  snprintf(until, ucap, "?");
  store_tx *tx;
  if (store_read(a->db, &tx)) return 0;
  store_rows *r = NULL;
  if (!store_query(tx, "SELECT holder, expires_at FROM scheduler_leases WHERE name='job:reminders'", NULL, 0,
                   &r) &&
      store_next(r) > 0) {
    snprintf(held_by, hcap, "%s", store_text(r, 0));
    snprintf(until, ucap, "%s", store_text(r, 1));
  }
  if (r) store_rows_close(r);
  store_rollback(tx);
  return 0;
}

void sched_release(app *a, const char *job, const char *holder) {
  store_tx *tx;
  if (store_write(a->db, &tx)) return;
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(now), SV_S(job), SV_S(holder)};
  if (store_exec(tx, "UPDATE scheduler_leases SET expires_at=$1 WHERE name=$2 AND holder=$3", p, 3, NULL))
    store_rollback(tx);
  else
    store_commit(tx);
}

static const struct job {
  const char *name;
  long (*every)(void); /* seconds; 0: off */
  void (*run)(app *a, const char *holder);
  bool audited; /* the claim's audit entry: jobs that write records and messages */
} jobs[] = {
    {"reminders", remind_every, run_reminders, true},
    {"sessions_sweep", sweep_every, run_sweep, false},
};
enum { NJOBS = sizeof jobs / sizeof *jobs };

/* this server's claims by outcome, for /metrics: [job][ran, skipped, failed] */
static long outcomes[NJOBS][3];

int sched_stats(int i, const char **name, long out[3]) {
  if (i < 0 || i >= NJOBS) return 0;
  *name = jobs[i].name;
  for (int k = 0; k < 3; k++) out[k] = __atomic_load_n(&outcomes[i][k], __ATOMIC_RELAXED);
  return 1;
}

/* ---- the thread of `xunji serve` ---- */
static pthread_t thr;
static bool running;
static int stopping;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *loop(void *arg) {
  app *a = arg;
  char holder[128], host[64] = "?";
  gethostname(host, sizeof host - 1);
  snprintf(holder, sizeof holder, "serve:%s:%d", host, (int)getpid());
  time_t next[NJOBS] = {0};
  for (;;) {
    time_t now = time(NULL), wake = 0;
    for (int i = 0; i < NJOBS; i++) {
      long every = jobs[i].every();
      if (every <= 0) continue;
      if (now >= next[i]) {
        next[i] = now + every;
        /* the job's lease name: "job:" + name (the reminders' own run lease is "reminders") */
        char lease[64];
        snprintf(lease, sizeof lease, "job:%s", jobs[i].name);
        int got = sched_claim(a, lease, holder, every, jobs[i].audited);
        __atomic_add_fetch(&outcomes[i][got == 1 ? 0 : got == 0 ? 1 : 2], 1, __ATOMIC_RELAXED);
        if (got == 1) jobs[i].run(a, holder);
        else if (got < 0) fprintf(stderr, "xunji: 定时任务 %s 无法取得租约\n", jobs[i].name);
      }
      if (!wake || next[i] < wake) wake = next[i];
    }
    struct timespec until = {wake, 0};
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (!stopping && rc == 0) rc = pthread_cond_timedwait(&cv, &mu, &until);
    int stop = stopping;
    pthread_mutex_unlock(&mu);
    if (stop) break;
  }
  return NULL;
}

void sched_start(app *a) {
  bool any = false;
  for (int i = 0; i < NJOBS; i++) any = any || jobs[i].every() > 0;
  if (!any || running) return;
  stopping = 0;
  running = pthread_create(&thr, NULL, loop, a) == 0;
}

void sched_stop(void) {
  if (!running) return;
  pthread_mutex_lock(&mu);
  stopping = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(thr, NULL);
  running = false;
}
