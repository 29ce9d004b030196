-- 027: read-your-writes marks for the read replica (issue 16, PostgreSQL
-- only: store_note_write / store_read_lagged in src/store/pg.c). One row per
-- user who wrote: the primary's WAL position just after that user's last
-- write; the user's lagged reads go to the replica only once it has replayed
-- that far. Unused on SQLite (no replica); PostgreSQL's version
-- (src/store/pg/027_read_marks.sql) is UNLOGGED: marks are neither
-- replicated nor fsynced.
CREATE TABLE read_marks (
  who  TEXT PRIMARY KEY,
  lsn  INTEGER NOT NULL
);
