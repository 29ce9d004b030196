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
#include <pthread.h>
#include <stdint.h>
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
static _Noreturn void fatal(const char *what) {
  char m[128];
  snprintf(m, sizeof m, "密码运算失败 (%s)", what);
  xfatal(m);
}

void sm3(const void *p, size_t n, unsigned char out[SM3_LEN]) {
  unsigned int len = 0;
  if (EVP_Digest(p, n, out, &len, EVP_sm3(), NULL) != 1 || len != SM3_LEN) fatal("SM3");
}

/* HMAC-SM3 is computed on every request (session and token tags, grant row
 * tags, the audit chain). EVP_Q_mac looks the algorithm and the digest up by
 * name on every call, most of its cost: the HMAC context with SM3 set is made
 * once and each call duplicates it (callgrind, docs/performance.md "Writes"). */
static EVP_MAC_CTX *hmac_tmpl;
static void hmac_tmpl_init(void) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  hmac_tmpl = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac); /* the context keeps its own reference */
  OSSL_PARAM prm[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
                      OSSL_PARAM_construct_end()};
  if (hmac_tmpl && !EVP_MAC_CTX_set_params(hmac_tmpl, prm)) {
    EVP_MAC_CTX_free(hmac_tmpl);
    hmac_tmpl = NULL;
  }
}

/* The uncached path: keys beyond the cache's slots or longer than a block. */
static void hmac_sm3_once(const unsigned char *key, size_t klen, const void *p, size_t n,
                          unsigned char out[SM3_LEN]) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, hmac_tmpl_init);
  size_t outlen = 0;
  EVP_MAC_CTX *c = hmac_tmpl ? EVP_MAC_CTX_dup(hmac_tmpl) : NULL;
  int ok = c && EVP_MAC_init(c, key, klen, NULL) && EVP_MAC_update(c, p, n) &&
           EVP_MAC_final(c, out, &outlen, SM3_LEN) && outlen == SM3_LEN;
  EVP_MAC_CTX_free(c);
  if (!ok) fatal("HMAC-SM3");
}

/* Keyed HMAC states (issue 15: a durable write computes seven HMAC-SM3s, and
 * keying — hashing the key's inner and outer padded blocks — was a third of
 * each). HMAC (RFC 2104) is H((K^opad) || H((K^ipad) || m)); a slot keeps the
 * SM3 states after the two padded key blocks, so a call only copies them and
 * hashes the message and the inner digest: the same function, the same
 * value (tests/unit/test_sec.c checks it against OpenSSL's). The keys are the
 * installation's few (audit, row, field, token keys of each key generation),
 * resident for the process's life anyway; the states are as secret as they
 * and live as long (never freed, like the key ring). The table is append-only:
 * a slot is filled under the mutex before the count that publishes it. */
enum { HK_SLOTS = 32, HK_BLOCK = 64 };
typedef struct hkey {
  size_t klen;
  unsigned char key[HK_BLOCK];
  EVP_MD_CTX *in, *out; /* after (K^ipad) and (K^opad) */
} hkey;
static hkey hk[HK_SLOTS];
static int hk_n;
static pthread_mutex_t hk_mu = PTHREAD_MUTEX_INITIALIZER;

static const hkey *hk_find(const unsigned char *key, size_t klen) {
  int n = __atomic_load_n(&hk_n, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++)
    if (hk[i].klen == klen && !memcmp(hk[i].key, key, klen)) return &hk[i];
  return NULL;
}

/* The slot of key, made on first use; NULL when the key does not fit one. */
static const hkey *hk_get(const unsigned char *key, size_t klen) {
  if (klen > HK_BLOCK) return NULL;
  const hkey *h = hk_find(key, klen);
  if (h) return h;
  pthread_mutex_lock(&hk_mu);
  h = hk_find(key, klen); /* another thread may have made it meanwhile */
  if (!h && hk_n < HK_SLOTS) {
    hkey *s = &hk[hk_n];
    unsigned char ip[HK_BLOCK], op[HK_BLOCK];
    for (size_t i = 0; i < HK_BLOCK; i++) {
      unsigned char b = i < klen ? key[i] : 0;
      ip[i] = b ^ 0x36;
      op[i] = b ^ 0x5c;
    }
    s->in = EVP_MD_CTX_new();
    s->out = EVP_MD_CTX_new();
    int ok = s->in && s->out && EVP_DigestInit_ex(s->in, EVP_sm3(), NULL) &&
             EVP_DigestUpdate(s->in, ip, HK_BLOCK) && EVP_DigestInit_ex(s->out, EVP_sm3(), NULL) &&
             EVP_DigestUpdate(s->out, op, HK_BLOCK);
    xwipe(ip, sizeof ip);
    xwipe(op, sizeof op);
    if (!ok) fatal("HMAC-SM3 key");
    s->klen = klen;
    memcpy(s->key, key, klen);
    __atomic_store_n(&hk_n, hk_n + 1, __ATOMIC_RELEASE);
    h = s;
  }
  pthread_mutex_unlock(&hk_mu);
  return h;
}

