#!/bin/bash
# tests/api/test_users.sh -- `tenken user`, `tenken token` and `tenken audit`:
# accounts added with a password from stdin (never from the command line),
# stored as Argon2id hashes in DATA/service.db (mode 0600); the password
# policy and every refusal with its message and exit status; passwd,
# disable and enable; token secrets shown once and never stored; revocation;
# the audit log that recorded all of it and refuses UPDATE and DELETE.
set -euo pipefail
bin=${TENKEN_BIN:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/users.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export TENKEN_DATA=$tmp/data
db=$TENKEN_DATA/service.db
pw='correct horse battery'

must "$bin" init --tenant city-a >/dev/null
must "$bin" init --tenant city-b >/dev/null

# ---- user add -------------------------------------------------------------------
try "$bin" user add alice --role analyst --tenant city-a --password-stdin <<<"$pw"
check '[ $st = 0 ] && [ "$(cat "$tmp/out")" = "added account alice (analyst, tenant city-a)" ]' "user add: $(show)"
check '[ "$(stat -c %a "$db")" = 600 ]' "service.db mode: $(stat -c %a "$db")"
try "$bin" user add root --role admin --password-stdin <<<"$pw"
check '[ $st = 0 ] && grep -q "^added account root (admin, global)$" "$tmp/out"' "global admin: $(show)"
hash=$(sqlite3 "$db" "SELECT password FROM accounts WHERE name = 'alice'")
check '[[ "$hash" == "\$argon2id\$v=19\$m=65536,t=3,p=1\$"* ]]' "the hash is an argon2id string: $hash"
check '! grep -qa "$pw" "$db"' "the password is in service.db"

try "$bin" user add bob --role analyst --tenant city-a --password-stdin <<<"too short"
check '[ $st = 1 ] && grep -q "^tenken user: the password is too short: 9 characters, at least 12 needed$" "$tmp/err"' "short password: $(show)"
try "$bin" user add bob.smith --role analyst --tenant city-a --password-stdin <<<"BOB.SMITH"
check '[ $st = 1 ] && grep -q "too short" "$tmp/err"' "name as password (short): $(show)"
try "$bin" user add bob.smith.jr --role analyst --tenant city-a --password-stdin <<<"Bob.Smith.Jr"
check '[ $st = 1 ] && grep -q "^tenken user: the password must not be the account name$" "$tmp/err"' "name as password: $(show)"
try "$bin" user add bob --role analyst --tenant nosuch --password-stdin <<<"$pw"
check '[ $st = 1 ] && grep -q "^tenken user: tenant nosuch does not exist in $TENKEN_DATA" "$tmp/err"' "unknown tenant: $(show)"
try "$bin" user add bob --role analyst --password-stdin <<<"$pw"
check '[ $st = 2 ] && grep -q "^tenken user: an analyst account needs --tenant: only an admin may be global$" "$tmp/err"' "global analyst: $(show)"
try "$bin" user add bob --role boss --tenant city-a --password-stdin <<<"$pw"
check '[ $st = 2 ] && grep -q "unknown role .boss. (uploader, analyst, reporter or admin)" "$tmp/err"' "bad role: $(show)"
try "$bin" user add Bob --role analyst --tenant city-a --password-stdin <<<"$pw"
check '[ $st = 1 ] && grep -q "invalid account name \"Bob\": use 1-64 lower-case letters, digits" "$tmp/err"' "bad name: $(show)"
try "$bin" user add alice --role analyst --tenant city-a --password-stdin <<<"$pw"
check '[ $st = 1 ] && grep -q "^tenken user: account alice already exists in $TENKEN_DATA$" "$tmp/err"' "duplicate: $(show)"
try "$bin" user add bob --role analyst --tenant city-a --password "hunter2hunter2"
check '[ $st = 2 ] && grep -q "a password is never taken on the command line" "$tmp/err" && ! grep -q hunter2 "$tmp/err"' "--password: $(show)"
try "$bin" user add bob --role analyst --tenant city-a --password=hunter2hunter2
check '[ $st = 2 ] && grep -q "never taken on the command line" "$tmp/err"' "--password=: $(show)"
try "$bin" user add bob hunter2hunter2 --role analyst --tenant city-a
check '[ $st = 2 ] && grep -q "takes exactly one NAME (a password is never an argument)" "$tmp/err" && ! grep -q hunter2 "$tmp/err"' "password as an argument: $(show)"
try "$bin" user add bob --role analyst --tenant city-a </dev/null
check '[ $st = 1 ] && grep -q "standard input is not a terminal to ask for the password: give it on standard input with --password-stdin" "$tmp/err"' "no terminal: $(show)"
try "$bin" user add bob --role analyst --tenant city-a --password-stdin </dev/null
check '[ $st = 1 ] && grep -q "no password on standard input" "$tmp/err"' "empty stdin: $(show)"
check '[ "$(sqlite3 "$db" "SELECT group_concat(name) FROM accounts")" = "alice,root" ]' "only alice and root stored: $(sqlite3 "$db" "SELECT name FROM accounts")"

# ---- list, passwd, disable, enable ----------------------------------------------------
try "$bin" user list
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q "^name  *role  *tenant  *state  *created  *created by$" && grep -Eq "^alice  +analyst  +city-a  +active  +[0-9-]{10} [0-9:]{8} cli:" "$tmp/out" && grep -Eq "^root  +admin  +-  +active " "$tmp/out"' "user list: $(show)"
try "$bin" user list --format json
check '[ $st = 0 ] && python3 -c "import json,sys; a=json.load(open(sys.argv[1])); assert [(x[\"name\"], x[\"role\"], x[\"tenant\"], x[\"disabled\"]) for x in a] == [(\"alice\", \"analyst\", \"city-a\", False), (\"root\", \"admin\", None, False)], a" "$tmp/out"' "user list json: $(show)"
try "$bin" user passwd alice --password-stdin <<<"a new long password"
check '[ $st = 0 ] && grep -q "^set the password of alice; its sessions ended$" "$tmp/out"' "passwd: $(show)"
check '[ "$(sqlite3 "$db" "SELECT password FROM accounts WHERE name = '"'alice'"'")" != "$hash" ]' "passwd changed the hash"
try "$bin" user passwd nosuch --password-stdin <<<"$pw"
check '[ $st = 1 ] && grep -q "^tenken user: account nosuch does not exist in $TENKEN_DATA$" "$tmp/err"' "passwd of nobody: $(show)"
try "$bin" user disable alice
check '[ $st = 0 ] && grep -q "^disabled account alice; its sessions ended and its tokens are refused$" "$tmp/out"' "disable: $(show)"
try "$bin" user list
check 'grep -Eq "^alice  +analyst  +city-a  +disabled " "$tmp/out"' "disabled in the list: $(show)"
try "$bin" user enable alice
check '[ $st = 0 ] && grep -q "^enabled account alice$" "$tmp/out"' "enable: $(show)"
try "$bin" user list --format csv
check '[ $st = 2 ] && grep -q "format is table or json" "$tmp/err"' "user list --format csv: $(show)"

# ---- tokens -----------------------------------------------------------------------
try "$bin" token create --user alice --role reporter --days 30
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 1 ] && grep -Eq "^tkn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$" "$tmp/out"' "token create prints the secret alone: $(show)"
check 'grep -Eq "^created api token [0-9a-f]{16} for alice \(role reporter, tenant city-a\), valid until [0-9-]{10} [0-9:]{8} JST$" "$tmp/err" && grep -q "cannot be shown again" "$tmp/err"' "token create says what and warns: $(show)"
secret=$(cat "$tmp/out")
id=${secret:4:16}
check '! grep -qa "${secret:21}" "$TENKEN_DATA"/service.db* && ! grep -qa "$secret" "$TENKEN_DATA"/service.db*' "the token secret is stored in clear"
check '[ "$(sqlite3 "$db" "SELECT length(secret_hash) FROM tokens WHERE id = '"'$id'"'")" = 32 ]' "its SHA-256 is stored"
try "$bin" token create --user alice --role admin
check '[ $st = 1 ] && grep -q "^tenken token: account alice (role analyst) cannot hand out a token with role admin$" "$tmp/err"' "token role above the account's: $(show)"
try "$bin" token create --user alice --tenant city-b
check '[ $st = 1 ] && grep -q "account alice belongs to tenant city-a: its tokens cannot reach tenant city-b" "$tmp/err"' "token of another tenant: $(show)"
for d in 0 366 x; do
    try "$bin" token create --user alice --days $d
    check '[ $st = 2 ] && grep -q "days is a number of days from 1 to 365, not .$d." "$tmp/err"' "--days $d: $(show)"
