#!/bin/bash
# tests/api/test_demo.sh -- `tenken demo` builds a whole tenant from a
# generated city, can be run again, and never deletes a directory it did
# not make.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

unset TENKEN_DATA
out=$(must "$bin" demo --dir "$tmp/d" --staff 40 --residents 2000)
files=$(($(wc -l <"$tmp/d/city/manifest.csv") - 1))
check 'grep -q "$files of $files files stored" <<<"$out"' "every manifest file stored: $out"
rows=$(python3 -c "import csv,sys; print(sum(int(r['rows']) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8'))))" "$tmp/d/city/manifest.csv")
db=$tmp/d/data/demo/store.db
check '[ "$(sqlite3 "$db" "SELECT sum(n) FROM event_blocks")" = "$rows" ]' "event count equals the manifest's rows ($rows)"
check '[ "$(sqlite3 "$db" "SELECT count(*) FROM uploads WHERE status=\"stored\"")" = "$files" ]' "one stored upload per file"
check '[ "$(sqlite3 "$db" "SELECT count(DISTINCT kind) FROM master_versions")" -ge 9 ]' "all master kinds imported"
check '[ "$(sqlite3 "$db" "SELECT count(DISTINCT name) FROM systems")" -ge 20 ]' "about 20 systems"
check '[ "$(sqlite3 "$db" "SELECT count(DISTINCT encoding) FROM uploads")" -ge 2 ]' "several encodings detected"
list=$("$bin" uploads --data "$tmp/d/data" --tenant demo --format json)
check 'python3 -c "import json,sys; u=json.load(sys.stdin); assert len(u)==$files and all(x[\"status\"]==\"stored\" for x in u)" <<<"$list"' "uploads json lists every file"

# The data directory is not the default: every command the demo prints
# names it, and runs as printed.
check 'grep -qx "  tenken events --data $tmp/d/data --tenant demo --period 2024-10-01..2024-11-30 --item 1" <<<"$out"' "commands name the data directory: $out"
check '! grep -E "^  tenken (anomalies|explain|events|uploads|master) " <<<"$out" | grep -vq -- "--data $tmp/d/data "' "every store command has --data: $out"
PATH=$(dirname "$bin"):$PATH
while read -r cmd; do
    try bash -c "$cmd"
    check '[ $st = 0 ] && [ -s "$tmp/out" ]' "a command the demo printed runs: $(show)"
done < <(grep -E "^  tenken " <<<"$out" | sed 's/^  //')
check '"$bin" --help | grep -qE "^  demo +a synthetic city generated, ingested, analysed and explained$"' "the command list says demo analyses"

# A second run recreates the demo.
must "$bin" demo --dir "$tmp/d" --staff 40 --residents 2000 >/dev/null
check '[ "$(sqlite3 "$db" "SELECT count(*) FROM uploads")" = "$files" ]' "demo runs again from scratch"

# A directory that is not a demo is left alone.
mkdir -p "$tmp/precious" && echo keep >"$tmp/precious/file"
try "$bin" demo --dir "$tmp/precious"
check '[ $st = 1 ] && grep -q "is not a previous demo" "$tmp/err" && [ -f "$tmp/precious/file" ]' "a foreign directory is refused and kept: $(show)"
check '"$bin" demo --help | grep -q "usage: tenken demo"' "demo --help"

finish
