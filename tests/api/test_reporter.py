"""Issue 18 item 3, 举报人保护 (SECURITY.md row 举报人保护): revealing a
petition's reporter needs the reader's own request with a reason, approved by
a second person (the role reveal_approver names; never the requester); the
approval is spent by one read (or lasts reveal_minutes); request, approval and
read are audited. The reporter's identity is never in lists, messages,
exports, search, the audit or the server log. An anonymous petition gets a
16-digit receipt returned once and stored only as a slow hash; its check
keeps no client address."""
import json
import re
import zipfile
import io
from urllib.parse import quote

from lib import Server, enrol, expect, test, today_shanghai

CANARY = "举报人丙CANARY7Q"
CONTACT = "13912345678"


def log(c, target, **extra):
    body = {"target_id": target, "channel": "letter", "received_on": today_shanghai(),
            "summary": "反映某局长违规收受礼金", "reporter_name": CANARY, "reporter_contact": CONTACT}
    body.update(extra)
    return c.post("/api/v1/petitions", body)


def ask(c, pid, reason="回访信访人, 核实反映情况"):
    return c.post(f"/api/v1/petitions/{pid}/reveal-requests", {"reason": reason})


@test
def revealing_the_reporter_needs_a_second_persons_approval():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1, office = s.client("member1"), s.client("leader1"), s.client("office")
        lg, liaison = s.client("lg"), s.client("liaison")
        pid = expect(log(member1, tg["u1"]), 201).json["id"]
        # holding petition.reporter is not enough
        got = expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        assert "reporter" not in got and got["reporter_sealed"] is True
        # the row answers whether this reader may ask (the browser offers the request from it)
        assert got["can"] == {"petition.reporter": True}, got.get("can")
        assert expect(member1.get(f"/api/v1/petitions/{pid}"), 200).json["can"] == {"petition.reporter": False}
        # a reason is required; only who may read the field may ask
        expect(leader1.post(f"/api/v1/petitions/{pid}/reveal-requests", {}), 400, "missing_field")
        expect(ask(member1, pid), 403)
        expect(ask(s.client("member2"), pid), 404)
        q = expect(ask(leader1, pid, "需当面回访核实"), 201).json
        assert q["state"] == "pending" and q["approver_role"] == "leading_group" and q["requester_login"] == "leader1"
        expect(ask(leader1, pid), 409, "conflict")         # one open request at a time
        # the approver is told (no identity in the message), and sees the reason
        msgs = expect(lg.get("/api/v1/messages"), 200).json["items"]
        assert any(m["object_id"] == q["id"] for m in msgs)
        queue = expect(lg.get("/api/v1/reveal-requests?state=pending"), 200).json["items"]
        assert [x["reason"] for x in queue] == ["需当面回访核实"]
        assert expect(member1.get("/api/v1/reveal-requests"), 200).json["items"] == []
        # still sealed while pending; a non-approver cannot decide
        assert "reporter" not in expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        expect(leader1.post(f"/api/v1/reveal-requests/{q['id']}/approve"), 403)
        expect(liaison.post(f"/api/v1/reveal-requests/{q['id']}/approve"), 403)  # setting: the leading group
        expect(lg.post(f"/api/v1/reveal-requests/{q['id']}/reject"), 400, "missing_field")
        expect(lg.post(f"/api/v1/reveal-requests/{q['id']}/approve", {"note": "同意"}), 200)
        expect(lg.post(f"/api/v1/reveal-requests/{q['id']}/approve"), 409, "invalid_state")
        # read once, then sealed again
        got = expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        assert got["reporter"] == {"name": CANARY, "contact": CONTACT}
        assert "reporter" not in expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        # an approval is the requester's only: office (also a reader) sees nothing
        assert "reporter" not in expect(office.get(f"/api/v1/petitions/{pid}"), 200).json
        # audited: request, approval, use and read, with the request id and no text
        rows = s.sql("SELECT action, actor_login, detail FROM audit WHERE object_id=? AND (action LIKE 'reveal.%' "
                     "OR action='petition.reporter.read') ORDER BY seq", (pid,))
        acts = [(a, who) for a, who, _ in rows]
        assert acts == [("reveal.request", "leader1"), ("reveal.approve", "lg"), ("reveal.use", "leader1"),
                        ("petition.reporter.read", "leader1")], acts
        for _, _, d in rows:
            assert "回访" not in (d or "") and CANARY not in (d or "")
        assert q["id"] in rows[0][2] and q["id"] in rows[1][2]
        assert s.sql("SELECT reason, state, decided_by IS NOT NULL FROM reveal_requests WHERE id=?", (q["id"],)) == [
            ("需当面回访核实", "used", 1)]
        # a rejection needs a note and shows nothing
        q2 = expect(ask(office, pid), 201).json
        expect(lg.post(f"/api/v1/reveal-requests/{q2['id']}/reject", {"note": "理由不充分"}), 200)
        assert "reporter" not in expect(office.get(f"/api/v1/petitions/{pid}"), 200).json
        # an anonymous petition has nothing to reveal
        p2 = expect(log(member1, tg["u1"], anonymous=True, reporter_name=None, reporter_contact=None), 201).json
        expect(ask(leader1, p2["id"]), 409, "invalid_state")


