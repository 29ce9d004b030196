"""run.py — runs the API scenario tests (tests/api/test_*.py) against the
binary named by XUNJI_BIN. Ends with the line "api: N passed, N failed".
Usage: python3 tests/api/run.py [module-substring] [test-substring]
"""
import glob
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import lib  # noqa: E402

only_mod = sys.argv[1] if len(sys.argv) > 1 else None
only_test = sys.argv[2] if len(sys.argv) > 2 else None
passed = failed = 0
for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
    name = os.path.basename(path)[:-3]
    if only_mod and only_mod not in name:
        continue
    lib._tests.clear()
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    p, f = lib.run_all(name, only_test)
    passed += p
    failed += f
print(f"api: {passed} passed, {failed} failed", flush=True)
sys.exit(1 if failed else 0)
