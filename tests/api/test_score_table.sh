#!/bin/bash
# tests/api/test_score_table.sh -- `tenken score-table` as a user or a script
# drives it: one score per row in input order for both methods, excluded
# columns, determinism for a seed (and across thread counts), standard
# input and output, the messages of bad tables and usage errors, and, where
# a python3 with scikit-learn exists, ROC AUC against scikit-learn's
# IsolationForest on a synthetic set (skipped with a message otherwise).
set -euo pipefail
bin=${TENKEN_BIN:?}
mkdir -p "${TK_TEST_TMP:-/tmp}"
tmp=$(mktemp -d "${TK_TEST_TMP:-/tmp}/score.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# 200 rows on a smooth 2-D cloud (a deterministic pseudo-random walk), two
# planted anomalies at rows 50 and 150, an id and a label column.
awk 'BEGIN {
    print "id,x,y,label"
    s = 12345
    for (i = 1; i <= 200; i++) {
        s = (s * 1103515245 + 12345) % 2147483648; u = s / 2147483648
        s = (s * 1103515245 + 12345) % 2147483648; v = s / 2147483648
        x = u * 2 - 1; y = 0.5 * x + (v * 2 - 1) * 0.5
        if (i == 50) { x = 9.5; y = -7.25 }
        if (i == 150) { x = -8; y = 8.5 }
        printf "r%d,%.6f,%.6f,%d\n", i, x, y, (i == 50 || i == 150)
    }
}' >"$tmp/t.csv"

top2() { tail -n +2 "$1" | awk '{ print NR, $1 }' | sort -k2,2gr | head -2 | cut -d" " -f1 | sort -n | tr '\n' ' '; }

# --- both methods: one score per row, in order -------------------------------
for method in iforest mahalanobis; do
    out=$("$bin" score-table --method $method --input "$tmp/t.csv" --exclude-column id \
        --exclude-column label --out "$tmp/$method.csv" 2>&1) && ok || bad "$method failed: $out"
    check '[ "$(head -1 "$tmp/$method.csv")" = score ]' "$method: header is 'score'"
    check '[ "$(wc -l <"$tmp/$method.csv")" = 201 ]' "$method: 200 scores and a header"
    check '[ "$(top2 "$tmp/$method.csv")" = "50 150 " ]' \
        "$method: planted rows 50 and 150 score highest, got $(top2 "$tmp/$method.csv")"
done
check 'tail -n +2 "$tmp/iforest.csv" | awk "\$1 <= 0 || \$1 > 1 { exit 1 }"' "iforest scores in (0, 1]"
check 'tail -n +2 "$tmp/mahalanobis.csv" | awk "\$1 < 0 { exit 1 }"' "mahalanobis scores >= 0"
"$bin" score-table --method mahalanobis --classical --input "$tmp/t.csv" --exclude-column id \
    --exclude-column label --out "$tmp/classical.csv" && ok || bad "--classical failed"
check '! cmp -s "$tmp/classical.csv" "$tmp/mahalanobis.csv"' "classical differs from robust"

# --- determinism ---------------------------------------------------------------
args=(--method iforest --exclude-column id --exclude-column label --input "$tmp/t.csv")
"$bin" score-table "${args[@]}" --seed 7 --threads 1 --out "$tmp/s7a.csv"
"$bin" score-table "${args[@]}" --seed 7 --threads 2 --out "$tmp/s7b.csv"
"$bin" score-table "${args[@]}" --seed 8 --out "$tmp/s8.csv"
check 'cmp -s "$tmp/s7a.csv" "$tmp/s7b.csv"' "same seed, other thread count: same scores"
check '! cmp -s "$tmp/s7a.csv" "$tmp/s8.csv"' "another seed: other scores"
"$bin" score-table "${args[@]}" --trees 10 --psi 32 --out "$tmp/small.csv" && ok || bad "--trees/--psi"
check '[ "$(wc -l <"$tmp/small.csv")" = 201 ]' "--trees 10 --psi 32 scores every row"

# --- standard input and output -------------------------------------------------
"$bin" score-table --method iforest --exclude-column id --exclude-column label --seed 7 \
    --input - --out - <"$tmp/t.csv" >"$tmp/stdio.csv"
check 'cmp -s "$tmp/stdio.csv" "$tmp/s7a.csv"' "stdin/stdout give the same scores"

# --- bad tables: exit 1, message names file, record, line, column, value ------
printf 'a,b\n1,2\n3,4\n5,12kB\n' >"$tmp/bad.csv"
out=$("$bin" score-table --method iforest --input "$tmp/bad.csv" --out "$tmp/o.csv" 2>&1) &&
    bad "non-numeric cell must fail" || check '[ $? = 1 ]' "non-numeric cell exits 1"
check 'grep -qF "tenken score-table: $tmp/bad.csv: record 4 (line 4), column 2 \"b\": not a number: \"12kB\"" <<<"$out"' \
    "non-numeric message: $out"
