"""Bad input never crashes and never writes: malformed JSON, wrong types,
unknown fields, huge bodies, missing CSRF, foreign Origin, stale If-Match,
bad ids, wrong content type, invalid UTF-8, injection strings."""
import socket
import uuid

from lib import Server, expect, test, today_shanghai


def clue_body(target, **kw):
    b = {"target_id": target, "title": "标题", "subject_name": "某某", "source": "records",
         "discovered_on": today_shanghai(), "allegation": "内容"}
    b.update(kw)
    return b


@test
def malformed_and_mistyped_bodies():
    with Server() as s:
        m = s.client("member1")
        t1 = s.ids["targets"]["u1"]
        before = s.sql("SELECT count(*) FROM clues")[0][0]
        expect(m.request("POST", "/api/v1/clues", raw=b'{"title": '), 400, "invalid_json")
        expect(m.request("POST", "/api/v1/clues", raw=b'[1,2,3]'), 400, "invalid_json")
        expect(m.request("POST", "/api/v1/clues", raw=b'{"a":1,"a":2}'), 400, "invalid_json")
        expect(m.request("POST", "/api/v1/clues", raw=b'{"title":"\xff\xfe"}'), 400, "invalid_json")
        expect(m.request("POST", "/api/v1/clues", raw=b'\x00\x01'), 400, "invalid_json")
        r = expect(m.post("/api/v1/clues", clue_body(t1, title=123)), 400, "invalid_field")
        assert r.json["error"]["field"] == "title" and "线索标题" in r.json["error"]["message"]
        r = expect(m.post("/api/v1/clues", clue_body(t1, extra="x")), 400, "unknown_field")
        assert r.json["error"]["field"] == "extra"
        r = expect(m.post("/api/v1/clues", {k: v for k, v in clue_body(t1).items() if k != "subject_name"}),
                   400, "missing_field")
        assert r.json["error"]["field"] == "subject_name"
        expect(m.post("/api/v1/clues", clue_body(t1, source="rumour")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, discovered_on="2026-02-30")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, discovered_on="2999-01-01")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, target_id="1; DROP TABLE clues")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body("01234567-89ab-7def-8123-456789abcdef")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, title="换行\n标题")), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, title="长" * 101)), 400, "invalid_field")
        expect(m.post("/api/v1/clues", clue_body(t1, title=None)), 400, "missing_field")
        expect(m.post("/api/v1/clues", clue_body(t1, title="")), 400, "missing_field")
        expect(m.post("/api/v1/clues", clue_body(t1, title=["a"])), 400, "invalid_field")
        expect(m.request("POST", "/api/v1/clues", body=None, raw=b"title=x",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
        assert s.sql("SELECT count(*) FROM clues")[0][0] == before
        # injection and markup are data, stored and returned verbatim, never executed
        evil = "'; DROP TABLE clues; -- <script>alert(1)</script>"
        r = expect(m.post("/api/v1/clues", clue_body(t1, title=evil[:100])), 201)
        assert r.json["title"] == evil[:100]
        assert r.header("Content-Type").startswith("application/json")
        assert s.sql("SELECT count(*) FROM clues")[0][0] == before + 1


@test
def huge_bodies_get_413_and_the_server_lives():
    with Server({"max_body": 65536}) as s:
        m = s.client("member1")
        big = b'{"title":"' + b"x" * 100000 + b'"}'
        expect(m.request("POST", "/api/v1/clues", raw=big), 413, "too_large")
        # chunked upload with no Content-Length, past the cap
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        hdr = (f"POST /api/v1/clues HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Cookie: {m.cookie}\r\nX-CSRF-Token: {m.csrf}\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(hdr.encode())
        chunk = b"a" * 16384
        try:
            for _ in range(10):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except OSError:
            pass
        sock.sendall(b"0\r\n\r\n")
        data = sock.recv(4096)
        sock.close()
        assert b" 413 " in data.split(b"\r\n")[0], data[:200]
        # a 40 KB header is refused by the HTTP layer, not a crash
        r = m.request("GET", "/api/v1/me", headers={"X-Big": "y" * 40000})
        assert r.status in (400, 413, 431), r
        expect(m.get("/api/v1/me"), 200)


@test
def csrf_origin_and_stale_writes():
    with Server() as s:
        m = s.client("member1")
        t1 = s.ids["targets"]["u1"]
        expect(m.request("POST", "/api/v1/clues", clue_body(t1), csrf=False), 403, "csrf")
        expect(m.request("POST", "/api/v1/clues", clue_body(t1), csrf=False, headers={"X-CSRF-Token": "0" * 64}),
               403, "csrf")
        expect(m.request("POST", "/api/v1/clues", clue_body(t1), headers={"Origin": "http://evil.example"}),
               403, "csrf")
        r = expect(m.request("POST", "/api/v1/clues", clue_body(t1),
                             headers={"Origin": f"http://127.0.0.1:{s.port}"}), 201)
        cid = r.json["id"]
        assert s.sql("SELECT count(*) FROM clues")[0][0] == 1
        expect(m.patch(f"/api/v1/clues/{cid}", {"title": "新"}, headers={"If-Match": '"7"'}), 409, "stale")
        expect(m.patch(f"/api/v1/clues/{cid}", {"title": "新"}, headers={"If-Match": '"1"'}), 200)
        # reads need no CSRF token
        expect(m.request("GET", "/api/v1/clues", csrf=False), 200)
        assert s.sql("SELECT count(*) FROM audit WHERE result='denied' AND actor_login='member1'")[0][0] >= 3


@test
def bad_paths_methods_and_ids():
    with Server() as s:
        o = s.client("office")
        expect(o.get("/api/v1/clues/not-a-uuid"), 404)
        expect(o.get("/api/v1/clues/../../etc/passwd"), 404)
        expect(o.get("/api/v1/nothing"), 404, "not_found")
        expect(o.request("DELETE", "/api/v1/clues"), 405, "method_not_allowed")
        expect(o.get("/api/v1/rounds/01234567-89ab-7def-8123-456789abcdef"), 404)
        expect(o.get("/api/v1/rounds?bogus=1"), 400, "unknown_field")
        expect(o.get("/api/v1/rounds?seq=abc"), 400)
        expect(o.get("/api/v1/rounds?q=" + "%E9%95%BF" * 60), 400)
        r = expect(o.get("/"), 200)
        assert "xunji" in r.raw.decode() and r.header("Content-Security-Policy")
        expect(o.get("/../../../etc/passwd"), 404)
        expect(o.get("/assets/missing-1234.js"), 404)
        assert o.get("/clues/some-page").status == 200  # a page route of the UI falls back
        assert b"root:" not in o.get("/../../../etc/passwd").raw


@test
def security_headers_on_every_answer():
    with Server() as s:
        c = s.client()
        for r in (c.get("/healthz"), c.get("/api/v1/me"), c.get("/"), c.get("/api/v1/nothing")):
            assert r.header("X-Content-Type-Options") == "nosniff", r.headers
            assert r.header("Cache-Control") == "no-store"
            assert "frame-ancestors 'none'" in r.header("Content-Security-Policy")
            assert r.header("Referrer-Policy") == "no-referrer"
            assert r.header("X-Request-Id")
        r = c.post("/api/v1/auth/login", {"login": "office", "password": s.passwords["office"]})
        sc = r.header("Set-Cookie")
        for attr in ("__Host-xunji=", "HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
            assert attr in sc, sc
        assert "csrf_token" in r.json and s.passwords["office"] not in r.raw.decode()


@test
def entity_validation_and_conflicts():
    with Server() as s:
        o = s.client("office")
        r = expect(o.post("/api/v1/rounds", {"name": "八届市委第六轮巡察", "term": "八届", "seq": 6, "kind": "special",
                                             "campaign": "脱贫攻坚", "planned_start": "2026-03-01",
                                             "planned_end": "2026-05-01"}), 201)
        rid = r.json["id"]
        expect(o.post("/api/v1/rounds", {"name": "八届市委第六轮巡察", "term": "八届", "seq": 6}), 409, "conflict")
        expect(o.post("/api/v1/rounds", {"name": "x", "term": "八届", "seq": 100}), 400, "invalid_field")
        expect(o.post("/api/v1/rounds", {"name": "y", "term": "八届", "seq": 1, "kind": "secret"}), 400)
        expect(o.post("/api/v1/rounds", {"name": "z", "term": "八届", "seq": 1, "state": "closed"}), 400,
               "unknown_field")
        expect(o.post("/api/v1/rounds", {"name": "w", "term": "八届", "seq": 1, "planned_start": "2026-05-01",
                                         "planned_end": "2026-03-01"}), 400, "invalid_field")
        r = expect(o.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201)
        team = r.json["id"]
        expect(o.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 409, "conflict")
        expect(o.post("/api/v1/teams", {"round_id": "01234567-89ab-7def-8123-456789abcdef", "name": "x"}), 409,
               "constraint")
        # a target must be a unit, dates in order
        expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["casemgmt"]}), 400,
               "invalid_field")
        expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u9"],
                                          "entry_date": "2026-04-01", "withdrawal_date": "2026-03-01"}), 400)
        r = expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u9"],
                                              "entry_date": "2026-03-05", "withdrawal_date": "2026-04-05"}), 201)
        assert r.json["round_id"] == rid
        expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u9"]}), 409, "conflict")
        expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u10"], "round_id": rid}),
               400, "unknown_field")
        lst = expect(o.get(f"/api/v1/targets?round_id={rid}"), 200).json
        assert lst["total"] == 1
        # the unit liaison sees only its own unit's targets, the dispatched group those it supervises
        u = expect(s.client("unit1").get("/api/v1/targets"), 200).json
        assert {t["unit_id"] for t in u["items"]} == {s.ids["orgs"]["u1"]}
        d = expect(s.client("dispatched1").get("/api/v1/targets"), 200).json
        assert d["total"] == 6  # u1..u6 are supervised by the first dispatched group
        expect(s.client("unit1").get(f"/api/v1/targets/{s.ids['targets']['u3']}"), 404)
        expect(s.client("member1").get(f"/api/v1/targets/{s.ids['targets']['u3']}"), 404)
        assert expect(s.client("member1").get("/api/v1/targets"), 200).json["total"] == 2


