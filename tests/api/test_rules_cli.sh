#!/bin/bash
# tests/api/test_rules_cli.sh -- `tenken rules`: the rule configuration kept
# per tenant. A fresh tenant shows the defaults; a file that is set is shown,
# listed with its changes marked and kept in the history; refused files
# print the loader's precise message and store nothing; a reset brings the
# defaults back as a new version; and `tenken analyze` runs with the
# configuration in force unless --rules overrides it for one run.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/rules.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
versions() { "$bin" rules history --data "$cfg" --tenant city --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["versions"]))'; }

# ---- a fresh tenant: the defaults ---------------------------------------------
cfg=$tmp/cfg
must "$bin" init --data "$cfg" --tenant city >/dev/null
"$bin" rules show --data "$cfg" --tenant city >"$tmp/defaults.json"
python3 - "$tmp/defaults.json" >"$tmp/check.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: show on a fresh tenant"; cat "$tmp/check.txt"; fail=$((fail + 1)); }
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["version"] == 1 and len(d["rules"]) == 32, d.keys()
assert all(r["enabled"] for r in d["rules"].values())
assert d["rules"]["R03"]["params"]["min_residents"] == 200
assert d["rules"]["R22"]["params"]["report_approved"] is True
assert d["rules"]["R25"] == {"enabled": True, "severity": "critical", "params": {"min_records": 1000}}
PY
"$bin" rules list --data "$cfg" --tenant city --format json >"$tmp/list.json"
python3 - "$tmp/list.json" "$tmp/defaults.json" >"$tmp/check.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: list json on a fresh tenant"; cat "$tmp/check.txt"; fail=$((fail + 1)); }
import json, sys
l = json.load(open(sys.argv[1], encoding="utf-8"))
shown = json.load(open(sys.argv[2], encoding="utf-8"))["rules"]
assert l["tenant"] == "city" and l["version"] is None and l["disabled"] == 0 and l["changed"] == 0, l
assert [r["id"] for r in l["rules"]] == sorted(shown), "the same rules as show"
for r in l["rules"]:
    assert r["name_ja"] and r["name_en"], r
    assert r["enabled"] and not r["changed"] and r["severity"] == r["default_severity"], r
    for p in r["params"]:
        assert p["value"] == p["default"] and not p["changed"], (r["id"], p)
        assert shown[r["id"]]["params"][p["name"]] == p["value"], (r["id"], p)
PY
"$bin" rules list --data "$cfg" --tenant city >"$tmp/list.txt"
check 'grep -q "^rule configuration of city: the catalogue.s defaults (no configuration stored)" "$tmp/list.txt"' "list header of a fresh tenant: $(head -1 "$tmp/list.txt")"
check 'grep -q "^0 rules disabled, 0 changed" "$tmp/list.txt"' "fresh tenant: nothing changed"
check '[ "$(tail -n +3 "$tmp/list.txt" | grep -c "\*")" = 0 ]' "fresh tenant: nothing marked"
check 'grep -q "^R03  yes  high       大量照会 (bulk lookups)$" "$tmp/list.txt"' "a rule line: id, on, severity, names"
check 'grep -Eq "^ +min_residents +200 人$" "$tmp/list.txt"' "a parameter line with its unit"
check '"$bin" rules history --data "$cfg" --tenant city | grep -q "no rule configuration stored for city"' "empty history"
check '[ "$(versions)" = 0 ]' "no versions yet"

# ---- set: stored, shown, listed, in the history ---------------------------------
cat >"$tmp/mine.json" <<'EOF'
{"version": 1,
 "rules": {"R22": {"enabled": false},
           "R25": {"params": {"min_records": 5000}}}}
