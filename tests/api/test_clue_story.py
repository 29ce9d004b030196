"""The heart of the mechanism (边巡边交): a clue found by a patrol team reaches
the commission during the patrol, is registered by 案管室, disposed of and
concluded, with both sides informed at each step and every step audited."""
import re
import subprocess

from lib import Server, expect, run_cli, test, today_shanghai, days_from_today

ALLEGATION = "反映该单位会计将公款存入个人账户(公款私存),涉及金额约46万元。CANARY-7f3a"


def new_clue(c, target, title="人防办会计公款私存问题", **extra):
    body = {"target_id": target, "title": title, "subject_name": "王某某", "subject_post": "会计",
            "source": "records", "discovered_on": today_shanghai(), "allegation": ALLEGATION}
    body.update(extra)
    return c.post("/api/v1/clues", body)


def inbox(c, unread_only=True):
    r = expect(c.get("/api/v1/messages" + ("?unread=1" if unread_only else "")), 200)
    return r.json


@test
def whole_clue_story_during_patrol():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        member = s.client("member1")
        leader = s.client("leader1")
        office = s.client("office")
        case = s.client("casemgmt")
        invest = s.client("investigation")

        r = expect(new_clue(member, t1), 201)
        clue = r.json
        cid = clue["id"]
        assert clue["state"] == "draft" and clue["state_label"] == "草稿"
        assert clue["unit_name"] == "枣阳市人民防空办公室" and clue["team_name"] == "第一巡察组"
        assert r.header("ETag") == '"1"'
        assert "allegation_enc" not in clue and "allegation" not in clue
        assert clue["allowed_actions"] == []  # a member cannot verify; the leader does

        # the commission sees nothing before hand-over
        assert expect(case.get("/api/v1/clues"), 200).json["total"] == 0
        expect(case.get(f"/api/v1/clues/{cid}"), 404)

        got = expect(leader.get(f"/api/v1/clues/{cid}"), 200).json
        assert got["allegation"] == ALLEGATION
        assert [a["verb"] for a in got["allowed_actions"]] == ["verify"]
        r = expect(leader.post(f"/api/v1/clues/{cid}/verify", {"note": "组务会两次研判, 证据已锁定"}), 200)
        assert r.json["state"] == "verified"
        # the office learns of it at once
        ob = inbox(office)
        assert ob["unread"] >= 1 and any(m["object_id"] == cid and m["action"] == "verify" for m in ob["items"])

        got = expect(office.get(f"/api/v1/clues/{cid}"), 200).json
        assert [a["verb"] for a in got["allowed_actions"]] == ["handover"]
        r = expect(office.post(f"/api/v1/clues/{cid}/handover", {"note": "边巡边交"},
                               headers={"If-Match": got and f'"{got["version"]}"'}), 200)
        h = r.json
        year = today_shanghai()[:4]
        assert h["state"] == "handed_over"
        assert h["handover_mode"] == "during_patrol"
        assert h["handover_docno"] == f"枣巡移〔{year}〕1号", h["handover_docno"]
        assert h["handover_at"]

        # both sides are told: 案管室 and the liaison deputy secretary, and the team
        for who in ("casemgmt", "liaison"):
            msgs = inbox(s.client(who))["items"]
            assert any(m["object_id"] == cid and m["action"] == "handover" and "移交" in m["title"] for m in msgs), who
        assert any(m["action"] == "handover" for m in inbox(member)["items"])
        # but not another team, nor the unit
        assert not any(m["object_id"] == cid for m in inbox(s.client("member2"), False)["items"])

        # 案管室 now sees it, registers, disposes, concludes
        lst = expect(case.get("/api/v1/clues?state=handed_over"), 200).json
        assert lst["total"] == 1 and lst["items"][0]["id"] == cid
        r = expect(case.post(f"/api/v1/clues/{cid}/register"), 200)
        assert r.json["registry_no"] == f"枣纪案登〔{year}〕1号"
        assert any(m["action"] == "register" for m in inbox(office)["items"])
        assert any(m["action"] == "register" for m in inbox(member)["items"])

        expect(case.post(f"/api/v1/clues/{cid}/dispose", {}), 400, "missing_field")
        expect(case.post(f"/api/v1/clues/{cid}/dispose", {"method": "arrest"}), 400, "invalid_field")
        r = expect(case.post(f"/api/v1/clues/{cid}/dispose",
                             {"method": "preliminary_verification", "dept_id": s.ids["orgs"]["investigation"]}), 200)
        assert r.json["state"] == "disposing" and r.json["disposal_method"] == "preliminary_verification"
        assert any(m["action"] == "dispose" for m in inbox(invest)["items"])

        r = expect(invest.post(f"/api/v1/clues/{cid}/conclude", {"result": "case_filed", "note": "已立案审查调查"}), 200)
        assert r.json["state"] == "concluded" and r.json["result"] == "case_filed"
        assert any(m["action"] == "conclude" for m in inbox(office)["items"])

        # every step's stamps (declared with the transitions, written by the engine)
        uid = lambda login: s.sql("SELECT id FROM users WHERE login=?", (login,))[0][0]
        st = s.sql("SELECT verified_by, verify_note, handover_by, registered_by, disposed_by, concluded_by, "
                   "result_note, verified_at <= handover_at AND handover_at <= registered_at AND "
                   "registered_at <= disposed_at AND disposed_at <= concluded_at FROM clues WHERE id=?", (cid,))[0]
        assert st == (uid("leader1"), "组务会两次研判, 证据已锁定", uid("office"), uid("casemgmt"), uid("casemgmt"),
                      uid("investigation"), "已立案审查调查", 1), st

        # no step can be taken twice or out of order
        expect(office.post(f"/api/v1/clues/{cid}/handover"), 409, "invalid_state")
        expect(invest.post(f"/api/v1/clues/{cid}/frobnicate"), 404)

        # history: who did what, when
        hist = expect(member.get(f"/api/v1/clues/{cid}/history"), 200).json["items"]
        acts = [h["action"] for h in hist]
        assert acts == ["clue.create", "clue.verify", "clue.handover", "clue.register", "clue.dispose",
                        "clue.conclude"], acts
        assert hist[2]["actor_login"] == "office" and hist[2]["detail"]["handover_mode"] == "during_patrol"
        assert all(ALLEGATION not in str(h) for h in hist)

        # every allegation read is in the audit log; the text itself is never stored in clear
        reads = s.sql("SELECT actor_login FROM audit WHERE action='clue.allegation.read' AND object_id=?", (cid,))
        assert ("leader1",) in reads and ("office",) in reads
        assert b"CANARY-7f3a" not in s.raw_dump()  # the database file and its WAL, or pg_dump
        assert "CANARY-7f3a" not in s.server_log()
        assert secrets_not_logged(s)


