#!/bin/bash
# tests/api/test_demo_serve.sh -- `tenken demo --serve`: a certificate made
# in C for localhost, one account per role with a printed password, the
# service on the port asked for; a printed account logs in over TLS that
# verifies against the generated certificate (by IP and by name), every
# role gets its answers, and SIGINT stops it.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/demo_serve.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unset TENKEN_DATA

# usage errors come before anything is made
try "$bin" demo --dir "$tmp/d" --port 9000
check '[ $st = 2 ] && grep -q -- "--port and --password-stdin need --serve" "$tmp/err" && [ ! -e "$tmp/d" ]' "--port without --serve: $(show)"
try "$bin" demo --dir "$tmp/d" --serve --port 70000
check '[ $st = 2 ] && grep -q -- "--port needs a number from 0 to 65535, not .70000." "$tmp/err"' "bad port: $(show)"
try bash -c "echo short | '$bin' demo --dir '$tmp/d' --serve --password-stdin"
check '[ $st = 2 ] && grep -q -- "--password-stdin: .*at least 12" "$tmp/err" && [ ! -e "$tmp/d" ]' "weak password: $(show)"
check '"$bin" demo --help | grep -q -- "--serve               serve the demo over HTTPS"' "demo --help names --serve"

# ---- serve ----------------------------------------------------------------------------
start() { # STDIN [ARGS...]
    local in=$1
    shift
    "$bin" demo --dir "$tmp/d" --staff 40 --residents 2000 --serve --port 0 "$@" \
        <"$in" >"$tmp/serve.log" 2>"$tmp/serve.err" &
    pid=$!
    for _ in $(seq 900); do
        grep -q '^stop with Ctrl-C' "$tmp/serve.log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    port=$(sed -n 's|^serving https://127.0.0.1:\([0-9]*\) with tenant demo; data .*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] || { echo "FAIL: the demo did not serve"; cat "$tmp/serve.log" "$tmp/serve.err"; exit 1; }
}
stop() { # SIGNAL
    kill -"$1" "$pid"
    st=0
    wait "$pid" || st=$?
    pid=
}
start /dev/null
log=$(cat "$tmp/serve.log")
cert=$tmp/d/data/.tls/localhost-cert.pem
key=$tmp/d/data/.tls/localhost-key.pem
check '[ "$(stat -c %a "$cert")" = 600 ] && [ "$(stat -c %a "$key")" = 600 ] && [ "$(stat -c %a "$tmp/d/data/.tls")" = 700 ]' "certificate files 0600 in a 0700 directory: $(ls -la "$tmp/d/data/.tls")"
fp=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 | sed 's/.*=//')
check 'grep -qx "  SHA-256 fingerprint $fp" <<<"$log"' "the printed fingerprint is the certificate's ($fp): $log"
check 'grep -q "certificate $cert (new, self-signed" <<<"$log"' "a new certificate: $log"
text=$(openssl x509 -in "$cert" -noout -text)
check 'grep -q "Subject: CN = localhost" <<<"$text" && grep -q "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" <<<"$text" && grep -q "CA:FALSE" <<<"$text" && grep -q "TLS Web Server Authentication" <<<"$text" && grep -q "ASN1 OID: prime256v1" <<<"$text"' "certificate names and constraints: $text"
declare -A pw
for role in uploader analyst reporter admin; do
    pw[$role]=$(sed -n "s/^  demo-$role  *$role  *\([0-9a-f]\{24\}\)\$/\1/p" <<<"$log")
    check '[ -n "${pw[$role]}" ]' "a printed $role account: $log"
done
check '[ "${pw[analyst]}" != "${pw[admin]}" ]' "random passwords differ"

# log in with a printed account, verifying the server against the certificate
try curl -sS --cacert "$cert" -c "$tmp/jar" -H 'Content-Type: application/json' \
    --data-binary "{\"name\":\"demo-analyst\",\"password\":\"${pw[analyst]}\"}" \
    -w '\n%{http_code}' "https://127.0.0.1:$port/api/v1/session"
check '[ $st = 0 ] && tail -1 "$tmp/out" | grep -qx 200 && grep -q "\"role\": *\"analyst\"" "$tmp/out"' "login over verified TLS: $(show)"
try curl -sS --cacert "$cert" -b "$tmp/jar" -w '\n%{http_code}' "https://127.0.0.1:$port/api/v1/anomalies?limit=3"
check '[ $st = 0 ] && tail -1 "$tmp/out" | grep -qx 200 && grep -q "\"items\"" "$tmp/out"' "the analyst reads the ranked list: $(show)"
# the name localhost verifies too (curl resolves it to the loopback)
try curl -sS --cacert "$cert" --resolve "localhost:$port:127.0.0.1" -w '%{http_code}' "https://localhost:$port/healthz"
check '[ $st = 0 ] && grep -q "200$" "$tmp/out"' "verified as localhost: $(show)"
# every printed account logs in
for role in uploader reporter admin; do
    try curl -sS --cacert "$cert" -H 'Content-Type: application/json' -o /dev/null -w '%{http_code}' \
        --data-binary "{\"name\":\"demo-$role\",\"password\":\"${pw[$role]}\"}" "https://127.0.0.1:$port/api/v1/session"
    check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = 200 ]' "$role logs in: $(show)"
done
# a client that does not trust the certificate is refused
try curl -sS -o /dev/null "https://127.0.0.1:$port/healthz"
check '[ $st = 60 ]' "the self-signed certificate is not trusted by default: $(show)"
stop INT
check '[ $st = 0 ] && grep -qx "stopped on SIGINT" "$tmp/serve.log"' "SIGINT stops the demo service: $(cat "$tmp/serve.log" | tail -2)"
try curl -sS --cacert "$cert" "https://127.0.0.1:$port/healthz"
check '[ $st != 0 ]' "nothing listens after the stop: $(show)"

# a given password; the data directory is recreated with the demo, so a new
# certificate comes with it
echo 'demo password 2024' >"$tmp/pw"
start "$tmp/pw" --password-stdin
check 'grep -q "^  demo-reporter   reporter  (the password read from stdin)$" "$tmp/serve.log"' "the given password is not printed: $(cat "$tmp/serve.log")"
try curl -sS --cacert "$cert" -H 'Content-Type: application/json' -o /dev/null -w '%{http_code}' \
    --data-binary '{"name":"demo-reporter","password":"demo password 2024"}' "https://127.0.0.1:$port/api/v1/session"
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = 200 ]' "the given password logs in: $(show)"
stop TERM
check '[ $st = 0 ] && grep -qx "stopped on SIGTERM" "$tmp/serve.log"' "SIGTERM stops it: $(tail -2 "$tmp/serve.log")"
finish
