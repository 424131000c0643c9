#!/usr/bin/env bash
# tests/api/test_serve_contract.sh -- the 業務処理計画書 and 業務完了報告書 from the
# command line (tenken report plan|completion) and over TLS (GET
# /api/v1/reports/plan/{fy} and /completion/{fy}): a demo tenant with the
# fiscal year 2024 planned except its last period, and 2024-10..11
# analysed and delivered. HTML and PDF (pdftotext finds the titles and the
# schedule's dates, pdftoppm's first page is not blank), the accounts
# listed for an admin only and never another tenant's, usage errors, the
# bimonthly `tenken report --period` unchanged, and every JSON answer
# validated against docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/contract.XXXXXX")
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
must "$bin" plan --tenant demo --fiscal-year 2024 >/dev/null
must "$bin" plan --tenant demo --remove 2025-02-01..2025-03-31 >/dev/null
must "$bin" deliver --tenant demo --period 2024-10-01..2024-11-30 >/dev/null

# Text of an HTML file without its tags, for grep.
text() { python3 -c 'import html,re,sys; s=open(sys.argv[1]).read(); print(html.unescape(re.sub(r"<[^>]+>", " ", s)))' "$1"; }
# 1 when the first page of PDF $1 has ink: some pixel darker than light grey.
inked() {
    pdftoppm -f 1 -l 1 -r 30 -gray "$1" "$tmp/page" >/dev/null 2>&1 || return 1
    python3 - "$tmp"/page*.pgm <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
# P5 header: magic, width, height, maxval, then the bytes.
parts = data.split(maxsplit=4)
pixels = parts[4]
dark = sum(1 for b in pixels if b < 200)
sys.exit(0 if dark > 200 else 1)
EOF
}

# ---- the command line ----------------------------------------------------------------------
must "$bin" report plan --tenant demo --fiscal-year 2024 --out "$tmp/plan.html" >/dev/null
text "$tmp/plan.html" >"$tmp/plan.txt"
check 'grep -q 業務処理計画書 "$tmp/plan.txt" && grep -q "2024年6月10日" "$tmp/plan.txt" && grep -q "2024年6月30日" "$tmp/plan.txt"' \
    "the plan has its title and the first period's deadline and due day: $(head -c 600 "$tmp/plan.txt")"
check 'grep -q 未計画 "$tmp/plan.txt"' "the period left out is unplanned"
check 'grep -q "t-uploader" "$tmp/plan.txt" && grep -q "root" "$tmp/plan.txt" && ! grep -q "o-analyst" "$tmp/plan.txt"' \
    "the local administrator lists this tenant's accounts and the global admin, not another tenant's"
check '! grep -q "\$argon2\|tkn_" "$tmp/plan.html"' "no password hash or token in the plan"
check 'grep -q "R03" "$tmp/plan.txt" && grep -q "200人" "$tmp/plan.txt"' "the rules with their parameters"
must "$bin" report completion --tenant demo --fiscal-year 2024 --lang en --out "$tmp/done-en.html" >/dev/null
check 'grep -q "Completion Report" "$tmp/done-en.html" && grep -q "lang=\"en\"" "$tmp/done-en.html"' "the English completion report"
must "$bin" report completion --tenant demo --fiscal-year 2024 --format pdf --out "$tmp/done.pdf" >/dev/null
pdftotext "$tmp/done.pdf" "$tmp/done.txt" 2>/dev/null || true
check 'grep -q 業務完了報告書 "$tmp/done.txt" && grep -q "2024年10月1日" "$tmp/done.txt" && grep -q 未完了 "$tmp/done.txt" && grep -q 完了 "$tmp/done.txt"' \
    "the completion PDF has its title, the periods and their state: $(head -c 800 "$tmp/done.txt")"
check 'inked "$tmp/done.pdf"' "the completion PDF's first page is not blank"
rm -f "$tmp"/page*.pgm
must "$bin" report plan --tenant demo --fiscal-year 2024 --format pdf --out "$tmp/plan.pdf" >/dev/null
pdftotext "$tmp/plan.pdf" "$tmp/plan-pdf.txt" 2>/dev/null || true
check 'grep -q 業務処理計画書 "$tmp/plan-pdf.txt" && grep -q "2024年8月10日" "$tmp/plan-pdf.txt"' "the plan PDF: $(head -c 600 "$tmp/plan-pdf.txt")"
check 'inked "$tmp/plan.pdf"' "the plan PDF's first page is not blank"

must "$bin" report completion --tenant demo --fiscal-year FY2024 --out "$tmp/done-fy.html" >/dev/null
check 'grep -q 業務完了報告書 "$tmp/done-fy.html" && grep -q "2024年10月1日" "$tmp/done-fy.html"' "--fiscal-year FY2024 is taken"
for args in "--fiscal-year abc" "--fiscal-year 1999" "--format xlsx --fiscal-year 2024" "--lang fr --fiscal-year 2024" ""; do
    # shellcheck disable=SC2086
    try "$bin" report plan --tenant demo $args --out "$tmp/x.html"
    check '[ $st = 2 ] && [ ! -e "$tmp/x.html" ]' "usage error for '$args': $(show)"
