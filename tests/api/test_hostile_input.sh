#!/bin/bash
# tests/api/test_hostile_input.sh -- files built to mislead ingestion: a
# UTF-8 file with one NUL or one bad byte (once taken for CP932 and stored
# as mojibake, or refused for its header), a CP932 file with one bad byte,
# a NUL that would cut a user id short, counts and byte totals of 2^63-1
# (once refused at storage, failing the whole file), and dates no period
# can analyse (1800, 2100, 9999), with the tenant's setting that widens or
# narrows the accepted dates.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/hostile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=$TENKEN_DATA/city/store.db
q() { sqlite3 "$db" "$1"; }
# status of the last upload
last() { q "SELECT $1 FROM uploads ORDER BY id DESC LIMIT 1"; }

must "$bin" init --tenant city >/dev/null
cat >"$tmp/p.json" <<'EOF'
{
  "profile": "hostile",
  "system": { "column": "system" },
  "fields": {
    "time": { "column": "time", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "user" },
    "operation": { "column": "op" },
    "count": { "column": "count" },
    "bytes": { "column": "bytes" }
  }
}
EOF
sed 's/"column": "user"/"column": "職員ID"/' "$tmp/p.json" >"$tmp/pj.json"

# ---- encoding: UTF-8 with one bad byte is UTF-8 with one bad row ---------------
# ASCII header; the second row's user has a stray 0xB0 (half-width ｰ in
# CP932), which made the whole file valid CP932: stored as 蜊ｰ髑醍匳骭ｲ.
{
    printf 'time,user,system,op,count,bytes\n'
    printf '2024/10/01 09:00:00,100001,印鑑登録,lookup,1,\n'
    printf '2024/10/01 09:00:01,1000\xb002,印鑑登録,lookup,1,\n'
    printf '2024/10/01 09:00:02,100003,印鑑登録,lookup,1,\n'
} >"$tmp/stray.csv"
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/stray.csv"
check '[ $st = 1 ] && grep -q "^rejected .*record 3 (line 3): column user (user): invalid utf-8 byte sequence 0xb0 at byte offset 4" "$tmp/out"' \
    "a stray byte in UTF-8 is a row error, not CP932: $(show)"
check '[ "$(last encoding)" = utf-8 ] && [ "$(last status)" = rejected ]' "recorded as utf-8, rejected: $(last encoding) $(last status)"
try "$bin" ingest --tenant city --lenient --profile "$tmp/p.json" "$tmp/stray.csv"
check '[ $st = 0 ] && grep -q "^partial .*2 rows .*utf-8" "$tmp/out"' "lenient stores the good rows: $(show)"
check '[ "$(q "SELECT group_concat(name) FROM systems")" = 印鑑登録 ]' "the system is 印鑑登録, not mojibake: $(q "SELECT group_concat(name) FROM systems")"

# Japanese header and an invalid byte (0xFF): once "header column 2:
# invalid cp932 byte sequence"; now the row is named.
{
    printf 'time,職員ID,system,op,count,bytes\n'
    printf '2024/10/02 09:00:00,100001,住民基本台帳,lookup,1,\n'
    printf '2024/10/02 09:00:01,1000\xff02,住民基本台帳,lookup,1,\n'
} >"$tmp/ff.csv"
try "$bin" ingest --tenant city --profile "$tmp/pj.json" "$tmp/ff.csv"
check '[ $st = 1 ] && grep -q "^rejected .*record 3 (line 3): column 職員ID (user): invalid utf-8 byte sequence 0xff at byte offset 4 (invalid byte)" "$tmp/out" && ! grep -q header "$tmp/out"' \
    "an invalid byte under a Japanese header names its row: $(show)"
report=$(last error_report)
check 'grep -q "^3,3,\"職員ID\",\"record 3 (line 3): column 職員ID (user): invalid utf-8" "$report"' "the report names line and column: $(cat "$report")"

