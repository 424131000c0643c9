#!/bin/bash
# tests/api/test_ingest.sh -- init, profile test, ingest and uploads through
# the tenken binary, as a user or a script drives them: all-or-nothing
# files, duplicates, lenient mode, encodings, pseudonyms, and kill -9 in the
# middle of a file.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/ingest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=$TENKEN_DATA/city/store.db
q() { sqlite3 "$db" "$1"; }

cat >"$tmp/juki.json" <<'EOF'
{
  "profile": "juki-test",
  "match": { "filename": "juki_*.csv" },
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID", "transform": [{"strip_prefix": "c"}] },
    "terminal": { "column": "端末" },
    "operation": { "column": "操作", "map": { "照会": "lookup", "更新": "update" } },
    "subject": { "column": "宛名番号" },
    "detail": { "column": "備考" }
  }
}
EOF
printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n' >"$tmp/juki_good.csv"
printf '2024/10/01 09:15:02,c679661,PC01,照会,1234567890,"窓口, ""交付"""\r\n' >>"$tmp/juki_good.csv"
printf '2024/10/01 09:16:00,679661,PC01,更新,1234567890,"複数行\r\nの備考"\r\n' >>"$tmp/juki_good.csv"
printf '2024/10/02 17:30:00,700001,PC02,照会,9876543210,\r\n' >>"$tmp/juki_good.csv"

# --- init ---------------------------------------------------------------
check '"$bin" init --tenant city >/dev/null' "init creates a tenant"
check '[ "$(stat -c %a "$TENKEN_DATA/city/pseudonym.key")" = 600 ]' "key file is 0600"
out=$("$bin" init --tenant city 2>&1) && bad "second init must fail" || ok
check 'grep -q "already exists" <<<"$out"' "second init says the tenant exists: $out"
out=$("$bin" init --tenant 'Bad Name' 2>&1) && bad "bad tenant name must fail" || ok

# --- profile test -------------------------------------------------------
out=$("$bin" profile test "$tmp/juki.json" "$tmp/juki_good.csv" --rows 2)
check 'grep -q "3 rows, 0 with problems; encoding utf-8" <<<"$out"' "profile test summary: $out"
check 'grep -q "12\*\*\*\*\*\*90" <<<"$out"' "profile test masks residents: $out"
check '! grep -q "1234567890" <<<"$out"' "profile test never prints a resident id"
sed 's/操作日時/日時/' "$tmp/juki_good.csv" >"$tmp/juki_misfit.csv"
out=$("$bin" profile test "$tmp/juki.json" "$tmp/juki_misfit.csv" 2>&1) && bad "misfit must fail" || ok
check 'grep -q "column \"操作日時\" (time) is not in the header; the header has: 日時, 職員ID" <<<"$out"' \
    "misfit names the column and the header: $out"

# --- ingest a good file -------------------------------------------------
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_good.csv")
check 'grep -q "^stored .*3 rows" <<<"$out"' "good file stored: $out"
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = 3 ]' "3 events stored"
sha=$(sha256sum "$tmp/juki_good.csv" | cut -d" " -f1)
check '[ "$(q "SELECT sha256 FROM uploads WHERE id=1")" = "$sha" ]' "upload records the SHA-256"
check '[ "$(q "SELECT count(DISTINCT name) FROM users")" = 2 ]' "c679661 and 679661 are one user"
json=$("$bin" uploads --tenant city --format json)
check 'python3 -c "import json,sys; u=json.load(sys.stdin)[0]; assert u[\"rows_accepted\"]==3 and u[\"encoding\"]==\"utf-8\" and u[\"status\"]==\"stored\" and u[\"time_from\"].startswith(\"2024-10-01T09:15:02\")" <<<"$json"' \
    "uploads json: $json"

# --- the same file again ----------------------------------------------------
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_good.csv")
check 'grep -q "identical to upload #1" <<<"$out"' "duplicate recognised: $out"
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = 3 ]' "duplicate stores nothing"

# --- a bad row rejects the whole file ---------------------------------------
cp "$tmp/juki_good.csv" "$tmp/juki_bad.csv"
printf '2024/10/03 09:00:00,700001,PC02,削除,1111111111,\r\n' >>"$tmp/juki_bad.csv"
printf '2024/10/03 09:00:01,700001,PC02,照会,2222222222,\r\n' >>"$tmp/juki_bad.csv"
printf '2024/02/30 09:00:02,700001,PC02,照会,3333333333,\r\n' >>"$tmp/juki_bad.csv"
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_bad.csv") && bad "bad file must exit 1" || ok
check 'grep -q "^rejected" <<<"$out"' "bad file rejected: $out"
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = 3 ]' "rejected file stores no events"
report=$(q "SELECT error_report FROM uploads WHERE status='rejected'")
check '[ -f "$report" ]' "error report exists: $report"
check 'grep -q "record 5 (line 6): column 操作 (operation): \"\"削除\"\": not in the profile" "$report"' "report names record 5"
check 'grep -q "record 7 (line 8): column 操作日時 (time)" "$report"' "report names record 7"
check '[ "$(q "SELECT rows_rejected FROM uploads WHERE status=\"rejected\"")" = 2 ]' "two bad rows counted"

