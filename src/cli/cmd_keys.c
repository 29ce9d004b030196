/*
 * cmd_keys.c — `xunji key rotate|status`, `xunji backup`, `xunji restore`
 * (issue 18, items 4 and 5; docs/operations.md "Keys", "Backup and restore").
 *
 * Host-level commands: whoever runs them holds the database and its key file
 * (the system administrator, 三员 sysadmin, on the host). Each is audited in
 * the chain as the host operator (cli:<unix user>).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/record.h"
#include "cli/cli.h"
#include "sec/audit.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- the sealed columns ------------------------------------------------------ */

/* A sealed column: values "s1:…"/"s2:N:…" bound to the context
 * "<kind>:<id><suffix>", id the value of column id_col of the row. */
typedef struct sealed_col {
  const char *table, *column, *kind, *id_col, *suffix;
} sealed_col;

/* Sealed columns that no record kind declares (a kind's rec_sealed is found
 * through the route table). Register here any other column written with
 * field_seal, with the context it is sealed under. */
static const sealed_col extra_sealed[] = {
    /* the TOTP secret (api/twofa.c totp_ctx: "user:<id>:totp") */
    {"user_totp", "secret_enc", "user", "user_id", ":totp"},
};

enum { MAX_SEALED_COLS = 32 };

/* The sealed columns, from the record kinds' declarations (the rec_kind of
 * the generic GET routes) plus extra_sealed, each once. */
static int sealed_cols(sealed_col *out, int max) {
  int n = 0;
  for (int i = 0; i < nroutes; i++) {
    /* every record kind has its GET route on the generic handler */
    if (routes[i].fn != h_rec_get || !(routes[i].flags & RF_RECORD) || !routes[i].arg) continue;
    const rec_kind *k = routes[i].arg;
    for (int j = 0; j < k->nsealed; j++) {
      bool dup = false;
      for (int m = 0; m < n; m++)
        dup = dup || (!strcmp(out[m].table, k->table) && !strcmp(out[m].column, k->sealed[j].column));
      if (!dup && n < max) out[n++] = (sealed_col){k->table, k->sealed[j].column, k->name, "id", ""};
    }
  }
  for (size_t i = 0; i < sizeof extra_sealed / sizeof *extra_sealed; i++)
    if (n < max) out[n++] = extra_sealed[i];
  return n;
}

/* ---- key rotate ------------------------------------------------------------------ */

static const char key_help[] =
    "用法: xunji key rotate [--batch N] [--max-batches N] [--grace 秒] [选项]\n"
    "      xunji key status [选项]\n\n"
    "rotate  生成新的主密钥 (追加到密钥文件, 旧密钥保留用于核对审计链), 然后在服务运行时\n"
    "        分批 (每批一个事务) 用新密钥重新加密全部加密字段、重新计算授权记录与安全设置的\n"
    "        完整性标签。进度记录在数据库中: 中断后再次运行即从断点继续。\n"
    "        --batch N        每批记录数 (默认 200)\n"
    "        --max-batches N  本次最多处理 N 批后停止 (0: 不限; 用于限制负载, 再次运行继续)\n"
    "        --grace 秒       写入新密钥后等待运行中的服务加载它 (默认 1)\n"
    "status  显示当前密钥编号、轮换进度与各密钥下的加密字段数\n" CLI_COMMON_HELP;

/* Work item: the sealed columns, then user_roles, then security_settings. */
typedef struct rot {
  app *a;
  unsigned kid;
  sealed_col cols[MAX_SEALED_COLS];
  int ncols;
  int64_t resealed, retagged, files;
  int64_t failed;     /* values, files and tags whose check failed under every key */
  int64_t failed_col; /* of which sealed column values (in this pass) */
  char *after;        /* the last primary key done in the current phase ("": none) */
} rot;

static void col_ctx(const sealed_col *c, const char *id, char *ctx, size_t n) {
  snprintf(ctx, n, "%s:%s%s", c->kind, id, c->suffix);
}

/* The tables are walked in the order of their (text) primary key, the same
 * on both backends: *after is the last key done ("" before the first), owned
 * by the caller and replaced as the walk goes on. */
static void set_after(char **after, const char *key) {
  if (!key) return;
  char *k = xstrdup(key);
  free(*after);
  *after = k;
}

/* One batch of column c after the key *after: re-seals values not under
 * rt->kid (compare-and-set, so a concurrent edit wins). Sets *more when the
 * batch was full. */
