"""Store failures: the test build (build/faults/xunji, src/store/faults.h)
makes the k-th SQLite page write, fsync, COMMIT or evidence-file write fail.
A scenario (a clue recorded, verified and handed over; a problem with its
evidence, then edited) is run once to count its writes, then once per k with
that write failing. After each run the server is killed (-9) and the files
are checked: no 2xx without a durable commit, no partial record, the audit
chain verifies, every file row has its sealed file, and while writes failed
the server kept answering reads. A real full disk (a small loop-mounted ext4
image) is the last test.

XUNJI_FAULT_WALK=full (make check-long) walks every k; otherwise a sample of
each kind (make check)."""
import os
import re
import shutil
import subprocess
import tempfile

from lib import BIN, Server, expect, run_cli, test, today_shanghai

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
FAULT_BIN = os.path.abspath(os.environ.get("XUNJI_FAULT_BIN", os.path.join(ROOT, "build/faults/xunji")))
FULL = os.environ.get("XUNJI_FAULT_WALK") == "full"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CAT = "01940000-0000-7000-8000-040300000000"
STATE_ORDER = ["draft", "verified", "handed_over", "registered"]


class Prepared:
    """A demo database whose users have changed their one-time passwords and
    hold sessions: each run copies it, so the faulted run's writes are the
    scenario's own."""

    def __init__(self):
        self.s = Server()
        self.s.cleanup = False
        with self.s:
            self.cookies = {}
            for login in ("member1", "leader1", "office"):
                c = self.s.client(login)
                self.cookies[login] = (c.cookie, c.csrf)

    def copy(self, binary, env):
        s = Server.__new__(Server)
        s.__dict__.update({k: v for k, v in self.s.__dict__.items() if k not in ("proc", "log")})
        s.dir = tempfile.mkdtemp(prefix="xunji-fault-")
        for name in os.listdir(self.s.dir):
            src = os.path.join(self.s.dir, name)
            if os.path.isfile(src) and name != "server.log":
                shutil.copy2(src, os.path.join(s.dir, name))
        s.db = os.path.join(s.dir, "t.db")
        s.passwords = dict(self.s.passwords)
        s.bin, s.env, s.proc, s.cleanup = binary, dict(env), None, True
        return s

    def clients(self, s):
        out = {}
        for login, (cookie, csrf) in self.cookies.items():
            c = s.client()
            c.cookie, c.csrf, c.login_name = cookie, csrf, login
            out[login] = c
        return out

    def close(self):
        shutil.rmtree(self.s.dir, ignore_errors=True)


def scenario(s, cl):
    """Runs the steps; returns (acks, failures): what got a 2xx, and the
    statuses of what did not. A step whose record was not created is skipped."""
    m, lead, office = cl["member1"], cl["leader1"], cl["office"]
    tg = s.ids["targets"]["u1"]
    acks, fails = [], []

    def step(name, r, ok=(200, 201)):
        if r.status in ok:
            return r.json
        assert r.status >= 500, f"{name}: a store failure must not look like bad input: {r!r}"
        assert (r.json or {}).get("error", {}).get("message"), f"{name}: error without message: {r!r}"
        fails.append((name, r.status))
        return None

    c = step("clue.create", m.post("/api/v1/clues", {
        "target_id": tg, "title": "故障注入线索", "subject_name": "某甲", "source": "interview",
        "discovered_on": today_shanghai(), "allegation": "故障注入测试内容"}))
    if c:
        acks.append(("clue", c["id"], "title", "故障注入线索"))
        if step("clue.verify", lead.post(f"/api/v1/clues/{c['id']}/verify")):
            acks.append(("clue", c["id"], "state", "verified"))
            if step("clue.handover", office.post(f"/api/v1/clues/{c['id']}/handover")):
                acks.append(("clue", c["id"], "state", "handed_over"))
    p = step("problem.create", m.post("/api/v1/problems", {
        "target_id": tg, "category_id": CAT, "title": "故障注入问题", "description": "说明",
        "amount": "10.00", "people": "某乙", "found_by": "records", "found_on": today_shanghai(),
        "inaction": False}))
    if p:
        acks.append(("problem", p["id"], "title", "故障注入问题"))
        f = step("file.upload", m.upload(f"/api/v1/problems/{p['id']}/files", "流水.pdf", PDF, "application/pdf"))
        if f:
            acks.append(("file", f["id"], "size", len(PDF)))
        e = step("problem.edit", m.patch(f"/api/v1/problems/{p['id']}", {"title": "故障注入问题(改)"},
                                         headers={"If-Match": '"1"'}))
        if e:
            acks.append(("problem", p["id"], "title", "故障注入问题(改)"))
    # whatever failed, the server still answers reads
    expect(m.get("/healthz"), 200)
    expect(m.get("/api/v1/clues?per_page=5"), 200)
    expect(m.get("/api/v1/problems?per_page=5"), 200)
    return acks, fails


