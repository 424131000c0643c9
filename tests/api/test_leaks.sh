#!/bin/bash
# tests/api/test_leaks.sh -- resident identifiers, kana names and addresses
# planted where a message may quote them never come out in clear: not on
# stdout or stderr, not in the tenant's database (uploads.message), not in
# the row-level error reports. Masks are made of characters, so every
# output stays valid UTF-8. The places: a file without a header read with
# `header: true` (its first data row is quoted as "the header"), a residents
# master without a header, a mapping or profile that binds columns by number
# and so takes any first line for the header, and rows whose resident
# identifier is bad. Search conditions (検索条件) mapped to detail are
# stored as pseudonyms: never in clear in the database, its WAL or any
# output (events, explain).
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/leaks.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=$TENKEN_DATA/city/store.db
mkdir "$tmp/outputs"

# What must never appear: whole values, and the part of each that a mask
# hides (a byte-wise mask kept the last 4 characters of 0000412383, and 6 of
# the 7 characters of 412383X).
id10=0000412383
id7=412383X
fw=００００４１２３８４     # full-width digits
fw7=８８３９２１Ｋ        # a full-width 7-character identifier
kana='ヤマダ タロウ'
addr=梅田一丁目
hh=0000900017            # a 世帯番号
# Search conditions: a kana name with a wildcard, a date of birth, an
# address block (also full-width), and two conditions in one value.
q_name='氏名=アベ*'
q_birth='生年月日=1954-07-23'
q_addr='住所=大和町1丁目'
q_addr_fw='住所＝大和町１丁目'
q_two='氏名=アベ*, 住所=大和町2丁目'
planted=("$id10" "$id7" "$fw" "$fw7" "$kana" "$addr" "$hh" 412383 2383 "４１２３８４" "２３８４" ヤマダ タロウ 梅田
    アベ 1954-07-23 大和町 "大和町1丁目" "大和町１丁目" "大和町2丁目")

# Runs a command like `try` and keeps its outputs for the final sweep.
n=0
run() {
    try "$@"
    n=$((n + 1))
    cp "$tmp/out" "$tmp/outputs/$n.out"
    cp "$tmp/err" "$tmp/outputs/$n.err"
}

must "$bin" init --tenant city >/dev/null

# --- a log without a header read by a profile with `header: true` -----------
cat >"$tmp/juki.json" <<'EOF'
{
  "profile": "juki",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID" },
    "operation": { "column": "操作", "map": { "照会": "lookup" } },
    "subject": { "column": "宛名番号" }
  }
}
EOF
{
    printf '2024/10/01 09:15:02,c679661,照会,%s,%s,%s,%s\r\n' "$id10" "$id7" "$fw" "$fw7"
    printf '2024/10/01 09:16:00,c679661,照会,%s,%s,%s,%s\r\n' "$id10" "$id7" "$fw" "$fw7"
} >"$tmp/juki_noheader.csv"
masked='****************, *******, **, 00******83, *******, ００******８４, *******'
run "$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_noheader.csv"
check '[ $st = 1 ] && grep -qF "columns \"操作日時\" (time), \"職員ID\" (user), \"操作\" (operation), \"宛名番号\" (subject) are not in the header; the first line names none of the profile'"'"'s columns and may be a data row (a file without a header needs \"header\": false); it has, masked: $masked" "$tmp/out"' \
    "a headerless log's first row is listed masked, by characters: $(show)"
check '[ "$(sqlite3 "$db" "SELECT count(*) FROM uploads WHERE status = '"'"'rejected'"'"' AND message LIKE '"'"'%it has, masked: ****************, *******, **, 00******83%'"'"'")" = 1 ]' \
    "the stored upload message is the masked one: $(sqlite3 "$db" "SELECT message FROM uploads")"
run "$bin" uploads --tenant city
check '[ $st = 0 ] && grep -qF "00******83" "$tmp/out"' "uploads shows the masked message: $(show)"
run "$bin" uploads --tenant city --format json
check '[ $st = 0 ]' "uploads --format json: $(show)"
run "$bin" profile test "$tmp/juki.json" "$tmp/juki_noheader.csv"
check '[ $st = 1 ] && grep -qF "it has, masked: $masked" "$tmp/err"' "profile test masks it too: $(show)"

