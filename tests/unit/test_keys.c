/*
 * test_keys.c — key rotation in the crypto layer (issue 18, 密评): key ids in
 * sealed values, a key file of several keys, a running process learning a
 * new key, the owner and mode check, the audit chain across a key change,
 * and the streamed opening used by restore.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec/audit.h"
#include "sec/crypto.h"
#include "t.h"

static void key_path(char *p, size_t n, const char *name) {
  snprintf(p, n, "%s/%s", t_tmpdir(), name);
  unlink(p);
}

TEST(rotated_key_seals_with_its_id_and_old_values_still_open) {
  char path[512], err[512];
  key_path(path, sizeof path, "rot.key");
  CHECK(keyfile_create(path, err, sizeof err) == 0);
  xkeys k;
  CHECK(keys_load(&k, path, err, sizeof err) == 0);
  CHECK(keys_cur(&k).kid == 1);
  unsigned char token1[SM3_LEN];
  memcpy(token1, k.token, SM3_LEN);
  char *v1 = field_seal(&k, "clue:1", "旧密钥下的举报内容");
  CHECK(strncmp(v1, "s1:", 3) == 0); /* key 1 keeps the old format */
  CHECK(field_kid(v1) == 1);
  char tag1[65];
  row_tag(&k, "grant|u|r", 9, tag1);

  unsigned kid = 0;
  CHECK(keyfile_add_key(path, k.ring, &kid, err, sizeof err) == 0);
  CHECK(kid == 2);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0400);
  keys_refresh(&k); /* what a running server does at its next request */
  CHECK(keys_cur(&k).kid == 2);
  char *v2 = field_seal(&k, "clue:1", "新密钥下的举报内容");
  CHECK(strncmp(v2, "s2:2:", 5) == 0);
  CHECK(field_kid(v2) == 2);
  char *p1 = field_open(&k, "clue:1", v1), *p2 = field_open(&k, "clue:1", v2);
  CHECK_STR(p1, "旧密钥下的举报内容");
  CHECK_STR(p2, "新密钥下的举报内容");
  free(p1);
  free(p2);
  /* relabelling a value with another key id breaks its tag */
  char *relabel = strdup(v2);
  relabel[3] = '1';
  CHECK(field_open(&k, "clue:1", relabel) == NULL);
  CHECK(field_open(&k, "clue:2", v2) == NULL);
  free(relabel);
  /* row tags: made under the new key, old ones still check until re-tagged */
  char tag2[65];
  row_tag(&k, "grant|u|r", 9, tag2);
  CHECK(strcmp(tag1, tag2) != 0);
  CHECK(row_tag_ok(&k, "grant|u|r", 9, tag1));
  CHECK(row_tag_ok(&k, "grant|u|r", 9, tag2));
  CHECK(!row_tag_ok(&k, "grant|u|R", 9, tag2));

  /* a fresh process: the last key seals, the first key still gives the token key */
  xkeys b;
  CHECK(keys_load(&b, path, err, sizeof err) == 0);
  CHECK(keys_cur(&b).kid == 2);
  CHECK(memcmp(b.token, token1, SM3_LEN) == 0);
  p1 = field_open(&b, "clue:1", v1);
  CHECK_STR(p1, "旧密钥下的举报内容");
  free(p1);
  /* without key 1 in the file, its values no longer open */
  xkeys only1;
  unsigned char m[MASTER_KEY_LEN] = {1};
  keys_derive(&only1, m);
  CHECK(field_open(&only1, "clue:1", v2) == NULL);
  free(v1);
  free(v2);
  keys_release(&k);
  keys_release(&b);
}

TEST(key_file_owner_and_mode_are_checked) {
  char path[512], err[512];
  key_path(path, sizeof path, "mode.key");
  CHECK(keyfile_create(path, err, sizeof err) == 0);
  xkeys k;
  CHECK(chmod(path, 0600) == 0);
  CHECK(keys_load(&k, path, err, sizeof err) == 0);
  keys_release(&k);
  CHECK(chmod(path, 0640) == 0);
  CHECK(keys_load(&k, path, err, sizeof err) != 0);
  CHECK(strstr(err, "权限") != NULL && strstr(err, "0640") != NULL);
  CHECK(chmod(path, 0400) == 0);
  if (geteuid() == 0) { /* only root can give a file away */
    CHECK(chown(path, 4242, (gid_t)-1) == 0);
    CHECK(keys_load(&k, path, err, sizeof err) != 0);
    CHECK(strstr(err, "属主") != NULL);
    CHECK(keyfile_check(path, err, sizeof err) != 0);
  }
  /* a malformed multi-key file is refused */
  key_path(path, sizeof path, "bad.key");
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
  const char *bad = "2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
                    "1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
  CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
  close(fd);
  CHECK(keys_load(&k, path, err, sizeof err) != 0); /* ids must ascend */
}

static int shell(const char *path, const char *sql) {
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) return -1;
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

