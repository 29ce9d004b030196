#!/bin/bash
# bench/callgrind.sh BINARY OUT — instruction counts per request of GET one record
# (docs/performance.md, "Writes": per-request work). On a copy of the bench
# database (BENCH_DIR, BENCH_PROBLEMS as bench/run.py; generate it first with
# bench/run.py or bench/writes.py), serves under valgrind --tool=callgrind,
# sends 30 warm-up requests, zeroes the counters, sends 200
# GET /api/v1/problems/{id} with office's API token (curl), dumps OUT.1.
# Read it with: callgrind_annotate --inclusive=yes OUT.1
# CG_PATH: another path to measure instead (e.g. "/api/v1/problems?per_page=50",
# a list page); CG_N: requests measured (200).
# CG_POST=1: the durable write of bench/run.py instead — POST /api/v1/clues
# with member1's token (scope all) and the bench's body (audited, sealed,
# fsync'd); docs/performance.md "Where the time goes", durable writes.
set -e
BIN=$(readlink -f "$1"); OUT=$(readlink -f "$2")
DIR=${BENCH_DIR:-build/bench}; P=${BENCH_PROBLEMS:-1000000}; PORT=${CG_PORT:-18931}
SRC=$DIR/bench-$P.db; DB=$DIR/cg.db
[ -f "$SRC.done" ] || { echo "callgrind.sh: $SRC missing (run bench/writes.py first)"; exit 1; }
rm -f "$DB" "$DB"-*; for s in "" .key .audit-anchor; do cp "$SRC$s" "$DB$s"; done
if [ -n "$CG_POST" ]; then
  TOK=$(XUNJI_TOKEN_REQUIRES_2FA=0 "$BIN" user token member1 --name cg --scope all --db "$DB" 2>/dev/null | head -1)
  TGT=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['targets']['u1'])" "$SRC.accounts.json")
  BODY='{"target_id":"'$TGT'","title":"压测线索","subject_name":"某","source":"records","discovered_on":"'$(TZ=Asia/Shanghai date +%F)'","allegation":"压测内容, 线索具体"}'
else
  TOK=$(XUNJI_TOKEN_REQUIRES_2FA=0 "$BIN" user token office --name cg --db "$DB" 2>/dev/null | head -1)
fi
ID=$(python3 -c "import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute('select id from problems order by id limit 1 offset ?',(int(sys.argv[2])//2,)).fetchone()[0])" "$DB" "$P")
XUNJI_TOKEN_REQUIRES_2FA=0 valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BIN" serve --db "$DB" \
  --listen 127.0.0.1:$PORT --set access_log=0 --set remind_interval_minutes=0 > "$DIR/cg.log" 2>&1 &
VG=$!
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$PORT/healthz && break; sleep 0.3; done
URLP=${CG_PATH:-/api/v1/problems/$ID}; N=${CG_N:-200}
get() { curl -s -o /dev/null -H "Authorization: Bearer $TOK" "http://127.0.0.1:$PORT$URLP"; }
if [ -n "$CG_POST" ]; then
  URLP=/api/v1/clues
  get() { curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOK" -H "Content-Type: application/json" \
            --data-binary "$BODY" "http://127.0.0.1:$PORT$URLP" | grep -qx 201 || echo "callgrind.sh: POST not 201" >&2; }
fi
for i in $(seq 1 30); do get; done
callgrind_control -z $VG > /dev/null
for i in $(seq 1 "$N"); do get; done
callgrind_control -d $VG > /dev/null
kill $VG; wait $VG || true
rm -f "$DB" "$DB"-* "$DB".key "$DB".audit-anchor
callgrind_annotate "$OUT.1" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); printf "%d instructions per request\n", $1/'"$N"'}'
