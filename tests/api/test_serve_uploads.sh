#!/bin/bash
# tests/api/test_serve_uploads.sh -- the uploads area of `tenken serve`
# over TLS with curl: a streamed CSV upload by profile name and by file
# name, progress while it runs, a rejected file and its row-level error
# report, a duplicate, a wrong Content-Type (415), a body over the limit
# (413, announced or chunked, nothing stored), a client that stalls, a
# busy tenant, roles and tenants, delete (refused in a delivered period),
# kill -9 of the server mid-upload (nothing half stored, the retry
# succeeds) and an upload of TK_UPLOAD_TEST_BYTES (1 GiB; 64 MiB under
# sanitizers) from a pipe with the server's peak RSS under 256 MB (checked
# in the Release build).
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-uploads.XXXXXX")
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
trap 'serve_stop; rm -rf "$tmp"' EXIT
gen=$src/tests/api/gen_upload.py
db=$TENKEN_DATA/city/store.db
q() { sqlite3 "$db" "$1"; }

must "$bin" init --tenant city >/dev/null
must "$bin" init --tenant other >/dev/null
serve_cert
for role in uploader analyst reporter admin; do
    serve_adduser "u-$role" "$role" city
    tok[$role]=$(must "$bin" token create --user "u-$role")
done
serve_adduser u-other uploader other
tok[other]=$(must "$bin" token create --user u-other)
serve_adduser root admin
tok[global]=$(must "$bin" token create --user root)

# The tenant's profile, stored as a user stores it.
profile='{"profile":"juki-test","match":{"filename":"juki_*.csv"},"system":{"value":"住民基本台帳"},
 "fields":{"time":{"column":"操作日時","format":"YYYY/MM/DD hh:mm:ss"},
 "user":{"column":"職員ID","transform":[{"strip_prefix":"c"}]},"terminal":{"column":"端末"},
 "operation":{"column":"操作","map":{"照会":"lookup","更新":"update"}},
 "subject":{"column":"宛名番号"},"detail":{"column":"備考"}}}'
printf '%s\n' "$profile" >"$tmp/juki-test.json"
must "$bin" profile add --tenant city "$tmp/juki-test.json"

printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n' >"$tmp/good.csv"
printf '2024/10/01 09:15:02,c679661,PC01,照会,1234567890,窓口\r\n' >>"$tmp/good.csv"
printf '2024/10/02 17:30:00,700001,PC02,更新,9876543210,\r\n' >>"$tmp/good.csv"
printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n2024/13/45 09:00:00,1,PC01,照会,1,\r\n' >"$tmp/bad.csv"
printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n2024/10/05 10:00:00,1,PC03,照会,5,\r\n' >"$tmp/auto.csv"

serve_start --upload-max 2000000
up() { # WHO QUERY [CURL ARGS...]: POST /api/v1/uploads?QUERY
    local who=$1 qs=$2
    shift 2
    bearer "$who" POST "/api/v1/uploads?$qs" "$@"
}
csv=(-H 'Content-Type: text/csv')
count() { q "SELECT count(*) FROM uploads"; }

# ---- success, by profile name and by file name ----------------------------------------
up uploader 'profile=juki-test&name=good.csv' "${csv[@]}" --data-binary @"$tmp/good.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"upload\"][\"id\"], d[\"upload\"][\"status\"], d[\"upload\"][\"rows_accepted\"], d[\"upload\"][\"file\"], d[\"upload\"][\"profile\"]")" = "1 stored 2 good.csv juki-test" ]' "upload by profile name: $last"
check 'grep -qi "^Location: /api/v1/uploads/1" "$tmp/h"' "201 names the upload: $(cat "$tmp/h")"
check '[ "$(jq_ "d[\"upload\"][\"uploaded_by\"]")" = u-uploader ]' "the uploader is on the upload: $last"
sha=$(sha256sum "$tmp/good.csv" | cut -d' ' -f1)
check '[ "$(jq_ "d[\"upload\"][\"sha256\"], d[\"upload\"][\"size\"]")" = "$sha $(stat -c %s "$tmp/good.csv")" ]' "sha and size: $last"
up uploader 'name=juki_auto.csv' -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' -T - <"$tmp/auto.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"upload\"][\"profile\"], d[\"upload\"][\"rows_accepted\"]")" = "juki-test 1" ]' "chunked upload, profile picked by file name: $last"
up uploader 'name=other.csv' "${csv[@]}" --data-binary @"$tmp/auto.csv"
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = profile ] && grep -q "other.csv" "$tmp/b"' "no profile matches: 422 naming the file: $last"
up uploader 'profile=nosuch&name=x.csv' "${csv[@]}" --data-binary @"$tmp/good.csv"
check '[ "$code" = 422 ] && grep -q "nosuch" "$tmp/b"' "unknown profile: 422 naming it: $last"
up uploader 'profile=juki-test' "${csv[@]}" --data-binary @"$tmp/good.csv"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = name ]' "name is required: $last"
up uploader 'profile=juki-test&name=a/b.csv' "${csv[@]}" --data-binary @"$tmp/good.csv"
check '[ "$code" = 400 ]' "a name with a slash: $last"
check '[ "$(count)" = 2 ]' "two uploads stored so far: $(count)"

