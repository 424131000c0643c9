#!/bin/bash
# tests/api/test_confirmations.sh -- the confirmation loop from the command
# line, on the demo's generated city: the 要確認事項 listed, exported as a
# workbook, filled in (the sheet's XML edited as Excel would save it),
# checked with --dry-run, imported all or nothing, answered one case at a
# time with a suppression, and refused once the period is delivered.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/confirmations.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/d/data
P=2024-10-01..2024-11-30

must "$bin" demo --dir "$tmp/d" >/dev/null
must "$bin" confirmations list --tenant demo --period $P --format json >"$tmp/list.json"
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["total"])' "$tmp/list.json")
check '[ "$n" -ge 5 ]' "at least 5 requests in the demo city, not $n"
python3 - "$tmp/list.json" <<'PY' && ok || bad "the requests: $(head -c 600 "$tmp/list.json")"
import json, re, sys
d = json.load(open(sys.argv[1]))
ids = [i["case_id"] for i in d["items"]]
assert all(re.fullmatch(r"C-2024-10-[0-9a-f]{8}", x) for x in ids), ids
assert len(set(ids)) == len(ids)
assert [i["no"] for i in d["items"]] == list(range(1, len(ids) + 1))
assert all(i["severity"] in ("high", "critical") or i["score"] >= 80 or i["status"] in
           ("confirmed", "investigating") for i in d["items"]), d["items"]
assert d["answered"] == 0 and all(i["answer"] is None for i in d["items"])
PY

# ---- export ---------------------------------------------------------------------
must "$bin" confirmations export --tenant demo --period $P --out "$tmp/c.xlsx" >"$tmp/out"
check 'grep -q "^wrote $tmp/c.xlsx: $n cases to confirm (0 answered) of demo" "$tmp/out"' "export: $(cat "$tmp/out")"
python3 - "$tmp/c.xlsx" "$tmp/list.json" <<'PY' && ok || bad "the workbook is not what was listed"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
s = z.read("xl/worksheets/sheet1.xml").decode()
ss = z.read("xl/sharedStrings.xml").decode()
for i in json.load(open(sys.argv[2]))["items"]:
    assert i["case_id"] in ss, i["case_id"]
assert "<sheetProtection" in s and '<pane ySplit="1"' in s
PY

# ---- fill it in as Excel saves it: inline strings in the open cells -----------------
# fill SRC DST ROW=VERDICT|REASON|BY|DATE ...
fill() {
    python3 - "$@" <<'PY'
import re, sys, zipfile
src, dst, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
zin = zipfile.ZipFile(src)
s = zin.read("xl/worksheets/sheet1.xml").decode()
def put(s, ref, text):
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "_x000D_\n")
    new = '<c r="%s" s="\\1" t="inlineStr"><is><t>%s</t></is></c>' % (ref, esc)
    s2, k = re.subn(r'<c r="%s" s="(\d+)"/>' % ref, new, s)
    assert k == 1, ref
    return s2
for spec in rows:
    row, rest = spec.split("=", 1)
    for col, text in zip("KLMN", rest.split("|")):
        if text:
            s = put(s, col + row, text)
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = s.encode() if item.filename == "xl/worksheets/sheet1.xml" else zin.read(item)
        zout.writestr(item, data)
PY
}
fill "$tmp/c.xlsx" "$tmp/good.xlsx" "2=不適切|業務外の照会\n指導済み|市民課長 山田|2024-12-05" \
    "3=正当|窓口での代理入力|市民課長 山田|2024/12/5" "4=調査中||税務課長 佐藤|2024年12月6日"
answered() { "$bin" confirmations list --tenant demo --period $P --format json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["answered"])'; }

try "$bin" confirmations import --tenant demo "$tmp/good.xlsx" --dry-run
check '[ $st = 0 ] && grep -q "^would record 3 answers; 0 unchanged, $((n - 3)) without an answer, of $n rows$" "$tmp/out"' "dry run: $(show)"
check '[ "$(answered)" = 0 ]' "a dry run stored answers"

# ---- a damaged workbook: one error per bad row, nothing stored --------------------
fill "$tmp/c.xlsx" "$tmp/bad.xlsx" "2=不適切||課長|2024-12-05" "3=たぶん|r|課長|2024-12-05" \
    "4=正当||課長|2024-12-05" "5=不適切|r||2024-12-05" "6=不適切|r|課長|2024-13-01" "7=|r|課長|2024-12-05"
try "$bin" confirmations import --tenant demo "$tmp/bad.xlsx"
check '[ $st = 1 ] && grep -q "5 problems in the workbook: nothing was stored" "$tmp/err"' "bad rows: $(show)"
for want in "要確認事項!K3: 'たぶん': unknown verdict" "要確認事項!L4: a justified answer needs the business reason" \
    "要確認事項!M5: the confirmer (確認者) is required" "要確認事項!N6: expected a date YYYY-MM-DD, not '2024-13-01'" \
    "要確認事項!K7: the verdict (判定) is missing"; do
    check 'grep -qF "$want" "$tmp/err"' "bad rows: no '$want': $(show)"
