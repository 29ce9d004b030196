/*
 * audit.c — append and verify the HMAC-SM3 audit chain. See audit.h.
 */
#include "sec/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void put_field(buf *b, const char *s) {
  uint32_t n = s ? (uint32_t)strlen(s) : 0xffffffffu;
  unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
  buf_add(b, len, 4);
  if (s) buf_add(b, s, strlen(s));
}

/* The entry's hash under key g; an entry under a key other than 1 also
 * hashes "key:<id>", so its key id cannot be changed without breaking it. */
static void entry_hash(const xkeygen *g, int64_t seq, const char *at, const audit_entry *e,
                       const char *prev, char out[2 * SM3_LEN + 1]) {
  char s[24], kid[24];
  snprintf(s, sizeof s, "%" PRId64, seq);
  snprintf(kid, sizeof kid, "key:%u", g->kid);
  const char *f[] = {s,         at,          e->actor_id,  e->actor_login, e->role,
                     e->action, e->object_kind, e->object_id, e->result,   e->request_id,
                     e->ip,     e->detail,    prev,          kid};
  size_t nf = sizeof f / sizeof *f - (g->kid == 1 ? 1 : 0);
  /* sized to the fields, so the buffer cannot fill whatever the detail holds */
  size_t total = 0;
  for (size_t i = 0; i < nf; i++) total += 4 + (f[i] ? strlen(f[i]) : 0);
  buf b;
  buf_init(&b, total);
  for (size_t i = 0; i < nf; i++) put_field(&b, f[i]);
  unsigned char h[SM3_LEN];
  hmac_sm3(g->audit, sizeof g->audit, b.p, b.len, h);
  hex_encode(h, SM3_LEN, out);
  buf_free(&b);
}

/* The last head mac and anchor mac this process computed (issue 15: every
 * append re-verified the head it had itself sealed the request before, and
 * the anchor writer re-read and re-verified the anchor file it had itself
 * written; an HMAC-SM3 each). A slot holds the audit key the mac was computed
 * under, the message and the mac; a hit needs the key to be the current audit
 * key of the keys asked about and the message and mac to be byte-equal, so
 * the mac is that key's HMAC of that message: the answer the verification
 * (which tries the current key first) would give. Anything else is verified
 * as before. */
typedef struct mac_memo {
  pthread_mutex_t mu;
  bool set;
  unsigned char key[SM3_LEN];
  char m[160];
  char mac[65];
} mac_memo;
static mac_memo head_memo = {PTHREAD_MUTEX_INITIALIZER}, anchor_memo = {PTHREAD_MUTEX_INITIALIZER};

static bool memo_hit(mac_memo *mm, const xkeys *k, const char *m, const char *mac) {
  xkeygen g = keys_cur(k);
  pthread_mutex_lock(&mm->mu);
  bool hit = mm->set && !memcmp(mm->key, g.audit, SM3_LEN) && !strcmp(mm->m, m) &&
             !strcmp(mm->mac, mac);
  pthread_mutex_unlock(&mm->mu);
  xwipe(&g, sizeof g);
  return hit;
}

static void memo_put(mac_memo *mm, const xkeygen *g, const char *m, const char *mac) {
  pthread_mutex_lock(&mm->mu);
  mm->set = strlen(m) < sizeof mm->m && strlen(mac) < sizeof mm->mac;
  memcpy(mm->key, g->audit, SM3_LEN);
  xstrlcpy(mm->m, m, sizeof mm->m);
  xstrlcpy(mm->mac, mac, sizeof mm->mac);
  pthread_mutex_unlock(&mm->mu);
}

/* The messages the head and anchor macs are computed over. */
static void head_msg(int64_t seq, const char *hash, int64_t anchored, char m[160]) {
  snprintf(m, 160, "audit-head|%" PRId64 "|%s|%" PRId64, seq, hash, anchored);
}

static void anchor_msg(int64_t seq, const char *hash, char m[128]) {
  snprintf(m, 128, "anchor|%" PRId64 "|%s", seq, hash);
}

static void head_mac_g(const xkeygen *g, int64_t seq, const char *hash, int64_t anchored,
                       char out[65]) {
  char m[160];
  head_msg(seq, hash, anchored, m);
  unsigned char h[SM3_LEN];
  hmac_sm3(g->audit, sizeof g->audit, m, strlen(m), h);
  hex_encode(h, SM3_LEN, out);
}

