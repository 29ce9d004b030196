"""Issue 12, items 1, 2 and 4: the seed's stories replayed through the API.

1. long Chinese error messages stay valid UTF-8 and say how many more items
   they leave out (a township cadre facing its 160 villages; 11 unvetted
   members blocking a mobilization);
2. a reason made of blanks is no reason: text is trimmed and a required text
   may not be blank, for every lifecycle reason;
4. counts: organisations are not people, an outcome on a clue before its
   disposal is a conflict (409), distinct-people drill-downs answer `times`."""
import re

from lib import Server, expect, test, days_from_today, today_shanghai


def person(office, name, org=None):
    body = {"name": name, "post": "干部"}
    if org:
        body["org_id"] = org
    return expect(office.post("/api/v1/persons", body), 201).json["id"]


def new_round(office, name, seq, **extra):
    body = {"name": name, "term": "八届", "seq": seq, "kind": "regular", "theme": "政治巡察",
            "planned_start": days_from_today(20), "planned_end": days_from_today(80)}
    body.update(extra)
    return expect(office.post("/api/v1/rounds", body), 201).json["id"]


def message_ok(r):
    """The message is real text (not the fallback), and either complete or
    ending with how many more items it leaves out; returns (message, more)."""
    msg = r.json["error"]["message"]
    assert msg != "请求无效" and len(msg) > 20, msg
    msg.encode("utf-8")  # a str decoded from the reply: valid UTF-8 by construction
    assert len(msg.encode("utf-8")) <= 4096
    m = re.search(r"等 (\d+) 项$", msg)
    return msg, int(m.group(1)) if m else 0


@test
def township_cadre_facing_160_villages_gets_a_readable_recusal_message():
    with Server() as s:
        o = s.ids["orgs"]
        office = s.client("office")
        town = o["u11"]
        # the office keeps the inspected units and villages (issue 12 item 6)
        villages = [expect(office.post("/api/v1/orgs", {"kind": "unit", "name": f"琚湾镇第{i + 1:03d}村民委员会",
                                                        "parent_id": town, "level": "village"}), 201).json["id"]
                    for i in range(160)]
        rid = new_round(office, "八届市委第七轮巡察 (脱贫攻坚专项巡察)", 7)
        team = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201).json["id"]
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": villages}), 201)
        cadre = person(office, "琚湾镇干部张某", town)
        r = expect(office.post(f"/api/v1/teams/{team}/members",
                               {"person_id": cadre, "role": "member", "origin": "seconded", "source_unit_id": town}),
                   409, "recusal_conflict")
        assert len(r.json["error"]["conflicts"]) == 160
        msg, more = message_ok(r)
        assert msg.startswith("琚湾镇干部张某 须回避") and "对被巡察单位负有监督或领导职责" in msg
        shown = len(re.findall(r"「琚湾镇第\d{3}村民委员会」", msg))
        # one reason for all 160 villages: listed once, the villages as many as fit, the rest counted
        assert msg.count("负有监督或领导职责") == 1
        assert shown >= 10 and shown + more == 160 and more > 0, (shown, more)
        # the check answers the same, complete, in `conflicts`
        c = expect(office.get(f"/api/v1/recusal/check?team_id={team}&person_id={cadre}"), 200).json
        assert c["conflict"] and len(c["conflicts"]) == 160


@test
def mobilize_blocked_names_all_eleven_unvetted_members():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg = s.client("office"), s.client("lg")
        rid = new_round(office, "八届市委第八轮巡察", 8)
        team = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第三巡察组 (乡镇片区)"}), 201).json["id"]
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [o["u1"]]}), 201)
        names = [f"抽调干部第{i + 1:02d}号欧阳某某" for i in range(11)]
        for i, n in enumerate(names):
            pid = person(office, n, o["orgdept"])
            expect(office.post(f"/api/v1/teams/{team}/members",
                               {"person_id": pid, "role": "leader" if i == 0 else "member", "origin": "seconded",
                                "source_unit_id": o["orgdept"]}), 201)
        expect(lg.post(f"/api/v1/rounds/{rid}/approve"), 200)
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        assert len(r.json["error"]["blockers"]) == 11
        msg, more = message_ok(r)
        assert len(msg.encode("utf-8")) > 512  # what the old 512-byte buffer cut
        assert more == 0 and msg.startswith("不能动员部署, 以下 11 项未解决: ")
        for n in names:
            assert f"{n} (第三巡察组 (乡镇片区)): 未提请廉政审核" in msg, n


