#!/bin/bash
# tests/api/test_writers.sh -- one writer per tenant at a time. While an
# ingest is storing a file (held still with SIGSTOP, as a slow one would
# be), a second ingest and an analyze wait for it, saying which upload they
# wait for, and then both succeed; with --no-wait ingest, analyze and
# deliver are refused at once (exit 75) naming the upload being stored;
# readers are never blocked; and a writer killed with -9 leaves no stale
# lock behind.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/writers.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -CONT "$p" 2>/dev/null || true
        kill "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=$TENKEN_DATA/city/store.db
lock=$TENKEN_DATA/city/write.lock
q() { sqlite3 "$db" "$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

cat >"$tmp/p.json" <<'JSON'
{"profile": "p", "system": {"value": "s"},
 "fields": {"time": {"column": "t", "format": "YYYY-MM-DD hh:mm:ss"}, "user": {"column": "u"},
            "operation": {"column": "o", "map": {"x": "lookup"}}}}
JSON
# gen FILE MONTH ROWS: a good log of ROWS rows in 2024-MONTH.
gen() {
    python3 - "$@" <<'PY'
import sys
name, month, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(name, "w") as f:
    f.write("t,u,o\n")
    for i in range(rows):
        f.write("2024-%02d-%02d %02d:%02d:%02d,u%d,x\n"
                % (month, 1 + i % 28, 8 + i % 10, i % 60, i // 60 % 60, i % 50))
PY
}
gen "$tmp/big.csv" 9 1000000
gen "$tmp/big2.csv" 8 1000000
gen "$tmp/small.csv" 10 2000
gen "$tmp/refused.csv" 11 100
must "$bin" init --tenant city >/dev/null

# started PID N: waits (up to 20 s) until PID holds the lock storing upload N.
started() {
    local i
    for i in $(seq 1000); do
        grep -Eq "^pid $1 started [0-9]+ upload $2: ingest of big2?.csv$" "$lock" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}
# waiting FILE: waits (up to 20 s) until FILE says it waits for upload #1.
waiting() {
    local i
    for i in $(seq 200); do
        grep -q "waiting for the tenant's writer to finish: upload #1 (ingest of big.csv, pid $a, started [0-9:]*)$" "$1" && return 0
        sleep 0.1
    done
    return 1
}

# --- a slow ingest holds the tenant -------------------------------------------
"$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/big.csv" >"$tmp/a.out" 2>"$tmp/a.err" &
a=$!
pids+=("$a")
if ! started "$a" 1; then
    bad "the first ingest never described itself in $lock: $(cat "$lock" 2>&1) $(cat "$tmp/a.out" "$tmp/a.err")"
    finish
fi
kill -STOP "$a"
check 'grep -Eq "^pid $a started [0-9]+ upload 1: ingest of big.csv$" "$lock"' \
    "the lock file describes its holder: $(cat "$lock")"

# --no-wait: refused at once, nothing recorded.
t0=$(now_ms)
try "$bin" ingest --no-wait --tenant city --profile "$tmp/p.json" "$tmp/refused.csv"
t1=$(now_ms)
check '[ $st = 75 ] && grep -Eq "^tenken ingest: busy: upload #1 is being stored \(ingest of big.csv, pid $a, started [0-9]{2}:[0-9]{2}:[0-9]{2}\)$" "$tmp/err" && [ ! -s "$tmp/out" ]' \
    "ingest --no-wait is refused naming the upload: $(show)"
check '[ $((t1 - t0)) -lt 5000 ]' "ingest --no-wait answers at once, not after a timeout: $((t1 - t0)) ms"
check '[ "$(q "SELECT count(*) FROM uploads WHERE file_name='"'refused.csv'"'")" = 0 ]' \
    "a refused ingest records no upload"
t0=$(now_ms)
try "$bin" analyze --no-wait --tenant city --period 2024-10-01..2024-10-31
t1=$(now_ms)
check '[ $st = 75 ] && grep -q "^tenken analyze: busy: upload #1 is being stored (ingest of big.csv, pid $a, started" "$tmp/err" && [ $((t1 - t0)) -lt 5000 ]' \
    "analyze --no-wait is refused at once: $(show)"
try "$bin" deliver --no-wait --tenant city --period 2024-06-01..2024-06-30
check '[ $st = 75 ] && grep -q "^tenken deliver: busy: upload #1 is being stored" "$tmp/err"' \
    "deliver --no-wait is refused: $(show)"
check '[ "$(q "SELECT count(*) FROM delivered_periods")" = 0 ]' "a refused deliver stores nothing"

# Writers without --no-wait wait, saying for what.
"$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/small.csv" >"$tmp/b.out" 2>"$tmp/b.err" &
b=$!
pids+=("$b")
"$bin" analyze --tenant city --period 2024-10-01..2024-10-31 >"$tmp/c.out" 2>"$tmp/c.err" &
c=$!
pids+=("$c")
check 'waiting "$tmp/b.err"' "the second ingest says what it waits for: $(cat "$tmp/b.err")"
check 'waiting "$tmp/c.err"' "analyze says what it waits for: $(cat "$tmp/c.err")"
# Readers are not blocked by the writer.
t0=$(now_ms)
try "$bin" uploads --tenant city --format json
t1=$(now_ms)
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "[]" ] && [ $((t1 - t0)) -lt 5000 ]' \
    "uploads reads beside the writer at once: $((t1 - t0)) ms $(show)"
sleep 1
check 'kill -0 "$b" && kill -0 "$c"' "both writers are still waiting"
check '[ "$(q "SELECT count(*) FROM uploads")" = 0 ]' "nothing is stored while they wait"

kill -CONT "$a"
st_a=0 st_b=0 st_c=0
wait "$a" || st_a=$?
wait "$b" || st_b=$?
wait "$c" || st_c=$?
check '[ $st_a = 0 ] && grep -q "^stored   .*big.csv  1,000,000 rows" "$tmp/a.out"' \
    "the first ingest is stored: $st_a $(cat "$tmp/a.out" "$tmp/a.err")"
check '[ $st_b = 0 ] && grep -q "^stored   .*small.csv  2,000 rows" "$tmp/b.out" && grep -q "^tenken ingest: the tenant.s writer finished after [0-9]* s; going on$" "$tmp/b.err"' \
    "the waiting ingest is stored after the wait: $st_b $(cat "$tmp/b.out" "$tmp/b.err")"
check '[ $st_c = 0 ] && grep -q "^analysed 2024-10-01..2024-10-31: .* listed as run #1" "$tmp/c.out"' \
    "the waiting analyze runs after the wait: $st_c $(cat "$tmp/c.out" "$tmp/c.err")"
check '[ "$(q "SELECT group_concat(file_name || \":\" || status, \" \") FROM (SELECT * FROM uploads ORDER BY file_name)")" = "big.csv:stored small.csv:stored" ]' \
    "both uploads are recorded: $(q "SELECT id, file_name, status, message FROM uploads")"
check '[ ! -s "$lock" ]' "a released lock holds no description: $(cat "$lock")"

# --- kill -9 leaves no stale lock ------------------------------------------------
"$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/big2.csv" >"$tmp/d.out" 2>"$tmp/d.err" &
d=$!
pids+=("$d")
if started "$d" 3; then
    kill -9 "$d"
    wait "$d" || true
    t0=$(now_ms)
    try "$bin" ingest --no-wait --tenant city --profile "$tmp/p.json" "$tmp/refused.csv"
    t1=$(now_ms)
    check '[ $st = 0 ] && grep -q "^stored   .*refused.csv  100 rows" "$tmp/out" && [ $((t1 - t0)) -lt 10000 ]' \
        "after kill -9 of the holder the next writer goes on at once: $((t1 - t0)) ms $(show)"
    check '[ "$(q "SELECT count(*) FROM uploads WHERE file_name='"'big2.csv'"'")" = 0 ]' \
        "the killed ingest left no upload"
else
    bad "the ingest to kill never held the lock: $(cat "$lock" "$tmp/d.out" "$tmp/d.err" 2>&1)"
fi

finish
