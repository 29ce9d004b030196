"""Findings to rectification (issue 4), following the seed: a team records
problems with working papers and evidence, reports them, the leading group
approves, the office gives the feedback to the unit and copies it to the
commission and 组织部 the same moment; the unit plans and rectifies task by
task; an overdue task gets a 督办 notice and is then signed off; the
dispatched group takes the unit into daily supervision."""
from urllib.parse import quote
from lib import Server, expect, run_cli, test, today_shanghai, days_from_today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
def cat(code):
    """Seeded categories have fixed ids derived from their code."""
    return "01940000-0000-7000-8000-" + code.ljust(12, "0")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": cat("0403"), "title": "公款私存",
            "description": "单位会计将人防易地建设费存入个人账户", "amount": "1234.56",
            "people": "会计 刘某", "found_by": "records", "found_on": today_shanghai(),
            "inaction": False}
    body.update(kw)
    return c.post("/api/v1/problems", body)


def inbox(c, object_id=None):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m for m in items if object_id is None or m["object_id"] == object_id]


def report_and_feed_back(s, target, leader, member, lg, office, copy=True):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告正文: 发现问题若干"}), 201).json
    expect(leader.post(f"/api/v1/reports/{rep['id']}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep['id']}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                       {"meeting_date": today_shanghai(), "attendees": 300, "feedback_text": "反馈意见: 请立即整改"}), 200)
    if copy:
        expect(office.post(f"/api/v1/reports/{rep['id']}/copy"), 200)
    return rep["id"]


@test
def problems_working_papers_and_money():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, member2 = s.client("member1"), s.client("leader1"), s.client("member2")
        # validation at the edge, each naming its field
        assert expect(problem(member1, tg["u1"], amount=12.5), 400).json["error"]["field"] == "amount"
        assert expect(problem(member1, tg["u1"], amount="1.234"), 400).json["error"]["field"] == "amount"
        assert expect(problem(member1, tg["u1"], amount="-1"), 400).json["error"]["field"] == "amount"
        assert expect(problem(member1, tg["u1"], category_id=cat("04")), 400).json["error"]["field"] == "category_id"
        assert expect(problem(member1, tg["u1"], found_by="petition"), 400).json["error"]["field"] == "petition_id"
        assert expect(problem(member1, tg["u1"], found_on=days_from_today(1)), 400).json["error"]["field"] == "found_on"
        assert expect(problem(member1, tg["u1"], found_by="gossip"), 400).json["error"]["field"] == "found_by"
        expect(problem(member2, tg["u1"]), 403)  # another team's target

        amounts = ["1234.56", "0.01", "100", "25960000.99"]
        ids = []
        for a in amounts:
            p = expect(problem(member1, tg["u1"], amount=a), 201).json
            assert p["state"] == "draft" and p["seq_no"] and p["category_name"]
            ids.append(p["id"])
        got = [expect(member1.get(f"/api/v1/problems/{i}"), 200).json["amount"] for i in ids]
        assert got == ["1234.56", "0.01", "100.00", "25960000.99"]
        fen = s.sql("SELECT sum(amount_fen) FROM problems")[0][0]
        assert fen == 123456 + 1 + 10000 + 2596000099  # exact to the cent, no float
        raw = s.sql("SELECT typeof(amount_fen) FROM problems LIMIT 1")[0][0]
        assert raw == "integer"

        # an integer amount is 元
        p = expect(problem(member1, tg["u1"], amount=7), 201).json
        assert p["amount"] == "7.00"
        # edit a draft, with If-Match; a stale version is 409
        r = member1.patch(f"/api/v1/problems/{p['id']}", {"title": "公款私存 (补充)"}, headers={"If-Match": '"1"'})
        expect(r, 200)
        expect(member1.patch(f"/api/v1/problems/{p['id']}", {"title": "x"}, headers={"If-Match": '"1"'}), 409)
        expect(member1.patch(f"/api/v1/problems/{p['id']}", {"target_id": tg["u2"]}), 400)
        # the team leader confirms; a member may not
        expect(member1.post(f"/api/v1/problems/{p['id']}/confirm"), 403)
        c = expect(leader1.post(f"/api/v1/problems/{p['id']}/confirm"), 200).json
        assert c["state"] == "confirmed" and c["editable"] is False
        expect(member1.patch(f"/api/v1/problems/{p['id']}", {"title": "y"}), 409, "invalid_state")
        # cascade steps cannot be taken on one problem alone
        expect(leader1.post(f"/api/v1/problems/{p['id']}/report"), 403)
        hist = expect(leader1.get(f"/api/v1/problems/{p['id']}/history"), 200).json["items"]
        assert [h["action"] for h in hist] == ["problem.create", "problem.update", "problem.confirm"]
        # list filters, search and sort; bad filters are 400
        lst = expect(leader1.get(f"/api/v1/problems?target_id={tg['u1']}&state=draft"), 200).json
        assert lst["total"] == 4
        assert expect(leader1.get("/api/v1/problems?q=" + quote("补充")), 200).json["total"] == 1
        expect(leader1.get("/api/v1/problems?state=nope"), 400)
        expect(leader1.get("/api/v1/problems?color=red"), 400)
        expect(leader1.get("/api/v1/problems?sort=-found_on"), 200)
        assert expect(member2.get("/api/v1/problems"), 200).json["total"] == 0
        cats = expect(member1.get("/api/v1/problem-categories"), 200).json["items"]
        assert any(c["name"] == "形式主义官僚主义" and c["children"] for c in cats)


@test
def evidence_uploads_checked_by_magic_bytes():
    with Server(settings={"max_upload": 4096}) as s:
        tg = s.ids["targets"]
        member1, member2, unit1 = s.client("member1"), s.client("member2"), s.client("unit1")
        pid = expect(problem(member1, tg["u1"]), 201).json["id"]
        url = f"/api/v1/problems/{pid}/files"
        f = expect(member1.upload(url, "银行流水.pdf", PDF, "application/pdf"), 201).json
        assert f["ctype"] == "application/pdf" and f["size"] == len(PDF)
        # a PNG that calls itself a PDF, a PDF declared as an image, an unknown type
        expect(member1.upload(url, "流水.pdf", PNG, "application/pdf"), 415, "type_mismatch")
        expect(member1.upload(url, "流水.pdf", PDF, "image/png"), 415, "type_mismatch")
        expect(member1.upload(url, "run.exe", b"MZ\x90\x00", "application/octet-stream"), 415)
        expect(member1.upload(url, "../../etc/passwd.txt", b"x", "text/plain"), 400)
        expect(member1.upload(url, "big.pdf", PDF + b"0" * 5000, "application/pdf"), 413)
        expect(member2.upload(url, "x.pdf", PDF, "application/pdf"), 404)
        assert expect(member1.get(url), 200).json["items"][0]["name"] == "银行流水.pdf"
        # stored sealed outside the web root under a server-made name
        stored = s.sql("SELECT stored_name FROM files")[0][0]
        assert "银行" not in stored and stored.endswith(".sm4")
        import glob, os
        paths = glob.glob(os.path.join(s.files_dir, "*"))
        assert len(paths) == 1 and b"%PDF" not in open(paths[0], "rb").read()
        # download: an attachment, never inline, and the read is audited
        r = expect(member1.get(f"/api/v1/files/{f['id']}"), 200)
        assert r.raw == PDF
        assert r.header("Content-Disposition").startswith("attachment")
        assert r.header("Content-Type") == "application/octet-stream"
        assert s.sql("SELECT count(*) FROM audit WHERE action='file.read' AND actor_login='member1'")[0][0] == 1
        expect(member2.get(f"/api/v1/files/{f['id']}"), 404)
        expect(unit1.get(f"/api/v1/files/{f['id']}"), 404)
        # a tampered file is refused (and the attempt audited)
        data = bytearray(open(paths[0], "rb").read())
        data[20] ^= 1
        open(paths[0], "wb").write(bytes(data))
        expect(member1.get(f"/api/v1/files/{f['id']}"), 500, "integrity")


@test
def feedback_copied_to_commission_and_unit_sees_only_its_own():
    """The 2020 special patrol's feedback, copied to the commission."""
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        unit1, liaison, conduct = s.client("unit1"), s.client("liaison"), s.client("conduct")
        orgdept, dispatched1, casemgmt = s.client("orgdept"), s.client("dispatched1"), s.client("casemgmt")
        p1 = expect(problem(member1, tg["u1"], inaction=True, title="扶贫资金拨付不担当不作为"), 201).json["id"]
        p2 = expect(problem(member1, tg["u1"], immediate_fix=True, title="惠民资金台账不全"), 201).json["id"]
        q = expect(problem(member1, tg["u2"], title="另一单位的问题"), 201).json["id"]
        clue = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "线索", "subject_name": "刘某",
                                                     "source": "records", "discovered_on": today_shanghai(),
                                                     "allegation": "公款私存"}), 201).json["id"]
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "第一巡察组关于人防办的巡察报告"}), 201).json
        expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "again"}), 409)
        # unconfirmed problems block the report
        expect(leader1.post(f"/api/v1/reports/{rep['id']}/submit"), 409, "problems_unconfirmed")
        for p in (p1, p2):
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        expect(member1.post(f"/api/v1/reports/{rep['id']}/submit"), 403)
        r = expect(leader1.post(f"/api/v1/reports/{rep['id']}/submit"), 200).json
        assert r["state"] == "submitted" and r["problem_count"] == 2
        assert expect(leader1.get(f"/api/v1/problems/{p1}"), 200).json["state"] == "reported"
        assert inbox(lg, rep["id"])
        # returned and resubmitted: problems go back to confirmed and come again
        expect(lg.post(f"/api/v1/reports/{rep['id']}/return", {}), 400)
        expect(lg.post(f"/api/v1/reports/{rep['id']}/return", {"reason": "请补充问题定性依据"}), 200)
        assert expect(leader1.get(f"/api/v1/problems/{p1}"), 200).json["state"] == "confirmed"
        expect(member1.patch(f"/api/v1/reports/{rep['id']}", {"text": "补充后的巡察报告"}), 200)
        expect(leader1.post(f"/api/v1/reports/{rep['id']}/submit"), 200)
        expect(office.post(f"/api/v1/reports/{rep['id']}/approve"), 403)
        expect(lg.post(f"/api/v1/reports/{rep['id']}/approve"), 200)

        # before the feedback the unit sees nothing
        assert expect(unit1.get("/api/v1/problems"), 200).json["total"] == 0
        expect(unit1.get(f"/api/v1/problems/{p1}"), 404)
        expect(unit1.get(f"/api/v1/reports/{rep['id']}"), 404)

        expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                           {"meeting_date": days_from_today(1), "feedback_text": "x"}), 400)
        fb = expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                                {"meeting_date": today_shanghai(), "attendees": 312,
                                 "feedback_text": "巡察反馈意见: 扶贫资金监管不力等2个问题"}), 200).json
        assert fb["state"] == "fed_back" and fb["rect_report_due"] > today_shanghai()
        assert [m for m in inbox(unit1, rep["id"]) if m["action"] == "feedback"]
        assert [m for m in inbox(dispatched1, rep["id"]) if m["action"] == "feedback"]
        assert not inbox(liaison, rep["id"])  # not copied yet

        # the unit sees its feedback and its own problems, not the working papers
        got = expect(unit1.get(f"/api/v1/reports/{rep['id']}"), 200).json
        assert got["feedback_text"].startswith("巡察反馈意见") and "text" not in got
        lst = expect(unit1.get("/api/v1/problems"), 200).json
        assert lst["total"] == 2 and {i["id"] for i in lst["items"]} == {p1, p2}
        one = expect(unit1.get(f"/api/v1/problems/{p1}"), 200).json
        assert one["description"] and "people" not in one and "found_by" not in one
        expect(unit1.get(f"/api/v1/problems/{q}"), 404)
        expect(unit1.get(f"/api/v1/problems/{p1}/files"), 403)
        expect(unit1.get("/api/v1/clues"), 403)
        expect(unit1.get(f"/api/v1/clues/{clue}"), 403)
        # the commission does not see problems until the copy
        assert expect(conduct.get("/api/v1/problems"), 200).json["total"] == 0

        cp = expect(office.post(f"/api/v1/reports/{rep['id']}/copy"), 200).json
        assert cp["state"] == "copied" and cp["copied_at"]
        rows = s.sql("SELECT recipient, copied_by, copied_at FROM report_copies ORDER BY recipient")
        assert [r[0] for r in rows] == ["commission", "organization_dept"] and all(r[1] and r[2] for r in rows)
        for c in (liaison, conduct, casemgmt, orgdept):
            msgs = [m for m in inbox(c, rep["id"]) if m["action"] == "copy"]
            assert msgs and msgs[0]["created_at"][:16] == cp["copied_at"][:16], c.login_name
        assert expect(conduct.get("/api/v1/problems?inaction=true"), 200).json["total"] == 1
        assert expect(conduct.get(f"/api/v1/problems/{p1}"), 200).json["people"]
        assert "people" not in expect(orgdept.get(f"/api/v1/problems/{p1}"), 200).json
        assert "text" not in expect(orgdept.get(f"/api/v1/reports/{rep['id']}"), 200).json
        expect(conduct.get(f"/api/v1/problems/{q}"), 404)
        # every step's stamps (declared with the transitions, written by the engine)
        uid = lambda login: s.sql("SELECT id FROM users WHERE login=?", (login,))[0][0]
        st = s.sql("SELECT submitted_by, returned_by, return_reason, approved_by, fed_back_by, copied_by, "
                   "submitted_at <= approved_at AND returned_at <= submitted_at AND approved_at <= fed_back_at "
                   "AND fed_back_at <= copied_at FROM reports WHERE id=?", (rep["id"],))[0]
        assert st == (uid("leader1"), uid("lg"), "请补充问题定性依据", uid("lg"), uid("office"), uid("office"), 1), st
        st = s.sql("SELECT confirmed_by, confirmed_at IS NOT NULL, reported_at IS NOT NULL, fed_back_at IS NOT NULL "
                   "FROM problems WHERE id=?", (p1,))[0]
        assert st == (uid("leader1"), 1, 1, 1), st
        h = expect(office.get(f"/api/v1/reports/{rep['id']}/history"), 200).json["items"]
        assert [x["action"] for x in h][-3:] == ["report.approve", "report.feedback", "report.copy"]
        assert h[-1]["actor_login"] == "office" and h[-1]["at"]
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr


