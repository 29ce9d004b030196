"""Issue 12 (items 6-8): the inspection office keeps the list of inspected
units (one by one and in bulk under a township, all-or-nothing) while
sysadmin keeps the system's own organisations; a team member replaced after
mobilization with the leading group's approval (the newcomer vetted and
recusal-checked, the replaced member losing access, history keeping both);
the recusal chain follows the organisation tree to the root; matching
counts only rounds actually served; no 廉政审核函 for a closed round."""
import base64

import xlsxio
from lib import Server, expect, test, days_from_today


def person(office, name, org=None):
    body = {"name": name}
    if org:
        body["org_id"] = org
    return expect(office.post("/api/v1/persons", body), 201).json["id"]


def new_round(office, name, seq, **extra):
    return expect(office.post("/api/v1/rounds", {"name": name, "term": "八届", "seq": seq, **extra}), 201).json["id"]


def new_team(office, rnd, name="第一巡察组"):
    return expect(office.post("/api/v1/teams", {"round_id": rnd, "name": name}), 201).json["id"]


def add_member(office, team, pid, role="member", src=None):
    body = {"person_id": pid, "role": role, "origin": "seconded" if src else "commission"}
    if src:
        body["source_unit_id"] = src
    return office.post(f"/api/v1/teams/{team}/members", body)


def vet_all(s, rnd):
    office, cadre = s.client("office"), s.client("cadre")
    expect(office.post(f"/api/v1/rounds/{rnd}/vetting"), 200)
    for v in expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&state=pending&per_page=100"), 200).json["items"]:
        expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 200)