/* Under the current key. */
static void head_mac(const xkeys *k, int64_t seq, const char *hash, int64_t anchored,
                     char out[65]) {
  xkeygen g = keys_cur(k);
  head_mac_g(&g, seq, hash, anchored, out);
  char m[160];
  head_msg(seq, hash, anchored, m);
  memo_put(&head_memo, &g, m, out);
  xwipe(&g, sizeof g);
}

/* Under any key of the key file: during a rotation a server that has not yet
 * seen the new key may still move the head under the old one. */
static bool head_mac_ok_now(const xkeys *k, int64_t seq, const char *hash, int64_t anchored,
                            const char *mac) {
  xkeygen g = keys_cur(k);
  bool ok = false;
  for (unsigned kid = g.kid; kid >= 1 && !ok; kid--) {
    xkeygen o;
    if (!keys_find(k, kid, &o)) continue;
    char want[65];
    head_mac_g(&o, seq, hash, anchored, want);
    ok = ct_equal(want, mac, 64);
    xwipe(&o, sizeof o);
  }
  xwipe(&g, sizeof g);
  return ok;
}

static bool head_mac_ok(const xkeys *k, int64_t seq, const char *hash, int64_t anchored,
                        const char *mac) {
  if (!mac || strlen(mac) != 64) return false;
  char m[160];
  head_msg(seq, hash, anchored, m);
  if (memo_hit(&head_memo, k, m, mac)) return true;
  bool ok = head_mac_ok_now(k, seq, hash, anchored, mac);
  if (!ok && k->ring) {
    /* the head moved under a key another process (key rotate) has just added */
    const xkeyring *before = __atomic_load_n(&k->ring, __ATOMIC_ACQUIRE);
    keys_refresh((xkeys *)k);
    ok = __atomic_load_n(&k->ring, __ATOMIC_ACQUIRE) != before &&
         head_mac_ok_now(k, seq, hash, anchored, mac);
  }
  return ok;
}

int audit_append(store_tx *tx, const xkeys *k, const audit_entry *e, audit_head *head) {
  /* Moving the head first takes its row lock: appends serialize here, also
   * across servers sharing a database. */
  store_rows *r;
  /* then read it back in the same transaction (not RETURNING: SQLite builds
   * an ephemeral table for it, ~15k instructions of a durable write) */
  int rc = store_exec(tx, "UPDATE audit_head SET seq=seq+1 WHERE id=1", NULL, 0, NULL);
  if (rc == STORE_OK)
    rc = store_query(tx, "SELECT seq, hash, anchored, mac FROM audit_head WHERE id=1", NULL, 0, &r);
  if (rc) return rc;
  int s = store_next(r);
  int64_t seq = 0, anchored = 0;
  char prev[2 * SM3_LEN + 1] = "", mac[80] = "";
  if (s == 1) {
    seq = store_int(r, 0);
    xstrlcpy(prev, store_text(r, 1), sizeof prev);
    anchored = store_int(r, 2);
    xstrlcpy(mac, store_text(r, 3), sizeof mac);
  }
  store_rows_close(r);
  if (s < 0) return s;
  if (s != 1 || !head_mac_ok(k, seq - 1, prev, anchored, mac)) {
    /* never re-seal a head we cannot vouch for: that would launder tampering */
    fprintf(stderr, "xunji: 审计链头记录缺失或校验失败 (被篡改或未封存), 拒绝写入; "
                    "请运行 xunji audit verify\n");
    return STORE_ERR;
  }
  char at[TS_LEN], hash[2 * SM3_LEN + 1], nmac[65];
  ts_now(at);
  xkeygen g = keys_cur(k);
  entry_hash(&g, seq, at, e, prev, hash);
  sval p[] = {SV_I(seq),          SV_S(at),          SV_S(e->actor_id),  SV_S(e->actor_login),
              SV_S(e->role),      SV_S(e->action),   SV_S(e->object_kind), SV_S(e->object_id),
              SV_S(e->result),    SV_S(e->request_id), SV_S(e->ip),      SV_S(e->detail),
              SV_S(prev),         SV_S(hash),        g.kid == 1 ? SV_NUL : SV_I(g.kid)};
  xwipe(&g, sizeof g);
  rc = store_exec(tx,
                  "INSERT INTO audit(seq,at,actor_id,actor_login,role,action,object_kind,"
                  "object_id,result,request_id,ip,detail,prev_hash,hash,key_id) VALUES($1,$2,$3,"
                  "$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
                  p, 15, NULL);
  if (rc == STORE_OK) {
    head_mac(k, seq, hash, anchored, nmac);
    sval q[] = {SV_S(hash), SV_S(nmac)};
    rc = store_exec(tx, "UPDATE audit_head SET hash=$1, mac=$2 WHERE id=1", q, 2, NULL);
  }
  if (rc == STORE_OK && head) {
    head->seq = seq;
    memcpy(head->hash, hash, sizeof hash);
  }
  return rc;
}

