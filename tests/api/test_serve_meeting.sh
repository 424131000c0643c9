#!/usr/bin/env bash
# tests/api/test_serve_meeting.sh -- the record of the review meeting (報告会),
# by the CLI (`tenken report meeting`) and over TLS (GET and PUT
# /api/v1/reports/annual/{fy}/meeting): set and read back, replaced whole;
# a reporter or an admin may set it, every role may read it, an analyst or
# an uploader is refused (403); a bad date, a day outside the window, a
# blank place, no attendee or an unknown member is 422 naming the member,
# and stores nothing; a year without a record is 404; the minutes and the
# 業務完了報告書 print the recorded date, place and attendees. Every
# answer is validated against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-meeting.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/data
must "$bin" init --tenant city >/dev/null
must "$bin" init --tenant other >/dev/null

# ---- CLI ------------------------------------------------------------------------------------
try "$bin" report meeting --tenant city --fiscal-year 2024 --show
check '[ $st = 1 ] && grep -q "no meeting is recorded for fiscal year 2024" "$tmp/err"' "nothing recorded yet: $(show)"
try "$bin" report meeting --tenant city --fiscal-year FY2024 --date 2025-03-14 --place '本庁舎 3階 第2会議室' \
    --attendee '市民課長 山田太郎' --attendee '受託者 点検担当 鈴木'
check '[ $st = 0 ] && grep -q "^date *2025-03-14$" "$tmp/out" && grep -q "受託者 点検担当 鈴木" "$tmp/out"' "set by the CLI: $(show)"
try "$bin" report meeting --tenant city --fiscal-year 2024 --show
check '[ $st = 0 ] && grep -q "^place *本庁舎 3階 第2会議室$" "$tmp/out" && grep -q "by cli:" "$tmp/out"' "shown: $(show)"
for bad in "--date 2027-04-01|--date" "--date 2025-02-30|--date" "--place ' '|--place" "--attendee ''|--attendee"; do
    opt=${bad%|*}
    want=${bad#*|}
    args=(--date 2025-03-15 --place 会議室 --attendee 山田)
    case $opt in
    --date*) args[1]=${opt#--date } ;;
    --place*) args[3]=" " ;;
    --attendee*) args[5]="" ;;
    esac
    try "$bin" report meeting --tenant city --fiscal-year 2024 "${args[@]}"
    check '[ $st = 2 ] && grep -q -- "$want" "$tmp/err"' "refused $opt: $(show)"
done
try "$bin" report meeting --tenant city --fiscal-year 24 --show
check '[ $st = 2 ] && grep -q -- "--fiscal-year" "$tmp/err"' "a bad year: $(show)"
try "$bin" report meeting --tenant city --fiscal-year 2024 --date 2025-03-15
check '[ $st = 2 ] && grep -q "are required" "$tmp/err"' "incomplete: $(show)"
try "$bin" report meeting --tenant city --fiscal-year 2024 --show
check '[ $st = 0 ] && grep -q "^date *2025-03-14$" "$tmp/out"' "the refusals stored nothing: $(show)"
try "$bin" report meeting --help
check '[ $st = 0 ] && grep -q "usage: tenken report meeting" "$tmp/out"' "meeting --help: $(show)"

# ---- over TLS -------------------------------------------------------------------------------
serve_accounts city other
serve_cert
serve_start
schema_log=$tmp/answers.tsv
J=(-H 'Content-Type: application/json')
body='{"held_on": "2025-03-18", "place": "市役所 本庁舎 5階 大会議室", "attendees": ["情報政策課長 佐藤", "市民課長 山田", "受託者 鈴木"]}'

bearer reporter PUT /api/v1/reports/annual/2024/meeting "${J[@]}" --data-binary "$body"
check '[ "$code" = 200 ] && [ "$(jq_ "\"%s %d %d %s\" % (d[\"held_on\"], d[\"fiscal_year\"], len(d[\"attendees\"]), d[\"set_by\"])")" = "2025-03-18 2024 3 t-reporter" ]' \
    "the reporter sets it: $last"
for who in uploader analyst admin; do
    bearer "$who" GET /api/v1/reports/annual/FY2024/meeting
    check '[ "$code" = 200 ] && [ "$(jq_ "d[\"place\"]")" = "市役所 本庁舎 5階 大会議室" ] && [ "$(jq_ "d[\"attendees\"][2]")" = "受託者 鈴木" ]' \
        "$who reads it: $last"
done
for who in analyst uploader other; do
    bearer "$who" PUT /api/v1/reports/annual/2024/meeting "${J[@]}" --data-binary "$body"
    check '[ "$code" = 403 ]' "$who may not set it: $last"