@test
def the_office_keeps_inspected_units_and_sysadmin_the_system_orgs():
    with Server() as s:
        o = s.ids["orgs"]
        office, admin = s.client("office"), s.client("sysadmin")
        # one by one: the office adds a newly inspected unit, not a commission office
        u = expect(office.post("/api/v1/orgs", {"kind": "unit", "name": "枣阳市城市管理执法局",
                                                "supervisor_id": o["dg2"]}), 201).json
        expect(office.patch(f"/api/v1/orgs/{u['id']}", {"short_name": "城管局"}), 200)
        r = expect(office.post("/api/v1/orgs", {"kind": "commission_dept", "name": "市纪委监委第九室"}), 403,
                   "forbidden_kind")
        assert "系统管理员维护" in r.json["error"]["message"]
        expect(office.patch(f"/api/v1/orgs/{o['conduct']}", {"short_name": "党风室"}), 403, "forbidden_kind")
        # sysadmin keeps the system's own organisations, no longer the inspected units
        expect(admin.post("/api/v1/orgs", {"kind": "commission_dept", "name": "市纪委监委第二审查调查室",
                                           "code": "investigation", "parent_id": o["commission"]}), 201)
        r = expect(admin.post("/api/v1/orgs", {"kind": "unit", "name": "枣阳市某局"}), 403, "forbidden_kind")
        assert "巡察办维护" in r.json["error"]["message"]
        expect(admin.patch(f"/api/v1/orgs/{u['id']}", {"short_name": "x"}), 403, "forbidden_kind")
        expect(admin.post("/api/v1/orgs/import", {"csv": "名称\n某村\n"}), 403, "forbidden_kind")
        assert s.sql("SELECT count(*) FROM audit WHERE action='org.write' AND result='denied'")[0][0] >= 5
        expect(s.client("member1").post("/api/v1/orgs/import", {"csv": "名称\n某村\n"}), 403, "forbidden")

        # bulk under a township: all or nothing, every bad row named by its line (from 1)
        town = o["u12"]  # 枣阳市吴店镇, supervised by 派驻第二纪检监察组
        bad = "名称,层级\n吴店镇东坡村,村\n吴店镇东坡村,村\n枣阳市教育局,村\n吴店镇西坡村,县\n,村\n"
        r = expect(office.post("/api/v1/orgs/import", {"csv": bad, "parent_id": town}), 400, "invalid_rows")
        assert [x["row"] for x in r.json["error"]["rows"]] == [3, 4, 5, 6], r.json
        assert "第 3 行" in r.json["error"]["message"] and "未导入任何单位" in r.json["error"]["message"]
        assert s.sql("SELECT count(*) FROM orgs WHERE name LIKE '吴店镇%'")[0][0] == 0
        expect(office.post("/api/v1/orgs/import", {"csv": "名称\n甲村\n", "parent_id": o["conduct"]}), 400,
               "invalid_field")
        expect(office.post("/api/v1/orgs/import", {"csv": "村名\n甲村\n"}), 400, "invalid_rows")
        # an .xlsx sheet works the same; empty rows are skipped but keep the numbering
        sheet = [["序号", "名称", "层级"], [1, "吴店镇东坡村", "村"], [], [2, "吴店镇白鹤社区", "社区"]]
        r = expect(office.post("/api/v1/orgs/import", {"xlsx": base64.b64encode(xlsxio.write(sheet)).decode(),
                                                       "parent_id": town}), 201).json
        assert r["imported"] == 2 and {x["level"] for x in r["items"]} == {"village"}
        rows = s.sql("SELECT parent_id, supervisor_id, level, kind FROM orgs WHERE name='吴店镇白鹤社区'")
        assert rows == [(town, o["dg2"], "village", "unit")]  # the township's dispatched group supervises it
        assert s.sql("SELECT count(*) FROM audit WHERE action='org.create' AND actor_login='office'")[0][0] == 3

        # the target import names units not yet registered and points to the import that registers them
        rnd = new_round(office, "八届市委第八轮巡察", 8, kind="special")
        team = new_team(office, rnd)
        csv = "被巡察单位\n吴店镇东坡村\n吴店镇南岗村\n吴店镇北岗村\n"
        r = expect(office.post(f"/api/v1/teams/{team}/targets/import", {"csv": csv}), 400, "invalid_rows")
        assert r.json["error"]["unknown_units"] == ["吴店镇南岗村", "吴店镇北岗村"]
        assert [x["row"] for x in r.json["error"]["rows"]] == [3, 4]
        expect(office.post(r.json["error"]["create_with"], {"csv": "名称\n吴店镇南岗村\n吴店镇北岗村\n",
                                                            "parent_id": town}), 201)
        assert expect(office.post(f"/api/v1/teams/{team}/targets/import", {"csv": csv}), 201).json["created"] == 3


@test
def recusal_follows_the_organisation_tree_to_the_root():
    with Server() as s:
        o = s.ids["orgs"]
        office = s.client("office")
        # 琚湾镇 → 东片管区 → 王庄村: a township cadre leads the village two levels down
        area = expect(office.post("/api/v1/orgs", {"kind": "unit", "name": "琚湾镇东片管区", "level": "township",
                                                   "parent_id": o["u11"]}), 201).json["id"]
        village = expect(office.post("/api/v1/orgs", {"kind": "unit", "name": "琚湾镇王庄村", "level": "village",
                                                      "parent_id": area}), 201).json["id"]
        rnd = new_round(office, "八届市委第九轮巡察", 9, kind="village")
        team = new_team(office, rnd)
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [village]}), 201)
        cadre = person(office, "琚湾镇干部", o["u11"])
        dg = person(office, "派驻二组干部", o["dg2"])  # supervises 琚湾镇, hence its villages
        other = person(office, "吴店镇干部", o["u12"])
        for pid in (cadre, dg):
            c = expect(office.get(f"/api/v1/recusal/check?team_id={team}&person_id={pid}"), 200).json
            assert c["conflict"] and c["conflicts"][0]["unit_id"] == village, c
            assert "监督或领导职责" in c["conflicts"][0]["reasons"][0]
            expect(add_member(office, team, pid, src=o["u11"] if pid == cadre else None), 409, "recusal_conflict")
        assert not expect(office.get(f"/api/v1/recusal/check?team_id={team}&person_id={other}"), 200).json["conflict"]
        expect(add_member(office, team, other, src=o["u12"]), 201)


