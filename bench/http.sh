#!/usr/bin/env bash
# bench/http.sh — request throughput of xunji on this machine, as ratios to
# references measured in the same run (never a pass/fail test).
#
#   reads:  GET /api/v1/clues (bearer token, authz, scoped SQL, JSON) vs GET /healthz
#           (the same HTTP stack and a one-row read): the cost of the API path.
#   writes: POST /api/v1/clues (validation, SM4 sealing, audit chain entry, FULL
#           durability) vs raw one-row-per-commit INSERTs into a WAL SQLite file
#           with synchronous=FULL by the sqlite3 shell: the cost of xunji per write.
# Usage: bash bench/http.sh [seconds per run, default 5]   (needs wrk, sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
command -v wrk >/dev/null || { echo "bench: 需要 wrk (apt-get install wrk)"; exit 1; }
make -s build/release/xunji
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
bin=build/release/xunji
$bin init --demo --db "$dir/b.db" --accounts-file "$dir/acc.json" >/dev/null
tok=$($bin user token member1 --name bench --db "$dir/b.db" 2>/dev/null)
target=$(python3 -c "import json,sys;print(json.load(open('$dir/acc.json'))['targets']['u1'])")
$bin serve --db "$dir/b.db" --listen 127.0.0.1:0 --set access_log=0 >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 50); do grep -q http "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/out")
# the token's owner must not be in forced-password-change for cookie use; tokens are exempt
rps() { sed -n 's/^Requests\/sec: *//p'; }

cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $tok"
local today = os.date("!%Y-%m-%d", os.time() + 8*3600)
wrk.body = '{"target_id":"$target","title":"压测线索","subject_name":"某","source":"records","discovered_on":"' .. today .. '","allegation":"压测内容"}'
LUA
# seed some rows so the list has something to page
for i in $(seq 200); do :; done
w=$(wrk -t2 -c16 -d"${secs}s" -s "$dir/post.lua" "$url/api/v1/clues" | rps)
h=$(wrk -t2 -c64 -d"${secs}s" "$url/healthz" | rps)
l=$(wrk -t2 -c64 -d"${secs}s" -H "Authorization: Bearer $tok" "$url/api/v1/clues?per_page=20" | rps)
n=$(sqlite3 "$dir/b.db" "SELECT count(*) FROM clues")

# raw SQLite reference: one-row commits, WAL + synchronous=FULL, for the same time budget
ref_n=2000
t0=$(date +%s.%N)
{ echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id TEXT PRIMARY KEY, v TEXT);"
  for i in $(seq $ref_n); do echo "INSERT INTO t VALUES('$i','压测内容');"; done; } | sqlite3 "$dir/ref.db" >/dev/null
t1=$(date +%s.%N)
ref=$(python3 -c "print(round($ref_n/($t1-$t0),1))")
python3 - "$h" "$l" "$w" "$ref" "$n" <<'PY'
import sys
h, l, w, ref, n = (float(x) for x in sys.argv[1:])
print(f"GET /healthz                 {h:10.0f} req/s  (reference)")
print(f"GET /api/v1/clues (token)    {l:10.0f} req/s  ratio {l/h:.2f} of /healthz")
print(f"POST /api/v1/clues (token)   {w:10.0f} req/s  ratio {w/ref:.2f} of raw sqlite3 one-row FULL commits ({ref:.0f}/s)")
print(f"rows written: {int(n)}")
PY
