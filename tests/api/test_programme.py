"""The patrol programme (issue 3), following the seed: a round of four teams is
planned, approved by the leading group, staffed, vetted (one person with 异议
is replaced, the replacement vetted too), a recusal conflict is caught and the
leading group approves an exception, and only then can the round be mobilized;
a special patrol covering 160 villages gets its targets in one request."""
from lib import Server, expect, test, days_from_today


def person(office, name, org=None, **extra):
    body = {"name": name, "post": "干部"}
    if org:
        body["org_id"] = org
    body.update(extra)
    return expect(office.post("/api/v1/persons", body), 201).json["id"]


def new_round(office, name, seq, kind="regular", **extra):
    body = {"name": name, "term": "八届", "seq": seq, "kind": kind, "theme": "政治巡察",
            "planned_start": days_from_today(20), "planned_end": days_from_today(80)}
    body.update(extra)
    return expect(office.post("/api/v1/rounds", body), 201).json


def audit_actions(s, action):
    return s.sql("SELECT object_id, detail FROM audit WHERE action=? AND result='ok'", (action,))


@test
def round_of_four_teams_vetting_recusal_and_mobilization():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre = s.client("office"), s.client("lg"), s.client("cadre")
        member = s.client("member1")
        rnd = new_round(office, "八届市委第六轮巡察", 6)
        rid = rnd["id"]
        assert rnd["state"] == "planned"
        teams = []
        for i, g in enumerate(["g1", "g2", "g3", "g4"]):
            t = expect(office.post("/api/v1/teams", {"round_id": rid, "group_id": o[g],
                                                       "name": f"第{'一二三四'[i]}巡察组"}), 201).json
            teams.append(t["id"])
        dates = {"mobilization_date": days_from_today(20), "entry_date": days_from_today(21),
                 "withdrawal_date": days_from_today(60), "report_date": days_from_today(70),
                 "feedback_date": days_from_today(90)}
        for i, units in enumerate([["u1", "u2"], ["u3", "u4"], ["u5", "u6"], ["u9", "u10"]]):
            r = expect(office.post(f"/api/v1/teams/{teams[i]}/targets",
                                   {"unit_ids": [o[u] for u in units], **dates}), 201)
            assert r.json["created"] == 2

        # the record says what this user may do now (the UI's buttons come from it)
        assert [a["verb"] for a in expect(lg.get(f"/api/v1/rounds/{rid}"), 200).json["allowed_actions"]] == ["approve"]
        assert expect(office.get(f"/api/v1/rounds/{rid}"), 200).json["allowed_actions"] == []
        # the lifecycle: only the leading group approves; the office cannot
        expect(office.post(f"/api/v1/rounds/{rid}/approve"), 403, "forbidden")
        expect(member.post(f"/api/v1/rounds/{rid}/approve"), 403)
        expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "invalid_state")
        r = expect(lg.post(f"/api/v1/rounds/{rid}/approve", {"note": "同意"}), 200)
        assert r.json["state"] == "approved" and r.json["state_label"] == "已批准"

        # staffing: leader, deputy, 巡察专员, members, liaison; seconded or 派员参与
        staff = {}
        roles = ["leader", "deputy", "commissioner", "member", "liaison"]
        for i, tid in enumerate(teams):
            for k, role in enumerate(roles):
                name = f"组{i + 1}{role}"
                pid = person(office, name, o["casemgmt"] if k == 2 else o["orgdept"])
                body = {"person_id": pid, "role": role, "origin": "commission" if k == 2 else "seconded"}
                if k != 2:
                    body["source_unit_id"] = o["orgdept"]
                expect(office.post(f"/api/v1/teams/{tid}/members", body), 201)
                staff[name] = pid
        # a second leader and a person on two teams are refused
        extra = person(office, "多余组长", o["orgdept"])
        expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                           {"person_id": extra, "role": "leader", "origin": "commission"}), 409, "conflict")
        expect(office.post(f"/api/v1/teams/{teams[1]}/members",
                           {"person_id": staff["组1member"], "role": "member", "origin": "commission"}),
               409, "conflict")
        # seconded needs its source unit
        r = expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                               {"person_id": extra, "role": "member", "origin": "seconded"}), 400)
        assert r.json["error"]["field"] == "source_unit_id"
        members = expect(office.get(f"/api/v1/teams/{teams[0]}/members"), 200).json["items"]
        assert [m["role"] for m in members] == roles and members[0]["vetting"] is None

        # recusal: a person who worked at 人防办 three years ago, a relative at 扶贫办,
        # and someone from the dispatched group supervising both, are caught
        zhou = person(office, "周某 (曾任人防办科长)", o["orgdept"])
        expect(office.post(f"/api/v1/persons/{zhou}/work-history",
                           {"org_id": o["u1"], "post": "科长", "start_date": "2015-03-01",
                            "end_date": days_from_today(-3 * 365)}), 201)
        r = expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                               {"person_id": zhou, "role": "member", "origin": "seconded",
                                "source_unit_id": o["orgdept"]}), 409, "recusal_conflict")
        assert "枣阳市人民防空办公室" in r.json["error"]["message"] and "年内曾在该单位工作" in r.json["error"]["message"]
        assert r.json["error"]["conflicts"][0]["unit_id"] == o["u1"]
        wu = person(office, "吴某", o["orgdept"])
        expect(office.post(f"/api/v1/persons/{wu}/relatives",
                           {"name": "吴某某", "relation": "配偶", "org_id": o["u2"]}), 201)
        r = expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                               {"person_id": wu, "role": "member", "origin": "seconded",
                                "source_unit_id": o["orgdept"]}), 409, "recusal_conflict")
        assert "近亲属吴某某 (配偶)" in r.json["error"]["message"]
        gao = person(office, "高某", o["dg1"])
        r = expect(office.get(f"/api/v1/recusal/check?team_id={teams[0]}&person_id={gao}"), 200)
        assert r.json["conflict"] and "监督" in r.json["conflicts"][0]["reasons"][0]
        # long ago is fine (configurable number of years, default 5)
        old = person(office, "钱某", o["orgdept"])
        expect(office.post(f"/api/v1/persons/{old}/work-history",
                           {"org_id": o["u1"], "start_date": "2001-01-01", "end_date": "2008-12-31"}), 201)
        r = expect(office.get(f"/api/v1/recusal/check?team_id={teams[0]}&person_id={old}"), 200)
        assert not r.json["conflict"]
        # asked of the visibility model: a team or person the user does not see (here: none such)
        # is 404, not an empty "no conflict"
        nobody = "01a21175-ef21-7723-bf82-ceba00a78ce5"
        expect(office.get(f"/api/v1/recusal/check?team_id={teams[0]}&person_id={nobody}"), 404, "not_found")
        expect(office.get(f"/api/v1/recusal/check?team_id={nobody}&person_id={old}"), 404, "not_found")

        # the leading group approves an exception for 周某 (with a reason, audited)
        exc = {"team_id": teams[0], "person_id": zhou, "unit_id": o["u1"], "reason": "熟悉人防工程业务, 已离开三年且无利害关系"}
        expect(office.post("/api/v1/recusal-exceptions", exc), 403, "forbidden")
        expect(lg.post("/api/v1/recusal-exceptions", {**exc, "reason": ""}), 400)
        expect(lg.post("/api/v1/recusal-exceptions", {**exc, "person_id": old}), 409, "no_conflict")
        r = expect(lg.post("/api/v1/recusal-exceptions", exc), 201)
        assert r.json["person_name"].startswith("周某") and r.json["reason"] == exc["reason"]
        expect(lg.post("/api/v1/recusal-exceptions", exc), 409)
        assert any(r.json["id"] == oid for oid, _ in audit_actions(s, "recusal.exception"))
        assert expect(office.get(f"/api/v1/recusal-exceptions?round_id={rid}"), 200).json["total"] == 1
        expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                           {"person_id": zhou, "role": "member", "origin": "seconded",
                            "source_unit_id": o["orgdept"]}), 201)

        # mobilization refused: nobody vetted yet; the refusal names who and why
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        assert len(r.json["error"]["blockers"]) == 21
        assert "组1leader (第一巡察组): 未提请廉政审核" in r.json["error"]["message"]

        # the office requests vetting for everyone in one action
        expect(cadre.post(f"/api/v1/rounds/{rid}/vetting"), 403, "forbidden")
        r = expect(office.post(f"/api/v1/rounds/{rid}/vetting", {"note": "请于三日内答复"}), 200)
        assert r.json["requested"] == 21
        assert expect(office.post(f"/api/v1/rounds/{rid}/vetting"), 200).json["requested"] == 0
        msgs = expect(cadre.get("/api/v1/messages"), 200).json["items"]
        assert any("共 21 人" in m["title"] for m in msgs)
        pending = expect(cadre.get(f"/api/v1/vettings?round_id={rid}&state=pending&per_page=100"), 200).json
        assert pending["total"] == 21
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        assert "廉政审核尚未答复" in r.json["error"]["message"]

        # the cadre department answers each; one has 异议
        bad = staff["组2member"]
        for v in pending["items"]:
            if v["person_id"] == bad:
                expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "objection"}), 400)
                expect(office.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 403)
                expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer",
                                  {"result": "objection", "reason": "近三年内受过诫勉谈话"}), 200)
                bad_vid = v["id"]
            else:
                r = expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 200)
                assert r.json["state"] == "clear"
        expect(cadre.post(f"/api/v1/vettings/{bad_vid}/answer", {"result": "clear"}), 409, "invalid_state")
        msgs = expect(office.get("/api/v1/messages?per_page=100"), 200).json["items"]
        assert any("有异议" in m["title"] for m in msgs)
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        assert r.json["error"]["blockers"] == [{"person_id": bad, "name": "组2member", "team": "第二巡察组",
                                                "reason": "廉政审核有异议 (近三年内受过诫勉谈话), 须调整人选"}]

        # replace: remove the person, add another, whose vetting is requested at once
        mid = [m["id"] for m in expect(office.get(f"/api/v1/teams/{teams[1]}/members"), 200).json["items"]
               if m["person_id"] == bad][0]
        expect(office.request("DELETE", f"/api/v1/teams/{teams[1]}/members/{mid}",
                              {"reason": "廉政审核有异议, 调整人选"}), 200)
        repl = person(office, "替换人选", o["orgdept"])
        r = expect(office.post(f"/api/v1/teams/{teams[1]}/members",
                               {"person_id": repl, "role": "member", "origin": "seconded",
                                "source_unit_id": o["orgdept"]}), 201)
        assert r.json["vetting"] == "pending"
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        assert [b["name"] for b in r.json["error"]["blockers"]] == ["替换人选"]
        v = expect(cadre.get(f"/api/v1/vettings?person_id={repl}"), 200).json["items"][0]
        expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 200)
        # the person with 异议 keeps the history
        hist = expect(lg.get(f"/api/v1/vettings?person_id={bad}"), 200).json
        assert hist["total"] == 1 and hist["items"][0]["state"] == "objection"
        expect(member.get("/api/v1/vettings"), 403)

        # now it goes; members are frozen afterwards
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize", {"note": "召开动员部署会"}), 200)
        assert r.json["state"] == "mobilized"
        expect(office.post(f"/api/v1/teams/{teams[0]}/members",
                           {"person_id": extra, "role": "member", "origin": "commission"}), 409, "invalid_state")
        for verb, state in [("enter", "on_site"), ("withdraw", "reporting"), ("feedback", "fed_back"),
                            ("rectify", "rectifying"), ("close", "closed")]:
            expect(lg.post(f"/api/v1/rounds/{rid}/{verb}"), 403)
            r = expect(office.post(f"/api/v1/rounds/{rid}/{verb}"), 200)
            assert r.json["state"] == state
        expect(office.post(f"/api/v1/rounds/{rid}/close"), 409, "invalid_state")
        expect(office.post(f"/api/v1/rounds/{rid}/explode"), 404)
        got = [a for (a,) in s.sql("SELECT action FROM audit WHERE object_id=? ORDER BY seq", (rid,))]
        assert got[:2] == ["round.create", "round.approve"] and got[-1] == "round.close"
        assert "round.mobilize" in got
        assert len(audit_actions(s, "vetting.answer")) == 22
        assert len(audit_actions(s, "team.member.remove")) == 1


