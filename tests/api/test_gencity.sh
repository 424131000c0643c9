#!/usr/bin/env bash
# tests/api/test_gencity.sh -- `tenken gen-city` end to end.
#
# Generates a small city twice with one seed (byte-identical), once with another (different),
# runs the independent checker tests/api/test_gencity.py (manifest, encodings, profiles parsed
# row by row, truth consistent with the logs), checks that truth.csv holds every incident kind,
# the command-line errors, the --bulk-rows path, variant B's files and columns (--variant B),
# and -- when the commands exist -- that
# `tenken profile test` accepts every generated file and `tenken master import` every master file.
set -u

BIN=${TENKEN_BIN:?TENKEN_BIN must point at the tenken binary}
SRC=${TK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=${TK_TEST_TMP:-/tmp}/gencity.$$
SMALL=(--staff 40 --residents 2000 --from 2024-09-01 --to 2024-11-30 --quiet)
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

cleanup() {
    rm -rf "$TMP"
}
trap cleanup EXIT
rm -rf "$TMP"
mkdir -p "$TMP"

# --- determinism -----------------------------------------------------------------------------
"$BIN" gen-city --out "$TMP/a" --seed 7 "${SMALL[@]}" || fail "gen-city (a) exited $?"
"$BIN" gen-city --out "$TMP/b" --seed 7 "${SMALL[@]}" || fail "gen-city (b) exited $?"
"$BIN" gen-city --out "$TMP/c" --seed 8 "${SMALL[@]}" || fail "gen-city (c) exited $?"
if ! diff -r "$TMP/a" "$TMP/b" >/dev/null; then
    fail "same seed, different output: $(diff -rq "$TMP/a" "$TMP/b" | head -3)"
fi
for f in truth.csv manifest.csv master/staff.csv logs/juki_2024-10.csv; do
    cmp -s "$TMP/a/$f" "$TMP/c/$f" && fail "seeds 7 and 8 wrote the same $f"
done
nfiles=$(find "$TMP/a" -type f | wc -l)
[ "$nfiles" -ge 90 ] || fail "only $nfiles files written"

# --- layout of the output --------------------------------------------------------------------
for f in README.md manifest.csv truth.csv master/staff.csv master/terminals.csv \
    master/terminals.map.json master/authorizations.csv master/assignments.csv \
    master/overtime.csv master/media.csv master/watchlist.csv master/residents.csv \
    master/training.csv master/calendar.csv profiles/terminal-logon.json profiles/media-usb.json; do
    [ -s "$TMP/a/$f" ] || fail "$f missing or empty"
done
nprof=$(ls "$TMP/a/profiles" | wc -l)
[ "$nprof" -eq 22 ] || fail "expected 22 profiles, found $nprof"
grep -q '"profile": "juki-vendor-a"' "$TMP/a/profiles/juki-vendor-a.json" || fail "juki profile"
grep -q ',休日開庁$' "$TMP/a/master/calendar.csv" || fail "no 休日開庁 Sunday in calendar.csv"

# --- the independent checker -----------------------------------------------------------------
if command -v python3 >/dev/null; then
    python3 "$SRC/tests/api/test_gencity.py" "$TMP/a" || fail "test_gencity.py found problems"
    python3 - "$TMP/a/truth.csv" <<'EOF' || fail "truth.csv lacks incident kinds"
import csv, sys
want = """after_hours night_access closed_day bulk_lookup volume_spike sustained_lookups lookup_burst repeated_lookup
many_staff self_lookup family_lookup watchlist dv_lookup dv_issue out_of_role retired_account
transfer_old_system leave_account failed_logon_burst failed_logon_spray concurrent_logon shared_id
unregistered_terminal usb_after_hours export_usb_chain unapproved_device bulk_print mass_extract
mynumber_shown no_logon_session log_gap training_real_resident""".split()
hn_want = """busy_season new_hire election_kenmu approved_overtime holiday_opening approved_media
transfer_new_system training_fictitious""".split()
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert rows and list(rows[0].keys()) == ["incident_id", "label", "kind", "entity_type",
    "entity_id", "day_from", "day_to", "rule_hint", "description"], "truth.csv header"
have = {r["kind"] for r in rows if r["label"] == "incident"}
hn = {r["kind"] for r in rows if r["label"] == "hard_negative"}
missing = sorted(set(want) - have) + sorted(set(hn_want) - hn)
for r in rows:
    assert r["label"] in ("incident", "hard_negative"), r
    assert r["entity_type"] in ("user", "terminal", "resident", "system"), r
    assert r["day_from"] <= r["day_to"], r
    assert r["rule_hint"] and r["description"], r
if missing:
    print("missing kinds:", missing)
    sys.exit(1)
print("truth.csv: %d rows, %d incident kinds, %d hard-negative kinds" % (len(rows), len(have), len(hn)))
EOF
else
    echo "SKIP: python3 not found, manifest/encoding/profile checks skipped"
fi

# --- command line ----------------------------------------------------------------------------
"$BIN" gen-city --help >"$TMP/help.txt" 2>&1 || fail "--help exited $?"
grep -q -- "--bulk-rows" "$TMP/help.txt" || fail "--help does not describe --bulk-rows"

expect_usage() { # expected message, then arguments
    local want=$1
    shift
    "$BIN" gen-city "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"
    local rc=$?
    [ $rc -eq 2 ] || fail "gen-city $* exited $rc, expected 2"
    grep -q -- "$want" "$TMP/err.txt" || fail "gen-city $*: message lacks '$want': $(cat "$TMP/err.txt")"
}
expect_usage "--seed: expected a non-negative integer" --out "$TMP/x" --seed x
expect_usage "is after --to" --out "$TMP/x" --seed 1 --from 2024-12-01 --to 2024-11-30
expect_usage "--out DIR is required" --seed 1
expect_usage "--staff: expected an integer" --out "$TMP/x" --seed 1 --staff 3
expect_usage "--from: expected a date" --out "$TMP/x" --seed 1 --from 2024-02-30
expect_usage "unknown option" --out "$TMP/x" --seed 1 --colour
expect_usage "^tenken gen-city: --seed: expected a non-negative integer, got '18446744073709551616'$" \
    --out "$TMP/x" --seed 18446744073709551616
"$BIN" gen-city --out "$TMP/maxseed" --seed 18446744073709551615 --bulk-rows 100 >"$TMP/out.txt" ||
    fail "--seed 2^64-1 exited $?"
grep -qx "gen-city: wrote $TMP/maxseed (seed 18446744073709551615)" "$TMP/out.txt" ||
    fail "--seed 2^64-1: $(cat "$TMP/out.txt")"
expect_usage "^tenken gen-city: the period must be 28 to 1096 days long, got 27$" \
    --out "$TMP/x" --seed 1 --from 2024-11-04 --to 2024-11-30
expect_usage "^tenken gen-city: --staff 5000 over 1065 days at --volume 100 is too large (staff x days" \
    --out "$TMP/x" --seed 1 --staff 5000 --from 2022-01-01 --to 2024-11-30
[ -e "$TMP/x" ] && fail "a usage error still created the output directory"
"$BIN" gen-city --out "$TMP/a" --seed 7 "${SMALL[@]}" 2>"$TMP/err.txt"
[ $? -eq 1 ] || fail "writing over an existing city without --force should fail"
grep -qx "tenken gen-city: $TMP/a already holds a generated city (use --force to overwrite)" \
    "$TMP/err.txt" || fail "writing over a city: $(cat "$TMP/err.txt")"

# tenken demo hands its gen-city values to the simulator as numbers: a bad one is its own
# usage error, before the demo directory is made.
"$BIN" demo --dir "$TMP/demo" --staff 29 >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc -eq 2 ] || fail "demo --staff 29 exited $rc, expected 2"
grep -qx "tenken demo: --staff: expected an integer from 30 to 5000, got '29'" "$TMP/err.txt" ||
    fail "demo --staff 29: $(cat "$TMP/err.txt")"