static int reseal_batch(rot *rt, store_tx *tx, const sealed_col *c, char **after, int limit,
                        bool *more) {
  char sql[320];
  snprintf(sql, sizeof sql,
           "SELECT %s AS id, %s FROM %s WHERE %s > $1 AND %s IS NOT NULL ORDER BY %s LIMIT $2",
           c->id_col, c->column, c->table, c->id_col, c->column, c->id_col);
  sval p[] = {SV_S(*after), SV_I(limit)};
  json_t *rows = store_query_json(tx, sql, p, 2);
  if (!rows) return STORE_ERR;
  char upd[256];
  snprintf(upd, sizeof upd, "UPDATE %s SET %s=$1 WHERE %s=$2 AND %s=$3", c->table, c->column,
           c->id_col, c->column);
  int rc = STORE_OK;
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    const char *v = json_string_value(json_object_get(it, c->column));
    set_after(after, id);
    if (!id || !v || field_kid(v) == rt->kid) continue;
    char ctx[160];
    col_ctx(c, id, ctx, sizeof ctx);
    char *plain = field_open(&rt->a->keys, ctx, v);
    if (!plain) { /* altered: left as it is, for the reader to see the failed check */
      rt->failed++;
      rt->failed_col++;
      fprintf(stderr, "xunji: %s.%s 的记录 %s 密文校验失败, 未重新加密\n", c->table, c->column, id);
      continue;
    }
    char *sealed = field_seal(&rt->a->keys, ctx, plain);
    xwipe(plain, strlen(plain));
    free(plain);
    sval q[] = {SV_S(sealed), SV_S(id), SV_S(v)};
    int64_t ch = 0;
    rc = store_exec(tx, upd, q, 3, &ch);
    free(sealed);
    if (rc) break;
    rt->resealed += ch;
  }
  *more = json_array_size(rows) == (size_t)limit;
  json_decref(rows);
  return rc;
}

/* One batch of evidence files (table files, sealed blobs in files_dir under
 * the context "file:<id>", see api/files.c): a file whose tag holds under
 * another key than rt->kid is opened into an unlinked temporary file and
 * sealed again under rt->kid beside it, then renamed over it (readers see
 * the old or the new file; both open). Blobs carry no key id: the key is
 * found by its tag. */
static int reseal_files_batch(rot *rt, store_tx *tx, char **after, int limit, bool *more) {
  sval p[] = {SV_S(*after), SV_I(limit)};
  json_t *rows = store_query_json(tx,
                                  "SELECT id, stored_name FROM files WHERE id > $1 "
                                  "ORDER BY id LIMIT $2",
                                  p, 2);
  if (!rows) return STORE_ERR;
  const char *dir = cfg_str(CFG_FILES_DIR);
  size_t i;
  json_t *it;
  int rc = STORE_OK;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id")),
               *name = json_string_value(json_object_get(it, "stored_name"));
    set_after(after, id);
    if (!id || !name || strchr(name, '/')) continue;
    char path[4200], tmp[4300], plainp[4300], ctx[96];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.rekey.tmp", dir, name);
    snprintf(plainp, sizeof plainp, "%s/.%s.plain.tmp", dir, name);
    snprintf(ctx, sizeof ctx, "file:%s", id);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) continue; /* removed meanwhile */
    unsigned kid = blob_kid_fd(&rt->a->keys, ctx, in);
    if (kid == rt->kid) {
      close(in);
      continue;
    }
    if (!kid) {
      close(in);
      rt->failed++;
      fprintf(stderr, "xunji: 佐证材料 %s 的密文校验失败, 未重新加密\n", id);
      continue;
    }
    int pf = open(plainp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (pf >= 0) unlink(plainp); /* never visible by name */
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int ok = pf >= 0 && out >= 0 && blob_open_fd(&rt->a->keys, ctx, in, pf) == 0;
    off_t n = ok ? lseek(pf, 0, SEEK_END) : -1;
    ok = ok && n >= 0 && lseek(pf, 0, SEEK_SET) == 0 &&
         blob_seal_fd(&rt->a->keys, ctx, pf, (size_t)n, out, NULL) == 0 && fsync(out) == 0;
    close(in);
    if (pf >= 0) close(pf);
    if (out >= 0) ok = close(out) == 0 && ok;
    if (!ok || rename(tmp, path)) {
      unlink(tmp);
      cli_err("佐证材料 %s 重新加密失败: %s", id, strerror(errno));
      rc = STORE_ERR;
      break;
    }
    rt->files++;
  }
  if (rt->files) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
  }
  *more = json_array_size(rows) == (size_t)limit;
  json_decref(rows);
  return rc;
}

/* Evidence files whose tag does not hold under kid. */
static int64_t files_not_under(app *a, unsigned kid) {
  store_tx *tx;
  if (store_read(a->db, &tx)) return -1;
  json_t *rows = store_query_json(tx, "SELECT id, stored_name FROM files", NULL, 0);
  store_rollback(tx);
  if (!rows) return -1;
  int64_t n = 0;
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *id = json_string_value(json_object_get(it, "id")),
               *name = json_string_value(json_object_get(it, "stored_name"));
    if (!id || !name || strchr(name, '/')) continue;
    char path[4200], ctx[96];
    snprintf(path, sizeof path, "%s/%s", cfg_str(CFG_FILES_DIR), name);
    snprintf(ctx, sizeof ctx, "file:%s", id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (blob_kid_fd(&a->keys, ctx, fd) != kid) n++;
    close(fd);
  }
  json_decref(rows);
  return n;
}

/* Re-tags grants (user_roles) or security settings whose tag holds under any
 * key; a tag that holds under none is left for the check on use to refuse. */