void hmac_sm3(const unsigned char *key, size_t klen, const void *p, size_t n,
              unsigned char out[SM3_LEN]) {
  const hkey *h = hk_get(key, klen);
  if (!h) {
    hmac_sm3_once(key, klen, p, n, out);
    return;
  }
  unsigned char inner[SM3_LEN];
  unsigned int l1 = 0, l2 = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = c && EVP_MD_CTX_copy_ex(c, h->in) && EVP_DigestUpdate(c, p, n) &&
           EVP_DigestFinal_ex(c, inner, &l1) && l1 == SM3_LEN && EVP_MD_CTX_copy_ex(c, h->out) &&
           EVP_DigestUpdate(c, inner, SM3_LEN) && EVP_DigestFinal_ex(c, out, &l2) && l2 == SM3_LEN;
  EVP_MD_CTX_free(c);
  xwipe(inner, sizeof inner);
  if (!ok) fatal("HMAC-SM3");
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

int sm3_fd(int fd, unsigned char out[SM3_LEN], int64_t *size) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char *b = xmalloc(65536);
  int ok = md && EVP_DigestInit_ex(md, EVP_sm3(), NULL) == 1;
  off_t off = 0;
  while (ok) {
    ssize_t n = pread(fd, b, 65536, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = 0;
    if (n <= 0) break;
    ok = EVP_DigestUpdate(md, b, (size_t)n) == 1;
    off += n;
  }
  unsigned l = 0;
  ok = ok && EVP_DigestFinal_ex(md, out, &l) == 1 && l == SM3_LEN;
  free(b);
  EVP_MD_CTX_free(md);
  *size = (int64_t)off;
  return ok ? 0 : -1;
}

void rand_bytes(void *p, size_t n) {
  if (RAND_bytes(p, (int)n) != 1) fatal("RAND_bytes");
}

bool ct_equal(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

static void derive_gen(xkeygen *g, const unsigned char master[MASTER_KEY_LEN]) {
  if (hkdf_sm3(master, MASTER_KEY_LEN, "xunji audit chain v1", g->audit, sizeof g->audit) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji field sm4 v1", g->field_enc, sizeof g->field_enc) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji field mac v1", g->field_mac, sizeof g->field_mac) ||
      hkdf_sm3(master, MASTER_KEY_LEN, "xunji row mac v1", g->row_mac, sizeof g->row_mac))
    fatal("HKDF-SM3");
}

void keys_derive(xkeys *k, const unsigned char master[MASTER_KEY_LEN]) {
  memset(k, 0, sizeof *k);
  xkeygen g;
  derive_gen(&g, master);
  memcpy(k->audit, g.audit, sizeof k->audit);
  memcpy(k->field_enc, g.field_enc, sizeof k->field_enc);
  memcpy(k->field_mac, g.field_mac, sizeof k->field_mac);
  memcpy(k->row_mac, g.row_mac, sizeof k->row_mac);
  xwipe(&g, sizeof g);
  if (hkdf_sm3(master, MASTER_KEY_LEN, "xunji token v1", k->token, sizeof k->token))
    fatal("HKDF-SM3");
}

static xkeyring *ring_get(const xkeys *k) {
  return __atomic_load_n(&((xkeys *)k)->ring, __ATOMIC_ACQUIRE);
}

xkeygen keys_cur(const xkeys *k) {
  xkeyring *r = ring_get(k);
  if (r && r->n > 0) return r->g[r->n - 1];
  xkeygen g = {.kid = 1};
  memcpy(g.audit, k->audit, sizeof g.audit);
  memcpy(g.field_enc, k->field_enc, sizeof g.field_enc);
  memcpy(g.field_mac, k->field_mac, sizeof g.field_mac);
  memcpy(g.row_mac, k->row_mac, sizeof g.row_mac);
  return g;
}

static int find_in_ring(const xkeys *k, unsigned kid, xkeygen *out) {
  xkeyring *r = ring_get(k);
  if (!r) {
    if (kid != 1) return 0;
    *out = keys_cur(k);
    return 1;
  }
  for (int i = 0; i < r->n; i++)
    if (r->g[i].kid == kid) {
      *out = r->g[i];
      return 1;
    }
  return 0;
}

/* A key id this process has not seen yet: another process (`xunji key
 * rotate`) may have just added it to the file, before this request's
 * keys_refresh saw it. One more look at the file, then the answer. */
int keys_find(const xkeys *k, unsigned kid, xkeygen *out) {
  if (find_in_ring(k, kid, out)) return 1;
  if (!k->ring) return 0;
  keys_refresh((xkeys *)k); /* the keys are shared state, changed only under refresh_mu */
  return find_in_ring(k, kid, out);
}

/* The keys to try for a value without a key id: the current one first. */
static int keys_all(const xkeys *k, xkeygen *out, int max) {
  xkeyring *r = ring_get(k);
  if (!r) {
    out[0] = keys_cur(k);
    return 1;
  }
  int n = 0;
  for (int i = r->n - 1; i >= 0 && n < max; i--) out[n++] = r->g[i];
  return n;
}

void row_tag(const xkeys *k, const void *m, size_t n, char out[2 * SM3_LEN + 1]) {
  xkeygen g = keys_cur(k);
  unsigned char h[SM3_LEN];
  hmac_sm3(g.row_mac, sizeof g.row_mac, m, n, h);
  hex_encode(h, SM3_LEN, out);
  xwipe(&g, sizeof g);
}

static bool row_tag_ok_now(const xkeys *k, const void *m, size_t n, const char *hex) {
  xkeygen gs[KEYGEN_MAX];
  int ng = keys_all(k, gs, KEYGEN_MAX);
  bool ok = false;
  for (int i = 0; i < ng && !ok; i++) {
    unsigned char h[SM3_LEN];
    char want[2 * SM3_LEN + 1];
    hmac_sm3(gs[i].row_mac, sizeof gs[i].row_mac, m, n, h);
    hex_encode(h, SM3_LEN, want);
    ok = ct_equal(want, hex, 2 * SM3_LEN);
  }
  xwipe(gs, sizeof gs);
  return ok;
}

/* Verified row tags (issue 15: every request re-verified the HMAC of each of
 * the user's grant rows, ~1/5 of a GET). A slot remembers one (keys, message,
 * tag) triple that verified; a hit needs the whole message and tag to be
 * byte-equal, so the answer is the one the HMAC would give: keys are never
 * forgotten while running (keys_refresh), so a tag that verified once still
 * verifies. Rows are still read from the database on every request: a removed
 * or ended grant is simply not there, and an edited row is another message
 * (a miss, verified afresh). Only successes are kept; direct-mapped, so a
 * collision just costs one more HMAC. */
enum { TAGC_SLOTS = 512, TAGC_MSG = 320 };
typedef struct tagc_slot {
  const xkeys *k;
  unsigned short n;
  char hex[2 * SM3_LEN];
  char m[TAGC_MSG];
} tagc_slot;
static tagc_slot *tagc;
static pthread_mutex_t tagc_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned tagc_index(const void *m, size_t n, const char *hex) {
  uint32_t h = 2166136261u; /* FNV-1a: a slot index, not a security property */
  const unsigned char *p = m;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  for (int i = 0; i < 2 * SM3_LEN; i++) h = (h ^ (unsigned char)hex[i]) * 16777619u;
  return h % TAGC_SLOTS;
}

static bool tagc_has(const xkeys *k, const void *m, size_t n, const char *hex, unsigned i) {
  pthread_mutex_lock(&tagc_mu);
  const tagc_slot *s = tagc ? &tagc[i] : NULL;
  bool hit = s && s->k == k && s->n == n && ct_equal(s->hex, hex, sizeof s->hex) &&
             memcmp(s->m, m, n) == 0;
  pthread_mutex_unlock(&tagc_mu);
  return hit;
}

static void tagc_put(const xkeys *k, const void *m, size_t n, const char *hex, unsigned i) {
  pthread_mutex_lock(&tagc_mu);
  if (!tagc) tagc = calloc(TAGC_SLOTS, sizeof *tagc); /* process-lifetime; none: no cache */
  if (tagc) {
    tagc_slot *s = &tagc[i];
    s->k = k;
    s->n = (unsigned short)n;
    memcpy(s->hex, hex, sizeof s->hex);
    memcpy(s->m, m, n);
  }
  pthread_mutex_unlock(&tagc_mu);
}

static bool row_tag_ok_uncached(const xkeys *k, const void *m, size_t n, const char *hex) {
  if (row_tag_ok_now(k, m, n, hex)) return true;
  if (!k->ring) return false;
  xkeyring *before = ring_get(k);
  keys_refresh((xkeys *)k); /* a tag made under a key added just now? */
  return ring_get(k) != before && row_tag_ok_now(k, m, n, hex);
}

bool row_tag_ok(const xkeys *k, const void *m, size_t n, const char *hex) {
  if (!hex || strlen(hex) != 2 * SM3_LEN) return false;
  if (n > TAGC_MSG) return row_tag_ok_uncached(k, m, n, hex);
  unsigned i = tagc_index(m, n, hex);
  if (tagc_has(k, m, n, hex, i)) return true;
  if (!row_tag_ok_uncached(k, m, n, hex)) return false;
  tagc_put(k, m, n, hex, i);
  return true;
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

/* fsync of the directory holding path (after a rename). */
static void fsync_dir_of(const char *path) {
  char dir[4200];
  xstrlcpy(dir, path, sizeof dir);
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else if (slash) *slash = '\0';
  else xstrlcpy(dir, ".", sizeof dir);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
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

static int check_stat(const struct stat *st, const char *path, char *err, size_t errlen) {
  if (!S_ISREG(st->st_mode) || (st->st_mode & 077)) {
    snprintf(err, errlen, "密钥文件 %s 权限过宽或不是普通文件 (当前权限 %04o, 应为 0400 或 0600)",
             path, (unsigned)(st->st_mode & 07777));
    return -1;
  }
  if (st->st_uid != geteuid()) {
    snprintf(err, errlen, "密钥文件 %s 的属主 (uid %u) 不是运行服务的用户 (uid %u), 拒绝使用",
             path, (unsigned)st->st_uid, (unsigned)geteuid());
    return -1;
  }
  return 0;
}

int keyfile_check(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(err, errlen, "无法读取密钥文件 %s: %s", path, strerror(errno));
    return -1;
  }
  return check_stat(&st, path, err, errlen);
}

/* Key file: one bare 64-hex-digit key (key 1, as `xunji init` writes it), or
 * lines "ID HEX" with ascending ids; '#' starts a comment line. The masters
 * are derived into ring; first receives the first key's master. */
enum { KEYFILE_MAX = 8192 };
static int keyfile_parse(char *text, xkeyring *ring, unsigned char first[MASTER_KEY_LEN]) {
  ring->n = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    while (*line == ' ' || *line == '\t' || *line == '\r') line++;
    if (!*line || *line == '#') continue;
    unsigned kid = 1;
    const char *hex = line;
    if (strlen(line) >= 64 && (line[64] == '\0' || line[64] == '\r' || line[64] == ' ') &&
        ring->n == 0 && strspn(line, "0123456789abcdefABCDEF") >= 64) {
      /* a bare key */
    } else {
      char *end;
      unsigned long v = strtoul(line, &end, 10);
      if (end == line || *end != ' ' || v == 0 || v > 1000000) return -1;
      kid = (unsigned)v;
      hex = end + 1;
    }
    if (strlen(hex) < 64 || ring->n >= KEYGEN_MAX) return -1;
    if (ring->n && kid <= ring->g[ring->n - 1].kid) return -1;
    char h[65];
    memcpy(h, hex, 64);
    h[64] = '\0';
    unsigned char m[MASTER_KEY_LEN];
    int bad = hex_decode(h, m, sizeof m);
    xwipe(h, sizeof h);
    if (bad) return -1;
    ring->g[ring->n].kid = kid;
    derive_gen(&ring->g[ring->n], m);
    if (ring->n == 0) memcpy(first, m, MASTER_KEY_LEN);
    ring->n++;
    xwipe(m, sizeof m);
  }
  return ring->n > 0 ? 0 : -1;
}

/* Reads and parses the key file; fills *st. 0 or -1 with err. */
static int keyfile_read(const char *path, xkeyring *ring, unsigned char first[MASTER_KEY_LEN],
                        struct stat *st, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "无法读取密钥文件 %s: %s (先运行 xunji init)", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, st) != 0 || check_stat(st, path, err, errlen)) {
    if (!*err) snprintf(err, errlen, "无法读取密钥文件 %s", path);
    close(fd);
    return -1;
  }
  char *text = xmalloc(KEYFILE_MAX + 1);
  size_t got = 0;
  ssize_t n;
  while (got < KEYFILE_MAX && (n = read(fd, text + got, KEYFILE_MAX - got)) > 0) got += (size_t)n;
  close(fd);
  text[got] = '\0';
  int rc = keyfile_parse(text, ring, first);
  xwipe(text, KEYFILE_MAX + 1);
  free(text);
  if (rc) snprintf(err, errlen, "密钥文件 %s 内容无效", path);
  return rc;
}

