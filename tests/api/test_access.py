"""Issue 18 item 2, access that ends (SECURITY.md 身份鉴别 and 访问控制 rows):
a grant with an end date is refused after it; a team member's grant ends
when the round is closed (team dissolved) or the member is replaced; a unit
liaison's grant ends with the round's close; secadmin lists ended grants
(audited); an expired password allows only the change call; an account
unused for account_dormant_days is disabled at sign-in (三员 excluded).
The rule is evaluated from the data whenever grants are loaded."""
import subprocess

from lib import Server, expect, test, days_from_today, run_cli, NEW_PASSWORD


def person(office, name, org=None):
    body = {"name": name}
    if org:
        body["org_id"] = org
    return expect(office.post("/api/v1/persons", body), 201).json["id"]


def new_round(office, name, seq):
    return expect(office.post("/api/v1/rounds", {"name": name, "term": "八届", "seq": seq}), 201).json["id"]


def new_team(office, rnd, name="第一巡察组"):
    return expect(office.post("/api/v1/teams", {"round_id": rnd, "name": name}), 201).json["id"]


def add_member(office, team, pid, src):
    return office.post(f"/api/v1/teams/{team}/members", {"person_id": pid, "role": "member",
                                                         "origin": "seconded", "source_unit_id": src})


def vet_all(s, rnd):
    office, cadre = s.client("office"), s.client("cadre")
    expect(office.post(f"/api/v1/rounds/{rnd}/vetting"), 200)
    for v in expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&state=pending&per_page=100"), 200).json["items"]:
        expect(cadre.post(f"/api/v1/vettings/{v['id']}/answer", {"result": "clear"}), 200)


def roles_of(c):
    return [g["role"] for g in expect(c.get("/api/v1/me"), 200).json["roles"]]


def account(s, login, pid=None, role=None, scope=None, ends_on=None):
    admin, sec = s.client("sysadmin"), s.client("secadmin")
    body = {"login": login, "display_name": login}
    if pid:
        body["person_id"] = pid
    u = expect(admin.post("/api/v1/users", body), 201).json
    if role:
        g = {"role": role}
        if scope:
            g["scope_id"] = scope
        if ends_on:
            g["ends_on"] = ends_on
        expect(sec.post(f"/api/v1/users/{u['id']}/roles", g), 201)
    s.passwords[login] = u["one_time_password"]
    return u["id"]


def ended(s, reason=None):
    items = expect(s.client("secadmin").get("/api/v1/grants?ended=true"), 200).json["items"]
    return {(g["login"], g["role"], g["reason"]) for g in items if reason is None or g["reason"] == reason}


@test
def a_grant_with_an_end_date_is_refused_after_it():
    with Server() as s:
        uid = account(s, "temp1", role="case_mgmt", ends_on=days_from_today(2))
        sec = s.client("secadmin")
        g = expect(sec.get(f"/api/v1/users/{uid}/roles"), 200).json["items"][0]
        assert g["ends_at"] and g["ended_at"] is None
        # not in the past, and a date
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "conduct", "ends_on": days_from_today(-1)}),
               400, "invalid_field")
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "conduct", "ends_on": "2026-13-01"}), 400)
        t = s.client("temp1")
        assert roles_of(t) == ["case_mgmt"]
        expect(t.get("/api/v1/clues"), 200)
        live = expect(sec.get("/api/v1/grants?ended=false"), 200).json["items"]
        assert [x["login"] for x in live] == ["temp1"]
        # the end date is bound into the grant's tag: moving it in the database voids the grant
        s.sql_write("UPDATE user_roles SET ends_at='2099-01-01T00:00:00Z' WHERE user_id=?", (uid,))
        assert roles_of(t) == []
        s.sql_write("UPDATE user_roles SET ends_at=? WHERE user_id=?", (g["ends_at"], uid))
        assert roles_of(t) == ["case_mgmt"]
        s.shift_clock(3, t)
        sec = s.client("secadmin")
        assert roles_of(t) == []                       # only A_SELF routes are left
        expect(t.get("/api/v1/clues"), 403)
        expect(t.get("/api/v1/messages"), 200)
        assert ended(s) == {("temp1", "case_mgmt", "expired")}
        # recorded once, audited once
        expect(t.get("/api/v1/me"), 200)
        rows = s.sql("SELECT detail FROM audit WHERE action='role.end' AND object_id=?", (uid,))
        assert len(rows) == 1 and '"expired"' in rows[0][0]
        assert s.sql("SELECT end_reason FROM user_roles WHERE user_id=?", (uid,)) == [("expired",)]
        assert s.sql("SELECT count(*) FROM audit WHERE action='grant.list'")[0][0] >= 1
        # only secadmin lists them
        expect(s.client("sysadmin").get("/api/v1/grants"), 403)
        expect(s.client("office").get("/api/v1/grants"), 403)
        expect(sec.get("/api/v1/grants?ended=maybe"), 400, "invalid_field")
        # the demo's grants carry no end date and stay
        assert roles_of(s.client("member1")) == ["team_member"]


