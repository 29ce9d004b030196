/*
 * fuzz_args.c — the one query-argument parser (src/core/args.c) on
 * arbitrary query strings: "k=v&k=v..." split as the HTTP layer hands the
 * pairs over (no percent-decoding: any byte may reach the parser), fed to a
 * spec declaring every type (lists, repeats, flags, paging, sort) after a
 * number of caller parameters taken from the first byte, and to the open
 * mode of the request check. Whatever the input: 0 or 400 with a known
 * code, a message and field that are valid UTF-8, no more conditions than
 * the cap, every $n of the WHERE fragment bound, and one args_free frees
 * it all (LeakSanitizer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char *const colours[] = {"red", "green", "财务", NULL};
static const arg_decl decls[] = {
    {.name = "title", .label = "标题", .type = ARG_TEXT, .max = 5, .col = "title"},
    {.name = "q", .label = "关键词", .type = ARG_SEARCH, .flags = ARG_NONEMPTY, .max = 10, .col = "body"},
    {.name = "team_id", .label = "巡察组", .type = ARG_ID, .col = "team_id"},
    {.name = "colour", .label = "颜色", .type = ARG_ENUM, .values = colours, .col = "colour"},
    {.name = "done", .label = "已完成", .type = ARG_BOOL, .col = "done"},
    {.name = "n", .label = "数量", .type = ARG_INT, .min = -5, .max = 50, .col = "n"},
    {.name = "on", .label = "日期", .type = ARG_DATE, .sql = "substr(at,1,10) >= ? AND ? IS NOT NULL"},
    {.name = "amount", .label = "金额", .type = ARG_MONEY, .col = "fen"},
    {.name = "late", .label = "逾期", .type = ARG_FLAG, .sql = "due < '{today}' OR '{today}' = ''"},
    {.name = "tags", .label = "专长", .type = ARG_ENUM, .values = colours, .flags = ARG_LIST | ARG_EMPTY_NULL,
     .count = 5, .col = "tag"},
    {.name = "ids", .label = "编号", .type = ARG_ID, .flags = ARG_LIST, .count = 40, .sql = "id IN ?"},
    {.name = "who", .label = "人员", .type = ARG_TEXT, .count = 7, .sql = "who = ?"},
    {.name = "only", .label = "仅解析", .type = ARG_INT, .min = 0, .max = 9},
    {.name = "must", .label = "必填", .type = ARG_TEXT, .flags = ARG_REQUIRED},
};
static const char *const sortable[] = {"title", "n", NULL};

static void check_result(args *a, int status, int max) {
  if (status != 0 && status != 400) abort();
  if (status) {
    if (!a->code) abort();
    if (strcmp(a->code, "invalid_field") && strcmp(a->code, "unknown_field") &&
        strcmp(a->code, "too_many_params") && strcmp(a->code, "duplicate_param") &&
        strcmp(a->code, "missing_field"))
      abort();
    if (!utf8_valid(a->message, strlen(a->message)) || !*a->message) abort();
    if (!utf8_valid(a->field, strlen(a->field))) abort();
    return;
  }
  if (a->nconds > max || a->np > ARGS_MAX * ARGS_MAX) abort();
  /* every placeholder is one of ours, after the caller's */
  const char *w = args_where(a);
  for (const char *s = strchr(w, '$'); s; s = strchr(s + 1, '$')) {
    long n = strtol(s + 1, NULL, 10);
    if (n <= a->base || n > a->base + a->np) abort();
  }
  if (a->limit < 1 || a->limit > ARGS_PER_PAGE_MAX || a->offset < 0) abort();
  int n;
  sval *pre = calloc((size_t)a->base + 1, sizeof *pre);
  sval *p = args_params(a, pre, &n);
  if (n != a->base + a->np) abort();
  p[n] = SV_I(1); /* the LIMIT/OFFSET slots are writable */
  p[n + 1] = SV_I(0);
  for (int i = a->base; i < n; i++)
    if (p[i].t == SV_TEXT && !utf8_valid(p[i].s, strlen(p[i].s))) abort();
  free(pre);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  if (!len) return 0;
  int base = data[0] % 64;
  int max = 1 + data[0] / 64 * 5; /* 1, 6, 11, 16 */
  char *q = malloc(len);
  memcpy(q, data + 1, len - 1);
  q[len - 1] = '\0';
  args_spec spec = {.decls = decls, .n = ARGS_N(decls), .max = max, .prefix = "x.", .paging = true,
                    .sort = true, .sort_cols = sortable, .sort_stamps = true, .sort_prefix = "x.",
                    .sort_default = "x.created_at DESC", .today = "2026-12-02"};
  args_spec open = {.open = true, .max = 8 + data[0] % 32};
  args a, o;
  args_init(&a, &spec, base);
  args_init(&o, &open, 0);
  bool more = true, omore = true;
  char *save = NULL;
  for (char *pair = strtok_r(q, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(pair, '=');
    const char *v = "";
    if (eq) {
      *eq = '\0';
      v = eq + 1;
    }
    if (more) more = args_add(&a, pair, v);
    if (omore) omore = args_add(&o, pair, v);
  }
  check_result(&a, args_finish(&a), max);
  check_result(&o, args_finish(&o), ARGS_MAX_SEEN);
  /* the sort rule alone, as entity_sort_sql uses it */
  buf b;
  buf_init(&b, 1024);
  char why[128];
  int r = args_sort_sql(&spec, a.sort_s, &b, why, sizeof why);
  if (r && !utf8_valid(why, strlen(why))) abort();
  buf_free(&b);
  args_free(&a);
  args_free(&o);
  free(q);
  return 0;
}
