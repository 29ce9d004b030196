/*
 * password.c — PBKDF2-HMAC-SM3 hashing and the password policy. See password.h.
 */
#include "sec/password.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec/crypto.h"
#include "store/faults.h"
#include "util/text.h"
#include "util/xmem.h"

/* Set once at start-up (app_open), before any thread hashes. */
static unsigned test_iter;
/* PBKDF2 verifications and their iterations since start (/metrics) */
static atomic_long n_verify, n_iter;

void pw_verify_counts(long *verifications, long *iterations) {
  *verifications = atomic_load_explicit(&n_verify, memory_order_relaxed);
  *iterations = atomic_load_explicit(&n_iter, memory_order_relaxed);
}

void pw_test_iterations(unsigned iter) { test_iter = iter; }

int pw_hash(const char *pw, unsigned iter, char out[PW_HASH_MAX]) {
  if (test_iter) iter = test_iter;
  unsigned char salt[16], dk[32];
  char sh[33], dh[65];
  out[0] = '\0';
  rand_bytes(salt, sizeof salt);
  /* fails only if OpenSSL itself fails (no SM3, no memory, an iteration count
   * it refuses): the caller answers 500 with the request id, the process goes on
   * (the fault build fails the k-th call on XUNJI_FAULT=kdf:k:io) */
  if (fault_hit(FAULT_KDF) || pbkdf2_sm3(pw, strlen(pw), salt, sizeof salt, iter, dk, sizeof dk)) {
    xwipe(dk, sizeof dk);
    fputs("xunji: 密码哈希计算失败 (PBKDF2-HMAC-SM3)\n", stderr);
    return -1;
  }
  hex_encode(salt, sizeof salt, sh);
  hex_encode(dk, sizeof dk, dh);
  snprintf(out, PW_HASH_MAX, "pbkdf2-sm3$%u$%s$%s", iter, sh, dh);
  xwipe(dk, sizeof dk);
  return 0;
}

unsigned pw_iterations(const char *stored) {
  if (strncmp(stored, "pbkdf2-sm3$", 11) != 0) return 0;
  char *end;
  unsigned long it = strtoul(stored + 11, &end, 10);
  if (*end != '$' || it < 1000 || it > 10000000) return 0;
  return (unsigned)it;
}

bool pw_verify(const char *pw, const char *stored) {
  unsigned iter = pw_iterations(stored);
  if (!iter) return false;
  const char *p = strchr(stored + 11, '$');
  if (!p || strlen(p) != 1 + 32 + 1 + 64 || p[33] != '$') return false;
  char sh[33];
  memcpy(sh, p + 1, 32);
  sh[32] = '\0';
  unsigned char salt[16], want[32], got[32];
  if (hex_decode(sh, salt, sizeof salt) || hex_decode(p + 34, want, sizeof want)) return false;
  if (pbkdf2_sm3(pw, strlen(pw), salt, sizeof salt, iter, got, sizeof got)) return false;
  atomic_fetch_add_explicit(&n_verify, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&n_iter, (long)iter, memory_order_relaxed);
  bool ok = ct_equal(got, want, sizeof got);
  xwipe(got, sizeof got);
  return ok;
}

/* Case-insensitive ASCII substring search. */
static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  if (n == 0) return false;
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] &&
           tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n) return true;
  }
  return false;
}

const char *pw_policy(const char *pw, const char *login) {
  size_t len = strlen(pw);
  if (!utf8_valid(pw, len)) return "密码含有无效字符";
  size_t chars = utf8_len(pw);
  if (chars < PW_MIN_LEN) return "密码长度不得少于12位";
  if (len > PW_MAX_LEN) return "密码长度不得超过128字节";
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (const char *c = pw; *c; c++) {
    unsigned char u = (unsigned char)*c;
    if (u >= 'a' && u <= 'z') lower = 1;
    else if (u >= 'A' && u <= 'Z') upper = 1;
    else if (u >= '0' && u <= '9') digit = 1;
    else other = 1;
  }
  if (lower + upper + digit + other < 3) return "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类";
  if (login && contains_ci(pw, login)) return "密码不得包含登录名";
  return NULL;
}

void pw_generate(char out[17]) {
  /* No look-alike characters (0/O, 1/l/I). */
  static const char lower[] = "abcdefghijkmnpqrstuvwxyz";
  static const char upper[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  static const char digit[] = "23456789";
  static const char sym[] = "#%+=@";
  const char *sets[4] = {lower, upper, digit, sym};
  size_t lens[4] = {sizeof lower - 1, sizeof upper - 1, sizeof digit - 1, sizeof sym - 1};
  unsigned char r[32];
  rand_bytes(r, sizeof r);
  for (int i = 0; i < 16; i++) {
    int s = i < 4 ? i : (i % 3 == 0 ? 2 : (i % 2 ? 0 : 1));
    out[i] = sets[s][r[i] % lens[s]];
  }
  /* Shuffle so the classes are not in fixed places. */
  for (int i = 15; i > 0; i--) {
    int j = r[16 + i] % (i + 1);
    char t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  out[16] = '\0';
  xwipe(r, sizeof r);
}
