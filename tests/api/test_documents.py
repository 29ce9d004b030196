"""Formal letters as PDF (issue 6): a 问题线索移交函 from a handed-over clue and
a 廉政审核函 from a round's vetting request, in the GB/T 9704 letter layout
with the CJK font embedded. Read back with pdftotext / pdffonts and compared
with the records; issuing assigns the 文号 of the series and is audited, and
only those who may read the record may read its letter."""
import datetime
import os
import re
import subprocess
import tempfile

from lib import Server, expect, test, today_shanghai, days_from_today

CANARY = "CANARY-LETTER-91c2"


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return text, fonts, info


def flat(text):
    return re.sub(r"\s+", "", text)


@test
def handover_letter_from_a_clue():
    with Server() as s:
        office, m1, l1 = s.client("office"), s.client("member1"), s.client("leader1")
        case, lg = s.client("casemgmt"), s.client("lg")
        r = expect(m1.post("/api/v1/clues", {
            "target_id": s.ids["targets"]["u1"], "title": "会计公款私存", "subject_name": "王某某",
            "subject_post": "会计", "source": "records", "discovered_on": days_from_today(-3),
            "allegation": "反映该单位会计公款私存。" + CANARY}), 201)
        cid = r.json["id"]
        expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
        # not before the hand-over
        expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 409, "not_ready")
        ho = expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200).json
        # only the office issues; bad input is refused
        expect(m1.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 403, "forbidden")
        expect(office.post("/api/v1/documents", {"kind": "memo", "object_id": cid}), 400, "invalid_field")
        expect(office.post("/api/v1/documents", {"kind": "clue_handover"}), 400, "missing_field")
        expect(office.post("/api/v1/documents", {"kind": "clue_handover",
                                                 "object_id": "01a21175-ef21-7723-bf82-ceba00a78ce5"}), 404)

        d = expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 201).json
        assert d["docno"] == ho["handover_docno"]           # the 文号 given at hand-over
        assert d["kind_label"] == "问题线索移交函" and d["recipient"] == "枣阳市纪委监委"
        assert d["title"] == "关于移交枣阳市人民防空办公室会计王某某问题线索的函"
        expect(office.post("/api/v1/documents", {"kind": "clue_handover", "object_id": cid}), 409, "already_issued")

        r = expect(case.get(f"/api/v1/documents/{d['id']}/pdf"), 200)
        assert r.header("Content-Type") == "application/pdf"
        cd = r.header("Content-Disposition")
        assert cd.startswith("attachment;") and "filename*=UTF-8''" in cd
        assert r.raw[:5] == b"%PDF-"
        text, fonts, info = pdf_text(r.raw)
        t = flat(text)
        for want in ("市委巡察工作领导小组办公室", ho["handover_docno"], "关于移交枣阳市人民防空办公室会计王某某问题线索的函",
                     "枣阳市纪委监委：", "第一巡察组", "巡察期间移交（边巡边交）", "八届市委第五轮巡察"):
            assert flat(want) in t, (want, text)
        y, m, dd = today_shanghai().split("-")
        assert f"{y}年{int(m)}月{int(dd)}日" in t
        disc = days_from_today(-3).split("-")
        assert f"于{disc[0]}年{int(disc[1])}月{int(disc[2])}日发现" in t
        assert CANARY not in text                         # the sealed allegation never enters a letter
        assert "WenQuanYi" in fonts and re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes", fonts), fonts
        assert re.search(r"Pages:\s+1\n", info) and "(A4)" in info, info  # A4, one page
        # the stored letter is exactly what was issued; the canary is nowhere in clear
        assert CANARY.encode() not in s.raw_dump()  # the database file and its WAL, or pg_dump
        got = expect(lg.get(f"/api/v1/documents/{d['id']}"), 200).json
        assert got["content"]["docno"] == d["docno"] and got["content"]["to"] == "枣阳市纪委监委"

        # issue and every download are audited
        acts = s.sql("SELECT action, actor_login FROM audit WHERE object_id=? ORDER BY seq", (d["id"],))
        assert acts[0] == ("document.issue", "office") and ("document.download", "casemgmt") in acts

        # who reads letters: not the team, not the unit; the list filters by kind and record
        expect(m1.get(f"/api/v1/documents/{d['id']}/pdf"), 403, "forbidden")
        expect(s.client("unit1").get(f"/api/v1/documents/{d['id']}"), 404, "not_found")
        lst = expect(case.get(f"/api/v1/documents?object_id={cid}"), 200).json
        assert lst["total"] == 1 and lst["items"][0]["docno"] == d["docno"]
        expect(case.get("/api/v1/documents?kind=memo"), 400)


