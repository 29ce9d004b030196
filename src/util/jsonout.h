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
#include <stddef.h>

/* v (an object or an array) as compact JSON, NUL-terminated, *len its
 * length (may be NULL); malloc'd, the caller frees it. NULL where
 * json_dumps(v, JSON_COMPACT) gives NULL (not an object or array, a string
 * that is not UTF-8, allocation failure). */
char *json_out(const json_t *v, size_t *len);

#endif
