#!/bin/bash
# tests/api/test_serve_tuning.sh -- the tuning routes of `tenken serve` over
# TLS: the rule configuration (list, one rule, a change validated with the
# parameter and its range named, a reset, the history), suppressions
# (created directly and from a false-positive item, listed, deleted), the
# roles and tenants allowed on each route, and a suppression honoured by
# the next `tenken analyze` until its expiry day.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve_tuning.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

serve_demo 3
serve_cert
serve_start --threads 2
J=(-H 'Content-Type: application/json')

# ---- who may do what ------------------------------------------------------------------
for who in analyst reporter admin; do allow "$who" GET /api/v1/rules 200; done
allow uploader GET /api/v1/rules 403
allow uploader GET /api/v1/suppressions 403
allow reporter GET /api/v1/suppressions 200
allow reporter PUT /api/v1/rules/R03 403 '{"enabled": false}'
allow uploader PUT /api/v1/rules/R03 403 '{"enabled": false}'
allow reporter DELETE /api/v1/rules/R03 403
allow reporter POST /api/v1/suppressions 403 '{}'
allow reporter DELETE /api/v1/suppressions/1 403
allow reporter POST /api/v1/anomalies/1-1/suppress 403 '{}'
allow global GET /api/v1/rules 400
allow global GET '/api/v1/rules?tenant=demo' 200
allow other GET '/api/v1/rules?tenant=demo' 403
allow other PUT '/api/v1/rules/R03?tenant=demo' 403 '{"enabled": false}'
allow other GET '/api/v1/suppressions?tenant=demo' 403
allow other GET /api/v1/rules 200 # its own tenant

# ---- rules ---------------------------------------------------------------------------------
bearer reporter GET /api/v1/rules
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"tenant\"], d[\"version\"], len(d[\"rules\"]), d[\"rules\"][2][\"id\"], d[\"rules\"][2][\"changed\"]")" = "demo None 32 R03 False" ]' "rules: $last"
bearer reporter GET /api/v1/rules/R03
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"id\"], d[\"version\"], d[\"changed_by\"], [p[\"value\"] for p in d[\"params\"] if p[\"name\"] == \"min_residents\"][0]")" = "R03 None None 200" ]' "one rule: $last"
bearer reporter GET /api/v1/rules/R99
check '[ "$code" = 404 ] && grep -q "no rule .R99. in the catalogue" "$tmp/b"' "unknown rule: $last"

put() { bearer analyst PUT "/api/v1/rules/$1" "${J[@]}" --data-binary "$2"; }
put R03 '{"params": {"min_residents": 0}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.rules.R03.params.min_residents" ] && grep -q "0 is out of range (allowed: integer 1..1000000" "$tmp/b"' "parameter out of range: $last"
put R03 '{"params": {"no_such": 1}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.rules.R03.params.no_such" ]' "unknown parameter: $last"
put R03 '{"severity": "extreme"}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.rules.R03.severity" ]' "bad severity: $last"
put R03 '{}'
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ]' "empty change: $last"
bearer analyst PUT /api/v1/rules/R03 --data-binary '{"enabled": false}'
check '[ "$code" = 415 ]' "no content type: $last"
put R99 '{"enabled": false}'
check '[ "$code" = 404 ]' "change of an unknown rule: $last"
bearer reporter GET /api/v1/rules/R03/history
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"])")" = 0 ]' "nothing stored by the refusals: $last"

put R03 '{"params": {"min_residents": 250}, "severity": "critical"}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"id\"], d[\"stored_version\"], d[\"version\"], d[\"changed_by\"], d[\"severity\"], d[\"changed\"], [p[\"value\"] for p in d[\"params\"] if p[\"name\"] == \"min_residents\"][0]")" = "R03 1 1 t-analyst critical True 250" ]' "change R03: $last"
put R04 '{"enabled": false}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"enabled\"], d[\"version\"]")" = "False 2" ]' "change R04: $last"
bearer reporter GET /api/v1/rules/R03
check '[ "$(jq_ "d[\"severity\"], d[\"version\"]")" = "critical 1" ]' "R03 keeps its version when R04 changes: $last"
bearer reporter GET /api/v1/rules
check '[ "$(jq_ "d[\"version\"], d[\"changed_by\"], d[\"disabled\"], d[\"changed\"], d[\"source\"]")" = "2 t-analyst 1 1 rule R04" ]' "the configuration in force: $last"
try "$bin" rules list --tenant demo
check '[ $st = 0 ] && grep -q "^rule configuration of demo: version #2, set from rule R04 on .* by t-analyst$" "$tmp/out" && grep -q "^R03  yes  critical\*" "$tmp/out"' "the CLI reads the same: $(show)"
bearer admin DELETE /api/v1/rules/R03
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"severity\"], d[\"changed\"], d[\"stored_version\"]")" = "high False 3" ]' "reset R03: $last"
bearer reporter GET /api/v1/rules/R03/history
check '[ "$code" = 200 ] && [ "$(jq_ "[v[\"id\"] for v in d[\"items\"]], d[\"items\"][0][\"created_by\"], d[\"items\"][0][\"in_force\"]")" = "[3, 1] t-admin True" ]' "R03's history: $last"
bearer reporter GET /api/v1/rules
check '[ "$(jq_ "d[\"disabled\"], d[\"changed\"]")" = "1 0" ]' "R04 still off after the reset of R03: $last"
# a session changes a rule only with its CSRF token
login t-analyst "$PW" "$tmp/jar"
csrf=$(jq_ 'd["csrf_token"]')
req PUT /api/v1/rules/R05 -b "$tmp/jar" "${J[@]}" --data-binary '{"enabled": false}'
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "PUT without CSRF: $last"
req DELETE /api/v1/rules/R04 -b "$tmp/jar" -H "X-CSRF-Token: $csrf"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"enabled\"]")" = True ]' "reset R04 in a session: $last"
bearer reporter GET /api/v1/rules/R04/history
check '[ "$(jq_ "d[\"items\"][0][\"created_by\"]")" = t-analyst ]' "the reset is signed by the session's account: $last"
bearer admin DELETE /api/v1/rules/R04
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"enabled\"]")" = True ]' "reset R04: $last"

