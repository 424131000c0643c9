#!/bin/bash
# tests/api/test_serve.sh -- `tenken serve` over real TLS sockets: health,
# sessions with CSRF, Bearer tokens, lockout, the list/explain/triage
# routes, hostile ids and filters, body and header limits, the error shape
# in Japanese and English, security headers on every answer, TLS versions
# and ciphers, an authorisation matrix (role x route x own/other tenant),
# the audit log, metrics, the routes against docs/openapi.yaml, and a clean
# stop on SIGTERM.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

# ---- a tenant with a ranked list, a second tenant, accounts, tokens ------------------
must "$bin" demo --dir "$tmp/d" --seed 3 --staff 40 --residents 2000 >/dev/null
must "$bin" init --tenant other >/dev/null
adduser() { serve_adduser "$@"; }
adduser root admin
for role in uploader analyst reporter admin; do
    adduser "t-$role" "$role" demo
    tok[$role]=$(must "$bin" token create --user "t-$role")
done
tok[global]=$(must "$bin" token create --user root)

serve_cert

# ---- refusals before serving ---------------------------------------------------------
try "$bin" serve --listen 0.0.0.0:0 --insecure-http
check '[ $st = 2 ] && grep -q "insecure-http is allowed only on a loopback address" "$tmp/err"' "plain http off loopback: $(show)"
try "$bin" serve --listen 127.0.0.1:0
check '[ $st = 2 ] && grep -q -- "--tls-cert and --tls-key are required" "$tmp/err"' "no certificate: $(show)"
try "$bin" serve --data "$tmp/empty" --listen 127.0.0.1:0 --insecure-http
check '[ $st = 1 ] && grep -q "no accounts in $tmp/empty" "$tmp/err"' "no accounts: $(show)"
try "$bin" serve --listen 127.0.0.1:0 --tls-cert "$tmp/nosuch.pem" --tls-key "$tmp/key.pem"
check '[ $st = 1 ] && grep -q "cannot read the certificate $tmp/nosuch.pem" "$tmp/err"' "missing certificate: $(show)"

# ---- the routes are the ones docs/openapi.yaml describes ------------------------------
must "$bin" serve --list-routes | sort >"$tmp/routes.txt"
python3 - "$src/docs/openapi.yaml" <<'PY' | sort >"$tmp/documented.txt"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
assert doc["openapi"].startswith("3.1"), doc["openapi"]
for path, ops in doc["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "patch", "delete"):
            print(m.upper(), path)
PY
diff "$tmp/routes.txt" "$tmp/documented.txt" >"$tmp/routes.diff" || true
check '[ ! -s "$tmp/routes.diff" ] && [ "$(wc -l <"$tmp/routes.txt")" -ge 12 ]' "routes (<) differ from docs/openapi.yaml (>): $(cat "$tmp/routes.diff")"

# ---- start -------------------------------------------------------------------------------
serve_start --threads 2

B() { printf -- '-H\nAuthorization: Bearer %s\n' "${tok[$1]}"; }

req GET /healthz
check '[ "$code" = 200 ] && [ "$(cat "$tmp/b")" = "{\"status\":\"ok\"}" ]' "healthz: $last"

# ---- errors: shape, language -------------------------------------------------------------
req GET /api/v1/anomalies
check '[ "$code" = 401 ] && [ "$(errcode)" = unauthorized ] && [ "$(jq_ "d[\"error\"][\"message\"]")" = "認証が必要です" ] && [ "$(jq_ "d[\"error\"][\"details\"]")" = None ]' "no credential, ja by default: $last"
req GET /api/v1/anomalies -H 'Accept-Language: en-US,en;q=0.8'
check '[ "$code" = 401 ] && [ "$(jq_ "d[\"error\"][\"message\"]")" = "authentication required" ]' "Accept-Language en: $last"
req GET /api/v1/anomalies -H 'Accept-Language: ja,en;q=0.5'
check '[ "$code" = 401 ] && [ "$(jq_ "d[\"error\"][\"message\"]")" = "認証が必要です" ]' "Accept-Language ja first: $last"
req GET /nosuch
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ]' "unknown path: $last"
bearer reporter DELETE /api/v1/anomalies
check '[ "$code" = 405 ] && grep -qi "^Allow: GET" "$tmp/h"' "wrong method: $last"
req GET /api/v1/anomalies -H "Authorization: Bearer tkn_0123456789abcdef_nope"
check '[ "$code" = 401 ] && [ "$(errcode)" = token_refused ]' "unknown token: $last"

