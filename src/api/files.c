/*
 * files.c — evidence files (佐证材料) of problems and rectification tasks.
 *
 * An upload is the raw request body (POST .../files?name=原文件名.pdf, up to
 * max_upload bytes), streamed by the HTTP layer to an unlinked temp file
 * (r->upload_fd) once the request was authorized from its headers; it is
 * checked, hashed and sealed from there in fixed-size chunks. Its type is decided by its magic bytes and must agree
 * with both the file name's extension and the declared Content-Type; a file
 * that lies about its type is refused (415). The content is SM4-sealed
 * (context "file:<id>") and written under a server-made name in files_dir,
 * outside any web root, fsync'd before the database row commits. A download
 * is always an attachment (never rendered inline), checked against the
 * owner record's scope, verified against its SM3 and audited.
 * A crash between writing a file and committing its row leaves an orphan;
 * after start a background sweep removes old orphans (files_sweep_orphans).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/record.h"
#include "store/faults.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

typedef struct file_owner {
  const char *kind; /* files.owner_kind */
  const rec_kind *rk;
  action_id read_act, write_act;
  const char *const *states; /* states in which files may be added */
  /* who sees a file (core/visibility.c): its owner visible, and the owner's
   * "files" field (a problem's working papers) */
  const vis_kind *vis;
} file_owner;

static const char *const problem_states[] = {"draft", "confirmed", NULL};
static const char *const task_states[] = {"open", "in_progress", NULL};
const file_owner fo_problem = {"problem", &rk_problem, A_PROBLEM_PAPERS, A_PROBLEM_EDIT,
                               problem_states, &vis_file_problem};
const file_owner fo_task = {"rect_task", &rk_task, A_RECT_READ, A_RECT_WRITE, task_states,
                            &vis_file_task};

/* May the user see the files of visible owner id? Asks the model whether
 * the owner's "files" field is visible to them: 1, 0 or <0. */
static int owner_files_visible(req *r, store_tx *tx, const file_owner *fo, const char *id) {
  const vis_kind *ov = fo->rk->vis;
  return vis_row_act(tx, ov, &r->who, vis_field_need(ov, "files"), id);
}

/* ---- types ------------------------------------------------------------------- */
typedef struct ftype_def {
  const char *ext, *ctype, *magic;
  size_t mlen;
} ftype_def;
#define M(s) s, sizeof s - 1
static const ftype_def types[] = {
    {"pdf", "application/pdf", M("%PDF-")},
    {"png", "image/png", M("\x89PNG\r\n\x1a\n")},
    {"jpg", "image/jpeg", M("\xFF\xD8\xFF")},
    {"jpeg", "image/jpeg", M("\xFF\xD8\xFF")},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", M("PK\x03\x04")},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", M("PK\x03\x04")},
    {"ofd", "application/ofd", M("PK\x03\x04")},
    {"doc", "application/msword", M("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")},
    {"xls", "application/vnd.ms-excel", M("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")},
    {"txt", "text/plain", NULL, 0},
};
#undef M

static const ftype_def *type_for_ext(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return NULL;
  for (size_t i = 0; i < sizeof types / sizeof *types; i++)
    if (!strcasecmp(dot + 1, types[i].ext)) return &types[i];
  return NULL;
}

/* Does the content (n bytes of fd, read from offset 0) really have type t?
 * Plain text is checked in chunks: valid UTF-8 without NUL bytes. */
static bool content_is(const ftype_def *t, int fd, size_t n) {
  enum { CHUNK = 64 * 1024 };
  if (t->magic) {
    unsigned char m[16];
    if (n < t->mlen || pread(fd, m, t->mlen, 0) != (ssize_t)t->mlen) return false;
    return memcmp(m, t->magic, t->mlen) == 0;
  }
  char *p = xmalloc(CHUNK + 4);
  size_t carry = 0, off = 0;
  bool ok = true;
  while (ok && off < n) {
    size_t want = n - off < CHUNK ? n - off : CHUNK;
    ssize_t got = pread(fd, p + carry, want, (off_t)off);
    if (got <= 0) {
      ok = false;
      break;
    }
    off += (size_t)got;
    size_t len = carry + (size_t)got, cut = len;
    if (off < n) /* keep an incomplete trailing sequence for the next chunk */
      for (size_t k = 0; k < 3 && cut > 0 && ((unsigned char)p[cut - 1] & 0xC0) == 0x80; k++) cut--;
    if (off < n && cut > 0 && ((unsigned char)p[cut - 1] & 0xC0) == 0xC0) cut--;
    ok = utf8_valid(p, cut) && !memchr(p, '\0', cut);
    carry = len - cut;
    memmove(p, p + cut, carry);
  }
  ok = ok && carry == 0;
  free(p);
  return ok;
}

