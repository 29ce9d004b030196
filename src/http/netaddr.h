/*
 * netaddr.h — IP addresses and address ranges (CIDR) for trusted_proxies,
 * and the real client address behind them (X-Forwarded-For / X-Real-IP).
 */
#ifndef XUNJI_NETADDR_H
#define XUNJI_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct net_range {
  int family; /* AF_INET or AF_INET6 */
  unsigned char addr[16];
  int bits;
} net_range;

/* Parses "10.0.0.5, 192.168.1.0/24, ::1" (commas or spaces). Returns the number
 * of ranges (malloc'd in *out, NULL when 0) or -1 with a Chinese message. */
int net_ranges_parse(const char *s, net_range **out, char *err, size_t errlen);
/* Is the textual address ip inside one of the ranges? */
bool net_ranges_match(const net_range *r, int n, const char *ip);
/* The client behind a trusted proxy: the rightmost X-Forwarded-For entry that
 * is not itself a trusted proxy, else X-Real-IP; copied to out (normalized)
 * and true, or false when neither header holds a valid address. */
bool net_forwarded_client(const net_range *r, int n, const char *xff, const char *xrealip,
                          char *out, size_t outlen);

#endif
