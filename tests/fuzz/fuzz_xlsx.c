/*
 * fuzz_xlsx.c — the .xlsx reader (src/report/xlsx_read.c) on arbitrary bytes,
 * as an import upload reaches it after base64 decoding. A failure must come
 * with a Chinese reason; a success must respect the row and column bounds
 * and hold only valid UTF-8 texts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/xlsx.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

enum { MAX_ROWS = 5001, MAX_COLS = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  char err[300];
  json_t *rows = xlsx_read(data, len, MAX_ROWS, err, sizeof err);
  if (!rows) {
    if (!err[0] || !utf8_valid(err, strlen(err))) {
      fprintf(stderr, "xlsx_read failed without a reason\n");
      abort();
    }
    return 0;
  }
  if (!json_is_array(rows) || json_array_size(rows) > MAX_ROWS) abort();
  size_t i, k;
  json_t *row, *cell;
  json_array_foreach(rows, i, row) {
    if (!json_is_array(row) || json_array_size(row) > MAX_COLS) abort();
    json_array_foreach(row, k, cell) {
      const char *s = json_string_value(cell);
      if (!s || !utf8_valid(s, strlen(s))) abort();
    }
  }
  json_decref(rows);
  return 0;
}
