#!/bin/bash
# tests/api/test_serve_schema.sh -- the answers of `tenken serve` validate
# against docs/openapi.yaml: every route's success and its error answers
# (400, 401, 403, 404, 405, 413, 415, 422, 429, 431) are recorded and
# checked by tests/api/openapi_check.py against the response schema the
# file documents for that route and status (JSON Schema 2020-12 with
# python3-jsonschema, $refs resolved within the file); a status the file
# does not document for the route fails too.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve_schema.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$here/lib.sh"
source "$here/serve_lib.sh"
export TENKEN_DATA=$tmp/d/data

must "$bin" demo --dir "$tmp/d" --seed 4 --staff 40 --residents 2000 >/dev/null
serve_adduser root admin
serve_adduser an analyst demo
serve_adduser up uploader demo
tok[analyst]=$(must "$bin" token create --user an)
tok[uploader]=$(must "$bin" token create --user up)
tok[global]=$(must "$bin" token create --user root)
serve_cert
serve_start
schema_log=$tmp/answers.tsv

J=(-H 'Content-Type: application/json')
# successes, every route
req GET /healthz
bearer analyst GET /metrics
login an "$PW" "$tmp/jar"
csrf=$(jq_ 'd["csrf_token"]')
req GET /api/v1/session -b "$tmp/jar"
bearer global GET "/api/v1/audit?limit=5"
bearer analyst GET /api/v1/runs
bearer analyst GET "/api/v1/anomalies?limit=5"
check '[ "$code" = 200 ]' "the list: $last"
id=$(jq_ 'd["items"][0]["id"]')
bearer analyst GET "/api/v1/anomalies/$id"
bearer analyst GET "/api/v1/anomalies/$id/evidence?limit=3"
bearer analyst POST "/api/v1/anomalies/$id/triage" "${J[@]}" --data-binary '{"status":"investigating","comment":"見ています"}'
check '[ "${code:0:1}" = 2 ]' "a triage decision: $last"
bearer analyst GET "/api/v1/anomalies/$id/history"
check '[ "$code" = 200 ]' "the history: $last"
req DELETE /api/v1/session -b "$tmp/jar" -H "X-CSRF-Token: $csrf"
# errors
bearer analyst GET "/api/v1/anomalies?limit=abc"                         # 400
bearer analyst GET "/api/v1/anomalies/1-999999"                          # 404
bearer analyst GET "/api/v1/anomalies/1-999999/evidence"                 # 404
bearer analyst GET "/api/v1/anomalies/1-999999/history"                  # 404
bearer analyst GET "/api/v1/runs?tenant=other"                           # 403
bearer uploader GET /api/v1/runs                                         # 403
bearer uploader GET /api/v1/audit                                        # 403
req GET /api/v1/anomalies                                                # 401
req GET /api/v1/session                                                  # 401
req DELETE /api/v1/session                                               # 401
bearer analyst DELETE /api/v1/session                                    # 400
bearer analyst PUT /api/v1/runs                                          # 405
bearer analyst POST "/api/v1/anomalies/$id/triage" -H 'Content-Type: text/plain' --data-binary x   # 415
bearer analyst POST "/api/v1/anomalies/$id/triage" "${J[@]}" --data-binary '{"status":'           # 400
bearer analyst POST "/api/v1/anomalies/$id/triage" "${J[@]}" --data-binary '{"status":"maybe"}'   # 422
python3 -c 'print("{\"status\":\"confirmed\",\"comment\":\"" + "a" * 70000 + "\"}")' >"$tmp/big.json"
bearer analyst POST "/api/v1/anomalies/$id/triage" "${J[@]}" --data-binary "@$tmp/big.json"      # 413
req POST /api/v1/session "${J[@]}" --data-binary '{"name":"an"}'         # 422
req POST /api/v1/session "${J[@]}" --data-binary '{"name":"an","password":"wrong password!"}'   # 401
req GET /healthz -H "X-Big: $(python3 -c 'print("a" * 40000)')"          # 431
for i in 1 2 3 4 5; do login ghost "not the password $i" "$tmp/jx"; done
login ghost "not the password 6" "$tmp/jx"                               # 429
check '[ "$code" = 429 ]' "lockout: $last"
bearer global GET "/api/v1/runs"                                         # 400: names no tenant
bearer global GET "/api/v1/runs?tenant=nosuch"                           # 404
schema_log=

statuses=$(cut -f3 "$tmp/answers.tsv" | sort -u | tr '\n' ' ')
check '[ "$statuses" = "200 400 401 403 404 405 413 415 422 429 431 " ] || [ "$statuses" = "200 201 400 401 403 404 405 413 415 422 429 431 " ]' "every status was answered: $statuses"
routes=$(cut -f1,2 "$tmp/answers.tsv" | sed "s|/$id|/{id}|" | sort -u | wc -l)
check '[ "$routes" -ge 12 ]' "every route answered: $(cut -f1,2 "$tmp/answers.tsv" | sort -u)"
try python3 "$here/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "the answers validate against docs/openapi.yaml: $(show)"

# the checker itself fails on a body that breaks the schema and on an
# undocumented status
printf '{"run":1,"total":"many","next_cursor":null,"items":[]}\n' >"$tmp/bad.json"
printf 'GET\t/api/v1/anomalies\t200\t%s\nGET\t/api/v1/anomalies\t418\t%s\n' "$tmp/bad.json" "$tmp/bad.json" >"$tmp/bad.tsv"
try python3 "$here/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/bad.tsv"
check '[ $st = 1 ] && grep -q "GET /api/v1/anomalies 200: .many. is not of type .integer. at total" "$tmp/out" && grep -q "418: status not documented" "$tmp/out"' "the checker catches a bad body: $(show)"

serve_stop
finish
