#!/usr/bin/env bash
# run.sh — the test tiers. Each ends with one line "N passed, N failed" (the
# sum of every part) and fails if any part failed or left a process behind.
#
#   tests/run.sh check   `make check` (the README's test command, < 8 min):
#                        unit tests (release and ASan+UBSan), the visibility
#                        guard (tests/guard/visibility.sh), the API suite
#                        once under ASan+UBSan, the fuzz corpora replayed,
#                        the browser tests
#   tests/run.sh test    `make test` (the inner loop, < 3 min): unit tests and
#                        the API suite on the release build
#   tests/run.sh long    `make check-long`: the API suite on the release build
#                        too, the full fault-injection walk, timed fuzzing,
#                        and every longer suite as it arrives
set -uo pipefail
cd "$(dirname "$0")/.."
tier=${1:-check}
mkdir -p tests/out
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
total_p=0 total_f=0 status=0

tally() { # name, log file, exit code
  local line p f
  line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
  p=$(sed -E 's/^[a-z0-9-]+: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  if [ -z "$line" ]; then p=0; f=1; echo "$1: 没有得到测试结果 (exit $3)"; fi
  if [ "$3" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; echo "$1: 异常退出 (exit $3)"; fi
  total_p=$((total_p + p)); total_f=$((total_f + f))
  printf '%-14s %4d passed, %d failed\n' "$1" "$p" "$f"
  [ "$f" -eq 0 ] || { status=1; grep -E -A30 '^FAIL' "$2" | head -n 120; }
}

run() { # name, command...
  local name=$1; shift
  local log="tests/out/$name.log" t0=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  tally "$name" "$log" "$rc"
  echo "               ($((SECONDS - t0)) s, log: $log)"
}

# Servers started by the suites die with them (PR_SET_PDEATHSIG); this makes
# sure: any xunji process of this tree still alive is a failure, and killed.
leftovers() {
  local pid exe found=0
  for pid in $(pgrep -x xunji 2>/dev/null); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    case "$exe" in "$PWD"/build/*)
      echo "leftover: 测试结束后仍在运行的进程 $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline"))"
      kill -9 "$pid" 2>/dev/null; found=1 ;;
    esac
  done
  if [ "$found" -eq 1 ]; then total_f=$((total_f + 1)); status=1; else total_p=$((total_p + 1)); fi
  printf '%-14s %4d passed, %d failed\n' leftovers $((1 - found)) "$found"
}

e2e_ready() {
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null &&
    bash scripts/web.sh >tests/out/web-build.log 2>&1 && [ -f web/dist/index.html ] &&
    [ -d web/node_modules/playwright-core ]
}

case "$tier" in
  check)
    # End-to-end tests of the browser UI in Debian's Chromium (playwright-core, no
    # browser download); only when chromium, Node >= 20.19 and web/node_modules exist.
    # They mostly wait on the browser, so they run beside the other parts.
    e2e_pid=
    if e2e_ready; then
      e2e_t0=$SECONDS
      env XUNJI_BIN=build/release/xunji XUNJI_E2E_TIER=check node tests/e2e/run.mjs >tests/out/e2e.log 2>&1 &
      e2e_pid=$!
    fi
    run unit build/release/unit
    run unit-asan build/asan/unit
    # no handler decides visibility itself (issue 14: core/visibility.h is the one place)
    run guard bash tests/guard/visibility.sh
    run api-asan env XUNJI_BIN=build/asan/xunji XUNJI_INIT_BIN=build/release/xunji python3 tests/api/run.py
    # every fuzz corpus replayed (no mutation) under ASan+UBSan (docs/testing.md)
    run fuzz bash scripts/fuzz.sh replay
    if [ -n "$e2e_pid" ]; then
      wait "$e2e_pid"; rc=$?
      tally e2e tests/out/e2e.log "$rc"
      echo "               ($((SECONDS - e2e_t0)) s, log: tests/out/e2e.log)"
    else
      echo "e2e            跳过: 需要 /usr/bin/chromium、Node >= 20.19 与 web/node_modules (bash scripts/deps.sh 安装)"
    fi
    ;;
  test)
    run unit build/release/unit
    run guard bash tests/guard/visibility.sh
    run api env XUNJI_BIN=build/release/xunji python3 tests/api/run.py
    ;;
  long)
    run api env XUNJI_BIN=build/release/xunji python3 tests/api/run.py
    # the API modules that pass on PostgreSQL, against a throwaway cluster (issue 16;
    # tests/api/pg_modules.txt, docs/deployment.md)
    run api-pg env XUNJI_BIN=build/release/xunji python3 tests/api/pg.py --list tests/api/pg_modules.txt
    # every write of the fault scenario, not a sample (tests/api/test_faults.py)
    run faults-full env XUNJI_FAULT_WALK=full XUNJI_BIN=build/release/xunji python3 tests/api/run.py faults every_write
    # timed fuzzing: 60 s per target
    run fuzz-long bash scripts/fuzz.sh run 60
    # the browser tests the check tier leaves out (tests/e2e/run.mjs LONG)
    if e2e_ready; then
      run e2e-long env XUNJI_BIN=build/release/xunji XUNJI_E2E_TIER=long node tests/e2e/run.mjs
    else
      echo "e2e-long       跳过: 需要 /usr/bin/chromium、Node >= 20.19 与 web/node_modules (bash scripts/deps.sh 安装)"
    fi
    ;;
  *) echo "usage: tests/run.sh check|test|long" >&2; exit 2 ;;
esac
leftovers

echo "$total_p passed, $total_f failed"
exit $status
