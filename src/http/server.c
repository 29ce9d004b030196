/*
 * server.c — libmicrohttpd glue.
 *
 * Threading: MHD's internal thread pool with epoll (more threads than cores,
 * since a handler blocks its thread's other connections while it runs).
 * Limits: total and per-IP connection caps, an idle timeout, a body cap
 * (413: at once when the Content-Length exceeds it, else once the
 * oversized upload has been drained) and a request deadline: MHD's timeout is idle-only, so a client sending
 * one byte every few seconds would live forever. Every connection is tracked
 * with the time its current request began; a reaper thread shuts down the
 * socket of any connection that has not delivered a complete request within
 * the deadline (slowloris).
 * Trap (DESIGN.md §5): queueing a response on the first access-handler call
 * makes MHD close the connection; we set *req_cls first and answer on a
 * later call, except for early 413s where closing is what we want.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "http/req.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

/* ---- connection tracking for the request deadline ----------------------- */
typedef struct track {
  int fd;
  int busy;           /* a complete request is being handled or answered */
  time_t since;       /* when the current request (or the wait for one) began */
  struct track *prev, *next;
} track;

static pthread_mutex_t tmu = PTHREAD_MUTEX_INITIALIZER;
static track *tracks;
static volatile sig_atomic_t stopping;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  (void)cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    track *t = xcalloc(1, sizeof *t);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    t->fd = ci ? ci->connect_fd : -1;
    t->since = time(NULL);
    pthread_mutex_lock(&tmu);
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

static void track_set(struct MHD_Connection *c, int busy) {
  track *t = track_of(c);
  if (!t) return;
  pthread_mutex_lock(&tmu);
  t->busy = busy;
  t->since = time(NULL);
  pthread_mutex_unlock(&tmu);
}

static void *reaper(void *arg) {
  (void)arg;
  long deadline = cfg_int(CFG_REQUEST_DEADLINE);
  while (!stopping) {
    sleep(1);
    time_t now = time(NULL);
    pthread_mutex_lock(&tmu);
    for (track *t = tracks; t; t = t->next)
      if (!t->busy && t->fd >= 0 && now - t->since > deadline) shutdown(t->fd, SHUT_RDWR);
    pthread_mutex_unlock(&tmu);
  }
  return NULL;
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

/* Evidence uploads (POST .../files) may be larger than JSON bodies. */
static long req_body_limit(const req *r) {
  size_t n = strlen(r->path);
  if (!strcmp(r->method, "POST") && n > 6 && !strcmp(r->path + n - 6, "/files"))
    return cfg_int(CFG_MAX_UPLOAD);
  return cfg_int(CFG_MAX_BODY);
}

static req *req_new(app *a, struct MHD_Connection *c, const char *url, const char *method) {
  req *r = xcalloc(1, sizeof *r);
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
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->ip, sizeof r->ip);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->ip, sizeof r->ip);
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
  if (r->rawfd > 0) close(r->rawfd);
  free(r);
}

static void add_common_headers(struct MHD_Response *resp, req *r) {
  MHD_add_response_header(resp, "X-Request-Id", r->id);
  MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; style-src 'self' "
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
  if (!cfg_int(CFG_ACCESS_LOG)) return;
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6;
  char ts[TS_LEN];
  ts_now(ts);
  /* Only the path: no query values, bodies, cookies or tokens are logged. */
  char path[160];
  size_t n = strlen(r->path);
  snprintf(path, sizeof path, "%.150s%s", r->path, n > 150 ? "…" : "");
  for (char *p = path; *p; p++)
    if ((unsigned char)*p < 0x20) *p = '?';
  fprintf(stderr, "%s %s %s %s %s %d %.1fms %s\n", ts, r->id, r->ip[0] ? r->ip : "-", r->method,
          path, r->status, ms, r->authed ? r->who.login : "-");
}

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
  } else {
    char *s = r->out ? json_dumps(r->out, JSON_COMPACT) : NULL;
    if (!s) s = xstrdup("{}");
    resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
  }
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **req_cls) {
  (void)version;
  req *r = *req_cls;
  if (!r) {
    r = req_new(cls, c, url, method);
    *req_cls = r;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
      char *end;
      errno = 0;
      unsigned long long v = strtoull(cl, &end, 10);
      if (errno || *end || v > (unsigned long long)req_body_limit(r)) return too_large(r);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    /* Past the cap the rest is read and dropped (MHD 0.9.75 cannot answer in
     * the middle of an upload); the request deadline bounds how long. */
    if (!r->too_large && buf_add(&r->body, upload_data, *upload_size) != BUF_OK) {
      r->too_large = true;
      buf_free(&r->body);
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (r->too_large) return too_large(r);
  track_set(c, 1);
  api_dispatch(r);
  return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)toe;
  req_free(*req_cls);
  *req_cls = NULL;
  track_set(c, 0);
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
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
      on_request, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg_int(CFG_MAX_CONN),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg_int(CFG_MAX_CONN_PER_IP),
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg_int(CFG_IDLE_TIMEOUT),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "xunji: 无法在 %s 上启动 HTTP 服务 (端口被占用?)\n", cfg_str(CFG_LISTEN));
    return 1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
  printf("xunji 已启动: http://%s:%u/ (线程 %ld, 数据库 %s)\n", host,
         di ? (unsigned)di->port : (unsigned)ntohs(sa.sin_port), threads, cfg_str(CFG_DB));
  fflush(stdout);

  pthread_t rt;
  pthread_create(&rt, NULL, reaper, NULL);
  int sig = 0;
  sigwait(&stop_set, &sig);
  stopping = 1;
  pthread_join(rt, NULL);
  MHD_stop_daemon(d);
  fprintf(stderr, "xunji: 已停止\n");
  return 0;
}