# --- lenient keeps the good rows ---------------------------------------------
out=$("$bin" ingest --tenant city --lenient --profile "$tmp/juki.json" "$tmp/juki_bad.csv")
check 'grep -q "^partial .*4 rows" <<<"$out"' "lenient stores good rows: $out"
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = 7 ]' "lenient added 4 events"

# --- standard input: '-' with --name ------------------------------------------
me=$(id -un 2>/dev/null || echo "uid$(id -u)")
sed 's/2024\/10\/0/2024\/10\/1/' "$tmp/juki_good.csv" >"$tmp/juki_pipe.csv"
out=$(cat "$tmp/juki_pipe.csv" | "$bin" ingest --tenant city --profile "$tmp/juki.json" --name juki_pipe.csv -)
check 'grep -q "^stored  *juki_pipe.csv  3 rows" <<<"$out"' "stdin ingested under --name: $out"
id=$(q "SELECT id FROM uploads WHERE file_name='juki_pipe.csv'")
check '[ -n "$id" ] && [ "$(q "SELECT size || \" \" || sha256 || \" \" || uploaded_by FROM uploads WHERE id=$id")" = "$(stat -c %s "$tmp/juki_pipe.csv") $(sha256sum "$tmp/juki_pipe.csv" | cut -d" " -f1) cli:$me" ]' \
    "the piped upload's size, SHA-256 and uploader: $(q "SELECT size, sha256, uploaded_by FROM uploads WHERE id='$id'")"
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" --name again.csv - <"$tmp/juki_pipe.csv")
check 'grep -q "identical to upload #$id" <<<"$out"' "the same bytes from stdin are a duplicate: $out"
mkdir -p "$tmp/profiles"
cp "$tmp/juki.json" "$tmp/profiles/"
printf '{"profile":"other","match":{"filename":"other_*.csv"},"system":{"value":"税"},"fields":{"time":{"column":"t","format":"YYYY-MM-DD hh:mm:ss"},"user":{"column":"u"},"operation":{"value":"lookup"}}}\n' >"$tmp/profiles/other.json"
sed 's/2024\/10\/0/2024\/10\/2/' "$tmp/juki_good.csv" >"$tmp/juki_pipe2.csv"
out=$("$bin" ingest --tenant city --profile "$tmp/profiles" --name juki_2.csv - <"$tmp/juki_pipe2.csv")
check 'grep -q "^stored  *juki_2.csv  3 rows" <<<"$out" && [ "$(q "SELECT profile FROM uploads WHERE file_name=\"juki_2.csv\"")" = juki-test ]' \
    "--name picks the profile among several: $out"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" - <"$tmp/juki_pipe.csv"
check '[ $st = 2 ] && grep -q "needs --name" "$tmp/err"' "'-' without --name is a usage error: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" --name x.csv "$tmp/juki_good.csv"
check '[ $st = 2 ] && grep -q "standard input" "$tmp/err"' "--name without '-' is a usage error: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" --name x.csv - "$tmp/juki_good.csv"
check '[ $st = 2 ]' "'-' with other files is a usage error: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" --name a/b.csv -
check '[ $st = 2 ] && grep -q "without ./." "$tmp/err"' "a --name with a slash: $(show)"
n0=$(q "SELECT coalesce(sum(n),0) FROM event_blocks")
printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n2024/13/45 09:00:00,1,PC01,照会,1,\r\n' >"$tmp/juki_pipebad.csv"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" --name juki_pipebad.csv - <"$tmp/juki_pipebad.csv"
check '[ $st = 1 ] && grep -q "^rejected juki_pipebad.csv" "$tmp/out" && [ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = "$n0" ]' "a bad file from stdin stores nothing: $(show)"

# --- CP932 and BOM files, auto-detected -------------------------------------
python3 - "$tmp" <<'EOF'
import sys
d = sys.argv[1]
rows = "操作日時,職員ID,端末,操作,宛名番号,備考\r\n2024/11/01 10:00:00,髙橋01,PC①,照会,5555555555,㈱テスト\r\n"
open(d + "/juki_sjis.csv", "wb").write(rows.encode("cp932"))
open(d + "/juki_bom.csv", "wb").write(b"\xef\xbb\xbf" + rows.replace("10:00:00", "11:00:00").encode("utf-8"))
EOF
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_sjis.csv" "$tmp/juki_bom.csv")
check 'grep -q "^stored .*juki_sjis.csv.*cp932" <<<"$out"' "cp932 detected: $out"
check 'grep -q "^stored .*juki_bom.csv.*utf-8" <<<"$out"' "bom detected: $out"
check '[ "$(q "SELECT count(*) FROM users WHERE name=\"髙橋01\"")" = 1 ]' "cp932 and utf-8 decode to the same user"
check '[ "$(q "SELECT count(*) FROM terminals WHERE name=\"PC①\"")" = 1 ]' "NEC special characters decode"

# --- resident identifiers are never stored in clear ---------------------------
must "$bin" uploads --tenant city >/dev/null
check '! grep -q -a "1234567890" "$db" "$db-wal" 2>/dev/null' "resident ids absent from the database files"

