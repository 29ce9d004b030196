"""Backup and restore drill (issue 18 item 5): `xunji backup` during
concurrent writes, `xunji restore` on a fresh directory, a server on the
restored files: every write acknowledged before the backup began is there,
`audit verify` passes, the statistics equal the record counts; the backup
holds no plaintext of sealed fields; a tampered backup is refused."""
import json
import os
import shutil
import tempfile
import threading
import time

from lib import Server, expect, run_cli, test, today_shanghai

CANARY = "备份演练-举报内容-CANARY"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def writer(s, k, login, target, acked, errors, stop, lock):
    c = s.client()
    c.login(login, s.passwords[login], change=False)
    i = 0
    while not stop.is_set():
        if i % 2:
            r = c.post("/api/v1/petitions", {"target_id": target, "channel": "letter",
                                             "received_on": today_shanghai(), "summary": f"{login}-{k}-信访-{i}",
                                             "reporter_name": f"{CANARY}-人-{k}-{i}", "reporter_contact": "13900000000"})
            kind = "petition"
        else:
            r = c.post("/api/v1/clues", {"target_id": target, "title": f"{login}-{k}-线索-{i}", "subject_name": "某",
                                         "source": "interview", "discovered_on": today_shanghai(),
                                         "allegation": f"{CANARY}-{k}-{i}"})
            kind = "clue"
        if r.status == 201:
            with lock:  # acknowledged: recorded with the time of the acknowledgement
                acked.append((time.time(), kind, r.json["id"], k, i))
        else:
            errors.append(r)
        i += 1


def file_bytes(d):
    out = b""
    for root, _, names in os.walk(d):
        for n in names:
            with open(os.path.join(root, n), "rb") as f:
                out += f.read()
    return out


