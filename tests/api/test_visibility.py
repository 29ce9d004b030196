"""Visibility (issue 11, items 5-7): whatever shows records or their fields
applies the same rule as the record's own GET.

- Statistics drill-downs and ledgers list exactly the records the user's GET
  shows, and each figure equals the count of its drill-down: for the
  commission liaison before and after the copy, the dispatched group, the
  unit liaison and a member of another team.
- A record's history shows only what the record shows (per role).
- 三员 reach no business data: the cadre-pool profile, and the audit log's
  details hold ids, field names and codes only."""
import json
import re

import xlsxio
from lib import Server, expect, test, today_shanghai, days_from_today
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": "01940000-0000-7000-8000-040300000000",
            "title": "公款私存", "description": "单位会计将人防易地建设费存入个人账户",
            "amount": "1234.56", "people": "会计 刘某某", "found_by": "records",
            "found_on": today_shanghai(), "inaction": False}
    body.update(kw)
    return c.post("/api/v1/problems", body)


def report_and_feed_back(s, target, leader, member, lg, office, copy=True):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告正文: 发现问题若干"}), 201).json
    expect(leader.post(f"/api/v1/reports/{rep['id']}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep['id']}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                       {"meeting_date": today_shanghai(), "attendees": 300, "feedback_text": "反馈意见: 请立即整改"}), 200)
    if copy:
        expect(office.post(f"/api/v1/reports/{rep['id']}/copy"), 200)
    return rep["id"]

# measure -> the record route its drill-down rows are read back through
MEASURES = {"problems_found": "/api/v1/problems", "problems_rectified": "/api/v1/problems",
            "problems_immediate_fix": "/api/v1/problems", "rect_tasks_total": "/api/v1/rect-tasks",
            "rect_tasks_overdue": "/api/v1/rect-tasks", "notices_open": "/api/v1/notices"}
LEDGERS = {"problems": ("problems_found", "问题编号", "seq_no"),
           "rectification": ("rect_tasks_total", "整改措施 (任务清单)", "measure")}


def listed(c, path):
    r = c.get(path + "?per_page=200")
    if r.status == 403:
        return set()
    return {i["id"] for i in expect(r, 200).json["items"] if i["state"] != "draft"}


def consistent(c):
    """Every figure equals its drill-down; every drill-down row is readable by
    the same user's GET; the drill-down of the whole record set equals the
    user's own list; the ledgers hold the drill-down's rows. Returns
    {measure: set of ids} (empty when the user has no statistics)."""
    out = {m: set() for m in MEASURES}
    st = c.get("/api/v1/stats")
    if st.status == 403:
        for m in MEASURES:
            expect(c.get(f"/api/v1/stats/{m}/records"), 403)
        for name in LEDGERS:
            expect(c.get(f"/api/v1/ledgers/{name}"), 403)
        return out
    figures = {m["name"]: m for m in expect(st, 200).json["measures"]}
    drills = {}
    for m, path in MEASURES.items():
        r = c.get(f"/api/v1/stats/{m}/records?per_page=200")
        if m not in figures:
            assert r.status == 403, (c.login_name, m, r.status)
            continue
        d = expect(r, 200).json
        assert d["total"] == figures[m]["value"] == len(d["items"]), (c.login_name, m, d["total"], figures[m])
        for it in d["items"]:
            got = expect(c.get(f"{path}/{it['id']}"), 200).json
            for k in it:  # no field the GET withholds
                if k not in ("unit_name", "team_name", "round_name", "days"):
                    assert k in got or k == "amount_fen", (c.login_name, m, k)
        out[m] = {i["id"] for i in d["items"]}
        drills[m] = d["items"]
    if "problems_found" in drills:
        assert out["problems_found"] == listed(c, "/api/v1/problems"), c.login_name
    if "rect_tasks_total" in drills:
        assert out["rect_tasks_total"] == listed(c, "/api/v1/rect-tasks"), c.login_name
    for name, (m, col, key) in LEDGERS.items():
        r = c.get(f"/api/v1/ledgers/{name}")
        if m not in drills:
            assert r.status == 403, (c.login_name, name)
            continue
        recs = xlsxio.read(expect(r, 200).raw).records()
        assert len(recs) == len(drills[m]), (c.login_name, name)
        assert sorted(x[col] for x in recs) == sorted(i[key] for i in drills[m]), (c.login_name, name)
        if name == "problems":  # working papers only where the GET shows them
            for x, i in zip(sorted(recs, key=lambda x: x[col]), sorted(drills[m], key=lambda i: i[key])):
                assert (x["发现日期"] is None) == ("found_on" not in i), (c.login_name, x, i)
    return out


def scenario(s):
    """p1 fed back to unit u1 (not copied) with a task; p3 confirmed on u2
    (no report); pm2 confirmed by team 2 on u3."""
    tg = s.ids["targets"]
    member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
    member2, unit1 = s.client("member2"), s.client("unit1")
    p1 = expect(problem(member1, tg["u1"], title="人防易地建设费公款私存", immediate_fix=True), 201).json["id"]
    expect(member1.upload(f"/api/v1/problems/{p1}/files", "银行流水.pdf", PDF, "application/pdf"), 201)
    expect(leader1.post(f"/api/v1/problems/{p1}/confirm"), 200)
    p3 = expect(problem(member1, tg["u2"], title="扶贫资金未及时拨付"), 201).json["id"]
    expect(leader1.post(f"/api/v1/problems/{p3}/confirm"), 200)
    pm2 = expect(problem(member2, tg["u3"], title="教育经费挤占"), 201).json["id"]
    # team 2 has no leader account in the demo: pm2 stays a draft, counted by no one
    rep = report_and_feed_back(s, tg["u1"], leader1, member1, lg, office, copy=False)
    t1 = expect(unit1.post("/api/v1/rect-tasks", {"problem_id": p1, "measure": "追回资金并建立台账",
                                                  "owner_name": "王某", "owner_post": "财务科长",
                                                  "deadline": days_from_today(30)}), 201).json["id"]
    return dict(p1=p1, p3=p3, pm2=pm2, rep=rep, t1=t1, office=office, unit1=unit1, member1=member1)


@test
def drill_downs_and_ledgers_follow_the_records_get():
    with Server() as s:
        x = scenario(s)
        p1, p3, t1 = x["p1"], x["p3"], x["t1"]
        liaison, dispatched1, unit1, member2 = (s.client("liaison"), s.client("dispatched1"),
                                                x["unit1"], s.client("member2"))
        office = x["office"]

        # the office sees all: the control
        seen = consistent(office)
        assert seen["problems_found"] == {p1, p3} and seen["rect_tasks_total"] == {t1}

        # the report was never copied: the commission sees none of it
        seen = consistent(liaison)
        assert not seen["problems_found"] and not seen["rect_tasks_total"]
        expect(liaison.get(f"/api/v1/problems/{p1}"), 404)

        # the dispatched group: the fed-back problem, not the confirmed one
        seen = consistent(dispatched1)
        assert seen["problems_found"] == {p1} and seen["rect_tasks_total"] == {t1}
        expect(dispatched1.get(f"/api/v1/problems/{p3}"), 404)
        # the target's rectification lists hold the same records
        tgt = s.ids["targets"]["u1"]
        rv = expect(dispatched1.get(f"/api/v1/targets/{tgt}/rectification"), 200).json
        assert {i["id"] for i in rv["problem_list"]} == {p1} and {i["id"] for i in rv["task_list"]} == {t1}
        assert liaison.get(f"/api/v1/targets/{tgt}/rectification").status in (403, 404)
        row = expect(dispatched1.get("/api/v1/stats/problems_found/records"), 200).json["items"][0]
        assert "found_on" not in row and row["title"] == "人防易地建设费公款私存"

        # the unit: no statistics at all; its GET shows the fed-back problem only
        consistent(unit1)
        expect(unit1.get(f"/api/v1/problems/{p3}"), 404)
        expect(unit1.get(f"/api/v1/problems/{p1}"), 200)

        # another team: nothing of team 1
        seen = consistent(member2)
        assert not seen["problems_found"] and not seen["rect_tasks_total"]

        # after the copy the commission sees exactly the copied problem and its task
        expect(office.post(f"/api/v1/reports/{x['rep']}/copy"), 200)
        seen = consistent(liaison)
        assert seen["problems_found"] == {p1} and seen["rect_tasks_total"] == {t1}
        expect(liaison.get(f"/api/v1/problems/{p3}"), 404)
        consistent(dispatched1)
        consistent(member2)



PAPERS = {"people", "found_by", "found_on", "files", "created_by", "petition_id", "file_count"}


@test
def history_shows_only_what_the_record_shows():
    with Server() as s:
        x = scenario(s)
        p1, unit1, member1 = x["p1"], x["unit1"], x["member1"]
        sm3 = s.sql("SELECT sm3 FROM files WHERE owner_id=?", (p1,))[0][0]
        expect(member1.patch(f"/api/v1/problems/{x['p3']}", {"title": "x"}), 409)  # confirmed: no edit

        # the team sees every step with its fields, in Chinese
        mine = expect(member1.get(f"/api/v1/problems/{p1}/history"), 200).json["items"]
        assert [h["action"] for h in mine][:3] == ["problem.create", "file.upload", "problem.confirm"]
        fields = {c["field"] for h in mine for c in h["changes"]}
        assert {"people", "found_by", "files", "title", "state"} <= fields
        conf = mine[2]["changes"][0]
        assert conf["field"] == "state" and conf["label"] == "状态" and conf["new"] == "confirmed"
        assert conf["old_text"] == "草稿" or conf["old_text"], conf
        assert conf["new_text"] == "已确认", conf
        fb = next(c for c in mine[0]["changes"] if c["field"] == "found_by")
        assert fb["label"] == "发现方式" and fb["new_text"] == "调阅资料"
        assert mine[2]["detail"]["to"] == "confirmed"  # the former shape stays
        assert sm3 in json.dumps(mine)

        # the unit: the fed-back problem's history without the working papers
        got = expect(unit1.get(f"/api/v1/problems/{p1}"), 200).json
        assert not PAPERS & set(got)
        r = expect(unit1.get(f"/api/v1/problems/{p1}/history"), 200)
        items = r.json["items"]
        assert items and all(h["action"] != "file.upload" for h in items)
        for h in items:
            assert not PAPERS & {c["field"] for c in h["changes"]}, h
            assert not PAPERS & set(h["detail"]), h
        text = r.raw.decode("utf-8")
        for secret in ("刘某某", "银行流水", sm3, "records", "member1"):
            assert secret not in text, secret
        assert any(c["field"] == "title" for h in items for c in h["changes"])
        assert any(h["action"] == "report.feedback" or h["action"] == "problem.feed_back" or
                   any(c["field"] == "state" and c["new"] == "fed_back" for c in h["changes"]) for h in items)

        # the commission before the copy, another team: no history at all
        expect(s.client("liaison").get(f"/api/v1/problems/{p1}/history"), 404)
        expect(s.client("member2").get(f"/api/v1/problems/{p1}/history"), 404)
        # a task's history for the unit that wrote it
        th = expect(unit1.get(f"/api/v1/rect-tasks/{x['t1']}/history"), 200).json["items"]
        assert th[0]["action"] == "rect_task.create"
        assert any(c["field"] == "measure" and c["label"] == "整改措施" for c in th[0]["changes"]), th[0]


@test
def three_administrators_reach_no_business_data():
    with Server() as s:
        office, cadre, sysadmin = s.client("office"), s.client("cadre"), s.client("sysadmin")
        pid = expect(office.post("/api/v1/persons", {"name": "李某某", "org_id": s.ids["orgs"]["u1"]}), 201).json["id"]
        expect(office.post(f"/api/v1/persons/{pid}/relatives",
                           {"name": "王某某", "relation": "配偶", "post": "会计"}), 201)
        # the directory stays the system administrator's; the pool's content does not
        expect(sysadmin.get(f"/api/v1/persons/{pid}"), 200)
        for sub in ("profile", "relatives", "work-history", "trainings"):
            expect(sysadmin.get(f"/api/v1/persons/{pid}/{sub}"), 403)
            expect(s.client("auditadmin").get(f"/api/v1/persons/{pid}/{sub}"), 403)
        p = expect(office.get(f"/api/v1/persons/{pid}/profile"), 200).json
        assert p["relatives"][0]["name"] == "王某某" and "vettings" in p
        assert expect(cadre.get(f"/api/v1/persons/{pid}/profile"), 200).json["relatives"]


CJK = re.compile(r"[\u0080-\U0010ffff]")


@test
def audit_details_hold_ids_field_names_and_codes_only():
    with Server() as s:
        x = scenario(s)
        tg = s.ids["targets"]
        member1, leader1, office = x["member1"], s.client("leader1"), x["office"]
        # a clue with a named subject, handed over; a reopened problem with a reason
        c = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "违规发放津补贴线索",
                                                  "subject_name": "张某某", "subject_post": "主任",
                                                  "source": "records", "discovered_on": today_shanghai(),
                                                  "allegation": "CANARY 违规发放津补贴 3.2 万元"}), 201).json["id"]
        expect(member1.patch(f"/api/v1/clues/{c}", {"title": "违规发放津补贴线索 (补充)"}), 200)
        # the clue's history: its change log, the sealed allegation never in it
        ch = expect(member1.get(f"/api/v1/clues/{c}/history"), 200)
        items = ch.json["items"]
        assert [h["action"] for h in items] == ["clue.create", "clue.update"]
        assert any(x["field"] == "subject_name" and x["new"] == "张某某" for x in items[0]["changes"])
        upd = {x["field"]: x for x in items[1]["changes"]}
        assert upd["title"]["old"] == "违规发放津补贴线索" and upd["title"]["new"].endswith("(补充)")
        assert "CANARY" not in ch.raw.decode("utf-8")
        expect(office.post(f"/api/v1/reports/{x['rep']}/copy"), 200)
        # denied attempts are audited too
        expect(s.client("member2").get(f"/api/v1/problems/{x['p1']}"), 404)
        rows = s.sql("SELECT action, detail FROM audit WHERE detail IS NOT NULL")
        assert len(rows) > 10
        for action, detail in rows:
            d = json.loads(detail)
            assert not CJK.search(detail), (action, detail)  # no titles, names, reasons, texts
            for bad in ("1234.56", "123456", "CANARY", "刘某某", "张某某"):
                assert bad not in detail, (action, detail)
            assert isinstance(d, dict)
        # the field names stay: an edit says what it touched
        upd = [json.loads(d) for a, d in rows if a == "problem.create"]
        assert upd and all({"title", "people"} <= set(u["fields"]) for u in upd), upd
        # and the audit administrator reads the same through the API
        au = expect(s.client("auditadmin").get("/api/v1/audit?per_page=200"), 200).raw.decode("utf-8")
        for bad in ("刘某某", "张某某", "人防易地建设费公款私存", "巡察报告正文"):
            assert bad not in au, bad
