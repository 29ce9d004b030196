#!/usr/bin/env bash
# fuzz.sh — builds and runs the libFuzzer targets of tests/fuzz/ (clang,
# ASan + UBSan; see docs/testing.md "Fuzzing").
#
#   scripts/fuzz.sh replay           every target once over its checked-in corpus, no
#                                    mutation (the check tier; well under a minute)
#   scripts/fuzz.sh run [SECONDS]    every target SECONDS (default 60) on its corpus; new
#                                    inputs go to build/fuzz/corpus/<target>/ (never the
#                                    checked-in corpus), crashes to build/fuzz/crashes/<target>/
#   scripts/fuzz.sh cover            line coverage per parser file (a coverage build run over
#                                    the checked-in corpus and build/fuzz/corpus/)
#   FUZZ_TARGETS="xlsx csv" limits any of them to some targets.
#
# replay and run end with the line "fuzz: N passed, N failed" (one per target).
# Inputs in tests/fuzz/crashes-known/<target>/ (crashes whose fix belongs to
# another branch) are replayed too and reported, without counting as failures.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-replay}
secs=${2:-60}
case "$mode" in replay | run | cover) ;; *)
  echo "usage: scripts/fuzz.sh replay | run [SECONDS] | cover" >&2
  exit 2 ;;
esac
bash scripts/deps.sh fuzz || { echo "fuzz: 0 passed, 1 failed"; exit 1; }

targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
# per-target options: input size cap and dictionary
opts() {
  local t=$1 o=()
  case $t in
    request) o+=(-max_len=8192) ;;
    xlsx) o+=(-max_len=65536) ;;
    csv) o+=(-max_len=24576) ;;
    upload) o+=(-max_len=131072) ;;
    *) o+=(-max_len=4096) ;;
  esac
  [ -f "tests/fuzz/$t.dict" ] && o+=("-dict=tests/fuzz/$t.dict")
  echo "${o[@]}"
}
# symbolized reports when llvm-symbolizer is there (package llvm-14)
for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
  if command -v "$s" >/dev/null 2>&1; then export ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# fontconfig's one lost pattern per process (PDF letters), as in the API suite
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

# the parsers whose line coverage `cover` reports (any target's executions count)
parsers=(src/report/xlsx_read.c src/domain/programme/pool.c src/api/imports.c src/api/files.c src/util/config.c
         src/api/dispatch.c src/api/paging.c src/api/static.c src/api/session.c src/core/fields.c src/core/args.c)
tool() { for c in "$1" "$1-14" "/usr/lib/llvm-14/bin/$1"; do command -v "$c" >/dev/null 2>&1 && { echo "$c"; return; }; done; echo "$1"; }

if [ "$mode" = cover ]; then
  bins=()
  for t in $targets; do bins+=("build/fuzzcov/fuzz_$t"); done
  nice make --no-print-directory -j2 "${bins[@]}" 2>&1 | grep -v "is up to date"
  [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
  prof=build/fuzzcov/prof
  rm -rf "$prof" && mkdir -p "$prof"
  objs=()
  for t in $targets; do
    dirs=("tests/fuzz/corpus/$t")
    [ -d "build/fuzz/corpus/$t" ] && dirs+=("build/fuzz/corpus/$t")
    LLVM_PROFILE_FILE="$prof/$t.profraw" nice "build/fuzzcov/fuzz_$t" -runs=0 -timeout=30 \
      "${dirs[@]}" >"$prof/$t.log" 2>&1 || echo "cover: fuzz_$t failed on its corpus (log $prof/$t.log)"
    echo "cover: fuzz_$t ran $(find "${dirs[@]}" -type f | wc -l) inputs"
    [ ${#objs[@]} -eq 0 ] && objs+=("build/fuzzcov/fuzz_$t") || objs+=(-object "build/fuzzcov/fuzz_$t")
  done
  "$(tool llvm-profdata)" merge -sparse "$prof"/*.profraw -o "$prof/all.profdata" || exit 1
  "$(tool llvm-cov)" report "${objs[@]}" -instr-profile="$prof/all.profdata" "${parsers[@]}"
  echo "cover: line-by-line: $(tool llvm-cov) show ${objs[*]} -instr-profile=$prof/all.profdata FILE"
  exit 0
fi

bins=()
for t in $targets; do bins+=("build/fuzz/fuzz_$t"); done
nice make --no-print-directory -j2 "${bins[@]}" 2>&1 | grep -v "is up to date"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  echo "fuzz: 0 passed, $(echo $targets | wc -w) failed"
  exit 1
fi

passed=0 failed=0
for t in $targets; do
  bin=build/fuzz/fuzz_$t
  corpus=tests/fuzz/corpus/$t
  log=build/fuzz/$t.log
  mkdir -p "$corpus"
  if [ "$mode" = replay ]; then
    t0=$(date +%s)
    # -runs=0: the corpus is read and each input executed once, nothing else
    # (no -max_len: every input whole)
    mkdir -p "build/fuzz/crashes/$t"
    if (nice "$bin" -runs=0 -timeout=30 -artifact_prefix="build/fuzz/crashes/$t/" "$corpus" >"$log" 2>&1) 2>/dev/null; then
      n=$(ls "$corpus" | wc -l)
      echo "ok   fuzz.$t (replayed $n inputs, $(( $(date +%s) - t0 ))s)"
      passed=$((passed + 1))
    else
      echo "FAIL fuzz.$t (replay of $corpus; log $log)"
      grep -a -m1 -E "ERROR:|runtime error|bad reply|SUMMARY" "$log" | sed 's/^/     /'
      failed=$((failed + 1))
    fi
    for k in tests/fuzz/crashes-known/"$t"/*; do
      [ -f "$k" ] || continue
      if (nice "$bin" -timeout=30 -artifact_prefix="build/fuzz/crashes/$t/" "$k" >"$log.known" 2>&1) 2>/dev/null; then
        echo "note fuzz.$t: known crash $k no longer crashes: move it to $corpus/"
      else
        echo "note fuzz.$t: known crash $k still crashes (its fix is on another branch)"
      fi
    done
  else
    new=build/fuzz/corpus/$t
    crashes=build/fuzz/crashes/$t
    mkdir -p "$new" "$crashes"
    # shellcheck disable=SC2046
    if (nice "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$crashes/" $(opts "$t") "$new" "$corpus" >"$log" 2>&1) 2>/dev/null; then
      execs=$(grep -a -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
      cov=$(grep -a -E '^#[0-9]+' "$log" | tail -1 | grep -o 'cov: [0-9]*')
      echo "ok   fuzz.$t (${secs}s, ${execs:-?} executions, $cov, corpus $new)"
      passed=$((passed + 1))
    else
      echo "FAIL fuzz.$t (log $log; crashing input in $crashes/)"
      grep -a -m3 -E "ERROR:|runtime error|bad reply|SUMMARY" "$log" | sed 's/^/     /'
      failed=$((failed + 1))
    fi
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
