#!/bin/sh
# `judge-vision report` on hand-written manifests (tests/data/manifests):
# one full run, an IQA-only run (sections print n/a), two side by side with
# ratios, and the errors (malformed JSON, a wrong type, a missing file).
set -eu
JV=${JUDGE_VISION:?}
D=${JV_SOURCE_DIR:?}/tests/data/manifests
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks: $2"; }; }

"$JV" report "$D/full.metadata.json" >"$T/full.txt" || fail "full report exited $?"
has "$T/full.txt" 'Run 20261126T101500Z-a1b2c3 - complete'
has "$T/full.txt" 'commit 4d826676e038'
has "$T/full.txt" 'wall 1001.25 s'
has "$T/full.txt" 'Images: discovered 120, processed 118, resumed 0, failed 2'
grep -Eq '^  critique +499\.00 s +118 +16\.84 s +15\.90 s +27\.30 s$' "$T/full.txt" ||
    fail "critique stage row"
has "$T/full.txt" 'Critique: requests 121, retries 3, errors 2, parse errors 1, truncated 4 (3.4%)'
has "$T/full.txt" 'TTFT: count 118, mean 0.93 s, p50 0.85 s, p95 1.77 s'
has "$T/full.txt" 'IQA cache: hits 30, misses 90, hit ratio 25.0%'
has "$T/full.txt" 'Pairwise: scheduled 240, completed 238, encodings 96'
has "$T/full.txt" 'Open Colour              eligible 12, matches 118, mean 2.05 s'
has "$T/full.txt" 'NVIDIA H100 80GB HBM3, 81559 MB, driver 550.54.15'
# mean of 60 and 90; the failed third sample does not count
has "$T/full.txt" 'samples 3, mean util 75.0%, peak memory used 71200 MB'
has "$T/full.txt" 'prefix cache hit rate 57.7%, requests 121'

"$JV" report "$D/iqa_only.metadata.json" >"$T/iqa.txt" || fail "iqa-only report exited $?"
has "$T/iqa.txt" 'commit unknown (dirty)'
has "$T/iqa.txt" 'Critique: n/a'
has "$T/iqa.txt" 'Pairwise: n/a'
has "$T/iqa.txt" 'Server metrics: n/a (no VLM server in this run)'
has "$T/iqa.txt" 'GPU: n/a (NVML not loadable'
has "$T/iqa.txt" 'hit ratio 0.0%'

# a results path stands for its manifest
cp "$D/iqa_only.metadata.json" "$T/run.metadata.json"
"$JV" report "$T/run.jsonl" | grep -q 'Run 20261126T120000Z-0f0f0f' || fail "results path"

"$JV" report "$D/baseline.metadata.json" "$D/full.metadata.json" >"$T/two.txt" ||
    fail "side-by-side exited $?"
grep -Eq '^  wall time +2313\.00 s +1001\.25 s +2\.31x faster$' "$T/two.txt" || fail "overall ratio"
grep -Eq '^  stage critique +1996\.00 s +499\.00 s +4\.00x faster$' "$T/two.txt" ||
    fail "critique ratio"
grep -Eq '^  stage iqa .*1\.00x \(same\)$' "$T/two.txt" || fail "iqa ratio"
grep -Eq '^  stage pairwise .*1\.25x slower$' "$T/two.txt" || fail "pairwise ratio"
grep -Eq '^  TTFT mean +1\.86 s +0\.93 s +2\.00x faster$' "$T/two.txt" || fail "ttft ratio"
grep -Eq '^  truncated +6 +4 *$' "$T/two.txt" || fail "truncated row"
grep -Eq '^  GPU mean util +n/a +75\.0%' "$T/two.txt" || fail "missing figure as n/a"

# the shape the critique engine writes: ttft_seconds, request_seconds, no truncated_share
"$JV" report "$D/baseline.metadata.json" >"$T/base.txt" || fail "baseline report exited $?"
has "$T/base.txt" 'truncated 6 (5.0%)'
has "$T/base.txt" 'TTFT: count 120, mean 1.86 s, p50 1.80 s, p95 3.10 s, max 3.40 s'
has "$T/base.txt" 'request latency: mean 16.58 s'
has "$T/base.txt" 'endpoints: http://127.0.0.1:8000/v1 (120 requests)'
has "$T/base.txt" 'IQA cache: hits 120, misses 0, hit ratio 100.0%'
# the playoff's own stats shape: per_category, no_decision, a category with no matches
has "$T/base.txt" 'resumed 0, no decision 3, failed 1'
has "$T/base.txt" 'Nature                   eligible 14, matches 120, mean 1.60 s'
has "$T/base.txt" 'Small                    eligible 1, matches 0, mean n/a'

expect_error() { # rc pattern args...
    want=$1 pat=$2
    shift 2
    set +e
    "$JV" report "$@" >"$T/out.txt" 2>"$T/err.txt"
    rc=$?
    set -e
    [ "$rc" -eq "$want" ] || fail "report $* exited $rc, want $want"
    has "$T/err.txt" "$pat"
    [ ! -s "$T/out.txt" ] || fail "report $* printed to stdout on error"
}
expect_error 1 'truncated.metadata.json: not valid JSON' "$D/truncated.metadata.json"
expect_error 1 "badtype.metadata.json: key 'stages[0]'" "$D/badtype.metadata.json"
expect_error 1 "$T/missing.json" "$T/missing.json"
expect_error 1 'truncated.metadata.json' "$D/full.metadata.json" "$D/truncated.metadata.json"
expect_error 2 'a manifest path is required'
expect_error 2 'at most two' a b c
expect_error 2 "unknown option '--frob'" --frob
echo "report: ok"
