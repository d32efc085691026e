#!/bin/sh
# A panel's requests go out together (issue 15, point 3): with --judges 3 the
# three requests of a photo reach the real simulator at the same moment (its
# --verbose log gives each request's arrival, image and seed), never one of
# them a reply later; the limits still hold (--concurrency 8 pipelined, the
# default: at most 8 awaiting a first token and 16 in flight; --no-pipeline:
# at most 8 in flight, two photos' groups); with the consistency sample the
# repeat goes with its photo's group; a limit below the group
# (--concurrency 2) sends the judges one by one and still finishes.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 12

# check_groups LOG MANIFEST GROUP IN_FLIGHT AWAITING: every photo's GROUP requests arrived
# together, at most IN_FLIGHT in flight and AWAITING awaiting a first token
check_groups() {
    /usr/bin/python3 - "$@" <<'PY'
import json, re, sys
log, man = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
group, limit, awaiting = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
arr = {}
for m in re.finditer(r"request \d+: .*?, critique, \w+, image (\w+), seed (-?\d+), arrived ([\d.]+)", log):
    arr.setdefault(m.group(1), []).append((float(m.group(3)), int(m.group(2))))
assert len(arr) == 12, "photos seen by the simulator: %s" % {k: len(v) for k, v in arr.items()}
c = man["critique"]
shortest = c["request_seconds"]["min"]
first = min(t for v in arr.values() for t, _ in v)
late = 0
for image, reqs in arr.items():
    assert len(reqs) == group, (image, reqs)
    times = [t for t, _ in reqs]
    spread = max(times) - min(times)
    # together: well inside the shortest request (a judge sent when a slot
    # frees waits for a whole reply to end)
    assert spread < shortest / 2, "photo %s: its requests arrived %.3f s apart (shortest request %.3f s)" % (image, spread, shortest)
    late += min(times) - first > shortest
assert late >= 2, "the later photos did not wait for room: %d" % late
assert c["max_in_flight"] <= limit, c["max_in_flight"]
assert c["max_awaiting_first_token"] <= awaiting, c["max_awaiting_first_token"]
print("groups ok: %d photos, widest spread within a photo %.4f s, shortest request %.3f s" % (
    len(arr), max(max(t for t, _ in v) - min(t for t, _ in v) for v in arr.values()), shortest))
PY
}

start_sim --time-scale 0.25 --seed 3 --verbose
"$JV" run -i photos --base-url "$SIM_API" --quiet --concurrency 8 --judges 3 \
    --output-jsonl out/p.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt \
    || { cat err.txt; fail "panel run"; }
check_groups "$SIM_LOG" out/p.metadata.json 3 16 8 || fail "the judges of a photo did not go out together"
stop_sim

# not pipelined: at most 8 in flight, so two photos (6) at a time
start_sim --time-scale 0.25 --seed 3 --verbose
"$JV" run -i photos --base-url "$SIM_API" --quiet --concurrency 8 --no-pipeline --judges 3 \
    --output-jsonl out/np.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt \
    || { cat err.txt; fail "panel run without pipelining"; }
check_groups "$SIM_LOG" out/np.metadata.json 3 8 8 || fail "not pipelined: groups"
[ "$(jq .critique.max_in_flight out/np.metadata.json)" -ge 6 ] || fail "not pipelined: fewer than two groups at a time"
stop_sim

# the consistency repeat goes with its photo's group (3 judges + the repeat)
start_sim --time-scale 0.25 --seed 3 --verbose
"$JV" run -i photos --base-url "$SIM_API" --quiet --concurrency 8 --judges 3 \
    --consistency-sample 12 --output-jsonl out/c.jsonl --iqa-cache out/iqa.jsonl >/dev/null \
    2>err.txt || { cat err.txt; fail "consistency run"; }
check_groups "$SIM_LOG" out/c.metadata.json 4 16 8 || fail "the repeat did not go with its photo"
[ "$(jq .consistency.critique.photos out/c.metadata.json)" = 12 ] || fail "consistency: not every photo repeated"
stop_sim

# a limit below the group: one by one, and the round is complete
start_sim --time-scale 0.02 --seed 3
"$JV" run -i photos --base-url "$SIM_API" --quiet --concurrency 2 --no-pipeline --judges 3 \
    --output-jsonl out/two.jsonl --iqa-cache out/iqa.jsonl >/dev/null 2>err.txt \
    || { cat err.txt; fail "concurrency 2 run"; }
[ "$(jq -s '[.[] | select(.status == "ok")] | length' out/two.jsonl)" = 12 ] || fail "concurrency 2: not every photo judged"
[ "$(jq .critique.max_in_flight out/two.metadata.json)" = 2 ] || fail "concurrency 2: not 2 in flight"
[ "$(sim_requests)" = 36 ] || fail "concurrency 2: $(sim_requests) requests, not 36"
echo "trust_panel_group: ok"