# --- kill -9 in the middle of a file leaves no trace --------------------------
python3 - "$tmp/juki_big.csv" <<'EOF'
import sys
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    f.write("操作日時,職員ID,端末,操作,宛名番号,備考\r\n")
    for i in range(800_000):
        f.write("2024/09/%02d %02d:%02d:%02d,%06d,PC%02d,照会,%010d,\r\n"
                % (1 + i % 28, 8 + i % 9, i % 60, i % 59, 600000 + i % 300, i % 40, i))
EOF
before=$(q "SELECT coalesce(sum(n),0) FROM event_blocks")
"$bin" ingest --quiet --tenant city --profile "$tmp/juki.json" "$tmp/juki_big.csv" >/dev/null &
pid=$!
# Wait until the ingest is writing (the WAL grows), then kill it hard.
for _ in $(seq 1 200); do
    sz=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
    [ "$sz" -gt 2000000 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = "$before" ]' "kill -9 left no events behind"
check '[ "$(q "SELECT count(*) FROM uploads WHERE file_name=\"juki_big.csv\"")" = 0 ]' "kill -9 left no upload record"
out=$("$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_big.csv")
check 'grep -q "^stored .*800,000 rows" <<<"$out"' "the killed file ingests afterwards: $out"
check '[ "$(q "SELECT coalesce(sum(n),0) FROM event_blocks")" = $((before + 800000)) ]' "all rows stored once"

# --- what real exports write: a count inside a remark, a result code --------
# The count is cut out of the remarks by a regex that may not match (rows
# without it get the default) and read with its thousands separator; the
# result column holds an error code or nothing (its only rule is unmapped).
must "$bin" init --tenant extract
cat >"$tmp/extract.json" <<'EOF'
{
  "profile": "extract-test",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID" },
    "terminal": { "column": "端末" },
    "operation": { "column": "操作", "map": { "照会": "lookup", "抽出": "extract" } },
    "result": { "column": "エラーコード", "unmapped": "failure", "default": "success" },
    "count": { "column": "備考", "default": "1",
               "transform": [{ "regex": "抽出件数=([^ ]+)", "on_no_match": "empty" }] },
    "detail": { "column": "備考" }
  }
}
EOF
printf '操作日時,職員ID,端末,操作,エラーコード,備考\r\n' >"$tmp/extract.csv"
printf '2024/10/01 10:00:00,679661,PC01,抽出,,"抽出件数=26,382"\r\n' >>"$tmp/extract.csv"
printf '2024/10/01 10:05:00,679661,PC01,照会,,窓口対応\r\n' >>"$tmp/extract.csv"
printf '2024/10/01 10:06:00,679661,PC01,照会,E0042,\r\n' >>"$tmp/extract.csv"
try "$bin" profile test "$tmp/extract.json" "$tmp/extract.csv" --format json
check '[ $st = 0 ] && python3 -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [(r[\"count\"], r[\"result\"]) for r in rows[:3]] == [(26382, \"success\"), (1, \"success\"), (1, \"failure\")], rows
" "$tmp/out"' "profile test reads 26,382 and the error code: $(show)"
must "$bin" ingest --tenant extract --profile "$tmp/extract.json" "$tmp/extract.csv"
must "$bin" analyze --tenant extract --period 2024-10-01..2024-10-01 --quiet
try "$bin" events --tenant extract --period 2024-10-01..2024-10-01 --item 1 --format json
check '[ $st = 0 ] && python3 -c "
import json, sys
evs = json.load(open(sys.argv[1]))
evs = evs.get(\"events\", evs) if isinstance(evs, dict) else evs
e = [e for e in evs if e[\"operation\"] == \"extract\"]
assert len(e) == 1 and e[0][\"count\"] == 26382, evs
" "$tmp/out"' "the stored extraction counts 26382 records: $(show)"
printf '2024/10/02 10:00:00,679661,PC01,抽出,,"抽出件数=26,38"\r\n' >>"$tmp/extract.csv"
try "$bin" ingest --tenant extract --profile "$tmp/extract.json" "$tmp/extract.csv"
check '[ $st = 1 ] && grep -q "^rejected" "$tmp/out"' "an ambiguous count rejects the file: $(show)"
report=$(sqlite3 "$TENKEN_DATA/extract/store.db" "SELECT error_report FROM uploads WHERE status='rejected'")
check 'grep -q "record 5 (line 5): column 備考 (count): \"\"26,38\"\": thousands separators must be followed by groups of three digits" "$report"' \
    "the report names the ambiguous count: $(cat "$report" 2>&1)"

# --- usage errors ---------------------------------------------------------------
try "$bin" ingest --tenant city "$tmp/juki_good.csv"
check '[ $st = 2 ]' "missing --profile is a usage error: $(show)"
"$bin" ingest --help | grep -q "usage: tenken ingest" && ok || bad "ingest --help"
out=$("$bin" uploads --tenant nosuch 2>&1) && bad "unknown tenant must fail" || ok
check 'grep -q "run \`tenken init --tenant nosuch\` first" <<<"$out"' "unknown tenant hint: $out"

finish
