"""The discipline side (issue 5), following the seed's 公款私存 story: the team
finds a problem, asks the commission for help with the leading group's
approval, the commission queries the accountant's bank statements and fixes
the clue, the accountant gets 严重警告 and the unit's principal and
supervising leaders get 约谈; a joint review (联审) catches a lenient
proposal; the conduct office opens accountability from a copied feedback."""
from lib import Server, expect, test, today_shanghai


def cat(code):
    return "01940000-0000-7000-8000-" + code.ljust(12, "0")


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": cat("0403"), "title": "公款私存",
            "description": "单位将公款存入会计个人账户", "amount": "386000.00", "found_by": "records",
            "found_on": today_shanghai()}
    body.update(kw)
    return c.post("/api/v1/problems", body)


def inbox(c, object_id):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m["action"] for m in items if m["object_id"] == object_id]


def feed_back_and_copy(target, leader, member, lg, office):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告"}), 201).json["id"]
    expect(leader.post(f"/api/v1/reports/{rep}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(),
                                                          "feedback_text": "反馈意见"}), 200)
    expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
    return rep


@test
def public_funds_in_a_private_account_end_to_end():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        inv, casemgmt, conduct = s.client("investigation"), s.client("casemgmt"), s.client("conduct")
        unit1, member2 = s.client("unit1"), s.client("member2")
        pid = expect(problem(member1, tg["u1"]), 201).json["id"]
        expect(leader1.post(f"/api/v1/problems/{pid}/confirm"), 200)

        # 提请协助: need, reason, linked problem; the leading group approves
        body = {"target_id": tg["u1"], "need": "查询该单位会计刘某个人银行账户2018年以来的流水",
                "reason": "发现公款私存线索, 需固定资金去向", "problem_id": pid}
        expect(member2.post("/api/v1/assistance", body), 403)
        expect(member1.post("/api/v1/assistance", dict(body, problem_id=s.ids["targets"]["u2"])), 400)
        a = expect(member1.post("/api/v1/assistance", body), 201).json
        aid = a["id"]
        assert a["state"] == "draft" and a["seq_no"] and a["problem_title"] == "公款私存"
        expect(member1.post(f"/api/v1/assistance/{aid}/submit"), 403)
        expect(leader1.post(f"/api/v1/assistance/{aid}/submit"), 200)
        assert "submit" in inbox(lg, aid)
        expect(office.post(f"/api/v1/assistance/{aid}/approve"), 403)
        expect(lg.post(f"/api/v1/assistance/{aid}/approve", {"note": "同意"}), 200)
        assert "approve" in inbox(leader1, aid)
        expect(inv.get(f"/api/v1/assistance/{aid}"), 404)  # not forwarded yet
        expect(office.post(f"/api/v1/assistance/{aid}/forward"), 200)
        assert "forward" in inbox(inv, aid) and "forward" in inbox(casemgmt, aid)
        expect(inv.post(f"/api/v1/assistance/{aid}/complete", {"result": "x", "evidence_fixed": "y"}), 409)
        acc = expect(inv.post(f"/api/v1/assistance/{aid}/accept"), 200).json
        assert acc["accepted_role"] == "investigation"
        expect(inv.post(f"/api/v1/assistance/{aid}/complete", {"result": "已查询"}), 400)
        done = expect(inv.post(f"/api/v1/assistance/{aid}/complete",
                               {"result": "经查询, 刘某个人账户收到单位公款38.6万元",
                                "evidence_fixed": "银行流水3份、转账凭证12张"}), 200).json
        assert done["state"] == "completed" and done["turnaround_days"] == 0
        seen = expect(leader1.get(f"/api/v1/assistance/{aid}"), 200).json
        assert seen["result"].startswith("经查询") and seen["evidence_fixed"]
        assert "complete" in inbox(leader1, aid)
        expect(leader1.post(f"/api/v1/assistance/{aid}/close"), 200)
        expect(unit1.get("/api/v1/assistance"), 403)
        h = [x["action"] for x in expect(office.get(f"/api/v1/assistance/{aid}/history"), 200).json["items"]]
        assert h == ["assistance.create", "assistance.submit", "assistance.approve", "assistance.forward",
                     "assistance.accept", "assistance.complete", "assistance.close"]
        # every step's stamps (declared with the transitions, written by the engine)
        uid = lambda login: s.sql("SELECT id FROM users WHERE login=?", (login,))[0][0]
        st = s.sql("SELECT submitted_by, decided_by, decision_note, forwarded_by, accepted_by, completed_by, "
                   "closed_by, submitted_at <= decided_at AND decided_at <= forwarded_at AND forwarded_at <= "
                   "accepted_at AND accepted_at <= completed_at AND completed_at <= closed_at FROM assistance "
                   "WHERE id=?", (aid,))[0]
        assert st == (uid("leader1"), uid("lg"), "同意", uid("office"), uid("investigation"),
                      uid("investigation"), uid("leader1"), 1), st

        # the clue is fixed, handed over during the patrol, registered and disposed of
        cid = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计刘某公款私存",
                                                    "subject_name": "刘某", "subject_post": "会计",
                                                    "source": "records", "discovered_on": today_shanghai(),
                                                    "allegation": "将公款38.6万元存入个人账户"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/clues/{cid}/verify"), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover"), 200)
        expect(casemgmt.post(f"/api/v1/clues/{cid}/register"), 200)
        expect(inv.post(f"/api/v1/clues/{cid}/outcome", {"case_filed_on": today_shanghai(),
                                                        "authority": "枣阳市纪委监委"}), 409)
        expect(casemgmt.post(f"/api/v1/clues/{cid}/dispose", {"method": "preliminary_verification"}), 200)
        o = expect(inv.post(f"/api/v1/clues/{cid}/outcome", {"case_filed_on": today_shanghai(),
                                                            "authority": "枣阳市纪委监委"}), 200).json
        assert o["case_filed_on"] == today_shanghai() and o["days_handover_to_disposal"] == 0
        expect(inv.post(f"/api/v1/clues/{cid}/outcome", {"authority": "x"}), 400)
        expect(member1.post(f"/api/v1/clues/{cid}/outcome", {"case_filed_on": today_shanghai(), "authority": "x"}), 403)
        clue = expect(leader1.get(f"/api/v1/clues/{cid}"), 200).json
        assert clue["days_discovery_to_handover"] == 0 and clue["days_handover_to_registration"] == 0

        # accountability: 严重警告 for the accountant (on the clue)
        acct = {"clue_id": cid, "subject_kind": "person", "subject_name": "刘某", "subject_post": "会计",
                "outcome": "party_serious_warning", "authority": "中共枣阳市纪律检查委员会",
                "decided_on": today_shanghai(), "funds_recovered": "386000.00"}
        assert expect(inv.post("/api/v1/accountability", dict(acct, outcome="fine")), 400).json["error"]["field"] == "outcome"
        assert expect(inv.post("/api/v1/accountability", dict(acct, authority=None)), 400).json["error"]["field"] == "authority"
        assert expect(inv.post("/api/v1/accountability", dict(acct, funds_recovered=12.5)), 400).json["error"]["field"] == "funds_recovered"
        assert expect(inv.post("/api/v1/accountability", dict(acct, criminal=True)), 400).json["error"]["field"] == "criminal"
        assert expect(inv.post("/api/v1/accountability", dict(acct, form=1)), 400).json["error"]["field"] == "form"
        expect(member1.post("/api/v1/accountability", acct), 403)
        a1 = expect(inv.post("/api/v1/accountability", acct), 201).json
        assert a1["state"] == "decided" and a1["form"] == 2 and a1["form_label"] == "第二种形态"
        assert a1["outcome_label"] == "党内严重警告" and a1["outcome_kind"] == "党纪处分"
        assert a1["funds_recovered"] == "386000.00" and a1["target_id"] == tg["u1"]

        # 约谈 of the principal and the supervising leader: on the problem, once copied
        lead = {"problem_id": pid, "subject_kind": "leader", "subject_name": "王主任", "leader_role": "principal",
                "outcome": "work_interview", "authority": "枣阳市纪委监委", "decided_on": today_shanghai()}
        expect(conduct.post("/api/v1/accountability", lead), 403)  # not copied yet
        feed_back_and_copy(tg["u1"], leader1, member1, lg, office)
        a2 = expect(conduct.post("/api/v1/accountability", lead), 201).json
        a3 = expect(conduct.post("/api/v1/accountability", dict(lead, subject_name="李副主任",
                                                                leader_role="supervising")), 201).json
        assert a2["form"] == a3["form"] == 1 and a2["outcome_label"] == "工作约谈"
        expect(conduct.post("/api/v1/accountability", dict(lead, subject_kind="person")), 400)
        lst = expect(leader1.get(f"/api/v1/accountability?target_id={tg['u1']}&sort=decided_on"), 200).json
        assert lst["total"] == 3 and sorted(i["form"] for i in lst["items"]) == [1, 1, 2]
        assert expect(office.get("/api/v1/accountability?form=2"), 200).json["total"] == 1
        assert expect(member2.get("/api/v1/accountability"), 200).json["total"] == 0
        expect(unit1.get("/api/v1/accountability"), 403)
        # a decision can be revoked with a reason, and is then not counted as decided
        expect(inv.post(f"/api/v1/accountability/{a1['id']}/revoke"), 400)
        assert expect(inv.post(f"/api/v1/accountability/{a1['id']}/revoke", {"reason": "申诉复查后撤销"}),
                      200).json["state"] == "revoked"


