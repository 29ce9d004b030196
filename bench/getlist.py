#!/usr/bin/env python3
"""bench/getlist.py BIN [BIN ...] — GET one record and a list page of 50, each
against its nginx reference in the same run (docs/performance.md, issue 15:
"Per-request work" and "Lists"), for one or more builds of xunji in turn.

On bench/run.py's database (BENCH_PROBLEMS, BENCH_DIR; generated there if
missing), for each BIN: serves it, checks that GET /api/v1/problems/{id} and
GET /api/v1/problems?per_page=50 (office's token) answer the same bytes as
under the first BIN (a faster build must not change an answer), then runs
wrk alternately on xunji and nginx (BENCH_REPEAT each, A B A B): the record
against nginx `return 200`, the page against nginx serving a static file of
the page's bytes. Prints a line per pair: medians, ratio, CPU per request.
Never fails on a timing; exits 1 if an answer differs between the builds.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: generator, wrk runner, nginx reference)


def serve(binary, db):
    port = run.free_port()
    url = f"http://127.0.0.1:{port}"
    srv = subprocess.Popen([binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
                            "--set", "max_conn_per_ip=4096", "--set", "max_conn=8192"], env=run.ENV2,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while True:
        try:
            run.get(url + "/healthz")
            return srv, url
        except OSError:
            if srv.poll() is not None or time.monotonic() - t0 > 60:
                raise SystemExit(f"getlist: {binary} serve did not start")
            time.sleep(0.01)


def main():
    bins = [os.path.abspath(b) for b in sys.argv[1:]] or [run.BIN]
    db, _ = run.generate()
    office = run.sh(bins[0], "user", "token", "office", "--name", "getlist", "--db", db, env=run.ENV2).stdout.split()[0]
    import sqlite3
    pid = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
        "SELECT id FROM problems WHERE id LIKE '01900007-%' ORDER BY id LIMIT 1 OFFSET ?",
        (run.SIZES["problems"] // 2,)).fetchone()[0]
    auth = [f"Authorization: Bearer {office}"]
    first = None
    same = True
    for b in bins:
        srv, url = serve(b, db)
        ng = None
        try:
            one = f"{url}/api/v1/problems/{pid}"
            page = f"{url}/api/v1/problems?per_page=50"
            body1, _ = run.get(one, office)
            bodyp, _ = run.get(page, office)
            if first is None:
                first = (body1, bodyp)
            elif (body1, bodyp) != first:
                same = False
                run.say(f"{b}: the answer differs from {bins[0]}'s")
            t1 = run.once(one, office, 5)
            tp = run.once(page, office, 5)
            ng = run.Nginx(run.free_port(), {"page.json": bodyp})
            X = lambda u, **kw: run.wrk(u, pid=srv.pid, **kw)
            N = lambda u, **kw: run.wrk(u, pid=ng.p.pid, **kw)
            run.say(f"\n{b}  (record {len(body1)} B, one request {t1 * 1000:.2f} ms; page {len(bodyp)} B, "
                    f"{tp * 1000:.2f} ms; wrk {run.THREADS}x{run.CONNS} {run.SECS}s, {run.REPEAT} runs a side)")
            for name, a, ref, refname in (
                    ("GET /api/v1/problems/{id}", lambda: X(one, headers=auth), lambda: N(ng.url + "/r"),
                     "nginx return 200"),
                    ("GET /api/v1/problems?per_page=50", lambda: X(page, headers=auth),
                     lambda: N(ng.url + "/s/page.json"), "nginx static, same bytes")):
                ra, rb = run.alternate(a, ref)
                ratio = ra["rps"] / rb["rps"] if rb["rps"] else 0
                cpu = f"{ra['cpu_us']:.0f}" if ra["cpu_us"] else "-"
                run.say(f"  {name:34} {ra['rps']:9.0f}/s p99 {run.fmt_ms(ra['p99']):>9}  cpu {cpu:>5} us/req   "
                        f"{refname:26} {rb['rps']:9.0f}/s   ratio {ratio:.3f}")
        finally:
            if ng:
                ng.stop()
            srv.terminate()
            srv.wait(20)
    run.say(f"load average: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
