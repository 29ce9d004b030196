/*
 * audit_detail.c — keeps audit details to ids, field names and codes. See
 * audit_detail.h.
 */
#include "sec/audit_detail.h"

#include <stdio.h>
#include <string.h>

static bool is_uuid(const char *s) {
  if (strlen(s) != 36) return false;
  for (int i = 0; i < 36; i++) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

static bool is_code(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return false;
  }
  return true;
}

static bool is_hex(const char *s) {
  size_t n = strlen(s);
  if (n < 32 || n > 128) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

static bool money_key(const char *k) {
  return k && (strstr(k, "fen") || strstr(k, "amount") || strstr(k, "money"));
}

/* HTTP methods and similar all-capital codes (GET, POST) */
static bool is_caps(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 10) return false;
  for (size_t i = 0; i < n; i++)
    if (!(s[i] >= 'A' && s[i] <= 'Z')) return false;
  return true;
}

/* a request path as the route table spells it: lowercase words and ids */
static bool is_path(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 200 || s[0] != '/') return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' ||
          c == '.'))
      return false;
  }
  return true;
}

bool audit_value_safe(const char *key, const char *v) {
  if (is_uuid(v) || is_code(v) || is_caps(v)) return true;
  if (key && !strcmp(key, "path") && is_path(v)) return true;
  return key && (strstr(key, "sm3") || strstr(key, "hash")) && is_hex(v);
}

static bool scalar_safe(const char *key, const json_t *v) {
  if (json_is_null(v) || json_is_boolean(v)) return true;
  if (json_is_integer(v)) return !money_key(key);
  if (json_is_string(v)) return audit_value_safe(key, json_string_value(v));
  return false;
}

static void withheld(json_t *fields, const char *prefix, const char *key) {
  char name[160];
  snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", key);
  json_array_append_new(fields, json_string(name));
}

static void walk(const json_t *in, json_t *out, json_t *fields, const char *prefix) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)in, key, v) {
    if (json_is_object(v)) {
      char sub[160];
      snprintf(sub, sizeof sub, "%s%s%s", prefix, *prefix ? "." : "", key);
      json_t *o = json_object();
      walk(v, o, fields, sub);
      json_object_set_new(out, key, o);
    } else if (json_is_array(v)) {
      bool ok = true;
      size_t i;
      json_t *it;
      json_array_foreach(v, i, it) ok = ok && scalar_safe(key, it);
      if (ok) json_object_set(out, key, v);
      else withheld(fields, prefix, key);
    } else if (scalar_safe(key, v)) {
      json_object_set(out, key, v);
    } else {
      withheld(fields, prefix, key);
    }
  }
}

json_t *audit_detail_safe(const json_t *detail) {
  if (!detail) return NULL;
  json_t *out = json_object(), *fields = json_array();
  if (json_is_object(detail)) walk(detail, out, fields, "");
  if (json_array_size(fields)) {
    /* a caller's own "fields" list (names) is merged, never overwritten */
    json_t *own = json_object_get(out, "fields");
    if (json_is_array(own)) json_array_extend(fields, own);
    json_object_set_new(out, "fields", fields);
  } else {
    json_decref(fields);
  }
  return out;
}
