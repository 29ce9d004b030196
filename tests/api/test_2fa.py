"""双因素 and session hygiene (issue 18 items 1 and 6; SECURITY.md rows 双因素,
登录失败处理, 三员分立, 安全审计): TOTP enrolment with a QR code and recovery
codes, the code at the 三员's sign-in, wrong and replayed codes refused and
audited, sensitive actions behind a fresh second factor (403 2fa_required),
API token scopes and their binding to 2FA, the per-account session limit and
one's own sessions, the 三员's address restriction, and the signed audit
export.

The other scenario tests run with the second factor off (lib.py); every
server here turns on what it tests."""
import base64
import hashlib
import hmac
import json
import os
import struct
import time

from lib import Otp, Server, enrol, expect, run_cli, test, today_shanghai

ON = {"require_2fa_admin": 1, "require_2fa_sensitive": 1, "totp_window": 3}


def audit_rows(s, action, result=None):
    q = "SELECT result, detail FROM audit WHERE action=?"
    args = [action]
    if result:
        q += " AND result=?"
        args.append(result)
    return s.sql(q + " ORDER BY seq", tuple(args))


@test
def enrolment_qr_recovery_codes_and_the_sealed_secret():
    with Server(ON) as s:
        sec = s.client("secadmin")
        me = expect(sec.get("/api/v1/me"), 200).json
        assert me["must_enrol_2fa"] is True and me["two_factor"] is False
        # a 三员 without TOTP may only enrol (like the forced password change)
        expect(sec.get("/api/v1/security-settings"), 403, "2fa_enrol_required")
        e = expect(sec.post("/api/v1/me/2fa/enrol"), 200).json
        assert e["otpauth_uri"].startswith("otpauth://totp/") and "secret=" + e["secret"] in e["otpauth_uri"]
        assert "algorithm=SHA1&digits=6&period=30" in e["otpauth_uri"]
        assert e["qr_svg"].startswith("<svg") and "<path" in e["qr_svg"]
        assert len(e["recovery_codes"]) == 10 and len(set(e["recovery_codes"])) == 10
        assert len(base64.b32decode(e["secret"] + "=" * (-len(e["secret"]) % 8))) == 20
        # sealed at rest; recovery codes only as slow hashes
        sealed = s.sql("SELECT secret_enc, enabled FROM user_totp")[0]
        assert sealed[0].startswith("s1:") and e["secret"] not in sealed[0] and sealed[1] == 0
        hashes = [h for (h,) in s.sql("SELECT code_hash FROM totp_recovery")]
        assert len(hashes) == 10 and not any(c in h for h in hashes for c in e["recovery_codes"])
        assert e["secret"].encode() not in s.raw_dump()  # the SQLite file and WAL, or pg_dump
        otp = Otp(e["secret"])
        r = expect(sec.post("/api/v1/me/2fa/confirm", {"code": "000000" if otp.at(0) != "000000" else "111111"}), 403)
        assert r.error_code() == "otp_invalid"
        expect(sec.post("/api/v1/me/2fa/confirm", {"code": "12ab"}), 403, "otp_invalid")
        code = otp.next()
        expect(sec.post("/api/v1/me/2fa/confirm", {"code": code}), 200)
        expect(sec.post("/api/v1/me/2fa/enrol"), 409)
        expect(sec.get("/api/v1/security-settings"), 200)
        st = expect(sec.get("/api/v1/me/2fa"), 200).json
        assert st["enabled"] is True and st["recovery_codes_left"] == 10
        # audited as codes only: never the code nor the secret
        fails = audit_rows(s, "auth.2fa", "failed")
        assert any('"wrong_code"' in d for _, d in fails), fails
        blob = repr(s.sql("SELECT * FROM audit"))
        assert e["secret"] not in blob and code not in blob
        assert not any(c in blob for c in e["recovery_codes"])


