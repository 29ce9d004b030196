"""The audit chain's head and anchor (issue 11): the database keeps a keyed
head of the chain, the anchor file is replaced atomically, and `audit verify`
catches what it missed before — a cut tail with the anchor deleted, every row
and the anchor deleted, a cut back to an older genuine anchor — and checks a
head recorded elsewhere (`audit anchor`, `audit verify --anchor SEQ:HASH`).
The attacker here has an SQL shell on the database (sqlite3 or psql) and the
file system, but not the key. Backend-neutral: on PostgreSQL (tests/api/pg.py)
the database is a PostgreSQL one and the anchor the file named by
XUNJI_AUDIT_ANCHOR (Server.anchor_file)."""
import os
import re
import shutil

from lib import Server, run_cli, test

HEAD_RE = re.compile(r"^(\d+):([0-9a-f]{64})$")


def fresh():
    """A new demo database (`init --demo`'s state, a copy of the run's
    template), not served: the CLI works on it."""
    return Server()


def done(s):
    """Removes the database, its files and the directory."""
    s.__exit__(None, None, None)


def sql(s, *stmts):
    """The attacker's statements, in one transaction behind the server's back."""
    s.sql_script(list(stmts))


def rows(s, q):
    return s.sql(q)


def verify(db, *extra):
    return run_cli("audit", "verify", *extra, db=db, check=False)


def head(db):
    p = run_cli("audit", "anchor", db=db)
    m = HEAD_RE.match(p.stdout.strip())
    assert m, p.stdout
    return int(m.group(1)), m.group(2), p.stdout.strip()


def more_entries(db, n=3):
    """Audited changes by the command line (each is one audit entry or more)."""
    for i in range(n):
        run_cli("user", "disable" if i % 2 == 0 else "enable", "member2", db=db)


def broken(p, *words):
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stdout.startswith("BROKEN"), p.stdout
    for w in words:
        assert w in p.stdout, (w, p.stdout)