# ---- login, CSRF, logout --------------------------------------------------------------
login t-analyst "wrong password here" "$tmp/jar0"
check '[ "$code" = 401 ] && [ "$(errcode)" = wrong_credentials ] && ! grep -qi "^Set-Cookie" "$tmp/h"' "wrong password: $last"
login t-analyst "$PW" "$tmp/jar"
check '[ "$code" = 200 ] && grep -qi "^Set-Cookie: tenken_session=.*; HttpOnly; Secure; SameSite=Strict; Path=/" "$tmp/h"' "login cookie: $last"
csrf=$(jq_ 'd["csrf_token"]')
check '[ ${#csrf} -ge 40 ] && [ "$(jq_ "d[\"role\"], d[\"tenant\"]")" = "analyst demo" ]' "login body: $last"
req GET /api/v1/session -b "$tmp/jar"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"name\"], d[\"role\"], d[\"tenant\"], d[\"via\"]")" = "t-analyst analyst demo session" ]' "who am I: $last"

req GET '/api/v1/anomalies?limit=5' -b "$tmp/jar"
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"]), d[\"items\"][0][\"id\"], d[\"items\"][0][\"rank\"]")" = "5 1-1 1" ]' "the list with a session: $last"
id=$(jq_ 'd["items"][1]["id"]')
cursor=$(jq_ 'd["next_cursor"]')
total=$(jq_ 'd["total"]')
req GET "/api/v1/anomalies?limit=5&cursor=$cursor" -b "$tmp/jar"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"][0][\"rank\"], d[\"total\"]")" = "6 $total" ]' "next page by cursor: $last"

T='{"status":"confirmed","comment":"本人に確認済み"}'
req POST "/api/v1/anomalies/$id/triage" -b "$tmp/jar" -H 'Content-Type: application/json' --data-binary "$T"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "triage without CSRF: $last"
req POST "/api/v1/anomalies/$id/triage" -b "$tmp/jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: x$csrf" --data-binary "$T"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "triage with a wrong CSRF token: $last"
req POST "/api/v1/anomalies/$id/triage" -b "$tmp/jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" --data-binary "$T"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"id\"], d[\"status\"], d[\"triage\"][\"decided_by\"]")" = "$id confirmed t-analyst" ]' "triage with CSRF: $last"
req GET "/api/v1/anomalies/$id/history" -b "$tmp/jar"
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"items\"]), d[\"items\"][-1][\"status\"], d[\"items\"][-1][\"comment\"], d[\"items\"][-1][\"role\"]")" = "1 confirmed 本人に確認済み analyst" ]' "history: $last"

req DELETE /api/v1/session -b "$tmp/jar"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "logout without CSRF: $last"
req DELETE /api/v1/session -b "$tmp/jar" -H "X-CSRF-Token: $csrf"
check '[ "$code" = 200 ] && grep -qi "^Set-Cookie: tenken_session=;.*Max-Age=0" "$tmp/h"' "logout: $last"
req GET /api/v1/session -b "$tmp/jar"
check '[ "$code" = 401 ] && [ "$(errcode)" = session_expired ]' "the old session after logout: $last"
login t-analyst "$PW" "$tmp/jar2"
req POST "/api/v1/anomalies/$id/triage" -b "$tmp/jar2" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" --data-binary "$T"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "an old session's CSRF token replayed: $last"

