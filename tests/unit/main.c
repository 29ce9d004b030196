/*
 * main.c — runs the registered unit tests. See t.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"

enum { MAX_TESTS = 1024 };
static struct {
  const char *name, *file;
  void (*fn)(void);
} tests[MAX_TESTS];
static int ntests, cur_failed;
static char tmpdir[256];

void t_register(const char *name, void (*fn)(void), const char *file) {
  if (ntests < MAX_TESTS) {
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    tests[ntests].file = file;
    ntests++;
  }
}

int t_check(int ok, const char *expr, const char *file, int line) {
  if (!ok) {
    fprintf(stderr, "    %s:%d: CHECK failed: %s\n", file, line, expr);
    cur_failed++;
  }
  return ok;
}

int t_check_str(const char *got, const char *want, const char *expr, const char *file, int line) {
  int ok = got && want && strcmp(got, want) == 0;
  if (!ok) {
    fprintf(stderr, "    %s:%d: CHECK failed: %s\n      got:  %s\n      want: %s\n", file, line,
            expr, got ? got : "(null)", want ? want : "(null)");
    cur_failed++;
  }
  return ok;
}

const char *t_tmpdir(void) {
  if (!tmpdir[0]) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/xunji-unit-XXXXXX");
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      exit(2);
    }
  }
  return tmpdir;
}

static void cleanup(void) {
  if (tmpdir[0]) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  }
}

int main(int argc, char **argv) {
  atexit(cleanup);
  int passed = 0, failed = 0;
  for (int i = 0; i < ntests; i++) {
    if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
    cur_failed = 0;
    tests[i].fn();
    if (cur_failed) {
      printf("FAIL %s (%s)\n", tests[i].name, tests[i].file);
      failed++;
    } else {
      printf("ok   %s\n", tests[i].name);
      passed++;
    }
  }
  printf("unit: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