static int retag_batch(rot *rt, store_tx *tx, bool grants, char **after, int limit, bool *more) {
  const char *sql = grants ? "SELECT id AS k, user_id, role, scope_kind, scope_id, ends_at, tag "
                             "FROM user_roles "
                             "WHERE id > $1 ORDER BY id LIMIT $2"
                           : "SELECT name AS k, name, value, tag FROM security_settings WHERE name > $1 "
                             "ORDER BY name LIMIT $2";
  sval p[] = {SV_S(*after), SV_I(limit)};
  json_t *rows = store_query_json(tx, sql, p, 2);
  if (!rows) return STORE_ERR;
  int rc = STORE_OK;
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *key = json_string_value(json_object_get(it, "k"));
    const char *tag = json_string_value(json_object_get(it, "tag"));
    set_after(after, key);
    if (!key) continue;
    char want[65];
    bool ok;
    if (grants) {
      const char *u = json_string_value(json_object_get(it, "user_id")),
                 *r = json_string_value(json_object_get(it, "role")),
                 *sk = json_string_value(json_object_get(it, "scope_kind")),
                 *sid = json_string_value(json_object_get(it, "scope_id"));
      const char *ends = json_string_value(json_object_get(it, "ends_at"));
      if (!u || !r || !sk || !sid) continue;
      grant_tag_until(rt->a, u, r, sk, sid, ends, want);
      ok = grant_tag_ok(rt->a, u, r, sk, sid, ends, tag);
    } else {
      const char *name = json_string_value(json_object_get(it, "name"));
      int64_t v = json_integer_value(json_object_get(it, "value"));
      if (!name) continue;
      setting_tag(rt->a, name, v, want);
      ok = setting_tag_ok(rt->a, name, v, tag);
    }
    if (!ok) {
      rt->failed++;
      fprintf(stderr, "xunji: %s 的记录 %s 的完整性标签校验失败, 未重新计算\n",
              grants ? "user_roles" : "security_settings", key);
      continue;
    }
    if (tag && !strcmp(tag, want)) continue;
    sval q[] = {SV_S(want), SV_S(key), SV_S(tag)};
    int64_t ch = 0;
    rc = store_exec(tx,
                    grants ? "UPDATE user_roles SET tag=$1 WHERE id=$2 AND tag=$3"
                           : "UPDATE security_settings SET tag=$1 WHERE name=$2 AND tag=$3",
                    q, 3, &ch);
    if (rc) break;
    rt->retagged += ch;
  }
  *more = json_array_size(rows) == (size_t)limit;
  json_decref(rows);
  return rc;
}

/* Values of the sealed columns not (yet) under key kid. */
static int64_t not_under(store *db, const sealed_col *cols, int n, unsigned kid) {
  store_tx *tx;
  if (store_read(db, &tx)) return -1;
  int64_t total = 0;
  char pat[32];
  snprintf(pat, sizeof pat, "s2:%u:%%", kid);
  for (int i = 0; i < n; i++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s IS NOT NULL AND %s NOT LIKE $1",
             cols[i].table, cols[i].column, cols[i].column);
    sval p[] = {SV_S(pat)};
    int64_t c = 0;
    if (store_query_int(tx, sql, p, 1, &c)) {
      total = -1;
      break;
    }
    total += c;
  }
  store_rollback(tx);
  return total;
}

static int key_status(app *a) {
  sealed_col cols[MAX_SEALED_COLS];
  int n = sealed_cols(cols, MAX_SEALED_COLS);
  xkeygen g = keys_cur(&a->keys);
  printf("当前密钥编号: %u (密钥文件 %s)\n", g.kid, cfg_str(CFG_KEY_FILE));
  xwipe(&g, sizeof g);
  store_tx *tx;
  if (store_read(a->db, &tx)) return EX_FAIL;
  json_t *r = store_query_one(tx, "SELECT * FROM key_rotation WHERE id=1", NULL, 0, &(int){0});
  if (r) {
    printf("轮换: 目标密钥 %lld, 状态 %s, 已重新加密 %lld, 已重算标签 %lld, 开始 %s%s%s\n",
           (long long)json_integer_value(json_object_get(r, "to_kid")),
           json_string_value(json_object_get(r, "state")),
           (long long)json_integer_value(json_object_get(r, "resealed")),
           (long long)json_integer_value(json_object_get(r, "retagged")),
           json_string_value(json_object_get(r, "started_at")),
           json_string_value(json_object_get(r, "finished_at")) ? ", 完成 " : "",
           json_string_value(json_object_get(r, "finished_at")) ?: "");
    json_decref(r);
  } else {
    printf("轮换: 从未进行\n");
  }
  for (int i = 0; i < n; i++) {
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN %s LIKE 's1:%%' THEN 1 WHEN %s LIKE 's2:%%' THEN "
             "CAST(substr(%s, 4, instr(substr(%s, 4), ':') - 1) AS INTEGER) ELSE 0 END AS kid, "
             "count(*) AS n FROM %s WHERE %s IS NOT NULL GROUP BY kid ORDER BY kid",
             cols[i].column, cols[i].column, cols[i].column, cols[i].column, cols[i].table,
             cols[i].column);
    json_t *rows = store_query_json(tx, sql, NULL, 0);
    size_t j;
    json_t *it;
    json_array_foreach(rows, j, it) {
      printf("%s.%s: 密钥 %lld 下 %lld 个\n", cols[i].table, cols[i].column,
             (long long)json_integer_value(json_object_get(it, "kid")),
             (long long)json_integer_value(json_object_get(it, "n")));
    }
    json_decref(rows);
  }
  store_rollback(tx);
  xkeygen cur = keys_cur(&a->keys);
  printf("佐证材料: 不在当前密钥下的 %lld 个\n", (long long)files_not_under(a, cur.kid));
  xwipe(&cur, sizeof cur);
  return EX_OK;
}

