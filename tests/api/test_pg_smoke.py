"""PostgreSQL smoke test (issue 16), part of `make check` when PostgreSQL is
installed: a throwaway cluster (tests/api/pg.py), `xunji init --demo` into a
database of it, a server on it; sign in, create and list a record, an audited
write, a conflict (If-Match), the 文号 sequence, and `xunji audit verify`
on the database. The whole API suite against PostgreSQL is `make check-long`
(tests/api/pg_modules.txt, docs/deployment.md).

Without PostgreSQL (no /usr/lib/postgresql/*/bin/initdb or psql) the test
says so on its line and passes, except under CI (CI=true), where .ci/run
installs it (scripts/deps.sh) and its absence is a failure."""
import os

import lib
import pg
from lib import Server, expect, run_cli, test

if pg.available():
    lib.PG = True  # this module's servers run on PostgreSQL (one module, one process)


@test
def postgresql_init_sign_in_write_list_audit_verify():
    if not pg.available():
        assert not os.environ.get("CI"), "PostgreSQL 未安装: CI 中 scripts/deps.sh 应已安装 postgresql"
        print("     (跳过: 本机没有 PostgreSQL — bash scripts/deps.sh 安装 postgresql)")
        return
    with Server() as s:
        assert s.db.startswith("postgresql://"), s.db
        h = expect(lib.Client(s).get("/healthz"), 200).json
        assert h["backend"] == "postgresql" and h["schema"] > 0, h
        office = s.client("office")
        o = s.ids["orgs"]
        before = expect(office.get("/api/v1/persons?per_page=200"), 200).json
        pid = expect(office.post("/api/v1/persons", {"name": "赵冒烟", "post": "科员", "org_id": o["orgdept"]}),
                     201).json["id"]
        listed = expect(office.get("/api/v1/persons?per_page=200"), 200).json
        assert any(p["id"] == pid and p["name"] == "赵冒烟" for p in listed["items"]), listed
        assert len(listed["items"]) == len(before["items"]) + 1
        # optimistic concurrency: a stale version is a 409, the current one passes
        cur = expect(office.get(f"/api/v1/persons/{pid}"), 200)
        etag = cur.header("ETag")
        assert etag, cur
        expect(office.patch(f"/api/v1/persons/{pid}", {"post": "副科长"}, headers={"If-Match": etag}), 200)
        expect(office.patch(f"/api/v1/persons/{pid}", {"post": "科长"}, headers={"If-Match": etag}), 409)
        # the write is in the audit chain, and the chain verifies on the database
        rows = s.sql("SELECT action, result FROM audit WHERE object_id = ? ORDER BY seq", (pid,))
        assert rows and all(r[1] == "ok" for r in rows), rows
        assert len(s.sql("SELECT 1 FROM audit")) > 0
        s.stop()
        v = run_cli("audit", "verify", db=s.db, check=False)
        assert v.returncode == 0 and "OK" in v.stdout, (v.stdout, v.stderr)