# A real header with a typo is still listed in clear, but for a cell that
# looks like an identifier.
printf '日時,職員ID,操作,宛名番号,備考1,A1234567\r\n2024/10/01 09:15:02,c679661,照会,%s,x,y\r\n' "$id10" \
    >"$tmp/juki_typo.csv"
run "$bin" profile test "$tmp/juki.json" "$tmp/juki_typo.csv"
check '[ $st = 1 ] && grep -qF "column \"操作日時\" (time) is not in the header; the header has: 日時, 職員ID, 操作, 宛名番号, 備考1, A1****67" "$tmp/err"' \
    "a header with a typo keeps its names: $(show)"

# --- bad resident identifiers in rows -------------------------------------------
cat >"$tmp/juki_re.json" <<'EOF'
{
  "profile": "juki-re",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID" },
    "operation": { "column": "操作", "map": { "照会": "lookup" } },
    "subject": { "column": "宛名番号", "transform": [{ "regex": "^[0-9]{10}$" }] }
  }
}
EOF
{
    printf '操作日時,職員ID,操作,宛名番号\r\n'
    printf '2024/10/02 09:00:00,c679661,照会,%s\r\n' 1234567890
    printf '2024/10/02 09:00:01,c679661,照会,%s\r\n' "$id7"
    printf '2024/10/02 09:00:02,c679661,照会,%s\r\n' "$fw"
    printf '2024/10/02 09:00:03,c679661,照会,%s\r\n' "$fw7"
    printf '2024/10/02 09:00:04,c679661,照会,%s9\r\n' "$id10"
} >"$tmp/juki_rows.csv"
run "$bin" ingest --tenant city --profile "$tmp/juki_re.json" "$tmp/juki_rows.csv"
check '[ $st = 1 ] && grep -q "^rejected" "$tmp/out"' "bad identifiers reject the file: $(show)"
report=$(sqlite3 "$db" "SELECT error_report FROM uploads WHERE file_name LIKE '%juki_rows.csv'")
check '[ -f "$report" ]' "a row-level report is written: $report"
check 'grep -qF "record 3 (line 3): column 宛名番号 (subject): \"\"*******\"\": does not match" "$report" &&
       grep -qF "record 4 (line 4): column 宛名番号 (subject): \"\"００******８４\"\": does not match" "$report" &&
       grep -qF "record 5 (line 5): column 宛名番号 (subject): \"\"*******\"\": does not match" "$report" &&
       grep -qF "record 6 (line 6): column 宛名番号 (subject): \"\"00*******39\"\": does not match" "$report"' \
    "the report masks every identifier by characters: $(cat "$report")"
run "$bin" profile test "$tmp/juki_re.json" "$tmp/juki_rows.csv"
check '[ $st = 1 ] && grep -qF "column 宛名番号 (subject): \"００******８４\": does not match" "$tmp/out"' \
    "profile test lists the rows masked: $(show)"

# A profile that names columns by number takes any first line for the
# header: its cells must not become the column names of the report.
cat >"$tmp/juki_idx.json" <<'EOF'
{
  "profile": "juki-idx",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": 1, "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": 2 },
    "operation": { "column": 3, "map": { "照会": "lookup" } },
    "subject": { "column": 4, "transform": [{ "regex": "^[0-9]{10}$" }] }
  }
}
EOF
{
    printf '2024/10/03 09:00:00,c679661,照会,%s\r\n' "$id10"
    printf '2024/10/03 09:00:01,c679661,照会,%s\r\n' "$id7"
} >"$tmp/juki_idx.csv"
run "$bin" ingest --tenant city --profile "$tmp/juki_idx.json" "$tmp/juki_idx.csv"
report=$(sqlite3 "$db" "SELECT error_report FROM uploads WHERE file_name LIKE '%juki_idx.csv'")
check '[ $st = 1 ] && [ -f "$report" ] && grep -qF "2,2,\"4\",\"record 2 (line 2): column 4 (subject): \"\"*******\"\": does not match" "$report"' \
    "a first line taken for a header names no column: $(show; cat "$report")"