static void anchor_mac_g(const xkeygen *g, int64_t seq, const char *hash, char out[65]) {
  char m[128];
  anchor_msg(seq, hash, m);
  unsigned char h[SM3_LEN];
  hmac_sm3(g->audit, sizeof g->audit, m, strlen(m), h);
  hex_encode(h, SM3_LEN, out);
}

static void anchor_mac(const xkeys *k, int64_t seq, const char *hash, char out[65]) {
  xkeygen g = keys_cur(k);
  anchor_mac_g(&g, seq, hash, out);
  char m[128];
  anchor_msg(seq, hash, m);
  memo_put(&anchor_memo, &g, m, out);
  xwipe(&g, sizeof g);
}

static bool anchor_mac_ok_now(const xkeys *k, int64_t seq, const char *hash, const char *mac) {
  xkeygen g = keys_cur(k);
  bool ok = false;
  for (unsigned kid = g.kid; kid >= 1 && !ok; kid--) {
    xkeygen o;
    if (!keys_find(k, kid, &o)) continue;
    char want[65];
    anchor_mac_g(&o, seq, hash, want);
    ok = ct_equal(want, mac, 64);
    xwipe(&o, sizeof o);
  }
  xwipe(&g, sizeof g);
  return ok;
}

static bool anchor_mac_ok(const xkeys *k, int64_t seq, const char *hash, const char *mac) {
  if (strlen(mac) != 64) return false;
  char m[128];
  anchor_msg(seq, hash, m);
  if (memo_hit(&anchor_memo, k, m, mac)) return true;
  bool ok = anchor_mac_ok_now(k, seq, hash, mac);
  if (!ok && k->ring) {
    /* written under a key another process (key rotate) has just added? */
    const xkeyring *before = __atomic_load_n(&k->ring, __ATOMIC_ACQUIRE);
    keys_refresh((xkeys *)k);
    ok = __atomic_load_n(&k->ring, __ATOMIC_ACQUIRE) != before &&
         anchor_mac_ok_now(k, seq, hash, mac);
  }
  return ok;
}

/* Reads the anchor; returns 1 if present and authentic, 0 if absent, -1 if forged. */
static int anchor_read(int fd, const xkeys *k, audit_head *h) {
  char line[256];
  ssize_t n = pread(fd, line, sizeof line - 1, 0);
  if (n <= 0) return 0;
  line[n] = '\0';
  char hash[80], mac[80];
  long long seq;
  if (sscanf(line, "%lld %70s %70s", &seq, hash, mac) != 3 || strlen(hash) != 64) return -1;
  if (!anchor_mac_ok(k, seq, hash, mac)) return -1;
  h->seq = seq;
  memcpy(h->hash, hash, 65);
  return 1;
}

/* Writes the anchor by temp file + fsync + rename + fsync of the directory:
 * a crash or an I/O error leaves the old anchor or the new one, never a
 * truncated file. 0 or -1. */
static int anchor_write(const char *path, const xkeys *k, const audit_head *head) {
  char mac[65], line[256], tmp[4200];
  anchor_mac(k, head->seq, head->hash, mac);
  int n = snprintf(line, sizeof line, "%" PRId64 " %s %s\n", head->seq, head->hash, mac);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path)) {
    unlink(tmp);
    return -1;
  }
  char dir[4200];
  xstrlcpy(dir, path, sizeof dir);
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else xstrlcpy(dir, ".", sizeof dir);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return 0;
}

