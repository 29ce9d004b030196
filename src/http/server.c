/*
 * server.c — libmicrohttpd glue.
 *
 * Threading: MHD's internal thread pool with epoll (more threads than cores,
 * since a handler blocks its thread's other connections while it runs).
 *
 * Limits (docs/operations.md):
 *  - Bodies: a request that has a body is routed, authenticated and authorized
 *    from its headers alone (api_prepare) before one body byte is read; a
 *    refusal (401/403/404/405/413) is answered at once and MHD never reads the
 *    body. Evidence uploads (RF_UPLOAD) stream to an unlinked temp file in
 *    files_dir; other bodies are held in memory against one global budget
 *    (max_inflight_body_bytes, 503 past it).
 *  - Connections: total (max_conn) and per-address (max_conn_per_ip) caps,
 *    checked in the accept policy callback by our own tracking, so that a
 *    trusted proxy is not capped as one client; behind it the cap counts the
 *    forwarded client's requests. When the live connections reach max_conn
 *    less a reserve, a new connection evicts the oldest connection that never
 *    authenticated and is not being answered: slow clients from many
 *    addresses cannot crowd out signed-in users. "Oldest" is by a counter
 *    taken when the connection was accepted (strictly increasing): never by
 *    the time of its current phase, whose one-second ties and resets made a
 *    signed-in user's just-accepted connection (not authenticated until its
 *    headers are read) the one evicted.
 *  - Time: MHD's timeout is idle-only, so a client sending one byte every few
 *    seconds would live forever. Every connection is tracked with the time its
 *    current phase began; a reaper thread shuts down a connection that has not
 *    sent complete headers within header_timeout (unless a request on it
 *    authenticated: then request_deadline), or a complete request within
 *    request_deadline (slowloris, slow bodies).
 * Trap (DESIGN.md §5): queueing a response on the first access-handler call
 * makes MHD close the connection; we set *req_cls first and answer on a
 * later call, except for early refusals of a body where closing is what we want.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/answers.h"
#include "api/api.h"
#include "http/netaddr.h"
#include "http/req.h"
#include "util/config.h"
#include "util/jsonout.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- connection tracking: deadlines, caps, eviction ---------------------- */
typedef struct track {
  int fd;
  bool busy;          /* a complete request is being handled or answered */
  bool hdr_done;      /* the current request's headers have arrived */
  bool authed;        /* some request on this connection authenticated */
  bool proxied;       /* the peer is a trusted proxy */
  bool evicted;       /* shut down by us, waiting for MHD to close it */
  time_t since;       /* when the current phase began (the reaper's deadlines) */
  uint64_t seq;       /* the order of acceptance (eviction takes the lowest) */
  char ip[48];        /* the peer */
  char client[48];    /* proxied: the forwarded client of the current request */
  struct track *prev, *next;
} track;

static pthread_mutex_t tmu = PTHREAD_MUTEX_INITIALIZER;
static track *tracks;
static volatile sig_atomic_t stopping;
static net_range *proxies;
static int nproxies;

static void addr_text(const struct sockaddr *sa, char *out, size_t n) {
  out[0] = '\0';
  if (!sa) return;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* Connections kept for clients that have signed in (or are being answered). */
static long conn_reserve(void) {
  long max = cfg_int(CFG_MAX_CONN), r = max / 8;
  return r < 2 ? 2 : r;
}

static uint64_t track_seq; /* the last track's seq (under tmu) */

/* Shuts down the oldest (first accepted) connection that never authenticated
 * and is not being answered (caller holds tmu). */
static void evict_one(void) {
  track *v = NULL;
  for (track *t = tracks; t; t = t->next)
    if (!t->busy && !t->authed && !t->proxied && !t->evicted && t->fd >= 0 &&
        (!v || t->seq < v->seq))
      v = t;
  if (v) {
    shutdown(v->fd, SHUT_RDWR);
    v->evicted = true;
  }
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len) {
  (void)cls;
  (void)len;
  char ip[48];
  addr_text(sa, ip, sizeof ip);
  bool proxy = net_ranges_match(proxies, nproxies, ip);
  long per_ip = cfg_int(CFG_MAX_CONN_PER_IP), soft = cfg_int(CFG_MAX_CONN) - conn_reserve();
  long live = 0, same = 0;
  enum MHD_Result ok = MHD_YES;
  pthread_mutex_lock(&tmu);
  for (track *t = tracks; t; t = t->next) {
    if (t->evicted) continue;
    live++;
    if (!proxy && !strcmp(t->ip, ip)) same++;
  }
  if (!proxy && same >= per_ip) ok = MHD_NO;
  else if (live >= soft) evict_one();
  pthread_mutex_unlock(&tmu);
  return ok;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  (void)cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    track *t = xcalloc(1, sizeof *t);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    t->fd = ci ? ci->connect_fd : -1;
    t->since = time(NULL);
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    addr_text(ci ? ci->client_addr : NULL, t->ip, sizeof t->ip);
    t->proxied = net_ranges_match(proxies, nproxies, t->ip);
    pthread_mutex_lock(&tmu);
    t->seq = ++track_seq;
    t->next = tracks;
    if (tracks) tracks->prev = t;
    tracks = t;
    pthread_mutex_unlock(&tmu);
    *socket_context = t;
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    track *t = *socket_context;
    if (!t) return;
    pthread_mutex_lock(&tmu);
    if (t->prev) t->prev->next = t->next;
    else tracks = t->next;
    if (t->next) t->next->prev = t->prev;
    pthread_mutex_unlock(&tmu);
    free(t);
    *socket_context = NULL;
  }
}

