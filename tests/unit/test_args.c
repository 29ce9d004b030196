/*
 * test_args.c — the one query-argument parser (core/args.c): every type,
 * the caps, repeated and unknown names, overlong values, invalid UTF-8,
 * growable storage, paging and sort, and that one args_free frees it all
 * (run under build/asan/unit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "util/text.h"
#include "t.h"

static const char *const colours[] = {"red", "green", NULL};

static const arg_decl decls[] = {
    {.name = "title", .label = "标题", .type = ARG_TEXT, .max = 5, .col = "title"},
    {.name = "q", .label = "关键词", .type = ARG_SEARCH, .flags = ARG_NONEMPTY, .max = 10, .col = "body"},
    {.name = "team_id", .label = "巡察组", .type = ARG_ID, .col = "team_id"},
    {.name = "colour", .label = "颜色", .type = ARG_ENUM, .values = colours, .col = "colour"},
    {.name = "done", .label = "已完成", .type = ARG_BOOL, .col = "done"},
    {.name = "n", .label = "数量", .type = ARG_INT, .min = 1, .max = 50, .col = "n"},
    {.name = "on", .label = "日期", .type = ARG_DATE, .sql = "substr(at,1,10) >= ?"},
    {.name = "amount", .label = "金额", .type = ARG_MONEY, .col = "fen"},
    {.name = "late", .label = "逾期", .type = ARG_FLAG, .sql = "due < '{today}'"},
    {.name = "tags", .label = "专长", .type = ARG_ENUM, .values = colours, .flags = ARG_LIST, .count = 3,
     .col = "tag"},
    {.name = "who", .label = "人员", .type = ARG_TEXT, .count = 3, .sql = "who = ?"},
    {.name = "only", .label = "仅解析", .type = ARG_INT, .min = 0, .max = 9},
};
static const char *const sortable[] = {"title", NULL};
static const args_spec spec = {.decls = decls, .n = ARGS_N(decls), .max = 10, .prefix = "x.", .paging = true,
                               .sort = true, .sort_cols = sortable, .sort_stamps = true,
                               .sort_prefix = "x.", .sort_default = "x.created_at DESC",
                               .today = "2026-12-02"};

/* Parses pairs (name, value, ..., NULL) with base caller parameters. */
static int parse(args *a, int base, ...) {
  va_list ap;
  va_start(ap, base);
  args_init(a, &spec, base);
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (!k) break;
    const char *v = va_arg(ap, const char *);
    if (!args_add(a, k, v)) break;
  }
  va_end(ap);
  return args_finish(a);
}

TEST(args_every_type_binds_parameters) {
  args a;
  CHECK_INT(parse(&a, 2, "title", "标题五个字", "q", "关键", "team_id", "0190f5a2-7c1e-7a3b-8c4d-1234567890ab",
                  "colour", "red", "done", "true", "n", "42", "on", "2026-01-31", "amount", "12.38", "late", "1",
                  "only", "7", NULL),
            0);
  CHECK_STR(args_where(&a),
            " AND x.title = $3 AND instr(body, $4) > 0 AND x.team_id = $5 AND x.colour = $6"
            " AND x.done = $7 AND x.n = $8 AND substr(at,1,10) >= $9 AND x.fen = $10"
            " AND (due < '2026-12-02')");
  sval pre[2] = {SV_S("scope1"), SV_I(5)};
  int n;
  sval *p = args_params(&a, pre, &n);
  CHECK_INT(n, 10);
  CHECK_STR(p[0].s, "scope1");
  CHECK_INT(p[1].i, 5);
  CHECK_STR(p[2].s, "标题五个字");
  CHECK_INT(p[6].t, SV_INT);
  CHECK_INT(p[6].i, 1);
  CHECK_INT(p[7].i, 42);
  CHECK_STR(p[8].s, "2026-01-31");
  CHECK_INT(p[9].i, 1238); /* money as fen */
  CHECK_INT(p[10].t, SV_NULL); /* the spare LIMIT/OFFSET slots */
  const arg_val *v = args_get(&a, "only");
  CHECK(v && v->i == 7);
  CHECK(!args_has(&a, "tags"));
  CHECK_STR(args_order(&a), " ORDER BY x.created_at DESC, x.id");
  CHECK_INT(a.limit, 20);
  CHECK_INT(a.offset, 0);
  args_free(&a);
  /* a false flag is the negation */
  CHECK_INT(parse(&a, 0, "late", "false", "done", "0", NULL), 0);
  CHECK_STR(args_where(&a), " AND NOT (due < '2026-12-02') AND x.done = $1");
  args_free(&a);
}

static void refused(int status, const char *code, const char *fld, args *a, int want) {
  CHECK_INT(status, want);
  CHECK_STR(a->code, code);
  CHECK_STR(a->field, fld);
  CHECK(strstr(a->message, "「") || strstr(a->message, "查询"));
  args_free(a);
}

