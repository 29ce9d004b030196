"""Issue 14's one visibility model (core/visibility.c) on the read paths it
took over: inbox messages show a record's business text only while the model
lets the reader see the record; the generic lists and GETs, team members, the
cadre pool's profile and parts, history and evidence files ask it too."""
from lib import Server, expect, test, today_shanghai

HIDDEN = "相关记录有变化 (无权查看详情)"


def inbox(c, object_id):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m for m in items if m["object_id"] == object_id]


def feed_back(target, leader, member, lg, office):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告正文: 发现问题若干"}), 201).json
    expect(leader.post(f"/api/v1/reports/{rep['id']}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep['id']}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                       {"meeting_date": today_shanghai(), "attendees": 30, "feedback_text": "反馈意见: 请立即整改"}), 200)
    return rep["id"]


@test
def inbox_withholds_the_text_of_a_record_no_longer_visible():
    with Server() as s:
        o = s.ids["orgs"]
        leader, member, lg, office = s.client("leader1"), s.client("member1"), s.client("lg"), s.client("office")
        dg = s.client("dispatched1")
        rep = feed_back(s.ids["targets"]["u1"], leader, member, lg, office)
        # the dispatched group supervising u1 got the feedback, text and all
        msgs = inbox(dg, rep)
        assert msgs and all(m["title"] != HIDDEN and "巡察反馈意见" in m["title"] for m in msgs)
        assert not any(m.get("withheld") for m in msgs)
        expect(dg.get(f"/api/v1/reports/{rep}"), 200)
        # u1 passes to the second dispatched group: the first no longer sees the
        # report, and its inbox keeps only that a record changed
        expect(office.patch(f"/api/v1/orgs/{o['u1']}", {"supervisor_id": o["dg2"]}), 200)
        expect(dg.get(f"/api/v1/reports/{rep}"), 404)
        msgs = inbox(dg, rep)
        assert msgs, "the message itself stays (addressed to the group)"
        for m in msgs:
            assert m["title"] == HIDDEN and m["body"] is None and m["withheld"] is True
            assert m["object_kind"] == "report" and m["action"]  # ids and codes only
        # the office, who sees the report, still reads the same kind of message in full
        om = inbox(office, rep)
        assert om and all(m["title"] != HIDDEN and not m.get("withheld") for m in om)


@test
def generic_kinds_list_and_get_agree():
    with Server() as s:
        unit, dg, leader = s.client("unit1"), s.client("dispatched1"), s.client("leader1")
        sysadmin = s.client("sysadmin")
        for c in (unit, dg, leader):
            listed = expect(c.get("/api/v1/targets?per_page=100"), 200).json["items"]
            assert listed, "every reader of targets sees at least one"
            seen = {t["id"] for t in listed}
            for key, tid in s.ids["targets"].items():
                r = c.get(f"/api/v1/targets/{tid}")
                assert r.status == (200 if tid in seen else 404), (key, r.status)
            assert len(seen) < len(s.ids["targets"]) or c is not unit
        # the unit sees exactly its own target
        assert {t["unit_id"] for t in expect(unit.get("/api/v1/targets"), 200).json["items"]} == {s.ids["orgs"]["u1"]}
        # no rule at all: the list is refused, a row is hidden
        expect(sysadmin.get("/api/v1/targets"), 403)
        expect(sysadmin.get(f"/api/v1/targets/{s.ids['targets']['u1']}"), 403)
        # orgs: every holder of org.list sees every row
        orgs = expect(sysadmin.get("/api/v1/orgs?per_page=100"), 200).json
        assert orgs["total"] == len(s.ids["orgs"])
        expect(sysadmin.get(f"/api/v1/orgs/{s.ids['orgs']['u1']}"), 200)


@test
def team_members_and_pool_profile_follow_the_model():
    with Server() as s:
        office, cadre, unit, sysadmin = s.client("office"), s.client("cadre"), s.client("unit1"), s.client("sysadmin")
        rid = expect(office.post("/api/v1/rounds", {"name": "九届市委第一轮巡察", "term": "九届", "seq": 1}), 201).json["id"]
        team = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第九巡察组"}), 201).json["id"]
        pid = expect(office.post("/api/v1/persons", {"name": "张某某", "post": "科员"}), 201).json["id"]
        expect(office.post(f"/api/v1/teams/{team}/members",
                           {"person_id": pid, "role": "member", "origin": "seconded",
                            "source_unit_id": s.ids["orgs"]["u12"]}), 201)
        items = expect(office.get(f"/api/v1/teams/{team}/members"), 200).json["items"]
        assert [m["person_id"] for m in items] == [pid]
        expect(office.get("/api/v1/teams/01940000-0000-7000-8000-000000000000/members"), 404)
        expect(unit.get(f"/api/v1/teams/{team}/members"), 403)  # no team.list at all
        person = items[0]["person_id"]
        prof = expect(cadre.get(f"/api/v1/persons/{person}/profile"), 200).json
        for k in ("tags", "work_history", "relatives", "trainings", "rounds", "vettings"):
            assert isinstance(prof[k], list), k
        assert prof["rounds"], "the person serves in a team of the seeded round"
        expect(cadre.get(f"/api/v1/persons/{person}/relatives"), 200)
        expect(cadre.get("/api/v1/persons/01940000-0000-7000-8000-000000000000/relatives"), 404)
        # the directory's keeper reads the person but not the pool's content
        expect(sysadmin.get(f"/api/v1/persons/{person}"), 200)
        expect(sysadmin.get(f"/api/v1/persons/{person}/profile"), 403)
        expect(sysadmin.get(f"/api/v1/persons/{person}/relatives"), 403)
