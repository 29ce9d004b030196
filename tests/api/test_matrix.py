"""The role x endpoint matrix, generated from the server's own route table
(`xunji routes`): every role is tried on every route. Function-level denials
must be 403 before any handler runs; nothing may ever answer 500; record-level
visibility of a clue follows the policy (404 for what one may not see)."""
import json
import os
import re
import sys

from lib import Server, expect, run_cli, test, today_shanghai

LOGIN = {"leading_group": "lg", "inspection_office": "office", "team_leader": "leader1",
         "team_member": "member1", "commission_liaison": "liaison", "case_mgmt": "casemgmt",
         "petitions": "petitions", "conduct": "conduct", "investigation": "investigation",
         "verification_team": "verification", "commission_cadre": "cadre", "dispatched_group": "dispatched1",
         "unit_liaison": "unit1", "organization_dept": "orgdept", "sysadmin": "sysadmin", "secadmin": "secadmin", "auditadmin": "auditadmin"}

BUSINESS = {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
            "case_mgmt", "petitions", "conduct", "investigation", "verification_team", "commission_cadre",
            "organization_dept"}
ALL = set(LOGIN)
# The policy, stated a second time on purpose (src/core/authz.c is the first).
EXPECTED = {
    "self": ALL,
    "org.list": BUSINESS | {"dispatched_group", "unit_liaison", "sysadmin"},
    "org.write": {"sysadmin", "inspection_office"},  # by kind: the office inspected units, sysadmin the rest
    "person.list": {"inspection_office", "commission_cadre", "leading_group", "sysadmin"},
    "person.write": {"inspection_office", "commission_cadre", "sysadmin"},
    # issue 11: the cadre pool's content is business data; sysadmin keeps the directory only
    "pool.read": {"inspection_office", "commission_cadre", "leading_group"},
    "user.list": {"sysadmin", "secadmin"},
    "user.write": {"sysadmin"},
    "role.grant": {"secadmin"},
    "audit.read": {"auditadmin"},
    "round.list": BUSINESS | {"dispatched_group"},
    "round.write": {"inspection_office"},
    "team.list": BUSINESS | {"dispatched_group"},
    "team.write": {"inspection_office"},
    "target.list": BUSINESS | {"dispatched_group", "unit_liaison"},
    "target.write": {"inspection_office"},
    "clue.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                  "case_mgmt", "investigation", "conduct", "petitions", "verification_team"},
    "clue.create": {"team_leader", "team_member"},
    "clue.edit": {"team_leader", "team_member"},
    # issue 3: patrol programme
    "vetting.list": {"inspection_office", "commission_cadre", "leading_group"},
    "vetting.request": {"inspection_office"},
    "vetting.answer": {"commission_cadre"},
    "recusal.list": {"inspection_office", "commission_cadre", "leading_group"},
    "recusal.exception": {"leading_group"},
    "briefing.list": {"inspection_office", "leading_group", "team_leader", "team_member", "dispatched_group",
                      "petitions", "case_mgmt", "conduct"},
    "briefing.request": {"inspection_office"},
    "briefing.answer": {"inspection_office", "dispatched_group", "petitions", "case_mgmt", "conduct"},
    "petition.read": {"inspection_office", "leading_group", "team_leader", "team_member"},
    "petition.create": {"team_leader", "team_member"},
    # issue 18: the second person of a reporter's reveal (the reveal_approver setting narrows it to one)
    "reveal.approve": {"leading_group", "commission_liaison"},
    "match.suggest": {"inspection_office"},
    "movement.list": {"inspection_office", "commission_cadre", "leading_group"},
    "movement.write": {"inspection_office", "commission_cadre"},
    # issue 4: findings to rectification
    "category.write": {"inspection_office"},
    "problem.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                     "conduct", "case_mgmt", "verification_team", "organization_dept", "dispatched_group",
                     "unit_liaison"},
    "problem.papers": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                       "conduct", "verification_team"},
    "problem.create": {"team_leader", "team_member"},
    "problem.edit": {"team_leader", "team_member"},
    "report.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                    "conduct", "case_mgmt", "verification_team", "organization_dept", "dispatched_group",
                    "unit_liaison"},
    "report.write": {"team_leader", "team_member"},
    "rect.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                  "conduct", "dispatched_group", "unit_liaison"},
    "rect.write": {"unit_liaison"},
    "notice.read": {"leading_group", "inspection_office", "team_leader", "commission_liaison",
                    "dispatched_group", "unit_liaison"},
    "notice.issue": {"inspection_office"},
    "supervision.ack": {"dispatched_group"},
    "supervision.note": {"dispatched_group"},
    "supervision.read": {"leading_group", "inspection_office", "commission_liaison", "dispatched_group"},
    # issue 6: statistics, ledgers, formal letters
    "stats.read": {"leading_group", "inspection_office", "commission_liaison", "team_leader", "team_member",
                   "dispatched_group"},
    "ledger.export": {"leading_group", "inspection_office", "commission_liaison", "team_leader", "team_member",
                      "dispatched_group"},
    "document.read": {"leading_group", "inspection_office", "commission_liaison", "case_mgmt", "commission_cadre",
                      "unit_liaison"},
    "document.issue": {"inspection_office"},
    # issue 5: discipline side
    "assistance.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                        "case_mgmt", "investigation", "verification_team", "conduct"},
    "assistance.write": {"team_leader", "team_member"},
    "clue.outcome": {"case_mgmt", "investigation"},
    "accountability.read": {"leading_group", "inspection_office", "team_leader", "team_member",
                            "commission_liaison", "conduct", "case_mgmt", "investigation", "verification_team",
                            "dispatched_group"},
    "accountability.write": {"conduct", "case_mgmt", "investigation"},
    "review.read": {"leading_group", "inspection_office", "team_leader", "team_member", "commission_liaison",
                    "verification_team", "conduct"},
    "review.write": {"verification_team"},
    # issue 11: accounts
    "token.revoke": {"sysadmin", "secadmin"},
    "reset.read": {"sysadmin", "secadmin"},
    "reset.approve": {"secadmin"},
    "security.read": {"sysadmin", "secadmin", "auditadmin"},
    "security.write": {"secadmin"},
}


