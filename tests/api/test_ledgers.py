"""Ledgers (台账) in and out of .xlsx (issue 6). Exports are read back with an
independent reader (tests/api/xlsxio.py) and compared with the records and
with the statistics they share their rows with; imports of targets and of the
cadre pool report a bad row by its number and import nothing then."""
import base64
import datetime

import xlsxio
from lib import Server, expect, test, today_shanghai, days_from_today


def lit(v):
    """A value as an SQL literal (the statements go to sqlite3 or psql as text)."""
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def handed_clue(s, unit, title, discovered):
    m1, l1, office = s.client("member1"), s.client("leader1"), s.client("office")
    cid = expect(m1.post("/api/v1/clues", {
        "target_id": s.ids["targets"][unit], "title": title, "subject_name": "李某", "subject_post": "出纳",
        "source": "interview", "discovered_on": discovered, "allegation": "反映的问题内容"}), 201).json["id"]
    expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
    return cid, expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200).json


@test
def clue_handover_ledger_reads_back():
    with Server() as s:
        office, case = s.client("office"), s.client("casemgmt")
        a, ha = handed_clue(s, "u1", "违规发放津补贴", days_from_today(-6))
        b, hb = handed_clue(s, "u2", "扶贫资金优亲厚友", days_from_today(-2))
        expect(case.post(f"/api/v1/clues/{a}/register"), 200)
        expect(case.post(f"/api/v1/clues/{a}/dispose", {"method": "talk_inquiry"}), 200)

        r = expect(office.get("/api/v1/ledgers/clues"), 200)
        assert r.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert r.header("Content-Disposition").startswith("attachment;")
        sh = xlsxio.read(r.raw)
        assert sh.title == "问题线索移交台账"
        assert sh.frozen_rows == 1                          # the header stays in view
        head = sh.rows[0]
        assert head[:5] == ["移交文号", "巡察轮次", "巡察组", "被巡察单位", "线索标题"]
        for i, h in enumerate(head):                        # every column at least as wide as its header
            assert sh.widths[i] >= len(h) * 2 - 1, (h, sh.widths[i])
        recs = sh.records()
        stats = {m["name"]: m["value"] for m in expect(office.get("/api/v1/stats"), 200).json["measures"]}
        assert len(recs) == stats["clues_handed_over"] == 2
        ra = next(x for x in recs if x["线索标题"] == "违规发放津补贴")
        assert ra["移交文号"] == ha["handover_docno"] and ra["被巡察单位"] == "枣阳市人民防空办公室"
        assert ra["发现日期"] == datetime.date.fromisoformat(days_from_today(-6))   # a real date cell
        assert ra["移交日期"] == datetime.date.fromisoformat(today_shanghai())
        assert ra["发现至移交(天)"] == 6 and ra["移交方式"] == "巡察期间移交"
        assert ra["处置方式"] == "谈话函询" and ra["状态"] == "处置中" and ra["登记号"]
        rb = next(x for x in recs if x["线索标题"] == "扶贫资金优亲厚友")
        assert rb["登记号"] is None and rb["发现至移交(天)"] == 2

        # the same filters as the statistics; the same scope
        one = xlsxio.read(expect(office.get(f"/api/v1/ledgers/clues?unit_id={s.ids['orgs']['u2']}"), 200).raw)
        assert [x["线索标题"] for x in one.records()] == ["扶贫资金优亲厚友"]
        other = xlsxio.read(expect(s.client("member2").get("/api/v1/ledgers/clues"), 200).raw)
        assert other.records() == [] and other.rows[0] == head
        expect(s.client("dispatched1").get("/api/v1/ledgers/clues"), 403)
        expect(s.client("unit1").get("/api/v1/ledgers/clues"), 403, "forbidden")
        expect(office.get("/api/v1/ledgers/nonesuch"), 404)
        expect(office.get("/api/v1/ledgers/clues?team_id=x"), 400)
        names = [x["name"] for x in expect(office.get("/api/v1/ledgers"), 200).json["items"]]
        assert names == ["clues", "problems", "rectification", "accountability"]
        # every export is audited with its filters and row count
        rows = s.sql("SELECT actor_login, detail FROM audit WHERE action='ledger.export' AND result='ok' ORDER BY seq")
        assert rows[0][0] == "office" and '"rows":2' in rows[0][1]
        assert len(rows) == 3


@test
def problem_ledger_money_and_large_export():
    with Server() as s:
        office = s.client("office")
        user = s.sql("SELECT id FROM users WHERE login='member1'")[0][0]
        t = s.sql("SELECT id, round_id, team_id, unit_id FROM targets WHERE id=?", (s.ids["targets"]["u1"],))[0]
        cat = s.sql("SELECT id FROM problem_categories WHERE code='0403'")[0][0]  # a real row: PostgreSQL checks the key
        n = 3000
        values = []
        for i in range(n):
            values.append("(" + ",".join(lit(v) for v in (
                f"00000000-0000-7000-8000-{i:012d}", f"2026-{i + 1:05d}", t[0], t[1], t[2], t[3], cat,
                f"问题{i}：公款私存“小金库”", "描述", 1238000 + i, "records", today_shanghai(), i % 2,
                "rectified" if i % 3 == 0 else "confirmed", user, "2026-11-01T00:00:00Z",
                "2026-11-01T00:00:00Z")) + ")")
        for k in range(0, n, 250):  # in statements of 250 rows (psql takes its text as an argument)
            s.sql_script("INSERT INTO problems(id,seq_no,target_id,round_id,team_id,unit_id,category_id,title,"
                         "description,amount_fen,found_by,found_on,immediate_fix,state,created_by,created_at,"
                         "updated_at) VALUES " + ",".join(values[k:k + 250]))
        sh = xlsxio.read(expect(office.get("/api/v1/ledgers/problems"), 200).raw)
        recs = sh.records()
        assert len(recs) == n
        first = recs[0]
        assert first["问题编号"] == "2026-00001" and first["问题"] == "问题0：公款私存“小金库”"
        kind, value, fmt = first["涉及金额(元)"]
        assert kind == "money" and value == 12380.00 and fmt == "#,##0.00"
        assert recs[1]["涉及金额(元)"][1] == 12380.01
        assert first["立行立改"] == "否" and recs[1]["立行立改"] == "是"
        assert first["状态"] == "已整改" and recs[1]["状态"] == "已确认"
        assert first["发现日期"] == datetime.date.fromisoformat(today_shanghai())
        total = sum(round(x["涉及金额(元)"][1] * 100) for x in recs)
        assert total == sum(1238000 + i for i in range(n))