@test
def admin_sign_in_needs_the_code_wrong_and_replayed_refused_and_audited():
    with Server(ON) as s:
        sec = s.client("secadmin")
        otp, _ = enrol(sec)
        pw = s.passwords["secadmin"]
        c = s.client()
        expect(c.post("/api/v1/auth/login", {"login": "secadmin", "password": pw}), 401, "otp_required")
        bad = "000000" if otp.at(int(time.time()) // 30) != "000000" else "999999"
        expect(c.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "otp": bad}), 401,
               "otp_invalid")
        # the code used at confirmation is spent: a replay is refused
        replay = otp.at(otp.last)
        expect(c.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "otp": replay}), 401,
               "otp_invalid")
        reasons = [d for _, d in audit_rows(s, "auth.login", "failed")]
        assert any('"otp_required"' in d for d in reasons)
        assert any('"otp_wrong_code"' in d for d in reasons)
        assert any('"otp_replayed"' in d for d in reasons), reasons
        # a wrong code counts as a failed sign-in (lock-out protects the 6 digits)
        assert s.sql("SELECT failed_count FROM users WHERE login='secadmin'")[0][0] == 2
        good = otp.next()
        r = expect(c.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "otp": good}), 200)
        assert r.json["two_factor"] is True and r.json["must_enrol_2fa"] is False
        c.csrf = r.json["csrf_token"]
        expect(c.get("/api/v1/security-settings"), 200)
        # the same code again (another client, same step): replayed
        c2 = s.client()
        expect(c2.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "otp": good}), 401,
               "otp_invalid")
        # the wrong password with a right code is still the one answer
        expect(c2.post("/api/v1/auth/login", {"login": "secadmin", "password": "Wrong#Password-2026",
                                              "otp": otp.next()}), 401, "login_failed")


@test
def a_recovery_code_works_once_and_disabling_needs_a_code():
    with Server(ON) as s:
        sec = s.client("secadmin")
        otp, e = enrol(sec)
        pw = s.passwords["secadmin"]
        rc = e["recovery_codes"][3]
        c = s.client()
        expect(c.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "recovery_code": rc}), 200)
        c2 = s.client()
        expect(c2.post("/api/v1/auth/login", {"login": "secadmin", "password": pw, "recovery_code": rc}), 401,
               "otp_invalid")
        assert any('"otp_wrong_recovery_code"' in d for _, d in audit_rows(s, "auth.login", "failed"))
        assert expect(sec.get("/api/v1/me/2fa"), 200).json["recovery_codes_left"] == 9
        expect(sec.post("/api/v1/me/2fa/disable", {"code": "12"}), 403, "otp_invalid")
        expect(sec.post("/api/v1/me/2fa/disable", {"code": otp.next()}), 200)
        assert s.sql("SELECT count(*) FROM user_totp")[0][0] == 0
        assert s.sql("SELECT count(*) FROM totp_recovery")[0][0] == 0
        # a 三员 without TOTP must enrol again before anything else
        expect(sec.get("/api/v1/security-settings"), 403, "2fa_enrol_required")


def make_clue_and_petition(s):
    tg = s.ids["targets"]
    member1 = s.client("member1")
    p = expect(member1.post("/api/v1/petitions", {
        "target_id": tg["u1"], "channel": "qr_code", "received_on": today_shanghai(),
        "summary": "反映村干部优亲厚友", "reporter_name": "举报人甲", "reporter_contact": "13800000000"}), 201).json
    return p["id"]


