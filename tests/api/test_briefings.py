"""巡前情况通报: for each target the office asks the sources (派驻纪检监察组,
信访室, 案管室, 党风室, 组织部; 审计局 when configured) with a due date before
entry; each source answers its own with text and figures; late ones are
flagged on the office's list (computed, never stored); a team sees the
briefings of its own targets and nothing else."""
from lib import Server, expect, test, days_from_today


@test
def briefings_requested_answered_and_late_flagged():
    with Server() as s:
        o, tg = s.ids["orgs"], s.ids["targets"]
        office, petitions, casemgmt = s.client("office"), s.client("petitions"), s.client("casemgmt")
        dg1, member1, member2 = s.client("dispatched1"), s.client("member1"), s.client("member2")
        # a new round whose entry is ahead
        rnd = expect(office.post("/api/v1/rounds", {"name": "八届市委第九轮巡察", "term": "八届", "seq": 9}), 201).json
        team = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "name": "第一巡察组"}), 201).json["id"]
        r = expect(office.post(f"/api/v1/teams/{team}/targets",
                               {"unit_ids": [o["u1"]], "entry_date": days_from_today(10)}), 201)
        target = r.json["items"][0]["id"]
        expect(office.post(f"/api/v1/targets/{target}/briefings", {"due_date": days_from_today(10)}), 400)
        r = expect(office.post(f"/api/v1/targets/{target}/briefings",
                               {"due_date": days_from_today(9), "sources": ["petitions", "nobody"]}), 400)
        assert "第 2 项" in r.json["error"]["message"]  # counted from 1
        expect(petitions.post(f"/api/v1/targets/{target}/briefings", {"due_date": days_from_today(9)}), 403)
        r = expect(office.post(f"/api/v1/targets/{target}/briefings",
                               {"due_date": days_from_today(9), "note": "请报近三年情况"}), 201).json
        assert sorted(b["source"] for b in r["items"]) == sorted(
            ["dispatched_group", "petitions", "case_mgmt", "conduct", "organization_dept"])
        by = {b["source"]: b for b in r["items"]}
        assert by["dispatched_group"]["source_org_id"] == o["dg1"] and not by["petitions"]["overdue"]
        expect(office.post(f"/api/v1/targets/{target}/briefings",
                           {"due_date": days_from_today(9), "sources": ["petitions"]}), 409, "conflict")
        r = expect(office.post(f"/api/v1/targets/{target}/briefings",
                               {"due_date": days_from_today(9), "sources": ["audit_bureau"]}), 201)
        assert r.json["total"] == 6
        assert any("巡前情况通报" in m["title"] for m in expect(petitions.get("/api/v1/messages"), 200).json["items"])

        # each source sees and answers only its own
        mine = expect(petitions.get("/api/v1/briefings"), 200).json
        assert mine["total"] == 1 and mine["items"][0]["source"] == "petitions"
        expect(petitions.post(f"/api/v1/briefings/{by['case_mgmt']['id']}/answer", {"answer": "无"}), 403)
        expect(petitions.post(f"/api/v1/briefings/{by['petitions']['id']}/answer", {"answer": ""}), 400)
        expect(petitions.post(f"/api/v1/briefings/{by['petitions']['id']}/answer",
                              {"answer": "近三年收到反映该单位的信访举报", "petitions_3y": -1}), 400)
        r = expect(petitions.post(f"/api/v1/briefings/{by['petitions']['id']}/answer",
                                  {"answer": "近三年收到反映该单位的信访举报 12 件", "petitions_3y": 12}), 200)
        assert r.json["state"] == "answered" and r.json["petitions_3y"] == 12
        expect(petitions.post(f"/api/v1/briefings/{by['petitions']['id']}/answer", {"answer": "再报"}), 409)
        expect(casemgmt.post(f"/api/v1/briefings/{by['case_mgmt']['id']}/answer",
                             {"answer": "在办问题线索 3 件, 立案 1 件", "clues_on_hand": 3, "cases": 1}), 200)
        d = expect(dg1.get("/api/v1/briefings"), 200).json
        assert [b["source"] for b in d["items"]] == ["dispatched_group"]
        expect(dg1.post(f"/api/v1/briefings/{by['dispatched_group']['id']}/answer",
                        {"answer": "日常监督中发现公务接待不规范"}), 200)
        # 组织部 answers on paper; the office records it; the office cannot answer for 党风室
        expect(office.post(f"/api/v1/briefings/{by['organization_dept']['id']}/answer",
                           {"answer": "班子运行情况总体正常"}), 200)
        expect(office.post(f"/api/v1/briefings/{by['conduct']['id']}/answer", {"answer": "x"}), 403)
        expect(s.client("unit1").get("/api/v1/briefings"), 403)

        # a due date already passed is refused (issue 12)
        r = expect(office.post(f"/api/v1/targets/{target}/briefings",
                               {"due_date": days_from_today(-1), "sources": ["petitions"]}), 400, "invalid_field")
        assert r.json["error"]["field"] == "due_date" and "已过" in r.json["error"]["message"]
        # late: the demo targets' briefings are asked in time, then time passes beyond their due date
        s.sql_write("UPDATE targets SET entry_date=? WHERE id IN (?, ?)", (days_from_today(20), tg["u1"], tg["u3"]))
        expect(office.post(f"/api/v1/targets/{tg['u1']}/briefings", {"due_date": days_from_today(5)}), 201)
        expect(office.post(f"/api/v1/targets/{tg['u3']}/briefings", {"due_date": days_from_today(5)}), 201)
        # six days pass (the server's test clock): those two targets' briefings, due
        # in five, are late; the new target's, due in nine, are not
        s.shift_clock(6, office, petitions, casemgmt, dg1, member1, member2)
        lst = expect(office.get("/api/v1/briefings?per_page=100"), 200).json
        assert lst["total"] == 16 and lst["overdue"] == 10
        late = expect(office.get("/api/v1/briefings?overdue=1&per_page=100"), 200).json
        assert late["total"] == 10 and all(b["overdue"] and b["state"] == "pending" for b in late["items"])
        assert not any(b["target_id"] == target for b in late["items"])
        assert s.sql("SELECT count(*) FROM briefings WHERE due_date < ?", (days_from_today(6),))[0][0] == 10
        # an answer after the due date is still taken, and recorded as late in the audit
        b = [x for x in late["items"] if x["source"] == "petitions" and x["target_id"] == tg["u1"]][0]
        expect(petitions.post(f"/api/v1/briefings/{b['id']}/answer", {"answer": "迟报"}), 200)
        assert '"late":true' in s.sql("SELECT detail FROM audit WHERE action='briefing.answer' AND object_id=?",
                                      (b["id"],))[0][0]
        assert expect(office.get("/api/v1/briefings?overdue=1"), 200).json["total"] == 9

        # the team sees every briefing of its own targets and nothing else
        t1 = expect(member1.get("/api/v1/briefings?per_page=100"), 200).json
        assert t1["total"] == 5 and all(x["target_id"] == tg["u1"] for x in t1["items"])
        t2 = expect(member2.get("/api/v1/briefings?per_page=100"), 200).json
        assert t2["total"] == 5 and all(x["target_id"] == tg["u3"] for x in t2["items"])
        expect(member1.post(f"/api/v1/briefings/{b['id']}/answer", {"answer": "x"}), 403)