# ---- duplicate, rejected file and its report ------------------------------------------
up uploader 'profile=juki-test&name=again.csv' "${csv[@]}" --data-binary @"$tmp/good.csv"
check '[ "$code" = 409 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"duplicate_of\"]")" = 1 ]' "the same bytes again: 409 naming upload 1: $last"
up uploader 'profile=juki-test&name=bad.csv' "${csv[@]}" --data-binary @"$tmp/bad.csv"
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"rows_rejected\"], d[\"error\"][\"details\"][\"upload\"][\"status\"]")" = "1 rejected" ]' "bad row: 422: $last"
check 'grep -q "line 2" "$tmp/b"' "the reason names the line: $last"
errs=$(jq_ 'd["error"]["details"]["errors"]')
bad_id=$(jq_ 'd["error"]["details"]["upload_id"]')
check '[ "$errs" = "/api/v1/uploads/$bad_id/errors" ]' "a link to the report: $errs"
bearer uploader GET "$errs"
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/csv" "$tmp/h" && grep -q "操作日時" "$tmp/b"' "the row-level report as text/csv: $last"
bearer uploader GET /api/v1/uploads/1/errors
check '[ "$code" = 404 ]' "no report for a clean upload: $last"

# ---- content type and size limits -----------------------------------------------------
n0=$(count)
up uploader 'profile=juki-test&name=j.csv' -H 'Content-Type: application/json' --data-binary @"$tmp/good.csv"
check '[ "$code" = 415 ] && [ "$(errcode)" = unsupported_upload_type ]' "wrong content type: $last"
python3 "$gen" 2500000 >"$tmp/big.csv"
up uploader 'profile=juki-test&name=big.csv' "${csv[@]}" --data-binary @"$tmp/big.csv"
check '[ "$code" = 413 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"limit\"]")" = 2000000 ]' "Content-Length over the limit: 413: $last"
up uploader 'profile=juki-test&name=big.csv' "${csv[@]}" -H 'Transfer-Encoding: chunked' -T - <"$tmp/big.csv"
check '[ "$code" = 413 ] && [ "$(errcode)" = payload_too_large ]' "chunked body over the limit: 413: $last"
check '[ "$(count)" = "$n0" ]' "nothing stored past the limit: $(count) uploads, was $n0"

# ---- roles and tenants ----------------------------------------------------------------
up reporter 'profile=juki-test&name=r.csv' "${csv[@]}" --data-binary @"$tmp/auto.csv"
check '[ "$code" = 403 ]' "a reporter uploads nothing: $last"
bearer reporter GET /api/v1/uploads
check '[ "$code" = 403 ]' "a reporter lists no uploads: $last"
req POST '/api/v1/uploads?profile=juki-test&name=n.csv' "${csv[@]}" --data-binary @"$tmp/auto.csv"
check '[ "$code" = 401 ]' "no credential: $last"
for who in uploader analyst admin; do
    bearer "$who" GET /api/v1/uploads/1
    check '[ "$code" = 200 ] && [ "$(jq_ "d[\"file\"]")" = good.csv ]' "$who reads an upload: $last"