done
check '[ "$(answered)" = 0 ]' "a rejected workbook stored answers"
try "$bin" confirmations import --tenant demo "$tmp/bad.xlsx" --format json
check '[ $st = 1 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"stored\"] is False and len(d[\"issues\"]) == 5 and d[\"issues\"][0][\"column\"] == \"K\" and d[\"issues\"][0][\"row\"] == 3" "$tmp/out"' "bad rows as JSON: $(show)"
# not a workbook; a workbook of another tenant
printf 'no zip' >"$tmp/junk.xlsx"
try "$bin" confirmations import --tenant demo "$tmp/junk.xlsx"
check '[ $st = 1 ] && grep -q "not a workbook: an XLSX file is a zip archive" "$tmp/err"' "junk: $(show)"
must "$bin" init --tenant other >/dev/null
try "$bin" confirmations import --tenant other "$tmp/good.xlsx"
check '[ $st = 1 ] && grep -qF "情報!B2: the workbook is of tenant '"'"'demo'"'"', not other" "$tmp/err"' "other tenant: $(show)"

# ---- the import --------------------------------------------------------------------
try "$bin" confirmations import --tenant demo "$tmp/good.xlsx"
check '[ $st = 0 ] && grep -q "^recorded 3 answers" "$tmp/out"' "import: $(show)"
check '[ "$(answered)" = 3 ]' "the import stored $(answered) answers, not 3"
"$bin" confirmations list --tenant demo --period $P --format json >"$tmp/list2.json"
python3 - "$tmp/list2.json" <<'PY' && ok || bad "the answers as listed: $(head -c 1500 "$tmp/list2.json")"
import json, sys
it = json.load(open(sys.argv[1]))["items"]
a = [i["answer"] for i in it[:3]]
assert [x["verdict"] for x in a] == ["inappropriate", "justified", "investigating"], a
assert a[0]["reason"] == "業務外の照会\n指導済み" and a[0]["confirmed_on"] == "2024-12-05", a[0]
assert a[2]["confirmed_on"] == "2024-12-06" and a[1]["via"] == "xlsx"
assert [i["status"] for i in it[:3]] == ["confirmed", "false_positive", "investigating"], it[:3]
PY
try "$bin" confirmations import --tenant demo "$tmp/good.xlsx"
check '[ $st = 0 ] && grep -q "^recorded 0 answers; 3 unchanged" "$tmp/out"' "import again: $(show)"

# ---- one answer from the command line, with a suppression ----------------------------
id=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([i for i in d["items"] if i["rule"]][4]["case_id"])' "$tmp/list.json")
try "$bin" confirmations answer --tenant demo "$id" --verdict 正当 --reason "当番の夜間対応" --by "課長" --date 2024-12-07 --suppress --suppress-until 2025-12-31
check '[ $st = 0 ] && grep -q "^answer #[0-9]* to $id .*: 正当; triage false_positive$" "$tmp/out"' "answer: $(show)"
try "$bin" suppress list --tenant demo --format json
check '[ $st = 0 ] && grep -q "当番の夜間対応" "$tmp/out" && grep -q "2025-12-31" "$tmp/out"' "the suppression: $(show)"
try "$bin" confirmations answer --tenant demo "$id" --verdict 正当 --by "課長" --date 2024-12-07
check '[ $st = 1 ] && grep -q "a justified answer needs the business reason" "$tmp/err"' "no reason: $(show)"
try "$bin" confirmations answer --tenant demo "$id" --verdict maybe --by "課長" --date 2024-12-07
check '[ $st = 1 ] && grep -q "unknown verdict" "$tmp/err"' "bad verdict: $(show)"
try "$bin" confirmations answer --tenant demo C-2024-10-00000000 --verdict 不適切 --by "課長" --date 2024-12-07
check '[ $st = 1 ] && grep -q "no case C-2024-10-00000000" "$tmp/err"' "unknown case: $(show)"
try "$bin" confirmations answer --tenant other "$id" --verdict 不適切 --by "課長" --date 2024-12-07
check '[ $st = 1 ] && grep -q "no case $id" "$tmp/err"' "another tenant's case: $(show)"
check '[ "$(answered)" = 4 ]' "answers stored: $(answered), not 4"

# ---- delivered: frozen -----------------------------------------------------------------
must "$bin" deliver --tenant demo --period $P >/dev/null
try "$bin" confirmations answer --tenant demo "$id" --verdict 不適切 --by "課長" --date 2024-12-07
check '[ $st = 1 ] && grep -q "delivered" "$tmp/err"' "frozen answer: $(show)"
fill "$tmp/c.xlsx" "$tmp/late.xlsx" "5=不適切||課長|2024-12-05"
try "$bin" confirmations import --tenant demo "$tmp/late.xlsx"
check '[ $st = 1 ] && grep -q "delivered" "$tmp/err"' "frozen import: $(show)"
check '[ "$(answered)" = 4 ]' "a frozen period took answers"
finish
