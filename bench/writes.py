#!/usr/bin/env python3
"""bench/writes.py — the "Writes" figures of docs/performance.md (issue 15,
group commit), on the bench database of bench/run.py (same generator, same
settings: BENCH_PROBLEMS, BENCH_DIR, BENCH_SECS, BENCH_REPEAT, XUNJI_BIN).

Each pair runs alternately (A B A B) and the medians are compared:
  POST /api/v1/clues (member1's token; audited, sealed, fsync'd), wrk 2 x 16
      vs raw SQLite one-row FULL commits into a copy of `clues` with its indexes
  GET /api/v1/clues/{id} by casemgmt's token: an audited read of the sealed
      allegation (one write transaction per read), wrk 2 x 16
      vs the same raw SQLite one-row FULL commits
  GET /api/v1/problems/{id} (office's token), wrk 2 x 64 vs nginx `return 200`
The server runs on a copy of the database (the writes do not accumulate in
the generated one). With a binary that has /metrics, the group sizes seen
during the run are printed too. Never fails on timing.

    BENCH_PROBLEMS=100000 python3 bench/writes.py
    XUNJI_BIN=/path/to/other/xunji BENCH_PROBLEMS=100000 python3 bench/writes.py   # before/after
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: 需要 {tool} (bash bench/run.sh installs it)")
    db, _ = R.generate()
    work = os.path.join(R.DIR, "writes.db")
    for suf in ("", "-wal", "-shm"):
        if os.path.exists(work + suf):
            os.unlink(work + suf)
    for suf in ("", ".key", ".audit-anchor"):  # the database, its key and its audit anchor
        if os.path.exists(db + suf):
            shutil.copy2(db + suf, work + suf)
    import json
    acc = json.load(open(db + ".accounts.json"))
    tok = {}
    for login, scope in (("member1", "all"), ("casemgmt", "read,clue.allegation"), ("office", None)):
        args = [R.BIN, "user", "token", login, "--name", "bench-writes", "--db", work]
        if scope:
            args[6:6] = ["--scope", scope]
        tok[login] = R.sh(*args, env=R.ENV2).stdout.split()[0]
    con = sqlite3.connect(f"file:{work}?mode=ro", uri=True)
    clue = con.execute("SELECT id FROM clues WHERE state='registered' ORDER BY id LIMIT 1").fetchone()[0]
    prob = con.execute("SELECT id FROM problems ORDER BY id LIMIT 1 OFFSET ?",
                       (R.SIZES["problems"] // 2,)).fetchone()[0]
    con.close()
    port = R.free_port()
    url = f"http://127.0.0.1:{port}"
    srv = subprocess.Popen([R.BIN, "serve", "--db", work, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
                            "--set", "max_conn_per_ip=4096", "--set", "max_conn=8192"], env=R.ENV2,
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(R.DIR, "writes-serve.log"), "w"))
    for _ in range(3000):
        try:
            R.get(url + "/healthz")
            break
        except OSError:
            time.sleep(0.01)
    ng = conn = None
    rows = []
    try:
        body, _ = R.get(f"{url}/api/v1/clues/{clue}", tok["casemgmt"])
        assert b'"allegation":"' in body, body[:300]  # the sealed field is read (and audited)
        ng = R.Nginx(R.free_port(), {})
        lua = os.path.join(R.DIR, "writes-post.lua")
        target = acc["targets"]["u1"]
        open(lua, "w").write(f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {tok['member1']}"
local today = os.date("!%Y-%m-%d", os.time() + 8*3600)
wrk.body = '{{"target_id":"{target}","title":"压测线索","subject_name":"某","source":"records","discovered_on":"' .. today .. '","allegation":"压测内容, 线索具体"}}'
""")
        conn, refpath, one_row, _ = R.sqlite_refs(db, R.SECS)
        X = lambda u, **kw: R.wrk(u, pid=srv.pid, **kw)

        def pair(name, a, b, refname):
            ra, rb = R.alternate(a, b)
            ratio = ra["rps"] / rb["rps"] if rb["rps"] else 0
            rows.append((name, ra, refname, rb, ratio))
            R.say(f"  {name:50} {ra['rps']:9.0f}/s p99 {R.fmt_ms(ra['p99']):>9} cpu/req "
                  f"{(ra['cpu_us'] or 0):6.0f} us  non2xx {ra['non2xx']}   {refname:34} {rb['rps']:9.0f}/s   "
                  f"ratio {ratio:.3g}")

        pair("POST /api/v1/clues (audited, sealed, fsync) 2x16",
             lambda: X(url + "/api/v1/clues", script=lua, conns=16), one_row, "raw SQLite one-row FULL commits")
        pair("GET /api/v1/clues/{id} (audited sealed read) 2x16",
             lambda: X(f"{url}/api/v1/clues/{clue}", headers=[f"Authorization: Bearer {tok['casemgmt']}"],
                       conns=16), one_row, "raw SQLite one-row FULL commits")
        pair("GET /api/v1/problems/{id} (token) 2x64",
             lambda: X(f"{url}/api/v1/problems/{prob}", headers=[f"Authorization: Bearer {tok['office']}"]),
             lambda: R.wrk(ng.url + "/r", pid=ng.p.pid), "nginx return 200")
        try:
            m, _ = R.get(url + "/metrics")
            c = re.search(rb"^xunji_db_commits_total (\d+)", m, re.M)
            t = re.search(rb"^xunji_db_write_transactions_total (\d+)", m, re.M)
            if not c or not t:
                raise OSError("no /metrics")
            R.say(f"  /metrics: {int(t.group(1))} write transactions in {int(c.group(1))} commits "
                  f"({int(t.group(1)) / max(1, int(c.group(1))):.1f} per fsync)")
        except OSError:
            R.say("  (no /metrics in this binary)")
    finally:
        if ng:
            ng.stop()
        if conn:
            conn.close()
        srv.terminate()
        srv.wait(30)
        with open(os.path.join(R.DIR, "writes-wrk.log"), "w") as f:
            f.write("\n".join(R.log))
    R.say(f"binary {R.BIN}; load {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
