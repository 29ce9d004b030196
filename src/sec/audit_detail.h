/*
 * audit_detail.h — what an audit entry's detail may hold: ids, field names
 * and codes, never business content (issue 11, item 7; docs/api.md).
 *
 * Every writer of the audit log passes its detail through audit_detail_safe
 * (api/writes.c api_audit, cli/common.c), so no caller can put a title,
 * a name, a reason, report text or an amount into the log, whatever it
 * hands over. What is kept: UUIDs; lowercase codes ([a-z][a-z0-9_.-]*, up
 * to 64 characters: states, verbs, outcome codes, logins); SM3 hashes under
 * a key naming them; integers and booleans (counts, versions, flags) except
 * under money keys (*fen*, *amount*). Every other value is dropped and its
 * key listed under "fields" (nested keys as "key.sub"), so the log still
 * says which fields a change touched. The record's own change log
 * (api/changelog.c) holds the values, behind the record's read rule.
 */
#ifndef XUNJI_AUDIT_DETAIL_H
#define XUNJI_AUDIT_DETAIL_H

#include <jansson.h>
#include <stdbool.h>

/* A new object (never NULL for an object or NULL input; NULL input gives NULL). */
json_t *audit_detail_safe(const json_t *detail);
/* Whether one string value may stay in an audit detail under key. */
bool audit_value_safe(const char *key, const char *v);

#endif
