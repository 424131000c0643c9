#!/bin/bash
# tests/api/test_serve_profiles.sh -- the source profile routes of `tenken
# serve` over TLS: store (versions, identical text, validation with the
# key path, name against path, content types, CSRF), list, read (newest
# and ?version=), versions, a dry run on a CSV sample, delete with history
# kept, and each route's allow/deny for every role, a global admin and an
# account of another tenant; then `tenken profile` and `tenken ingest
# --profile NAME` on the same store.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-profiles.XXXXXX")
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
serve_adduser root admin
for role in uploader analyst reporter admin; do
    serve_adduser "t-$role" "$role" demo
    tok[$role]=$(must "$bin" token create --user "t-$role")
done
serve_adduser o-admin admin other
tok[other]=$(must "$bin" token create --user o-admin)
tok[global]=$(must "$bin" token create --user root)

cat >"$tmp/juki.json" <<'EOF'
{"profile": "juki", "match": {"filename": "juki_*.csv"},
 "system": {"value": "住民基本台帳"},
 "fields": {"time": {"column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss"},
            "user": {"column": "職員番号"},
            "operation": {"column": "操作区分", "map": {"照会": "lookup", "更新": "update"}}}}
EOF
sed 's/"更新": "update"/"更新": "update", "印刷": "print"/' "$tmp/juki.json" >"$tmp/juki2.json"
printf '操作日時,職員番号,操作区分\n2024/10/01 09:00:00,c001,照会\n2024/10/01 09:05:00,c002,更新\n2024/10/01 25:00:00,c003,照会\n2024/10/01 09:10:00,c004,削除\n' >"$tmp/juki_sample.csv"

serve_cert
serve_start --threads 2
J=(-H 'Content-Type: application/json')

# ---- PUT: store, versions, identical text ------------------------------------------------
bearer analyst PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"name\"], d[\"version\"], d[\"created\"], d[\"created_by\"], \",\".join(d[\"systems\"]), d[\"in_force\"]")" = "juki 1 True t-analyst 住民基本台帳 True" ]' "first PUT: $last"
bearer admin PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"created\"], d[\"created_by\"]")" = "1 False t-analyst" ]' "identical PUT keeps version 1: $last"
bearer admin PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/juki2.json"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"version\"], d[\"created_by\"]")" = "2 t-admin" ]' "changed PUT is version 2: $last"

# ---- PUT: refusals -----------------------------------------------------------------------
bearer analyst PUT /api/v1/profiles/bad "${J[@]}" --data-binary '{"profile": "bad", "system": {"value": "x"}, "fields": {"user": {"column": 1}}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"path\"]")" = fields.time ] && [ "$(jq_ "d[\"error\"][\"details\"][\"reason\"]")" = "profile request body: fields.time: is required" ]' "invalid profile: $last"
bearer analyst PUT /api/v1/profiles/bad "${J[@]}" --data-binary '{"profile": "bad", "encoding": "latin1", "system": {"value": "x"}, "fields": {}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"path\"]")" = encoding ] && grep -q "must be auto, utf-8, utf-8-bom or cp932" "$tmp/b"' "bad encoding: $last"
bearer analyst PUT /api/v1/profiles/other-name "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"reason\"]")" = "the body'"'"'s profile name \"juki\" differs from the path'"'"'s \"other-name\"" ]' "name differs from the path: $last"
bearer analyst PUT /api/v1/profiles/juki -H 'Content-Type: text/plain' --data-binary @"$tmp/juki.json"
check '[ "$code" = 415 ] && [ "$(errcode)" = unsupported_media_type ]' "PUT text/plain: $last"
bearer analyst PUT /api/v1/profiles/juki -H 'Content-Type: text/csv' --data-binary @"$tmp/juki.json"
check '[ "$code" = 415 ]' "PUT text/csv: $last"
bearer analyst PUT /api/v1/profiles/juki "${J[@]}" --data-binary '{"profile": '
check '[ "$code" = 400 ] && [ "$(errcode)" = invalid_json ]' "PUT broken JSON: $last"
head -c 70000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
bearer analyst PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/big.json"
check '[ "$code" = 413 ]' "PUT over the cap: $last"
login t-analyst "$PW" "$tmp/jar"
csrf=$(jq_ 'd["csrf_token"]')
req PUT /api/v1/profiles/juki -b "$tmp/jar" "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 403 ] && [ "$(errcode)" = csrf ]' "session PUT without CSRF: $last"
req PUT /api/v1/profiles/juki -b "$tmp/jar" "${J[@]}" -H "X-CSRF-Token: $csrf" --data-binary @"$tmp/juki2.json"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"]")" = 2 ]' "session PUT with CSRF: $last"

# ---- reads -------------------------------------------------------------------------------
bearer reporter GET /api/v1/profiles
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(\"%s:%d\" % (p[\"name\"], p[\"version\"]) for p in d[\"profiles\"])")" = "juki:2" ]' "list: $last"
bearer uploader GET /api/v1/profiles/juki
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"definition\"][\"fields\"][\"operation\"][\"map\"][\"印刷\"]")" = "2 print" ]' "get newest: $last"
bearer uploader GET '/api/v1/profiles/juki?version=1'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"in_force\"], \"印刷\" in d[\"definition\"][\"fields\"][\"operation\"][\"map\"]")" = "1 False False" ]' "get version 1: $last"
bearer uploader GET '/api/v1/profiles/juki?version=9'
check '[ "$code" = 404 ] && grep -q "profile \\\\\"juki\\\\\" has no version 9" "$tmp/b"' "get a missing version: $last"
bearer uploader GET '/api/v1/profiles/juki?version=x'
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = version ]' "get a bad version: $last"
bearer uploader GET /api/v1/profiles/nosuch
check '[ "$code" = 404 ] && grep -q "no profile \\\\\"nosuch\\\\\" is stored" "$tmp/b"' "get unknown: $last"
bearer analyst GET /api/v1/profiles/juki/versions
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(\"%d:%s:%s\" % (v[\"version\"], v[\"created_by\"], v[\"in_force\"]) for v in d[\"versions\"])")" = "2:t-admin:True 1:t-analyst:False" ]' "versions: $last"
bearer analyst GET /api/v1/profiles/nosuch/versions
check '[ "$code" = 404 ]' "versions of unknown: $last"