[ -e "$TMP/demo" ] && fail "demo --staff 29 still created its directory"

# --- bulk ------------------------------------------------------------------------------------
"$BIN" gen-city --out "$TMP/bulk" --seed 3 --bulk-rows 5000 --quiet || fail "--bulk-rows exited $?"
rows=$(($(wc -l <"$TMP/bulk/bulk/juki_bulk.csv") - 1))
[ "$rows" -eq 5000 ] || fail "bulk file has $rows rows, expected 5000"
grep -q '^bulk/juki_bulk.csv,juki-bulk,住民基本台帳,utf-8,5000$' "$TMP/bulk/manifest.csv" ||
    fail "bulk manifest: $(cat "$TMP/bulk/manifest.csv")"

# --- the real profile parser and master importer, once they exist ----------------------------
if "$BIN" profile test --help >/dev/null 2>&1; then
    bad=0
    while IFS=, read -r file profile system enc nrows; do
        [ "$file" = file ] && continue
        "$BIN" profile test "$TMP/a/profiles/$profile.json" "$TMP/a/$file" --rows 0 \
            >"$TMP/pt.txt" 2>&1 || {
            bad=$((bad + 1))
            echo "profile test $profile $file:"
            tail -3 "$TMP/pt.txt"
        }
    done <"$TMP/a/manifest.csv"
    "$BIN" profile test "$TMP/bulk/profiles/juki-bulk.json" "$TMP/bulk/bulk/juki_bulk.csv" \
        --rows 0 >"$TMP/pt.txt" 2>&1 || { bad=$((bad + 1)); tail -3 "$TMP/pt.txt"; }
    [ $bad -eq 0 ] || fail "tenken profile test rejected $bad file(s)"