def secrets_not_logged(s):
    from lib import NEW_PASSWORD
    log = s.server_log()
    return NEW_PASSWORD not in log and all(v["password"] not in log for v in s.accounts.values())


@test
def handover_after_withdrawal_is_after_patrol_and_numbers_continue():
    with Server() as s:
        t2 = s.ids["targets"]["u2"]
        member, leader, office = s.client("member1"), s.client("leader1"), s.client("office")
        ids = []
        for i in range(2):
            cid = expect(new_clue(member, t2, title=f"扶贫资金问题{i}"), 201).json["id"]
            expect(leader.post(f"/api/v1/clues/{cid}/verify"), 200)
            ids.append(cid)
        year = today_shanghai()[:4]
        r = expect(office.post(f"/api/v1/clues/{ids[0]}/handover"), 200)
        assert r.json["handover_mode"] == "during_patrol" and r.json["handover_docno"] == f"枣巡移〔{year}〕1号"
        # the team withdraws: dates moved into the past by the office
        tg = expect(office.get(f"/api/v1/targets/{t2}"), 200)
        r = expect(office.patch(f"/api/v1/targets/{t2}", {
            "mobilization_date": days_from_today(-60), "entry_date": days_from_today(-59),
            "withdrawal_date": days_from_today(-1), "report_date": None}, headers={"If-Match": tg.header("ETag")}), 200)
        r = expect(office.post(f"/api/v1/clues/{ids[1]}/handover"), 200)
        assert r.json["handover_mode"] == "after_patrol"
        assert r.json["handover_docno"] == f"枣巡移〔{year}〕2号"
        modes = expect(office.get("/api/v1/clues?handover_mode=after_patrol"), 200).json
        assert modes["total"] == 1 and modes["items"][0]["id"] == ids[1]


