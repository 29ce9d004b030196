#!/usr/bin/env python3
"""bench/postgres.py — issue 16's PostgreSQL figures (docs/performance.md,
"PostgreSQL"), every ratio measured in this one run, on the demo data plus
BENCH_PG_PERSONS persons (default 2000) made through the API:

  writes  POST /api/v1/persons (audited, one write transaction, office's token), wrk 2 x 16,
          xunji on PostgreSQL
            vs raw PostgreSQL: pgbench, one-row INSERT transactions, prepared (-M prepared), 16 clients
            vs raw PostgreSQL: pgbench, the same INSERTs pipelined (\\startpipeline, 20 per pipeline)
          and xunji on SQLite (same route) for the backend ratio
  reads   (first: the writes add rows) GET /api/v1/persons/{id} and GET /api/v1/persons?per_page=50:
          SQLite (one server) vs PostgreSQL (one server) vs PostgreSQL (two servers on the
          same database, two wrk at once, half the connections each, requests/s summed)

A throwaway cluster (tests/api/pg.py's Cluster, initdb as the postgres user) with
fsync ON (unlike the test tier): PostgreSQL commits are durable as SQLite's are.
Never fails on timing. Settings: BENCH_SECS (per wrk/pgbench run, 5), XUNJI_BIN.

    python3 bench/postgres.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "tests", "api"))
import run as R  # noqa: E402
import pg as PG  # noqa: E402

SECS = int(os.environ.get("BENCH_SECS", "5"))
PERSONS = int(os.environ.get("BENCH_PG_PERSONS", "2000"))
ENV = dict(os.environ, XUNJI_TOKEN_REQUIRES_2FA="0", XUNJI_REQUIRE_2FA_ADMIN="0",
           XUNJI_REQUIRE_2FA_SENSITIVE="0", XUNJI_REMIND_INTERVAL_MINUTES="0")


class DurableCluster(PG.Cluster):
    def start(self):
        import pwd
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)
        if self._run("initdb", "-D", self.data, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"):
            raise RuntimeError("initdb failed")
        opts = f"-k {self.dir} -c listen_addresses='' -c fsync=on -c synchronous_commit=on -c max_connections=300"
        if self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start"):
            raise RuntimeError(f"pg_ctl start failed: {self.log}")
        return self


def serve(db, env, log):
    port = R.free_port()
    p = subprocess.Popen([R.BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--set", "access_log=0",
                          "--set", "max_conn_per_ip=4096", "--set", "max_conn=8192"], env=env,
                         stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(3000):
        try:
            R.get(url + "/healthz")
            return p, url
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"server did not start: {log}")


def post(url, tok, path, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def pgbench(sockdir, db, script, clients=16):
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(SECS),
                          "-h", sockdir, "-U", "postgres", "-f", script, db],
                         capture_output=True, text=True).stdout
    R.log.append(out)
    m = re.search(r"tps = ([\d.]+)", out)
    return float(m.group(1)) if m else 0.0


def wrk2(urls, tok, path, conns=32):
    """wrk on each url at once (conns split among them); requests/s summed."""
    procs = []
    for u in urls:
        cmd = ["wrk", "-t1" if len(urls) > 1 else "-t2", f"-c{conns // len(urls)}", f"-d{SECS}s",
               "-H", f"Authorization: Bearer {tok}", u + path]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    total = 0.0
    for p in procs:
        out = p.communicate()[0]
        R.log.append(out)
        m = re.search(r"Requests/sec:\s*([\d.]+)", out)
        total += float(m.group(1)) if m else 0.0
        if "Non-2xx" in out:
            R.say("  (non-2xx answers: see the wrk log)")
    return total


def main():
    for tool in ("wrk", "pgbench"):
        if not shutil.which(tool):
            raise SystemExit(f"bench: 需要 {tool} (apt-get install wrk postgresql)")
    work = tempfile.mkdtemp(prefix="xunji-bench-pg-")
    cl = DurableCluster().start()
    procs = []
    try:
        sock = cl.dir
        PG.psql(sock, "postgres", "CREATE DATABASE xunji")
        PG.psql(sock, "postgres", "CREATE DATABASE raw")
        url_pg = PG.url(sock, "xunji")
        pgenv = dict(ENV, XUNJI_KEY_FILE=os.path.join(work, "pg.key"),
                     XUNJI_AUDIT_ANCHOR=os.path.join(work, "pg.anchor"), XUNJI_FILES_DIR=os.path.join(work, "pg.files"))
        sq = os.path.join(work, "s.db")
        R.sh(R.BIN, "init", "--demo", "--accounts-file", os.path.join(work, "acc.json"), "--db", sq, env=ENV)
        acc = json.load(open(os.path.join(work, "acc.json")))
        org = acc["orgs"]["orgdept"]
        # the same data on PostgreSQL: the SQLite database copied (ids kept)
        R.sh(R.BIN, "db", "copy", "--from", sq, "--to", url_pg,
             env=dict(pgenv, XUNJI_KEY_FILE=sq + ".key"))
        shutil.copy(sq + ".key", pgenv["XUNJI_KEY_FILE"])
        tok_sq = R.sh(R.BIN, "user", "token", "office", "--name", "bench", "--scope", "all", "--db", sq, env=ENV).stdout.split()[0]
        tok_pg = R.sh(R.BIN, "user", "token", "office", "--name", "bench", "--scope", "all", "--db", url_pg, env=pgenv).stdout.split()[0]

        s_sq, u_sq = serve(sq, ENV, os.path.join(work, "sq.log"))
        s_pg, u_pg = serve(url_pg, pgenv, os.path.join(work, "pg1.log"))
        s_pg2, u_pg2 = serve(url_pg, pgenv, os.path.join(work, "pg2.log"))
        procs = [s_sq, s_pg, s_pg2]
        ids = {}
        for name, u, tok in (("sq", u_sq, tok_sq), ("pg", u_pg, tok_pg)):
            for i in range(PERSONS):
                pid = post(u, tok, "/api/v1/persons", {"name": f"压测{i:05d}", "post": "科员", "org_id": org})["id"]
            ids[name] = pid
        R.say(f"data: demo + {PERSONS} persons on each backend; {SECS} s per run; "
              f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")

        # --- reads
        R.say("reads (requests per second, wrk 32 connections in total)")
        for label, path_sq, path_pg in (
                ("GET /api/v1/persons/{id}", f"/api/v1/persons/{ids['sq']}", f"/api/v1/persons/{ids['pg']}"),
                ("GET /api/v1/persons?per_page=50", "/api/v1/persons?per_page=50", "/api/v1/persons?per_page=50")):
            a = wrk2([u_sq], tok_sq, path_sq)
            b = wrk2([u_pg], tok_pg, path_pg)
            c = wrk2([u_pg, u_pg2], tok_pg, path_pg)
            R.say(f"  {label:34} SQLite {a:8.0f}/s  PostgreSQL {b:8.0f}/s  two servers {c:8.0f}/s   "
                  f"PG/SQLite {b / a if a else 0:.3g}  two/one {c / b if b else 0:.3g}")
        # --- writes
        lua = os.path.join(work, "post.lua")
        open(lua, "w").write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                             f'wrk.body = \'{{"name":"压测写入","post":"科员","org_id":"{org}"}}\'\n')
        PG.psql(sock, "raw", "CREATE TABLE rows1 (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                             "name TEXT NOT NULL, post TEXT, org_id TEXT, created_at TEXT)")
        one = os.path.join(work, "one.sql")
        open(one, "w").write("INSERT INTO rows1(name, post, org_id, created_at) VALUES ('压测', '科员', 'o', now()::text);\n")
        piped = os.path.join(work, "piped.sql")
        open(piped, "w").write("\\startpipeline\n" + open(one).read() * 20 + "\\endpipeline\n")

        def wrk_post(u, tok):
            out = subprocess.run(["wrk", "-t2", "-c16", f"-d{SECS}s", "-s", lua, "-H", f"Authorization: Bearer {tok}",
                                  u + "/api/v1/persons"], capture_output=True, text=True).stdout
            R.log.append(out)
            m = re.search(r"Requests/sec:\s*([\d.]+)", out)
            return float(m.group(1)) if m else 0.0

        w_pg = wrk_post(u_pg, tok_pg)
        raw1 = pgbench(sock, "raw", one)
        rawp = pgbench(sock, "raw", piped) * 20
        w_sq = wrk_post(u_sq, tok_sq)
        R.say("writes (rows or requests per second)")
        R.say(f"  POST /api/v1/persons on PostgreSQL      {w_pg:9.0f}/s")
        R.say(f"  raw PostgreSQL one-row prepared txns    {raw1:9.0f}/s   xunji/raw {w_pg / raw1 if raw1 else 0:.3g}")
        R.say(f"  raw PostgreSQL pipelined (20 per sync)  {rawp:9.0f}/s   xunji/raw {w_pg / rawp if rawp else 0:.3g}")
        R.say(f"  POST /api/v1/persons on SQLite          {w_sq:9.0f}/s   PostgreSQL/SQLite {w_pg / w_sq if w_sq else 0:.3g}")

    finally:
        for p in procs:
            p.terminate()
            p.wait(30)
        cl.stop()
        with open(os.path.join(R.DIR if os.path.isdir(R.DIR) else work, "postgres-wrk.log"), "w") as f:
            f.write("\n".join(R.log))
        shutil.rmtree(work, ignore_errors=True)
    R.say(f"binary {R.BIN}; {os.cpu_count()} cores; load {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
