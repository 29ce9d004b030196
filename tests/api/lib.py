"""lib.py — helpers for the API scenario tests: a real `xunji serve` on a free
loopback port over a fresh demo database, HTTP clients that sign in like a
browser (cookie + CSRF) or a script (bearer token), and a tiny test registry.

Only the Python standard library is used (http.client, sqlite3, subprocess).
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import sqlite3
import subprocess
import tempfile
import time
import traceback

BIN = os.environ.get("XUNJI_BIN", os.path.join(os.path.dirname(__file__), "../../build/release/xunji"))
BIN = os.path.abspath(BIN)
# third-party leaks the ASan build must not report (fontconfig; see tests/lsan.supp)
os.environ.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0" % os.path.abspath(
    os.path.join(os.path.dirname(__file__), "../lsan.supp")))
# Fixtures may be created by another build (the ASan run creates its demo
# databases with the release binary, which is 4x faster; test_cli still runs
# every subcommand under the binary being tested).
INIT_BIN = os.path.abspath(os.environ.get("XUNJI_INIT_BIN", BIN))
# The second factor (issue 18) is on by default in production; the scenario
# tests that are not about it run with it off (servers and CLI alike, through
# the environment). test_2fa.py turns it on per server (--set wins).
for _k in ("XUNJI_REQUIRE_2FA_ADMIN", "XUNJI_REQUIRE_2FA_SENSITIVE", "XUNJI_TOKEN_REQUIRES_2FA"):
    os.environ.setdefault(_k, "0")
os.environ.setdefault("XUNJI_MAX_SESSIONS", "0")
NEW_PASSWORD = "Patrol#Strong-2026"
# A password hash costs 100,000 PBKDF2-HMAC-SM3 iterations in production
# (~50 ms, ~160 ms under ASan, at every sign-in and password change). The demo
# template and the servers use fewer (test_pbkdf2_iterations, refused outside
# test mode); a hash records its own count, so verifying is unchanged. The
# tests about the production count use Server(production_kdf=True).
TEST_KDF_ENV = {"XUNJI_TEST_MODE": "1", "XUNJI_TEST_PBKDF2_ITERATIONS": "1000"}

# XUNJI_TEST_DB=pg (tests/api/pg.py, issue 16): every Server() gets a fresh
# PostgreSQL database instead of an SQLite file; `Server.db` is then a
# postgresql:// URL and the key, anchor and files live in Server.dir as
# t.db.key, t.db.audit-anchor, t.db.files (given to the server and to
# run_cli(db=URL) through the environment). The cluster is the one of
# XUNJI_TEST_PG (its socket directory), else one this process starts.
PG = os.environ.get("XUNJI_TEST_DB") == "pg"
_pg_files = {}  # database URL -> the environment naming its key, anchor and files
_pg_counter = [0]


def pg_sockdir():
    d = os.environ.get("XUNJI_TEST_PG")
    if not d:
        import atexit
        import pg
        c = pg.Cluster().start()
        atexit.register(c.stop)
        d = os.environ["XUNJI_TEST_PG"] = c.dir
    return d


def _pg_files_env(d):
    return {"XUNJI_KEY_FILE": os.path.join(d, "t.db.key"),
            "XUNJI_AUDIT_ANCHOR": os.path.join(d, "t.db.audit-anchor"),
            "XUNJI_FILES_DIR": os.path.join(d, "t.db.files")}


def pg_new_database(template=None):
    """A new database of the test cluster (a copy of template if given): its name and URL."""
    import pg
    _pg_counter[0] += 1
    name = f"x{os.getpid()}_{_pg_counter[0]}"
    pg.psql(pg_sockdir(), "postgres",
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name, pg.url(pg_sockdir(), name)

_tests = []


def test(fn):
    """Registers a test function."""
    _tests.append(fn)
    return fn


def run_all(module_name, only=None):
    passed = failed = 0
    for fn in _tests:
        if only and only not in fn.__name__:
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print(f"ok   {module_name}.{fn.__name__} ({time.time() - t0:.1f}s)", flush=True)
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {module_name}.{fn.__name__}", flush=True)
            traceback.print_exc()
    return passed, failed


def run_cli(*args, db=None, check=True, env=None, input_text=None, binary=None):
    cmd = [binary or BIN, *args]
    if db:
        cmd += ["--db", db]
    e = dict(os.environ)
    if db in _pg_files:
        e.update(_pg_files[db])
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, input=input_text, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}: {p.stderr}")
    return p


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def error_code(self):
        return (self.json or {}).get("error", {}).get("code")

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


# `xunji init --demo` is the same for every test (settings are given to
# `serve`, not `init`), so it runs once (per run: run.py makes the template and
# names it in XUNJI_DEMO_TEMPLATE; otherwise once per test process) and every
# Server gets a fresh copy of its files: the same state as a new `init --demo`,
# a second faster per test. test_cli still runs `init`.
_template_dir = None if PG else (os.environ.get("XUNJI_DEMO_TEMPLATE") or None)  # PG: its own template database
_pg_template = None


def _copy_demo_template(dest):
    global _template_dir, _pg_template
    if _template_dir is None or (PG and _pg_template is None):  # PG may be set after import (test_pg_smoke)
        d = tempfile.mkdtemp(prefix="xunji-demo-template-")
        db = os.path.join(d, "t.db")
        if PG:
            _pg_template, db = pg_new_database()
            _pg_files[db] = _pg_files_env(d)
        run_cli("init", "--demo", "--accounts-file", os.path.join(d, "accounts.json"),
                db=db, binary=INIT_BIN, env=TEST_KDF_ENV)
        import atexit
        atexit.register(shutil.rmtree, d, True)
        _template_dir = d
    for name in os.listdir(_template_dir):
        shutil.copy2(os.path.join(_template_dir, name), os.path.join(dest, name))


# Servers die with the test process that started them, even when it is
# killed (PR_SET_PDEATHSIG through util-linux's setpriv), so no run leaves a
# `xunji serve` behind.
_SETPRIV = shutil.which("setpriv")


def server_command(args):
    return ([_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV else []) + list(args)


class Server:
    """A fresh demo database and a running server. Use as a context manager."""

    def __init__(self, settings=None, demo=True, binary=None, env=None, production_kdf=False):
        self.bin = binary or BIN  # the binary `serve` runs (the fault tests use build/faults)
        self.env = dict(env or {})  # extra environment of the server process
        self.dir = tempfile.mkdtemp(prefix="xunji-api-")
        self.db = os.path.join(self.dir, "t.db")
        self.pg_name = None
        self.settings = dict(settings or {})
        self.proc = None
        self.port = None
        self.cleanup = True  # remove the directory when a `with` block ends cleanly
        self.accounts = {}
        self.ids = {}
        # production_kdf: the production password-hash cost, for its own demo
        # database and the server (no test_pbkdf2_iterations)
        self.production_kdf = production_kdf
        if demo:
            acc = os.path.join(self.dir, "accounts.json")
            if production_kdf:
                if PG:
                    self.pg_name, self.db = pg_new_database()
                    _pg_files[self.db] = _pg_files_env(self.dir)
                run_cli("init", "--demo", "--accounts-file", acc, db=self.db, binary=INIT_BIN)
            else:
                _copy_demo_template(self.dir)
                if PG:
                    self.pg_name, self.db = pg_new_database(_pg_template)
            with open(acc, encoding="utf-8") as f:
                self.ids = json.load(f)
            self.accounts = self.ids["accounts"]
        else:
            if PG:
                self.pg_name, self.db = pg_new_database()
                _pg_files[self.db] = _pg_files_env(self.dir)
            run_cli("init", db=self.db, binary=INIT_BIN, env=None if production_kdf else TEST_KDF_ENV)
        if PG:
            _pg_files[self.db] = _pg_files_env(self.dir)
            self.env = {**_pg_files[self.db], **self.env}
        self.passwords = {k: v["password"] for k, v in self.accounts.items()}

    def set_args(self):
        out = []
        for k, v in self.settings.items():
            out += ["--set", f"{k}={v}"]
        return out

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env["XUNJI_TEST_MODE"] = "1"  # allows the test clock and test_pbkdf2_iterations
        env.pop("XUNJI_TEST_PBKDF2_ITERATIONS", None)
        if not self.production_kdf:
            env.update(TEST_KDF_ENV)
        # no reminder run at start-up unless a test asks (settings win over the environment)
        env.setdefault("XUNJI_REMIND_INTERVAL_MINUTES", "0")
        # nor a sessions sweep (a write at start-up would move the fault walk's counts)
        env.setdefault("XUNJI_SESSION_SWEEP_MINUTES", "0")
        env.update(self.env)
        self.proc = subprocess.Popen(
            server_command([self.bin, "serve", "--db", self.db, "--listen", "127.0.0.1:0", *self.set_args()]),
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        line = self.proc.stdout.readline().decode("utf-8", "replace")
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            raise AssertionError(f"server did not start: {line!r} {self.server_log()}")
        self.port = int(m.group(1))
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        self.proc = None

    def shift_clock(self, days, *clients):
        """Lets time pass: restarts the server with its clock `days` later
        (the test_clock_days setting, test mode only) and signs the clients in
        again (their sessions have expired by then)."""
        self.stop()
        self.settings["test_clock_days"] = days
        self.start()
        for c in clients:
            c.cookie = c.csrf = None
            c.login(c.login_name, self.passwords[c.login_name], change=False)

    def kill9(self):
        self.stop(signal.SIGKILL)

    def server_log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def check_sanitizers(self):
        log = self.server_log()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
            if bad in log:
                raise AssertionError(f"sanitizer report in server log:\n{log[-4000:]}")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        try:
            self.check_sanitizers()
        finally:
            if exc[0] is None and self.cleanup and not os.environ.get("XUNJI_KEEP"):
                shutil.rmtree(self.dir, ignore_errors=True)
                if self.pg_name:
                    import pg
                    pg.psql(pg_sockdir(), "postgres", f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)",
                            check=False)
        return False

    def sql_write(self, query, params=()):
        """Changes the database behind the server's back: used only to let time
        pass (e.g. move a deadline into the past), never to create records."""
        if self.pg_name:
            return self._psql(query, params)
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute(query, params)
            con.commit()
        finally:
            con.close()

    def sql(self, query, params=()):
        """Reads the database directly (as an attacker or an auditor would)."""
        if self.pg_name:
            return self._psql(query, params)
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def _psql(self, query, params=()):
        """PostgreSQL: query with its ? parameters as literals; rows as tuples
        (integers as int, as sqlite3 gives them)."""
        import pg
        parts = query.split("?")
        if len(parts) != len(params) + 1:
            raise AssertionError(f"{len(params)} parameters for {query!r}")
        def lit(v):
            if v is None:
                return "NULL"
            if isinstance(v, (int, float)):
                return repr(v)
            return "'" + str(v).replace("'", "''") + "'"
        sql = parts[0] + "".join(lit(v) + rest for v, rest in zip(params, parts[1:]))
        def conv(x):  # psql's text: integers and booleans as sqlite3 gives them, NULL as None
            if x == "\\N":
                return None
            if re.fullmatch(r"-?\d+", x):
                return int(x)
            return {"t": 1, "f": 0}.get(x, x)
        sql = "SET search_path = public, sqlite_compat; " + sql
        return [tuple(conv(x) for x in row) for row in pg.psql(pg_sockdir(), self.pg_name, sql, null=True)]

    # ---- backend-neutral access to what the server keeps beside its database
    # (the tests' attacker and auditor): on SQLite the files sit beside t.db; on
    # PostgreSQL _pg_files_env puts them at the same paths.
    @property
    def files_dir(self):
        """The evidence files' directory."""
        return os.path.join(self.dir, "t.db.files")

    @property
    def key_file(self):
        return os.path.join(self.dir, "t.db.key")

    @property
    def anchor_file(self):
        return os.path.join(self.dir, "t.db.audit-anchor")

    def raw_dump(self):
        """Everything the database stores, as bytes an attacker with the disk
        would see: the SQLite file and its WAL, or pg_dump's text output."""
        if self.pg_name:
            import pg
            p = subprocess.run([os.path.join(pg.pg_bindir(), "pg_dump"), pg.url(pg_sockdir(), self.pg_name)],
                               capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
            if p.returncode != 0:
                raise AssertionError(f"pg_dump: {p.stderr!r}")
            return p.stdout
        out = b""
        for suffix in ("", "-wal"):
            try:
                with open(self.db + suffix, "rb") as f:
                    out += f.read()
            except FileNotFoundError:
                pass
        return out

    def drop_trigger(self, name, table):
        """The dialect's statement dropping a trigger (a tamperer's first step)."""
        return f"DROP TRIGGER {name} ON {table}" if self.pg_name else f"DROP TRIGGER {name}"

    def sql_script(self, statements):
        """Runs several statements (a list, or one string of ;-separated
        statements) in one transaction, behind the server's back."""
        if isinstance(statements, str):
            statements = [statements]
        text = ";\n".join(x.strip().rstrip(";") for x in statements) + ";"
        if self.pg_name:
            import pg
            pg.psql(pg_sockdir(), self.pg_name,
                    "BEGIN; SET search_path = public, sqlite_compat; " + text + " COMMIT;")
            return
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.executescript("BEGIN; " + text + " COMMIT;")
        finally:
            con.close()

    def columns(self, table):
        """The column names of a table, in order."""
        if self.pg_name:
            return [r[0] for r in self._psql(
                "SELECT column_name FROM information_schema.columns WHERE table_schema='public' "
                "AND table_name=? ORDER BY ordinal_position", (table,))]
        return [r[1] for r in self.sql(f"PRAGMA table_info({table})")]

    def client(self, login=None, password=None, change=True):
        c = Client(self)
        if login:
            c.login(login, password or self.passwords[login], change=change)
        return c


class Client:
    def __init__(self, server):
        self.server = server
        self.cookie = None
        self.csrf = None
        self.bearer = None
        self.login_name = None

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        h = {"Host": f"127.0.0.1:{self.server.port}"}
        data = None
        if raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        if headers:
            h.update(headers)
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        r = Response(resp.status, resp.getheaders(), resp.read())
        conn.close()
        sc = r.header("Set-Cookie")
        if sc:
            m = re.match(r"([^=]+)=([^;]*)", sc)
            if m:
                self.cookie = None if "Max-Age=0" in sc else f"{m.group(1)}={m.group(2)}"
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None else {}, **kw)

    def patch(self, path, body, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def upload(self, path, name, data, ctype):
        """Posts a file as the raw body (evidence uploads)."""
        from urllib.parse import quote
        sep = "&" if "?" in path else "?"
        return self.request("POST", f"{path}{sep}name={quote(name)}", raw=data, headers={"Content-Type": ctype})

    def login(self, login, password, change=True):
        r = self.post("/api/v1/auth/login", {"login": login, "password": password})
        assert r.status == 200, r
        self.csrf = r.json["csrf_token"]
        self.login_name = login
        if change and r.json["must_change_password"]:
            r2 = self.post("/api/v1/auth/password", {"old_password": password, "new_password": NEW_PASSWORD})
            assert r2.status == 200, r2
            self.server.passwords[login] = NEW_PASSWORD
        return r


def expect(r, status, code=None):
    assert r.status == status, f"expected {status}, got {r!r}"
    if code:
        assert r.error_code() == code, f"expected error {code}, got {r!r}"
    if status >= 400:
        err = (r.json or {}).get("error")
        assert err and err.get("message"), f"error without message: {r!r}"
        assert re.search(r"[\u4e00-\u9fff]", err["message"]), f"message not Chinese: {err}"
    return r


def today_shanghai():
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


def days_from_today(n):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + n * 86400))


# ---- the second factor (issue 18): an authenticator app for the tests ----
class Otp:
    """An authenticator app: codes of the secret, each time step used once
    (the window of 3 steps ahead gives four fresh codes at any moment)."""

    def __init__(self, secret, digits=6, period=30, alg="sha1"):
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.digits, self.period, self.alg = digits, period, alg
        self.last = -1

    def at(self, step):
        mac = hmac.new(self.key, struct.pack(">Q", step), getattr(hashlib, self.alg)).digest()
        off = mac[-1] & 0x0F
        v = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** self.digits
        return str(v).zfill(self.digits)

    def next(self):
        step = max(int(time.time()) // self.period, self.last + 1)
        self.last = step
        return self.at(step)


def enrol(c):
    """Enrols and confirms the signed-in client's user; returns (Otp, enrolment)."""
    e = expect(c.post("/api/v1/me/2fa/enrol"), 200).json
    otp = Otp(e["secret"], e["digits"], e["period"])
    expect(c.post("/api/v1/me/2fa/confirm", {"code": otp.next()}), 200)
    return otp, e
