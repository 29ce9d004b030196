"""The test suite's cheaper password hash: test_pbkdf2_iterations replaces the
production PBKDF2 count (100,000) for new hashes, only in test mode
(XUNJI_TEST_MODE=1); anywhere else the server and the CLI refuse to start
with it. A hash records its own count, so one made with the low count is still
verified by a server without the setting."""
import os
import shutil
import subprocess

from lib import BIN, NEW_PASSWORD, Server, expect, test


@test
def the_test_work_factor_is_refused_outside_test_mode():
    s = Server()
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("XUNJI_TEST_MODE", "XUNJI_TEST_PBKDF2_ITERATIONS")}
        for how in (["--set", "test_pbkdf2_iterations=1000"], []):
            e = dict(env, XUNJI_TEST_PBKDF2_ITERATIONS="1000") if not how else env
            p = subprocess.run([BIN, "serve", "--db", s.db, "--listen", "127.0.0.1:0", *how],
                               capture_output=True, text=True, env=e, timeout=60)
            assert p.returncode == 3, (how, p.returncode, p.stdout, p.stderr)
            assert "test_pbkdf2_iterations" in p.stderr and "XUNJI_TEST_MODE" in p.stderr, p.stderr
        # the CLI alike (it would hash an account's one-time password)
        p = subprocess.run([BIN, "user", "add", "kdfuser", "--name", "测试", "--db", s.db],
                           capture_output=True, text=True, env=dict(env, XUNJI_TEST_PBKDF2_ITERATIONS="1000"),
                           timeout=60)
        assert p.returncode == 3 and "test_pbkdf2_iterations" in p.stderr, (p.returncode, p.stderr)
        assert not s.sql("SELECT 1 FROM users WHERE login='kdfuser'")
        # in test mode, below pw_verify's floor (1000) or above the production
        # count's floor it is refused as a wrong value
        for bad in ("999", "100000"):
            p = subprocess.run([BIN, "serve", "--db", s.db, "--listen", "127.0.0.1:0",
                                "--set", f"test_pbkdf2_iterations={bad}"],
                               capture_output=True, text=True, env=dict(env, XUNJI_TEST_MODE="1"), timeout=60)
            assert p.returncode != 0 and "test_pbkdf2_iterations" in p.stderr, (bad, p.stderr)
    finally:
        shutil.rmtree(s.dir, ignore_errors=True)


@test
def a_low_count_hash_is_verified_after_the_setting_is_removed():
    s = Server()  # the test work factor (lib.TEST_KDF_ENV)
    s.cleanup = False  # the database outlives the first server
    with s:
        s.client("member1")  # signs in and changes the one-time password
        stored = s.sql("SELECT pw_hash FROM users WHERE login='member1'")[0][0]
        assert stored.startswith("pbkdf2-sm3$1000$"), stored
    # the same database under the production count: the old hash still signs in,
    # and a new one costs 100,000 iterations again
    s.production_kdf = True
    s.cleanup = True
    with s:
        m = s.client()
        expect(m.post("/api/v1/auth/login", {"login": "member1", "password": "Wrong#Password-2026"}), 401)
        m.login("member1", NEW_PASSWORD, change=False)
        expect(m.post("/api/v1/auth/password", {"old_password": NEW_PASSWORD, "new_password": "Patrol#Other-2026"}),
               200)
        stored = s.sql("SELECT pw_hash FROM users WHERE login='member1'")[0][0]
        assert stored.startswith("pbkdf2-sm3$100000$"), stored
        expect(s.client().post("/api/v1/auth/login", {"login": "member1", "password": "Patrol#Other-2026"}), 200)
