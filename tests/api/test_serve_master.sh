#!/bin/bash
# tests/api/test_serve_master.sh -- the master data routes of `tenken
# serve` over TLS: import good and bad files (422 with file, line and
# column, nothing stored; unknown kind; duplicate; body limit; a busy
# tenant, its held import listed in progress), mapping profiles stored
# through /api/v1/profiles and used by ?profile= (and by `tenken master
# import --profile NAME`), list (?kind=), read a version and its rows (paged), each
# route's allow/deny for every role, a global admin with ?tenant= and an
# account of another tenant, every answer against docs/openapi.yaml; then
# `tenken master list` names the importer.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/serve-master.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh"
export TENKEN_DATA=$tmp/data
src=${TK_SOURCE_DIR:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

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

printf '職員ID,氏名,所属,係,在職区分,アカウント\n100001,山田太郎,市民課,窓口係,在職,yamada;CITY\\yamada-t\n100002,鈴木花子,税務課,,休職,suzuki-h\n100003,佐藤次郎,福祉課,,在職,\n' >"$tmp/staff.csv"
printf '端末名,IPアドレス,所属,種別\nPC-001,10.0.0.1,市民課,特定個人情報\nPC-002,10.0.0.2;10.0.0.3,税務課,一般\n' >"$tmp/terminals.csv"
printf '職員ID,氏名,所属,在職区分\n200001,A,市民課,在職\n200002,B,市民課,転勤\n200003,C,,在職\n' >"$tmp/bad.csv"

serve_cert
serve_start --threads 2 --upload-max 4096
schema_log=$tmp/answers.tsv # every answer is checked against docs/openapi.yaml below
CSV=(-H 'Content-Type: text/csv')
post() { # WHO PATH-AND-QUERY FILE
    bearer "$1" POST "$2" "${CSV[@]}" --data-binary @"$3"
}

# ---- import ------------------------------------------------------------------------------
post analyst '/api/v1/master/staff?name=staff.csv&effective=2024-04-01' "$tmp/staff.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"id\"], d[\"kind\"], d[\"effective_from\"], d[\"rows\"], d[\"encoding\"], d[\"warning\"]")" = "1 staff 2024-04-01 3 utf-8 None" ] && grep -qi "^Location: /api/v1/master/staff/1" "$tmp/h"' "staff import: $last"
sha=$(sha256sum "$tmp/staff.csv" | cut -d' ' -f1)
check '[ "$(jq_ "d[\"sha256\"]")" = "$sha" ]' "the import's sha256 is the body's: $last"
post admin '/api/v1/master/terminals?name=terminals.csv&effective=2024/04/01' "$tmp/terminals.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"id\"], d[\"kind\"], d[\"rows\"]")" = "2 terminals 2" ]' "terminals import by an admin: $last"
post analyst '/api/v1/master/staff?name=bad.csv&effective=2024-05-01' "$tmp/bad.csv"
check '[ "$code" = 422 ] && [ "$(errcode)" = unprocessable ] && [ "$(jq_ "d[\"error\"][\"details\"][\"reason\"]")" = "bad.csv: record 3 (line 3), column 在職区分: \"転勤\": expected 在職, 休職 or 退職 (and 1 more bad row)" ]' "bad rows: 422 with file, line, column and what was expected: $last"
try "$bin" master import --tenant demo --kind staff --effective 2024-05-01 "$tmp/bad.csv"
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken master: bad.csv: record 3 (line 3), column 在職区分: \"転勤\": expected 在職, 休職 or 退職 (and 1 more bad row)" ]' "the CLI prints the same message: $(show)"
post analyst '/api/v1/master/staff?name=staff.csv&effective=2024-04-01' "$tmp/staff.csv"
check '[ "$code" = 409 ] && grep -q "staff.csv is already imported: staff version 1 effective 2024-04-01" "$tmp/b"' "the same file again: $last"
post analyst '/api/v1/master/people?name=x.csv' "$tmp/staff.csv"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = kind ] && grep -q "unknown kind .people. (kinds: staff, terminals, authorizations, assignments, overtime, media, watchlist, residents, training, calendar, holidays)" "$tmp/b"' "unknown kind lists the kinds: $last"
post analyst '/api/v1/master/staff?effective=2024-04-01' "$tmp/staff.csv"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = name ]' "no name: $last"
post analyst '/api/v1/master/staff?name=s.csv&effective=2024-13-01' "$tmp/staff.csv"
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = effective ] && grep -q "2024-13-01" "$tmp/b"' "bad effective date: $last"
post analyst '/api/v1/master/staff?name=s.csv&profile=staff-map' "$tmp/staff.csv"
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = profile ] && grep -q "staff-map" "$tmp/b"' "an unknown mapping profile: 422 naming it: $last"
bearer analyst POST '/api/v1/master/staff?name=s.csv' -H 'Content-Type: application/json' --data-binary '{}'
check '[ "$code" = 415 ]' "not CSV: $last"
{ head -1 "$tmp/staff.csv"; for i in $(seq 100 400); do echo "3$i,N$i,市民課,,在職,a$i"; done; } >"$tmp/big.csv"
# A body a little over the limit is read to its end before the 413: the
# client gets the answer, never a broken pipe, on every try.
for try in 1 2 3; do
    post analyst '/api/v1/master/staff?name=big.csv&effective=2024-06-01' "$tmp/big.csv"
    check '[ "$code" = 413 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"limit\"]")" = 4096 ]' "over the upload limit (try $try): $last"