# ---- bodies -----------------------------------------------------------------------------------
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' --data-binary '{"status":'
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ] && grep -q "line 1" "$tmp/b"' "malformed JSON: $last"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' --data-binary '[1]'
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ]' "a JSON array body: $last"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: text/plain' --data-binary "$T"
check '[ "$code" = 415 ] && [ "$(errcode)" = unsupported_media_type ]' "wrong content type: $last"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' --data-binary '{"status":"maybe"}'
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ] && grep -q "false_positive" "$tmp/b"' "unknown status: $last"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' --data-binary '{"status":"confirmed","x":1}'
check '[ "$code" = 422 ]' "unknown body key: $last"
python3 -c 'print("{\"status\":\"confirmed\",\"comment\":\"" + "a" * 70000 + "\"}")' >"$tmp/big.json"
# A body a little over the cap is read to its end before the 413, so that
# a client still sending gets the answer, not a broken pipe: every try.
for try in 1 2 3 4 5; do
    bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' --data-binary "@$tmp/big.json"
    check '[ "$code" = 413 ] && [ "$(errcode)" = payload_too_large ]' "oversized body (try $try): $last"
done
# A far larger one announced with Expect: 100-continue is answered before
# any of it is sent.
head -c 6000000 /dev/zero >"$tmp/huge.bin"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' -H 'Expect: 100-continue' --data-binary "@$tmp/huge.bin"
check '[ "$code" = 413 ] && [ "$(errcode)" = payload_too_large ]' "6 MB body with Expect: 100-continue: $last"
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/big.json"
check '[ "$code" = 413 ]' "oversized chunked body: $last"
big=$(python3 -c 'print("a" * 40000)')
code=$(curl -sS --cacert "$tmp/cert.pem" -o "$tmp/b" -w '%{http_code}' -H "X-Big: $big" "$base/healthz") || code=curl-failed
check '[ "$code" = 431 ] || [ "$code" = 413 ]' "oversized header: $code $(head -c 300 "$tmp/b")"

# ---- the list, one item, evidence, runs --------------------------------------------------
bearer reporter GET /api/v1/runs
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"items\"][0][\"id\"], len(d[\"items\"])")" = "1 1" ]' "runs (the demo analysed once): $last"
bearer reporter GET "/api/v1/anomalies/$id"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"id\"], d[\"rank\"], d[\"explanation\"][\"source\"] in (\"rule\",\"model\")")" = "$id 2 True" ]' "one item with its explanation: $last"
bearer reporter GET "/api/v1/anomalies/$id/evidence?limit=2"
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"rows\"]) <= 2, d[\"offset\"], \"time\" in d[\"rows\"][0]")" = "True 0 True" ]' "evidence page: $last"
bearer reporter GET "/api/v1/anomalies?period=2024-10-01..2024-11-30&entity_type=terminal&min_score=10&sort=day&limit=1000"
check '[ "$code" = 200 ] && python3 -c "import json; d=json.load(open(\"$tmp/b\")); assert all(i[\"entity_type\"]==\"terminal\" and i[\"score\"]>=10 for i in d[\"items\"])"' "filters: $last"
bearer reporter GET "/api/v1/anomalies?status=confirmed"
check '[ "$code" = 200 ] && [ "$(jq_ "[i[\"id\"] for i in d[\"items\"]]")" = "['"'$id'"']" ]' "status filter: $last"
bearer reporter GET /api/v1/anomalies/1-999999
check '[ "$code" = 404 ] && [ "$(errcode)" = not_found ]' "unknown id: $last"
bearer reporter GET /api/v1/anomalies/99-1
check '[ "$code" = 404 ]' "unknown run: $last"
bearer reporter GET /api/v1/anomalies/abc/evidence
check '[ "$code" = 400 ] && [ "$(errcode)" = bad_request ]' "malformed id: $last"
bearer reporter GET "/api/v1/anomalies?period=2023-01-01..2023-01-31"
check '[ "$code" = 404 ]' "a period never analysed: $last"

