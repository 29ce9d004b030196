"""memory.py — a server's resident memory under load, by memory settings (issue 15).

    python3 bench/memory.py            # BENCH_PROBLEMS (default 1000000), BENCH_SECS (5)

Uses bench/run.py's generated database (the same BENCH_DIR; generated when
missing), then for each configuration starts `xunji serve` on it, reads VmRSS
after start, runs wrk (2 threads x 64 connections, BENCH_SECS each) over the
paths of `make bench` — one record, a list page, a drill-down page, group
charts by round, team and unit, the whole /stats (16 connections) and
audited writes — and reads VmRSS after the load and VmHWM (the peak).
Configurations alternate A B A B (BENCH_REPEAT runs each):
  A: malloc_arena_max=8 x cores, db_cache_kib=2000 (glibc's and SQLite's defaults)
  B: the defaults of xunji (malloc_arena_max=2, db_cache_kib=512)
Prints one line per run and the medians. Never fails on a figure.
"""
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as B  # noqa: E402  (bench/run.py: generate, wrk, get, free_port)

CONFIGS = [("glibc/SQLite defaults", {"malloc_arena_max": str(8 * (os.cpu_count() or 2)), "db_cache_kib": "2000"}),
           ("xunji defaults", {})]


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"{key}:\s*(\d+)", f.read()).group(1)) / 1024


def one(db, office, member, target, settings):
    port = B.free_port()
    url = f"http://127.0.0.1:{port}"
    args = [B.BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
            "--set", "max_conn_per_ip=4096", "--set", "max_conn=8192", "--set", "remind_interval_minutes=0"]
    for k, v in settings.items():
        args += ["--set", f"{k}={v}"]
    srv = subprocess.Popen(args, env=B.ENV2, stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(B.DIR, "serve.log"), "a"))
    try:
        t0 = time.monotonic()
        while True:
            try:
                B.get(url + "/healthz")
                break
            except OSError:
                if srv.poll() is not None or time.monotonic() - t0 > 60:
                    raise SystemExit("memory: xunji serve did not start")
                time.sleep(0.01)
        start = vm(srv.pid, "VmRSS")
        auth = [f"Authorization: Bearer {office}"]
        import json
        first = json.loads(B.get(f"{url}/api/v1/problems?per_page=1", office)[0])["items"][0]["id"]
        paths = [f"/api/v1/problems/{first}", "/api/v1/problems?per_page=50",
                 "/api/v1/stats/problems_rectified/records?per_page=50",
                 "/api/v1/stats/problems_found/groups?by=round", "/api/v1/stats/problems_found/groups?by=team",
                 "/api/v1/stats/problems_found/groups?by=unit", "/api/v1/stats/accountability_records/groups?by=unit"]
        bad = []
        for p in paths:
            if B.wrk(url + p, headers=auth, pid=srv.pid)["non2xx"]:
                bad.append(p)
        if B.wrk(url + "/api/v1/stats", headers=auth, conns=16, pid=srv.pid)["non2xx"]:
            bad.append("/api/v1/stats")
        lua = os.path.join(B.DIR, "memory-post.lua")
        body = json.dumps({"target_id": target, "title": "内存基准线索", "subject_name": "某",
                           "source": "interview", "discovered_on": "2026-01-05", "allegation": "基准"},
                          ensure_ascii=False)
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = ' + json.dumps(body) + '\n'
                    'wrk.headers["Content-Type"] = "application/json"\n')
        if B.wrk(url + "/api/v1/clues", headers=[f"Authorization: Bearer {member}"], script=lua, pid=srv.pid)["non2xx"]:
            bad.append("POST /api/v1/clues")
        if bad:
            B.say("  (answers other than 2xx/3xx on: " + ", ".join(bad) + ")")
        return start, vm(srv.pid, "VmRSS"), vm(srv.pid, "VmHWM")
    finally:
        srv.terminate()
        srv.wait(30)


def main():
    db, _ = B.generate()
    acc = __import__("json").load(open(db + ".accounts.json"))
    office = B.sh(B.BIN, "user", "token", "office", "--name", "mem", "--db", db, env=B.ENV2).stdout.split()[0]
    member = B.sh(B.BIN, "user", "token", "member1", "--name", "mem-w", "--scope", "all", "--db", db,
                  env=B.ENV2).stdout.split()[0]
    res = {name: [] for name, _ in CONFIGS}
    for _ in range(B.REPEAT):
        for name, settings in CONFIGS:
            r = one(db, office, member, acc["targets"]["u1"], settings)
            res[name].append(r)
            B.say(f"{name:24} RSS after start {r[0]:6.1f} MB, after the load {r[1]:6.1f} MB, peak {r[2]:6.1f} MB")
    B.say(f"\nmedians, {B.P} problems, load average {os.getloadavg()[0]:.1f}:")
    for name, runs in res.items():
        B.say(f"{name:24} " + ", ".join(f"{w} {statistics.median(x[i] for x in runs):.1f} MB"
                                        for i, w in enumerate(("after start", "after the load", "peak"))))


if __name__ == "__main__":
    main()