static int key_rotate_run(rot *rt, int batch, int max_batches, int grace) {
  app *a = rt->a;
  rt->ncols = sealed_cols(rt->cols, MAX_SEALED_COLS);
  store_tx *tx;
  int rc;
  if ((rc = store_read(a->db, &tx))) return EX_FAIL;
  json_t *row = store_query_one(tx, "SELECT * FROM key_rotation WHERE id=1", NULL, 0, &rc);
  store_rollback(tx);
  bool resume = row && !strcmp(json_string_value(json_object_get(row, "state")) ?: "", "running");
  int64_t phase = 0;
  char err[512];
  if (resume) {
    rt->kid = (unsigned)json_integer_value(json_object_get(row, "to_kid"));
    phase = json_integer_value(json_object_get(row, "col"));
    set_after(&rt->after, json_string_value(json_object_get(row, "after_key")));
    xkeygen g = keys_cur(&a->keys);
    unsigned cur = g.kid;
    xwipe(&g, sizeof g);
    json_decref(row);
    if (cur != rt->kid) {
      cli_err("密钥文件中的当前密钥 (编号 %u) 与数据库中进行中的轮换 (目标密钥 %u) 不符", cur,
              rt->kid);
      return EX_FAIL;
    }
    printf("继续进行中的密钥轮换 (目标密钥 %u)\n", rt->kid);
  } else {
    json_decref(row);
    xkeygen old = keys_cur(&a->keys);
    unsigned from = old.kid;
    xwipe(&old, sizeof old);
    if (keyfile_add_key(cfg_str(CFG_KEY_FILE), a->keys.ring, &rt->kid, err, sizeof err)) {
      cli_err("%s", err);
      return EX_FAIL;
    }
    keys_refresh(&a->keys);
    xkeygen g = keys_cur(&a->keys);
    unsigned cur = g.kid;
    xwipe(&g, sizeof g);
    if (cur != rt->kid) {
      cli_err("新密钥 (编号 %u) 写入后未能加载", rt->kid);
      return EX_FAIL;
    }
    char now[TS_LEN];
    ts_now(now);
    if ((rc = store_write(a->db, &tx))) return EX_FAIL;
    sval p[] = {SV_I(rt->kid), SV_S(now)};
    rc = store_exec(tx,
                    "INSERT INTO key_rotation(id,to_kid,state,col,after_rowid,after_key,resealed,"
                    "retagged,batches,started_at,finished_at) VALUES(1,$1,'running',0,0,'',0,0,0,$2,"
                    "NULL) ON CONFLICT (id) DO UPDATE SET to_kid=excluded.to_kid, state='running', "
                    "col=0, after_rowid=0, after_key='', resealed=0, retagged=0, batches=0, "
                    "started_at=excluded.started_at, finished_at=NULL",
                    p, 2, NULL);
    /* the first entry under the new key: its prev_hash is the old key's last hash */
    json_t *d = json_pack("{s:i,s:i}", "from_key", (int)from, "to_key", (int)rt->kid);
    if (!rc) rc = cli_audit(a, tx, "key.rotate.start", "key", NULL, d);
    json_decref(d);
    if (!rc) rc = store_commit(tx);
    else store_rollback(tx);
    if (rc) {
      cli_err("无法记录密钥轮换的开始 (新密钥 %u 已写入密钥文件; 再次运行将另生成一个)", rt->kid);
      return EX_FAIL;
    }
    cli_anchor(a);
    printf("已生成新密钥 (编号 %u), 旧密钥 %u 保留在密钥文件中\n", rt->kid, from);
    if (grace > 0) sleep((unsigned)grace); /* servers load it at their next request */
  }

  /* phases: the sealed columns, the evidence files, grants, security settings */
  int nphases = rt->ncols + 3, batches = 0, sweeps = 0;
  while (phase < nphases) {
    if (max_batches > 0 && batches >= max_batches) {
      printf("已处理 %d 批, 轮换尚未完成; 再次运行 xunji key rotate 从断点继续\n", batches);
      return EX_OK;
    }
    if ((rc = store_write(a->db, &tx))) return EX_FAIL;
    bool more = false;
    int64_t before_s = rt->resealed, before_t = rt->retagged;
    if (phase < rt->ncols) rc = reseal_batch(rt, tx, &rt->cols[phase], &rt->after, batch, &more);
    else if (phase == rt->ncols) rc = reseal_files_batch(rt, tx, &rt->after, batch, &more);
    else rc = retag_batch(rt, tx, phase == rt->ncols + 1, &rt->after, batch, &more);
    int64_t nphase = more ? phase : phase + 1;
    if (!more) set_after(&rt->after, "");
    sval p[] = {SV_I(nphase), SV_S(rt->after), SV_I(rt->resealed - before_s),
                SV_I(rt->retagged - before_t)};
    if (!rc)
      rc = store_exec(tx,
                      "UPDATE key_rotation SET col=$1, after_key=$2, resealed=resealed+$3, "
                      "retagged=retagged+$4, batches=batches+1 WHERE id=1",
                      p, 4, NULL);
    if (!rc) rc = store_commit(tx);
    else store_rollback(tx);
    if (rc) {
      cli_err("第 %d 批写入失败 (已提交的批次保留; 再次运行从断点继续)", batches + 1);
      return EX_FAIL;
    }
    batches++;
    phase = nphase;
    if (phase == nphases) {
      /* a server that sealed under the old key while we passed: sweep again */
      int64_t left = not_under(a->db, rt->cols, rt->ncols, rt->kid);
      if (left < 0) return EX_FAIL;
      if (left > rt->failed_col && sweeps < 3) {
        sweeps++;
        phase = 0;
        set_after(&rt->after, "");
        rt->failed_col = 0;
      }
    }
  }
  int64_t left = not_under(a->db, rt->cols, rt->ncols, rt->kid);
  int64_t files_left = files_not_under(a, rt->kid);
  if (left >= 0 && files_left > 0) left += files_left;
  char now[TS_LEN];
  ts_now(now);
  if ((rc = store_write(a->db, &tx))) return EX_FAIL;
  sval p[] = {SV_S(now)};
  rc = store_exec(tx, "UPDATE key_rotation SET state='done', finished_at=$1 WHERE id=1", p, 1, NULL);
  json_t *d = json_pack("{s:i,s:I,s:I,s:I,s:I}", "to_key", (int)rt->kid, "resealed_run",
                        (json_int_t)rt->resealed, "files_run", (json_int_t)rt->files, "retagged_run",
                        (json_int_t)rt->retagged, "not_resealed", (json_int_t)left);
  if (!rc) rc = cli_audit(a, tx, "key.rotate.done", "key", NULL, d);
  json_decref(d);
  if (!rc) rc = store_commit(tx);
  else store_rollback(tx);
  if (rc) return EX_FAIL;
  cli_anchor(a);
  printf("密钥轮换完成: 当前密钥 %u; 本次重新加密 %lld 个字段、%lld 个佐证材料, 重算 %lld 个完整性标签\n",
         rt->kid, (long long)rt->resealed, (long long)rt->files, (long long)rt->retagged);
  if (left > 0) {
    printf("警告: 仍有 %lld 个加密字段或佐证材料未在新密钥下 (密文校验失败, 见上)\n", (long long)left);
    return EX_FAIL;
  }
  return EX_OK;
}

