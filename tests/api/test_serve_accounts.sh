#!/bin/bash
# tests/api/test_serve_accounts.sh -- account administration over `tenken
# serve` (TLS): an admin lists, adds, disables, enables and resets the
# password of its tenant's accounts; the new account logs in with its
# password, a disabled one cannot, a reset one logs in with the new
# password only; other roles get 403, another tenant's admin can neither
# see nor change this tenant's accounts; bad JSON 400, a weak password or
# bad role 422, a taken name 409, an unknown name 404; a browser session
# needs its CSRF token; no answer carries a password or its hash; tokens
# are listed and revoked; every answer matches docs/openapi.yaml.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve_accounts.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/data

must "$bin" init --tenant demo >/dev/null
must "$bin" init --tenant other >/dev/null
serve_accounts demo other
serve_adduser o-admin admin other
tok[oadmin]=$(must "$bin" token create --user o-admin)
serve_cert
serve_start --threads 2
schema_log=$tmp/answers.tsv
J=(-H 'Content-Type: application/json')
A=/api/v1/accounts
NEWPW='a long enough new secret'
RESETPW='another long enough secret'

# No answer may carry a password or an Argon2 hash.
clean() {
    ! grep -q -e "$PW" -e "$NEWPW" -e "$RESETPW" -e 'argon2' "$tmp/b"
}

# ---- who may ----------------------------------------------------------------------------
for who in uploader analyst reporter other; do
    bearer "$who" GET $A
    check '[ "$code" = 403 ] && [ "$(errcode)" = forbidden ]' "$who lists accounts: $last"
    bearer "$who" POST $A "${J[@]}" --data-binary "{\"name\":\"x-$who\",\"role\":\"uploader\",\"password\":\"$NEWPW\"}"
    check '[ "$code" = 403 ]' "$who adds an account: $last"
    bearer "$who" POST $A/t-uploader/disable "${J[@]}" --data-binary {}
    check '[ "$code" = 403 ]' "$who disables an account: $last"
    bearer "$who" PUT $A/t-uploader/password "${J[@]}" --data-binary "{\"password\":\"$NEWPW\"}"
    check '[ "$code" = 403 ]' "$who resets a password: $last"
done
req GET $A
check '[ "$code" = 401 ]' "no credential: $last"

# ---- list: the tenant's admin sees its tenant's, the global admin all -------------------
bearer admin GET $A
check '[ "$code" = 200 ] && clean' "admin lists: $last"
check '[ "$(jq_ "\" \".join(sorted(a[\"name\"] for a in d[\"items\"]))")" = "t-admin t-analyst t-reporter t-uploader" ]' "the tenant's accounts only: $last"
check '[ "$(jq_ "set(a[\"tenant\"] for a in d[\"items\"]), [a[\"role\"] for a in d[\"items\"] if a[\"name\"] == \"t-analyst\"][0], all(a[\"disabled\"] is False for a in d[\"items\"])")" = "{'"'"'demo'"'"'} analyst True" ]' "tenant, role and state: $last"
bearer global GET $A
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"]), [a[\"tenant\"] for a in d[\"items\"] if a[\"name\"] == \"root\"][0]")" = "7 None" ]' "the global admin lists every account: $last"
bearer oadmin GET $A
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(sorted(a[\"name\"] for a in d[\"items\"]))")" = "o-admin o-analyst" ]' "the other tenant's admin sees its own: $last"

# ---- create ------------------------------------------------------------------------------
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"n-clerk\",\"role\":\"reporter\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 201 ] && clean && [ "$(jq_ "d[\"name\"], d[\"role\"], d[\"tenant\"], d[\"disabled\"], d[\"created_by\"]")" = "n-clerk reporter demo False t-admin" ]' "admin adds an account to its tenant: $last"
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"n-clerk\",\"role\":\"reporter\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 409 ] && [ "$(errcode)" = conflict ]' "a taken name: $last"
bearer admin POST $A "${J[@]}" --data-binary '{"name":"n-weak","role":"reporter","password":"short"}'
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ] && clean' "a weak password: $last"
check 'jq_ "d[\"error\"][\"details\"][\"reason\"]" | grep -q 12' "the reason gives the rule: $last"
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"Bad Name\",\"role\":\"reporter\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 422 ]' "a bad name: $last"
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"n-boss\",\"role\":\"boss\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 422 ]' "a bad role: $last"
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"n-x\",\"role\":\"uploader\",\"password\":\"$NEWPW\",\"extra\":1}"
check '[ "$code" = 422 ]' "an unknown field: $last"
bearer admin POST $A "${J[@]}" --data-binary '{"name": "n-x", '
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ]' "bad JSON: $last"
bearer admin POST $A "${J[@]}" --data-binary "{\"name\":\"n-x\",\"role\":\"uploader\",\"tenant\":\"other\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 403 ]' "a tenant's admin adds to another tenant: $last"
bearer global POST $A "${J[@]}" --data-binary "{\"name\":\"n-x\",\"role\":\"uploader\",\"tenant\":\"nosuch\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 422 ] && ! grep -q "$TENKEN_DATA" "$tmp/b"' "no such tenant, without the data directory: $last"
bearer global POST $A "${J[@]}" --data-binary "{\"name\":\"n-other\",\"role\":\"uploader\",\"tenant\":\"other\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"tenant\"]")" = other ]' "the global admin adds to any tenant: $last"
bearer admin GET $A
check '[ "$(jq_ "\" \".join(sorted(a[\"name\"] for a in d[\"items\"]))")" = "n-clerk t-admin t-analyst t-reporter t-uploader" ]' "refused adds stored nothing: $last"

