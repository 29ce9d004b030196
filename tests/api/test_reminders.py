"""Deadlines that warn (issue 17): the server computes each open record's
deadline state (deadline_due, days_left, warning) for rectification tasks,
notices, briefings, handed-over clues (registration in working days, then
the report back), assistance requests (working days) and the unit's
rectification report; the reminder scheduler (`xunji remind --now`, the
same run as the thread of `xunji serve`) sends each step once to escalating
recipients, audited with ids and codes only; the inbox shows a reminder's
text only to those who may see its record. Time passes by the test clock."""
import datetime
import json
import time

from lib import Server, days_from_today, expect, run_cli, test, today_shanghai


def problem(c, target, **kw):
    body = {"target_id": target, "category_id": "01940000-0000-7000-8000-040300000000", "title": "公款私存",
            "description": "单位会计将人防易地建设费存入个人账户", "amount": "1234.56",
            "people": "会计 刘某", "found_by": "records", "found_on": today_shanghai(), "inaction": False}
    body.update(kw)
    return c.post("/api/v1/problems", body)


def report_and_feed_back(member, leader, lg, office, target):
    rep = expect(member.post("/api/v1/reports", {"target_id": target, "text": "巡察报告正文"}), 201).json
    expect(leader.post(f"/api/v1/reports/{rep['id']}/submit"), 200)
    expect(lg.post(f"/api/v1/reports/{rep['id']}/approve"), 200)
    expect(office.post(f"/api/v1/reports/{rep['id']}/feedback",
                       {"meeting_date": today_shanghai(), "attendees": 300, "feedback_text": "反馈意见"}), 200)


def remind(s):
    """One run, as cron would start it, with the server's settings and clock."""
    p = run_cli("remind", "--now", *s.set_args(), db=s.db, env={"XUNJI_TEST_MODE": "1"})
    out = p.stdout.strip()
    assert out.startswith("sent ") or out == "skipped", out
    return out


def reminders(c, object_id):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m for m in items if m["object_id"] == object_id and m["action"] == "remind"]


def add_workdays(day, n, holidays=()):
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5 and day.isoformat() not in holidays:
            n -= 1
    return day


def first_weekday_after(day):
    day += datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


TODAY = datetime.date.fromisoformat(today_shanghai())
HOLIDAY = first_weekday_after(TODAY).isoformat()


