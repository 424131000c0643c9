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

# The address space tenken needs to start at all: its shared libraries
# (the report renderers' cairo, pango and librsvg with ICU are ~90 MB of
# mappings) are mapped before main() runs, when a failure can only be the
# loader's. The limits below are counted from there, in 10 MB steps.
base=
for kb in $(seq 40000 10000 600000); do
    if bash -c 'ulimit -v "$0" && exec "$1" --version' "$kb" "$bin" >/dev/null 2>&1; then
        base=$kb
        break
    fi
done
check '[ -n "$base" ]' "tenken --version starts under some ulimit -v up to 600000 KB"
base=${base:-600000}
echo "tenken starts with ulimit -v $base KB"

for kb in $base $((base + 50000)) $((base + 100000)); do
    limited $kb "$bin" --version
    check '[ $st = 0 ] && grep -q "^tenken " "$tmp/out"' "--version under ulimit -v $kb: $(show)"
done

must "$bin" demo --dir "$tmp/d" --seed 2 --staff 30 --residents 1000 >/dev/null
for kb in $base $((base + 50000)) $((base + 100000)) $((base + 300000)); do
    limited $kb "$bin" analyze --data "$tmp/d/data" --tenant demo --period 2024-10-01..2024-11-30 --quiet
    check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "analyze under ulimit -v $kb ends with its result or an out-of-memory message: $(show)"
    limited $kb "$bin" anomalies --data "$tmp/d/data" --tenant demo --period 2024-10-01..2024-11-30 --limit 3
    check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "anomalies under ulimit -v $kb: $(show)"
done
limited $((base + 50000)) "$bin" score-table --method mahalanobis --input "$tmp/d/city/manifest.csv" --out "$tmp/s.csv" \
    --exclude-column file --exclude-column profile --exclude-column system --exclude-column encoding
check '[ $st = 0 ] || { [ $st = 1 ] && grep -q "out of memory" "$tmp/err"; }' "the Mahalanobis distance under ulimit -v $((base + 50000)): $(show)"
# OpenBLAS wants 128 MB of address space for its buffers: with none to
# spare above what tenken needs to start, that is a message, not a hang.
limited $base "$bin" score-table --method mahalanobis --input "$tmp/d/city/manifest.csv" --out "$tmp/s.csv" \
    --exclude-column file --exclude-column profile --exclude-column system --exclude-column encoding
check '[ $st = 1 ] && grep -q "out of memory" "$tmp/err"' "too little address space for BLAS is a message, not a hang: $(show)"

finish
