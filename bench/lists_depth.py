#!/usr/bin/env python3
"""bench/lists_depth.py — one list page at the top and deep in the scope (docs/performance.md "Lists").

    XUNJI_KEY_FILE=b.key python3 bench/lists_depth.py BIN DB cursor|offset

Makes an office token, serves DB on 127.0.0.1:18778, and for each list prints the median / minimum
wall time (ms) of page 1 and of a page N rows deep (per_page=50), after warming every reader: reached by
following `next` (cursor) or by ?page= (offset, a binary before keyset paging). Never fails on a timing.
"""
import sys, time, json, urllib.request, urllib.parse, statistics, subprocess, os
BIN, DB, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
import sqlite3
N = sqlite3.connect(f"file:{DB}?mode=ro", uri=True).execute("SELECT count(*) FROM problems").fetchone()[0]
env = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0")
tok = subprocess.run([BIN,"user","token","office","--name","t2","--db",DB], env=env, capture_output=True, text=True).stdout.split()[0]
srv = subprocess.Popen([BIN, "serve", "--db", DB, "--listen", "127.0.0.1:18778", "--set", "access_log=0"], env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
time.sleep(1.5)
def get(u, timeout=60):
    r = urllib.request.Request("http://127.0.0.1:18778" + u, headers={"Authorization": "Bearer " + tok})
    t = time.perf_counter(); b = urllib.request.urlopen(r, timeout=timeout).read(); return json.loads(b), (time.perf_counter() - t) * 1000
def deep(path, rows):
    sep = "&" if "?" in path else "?"
    if MODE == "offset":
        return f"{path}{sep}per_page=50&page={rows // 50 + 1}"
    nxt, seen = None, 0
    while seen < rows:
        r, _ = get(f"{path}{sep}per_page=200" + (f"&cursor={urllib.parse.quote(nxt)}" if nxt else ""))
        seen += len(r["items"]); nxt = r["next"]
    return f"{path}{sep}per_page=50&cursor={urllib.parse.quote(nxt)}"
try:
    for path, rows in ((("/api/v1/problems", N // 2), ("/api/v1/rect-tasks", N // 10), ("/api/v1/accountability", N * 3 // 20),
                       ("/api/v1/problems?sort=-updated_at", N // 2))):
        sep = "&" if "?" in path else "?"
        out = []
        for u in (f"{path}{sep}per_page=50", deep(path, rows)):
            try:
                n = 5 if MODE == "offset" else 16
                for _ in range(n): get(u)  # warm every reader connection's page cache
                ts = [get(u)[1] for _ in range(n)]
                out.append("%.1f / %.1f" % (statistics.median(ts), min(ts)))
            except Exception as e:
                out.append(str(e)[:30])
        print(f"| {path} | {rows} | {out[0]} | {out[1]} |", flush=True)
finally:
    srv.terminate(); srv.wait()
