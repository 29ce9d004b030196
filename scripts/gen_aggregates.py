#!/usr/bin/env python3
"""gen_aggregates.py — the statistics aggregates (issue 15), declared once.

    python3 scripts/gen_aggregates.py          # (re)writes the generated files
    python3 scripts/gen_aggregates.py --check  # exit 1 if a generated file differs

One declaration per aggregate table (AGGS below: source table and alias, grouped key
columns with the expression over the source row, summed columns, the condition every
counted row satisfies) generates:

  src/store/sqlite/024_stat_rollups.sql, src/store/pg/024_stat_rollups.sql
      the rollups of 021/023's tables: agg_<x>_by_team (the same groups without the
      unit and the month) and agg_<x>_by_unit (without the month, for a table that has
      one), kept by triggers on the detail table (every change of a detail row moves its
      difference into its rollup groups) in the same transaction;
  src/store/sqlite/025_stat_aggregates3.sql, src/store/pg/025_stat_aggregates3.sql
      agg_petitions, agg_assistance, agg_reports, agg_targets (kept by triggers on
      their records) and their rollups;
  src/store/sqlite/034_stat_days.sql, src/store/pg/034_stat_days.sql
      the day-count histograms of the durations (agg_clue_days_*, agg_assist_days) and
      their rollups by team;
  src/store/sqlite/035_stat_units.sql, src/store/pg/035_stat_units.sql
      agg_<x>_units, every aggregate's rollup by unit alone (no round, team, month);
  src/report/agg_tables.inc
      the list report/aggregates.c walks to verify (`xunji stats --verify`) and
      rebuild (agg_rebuild_table) every aggregate table: name, columns, the rows
      recomputed from the records, and the rebuild's source (a rollup from its
      detail table).

Those files are never edited by hand (their header says so); tests/api/test_agg_gen.py
checks that this script reproduces them byte for byte. 021 and 023 were written before
this script; their tables are declared here (their rollups and the verify/rebuild list
are generated from the declaration) but their migration files are not generated.
Stdlib only.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COPIED = ("EXISTS (SELECT 1 FROM report_problems rp JOIN report_copies rc ON "
          "rc.report_id=rp.report_id WHERE rp.problem_id={r}.%s)")


def flag(cond):
    """A 0/1 key: the same text in SQLite and PostgreSQL."""
    return "CASE WHEN %s THEN 1 ELSE 0 END" % cond


def day(v):
    """The calendar day (Asia/Shanghai) of a date or of one of our UTC timestamps as a day
    number: report/stats.c's day_of (util/text.c day_shanghai) in SQL that both dialects run
    (PostgreSQL's julianday is compat.sql's). A timestamp's Shanghai day is its UTC date's,
    plus one from 16:00Z on. NULL when the text is neither. For the dates and timestamps the
    server writes (validated at the edge) it is day_shanghai's day."""
    return ("CASE WHEN length(V) = 10 THEN CAST(julianday(V) - 2440587.5 AS INTEGER) "
            "WHEN length(V) = 20 THEN CAST(julianday(substr(V, 1, 10)) - 2440587.5 AS INTEGER) + "
            "CASE WHEN CAST(substr(V, 12, 2) AS INTEGER) >= 16 THEN 1 ELSE 0 END END").replace("V", v)


def days_between(a, b):
    """Days from a to b (core/measures.c MK_DAYS: calendar days in Asia/Shanghai)."""
    return "(%s) - (%s)" % (day(b), day(a))


# A key: (column, SQL type TEXT|INTEGER, expression over the source row {r}).
# `rollup` keys are those the *_by_team table keeps (all but unit and month).
class Agg:
    def __init__(self, name, migration, source, alias, keys, sums=(), where=None):
        self.name, self.migration, self.source, self.alias = name, migration, source, alias
        self.keys, self.sums, self.where = list(keys), list(sums), where

    def cols(self):
        return [k[0] for k in self.keys] + ["n"] + [s[0] for s in self.sums]

    def rollups(self):
        """[Roll]: by team (no unit, no month); by unit (no month) where there is a month."""
        out = [Roll(self, "by_team", ("unit_id", "month"))]
        if any(k[0] == "month" for k in self.keys):
            out.append(Roll(self, "by_unit", ("month",)))
        return out

    def units(self):
        """(035) The rollup by unit alone: without the round, the team and the month."""
        return Roll(self, "units", ("round_id", "team_id", "month"))

    def src_cols(self):
        """The source columns the keys, sums and condition read (the update trigger's)."""
        out = []
        for e in [k[2] for k in self.keys] + [s[1] for s in self.sums] + [self.where or ""]:
            for c in re.findall(r"\{r\}\.(\w+)", e):
                if c not in out:
                    out.append(c)
        return out


