-- 026: several xunji servers on one database (issue 16).
--
-- audit_anchors: the audit anchor held in the database, written when the
-- backend is PostgreSQL (src/sec/audit.c): after commits, one row per anchor
-- write (a burst of commits, one row), seq and hash of the head then, and
-- mac = HMAC-SM3(anchor key, "anchor|seq|hash") as in the anchor file. Every
-- server sharing the database writes and verifies the same anchors;
-- `audit verify` fails when the newest anchor is ahead of the head (the audit
-- table and its head rolled back together) or does not match the chain.
-- Append-only like the audit table.
CREATE TABLE audit_anchors (
  seq         INTEGER PRIMARY KEY,
  hash        TEXT NOT NULL,
  mac         TEXT NOT NULL,
  written_at  TEXT NOT NULL,
  holder      TEXT NOT NULL
);
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors BEGIN SELECT RAISE(ABORT, 'audit_anchors is append-only'); END;
-- scheduler_leases (022): how often a job ran and when, across servers
-- (src/domain/sched.c): a job runs once per interval on the one server that
-- moves the lease forward.
ALTER TABLE scheduler_leases ADD COLUMN runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scheduler_leases ADD COLUMN last_run_at TEXT;
