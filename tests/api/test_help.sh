#!/bin/bash
# tests/api/test_help.sh -- every command's and every action's help has one
# shape: `--help` and `-h` print the same text on stdout with exit 0,
# starting "usage: tenken CMD", naming every option the command accepts in
# its usage lines and in an "options:" section, and ending with an "exit
# status:" line; `tenken help CMD [ACTION]` prints the same; an unknown
# option stays a usage error (exit 2). The options a command accepts are
# read from its source (the getopt_long table in api/*.c, gen-city's own
# parser), not from its help, so an option added without its help line
# fails here. Also the global `tenken --data DIR CMD`, which must mean the
# same as the command's own --data.
set -euo pipefail
bin=${TENKEN_BIN:?}
src=${TK_SOURCE_DIR:?}
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/help.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset TENKEN_DATA
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# A --data that went astray would use ./tenken-data: let that be in $tmp.
cd "$tmp"

# ---- what the source says: commands, whether they take actions, options ------
# One line per command: NAME ACTIONS(0|1) NO_DATA(0|1) OPTION...
python3 - "$src" >"$tmp/commands.txt" <<'PY'
import glob, re, sys
src = sys.argv[1]
cli = open(src + "/api/cli.c", encoding="utf-8").read()
table = re.search(r"commands\[\] = \{(.*?)\n\};", cli, re.S).group(1)
texts = [open(f, encoding="utf-8").read() for f in sorted(glob.glob(src + "/api/*.c"))]
def body(text, head):
    m = re.search(r"^" + head + r"\((?:.|\n)*?\)\n\{\n(.*?)^\}", text, re.S | re.M)
    return m.group(1) if m else None