class Roll:
    """A rollup of a detail table: its groups summed over the dropped keys."""

    def __init__(self, agg, suffix, drop):
        self.agg, self.suffix, self.drop = agg, suffix, drop
        self.name = agg.name + "_" + suffix
        self.keys = [k for k in agg.keys if k[0] not in drop]
        self.sums = agg.sums

    def cols(self):
        return [k[0] for k in self.keys] + ["n"] + [s[0] for s in self.sums]

    def src_cols(self):
        """The source columns the keys, sums and condition read (the update trigger's)."""
        out = []
        for e in [k[2] for k in self.keys] + [s[1] for s in self.sums] + [self.where or ""]:
            for c in re.findall(r"\{r\}\.(\w+)", e):
                if c not in out:
                    out.append(c)
        return out


AGGS = [
    # ---- 021 and 023 (their migrations hand-kept; declared for the rollups and the list)
    Agg("agg_problems", 21, "problems", "p", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("month", "TEXT", "substr({r}.found_on, 1, 7)"),
        ("state", "TEXT", "{r}.state"), ("immediate_fix", "INTEGER", "{r}.immediate_fix"),
        ("handed", "INTEGER", flag(COPIED % "id"))],
        sums=[("amount_fen", "{r}.amount_fen")]),
    Agg("agg_rect_tasks", 23, "rect_tasks", "k", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("month", "TEXT", "substr({r}.deadline, 1, 7)"),
        ("state", "TEXT", "{r}.state"), ("handed", "INTEGER", flag(COPIED % "problem_id"))]),
    Agg("agg_accountability", 23, "accountability", "a", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"),
        ("month", "TEXT", "coalesce(substr({r}.decided_on, 1, 7), '')"),
        ("state", "TEXT", "{r}.state"), ("subject_kind", "TEXT", "{r}.subject_kind"),
        ("outcome", "TEXT", "coalesce({r}.outcome, '')"),
        ("form", "INTEGER", "coalesce({r}.form, 0)"),
        ("handed", "INTEGER", flag("(" + COPIED % "problem_id" + " OR EXISTS (SELECT 1 FROM clues h "
                                   "WHERE h.id={r}.clue_id AND h.handover_at IS NOT NULL))"))],
        sums=[("funds_recovered_fen", "{r}.funds_recovered_fen"),
              ("funds_returned_fen", "{r}.funds_returned_fen"),
              ("losses_recovered_fen", "{r}.losses_recovered_fen")]),
    Agg("agg_clues", 23, "clues", "c", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("state", "TEXT", "{r}.state"),
        ("handed_over", "INTEGER", flag("{r}.handover_at IS NOT NULL")),
        ("handover_mode", "TEXT", "coalesce({r}.handover_mode, '')"),
        ("registered", "INTEGER", flag("{r}.registered_at IS NOT NULL")),
        ("disposal_method", "TEXT", "coalesce({r}.disposal_method, '')"),
        ("result", "TEXT", "coalesce({r}.result, '')"),
        ("disposed", "INTEGER", flag("{r}.disposed_at IS NOT NULL")),
        ("concluded", "INTEGER", flag("{r}.concluded_at IS NOT NULL")),
        ("case_filed", "INTEGER", flag("{r}.case_filed_on IS NOT NULL")),
        ("detention", "INTEGER", flag("{r}.detention_on IS NOT NULL")),
        ("prosecution", "INTEGER", flag("{r}.prosecution_on IS NOT NULL"))]),
    # ---- 025: the sources whose figures were still counted from the records
    # 信访件: vis_petition scopes by team only; dated by received_on (a date, NOT NULL)
    Agg("agg_petitions", 25, "petitions", "pe", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("month", "TEXT", "substr({r}.received_on, 1, 7)"),
        ("channel", "TEXT", "{r}.channel"), ("state", "TEXT", "{r}.state")]),
    # 提请协助: dated by a timestamp (a date filter is answered from the records);
    # vis_assistance's commission rule is forwarded_at IS NOT NULL: `forwarded`
    Agg("agg_assistance", 25, "assistance", "s", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("state", "TEXT", "{r}.state"),
        ("completed", "INTEGER", flag("{r}.completed_at IS NOT NULL")),
        ("forwarded", "INTEGER", flag("{r}.forwarded_at IS NOT NULL"))]),
    # 反馈: vis_report's rules are the state (released) and copied_at (handed): `copied`;
    # feedback_attendees sums the attendees of the reports that have them
    Agg("agg_reports", 25, "reports", "rp", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"),
        ("month", "TEXT", "coalesce(substr({r}.meeting_date, 1, 7), '')"),
        ("state", "TEXT", "{r}.state"),
        ("copied", "INTEGER", flag("{r}.copied_at IS NOT NULL")),
        ("has_attendees", "INTEGER", flag("{r}.attendees IS NOT NULL"))],
        sums=[("attendees", "coalesce({r}.attendees, 0)")]),
    # 巡察对象: dated by entry_date (nullable)
    Agg("agg_targets", 25, "targets", "g", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"),
        ("month", "TEXT", "coalesce(substr({r}.entry_date, 1, 7), '')")]),
] + [
    # ---- 034: day-count histograms of the durations (MK_DAYS), one per figure: one row per
    # visibility group and exact day count, so the count, the exact median, the minimum
    # and the maximum of a user's figure come from the groups in scope. Only the records
    # the figure counts (its source's condition, its own, and both days known) are in it.
    # Clues: vis_clue's rules are the team, the unit and the state (handed_over on).
    Agg("agg_clue_days_" + sfx, 34, "clues", "c", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"), ("state", "TEXT", "{r}.state"),
        ("days", "INTEGER", days_between("{r}." + a, "{r}." + b))],
        where="{r}.handover_at IS NOT NULL%s AND (%s) IS NOT NULL" % (
            "" if b == "handover_at" else " AND {r}.%s IS NOT NULL" % b,
            days_between("{r}." + a, "{r}." + b)))
    for sfx, a, b in (("dh", "discovered_on", "handover_at"), ("hr", "handover_at", "registered_at"),
                      ("hd", "handover_at", "disposed_at"), ("hc", "handover_at", "concluded_at"))
] + [
    # Assistance requests once submitted and completed: vis_assistance's rules are the team,
    # the unit and forwarded_at (the commission's); the unit side never sees them.
    Agg("agg_assist_days", 34, "assistance", "s", [
        ("round_id", "TEXT", "{r}.round_id"), ("team_id", "TEXT", "{r}.team_id"),
        ("unit_id", "TEXT", "{r}.unit_id"),
        ("forwarded", "INTEGER", flag("{r}.forwarded_at IS NOT NULL")),
        ("days", "INTEGER", days_between("{r}.submitted_at", "{r}.completed_at"))],
        where="{r}.state NOT IN ('draft') AND {r}.completed_at IS NOT NULL AND (%s) IS NOT NULL"
              % days_between("{r}.submitted_at", "{r}.completed_at")),
]