@test
def records_that_others_hang_on_do_not_move():
    """A target never changes team or unit (its clues carry them), a team never
    changes round, an org never changes kind, and a round's plan is frozen once
    it is mobilized; a single new target obeys the same recusal rule as a bulk one."""
    with Server() as s:
        o = s.client("office")
        sa = s.client("sysadmin")
        t1 = s.ids["targets"]["u1"]
        expect(o.patch(f"/api/v1/targets/{t1}", {"team_id": s.ids["teams"]["t2"]}), 400, "unknown_field")
        expect(o.patch(f"/api/v1/targets/{t1}", {"unit_id": s.ids["orgs"]["u9"]}), 400, "unknown_field")
        expect(o.patch(f"/api/v1/teams/{s.ids['teams']['t1']}", {"round_id": s.ids["round"]}), 400, "unknown_field")
        expect(sa.patch(f"/api/v1/orgs/{s.ids['orgs']['u1']}", {"kind": "committee"}), 400, "unknown_field")
        # the demo round is on site: its plan is frozen
        expect(o.patch(f"/api/v1/rounds/{s.ids['round']}", {"theme": "改主题"}), 409, "invalid_state")
        # a new round: a member who works in 民政局 blocks 民政局 as a single new target
        rid = expect(o.post("/api/v1/rounds", {"name": "回避测试轮", "term": "八届", "seq": 9}), 201).json["id"]
        expect(o.patch(f"/api/v1/rounds/{rid}", {"theme": "计划阶段可以修改"}), 200)
        team = expect(o.post("/api/v1/teams", {"round_id": rid, "name": "第一巡察组"}), 201).json["id"]
        pid = expect(o.post("/api/v1/persons", {"name": "钱某", "org_id": s.ids["orgs"]["u9"]}), 201).json["id"]
        expect(o.post(f"/api/v1/teams/{team}/members", {"person_id": pid, "role": "member", "origin": "seconded",
                                                        "source_unit_id": s.ids["orgs"]["u9"]}), 201)
        r = expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u9"]}), 409, "recusal_conflict")
        assert "钱某" in r.json["error"]["message"]
        expect(o.post("/api/v1/targets", {"team_id": team, "unit_id": s.ids["orgs"]["u10"]}), 201)


