#!/usr/bin/env python3
"""Statistics measurements (issue 15, docs/performance.md "Statistics").

    python3 bench/stats.py --db build/bench/bench.db [--bin build/release/xunji] [--secs 5]

On a database made by `xunji bench-seed` (bench/README.md), starts `xunji serve` and measures,
for the office (whole scope), a team leader (own team), the commission's liaison (handed
records, any team) and a dispatched group (the units it supervises): GET /api/v1/stats, the
group charts of problems_found (by round, team, unit), of rect_tasks_total,
accountability_records, clues_handed_over (migration 023) and feedback_given (025) by team and
by unit, and drill-down pages (per_page=50): one request (median of 3) and wrk 2 threads x 16
connections (req/s, p99). Modes, each a server of its own in the same run:
  rollup   (default) the rollups by team of migration 024 where the scope covers whole teams
  detail   XUNJI_STATS_NO_ROLLUP=1: the detail aggregates only (the path before 024)  [--ab]
  records  XUNJI_STATS_NO_AGG=1: every figure from the records (before 021)     [--compare]
  nounits  XUNJI_STATS_NO_UNITS=1: without 035's rollups by unit alone           [--units]
--users and --paths narrow the run (comma-separated; a path may be given by its index); --cpu N
adds the server's CPU time per request (user+system from /proc over N sequential requests), the
steadier figure on a shared machine; --no-wrk skips wrk.
Never fails on a timing.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--db", required=True)
ap.add_argument("--bin", default="build/release/xunji")
ap.add_argument("--secs", type=int, default=5)
ap.add_argument("--compare", action="store_true", help="also run with XUNJI_STATS_NO_AGG=1")
ap.add_argument("--ab", action="store_true", help="also run with XUNJI_STATS_NO_ROLLUP=1")
ap.add_argument("--units", action="store_true",
                help="also run with XUNJI_STATS_NO_UNITS=1 (no rollups by unit alone, migration 035)")
ap.add_argument("--users", default="office,leader1,liaison,dispatched1")
ap.add_argument("--paths", default="", help="indexes into PATHS (comma-separated); default all")
ap.add_argument("--cpu", type=int, default=0,
                help="also the server's CPU (user+system, /proc) per request over N sequential requests")
ap.add_argument("--no-wrk", action="store_true", help="no wrk runs (with --cpu: steadier on a loaded machine)")
ap.add_argument("--slow", type=float, default=1.0, help="no wrk where one request takes longer")
a = ap.parse_args()
ENV = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0")


def token(login):
    p = subprocess.run([a.bin, "user", "token", login, "--name", f"stats-{login}-{time.time_ns()}",
                        "--db", a.db], check=True, capture_output=True, text=True, env=ENV)
    return p.stdout.split()[0]


def get(url, tok):
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {tok}"}),
                                    timeout=600) as r:
            body = r.read()
    except urllib.error.HTTPError as e:  # a figure this user may not see: no row
        return time.perf_counter() - t, e.code
    return time.perf_counter() - t, body


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def wrk(url, tok):
    p = subprocess.run(["wrk", "-t2", "-c16", f"-d{a.secs}s", "--latency", "-H", f"Authorization: Bearer {tok}",
                        url], capture_output=True, text=True)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", p.stdout)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", p.stdout)
    ms = None
    if p99:
        ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return float(rps.group(1)) if rps else None, ms


PATHS = ["/api/v1/stats",
         "/api/v1/stats/problems_found/groups?by=round",
         "/api/v1/stats/problems_found/groups?by=team",
         "/api/v1/stats/problems_found/groups?by=unit",
         "/api/v1/stats/rectification_rate/groups?by=team",
         "/api/v1/stats/rect_tasks_total/groups?by=team",
         "/api/v1/stats/rect_tasks_total/groups?by=unit",
         "/api/v1/stats/accountability_records/groups?by=team",
         "/api/v1/stats/accountability_records/groups?by=unit",
         "/api/v1/stats/four_forms/groups?by=team",
         "/api/v1/stats/clues_handed_over/groups?by=team",
         "/api/v1/stats/clues_handed_over/groups?by=unit",
         "/api/v1/stats/feedback_given/groups?by=team",
         "/api/v1/stats/feedback_given/groups?by=unit",
         "/api/v1/stats/problems_rectified/records?per_page=50",
         "/api/v1/stats/accountability_records/records?per_page=50",
         "/api/v1/stats/feedback_given/records?per_page=50",
         # 034: durations (day-count histograms), overdue tasks (open minus not yet due)
         "/api/v1/stats/days_discovery_to_handover/groups?by=round",
         "/api/v1/stats/days_handover_to_registration/groups?by=unit",
         "/api/v1/stats/rect_tasks_overdue/groups?by=team",
         "/api/v1/stats/rect_tasks_overdue/records?per_page=50",
         # distinct people (from the records) and a distribution by unit (035: by unit alone)
         "/api/v1/stats/people_accountable/groups?by=round",
         "/api/v1/stats/four_forms/groups?by=unit",
         "/api/v1/stats/accountability_outcomes/groups?by=unit"]


def run(mode):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(ENV)
    if mode == "records":
        env["XUNJI_STATS_NO_AGG"] = "1"
    if mode == "detail":
        env["XUNJI_STATS_NO_ROLLUP"] = "1"
    if mode == "nounits":
        env["XUNJI_STATS_NO_UNITS"] = "1"
    srv = subprocess.Popen([a.bin, "serve", "--db", a.db, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
                            "--set", "max_conn_per_ip=4096"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    paths = [PATHS[int(i)] if i.isdigit() else i for i in a.paths.split(",")] if a.paths else PATHS
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        rows = []
        for login in a.users.split(","):
            tok = token(login)
            for path in paths:
                t, body = get(base + path, tok)
                if isinstance(body, int):
                    print(f"  ({login} {path}: HTTP {body}, skipped)", flush=True)
                    continue
                one = statistics.median([t] + [get(base + path, tok)[0] for _ in range(2)])
                cpu = None
                if a.cpu:
                    c0 = cpu_ms(srv.pid)
                    for _ in range(a.cpu):
                        get(base + path, tok)
                    cpu = (cpu_ms(srv.pid) - c0) / a.cpu
                rps, p99 = wrk(base + path, tok) if one < a.slow and not a.no_wrk else (None, None)
                rows.append((login, path, one * 1000, cpu, rps, p99))
        return rows
    finally:
        srv.terminate()
        srv.wait()


def show(title, rows):
    print(f"\n{title}\n| user | path | one request ms | CPU ms/request | req/s (2x16) | p99 ms |\n"
          "|---|---|---|---|---|---|")
    for login, path, one, cpu, rps, p99 in rows:
        f = lambda v, d: "-" if v is None else f"{v:.{d}f}"
        print(f"| {login} | {path} | {one:.1f} | {f(cpu, 1)} | {f(rps, 0)} | {f(p99, 1)} |", flush=True)


if a.compare:
    show("records (XUNJI_STATS_NO_AGG=1)", run("records"))
if a.ab:
    show("detail aggregates only (XUNJI_STATS_NO_ROLLUP=1)", run("detail"))
if a.units:
    show("without the rollups by unit alone (XUNJI_STATS_NO_UNITS=1)", run("nounits"))
show("aggregates with the rollups by team (default)", run("rollup"))
