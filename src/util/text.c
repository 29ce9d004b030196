/*
 * text.c — UTF-8, dates, timestamps, UUIDv7, hex. See text.h.
 */
#include "util/text.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "util/xmem.h"

bool utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      if (c == 0x7f) return false;
      i++;
      continue;
    }
    size_t len;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    i += len;
  }
  return true;
}

size_t utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xc0) != 0x80) n++;
  return n;
}

size_t utf8_prefix(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t k = 0; /* continuation bytes at the end */
  while (k < n && k < 3 && (s[n - 1 - k] & 0xc0) == 0x80) k++;
  if (k == n) return n;
  unsigned c = s[n - 1 - k];
  if (c < 0xc0) return n; /* ends after an ASCII byte (or is not UTF-8: not ours to judge) */
  size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  return k + 1 >= need ? n : n - 1 - k;
}

void utf8_fix_end(char *s) { s[utf8_prefix(s, strlen(s))] = '\0'; }

char *text_vfmt(char *out, size_t size, const char *fmt, va_list ap) {
  int n = vsnprintf(out, size, fmt, ap);
  if (n < 0) {
    out[0] = '\0';
  } else if ((size_t)n >= size) { /* cut: whole characters, then the ellipsis */
    size_t keep = utf8_prefix(out, size - 1 - strlen("…"));
    memcpy(out + keep, "…", strlen("…") + 1);
  }
  return out;
}

/* The byte length of a blank at s[0..n), 0 if none. */
static size_t blank_at(const unsigned char *s, size_t n) {
  if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))) return 1;
  if (n >= 2 && s[0] == 0xc2 && s[1] == 0xa0) return 2;               /* U+00A0 */
  if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) return 3; /* U+3000 */
  return 0;
}

/* The byte length of a blank ending at s[n), 0 if none. */
static size_t blank_before(const unsigned char *s, size_t n) {
  if (n >= 1 && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r'))) return 1;
  if (n >= 2 && s[n - 2] == 0xc2 && s[n - 1] == 0xa0) return 2;
  if (n >= 3 && s[n - 3] == 0xe3 && s[n - 2] == 0x80 && s[n - 1] == 0x80) return 3;
  return 0;
}

void utf8_trim(const char *str, size_t n, size_t *start, size_t *len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t a = 0, b = n, k;
  while (a < b && (k = blank_at(s + a, b - a))) a += k;
  while (b > a && (k = blank_before(s + a, b - a))) b -= k;
  *start = a;
  *len = b - a;
}

/* Days from civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

static bool digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

bool date_parse(const char *s, int64_t *days) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2)) return false;
  int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = mdays[m - 1] + (m == 2 && leap);
  if (d > max) return false;
  if (days) *days = days_from_civil(y, (unsigned)m, (unsigned)d);
  return true;
}

void date_format(int64_t days, char out[11]) {
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%04d-%02u-%02u", y % 10000, m % 100, d % 100);
  memcpy(out, tmp, 10);
  out[10] = '\0';
}

void ts_format(time_t t, char out[TS_LEN]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t clock_offset; /* set once before any thread starts */

void clock_shift(int64_t seconds) { clock_offset = seconds; }

time_t xnow(void) { return time(NULL) + (time_t)clock_offset; }

void ts_now(char out[TS_LEN]) { ts_format(xnow(), out); }

time_t ts_parse(const char *s) {
  if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return -1;
  char d[11];
  memcpy(d, s, 10);
  d[10] = '\0';
  int64_t days;
  if (!date_parse(d, &days)) return -1;
  if (!digits(s + 11, 2) || !digits(s + 14, 2) || !digits(s + 17, 2)) return -1;
  int hh = num(s + 11, 2), mm = num(s + 14, 2), ss = num(s + 17, 2);
  if (hh > 23 || mm > 59 || ss > 60) return -1;
  return (time_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
}

int64_t date_today_shanghai(void) {
  time_t t = xnow() + 8 * 3600;
  return (int64_t)(t / 86400);
}

int64_t day_shanghai(const char *s) {
  int64_t d;
  if (!s) return -1;
  if (strlen(s) == 10) return date_parse(s, &d) ? d : -1;
  time_t t = ts_parse(s);
  if (t == (time_t)-1) return -1;
  return ((int64_t)t + 8 * 3600) / 86400;
}

int year_shanghai(time_t t) {
  int y;
  unsigned m, d;
  civil_from_days((int64_t)((t + 8 * 3600) / 86400), &y, &m, &d);
  return y;
}

void uuid7(char out[UUID_LEN]) {
  unsigned char b[16];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  uint64_t ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
  if (RAND_bytes(b + 6, 10) != 1) {
    /* the system's random source failed: no input causes this, and ids or
     * keys made without randomness must never be issued */
    xfatal("随机数生成失败");
  }
  for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (40 - 8 * i));
  b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
  b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
  char h[33];
  hex_encode(b, 16, h);
  snprintf(out, UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

bool uuid_valid(const char *s) {
  if (strlen(s) != 36) return false;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

void hex_encode(const unsigned char *p, size_t n, char *out) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[p[i] >> 4];
    out[2 * i + 1] = hx[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int hex_decode(const char *s, unsigned char *out, size_t n) {
  if (strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
    if (a < 0 || b < 0) return -1;
    out[i] = (unsigned char)(a * 16 + b);
  }
  return 0;
}

bool money_parse(const char *s, int64_t *fen) {
  int64_t v = 0;
  int digits = 0, decimals = -1;
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (decimals >= 0 || digits == 0) return false;
      decimals = 0;
      continue;
    }
    if (*p < '0' || *p > '9') return false;
    if (decimals >= 0) {
      if (++decimals > 2) return false;
    } else if (++digits > 13) {
      return false;
    }
    v = v * 10 + (*p - '0');
  }
  if (digits == 0 || decimals == 0) return false;
  for (int d = decimals < 0 ? 0 : decimals; d < 2; d++) v *= 10;
  if (fen) *fen = v;
  return true;
}

void money_format(int64_t fen, char out[24]) {
  if (fen < 0) fen = 0;
  snprintf(out, 24, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

int64_t date_add_months(int64_t days, int months) {
  char d[11];
  date_format(days, d);
  int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
  int total = y * 12 + (m - 1) + months;
  y = total / 12;
  m = total % 12 + 1;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int lim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
  if (day > lim) day = lim;
  char o[40];
  snprintf(o, sizeof o, "%04d-%02d-%02d", y, m, day);
  int64_t out = 0;
  date_parse(o, &out);
  return out;
}
