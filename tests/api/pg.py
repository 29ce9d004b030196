"""pg.py — a throwaway PostgreSQL cluster for the API tests (issue 16).

    python3 tests/api/pg.py COMMAND...
    python3 tests/api/pg.py --list tests/api/pg_modules.txt

starts a cluster (Debian's postgresql package: initdb + pg_ctl, unix socket
only, in a temporary directory; as the postgres user when run as root),
runs COMMAND with XUNJI_TEST_DB=pg and XUNJI_TEST_PG=<socket directory> in
its environment, stops the cluster (pg_ctl -m immediate) and exits with
COMMAND's status. With --list it runs exactly the API modules named in
the file (the ones that pass on PostgreSQL: `make check-long`).
tests/api/lib.py then gives every Server() a fresh
database of that cluster (a copy of one `xunji init --demo` template).
lib.py starts a cluster of its own (this module's Cluster) when
XUNJI_TEST_DB=pg is set without XUNJI_TEST_PG.

pg_ctl leaves the postmaster holding the stdout/stderr it was given
(DESIGN.md §6): it gets a log file and /dev/null, never a pipe.
"""
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile


def pg_bindir():
    """The directory of initdb/pg_ctl (newest installed major version), or None."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    for d in reversed(dirs):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


def available():
    return pg_bindir() is not None and shutil.which("psql") is not None


def url(sockdir, dbname):
    return f"postgresql:///{dbname}?host={sockdir}&user=postgres"


def psql(sockdir, dbname, sql, check=True, null=False):
    """Runs sql with psql; returns the rows as lists of strings (CSV; with
    null=True a NULL is the string \\N, an empty string stays empty)."""
    p = subprocess.run(["psql", "-X", "-q", "--csv", "-t", "-v", "ON_ERROR_STOP=1",
                        *(["-P", "null=\\N"] if null else []),
                        url(sockdir, dbname), "-c", sql],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise AssertionError(f"psql {sql!r}: {p.stderr}")
    import csv
    import io
    return [row for row in csv.reader(io.StringIO(p.stdout))]


class Cluster:
    def __init__(self):
        self.bindir = pg_bindir()
        if not self.bindir:
            raise RuntimeError("PostgreSQL 未安装 (bash scripts/deps.sh 安装 postgresql)")
        self.dir = tempfile.mkdtemp(prefix="xunji-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.as_root = os.geteuid() == 0

    def _run(self, *args):
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:  # initdb refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=120).returncode

    def start(self):
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o755)
        if self._run("initdb", "-D", self.data, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                     "-U", "postgres"):
            raise RuntimeError(f"initdb failed in {self.dir}")
        # fsync off: a test cluster, thrown away (durability is SQLite's tests' and the
        # server's setting synchronous_commit=on, not this machine's disk)
        opts = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=300"
        if self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start"):
            raise RuntimeError(f"pg_ctl start failed: {self.log}")
        return self

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_replica(self):
        """A streaming replica of this cluster (issue 16, tests/api/pg_replica.py):
        pg_basebackup -R over this cluster's socket (initdb's pg_hba lets local
        connections replicate; wal_level is replica by default) into a new
        directory, started as a hot standby on its own socket directory. Returns
        the replica's Cluster (stop() it like any other)."""
        r = Cluster()
        if r.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(r.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(r.dir, 0o755)
        if r._run("pg_basebackup", "-D", r.data, "-h", self.dir, "-U", "postgres", "-R",
                  "-X", "stream", "-c", "fast"):
            raise RuntimeError(f"pg_basebackup from {self.dir} failed")
        # max_connections as the primary's (a hot standby needs at least as many)
        opts = (f"-k {r.dir} -c listen_addresses='' -c fsync=off -c max_connections=300 "
                "-c hot_standby=on -c hot_standby_feedback=on")
        if r._run("pg_ctl", "-D", r.data, "-l", r.log, "-o", opts, "-w", "start"):
            raise RuntimeError(f"pg_ctl start (replica) failed: {r.log}")
        return r

    def halt(self):
        """Stops the server at once, keeping its directory (a replica that went away)."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")


def read_list(path):
    """The module names of a list file (one a line, # comments)."""
    with open(path, encoding="utf-8") as f:
        return [ln.split("#")[0].strip() for ln in f if ln.split("#")[0].strip()]


def run_list(path, env):
    """Runs exactly the modules of the list against the cluster (run.py per
    module, by exact name); prints "api-pg: N passed, N failed"."""
    import re
    here = os.path.dirname(os.path.abspath(__file__))
    total_p = total_f = 0
    for name in read_list(path):
        if not os.path.exists(os.path.join(here, name + ".py")):
            print(f"FAIL {name}: no such module")
            total_f += 1
            continue
        p = subprocess.run([sys.executable, os.path.join(here, "run.py"), "--module",
                            os.path.join(here, name + ".py")], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out = p.stdout.decode("utf-8", "replace")
        print(out, end="", flush=True)
        m = re.search(r"^module: (\d+) passed, (\d+) failed$", out, re.M)
        if m:
            total_p += int(m.group(1))
            total_f += int(m.group(2)) + (1 if p.returncode and not int(m.group(2)) else 0)
        else:
            print(f"FAIL {name}: the module process ended without a result (exit {p.returncode})")
            total_f += 1
    print(f"api-pg: {total_p} passed, {total_f} failed", flush=True)
    return 1 if total_f else 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2 if len(sys.argv) < 2 else 0
    if sys.argv[1] == "--list" and not available() and not os.environ.get("CI"):
        print("api-pg: 跳过: 本机没有 PostgreSQL (bash scripts/deps.sh 安装 postgresql)")
        print("api-pg: 0 passed, 0 failed")
        return 0
    c = Cluster().start()
    try:
        env = dict(os.environ, XUNJI_TEST_DB="pg", XUNJI_TEST_PG=c.dir)
        if sys.argv[1] == "--list":
            return run_list(sys.argv[2], env)
        return subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