static pthread_mutex_t anchor_mu = PTHREAD_MUTEX_INITIALIZER;

static void anchor_write_if_newer(const char *path, const xkeys *k, const audit_head *head) {
  pthread_mutex_lock(&anchor_mu);
  audit_head cur;
  int have = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    have = anchor_read(fd, k, &cur);
    close(fd);
  }
  /* another process (or thread) may have written a newer head already */
  if ((have <= 0 || cur.seq < head->seq) && anchor_write(path, k, head))
    fprintf(stderr, "xunji: 无法写入审计锚点文件 %s: %s\n", path, strerror(errno));
  pthread_mutex_unlock(&anchor_mu);
}

/* ---- the anchor in the database (issue 16, migration 026) ----
 * With several servers on one PostgreSQL, every server writes and checks the
 * same anchors: rows of audit_anchors (append-only), the head's seq and hash
 * under the anchor mac. Bit 2 of audit_head.anchored (under the head's mac)
 * records that one was written, so removing them all is caught; bit 1 is the
 * anchor file's. */
enum { ANCHORED_FILE = 1, ANCHORED_DB = 2 };
static store *db_anchor; /* set by audit_anchor_db */

void audit_anchor_db(store *s) { __atomic_store_n(&db_anchor, s, __ATOMIC_RELEASE); }

/* Inserts head as an anchor row inside tx unless a row at or past it is there:
 * 1 when the table then holds an anchor at or past head, 0 for an empty chain
 * (nothing to anchor), or a store code. */
static int db_anchor_insert(store_tx *tx, const xkeys *k, const audit_head *head) {
  if (head->seq <= 0) return 0;
  int64_t top = 0;
  int rc = store_query_int(tx, "SELECT coalesce(max(seq), 0) FROM audit_anchors", NULL, 0, &top);
  if (rc) return rc;
  if (top >= head->seq) return 1;
  char mac[65], at[TS_LEN], holder[300], host[256] = "";
  anchor_mac(k, head->seq, head->hash, mac);
  ts_now(at);
  gethostname(host, sizeof host - 1);
  snprintf(holder, sizeof holder, "%s:%ld", host, (long)getpid());
  sval p[] = {SV_I(head->seq), SV_S(head->hash), SV_S(mac), SV_S(at), SV_S(holder)};
  rc = store_exec(tx,
                  "INSERT INTO audit_anchors(seq,hash,mac,written_at,holder) VALUES($1,$2,$3,$4,$5) "
                  "ON CONFLICT (seq) DO NOTHING",
                  p, 5, NULL);
  return rc ? rc : 1;
}

static void db_anchor_write(const xkeys *k, const audit_head *head) {
  store *s = __atomic_load_n(&db_anchor, __ATOMIC_ACQUIRE);
  if (!s || head->seq <= 0) return;
  store_tx *tx;
  int rc = store_write(s, &tx);
  if (rc == STORE_OK) {
    rc = db_anchor_insert(tx, k, head);
    if (rc < 0) store_rollback(tx);
    else rc = store_commit(tx);
  }
  if (rc) fprintf(stderr, "xunji: 无法写入数据库中的审计锚点 (audit_anchors)\n");
}

/* The server's anchor writer: commits only post their head; one thread writes
 * the newest one, so a burst of commits costs one anchor write (two fsyncs and
 * a rename; on PostgreSQL a write transaction), not one each. Between two
 * writes it waits at least the interval (audit_anchor_interval_ms): under
 * steady writes the anchor then costs a few writes a second, not hundreds
 * (docs/performance.md: a third of the CPU of an audited POST went there).
 * The anchor may lag the head by that interval and one write, which verify
 * allows (it may never be ahead); a clean stop writes what is pending. */
static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
  bool running, stop, have, cv_ready;
  audit_head pending;
  const char *path;
  const xkeys *k;
  int64_t interval_ns;
  long writes;
} aw = {PTHREAD_MUTEX_INITIALIZER};

