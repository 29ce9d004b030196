/*
 * crypto.c — SM3/HMAC-SM3/PBKDF2/HKDF/SM4-CTR via OpenSSL 3 EVP. See crypto.h.
 */
#include "sec/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

/* An OpenSSL primitive failed on inputs of a valid size: a broken library or
 * lack of memory, never a property of request data (lengths are bounded before
 * any call). Continuing could issue unsealed data or wrong hashes. */
static void fatal(const char *what) {
  fprintf(stderr, "xunji: 密码运算失败 (%s)\n", what);
  abort();
}

void sm3(const void *p, size_t n, unsigned char out[SM3_LEN]) {
  unsigned int len = 0;
  if (EVP_Digest(p, n, out, &len, EVP_sm3(), NULL) != 1 || len != SM3_LEN) fatal("SM3");
}

void hmac_sm3(const unsigned char *key, size_t klen, const void *p, size_t n,
              unsigned char out[SM3_LEN]) {
  size_t outlen = 0;
  if (!EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key, klen, p, n, out, SM3_LEN, &outlen) ||
      outlen != SM3_LEN)
    fatal("HMAC-SM3");
}

int pbkdf2_sm3(const char *pass, size_t plen, const unsigned char *salt, size_t slen,
               unsigned iter, unsigned char *out, size_t outlen) {
  return PKCS5_PBKDF2_HMAC(pass, (int)plen, salt, (int)slen, (int)iter, EVP_sm3(), (int)outlen,
                           out) == 1
             ? 0
             : -1;
}

int hkdf_sm3(const unsigned char *ikm, size_t ilen, const char *info, unsigned char *out,
             size_t outlen) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  if (!kdf) return -1;
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return -1;
  OSSL_PARAM params[5], *p = params;
  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SM3", 0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ilen);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)"xunji", 5);
  *p = OSSL_PARAM_construct_end();
  int rc = EVP_KDF_derive(ctx, out, outlen, params) == 1 ? 0 : -1;
  EVP_KDF_CTX_free(ctx);
  return rc;
}

void rand_bytes(void *p, size_t n) {
  if (RAND_bytes(p, (int)n) != 1) fatal("RAND_bytes");
}

bool ct_equal(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

void keys_derive(xkeys *k, const unsigned char master[MASTER_KEY_LEN]) {
  if (hkdf_sm3(master, MASTER_KEY_LEN, "xunji audit chain v1", k->audit, sizeof k->audit) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji field sm4 v1", k->field_enc, sizeof k->field_enc) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji field mac v1", k->field_mac, sizeof k->field_mac) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji row mac v1", k->row_mac, sizeof k->row_mac) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji token v1", k->token, sizeof k->token))
    fatal("HKDF-SM3");
}

int keyfile_create(const char *path, char *err, size_t errlen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
  if (fd < 0) {
    snprintf(err, errlen, "无法创建密钥文件 %s: %s", path, strerror(errno));
    return -1;
  }
  unsigned char m[MASTER_KEY_LEN];
  char hex[2 * MASTER_KEY_LEN + 2];
  rand_bytes(m, sizeof m);
  hex_encode(m, sizeof m, hex);
  strcat(hex, "\n"); /* fits: 64 + 1 + NUL */
  ssize_t w = write(fd, hex, strlen(hex));
  int rc = (w == (ssize_t)strlen(hex) && fsync(fd) == 0) ? 0 : -1;
  close(fd);
  xwipe(m, sizeof m);
  xwipe(hex, sizeof hex);
  if (rc) snprintf(err, errlen, "写入密钥文件 %s 失败", path);
  return rc;
}