def walk(s, rnd, verbs):
    office = s.client("office")
    for v in verbs:
        expect(office.post(f"/api/v1/rounds/{rnd}/{v}"), 200)


@test
def closing_the_round_ends_team_and_liaison_grants():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg = s.client("office"), s.client("lg")
        rnd = new_round(office, "八届市委第二十一轮巡察", 21)
        team = new_team(office, rnd)
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [o["u5"]]}), 201)
        pid = person(office, "冯借调", o["orgdept"])
        expect(add_member(office, team, pid, src=o["orgdept"]), 201)
        account(s, "fengjd", pid, role="team_member", scope=team)
        account(s, "liaison5", role="unit_liaison", scope=o["u5"])
        vet_all(s, rnd)
        expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
        walk(s, rnd, ("mobilize", "enter", "withdraw", "feedback", "rectify"))
        m, u = s.client("fengjd"), s.client("liaison5")
        assert roles_of(m) == ["team_member"] and roles_of(u) == ["unit_liaison"]
        expect(m.get(f"/api/v1/problems?team_id={team}"), 200)
        walk(s, rnd, ("close",))
        assert roles_of(m) == [] and roles_of(u) == []
        expect(m.get("/api/v1/problems"), 403)
        expect(u.get("/api/v1/notices"), 403)
        assert ended(s) == {("fengjd", "team_member", "team_dissolved"), ("liaison5", "unit_liaison", "round_closed")}
        # the demo round is open: its team and liaison keep their grants
        assert roles_of(s.client("member1")) == ["team_member"] and roles_of(s.client("unit1")) == ["unit_liaison"]
        # a new round's liaison grant for the same unit, made after the close, is live
        sec = s.client("secadmin")
        uid = account(s, "liaison5b")
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "unit_liaison", "scope_id": o["u5"]}), 201)
        s.sql_write("UPDATE user_roles SET granted_at='2999-01-01T00:00:00Z' WHERE user_id=?", (uid,))
        assert roles_of(s.client("liaison5b")) == ["unit_liaison"]


@test
def a_replaced_member_is_refused_even_if_granted_again():
    with Server() as s:
        o = s.ids["orgs"]
        office, lg, cadre, sec = s.client("office"), s.client("lg"), s.client("cadre"), s.client("secadmin")
        rnd = new_round(office, "八届市委第二十二轮巡察", 22)
        team = new_team(office, rnd)
        expect(office.post(f"/api/v1/teams/{team}/targets", {"unit_ids": [o["u5"]]}), 201)
        old, new = person(office, "褚病假", o["orgdept"]), person(office, "卫替补", o["orgdept"])
        old_m = expect(add_member(office, team, old, src=o["orgdept"]), 201).json["id"]
        old_uid = account(s, "chubj", old, role="team_member", scope=team)
        vet_all(s, rnd)
        expect(lg.post(f"/api/v1/rounds/{rnd}/approve"), 200)
        walk(s, rnd, ("mobilize", "enter"))
        oc = s.client("chubj")
        assert roles_of(oc) == ["team_member"]
        rq = expect(office.post("/api/v1/replacements", {"team_id": team, "member_id": old_m, "person_id": new,
                                                          "reason": "病假"}), 201).json
        v = expect(cadre.get(f"/api/v1/vettings?round_id={rnd}&person_id={new}"), 200).json["items"]
        expect(cadre.post(f"/api/v1/vettings/{v[0]['id']}/answer", {"result": "clear"}), 200)
        expect(lg.post(f"/api/v1/replacements/{rq['id']}/approve"), 200)
        assert roles_of(oc) == []
        # granting the replaced member the team again does not bring the access back
        expect(sec.post(f"/api/v1/users/{old_uid}/roles", {"role": "team_member", "scope_id": team}), 201)
        oc = s.client("chubj")
        assert roles_of(oc) == []
        expect(oc.get("/api/v1/problems"), 403)
        assert ("chubj", "team_member", "replaced") in ended(s)


@test
def an_expired_password_allows_only_the_change():
    with Server(settings={"password_max_age_days": 30, "account_dormant_days": 0}) as s:
        m = s.client("member1")
        expect(m.get("/api/v1/problems"), 200)
        s.shift_clock(29, m)
        expect(m.get("/api/v1/problems"), 200)
        s.shift_clock(31, m)
        r = expect(m.get("/api/v1/me"), 200).json
        assert r["must_change_password"] is True
        expect(m.get("/api/v1/problems"), 403, "password_change_required")
        expect(m.post("/api/v1/auth/password", {"old_password": NEW_PASSWORD, "new_password": "Another-Pass-2026"}), 200)
        expect(m.get("/api/v1/problems"), 200)