static int64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *anchor_writer(void *arg) {
  (void)arg;
  int64_t next = 0; /* monotonic time before which no write starts */
  pthread_mutex_lock(&aw.mu);
  while (!aw.stop || aw.have) {
    if (!aw.have) {
      pthread_cond_wait(&aw.cv, &aw.mu);
      continue;
    }
    int64_t now = mono_ns();
    if (!aw.stop && now < next) {
      struct timespec until = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
      pthread_cond_timedwait(&aw.cv, &aw.mu, &until); /* woken early by a note or stop */
      continue;
    }
    next = now + aw.interval_ns;
    audit_head h = aw.pending;
    aw.have = false;
    pthread_mutex_unlock(&aw.mu);
    if (aw.path && *aw.path) anchor_write_if_newer(aw.path, aw.k, &h);
    db_anchor_write(aw.k, &h);
    pthread_mutex_lock(&aw.mu);
    aw.writes++;
  }
  pthread_mutex_unlock(&aw.mu);
  return NULL;
}

void audit_anchor_start(const char *path, const xkeys *k, int interval_ms) {
  if ((!path || !*path) && !__atomic_load_n(&db_anchor, __ATOMIC_ACQUIRE)) return;
  if (aw.running) return;
  if (!aw.cv_ready) { /* timed waits on the monotonic clock: a clock step moves no deadline */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&aw.cv, &ca);
    pthread_condattr_destroy(&ca);
    aw.cv_ready = true;
  }
  aw.path = path;
  aw.k = k;
  aw.interval_ns = (int64_t)(interval_ms < 0 ? 0 : interval_ms) * 1000000;
  aw.stop = aw.have = false;
  aw.writes = 0;
  if (pthread_create(&aw.th, NULL, anchor_writer, NULL) == 0) aw.running = true;
}

long audit_anchor_writes(void) {
  pthread_mutex_lock(&aw.mu);
  long n = aw.writes;
  pthread_mutex_unlock(&aw.mu);
  return n;
}

void audit_anchor_stop(void) {
  if (!aw.running) return;
  pthread_mutex_lock(&aw.mu);
  aw.stop = true;
  pthread_cond_signal(&aw.cv);
  pthread_mutex_unlock(&aw.mu);
  pthread_join(aw.th, NULL); /* writes what is still pending */
  aw.running = false;
}

void audit_anchor_note(const char *path, const xkeys *k, const audit_head *head) {
  bool file = path && *path, db = __atomic_load_n(&db_anchor, __ATOMIC_ACQUIRE) != NULL;
  if ((!file && !db) || head->seq <= 0) return;
  pthread_mutex_lock(&aw.mu);
  if (aw.running && (file ? aw.path && !strcmp(path, aw.path) : !aw.path || !*aw.path)) {
    if (!aw.have || aw.pending.seq < head->seq) aw.pending = *head;
    if (!aw.have) pthread_cond_signal(&aw.cv); /* a writer waiting out the interval needs no wake-up per note */
    aw.have = true;
    pthread_mutex_unlock(&aw.mu);
    return;
  }
  pthread_mutex_unlock(&aw.mu);
  if (file) anchor_write_if_newer(path, k, head);
  db_anchor_write(k, head);
}

int audit_head_read(store *s, const xkeys *k, audit_head *out) {
  store_tx *tx;
  int rc = store_read(s, &tx);
  if (rc) return rc;
  json_t *h = store_query_one(tx, "SELECT seq, hash, anchored, mac FROM audit_head WHERE id=1",
                              NULL, 0, &rc);
  store_rollback(tx);
  if (!h) return rc ? rc : STORE_ERR;
  out->seq = json_integer_value(json_object_get(h, "seq"));
  xstrlcpy(out->hash, json_string_value(json_object_get(h, "hash")) ?: "", sizeof out->hash);
  int ok = head_mac_ok(k, out->seq, out->hash, json_integer_value(json_object_get(h, "anchored")),
                       json_string_value(json_object_get(h, "mac")));
  json_decref(h);
  return ok;
}

