-- 031 for PostgreSQL: the report-copy triggers of migration 021 (agg_problems.handed) as
-- statement-level triggers over the statement's transition table.
-- SQLite fires a row trigger right after its row: in an INSERT of two copies of one report,
-- the first copy's trigger sees no other copy and hands the report's problems over, the
-- second's sees the first and does nothing. PostgreSQL runs AFTER ROW triggers once the
-- statement is done: both see each other and neither hands over (`xunji seed zaoyang` copies
-- each report to two recipients in one INSERT); a DELETE of two copies would take the
-- problems back twice. Here a statement hands over the reports that had no copy before it
-- (every copy of the report is in the statement's new rows) and takes back those it leaves
-- without a copy: the net effect of SQLite's row by row.
CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_problems_rc_ins() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, sum(h.s), sum(h.s * p.amount_fen)
  FROM report_problems rp JOIN problems p ON p.id=rp.problem_id,
       (SELECT 0 AS v, -1 AS s UNION ALL SELECT 1, 1) h
  WHERE rp.report_id IN (
          SELECT nc.report_id FROM xunji_new_copies nc
           WHERE NOT EXISTS (SELECT 1 FROM report_copies rc
                              WHERE rc.report_id=nc.report_id
                                AND NOT EXISTS (SELECT 1 FROM xunji_new_copies x WHERE x.id=rc.id)))
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = agg_problems.n + excluded.n,
                amount_fen = agg_problems.amount_fen + excluded.amount_fen;
  RETURN NULL;
END $xunji$;
DROP TRIGGER agg_problems_rc_ins ON report_copies;
CREATE TRIGGER agg_problems_rc_ins AFTER INSERT ON report_copies
  REFERENCING NEW TABLE AS xunji_new_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_problems_rc_ins();

CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_problems_rc_del() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, sum(h.s), sum(h.s * p.amount_fen)
  FROM report_problems rp JOIN problems p ON p.id=rp.problem_id,
       (SELECT 1 AS v, -1 AS s UNION ALL SELECT 0, 1) h
  WHERE rp.report_id IN (
          SELECT oc.report_id FROM xunji_old_copies oc
           WHERE NOT EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=oc.report_id))
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = agg_problems.n + excluded.n,
                amount_fen = agg_problems.amount_fen + excluded.amount_fen;
  RETURN NULL;
END $xunji$;
DROP TRIGGER agg_problems_rc_del ON report_copies;
CREATE TRIGGER agg_problems_rc_del AFTER DELETE ON report_copies
  REFERENCING OLD TABLE AS xunji_old_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_problems_rc_del();
