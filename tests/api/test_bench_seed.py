"""The benchmark generator (issue 15): `xunji bench-seed` at a tiny size fills a
demo database with records the API reads as its own: the office lists every
problem, the scope columns agree with the targets, clue allegations open with
the installation's key for the commission, the four forms agree with the
outcome table, the audit chain verifies and every table's transaction left
one audit entry. The bulk path is one transaction per table with the
aggregate triggers dropped and the aggregates rebuilt before its COMMIT: the
triggers are all back afterwards, `stats --verify` agrees, and with the fault
build (build/faults/xunji) failing each COMMIT in turn a table is either
complete or absent and the database still verifies.
The trigger tests are SQLite's (on PostgreSQL the bulk path keeps the
triggers: only the first test applies there, and passes).
No timing here: the measurements live in bench/ (make bench)."""
import os
import re
import shutil

from lib import PG, Server, expect, run_cli, test

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
FAULT_BIN = os.path.abspath(os.environ.get("XUNJI_FAULT_BIN", os.path.join(ROOT, "build/faults/xunji")))
SMALL = ("--problems", "600", "--clues", "60", "--tasks", "120", "--accountability", "180",
         "--targets", "20", "--rounds", "5")
# table -> (id prefix, rows at SMALL)
TABLES = {"problems": ("01900007-", 600), "report_problems": (None, 600), "clues": ("01900008-", 60),
          "rect_tasks": ("01900009-", 120), "accountability": ("0190000a-", 180),
          "targets": ("01900004-", 20), "reports": ("01900005-", 20)}


def agg_triggers(s):
    return [r[0] for r in s.sql("SELECT name FROM sqlite_master WHERE type='trigger' "
                                "AND name LIKE 'agg%' ORDER BY name")]


def counts(s):
    out = {}
    for t, (prefix, _) in TABLES.items():
        if prefix:
            out[t] = s.sql(f"SELECT count(*) FROM {t} WHERE id LIKE '{prefix}%'")[0][0]
        else:
            out[t] = s.sql("SELECT count(*) FROM report_problems WHERE problem_id LIKE '01900007-%'")[0][0]
    return out


@test
def bench_seed_small_is_consistent():
    s = Server()
    with s:
        p = run_cli("bench-seed", "--problems", "2000", "--clues", "200", "--tasks", "400",
                    "--accountability", "600", "--targets", "100", "--rounds", "5", db=s.db)
        assert "完成" in p.stdout, p.stdout
        # twice on the same database is refused
        again = run_cli("bench-seed", "--problems", "10", "--tasks", "1", db=s.db, check=False)
        assert again.returncode == 1 and "已生成过" in again.stderr, again.stderr
        bad = run_cli("bench-seed", "--problems", "x", db=s.db, check=False)
        assert bad.returncode == 2 and "--problems" in bad.stderr
        assert s.sql("SELECT count(*) FROM problems WHERE id LIKE '01900007-%'")[0][0] == 2000
        assert s.sql("SELECT count(*) FROM clues WHERE id LIKE '01900008-%'")[0][0] == 200
        assert s.sql("SELECT count(*) FROM rect_tasks WHERE id LIKE '01900009-%'")[0][0] == 400
        assert s.sql("SELECT count(*) FROM accountability WHERE id LIKE '0190000a-%'")[0][0] == 600
        # scope columns are the target's (and the problem's for tasks and accountability)
        for t in ("problems", "clues"):
            assert s.sql(f"SELECT count(*) FROM {t} x JOIN targets g ON g.id=x.target_id "
                         "WHERE x.round_id<>g.round_id OR x.team_id<>g.team_id OR x.unit_id<>g.unit_id")[0][0] == 0, t
        for t in ("rect_tasks", "accountability"):
            assert s.sql(f"SELECT count(*) FROM {t} x JOIN problems p ON p.id=x.problem_id "
                         "WHERE x.target_id<>p.target_id OR x.round_id<>p.round_id OR x.team_id<>p.team_id "
                         "OR x.unit_id<>p.unit_id")[0][0] == 0, t
        # every problem is listed in its target's copied report
        assert s.sql("SELECT count(*) FROM problems p LEFT JOIN report_problems rp ON rp.problem_id=p.id "
                     "LEFT JOIN reports r ON r.id=rp.report_id AND r.target_id=p.target_id "
                     "WHERE p.id LIKE '01900007-%' AND (r.id IS NULL OR r.state<>'copied')")[0][0] == 0
        # tasks follow their problem's state
        assert s.sql("SELECT count(*) FROM rect_tasks t JOIN problems p ON p.id=t.problem_id WHERE "
                     "(p.state='signed_off') <> (t.state='signed_off')")[0][0] == 0
        # one transaction per table, each with its one audit entry, and the chain verifies
        per = dict(s.sql("SELECT object_kind, count(*) FROM audit WHERE action='bench.seed' GROUP BY 1"))
        assert per == {t: 1 for t in ("orgs", "rounds", "teams", "targets", "reports", "problems", "clues",
                                      "rect_tasks", "accountability")}, per
        # problems + their report_problems rows in the one problems transaction
        assert '"rows":4000' in s.sql("SELECT detail FROM audit WHERE action='bench.seed' "
                                      "AND object_kind='problems'")[0][0].replace(" ", "")
        v = run_cli("audit", "verify", db=s.db)
        assert v.returncode == 0
        s.start()
        office = s.client("office")
        lst = expect(office.get("/api/v1/problems?per_page=50"), 200).json
        assert lst["total"] >= 2000 and len(lst["items"]) == 50
        pid = s.sql("SELECT id FROM problems WHERE id LIKE '01900007-%' ORDER BY id LIMIT 1")[0][0]
        one = expect(office.get(f"/api/v1/problems/{pid}"), 200).json
        assert one["state"] in ("fed_back", "rectifying", "rectified", "signed_off")
        # a registered clue's allegation opens for 案管室 with the installation's key
        cid = s.sql("SELECT id FROM clues WHERE id LIKE '01900008-%' AND state='registered' LIMIT 1")[0][0]
        c = expect(s.client("casemgmt").get(f"/api/v1/clues/{cid}"), 200).json
        assert "违规发放津补贴" in c.get("allegation", ""), c
        # the four forms are those of the outcome table: the stats agree with the rows
        stats = expect(office.get("/api/v1/stats"), 200).json
        forms = {m["name"]: m for m in stats["measures"]}["four_forms"]
        assert sum(b["n"] for b in forms["by"]) >= s.sql(
            "SELECT count(*) FROM accountability WHERE id LIKE '0190000a-%' AND form IS NOT NULL")[0][0]