@test
def sensitive_actions_need_a_fresh_second_factor():
    # the second person's approval of a reveal (test_reporter) is off here, so
    # that the reveal reaches the second-factor check this test is about
    with Server({**ON, "reveal_approver": "none"}) as s:
        pid = make_clue_and_petition(s)
        office = s.client("office")
        # without 2FA: 403 2fa_required with a Chinese message, and nothing leaves
        r = expect(office.get("/api/v1/ledgers/clues"), 403, "2fa_required")
        assert r.json["error"]["field"] == "X-Xunji-OTP"
        r = expect(office.get(f"/api/v1/petitions/{pid}"), 403, "2fa_required")
        assert "举报人甲" not in r.raw.decode()
        assert audit_rows(s, "petition.reporter.read", "denied")
        otp, _ = enrol(office)  # confirming counts as a step-up of this session
        expect(office.get("/api/v1/ledgers/clues"), 200)
        assert expect(office.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"]["name"] == "举报人甲"
        # another session of the same user has no fresh second factor
        o2 = s.client()
        expect(o2.post("/api/v1/auth/login", {"login": "office", "password": s.passwords["office"]}), 200)
        o2.csrf = None
        expect(o2.get("/api/v1/ledgers/clues"), 403, "2fa_required")
        expect(o2.get("/api/v1/stats/summary.xlsx"), 403, "2fa_required")
        expect(o2.get(f"/api/v1/petitions/{pid}"), 403, "2fa_required")
        # a code in the header: that request only; the same code again is a replay
        code = otp.next()
        expect(o2.get("/api/v1/ledgers/clues", headers={"X-Xunji-OTP": code}), 200)
        expect(o2.get("/api/v1/ledgers/clues", headers={"X-Xunji-OTP": code}), 403, "otp_replayed")
        assert any('"replayed"' in d and '"header"' in d for _, d in audit_rows(s, "auth.2fa", "failed"))
        expect(o2.get("/api/v1/ledgers/clues"), 403, "2fa_required")
        expect(o2.get(f"/api/v1/petitions/{pid}", headers={"X-Xunji-OTP": otp.next()}), 200)
        # step-up: the session is verified for step_up_minutes
        expect(o2.post("/api/v1/me/2fa/verify", {"code": "123456"}), 403, "csrf")
        r = expect(o2.post("/api/v1/auth/login", {"login": "office", "password": s.passwords["office"]}), 200)
        o2.csrf = r.json["csrf_token"]
        expect(o2.post("/api/v1/me/2fa/verify", {"code": "0"}), 403, "otp_invalid")
        expect(o2.post("/api/v1/me/2fa/verify", {"code": otp.next()}), 200)
        expect(o2.get("/api/v1/ledgers/clues"), 200)
        # a 三员's sign-in with a code is a step-up: a role grant goes through
        sec = s.client("secadmin")
        enrol(sec)
        uid = s.sql("SELECT id FROM users WHERE login='orgdept'")[0][0]
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "leading_group"}), 201)


@test
def role_grants_and_reset_approvals_need_a_second_factor():
    with Server({"require_2fa_sensitive": 1}) as s:
        sec = s.client("secadmin")
        uid = s.sql("SELECT id FROM users WHERE login='orgdept'")[0][0]
        r = expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "leading_group"}), 403, "2fa_required")
        assert "双因素" in r.json["error"]["message"]
        assert s.sql("SELECT count(*) FROM user_roles WHERE user_id=? AND role='leading_group'", (uid,))[0][0] == 0
        # so does a password-reset approval
        sa = s.client("sysadmin")
        rid = expect(sa.post(f"/api/v1/users/{s.accounts['office']['id']}/reset-password"), 202).json["id"]
        expect(sec.post(f"/api/v1/password-resets/{rid}/approve"), 403, "2fa_required")
        assert s.sql("SELECT state FROM password_resets WHERE id=?", (rid,))[0][0] == "pending"
        otp, _ = enrol(sec)
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "leading_group"}), 201)
        expect(sec.post(f"/api/v1/password-resets/{rid}/approve"), 200)


@test
def sensitive_routes_are_flagged_in_the_route_table():
    table = json.loads(run_cli("routes").stdout)
    flagged = {(x["method"], x["pattern"]) for x in table if x.get("second_factor")}
    assert flagged == {
        ("POST", "/api/v1/users/{id}/roles"), ("DELETE", "/api/v1/users/{id}/roles/{id}"),
        ("POST", "/api/v1/password-resets/{id}/approve"), ("GET", "/api/v1/ledgers/{name}"),
        ("GET", "/api/v1/stats/summary.pdf"), ("GET", "/api/v1/stats/summary.xlsx"),
        ("GET", "/api/v1/documents/{id}/pdf"), ("GET", "/api/v1/audit/export"),
        ("GET", "/api/v1/exports/records/{kind}"), ("GET", "/api/v1/exports/stats/{measure}")}, flagged