# ---- preview: nothing stored --------------------------------------------------------------------
allow reporter POST /api/v1/preview 403 '{"rules": {}}'
allow other POST '/api/v1/preview?tenant=demo' 403 '{"rules": {}}'
allow other POST /api/v1/preview 404 '{"rules": {}}' # its own tenant was never analysed
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"rules": {"R03": {"params": {"min_residents": 0}}}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.rules.R03.params.min_residents" ] && grep -q "allowed: integer 1..1000000" "$tmp/b"' "preview with a bad value: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"rules": {"R99": {}}}'
check '[ "$code" = 422 ] && grep -q "R99: no such rule" "$tmp/b"' "preview of an unknown rule: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"rules": {}, "periods": 7}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = "\$.periods" ]' "preview of 7 periods: $last"
bearer reporter GET /api/v1/runs
runs_before=$(jq_ 'len(d["items"])')
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"rules": {"R03": {"params": {"min_residents": 50}}, "R30": {"enabled": false}}, "periods": 6}'
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"periods\"]), d[\"periods\"][0][\"period\"], d[\"periods\"][0][\"findings\"][\"after\"] > d[\"periods\"][0][\"findings\"][\"before\"], any(c[\"rule_id\"] == \"R03\" for c in d[\"periods\"][0][\"added\"]), all(c[\"rule_id\"] != \"R30\" for c in d[\"periods\"][0][\"added\"]), d[\"seconds\"] > 0")" = "1 2024-10-01..2024-11-30 True True True True" ]' "preview: $last"
bearer analyst POST /api/v1/preview "${J[@]}" --data-binary '{"rules": {}}'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"periods\"][0][\"added\"], d[\"periods\"][0][\"removed\"], d[\"periods\"][0][\"cases\"][\"before\"] == d[\"periods\"][0][\"cases\"][\"after\"]")" = "[] [] True" ]' "preview of no change: $last"
bearer reporter GET /api/v1/runs
check '[ "$(jq_ "len(d[\"items\"])")" = "$runs_before" ]' "a preview stores no run: $last"
bearer reporter GET /api/v1/rules
check '[ "$(jq_ "d[\"version\"]")" = 5 ]' "a preview stores no configuration: $last"

# ---- suppressions ----------------------------------------------------------------------------
post() { bearer "$1" POST "$2" "${J[@]}" --data-binary "$3"; }
post analyst /api/v1/suppressions '{"rule_id": "R77", "entity_type": "user", "entity_id": "u", "reason": "r", "expires": "2099-01-01"}'
check '[ "$code" = 422 ] && grep -q "rule_id: .R77. is not a rule of the catalogue" "$tmp/b"' "unknown rule: $last"
post analyst /api/v1/suppressions '{"rule_id": "R03", "entity_type": "resident", "entity_id": "u", "reason": "r", "expires": "2099-01-01"}'
check '[ "$code" = 422 ] && grep -q "entity_type: expected user or terminal" "$tmp/b"' "bad entity type: $last"
post analyst /api/v1/suppressions '{"rule_id": "R03", "entity_type": "user", "entity_id": "u", "reason": "r", "expires": "2099-02-30"}'
check '[ "$code" = 422 ] && grep -q "expires: expected a day YYYY-MM-DD" "$tmp/b"' "bad expiry: $last"
post analyst /api/v1/suppressions '{"rule_id": "R03", "entity_type": "user", "entity_id": "u", "reason": "", "expires": "2099-01-01"}'
check '[ "$code" = 422 ] && grep -q "reason: expected 1 to 500 bytes" "$tmp/b"' "empty reason: $last"
post analyst /api/v1/suppressions '{"rule_id": "R03", "entity_type": "user", "entity_id": "u", "reason": "r"}'
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ]' "no expiry: $last"
bearer admin DELETE /api/v1/suppressions/99
check '[ "$code" = 404 ]' "delete an unknown suppression: $last"
bearer admin DELETE /api/v1/suppressions/x
check '[ "$code" = 400 ]' "a bad suppression id: $last"

