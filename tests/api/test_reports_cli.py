"""`xunji stats`, `xunji export`, `xunji import` (issue 6): the same figures,
ledgers, letters and imports from the shell, with --help, exit codes and
audit entries under the shell user."""
import json
import os
import subprocess

import xlsxio
from lib import Server, expect, run_cli, test, today_shanghai


@test
def stats_export_import_from_the_shell():
    for sub in ("stats", "export", "import"):
        p = run_cli(sub, "--help")
        assert p.returncode == 0 and "用法" in p.stdout and "退出码" in p.stdout, sub
    assert "stats" in run_cli("--help").stdout
    s = Server()
    s.cleanup = False
    with s:
        office, m1, l1 = s.client("office"), s.client("member1"), s.client("leader1")
        cid = expect(m1.post("/api/v1/clues", {
            "target_id": s.ids["targets"]["u1"], "title": "公款私存", "subject_name": "王某某", "source": "records",
            "discovered_on": today_shanghai(), "allegation": "反映内容反映内容"}), 201).json["id"]
        expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
        doc = expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 201).json
        api = {m["name"]: m for m in expect(office.get("/api/v1/stats"), 200).json["measures"]}

    # stats: the same numbers as the API
    out = json.loads(run_cli("stats", "--json", db=s.db).stdout)
    cli = {m["name"]: m for m in out["measures"]}
    for name in ("clues_handed_over", "clues_during_patrol", "days_discovery_to_handover", "commission_cadres"):
        assert cli[name]["value"] == api[name]["value"], name
    table = run_cli("stats", db=s.db).stdout
    assert "clues_during_patrol" in table and "边巡边交" in table
    one = run_cli("stats", "--measure", "clues_handed_over", "--unit", s.ids["orgs"]["u2"], db=s.db).stdout
    assert one.split()[1] == "0"
    recs = json.loads(run_cli("stats", "--measure", "clues_handed_over", "--records", db=s.db).stdout)
    assert [r["id"] for r in recs["items"]] == [cid]
    assert run_cli("stats", "--measure", "nope", db=s.db, check=False).returncode == 2
    assert run_cli("stats", "--from", "2026-13-01", db=s.db, check=False).returncode == 2
    assert run_cli("stats", "--records", db=s.db, check=False).returncode == 2
    assert run_cli("stats", "--db", "/nonexistent/x.db", check=False).returncode == 3

    # export: a ledger and a letter
    xl = os.path.join(s.dir, "clues.xlsx")
    p = run_cli("export", "ledger", "clues", "--out", xl, db=s.db)
    assert "1 行" in p.stdout
    with open(xl, "rb") as f:
        sheet = xlsxio.read(f.read())
    assert [r["移交文号"] for r in sheet.records()] == [doc["docno"]]
    assert os.stat(xl).st_mode & 0o077 == 0
    pdf = os.path.join(s.dir, "l.pdf")
    run_cli("export", "letter", doc["docno"], "--out", pdf, db=s.db)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert doc["docno"] in text
    assert run_cli("export", "ledger", "nope", "--out", xl, db=s.db, check=False).returncode == 2
    assert run_cli("export", "letter", "枣巡移〔1999〕9号", "--out", pdf, db=s.db, check=False).returncode == 1
    assert run_cli("export", "ledger", "clues", db=s.db, check=False).returncode == 2

    # import: targets of a new team from .xlsx; a bad row names its number and imports nothing
    with s:
        office = s.client("office")
        rid = expect(office.post("/api/v1/rounds", {"name": "八届市委第九轮巡察", "term": "八届", "seq": 9,
                                                     "kind": "special", "theme": "专项巡察"}), 201).json["id"]
        tid = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201).json["id"]
    bad = os.path.join(s.dir, "bad.xlsx")
    with open(bad, "wb") as f:
        f.write(xlsxio.write([["被巡察单位"], ["枣阳市民政局"], ["查无此单位"]]))
    p = run_cli("import", "targets", "--team", tid, bad, db=s.db, check=False)
    assert p.returncode == 1 and "第 3 行" in p.stderr
    good = os.path.join(s.dir, "good.csv")
    with open(good, "w", encoding="utf-8") as f:
        f.write("\ufeff被巡察单位\n枣阳市民政局\n枣阳市财政局\n")
    p = run_cli("import", "targets", "--team", tid, good, "--entry-date", today_shanghai(), db=s.db)
    assert "已导入 2 行" in p.stdout
    assert run_cli("import", "targets", good, db=s.db, check=False).returncode == 2
    assert run_cli("import", "persons", "/nonexistent.xlsx", db=s.db, check=False).returncode == 3
    ppl = os.path.join(s.dir, "p.xlsx")
    with open(ppl, "wb") as f:
        f.write(xlsxio.write([["姓名", "单位", "党员"], ["郑三", "枣阳市财政局", "是"]]))
    assert "已导入 1 行" in run_cli("import", "persons", ppl, db=s.db).stdout
    # all audited under the shell user, and the chain still verifies
    acts = {r[0] for r in s.sql("SELECT action FROM audit WHERE actor_login LIKE 'cli:%'")}
    assert {"ledger.export", "document.download", "target.create", "person.import"} <= acts
    assert run_cli("audit", "verify", db=s.db).returncode == 0
    import shutil
    shutil.rmtree(s.dir)
