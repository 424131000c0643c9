#!/bin/bash
# tests/api/test_analyze.sh -- analyze, anomalies, explain and deliver on a
# generated city: the contract's CSV, a ranked and explained list that
# finds the city's incidents, and a delivered period that stays frozen.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/analyze.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/d/data
P=2024-10-01..2024-11-30

demo=$(must "$bin" demo --dir "$tmp/d" --seed 3 --staff 60 --residents 3000)
out=$(must "$bin" analyze --tenant demo --period $P)
check 'grep -q "^analysed 2024-10-01..2024-11-30: .* listed as run #2" <<<"$out"' "analyze summary (the demo made run #1): $out"

"$bin" anomalies --tenant demo --period $P >"$tmp/all.csv"
check '[ "$(head -1 "$tmp/all.csv")" = "rank,entity_type,entity_id,day,from,to,days,score,source,rule_id,summary" ]' "CSV header is the contract's"
python3 - "$tmp/all.csv" "$tmp/d/city/truth.csv" >"$tmp/check.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: list checks"; cat "$tmp/check.txt"; fail=$((fail + 1)); }
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert rows, "empty list"
assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1)), "ranks"
scores = [float(r["score"]) for r in rows]
assert all(0 <= s <= 100 for s in scores), "score range"
assert scores == sorted(scores, reverse=True), "ranked by score"
for r in rows:
    assert r["source"] in ("rule", "model"), r
    assert (r["rule_id"] == "") == (r["source"] == "model"), r
    assert r["entity_type"] in ("user", "terminal"), r  # the contract's entity types
    assert r["day"] != "" or r["source"] == "model", r  # only user-period items lack a day
    assert r["summary"] and "\n" not in r["summary"], r
    assert r["day"] == "" or r["day"].startswith("2024-1"), r
    assert r["from"] <= r["to"] and int(r["days"]) >= 1, r
    assert r["day"] == "" or r["from"] <= r["day"] <= r["to"], r  # the worst day is one of its days
listed = {(r["entity_type"], r["entity_id"]) for r in rows}
truth = [t for t in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
         if t["label"] == "incident" and t["day_from"] >= "2024-10-01"
         and t["entity_type"] in ("user", "terminal")]
found = [t for t in truth if (t["entity_type"], t["entity_id"]) in listed]
print(f"{len(found)} of {len(truth)} incidents of the period listed")
assert len(found) >= 0.8 * len(truth), [t["kind"] for t in truth if t not in found]
PY
cat "$tmp/check.txt"

top=$("$bin" anomalies --tenant demo --period $P --limit 5 --format json)
check 'python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"run\"]==2 and len(d[\"items\"])==5" <<<"$top"' "json with --limit 5"
n=$("$bin" anomalies --tenant demo --period $P --entity terminal | tail -n +2 | cut -d, -f2 | sort -u)
check '[ -z "$n" ] || [ "$n" = terminal ]' "--entity terminal filters: $n"
low=$("$bin" anomalies --tenant demo --period $P --min-score 90 | tail -n +2 | cut -d, -f8 | sort -n | head -1)
check '[ -z "$low" ] || python3 -c "assert float(\"$low\") >= 90"' "--min-score 90 filters: $low"

ex=$("$bin" explain --tenant demo 1)
check 'python3 -c "import json,sys; d=json.load(sys.stdin); e=d[\"explanation\"]; assert d[\"rank\"]==1 and e[\"source\"] in (\"rule\",\"model\") and len(e[\"evidence\"])>0" <<<"$ex"' "explain 1 has evidence: $ex"
# Planted answers the models must find (gen-city seed 3): the clerk who looks up 1.6x the usual
# residents every day for weeks has a user-period item (no single day shows it), and the terminal
# where 12 accounts fail to log on within minutes and the one used without a logon session have
# terminal-day model items on the incidents' day.
python3 - "$tmp/all.csv" "$tmp/d/city/truth.csv" "$bin" $P >"$tmp/planted.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: planted answers"; cat "$tmp/planted.txt"; fail=$((fail + 1)); }
import csv, json, subprocess, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))

def period_finding(r):
    """1 if case r lists a period-level model finding (a period anomaly of
    a user with rule findings joins the strongest of them). Joining never
    buries it: the case scores at least the period anomaly's own score (a
    period stronger than the case's findings leads it, source model, with
    the rules named in its summary)."""
    ex = json.loads(subprocess.run([sys.argv[3], "explain", "--tenant", "demo", "--period",
                                    sys.argv[4], "--format", "json", r["rank"]],
                                   check=True, capture_output=True, text=True).stdout)
    per = [f for f in ex.get("findings", []) if f["source"] == "model"
           and f["day_from"] == "2024-10-01" and f["day_to"] == "2024-11-30"]
    for f in per:
        assert float(r["score"]) >= f["score"] - 0.05, ("a period anomaly buried in a case", r, f)
        rules = [g for g in ex["findings"] if g["source"] == "rule"]
        if r["source"] == "model" and rules:
            assert "規則 " + rules[0]["rule_id"] in r["summary"], ("rules unnamed", r)
    return bool(per)