@test
def joint_review_flags_a_lenient_proposal():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        ver, conduct, member2 = s.client("verification"), s.client("conduct"), s.client("member2")
        p1 = expect(problem(member1, tg["u1"]), 201).json["id"]                        # min form 2
        p2 = expect(problem(member1, tg["u1"], category_id=cat("0802"), title="会议过多"), 201).json["id"]  # no minimum
        for p in (p1, p2):
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        team = s.ids["teams"]["t1"]
        rv = {"team_id": team, "title": "2020年第一次联审", "scheduled_on": today_shanghai(),
              "participants": "核查组、第一巡察组"}
        expect(member1.post("/api/v1/joint-reviews", rv), 403)
        r = expect(ver.post("/api/v1/joint-reviews", rv), 201).json
        rid = r["id"]
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/items", {"problem_id": p1, "clue_id": p2}), 400)
        i1 = expect(ver.post(f"/api/v1/joint-reviews/{rid}/items", {"problem_id": p1}), 201).json
        i2 = expect(ver.post(f"/api/v1/joint-reviews/{rid}/items", {"problem_id": p2}), 201).json
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/items", {"problem_id": p1}), 409)
        assert i1["flag_lenient"] is False and i1["flag_rectified_first"] is False
        # each side writes its own part
        expect(member1.patch(f"/api/v1/review-items/{i1['id']}", {"proposed": "criticism"}), 403)
        expect(ver.patch(f"/api/v1/review-items/{i1['id']}", {"source_text": "x"}), 403)
        expect(member2.patch(f"/api/v1/review-items/{i1['id']}", {"source_text": "x"}), 404)
        expect(member1.patch(f"/api/v1/review-items/{i1['id']}", {"source_text": "调阅财务凭证",
                                                                  "how_found": "发现大额资金转入个人账户",
                                                                  "learned": "会计称为方便支取"}), 200)
        it = expect(ver.patch(f"/api/v1/review-items/{i1['id']}", {"finding": "查实公款私存38.6万元",
                                                                  "proposed": "criticism"}), 200).json
        assert it["flag_lenient"] is True and any("轻于" in d for d in it["flag_detail"])
        expect(ver.patch(f"/api/v1/review-items/{i1['id']}", {"final": "criticism"}), 409)  # before the meeting
        expect(ver.patch(f"/api/v1/review-items/{i2['id']}", {"proposed": "no_action"}), 200)
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/conclude"), 409)
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/hold", {"minutes": "核查组反馈调查情况, 巡察组介绍发现经过"}), 200)
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/conclude"), 409, "final_missing")
        # the meeting corrects the lenient proposal: 严重警告; the flag goes away by itself
        fin = expect(ver.patch(f"/api/v1/review-items/{i1['id']}", {"final": "party_serious_warning",
                                                                   "final_note": "经联审, 提高处理等级"}), 200).json
        assert fin["flag_lenient"] is False and fin["final_label"] == "党内严重警告"
        expect(ver.patch(f"/api/v1/review-items/{i2['id']}", {"final": "no_action"}), 200)
        # p2 is rectified before any accountability: flagged (以整改代替问责 risk)
        s.sql_write("UPDATE problems SET rectified_at=?, state='rectified' WHERE id=?", (today_shanghai() + "T00:00:00Z", p2))
        it2 = expect(ver.patch(f"/api/v1/review-items/{i2['id']}", {"final_note": "问题已整改"}), 200).json
        assert it2["flag_rectified_first"] is True
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/conclude"), 409, "flags_open")
        expect(ver.post(f"/api/v1/review-items/{i2['id']}/clear", {}), 400)
        expect(member1.post(f"/api/v1/review-items/{i2['id']}/clear", {"reason": "x"}), 403)
        expect(ver.post(f"/api/v1/review-items/{i2['id']}/clear", {"reason": "属工作方法问题, 经集体研究不予追责"}), 200)
        expect(ver.post(f"/api/v1/review-items/{i1['id']}/clear", {"reason": "x"}), 409, "no_flag")
        c = expect(ver.post(f"/api/v1/joint-reviews/{rid}/conclude"), 200).json
        assert c["state"] == "concluded" and c["item_count"] == 2
        st = s.sql("SELECT held_at <= concluded_at, minutes FROM joint_reviews WHERE id=?", (rid,))[0]
        assert st == (1, "核查组反馈调查情况, 巡察组介绍发现经过"), st
        # the lenient proposal corrected at the meeting still counts as raised
        assert c["flags_raised"] == 2 and c["flags_cleared"] == 1 and c["flags_open"] == 0
        expect(ver.patch(f"/api/v1/review-items/{i1['id']}", {"finding": "x"}), 409)
        held = expect(conduct.get("/api/v1/joint-reviews?state=concluded"), 200).json
        assert held["total"] == 1
        items = expect(leader1.get(f"/api/v1/joint-reviews/{rid}/items"), 200).json["items"]
        assert len(items) == 2 and items[0]["source_text"] == "调阅财务凭证"
        expect(s.client("unit1").get(f"/api/v1/joint-reviews/{rid}/items"), 403)
        audit = s.sql("SELECT count(*) FROM audit WHERE action='review_item.flag'")[0][0]
        assert audit >= 2