@test
def api_tokens_need_2fa_and_act_only_within_their_scope():
    env = {"XUNJI_TOKEN_REQUIRES_2FA": "1"}
    with Server(dict(ON, token_requires_2fa=1)) as s:
        p = run_cli("user", "token", "office", "--name", "脚本", db=s.db, env=env, check=False)
        assert p.returncode != 0 and "双因素" in p.stderr
        office = s.client("office")
        otp, _ = enrol(office)
        p = run_cli("user", "token", "office", "--name", "脚本", "--scope", "nonsense.action", db=s.db, env=env,
                    check=False)
        assert p.returncode == 2
        ro = run_cli("user", "token", "office", "--name", "只读", db=s.db, env=env).stdout.strip()
        ex = run_cli("user", "token", "office", "--name", "台账", "--scope", "read,ledger.export", db=s.db,
                     env=env).stdout.strip()
        wr = run_cli("user", "token", "office", "--name", "轮次", "--scope", "round.write", db=s.db,
                     env=env).stdout.strip()
        assert s.sql("SELECT scope FROM api_tokens WHERE name='台账'")[0][0] == "read,ledger.export"
        t = s.client()
        t.bearer = ro
        expect(t.get("/api/v1/rounds"), 200)
        expect(t.post("/api/v1/rounds", {"name": "令牌轮次", "term": "八届", "seq": 9}), 403, "token_scope")
        expect(t.get("/api/v1/ledgers/clues"), 403, "token_scope")  # sensitive: must be named
        t.bearer = ex
        expect(t.get("/api/v1/ledgers/clues"), 200)
        expect(t.post("/api/v1/rounds", {"name": "令牌轮次", "term": "八届", "seq": 9}), 403, "token_scope")
        t.bearer = wr
        expect(t.post("/api/v1/rounds", {"name": "令牌轮次", "term": "八届", "seq": 9}), 201)
        expect(t.get("/api/v1/rounds"), 403, "token_scope")
        expect(t.get("/api/v1/me"), 200)
        # the owner turns 2FA off: the tokens end with it
        expect(office.post("/api/v1/me/2fa/disable", {"code": otp.next()}), 200)
        expect(t.get("/api/v1/me"), 401, "invalid_token")
        t.bearer = ro
        expect(t.get("/api/v1/rounds"), 401, "invalid_token")


@test
def sessions_are_limited_listed_and_ended_by_their_owner():
    with Server({"max_sessions": 2}) as s:
        c1 = s.client("office")
        c2 = s.client("office", change=False)
        c3 = s.client("office", change=False)
        expect(c1.get("/api/v1/me"), 401)  # the oldest ended
        expect(c2.get("/api/v1/me"), 200)
        items = expect(c3.get("/api/v1/me/sessions"), 200).json["items"]
        assert len(items) == 2 and sum(1 for x in items if x["current"]) == 1
        assert all(x["ip"] == "127.0.0.1" for x in items)
        other = [x["id"] for x in items if not x["current"]][0]
        # nobody ends another user's session
        lg = s.client("lg")
        expect(lg.request("DELETE", f"/api/v1/me/sessions/{other}"), 404)
        expect(c2.get("/api/v1/me"), 200)
        expect(c3.request("DELETE", f"/api/v1/me/sessions/{other}"), 200)
        expect(c2.get("/api/v1/me"), 401)
        expect(c3.request("DELETE", f"/api/v1/me/sessions/{other}"), 404)
        assert audit_rows(s, "auth.session.end", "ok")
        assert len(expect(c3.get("/api/v1/me/sessions"), 200).json["items"]) == 1