# ---- the new account logs in ------------------------------------------------------------
login n-clerk "$NEWPW" "$tmp/jar1"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"role\"], d[\"tenant\"]")" = "reporter demo" ]' "the new account logs in: $last"

# ---- disable / enable --------------------------------------------------------------------
bearer oadmin POST $A/n-clerk/disable "${J[@]}" --data-binary {}
check '[ "$code" = 403 ]' "another tenant's admin disables: $last"
bearer oadmin PUT $A/n-clerk/password "${J[@]}" --data-binary "{\"password\":\"$RESETPW\"}"
check '[ "$code" = 403 ]' "another tenant's admin resets: $last"
bearer oadmin GET $A/n-clerk/tokens
check '[ "$code" = 403 ]' "another tenant's admin reads tokens: $last"
bearer admin POST $A/n-clerk/disable "${J[@]}" --data-binary '{"disabled": false}'
check '[ "$code" = 422 ]' "a disable with values: $last"
bearer admin POST $A/n-clerk/disable "${J[@]}" --data-binary {}
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"name\"], d[\"disabled\"]")" = "n-clerk True" ]' "admin disables: $last"
req GET /api/v1/session -b "$tmp/jar1"
check '[ "$code" = 401 ]' "the disabled account's session ended: $last"
login n-clerk "$NEWPW" "$tmp/jar2"
check '[ "$code" = 403 ] && [ "$(errcode)" = account_disabled ]' "a disabled account cannot log in: $last"
bearer admin POST $A/t-admin/disable "${J[@]}" --data-binary {}
check '[ "$code" = 403 ]' "an admin may not disable itself: $last"
bearer admin POST $A/nobody/disable "${J[@]}" --data-binary {}
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ] && ! grep -q "$TENKEN_DATA" "$tmp/b"' "an unknown name, without the data directory: $last"
bearer admin POST $A/n-clerk/enable "${J[@]}" --data-binary {}
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"disabled\"]")" = False ]' "admin enables: $last"
login n-clerk "$NEWPW" "$tmp/jar2"
check '[ "$code" = 200 ]' "an enabled account logs in again: $last"

# ---- password reset ----------------------------------------------------------------------
bearer admin PUT $A/n-clerk/password "${J[@]}" --data-binary '{"password":"short"}'
check '[ "$code" = 422 ] && clean' "a weak reset: $last"
bearer admin PUT $A/nobody/password "${J[@]}" --data-binary "{\"password\":\"$RESETPW\"}"
check '[ "$code" = 404 ]' "reset of an unknown name: $last"
bearer admin PUT $A/n-clerk/password "${J[@]}" --data-binary '{"pass":"x"}'
check '[ "$code" = 422 ]' "a reset body without password: $last"
bearer admin PUT $A/n-clerk/password "${J[@]}" --data-binary "{\"password\":\"$RESETPW\"}"
check '[ "$code" = 200 ] && clean && [ "$(jq_ "d[\"name\"]")" = n-clerk ]' "admin resets: $last"
req GET /api/v1/session -b "$tmp/jar2"
check '[ "$code" = 401 ]' "a reset ends the sessions: $last"
login n-clerk "$NEWPW" "$tmp/jar3"
check '[ "$code" = 401 ]' "the old password no longer works: $last"
login n-clerk "$RESETPW" "$tmp/jar3"
check '[ "$code" = 200 ]' "the new password works: $last"