static track *track_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

static void track_set(struct MHD_Connection *c, bool busy, bool hdr_done, bool authed) {
  track *t = track_of(c);
  if (!t) return;
  pthread_mutex_lock(&tmu);
  t->busy = busy;
  t->hdr_done = hdr_done;
  if (authed) t->authed = true;
  if (!hdr_done) t->client[0] = '\0';
  t->since = time(NULL);
  pthread_mutex_unlock(&tmu);
}

/* Behind a trusted proxy: records the forwarded client of this request and
 * says whether that client is within max_conn_per_ip concurrent requests. */
static bool proxied_client_ok(struct MHD_Connection *c, const char *client) {
  track *t = track_of(c);
  if (!t) return true;
  long same = 0;
  pthread_mutex_lock(&tmu);
  xstrlcpy(t->client, client, sizeof t->client);
  for (track *u = tracks; u; u = u->next)
    if (u->proxied && u->hdr_done && !strcmp(u->client, client)) same++;
  pthread_mutex_unlock(&tmu);
  return same <= cfg_int(CFG_MAX_CONN_PER_IP);
}

static void *reaper(void *arg) {
  (void)arg;
  long deadline = cfg_int(CFG_REQUEST_DEADLINE), hdr = cfg_int(CFG_HEADER_TIMEOUT);
  if (hdr > deadline) hdr = deadline;
  while (!stopping) {
    sleep(1);
    time_t now = time(NULL);
    pthread_mutex_lock(&tmu);
    for (track *t = tracks; t; t = t->next) {
      if (t->busy || t->evicted || t->fd < 0) continue;
      long lim = !t->hdr_done && !t->authed && !t->proxied ? hdr : deadline;
      if (now - t->since > lim) {
        shutdown(t->fd, SHUT_RDWR);
        t->evicted = true;
      }
    }
    pthread_mutex_unlock(&tmu);
  }
  return NULL;
}

/* ---- the in-flight body budget ---------------------------------------------- */
static size_t inflight;