# a rule finding of the demo's list
bearer reporter GET '/api/v1/anomalies?source=rule&limit=1'
check '[ "$code" = 200 ]' "a rule item: $last"
read -r id rule etype entity from period < <(jq_ '" ".join([d["items"][0]["id"], d["items"][0]["rule_id"], d["items"][0]["entity_type"], d["items"][0]["entity_id"], d["items"][0]["from"], d["period"]])')
count_rule() { # the items of the newest run about $entity with $rule, and the run's notes
    bearer reporter GET "/api/v1/anomalies?entity_id=$entity&rule=$rule"
    jq_ 'd["total"]'
}
check '[ "$(count_rule)" -ge 1 ]' "the finding is listed before: $last"

post analyst "/api/v1/anomalies/$id/suppress" '{"reason": "shared terminal", "expires": "2099-12-31"}'
check '[ "$code" = 409 ] && grep -q "is triaged new: only a false_positive item becomes a suppression" "$tmp/b"' "an untriaged item: $last"
post analyst "/api/v1/anomalies/$id/triage" '{"status": "false_positive", "comment": "known"}'
check '[ "$code" = 200 ]' "triage: $last"
post analyst "/api/v1/anomalies/$id/suppress" '{"reason": "shared terminal"}'
check '[ "$code" = 422 ]' "no expiry: $last"
post analyst "/api/v1/anomalies/999-1/suppress" '{"reason": "x", "expires": "2099-12-31"}'
check '[ "$code" = 404 ]' "unknown item: $last"
post analyst "/api/v1/anomalies/$id/suppress" '{"reason": "業務上の一括照会", "expires": "2099-12-31"}'
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"id\"], d[\"rule_id\"], d[\"entity_type\"], d[\"entity_id\"], d[\"item\"], d[\"expires\"], d[\"created_by\"]")" = "1 $rule $etype $entity $id 2099-12-31 t-analyst" ]' "suppress the item: $last"
bearer reporter GET /api/v1/suppressions
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"]), d[\"items\"][0][\"reason\"]")" = "1 業務上の一括照会" ]' "list: $last"
bearer other GET /api/v1/suppressions
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"])")" = 0 ]' "the other tenant has none: $last"

# the next analysis honours it
try "$bin" analyze --tenant demo --period "$period"
check '[ $st = 0 ]' "analyze: $(show)"
check '[ "$(count_rule)" = 0 ]' "the suppressed finding is not listed: $last"
bearer reporter GET '/api/v1/runs?limit=1'
check 'jq_ "d[\"items\"][0][\"notes\"]" | grep -q "$rule $etype $entity: [0-9]* findings\? suppressed (suppression #1, until 2099-12-31: 業務上の一括照会)"' "the run's notes name the suppression: $last"
try "$bin" suppress list --tenant demo
check '[ $st = 0 ] && grep -Eq "^ +1 +$rule +$etype +$entity +2099-12-31 .* t-analyst +$id +業務上の一括照会$" "$tmp/out"' "suppress list: $(show)"

# an expiry before the finding's first day: listed again
bearer admin DELETE /api/v1/suppressions/1
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"status\"]")" = deleted ]' "delete: $last"
before=$(python3 -c 'import datetime,sys; print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=1))' "$from")
try "$bin" suppress add --tenant demo --rule "$rule" --entity-type "$etype" --entity "$entity" --reason "until before" --expires "$before"
check '[ $st = 0 ] && grep -q "^suppression #2 of demo: $rule findings about $etype $entity up to $before are no longer listed" "$tmp/out"' "suppress add: $(show)"
try "$bin" analyze --tenant demo --period "$period"
check '[ $st = 0 ]' "analyze: $(show)"
check '[ "$(count_rule)" -ge 1 ]' "an expired suppression no longer applies: $last"
try "$bin" suppress rm --tenant demo 2
check '[ $st = 0 ] && grep -q "^deleted suppression #2 of demo" "$tmp/out"' "suppress rm: $(show)"
try "$bin" suppress rm --tenant demo 2
check '[ $st = 1 ] && grep -q "no suppression #2" "$tmp/err"' "suppress rm twice: $(show)"
try "$bin" suppress add --tenant demo --item "$id" --rule R03 --reason x --expires 2099-01-01
check '[ $st = 2 ] && grep -q -- "--item names the rule and the entity" "$tmp/err"' "--item with --rule: $(show)"

serve_stop
finish