# ---- a browser session needs its CSRF token ----------------------------------------------
login t-admin "$PW" "$tmp/ajar"
csrf=$(jq_ 'd["csrf_token"]')
req POST $A/n-clerk/disable -b "$tmp/ajar" "${J[@]}" --data-binary {}
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "disable without CSRF: $last"
req POST $A -b "$tmp/ajar" "${J[@]}" --data-binary "{\"name\":\"n-y\",\"role\":\"uploader\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "add without CSRF: $last"
req POST $A -b "$tmp/ajar" -H "X-CSRF-Token: $csrf" "${J[@]}" --data-binary "{\"name\":\"n-y\",\"role\":\"uploader\",\"password\":\"$NEWPW\"}"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"tenant\"]")" = demo ]' "add with CSRF: $last"
req GET $A -b "$tmp/ajar"
check '[ "$code" = 200 ] && clean' "list in a session: $last"

# ---- tokens ------------------------------------------------------------------------------
bearer admin GET $A/t-analyst/tokens
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"]), d[\"items\"][0][\"account\"], d[\"items\"][0][\"revoked_at\"]")" = "1 t-analyst None" ]' "an account's tokens: $last"
check '! grep -q "${tok[analyst]}" "$tmp/b"' "no token secret in the list: $last"
tid=$(jq_ 'd["items"][0]["id"]')
bearer admin GET $A/nobody/tokens
check '[ "$code" = 404 ]' "tokens of an unknown name: $last"
bearer oadmin POST "/api/v1/tokens/$tid/revoke" "${J[@]}" --data-binary {}
check '[ "$code" = 403 ] || [ "$code" = 404 ]' "another tenant's admin revokes: $last"
bearer analyst GET /api/v1/runs
check '[ "$code" = 200 ]' "the token still works: $last"
bearer admin POST "/api/v1/tokens/$tid/revoke" "${J[@]}" --data-binary {}
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"id\"], d[\"status\"]")" = "$tid revoked" ]' "admin revokes: $last"
bearer admin POST "/api/v1/tokens/$tid/revoke" "${J[@]}" --data-binary {}
check '[ "$code" = 409 ]' "revoked twice: $last"
bearer admin POST /api/v1/tokens/0000000000000000/revoke "${J[@]}" --data-binary {}
check '[ "$code" = 404 ] && ! grep -q "$TENKEN_DATA" "$tmp/b"' "an unknown token, without the data directory: $last"
bearer analyst GET /api/v1/runs
check '[ "$code" = 401 ]' "a revoked token is refused: $last"

# ---- the audit log keeps no password -----------------------------------------------------
bearer global GET '/api/v1/audit?limit=1000'
check '[ "$code" = 200 ] && clean' "no password in the audit log: $last"
check '[ "$(jq_ "any(e[\"action\"] == \"POST /api/v1/accounts/{name}/disable\" and e[\"target\"] == \"n-clerk\" for e in d[\"items\"])")" = True ]' "the disable is audited: $last"

serve_stop
# Under the sanitizers (TK_SANITIZE), the server's exit reports any leak
# or undefined behaviour of the requests above on its stderr.
check '! grep -Eq "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/serve.err"' "the server's stderr has no sanitizer report: $(head -c 3000 "$tmp/serve.err")"
st=0
python3 "$src/tests/api/openapi_check.py" "$src/docs/openapi.yaml" "$schema_log" >"$tmp/schema.out" 2>&1 || st=$?
check '[ "$st" = 0 ]' "the answers match docs/openapi.yaml: $(cat "$tmp/schema.out")"
finish