/* The rotation, owning the walk's position. */
static int key_rotate(app *a, int batch, int max_batches, int grace) {
  rot rt = {.a = a, .after = xstrdup("")};
  int rc = key_rotate_run(&rt, batch, max_batches, grace);
  free(rt.after);
  return rc;
}

static int parse_count(const char *s, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

int cmd_key(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"batch", required_argument, NULL, 'b'},
                                       {"max-batches", required_argument, NULL, 'm'},
                                       {"grace", required_argument, NULL, 'g'},
                                       {NULL, 0, NULL, 0}};
  int c, batch = 200, maxb = 0, grace = 1;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(key_help, stdout);
      return EX_OK;
    }
    if (c == 'b' || c == 'm' || c == 'g') {
      int *dst = c == 'b' ? &batch : c == 'm' ? &maxb : &grace;
      if (parse_count(optarg, c == 'b' ? 1 : 0, c == 'g' ? 600 : 1000000, dst)) {
        cli_err("--%s 的值无效: %s", c == 'b' ? "batch" : c == 'm' ? "max-batches" : "grace",
                optarg);
        return EX_USAGE;
      }
    } else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(key_help, stderr);
      return EX_USAGE;
    }
  }
  const char *sub = optind < argc ? argv[optind] : "";
  if ((strcmp(sub, "rotate") && strcmp(sub, "status")) || optind + 1 != argc) {
    fputs(key_help, stderr);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  int rc = !strcmp(sub, "rotate") ? key_rotate(&a, batch, maxb, grace) : key_status(&a);
  app_close(&a);
  return rc;
}

/* ---- backup and restore -------------------------------------------------------- */