static bool name_ok(const char *s) {
  size_t n = strlen(s);
  if (!n || n > 300 || !utf8_valid(s, n) || utf8_len(s) > 100) return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == '/' || *p == '\\' || *p == '"' || *p == 0x7f) return false;
  return s[0] != '.';
}

/* ---- storage ------------------------------------------------------------------ */
/* Seals n bytes of in_fd durably as dir/name (temp file, fsync, rename,
 * fsync dir); digest gets the SM3 of the plaintext. */
static int store_sealed(const char *dir, const char *name, const xkeys *k, const char *ctx,
                        int in_fd, size_t n, unsigned char digest[SM3_LEN]) {
  if (mkdir(dir, 0700) && errno != EEXIST) return -1;
  char tmp[4200], dst[4200];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int fe = fault_hit(FAULT_FILE); /* the test build's injected failure (store/faults.h) */
  if (fe) errno = fe == FAULT_FULL ? ENOSPC : EIO;
  if (fe || lseek(in_fd, 0, SEEK_SET) != 0 || blob_seal_fd(k, ctx, in_fd, n, fd, digest) || fsync(fd)) {
    close(fd);
    unlink(tmp);
    return -1;
  }
  close(fd);
  if (rename(tmp, dst)) {
    unlink(tmp);
    return -1;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return 0;
}

static unsigned char *load_file(const char *dir, const char *name, size_t *n) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) || st.st_size < 0 || st.st_size > (off_t)(512 << 20)) {
    close(fd);
    return NULL;
  }
  unsigned char *p = xmalloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t k = read(fd, p + got, (size_t)st.st_size - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += (size_t)k;
  }
  close(fd);
  if (got != (size_t)st.st_size) {
    free(p);
    return NULL;
  }
  *n = got;
  return p;
}

static bool state_in(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (!strcmp(*list, s)) return true;
  return false;
}

