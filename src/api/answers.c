/*
 * answers.c — the answer cache (issue 15): a cacheable GET's 200 reply kept
 * as bytes and served again to the same credential, for the same URL, from
 * the same client address, while it is still the answer the request would
 * get if it ran again. That is the case when all of these hold:
 *
 *   - nothing was committed since the answer was computed: the entry carries
 *     the store's data version read before the request opened its first
 *     transaction (store_version: bumped by every COMMIT of this process
 *     before the writers hear of it, and when SQLite's data_version shows
 *     another process's commit). Every grant, revocation, disabled user,
 *     ended session and record change is a commit, so each is seen at the
 *     very next request. The one commit not counted is a last-use stamp
 *     (session.c, store_tx_quiet), which no kept answer reads;
 *   - the key ring is the one the answer was computed under;
 *   - no time the request's authentication depended on has passed
 *     (r->auth_until, session.c: a token's or session's expiry, the minute
 *     after which its last use is written again, a grant's end, the
 *     password's expiry, a second factor's freshness), nor Shanghai midnight
 *     (the reads compute "today": overdue, as_of), nor answer_cache_seconds;
 *   - the request wrote nothing but its last use (no audit entry, no ended
 *     grant recorded): such a commit bumps the version anyway, and the
 *     last use written counts its minute from then (session.c).
 *
 * Cacheable routes carry RF_CACHE (api/routes.c: record lists, records and
 * their history, the statistics, their drill-downs and group charts, meta).
 * Never: routes that may reveal a sealed field (RF_REVEAL) or need a fresh
 * second factor (RF_2FA), a request carrying X-Xunji-OTP, downloads, replies
 * that set a cookie. PostgreSQL has no data version (store.h), so nothing is
 * kept there. A hit skips authentication and the handler but not the rest of
 * the HTTP layer (headers, request id, access log, metrics).
 *
 * The table: ANSWER_SLOTS direct-mapped slots under one mutex; an entry is
 * reference-counted, so a reply in flight keeps its bytes after the slot was
 * taken by another. Memory: at most answer_cache_kib of reply bytes. When a
 * new answer does not fit, the answers that can no longer be served go
 * first; then, for an answer of at most a quarter of the budget, slots in
 * turn from a rotating hand (a walk through thousands of cursor pages must
 * not keep the figures out); an answer that still does not fit is not kept.
 * answer_cache_kib=0 turns the cache off.
 *
 * One computation per key at a time: a miss marks its slot busy with its
 * key's hash and version, and a request for the same key and version that
 * finds it busy waits (at most ANSWER_WAIT_S) until that request has
 * answered, then looks again from the start, version included; so 16
 * connections asking for the same figures after a commit compute them once.
 *
 * Renewal ahead of the end: an answer lives at most a minute (the last-use
 * stamp, answer_cache_seconds), and at its end every connection asking for
 * it would wait for one computation (82 ms of figures at a million records,
 * seconds under load). So the first request that finds a kept answer within
 * its last refresh_seconds() renews it: it runs in full (authentication,
 * which then writes its last use that much early, and the handler) and its
 * answer replaces the kept one, while the others are still served the kept
 * one, which is fresh by every rule above. Nothing is served that would not
 * be otherwise; one request per answer and minute pays the computation
 * instead of all. An answer whose renewal did not move its end (midnight, a
 * token's expiry) is not renewed again.
 */
#include "api/answers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

enum { ANSWER_SLOTS = 1024, ANSWER_WAIT_S = 30, ANSWER_WAITS = 3 };

struct answer {
  atomic_int refs;
  uint64_t version; /* store_version before the request's first transaction */
  uintptr_t ring;   /* the key ring it was computed under */
  time_t until;     /* served only while xnow() < until */
  uint64_t hash;
  char *key;
  size_t klen;
  char *body;
  size_t len;
  char etag[32];
  char login[65];
  bool renewed; /* under mu: a request renews (or renewed) it; no second one */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER; /* a busy slot was released */
static answer *slots[ANSWER_SLOTS];
static struct { /* under mu: the computation in progress per slot */
  bool busy;
  uint64_t hash, version;
} busy[ANSWER_SLOTS];
static size_t bytes;    /* under mu: key + body bytes of the entries in slots */
static size_t hand;     /* under mu: the next slot to evict when room is needed */
static long nentries;   /* under mu */
static atomic_long hits, misses, kept;

static size_t entry_bytes(const answer *e) { return e->klen + e->len + sizeof *e; }

void answer_ref(answer *e) { atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed); }

void answer_release(answer *e) {
  if (!e || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1) return;
  free(e->key);
  free(e->body);
  free(e);
}

const char *answer_body(const answer *e, size_t *len) {
  *len = e->len;
  return e->body;
}

