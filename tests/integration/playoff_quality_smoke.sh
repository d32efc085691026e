#!/bin/sh
# bench/playoff_quality in a few seconds: the table of each mode (in-process
# and the real simulator) has a row per scheme and the target lines, and
# --json prints one parseable object per row and per target; the
# every-ordered-pair row asks n(n - 1) pairs; --cohorts note is labelled and
# its cohorts are all eligible; bench/playoff_ceiling.py prints its table.
set -eu
B=${JV_BUILD_DIR:?}
PQ="$B/bench/playoff_quality"
SIM="$B/sim/judge-vision-sim"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

schemes='Stage 2 score alone|today (RR<=8 / Swiss)|swiss (new order)|random (Python)|eig (new default)|eig, no podium|random, eig'"'"'s budget|eig, 60% of today'"'"'s|eig, every ordered pair'

check_table() { # file, sizes, biases
    grep -q '^| *n | bias | scheme' "$1" || fail "$1: no table header"
    rows=$(grep -c '^| *[0-9]' "$1")
    want=$(( $2 * $3 * 9 ))
    [ "$rows" -eq "$want" ] || fail "$1: $rows rows, want $want"
    echo "$schemes" | tr '|' '\n' | while IFS= read -r s; do
        grep -qF "| $s" "$1" || fail "$1: no row '$s'"
    done
    grep -q '^Targets' "$1" || fail "$1: no targets"
    # 5 target lines per bias 0 and 0.2 and size 8, 16, 40 (n/a where not measured)
    [ "$(grep -cE '^- (PASS|FAIL|n/a): ' "$1")" -eq 16 ] || fail "$1: target lines"
    # taus and shares are numbers in range; comparisons of 'today' at n = 8 are 28
    awk -F'|' '/^\| *[0-9]/ { if ($5+0 < -1 || $5+0 > 1 || $7+0 < 0 || $7+0 > 1) exit 1 }' "$1" ||
        fail "$1: a value out of range"
    grep -E '^\|   8 \| 0\.00 \| today' "$1" | grep -q '28\.0 |$' || fail "$1: today's budget at 8"
    grep -E '^\|   8 \| 0\.00 \| eig, every' "$1" | grep -q '56\.0 |$' ||
        fail "$1: every ordered pair at 8 is not 56 comparisons"
}

"$PQ" --seeds 3 --sizes 8,16 --biases 0 >"$T/model.md" || fail "in-process run exited $?"
check_table "$T/model.md" 2 1
grep -q 'PASS\|FAIL' "$T/model.md" || fail "no measured target"

"$PQ" --seeds 2 --sizes 8 --biases 0,0.2 --sim "$SIM" >"$T/sim.md" || fail "simulator run exited $?"
check_table "$T/sim.md" 1 2
grep -q '^## Simulator' "$T/sim.md" || fail "simulator table not labelled"

"$PQ" --seeds 2 --sizes 8 --biases 0 --json >"$T/out.json" || fail "--json run exited $?"
[ "$(grep -c '"scheme"' "$T/out.json")" -eq 9 ] || fail "--json rows"
[ "$(grep -c '"target"' "$T/out.json")" -eq 16 ] || fail "--json targets"
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out.json" ||
        fail "--json lines do not parse"
fi

# the design note's cohorts: labelled; every scheme still runs; the
# every-ordered-pair row is left out above --all-max-n
"$PQ" --seeds 2 --sizes 8 --biases 0 --cohorts note >"$T/note.md" || fail "--cohorts note exited $?"
check_table "$T/note.md" 1 1
grep -q "design note's study" "$T/note.md" || fail "--cohorts note not labelled"
"$PQ" --seeds 2 --sizes 8 --biases 0 --all-max-n 4 >"$T/nomax.md" || fail "--all-max-n exited $?"
! grep -q '| eig, every' "$T/nomax.md" || fail "--all-max-n 4 still ran the row at 8"
"$PQ" --cohorts nonsense >/dev/null 2>&1 && fail "--cohorts nonsense accepted"

# the Bayes-optimal ceiling (numpy: scripts/install-deps.sh installs it): a
# row per bias with a share in 0..1, the same table for the same arguments
CEIL="${JV_SOURCE_DIR:?}/bench/playoff_ceiling.py"
/usr/bin/python3 "$CEIL" --seeds 4 --samples 2000 >"$T/ceil.md" || fail "playoff_ceiling.py exited $?"
[ "$(grep -cE '^\| 8 \| 0\.(00|20) \| 4 \| 56 \| (0|1)\.[0-9]{3} ± ' "$T/ceil.md")" -eq 2 ] ||
    fail "playoff_ceiling.py: $(cat "$T/ceil.md")"
/usr/bin/python3 "$CEIL" --seeds 4 --samples 2000 | cmp -s - "$T/ceil.md" || fail "playoff_ceiling.py differs"

# the same seeds give the same table (verdicts are a function of the seed)
"$PQ" --seeds 3 --sizes 8,16 --biases 0 >"$T/again.md"
cmp -s "$T/model.md" "$T/again.md" || fail "two runs differ"
echo ok
