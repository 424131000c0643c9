#!/usr/bin/env bash
# tests/api/test_serve_reports.sh -- the 分析点検結果レポート over TLS: GET
# /api/v1/reports/{period} as HTML (its own policy: inline styles, no
# script) and as PDF (an attachment of several pages with chapter 5,
# 要確認事項), in both languages; every role may read it; a period never
# analysed and another tenant's period are 404; bad format, lang, run or
# period are 400; every JSON answer is validated against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-reports.XXXXXX")
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
hdr() { grep -i "^$1:" "$tmp/h" | head -1 | tr -d '\r'; }

serve_cert
serve_start
schema_log=$tmp/answers.tsv

# ---- HTML ----------------------------------------------------------------------------------
bearer analyst GET "/api/v1/reports/$P"
check '[ "$code" = 200 ]' "the HTML report: $last"
check '[ "$(hdr Content-Type)" = "Content-Type: text/html; charset=utf-8" ]' "HTML type: $(hdr Content-Type)"
check '[ "$(hdr Content-Security-Policy)" = "Content-Security-Policy: default-src '"'none'"'; style-src '"'unsafe-inline'"'; img-src data:; frame-ancestors '"'none'"'" ]' \
    "the report's own policy, once: $(grep -ci '^Content-Security-Policy:' "$tmp/h") header(s): $(hdr Content-Security-Policy)"
check '[ "$(grep -ci "^Content-Security-Policy:" "$tmp/h")" = 1 ]' "one policy header: $(cat "$tmp/h")"
check 'grep -q "分析点検結果レポート" "$tmp/b" && grep -q "要確認事項" "$tmp/b" && grep -q "<svg" "$tmp/b"' \
    "the HTML has the title, chapter 5 and charts: $(head -c 300 "$tmp/b")"
check '! grep -qi "<script" "$tmp/b"' "the HTML has no script"
cp "$tmp/b" "$tmp/ja.html"
bearer analyst GET "/api/v1/reports/$P?lang=en&format=html"
check '[ "$code" = 200 ] && grep -q "lang=\"en\"" "$tmp/b" && ! cmp -s "$tmp/b" "$tmp/ja.html"' "the English report: $last"
for who in uploader reporter admin; do
    bearer "$who" GET "/api/v1/reports/$P"
    check '[ "$code" = 200 ] && grep -q "分析点検結果レポート" "$tmp/b"' "$who reads the report: $last"
done

# ---- PDF -----------------------------------------------------------------------------------
bearer uploader GET "/api/v1/reports/$P?format=pdf"
check '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "Content-Type: application/pdf" ]' "the PDF: $code $(hdr Content-Type)"
check '[ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-report-2024-10-01-2024-11-30.pdf\"" ]' \
    "the PDF's file name: $(hdr Content-Disposition)"
check '[ "$(head -c 5 "$tmp/b")" = "%PDF-" ]' "a PDF header: $(head -c 20 "$tmp/b" | od -c | head -2)"
pages=$(pdfinfo "$tmp/b" 2>&1 | sed -n 's/^Pages: *//p')
check '[ -n "$pages" ] && [ "$pages" -gt 3 ]' "more than 3 pages: pdfinfo says '$pages'"
pdftotext "$tmp/b" "$tmp/pdf.txt" 2>"$tmp/pdftotext.err" || true
check 'grep -q 要確認事項 "$tmp/pdf.txt"' "the PDF text has 要確認事項: $(head -c 400 "$tmp/pdf.txt" "$tmp/pdftotext.err")"
run=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT max(id) FROM analysis_runs" 2>/dev/null || true)
if [ -n "$run" ]; then
    bearer reporter GET "/api/v1/reports/$P?run=$run&format=pdf&lang=en"
    check '[ "$code" = 200 ] && [ "$(head -c 5 "$tmp/b")" = "%PDF-" ]' "run $run in English: $code"
fi

# ---- refusals ------------------------------------------------------------------------------
bearer analyst GET "/api/v1/reports/2025-01-01..2025-01-31"
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ] && jq_ "d[\"error\"][\"details\"][\"reason\"]" | grep -qi analy' \
    "a period never analysed: $last"
bearer other GET "/api/v1/reports/$P"
check '[ "$code" = 404 ]' "another tenant's period: $last"
bearer analyst GET "/api/v1/reports/$P?run=9999"
check '[ "$code" = 404 ]' "no such run: $last"
for q in "format=docx" "format=" "lang=fr" "run=abc" "run=0" "run=-1"; do
    bearer analyst GET "/api/v1/reports/$P?$q"
    check '[ "$code" = 400 ] && [ "$(errcode)" = bad_request ]' "bad $q: $last"
done
bearer analyst GET "/api/v1/reports/2024-13-01..2024-11-30"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = period ]' "a bad period: $last"
req GET "/api/v1/reports/$P"
check '[ "$code" = 401 ]' "no credential: $last"

serve_stop
st=0
python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$schema_log" >"$tmp/schema.out" 2>&1 || st=$?
check '[ "$st" = 0 ]' "the answers match docs/openapi.yaml: $(cat "$tmp/schema.out")"
finish
