"""Master key rotation while the server serves (issue 18 item 4, 密评):
`xunji key rotate` re-seals every sealed field and re-tags every grant under
a new key in resumable batches; readers and writers go on meanwhile; every
sealed field still opens with the same plaintext, no value stays under the old
key, the audit chain verifies across the change. Key files are checked for
owner and mode at start."""
import os
import subprocess
import threading
import time

from lib import BIN, Otp, Server, days_from_today, expect, run_cli, test, today_shanghai

CANARY = "轮换测试-举报内容-CANARY"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def new_clue(c, target, i, tag):
    return c.post("/api/v1/clues", {"target_id": target, "title": f"{tag}-线索-{i}", "subject_name": "某",
                                    "source": "interview", "discovered_on": today_shanghai(),
                                    "allegation": f"{CANARY}-{tag}-{i}"})


def new_petition(c, target, i):
    return c.post("/api/v1/petitions", {"target_id": target, "channel": "letter", "received_on": today_shanghai(),
                                        "summary": "反映某村干部优亲厚友", "reporter_name": f"举报人-{i}-CANARY",
                                        "reporter_contact": f"1380000{i:04d}"})


def sealed_values(s):
    return ([v for (v,) in s.sql("SELECT allegation_enc FROM clues WHERE allegation_enc IS NOT NULL")] +
            [v for (v,) in s.sql("SELECT reporter_enc FROM petitions WHERE reporter_enc IS NOT NULL")])