int audit_head_open(store *s, const xkeys *k, const char *anchor_path, int just_migrated) {
  store_tx *tx;
  int rc = store_write(s, &tx);
  if (rc) return rc;
  json_t *h = store_query_one(tx, "SELECT seq, hash, anchored, mac FROM audit_head WHERE id=1",
                              NULL, 0, &rc);
  if (!h) {
    store_rollback(tx);
    return rc ? rc : STORE_ERR;
  }
  int64_t seq = json_integer_value(json_object_get(h, "seq"));
  int64_t anchored = json_integer_value(json_object_get(h, "anchored"));
  audit_head head = {seq, ""};
  xstrlcpy(head.hash, json_string_value(json_object_get(h, "hash")) ?: "", sizeof head.hash);
  const char *mac = json_string_value(json_object_get(h, "mac"));
  int sealed = head_mac_ok(k, seq, head.hash, anchored, mac);
  int unsealed = mac && !*mac;
  json_decref(h);
  if (!sealed && !(unsealed && just_migrated)) {
    store_rollback(tx); /* tampered: left for `audit verify` to report */
    return 0;
  }
  int want_anchor = !(anchored & ANCHORED_FILE) && anchor_path && *anchor_path;
  if (want_anchor) {
    /* the file first, then the record that it exists */
    if (anchor_write(anchor_path, k, &head)) {
      fprintf(stderr, "xunji: 无法写入审计锚点文件 %s: %s\n", anchor_path, strerror(errno));
      want_anchor = 0;
    } else {
      anchored |= ANCHORED_FILE;
    }
  }
  /* the database's anchor (PostgreSQL): its first row in this transaction */
  if (__atomic_load_n(&db_anchor, __ATOMIC_ACQUIRE) == s && !(anchored & ANCHORED_DB)) {
    int d = db_anchor_insert(tx, k, &head); /* 0: an empty chain, nothing to anchor yet */
    if (d == 1) {
      anchored |= ANCHORED_DB;
      want_anchor = 1;
    } else if (d < 0) {
      fprintf(stderr, "xunji: 无法写入数据库中的审计锚点 (audit_anchors)\n");
    }
  }
  if (sealed && !want_anchor) {
    store_rollback(tx);
    return 0;
  }
  char nmac[65];
  head_mac(k, seq, head.hash, anchored, nmac);
  sval p[] = {SV_I(anchored), SV_S(nmac)};
  rc = store_exec(tx, "UPDATE audit_head SET anchored=$1, mac=$2 WHERE id=1", p, 2, NULL);
  if (rc) {
    store_rollback(tx);
    return rc;
  }
  return store_commit(tx);
}

int audit_verify(store *s, const xkeys *k, const char *anchor_path, char *msg, size_t msglen) {
  return audit_verify_ext(s, k, anchor_path, NULL, msg, msglen);
}

/* A point of the chain to confirm while walking it: the table must hold the
 * entry seq with exactly this hash. */
typedef struct checkpoint {
  int64_t seq;
  const char *hash;
  bool seen_ok;
} checkpoint;

static void checkpoint_see(checkpoint *c, int64_t seq, const char *hash) {
  if (c->seq == seq && hash && strcmp(c->hash, hash) == 0) c->seen_ok = true;
}

