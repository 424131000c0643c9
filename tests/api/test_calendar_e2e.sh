#!/bin/bash
# tests/api/test_calendar_e2e.sh -- a city's calendar export with a 所属's
# Sunday counter, mapped onto the calendar master as docs/calendar.md
# shows, reaches rules R01/R02: a 市民課 user inside the counter's hours
# gets no R02, a user of another 所属 does, the same 市民課 user at 13:30
# gets R01 with the hours that applied; 所属 hours set with `tenken
# settings` move R01's bounds.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/calendar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
data=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/calendar" && pwd)
P=2025-11-01..2025-11-30

must "$bin" init --tenant city >/dev/null
printf '職員ID,氏名,所属,在職区分\nc01,山田,市民課,在職\nc02,佐藤,税務課,在職\nc03,鈴木,選挙管理委員会事務局,在職\n' >"$tmp/staff.csv"
must "$bin" master import --tenant city --kind staff "$tmp/staff.csv" --effective 2025-01-01 >/dev/null
try "$bin" master import --tenant city --kind calendar "$data/pilot_export.csv" --profile "$data/pilot_map.json" --effective 2025-01-01
check '[ $st = 0 ] && grep -q "11 rows as calendar version" "$tmp/out"' "the export maps: $(show)"
# calendar rows with a 所属 and hours: bad rows are refused whole, exactly
h='日付,区分,名称,所属,開始時刻,終了時刻'
printf '%s\n2025/12/07,開庁,窓口,市民課,9:00,\n' "$h" >"$tmp/bad1.csv"
printf '%s\n2025/12/07,開庁,窓口,市民課,12:00,9:00\n' "$h" >"$tmp/bad2.csv"
printf '%s\n2025/12/07,開庁,窓口,市民課,9:00,25:00\n' "$h" >"$tmp/bad3.csv"
printf '%s\n2025/12/07,開庁,窓口,市民課,,\n2025/12/07,開庁,窓口2,税務課,,\n2025/12/07,閉庁,,,,\n2025/12/07,閉庁,x,市民課,,\n' "$h" >"$tmp/bad4.csv"
declare -A want=(
    [bad1]='record 2 (line 2), column 開始時刻: "9:00": needs 終了時刻 as well (a day'"'"'s hours have a start and an end)'
    [bad2]='record 2 (line 2), column 終了時刻: "9:00": is not after 開始時刻'
    [bad3]='record 2 (line 2), column 終了時刻: "25:00": is past 24:00 (a day'"'"'s hours end by midnight)'
    [bad4]='record 5 (line 5), column 日付: "2025/12/07": duplicate date for this 所属 (already at line 2)')
for f in bad1 bad2 bad3 bad4; do
    try "$bin" master import --tenant city --kind calendar "$tmp/$f.csv"
    check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken master: $f.csv: ${want[$f]}" ]' "$f: $(show)"
done
try "$bin" master list --tenant city
check '[ $st = 0 ] && [ "$(grep -c "calendar" "$tmp/out")" = 1 ]' "nothing of the refused files stored: $(show)"

cat >"$tmp/p.json" <<'P'
{ "profile": "juki", "system": { "value": "住民基本台帳" },
  "fields": { "time": { "column": "time", "format": "YYYY/MM/DD hh:mm:ss" },
              "user": { "column": "user" }, "operation": { "column": "op" } } }
P
# Sunday 2025-11-02: 市民課日曜窓口（9:00-12:00）. Tuesday 11-04 and
# Saturday 11-08: 期日前投票所開設（8:30-20:00） for the election office.
cat >"$tmp/ev.csv" <<'EV'
time,user,op
2025/11/02 10:00:00,c01,lookup
2025/11/02 10:05:00,c01,lookup
2025/11/02 10:00:00,c02,lookup
2025/11/02 10:05:00,c02,lookup
2025/11/08 19:00:00,c03,lookup
2025/11/08 19:05:00,c03,lookup
2025/11/04 19:30:00,c03,lookup
2025/11/04 19:35:00,c03,lookup
2025/11/04 19:30:00,c02,lookup
2025/11/04 19:35:00,c02,lookup
EV
must "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/ev.csv" >/dev/null
must "$bin" analyze --tenant city --period $P >/dev/null
try "$bin" anomalies --tenant city --period $P
list=$tmp/list1.csv
cp "$tmp/out" "$list"
check '[ $st = 0 ] && ! grep -q ",c01,.*R0[12]," "$list"' "市民課 inside its Sunday window: no R01/R02: $(show)"
check 'grep -q ",c02,2025-11-02,.*,R02,職員 c02（税務課）が閉庁日（日曜日）の10:00〜10:05に住民基本台帳を2件操作$" "$list"' \
    "another 所属 on that Sunday: R02: $(show)"
check '! grep -q ",c03," "$list"' "the election office on its own open days within 8:30-20:00: nothing: $(show)"
check 'grep -q ",c02,2025-11-04,.*,R01,.*（時間外・時間外勤務命令なし、勤務時間 8:30-17:15/12:00-13:00）$" "$list"' \
    "税務課 at 19:30 on a weekday: R01 with the default hours: $(show)"

# The same 市民課 user at 13:30 on that Sunday: after the window's hours.
printf 'time,user,op\n2025/11/02 13:30:00,c01,lookup\n2025/11/02 13:35:00,c01,lookup\n' >"$tmp/ev2.csv"
must "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/ev2.csv" >/dev/null
must "$bin" analyze --tenant city --period $P >/dev/null
try "$bin" anomalies --tenant city --period $P
check '[ $st = 0 ] && grep -q ",c01,2025-11-02,.*,R01,職員 c01（市民課）が13:30〜13:35に住民基本台帳を2件操作（時間外・時間外勤務命令なし、勤務時間 9:00-12:00・当日の開庁時間）$" "$tmp/out"' \
    "市民課 at 13:30: R01 naming the window's hours: $(show)"
check '! grep -q ",c01,.*,R02," "$tmp/out"' "and still no R02 (the day is open for 市民課): $(show)"
cp "$tmp/out" "$tmp/list2.csv"
rank=$(grep ",c01,2025-11-02,.*,R01," "$tmp/list2.csv" | cut -d, -f1)
try "$bin" explain --tenant city "$rank"
check '[ $st = 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[\"explanation\"][\"detail\"]
assert d[\"hours\"] == \"9:00-12:00\" and d[\"hours_from\"] == \"calendar\", d
" "$tmp/out"' "explain gives the hours and where they come from: $(show)"
rank=$(grep ",c02,2025-11-02,.*,R02," "$tmp/list2.csv" | cut -d, -f1)
try "$bin" explain --tenant city "$rank"
check '[ $st = 0 ] && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[\"explanation\"][\"detail\"]
assert d[\"hours\"] == \"8:30-17:15/12:00-13:00\" and d[\"hours_from\"] == \"default\", d
" "$tmp/out"' "R02 details the hours too: $(show)"

# 税務課's own hours (settings) cover 19:30 on the weekday.
must "$bin" settings --tenant city --dept-hours 税務課=8:30-20:00/12:00-13:00 >/dev/null
must "$bin" analyze --tenant city --period $P >/dev/null
try "$bin" anomalies --tenant city --period $P
check '[ $st = 0 ] && ! grep -q ",c02,2025-11-04,.*,R01," "$tmp/out"' "税務課's hours to 20:00: no R01 at 19:30: $(show)"
check 'grep -q ",c02,2025-11-02,.*,R02," "$tmp/out"' "its Sunday is still closed: $(show)"

finish
