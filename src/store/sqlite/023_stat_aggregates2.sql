-- 023: statistics from maintained aggregates, continued (issue 15; 021 did the problems).
--
-- One aggregate table per source of core/measures.c, keyed by the dimensions
-- the kind's visibility declaration (core/visibility.c) uses and the columns
-- the source's measures filter on, with n (and the summed amounts):
--   agg_rect_tasks      (round, team, unit, month of deadline, state, handed)
--   agg_accountability  (round, team, unit, month of decided_on, state, subject_kind,
--                        outcome, form, handed; the three amounts summed)
--   agg_clues           (round, team, unit, state, handed_over, handover_mode and one
--                        0/1 per milestone the measures test (registered, disposed,
--                        concluded, case_filed, detention, prosecution), disposal_method, result)
-- A nullable column is kept NOT NULL ('' or 0 for NULL: a UNIQUE key with NULLs never
-- conflicts); the sources' agg_from (core/measures.c) turns them back into NULLs, so the
-- measures' own conditions apply unchanged.
--
-- `handed` materializes the kind's commission rule where it depends on other tables:
-- a task or an accountability record whose problem is listed in a copied report
-- (vis_task, vis_accountability), or, for accountability, whose clue was handed over.
-- The clue's rule is its own state (vis_clue.handed_set): the `state` key carries it.
--
-- Triggers keep the tables in the writing transaction: each record's insert, delete and
-- update of a grouped column (AFTER, the 021 pattern); and the steps that move records
-- between `handed` groups -- a problem listed in / taken off a report that has a copy, a
-- report copied / a copy withdrawn, a clue handed over: a BEFORE trigger subtracts the
-- records concerned from their current group, the AFTER trigger adds them to the group
-- they are in now (a record whose group did not change nets to zero). Every statement is
-- a plain INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE.
-- `xunji stats --verify` recomputes every row from the records (report/aggregates.c).
-- ==== rect_tasks ======================================================================
CREATE TABLE agg_rect_tasks (
  id            INTEGER PRIMARY KEY,
  round_id       TEXT NOT NULL,
  team_id        TEXT NOT NULL,
  unit_id        TEXT NOT NULL,
  month          TEXT NOT NULL,
  state          TEXT NOT NULL,
  handed         INTEGER NOT NULL,
  n             INTEGER NOT NULL,
  UNIQUE (round_id, team_id, unit_id, month, state, handed)
) STRICT;
CREATE INDEX agg_rect_tasks_unit ON agg_rect_tasks(unit_id);
CREATE INDEX agg_rect_tasks_team ON agg_rect_tasks(team_id);

INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
SELECT k.round_id,
       k.team_id,
       k.unit_id,
       substr(k.deadline, 1, 7),
       k.state,
       EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
       count(*)
FROM rect_tasks k
WHERE true
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
DO UPDATE SET n = n + excluded.n;

CREATE TRIGGER agg_rect_tasks_ins AFTER INSERT ON rect_tasks BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         substr(NEW.deadline, 1, 7),
         NEW.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=NEW.problem_id),
         1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_del AFTER DELETE ON rect_tasks BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         substr(OLD.deadline, 1, 7),
         OLD.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=OLD.problem_id),
         -1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_upd AFTER UPDATE OF round_id, team_id, unit_id, deadline, state, problem_id ON rect_tasks
WHEN OLD.round_id IS NOT NEW.round_id
  OR OLD.team_id IS NOT NEW.team_id
  OR OLD.unit_id IS NOT NEW.unit_id
  OR OLD.deadline IS NOT NEW.deadline
  OR OLD.state IS NOT NEW.state
  OR OLD.problem_id IS NOT NEW.problem_id
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         substr(OLD.deadline, 1, 7),
         OLD.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=OLD.problem_id),
         -1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         substr(NEW.deadline, 1, 7),
         NEW.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=NEW.problem_id),
         1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rp_insert_b BEFORE INSERT ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id)
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         -count(*)
  FROM rect_tasks k
  WHERE k.problem_id=NEW.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rp_insert_a AFTER INSERT ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id)
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         count(*)
  FROM rect_tasks k
  WHERE k.problem_id=NEW.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rp_delete_b BEFORE DELETE ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         -count(*)
  FROM rect_tasks k
  WHERE k.problem_id=OLD.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rp_delete_a AFTER DELETE ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         count(*)
  FROM rect_tasks k
  WHERE k.problem_id=OLD.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rc_insert_b BEFORE INSERT ON report_copies
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         -count(*)
  FROM rect_tasks k
  WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=NEW.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rc_insert_a AFTER INSERT ON report_copies
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         count(*)
  FROM rect_tasks k
  WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=NEW.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rc_delete_b BEFORE DELETE ON report_copies
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         -count(*)
  FROM rect_tasks k
  WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=OLD.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_rect_tasks_rc_delete_a AFTER DELETE ON report_copies
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT k.round_id,
         k.team_id,
         k.unit_id,
         substr(k.deadline, 1, 7),
         k.state,
         EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=k.problem_id),
         count(*)
  FROM rect_tasks k
  WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=OLD.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = n + excluded.n;
