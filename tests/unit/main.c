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
static int ntests, cur_failed, cur_checks;
static char tmpdir[256];

void t_register(const char *name, void (*fn)(void), const char *file) {
  if (ntests >= MAX_TESTS) { /* never drop a test silently */
    fprintf(stderr, "too many unit tests (max %d): raise MAX_TESTS\n", MAX_TESTS);
    exit(2);
  }
  tests[ntests].name = name;
  tests[ntests].fn = fn;
  tests[ntests].file = file;
  ntests++;
}

int t_check(int ok, const char *expr, const char *file, int line) {
  cur_checks++;
  if (!ok) {
    fprintf(stderr, "    %s:%d: CHECK failed: %s\n", file, line, expr);
    cur_failed++;
  }
  return ok;
}

int t_check_str(const char *got, const char *want, const char *expr, const char *file, int line) {
  int ok = got && want && strcmp(got, want) == 0;
  cur_checks++;
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

/* Runs one test; returns its number of failures (a test in which no CHECK
 * ran counts as failed: a test that asserts nothing proves nothing). */
static int run_one(void (*fn)(void), const char *name) {
  cur_failed = 0;
  cur_checks = 0;
  fn();
  if (!cur_checks) {
    fprintf(stderr, "    %s: no CHECK ran\n", name);
    cur_failed++;
  }
  return cur_failed;
}

static void empty_test(void) {}
static void self_test_passes(void) { t_check(1, "1", __FILE__, __LINE__); }
static void failing_test(void) { t_check(0, "0", __FILE__, __LINE__); }

/* The harness checks itself first: an empty test and a failing test must
 * both count as failed, else every "ok" below means nothing. */
static int self_test(void) {
  int bad = 0;
  if (!run_one(empty_test, "empty_test")) bad++;
  if (!run_one(failing_test, "failing_test")) bad++;
  if (run_one(self_test_passes, "self_test_passes")) bad++;
  return bad;
}

int main(int argc, char **argv) {
  atexit(cleanup);
  int passed = 0, failed = 0;
  fprintf(stderr, "harness self-test (two expected failures follow):\n");
  if (self_test()) {
    printf("FAIL harness self-test\nunit: 0 passed, 1 failed\n");
    return 1;
  }
  for (int i = 0; i < ntests; i++) {
    if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
    if (run_one(tests[i].fn, tests[i].name)) {
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
