#!/bin/bash
# tests/api/test_serve_charts.sh -- the charts the service draws (SVG) and
# one triage decision on many cases, over TLS.
#
# Charts: each route answers image/svg+xml that parses as XML, with the
# API's security headers, labels in Japanese by default and in English
# with lang=en, a label from the data escaped; the numbers drawn are the
# JSON route's (the systems chart names the profile's systems); who may
# call them (roles, another tenant) and the errors (unknown entity or
# case 404, bad arguments 400 naming the parameter).
# Every answer is validated against docs/openapi.yaml.
# Bulk triage: a good list is recorded in one request (history and the
# audit log: one record per case); a list with one unknown id, or a
# repeated or malformed one, records nothing; an id of another tenant is
# unknown there (404) and naming the other tenant is refused (403).
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-charts.XXXXXX")
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
P=2024-11-01..2024-11-30
serve_cert
serve_start --threads 2
schema_log=$tmp/answers.tsv # every answer is checked against docs/openapi.yaml at the end

# An SVG answer: 200, the type, well-formed XML whose root is <svg>.
svg_ok() {
    [ "$code" = 200 ] && grep -qi '^Content-Type: image/svg+xml' "$tmp/h" &&
        python3 -c '
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
assert d.documentElement.tagName == "svg", d.documentElement.tagName
assert d.documentElement.getAttribute("xmlns") == "http://www.w3.org/2000/svg"
' "$tmp/b"
}
# The text of every <text> and <title> of the answer, one a line.
svg_text() {
    python3 -c '
import sys, xml.dom.minidom
try:
    d = xml.dom.minidom.parse(sys.argv[1])
except Exception as e:
    print("(not XML: %s)" % e)
    sys.exit(0)
for tag in ("text", "title"):
    for e in d.getElementsByTagName(tag):
        print("".join(n.data for n in e.childNodes if n.nodeType == n.TEXT_NODE))
' "$tmp/b"
}

# ---- entity charts ----------------------------------------------------------------------
bearer reporter GET "/api/v1/entities/user/295438?period=$P"
cp "$tmp/b" "$tmp/user.json"
for kind in daily hours systems; do
    bearer reporter GET "/api/v1/entities/user/295438/charts/$kind.svg?period=$P"
    check 'svg_ok' "user $kind chart: $last"
    check 'grep -qi "^Content-Security-Policy: default-src .none." "$tmp/h"' "user $kind: the API's CSP: $(cat "$tmp/h")"
    bearer analyst GET "/api/v1/entities/terminal/GAKKO-PC002/charts/$kind.svg?period=$P"
    check 'svg_ok' "terminal $kind chart: $last"
done
bearer reporter GET "/api/v1/entities/user/295438/charts/daily.svg?period=$P"
svg_text >"$tmp/t"
check 'grep -qx "操作件数" "$tmp/t" && grep -q "^通常の範囲" "$tmp/t" && grep -qx "11-01" "$tmp/t"' "daily chart's labels in Japanese: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/entities/user/295438/charts/daily.svg?period=$P&lang=en"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "events" "$tmp/t" && grep -q "^usual range" "$tmp/t" && ! grep -q "操作件数" "$tmp/t"' "daily chart in English: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/entities/user/295438/charts/hours.svg?period=$P"
svg_text >"$tmp/t"
check 'grep -qx "月" "$tmp/t" && grep -qx "日" "$tmp/t"' "heat map's weekdays in Japanese: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/entities/user/295438/charts/hours.svg?period=$P&lang=en"
svg_text >"$tmp/t"
check 'grep -qx "Mon" "$tmp/t" && grep -qx "Sun" "$tmp/t"' "heat map's weekdays in English: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/entities/user/295438/charts/systems.svg?period=$P"
svg_text >"$tmp/t"
check 'python3 -c "
import json, sys
names = [s[\"name\"] for s in json.load(open(sys.argv[1]))[\"systems\"]]
lines = open(sys.argv[2]).read().splitlines()
assert names and all(n in lines for n in names), (names, lines)
" "$tmp/user.json" "$tmp/t"' "the systems chart names the profile's systems: $(cat "$tmp/t")"
bearer analyst GET "/api/v1/entities/user/nosuch/charts/daily.svg?period=$P"
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ] && grep -qi "^Content-Type: application/json" "$tmp/h"' "unknown user: $last"
bearer analyst GET "/api/v1/entities/terminal/295438/charts/hours.svg?period=$P"
check '[ "$code" = 404 ]' "a user is no terminal: $last"
bearer analyst GET "/api/v1/entities/user/295438/charts/daily.svg"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ]' "no period: $last"
bearer analyst GET "/api/v1/entities/user/295438/charts/daily.svg?period=$P&lang=fr"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = lang ]' "bad lang: $last"
saved_log=$schema_log schema_log= # not a route of the OpenAPI file
bearer analyst GET "/api/v1/entities/user/295438/charts/weekly.svg?period=$P"
check '[ "$code" = 404 ]' "no such chart: $last"
schema_log=$saved_log

