"""Issue 16's /metrics (src/api/metrics.c): Prometheus text with requests by
route pattern and status, the latency histogram, commits and group-commit
sizes, the read pool and the audit chain's length; only to metrics_networks
(default loopback), a 404 like an unknown path to every other client.
Issue 15: caches never delay a revocation (a token revoked, a user disabled,
a grant removed: refused at the very next request)."""
import re

import time

from lib import Server, expect, run_cli, test, today_shanghai


def metrics(c):
    r = c.get("/metrics")
    expect(r, 200)
    assert r.header("Content-Type").startswith("text/plain; version=0.0.4"), r.header("Content-Type")
    text = r.raw.decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return text, out


@test
def metrics_count_routes_commits_and_the_audit_chain_only_for_loopback():
    with Server({"token_requires_2fa": "0", "trusted_proxies": "127.0.0.1"}) as s:
        m = s.client("member1")
        anon = s.client()
        tg = s.ids["targets"]["u1"]
        for i in range(3):
            expect(m.post("/api/v1/clues", {"target_id": tg, "title": f"指标线索{i}", "subject_name": "某",
                                            "source": "interview", "discovered_on": today_shanghai(),
                                            "allegation": "指标"}), 201)
        expect(anon.get("/api/v1/clues"), 401)
        text, v = metrics(anon)  # loopback: no session needed
        assert v['xunji_requests_total{method="POST",route="/api/v1/clues",status="201"}'] == 3, text
        assert v['xunji_requests_total{method="GET",route="/api/v1/clues",status="401"}'] >= 1
        # ids never become labels: the pattern does
        clue = expect(m.get("/api/v1/clues"), 200).json["items"][0]["id"]
        expect(m.get(f"/api/v1/clues/{clue}"), 200)
        text, v = metrics(anon)
        assert clue not in text
        assert v['xunji_requests_total{method="GET",route="/api/v1/clues/{id}",status="200"}'] == 1
        # the histogram is cumulative and ends with every request
        buckets = [(k, n) for k, n in v.items() if k.startswith("xunji_request_duration_seconds_bucket")]
        assert buckets[-1][0].endswith('{le="+Inf"}') and buckets[-1][1] == v["xunji_request_duration_seconds_count"]
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
        # every acknowledged write is one transaction of some durable commit
        assert v["xunji_db_write_transactions_total"] >= 3
        assert 1 <= v["xunji_db_commits_total"] <= v["xunji_db_write_transactions_total"]
        assert v['xunji_db_commit_group_size_bucket{le="+Inf"}'] == v["xunji_db_commits_total"]
        assert v["xunji_db_commit_group_size_sum"] == v["xunji_db_write_transactions_total"]
        assert v["xunji_db_commit_failures_total"] == 0
        assert v["xunji_db_readers_max"] >= 1
        seq = s.sql("SELECT seq FROM audit_head")[0][0]
        assert v["xunji_audit_chain_length"] == seq, (v["xunji_audit_chain_length"], seq)
        # a client outside metrics_networks (forwarded by the trusted proxy) gets the unknown path's 404
        r = anon.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})
        expect(r, 404, "not_found")
        assert b"xunji_" not in r.raw
        expect(m.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}), 404, "not_found")
        # issue 15: the process's memory, as /proc/<pid>/status has it
        rss, peak = v["process_resident_memory_bytes"], v["xunji_process_peak_resident_memory_bytes"]
        assert 1 << 20 < rss <= peak < 4 << 30, (rss, peak)
        with open(f"/proc/{s.proc.pid}/status") as f:
            hwm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:")][0]
        assert peak <= hwm, (peak, hwm)
    # an empty list: nobody; an invalid list is refused at start
    with Server({"metrics_networks": ""}) as s:
        expect(s.client().get("/metrics"), 404, "not_found")
    bad = run_cli("serve", "--db", "/nonexistent/x.db", "--set", "metrics_networks=10.0.0.0/99", check=False)
    assert bad.returncode == 2 and "metrics_networks" in bad.stderr, bad.stderr


def wait_metric(c, name, want):
    """Polls /metrics until name reaches want (the job thread runs beside the
    requests); the value found, for the assert."""
    deadline = time.monotonic() + 30
    while True:
        _, v = metrics(c)
        if v.get(name, 0) >= want or time.monotonic() > deadline:
            return v