def person(office, name, org):
    return expect(office.post("/api/v1/persons", {"name": name, "post": "科员", "org_id": org}), 201).json["id"]


@test
def vetting_letter_numbers_its_series():
    with Server() as s:
        o = s.ids["orgs"]
        office, cadre, case = s.client("office"), s.client("cadre"), s.client("casemgmt")
        year = today_shanghai()[:4]
        rounds = []
        for seq in (6, 7):
            rid = expect(office.post("/api/v1/rounds", {
                "name": f"八届市委第{'六七'[seq - 6]}轮巡察", "term": "八届", "seq": seq, "kind": "regular",
                "theme": "政治巡察", "planned_start": days_from_today(20), "planned_end": days_from_today(60)}),
                201).json["id"]
            tid = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": o["g2"], "name": "第二巡察组"}),
                         201).json["id"]
            pid = person(office, f"赵{'六七'[seq - 6]}", o["orgdept"])
            expect(office.post(f"/api/v1/teams/{tid}/members", {"person_id": pid, "role": "leader",
                                                                 "origin": "seconded",
                                                                 "source_unit_id": o["orgdept"]}), 201)
            rounds.append(rid)
        r = expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rounds[0]}), 409,
                   "not_ready")
        assert "廉政审核" in r.json["error"]["message"]
        docs = []
        for rid in rounds:
            expect(office.post(f"/api/v1/rounds/{rid}/vetting", {}), 200)
            docs.append(expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rid}),
                               201).json)
        assert [d["docno"] for d in docs] == [f"枣巡审〔{year}〕1号", f"枣巡审〔{year}〕2号"]
        text, _, _ = pdf_text(expect(cadre.get(f"/api/v1/documents/{docs[0]['id']}/pdf"), 200).raw)
        t = flat(text)
        assert "关于商请对八届市委第六轮巡察巡察干部进行廉政审核的函" in t
        assert f"枣巡审〔{year}〕1号" in t and "拟抽调以下1名同志" in t
        assert "1.赵六（中共枣阳市委组织部，科员），拟任第二巡察组组长" in t, text
        assert "赵七" not in t
        # 案管室 reads hand-over letters, not vetting letters (it cannot list vettings)
        expect(case.get(f"/api/v1/documents/{docs[0]['id']}"), 404)
        assert expect(case.get("/api/v1/documents"), 200).json["total"] == 0
        assert expect(cadre.get("/api/v1/documents?kind=vetting_request"), 200).json["total"] == 2


# ---- 提请协助函, 反馈意见抄送函, 整改督办通知 ------------------------------------------------

def cat(code):
    return "01940000-0000-7000-8000-" + code.ljust(12, "0")


def problem(member, leader, target, **kw):
    body = {"target_id": target, "category_id": cat("0403"), "title": "公款私存",
            "description": "单位将公款存入会计个人账户", "amount": "386000.05", "found_by": "records",
            "found_on": today_shanghai()}
    body.update(kw)
    pid = expect(member.post("/api/v1/problems", body), 201).json["id"]
    expect(leader.post(f"/api/v1/problems/{pid}/confirm"), 200)
    return pid


def date_cn(iso):
    """A date, or one of our UTC timestamps as its Shanghai calendar day, in Chinese."""
    if len(iso) > 10:
        t = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S") + datetime.timedelta(hours=8)
        iso = t.date().isoformat()
    y, m, d = iso[:10].split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def issue(office, kind, oid, status=201, code=None):
    return expect(office.post("/api/v1/documents", {"kind": kind, "object_id": oid}), status, code).json


