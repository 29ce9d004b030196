/*
 * test_sec.c — unit tests of the cryptography (known answers for SM3 and
 * SM4, field sealing and its tamper detection), the password scheme and
 * policy, and the audit chain against a real SQLite file.
 */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sec/audit.h"
#include "sec/crypto.h"
#include "sec/login_guard.h"
#include "sec/password.h"
#include "t.h"
#include "util/text.h"

static void fixed_keys(xkeys *k) {
  unsigned char m[MASTER_KEY_LEN];
  for (int i = 0; i < MASTER_KEY_LEN; i++) m[i] = (unsigned char)i;
  keys_derive(k, m);
}

TEST(sm3_known_answer) {
  unsigned char h[SM3_LEN];
  char hex[65];
  sm3("abc", 3, h);
  hex_encode(h, SM3_LEN, hex);
  CHECK_STR(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(sm4_known_answer_gbt32907) {
  unsigned char key[16], out[32];
  CHECK(hex_decode("0123456789abcdeffedcba9876543210", key, 16) == 0);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int l = 0;
  CHECK(EVP_EncryptInit_ex(c, EVP_sm4_ecb(), NULL, key, NULL) == 1);
  EVP_CIPHER_CTX_set_padding(c, 0);
  CHECK(EVP_EncryptUpdate(c, out, &l, key, 16) == 1);
  EVP_CIPHER_CTX_free(c);
  char hex[33];
  hex_encode(out, 16, hex);
  CHECK_STR(hex, "681edf34d206965e86b3e94f536e4246");
}

TEST(hmac_and_hkdf_depend_on_key_and_info) {
  unsigned char a[SM3_LEN], b[SM3_LEN], c[SM3_LEN];
  hmac_sm3((const unsigned char *)"k1", 2, "msg", 3, a);
  hmac_sm3((const unsigned char *)"k1", 2, "msg", 3, b);
  hmac_sm3((const unsigned char *)"k2", 2, "msg", 3, c);
  CHECK(memcmp(a, b, SM3_LEN) == 0);
  CHECK(memcmp(a, c, SM3_LEN) != 0);
  /* the value itself (OpenSSL's `openssl dgst -sm3 -hmac k1`): the context
   * template of hmac_sm3 computes the same HMAC-SM3 as EVP_Q_mac did */
  char hex[2 * SM3_LEN + 1];
  hex_encode(a, SM3_LEN, hex);
  CHECK_STR(hex, "ac3a2853e016dc2561d2c37805b0d0e9375e1edd139c2a868ea71adb2769e651");
  unsigned char longkey[100], d[SM3_LEN]; /* a key longer than the block is hashed first */
  memset(longkey, 0xaa, sizeof longkey);
  hmac_sm3(longkey, sizeof longkey, "msg", 3, d);
  hex_encode(d, SM3_LEN, hex);
  CHECK_STR(hex, "e1f1a3b1de2359a67c80bf11bc15aa85519c9c3b0e86c5697761986d66435eed");
  xkeys k;
  fixed_keys(&k);
  CHECK(memcmp(k.audit, k.field_mac, SM3_LEN) != 0);
  CHECK(memcmp(k.row_mac, k.token, SM3_LEN) != 0);
}

/* hmac_sm3 keeps keyed states per key (crypto.c): every key length up to a
 * block and past it, and more keys than the cache has slots, give OpenSSL's
 * own HMAC-SM3, on the first call and on a cached one. */
TEST(hmac_sm3_cached_keys_agree_with_openssl) {
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 80; i++) {
      unsigned char key[80], want[SM3_LEN], got[SM3_LEN];
      size_t klen = (size_t)(i % 70) + 1; /* 1..70 bytes: the 64-byte block and beyond */
      for (size_t j = 0; j < klen; j++) key[j] = (unsigned char)(i * 31 + (int)j * 7 + 1);
      char msg[200];
      int n = snprintf(msg, sizeof msg, "message %d of round %d", i, round);
      size_t wl = 0;
      CHECK(EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key, klen, (const unsigned char *)msg, (size_t)n, want,
                      sizeof want, &wl) != NULL && wl == SM3_LEN);
      hmac_sm3(key, klen, msg, (size_t)n, got);
      CHECK(memcmp(want, got, SM3_LEN) == 0);
    }
}

