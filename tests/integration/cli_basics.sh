#!/bin/sh
# The CLI's contract: help, version, usage errors with exit code 2.
set -eu
JV=${JUDGE_VISION:?}
fail() { echo "FAIL: $*" >&2; exit 1; }

"$JV" --help | grep -q 'run' || fail "top-level help lists no run command"
"$JV" --version | grep -q '^judge-vision [0-9]' || fail "--version"
"$JV" run --help | grep -q -- '--iqa-workers' || fail "run --help misses --iqa-workers"
for opt in --input-dir --no-recursive --stage --competition-config --competition \
    --critique-category --iqa-cache --progress-file --output-jsonl --log-file \
    --disable-musiq --disable-nima --disable-tonal --fast --max-megapixels \
    --base-url --concurrency --no-pipeline --pairwise-threshold --flush-every --fresh; do
    "$JV" run --help | grep -q -- "$opt" || fail "run --help misses $opt"
done

set +e
"$JV" run --bogus >/dev/null 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown option gave exit $rc, want 2"
grep -q -- '--bogus' err.txt || fail "unknown option not named"
set +e
"$JV" run --stage nonsense -i . >/dev/null 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad --stage gave exit $rc"
grep -q 'nonsense' err.txt || fail "bad --stage value not named"
set +e
"$JV" run >/dev/null 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "missing -i gave exit $rc"
for url in gopher://127.0.0.1:6379/_x dict://127.0.0.1:11211/stat file:///etc/passwd; do
    set +e
    "$JV" run -i . --base-url "$url" >/dev/null 2>err.txt; rc=$?
    set -e
    [ "$rc" -eq 2 ] || fail "--base-url $url gave exit $rc, want 2"
    grep -q 'only HTTP(S) servers' err.txt || fail "--base-url $url: $(cat err.txt)"
done
set +e
"$JV" run -i . --iqa-service-url gopher://127.0.0.1:1/ >/dev/null 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--iqa-service-url gopher:// gave exit $rc, want 2"
set +e
"$JV" frobnicate >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown command gave exit $rc"
rm -f err.txt
echo "cli_basics: ok"