def routes():
    return json.loads(run_cli("routes").stdout)


FIXED_ID = "00000000-0000-7000-8000-000000000001"  # exists nowhere: answers are stable
TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "matrix.tsv")
COLUMNS = ["anonymous"] + list(LOGIN.values())


def concrete(pattern, verb="verify"):
    out = pattern.replace("{verb}", verb)
    out = re.sub(r"\{(?!id\})[a-z_]+\}", "verify", out)  # other named segments ({measure}, {name})
    return out.replace("{id}", FIXED_ID)


def cases(table):
    """(method, path, action) for every route and lifecycle verb, in table order."""
    for rt in table:
        if rt["public"] or rt["pattern"] == "/api/v1/auth/logout":
            continue  # logout is tried last, below
        for verb in [v["verb"] for v in rt.get("verbs", [])] or ["verify"]:
            yield rt["method"], concrete(rt["pattern"], verb), rt["action"]


def observe(s, table):
    """Every role (and no one) on every route: {(method, path): {column: status}}."""
    clients = {login: s.client(login) for login in LOGIN.values()}
    clients["anonymous"] = s.client()
    seen = {}
    for method, path, _ in cases(table):
        body = {} if method in ("POST", "PATCH", "PUT") else None
        row = {}
        for col in COLUMNS:
            r = clients[col].request(method, path, body)
            assert r.status != 500, (col, method, path, r)
            row[col] = r.status
        seen[(method, path)] = row
    return clients, seen