@test
def matching_counts_rounds_actually_served_recent_first():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg = s.client("office"), s.client("lg")
        vet = person(office, "老手己", o["investigation"])
        # served in two rounds that were mobilized (2019 then 2020) and sat on one only planned
        names = []
        for seq, start in ((11, "2019-05-06"), (12, "2020-05-11"), (13, None)):
            name = f"八届市委第{seq}轮巡察"
            rnd = new_round(office, name, seq, **({"planned_start": start} if start else {}))
            expect(add_member(office, new_team(office, rnd), vet), 201)
            if start:
                vet_all(s, rnd)
                expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
                expect(office.post(f"/api/v1/rounds/{rnd}/mobilize"), 200)
                names.append(name)
        rnd = new_round(office, "八届市委第十四轮巡察", 14)
        new_team(office, rnd)
        sug = expect(office.get(f"/api/v1/rounds/{rnd}/suggestions?count=5"), 200).json["teams"][0]["suggestions"]
        me = [x for x in sug if x["name"] == "老手己"][0]
        assert me["rounds_served"] == 2, me                       # the planned round is not counted
        assert me["served_rounds"] == names[::-1], me             # most recent first
        assert "已参加巡察 2 轮 (最近: 八届市委第12轮巡察)" in me["reason"]


@test
def no_vetting_letter_for_a_closed_round():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg = s.client("office"), s.client("lg")
        rnd = new_round(office, "八届市委第十五轮巡察", 15)
        expect(add_member(office, new_team(office, rnd), person(office, "钱某", o["orgdept"]), src=o["orgdept"]), 201)
        vet_all(s, rnd)
        expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
        for verb in ("mobilize", "enter", "withdraw", "feedback", "rectify", "close"):
            expect(office.post(f"/api/v1/rounds/{rnd}/{verb}"), 200)
        r = expect(office.post("/api/v1/documents", {"kind": "vetting_request", "object_id": rnd}), 409, "not_ready")
        assert "已结束" in r.json["error"]["message"]
        assert s.sql("SELECT count(*) FROM documents")[0][0] == 0


def account(s, login, pid, grant_team=None):
    admin, sec = s.client("sysadmin"), s.client("secadmin")
    u = expect(admin.post("/api/v1/users", {"login": login, "display_name": login, "person_id": pid}), 201).json
    if grant_team:
        expect(sec.post(f"/api/v1/users/{u['id']}/roles", {"role": "team_member", "scope_id": grant_team}), 201)
    return u["id"], u["one_time_password"]