def upsert_tail(table, keys, sums, pg):
    ref = table + "." if pg else ""
    sets = ["n = %sn + excluded.n" % ref] + ["%s = %s%s + excluded.%s" % (s, ref, s, s)
                                              for s in sums]
    return ("  ON CONFLICT (%s)\n  DO UPDATE SET %s;\n" % (", ".join(keys), ", ".join(sets)))


class Out:
    """One migration in both dialects."""

    def __init__(self):
        self.lite, self.pg = [], []

    def both(self, s):
        self.lite.append(s)
        self.pg.append(s)

    def table(self, name, keys, sums, indexes):
        for pg in (False, True):
            lines = ["CREATE TABLE %s (" % name,
                     "  id            %s," % ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                                              if pg else "INTEGER PRIMARY KEY")]
            for c, t in keys + [("n", "INTEGER")] + [(s, "INTEGER") for s in sums]:
                t = "BIGINT" if pg and t == "INTEGER" else t
                lines.append("  %-13s %s NOT NULL," % (c, t))
            lines.append("  UNIQUE (%s)" % ", ".join(k for k, _ in keys))
            lines.append(")%s;" % ("" if pg else " STRICT"))
            for col in indexes:
                lines.append("CREATE INDEX %s_%s ON %s(%s);" % (
                    name, col.replace("_id", ""), name, col))
            (self.pg if pg else self.lite).append("\n".join(lines) + "\n\n")

    def trigger(self, name, timing, event, on, when, body):
        """body(pg) -> the statements (each ending with ;\\n)."""
        lw = "\nWHEN %s" % when["lite"] if when else ""
        self.lite.append("CREATE TRIGGER %s %s %s ON %s%s\nBEGIN\n%sEND;\n\n" % (
            name, timing, event, on, lw, body(False)))
        self.pg.append(
            "CREATE FUNCTION sqlite_compat.trg_%s() RETURNS trigger LANGUAGE plpgsql AS $xunji$\n"
            "BEGIN\n  IF %s THEN\n%s  END IF;\n  RETURN NULL;\nEND $xunji$;\n"
            "CREATE TRIGGER %s %s %s ON %s FOR EACH ROW EXECUTE FUNCTION sqlite_compat.trg_%s();\n\n"
            % (name, when["pg"] if when else "true", body(True), name, timing, event, on, name))


