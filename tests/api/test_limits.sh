#!/bin/bash
# tests/api/test_limits.sh -- tenken under a moderate memory limit.
#
# Every command must end: with its result, or with a message that says it
# ran out of memory -- never hang and never die of a signal. (OpenBLAS's
# threaded build used to start a pool of workers at load that spun on a
# failing mmap under `ulimit -v`, so even `tenken --version` never
# returned, and its first level-3 call retries a failing allocation
# forever.) Sanitizer builds reserve terabytes of address space and cannot
# run under `ulimit -v`, so there the test only says it is skipped.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/limits.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ -n "${TK_SANITIZE:-}" ]; then
    echo "skipped: a $TK_SANITIZE build cannot run under ulimit -v"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

# limited KB CMD...: runs CMD with `ulimit -v KB` and a 120 s bound.
limited() {
    local kb=$1
    shift
    try bash -c 'ulimit -v "$0" && exec timeout -s KILL 120 "$@"' "$kb" "$@"
}

for kb in 100000 150000 200000; do
    limited $kb "$bin" --version
    check '[ $st = 0 ] && grep -q "^tenken " "$tmp/out"' "--version under ulimit -v $kb: $(show)"
done

must "$bin" demo --dir "$tmp/d" --seed 2 --staff 30 --residents 1000 >/dev/null
for kb in 100000 150000 200000 400000; do
    limited $kb "$bin" analyze --data "$tmp/d/data" --tenant demo --period 2024-10-01..2024-11-30 --quiet
    check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "analyze under ulimit -v $kb ends with its result or an out-of-memory message: $(show)"
    limited $kb "$bin" anomalies --data "$tmp/d/data" --tenant demo --period 2024-10-01..2024-11-30 --limit 3
    check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "anomalies under ulimit -v $kb: $(show)"
done
limited 150000 "$bin" score-table --method mahalanobis --input "$tmp/d/city/manifest.csv" --out "$tmp/s.csv" \
    --exclude-column file --exclude-column profile --exclude-column system --exclude-column encoding
check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "the Mahalanobis distance under ulimit -v 150000: $(show)"
limited 60000 "$bin" score-table --method mahalanobis --input "$tmp/d/city/manifest.csv" --out "$tmp/s.csv" \
    --exclude-column file --exclude-column profile --exclude-column system --exclude-column encoding
check '[ $st = 1 ] && grep -q "out of memory" "$tmp/err"' "too little address space for BLAS is a message, not a hang: $(show)"

finish