# --- a residents master without a header ------------------------------------------
{
    printf '%s,%s,%s,%s\r\n' "$id10" "$hh" "$addr" "$kana"
    printf '%s,%s,%s,%s\r\n' "$fw" "$hh" "$addr" "$kana"
} >"$tmp/residents_noheader.csv"
run "$bin" master import --tenant city --kind residents "$tmp/residents_noheader.csv"
check '[ $st = 1 ] && grep -qF "residents_noheader.csv: required column 宛名番号 missing for residents; the first line names none of the columns of residents and may be a data row (a file without a header needs a mapping with \"header\": false); it has, masked: 00******83, 00******17, *****, *******" "$tmp/err"' \
    "a headerless residents master is quoted masked: $(show)"

# A mapping by number takes that row for the header; a bad row then names
# its columns by number, and its personal values masked.
printf '{"header": true, "fields": {"subject": {"column": 1}, "household": {"column": 2}, "block": {"column": 3}, "name_kana": {"column": 4}}}\n' \
    >"$tmp/residents.map.json"
{
    cat "$tmp/residents_noheader.csv"
    printf '%s,%s,%s,%s\r\n' "$fw7" "$hh" "$addr" "$kana"
    printf '%s,%s,%s,%s\r\n' "$fw7" "$hh" "$addr" "$kana"
} >"$tmp/residents_dup.csv"
run "$bin" master import --tenant city --kind residents "$tmp/residents_dup.csv" --profile "$tmp/residents.map.json"
check '[ $st = 1 ] && grep -qF "residents_dup.csv: record 4 (line 4), column 1: \"*******\": duplicate 宛名番号 (already at line 3)" "$tmp/err"' \
    "a master's row error names the column by number and masks the id: $(show)"
run "$bin" master list --tenant city
check '[ $st = 0 ]' "master list: $(show)"

# --- search conditions (検索条件) mapped to detail ------------------------------------
# A 住基 export says what was searched for; the store keeps each condition
# as its field and a pseudonym of its value, so the same block searched
# twice (written half- or full-width) shows one pseudonym, another block
# another, and no value in clear anywhere.
cat >"$tmp/kensaku.json" <<'EOF'
{
  "profile": "juki-kensaku",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID" },
    "operation": { "column": "操作", "map": { "照会": "lookup" } },
    "subject": { "column": "宛名番号" },
    "detail": { "column": "検索条件" }
  }
}
EOF
{
    printf '操作日時,職員ID,操作,宛名番号,検索条件\r\n'
    printf '2024/10/05 23:15:02,c679661,照会,0000412390,%s\r\n' "$q_name"
    printf '2024/10/05 23:16:00,c679661,照会,0000412391,%s\r\n' "$q_birth"
    printf '2024/10/05 23:17:00,c679661,照会,0000412392,%s\r\n' "$q_addr"
    printf '2024/10/05 23:18:00,c679661,照会,0000412393,%s\r\n' "$q_addr_fw"
    printf '2024/10/05 23:19:00,c679661,照会,0000412394,"%s"\r\n' "$q_two"
} >"$tmp/kensaku.csv"
run "$bin" ingest --tenant city --profile "$tmp/kensaku.json" "$tmp/kensaku.csv"
check '[ $st = 0 ] && grep -q "^stored .*/kensaku.csv  5 rows " "$tmp/out"' "search conditions are stored: $(show)"
P=2024-10-01..2024-10-31
run "$bin" analyze --tenant city --period $P
check '[ $st = 0 ]' "analyze the searches: $(show)"
run "$bin" events --tenant city --item 1 --period $P --format csv
check '[ $st = 0 ] && [ "$(grep -c "kensaku.csv" "$tmp/out")" = 5 ]' "the searches are the item's events: $(show)"
cp "$tmp/out" "$tmp/events.csv"
tag='#[0-9a-f]{16}'
check 'grep -qE ",氏名=$tag\*,[0-9]+,kensaku.csv,2$" "$tmp/events.csv" &&
       grep -qE ",生年月日=$tag,[0-9]+,kensaku.csv,3$" "$tmp/events.csv" &&
       grep -qE ",住所=$tag,[0-9]+,kensaku.csv,4$" "$tmp/events.csv" &&
       grep -qE ",\"?氏名=$tag\*;住所=$tag\"?,[0-9]+,kensaku.csv,6$" "$tmp/events.csv"' \
    "each condition is its field and a pseudonym: $(cat "$tmp/events.csv")"