int keys_load(xkeys *k, const char *path, char *err, size_t errlen) {
  xkeyring *ring = xcalloc(1, sizeof *ring);
  unsigned char first[MASTER_KEY_LEN];
  struct stat st;
  if (err && errlen) err[0] = '\0';
  if (keyfile_read(path, ring, first, &st, err, errlen)) {
    xwipe(ring, sizeof *ring);
    free(ring);
    return -1;
  }
  keys_derive(k, first); /* the token key stays the first key's */
  xwipe(first, sizeof first);
  const xkeygen *c = &ring->g[ring->n - 1];
  memcpy(k->audit, c->audit, sizeof k->audit);
  memcpy(k->field_enc, c->field_enc, sizeof k->field_enc);
  memcpy(k->field_mac, c->field_mac, sizeof k->field_mac);
  memcpy(k->row_mac, c->row_mac, sizeof k->row_mac);
  k->ring = ring;
  k->path = xstrdup(path);
  k->f_ino = (long long)st.st_ino;
  k->f_mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  k->f_size = (long long)st.st_size;
  return 0;
}

static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;

void keys_refresh(xkeys *k) {
  if (!k->path || !k->ring) return;
  struct stat st;
  if (stat(k->path, &st) != 0) return;
  long long mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  pthread_mutex_lock(&refresh_mu);
  if (k->f_ino == (long long)st.st_ino && k->f_mtime_ns == mt && k->f_size == (long long)st.st_size) {
    pthread_mutex_unlock(&refresh_mu);
    return;
  }
  xkeyring *old = k->ring, *nr = xcalloc(1, sizeof *nr);
  unsigned char first[MASTER_KEY_LEN];
  char err[512] = "";
  struct stat st2;
  if (keyfile_read(k->path, nr, first, &st2, err, sizeof err)) {
    fprintf(stderr, "xunji: 密钥文件已变化但无法读取, 继续使用已加载的密钥: %s\n", err);
    free(nr);
    k->f_ino = (long long)st.st_ino; /* do not retry on every request */
    k->f_mtime_ns = mt;
    k->f_size = (long long)st.st_size;
    pthread_mutex_unlock(&refresh_mu);
    return;
  }
  xwipe(first, sizeof first);
  /* keys are never forgotten while running: values under a key removed from
   * the file still open until the restart */
  for (int i = 0; i < old->n; i++) {
    bool have = false;
    for (int j = 0; j < nr->n; j++) have = have || nr->g[j].kid == old->g[i].kid;
    if (!have && nr->n < KEYGEN_MAX) {
      int j = nr->n++;
      while (j > 0 && nr->g[j - 1].kid > old->g[i].kid) {
        nr->g[j] = nr->g[j - 1];
        j--;
      }
      nr->g[j] = old->g[i];
    }
  }
  nr->older = old;
  __atomic_store_n(&k->ring, nr, __ATOMIC_RELEASE);
  k->f_ino = (long long)st2.st_ino;
  k->f_mtime_ns = (long long)st2.st_mtim.tv_sec * 1000000000LL + st2.st_mtim.tv_nsec;
  k->f_size = (long long)st2.st_size;
  fprintf(stderr, "xunji: 已加载密钥文件的新版本 (当前密钥编号 %u)\n", nr->g[nr->n - 1].kid);
  pthread_mutex_unlock(&refresh_mu);
}