/* Under mu: takes slot i's entry out of the table. */
static void drop(size_t i) {
  answer *e = slots[i];
  if (!e) return;
  slots[i] = NULL;
  bytes -= entry_bytes(e);
  nentries--;
  answer_release(e);
}

static uint64_t fnv64(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  return h;
}

static bool fresh(const answer *e, uint64_t version, uintptr_t ring, time_t now) {
  return e->version == version && e->ring == ring && now < e->until;
}

/* How long before its end a kept answer is renewed: a quarter of
 * answer_cache_seconds, at most 5 s (0 for a life under 4 s: no renewal). */
static int refresh_seconds(void) {
  long s = cfg_int(CFG_ANSWER_CACHE_SECONDS) / 4;
  return (int)(s > 5 ? 5 : s);
}

/* ---- the key -------------------------------------------------------------------- */
static bool add_arg(void *ctx, const char *k, const char *v) {
  buf *b = ctx;
  /* name, NUL, then 'v' and the value, or '-' for a name without one, NUL */
  buf_adds(b, k ? k : "");
  buf_add(b, "", 1);
  buf_adds(b, v ? "v" : "-");
  if (v) buf_adds(b, v);
  buf_add(b, "", 1);
  return true;
}

/* The credential ('T' or 'C' and its HMAC, session.c), the client address,
 * the path and the query arguments in their order; false when the request
 * has no well-formed credential or the key outgrows its bound. */
static bool make_key(req *r, buf *out) {
  char cred[67];
  if (!session_credential(r, cred)) return false;
  buf b;
  buf_init(&b, 16384);
  buf_adds(&b, cred);
  buf_add(&b, "", 1);
  buf_adds(&b, r->client_ip);
  buf_add(&b, "", 1);
  buf_adds(&b, r->path);
  buf_add(&b, "", 1);
  req_each_arg(r, add_arg, &b);
  if (buf_failed(&b)) {
    buf_free(&b);
    return false;
  }
  *out = b;
  return true;
}

/* ---- lookup and keeping ------------------------------------------------------------ */
/* Under mu: waits until slot i is no longer busy computing (h, version), at
 * most ANSWER_WAIT_S; true if it waited. */
static bool wait_busy(size_t i, uint64_t h, uint64_t version) {
  if (!busy[i].busy || busy[i].hash != h || busy[i].version != version) return false;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ANSWER_WAIT_S;
  while (busy[i].busy && busy[i].hash == h && busy[i].version == version)
    if (pthread_cond_timedwait(&done_cv, &mu, &until)) break;
  return true;
}

bool answers_try(req *r) {
  long kib = cfg_int(CFG_ANSWER_CACHE_KIB);
  if (kib <= 0 || !r->route || !(r->route->flags & RF_CACHE) || strcmp(r->method, "GET") != 0 ||
      (r->route->flags & (RF_2FA | RF_REVEAL | RF_PUBLIC)) || req_header(r, "X-Xunji-OTP"))
    return false;
  /* a GET that announces a body is read in further callbacks of its thread:
   * never one others could wait for */
  const char *cl = req_header(r, "Content-Length");
  if ((cl && strcmp(cl, "0") != 0) || req_header(r, "Transfer-Encoding")) return false;
  uint64_t version = 0;
  if (store_version(r->app->db, &version) != STORE_OK) return false; /* PostgreSQL, or an error */
  buf key;
  if (!make_key(r, &key)) return false;
  uint64_t h = fnv64(key.p, key.len);
  size_t i = (size_t)(h % ANSWER_SLOTS);
  answer *hit = NULL;
  uintptr_t ring = 0;
  int ahead = refresh_seconds();
  for (int tries = 0;; tries++) {
    if (tries && store_version(r->app->db, &version) != STORE_OK) {
      buf_free(&key);
      return false;
    }
    ring = (uintptr_t)__atomic_load_n(&r->app->keys.ring, __ATOMIC_ACQUIRE);
    time_t now = xnow();
    pthread_mutex_lock(&mu);
    answer *e = slots[i];
    if (e && e->hash == h && e->klen == key.len && memcmp(e->key, key.p, key.len) == 0) {
      if (fresh(e, version, ring, now) && ahead > 0 && e->until - now <= ahead && !e->renewed &&
          !busy[i].busy) { /* near its end: this request renews it, the others are served it */
        e->renewed = true;
        busy[i].busy = true;
        busy[i].hash = h;
        busy[i].version = version;
        r->abusy = true;
        r->arefresh = ahead;
        r->aold_until = e->until;
      } else if (fresh(e, version, ring, now)) {
        answer_ref(e);
        hit = e;
      } else {
        drop(i);
      }
    }
    if (!hit && !r->arefresh && tries < ANSWER_WAITS && wait_busy(i, h, version)) {
      pthread_mutex_unlock(&mu);
      continue; /* the same key was being computed: look again, version first */
    }
    if (!hit && !busy[i].busy) { /* this request computes it; others wait */
      busy[i].busy = true;
      busy[i].hash = h;
      busy[i].version = version;
      r->abusy = true;
    }
    pthread_mutex_unlock(&mu);
    break;
  }
  if (!hit) {
    atomic_fetch_add_explicit(&misses, 1, memory_order_relaxed);
    r->akey = key.p; /* owned by r (req_free) */
    r->aklen = key.len;
    r->ahash = h;
    r->aversion = version;
    r->aring = ring;
    return false;
  }
  buf_free(&key);
  atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
  r->answer = hit;
  r->status = 200;
  r->authed = true;
  xstrlcpy(r->who.login, hit->login, sizeof r->who.login);
  xstrlcpy(r->etag, hit->etag, sizeof r->etag);
  return true;
}