@test
def a_member_replaced_after_mobilization_with_the_leading_groups_approval():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre = s.client("office"), s.client("lg"), s.client("cadre")
        rnd = new_round(office, "八届市委第十六轮巡察", 16)
        team = new_team(office, rnd)
        target = expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [o["u5"]]}), 201).json["items"][0]["id"]
        old = person(office, "孙病假", o["orgdept"])
        new = person(office, "周替补", o["orgdept"])
        conflicted = person(office, "吴住建", o["u5"])      # works at the target: must recuse
        leader = person(office, "郑组长", o["orgdept"])
        leader_m = expect(add_member(office, team, leader, role="leader", src=o["orgdept"]), 201).json["id"]
        old_m = expect(add_member(office, team, old, src=o["orgdept"]), 201).json["id"]
        old_uid, old_pw = account(s, "sunbj", old, grant_team=team)
        new_uid, new_pw = account(s, "zhoutb", new)
        # before mobilization the office changes members itself: no request needed
        r = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": new,
                                                         "reason": "病假"}), 409, "invalid_state")
        assert "直接调整" in r.json["error"]["message"]
        vet_all(s, rnd)
        expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
        expect(office.post(f"/api/v1/rounds/{rnd}/mobilize"), 200)
        expect(office.post(f"/api/v1/rounds/{rnd}/enter"), 200)
        # members are frozen after mobilization
        expect(add_member(office, team, new, src=o["orgdept"]), 409, "invalid_state")

        # the old member works on site and records a problem
        oldc = s.client("sunbj", old_pw)
        cat = s.sql("SELECT id FROM problem_categories WHERE code='0403'")[0][0]
        pid = expect(oldc.post("/api/v1/problems", {
            "target_id": target, "category_id": cat, "title": "公款私存", "description": "会计将资金存入个人账户",
            "found_by": "records", "found_on": days_from_today(0)}), 201).json["id"]
        expect(oldc.get(f"/api/v1/problems/{pid}"), 200)
        newc = s.client("zhoutb", new_pw)
        expect(newc.get(f"/api/v1/problems/{pid}"), 403)

        # a conflicted newcomer is refused at once, naming the conflict
        r = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": conflicted,
                                                         "reason": "孙病假因病住院"}), 409, "recusal_conflict")
        assert r.json["error"]["conflicts"][0]["unit_id"] == o["u5"]
        expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": leader, "person_id": new,
                                                     "reason": "x"}), 400, "invalid_field")
        expect(s.client("member1").post("/api/v1/replacements", {"team_id": team, "member_id": old_m,
                                                                 "person_id": new, "reason": "x"}), 403)
        # the request: the newcomer is put to 廉政审核 at once; the leading group is told
        rq = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": new,
                                                          "reason": "孙病假因病住院, 不能继续参加巡察"}), 201).json
        assert rq["state"] == "requested" and rq["role"] == "member" and rq["vetting"] == "pending"
        assert rq["old_person_name"] == "孙病假" and rq["person_name"] == "周替补"
        assert rq["origin"] == "seconded" and rq["source_unit_id"] == o["orgdept"]
        assert any(m["object_id"] == rq["id"] for m in expect(lg.get("/api/v1/messages"), 200).json["items"])
        other = person(office, "王另选", o["orgdept"])
        r = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": other,
                                                         "reason": "again"}), 409)   # one open request per member
        r = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": leader_m, "person_id": old_m,
                                                         "reason": "x"}), 400, "invalid_field")
        expect(office.patch(f"/api/v1/replacements/{rq['id']}", {"reason": "改"}), 400)  # fixed once asked
        # only the leading group decides; not while the newcomer is unvetted
        expect(office.post(f"/api/v1/replacements/{rq['id']}/approve"), 403)
        r = expect(lg.post(f"/api/v1/replacements/{rq['id']}/approve"), 409, "not_vetted")
        assert "尚未答复" in r.json["error"]["message"] and r.json["error"]["field"] == "person_id"
        v = expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&person_id={new}"), 200).json["items"]
        assert len(v) == 1 and v[0]["state"] == "pending"
        expect(cadre.post(f"/api/v1/vettings/{v[0]['id']}/answer", {"result": "clear"}), 200)
        done = expect(lg.post(f"/api/v1/replacements/{rq['id']}/approve", {"note": "同意"}), 200).json
        assert done["state"] == "approved" and done["new_member_id"] and done["decision_note"] == "同意"

        # access follows membership: the replaced member loses the team's records, the newcomer gains them
        assert oldc.get(f"/api/v1/problems/{pid}").status in (403, 404)
        assert oldc.get(f"/api/v1/problems?team_id={team}").status in (403, 200)
        expect(newc.get(f"/api/v1/problems/{pid}"), 200)
        # history keeps both: the replaced row is marked, not deleted
        ms = {m["person_name"]: m for m in expect(office.get(f"/api/v1/teams/{team}/members"), 200).json["items"]}
        assert ms["孙病假"]["member_state"] == "replaced" and ms["孙病假"]["replaced_at"]
        assert ms["孙病假"]["replaced_by"] == done["new_member_id"] == ms["周替补"]["id"]
        assert ms["周替补"]["member_state"] == "active" and ms["周替补"]["vetting"] == "clear"
        assert ms["周替补"]["replacement_id"] == ms["孙病假"]["replacement_id"] == rq["id"]
        assert {a for (a,) in s.sql("SELECT action FROM audit WHERE object_id=? OR detail LIKE ?",
                                       (rq["id"], f'%{rq["id"]}%'))} >= {
            "replacement.create", "replacement.approve", "role.revoke", "role.grant"}
        assert s.sql("SELECT count(*) FROM user_roles WHERE user_id=?", (old_uid,))[0][0] == 0
        # a decided request does not move again; a rejection needs a reason
        expect(lg.post(f"/api/v1/replacements/{rq['id']}/reject", {"reason": "x"}), 409, "invalid_state")
        # the replaced person cannot come back in this round; the replaced row cannot be replaced again
        expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": leader_m, "person_id": old,
                                                     "reason": "组长调整"}), 409, "conflict")
        expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": other,
                                                     "reason": "再调整"}), 409, "conflict")
        hist = expect(office.get(f"/api/v1/replacements?team_id={team}"), 200).json
        assert hist["total"] == 1 and hist["items"][0]["state"] == "approved"
        expect(s.client("member1").get("/api/v1/replacements"), 403)


