/*
 * fields.h — declared input fields and their validation (kcgi-style
 * validators): every JSON body is checked against a field list before a
 * handler sees it. Unknown fields, wrong types, over-long text, invalid
 * UTF-8, bad dates, ids and enum values are refused with a Chinese message
 * naming the field.
 */
#ifndef XUNJI_FIELDS_H
#define XUNJI_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

/* Text (FT_TEXT, FT_MEMO) is trimmed by fields_validate: leading and
 * trailing blanks (spaces, tabs, line breaks, U+00A0, the ideographic space
 * U+3000) are removed from the body itself, so handlers store the trimmed
 * value; a required text that is blank is refused (400 missing_field naming
 * it). Every reason, note, title and result is such a field; only secrets
 * (passwords) and raw CSV uploads (rows keep their numbers) opt out with
 * F_VERBATIM. */
typedef enum ftype {
  FT_TEXT,  /* one line */
  FT_MEMO,  /* multi-line text */
  FT_INT,
  FT_BOOL,  /* stored as 0/1 */
  FT_DATE,  /* YYYY-MM-DD */
  FT_ENUM,
  FT_ID,    /* UUID of another record */
  FT_MONEY, /* 元 as a decimal string "12.38" (or an integer); never a float */
} ftype;

enum {
  F_REQUIRED = 1,
  F_READONLY = 2,   /* shown, never written by clients */
  F_CREATEONLY = 4, /* set when the record is created, never changed (partial updates refuse it) */
  F_VERBATIM = 8,   /* text kept byte for byte, never trimmed (passwords, CSV) */
};

typedef struct field {
  const char *name;   /* JSON key and column name */
  const char *label;  /* Chinese label for messages */
  ftype type;
  int flags;
  int max;            /* characters for text, max value for ints */
  int min;            /* min value for ints */
  const char *const *values; /* FT_ENUM: NULL-terminated */
} field;

typedef struct verr {
  int status;          /* 400, 413 */
  const char *code;    /* "invalid_field", "unknown_field", "missing_field" */
  const char *field;   /* the offending key */
  char message[256];   /* Chinese */
} verr;

/* Checks body (an object) against fields, trimming its text values in
 * place (see above). With partial, required fields may be absent (PATCH).
 * null is accepted for optional fields. Returns true if valid. */
bool fields_validate(json_t *body, const field *f, int n, bool partial, verr *e);
/* Validates one value against one field; used by query filters too (a
 * blank required text is refused here as well, without changing v). */
bool field_check(const field *f, const json_t *v, verr *e);
const field *fields_find(const field *f, int n, const char *name);
bool enum_ok(const char *const *values, const char *v);

#endif