rows = re.findall(r'\{"([a-z-]+)",\s*(tk_cli_\w+),\s*"[^"]*",\s*(\d),\s*(NULL|"[^"]*")\}', table)
assert len(rows) >= 13, "the command table of api/cli.c was not understood"
for name, fn, actions, no_data in rows:
    found = [(t, body(t, "int " + fn)) for t in texts if body(t, "int " + fn)]
    assert len(found) == 1, "no single definition of " + fn
    text, b = found[0]
    opts = re.findall(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument', b)
    # api/cliutil: a table named for tk_cliutil_getopt at file scope, and the
    # shared options named in TK_CLIUTIL_ARGS_INIT (--help always)
    for t in re.findall(r"tk_cliutil_getopt\(&\w+, argc, argv, (\w+)\)", b):
        m = re.search(r"^static const struct option " + t + r"\[\] = \{(.*?)\};", text, re.S | re.M)
        if m:
            opts += re.findall(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument', m.group(1))
    for init in re.findall(r"TK_CLIUTIL_ARGS_INIT\((.*?)\);", b, re.S):
        for flag, o in (("TENANT", "tenant"), ("PERIOD", "period"), ("DATA", "data"), ("NOWAIT", "no-wait")):
            if "TK_CLIUTIL_" + flag in init:
                opts.append(o)
        opts.append("help")
    if not opts:  # gen-city parses its arguments by hand, in parse_args()
        opts = re.findall(r'"--([a-z][a-z-]*)"', body(text, "static int parse_args") or "")
    assert "help" in opts, name + ": no --help among " + repr(opts)
    print(name, actions, 0 if no_data == "NULL" else 1, *sorted(set(opts)))
PY
check '[ "$(wc -l <"$tmp/commands.txt")" -ge 13 ]' "commands read from api/cli.c: $(cat "$tmp/commands.txt")"

# The actions of the commands that take one, and the options of a command
# that an action refuses (the actions share one option table).
declare -A actions=([master]="import list" [profile]="test add list show history rm"
    [rules]="list show set reset history" [suppress]="add list rm"
    [user]="add passwd disable enable list" [token]="create revoke list"
    [confirmations]="export import list answer")
declare -A refused=([master list]="profile effective" [rules list]="by" [rules show]="format by"
    [rules set]="format" [rules reset]="format" [rules history]="by"
    [suppress add]="format" [suppress list]="item rule entity-type entity reason expires"
    [suppress rm]="item rule entity-type entity reason expires format"
    [profile test]="version" [profile add]="rows format version" [profile list]="rows version"
    [profile show]="rows format" [profile history]="rows version" [profile rm]="rows format version"
    [confirmations export]="dry-run format verdict reason by date suppress suppress-until no-wait"
    [confirmations import]="period out verdict reason by date suppress suppress-until"
    [confirmations list]="out dry-run verdict reason by date suppress suppress-until no-wait"
    [confirmations answer]="period out dry-run format"
    [user add]="format" [user passwd]="role tenant format"
    [user disable]="role tenant password-stdin format" [user enable]="role tenant password-stdin format"
    [user list]="role tenant password-stdin" [token revoke]="user tenant role days"
    [token list]="user tenant role days")
# Arguments that get an action as far as opening the tenant (for --data).
cat >"$tmp/p.json" <<'EOF'
{"profile": "p", "system": {"value": "s"},
 "fields": {"time": {"column": "t", "format": "YYYY-MM-DD hh:mm:ss"}, "user": {"column": "u"},
            "operation": {"column": "o", "map": {"x": "lookup"}}}}
EOF
declare -A opens=([init]=skip [master import]="--kind staff $tmp/none.csv" [master list]=""
    [ingest]="--profile $tmp/p.json $tmp/none.csv" [uploads]="" [settings]=""
    [plan]="--fiscal-year 2024" [completeness]="--period 2024-10-01..2024-11-30"
    [analyze]="--period 2024-10-01..2024-11-30" [anomalies]="--period 2024-10-01..2024-11-30"
    [explain]="1" [triage]="1 confirmed" [events]="--item 1" [deliver]="--period 2024-10-01..2024-11-30" [periods]="" [entity]="--user u1 --period 2024-10-01..2024-11-30"
    [trends]="--from 2024-10-01 --to 2024-11-30 --by month" [rules list]="" [rules show]=""
    [report]="--period 2024-10-01..2024-11-30 --out $tmp/none.html"
    [rules set]="$tmp/none.json" [rules reset]="" [rules history]=""
    [suppress add]="--rule R03 --entity-type user --entity u1 --reason r --expires 2099-01-01"
    [suppress list]="" [suppress rm]="1"
    [confirmations export]="--period 2024-10-01..2024-11-30 --out $tmp/c.xlsx"
    [confirmations import]="$tmp/none.xlsx" [confirmations list]="--period 2024-10-01..2024-11-30"
    [confirmations answer]="C-2024-10-0a1b2c3d --verdict justified --reason r --by x --date 2024-11-01"
    [user add]="alice --role analyst --password-stdin"
    [profile add]="$tmp/p.json" [profile list]="" [profile show]="p" [profile history]="p"
    [profile rm]="p"
    [profile test]="$src/notebooks-data/sample-city/profiles/juki-vendor-a.json $src/notebooks-data/sample-city/logs/juki_2024-10.csv")

# Commands that reach the data directory's service database, not a tenant:
# "ARGS|STATUS|what they say" (followed by the directory).
declare -A reaches=([user passwd]="nosuch|1|account nosuch does not exist in"
    [user disable]="nosuch|1|account nosuch does not exist in"
    [user enable]="nosuch|1|account nosuch does not exist in" [user list]="|0|no accounts in"
    [token create]="--user nosuch|1|account nosuch does not exist in"
    [token revoke]="0123456789abcdef|1|api token 0123456789abcdef does not exist in"
    [token list]="|0|no api tokens in" [audit]="--tenant nosuch|0|no audit records match in"
    [serve]="--listen 127.0.0.1:0 --insecure-http|1|no accounts in")

# ---- one help text ---------------------------------------------------------------
# check_help "CMD [ACTION]" OPTION...: the shape of its --help.
check_help() {
    local what=$1 o
    shift
    local -a words
    read -ra words <<<"$what"
    try "$bin" "${words[@]}" --help
    check '[ $st = 0 ] && [ ! -s "$tmp/err" ]' "$what --help: $(show)"
    cp "$tmp/out" "$tmp/help.txt"
    try "$bin" "${words[@]}" -h
    check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/help.txt"' "$what -h differs from --help: $(show)"
    try "$bin" help "${words[@]}"
    check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/help.txt"' "tenken help $what differs from --help: $(show)"
    local h=$tmp/help.txt
    check 'head -1 "$h" | grep -Eq "^usage: tenken $what( |\$)"' "$what: first line: $(head -1 "$h")"
    # the usage lines run up to the first blank line; the options section
    # from "options:" to the next blank line
    sed '/^$/q' "$h" >"$tmp/usage.txt"
    sed -n '/^options:$/,/^$/p' "$h" >"$tmp/options.txt"
    check '[ -s "$tmp/options.txt" ]' "$what: no options: section in $(cat "$h")"
    for o in "$@"; do
        [ "$o" = help ] || check 'grep -q -- "--$o\b" "$tmp/usage.txt"' "$what: --$o not in the usage lines: $(cat "$tmp/usage.txt")"
        check 'grep -Eq -- "^  (-h, )?--$o( |\[=|\$)" "$tmp/options.txt"' "$what: --$o not in the options section: $(cat "$tmp/options.txt")"
    done
    check 'grep -q "^  -h, --help  *this help$" "$tmp/options.txt"' "$what: -h, --help line"
    # and nothing listed that the command does not take
    local listed want
    listed=$(grep -Eo -- '^  (-h, )?--[a-z-]+' "$tmp/options.txt" | sed 's/^  \(-h, \)\?--//' | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    check '[ "$listed" = "$want" ]' "$what: the options section lists '$listed', the command takes '$want'"
    if grep -q -- "--data" <<<"$want"; then
        check 'grep -Fq "  --data DIR            the data directory (default: \$TENKEN_DATA, else" "$tmp/options.txt"' "$what: the shared --data line"
    fi
    # "exit status: 0 ...", the last paragraph, with the usage error's 2
    check 'sed -n "/^exit status: 0 /,\$p" "$h" | tr "\n" " " | grep -q "2 usage error *$"' "$what: exit status paragraph: $(tail -3 "$h")"
    check '[ "$(sed -n "/^exit status: /,\$p" "$h" | grep -c "^$")" = 0 ]' "$what: the exit status comes last: $(tail -3 "$h")"
    # an unknown option, a short one and a missing value stay usage errors
    try "$bin" "${words[@]}" --no-such-option
    check '[ $st = 2 ] && grep -q -- "--no-such-option" "$tmp/err" && grep -q "^try .tenken ${words[0]}" "$tmp/err" && [ ! -s "$tmp/out" ]' "$what --no-such-option: $(show)"
    try "$bin" "${words[@]}" -x
    check '[ $st = 2 ] && grep -q -- "-x" "$tmp/err"' "$what -x: $(show)"
}

# check_overview CMD: the help of a command with actions lists them.
check_overview() {
    local cmd=$1 a
    try "$bin" "$cmd" --help
    check '[ $st = 0 ] && [ ! -s "$tmp/err" ]' "$cmd --help: $(show)"
    cp "$tmp/out" "$tmp/overview.txt"
    try "$bin" "$cmd" -h
    check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/overview.txt"' "$cmd -h differs from --help: $(show)"
    try "$bin" help "$cmd"
    check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/overview.txt"' "tenken help $cmd differs from --help: $(show)"
    local h=$tmp/overview.txt
    check 'head -1 "$h" | grep -q "^usage: tenken $cmd "' "$cmd: first line: $(head -1 "$h")"
    local listed
    listed=$(sed -n '/^actions:$/,/^$/p' "$h" | grep -Eo '^  [a-z]+' | tr -d ' ' | tr '\n' ' ')
    check '[ "$listed" = "${actions[$cmd]} " ]' "$cmd --help lists the actions '$listed', not '${actions[$cmd]}'"
    for a in ${actions[$cmd]}; do
        check 'sed "/^$/q" "$h" | grep -Eq "^(usage:|      ) tenken $cmd $a "' "$cmd --help: no usage line of $a"
    done
    check 'tail -1 "$h" | grep -q "^exit status: 0 .*2 usage error$"' "$cmd: exit status: $(tail -1 "$h")"
    try "$bin" "$cmd" nosuch
    check '[ $st = 2 ] && grep -q "^try .tenken $cmd --help.$" "$tmp/err"' "$cmd nosuch: $(show)"
    try "$bin" help "$cmd" nosuch
    check '[ $st = 2 ] && grep -q "^try .tenken $cmd --help.$" "$tmp/err"' "tenken help $cmd nosuch: $(show)"
}

# check_data "CMD [ACTION]" TAKES_DATA: the global --data means the command's own.
check_data() {
    local what=$1 takes=$2
    local -a words args
    read -ra words <<<"$what"
    if [ "$takes" = 0 ]; then
        try "$bin" --data "$tmp/gd" "${words[@]}"
        check '[ $st = 2 ] && grep -q -- "--data" "$tmp/err"' "--data before $what, which takes none: $(show)"
        return
    fi
    if [ -n "${reaches[$what]+set}" ]; then
        local want_st says
        IFS='|' read -r argstr want_st says <<<"${reaches[$what]}"
        read -ra args <<<"$argstr"
        for spelling in "--data $tmp/gd" "--data=$tmp/gd"; do
            # shellcheck disable=SC2086
            try "$bin" $spelling "${words[@]}" "${args[@]}"
            check '[ $st = $want_st ] && cat "$tmp/out" "$tmp/err" | grep -q "$says $tmp/gd"' "$spelling $what: $(show)"
        done
        try "$bin" --data "$tmp/gd" "${words[@]}" "${args[@]}" --data "$tmp/own"
        check '[ $st = $want_st ] && cat "$tmp/out" "$tmp/err" | grep -q "$says $tmp/own"' "both --data, $what: $(show)"
        return
    fi
    if [ -z "${opens[$what]+set}" ]; then
        bad "$what takes --data: give the test the arguments that open its tenant (opens[$what])"
        return
    fi
    [ "${opens[$what]}" = skip ] && return
    read -ra args <<<"${opens[$what]}"
    for spelling in "--data $tmp/gd" "--data=$tmp/gd"; do
        # shellcheck disable=SC2086
        try "$bin" $spelling "${words[@]}" --tenant nosuch "${args[@]}"
        check '[ $st = 1 ] && grep -q "tenant nosuch does not exist in $tmp/gd" "$tmp/err"' "$spelling $what: $(show)"
    done
    # the command's own --data wins over the global one
    try "$bin" --data "$tmp/gd" "${words[@]}" --tenant nosuch "${args[@]}" --data "$tmp/own"
    check '[ $st = 1 ] && grep -q "tenant nosuch does not exist in $tmp/own" "$tmp/err"' "both --data, $what: $(show)"
}

# ---- every command and action ------------------------------------------------------
ncmds=0
while read -r name has_actions no_data opts; do
    ncmds=$((ncmds + 1))
    read -ra all <<<"$opts"
    takes_data=0
    [[ " $opts " == *" data "* ]] && takes_data=1
    check '[ "$no_data" = 0 ] || [ $takes_data = 0 ]' "$name is marked in api/cli.c as taking no --data, yet it takes one"
    if [ "$has_actions" = 0 ]; then
        check '[ -z "${actions[$name]+set}" ]' "$name is marked in api/cli.c as taking no action; the test lists actions"
        check_help "$name" "${all[@]}"
        check_data "$name" $takes_data
        continue
    fi
    if [ -z "${actions[$name]+set}" ]; then
        bad "$name takes actions: list them in the test (actions[$name])"
        continue
    fi
    check_overview "$name"
    for a in ${actions[$name]}; do
        mine=()
        for o in "${all[@]}"; do
            [[ " ${refused[$name $a]:-} " == *" $o "* ]] || mine+=("$o")
        done
        check_help "$name $a" "${mine[@]}"
        # what the action refuses is refused indeed (so the list above is true)
        for o in ${refused[$name $a]:-}; do
            try "$bin" "$name" "$a" --tenant x --$o v
            check '[ $st = 2 ]' "$name $a takes no --$o, so it is a usage error: $(show)"
        done
        check_data "$name $a" $takes_data
    done
done <"$tmp/commands.txt"

# ---- tenken itself -------------------------------------------------------------------
try "$bin" --help
check '[ $st = 0 ] && head -1 "$tmp/out" | grep -q "^usage: tenken \[--data DIR\] COMMAND"' "tenken --help: $(show)"
cp "$tmp/out" "$tmp/top.txt"
for v in -h help; do
    try "$bin" $v
    check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/top.txt"' "tenken $v differs from tenken --help: $(show)"
done
listed=$(sed -n '/^commands:$/,/^$/p' "$tmp/top.txt" | grep -Eo '^  [a-z-]+' | tr -d ' ' | sort | tr '\n' ' ')
want=$(cut -d' ' -f1 "$tmp/commands.txt" | sort | tr '\n' ' ')
check '[ "$listed" = "$want" ]' "tenken --help lists '$listed', the table has '$want'"
check 'grep -Eq "^  --data DIR " "$tmp/top.txt" && tail -1 "$tmp/top.txt" | grep -q "^exit status: 0 "' "tenken --help: options and exit status: $(cat "$tmp/top.txt")"
try "$bin"
check '[ $st = 2 ] && grep -q "^usage: tenken" "$tmp/err"' "tenken alone: $(show)"
try "$bin" help nosuch
check '[ $st = 2 ] && grep -q "^tenken help: unknown command .nosuch." "$tmp/err" && grep -q "^  analyze " "$tmp/err"' "tenken help nosuch lists the commands: $(show)"
try "$bin" help init extra
check '[ $st = 2 ] && grep -q "extra" "$tmp/err"' "tenken help init extra: $(show)"
try "$bin" nosuch
check '[ $st = 2 ] && grep -q "unknown command .nosuch." "$tmp/err"' "tenken nosuch: $(show)"
try "$bin" --bogus init
check '[ $st = 2 ] && grep -q "^tenken: unknown option .--bogus." "$tmp/err"' "tenken --bogus: $(show)"
try "$bin" --data
check '[ $st = 2 ] && grep -q "^tenken: --data needs a directory" "$tmp/err"' "tenken --data alone: $(show)"
try "$bin" --data "$tmp/gd" gen-city --out "$tmp/city" --seed 1
check '[ $st = 2 ] && grep -q "^tenken gen-city: --data does not apply: " "$tmp/err" && [ ! -e "$tmp/city" ]' "--data before gen-city: $(show)"

# ---- the global --data creates and finds tenants ---------------------------------------
try "$bin" --data "$tmp/d1" init --tenant x
check '[ $st = 0 ] && [ -f "$tmp/d1/x/store.db" ] && [ -f "$tmp/d1/x/pseudonym.key" ]' "tenken --data DIR init: $(show)"
try "$bin" --data="$tmp/d2" init --tenant y
check '[ $st = 0 ] && [ -f "$tmp/d2/y/store.db" ]' "tenken --data=DIR init: $(show)"
# x lives only in d1: with $TENKEN_DATA elsewhere, the global --data still wins
TENKEN_DATA=$tmp/elsewhere try "$bin" --data "$tmp/d1" uploads --tenant x
check '[ $st = 0 ]' "--data wins over \$TENKEN_DATA: $(show)"
try "$bin" --data "$tmp/d1" master import --tenant x --kind staff "$tmp/none.csv"
check '[ $st = 1 ] && grep -q "none.csv" "$tmp/err"' "--data before an action reaches the tenant: $(show)"
try "$bin" --data "$tmp/d1" rules history --tenant x
check '[ $st = 0 ] && grep -q "no rule configuration stored for x" "$tmp/out"' "--data before rules history: $(show)"
must "$bin" master --help >"$tmp/master.txt"
try "$bin" --data "$tmp/d1" master --help
check '[ $st = 0 ] && cmp -s "$tmp/out" "$tmp/master.txt"' "--data before master --help: $(show)"
try "$bin" --data "$tmp/d1" rules
check '[ $st = 2 ] && grep -q "^usage: tenken rules" "$tmp/err"' "--data before rules without an action: $(show)"

check '[ ! -e "$tmp/tenken-data" ]' "a command wrote to ./tenken-data instead of its --data"
check '[ $ncmds -ge 13 ]' "only $ncmds commands checked"
finish
