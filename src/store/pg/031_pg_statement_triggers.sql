-- 031 for PostgreSQL: the report-copy triggers of migrations 021 (agg_problems) and 023
-- (agg_rect_tasks, agg_accountability: their `handed` column) as statement-level triggers
-- over the statement's transition table.
-- SQLite fires a row trigger right after its row. PostgreSQL fires BEFORE ROW triggers so
-- too, but AFTER ROW triggers only once the whole statement is done, so when one statement
-- writes several copies of one report, a trigger reading the other copies reads otherwise:
-- - 021: in an INSERT of two copies of one report (`xunji seed zaoyang` copies each report to
--   two recipients in one INSERT) the first copy's trigger sees no other copy on SQLite and
--   hands the report's problems over; on PostgreSQL both see each other and neither does. A
--   DELETE of both copies would take the problems back twice.
-- - 023 subtracts the group as it is before each row (BEFORE) and adds it as it is after
--   (AFTER): on PostgreSQL every AFTER sees the state after the last row, so a DELETE of a
--   report's two copies subtracts the handed group twice and adds the other group twice.
-- Here each statement moves the problems (tasks, accountability) of the reports it touched
-- from their state before the statement to their state after it: the net effect of SQLite's
-- row by row. Before an INSERT = the copies without the statement's new rows; before a
-- DELETE = the copies with the statement's old rows.

-- ---- 021: agg_problems ---------------------------------------------------------------------
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

-- ---- 023: agg_rect_tasks -------------------------------------------------------------------
DROP TRIGGER agg_rect_tasks_rc_insert_b ON report_copies;
DROP TRIGGER agg_rect_tasks_rc_insert_a ON report_copies;
DROP TRIGGER agg_rect_tasks_rc_delete_b ON report_copies;
DROP TRIGGER agg_rect_tasks_rc_delete_a ON report_copies;
DROP FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_insert_b();
DROP FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_insert_a();
DROP FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_delete_b();
DROP FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_delete_a();

CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_insert() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT d.round_id, d.team_id, d.unit_id, d.month, d.state, d.handed, sum(d.s)
  FROM (SELECT k.round_id, k.team_id, k.unit_id, substr(k.deadline, 1, 7) AS month, k.state,
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=k.problem_id
                           AND NOT EXISTS (SELECT 1 FROM xunji_new_copies x WHERE x.id=rc.id)))::int AS handed,
               -1 AS s
          FROM rect_tasks k
         WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_new_copies))
        UNION ALL
        SELECT k.round_id, k.team_id, k.unit_id, substr(k.deadline, 1, 7), k.state,
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=k.problem_id))::int,
               1
          FROM rect_tasks k
         WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_new_copies))) d
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(d.s) <> 0
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = agg_rect_tasks.n + excluded.n;
  RETURN NULL;
END $xunji$;
CREATE TRIGGER agg_rect_tasks_rc_insert AFTER INSERT ON report_copies
  REFERENCING NEW TABLE AS xunji_new_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_insert();

CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_delete() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_rect_tasks (round_id, team_id, unit_id, month, state, handed, n)
  SELECT d.round_id, d.team_id, d.unit_id, d.month, d.state, d.handed, sum(d.s)
  FROM (SELECT k.round_id, k.team_id, k.unit_id, substr(k.deadline, 1, 7) AS month, k.state,
               (EXISTS (SELECT 1 FROM report_problems rp
                          JOIN (SELECT report_id FROM report_copies
                                UNION ALL SELECT report_id FROM xunji_old_copies) rc
                            ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=k.problem_id))::int AS handed,
               -1 AS s
          FROM rect_tasks k
         WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_old_copies))
        UNION ALL
        SELECT k.round_id, k.team_id, k.unit_id, substr(k.deadline, 1, 7), k.state,
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=k.problem_id))::int,
               1
          FROM rect_tasks k
         WHERE k.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_old_copies))) d
  GROUP BY 1, 2, 3, 4, 5, 6
  HAVING sum(d.s) <> 0
  ON CONFLICT (round_id, team_id, unit_id, month, state, handed)
  DO UPDATE SET n = agg_rect_tasks.n + excluded.n;
  RETURN NULL;
END $xunji$;
CREATE TRIGGER agg_rect_tasks_rc_delete AFTER DELETE ON report_copies
  REFERENCING OLD TABLE AS xunji_old_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_rect_tasks_rc_delete();