def check_after(s, acks, label):
    """The invariants on the files left by a killed server."""
    assert s.sql("PRAGMA integrity_check") == [("ok",)], label
    v = run_cli("audit", "verify", db=s.db, check=False)
    assert v.returncode == 0, f"{label}: audit chain broken: {v.stdout}{v.stderr}"
    # no partial record: every business row has the audit entry of its creation
    for table, action in (("clues", "clue.create"), ("problems", "problem.create")):
        missing = s.sql(f"SELECT id FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit a "
                        f"WHERE a.action='{action}' AND a.object_id=t.id)")
        assert not missing, f"{label}: {table} without their audit entry: {missing}"
    # every file row has its sealed file on disk, of the sealed size or more
    fdir = s.db + ".files"
    for fid, stored in s.sql("SELECT id, stored_name FROM files"):
        assert os.path.isfile(os.path.join(fdir, stored)), f"{label}: file row {fid} without its file"
    # every acknowledged write is there, with its content, on a fresh server
    s.bin, s.env = BIN, {}
    with s:
        cl = PREP.clients(s)
        m = cl["member1"]
        for kind, rid, field, want in acks:
            path = {"clue": "clues", "problem": "problems", "file": "files"}[kind]
            if kind == "file":
                r = expect(m.get(f"/api/v1/files/{rid}"), 200)
                assert r.raw == PDF, f"{label}: file {rid} content"
                continue
            got = expect(m.get(f"/api/v1/{path}/{rid}"), 200).json
            if field == "state":
                assert STATE_ORDER.index(got["state"]) >= STATE_ORDER.index(want), (label, got["state"], want)
            elif kind == "problem" and field == "title":
                # a later acknowledged edit may have replaced the title
                titles = [a[3] for a in acks if a[1] == rid and a[2] == "title"]
                assert got["title"] in titles and got["title"] == titles[-1], (label, got["title"], titles)
            else:
                assert got[field] == want, (label, field, got.get(field), want)


def counts(s):
    m = re.findall(r"faults: write=(\d+) sync=(\d+) commit=(\d+) file=(\d+)", s.server_log())
    assert m, "the fault build printed no counts: " + s.server_log()[-2000:]
    w, y, c, f = map(int, m[-1])
    return {"write": w, "sync": y, "commit": c, "file": f}


def sample(n):
    if FULL or n <= 6:
        return list(range(1, n + 1))
    step = n / 6
    return sorted({1, n} | {max(1, int(round(i * step))) for i in range(1, 6)})


PREP = None


def run_once(env, label):
    s = PREP.copy(FAULT_BIN, env)
    s.start()
    try:
        acks, fails = scenario(s, PREP.clients(s))
    finally:
        s.kill9()  # no clean shutdown: what was acknowledged must already be on disk
    s.check_sanitizers()
    return s, acks, fails


