#!/bin/bash
# tests/api/test_serve_entities.sh -- entity profiles and trends: the CLI
# commands (text, CSV, JSON, usage and lookup errors), the routes over TLS
# (the same JSON as the CLI, bad arguments, unknown entities) and who may
# call them (each role of the tenant, another tenant's account, a global
# admin).
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-ent.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

# ---- a tenant with one analysed period, a second tenant, accounts ---------------------
must "$bin" demo --dir "$tmp/d" --seed 3 --staff 40 --residents 2000 >/dev/null
must "$bin" init --tenant other >/dev/null
P=2024-11-01..2024-11-30

# ---- CLI: entity ------------------------------------------------------------------------
try "$bin" entity --tenant demo --user 295438 --period $P
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -qx "user 295438  所属 市民課  period $P" && grep -q "^baseline 2024-04-01..2024-09-30 ([0-9]* days with events)  features stored  master listed$" "$tmp/out"' "entity text header: $(show)"
check 'grep -Eq "^2024-11-28 +10 +[0-9.]+-[0-9.]+ +[0-9.]+-[0-9.]+ " "$tmp/out" && [ "$(grep -c "^2024-11-" "$tmp/out")" = 30 ]' "entity text: one row per day: $(show)"
check 'grep -q "^cases: 1$" "$tmp/out" && grep -q "^  1-3   95.1  2024-11-28  R25  " "$tmp/out" && grep -q "^systems: .*住民基本台帳 [0-9]" "$tmp/out"' "entity text: cases and systems: $(show)"
try "$bin" entity --tenant demo --user 295438 --period $P --format json
cp "$tmp/out" "$tmp/cli_user.json"
check '[ $st = 0 ] && python3 - "$tmp/out" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
assert d["entity_type"] == "user" and d["entity_id"] == "295438" and d["period"] == "$P", d["period"]
assert d["features"] == "stored" and d["dept"] == "市民課" and d["master"]["listed"] is True
assert d["measures"] == ["events", "lookups", "distinct_residents", "after_hours_events", "distinct_systems"]
assert len(d["days"]) == 30 and d["active_days"] == sum(x["active"] for x in d["days"])
day = [x for x in d["days"] if x["day"] == "2024-11-28"][0]
assert day["active"] and day["values"]["events"] == 10, day
assert day["peers"]["events"]["n"] >= 1 and day["peers"]["events"]["p10"] <= day["peers"]["events"]["p90"]
b = d["baseline_band"]["events"]
assert b["n"] > 50 and b["p10"] <= b["median"] <= b["p90"], b
assert len(d["time_of_day"]["period"]) == 24 and d["time_of_day"]["baseline_days"] == b["n"]
assert sum(s["events"] for s in d["systems"]) >= sum(x["values"]["events"] for x in d["days"]) - 0.5
assert [c["id"] for c in d["cases"]] == ["1-3"] and d["cases"][0]["rule_id"] == "R25"
PY' "entity json: $(show)"
try "$bin" entity --tenant demo --terminal GAKKO-PC002 --period $P --format json
cp "$tmp/out" "$tmp/cli_term.json"
check '[ $st = 0 ] && python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert d[\"entity_type\"] == \"terminal\" and d[\"master\"][\"kind\"] == \"mynumber\" and d[\"master\"][\"registered\"]
assert d[\"measures\"][2] == \"distinct_users\" and d[\"time_of_day\"][\"baseline_days\"] == 0
assert d[\"systems\"][0] == {\"name\": \"就学\", \"events\": 434}, d[\"systems\"][0]
assert [c[\"id\"] for c in d[\"cases\"]] == [\"1-1\"]
" "$tmp/out"' "terminal json: $(show)"
try "$bin" entity --tenant demo --user nosuch --period $P
check '[ $st = 1 ] && grep -qx "tenken entity: no user .nosuch. in the events of the period and its baseline, nor in the master data" "$tmp/err"' "unknown user: $(show)"
try "$bin" entity --tenant demo --user 295438 --terminal X --period $P
check '[ $st = 2 ] && grep -q "give one of --user and --terminal" "$tmp/err"' "user and terminal: $(show)"
try "$bin" entity --tenant demo --user 295438 --period 2024-01-01..2025-02-01
check '[ $st = 2 ] && grep -q -- "--period covers at most 366 days" "$tmp/err"' "long period: $(show)"
try "$bin" entity --tenant demo --user 295438 --period $P --format csv
check '[ $st = 2 ] && grep -q -- "--format is text or json" "$tmp/err"' "entity format: $(show)"

# ---- CLI: trends ------------------------------------------------------------------------
try "$bin" anomalies --tenant demo --period 2024-10-01..2024-11-30 --format json
ncases=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total'])" "$tmp/out")
try "$bin" trends --tenant demo --from 2024-10-01 --to 2024-11-30 --by status
check '[ $st = 0 ] && [ "$(head -1 "$tmp/out")" = "status,cases,findings,score_mean,score_median,score_max" ] && grep -q "^new,$ncases," "$tmp/out"' "trends by status counts every case ($ncases): $(show)"
try "$bin" trends --tenant demo --from 2024-10-01 --to 2024-11-30 --by month,rule --format json
check '[ $st = 0 ] && python3 - "$tmp/out" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
assert d["by"] == ["month", "rule"] and d["range"] == "2024-10-01..2024-11-30"
assert d["runs"] == [{"id": 1, "period": "2024-10-01..2024-11-30", "cases": $ncases}], d["runs"]
assert d["total"]["cases"] == $ncases == sum(g["cases"] for g in d["groups"])
assert {g["month"] for g in d["groups"]} == {"2024-10", "2024-11"}
assert [(g["month"], g["rule"]) for g in d["groups"]] == sorted((g["month"], g["rule"]) for g in d["groups"])
PY' "trends json: $(show)"
try "$bin" trends --tenant demo --from 2024-11-01 --to 2024-11-30 --by rule
check '[ $st = 0 ] && grep -q "^R25,[0-9]*,[0-9]*,[0-9.]*,[0-9.]*,95.1$" "$tmp/out"' "trends of November: $(show)"
try "$bin" trends --tenant demo --from 2024-10-01 --to 2024-11-30 --by month,entity
check '[ $st = 2 ] && grep -q "unknown group key .entity.: expected month, system, dept, rule, severity or status" "$tmp/err"' "bad key: $(show)"
try "$bin" trends --tenant demo --from 2024-11-31 --to 2024-11-30 --by rule
check '[ $st = 2 ] && grep -q -- "--from needs a day YYYY-MM-DD" "$tmp/err"' "bad day: $(show)"
try "$bin" trends --tenant demo --from 2024-11-30 --to 2024-11-01 --by rule
check '[ $st = 2 ] && grep -q -- "--to is before --from" "$tmp/err"' "reversed: $(show)"
try "$bin" trends --tenant other --from 2024-10-01 --to 2024-11-30 --by dept
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "dept,cases,findings,score_mean,score_median,score_max" ]' "a tenant never analysed: $(show)"

# ---- service ------------------------------------------------------------------------------
serve_adduser root admin
serve_adduser o-analyst analyst other
tok[o-analyst]=$(must "$bin" token create --user o-analyst)
for role in uploader analyst reporter admin; do
    serve_adduser "t-$role" "$role" demo
    tok[$role]=$(must "$bin" token create --user "t-$role")
done
tok[global]=$(must "$bin" token create --user root)
serve_cert
serve_start --threads 2

bearer reporter GET "/api/v1/entities/user/295438?period=$P"
check '[ "$code" = 200 ] && python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$tmp/b" "$tmp/cli_user.json"' "user route = CLI json: $last"
bearer analyst GET "/api/v1/entities/terminal/GAKKO-PC002?period=$P"
check '[ "$code" = 200 ] && python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$tmp/b" "$tmp/cli_term.json"' "terminal route = CLI json: $last"
bearer analyst GET "/api/v1/entities/user/nosuch?period=$P"
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ]' "unknown user: $last"
bearer analyst GET "/api/v1/entities/terminal/295438?period=$P"
check '[ "$code" = 404 ]' "a user is no terminal: $last"
bearer analyst GET "/api/v1/entities/resident/295438?period=$P"
check '[ "$code" = 404 ]' "unknown entity type: $last"
bearer analyst GET "/api/v1/entities/user/295438"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ]' "no period: $last"
bearer analyst GET "/api/v1/entities/user/295438?period=2024-11-30..2024-11-01"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ]' "bad period: $last"
bearer analyst GET "/api/v1/entities/user/295438?period=2024-01-01..2025-02-01"
check '[ "$code" = 400 ] && grep -q "at most 366 days" "$tmp/b"' "long period: $last"

