#!/bin/bash
# tests/api/test_ops.sh -- the row-level error report is complete or
# explicitly missing: a reports folder that cannot take it, a file name too
# long to be part of the report's name, and a file size limit (`ulimit -f`)
# reached in the middle of it. In each case the bad rows are still counted,
# the upload points to no report or to a complete one, and the upload's
# message and the command's output say why a report is missing.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/ops.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
export TENKEN_DATA=$tmp/data
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
db=$TENKEN_DATA/city/store.db
reports=$TENKEN_DATA/city/reports
q() { sqlite3 "$db" "$1"; }

cat >"$tmp/p.json" <<'JSON'
{"profile": "p", "system": {"value": "s"},
 "fields": {"time": {"column": "t", "format": "YYYY-MM-DD hh:mm:ss"}, "user": {"column": "u"},
            "operation": {"column": "o", "map": {"x": "lookup"}}}}
JSON
# bad.csv NAME SEED: 3,000 rows, every second one bad (an unknown
# operation), about 180 KB of report; SEED makes each file's bytes unique.
bad() {
    python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("t,u,o\n")
    for i in range(3000):
        f.write("2024-10-01 09:%02d:%02d,u%s%d,%s\n" % (i // 60 % 60, i % 60, sys.argv[2], i % 7,
                                                    "x" if i % 2 else "unknown-operation"))
PY
}
must "$bin" init --tenant city >/dev/null

# --- a complete report ---------------------------------------------------------
bad "$tmp/bad.csv" a
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/bad.csv"
report=$(q "SELECT error_report FROM uploads WHERE file_name='bad.csv'")
check '[ $st = 1 ] && [ -f "$report" ] && grep -qF "row-level errors: $report" "$tmp/out"' \
    "a rejected file names its report: $(show)"
check '[ "$(wc -l <"$report")" = 1501 ]' "the report lists the 1,500 bad rows: $(wc -l <"$report")"
check '[ -z "$(find "$reports" -name "*.part")" ]' "no part file is left: $(ls "$reports")"

# --- the reports folder cannot take it -----------------------------------------
# A file where the folder should be: refused even to root (CI runs as root).
mv "$reports" "$tmp/reports.saved"
echo "not a folder" >"$reports"
bad "$tmp/nodir.csv" b
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/nodir.csv"
check '[ $st = 1 ] && grep -Eq "^rejected .*nodir.csv  rejected, nothing stored: 1500 of 3000 rows are bad; first: record 2 .*; row-level error report not written: $reports/[0-9]+-[0-9]+-nodir.csv.errors.csv: Not a directory$" "$tmp/out"' \
    "ingest says the report was not written, and why: $(show)"
check '[ "$(q "SELECT status, rows_total, rows_rejected, error_report IS NULL FROM uploads WHERE file_name='"'nodir.csv'"'")" = "rejected|3000|1500|1" ]' \
    "the upload counts the bad rows and points to no report: $(q "SELECT * FROM uploads WHERE file_name='nodir.csv'")"
check 'q "SELECT message FROM uploads WHERE file_name='"'nodir.csv'"'" | grep -q "; row-level error report not written: .*nodir.csv.errors.csv: Not a directory$"' \
    "the upload's message says the report was not written: $(q "SELECT message FROM uploads WHERE file_name='nodir.csv'")"
# With --lenient the good rows are stored; the missing report is a warning
# and the exit status says something needs attention.
bad "$tmp/nodir-lenient.csv" c
try "$bin" ingest --tenant city --profile "$tmp/p.json" --lenient "$tmp/nodir-lenient.csv"
check '[ $st = 1 ] && grep -q "^partial .*1,500 rows (1,500 bad rows not stored; row-level error report not written)" "$tmp/out" && grep -Eq "^tenken ingest: warning: .*nodir-lenient.csv: row-level error report not written: $reports/[0-9]+-[0-9]+-nodir-lenient.csv.errors.csv: Not a directory$" "$tmp/err"' \
    "lenient: stored, a warning, exit 1: $(show)"
check '[ "$(q "SELECT status, rows_accepted, rows_rejected, error_report IS NULL FROM uploads WHERE file_name='"'nodir-lenient.csv'"'")" = "partial|1500|1500|1" ]' \
    "lenient: the good rows stored, the bad ones counted, no report"
