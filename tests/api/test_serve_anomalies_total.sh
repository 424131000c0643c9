#!/usr/bin/env bash
# tests/api/test_serve_anomalies_total.sh -- the ranked list's total, which
# the server remembers per pooled tenant handle until the store changes,
# over TLS: a triage decision (one item over the API, several at once,
# one at the console from another process) moves items between status
# filters, and every page read after it, on any worker's handle, gives
# the new totals; a page with the same filters in between gives the same
# total as a count in the store itself.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-total.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

serve_demo 5
db=$TENKEN_DATA/demo/store.db
items=$(sqlite3 "$db" "SELECT items FROM analysis_runs WHERE id = 1")
rule_items=$(sqlite3 "$db" "SELECT count(*) FROM anomalies WHERE run_id = 1 AND source = 'rule'")
check '[ "$items" -ge 8 ] && [ "$rule_items" -ge 4 ]' "the demo city has items to triage: $items, $rule_items by rules"
serve_cert
serve_start --threads 2

# total QUERY: the list's total for ?QUERY, read $reads times (so that
# every worker's pooled handle has answered it, from its memo after the
# first); reads that disagree, or an answer other than 200, print what
# they got instead of a number.
reads=6
total() {
    local q=$1 seen= t i
    for i in $(seq $reads); do
        bearer analyst GET "/api/v1/anomalies?limit=2&$q"
        [ "$code" = 200 ] || { echo "an answer $code ($last)"; return; }
        t=$(jq_ 'd["total"]')
        if [ -n "$seen" ] && [ "$t" != "$seen" ]; then
            echo "$seen, then $t on read $i"
            return
        fi
        seen=$t
    done
    echo "$seen"
}
expect() { # QUERY WANT WHAT
    local got want=$2
    got=$(total "$1")
    check '[ "$got" = "$want" ]' "$3: ?$1 has a total of $got, expected $want"
}

# ---- before any decision ----------------------------------------------------------------
expect "" "$items" "every item"
expect "status=new" "$items" "all new"
expect "status=confirmed" 0 "none confirmed"
expect "status=confirmed&source=rule" 0 "none confirmed by rules"
expect "source=rule" "$rule_items" "items of rules"

# ---- one decision over the API ----------------------------------------------------------
bearer analyst POST /api/v1/anomalies/1-1/triage -H 'Content-Type: application/json' \
    --data-binary '{"status":"confirmed","comment":"確認"}'
decided=$(jq_ 'd["status"]')
check '[ "$code" = 200 ] && [ "$decided" = confirmed ]' "triage of 1-1: $last"
expect "status=new" $((items - 1)) "one item left new"
expect "status=confirmed" 1 "one confirmed"
expect "" "$items" "every item, unchanged"
bearer analyst GET "/api/v1/anomalies?status=confirmed&limit=5"
listed=$(jq_ '[i["id"] for i in d["items"]] == ["1-1"] and d["items"][0]["triage"]["decided_by"] == "t-analyst"')
check '[ "$code" = 200 ] && [ "$listed" = True ]' "the confirmed page lists 1-1: $last"

# ---- several at once --------------------------------------------------------------------
bearer analyst POST /api/v1/anomalies/triage -H 'Content-Type: application/json' \
    --data-binary '{"ids":["1-2","1-3","1-4"],"status":"false_positive"}'
check '[ "$code" = 200 ]' "bulk triage: $last"
expect "status=new" $((items - 4)) "four items decided"
expect "status=false_positive" 3 "three false positives"
expect "status=confirmed" 1 "still one confirmed"

# ---- back to new, then a decision from another process ----------------------------------
bearer analyst POST /api/v1/anomalies/1-1/triage -H 'Content-Type: application/json' \
    --data-binary '{"status":"new"}'
check '[ "$code" = 200 ]' "1-1 reopened: $last"
expect "status=confirmed" 0 "none confirmed after reopening"
must "$bin" triage --tenant demo 5 investigating >/dev/null
expect "status=investigating" 1 "the console's decision is seen by the server"
expect "status=new" $((items - 4)) "new items after the console's decision"

# ---- every filtered total against the store itself ---------------------------------------
want=$(sqlite3 "$db" "SELECT count(*) FROM anomalies WHERE run_id = 1 AND source = 'rule' AND rank NOT IN (2, 3, 4, 5)")
expect "status=new&source=rule" "$want" "new items of rules"
want=$(sqlite3 "$db" "SELECT count(*) FROM anomalies WHERE run_id = 1 AND source = 'rule' AND rank IN (2, 3, 4)")
expect "status=false_positive&source=rule" "$want" "false positives of rules"

# ---- another tenant's account sees nothing of it -----------------------------------------
bearer other GET "/api/v1/anomalies?status=new"
check '[ "$code" = 404 ]' "another tenant has no run: $last"

serve_stop
grep -q 'AddressSanitizer\|runtime error' "$tmp/serve.err" && bad "the server reported: $(head -20 "$tmp/serve.err")"
finish
