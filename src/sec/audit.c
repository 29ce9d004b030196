/*
 * audit.c — append and verify the HMAC-SM3 audit chain. See audit.h.
 */
#include "sec/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

static void entry_hash(const xkeys *k, int64_t seq, const char *at, const audit_entry *e,
                       const char *prev, char out[2 * SM3_LEN + 1]) {
  char s[24];
  snprintf(s, sizeof s, "%" PRId64, seq);
  const char *f[] = {s,         at,          e->actor_id,  e->actor_login, e->role,
                     e->action, e->object_kind, e->object_id, e->result,   e->request_id,
                     e->ip,     e->detail,    prev};
  /* sized to the fields, so the buffer cannot fill whatever the detail holds */
  size_t total = 0;
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) total += 4 + (f[i] ? strlen(f[i]) : 0);
  buf b;
  buf_init(&b, total);
  for (size_t i = 0; i < sizeof f / sizeof *f; i++) put_field(&b, f[i]);
  unsigned char h[SM3_LEN];
  hmac_sm3(k->audit, sizeof k->audit, b.p, b.len, h);
  hex_encode(h, SM3_LEN, out);
  buf_free(&b);
}

int audit_append(store_tx *tx, const xkeys *k, const audit_entry *e, audit_head *head) {
  store_rows *r;
  int rc = store_query(tx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", NULL, 0, &r);
  if (rc) return rc;
  int64_t seq = 1;
  char prev[2 * SM3_LEN + 1];
  memcpy(prev, GENESIS, sizeof prev);
  int s = store_next(r);
  if (s == 1) {
    seq = store_int(r, 0) + 1;
    xstrlcpy(prev, store_text(r, 1), sizeof prev);
  }
  store_rows_close(r);
  if (s < 0) return s;
  char at[TS_LEN], hash[2 * SM3_LEN + 1];
  ts_now(at);
  entry_hash(k, seq, at, e, prev, hash);
  sval p[] = {SV_I(seq),          SV_S(at),          SV_S(e->actor_id),  SV_S(e->actor_login),
              SV_S(e->role),      SV_S(e->action),   SV_S(e->object_kind), SV_S(e->object_id),
              SV_S(e->result),    SV_S(e->request_id), SV_S(e->ip),      SV_S(e->detail),
              SV_S(prev),         SV_S(hash)};
  rc = store_exec(tx,
                  "INSERT INTO audit(seq,at,actor_id,actor_login,role,action,object_kind,"
                  "object_id,result,request_id,ip,detail,prev_hash,hash) VALUES($1,$2,$3,$4,$5,"
                  "$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                  p, 14, NULL);
  if (rc == STORE_OK && head) {
    head->seq = seq;
    memcpy(head->hash, hash, sizeof hash);
  }
  return rc;
}

static void anchor_mac(const xkeys *k, int64_t seq, const char *hash, char out[65]) {
  char m[128];
  snprintf(m, sizeof m, "anchor|%" PRId64 "|%s", seq, hash);
  unsigned char h[SM3_LEN];
  hmac_sm3(k->audit, sizeof k->audit, m, strlen(m), h);
  hex_encode(h, SM3_LEN, out);
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
  char want[65];
  anchor_mac(k, seq, hash, want);
  if (!ct_equal(want, mac, 64) || strlen(mac) != 64) return -1;
  h->seq = seq;
  memcpy(h->hash, hash, 65);
  return 1;
}

void audit_anchor_note(const char *path, const xkeys *k, const audit_head *head) {
  if (!path || !*path || head->seq <= 0) return;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (flock(fd, LOCK_EX) == 0) {
    audit_head cur;
    int have = anchor_read(fd, k, &cur);
    if (have <= 0 || cur.seq < head->seq) {
      char mac[65], line[256];
      anchor_mac(k, head->seq, head->hash, mac);
      int n = snprintf(line, sizeof line, "%" PRId64 " %s %s\n", head->seq, head->hash, mac);
      if (pwrite(fd, line, (size_t)n, 0) == n) {
        if (ftruncate(fd, n) != 0) { /* a longer stale tail is ignored by sscanf */
        }
      }
    }
    flock(fd, LOCK_UN);
  }
  close(fd);
}

int audit_verify(store *s, const xkeys *k, const char *anchor_path, char *msg, size_t msglen) {
  store_tx *tx;
  int rc = store_read(s, &tx);
  if (rc) {
    snprintf(msg, msglen, "无法读取数据库");
    return -1;
  }
  store_rows *r;
  rc = store_query(tx,
                   "SELECT seq,at,actor_id,actor_login,role,action,object_kind,object_id,result,"
                   "request_id,ip,detail,prev_hash,hash FROM audit ORDER BY seq",
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
    char h[2 * SM3_LEN + 1];
    entry_hash(k, seq, f[1] ? f[1] : "", &e, prev, h);
    if (seq != want) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录缺失 (下一条为第 %" PRId64 " 条)",
               want, seq);
      result = 1;
    } else if (!f[12] || strcmp(f[12], prev) != 0) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录的前序哈希不符", seq);
      result = 1;
    } else if (!f[13] || strcmp(f[13], h) != 0) {
      snprintf(msg, msglen, "审计链断裂: 第 %" PRId64 " 条记录被篡改", seq);
      result = 1;
    }
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
  if (anchor_path && *anchor_path) {
    int fd = open(anchor_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      audit_head a;
      int have = anchor_read(fd, k, &a);
      close(fd);
      if (have < 0) {
        snprintf(msg, msglen, "审计锚点文件 %s 已被篡改", anchor_path);
        return 1;
      }
      if (have > 0 && a.seq > count) {
        snprintf(msg, msglen,
                 "审计链断裂: 锚点记录到第 %lld 条, 表中只有 %lld 条 (尾部记录被删除)",
                 (long long)a.seq, (long long)count);
        return 1;
      }
      if (have > 0 && a.seq <= count) {
        /* the anchored entry must still carry the anchored hash */
        store_tx *t2;
        if (store_read(s, &t2) == STORE_OK) {
          char *hv = NULL;
          sval p[] = {SV_I(a.seq)};
          store_query_text(t2, "SELECT hash FROM audit WHERE seq=$1", p, 1, &hv);
          store_rollback(t2);
          int bad = !hv || strcmp(hv, a.hash) != 0;
          free(hv);
          if (bad) {
            snprintf(msg, msglen, "审计链断裂: 第 %lld 条记录与锚点不符", (long long)a.seq);
            return 1;
          }
        }
      }
    } else if (errno != ENOENT) {
      snprintf(msg, msglen, "无法读取审计锚点文件 %s", anchor_path);
      return -1;
    }
  }
  snprintf(msg, msglen, "审计链完整: 共 %lld 条记录", (long long)count);
  return 0;
}
