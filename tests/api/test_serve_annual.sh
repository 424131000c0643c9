#!/usr/bin/env bash
# tests/api/test_serve_annual.sh -- the annual review and its minutes, by
# the CLI (`tenken report annual|minutes`) and over TLS (GET
# /api/v1/reports/annual/{fy} and .../minutes): HTML with the chapters and
# the report's own policy, PDF whose text has the Japanese headings and
# whose first page is not blank, the workbook as a zip with one sheet per
# table; every role may read them; a year with nothing is a short, correct
# document; bad year, format or language are refused with the parameter
# named; the bimonthly `tenken report --period` is unchanged. Every JSON
# answer is validated against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-annual.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data
P=2024-10-01..2024-11-30
Q=2024-08-01..2024-09-30

# Two periods of fiscal 2024, a rule switched off between them, and
# answers to three of the later period's cases.
must "$bin" demo --dir "$tmp/d" --seed 3 --staff 40 --residents 2000 >/dev/null
must "$bin" init --tenant other >/dev/null
echo '{"version": 1, "rules": {"R22": {"enabled": false}}}' >"$tmp/r22.json"
must "$bin" rules set --tenant demo "$tmp/r22.json" --by 'analyst 佐藤' >/dev/null
must "$bin" analyze --tenant demo --period $Q >/dev/null
must "$bin" confirmations list --tenant demo --period $P --format json >"$tmp/conf.json"
mapfile -t ids < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(i["case_id"] for i in d["items"][:3]))' "$tmp/conf.json")
check '[ "${#ids[@]}" = 3 ]' "three cases to answer: ${ids[*]}"
must "$bin" confirmations answer --tenant demo "${ids[0]}" --verdict inappropriate \
    --reason '権限を削除し、所属で再発防止の指導を実施' --by '市民課長 山田' --date 2024-12-10 >/dev/null
must "$bin" confirmations answer --tenant demo "${ids[1]}" --verdict investigating \
    --reason '本人に聞き取り中' --by '税務課長 鈴木' --date 2024-12-11 >/dev/null
must "$bin" confirmations answer --tenant demo "${ids[2]}" --verdict justified \
    --reason '窓口での本人確認のため' --by '福祉課長 田中' --date 2024-12-12 >/dev/null

# ---- CLI ------------------------------------------------------------------------------------
must "$bin" report annual --tenant demo --fiscal-year 2024 --out "$tmp/a.html"
for i in "1 年間の実施状況（6期）" "2 年間の傾向" "3 繰り返し見られる傾向" "4 重大な事案と是正措置" \
    "5 確認結果（回答）の状況" "6 改善の効果" "7 分析の記録" "8 次年度の計画"; do
    check 'grep -q "$i</h1>" "$tmp/a.html"' "chapter $i in the review"
done
check 'grep -q "権限を削除し、所属で再発防止の指導を実施" "$tmp/a.html"' "the corrective action answered is in chapter 4"
check 'grep -q "R22: 有効→無効" "$tmp/a.html" && grep -q "analyst 佐藤" "$tmp/a.html"' "the rule change, and who made it"
check '! grep -qi "<script" "$tmp/a.html"' "no script in the review"
must "$bin" report annual --tenant demo --fiscal-year FY2024 --lang en --format pdf --out "$tmp/a-en.pdf"
pdftotext "$tmp/a-en.pdf" "$tmp/a-en.txt"
check 'grep -q "Trends over the year" "$tmp/a-en.txt" && grep -q "Record of analyses" "$tmp/a-en.txt"' \
    "the English PDF: $(head -c 300 "$tmp/a-en.txt")"
must "$bin" report annual --tenant demo --fiscal-year 2024 --format pdf --out "$tmp/a.pdf"
pdftotext "$tmp/a.pdf" "$tmp/a.txt"
for i in 年間の実施状況 繰り返し見られる傾向 重大な事案と是正措置 分析の記録 次年度の計画; do
    check 'grep -q "$i" "$tmp/a.txt"' "the PDF text has $i: $(head -c 300 "$tmp/a.txt")"
