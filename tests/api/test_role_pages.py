"""What a record page needs to show only what the role can read and do
(issue 17, role-aware pages): a target carries the names of its team, round
and unit (the unit liaison may read the target but not the team or round); a
problem says whether the user may read its working papers (evidence), the
evidence list whether the user may add a file now; the problem list filters
by who registered it (a member's own drafts on the home page)."""
from lib import Server, expect, test, today_shanghai

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
            "description": "单位会计将人防易地建设费存入个人账户", "found_by": "records", "found_on": today_shanghai()}
    body.update(kw)
    return c.post("/api/v1/problems", body)


def report_and_feed_back(s, target, leader, member, lg, office):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告"}), 201).json["id"]
    expect(leader.post(f"/api/v1/reports/{rep}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep}/feedback", {"meeting_date": today_shanghai(), "feedback_text": "反馈意见"}), 200)


@test
def target_carries_team_round_and_unit_names():
    with Server() as s:
        tg = s.ids["targets"]
        office, unit1 = s.client("office"), s.client("unit1")
        want = expect(office.get(f"/api/v1/targets/{tg['u1']}"), 200).json
        team = expect(office.get(f"/api/v1/teams/{want['team_id']}"), 200).json
        rnd = expect(office.get(f"/api/v1/rounds/{want['round_id']}"), 200).json
        unit = expect(office.get(f"/api/v1/orgs/{want['unit_id']}"), 200).json
        assert (want["team_name"], want["round_name"], want["unit_name"]) == (team["name"], rnd["name"], unit["name"])
        # the liaison reads its unit's target with the names, not the team or the round
        got = expect(unit1.get(f"/api/v1/targets/{tg['u1']}"), 200).json
        assert got["team_name"] == team["name"] and got["round_name"] == rnd["name"]
        expect(unit1.get(f"/api/v1/teams/{want['team_id']}"), 403)
        expect(unit1.get(f"/api/v1/rounds/{want['round_id']}"), 403)
        rows = expect(unit1.get("/api/v1/targets"), 200).json["items"]
        assert rows and all(r["team_name"] and r["round_name"] and r["unit_name"] for r in rows)
        # the list still filters and sorts on the target's own columns
        rows = expect(office.get(f"/api/v1/targets?team_id={want['team_id']}&sort=-entry_date"), 200).json["items"]
        assert rows and all(r["team_id"] == want["team_id"] and r["team_name"] == team["name"] for r in rows)
        # an edit answers the row with its names too
        r = office.patch(f"/api/v1/targets/{tg['u1']}", {"report_date": want.get("report_date")}, headers={"If-Match": f'"{want["version"]}"'})
        assert expect(r, 200).json["team_name"] == team["name"]


@test
def problem_says_who_reads_evidence_and_files_say_who_may_add():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office, unit1 = (s.client(x) for x in ("member1", "leader1", "lg", "office", "unit1"))
        pid = expect(problem(member1, tg["u1"]), 201).json["id"]
        url = f"/api/v1/problems/{pid}/files"
        assert expect(member1.get(f"/api/v1/problems/{pid}"), 200).json["can"]["problem.papers"] is True
        assert expect(member1.get(url), 200).json["can_upload"] is True
        expect(member1.upload(url, "银行流水.pdf", PDF, "application/pdf"), 201)
        # the leading group reads the papers but adds nothing
        assert expect(lg.get(f"/api/v1/problems/{pid}"), 200).json["can"]["problem.papers"] is True
        assert expect(lg.get(url), 200).json["can_upload"] is False
        expect(leader1.post(f"/api/v1/problems/{pid}/confirm"), 200)
        report_and_feed_back(s, tg["u1"], leader1, member1, lg, office)
        # fed back: the team may no longer add evidence (the state), the unit never reads it
        assert expect(member1.get(url), 200).json["can_upload"] is False
        expect(member1.upload(url, "补充.pdf", PDF, "application/pdf"), 409)
        assert expect(unit1.get(f"/api/v1/problems/{pid}"), 200).json["can"]["problem.papers"] is False
        expect(unit1.get(url), 403)


@test
def problems_filtered_by_who_registered_them():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1 = s.client("member1"), s.client("leader1")
        mine = expect(problem(member1, tg["u1"]), 201).json
        expect(problem(leader1, tg["u1"], title="超标准接待"), 201)
        me = expect(member1.get("/api/v1/me"), 200).json["id"]
        r = expect(member1.get(f"/api/v1/problems?state=draft&created_by={me}"), 200).json
        assert r["total"] == 1 and r["items"][0]["id"] == mine["id"]
        assert expect(leader1.get("/api/v1/problems?state=draft"), 200).json["total"] == 2
        expect(member1.get("/api/v1/problems?created_by=nobody"), 400)