TEST(field_seal_round_trip_and_tamper) {
  xkeys k;
  fixed_keys(&k);
  const char *plain = "反映该单位会计公款私存, 金额约46万元";
  char *s1 = field_seal(&k, "clue:1", plain);
  char *s2 = field_seal(&k, "clue:1", plain);
  CHECK(strcmp(s1, s2) != 0); /* random IV */
  CHECK(strstr(s1, "s1:") == s1);
  char *p = field_open(&k, "clue:1", s1);
  CHECK_STR(p, plain);
  free(p);
  CHECK(field_open(&k, "clue:2", s1) == NULL); /* moved to another record */
  size_t n = strlen(s1);
  for (size_t i = 3; i < n; i += 7) { /* flip a hex digit in iv, ciphertext and tag */
    char *t = strdup(s1);
    t[i] = t[i] == '0' ? '1' : '0';
    char *q = field_open(&k, "clue:1", t);
    CHECK(q == NULL);
    free(q);
    free(t);
  }
  s1[n - 2] = '\0';
  CHECK(field_open(&k, "clue:1", s1) == NULL);
  CHECK(field_open(&k, "clue:1", "x1:00") == NULL);
  char *e = field_seal(&k, "c", "");
  p = field_open(&k, "c", e);
  CHECK_STR(p, "");
  free(p);
  free(e);
  free(s1);
  free(s2);
}

TEST(key_file_create_load_and_permissions) {
  char path[512];
  snprintf(path, sizeof path, "%s/k.key", t_tmpdir());
  char err[256];
  CHECK(keyfile_create(path, err, sizeof err) == 0);
  CHECK(keyfile_create(path, err, sizeof err) != 0); /* never overwritten */
  xkeys a, b;
  CHECK(keys_load(&a, path, err, sizeof err) == 0);
  CHECK(keys_load(&b, path, err, sizeof err) == 0);
  CHECK(memcmp(a.audit, b.audit, SM3_LEN) == 0 && memcmp(a.field_enc, b.field_enc, SM4_KEY_LEN) == 0 &&
        memcmp(a.field_mac, b.field_mac, SM3_LEN) == 0 && memcmp(a.row_mac, b.row_mac, SM3_LEN) == 0 &&
        memcmp(a.token, b.token, SM3_LEN) == 0);
  keys_release(&a);
  keys_release(&b);
  chmod(path, 0644);
  CHECK(keys_load(&a, path, err, sizeof err) != 0);
  CHECK(strstr(err, "权限") != NULL);
  CHECK(keys_load(&a, "/nonexistent/k", err, sizeof err) != 0);
}

TEST(password_hash_verify_and_format) {
  char h[PW_HASH_MAX];
  CHECK(pw_hash("Patrol#Strong-2026", 100000, h) == 0);
  CHECK(strncmp(h, "pbkdf2-sm3$100000$", 18) == 0);
  CHECK(pw_verify("Patrol#Strong-2026", h));
  CHECK(!pw_verify("Patrol#Strong-2027", h));
  CHECK(pw_iterations(h) == 100000);
  CHECK(!pw_verify("x", ""));
  CHECK(!pw_verify("x", "md5$1$ab$cd"));
  CHECK(!pw_verify("x", "pbkdf2-sm3$100000$zz$yy"));
  CHECK(pw_iterations("pbkdf2-sm3$12$") == 0);
}

/* The test-mode work factor (test_pbkdf2_iterations) changes only new hashes:
 * a hash records its count, so one made with it verifies once it is gone. */
TEST(password_test_iterations_change_only_new_hashes) {
  char lo[PW_HASH_MAX], hi[PW_HASH_MAX];
  pw_test_iterations(1000);
  CHECK(pw_hash("Patrol#Strong-2026", 100000, lo) == 0);
  pw_test_iterations(0);
  CHECK(strncmp(lo, "pbkdf2-sm3$1000$", 16) == 0 && pw_iterations(lo) == 1000);
  CHECK(pw_verify("Patrol#Strong-2026", lo));
  CHECK(!pw_verify("Patrol#Strong-2027", lo));
  CHECK(pw_hash("Patrol#Strong-2026", 100000, hi) == 0);
  CHECK(pw_iterations(hi) == 100000 && pw_verify("Patrol#Strong-2026", hi));
}

/* OpenSSL refuses an iteration count of 0: pw_hash answers -1 and an empty
 * hash (it called abort() before: a failed PBKDF2 must be a 500, not a crash). */
TEST(password_hash_failure_is_an_error_not_an_abort) {
  char h[PW_HASH_MAX];
  memset(h, 'x', sizeof h);
  CHECK(pw_hash("Patrol#Strong-2026", 0, h) == -1);
  CHECK(h[0] == '\0');
  CHECK(!pw_verify("Patrol#Strong-2026", h));
}

