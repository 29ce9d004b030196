/*
 * changelog.h — each record's own change log (issue 11, item 6; table
 * record_changes, 007_changelog.sql): field, old value, new value, who,
 * when, which step. Written by api_audit in the same transaction as the
 * change, so every shared write path (record.c create/edit, lifecycle
 * steps, cascades, the record engine, file uploads, ...) logs without a second call;
 * read back by the record's history through the record's own read rule and
 * field redaction, with Chinese labels and values.
 */
#ifndef XUNJI_CHANGELOG_H
#define XUNJI_CHANGELOG_H

#include "api/record.h"
#include "api/service.h"

/* Logs one change of kind:id (old: the row before, for old values; may be
 * NULL). Reads, downloads, exports, sign-ins and user accounts are not
 * record changes and are skipped. */
int chlog_write(const svc_actor *ac, store_tx *tx, int64_t audit_seq, const char *action, const char *kind,
                const char *id, const json_t *old, const json_t *detail);

/* The history of row (loaded by rec_fetch, so already visible to the user):
 * one item per step, its changes without the fields k's redaction withholds
 * from this user; a step whose every field is withheld is left out. NULL on
 * a store error. */
json_t *chlog_history(req *r, store_tx *tx, const rec_kind *k, const json_t *row);

#endif
