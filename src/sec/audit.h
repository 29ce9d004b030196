/*
 * audit.h — the tamper-evident audit log.
 *
 * Entries are appended in the same transaction as the change they record.
 * Each entry's hash is HMAC-SM3(audit key, length-prefixed fields || the
 * previous entry's hash), so editing, inserting or deleting a row breaks the
 * chain at that row, and without the key (outside the database) nobody can
 * recompute it. Removing entries at the tail is caught by the anchor file,
 * which records the newest (seq, hash) after every commit.
 */
#ifndef XUNJI_AUDIT_H
#define XUNJI_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "sec/crypto.h"
#include "store/store.h"

typedef struct audit_entry {
  const char *actor_id, *actor_login, *role;
  const char *action;      /* "clue.handover", "auth.login", ... */
  const char *object_kind, *object_id;
  const char *result;      /* ok / denied / failed */
  const char *request_id, *ip;
  const char *detail;      /* short JSON, never secrets */
} audit_entry;

typedef struct audit_head {
  int64_t seq;
  char hash[2 * SM3_LEN + 1];
} audit_head;

/* Appends e inside tx; *head (optional) receives the new entry's seq and hash. */
int audit_append(store_tx *tx, const xkeys *k, const audit_entry *e, audit_head *head);
/* Records head in the anchor file if it is newer than what is there. */
void audit_anchor_note(const char *anchor_path, const xkeys *k, const audit_head *head);
/* Checks the whole chain. Returns 0 if intact (msg says how many entries),
 * 1 if broken (msg names the first bad entry), <0 on error. */
int audit_verify(store *s, const xkeys *k, const char *anchor_path, char *msg, size_t msglen);

#endif
