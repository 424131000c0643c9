#!/bin/bash
# tests/browser/test_ui.sh -- the web UI in a real browser: a small city
# (the demo's), `tenken serve` over TLS on loopback with one account per
# role, and tests/browser/ui.test.mjs driving Debian's Chromium through
# playwright-core: login by role, upload with progress, a rejected file's
# row-level error, the ranked cases, a case's explanation, triage that
# survives a reload, a rule preview, and no request leaving 127.0.0.1.
# Screenshots of every page go to $TK_TEST_TMP/screenshots/.
#
# Exits 77 (ctest SKIP) only when chromium or tests/browser/node_modules
# is missing; .ci/deps installs both, so in CI it runs.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$src/tests/browser
chromium=${TK_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    echo "SKIP: no Chromium at $chromium (apt install chromium, or set TK_CHROMIUM)"
    exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
    echo "SKIP: node or $here/node_modules/playwright-core missing (npm ci --prefix tests/browser)"
    exit 77
fi
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/ui.XXXXXX")
export TENKEN_DATA=$tmp/d/data
source "$src/tests/api/lib.sh"
source "$src/tests/api/serve_lib.sh"
trap 'serve_stop; rm -rf "$tmp"' EXIT
shots=${TK_TEST_TMP:-$tmp}/screenshots
rm -rf "$shots"
mkdir -p "$shots"

# ---- a small city: the demo's, smaller, analysed -----------------------------------
must "$bin" demo --dir "$tmp/d" --staff 60 --residents 3000 --volume 40 >/dev/null
for role in uploader analyst reporter admin; do
    serve_adduser "ui-$role" "$role" demo
done
serve_adduser ui-locked reporter demo
profile='{"profile":"juki-test","match":{"filename":"juki_test*.csv"},"system":{"value":"住民基本台帳"},
 "fields":{"time":{"column":"操作日時","format":"YYYY/MM/DD hh:mm:ss"},
 "user":{"column":"職員ID","transform":[{"strip_prefix":"c"}]},"terminal":{"column":"端末"},
 "operation":{"column":"操作","map":{"照会":"lookup","更新":"update"}},
 "subject":{"column":"宛名番号"},"detail":{"column":"備考"}}}'
printf '%s\n' "$profile" >"$tmp/juki-test.json"
must "$bin" profile add --tenant demo "$tmp/juki-test.json" >/dev/null
# A good file of about 3 MB (the progress bar has something to show) and
# one whose second data row has a month 13.
python3 "$src/tests/api/gen_upload.py" 3000000 >"$tmp/juki_test_good.csv"
printf '操作日時,職員ID,端末,操作,宛名番号,備考\r\n2024/10/01 09:00:00,c1,PC01,照会,1,\r\n2024/13/45 09:00:00,c1,PC01,照会,1,\r\n' >"$tmp/juki_test_bad.csv"

serve_cert
serve_start
# The UI's own answers: index.html and an asset, with the UI's policy.
req GET /
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/html; charset=utf-8" "$tmp/h" && grep -q "/ui/app.js" "$tmp/b"' "GET / is the UI: $last"
check 'grep -qi "^Content-Security-Policy: default-src .none.; script-src .self.; style-src .self.;" "$tmp/h"' "the UI's CSP: $(cat "$tmp/h")"

export TK_UI_BASE=$base TK_UI_PASSWORD=$PW TK_UI_SHOTS=$shots TK_CHROMIUM=$chromium \
    TK_UI_GOOD=$tmp/juki_test_good.csv TK_UI_BAD=$tmp/juki_test_bad.csv
try node "$here/ui.test.mjs"
cat "$tmp/out"
check '[ $st = 0 ]' "ui.test.mjs failed (exit $st): $(cat "$tmp/err")"
check '[ "$(ls "$shots"/*.png | wc -l)" -ge 10 ]' "screenshots in $shots: $(ls "$shots")"
serve_stop
# The server ended cleanly: nothing in its error log but the usual lines.
check '! grep -qi "sanitizer\|internal" "$tmp/serve.err"' "server errors: $(cat "$tmp/serve.err")"
finish
