#!/bin/bash
# tests/api/test_serve_authz.sh -- the authorisation matrix, generated from
# the route table: every route `tenken serve --list-routes=json` reports x
# every caller (uploader, analyst, reporter and admin of tenant demo, the
# same four of tenant other, a global admin, no credential) x own or other
# tenant, asserting 401/403 where the route's access says deny and
# neither where it says allow. A route added to the table is covered
# without editing this file. Every answer is also validated against
# docs/openapi.yaml (tests/api/openapi_check.py).
#
# Path parameters get a well-formed id that names nothing ("1-999999");
# state-changing methods get an empty JSON object as body, which every
# handler must refuse (400/404/409/422), so an allowed call changes
# nothing; both are checked after the matrix (the audit log has no
# success of a change). A route is tenant-scoped when a global admin
# that names no tenant is told to name one (400 "?tenant=NAME"); routes
# a global admin may not call are taken as tenant-scoped. For an account
# of one tenant naming the other, a tenant-scoped route must answer 403
# tenant_forbidden; any other route may ignore the name or refuse it the
# same way (the audit log), never 401 or a role's 403. Routes of access admin_or_loopback are open to this
# test's loopback client, so they are expected allowed for everyone.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve_authz.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$here/lib.sh"
source "$here/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

must "$bin" demo --dir "$tmp/d" --seed 5 --staff 40 --residents 2000 >/dev/null
must "$bin" init --tenant other >/dev/null
serve_adduser root admin
tok[global]=$(must "$bin" token create --user root)
roles="uploader analyst reporter admin"
for t in demo other; do
    for role in $roles; do
        serve_adduser "$t-$role" "$role" "$t"
        tok[$t-$role]=$(must "$bin" token create --user "$t-$role")
    done
done

# the table, one route a line: METHOD PATH ACCESS ROLE,ROLE,...
try "$bin" serve --list-routes=json
check '[ $st = 0 ]' "list-routes=json: $(show)"
python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    assert set(r) == {"method", "path", "access", "roles", "summary"}, r
    assert r["access"] in ("public", "auth", "admin_or_loopback"), r
    assert r["roles"] or r["access"] == "public", r
    print(r["method"], r["path"], r["access"], ",".join(r["roles"]) or "-")
' "$tmp/out" >"$tmp/routes" || { cat "$tmp/out"; exit 1; }
check '[ "$(wc -l <"$tmp/routes")" = "$("$bin" serve --list-routes | wc -l)" ]' "the JSON form lists every route: $(cat "$tmp/routes")"
check 'grep -qx "POST /api/v1/anomalies/{id}/triage auth analyst,admin" "$tmp/routes"' "a route's roles: $(cat "$tmp/routes")"
try "$bin" serve --list-routes=xml
check '[ $st = 2 ] && grep -q -- "--list-routes takes =json or nothing, not .xml." "$tmp/err"' "an unknown form: $(show)"

serve_cert
serve_start

call() { # WHO METHOD PATH QUERY
    local who=$1 m=$2 p=$3 q=$4 args=()
    p=$(sed 's/{[^}]*}/1-999999/g' <<<"$p")
    [ "$who" = none ] || args+=(-H "Authorization: Bearer ${tok[$who]}")
    case $m in
    GET | HEAD) ;;
    *) args+=(-H 'Content-Type: application/json' --data-binary '{}') ;;
    esac
    req "$m" "$p${q:+?$q}" "${args[@]}"
}

# the error code without starting Python (the answer is compact JSON)
ecode() { sed -n 's/^{"error":{"code":"\([a-z_]*\)".*/\1/p' "$tmp/b"; }
ncases=0
schema_log=$tmp/answers.tsv
while read -r -u 3 m p access rl; do
    # Is it tenant-scoped? Ask as a global admin naming no tenant.
    scoped=1
    [ "$access" = public ] && scoped=0
    if [ "$access" != public ] && [[ ",$rl," == *,admin,* ]]; then
        call global "$m" "$p" ""
        scoped=0
        [ "$code" = 400 ] && grep -q '?tenant=NAME' "$tmp/b" && scoped=1
    fi
    for who in none global demo-uploader demo-analyst demo-reporter demo-admin \
        other-uploader other-analyst other-reporter other-admin; do
        role=${who#*-}
        own=${who%%-*}
        case $who in
        none) allowed=0 role=none own=demo ;;
        global) allowed=0 role=admin own=demo ;;
        esac
        if [ "$access" = public ] || [ "$access" = admin_or_loopback ] || [[ ",$rl," == *",$role,"* ]]; then
            allowed=1
        else
            allowed=0
        fi
        for tenant in demo other; do
            ncases=$((ncases + 1))
            call "$who" "$m" "$p" "tenant=$tenant"
            what="$who $m $p ?tenant=$tenant ($access $rl, scoped $scoped)"
            if [ "$allowed" = 0 ]; then
                if [ "$who" = none ]; then
                    check '[ "$code" = 401 ]' "deny without credential: $what: $last"
                else
                    check '[ "$code" = 403 ] && [ "$(ecode)" = forbidden ]' "deny by role: $what: $last"
                fi
            elif [ "$who" = none ] || [ "$who" = global ] || [ "$tenant" = "$own" ]; then
                check '[ "$code" != 401 ] && [ "$code" != 403 ] && [ "$code" != curl-failed ]' "allow: $what: $last"
            elif [ "$scoped" = 0 ]; then
                # a route of no tenant: naming another one is ignored or refused
                check '[ "$code" != 401 ] && [ "$code" != curl-failed ] && { [ "$code" != 403 ] || [ "$(ecode)" = tenant_forbidden ]; }' "allow, or refuse the other tenant: $what: $last"
            else
                check '[ "$code" = 403 ] && [ "$(ecode)" = tenant_forbidden ]' "deny another tenant: $what: $last"
            fi
            # an allowed change with an empty body changes nothing
            if [ "$m" != GET ] && [ "$code" != 401 ] && [ "$code" != 403 ]; then
                check '[ "${code:0:1}" = 4 ]' "an empty body is refused, nothing changes: $what: $last"
            fi
        done
    done
done 3<"$tmp/routes"
check '[ $ncases -ge $((12 * 10 * 2)) ]' "at least the 12 core routes x 10 callers x 2 tenants: $ncases"
schema_log=
try python3 "$here/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer of the matrix validates against docs/openapi.yaml: $(show)"

# Nothing changed: no triage decision, and no change answered below 400 in
# the audit log (logins aside).
check '[ "$(sqlite3 "$tmp/d/data/demo/store.db" "SELECT count(*) FROM triage")" = 0 ]' "no triage decision was recorded"
try sqlite3 "$tmp/d/data/service.db" "SELECT action, detail FROM audit WHERE action NOT LIKE 'GET %' AND action NOT LIKE 'account.%' AND action NOT LIKE 'token.%' AND action != 'POST /api/v1/session' AND outcome = 'ok'"
check '[ $st = 0 ] && [ ! -s "$tmp/out" ]' "no state-changing call succeeded: $(show)"
try sqlite3 "$tmp/d/data/service.db" "SELECT count(*) FROM audit WHERE action LIKE 'POST /api/v1/anomalies/{id}/triage'"
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" -ge 20 ]' "the triage calls were made and audited: $(show)"

serve_stop
finish
