#!/bin/bash
# tests/api/test_messages.sh -- what tenken says when something is wrong or
# surprising: whole messages (never cut inside a character), the allowed
# values named, the cause of an encoding failure, warnings about data that
# will not count, quiet commands that are quiet and a profile test that
# reads like a finished table.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/messages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- a profile that says UTF-8 for a CP932 file --------------------------------
cat >"$tmp/utf8.json" <<'EOF'
{
  "profile": "juki-utf8",
  "encoding": "utf-8",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "time", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "user" },
    "operation": { "column": "op", "map": { "照会": "lookup" } }
  }
}
EOF
python3 - "$tmp" <<'EOF'
import sys
d = sys.argv[1]
rows = "time,user,op\r\n2024/11/01 10:00:00,c01,lookup\r\n2024/11/01 10:00:01,髙橋,照会\r\n"
open(d + "/juki_sjis.csv", "wb").write(rows.encode("cp932"))
EOF
must "$bin" init --tenant city >/dev/null
want="juki_sjis.csv: not valid UTF-8 (byte 0xee at line 3, column 2); the file decodes as CP932: drop the profile's encoding setting or set it to cp932"
try "$bin" profile test "$tmp/utf8.json" "$tmp/juki_sjis.csv"
check '[ $st = 1 ] && grep -qF "$want" "$tmp/err"' "profile test names the encoding: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/utf8.json" "$tmp/juki_sjis.csv"
check '[ $st = 1 ] && grep -qF "rejected $tmp/juki_sjis.csv  not valid UTF-8 (byte 0xee at line 3, column 2); the file decodes as CP932" "$tmp/out"' \
    "ingest names the encoding: $(show)"
check '[ "$(sqlite3 "$TENKEN_DATA/city/store.db" "SELECT status FROM uploads")" = rejected ]' \
    "the misfit is recorded as rejected"

# --- master import: the kinds, the header, the mapping's JSON --------------------
try "$bin" master import --tenant city --kind holiday "$tmp/juki_sjis.csv"
check '[ $st = 2 ] && grep -qF "unknown kind '"'"'holiday'"'"' (kinds: staff, terminals, authorizations, assignments, overtime, media, watchlist, residents, training, calendar, holidays)" "$tmp/err"' \
    "an unknown kind lists the kinds: $(show)"
python3 - "$tmp" <<'EOF'
import sys
names = ["職員ID", "氏名", "氏名カナ", "部署", "係", "在職区分", "採用日", "異動日", "前所属", "退職日",
         "アカウント", "休職期間", "本人宛名番号", "世帯宛名番号", "内線番号", "役職", "職種", "勤務地",
         "メールアドレス", "備考"]
header = names + ["旧" + n for n in names]
open(sys.argv[1] + "/staff_wide.csv", "w", encoding="utf-8").write(
    ",".join(header) + "\r\n" + ",".join(["100001"] + ["x"] * 39) + "\r\n")
open(sys.argv[1] + "/header.txt", "w", encoding="utf-8").write(", ".join(header))
EOF
try "$bin" master import --tenant city --kind staff "$tmp/staff_wide.csv"
check '[ $st = 1 ] && grep -qF "staff_wide.csv: required column 所属 missing for staff; the header has: $(cat "$tmp/header.txt")" "$tmp/err"' \
    "a 40-column header is listed whole: $(show)"
printf '{\n  "encoding": "utf-8"\n  "fields": {}\n}\n' >"$tmp/bad.map.json"
try "$bin" master import --tenant city --kind staff "$tmp/staff_wide.csv" --profile "$tmp/bad.map.json"
check '[ $st = 1 ] && grep -qF "mapping $tmp/bad.map.json: not valid JSON at line 3, column 10: '"'"'}'"'"' expected near" "$tmp/err"' \
    "a mapping's JSON error is located: $(show)"

# --- a dated master import that covers none of its days ----------------------------
printf '日付,職員ID,開始時刻,終了時刻\r\n2024/06/03,100001,17:15,20:00\r\n2024/06/04,100002,18:00,21:00\r\n' \
    >"$tmp/overtime-05.csv"
printf '日付,職員ID,開始時刻,終了時刻\r\n2024/06/12,100001,17:15,20:00\r\n2024/06/28,100002,18:00,21:00\r\n' \
    >"$tmp/overtime-06.csv"
try "$bin" master import --tenant city --kind overtime "$tmp/overtime-05.csv" --effective 2024-06-01
check '[ $st = 0 ] && [ ! -s "$tmp/err" ]' "an overtime list in force for its days is quiet: $(show)"
try "$bin" master import --tenant city --kind overtime "$tmp/overtime-06.csv" --effective 2024-07-05
check '[ $st = 0 ] && grep -qF "tenken master: warning: $tmp/overtime-06.csv: 2 of 2 rows are dated before the effective date 2024-07-05 (the earliest 2024-06-12): those days use the overtime version effective 2024-06-01, so these rows count for none of them; import with --effective 2024-06-12 to cover them" "$tmp/err"' \
    "an overtime list imported after its days warns: $(show)"