def new_round_team(s, seq=6):
    office = s.client("office")
    rid = expect(office.post("/api/v1/rounds", {
        "name": f"八届市委第{seq}轮巡察(脱贫攻坚专项)", "term": "八届", "seq": seq, "kind": "special",
        "campaign": "脱贫攻坚", "theme": "专项巡察", "planned_start": days_from_today(20),
        "planned_end": days_from_today(60)}), 201).json["id"]
    tid = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": s.ids["orgs"]["g3"],
                                               "name": "第三巡察组"}), 201).json["id"]
    return rid, tid


def b64(data):
    return base64.b64encode(data).decode()


@test
def targets_import_from_xlsx_and_csv():
    with Server() as s:
        office = s.client("office")
        rid, tid = new_round_team(s)
        dates = {"entry_date": days_from_today(21), "withdrawal_date": days_from_today(50)}
        sheet = [["序号", "被巡察单位"], [1, "枣阳市民政局"], [], [2, "枣阳市琚湾镇"], [3, "枣阳市不存在局"],
                 [4, "枣阳市吴店镇"]]
        r = expect(office.post(f"/api/v1/teams/{tid}/targets/import", {"xlsx": b64(xlsxio.write(sheet)), **dates}),
                   400, "invalid_rows")
        assert r.json["error"]["rows"] == [{"row": 5, "message": "被巡察单位「枣阳市不存在局」尚未登记: 巡察办可在「组织机构」中新增或批量导入该单位"}]
        # the unknown units are named, with the import that registers them (issue 12)
        assert r.json["error"]["unknown_units"] == ["枣阳市不存在局"]
        assert r.json["error"]["create_with"] == "/api/v1/orgs/import"
        assert "第 5 行" in r.json["error"]["message"]
        assert expect(office.get(f"/api/v1/targets?round_id={rid}"), 200).json["total"] == 0   # nothing half-done
        # a duplicate is caught by the bulk rules and named by its sheet row
        sheet[4] = [3, "枣阳市民政局"]
        r = expect(office.post(f"/api/v1/teams/{tid}/targets/import", {"xlsx": b64(xlsxio.write(sheet))}), 400)
        assert [x["row"] for x in r.json["error"]["rows"]] == [5] and "第 5 行" in r.json["error"]["message"]
        sheet[4] = [3, "枣阳市财政局"]
        r = expect(office.post(f"/api/v1/teams/{tid}/targets/import", {"xlsx": b64(xlsxio.write(sheet)), **dates}),
                   201)
        assert r.json["created"] == 4
        got = expect(office.get(f"/api/v1/targets?round_id={rid}&per_page=50"), 200).json["items"]
        assert len(got) == 4 and all(g["entry_date"] == dates["entry_date"] for g in got)
        # the same from CSV; bad input
        rid2, tid2 = new_round_team(s, 7)
        r = expect(office.post(f"/api/v1/teams/{tid2}/targets/import",
                               {"csv": "被巡察单位\n枣阳市民政局\n枣阳市财政局\n"}), 201)
        assert r.json["created"] == 2
        expect(office.post(f"/api/v1/teams/{tid2}/targets/import", {"csv": "名称\nx\n"}), 400, "invalid_rows")
        expect(office.post(f"/api/v1/teams/{tid2}/targets/import", {"xlsx": "bm90IGEgemlw"}), 400, "invalid_file")
        expect(office.post(f"/api/v1/teams/{tid2}/targets/import", {"xlsx": "%%%"}), 400, "invalid_field")
        expect(office.post(f"/api/v1/teams/{tid2}/targets/import", {"xlsx": "", "csv": "a"}), 400)
        expect(s.client("member1").post(f"/api/v1/teams/{tid2}/targets/import", {"csv": "被巡察单位\n"}), 403)


@test
def cadre_pool_import_from_xlsx():
    with Server() as s:
        office = s.client("office")
        sheet = [["姓名", "单位", "职务", "党员", "专长"],
                 ["周一", "中共枣阳市委组织部", "科员", "是", None],
                 ["吴二", "枣阳市财政局", "会计", "也许", None]]
        r = expect(office.post("/api/v1/persons/import", {"xlsx": b64(xlsxio.write(sheet))}), 400, "invalid_rows")
        assert [x["row"] for x in r.json["error"]["rows"]] == [3]
        assert expect(office.get("/api/v1/persons?q=" + "%E5%91%A8%E4%B8%80"), 200).json["total"] == 0
        sheet[2][3] = "否"
        r = expect(office.post("/api/v1/persons/import", {"xlsx": b64(xlsxio.write(sheet))}), 201)
        assert r.json["imported"] == 2
        names = {p["name"] for p in expect(office.get("/api/v1/persons?per_page=200"), 200).json["items"]}
        assert {"周一", "吴二"} <= names
