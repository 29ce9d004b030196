-- 020: indexes for keyset (cursor) paging of the record lists (issue 15,
-- docs/api.md "Lists"). A list page is "the rows after the cursor in the
-- list's order" (api/paging.c): with an index that leads with the order's
-- columns (and, for a team or unit scope, with the scope column first), the
-- page is a seek plus per_page rows however deep it is. problems and clues
-- have theirs (001/004: created_at, team, unit); these add the default
-- orders of the other large kinds and the common scopes (checked with
-- EXPLAIN QUERY PLAN, docs/performance.md "Lists").
CREATE INDEX IF NOT EXISTS accountability_created ON accountability(created_at, id);
CREATE INDEX IF NOT EXISTS accountability_team ON accountability(team_id, created_at, id);
CREATE INDEX IF NOT EXISTS accountability_unit ON accountability(unit_id, created_at, id);
CREATE INDEX IF NOT EXISTS rect_tasks_order ON rect_tasks(deadline, created_at, id);
CREATE INDEX IF NOT EXISTS rect_tasks_team_order ON rect_tasks(team_id, deadline, created_at, id);
CREATE INDEX IF NOT EXISTS rect_tasks_unit_order ON rect_tasks(unit_id, deadline, created_at, id);
CREATE INDEX IF NOT EXISTS reports_created ON reports(created_at, id);
CREATE INDEX IF NOT EXISTS reports_team ON reports(team_id, created_at, id);
CREATE INDEX IF NOT EXISTS notices_created ON notices(created_at, id);
CREATE INDEX IF NOT EXISTS assistance_created ON assistance(created_at, id);
CREATE INDEX IF NOT EXISTS problems_updated ON problems(updated_at, id);
CREATE INDEX IF NOT EXISTS clues_updated ON clues(updated_at, id);
