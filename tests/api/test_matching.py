"""Team matching (智能匹配) and cadre movements: suggestions come from the pool,
skip people with 异议, people already on the round and people who must recuse
from a team's targets, cover the requested expertise first and then spread the
load, each with its reason; movements between patrol and commission posts
are recorded and counted (the seed's 4 + 1 + 1 and the commission cadres who
served on teams)."""
from urllib.parse import quote

from lib import Server, expect, test


def person(office, name, org, tags):
    pid = expect(office.post("/api/v1/persons", {"name": name, "org_id": org}), 201).json["id"]
    expect(office.post(f"/api/v1/persons/{pid}/tags", {"tags": tags}), 200)
    return pid


@test
def suggestions_and_movements():
    with Server() as s:
        o = s.ids["orgs"]
        office, cadre, member = s.client("office"), s.client("cadre"), s.client("member1")
        jia = person(office, "财务甲", o["orgdept"], ["财务"])
        yi = person(office, "审计乙", o["orgdept"], ["审计"])
        bing = person(office, "人防丙", o["u1"], ["财务", "审计"])
        ding = person(office, "异议丁", o["orgdept"], ["财务", "审计", "法律"])
        wu = person(office, "老手戊", o["investigation"], ["财务"])
        # an earlier round: 丁 got 异议, 戊 served (as a commission cadre) and was cleared
        old = expect(office.post("/api/v1/rounds", {"name": "八届市委第四轮巡察", "term": "八届", "seq": 4}), 201).json["id"]
        ot = expect(office.post("/api/v1/teams", {"round_id": old, "name": "第一巡察组"}), 201).json["id"]
        ding_m = expect(office.post(f"/api/v1/teams/{ot}/members", {"person_id": ding, "role": "member",
                                                                      "origin": "seconded",
                                                                      "source_unit_id": o["orgdept"]}), 201).json["id"]
        expect(office.post(f"/api/v1/teams/{ot}/members", {"person_id": wu, "role": "commissioner",
                                                             "origin": "commission"}), 201)
        expect(office.post(f"/api/v1/rounds/{old}/vetting"), 200)
        for v in expect(cadre.get(f"/api/v1/vettings?round_id={old}"), 200).json["items"]:
            body = {"result": "objection", "reason": "有信访举报在核"} if v["person_id"] == ding else {"result": "clear"}
            expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", body), 200)
        # 丁 is taken off the team; the round goes ahead, so 戊 has served one round (a round only
        # planned does not count, issue 12)
        expect(office.request("DELETE", f"/api/v1/teams/{ot}/members/{ding_m}", {"reason": "廉政审核有异议"}), 200)
        expect(s.client("lg").post(f"/api/v1/rounds/{old}/approve"), 200)
        expect(office.post(f"/api/v1/rounds/{old}/mobilize"), 200)

        rnd = expect(office.post("/api/v1/rounds", {"name": "八届市委第十轮巡察", "term": "八届", "seq": 10}), 201).json["id"]
        ta = expect(office.post("/api/v1/teams", {"round_id": rnd, "name": "第一巡察组"}), 201).json["id"]
        tb = expect(office.post("/api/v1/teams", {"round_id": rnd, "name": "第二巡察组"}), 201).json["id"]
        expect(office.post(f"/api/v1/teams/{ta}/targets", {"unit_ids": [o["u1"]]}), 201)
        expect(office.post(f"/api/v1/teams/{tb}/targets", {"unit_ids": [o["u7"]]}), 201)

        expect(member.get(f"/api/v1/rounds/{rnd}/suggestions"), 403)
        expect(office.get(f"/api/v1/rounds/{rnd}/suggestions?tags={quote('炼丹')}"), 400)
        expect(office.get(f"/api/v1/rounds/{rnd}/suggestions?count=0"), 400)
        r = expect(office.get(f"/api/v1/rounds/{rnd}/suggestions?tags={quote('财务,审计')}&count=2"), 200).json
        a, b = r["teams"]
        assert a["team_name"] == "第一巡察组" and [x["name"] for x in a["suggestions"]] == ["审计乙", "财务甲"]
        assert a["suggestions"][0]["covers"] == ["审计"] and "补足专长 审计" in a["suggestions"][0]["reason"]
        assert "尚未进行廉政审核" in a["suggestions"][1]["reason"] and a["uncovered_tags"] == []
        # 丙 works at 人防办 (team one's target): only suggested to team two; 丁 (异议) never
        assert [x["name"] for x in b["suggestions"]] == ["人防丙", "老手戊"]
        assert b["suggestions"][1]["rounds_served"] == 1 and "无异议" in b["suggestions"][1]["reason"]
        assert b["suggestions"][1]["served_rounds"] == ["八届市委第四轮巡察"]
        names = [x["name"] for t in r["teams"] for x in t["suggestions"]]
        assert "异议丁" not in names
        # the office accepts a suggestion by adding the person; they are then out of the pool
        expect(office.post(f"/api/v1/teams/{ta}/members", {"person_id": yi, "role": "leader", "origin": "seconded",
                                                             "source_unit_id": o["orgdept"]}), 201)
        r = expect(office.get(f"/api/v1/rounds/{rnd}/suggestions?team_id={ta}&tags={quote('审计')}"), 200).json
        assert len(r["teams"]) == 1 and "审计乙" not in [x["name"] for x in r["teams"][0]["suggestions"]]
        assert r["teams"][0]["suggestions"][0]["name"] == "财务甲" and r["teams"][0]["uncovered_tags"] == ["审计"]

        # movements: 4 commission cadres to patrol posts, 1 back to 案管室, 1 to a grassroots commission
        expect(member.post("/api/v1/cadre-movements", {}), 403)
        expect(cadre.post("/api/v1/cadre-movements", {"person_id": wu, "kind": "sideways", "to_post": "x",
                                                        "moved_on": "2020-01-01"}), 400)
        for i in range(4):
            pid = expect(office.post("/api/v1/persons", {"name": f"纪检干部{i}", "org_id": o["investigation"]}), 201).json["id"]
            expect(cadre.post("/api/v1/cadre-movements",
                              {"person_id": pid, "kind": "commission_to_patrol", "from_org_id": o["investigation"],
                               "to_org_id": o[f"g{i + 1}"], "to_post": "巡察组专职副组长", "moved_on": "2019-06-01"}), 201)
        expect(cadre.post("/api/v1/cadre-movements",
                          {"person_id": jia, "kind": "patrol_to_commission", "from_org_id": o["g1"],
                           "to_org_id": o["casemgmt"], "to_post": "案管室主任", "moved_on": "2020-03-01"}), 201)
        expect(office.post("/api/v1/cadre-movements",
                           {"person_id": yi, "kind": "patrol_to_grassroots", "to_post": "镇纪委副书记",
                            "moved_on": "2020-09-01"}), 201)
        assert expect(s.client("lg").get("/api/v1/cadre-movements?kind=commission_to_patrol"), 200).json["total"] == 4
        st = expect(cadre.get("/api/v1/cadre-stats"), 200).json
        assert st["movements"] == {"commission_to_patrol": 4, "patrol_to_commission": 1, "patrol_to_grassroots": 1}
        assert st["commission_cadres_served"] == 1 and st["persons_vetted"] == 2 and st["objections"] == 1
        assert len(s.sql("SELECT * FROM audit WHERE action='movement.create' AND result='ok'")) == 6


@test
def expertise_tags_are_a_capped_list():
    """?tags= of the suggestions had no bound (any number of comma-separated tags, each
    one more entry to match); it is now declared as a list of at most 12 expertise tags:
    a thirteenth is 400 too_many_params naming the field (issue 14, item 4)."""
    with Server() as s:
        office = s.client("office")
        url = f"/api/v1/rounds/{s.ids['round']}/suggestions?tags="
        twelve = ",".join(["财务"] * 12)
        expect(office.get(url + quote(twelve)), 200)
        for tags in (twelve + ",审计", ",".join(["财务"] * 100)):
            r = expect(office.get(url + quote(tags)), 400, "too_many_params")
            assert r.json["error"]["field"] == "tags" and "专长" in r.json["error"]["message"], r
        # each value still comes from the vocabulary
        r = expect(office.get(url + quote("财务,炼丹")), 400, "invalid_field")
        assert r.json["error"]["field"] == "tags", r
