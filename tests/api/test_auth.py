"""Sign-in, sessions, tokens, lock-out, password policy, 三员分立 and the
integrity of power-granting rows."""
import json
import subprocess
import time

from lib import NEW_PASSWORD, Server, expect, run_cli, test


@test
def unknown_login_and_wrong_password_look_the_same():
    with Server() as s:
        c = s.client()
        a = expect(c.post("/api/v1/auth/login", {"login": "nobody", "password": "Whatever#2026x"}), 401, "login_failed")
        b = expect(c.post("/api/v1/auth/login", {"login": "office", "password": "Whatever#2026x"}), 401, "login_failed")
        assert a.json == b.json
        expect(c.post("/api/v1/auth/login", {"login": "office"}), 400, "missing_field")
        expect(c.post("/api/v1/auth/login", {"login": "office", "password": 5}), 400, "invalid_field")
        # login is case-folded
        r = expect(c.post("/api/v1/auth/login", {"login": "OFFICE", "password": s.passwords["office"]}), 200)
        assert r.json["user"]["login"] == "office"
        rows = s.sql("SELECT actor_login, result, detail FROM audit WHERE action='auth.login' ORDER BY seq")
        assert ("nobody", "failed", '{"reason":"unknown_login"}') in rows
        assert ("office", "failed", '{"reason":"wrong_password"}') in rows
        assert rows[-1][:2] == ("office", "ok")


@test
def five_failures_lock_the_account_for_fifteen_minutes():
    with Server() as s:
        c = s.client()
        for _ in range(5):
            wrong = expect(c.post("/api/v1/auth/login", {"login": "casemgmt", "password": "Wrong#Password1"}), 401)
        # locked: even the right password gets the very answer of a wrong one (no 423 that
        # would tell which logins exist); the message states the rule
        r = expect(c.post("/api/v1/auth/login", {"login": "casemgmt", "password": s.passwords["casemgmt"]}), 401,
                   "login_failed")
        assert r.raw == wrong.raw and "5 次" in r.json["error"]["message"] and "15 分钟" in r.json["error"]["message"]
        until = s.sql("SELECT locked_until FROM users WHERE login='casemgmt'")[0][0]
        assert 14 * 60 <= until - time.time() <= 15 * 60 + 5
        reasons = [json.loads(d)["reason"] for (d,) in s.sql(
            "SELECT detail FROM audit WHERE action='auth.login' AND actor_login='casemgmt' ORDER BY seq")]
        assert reasons == ["wrong_password"] * 4 + ["wrong_password_locked", "locked"], reasons
        # other accounts are unaffected
        s.client("office")
        # the security administrator's side: sysadmin unlocks (audited)
        sa = s.client("sysadmin")
        uid = s.accounts["casemgmt"]["id"]
        r = expect(sa.patch(f"/api/v1/users/{uid}", {"unlock": True}), 200)
        assert r.json["locked"] is False
        expect(c.post("/api/v1/auth/login", {"login": "casemgmt", "password": s.passwords["casemgmt"]}), 200)


@test
def per_ip_login_throttle():
    with Server({"login_per_ip_minute": 3}) as s:
        c = s.client()
        codes = [c.post("/api/v1/auth/login", {"login": "x", "password": "y"}).status for _ in range(5)]
        assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429], codes


@test
def me_lists_the_actions_of_the_users_grants():
    with Server() as s:
        unit = expect(s.client("unit1").get("/api/v1/me"), 200).json["actions"]
        assert "target.list" in unit and "clue.read" not in unit, unit
        admin = expect(s.client("auditadmin").get("/api/v1/me"), 200).json["actions"]
        assert "audit.read" in admin and "round.list" not in admin, admin


@test
def logout_ends_the_session_and_replay_is_refused():
    with Server() as s:
        c = s.client("office")
        cookie = c.cookie
        me = expect(c.get("/api/v1/me"), 200).json
        # the function-level actions of the user's grants (the UI builds its menu from them)
        assert "clue.handover" in me["actions"] and "round.write" in me["actions"], me["actions"]
        assert "clue.create" not in me["actions"] and "audit.read" not in me["actions"]
        expect(c.post("/api/v1/auth/logout"), 200)
        assert c.cookie is None
        c.cookie = cookie
        expect(c.get("/api/v1/me"), 401)
        assert s.sql("SELECT count(*) FROM sessions")[0][0] == 0
        # the database keeps only a hash of the cookie
        c2 = s.client("office")
        token = c2.cookie.split("=", 1)[1]
        assert s.sql("SELECT count(*) FROM sessions WHERE id_hash=?", (token,))[0][0] == 0
        assert s.sql("SELECT count(*) FROM sessions")[0][0] == 1


