"""Issue 15's answer cache (src/api/answers.c): a cacheable GET's 200 reply is
kept per credential, URL and client address and served again only while no
commit happened since (this server's or another process's), the key ring is
the same and no time the authentication depended on has passed. These tests
check that a kept answer is byte for byte the computed one, that every kind
of change is seen at the very next request, that answers never cross
credentials, and that sealed reads and second-factor routes are never kept.
(SQLite only: PostgreSQL keeps nothing, store.h store_version.)"""
import json
import time

from lib import Server, expect, run_cli, test, today_shanghai


def metrics(c):
    r = expect(c.get("/metrics"), 200)
    out = {}
    for line in r.raw.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return r.raw.decode(), out


def problems(s, n, target="u1"):
    """n problems found by member1's team in the target's unit."""
    member = s.client("member1")
    ids = []
    for i in range(n):
        ids.append(expect(member.post("/api/v1/problems", {
            "target_id": s.ids["targets"][target], "category_id": "01940000-0000-7000-8000-040300000000",
            "title": f"公款私存{i}", "description": "单位将公款存入会计个人账户" * 8, "amount": "386000.00",
            "found_by": "records", "found_on": today_shanghai()}), 201).json["id"])
    return ids


def counts(s):
    _, v = metrics(s.client())
    return {k: int(v.get(f"xunji_answer_cache_{k}_total", 0)) for k in ("hits", "misses", "kept")}


def delta(before, after):
    return {k: after[k] - before[k] for k in before}


def measure_names(c):
    return [m["name"] for m in expect(c.get("/api/v1/stats/measures"), 200).json["items"]]


@test
def a_kept_answer_is_the_computed_one_and_is_served_again():
    with Server({"token_requires_2fa": "0"}) as s, Server({"answer_cache_kib": 0}) as off:
        problems(s, 3)
        problems(off, 3)
        tok = run_cli("user", "token", "office", "--name", "缓存", db=s.db).stdout.split()[0]
        o = s.client()
        o.bearer = tok
        tok_off = run_cli("user", "token", "office", "--name", "缓存", db=off.db).stdout.split()[0]
        o_off = off.client()
        o_off.bearer = tok_off
        m = measure_names(o)[0]
        paths = ["/api/v1/problems?per_page=5", "/api/v1/stats",
                 f"/api/v1/stats/{m}/groups?by=round", f"/api/v1/stats/{m}/records", "/api/v1/meta"]
        expect(o.get("/api/v1/me"), 200)  # the token's first use writes its last use
        before = counts(s)
        first = {p: expect(o.get(p), 200) for p in paths}
        mid = counts(s)
        assert delta(before, mid) == {"hits": 0, "misses": len(paths), "kept": len(paths)}, delta(before, mid)
        for p in paths:
            again = expect(o.get(p), 200)
            assert again.raw == first[p].raw, p
            assert again.header("X-Request-Id") != first[p].header("X-Request-Id")
            assert again.header("Cache-Control") == "no-store"
            assert again.header("Content-Type") == first[p].header("Content-Type")
            if first[p].header("ETag"):
                assert again.header("ETag") == first[p].header("ETag"), p
        assert delta(mid, counts(s)) == {"hits": len(paths), "misses": 0, "kept": 0}
        # one record: kept and served again too
        pid = first[paths[0]].json["items"][0]["id"]
        one = expect(o.get(f"/api/v1/problems/{pid}"), 200)
        assert expect(o.get(f"/api/v1/problems/{pid}"), 200).raw == one.raw
        assert one.header("ETag") and expect(o.get(f"/api/v1/problems/{pid}"), 200).header("ETag") == one.header("ETag")
        # the server without the cache answers the same shapes and figures (its own copy
        # of the demo with its own ids), and keeps nothing
        for p in paths:
            a, b = expect(o_off.get(p), 200).json, first[p].json
            if p == "/api/v1/stats":
                assert [(m["name"], m["value"]) for m in a["measures"]] == \
                    [(m["name"], m["value"]) for m in b["measures"]]
            assert sorted(a) == sorted(b), p
        assert counts(off) == {"hits": 0, "misses": 0, "kept": 0}
        # a hit is counted like any other request
        _, v = metrics(s.client())
        assert v['xunji_requests_total{method="GET",route="/api/v1/stats",status="200"}'] == 2