@test
def the_built_ui_is_served_from_web_root_and_nothing_outside_it():
    import os
    import tempfile
    root = tempfile.mkdtemp(prefix="xunji-web-")
    os.makedirs(os.path.join(root, "assets"))
    with open(os.path.join(root, "index.html"), "w", encoding="utf-8") as f:
        f.write("<!doctype html><title>巡纪贯通协同平台</title><div id=app></div>")
    with open(os.path.join(root, "assets", "app-1a2b.js"), "w", encoding="utf-8") as f:
        f.write("console.log('xunji')")
    with Server({"web_root": root}) as s:
        c = s.client()
        r = expect(c.get("/assets/app-1a2b.js"), 200)
        assert r.header("Content-Type").startswith("text/javascript") and b"xunji" in r.raw
        r = expect(c.get("/"), 200)
        assert "巡纪贯通协同平台" in r.raw.decode() and r.header("Content-Type").startswith("text/html")
        assert "<div id=app>" in expect(c.get("/clues/any"), 200).raw.decode()
        expect(c.get("/assets/gone-9z.js"), 404)
        expect(c.get("/assets/../../../etc/passwd"), 404)
        expect(c.request("POST", "/assets/app-1a2b.js", {}), 405)
    import shutil
    shutil.rmtree(root)