def row_insert(a, r, sign):
    """INSERT of one source row r (NEW/OLD) into a's table with n = sign."""
    def body(pg):
        exprs = [k[2].format(r=r) for k in a.keys] + [sign] + [
            "%s(%s)" % ("-" if sign == "-1" else "", s[1].format(r=r)) for s in a.sums]
        sql = "  INSERT INTO %s (%s)\n  SELECT %s\n  WHERE true\n" % (
            a.name, ", ".join(a.cols()), ",\n         ".join(exprs))
        if a.where:
            sql = sql.replace("WHERE true", "WHERE " + a.where.format(r=r))
        return sql + upsert_tail(a.name, [k[0] for k in a.keys], [s[0] for s in a.sums], pg)
    return body


def records_sql(a):
    """The rows of a recomputed from the records (fill, verify, rebuild)."""
    r = a.alias
    exprs = ["%s AS %s" % (k[2].format(r=r), k[0]) for k in a.keys] + ["count(*) AS n"] + [
        "sum(%s) AS %s" % (s[1].format(r=r), s[0]) for s in a.sums]
    return "SELECT %s FROM %s %s%s GROUP BY %s" % (
        ", ".join(exprs), a.source, r, " WHERE " + a.where.format(r=r) if a.where else "",
        ", ".join(str(i + 1) for i in range(len(a.keys))))


def roll_records_sql(r):
    """The rollup's rows from its detail table (the rebuild's source)."""
    keys = [k[0] for k in r.keys]
    return "SELECT %s, sum(n)%s FROM %s GROUP BY %s" % (
        ", ".join(keys), "".join(", sum(%s)" % s[0] for s in r.sums), r.agg.name, ", ".join(keys))


def roll_from_records_sql(r):
    """The rollup's rows from the records (verify: not through the detail table)."""
    keys = [k[0] for k in r.keys]
    return "SELECT %s, sum(n)%s FROM (%s) d GROUP BY %s" % (
        ", ".join(keys), "".join(", sum(%s)" % s[0] for s in r.sums), records_sql(r.agg),
        ", ".join(keys))


def emit_detail(o, a):
    o.both("-- ==== %s: %s ====\n" % (a.name, a.source))
    indexes = ["team_id"] + (["unit_id"] if any(k[0] == "unit_id" for k in a.keys) else [])
    o.table(a.name, [(k[0], k[1]) for k in a.keys], [s[0] for s in a.sums], indexes)
    o.both("INSERT INTO %s (%s)\n%s;\n\n" % (a.name, ", ".join(a.cols()), records_sql(a)))
    o.trigger(a.name + "_ins", "AFTER", "INSERT", a.source, None, row_insert(a, "NEW", "1"))
    o.trigger(a.name + "_del", "AFTER", "DELETE", a.source, None, row_insert(a, "OLD", "-1"))
    cols = a.src_cols()
    when = {"lite": "\n  OR ".join("OLD.%s IS NOT NEW.%s" % (c, c) for c in cols),
            "pg": " OR ".join("OLD.%s IS DISTINCT FROM NEW.%s" % (c, c) for c in cols)}
    o.trigger(a.name + "_upd", "AFTER", "UPDATE OF " + ", ".join(cols), a.source, when,
              lambda pg: row_insert(a, "OLD", "-1")(pg) + row_insert(a, "NEW", "1")(pg))


