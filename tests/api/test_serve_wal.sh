#!/usr/bin/env bash
# tests/api/test_serve_wal.sh -- service.db's WAL under concurrent
# requests over TLS: the request connections never checkpoint, the
# server's checkpointer thread does, so the WAL must stay bounded (with
# --wal-restart 1, a few MB; 2,000 audited requests append 33 MB of
# frames without a checkpoint; the check allows 16 MiB for a machine
# busy with other work) while every
# answered request is in the audit log, and the thread must stop cleanly
# when the server is told to (exit 0, the WAL checkpointed away, the
# database intact).
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-wal.XXXXXX")
server_pid=
sampler=
cleanup() {
    if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"

must "$bin" init --tenant walt >/dev/null
serve_adduser w-analyst analyst walt
token=$(must "$bin" token create --user w-analyst)
db=$TENKEN_DATA/service.db
serve_cert
# The WAL restarted past 1 MiB (--wal-restart; 16 by default, more than
# this test writes).
serve_start --threads 2 --wal-restart 1

# The WAL's size, sampled every 20 ms while the load runs: the largest.
(
    max=0
    while :; do
        s=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
        if [ "$s" -gt "$max" ]; then max=$s; echo "$max" >"$tmp/wal.max"; fi
        sleep 0.02
    done
) &
sampler=$!

# 2,000 requests: 8 clients at once, each 250 on one kept-alive TLS
# connection (curl's URL range), one status line each.
workers=8 per=250
clients=()
for w in $(seq $workers); do
    curl -sS --cacert "$tmp/cert.pem" -H "Authorization: Bearer $token" \
        -o /dev/null -w '%{http_code}\n' "$base/api/v1/session?client=$w&n=[1-$per]" \
        >"$tmp/codes.$w" 2>"$tmp/curl.$w" &
    clients+=($!)
done
for p in "${clients[@]}"; do wait "$p" || true; done
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=
total=$((workers * per))
oks=$(cat "$tmp"/codes.* | grep -c '^200$' || true)
check '[ "$oks" = "$total" ]' "all $total requests answered 200: $oks did; curl said: $(cat "$tmp"/curl.* | head -5)"
walmax=$(cat "$tmp/wal.max" 2>/dev/null || echo 0)
echo "the WAL's largest size under load: $walmax bytes"
check '[ "$walmax" -gt 0 ] && [ "$walmax" -lt $((16 << 20)) ]' \
    "service.db-wal stays under 16 MiB (a restart past 1 MiB, and what comes in while it runs; 33 MB without one) under $total requests: its largest was $walmax bytes"
recorded=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE actor = 'w-analyst' AND action = 'GET /api/v1/session' AND outcome = 'ok'")
check '[ "$recorded" = "$total" ]' "every answered request is in the audit log: $recorded records of $total"

# The checkpointer's own account: it restarted the log, and nothing failed.
req GET /metrics
check '[ "$code" = 200 ]' "/metrics from the loopback: $last"
echo "the checkpointer: $(grep "^tenken_service_db" "$tmp/b" | tr "\n" " ")"
restarts=$(sed -n 's/^tenken_service_db_checkpoints_total{kind="restart"} //p' "$tmp/b")
errors=$(sed -n 's/^tenken_service_db_checkpoints_total{kind="error"} //p' "$tmp/b")
check '[ "${restarts:-0}" -ge 1 ] && [ "$errors" = 0 ]' \
    "the checkpointer restarted the WAL at least once, without errors: $(grep service_db "$tmp/b" | tr '\n' ' ')"

# A clean stop: SIGTERM ends the server and its checkpointer's thread
# within seconds, with status 0; the last connection's close checkpoints
# the WAL away and the records are all there.
kill -TERM "$server_pid"
stop_st=0
for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then
    bad "the server did not stop within 10 s of SIGTERM"
    kill -KILL "$server_pid"
fi
wait "$server_pid" || stop_st=$?
server_pid=
check '[ "$stop_st" = 0 ]' "the server exits 0 on SIGTERM: $stop_st; stderr: $(head -5 "$tmp/serve.err")"
walafter=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
check '[ "$walafter" = 0 ]' "no WAL left after the stop: $walafter bytes"
integrity=$(sqlite3 "$db" "PRAGMA integrity_check")
check '[ "$integrity" = ok ]' "service.db is intact after the stop: $integrity"
recorded=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE actor = 'w-analyst' AND action = 'GET /api/v1/session'")
check '[ "$recorded" = "$total" ]' "the records are all there after the stop: $recorded of $total"
grep -q 'AddressSanitizer\|runtime error\|ThreadSanitizer' "$tmp/serve.err" && bad "the server reported: $(head -20 "$tmp/serve.err")"
finish