@test
def reminders_each_step_once_escalating_audited_and_visible_only_to_readers():
    with Server({"holidays": HOLIDAY}) as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        unit1, dispatched1 = s.client("unit1"), s.client("dispatched1")
        clients = (member1, leader1, lg, office, unit1, dispatched1)
        p1 = expect(problem(member1, tg["u1"], title="人防工程维护资金挪用"), 201).json["id"]
        expect(leader1.post(f"/api/v1/problems/{p1}/confirm"), 200)
        report_and_feed_back(member1, leader1, lg, office, tg["u1"])
        expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan", {"plan_text": "整改方案"}), 200)
        t1 = expect(unit1.post("/api/v1/rect-tasks", {"problem_id": p1, "measure": "追回挪用资金", "owner_name": "王某",
                                                      "deadline": days_from_today(15)}), 201).json
        tid = t1["id"]
        assert t1["days_left"] == 15 and t1["warning"] == "20d" and t1["deadline_due"] == days_from_today(15)
        expect(dispatched1.get(f"/api/v1/rect-tasks/{tid}"), 200)  # the unit's supervising group reads it

        # the unit's rectification report: 2 months after the feedback meeting
        rv = expect(unit1.get(f"/api/v1/targets/{tg['u1']}/rectification"), 200).json
        rd = rv["report_deadline"]
        assert rd["deadline_due"] == rv["report_due"] and rd["days_left"] > 20 and rd["warning"] is None, rd

        # first step (15 days left): the owner only
        out = remind(s)
        assert out != "skipped", out
        got = reminders(unit1, tid)
        assert len(got) == 1 and got[0]["body"]["step"] == "first" and got[0]["body"]["days_left"] == 15, got
        assert "追回挪用资金" in got[0]["title"] and "剩余 15 天" in got[0]["title"], got[0]["title"]
        for c in (office, dispatched1, lg):
            assert reminders(c, tid) == [], c.login_name
        # triggered twice: nothing sent twice
        remind(s)
        assert len(reminders(unit1, tid)) == 1
        assert s.sql("SELECT count(*) FROM reminders_sent WHERE record_id=?", (tid,))[0][0] == 1

        # second step (9 days left): also the office and the unit's dispatched group
        s.shift_clock(6, *clients)
        remind(s)
        assert [m["body"]["step"] for m in reminders(unit1, tid)] == ["second", "first"]
        assert [m["body"]["step"] for m in reminders(office, tid)] == ["second"]
        assert reminders(lg, tid) == []
        dm = reminders(dispatched1, tid)
        assert len(dm) == 1 and dm[0]["body"]["step"] == "second" and "追回挪用资金" in dm[0]["title"], dm

        # due today, then overdue: the leading group joins
        s.shift_clock(15, *clients)
        remind(s)
        assert reminders(unit1, tid)[0]["body"]["step"] == "due" and "今日到期" in reminders(unit1, tid)[0]["title"]
        assert reminders(lg, tid) == []
        s.shift_clock(17, *clients)
        remind(s)
        assert [m["body"]["step"] for m in reminders(unit1, tid)] == ["overdue", "due", "second", "first"]
        assert [m["body"]["step"] for m in reminders(office, tid)] == ["overdue", "due", "second"]
        lm = reminders(lg, tid)
        assert len(lm) == 1 and lm[0]["body"]["step"] == "overdue" and "已逾期 2 天" in lm[0]["title"], lm
        task = expect(unit1.get(f"/api/v1/rect-tasks/{tid}"), 200).json
        assert task["warning"] == "overdue" and task["days_left"] == -2

        # audited: one entry per step sent, ids and codes only
        rows = s.sql("SELECT actor_login, object_kind, detail FROM audit WHERE action='reminder.send' "
                     "AND object_id=? ORDER BY seq", (tid,))
        assert [json.loads(r[2])["step"] for r in rows] == ["first", "second", "due", "overdue"], rows
        assert all(r[0] == "system:reminders" and r[1] == "rect_task" for r in rows)
        last = json.loads(rows[-1][2])
        assert last["to_roles"] == ["unit_liaison", "inspection_office", "dispatched_group", "leading_group"], last
        assert "追回" not in rows[-1][2]
        out = run_cli("audit", "verify", *s.set_args(), db=s.db, env={"XUNJI_TEST_MODE": "1"})
        assert "OK" in out.stdout, out.stdout