@test
def idle_and_absolute_expiry_delete_the_session():
    with Server() as s:
        c = s.client("office")
        now = int(time.time())
        s.sql_exec = None
        s.sql_write("UPDATE sessions SET last_seen=?", (now - 31 * 60,))
        r = expect(c.get("/api/v1/me"), 401, "session_expired")
        assert s.sql("SELECT count(*) FROM sessions")[0][0] == 0
        c = s.client("office")
        s.sql_write("UPDATE sessions SET created_at=?, last_seen=?", (now - 13 * 3600, now))
        expect(c.get("/api/v1/me"), 401, "session_expired")
        del r


@test
def password_change_policy_and_other_sessions_end():
    # the production password-hash cost: the new hash records 100,000 iterations
    with Server(production_kdf=True) as s:
        a = s.client("member1", change=False)
        b = s.client("member1", change=False)
        pw = s.passwords["member1"]
        for bad, why in (("Short#1a", "12"), ("alllowercaseletters", "三类"), ("Member1#Strong-2026", "登录名")):
            r = expect(a.post("/api/v1/auth/password", {"old_password": pw, "new_password": bad}), 400, "weak_password")
            assert why in r.json["error"]["message"], r.json
        expect(a.post("/api/v1/auth/password", {"old_password": "wrong", "new_password": NEW_PASSWORD}), 400)
        expect(a.post("/api/v1/auth/password", {"old_password": pw, "new_password": pw}), 400)
        expect(a.post("/api/v1/auth/password", {"old_password": pw, "new_password": NEW_PASSWORD}), 200)
        expect(a.get("/api/v1/clues"), 200)
        expect(b.get("/api/v1/me"), 401)  # the other session was revoked
        # an expired password (90 days) forces a change again
        s.sql_write("UPDATE users SET pw_changed_at='2000-01-01T00:00:00Z' WHERE login='member1'")
        expect(a.get("/api/v1/clues"), 403, "password_change_required")
        stored = s.sql("SELECT pw_hash FROM users WHERE login='member1'")[0][0]
        assert stored.startswith("pbkdf2-sm3$100000$") and NEW_PASSWORD not in stored


@test
def bearer_tokens_from_the_cli():
    s = Server()
    s.cleanup = False
    p = run_cli("user", "token", "office", "--name", "统计脚本", "--days", "30", "--scope", "round.write",
                db=s.db)
    token = p.stdout.strip()
    assert token.startswith("xj_") and len(token) == 67
    assert s.sql("SELECT count(*) FROM api_tokens WHERE token_hash=?", (token,))[0][0] == 0
    with s:
        c = s.client()
        c.bearer = token
        r = expect(c.get("/api/v1/me"), 200)
        assert r.json["login"] == "office"
        # no CSRF needed for a token (it is not ambient like a cookie)
        expect(c.post("/api/v1/rounds", {"name": "令牌创建的轮次", "term": "八届", "seq": 7}), 201)
        c.bearer = token[:-1] + ("0" if token[-1] != "0" else "1")
        expect(c.get("/api/v1/me"), 401, "invalid_token")
        c.bearer = "garbage"
        expect(c.get("/api/v1/me"), 401, "invalid_token")
    run_cli("user", "disable", "office", db=s.db)
    with s:
        c = s.client()
        c.bearer = token
        expect(c.get("/api/v1/me"), 401)
    subprocess.run(["rm", "-rf", s.dir])