int audit_verify_ext(store *s, const xkeys *k, const char *anchor_path,
                     const audit_head *external, char *msg, size_t msglen) {
  /* 1. The anchor file, read before the database snapshot: anchors are
   *    written after commit, so on a live server the snapshot is never older. */
  enum { A_NONE, A_EMPTY, A_BAD, A_OK } astate = A_NONE;
  audit_head a = {0, ""};
  if (anchor_path && *anchor_path) {
    int fd = open(anchor_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
      snprintf(msg, msglen, "无法读取审计锚点文件 %s: %s", anchor_path, strerror(errno));
      return -1;
    }
    if (fd >= 0) {
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_size == 0) astate = A_EMPTY;
      else astate = anchor_read(fd, k, &a) > 0 ? A_OK : A_BAD;
      close(fd);
    }
  }
  checkpoint ca = {a.seq, a.hash, a.seq == 0 && !strcmp(a.hash, GENESIS)};
  checkpoint ce = {external ? external->seq : 0, external ? external->hash : GENESIS,
                   !external || (external->seq == 0 && !strcmp(external->hash, GENESIS))};

  /* 2. One snapshot: the head row and the whole chain. */
  store_tx *tx;
  int rc = store_read(s, &tx);
  if (rc) {
    snprintf(msg, msglen, "无法读取数据库");
    return -1;
  }
  json_t *hrow = store_query_one(tx, "SELECT seq, hash, anchored, mac FROM audit_head WHERE id=1",
                                 NULL, 0, &rc);
  if (!hrow) {
    store_rollback(tx);
    snprintf(msg, msglen, rc ? "无法读取审计链头记录 (audit_head)"
                             : "审计链头记录 (audit_head) 缺失: 被删除");
    return rc ? -1 : 1;
  }
  audit_head head = {json_integer_value(json_object_get(hrow, "seq")), ""};
  xstrlcpy(head.hash, json_string_value(json_object_get(hrow, "hash")) ?: "", sizeof head.hash);
  int64_t anchored = json_integer_value(json_object_get(hrow, "anchored"));
  bool head_ok = head_mac_ok(k, head.seq, head.hash, anchored,
                             json_string_value(json_object_get(hrow, "mac")));
  json_decref(hrow);
  /* the newest anchor held in the database (migration 026), same snapshot */
  audit_head da = {0, ""};
  bool da_have = false, da_ok = false;
  json_t *drow = store_query_one(tx, "SELECT seq, hash, mac FROM audit_anchors ORDER BY seq DESC LIMIT 1",
                                 NULL, 0, &rc);
  if (drow) {
    da_have = true;
    da.seq = json_integer_value(json_object_get(drow, "seq"));
    xstrlcpy(da.hash, json_string_value(json_object_get(drow, "hash")) ?: "", sizeof da.hash);
    const char *dm = json_string_value(json_object_get(drow, "mac"));
    da_ok = dm && strlen(da.hash) == 64 && anchor_mac_ok(k, da.seq, da.hash, dm);
    json_decref(drow);
  } else if (rc) {
    store_rollback(tx);
    snprintf(msg, msglen, "无法读取数据库中的审计锚点 (audit_anchors)");
    return -1;
  }
  checkpoint cd = {da.seq, da.hash, !da_have};

  store_rows *r;
  rc = store_query(tx,
                   "SELECT seq,at,actor_id,actor_login,role,action,object_kind,object_id,result,"
                   "request_id,ip,detail,prev_hash,hash,key_id FROM audit ORDER BY seq",
                   NULL, 0, &r);
  if (rc) {
    snprintf(msg, msglen, "查询审计表失败: %s", store_errmsg(tx));
    store_rollback(tx);
    return -1;
  }
  char prev[2 * SM3_LEN + 1];
  memcpy(prev, GENESIS, sizeof prev);
  int64_t want = 1, count = 0;
  int result = 0, st;
  while ((st = store_next(r)) == 1) {
    int64_t seq = store_int(r, 0);
#define COL(i) (store_isnull(r, i) ? NULL : store_text(r, i))
    /* copy the texts: they are only valid until the next column access of some drivers */
    char *f[14];
    for (int i = 1; i < 14; i++) f[i] = COL(i) ? xstrdup(COL(i)) : NULL;
#undef COL
    audit_entry e = {f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]};
    char h[2 * SM3_LEN + 1] = "";
    int64_t kid = store_isnull(r, 14) ? 1 : store_int(r, 14);
    xkeygen g;
    bool have_key = kid > 0 && kid < 1000000 && keys_find(k, (unsigned)kid, &g);
    if (have_key) entry_hash(&g, seq, f[1] ? f[1] : "", &e, prev, h);
    if (have_key) xwipe(&g, sizeof g);
    if (seq != want) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录缺失 (下一条为第 %" PRId64 " 条)",
               want, seq);
      result = 1;
    } else if (!f[12] || strcmp(f[12], prev) != 0) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录的前序哈希不符", seq);
      result = 1;
    } else if (!have_key) {
      snprintf(msg, msglen, "审计链无法核对: 第 %" PRId64 " 条记录所用的密钥 (编号 %lld) 不在密钥文件中",
               seq, (long long)kid);
      result = 1;
    } else if (!f[13] || strcmp(f[13], h) != 0) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录被篡改", seq);
      result = 1;
    }
    checkpoint_see(&ca, seq, f[13]);
    checkpoint_see(&ce, seq, f[13]);
    checkpoint_see(&cd, seq, f[13]);
    if (f[13]) xstrlcpy(prev, f[13], sizeof prev);
    for (int i = 1; i < 14; i++) free(f[i]);
    if (result) break;
    want++;
    count++;
  }
  store_rows_close(r);
  store_rollback(tx);
  if (st < 0) {
    snprintf(msg, msglen, "读取审计表失败");
    return -1;
  }
  if (result) return result;

  /* 3. The head: keyed, so it cannot be moved to a new value without the key. */
  if (!head_ok) {
    snprintf(msg, msglen, "审计链头记录 (audit_head) 被篡改或未经密钥封存");
    return 1;
  }
  if (head.seq > count) {
    snprintf(msg, msglen,
             "审计链断裂: 链头记录到第 %lld 条, 表中只有 %lld 条 (尾部或全部记录被删除)",
             (long long)head.seq, (long long)count);
    return 1;
  }
  if (head.seq < count) {
    snprintf(msg, msglen, "审计链断裂: 表中有 %lld 条, 链头只记录到第 %lld 条 (链头被回退)",
             (long long)count, (long long)head.seq);
    return 1;
  }
  if (strcmp(head.hash, prev) != 0) {
    snprintf(msg, msglen, "审计链断裂: 第 %lld 条记录与链头不符", (long long)head.seq);
    return 1;
  }

  /* 4. The anchor file: a copy of a recent head outside the database. */
  if (astate == A_NONE && (anchored & ANCHORED_FILE) && anchor_path && *anchor_path) {
    snprintf(msg, msglen, "审计锚点文件 %s 缺失 (数据库记录已写过锚点: 锚点被删除)", anchor_path);
    return 1;
  }
  if (astate == A_EMPTY) {
    snprintf(msg, msglen,
             "审计锚点文件 %s 为空 (0 字节), 无法核对: 多为写入时断电或存储 I/O 错误所致; "
             "审计表与链头 (第 %lld 条) 彼此一致。请用外部记录的链头核对 (audit verify --anchor "
             "序号:哈希); 下一次写入审计记录时锚点将被重写",
             anchor_path, (long long)head.seq);
    return 1;
  }
  if (astate == A_BAD) {
    snprintf(msg, msglen, "审计锚点文件 %s 已被篡改或损坏 (内容无法通过密钥校验)", anchor_path);
    return 1;
  }
  if (astate == A_OK && a.seq > head.seq) {
    snprintf(msg, msglen,
             "审计链断裂: 锚点记录到第 %lld 条, 审计表与链头只到第 %lld 条 (被回退到较早的状态)",
             (long long)a.seq, (long long)head.seq);
    return 1;
  }
  if (astate == A_OK && !ca.seen_ok) {
    snprintf(msg, msglen, "审计链断裂: 第 %lld 条记录与锚点不符", (long long)a.seq);
    return 1;
  }

  /* 4b. The anchor in the database (several servers on PostgreSQL). */
  if (!da_have && (anchored & ANCHORED_DB)) {
    snprintf(msg, msglen, "数据库中的审计锚点 (audit_anchors) 缺失 (链头记录已写过: 锚点被删除)");
    return 1;
  }
  if (da_have && !da_ok) {
    snprintf(msg, msglen, "数据库中的审计锚点 (第 %lld 条) 已被篡改 (无法通过密钥校验)", (long long)da.seq);
    return 1;
  }
  if (da_have && da.seq > head.seq) {
    snprintf(msg, msglen,
             "审计链断裂: 数据库锚点记录到第 %lld 条, 审计表与链头只到第 %lld 条 (被回退到较早的状态)",
             (long long)da.seq, (long long)head.seq);
    return 1;
  }
  if (da_have && !cd.seen_ok) {
    snprintf(msg, msglen, "审计链断裂: 第 %lld 条记录与数据库锚点不符", (long long)da.seq);
    return 1;
  }

  /* 5. A head recorded elsewhere (a printed receipt, another host). */
  if (external && external->seq > count) {
    snprintf(msg, msglen, "审计链断裂: 外部记录的链头为第 %lld 条, 表中只有 %lld 条",
             (long long)external->seq, (long long)count);
    return 1;
  }
  if (!ce.seen_ok) {
    snprintf(msg, msglen, "审计链断裂: 第 %lld 条记录与外部记录的哈希不符",
             (long long)external->seq);
    return 1;
  }
  snprintf(msg, msglen, "审计链完整: 共 %lld 条记录, 链头 %lld:%s", (long long)count,
           (long long)head.seq, head.hash);
  return 0;
}