# ---- test: a dry run on a sample -----------------------------------------------------------
C=(-H 'Content-Type: text/csv')
bearer uploader POST /api/v1/profiles/juki/test "${C[@]}" --data-binary @"$tmp/juki_sample.csv"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"profile\"], d[\"rows\"], d[\"accepted\"], d[\"rejected\"], len(d[\"events\"]), d[\"events\"][0][\"operation\"]")" = "juki 4 2 2 2 lookup" ]' "test counts: $last"
check '[ "$(jq_ "\" \".join(\"%d:%d:%s\" % (p[\"record\"], p[\"line\"], p[\"column\"]) for p in d[\"problems\"])")" = "4:4:操作日時 5:5:操作区分" ] && grep -q "hour 25" "$tmp/b"' "test problems: $last"
bearer analyst POST /api/v1/profiles/juki/test "${J[@]}" --data-binary '{"a": 1}'
check '[ "$code" = 415 ] && grep -q "Content-Type: text/csv" "$tmp/b"' "test with JSON: $last"
printf 'a,b\n1,2\n' >"$tmp/other.csv"
bearer analyst POST /api/v1/profiles/juki/test "${C[@]}" --data-binary @"$tmp/other.csv"
check '[ "$code" = 422 ] && grep -q "操作日時" "$tmp/b"' "test on a file the profile does not fit: $last"
bearer analyst POST /api/v1/profiles/nosuch/test "${C[@]}" --data-binary @"$tmp/juki_sample.csv"
check '[ "$code" = 404 ]' "test unknown profile: $last"
bearer reporter POST /api/v1/profiles/juki/test "${C[@]}" --data-binary @"$tmp/juki_sample.csv"
check '[ "$code" = 403 ]' "reporter may not test: $last"

# ---- roles and tenants -------------------------------------------------------------------
for who in uploader reporter; do
    bearer "$who" PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/juki.json"
    check '[ "$code" = 403 ] && [ "$(errcode)" = forbidden ]' "$who PUT: $last"
    bearer "$who" DELETE /api/v1/profiles/juki
    check '[ "$code" = 403 ]' "$who DELETE: $last"
done
bearer other GET /api/v1/profiles
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"profiles\"]")" = "[]" ]' "another tenant sees none: $last"
bearer other GET '/api/v1/profiles/juki?tenant=demo'
check '[ "$code" = 403 ]' "another tenant's admin naming demo: $last"
bearer other GET /api/v1/profiles/juki
check '[ "$code" = 404 ]' "another tenant, own store: $last"
bearer other PUT '/api/v1/profiles/juki?tenant=demo' "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 403 ]' "another tenant's admin PUT to demo: $last"
bearer global GET /api/v1/profiles
check '[ "$code" = 400 ]' "global admin without a tenant: $last"
bearer global GET '/api/v1/profiles?tenant=demo'
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"profiles\"])")" = 1 ]' "global admin names demo: $last"
bearer global PUT '/api/v1/profiles/juki?tenant=other' "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"created_by\"]")" = root ]' "global admin stores into other: $last"
bearer other GET /api/v1/profiles/juki/versions
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"versions\"])")" = 1 ]' "other's own store: $last"
req GET /api/v1/profiles
check '[ "$code" = 401 ]' "no credential: $last"

# ---- delete ------------------------------------------------------------------------------
bearer analyst DELETE /api/v1/profiles/juki
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"], d[\"deleted_by\"], d[\"in_force\"]")" = "2 t-analyst False" ]' "delete: $last"
bearer analyst DELETE /api/v1/profiles/juki
check '[ "$code" = 404 ] && grep -q "is already deleted" "$tmp/b"' "delete twice: $last"
bearer analyst GET /api/v1/profiles
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"profiles\"]")" = "[]" ]' "a deleted profile is not listed: $last"
bearer analyst GET '/api/v1/profiles/juki?version=1'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"deleted_by\"]")" = t-analyst ]' "a deleted profile's history stays: $last"
bearer analyst POST /api/v1/profiles/juki/test "${C[@]}" --data-binary @"$tmp/juki_sample.csv"
check '[ "$code" = 404 ] && grep -q "was deleted" "$tmp/b"' "test a deleted profile: $last"
bearer analyst PUT /api/v1/profiles/juki "${J[@]}" --data-binary @"$tmp/juki.json"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"version\"]")" = 3 ]' "stored again after delete: $last"

# ---- the audit log names the routes ------------------------------------------------------
bearer global GET "/api/v1/audit?action=PUT%20%2Fapi%2Fv1%2Fprofiles%2F%7Bname%7D&limit=100"
check '[ "$code" = 200 ] && grep -q "\"target\": *\"other-name\"" "$tmp/b"' "audit of PUT: $last"

serve_stop
finish
