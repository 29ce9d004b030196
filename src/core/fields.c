/*
 * fields.c — validation of declared fields. See fields.h.
 */
#include "core/fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

bool enum_ok(const char *const *values, const char *v) {
  for (; values && *values; values++)
    if (strcmp(*values, v) == 0) return true;
  return false;
}

const field *fields_find(const field *f, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(f[i].name, name) == 0) return &f[i];
  return NULL;
}

__attribute__((format(printf, 4, 5))) static bool fail(verr *e, const char *code,
                                                       const field *f, const char *fmt, ...) {
  e->status = 400;
  e->code = code;
  e->field = f->name;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  utf8_fix_end(e->message); /* a long value may have been cut inside a character */
  return false;
}

bool field_check(const field *f, const json_t *v, verr *e) {
  if (json_is_null(v)) {
    if (f->flags & F_REQUIRED) return fail(e, "missing_field", f, "「%s」为必填项%s", (f)->label, "");
    return true;
  }
  switch (f->type) {
    case FT_TEXT:
    case FT_MEMO:
    case FT_DATE:
    case FT_ENUM:
    case FT_ID: {
      if (!json_is_string(v)) return fail(e, "invalid_field", f, "「%s」应为文本%s", (f)->label, "");
      const char *s = json_string_value(v);
      size_t len = json_string_length(v);
      if (strlen(s) != len || !utf8_valid(s, len))
        return fail(e, "invalid_field", f, "「%s」含有无效字符%s", (f)->label, "");
      if (f->type == FT_TEXT && strpbrk(s, "\r\n\t"))
        return fail(e, "invalid_field", f, "「%s」不得包含换行或制表符%s", (f)->label, "");
      if ((f->flags & F_REQUIRED) && len == 0)
        return fail(e, "missing_field", f, "「%s」为必填项%s", (f)->label, "");
      if ((f->type == FT_TEXT || f->type == FT_MEMO) && (f->flags & F_REQUIRED) &&
          !(f->flags & F_VERBATIM)) {
        size_t a, tl;
        utf8_trim(s, len, &a, &tl);
        if (!tl) return fail(e, "missing_field", f, "「%s」为必填项, 不能只填空白%s", (f)->label, "");
      }
      if (f->type == FT_DATE && len && !date_parse(s, NULL))
        return fail(e, "invalid_field", f, "「%s」应为有效日期 (YYYY-MM-DD)%s", (f)->label, "");
      if (f->type == FT_ID && len && !uuid_valid(s))
        return fail(e, "invalid_field", f, "「%s」不是有效的编号%s", (f)->label, "");
      if (f->type == FT_ENUM && !enum_ok(f->values, s))
        return fail(e, "invalid_field", f, "「%s」的取值无效: %s", (f)->label, s);
      if ((f->type == FT_TEXT || f->type == FT_MEMO) && f->max && utf8_len(s) > (size_t)f->max) {
        char n[16];
        snprintf(n, sizeof n, "%d", f->max);
        return fail(e, "invalid_field", f, "「%s」不得超过%s个字", (f)->label, n);
      }
      return true;
    }
    case FT_INT: {
      if (!json_is_integer(v)) return fail(e, "invalid_field", f, "「%s」应为整数%s", (f)->label, "");
      json_int_t i = json_integer_value(v);
      if (i < f->min || (f->max && i > f->max)) {
        char r[48];
        snprintf(r, sizeof r, "%d 至 %d", f->min, f->max);
        return fail(e, "invalid_field", f, "「%s」应在 %s 之间", (f)->label, r);
      }
      return true;
    }
    case FT_MONEY:
      if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < 10000000000000LL)
        return true;
      if (!json_is_string(v) || !money_parse(json_string_value(v), NULL))
        return fail(e, "invalid_field", f, "「%s」应为金额 (元, 最多两位小数, 如 \"12.38\")%s", (f)->label, "");
      return true;
    case FT_BOOL:
      if (!json_is_boolean(v)) return fail(e, "invalid_field", f, "「%s」应为 true 或 false%s", (f)->label, "");
      return true;
  }
  return fail(e, "invalid_field", f, "「%s」无效%s", (f)->label, "");
}

/* Trims a text value in place (see fields.h). */
static void trim_value(const field *f, json_t *v) {
  if ((f->type != FT_TEXT && f->type != FT_MEMO) || (f->flags & F_VERBATIM) || !json_is_string(v))
    return;
  const char *s = json_string_value(v);
  size_t n = json_string_length(v), a, len;
  utf8_trim(s, n, &a, &len);
  if (a || len != n) json_string_setn(v, s + a, len);
}

bool fields_validate(json_t *body, const field *f, int n, bool partial, verr *e) {
  memset(e, 0, sizeof *e);
  if (!json_is_object(body)) {
    e->status = 400;
    e->code = "invalid_body";
    e->field = "";
    snprintf(e->message, sizeof e->message, "请求体应为 JSON 对象");
    return false;
  }
  const char *key;
  json_t *v;
  json_object_foreach(body, key, v) {
    const field *fd = fields_find(f, n, key);
    if (!fd || (fd->flags & F_READONLY) || (partial && (fd->flags & F_CREATEONLY))) {
      e->status = 400;
      e->code = "unknown_field";
      e->field = key;
      snprintf(e->message, sizeof e->message, "%s: %.120s", fd ? "该字段不可修改" : "未知字段",
               key);
      utf8_fix_end(e->message);
      return false;
    }
    trim_value(fd, v);
    if (!field_check(fd, v, e)) return false;
  }
  if (!partial) {
    for (int i = 0; i < n; i++) {
      if ((f[i].flags & F_REQUIRED) && !(f[i].flags & F_READONLY) &&
          !json_object_get(body, f[i].name))
        return fail(e, "missing_field", &f[i], "缺少必填项「%s」%s", (&f[i])->label, "");
    }
  }
  return true;
}