@test
def every_write_of_a_scenario_can_fail():
    global PREP
    assert os.path.exists(FAULT_BIN), f"{FAULT_BIN} missing: make build/faults/xunji"
    PREP = Prepared()
    try:
        # count the scenario's writes (a clean stop prints the counts)
        s = PREP.copy(FAULT_BIN, {"XUNJI_FAULT": "count"})
        s.cleanup = False
        with s:
            acks, fails = scenario(s, PREP.clients(s))
        assert not fails, fails
        n = counts(s)
        assert n["write"] > 5 and n["sync"] > 3 and n["commit"] > 3 and n["file"] >= 1, n
        shutil.rmtree(s.dir, ignore_errors=True)
        walked = injected = failed_requests = 0
        quiet = []  # injected outside a checkpoint without a failed request
        for kind, err in (("write", "full"), ("sync", "io"), ("commit", "busy"), ("file", "full")):
            for k in sample(n[kind]):
                label = f"{kind}:{k}:{err}"
                s, acks, fails = run_once({"XUNJI_FAULT": label}, label)
                log = s.server_log()
                if "faults: injecting" in log:
                    injected += 1
                    # A failed write need not fail a request: a checkpoint's
                    # (a page copied from the log into the database file; its
                    # commits are already in the log) or a best-effort one
                    # (a session's last use). What matters is checked below:
                    # everything acknowledged is there after the kill.
                    if fails:
                        failed_requests += 1
                    elif "(checkpoint)" not in log:
                        quiet.append(label)
                check_after(s, acks, label)
                shutil.rmtree(s.dir, ignore_errors=True)
                walked += 1
        # a disk that stays full: every write from the third page write on fails
        s, acks, fails = run_once({"XUNJI_FAULT": "write:3:full:sticky"}, "sticky")
        assert fails, "a full disk failed no request"
        check_after(s, acks, "sticky")
        shutil.rmtree(s.dir, ignore_errors=True)
        print(f"     walked {walked} faults ({injected} injected, {failed_requests} failed a request) over {n};"
              f" injected without a failed request: {quiet}")
        assert injected >= walked * 0.8, (injected, walked)
        # most injected faults land in a request's transaction and fail it
        assert failed_requests >= injected // 2, (failed_requests, injected, quiet)
    finally:
        PREP.close()


def concurrent_load(s, prep, tag, threads=4, each=12):
    """Writers on several connections at once (their commits form groups);
    returns (acknowledged titles, failed statuses)."""
    import threading
    tg = s.ids["targets"]["u1"]
    acked, failed = [], []

    def run(k):
        c = prep.clients(s)["member1" if k % 2 else "leader1"]
        for i in range(each):
            title = f"{tag}-{k}-{i}"
            r = c.post("/api/v1/clues", {"target_id": tg, "title": title, "subject_name": "某",
                                         "source": "interview", "discovered_on": today_shanghai(),
                                         "allegation": "组提交故障"})
            if r.status == 201:
                acked.append(title)
            else:
                assert r.status >= 500, r
                failed.append(r.status)

    ts = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return acked, failed


