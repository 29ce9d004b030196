#!/usr/bin/env python3
"""bench/write_floor.py — how fast the rows of one durable write can be written
at all, without HTTP, authentication, sealing or JSON (issue 15's write target).

`POST /api/v1/clues` writes, in one transaction: the clue (its INSERT fires the
three aggregate triggers), its audit entry, the audit head, and eight change-log
rows. This script makes one real POST on a copy of the bench database, takes the
rows it wrote as templates, and then writes copies of exactly those rows with
Python's sqlite3 on one connection (SQLite has one writer: every write
transaction of a server runs on it, one after the other, so the rate of this one
thread bounds the server's durable writes whatever the cores or the group commit
do). Alternately (A B A B, medians) against the reference of `make bench`: raw
one-row FULL commits into a copy of `clues` with its indexes.

  floor, 1 per commit, no fsync     one POST's rows per transaction, synchronous=OFF
  floor, 16 per commit, FULL        sixteen POSTs' rows per transaction (a group commit
                                    of 16), synchronous=FULL: durable
  floor, 64 per commit, no fsync    the SQL alone, commit cost spread over 64

The Python call overhead (a statement call that does nothing, times the calls
of one POST) is measured too and taken out in the "adjusted" column: the floor
is then the SQL's own time. Never fails on timing.

    BENCH_PROBLEMS=20000 python3 bench/write_floor.py      # BENCH_SECS per run (default 5)
"""
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402


def templates(work, acc):
    """One real POST through the server; the rows it wrote."""
    tok = R.sh(R.BIN, "user", "token", "member1", "--name", "bench-floor", "--scope", "all",
               "--db", work, env=R.ENV2).stdout.split()[0]
    port = R.free_port()
    srv = R.serve(work, port)
    try:
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        body = json.dumps({"target_id": acc["targets"]["u1"], "title": "压测线索", "subject_name": "某",
                           "source": "records", "discovered_on": today,
                           "allegation": "压测内容, 线索具体"}).encode()
        rq = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/clues", data=body,
                                    headers={"Authorization": "Bearer " + tok,
                                             "Content-Type": "application/json"})
        cid = json.loads(urllib.request.urlopen(rq, timeout=60).read())["id"]
    finally:
        srv.terminate()
        srv.wait(20)
    c = sqlite3.connect(work)
    c.row_factory = None

    def rows(sql, *args):
        cur = c.execute(sql, args)
        return [d[0] for d in cur.description], cur.fetchall()

    t = {"clues": rows("SELECT * FROM clues WHERE id=?", cid),
         "audit": rows("SELECT * FROM audit WHERE object_id=? AND action='clue.create'", cid)}
    seq = t["audit"][1][0][t["audit"][0].index("seq")]
    t["record_changes"] = rows("SELECT * FROM record_changes WHERE audit_seq=?", seq)
    t["audit_head"] = rows("SELECT * FROM audit_head")
    c.close()
    assert len(t["clues"][1]) == 1 and len(t["audit"][1]) == 1 and t["record_changes"][1], t
    return t