@test
def an_unused_account_is_disabled_at_sign_in_but_not_the_three_admins():
    with Server(settings={"account_dormant_days": 10, "password_max_age_days": 0}) as s:
        for who in ("member1", "member2", "secadmin", "sysadmin"):
            s.client(who)
        s.shift_clock(9)
        s.client("member2")                              # used within the period
        s.shift_clock(11)
        r = s.client().post("/api/v1/auth/login", {"login": "member1", "password": NEW_PASSWORD})
        expect(r, 401, "login_failed")                   # the same answer as any failed sign-in
        assert s.sql("SELECT disabled FROM users WHERE login='member1'") == [(1,)]
        rows = s.sql("SELECT actor_login, result, detail FROM audit WHERE action='user.dormant'")
        assert len(rows) == 1 and '"dormant"' in rows[0][2]
        assert '"dormant"' in s.sql("SELECT detail FROM audit WHERE action='auth.login' AND result='failed' "
                                    "ORDER BY seq DESC LIMIT 1")[0][0]
        s.client("member2")                              # last used 2 days ago
        admin = s.client("sysadmin")                     # 三员 are excluded
        s.client("secadmin")
        # re-enabled by sysadmin: the period starts again
        uid = s.sql("SELECT id FROM users WHERE login='member1'")[0][0]
        expect(admin.patch(f"/api/v1/users/{uid}", {"disabled": False}), 200)
        s.client("member1")


@test
def caches_never_delay_a_revocation():
    """Issue 15: the verified grant-tag cache (row_tag_ok) and every other
    per-request shortcut leave revocation immediate: right after cached
    successes, a removed grant, a revoked token and a disabled user are
    refused at the very next request."""
    s = Server()
    s.cleanup = False
    p = run_cli("user", "token", "office", "--name", "缓存测试", "--days", "30", db=s.db)
    otoken = p.stdout.strip().splitlines()[0]
    try:
        with s:
            m, o = s.client("member1"), s.client()
            o.bearer = otoken
            for _ in range(3):  # warm: the grant row's tag is verified once, then served from the cache
                expect(m.get("/api/v1/clues"), 200)
                assert roles_of(m) == ["team_member"], roles_of(m)
                expect(o.get("/api/v1/rounds"), 200)
            # a removed grant
            sec = s.client("secadmin")
            uid = s.accounts["member1"]["id"]
            g = expect(sec.get(f"/api/v1/users/{uid}/roles"), 200).json["items"][0]
            s.sql_write("CREATE TABLE saved_grant AS SELECT * FROM user_roles WHERE id=?", (g["id"],))
            expect(sec.request("DELETE", f"/api/v1/users/{uid}/roles/{g['id']}"), 200)
            r = m.get("/api/v1/clues")
            assert r.status in (401, 403), r  # refused (the grant change also ends the session)
            m = s.client("member1")
            expect(m.get("/api/v1/clues"), 403)
            assert roles_of(m) == []
            # the removed row put back by an insider with another tag: the cache knows the
            # row's content with its true tag only, so this is verified afresh and refused
            cols = "id, user_id, role, scope_kind, scope_id, tag, granted_by, granted_at"
            s.sql_write(f"INSERT INTO user_roles({cols}) SELECT {cols} FROM saved_grant")
            s.sql_write("UPDATE user_roles SET tag=? WHERE id=?", ("0" * 64, g["id"]))
            expect(m.get("/api/v1/clues"), 403)
            assert roles_of(m) == []
            assert "完整性校验失败" in s.server_log()
            s.sql_write("UPDATE user_roles SET tag=(SELECT tag FROM saved_grant) WHERE id=?", (g["id"],))
            assert roles_of(m) == ["team_member"]  # the true row again: accepted
            # a revoked token (the holder revokes it in the UI's session)
            oc = s.client("office")
            tid = [t for t in expect(oc.get("/api/v1/me/tokens"), 200).json["items"] if t["name"] == "缓存测试"][0]["id"]
            expect(o.get("/api/v1/rounds"), 200)
            expect(oc.request("DELETE", f"/api/v1/me/tokens/{tid}"), 200)
            expect(o.get("/api/v1/rounds"), 401)
            # a disabled user: member2's session, warm, then disabled
            m2 = s.client("member2")
            for _ in range(3):
                expect(m2.get("/api/v1/clues"), 200)
            sa = s.client("sysadmin")
            u2 = s.accounts["member2"]["id"]
            expect(sa.patch(f"/api/v1/users/{u2}", {"disabled": True}), 200)
            expect(m2.get("/api/v1/clues"), 401)
    finally:
        subprocess.run(["rm", "-rf", s.dir])
