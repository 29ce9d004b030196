"""copy_fixture.py — what the `xunji db copy` tests share (issue 16;
tests/api/test_db_copy.py on SQLite files, tests/api/pg_copy.py to
PostgreSQL and back): records made through the API on a demo server, a
server on a copied database, and the checks that the copy holds the same
records (a sealed allegation read back in clear with the same key), a chain
that `xunji audit verify` accepts and aggregates that `xunji stats --verify`
accepts."""
import os
import tempfile

from lib import Server, expect, run_cli, today_shanghai

ALLEGATION = "反映该单位会计将公款存入个人账户, 涉及金额约12万元。COPY-CANARY-5d1e"


class CopiedServer(Server):
    """`xunji serve` on an existing database (a copy's target): no init."""

    def __init__(self, first, db, env):  # noqa: super().__init__ would make a new database
        self.bin = first.bin
        self.env = dict(env)
        self.dir = tempfile.mkdtemp(prefix="xunji-api-")
        self.db = db
        self.pg_name = None
        self.settings = {}
        self.proc = None
        self.port = None
        self.cleanup = True
        self.accounts, self.ids, self.passwords = first.accounts, first.ids, first.passwords
        self.production_kdf = False


def make_records(s):
    """A person, a clue with a sealed allegation, verified and handed over
    (a 文号): returns what the target must show."""
    office, m1, l1 = s.client("office"), s.client("member1"), s.client("leader1")
    pid = expect(office.post("/api/v1/persons", {"name": "复制甲", "post": "科员",
                                                 "org_id": s.ids["orgs"]["orgdept"]}), 201).json["id"]
    cid = expect(m1.post("/api/v1/clues", {
        "target_id": s.ids["targets"]["u1"], "title": "复制测试线索", "subject_name": "李某某",
        "subject_post": "会计", "source": "records", "discovered_on": today_shanghai(),
        "allegation": ALLEGATION}), 201).json["id"]
    expect(l1.post(f"/api/v1/clues/{cid}/verify", {}), 200)
    docno = expect(office.post(f"/api/v1/clues/{cid}/handover", {}), 200).json["handover_docno"]
    return {"person": expect(office.get(f"/api/v1/persons/{pid}"), 200).json,
            "clue": expect(l1.get(f"/api/v1/clues/{cid}"), 200).json,
            "persons": expect(office.get("/api/v1/persons?per_page=200"), 200).json,
            "stats": expect(s.client("lg").get("/api/v1/stats"), 200).json,
            "docno": docno}


def check_records(t, want):
    """The target server t shows the records as the source did; a new write
    there gets a new id and the chain goes on."""
    office, l1 = t.client("office"), t.client("leader1")
    p = want["person"]
    assert expect(office.get(f"/api/v1/persons/{p['id']}"), 200).json == p
    c = expect(l1.get(f"/api/v1/clues/{want['clue']['id']}"), 200).json
    assert c["allegation"] == ALLEGATION, c  # the sealed field, copied as ciphertext, opens
    assert c["handover_docno"] == want["docno"]
    assert c == want["clue"] | {k: c[k] for k in c if k not in want["clue"]}, (c, want["clue"])
    assert expect(office.get("/api/v1/persons?per_page=200"), 200).json["items"] == want["persons"]["items"]
    assert expect(t.client("lg").get("/api/v1/stats"), 200).json == want["stats"]
    # the copy goes on: a new record is written (its audit entry follows the copied chain)
    new = expect(office.post("/api/v1/persons", {"name": "复制乙", "post": "科员",
                                                 "org_id": t.ids["orgs"]["orgdept"]}), 201).json["id"]
    assert new != p["id"]


def verify_cli(db, env=None):
    v = run_cli("audit", "verify", db=db, check=False, env=env)
    assert v.returncode == 0 and v.stdout.startswith("OK"), (v.stdout, v.stderr)
    st = run_cli("stats", "--verify", db=db, check=False, env=env)
    assert st.returncode == 0 and "汇总表与记录一致" in st.stdout, (st.stdout, st.stderr)


def copy(src, dst, env=None, check=True):
    p = run_cli("db", "copy", "--from", src, "--to", dst, check=False, env=env)
    if check:
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert "各表行数与源一致" in p.stdout and "审计链 OK" in p.stdout, p.stdout
        assert "汇总表与记录一致" in p.stdout, p.stdout
    return p


def audit_count(server_sql):
    return server_sql("SELECT count(*) FROM audit")[0][0]


def path_in(d, name):
    return os.path.join(d, name)
