#!/bin/bash
# tests/api/test_messages.sh -- what tenken says when something is wrong or
# surprising: whole messages (never cut inside a character), the allowed
# values named, the cause of an encoding failure, warnings about data that
# will not count, quiet commands that are quiet and a profile test that
# reads like a finished table.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/messages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- a profile that says UTF-8 for a CP932 file --------------------------------
cat >"$tmp/utf8.json" <<'EOF'
{
  "profile": "juki-utf8",
  "encoding": "utf-8",
  "system": { "value": "住民基本台帳" },
  "fields": {
    "time": { "column": "time", "format": "YYYY/MM/DD hh:mm:ss" },
    "user": { "column": "user" },
    "operation": { "column": "op", "map": { "照会": "lookup" } }
  }
}
EOF
python3 - "$tmp" <<'EOF'
import sys
d = sys.argv[1]
rows = "time,user,op\r\n2024/11/01 10:00:00,c01,lookup\r\n2024/11/01 10:00:01,髙橋,照会\r\n"
open(d + "/juki_sjis.csv", "wb").write(rows.encode("cp932"))
EOF
must "$bin" init --tenant city >/dev/null
want="juki_sjis.csv: not valid UTF-8 (byte 0xee at line 3, column 2); the file decodes as CP932: drop the profile's encoding setting or set it to cp932"
try "$bin" profile test "$tmp/utf8.json" "$tmp/juki_sjis.csv"
check '[ $st = 1 ] && grep -qF "$want" "$tmp/err"' "profile test names the encoding: $(show)"
try "$bin" ingest --tenant city --profile "$tmp/utf8.json" "$tmp/juki_sjis.csv"
check '[ $st = 1 ] && grep -qF "rejected $tmp/juki_sjis.csv  not valid UTF-8 (byte 0xee at line 3, column 2); the file decodes as CP932" "$tmp/out"' \
    "ingest names the encoding: $(show)"
check '[ "$(sqlite3 "$TENKEN_DATA/city/store.db" "SELECT status FROM uploads")" = rejected ]' \
    "the misfit is recorded as rejected"

finish
