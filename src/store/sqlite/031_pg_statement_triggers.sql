-- 031: nothing on SQLite. PostgreSQL's version (src/store/pg/031_pg_statement_triggers.sql)
-- makes two aggregate triggers of migration 021 statement-level: SQLite fires a row trigger
-- right after its row, PostgreSQL fires AFTER ROW triggers once the whole statement is done,
-- so a condition on the other rows of the same table (the report's first copy, its last
-- copy) reads differently there when one statement writes several rows.
SELECT 1;