# ---- hostile ids and filters: 400, 404 or an empty page, never a 500 -----------------------
for v in "%27%20OR%201%3D1%20--" "1%3BDROP%20TABLE%20anomalies" "..%2F..%2Fetc%2Fpasswd" "%00" \
    "%ff%fe" "%zz" "$(printf 'x%.0s' $(seq 300))" "-1"; do
    for f in period run entity_type entity_id system dept rule source min_score status sort limit cursor tenant; do
        bearer reporter GET "/api/v1/anomalies?$f=$v"
        check '[[ "$code" =~ ^(200|400|403|404)$ ]] && [ "$(head -c 1 "$tmp/b")" = "{" ]' "hostile $f: $last"
    done
    for p in "/api/v1/anomalies/$v" "/api/v1/anomalies/$v/evidence" "/api/v1/anomalies/1-1$v/history"; do
        bearer reporter GET "$p"
        check '[[ "$code" =~ ^(400|404)$ ]]' "hostile id: $last"
    done
done
bearer reporter GET "/api/v1/anomalies?entity_id=%27%20OR%201%3D1%20--"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"total\"]")" = 0 ]' "SQL in a filter is a value: $last"
req GET /api/v1/../../etc/passwd --path-as-is -H "Authorization: Bearer ${tok[reporter]}"
check '[ "$code" = 404 ]' "path traversal: $last"

# ---- lockout ------------------------------------------------------------------------------
for i in 1 2 3 4 5; do
    login ghost "not the password $i" "$tmp/jarx"
    check '[ "$code" = 401 ]' "failure $i: $last"
done
login ghost "not the password 6" "$tmp/jarx"
check '[ "$code" = 429 ] && [ "$(errcode)" = too_many_requests ] && grep -qi "^Retry-After: [0-9]" "$tmp/h" && grep -q "locked until" "$tmp/b"' "lockout: $last"

# ---- authorisation matrix: role x route x own/other tenant -----------------------------------
# expect ROLE ROUTE -> the status of the own tenant; another tenant is always 403
# for the tenant's routes (the session route names no tenant).
declare -A allow=(
    [runs]="analyst reporter admin" [list]="analyst reporter admin" [item]="analyst reporter admin"
    [evidence]="analyst reporter admin" [history]="analyst reporter admin" [triage]="analyst admin"
    [audit]="admin" [session]="uploader analyst reporter admin")
call() { # WHO ROUTE TENANT-QUERY
    local q=$3
    case $2 in
    runs) bearer "$1" GET "/api/v1/runs?$q" ;;
    list) bearer "$1" GET "/api/v1/anomalies?limit=1&$q" ;;
    item) bearer "$1" GET "/api/v1/anomalies/1-3?$q" ;;
    evidence) bearer "$1" GET "/api/v1/anomalies/1-3/evidence?$q" ;;
    history) bearer "$1" GET "/api/v1/anomalies/1-3/history?$q" ;;
    triage) bearer "$1" POST "/api/v1/anomalies/1-3/triage?$q" -H 'Content-Type: application/json' --data-binary '{"status":"investigating"}' ;;
    audit) bearer "$1" GET "/api/v1/audit?limit=5&$q" ;;
    session) bearer "$1" GET "/api/v1/session?$q" ;;
    esac
}
for role in uploader analyst reporter admin; do
    for route in runs list item evidence history triage audit session; do
        want=403
        [[ " ${allow[$route]} " == *" $role "* ]] && want=200
        call "$role" "$route" "tenant=demo"
        check '[ "$code" = $want ]' "matrix $role $route own tenant (want $want): $last"
        other=403
        [ "$route" = session ] && other=200
        call "$role" "$route" "tenant=other"
        check '[ "$code" = $other ]' "matrix $role $route other tenant (want $other): $last"
    done
