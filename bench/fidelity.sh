#!/bin/bash
# How far the marks can be trusted (issue 15, point 7), against the
# simulator's hidden truth: Kendall tau-b of the final scores against the
# hidden quality, and the agreement with the simulator's "human" CSV
# (Spearman, within 0 / +-1 / +-2 marks, mean difference), for
#   1 judge, a 3-judge panel, 1 judge + a calibration fitted on a different
#   round (other photos), and the panel + that calibration;
# averaged over simulator seeds; then what a 3-judge panel costs in wall time
# at --concurrency 8 against the simulator at its real pace (--time-scale 1).
#
# Usage: bench/fidelity.sh            (PHOTOS=60 per round, SEEDS="1 2 3",
#                                      COST_PHOTOS=24, NOISE=1 (the simulator's default), JV_BUILD_DIR)
# Prints a Markdown table; JSON=1 also prints the per-seed figures as JSON lines.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${JV_BUILD_DIR:-${BUILD_DIR:-$here/build}}"
JV="$build/src/cli/judge-vision"
SIM_BIN="$build/sim/judge-vision-sim"
PHOTOS=${PHOTOS:-60}
SEEDS=${SEEDS:-"1 2 3"}
COST_PHOTOS=${COST_PHOTOS:-24}
NOISE=${NOISE:-1}
ninja -C "$build" src/cli/judge-vision sim/judge-vision-sim >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-fidelity.XXXXXX")
SIM_PID=""
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

# Two rounds of synthetic photos (different content, so different hidden qualities).
photos() { # DIR N SALT
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do
        vips gaussnoise "$1/p$i.jpg" 320 240 --mean $(((i * 37 + $3) % 160 + 40)) \
            --sigma $(((i * 13 + $3) % 50 + 10)) >/dev/null
    done
}
photos "$W/A" "$PHOTOS" 3
photos "$W/B" "$PHOTOS" 101
"$SIM_BIN" truth -i "$W/A" -o "$W/tA.json" --human "$W/humanA.csv" --seed 11 2>/dev/null
"$SIM_BIN" truth -i "$W/B" -o "$W/tB.json" --human "$W/humanB.csv" --seed 12 2>/dev/null
jq -s 'add' "$W/tA.json" "$W/tB.json" >"$W/truth.json"

start_sim() { # SIM OPTIONS...
    "$SIM_BIN" --port 0 "$@" >"$W/sim.url" 2>"$W/sim.log" &
    SIM_PID=$!
    for _ in $(seq 1 100); do [ -s "$W/sim.url" ] && break; sleep 0.1; done
    SIM_API="$(head -n 1 "$W/sim.url")/v1"
}
stop_sim() {
    kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
    : >"$W/sim.url"
}
run() { # DIR ROUND [OPTIONS...]
    local dir=$1 round=$2
    shift 2
    "$JV" run -i "$W/$dir" --base-url "$SIM_API" --quiet --fast --concurrency 8 \
        --output-dir "$W/out" --round "$round" --fresh "$@" >/dev/null 2>"$W/run.err" \
        || { cat "$W/run.err" >&2; exit 1; }
}
# tau-b against the hidden truth and the agreement with the human CSV, one JSON line
figures() { # ROUND HUMAN
    "$JV" agree "$1" "$2" --output-dir "$W/out" >/dev/null 2>&1
    /usr/bin/python3 - "$W/out/results/$1.jsonl" "$W/truth.json" "$W/out/results/$1.agreement.json" <<'PY'
import json, sys, math
recs = [json.loads(l) for l in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))
agree = json.load(open(sys.argv[3]))["overall"]
x = [r["critique_total"] for r in recs]
y = [truth[r["content_hash"]] for r in recs]
c = d = tx = ty = 0
for i in range(len(x)):
    for j in range(i + 1, len(x)):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0: continue
        if dx == 0: tx += 1
        elif dy == 0: ty += 1
        elif (dx > 0) == (dy > 0): c += 1
        else: d += 1
tau = (c - d) / math.sqrt((c + d + tx) * (c + d + ty))
print(json.dumps({"tau": tau, "rho_human": agree["spearman"], "tau_human": agree["kendall_tau_b"],
                  "w0": agree["within"]["0"], "w1": agree["within"]["1"], "w2": agree["within"]["2"],
                  "diff": agree["mean_difference"]}))
