/*
 * static.c — serves the built browser UI (web_root, default web/dist) from
 * the same origin as the API. Paths are confined to the root (realpath
 * check); unknown paths fall back to index.html for the single-page app.
 * Without a built UI the server answers with a short Chinese notice.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "util/config.h"
#include "util/xmem.h"

static const struct {
  const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".json", "application/json"},
    {".svg", "image/svg+xml"},             {".png", "image/png"},
    {".ico", "image/x-icon"},              {".woff2", "font/woff2"},
    {".woff", "font/woff"},                {".ttf", "font/ttf"},
    {".map", "application/json"},
};

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
    if (!strcmp(dot, types[i].ext)) return types[i].type;
  return "application/octet-stream";
}

/* Reads a regular file under root (max 32 MiB); 0 on success. */
static int read_under(const char *root, const char *rel, char **data, size_t *len, char real[PATH_MAX]) {
  char p[PATH_MAX];
  if (snprintf(p, sizeof p, "%s/%s", root, rel) >= (int)sizeof p) return -1;
  char rroot[PATH_MAX];
  if (!realpath(root, rroot) || !realpath(p, real)) return -1;
  size_t rl = strlen(rroot);
  if (strncmp(real, rroot, rl) != 0 || (real[rl] != '/' && real[rl] != '\0')) return -1;
  int fd = open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (32 << 20)) {
    close(fd);
    return -1;
  }
  char *b = xmalloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got != (size_t)st.st_size) {
    free(b);
    return -1;
  }
  *data = b;
  *len = got;
  return 0;
}

int h_static(req *r) {
  if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
    return api_error(r, 405, "method_not_allowed", "", "不支持的请求方法");
  /* MHD hands "GET ?x HTTP/1.1" over with an empty path (and "*" as it is) */
  if (r->path[0] != '/') return api_error(r, 400, "bad_request", "", "请求路径无效");
  const char *root = cfg_str(CFG_WEB_ROOT);
  const char *rel = r->path + 1;
  if (strstr(rel, "..") || strlen(rel) > 200) return api_error(r, 404, "not_found", "", "页面不存在");
  char real[PATH_MAX];
  char *data;
  size_t len;
  if (*rel && read_under(root, rel, &data, &len, real) == 0) {
    r->raw = data;
    r->rawlen = len;
    r->ctype = type_of(real);
    r->status = 200;
    return 200;
  }
  /* A missing file (a name with an extension, e.g. a stale /assets/x.js) is a
   * 404; only page routes of the single-page app fall back to index.html. */
  const char *base = strrchr(r->path, '/');
  if (base && strchr(base, '.')) return api_error(r, 404, "not_found", "", "页面不存在");
  if (read_under(root, "index.html", &data, &len, real) == 0) {
    r->raw = data;
    r->rawlen = len;
    r->ctype = "text/html; charset=utf-8";
    r->status = 200;
    return 200;
  }
  static const char notice[] =
      "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>巡纪贯通协同平台</title>"
      "<h1>巡纪贯通协同平台 (xunji)</h1><p>浏览器界面尚未构建, API 已在 /api/v1 提供服务。</p>"
      "<p>健康检查: <a href=\"/healthz\">/healthz</a></p></html>";
  r->raw = xstrdup(notice);
  r->rawlen = sizeof notice - 1;
  r->ctype = "text/html; charset=utf-8";
  r->status = 200;
  return 200;
}
