"""run.py — runs the API scenario tests (tests/api/test_*.py) against the
binary named by XUNJI_BIN. Ends with the line "api: N passed, N failed".

Usage: python3 tests/api/run.py [module-substring] [test-substring]

Modules run in parallel, each in its own Python process with its own
servers, databases and ports (XUNJI_TEST_JOBS processes at once, default the
number of cores + 1: a module waits on its server and on sleeps about as much
as it computes); their output is printed module by module in name order, each
with its wall and CPU time. A module process that dies without a result line
counts as one failure.

Mechanics that make the run cheaper without changing what a test sees:
- every server's directory is under one run directory on tmpfs (/dev/shm;
  XUNJI_TEST_TMP picks another place): the same files and the same fsync
  calls, without waiting for a disk;
- `xunji init --demo` runs once per run, not once per module: each Server()
  copies that template (lib.py, XUNJI_DEMO_TEMPLATE);
- password hashes cost 1000 PBKDF2 iterations instead of 100,000 (the
  test-mode-only test_pbkdf2_iterations, lib.TEST_KDF_ENV; the tests about the
  production count use Server(production_kdf=True));
- the slowest modules of the last run (tests/out/api-times.json) start first.
"""
import concurrent.futures
import glob
import importlib.util
import os
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
TIMES = os.path.join(here, "../out/api-times.json")


def run_root():
    """The run's directory on tmpfs (or XUNJI_TEST_TMP, or the system default)."""
    base = os.environ.get("XUNJI_TEST_TMP")
    if not base and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        base = "/dev/shm"
    root = tempfile.mkdtemp(prefix="xunji-tests-", dir=base or None)
    # others may pass through (not list) it, as through /tmp: a server run as
    # another user (e.g. a database's own account) reaches its directory below
    os.chmod(root, 0o711)
    return root


def make_template(root):
    """One `xunji init --demo` for the whole run (lib.py copies it per Server)."""
    sys.path.insert(0, here)
    import lib  # noqa: E402
    d = os.path.join(root, "demo-template")
    os.mkdir(d)
    lib.run_cli("init", "--demo", "--accounts-file", os.path.join(d, "accounts.json"),
                db=os.path.join(d, "t.db"), binary=lib.INIT_BIN, env=lib.TEST_KDF_ENV)
    return d


def load_times():
    try:
        with open(TIMES, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def run_module(path, only_test):
    """In a child process: runs one module's tests, prints its tally."""
    sys.path.insert(0, here)
    import lib  # noqa: E402
    name = os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    p, f = lib.run_all(name, only_test)
    print(f"module: {p} passed, {f} failed", flush=True)
    return 1 if f else 0


def spawn(path, only_test):
    t0 = time.time()
    cmd = [sys.executable, os.path.abspath(__file__), "--module", path]
    if only_test:
        cmd.append(only_test)
    with tempfile.TemporaryFile() as buf:
        p = subprocess.Popen(cmd, stdout=buf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        # wait4: the CPU time of the module process and of everything it
        # reaped (its servers and CLI runs), whatever else runs beside it
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        buf.seek(0)
        out = buf.read().decode("utf-8", "replace")
    cpu = ru.ru_utime + ru.ru_stime
    m = re.search(r"^module: (\d+) passed, (\d+) failed$", out, re.M)
    if m:
        passed, failed = int(m.group(1)), int(m.group(2))
        if p.returncode != 0 and failed == 0:
            failed = 1
    else:
        passed, failed = 0, 1
        out += f"FAIL {os.path.basename(path)}: the module process ended without a result (exit {p.returncode})\n"
    return path, out, passed, failed, time.time() - t0, cpu


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--module":
        sys.exit(run_module(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
    only_mod = sys.argv[1] if len(sys.argv) > 1 else None
    only_test = sys.argv[2] if len(sys.argv) > 2 else None
    paths = [p for p in sorted(glob.glob(os.path.join(here, "test_*.py")))
             if not only_mod or only_mod in os.path.basename(p)]
    jobs = int(os.environ.get("XUNJI_TEST_JOBS") or (os.cpu_count() or 2) + 1)
    # the slowest modules of the last run first (a new one counts as slow;
    # without any timings, the biggest files first), so that the last one
    # to finish is short
    times = load_times()
    order = sorted(paths, key=lambda p: (-times.get(os.path.basename(p), 1e6), -os.path.getsize(p)))
    root = run_root()
    # children: their temp files (servers' directories) under the run's root
    os.environ["TMPDIR"] = root
    os.environ["XUNJI_DEMO_TEMPLATE"] = make_template(root)
    # XUNJI_FAIL_FAST=1 (the mutant runs): after the first failure, modules
    # not yet started are skipped
    fail_fast = os.environ.get("XUNJI_FAIL_FAST") == "1"
    failed_once = []

    def job(p):
        if fail_fast and failed_once:
            return p, "", 0, 0, 0.0, 0.0
        res = spawn(p, only_test)
        if res[3]:
            failed_once.append(p)
        return res

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for fut in concurrent.futures.as_completed([ex.submit(job, p) for p in order]):
            path, out, p, f, secs, cpu = fut.result()
            results[path] = (out, p, f, secs, cpu)
    passed = failed = 0
    for path in paths:
        out, p, f, secs, cpu = results[path]
        out = re.sub(r"^module: .*\n?", "", out, flags=re.M)
        sys.stdout.write(out)
        print(f"     ({os.path.basename(path)}: {secs:.0f} s, cpu {cpu:.0f} s)")
        passed += p
        failed += f
    if only_mod is None and only_test is None:
        try:
            os.makedirs(os.path.dirname(TIMES), exist_ok=True)
            with open(TIMES, "w", encoding="utf-8") as f:
                json.dump({os.path.basename(p): round(results[p][3], 1) for p in paths}, f, indent=0,
                          sort_keys=True)
        except OSError:
            pass
    if os.environ.get("XUNJI_KEEP") or (failed and os.listdir(root) != ["demo-template"]):
        print(f"(the tests' directories are kept under {root})")
    else:
        shutil.rmtree(root, ignore_errors=True)
    print(f"api: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