@test
def hand_read_query_arguments_are_declared():
    """Routes that read one or two arguments by hand ignored every other name and
    the table's sort; they now declare theirs (issue 14, item 4): an unknown name
    is 400 unknown_field naming it, a bad value 400 invalid_field naming it, and
    the sortable date column of the documents and pending-accountability tables
    sorts."""
    with Server() as s:
        o, m = s.client("office"), s.client("member1")
        for url in ("/api/v1/messages?colour=red", "/api/v1/documents?colour=red",
                    "/api/v1/accountability/pending?colour=red",
                    f"/api/v1/rounds/{s.ids['round']}/suggestions?colour=red"):
            r = expect(o.get(url), 400, "unknown_field")
            assert r.json["error"]["field"] == "colour", (url, r)
        r = expect(o.get("/api/v1/messages?unread=maybe"), 400, "invalid_field")
        assert r.json["error"]["field"] == "unread" and "仅未读" in r.json["error"]["message"]
        r = expect(o.get("/api/v1/accountability/pending?days=3651"), 400, "invalid_field")
        assert r.json["error"]["field"] == "days"
        r = expect(o.get("/api/v1/accountability/pending?days=1x"), 400, "invalid_field")
        for url in ("/api/v1/documents?sort=-issued_at", "/api/v1/documents?sort=issued_at",
                    "/api/v1/accountability/pending?sort=-copied_at&days=0"):
            expect(o.get(url), 200)
        r = expect(o.get("/api/v1/documents?sort=content"), 400, "invalid_field")
        assert r.json["error"]["field"] == "sort"
        # the upload's name: checked by the parser before the file's own rules
        r = expect(m.upload(f"/api/v1/problems/{uuid.uuid4()}/files?x=1", "a.pdf", b"%PDF-1.4", "application/pdf"),
                   400, "unknown_field")
        assert r.json["error"]["field"] == "x"
        r = expect(o.get(f"/api/v1/recusal/check?team_id={s.ids['teams']['t1']}"), 400, "missing_field")
        assert r.json["error"]["field"] == "person_id"