@test
def clue_and_assistance_deadlines_count_working_days():
    with Server({"holidays": HOLIDAY}) as s:
        tg = s.ids["targets"]
        member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
        casemgmt, dispatched1 = s.client("casemgmt"), s.client("dispatched1")
        c = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计公款私存", "subject_name": "王某",
                                                  "source": "records", "discovered_on": today_shanghai(),
                                                  "allegation": "反映内容"}), 201).json
        assert c["deadline_due"] is None and c["warning"] is None
        expect(leader1.post(f"/api/v1/clues/{c['id']}/verify", {"note": "核实"}), 200)
        h = expect(office.post(f"/api/v1/clues/{c['id']}/handover", {"note": "边巡边交"}), 200).json
        # registration: 5 working days after the hand-over, the holiday skipped
        hd = datetime.date.fromisoformat(h["handover_at"][:10])
        due = add_workdays(hd, 5, (HOLIDAY,))
        got = expect(casemgmt.get(f"/api/v1/clues/{c['id']}"), 200).json
        assert got["deadline_of"] == "register" and got["deadline_due"] == due.isoformat(), got["deadline_due"]
        assert got["days_left"] == (due - TODAY).days and got["warning"] == "10d"
        listed = expect(casemgmt.get("/api/v1/clues"), 200).json["items"]
        assert [i["deadline_due"] for i in listed if i["id"] == c["id"]] == [due.isoformat()]
        # the second step at once (<= 10 days): the owner (案管室), the office, the
        # unit's dispatched group; the group may not read clues: told, no details
        remind(s)
        for who in (casemgmt, office):
            m = reminders(who, c["id"])
            assert len(m) == 1 and m[0]["body"]["step"] == "second" and "会计公款私存" in m[0]["title"], m
            assert m[0]["body"]["deadline_of"] == "register"
        assert dispatched1.get(f"/api/v1/clues/{c['id']}").status in (403, 404)
        dm = reminders(dispatched1, c["id"])
        assert len(dm) == 1 and dm[0]["withheld"] is True and dm[0]["body"] is None, dm
        assert "会计公款私存" not in dm[0]["title"]
        assert reminders(lg, c["id"]) == []
        # once registered: the report back within 3 months of the hand-over
        expect(casemgmt.post(f"/api/v1/clues/{c['id']}/register"), 200)
        got = expect(casemgmt.get(f"/api/v1/clues/{c['id']}"), 200).json
        assert got["deadline_of"] == "report" and got["deadline_due"] > days_from_today(85), got

        # assistance: 15 working days from the submission, the holiday skipped
        a = expect(leader1.post("/api/v1/assistance", {"target_id": tg["u1"], "need": "查询银行流水",
                                                        "reason": "固定资金去向"}), 201).json
        assert a["deadline_due"] is None
        sub = expect(leader1.post(f"/api/v1/assistance/{a['id']}/submit"), 200).json
        sd = datetime.date.fromisoformat(sub["submitted_at"][:10])
        want = add_workdays(sd, 15, (HOLIDAY,))
        assert sub["deadline_due"] == want.isoformat() and sub["days_left"] == (want - TODAY).days, sub
        # the scheduler tells the leading group (who holds it now) at its step
        remind(s)
        step = [m for m in reminders(lg, a["id"])]
        assert (len(step) == 1) == (sub["warning"] is not None), (step, sub["warning"])
        # rejected: no longer open
        rj = expect(lg.post(f"/api/v1/assistance/{a['id']}/reject", {"reason": "不予批准"}), 200).json
        assert rj["days_left"] is None and rj["warning"] is None


@test
def holidays_and_letter_mark_settings_are_checked():
    p = run_cli("remind", "--now", "--set", "holidays=2026-13-01", db="/nonexistent/x.db", check=False)
    assert p.returncode != 0 and "holidays" in p.stderr, p.stderr
    p = run_cli("remind", "--now", "--set", "letter_mark=绝密", db="/nonexistent/x.db", check=False)
    assert p.returncode != 0 and "letter_mark" in p.stderr, p.stderr
    p = run_cli("remind", db="/nonexistent/x.db", check=False)
    assert p.returncode == 2, p.returncode


