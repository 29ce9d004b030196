/*
 * test_net.c — trusted proxy ranges and the forwarded client (http/netaddr.c),
 * and the streaming seal of evidence files (sec/crypto.c blob_seal_fd).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/netaddr.h"
#include "sec/crypto.h"
#include "t.h"

TEST(trusted_proxy_ranges_parse_and_match) {
  net_range *r;
  char err[160];
  int n = net_ranges_parse(" 10.0.0.0/8, 192.168.1.7 ::1,2001:db8::/32", &r, err, sizeof err);
  CHECK_INT(n, 4);
  CHECK(net_ranges_match(r, n, "10.200.3.4"));
  CHECK(!net_ranges_match(r, n, "11.0.0.1"));
  CHECK(net_ranges_match(r, n, "192.168.1.7"));
  CHECK(!net_ranges_match(r, n, "192.168.1.8"));
  CHECK(net_ranges_match(r, n, "::1"));
  CHECK(net_ranges_match(r, n, "2001:db8:ffff::5"));
  CHECK(!net_ranges_match(r, n, "2001:db9::5"));
  CHECK(!net_ranges_match(r, n, "nonsense"));
  free(r);
  CHECK_INT(net_ranges_parse("", &r, err, sizeof err), 0);
  CHECK(net_ranges_parse("10.0.0.0/33", &r, err, sizeof err) < 0 && strstr(err, "10.0.0.0/33"));
  CHECK(net_ranges_parse("10.0.0.1/", &r, err, sizeof err) < 0);
  CHECK(net_ranges_parse("host.example", &r, err, sizeof err) < 0);
}

TEST(forwarded_client_is_the_rightmost_untrusted_address) {
  net_range *r;
  char err[160], out[48];
  int n = net_ranges_parse("127.0.0.1,10.0.0.0/8", &r, err, sizeof err);
  CHECK(net_forwarded_client(r, n, "198.51.100.7, 203.0.113.9, 10.1.2.3", NULL, out, sizeof out));
  CHECK_STR(out, "203.0.113.9");
  CHECK(net_forwarded_client(r, n, "10.0.0.1", NULL, out, sizeof out)); /* all trusted: leftmost */
  CHECK_STR(out, "10.0.0.1");
  CHECK(net_forwarded_client(r, n, NULL, " 2001:DB8::1 ", out, sizeof out));
  CHECK_STR(out, "2001:db8::1");
  CHECK(!net_forwarded_client(r, n, "203.0.113.9, <x>", "203.0.113.1", out, sizeof out));
  CHECK(!net_forwarded_client(r, n, NULL, NULL, out, sizeof out));
  free(r);
}

TEST(streamed_seal_opens_like_blob_seal) {
  xkeys k;
  memset(&k, 7, sizeof k);
  k.ring = NULL; /* the flat keys only (key 1) */
  k.path = NULL;
  char in[512], out[512];
  snprintf(in, sizeof in, "%s/seal-in", t_tmpdir());
  snprintf(out, sizeof out, "%s/seal-out", t_tmpdir());
  size_t n = 200000;
  unsigned char *data = malloc(n);
  for (size_t i = 0; i < n; i++) data[i] = (unsigned char)(i * 31 + 7);
  int fi = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600), fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(write(fi, data, n) == (ssize_t)n);
  CHECK(lseek(fi, 0, SEEK_SET) == 0);
  unsigned char dg[SM3_LEN], want[SM3_LEN];
  CHECK(blob_seal_fd(&k, "file:x", fi, n, fo, dg) == 0);
  sm3(data, n, want);
  CHECK(memcmp(dg, want, SM3_LEN) == 0);
  size_t sl = (size_t)lseek(fo, 0, SEEK_END);
  CHECK_INT(sl, 16 + n + SM3_LEN);
  unsigned char *sealed = malloc(sl);
  CHECK(pread(fo, sealed, sl, 0) == (ssize_t)sl);
  size_t pl = 0;
  unsigned char *plain = blob_open(&k, "file:x", sealed, sl, &pl);
  CHECK(plain && pl == n && memcmp(plain, data, n) == 0);
  CHECK(blob_open(&k, "file:y", sealed, sl, &pl) == NULL); /* bound to its context */
  /* short input is an error, not a short file */
  CHECK(lseek(fi, 0, SEEK_SET) == 0);
  CHECK(blob_seal_fd(&k, "file:x", fi, n + 1, fo, dg) != 0);
  free(plain);
  free(sealed);
  free(data);
  close(fi);
  close(fo);
}