def floor_writer(work, t, per_commit, sync):
    c = sqlite3.connect(work, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute(f"PRAGMA synchronous={sync}")
    c.execute("PRAGMA cache_size=-262144")
    c.execute("PRAGMA temp_store=MEMORY")  # as the server's writer
    ccols, (clue,) = t["clues"]
    acols, (aud,) = t["audit"]
    rcols, rc = t["record_changes"]
    hcols, (head,) = t["audit_head"]
    ci, cuniq = ccols.index("id"), [i for i, n in enumerate(ccols) if n in ("handover_docno", "registry_no")]
    a_seq, a_ent, a_hash = acols.index("seq"), acols.index("object_id"), acols.index("hash")
    r_id, r_seq, r_ent = rcols.index("seq"), rcols.index("audit_seq"), rcols.index("record_id")
    ins_clue = f"INSERT INTO clues({','.join(ccols)}) VALUES({','.join('?' * len(ccols))})"
    ins_aud = f"INSERT INTO audit({','.join(acols)}) VALUES({','.join('?' * len(acols))})"
    one = "(" + ",".join("?" * len(rcols)) + ")"
    ins_rc = f"INSERT INTO record_changes({','.join(rcols)}) VALUES " + ",".join([one] * len(rc))
    upd_head = "UPDATE audit_head SET seq=?, hash=?, mac=? WHERE id=1"
    n = [0]
    seq = [c.execute("SELECT max(seq) FROM audit").fetchone()[0]]

    def one_post():
        n[0] += 1
        seq[0] += 1
        cid = f"floor-{time.monotonic_ns()}-{n[0]}"
        h = f"{seq[0]:064x}"
        v = list(clue)
        v[ci] = cid
        for i in cuniq:
            v[i] = None
        c.execute(ins_clue, v)
        a = list(aud)
        a[a_seq], a[a_ent], a[a_hash] = seq[0], cid, h
        c.execute(ins_aud, a)
        flat = []
        for r in rc:
            r = list(r)
            r[r_id], r[r_seq], r[r_ent] = None, seq[0], cid
            flat += r
        c.execute(ins_rc, flat)
        c.execute(upd_head, (seq[0], h, h))

    def run():
        done, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < R.SECS:
            c.execute("BEGIN IMMEDIATE")
            for _ in range(per_commit):
                one_post()
            c.execute("COMMIT")
            done += per_commit
        return done / (time.monotonic() - t0)
    return c, run


def call_overhead(calls_per_post):
    """Seconds of Python per POST spent calling sqlite3 (a statement that does nothing)."""
    c = sqlite3.connect(":memory:", isolation_level=None)
    c.execute("SELECT 1")
    k, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < 1:
        for _ in range(1000):
            c.execute("SELECT ?", (1,))
        k += 1000
    per = (time.monotonic() - t0) / k
    c.close()
    return per * calls_per_post


def main():
    db, _ = R.generate()
    acc = json.load(open(db + ".accounts.json"))
    work = os.path.join(R.DIR, "floor.db")
    for suf in ("", "-wal", "-shm", ".key", ".audit-anchor"):
        if os.path.exists(work + suf):
            os.unlink(work + suf)
    for suf in ("", ".key", ".audit-anchor"):
        if os.path.exists(db + suf):
            shutil.copy2(db + suf, work + suf)
    t = templates(work, acc)
    conn, refpath, one_row, _ = R.sqlite_refs(db, R.SECS)
    modes = [("floor, 1 per commit, no fsync", 1, "OFF"), ("floor, 16 per commit, FULL", 16, "FULL"),
             ("floor, 64 per commit, no fsync", 64, "OFF")]
    over = call_overhead(4)  # four statement calls per POST (BEGIN/COMMIT amortised are left in)
    res = {m[0]: [] for m in modes}
    ref = []
    try:
        for _ in range(R.REPEAT):
            for name, per, sync in modes:
                c, run = floor_writer(work, t, per, sync)
                res[name].append(run())
                c.close()
                ref.append(one_row()["rps"])
    finally:
        conn.close()
        for p in (refpath, work):
            for suf in ("", "-wal", "-shm", ".key", ".audit-anchor"):
                if os.path.exists(p + suf):
                    os.unlink(p + suf)
    r = statistics.median(ref)
    R.say(f"raw SQLite one-row FULL commits (reference): {r:8.0f}/s   target 3 x = {3 * r:8.0f}/s")
    R.say(f"Python call overhead per POST (4 statement calls): {over * 1e6:.1f} us")
    R.say(f"{'':34s} {'writes/s':>9s} {'us each':>8s} {'adjusted/s':>11s} {'x raw':>6s}")
    for name, *_ in modes:
        v = statistics.median(res[name])
        adj = 1 / max(1e-9, 1 / v - over)
        R.say(f"{name:34s} {v:9.0f} {1e6 / v:8.1f} {adj:11.0f} {adj / r:6.2f}")
    R.say(f"rows per POST: clue 1 (+3 aggregate triggers), audit 1, head 1, change log {len(t['record_changes'][1])}; "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
