# tests/api/serve_lib.sh -- what the shell tests of `tenken serve` share;
# sourced after lib.sh, not run. The test sets bin, tmp and TENKEN_DATA.
#   serve_adduser NAME ROLE [TENANT]   an account with the password $PW
#   serve_cert                         $tmp/cert.pem and $tmp/key.pem for 127.0.0.1
#   serve_demo SEED                    a demo city of seed SEED in $tmp/d (tenant demo; the
#                                      test sets TENKEN_DATA=$tmp/d/data), an empty tenant
#                                      other and serve_accounts demo other
#   serve_start [ARGS...]              starts `tenken serve` on a free loopback port
#                                      over TLS (ARGS added); sets server_pid, port, base
#   serve_stop                         SIGTERM, and waits for the exit
#   req METHOD PATH [CURL ARGS...]     status in $code, body in $tmp/b, headers in
#                                      $tmp/h, a one-line account in $last; every
#                                      answer must carry the security headers; with
#                                      $schema_log set, each answer is also recorded
#                                      there for tests/api/openapi_check.py
#   bearer WHO METHOD PATH [ARGS...]   req with the token ${tok[WHO]}
#   allow WHO METHOD PATH WANT [BODY]  bearer (BODY sent as JSON), checked to answer WANT
#   login NAME PASSWORD JAR            POST /api/v1/session, the cookie in JAR
#   jq_ EXPR                           a Python expression of the body d, printed
#   errcode                            the body's error code
PW=${PW:-'correct horse battery staple'}
server_pid=
declare -A tok

serve_adduser() {
    printf '%s\n' "$PW" | must "$bin" user add "$1" --role "$2" ${3:+--tenant "$3"} --password-stdin >/dev/null
}

# The accounts most area tests use, each with an API token in tok[]: t-ROLE
# of TENANT for every role (tok[ROLE]), o-analyst of OTHER (tok[other]) and
# root, a global admin (tok[global]).
serve_accounts() { # TENANT OTHER
    serve_adduser root admin
    local role
    for role in uploader analyst reporter admin; do
        serve_adduser "t-$role" "$role" "$1"
        tok[$role]=$(must "$bin" token create --user "t-$role")
    done
    serve_adduser o-analyst analyst "$2"
    tok[other]=$(must "$bin" token create --user o-analyst)
    tok[global]=$(must "$bin" token create --user root)
}

# The demo city most area tests read: 40 staff, 2000 residents.
serve_demo() { # SEED
    must "$bin" demo --dir "$tmp/d" --seed "$1" --staff 40 --residents 2000 >/dev/null
    must "$bin" init --tenant other >/dev/null
    serve_accounts demo other
}

serve_cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -days 2 \
        -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1 >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log"; exit 1; }
}

serve_start() {
    "$bin" serve --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
        "$@" >"$tmp/serve.log" 2>"$tmp/serve.err" &
    server_pid=$!
    for _ in $(seq 300); do
        grep -q '^serving ' "$tmp/serve.log" 2>/dev/null && break
        sleep 0.1
    done
    port=$(sed -n 's|^serving https://127.0.0.1:\([0-9]*\) .*|\1|p' "$tmp/serve.log")
    [ -n "$port" ] || { echo "FAIL: the server did not start"; cat "$tmp/serve.log" "$tmp/serve.err"; exit 1; }
    base=https://127.0.0.1:$port
}

serve_stop() {
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}

nreq=0
req() {
    local m=$1 p=$2
    shift 2
    code=$(curl -sS --cacert "$tmp/cert.pem" -X "$m" -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$@" "$base$p") || code=curl-failed
    last="$m $p $* -> $code: $(head -c 600 "$tmp/b")"
    nreq=$((nreq + 1))
    if [ -n "${schema_log:-}" ] && [ "$code" != curl-failed ]; then
        cp "$tmp/b" "$tmp/answer.$nreq"
        printf '%s\t%s\t%s\t%s\n' "$m" "${p%%\?*}" "$code" "$tmp/answer.$nreq" >>"$schema_log"
    fi
    for hdr in 'Strict-Transport-Security: max-age=' "Content-Security-Policy: default-src 'none'" \
        'X-Content-Type-Options: nosniff' 'X-Frame-Options: DENY' 'Referrer-Policy: no-referrer' \
        'Cache-Control: no-store'; do
        grep -qi "^$hdr" "$tmp/h" || bad "no '$hdr' on $last"
    done
}
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/b"; }
errcode() { jq_ 'd["error"]["code"]'; }
bearer() { local who=$1 m=$2 p=$3; shift 3; req "$m" "$p" -H "Authorization: Bearer ${tok[$who]}" "$@"; }
allow() {
    local who=$1 m=$2 p=$3 want=$4 body=${5:-}
    if [ -n "$body" ]; then
        bearer "$who" "$m" "$p" -H 'Content-Type: application/json' --data-binary "$body"
    else
        bearer "$who" "$m" "$p"
    fi
    check '[ "$code" = "$want" ]' "$who $m $p: want $want: $last"
}
login() { # NAME PASSWORD JAR
    req POST /api/v1/session -c "$3" -H 'Content-Type: application/json' \
        --data-binary "{\"name\":\"$1\",\"password\":\"$2\"}"
}