END;

-- ==== accountability ==================================================================
CREATE TABLE agg_accountability (
  id            INTEGER PRIMARY KEY,
  round_id       TEXT NOT NULL,
  team_id        TEXT NOT NULL,
  unit_id        TEXT NOT NULL,
  month          TEXT NOT NULL,
  state          TEXT NOT NULL,
  subject_kind   TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  form           INTEGER NOT NULL,
  handed         INTEGER NOT NULL,
  n             INTEGER NOT NULL,
  funds_recovered_fen INTEGER NOT NULL,
  funds_returned_fen INTEGER NOT NULL,
  losses_recovered_fen INTEGER NOT NULL,
  UNIQUE (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
) STRICT;
CREATE INDEX agg_accountability_unit ON agg_accountability(unit_id);
CREATE INDEX agg_accountability_team ON agg_accountability(team_id);

INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
SELECT a.round_id,
       a.team_id,
       a.unit_id,
       coalesce(substr(a.decided_on, 1, 7), ''),
       a.state,
       a.subject_kind,
       coalesce(a.outcome, ''),
       coalesce(a.form, 0),
       (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
       count(*),
       sum(a.funds_recovered_fen),
       sum(a.funds_returned_fen),
       sum(a.losses_recovered_fen)
FROM accountability a
WHERE true
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;

CREATE TRIGGER agg_accountability_ins AFTER INSERT ON accountability BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         coalesce(substr(NEW.decided_on, 1, 7), ''),
         NEW.state,
         NEW.subject_kind,
         coalesce(NEW.outcome, ''),
         coalesce(NEW.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=NEW.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=NEW.clue_id AND h.handover_at IS NOT NULL)),
         1,
         NEW.funds_recovered_fen,
         NEW.funds_returned_fen,
         NEW.losses_recovered_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_del AFTER DELETE ON accountability BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         coalesce(substr(OLD.decided_on, 1, 7), ''),
         OLD.state,
         OLD.subject_kind,
         coalesce(OLD.outcome, ''),
         coalesce(OLD.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=OLD.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=OLD.clue_id AND h.handover_at IS NOT NULL)),
         -1,
         -OLD.funds_recovered_fen,
         -OLD.funds_returned_fen,
         -OLD.losses_recovered_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_upd AFTER UPDATE OF round_id, team_id, unit_id, decided_on, state, subject_kind, outcome, form, problem_id, clue_id, funds_recovered_fen, funds_returned_fen, losses_recovered_fen ON accountability
WHEN OLD.round_id IS NOT NEW.round_id
  OR OLD.team_id IS NOT NEW.team_id
  OR OLD.unit_id IS NOT NEW.unit_id
  OR OLD.decided_on IS NOT NEW.decided_on
  OR OLD.state IS NOT NEW.state
  OR OLD.subject_kind IS NOT NEW.subject_kind
  OR OLD.outcome IS NOT NEW.outcome
  OR OLD.form IS NOT NEW.form
  OR OLD.problem_id IS NOT NEW.problem_id
  OR OLD.clue_id IS NOT NEW.clue_id
  OR OLD.funds_recovered_fen IS NOT NEW.funds_recovered_fen
  OR OLD.funds_returned_fen IS NOT NEW.funds_returned_fen
  OR OLD.losses_recovered_fen IS NOT NEW.losses_recovered_fen
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         coalesce(substr(OLD.decided_on, 1, 7), ''),
         OLD.state,
         OLD.subject_kind,
         coalesce(OLD.outcome, ''),
         coalesce(OLD.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=OLD.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=OLD.clue_id AND h.handover_at IS NOT NULL)),
         -1,
         -OLD.funds_recovered_fen,
         -OLD.funds_returned_fen,
         -OLD.losses_recovered_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         coalesce(substr(NEW.decided_on, 1, 7), ''),
         NEW.state,
         NEW.subject_kind,
         coalesce(NEW.outcome, ''),
         coalesce(NEW.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=NEW.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=NEW.clue_id AND h.handover_at IS NOT NULL)),
         1,
         NEW.funds_recovered_fen,
         NEW.funds_returned_fen,
         NEW.losses_recovered_fen
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rp_insert_b BEFORE INSERT ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         -count(*),
         -sum(a.funds_recovered_fen),
         -sum(a.funds_returned_fen),
         -sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id=NEW.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rp_insert_a AFTER INSERT ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=NEW.report_id)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         count(*),
         sum(a.funds_recovered_fen),
         sum(a.funds_returned_fen),
         sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id=NEW.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rp_delete_b BEFORE DELETE ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         -count(*),
         -sum(a.funds_recovered_fen),
         -sum(a.funds_returned_fen),
         -sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id=OLD.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rp_delete_a AFTER DELETE ON report_problems