@test
def serve_runs_reminders_at_start_and_a_held_lease_skips_a_run():
    with Server({"remind_interval_minutes": 60}) as s:
        tg = s.ids["targets"]
        member1, leader1, office = s.client("member1"), s.client("leader1"), s.client("office")
        c = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "线索甲", "subject_name": "王某",
                                                  "source": "records", "discovered_on": today_shanghai(),
                                                  "allegation": "反映内容"}), 201).json
        expect(leader1.post(f"/api/v1/clues/{c['id']}/verify", {"note": "核实"}), 200)
        expect(office.post(f"/api/v1/clues/{c['id']}/handover", {"note": "边巡边交"}), 200)
        # another server (or cron) holds the run's lease: this run does nothing (the job's lease,
        # held by this server since its start-up run, is let go here to reach that check)
        s.sql_write("DELETE FROM scheduler_leases WHERE name='job:reminders'")
        s.sql_write("INSERT INTO scheduler_leases(name,holder,expires_at) VALUES('reminders','serve:other:1',"
                    "'2999-01-01T00:00:00Z') ON CONFLICT (name) DO UPDATE SET holder=excluded.holder, "
                    "expires_at=excluded.expires_at")
        assert remind(s) == "skipped"
        assert s.sql("SELECT count(*) FROM reminders_sent")[0][0] == 0
        s.sql_write("DELETE FROM scheduler_leases")
        # the thread of `xunji serve` runs once at start-up (then every interval)
        s.shift_clock(0, office)
        deadline = time.monotonic() + 20
        while not reminders(office, c["id"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        m = reminders(office, c["id"])
        assert len(m) == 1 and m[0]["body"]["step"] == "second", m
        holder = s.sql("SELECT holder FROM scheduler_leases WHERE name='reminders'")[0][0]
        assert holder.startswith("serve:"), holder
        # the server holds the job's lease for its interval: a CLI run refuses (exit 4), none twice
        p = run_cli("remind", "--now", *s.set_args(), db=s.db, env={"XUNJI_TEST_MODE": "1"}, check=False)
        assert p.returncode == 4 and "job:reminders" in p.stderr and "serve:" in p.stderr, (p.returncode, p.stderr)
        assert len(reminders(office, c["id"])) == 1


@test
def remind_now_takes_the_job_lease_of_the_servers_and_gives_it_back():
    with Server({}) as s:
        s.sql_write("INSERT INTO scheduler_leases(name,holder,expires_at) VALUES('job:reminders','serve:other:7',"
                    "'2999-01-01T00:00:00Z') ON CONFLICT (name) DO UPDATE SET holder=excluded.holder, "
                    "expires_at=excluded.expires_at")
        p = run_cli("remind", "--now", *s.set_args(), db=s.db, env={"XUNJI_TEST_MODE": "1"}, check=False)
        assert p.returncode == 4, (p.returncode, p.stdout, p.stderr)
        assert "租约" in p.stderr and "serve:other:7" in p.stderr and "2999-01-01" in p.stderr, p.stderr
        assert s.sql("SELECT count(*) FROM audit WHERE action='job.run'")[0][0] == 0
        # expired: the run claims it (audited, as the server's tick) and gives it back when done
        s.sql_write("UPDATE scheduler_leases SET expires_at='2000-01-01T00:00:00Z' WHERE name='job:reminders'")
        assert remind(s).startswith("sent ")
        holder, runs = s.sql("SELECT holder, runs FROM scheduler_leases WHERE name='job:reminders'")[0]
        assert holder.startswith("cli:") and runs == 1, (holder, runs)  # the inserted row had none
        assert s.sql("SELECT count(*) FROM audit WHERE action='job.run' AND object_id='job:reminders'")[0][0] == 1
        assert remind(s).startswith("sent ")  # given back: the next run (cron's) is not refused


def digests(c, kind):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m for m in items if m["object_kind"] == kind and m["action"] == "remind_digest"]


def counts(out):
    """"sent 1 messages 9 digested 3" -> {"sent": 1, "messages": 9, "digested": 3}"""
    w = out.split()
    return {w[i]: int(w[i + 1]) for i in range(0, len(w), 2)}


def overdue_dataset(s):
    """Four rectification tasks of unit u1 (due in 2, 3, 15 and 40 days) and a
    clue handed over today (registration due within 5 working days)."""
    tg = s.ids["targets"]
    member1, leader1, lg, office = s.client("member1"), s.client("leader1"), s.client("lg"), s.client("office")
    unit1 = s.client("unit1")
    p1 = expect(problem(member1, tg["u1"], title="人防工程维护资金挪用"), 201).json["id"]
    expect(leader1.post(f"/api/v1/problems/{p1}/confirm"), 200)
    report_and_feed_back(member1, leader1, lg, office, tg["u1"])
    expect(unit1.put(f"/api/v1/targets/{tg['u1']}/rectification/plan", {"plan_text": "整改方案"}), 200)
    tasks = [expect(unit1.post("/api/v1/rect-tasks", {"problem_id": p1, "measure": m, "owner_name": "王某",
                                                      "deadline": days_from_today(d)}), 201).json["id"]
             for m, d in (("追回挪用资金", 2), ("完善财务制度", 3), ("退还违规津贴", 15), ("开展警示教育", 40))]
    c = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "会计公款私存", "subject_name": "王某",
                                              "source": "records", "discovered_on": today_shanghai(),
                                              "allegation": "反映内容"}), 201).json["id"]
    expect(leader1.post(f"/api/v1/clues/{c}/verify", {"note": "核实"}), 200)
    expect(office.post(f"/api/v1/clues/{c}/handover", {"note": "边巡边交"}), 200)
    return tasks, c