bearer reporter GET "/api/v1/trends?from=2024-10-01&to=2024-11-30&by=month,rule"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"total\"][\"cases\"]")" = "$ncases" ] && [ "$(jq_ "\",\".join(d[\"by\"])")" = month,rule ]' "trends: $last"
must "$bin" trends --tenant demo --from 2024-10-01 --to 2024-11-30 --by month,rule --format json >"$tmp/cli_trends.json"
check 'python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$tmp/b" "$tmp/cli_trends.json"' "trends route = CLI json: $last"
bearer reporter GET "/api/v1/trends?from=2024-10-01&to=2024-11-30&by=month,bogus"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = by ] && grep -q "expected month, system, dept, rule, severity or status" "$tmp/b"' "unknown key names the accepted ones: $last"
bearer reporter GET "/api/v1/trends?from=2024-10-01&to=2024-11-30"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = by ]' "no by: $last"
bearer reporter GET "/api/v1/trends?to=2024-11-30&by=rule"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = from ]' "no from: $last"
bearer reporter GET "/api/v1/trends?from=2024-11-30&to=2024-11-01&by=rule"
check '[ "$code" = 400 ] && grep -q "the range ends before it starts" "$tmp/b"' "reversed range: $last"
bearer reporter GET "/api/v1/trends?from=2024-10-01&to=2024-10-xx&by=rule"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = to ]' "bad to: $last"

