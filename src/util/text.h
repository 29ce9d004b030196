/*
 * text.h — small text utilities used at input edges: UTF-8 validation,
 * character counting, ISO dates and timestamps, UUIDv7 identifiers, hex.
 * Pure functions except uuid7/now (which read the clock and the CSPRNG).
 */
#ifndef XUNJI_TEXT_H
#define XUNJI_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* True if s[0..n) is well-formed UTF-8 without NUL or C0 controls other than \t \n \r. */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_len(const char *s);
/* The length of the longest prefix of s[0..n) that does not end inside a
 * multi-byte character: cutting a valid string there leaves it valid. */
size_t utf8_prefix(const char *s, size_t n);
/* Cuts the NUL-terminated s in place so that it ends on a character
 * boundary (after snprintf into a fixed array may have cut a character). */
void utf8_fix_end(char *s);
/* printf into out[size]; a text longer than size-1 bytes is cut at a
 * character boundary and ends with "…" (size >= 4). Returns out. The one
 * way a long (Chinese) message is shortened: api_error and xres_err. */
char *text_vfmt(char *out, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Trims leading and trailing blanks (ASCII space, tab, CR, LF, VT, FF,
 * U+00A0 and the ideographic space U+3000) from s[0..n): *start and *len
 * give the trimmed part (len 0 when s is all blank). */
void utf8_trim(const char *s, size_t n, size_t *start, size_t *len);

/* "YYYY-MM-DD" check (real calendar date). Writes days since 1970-01-01 if ok. */
bool date_parse(const char *s, int64_t *days);
/* Formats days since epoch as YYYY-MM-DD into out[11]. */
void date_format(int64_t days, char out[11]);

enum { TS_LEN = 21 }; /* "2026-11-25T01:43:07Z" + NUL */
/* Current UTC time as ISO-8601 with 'Z'. */
/* "Now" for every business rule: the real time, shifted by the test clock
 * (clock_shift, set once at start-up from test_clock_days in test mode). */
time_t xnow(void);
void clock_shift(int64_t seconds);
void ts_now(char out[TS_LEN]);
void ts_format(time_t t, char out[TS_LEN]);
/* Parses our own "YYYY-MM-DDTHH:MM:SSZ"; returns -1 on error. */
time_t ts_parse(const char *s);
/* Today's date in Asia/Shanghai (UTC+8, no DST) as days since epoch. */
int64_t date_today_shanghai(void);
/* The Shanghai calendar day (days since epoch) of a date "YYYY-MM-DD" (as
 * it stands) or of one of our UTC timestamps (shifted to UTC+8); -1 if it is
 * neither. Durations in days between a date and a time use it on both. */
int64_t day_shanghai(const char *s);
/* The Shanghai calendar year of a UTC time. */
int year_shanghai(time_t t);

enum { UUID_LEN = 37 };
/* A new UUIDv7 (RFC 9562) in canonical lower-case text. */
void uuid7(char out[UUID_LEN]);
bool uuid_valid(const char *s);

/* Money (元) as exact decimals: "12.38" <-> 1238 fen. Accepts 1-13 integer
 * digits and at most two decimals, no sign, no exponent. */
bool money_parse(const char *s, int64_t *fen);
void money_format(int64_t fen, char out[24]);
/* Adds months to a date (days since epoch), clamping the day of month. */
int64_t date_add_months(int64_t days, int months);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void hex_encode(const unsigned char *p, size_t n, char *out);
/* Decodes exactly 2n hex chars into n bytes; returns 0 or -1. */
int hex_decode(const char *s, unsigned char *out, size_t n);

#endif