else
    echo "SKIP: 'tenken profile test' is not available in this build"
fi
if "$BIN" master --help >/dev/null 2>&1 && "$BIN" init --help >/dev/null 2>&1; then
    D="$TMP/data"
    "$BIN" init --tenant gencity --data "$D" >/dev/null || fail "tenken init exited $?"
    for k in staff terminals authorizations assignments overtime media watchlist residents training \
        calendar; do
        extra=()
        [ $k = terminals ] && extra=(--profile "$TMP/a/master/terminals.map.json")
        "$BIN" master import --tenant gencity --data "$D" --kind $k "$TMP/a/master/$k.csv" \
            "${extra[@]}" --effective 2024-09-01 >"$TMP/mi.txt" 2>&1 ||
            fail "master import $k: $(cat "$TMP/mi.txt")"
    done
else
    echo "SKIP: 'tenken master import' is not available in this build"
fi

# --- variant B (docs/gen-city.md "Variant B") -------------------------------------------------
expect_usage "^tenken gen-city: --variant: expected A or B, got 'C'$" --out "$TMP/x" --seed 1 \
    --variant C
expect_usage "^tenken gen-city: --variant B writes a whole city; --bulk-rows takes variant A only$" \
    --out "$TMP/x" --seed 1 --variant B --bulk-rows 10
"$BIN" gen-city --out "$TMP/vb" --seed 7 --variant B --staff 40 --residents 2000 \
    --from 2024-09-01 --to 2024-11-30 >"$TMP/out.txt" || fail "gen-city --variant B exited $?"
grep -qx "gen-city: wrote $TMP/vb (seed 7, variant B)" "$TMP/out.txt" ||
    fail "variant B summary: $(cat "$TMP/out.txt")"
"$BIN" gen-city --out "$TMP/va" --seed 7 --variant A "${SMALL[@]}" || fail "--variant A exited $?"
diff -r "$TMP/a" "$TMP/va" >/dev/null || fail "--variant A differs from the default city"
[ -e "$TMP/a/master/calendar.map.json" ] && fail "the default city maps its calendar"
for f in README.md manifest.csv truth.csv master/staff.csv master/watchlist.csv \
    master/calendar.csv master/calendar.map.json; do
    [ -s "$TMP/vb/$f" ] || fail "variant B: $f missing or empty"
done
[ "$(head -1 "$TMP/vb/master/watchlist.csv")" = "宛名番号,区分,開始日,終了日" ] ||
    fail "variant B watchlist header: $(head -1 "$TMP/vb/master/watchlist.csv")"
grep -q '^[0-9]\{10\},DV等支援措置,[0-9/]*,[0-9/]*$' "$TMP/vb/master/watchlist.csv" ||
    fail "variant B watchlist has no DV等支援措置 row"