@test
def mobilize_blocked_by_long_objections_counts_the_rest():
    """Objections with reasons of 1000 characters: every blocker is in `blockers`
    (none lost to a reason cut inside a character), the message lists what fits
    and ends with how many more."""
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre = s.client("office"), s.client("lg"), s.client("cadre")
        rid = new_round(office, "八届市委第九轮巡察", 9)
        team = expect(office.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201).json["id"]
        for i in range(5):
            pid = person(office, f"干部{i + 1}", o["orgdept"])
            expect(office.post(f"/api/v1/teams/{team}/members",
                               {"person_id": pid, "role": "leader" if i == 0 else "member", "origin": "seconded",
                                "source_unit_id": o["orgdept"]}), 201)
        expect(lg.post(f"/api/v1/rounds/{rid}/approve"), 200)
        expect(office.post(f"/api/v1/rounds/{rid}/vetting"), 200)
        why = ("近三年内受过诫勉谈话, 且有信访举报反映其违规收受礼金" * 40)[:999] + "止"
        for v in expect(cadre.get(f"/api/v1/vettings?round_id={rid}&per_page=100"), 200).json["items"]:
            expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "objection", "reason": why}), 200)
        r = expect(office.post(f"/api/v1/rounds/{rid}/mobilize"), 409, "mobilize_blocked")
        bl = r.json["error"]["blockers"]
        assert len(bl) == 5 and all(b["reason"].endswith("止), 须调整人选") for b in bl), [b["reason"][-20:] for b in bl]
        msg, more = message_ok(r)
        assert msg.startswith("不能动员部署, 以下 5 项未解决: 干部")
        assert 0 < more < 5 and msg.count("须调整人选") == 5 - more, (more, msg[-40:])