@test
def three_administrators_are_separate_and_see_no_business_data():
    with Server() as s:
        sec = s.client("secadmin")
        sa = s.client("sysadmin")
        aud = s.client("auditadmin")
        uid = expect(sa.post("/api/v1/users", {"login": "newcadre", "display_name": "新干部"}), 201).json
        assert len(uid["one_time_password"]) == 16 and uid["must_change"] is True
        nid = uid["id"]
        expect(sa.post("/api/v1/users", {"login": "NewCadre", "display_name": "重复"}), 409)
        expect(sa.post("/api/v1/users", {"login": "x y", "display_name": "空格"}), 400)
        # sysadmin cannot grant, secadmin cannot create users
        expect(sa.post(f"/api/v1/users/{nid}/roles", {"role": "inspection_office"}), 403)
        expect(sec.post("/api/v1/users", {"login": "abc", "display_name": "x"}), 403)
        r = expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "inspection_office"}), 201)
        assert [g["role"] for g in r.json["roles"]] == ["inspection_office"]
        r = expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "auditadmin"}), 409)
        assert "三员" in r.json["error"]["message"]
        expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "inspection_office"}), 409)
        expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "team_member"}), 400)  # needs a team
        expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "team_member", "scope_id": s.ids["orgs"]["u1"]}), 400)
        expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "team_member", "scope_id": s.ids["teams"]["t3"]}), 201)
        expect(sec.post(f"/api/v1/users/{nid}/roles", {"role": "emperor"}), 400)
        # secadmin may not change its own grants
        me = expect(sec.get("/api/v1/me"), 200).json
        expect(sec.post(f"/api/v1/users/{me['id']}/roles", {"role": "auditadmin"}), 403)
        # the admins see no business data
        for c in (sa, sec, aud):
            expect(c.get("/api/v1/clues"), 403)
            expect(c.get("/api/v1/rounds"), 403)
        # the audit administrator reads everyone's trail, read-only
        r = expect(aud.get("/api/v1/audit?action=role.grant"), 200).json
        assert r["total"] >= 2 and all(i["action"] == "role.grant" for i in r["items"])
        expect(aud.get("/api/v1/audit?actor_login=secadmin&from=2020-01-01&to=2999-12-31"), 200)
        expect(aud.get("/api/v1/audit?from=yesterday"), 400)
        expect(sa.get("/api/v1/audit"), 403)
        # revoke
        grants = expect(sec.get(f"/api/v1/users/{nid}/roles"), 200).json["items"]
        expect(sec.request("DELETE", f"/api/v1/users/{nid}/roles/{grants[0]['id']}"), 200)
        expect(sec.request("DELETE", f"/api/v1/users/{nid}/roles/{grants[0]['id']}"), 404)


@test
def an_edited_grant_row_is_ignored():
    with Server() as s:
        m2 = s.client("member2")
        assert expect(m2.get("/api/v1/me"), 200).json["roles"][0]["scope_id"] == s.ids["teams"]["t2"]
        # an insider moves member2 to team 1 by editing the row directly
        s.sql_write("UPDATE user_roles SET scope_id=? WHERE user_id=?",
                    (s.ids["teams"]["t1"], s.accounts["member2"]["id"]))
        me = expect(m2.get("/api/v1/me"), 200).json
        assert me["roles"] == [], me
        expect(m2.get("/api/v1/clues"), 403)
        assert "完整性校验失败" in s.server_log()


@test
def disabled_users_lose_their_sessions():
    with Server() as s:
        m = s.client("member1")
        sa = s.client("sysadmin")
        uid = s.accounts["member1"]["id"]
        u = expect(sa.get(f"/api/v1/users/{uid}"), 200)
        expect(sa.patch(f"/api/v1/users/{uid}", {"disabled": True}, headers={"If-Match": u.header("ETag")}), 200)
        expect(m.get("/api/v1/me"), 401)
        expect(s.client().post("/api/v1/auth/login", {"login": "member1", "password": NEW_PASSWORD}), 401)
        expect(sa.patch(f"/api/v1/users/{uid}", {"disabled": False}, headers={"If-Match": u.header("ETag")}), 409)
        expect(sa.patch(f"/api/v1/users/{uid}", {"disabled": False}), 200)
        # a reset: requested by sysadmin, approved by secadmin, collected once by the requester
        rid = expect(sa.post(f"/api/v1/users/{uid}/reset-password"), 202).json["id"]
        expect(s.client("secadmin").post(f"/api/v1/password-resets/{rid}/approve"), 200)
        r = expect(sa.post(f"/api/v1/password-resets/{rid}/collect"), 200)
        otp = r.json["one_time_password"]
        c = s.client()
        r = expect(c.post("/api/v1/auth/login", {"login": "member1", "password": otp}), 200)
        assert r.json["must_change_password"] is True
        assert otp not in s.server_log()
