/*
 * fz.c — the real application behind the fuzz targets that enter through the
 * dispatch choke point (see fz.h). Everything below api_dispatch is the
 * production code: the SQLite store on a file in a temporary directory
 * (tmpfs when /dev/shm is there, so a commit costs no disk flush), the keys,
 * the migrations and the demo data of `xunji init --demo`. Only the
 * libmicrohttpd side is replaced: req_arg/req_header/req_cookie/req_each_arg
 * (defined in src/http/server.c for the server, which is not linked here)
 * read a small table filled the way MHD fills its own.
 *
 * Speed: PBKDF2 is wrapped to 1000 iterations (-Wl,--wrap=pw_hash; the
 * production minimum is 100000). The database is restored after each input,
 * table by table and only the tables the input wrote: the store's writer
 * connection is caught as it opens (-Wl,--wrap=sqlite3_open_v2) and given an
 * update hook that marks the tables it changes; the reset copies those back
 * from a snapshot taken after fz_init (VACUUM INTO, attached as "snap"). Plain
 * DML leaves the schema cookie alone, so the store's connections keep their
 * parsed schema and prepared statements (a whole-database sqlite3_backup
 * made every connection re-parse the schema: 4x slower under ASan).
 */
#include "fz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/answers.h"
#include "api/api.h"
#include "cli/cli.h"
#include "sec/crypto.h"
#include "sec/password.h"
#include "util/config.h"
#include "util/jsonout.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- PBKDF2 at a fuzzing cost ------------------------------------------------- */
int __real_pw_hash(const char *pw, unsigned iter, char out[PW_HASH_MAX]);
int __wrap_pw_hash(const char *pw, unsigned iter, char out[PW_HASH_MAX]);
int __wrap_pw_hash(const char *pw, unsigned iter, char out[PW_HASH_MAX]) {
  (void)iter;
  return __real_pw_hash(pw, 1000, out); /* pw_verify refuses fewer */
}

/* ---- which tables the store's writer changed ----------------------------------------------- */
enum { MAX_TABLES = 256 };
static char *tables[MAX_TABLES];
static int ntables, dirty[MAX_TABLES], any_dirty, capture;

static void on_update(void *u, int op, const char *dbname, const char *table, sqlite3_int64 rowid) {
  (void)u;
  (void)op;
  (void)rowid;
  if (strcmp(dbname, "main")) return;
  any_dirty = 1;
  for (int i = 0; i < ntables; i++)
    if (!strcmp(tables[i], table)) {
      dirty[i] = 1;
      return;
    }
}

int __real_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs);
int __wrap_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs);
int __wrap_sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs) {
  int rc = __real_sqlite3_open_v2(path, db, flags, vfs);
  if (rc == SQLITE_OK && capture && !(flags & SQLITE_OPEN_READONLY))
    sqlite3_update_hook(*db, on_update, NULL);
  return rc;
}

/* ---- the MHD side: query arguments, headers, cookies ------------------------------ */
/* No count limit of our own: MHD bounds them only by its 32 KiB per-connection pool. */
typedef struct fz_kvs {
  int n, cap;
  char **k, **v; /* v[i] may be NULL: "?flag" */
} fz_kvs;

typedef struct fz_conn {
  char *method;
  fz_kvs args, hdrs, cookies;
} fz_conn;

#define CONN(r) ((fz_conn *)(void *)(r)->conn)

/* MHD compares keys of every kind without regard to case. */
static const char *lookup(const fz_kvs *t, const char *name) {
  for (int i = 0; i < t->n; i++)
    if (!strcasecmp(t->k[i], name)) return t->v[i];
  return NULL;
}