done
bearer analyst POST '/api/v1/master/staff?name=big.csv&effective=2024-06-01' "${CSV[@]}" -H 'Transfer-Encoding: chunked' -T "$tmp/big.csv"
check '[ "$code" = 413 ]' "a chunked body over the limit is cut: $last"

# A busy tenant: an import held open by the client, then another writer.
mkfifo "$tmp/gate"
{ head -2 "$tmp/staff.csv"; cat "$tmp/gate" >/dev/null; tail -n +3 "$tmp/staff.csv"; } |
    curl -sS --cacert "$tmp/cert.pem" -o "$tmp/slow.json" -w '%{http_code}' \
    -H "Authorization: Bearer ${tok[analyst]}" "${CSV[@]}" -H 'Transfer-Encoding: chunked' \
    -X POST -T - "$base/api/v1/master/staff?name=slow.csv&effective=2024-07-01" >"$tmp/slow.code" &
slow=$!
# Until the held import has the tenant's writer lock (its holder is
# written into write.lock), then one other writer.
for _ in $(seq 300); do
    grep -qs slow.csv "$TENKEN_DATA/demo/write.lock" && break
    sleep 0.1
done
post admin '/api/v1/master/terminals?name=t2.csv&effective=2024-07-01' "$tmp/terminals.csv"
check '[ "$code" = 409 ] && grep -q "slow.csv" "$tmp/b"' "another writer holds the tenant: 409 naming it: $last"
# The held import is listed as in progress, as an upload is, with the
# bytes and rows received so far.
for _ in $(seq 100); do
    bearer analyst GET /api/v1/uploads
    [ "$(jq_ 'len(d["in_progress"]) > 0 and d["in_progress"][0]["rows"] > 0')" = True ] && break
    sleep 0.1
done
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(\"%s:%s:%s:%s:%s\" % (p[\"kind\"], p[\"file\"], p[\"account\"], p[\"bytes_received\"] > 0, p[\"rows\"]) for p in d[\"in_progress\"])")" = "master:slow.csv:t-analyst:True:1" ]' "the held import is in progress under the uploads: $last"
bearer reporter GET /api/v1/master
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"in_progress\"]), d[\"in_progress\"][0][\"file\"], d[\"in_progress\"][0][\"kind\"]")" = "1 slow.csv master" ]' "and under the master list: $last"
echo go >"$tmp/gate"
wait "$slow" || true
check '[ "$(cat "$tmp/slow.code")" = 201 ] && grep -q "\"rows\": *3" "$tmp/slow.json"' "the held import completes: $(cat "$tmp/slow.code") $(cat "$tmp/slow.json")"