@test
def a_reason_of_blanks_is_refused_and_text_is_stored_trimmed():
    with Server() as s:
        tg, o = s.ids["targets"], s.ids["orgs"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        ver, inv = s.client("verification"), s.client("investigation")

        def blank(r, field="reason"):
            expect(r, 400, "missing_field")
            assert r.json["error"]["field"] == field, r
            assert "理由" in r.json["error"]["message"] or field != "reason", r

        # 提请协助 rejected by the leading group: "   " is no reason
        a = expect(member1.post("/api/v1/assistance", {"target_id": tg["u1"], "need": "  查询银行流水  ",
                                                      "reason": "\n 发现公款私存线索\t"}), 201).json
        assert a["need"] == "查询银行流水" and a["reason"] == "发现公款私存线索"
        expect(leader1.post(f"/api/v1/assistance/{a['id']}/submit"), 200)
        for b in ("   ", "\t\n", "　　", ""):
            blank(lg.post(f"/api/v1/assistance/{a['id']}/reject", {"reason": b}))
        assert expect(lg.get(f"/api/v1/assistance/{a['id']}"), 200).json["state"] == "submitted"
        rej = expect(lg.post(f"/api/v1/assistance/{a['id']}/reject", {"reason": "  线索不具体, 请补充后再报  "}), 200).json
        assert rej["state"] == "rejected" and rej["decision_note"] == "线索不具体, 请补充后再报"

        # a joint-review flag cleared with blanks stays open
        p = expect(member1.post("/api/v1/problems", {
            "target_id": tg["u1"], "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
            "description": "单位将公款存入会计个人账户", "found_by": "records", "found_on": today_shanghai()}), 201).json["id"]
        expect(leader1.post(f"/api/v1/problems/{p}/confirm"), 200)
        rv = expect(ver.post("/api/v1/joint-reviews", {"team_id": s.ids["teams"]["t1"], "title": "  联审  ",
                                                       "scheduled_on": today_shanghai()}), 201).json
        assert rv["title"] == "联审"
        blank(ver.patch(f"/api/v1/joint-reviews/{rv['id']}", {"title": " 　 "}), "title")
        it = expect(ver.post(f"/api/v1/joint-reviews/{rv['id']}/items", {"problem_id": p}), 201).json
        it = expect(ver.patch(f"/api/v1/review-items/{it['id']}", {"proposed": "criticism"}), 200).json
        assert it["flag_lenient"] is True
        blank(ver.post(f"/api/v1/review-items/{it['id']}/clear", {"reason": "   "}))
        items = expect(ver.get(f"/api/v1/joint-reviews/{rv['id']}/items"), 200).json["items"]
        assert items[0]["flag_cleared_at"] is None
        c = expect(ver.post(f"/api/v1/review-items/{it['id']}/clear", {"reason": " 情节轻微, 集体研究 \n"}), 200).json
        assert c["clear_reason"] == "情节轻微, 集体研究"

        # other reasons: an accountability decision revoked, a report returned, a recusal exception
        cid = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计刘某公款私存",
                                                    "subject_name": "刘某", "source": "records",
                                                    "discovered_on": today_shanghai(),
                                                    "allegation": "将公款存入个人账户"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/clues/{cid}/verify"), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover"), 200)
        acc = expect(inv.post("/api/v1/accountability", {
            "clue_id": cid, "subject_kind": "person", "subject_name": " 刘某 ", "outcome": "admonition",
            "authority": "枣阳市纪委监委", "decided_on": today_shanghai()}), 201).json
        assert acc["subject_name"] == "刘某"
        blank(inv.post(f"/api/v1/accountability/{acc['id']}/revoke", {"reason": " \n "}))
        assert expect(inv.get(f"/api/v1/accountability/{acc['id']}"), 200).json["state"] == "decided"

        rep = expect(member1.post("/api/v1/reports", {"target_id": tg["u1"], "text": "巡察报告"}), 201).json["id"]
        expect(leader1.post(f"/api/v1/reports/{rep}/submit"), 200)
        blank(lg.post(f"/api/v1/reports/{rep}/return", {"reason": "　"}))
        assert expect(lg.get(f"/api/v1/reports/{rep}"), 200).json["state"] == "submitted"

        team = s.ids["teams"]["t1"]
        zhou = person(office, "周某", o["u1"])
        blank(lg.post("/api/v1/recusal-exceptions", {"team_id": team, "person_id": zhou, "unit_id": o["u1"],
                                                     "reason": "   "}))
        assert s.sql("SELECT count(*) FROM recusal_exceptions")[0][0] == 0


def figures(client, query=""):
    d = expect(client.get("/api/v1/stats" + query), 200).json
    return {m["name"]: m["value"] for m in d["measures"]}


def handed_over_clue(s, subject="刘某"):
    tg = s.ids["targets"]
    member1, leader1, office = s.client("member1"), s.client("leader1"), s.client("office")
    cid = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": f"{subject}公款私存",
                                                "subject_name": subject, "source": "records",
                                                "discovered_on": today_shanghai(),
                                                "allegation": "将公款存入个人账户"}), 201).json["id"]
    expect(leader1.post(f"/api/v1/clues/{cid}/verify"), 200)
    expect(office.post(f"/api/v1/clues/{cid}/handover"), 200)
    return cid