TEST(password_policy) {
  CHECK(pw_policy("Short#1a", "u") != NULL);
  CHECK(pw_policy("alllowercaseletters", "u") != NULL);
  CHECK(pw_policy("Member1#Strong-2026", "member1") != NULL); /* contains the login, any case */
  CHECK(pw_policy("Patrol#Strong-2026", "member1") == NULL);
  CHECK(pw_policy("巡察巡察巡察巡察巡察1A", "u") == NULL); /* 12 code points, 3 classes */
  CHECK(pw_policy("巡察巡察巡察1A", "u") != NULL);       /* 8 code points */
  CHECK(pw_policy("Bad\xff" "Password#123", "u") != NULL);
  for (int i = 0; i < 200; i++) {
    char g[17], g2[17];
    pw_generate(g);
    pw_generate(g2);
    CHECK(strlen(g) == 16);
    CHECK(pw_policy(g, "office") == NULL);
    CHECK(strcmp(g, g2) != 0);
  }
}

/* ---- audit chain on a real database -------------------------------------- */
static store *open_db(const char *name, char *path, size_t n) {
  snprintf(path, n, "%s/%s", t_tmpdir(), name);
  store *s = NULL;
  char err[256];
  if (store_open(&s, path, 4, err, sizeof err) || store_migrate(s, err, sizeof err) < 0) {
    fprintf(stderr, "open %s: %s\n", path, err);
    return NULL;
  }
  return s;
}

static void append_n(store *s, const xkeys *k, const char *anchor, int n) {
  /* what app_open does after applying migration 008: seal the head */
  CHECK(audit_head_open(s, k, anchor, 1) == STORE_OK);
  for (int i = 0; i < n; i++) {
    store_tx *tx;
    CHECK(store_write(s, &tx) == STORE_OK);
    char id[16];
    snprintf(id, sizeof id, "o%d", i);
    audit_entry e = {"u1", "office", "inspection_office", "clue.handover", "clue", id, "ok",
                     "req-1", "127.0.0.1", "{\"n\":1}"};
    audit_head h;
    CHECK(audit_append(tx, k, &e, &h) == STORE_OK);
    CHECK(store_commit(tx) == STORE_OK);
    audit_anchor_note(anchor, k, &h);
  }
}

static int shell(const char *path, const char *sql) {
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) return -1;
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

TEST(audit_chain_detects_edits_and_deletions) {
  xkeys k;
  fixed_keys(&k);
  const char *cases[] = {
      "DROP TRIGGER audit_no_update; UPDATE audit SET actor_login='x' WHERE seq=7;",
      "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq=7;",
      "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq=20;",
      "DROP TRIGGER audit_no_update; UPDATE audit SET detail='{}' WHERE seq=20;",
      NULL};
  for (int c = -1; cases[c < 0 ? 0 : c] || c < 0; c++) {
    char path[512], anchor[600], name[16], msg[256];
    snprintf(name, sizeof name, "a%d.db", c + 1);
    store *s = open_db(name, path, sizeof path);
    CHECK(s != NULL);
    if (!s) return;
    snprintf(anchor, sizeof anchor, "%s.anchor", path);
    append_n(s, &k, anchor, 20);
    if (c < 0) {
      CHECK(audit_verify(s, &k, anchor, msg, sizeof msg) == 0);
      CHECK(strstr(msg, "20") != NULL);
      /* the triggers refuse ordinary edits through the store */
      store_tx *tx;
      CHECK(store_write(s, &tx) == STORE_OK);
      CHECK(store_exec(tx, "UPDATE audit SET ip='x' WHERE seq=1", NULL, 0, NULL) != STORE_OK);
      CHECK(store_exec(tx, "DELETE FROM audit WHERE seq=1", NULL, 0, NULL) != STORE_OK);
      store_rollback(tx);
    } else {
      CHECK(shell(path, cases[c]) == SQLITE_OK);
      CHECK(audit_verify(s, &k, anchor, msg, sizeof msg) == 1);
      CHECK(strstr(msg, c < 2 ? "7" : "20") != NULL);
    }
    store_close(s);
    if (c >= 0 && !cases[c + 1]) break;
  }
}

TEST(audit_chain_needs_the_key) {
  xkeys k, other;
  fixed_keys(&k);
  fixed_keys(&other);
  other.audit[0] ^= 1;
  char path[512], msg[256];
  store *s = open_db("key.db", path, sizeof path);
  if (!s) return;
  append_n(s, &k, NULL, 3);
  CHECK(audit_verify(s, &k, NULL, msg, sizeof msg) == 0);
  CHECK(audit_verify(s, &other, NULL, msg, sizeof msg) == 1);
  store_close(s);
}