# ---- list and read -----------------------------------------------------------------------
bearer reporter GET /api/v1/master
check '[ "$code" = 200 ] && [ "$(jq_ "\" \".join(\"%s:%s:%s:%s\" % (v[\"id\"], v[\"kind\"], v[\"imported_by\"], v[\"file\"]) for v in d[\"versions\"])")" = "1:staff:t-analyst:staff.csv 3:staff:t-analyst:slow.csv 2:terminals:t-admin:terminals.csv" ] && [ "$(jq_ "len(d[\"in_progress\"])")" = 0 ]' "list, nothing in progress: $last"
bearer analyst GET '/api/v1/master?kind=terminals'
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"versions\"]), d[\"versions\"][0][\"rows\"], d[\"versions\"][0][\"sha256\"] != \"\"")" = "1 2 True" ]' "list of a kind: $last"
bearer analyst GET '/api/v1/master?kind=people'
check '[ "$code" = 400 ] && grep -q "kinds: staff, terminals" "$tmp/b"' "list of an unknown kind: $last"
bearer reporter GET '/api/v1/master/staff/1?limit=2'
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"][\"imported_by\"], d[\"limit\"], len(d[\"rows\"]), d[\"rows\"][0][\"line\"], d[\"rows\"][0][\"staff_id\"], d[\"rows\"][0][\"name\"], d[\"rows\"][0][\"status\"], d[\"rows\"][0][\"account\"], d[\"rows\"][1][\"section\"]")" = "t-analyst 2 2 2 100001 山田太郎 active CITY\\yamada-t;yamada None" ]' "a version's first page: $last"
bearer reporter GET '/api/v1/master/staff/1?limit=2&offset=2'
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"rows\"]), d[\"rows\"][0][\"line\"], d[\"rows\"][0][\"staff_id\"], d[\"offset\"]")" = "1 4 100003 2" ]' "the next page: $last"
bearer analyst GET /api/v1/master/terminals/2
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"rows\"][1][\"ip\"], d[\"rows\"][0][\"kind\"]")" = "10.0.0.2;10.0.0.3 mynumber" ]' "terminal rows: $last"
bearer analyst GET /api/v1/master/terminals/1
check '[ "$code" = 404 ]' "a version of another kind: $last"
bearer analyst GET /api/v1/master/staff/99
check '[ "$code" = 404 ] && grep -q "no master data version 99" "$tmp/b"' "unknown version: $last"
bearer analyst GET /api/v1/master/staff/abc
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = version ]' "bad version: $last"
bearer analyst GET /api/v1/master/people/1
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = kind ]' "read of an unknown kind: $last"
bearer analyst GET '/api/v1/master/staff/1?limit=5000'
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = limit ]' "limit too large: $last"

# ---- roles, tenants ----------------------------------------------------------------------
bearer uploader GET /api/v1/master
check '[ "$code" = 403 ]' "an uploader does not read master data: $last"
bearer uploader GET /api/v1/master/staff/1
check '[ "$code" = 403 ]' "nor a version: $last"
post uploader '/api/v1/master/staff?name=u.csv&effective=2024-08-01' "$tmp/staff.csv"
check '[ "$code" = 403 ]' "an uploader does not import master data: $last"
post reporter '/api/v1/master/staff?name=u.csv&effective=2024-08-01' "$tmp/staff.csv"
check '[ "$code" = 403 ]' "nor does a reporter: $last"
bearer other GET /api/v1/master
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"versions\"])")" = 0 ]' "another tenant's admin sees its own tenant: $last"
bearer other GET '/api/v1/master?tenant=demo'
check '[ "$code" = 403 ]' "another tenant's account naming demo: $last"
bearer other GET /api/v1/master/staff/1
check '[ "$code" = 404 ]' "version 1 is not the other tenant's: $last"
post other '/api/v1/master/staff?name=staff.csv&tenant=demo' "$tmp/staff.csv"
check '[ "$code" = 403 ]' "another tenant's account cannot import into demo: $last"
bearer global GET /api/v1/master
check '[ "$code" = 400 ]' "a global admin names a tenant: $last"
bearer global GET '/api/v1/master?tenant=demo'
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"versions\"])")" = 3 ]' "a global admin with ?tenant=: $last"
bearer global GET '/api/v1/master/staff/1?tenant=demo'
check '[ "$code" = 200 ]' "a global admin reads a version: $last"
post global '/api/v1/master/terminals?name=terminals.csv&effective=2024-09-01&tenant=other' "$tmp/terminals.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"kind\"]")" = terminals ]' "a global admin imports into another tenant: $last"