@test
def every_commit_is_seen_at_the_very_next_request():
    with Server({"token_requires_2fa": "0"}) as s:
        problems(s, 2)
        office, member = s.client("office"), s.client("member1")
        tg = s.ids["targets"]["u1"]
        for _ in range(2):  # warm
            clues = expect(office.get("/api/v1/clues"), 200).json
            stats = expect(office.get("/api/v1/stats"), 200).json
        h0 = counts(s)
        assert expect(office.get("/api/v1/clues"), 200).json == clues
        assert counts(s)["hits"] == h0["hits"] + 1
        # this server's write: the new clue is in the very next list and figure
        cid = expect(member.post("/api/v1/clues", {
            "target_id": tg, "title": "缓存之后的线索", "subject_name": "某", "source": "interview",
            "discovered_on": today_shanghai(), "allegation": "缓存"}), 201).json["id"]
        after = expect(office.get("/api/v1/clues"), 200).json
        assert cid in [c["id"] for c in after["items"]], "a kept list outlived a write"
        fig = lambda j: {m["name"]: m["value"] for m in j["measures"]}["clues_handed_over"]
        expect(s.client("leader1").post(f"/api/v1/clues/{cid}/verify", {}), 200)
        expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200)
        now = expect(office.get("/api/v1/stats"), 200).json
        assert fig(now) == fig(stats) + 1, ("a kept figure outlived a write", fig(stats), fig(now))
        # another process's write (as a CLI or an administrator's tool would): seen too
        for _ in range(2):
            title = expect(office.get(f"/api/v1/clues/{cid}/history"), 200)
            lst = expect(office.get("/api/v1/problems?per_page=1"), 200).json["items"][0]
        s.sql_write("UPDATE problems SET title=? WHERE id=?", ("外部进程改过的标题", lst["id"]))
        got = expect(office.get("/api/v1/problems?per_page=1"), 200).json["items"][0]
        assert got["id"] == lst["id"] and got["title"] == "外部进程改过的标题", got
        # another process disables the user: refused at the very next request
        m2 = s.client("member2")
        for _ in range(2):
            expect(m2.get("/api/v1/clues"), 200)
        run_cli("user", "disable", "member2", db=s.db)
        expect(m2.get("/api/v1/clues"), 401)
        # a grant removed through the API: the kept list is not served to its holder again
        for _ in range(2):
            expect(member.get("/api/v1/clues"), 200)
        sec = s.client("secadmin")
        uid = s.accounts["member1"]["id"]
        g = expect(sec.get(f"/api/v1/users/{uid}/roles"), 200).json["items"][0]
        expect(sec.request("DELETE", f"/api/v1/users/{uid}/roles/{g['id']}"), 200)
        assert member.get("/api/v1/clues").status in (401, 403)
        # a signed-out session: its kept answers die with it
        for _ in range(2):
            expect(office.get("/api/v1/stats"), 200)
        cookie = office.cookie
        expect(office.post("/api/v1/auth/logout"), 200)
        office.cookie = cookie
        expect(office.get("/api/v1/stats"), 401)
        assert title.status == 200


@test
def answers_never_cross_credentials_or_addresses():
    with Server({"token_requires_2fa": "0", "trusted_proxies": "127.0.0.1"}) as s:
        problems(s, 2, "u1")
        problems(s, 1, "u2")
        office, member, unit = s.client("office"), s.client("member1"), s.client("unit1")
        path = "/api/v1/problems?per_page=50"
        for c in (office, member, unit):
            expect(c.get(path), 200)
        o = expect(office.get(path), 200).json
        before = counts(s)
        mm = expect(member.get(path), 200).json
        u = expect(unit.get(path), 200)
        assert delta(before, counts(s))["hits"] == 2  # each its own answer
        assert u.status == 200
        ids = lambda j: sorted(p["id"] for p in j["items"])
        assert o["total"] == 3 and ids(o) != ids(u.json), (o["total"], u.json)
        # a second session of the same user is another credential: computed afresh
        office2 = s.client("office")
        before = counts(s)
        assert expect(office2.get(path), 200).json == o
        d = delta(before, counts(s))
        assert d["hits"] == 0 and d["misses"] == 1, d
        # the same session from another client address (behind the trusted proxy): afresh
        before = counts(s)
        other = expect(office.get(path, headers={"X-Forwarded-For": "10.9.8.7"}), 200).json
        assert other == o and delta(before, counts(s))["hits"] == 0
        # another query string is another answer
        before = counts(s)
        expect(office.get("/api/v1/problems?per_page=49"), 200)
        assert delta(before, counts(s))["hits"] == 0
        # no credential, or a malformed one: never looked up
        anon = s.client()
        expect(anon.get(path), 401)
        anon.bearer = "xj_" + "0" * 64
        expect(anon.get(path), 401)
        expect(anon.get(path), 401)