[ "$(head -1 "$TMP/vb/master/calendar.csv")" = "日付,曜日,区分,名称,所属" ] ||
    fail "calendar export header: $(head -1 "$TMP/vb/master/calendar.csv")"
grep -q '^2024/09/01,日,日曜日,,$' "$TMP/vb/master/calendar.csv" ||
    fail "calendar export: no day row for 2024/09/01"
grep -q '^2024/09/02,月,開庁日,,$' "$TMP/vb/master/calendar.csv" ||
    fail "calendar export: no day row for 2024/09/02"
grep -q '^2024/09/08,日,行事,市民課日曜窓口（9:00-12:00）,市民課$' \
    "$TMP/vb/master/calendar.csv" || fail "calendar export: no Sunday counter on 09/08"
grep -q ',行事,期日前投票所開設（8:30-20:00）,選挙管理委員会$' \
    "$TMP/vb/master/calendar.csv" || fail "calendar export: no 期日前投票所 rows"
days=$(grep -vc ',行事,' "$TMP/vb/master/calendar.csv")
[ "$days" -eq 92 ] || fail "calendar export: $((days - 1)) day rows, expected 91"
grep -q '^- 構成 variant: B' "$TMP/vb/README.md" || fail "variant B README does not say so"
grep -qa '抽出件数=[0-9]' "$TMP/vb/logs/"kaigo_2024-1*.csv ||
    fail "variant B: no 抽出件数 in 備考 of the 介護保険 log"
iconv -f CP932 -t UTF-8 "$TMP/vb/logs/"juki_2024-1*.csv | grep -q '抽出件数=2,0[0-9][0-9]"' ||
    fail "variant B: the full extraction's 抽出件数 has no thousands separator"
for k in stalking block_sweep concurrent_long early_logon_shift late_lookup watchlist_single \
    protected_own_case protected_counter watchlist_counter sunday_counter early_voting election_quiet; do
    grep -q "^[A-Z]*-[0-9]*,[a-z_]*,$k," "$TMP/vb/truth.csv" || fail "variant B truth lacks $k"
    grep -q "^[A-Z]*-[0-9]*,[a-z_]*,$k," "$TMP/a/truth.csv" && fail "the default city has $k"
done
if "$BIN" master --help >/dev/null 2>&1 && "$BIN" init --help >/dev/null 2>&1; then
    D="$TMP/data-b"
    "$BIN" init --tenant gencity --data "$D" >/dev/null || fail "tenken init exited $?"
    # the calendar export imports with its mapping, as a user imports it (docs/calendar.md)
    for k in watchlist calendar; do
        extra=()
        [ -e "$TMP/vb/master/$k.map.json" ] && extra=(--profile "$TMP/vb/master/$k.map.json")
        "$BIN" master import --tenant gencity --data "$D" --kind $k "$TMP/vb/master/$k.csv" \
            "${extra[@]}" --effective 2024-09-01 >"$TMP/mi.txt" 2>&1 ||
            fail "variant B master import $k: $(cat "$TMP/mi.txt")"
    done
    grep -q ': 1[0-9][0-9] rows as calendar version #[0-9]* effective 2024-09-01 (utf-8)$' "$TMP/mi.txt" ||
        fail "variant B calendar import: $(cat "$TMP/mi.txt")"
    "$BIN" master list --tenant gencity --data "$D" >"$TMP/ml.txt" 2>&1 ||
        fail "master list: $(cat "$TMP/ml.txt")"
    grep -q 'calendar .* calendar-groupware-export$' "$TMP/ml.txt" ||
        fail "variant B calendar not mapped: $(cat "$TMP/ml.txt")"
fi
"$BIN" demo --dir "$TMP/demo" --variant C >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc -eq 2 ] || fail "demo --variant C exited $rc, expected 2"
grep -qx "tenken demo: --variant: expected A or B, got 'C'" "$TMP/err.txt" ||
    fail "demo --variant C: $(cat "$TMP/err.txt")"

if [ $failed -ne 0 ]; then
    echo "test_gencity: FAILED"
    exit 1
fi
echo "test_gencity: all checks passed"
