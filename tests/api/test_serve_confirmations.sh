#!/usr/bin/env bash
# tests/api/test_serve_confirmations.sh -- the city's confirmations over
# TLS: GET /api/v1/confirmations, PUT /api/v1/confirmations/{id}, GET
# .../export.xlsx and POST .../import; who may call them (the city's
# uploader answers, yet gets 403 on the ranked list; another tenant's
# case is 404), every refusal (bad values 422, a suppression by an
# uploader 403, a session without its CSRF token 403, a damaged workbook
# 422 with its row errors and nothing stored, an oversized one 413, the
# wrong type 415, a delivered period 409); every JSON answer is validated
# against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-confirmations.XXXXXX")
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
vals() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(*($1))" "$tmp/b"; }
stored() { sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM answers"; }
XLSX=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet

serve_cert
serve_start
schema_log=$tmp/answers.tsv

# ---- the requests ----------------------------------------------------------------------
bearer uploader GET "/api/v1/confirmations?period=$P"
check '[ "$code" = 200 ] && [ "$(vals "d[\"period\"], d[\"total\"] > 2, d[\"answered\"]")" = "$P True 0" ]' "the requests: $last"
cp "$tmp/b" "$tmp/list.json"
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$tmp/list.json")
ids=($(python3 -c 'import json,sys; print(*[i["case_id"] for i in json.load(open(sys.argv[1]))["items"]])' "$tmp/list.json"))
rule_id=$(python3 -c 'import json,sys; print([i["case_id"] for i in json.load(open(sys.argv[1]))["items"] if i["rule"]][-1])' "$tmp/list.json")
bearer analyst GET /api/v1/confirmations
check '[ "$code" = 200 ] && [ "$(vals "d[\"period\"], d[\"total\"]")" = "$P $n" ]' "without a period, the newest run's: $last"
bearer uploader GET "/api/v1/anomalies?period=$P"
check '[ "$code" = 403 ] && [ "$(errcode)" = forbidden ]' "the city's uploader sees no ranked list: $last"
bearer uploader GET "/api/v1/confirmations?period=2024-13-01..2024-11-30"
check '[ "$code" = 400 ] && [ "$(errcode)" = bad_request ]' "a bad period: $last"
bearer uploader GET "/api/v1/confirmations?period=2025-01-01..2025-01-31"
check '[ "$code" = 404 ]' "a period never analysed: $last"
bearer other GET "/api/v1/confirmations?period=$P"
check '[ "$code" = 404 ]' "another tenant has no such period: $last"
req GET "/api/v1/confirmations?period=$P"
check '[ "$code" = 401 ]' "no credential: $last"

# ---- one answer --------------------------------------------------------------------------
put() { # WHO ID BODY
    bearer "$1" PUT "/api/v1/confirmations/$2" -H 'Content-Type: application/json' --data-binary "$3"
}
put uploader "${ids[0]}" '{"verdict":"inappropriate","reason":"業務外の照会","confirmed_by":"市民課長 山田","confirmed_on":"2024-12-05"}'
check '[ "$code" = 200 ] && [ "$(vals "d[\"case_id\"], d[\"status\"], d[\"answer\"][\"verdict\"], d[\"answer\"][\"via\"], d[\"answer\"][\"recorded_by\"]")" = "${ids[0]} confirmed inappropriate web t-uploader" ]' "an answer: $last"
put uploader "${ids[1]}" '{"verdict":"正当","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 422 ] && grep -q "a justified answer needs the business reason" "$tmp/b"' "justified without a reason: $last"
long=$(python3 -c 'print("x" * 2001)')
put uploader "${ids[1]}" "{\"verdict\":\"justified\",\"reason\":\"$long\",\"confirmed_by\":\"課長\",\"confirmed_on\":\"2024-12-05\"}"
check '[ "$code" = 422 ] && grep -q "the reason holds at most 2000 bytes, not 2001" "$tmp/b"' "a reason too long: $last"
put uploader "${ids[1]}" '{"verdict":"maybe","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.verdict" ]' "an unknown verdict: $last"
put uploader "${ids[1]}" '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-32"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.confirmed_on" ]' "a bad date: $last"
put uploader "${ids[1]}" '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-09-30"}'
check '[ "$code" = 422 ] && grep -q "must be a day from 2024-10-01" "$tmp/b"' "a date before the period: $last"
put uploader "${ids[1]}" '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05","x":1}'
check '[ "$code" = 422 ] && grep -q "unknown member" "$tmp/b"' "an unknown member: $last"
put uploader "$rule_id" '{"verdict":"justified","reason":"r","confirmed_by":"課長","confirmed_on":"2024-12-05","suppress":true}'
check '[ "$code" = 403 ] && grep -q "only an analyst or an admin may suppress" "$tmp/b"' "an uploader may not suppress: $last"
put uploader C-2024-10-XYZ '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = id ]' "a malformed case id: $last"
put uploader C-2024-10-00000000 '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 404 ]' "an unknown case: $last"
put other "${ids[1]}" '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 404 ] && grep -q "no case ${ids[1]}" "$tmp/b"' "another tenant's case: $last"
check '[ "$(stored)" = 1 ]' "refused answers stored nothing: $(stored) answers"
put analyst "$rule_id" '{"verdict":"justified","reason":"当番の夜間対応","confirmed_by":"課長","confirmed_on":"2024-12-06","suppress":true,"suppress_until":"2025-12-31"}'
check '[ "$code" = 200 ] && [ "$(vals "d[\"status\"], d[\"answer\"][\"suppression\"] is not None")" = "false_positive True" ]' "justified with a suppression: $last"
bearer analyst GET /api/v1/suppressions
check '[ "$code" = 200 ] && grep -q "当番の夜間対応" "$tmp/b"' "the suppression is listed: $last"
# a session needs its CSRF token
login t-uploader "$PW" "$tmp/jar"
req PUT "/api/v1/confirmations/${ids[1]}" -b "$tmp/jar" -H 'Content-Type: application/json' --data-binary '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "a session without the CSRF token: $last"

# ---- the workbook ------------------------------------------------------------------------
saved=$schema_log
schema_log=
bearer uploader GET "/api/v1/confirmations/export.xlsx?period=$P"
schema_log=$saved
cp "$tmp/b" "$tmp/c.xlsx"
check '[ "$code" = 200 ] && grep -qi "^Content-Type: $XLSX" "$tmp/h" && grep -qi "^Content-Disposition: attachment; filename=\"confirmations-demo-$P.xlsx\"" "$tmp/h"' "the workbook: $(head -c 300 "$tmp/h")"
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; assert sys.argv[2] in z.read("xl/sharedStrings.xml").decode()' "$tmp/c.xlsx" "${ids[0]}" && ok || bad "the workbook is not a valid archive with the case ids"
fill() { # SRC DST ROW=VERDICT|REASON|BY|DATE ...
    python3 - "$@" <<'PY'
import re, sys, zipfile
src, dst, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
zin = zipfile.ZipFile(src)
s = zin.read("xl/worksheets/sheet1.xml").decode()
for spec in rows:
    row, rest = spec.split("=", 1)
    for col, text in zip("KLMN", rest.split("|")):
        if not text:
            continue
        ref = col + row
        new = '<c r="%s" s="\\1" t="inlineStr"><is><t>%s</t></is></c>' % (ref, text)
        # an empty cell, or one holding a recorded answer
        s, k = re.subn(r'<c r="%s" s="(\d+)"(?:/>|[^>]*>.*?</c>)' % ref, new, s, count=1)
        assert k == 1, ref
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        zout.writestr(item, s.encode() if item.filename == "xl/worksheets/sheet1.xml" else zin.read(item))
PY
}
import() { # WHO FILE [QUERY]
    bearer "$1" POST "/api/v1/confirmations/import${3:-}" -H "Content-Type: $XLSX" --data-binary "@$2"
}
fill "$tmp/c.xlsx" "$tmp/good.xlsx" "3=調査中||税務課長 佐藤|2024/12/7" "4=不適切|私的な照会|課長|2024-12-07"
import uploader "$tmp/good.xlsx" "?dry_run=true"
check '[ "$code" = 200 ] && [ "$(vals "d[\"recorded\"], d[\"stored\"], d[\"dry_run\"], d[\"unchanged\"]")" = "2 False True 2" ]' "a dry run: $last"
check '[ "$(stored)" = 2 ]' "a dry run stored $(stored) answers"
fill "$tmp/c.xlsx" "$tmp/bad.xlsx" "3=たぶん||課長|2024-12-07" "4=不適切|r|課長|2024-13-01" "5=正当||課長|2024-12-07"
import uploader "$tmp/bad.xlsx"
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ] && [ "$(vals "len(d[\"error\"][\"details\"][\"issues\"]), d[\"error\"][\"details\"][\"issues\"][0][\"row\"], d[\"error\"][\"details\"][\"issues\"][0][\"column\"], d[\"error\"][\"details\"][\"issues\"][1][\"column\"], d[\"error\"][\"details\"][\"issues\"][2][\"column\"]")" = "3 3 K N L" ]' "a damaged workbook: $last"
check '[ "$(stored)" = 2 ]' "a damaged workbook stored $(stored) answers"
printf 'PK\003\004 not really' >"$tmp/junk.xlsx"
import uploader "$tmp/junk.xlsx"
check '[ "$code" = 422 ] && grep -q "not a workbook" "$tmp/b"' "not a workbook: $last"
bearer uploader POST /api/v1/confirmations/import -H 'Content-Type: application/json' --data-binary '{}'
check '[ "$code" = 415 ]' "a JSON body: $last"
head -c 21000000 /dev/zero >"$tmp/big.xlsx"
import uploader "$tmp/big.xlsx"
check '[ "$code" = 413 ] && [ "$(errcode)" = payload_too_large ]' "over 20 MB: $last"
bearer other POST /api/v1/confirmations/import -H "Content-Type: $XLSX" --data-binary "@$tmp/good.xlsx"
check '[ "$code" = 422 ] && grep -q "the workbook is of tenant .demo., not other" "$tmp/b"' "another tenant's workbook: $last"
check '[ "$(stored)" = 2 ]' "refused workbooks stored $(stored) answers"
import uploader "$tmp/good.xlsx"
check '[ "$code" = 200 ] && [ "$(vals "d[\"recorded\"], d[\"stored\"], d[\"rows\"]")" = "2 True $n" ]' "the import: $last"
check '[ "$(stored)" = 4 ]' "the import stored $(stored) answers, not 4"
bearer reporter GET "/api/v1/confirmations?period=$P"
check '[ "$code" = 200 ] && [ "$(vals "d[\"answered\"], d[\"items\"][1][\"answer\"][\"verdict\"], d[\"items\"][1][\"answer\"][\"confirmed_on\"], d[\"items\"][2][\"status\"]")" = "4 investigating 2024-12-07 confirmed" ]' "the answers listed: $last"

# ---- delivered: frozen ---------------------------------------------------------------------
bearer analyst POST "/api/v1/periods/$P/deliver" -H 'Content-Type: application/json' --data-binary '{}'
check '[ "$code" = 200 ]' "delivery: $last"
put uploader "${ids[1]}" '{"verdict":"inappropriate","confirmed_by":"課長","confirmed_on":"2024-12-05"}'
check '[ "$code" = 409 ] && [ "$(errcode)" = conflict ]' "an answer to a delivered period: $last"
fill "$tmp/c.xlsx" "$tmp/late.xlsx" "5=不適切||課長|2024-12-07"
import uploader "$tmp/late.xlsx"
check '[ "$code" = 409 ]' "an import into a delivered period: $last"
check '[ "$(stored)" = 4 ]' "a delivered period took answers: $(stored)"

schema_log=
try python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer validates against docs/openapi.yaml: $(show)"
serve_stop
finish