EOF
try "$bin" rules set --data "$cfg" --tenant city "$tmp/mine.json" --by analyst
check '[ $st = 0 ] && grep -q "^stored .*mine.json as version #1 of the rule configuration of city: 1 rule disabled, 1 changed" "$tmp/out"' "set: $(cat "$tmp/out" "$tmp/err")"
"$bin" rules show --data "$cfg" --tenant city >"$tmp/shown.json"
python3 - "$tmp/shown.json" "$tmp/defaults.json" >"$tmp/check.txt" 2>&1 <<'PY' && pass=$((pass + 1)) || { echo "FAIL: show after set"; cat "$tmp/check.txt"; fail=$((fail + 1)); }
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))["rules"]
d = json.load(open(sys.argv[2], encoding="utf-8"))["rules"]
assert s["R22"]["enabled"] is False, s["R22"]
assert s["R25"]["params"]["min_records"] == 5000, s["R25"]
diff = sorted(k for k in d if s[k] != d[k])
assert diff == ["R22", "R25"], diff
PY
"$bin" rules list --data "$cfg" --tenant city >"$tmp/list.txt"
check 'grep -q "^rule configuration of city: version #1, set from mine.json on .* (JST) by analyst$" "$tmp/list.txt"' "list header names the version: $(head -1 "$tmp/list.txt")"
check 'grep -q "^1 rule disabled, 1 changed" "$tmp/list.txt"' "list summary"
check 'grep -q "^R22  no\*  high " "$tmp/list.txt"' "the disabled rule is marked"
check 'grep -Eq "^ +min_records +5000 件 \*  \(default 1000 件\)$" "$tmp/list.txt"' "the changed parameter is marked with its default"
check '[ "$(tail -n +3 "$tmp/list.txt" | grep -c "\*")" = 2 ]' "only those two are marked: $(grep '\*' "$tmp/list.txt")"
"$bin" rules list --data "$cfg" --tenant city --format json >"$tmp/list.json"
check 'python3 -c "
import json,sys
l = json.load(open(sys.argv[1]))
r = {x[\"id\"]: x for x in l[\"rules\"]}
assert l[\"version\"] == 1 and l[\"disabled\"] == 1 and l[\"changed\"] == 1
assert r[\"R22\"][\"changed\"] and not r[\"R22\"][\"enabled\"] and r[\"R22\"][\"default_enabled\"]
assert r[\"R25\"][\"changed\"] and r[\"R25\"][\"params\"][0][\"changed\"] and r[\"R25\"][\"params\"][0][\"value\"] == 5000
assert sum(x[\"changed\"] for x in l[\"rules\"]) == 2
" "$tmp/list.json"' "list json marks the changes"

# What show prints is accepted again as it is (the edit-and-set cycle).
try "$bin" rules set --data "$cfg" --tenant city "$tmp/shown.json"
check '[ $st = 0 ]' "show's output can be set again: $(cat "$tmp/err")"
check '"$bin" rules show --data "$cfg" --tenant city | cmp -s - "$tmp/shown.json"' "and shows the same"
check '[ "$(versions)" = 2 ]' "history has 2 versions"
"$bin" rules history --data "$cfg" --tenant city >"$tmp/hist.txt"
check 'grep -Eq "^\* +2  [0-9-]{10} [0-9:]{8} +1 +1  set from shown.json +-$" "$tmp/hist.txt"' "history line of the version in force: $(cat "$tmp/hist.txt")"
check 'grep -Eq "^  +1  [0-9-]{10} [0-9:]{8} +1 +1  set from mine.json +analyst$" "$tmp/hist.txt"' "history line of the first version"

# ---- refused files: the loader's message, nothing stored --------------------------
"$bin" rules show --data "$cfg" --tenant city >"$tmp/before.json"
printf '{"rules": {"R99": {"enabled": false}}}\n' >"$tmp/bad-rule.json"
printf '{"rules": {"R04": {"params": {"min_residents": 1}}}}\n' >"$tmp/bad-range.json"
printf '{"rules": {"R22": {"enabled": false},\n' >"$tmp/bad-json.json"
try "$bin" rules set --data "$cfg" --tenant city "$tmp/bad-rule.json"
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken rules set: $tmp/bad-rule.json: \$.rules.R99: unknown rule (known: R01-R32; see docs/rules.md)" ]' "unknown rule: $st $(cat "$tmp/err")"
try "$bin" rules set --data "$cfg" --tenant city "$tmp/bad-range.json"
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken rules set: $tmp/bad-range.json: \$.rules.R04.params.min_residents: 1 is out of range (allowed: integer 2..100000 人)" ]' "out of range: $st $(cat "$tmp/err")"
try "$bin" rules set --data "$cfg" --tenant city "$tmp/bad-json.json"
check '[ $st = 1 ] && grep -q "^tenken rules set: $tmp/bad-json.json: rule configuration is not valid JSON: line 2, column [0-9]*: " "$tmp/err"' "broken JSON: $st $(cat "$tmp/err")"
# the same message as analyze --rules gives for the same file
try "$bin" analyze --data "$cfg" --tenant city --period 2024-10-01..2024-11-30 --rules "$tmp/bad-range.json"
check '[ $st = 1 ] && grep -q "^tenken analyze: $tmp/bad-range.json: \$.rules.R04.params.min_residents: 1 is out of range" "$tmp/err"' "analyze --rules reports it alike: $(cat "$tmp/err")"
try "$bin" rules set --data "$cfg" --tenant city "$tmp/no-such.json"
check '[ $st = 1 ] && grep -q "no-such.json: cannot open the rule configuration" "$tmp/err"' "missing file: $(cat "$tmp/err")"
check '[ "$(versions)" = 2 ]' "nothing stored by the refused files"
check '"$bin" rules show --data "$cfg" --tenant city | cmp -s - "$tmp/before.json"' "the configuration in force is unchanged"

# ---- usage ------------------------------------------------------------------
for a in list show set reset history; do
    try "$bin" rules $a --help
    check '[ $st = 0 ] && grep -q "^usage: tenken rules $a --tenant T" "$tmp/out"' "rules $a --help"
done
try "$bin" rules --help
check '[ $st = 0 ] && grep -q "tenken rules history" "$tmp/out"' "rules --help"
try "$bin" rules
check '[ $st = 2 ]' "rules without an action is a usage error"
try "$bin" rules frobnicate --tenant city
check '[ $st = 2 ] && grep -q "unknown action .frobnicate." "$tmp/err"' "unknown action: $(cat "$tmp/err")"
try "$bin" rules set --data "$cfg" --tenant city
check '[ $st = 2 ] && grep -q "expected exactly one FILE" "$tmp/err"' "set without a file"
try "$bin" rules show --data "$cfg" --tenant city --by someone
check '[ $st = 2 ] && grep -q "show takes no --by" "$tmp/err"' "show --by: $(cat "$tmp/err")"
try "$bin" rules list --data "$cfg" --tenant city --format xml
check '[ $st = 2 ]' "bad --format"
try "$bin" rules list --data "$cfg"
check '[ $st = 2 ] && grep -q "tenant is required" "$tmp/err"' "--tenant is required"
try "$bin" rules list --data "$cfg" --tenant nowhere
check '[ $st = 1 ] && grep -q "tenken init --tenant" "$tmp/err"' "unknown tenant: $(cat "$tmp/err")"
check '"$bin" --help | grep -q "^  rules "' "rules in the command list"

# ---- reset: the defaults again, as a new version ----------------------------------
try "$bin" rules reset --data "$cfg" --tenant city --by lead
check '[ $st = 0 ] && grep -q "^reset the rule configuration of city to the catalogue.s defaults (version #3)" "$tmp/out"' "reset: $(cat "$tmp/out" "$tmp/err")"
check '"$bin" rules show --data "$cfg" --tenant city | cmp -s - "$tmp/defaults.json"' "show after reset = defaults"
"$bin" rules list --data "$cfg" --tenant city >"$tmp/list.txt"
check 'grep -q "^rule configuration of city: version #3, reset to the defaults on .* by lead$" "$tmp/list.txt" && grep -q "^0 rules disabled, 0 changed" "$tmp/list.txt"' "list after reset: $(head -2 "$tmp/list.txt")"
check '[ "$(versions)" = 3 ]' "the reset is a third version"
"$bin" rules history --data "$cfg" --tenant city --format json >"$tmp/hist.json"
check 'python3 -c "
import json,sys
v = json.load(open(sys.argv[1]))[\"versions\"]
assert [x[\"id\"] for x in v] == [3, 2, 1]
assert [x[\"in_force\"] for x in v] == [True, False, False]
assert v[0][\"kind\"] == \"reset\" and v[0][\"created_by\"] == \"lead\" and v[0][\"source\"] is None
assert (v[0][\"disabled\"], v[0][\"changed\"]) == (0, 0)
assert v[2][\"kind\"] == \"set\" and v[2][\"source\"] == \"mine.json\" and (v[2][\"disabled\"], v[2][\"changed\"]) == (1, 1)
assert v[2][\"created_at\"].endswith(\"+09:00\")
" "$tmp/hist.json"' "history json after reset"

# ---- analyze runs with the configuration in force ----------------------------------
export TENKEN_DATA=$tmp/d/data
P=2024-10-01..2024-11-30
must "$bin" demo --dir "$tmp/d" --seed 3 --staff 30 --residents 1000 >/dev/null
db=$TENKEN_DATA/demo/store.db
count() { "$bin" anomalies --tenant demo --period $P --rule "$1" | tail -n +2 | wc -l; }
run_config() { sqlite3 "$db" "SELECT config_json FROM finding_runs ORDER BY run_id DESC LIMIT 1" | python3 -c "import json,sys; c=json.load(sys.stdin)[\"rules\"]; print(c[\"R22\"][\"enabled\"], c[\"R25\"][\"params\"][\"min_records\"])"; }
r22=$(count R22)
check '[ "$r22" -gt 0 ]' "the demo's default analysis lists R22 findings ($r22)"
check '[ "$(run_config)" = "True 1000" ]' "the demo ran with the defaults: $(run_config)"

must "$bin" rules set --tenant demo "$tmp/mine.json" >/dev/null
must "$bin" analyze --tenant demo --period $P --quiet >/dev/null
check '[ "$(count R22)" = 0 ]' "with R22 disabled in the stored configuration, its findings are gone ($(count R22))"
check '[ "$(run_config)" = "False 5000" ]' "the run kept the stored configuration: $(run_config)"
check '[ "$(count R01)" -gt 0 ]' "the other rules still run"

must "$bin" analyze --tenant demo --period $P --quiet --rules "$tmp/defaults.json" >/dev/null
check '[ "$(count R22)" = "$r22" ]' "--rules FILE overrides the stored configuration for one run ($(count R22))"
check '[ "$(run_config)" = "True 1000" ]' "and that run used the file: $(run_config)"
must "$bin" analyze --tenant demo --period $P --quiet >/dev/null
check '[ "$(count R22)" = 0 ]' "the next run without --rules uses the stored configuration again"

must "$bin" rules reset --tenant demo >/dev/null
must "$bin" analyze --tenant demo --period $P --quiet >/dev/null
check '[ "$(count R22)" = "$r22" ]' "after a reset the defaults are in force ($(count R22))"

# A stored document that the catalogue refuses (as after a range was
# narrowed) stops the analysis with the version named, and a reset cures it.
sqlite3 "$db" "INSERT INTO rule_configs(created_at, kind, config) VALUES(0, 'set', '{\"rules\": {\"R04\": {\"params\": {\"min_residents\": 1}}}}')"
try "$bin" analyze --tenant demo --period $P --quiet
check '[ $st = 1 ] && grep -q "^tenken analyze: stored rule configuration #3 (replace it: tenken rules set or reset): \$.rules.R04.params.min_residents: 1 is out of range" "$tmp/err"' "an invalid stored configuration is reported: $(cat "$tmp/err")"
check '"$bin" rules history --tenant demo | grep -q "no longer valid: .*R04"' "history says which version is invalid"
must "$bin" rules reset --tenant demo >/dev/null
try "$bin" analyze --tenant demo --period $P --quiet
check '[ $st = 0 ]' "a reset repairs it: $(cat "$tmp/err")"

finish