TEST(args_bad_values_name_the_field) {
  args a;
  refused(parse(&a, 0, "title", "六个字的标题", NULL), "invalid_field", "title", &a, 400);
  CHECK_INT(parse(&a, 0, "title", "六个字的标题", NULL), 400);
  CHECK(strstr(a.message, "「标题」") && strstr(a.message, "5"));
  args_free(&a);
  refused(parse(&a, 0, "q", "", NULL), "invalid_field", "q", &a, 400);
  refused(parse(&a, 0, "team_id", "not-a-uuid", NULL), "invalid_field", "team_id", &a, 400);
  refused(parse(&a, 0, "colour", "blue", NULL), "invalid_field", "colour", &a, 400);
  refused(parse(&a, 0, "done", "yes", NULL), "invalid_field", "done", &a, 400);
  refused(parse(&a, 0, "n", "0", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "n", "51", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "n", "4x", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "n", " 4", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "n", "99999999999999999999999", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "n", "", NULL), "invalid_field", "n", &a, 400);
  refused(parse(&a, 0, "on", "2026-02-30", NULL), "invalid_field", "on", &a, 400);
  refused(parse(&a, 0, "amount", "1.234", NULL), "invalid_field", "amount", &a, 400);
  refused(parse(&a, 0, "late", "maybe", NULL), "invalid_field", "late", &a, 400);
  refused(parse(&a, 0, "title", "a\tb", NULL), "invalid_field", "title", &a, 400);
  /* invalid UTF-8: refused, and the message stays valid UTF-8 */
  refused(parse(&a, 0, "title", "\xe9\x95", NULL), "invalid_field", "title", &a, 400);
  CHECK_INT(parse(&a, 0, "colour", "\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf"
                                  "\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf"
                                  "\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf\xe9\x95\xbf", NULL), 400);
  CHECK(utf8_valid(a.message, strlen(a.message)));
  args_free(&a);
  /* overlong: past ARGS_MAX_VALUE bytes whatever the type */
  char *big = malloc(ARGS_MAX_VALUE + 2);
  memset(big, 'a', ARGS_MAX_VALUE + 1);
  big[ARGS_MAX_VALUE + 1] = '\0';
  refused(parse(&a, 0, "who", big, NULL), "invalid_field", "who", &a, 400);
  free(big);
}

TEST(args_unknown_repeated_and_capped) {
  args a;
  refused(parse(&a, 0, "colour", "red", "frobnicate", "1", NULL), "unknown_field", "frobnicate", &a, 400);
  CHECK_INT(parse(&a, 0, "frobnicate", "1", NULL), 400);
  CHECK(strstr(a.message, "frobnicate") != NULL);
  args_free(&a);
  /* a name that is not UTF-8 is not echoed */
  refused(parse(&a, 0, "\xff\xfe", "1", NULL), "unknown_field", "?", &a, 400);
  /* given twice, not repeatable */
  refused(parse(&a, 0, "colour", "red", "colour", "green", NULL), "duplicate_param", "colour", &a, 400);
  refused(parse(&a, 0, "page", "1", "page", "2", NULL), "duplicate_param", "page", &a, 400);
  /* repeatable up to its count */
  CHECK_INT(parse(&a, 0, "who", "甲", "who", "乙", "who", "丙", NULL), 0);
  CHECK_STR(args_where(&a), " AND who = $1 AND who = $2 AND who = $3");
  args_free(&a);
  refused(parse(&a, 0, "who", "甲", "who", "乙", "who", "丙", "who", "丁", NULL), "too_many_params", "who", &a,
          400);
  /* a list: IN, at most count values */
  CHECK_INT(parse(&a, 0, "tags", "red,green,red", NULL), 0);
  CHECK_STR(args_where(&a), " AND x.tag IN ($1,$2,$3)");
  args_free(&a);
  refused(parse(&a, 0, "tags", "red,green,red,green", NULL), "too_many_params", "tags", &a, 400);
  refused(parse(&a, 0, "tags", "red,,green", NULL), "invalid_field", "tags", &a, 400);
  /* the spec's cap on conditions (10) */
  args_init(&a, &spec, 0);
  const char *nine[] = {"title", "q", "team_id", "colour", "done", "n", "on", "amount", "late"};
  const char *vals[] = {"t", "q", "0190f5a2-7c1e-7a3b-8c4d-1234567890ab", "red", "true", "3", "2026-01-01",
                        "1", "true"};
  for (int i = 0; i < 9; i++) CHECK(args_add(&a, nine[i], vals[i]));
  CHECK(args_add(&a, "who", "甲"));
  CHECK(!args_add(&a, "who", "乙")); /* the eleventh condition */
  CHECK_STR(a.code, "too_many_params");
  CHECK_STR(a.field, "who");
  CHECK(!args_add(&a, "colour", "red")); /* nothing after the first error */
  CHECK_STR(a.code, "too_many_params");
  CHECK_INT(args_finish(&a), 400);
  args_free(&a);
}