@test
def sealed_reads_and_second_factor_routes_are_never_kept():
    with Server({"token_requires_2fa": "0"}) as s:
        member, leader = s.client("member1"), s.client("leader1")
        tg = s.ids["targets"]["u1"]
        office = s.client("office")
        cid = expect(member.post("/api/v1/clues", {
            "target_id": tg, "title": "密封字段", "subject_name": "某", "source": "interview",
            "discovered_on": today_shanghai(), "allegation": "只可留痕阅读"}), 201).json["id"]
        before = counts(s)
        for _ in range(3):
            r = expect(leader.get(f"/api/v1/clues/{cid}"), 200)
            assert r.json.get("allegation") == "只可留痕阅读", r.json
        assert delta(before, counts(s)) == {"hits": 0, "misses": 0, "kept": 0}
        reads = s.sql("SELECT count(*) FROM audit WHERE action='clue.allegation.read' AND object_id=? "
                      "AND actor_login='leader1'", (cid,))[0][0]
        assert reads == 3, reads  # every read audited, none served from a cache
        # a summary export needs a fresh second factor: never looked up
        before = counts(s)
        office.get("/api/v1/stats/summary.xlsx")
        office.get("/api/v1/stats/summary.xlsx")
        assert delta(before, counts(s)) == {"hits": 0, "misses": 0, "kept": 0}


@test
def the_cache_keeps_within_its_budget_and_its_time():
    for kv in ("answer_cache_kib=-1", "answer_cache_kib=1048577", "answer_cache_seconds=0",
               "answer_cache_seconds=3601"):
        bad = run_cli("serve", "--db", "/nonexistent/x.db", "--set", kv, check=False)
        assert bad.returncode == 2 and kv.split("=")[0] in bad.stderr, (kv, bad.stderr)
    with Server({"answer_cache_kib": 8, "answer_cache_seconds": 1}) as s:
        problems(s, 12)
        office = s.client("office")
        big = "/api/v1/problems?per_page=100"
        expect(office.get(big), 200)
        assert len(expect(office.get(big), 200).raw) > 8 * 1024
        before = counts(s)
        b1 = expect(office.get(big), 200).raw
        assert expect(office.get(big), 200).raw == b1
        d = delta(before, counts(s))
        assert d == {"hits": 0, "misses": 2, "kept": 0}, d  # larger than the budget: computed each time
        small = "/api/v1/outcomes"
        expect(office.get(small), 200)
        before = counts(s)
        expect(office.get(small), 200)
        expect(office.get(small), 200)
        assert delta(before, counts(s))["hits"] >= 1
        time.sleep(2.1)  # past answer_cache_seconds: computed afresh
        before = counts(s)
        expect(office.get(small), 200)
        d = delta(before, counts(s))
        assert d["hits"] == 0 and d["misses"] == 1, d
        # more small answers than fit: each new one is kept, older ones make room
        ids = [p["id"] for p in expect(office.get(big), 200).json["items"]]
        assert len(ids) == 12
        before = counts(s)
        sizes = [len(expect(office.get(f"/api/v1/problems/{i}"), 200).raw) for i in ids]
        assert sum(sizes) > 8 * 1024 and max(sizes) < 2 * 1024, sizes
        d = delta(before, counts(s))
        assert d == {"hits": 0, "misses": 12, "kept": 12}, d
        expect(office.get(f"/api/v1/problems/{ids[-1]}"), 200)
        assert delta(before, counts(s))["hits"] == 1
        _, v = metrics(s.client())
        assert v["xunji_answer_cache_bytes"] <= 8 * 1024, v["xunji_answer_cache_bytes"]
        assert json.loads(expect(office.get(small), 200).raw)


