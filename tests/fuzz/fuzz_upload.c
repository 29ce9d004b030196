/*
 * fuzz_upload.c — the raw-body upload path (POST /api/v1/problems/{id}/files,
 * src/api/files.c) through the dispatch choke point against the real store
 * (fz.c). Input: the file name (first line; sent percent-encoded as ?name=),
 * the declared Content-Type (second line; empty = none), then the content.
 * A file accepted (201) must come back byte for byte from GET /files/{id}; a
 * .txt file is accepted exactly when it is valid UTF-8 without NUL bytes
 * (files.c checks it in 64 KiB chunks, carrying split characters over).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  const char *p = (const char *)data, *end = p + len;
  const char *nl = memchr(p, '\n', len);
  if (!nl) return 0;
  const char *nl2 = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
  /* a request line longer than MHD's 32 KiB connection pool never reaches the handler */
  if (!nl2 || nl - p > 8000) return 0;
  buf url;
  buf_init(&url, 1 << 16);
  int e = buf_addf(&url, "/api/v1/problems/%s/files?name=", fz_id('p', 0));
  for (const unsigned char *c = (const unsigned char *)p; c < (const unsigned char *)nl; c++)
    e |= buf_addf(&url, "%%%02X", *c);
  if (e) abort();
  char *ctype = strndup(nl + 1, (size_t)(nl2 - nl - 1));
  fz_spec s = {"POST", buf_str(&url), 0, FZ_BEARER, 0, {0}, {0}, nl2 + 1, (size_t)(end - nl2 - 1)};
  if (*ctype) {
    s.hk[0] = "Content-Type";
    s.hv[0] = ctype;
    s.nhdrs = 1;
  }
  req *r = fz_send(&s);
  const char *dot = memrchr(p, '.', (size_t)(nl - p));
  if (dot && (size_t)(nl - dot) == 4 && !strncasecmp(dot, ".txt", 4)) {
    int text = utf8_valid(s.body, s.len) && !memchr(s.body, 0, s.len);
    json_t *err = json_object_get(r->out, "error");
    int refused = r->status == 415 && !strcmp(json_string_value(json_object_get(err, "field")) ?: "", "file");
    if ((r->status == 201 && !text) || (refused && text)) {
      fprintf(stderr, "upload: a %s .txt of %zu bytes was %s\n", text ? "valid" : "invalid", s.len,
              refused ? "refused" : "accepted");
      abort();
    }
  }
  if (r->status == 201) {
    const char *id = json_string_value(json_object_get(r->out, "id"));
    char get[128];
    snprintf(get, sizeof get, "/api/v1/files/%s", id ? id : "");
    fz_spec g = {"GET", get, 0, FZ_BEARER, 0, {0}, {0}, NULL, 0};
    req *d = fz_send(&g);
    if (d->status != 200 || !d->raw || d->rawlen != s.len || memcmp(d->raw, s.body, s.len)) {
      fprintf(stderr, "upload: accepted file does not come back intact (%d)\n", d->status);
      abort();
    }
    fz_free(d);
  }
  fz_free(r);
  free(ctype);
  buf_free(&url);
  fz_reset();
  return 0;
}