@test
def backup_during_writes_then_restore_drill():
    work = tempfile.mkdtemp(prefix="xunji-backup-")
    bk, restored = os.path.join(work, "bk"), os.path.join(work, "restored")
    # reading a reporter needs no second person here (test_reporter covers the approval)
    with Server({"reveal_approver": "none"}) as s:
        t1 = s.ids["targets"]["u1"]
        member = s.client("member1")
        s.client("leader1")
        # an evidence file: sealed already, copied as it is and served after the restore
        body = {"target_id": t1, "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
                "description": "单位会计将人防易地建设费存入个人账户", "amount": "1.00", "people": "会计 刘某",
                "found_by": "records", "found_on": today_shanghai(), "inaction": False}
        prob = expect(member.post("/api/v1/problems", body), 201).json["id"]
        fid = expect(member.upload(f"/api/v1/problems/{prob}/files", "流水.pdf", PDF, "application/pdf"), 201).json["id"]
        acked, errors, stop, lock = [], [], threading.Event(), threading.Lock()
        threads = [threading.Thread(target=writer, args=(s, k, lg, t1, acked, errors, stop, lock))
                   for k, lg in enumerate(("member1", "leader1", "member1"))]
        for t in threads:
            t.start()
        try:
            deadline = time.time() + 30
            while len(acked) < 30 and time.time() < deadline:
                time.sleep(0.05)
            with lock:
                began = time.time()
                before = list(acked)  # acknowledged before the backup started
            r = run_cli("backup", "--out", bk, db=s.db)
            assert "备份完成" in r.stdout, r.stdout
            time.sleep(0.3)  # writes go on after the snapshot
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not errors, errors[:3]
        assert len(before) >= 30 and len(acked) > len(before), (len(before), len(acked))
        assert all(a[0] <= began for a in before)
        # the backup is audited in the live chain
        assert s.sql("SELECT count(*) FROM audit WHERE action='backup.create' AND actor_login LIKE 'cli:%'")[0][0] == 1

    # the backup: sealed database, key copy, anchor, manifest; no plaintext anywhere
    names = sorted(os.listdir(bk))
    assert names == ["MANIFEST", "audit-anchor", "files", "master.key", "xunji.db.sm4"], names
    assert len(os.listdir(os.path.join(bk, "files"))) == 1
    raw = file_bytes(bk)
    assert CANARY.encode() not in raw and "信访".encode() not in raw and b"SQLite format" not in raw
    manifest = open(os.path.join(bk, "MANIFEST")).read()
    assert "file xunji.db.sm4 " in manifest and "\nmac " in manifest

    # restore on a fresh directory, then a server on it
    r = run_cli("restore", "--from", bk, "--to", restored)
    assert "审计链完整" in r.stdout, r.stdout
    db = os.path.join(restored, "xunji.db")
    with open(db, "rb") as f:
        assert CANARY.encode() not in f.read()  # sealed in the database already
    assert (os.stat(db + ".key").st_mode & 0o777) == 0o400
    v = run_cli("audit", "verify", db=db, check=False)
    assert v.returncode == 0, v.stdout + v.stderr

    s2 = Server({"reveal_approver": "none"})
    s2.db = db  # serve the restored files (key and anchor beside it, by default)
    s2.passwords = dict(s.passwords)
    with s2:
        leader = s2.client("leader1", change=False)
        for _, kind, rid, k, i in before:
            got = expect(leader.get(f"/api/v1/{kind}s/{rid}"), 200).json
            if kind == "clue":
                assert got["allegation"] == f"{CANARY}-{k}-{i}", got.get("allegation")
            else:
                assert got["reporter"]["name"] == f"{CANARY}-人-{k}-{i}"
        assert expect(s2.client("member1", change=False).get(f"/api/v1/files/{fid}"), 200).raw == PDF
        # statistics equal the record counts
        n_pet = s2.sql("SELECT count(*) FROM petitions")[0][0]
        n_clue = s2.sql("SELECT count(*) FROM clues")[0][0]
        assert n_pet >= sum(1 for a in before if a[1] == "petition")
        assert n_clue >= sum(1 for a in before if a[1] == "clue")
        st = json.loads(run_cli("stats", "--json", "--measure", "petitions_received", db=db).stdout)
        val = st.get("value", st)
        if isinstance(val, dict):
            val = val.get("value")
        assert val == n_pet, (st, n_pet)
        assert expect(leader.get("/api/v1/clues?per_page=1"), 200).json["total"] == n_clue
        # the restored server writes and audits on
        t1 = s2.ids["targets"]["u1"]
        expect(leader.post("/api/v1/petitions", {"target_id": t1, "channel": "visit", "received_on": today_shanghai(),
                                                 "summary": "恢复后新登记"}), 201)
    v = run_cli("audit", "verify", db=db, check=False)
    assert v.returncode == 0, v.stdout + v.stderr

    # a tampered backup is refused, and nothing is restored
    for what in ("db", "manifest", "anchor"):
        bad = os.path.join(work, f"bad-{what}")
        shutil.copytree(bk, bad)
        if what == "db":
            p = os.path.join(bad, "xunji.db.sm4")
            os.chmod(p, 0o600)
            with open(p, "r+b") as f:
                f.seek(4096)
                b = f.read(1)
                f.seek(4096)
                f.write(bytes([b[0] ^ 1]))
            want = "SM3"
        elif what == "manifest":
            p = os.path.join(bad, "MANIFEST")
            text = open(p).read().replace("key_id ", "key_id 9", 1)
            open(p, "w").write(text)
            want = "校验码"
        else:
            os.remove(os.path.join(bad, "audit-anchor"))
            want = "缺失"
        dest = os.path.join(work, f"out-{what}")
        r = run_cli("restore", "--from", bad, "--to", dest, check=False)
        assert r.returncode == 1 and "拒绝恢复" in r.stderr and want in r.stderr, (what, r.stderr)
        assert not os.path.exists(os.path.join(dest, "xunji.db"))
    # the target must be fresh
    r = run_cli("restore", "--from", bk, "--to", restored, check=False)
    assert r.returncode == 1 and "不为空" in r.stderr, r.stderr
    shutil.rmtree(work, ignore_errors=True)
