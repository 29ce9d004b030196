/*
 * crypto.h — the national algorithms through OpenSSL 3 EVP, and the key
 * hierarchy of an installation.
 *
 * SM3 (hash), HMAC-SM3, PBKDF2-HMAC-SM3, HKDF-SM3, and authenticated field
 * encryption built from SM4-CTR + HMAC-SM3 (encrypt-then-MAC; OpenSSL 3.0 has
 * no SM4-GCM). One 32-byte master key lives in a key file outside the
 * database (mode 0400); purpose keys are derived from it with HKDF-SM3, so no
 * key is ever used for two jobs.
 */
#ifndef XUNJI_CRYPTO_H
#define XUNJI_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

enum { SM3_LEN = 32, SM4_KEY_LEN = 16, MASTER_KEY_LEN = 32 };

typedef struct xkeys {
  unsigned char audit[SM3_LEN];     /* HMAC-SM3 key of the audit chain */
  unsigned char field_enc[SM4_KEY_LEN]; /* SM4 key for confidential fields */
  unsigned char field_mac[SM3_LEN]; /* HMAC-SM3 key for confidential fields */
  unsigned char row_mac[SM3_LEN];   /* HMAC-SM3 tags on power-granting rows */
  unsigned char token[SM3_LEN];     /* HMAC-SM3 key for session/API token hashes */
} xkeys;

void sm3(const void *p, size_t n, unsigned char out[SM3_LEN]);
void hmac_sm3(const unsigned char *key, size_t klen, const void *p, size_t n,
              unsigned char out[SM3_LEN]);
/* Returns 0 on success. */
int pbkdf2_sm3(const char *pass, size_t plen, const unsigned char *salt, size_t slen,
               unsigned iter, unsigned char *out, size_t outlen);
int hkdf_sm3(const unsigned char *ikm, size_t ilen, const char *info, unsigned char *out,
             size_t outlen);
/* Cryptographically secure random bytes; aborts if the CSPRNG fails. */
void rand_bytes(void *p, size_t n);
/* Constant-time comparison. */
bool ct_equal(const void *a, const void *b, size_t n);

/* Creates a new key file with a random master key (fails if it exists). */
int keyfile_create(const char *path, char *err, size_t errlen);
/* Loads the master key file and derives the purpose keys. Refuses a key file
 * readable by group or others. */
int keys_load(xkeys *k, const char *path, char *err, size_t errlen);
void keys_derive(xkeys *k, const unsigned char master[MASTER_KEY_LEN]);

/*
 * Field encryption. The result is text "s1:<hex(iv16 || ct || tag32)>".
 * The tag covers "s1" || iv || ct || context, so a ciphertext moved to
 * another record (another context) fails to open. Returns a malloc'd string.
 */
char *field_seal(const xkeys *k, const char *context, const char *plain);
/* Returns the malloc'd plaintext, or NULL if the value was altered. */
char *field_open(const xkeys *k, const char *context, const char *sealed);
/* The same for binary content (evidence files): iv16 || ct || tag32, malloc'd. */
unsigned char *blob_seal(const xkeys *k, const char *context, const void *data, size_t n,
                         size_t *outlen);
/* Streams blob_seal: reads n bytes of in_fd from its current offset and writes
 * the sealed form (the same format as blob_seal) to out_fd, in fixed-size
 * chunks; plain_sm3 (optional) receives the SM3 of the plaintext. 0 or -1
 * (read/write error or short input). Memory use does not grow with n. */
int blob_seal_fd(const xkeys *k, const char *context, int in_fd, size_t n, int out_fd,
                 unsigned char plain_sm3[SM3_LEN]);
/* Returns the malloc'd content (*outlen bytes), or NULL if it was altered. */
unsigned char *blob_open(const xkeys *k, const char *context, const unsigned char *sealed,
                         size_t n, size_t *outlen);

#endif
