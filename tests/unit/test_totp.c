/*
 * test_totp.c — HOTP (RFC 4226 Appendix D) and TOTP (RFC 6238 Appendix B)
 * known answers for SHA-1, SHA-256 and SHA-512, the +-1 step window, replay
 * refusal (a step used once is never accepted again) and base32.
 */
#include <stdio.h>
#include <string.h>

#include "sec/totp.h"
#include "t.h"

static const char seed1[] = "12345678901234567890";
static const char seed256[] = "12345678901234567890123456789012";
static const char seed512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

TEST(hotp_rfc4226_appendix_d) {
  static const long want[] = {755224, 287082, 359152, 969429, 338314,
                              254676, 287922, 162583, 399871, 520489};
  for (int i = 0; i < 10; i++)
    CHECK_INT(hotp(TOTP_SHA1, (const unsigned char *)seed1, 20, (uint64_t)i, 6), want[i]);
  CHECK_INT(hotp(TOTP_SHA1, (const unsigned char *)seed1, 20, 0, 5), -1);
  CHECK_INT(hotp(TOTP_SHA1, (const unsigned char *)seed1, 20, 0, 9), -1);
}

TEST(totp_rfc6238_appendix_b) {
  static const struct {
    int64_t t;
    long sha1, sha256, sha512;
  } v[] = {
      {59, 94287082, 46119246, 90693936},
      {1111111109, 7081804, 68084774, 25091201},
      {1111111111, 14050471, 67062674, 99943326},
      {1234567890, 89005924, 91819424, 93441116},
      {2000000000, 69279037, 90698825, 38618901},
      {20000000000LL, 65353130, 77737706, 47863826},
  };
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    uint64_t step = (uint64_t)totp_step(v[i].t, 30);
    CHECK_INT(hotp(TOTP_SHA1, (const unsigned char *)seed1, 20, step, 8), v[i].sha1);
    CHECK_INT(hotp(TOTP_SHA256, (const unsigned char *)seed256, 32, step, 8), v[i].sha256);
    CHECK_INT(hotp(TOTP_SHA512, (const unsigned char *)seed512, 64, step, 8), v[i].sha512);
  }
  /* the same through totp_check, as text with leading zeros */
  CHECK_INT(totp_check(TOTP_SHA1, (const unsigned char *)seed1, 20, "07081804", 1111111109, 30, 8,
                       1, -1),
            1111111109 / 30);
  CHECK_INT(totp_check(TOTP_SHA512, (const unsigned char *)seed512, 64, "47863826",
                       20000000000LL, 30, 8, 0, -1),
            20000000000LL / 30);
}

TEST(totp_window_and_replay) {
  const unsigned char *k = (const unsigned char *)seed1;
  int64_t now = 1234567890, step = now / 30;
  char prev[8], cur[8], next[8], far[8];
  snprintf(prev, sizeof prev, "%06ld", hotp(TOTP_SHA1, k, 20, (uint64_t)(step - 1), 6));
  snprintf(cur, sizeof cur, "%06ld", hotp(TOTP_SHA1, k, 20, (uint64_t)step, 6));
  snprintf(next, sizeof next, "%06ld", hotp(TOTP_SHA1, k, 20, (uint64_t)(step + 1), 6));
  snprintf(far, sizeof far, "%06ld", hotp(TOTP_SHA1, k, 20, (uint64_t)(step + 2), 6));
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, cur, now, 30, 6, 1, -1), step);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, prev, now, 30, 6, 1, -1), step - 1);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, next, now, 30, 6, 1, -1), step + 1);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, far, now, 30, 6, 1, -1), -1); /* outside +-1 */
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, prev, now, 30, 6, 0, -1), -1); /* window 0 */
  /* replay: the step was used, so the same code (and any older one) is refused */
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, cur, now, 30, 6, 1, step), -2);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, prev, now, 30, 6, 1, step), -2);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, next, now, 30, 6, 1, step), step + 1);
  /* malformed */
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, "12345", now, 30, 6, 1, -1), -3);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, "12a456", now, 30, 6, 1, -1), -3);
  CHECK_INT(totp_check(TOTP_SHA1, k, 20, NULL, now, 30, 6, 1, -1), -3);
  /* SM3 works and differs from SHA-1 */
  long s = hotp(TOTP_SM3, k, 20, (uint64_t)step, 6);
  CHECK(s >= 0 && s < 1000000);
  CHECK_INT(totp_alg_lookup("SHA256"), TOTP_SHA256);
  CHECK_INT(totp_alg_lookup("md5"), -1);
  CHECK_STR(totp_alg_uri_name(TOTP_SHA1), "SHA1");
}

TEST(base32_rfc4648) {
  char out[64];
  CHECK_INT(b32_encode((const unsigned char *)"foobar", 6, out, sizeof out), 10);
  CHECK_STR(out, "MZXW6YTBOI");
  CHECK_INT(b32_encode((const unsigned char *)"f", 1, out, sizeof out), 2);
  CHECK_STR(out, "MY");
  CHECK_INT(b32_encode((const unsigned char *)seed1, 20, out, 10), -1);
  CHECK_INT(b32_encode((const unsigned char *)seed1, 20, out, sizeof out), 32);
  CHECK_STR(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  unsigned char back[32];
  CHECK_INT(b32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", back, sizeof back), 20);
  CHECK(memcmp(back, seed1, 20) == 0);
  CHECK_INT(b32_decode("MZXW6YTBOI======", back, sizeof back), 6);
  CHECK(memcmp(back, "foobar", 6) == 0);
  CHECK_INT(b32_decode("MZ1W", back, sizeof back), -1);
  CHECK_INT(b32_decode("MZXW6YTBOI", back, 3), -1);
}
