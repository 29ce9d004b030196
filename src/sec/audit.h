/*
 * audit.h — the tamper-evident audit log.
 *
 * Entries are appended in the same transaction as the change they record.
 * Each entry's hash is HMAC-SM3(audit key, length-prefixed fields || the
 * previous entry's hash), so editing, inserting or deleting a row breaks the
 * chain at that row, and without the key (outside the database) nobody can
 * recompute it.
 *
 * The head (table audit_head, migration 008) holds the newest (seq, hash)
 * under an HMAC and is moved in the same transaction as every append; appends
 * serialize on it, so it works when several servers share one database.
 * Removing entries at the tail (or all of them) leaves the head ahead of the
 * table. The anchor file, written after commits by temp file + fsync +
 * rename + directory fsync, keeps a copy outside the database: a rollback of
 * table and head together to an older state is caught by it, and the head
 * records that an anchor exists, so deleting the file is caught too. What no
 * local check can catch — the database and the anchor file both restored from
 * an older copy — is caught by an external record of the head (`xunji audit
 * anchor` prints it; `audit verify --anchor SEQ:HASH` checks it).
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
/* Records head in the anchor file if it is newer than what is there (temp
 * file, fsync, rename, fsync of the directory). */
void audit_anchor_note(const char *anchor_path, const xkeys *k, const audit_head *head);
/* In the server: from start to stop, audit_anchor_note only posts the head and
 * one background thread writes the newest (a burst of commits, one write), at
 * most once per interval_ms (0: as soon as it can); stop writes what is
 * pending. Without start, notes are written at once. */
void audit_anchor_start(const char *anchor_path, const xkeys *k, int interval_ms);
void audit_anchor_stop(void);
/* Anchor writes (file and database row together count one) since start. */
long audit_anchor_writes(void);
/* The anchor held in the database (issue 16, table audit_anchors, migration
 * 026): with s set (app_open does when the backend is PostgreSQL), every
 * anchor note also writes a row there, after the commit, in its own write
 * transaction, so that every server on the database writes and checks one
 * anchor; audit_head_open writes the first. NULL turns it off.
 * audit_verify checks the newest row whenever the table has one. */
void audit_anchor_db(store *s);
/* After opening a database: seals the head row created by migration 008 when
 * this process just applied it (just_migrated), and writes the first anchor
 * file (then records in the head that one exists). 0, or <0 on error. */
int audit_head_open(store *s, const xkeys *k, const char *anchor_path, int just_migrated);
/* The head as the database holds it; 1 if its mac is right, 0 if not, <0 on error. */
int audit_head_read(store *s, const xkeys *k, audit_head *out);
/* Checks the whole chain, the head and the anchor file. Returns 0 if intact
 * (msg says how many entries), 1 if broken (msg names the first bad entry or
 * what is missing), <0 on error. */
int audit_verify(store *s, const xkeys *k, const char *anchor_path, char *msg, size_t msglen);
/* The same, and also checks that the chain holds the entry external (a head
 * recorded elsewhere with `xunji audit anchor`) unchanged. */
int audit_verify_ext(store *s, const xkeys *k, const char *anchor_path,
                     const audit_head *external, char *msg, size_t msglen);

#endif
