#!/bin/sh
# Signals (doc/SPEC.md 5; issue 11 point 6): SIGTERM/SIGINT end a run with
# 143/130 and manifest `interrupted` in the playoff (`--pairwise`), in
# `--stage pairwise`, `two-pass` and `critique`; a second SIGINT abandons
# the requests in flight at once (well under --timeout); the closing line
# says what is saved and how to resume; a resumed run says so at its start.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
N=12
make_photos photos $N
start_sim --time-scale 0.01
FAST=$SIM_API
start_sim --time-scale 1
SLOW=$SIM_API
start_sim --time-scale 1 --stall 1 --stall-seconds 60
STALL=$SIM_API

ARGS="-i photos --concurrency 2 --timeout 20 --output-jsonl out/r.jsonl --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file out/run.log --pairwise-threshold 10"
# bg URL [OPTIONS...]: a run in the background, $pid naming judge-vision itself.
bg() {
    url=$1
    shift
    rm -f out/p.json # wait_phase reads this run's progress, not the last one's
    # shellcheck disable=SC2086
    "$JV" run --base-url "$url" --quiet $ARGS "$@" >o.txt 2>e.txt &
    pid=$!
}
# wait_phase PHASE: until the progress file shows it (10 s at most).
wait_phase() {
    i=0
    while ! grep -q "\"phase\": \"$1\"" out/p.json 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || fail "phase $1 not reached"
        sleep 0.05
    done
}
# stopped WANT WHAT: waits for $pid; its exit code is WANT, the manifest interrupted.
stopped() {
    set +e
    wait $pid
    rc=$?
    set -e
    [ $rc -eq "$1" ] || { cat e.txt; fail "$2: exit $rc, want $1"; }
    [ "$(json_get out/r.metadata.json "j['status']")" = interrupted ] ||
        { cat e.txt; fail "$2: manifest $(json_get out/r.metadata.json "j['status']")"; }
    grep -q "rerun the same command to resume" e.txt || { cat e.txt; fail "$2: no closing line"; }
}

# shellcheck disable=SC2086
"$JV" run --base-url "$FAST" --quiet $ARGS >/dev/null 2>e.txt || { cat e.txt; fail "judging"; }

# The playoff of a run, then --stage pairwise (the slow server: matches take seconds).
bg "$SLOW" --pairwise
wait_phase pairwise
sleep 0.3
kill -TERM $pid
stopped 143 "SIGTERM in the playoff"
grep -q "judge-vision: stopped during the playoff: $N of $N judged and saved, 0 failed, the matches played are kept — rerun the same command to resume" e.txt ||
    { cat e.txt; fail "the closing line after the playoff"; }
! grep -q "error:" e.txt || { cat e.txt; fail "an interrupted playoff reported as an error"; }
rm -f out/r.matches.jsonl
bg "$SLOW" --stage pairwise
wait_phase pairwise
sleep 0.3
kill -TERM $pid
stopped 143 "SIGTERM in --stage pairwise"

# Judging modes: two-pass and critique (the requests in flight end first).
for stage in two-pass critique; do
    bg "$SLOW" --stage $stage --fresh
    wait_phase judging
    sleep 0.5
    kill -TERM $pid
    stopped 143 "SIGTERM in --stage $stage"
done

# Measuring only (--stage iqa; 6 MP photos, one worker): the worker finishes its
# photo, then the run stops.
mkdir big
for i in 0 1 2 3; do
    vips gaussnoise big/n$i.jpg 3000 2000 --mean $((60 + i * 20)) --sigma 30 || fail "vips gaussnoise"
done
rm -f out/p.json
"$JV" run -i big --stage iqa --iqa-workers 1 --quiet --output-jsonl out/r.jsonl \
    --iqa-cache out/big.jsonl --progress-file out/p.json --log-file out/run.log >o.txt 2>e.txt &
pid=$!
wait_phase iqa
sleep 0.3
kill -TERM $pid
stopped 143 "SIGTERM in --stage iqa"
grep -q "judge-vision: stopped: [0-3] of 4 measured and saved" e.txt || { cat e.txt; fail "closing line (iqa)"; }

# Two SIGINTs: the first waits for the request in flight (stalled for 60 s),
# the second abandons it at once.
bg "$STALL" --fresh
wait_phase judging
sleep 0.5
kill -INT $pid
sleep 1
kill -0 $pid 2>/dev/null || { cat e.txt; fail "the first SIGINT did not wait for the requests in flight"; }
t0=$(date +%s)
kill -INT $pid
stopped 130 "two SIGINTs"
took=$(( $(date +%s) - t0 ))
[ $took -le 3 ] || fail "the second SIGINT took $took s to end the run (--timeout 20)"
grep -q "a second signal abandons them" e.txt || { cat e.txt; fail "the first SIGINT says nothing"; }
grep -q "abandoning .* requests in flight" e.txt || { cat e.txt; fail "the second SIGINT says nothing"; }
grep -q "judge-vision: stopped: 0 of $N judged and saved, 0 failed — rerun the same command to resume" e.txt ||
    { cat e.txt; fail "closing line after two SIGINTs"; }

# A resumed run says so at its start.
# shellcheck disable=SC2086
"$JV" run --base-url "$FAST" --quiet $ARGS >/dev/null 2>e.txt || { cat e.txt; fail "judging"; }
head -n 5 out/r.jsonl >kept.jsonl
mv kept.jsonl out/r.jsonl
# shellcheck disable=SC2086
"$JV" run --base-url "$FAST" $ARGS >o.txt 2>e.txt || { cat e.txt; fail "resumed run"; }
grep -q "resuming: 5 of $N already judged" e.txt || { cat e.txt; fail "no resume line"; }
first_progress=$(grep -n "judge-vision: \(iqa\|critique\) " e.txt | head -n 1 | cut -d: -f1)
resume_line=$(grep -n "resuming:" e.txt | cut -d: -f1)
[ -n "$first_progress" ] && [ "$resume_line" -lt "$first_progress" ] || { cat e.txt; fail "the resume line is not at the start"; }
grep -q "judged $N of $N images .* (5 resumed, 0 failed)" o.txt || { cat o.txt; fail "stdout"; }
echo "signals: ok"
