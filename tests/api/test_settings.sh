#!/bin/bash
# tests/api/test_settings.sh -- `tenken settings` for business hours: the
# defaults shown, the tenant's and a 所属's hours set and shown, bad values
# refused with exact messages and nothing stored, and every change kept as
# a version in the history.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/settings.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

must "$bin" init --tenant city >/dev/null
try "$bin" settings --tenant city
check '[ $st = 0 ] && [ "$(sed -n 2p "$tmp/out")" = "hours  8:30-17:15/12:00-13:00  (default)" ] && [ "$(wc -l <"$tmp/out")" = 14 ]' \
    "the default hours, no version yet: $(show)"
try "$bin" settings --tenant city --history
check '[ $st = 0 ] && [ ! -s "$tmp/out" ]' "no history before a change: $(show)"

# set the tenant's hours and two 所属's in one command: one version
try "$bin" settings --tenant city --hours 8:00-16:45/12:00-12:45 --dept-hours 市民課=7:30-16:15/11:30-12:30 --by 山田
check '[ $st = 0 ] && [ "$(grep "^hours" "$tmp/out")" = "$(printf "hours  8:00-16:45/12:00-12:45\nhours 市民課  7:30-16:15/11:30-12:30\nhours-version  #1")" ]' \
    "set default and 市民課: $(show)"
try "$bin" settings --tenant city --dept-hours 選挙管理委員会事務局=08:30-20:00
check '[ $st = 0 ] && grep -qx "hours 選挙管理委員会事務局  8:30-20:00" "$tmp/out" && grep -qx "hours-version  #2" "$tmp/out" && grep -qx "hours 市民課  7:30-16:15/11:30-12:30" "$tmp/out"' \
    "a second 所属 keeps the first: $(show)"

# bad input: exact messages, exit 2, nothing stored
try "$bin" settings --tenant city --hours 17:00-8:00
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --hours: hours \"17:00-8:00\": the hours end before they start" ]' \
    "reversed hours: $(show)"
try "$bin" settings --tenant city --hours 8:30-17:15/7:00-8:00
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --hours: hours \"8:30-17:15/7:00-8:00\": the lunch break must lie within the hours" ]' \
    "lunch outside: $(show)"
try "$bin" settings --tenant city --hours 8.30-17:15
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --hours: hours \"8.30-17:15\": expected START-END or START-END/LUNCHSTART-LUNCHEND with times as H:MM (e.g. 8:30-17:15/12:00-13:00)" ]' \
    "not a time: $(show)"
try "$bin" settings --tenant city --dept-hours 市民課
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --dept-hours: \"市民課\": expected 所属=HOURS or 所属=default" ]' \
    "no hours for the 所属: $(show)"
try "$bin" settings --tenant city --dept-hours 市民課=7:30-16:15 --hours 9:00-25:00
check '[ $st = 2 ] && grep -q "hours \"9:00-25:00\": expected START-END" "$tmp/err"' "past midnight: $(show)"
try "$bin" settings --tenant city --dept-hours 総務課=default
check '[ $st = 1 ] && [ "$(cat "$tmp/err")" = "tenken settings: 所属 \"総務課\" has no hours of its own" ]' \
    "removing hours a 所属 does not have: $(show)"
try "$bin" settings --tenant city --by 山田
check '[ $st = 2 ] && grep -q "tenken settings: --by names who changed the hours: give --hours or --dept-hours" "$tmp/err"' "--by alone: $(show)"
try "$bin" settings --tenant city --history --hours 8:30-17:15
check '[ $st = 2 ] && grep -q "tenken settings: --history only lists; set in a separate command" "$tmp/err"' "--history with a change: $(show)"
try "$bin" settings --tenant city
check '[ $st = 0 ] && grep -qx "hours-version  #2" "$tmp/out" && grep -qx "hours  8:00-16:45/12:00-12:45" "$tmp/out"' \
    "nothing stored by the refused commands: $(show)"

# removing a 所属's hours and restoring the default are versions too
try "$bin" settings --tenant city --dept-hours 市民課=default --hours default --by 佐藤
check '[ $st = 0 ] && [ "$(grep "^hours" "$tmp/out")" = "$(printf "hours  8:30-17:15/12:00-13:00  (default)\nhours 選挙管理委員会事務局  8:30-20:00\nhours-version  #3")" ]' \
    "back to the default, 市民課 removed: $(show)"
try "$bin" settings --tenant city --history
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 3 ] && [ "$(cut -d" " -f1 "$tmp/out" | tr "\n" " ")" = "#3 #2 #1 " ]' "three versions, newest first: $(show)"
check 'grep -q "^#3  20[0-9-]* [0-9:]* JST  佐藤  hours 市民課 default; hours default$" "$tmp/out"' "version 3 says what changed and who: $(show)"
check 'grep -q "^#2  .* JST  (not recorded)  hours 選挙管理委員会事務局 8:30-20:00$" "$tmp/out"' "version 2 without --by: $(show)"
check 'grep -q "^#1  .* JST  山田  hours 8:00-16:45/12:00-12:45; hours 市民課 7:30-16:15/11:30-12:30$" "$tmp/out"' "version 1: $(show)"
try "$bin" settings --tenant nosuch
check '[ $st = 1 ] && grep -q "tenken init --tenant nosuch" "$tmp/err"' "unknown tenant: $(show)"

finish