void keys_release(xkeys *k) {
  xkeyring *r = k->ring;
  while (r) {
    xkeyring *o = r->older;
    xwipe(r, sizeof *r);
    free(r);
    r = o;
  }
  k->ring = NULL;
  free((char *)k->path);
  k->path = NULL;
}

int keyfile_add_key(const char *path, const xkeyring *ring, unsigned *kid, char *err,
                    size_t errlen) {
  /* the masters are not kept in memory: re-read them from the file */
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "无法读取密钥文件 %s: %s", path, strerror(errno));
    return -1;
  }
  char *text = xmalloc(KEYFILE_MAX + 200);
  size_t got = 0;
  ssize_t n;
  while (got < KEYFILE_MAX && (n = read(fd, text + got, KEYFILE_MAX - got)) > 0) got += (size_t)n;
  close(fd);
  text[got] = '\0';
  buf b;
  buf_init(&b, KEYFILE_MAX + 200);
  buf_adds(&b, "# xunji key file: \"ID HEX\" per line; the last key seals, older ones open\n");
  unsigned top = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    while (*line == ' ' || *line == '\t') line++;
    if (!*line || *line == '#') continue;
    if (strlen(line) >= 64 && strspn(line, "0123456789abcdefABCDEF") >= 64 && top == 0) {
      buf_adds(&b, "1 ");
      buf_add(&b, line, 64);
      buf_adds(&b, "\n");
      top = 1;
    } else {
      top = (unsigned)strtoul(line, NULL, 10);
      buf_adds(&b, line);
      buf_adds(&b, "\n");
    }
  }
  xwipe(text, KEYFILE_MAX + 200);
  free(text);
  if (ring && ring->n && ring->g[ring->n - 1].kid > top) top = ring->g[ring->n - 1].kid;
  unsigned char m[MASTER_KEY_LEN];
  char line[100];
  rand_bytes(m, sizeof m);
  char hex[2 * MASTER_KEY_LEN + 1];
  hex_encode(m, sizeof m, hex);
  snprintf(line, sizeof line, "%u %s\n", top + 1, hex);
  buf_adds(&b, line);
  xwipe(m, sizeof m);
  xwipe(hex, sizeof hex);
  xwipe(line, sizeof line);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.new.%ld", path, (long)getpid());
  unlink(tmp);
  int ok = 0;
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd >= 0) {
    ok = write_full(fd, (const unsigned char *)b.p, b.len) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
  }
  xwipe(b.p, b.len);
  buf_free(&b);
  if (!ok) {
    snprintf(err, errlen, "写入密钥文件 %s 失败: %s", path, strerror(errno));
    return -1;
  }
  fsync_dir_of(path);
  *kid = top + 1;
  return 0;
}

