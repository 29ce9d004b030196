"""信访件 received on site: logged by the team (letter/visit/phone/online/码上巡)
with the reporter's identity sealed in a separately-permissioned field whose
every read is audited; triage by the team leader into a clue (a linked draft
clue), a transfer to the unit, or a closure with reason."""
from lib import Server, expect, test, today_shanghai, days_from_today

SUMMARY = "反映村干部在危房改造补助发放中优亲厚友"


def log(c, target, **extra):
    body = {"target_id": target, "channel": "qr_code", "received_on": today_shanghai(), "summary": SUMMARY,
            "reporter_name": "举报人甲-CANARY", "reporter_contact": "13800000000"}
    body.update(extra)
    return c.post("/api/v1/petitions", body)


def approved_reveal(s, c, pid):
    """The reporter is shown only after a reveal request approved by the leading group (issue 18)."""
    q = expect(c.post(f"/api/v1/petitions/{pid}/reveal-requests", {"reason": "核实信访人身份以便回访"}), 201).json
    expect(s.client("lg").post(f"/api/v1/reveal-requests/{q['id']}/approve", {"note": "同意"}), 200)


@test
def petitions_sealed_reporter_and_triage():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, member2 = s.client("member1"), s.client("leader1"), s.client("member2")
        office = s.client("office")
        expect(log(member1, tg["u1"], anonymous=True), 400)
        expect(log(member1, tg["u1"], received_on=days_from_today(1)), 400)
        r = expect(log(member1, tg["u1"], channel="fax"), 400)
        assert r.json["error"]["field"] == "channel"
        expect(log(member2, tg["u1"]), 403)
        expect(s.client("casemgmt").get("/api/v1/petitions"), 403)

        p = expect(log(member1, tg["u1"]), 201).json
        pid = p["id"]
        assert p["state"] == "received" and "reporter" not in p and p["allowed_actions"] == []
        raw = s.sql("SELECT reporter_enc FROM petitions WHERE id=?", (pid,))[0][0]
        assert "CANARY" not in raw and "13800000000" not in raw
        assert not s.sql("SELECT count(*) FROM audit WHERE detail LIKE '%CANARY%'")[0][0]

        got = expect(member1.get(f"/api/v1/petitions/{pid}"), 200).json
        assert "reporter" not in got and got["reporter_sealed"] is True
        expect(member2.get(f"/api/v1/petitions/{pid}"), 404)
        got = expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        assert "reporter" not in got and got["reporter_sealed"] is True  # sealed until a second person approves
        assert [a["verb"] for a in got["allowed_actions"]] == ["to_clue", "transfer", "close"]
        approved_reveal(s, leader1, pid)
        got = expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        assert got["reporter"] == {"name": "举报人甲-CANARY", "contact": "13800000000"}
        approved_reveal(s, office, pid)
        assert expect(office.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"]["contact"] == "13800000000"
        reads = s.sql("SELECT actor_login FROM audit WHERE action='petition.reporter.read' AND object_id=?", (pid,))
        assert sorted(a for (a,) in reads) == ["leader1", "office"]
        assert expect(member1.get("/api/v1/petitions"), 200).json["total"] == 1
        assert expect(member2.get("/api/v1/petitions"), 200).json["total"] == 0
        assert expect(office.get("/api/v1/petitions?channel=qr_code"), 200).json["total"] == 1

        # triage into a clue: a draft clue of the foundation slice, linked
        expect(member1.post(f"/api/v1/petitions/{pid}/to_clue", {"title": "x", "subject_name": "y"}), 403)
        expect(leader1.post(f"/api/v1/petitions/{pid}/to_clue", {"title": "危房改造补助优亲厚友"}), 400)
        r = expect(leader1.post(f"/api/v1/petitions/{pid}/to_clue",
                                {"title": "危房改造补助优亲厚友", "subject_name": "李某", "subject_post": "村支书"}), 200)
        assert r.json["state"] == "to_clue" and r.json["clue_id"]
        clue = expect(leader1.get(f"/api/v1/clues/{r.json['clue_id']}"), 200).json
        assert clue["state"] == "draft" and clue["source"] == "petition" and clue["allegation"] == SUMMARY
        expect(leader1.post(f"/api/v1/petitions/{pid}/close", {"reason": "重复"}), 409, "invalid_state")
        assert any(m["object_id"] == pid for m in expect(office.get("/api/v1/messages"), 200).json["items"])

        # transfer to the unit, and closure with reason; anonymous petitions keep no identity
        p2 = expect(log(member1, tg["u2"], channel="letter", anonymous=True, reporter_name=None,
                        reporter_contact=None), 201).json
        assert expect(leader1.get(f"/api/v1/petitions/{p2['id']}"), 200).json["reporter_sealed"] is False
        expect(leader1.post(f"/api/v1/petitions/{p2['id']}/transfer", {}), 400)
        r = expect(leader1.post(f"/api/v1/petitions/{p2['id']}/transfer", {"note": "转被巡察单位核查办理并反馈"}), 200)
        assert r.json["state"] == "transferred" and r.json["state_label"] == "已转被巡察单位办理"
        p3 = expect(log(member1, tg["u1"], channel="visit"), 201).json
        expect(leader1.post(f"/api/v1/petitions/{p3['id']}/close", {"reason": ""}), 400)
        r = expect(leader1.post(f"/api/v1/petitions/{p3['id']}/close", {"reason": "反映问题已在前期巡察中处理"}), 200)
        assert r.json["state"] == "closed" and r.json["triage_note"] == "反映问题已在前期巡察中处理"
        assert expect(office.get("/api/v1/petitions?state=received"), 200).json["total"] == 0
        expect(leader1.post(f"/api/v1/petitions/{p3['id']}/problem", {}), 404)


@test
def petitions_list_sorted_as_the_ui_asks():
    # the browser's list always sends ?sort= (default -created_at, and received_on when the
    # column is sorted); it used to answer 400 "未知的查询条件: sort" for every role
    with Server() as s:
        tg = s.ids["targets"]
        member1 = s.client("member1")
        old = expect(log(member1, tg["u1"], received_on=days_from_today(-30), channel="letter"), 201).json["id"]
        mid = expect(log(member1, tg["u1"], received_on=days_from_today(-2), channel="visit"), 201).json["id"]
        new = expect(log(member1, tg["u1"], received_on=days_from_today(-10), channel="phone"), 201).json["id"]
        for login in ("office", "lg", "leader1", "member1"):
            c = s.client(login) if login != "member1" else member1
            r = expect(c.get("/api/v1/petitions?page=1&per_page=20&sort=-created_at"), 200).json
            assert [p["id"] for p in r["items"]] == [new, mid, old], (login, r)
        office = s.client("office")
        ids = lambda q: [p["id"] for p in expect(office.get(f"/api/v1/petitions?{q}"), 200).json["items"]]
        assert ids("sort=created_at") == [old, mid, new]
        assert ids("sort=received_on") == [old, new, mid]
        assert ids("sort=-received_on&channel=visit") == [mid]
        assert ids("sort=-received_on") == [mid, new, old]
        assert ids("sort=") == [new, mid, old]  # empty: the default, newest first
        # only the allow-listed columns: never the sealed reporter nor any SQL
        for bad in ("reporter_enc", "summary", "received_on;DROP", "-", "x.id"):
            r = expect(office.get(f"/api/v1/petitions?sort={bad}"), 400, "invalid_field")
            assert r.json["error"]["field"] == "sort"
        # a team member of another team still sees none, sorted or not
        assert expect(s.client("member2").get("/api/v1/petitions?sort=-created_at"), 200).json["total"] == 0
