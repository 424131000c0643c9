#!/bin/bash
# tests/api/test_settings_baseline.sh -- `tenken settings` for the baseline
# settings: the defaults shown, changes stored as one version each and
# shown as changed, 'default' and --baseline-reset back to the defaults,
# refusals that name the option, the value and the range and store
# nothing, and --baseline-history newest first with who and what.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/settings_baseline.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

must "$bin" init --tenant city >/dev/null
try "$bin" settings --tenant city
check '[ $st = 0 ] && [ "$(grep -c "(default)$" "$tmp/out")" = 14 ] && grep -qx "baseline-days  183  (default)" "$tmp/out" && grep -qx "min-model-score  50  (default)" "$tmp/out" && grep -qx "lr-alpha  0.01  (default)" "$tmp/out" && ! grep -q "^baseline-version" "$tmp/out"' \
    "the defaults: $(show)"
try "$bin" settings --tenant city --baseline-history
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "no stored baseline settings: the defaults are in force" ]' "no history: $(show)"

# refusals: exit 2, the option, the value and the range; nothing stored
try "$bin" settings --tenant city --trees 5
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --trees: 5 is out of range (allowed: integer 10..1000 trees)" ]' "too few trees: $(show)"
try "$bin" settings --tenant city --min-model-score high
check '[ $st = 2 ] && [ "$(head -1 "$tmp/err")" = "tenken settings: --min-model-score: '"'"'high'"'"' is not a number (allowed: 0..100)" ]' "not a number: $(show)"
try "$bin" settings --tenant city --baseline-days 90.5
check '[ $st = 2 ] && grep -q -- "--baseline-days: 90.5 is out of range (allowed: integer 28..730 days)" "$tmp/err"' "not whole: $(show)"
try "$bin" settings --tenant city --prior-min-days 60
check '[ $st = 1 ] && grep -q "prior_max_days: 30 is below prior_min_days 60" "$tmp/err"' "crossed prior days: $(show)"
try "$bin" settings --tenant city --baseline-reset --trees 200
check '[ $st = 2 ] && grep -q -- "--baseline-reset puts every baseline setting back" "$tmp/err"' "reset with a value: $(show)"
try "$bin" settings --tenant city --baseline-history --trees 200
check '[ $st = 2 ] && grep -q -- "--baseline-history only lists; set in a separate command" "$tmp/err"' "history with a value: $(show)"
try "$bin" settings --tenant city --baseline-history
check '[ $st = 0 ] && grep -q "^no stored baseline settings" "$tmp/out"' "nothing stored by the refusals: $(show)"

# changes: one version per command; the last of a repeated option wins
try "$bin" settings --tenant city --trees 150 --trees 200 --min-model-score 62.5 --baseline-days 90 --by 山田
check '[ $st = 0 ] && grep -qx "trees  200" "$tmp/out" && grep -qx "min-model-score  62.5" "$tmp/out" && grep -qx "baseline-days  90" "$tmp/out" && grep -qx "sample  256  (default)" "$tmp/out" && grep -qx "baseline-version  #1" "$tmp/out"' \
    "set three: $(show)"
try "$bin" settings --tenant city --trees default
check '[ $st = 0 ] && grep -qx "trees  100  (default)" "$tmp/out" && grep -qx "min-model-score  62.5" "$tmp/out" && grep -qx "baseline-version  #2" "$tmp/out"' \
    "one back to its default: $(show)"
try "$bin" settings --tenant city --baseline-reset --by 佐藤
check '[ $st = 0 ] && [ "$(grep -c "(default)$" "$tmp/out")" = 14 ] && grep -qx "baseline-version  #3" "$tmp/out"' "reset: $(show)"
try "$bin" settings --tenant city --baseline-history
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 3 ] && [ "$(cut -d" " -f1 "$tmp/out" | tr "\n" " ")" = "#3 #2 #1 " ] && grep -q "  佐藤  reset  (the defaults)$" "$tmp/out" && grep -q "  山田  {\"baseline_days\":90,\"min_model_score\":62.5,\"trees\":200}  (baseline_days 90, trees 200, min_model_score 62.5)$" "$tmp/out" && grep -q "  cli:[^ ]*  {\"trees\":null}  (baseline_days 90, min_model_score 62.5)$" "$tmp/out"' \
    "history: $(show)"
finish
