#!/usr/bin/env python3
"""bench/lists.py — list pages on a generated database (issue 15, docs/performance.md "Lists").

    python3 bench/lists.py BIN DB [--offset]

Starts BIN serve on DB (a copy made by `xunji bench-seed`, bench/README.md), makes API tokens for
office (all), member1 (one team) and unit1 (one unit), and for each list measures one request (median of
3) on the first page and on a page half way through the scope, then wrk (2 threads x 16 connections,
BENCH_SECS s) on both. The deep page is reached by following `next` cursors (per_page=200); with
--offset (a binary before keyset paging) by ?page=N instead. Prints a Markdown table. Never fails on a
timing.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BIN, DB = sys.argv[1], sys.argv[2]
OFFSET = "--offset" in sys.argv
SECS = int(os.environ.get("BENCH_SECS", "5"))
MAX_ONE = float(os.environ.get("BENCH_MAX_ONE", "30"))
ENV = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0")
# the scope of a list whose total is only "at least" (total_approx): its rows in the database
SCOPE = {}


def port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url, token, timeout=MAX_ONE):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = r.read()
    return json.loads(body), time.monotonic() - t0


def once(url, token):
    try:
        return statistics.median(get(url, token)[1] for _ in range(3))
    except OSError:
        return None


def wrk(url, token):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{SECS}s", "--latency", "--timeout", "30s", "-H",
                          f"Authorization: Bearer {token}", url], capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else None
    return float(rps.group(1)) if rps else 0.0, ms, int(bad.group(1)) if bad else 0


def deep_url(base, token, total):
    """The page half way through the scope: by cursor (following next) or by ?page=."""
    sep = "&" if "?" in base else "?"
    if OFFSET:
        return f"{base}{sep}per_page=50&page={max(2, total // 50 // 2)}"
    nxt, seen = None, 0
    while seen < total // 2:
        u = f"{base}{sep}per_page=200" + (f"&cursor={urllib.parse.quote(nxt)}" if nxt else "")
        r, _ = get(u, token, timeout=600)
        seen += len(r["items"])
        nxt = r.get("next")
        if not nxt:
            break
    return f"{base}{sep}per_page=50" + (f"&cursor={urllib.parse.quote(nxt)}" if nxt else "")


def main():
    tok = {}
    for login in ("office", "member1", "unit1"):
        tok[login] = subprocess.run([BIN, "user", "token", login, "--name", "bench-lists", "--db", DB],
                                    env=ENV, capture_output=True, text=True, check=True).stdout.split()[0]
    p = port()
    url = f"http://127.0.0.1:{p}"
    srv = subprocess.Popen([BIN, "serve", "--db", DB, "--listen", f"127.0.0.1:{p}", "--set", "access_log=0",
                            "--set", "max_conn_per_ip=4096"], env=ENV, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    import sqlite3
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    for path, table in (("/api/v1/problems", "problems"), ("/api/v1/clues", "clues"),
                        ("/api/v1/rect-tasks", "rect_tasks"), ("/api/v1/accountability", "accountability")):
        n = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        SCOPE[path] = SCOPE[path + "?sort=-updated_at"] = SCOPE[path + "?sort=found_on"] = n
    db.close()
    rows = []
    try:
        for _ in range(500):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.02)
        cases = [("office", "/api/v1/problems"), ("member1", "/api/v1/problems"),
                 ("unit1", "/api/v1/problems"), ("office", "/api/v1/clues"),
                 ("office", "/api/v1/rect-tasks"), ("office", "/api/v1/accountability"),
                 ("office", "/api/v1/problems?sort=-updated_at"), ("office", "/api/v1/problems?sort=found_on")]
        for who, path in cases:
            sep = "&" if "?" in path else "?"
            first = f"{url}{path}{sep}per_page=50"
            try:
                r, _ = get(first, tok[who])
            except OSError as e:
                rows.append((who, path, str(e)))
                continue
            total = r.get("total", 0)
            approx = "+" if r.get("total_approx") else ""
            t1 = once(first, tok[who])
            deep, td = None, None
            if t1 is not None and t1 < 1:  # a page that sorts the scope: no walk half way through it
                try:
                    deep = deep_url(url + path, tok[who], total if not approx else SCOPE.get(path, total))
                    td = once(deep, tok[who])
                except (OSError, KeyError):
                    deep, td = None, None
            w1 = wrk(first, tok[who]) if t1 is not None and t1 < 1 else None
            wd = wrk(deep, tok[who]) if td is not None and td < 1 else None
            rows.append((who, path, f"{total}{approx}", t1, w1, td, wd))
            print(rows[-1], file=sys.stderr, flush=True)
    finally:
        srv.terminate()
        srv.wait(30)
    ms = lambda t: "-" if t is None else f"{t * 1000:.1f} ms"
    rs = lambda w: "-" if w is None else f"{w[0]:.0f}/s p99 {w[1]:.1f} ms" + (f" ({w[2]} non-2xx)" if w[2] else "")
    mode = "page=N (OFFSET)" if OFFSET else "cursor"
    print(f"| user | list | total | page 1: one request | page 1: wrk 2x16 | half way ({mode}): one request | half way: wrk 2x16 |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if len(row) == 3:
            print(f"| {row[0]} | {row[1]} | {row[2]} | | | | |")
        else:
            who, path, total, t1, w1, td, wd = row
            print(f"| {who} | {path} | {total} | {ms(t1)} | {rs(w1)} | {ms(td)} | {rs(wd)} |")
    print(f"\nload average {' '.join(open('/proc/loadavg').read().split()[:3])}; {os.cpu_count()} cores")


main()
