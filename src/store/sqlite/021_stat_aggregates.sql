-- 021: statistics from maintained aggregates (issue 15).
--
-- agg_problems holds, per visibility dimension, how many problems there are
-- and their amount: one row per (round, team, unit, month of found_on,
-- state, immediate_fix, handed). `state` is the problem's own
-- state (the unit side's `released` rule of vis_problem is a condition on
-- it, evaluated on this table unchanged); `handed` is 1 while the problem is
-- listed in a report that was copied (report_copies): the commission's rule
-- (vis_problem.handed). A user's figure is the sum of the rows their scope
-- covers (src/report/aggregates.c); `xunji stats --verify` recomputes
-- every row from the records. The problem's category is not a key: no
-- figure is filtered or scoped by it, and it multiplied the groups by six at
-- bench size.
--
-- The triggers below keep it in the same transaction as every write that
-- changes it: a problem created, edited (any grouped column), moved through
-- its workflow or deleted; a problem listed in (or taken off) a report; a
-- report copied (or a copy withdrawn). Rows that fall to zero stay (n = 0)
-- and are never shown: figures and group charts sum and skip empty groups.
CREATE TABLE agg_problems (
  id            INTEGER PRIMARY KEY,
  round_id      TEXT NOT NULL,
  team_id       TEXT NOT NULL,
  unit_id       TEXT NOT NULL,
  month         TEXT NOT NULL,          -- substr(found_on, 1, 7): YYYY-MM
  state         TEXT NOT NULL,
  immediate_fix INTEGER NOT NULL,
  handed        INTEGER NOT NULL,
  n             INTEGER NOT NULL,
  amount_fen    INTEGER NOT NULL,
  UNIQUE (round_id, team_id, unit_id, month, state, immediate_fix, handed)
) STRICT;
CREATE INDEX agg_problems_unit ON agg_problems(unit_id);
CREATE INDEX agg_problems_team ON agg_problems(team_id);

-- Whether a report has a copy: one lookup through report_copies' UNIQUE (report_id, recipient).
INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                          handed, n, amount_fen)
SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
       p.immediate_fix,
       EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
               WHERE rp.problem_id=p.id),
       count(*), sum(p.amount_fen)
FROM problems p
GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- ---- a problem's own row ------------------------------------------------------------------
CREATE TRIGGER agg_problems_ins AFTER INSERT ON problems BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT NEW.round_id, NEW.team_id, NEW.unit_id, substr(NEW.found_on, 1, 7),
         NEW.state, NEW.immediate_fix,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                 WHERE rp.problem_id=NEW.id),
         1, NEW.amount_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

CREATE TRIGGER agg_problems_del AFTER DELETE ON problems BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT OLD.round_id, OLD.team_id, OLD.unit_id, substr(OLD.found_on, 1, 7),
         OLD.state, OLD.immediate_fix,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                 WHERE rp.problem_id=OLD.id),
         -1, -OLD.amount_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

-- An update moves the row between groups only when a grouped column changed.
CREATE TRIGGER agg_problems_upd AFTER UPDATE OF round_id, team_id, unit_id, found_on,
  state, immediate_fix, amount_fen ON problems
WHEN OLD.round_id IS NOT NEW.round_id OR OLD.team_id IS NOT NEW.team_id
  OR OLD.unit_id IS NOT NEW.unit_id
  OR substr(OLD.found_on, 1, 7) IS NOT substr(NEW.found_on, 1, 7) OR OLD.state IS NOT NEW.state
  OR OLD.immediate_fix IS NOT NEW.immediate_fix OR OLD.amount_fen IS NOT NEW.amount_fen
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT OLD.round_id, OLD.team_id, OLD.unit_id, substr(OLD.found_on, 1, 7),
         OLD.state, OLD.immediate_fix, h.v, -1, -OLD.amount_fen
  FROM (SELECT EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc
                       ON rc.report_id=rp.report_id WHERE rp.problem_id=OLD.id) AS v) h
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT NEW.round_id, NEW.team_id, NEW.unit_id, substr(NEW.found_on, 1, 7),
         NEW.state, NEW.immediate_fix, h.v, 1, NEW.amount_fen
  FROM (SELECT EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc
                       ON rc.report_id=rp.report_id WHERE rp.problem_id=NEW.id) AS v) h
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

-- ---- the commission's side: a problem is handed while its report has a copy -----------------
-- Each trigger moves the problems concerned from one `handed` value to the other: the rows
-- (0,-1) and (1,+1) of h (or the reverse) subtract from the old group and add to the new.
-- Listed in a report (a problem is in at most one: report_problems.problem_id is UNIQUE).
CREATE TRIGGER agg_problems_rp_ins AFTER INSERT ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id)
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, h.s, h.s * p.amount_fen
  FROM problems p, (SELECT 0 AS v, -1 AS s UNION ALL SELECT 1, 1) h
  WHERE p.id=NEW.problem_id
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

CREATE TRIGGER agg_problems_rp_del AFTER DELETE ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, h.s, h.s * p.amount_fen
  FROM problems p, (SELECT 1 AS v, -1 AS s UNION ALL SELECT 0, 1) h
  WHERE p.id=OLD.problem_id
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

-- The report's first copy hands its problems over; withdrawing its last takes them back.
CREATE TRIGGER agg_problems_rc_ins AFTER INSERT ON report_copies
WHEN NOT EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id AND rc.id<>NEW.id)
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, sum(h.s), sum(h.s * p.amount_fen)
  FROM report_problems rp JOIN problems p ON p.id=rp.problem_id,
       (SELECT 0 AS v, -1 AS s UNION ALL SELECT 1, 1) h
  WHERE rp.report_id=NEW.report_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

CREATE TRIGGER agg_problems_rc_del AFTER DELETE ON report_copies
WHEN NOT EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_problems (round_id, team_id, unit_id, month, state, immediate_fix,
                            handed, n, amount_fen)
  SELECT p.round_id, p.team_id, p.unit_id, substr(p.found_on, 1, 7), p.state,
         p.immediate_fix, h.v, sum(h.s), sum(h.s * p.amount_fen)
  FROM report_problems rp JOIN problems p ON p.id=rp.problem_id,
       (SELECT 1 AS v, -1 AS s UNION ALL SELECT 0, 1) h
  WHERE rp.report_id=OLD.report_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (round_id, team_id, unit_id, month, state, immediate_fix, handed)
  DO UPDATE SET n = n + excluded.n, amount_fen = amount_fen + excluded.amount_fen;
END;

-- The problems' drill-down order (core/measures.c src_problems): a page walks this index and
-- stops after per_page rows in scope, instead of sorting every visible problem.
CREATE INDEX problems_found_on ON problems(found_on, seq_no, id);