rm "$reports"
mv "$tmp/reports.saved" "$reports"
# A folder without write permission (root ignores permissions: only as a
# regular user).
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$reports"
    bad "$tmp/ro.csv" d
    try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/ro.csv"
    chmod 700 "$reports"
    check '[ $st = 1 ] && grep -q "row-level error report not written: $reports/.*ro.csv.errors.csv: Permission denied$" "$tmp/out"' \
        "a read-only reports folder is named: $(show)"
    check '[ "$(q "SELECT error_report IS NULL FROM uploads WHERE file_name='"'ro.csv'"'")" = 1 ]' \
        "no report recorded for the read-only folder"
fi

# --- a 230-character file name ----------------------------------------------------
long=$(printf 'k%.0s' $(seq 226)).csv
bad "$tmp/$long" e
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/$long"
report=$(q "SELECT error_report FROM uploads WHERE file_name='$long'")
name=$(basename "$report")
check '[ $st = 1 ] && [ -f "$report" ] && [ "$(wc -l <"$report")" = 1501 ]' \
    "a 230-character file name still gets a complete report: $(show)"
check '[ "$(printf %s "$name" | wc -c)" -le 250 ] && [[ $name == *-kkkkkkkkkk*….errors.csv ]]' \
    "the report's name is the file's name cut to fit, marked with …: $name"
# Cut between characters, never inside one (3 bytes each in UTF-8).
jp=$(printf '長%.0s' $(seq 80)).csv
bad "$tmp/$jp" f
try "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/$jp"
report=$(q "SELECT error_report FROM uploads WHERE file_name='$jp'")
check '[ $st = 1 ] && [ -f "$report" ] && basename "$report" | iconv -f UTF-8 -t UTF-8 >/dev/null && [[ $(basename "$report") == *長….errors.csv ]]' \
    "a long Japanese name is cut at a character: $report $(show)"

# --- a file size limit in the middle of the report ------------------------------------
# 64 KB: the database's few pages fit, the ~180 KB report does not. tenken
# ignores SIGXFSZ, so the write fails (EFBIG) instead of killing it.
bad "$tmp/limit.csv" g
try bash -c 'ulimit -f 64; exec "$@"' - "$bin" ingest --tenant city --profile "$tmp/p.json" "$tmp/limit.csv"
check '[ $st = 1 ] && grep -Eq "^rejected .*limit.csv  rejected, nothing stored: 1500 of 3000 rows are bad; .*; row-level error report not written: $reports/[0-9]+-[0-9]+-limit.csv.errors.csv: File too large$" "$tmp/out"' \
    "ulimit -f: the command says the report was cut off: $(show)"
check '[ "$(q "SELECT status, rows_rejected, error_report IS NULL FROM uploads WHERE file_name='"'limit.csv'"'")" = "rejected|1500|1" ]' \
    "ulimit -f: the upload points to no report: $(q "SELECT * FROM uploads WHERE file_name='limit.csv'")"
check 'q "SELECT message FROM uploads WHERE file_name='"'limit.csv'"'" | grep -q "row-level error report not written: .*limit.csv.errors.csv: File too large$"' \
    "ulimit -f: the upload's message says so"
check '[ -z "$(find "$reports" -name "*limit.csv*")" ]' "ulimit -f: no partial report is left: $(ls "$reports")"
bad "$tmp/limit-lenient.csv" h
try bash -c 'ulimit -f 64; exec "$@"' - "$bin" ingest --tenant city --profile "$tmp/p.json" --lenient "$tmp/limit-lenient.csv"
check '[ $st = 1 ] && grep -q "^partial .*limit-lenient.csv  1,500 rows" "$tmp/out" && grep -q "warning: .*limit-lenient.csv: row-level error report not written: .*: File too large$" "$tmp/err"' \
    "ulimit -f, lenient: stored with a warning: $(show)"
check '[ "$(q "SELECT status, rows_accepted, rows_rejected, error_report IS NULL FROM uploads WHERE file_name='"'limit-lenient.csv'"'")" = "partial|1500|1500|1" ]' \
    "ulimit -f, lenient: rows stored and counted, no report"
check '[ -z "$(find "$reports" -name "*limit-lenient*")" ]' "ulimit -f, lenient: no partial report is left"

finish