done
# A global admin names the tenant; without one a tenant's route is a 400.
call global list "tenant=demo"
check '[ "$code" = 200 ]' "global admin, named tenant: $last"
call global list "tenant=other"
check '[ "$code" = 404 ] && grep -q "\"reason\":\"no analysis run\"" "$tmp/b"' "global admin, a tenant without runs: $last"
call global list ""
check '[ "$code" = 400 ] && grep -q "tenant=NAME" "$tmp/b"' "global admin, no tenant: $last"

# ---- audit and metrics -------------------------------------------------------------------
bearer global GET "/api/v1/audit?action=GET%20%2Fapi%2Fv1%2Fanomalies%2F%7Bid%7D&limit=1000"
check '[ "$code" = 200 ] && python3 -c "
import json; d=json.load(open(\"$tmp/b\"))
acts={(i[\"actor\"], i[\"outcome\"], i[\"target\"], i[\"tenant\"]) for i in d[\"items\"]}
assert (\"t-reporter\", \"ok\", \"$id\", \"demo\") in acts, acts
assert any(o == \"refused\" and a == \"t-uploader\" for a, o, _, _ in acts), acts
assert all(\"/1-\" not in i[\"action\"] for i in d[\"items\"])
"' "audit records the route template, the actor and refusals: $last"
bearer admin GET "/api/v1/audit?limit=1000"
check '[ "$code" = 200 ] && python3 -c "
import json; d=json.load(open(\"$tmp/b\")); assert d[\"items\"] and all(i[\"tenant\"] == \"demo\" for i in d[\"items\"])"' "a tenant admin reads its tenant's records: $last"
bearer admin GET "/api/v1/audit?tenant=other"
check '[ "$code" = 403 ]' "a tenant admin cannot read another tenant's records: $last"
req GET /metrics
check '[ "$code" = 200 ] && grep -q "^tenken_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1$" "$tmp/b" && grep -q "^tenken_http_requests_in_flight 1$" "$tmp/b" && grep -q "^tenken_uptime_seconds [0-9]" "$tmp/b"' "metrics from loopback: $last"
check '[ "$nreq" -gt 200 ]' "requests made: $nreq"

# ---- TLS versions and ciphers -------------------------------------------------------------------
tls() { openssl s_client -connect "127.0.0.1:$port" -servername localhost "$@" </dev/null >"$tmp/tls" 2>&1 && tst=0 || tst=$?; }
tls -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
check '[ $tst != 0 ] && ! grep -q "Cipher is ECDHE" "$tmp/tls"' "TLS 1.1 refused: $(tail -5 "$tmp/tls")"
tls -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:AES128-SHA:@SECLEVEL=0'
check '[ $tst != 0 ] && ! grep -q "Cipher is ECDHE" "$tmp/tls"' "CBC cipher refused: $(tail -5 "$tmp/tls")"
tls -tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256'
check '[ $tst = 0 ] && grep -q "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" "$tmp/tls"' "TLS 1.2 ECDHE AES-GCM: $(tail -5 "$tmp/tls")"
tls -tls1_3
check '[ $tst = 0 ] && grep -q "TLSv1.3" "$tmp/tls"' "TLS 1.3: $(tail -5 "$tmp/tls")"
try curl -sS --cacert "$tmp/cert.pem" --tls-max 1.1 --tlsv1.1 "$base/healthz"
check '[ $st != 0 ]' "curl with TLS 1.1: $(show)"

# ---- stop ---------------------------------------------------------------------------------------
kill -TERM "$server_pid"
wait "$server_pid" && sst=0 || sst=$?
server_pid=
check '[ $sst = 0 ] && grep -q "^stopped on SIGTERM$" "$tmp/serve.log"' "clean stop: $sst $(cat "$tmp/serve.log" "$tmp/serve.err")"
finish