static const char backup_help[] =
    "用法: xunji backup --out 目录 [选项]\n"
    "      xunji restore --from 目录 --to 新目录 [选项]\n\n"
    "backup   在服务运行时备份: SQLite 在线备份 (一个一致的快照) 经 SM4 加密为 xunji.db.sm4,\n"
    "         另含密钥文件副本、审计锚点与佐证材料 (原已加密), MANIFEST 记录各文件的 SM3 与\n"
    "         HMAC-SM3。目录须不存在或为空。密钥副本请与备份分开保管。\n"
    "restore  核对 MANIFEST 后将备份恢复到新目录 (须不存在或为空): xunji.db、xunji.db.key、\n"
    "         xunji.db.audit-anchor、xunji.db.files/, 并核对审计链。任何文件被改动即拒绝恢复。\n"
    "         之后: xunji serve --db 新目录/xunji.db\n" CLI_COMMON_HELP;

static const char BACKUP_CTX[] = "xunji-backup:xunji.db";

static void sm3_hex_fd(int fd, char out[65], int64_t *size) {
  unsigned char h[SM3_LEN];
  if (sm3_fd(fd, h, size)) memset(h, 0, sizeof h); /* a read error: no file hashes to zero */
  hex_encode(h, SM3_LEN, out);
}

/* Copies src to dst (created, mode). 0 or -1. */
static int copy_file(const char *src, const char *dst, mode_t mode) {
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) return -1;
  int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (out < 0) {
    close(in);
    return -1;
  }
  char b[65536];
  ssize_t n;
  int ok = 1;
  while (ok && (n = read(in, b, sizeof b)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = 0;
      break;
    }
    for (ssize_t off = 0; ok && off < n;) {
      ssize_t w = write(out, b + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) ok = 0;
      else off += w;
    }
  }
  ok = ok && fsync(out) == 0;
  close(in);
  ok = close(out) == 0 && ok;
  return ok ? 0 : -1;
}

/* DIR must not exist (created 0700) or be empty. */
static int fresh_dir(const char *dir) {
  if (mkdir(dir, 0700) == 0) return 0;
  if (errno != EEXIST) {
    cli_err("无法创建目录 %s: %s", dir, strerror(errno));
    return -1;
  }
  DIR *d = opendir(dir);
  if (!d) {
    cli_err("无法打开目录 %s: %s", dir, strerror(errno));
    return -1;
  }
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  if (n) {
    cli_err("目录 %s 不为空, 拒绝写入", dir);
    return -1;
  }
  return 0;
}

static void path_join(char *out, size_t n, const char *dir, const char *name) {
  snprintf(out, n, "%s/%s", dir, name);
}

/* Appends "file NAME SIZE SM3" for DIR/NAME to the manifest. */
static int manifest_add(buf *m, const char *dir, const char *name) {
  char p[4200];
  path_join(p, sizeof p, dir, name);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char h[65];
  int64_t size = 0;
  sm3_hex_fd(fd, h, &size);
  close(fd);
  buf_addf(m, "file %s %" PRId64 " %s\n", name, size, h);
  return 0;
}

static void manifest_mac(const xkeys *k, const char *text, size_t n, char out[65]) {
  row_tag(k, text, n, out);
}