@test
def audit_bureau_by_default_when_configured():
    with Server(settings={"briefing_audit_bureau": "1"}) as s:
        office = s.client("office")
        s.sql_write("UPDATE targets SET entry_date=? WHERE id=?", (days_from_today(20), s.ids['targets']['u7']))
        r = expect(office.post(f"/api/v1/targets/{s.ids['targets']['u7']}/briefings",
                               {"due_date": days_from_today(5)}), 201).json
        assert "audit_bureau" in [b["source"] for b in r["items"]] and r["total"] == 6


@test
def empty_sources_mean_every_configured_source():
    # the form says "通报来源 (不选则全部)" and sends an empty list: that is every source,
    # exactly as when the list is left out (it used to answer 「来源」应为非空列表).
    # The server's clock is 20 days back: the briefings are asked before the demo round's
    # entry (10 days ago) with a due date not yet passed (12 days ago is ahead then).
    with Server(settings={"test_clock_days": "-20"}) as s:
        office, tg = s.client("office"), s.ids["targets"]
        r = expect(office.post(f"/api/v1/targets/{tg['u1']}/briefings",
                               {"due_date": days_from_today(-12), "sources": []}), 201).json
        assert sorted(b["source"] for b in r["items"]) == sorted(
            ["dispatched_group", "petitions", "case_mgmt", "conduct", "organization_dept"]), r
        r = expect(office.post(f"/api/v1/targets/{tg['u3']}/briefings",
                               {"due_date": days_from_today(-12), "sources": None}), 201).json
        assert r["total"] == 5
        # not a list at all is still refused, naming the field
        expect(office.post(f"/api/v1/targets/{tg['u7']}/briefings",
                           {"due_date": days_from_today(-12), "sources": "petitions"}), 400, "invalid_field")
        # asked again with an empty list: every source is already asked → 409, nothing doubled
        expect(office.post(f"/api/v1/targets/{tg['u1']}/briefings",
                           {"due_date": days_from_today(-12), "sources": []}), 409, "conflict")
