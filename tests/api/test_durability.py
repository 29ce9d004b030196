"""Acknowledged writes survive kill -9: concurrent writers, a hard kill in
the middle of the load, a restart; every write that got a 2xx is there
exactly once, the database is intact and the audit chain verifies."""
import threading
import time

from lib import Server, expect, run_cli, test, today_shanghai


def writer(s, k, login, target, n, acked, errors, stop):
    c = s.client()
    try:
        c.login(login, s.passwords[login], change=False)
    except OSError:
        return  # killed before this writer got going
    for i in range(n):
        if stop.is_set():
            return
        title = f"{login}-{k}-并发线索-{i}"
        try:
            r = c.post("/api/v1/clues", {"target_id": target, "title": title, "subject_name": "某",
                                         "source": "interview", "discovered_on": today_shanghai(),
                                         "allegation": "并发写入测试"})
        except OSError:
            return  # the server died under us: this write was never acknowledged
        if r.status == 201:
            acked.append((r.json["id"], title))
        else:
            errors.append(r)


def integrity_check(s):
    """SQLite's PRAGMA integrity_check; on PostgreSQL its counterpart, amcheck's
    bt_index_check with heapallindexed on every B-tree index of the schema
    (raises, and psql fails, on the first inconsistency)."""
    if not s.pg_name:
        return s.sql("PRAGMA integrity_check")
    s.sql_write("CREATE EXTENSION IF NOT EXISTS amcheck")
    n = s.sql("SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i "
              "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
              "JOIN pg_namespace ns ON ns.oid = c.relnamespace "
              "WHERE am.amname = 'btree' AND ns.nspname = 'public' AND i.indisvalid) x")[0][0]
    assert n > 20, n  # the schema's indexes were checked
    return [("ok",)]


@test
def concurrent_writers_then_kill_9_then_restart():
    s = Server()
    s.cleanup = False
    s.start()
    # change passwords first (one-time passwords)
    for login in ("member1", "leader1"):
        s.client(login)
    t1, t2 = s.ids["targets"]["u1"], s.ids["targets"]["u2"]
    acked, errors, stop = [], [], threading.Event()
    threads = [threading.Thread(target=writer, args=(s, k, lg, t, 400, acked, errors, stop))
               for k, (lg, t) in enumerate((("member1", t1), ("leader1", t2), ("member1", t2), ("leader1", t1)))]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while len(acked) < 60 and time.time() < deadline:
        time.sleep(0.05)
    s.kill9()  # in the middle of the load
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(acked) >= 60, len(acked)
    ok = integrity_check(s)
    assert ok == [("ok",)], ok
    rows = dict(s.sql("SELECT id, title FROM clues"))
    for cid, title in acked:
        assert rows.get(cid) == title, f"acknowledged write {cid} lost"
    assert len(set(rows.values())) == len(rows), "a write landed twice"
    # every stored clue has its audit entry, and the chain verifies
    audited = {r[0] for r in s.sql("SELECT object_id FROM audit WHERE action='clue.create'")}
    assert set(rows) <= audited
    v = run_cli("audit", "verify", db=s.db, check=False)
    assert v.returncode == 0, v.stdout + v.stderr
    # the server starts again on the same files and serves the data
    with s:
        c = s.client()
        c.login("member1", s.passwords["member1"], change=False)
        # every acknowledged write is served again, with its content
        for cid, title in acked:
            got = expect(c.get(f"/api/v1/clues/{cid}"), 200).json
            assert got["title"] == title, (cid, got.get("title"))
        total = expect(c.get("/api/v1/clues?per_page=1"), 200).json["total"]
        assert total >= len(rows), (total, len(rows))
    s.check_sanitizers()
    import shutil
    shutil.rmtree(s.dir, ignore_errors=True)


@test
def concurrent_transitions_on_one_clue_do_not_double_apply():
    with Server() as s:
        m, lead = s.client("member1"), s.client("leader1")
        cid = expect(m.post("/api/v1/clues", {"target_id": s.ids["targets"]["u1"], "title": "竞态", "subject_name": "某",
                                              "source": "records", "discovered_on": today_shanghai(),
                                              "allegation": "x"}), 201).json["id"]
        expect(lead.post(f"/api/v1/clues/{cid}/verify"), 200)
        offices = []
        for _ in range(6):
            c = s.client()
            c.login("office", s.passwords.get("office"), change=True)
            offices.append(c)
        results = []

        def go(c):
            results.append(c.post(f"/api/v1/clues/{cid}/handover").status)

        ts = [threading.Thread(target=go, args=(c,)) for c in offices]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert sorted(results) == [200] + [409] * 5, results
        assert s.sql("SELECT count(*) FROM doc_seq WHERE series='handover'")[0][0] == 1
        assert s.sql("SELECT last FROM doc_seq WHERE series='handover'")[0][0] == 1
        assert s.sql("SELECT count(*) FROM audit WHERE action='clue.handover'")[0][0] == 1