PY
}

: >"$W/rows.jsonl"
for seed in $SEEDS; do
    start_sim --time-scale 0 --truth "$W/truth.json" --score-noise "$NOISE" --seed "$seed"
    run A "A$seed"
    "$JV" calibrate "$W/humanA.csv" "A$seed" --output-dir "$W/out" -o "$W/cal$seed.json" >/dev/null
    run B "B1_$seed"
    run B "B3_$seed" --judges 3
    run B "B1c_$seed" --calibration "$W/cal$seed.json"
    run B "B3c_$seed" --judges 3 --calibration "$W/cal$seed.json"
    for cfg in B1 B3 B1c B3c; do
        line=$(figures "${cfg}_$seed" "$W/humanB.csv")
        echo "{\"seed\": $seed, \"config\": \"$cfg\", \"f\": $line}" >>"$W/rows.jsonl"
    done
    stop_sim
done
[ "${JSON:-0}" = 1 ] && cat "$W/rows.jsonl"

# The cost of a panel: the same photos at the simulator's real pace, 1 judge and 3.
mkdir -p "$W/C"
for i in $(seq 1 "$COST_PHOTOS"); do cp "$W/B/p$i.jpg" "$W/C/"; done
start_sim --time-scale 1 --truth "$W/truth.json" --score-noise "$NOISE" --seed 1
run C C1
run C C3 --judges 3
stop_sim
/usr/bin/python3 - "$W/rows.jsonl" "$W/out/results/C1.metadata.json" "$W/out/results/C3.metadata.json" \
    "$PHOTOS" "$SEEDS" "$COST_PHOTOS" "$NOISE" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
names = {"B1": "1 judge", "B3": "3-judge panel (median)", "B1c": "1 judge + calibration (fitted on round A)",
         "B3c": "3-judge panel + calibration"}
print(f"Fidelity against the simulator's hidden truth: {sys.argv[4]} photos per round, "
      f"score noise SD {sys.argv[7]} (half of its variance per request), seeds {sys.argv[5]}; "
      "calibration fitted on another round's photos; mean (min-max) over seeds.\n")
print("| configuration | tau-b vs truth | rho vs human | =0 | within +-1 | within +-2 | mean diff (model - human) |")
print("|---|---|---|---|---|---|---|")
def cell(cfg, k, pct=False):
    v = [r["f"][k] for r in rows if r["config"] == cfg]
    f = (lambda a: f"{100 * a:.0f}%") if pct else (lambda a: f"{a:+.2f}" if k == "diff" else f"{a:.3f}")
    return f"{f(st.mean(v))} ({f(min(v))}-{f(max(v))})"
for cfg in ("B1", "B3", "B1c", "B3c"):
    print(f"| {names[cfg]} | {cell(cfg, 'tau')} | {cell(cfg, 'rho_human')} | {cell(cfg, 'w0', True)} | "
          f"{cell(cfg, 'w1', True)} | {cell(cfg, 'w2', True)} | {cell(cfg, 'diff')} |")
one, three = (json.load(open(p)) for p in sys.argv[2:4])
w1, w3 = one["wall_seconds"], three["wall_seconds"]
s1 = one["stages"]; s3 = three["stages"]
def stage(m, name):
    for s in m["stages"] if isinstance(m["stages"], list) else m["stages"].values():
        if s.get("name") == name: return s["duration_seconds"]
    return float("nan")
c1, c3 = stage(one, "critique"), stage(three, "critique")
print(f"\nCost of a 3-judge panel, {sys.argv[6]} photos, --concurrency 8, simulator at --time-scale 1: "
      f"Stage 2 {c1:.1f} s -> {c3:.1f} s ({c3 / c1:.2f}x), whole run {w1:.1f} s -> {w3:.1f} s ({w3 / w1:.2f}x); "
      f"requests {one['critique']['requests']} -> {three['critique']['requests']}, "
      f"completion tokens {one['critique']['completion_tokens']['sum']:.0f} -> {three['critique']['completion_tokens']['sum']:.0f}.")
PY