const char *req_arg(req *r, const char *name) { return lookup(&CONN(r)->args, name); }
const char *req_cookie(req *r, const char *name) { return lookup(&CONN(r)->cookies, name); }
const char *req_header(req *r, const char *name) { return lookup(&CONN(r)->hdrs, name); }
bool req_each_arg(req *r, bool (*fn)(void *ctx, const char *k, const char *v), void *ctx) {
  fz_kvs *t = &CONN(r)->args;
  for (int i = 0; i < t->n; i++)
    if (!fn(ctx, t->k[i], t->v[i] ? t->v[i] : "")) return false;
  return true;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* MHD_http_unescape (and, for arguments, '+' as a space first). */
void fz_unescape(char *s, int plus) {
  char *w = s;
  for (char *p = s; *p; p++) {
    int h, l;
    if (plus && *p == '+') *w++ = ' ';
    else if (*p == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
      *w++ = (char)(h * 16 + l);
      p += 2;
    } else *w++ = *p;
  }
  *w = '\0';
}

static void add_kv(fz_kvs *t, const char *key, size_t kl, const char *val, size_t vl, int has_val) {
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 16;
    t->k = xrealloc(t->k, (size_t)t->cap * sizeof *t->k);
    t->v = xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
  }
  t->k[t->n] = xstrndup(key, kl);
  t->v[t->n] = has_val ? xstrndup(val, vl) : NULL;
  t->n++;
}

static void kvs_free(fz_kvs *t) {
  for (int i = 0; i < t->n; i++) free(t->k[i]), free(t->v[i]);
  free(t->k);
  free(t->v);
}

/* "a=1&b&c=%41" -> arguments, decoded as MHD does. */
static void parse_query(fz_conn *c, const char *q) {
  while (*q) {
    size_t n = strcspn(q, "&");
    const char *eq = memchr(q, '=', n);
    if (n) {
      size_t kl = eq ? (size_t)(eq - q) : n;
      add_kv(&c->args, q, kl, eq ? eq + 1 : "", eq ? n - kl - 1 : 0, eq != NULL);
      fz_unescape(c->args.k[c->args.n - 1], 1);
      if (c->args.v[c->args.n - 1]) fz_unescape(c->args.v[c->args.n - 1], 1);
    }
    q += n;
    if (*q) q++;
  }
}

/* "k=v; k2=v2" -> cookies. */
static void parse_cookies(fz_conn *c, const char *s) {
  while (*s) {
    while (*s == ' ') s++;
    size_t n = strcspn(s, ";");
    const char *eq = memchr(s, '=', n);
    if (eq) add_kv(&c->cookies, s, (size_t)(eq - s), eq + 1, n - (size_t)(eq - s) - 1, 1);
    s += n;
    if (*s) s++;
  }
}

static void conn_free(fz_conn *c) {
  if (!c) return;
  free(c->method);
  kvs_free(&c->args);
  kvs_free(&c->hdrs);
  kvs_free(&c->cookies);
  free(c);
}

/* ---- the application ------------------------------------------------------------- */
const char *const fz_logins[FZ_NROLES] = {
    "member1", "leader1",  "office",       "unit1",     "liaison",   "casemgmt",
    "lg",      "dispatched1", "sysadmin",  "secadmin",  "auditadmin", "conduct",
    "verification", "petitions", "investigation", "cadre", "orgdept",
    "member2", /* left with its one-time password: must change it first */
};

static app A;
static char dir[256], dbpath[300];
static char cookie_tok[FZ_NROLES][65], csrf_tok[FZ_NROLES][65], bearer_tok[FZ_NROLES][68];
static sqlite3 *live; /* ours, with the snapshot attached as "snap" */
static int inited;

enum { MAX_IDS = 32 };
static char ids[128][MAX_IDS][UUID_LEN]; /* by kind letter */
static int nids[128];
static char today[11];

static void die(const char *what, const char *why) {
  fprintf(stderr, "fz: %s: %s\n", what, why ? why : "?");
  exit(1);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  remove(p);
  return 0;
}

/* A crash ends the process with _Exit (no atexit): the directories of
 * processes that are gone are removed by the next one. */
static void sweep(const char *base) {
  DIR *d = opendir(base);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    int pid;
    char p[600];
    if (sscanf(e->d_name, "xunji-fuzz-%d-", &pid) != 1 || pid <= 0) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    snprintf(p, sizeof p, "%s/%s", base, e->d_name);
    nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  }
  closedir(d);
}