@test
def admins_sign_in_only_from_admin_networks():
    with Server({"admin_networks": "10.9.0.0/16", "trusted_proxies": "127.0.0.1"}) as s:
        c = s.client()
        expect(c.post("/api/v1/auth/login", {"login": "sysadmin", "password": s.passwords["sysadmin"]}), 401,
               "login_failed")
        assert any('"address_not_allowed"' in d for _, d in audit_rows(s, "auth.login", "failed"))
        s.client("office")  # business accounts are not restricted
        r = c.post("/api/v1/auth/login", {"login": "sysadmin", "password": s.passwords["sysadmin"]},
                   headers={"X-Forwarded-For": "10.9.1.2"})
        expect(r, 200)
        r = c.post("/api/v1/auth/login", {"login": "sysadmin", "password": s.passwords["sysadmin"]},
                   headers={"X-Forwarded-For": "10.8.1.2"})
        expect(r, 401, "login_failed")
    bad = run_cli("serve", "--db", "/nonexistent/x.db", "--set", "admin_networks=10.9.0.0/99", check=False)
    assert bad.returncode == 2 and "admin_networks" in bad.stderr, bad.stderr
    bad = run_cli("serve", "--db", "/nonexistent/x.db", "--set", "totp_algorithm=md5", check=False)
    assert bad.returncode == 2 and "totp_algorithm" in bad.stderr, bad.stderr


@test
def signed_audit_export_verifies_and_a_tampered_one_fails():
    with Server({"require_2fa_sensitive": 1}) as s:
        aud = s.client("auditadmin")
        day = today_shanghai()
        expect(aud.get(f"/api/v1/audit/export?from={day}&to={day}"), 403, "2fa_required")
        enrol(aud)
        expect(aud.get(f"/api/v1/audit/export?from=2026-13-01&to={day}"), 400)
        r = expect(aud.get(f"/api/v1/audit/export?from={day}&to={day}"), 200)
        assert r.header("Content-Type").startswith("application/x-ndjson")
        assert "attachment" in r.header("Content-Disposition")
        lines = r.raw.decode().splitlines()
        head = json.loads(lines[0])
        assert head["format"] == "xunji-audit-export/1" and head["count"] == len(lines) - 2 > 0
        assert lines[-1].startswith('{"hmac_sm3":')
        expect(s.client("sysadmin").get(f"/api/v1/audit/export?from={day}&to={day}"), 403)
        assert audit_rows(s, "audit.export", "ok")
        f = os.path.join(s.dir, "api-export.jsonl")
        with open(f, "wb") as fh:
            fh.write(r.raw)
        ok = run_cli("audit", "verify-export", f, db=s.db)
        assert ok.stdout.startswith("OK"), ok.stdout
        # change one byte of an entry: the signature fails
        bad = r.raw.replace(b'"result":"ok"', b'"result":"no"', 1)
        assert bad != r.raw
        with open(f, "wb") as fh:
            fh.write(bad)
        p = run_cli("audit", "verify-export", f, db=s.db, check=False)
        assert p.returncode == 1 and p.stdout.startswith("BROKEN"), p.stdout
        # drop an entry: fails too
        with open(f, "wb") as fh:
            fh.write(("\n".join(lines[:1] + lines[2:]) + "\n").encode())
        assert run_cli("audit", "verify-export", f, db=s.db, check=False).returncode == 1
        # the CLI writes the same kind of file
        out = os.path.join(s.dir, "cli-export.jsonl")
        p = run_cli("audit", "export", "--from", day, "--to", day, "--out", out, db=s.db)
        assert os.path.exists(out)
        assert run_cli("audit", "verify-export", out, db=s.db).stdout.startswith("OK")
        assert run_cli("audit", "export", "--from", day, "--to", "x", "--out", out + "2", db=s.db,
                       check=False).returncode == 2


@test
def algorithm_digits_and_period_are_settings():
    with Server({"totp_algorithm": "sha256", "totp_digits": 8, "totp_period": 60}) as s:
        c = s.client("office")
        e = expect(c.post("/api/v1/me/2fa/enrol"), 200).json
        assert "algorithm=SHA256&digits=8&period=60" in e["otpauth_uri"], e["otpauth_uri"]
        assert (e["algorithm"], e["digits"], e["period"]) == ("sha256", 8, 60)
        otp = Otp(e["secret"], 8, 60, "sha256")
        expect(c.post("/api/v1/me/2fa/confirm", {"code": Otp(e["secret"]).next()}), 403, "otp_invalid")
        expect(c.post("/api/v1/me/2fa/confirm", {"code": otp.next()}), 200)
        assert s.sql("SELECT alg, digits, period FROM user_totp")[0] == ("sha256", 8, 60)
