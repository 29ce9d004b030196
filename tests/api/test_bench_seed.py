"""The benchmark generator (issue 15): `xunji bench-seed` at a tiny size fills a
demo database with records the API reads as its own: the office lists every
problem, the scope columns agree with the targets, clue allegations open with
the installation's key for the commission, the four forms agree with the
outcome table, the audit chain verifies and every batch left an audit entry.
No timing here: the measurements live in bench/ (make bench)."""
from lib import Server, expect, run_cli, test


@test
def bench_seed_small_is_consistent():
    s = Server()
    with s:
        p = run_cli("bench-seed", "--problems", "2000", "--clues", "200", "--tasks", "400",
                    "--accountability", "600", "--targets", "100", "--rounds", "5",
                    "--batch", "500", db=s.db)
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
        # one audit entry per batch, and the chain verifies
        # problems: 2000 rows + 2000 report_problems rows in batches of 500
        assert s.sql("SELECT count(*) FROM audit WHERE action='bench.seed' AND object_kind='problems'")[0][0] == 8
        assert s.sql("SELECT count(*) FROM audit WHERE action='bench.seed' AND object_kind='clues'")[0][0] == 1
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