TEST(args_paging_and_sort) {
  args a;
  CHECK_INT(parse(&a, 0, "page", "3", "per_page", "50", "sort", "-title", NULL), 0);
  CHECK_INT(a.limit, 50);
  CHECK_INT(a.offset, 100);
  CHECK_STR(args_order(&a), " ORDER BY x.title DESC, x.id DESC");
  args_free(&a);
  CHECK_INT(parse(&a, 0, "sort", "created_at", NULL), 0);
  CHECK_STR(args_order(&a), " ORDER BY x.created_at, x.id");
  args_free(&a);
  refused(parse(&a, 0, "sort", "secret", NULL), "invalid_field", "sort", &a, 400);
  refused(parse(&a, 0, "sort", "title; DROP TABLE x", NULL), "invalid_field", "sort", &a, 400);
  refused(parse(&a, 0, "per_page", "201", NULL), "invalid_field", "per_page", &a, 400);
  refused(parse(&a, 0, "per_page", "0", NULL), "invalid_field", "per_page", &a, 400);
  refused(parse(&a, 0, "page", "-1", NULL), "invalid_field", "page", &a, 400);
  refused(parse(&a, 0, "page", "", NULL), "invalid_field", "page", &a, 400);
  refused(parse(&a, 0, "page", "1000001", NULL), "invalid_field", "page", &a, 400);
  /* a spec without paging does not know page */
  static const args_spec bare = {.decls = decls, .n = 1};
  args_init(&a, &bare, 0);
  CHECK(!args_add(&a, "page", "1"));
  CHECK_STR(a.code, "unknown_field");
  args_free(&a);
  /* required */
  static const arg_decl req_decl[] = {{.name = "team_id", .label = "巡察组", .type = ARG_ID, .flags = ARG_REQUIRED}};
  static const args_spec req_spec = {.decls = req_decl, .n = 1};
  args_init(&a, &req_spec, 0);
  CHECK_INT(args_finish(&a), 400);
  CHECK_STR(a.code, "missing_field");
  CHECK_STR(a.field, "team_id");
  args_free(&a);
}

TEST(args_open_mode_is_the_request_check) {
  args a;
  static const args_spec open = {.open = true, .max = 8};
  args_init(&a, &open, 0);
  char k[16];
  for (int i = 0; i < 8; i++) {
    snprintf(k, sizeof k, "p%d", i);
    CHECK(args_add(&a, k, "1"));
  }
  CHECK(!args_add(&a, "p8", "1"));
  CHECK_STR(a.code, "too_many_params");
  CHECK(strstr(a.message, "8") != NULL);
  args_free(&a);
  args_init(&a, &open, 0);
  CHECK(args_add(&a, "x", "1"));
  CHECK(!args_add(&a, "x", "2"));
  CHECK_STR(a.code, "duplicate_param");
  CHECK_STR(a.field, "x");
  args_free(&a);
}

TEST(args_storage_grows_and_is_freed) {
  /* many values of a repeatable name: the parameter, value and string
   * arrays grow past their first allocation; one args_free frees them */
  static const arg_decl many[] = {{.name = "v", .label = "值", .type = ARG_TEXT, .count = 60, .col = "v"}};
  static const args_spec s = {.decls = many, .n = 1, .max = 64};
  args a;
  args_init(&a, &s, 300); /* after 300 caller parameters */
  char v[16];
  for (int i = 0; i < 60; i++) {
    snprintf(v, sizeof v, "值%d", i);
    CHECK(args_add(&a, "v", v));
  }
  CHECK_INT(args_finish(&a), 0);
  CHECK_INT(a.np, 60);
  CHECK_INT(a.nv, 60);
  CHECK(strstr(args_where(&a), " AND v = $360") != NULL);
  sval *pre = calloc(300, sizeof *pre);
  for (int i = 0; i < 300; i++) pre[i] = SV_I(i);
  int n;
  sval *p = args_params(&a, pre, &n);
  CHECK_INT(n, 360);
  CHECK_INT(p[299].i, 299);
  CHECK_STR(p[359].s, "值59");
  p[n] = SV_I(20); /* the spare slots are ours to write */
  p[n + 1] = SV_I(0);
  free(pre);
  args_free(&a);
  CHECK(a.p == NULL && a.strs == NULL && a.v == NULL);
  args_free(&a); /* twice is harmless */
  /* field declarations turn into filters of the same type */
  static const char *const st[] = {"a", "b", NULL};
  field f[] = {{.name = "state", .label = "状态", .type = FT_ENUM, .values = st}, {.name = "n", .label = "数", .type = FT_INT,
                                                       .max = 9, .min = 1},
               {.name = "m", .label = "金额", .type = FT_MONEY}, {.name = "t", .label = "文", .type = FT_MEMO,
                                                      .max = 3}};
  arg_decl d[4];
  for (int i = 0; i < 4; i++) d[i] = arg_of_field(&f[i], NULL);
  CHECK_INT(d[0].type, ARG_ENUM);
  CHECK_INT(d[1].type, ARG_INT);
  CHECK_INT(d[1].min, 1);
  CHECK_INT(d[1].max, 9);
  CHECK_INT(d[2].type, ARG_MONEY);
  CHECK_INT(d[3].type, ARG_TEXT);
  CHECK_STR(d[0].col, "state");
}