@test
def bench_seed_keeps_the_aggregates_and_their_triggers():
    """The triggers are dropped only inside each table's transaction: all are
    back after the run, the aggregates equal their records (stats --verify),
    and a write through the API afterwards still moves them."""
    if PG:  # SQLite's triggers and sqlite_master; PostgreSQL keeps its triggers
        return
    s = Server()
    with s:
        before = agg_triggers(s)
        assert len(before) > 20, before
        run_cli("bench-seed", *SMALL, db=s.db)
        assert agg_triggers(s) == before
        assert s.sql("SELECT sum(n) FROM agg_problems WHERE round_id LIKE '01900002-%'")[0][0] == 600
        assert s.sql("SELECT sum(n) FROM agg_clues WHERE round_id LIKE '01900002-%'")[0][0] == 60
        assert s.sql("SELECT sum(n) FROM agg_rect_tasks WHERE round_id LIKE '01900002-%'")[0][0] == 120
        assert s.sql("SELECT sum(n) FROM agg_accountability WHERE round_id LIKE '01900002-%'")[0][0] == 180
        # every problem is in a copied report: all counted as handed to the commission
        assert s.sql("SELECT sum(n) FROM agg_problems WHERE round_id LIKE '01900002-%' AND handed=1")[0][0] == 600
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr
        # the triggers work again: a record deleted moves its group (then verify still agrees)
        pid = s.sql("SELECT id FROM accountability WHERE id LIKE '0190000a-%' ORDER BY id LIMIT 1")[0][0]
        s.sql_write("DELETE FROM accountability WHERE id=?", (pid,))
        assert s.sql("SELECT sum(n) FROM agg_accountability WHERE round_id LIKE '01900002-%'")[0][0] == 179
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr
        # a corrupted total is seen (the verify above is not vacuous)
        s.sql_write("UPDATE agg_clues SET n=n+1 WHERE id=(SELECT min(id) FROM agg_clues WHERE n>0)")
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode != 0 and "agg_clues" in v.stdout + v.stderr, v.stdout + v.stderr