static bool budget_take(req *r, size_t n) {
  size_t max = (size_t)cfg_int(CFG_MAX_INFLIGHT_BODY);
  size_t cur = __atomic_load_n(&inflight, __ATOMIC_RELAXED);
  do {
    if (n > max || cur > max - n) return false;
  } while (!__atomic_compare_exchange_n(&inflight, &cur, cur + n, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
  r->held += n;
  return true;
}

static void budget_release(req *r) {
  if (r->held) __atomic_sub_fetch(&inflight, r->held, __ATOMIC_RELAXED);
  r->held = 0;
}

/* ---- request helpers ---------------------------------------------------- */
const char *req_arg(req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_cookie(req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *req_header(req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct each_ctx {
  bool (*fn)(void *, const char *, const char *);
  void *ctx;
  bool ok;
};

static enum MHD_Result each_cb(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
  (void)kind;
  struct each_ctx *e = cls;
  if (!e->fn(e->ctx, k, v ? v : "")) {
    e->ok = false;
    return MHD_NO;
  }
  return MHD_YES;
}

bool req_each_arg(req *r, bool (*fn)(void *, const char *, const char *), void *ctx) {
  struct each_ctx e = {fn, ctx, true};
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_cb, &e);
  return e.ok;
}

static uint64_t req_counter;
static char req_prefix[9];

/* Evidence uploads (routes flagged RF_UPLOAD, known only once routed and
 * authorized) may be larger than JSON bodies. */
static long req_body_limit(const req *r) {
  if (r->route && (r->route->flags & RF_UPLOAD)) return cfg_int(CFG_MAX_UPLOAD);
  return cfg_int(CFG_MAX_BODY);
}

static req *req_new(app *a, struct MHD_Connection *c, const char *url, const char *method) {
  req *r = xcalloc(1, sizeof *r);
  keys_refresh(&a->keys); /* a key added by `xunji key rotate` (one stat when unchanged) */
  r->app = a;
  r->conn = c;
  r->method = method;
  const char *q = strchr(url, '?');
  r->path = q ? xstrndup(url, (size_t)(q - url)) : xstrdup(url);
  uint64_t n = __atomic_add_fetch(&req_counter, 1, __ATOMIC_RELAXED);
  snprintf(r->id, sizeof r->id, "%s-%06llu", req_prefix, (unsigned long long)n);
  clock_gettime(CLOCK_MONOTONIC, &r->t0);
  buf_init(&r->body, (size_t)req_body_limit(r));
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  addr_text(ci ? ci->client_addr : NULL, r->ip, sizeof r->ip);
  xstrlcpy(r->client_ip, r->ip, sizeof r->client_ip);
  if (nproxies && net_ranges_match(proxies, nproxies, r->ip)) {
    r->via_proxy = true;
    char fwd[48];
    if (net_forwarded_client(proxies, nproxies, req_header(r, "X-Forwarded-For"),
                             req_header(r, "X-Real-IP"), fwd, sizeof fwd))
      xstrlcpy(r->client_ip, fwd, sizeof r->client_ip);
  }
  r->status = 500;
  return r;
}

static void req_free(req *r) {
  if (!r) return;
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
  budget_release(r);
  free(r);
}

static void add_common_headers(struct MHD_Response *resp, req *r) {
  MHD_add_response_header(resp, "X-Request-Id", r->id);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  /* an evidence preview (api/files.c ?inline=1) may be framed by our own
   * pages; it is sandboxed below like every download */
  MHD_add_response_header(resp, "X-Frame-Options", r->frame_self ? "SAMEORIGIN" : "DENY");
  MHD_add_response_header(resp, "Content-Security-Policy",
                          r->frame_self ? "default-src 'none'; img-src 'self'; style-src "
                                          "'unsafe-inline'; frame-ancestors 'self'"
                                        : "default-src 'self'; img-src 'self' data:; style-src 'self' "
                                          "'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action "
                                          "'self'; frame-ancestors 'none'");
  MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
  if (r->etag[0]) MHD_add_response_header(resp, "ETag", r->etag);
  if (r->cookie[0]) MHD_add_response_header(resp, "Set-Cookie", r->cookie);
  if (r->disposition[0]) {
    MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    MHD_add_response_header(resp, "Content-Security-Policy", "sandbox");
  }
}

static void access_log(req *r) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
  metrics_observe(r, ms / 1e3); /* /metrics (api/metrics.c) */
  if (!cfg_int(CFG_ACCESS_LOG)) return;
  char ts[TS_LEN];
  ts_now(ts);
  /* Only the path: no query values, bodies, cookies or tokens are logged. */
  char path[160];
  size_t n = strlen(r->path);
  snprintf(path, sizeof path, "%.150s%s", r->path, n > 150 ? "…" : "");
  for (char *p = path; *p; p++)
    if ((unsigned char)*p < 0x20) *p = '?';
  fprintf(stderr, "%s %s %s%s%s %s %s %d %.1fms %s\n", ts, r->id,
          r->client_ip[0] ? r->client_ip : "-", r->via_proxy ? " via " : "",
          r->via_proxy ? r->ip : "", r->method, path, r->status, ms, r->authed ? r->who.login : "-");
}

/* MHD's free callback of a reply made of a kept answer's bytes. */
static void answer_unref(void *cls) { answer_release(cls); }

static enum MHD_Result send_reply(req *r) {
  struct MHD_Response *resp;
  if (r->rawfd > 0) {
    /* a large export: streamed from its file, MHD closes the descriptor */
    resp = MHD_create_response_from_fd(r->rawfd_size, r->rawfd);
    if (resp) r->rawfd = 0;
    if (resp)
      MHD_add_response_header(resp, "Content-Type",
                              r->ctype ? r->ctype : "application/octet-stream");
  } else if (r->raw) {
    resp = MHD_create_response_from_buffer(r->rawlen, r->raw, MHD_RESPMEM_MUST_FREE);
    r->raw = NULL;
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/octet-stream");
  } else if (r->answer) { /* a kept answer (api/answers.c): its bytes, by reference */
    size_t n;
    const char *b = answer_body(r->answer, &n);
    answer_ref(r->answer);
    resp = MHD_create_response_from_buffer_with_free_callback_cls(n, (void *)b, answer_unref,
                                                                  r->answer);
    if (!resp) answer_release(r->answer);
    if (resp) MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
  } else {
    char *s = r->out ? json_out(r->out, NULL) : NULL; /* json_dumps' bytes, faster */
    if (!s) s = xstrdup("{}");
    size_t n = strlen(s);
    answer *kept = answers_keep(r, s, n); /* owns s when kept */
    if (kept) {
      resp = MHD_create_response_from_buffer_with_free_callback_cls(n, s, answer_unref, kept);
      if (!resp) answer_release(kept);
    } else {
      resp = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
    }
    if (resp) MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
  }
  answers_done(r); /* kept or not, those waiting for this answer look again now */
  if (!resp) return MHD_NO;
  add_common_headers(resp, r);
  enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  access_log(r);
  return ret;
}

static enum MHD_Result too_large(req *r) {
  api_error(r, 413, "too_large", "", "请求体过大 (上限 %ld 字节)", req_body_limit(r));
  return send_reply(r);
}

static enum MHD_Result over_budget(req *r) {
  api_error(r, 503, "busy", "", "服务器正在接收的请求过多, 请稍后重试");
  return send_reply(r);
}

/* An unlinked temp file in files_dir for an upload's body. */
static int upload_tempfile(void) {
  const char *dir = cfg_str(CFG_FILES_DIR);
  if (mkdir(dir, 0700) && errno != EEXIST) return -1;
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  char tmpl[4200];
  snprintf(tmpl, sizeof tmpl, "%s/.upload-XXXXXX", dir);
  fd = mkostemp(tmpl, O_CLOEXEC);
  if (fd >= 0) unlink(tmpl);
  return fd;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* First call, headers only, for a request that announced a body. Returns
 * MHD_YES to go on reading the body, or the result of an immediate reply. */
static enum MHD_Result body_start(req *r, const char *cl) {
  if (api_prepare(r)) return send_reply(r); /* 401/403/404/405: the body is never read */
  if (r->authed) track_set(r->conn, false, true, true);
  long limit = req_body_limit(r);
  unsigned long long v = 0;
  if (cl) {
    char *end;
    errno = 0;
    v = strtoull(cl, &end, 10);
    if (errno || *end || end == cl || v > (unsigned long long)limit) return too_large(r);
  }
  if (r->route && (r->route->flags & RF_UPLOAD)) {
    r->upload_fd = upload_tempfile();
    if (r->upload_fd < 0) {
      r->upload_fd = 0;
      fprintf(stderr, "xunji: %s: cannot create an upload temp file in %s: %s\n", r->id,
              cfg_str(CFG_FILES_DIR), strerror(errno));
      api_error(r, 500, "storage", "", "无法接收文件, 请联系系统管理员");
      return send_reply(r);
    }
    return MHD_YES;
  }
  buf_free(&r->body);
  buf_init(&r->body, (size_t)limit);
  if (cl && !budget_take(r, (size_t)v)) return over_budget(r);
  return MHD_YES;
}

static void body_chunk(req *r, const char *data, size_t n) {
  if (r->too_large || r->over_budget || r->upload_failed) return; /* the rest is read and dropped */
  if (r->upload_fd > 0) {
    if (r->upload_len + n > (size_t)req_body_limit(r)) {
      r->too_large = true;
    } else if (write_all(r->upload_fd, data, n)) {
      r->upload_failed = true; /* disk full or I/O error */
      fprintf(stderr, "xunji: %s: writing an upload's temp file: %s\n", r->id, strerror(errno));
    } else {
      r->upload_len += n;
    }
    return;
  }
  size_t need = r->body.len + n;
  if (need > r->body.max) {
    r->too_large = true;
  } else if (need > r->held && !budget_take(r, need - r->held)) {
    r->over_budget = true;
  } else if (buf_add(&r->body, data, n) != BUF_OK) {
    r->too_large = true;
  }
  if (r->too_large || r->over_budget) {
    buf_free(&r->body);
    budget_release(r);
  }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req_cls) {
  (void)version;
  req *r = *req_cls;
  if (!r) {
    r = req_new(cls, c, url, method);
    *req_cls = r;
    track_set(c, false, true, false);
    if (r->via_proxy && !proxied_client_ok(c, r->client_ip)) {
      api_error(r, 429, "too_many_connections", "", "来自同一地址的并发请求过多, 请稍后重试");
      return send_reply(r);
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    if ((cl && strcmp(cl, "0") != 0) || te) return body_start(r, cl);
    return MHD_YES;
  }
  if (*upload_size) {
    /* Past a cap the rest is read and dropped (MHD 0.9.75 cannot answer in
     * the middle of an upload); the request deadline bounds how long. */
    body_chunk(r, upload_data, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (r->too_large) return too_large(r);
  if (r->over_budget) return over_budget(r);
  if (r->upload_failed) {
    api_error(r, 500, "storage", "", "文件接收失败 (服务器存储空间不足或读写错误), 请联系系统管理员");
    return send_reply(r);
  }
  if (r->upload_fd > 0 && lseek(r->upload_fd, 0, SEEK_SET) != 0) {
    api_error(r, 500, "storage", "", "无法读取上传的文件, 请联系系统管理员");
    return send_reply(r);
  }
  track_set(c, true, true, false);
  api_dispatch(r); /* after body_start only api_run remains */
  if (r->authed) track_set(c, true, true, true);
  return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)toe;
  req_free(*req_cls);
  *req_cls = NULL;
  track_set(c, false, false, false);
}

static int parse_listen(const char *s, struct sockaddr_in *sa, char *err, size_t errlen) {
  char host[64];
  const char *colon = strrchr(s, ':');
  if (!colon || (size_t)(colon - s) >= sizeof host) {
    snprintf(err, errlen, "监听地址应为 IP:端口, 例如 127.0.0.1:8080: %s", s);
    return -1;
  }
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
    snprintf(err, errlen, "监听地址无效: %s", s);
    return -1;
  }
  sa->sin_port = htons((uint16_t)port);
  return 0;
}

int http_serve(app *a) {
  char err[256];
  struct sockaddr_in sa;
  if (parse_listen(cfg_str(CFG_LISTEN), &sa, err, sizeof err)) {
    fprintf(stderr, "xunji: %s\n", err);
    return 2;
  }
  unsigned char rnd[4];
  rand_bytes(rnd, sizeof rnd);
  hex_encode(rnd, sizeof rnd, req_prefix);

  long threads = cfg_int(CFG_THREADS);
  if (threads <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = (n > 0 ? n : 2) * 4;
  }
  free(proxies);
  proxies = NULL;
  nproxies = net_ranges_parse(cfg_str(CFG_TRUSTED_PROXIES), &proxies, err, sizeof err);
  if (nproxies < 0) {
    fprintf(stderr, "xunji: %s\n", err);
    return 2;
  }
  const char *pub = cfg_str(CFG_PUBLIC_ORIGIN);
  if (*pub && ((strncmp(pub, "http://", 7) && strncmp(pub, "https://", 8)) ||
               strchr(strstr(pub, "://") + 3, '/') || !strstr(pub, "://")[3])) {
    fprintf(stderr, "xunji: public_origin 应为 scheme://主机[:端口], 例如 https://xunji.example.gov.cn: %s\n", pub);
    return 2;
  }
  api_init();
  /* SIGINT/SIGTERM are blocked in every thread (MHD's and the reaper inherit
   * the mask) and taken synchronously by the main thread with sigwait. */
  sigset_t stop_set;
  sigemptyset(&stop_set);
  sigaddset(&stop_set, SIGINT);
  sigaddset(&stop_set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, on_accept, NULL,
      on_request, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg_int(CFG_MAX_CONN),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg_int(CFG_IDLE_TIMEOUT),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "xunji: 无法在 %s 上启动 HTTP 服务 (端口被占用?)\n", cfg_str(CFG_LISTEN));
    free(proxies);
    proxies = NULL;
    return 1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
  printf("xunji 已启动: http://%s:%u/ (线程 %ld, 数据库 %s)\n", host,
         di ? (unsigned)di->port : (unsigned)ntohs(sa.sin_port), threads, cfg_str(CFG_DB));
  fflush(stdout);

  audit_anchor_start(a->anchor, &a->keys, cfg_int(CFG_AUDIT_ANCHOR_INTERVAL_MS));
  pthread_t rt;
  pthread_create(&rt, NULL, reaper, NULL);
  int sig = 0;
  sigwait(&stop_set, &sig);
  stopping = 1;
  pthread_join(rt, NULL);
  MHD_stop_daemon(d);
  audit_anchor_stop();
  free(proxies);
  proxies = NULL;
  nproxies = 0;
  fprintf(stderr, "xunji: 已停止\n");
  return 0;
}