truth = [t for t in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
         if t["label"] == "incident" and t["day_to"] >= "2024-10-01"]
model = [r for r in rows if r["source"] == "model"]
sus = [t for t in truth if t["kind"] == "sustained_lookups"]
assert sus, "the city has a sustained_lookups incident"
for t in sus:
    assert (any(r["entity_type"] == "user" and r["entity_id"] == t["entity_id"] and r["day"] == ""
                for r in model) or
            any(r["entity_type"] == "user" and r["entity_id"] == t["entity_id"] and
                period_finding(r) for r in rows)), \
        ("no user-period item", t["entity_id"])
# A terminal-day anomaly on a day of a rule's finding about the terminal
# is part of that case ("モデルも検知").
for t in truth:
    if t["kind"] in ("failed_logon_spray", "no_logon_session"):
        assert any(r["entity_type"] == "terminal" and r["entity_id"] == t["entity_id"]
                   and r["from"] <= t["day_from"] <= r["to"]
                   and (r["source"] == "model" or "モデルも検知" in r["summary"])
                   for r in rows), ("no terminal-day anomaly", t)
print("planted answers found")
PY
pm=$(grep -m1 -E '^[0-9]+,user,[^,]*,,[^,]*,[^,]*,[^,]*,[^,]*,model,' "$tmp/all.csv" | cut -d, -f1 || true)
if [ -n "$pm" ]; then
    ex=$("$bin" explain --tenant demo --period $P "$pm")
    check 'python3 -c "import json,sys; d=json.load(sys.stdin); e=d[\"explanation\"]; assert d[\"day\"] is None and e[\"level\"] == \"period\" and e[\"top_features\"] and \"user_baseline_expected\" in e[\"top_features\"][0] and e[\"evidence\"]" <<<"$ex"' "a user-period item: no day, explained over the period: $ex"
fi
m=$(grep -m1 -E '^[0-9]+,user,[^,]*,[0-9-]+,[^,]*,[^,]*,[^,]*,[^,]*,model,' "$tmp/all.csv" | cut -d, -f1 || true)
if [ -n "$m" ]; then
    ex=$("$bin" explain --tenant demo --period $P "$m")
    check 'python3 -c "import json,sys; e=json.load(sys.stdin)[\"explanation\"]; f=e[\"top_features\"][0]; assert (\"user_baseline_mean\" in f or \"user_baseline_median\" in f) and \"p_own\" in f and e[\"components\"][\"raw\"] >= 0" <<<"$ex"' "a model item explains its features"
fi
try "$bin" explain --tenant demo 999999
check '[ $st = 1 ] && grep -q "has no item 999999" "$tmp/err"' "missing item message: $(show)"

# The demo shows the result: the top 10 as a table, item 1 explained with
# its evidence rows, notes of log gaps summarised, and commands that run as
# printed (the data directory is the default here: no --data).
check 'grep -q "^the top 10 of [0-9]* ranked items:" <<<"$demo" && [ "$(grep -cE "^ +[0-9]+ +[0-9]+\.[0-9]  (user|terminal) " <<<"$demo")" = 10 ]' "demo top 10: $demo"
check 'grep -qE "^  rank  score  entity +day +rule/model  summary$" <<<"$demo"' "demo table header: $demo"
check 'grep -qE "^item 1 of run #1 \(2024-10-01..2024-11-30\), score [0-9]+\.[0-9]: (user|terminal) " <<<"$demo" && grep -qE "^  evidence: [0-9]+ events?" <<<"$demo" && grep -qE "^    time +system +user +terminal +operation" <<<"$demo"' "demo explains item 1 with rows: $demo"
check '! grep -q "\-\-data" <<<"$demo"' "demo commands without --data when it is the default: $demo"
r29=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM json_each((SELECT notes FROM analysis_runs WHERE id = 1)) WHERE value LIKE 'R29（%'")
if [ "$r29" -ge 2 ]; then
    check 'grep -qE "^  note: $r29 log gaps \(R29\) in [0-9]+ systems?: .* \(every note: tenken anomalies --tenant demo --period $P --format json\)$" <<<"$demo" && ! grep -q "note: R29（" <<<"$demo"' "demo summarises $r29 R29 notes: $demo"