# ---- a case's chart -----------------------------------------------------------------------
bearer reporter GET "/api/v1/anomalies/1-3/chart.svg"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "事案の日" "$tmp/t" && grep -qx "10-01" "$tmp/t"' "case chart over its run's period, its days marked: $last $(cat "$tmp/t")"
bearer reporter GET "/api/v1/anomalies/1-1/chart.svg?lang=en"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "days of the case" "$tmp/t"' "a terminal's case chart in English: $last $(cat "$tmp/t")"
bearer reporter GET "/api/v1/anomalies/1-99999/chart.svg"
check '[ "$code" = 404 ]' "unknown case: $last"
bearer reporter GET "/api/v1/anomalies/x-1/chart.svg"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = id ]' "malformed id: $last"

# ---- trends charts ------------------------------------------------------------------------
bearer reporter GET "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=month,severity"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "2024-10" "$tmp/t" && grep -qx "2024-11" "$tmp/t" && grep -qx "重大\|高\|中\|低" "$tmp/t"' "trends by month and severity: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=status&lang=en"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "new" "$tmp/t"' "trends by status in English: $(cat "$tmp/t")"
bearer reporter GET "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=dept"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "市民課" "$tmp/t"' "trends by 所属 (a horizontal bar each): $(cat "$tmp/t")"
bearer reporter GET "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=bogus"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = by ]' "bad key: $last"
bearer other GET "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=rule"
svg_text >"$tmp/t"
check 'svg_ok && grep -qx "データなし" "$tmp/t"' "a tenant never analysed: no data: $(cat "$tmp/t")"

# ---- who may see them ---------------------------------------------------------------------
for route in "/api/v1/entities/user/295438/charts/daily.svg?period=$P&" \
    "/api/v1/entities/terminal/GAKKO-PC002/charts/systems.svg?period=$P&" \
    "/api/v1/anomalies/1-3/chart.svg?" "/api/v1/trends/chart.svg?from=2024-10-01&to=2024-11-30&by=rule&"; do
    for role in uploader analyst reporter admin; do
        want=200
        [ $role = uploader ] && want=403
        bearer $role GET "${route}tenant=demo"
        check '[ "$code" = $want ]' "$role (want $want): $last"
    done
    bearer analyst GET "${route}tenant=other"
    check '[ "$code" = 403 ] && [ "$(errcode)" = tenant_forbidden ]' "naming another tenant: $last"
    bearer global GET "${route}tenant=demo"
    check '[ "$code" = 200 ]' "a global admin naming the tenant: $last"
    req GET "${route}tenant=demo"
    check '[ "$code" = 401 ]' "no credential: $last"
done

# ---- a label from the data is escaped ------------------------------------------------------
# A system named with markup, in the events of an entity of its own.
cat >"$tmp/p.json" <<'PROFILE'
{ "profile": "markup", "system": { "value": "<b>&\"sys" },
  "fields": { "time": { "column": "time", "format": "YYYY/MM/DD hh:mm:ss" },
              "user": { "column": "user" }, "operation": { "column": "op" } } }
PROFILE
printf '%s\n' 'time,user,op' '2024/11/05 10:00:00,x1,lookup' '2024/11/05 10:05:00,x1,lookup' >"$tmp/x.csv"
try "$bin" ingest --tenant other --profile "$tmp/p.json" "$tmp/x.csv"
if [ "$st" = 0 ]; then
    bearer other GET "/api/v1/entities/user/x1/charts/systems.svg?period=$P"
    svg_text >"$tmp/t"
    check 'svg_ok && grep -qF "<b>&\"sy" "$tmp/t" && ! grep -qF "<b>" "$tmp/b"' "a system's name escaped: $last $(cat "$tmp/t")"
