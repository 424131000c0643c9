#!/bin/bash
# tests/api/test_case_season.sh -- two behaviours of the ranked list on a
# generated city of variant B (docs/gen-city.md):
#   1. a day on which the whole 所属 works unusually (the election staff at
#      the 期日前投票所 on a weekend, the `early_voting` hard negatives) is
#      not a model case of its members, while an ordinary day's anomaly of
#      one member still is;
#   2. a retired account used on two days 17 days apart (the city's
#      `retired_account` incident, its events copied to a later day and
#      uploaded) is one case, not two;
#   3. a model anomaly that joins a rule case never ranks lower for it.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/case_season.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/d/data
P=2024-10-01..2024-11-30

must "$bin" demo --dir "$tmp/d" --seed 5 --variant B --staff 150 --residents 6000 >/dev/null
must "$bin" anomalies --tenant demo --period $P >"$tmp/all.csv"

# 1. No model case of an early_voting member on the day, or a case whose days
#    hold it and that the models lead. The city has such days (else the test
#    proves nothing).
python3 - "$tmp/all.csv" "$tmp/d/city/truth.csv" >"$tmp/season.txt" 2>&1 <<'PY' && ok || { bad "busy 所属 day"; cat "$tmp/season.txt"; }
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
truth = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
ev = [t for t in truth if t["kind"] == "early_voting" and t["day_from"] >= "2024-10-01"]
assert len(ev) >= 4, ("the city should have early-voting days of several members", len(ev))
bad = [(r["rank"], r["entity_id"], r["from"], r["to"], r["summary"][:80]) for r in rows
       for t in ev if r["source"] == "model" and r["entity_id"] == t["entity_id"]
       and r["from"] <= t["day_from"] <= r["to"] and r["day"] == t["day_from"]]
assert not bad, ("model cases on a day the whole 所属 was busy", bad)
print(f"{len(ev)} early-voting member-days, none a model case")
PY
cat "$tmp/season.txt"

# 3. A model anomaly of the case's own entity that joins a rule case never
#    ranks lower for it: the case scores at least the model finding's own
#    score (a closed-day case whose day the models score 78 is not listed at
#    61; a terminal's anomaly joined to its users' cases only adds to their
#    strength), and a period
#    anomaly stronger than the findings it joined leads the case, naming
#    their rules. The city has such cases (else the test proves nothing).
python3 - "$tmp/all.csv" "$bin" $P >"$tmp/joined.txt" 2>&1 <<'PY' && ok || { bad "a model anomaly buried in a case"; cat "$tmp/joined.txt"; }
import csv, json, subprocess, sys
rows, bin_, period = sys.argv[1], sys.argv[2], sys.argv[3]
seen, buried = 0, []
for r in csv.DictReader(open(rows, encoding="utf-8")):
    ex = json.loads(subprocess.run([bin_, "explain", "--tenant", "demo", "--period", period,
                                    "--format", "json", r["rank"]],
                                   check=True, capture_output=True, text=True).stdout)
    who = ("職員 " if r["entity_type"] == "user" else "端末 ") + r["entity_id"]
    models = [f for f in ex.get("findings", []) if f["source"] == "model"
              and f["summary"].startswith(who)]
    rules = [f for f in ex.get("findings", []) if f["source"] == "rule"]
    if not models or not rules:
        continue
    seen += 1
    best = max(f["score"] for f in models)
    if float(r["score"]) < best - 0.05:
        buried.append((r["rank"], r["score"], best, r["summary"][:70]))
    if r["source"] == "model":
        assert "規則 " in r["summary"], ("a model-led case does not name its rules", r)
assert seen >= 3, ("the city should have rule cases the models joined", seen)
assert not buried, ("cases listed below a model anomaly they hold", buried)
print(f"{seen} cases of rules and models, none below its model anomaly")
PY
cat "$tmp/joined.txt"

# 2. The retired account's events of its day, copied 17 days later.
read -r user day < <(python3 -c '
import csv, sys
for t in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if t["kind"] == "retired_account" and t["day_from"] >= "2024-10-01":
        print(t["entity_id"], t["day_from"]); break' "$tmp/d/city/truth.csv")
check '[ -n "${user:-}" ]' "the city has a retired_account incident"
later=$(python3 -c 'import datetime, sys; print(datetime.date.fromisoformat(sys.argv[1]) + datetime.timedelta(days=17))' "$day")
# The systems write days in their own formats (R06.11.01, 24/11/01,
# 2024-11-01T...); the copy goes into a file named like the system's own,
# so that the city's profiles take it.
python3 - "$tmp/d/city" "$user" "$day" "$later" "$tmp/up" >"$tmp/copy.txt" 2>&1 <<'PY' || { cat "$tmp/copy.txt"; exit 1; }
import csv, datetime, os, re, sys
city, user, day, later, out = sys.argv[1:]
d0, d1 = datetime.date.fromisoformat(day), datetime.date.fromisoformat(later)
forms = lambda d: [f"R{d.year - 2018:02d}.{d.month:02d}.{d.day:02d}", f"{d:%Y-%m-%d}",
                   f"{d:%Y/%m/%d}", f"{d:%y/%m/%d}", f"{d:%Y%m%d}"]
who = re.compile(r"(?<![0-9])" + re.escape(user) + r"(?![0-9])")
os.makedirs(out)
n = 0
for m in csv.DictReader(open(f"{city}/manifest.csv", encoding="utf-8")):
    if not m["file"].endswith(f"_{d0:%Y-%m}.csv"):
        continue
    enc = {"utf-8-bom": "utf-8-sig"}.get(m["encoding"], m["encoding"])
    lines = open(f"{city}/{m['file']}", encoding=enc, newline="").read().splitlines(True)
    keep = []
    for l in lines[1:]:
        f0 = [f for f in forms(d0) if f in l]
        if f0 and who.search(l):
            keep.append(l.replace(f0[0], forms(d1)[forms(d0).index(f0[0])]))
    if keep:
        name = os.path.basename(m["file"]).replace(f"{d0:%Y-%m}", f"{d1:%Y-%m}x")
        with open(f"{out}/{name}", "w", encoding=enc, newline="") as f:
            f.writelines([lines[0]] + keep)
        n += len(keep)
assert n > 0, f"no events of {user} on {day} in the logs"
print(n)
PY
must "$bin" ingest --tenant demo --profile "$tmp/d/city/profiles" --quiet "$tmp"/up/*.csv
must "$bin" analyze --tenant demo --period $P --quiet >/dev/null
must "$bin" anomalies --tenant demo --period $P >"$tmp/again.csv"
python3 - "$tmp/again.csv" "$user" "$day" "$later" >"$tmp/chain.txt" 2>&1 <<'PY' && ok || { bad "retired account on two days"; cat "$tmp/chain.txt"; }
import csv, sys
rows, user, day, later = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
mine = [r for r in csv.DictReader(open(rows, encoding="utf-8"))
        if r["entity_type"] == "user" and r["entity_id"] == user and r["source"] == "rule"]
r14 = [r for r in mine if r["rule_id"] == "R14" or "R14" in r["summary"]]
assert len(r14) == 1, ("the retired account's uses should be one case", r14)
assert r14[0]["from"] == day and r14[0]["to"] == later, r14[0]
print(f"one case of {user}: {r14[0]['from']}..{r14[0]['to']}, {r14[0]['days']} days")
PY
cat "$tmp/chain.txt"
finish