def letter_text(client, doc):
    r = expect(client.get(f"/api/v1/documents/{doc['id']}/pdf"), 200)
    assert r.header("Content-Type") == "application/pdf" and r.raw[:5] == b"%PDF-"
    text, fonts, info = pdf_text(r.raw)
    if os.environ.get("XUNJI_SHOW_LETTERS"):
        print(text)
    assert "WenQuanYi" in fonts and re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes", fonts), fonts
    assert "(A4)" in info, info
    return flat(text)


@test
def assistance_letter_once_approved():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        liaison, unit1 = s.client("liaison"), s.client("unit1")
        year = today_shanghai()[:4]
        pid = problem(member1, leader1, tg["u1"])
        body = {"target_id": tg["u1"], "need": "查询该单位会计刘某个人银行账户2018年以来的流水",
                "reason": "发现公款私存线索, 需固定资金去向", "problem_id": pid}
        a = expect(member1.post("/api/v1/assistance", body), 201).json
        r = issue(office, "assistance_request", a["id"], 409, "not_ready")
        assert "尚未经领导小组批准" in r["error"]["message"] and "草稿" in r["error"]["message"]
        expect(leader1.post(f"/api/v1/assistance/{a['id']}/submit"), 200)
        r = issue(office, "assistance_request", a["id"], 409, "not_ready")
        assert "已提请" in r["error"]["message"]
        ap = expect(lg.post(f"/api/v1/assistance/{a['id']}/approve", {"note": "同意提请"}), 200).json
        # a rejected request never gets a letter
        b = expect(member1.post("/api/v1/assistance", dict(body, need="调取工程审计资料")), 201).json
        expect(leader1.post(f"/api/v1/assistance/{b['id']}/submit"), 200)
        expect(lg.post(f"/api/v1/assistance/{b['id']}/reject", {"reason": "巡察组可自行调取"}), 200)
        assert "未批准" in issue(office, "assistance_request", b["id"], 409, "not_ready")["error"]["message"]

        expect(member1.post("/api/v1/documents", {"kind": "assistance_request", "object_id": a["id"]}), 403)
        d = issue(office, "assistance_request", a["id"])
        assert d["docno"] == f"枣巡协〔{year}〕1号" and d["kind_label"] == "提请协助函"
        assert d["recipient"] == "枣阳市纪委监委" and d["object_kind"] == "assistance"
        issue(office, "assistance_request", a["id"], 409, "already_issued")

        rec = expect(office.get(f"/api/v1/assistance/{a['id']}"), 200).json
        prob = expect(office.get(f"/api/v1/problems/{pid}"), 200).json
        approver = s.sql("SELECT display_name FROM users WHERE login='lg'")[0][0]
        t = letter_text(lg, d)
        for want in ("市委巡察工作领导小组", d["docno"], "关于提请协助开展枣阳市人民防空办公室巡察有关事项的函",
                     "枣阳市纪委监委：", "八届市委第五轮巡察", "第一巡察组", rec["need"], rec["reason"],
                     f"相关问题：{prob['title']}（问题编号{prob['seq_no']}）", approver, "同意提请",
                     f"于{date_cn(ap['decided_at'])}批准", f"提请协助事项编号：{rec['seq_no']}",
                     "市委巡察工作领导小组办公室"):
            assert flat(want) in t, (want, t)
        assert date_cn(today_shanghai()) in t

        # who reads it: never the unit; the commission once it is forwarded
        expect(unit1.get(f"/api/v1/documents/{d['id']}"), 404, "not_found")
        expect(unit1.get(f"/api/v1/documents/{d['id']}/pdf"), 404, "not_found")
        assert expect(unit1.get("/api/v1/documents"), 200).json["total"] == 0
        expect(member1.get(f"/api/v1/documents/{d['id']}"), 403)
        expect(liaison.get(f"/api/v1/documents/{d['id']}"), 404)
        assert expect(liaison.get("/api/v1/documents?kind=assistance_request"), 200).json["total"] == 0
        expect(office.post(f"/api/v1/assistance/{a['id']}/forward"), 200)
        # the same letter; the second download is the second copy (份号)
        assert "000001" in t and letter_text(liaison, d) == t.replace("000001", "000002", 1)
        assert expect(liaison.get("/api/v1/documents?kind=assistance_request"), 200).json["total"] == 1
        acts = s.sql("SELECT action, actor_login, result FROM audit WHERE object_id=? ORDER BY seq", (d["id"],))
        assert acts[0] == ("document.issue", "office", "ok")
        assert ("document.download", "liaison", "ok") in acts and ("document.read", "unit1", "denied") in acts