check '[ ! -e "$tmp/o.csv" ] && ! ls "$tmp"/o.csv.tmp-* >/dev/null 2>&1' "no output file after a failure"
out=$("$bin" score-table --method iforest --input "$tmp/t.csv" --exclude-column lable --out "$tmp/o.csv" 2>&1) &&
    bad "unknown column must fail" || check '[ $? = 1 ]' "unknown column exits 1"
check 'grep -qF "column \"lable\" to exclude is not in the header" <<<"$out"' "unknown column message: $out"
out=$("$bin" score-table --method iforest --input "$tmp/t.csv" --out "$tmp/o.csv" 2>&1) &&
    bad "id column must fail" || ok
check 'grep -qF "record 2 (line 2), column 1 \"id\": not a number: \"r1\"" <<<"$out"' "id column message: $out"
printf 'a,b\n1,2\n3\n' >"$tmp/ragged.csv"
out=$("$bin" score-table --method mahalanobis --input "$tmp/ragged.csv" --out "$tmp/o.csv" 2>&1) &&
    bad "ragged table must fail" || ok
check 'grep -qF "ragged.csv: record 3 (line 3): expected 2 fields, found 1" <<<"$out"' "ragged message: $out"
out=$("$bin" score-table --method iforest --input "$tmp/nosuch.csv" --out "$tmp/o.csv" 2>&1) &&
    bad "missing file must fail" || check '[ $? = 1 ]' "missing file exits 1"
check 'grep -qF "cannot open $tmp/nosuch.csv" <<<"$out"' "missing file message: $out"
printf 'a\n5\n' >"$tmp/one.csv"
out=$("$bin" score-table --method iforest --input "$tmp/one.csv" --out "$tmp/o.csv" 2>&1) &&
    bad "one row must fail" || ok
check 'grep -qF "at least 2 rows" <<<"$out"' "one row message: $out"

# --- usage errors: exit 2 ------------------------------------------------------
usage() {
    local want=$1
    shift
    local out rc=0
    out=$("$bin" score-table "$@" 2>&1) || rc=$?
    if [ "$rc" = 2 ] && grep -qF -e "$want" <<<"$out"; then ok; else bad "score-table $* -> $rc: $out"; fi
}
usage "--method, --input and --out are required" --input "$tmp/t.csv" --out "$tmp/o.csv"
usage "--method is iforest or mahalanobis, not 'lof'" --method lof --input "$tmp/t.csv" --out "$tmp/o.csv"
usage "--trees needs a number from 1 to 100000, not '0'" --method iforest --trees 0 --input x --out y
usage "--psi needs a number from 2 to 4294967295, not '1'" --method iforest --psi 1 --input x --out y
usage "--seed needs a non-negative integer, not 'abc'" --method iforest --seed abc --input x --out y
usage "apply to --method iforest" --method mahalanobis --trees 5 --input x --out y
usage "--classical applies to --method mahalanobis" --method iforest --classical --input x --out y
usage "unknown or incomplete option '--bogus'" --bogus
usage "unexpected argument 'extra'" --method iforest --input x --out y extra
"$bin" score-table --help | grep -q "usage: tenken score-table" && ok || bad "--help"
"$bin" --help | grep -q "score-table" && ok || bad "score-table listed in tenken --help"

# --- ROC AUC against scikit-learn ------------------------------------------------
py=""
for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sklearn, numpy' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "skip: no python3 with scikit-learn and numpy; ROC AUC comparison not run"
else
    "$py" - "$bin" "$tmp" <<'EOF' && ok || bad "ROC AUC differs from scikit-learn's"
import subprocess, sys
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
bin, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(5)
inl = rng.multivariate_normal([0, 0, 0, 0], np.eye(4) + 0.5, 3000)
out = rng.uniform(-4.5, 4.5, (150, 4))
X = np.vstack([inl, out]); y = np.r_[np.zeros(3000), np.ones(150)]
np.savetxt(f"{tmp}/auc.csv", np.c_[X, y], delimiter=",", header="a,b,c,d,label", comments="",
           fmt="%.8f")
ours, theirs = [], []
for seed in range(5):
    subprocess.run([bin, "score-table", "--method", "iforest", "--input", f"{tmp}/auc.csv",
                    "--exclude-column", "label", "--seed", str(seed), "--out", f"{tmp}/auc.s"],
                   check=True)
    ours.append(roc_auc_score(y, np.loadtxt(f"{tmp}/auc.s", skiprows=1)))
    f = IsolationForest(random_state=seed).fit(X)
    theirs.append(roc_auc_score(y, -f.score_samples(X)))
a, b = np.mean(ours), np.mean(theirs)
print(f"ROC AUC over 5 seeds: tenken {a:.4f}, scikit-learn {b:.4f}")
sys.exit(0 if abs(a - b) <= 0.02 else 1)
EOF
fi

finish
