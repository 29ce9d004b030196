/*
 * dispatch.c — the one choke point every request goes through (after
 * Redis's processCommand): route lookup, authentication, CSRF and Origin
 * checks, the forced password change, function-level authz, the second
 * factor and token scope (api/twofa.c: forced enrolment of the 三员, RF_2FA
 * routes, X-Xunji-OTP), JSON parsing. Handlers run only after all of these
 * passed. The route table is routes.c; replies, writes (audit, commit) and
 * paging have their own files.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/answers.h"
#include "api/api.h"
#include "api/changelog.h"
#include "api/record.h"
#include "api/service.h"
#include "api/twofa.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

void api_init(void) { authz_init(); }

/* ---- matching ------------------------------------------------------------ */
static int verb_ok(const char *s, size_t n) {
  if (n == 0 || n > 32) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')) return 0;
  return 1;
}

/* 1 if path matches pattern, collecting {..} segments into r->params. */
static int match(const char *pattern, const char *path, req *r) {
  int np = 0;
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p == '{') {
      const char *pe = strchr(p, '}');
      const char *se = strchr(s, '/');
      size_t sl = se ? (size_t)(se - s) : strlen(s);
      if (sl >= sizeof r->params[0] || np >= REQ_MAX_PARAMS) return 0;
      char seg[64];
      memcpy(seg, s, sl);
      seg[sl] = '\0';
      if (strncmp(p, "{id}", 4) == 0 ? !uuid_valid(seg) : !verb_ok(seg, sl)) return 0;
      memcpy(r->params[np++], seg, sl + 1);
      p = pe + 1;
      s += sl;
    } else {
      if (*p != *s) return 0;
      p++;
      s++;
    }
  }
  if (*p || *s) return 0;
  r->nparams = np;
  return 1;
}

/* The route table pre-split once (issue 15: the lookup compared the path
 * with every pattern, ~18k instructions a request): each pattern's number
 * of '/' and a hash of its third segment; api_prepare calls match() only on
 * the patterns whose key equals the path's, in table order as before. */
typedef struct route_key {
  uint32_t slashes, seg;
  bool any; /* the third segment holds a {...} */
} route_key;
static route_key *rkeys;
static pthread_once_t rkeys_once = PTHREAD_ONCE_INIT;

/* slashes << 24 | 24-bit FNV-1a of the text after the third '/' up to the next */
static uint32_t path_key(const char *s) {
  uint32_t n = 0, h = 2166136261u;
  for (; *s; s++) {
    if (*s == '/') n++;
    else if (n == 3) h = (h ^ (unsigned char)*s) * 16777619u;
  }
  return (n > 255 ? 255u : n) << 24 | (h & 0xffffffu);
}

static void route_keys_build(void) {
  rkeys = xcalloc((size_t)nroutes, sizeof *rkeys); /* owned by the process */
  for (int i = 0; i < nroutes; i++) {
    const char *p = routes[i].pattern, *third = p;
    for (int n = 0; *third && n < 3; third++)
      if (*third == '/') n++;
    uint32_t k = path_key(p);
    size_t seglen = strcspn(third, "/");
    bool any = memchr(third, '{', seglen) != NULL;
    rkeys[i] = (route_key){.slashes = k >> 24, .seg = k & 0xffffffu, .any = any};
  }
}

static void route_keys_init(void) { pthread_once(&rkeys_once, route_keys_build); }

/* ---- the choke point --------------------------------------------------------- */
/* The query string: at most max_query_params arguments, none given twice (no
 * route documents a repeated argument; handlers read each name once). The
 * one argument parser (core/args.c) in its open mode. */
static int query_check(req *r) {
  args_spec s = {.open = true, .max = (int)cfg_int(CFG_MAX_QUERY_PARAMS)};
  args a;
  int status = api_args(r, &s, 0, &a);
  args_free(&a);
  return status;
}

/* The Origin of a write must be the origin the browser uses: public_origin in
 * full (scheme, host and port) when it is set; otherwise http://Host, or
 * https://Host when the request came through a trusted proxy (a TLS gateway). */