@test
def feedback_copy_letter_lists_the_problems():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        liaison, unit1, conduct = s.client("liaison"), s.client("unit1"), s.client("conduct")
        year = today_shanghai()[:4]
        p1 = problem(member1, leader1, tg["u1"], inaction=True)
        p2 = problem(member1, leader1, tg["u1"], category_id=cat("0802"), title="会议过多",
                     description="全年召开各类会议126次", amount="1234.50")
        p3 = problem(member1, leader1, tg["u1"], title="工程款拖欠", description="拖欠工程款未支付",
                     amount="0.07", inaction=True)
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告正文"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        r = issue(office, "feedback_copy", rep, 409, "not_ready")
        assert "尚未向被巡察单位反馈" in r["error"]["message"] and "已审定" in r["error"]["message"]
        fb_text = "巡察反馈意见: 人防办党组落实全面从严治党主体责任不到位, 财务管理混乱, 存在公款私存问题。" * 2
        expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(), "attendees": 86,
                                                              "feedback_text": fb_text}), 200)
        r = issue(office, "feedback_copy", rep, 409, "not_ready")
        assert "尚未抄送" in r["error"]["message"]
        cp = expect(office.post(f"/api/v1/reports/{rep}/copy"), 200).json
        d = issue(office, "feedback_copy", rep)
        assert d["docno"] == f"枣巡抄〔{year}〕1号" and d["kind_label"] == "反馈意见抄送函"
        assert d["recipient"] == "枣阳市纪委监委、中共枣阳市委组织部"
        copied = datetime.datetime.strptime(cp["copied_at"][:19], "%Y-%m-%dT%H:%M:%S") + datetime.timedelta(hours=8)
        assert d["content"]["date"] == date_cn(copied.date().isoformat())      # dated by the copy (Shanghai day)

        t = letter_text(liaison, d)
        for want in ("市委巡察工作领导小组办公室", d["docno"], "关于抄送枣阳市人民防空办公室巡察反馈意见的函",
                     "枣阳市纪委监委、中共枣阳市委组织部：", f"于{date_cn(today_shanghai())}召开巡察反馈会（参会86人）",
                     fb_text, "巡察发现的主要问题共3个"):
            assert flat(want) in t, (want, t)
        # every problem as recorded: category, description, amount in 元 to the cent
        probs = sorted((expect(office.get(f"/api/v1/problems/{p}"), 200).json for p in (p1, p2, p3)),
                       key=lambda p: p["seq_no"])
        for i, p in enumerate(probs, 1):
            line = f"{i}.【{p['category_name']}】{p['title']}：{p['description']}"
            if p["amount"] != "0.00":
                line += f"，涉及金额{p['amount']}元"
            if p["inaction"]:
                line += "（不担当不作为）"
            assert flat(line + "。") in t, (line, t)
        assert {p["amount"] for p in probs} == {"386000.05", "1234.50", "0.07"}
        want_idx = "、".join(f"第{i}项" for i, p in enumerate(probs, 1) if p["inaction"])
        assert f"其中，{want_idx}问题属于不担当不作为问题" in t, t
        # the unit never reads the copy letter; the team does not hold document.read
        expect(unit1.get(f"/api/v1/documents/{d['id']}"), 404)
        assert expect(unit1.get("/api/v1/documents"), 200).json["total"] == 0
        expect(conduct.get(f"/api/v1/documents/{d['id']}"), 403)
        assert expect(liaison.get(f"/api/v1/documents?object_id={rep}"), 200).json["total"] == 1