fi
PATH=$(dirname "$bin"):$PATH
while read -r cmd; do
    try bash -c "$cmd"
    check '[ $st = 0 ] && [ -s "$tmp/out" ]' "a command the demo printed runs: $(show)"
done < <(grep -E "^  tenken " <<<"$demo" | sed 's/^  //')
check '[ "$(grep -cE "^  tenken " <<<"$demo")" -ge 5 ]' "the demo prints commands: $demo"

# Scores in JSON as in the CSV (one decimal, never -0.0), evidence counts
# that agree with the list, summaries without a stray space.
js=$("$bin" anomalies --tenant demo --period $P --format json)
check '! grep -E "\"score\": " <<<"$js" | grep -vqE "\"score\": [0-9]+\.[0-9],?$"' "anomalies json scores have one decimal: $(grep -m3 '"score"' <<<"$js")"
check 'python3 -c "import json,sys; d=json.load(sys.stdin); assert isinstance(d[\"notes\"], list)" <<<"$js"' "anomalies json has the run's notes"
ex=$("$bin" explain --tenant demo --period $P 1)
check '! grep -E "\"(score|model_score)\": " <<<"$ex" | grep -vqE "\"(score|model_score)\": [0-9]+\.[0-9],?$" && ! grep -q -- "-0\.0" <<<"$ex"' "explain scores have one decimal: $ex"
bad=$(sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT a.rank FROM anomalies a JOIN anomaly_explanations e USING (id) WHERE a.run_id = 2 AND (json_extract(explanation, '$.evidence_shown') IS NOT json_array_length(explanation, '$.evidence') OR json_extract(explanation, '$.evidence_total') < json_array_length(explanation, '$.evidence'))")
check '[ -z "$bad" ]' "evidence_shown is the list's length and evidence_total at least that; not in items: $bad"
check '! grep -qE "） [のが]" "$tmp/all.csv"' "no space between a closing bracket and a particle: $(grep -m3 -E '） [のが]' "$tmp/all.csv" || true)"
cut=$(sqlite3 -separator '|' "$TENKEN_DATA/demo/store.db" "SELECT json_extract(e.explanation, '$.users_total') - 3, a.summary FROM anomalies a JOIN anomaly_explanations e USING (id) WHERE a.run_id = 2 AND json_extract(e.explanation, '$.users_total') > 3")
while IFS='|' read -r more sum; do
    [ -n "$more" ] || continue
    check 'grep -q "（利用した職員: [^）]* 他${more}名）" <<<"$sum"' "a cut list of users says how many more: $sum"
done <<<"$cut"

# The evidence behind an item: the log rows, with the file and record they
# came from, residents as pseudonyms only.
must "$bin" events --tenant demo --period $P --item 1 --format json >"$tmp/events.json"
python3 - "$tmp/d/city/logs" "$ex" "$tmp/events.json" >"$tmp/events.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: events json"; cat "$tmp/events.txt"; fail=$((fail + 1)); }
import csv, json, re, sys
d = json.load(open(sys.argv[3], encoding="utf-8"))
ex = json.loads(sys.argv[2])["explanation"]
evs = d["events"]
assert d["item"] == 1 and d["run"] == 2, d
assert evs and len(evs) == d["evidence_kept"] - d["evidence_missing"], d
assert d["evidence_kept"] == len(set(ex["evidence"])) and d["evidence_total"] == ex["evidence_total"], (d, ex)
assert {e["id"] for e in evs} == set(ex["evidence"]), "the explanation's events"
assert [e["time"] for e in evs] == sorted(e["time"] for e in evs), "time order"
out = json.dumps(d, ensure_ascii=False)
for e in evs:
    assert e["resident"] is None or re.fullmatch("[0-9a-f]{64}", e["resident"]), e
    assert e["record"] and e["record"] > 1, e
    raw = open(sys.argv[1] + "/" + e["file"], "rb").read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    row = list(csv.reader(text.splitlines(True)))[e["record"] - 1]
    # the row names the same account (written as the vendor writes it) and terminal
    assert any(e["user"] in c for c in row), (e, row)
    assert e["terminal"] is None or e["terminal"] in row, (e, row)
    # the row's resident identifiers (long digit strings) never appear
    for cell in row:
        if re.fullmatch("[0-9]{9,}", cell):
            assert cell not in out, ("a resident in clear", cell)
