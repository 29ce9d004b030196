"""Scheduled jobs fire once across servers (issue 16, src/domain/sched.c): two
xunji servers on one PostgreSQL database, both with the reminder job on a
3-second interval (test_sched_seconds, test mode). Each run is claimed in
scheduler_leases ("job:reminders") and audited ("job.run"): the runs counter
equals the audited runs, consecutive runs are at least an interval apart
(two servers running it each would start within the same second), and the
handed-over clue's reminder reaches the office once. `xunji remind --now`
takes the same lease: refused (exit 4, who holds it until when) while a
server holds it, and gives it back after its run.

PostgreSQL tier (tests/api/pg_modules.txt). Without PostgreSQL the test says so
and passes, except under CI."""
import datetime
import os
import time

import lib
import pg
from lib import Server, expect, run_cli, test, today_shanghai
from pg_fixture import SecondServer

if pg.available():
    lib.PG = True

INTERVAL = 3


def reminders(c, object_id):
    items = expect(c.get("/api/v1/messages?per_page=200"), 200).json["items"]
    return [m for m in items if m["object_id"] == object_id and m["action"] == "remind"]


@test
def the_reminder_job_runs_once_per_interval_across_two_servers():
    if not pg.available():
        assert not os.environ.get("CI"), "PostgreSQL 未安装: CI 中 scripts/deps.sh 应已安装 postgresql"
        print("     (跳过: 本机没有 PostgreSQL — bash scripts/deps.sh 安装 postgresql)")
        return
    settings = {"remind_interval_minutes": 60, "session_sweep_minutes": 10, "test_sched_seconds": INTERVAL}
    with Server(settings) as s:
        tg = s.ids["targets"]
        member1, leader1, office = s.client("member1"), s.client("leader1"), s.client("office")
        c = expect(member1.post("/api/v1/clues", {"target_id": tg["u1"], "title": "线索乙", "subject_name": "张某",
                                                  "source": "records", "discovered_on": today_shanghai(),
                                                  "allegation": "反映内容"}), 201).json
        expect(leader1.post(f"/api/v1/clues/{c['id']}/verify", {"note": "核实"}), 200)
        expect(office.post(f"/api/v1/clues/{c['id']}/handover", {"note": "边巡边交"}), 200)
        with SecondServer(s) as s2:
            # both tick every INTERVAL seconds; wait for a few runs in total (not a pass condition)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                r = s.sql("SELECT runs FROM scheduler_leases WHERE name='job:reminders'")
                if r and r[0][0] >= 4:
                    break
                time.sleep(0.5)
            pids = {s.proc.pid, s2.proc.pid}
        s.stop()
        runs = s.sql("SELECT runs FROM scheduler_leases WHERE name='job:reminders'")[0][0]
        audited = s.sql("SELECT at, request_id FROM audit WHERE action='job.run' AND object_id='job:reminders' "
                        "ORDER BY seq")
        assert runs >= 2 and runs == len(audited), (runs, audited)
        at = [datetime.datetime.fromisoformat(a.replace("Z", "+00:00")) for a, _ in audited]
        gaps = [(b - a).total_seconds() for a, b in zip(at, at[1:])]
        assert all(g >= INTERVAL - 1 for g in gaps), gaps  # never two runs in one period
        holders = {int(h.rsplit(":", 1)[1]) for _, h in audited}
        assert holders <= pids, (holders, pids)
        # the clue's reminder step was sent once, whoever ran it
        assert s.sql("SELECT count(*) FROM reminders_sent WHERE record_id=?", (c["id"],))[0][0] == 1
        s.start()
        m = reminders(s.client("office"), c["id"])
        assert len(m) == 1 and m[0]["body"]["step"] == "second", m
        # the sessions sweep is a job too (claimed, not audited)
        assert s.sql("SELECT runs FROM scheduler_leases WHERE name='job:sessions_sweep'")[0][0] >= 1


@test
def remind_now_takes_the_servers_job_lease_on_postgresql():
    if not pg.available():
        assert not os.environ.get("CI"), "PostgreSQL 未安装: CI 中 scripts/deps.sh 应已安装 postgresql"
        print("     (跳过: 本机没有 PostgreSQL — bash scripts/deps.sh 安装 postgresql)")
        return
    with Server({"remind_interval_minutes": 0}) as s:
        s.sql_write("INSERT INTO scheduler_leases(name,holder,expires_at) VALUES('job:reminders','serve:other:7',"
                    "'2999-01-01T00:00:00Z') ON CONFLICT (name) DO UPDATE SET holder=excluded.holder, "
                    "expires_at=excluded.expires_at")
        env = {"XUNJI_TEST_MODE": "1"}
        p = run_cli("remind", "--now", *s.set_args(), db=s.db, env=env, check=False)
        assert p.returncode == 4 and "serve:other:7" in p.stderr and "2999-01-01" in p.stderr, (p.returncode, p.stderr)
        assert s.sql("SELECT count(*) FROM audit WHERE action='job.run'")[0][0] == 0
        s.sql_write("UPDATE scheduler_leases SET expires_at='2000-01-01T00:00:00Z' WHERE name='job:reminders'")
        p = run_cli("remind", "--now", *s.set_args(), db=s.db, env=env)
        assert p.stdout.startswith("sent "), p.stdout
        holder, until = s.sql("SELECT holder, expires_at FROM scheduler_leases WHERE name='job:reminders'")[0]
        assert holder.startswith("cli:") and until < "2999", (holder, until)
        assert s.sql("SELECT count(*) FROM audit WHERE action='job.run' AND object_id='job:reminders'")[0][0] == 1
        p = run_cli("remind", "--now", *s.set_args(), db=s.db, env=env)  # given back: not refused
        assert p.stdout.startswith("sent "), p.stdout
