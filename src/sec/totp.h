/*
 * totp.h — one-time passwords for the second factor: HOTP (RFC 4226) and
 * TOTP (RFC 6238) over HMAC-SHA-1, HMAC-SHA-256, HMAC-SHA-512 or HMAC-SM3,
 * base32 (RFC 4648, no padding) for secrets, and the otpauth:// URI that
 * authenticator apps read from a QR code. Pure: no I/O, no clock (the caller
 * passes the time), so the RFC 6238 Appendix B vectors are unit tests.
 */
#ifndef XUNJI_TOTP_H
#define XUNJI_TOTP_H

#include <stddef.h>
#include <stdint.h>

typedef enum totp_alg { TOTP_SHA1, TOTP_SHA256, TOTP_SHA512, TOTP_SM3, TOTP__MAX } totp_alg;

enum { TOTP_SECRET_LEN = 20, TOTP_B32_MAX = 128, TOTP_MAX_DIGITS = 8 };

/* "sha1", "sha256", "sha512", "sm3" (case-insensitive) -> alg, or -1. */
int totp_alg_lookup(const char *name);
/* The name used in otpauth URIs: "SHA1", "SHA256", "SHA512", "SM3". */
const char *totp_alg_uri_name(totp_alg alg);

/* HOTP value of counter (digits 6..8); -1 on a bad argument. */
long hotp(totp_alg alg, const unsigned char *key, size_t klen, uint64_t counter, int digits);
/* The time step of unix time t (floor(t / period)). */
int64_t totp_step(int64_t t, int period);

/* Checks code (exactly `digits` decimal digits) against the steps
 * step(now)-window .. step(now)+window, refusing any step <= last_step (a
 * code already used, or older than one already used). Returns the matching
 * step (>= 0), -1 when no step matches, -2 when the code matches a step
 * that was already used (a replay), -3 when the code is malformed. */
int64_t totp_check(totp_alg alg, const unsigned char *key, size_t klen, const char *code,
                   int64_t now, int period, int digits, int window, int64_t last_step);

/* Base32 (RFC 4648 alphabet, upper case, no padding). out must have room for
 * ceil(n*8/5)+1 bytes; returns the length written, or -1 if it does not fit. */
int b32_encode(const unsigned char *p, size_t n, char *out, size_t outlen);
/* Decodes (case-insensitive, '=' padding and spaces ignored); returns the
 * byte count or -1 on a bad character or when it does not fit. */
int b32_decode(const char *s, unsigned char *out, size_t outlen);

#endif