/* ---- issue 11 item 10: per-source sign-in limits (sec/login_guard.c) ---- */
static unsigned fnv1024(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h % 1024;
}

TEST(login_guard_keys_sources_exactly) {
  login_guard_clear();
  lg_rules ru = {1000, 3, 3600, 900};
  /* two addresses that shared a slot of the old 1,024-slot hash */
  char a[32] = "10.0.0.1", b[32] = "";
  for (int i = 2; i < 100000 && !*b; i++) {
    char c[32];
    snprintf(c, sizeof c, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
    if (fnv1024(c) == fnv1024(a)) snprintf(b, sizeof b, "%s", c);
  }
  CHECK(*b);
  int64_t t = 1000000000;
  for (int i = 0; i < 3; i++) CHECK_INT(login_guard_begin(a, t, &ru), 0);
  for (int i = 0; i < 2; i++) CHECK_INT(login_guard_begin(b, t, &ru), 0);
  CHECK_INT(login_guard_failures(a, t, &ru), 3);
  CHECK_INT(login_guard_failures(b, t, &ru), 2);
  /* a's 4th failure sets a 1 s delay; b is not affected */
  CHECK_INT(login_guard_begin(a, t, &ru), 0);
  CHECK_INT(login_guard_begin(a, t, &ru), 1);
  CHECK_INT(login_guard_begin(b, t, &ru), 0);
  login_guard_clear();
}

TEST(login_guard_delay_grows_decays_and_success_takes_back) {
  login_guard_clear();
  lg_rules ru = {1000, 2, 8, 900};
  int64_t t = 2000000000;
  const char *s = "192.0.2.7";
  CHECK_INT(login_guard_begin(s, t, &ru), 0);
  CHECK_INT(login_guard_begin(s, t, &ru), 0);
  long want[] = {1, 2, 4, 8, 8};
  for (int i = 0; i < 5; i++) {
    CHECK_INT(login_guard_begin(s, t, &ru), 0); /* may try: counted, delay set */
    CHECK_INT(login_guard_begin(s, t, &ru), want[i]);
    t += want[i] * 1000;
  }
  CHECK_INT(login_guard_failures(s, t, &ru), 7);
  /* a success takes its own attempt back */
  CHECK_INT(login_guard_begin(s, t, &ru), 0);
  login_guard_success(s, t, &ru);
  CHECK_INT(login_guard_failures(s, t, &ru), 7);
  /* one failure forgotten per 900 s without failures */
  CHECK_INT(login_guard_failures(s, t + 1800000, &ru), 5);
  CHECK_INT(login_guard_failures(s, t + 100000000, &ru), 0);
  /* the per-minute cap */
  lg_rules pm = {3, 1000, 8, 900};
  login_guard_clear();
  t = 60000 * 100000LL;
  for (int i = 0; i < 3; i++) CHECK_INT(login_guard_begin(s, t, &pm), 0);
  CHECK_INT(login_guard_begin(s, t + 10000, &pm), 50);
  CHECK_INT(login_guard_begin(s, t + 60000, &pm), 0);
  /* a burst across the clock's minute boundary gets no second allowance
   * (the CI failure of 2026-12-02: five attempts straddling hh:mm:59) */
  login_guard_clear();
  t = 60000 * 200000LL + 59000;
  for (int i = 0; i < 3; i++) CHECK_INT(login_guard_begin(s, t + i * 400, &pm), 0);
  CHECK_INT(login_guard_begin(s, t + 2000, &pm), 58);
  CHECK_INT(login_guard_begin(s, t + 60000, &pm), 0);
  login_guard_clear();
}

TEST(login_guard_memory_is_bounded_and_delayed_sources_survive) {
  login_guard_clear();
  lg_rules ru = {1000, 1, 3600, 900};
  int64_t t = 3000000000;
  CHECK_INT(login_guard_begin("198.51.100.1", t, &ru), 0);
  CHECK_INT(login_guard_begin("198.51.100.1", t, &ru), 0); /* now delayed */
  char k[32];
  for (int i = 0; i < LG_SLOTS + 500; i++) {
    snprintf(k, sizeof k, "2001:db8::%x", i);
    login_guard_begin(k, t, &ru);
    login_guard_success(k, t, &ru);
  }
  CHECK_INT(login_guard_size(), LG_SLOTS);
  CHECK(login_guard_begin("198.51.100.1", t, &ru) > 0);
  login_guard_clear();
}