# ---- mapping profiles stored in the tenant ---------------------------------------------------
JSON=(-H 'Content-Type: application/json')
versions() { sqlite3 "$TENKEN_DATA/demo/store.db" "SELECT count(*) FROM master_versions"; }
tmap='{"profile":"term-map","kind":"terminals","fields":{"terminal":{"column":"ホスト名"},"ip":{"column":"IPアドレス一覧"},"dept":{"column":"部署"},"kind":{"column":"区分","map":{"マイナンバー":"特定個人情報"}}}}'
bearer analyst PUT /api/v1/profiles/term-map "${JSON[@]}" --data-binary "$tmap"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"kind\"], d[\"master_kind\"], d[\"version\"], d[\"created_by\"]")" = "mapping terminals 1 t-analyst" ]' "a mapping profile stored: $last"
bearer reporter GET '/api/v1/profiles?kind=mapping'
check '[ "$code" = 200 ] && [ "$(jq_ "\",\".join(p[\"name\"] + \":\" + p[\"master_kind\"] for p in d[\"profiles\"])")" = term-map:terminals ]' "listed with ?kind=mapping: $last"
bearer reporter GET /api/v1/profiles
check '[ "$code" = 200 ] && [ "$(jq_ "len(d[\"profiles\"])")" = 0 ]' "not among the source profiles: $last"
bearer reporter GET '/api/v1/profiles?kind=other'
check '[ "$code" = 400 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = kind ]' "an unknown kind of profile: $last"
bearer reporter GET /api/v1/profiles/term-map
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"kind\"], d[\"definition\"][\"kind\"]")" = "mapping terminals" ]' "read with its definition: $last"
printf 'ホスト名,IPアドレス一覧,部署,区分\nPC-101,10.1.0.1,市民課,マイナンバー\nPC-102,10.1.0.2,税務課,一般\n' >"$tmp/hosts.csv"
post analyst '/api/v1/master/terminals?name=hosts.csv&effective=2024-10-01&profile=term-map' "$tmp/hosts.csv"
check '[ "$code" = 201 ] && [ "$(jq_ "d[\"kind\"], d[\"rows\"]")" = "terminals 2" ]' "an import with the stored mapping: $last"
vid=$(jq_ 'd["id"]')
bearer analyst GET "/api/v1/master/terminals/$vid"
check '[ "$code" = 200 ] && [ "$(jq_ "d[\"version\"][\"mapping\"], d[\"rows\"][0][\"terminal\"], d[\"rows\"][0][\"ip\"], d[\"rows\"][0][\"kind\"], d[\"rows\"][1][\"kind\"]")" = "term-map PC-101 10.1.0.1 mynumber general" ]' "the version names its mapping, its rows mapped: $last"
n0=$(versions)
bearer analyst PUT /api/v1/profiles/bad-map "${JSON[@]}" --data-binary '{"profile":"bad-map","kind":"terminals","fields":{"terminal":{"column":"ホスト名"},"ip":{"column":"IP","map":["x"]}}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"path\"]")" = fields.ip.map ] && grep -q "fields.ip.map must be an object" "$tmp/b"' "a bad mapping: 422 with the key at fault: $last"
bearer analyst PUT /api/v1/profiles/bad-map "${JSON[@]}" --data-binary '{"profile":"bad-map","kind":"terminals","fields":{"staff_id":{"column":"ID"}}}'
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"path\"]")" = fields.staff_id ] && grep -q "not a column of terminals" "$tmp/b"' "a column the kind lacks: 422 naming it: $last"
bearer analyst GET /api/v1/profiles/bad-map
check '[ "$code" = 404 ]' "no bad mapping stored: $last"
bearer analyst PUT /api/v1/profiles/term-map "${JSON[@]}" --data-binary '{"profile":"term-map","system":{"value":"x"},"fields":{"time":{"column":"t","format":"YYYY-MM-DD hh:mm:ss"},"user":{"column":"u"},"operation":{"value":"lookup"}}}'
check '[ "$code" = 409 ] && grep -q "is a mapping profile" "$tmp/b"' "a name keeps its kind: $last"
post analyst '/api/v1/master/terminals?name=hosts2.csv&effective=2024-10-02&profile=nosuch' "$tmp/hosts.csv"
check '[ "$code" = 422 ] && [ "$(jq_ "d[\"error\"][\"details\"][\"parameter\"]")" = profile ] && grep -q "no profile ..nosuch.. is stored" "$tmp/b"' "an unknown mapping: 422: $last"
post analyst '/api/v1/master/staff?name=hosts2.csv&effective=2024-10-02&profile=term-map' "$tmp/hosts.csv"
check '[ "$code" = 422 ] && grep -q "maps terminals master data, not staff" "$tmp/b"' "a mapping of another kind: 422: $last"
printf 'ホスト名,IPアドレス一覧,部署,区分\nPC-103,10.1.0.3,市民課,不明\nPC-104,10.1.0.4,市民課,一般\n' >"$tmp/hosts_bad.csv"
post analyst '/api/v1/master/terminals?name=hosts_bad.csv&effective=2024-10-03&profile=term-map' "$tmp/hosts_bad.csv"
check '[ "$code" = 422 ] && grep -q "hosts_bad.csv: record 2 (line 2), column 区分" "$tmp/b"' "a bad row under the mapping: 422 with the line: $last"
printf '端末,IP\nPC-105,10.1.0.5\n' >"$tmp/hosts_hdr.csv"
post analyst '/api/v1/master/terminals?name=hosts_hdr.csv&effective=2024-10-04&profile=term-map' "$tmp/hosts_hdr.csv"
check '[ "$code" = 422 ] && grep -q "ホスト名" "$tmp/b"' "a file the mapping does not fit: 422 naming the column: $last"
check '[ "$(versions)" = "$n0" ]' "nothing stored by the refused imports: $(versions), was $n0"
serve_stop
schema_log=
try python3 "$here/openapi_check.py" "$src/docs/openapi.yaml" "$tmp/answers.tsv"
check '[ $st = 0 ] && grep -q "^[0-9]* answers valid$" "$tmp/out"' "every answer validates against docs/openapi.yaml: $(show)"