@test
def copied_inaction_problems_open_accountability_and_pending_list():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        conduct, inv = s.client("conduct"), s.client("investigation")
        p1 = expect(problem(member1, tg["u1"], inaction=True, title="扶贫项目长期停滞不担当不作为",
                            category_id=cat("0801")), 201).json["id"]
        p2 = expect(problem(member1, tg["u1"], title="公款私存"), 201).json["id"]
        for p in (p1, p2):
            expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
        expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(), "feedback_text": "反馈"}), 200)
        expect(conduct.post(f"/api/v1/reports/{rep}/accountability"), 404)  # not copied: not visible yet
        expect(office.post(f"/api/v1/reports/{rep}/copy"), 200)
        expect(office.post(f"/api/v1/reports/{rep}/accountability"), 403)
        opened = expect(conduct.post(f"/api/v1/reports/{rep}/accountability"), 201).json["opened"]
        assert [o["problem_id"] for o in opened] == [p1]
        assert expect(conduct.post(f"/api/v1/reports/{rep}/accountability"), 201).json["opened"] == []
        acc = expect(conduct.get(f"/api/v1/accountability/{opened[0]['id']}"), 200).json
        assert acc["state"] == "open" and acc["subject_kind"] == "organization" and acc["form"] is None
        # copied problems without a decision: today with days=0; none with the default 30 days
        pend = expect(office.get("/api/v1/accountability/pending?days=0"), 200).json
        assert {i["id"] for i in pend["items"]} == {p1, p2}
        assert expect(office.get("/api/v1/accountability/pending?days=0&inaction=true"), 200).json["total"] == 1
        assert expect(office.get("/api/v1/accountability/pending"), 200).json["total"] == 0
        expect(office.get("/api/v1/accountability/pending?days=-1"), 400)
        # decide: the problem leaves the pending list
        d = expect(conduct.post(f"/api/v1/accountability/{opened[0]['id']}/decide",
                                {"outcome": "circulated_criticism", "authority": "枣阳市纪委监委",
                                 "decided_on": today_shanghai()}), 200).json
        assert d["state"] == "decided" and d["form"] == 1
        expect(conduct.post(f"/api/v1/accountability/{opened[0]['id']}/decide",
                            {"outcome": "criticism", "authority": "x", "decided_on": today_shanghai()}), 409)
        pend = expect(office.get("/api/v1/accountability/pending?days=0"), 200).json
        assert [i["id"] for i in pend["items"]] == [p2]
        # the expulsion with criminal liability counts in the fourth form
        e = expect(inv.post("/api/v1/accountability", {"problem_id": p2, "subject_kind": "person",
                                                       "subject_name": "刘某", "outcome": "expulsion",
                                                       "criminal": True, "authority": "枣阳市纪委监委",
                                                       "decided_on": today_shanghai()}), 201).json
        assert e["form"] == 4 and e["criminal"] is True