unsigned field_kid(const char *sealed) {
  if (!sealed) return 0;
  if (!strncmp(sealed, "s1:", 3)) return 1;
  if (strncmp(sealed, "s2:", 3)) return 0;
  char *end;
  unsigned long v = strtoul(sealed + 3, &end, 10);
  return (end != sealed + 3 && *end == ':' && v > 0 && v < 1000000) ? (unsigned)v : 0;
}

static void field_tag(const xkeygen *g, const char *pfx, const unsigned char *iv,
                      const unsigned char *ct, size_t ctlen, const char *context,
                      unsigned char tag[SM3_LEN]) {
  size_t clen = strlen(context), pl = strlen(pfx);
  size_t n = pl + 16 + ctlen + clen;
  unsigned char *m = xmalloc(n);
  memcpy(m, pfx, pl);
  memcpy(m + pl, iv, 16);
  if (ctlen) memcpy(m + pl + 16, ct, ctlen);
  if (clen) memcpy(m + pl + 16 + ctlen, context, clen);
  hmac_sm3(g->field_mac, sizeof g->field_mac, m, n, tag);
  free(m);
}

static int sm4_ctr(const xkeygen *k, const unsigned char *iv, const unsigned char *in, size_t n,
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
  xkeygen g = keys_cur(k);
  char pfx[24];
  if (g.kid == 1) xstrlcpy(pfx, "s1", sizeof pfx);
  else snprintf(pfx, sizeof pfx, "s2:%u:", g.kid);
  size_t n = strlen(plain);
  unsigned char iv[16], tag[SM3_LEN];
  rand_bytes(iv, sizeof iv);
  unsigned char *raw = xmalloc(16 + n + SM3_LEN);
  memcpy(raw, iv, 16);
  if (sm4_ctr(&g, iv, (const unsigned char *)plain, n, raw + 16)) fatal("SM4-CTR");
  field_tag(&g, pfx, iv, raw + 16, n, context, tag);
  memcpy(raw + 16 + n, tag, SM3_LEN);
  const char *lead = g.kid == 1 ? "s1:" : pfx; /* "s1:" or "s2:N:" */
  xwipe(&g, sizeof g);
  size_t rl = 16 + n + SM3_LEN;
  size_t ll = strlen(lead);
  char *out = xmalloc(ll + 2 * rl + 1);
  memcpy(out, lead, ll);
  hex_encode(raw, rl, out + ll);
  free(raw);
  return out;
}