# ---- encoding: CP932 with one bad byte stays CP932 -------------------------------
python3 - "$tmp/sjis.csv" <<'PY'
import sys
rows = ("time,職員ID,system,op,count,bytes\r\n"
        "2024/10/03 09:00:00,髙橋01,ｶﾀｶﾅ①,lookup,1,\r\n"
        "2024/10/03 09:00:01,BAD,ｶﾀｶﾅ①,lookup,1,\r\n"
        "2024/10/03 09:00:02,髙橋03,ｶﾀｶﾅ①,lookup,1,\r\n").encode("cp932")
open(sys.argv[1], "wb").write(rows.replace(b"BAD", b"\x80\x81"))
PY
try "$bin" ingest --tenant city --lenient --profile "$tmp/pj.json" "$tmp/sjis.csv"
check '[ $st = 0 ] && grep -q "^partial .*2 rows .*cp932" "$tmp/out"' "CP932 with a bad byte is CP932 with a bad row: $(show)"
check 'grep -q "record 3 (line 3): column 職員ID (user): invalid cp932 byte sequence 0x80" "$(last error_report)"' "its report: $(cat "$(last error_report)")"
check '[ "$(q "SELECT count(*) FROM users WHERE name IN (\"髙橋01\", \"髙橋03\")")" = 2 ]' "CP932 users decoded"

# ---- NUL bytes: a row error wherever they are -----------------------------------
{
    printf 'time,user,system,op,count,bytes\n'
    printf '2024/10/04 09:00:00,200001,印鑑登録,lookup,1,\n'
    printf '2024/10/04 09:00:01,999999\0EVIL,印鑑登録,lookup,1,\n'
    printf '2024/10/04 09:00:02,200003,印鑑登録,lookup,1,\0\n'
} >"$tmp/nul.csv"
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/nul.csv"
check '[ $st = 1 ] && grep -q "^rejected .*2 of 3 rows are bad; first: record 3 (line 3): column user: NUL byte in field" "$tmp/out"' \
    "a NUL rejects the file (strict): $(show)"
check 'grep -q "^4,4,\"bytes\",\"record 4 (line 4): column bytes: NUL byte in field\"" "$(last error_report)"' \
    "a NUL alone in a field too: $(cat "$(last error_report)")"
check '[ "$(last encoding)" = utf-8 ]' "a NUL is no evidence of CP932: $(last encoding)"
try "$bin" ingest --tenant city --lenient --profile "$tmp/p.json" "$tmp/nul.csv"
check '[ $st = 0 ] && grep -q "^partial .*1 rows" "$tmp/out"' "lenient keeps the clean row: $(show)"
check '[ "$(q "SELECT count(*) FROM users WHERE name LIKE \"999999%\"")" = 0 ]' "no user 999999 stored"
# ASCII only, with a NUL: no CP932 either
printf 'time,user,system,op,count,bytes\n2024/10/05 09:00:00,99\0,juki,lookup,1,\n2024/10/05 09:00:01,300002,juki,lookup,1,\n' >"$tmp/nul_ascii.csv"
try "$bin" ingest --tenant city --lenient --profile "$tmp/p.json" "$tmp/nul_ascii.csv"
check '[ $st = 0 ] && grep -q "^partial .*1 rows .*ascii" "$tmp/out"' "ASCII with a NUL stays ASCII: $(show)"

# ---- edge values: 2^63-1 is stored -----------------------------------------------
max=9223372036854775807
{
    printf 'time,user,system,op,count,bytes\n'
    printf '2024/10/06 09:00:00,400001,juki,print,%s,%s\n' $max $max
    printf '2024/10/06 09:00:01,400001,juki,print,0,0\n'
} >"$tmp/max.csv"
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/max.csv"
check '[ $st = 0 ] && grep -q "^stored .*2 rows" "$tmp/out"' "a count and bytes of 2^63-1 are stored: $(show)"
try "$bin" profile test "$tmp/p.json" "$tmp/max.csv" --rows 1
check '[ $st = 0 ] && grep -q "count=$max bytes=$max" "$tmp/out"' "and read as written: $(show)"
try "$bin" analyze --tenant city --period 2024-10-01..2024-10-31 --quiet
check '[ $st = 0 ]' "a period holding them analyses: $(show)"
printf 'time,user,system,op,count,bytes\n2024/10/06 09:00:02,400001,juki,print,9223372036854775808,\n' >"$tmp/over.csv"
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/over.csv"
check '[ $st = 1 ] && grep -q "record 2 (line 2): column count (count): \"9223372036854775808\": expected a whole number of 0 or more" "$tmp/out"' \
    "2^63 is a row error: $(show)"

