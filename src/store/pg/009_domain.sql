-- 009_domain.sql for PostgreSQL: src/store/sqlite/009_domain.sql with its
-- last UPDATE in PostgreSQL's types (a CASE cannot mix boolean and integer).
-- The rest is the same; see the SQLite file for what it means.
ALTER TABLE review_items ADD COLUMN flags_raised BIGINT NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN flags_cleared BIGINT NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN cleared_handling TEXT;

UPDATE review_items SET flags_raised = 1 WHERE flag_rectified_first = 1 OR flag_lenient = 1;
UPDATE review_items SET flags_cleared = 1, cleared_handling = coalesce(final, proposed, 'no_action')
 WHERE flag_cleared_at IS NOT NULL;
UPDATE review_items SET flag_detail = json_array(flag_detail)
 WHERE flag_detail IS NOT NULL
   AND CASE WHEN json_valid(flag_detail) THEN json_type(flag_detail) <> 'array' ELSE true END;
