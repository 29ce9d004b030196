#!/usr/bin/env python3
"""bench/run.py — issue 15's measurements (called by `make bench` via bench/run.sh).

Generates (or reuses) a province-size database with `xunji bench-seed`, then
measures xunji with wrk against references measured in the same run and prints
ratios. Every pair runs alternately (A B A B ...) and the median of each side is
reported. Never fails on timing: the exit code is non-zero only when something
could not run at all.

Settings (environment):
  BENCH_PROBLEMS   problems to generate (default 1000000); clues, tasks,
                   accountability and targets scale with it (1/10, 1/5, 3/10,
                   1/200), 50 rounds
  BENCH_DIR        where the database lives (default build/bench); a database of
                   the same size there is reused (delete the directory to regenerate)
  BENCH_SECS       seconds per wrk run (default 5)
  BENCH_REPEAT     runs per side of each pair (default 2: A B A B)
  BENCH_THREADS / BENCH_CONNS   wrk threads and connections (default 2 x 64)
  BENCH_BULK       problems of bench/bulk.py's A B A B pair (default min(BENCH_PROBLEMS, 200000))
  XUNJI_BIN        the server binary (default build/release/xunji)

At the end it prints "Targets at N problems": every target of issue 15 with the
figure measured in this run and whether it is met.
"""
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bulk  # noqa: E402  bench/bulk.py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.environ.get("XUNJI_BIN", os.path.join(ROOT, "build/release/xunji")))
P = int(os.environ.get("BENCH_PROBLEMS", "1000000"))
DIR = os.path.abspath(os.environ.get("BENCH_DIR", os.path.join(ROOT, "build/bench")))
SECS = int(os.environ.get("BENCH_SECS", "5"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNS = int(os.environ.get("BENCH_CONNS", "64"))
SLOW = float(os.environ.get("BENCH_SLOW", "1"))        # skip wrk where one request takes longer
MAX_ONE = float(os.environ.get("BENCH_MAX_ONE", "60"))  # give up on one request after this
SIZES = {"problems": P, "clues": max(1, P // 10), "tasks": P // 5, "accountability": P * 3 // 10,
         "targets": max(50, P // 200 // 50 * 50), "rounds": 50}

# API tokens for wrk: the demo accounts have no second factor enrolled
# (the environment, not --set: `user token` reads --set's short option as --scope)
ENV2 = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0")
rows = []   # the printed table: (path, xunji, reference, ratio, note)
log = []


def say(*a):
    print(*a, flush=True)


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


# ---------------------------------------------------------------- the data set
def generate():
    os.makedirs(DIR, exist_ok=True)
    db = os.path.join(DIR, f"bench-{P}.db")
    marker = db + ".done"
    if os.path.exists(marker):
        say(f"reusing {db} (delete {DIR} to regenerate)")
        return db, json.load(open(marker))
    for f in os.listdir(DIR):
        if f.startswith(f"bench-{P}."):
            os.unlink(os.path.join(DIR, f))
    sh(BIN, "init", "--demo", "--db", db, "--accounts-file", db + ".accounts.json")
    args = [BIN, "bench-seed", "--db", db]
    for k, v in SIZES.items():
        args += [f"--{k}", str(v)]
    say("generating: " + " ".join(args[1:]))
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True)
    secs = time.monotonic() - t0
    sys.stdout.write(p.stdout)
    if p.returncode:
        sys.stderr.write(p.stderr)
        raise SystemExit("bench: bench-seed failed")
    m = re.search(r"^\s*problems\s+(\d+) 行\s+([\d.]+) s", p.stdout, re.M)
    info = {"seconds": secs, "problem_rows": int(m.group(1)), "problem_secs": float(m.group(2)),
            "size": os.path.getsize(db), "output": p.stdout}
    # the bulk path must leave a database that verifies like one written through the API
    for what, args in (("stats --verify", ["stats", "--verify"]), ("audit verify", ["audit", "verify"])):
        t0 = time.monotonic()
        v = subprocess.run([BIN, *args, "--db", db], capture_output=True, text=True)
        info[what] = {"rc": v.returncode, "secs": time.monotonic() - t0,
                      "out": (v.stdout + v.stderr).strip().splitlines()[-1:]}
        say(f"  {what}: exit {v.returncode} in {info[what]['secs']:.1f} s {info[what]['out']}")
        if v.returncode:
            raise SystemExit(f"bench: {what} failed after bench-seed")
    json.dump(info, open(marker, "w"))
    return db, info


# ---------------------------------------------------------------- wrk
TICK = os.sysconf("SC_CLK_TCK")


def cpu_secs(pid):
    """user+system CPU seconds of pid and its children processes (nginx workers)."""
    total = 0.0
    pids = [pid]
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            pids += [int(c) for c in open(f"/proc/{pid}/task/{t}/children").read().split()]
    except OSError:
        pass
    for q in pids:
        try:
            f = open(f"/proc/{q}/stat").read().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / TICK
        except OSError:
            pass
    return total


def wrk(url, headers=(), script=None, conns=None, threads=None, pid=None):
    c0 = cpu_secs(pid) if pid else None
    cmd = ["wrk", f"-t{threads or THREADS}", f"-c{conns or CONNS}", f"-d{SECS}s", "--latency", "--timeout", "30s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    log.append(" ".join(cmd) + "\n" + out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    ms = None
    if p99:
        ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    reqs = re.search(r"(\d+) requests in", out)
    cpu = None
    if pid and reqs and int(reqs.group(1)):
        cpu = (cpu_secs(pid) - c0) / int(reqs.group(1)) * 1e6
    return {"rps": float(rps.group(1)) if rps else 0.0, "p99": ms, "cpu_us": cpu,
            "non2xx": int(non2xx.group(1)) if non2xx else 0}


def alternate(a, b):
    """Runs a() and b() alternately REPEAT times each; returns their medians' dicts."""
    ra, rb = [], []
    for _ in range(REPEAT):
        ra.append(a())
        rb.append(b())
    return med(ra), med(rb)


def med(runs):
    out = {}
    for k in runs[0]:
        vals = [r[k] for r in runs if r[k] is not None]
        out[k] = statistics.median(vals) if vals else None
    return out


def get(url, token=None, timeout=600):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        body = r.read()
    return body, time.monotonic() - t0


def once(url, token, n=3):
    """Median wall time of n single requests (seconds)."""
    return statistics.median(get(url, token)[1] for _ in range(n))


# ---------------------------------------------------------------- references
class Nginx:
    """nginx as an unprivileged process on a loopback port with a temp config."""

    def __init__(self, port, files):
        self.dir = tempfile.mkdtemp(prefix="xunji-bench-nginx-")
        os.chmod(self.dir, 0o755)
        for name, data in files.items():
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
            os.chmod(os.path.join(self.dir, name), 0o644)
        d = self.dir
        conf = f"""worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  default_type application/json;
  server {{
    listen 127.0.0.1:{port};
    location = /r {{ return 200 "ok"; }}
    location /s/ {{ alias {d}/; }}
  }}
}}
"""
        open(os.path.join(d, "nginx.conf"), "w").write(conf)
        cmd = ["nginx", "-e", f"{d}/error.log", "-p", d, "-c", f"{d}/nginx.conf"]
        if os.getuid() == 0:  # drop to nobody: the reference runs unprivileged
            shutil.chown(d, "nobody")
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                get(self.url + "/r")
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("bench: nginx did not start: " + open(f"{d}/error.log").read()[-500:])

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sqlite_refs(db, secs):
    """Raw SQLite into the same schema (tables and indexes copied from the bench
    database), on the same disk, WAL, synchronous=FULL: one-row commits per
    second into clues, and rows per second in 1000-row transactions into problems."""
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ddl = [r[0] for r in src.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('clues','problems') AND sql IS NOT NULL "
        "AND type IN ('table','index') ORDER BY type DESC")]
    clue = src.execute("SELECT * FROM clues LIMIT 1").fetchone()
    ccols = [d[0] for d in src.execute("SELECT * FROM clues LIMIT 1").description]
    prob = src.execute("SELECT * FROM problems LIMIT 1").fetchone()
    src.close()
    path = os.path.join(os.path.dirname(db), "ref.db")
    for suf in ("", "-wal", "-shm"):
        if os.path.exists(path + suf):
            os.unlink(path + suf)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=FULL")
    c.execute("PRAGMA cache_size=-262144")  # as bench-seed's connection
    for s in ddl:
        c.execute(s)
    ph = ",".join("?" * len(clue))
    ui = ccols.index("id")
    uniq = [i for i, n in enumerate(ccols) if n in ("handover_docno", "registry_no")]

    def one_row():
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < secs:
            v = list(clue)
            v[ui] = f"ref-{time.monotonic_ns()}-{n}"
            for i in uniq:
                v[i] = None
            c.execute("BEGIN IMMEDIATE")
            c.execute(f"INSERT INTO clues VALUES({ph})", v)
            c.execute("COMMIT")
            n += 1
        return {"rps": n / (time.monotonic() - t0), "p99": None, "cpu_us": None, "non2xx": 0}

    pph = ",".join("?" * len(prob))

    def batched(total=50000, batch=1000):
        base = time.monotonic_ns()
        t0 = time.monotonic()
        for b in range(0, total, batch):
            c.execute("BEGIN IMMEDIATE")
            c.executemany(f"INSERT INTO problems VALUES({pph})",
                          ((f"ref-{base}-{i:09d}", prob[1], f"ref-{base}-{i:09d}", *prob[3:]) for i in range(b, b + batch)))
            c.execute("COMMIT")
        return {"rps": total / (time.monotonic() - t0), "p99": None, "cpu_us": None, "non2xx": 0}

    return c, path, one_row, batched


# ---------------------------------------------------------------- main
def serve(db, port, *settings):
    """xunji serve on db at port, waited for until /healthz answers."""
    t0 = time.monotonic()
    srv = subprocess.Popen([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
                            "--set", "max_conn_per_ip=4096", "--set", "max_conn=8192",
                            # no deadline-reminder pass inside the server: on generated data every
                            # overdue task of nine years is reminded at once (bench/README.md)
                            "--set", "remind_interval_minutes=0", *settings], env=ENV2,
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(DIR, "serve.log"), "a"))
    while True:
        try:
            get(f"http://127.0.0.1:{port}/healthz")
            return srv
        except OSError:
            if srv.poll() is not None or time.monotonic() - t0 > 60:
                raise SystemExit("bench: xunji serve did not start (see " + DIR + "/serve.log)")
            time.sleep(0.002)


def main():
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: 需要 {tool} (bash bench/run.sh installs it: apt-get install wrk nginx-light)")
    db, info = generate()
    nprob = SIZES["problems"]
    acc = json.load(open(db + ".accounts.json"))
    office = sh(BIN, "user", "token", "office", "--name", "bench", "--db", db, env=ENV2).stdout.split()[0]
    member = sh(BIN, "user", "token", "member1", "--name", "bench-w", "--scope", "all", "--db", db, env=ENV2).stdout.split()[0]
    target = acc["targets"]["u1"]

    # start-up: exec to the first /healthz answer, median of three starts (the last one stays up)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    starts = []
    for i in range(3):
        t0 = time.monotonic()
        srv = serve(db, port)
        starts.append(time.monotonic() - t0)
        if i < 2:
            srv.terminate()
            srv.wait(20)
    startup = statistics.median(starts)
    ng = None
    conn = None
    res = {}  # figures for the targets table
    try:
        auth = [f"Authorization: Bearer {office}"]
        pid = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
            "SELECT id FROM problems WHERE id LIKE '01900007-%' ORDER BY id LIMIT 1 OFFSET ?", (nprob // 2,)).fetchone()[0]
        list1 = f"{url}/api/v1/problems?per_page=50"
        # the last page of the office's whole scope, by following `next` (keyset paging): 1M rows deep at 1M
        nxt, seen, t0 = None, 0, time.monotonic()
        while seen < nprob - 50:
            b, _ = get(f"{url}/api/v1/problems?per_page=200" + (f"&cursor={urllib.parse.quote(nxt)}" if nxt else ""), office)
            j = json.loads(b)
            if not j.get("next"):
                break
            seen, nxt = seen + len(j["items"]), j["next"]
        say(f"followed `next` {seen} rows deep in {time.monotonic() - t0:.1f} s")
        deep = f"{seen} rows deep, by cursor"
        listd = list1 + (f"&cursor={urllib.parse.quote(nxt)}" if nxt else "")
        drill = f"{url}/api/v1/stats/problems_rectified/records?per_page=50"
        charts = ["problems_found/groups?by=round", "problems_found/groups?by=team", "problems_found/groups?by=unit",
                  "rect_tasks_total/groups?by=unit", "accountability_records/groups?by=unit",
                  "clues_handed_over/groups?by=unit"]
        body1, t_list1 = get(list1, office)
        _, t_stats = get(url + "/api/v1/stats", office)
        _, t_drill = get(drill, office)
        ng = Nginx(free_port(), {"list1.json": body1})
        say(f"\nxunji {url}, nginx {ng.url}; wrk {THREADS}x{CONNS}, {SECS}s per run, {REPEAT} runs per side "
            f"alternating; list reply {len(body1)} bytes; one request: page 1 {t_list1 * 1000:.0f} ms, "
            f"stats {t_stats * 1000:.0f} ms, drill-down {t_drill * 1000:.0f} ms\n")
        def X(u, headers=(), script=None, **kw):
            # a page in use: its URL was asked just before the run (the first computation of an
            # answer is the "one request" figure; a kept answer lives a minute and is renewed ahead
            # of its end while it is asked, docs/operations.md "The answer cache")
            if script is None:
                tok = next((h.split(" ", 2)[2] for h in headers if h.startswith("Authorization: Bearer ")), None)
                try:
                    get(u, tok, timeout=MAX_ONE)
                except OSError:
                    pass
            return wrk(u, headers=headers, script=script, pid=srv.pid, **kw)
        N = lambda u, **kw: wrk(u, pid=ng.p.pid, **kw)

        def pair(name, a, b, refname, note="", one=None, key=None):
            if one is not None and one > SLOW:
                rows.append((name, None, refname, None, None, f"one request {one:.1f} s: wrk not run (> {SLOW} s)"))
                say(f"  {name:44} one request {one:.1f} s: wrk not run")
                return
            ra, rb = alternate(a, b)
            ratio = ra["rps"] / rb["rps"] if rb["rps"] else 0
            rows.append((name, ra, refname, rb, ratio, note))
            if key:
                res[key] = (ra, rb, ratio)
            say(f"  {name:44} {ra['rps']:10.0f}/s  p99 {fmt_ms(ra['p99']):>9}   "
                f"{refname:34} {rb['rps']:10.0f}/s   ratio {ratio:.3g}{'  ' + note if note else ''}")

        nr = lambda: N(ng.url + "/r")
        pair("GET /healthz", lambda: X(url + "/healthz"), nr, "nginx return 200", key="healthz")
        pair("GET /api/v1/problems/{id} (token)", lambda: X(f"{url}/api/v1/problems/{pid}", headers=auth), nr,
             "nginx return 200", key="one")
        pair("GET /api/v1/problems?per_page=50 (page 1)", lambda: X(list1, headers=auth),
             lambda: N(ng.url + "/s/list1.json"), "nginx static file, same bytes",
             f"one request {t_list1 * 1000:.0f} ms", one=t_list1, key="list")
        pair("GET /api/v1/stats (16 conns)", lambda: X(url + "/api/v1/stats", headers=auth, conns=16), nr,
             "nginx return 200", f"one request {t_stats * 1000:.0f} ms", one=t_stats, key="stats")
        pair("GET stats drill-down page (16 conns)", lambda: X(drill, headers=auth, conns=16), nr,
             "nginx return 200", f"one request {t_drill * 1000:.0f} ms", one=t_drill, key="drill")
        # every group chart the dashboards draw, 16 connections (xunji only: the target is a p99)
        for c in charts:
            u = f"{url}/api/v1/stats/{c}"
            _, t1 = get(u, office)
            if t1 > SLOW:
                res["chart " + c] = None
                rows.append((f"GET stats/{c} (16 conns)", None, "", None, None, f"one request {t1:.1f} s: wrk not run"))
                continue
            r = med([X(u, headers=auth, conns=16) for _ in range(REPEAT)])
            res["chart " + c] = r
            rows.append((f"GET stats/{c} (16 conns)", r, "-", {"rps": 0}, None, f"one request {t1 * 1000:.1f} ms"))
            say(f"  GET stats/{c:40} {r['rps']:10.0f}/s  p99 {fmt_ms(r['p99']):>9}")

        # how often the answer cache answered the reads above (api/answers.c), then the same reads
        # computed afresh: a second server on the same database with the cache off
        # (answer_cache_kib=0), each against the reference of its pair above
        mt = get(url + "/metrics")[0].decode()
        cnt = {k: int(re.search(rf"^xunji_answer_cache_{k}_total (\d+)", mt, re.M).group(1))
               for k in ("hits", "misses", "kept")}
        res["answers"] = cnt
        say(f"  answer cache over the reads above: {cnt['hits']} hits, {cnt['misses']} misses, "
            f"{cnt['kept']} kept")
        port0 = free_port()
        url0 = f"http://127.0.0.1:{port0}"
        srv0 = serve(db, port0, "--set", "answer_cache_kib=0")
        try:
            X0 = lambda u, **kw: wrk(u, pid=srv0.pid, **kw)
            say("\nanswer cache off (answer_cache_kib=0), the same reads computed on every request:")
            for name, u, conns, key, refname in [
                    ("GET /api/v1/problems/{id} (token)", f"{url0}/api/v1/problems/{pid}", None, "one", "nginx return 200"),
                    ("GET /api/v1/problems?per_page=50 (page 1)", list1.replace(url, url0), None, "list",
                     "nginx static file, same bytes"),
                    ("GET /api/v1/stats (16 conns)", url0 + "/api/v1/stats", 16, "stats", "nginx return 200"),
                    ("GET stats drill-down page (16 conns)", drill.replace(url, url0), 16, "drill", "nginx return 200")] + \
                    [(f"GET stats/{c} (16 conns)", f"{url0}/api/v1/stats/{c}", 16, "chart " + c, "-") for c in charts]:
                _, t1 = get(u, office, timeout=MAX_ONE)
                name0 = name + ", cache off"
                if t1 > SLOW:
                    rows.append((name0, None, "", None, None, f"one request {t1:.1f} s: wrk not run"))
                    say(f"  {name0:56} one request {t1:.1f} s: wrk not run")
                    continue
                r = med([X0(u, headers=auth, conns=conns) for _ in range(REPEAT)])
                ref = res.get(key)[1] if isinstance(res.get(key), tuple) else None
                ratio = r["rps"] / ref["rps"] if ref and ref["rps"] else None
                res[key + " off"] = (r, ref, ratio) if ref else r
                rows.append((name0, r, refname if ref else "-", ref or {"rps": 0}, ratio, f"one request {t1 * 1000:.1f} ms"))
                say(f"  {name0:56} {r['rps']:10.0f}/s  p99 {fmt_ms(r['p99']):>9}   CPU "
                    f"{r['cpu_us'] or 0:.0f} µs/req" + (f"   ratio {ratio:.3g}" if ratio else ""))
        finally:
            srv0.terminate()
            srv0.wait(20)

        # writes: POST /api/v1/clues (audited, sealed, FULL) vs raw one-row FULL commits
        lua = os.path.join(DIR, "post.lua")
        open(lua, "w").write(f"""wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {member}"
local today = os.date("!%Y-%m-%d", os.time() + 8*3600)
wrk.body = '{{"target_id":"{target}","title":"压测线索","subject_name":"某","source":"records","discovered_on":"' .. today .. '","allegation":"压测内容, 线索具体"}}'
""")
        conn, refpath, one_row, _batched = sqlite_refs(db, SECS)
        pair("POST /api/v1/clues (audited, sealed, fsync)", lambda: X(url + "/api/v1/clues", script=lua, conns=16),
             one_row, "raw SQLite one-row FULL commits", "wrk 2x16", key="writes")
        # the deep page against the first (A B A B, both xunji) and against nginx's same bytes
        try:
            bodyd, t_listd = get(listd, office, timeout=MAX_ONE)
        except OSError:
            bodyd, t_listd = None, None
        if bodyd is None:
            rows.append((f"GET /api/v1/problems?per_page=50 ({deep})", None, "", None, None,
                         f"one request > {MAX_ONE} s (timed out)"))
        else:
            open(os.path.join(ng.dir, "listd.json"), "wb").write(bodyd)
            os.chmod(os.path.join(ng.dir, "listd.json"), 0o644)
            pair(f"GET /api/v1/problems?per_page=50 ({deep})", lambda: X(listd, headers=auth),
                 lambda: X(list1, headers=auth), "the first page (xunji, same run)",
                 f"one request {t_listd * 1000:.0f} ms", one=t_listd, key="deep")
        st = open(f"/proc/{srv.pid}/status").read()
        hwm = int(re.search(r"VmHWM:\s*(\d+)", st).group(1)) / 1024
        rss = int(re.search(r"VmRSS:\s*(\d+)", st).group(1)) / 1024
        ok = all(not r[1] or not r[1].get("non2xx") for r in rows)
    finally:
        if ng:
            ng.stop()
        if conn:
            conn.close()
        srv.terminate()
        try:
            srv.wait(20)
        except subprocess.TimeoutExpired:  # a thread still inside a minutes-long query
            srv.kill()
            srv.wait()
    # bulk: bench/bulk.py's A B A B pair (fresh databases; the server is stopped), and the
    # generation run's own rate at full size (once) against raw batched inserts of as many rows
    nb = int(os.environ.get("BENCH_BULK", str(min(nprob, 200000))))
    say(f"\nbulk (bench/bulk.py, {nb} problems, A B A B):")
    bk = bulk.measure(nb, REPEAT, BIN, say=lambda *a: say(*a))
    res["bulk"] = bk
    rows.append((f"bulk: bench-seed problems step, {bk['rows']} rows (bench/bulk.py)", {"rps": bk["a"], "p99": None},
                 "raw SQLite batched inserts, same rows", {"rps": bk["b"]}, bk["ratio"], "A B A B, fresh databases"))
    gen_rps = info["problem_rows"] / info["problem_secs"] if info["problem_secs"] else 0
    rows.append((f"bulk: bench-seed problems step at full size ({info['problem_rows']} rows, from the generation)",
                 {"rps": gen_rps, "p99": None}, "", None, None, "once; no reference at this size"))
    with open(os.path.join(DIR, "wrk.log"), "w") as f:
        f.write("\n".join(log))
    load = open("/proc/loadavg").read().split()[:3]
    print_table(info, startup, starts, hwm, rss, load, ok)
    print_targets(info, res, startup, starts, hwm, rss)


def fmt_ms(v):
    return "-" if v is None else f"{v:.1f} ms"


def print_table(info, startup, starts, hwm, rss, load, ok):
    say("\n| path | xunji | p99 | CPU/req | reference (same run) | reference | CPU/req | ratio | note |")
    say("|---|---|---|---|---|---|---|---|---|")
    us = lambda d: "-" if not d or d.get("cpu_us") is None else f"{d['cpu_us']:.0f} µs"
    for name, a, refname, b, ratio, note in rows:
        if a is None:
            say(f"| {name} | - | - | - | {refname} | - | - | - | {note} |")
            continue
        bs = f"{b['rps']:.0f}/s" if b and b.get("rps") else "-"
        rs = f"{ratio:.3g}" if ratio is not None else "-"
        say(f"| {name} | {a['rps']:.0f}/s | {fmt_ms(a.get('p99'))} | {us(a)} | {refname} | {bs} | {us(b)} "
            f"| {rs} | {note} |")
    say(f"| start-up (exec to first /healthz answer, median of 3) | {startup * 1000:.0f} ms | | | "
        f"{', '.join(f'{x * 1000:.0f}' for x in starts)} ms | | | | |")
    say(f"| peak RSS (VmHWM) / RSS after the run | {hwm:.1f} MB / {rss:.1f} MB | | | | | | | |")
    vs = "; ".join(f"{k}: exit {info[k]['rc']} in {info[k]['secs']:.0f} s" for k in ("stats --verify", "audit verify")
                   if k in info)
    say(f"\ndata: {SIZES} generated in {info['seconds']:.0f} s, database {info['size'] / 1e6:.0f} MB; {vs}; "
        f"load average at the end {' '.join(load)}; {os.cpu_count()} cores")
    if not ok:
        say("note: some wrk runs saw non-2xx answers (see " + DIR + "/wrk.log)")


def print_targets(info, res, startup, starts, hwm, rss):
    """Issue 15's targets, each with this run's figure."""
    out = []

    def ratio_row(target, key, limit, what):
        r = res.get(key)
        if not r:
            out.append((target, "not measured (one request too slow for wrk, see above)", "no"))
            return
        out.append((target, f"{r[2]:.3f} ({what}: {r[0]['rps']:.0f}/s vs {r[1]['rps']:.0f}/s)",
                    "yes" if r[2] >= limit else "no"))

    ratio_row("GET one record ≥ 0.4 × nginx `return 200`", "one", 0.4, "xunji vs nginx")
    ratio_row("  the same, answer cache off (computed every time)", "one off", 0.4, "xunji vs nginx")
    ratio_row("list page of 50 ≥ 0.25 × nginx serving the same bytes", "list", 0.25, "xunji vs nginx")
    ratio_row("  the same, answer cache off", "list off", 0.25, "xunji vs nginx")
    r = res.get("deep")
    if r:
        out.append((f"page reached by cursors {SIZES['problems']:,} rows deep as fast as the first",
                    f"{r[2]:.2f} × the first page ({r[0]['rps']:.0f}/s vs {r[1]['rps']:.0f}/s; p99 "
                    f"{fmt_ms(r[0]['p99'])} vs {fmt_ms(r[1]['p99'])})", "yes" if r[2] >= 0.9 else "no"))
    else:
        out.append(("page reached by cursors as fast as the first", "not measured", "no"))
    p99s = []
    for key, name in [("stats", "GET /api/v1/stats"), ("drill", "drill-down page")] + \
            [(k, k[6:]) for k in res if k.startswith("chart ") and not k.endswith(" off")]:
        r = res.get(key)
        v = (r[0] if isinstance(r, tuple) else r) if r else None
        p99s.append((name, v["p99"] if v else None))
    worst = max((p for _, p in p99s if p is not None), default=None)
    missing = [n for n, p in p99s if p is None]
    out.append(("every statistic, group chart and a drill-down page: p99 ≤ 10 ms at 16 connections",
                "; ".join(f"{n} {fmt_ms(p)}" for n, p in p99s),
                "yes" if worst is not None and worst <= 10 and not missing else "no"))
    off = []
    for key, name in [("stats off", "GET /api/v1/stats"), ("drill off", "drill-down page")] + \
            [(k, k[6:-4]) for k in res if k.startswith("chart ") and k.endswith(" off")]:
        r = res.get(key)
        v = (r[0] if isinstance(r, tuple) else r) if r else None
        off.append(f"{name} {fmt_ms(v['p99']) if v else 'not run'}"
                   + (f" ({v['cpu_us'] / 1000:.1f} ms CPU)" if v and v.get("cpu_us") else ""))
    a = res.get("answers") or {}
    out.append(("  the same, answer cache off (computed every time)", "; ".join(off), "-"))
    out.append(("  answer cache over the cache-on reads",
                f"{a.get('hits', 0)} hits, {a.get('misses', 0)} misses, {a.get('kept', 0)} kept", "-"))
    ratio_row("durable writes ≥ 3 × raw SQLite one-row FULL commits", "writes", 3, "POST /api/v1/clues vs raw")
    bk = res.get("bulk")
    out.append(("bulk import ≥ 0.5 × raw SQLite batched inserts",
                f"{bk['ratio']:.3f} ({bk['a']:.0f} vs {bk['b']:.0f} rows/s, {bk['rows']} rows)",
                "yes" if bk["ratio"] >= 0.5 else "no"))
    out.append(("RSS < 64 MB after the run", f"{rss:.1f} MB (peak {hwm:.1f} MB)", "yes" if rss < 64 else "no"))
    out.append((f"start-up < 100 ms at {SIZES['problems']:,} problems",
                f"{startup * 1000:.0f} ms (median of {', '.join(f'{x * 1000:.0f}' for x in starts)})",
                "yes" if startup < 0.1 else "no"))
    out.append((f"generation (bulk path) in minutes, then stats --verify and audit verify",
                f"{info['seconds']:.0f} s; " + "; ".join(
                    f"{k} exit {info[k]['rc']}" for k in ("stats --verify", "audit verify") if k in info),
                "yes" if info["seconds"] < 600 and all(info.get(k, {"rc": 1})["rc"] == 0
                                                       for k in ("stats --verify", "audit verify")) else "no"))
    say(f"\n### Targets at {SIZES['problems']:,} problems\n")
    say("| target (issue 15) | this run | met |")
    say("|---|---|---|")
    for t, f, m in out:
        say(f"| {t} | {f} | {m} |")


if __name__ == "__main__":
    main()