/* ---- handlers ------------------------------------------------------------------ */
int h_files_upload(req *r) {
  const file_owner *fo = r->route->arg;
  static const arg_decl upload_args[] = {
      {.name = "name", .label = "文件名", .type = ARG_TEXT, .flags = ARG_NONEMPTY, .max = 100,
       .msg = "「文件名」缺失或无效 (不得含路径或控制字符, 不超过100字)"},
  };
  static const args_spec upload_spec = {.decls = upload_args, .n = ARGS_N(upload_args)};
  args a;
  int bad = api_args(r, &upload_spec, 0, &a);
  args_free(&a);
  if (bad) return r->status;
  const char *name = req_arg(r, "name"); /* checked above; its path rules are name_ok's */
  if (!name || !name_ok(name))
    return api_error(r, 400, "invalid_field", "name", "「文件名」缺失或无效 (不得含路径或控制字符, 不超过100字)");
  const ftype_def *t = type_for_ext(name);
  if (!t)
    return api_error(r, 415, "unsupported_type", "name",
                     "不支持的文件类型, 仅限 PDF、图片 (PNG/JPG)、Word、Excel、OFD 和纯文本");
  if (r->upload_fd <= 0 || r->upload_len == 0)
    return api_error(r, 400, "missing_field", "file", "文件内容为空");
  const char *ct = req_header(r, "Content-Type");
  char decl[128] = "";
  if (ct) {
    size_t k = strcspn(ct, ";");
    snprintf(decl, sizeof decl, "%.*s", (int)(k < 120 ? k : 120), ct);
    while (*decl && decl[strlen(decl) - 1] == ' ') decl[strlen(decl) - 1] = '\0';
  }
  if (!*decl || (strcasecmp(decl, t->ctype) && strcasecmp(decl, "application/octet-stream")))
    return api_error(r, 415, "type_mismatch", "Content-Type",
                     "声明的文件类型 (%s) 与文件名「%s」不符", *decl ? decl : "无", t->ext);
  if (!content_is(t, r->upload_fd, r->upload_len))
    return api_error(r, 415, "type_mismatch", "file", "文件内容与类型「%s」不符, 已拒绝", t->ext);

  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *owner;
  int status = rec_fetch(r, fo->rk, tx, r->params[0], fo->write_act, &owner);
  if (status) return status;
  if (!state_in(rec_s(owner, "state"), fo->states)) {
    api_error(r, 409, "invalid_state", "state", "当前状态为「%s」, 不能再添加佐证材料",
              wf_state_label(fo->rk->wf, rec_s(owner, "state")));
    json_decref(owner);
    store_rollback(tx);
    return r->status;
  }
  json_decref(owner);
  char id[UUID_LEN], now[TS_LEN], ctx[64], stored[64], hex[2 * SM3_LEN + 1];
  uuid7(id);
  ts_now(now);
  snprintf(ctx, sizeof ctx, "file:%s", id);
  snprintf(stored, sizeof stored, "%s.sm4", id);
  unsigned char digest[SM3_LEN] = {0};
  const char *dir = cfg_str(CFG_FILES_DIR);
  int wrc = store_sealed(dir, stored, &r->app->keys, ctx, r->upload_fd, r->upload_len, digest);
  hex_encode(digest, SM3_LEN, hex);
  if (wrc) {
    store_rollback(tx);
    fprintf(stderr, "xunji: %s: cannot store an evidence file in %s: %s\n", r->id, dir, strerror(errno));
    return api_error(r, 500, "storage", "", "文件保存失败, 请联系系统管理员");
  }
  sval p[] = {SV_S(id), SV_S(fo->kind), SV_S(r->params[0]), SV_S(name), SV_S(t->ctype),
              SV_I((int64_t)r->upload_len), SV_S(hex), SV_S(stored), SV_S(r->who.user_id), SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO files(id, owner_kind, owner_id, name, ctype, size, sm3, stored_name, "
                  "uploaded_by, uploaded_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                  p, 10, NULL);
  /* one field, "files", of the owner: withheld where the owner's papers are */
  json_t *d = json_pack("{s:{s:s,s:s,s:s,s:I,s:s}}", "files", "file_id", id, "name", name, "ctype",
                        t->ctype, "size", (json_int_t)r->upload_len, "sm3", hex);
  if (!rc) rc = api_audit(r, tx, "file.upload", fo->kind, r->params[0], "ok", d);
  json_decref(d);
  sval q[] = {SV_S(id)};
  json_t *row = rc ? NULL
                   : store_query_one(tx,
                                     "SELECT id, owner_kind, owner_id, name, ctype, size, sm3, "
                                     "uploaded_at FROM files WHERE id=$1",
                                     q, 1, &rc);
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, stored);
  int st = api_finish(r, tx, row, rc, 201);
  if (st != 201) unlink(path); /* the row did not commit: no orphan file */
  return st;
}

int h_files_list(req *r) {
  const file_owner *fo = r->route->arg;
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *owner;
  /* the owner as its GET shows it (404 when hidden) ... */
  int status = rec_fetch(r, fo->rk, tx, r->params[0], fo->rk->list_act, &owner);
  if (status) return status;
  /* ... and its files field, as the visibility model lets this user see it */
  int vis = owner_files_visible(r, tx, fo, r->params[0]);
  if (vis <= 0) {
    json_decref(owner);
    store_rollback(tx);
    return vis < 0 ? api_store_error(r, vis, NULL) : api_deny(r, fo->read_act, fo->rk->name, r->params[0], 0);
  }
  /* whether this user may add a file now (a write check: the policy on the row
   * and the state), so the page offers the upload only when it would be taken */
  authz_obj o;
  rec_obj(owner, &o);
  bool can_upload = authz(&r->who, fo->write_act, &o) && state_in(rec_s(owner, "state"), fo->states);
  json_decref(owner);
  sval p[2 + VIS_MAXP] = {SV_S(fo->kind), SV_S(r->params[0])};
  int np = 2;
  buf sql;
  buf_init(&sql, 16384);
  buf_adds(&sql,
           "SELECT x.id, x.name, x.ctype, x.size, x.sm3, x.uploaded_at, u.display_name AS "
           "uploaded_by FROM files x LEFT JOIN users u ON u.id=x.uploaded_by WHERE "
           "x.owner_kind=$1 AND x.owner_id=$2");
  json_t *items = NULL;
  if (!vis_where(fo->vis, &r->who, fo->vis->read, &sql, p, &np, VIS_MAXP) &&
      !buf_adds(&sql, " ORDER BY x.uploaded_at, x.id"))
    items = store_query_json(tx, buf_str(&sql), p, np);
  buf_free(&sql);
  store_rollback(tx);
  if (!items) return api_store_error(r, STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:b}", "items", items, "can_upload", can_upload));
}

int h_file_download(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  sval p[] = {SV_S(r->params[0])};
  json_t *f = store_query_one(tx,
                              "SELECT id, owner_kind, owner_id, name, ctype, size, sm3, stored_name "
                              "FROM files WHERE id=$1",
                              p, 1, &rc);
  if (!f) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    return api_error(r, 404, "not_found", "", "文件不存在或无权访问");
  }
  const file_owner *fo = !strcmp(rec_s(f, "owner_kind"), "problem") ? &fo_problem
                         : !strcmp(rec_s(f, "owner_kind"), "rect_task") ? &fo_task
                                                                          : NULL;
  json_t *owner = NULL;
  int status;
  if (fo) {
    /* the owner as its GET shows it (404 when hidden), then the file itself
     * as the visibility model lets this user see it (the owner's files field) */
    status = rec_fetch(r, fo->rk, tx, rec_s(f, "owner_id"), fo->rk->list_act, &owner);
    if (!status) {
      int vis = vis_row(tx, fo->vis, &r->who, rec_s(f, "id"));
      store_rollback(tx);
      if (vis < 0) status = api_store_error(r, vis, NULL);
      else if (!vis) status = api_deny(r, fo->read_act, fo->rk->name, rec_s(f, "owner_id"), 0);
    }
  } else {
    store_rollback(tx);
    status = api_error(r, 404, "not_found", "", "文件不存在或无权访问");
  }
  json_decref(owner);
  if (status) {
    json_decref(f);
    return status;
  }
  size_t n = 0, plen = 0;
  unsigned char *sealed = load_file(cfg_str(CFG_FILES_DIR), rec_s(f, "stored_name"), &n);
  char ctx[64], hex[2 * SM3_LEN + 1];
  snprintf(ctx, sizeof ctx, "file:%s", rec_s(f, "id"));
  unsigned char *plain = sealed ? blob_open(&r->app->keys, ctx, sealed, n, &plen) : NULL;
  free(sealed);
  int intact = 0;
  if (plain) {
    unsigned char digest[SM3_LEN];
    sm3(plain, plen, digest);
    hex_encode(digest, SM3_LEN, hex);
    intact = !strcmp(hex, rec_s(f, "sm3"));
  }
  /* the read is audited (committed) before any byte leaves */
  store_tx *w;
  rc = store_write(r->app->db, &w);
  json_t *d = json_pack("{s:s,s:s}", "file_id", rec_s(f, "id"), "name", rec_s(f, "name"));
  if (!rc) rc = api_audit(r, w, "file.read", rec_s(f, "owner_kind"), rec_s(f, "owner_id"),
                          intact ? "ok" : "failed", d);
  json_decref(d);
  if (rc || api_commit(r, w)) {
    if (!rc) rc = STORE_ERR;
    free(plain);
    json_decref(f);
    return r->status >= 500 ? r->status : api_store_error(r, rc, NULL);
  }
  if (!intact) {
    free(plain);
    json_decref(f);
    return api_error(r, 500, "integrity", "", "文件已损坏或被篡改, 已记录审计");
  }
  /* ?inline=1: a preview of a PDF or an image in the record's page (issue 17),
   * served as its sniffed type under "Content-Security-Policy: sandbox" and
   * nosniff, framable by our own pages only (http/server.c); any other type
   * stays an attachment */
  const char *ctype = rec_s(f, "ctype");
  const char *iv = req_arg(r, "inline");
  bool preview = iv && !strcmp(iv, "1") && ctype &&
                 (!strcmp(ctype, "application/pdf") || !strcmp(ctype, "image/png") ||
                  !strcmp(ctype, "image/jpeg"));
  /* attachment; filename*=UTF-8''<percent-encoded> */
  buf cd;
  buf_init(&cd, 1024);
  buf_adds(&cd, preview ? "inline; filename=\"evidence\"; filename*=UTF-8''"
                        : "attachment; filename=\"evidence\"; filename*=UTF-8''");
  for (const unsigned char *s = (const unsigned char *)rec_s(f, "name"); *s; s++) {
    if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
        *s == '.' || *s == '-' || *s == '_') {
      buf_add(&cd, s, 1);
    } else {
      buf_addf(&cd, "%%%02X", *s);
    }
  }
  /* names are at most 300 bytes (name_ok), so this fits; if not, the plain name */
  xstrlcpy(r->disposition, buf_failed(&cd) ? "attachment; filename=\"evidence\"" : buf_str(&cd),
           sizeof r->disposition);
  buf_free(&cd);
  r->raw = (char *)plain;
  r->rawlen = plen;
  r->ctype = preview ? (!strcmp(ctype, "application/pdf") ? "application/pdf"
                       : !strcmp(ctype, "image/png")     ? "image/png"
                                                         : "image/jpeg")
                     : "application/octet-stream";
  r->frame_self = preview;
  r->status = 200;
  json_decref(f);
  return 200;
}