@test
def long_overdue_records_come_in_one_digest_per_recipient_and_kind():
    with Server({"holidays": HOLIDAY}) as s:  # remind_digest_days: the default, 30
        (old1, old2, edge, recent), clue = overdue_dataset(s)
        unit1, office, lg, dispatched1, casemgmt = (s.client(n) for n in ("unit1", "office", "lg", "dispatched1",
                                                                          "casemgmt"))
        clients = (unit1, office, lg, dispatched1, casemgmt)
        # first pass 45 days on (a province imported with years of records): two tasks 43 and 42
        # days overdue and the clue more than 30 come in digests; the tasks 30 and 5 days overdue alone
        s.shift_clock(45, *clients)
        got = counts(remind(s))
        assert got["digested"] == 3, got
        for c in (unit1, office, lg, dispatched1):
            d = digests(c, "rect_task")
            assert len(d) == 1, (c.login_name, d)
            b = d[0]["body"]
            assert b["count"] == 2 and b["over_days"] == 30 and b["step"] == "overdue", (c.login_name, b)
            assert [r["id"] for r in b["records"]] == [old1, old2], (c.login_name, b)
            assert [r["days_overdue"] for r in b["records"]] == [43, 42], b
            assert "您有 2 项整改任务逾期超过 30 天" in d[0]["title"] and "追回挪用资金" in d[0]["title"], d[0]["title"]
            assert d[0]["object_id"] == "" and not d[0].get("withheld"), d[0]
            # no one-by-one reminder of the digested tasks; the recent ones as before
            assert reminders(c, old1) == [] and reminders(c, old2) == [], c.login_name
            for tid, days in ((edge, 30), (recent, 5)):
                r = reminders(c, tid)
                assert len(r) == 1 and r[0]["body"]["step"] == "overdue" and f"已逾期 {days} 天" in r[0]["title"], r
        assert digests(casemgmt, "rect_task") == []
        # the clue: its owner, the office and the leading group read it; the unit's dispatched
        # group is told the count only (it may not read clues, as with a one-by-one reminder)
        for c in (casemgmt, office, lg):
            d = digests(c, "clue")
            assert len(d) == 1 and d[0]["body"]["count"] == 1, (c.login_name, d)
            assert [r["id"] for r in d[0]["body"]["records"]] == [clue] and "会计公款私存" in d[0]["title"], d
        assert dispatched1.get(f"/api/v1/clues/{clue}").status in (403, 404)
        d = digests(dispatched1, "clue")
        assert len(d) == 1 and d[0]["body"]["count"] == 1 and d[0]["body"]["records"] == [], d
        assert "您有 1 项移交的问题线索逾期超过 30 天" in d[0]["title"] and "会计公款私存" not in d[0]["title"], d
        assert digests(unit1, "clue") == [] and reminders(unit1, clue) == []
        # marked reminded at the overdue step, in the same run
        for rid in (old1, old2, edge, recent, clue):
            assert s.sql("SELECT step FROM reminders_sent WHERE record_id=?", (rid,)) == [("overdue",)], rid
        # audited once per digest message: codes, the count and ids, no text
        rows = s.sql("SELECT actor_login, object_kind, object_id, detail FROM audit "
                     "WHERE action='reminder.digest' ORDER BY seq")
        assert sorted((r[1], json.loads(r[3])["to_role"]) for r in rows) == sorted(
            [("rect_task", "unit_liaison"), ("rect_task", "inspection_office"), ("rect_task", "dispatched_group"),
             ("rect_task", "leading_group"), ("clue", "case_mgmt"), ("clue", "inspection_office"),
             ("clue", "dispatched_group"), ("clue", "leading_group")]), rows
        for actor, kind, oid, det in rows:
            dd = json.loads(det)
            assert actor == "system:reminders" and oid is None and dd["records"] == (2 if kind == "rect_task" else 1)
            assert "追回" not in det and "会计" not in det, det
        dg = [json.loads(r[3]) for r in rows if r[1] == "clue" and json.loads(r[3])["to_role"] == "dispatched_group"]
        assert dg[0]["shown"] == [] and dg[0]["to_scope"], dg
        assert s.sql("SELECT count(*) FROM audit WHERE action='reminder.send' AND object_id IN (?,?,?)",
                     (old1, old2, clue))[0][0] == 0
        n = s.sql("SELECT count(*) FROM messages")[0][0]
        ours = ("SELECT count(*) FROM messages WHERE (object_id IN (?,?,?,?,?) AND action='remind') "
                "OR action='remind_digest'")
        n_ours = s.sql(ours, (old1, old2, edge, recent, clue))[0][0]

        # a second pass (and one when the recent tasks are long overdue too): nothing new
        assert counts(remind(s)) == {"sent": 0, "messages": 0, "digested": 0}
        s.shift_clock(90, *clients)
        got = counts(remind(s))
        assert got["digested"] == 0, got
        # 8 digests, the two recent tasks' 4 recipients each
        assert s.sql(ours, (old1, old2, edge, recent, clue))[0][0] == n_ours == 8 + 2 * 4, n_ours
        assert s.sql("SELECT count(*) FROM messages")[0][0] == n + got["messages"]
        out = run_cli("audit", "verify", *s.set_args(), db=s.db, env={"XUNJI_TEST_MODE": "1"})
        assert "OK" in out.stdout, out.stdout