block() { grep -E "kensaku.csv,$1\$" "$tmp/events.csv" | grep -oE "住所=$tag" | head -1; }
check '[ -n "$(block 4)" ] && [ "$(block 4)" = "$(block 5)" ] && [ -n "$(block 6)" ] &&
       [ "$(block 4)" != "$(block 6)" ]' \
    "one block has one pseudonym, half- or full-width, another block another: $(block 4) $(block 5) $(block 6)"
run "$bin" events --tenant city --item 1 --period $P
check '[ $st = 0 ] && grep -qE "住所=$tag" "$tmp/out"' "events table: $(show)"
run "$bin" events --tenant city --item 1 --period $P --format json
check '[ $st = 0 ] && grep -qE "\"detail\": \"生年月日=$tag\"" "$tmp/out"' "events json: $(show)"
run "$bin" explain --tenant city --period $P 1
check '[ $st = 0 ]' "explain: $(show)"
run "$bin" explain --tenant city --period $P --format text 1
check '[ $st = 0 ]' "explain as text: $(show)"

# A code-like column may be kept as written, by the profile's choice; the
# option belongs to detail alone.
sed -e 's/"juki-kensaku"/"juki-madoguchi"/' -e 's/"検索条件" }/"検索条件", "keep": "clear" }/' \
    "$tmp/kensaku.json" >"$tmp/madoguchi.json"
printf '操作日時,職員ID,操作,宛名番号,検索条件\r\n2024/10/06 10:00:00,c679661,照会,0000412395,窓口/交付\r\n' \
    >"$tmp/madoguchi.csv"
run "$bin" ingest --tenant city --profile "$tmp/madoguchi.json" "$tmp/madoguchi.csv"
check '[ $st = 0 ] && grep -q "^stored .*/madoguchi.csv  1 rows " "$tmp/out"' "a clear detail is stored: $(show)"
check 'sqlite3 "$db" "SELECT hex(data) FROM event_blocks" | grep -q "$(printf 窓口/交付 | od -An -tx1 | tr -d " \n" | tr a-f A-F)"' \
    "keep: clear stores the text as written"
sed -e 's/"user": { "column": "職員ID" }/"user": { "column": "職員ID", "keep": "clear" }/' \
    "$tmp/kensaku.json" >"$tmp/keep_user.json"
run "$bin" profile test "$tmp/keep_user.json" "$tmp/madoguchi.csv"
check '[ $st = 1 ] && grep -qF "fields.user.keep: only fields.detail takes keep" "$tmp/err"' \
    "keep on another field is refused: $(show)"
sed -e 's/"検索条件" }/"検索条件", "keep": "yes" }/' "$tmp/kensaku.json" >"$tmp/keep_bad.json"
run "$bin" profile test "$tmp/keep_bad.json" "$tmp/madoguchi.csv"
check '[ $st = 1 ] && grep -qF "fields.detail.keep: must be \"pseudonym\" (the default) or \"clear\"" "$tmp/err"' \
    "an unknown keep is refused: $(show)"

# --- the sweep: no planted value anywhere, every output valid UTF-8 --------------
sqlite3 "$db" .dump | sed "s/X'[0-9A-Fa-f]*'//g" >"$tmp/outputs/dump.sql"
printf '%s\n' "${planted[@]}" >"$tmp/planted"
for f in "$tmp"/outputs/* "$TENKEN_DATA"/city/reports/*; do
    grep -Ff "$tmp/planted" "$f" >"$tmp/hits" || true
    check '[ ! -s "$tmp/hits" ]' "planted values in clear in $(basename "$f"): $(head -3 "$tmp/hits")"
    check 'iconv -f UTF-8 -t UTF-8 "$f" >/dev/null' "$(basename "$f") is not valid UTF-8"
done
# The database's own bytes, write-ahead log included (the whole values: a
# pseudonym's random bytes could hold a short digit run).
printf '%s\n' "$id10" "$id7" "$fw" "$fw7" "$kana" "$addr" "$hh" アベ 1954-07-23 大和町 >"$tmp/whole"
for f in "$db" "$db"-wal; do
    [ -f "$f" ] || continue
    check '! grep -qaFf "$tmp/whole" "$f"' "planted values in the bytes of $(basename "$f")"
done
finish