int keys_load(xkeys *k, const char *path, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    snprintf(err, errlen, "无法读取密钥文件 %s: %s (先运行 xunji init)", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
    close(fd);
    snprintf(err, errlen, "密钥文件 %s 权限过宽或不是普通文件 (应为 0400)", path);
    return -1;
  }
  char hex[80];
  ssize_t n = read(fd, hex, sizeof hex - 1);
  close(fd);
  if (n < 64) {
    snprintf(err, errlen, "密钥文件 %s 内容无效", path);
    return -1;
  }
  hex[64] = '\0';
  unsigned char m[MASTER_KEY_LEN];
  if (hex_decode(hex, m, sizeof m)) {
    xwipe(hex, sizeof hex);
    snprintf(err, errlen, "密钥文件 %s 内容无效", path);
    return -1;
  }
  keys_derive(k, m);
  xwipe(m, sizeof m);
  xwipe(hex, sizeof hex);
  return 0;
}

static void field_tag(const xkeys *k, const unsigned char *iv, const unsigned char *ct,
                      size_t ctlen, const char *context, unsigned char tag[SM3_LEN]) {
  size_t clen = strlen(context);
  size_t n = 2 + 16 + ctlen + clen;
  unsigned char *m = xmalloc(n);
  memcpy(m, "s1", 2);
  memcpy(m + 2, iv, 16);
  if (ctlen) memcpy(m + 18, ct, ctlen);
  if (clen) memcpy(m + 18 + ctlen, context, clen);
  hmac_sm3(k->field_mac, sizeof k->field_mac, m, n, tag);
  free(m);
}

static int sm4_ctr(const xkeys *k, const unsigned char *iv, const unsigned char *in, size_t n,
                   unsigned char *out) {
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int ok = c && EVP_EncryptInit_ex(c, EVP_sm4_ctr(), NULL, k->field_enc, iv) == 1;
  int l1 = 0, l2 = 0;
  ok = ok && EVP_EncryptUpdate(c, out, &l1, in, (int)n) == 1;
  ok = ok && EVP_EncryptFinal_ex(c, out + l1, &l2) == 1;
  EVP_CIPHER_CTX_free(c);
  return ok && (size_t)(l1 + l2) == n ? 0 : -1;
}

char *field_seal(const xkeys *k, const char *context, const char *plain) {
  if (MUTANT(MUT_SEAL_IN_CLEAR)) { /* "c1:" + the plain text */
    char *clear = xmalloc(strlen(plain) + 4);
    memcpy(clear, "c1:", 3);
    memcpy(clear + 3, plain, strlen(plain) + 1);
    return clear;
  }
  size_t n = strlen(plain);
  unsigned char iv[16], tag[SM3_LEN];
  rand_bytes(iv, sizeof iv);
  unsigned char *raw = xmalloc(16 + n + SM3_LEN);
  memcpy(raw, iv, 16);
  if (sm4_ctr(k, iv, (const unsigned char *)plain, n, raw + 16)) fatal("SM4-CTR");
  field_tag(k, iv, raw + 16, n, context, tag);
  memcpy(raw + 16 + n, tag, SM3_LEN);
  size_t rl = 16 + n + SM3_LEN;
  char *out = xmalloc(3 + 2 * rl + 1);
  memcpy(out, "s1:", 3);
  hex_encode(raw, rl, out + 3);
  free(raw);
  return out;
}

char *field_open(const xkeys *k, const char *context, const char *sealed) {
  if (MUTANT(MUT_SEAL_IN_CLEAR) && strncmp(sealed, "c1:", 3) == 0) return xstrdup(sealed + 3);
  if (strncmp(sealed, "s1:", 3) != 0) return NULL;
  size_t hl = strlen(sealed + 3);
  if (hl % 2 || hl < 2 * (16 + SM3_LEN)) return NULL;
  size_t rl = hl / 2;
  unsigned char *raw = xmalloc(rl);
  if (hex_decode(sealed + 3, raw, rl)) {
    free(raw);
    return NULL;
  }
  size_t n = rl - 16 - SM3_LEN;
  unsigned char tag[SM3_LEN];
  field_tag(k, raw, raw + 16, n, context, tag);
  if (!ct_equal(tag, raw + 16 + n, SM3_LEN)) {
    free(raw);
    return NULL;
  }
  char *out = xmalloc(n + 1);
  if (sm4_ctr(k, raw, raw + 16, n, (unsigned char *)out)) fatal("SM4-CTR");
  out[n] = '\0';
  free(raw);
  return out;
}