/* ---- orphans ----------------------------------------------------------------------- */
enum { SWEEP_BATCH = 512 }; /* names checked per read transaction (bounded memory) */
static volatile int sweep_stopping;

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n > k && !strcmp(s + n - k, suf);
}

/* Removes the orphans among names (old enough, ours); returns how many, or -1. */
static int sweep_batch(app *a, int dfd, char **names, int n) {
  store_tx *tx;
  if (store_read(a->db, &tx)) return -1;
  int removed = 0, rc = 0;
  for (int i = 0; i < n && !rc && !sweep_stopping; i++) {
    if (ends_with(names[i], ".sm4")) {
      /* the row names the file exactly as it was stored */
      int64_t k = 1;
      sval p[] = {SV_S(names[i])};
      rc = store_query_int(tx, "SELECT count(*) FROM files WHERE stored_name=$1", p, 1, &k);
      if (rc || k) continue;
    } /* a *.tmp is never the stored name of a committed row */
    if (!unlinkat(dfd, names[i], 0)) removed++;
  }
  store_rollback(tx);
  return rc ? -1 : removed;
}

int files_sweep_orphans(app *a, long min_age) {
  const char *dir = cfg_str(CFG_FILES_DIR);
  DIR *d = opendir(dir);
  if (!d) return 0; /* no directory: nothing was ever stored */
  time_t now = time(NULL);
  char *names[SWEEP_BATCH];
  int n = 0, removed = 0, failed = 0;
  struct dirent *e;
  while (!failed && !sweep_stopping) {
    e = readdir(d);
    if (e && (ends_with(e->d_name, ".tmp") || ends_with(e->d_name, ".sm4"))) {
      struct stat st;
      if (!fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
          now - st.st_mtime >= min_age) /* younger: perhaps an upload in flight */
        names[n++] = xstrdup(e->d_name);
    }
    if (n && (!e || n == SWEEP_BATCH)) {
      int k = sweep_batch(a, dirfd(d), names, n);
      if (k < 0) failed = 1;
      else removed += k;
      while (n) free(names[--n]);
    }
    if (!e) break;
  }
  while (n) free(names[--n]);
  closedir(d);
  if (failed) {
    fprintf(stderr, "xunji: 清理残留文件时无法读取数据库, 已跳过\n");
    return -1;
  }
  if (removed) fprintf(stderr, "xunji: 已清理佐证材料目录中的 %d 个残留文件 (无数据库记录)\n", removed);
  return removed;
}

static pthread_t sweeper;
static int sweeper_running;

static void *sweeper_main(void *arg) {
  files_sweep_orphans(arg, cfg_int(CFG_ORPHAN_MINUTES) * 60);
  return NULL;
}

void files_sweeper_start(app *a) {
  sweep_stopping = 0;
  sweeper_running = pthread_create(&sweeper, NULL, sweeper_main, a) == 0;
}

void files_sweeper_stop(void) {
  if (!sweeper_running) return;
  sweep_stopping = 1;
  pthread_join(sweeper, NULL);
  sweeper_running = 0;
}
