"""`xunji db copy` between SQLite files (issue 16; the PostgreSQL directions
are tests/api/pg_copy.py): records made through the API are there on the
copy, with their ids, the sealed allegation (same key), a chain that
`audit verify` accepts and aggregates that `stats --verify` accepts; a
target that holds data is refused and left as it was."""
import os
import sqlite3

from copy_fixture import CopiedServer, check_records, copy, make_records, verify_cli
from lib import Server, run_cli, test


@test
def a_copy_serves_the_same_records_and_verifies():
    with Server() as s:
        want = make_records(s)
        s.stop()
        dst = os.path.join(s.dir, "copy.db")
        p = copy(s.db, dst)
        assert "已将主密钥复制为" in p.stdout, p.stdout
        verify_cli(dst)
        with CopiedServer(s, dst, {}) as t:
            check_records(t, want)
        verify_cli(dst)  # the chain went on on the copy


@test
def a_target_with_data_is_refused_and_left_alone():
    with Server() as s, Server() as other:
        s.stop()
        other.stop()
        before = sqlite3.connect(other.db).execute("SELECT count(*), max(seq) FROM audit").fetchone()
        p = copy(s.db, other.db, check=False, env={"XUNJI_AUDIT_ANCHOR": os.path.join(s.dir, "x.anchor")})
        assert p.returncode == 1 and "目标数据库不为空" in p.stderr, (p.stdout, p.stderr)
        after = sqlite3.connect(other.db).execute("SELECT count(*), max(seq) FROM audit").fetchone()
        assert before == after
        # and a usage error names the options
        u = run_cli("db", "copy", "--from", s.db, check=False)
        assert u.returncode == 2 and "--to" in u.stderr