-- ---- 023: agg_accountability (handed: its problem's report copied, or its clue handed over) --
DROP TRIGGER agg_accountability_rc_insert_b ON report_copies;
DROP TRIGGER agg_accountability_rc_insert_a ON report_copies;
DROP TRIGGER agg_accountability_rc_delete_b ON report_copies;
DROP TRIGGER agg_accountability_rc_delete_a ON report_copies;
DROP FUNCTION sqlite_compat.trg_agg_accountability_rc_insert_b();
DROP FUNCTION sqlite_compat.trg_agg_accountability_rc_insert_a();
DROP FUNCTION sqlite_compat.trg_agg_accountability_rc_delete_b();
DROP FUNCTION sqlite_compat.trg_agg_accountability_rc_delete_a();

CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_accountability_rc_insert() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome,
                                  form, handed, n, funds_recovered_fen, funds_returned_fen,
                                  losses_recovered_fen)
  SELECT d.round_id, d.team_id, d.unit_id, d.month, d.state, d.subject_kind, d.outcome, d.form,
         d.handed, sum(d.s), sum(d.s * d.rec), sum(d.s * d.ret), sum(d.s * d.loss)
  FROM (SELECT a.round_id, a.team_id, a.unit_id, coalesce(substr(a.decided_on, 1, 7), '') AS month,
               a.state, a.subject_kind, coalesce(a.outcome, '') AS outcome,
               coalesce(a.form, 0) AS form,
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=a.problem_id
                           AND NOT EXISTS (SELECT 1 FROM xunji_new_copies x WHERE x.id=rc.id))
                OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL))::int
                 AS handed,
               -1 AS s, a.funds_recovered_fen AS rec, a.funds_returned_fen AS ret,
               a.losses_recovered_fen AS loss
          FROM accountability a
         WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_new_copies))
        UNION ALL
        SELECT a.round_id, a.team_id, a.unit_id, coalesce(substr(a.decided_on, 1, 7), ''),
               a.state, a.subject_kind, coalesce(a.outcome, ''), coalesce(a.form, 0),
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=a.problem_id)
                OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL))::int,
               1, a.funds_recovered_fen, a.funds_returned_fen, a.losses_recovered_fen
          FROM accountability a
         WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_new_copies))) d
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  HAVING sum(d.s) <> 0 OR sum(d.s * d.rec) <> 0 OR sum(d.s * d.ret) <> 0 OR sum(d.s * d.loss) <> 0
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = agg_accountability.n + excluded.n,
                funds_recovered_fen = agg_accountability.funds_recovered_fen + excluded.funds_recovered_fen,
                funds_returned_fen = agg_accountability.funds_returned_fen + excluded.funds_returned_fen,
                losses_recovered_fen = agg_accountability.losses_recovered_fen + excluded.losses_recovered_fen;
  RETURN NULL;
END $xunji$;
CREATE TRIGGER agg_accountability_rc_insert AFTER INSERT ON report_copies
  REFERENCING NEW TABLE AS xunji_new_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_accountability_rc_insert();

CREATE OR REPLACE FUNCTION sqlite_compat.trg_agg_accountability_rc_delete() RETURNS trigger LANGUAGE plpgsql AS $xunji$
BEGIN
  INSERT INTO agg_accountability (round_id, team_id, unit_id, month, state, subject_kind, outcome,
                                  form, handed, n, funds_recovered_fen, funds_returned_fen,
                                  losses_recovered_fen)
  SELECT d.round_id, d.team_id, d.unit_id, d.month, d.state, d.subject_kind, d.outcome, d.form,
         d.handed, sum(d.s), sum(d.s * d.rec), sum(d.s * d.ret), sum(d.s * d.loss)
  FROM (SELECT a.round_id, a.team_id, a.unit_id, coalesce(substr(a.decided_on, 1, 7), '') AS month,
               a.state, a.subject_kind, coalesce(a.outcome, '') AS outcome,
               coalesce(a.form, 0) AS form,
               (EXISTS (SELECT 1 FROM report_problems rp
                          JOIN (SELECT report_id FROM report_copies
                                UNION ALL SELECT report_id FROM xunji_old_copies) rc
                            ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=a.problem_id)
                OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL))::int
                 AS handed,
               -1 AS s, a.funds_recovered_fen AS rec, a.funds_returned_fen AS ret,
               a.losses_recovered_fen AS loss
          FROM accountability a
         WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_old_copies))
        UNION ALL
        SELECT a.round_id, a.team_id, a.unit_id, coalesce(substr(a.decided_on, 1, 7), ''),
               a.state, a.subject_kind, coalesce(a.outcome, ''), coalesce(a.form, 0),
               (EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON rc.report_id=rp.report_id
                         WHERE rp.problem_id=a.problem_id)
                OR EXISTS (SELECT 1 FROM clues h WHERE h.id=a.clue_id AND h.handover_at IS NOT NULL))::int,
               1, a.funds_recovered_fen, a.funds_returned_fen, a.losses_recovered_fen
          FROM accountability a
         WHERE a.problem_id IN (SELECT rp.problem_id FROM report_problems rp
                                 WHERE rp.report_id IN (SELECT report_id FROM xunji_old_copies))) d
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  HAVING sum(d.s) <> 0 OR sum(d.s * d.rec) <> 0 OR sum(d.s * d.ret) <> 0 OR sum(d.s * d.loss) <> 0
  ON CONFLICT (round_id, team_id, unit_id, month, state, subject_kind, outcome, form, handed)
  DO UPDATE SET n = agg_accountability.n + excluded.n,
                funds_recovered_fen = agg_accountability.funds_recovered_fen + excluded.funds_recovered_fen,
                funds_returned_fen = agg_accountability.funds_returned_fen + excluded.funds_returned_fen,
                losses_recovered_fen = agg_accountability.losses_recovered_fen + excluded.losses_recovered_fen;
  RETURN NULL;
END $xunji$;
CREATE TRIGGER agg_accountability_rc_delete AFTER DELETE ON report_copies
  REFERENCING OLD TABLE AS xunji_old_copies
  FOR EACH STATEMENT EXECUTE FUNCTION sqlite_compat.trg_agg_accountability_rc_delete();