def emit_rollup(o, r):
    a, rn, rk = r.agg, r.name, r.keys
    sums = [s[0] for s in a.sums]
    o.both("-- ---- %s: %s without %s ----\n" % (rn, a.name, " and ".join(r.drop)))
    o.table(rn, [(k[0], k[1]) for k in rk], sums,
            [c for c in ("team_id", "unit_id") if any(k[0] == c for k in rk)])
    o.both("INSERT INTO %s (%s)\n%s;\n\n" % (rn, ", ".join(r.cols()), roll_records_sql(r)))

    def insert(exprs, where, pg):
        return ("  INSERT INTO %s (%s)\n  SELECT %s\n  WHERE %s\n" % (
            rn, ", ".join(r.cols()), ", ".join(exprs), where) +
            upsert_tail(rn, [k[0] for k in rk], sums, pg))

    def add(ref, sign):
        return lambda pg: insert(["%s.%s" % (ref, k[0]) for k in rk] + [
            "%s%s.%s" % ("-" if sign < 0 else "", ref, c) for c in ["n"] + sums], "true", pg)

    def moved(pg):  # a detail row's keys changed (by hand: the triggers change counts only)
        op = " IS DISTINCT FROM " if pg else " IS NOT "
        return "(" + " OR ".join("OLD.%s%sNEW.%s" % (k[0], op, k[0]) for k in rk) + ")"

    def delta(pg):
        """A detail row's counts changed (the triggers' case): one upsert of the difference."""
        return insert(["NEW.%s" % k[0] for k in rk] + ["NEW.%s - OLD.%s" % (c, c) for c in ["n"] + sums],
                      "true", pg)
    same = {"lite": "NOT " + moved(False), "pg": "NOT " + moved(True)}
    other = {"lite": moved(False), "pg": moved(True)}
    o.trigger(rn + "_ins", "AFTER", "INSERT", a.name, None, add("NEW", 1))
    o.trigger(rn + "_del", "AFTER", "DELETE", a.name, None, add("OLD", -1))
    o.trigger(rn + "_upd", "AFTER", "UPDATE", a.name, same, delta)
    # a detail row moved to another group (by hand: the triggers change counts only)
    o.trigger(rn + "_mv", "AFTER", "UPDATE", a.name, other,
              lambda pg: add("OLD", -1)(pg) + add("NEW", 1)(pg))


HEAD = """-- GENERATED by scripts/gen_aggregates.py from its one declaration of the aggregates;
-- do not edit by hand (tests/api/test_agg_gen.py checks the generated text).
"""

H024 = """-- 024: rollups of the statistics aggregates (issue 15; 021 and 023 made the detail tables).
--
-- agg_<x>_by_team holds agg_<x>'s groups summed over the unit and the month: a user whose
-- scope covers whole teams (the office, the leading group, a team; the commission's handed
-- rule) and a figure with no unit, level or date filter sums O(rounds x teams) rows instead
-- of every (unit, month) group. agg_<x>_by_unit (a table with a month) sums over the month
-- only: charts by unit, unit and level filters, users whose rules are by unit. report/
-- aggregates.c picks the coarsest that answers (XUNJI_STATS_NO_ROLLUP=1: neither). Triggers
-- on the detail table move every change of a detail row (insert, update of its counts,
-- delete) into its rollup groups, in the same transaction as the write that changed the
-- detail row. `xunji stats --verify` recomputes each rollup from the records.
"""

H025 = """-- 025: aggregates of the sources whose figures were still counted from the records
-- (issue 15): petitions, assistance requests, reports (feedback), targets; each with its
-- rollups by team and (with a month) by unit, as in 024. One row per visibility dimension of the kind (round, team,
-- unit) and the columns its measures filter on (core/measures.c reads them back under the
-- source's own column names); a nullable column is stored NOT NULL ('' or 0/1 flags).
-- Triggers on the records keep them in the writing transaction (insert, delete, update of
-- a grouped column). `xunji stats --verify` recomputes every row from the records.
"""

H034 = """-- 034: day-count histograms of the durations (issue 15): days_discovery_to_handover,
-- days_handover_to_registration, _disposal, _conclusion (clues) and days_assistance_turnaround
-- were computed per record on every request. agg_<x>_days_* hold one row per visibility group
-- (round, team, unit and the column of the kind's commission rule) and exact day count
-- (calendar days in Asia/Shanghai, as report/stats.c counts them), n the records: a user's
-- figure (count, exact median, minimum, maximum) is the histogram summed over the groups in
-- scope. Each has its rollup by team (024's way). Triggers on the records keep them in the
-- writing transaction; `xunji stats --verify` recomputes every row from the records and
-- every figure both ways.
"""

PGH = """-- PostgreSQL text of the same migration: the triggers as PL/pgSQL trigger functions,
-- SQLite's IS NOT as IS DISTINCT FROM, the upserts naming the table's own columns.
"""