void answers_done(req *r) {
  if (!r->abusy) return;
  size_t i = (size_t)(r->ahash % ANSWER_SLOTS);
  pthread_mutex_lock(&mu);
  if (busy[i].busy && busy[i].hash == r->ahash && busy[i].version == r->aversion) busy[i].busy = false;
  pthread_cond_broadcast(&done_cv);
  pthread_mutex_unlock(&mu);
  r->abusy = false;
}

answer *answers_keep(req *r, char *body, size_t len) {
  if (!r->akey || r->status != 200 || r->raw || r->rawfd > 0 || r->cookie[0] ||
      r->disposition[0] || r->frame_self || !r->authed || r->who.nended)
    return NULL;
  time_t now = xnow();
  time_t until = r->auth_until;
  time_t ttl = now + (time_t)cfg_int(CFG_ANSWER_CACHE_SECONDS);
  time_t midnight = (time_t)((date_today_shanghai() + 1) * 86400 - 8 * 3600);
  if (ttl < until) until = ttl;
  if (midnight < until) until = midnight;
  if (until <= now) return NULL;
  size_t budget = (size_t)cfg_int(CFG_ANSWER_CACHE_KIB) * 1024;
  answer *e = xcalloc(1, sizeof *e);
  atomic_init(&e->refs, 2); /* the table's and the caller's */
  e->version = r->aversion;
  e->ring = r->aring;
  e->until = until;
  e->hash = r->ahash;
  e->key = r->akey;
  e->klen = r->aklen;
  e->body = body;
  e->len = len;
  xstrlcpy(e->etag, r->etag, sizeof e->etag);
  xstrlcpy(e->login, r->who.login, sizeof e->login);
  /* a renewal that did not move the end (midnight, an expiry) is not tried again */
  e->renewed = r->arefresh > 0 && until <= r->aold_until + r->arefresh;
  size_t need = entry_bytes(e);
  size_t i = (size_t)(e->hash % ANSWER_SLOTS);
  bool in = false;
  pthread_mutex_lock(&mu);
  drop(i);
  if (bytes + need > budget) /* make room: first whatever can no longer be served */
    for (size_t j = 0; j < ANSWER_SLOTS; j++)
      if (slots[j] && (slots[j]->version != e->version || slots[j]->until <= now)) drop(j);
  if (bytes + need > budget && need <= budget / 4) /* then the oldest slots, from the hand on */
    for (size_t n = 0; n < ANSWER_SLOTS && bytes + need > budget; n++) {
      drop(hand);
      hand = (hand + 1) % ANSWER_SLOTS;
    }
  if (bytes + need <= budget) {
    slots[i] = e;
    bytes += need;
    nentries++;
    in = true;
  }
  pthread_mutex_unlock(&mu);
  if (!in) {
    e->body = NULL; /* stays the caller's */
    e->key = NULL;
    free(e);
    return NULL;
  }
  r->akey = NULL; /* the entry's now */
  atomic_fetch_add_explicit(&kept, 1, memory_order_relaxed);
  answers_done(r); /* those waiting for it find it now */
  return e;
}

void answers_get_stats(answers_stats *out) {
  pthread_mutex_lock(&mu);
  out->entries = nentries;
  out->bytes = bytes;
  pthread_mutex_unlock(&mu);
  out->hits = atomic_load_explicit(&hits, memory_order_relaxed);
  out->misses = atomic_load_explicit(&misses, memory_order_relaxed);
  out->kept = atomic_load_explicit(&kept, memory_order_relaxed);
}

void answers_clear(void) {
  pthread_mutex_lock(&mu);
  for (size_t i = 0; i < ANSWER_SLOTS; i++) drop(i);
  pthread_mutex_unlock(&mu);
}