check 'grep -q "^imported .*overtime-06.csv: 2 rows as overtime" "$tmp/out"' "and is stored: $(show)"

# --- an upload into a delivered period: stored, with a warning -------------------------
cat >"$tmp/juki.json" <<'EOF'
{
  "profile": "juki",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "職員ID", "resolve": "staff" },
    "terminal": { "column": "端末", "resolve": "terminal" },
    "operation": { "column": "操作", "map": { "照会": "lookup" } }
  }
}
EOF
printf '操作日時,職員ID,端末,操作\r\n2024/11/29 09:00:00,100001,PC01,照会\r\n2024/11/30 09:00:00,100002,PC01,照会\r\n2024/12/02 09:00:00,100001,PC02,照会\r\n' \
    >"$tmp/juki_late.csv"
must "$bin" deliver --tenant city --period 2024-10-01..2024-11-30 --force >/dev/null
frozen="2 rows fall into the delivered period 2024-10-01..2024-11-30; a delivered period is frozen, so their events will not be analysed"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_late.csv"
check '[ $st = 0 ] && grep -q "^stored .*3 rows" "$tmp/out" && grep -qxF "tenken ingest: warning: $tmp/juki_late.csv: $frozen" "$tmp/err"' \
    "ingest warns about rows in a delivered period: $(show)"
try "$bin" uploads --tenant city
check '[ $st = 0 ] && grep -qxF "      $frozen" "$tmp/out"' "uploads shows the warning: $(show)"
try "$bin" uploads --tenant city --format json
check '[ $st = 0 ] && python3 -c "import json,sys; u=json.load(open(sys.argv[1]))[-1]; assert u[\"status\"]==\"stored\" and u[\"message\"]==sys.argv[2]" "$tmp/out" "$frozen"' \
    "uploads json has the warning: $(show)"

# --- --quiet: nothing on stdout, failures and warnings on stderr ------------------------
sed 's/09:00:00/09:30:00/' "$tmp/juki_late.csv" >"$tmp/juki_late2.csv"
try "$bin" ingest --quiet --tenant city --profile "$tmp/juki.json" "$tmp/juki_late2.csv"
check '[ $st = 0 ] && [ ! -s "$tmp/out" ] && grep -qxF "tenken ingest: warning: $tmp/juki_late2.csv: $frozen" "$tmp/err"' \
    "ingest --quiet prints only the warning, on stderr: $(show)"
printf '操作日時,職員ID,端末,操作\r\n2024/12/03 09:00:00,100001,PC01,削除\r\n' >"$tmp/juki_bad.csv"
try "$bin" ingest --quiet --tenant city --profile "$tmp/juki.json" "$tmp/juki_late2.csv" "$tmp/juki_bad.csv"
check '[ $st = 1 ] && [ ! -s "$tmp/out" ] && grep -qF "tenken ingest: $tmp/juki_bad.csv: rejected, nothing stored: 1 of 1 rows are bad; first: record 2 (line 2): column 操作 (operation): \"削除\": not in the profile'"'"'s map (known: 照会)" "$tmp/err" && grep -qF "tenken ingest: $tmp/juki_bad.csv: row-level errors: " "$tmp/err"' \
    "ingest --quiet reports a rejected file on stderr only: $(show)"
check '! grep -q "juki_late2" "$tmp/err"' "a duplicate is not a failure under --quiet: $(show)"

# --- profile test: a table with headings, identities checked against a tenant --------------
printf '職員ID,氏名,所属,アカウント\r\n100001,山田 太郎,市民課,c100001\r\n' >"$tmp/staff.csv"
printf '端末名,IPアドレス,所属\r\nPC01,10.0.0.1,市民課\r\n' >"$tmp/terminals.csv"
must "$bin" master import --tenant city --kind staff "$tmp/staff.csv" --effective 2024-01-01 >/dev/null
must "$bin" master import --tenant city --kind terminals "$tmp/terminals.csv" --effective 2024-01-01 >/dev/null
printf '操作日時,職員ID,端末,操作\r\n2024/11/30 09:15:02,c100001,PC01,照会\r\n2024/12/01 09:16:00,c999,10.0.0.1,照会\r\n2024/12/01 09:17:00,100001,PC01,削除\r\n2024/12/02 17:30:00,700001,PC02,照会\r\n' \
    >"$tmp/juki_test.csv"