@test
def outcome_table_and_what_each_page_may_offer():
    """GET /outcomes exposes the server's outcome table (labels, kinds, forms,
    which codes may carry criminal liability); records say which extra acts
    their page may offer ("can"), and review items which parts the user may
    write now ("allowed_parts") — the UI shows exactly these."""
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        conduct, casemgmt, ver = s.client("conduct"), s.client("casemgmt"), s.client("verification")
        o = expect(conduct.get("/api/v1/outcomes"), 200).json
        by = {x["code"]: x for x in o["items"]}
        assert len(o["items"]) == 26 and "no_action" not in by
        assert by["party_serious_warning"]["label"] == "党内严重警告" and by["party_serious_warning"]["form"] == 2
        assert by["party_serious_warning"]["form_label"] == "第二种形态" and by["party_serious_warning"]["kind_label"] == "党纪处分"
        assert by["work_interview"]["form"] == 1 and by["detention"]["form"] == 0 and by["detention"]["form_label"] == ""
        assert sorted(c for c, x in by.items() if x["criminal_ok"]) == ["expulsion", "prosecution_transfer"]
        assert o["handling"][0] == {"code": "no_action", "label": "不予处理", "kind_label": "", "form": 0,
                                    "form_label": "", "criminal_ok": False}
        assert len(o["handling"]) == 27
        expect(s.client("unit1").get("/api/v1/outcomes"), 200)  # reference data for every signed-in user
        expect(s.client().get("/api/v1/outcomes"), 401)

        pid = expect(problem(member1, tg["u1"]), 201).json["id"]
        expect(leader1.post(f"/api/v1/problems/{pid}/confirm"), 200)
        p = expect(member1.get(f"/api/v1/problems/{pid}"), 200).json
        assert p["can"] == {"assistance.write": True, "accountability.write": False, "problem.papers": True}, p["can"]
        expect(conduct.get(f"/api/v1/problems/{pid}"), 404)  # not copied yet: not the commission's
        rep = feed_back_and_copy(tg["u1"], leader1, member1, lg, office)
        assert expect(conduct.get(f"/api/v1/problems/{pid}"), 200).json["can"] == {
            "assistance.write": False, "accountability.write": True, "problem.papers": True}
        assert expect(conduct.get(f"/api/v1/reports/{rep}"), 200).json["can"] == {"accountability.write": True}
        assert expect(member1.get(f"/api/v1/reports/{rep}"), 200).json["can"] == {"accountability.write": False}

        cid = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计刘某公款私存",
                                                    "subject_name": "刘某", "source": "records",
                                                    "discovered_on": today_shanghai(), "allegation": "x"}), 201).json["id"]
        assert expect(member1.get(f"/api/v1/clues/{cid}"), 200).json["can"] == {
            "clue.outcome": False, "accountability.write": False, "assistance.write": True}
        expect(leader1.post(f"/api/v1/clues/{cid}/verify"), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover"), 200)
        expect(casemgmt.post(f"/api/v1/clues/{cid}/register"), 200)
        c = expect(casemgmt.get(f"/api/v1/clues/{cid}"), 200).json["can"]
        assert c["clue.outcome"] is False and c["accountability.write"] is True  # not disposing yet
        expect(casemgmt.post(f"/api/v1/clues/{cid}/dispose", {"method": "preliminary_verification"}), 200)
        assert expect(casemgmt.get(f"/api/v1/clues/{cid}"), 200).json["can"]["clue.outcome"] is True
        assert expect(conduct.get(f"/api/v1/clues/{cid}"), 200).json["can"]["clue.outcome"] is False

        rid = expect(ver.post("/api/v1/joint-reviews", {"team_id": s.ids["teams"]["t1"], "title": "联审",
                                                        "scheduled_on": today_shanghai()}), 201).json["id"]
        iid = expect(ver.post(f"/api/v1/joint-reviews/{rid}/items", {"problem_id": pid}), 201).json["id"]
        parts = lambda c: {i["id"]: i["allowed_parts"] for i in expect(c.get(f"/api/v1/joint-reviews/{rid}/items"), 200).json["items"]}[iid]
        assert parts(ver) == ["verification"] and parts(member1) == ["team"] and parts(conduct) == []
        assert expect(ver.get(f"/api/v1/joint-reviews/{rid}/items"), 200).json["can_add"] is True
        assert expect(member1.get(f"/api/v1/joint-reviews/{rid}/items"), 200).json["can_add"] is False
        expect(ver.patch(f"/api/v1/review-items/{iid}", {"proposed": "criticism"}), 200)  # lighter than form 2
        assert parts(ver) == ["verification", "clear"]
        expect(ver.post(f"/api/v1/joint-reviews/{rid}/hold"), 200)
        assert parts(ver) == ["verification", "final", "clear"]
        expect(ver.post(f"/api/v1/review-items/{iid}/clear", {"reason": "经集体研究"}), 200)
        assert parts(ver) == ["verification", "final"] and parts(member1) == ["team"]