static void cleanup(void) {
  if (!inited) return;
  sqlite3_close(live);
  for (int i = 0; i < ntables; i++) free(tables[i]);
  app_close(&A);
  cfg_free();
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void hash_token(const char *tok, char out[65]) {
  unsigned char h[SM3_LEN];
  hmac_sm3(A.keys.token, sizeof A.keys.token, tok, strlen(tok), h);
  hex_encode(h, SM3_LEN, out);
}

static void set(cfg_id id, const char *v) {
  char err[256];
  if (cfg_set(id, v, err, sizeof err)) die("cfg_set", err);
}

static void collect(char kind, const char *sql) {
  store_tx *tx;
  if (store_read(A.db, &tx)) die("store_read", NULL);
  store_rows *rows;
  if (store_query(tx, sql, NULL, 0, &rows)) die("query", sql);
  while (store_next(rows) == 1 && nids[(int)kind] < MAX_IDS)
    xstrlcpy(ids[(int)kind][nids[(int)kind]++], store_text(rows, 0), UUID_LEN);
  store_rows_close(rows);
  store_rollback(tx);
}

/* Users of fz_logins: a known password, a session (cookie + CSRF) and an API token each. */
static void principals(void) {
  store_tx *tx;
  if (store_write(A.db, &tx)) die("store_write", NULL);
  char pw[PW_HASH_MAX], now[TS_LEN];
  if (pw_hash("Xunji-fuzz-2026", 1000, pw)) die("pw_hash", NULL);
  ts_now(now);
  /* far in the future: never idle, never too old, never touched (no write per request) */
  int64_t later = (int64_t)time(NULL) + 10LL * 365 * 86400;
  for (int i = 0; i < FZ_NROLES; i++) {
    char uid[UUID_LEN] = "", h[65];
    char *u = NULL;
    sval q[] = {SV_S(fz_logins[i])};
    if (store_query_text(tx, "SELECT id FROM users WHERE login=$1", q, 1, &u) || !u)
      die("no demo user", fz_logins[i]);
    xstrlcpy(uid, u, sizeof uid);
    free(u);
    sval p[] = {SV_S(pw), SV_I(i == FZ_NROLES - 1), SV_S(now), SV_S(uid)};
    if (store_exec(tx, "UPDATE users SET pw_hash=$1, must_change=$2, pw_changed_at=$3 WHERE id=$4",
                   p, 4, NULL))
      die("update user", store_errmsg(tx));
    snprintf(cookie_tok[i], sizeof cookie_tok[i], "%062d%02d", 0, i);
    memset(cookie_tok[i], 'a', 62);
    snprintf(csrf_tok[i], sizeof csrf_tok[i], "%062d%02d", 0, i);
    memset(csrf_tok[i], 'b', 62);
    snprintf(bearer_tok[i], sizeof bearer_tok[i], "xj_%062d%02d", 0, i);
    memset(bearer_tok[i] + 3, 'c', 62);
    hash_token(cookie_tok[i], h);
    sval s[] = {SV_S(h), SV_S(uid), SV_S(csrf_tok[i]), SV_I(later), SV_I(later)};
    if (store_exec(tx,
                   "INSERT INTO sessions(id_hash,user_id,csrf,created_at,last_seen) "
                   "VALUES($1,$2,$3,$4,$5)",
                   s, 5, NULL))
      die("insert session", store_errmsg(tx));
    char tid[UUID_LEN];
    uuid7(tid);
    hash_token(bearer_tok[i], h);
    sval t[] = {SV_S(tid), SV_S(uid), SV_S("fuzz"), SV_S(h), SV_S(now), SV_I(later)};
    if (store_exec(tx,
                   "INSERT INTO api_tokens(id,user_id,name,token_hash,created_at,expires_at) "
                   "VALUES($1,$2,$3,$4,$5,$6)",
                   t, 6, NULL))
      die("insert token", store_errmsg(tx));
  }
  if (store_commit(tx)) die("commit", NULL);
}

/* Records made through the API itself, so that inputs find records to act on. */
static const char init_script[] =
    "0b POST /api/v1/clues\n\n"
    "{\"target_id\":\"@g0\",\"title\":\"人防办会计公款私存问题\",\"subject_name\":\"王某某\","
    "\"subject_post\":\"会计\",\"source\":\"records\",\"discovered_on\":\"@D\","
    "\"allegation\":\"2019年将人防易地建设费存入个人账户\"}"
    "\n%%\n"
    "0b POST /api/v1/problems\n\n"
    "{\"target_id\":\"@g0\",\"category_id\":\"01940000-0000-7000-8000-040300000000\","
    "\"title\":\"公款私存\",\"description\":\"单位会计将人防易地建设费存入个人账户\","
    "\"amount\":\"1234.56\",\"people\":\"会计 刘某\",\"found_by\":\"records\",\"found_on\":\"@D\","
    "\"inaction\":false}"
    "\n%%\n"
    "0b POST /api/v1/reports\n\n"
    "{\"target_id\":\"@g0\",\"text\":\"巡察报告正文: 发现问题若干\"}"
    "\n%%\n"
    "2b POST /api/v1/persons\n\n{\"name\":\"钱某\",\"org_id\":\"@o24\"}"
    "\n%%\n"
    "2b POST /api/v1/rounds\n\n{\"name\":\"八届市委第六轮巡察\",\"term\":\"八届\",\"seq\":6}"
    "\n%%\n"
    "2b POST /api/v1/teams\n\n{\"round_id\":\"@$4\",\"name\":\"第一巡察组\"}"
    "\n%%\n"
    "2b POST /api/v1/teams/@$5/members\n\n"
    "{\"person_id\":\"@$3\",\"role\":\"member\",\"origin\":\"commission\"}";

void fz_init(void) {
  if (inited) return;
  for (char **e = environ; e && *e;)
    if (!strncmp(*e, "XUNJI_", 6)) {
      char name[128];
      snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
      unsetenv(name);
    } else e++;
  const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  sweep(base);
  snprintf(dir, sizeof dir, "%s/xunji-fuzz-%d-XXXXXX", base, (int)getpid());
  if (!mkdtemp(dir)) die("mkdtemp", dir);
  char err[512], p[400];
  if (cfg_load(NULL, err, sizeof err)) die("cfg_load", err);
  snprintf(dbpath, sizeof dbpath, "%s/x.db", dir);
  set(CFG_DB, dbpath);
  snprintf(p, sizeof p, "%s/web", dir);
  set(CFG_WEB_ROOT, p);
  mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/web/index.html", dir);
  FILE *f = fopen(p, "w");
  if (f) fputs("<!doctype html><title>xunji</title>\n", f), fclose(f);
  snprintf(p, sizeof p, "%s/web/data.bin", dir);
  f = fopen(p, "w");
  if (f) fputs("\x01\x02", f), fclose(f);
  snprintf(p, sizeof p, "%s/secret.txt", dir); /* outside the web root: must never be served */
  f = fopen(p, "w");
  if (f) fputs("FUZZ-SECRET-OUTSIDE-WEB-ROOT\n", f), fclose(f);
  set(CFG_ACCESS_LOG, "0");
  set(CFG_LOGIN_PER_IP_MIN, "100000");
  set(CFG_LOCK_AFTER, "100");
  set(CFG_LOGIN_SOURCE_FREE, "100000"); /* in-memory state across inputs: keep it out of play */
  cfg_finish();
  atexit(cleanup);
  inited = 1;
  if (keyfile_create(cfg_str(CFG_KEY_FILE), err, sizeof err)) die("keyfile", err);
  capture = 1; /* the store's writer connection gets the update hook */
  int bad = app_open(&A, err, sizeof err);
  capture = 0;
  if (bad) die("app_open", err);
  api_init();
  FILE *devnull = fopen("/dev/null", "w");
  if (!devnull || demo_load(&A, devnull, NULL)) die("demo_load", "failed");
  fclose(devnull);
  principals();
  date_format(date_today_shanghai(), today);
  collect('o', "SELECT id FROM orgs ORDER BY rowid");
  collect('t', "SELECT id FROM teams ORDER BY rowid");
  collect('g', "SELECT id FROM targets ORDER BY rowid");
  collect('r', "SELECT id FROM rounds ORDER BY rowid");
  collect('u', "SELECT id FROM users ORDER BY rowid");
  req *made[8];
  int n = fz_run(init_script, sizeof init_script - 1, made, 8);
  for (int i = 0; i < n; i++) {
    if (made[i]->status != 201) {
      char *s = json_dumps(made[i]->out, 0);
      fprintf(stderr, "fz: init request %d: %d %s\n", i, made[i]->status, s ? s : "");
      free(s);
    }
    fz_free(made[i]);
  }
  collect('c', "SELECT id FROM clues ORDER BY rowid");
  collect('p', "SELECT id FROM problems ORDER BY rowid");
  collect('e', "SELECT id FROM reports ORDER BY rowid");
  collect('n', "SELECT id FROM persons ORDER BY rowid");
  nids['t'] = nids['r'] = 0; /* again, with those made above */
  collect('t', "SELECT id FROM teams ORDER BY rowid");
  collect('r', "SELECT id FROM rounds ORDER BY rowid");
  /* the snapshot that fz_reset restores */
  char snapfile[400], sql[600];
  snprintf(snapfile, sizeof snapfile, "%s/snapshot.db", dir);
  if (__real_sqlite3_open_v2(dbpath, &live, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    die("sqlite3_open", dbpath);
  sqlite3_busy_timeout(live, 10000);
  /* the audit table's append-only triggers are for the application, not for a restore */
  sqlite3_db_config(live, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
  char *msg = NULL;
  snprintf(sql, sizeof sql, "VACUUM INTO '%s'; ATTACH '%s' AS snap;", snapfile, snapfile);
  if (sqlite3_exec(live, sql, NULL, NULL, &msg) != SQLITE_OK) die("snapshot", msg);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(live,
                     "SELECT name FROM main.sqlite_schema WHERE type='table' AND name NOT LIKE "
                     "'sqlite_%' ORDER BY name",
                     -1, &st, NULL);
  while (sqlite3_step(st) == SQLITE_ROW && ntables < MAX_TABLES)
    tables[ntables++] = xstrdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  memset(dirty, 0, sizeof dirty);
  any_dirty = 0;
}

static void exec(const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(live, sql, NULL, NULL, &msg) != SQLITE_OK) die("restore", msg);
}

void fz_reset(void) {
  if (!any_dirty || getenv("FZ_NO_RESET")) return;
  exec("BEGIN IMMEDIATE");
  for (int i = 0; i < ntables; i++) {
    if (!dirty[i]) continue;
    char sql[700];
    snprintf(sql, sizeof sql,
             "DELETE FROM main.\"%s\"; INSERT INTO main.\"%s\" SELECT * FROM snap.\"%s\";",
             tables[i], tables[i], tables[i]);
    exec(sql);
    dirty[i] = 0;
  }
  exec("COMMIT");
  any_dirty = 0;
  /* evidence files written by uploads (none exist in the snapshot) */
  const char *fd = cfg_str(CFG_FILES_DIR);
  DIR *d = opendir(fd);
  if (d) {
    struct dirent *e;
    char p[4400];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(p, sizeof p, "%s/%s", fd, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
}

const char *fz_id(char kind, int n) {
  if (kind < 0 || n < 0 || n >= nids[(int)kind]) return "0190aaaa-0000-7000-8000-000000000000";
  return ids[(int)kind][n];
}

/* ---- @-tokens ------------------------------------------------------------------- */
static const char *reply_field(req *r, const char *key, char tmp[32]) {
  json_t *o = r ? r->out : NULL;
  json_t *v = json_object_get(o, key);
  if (!v) v = json_object_get(json_array_get(json_object_get(o, "items"), 0), key);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
    return tmp;
  }
  return !strcmp(key, "version") ? "0" : fz_id(0, -1);
}

char *fz_expand(const char *s, size_t len, req *const *prev, int nprev, size_t *outlen) {
  buf b;
  buf_init(&b, len * 8 + 64);
  for (size_t i = 0; i < len; i++) {
    const char *add = NULL;
    char tmp[32];
    size_t skip = 0;
    if (s[i] == '@' && i + 1 < len) {
      char k = s[i + 1];
      size_t j = i + 2;
      int n = 0, nd = 0;
      while (j < len && nd < 2 && s[j] >= '0' && s[j] <= '9') n = n * 10 + (s[j++] - '0'), nd++;
      if (k == '@') add = "@", skip = 1;
      else if (k == 'x') add = fz_id(0, -1), skip = 1;
      else if (k == 'D') add = today, skip = 1;
      else if (k == 'r') add = fz_id('r', nd ? n : 0), skip = 1 + (size_t)nd;
      else if ((k == '$' || k == 'v') && nd) {
        add = n < nprev ? reply_field(prev[n], k == '$' ? "id" : "version", tmp)
                        : k == 'v' ? "0" : fz_id(0, -1);
        skip = 1 + (size_t)nd;
      } else if (strchr("otgucpen", k) && nd) {
        add = fz_id(k, n), skip = 1 + (size_t)nd;
      }
    }
    if (add) {
      if (buf_adds(&b, add)) break;
      i += skip;
    } else if (buf_add(&b, &s[i], 1)) {
      break;
    }
  }
  if (outlen) *outlen = b.len;
  return buf_take(&b);
}

/* ---- one request ----------------------------------------------------------------- */
/* server.c's upload_tempfile: an unlinked temp file in files_dir. */
static int upload_tempfile(void) {
  const char *d = cfg_str(CFG_FILES_DIR);
  if (mkdir(d, 0700) && errno != EEXIST) return -1;
  int fd = open(d, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  char tmpl[4200];
  snprintf(tmpl, sizeof tmpl, "%s/.upload-XXXXXX", d);
  fd = mkostemp(tmpl, O_CLOEXEC);
  if (fd >= 0) unlink(tmpl);
  return fd;
}

static void fail(req *r, const char *why) {
  char *s = r->out ? json_dumps(r->out, JSON_COMPACT) : NULL;
  fprintf(stderr, "fz: bad reply (%s): %s %s -> %d %s\n", why, r->method, r->path, r->status,
          s ? s : "(no JSON)");
  free(s);
  abort();
}

static int is_str(json_t *o, const char *k, int nonempty) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) && (!nonempty || *json_string_value(v));
}

/* The reply as server.c would send it must be well-formed. */
static void check(req *r) {
  if (r->status < 200 || r->status > 599) fail(r, "status out of range");
  int api = !strcmp(r->path, "/healthz") || !strncmp(r->path, "/api/", 5);
  if (r->raw || r->rawfd > 0) {
    if (r->status != 200) fail(r, "file body with an error status");
    if (!api && r->raw && memmem(r->raw, r->rawlen, "FUZZ-SECRET", 11))
      fail(r, "served a file outside the web root");
  } else if (api || r->out) {
    if (!json_is_object(r->out)) fail(r, "no JSON object");
    char *s = json_dumps(r->out, JSON_COMPACT);
    if (!s) fail(r, "JSON reply cannot be serialised");
    json_error_t je;
    json_t *back = json_loads(s, 0, &je);
    free(s);
    if (!back) fail(r, "JSON reply does not parse back");
    json_decref(back);
    json_t *e = json_object_get(r->out, "error");
    if (r->status >= 400) {
      if (!json_is_object(e) || !is_str(e, "code", 1) || !is_str(e, "message", 1) ||
          !is_str(e, "field", 0))
        fail(r, "error reply without {error:{code,message,field}}");
      /* user-facing text is Chinese: at least one non-ASCII character */
      int zh = 0;
      for (const char *m = json_string_value(json_object_get(e, "message")); *m; m++)
        zh |= (unsigned char)*m >= 0x80;
      if (!zh) fail(r, "error message not in Chinese");
    } else if (e) {
      fail(r, "success status with an error body");
    }
  }
  if (r->status >= 500 && !getenv("FZ_ALLOW_5XX")) fail(r, "server error");
  /* every change acknowledged on the API is in the audit chain (marking a message read is not
   * a change of record) */
  if (api && r->route && r->status < 300 && strcmp(r->method, "GET") && strcmp(r->method, "HEAD") &&
      r->head.seq == 0 && strcmp(r->route->pattern, "/api/v1/messages/{id}/read"))
    fail(r, "a write answered 2xx without an audit entry");
}

req *fz_send(const fz_spec *s) {
  fz_init();
  fz_conn *c = xcalloc(1, sizeof *c);
  req *r = xcalloc(1, sizeof *r);
  static unsigned long long counter;
  r->app = &A;
  r->conn = (struct MHD_Connection *)(void *)c;
  c->method = xstrdup(s->method);
  r->method = c->method;
  const char *q = strchr(s->url, '?');
  r->path = q ? xstrndup(s->url, (size_t)(q - s->url)) : xstrdup(s->url);
  fz_unescape(r->path, 0);
  if (q) parse_query(c, q + 1);
  snprintf(r->id, sizeof r->id, "fuzz-%06llu", ++counter);
  clock_gettime(CLOCK_MONOTONIC, &r->t0);
  xstrlcpy(r->ip, "127.0.0.1", sizeof r->ip);
  xstrlcpy(r->client_ip, r->ip, sizeof r->client_ip);
  int host = 0, cookie_hdr = 0;
  for (int i = 0; i < s->nhdrs && i < FZ_MAX_HDRS; i++) {
    add_kv(&c->hdrs, s->hk[i], strlen(s->hk[i]), s->hv[i], strlen(s->hv[i]), 1);
    if (!strcasecmp(s->hk[i], "Host")) host = 1;
    if (!strcasecmp(s->hk[i], "Cookie")) parse_cookies(c, s->hv[i]), cookie_hdr = 1;
  }
  if (!host) add_kv(&c->hdrs, "Host", 4, "127.0.0.1:8080", 14, 1);
  int ro = s->role >= 0 && s->role < FZ_NROLES ? s->role : -1;
  const char *cname = cfg_int(CFG_COOKIE_SECURE) ? "__Host-xunji" : "xunji";
  char authz[80];
  switch (s->auth) {
    case FZ_BEARER:
    case FZ_BAD_BEARER:
      snprintf(authz, sizeof authz, "Bearer %s",
               s->auth == FZ_BEARER && ro >= 0 ? bearer_tok[ro]
                                               : "xj_0000000000000000000000000000000000000000000000000000000000000000");
      add_kv(&c->hdrs, "Authorization", 13, authz, strlen(authz), 1);
      break;
    case FZ_COOKIE:
    case FZ_COOKIE_BARE:
      if (ro < 0 || cookie_hdr) break;
      add_kv(&c->cookies, cname, strlen(cname), cookie_tok[ro], 64, 1);
      if (s->auth == FZ_COOKIE)
        add_kv(&c->hdrs, "X-CSRF-Token", 12, csrf_tok[ro], 64, 1);
      break;
    case FZ_NONE: break;
  }
  /* server.c's on_request: a request that announces a body is prepared from its headers
   * alone (api_prepare: route, authentication, CSRF, authz) before any of it is read; then
   * the body goes to a buffer (JSON, max_body) or, for an upload route, to an unlinked temp
   * file (max_upload); too large is 413. The global in-flight budget is not modelled. */
  buf_init(&r->body, (size_t)cfg_int(CFG_MAX_BODY));
  r->status = 500;
  int replied = 0;
  if (s->len) {
    if (api_prepare(r)) {
      replied = 1;
    } else {
      int upload = r->route && (r->route->flags & RF_UPLOAD);
      long limit = upload ? cfg_int(CFG_MAX_UPLOAD) : cfg_int(CFG_MAX_BODY);
      if (s->len > (size_t)limit) {
        api_error(r, 413, "too_large", "", "请求体过大 (上限 %ld 字节)", limit);
        replied = 1;
      } else if (upload) {
        r->upload_fd = upload_tempfile();
        if (r->upload_fd <= 0 || write(r->upload_fd, s->body, s->len) != (ssize_t)s->len ||
            lseek(r->upload_fd, 0, SEEK_SET) != 0)
          die("upload temp file", strerror(errno));
        r->upload_len = s->len;
      } else {
        buf_free(&r->body);
        buf_init(&r->body, (size_t)limit);
        if (buf_add(&r->body, s->body, s->len) != BUF_OK) die("body", "buf_add");
      }
    }
  }
  if (!replied) api_dispatch(r);
  /* the answer cache as http/server.c's send_reply uses it: a hit's bytes
   * become the reply checked below; a computed 200 may be kept for the
   * requests that follow in this input */
  if (r->answer && !r->out) {
    size_t n;
    const char *b = answer_body(r->answer, &n);
    r->out = json_loadb(b, n, 0, NULL);
  } else if (r->out && !r->raw && r->rawfd <= 0) {
    size_t n = 0;
    char *o = json_out(r->out, &n);
    answer *e = o ? answers_keep(r, o, n) : NULL;
    if (e) answer_release(e);
    else free(o);
  }
  answers_done(r);
  static int verbose = -1;
  if (verbose < 0) verbose = getenv("FZ_VERBOSE") != NULL;
  if (verbose) {
    char *o = r->out ? json_dumps(r->out, JSON_COMPACT) : NULL;
    fprintf(stderr, "fz: %s %s -> %d %.300s\n", r->method, s->url, r->status,
            o ? o : r->raw ? "(file)" : "");
    free(o);
  }
  check(r);
  return r;
}

void fz_free(req *r) {
  if (!r) return;
  conn_free(CONN(r));
  free(r->path);
  buf_free(&r->body);
  json_decref(r->in);
  json_decref(r->out);
  free(r->raw);
  answers_done(r);
  free(r->akey);
  answer_release(r->answer);
  if (r->rawfd > 0) close(r->rawfd);
  if (r->upload_fd > 0) close(r->upload_fd);
  free(r);
}

/* ---- the text form of a sequence of requests -------------------------------------- */
static int role_of(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch < 'a' + FZ_NROLES - 10) return ch - 'a' + 10;
  return -1;
}

static fz_auth auth_of(char ch) {
  switch (ch) {
    case 'c': return FZ_COOKIE;
    case 'k': return FZ_COOKIE_BARE;
    case 'n': return FZ_NONE;
    case 'w': return FZ_BAD_BEARER;
    default: return FZ_BEARER;
  }
}

int fz_run(const char *data, size_t len, req **out, int max) {
  static const char sep[] = "\n%%\n";
  int n = 0;
  const char *p = data, *end = data + len;
  while (n < max && p <= end) {
    const char *be = memmem(p, (size_t)(end - p), sep, sizeof sep - 1);
    if (!be) be = end;
    /* first line: "<role><auth> METHOD URL" */
    const char *le = memchr(p, '\n', (size_t)(be - p));
    if (!le) le = be;
    char *line = xstrndup(p, (size_t)(le - p));
    char method[16] = "GET";
    const char *url = "/api/v1/me";
    int role = 0;
    fz_auth auth = FZ_BEARER;
    if (strlen(line) >= 2) {
      role = role_of(line[0]);
      auth = auth_of(line[1]);
    }
    char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 && sp2 && sp2 - sp1 - 1 < (long)sizeof method) {
      snprintf(method, sizeof method, "%.*s", (int)(sp2 - sp1 - 1), sp1 + 1);
      url = sp2 + 1;
    }
    fz_spec s = {method, NULL, role, auth, 0, {0}, {0}, NULL, 0};
    char *xurl = fz_expand(url, strlen(url), out, n, NULL);
    s.url = xurl;
    /* header lines up to an empty line, then the body */
    char *mine[2 * FZ_MAX_HDRS];
    int nmine = 0;
    const char *q = le < be ? le + 1 : be;
    while (q < be) {
      const char *e = memchr(q, '\n', (size_t)(be - q));
      if (!e) e = be;
      if (e == q) {
        q++;
        break;
      }
      const char *colon = memchr(q, ':', (size_t)(e - q));
      if (colon && s.nhdrs < FZ_MAX_HDRS - 1) {
        const char *v = colon + 1;
        if (v < e && *v == ' ') v++;
        s.hk[s.nhdrs] = mine[nmine++] = xstrndup(q, (size_t)(colon - q));
        s.hv[s.nhdrs] = mine[nmine++] = fz_expand(v, (size_t)(e - v), out, n, NULL);
        s.nhdrs++;
      }
      q = e < be ? e + 1 : be;
    }
    char *body = NULL;
    if (q < be) {
      body = fz_expand(q, (size_t)(be - q), out, n, &s.len);
      s.body = body;
      int has_ct = 0;
      for (int i = 0; i < s.nhdrs; i++) has_ct |= !strcasecmp(s.hk[i], "Content-Type");
      if (!has_ct) {
        s.hk[s.nhdrs] = "Content-Type";
        s.hv[s.nhdrs++] = "application/json";
      }
    }
    out[n++] = fz_send(&s);
    for (int i = 0; i < nmine; i++) free(mine[i]);
    free(body);
    free(xurl);
    free(line);
    if (be == end) break;
    p = be + sizeof sep - 1;
  }
  return n;
}