WHEN EXISTS (SELECT 1 FROM report_copies rc WHERE rc.report_id=OLD.report_id)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         count(*),
         sum(a.funds_recovered_fen),
         sum(a.funds_returned_fen),
         sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id=OLD.problem_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rc_insert_b BEFORE INSERT ON report_copies
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         -count(*),
         -sum(a.funds_recovered_fen),
         -sum(a.funds_returned_fen),
         -sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=NEW.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rc_insert_a AFTER INSERT ON report_copies
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         count(*),
         sum(a.funds_recovered_fen),
         sum(a.funds_returned_fen),
         sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=NEW.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rc_delete_b BEFORE DELETE ON report_copies
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         -count(*),
         -sum(a.funds_recovered_fen),
         -sum(a.funds_returned_fen),
         -sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=OLD.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_rc_delete_a AFTER DELETE ON report_copies
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         count(*),
         sum(a.funds_recovered_fen),
         sum(a.funds_returned_fen),
         sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp WHERE rp.report_id=OLD.report_id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_clue_update_b BEFORE UPDATE OF handover_at ON clues
WHEN (OLD.handover_at IS NULL) <> (NEW.handover_at IS NULL)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         -count(*),
         -sum(a.funds_recovered_fen),
         -sum(a.funds_returned_fen),
         -sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.clue_id=NEW.id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

CREATE TRIGGER agg_accountability_clue_update_a AFTER UPDATE OF handover_at ON clues
WHEN (OLD.handover_at IS NULL) <> (NEW.handover_at IS NULL)
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed, n, funds_recovered_fen, funds_returned_fen, losses_recovered_fen)
  SELECT a.round_id,
         a.team_id,
         a.unit_id,
         coalesce(substr(a.decided_on, 1, 7), ''),
         a.state,
         a.subject_kind,
         coalesce(a.outcome, ''),
         coalesce(a.form, 0),
         (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id WHERE rp.problem_id=a.problem_id) OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL)),
         count(*),
         sum(a.funds_recovered_fen),
         sum(a.funds_returned_fen),
         sum(a.losses_recovered_fen)
  FROM accountability a
  WHERE a.clue_id=NEW.id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = n + excluded.n, funds_recovered_fen = funds_recovered_fen + excluded.funds_recovered_fen, funds_returned_fen = funds_returned_fen + excluded.funds_returned_fen, losses_recovered_fen = losses_recovered_fen + excluded.losses_recovered_fen;
END;

