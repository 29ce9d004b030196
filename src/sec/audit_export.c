/*
 * audit_export.c — signed exports of the audit log. See audit_export.h.
 */
#include "sec/audit_export.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "util/xmem.h"

static void export_key(const xkeygen *g, unsigned char out[SM3_LEN]) {
  static const char label[] = "xunji-audit-export";
  hmac_sm3(g->audit, sizeof g->audit, label, sizeof label - 1, out);
}

static void sign_g(const xkeygen *g, const char *p, size_t n, char hex[65]) {
  unsigned char key[SM3_LEN], mac[SM3_LEN];
  export_key(g, key);
  hmac_sm3(key, sizeof key, p, n, mac);
  hex_encode(mac, SM3_LEN, hex);
  xwipe(key, sizeof key);
}

/* Signed under the current key (key rotation: see crypto.h). */
static void sign(const xkeys *k, const char *p, size_t n, char hex[65]) {
  xkeygen g = keys_cur(k);
  sign_g(&g, p, n, hex);
  xwipe(&g, sizeof g);
}

/* Whether want is the signature under any key of the key file: an export
 * made before a key rotation still verifies. */
static bool signed_by_any(const xkeys *k, const char *p, size_t n, const char *want) {
  if (!want || strlen(want) != 64) return false;
  xkeygen g = keys_cur(k);
  bool ok = false;
  for (unsigned kid = g.kid; kid >= 1 && !ok; kid--) {
    xkeygen o;
    if (!keys_find(k, kid, &o)) continue;
    char hex[65];
    sign_g(&o, p, n, hex);
    ok = ct_equal(want, hex, 64);
    xwipe(&o, sizeof o);
  }
  xwipe(&g, sizeof g);
  return ok;
}

int audit_export_write(store *db, const xkeys *k, const char *from, const char *to, buf *out,
                       long *count, char *err, size_t errlen) {
  int64_t df, dt;
  *count = 0;
  if (!from || !date_parse(from, &df)) {
    snprintf(err, errlen, "「起始日期」应为 YYYY-MM-DD 格式的日期");
    return 1;
  }
  if (!to || !date_parse(to, &dt)) {
    snprintf(err, errlen, "「截止日期」应为 YYYY-MM-DD 格式的日期");
    return 1;
  }
  if (dt < df) {
    snprintf(err, errlen, "「截止日期」不得早于「起始日期」");
    return 1;
  }
  /* Beijing dates -> UTC instants: [from 00:00 +08, to+1 00:00 +08) */
  char lo[TS_LEN], hi[TS_LEN], now[TS_LEN];
  ts_format((time_t)(df * 86400 - 8 * 3600), lo);
  ts_format((time_t)((dt + 1) * 86400 - 8 * 3600), hi);
  ts_now(now);
  store_tx *tx;
  int rc = store_read(db, &tx);
  if (rc) return rc;
  sval p[] = {SV_S(lo), SV_S(hi)};
  json_t *rows = store_query_json(tx,
                                  "SELECT seq, at, actor_id, actor_login, role, action, "
                                  "object_kind, object_id, result, request_id, ip, detail, "
                                  "prev_hash, hash FROM audit WHERE at >= $1 AND at < $2 "
                                  "ORDER BY seq",
                                  p, 2);
  store_rollback(tx);
  if (!rows) return STORE_ERR;
  size_t n = json_array_size(rows), start = buf_str(out) ? strlen(buf_str(out)) : 0;
  json_t *first = json_array_get(rows, 0), *last = json_array_get(rows, n ? n - 1 : 0);
  json_t *h = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "format", "xunji-audit-export/1", "from",
                        from, "to", to, "exported_at", now, "count", (json_int_t)n, "first_seq",
                        (json_int_t)(n ? json_integer_value(json_object_get(first, "seq")) : 0),
                        "last_seq",
                        (json_int_t)(n ? json_integer_value(json_object_get(last, "seq")) : 0));
  char *line = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
  buf_adds(out, line);
  buf_adds(out, "\n");
  free(line);
  json_decref(h);
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    line = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    buf_adds(out, line);
    buf_adds(out, "\n");
    free(line);
  }
  json_decref(rows);
  if (buf_failed(out)) return STORE_ERR;
  char hex[65];
  const char *all = buf_str(out);
  sign(k, all + start, strlen(all) - start, hex);
  buf_addf(out, "{\"hmac_sm3\":\"%s\"}\n", hex);
  *count = (long)n;
  return buf_failed(out) ? STORE_ERR : 0;
}

int audit_export_verify(const xkeys *k, const char *data, size_t n, long *count, char *msg,
                        size_t msglen) {
  *count = 0;
  while (n && data[n - 1] == '\n') n--;
  const char *nl = NULL;
  for (size_t i = n; i > 0; i--)
    if (data[i - 1] == '\n') {
      nl = data + i - 1;
      break;
    }
  if (!nl) {
    snprintf(msg, msglen, "不是审计日志导出文件 (缺少签名行)");
    return 1;
  }
  size_t body = (size_t)(nl - data) + 1;
  json_error_t je;
  json_t *sig = json_loadb(nl + 1, n - body, 0, &je);
  const char *want = json_string_value(json_object_get(sig, "hmac_sm3"));
  int bad = !signed_by_any(k, data, body, want);
  json_decref(sig);
  if (bad) {
    snprintf(msg, msglen, "签名不符: 文件被改动, 或不是本系统 (本密钥) 导出的");
    return 1;
  }
  /* the signature holds; the content is also checked for consistency */
  long lines = 0, declared = -1;
  char prev[65] = "";
  for (const char *p = data; p < data + body;) {
    const char *e = memchr(p, '\n', (size_t)(data + body - p));
    json_t *o = json_loadb(p, (size_t)(e - p), 0, &je);
    if (!o) {
      snprintf(msg, msglen, "第 %ld 行不是有效的 JSON", lines + 1);
      return 1;
    }
    if (lines == 0) {
      declared = (long)json_integer_value(json_object_get(o, "count"));
      if (strcmp(json_string_value(json_object_get(o, "format")) ?: "", "xunji-audit-export/1")) {
        json_decref(o);
        snprintf(msg, msglen, "未知的导出格式");
        return 1;
      }
    } else {
      const char *ph = json_string_value(json_object_get(o, "prev_hash"));
      const char *hh = json_string_value(json_object_get(o, "hash"));
      if (!ph || !hh || (prev[0] && strcmp(ph, prev))) {
        long seq = (long)json_integer_value(json_object_get(o, "seq"));
        json_decref(o);
        snprintf(msg, msglen, "第 %ld 条 (序号 %ld) 与前一条不相接", lines, seq);
        return 1;
      }
      xstrlcpy(prev, hh, sizeof prev);
    }
    json_decref(o);
    lines++;
    p = e + 1;
  }
  if (declared != lines - 1) {
    snprintf(msg, msglen, "条数不符 (声明 %ld 条, 实有 %ld 条)", declared, lines - 1);
    return 1;
  }
  *count = lines - 1;
  snprintf(msg, msglen, "签名有效, 共 %ld 条", *count);
  return 0;
}