char *field_open(const xkeys *k, const char *context, const char *sealed) {
  if (MUTANT(MUT_SEAL_IN_CLEAR) && strncmp(sealed, "c1:", 3) == 0) return xstrdup(sealed + 3);
  unsigned kid = field_kid(sealed);
  if (!kid) return NULL;
  char pfx[24];
  const char *hex;
  if (!strncmp(sealed, "s1:", 3)) {
    xstrlcpy(pfx, "s1", sizeof pfx);
    hex = sealed + 3;
  } else {
    snprintf(pfx, sizeof pfx, "s2:%u:", kid);
    hex = strchr(sealed + 3, ':') + 1;
    if ((size_t)(hex - sealed) != strlen(pfx) || strncmp(sealed, pfx, strlen(pfx))) return NULL;
  }
  xkeygen g;
  if (!keys_find(k, kid, &g)) return NULL;
  size_t hl = strlen(hex);
  if (hl % 2 || hl < 2 * (16 + SM3_LEN)) return NULL;
  size_t rl = hl / 2;
  unsigned char *raw = xmalloc(rl);
  if (hex_decode(hex, raw, rl)) {
    free(raw);
    return NULL;
  }
  size_t n = rl - 16 - SM3_LEN;
  unsigned char tag[SM3_LEN];
  field_tag(&g, pfx, raw, raw + 16, n, context, tag);
  if (!ct_equal(tag, raw + 16 + n, SM3_LEN)) {
    free(raw);
    xwipe(&g, sizeof g);
    return NULL;
  }
  char *out = xmalloc(n + 1);
  if (sm4_ctr(&g, raw, raw + 16, n, (unsigned char *)out)) fatal("SM4-CTR");
  xwipe(&g, sizeof g);
  out[n] = '\0';
  free(raw);
  return out;
}