done
bearer other GET /api/v1/uploads/1
check '[ "$code" = 404 ]' "another tenant's upload is not found in one's own: $last"
bearer other GET '/api/v1/uploads?tenant=city'
check '[ "$code" = 403 ]' "another tenant named: 403: $last"
up other 'profile=juki-test&name=o.csv&tenant=city' "${csv[@]}" --data-binary @"$tmp/auto.csv"
check '[ "$code" = 403 ]' "uploading to another tenant: 403: $last"
bearer global GET '/api/v1/uploads?tenant=city&status=stored&limit=1&offset=1'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"total\"], len(d[\"uploads\"]), d[\"uploads\"][0][\"file\"]")" = "2 1 juki_auto.csv" ]' "a global admin pages the tenant's stored uploads: $last"
bearer global GET /api/v1/uploads
check '[ "$code" = 400 ]' "a global admin names the tenant: $last"
bearer analyst GET '/api/v1/uploads?status=nosuch'
check '[ "$code" = 400 ] && grep -q "expected stored, partial or rejected" "$tmp/b"' "bad status: $last"
bearer analyst GET /api/v1/uploads/999
check '[ "$code" = 404 ] && grep -q "no upload #999" "$tmp/b"' "unknown upload: $last"
bearer analyst GET /api/v1/uploads/abc
check '[ "$code" = 400 ]' "bad upload id: $last"

# ---- progress while an upload runs, and a busy tenant ---------------------------------
python3 "$gen" 1000000 >"$tmp/mid.csv"
mkfifo "$tmp/gate"
# The first 100 kB, then the rest once the test opens the gate.
{ head -c 100000 "$tmp/mid.csv"; cat "$tmp/gate" >/dev/null; tail -c +100001 "$tmp/mid.csv"; } |
    curl -sS --cacert "$tmp/cert.pem" -o "$tmp/slow.json" -w '%{http_code}' \
    -H "Authorization: Bearer ${tok[uploader]}" "${csv[@]}" -H 'Transfer-Encoding: chunked' \
    -X POST -T - "$base/api/v1/uploads?profile=juki-test&name=slow.csv" >"$tmp/slow.code" &
slow=$!
for _ in $(seq 100); do # until the server has it
    bearer analyst GET /api/v1/uploads
    [ "$(jq_ 'len(d["in_progress"]) > 0 and d["in_progress"][0]["bytes_received"] > 0')" = True ] && break
    sleep 0.1
done
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"in_progress\"][0][\"file\"], d[\"in_progress\"][0][\"account\"], d[\"in_progress\"][0][\"bytes_received\"] > 0")" = "slow.csv u-uploader True" ]' "the running upload is listed with its progress: $last"
up admin 'profile=juki-test&name=juki_auto2.csv' "${csv[@]}" --data-binary @"$tmp/bad.csv"
check '[ "$code" = 409 ] && grep -q "busy" "$tmp/b"' "another writer holds the tenant: 409 at once: $last"
bearer admin DELETE /api/v1/uploads/2
check '[ "$code" = 409 ]' "no delete while an upload runs: $last"
echo go >"$tmp/gate"
wait "$slow" || true
check '[ "$(cat "$tmp/slow.code")" = 201 ]' "the slow upload is stored: $(cat "$tmp/slow.code") $(head -c 300 "$tmp/slow.json")"

# ---- a client that stalls mid-body ---------------------------------------------------------
serve_stop
serve_start --upload-max 2000000 --timeout 3
n0=$(count)
{ head -c 1000 "$tmp/big.csv"; sleep 6; } | curl -sS --cacert "$tmp/cert.pem" -o "$tmp/stall.json" -w '%{http_code}' \
    -H "Authorization: Bearer ${tok[uploader]}" "${csv[@]}" -H 'Transfer-Encoding: chunked' \
    -X POST -T - "$base/api/v1/uploads?profile=juki-test&name=stall.csv" >"$tmp/stall.code" 2>"$tmp/stall.err" || true
check '[ "$(count)" = "$n0" ]' "a stalled upload stores nothing: $(count), was $n0"
bearer uploader GET /api/v1/uploads/1
check '[ "$code" = 200 ]' "the server still answers after the stall: $last"

