-- 008: the audit chain's head (issue 11).
--
-- One row: the newest audit entry's seq and hash, whether an anchor file has
-- been written (anchored), and mac = HMAC-SM3(audit key, "audit-head|seq|hash|
-- anchored"). It is updated in the same transaction as every append, and
-- appends serialize on it (UPDATE ... RETURNING takes the row lock), so it
-- stays right when several servers share one database. Without the key the
-- row cannot be moved to a new value: cutting the tail, deleting every entry
-- or rolling back to an older anchor leaves a head that `audit verify` finds
-- ahead of the table (or a mac that does not match). The row is created here
-- from the current tail with an empty mac and sealed by the process that
-- applies this migration (app.c); an empty mac found later is tampering.
CREATE TABLE audit_head (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  seq      INTEGER NOT NULL,
  hash     TEXT NOT NULL,
  anchored INTEGER NOT NULL DEFAULT 0,
  mac      TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO audit_head(id, seq, hash, anchored, mac) VALUES (1,
  COALESCE((SELECT max(seq) FROM audit), 0),
  COALESCE((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1),
           '0000000000000000000000000000000000000000000000000000000000000000'),
  0, '');
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
  BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END;
