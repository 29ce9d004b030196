/*
 * args.h — the one query-string parser. Every list or query route declares
 * its arguments as data (arg_decl: name, Chinese label, type, bounds, the
 * SQL condition it adds, how often it may be given) in an args_spec, and
 * gets back a WHERE fragment of " AND ..." conditions with bound parameters
 * (sval, never values in SQL text), the typed values, the paging and the
 * ORDER BY. The parser is pure (no request, no I/O): the HTTP side feeds it
 * the (name, value) pairs of the query string (api/query.c api_args).
 *
 * Storage is growable and owned by the result (one args_free); a hard cap
 * bounds it: more conditions than the spec's max, or more values of one
 * name than its count, is 400 too_many_params naming the argument. An
 * unknown name is 400 unknown_field naming it; a bad value is 400
 * invalid_field naming it, with a Chinese message naming its label. No
 * input reaches abort() and none can write past any array.
 *
 * Types (docs/api.md "Query arguments"):
 *   ARG_TEXT   valid UTF-8 without control characters, at most max characters
 *              (ARG_SEARCH: the same, bound as a substring: instr(col, $n) > 0)
 *   ARG_ID     a UUID
 *   ARG_ENUM   one of values (NULL-terminated)
 *   ARG_BOOL   true/false (also 1/0); bound as 1/0
 *   ARG_INT    a decimal integer in [min, max]; bound as an integer
 *   ARG_DATE   YYYY-MM-DD
 *   ARG_MONEY  元 with at most two decimals ("12.38"); bound as fen (integer)
 *   ARG_FLAG   true/false (also 1/0): adds " AND (sql)" or " AND NOT (sql)",
 *              no parameter; "{today}" in sql becomes spec->today
 * A declaration with the flag ARG_LIST takes a comma-separated list of such
 * values (each checked; at most count of them; bound as IN ($a,$b,..)).
 */
#ifndef XUNJI_ARGS_H
#define XUNJI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fields.h"
#include "store/store.h"
#include "util/buf.h"

typedef enum arg_type {
  ARG_TEXT,
  ARG_SEARCH,
  ARG_ID,
  ARG_ENUM,
  ARG_BOOL,
  ARG_INT,
  ARG_DATE,
  ARG_MONEY,
  ARG_FLAG,
} arg_type;

enum {
  ARG_LIST = 1,     /* comma-separated values, at most count of them */
  ARG_NONEMPTY = 2, /* an empty value is refused (default: "" is a value like any other) */
  ARG_EMPTY_NULL = 4, /* an empty value means "not given" */
  ARG_REQUIRED = 8, /* absent: 400 missing_field naming it */
};

/* The hard ceilings every spec is under, whatever it declares. */
enum {
  ARGS_MAX = 64,          /* conditions (bound values and flags) per request */
  ARGS_MAX_VALUE = 4096,  /* bytes of one value */
  ARGS_MAX_SEEN = 1024,   /* names of any kind (ignored ones too) */
  ARGS_PER_PAGE_MAX = 200,
  ARGS_PER_PAGE = 20,
  ARGS_CURSOR_MAX = 4096, /* bytes of ?cursor= */
  ARGS_OFFSET_MAX = 10000, /* rows ?page= may skip; deeper pages follow `next` */
};

typedef struct arg_decl {
  const char *name;  /* the query argument */
  const char *label; /* Chinese, for messages */
  arg_type type;
  int flags;         /* ARG_LIST, ARG_NONEMPTY, ARG_EMPTY_NULL */
  int64_t min, max;  /* ARG_INT bounds; ARG_TEXT/ARG_SEARCH: max characters (0: 200) */
  const char *const *values; /* ARG_ENUM: NULL-terminated vocabulary */
  /* The condition: col (with spec->prefix; ARG_SEARCH: an expression, no
   * prefix) "= $n", or sql with each "?"
   * replaced by the parameter ("x.at >= ?"); ARG_FLAG: sql is the condition.
   * Neither: the value is only parsed (read it with args_get). */
  const char *col;
  const char *sql;
  int count;         /* times the name may be given (ARG_LIST: values); 0 = 1 */
  const char *msg;   /* the message for a bad value, instead of the generic one */
} arg_decl;