@test
def an_organisation_is_not_counted_as_a_person():
    with Server() as s:
        inv, office = s.client("investigation"), s.client("office")
        cid = handed_over_clue(s)
        base = {"clue_id": cid, "authority": "枣阳市纪委监委", "decided_on": today_shanghai()}
        before = figures(office)
        # one 通报 of a party organisation, one 诫勉 of a person
        expect(inv.post("/api/v1/accountability", dict(base, subject_kind="organization",
                                                       subject_name="中共枣阳市人民防空办公室党组",
                                                       outcome="circulated_criticism")), 201)
        expect(inv.post("/api/v1/accountability", dict(base, subject_kind="person", subject_name="刘某",
                                                       outcome="admonition")), 201)
        # an organisation handled beyond 问责 is not a person either
        expect(inv.post("/api/v1/accountability", dict(base, subject_kind="organization",
                                                       subject_name="某党支部", outcome="party_warning")), 201)
        after = figures(office)
        moved = {k: after[k] - before[k] for k in ("people_accountability_measures", "people_accountable",
                                                   "orgs_accountable", "accountability_records",
                                                   "people_party_discipline", "four_forms")
                 if isinstance(after[k], int)}
        assert moved["people_accountability_measures"] == 1, moved
        assert moved["people_accountable"] == 1 and moved["orgs_accountable"] == 2, moved
        assert moved["people_party_discipline"] == 0 and moved["accountability_records"] == 3, moved
        recs = expect(office.get("/api/v1/stats/people_accountability_measures/records"), 200).json
        assert recs["total"] == after["people_accountability_measures"]
        assert all(i["subject_kind"] != "organization" for i in recs["items"])


@test
def distinct_people_drill_down_answers_times():
    with Server() as s:
        inv, office = s.client("investigation"), s.client("office")
        cid = handed_over_clue(s)
        base = {"clue_id": cid, "authority": "枣阳市纪委监委", "decided_on": today_shanghai(),
                "subject_kind": "person", "subject_name": "刘某"}
        expect(inv.post("/api/v1/accountability", dict(base, outcome="admonition")), 201)
        expect(inv.post("/api/v1/accountability", dict(base, outcome="party_warning")), 201)
        d = expect(office.get("/api/v1/stats/people_accountable/records"), 200).json
        row = [i for i in d["items"] if i["subject_name"] == "刘某"]
        assert len(row) == 1 and row[0]["times"] == 2 and "records" not in row[0], row
        # the person's unit by name (the page reads the records alone and names the unit by id)
        unit = expect(office.get(f"/api/v1/clues/{cid}"), 200).json["unit_id"]
        names = {o["id"]: o["name"] for o in expect(office.get("/api/v1/orgs?per_page=200"), 200).json["items"]}
        assert row[0]["unit_name"] == names[unit], (row, unit)
        assert sorted(row[0]["outcomes"].split(",")) == ["admonition", "party_warning"], row


@test
def clue_outcome_before_disposal_is_a_conflict():
    with Server() as s:
        inv, casemgmt, member1 = s.client("investigation"), s.client("casemgmt"), s.client("member1")
        cid = handed_over_clue(s)
        body = {"case_filed_on": today_shanghai(), "authority": "枣阳市纪委监委"}
        # handed over, not registered: the commission sees it, the step is not possible yet
        for c in (inv, casemgmt):
            r = expect(c.post(f"/api/v1/clues/{cid}/outcome", body), 409, "invalid_state")
            assert r.json["error"]["field"] == "state"
        expect(casemgmt.post(f"/api/v1/clues/{cid}/register"), 200)
        expect(inv.post(f"/api/v1/clues/{cid}/outcome", body), 409, "invalid_state")
        expect(member1.post(f"/api/v1/clues/{cid}/outcome", body), 403)
        expect(casemgmt.post(f"/api/v1/clues/{cid}/dispose", {"method": "preliminary_verification"}), 200)
        expect(inv.post(f"/api/v1/clues/{cid}/outcome", body), 200)
        # a clue the commission cannot see (a team's draft) stays a 404
        draft = expect(member1.post("/api/v1/clues", {"target_id": s.ids["targets"]["u1"], "title": "草稿线索",
                                                      "subject_name": "某某", "source": "records",
                                                      "discovered_on": today_shanghai(),
                                                      "allegation": "x"}), 201).json["id"]
        expect(inv.post(f"/api/v1/clues/{draft}/outcome", body), 404)