else
    bad "the events with a system named with markup were not ingested: $(show)"
fi

# ---- bulk triage --------------------------------------------------------------------------
triage() { # WHO BODY
    bearer "$1" POST /api/v1/anomalies/triage -H 'Content-Type: application/json' --data-binary "$2"
}
ntriage() { sqlite3 "$tmp/d/data/demo/store.db" "SELECT count(*) FROM triage"; }
triage analyst '{"ids": ["1-1", "1-2", "1-99999"], "status": "investigating", "comment": "一括"}'
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ] && [ "$(jq_ "[(x[\"id\"], x[\"status\"]) for x in d[\"error\"][\"details\"][\"items\"]]")" = "[('"'"'1-99999'"'"', 404)]" ]' "one unknown id: 404 naming it: $last"
check '[ "$(ntriage)" = 0 ]' "one unknown id: nothing recorded ($(ntriage) decisions)"
triage analyst '{"ids": ["1-1", "1-1"], "status": "investigating"}'
check '[ "$code" = 422 ] && grep -q "listed twice" "$tmp/b" && [ "$(ntriage)" = 0 ]' "a repeated id: $last"
triage analyst '{"ids": ["1-1", "x"], "status": "investigating"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"items\"][0][\"id\"]")" = x ] && [ "$(ntriage)" = 0 ]' "a malformed id: $last"
triage analyst '{"ids": [], "status": "investigating"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.ids" ]' "no id: $last"
triage analyst '{"ids": ["1-1"], "status": "closed"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.status" ]' "bad status: $last"
triage analyst '{"ids": ["1-1"], "status": "new"}'
check '[ "$code" = 422 ] && [ "$(ntriage)" = 0 ]' "back to new on an untriaged case: $last"
triage reporter '{"ids": ["1-1"], "status": "confirmed"}'
check '[ "$code" = 403 ] && [ "$(ntriage)" = 0 ]' "a reporter may not triage: $last"
bearer analyst POST "/api/v1/anomalies/triage?tenant=other" -H 'Content-Type: application/json' --data-binary '{"ids": ["1-1"], "status": "confirmed"}'
check '[ "$code" = 403 ] && [ "$(errcode)" = tenant_forbidden ]' "naming another tenant: $last"
triage other '{"ids": ["1-1"], "status": "confirmed"}'
check '[ "$code" = 404 ] && [ "$(ntriage)" = 0 ]' "another tenant's analyst: the id names nothing there: $last"
triage analyst '{"ids": ["1-1", "1-2", "1-3"], "status": "investigating", "comment": "一括で確認"}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"count\"]")" = 3 ] && [ "$(jq_ "sorted({x[\"status\"] for x in d[\"items\"]})")" = "['"'"'investigating'"'"']" ]' "three cases at once: $last"
check '[ "$(ntriage)" = 3 ]' "three decisions recorded: $(ntriage)"
bearer analyst GET /api/v1/anomalies/1-2/history
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"][-1][\"comment\"]")" = 一括で確認 ] && [ "$(jq_ "d[\"items\"][-1][\"decided_by\"]")" = t-analyst ]' "the history of one of them: $last"
check '[ "$(sqlite3 "$tmp/d/data/service.db" "SELECT group_concat(target) FROM (SELECT target FROM audit WHERE action = '"'"'anomaly.triage'"'"' ORDER BY id)")" = "1-1,1-2,1-3" ]' "one audit record per case: $(sqlite3 "$tmp/d/data/service.db" "SELECT * FROM audit WHERE action LIKE '%triage%'")"
check '[ "$(sqlite3 "$tmp/d/data/service.db" "SELECT count(*) FROM audit WHERE action = '"'"'POST /api/v1/anomalies/triage'"'"' AND outcome = '"'"'ok'"'"'")" = 1 ]' "and the request's own"
serve_stop
# Under the sanitizers (TK_SANITIZE), the server's exit reports any leak
# or undefined behaviour of the requests above on its stderr.
check '! grep -Eq "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/serve.err"' "the server's stderr has no sanitizer report: $(head -c 3000 "$tmp/serve.err")"
schema_log=
try python3 "$(dirname "${BASH_SOURCE[0]}")/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer validates against docs/openapi.yaml: $(show)"
finish