done
try "$bin" token create --user nosuch
check '[ $st = 1 ] && grep -q "account nosuch does not exist" "$tmp/err"' "token of nobody: $(show)"
try "$bin" token create --user root --tenant city-b --days 1
check '[ $st = 0 ] && grep -q "for root (role admin, tenant city-b)" "$tmp/err"' "a global admin's token for one tenant: $(show)"
try "$bin" token list
check '[ $st = 0 ] && grep -Eq "^$id  alice  +reporter  +city-a  +active " "$tmp/out" && [ "$(wc -l <"$tmp/out")" = 3 ] && ! grep -q "tkn_" "$tmp/out"' "token list: $(show)"
try "$bin" token revoke "$id"
check '[ $st = 0 ] && grep -q "^revoked api token $id$" "$tmp/out"' "token revoke: $(show)"
try "$bin" token list
check 'grep -Eq "^$id  alice  +reporter  +city-a  +revoked " "$tmp/out"' "revoked in the list: $(show)"
try "$bin" token revoke "$id"
check '[ $st = 1 ] && grep -q "api token $id was already revoked on " "$tmp/err"' "revoked twice: $(show)"
try "$bin" token revoke
check '[ $st = 2 ] && grep -q "token revoke takes exactly one ID" "$tmp/err"' "revoke without an id: $(show)"

