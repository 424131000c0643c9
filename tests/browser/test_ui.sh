#!/bin/bash
# tests/browser/test_ui.sh -- the web UI in a real browser: a small city
# (the demo's), `tenken serve` over TLS on loopback with one account per
# role, and tests/browser/ui.test.mjs driving Debian's Chromium through
# playwright-core: login by role, upload with progress, a rejected file's
# row-level error, the city's answer to a confirmation request, the ranked
# cases, a case's explanation, triage that survives a reload, a rule
# preview, the report (PDF and HTML, whose follow-up chapter shows the
# city's answer), the admin's audit log and accounts page (an account
# added, refused with a weak password, disabled), the 報告会 recorded by a
# reporter and printed in the minutes, login and opening a case by keyboard
# alone with a visible focus, axe-core's check of every page visited (no
# serious or critical violation), and no request leaving 127.0.0.1.
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
if [ ! -f "$here/node_modules/axe-core/axe.min.js" ]; then
    # playwright-core without axe-core: an install from before axe was added.
    echo "FAIL: $here/node_modules/axe-core missing (npm ci --prefix tests/browser)"
    exit 1
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
# The period before the demo's, analysed too: the city answers its
# 要確認事項 and the demo period's report follows them up (chapter 7).
# The demo period is analysed again, so that its run is the newest: the
# pages show the newest run's period by default.
must "$bin" analyze --tenant demo --period 2024-08-01..2024-09-30 >/dev/null
must "$bin" analyze --tenant demo --period 2024-10-01..2024-11-30 >/dev/null
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
# Four workers: a PDF rendered under the sanitizers takes seconds, and the
# session-expiry step must not wait behind it.
serve_start --threads 4
# The UI's own answers: index.html and an asset, with the UI's policy.
req GET /
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/html; charset=utf-8" "$tmp/h" && grep -q "/ui/app.js" "$tmp/b"' "GET / is the UI: $last"
check 'grep -qi "^Content-Security-Policy: default-src .none.; script-src .self.; style-src .self.;" "$tmp/h"' "the UI's CSP: $(cat "$tmp/h")"

# Its files: ETag and 304, no-cache, HEAD, and nothing but the table's names.
raw() { # PATH [CURL ARGS...]: status in $code, headers in $tmp/h, body in $tmp/b
    local p=$1
    shift
    rm -f "$tmp/b" # curl writes no file for an empty body
    touch "$tmp/b"
    code=$(curl -sS --cacert "$tmp/cert.pem" -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$@" "$base$p") || code=curl-failed
    last="$p $* -> $code: $(head -c 300 "$tmp/b")"
}
raw /ui/app.js
etag=$(sed -n 's/^ETag: *\(.*\)\r$/\1/Ip' "$tmp/h")
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/javascript; charset=utf-8" "$tmp/h" && grep -qi "^Cache-Control: no-cache" "$tmp/h" && [ -n "$etag" ] && cmp -s "$tmp/b" "$src/api/web/app.js"' "app.js as built in: $last $(cat "$tmp/h")"
check 'grep -qi "^Content-Security-Policy: .*frame-ancestors .none.; base-uri .none.; form-action .self." "$tmp/h" && grep -qi "^X-Content-Type-Options: nosniff" "$tmp/h"' "asset headers: $(cat "$tmp/h")"
raw /ui/app.js -H "If-None-Match: $etag"
check '[ "$code" = 304 ] && [ ! -s "$tmp/b" ]' "If-None-Match gives 304: $last"
raw /ui/style.css -I
check '[ "$code" = 200 ] && grep -qi "^Content-Type: text/css" "$tmp/h" && ! grep -q "font-family" "$tmp/b"' "HEAD: $last $(cat "$tmp/h")"
for p in /ui/nosuch.js /ui/..%2FCMakeLists.txt /ui/%2e%2e /ui/web/app.js /ui/ "/ui/app.js%00"; do
    raw "$p" --path-as-is
    check '[ "$code" = 404 ] || [ "$code" = 400 ]' "no file outside the table: $last"
    check 'grep -q "\"error\":{\"code\":\"\(not_found\|bad_request\)\"" "$tmp/b" && grep -qi "^Content-Security-Policy: default-src .none.; frame-ancestors .none..$" "$tmp/h"' "an unknown asset is the API's error: $last"
done
raw /ui/../../CMakeLists.txt --path-as-is
check '[ "$code" = 404 ] && ! grep -q cmake_minimum_required "$tmp/b"' "a dotted path reads no file: $last"
raw /ui/app.js -X POST
check '[ "$code" = 405 ]' "POST to an asset: $last"
# A reloaded page gets its session's CSRF token back; a token never has one.
login ui-analyst "$PW" "$tmp/jar"
csrf=$(jq_ 'd["csrf_token"]')
req GET /api/v1/session -b "$tmp/jar"
check '[ "$code" = 200 ] && [ "$(jq_ "d.get(\"csrf_token\")")" = "$csrf" ]' "GET /api/v1/session gives the CSRF token back: $last"
atok=$(must "$bin" token create --user ui-admin)
req GET /api/v1/session -H "Authorization: Bearer $atok"
check '[ "$code" = 200 ] && [ "$(jq_ "\"csrf_token\" in d")" = False ]' "no CSRF token for an API token: $last"

export TK_UI_BASE=$base TK_UI_PASSWORD=$PW TK_UI_SHOTS=$shots TK_CHROMIUM=$chromium \
    TK_UI_GOOD=$tmp/juki_test_good.csv TK_UI_BAD=$tmp/juki_test_bad.csv
try node "$here/ui.test.mjs"
cat "$tmp/out"
check '[ $st = 0 ]' "ui.test.mjs failed (exit $st): $(cat "$tmp/err")"
check '[ "$(ls "$shots"/*.png | wc -l)" -ge 10 ]' "screenshots in $shots: $(ls "$shots")"
# Page loads are not audited; the API calls they made are.
req GET '/api/v1/audit?limit=1000' -H "Authorization: Bearer $atok"
check '[ "$code" = 200 ] && [ "$(jq_ "sum(1 for i in d[\"items\"] if \"/ui/\" in i[\"action\"] or i[\"action\"] == \"GET /\")")" = 0 ] && [ "$(jq_ "sum(1 for i in d[\"items\"] if i[\"action\"] == \"POST /api/v1/uploads\")")" -ge 2 ]' "the audit log: $last"
serve_stop
# The server ended cleanly: nothing in its error log but the usual lines.
check '! grep -qi "sanitizer\|internal" "$tmp/serve.err"' "server errors: $(cat "$tmp/serve.err")"
finish