@test
def draft_edit_with_if_match_and_only_in_draft():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        member, leader = s.client("member1"), s.client("leader1")
        r = expect(new_clue(member, t1), 201)
        cid, etag = r.json["id"], r.header("ETag")
        r = expect(member.patch(f"/api/v1/clues/{cid}", {"title": "更正后的标题", "allegation": "新的反映内容"},
                                headers={"If-Match": etag}), 200)
        assert r.json["title"] == "更正后的标题" and r.header("ETag") == '"2"'
        expect(member.patch(f"/api/v1/clues/{cid}", {"title": "过期的修改"}, headers={"If-Match": etag}), 409, "stale")
        assert expect(leader.get(f"/api/v1/clues/{cid}"), 200).json["allegation"] == "新的反映内容"
        expect(member.patch(f"/api/v1/clues/{cid}", {"title": None}), 400, "missing_field")
        expect(leader.post(f"/api/v1/clues/{cid}/verify", headers={"If-Match": '"1"'}), 409, "stale")
        expect(leader.post(f"/api/v1/clues/{cid}/verify"), 200)
        expect(member.patch(f"/api/v1/clues/{cid}", {"title": "核实后不可改"}), 409, "invalid_state")
        hist = expect(member.get(f"/api/v1/clues/{cid}/history"), 200).json["items"]
        upd = [h for h in hist if h["action"] == "clue.update"]
        assert len(upd) == 1 and upd[0]["detail"].get("allegation_changed") is True
        assert "新的反映内容" not in str(hist)


@test
def scope_team_commission_unit():
    with Server() as s:
        t1, t3 = s.ids["targets"]["u1"], s.ids["targets"]["u3"]
        m1, m2 = s.client("member1"), s.client("member2")
        c1 = expect(new_clue(m1, t1), 201).json["id"]
        c2 = expect(new_clue(m2, t3, title="教育局问题"), 201).json["id"]
        # a team may not record on another team's target
        expect(new_clue(m2, t1), 403, "forbidden")
        # each team sees only its own
        l1 = expect(m1.get("/api/v1/clues"), 200).json
        assert [c["id"] for c in l1["items"]] == [c1]
        expect(m2.get(f"/api/v1/clues/{c1}"), 404)
        expect(m2.get(f"/api/v1/clues/{c1}/history"), 404)
        expect(m2.post(f"/api/v1/clues/{c1}/verify"), 404)
        expect(m2.patch(f"/api/v1/clues/{c1}", {"title": "x"}), 404)
        # filtering on another team's id returns nothing rather than leaking
        assert expect(m1.get(f"/api/v1/clues?team_id={s.ids['teams']['t2']}"), 200).json["total"] == 0
        # the office sees both, the unit liaison none, the dispatched group and admins have no clue access
        assert expect(s.client("office").get("/api/v1/clues"), 200).json["total"] == 2
        for who in ("unit1", "dispatched1", "sysadmin", "secadmin", "auditadmin", "cadre"):
            expect(s.client(who).get("/api/v1/clues"), 403)
            expect(s.client(who).get(f"/api/v1/clues/{c2}"), 403)
        # the denials are audited
        assert s.sql("SELECT count(*) FROM audit WHERE result='denied' AND actor_login='unit1'")[0][0] >= 2


