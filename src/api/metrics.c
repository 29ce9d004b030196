/*
 * metrics.c — GET /metrics in Prometheus' text format (issue 16): requests by
 * route pattern and status, one latency histogram, the store's commits and
 * group-commit sizes, the read connection pool, the audit chain's length.
 *
 * Only addresses in the metrics_networks setting (default loopback) get it;
 * every other client gets the same 404 as an unknown path, so the endpoint
 * does not reveal itself. The address is the real client's (behind a trusted
 * proxy, the forwarded one): a request that reaches nginx from outside is
 * refused even though nginx itself connects from loopback.
 *
 * Counting is lock-free (relaxed atomics), one call per reply from the HTTP
 * layer (metrics_observe); labels are route patterns, never paths with ids.
 * Also the answer cache's counters (api/answers.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/answers.h"
#include "api/api.h"
#include "domain/sched.h"
#include "http/netaddr.h"
#include "sec/password.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/xmem.h"

/* the statuses counted one by one; anything else falls into "other" (the last) */
static const int statuses[] = {200, 201, 204, 206, 304, 400, 401, 403, 404, 405, 409,
                               412, 413, 415, 422, 428, 429, 500, 503, 0};
enum { NSTATUS = sizeof statuses / sizeof *statuses };
/* latency buckets (seconds) */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,    10};
enum { NBOUNDS = sizeof bounds / sizeof *bounds };

static atomic_long *counts; /* [(nroutes + 1) * NSTATUS]: the last row is "no route" */
static atomic_long hist[NBOUNDS + 1];
static atomic_long sum_us, total;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void) { counts = xcalloc((size_t)(nroutes + 1) * NSTATUS, sizeof *counts); }

static int status_index(int status) {
  for (int i = 0; i < NSTATUS - 1; i++)
    if (statuses[i] == status) return i;
  return NSTATUS - 1;
}

void metrics_observe(const req *r, double seconds) {
  pthread_once(&once, init);
  int ri = r->route ? (int)((const route *)r->route - routes) : nroutes;
  if (ri < 0 || ri > nroutes) ri = nroutes;
  atomic_fetch_add_explicit(&counts[ri * NSTATUS + status_index(r->status)], 1,
                            memory_order_relaxed);
  int b = 0;
  while (b < NBOUNDS && seconds > bounds[b]) b++;
  atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&sum_us, (long)(seconds * 1e6), memory_order_relaxed);
  atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
}

static bool address_ok(const req *r) {
  const char *nets = cfg_str(CFG_METRICS_NETWORKS);
  if (!*nets) return false; /* empty: nobody */
  net_range *nr = NULL;
  char err[256];
  int n = net_ranges_parse(nets, &nr, err, sizeof err);
  bool ok = n > 0 && r->client_ip[0] && net_ranges_match(nr, n, r->client_ip);
  free(nr);
  return ok;
}

static long load(atomic_long *v) { return atomic_load_explicit(v, memory_order_relaxed); }

/* VmRSS and VmHWM of /proc/self/status in kB; -1 where absent. */
static void proc_memory(long *rss_kb, long *hwm_kb) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    long v;
    if (sscanf(line, "VmRSS: %ld kB", &v) == 1) *rss_kb = v;
    else if (sscanf(line, "VmHWM: %ld kB", &v) == 1) *hwm_kb = v;
  }
  fclose(f);
}