unsigned char *blob_seal(const xkeys *k, const char *context, const void *data, size_t n,
                         size_t *outlen) {
  unsigned char *raw = xmalloc(16 + n + SM3_LEN);
  rand_bytes(raw, 16);
  if (sm4_ctr(k, raw, data, n, raw + 16)) fatal("SM4-CTR");
  field_tag(k, raw, raw + 16, n, context, raw + 16 + n);
  *outlen = 16 + n + SM3_LEN;
  return raw;
}

static int write_full(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int blob_seal_fd(const xkeys *k, const char *context, int in_fd, size_t n, int out_fd,
                 unsigned char plain_sm3[SM3_LEN]) {
  unsigned char iv[16];
  rand_bytes(iv, sizeof iv);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM prm[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
                      OSSL_PARAM_construct_end()};
  int ok = c && md && mc && EVP_EncryptInit_ex(c, EVP_sm4_ctr(), NULL, k->field_enc, iv) == 1 &&
           EVP_DigestInit_ex(md, EVP_sm3(), NULL) == 1 &&
           EVP_MAC_init(mc, k->field_mac, sizeof k->field_mac, prm) == 1 &&
           EVP_MAC_update(mc, (const unsigned char *)"s1", 2) == 1 &&
           EVP_MAC_update(mc, iv, 16) == 1 && write_full(out_fd, iv, 16) == 0;
  enum { CHUNK = 64 * 1024 };
  unsigned char *in = xmalloc(CHUNK), *out = xmalloc(CHUNK + 16);
  size_t left = n;
  while (ok && left) {
    ssize_t got = read(in_fd, in, left < CHUNK ? left : CHUNK);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ok = 0;
      break;
    }
    int l = 0;
    ok = EVP_DigestUpdate(md, in, (size_t)got) == 1 &&
         EVP_EncryptUpdate(c, out, &l, in, (int)got) == 1 && l == (int)got &&
         EVP_MAC_update(mc, out, (size_t)l) == 1 && write_full(out_fd, out, (size_t)l) == 0;
    left -= (size_t)got;
  }
  unsigned char tag[SM3_LEN], dg[SM3_LEN];
  size_t tl = 0;
  unsigned dl = 0;
  int l2 = 0;
  ok = ok && EVP_EncryptFinal_ex(c, out, &l2) == 1 && l2 == 0 &&
       EVP_MAC_update(mc, (const unsigned char *)context, strlen(context)) == 1 &&
       EVP_MAC_final(mc, tag, &tl, sizeof tag) == 1 && tl == SM3_LEN &&
       EVP_DigestFinal_ex(md, dg, &dl) == 1 && dl == SM3_LEN && write_full(out_fd, tag, SM3_LEN) == 0;
  if (ok && plain_sm3) memcpy(plain_sm3, dg, SM3_LEN);
  OPENSSL_cleanse(in, CHUNK);
  free(in);
  free(out);
  EVP_MAC_CTX_free(mc);
  EVP_MAC_free(mac);
  EVP_MD_CTX_free(md);
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : -1;
}

unsigned char *blob_open(const xkeys *k, const char *context, const unsigned char *sealed,
                         size_t n, size_t *outlen) {
  if (n < 16 + SM3_LEN) return NULL;
  size_t m = n - 16 - SM3_LEN;
  unsigned char tag[SM3_LEN];
  field_tag(k, sealed, sealed + 16, m, context, tag);
  if (!ct_equal(tag, sealed + 16 + m, SM3_LEN)) return NULL;
  unsigned char *out = xmalloc(m ? m : 1);
  if (sm4_ctr(k, sealed, sealed + 16, m, out)) fatal("SM4-CTR");
  *outlen = m;
  return out;
}