# ---- audit ------------------------------------------------------------------------
try "$bin" audit --limit 200
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q "^time  *tenant  *actor  *role  *address  *action  *target  *outcome  *detail$"' "audit header: $(show)"
check 'grep -Eq "^[0-9-]{10} [0-9:]{8}  city-a  +cli:[^ ]+ +admin +local +account.add +alice +ok +role analyst, tenant city-a$" "$tmp/out"' "audit: alice added: $(show)"
check 'grep -Eq " account.add +bob +refused +the password is too short" "$tmp/out"' "audit: the refusal: $(show)"
check 'grep -Eq " token.revoke +$id +ok " "$tmp/out" && grep -Eq " token.create +$id +ok +for alice: role reporter, tenant city-a, 30 days" "$tmp/out"' "audit: tokens: $(show)"
check '! grep -q "hunter2\|horse battery\|new long password" "$tmp/out"' "a password in the audit log: $(show)"
try "$bin" audit --action account.add --format json
check '[ $st = 0 ] && python3 -c "import json,sys; a=json.load(open(sys.argv[1])); assert [(x[\"target\"], x[\"outcome\"]) for x in a][:3] == [(\"alice\", \"ok\"), (\"root\", \"ok\"), (\"bob\", \"refused\")], a; assert all(x[\"action\"] == \"account.add\" for x in a)" "$tmp/out"' "audit --action --format json: $(show)"
try "$bin" audit --limit 2 --action user.nosuch
check '[ $st = 0 ] && grep -q "^no audit records match in $TENKEN_DATA$" "$tmp/out"' "audit with nothing to show: $(show)"
try "$bin" audit --limit 2
check '[ $st = 0 ] && [ "$(wc -l <"$tmp/out")" = 3 ] && tail -1 "$tmp/out" | grep -q " audit.list "' "audit --limit 2, its own reading last: $(show)"
try "$bin" audit --since 2999-01-01
check '[ $st = 0 ] && grep -q "^no audit records match" "$tmp/out"' "audit --since the future: $(show)"
try "$bin" audit --since yesterday
check '[ $st = 2 ] && grep -q "since is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (JST), not .yesterday." "$tmp/err"' "audit --since junk: $(show)"
try sqlite3 "$db" "UPDATE audit SET outcome = 'ok'"
check '[ $st != 0 ] && grep -q "append-only: records cannot be changed" "$tmp/err"' "UPDATE of the audit log: $(show)"
try sqlite3 "$db" "DELETE FROM audit"
check '[ $st != 0 ] && grep -q "append-only: records cannot be deleted" "$tmp/err"' "DELETE of the audit log: $(show)"
check '[ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE outcome = '"'refused'"'")" -ge 8 ]' "refusals kept"

# ---- a copied, readable service.db is refused --------------------------------------------
chmod 644 "$db"
try "$bin" user list
check '[ $st = 1 ] && grep -q "service.db is readable or writable by others (mode 0644): it holds password hashes; run .chmod 600" "$tmp/err"' "a readable service.db: $(show)"
finish