int h_metrics(req *r) {
  if (!address_ok(r)) return api_error(r, 404, "not_found", "", "接口不存在");
  pthread_once(&once, init);
  buf b;
  buf_init(&b, 4u << 20);
  buf_adds(&b, "# HELP xunji_requests_total HTTP requests answered, by route pattern and status.\n"
               "# TYPE xunji_requests_total counter\n");
  for (int i = 0; i <= nroutes; i++) {
    for (int k = 0; k < NSTATUS; k++) {
      long n = load(&counts[i * NSTATUS + k]);
      if (!n) continue;
      char st[8];
      if (statuses[k]) snprintf(st, sizeof st, "%d", statuses[k]);
      else snprintf(st, sizeof st, "other");
      /* patterns are our own constants: no quoting needed beyond what they hold */
      buf_addf(&b, "xunji_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %ld\n",
               i < nroutes ? routes[i].method : "", i < nroutes ? routes[i].pattern : "(none)",
               st, n);
    }
  }
  buf_adds(&b, "# HELP xunji_request_duration_seconds Time from the first byte of a request to its reply.\n"
               "# TYPE xunji_request_duration_seconds histogram\n");
  long cum = 0;
  for (int i = 0; i <= NBOUNDS; i++) {
    cum += load(&hist[i]);
    if (i < NBOUNDS) buf_addf(&b, "xunji_request_duration_seconds_bucket{le=\"%g\"} %ld\n", bounds[i], cum);
    else buf_addf(&b, "xunji_request_duration_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
  }
  buf_addf(&b, "xunji_request_duration_seconds_sum %.6f\nxunji_request_duration_seconds_count %ld\n",
           (double)load(&sum_us) / 1e6, load(&total));

  store_stats st;
  store_get_stats(r->app->db, &st);
  buf_addf(&b,
           "# HELP xunji_db_commits_total Durable commits (group commits: one fsync each).\n"
           "# TYPE xunji_db_commits_total counter\nxunji_db_commits_total %lld\n"
           "# HELP xunji_db_commit_failures_total Commits that failed; each of their writes got an error.\n"
           "# TYPE xunji_db_commit_failures_total counter\nxunji_db_commit_failures_total %lld\n"
           "# HELP xunji_db_write_transactions_total Write transactions acknowledged durable.\n"
           "# TYPE xunji_db_write_transactions_total counter\nxunji_db_write_transactions_total %lld\n"
           "# HELP xunji_db_write_transactions_failed_total Write transactions failed with their commit.\n"
           "# TYPE xunji_db_write_transactions_failed_total counter\n"
           "xunji_db_write_transactions_failed_total %lld\n",
           (long long)st.commits, (long long)st.commit_failures, (long long)st.txns,
           (long long)st.txns_failed);
  buf_adds(&b, "# HELP xunji_db_commit_group_size Write transactions per durable commit.\n"
               "# TYPE xunji_db_commit_group_size histogram\n");
  long long gc = 0;
  for (int i = 0; i < 8; i++) {
    gc += st.group_size[i];
    if (i < 7) buf_addf(&b, "xunji_db_commit_group_size_bucket{le=\"%d\"} %lld\n", 1 << i, gc);
    else buf_addf(&b, "xunji_db_commit_group_size_bucket{le=\"+Inf\"} %lld\n", gc);
  }
  buf_addf(&b, "xunji_db_commit_group_size_sum %lld\nxunji_db_commit_group_size_count %lld\n",
           (long long)st.txns, gc);
  buf_addf(&b,
           "# HELP xunji_db_writers_waiting Requests waiting for the database writer now.\n"
           "# TYPE xunji_db_writers_waiting gauge\nxunji_db_writers_waiting %d\n"
           "# HELP xunji_db_readers Read connections of the pool, by state.\n"
           "# TYPE xunji_db_readers gauge\n"
           "xunji_db_readers{state=\"busy\"} %d\nxunji_db_readers{state=\"idle\"} %d\n"
           "# HELP xunji_db_readers_max The read pool's size limit.\n"
           "# TYPE xunji_db_readers_max gauge\nxunji_db_readers_max %d\n",
           st.writers_waiting, st.readers_open - st.readers_idle, st.readers_idle, st.readers_max);
  if (st.replica) /* issue 16: the read replica (db_replica) */
    buf_addf(&b,
             "# HELP xunji_db_replica_reads_total Lag-tolerant reads (lists, statistics, search) and where they went.\n"
             "# TYPE xunji_db_replica_reads_total counter\n"
             "xunji_db_replica_reads_total{to=\"replica\"} %lld\n"
             "xunji_db_replica_reads_total{to=\"primary\",why=\"own_write\"} %lld\n"
             "xunji_db_replica_reads_total{to=\"primary\",why=\"replica_down\"} %lld\n"
             "# HELP xunji_db_replica_up 1 when the last attempt reached the read replica.\n"
             "# TYPE xunji_db_replica_up gauge\nxunji_db_replica_up %d\n",
             (long long)st.replica_reads, (long long)st.replica_own_writes,
             (long long)st.replica_fallbacks, st.replica_up);
  /* issue 16: scheduled jobs claimed across servers (domain/sched.h) */
  buf_adds(&b, "# HELP xunji_sched_claims_total This server's claims of a scheduled job: ran, skipped "
               "(another server ran it this period), failed.\n"
               "# TYPE xunji_sched_claims_total counter\n");
  const char *job;
  long jc[3];
  for (int i = 0; sched_stats(i, &job, jc); i++)
    buf_addf(&b,
             "xunji_sched_claims_total{job=\"%s\",result=\"ran\"} %ld\n"
             "xunji_sched_claims_total{job=\"%s\",result=\"skipped\"} %ld\n"
             "xunji_sched_claims_total{job=\"%s\",result=\"failed\"} %ld\n",
             job, jc[0], job, jc[1], job, jc[2]);
  /* sign-in cost: every path (unknown login, wrong password, disabled, locked)
   * verifies one hash at the production cost, so these grow alike per attempt */
  long pv, pi;
  pw_verify_counts(&pv, &pi);
  buf_addf(&b,
           "# HELP xunji_password_verifications_total PBKDF2-HMAC-SM3 password verifications.\n"
           "# TYPE xunji_password_verifications_total counter\n"
           "xunji_password_verifications_total %ld\n"
           "# HELP xunji_password_iterations_total Their PBKDF2 iterations, summed.\n"
           "# TYPE xunji_password_iterations_total counter\nxunji_password_iterations_total %ld\n",
           pv, pi);
  answers_stats as;
  answers_get_stats(&as);
  buf_addf(&b,
           "# HELP xunji_answer_cache_hits_total Replies served from the answer cache.\n"
           "# TYPE xunji_answer_cache_hits_total counter\nxunji_answer_cache_hits_total %ld\n"
           "# HELP xunji_answer_cache_misses_total Cacheable requests computed afresh.\n"
           "# TYPE xunji_answer_cache_misses_total counter\nxunji_answer_cache_misses_total %ld\n"
           "# HELP xunji_answer_cache_kept_total Replies kept in the answer cache.\n"
           "# TYPE xunji_answer_cache_kept_total counter\nxunji_answer_cache_kept_total %ld\n"
           "# HELP xunji_answer_cache_entries Answers held (some may no longer be servable).\n"
           "# TYPE xunji_answer_cache_entries gauge\nxunji_answer_cache_entries %ld\n"
           "# HELP xunji_answer_cache_bytes Bytes of the answers held.\n"
           "# TYPE xunji_answer_cache_bytes gauge\nxunji_answer_cache_bytes %zu\n",
           as.hits, as.misses, as.kept, as.entries, as.bytes);
  long rss_kb = -1, hwm_kb = -1;
  proc_memory(&rss_kb, &hwm_kb);
  if (rss_kb >= 0)
    buf_addf(&b, "# HELP process_resident_memory_bytes Resident memory of this server process.\n"
                 "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n",
             (long long)rss_kb * 1024);
  if (hwm_kb >= 0)
    buf_addf(&b, "# HELP xunji_process_peak_resident_memory_bytes Peak resident memory since the start.\n"
                 "# TYPE xunji_process_peak_resident_memory_bytes gauge\n"
                 "xunji_process_peak_resident_memory_bytes %lld\n",
             (long long)hwm_kb * 1024);
  store_tx *tx;
  int64_t seq = -1, anchor = -1;
  if (store_read(r->app->db, &tx) == STORE_OK) {
    if (store_query_int(tx, "SELECT seq FROM audit_head WHERE id=1", NULL, 0, &seq)) seq = -1;
    if (store_query_int(tx, "SELECT coalesce(max(seq), 0) FROM audit_anchors", NULL, 0, &anchor))
      anchor = -1;
    store_rollback(tx);
  }
  if (seq >= 0)
    buf_addf(&b, "# HELP xunji_audit_chain_length Entries in the audit chain.\n"
                 "# TYPE xunji_audit_chain_length gauge\nxunji_audit_chain_length %lld\n",
             (long long)seq);
  buf_addf(&b, "# HELP xunji_audit_anchor_writes_total Audit anchor writes by this server (at most one per audit_anchor_interval_ms).\n"
               "# TYPE xunji_audit_anchor_writes_total counter\nxunji_audit_anchor_writes_total %ld\n",
           audit_anchor_writes());
  if (anchor >= 0) /* issue 16: the anchor held in the database (PostgreSQL; 0 on SQLite) */
    buf_addf(&b, "# HELP xunji_audit_anchor_db_seq The newest audit anchor held in the database.\n"
                 "# TYPE xunji_audit_anchor_db_seq gauge\nxunji_audit_anchor_db_seq %lld\n",
             (long long)anchor);
  if (buf_failed(&b)) {
    buf_free(&b);
    return api_error(r, 500, "internal", "", "指标输出过长");
  }
  r->rawlen = b.len;
  r->raw = buf_take(&b);
  r->ctype = "text/plain; version=0.0.4; charset=utf-8";
  r->status = 200;
  return 200;
}
