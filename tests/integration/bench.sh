#!/bin/sh
# `judge-vision bench` option handling (the runs themselves need the pipeline
# and a server; their comparison step is covered by the unit test `report`).
set -eu
JV=${JUDGE_VISION:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$JV" bench --help >"$T/help.txt" || fail "bench --help exited $?"
grep -q -- '--bench-dir' "$T/help.txt" || fail "help lacks --bench-dir"
grep -q -- '--skip-baseline' "$T/help.txt" || fail "help lacks --skip-baseline"
grep -q -- '--concurrency' "$T/help.txt" || fail "help lacks the run options"

set +e
"$JV" bench --bogus -i "$T" >/dev/null 2>"$T/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown option gave exit $rc"
grep -q -- '--bogus' "$T/err.txt" || fail "unknown option not named"

set +e
"$JV" bench -i "$T" --bench-dir >/dev/null 2>"$T/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--bench-dir without a folder gave exit $rc"

# --skip-baseline with no earlier baseline: refused before anything runs
set +e
"$JV" bench -i "$T" --skip-baseline --bench-dir "$T/b" >/dev/null 2>"$T/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--skip-baseline without a baseline gave exit $rc"
grep -q "$T/b/baseline/results/judge_vision.metadata.json" "$T/err.txt" ||
    fail "missing baseline manifest not named: $(cat "$T/err.txt")"
[ ! -e "$T/b/compare.json" ] || fail "compare.json written without runs"
echo "bench: ok"