@test
def scheduled_jobs_are_counted_and_the_sweep_deletes_expired_sessions():
    """Issue 16 (src/domain/sched.c): the sessions sweep is claimed once at
    start-up (scheduler_leases "job:sessions_sweep", runs 1) and deletes the
    sessions past session_idle_minutes; /metrics counts this server's claims and
    shows the database-held audit anchor (none on SQLite: 0; on PostgreSQL at
    least the first). The sweep is off
    in the other tests (lib.py) and on here."""
    with Server({"session_sweep_minutes": 10}) as s:
        anon = s.client()
        v = wait_metric(anon, 'xunji_sched_claims_total{job="sessions_sweep",result="ran"}', 1)
        assert v['xunji_sched_claims_total{job="sessions_sweep",result="ran"}'] == 1, v
        assert v['xunji_sched_claims_total{job="reminders",result="ran"}'] == 0  # remind interval 0 in tests
        if s.pg_name:  # every server writes the database anchor after its commits
            assert v["xunji_audit_anchor_db_seq"] >= 1, v
        else:
            assert v["xunji_audit_anchor_db_seq"] == 0
        assert s.sql("SELECT runs FROM scheduler_leases WHERE name='job:sessions_sweep'")[0][0] == 1
        # a session idle for longer than session_idle_minutes (and a live one)
        old, live = s.client("member1"), s.client("leader1")
        s.stop()
        n = s.sql("SELECT count(*) FROM sessions")[0][0]
        assert n >= 2
        s.sql_write("UPDATE sessions SET last_seen = last_seen - 86400 * 30 WHERE user_id = "
                    "(SELECT id FROM users WHERE login = 'member1')")
        # the next period: the lease has expired (moved into the past here), a restarted server sweeps
        s.sql_write("UPDATE scheduler_leases SET expires_at = '2000-01-01T00:00:00Z'")
        s.start()
        v = wait_metric(s.client(), 'xunji_sched_claims_total{job="sessions_sweep",result="ran"}', 1)
        deadline = time.monotonic() + 30
        while s.sql("SELECT count(*) FROM sessions")[0][0] != n - 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert s.sql("SELECT count(*) FROM sessions")[0][0] == n - 1
        expect(old.get("/api/v1/clues"), 401)
        expect(live.get("/api/v1/clues"), 200)
        assert s.sql("SELECT runs FROM scheduler_leases WHERE name='job:sessions_sweep'")[0][0] == 2


@test
def caches_never_delay_a_revocation():
    """The statement caches and the reader pool are warm; each revocation,
    made by the API or by another process (the CLI), is refused at the very
    next request, by the session and by the API token alike."""
    with Server({"token_requires_2fa": "0"}) as s:
        office = s.client("office")
        member = s.client("member1")
        leader = s.client("leader1")
        tok = run_cli("user", "token", "office", "--name", "脚本", db=s.db).stdout.strip()
        bearer = s.client()
        bearer.bearer = tok
        for _ in range(10):  # warm every cache on the way
            for c in (office, member, leader, bearer):
                expect(c.get("/api/v1/clues"), 200)
                expect(c.get("/api/v1/me"), 200)
        # a token revoked by another process: the very next request
        tid = s.sql("SELECT id FROM api_tokens WHERE user_id=?", (s.accounts["office"]["id"],))[0][0]
        run_cli("user", "token", "--revoke", tid, db=s.db)
        expect(bearer.get("/api/v1/clues"), 401)
        expect(office.get("/api/v1/clues"), 200)  # the session is another credential
        # a user disabled by another process
        run_cli("user", "disable", "leader1", db=s.db)
        expect(leader.get("/api/v1/clues"), 401)
        # a grant removed through the API
        sec = s.client("secadmin")
        uid = s.accounts["member1"]["id"]
        g = expect(sec.get(f"/api/v1/users/{uid}/roles"), 200).json["items"][0]
        expect(sec.request("DELETE", f"/api/v1/users/{uid}/roles/{g['id']}"), 200)
        r = member.get("/api/v1/clues")
        assert r.status in (401, 403), r
        expect(member.get("/api/v1/me"), 401)


@test
def memory_settings_are_bounded_and_a_server_runs_with_them():
    """malloc_arena_max (mallopt at serve start) and db_cache_kib (PRAGMA
    cache_size of every SQLite connection; the unit test
    db_cache_kib_reaches_every_connection reads it back): out of range is
    refused at start with the setting's name; in range the server serves."""
    for kv in ("malloc_arena_max=0", "malloc_arena_max=65", "db_cache_kib=63", "db_cache_kib=abc"):
        bad = run_cli("serve", "--db", "/nonexistent/x.db", "--set", kv, check=False)
        assert bad.returncode == 2 and kv.split("=")[0] in bad.stderr, (kv, bad.stderr)
    with Server({"malloc_arena_max": 1, "db_cache_kib": 64}) as s:
        m = s.client("member1")
        expect(m.get("/api/v1/clues"), 200)
        _, v = metrics(s.client())
        assert v["process_resident_memory_bytes"] > 1 << 20
