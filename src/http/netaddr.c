/*
 * netaddr.c — see netaddr.h.
 */
#include "http/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/xmem.h"

static bool parse_ip(const char *s, int *family, unsigned char addr[16]) {
  memset(addr, 0, 16);
  if (inet_pton(AF_INET, s, addr) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s, addr) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
}

int net_ranges_parse(const char *s, net_range **out, char *err, size_t errlen) {
  *out = NULL;
  int n = 0;
  const char *p = s;
  while (*p) {
    size_t len = strcspn(p, ", \t");
    if (len == 0) {
      p++;
      continue;
    }
    char item[80];
    if (len >= sizeof item) {
      snprintf(err, errlen, "可信代理地址过长: %.40s…", p);
      free(*out);
      *out = NULL;
      return -1;
    }
    memcpy(item, p, len);
    item[len] = '\0';
    p += len;
    net_range r = {0};
    char *slash = strchr(item, '/');
    if (slash) *slash = '\0';
    bool ok = parse_ip(item, &r.family, r.addr);
    int maxbits = r.family == AF_INET ? 32 : 128;
    r.bits = maxbits;
    if (ok && slash) {
      char *end;
      long b = strtol(slash + 1, &end, 10);
      ok = *end == '\0' && end != slash + 1 && b >= 0 && b <= maxbits;
      r.bits = (int)b;
    }
    if (!ok) {
      if (slash) *slash = '/';
      snprintf(err, errlen, "可信代理地址无效 (应为 IP 或 IP/前缀长度): %s", item);
      free(*out);
      *out = NULL;
      return -1;
    }
    *out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
    (*out)[n++] = r;
  }
  return n;
}

static bool in_range(const net_range *r, int family, const unsigned char *a) {
  if (r->family != family) return false;
  int full = r->bits / 8, rest = r->bits % 8;
  if (memcmp(r->addr, a, (size_t)full)) return false;
  if (!rest) return true;
  unsigned char m = (unsigned char)(0xff << (8 - rest));
  return (r->addr[full] & m) == (a[full] & m);
}

bool net_ranges_match(const net_range *r, int n, const char *ip) {
  int family;
  unsigned char a[16];
  if (!ip || !parse_ip(ip, &family, a)) return false;
  for (int i = 0; i < n; i++)
    if (in_range(&r[i], family, a)) return true;
  return false;
}

/* Copies the trimmed token [b, e) as a normalized address; false if invalid. */
static bool take(const char *b, const char *e, char *out, size_t outlen) {
  while (b < e && (*b == ' ' || *b == '\t')) b++;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
  char tok[64];
  if (e <= b || (size_t)(e - b) >= sizeof tok) return false;
  memcpy(tok, b, (size_t)(e - b));
  tok[e - b] = '\0';
  int family;
  unsigned char a[16];
  if (!parse_ip(tok, &family, a)) return false;
  return inet_ntop(family, a, out, (socklen_t)outlen) != NULL;
}

bool net_forwarded_client(const net_range *r, int n, const char *xff, const char *xrealip,
                          char *out, size_t outlen) {
  if (xff && *xff) {
    const char *end = xff + strlen(xff);
    while (end > xff) {
      const char *b = end;
      while (b > xff && b[-1] != ',') b--;
      char ip[64];
      if (!take(b, end, ip, sizeof ip)) return false; /* garbage: believe nothing further */
      if (!net_ranges_match(r, n, ip) || b == xff) {
        snprintf(out, outlen, "%s", ip);
        return true;
      }
      end = b - 1; /* skip the comma */
    }
  }
  if (xrealip && *xrealip) return take(xrealip, xrealip + strlen(xrealip), out, outlen);
  return false;
}