@test
def list_filters_paging_sort_and_bad_filters():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        m1 = s.client("member1")
        for i in range(7):
            expect(new_clue(m1, t1, title=f"线索{i:02d}"), 201)
        r = expect(m1.get("/api/v1/clues?per_page=3&page=2&sort=title"), 200).json
        assert r["total"] == 7 and r["page"] == 2 and [c["title"] for c in r["items"]] == ["线索03", "线索04", "线索05"]
        r = expect(m1.get("/api/v1/clues?sort=-title&per_page=1"), 200).json
        assert r["items"][0]["title"] == "线索06"
        r = expect(m1.get("/api/v1/clues?q=%E7%BA%BF%E7%B4%A205"), 200).json  # q=线索05
        assert r["total"] == 1
        assert expect(m1.get(f"/api/v1/clues?state=draft&target_id={t1}"), 200).json["total"] == 7
        expect(m1.get("/api/v1/clues?state=flying"), 400, "invalid_field")
        expect(m1.get("/api/v1/clues?bogus=1"), 400, "unknown_field")
        expect(m1.get("/api/v1/clues?per_page=1000"), 400, "invalid_field")
        expect(m1.get("/api/v1/clues?page=0"), 400, "invalid_field")
        expect(m1.get("/api/v1/clues?sort=allegation_enc"), 400, "invalid_field")
        expect(m1.get("/api/v1/clues?team_id=not-a-uuid"), 400, "invalid_field")


@test
def audit_chain_verifies_after_the_story_and_detects_tampering():
    s = Server()
    s.start()
    try:
        t1 = s.ids["targets"]["u1"]
        m1, leader = s.client("member1"), s.client("leader1")
        cid = expect(new_clue(m1, t1), 201).json["id"]
        expect(leader.post(f"/api/v1/clues/{cid}/verify"), 200)
    finally:
        s.stop()
    s.check_sanitizers()
    ok = run_cli("audit", "verify", db=s.db, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stdout + ok.stderr
    n = s.sql("SELECT max(seq) FROM audit")[0][0]
    target = n // 2
    # edit one row behind the server's back, as an insider with access to the database would
    s.sql_script([s.drop_trigger("audit_no_update", "audit"),
                  f"UPDATE audit SET result='denied' WHERE seq={target}"])
    bad = run_cli("audit", "verify", db=s.db, check=False)
    assert bad.returncode == 1, bad.stdout
    assert f"第 {target} 条" in bad.stdout, bad.stdout
    subprocess.run(["rm", "-rf", s.dir])


@test
def deleting_audit_rows_is_detected():
    s = Server()
    for sql, what in (("DELETE FROM audit WHERE seq=5;", "第 5 条"),
                      ("DELETE FROM audit WHERE seq=(SELECT max(seq) FROM audit);", "尾部")):
        s2 = Server()
        s2.sql_script([s2.drop_trigger("audit_no_delete", "audit"), sql])
        bad = run_cli("audit", "verify", db=s2.db, check=False)
        assert bad.returncode == 1 and what in bad.stdout, bad.stdout
        subprocess.run(["rm", "-rf", s2.dir])
    # and the triggers refuse an accidental edit
    try:
        s.sql_script("UPDATE audit SET ip='1.2.3.4' WHERE seq=1;")
        refused = None
    except Exception as e:  # noqa: BLE001 - sqlite3's error or psql's
        refused = str(e)
    assert refused is not None and "append-only" in refused, refused
    subprocess.run(["rm", "-rf", s.dir])


@test
def a_tampered_allegation_is_refused_and_the_read_recorded_as_failed():
    with Server() as s:
        m1, leader = s.client("member1"), s.client("leader1")
        cid = expect(new_clue(m1, s.ids["targets"]["u1"]), 201).json["id"]
        enc = s.sql("SELECT allegation_enc FROM clues WHERE id=?", (cid,))[0][0]
        flipped = enc[:-1] + ("0" if enc[-1] != "0" else "1")
        s.sql_write("UPDATE clues SET allegation_enc=? WHERE id=?", (flipped, cid))
        got = expect(leader.get(f"/api/v1/clues/{cid}"), 200).json
        assert got["allegation"] is None and "篡改" in got["allegation_error"]
        # moving a sealed value to another clue does not open either
        cid2 = expect(new_clue(m1, s.ids["targets"]["u1"], title="另一条"), 201).json["id"]
        s.sql_write("UPDATE clues SET allegation_enc=? WHERE id=?", (enc, cid2))
        assert expect(leader.get(f"/api/v1/clues/{cid2}"), 200).json["allegation"] is None
        rows = s.sql("SELECT result FROM audit WHERE action='clue.allegation.read' AND object_id=?", (cid,))
        assert rows == [("failed",)], rows
