#!/bin/sh
# Durability (doc/SPEC.md 5): SIGKILL `judge-vision run` at random moments, rerun,
# and check that every image ends with exactly one ok record, every line
# parses, and the server was not asked again for finished work beyond what
# the kills explain. Then SIGINT/SIGTERM: exit 130/143, manifest interrupted.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
N=24
KILLS=10
CONC=2
make_photos photos $N
start_sim --time-scale 0.05

ARGS="-i photos --quiet --concurrency $CONC --output-jsonl out/r.jsonl --iqa-cache out/iqa.jsonl
    --progress-file out/p.json --log-file out/run.log --flush-every 4"
run() {
    # shellcheck disable=SC2086
    "$JV" run --base-url "$SIM_URL/v1" $ARGS "$@"
}
# In the background with $! naming judge-vision itself (not a subshell).
run_bg() {
    # shellcheck disable=SC2086
    "$JV" run --base-url "$SIM_URL/v1" $ARGS "$@" >/dev/null 2>&1 &
    pid=$!
}

k=0
while [ $k -lt $KILLS ]; do
    run_bg
    # A random moment between 0.1 and 1.5 s into the run.
    sleep "$(awk -v s="$k$$" 'BEGIN { srand(s); printf "%.2f", 0.1 + rand() * 1.4 }')"
    kill -KILL $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    k=$((k + 1))
done
run >/dev/null 2>err.txt || { cat err.txt; fail "final run failed"; }

/usr/bin/python3 - out/r.jsonl $N <<'PY' || fail "results after kills"
import json, sys, collections
lines = open(sys.argv[1]).read().splitlines()
recs = [json.loads(l) for l in lines]          # every line parses
ok = collections.Counter(r["image"] for r in recs if r["status"] == "ok")
assert len(recs) == int(sys.argv[2]), f"{len(recs)} records, want {sys.argv[2]}"
assert len(ok) == int(sys.argv[2]) and set(ok.values()) == {1}, ok
PY
requests=$(sim_requests)
limit=$((N + KILLS * 2 * CONC))
echo "server requests: $requests (images $N, kills $KILLS, limit $limit)"
[ "$requests" -le "$limit" ] || fail "$requests chat requests for $N images and $KILLS kills"

# A completed run asks nothing more.
before=$(sim_requests)
run >/dev/null 2>&1 || fail "resumed run"
[ "$(sim_requests)" -eq "$before" ] || fail "a finished run asked the server again"
[ "$(json_get out/r.metadata.json "j['images']['resumed']")" = $N ] || fail "resumed count"

# SIGINT and SIGTERM: stop cleanly, manifest says interrupted.
for sig in INT TERM; do
    run_bg --fresh
    sleep 0.6
    kill -$sig $pid
    set +e
    wait $pid
    rc=$?
    set -e
    want=130
    [ $sig = TERM ] && want=143
    [ $rc -eq $want ] || fail "SIG$sig gave exit $rc, want $want"
    [ "$(json_get out/r.metadata.json "j['status']")" = interrupted ] ||
        fail "manifest not interrupted after SIG$sig"
    /usr/bin/python3 -c "
import json,sys
[json.loads(l) for l in open('out/r.jsonl')]" || fail "torn results after SIG$sig"
done
echo "kill_resume: ok"
