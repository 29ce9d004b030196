#!/usr/bin/env bash
# mutants.sh — runs the API suite against each mutant build (src/util/mutant.h)
# and expects it to fail: a mutant the suite does not catch is a hole in the
# suite. Usage: scripts/mutants.sh N... (after `make build/mutant-N/xunji`).
# Ends with "mutants: K passed, S failed" (K caught, S survived).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p tests/out
caught=0 survived=0
declare -A what=([1]="authz allows everything" [2]="a write acknowledged before its commit"
                 [3]="figures, drill-downs and ledgers skip the visibility rule" [4]="the audit append is skipped"
                 [5]="sealed fields stored in clear" [6]="field redaction skipped"
                 [7]="the one-row visibility check says yes" [8]="a commit leaves the answer cache's data version")
for n in "$@"; do
  log=tests/out/mutant-$n.log t0=$SECONDS
  XUNJI_FAIL_FAST=1 XUNJI_BIN=build/mutant-$n/xunji XUNJI_INIT_BIN=build/release/xunji \
    python3 tests/api/run.py >"$log" 2>&1
  rc=$?
  first=$(grep -m1 '^FAIL' "$log" || true)
  if [ "$rc" -ne 0 ] && grep -qE '^api: [0-9]+ passed, [1-9][0-9]* failed' "$log"; then
    caught=$((caught + 1))
    echo "mutant $n (${what[$n]:-?}): caught in $((SECONDS - t0)) s by ${first#FAIL }"
  else
    survived=$((survived + 1))
    echo "mutant $n (${what[$n]:-?}): SURVIVED — the suite does not catch it (log: $log)"
  fi
done
echo "mutants: $caught passed, $survived failed"
[ "$survived" -eq 0 ]