@test
def concurrent_requests_for_one_answer_compute_it_once():
    """After a commit, 12 connections asking for the same figures at once:
    one computes them, the others wait for it and are served its answer."""
    import threading
    with Server() as s:
        problems(s, 3)
        office = s.client("office")
        expect(office.get("/api/v1/stats"), 200)
        problems(s, 1)  # a commit: the kept answer can no longer be served
        before = counts(s)
        out, go = [], threading.Barrier(12)

        def one():
            go.wait()
            out.append(office.get("/api/v1/stats"))
        ts = [threading.Thread(target=one) for _ in range(12)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert all(r.status == 200 for r in out) and len({r.raw for r in out}) == 1
        d = delta(before, counts(s))
        assert d == {"hits": 11, "misses": 1, "kept": 1}, d


@test
def a_last_use_stamp_empties_no_kept_answer():
    """A token's or session's last use, written at most once a minute, is read
    by no kept answer: its commit (store_tx_quiet) leaves the others' answers
    servable, while any other commit ends them. The answer of the request
    that wrote it is kept too (its minute counts from then)."""
    with Server({"token_requires_2fa": "0"}) as s:
        problems(s, 2)
        office = s.client("office")
        tok = run_cli("user", "token", "member1", "--name", "戳", db=s.db).stdout.split()[0]
        m = s.client()
        m.bearer = tok
        for _ in range(2):
            expect(office.get("/api/v1/stats"), 200)
        before = counts(s)
        expect(m.get("/api/v1/clues"), 200)  # the token's first use: its last use is written
        assert s.sql("SELECT last_used_at FROM api_tokens WHERE name='戳'")[0][0]
        expect(office.get("/api/v1/stats"), 200)
        d = delta(before, counts(s))
        assert d == {"hits": 1, "misses": 1, "kept": 1}, d
        before = counts(s)
        expect(m.get("/api/v1/clues"), 200)  # kept by the request that wrote the last use
        assert delta(before, counts(s)) == {"hits": 1, "misses": 0, "kept": 0}
        problems(s, 1)  # any other commit: computed afresh
        before = counts(s)
        expect(office.get("/api/v1/stats"), 200)
        assert delta(before, counts(s))["misses"] == 1


@test
def a_kept_answer_near_its_end_is_renewed_by_one_request():
    """answer_cache_seconds=12: an answer kept at T ends between T+11 and T+12
    (whole seconds) and is renewed in its last 3 s (a quarter of its life):
    the first request then computes it afresh and its answer replaces the
    kept one, so a request after the old end is still served from the cache
    instead of every connection waiting for the figures at that moment."""
    with Server({"answer_cache_seconds": 12}) as s:
        problems(s, 2)
        office = s.client("office")
        path = "/api/v1/stats"
        expect(office.get(path), 200)
        before = counts(s)
        first = expect(office.get(path), 200)
        t = time.monotonic()
        assert delta(before, counts(s)) == {"hits": 1, "misses": 0, "kept": 0}
        time.sleep(max(0.0, t + 9.3 - time.monotonic()))  # inside the last 3 s, before the end
        before = counts(s)
        renewed = expect(office.get(path), 200)
        assert delta(before, counts(s)) == {"hits": 0, "misses": 1, "kept": 1}, delta(before, counts(s))
        assert json.loads(renewed.raw) == json.loads(first.raw)
        time.sleep(max(0.0, t + 12.3 - time.monotonic()))  # past the old answer's end
        before = counts(s)
        again = expect(office.get(path), 200)
        assert delta(before, counts(s)) == {"hits": 1, "misses": 0, "kept": 0}, delta(before, counts(s))
        assert again.raw == renewed.raw
        # a commit still ends the renewed answer at once
        problems(s, 1)
        before = counts(s)
        expect(office.get(path), 200)
        assert delta(before, counts(s))["misses"] == 1