@test
def concurrent_writers_share_a_failed_fsync():
    """Group commit (src/store/sqlite.c invariant 2): writers on several
    connections share commits; when the fsync of a shared commit fails,
    every writer of its group gets an error and none a 2xx: after a kill -9
    every acknowledged write is there."""
    assert os.path.exists(FAULT_BIN), f"{FAULT_BIN} missing: make build/faults/xunji"
    prep = Prepared()
    try:
        s = prep.copy(FAULT_BIN, {"XUNJI_FAULT": "count"})
        s.start()
        base = None
        try:
            acked, failed = concurrent_load(s, prep, "计数")
        finally:
            s.stop()
        n = counts(s)["sync"]
        assert not failed and len(acked) == 48, (failed, len(acked))
        shutil.rmtree(s.dir, ignore_errors=True)
        failing_runs, shared = 0, []
        for k in sorted({max(1, n // 4), max(1, n // 2), max(1, 3 * n // 4)}):
            label = f"sync:{k}:io"
            s = prep.copy(FAULT_BIN, {"XUNJI_FAULT": label})
            s.start()
            try:
                acked, failed = concurrent_load(s, prep, label)
            finally:
                s.kill9()
            s.check_sanitizers()
            log = s.server_log()
            shared += [int(x) for x in re.findall(r"提交失败 \((\d+) 个写入\)", log)]
            failing_runs += bool(failed)
            assert s.sql("PRAGMA integrity_check") == [("ok",)], label
            titles = {t for (t,) in s.sql("SELECT title FROM clues")}
            lost = [t for t in acked if t not in titles]
            assert not lost, f"{label}: acknowledged writes of a failed group commit lost: {lost}"
            v = run_cli("audit", "verify", db=s.db, check=False)
            assert v.returncode == 0, f"{label}: {v.stdout}{v.stderr}"
            shutil.rmtree(s.dir, ignore_errors=True)
        print(f"     {n} fsyncs under the load; writers per failed group commit: {shared}")
        assert failing_runs >= 1, "no injected fsync failure failed a write"
    finally:
        prep.close()


@test
def a_sealed_field_is_not_sent_when_its_read_audit_fails():
    """The plaintext of a sealed field leaves the server only after its read's
    audit entry is durable: with every COMMIT, or every fsync, failing, the
    read of a clue's allegation is a 5xx without the text; reads that need no
    audit entry go on."""
    assert os.path.exists(FAULT_BIN), f"{FAULT_BIN} missing: make build/faults/xunji"
    prep = Prepared()
    try:
        s = prep.copy(FAULT_BIN, {"XUNJI_FAULT": "count"})
        s.start()
        m = prep.clients(s)["member1"]
        secret = "密封内容-审计先于明文"
        cid = expect(m.post("/api/v1/clues", {
            "target_id": s.ids["targets"]["u1"], "title": "审计顺序", "subject_name": "某",
            "source": "interview", "discovered_on": today_shanghai(), "allegation": secret}), 201).json["id"]
        assert secret in expect(m.get(f"/api/v1/clues/{cid}"), 200).raw.decode()
        s.stop()
        for fault in ("commit:1:io:sticky", "sync:1:io:sticky"):
            s.env = {"XUNJI_FAULT": fault}
            s.start()
            try:
                m = prep.clients(s)["member1"]
                r = m.get(f"/api/v1/clues/{cid}")
                assert r.status >= 500 and secret not in r.raw.decode(), (fault, r)
                expect(m.get("/api/v1/clues?per_page=5"), 200)
            finally:
                s.kill9()
            s.check_sanitizers()
        shutil.rmtree(s.dir, ignore_errors=True)
    finally:
        prep.close()


@test
def a_real_full_disk():
    """A 24 MiB ext4 image mounted on loop: fill it, and the server refuses
    writes with an error, keeps serving reads, loses nothing acknowledged,
    and writes again once space is freed."""
    if os.geteuid() != 0:
        raise AssertionError("this test needs root (loop devices); CI runs as root")
    mnt = tempfile.mkdtemp(prefix="xunji-full-")
    img = mnt + ".img"
    subprocess.run(["truncate", "-s", "24M", img], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", img], check=True)
    subprocess.run(["mount", "-o", "loop", img, mnt], check=True)
    try:
        s = Server()
        s.cleanup = False
        with s:
            for login in ("member1", "leader1"):
                s.client(login)
        # move the database onto the small disk
        for name in os.listdir(s.dir):
            if name.startswith("t.db") or name == "accounts.json":
                shutil.copy2(os.path.join(s.dir, name), os.path.join(mnt, name))
        old_dir = s.dir
        s.dir, s.db = mnt, os.path.join(mnt, "t.db")
        with s:
            m = s.client("member1")
            m.login("member1", s.passwords["member1"], change=False)
            tg = s.ids["targets"]["u1"]
            body = {"target_id": tg, "title": "满盘前", "subject_name": "某", "source": "interview",
                    "discovered_on": today_shanghai(), "allegation": "内容" * 200}
            before = expect(m.post("/api/v1/clues", body), 201).json["id"]
            # fill the disk
            with open(os.path.join(mnt, "filler"), "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * (1 << 20))
                        f.flush()
                except OSError:
                    pass
            subprocess.run(["sync"], check=False)
            statuses = []
            for i in range(40):
                r = m.post("/api/v1/clues", dict(body, title=f"满盘{i}"))
                statuses.append(r.status)
                if r.status >= 500:
                    assert r.json and r.json["error"]["message"], r
            assert any(st >= 500 for st in statuses), f"no write failed on a full disk: {statuses}"
            assert all(st in (201, 500, 503, 507) for st in statuses), statuses
            acked = [i for i, st in enumerate(statuses) if st == 201]
            # reads go on; a read that must be audited (the sealed allegation)
            # fails closed while the audit entry cannot be written
            expect(m.get("/api/v1/clues?per_page=5"), 200)
            expect(m.get("/api/v1/problems?per_page=5"), 200)
            r = m.get(f"/api/v1/clues/{before}")
            assert r.status == 200 or (r.status >= 500 and "allegation" not in r.raw.decode()), r
            os.unlink(os.path.join(mnt, "filler"))
            after = expect(m.post("/api/v1/clues", dict(body, title="腾出空间后")), 201).json["id"]
            expect(m.get(f"/api/v1/clues/{after}"), 200)
        s.kill9()
        assert s.sql("PRAGMA integrity_check") == [("ok",)]
        titles = {t for (t,) in s.sql("SELECT title FROM clues")}
        assert {"满盘前", "腾出空间后"} <= titles
        assert {f"满盘{i}" for i in acked} <= titles, "an acknowledged write was lost on the full disk"
        v = run_cli("audit", "verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr
        shutil.rmtree(old_dir, ignore_errors=True)
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)
        os.unlink(img)
        os.rmdir(mnt)


def internal_error(r):
    """A 500 whose Chinese message names the request id of its reply."""
    assert r.status == 500, r
    assert r.error_code() == "internal", r
    rid = r.header("X-Request-Id")
    assert rid and rid in r.json["error"]["message"], r
    return rid


@test
def a_failed_password_hash_is_a_500_with_the_request_id():
    """PBKDF2 failing in OpenSSL (XUNJI_FAULT=kdf:k, sec/password.c) fails the
    request that needed the hash with 500 and its request id, writes nothing,
    and the server goes on (pw_hash called abort() before)."""
    # the 1st hash is the sign-in's dummy, the 2nd to 4th the three password changes
    s = Server(binary=FAULT_BIN, env={"XUNJI_FAULT": "kdf:5:io:sticky"})
    with s:
        sa, office, member = s.client("sysadmin"), s.client("office"), s.client("member1")
        tg = s.ids["targets"]["u1"]
        # every later hash fails: a password change, a new account, 2FA's
        # recovery codes, an anonymous petition's receipt
        lead = s.client("leader1", change=False)
        old = s.passwords["leader1"]
        rid = internal_error(lead.post("/api/v1/auth/password", {"old_password": old, "new_password": "Patrol#Other-2026"}))
        assert rid in s.server_log()
        internal_error(sa.post("/api/v1/users", {"login": "kdfuser", "display_name": "哈希失败"}))
        internal_error(office.post("/api/v1/me/2fa/enrol"))
        internal_error(member.post("/api/v1/petitions", {
            "target_id": tg, "channel": "letter", "received_on": today_shanghai(),
            "summary": "匿名反映", "anonymous": True}))
        # nothing was written, and the server goes on
        assert not [u for u in expect(sa.get("/api/v1/users?per_page=200"), 200).json["items"]
                    if u["login"] == "kdfuser"]
        assert expect(office.get("/api/v1/me/2fa"), 200).json["enabled"] is False
        assert expect(member.get("/api/v1/petitions"), 200).json["items"] == []
        assert expect(lead.get("/api/v1/me"), 200).json["must_change_password"] is True
        lead.login("leader1", old, change=False)  # the old password still holds
        # the very first hash (the dummy of unknown logins) fails: that
        # sign-in is a 500, the next one makes it again
        s.stop()
        s.env = {"XUNJI_FAULT": "kdf:1:io"}
        s.start()
        c = s.client()
        internal_error(c.post("/api/v1/auth/login", {"login": "office", "password": s.passwords["office"]}))
        c.login("office", s.passwords["office"], change=False)
        expect(c.get("/api/v1/me"), 200)
        assert "faults: injecting kdf #1" in s.server_log()