@test
def special_patrol_of_160_villages_in_one_request():
    with Server() as s:
        o = s.ids["orgs"]
        office = s.client("office")
        town = o["u11"]
        # the office keeps the inspected units: the 160 villages in one import under their township
        csv = "名称\n" + "".join(f"琚湾镇第{i + 1:03d}村\n" for i in range(160))
        r = expect(office.post("/api/v1/orgs/import", {"csv": csv, "parent_id": town}), 201)
        assert r.json["imported"] == 160 and all(x["level"] == "village" for x in r.json["items"])
        villages = [x["id"] for x in r.json["items"]]
        rnd = new_round(office, "八届市委第七轮巡察 (脱贫攻坚专项巡察)", 7, kind="special",
                        campaign="2020 脱贫攻坚")
        team = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "name": "第一巡察组"}), 201).json["id"]
        dates = {"mobilization_date": days_from_today(5), "entry_date": days_from_today(6),
                 "withdrawal_date": days_from_today(36), "report_date": days_from_today(40)}
        # all-or-nothing: a bad row, a duplicate and a non-unit are reported by index, nothing is created
        bad = list(villages)
        bad[5] = "not-an-id"
        bad[7] = bad[6]
        bad[9] = o["conduct"]
        r = expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": bad, **dates}), 400, "invalid_rows")
        assert [(e["index"]) for e in r.json["error"]["rows"]] == [5, 7, 9]
        # rows count from 1 (as the imports do): index 5 is the sixth row
        assert [(e["row"]) for e in r.json["error"]["rows"]] == [6, 8, 10]
        assert "第 6 行" in r.json["error"]["message"] and "第 0 行" not in r.json["error"]["message"]
        assert expect(office.get(f"/api/v1/targets?round_id={rnd['id']}"), 200).json["total"] == 0
        r = expect(office.post(f"/api/v1/teams/{team}/targets",
                               {"unit_ids": villages, **dates, "entry_date": days_from_today(1)}), 400)
        assert r.json["error"]["field"] == "withdrawal_date" or r.json["error"]["field"] == "entry_date"
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [], **dates}), 400, "missing_field")
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": villages, "entry_date": "2026-13-01"}), 400)
        expect(s.client("member1").post(f"/api/v1/teams/{team}/targets", {"unit_ids": villages}), 403)

        r = expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": villages, **dates}), 201)
        assert r.json["created"] == 160 and len(r.json["items"]) == 160
        lst = expect(office.get(f"/api/v1/targets?round_id={rnd['id']}&per_page=200"), 200).json
        assert lst["total"] == 160 and all(t["entry_date"] == dates["entry_date"] for t in lst["items"])
        assert len(audit_actions(s, "target.create")) >= 160
        # again: every row already a target of this round -> 409, each row named
        r = expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": villages[:3], **dates}), 409, "conflict")
        assert len(r.json["error"]["rows"]) == 3 and "已是本轮" in r.json["error"]["rows"][0]["message"]
        # a member who must recuse from a village blocks adding it to a staffed team
        team2 = expect(office.post("/api/v1/teams", {"round_id": rnd["id"], "name": "第二巡察组"}), 201).json["id"]
        pid = expect(office.post("/api/v1/persons", {"name": "村医李某", "org_id": o["u4"]}), 201).json["id"]
        expect(office.post(f"/api/v1/persons/{pid}/relatives",
                           {"name": "李某某", "relation": "父亲", "org_id": o["u12"]}), 201)
        expect(office.post(f"/api/v1/teams/{team2}/members",
                           {"person_id": pid, "role": "member", "origin": "seconded", "source_unit_id": o["u4"]}), 201)
        r = expect(office.post(f"/api/v1/teams/{team2}/targets", {"unit_ids": [o["u12"]]}), 409, "conflict")
        assert "村医李某须回避" in r.json["error"]["rows"][0]["message"]
        expect(office.get(f"/api/v1/persons/{pid}/relatives"), 200)
        expect(s.client("member1").get(f"/api/v1/persons/{pid}/relatives"), 403)