@test
def rotation_while_serving_reseals_everything_and_resumes():
    # reading a reporter needs no second person here (test_reporter covers the approval)
    with Server({"reveal_approver": "none"}) as s:
        t1 = s.ids["targets"]["u1"]
        member, leader = s.client("member1"), s.client("leader1")
        clues, petitions = {}, {}
        for i in range(14):
            r = expect(new_clue(member, t1, i, "before"), 201).json
            clues[r["id"]] = f"{CANARY}-before-{i}"
        for i in range(6):
            r = expect(new_petition(member, t1, i), 201).json
            petitions[r["id"]] = {"name": f"举报人-{i}-CANARY", "contact": f"1380000{i:04d}"}
        before = sealed_values(s)
        assert before and all(v.startswith("s1:") for v in before), before[:2]
        tags_before = dict(s.sql("SELECT id, tag FROM user_roles"))
        audit_before = s.sql("SELECT max(seq) FROM audit")[0][0]

        # readers and a writer keep going during the rotation
        stop, errors, written, reads = threading.Event(), [], {}, [0]
        lk = threading.Lock()

        def wait_for(cond):
            deadline = time.time() + 90
            while not cond() and time.time() < deadline:
                time.sleep(0.05)
            assert cond(), (len(written), reads[0], errors[:3])

        def reader():
            c = s.client()
            c.login("leader1", s.passwords["leader1"], change=False)
            while not stop.is_set():
                for cid, plain in list(clues.items()):
                    r = c.get(f"/api/v1/clues/{cid}")
                    if r.status != 200 or r.json.get("allegation") != plain:
                        errors.append(("read", cid, r.status, (r.json or {}).get("allegation_error")))
                    reads[0] += 1

        def writer():
            c = s.client()
            c.login("member1", s.passwords["member1"], change=False)
            i = 0
            while not stop.is_set():
                r = new_clue(c, t1, i, "during")
                if r.status != 201:
                    errors.append(("write", r.status))
                else:
                    with lk:
                        written[r.json["id"]] = f"{CANARY}-during-{i}"
                i += 1

        threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: len(written) >= 2 and reads[0] >= 5)
            # interrupted: two batches of three, then stop (as if killed between batches)
            r = run_cli("key", "rotate", "--batch", "3", "--max-batches", "2", "--grace", "0", db=s.db)
            assert "断点" in r.stdout, r.stdout
            state = s.sql("SELECT to_kid, state, batches FROM key_rotation")
            assert state == [(2, "running", 2)], state
            mixed = sealed_values(s)
            assert any(v.startswith("s2:2:") for v in mixed) and any(v.startswith("s1:") for v in mixed)
            # the server serves reads and writes in the middle of the rotation
            n_w, n_r = len(written), reads[0]
            wait_for(lambda: len(written) >= n_w + 3 and reads[0] >= n_r + 10)
            # resumed: continues from the recorded point, no new key
            r = run_cli("key", "rotate", "--batch", "3", "--grace", "0", db=s.db)
            assert "继续" in r.stdout and "完成" in r.stdout, r.stdout
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not errors, errors[:5]
        assert len(written) > 0
        clues.update(written)

        # no sealed value under the old key is left; the key file holds both keys
        after = sealed_values(s)
        assert len(after) == len(clues) + len(petitions), (len(after), len(clues), len(petitions))
        assert all(v.startswith("s2:2:") for v in after), [v[:8] for v in after if not v.startswith("s2:2:")]
        assert not any("CANARY" in v for v in after)
        assert s.sql("SELECT state FROM key_rotation") == [("done",)]
        with open(s.key_file) as f:
            keys = [ln.split()[0] for ln in f if ln.strip() and not ln.startswith("#")]
        assert keys == ["1", "2"], keys
        assert (os.stat(s.key_file).st_mode & 0o777) == 0o400
        # every grant re-tagged, and the grants still work (the reads above, the reads below)
        tags_after = dict(s.sql("SELECT id, tag FROM user_roles"))
        assert tags_after.keys() == tags_before.keys()
        assert all(tags_after[k] != tags_before[k] for k in tags_before)

        # every sealed field opens to the same plaintext, on this server and after a restart
        for cid, plain in clues.items():
            assert expect(leader.get(f"/api/v1/clues/{cid}"), 200).json["allegation"] == plain
        for pid, rep in petitions.items():
            assert expect(leader.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"] == rep
        s.stop()
        s.start()
        c = s.client()
        c.login("leader1", s.passwords["leader1"], change=False)
        for cid, plain in list(clues.items())[:5]:
            assert expect(c.get(f"/api/v1/clues/{cid}"), 200).json["allegation"] == plain
        for pid, rep in petitions.items():
            assert expect(c.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"] == rep

        # the audit chain: the first entry under key 2 chains the last hash under key 1
        v = run_cli("audit", "verify", db=s.db, check=False)
        assert v.returncode == 0, v.stdout + v.stderr
        start = s.sql("SELECT seq, prev_hash, key_id FROM audit WHERE action='key.rotate.start'")
        assert len(start) == 1 and start[0][2] == 2 and start[0][0] > audit_before, start
        prev = s.sql("SELECT hash, key_id FROM audit WHERE seq=?", (start[0][0] - 1,))[0]
        assert prev[0] == start[0][1]
        assert s.sql("SELECT count(*) FROM audit WHERE action='key.rotate.done'")[0][0] == 1
        st = run_cli("key", "status", db=s.db).stdout
        assert "当前密钥编号: 2" in st and "密钥 1 下" not in st, st


@test
def a_second_rotation_and_a_tampered_value():
    with Server() as s:
        t1 = s.ids["targets"]["u1"]
        member, leader = s.client("member1"), s.client("leader1")
        ids = [expect(new_clue(member, t1, i, "x"), 201).json["id"] for i in range(3)]
        # an evidence file (a sealed blob on disk) is re-sealed too
        body = {"target_id": t1, "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
                "description": "单位会计将人防易地建设费存入个人账户", "amount": "1.00", "people": "会计 刘某",
                "found_by": "records", "found_on": today_shanghai(), "inaction": False}
        prob = expect(member.post("/api/v1/problems", body), 201).json["id"]
        f = expect(member.upload(f"/api/v1/problems/{prob}/files", "流水.pdf", PDF, "application/pdf"), 201).json
        stored = os.path.join(s.files_dir, s.sql("SELECT stored_name FROM files")[0][0])
        sealed_before = open(stored, "rb").read()
        # a grant with an end date (bound into its tag) is re-tagged and keeps working
        admin, sec = s.client("sysadmin"), s.client("secadmin")
        u = expect(admin.post("/api/v1/users", {"login": "temp1", "display_name": "temp1"}), 201).json
        expect(sec.post(f"/api/v1/users/{u['id']}/roles", {"role": "case_mgmt", "ends_on": days_from_today(2)}), 201)
        s.passwords["temp1"] = u["one_time_password"]
        tag_before = s.sql("SELECT tag FROM user_roles WHERE user_id=?", (u["id"],))[0][0]
        r = run_cli("key", "rotate", "--grace", "0", db=s.db)
        assert "1 个佐证材料" in r.stdout, r.stdout
        sealed_after = open(stored, "rb").read()
        assert sealed_after != sealed_before and len(sealed_after) == len(sealed_before)
        assert expect(member.get(f"/api/v1/files/{f['id']}"), 200).raw == PDF
        assert "不在当前密钥下的 0 个" in run_cli("key", "status", db=s.db).stdout
        assert s.sql("SELECT tag FROM user_roles WHERE user_id=?", (u["id"],))[0][0] != tag_before
        t = s.client("temp1")
        assert [g["role"] for g in expect(t.get("/api/v1/me"), 200).json["roles"]] == ["case_mgmt"]
        expect(t.get("/api/v1/clues"), 200)
        # an altered value is not re-sealed (nor laundered): rotate reports it and fails
        v = s.sql("SELECT allegation_enc FROM clues WHERE id=?", (ids[0],))[0][0]
        bad = v[:-2] + ("00" if v[-2:] != "00" else "11")
        s.sql_write("UPDATE clues SET allegation_enc=? WHERE id=?", (bad, ids[0]))
        r = run_cli("key", "rotate", "--grace", "0", db=s.db, check=False)
        assert r.returncode == 1 and "校验失败" in (r.stdout + r.stderr), r.stdout + r.stderr
        vals = dict(s.sql("SELECT id, allegation_enc FROM clues WHERE id IN (?,?,?)", tuple(ids)))
        assert vals[ids[0]] == bad
        assert vals[ids[1]].startswith("s2:3:") and vals[ids[2]].startswith("s2:3:")
        for cid, i in ((ids[1], 1), (ids[2], 2)):
            assert expect(leader.get(f"/api/v1/clues/{cid}"), 200).json["allegation"] == f"{CANARY}-x-{i}"
        got = expect(leader.get(f"/api/v1/clues/{ids[0]}"), 200).json
        assert got["allegation"] is None and got["allegation_error"]
        assert run_cli("audit", "verify", db=s.db, check=False).returncode == 0


@test
def key_file_owner_and_mode_checked_at_start():
    s = Server()
    try:
        key = s.key_file
        for mode in (0o644, 0o640):
            os.chmod(key, mode)
            p = subprocess.run([BIN, "serve", "--db", s.db, "--listen", "127.0.0.1:0"], capture_output=True,
                               env={**os.environ, **s.env},
                               text=True, timeout=30)
            assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
            assert "密钥文件" in p.stderr and "权限" in p.stderr and oct(mode)[2:] in p.stderr, p.stderr
        os.chmod(key, 0o600)  # 0600 and 0400 are accepted
        assert run_cli("audit", "verify", db=s.db, check=False).returncode == 0
        if os.geteuid() == 0:  # only root can give the file to another user
            os.chown(key, 4242, -1)
            p = run_cli("audit", "verify", db=s.db, check=False)
            assert p.returncode == 3 and "属主" in p.stderr, p.stderr
    finally:
        import shutil
        shutil.rmtree(s.dir, ignore_errors=True)


@test
def key_backup_restore_usage():
    for sub in (("key",), ("backup",), ("restore",)):
        p = run_cli(*sub, "--help")
        assert p.returncode == 0 and "用法" in p.stdout, sub
    for args in (("key",), ("key", "spin"), ("key", "rotate", "--batch", "0"), ("key", "rotate", "--grace", "x"),
                 ("backup",), ("backup", "--out", "/tmp/x", "extra"), ("restore", "--from", "/tmp/x")):
        p = run_cli(*args, check=False)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
    p = run_cli("restore", "--from", "/nonexistent/bk", "--to", "/nonexistent/out", check=False)
    assert p.returncode == 1 and "拒绝恢复" in p.stderr and p.stderr.count("\n") == 1, p.stderr


@test
def totp_secrets_and_audit_exports_survive_a_rotation():
    with Server({"require_2fa_admin": 1, "require_2fa_sensitive": 0, "totp_window": 3}) as s:
        c = s.client()
        c.login("secadmin", s.passwords["secadmin"])
        e = expect(c.post("/api/v1/me/2fa/enrol"), 200).json
        otp = Otp(e["secret"], e["digits"], e["period"])
        expect(c.post("/api/v1/me/2fa/confirm", {"code": otp.next()}), 200)
        assert s.sql("SELECT secret_enc FROM user_totp")[0][0].startswith("s1:")
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        old_export = os.path.join(s.dir, "before.jsonl")
        run_cli("audit", "export", "--from", day, "--to", day, "--out", old_export, db=s.db)

        r = run_cli("key", "rotate", "--grace", "0", db=s.db)
        assert "完成" in r.stdout, r.stdout
        # the TOTP secret (a sealed column no record kind declares) is re-sealed ...
        assert s.sql("SELECT secret_enc FROM user_totp")[0][0].startswith("s2:2:")
        # ... and still opens: the code signs in, on this server and after a restart
        for restart in (False, True):
            if restart:
                s.stop()
                s.start()
            c2 = s.client()
            r = c2.post("/api/v1/auth/login", {"login": "secadmin", "password": s.passwords["secadmin"],
                                               "otp": otp.next()})
            assert r.status == 200, r
        # an export signed before the rotation still verifies, a new one too
        assert run_cli("audit", "verify-export", old_export, db=s.db).stdout.startswith("OK")
        new_export = os.path.join(s.dir, "after.jsonl")
        run_cli("audit", "export", "--from", day, "--to", day, "--out", new_export, db=s.db)
        assert run_cli("audit", "verify-export", new_export, db=s.db).stdout.startswith("OK")
        assert run_cli("audit", "verify", db=s.db, check=False).returncode == 0


@test
def backup_is_sqlite_only_and_postgresql_is_pointed_to_its_tools():
    # `xunji backup` is SQLite's online backup; on PostgreSQL it refuses before
    # writing anything and names PostgreSQL's own tools (issue 16)
    with Server() as s:
        out = os.path.join(s.dir, "bk")
        seq = s.sql("SELECT max(seq) FROM audit")[0][0]
        p = run_cli("backup", "--out", out, db=s.db, check=False)
        if s.pg_name:
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert "SQLite" in p.stderr and "pg_basebackup" in p.stderr and "pg_dump" in p.stderr, p.stderr
            assert not os.path.exists(out)
            assert s.sql("SELECT max(seq) FROM audit")[0][0] == seq  # nothing audited
        else:
            assert p.returncode == 0, p.stderr
            assert os.path.exists(os.path.join(out, "MANIFEST")) and os.path.exists(os.path.join(out, "xunji.db.sm4"))
            assert s.sql("SELECT action FROM audit WHERE seq > ?", (seq,)) == [("backup.create",)]