done
try "$bin" report completion --tenant demo --fiscal-year 2024
check '[ $st = 2 ] && grep -q -- "--out is required" "$tmp/err"' "no --out: $(show)"
try "$bin" report completion --tenant nosuch --fiscal-year 2024 --out "$tmp/x.html"
check '[ $st = 1 ] && grep -q "nosuch" "$tmp/err" && [ ! -e "$tmp/x.html" ]' "an unknown tenant: $(show)"
try "$bin" report plan --help
check '[ $st = 0 ] && grep -q -- "--fiscal-year" "$tmp/out"' "plan's help: $(show)"
# The bimonthly report is unchanged.
try "$bin" report --tenant demo --period 2024-10-01..2024-11-30 --out "$tmp/bimonthly.html"
check '[ $st = 0 ] && grep -q 分析点検結果レポート "$tmp/bimonthly.html"' "tenken report --period still works: $(show)"

# ---- over TLS ------------------------------------------------------------------------------
hdr() { grep -i "^$1:" "$tmp/h" | head -1 | tr -d '\r'; }
serve_cert
serve_start --threads 4
schema_log=$tmp/answers.tsv

bearer analyst GET "/api/v1/reports/plan/2024"
check '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "Content-Type: text/html; charset=utf-8" ]' "the plan as HTML: $last"
check '[ "$(hdr Content-Security-Policy)" = "Content-Security-Policy: default-src '"'none'"'; style-src '"'unsafe-inline'"'; img-src data:; frame-ancestors '"'none'"'" ]' \
    "the document's own policy: $(hdr Content-Security-Policy)"
text "$tmp/b" >"$tmp/t"
check 'grep -q 業務処理計画書 "$tmp/t" && grep -q "2024年6月10日" "$tmp/t" && grep -q "管理者だけが読める" "$tmp/t" && ! grep -q "t-uploader" "$tmp/t"' \
    "an analyst's plan leaves the accounts blank: $(head -c 400 "$tmp/t")"
bearer admin GET "/api/v1/reports/plan/2024"
text "$tmp/b" >"$tmp/t"
check '[ "$code" = 200 ] && grep -q "t-uploader" "$tmp/t" && grep -q "t-reporter" "$tmp/t" && ! grep -q "o-analyst" "$tmp/t"' \
    "an admin's plan lists the tenant's accounts only: $last"
bearer other GET "/api/v1/reports/plan/2024"
text "$tmp/b" >"$tmp/t"
check '[ "$code" = 200 ] && grep -q "other" "$tmp/t" && ! grep -q "2024年6月10日" "$tmp/t" && grep -q 未計画 "$tmp/t"' \
    "another tenant reads its own, unplanned year: $last"
for who in uploader reporter; do
    bearer "$who" GET "/api/v1/reports/completion/2024"
    check '[ "$code" = 200 ] && grep -q 業務完了報告書 "$tmp/b"' "$who reads the completion report: $last"
done
bearer reporter GET "/api/v1/reports/completion/2024?format=pdf&lang=ja"
check '[ "$code" = 200 ] && [ "$(hdr Content-Type)" = "Content-Type: application/pdf" ] && [ "$(head -c 5 "$tmp/b")" = "%PDF-" ]' "the completion PDF: $code $(hdr Content-Type)"
check '[ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-completion-2024.pdf\"" ]' "its file name: $(hdr Content-Disposition)"
cp "$tmp/b" "$tmp/served.pdf"
pdftotext "$tmp/served.pdf" "$tmp/served.txt" 2>/dev/null || true
check 'grep -q 業務完了報告書 "$tmp/served.txt" && grep -q "2024年10月1日" "$tmp/served.txt"' "the served PDF's text: $(head -c 400 "$tmp/served.txt")"
bearer uploader GET "/api/v1/reports/plan/2024?format=pdf&lang=en"
check '[ "$code" = 200 ] && [ "$(head -c 5 "$tmp/b")" = "%PDF-" ] && [ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-plan-2024.pdf\"" ]' \
    "the English plan PDF: $code $(hdr Content-Disposition)"

for q in "plan/abc" "plan/1999" "completion/20240" "plan/2024?format=docx" "completion/2024?lang=fr" "plan/2024?format=" \
    "completion/FY24" "plan/FY%202024"; do
    bearer analyst GET "/api/v1/reports/$q"
    check '[ "$code" = 400 ] && [ "$(errcode)" = bad_request ]' "bad $q: $last"
done
# The year as the annual review takes it (one parser): FY2024 too.
bearer analyst GET "/api/v1/reports/completion/FY2024"
check '[ "$code" = 200 ] && grep -q 業務完了報告書 "$tmp/b"' "completion/FY2024: $code"
bearer analyst GET "/api/v1/reports/plan/fy2024?format=pdf"
check '[ "$code" = 200 ] && [ "$(hdr Content-Disposition)" = "Content-Disposition: attachment; filename=\"tenken-plan-2024.pdf\"" ]' "plan/fy2024: $code $(hdr Content-Disposition)"
bearer analyst GET "/api/v1/reports/plan/2101"
check '[ "$code" = 400 ] && grep -q "FYYYYY (2000..2100" "$tmp/b"' "the accepted years named: $last"
req GET "/api/v1/reports/plan/2024"
check '[ "$code" = 401 ]' "no credential: $last"

serve_stop
st=0
python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$schema_log" >"$tmp/schema.out" 2>&1 || st=$?
check '[ "$st" = 0 ]' "the answers match docs/openapi.yaml: $(cat "$tmp/schema.out")"
finish