done
# The first page, rasterised, has ink: not blank.
pdftoppm -r 20 -f 1 -l 1 -gray -singlefile "$tmp/a.pdf" "$tmp/p1"
ink=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
# PGM: P5 W H MAX, then the pixels
parts = d.split(maxsplit=4)
px = parts[4]
print(sum(1 for b in px if b < 200))' "$tmp/p1.pgm")
check '[ "$ink" -gt 200 ]' "the PDF's first page is not blank: $ink dark pixels"
must "$bin" report annual --tenant demo --fiscal-year 2024 --format xlsx --out "$tmp/a.xlsx"
check 'python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read(\"xl/workbook.xml\").decode()
assert wb.count(\"<sheet \") >= 8, wb
assert \"期別の実施状況\" in wb and \"期別の回答状況\" in wb, wb
" "$tmp/a.xlsx"' "the workbook has a sheet per table"
must "$bin" report minutes --tenant demo --fiscal-year 2024 --out "$tmp/m.html"
check 'grep -q "分析点検結果報告会 議事録" "$tmp/m.html" && grep -q "次回までの対応事項" "$tmp/m.html" && grep -q "年間検知事案" "$tmp/m.html"' \
    "the minutes: title, actions, the year's figures"
must "$bin" report minutes --tenant demo --fiscal-year 2024 --format pdf --out "$tmp/m.pdf"
pdftotext "$tmp/m.pdf" "$tmp/m.txt"
check 'grep -q "議事録" "$tmp/m.txt" && grep -q "質疑・意見" "$tmp/m.txt" && grep -q "決定事項" "$tmp/m.txt"' \
    "the minutes PDF: $(head -c 300 "$tmp/m.txt")"
# A year with nothing.
must "$bin" report annual --tenant other --fiscal-year 2024 --out "$tmp/empty.html"
check 'grep -q "この年度に分析した期間はありません" "$tmp/empty.html"' "an empty year says so"
# Refusals: exit 2 and the option named; nothing written.
try "$bin" report minutes --tenant demo --fiscal-year 2024 --format xlsx --out "$tmp/x.xlsx"
check '[ $st = 2 ] && grep -q -- "--format" "$tmp/err" && [ ! -e "$tmp/x.xlsx" ]' "minutes as xlsx: $(show)"
for y in 1999 24 2024a ""; do
    try "$bin" report annual --tenant demo --fiscal-year "$y" --out "$tmp/y.html"
    check '[ $st = 2 ] && grep -q -- "--fiscal-year" "$tmp/err" && [ ! -e "$tmp/y.html" ]' "fiscal year '$y': $(show)"
done
try "$bin" report annual --tenant demo --out "$tmp/y.html"
check '[ $st = 2 ] && grep -q -- "--fiscal-year is required" "$tmp/err"' "no fiscal year: $(show)"
try "$bin" report annual --help
check '[ $st = 0 ] && grep -q "usage: tenken report annual" "$tmp/out"' "annual --help: $(show)"
try "$bin" report minutes --help
check '[ $st = 0 ] && grep -q "usage: tenken report minutes" "$tmp/out"' "minutes --help: $(show)"
must "$bin" report --tenant demo --period $P --out "$tmp/r.html"
check 'grep -q "分析点検結果レポート" "$tmp/r.html"' "the bimonthly report still works"

# ---- over TLS -------------------------------------------------------------------------------
serve_accounts demo other
hdr() { grep -i "^$1:" "$tmp/h" | head -1 | tr -d '\r'; }
serve_cert
serve_start --threads 4
schema_log=$tmp/answers.tsv

bearer analyst GET "/api/v1/reports/annual/2024"
check '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "Content-Type: text/html; charset=utf-8" ]' "the HTML review: $last"
check '[ "$(hdr Content-Security-Policy)" = "Content-Security-Policy: default-src '"'none'"'; style-src '"'unsafe-inline'"'; img-src data:; frame-ancestors '"'none'"'" ]' \
    "the review's policy: $(hdr Content-Security-Policy)"
check 'grep -q "分析点検結果報告会資料" "$tmp/b" && grep -q "<svg" "$tmp/b" && grep -q "権限を削除し" "$tmp/b"' \
    "the HTML review has the title, charts and the answers: $(head -c 300 "$tmp/b")"
for who in uploader reporter admin; do
    bearer "$who" GET "/api/v1/reports/annual/2024?lang=en"
    check '[ "$code" = 200 ] && grep -q "Annual Review" "$tmp/b"' "$who reads the review: $last"
done
bearer reporter GET "/api/v1/reports/annual/2024?format=pdf"
check '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "Content-Type: application/pdf" ] && [ "$(head -c 5 "$tmp/b")" = "%PDF-" ]' \
    "the PDF review: $code $(hdr Content-Type)"
check '[ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-annual-2024.pdf\"" ]' \
    "the PDF's name: $(hdr Content-Disposition)"
pdftotext "$tmp/b" "$tmp/srv.txt"
check 'grep -q "確認結果（回答）の状況" "$tmp/srv.txt"' "the served PDF's text: $(head -c 300 "$tmp/srv.txt")"
bearer analyst GET "/api/v1/reports/annual/2024?format=xlsx"
check '[ "$code" = 200 ] && [ "$(head -c 2 "$tmp/b")" = PK ] && [ "$(hdr Content-Type)" = "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ]' \
    "the workbook: $code $(hdr Content-Type)"
bearer uploader GET "/api/v1/reports/annual/2024/minutes"
check '[ "$code" = 200 ] && grep -q "議事録" "$tmp/b" && grep -q "次回までの対応事項" "$tmp/b"' "the minutes: $last"
bearer admin GET "/api/v1/reports/annual/2024/minutes?format=pdf"
check '[ "$code" = 200 ] && [ "$(head -c 5 "$tmp/b")" = "%PDF-" ] && [ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-minutes-2024.pdf\"" ]' \
    "the minutes PDF: $code $(hdr Content-Disposition)"
# Another tenant reads its own, empty year.
bearer other GET "/api/v1/reports/annual/2024"
check '[ "$code" = 200 ] && grep -q "この年度に分析した期間はありません" "$tmp/b" && ! grep -q "権限を削除し" "$tmp/b"' \
    "another tenant's own, empty year: $last"
for q in "annual/abc" "annual/1999" "annual/2024?format=docx" "annual/2024?lang=fr" \
    "annual/2024/minutes?format=xlsx" "annual/2024/minutes?lang=de"; do
    bearer analyst GET "/api/v1/reports/$q"
    check '[ "$code" = 400 ] && [ "$(errcode)" = bad_request ]' "bad $q: $last"
done
bearer analyst GET "/api/v1/reports/annual/abc"
check '[ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = fy ]' "the year is named: $last"
req GET "/api/v1/reports/annual/2024"
check '[ "$code" = 401 ]' "no credential: $last"

serve_stop
st=0
python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$schema_log" >"$tmp/schema.out" 2>&1 || st=$?
check '[ "$st" = 0 ]' "the answers match docs/openapi.yaml: $(cat "$tmp/schema.out")"
finish
