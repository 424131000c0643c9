#!/bin/bash
# tests/api/test_keys.sh -- a tenant's pseudonym key: another tenant's key
# copied in is refused by every command (the database remembers the key's
# fingerprint), a named pipe in the key's place is refused at once instead
# of blocking, and the hidden folder (with a key in it) that a killed
# `init` leaves behind is removed by a later `init`.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/keys.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/data

must "$bin" init --tenant north >/dev/null
must "$bin" init --tenant south >/dev/null
must "$bin" gen-city --out "$tmp/city" --seed 4 --staff 30 --residents 1000 \
    --from 2024-10-01 --to 2024-10-31 --quiet
log=$(ls "$tmp"/city/logs/juki_*.csv | head -1)
prof=$tmp/city/profiles/juki-vendor-a.json

# Another tenant's key copied over south's own: refused, nothing stored.
cp "$TENKEN_DATA/south/pseudonym.key" "$tmp/south.key"
cp "$TENKEN_DATA/north/pseudonym.key" "$TENKEN_DATA/south/pseudonym.key"
try "$bin" ingest --tenant south --profile "$prof" "$log"
check '[ $st = 1 ] && grep -q "pseudonym key of tenant south does not belong to its database (key [0-9a-f]\{16\}, database [0-9a-f]\{16\}): restore the tenant.s own pseudonym.key from its backup" "$tmp/err"' "a swapped key is refused: $(show)"
check '[ "$(sqlite3 "$TENKEN_DATA/south/store.db" "SELECT count(*) FROM uploads")" = 0 ]' "nothing stored with the wrong key"
try "$bin" uploads --tenant south
check '[ $st = 1 ] && grep -q "does not belong to its database" "$tmp/err"' "read-only commands refuse it too: $(show)"
cp "$tmp/south.key" "$TENKEN_DATA/south/pseudonym.key"
try "$bin" ingest --tenant south --profile "$prof" "$log"
check '[ $st = 0 ]' "the tenant's own key restored, it works again: $(show)"

# A named pipe where the key should be: an error at once, no hang.
mv "$TENKEN_DATA/north/pseudonym.key" "$tmp/north.key"
mkfifo -m 600 "$TENKEN_DATA/north/pseudonym.key"
try timeout -s KILL 20 "$bin" uploads --tenant north
check '[ $st = 1 ] && grep -q "pseudonym.key is not a regular file (a named pipe)" "$tmp/err"' "a FIFO key is refused without blocking: $(show)"
rm "$TENKEN_DATA/north/pseudonym.key"
mv "$tmp/north.key" "$TENKEN_DATA/north/pseudonym.key"

# What a killed init leaves: .NAME.new-XXXXXX with a key. A later init
# removes it once it is stale; one being made right now is left alone.
mkdir "$TENKEN_DATA/.east.new-AbC123" "$TENKEN_DATA/.west.new-XyZ789"
head -c 32 /dev/urandom >"$TENKEN_DATA/.east.new-AbC123/pseudonym.key"
touch -d '-5 min' "$TENKEN_DATA/.east.new-AbC123"
must "$bin" init --tenant east >/dev/null
check '[ ! -e "$TENKEN_DATA/.east.new-AbC123" ]' "a killed init's leftover folder and key are removed: $(ls -a "$TENKEN_DATA")"
check '[ -d "$TENKEN_DATA/.west.new-XyZ789" ]' "a creation in progress is left alone"
check '[ -f "$TENKEN_DATA/east/pseudonym.key" ]' "the tenant is created"

# kill -9 at some point of a real init: the name either does not exist or
# is a whole tenant that opens.
for i in 1 2 3 4 5; do
    "$bin" init --tenant "k$i" >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$i"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    if [ -e "$TENKEN_DATA/k$i" ]; then
        try "$bin" uploads --tenant "k$i"
        check '[ $st = 0 ]' "a tenant that exists after kill -9 is whole: $(show)"
    fi
done

finish
