/*
 * jsonout.c — compact JSON as jansson writes it. See jsonout.h.
 */
#include "util/jsonout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
  char *p;
  size_t len, cap;
  bool bad;
} out;

static void grow(out *o, size_t n) {
  if (o->bad || o->len + n + 1 <= o->cap) return;
  size_t cap = o->cap ? o->cap : 1024;
  while (cap < o->len + n + 1) cap *= 2;
  char *p = realloc(o->p, cap);
  if (!p) {
    o->bad = true;
    return;
  }
  o->p = p;
  o->cap = cap;
}

static void put(out *o, const char *s, size_t n) {
  grow(o, n);
  if (o->bad) return;
  memcpy(o->p + o->len, s, n);
  o->len += n;
}

static void putc1(out *o, char c) {
  grow(o, 1);
  if (!o->bad) o->p[o->len++] = c;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 if it is not one
 * (overlong, surrogate, past U+10FFFF, cut short): jansson's utf8 checks. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

bool json_utf8_ok(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (!(w & 0x8080808080808080ULL)) {
        i += 8;
        continue;
      }
    }
    unsigned char c = s[i];
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && n - i >= 3 && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80) {
      i += 3; /* as in str(): the common 3-byte case without the general checks */
      continue;
    }
    size_t l = utf8_len(s + i, n - i);
    if (!l) return false;
    i += l;
  }
  return true;
}

/* Whether the 8 bytes of w are all written as they are: ASCII, none below
 * 0x20, no '"' and no '\\' (the "any byte" forms of the usual SWAR tests are
 * exact; only which byte would be approximate). */
#define ONES8 0x0101010101010101ULL
#define HIGH8 0x8080808080808080ULL
static inline bool ascii_plain8(uint64_t w) {
  uint64_t q = w ^ (ONES8 * '"'), b = w ^ (ONES8 * '\\');
  uint64_t bad = (w & HIGH8) | ((w - ONES8 * 0x20) & ~w & HIGH8) | ((q - ONES8) & ~q & HIGH8) |
                 ((b - ONES8) & ~b & HIGH8);
  return !bad;
}

static void str(out *o, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  putc1(o, '"');
  size_t run = 0; /* start of the bytes not yet written */
  for (size_t i = 0; i < n && !o->bad;) {
    if (n - i >= 8) {
      uint64_t w;
      memcpy(&w, u + i, 8);
      if (ascii_plain8(w)) {
        i += 8;
        continue;
      }
    }
    unsigned char c = u[i];
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && n - i >= 3 && (u[i + 1] & 0xC0) == 0x80 &&
        (u[i + 2] & 0xC0) == 0x80) {
      i += 3; /* a 3-byte sequence that cannot be overlong or a surrogate (most of Chinese text) */
      continue;
    }
    if (c >= 0x80) {
      size_t l = utf8_len(u + i, n - i);
      if (!l) {
        o->bad = true;
        return;
      }
      i += l;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      i++;
      continue;
    }
    put(o, s + run, i - run);
    char esc[8];
    const char *e = esc;
    switch (c) {
      case '"': e = "\\\""; break;
      case '\\': e = "\\\\"; break;
      case '\b': e = "\\b"; break;
      case '\f': e = "\\f"; break;
      case '\n': e = "\\n"; break;
      case '\r': e = "\\r"; break;
      case '\t': e = "\\t"; break;
      default: snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
    }
    put(o, e, strlen(e));
    run = ++i;
  }
  put(o, s + run, n - run);
  putc1(o, '"');
}

static void val(out *o, const json_t *v, int depth) {
  if (o->bad) return;
  if (depth > 2048) { /* jansson refuses what it cannot walk; so do we */
    o->bad = true;
    return;
  }
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      putc1(o, '{');
      const char *k;
      json_t *x;
      bool first = true;
      json_object_foreach((json_t *)v, k, x) {
        if (!first) putc1(o, ',');
        first = false;
        str(o, k, strlen(k));
        putc1(o, ':');
        val(o, x, depth + 1);
      }
      putc1(o, '}');
      break;
    }
    case JSON_ARRAY: {
      putc1(o, '[');
      for (size_t i = 0; i < json_array_size(v); i++) {
        if (i) putc1(o, ',');
        val(o, json_array_get(v, i), depth + 1);
      }
      putc1(o, ']');
      break;
    }
    case JSON_STRING: str(o, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: {
      char b[32];
      int n = snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
      put(o, b, (size_t)n);
      break;
    }
    case JSON_REAL: {
      char *r = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      if (!r) o->bad = true;
      else put(o, r, strlen(r));
      free(r);
      break;
    }
    case JSON_TRUE: put(o, "true", 4); break;
    case JSON_FALSE: put(o, "false", 5); break;
    case JSON_NULL: put(o, "null", 4); break;
    default: o->bad = true;
  }
}

char *json_out(const json_t *v, size_t *len) {
  if (!v || !(json_is_object(v) || json_is_array(v))) return NULL;
  out o = {0};
  val(&o, v, 0);
  grow(&o, 0);
  if (o.bad || !o.p) {
    free(o.p);
    return NULL;
  }
  o.p[o.len] = '\0';
  if (len) *len = o.len;
  return o.p;
}
