#!/usr/bin/env python3
"""bench/stats_probe.py — where a /api/v1/stats request spends its time: the
group chart of every measure (by round), one request each after a warm-up,
slowest first, for the office. A measure answered from an aggregate costs
O(groups); one counted from the records O(records): the slow ones are those.

  python3 bench/stats_probe.py DB [BIN] [BY]     (BIN default build/release/xunji, BY round)

BY (round, team or unit) picks the chart of each measure.

Serves a copy-free DB on a free loopback port (read only as far as the probe
goes: it makes one API token). Never fails on timing.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = sys.argv[1]
BIN = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build/release/xunji")
BY = sys.argv[3] if len(sys.argv) > 3 else "round"
env = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0")
tok = subprocess.run([BIN, "user", "token", "office", "--name", "probe", "--db", DB], env=env,
                     capture_output=True, text=True, check=True).stdout.split()[0]
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
srv = subprocess.Popen([BIN, "serve", "--db", DB, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def get(path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {tok}"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=600) as r:
        body = r.read()
    return json.loads(body), time.monotonic() - t0


try:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    m, _ = get("/api/v1/stats/measures")
    names = [x["name"] for x in (m.get("measures") or m.get("items") or m)]
    _, whole = get("/api/v1/stats")
    out = []
    for n in names:
        try:
            get(f"/api/v1/stats/{n}/groups?by={BY}")
            _, t = get(f"/api/v1/stats/{n}/groups?by={BY}")
            out.append((t, n))
        except Exception as e:  # noqa: BLE001 - a measure without a round chart
            out.append((-1, f"{n} ({str(e)[:40]})"))
    print(f"GET /api/v1/stats: {whole * 1000:.0f} ms; {len(names)} measures; group chart by {BY}, one request each:")
    for t, n in sorted(out, reverse=True):
        print(f"  {t * 1000:9.1f} ms  {n}")
finally:
    srv.terminate()
    srv.wait(30)
