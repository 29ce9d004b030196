-- 007_changelog.sql — each record's own change log (issue 11, item 6): one
-- row per field a change touched, with the old and the new value, written in
-- the same transaction as the change (api/changelog.c, from api_audit). The
-- record's history is read from here through the record's read rule and
-- field redaction; the audit log keeps ids, field names and codes only.
-- Rows written before this migration have no change log: their history
-- starts here (the audit log still holds who did what when).

CREATE TABLE record_changes (
  seq         INTEGER PRIMARY KEY,
  audit_seq   INTEGER,                  -- the audit entry of the same change
  at          TEXT NOT NULL,
  kind        TEXT NOT NULL,            -- problem, rect_task, ... (the audit object kind)
  record_id   TEXT NOT NULL,
  actor_id    TEXT,
  actor_login TEXT,
  role        TEXT,
  action      TEXT NOT NULL,            -- problem.update, problem.confirm, file.upload, ...
  field       TEXT,                     -- NULL: the step touched no field
  old_value   TEXT,
  new_value   TEXT
) STRICT;
CREATE INDEX record_changes_record ON record_changes(kind, record_id, seq);
