/*
 * fuzz_request.c — the request path through the dispatch choke point: up to
 * four requests per input (text form in fz.h: role, auth, method, path and
 * query string, headers such as Origin, Content-Type and If-Match, JSON
 * body), signed in as one of several roles, run by api_dispatch against the
 * real SQLite store with the demo data. Every reply is checked (fz.c); the
 * database is restored after an input that changed it.
 */
#include <stdint.h>

#include "fz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  req *out[4];
  int n = fz_run((const char *)data, len, out, 4);
  for (int i = 0; i < n; i++) fz_free(out[i]);
  fz_reset();
  return 0;
}
