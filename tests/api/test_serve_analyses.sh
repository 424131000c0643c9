#!/usr/bin/env bash
# tests/api/test_serve_analyses.sh -- analyses started over HTTP: a job run
# to done, the list, a cancel that stores nothing, 409 on a second start
# and on a delivered period, roles and another tenant.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-analyses.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

serve_demo 3
serve_cert
serve_start

P=2024-11-01..2024-11-30
runs0=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM analysis_runs")
start() { bearer "$1" POST "/api/v1/analyses$2" -H 'Content-Type: application/json' --data-binary "$3"; }
wait_job() { # WHO ID: polls until the job is finished; its last answer in $tmp/b
    for _ in $(seq 600); do
        bearer "$1" GET "/api/v1/analyses/$2"
        case $(jq_ 'd["state"]') in queued | running) sleep 0.2 ;; *) return 0 ;; esac
    done
}

# Bad bodies.
start analyst "" '{"period":"2024-11-31..2024-12-01"}'
check '[ "$code" = 422 ] && grep -q "period: " "$tmp/b"' "a bad period: $last"
start analyst "" '{"period":"'$P'","extra":1}'
check '[ "$code" = 422 ] && grep -q "and nothing else" "$tmp/b"' "an unknown member: $last"
start analyst "" '{"period":"'$P'","baseline":"2024-11-01..2024-11-05"}'
check '[ "$code" = 422 ] && grep -q "the baseline must end before the period starts" "$tmp/b"' "baseline overlapping: $last"

# Roles: uploaders and reporters may not start one.
for role in uploader reporter; do
    start $role "" '{"period":"'$P'"}'
    check '[ "$code" = 403 ]' "$role starts: $last"
done

# While another writer holds the tenant a job waits, running: a second
# start is a conflict, and a cancel ends it with nothing stored.
flock "$TENKEN_DATA/demo/write.lock" sleep 60 &
holder=$!
sleep 0.5
start admin "" '{"period":"'$P'","baseline":"2024-01-01..2024-10-31"}'
check '[ "$code" = 202 ] && grep -qi "^Location: /api/v1/analyses/1" "$tmp/h"' "start: $last"
job1=$(jq_ 'd["id"]')
sleep 1
bearer reporter GET "/api/v1/analyses/$job1"
check '[ "$(jq_ "d[\"state\"]")" = running ] && [ "$(jq_ "d[\"stage\"]")" = "waiting for another writer of the tenant" ]' "a job waiting for the writer: $last"
start analyst "" '{"period":"'$P'"}'
check '[ "$code" = 409 ] && grep -q "analysis job $job1 of this tenant is still running" "$tmp/b"' "second start: $last"
bearer analyst DELETE "/api/v1/analyses/$job1"
check '[ "$code" = 202 ]' "cancel: $last"
wait_job analyst "$job1"
check '[ "$(jq_ "d[\"state\"]")" = cancelled ] && [ "$(jq_ "d[\"run\"]")" = None ]' "cancelled: $last"
kill "$holder"
wait "$holder" 2>/dev/null || true
check '[ "$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM analysis_runs")" = "$runs0" ]' "a cancelled job stores no run"

# A job run to done.
start analyst "" '{"period":"'$P'","seed":7}'
check '[ "$code" = 202 ]' "start: $last"
job=$(jq_ 'd["id"]')
wait_job analyst "$job"
check '[ "$(jq_ "d[\"state\"]")" = done ] && [ "$(jq_ "d[\"progress\"]")" = 1.0 ] && [ "$(jq_ "d[\"run\"] == d[\"summary\"][\"run\"] > 0")" = True ]' "job done: $last"
check '[ "$(jq_ "d[\"started_by\"]")" = t-analyst ]' "started by: $last"
run=$(jq_ 'd["run"]')
check '[ "$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT started_by FROM analysis_runs WHERE id = $run")" = t-analyst ]' "the run records who started it"
check '[ "$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM analysis_runs")" = $((runs0 + 1)) ]' "one run stored in all"
bearer reporter GET "/api/v1/runs"
check '[ "$code" = 200 ] && grep -q "\"id\":$run" "$tmp/b"' "the run is listed: $last"
bearer reporter GET "/api/v1/analyses"
check '[ "$code" = 200 ] && [ "$(jq_ "[j[\"id\"] for j in d[\"jobs\"]]")" = "[$job, $job1]" ]' "the list, newest first: $last"
bearer analyst DELETE "/api/v1/analyses/$job"
check '[ "$code" = 409 ] && grep -q "is done already" "$tmp/b"' "cancel a finished job: $last"

# Unknown and bad ids; another tenant sees none of them.
bearer reporter GET "/api/v1/analyses/999"
check '[ "$code" = 404 ] && grep -q "no analysis job 999 in this tenant" "$tmp/b"' "unknown job: $last"
bearer reporter GET "/api/v1/analyses/x1"
check '[ "$code" = 400 ] && grep -q "expected a positive integer job id" "$tmp/b"' "bad id: $last"
bearer other GET "/api/v1/analyses/$job"
check '[ "$code" = 404 ]' "another tenant's job: $last"
bearer other GET "/api/v1/analyses"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"jobs\"]")" = "[]" ]' "another tenant's list: $last"
bearer other GET "/api/v1/analyses?tenant=demo"
check '[ "$code" = 403 ]' "naming another tenant: $last"
bearer uploader GET "/api/v1/analyses"
check '[ "$code" = 403 ]' "uploader lists: $last"
bearer global GET "/api/v1/analyses?tenant=demo"
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"jobs\"])")" = 2 ]' "global admin names the tenant: $last"

# A delivered period is frozen: 409 with the message the CLI gives.
must "$bin" deliver --tenant demo --period $P --by analyst >/dev/null
start analyst "" '{"period":"2024-11-15..2024-12-15"}'
check '[ "$code" = 409 ] && grep -q "frozen and is not analysed again" "$tmp/b"' "a delivered period: $last"

serve_stop
finish
