"""The test clock: test_clock_days shifts the server's "now" for every rule
(dates stamped on records, deadlines, overdue), and only in test mode
(XUNJI_TEST_MODE=1); anywhere else the server refuses to start with it."""
import os
import subprocess

from lib import BIN, Server, days_from_today, expect, test


@test
def the_test_clock_is_refused_outside_test_mode():
    s = Server()
    try:
        env = {k: v for k, v in os.environ.items() if k != "XUNJI_TEST_MODE"}
        p = subprocess.run([BIN, "serve", "--db", s.db, "--listen", "127.0.0.1:0", "--set", "test_clock_days=5"],
                           capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
        assert "test_clock_days" in p.stderr and "XUNJI_TEST_MODE" in p.stderr, p.stderr
        # out of its bounds it is refused as any setting is
        p = subprocess.run([BIN, "serve", "--db", s.db, "--set", "test_clock_days=99999"],
                           capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode != 0 and "test_clock_days" in p.stderr, p.stderr
    finally:
        import shutil
        shutil.rmtree(s.dir, ignore_errors=True)


@test
def records_are_stamped_by_the_shifted_clock():
    with Server({"test_clock_days": 10}) as s:
        m = s.client("member1")
        c = expect(m.post("/api/v1/clues", {"target_id": s.ids["targets"]["u1"], "title": "时钟", "subject_name": "某",
                                            "source": "interview", "discovered_on": days_from_today(9),
                                            "allegation": "x"}), 201).json
        # created_at is UTC, days_from_today() Shanghai's date: a day apart at most
        assert c["created_at"][:10] in (days_from_today(9), days_from_today(10)), c["created_at"]
        # a date after the server's today is still refused: discovered in the future
        expect(m.post("/api/v1/clues", {"target_id": s.ids["targets"]["u1"], "title": "时钟", "subject_name": "某",
                                        "source": "interview", "discovered_on": days_from_today(12),
                                        "allegation": "x"}), 400)
