#!/bin/bash
# tests/api/test_kenmu_models.sh -- a member on 兼務 (master data
# `assignments`) is judged by the day models against either 所属: an
# information-systems clerk who looks up voters all day on election duty,
# as the election staff do, is not a model case, while a colleague
# without the 兼務 who does the same on the same days is.
#
# The city: 情報政策課 (j01-j06) enters a few records of 財務会計 in the
# morning and never looks up a resident; 選挙管理委員会 (s01-s06) looks up
# 20-40 voters a day in 選挙人名簿管理. In the period, j01 (on 兼務 to
# 選挙管理委員会 from 10-06 to 10-24) and j02 (no 兼務) also look up
# 20-40 voters a day on those days, as the election staff do.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/kenmu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
P=2025-10-01..2025-10-31

must "$bin" init --tenant city >/dev/null
{
    echo '職員ID,氏名,所属,在職区分,採用日'
    for i in 1 2 3 4 5 6; do
        echo "j0$i,情報$i,情報政策課,在職,2015/04/01"
        echo "s0$i,選挙$i,選挙管理委員会,在職,2015/04/01"
    done
} >"$tmp/staff.csv"
must "$bin" master import --tenant city --kind staff "$tmp/staff.csv" --effective 2015-04-01 >/dev/null
printf '職員ID,兼務先所属,システム,開始日,終了日\nj01,選挙管理委員会,選挙人名簿管理,2025/10/06,2025/10/24\n' \
    >"$tmp/assignments.csv"
must "$bin" master import --tenant city --kind assignments "$tmp/assignments.csv" \
    --effective 2025-01-01 >/dev/null

cat >"$tmp/p.json" <<'P'
{ "profile": "ops", "system": { "column": "system" },
  "fields": { "time": { "column": "time", "format": "YYYY-MM-DD hh:mm:ss" },
              "user": { "column": "user" },
              "operation": { "column": "op" }, "subject": { "column": "resident" } } }
P
python3 - "$tmp/ev.csv" <<'PY'
import csv, datetime, random, sys
rnd = random.Random(7)
out = csv.writer(open(sys.argv[1], "w", newline="", encoding="utf-8"))
out.writerow(["time", "system", "user", "op", "resident"])
# 2025's national holidays from March on: the tenant's calendar closes them
holidays = {datetime.date(2025, m, d) for m, d in ((3, 20), (4, 29), (5, 5), (5, 6), (7, 21),
                                                    (8, 11), (9, 15), (9, 23), (10, 13))}
day = datetime.date(2025, 3, 1)
def at(d, h, m, s):
    return f"{d.isoformat()} {h:02d}:{m:02d}:{s:02d}"
while day <= datetime.date(2025, 10, 31):
    if day.weekday() < 5 and day not in holidays:
        for i in range(1, 7):
            for _ in range(rnd.randint(3, 6)):  # 情報政策課: a few records in the morning
                out.writerow([at(day, rnd.randint(9, 11), rnd.randint(0, 59), rnd.randint(0, 59)),
                              "財務会計", f"j0{i}", "update", ""])
            for _ in range(rnd.randint(20, 40)):  # 選挙管理委員会: voters all day
                out.writerow([at(day, rnd.randint(9, 16), rnd.randint(0, 59), rnd.randint(0, 59)),
                              "選挙人名簿管理", f"s0{i}", "lookup", f"R{rnd.randint(1, 30000):06d}"])
        if datetime.date(2025, 10, 6) <= day <= datetime.date(2025, 10, 24):
            for u in ("j01", "j02"):
                for _ in range(rnd.randint(20, 40)):
                    out.writerow([at(day, rnd.randint(9, 16), rnd.randint(0, 59), rnd.randint(0, 59)),
                                  "選挙人名簿管理", u, "lookup", f"R{rnd.randint(1, 30000):06d}"])
    day += datetime.timedelta(days=1)
PY
must "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/ev.csv" >/dev/null
must "$bin" analyze --tenant city --period $P >/dev/null
must "$bin" anomalies --tenant city --period $P >"$tmp/list.csv"

# Days of the models' cases of a user in the 兼務 weeks (a models case, or a
# rule case the models joined: its summary says so), the user's period case
# aside.
model_days() {
    python3 - "$tmp/list.csv" "$1" <<'PY'
import csv, sys
n = 0
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["entity_id"] != sys.argv[2] or not r["day"] or r["to"] < "2025-10-06" or r["from"] > "2025-10-24":
        continue
    if r["source"] == "model" or "モデルも検知" in r["summary"]:
        n += int(r["days"])
print(n)
PY
}
j01=$(model_days j01)
j02=$(model_days j02)
check '[ "$j02" -ge 10 ]' "without the 兼務 the days of look-ups are a models case (j02: $j02 days): $(head -12 "$tmp/list.csv")"
check '[ "$j01" = 0 ]' "on 兼務 the same days are ordinary among the election staff (j01: $j01 days): $(grep ',j01,' "$tmp/list.csv" | head -5)"
finish
