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


@test
def import_errors_are_the_services_result_from_the_shell_and_the_api():
    """`xunji import` calls the import services the API's handlers call (no
    fake request, no base64): a bad file gives the same Chinese message, and
    the shell shows its code and field, the rows, and exits 1; nothing is
    written. Audited as the host operator: login cli:<user>, roles "cli"."""
    s = Server()
    s.cleanup = False
    with s:
        office = s.client("office")
        rid = expect(office.post("/api/v1/rounds", {"name": "八届市委第十轮巡察", "term": "八届", "seq": 10,
                                                     "kind": "special", "theme": "专项巡察"}), 201).json["id"]
        tid = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201).json["id"]
        sheet = [["姓名", "单位", "党员"], ["郑一", "枣阳市财政局", "是"], ["郑二", "枣阳市财政局", "也许"]]
        import base64
        api_err = expect(office.post("/api/v1/persons/import", {
            "xlsx": base64.b64encode(xlsxio.write(sheet)).decode()}), 400, "invalid_rows").json["error"]
        before = s.sql("SELECT count(*) FROM persons")[0][0]
    bad = os.path.join(s.dir, "bad-persons.xlsx")
    with open(bad, "wb") as f:
        f.write(xlsxio.write(sheet))
    p = run_cli("import", "persons", bad, db=s.db, check=False)
    assert p.returncode == 1, p.stderr
    first = p.stderr.splitlines()[0]
    assert first == f"xunji: {api_err['message']} [invalid_rows, 字段 csv]", (first, api_err)
    assert "第 3 行: 「党员」应为 是 或 否" in p.stderr and api_err["rows"][0]["row"] == 3
    assert s.sql("SELECT count(*) FROM persons")[0][0] == before
    # an unreadable sheet names the xlsx field; a bad date its own field (the field table of the service)
    broken = os.path.join(s.dir, "broken.xlsx")
    with open(broken, "wb") as f:
        f.write(b"PK\x03\x04 not really a workbook")
    p = run_cli("import", "persons", broken, db=s.db, check=False)
    assert p.returncode == 1 and "无法读取 .xlsx" in p.stderr and "[invalid_file, 字段 xlsx]" in p.stderr, p.stderr
    good = os.path.join(s.dir, "targets.csv")
    with open(good, "w", encoding="utf-8") as f:
        f.write("被巡察单位\n枣阳市民政局\n查无此单位\n")
    p = run_cli("import", "targets", "--team", tid, good, "--entry-date", "2026-02-30", db=s.db, check=False)
    assert p.returncode == 1 and "进驻日期" in p.stderr and "字段 entry_date" in p.stderr, p.stderr
    p = run_cli("import", "targets", "--team", tid, good, db=s.db, check=False)
    assert p.returncode == 1 and "第 3 行" in p.stderr and "尚未登记的单位: 查无此单位" in p.stderr, p.stderr
    assert s.sql("SELECT count(*) FROM targets WHERE team_id=?", (tid,))[0][0] == 0
    # a good import is audited as the shell's operator, with a request id of the process
    with open(good, "w", encoding="utf-8") as f:
        f.write("被巡察单位\n枣阳市民政局\n")
    assert "已导入 1 行" in run_cli("import", "targets", "--team", tid, good, db=s.db).stdout
    rows = s.sql("SELECT actor_id, actor_login, role, request_id FROM audit WHERE action='target.create' "
                 "AND object_id IN (SELECT id FROM targets WHERE team_id=?)", (tid,))
    assert len(rows) == 1 and rows[0][0] is None and rows[0][1].startswith("cli:"), rows
    assert rows[0][2] == "cli" and rows[0][3].startswith("cli-"), rows
    assert run_cli("audit", "verify", db=s.db).returncode == 0
    import shutil
    shutil.rmtree(s.dir)
