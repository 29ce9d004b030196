/*
 * totp.c — HOTP/TOTP (RFC 4226, RFC 6238) and base32. See totp.h.
 */
#include "sec/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <strings.h>

static const struct {
  const char *name, *uri;
} algs[TOTP__MAX] = {
    [TOTP_SHA1] = {"sha1", "SHA1"},
    [TOTP_SHA256] = {"sha256", "SHA256"},
    [TOTP_SHA512] = {"sha512", "SHA512"},
    [TOTP_SM3] = {"sm3", "SM3"},
};

int totp_alg_lookup(const char *name) {
  for (int i = 0; i < TOTP__MAX; i++)
    if (name && !strcasecmp(name, algs[i].name)) return i;
  return -1;
}

const char *totp_alg_uri_name(totp_alg alg) {
  return (unsigned)alg < TOTP__MAX ? algs[alg].uri : "SHA1";
}

static const EVP_MD *md_of(totp_alg alg) {
  switch (alg) {
    case TOTP_SHA1: return EVP_sha1();
    case TOTP_SHA256: return EVP_sha256();
    case TOTP_SHA512: return EVP_sha512();
    case TOTP_SM3: return EVP_sm3();
    default: return NULL;
  }
}

long hotp(totp_alg alg, const unsigned char *key, size_t klen, uint64_t counter, int digits) {
  const EVP_MD *md = md_of(alg);
  if (!md || digits < 6 || digits > TOTP_MAX_DIGITS || klen > 1024) return -1;
  unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
  for (int i = 7; i >= 0; i--) {
    msg[i] = (unsigned char)(counter & 0xff);
    counter >>= 8;
  }
  unsigned int mlen = 0;
  if (!HMAC(md, key, (int)klen, msg, sizeof msg, mac, &mlen) || mlen < 20) return -1;
  int off = mac[mlen - 1] & 0x0f;
  uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                 ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
  long mod = 1;
  for (int i = 0; i < digits; i++) mod *= 10;
  return (long)(bin % (uint32_t)mod);
}

int64_t totp_step(int64_t t, int period) {
  if (period <= 0) return -1;
  return t < 0 ? -1 : t / period;
}

int64_t totp_check(totp_alg alg, const unsigned char *key, size_t klen, const char *code,
                   int64_t now, int period, int digits, int window, int64_t last_step) {
  if (!code || (int)strlen(code) != digits || digits < 6 || digits > TOTP_MAX_DIGITS) return -3;
  long want = 0;
  for (const char *c = code; *c; c++) {
    if (*c < '0' || *c > '9') return -3;
    want = want * 10 + (*c - '0');
  }
  int64_t cur = totp_step(now, period);
  if (cur < 0 || window < 0 || window > 10) return -1;
  int64_t found = -1;
  /* every step in the window is computed, match or not (no early exit) */
  for (int64_t s = cur - window; s <= cur + window; s++) {
    if (s < 0) continue;
    long v = hotp(alg, key, klen, (uint64_t)s, digits);
    if (v == want && found < 0) found = s;
  }
  if (found < 0) return -1;
  if (found <= last_step) return -2;
  return found;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int b32_encode(const unsigned char *p, size_t n, char *out, size_t outlen) {
  size_t need = (n * 8 + 4) / 5;
  if (need + 1 > outlen) return -1;
  size_t o = 0;
  unsigned buf = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    buf = (buf << 8) | p[i];
    bits += 8;
    while (bits >= 5) {
      out[o++] = b32[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out[o++] = b32[(buf << (5 - bits)) & 31];
  out[o] = '\0';
  return (int)o;
}

int b32_decode(const char *s, unsigned char *out, size_t outlen) {
  unsigned buf = 0;
  int bits = 0;
  size_t o = 0;
  for (; *s; s++) {
    char c = *s;
    if (c == '=' || c == ' ') continue;
    int v;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else return -1;
    buf = (buf << 5) | (unsigned)v;
    bits += 5;
    if (bits >= 8) {
      if (o >= outlen) return -1;
      out[o++] = (unsigned char)((buf >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return (int)o;
}
