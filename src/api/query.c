/*
 * query.c — the query string of a request through the one argument parser
 * (core/args.h). See api.h api_args.
 */
#include "api/api.h"

static bool feed(void *c, const char *k, const char *v) { return args_add(c, k, v); }

int api_args(req *r, const args_spec *s, int base, args *a) {
  args_init(a, s, base);
  if (!req_each_arg(r, feed, a) && !a->status) {
    a->status = 400;
    a->code = "invalid_field";
  }
  if (!a->status) args_finish(a);
  if (!a->status) return 0;
  return api_error(r, a->status, a->code, a->field, "%s", *a->message ? a->message : "查询条件无效");
}

int api_args_list(req *r, const args_spec *s, const char *cols, const char *from, const char *where,
                  const sval *pre, int npre, void (*fix)(store_tx *, json_t *, const void *),
                  const void *ctx) {
  args a;
  int status = api_args(r, s, npre, &a);
  if (!status) {
    buf w;
    buf_init(&w, 65536);
    buf_adds(&w, where);
    buf_adds(&w, args_where(&a));
    int np;
    sval *p = args_params(&a, pre, &np);
    if (buf_failed(&w)) {
      status = api_error(r, 400, "too_many_params", "", "查询条件过多");
    } else {
      api_list_q q = {cols, from, buf_str(&w), args_order(&a), p, np, fix, ctx};
      status = api_list(r, &q);
    }
    buf_free(&w);
  }
  args_free(&a);
  return status;
}
