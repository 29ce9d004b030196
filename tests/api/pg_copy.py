"""`xunji db copy` to PostgreSQL and back (issue 16): a demo SQLite database
with records made through the API is copied into a new PostgreSQL database;
a server on it shows the same records (ids, the sealed allegation with the
same key, statistics), `audit verify` and `stats --verify` pass there; then
the PostgreSQL database is copied back into a new SQLite file and verified
again; a PostgreSQL target that holds data is refused.

PostgreSQL tier (tests/api/pg_modules.txt). The source is an SQLite file
even under tests/api/pg.py (lib.PG is turned off for this module's Server()).
Without PostgreSQL the test says so and passes, except under CI."""
import os

import lib
import pg
from copy_fixture import CopiedServer, check_records, copy, make_records, verify_cli
from lib import Server, test

lib.PG = False  # the source is an SQLite file; the targets are made here


def pg_env(d, tag):
    return {"XUNJI_KEY_FILE": "", "XUNJI_AUDIT_ANCHOR": os.path.join(d, f"{tag}.audit-anchor"),
            "XUNJI_FILES_DIR": os.path.join(d, f"{tag}.files")}


def drop(name):
    pg.psql(lib.pg_sockdir(), "postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)


@test
def sqlite_to_postgresql_and_back():
    if not pg.available():
        assert not os.environ.get("CI"), "PostgreSQL 未安装: CI 中 scripts/deps.sh 应已安装 postgresql"
        print("     (跳过: 本机没有 PostgreSQL — bash scripts/deps.sh 安装 postgresql)")
        return
    with Server() as s:
        want = make_records(s)
        s.stop()
        name, url = lib.pg_new_database()
        try:
            env = pg_env(s.dir, "pg")
            env["XUNJI_KEY_FILE"] = s.db + ".key"  # the source's key serves the target
            copy(s.db, url, env=env)
            verify_cli(url, env=env)
            n_src = lib.Server.sql(s, "SELECT count(*), max(seq) FROM audit")[0]
            rows = pg.psql(lib.pg_sockdir(), name, "SELECT count(*), max(seq) FROM audit")
            assert (int(rows[0][0]), int(rows[0][1])) == tuple(n_src), (rows, n_src)
            # the audit rows byte for byte (hash and the fields it covers)
            sq = [tuple(str(x) for x in r) for r in lib.Server.sql(
                s, "SELECT seq, hash, action, coalesce(object_id,'') FROM audit ORDER BY seq")]
            pq = [tuple(r) for r in pg.psql(lib.pg_sockdir(), name,
                                             "SELECT seq, hash, action, coalesce(object_id,'') FROM audit ORDER BY seq")]
            assert sq == pq
            with CopiedServer(s, url, env) as t:
                check_records(t, want)
            verify_cli(url, env=env)  # the chain went on on PostgreSQL (identity sequences set)
            # refused: the PostgreSQL database holds data now
            p = copy(s.db, url, env=env | {"XUNJI_AUDIT_ANCHOR": os.path.join(s.dir, "other.anchor")},
                     check=False)
            assert p.returncode == 1 and "目标数据库不为空" in p.stderr, (p.stdout, p.stderr)
            # and back: PostgreSQL -> a new SQLite file
            back = os.path.join(s.dir, "back.db")
            copy(url, back, env={"XUNJI_KEY_FILE": s.db + ".key", "XUNJI_AUDIT_ANCHOR": "",
                                 "XUNJI_FILES_DIR": ""})
            verify_cli(back, env={"XUNJI_KEY_FILE": "", "XUNJI_AUDIT_ANCHOR": "", "XUNJI_FILES_DIR": ""})
            want["stats"] = None
            with CopiedServer(s, back, {"XUNJI_KEY_FILE": "", "XUNJI_AUDIT_ANCHOR": "",
                                        "XUNJI_FILES_DIR": ""}) as b:
                office = b.client("office")
                got = lib.expect(office.get(f"/api/v1/persons/{want['person']['id']}"), 200).json
                assert got == want["person"]
                names = [p["name"] for p in lib.expect(office.get("/api/v1/persons?per_page=200"), 200).json["items"]]
                assert "复制乙" in names  # written on PostgreSQL, carried back
                c = lib.expect(b.client("leader1").get(f"/api/v1/clues/{want['clue']['id']}"), 200).json
                assert c["allegation"] == want["clue"]["allegation"]
        finally:
            drop(name)