# PostgreSQL: the triggers of 021/023 on report_copies decide from the other copies of the
# report whether its records change `handed`. SQLite runs a row trigger as each row is
# written; PostgreSQL queues AFTER row triggers to the end of the statement, so migration 031
# (src/store/pg/031_pg_statement_triggers.sql) replaces them there with statement-level
# triggers that compare the state before and after the statement.


# 025: the drill-down order of the accountability figures (core/measures.c src_acct; their
# condition is one state), so a page walks the index and stops after per_page rows.
INDEX_025 = """-- ---- drill-down order (not an aggregate) ----
CREATE INDEX accountability_decided ON accountability(state, decided_on, id);
"""


H035 = """-- 035: rollups by unit alone (issue 15). agg_<x>_units holds agg_<x>'s groups summed over
-- the round, the team and the month: the charts by unit and the unit and level filters of a
-- user whose rules name no team (the office, the leading group, the commission's handed rule,
-- a dispatched group's units) sum O(units) groups instead of the rollup by unit's O(rounds x
-- units). report/aggregates.c uses them only when neither a filter (round, campaign, round
-- kind, team, a date range) nor the user's scope needs the round or the team
-- (XUNJI_STATS_NO_UNITS=1: never). Triggers on the detail table keep them, as in 024, in the
-- same transaction as the write; `xunji stats --verify` recomputes each from the records.
"""


def migration(num, name, head, aggs_detail, aggs_roll, units=()):
    o = Out()
    o.lite.append(HEAD + head)
    o.pg.append(HEAD + head + PGH)
    for a in aggs_detail:
        emit_detail(o, a)
        for r in a.rollups():
            emit_rollup(o, r)
    for a in aggs_roll:
        for r in a.rollups():
            emit_rollup(o, r)
    for a in units:
        emit_rollup(o, a.units())
    if num == 25:
        o.both(INDEX_025)
    fn = "%03d_%s.sql" % (num, name)
    return {os.path.join("src/store/sqlite", fn): "".join(o.lite).rstrip("\n") + "\n",
            os.path.join("src/store/pg", fn): "".join(o.pg).rstrip("\n") + "\n"}


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_list():
    lines = ["/* GENERATED by scripts/gen_aggregates.py: do not edit by hand. Every aggregate",
             " * table, detail tables before their rollups: {name, migration, columns, nonzero",
             " * condition, its rows from the records, its rebuild source (NULL: the records)}\n * (report/aggregates.c). */"]
    for a in AGGS:
        nz = " OR ".join("%s <> 0" % c for c in ["n"] + [s[0] for s in a.sums])
        lines.append("{%s, %d, %s, %s,\n %s,\n %s}," % (
            c_str(a.name), a.migration, c_str(", ".join(a.cols())), c_str(nz),
            c_str(records_sql(a)), "NULL"))
    for a in AGGS:
        for r in a.rollups():
            nz = " OR ".join("%s <> 0" % c for c in ["n"] + [s[0] for s in a.sums])
            lines.append("{%s, %d, %s, %s,\n %s,\n %s}," % (
                c_str(r.name), 24 if a.migration < 24 else a.migration, c_str(", ".join(r.cols())),
                c_str(nz), c_str(roll_from_records_sql(r)), c_str(roll_records_sql(r))))
    for a in AGGS:
        r = a.units()
        nz = " OR ".join("%s <> 0" % c for c in ["n"] + [s[0] for s in a.sums])
        lines.append("{%s, %d, %s, %s,\n %s,\n %s}," % (
            c_str(r.name), 35, c_str(", ".join(r.cols())), c_str(nz),
            c_str(roll_from_records_sql(r)), c_str(roll_records_sql(r))))
    return "\n".join(lines) + "\n"


def outputs():
    out = {}
    out.update(migration(24, "stat_rollups", H024, [],
                         [a for a in AGGS if a.migration < 24]))
    out.update(migration(25, "stat_aggregates3", H025,
                         [a for a in AGGS if a.migration == 25], []))
    out.update(migration(34, "stat_days", H034, [a for a in AGGS if a.migration == 34], []))
    out.update(migration(35, "stat_units", H035, [], [], units=AGGS))
    out["src/report/agg_tables.inc"] = c_list()
    return out


def main():
    check = "--check" in sys.argv[1:]
    bad = 0
    for path, text in sorted(outputs().items()):
        full = os.path.join(ROOT, path)
        old = open(full, encoding="utf-8").read() if os.path.exists(full) else None
        if old == text:
            continue
        if check:
            print("differs from the generator:", path)
            bad += 1
        else:
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote", path)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