@test
def bench_seed_is_one_transaction_per_table():
    """The fault build fails the k-th COMMIT, for every k of a run: the tables
    committed before it are complete, the failing table and those after are
    absent (never a part of one), the aggregate triggers are all there, and
    stats --verify and audit verify pass."""
    if PG:  # SQLite's triggers and sqlite_master; PostgreSQL keeps its triggers
        return
    assert os.path.exists(FAULT_BIN), f"{FAULT_BIN} missing: make build/faults/xunji"
    base = Server()
    base.cleanup = False
    with base:
        triggers = agg_triggers(base)
    env = {"ASAN_OPTIONS": "detect_leaks=0"}

    def fresh():
        s = Server()
        s.cleanup = False
        for f in os.listdir(base.dir):
            if f.startswith("t.db"):
                src = os.path.join(base.dir, f)
                (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(s.dir, f))
        return s

    try:
        s = fresh()
        p = run_cli("bench-seed", *SMALL, db=s.db, binary=FAULT_BIN, env={**env, "XUNJI_FAULT": "count"})
        n = int(re.search(r"commit=(\d+)", p.stderr).group(1))
        assert n >= 9, p.stderr  # at least one per table
        full = counts(s)
        assert full == {t: r for t, (_, r) in TABLES.items()}, full
        shutil.rmtree(s.dir, ignore_errors=True)
        partial = 0
        for k in range(1, n + 1):
            s = fresh()
            p = run_cli("bench-seed", *SMALL, db=s.db, binary=FAULT_BIN, check=False,
                        env={**env, "XUNJI_FAULT": f"commit:{k}:io"})
            got = counts(s)
            for t, c in got.items():
                assert c in (0, full[t]), (k, t, c, p.stderr)
            # the problems and their report rows are one transaction
            assert (got["problems"] == 0) == (got["report_problems"] == 0), (k, got)
            if p.returncode != 0:
                partial += 1
                assert "失败" in p.stderr, p.stderr
            assert agg_triggers(s) == triggers, k
            v = run_cli("stats", "--verify", db=s.db, check=False)
            assert v.returncode == 0, (k, v.stdout + v.stderr)
            v = run_cli("audit", "verify", db=s.db, check=False)
            assert v.returncode == 0, (k, v.stdout + v.stderr)
            shutil.rmtree(s.dir, ignore_errors=True)
        assert partial >= 9, partial  # every table's commit was failed once
    finally:
        shutil.rmtree(base.dir, ignore_errors=True)


@test
def bench_seed_refuses_an_aggregate_it_cannot_rebuild():
    """A trigger of an aggregate table missing from report/aggregates.c's list
    stops that table's step (rolled back whole): the bulk path never leaves an
    aggregate it did not recompute."""
    if PG:  # SQLite's triggers and sqlite_master; PostgreSQL keeps its triggers
        return
    s = Server()
    with s:
        s.sql_write("CREATE TABLE agg_mystery (n INTEGER)")
        s.sql_write("CREATE TRIGGER agg_mystery_ins AFTER INSERT ON clues BEGIN "
                    "INSERT INTO agg_mystery VALUES (1); END")
        p = run_cli("bench-seed", *SMALL, db=s.db, check=False)
        assert p.returncode == 1 and "agg_mystery_ins" in p.stderr, p.stderr
        got = counts(s)
        assert got["problems"] == 600 and got["clues"] == 0 and got["rect_tasks"] == 0, got
        assert "agg_mystery_ins" in agg_triggers(s)
        assert s.sql("SELECT count(*) FROM agg_mystery")[0][0] == 0


@test
def bench_seed_follows_triggers_on_the_aggregates():
    """A rollup is kept by triggers on an aggregate table: the bulk path drops
    and rebuilds those too (transitively). One it does not know stops the step."""
    if PG:  # SQLite's triggers and sqlite_master; PostgreSQL keeps its triggers
        return
    s = Server()
    with s:
        s.sql_write("CREATE TABLE agg_mystery (n INTEGER)")
        s.sql_write("CREATE TRIGGER agg_mystery_roll AFTER INSERT ON agg_clues BEGIN "
                    "INSERT INTO agg_mystery VALUES (1); END")
        p = run_cli("bench-seed", *SMALL, db=s.db, check=False)
        assert p.returncode == 1 and "agg_mystery_roll" in p.stderr, p.stderr
        got = counts(s)
        assert got["problems"] == 600 and got["clues"] == 0, got
        assert s.sql("SELECT count(*) FROM agg_mystery")[0][0] == 0