# ---- delete ---------------------------------------------------------------------------
bearer uploader DELETE /api/v1/uploads/2
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"deleted\"]")" = 2 ]' "delete: $last"
bearer uploader GET /api/v1/uploads/2
check '[ "$code" = 404 ]' "a deleted upload is gone: $last"
check '[ "$(q "SELECT count(*) FROM event_blocks WHERE upload_id = 2")" = 0 ]' "its events are gone"
must "$bin" deliver --tenant city --period 2024-10-01..2024-10-31 --by test --force >/dev/null
bearer admin DELETE /api/v1/uploads/1
check '[ "$code" = 409 ] && grep -q "delivered" "$tmp/b"' "no delete in a delivered period: $last"
check '[ "$(q "SELECT count(*) FROM uploads WHERE id = 1")" = 1 ]' "upload 1 kept"
bearer reporter DELETE /api/v1/uploads/1
check '[ "$code" = 403 ]' "a reporter deletes nothing: $last"
try "$bin" uploads delete 1 --tenant city
check '[ $st = 1 ] && grep -q "delivered" "$tmp/err"' "the CLI refuses it too: $(show)"
try "$bin" uploads --tenant city --status rejected --format json
check '[ $st = 0 ] && python3 -c "import json,sys; u=json.load(open(sys.argv[1])); assert [(x[\"file\"], x[\"uploaded_by\"]) for x in u] == [(\"bad.csv\", \"u-uploader\")]" "$tmp/out"' "tenken uploads --status, with the uploader: $(show)"
try "$bin" uploads --tenant city
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q " status  *by$" && grep -q "^   1  good.csv .* stored  *u-uploader$" "$tmp/out"' "tenken uploads names who uploaded: $(show)"

# ---- kill -9 mid-upload, then the same upload again ------------------------------------
n0=$(count)
python3 "$gen" 1800000 >"$tmp/killed.csv"
mkfifo "$tmp/gate2"
{ head -c 300000 "$tmp/killed.csv"; cat "$tmp/gate2" >/dev/null; } |
    curl -sS --cacert "$tmp/cert.pem" -o "$tmp/killed.json" \
    -H "Authorization: Bearer ${tok[uploader]}" "${csv[@]}" -H 'Transfer-Encoding: chunked' \
    -X POST -T - "$base/api/v1/uploads?profile=juki-test&name=killed.csv" 2>"$tmp/killed.err" &
k=$!
for _ in $(seq 100); do # until the server is ingesting it
    bearer analyst GET /api/v1/uploads
    [ "$(jq_ 'len(d["in_progress"]) > 0 and d["in_progress"][0]["bytes_received"] > 0')" = True ] && break
    sleep 0.1
done
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo go >"$tmp/gate2"
wait "$k" 2>/dev/null || true
check '[ "$(count)" = "$n0" ] && [ "$(q "PRAGMA integrity_check")" = ok ]' "kill -9 mid-upload stores nothing: $(count), was $n0"
serve_start --upload-max 2000000 --timeout 3
up uploader 'profile=juki-test&name=killed.csv' "${csv[@]}" -H 'Transfer-Encoding: chunked' -T - <"$tmp/killed.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"upload\"][\"size\"]")" = "$(stat -c %s "$tmp/killed.csv")" ]' "the retry succeeds: $last"
serve_stop

# ---- a large upload from a pipe, the server's memory bounded -----------------------------
if [ -n "${TK_UPLOAD_TEST_BYTES:-}" ]; then
    big=$TK_UPLOAD_TEST_BYTES
elif [ -n "${TK_SANITIZE:-}" ]; then
    big=$((64 << 20))
else
    big=$((1 << 30))
fi
serve_start
t0=$(date +%s.%N)
up uploader 'profile=juki-test&name=large.csv' "${csv[@]}" -H 'Transfer-Encoding: chunked' -T - < <(python3 "$gen" "$big")
t1=$(date +%s.%N)
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"upload\"][\"size\"]")" = "$(python3 "$gen" "$big" | wc -c)" ]' "$big bytes streamed and stored: $last"
# The memory bound is the Release build's: under sanitizers the allocator
# keeps freed blocks in quarantine (256 MB by default) and adds shadow
# memory, so the peak says nothing about the server holding the body.
if [ -z "${TK_SANITIZE:-}" ]; then
    check '[ "$hwm" -lt $((256 * 1024)) ]' "the server's peak RSS stays under 256 MB: ${hwm} kB"
fi
echo "large upload: $big bytes in $(python3 -c "print(round($t1 - $t0, 1))") s, server VmHWM ${hwm} kB"
serve_stop
finish
