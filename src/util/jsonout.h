/*
 * jsonout.h — the reply serializer (issue 15): the same bytes as jansson's
 * json_dumps(v, JSON_COMPACT), written into one growing buffer without
 * jansson's per-character callbacks (~115k instructions for one record's
 * reply, a third of that here). Reals, rare in replies, are written by
 * jansson itself. tests/unit/test_jsonout.c compares both on many values.
 */
#ifndef XUNJI_JSONOUT_H
#define XUNJI_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* v (an object or an array) as compact JSON, NUL-terminated, *len its
 * length (may be NULL); malloc'd, the caller frees it. NULL where
 * json_dumps(v, JSON_COMPACT) gives NULL (not an object or array, a string
 * that is not UTF-8, allocation failure). */
char *json_out(const json_t *v, size_t *len);

/* Whether s (n bytes) is UTF-8 as jansson's json_string requires (its own
 * checks: no overlong form, surrogate or code point past U+10FFFF; NUL
 * allowed as json_stringn does), ASCII eight bytes at a time: the store
 * builds every text column of a reply with json_stringn_nocheck after it
 * (issue 15: jansson's per-byte check was ~1/8 of a list page). */
bool json_utf8_ok(const char *s, size_t n);

#endif
