#!/usr/bin/env bash
# tests/api/test_serve_periods.sh -- periods and one run: `tenken periods`
# and `tenken deliver` at the console, GET /api/v1/periods,
# /api/v1/periods/{period}, POST .../deliver and GET /api/v1/runs/{id}
# over TLS (answers, bad arguments and bodies, refusals of a delivery),
# who may call them (each role, another tenant's account, a global admin)
# and the freeze a delivery sets (triage and analysis then 409); every
# answer is validated against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-periods.XXXXXX")
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
P=2024-10-01..2024-11-30
# vals EXPR...: the values of Python expressions of the body d, space-separated
vals() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(*($1))" "$tmp/b"; }
cases=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT items FROM analysis_runs WHERE id = 1")

# ---- the console ------------------------------------------------------------------------
try "$bin" periods --tenant demo
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q "^period  *status  *frozen  *runs  *run  *run at" && grep -Eq "^$P  analysed  +no  +1  +1  [0-9-]+ [0-9:]+  -  +$cases \\($cases/0/0/0\\)  +-  +-\$" "$tmp/out"' "periods table: $(show)"
try "$bin" periods --tenant other
check '[ $st = 0 ] && grep -qx "no periods: tenant other has no analysis run and no delivery" "$tmp/out"' "no periods: $(show)"
try "$bin" periods --tenant demo --format xml
check '[ $st = 2 ] && grep -q "format is table or json" "$tmp/err"' "bad format: $(show)"
try "$bin" periods
check '[ $st = 2 ] && grep -q "tenant is required" "$tmp/err"' "no tenant: $(show)"
try "$bin" deliver --tenant other --period $P
check '[ $st = 1 ] && grep -qx "tenken deliver: period $P has no analysis run: analyse it first, or force the delivery of a period analysed under other dates" "$tmp/err"' "deliver without a run: $(show)"
check '[ "$(sqlite3 "$TENKEN_DATA/other/store.db" "SELECT count(*) FROM delivered_periods")" = 0 ]' "a refused delivery stores nothing"

serve_cert
serve_start
schema_log=$tmp/answers.tsv # every answer is validated against docs/openapi.yaml at the end

# ---- one run ----------------------------------------------------------------------------
bearer reporter GET /api/v1/runs/1
check '[ "$code" = 200 ] && [ "$(vals "d[\"id\"], d[\"period\"], d[\"items\"], d[\"started_by\"]")" = "1 $P $cases None" ]' "a run: $last"
check '[ "$(vals "d[\"options\"][\"seed\"], d[\"options\"][\"trees\"], d[\"options\"][\"custom_rules\"], type(d[\"notes\"]).__name__, len(d[\"notes\"]) > 0")" = "20241001 100 False list True" ]' "its options and notes: $last"
bearer reporter GET /api/v1/runs
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"][0][\"options\"][\"seed\"]")" = 20241001 ]' "the list has the same run: $last"
bearer reporter GET /api/v1/runs/999
check '[ "$code" = 404 ] && grep -q "no analysis run #999" "$tmp/b"' "unknown run: $last"
bearer reporter GET /api/v1/runs/x1
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = id ]' "bad run id: $last"
bearer other GET /api/v1/runs/1
check '[ "$code" = 404 ]' "another tenant's run: $last"

# ---- reading periods --------------------------------------------------------------------
bearer reporter GET /api/v1/periods
check '[ "$code" = 200 ] && [ "$(vals "len(d[\"items\"]), *(d[\"items\"][0][k] for k in (\"period\", \"status\", \"frozen\", \"runs\")), d[\"items\"][0][\"latest_run\"][\"id\"], d[\"items\"][0][\"latest_run\"][\"cases\"]")" = "1 $P analysed False 1 1 $cases" ]' "the periods: $last"
cp "$tmp/b" "$tmp/api.json"
must "$bin" periods --tenant demo --format json >"$tmp/cli.json"
check 'python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$tmp/cli.json" "$tmp/api.json"' "the CLI's JSON is the API's"
bearer analyst POST /api/v1/anomalies/1-1/triage -H 'Content-Type: application/json' --data-binary '{"status":"confirmed"}'
check '[ "$code" = 200 ]' "triage: $last"
bearer reporter GET /api/v1/periods/$P
check '[ "$code" = 200 ] && [ "$(vals "d[\"first_day\"], d[\"last_day\"], *(k + \"=\" + str(v) for k, v in d[\"latest_run\"][\"cases_by_status\"].items())")" = "2024-10-01 2024-11-30 new=$((cases - 1)) investigating=0 confirmed=1 false_positive=0" ]' "one period with its cases by status: $last"
bearer reporter GET /api/v1/periods/2025-01-01..2025-01-31
check '[ "$code" = 200 ] && [ "$(vals "d[\"status\"], d[\"runs\"], d[\"latest_run\"], d[\"delivered_at\"]")" = "open 0 None None" ]' "a period nothing knows is open: $last"
bearer reporter GET /api/v1/periods/2024-10-01
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ] && grep -q "expected YYYY-MM-DD..YYYY-MM-DD" "$tmp/b"' "a bad period: $last"
bearer reporter GET /api/v1/periods/2024-02-30..2024-03-31
check '[ "$code" = 400 ] && grep -q "\\\\\"2024-02-30\\\\\" is not a date" "$tmp/b"' "a bad date: $last"
bearer reporter GET /api/v1/periods/2024-11-30..2024-10-01
check '[ "$code" = 400 ] && grep -q "ends before it starts" "$tmp/b"' "reversed: $last"