@test
def rect_notice_letter_goes_to_its_unit_only():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        unit1, sa, sec = s.client("unit1"), s.client("sysadmin"), s.client("secadmin")
        # a liaison for the second unit
        u = expect(sa.post("/api/v1/users", {"login": "unit2", "display_name": "扶贫办整改联络员"}), 201).json
        expect(sec.post(f"/api/v1/users/{u['id']}/roles", {"role": "unit_liaison",
                                                            "scope_id": s.ids["orgs"]["u2"]}), 201)
        unit2 = s.client("unit2", password=u["one_time_password"])
        notices = {}
        for key, liaison in (("u1", unit1), ("u2", unit2)):
            pid = problem(member1, leader1, tg[key], title=f"{key} 人防工程维护资金挪用")
            rep = expect(member1.post("/api/v1/reports", {"target_id": tg[key], "text": "巡察报告"}), 201).json["id"]
            expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
            expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
            expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(),
                                                                  "feedback_text": "反馈意见"}), 200)
            expect(liaison.put(f"/api/v1/targets/{tg[key]}/rectification/plan", {"plan_text": "整改方案"}), 200)
            task = expect(liaison.post("/api/v1/rect-tasks", {
                "problem_id": pid, "measure": "追回被挪用资金并建立专户管理台账", "owner_name": "王某",
                "owner_post": "财务科长", "leader_name": "李副主任", "deadline": days_from_today(0)}), 201).json
            notices[key] = task
        # three days pass (the server's test clock): both tasks are overdue
        s.shift_clock(3, member1, leader1, lg, office, unit1, unit2)
        for key, task in list(notices.items()):
            n = expect(office.post("/api/v1/notices", {"task_id": task["id"], "level": "supervise",
                                                       "reason": "整改任务逾期未完成",
                                                       "due_date": days_from_today(7)}), 201).json
            notices[key] = (n, task)
        n1, task1 = notices["u1"]
        d1 = issue(office, "rect_notice", n1["id"])
        assert d1["docno"] == n1["docno"] and d1["kind_label"] == "整改督办通知"   # the notice's own 文号
        assert d1["recipient"] == "枣阳市人民防空办公室"
        assert s.sql("SELECT count(*) FROM doc_seq WHERE series LIKE '%notice%' AND series <> 'notice'")[0][0] == 0

        t = letter_text(unit1, d1)
        for want in ("市委巡察工作领导小组办公室", n1["docno"], "关于对枣阳市人民防空办公室整改工作进行督办的通知",
                     "枣阳市人民防空办公室：", f"「{n1['problem_title']}」", task1["measure"],
                     "责任人：王某，财务科长；责任领导：李副主任", f"完成时限为{date_cn(days_from_today(0))}",
                     "已逾期3天", "督办事由：整改任务逾期未完成",
                     f"请于{date_cn(days_from_today(7))}前将整改落实情况书面回复我办"):
            assert flat(want) in t, (want, t)

        # escalated to 约谈: the superseded 督办 is closed and gets no letter; the 约谈 does
        n2, task2 = notices["u2"]
        n3 = expect(office.post("/api/v1/notices", {"task_id": task2["id"], "level": "interview",
                                                    "reason": "督办后仍未整改", "due_date": days_from_today(3)}), 201).json
        r = issue(office, "rect_notice", n2["id"], 409, "not_ready")
        assert "已办结" in r["error"]["message"] and "升级督办" in r["error"]["message"]
        d3 = issue(office, "rect_notice", n3["id"])
        assert d3["docno"] == n3["docno"] and d3["title"] == "关于对枣阳市扶贫开发办公室整改工作进行约谈的通知"
        t3 = letter_text(unit2, d3)
        assert "约谈事由：督办后仍未整改" in t3 and "主要负责人按通知要求参加约谈" in t3

        # each unit reads its own notice letters, not the other's
        expect(unit1.get(f"/api/v1/documents/{d3['id']}"), 404)
        expect(unit2.get(f"/api/v1/documents/{d1['id']}/pdf"), 404)
        assert [i["id"] for i in expect(unit1.get("/api/v1/documents"), 200).json["items"]] == [d1["id"]]
        assert [i["id"] for i in expect(unit2.get("/api/v1/documents"), 200).json["items"]] == [d3["id"]]
        assert expect(lg.get("/api/v1/documents?kind=rect_notice"), 200).json["total"] == 2
        # the dispatched group follows notices but holds no document.read
        expect(s.client("dispatched1").get(f"/api/v1/documents/{d1['id']}"), 403)