unsigned char *blob_seal(const xkeys *k, const char *context, const void *data, size_t n,
                         size_t *outlen) {
  xkeygen g = keys_cur(k);
  unsigned char *raw = xmalloc(16 + n + SM3_LEN);
  rand_bytes(raw, 16);
  if (sm4_ctr(&g, raw, data, n, raw + 16)) fatal("SM4-CTR");
  field_tag(&g, "s1", raw, raw + 16, n, context, raw + 16 + n);
  xwipe(&g, sizeof g);
  *outlen = 16 + n + SM3_LEN;
  return raw;
}

int blob_seal_fd(const xkeys *kk, const char *context, int in_fd, size_t n, int out_fd,
                 unsigned char plain_sm3[SM3_LEN]) {
  xkeygen gk = keys_cur(kk), *k = &gk;
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
  xwipe(&gk, sizeof gk);
  return ok ? 0 : -1;
}

unsigned char *blob_open(const xkeys *k, const char *context, const unsigned char *sealed,
                         size_t n, size_t *outlen) {
  if (n < 16 + SM3_LEN) return NULL;
  size_t m = n - 16 - SM3_LEN;
  xkeygen gs[KEYGEN_MAX];
  int ng = keys_all(k, gs, KEYGEN_MAX);
  unsigned char *out = NULL;
  for (int i = 0; i < ng && !out; i++) {
    unsigned char tag[SM3_LEN];
    field_tag(&gs[i], "s1", sealed, sealed + 16, m, context, tag);
    if (!ct_equal(tag, sealed + 16 + m, SM3_LEN)) continue;
    out = xmalloc(m ? m : 1);
    if (sm4_ctr(&gs[i], sealed, sealed + 16, m, out)) fatal("SM4-CTR");
    *outlen = m;
  }
  xwipe(gs, sizeof gs);
  return out;
}

