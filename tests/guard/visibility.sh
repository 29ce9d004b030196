#!/usr/bin/env bash
# visibility.sh — the guard of issue 14's one visibility model: no handler in
# src/api or src/domain decides on its own who sees which records. Fails,
# listing the offenders, when one of them
#   - builds a list filter from the policy (authz_filter_for),
#   - uses the old scope builder (entity_scope_sql), or
#   - asks authz() for a read action (*_LIST, *_READ, problem papers, report
#     text) instead of the model (core/visibility.h: vis_where / vis_in /
#     vis_row / vis_redact).
# Write checks (authz on write actions) are not its business.
# Prints "guard: N passed, N failed" (tests/run.sh tallies it).
set -uo pipefail
cd "$(dirname "$0")/../.."

# No exceptions: every file of src/api and src/domain asks the model.
allow=()
defs=()

allowed() {
  local f=$1 a
  for a in "${allow[@]}"; do [ "$f" = "$a" ] && return 0; done
  return 1
}

checks=0 failed=0
check() { # name, extended regexp, extra exclusions...
  local name=$1 re=$2; shift 2
  local hits line f bad=""
  hits=$(grep -rnE --include='*.c' --include='*.h' "$re" src/api src/domain || true)
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    f=${line%%:*}
    allowed "$f" && continue
    local skip=0 x
    for x in "$@"; do [ "$f" = "$x" ] && skip=1; done
    [ $skip -eq 1 ] && continue
    bad+="  $line"$'\n'
  done <<<"$hits"
  checks=$((checks + 1))
  if [ -n "$bad" ]; then
    failed=$((failed + 1))
    echo "FAIL $name: 这些处理函数自行决定记录的可见性, 应改为询问 core/visibility.h:"
    printf '%s' "$bad"
  else
    echo "ok   $name"
  fi
}

check no_authz_filter_for 'authz_filter_for\(' 
check no_entity_scope_sql 'entity_scope_sql' "${defs[@]}"
check no_authz_on_read_actions 'authz\([^;]*\bA_[A-Z_]*(_LIST|_READ|_PAPERS|_TEXT)\b'

echo "guard: $((checks - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
