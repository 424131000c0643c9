#!/usr/bin/env bash
# tests/api/test_completeness.sh -- the contract's schedule and the
# completeness grid: `tenken plan` (a fiscal year, one period, refusals,
# removal), `tenken completeness` (the grid, a month's file of one system
# deleted: its days missing; both of its period's files deleted: the
# system absent; days after --today not judged), and over TLS GET
# /api/v1/periods/{period}/completeness (every role of the tenant, the
# uploader included; another tenant sees its own, empty grid) and PUT
# /api/v1/periods/{period}/plan (analyst; 422 for a bad body or dates, 403
# for an uploader, 409 on a delivered period); every answer is validated
# against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/completeness.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

must "$bin" demo --dir "$tmp/d" --seed 3 --staff 40 --residents 2000 >/dev/null
must "$bin" init --tenant other >/dev/null
P=2024-10-01..2024-11-30
# py EXPR: a Python expression of the JSON document in $tmp/out, printed
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }
# sysv NAME EXPR: EXPR of the system NAME (s) of the document in $tmp/out
sysv() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); r=[($2) for s in d['systems'] if s['system'] == '$1'][0]; print(*r) if isinstance(r, tuple) else print(r)" "$tmp/out"
}

# ---- the schedule -----------------------------------------------------------------------
try "$bin" plan --tenant demo --fiscal-year 2024
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 6 ] && grep -qx "planned 2024-04-01..2024-05-31: logs by 2024-06-10, report due 2024-06-30" "$tmp/out" && grep -qx "planned 2025-02-01..2025-03-31: logs by 2025-04-10, report due 2025-04-30" "$tmp/out"' "a fiscal year: $(show)"
try "$bin" plan --tenant demo --fiscal-year 2024 --upload-days 5 --due-days 20
check '[ $st = 0 ] && grep -qx "planned $P: logs by 2024-12-05, report due 2024-12-20" "$tmp/out"' "re-planning the same periods replaces them: $(show)"
try "$bin" plan --tenant demo --period 2024-11-01..2024-12-31 --upload-deadline 2025-01-10 --due 2025-01-31
check '[ $st = 1 ] && grep -q "2024-11-01..2024-12-31 overlaps the planned period 2024-10-01..2024-11-30; remove that plan first" "$tmp/err"' "an overlapping plan is refused: $(show)"
try "$bin" plan --tenant demo --period 2025-04-01..2025-05-31 --upload-deadline 2025-05-31 --due 2025-06-30
check '[ $st = 1 ] && grep -q "the upload deadline 2025-05-31 of 2025-04-01..2025-05-31 is not after the period" "$tmp/err"' "a deadline inside the period: $(show)"
try "$bin" plan --tenant demo --period 2025-04-01..2025-05-31 --upload-deadline 2025-06-10 --due 2025-06-01
check '[ $st = 1 ] && grep -q "the report is due on 2025-06-01, before the upload deadline 2025-06-10" "$tmp/err"' "due before the deadline: $(show)"
try "$bin" plan --tenant demo --fiscal-year 2024 --period $P
check '[ $st = 2 ] && grep -q "give one of --fiscal-year, --period or --remove" "$tmp/err"' "two modes at once: $(show)"
try "$bin" plan --tenant demo --period $P
check '[ $st = 2 ] && grep -q "needs --upload-deadline and --due" "$tmp/err"' "a period without dates: $(show)"
try "$bin" plan --tenant demo --fiscal-year 2024 --upload-days 40 --due-days 30
check '[ $st = 2 ] && grep -q "due-days (30) is before --upload-days (40)" "$tmp/err"' "due days before upload days: $(show)"
try "$bin" plan --tenant demo --remove 2025-02-01..2025-03-31
check '[ $st = 0 ] && grep -qx "period 2025-02-01..2025-03-31 is no longer planned" "$tmp/out"' "remove a plan: $(show)"
try "$bin" plan --tenant demo --remove 2025-02-01..2025-03-31
check '[ $st = 1 ] && grep -q "2025-02-01..2025-03-31 is not a planned period" "$tmp/err"' "remove it twice: $(show)"
try "$bin" periods --tenant demo --format json
check '[ $st = 0 ] && [ "$(py "len(d[\"items\"]), [(i[\"period\"], i[\"plan\"]) for i in d[\"items\"] if i[\"period\"] == \"$P\"][0][1]")" = "5 {'"'"'upload_deadline'"'"': '"'"'2024-12-05'"'"', '"'"'delivery_due'"'"': '"'"'2024-12-20'"'"'}" ]' "periods list the planned ones with their dates: $(show)"

# ---- the grid ---------------------------------------------------------------------------
try "$bin" completeness --tenant demo --period $P --today 2025-01-31
check '[ $st = 0 ] || [ $st = 3 ]' "the grid is shown: $(show)"
check 'sed -n 1p "$tmp/out" | grep -qx "upload deadline 2024-12-05, report due 2024-12-20" && grep -Eq "^[0-9]+ rows, 21 systems; " "$tmp/out" && grep -Eq "^戸籍附票 +[#.+!]{61} +[0-9]+ +[0-9]+$" "$tmp/out"' "its header and a system's line: $(show)"
try "$bin" completeness --tenant demo --period $P --today 2025-01-31 --format json
full=$(py 'd["total"]')
check '[ "$(sysv 戸籍附票 "s[\"missing\"], s[\"absent\"], s[\"rows\"] > 0")" = "0 False True" ] && [ "$(py "d[\"days\"][1], d[\"days\"][4]")" = "{'"'"'day'"'"': '"'"'2024-10-02'"'"', '"'"'open'"'"': True} {'"'"'day'"'"': '"'"'2024-10-05'"'"', '"'"'open'"'"': False}" ]' "戸籍附票 complete; the days' calendar: $(show)"
total_rows=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT sum(rows_accepted) FROM uploads WHERE file_name LIKE '%2024-10.csv' OR file_name LIKE '%2024-11.csv'")
check '[ "$full" = "$total_rows" ]' "the grid counts every row of the period's files: $full against $total_rows"

