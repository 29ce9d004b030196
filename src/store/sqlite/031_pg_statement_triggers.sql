-- 031: nothing on SQLite. PostgreSQL's version (src/store/pg/031_pg_statement_triggers.sql)
-- makes the report-copy triggers of migrations 021 and 023 (the aggregates' `handed`)
-- statement-level: SQLite fires a row trigger right after its row, PostgreSQL fires AFTER
-- ROW triggers once the whole statement is done, so a trigger that reads the other copies
-- of the same report reads otherwise there when one statement writes several copies.
SELECT 1;
