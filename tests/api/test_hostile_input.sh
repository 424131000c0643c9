#!/bin/bash
# tests/api/test_hostile_input.sh -- files built to mislead ingestion: a
# UTF-8 file with one NUL or one bad byte (once taken for CP932 and stored
# as mojibake, or refused for its header), a CP932 file with one bad byte,
# and a NUL that would cut a user id short.
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

finish
