# tests/api/lib.sh -- what the CLI's shell tests share; sourced, not run.
#
# A test sets `tmp` (its scratch directory) before sourcing this. Every
# command a test runs either has its output checked or, when it fails
# unexpectedly, shows that output: ctest --output-on-failure then says why.
#   check EXPR MSG     counts a pass when EXPR (eval'd) holds, else prints MSG
#   must CMD ARGS...   runs a command that has to succeed; its stdout goes on
#                      to the caller, its stderr is kept; if it fails, the
#                      command, its status and both outputs are printed and
#                      the test stops
#   try CMD ARGS...    runs a command that may fail: stdout in $tmp/out,
#                      stderr in $tmp/err, exit status in $st
#   show               prints the last `try`'s command, status and outputs
#   finish             prints the closing count and exits 0 only if all passed
# An unexpected failure of any other command under `set -e` names the line
# and the command before the test stops (the ERR trap below).
pass=0
fail=0
check() {
    if eval "$1"; then
        pass=$((pass + 1))
    else
        echo "FAIL: $2" >&2
        fail=$((fail + 1))
    fi
}
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: $*" >&2
    fail=$((fail + 1))
}
_dump() { # FILE LABEL: the first 200 lines of a command's output
    if [ -s "$1" ]; then
        echo "--- $2:"
        head -n 200 "$1"
        [ "$(wc -l <"$1")" -le 200 ] || echo "--- ($2 cut after 200 of $(wc -l <"$1") lines)"
    fi
}
must() {
    local log st=0
    log=$(mktemp "$tmp/must.XXXXXX")
    "$@" >"$log.out" 2>"$log.err" || st=$?
    if [ "$st" != 0 ]; then
        {
            echo "FAIL: command exited $st: $*"
            _dump "$log.out" stdout
            _dump "$log.err" stderr
        } >&2
        exit 1
    fi
    cat "$log.out"
    cat "$log.err" >&2
    rm -f "$log" "$log.out" "$log.err"
}
try() {
    last_cmd="$*"
    "$@" >"$tmp/out" 2>"$tmp/err" && st=0 || st=$?
}
show() {
    echo "  command (exit $st): $last_cmd"
    _dump "$tmp/out" stdout
    _dump "$tmp/err" stderr
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
trap 'echo "FAIL: line $LINENO: command exited $?: $BASH_COMMAND" >&2' ERR
