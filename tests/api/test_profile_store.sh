#!/bin/bash
# tests/api/test_profile_store.sh -- `tenken profile add|list|show|history|rm`
# on a tenant's stored profiles, `tenken profile test NAME` and `tenken
# ingest --profile NAME` with a stored profile, and a directory of
# profiles picked by header when no match.filename fits.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/profile-store.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/data
cd "$tmp"

must "$bin" init --tenant demo >/dev/null
cat >"$tmp/juki.json" <<'EOF'
{"profile": "juki", "match": {"filename": "juki_*.csv", "header": ["操作日時", "職員番号"]},
 "system": {"value": "住民基本台帳"},
 "fields": {"time": {"column": "操作日時", "format": "YYYY/MM/DD hh:mm:ss"},
            "user": {"column": "職員番号"},
            "operation": {"column": "操作区分", "map": {"照会": "lookup", "更新": "update"}}}}
EOF
sed 's/"更新": "update"/"更新": "update", "削除": "delete"/' "$tmp/juki.json" >"$tmp/juki2.json"
printf '操作日時,職員番号,操作区分\n2024/10/01 09:00:00,c001,照会\n2024/10/01 09:05:00,c002,削除\n' >"$tmp/juki_2024-10.csv"

# ---- add, list, show, history ------------------------------------------------------------
try "$bin" profile list --tenant demo
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "no profiles stored in tenant demo" ]' "empty list: $(show)"
try "$bin" profile add --tenant demo "$tmp/juki.json"
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "stored profile juki version 1 in tenant demo" ]' "add: $(show)"
try "$bin" profile add --tenant demo "$tmp/juki.json"
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "profile juki unchanged: identical to version 1, in force" ]' "add the same: $(show)"
try "$bin" profile add --tenant demo "$tmp/juki2.json"
check '[ $st = 0 ] && grep -q "^stored profile juki version 2 " "$tmp/out"' "add a change: $(show)"
printf '{"profile": "bad", "system": {"value": "x"}, "fields": {"user": {"column": 1}}}' >"$tmp/bad.json"
try "$bin" profile add --tenant demo "$tmp/bad.json"
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken profile: profile $tmp/bad.json: fields.time: is required" ]' "add invalid: $(show)"
try "$bin" profile list --tenant demo
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 2 ] && grep -Eq "^juki +2  [0-9-]+ [0-9:]+  cli:[^ ]+ +住民基本台帳$" "$tmp/out"' "list: $(show)"
try "$bin" profile list --tenant demo --format json
check '[ $st = 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); p=d[\"profiles\"][0]; assert (p[\"name\"], p[\"version\"], p[\"in_force\"], p[\"systems\"]) == (\"juki\", 2, True, [\"住民基本台帳\"]), d" "$tmp/out"' "list json: $(show)"
try "$bin" profile show --tenant demo juki
check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/juki2.json"' "show newest: $(show)"
try "$bin" profile show --tenant demo juki --version 1
check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/juki.json"' "show version 1: $(show)"
try "$bin" profile show --tenant demo juki --version 3
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken profile: profile \"juki\" has no version 3" ]' "show a missing version: $(show)"
try "$bin" profile show --tenant demo juki --version x
check '[ $st = 2 ] && grep -q "needs a version number" "$tmp/err"' "show a bad version: $(show)"
try "$bin" profile history --tenant demo juki
check '[ $st = 0 ] && [ "$(sed -n 2p "$tmp/out" | grep -c "^      2  .*in force$")" = 1 ] && [ "$(sed -n 3p "$tmp/out" | grep -c "^      1  .*replaced$")" = 1 ]' "history: $(show)"
try "$bin" profile add --tenant demo
check '[ $st = 2 ] && grep -q "profile add expects one PROFILE.json" "$tmp/err"' "add without a file: $(show)"
try "$bin" profile list
check '[ $st = 2 ] && grep -q -- "--tenant is required" "$tmp/err"' "list without a tenant: $(show)"

# ---- test and ingest by a stored name ----------------------------------------------------
try "$bin" profile test juki "$tmp/juki_2024-10.csv" --tenant demo
check '[ $st = 0 ] && grep -q "delete" "$tmp/out"' "profile test NAME: $(show)"
try "$bin" profile test juki "$tmp/juki_2024-10.csv"
check '[ $st = 1 ] && grep -q "cannot read profile juki" "$tmp/err"' "profile test NAME without a tenant: $(show)"
try "$bin" ingest --tenant demo --profile juki "$tmp/juki_2024-10.csv"
check '[ $st = 0 ] && grep -q "^stored .*juki_2024-10.csv" "$tmp/out"' "ingest --profile NAME: $(show)"
check '[ "$("$bin" uploads --tenant demo --format json | python3 -c "import json,sys; print(\" \".join(u[\"profile\"] for u in json.load(sys.stdin)))")" = juki ]' "the upload records the stored profile"
try "$bin" ingest --tenant demo --profile nosuch "$tmp/juki_2024-10.csv"
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken ingest: nosuch: no such profile file, and no profile \"nosuch\" is stored (see '"'"'tenken profile list'"'"')" ]' "ingest --profile unknown: $(show)"

try "$bin" ingest --tenant demo --profile nosuch.json "$tmp/juki_2024-10.csv"
check '[ $st = 1 ] && grep -q "cannot read profile nosuch.json" "$tmp/err"' "a name that is no profile name is a file: $(show)"

# ---- a directory: by file name, else by header -------------------------------------------
mkdir "$tmp/profiles"
cp "$tmp/juki2.json" "$tmp/profiles/juki.json"
cat >"$tmp/profiles/juki-b.json" <<'EOF'
{"profile": "juki-b", "match": {"header": ["日時"]}, "system": {"value": "住民基本台帳"},
 "fields": {"time": {"column": "日時", "format": "YYYY/MM/DD hh:mm:ss"},
            "user": {"column": "職員"}, "operation": {"column": "操作"}}}
EOF
cp "$tmp/juki_2024-10.csv" "$tmp/export.csv"
printf '\n' >>"$tmp/export.csv"
try "$bin" ingest --tenant demo --profile "$tmp/profiles" "$tmp/export.csv"
check '[ $st = 0 ] && grep -q "^stored .*export.csv" "$tmp/out"' "a directory picks by header: $(show)"
printf 'a,b\n' >"$tmp/other.csv"
try "$bin" ingest --tenant demo --profile "$tmp/profiles" "$tmp/other.csv"
check '[ $st = 1 ] && grep -q "no profile.s match.filename or match.header matches this file (profiles: juki" "$tmp/out"' "a directory, nothing fits: $(show)"

# ---- rm ----------------------------------------------------------------------------------
try "$bin" profile rm --tenant demo juki
check '[ $st = 0 ] && grep -q "^deleted profile juki (version 2 was in force)" "$tmp/out"' "rm: $(show)"
try "$bin" profile rm --tenant demo juki
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken profile: profile \"juki\" is already deleted" ]' "rm twice: $(show)"
try "$bin" profile list --tenant demo
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "no profiles stored in tenant demo" ]' "list after rm: $(show)"
try "$bin" profile history --tenant demo juki
check '[ $st = 0 ] && [ "$(grep -c "deleted .* by cli:" "$tmp/out")" = 2 ]' "history after rm: $(show)"
try "$bin" ingest --tenant demo --profile juki "$tmp/juki_2024-10.csv"
check '[ $st = 1 ] && grep -q "was deleted" "$tmp/err"' "ingest a deleted profile: $(show)"

finish
