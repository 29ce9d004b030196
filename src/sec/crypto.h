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
#include <stdint.h>

enum { SM3_LEN = 32, SM4_KEY_LEN = 16, MASTER_KEY_LEN = 32 };

/* One master key of the key file, with its purpose keys (key rotation). */
typedef struct xkeygen {
  unsigned kid;                      /* key id: 1 for a key file of one bare key */
  unsigned char audit[SM3_LEN], field_enc[SM4_KEY_LEN], field_mac[SM3_LEN], row_mac[SM3_LEN];
} xkeygen;
enum { KEYGEN_MAX = 16 };
typedef struct xkeyring {
  int n;                   /* keys in g, in the file's order (ascending kid) */
  xkeygen g[KEYGEN_MAX];   /* g[n-1] is the current key: it seals and tags */
  struct xkeyring *older;  /* rings replaced by keys_refresh (freed by keys_release) */
} xkeyring;

typedef struct xkeys {
  unsigned char audit[SM3_LEN];     /* HMAC-SM3 key of the audit chain */
  unsigned char field_enc[SM4_KEY_LEN]; /* SM4 key for confidential fields */
  unsigned char field_mac[SM3_LEN]; /* HMAC-SM3 key for confidential fields */
  unsigned char row_mac[SM3_LEN];   /* HMAC-SM3 tags on power-granting rows */
  unsigned char token[SM3_LEN];     /* HMAC-SM3 key for session/API token hashes */
  /* The flat keys above are the current key when the file was loaded (token:
   * the file's first key, so rotation keeps sessions and API tokens). With a
   * key file, ring holds every key of the file; keys_refresh replaces it
   * (atomically) when the file changes, so a running server learns a new key
   * from `xunji key rotate`. Without a ring (keys_derive only) the flat keys
   * are key 1. Use keys_cur/keys_find, not the flat fields, to seal or tag. */
  xkeyring *ring;
  const char *path;        /* the key file (keys_load's copy) */
  long long f_ino, f_mtime_ns, f_size;
} xkeys;

void sm3(const void *p, size_t n, unsigned char out[SM3_LEN]);
void hmac_sm3(const unsigned char *key, size_t klen, const void *p, size_t n,
              unsigned char out[SM3_LEN]);
/* Returns 0 on success. */
int pbkdf2_sm3(const char *pass, size_t plen, const unsigned char *salt, size_t slen,
               unsigned iter, unsigned char *out, size_t outlen);
int hkdf_sm3(const unsigned char *ikm, size_t ilen, const char *info, unsigned char *out,
             size_t outlen);
/* SM3 of a file's content from offset 0 (*size: its length). 0 or -1. */
int sm3_fd(int fd, unsigned char out[SM3_LEN], int64_t *size);
/* Cryptographically secure random bytes; aborts if the CSPRNG fails. */
void rand_bytes(void *p, size_t n);
/* Constant-time comparison. */
bool ct_equal(const void *a, const void *b, size_t n);

/* The key that seals and tags now (a copy), and the key with id kid (0 if
 * the key file has none). */
xkeygen keys_cur(const xkeys *k);
int keys_find(const xkeys *k, unsigned kid, xkeygen *out);
/* Re-reads the key file if it changed since it was loaded (inode, mtime,
 * size) and publishes its keys; keys are never forgotten while running.
 * Cheap when unchanged (one stat). Thread-safe. */
void keys_refresh(xkeys *k);
void keys_release(xkeys *k);
/* Row tags (grants, security settings): HMAC-SM3 under the current key's
 * row key, hex; and whether hex is m's tag under any key of the file. */
void row_tag(const xkeys *k, const void *m, size_t n, char out[2 * SM3_LEN + 1]);
bool row_tag_ok(const xkeys *k, const void *m, size_t n, const char *hex);
/* Checks a key file's owner (the process's user) and mode (no group or
 * other bits): 0, or -1 with a Chinese message. */
int keyfile_check(const char *path, char *err, size_t errlen);
/* Writes a key file holding the keys of ring plus a new random key (kid =
 * the highest + 1): temp file 0400, fsync, rename, fsync of the directory.
 * 0 and *kid, or -1 with a message. */
int keyfile_add_key(const char *path, const xkeyring *ring, unsigned *kid, char *err,
                    size_t errlen);
/* The key id a sealed field value is under (1 for "s1:"), 0 if not sealed. */
unsigned field_kid(const char *sealed);

/* Creates a new key file with a random master key (fails if it exists). */
int keyfile_create(const char *path, char *err, size_t errlen);
/* Loads the master key file and derives the purpose keys. Refuses a key file
 * readable by group or others. */
int keys_load(xkeys *k, const char *path, char *err, size_t errlen);
void keys_derive(xkeys *k, const unsigned char master[MASTER_KEY_LEN]);

/*
 * Field encryption. Under key 1 the result is text "s1:<hex(iv16 || ct ||
 * tag32)>", the tag covering "s1" || iv || ct || context; under key N > 1 it
 * is "s2:N:<hex(iv16 || ct || tag32)>", the tag covering "s2:N:" || iv || ct
 * || context. So a ciphertext moved to another record (another context) or
 * relabelled with another key id fails to open. Returns a malloc'd string.
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
/* Streams blob_open: checks the tag over in_fd (from offset 0), then writes
 * the plaintext to out_fd. Tries every key of the file. 0, 1 (altered or no
 * key opens it), -1 (I/O). */
int blob_open_fd(const xkeys *k, const char *context, int in_fd, int out_fd);
/* The id of the key whose tag holds on the sealed blob in fd, 0 if none. */
unsigned blob_kid_fd(const xkeys *k, const char *context, int fd);
/* Returns the malloc'd content (*outlen bytes), or NULL if it was altered.
 * Blobs carry no key id: every key of the file is tried. */
unsigned char *blob_open(const xkeys *k, const char *context, const unsigned char *sealed,
                         size_t n, size_t *outlen);

#endif