static int do_backup(app *a, const char *out) {
  /* SQLite's online backup only: a PostgreSQL database is refused before
   * anything is written (the store's message names pg_basebackup/pg_dump) */
  if (strcmp(store_backend(a->db), "sqlite")) {
    char msg[512];
    store_backup(a->db, NULL, msg, sizeof msg);
    cli_err("xunji backup 只能备份 SQLite 数据库: %s", msg);
    return EX_FAIL;
  }
  if (fresh_dir(out)) return EX_FAIL;
  char p[4200], q[4200], err[512];
  buf m;
  buf_init(&m, 4 << 20);
  xkeygen g = keys_cur(&a->keys);
  unsigned kid = g.kid;
  xwipe(&g, sizeof g);
  char now[TS_LEN];
  ts_now(now);
  buf_addf(&m, "xunji-backup 1\ncreated %s\nkey_id %u\n", now, kid);
  /* 1. the anchor before the snapshot: never ahead of the database's head */
  path_join(p, sizeof p, out, "audit-anchor");
  bool have_anchor = a->anchor && *a->anchor && access(a->anchor, F_OK) == 0;
  if (have_anchor && copy_file(a->anchor, p, 0600)) {
    cli_err("无法复制审计锚点文件 %s: %s", a->anchor, strerror(errno));
    goto fail;
  }
  /* 2. the database: online backup to a temporary copy, sealed, removed */
  path_join(q, sizeof q, out, ".xunji.db.plain");
  if (store_backup(a->db, q, err, sizeof err)) {
    cli_err("%s", err);
    goto fail;
  }
  path_join(p, sizeof p, out, "xunji.db.sm4");
  int in = open(q, O_RDONLY | O_CLOEXEC);
  int sf = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  struct stat st;
  int ok = in >= 0 && sf >= 0 && fstat(in, &st) == 0 &&
           blob_seal_fd(&a->keys, BACKUP_CTX, in, (size_t)st.st_size, sf, NULL) == 0 &&
           fsync(sf) == 0;
  if (in >= 0) close(in);
  if (sf >= 0) ok = close(sf) == 0 && ok;
  unlink(q);
  if (!ok) {
    cli_err("加密备份文件 %s 失败", p);
    goto fail;
  }
  /* 3. the key file (keep this copy apart from the backup) */
  path_join(p, sizeof p, out, "master.key");
  if (copy_file(cfg_str(CFG_KEY_FILE), p, 0400)) {
    cli_err("无法复制密钥文件: %s", strerror(errno));
    goto fail;
  }
  /* 4. evidence files: sealed already, copied as they are */
  path_join(p, sizeof p, out, "files");
  if (mkdir(p, 0700)) goto fail;
  int nfiles = 0;
  DIR *d = opendir(cfg_str(CFG_FILES_DIR));
  if (d) {
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char src[4200], dst[4300];
      path_join(src, sizeof src, cfg_str(CFG_FILES_DIR), e->d_name);
      struct stat fs;
      if (stat(src, &fs) || !S_ISREG(fs.st_mode)) continue;
      snprintf(dst, sizeof dst, "%s/files/%s", out, e->d_name);
      if (copy_file(src, dst, 0600)) {
        if (errno == ENOENT) continue; /* removed meanwhile */
        cli_err("无法复制佐证材料 %s: %s", src, strerror(errno));
        closedir(d);
        goto fail;
      }
      char rel[300];
      snprintf(rel, sizeof rel, "files/%s", e->d_name);
      if (manifest_add(&m, out, rel)) {
        closedir(d);
        goto fail;
      }
      nfiles++;
    }
    closedir(d);
  }
  if (manifest_add(&m, out, "xunji.db.sm4") || manifest_add(&m, out, "master.key") ||
      (have_anchor && manifest_add(&m, out, "audit-anchor")) || buf_failed(&m))
    goto fail;
  char mac[65];
  manifest_mac(&a->keys, m.p, m.len, mac);
  buf_addf(&m, "mac %s\n", mac);
  path_join(p, sizeof p, out, "MANIFEST");
  FILE *f = fopen(p, "wx");
  if (!f || fwrite(m.p, 1, m.len, f) != m.len || fflush(f) || fsync(fileno(f))) {
    if (f) fclose(f);
    cli_err("无法写入 %s", p);
    goto fail;
  }
  fclose(f);
  /* 5. audited in the live chain */
  store_tx *tx;
  if (store_write(a->db, &tx) == STORE_OK) {
    json_t *dj = json_pack("{s:i,s:i}", "key_id", (int)kid, "files", nfiles);
    int rc = cli_audit(a, tx, "backup.create", "backup", NULL, dj);
    json_decref(dj);
    if (!rc && store_commit(tx) == STORE_OK) cli_anchor(a);
    else if (rc) store_rollback(tx);
  }
  printf("备份完成: %s (数据库 SM4 加密, %d 个佐证材料, 清单 MANIFEST)\n", out, nfiles);
  printf("请将密钥副本 %s/master.key 与备份分开保管\n", out);
  buf_free(&m);
  return EX_OK;
fail:
  buf_free(&m);
  cli_err("备份失败; 目录 %s 中的内容不完整, 请删除", out);
  return EX_FAIL;
}

/* Checks MANIFEST in dir: every file's size and SM3 and the mac (under a key
 * of dir/master.key, loaded into k). Returns the parsed files in *files
 * (json array of names) or -1 with a message. */
static int verify_manifest(const char *dir, xkeys *k, json_t **files, char *msg, size_t n) {
  char p[4200];
  path_join(p, sizeof p, dir, "master.key");
  if (keys_load(k, p, msg, n)) return -1;
  path_join(p, sizeof p, dir, "MANIFEST");
  FILE *f = fopen(p, "r");
  if (!f) {
    snprintf(msg, n, "备份清单 MANIFEST 无法读取: %s", strerror(errno));
    return -1;
  }
  buf text;
  buf_init(&text, 4 << 20);
  char line[600];
  bool head = false, have_mac = false;
  *files = json_array();
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "mac ", 4)) {
      line[strcspn(line, "\n")] = '\0';
      if (!row_tag_ok(k, text.p ? text.p : "", text.len, line + 4)) {
        snprintf(msg, n, "备份清单 MANIFEST 的校验码不符 (清单被改动)");
        rc = -1;
      }
      have_mac = true;
      break;
    }
    buf_adds(&text, line);
    if (!strncmp(line, "xunji-backup 1", 14)) head = true;
    if (strncmp(line, "file ", 5)) continue;
    char name[300], hash[80];
    long long size;
    if (sscanf(line + 5, "%299s %lld %79s", name, &size, hash) != 3 || strstr(name, "..") ||
        name[0] == '/') {
      snprintf(msg, n, "备份清单 MANIFEST 格式无效");
      rc = -1;
      break;
    }
    path_join(p, sizeof p, dir, name);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      snprintf(msg, n, "备份文件 %s 缺失", name);
      rc = -1;
      break;
    }
    char h[65];
    int64_t got = 0;
    sm3_hex_fd(fd, h, &got);
    close(fd);
    if (got != size || strcmp(h, hash)) {
      snprintf(msg, n, "备份文件 %s 的 SM3 校验值不符 (文件被改动或损坏)", name);
      rc = -1;
      break;
    }
    json_array_append_new(*files, json_string(name));
  }
  fclose(f);
  buf_free(&text);
  bool has_db = false, has_key = false;
  size_t i;
  json_t *it;
  json_array_foreach(*files, i, it) {
    has_db = has_db || !strcmp(json_string_value(it), "xunji.db.sm4");
    has_key = has_key || !strcmp(json_string_value(it), "master.key");
  }
  if (!rc && (!head || !have_mac || !has_db || !has_key)) {
    snprintf(msg, n, "备份清单 MANIFEST 不完整");
    rc = -1;
  }
  if (rc) {
    json_decref(*files);
    *files = NULL;
  }
  return rc;
}