# ---- who may read -----------------------------------------------------------------------
for path in /api/v1/periods /api/v1/periods/$P /api/v1/runs/1; do
    for role in analyst reporter admin; do
        bearer $role GET "$path"
        check '[ "$code" = 200 ]' "$role reads $path: $last"
    done
    bearer uploader GET "$path"
    check '[ "$code" = 403 ] && [ "$(errcode)" = forbidden ]' "uploader reads $path: $last"
    bearer other GET "$path?tenant=demo"
    check '[ "$code" = 403 ] && [ "$(errcode)" = tenant_forbidden ]' "another tenant names demo: $last"
    bearer global GET "$path"
    check '[ "$code" = 400 ]' "a global admin without ?tenant=: $last"
    bearer global GET "$path?tenant=demo"
    check '[ "$code" = 200 ]' "a global admin names demo: $last"
done
req GET /api/v1/periods
check '[ "$code" = 401 ]' "no credential: $last"
bearer other GET /api/v1/periods
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"]")" = "[]" ]' "another tenant sees its own (none): $last"

# ---- delivering -------------------------------------------------------------------------
deliver() { bearer "$1" POST "/api/v1/periods/$2/deliver${4:-}" -H 'Content-Type: application/json' --data-binary "$3"; }
for role in uploader reporter; do
    deliver $role $P '{}'
    check '[ "$code" = 403 ]' "$role delivers: $last"
done
deliver analyst $P '{"force":1}'
check '[ "$code" = 422 ] && grep -q "the body is {\\\\\"force\\\\\": boolean (optional)} and nothing else" "$tmp/b"' "force not a boolean: $last"
deliver analyst $P '{"force":true,"x":1}'
check '[ "$code" = 422 ]' "an unknown member: $last"
deliver analyst 2024-13-01..2024-12-31 '{}'
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ]' "deliver a bad period: $last"
deliver analyst $P '{}' '?tenant=other'
check '[ "$code" = 403 ] && [ "$(errcode)" = tenant_forbidden ]' "deliver naming another tenant: $last"
deliver global $P '{}'
check '[ "$code" = 400 ]' "a global admin delivers without ?tenant=: $last"
deliver other $P '{}'
check '[ "$code" = 409 ] && grep -q "period $P has no analysis run" "$tmp/b"' "another tenant's analyst: its own tenant has no run: $last"
deliver analyst 2024-12-01..2024-12-31 '{}'
check '[ "$code" = 409 ] && [ "$(errcode)" = conflict ] && grep -q "has no analysis run: analyse it first" "$tmp/b"' "no run: $last"
check '[ "$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM delivered_periods")" = 0 ]' "refused deliveries store nothing"

# A session needs the CSRF token.
login t-analyst "$PW" "$tmp/jar"
req POST /api/v1/periods/$P/deliver -b "$tmp/jar" -H 'Content-Type: application/json' --data-binary '{}'
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "a session without the CSRF token: $last"

deliver admin $P ''
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ]' "an empty body: $last"
deliver admin $P '{}'
check '[ "$code" = 200 ] && [ "$(vals "d[\"status\"], d[\"frozen\"], d[\"delivered_by\"], d[\"latest_run\"][\"id\"], d[\"delivered_at\"] is not None")" = "delivered True t-admin 1 True" ]' "delivered: $last"
deliver analyst $P '{"force":true}'
check '[ "$code" = 409 ] && grep -q "period $P was already delivered on [0-9-]* [0-9:]* (JST) by t-admin" "$tmp/b"' "again: $last"
deliver analyst 2024-11-15..2024-12-15 '{"force":true}'
check '[ "$code" = 409 ] && grep -q "the overlapping period $P was delivered on" "$tmp/b"' "overlapping: $last"
deliver global 2025-02-01..2025-02-28 '{"force":true}' '?tenant=demo'
check '[ "$code" = 200 ] && [ "$(vals "d[\"status\"], d[\"runs\"], d[\"delivered_by\"]")" = "delivered 0 root" ]' "a global admin forces a delivery: $last"
bearer reporter GET /api/v1/periods
check '[ "$(vals "(p[\"period\"] + \"=\" + p[\"status\"] for p in d[\"items\"])")" = "$P=delivered 2025-02-01..2025-02-28=delivered" ]' "both listed: $last"

# ---- the freeze -------------------------------------------------------------------------
bearer analyst POST /api/v1/anomalies/1-2/triage -H 'Content-Type: application/json' --data-binary '{"status":"confirmed"}'
check '[ "$code" = 409 ] && grep -q "frozen" "$tmp/b"' "triage of a delivered period: $last"
bearer analyst POST /api/v1/analyses -H 'Content-Type: application/json' --data-binary '{"period":"2024-11-01..2024-11-30"}'
check '[ "$code" = 409 ] && grep -q "frozen and is not analysed again" "$tmp/b"' "analysis of a delivered period: $last"
bearer reporter GET /api/v1/periods/2024-11-01..2024-11-30
check '[ "$(vals "d[\"status\"], d[\"frozen\"]")" = "open True" ]' "a period inside a delivered one is frozen: $last"
try "$bin" deliver --tenant demo --period $P
check '[ $st = 1 ] && grep -q "^tenken deliver: period $P was already delivered on .* by t-admin$" "$tmp/err"' "the console agrees: $(show)"
try "$bin" periods --tenant demo
check '[ $st = 0 ] && grep -Eq "^$P  delivered  yes .* t-admin\$" "$tmp/out" && grep -Eq "^2025-02-01..2025-02-28  delivered  yes +0  +-  .* root\$" "$tmp/out"' "periods after delivery: $(show)"

schema_log=
try python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer validates against docs/openapi.yaml: $(show)"

serve_stop
finish