static void append(store *s, const xkeys *k, const char *anchor, int n) {
  for (int i = 0; i < n; i++) {
    store_tx *tx;
    CHECK(store_write(s, &tx) == STORE_OK);
    audit_entry e = {"u1", "office", "inspection_office", "clue.handover", "clue", "c1", "ok",
                     "req-1", "127.0.0.1", "{\"n\":1}"};
    audit_head h;
    CHECK(audit_append(tx, k, &e, &h) == STORE_OK);
    CHECK(store_commit(tx) == STORE_OK);
    audit_anchor_note(anchor, k, &h);
  }
}

TEST(audit_chain_verifies_across_a_key_change) {
  char kp[512], db[512], anchor[600], err[512], msg[512];
  key_path(kp, sizeof kp, "chain.key");
  key_path(db, sizeof db, "chain.db");
  snprintf(anchor, sizeof anchor, "%s.anchor", db);
  unlink(anchor);
  CHECK(keyfile_create(kp, err, sizeof err) == 0);
  xkeys k;
  CHECK(keys_load(&k, kp, err, sizeof err) == 0);
  store *s = NULL;
  CHECK(store_open(&s, db, 4, err, sizeof err) == 0 && store_migrate(s, err, sizeof err) >= 0);
  if (!s) return;
  CHECK(audit_head_open(s, &k, anchor, 1) == STORE_OK);
  append(s, &k, anchor, 5);
  unsigned kid;
  CHECK(keyfile_add_key(kp, k.ring, &kid, err, sizeof err) == 0);
  keys_refresh(&k);
  append(s, &k, anchor, 5);
  CHECK(audit_verify(s, &k, anchor, msg, sizeof msg) == 0);
  CHECK(strstr(msg, "10") != NULL);
  /* entry 6, the first under key 2, chains entry 5's hash */
  store_tx *tx;
  CHECK(store_read(s, &tx) == STORE_OK);
  int64_t n = 0;
  CHECK(store_query_int(tx,
                        "SELECT count(*) FROM audit a JOIN audit b ON b.seq=a.seq+1 WHERE a.seq=5 "
                        "AND a.key_id IS NULL AND b.key_id=2 AND b.prev_hash=a.hash",
                        NULL, 0, &n) == 0);
  store_rollback(tx);
  CHECK(n == 1);
  /* only the new key (the old one destroyed): the old part no longer verifies */
  xkeys only_new;
  memset(&only_new, 0, sizeof only_new);
  only_new.ring = calloc(1, sizeof *only_new.ring);
  only_new.ring->n = 1;
  only_new.ring->g[0] = keys_cur(&k);
  CHECK(audit_verify(s, &only_new, anchor, msg, sizeof msg) == 1);
  free(only_new.ring);
  /* a key id changed behind xunji's back breaks the entry */
  CHECK(shell(db, "DROP TRIGGER audit_no_update; UPDATE audit SET key_id=NULL WHERE seq=8;") ==
        SQLITE_OK);
  CHECK(audit_verify(s, &k, anchor, msg, sizeof msg) == 1);
  CHECK(strstr(msg, "8") != NULL);
  store_close(s);
  keys_release(&k);
}

TEST(streamed_open_round_trip_and_tamper) {
  char kp[512], in[512], sealed[512], out[512], err[512];
  key_path(kp, sizeof kp, "blob.key");
  key_path(in, sizeof in, "blob.in");
  key_path(sealed, sizeof sealed, "blob.sm4");
  key_path(out, sizeof out, "blob.out");
  CHECK(keyfile_create(kp, err, sizeof err) == 0);
  xkeys k;
  CHECK(keys_load(&k, kp, err, sizeof err) == 0);
  size_t n = 150000;
  unsigned char *data = malloc(n);
  for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i * 13 + 1);
  int fi = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
  int fs = open(sealed, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(write(fi, data, n) == (ssize_t)n);
  CHECK(lseek(fi, 0, SEEK_SET) == 0);
  CHECK(blob_seal_fd(&k, "backup:x", fi, n, fs, NULL) == 0);
  /* sealed under key 1, opened after a rotation (blobs carry no key id) */
  unsigned kid;
  CHECK(keyfile_add_key(kp, k.ring, &kid, err, sizeof err) == 0);
  keys_refresh(&k);
  int fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(blob_open_fd(&k, "backup:x", fs, fo) == 0);
  unsigned char *back = malloc(n);
  CHECK(pread(fo, back, n, 0) == (ssize_t)n);
  CHECK(memcmp(back, data, n) == 0);
  close(fo);
  CHECK(blob_open_fd(&k, "backup:y", fs, -1) == 1); /* another context */
  unsigned char x;
  CHECK(pread(fs, &x, 1, 5000) == 1);
  x ^= 1;
  CHECK(pwrite(fs, &x, 1, 5000) == 1);
  fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(blob_open_fd(&k, "backup:x", fs, fo) == 1);
  struct stat st;
  CHECK(fstat(fo, &st) == 0 && st.st_size == 0); /* nothing written before the tag held */
  close(fo);
  close(fi);
  close(fs);
  unsigned char h[SM3_LEN], want[SM3_LEN];
  int64_t size = 0;
  fi = open(in, O_RDONLY);
  CHECK(sm3_fd(fi, h, &size) == 0 && size == (int64_t)n);
  sm3(data, n, want);
  CHECK(memcmp(h, want, SM3_LEN) == 0);
  close(fi);
  free(data);
  free(back);
  keys_release(&k);
}