static int do_restore(const char *from, const char *to) {
  xkeys k;
  memset(&k, 0, sizeof k);
  json_t *files = NULL;
  char msg[768];
  if (verify_manifest(from, &k, &files, msg, sizeof msg)) {
    keys_release(&k);
    cli_err("拒绝恢复: %s", msg);
    return EX_FAIL;
  }
  int rc = EX_FAIL;
  if (fresh_dir(to)) goto out;
  char src[4200], dst[4300];
  path_join(src, sizeof src, from, "xunji.db.sm4");
  path_join(dst, sizeof dst, to, "xunji.db");
  int in = open(src, O_RDONLY | O_CLOEXEC);
  int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int orc = in >= 0 && out >= 0 ? blob_open_fd(&k, BACKUP_CTX, in, out) : -1;
  if (orc == 0 && fsync(out)) orc = -1;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  if (orc) {
    unlink(dst);
    cli_err(orc > 0 ? "拒绝恢复: 数据库备份的 SM4 密文校验失败 (被改动, 或不是这把密钥加密的)"
                    : "恢复数据库失败: %s", strerror(errno));
    goto out;
  }
  path_join(src, sizeof src, from, "master.key");
  path_join(dst, sizeof dst, to, "xunji.db.key");
  if (copy_file(src, dst, 0400)) {
    cli_err("无法写入 %s: %s", dst, strerror(errno));
    goto out;
  }
  path_join(dst, sizeof dst, to, "xunji.db.files");
  if (mkdir(dst, 0700)) goto out;
  size_t i;
  json_t *it;
  bool anchor = false;
  json_array_foreach(files, i, it) {
    const char *name = json_string_value(it);
    if (!strcmp(name, "audit-anchor")) {
      anchor = true;
      path_join(dst, sizeof dst, to, "xunji.db.audit-anchor");
    } else if (!strncmp(name, "files/", 6)) {
      snprintf(dst, sizeof dst, "%s/xunji.db.files/%s", to, name + 6);
    } else {
      continue;
    }
    path_join(src, sizeof src, from, name);
    if (copy_file(src, dst, 0600)) {
      cli_err("无法写入 %s: %s", dst, strerror(errno));
      goto out;
    }
  }
  /* the restored chain, head and anchor must verify */
  char dbp[4300], anc[4300], err[512];
  path_join(dbp, sizeof dbp, to, "xunji.db");
  path_join(anc, sizeof anc, to, "xunji.db.audit-anchor");
  store *s;
  if (store_open(&s, dbp, 2, err, sizeof err)) {
    cli_err("%s", err);
    goto out;
  }
  int v = audit_verify(s, &k, anchor ? anc : NULL, msg, sizeof msg);
  store_close(s);
  if (v) {
    cli_err("恢复后的审计链核对失败: %s", msg);
    goto out;
  }
  printf("已恢复到 %s; %s\n启动: xunji serve --db %s\n", to, msg, dbp);
  rc = EX_OK;
out:
  json_decref(files);
  keys_release(&k);
  xwipe(&k, sizeof k);
  return rc;
}

int cmd_backup(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"out", required_argument, NULL, 'o'},
                                       {NULL, 0, NULL, 0}};
  int c;
  const char *out = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(backup_help, stdout);
      return EX_OK;
    }
    if (c == 'o') out = optarg;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(backup_help, stderr);
      return EX_USAGE;
    }
  }
  if (!out || optind != argc) {
    fputs(backup_help, stderr);
    return EX_USAGE;
  }
  app a;
  if (cli_open(&a)) return EX_SETUP;
  int rc = do_backup(&a, out);
  app_close(&a);
  return rc;
}

int cmd_restore(int argc, char **argv) {
  if (cli_load_config(argc, argv)) return EX_SETUP;
  static const struct option opts[] = {CLI_COMMON_OPTS,
                                       {"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 't'},
                                       {NULL, 0, NULL, 0}};
  int c;
  const char *from = NULL, *to = NULL;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(backup_help, stdout);
      return EX_OK;
    }
    if (c == 'f') from = optarg;
    else if (c == 't') to = optarg;
    else if (cli_common_opt(c, optarg)) {
      if (c == '?') fputs(backup_help, stderr);
      return EX_USAGE;
    }
  }
  if (!from || !to || optind != argc) {
    fputs(backup_help, stderr);
    return EX_USAGE;
  }
  return do_restore(from, to);
}