# ---- who may call them ------------------------------------------------------------------
call() { # WHO ROUTE TENANT-QUERY
    case $2 in
    user) bearer "$1" GET "/api/v1/entities/user/295438?period=$P&$3" ;;
    terminal) bearer "$1" GET "/api/v1/entities/terminal/GAKKO-PC002?period=$P&$3" ;;
    trends) bearer "$1" GET "/api/v1/trends?from=2024-10-01&to=2024-11-30&by=rule&$3" ;;
    esac
}
for route in user terminal trends; do
    for role in uploader analyst reporter admin; do
        want=200
        [ $role = uploader ] && want=403
        call "$role" $route "tenant=demo"
        check '[ "$code" = $want ]' "$role $route own tenant (want $want): $last"
        call "$role" $route "tenant=other"
        check '[ "$code" = 403 ]' "$role $route naming another tenant: $last"
    done
    # Its own tenant, never analysed: no such entity (404), trends of no run.
    call o-analyst $route ""
    if [ $route = trends ]; then
        runs=$(jq_ 'len(d["runs"])' 2>&1)
        check '[ "$code" = 200 ] && [ "$runs" = 0 ]' \
            "an analyst of another tenant reads nothing of demo ($route): $last"
    else
        check '[ "$code" = 404 ]' "an analyst of another tenant reads nothing of demo ($route): $last"
    fi
    call global $route "tenant=demo"
    check '[ "$code" = 200 ]' "global admin names the tenant ($route): $last"
    call global $route ""
    check '[ "$code" = 400 ] && grep -q "tenant=NAME" "$tmp/b"' "global admin without a tenant ($route): $last"
done
req GET "/api/v1/trends?from=2024-10-01&to=2024-11-30&by=rule"
check '[ "$code" = 401 ]' "no credential: $last"

serve_stop
finish