@test
def the_requester_cannot_approve_their_own_request():
    with Server() as s:
        tg = s.ids["targets"]
        pid = expect(log(s.client("member1"), tg["u1"]), 201).json["id"]
        sec = s.client("secadmin")
        uid = s.sql("SELECT id FROM users WHERE login='office'")[0][0]
        expect(sec.post(f"/api/v1/users/{uid}/roles", {"role": "leading_group"}), 201)
        office = s.client("office")                       # now both a reader and an approver
        q = expect(ask(office, pid), 201).json
        expect(office.post(f"/api/v1/reveal-requests/{q['id']}/approve"), 403, "forbidden")
        assert s.sql("SELECT state FROM reveal_requests WHERE id=?", (q["id"],)) == [("pending",)]
        assert s.sql("SELECT action FROM audit WHERE result='denied' AND actor_login='office' AND object_id=?",
                     (q["id"],)) == [("reveal.approve",)]
        assert "reporter" not in expect(office.get(f"/api/v1/petitions/{pid}"), 200).json
        expect(s.client("lg").post(f"/api/v1/reveal-requests/{q['id']}/approve"), 200)
        assert expect(office.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"]["name"] == CANARY


@test
def the_commission_liaison_approves_for_a_time_when_so_set():
    with Server(settings={"reveal_approver": "commission_liaison", "reveal_minutes": 30}) as s:
        tg = s.ids["targets"]
        pid = expect(log(s.client("member1"), tg["u1"]), 201).json["id"]
        leader1 = s.client("leader1")
        q = expect(ask(leader1, pid), 201).json
        assert q["approver_role"] == "commission_liaison"
        expect(s.client("lg").post(f"/api/v1/reveal-requests/{q['id']}/approve"), 403)
        expect(s.client("liaison").post(f"/api/v1/reveal-requests/{q['id']}/approve"), 200)
        for _ in range(2):                                 # within the 30 minutes: more than once
            assert expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json["reporter"]["name"] == CANARY
        s.shift_clock(1, leader1)
        assert "reporter" not in expect(leader1.get(f"/api/v1/petitions/{pid}"), 200).json
        # an unknown approver setting is refused at start
        s.stop()
        s.settings["reveal_approver"] = "office"
        try:
            s.start()
            raise AssertionError("server started with reveal_approver=office")
        except AssertionError as e:
            assert "reveal_approver" in str(e), e


def bodies(c, paths):
    out = []
    for p in paths:
        r = c.get(p)
        out.append((p, r.raw.decode("utf-8", "replace")))
    return out


def xlsx_text(data):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return data.decode("utf-8", "replace")
    return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@test
def the_reporters_identity_appears_nowhere_else():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1 = s.client("member1"), s.client("leader1")
        pid = expect(log(member1, tg["u1"]), 201).json["id"]
        q = expect(ask(leader1, pid, "回访"), 201).json
        expect(s.client("lg").post(f"/api/v1/reveal-requests/{q['id']}/approve"), 200)
        revealed = expect(leader1.get(f"/api/v1/petitions/{pid}"), 200)   # the one place it may appear
        assert CANARY in revealed.raw.decode("utf-8")
        r = expect(leader1.post(f"/api/v1/petitions/{pid}/to_clue",
                                {"title": "违规收受礼金", "subject_name": "某局长"}), 200).json
        clue = r["clue_id"]
        seen = []
        logins = ["member1", "leader1", "office", "lg", "liaison", "casemgmt", "petitions", "unit1",
                  "dispatched1", "auditadmin", "secadmin", "sysadmin"]
        for who in logins:
            c = s.client(who)
            paths = ["/api/v1/petitions", f"/api/v1/petitions/{pid}", f"/api/v1/petitions/{pid}/history",
                     "/api/v1/petitions?q=" + quote(CANARY), "/api/v1/clues", f"/api/v1/clues/{clue}",
                     "/api/v1/clues?q=" + quote(CANARY), "/api/v1/messages", "/api/v1/reveal-requests",
                     "/api/v1/audit?per_page=500", "/api/v1/me"]
            seen += [(who, p, b) for p, b in bodies(c, paths)]
            lr = c.get("/api/v1/ledgers")
            if lr.status == 200:
                for led in lr.json.get("items", []):
                    name = led.get("name") if isinstance(led, dict) else led
                    e = c.get(f"/api/v1/ledgers/{name}")
                    seen.append((who, f"ledger {name}", xlsx_text(e.raw) if e.status == 200 else ""))
        assert sum(1 for _, p, b in seen if p.startswith("ledger") and b) >= 3, "no export was read"
        assert sum(1 for who, p, b in seen if p == f"/api/v1/petitions/{pid}" and pid in b) >= 3
        for who, p, b in seen:
            assert CANARY not in b and CONTACT not in b, (who, p)
        # the audit's details, the inbox and the server log
        for (d,) in s.sql("SELECT detail FROM audit WHERE detail IS NOT NULL"):
            assert CANARY not in d and CONTACT not in d
        for row in s.sql("SELECT title, body FROM messages"):
            assert CANARY not in " ".join(x or "" for x in row)
        log_text = s.server_log()
        assert CANARY not in log_text and CONTACT not in log_text
        # and nothing in the database in clear (the file and its WAL, or pg_dump's output)
        s.stop()
        raw = s.raw_dump()
        assert CANARY.encode() not in raw and CONTACT.encode() not in raw


@test
def an_anonymous_reporter_gets_a_receipt_once_stored_as_a_slow_hash():
    with Server() as s:
        tg = s.ids["targets"]
        member1, leader1 = s.client("member1"), s.client("leader1")
        p = expect(log(member1, tg["u1"], anonymous=True, reporter_name=None, reporter_contact=None), 201).json
        receipt = p["receipt"]
        assert re.fullmatch(r"[1-9][0-9]{15}", receipt), receipt
        # shown once: never again
        assert "receipt" not in expect(member1.get(f"/api/v1/petitions/{p['id']}"), 200).json
        assert all("receipt" not in x for x in expect(member1.get("/api/v1/petitions"), 200).json["items"])
        stored = s.sql("SELECT receipt_hash FROM petitions WHERE id=?", (p["id"],))[0][0]
        assert stored and receipt not in stored and stored.count("$") >= 2   # salted PBKDF2-SM3
        # a named petition has none
        named = expect(log(member1, tg["u1"]), 201).json
        assert "receipt" not in named
        assert s.sql("SELECT receipt_hash FROM petitions WHERE id=?", (named["id"],)) == [(None,)]
        # the receipt identifies the follow-up; a wrong one does not
        assert expect(leader1.post(f"/api/v1/petitions/{p['id']}/receipt", {"receipt": receipt}), 200).json["match"]
        wrong = ("1" if receipt[-1] != "1" else "2")
        assert not expect(leader1.post(f"/api/v1/petitions/{p['id']}/receipt",
                                       {"receipt": receipt[:-1] + wrong}), 200).json["match"]
        expect(leader1.post(f"/api/v1/petitions/{p['id']}/receipt", {"receipt": "12ab"}), 400, "invalid_field")
        expect(s.client("member2").post(f"/api/v1/petitions/{p['id']}/receipt", {"receipt": receipt}), 404)
        # no address kept for the check: neither in the audit nor in the access log
        rows = s.sql("SELECT result, ip FROM audit WHERE action='petition.receipt.check'")
        assert sorted(r for r, _ in rows) == ["failed", "ok"] and all(not ip for _, ip in rows), rows
        assert all(receipt not in (d or "") for (d,) in s.sql("SELECT detail FROM audit"))
        lines = [ln for ln in s.server_log().splitlines() if "/receipt" in ln]
        assert lines and all("127.0.0.1" not in ln for ln in lines), lines
        assert receipt not in s.server_log()


@test
def an_approval_is_not_spent_on_a_read_the_second_factor_refuses():
    # with 2FA required for reveals, a read without a fresh second factor is
    # refused before the once-only approval is used: after the step-up the
    # requester still has it (the browser retries after its step-up dialog)
    with Server({"require_2fa_sensitive": 1, "totp_window": 3}) as s:
        tg = s.ids["targets"]
        member1, leader1, lg = s.client("member1"), s.client("leader1"), s.client("lg")
        pid = expect(log(member1, tg["u1"]), 201).json["id"]
        q = expect(ask(leader1, pid), 201).json
        otp, _ = enrol(leader1)  # confirming is a step-up of this session: use another one
        l2 = s.client("leader1")
        expect(lg.post(f"/api/v1/reveal-requests/{q['id']}/approve", {"note": "同意"}), 200)
        r = expect(l2.get(f"/api/v1/petitions/{pid}"), 403, "2fa_required")
        assert CANARY not in r.raw.decode()
        assert s.sql("SELECT state FROM reveal_requests WHERE id=?", (q["id"],)) == [("approved",)]
        got = expect(l2.get(f"/api/v1/petitions/{pid}", headers={"X-Xunji-OTP": otp.next()}), 200).json
        assert got["reporter"]["name"] == CANARY
        assert s.sql("SELECT state FROM reveal_requests WHERE id=?", (q["id"],)) == [("used",)]
