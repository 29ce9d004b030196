"""The audit anchor held in the database (issue 16, migration 026): two xunji
servers on one PostgreSQL, each with its own anchor file, write the same
anchor rows (audit_anchors); the anchor follows the head and `audit verify`
passes. Then the audit table and its head are rolled back together to an
earlier, correctly sealed state (triggers disabled through psql, the head row
restored from a saved copy) and verified with an anchor file of that earlier
time, so that only the database's anchor can tell: verify fails and says so.
Deleting every anchor row is caught too.

PostgreSQL tier (tests/api/pg_modules.txt). Without PostgreSQL the test says so
and passes, except under CI."""
import os
import shutil

import lib
import pg
from lib import Server, expect, run_cli, test
from pg_fixture import SecondServer

if pg.available():
    lib.PG = True


def person(c, name, org):
    return expect(c.post("/api/v1/persons", {"name": name, "post": "科员", "org_id": org}), 201).json["id"]


def psql(s, sql):
    return pg.psql(lib.pg_sockdir(), s.pg_name, "SET search_path = public, sqlite_compat; " + sql)


@test
def two_servers_share_one_anchor_and_a_rollback_is_caught():
    if not pg.available():
        assert not os.environ.get("CI"), "PostgreSQL 未安装: CI 中 scripts/deps.sh 应已安装 postgresql"
        print("     (跳过: 本机没有 PostgreSQL — bash scripts/deps.sh 安装 postgresql)")
        return
    with Server() as s:
        with SecondServer(s, own_anchor=True) as s2:
            o = s.ids["orgs"]["orgdept"]
            a, b = s.client("office"), s2.client("office")
            for i in range(4):
                person(a if i % 2 else b, f"锚点{i}", o)
            pids = {s.proc.pid, s2.proc.pid}
        s.stop()  # both anchor writers flushed
        head = [int(x) for x in psql(s, "SELECT seq FROM audit_head")[0]][0]
        rows = psql(s, "SELECT seq, holder FROM audit_anchors ORDER BY seq")
        assert int(rows[-1][0]) == head, (rows, head)  # the anchor caught up with the head
        holders = {int(h.rsplit(":", 1)[1]) for _, h in rows}
        assert pids <= holders, (pids, holders)  # both servers wrote it
        v = run_cli("audit", "verify", db=s.db, check=False)
        assert v.returncode == 0 and v.stdout.startswith("OK"), (v.stdout, v.stderr)

        # an earlier, correctly sealed state: the head row and an anchor file of that time
        saved = psql(s, "SELECT seq, hash, anchored, mac FROM audit_head")[0]
        old_anchor = os.path.join(s.dir, "old.audit-anchor")
        shutil.copy(s.env["XUNJI_AUDIT_ANCHOR"], old_anchor)
        with SecondServer(s, own_anchor=True) as s2:
            for i in range(3):
                person(s2.client("office"), f"锚点后{i}", o)
        top = int(psql(s, "SELECT max(seq) FROM audit_anchors")[0][0])
        assert top > int(saved[0])
        # roll the table and its head back together (nobody needs the key for that)
        psql(s, "ALTER TABLE audit DISABLE TRIGGER USER; "
                f"DELETE FROM audit WHERE seq > {int(saved[0])}; "
                f"UPDATE audit_head SET seq={int(saved[0])}, hash='{saved[1]}', anchored={int(saved[2])}, "
                f"mac='{saved[3]}' WHERE id=1; ALTER TABLE audit ENABLE TRIGGER USER")
        env = {"XUNJI_AUDIT_ANCHOR": old_anchor}
        v = run_cli("audit", "verify", db=s.db, check=False, env=env)
        assert v.returncode == 1 and "数据库锚点记录到第" in v.stdout, (v.stdout, v.stderr)
        # without the database's anchor the same rollback passes: it is what catches it
        psql(s, "ALTER TABLE audit_anchors DISABLE TRIGGER USER; "
                f"DELETE FROM audit_anchors WHERE seq > {int(saved[0])}; "
                "ALTER TABLE audit_anchors ENABLE TRIGGER USER")
        v = run_cli("audit", "verify", db=s.db, check=False, env=env)
        assert v.returncode == 0, (v.stdout, v.stderr)
        # deleting every anchor row is caught by the head's record that one was written
        psql(s, "ALTER TABLE audit_anchors DISABLE TRIGGER USER; DELETE FROM audit_anchors; "
                "ALTER TABLE audit_anchors ENABLE TRIGGER USER")
        v = run_cli("audit", "verify", db=s.db, check=False, env=env)
        assert v.returncode == 1 and "审计锚点 (audit_anchors) 缺失" in v.stdout, (v.stdout, v.stderr)