@test
def rectification_overdue_notice_and_sign_off():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        unit1, dispatched1 = s.client("unit1"), s.client("dispatched1")
        p1 = expect(problem(member1, tg["u1"], title="人防工程维护资金挪用"), 201).json["id"]
        p2 = expect(problem(member1, tg["u1"], title="财务制度不健全"), 201).json["id"]
        for p in (p1, p2):
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        # tasks only once fed back
        expect(unit1.post("/api/v1/rect-tasks", {"problem_id": p1, "measure": "m", "owner_name": "王某",
                                                 "deadline": days_from_today(30)}), 400)
        rep = report_and_feed_back(s, tg["u1"], leader1, member1, lg, office)
        expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/report", {"report_text": "x"}), 409, "no_plan")
        ov = expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan",
                              {"plan_text": "整改方案: 逐条对照问题清单整改"}), 200).json
        assert ov["plan"]["plan_text"].startswith("整改方案")
        task = lambda p, **kw: unit1.post("/api/v1/rect-tasks", dict({"problem_id": p, "measure": "追回资金并建立台账",
                                                                       "owner_name": "王某", "owner_post": "财务科长",
                                                                       "leader_name": "李副主任",
                                                                       "deadline": days_from_today(30)}, **kw))
        expect(task(p1, deadline=days_from_today(-1)), 400)
        expect(office.post("/api/v1/rect-tasks", {"problem_id": p1, "measure": "m", "owner_name": "x",
                                                  "deadline": days_from_today(3)}), 403)
        t1 = expect(task(p1, deadline=days_from_today(2)), 201).json
        t2 = expect(task(p1, owner_name="赵某", long_term=True, deadline=days_from_today(150)), 201).json
        t3 = expect(task(p2, owner_name="赵某", measure="修订财务管理制度"), 201).json
        assert t2["long_term"] is True and t2["long_term_report_due"]
        assert expect(unit1.get(f"/api/v1/problems/{p1}"), 200).json["state"] == "rectifying"

        # time passes (the server's test clock): t1's deadline is now yesterday
        # (overdue is computed, never stored)
        assert expect(office.get("/api/v1/rect-tasks?overdue=true"), 200).json["total"] == 0
        s.shift_clock(3, member1, leader1, lg, office, unit1, dispatched1)
        od = expect(office.get("/api/v1/rect-tasks?overdue=true"), 200).json
        assert [i["id"] for i in od["items"]] == [t1["id"]] and od["items"][0]["overdue"] is True
        assert od["items"][0]["warning"] == "overdue"
        assert expect(office.get("/api/v1/rect-tasks?overdue=false"), 200).json["total"] == 2
        # 督办 notice on the overdue task; a lower level while it is open is refused
        n = expect(office.post("/api/v1/notices", {"task_id": t1["id"], "level": "supervise",
                                                   "reason": "整改任务逾期未完成", "due_date": days_from_today(7)}), 201).json
        assert n["docno"].startswith("枣巡督〔") and n["level_label"] == "督办"
        expect(office.post("/api/v1/notices", {"task_id": t1["id"], "level": "reminder", "reason": "r",
                                               "due_date": days_from_today(7)}), 409, "lower_level")
        expect(unit1.post("/api/v1/notices", {"task_id": t1["id"], "level": "interview", "reason": "r",
                                              "due_date": days_from_today(7)}), 403)
        assert [m for m in inbox(unit1, n["id"])]
        assert [m for m in inbox(dispatched1, n["id"])]
        opened = expect(office.get("/api/v1/notices?open=true"), 200).json
        assert opened["total"] == 1 and opened["items"][0]["id"] == n["id"]
        expect(unit1.post(f"/api/v1/notices/{n['id']}/reply", {"reply": "已追回资金, 正在补充佐证"}), 200)

        # progress with evidence, finish, sign-off (which also closes the notice)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/finish", {"note": "完成"}), 409, "no_progress")
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/progress", {"text": "已追回资金 1234.56 元"}), 201)
        assert expect(unit1.get(f"/api/v1/rect-tasks/{t1['id']}"), 200).json["state"] == "in_progress"
        expect(unit1.upload(f"/api/v1/rect-tasks/{t1['id']}/files", "收款凭证.pdf", PDF, "application/pdf"), 201)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/finish", {"note": "资金已全部追回"}), 200)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/sign_off"), 403)
        expect(office.post(f"/api/v1/rect-tasks/{t1['id']}/send_back", {"reason": "缺少银行回单"}), 200)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/progress", {"text": "补充银行回单"}), 201)
        expect(unit1.post(f"/api/v1/rect-tasks/{t1['id']}/finish", {"note": "已补充"}), 200)
        so = expect(office.post(f"/api/v1/rect-tasks/{t1['id']}/sign_off"), 200).json
        assert so["state"] == "signed_off" and so["overdue"] is False
        assert expect(office.get(f"/api/v1/notices/{n['id']}"), 200).json["state"] == "closed"
        assert expect(office.get("/api/v1/notices?open=true"), 200).json["total"] == 0

        # problem p1: complete only when all its tasks are done; sign-off when all signed off
        expect(unit1.post(f"/api/v1/problems/{p1}/complete", {"note": "整改完成"}), 409, "tasks_open")
        for t in (t2,):
            expect(unit1.post(f"/api/v1/rect-tasks/{t['id']}/progress", {"text": "长期坚持"}), 201)
            expect(unit1.post(f"/api/v1/rect-tasks/{t['id']}/finish", {"note": "阶段完成"}), 200)
        expect(unit1.post(f"/api/v1/problems/{p1}/complete", {"note": "整改完成"}), 200)
        expect(office.post(f"/api/v1/problems/{p1}/sign_off"), 409, "tasks_open")
        expect(office.post(f"/api/v1/rect-tasks/{t2['id']}/sign_off"), 200)
        assert expect(office.post(f"/api/v1/problems/{p1}/sign_off"), 200).json["state"] == "signed_off"
        # p2: rectified, reopened for weak evidence, rectified again
        expect(unit1.post(f"/api/v1/rect-tasks/{t3['id']}/progress", {"text": "印发新制度"}), 201)
        expect(unit1.post(f"/api/v1/rect-tasks/{t3['id']}/finish", {"note": "已印发"}), 200)
        expect(unit1.post(f"/api/v1/problems/{p2}/complete", {"note": "制度已修订"}), 200)
        expect(office.post(f"/api/v1/problems/{p2}/reopen", {"reason": "佐证材料不足"}), 200)
        assert [m for m in inbox(unit1, p2) if m["action"] == "reopen"]
        expect(unit1.post(f"/api/v1/problems/{p2}/complete", {"note": "补充佐证"}), 200)
        # every step's stamps (declared with the transitions, written by the engine)
        uid = lambda login: s.sql("SELECT id FROM users WHERE login=?", (login,))[0][0]
        st = s.sql("SELECT done_by, done_note, returned_by, return_reason, signed_off_by, started_at IS NOT NULL, "
                   "returned_at <= done_at AND done_at <= signed_off_at FROM rect_tasks WHERE id=?", (t1["id"],))[0]
        assert st == (uid("unit1"), "已补充", uid("office"), "缺少银行回单", uid("office"), 1, 1), st
        st = s.sql("SELECT reply, replied_by, closed_by, close_note, replied_at <= closed_at FROM notices "
                   "WHERE id=?", (n["id"],))[0]
        assert st == ("已追回资金, 正在补充佐证", uid("unit1"), uid("office"), "整改任务已销号", 1), st
        st = s.sql("SELECT rectified_by, rectify_note, reopened_by, reopen_reason, reopened_at <= rectified_at "
                   "FROM problems WHERE id=?", (p2,))[0]
        assert st == (uid("unit1"), "补充佐证", uid("office"), "佐证材料不足", 1), st
        st = s.sql("SELECT signed_off_by, rectified_by, rectify_note FROM problems WHERE id=?", (p1,))[0]
        assert st == (uid("office"), uid("unit1"), "整改完成"), st

        # institutions revised, daily supervision, the three lists
        for name in ("人防易地建设费管理办法", "财务报销审批制度"):
            expect(unit1.post("/api/v1/institutions", {"target_id": tg["u1"], "name": name, "kind": "revised",
                                                       "issued_on": today_shanghai(), "problem_id": p2}), 201)
        expect(unit1.post("/api/v1/institutions", {"target_id": tg["u2"], "name": "x", "kind": "new",
                                                   "issued_on": today_shanghai()}), 403)
        assert expect(office.get(f"/api/v1/institutions?target_id={tg['u1']}"), 200).json["total"] == 2
        expect(dispatched1.post(f"/api/v1/targets/{tg['u1']}/supervision", {"note": "纳入日常监督, 每月跟踪"}), 201)
        expect(dispatched1.post(f"/api/v1/targets/{tg['u1']}/supervision", {}), 409)
        expect(dispatched1.post(f"/api/v1/rect-tasks/{t3['id']}/supervision-notes", {"text": "制度执行情况待观察"}), 201)
        notes = expect(office.get(f"/api/v1/rect-tasks/{t3['id']}/supervision-notes"), 200).json["items"]
        assert notes[0]["text"] == "制度执行情况待观察"
        expect(unit1.post(f"/api/v1/rect-tasks/{t3['id']}/supervision-notes", {"text": "x"}), 403)
        expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/report", {"report_text": "整改情况报告"}), 200)
        ov = expect(unit1.get(f"/api/v1/targets/{tg['u1']}/rectification"), 200).json
        assert ov["counts"] == {"problems": 2, "rectified": 2, "signed_off": 1, "tasks": 3, "tasks_signed_off": 2,
                                "tasks_overdue": 0, "institutions": 2, "open_notices": 0}
        assert ov["report_due"] > today_shanghai() and ov["report_overdue"] is False
        assert {r["owner_name"]: r["tasks"] for r in ov["responsibility_list"]} == {"王某": 1, "赵某": 2}
        assert ov["daily_supervision"]["note"].startswith("纳入日常监督")
        expect(s.client("member2").get(f"/api/v1/targets/{tg['u1']}/rectification"), 404)
        audit = s.sql("SELECT count(*) FROM audit WHERE object_kind='rect_task'")[0][0]
        assert audit >= 12
        # the statistics' aggregates (migration 021) followed every step of the story
        v = run_cli("stats", "--verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr


@test
def feedback_meeting_records_how_many_and_who_attended():
    # 反馈会: 参会人数 is a whole number (the seed's "300+" is 300), 参会人员 optional text;
    # the form used to label the number "参会人员" and send names or "15" as a string
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        expect(problem(member1, tg["u1"]), 201)
        p = expect(member1.get("/api/v1/problems"), 200).json["items"][0]["id"]
        expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告正文"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        base = {"meeting_date": today_shanghai(), "feedback_text": "反馈意见: 请立即整改"}
        for bad in ("15", "张三、李四", 0, -3, 1.5, 100001):
            r = expect(office.post(f"/api/v1/reports/{rep}/feedback", {**base, "attendees": bad}), 400, "invalid_field")
            assert r.json["error"]["field"] == "attendees" and "参会人数" in r.json["error"]["message"], r
        r = expect(office.post(f"/api/v1/reports/{rep}/feedback", {**base, "attendee_names": "x" * 2001}), 400)
        assert r.json["error"]["field"] == "attendee_names" and "参会人员" in r.json["error"]["message"]
        names = "市委第一巡察组全体成员, 市人防办领导班子成员、中层干部及干部职工代表"
        fb = expect(office.post(f"/api/v1/reports/{rep}/feedback",
                                {**base, "attendees": 300, "attendee_names": names}), 200).json
        assert fb["attendees"] == 300 and fb["attendee_names"] == names and fb["state"] == "fed_back"
        got = expect(office.get(f"/api/v1/reports/{rep}"), 200).json
        assert got["attendees"] == 300 and got["attendee_names"] == names
        # the names are business content: the audit detail keeps neither them nor the text
        detail = s.sql("SELECT detail FROM audit WHERE action='report.feedback' AND object_id=?", (rep,))[0][0]
        assert "中层干部" not in detail, detail


@test
def feedback_without_attendees_is_still_taken():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "正文"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        fb = expect(office.post(f"/api/v1/reports/{rep}/feedback",
                                {"meeting_date": today_shanghai(), "feedback_text": "反馈意见", "attendee_names": ""}), 200).json
        assert fb["attendees"] is None and fb["attendee_names"] is None