static int same_origin(req *r, const char *origin) {
  const char *pub = cfg_str(CFG_PUBLIC_ORIGIN);
  if (*pub) {
    size_t n = strlen(pub);
    while (n && pub[n - 1] == '/') n--;
    return strlen(origin) == n && strncasecmp(origin, pub, n) == 0;
  }
  const char *host = req_header(r, "Host");
  if (!host) return 0;
  const char *rest = NULL;
  if (strncasecmp(origin, "http://", 7) == 0) rest = origin + 7;
  else if (r->via_proxy && strncasecmp(origin, "https://", 8) == 0) rest = origin + 8;
  return rest && strcasecmp(rest, host) == 0;
}

int api_prepare(req *r) {
  if (r->prepared) return 0;
  r->prepared = true;
  if (strcmp(r->path, "/healthz") != 0 && strcmp(r->path, "/metrics") != 0 &&
      strncmp(r->path, "/api/", 5) != 0)
    return 0; /* static */
  const route *rt = NULL;
  int path_known = 0;
  route_keys_init();
  uint32_t key = path_key(r->path);
  for (int i = 0; i < nroutes; i++) {
    /* a pattern matches only a path of as many segments, and of the same
     * third segment ("/api/v1/<problems>/...") unless that one is a {...} */
    if (rkeys[i].slashes != key >> 24 ||
        (!rkeys[i].any && rkeys[i].seg != (key & 0xffffffu)))
      continue;
    if (!match(routes[i].pattern, r->path, r)) continue;
    path_known = 1;
    if (strcmp(routes[i].method, r->method) == 0) {
      rt = &routes[i];
      break;
    }
  }
  if (!rt) {
    if (path_known) return api_error(r, 405, "method_not_allowed", "", "不支持的请求方法 %s", r->method);
    return api_error(r, 404, "not_found", "", "接口不存在");
  }
  r->route = rt;
  /* a kept answer (api/answers.c): nothing below could decide otherwise */
  if (answers_try(r)) return 0;
  if (!(rt->flags & RF_PUBLIC)) {
    if (session_authenticate(r)) return r->status;
    int write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
    if (write && r->via_cookie) {
      const char *tok = req_header(r, "X-CSRF-Token");
      const char *origin = req_header(r, "Origin");
      if (!tok || strlen(tok) != 64 || !ct_equal(tok, r->csrf, 64) ||
          (origin && !same_origin(r, origin))) {
        api_deny(r, rt->act, NULL, NULL, 0);
        return api_error(r, 403, "csrf", "X-CSRF-Token", "缺少或错误的 CSRF 令牌, 请刷新页面后重试");
      }
    }
    if (r->who.must_change && !(rt->flags & RF_MUST_CHANGE))
      return api_error(r, 403, "password_change_required", "password",
                       "首次登录或密码已过期, 请先修改密码");
    if (!authz(&r->who, rt->act, NULL)) return api_deny(r, rt->act, NULL, NULL, 0);
    if (twofa_prepare(r)) return r->status; /* token scope, forced enrolment, RF_2FA */
  }
  if (rt->flags & RF_NO_ADDR) { /* neither the audit nor the access log keeps the address */
    r->client_ip[0] = '\0';
    r->ip[0] = '\0';
    r->via_proxy = false;
  }
  return query_check(r); /* the URL alone: before any body is read */
}

void api_run(req *r) {
  const route *rt = r->route;
  if (r->answer) return; /* the reply is a kept answer's bytes */
  if (!rt) {
    h_static(r);
    return;
  }
  if (r->body.len > 0 && !(rt->flags & RF_UPLOAD)) {
    const char *ct = req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
      api_error(r, 415, "unsupported_media_type", "", "请求体须为 application/json");
      return;
    }
    if (!utf8_valid(r->body.p, r->body.len)) {
      api_error(r, 400, "invalid_json", "", "请求体不是有效的 UTF-8 文本");
      return;
    }
    json_error_t je;
    r->in = json_loadb(r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!r->in) {
      api_error(r, 400, "invalid_json", "", "JSON 格式错误 (第 %d 行第 %d 列)", je.line,
                je.column);
      return;
    }
    if (!json_is_object(r->in)) {
      api_error(r, 400, "invalid_json", "", "请求体应为 JSON 对象");
      return;
    }
  }
  rt->fn(r);
  /* a signed-in user's write: that user's next lagged reads see it (the read
   * replica's read-your-writes, store.h store_note_write; a no-op without one) */
  bool write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
  if (write && r->authed && r->status >= 200 && r->status < 400)
    store_note_write(r->app->db, r->who.user_id);
}

void api_dispatch(req *r) {
  if (api_prepare(r) == 0) api_run(r);
}