typedef struct args_spec {
  const arg_decl *decls;
  int n;
  int max;            /* conditions at most (too_many_params); 0 or > ARGS_MAX: ARGS_MAX */
  const char *prefix; /* before each col ("x."), or NULL */
  bool paging;        /* page, per_page accepted (args.page/per_page/limit/offset) */
  bool keyset;        /* with paging: cursor accepted too (args.cursor_s), for a list that
                       * api_list serves (api/paging.c: keyset paging by `next`) */
  int per_page_max;   /* 0: ARGS_PER_PAGE_MAX */
  /* ?sort=col or -col over the declared columns (sort_cols, NULL-terminated,
   * and with sort_stamps created_at/updated_at), with sort_prefix; ties
   * broken by <sort_prefix>id in the same direction. sort_default is the
   * ORDER BY list when no sort is given (NULL: no ORDER BY at all). */
  bool sort;
  const char *const *sort_cols;
  const field *sort_fields; /* also sortable: these fields' names */
  int nsort_fields;
  bool sort_stamps;
  const char *sort_prefix;
  const char *sort_default;
  bool sort_verbatim; /* sort_default is the whole ORDER BY list (no id added) */
  /* Any name is accepted once and left alone, at most max names: the check
   * every request passes before its route's own spec (dispatch.c). */
  bool open;
  const char *today;  /* "{today}" in flag SQL (YYYY-MM-DD); NULL: "1970-01-01" */
} args_spec;

/* One parsed value. */
#define ARGS_N(a) ((int)(sizeof(a) / sizeof *(a)))

typedef struct arg_val {
  const arg_decl *d;
  const char *s; /* the text (owned by the args) */
  int64_t i;     /* ARG_INT, ARG_BOOL/ARG_FLAG (0/1), ARG_MONEY (fen) */
} arg_val;

typedef struct args {
  const args_spec *spec;
  int base;     /* parameters the caller bound before ($1..$base) */
  buf where;    /* " AND ..." conditions numbered from $base+1 */
  buf order;    /* " ORDER BY ..." or "" */
  sval *p;      /* the parameters: [0, base) left for the caller (args_params), then ours */
  int np, cap;  /* ours, and the allocated slots */
  arg_val *v;   /* every value given, in order */
  int nv, vcap;
  char **strs;  /* owned copies of the values */
  int ns, scap;
  int nconds;   /* conditions added (bound or flag) */
  int nseen;    /* names given */
  int *given;   /* times each declaration was given */
  const char *page_s, *per_page_s, *sort_s; /* raw, parsed by args_finish */
  const char *cursor_s; /* raw ?cursor= (checked by the list, api/paging.c), or NULL */
  int64_t page, per_page, limit, offset;
  /* the first error: status 0 when none */
  int status;
  const char *code;
  char field[64];
  char message[256];
} args;

void args_init(args *a, const args_spec *s, int base);
/* Adds one (name, value) pair. false on the first error (then a->status,
 * code, field, message say which); later calls do nothing and return false. */
bool args_add(args *a, const char *name, const char *value);
/* Paging and sort once every pair is in; 0 or the error status. */
int args_finish(args *a);
void args_free(args *a);

/* The WHERE fragment (" AND ..." or ""). */
const char *args_where(const args *a);
const char *args_order(const args *a);
/* The whole parameter array: the caller's pre[0..base) copied in front of
 * ours, plus two spare slots (LIMIT/OFFSET); owned by a. *n = base + ours. */
sval *args_params(args *a, const sval *pre, int *n);
/* ORDER BY of ?sort= (see args_spec; also used without a parse by
 * entity_sort_sql): 0 with " ORDER BY .." appended to out, or 400 with why. */
int args_sort_sql(const args_spec *s, const char *sort, buf *out, char *why, size_t nwhy);
/* The declaration of a filter on a declared body field (same name, label,
 * type and bounds), on column col (NULL: the field's name). */
arg_decl arg_of_field(const field *f, const char *col);
/* The value of name (the first, when repeated), or NULL. */
const arg_val *args_get(const args *a, const char *name);
/* Whether name was given. */
bool args_has(const args *a, const char *name);
#endif