/* One pass over in_fd (offset 0, n bytes): the tag over "s1" || iv || ct ||
 * context under g compared with the stored one, and, when out_fd >= 0, the
 * plaintext written to out_fd. 0 ok, 1 tag mismatch, -1 I/O. */
static int blob_pass(const xkeygen *g, const char *context, int in_fd, off_t n, int out_fd) {
  enum { CHUNK = 64 * 1024 };
  off_t m = n - 16 - SM3_LEN;
  unsigned char iv[16], stored[SM3_LEN];
  if (pread(in_fd, iv, 16, 0) != 16 || pread(in_fd, stored, SM3_LEN, n - SM3_LEN) != SM3_LEN)
    return -1;
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *mc = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM prm[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
                      OSSL_PARAM_construct_end()};
  int ok = c && mc && EVP_DecryptInit_ex(c, EVP_sm4_ctr(), NULL, g->field_enc, iv) == 1 &&
           EVP_MAC_init(mc, g->field_mac, sizeof g->field_mac, prm) == 1 &&
           EVP_MAC_update(mc, (const unsigned char *)"s1", 2) == 1 &&
           EVP_MAC_update(mc, iv, 16) == 1;
  unsigned char *in = xmalloc(CHUNK), *out = xmalloc(CHUNK + 16);
  off_t off = 16, end = 16 + m;
  int io = 0;
  while (ok && off < end) {
    size_t want = (size_t)(end - off < CHUNK ? end - off : CHUNK);
    ssize_t got = pread(in_fd, in, want, off);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ok = 0;
      io = 1;
      break;
    }
    ok = EVP_MAC_update(mc, in, (size_t)got) == 1;
    if (ok && out_fd >= 0) {
      int l = 0;
      ok = EVP_DecryptUpdate(c, out, &l, in, (int)got) == 1 && l == (int)got;
      if (ok && write_full(out_fd, out, (size_t)l)) {
        ok = 0;
        io = 1;
      }
    }
    off += got;
  }
  unsigned char tag[SM3_LEN];
  size_t tl = 0;
  ok = ok && EVP_MAC_update(mc, (const unsigned char *)context, strlen(context)) == 1 &&
       EVP_MAC_final(mc, tag, &tl, sizeof tag) == 1 && tl == SM3_LEN;
  int rc = io ? -1 : !ok ? -1 : ct_equal(tag, stored, SM3_LEN) ? 0 : 1;
  OPENSSL_cleanse(out, CHUNK + 16);
  free(in);
  free(out);
  EVP_MAC_CTX_free(mc);
  EVP_MAC_free(mac);
  EVP_CIPHER_CTX_free(c);
  return rc;
}

int blob_open_fd(const xkeys *k, const char *context, int in_fd, int out_fd) {
  struct stat st;
  if (fstat(in_fd, &st) != 0) return -1;
  if (st.st_size < 16 + SM3_LEN) return 1;
  xkeygen gs[KEYGEN_MAX];
  int ng = keys_all(k, gs, KEYGEN_MAX), rc = 1;
  for (int i = 0; i < ng && rc == 1; i++) {
    rc = blob_pass(&gs[i], context, in_fd, st.st_size, -1); /* the tag first */
    if (rc == 0) rc = blob_pass(&gs[i], context, in_fd, st.st_size, out_fd);
  }
  xwipe(gs, sizeof gs);
  return rc;
}

unsigned blob_kid_fd(const xkeys *k, const char *context, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 16 + SM3_LEN) return 0;
  xkeygen gs[KEYGEN_MAX];
  int ng = keys_all(k, gs, KEYGEN_MAX);
  unsigned kid = 0;
  for (int i = 0; i < ng && !kid; i++)
    if (blob_pass(&gs[i], context, fd, st.st_size, -1) == 0) kid = gs[i].kid;
  xwipe(gs, sizeof gs);
  return kid;
}
