/*
 * fuzz_config.c — the settings file parser (src/util/config.c: `key = value`
 * lines) on arbitrary bytes, read from a memfd by cfg_load as `--config`
 * would read it, and each line once more through cfg_set_kv (`--set`).
 * Whatever the file says, an integer setting must stay within its bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  for (int i = 0; i < CFG__MAX; i++) unsetenv(cfg_defs[i].env);
  unsetenv("XUNJI_CONFIG");
  fd = memfd_create("xunji-config", 0);
  if (fd < 0) abort();
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return 0;
}

static void check_bounds(void) {
  for (int i = 0; i < CFG__MAX; i++) {
    const cfg_def *d = &cfg_defs[i];
    if (d->type == CT_INT && (cfg_int((cfg_id)i) < d->min || cfg_int((cfg_id)i) > d->max)) {
      fprintf(stderr, "setting %s out of bounds: %s\n", d->name, cfg_str((cfg_id)i));
      abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  if (ftruncate(fd, 0) || pwrite(fd, data, len, 0) != (ssize_t)len) abort();
  char err[512];
  err[0] = '\0';
  if (cfg_load(path, err, sizeof err) && !err[0]) abort();
  check_bounds();
  /* the same lines as --set key=value */
  char *copy = strndup((const char *)data, len);
  char *save = NULL;
  for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    err[0] = '\0';
    if (cfg_set_kv(l, err, sizeof err) && !err[0]) abort();
  }
  free(copy);
  check_bounds();
  cfg_finish();
  cfg_free();
  return 0;
}