done
bearer other GET /api/v1/reports/annual/2024/meeting
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ]' "another tenant has none: $last"
bearer admin GET /api/v1/reports/annual/2023/meeting
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ]' "another year has none: $last"
bearer admin GET /api/v1/reports/annual/20x4/meeting
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = fy ]' "a bad year: $last"

# Refusals: 422 with the member, nothing stored.
refuse() { # MEMBER BODY
    local want="\$.$1"
    bearer admin PUT /api/v1/reports/annual/2024/meeting "${J[@]}" --data-binary "$2"
    check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "$want" ]' "refused ($1): $last"
}
refuse held_on '{"held_on": "2025-13-01", "place": "x", "attendees": ["a"]}'
refuse held_on '{"held_on": "2023-03-31", "place": "x", "attendees": ["a"]}'
refuse held_on '{"held_on": 20250318, "place": "x", "attendees": ["a"]}'
refuse held_on '{"place": "x", "attendees": ["a"]}'
refuse place '{"held_on": "2025-03-18", "place": "　", "attendees": ["a"]}'
refuse place '{"held_on": "2025-03-18", "place": "二行\n目", "attendees": ["a"]}'
refuse attendees '{"held_on": "2025-03-18", "place": "x", "attendees": []}'
refuse 'attendees[1]' '{"held_on": "2025-03-18", "place": "x", "attendees": ["a", 3]}'
refuse attendees '{"held_on": "2025-03-18", "place": "x", "attendees": ["a", " "]}'
refuse who '{"held_on": "2025-03-18", "place": "x", "attendees": ["a"], "who": 1}'
bearer admin PUT /api/v1/reports/annual/2024/meeting "${J[@]}" --data-binary '[1]'
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ]' "not an object: $last"
bearer admin GET /api/v1/reports/annual/2024/meeting
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"held_on\"]")" = 2025-03-18 ]' "the refusals stored nothing: $last"
# The English message of a refusal.
bearer admin PUT /api/v1/reports/annual/2024/meeting "${J[@]}" -H 'Accept-Language: en' \
    --data-binary '{"held_on": "2026-04-01", "place": "x", "attendees": ["a"]}'
check '[ "$code" = 422 ] && grep -q "2024-04-01 to 2026-03-31" "$tmp/b"' "the window named: $last"

# The documents print it.
bearer uploader GET /api/v1/reports/annual/2024/minutes
check '[ "$code" = 200 ] && grep -q "2025年3月18日" "$tmp/b" && grep -q "市役所 本庁舎 5階 大会議室" "$tmp/b" && grep -q "情報政策課長 佐藤" "$tmp/b"' \
    "the minutes have the date, place and attendees: $(grep -o '会議の概要.\{0,400\}' "$tmp/b" | head -c 600)"
bearer analyst GET "/api/v1/reports/annual/2024/minutes?lang=en"
check '[ "$code" = 200 ] && grep -q "2025-03-18" "$tmp/b"' "the English minutes: $code"
bearer reporter GET /api/v1/reports/completion/2024
check '[ "$code" = 200 ] && grep -q "報告会の開催日" "$tmp/b" && grep -q "2025年3月18日" "$tmp/b" && ! grep -q "報告会の記録は tenken にありません" "$tmp/b"' \
    "the completion report has the date: $code"
bearer other GET /api/v1/reports/annual/2024/minutes
check '[ "$code" = 200 ] && ! grep -q "2025年3月18日" "$tmp/b"' "another tenant's minutes stay blank: $code"
# A session needs its CSRF token to set it.
login t-reporter "$PW" "$tmp/jar"
req PUT /api/v1/reports/annual/2024/meeting -b "$tmp/jar" "${J[@]}" --data-binary "$body"
check '[ "$code" = 403 ]' "no CSRF token: $last"
req PUT /api/v1/reports/annual/2024/meeting
check '[ "$code" = 401 ]' "no credential: $last"
# Audited: who set it, for which year.
bearer global GET '/api/v1/audit?action=PUT%20/api/v1/reports/annual/%7Bfy%7D/meeting'
check '[ "$code" = 200 ] && [ "$(jq_ "sum(1 for i in d[\"items\"] if i.get(\"target\") == \"FY2024\" and i.get(\"actor\") == \"t-reporter\")")" -ge 1 ]' "the audit log: $last"

serve_stop
st=0
python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$schema_log" >"$tmp/schema.out" 2>&1 || st=$?
check '[ "$st" = 0 ]' "the answers match docs/openapi.yaml: $(cat "$tmp/schema.out")"
check '! grep -qi "sanitizer\|internal" "$tmp/serve.err"' "server errors: $(cat "$tmp/serve.err")"
finish
