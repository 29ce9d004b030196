#!/usr/bin/env python3
"""bench/list_count.py BIN [BIN ...] — the list count (issue 15, branch perf15b:
api_list counts only when the page cannot say the total itself).

On bench/run.py's database (BENCH_PROBLEMS, BENCH_DIR), for each BIN: serves
it and, with office's token, asks the whole list (past 10,000 rows: the probe,
total_approx) and problem lists whose scope is small (one
page, no next page: no count query now; if the database has such a
target), the last page of a round (no count query now), middle-sized (a next page: the
bounded count runs) and a ?page= past the end; checks each reply's `total`
against a count of the same rows made with sqlite3 (capped at 10,000 as the
API does, total_approx beyond), and that every BIN answers the same bytes.
Then times N sequential requests of each (one connection, no wrk): the
per-request time says what the skipped count saves. Never fails on a
timing; exits 1 if a total is wrong or an answer differs between builds.
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
from getlist import serve  # noqa: E402

N = int(os.environ.get("LIST_COUNT_N", "200"))


def main():
    bins = [os.path.abspath(b) for b in sys.argv[1:]] or [run.BIN]
    db, _ = run.generate()
    tok = run.sh(bins[0], "user", "token", "office", "--name", "list_count", "--db", db, env=run.ENV2).stdout.split()[0]
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    # a target with few problems (one page) and a round with many (a next page)
    small = c.execute("SELECT target_id, count(*) n FROM problems GROUP BY target_id HAVING n < 50 "
                      "ORDER BY n DESC LIMIT 1").fetchone()
    big = c.execute("SELECT round_id, count(*) n FROM problems GROUP BY round_id ORDER BY n DESC LIMIT 1").fetchone()
    cases = []
    if small:
        cases.append((f"/api/v1/problems?per_page=50&target_id={small[0]}", small[1]))
    cases.append(("/api/v1/problems?per_page=50", c.execute("SELECT count(*) FROM problems").fetchone()[0]))
    cases.append((f"/api/v1/problems?per_page=50&round_id={big[0]}", big[1]))
    last = (big[1] + 49) // 50  # the last page: rows and no next page (no count query now)
    cases.append((f"/api/v1/problems?per_page=50&round_id={big[0]}&page={last}", big[1]))
    cases.append((f"/api/v1/problems?per_page=50&round_id={big[0]}&page={last + 3}", big[1]))
    ok = True
    first = {}
    for b in bins:
        srv, url = serve(b, db)
        try:
            run.say(f"\n{b}")
            for path, want in cases:
                body, _ = run.get(url + path, tok)
                j = json.loads(body)
                exp = min(want, 10000)
                if j.get("total") != exp or bool(j.get("total_approx")) != (want > 10000):
                    ok = False
                    run.say(f"  {path}: total {j.get('total')} want {exp}")
                if first.setdefault(path, body) != body:
                    ok = False
                    run.say(f"  {path}: the answer differs from {bins[0]}'s")
                t0 = time.monotonic()
                for _ in range(N):
                    run.get(url + path, tok)
                dt = (time.monotonic() - t0) / N
                run.say(f"  {path:70} rows {want:7}  total {j.get('total'):6}  {dt * 1000:7.2f} ms/request")
        finally:
            srv.terminate()
            srv.wait(20)
    run.say(f"load average: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