nov=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT id FROM uploads WHERE file_name = 'fuhyo_2024-11.csv'")
oct=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT id FROM uploads WHERE file_name = 'fuhyo_2024-10.csv'")
must "$bin" uploads delete "$nov" --tenant demo >/dev/null
try "$bin" completeness --tenant demo --period $P --today 2025-01-31 --format json
judged_nov=$(py "sum(1 for day, f in zip(d['days'], [s for s in d['systems'] if s['system'] == '住民基本台帳'][0]['flags']) if day['day'] >= '2024-11-01' and f != 'closed')")
check '[ $st = 3 ] && [ "$(sysv 戸籍附票 "s[\"missing\"], s[\"absent\"]")" = "$judged_nov False" ] && [ "$judged_nov" -ge 18 ]' "November's file deleted: its $judged_nov open days missing: $(show)"
check '[ "$(sysv 戸籍附票 "sorted(set(f for day, f in zip(d[\"days\"], s[\"flags\"]) if day[\"day\"] >= \"2024-11-01\"))")" = "['"'"'closed'"'"', '"'"'missing'"'"']" ]' "only missing and closed days in November: $(show)"
try "$bin" completeness --tenant demo --period $P --today 2024-11-15 --format json
check '[ "$(sysv 戸籍附票 "s[\"flags\"][46:], s[\"missing\"] < $judged_nov")" = "$(python3 -c "print([\"future\"] * 15, True)")" ]' "days after --today are not judged: $(show)"
must "$bin" uploads delete "$oct" --tenant demo >/dev/null
try "$bin" completeness --tenant demo --period $P --today 2025-01-31
check '[ $st = 3 ] && grep -Eq "^戸籍附票 +[-.]{61} +0 +[0-9]+  absent$" "$tmp/out" && grep -Eq "; [0-9]+ missing days, [0-9]+ low days, 1 absent systems$" "$tmp/out"' "both files deleted: the system is absent: $(show)"
try "$bin" completeness --tenant demo
check '[ $st = 2 ] && grep -q "tenant and --period are required" "$tmp/err"' "no period: $(show)"
try "$bin" completeness --tenant demo --period $P --today 2025-13-01
check '[ $st = 2 ] && grep -q "today: \"2025-13-01\" is not a date" "$tmp/err"' "a bad --today: $(show)"

# ---- over the service -------------------------------------------------------------------
serve_accounts demo other
serve_cert
serve_start
schema_log=$tmp/answers.tsv
for who in uploader analyst reporter admin; do
    bearer $who GET /api/v1/periods/$P/completeness
    check '[ "$code" = 200 ] && [ "$(jq_ "d[\"absent\"], d[\"plan\"][\"upload_deadline\"], len(d[\"days\"])")" = "1 2024-12-05 61" ]' "the grid for the $who: $last"
done
bearer other GET /api/v1/periods/$P/completeness
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"total\"], d[\"systems\"], d[\"plan\"]")" = "0 [] None" ]' "another tenant sees its own, empty grid: $last"
bearer uploader GET /api/v1/periods/2024-13-01..2024-11-30/completeness
check '[ "$code" = 400 ]' "a bad period: $last"
bearer analyst PUT /api/v1/periods/2025-02-01..2025-03-31/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"2025-04-07","delivery_due":"2025-04-25"}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"plan\"][\"upload_deadline\"], d[\"plan\"][\"delivery_due\"], d[\"status\"]")" = "2025-04-07 2025-04-25 open" ]' "plan a period: $last"
bearer analyst PUT /api/v1/periods/2025-02-01..2025-03-31/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"2025-03-07","delivery_due":"2025-04-25"}'
check '[ "$code" = 422 ] && grep -q "is not after the period" "$tmp/b"' "a deadline inside the period: $last"
bearer analyst PUT /api/v1/periods/2025-02-01..2025-03-31/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"2025-04-07"}'
check '[ "$code" = 422 ]' "a body without the due day: $last"
bearer analyst PUT /api/v1/periods/2025-02-01..2025-03-31/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"7 April","delivery_due":"2025-04-25"}'
check '[ "$code" = 422 ] && grep -q "upload_deadline is a day written YYYY-MM-DD" "$tmp/b"' "a day that is not a date: $last"
bearer uploader PUT /api/v1/periods/2025-02-01..2025-03-31/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"2025-04-07","delivery_due":"2025-04-25"}'
check '[ "$code" = 403 ]' "an uploader may not plan: $last"
bearer admin POST /api/v1/periods/$P/deliver -H 'Content-Type: application/json' --data-binary '{}'
check '[ "$code" = 200 ]' "deliver the period: $last"
bearer analyst PUT /api/v1/periods/$P/plan -H 'Content-Type: application/json' --data-binary '{"upload_deadline":"2024-12-10","delivery_due":"2024-12-27"}'
check '[ "$code" = 409 ] && grep -q "frozen" "$tmp/b"' "a delivered period's plan is frozen: $last"

schema_log=
try python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer validates against docs/openapi.yaml: $(show)"

serve_stop
finish
