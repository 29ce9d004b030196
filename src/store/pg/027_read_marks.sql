-- 027 for PostgreSQL: src/store/sqlite/027_read_marks.sql as an UNLOGGED
-- table. A mark is only a hint for routing reads: not worth a WAL record or
-- an fsync, and the replica never reads it. After a crash of the primary the
-- table is empty (a user's next lagged read may then see the replica as it
-- is), which docs/deployment.md states.
CREATE UNLOGGED TABLE read_marks (
  who    TEXT PRIMARY KEY,
  lsn    BIGINT NOT NULL,
  rowid  BIGINT GENERATED ALWAYS AS IDENTITY
);
