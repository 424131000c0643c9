#!/bin/bash
# tests/api/test_order.sh -- the analysis of a set of events does not
# depend on the order their files were uploaded in: one city's logs
# ingested forward, in reverse and shuffled (a fixed seed) into three
# copies of one tenant give the same ranked list, the same explanations
# and the same evidence rows.
#
# The copies are made after the master data is imported and before any
# log is ingested (cp -a of the tenant's folder into other data
# directories), so they share the pseudonym key and the master data: the
# pseudonyms in summaries and evidence are comparable, and only the
# upload order differs. What legitimately differs is left out: event and
# upload ids (numbered in upload order) and the data directory that
# explain's text names.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/order.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unset TENKEN_DATA
P=2024-10-01..2024-11-30

must "$bin" gen-city --out "$tmp/city" --seed 5 --staff 30 --residents 1000 \
    --from 2024-06-01 --to 2024-11-30 --quiet
must "$bin" init --data "$tmp/fwd" --tenant c >/dev/null
for kind in staff terminals authorizations assignments overtime media watchlist residents \
    training calendar; do
    map=()
    [ ! -f "$tmp/city/master/$kind.map.json" ] || map=(--profile "$tmp/city/master/$kind.map.json")
    must "$bin" master import --data "$tmp/fwd" --tenant c --kind $kind \
        "$tmp/city/master/$kind.csv" "${map[@]}" --effective 2024-04-01 >/dev/null
done
mkdir "$tmp/rev" "$tmp/shuf"
cp -a "$tmp/fwd/c" "$tmp/rev/c"
cp -a "$tmp/fwd/c" "$tmp/shuf/c"

# The manifest's order (system by system, month by month), its reverse,
# and a shuffle.
tail -n +2 "$tmp/city/manifest.csv" | cut -d, -f1 | sed "s|^|$tmp/city/|" >"$tmp/files.fwd"
tac "$tmp/files.fwd" >"$tmp/files.rev"
python3 -c 'import random, sys; f = sys.stdin.read().split(); random.Random(17).shuffle(f); print("\n".join(f))' \
    <"$tmp/files.fwd" >"$tmp/files.shuf"
check '! cmp -s "$tmp/files.fwd" "$tmp/files.shuf" && [ "$(sort "$tmp/files.fwd")" = "$(sort "$tmp/files.shuf")" ]' \
    "the shuffle is another order of the same files"

for t in fwd rev shuf; do
    mapfile -t files <"$tmp/files.$t"
    must "$bin" ingest --data "$tmp/$t" --tenant c --profile "$tmp/city/profiles/" --quiet "${files[@]}"
    must "$bin" analyze --data "$tmp/$t" --tenant c --period $P >/dev/null
    must "$bin" anomalies --data "$tmp/$t" --tenant c --period $P --format json >"$tmp/$t.json"
done
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$tmp/fwd.json")
check '[ "$n" -ge 10 ]' "the city's list has items to compare: $n"
check '[ "$(sqlite3 "$tmp/fwd/c/store.db" "SELECT group_concat(id) FROM (SELECT id FROM users ORDER BY name)")" != "$(sqlite3 "$tmp/rev/c/store.db" "SELECT group_concat(id) FROM (SELECT id FROM users ORDER BY name)")" ]' \
    "the store's user ids follow upload order, so the test compares differently numbered stores"

# Every item's explanation (JSON) and evidence rows (CSV), and the text
# of the first ten (the same explanation and the first evidence rows, for
# people); then one python3 run leaves out the event and upload ids and
# the data directory the text names. Hundreds of commands: each keeps its
# stderr and a failure shows it.
for t in fwd rev shuf; do
    d=$tmp/$t.items
    mkdir "$d"
    for i in $(seq 1 "$n"); do
        "$bin" explain --data "$tmp/$t" --tenant c --period $P "$i" >"$d/$i.json" 2>"$tmp/err" ||
            bad "explain $i of $t exited $?: $(cat "$tmp/err")"
        "$bin" events --data "$tmp/$t" --tenant c --period $P --item "$i" --format csv \
            >"$d/$i.csv" 2>"$tmp/err" || bad "events --item $i of $t exited $?: $(cat "$tmp/err")"
        [ "$i" -gt 10 ] || "$bin" explain --data "$tmp/$t" --tenant c --period $P --format text \
            "$i" >"$d/$i.txt" 2>"$tmp/err" || bad "explain $i --format text of $t exited $?: $(cat "$tmp/err")"
    done
done
python3 - "$tmp" <<'PY'
import csv, glob, io, json, os, sys
for t in ("fwd", "rev", "shuf"):
    d = os.path.join(sys.argv[1], t + ".items")
    for p in glob.glob(os.path.join(d, "*.txt")):
        text = open(p, encoding="utf-8").read()
        open(p, "w", encoding="utf-8").write(text.replace("--data %s/%s " % (sys.argv[1], t), "--data DATA "))
    for p in glob.glob(os.path.join(d, "*.json")):
        e = json.load(open(p, encoding="utf-8"))
        e["explanation"].pop("evidence", None)
        for f in e.get("findings", []) + e["explanation"].get("findings", []):
            f.pop("evidence", None)
        open(p, "w", encoding="utf-8").write(json.dumps(e, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    for p in glob.glob(os.path.join(d, "*.csv")):
        rows = list(csv.reader(open(p, encoding="utf-8", newline="")))
        drop = {rows[0].index("id"), rows[0].index("upload_id")}
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for r in rows:
            w.writerow([v for i, v in enumerate(r) if i not in drop])
        open(p, "w", encoding="utf-8").write(out.getvalue())
PY
check 'grep -q "^time,system,user,terminal," "$tmp/fwd.items/1.csv"' \
    "the evidence rows keep their content: $(head -2 "$tmp/fwd.items/1.csv")"
for t in rev shuf; do
    check 'cmp -s "$tmp/fwd.json" "$tmp/$t.json"' \
        "anomalies --format json, forward and $t: $(diff "$tmp/fwd.json" "$tmp/$t.json" | head -20)"
    diff -r "$tmp/fwd.items" "$tmp/$t.items" >"$tmp/diff.$t" || true
    check '[ ! -s "$tmp/diff.$t" ]' \
        "explain and events of every item, forward and $t: $(head -40 "$tmp/diff.$t")"
done
finish
