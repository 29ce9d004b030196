/*
 * t.h — the unit-test harness: TEST(name) registers a test at start-up,
 * CHECK* record failures without stopping the test. main.c runs them all
 * (or those whose name contains argv[1]) and ends with "N passed, N failed".
 */
#ifndef XUNJI_T_H
#define XUNJI_T_H

#include <string.h>

void t_register(const char *name, void (*fn)(void), const char *file);
int t_check(int ok, const char *expr, const char *file, int line);
int t_check_str(const char *got, const char *want, const char *expr, const char *file, int line);
/* A fresh temporary directory for this test (removed at exit). */
const char *t_tmpdir(void);

#define TEST(name)                                                                   \
  static void name(void);                                                            \
  __attribute__((constructor)) static void reg_##name(void) { t_register(#name, name, __FILE__); } \
  static void name(void)

#define CHECK(c) t_check(!!(c), #c, __FILE__, __LINE__)
#define CHECK_STR(got, want) t_check_str((got), (want), #got " == " #want, __FILE__, __LINE__)
#define CHECK_INT(got, want) \
  t_check((long long)(got) == (long long)(want), #got " == " #want, __FILE__, __LINE__)

#endif
