#!/bin/bash
# tests/api/test_regex.sh -- a profile's regex transforms cannot exhaust
# memory or time: `tenken profile test` under a memory limit and a time
# limit, with the patterns that used to take 24 GB (a{1000}{1000}{1000}) or
# more than 30 s per row ((a+)+$ on a 500,000-character value), with a
# back-reference, and with a pattern whose match runs out of its step
# budget. Sanitizer builds reserve terabytes of address space and cannot
# run under `ulimit -v`; there only the time limit applies.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/regex.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# bounded CMD...: runs CMD with `ulimit -v 400000` (400 MB) and a 30 s bound.
bounded() {
    if [ -n "${TK_SANITIZE:-}" ]; then
        try timeout -s KILL 30 "$@"
    else
        try bash -c 'ulimit -v 400000 && exec timeout -s KILL 30 "$@"' bounded "$@"
    fi
}

# profile FILE REGEX: a profile whose user is column u after the regex.
profile() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
json.dump({"profile": "regex-test", "system": {"value": "住民基本台帳"},
           "fields": {"time": {"column": "t", "format": "iso8601"},
                      "user": {"column": "u", "transform": [{"regex": sys.argv[2]}]},
                      "operation": {"value": "lookup"}}},
          open(sys.argv[1], "w"), ensure_ascii=False)
EOF
}

python3 - "$tmp/long.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("t,u\n")
    f.write("2024-10-01T09:00:00," + "a" * 500000 + "\n")
    f.write("2024-10-01T09:00:01,679661_山田たろう\n")
EOF

# --- refused when the profile is loaded ---------------------------------------
profile "$tmp/dup.json" 'a{1000}{1000}{1000}'
bounded "$bin" profile test "$tmp/dup.json" "$tmp/long.csv"
check '[ $st = 1 ] && grep -qx "tenken profile: profile $tmp/dup.json: fields.user.transform\[0\].regex: repetition count 1000 at character 2 is more than 255" "$tmp/err"' \
    "a{1000}{1000}{1000} is refused at once: $(show)"

profile "$tmp/big.json" '^(x{255}){255}'
bounded "$bin" profile test "$tmp/big.json" "$tmp/long.csv"
check '[ $st = 1 ] && grep -qF "fields.user.transform[0].regex: regex too large after expanding repetitions (65537 > 10000 instructions)" "$tmp/err"' \
    "a pattern that expands past 10000 instructions is refused: $(show)"

profile "$tmp/backref.json" '^(a)\1'
bounded "$bin" profile test "$tmp/backref.json" "$tmp/long.csv"
check '[ $st = 1 ] && grep -qF "fields.user.transform[0].regex: \1 at character 5: backreferences are not supported (profiles use POSIX extended regexes without back-references)" "$tmp/err"' \
    "a back-reference is refused: $(show)"

profile "$tmp/escape.json" '^\d+_'
bounded "$bin" profile test "$tmp/escape.json" "$tmp/long.csv"
check '[ $st = 1 ] && grep -qF "fields.user.transform[0].regex: unsupported escape \d at character 2" "$tmp/err"' \
    "\\d is refused rather than read as d: $(show)"

# --- matching work is bounded -------------------------------------------------
profile "$tmp/nested.json" '(a+)+$'
bounded "$bin" profile test "$tmp/nested.json" "$tmp/long.csv" --rows 0
check '[ $st = 1 ] && grep -qF "long.csv: 2 rows, 1 with problems" "$tmp/out"' \
    "(a+)+\$ on 500,000 characters ends in time: $(show)"
check 'grep -qF "problem: record 3 (line 3): column u (user): \"679661_山田たろう\": does not match the regular expression (a+)+\$" "$tmp/out"' \
    "the other row does not match: $(show)"

profile "$tmp/budget.json" '^(a*){200}$'
bounded "$bin" profile test "$tmp/budget.json" "$tmp/long.csv" --rows 0
check '[ $st = 1 ] && grep -qF "the regular expression ^(a*){200}\$ takes more than 10000000 steps on this value of 500000 bytes" "$tmp/out"' \
    "a match that needs too much work is a row error: $(show)"

# --- what profiles use keeps working --------------------------------------------
profile "$tmp/capture.json" '^([0-9]+)_([ぁ-ん]|山|田)+$'
bounded "$bin" profile test "$tmp/capture.json" "$tmp/long.csv" --format json
check '[ $st = 1 ] && grep -qF "\"user\":\"679661\"" "$tmp/out"' \
    "the first group is the value, Japanese classes match whole characters: $(show)"

finish