-- ==== clues ===========================================================================
CREATE TABLE agg_clues (
  id            INTEGER PRIMARY KEY,
  round_id       TEXT NOT NULL,
  team_id        TEXT NOT NULL,
  unit_id        TEXT NOT NULL,
  state          TEXT NOT NULL,
  handed_over    INTEGER NOT NULL,
  handover_mode  TEXT NOT NULL,
  registered     INTEGER NOT NULL,
  disposal_method TEXT NOT NULL,
  result         TEXT NOT NULL,
  disposed       INTEGER NOT NULL,
  concluded      INTEGER NOT NULL,
  case_filed     INTEGER NOT NULL,
  detention      INTEGER NOT NULL,
  prosecution    INTEGER NOT NULL,
  n             INTEGER NOT NULL,
  UNIQUE (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
) STRICT;
CREATE INDEX agg_clues_unit ON agg_clues(unit_id);
CREATE INDEX agg_clues_team ON agg_clues(team_id);

INSERT INTO agg_clues (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution, n)
SELECT c.round_id,
       c.team_id,
       c.unit_id,
       c.state,
       (c.handover_at IS NOT NULL),
       coalesce(c.handover_mode, ''),
       (c.registered_at IS NOT NULL),
       coalesce(c.disposal_method, ''),
       coalesce(c.result, ''),
       (c.disposed_at IS NOT NULL),
       (c.concluded_at IS NOT NULL),
       (c.case_filed_on IS NOT NULL),
       (c.detention_on IS NOT NULL),
       (c.prosecution_on IS NOT NULL),
       count(*)
FROM clues c
WHERE true
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
ON CONFLICT (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
DO UPDATE SET n = n + excluded.n;

CREATE TRIGGER agg_clues_ins AFTER INSERT ON clues BEGIN
  INSERT INTO agg_clues (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution, n)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         NEW.state,
         (NEW.handover_at IS NOT NULL),
         coalesce(NEW.handover_mode, ''),
         (NEW.registered_at IS NOT NULL),
         coalesce(NEW.disposal_method, ''),
         coalesce(NEW.result, ''),
         (NEW.disposed_at IS NOT NULL),
         (NEW.concluded_at IS NOT NULL),
         (NEW.case_filed_on IS NOT NULL),
         (NEW.detention_on IS NOT NULL),
         (NEW.prosecution_on IS NOT NULL),
         1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_clues_del AFTER DELETE ON clues BEGIN
  INSERT INTO agg_clues (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution, n)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         OLD.state,
         (OLD.handover_at IS NOT NULL),
         coalesce(OLD.handover_mode, ''),
         (OLD.registered_at IS NOT NULL),
         coalesce(OLD.disposal_method, ''),
         coalesce(OLD.result, ''),
         (OLD.disposed_at IS NOT NULL),
         (OLD.concluded_at IS NOT NULL),
         (OLD.case_filed_on IS NOT NULL),
         (OLD.detention_on IS NOT NULL),
         (OLD.prosecution_on IS NOT NULL),
         -1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
  DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER agg_clues_upd AFTER UPDATE OF round_id, team_id, unit_id, state, handover_at, handover_mode, registered_at, disposal_method, result, disposed_at, concluded_at, case_filed_on, detention_on, prosecution_on ON clues
WHEN OLD.round_id IS NOT NEW.round_id
  OR OLD.team_id IS NOT NEW.team_id
  OR OLD.unit_id IS NOT NEW.unit_id
  OR OLD.state IS NOT NEW.state
  OR OLD.handover_at IS NOT NEW.handover_at
  OR OLD.handover_mode IS NOT NEW.handover_mode
  OR OLD.registered_at IS NOT NEW.registered_at
  OR OLD.disposal_method IS NOT NEW.disposal_method
  OR OLD.result IS NOT NEW.result
  OR OLD.disposed_at IS NOT NEW.disposed_at
  OR OLD.concluded_at IS NOT NEW.concluded_at
  OR OLD.case_filed_on IS NOT NEW.case_filed_on
  OR OLD.detention_on IS NOT NEW.detention_on
  OR OLD.prosecution_on IS NOT NEW.prosecution_on
BEGIN
  INSERT INTO agg_clues (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution, n)
  SELECT OLD.round_id,
         OLD.team_id,
         OLD.unit_id,
         OLD.state,
         (OLD.handover_at IS NOT NULL),
         coalesce(OLD.handover_mode, ''),
         (OLD.registered_at IS NOT NULL),
         coalesce(OLD.disposal_method, ''),
         coalesce(OLD.result, ''),
         (OLD.disposed_at IS NOT NULL),
         (OLD.concluded_at IS NOT NULL),
         (OLD.case_filed_on IS NOT NULL),
         (OLD.detention_on IS NOT NULL),
         (OLD.prosecution_on IS NOT NULL),
         -1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
  DO UPDATE SET n = n + excluded.n;
  INSERT INTO agg_clues (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution, n)
  SELECT NEW.round_id,
         NEW.team_id,
         NEW.unit_id,
         NEW.state,
         (NEW.handover_at IS NOT NULL),
         coalesce(NEW.handover_mode, ''),
         (NEW.registered_at IS NOT NULL),
         coalesce(NEW.disposal_method, ''),
         coalesce(NEW.result, ''),
         (NEW.disposed_at IS NOT NULL),
         (NEW.concluded_at IS NOT NULL),
         (NEW.case_filed_on IS NOT NULL),
         (NEW.detention_on IS NOT NULL),
         (NEW.prosecution_on IS NOT NULL),
         1
  WHERE true
  ON CONFLICT (round_id, team_id, unit_id, state, handed_over, handover_mode, registered, disposal_method, result, disposed, concluded, case_filed, detention, prosecution)
  DO UPDATE SET n = n + excluded.n;
END;