try "$bin" profile test "$tmp/juki.json" "$tmp/juki_test.csv"
cat >"$tmp/want" <<'EOF'
record  time (JST)           system        user     terminal  operation  function  subject  result
     2  2024-11-30 09:15:02  住民基本台帳  c100001  PC01      lookup     -         -        success
     3  2024-12-01 09:16:00  住民基本台帳  c999     10.0.0.1  lookup     -         -        success
     5  2024-12-02 17:30:00  住民基本台帳  700001   PC02      lookup     -         -        success
EOF
printf 'problem: record 4 (line 4): column 操作 (operation): "削除": not in the profile'"'"'s map (known: 照会)\n' >>"$tmp/want"
echo "$tmp/juki_test.csv: 4 rows, 1 with problems; encoding utf-8; profile juki" >>"$tmp/want"
check '[ $st = 1 ] && diff "$tmp/want" "$tmp/out"' "profile test prints a table with headings: $(show)"
try "$bin" profile test "$tmp/juki.json" "$tmp/juki_test.csv" --tenant city --rows 2
cat >"$tmp/want" <<'EOF'
record  time (JST)           system        user    staff  terminal  registered  operation  function  subject  result
     2  2024-11-30 09:15:02  住民基本台帳  100001  yes    PC01      yes         lookup     -         -        success
     3  2024-12-01 09:16:00  住民基本台帳  c999    no     PC01      yes         lookup     -         -        success
EOF
printf 'problem: record 4 (line 4): column 操作 (operation): "削除": not in the profile'"'"'s map (known: 照会)\n' >>"$tmp/want"
echo "$tmp/juki_test.csv: 4 rows, 1 with problems; encoding utf-8; profile juki" >>"$tmp/want"
echo "tenant city: 1 of 3 users are staff (unknown: 700001, c999); 1 of 2 terminals are registered (unknown: PC02)" >>"$tmp/want"
check '[ $st = 1 ] && diff "$tmp/want" "$tmp/out"' "profile test --tenant resolves as ingest would: $(show)"
check 'grep -qxF "tenken profile: warning: $tmp/juki_test.csv: 1 row falls into the delivered period 2024-10-01..2024-11-30; a delivered period is frozen, so its events will not be analysed" "$tmp/err"' \
    "profile test --tenant names rows in a delivered period: $(show)"
check '[ "$(sqlite3 "$TENKEN_DATA/city/store.db" "SELECT count(*) FROM uploads WHERE file_name = '"'"'juki_test.csv'"'"'")" = 0 ]' \
    "profile test --tenant stores nothing"
try "$bin" profile test "$tmp/juki.json" "$tmp/juki_test.csv" --tenant city --format json --rows 1
check '[ $st = 1 ] && tail -n 1 "$tmp/out" | python3 -c "import json,sys; o=json.load(sys.stdin); assert o[\"users\"]==\"1 of 3 users are staff (unknown: 700001, c999)\" and o[\"rows_in_delivered_periods\"]==1, o" && head -n 1 "$tmp/out" | grep -qF "\"user\":\"100001\",\"user_resolved\":true,\"terminal\":\"PC01\",\"terminal_resolved\":true"' \
    "profile test --tenant --format json: $(show)"

# --- a 40-column Japanese header: listed whole, also in the stored upload -------------------
python3 - "$tmp" <<'EOF'
import sys
names = ["操作日時", "職員番号", "職員氏名", "所属名称", "端末名称", "端末IPアドレス", "業務名称",
         "機能名称", "操作区分", "処理結果", "宛名番号", "世帯番号", "対象者氏名", "対象者住所",
         "出力件数", "出力先", "備考欄", "ログ種別", "セッションID", "サーバ名"]
header = ["前回" + n if n == "操作日時" else n for n in names] + ["予備" + n for n in names]
open(sys.argv[1] + "/juki_wide.csv", "w", encoding="utf-8").write(",".join(header) + "\r\n" + ",".join(["x"] * 40) + "\r\n")
open(sys.argv[1] + "/wide.txt", "w", encoding="utf-8").write(", ".join(header))
EOF
wide="columns \"操作日時\" (time), \"職員ID\" (user), \"端末\" (terminal), \"操作\" (operation) are not in the header; the header has: $(cat "$tmp/wide.txt")"
try "$bin" profile test "$tmp/juki.json" "$tmp/juki_wide.csv"
check '[ $st = 1 ] && grep -qxF "tenken profile: $tmp/juki_wide.csv: profile juki: $wide" "$tmp/err"' \
    "profile test lists a 40-column header whole: $(show)"
check 'grep -q "予備サーバ名$" "$tmp/err"' "the header list ends with the last column: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/juki.json" "$tmp/juki_wide.csv"
check '[ $st = 1 ] && [ "$(sqlite3 "$TENKEN_DATA/city/store.db" "SELECT message FROM uploads WHERE file_name = '"'"'juki_wide.csv'"'"'")" = "$tmp/juki_wide.csv: profile juki: $wide" ]' \
    "the stored upload message is whole: $(show)"

finish
