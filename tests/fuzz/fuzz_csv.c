/*
 * fuzz_csv.c — the CSV reader of the imports: each line through
 * prog_csv_split (src/domain/programme/pool.c; RFC 4180 fields), which must split the
 * fields it returns re-quoted back into the same fields; then the whole text
 * as the cadre pool import (POST /api/v1/persons/import, as 巡察办) and the
 * team targets import (POST /api/v1/teams/{id}/targets/import) through the
 * dispatch choke point against the real store (fz.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/programme/programme.h"
#include "fz.h"
#include "util/buf.h"
#include "util/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_init();
  return 0;
}

enum { MAXF = 16 };

static void split_line(const char *line) {
  char *f[MAXF], *g[MAXF];
  int n = prog_csv_split(line, f, MAXF);
  if (n < -1 || n == 0 || n > MAXF) abort();
  if (n < 0) return;
  buf b;
  buf_init(&b, 1 << 24);
  for (int i = 0; i < n; i++) {
    int e = i ? buf_adds(&b, ",") : 0;
    e |= buf_adds(&b, "\"");
    for (const char *c = f[i]; *c; c++) e |= *c == '"' ? buf_adds(&b, "\"\"") : buf_add(&b, c, 1);
    e |= buf_adds(&b, "\"");
    if (e) abort();
  }
  int m = prog_csv_split(buf_str(&b), g, MAXF);
  if (m != n) {
    fprintf(stderr, "csv: %d fields, %d after re-quoting\n", n, m);
    abort();
  }
  for (int i = 0; i < n; i++) {
    if (strcmp(f[i], g[i])) {
      fprintf(stderr, "csv: field %d changed by re-quoting\n", i);
      abort();
    }
    free(f[i]);
    free(g[i]);
  }
  buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  char *text = strndup((const char *)data, len);
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    split_line(line);
  }
  free(text);
  /* the imports, as JSON bodies: only texts JSON can carry */
  if (memchr(data, 0, len) || !utf8_valid((const char *)data, len)) return 0;
  json_t *body = json_pack("{s:s%}", "csv", (const char *)data, len);
  char *s = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  fz_spec p = {"POST", "/api/v1/persons/import", 2, FZ_BEARER, 1, {"Content-Type"},
               {"application/json"}, s, strlen(s)};
  fz_free(fz_send(&p));
  char url[128];
  snprintf(url, sizeof url, "/api/v1/teams/%s/targets/import", fz_id('t', 0));
  p.url = url;
  fz_free(fz_send(&p));
  free(s);
  fz_reset();
  return 0;
}