@test
def clean_chain_verifies_and_anchor_prints_the_head():
    s = fresh()
    d, db = s.dir, s.db
    p = verify(db)
    assert p.returncode == 0 and p.stdout.startswith("OK"), p.stdout
    seq, h, text = head(db)
    assert (seq, h) == rows(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")[0]
    # the anchor file holds the same head, written by rename (no temp file left)
    with open(s.anchor_file) as f:
        assert f.read().split()[:2] == [str(seq), h]
    assert not [n for n in os.listdir(d) if ".tmp" in n], os.listdir(d)
    # the head recorded elsewhere passes; so does an older genuine one after more entries
    assert verify(db, "--anchor", text).returncode == 0
    more_entries(db)
    seq2, _, text2 = head(db)
    assert seq2 > seq
    assert verify(db, "--anchor", text).returncode == 0
    assert verify(db, "--anchor", text2).returncode == 0
    # a forged hash, a head beyond the table, and nonsense
    forged = "%d:%s" % (seq, ("0" if h[0] != "0" else "1") + h[1:])
    broken(verify(db, "--anchor", forged), "外部记录", str(seq))
    broken(verify(db, "--anchor", "%d:%s" % (seq2 + 5, h)), "外部记录")
    assert verify(db, "--anchor", "12:xyz").returncode == 2
    done(s)


@test
def cutting_the_tail_and_deleting_the_anchor_is_detected():
    s = fresh()
    d, db = s.dir, s.db
    seq, _, _ = head(db)
    sql(s, s.drop_trigger("audit_no_delete", "audit"), f"DELETE FROM audit WHERE seq > {seq - 3}")
    os.unlink(s.anchor_file)
    broken(verify(db), "尾部", str(seq))
    done(s)


@test
def deleting_every_row_and_the_anchor_is_detected():
    s = fresh()
    d, db = s.dir, s.db
    sql(s, s.drop_trigger("audit_no_delete", "audit"), "DELETE FROM audit")
    os.unlink(s.anchor_file)
    broken(verify(db), "全部")
    # resetting the head as the migration left it (no key: no mac) does not help
    sql(s, "UPDATE audit_head SET seq=0, hash='%s', anchored=0, mac=''" % ("0" * 64))
    broken(verify(db), "audit_head")
    # nor does deleting the head row (its trigger dropped first)
    sql(s, s.drop_trigger("audit_head_no_delete", "audit_head"), "DELETE FROM audit_head")
    broken(verify(db), "audit_head")
    done(s)


@test
def cutting_back_to_an_older_genuine_anchor_is_detected():
    s = fresh()
    d, db = s.dir, s.db
    old_seq, _, old_text = head(db)
    anchor = s.anchor_file
    shutil.copy(anchor, anchor + ".saved")
    saved_head = rows(s, "SELECT seq, hash, anchored, mac FROM audit_head")[0]
    more_entries(db)
    new_seq, _, new_text = head(db)
    # cut the table back to the old anchor and put the old anchor file back
    sql(s, s.drop_trigger("audit_no_delete", "audit"), f"DELETE FROM audit WHERE seq > {old_seq}")
    shutil.copy(anchor + ".saved", anchor)
    broken(verify(db), str(new_seq))
    # the head row cannot be moved back to a new value without the key ...
    sql(s, f"UPDATE audit_head SET seq={old_seq}, hash=(SELECT hash FROM audit WHERE seq={old_seq})")
    broken(verify(db), "audit_head")
    # ... only replayed from an old copy: database and anchor file restored
    # together look whole locally; the head recorded elsewhere catches it
    sql(s, "UPDATE audit_head SET seq=?, hash=?, anchored=?, mac=?".replace("?", "%r") % saved_head)
    if s.pg_name:
        # on PostgreSQL the database also holds anchors (audit_anchors, migration 026): an old
        # copy of the database has only the old ones (tests/api/pg_anchor.py shows that they
        # alone catch the cut)
        sql(s, s.drop_trigger("audit_anchors_no_delete", "audit_anchors"),
            f"DELETE FROM audit_anchors WHERE seq > {old_seq}")
    assert verify(db).returncode == 0
    assert verify(db, "--anchor", old_text).returncode == 0
    broken(verify(db, "--anchor", new_text), "外部记录", str(new_seq))
    done(s)


@test
def a_zero_byte_anchor_is_reported_clearly_and_rewritten_by_the_next_write():
    s = fresh()
    d, db = s.dir, s.db
    seq, _, _ = head(db)
    anchor = s.anchor_file
    open(anchor, "w").close()
    p = verify(db)
    broken(p, "0 字节", "I/O", "--anchor")
    assert "篡改" not in p.stdout, p.stdout  # not reported as tampering
    more_entries(db, 1)
    assert verify(db).returncode == 0
    with open(anchor) as f:
        assert int(f.read().split()[0]) > seq
    # a garbled anchor is reported as such
    with open(anchor, "w") as f:
        f.write("garbage\n")
    broken(verify(db), "锚点文件")
    done(s)


@test
def a_head_without_its_key_refuses_further_writes():
    s = fresh()
    d, db = s.dir, s.db
    seq, _, _ = head(db)
    sql(s, "UPDATE audit_head SET mac=''")  # as if never sealed: must not be sealed now
    p = run_cli("user", "disable", "member2", db=db, check=False)
    assert p.returncode != 0, p.stdout
    assert rows(s, "SELECT max(seq) FROM audit")[0][0] == seq
    broken(verify(db), "audit_head")
    done(s)


@test
def the_server_keeps_the_anchor_up_with_the_head():
    from lib import Server
    with Server() as s:
        unit1 = s.client("unit1")
        for _ in range(20):
            assert unit1.get("/api/v1/users").status == 403  # each denial is audited
        s.stop()  # a clean stop writes the anchor still pending
        seq, h, _ = head(s.db)
        with open(s.anchor_file) as f:
            assert f.read().split()[:2] == [str(seq), h]
        assert verify(s.db).returncode == 0


def anchor_writes(c):
    r = c.get("/metrics")
    assert r.status == 200, r.status
    for line in r.raw.decode().splitlines():
        if line.startswith("xunji_audit_anchor_writes_total "):
            return int(line.split()[1])
    raise AssertionError("xunji_audit_anchor_writes_total missing")


@test
def the_anchor_writer_waits_its_interval_and_a_clean_stop_writes_the_rest():
    """audit_anchor_interval_ms: after a write the server's anchor writer waits
    the interval before the next one, so steady commits cost a few anchor writes
    a second; the anchor may lag the head meanwhile (verify allows it: it is
    never ahead) and a clean stop writes what is still pending."""
    import time
    from lib import Server
    with Server({"audit_anchor_interval_ms": 60000}) as s:
        unit1, anon = s.client("unit1"), s.client()
        assert unit1.get("/api/v1/users").status == 403  # an audited denial: the head moves
        deadline = time.monotonic() + 30
        while anchor_writes(anon) < 1:  # the first write after a quiet spell is not delayed
            assert time.monotonic() < deadline, "the first anchor was never written"
            time.sleep(0.05)
        first_seq = int(open(s.anchor_file).read().split()[0])
        for _ in range(10):
            assert unit1.get("/api/v1/users").status == 403
        time.sleep(0.3)
        # within the interval: no second write, the anchor lags the head, and that verifies
        assert anchor_writes(anon) == 1
        seq, _, _ = head(s.db)
        assert first_seq < seq, (first_seq, seq)
        assert int(open(s.anchor_file).read().split()[0]) == first_seq
        assert verify(s.db).returncode == 0
        s.stop()  # a clean stop does not wait out the interval
        seq, h, _ = head(s.db)
        with open(s.anchor_file) as f:
            assert f.read().split()[:2] == [str(seq), h]
        assert verify(s.db).returncode == 0