@test
def remind_digest_days_0_reminds_each_record_as_before():
    with Server({"holidays": HOLIDAY, "remind_digest_days": 0}) as s:
        (old1, old2, edge, recent), clue = overdue_dataset(s)
        unit1, office, dispatched1 = s.client("unit1"), s.client("office"), s.client("dispatched1")
        s.shift_clock(45, unit1, office, dispatched1)
        got = counts(remind(s))
        assert got["digested"] == 0 and got["sent"] >= 5, got
        for c in (unit1, office):
            assert digests(c, "rect_task") == [] and digests(c, "clue") == []
            for tid, days in ((old1, 43), (old2, 42), (edge, 30), (recent, 5)):
                r = reminders(c, tid)
                assert len(r) == 1 and f"已逾期 {days} 天" in r[0]["title"], (c.login_name, r)
        assert len(reminders(office, clue)) == 1
        dm = reminders(dispatched1, clue)
        assert len(dm) == 1 and dm[0]["withheld"] is True, dm
        assert s.sql("SELECT count(*) FROM audit WHERE action='reminder.digest'")[0][0] == 0


@test
def remind_digest_days_is_bounded():
    for v in ("-1", "3651", "x"):
        p = run_cli("remind", "--now", "--set", f"remind_digest_days={v}", db="/nonexistent/x.db", check=False)
        assert p.returncode != 0 and "remind_digest_days" in p.stderr and "配置项" in p.stderr, (v, p.stderr)