print(f"{len(evs)} events match their files' records")
PY
cat "$tmp/events.txt"
try "$bin" events --tenant demo --period $P --item 1
check '[ $st = 0 ] && grep -qE "^item 1 of run #2 \(2024-10-01..2024-11-30\): [0-9]+ events?" "$tmp/out" && grep -qE "^time +system +user +terminal +operation +function +result +count +resident +file:record" "$tmp/out"' "events table: $(show)"
try "$bin" events --tenant demo --period $P --item 1 --format csv --limit 1
check '[ $st = 0 ] && [ "$(head -1 "$tmp/out")" = "id,time,system,user,terminal,operation,function,result,count,bytes,resident,device,serial,media_file,detail,upload_id,file,record" ] && [ "$(wc -l <"$tmp/out")" = 2 ]' "events csv --limit 1: $(show)"
try "$bin" events --tenant demo --period $P --item 999999
check '[ $st = 1 ] && grep -qx "tenken events: run #2 (2024-10-01..2024-11-30) has no item 999999: it lists [0-9]* items" "$tmp/err"' "events of a missing item: $(show)"
try "$bin" events --tenant demo --period $P
check '[ $st = 2 ] && grep -q "tenken events: --tenant and --item are required" "$tmp/err"' "events without --item: $(show)"
check '"$bin" events --help | grep -q "^usage: tenken events --tenant T --item N"' "events --help"
try "$bin" explain --tenant demo --period $P --format text 1
check '[ $st = 0 ] && grep -qE "^item 1 of run #2 \(2024-10-01..2024-11-30\), score [0-9.]+: " "$tmp/out" && grep -qE "^  (what|evidence): " "$tmp/out" && grep -qx "every evidence row: tenken events --tenant demo --period $P --item 1" "$tmp/out"' "explain --format text: $(show)"

# The same analysis on one worker and on sixteen: byte-identical lists and explanations.
explanations() { sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT a.rank, e.explanation FROM anomalies a JOIN anomaly_explanations e USING (id) WHERE a.run_id = (SELECT max(id) FROM analysis_runs) ORDER BY a.rank"; }
explanations >"$tmp/ex-default.txt"
must "$bin" analyze --tenant demo --period $P --quiet --threads 1 >/dev/null
"$bin" anomalies --tenant demo --period $P >"$tmp/t1.csv"
explanations >"$tmp/ex-t1.txt"
must "$bin" analyze --tenant demo --period $P --quiet --threads 16 >/dev/null
"$bin" anomalies --tenant demo --period $P >"$tmp/t16.csv"
explanations >"$tmp/ex-t16.txt"
check 'cmp -s "$tmp/t1.csv" "$tmp/t16.csv" && cmp -s "$tmp/all.csv" "$tmp/t1.csv"' "--threads 1 and 16 rank the same"
check '[ -s "$tmp/ex-t1.txt" ] && cmp -s "$tmp/ex-t1.txt" "$tmp/ex-t16.txt" && cmp -s "$tmp/ex-default.txt" "$tmp/ex-t1.txt"' "--threads 1 and 16 explain the same"
try "$bin" analyze --tenant demo --period $P --threads -1
check '[ $st = 2 ] && grep -q "threads needs a number from 0 to 1024" "$tmp/err"' "--threads -1: $(show)"

# Delivery freezes the period.
check '"$bin" deliver --tenant demo --period $P --by analyst | grep -q "frozen"' "deliver"
try "$bin" analyze --tenant demo --period 2024-11-01..2024-11-30
check '[ $st = 1 ] && grep -q "was delivered on .* frozen and is not analysed again" "$tmp/err"' "analysing a delivered period fails: $(show)"
check '"$bin" anomalies --tenant demo --period $P --limit 1 | grep -q "^1,"' "a frozen period's list stays readable"

# Usage errors.
try "$bin" analyze --tenant demo --period 2024-13-01..2024-11-30
check '[ $st = 2 ]' "bad period is a usage error: $(show)"
try "$bin" anomalies --tenant demo --period 2024-01-01..2024-01-31
check '[ $st = 1 ] && grep -q "no analysis of 2024-01-01..2024-01-31 yet" "$tmp/err"' "unanalysed period: $(show)"

# A period without events: a warning that says where the events are, a
# note that the models had no baseline, and explain names the empty run.
try "$bin" analyze --tenant demo --period 2024-01-01..2024-01-31 --quiet
check '[ $st = 0 ] && grep -qx "tenken analyze: warning: no events in 2024-01-01..2024-01-31: the tenant'"'"'s events lie in 2024-04-01..2024-11-[0-9]* (months 2024-04..2024-11)" "$tmp/err"' "empty period warning: $(show)"
check 'grep -qx "note: no events in the baseline window 2023-07-02..2023-12-31: the models are not scored; only the rules ran" "$tmp/out"' "no-baseline note: $(show)"
try "$bin" explain --tenant demo 1
check '[ $st = 1 ] && grep -qx "tenken explain: run #[0-9]* (2024-01-01..2024-01-31) has no item 1: it lists 0 items" "$tmp/err"' "explain names the empty run: $(show)"

finish