@test
def a_replacement_refused_for_an_objection_or_a_conflict_found_later():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre = s.client("office"), s.client("lg"), s.client("cadre")
        rnd = new_round(office, "八届市委第十七轮巡察", 17)
        team = new_team(office, rnd)
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [o["u6"]]}), 201)
        old = person(office, "冯原组员", o["orgdept"])
        old_m = expect(add_member(office, team, old, src=o["orgdept"]), 201).json["id"]
        old_uid, old_pw = account(s, "fengyzy", old, grant_team=team)
        vet_all(s, rnd)
        expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
        expect(office.post(f"/api/v1/rounds/{rnd}/mobilize"), 200)
        # the newcomer's vetting comes back 有异议: the leading group cannot approve; it rejects
        a = person(office, "陈有异议", o["orgdept"])
        rq = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": a,
                                                          "reason": "原组员发现回避情形"}), 201).json
        v = expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&person_id={a}"), 200).json["items"][0]
        expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "objection", "reason": "有信访举报在核"}), 200)
        r = expect(lg.post(f"/api/v1/replacements/{rq['id']}/approve"), 409, "not_vetted")
        assert "有异议" in r.json["error"]["message"]
        expect(lg.post(f"/api/v1/replacements/{rq['id']}/reject"), 400)
        assert expect(lg.post(f"/api/v1/replacements/{rq['id']}/reject", {"reason": "人选有异议"}),
                      200).json["state"] == "rejected"
        # the same person cannot be proposed again in this round (有异议)
        expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": a,
                                                     "reason": "再议"}), 409, "vetting_objection")
        # a conflict found after the request (a relative declared at the target) stops the approval
        b = person(office, "林后报", o["orgdept"])
        rq = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": b,
                                                          "reason": "原组员发现回避情形"}), 201).json
        v = expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&person_id={b}"), 200).json["items"][0]
        expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 200)
        expect(office.post(f"/api/v1/persons/{b}/relatives", {"name": "林某", "relation": "配偶", "org_id": o["u6"],
                                                               "post": "科员"}), 201)
        r = expect(lg.post(f"/api/v1/replacements/{rq['id']}/approve"), 409, "recusal_conflict")
        assert r.json["error"]["conflicts"][0]["unit_id"] == o["u6"]
        # nothing changed: the member is still on the team with access
        ms = expect(office.get(f"/api/v1/teams/{team}/members"), 200).json["items"]
        assert [(m["person_name"], m["member_state"]) for m in ms] == [("冯原组员", "active")]
        assert s.sql("SELECT count(*) FROM user_roles WHERE user_id=?", (old_uid,))[0][0] == 1
        assert expect(office.get(f"/api/v1/replacements/{rq['id']}"), 200).json["state"] == "requested"
