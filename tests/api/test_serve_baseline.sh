#!/bin/bash
# tests/api/test_serve_baseline.sh -- the baseline settings over `tenken
# serve` (TLS): read in force, changed as a new version (422 naming the
# setting, the value and the range), reset, the history, the roles and
# tenants allowed on each route, a preview with candidate settings (a
# higher min_model_score lists fewer model cases, nothing stored), and a
# stored change used by the next analysis and noted on its run.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve_baseline.XXXXXX")
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
serve_start --threads 2
J=(-H 'Content-Type: application/json')
S=/api/v1/settings/baseline

# ---- who may do what ------------------------------------------------------------------
for who in analyst reporter admin; do
    allow "$who" GET $S 200
    allow "$who" GET $S/history 200
done
allow uploader GET $S 403
allow uploader GET $S/history 403
for who in uploader reporter; do
    allow "$who" PUT $S 403 '{"trees": 200}'
    allow "$who" DELETE $S 403
    allow "$who" POST /api/v1/preview 403 '{"baseline": {}}'
done
allow global GET $S 400
allow global GET "$S?tenant=demo" 200
allow other GET "$S?tenant=demo" 403
allow other PUT "$S?tenant=demo" 403 '{"trees": 200}'
allow other DELETE "$S?tenant=demo" 403
allow other GET $S 200 # its own tenant's

# ---- read: the defaults, never stored -------------------------------------------------
bearer reporter GET $S
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"tenant\"], d[\"version\"], d[\"values\"][\"baseline_days\"], d[\"values\"][\"trees\"], d[\"values\"][\"sample\"], d[\"values\"][\"min_model_score\"], d[\"values\"][\"min_period_score\"], len(d[\"settings\"]), any(s[\"changed\"] for s in d[\"settings\"])")" = "demo None 183 100 256 50.0 35.0 12 False" ]' "defaults: $last"
bearer reporter GET $S/history
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"]")" = "[]" ]' "no history yet: $last"

# ---- refusals: 422 naming the setting, nothing stored --------------------------------
put() { bearer "$1" PUT "$S" "${J[@]}" --data-binary "$2"; }
put analyst '{"trees": 5}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"], d[\"error\"][\"details\"][\"reason\"]")" = "\$.trees \$.trees: 5 is out of range (allowed: integer 10..1000 trees)" ]' "trees too few: $last"
put analyst '{"min_model_score": "high"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.min_model_score" ] && grep -q "expected a number or null (allowed: 0..100)" "$tmp/b"' "not a number: $last"
put analyst '{"prior_min_days": 60}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.prior_max_days" ] && grep -q "30 is below prior_min_days 60" "$tmp/b"' "prior days crossed: $last"
put analyst '{"treez": 200}'
check '[ "$code" = 422 ] && grep -q "treez: no such setting (known: baseline_days" "$tmp/b"' "unknown setting: $last"
put analyst '{}'
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ] && grep -q "at least one setting" "$tmp/b"' "empty change: $last"
put analyst '[1]'
check '[ "$code" = 400 ]' "not an object: $last"
bearer reporter GET $S/history
check '[ "$(jq_ "d[\"items\"]")" = "[]" ]' "nothing stored by a refusal: $last"

# ---- preview with candidate settings: fewer model cases, nothing stored --------------
bearer reporter GET /api/v1/runs
runs_before=$(jq_ 'len(d["items"])')
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"baseline": {"trees": 5}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.baseline.trees" ] && grep -q "allowed: integer 10..1000 trees" "$tmp/b"' "preview with a bad setting: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"baseline": {}, "rules": 3}'
check '[ "$code" = 422 ]' "preview with rules not an object: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"baseline": {"min_model_score": 90, "min_period_score": 90}}'
check '[ "$code" = 200 ] && [ "$(jq_ "(p := d[\"periods\"][0])[\"cases\"][\"after\"] < p[\"cases\"][\"before\"], len(p[\"removed\"]) > 0, any(c[\"rule_id\"] is None for c in p[\"removed\"]), p[\"added\"], p[\"findings\"][\"after\"] == p[\"findings\"][\"before\"]")" = "True True True [] True" ]' "a higher min_model_score lists fewer model cases: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"baseline": {}}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"periods\"][0][\"added\"], d[\"periods\"][0][\"removed\"]")" = "[] []" ]' "the settings in force change nothing: $last"
bearer reporter GET /api/v1/runs
check '[ "$(jq_ "len(d[\"items\"])")" = "$runs_before" ]' "a preview stores no run: $last"
bearer reporter GET $S
check '[ "$(jq_ "d[\"version\"]")" = None ]' "a preview stores no settings: $last"

# ---- change, analyse, reset -----------------------------------------------------------
put analyst '{"min_model_score": 70, "trees": 150}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"stored_version\"], d[\"kind\"], d[\"changed_by\"], d[\"values\"][\"min_model_score\"], d[\"values\"][\"trees\"], \",\".join(s[\"name\"] for s in d[\"settings\"] if s[\"changed\"])")" = "1 1 set t-analyst 70.0 150 trees,min_model_score" ]' "change: $last"
put admin '{"trees": null}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"values\"][\"trees\"], d[\"values\"][\"min_model_score\"], d[\"changed_by\"]")" = "2 100 70.0 t-admin" ]' "null puts one back: $last"

bearer reporter GET '/api/v1/runs?limit=1'
period=$(jq_ 'd["items"][0]["period"]')
try "$bin" analyze --tenant demo --period "$period"
check '[ $st = 0 ]' "analyze: $(show)"
bearer reporter GET '/api/v1/runs?limit=1'
check '[ "$code" = 200 ] && [ "$(jq_ "\"|\".join(n for n in d[\"items\"][0][\"notes\"] if n.startswith(\"baseline settings\"))")" = "baseline settings #2: min_model_score 70" ]' "the run notes the settings it used: $last"
bearer reporter GET "/api/v1/anomalies?source=model&limit=500"
check '[ "$code" = 200 ] && [ "$(jq_ "all(i[\"score\"] >= 70 for i in d[\"items\"] if i[\"rule_id\"] is None)")" = True ]' "no model-only case below 70: $last"

bearer admin DELETE $S "${J[@]}" --data-binary '{}'
check '[ "$code" = 422 ] && grep -q "a reset takes no body" "$tmp/b"' "a reset with a body: $last"
bearer reporter GET $S
check '[ "$(jq_ "d[\"version\"]")" = 2 ]' "nothing stored by a refused reset: $last"
bearer admin DELETE $S
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"kind\"], d[\"values\"][\"min_model_score\"], any(s[\"changed\"] for s in d[\"settings\"])")" = "3 reset 50.0 False" ]' "reset: $last"
bearer reporter GET $S/history
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(\"/\".join(str(i[k]) for k in (\"id\", \"kind\", \"in_force\", \"created_by\")) for i in d[\"items\"]), json.dumps(d[\"items\"][1][\"change\"]), d[\"items\"][0][\"change\"]")" = "3/reset/True/t-admin 2/set/False/t-admin 1/set/False/t-analyst {\"trees\": null} None" ]' "history: $last"
bearer other GET $S/history
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"]")" = "[]" ]' "the other tenant has none: $last"

serve_stop
finish