# ---- the CLI imports with a stored mapping, and names the importer ------------------------
printf 'ホスト名,IPアドレス一覧,部署,区分\nPC-201,10.2.0.1,市民課,一般\n' >"$tmp/hosts3.csv"
try "$bin" master import --tenant demo --kind terminals --profile term-map --effective 2024-11-01 "$tmp/hosts3.csv"
check '[ $st = 0 ] && grep -q "imported .*hosts3.csv: 1 rows as terminals" "$tmp/out"' "master import --profile NAME takes the stored mapping: $(show)"
try "$bin" master import --tenant demo --kind terminals --profile nosuch-map --effective 2024-11-02 "$tmp/hosts3.csv"
check '[ $st = 1 ] && grep -q "nosuch-map: no such mapping file" "$tmp/err"' "an unknown stored mapping: $(show)"
try "$bin" profile list --tenant demo
check '[ $st = 0 ] && grep -q "^term-map  *1 .* t-analyst  *terminals$" "$tmp/out"' "profile list shows the mapping profiles: $(show)"

# ---- the CLI names the importer ----------------------------------------------------------
must "$bin" master import --tenant demo --kind staff --effective 2024-09-01 "$tmp/big.csv" >/dev/null
try "$bin" master list --tenant demo --kind staff
me=$(id -un 2>/dev/null || echo "uid$(id -u)")
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q "^  id  kind .* imported .* by .* file" && grep -q "^   1  staff *2024-04-01 .* t-analyst *staff.csv *3 " "$tmp/out" && grep -q " cli:$me *big.csv *301 " "$tmp/out"' "master list shows who imported: $(show)"
try "$bin" master list --tenant other
check '[ $st = 0 ] && grep -q " root *terminals.csv" "$tmp/out"' "the global admin's import: $(show)"
finish
