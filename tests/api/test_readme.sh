#!/bin/bash
# tests/api/test_readme.sh -- the README's example block runs as printed.
#
# The "Using it" block walks a city's first period from a generated city
# to a delivered report. It is taken from README.md as it stands, and run
# command by command in an empty directory with a fresh data directory
# and `tenken` on the PATH (the binary under test), as a user who has run
# `cmake --install build` would run it. Every command must succeed; a
# failure shows the command and all that it printed.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/readme.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$tmp/bin" "$tmp/work"
ln -s "$bin" "$tmp/bin/tenken"
unset TENKEN_DATA

# The first ```sh block after "## Using it", its continuation lines joined
# and its shell loops kept whole: one command per entry.
python3 - "$src/README.md" "$tmp/commands" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
block = text[text.index("## Using it"):]
block = block[block.index("```sh\n") + 6:]
block = block[:block.index("```")]
commands, cur, depth = [], "", 0
for line in block.splitlines():
    cur += line[:-1] + " " if line.endswith("\\") else line + "\n"
    if line.endswith("\\"):
        continue
    words = line.split("#")[0].split()
    depth += words.count("do") - words.count("done")
    if depth == 0:
        commands.append(cur)
        cur = ""
assert len(commands) >= 15, commands
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\0".join(commands))
PY

n=0
while IFS= read -r -d '' cmd || [ -n "$cmd" ]; do
    n=$((n + 1))
    (cd "$tmp/work" && PATH="$tmp/bin:$PATH" bash -euo pipefail -c "$cmd") >"$tmp/out" 2>"$tmp/err" && st=0 || st=$?
    last_cmd="README command $n: $cmd"
    check '[ $st = 0 ]' "$(show)"
done <"$tmp/commands"
check '[ $n -ge 15 ]' "the README's block has its commands ($n)"

# What the walk-through promises: a ranked list, an explained item with its
# log rows, a frozen period, scores for every manifest row.
d=$tmp/work/tenken-data/sapporo-kita
check '[ -s "$d/store.db" ] && [ "$(stat -c %a "$d/pseudonym.key")" = 600 ]' "the tenant exists with its key"
try bash -c "cd '$tmp/work' && PATH='$tmp/bin:$PATH' tenken anomalies --tenant sapporo-kita --period 2024-10-01..2024-11-30 --limit 20"
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 21 ]' "20 ranked items after the walk-through: $(show)"
try bash -c "cd '$tmp/work' && PATH='$tmp/bin:$PATH' tenken analyze --tenant sapporo-kita --period 2024-10-01..2024-11-30"
check '[ $st = 1 ] && grep -q "frozen" "$tmp/err"' "the delivered period is frozen: $(show)"
check '[ "$(wc -l <"$tmp/work/scores.csv")" = "$(wc -l <"$tmp/work/city/manifest.csv")" ]' "one score per manifest row"
check '[ -f "$tmp/work/tenken-demo/TENKEN-DEMO" ]' "the demo ran in the directory"

finish
