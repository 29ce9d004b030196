/*
 * password.h — password hashing (PBKDF2-HMAC-SM3, versioned format) and the
 * password policy of SECURITY.md (length >= 12, three of four character
 * classes, must not contain the login).
 *
 * Stored format: "pbkdf2-sm3$<iterations>$<salt hex 32>$<hash hex 64>".
 * The version prefix lets a later scheme coexist and re-hash on login.
 */
#ifndef XUNJI_PASSWORD_H
#define XUNJI_PASSWORD_H

#include <stdbool.h>

enum { PW_HASH_MAX = 160, PW_MIN_LEN = 12, PW_MAX_LEN = 128 };

/* Hashes pw with a fresh salt into out[PW_HASH_MAX]. Returns 0, or -1 when
 * the PBKDF2 computation failed (OpenSSL: no memory, a refused iteration
 * count); out is then "" and a line is on stderr. An HTTP caller answers 500
 * with the request id; nothing aborts. */
__attribute__((warn_unused_result)) int pw_hash(const char *pw, unsigned iter,
                                                char out[PW_HASH_MAX]);
/* Test mode only (app_open refuses it elsewhere, like the test clock): new
 * hashes use iter iterations instead of the caller's (0: the caller's again).
 * A hash records its own count, so pw_verify is unaffected either way. */
void pw_test_iterations(unsigned iter);
/* True if pw matches the stored hash (constant-time compare). */
bool pw_verify(const char *pw, const char *stored);
/* PBKDF2 verifications done by pw_verify since start, and the sum of their
 * iteration counts (/metrics: every sign-in path, known login or not, does one
 * at the production cost). */
void pw_verify_counts(long *verifications, long *iterations);
/* Iteration count of a stored hash, 0 if unparsable (used to re-hash). */
unsigned pw_iterations(const char *stored);
/* NULL if acceptable, else a Chinese reason. */
const char *pw_policy(const char *pw, const char *login);
/* Generates a random one-time password that satisfies the policy. */
void pw_generate(char out[17]);

#endif