def read_table():
    want = {}
    with open(TABLE, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        assert head == ["method", "path"] + COLUMNS, f"{TABLE}: unexpected columns {head}"
        for line in f:
            cells = line.rstrip("\n").split("\t")
            want[(cells[0], cells[1])] = dict(zip(COLUMNS, map(int, cells[2:])))
    return want


def write_table(seen):
    with open(TABLE, "w", encoding="utf-8") as f:
        f.write("\t".join(["method", "path"] + COLUMNS) + "\n")
        for (method, path), row in seen.items():
            f.write("\t".join([method, path] + [str(row[c]) for c in COLUMNS]) + "\n")


@test
def every_role_on_every_route():
    """The expected status of every role on every route is the checked-in
    table tests/api/matrix.tsv, written once by `python3 tests/api/test_matrix.py
    --write` and reviewed in its diff; the server must answer exactly that.
    The table itself must agree with the policy stated above: a role outside
    a route's action answers 403 forbidden, no one anonymous gets past 401."""
    table = routes()
    assert len(table) >= 40
    for rt in table:
        assert rt["action"] in EXPECTED, f"test does not know action {rt['action']}"
    want = read_table()
    role_of = {login: role for role, login in LOGIN.items()}
    for method, path, action in cases(table):
        assert (method, path) in want, f"{method} {path} is not in {TABLE}: regenerate and review"
        row = want[(method, path)]
        assert row["anonymous"] == 401, (method, path, row)
        for login in LOGIN.values():
            if role_of[login] not in EXPECTED[action]:
                assert row[login] == 403, f"table lets {login} past {action} on {method} {path}: {row}"
    with Server() as s:
        clients, seen = observe(s, table)
        assert set(seen) == set(want), f"routes gone from the server but still in {TABLE}: {set(want) - set(seen)}"
        diffs = [(k, c, want[k][c], v[c]) for k, v in seen.items() for c in COLUMNS if v[c] != want[k][c]]
        assert not diffs, "status differs from matrix.tsv (route, login, want, got): " + repr(diffs[:20])
        for login in LOGIN.values():
            c = clients[login]
            expect(c.post("/api/v1/auth/logout"), 200)
            expect(c.get("/api/v1/me"), 401)
        # every function-level denial was audited
        assert s.sql("SELECT count(*) FROM audit WHERE result='denied'")[0][0] > 100


@test
def entity_routes_carry_their_descriptor_actions():
    table = {(r["method"], r["pattern"]): r["action"] for r in routes()}
    for path, name in (("orgs", "org"), ("persons", "person"), ("rounds", "round"), ("teams", "team"),
                       ("targets", "target")):
        assert table[("GET", f"/api/v1/{path}")] == f"{name}.list"
        assert table[("GET", f"/api/v1/{path}/{{id}}")] == f"{name}.list"
        assert table[("POST", f"/api/v1/{path}")] == f"{name}.write"
        assert table[("PATCH", f"/api/v1/{path}/{{id}}")] == f"{name}.write"


@test
def record_level_visibility_of_a_clue_by_role():
    with Server() as s:
        clients = {role: s.client(login) for role, login in LOGIN.items()}
        t1 = s.ids["targets"]["u1"]
        r = expect(clients["team_member"].post("/api/v1/clues", {
            "target_id": t1, "title": "矩阵测试线索", "subject_name": "甲", "source": "interview",
            "discovered_on": today_shanghai(), "allegation": "内容"}), 201)
        cid = r.json["id"]
        other_team = s.client("member2")

        def status(role_client):
            return role_client.get(f"/api/v1/clues/{cid}").status

        draft_visible = {"leading_group", "inspection_office", "team_leader", "team_member"}
        for role, c in clients.items():
            want = 200 if role in draft_visible else (404 if role in EXPECTED["clue.read"] else 403)
            assert status(c) == want, (role, status(c), want)
        assert status(other_team) == 404
        expect(clients["team_leader"].post(f"/api/v1/clues/{cid}/verify"), 200)
        expect(clients["inspection_office"].post(f"/api/v1/clues/{cid}/handover"), 200)
        for role, c in clients.items():
            want = 200 if role in EXPECTED["clue.read"] else 403
            assert status(c) == want, (role, status(c), want)
        assert status(other_team) == 404
        # who may read the allegation once handed over
        sees = {role for role, c in clients.items() if "allegation" in (c.get(f"/api/v1/clues/{cid}").json or {})}
        assert sees == {"inspection_office", "team_leader", "team_member", "commission_liaison", "case_mgmt",
                        "investigation", "verification_team"}, sees
        # the transition verbs: only the named role may move it
        for role, c in clients.items():
            if role == "case_mgmt":
                continue
            r = c.post(f"/api/v1/clues/{cid}/register")
            assert r.status in (403, 404), (role, r)
        expect(clients["case_mgmt"].post(f"/api/v1/clues/{cid}/register"), 200)


@test
def must_change_password_blocks_everything_but_the_change():
    with Server() as s:
        c = s.client("office", change=False)
        expect(c.get("/api/v1/clues"), 403, "password_change_required")
        expect(c.get("/api/v1/rounds"), 403, "password_change_required")
        me = expect(c.get("/api/v1/me"), 200).json
        assert me["must_change_password"] is True
        expect(c.post("/api/v1/auth/password", {"old_password": s.passwords["office"], "new_password": "short"}),
               400, "weak_password")
        expect(c.post("/api/v1/auth/password", {"old_password": s.passwords["office"],
                                                "new_password": "Patrol-Strong#2026x"}), 200)
        expect(c.get("/api/v1/rounds"), 200)


if __name__ == "__main__" and "--write" in sys.argv:
    # Regenerates matrix.tsv from what the server answers now. Review the diff:
    # every changed cell is a change of who may do what.
    with Server() as srv:
        write_table(observe(srv, routes())[1])
    print(f"wrote {TABLE}")