# ---- dates: outside the accepted range is a row error ----------------------------
{
    printf 'time,user,system,op,count,bytes\n'
    printf '1800/01/01 09:00:00,500001,juki,lookup,1,\n'
    printf '2024/10/07 09:00:00,500001,juki,lookup,1,\n'
    printf '2100/01/01 09:00:00,500001,juki,lookup,1,\n'
    printf '9999/12/31 23:59:59,500001,juki,lookup,1,\n'
    printf '1990/01/01 00:00:00,500001,juki,lookup,1,\n'
    printf '2099/12/31 23:59:59,500001,juki,lookup,1,\n'
} >"$tmp/dates.csv"
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/dates.csv"
check '[ $st = 1 ] && grep -q "^rejected .*3 of 6 rows are bad; first: record 2 (line 2): column time (time): date 1800-01-01 is outside the accepted event dates 1990-01-01..2099-12-31 (see tenken settings --event-dates)" "$tmp/out"' \
    "1800 is outside the default range: $(show)"
report=$(last error_report)
check 'grep -q "^4,4,\"time\",.*date 2100-01-01 is outside" "$report" && grep -q "^5,5,\"time\",.*date 9999-12-31 is outside" "$report" && [ "$(wc -l <"$report")" = 4 ]' \
    "2100 and 9999 too, 1990-01-01 and 2099-12-31 are inside: $(cat "$report")"
try "$bin" profile test "$tmp/p.json" "$tmp/dates.csv"
check 'grep -q "6 rows, 3 with problems" "$tmp/out"' "profile test applies the default range: $(show)"
# the tenant's setting
try "$bin" settings --tenant city
check '[ $st = 0 ] && [ "$(head -1 "$tmp/out")" = "event-dates  1990-01-01..2099-12-31  (default)" ]' "the default setting: $(show)"
try "$bin" settings --tenant city --event-dates 2024-01-01..2024-12-31
check '[ $st = 0 ] && [ "$(head -1 "$tmp/out")" = "event-dates  2024-01-01..2024-12-31" ]' "set: $(show)"
try "$bin" ingest --tenant city --lenient --profile "$tmp/p.json" "$tmp/dates.csv"
check '[ $st = 0 ] && grep -q "^partial .*1 rows" "$tmp/out" && grep -q "date 1990-01-01 is outside the accepted event dates 2024-01-01..2024-12-31" "$(last error_report)"' \
    "a narrower range refuses more: $(show)"
try "$bin" settings --tenant city --event-dates 1900-01-01..9999-12-31
check '[ $st = 0 ] && grep -q "^event-dates  1900-01-01..9999-12-31$" "$tmp/out"' "a wide range: $(show)"
cp "$tmp/dates.csv" "$tmp/dates2.csv"
echo >>"$tmp/dates2.csv"
try "$bin" ingest --tenant city --lenient --profile "$tmp/p.json" "$tmp/dates2.csv"
check '[ $st = 0 ] && grep -q "^partial .*5 rows" "$tmp/out" && grep -q "date 1800-01-01 is outside the accepted event dates 1900-01-01..9999-12-31" "$(last error_report)"' \
    "inside a wide range 2100 and 9999 are stored, 1800 still is not: $(show)"
try "$bin" settings --tenant city --event-dates default
check '[ $st = 0 ] && grep -q "(default)$" "$tmp/out"' "back to the default: $(show)"
try "$bin" settings --tenant city --event-dates 1899-12-31..2000-01-01
check '[ $st = 2 ] && grep -q "event dates \"1899-12-31..2000-01-01\": expected two dates YYYY-MM-DD from 1900-01-01 on" "$tmp/err"' "before 1900: $(show)"
try "$bin" settings --tenant city --event-dates 2024-01-01..2023-12-31
check '[ $st = 2 ] && grep -q "the range ends before it starts" "$tmp/err"' "reversed: $(show)"

finish
