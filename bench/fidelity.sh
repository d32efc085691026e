#!/bin/bash
# How far the marks can be trusted (issue 15, point 7), against the
# simulator's hidden truth: Kendall tau-b of the final scores against the
# hidden quality over the whole round, and the agreement with the
# simulator's "human" CSV (Spearman, within 0 / +-1 / +-2 marks, mean
# difference), each as a mean over simulator seeds with its standard error,
# and each configuration's gain over 1 judge (paired by seed, with its SE).
#
# Two kinds of round, the same photos in both:
#  1. one category, no category bias: 1 judge, a 3-judge panel, 1 judge + a
#     calibration fitted on another round (round A, other photos), and the
#     panel + that calibration. A monotone map within one category cannot
#     reorder entries, so calibration cannot raise tau here (it can only
#     merge marks into ties); what it does raise is the share within +-1.
#  2. four categories (Colour, Mono, Nature, Open) and a model harsher or
#     more lenient than the club in some of them (the simulator's
#     --category-bias, CATEGORY_BIAS): 1 judge, the panel, 1 judge + the
#     overall calibration, 1 judge + a per-category calibration
#     (calibrate --per-category, fitted on round A) and the panel + it. The
#     per-category curves remove the offsets and so reorder entries across
#     categories: that is where calibration can raise tau.
# Then what a 3-judge panel costs in wall time at --concurrency 8 with the
# simulator at its real pace (--time-scale 1): Stage 2 seconds, 1 vs 3 judges.
#
# Usage: nice -n 19 bench/fidelity.sh   (about 7 minutes on two cores)
#   PHOTOS=120 per round, SEEDS="1 2 3 4 5 6", NOISE=1 (the simulator's default SD),
#   CATEGORY_BIAS="Colour=0,Mono=-2,Nature=+1,Open=-1", COST_PHOTOS=24, COST=1
#   (COST=0 skips the cost runs), JV_BUILD_DIR
# Prints Markdown tables; JSON=1 also prints the per-seed figures as JSON lines.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${JV_BUILD_DIR:-${BUILD_DIR:-$here/build}}"
JV="$build/src/cli/judge-vision"
SIM_BIN="$build/sim/judge-vision-sim"
PHOTOS=${PHOTOS:-120}
SEEDS=${SEEDS:-"1 2 3 4 5 6"}
COST_PHOTOS=${COST_PHOTOS:-24}
COST=${COST:-1}
NOISE=${NOISE:-1}
CATEGORY_BIAS=${CATEGORY_BIAS:-"Colour=0,Mono=-2,Nature=+1,Open=-1"}
CATEGORIES=(Colour Mono Nature Open)
ninja -C "$build" src/cli/judge-vision sim/judge-vision-sim >/dev/null
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-fidelity.XXXXXX")
SIM_PID=""
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
T0=$(date +%s)

# Two rounds of synthetic photos (different content, so different hidden qualities).
photos() { # DIR N SALT
    mkdir -p "$1"
    for i in $(seq 1 "$2"); do
        vips gaussnoise "$1/p$i.jpg" 320 240 --mean $(((i * 37 + $3) % 160 + 40)) \
            --sigma $(((i * 13 + $3) % 50 + 10)) --seed $((i + $3)) >/dev/null
    done
}
# The same photos dealt into the four category folders in turn.
deal() { # FROM TO
    for c in "${CATEGORIES[@]}"; do mkdir -p "$2/$c"; done
    local i=0
    for f in "$1"/p*.jpg; do
        ln "$f" "$2/${CATEGORIES[$((i % 4))]}/$(basename "$f")"
        i=$((i + 1))
    done
}
photos "$W/A" "$PHOTOS" 3
photos "$W/B" "$PHOTOS" 101
deal "$W/A" "$W/A4"
deal "$W/B" "$W/B4"
printf '[competition.four]\nname = "Four categories"\ncategories = ["Colour", "Mono", "Nature", "Open"]\n' \
    >"$W/reg.toml"
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
FOUR=(--competition-config "$W/reg.toml" --competition four)
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
                  "diff": agree["mean_difference"], "n": len(recs)}))
PY
}
note() { # SCENARIO CONFIG SEED ROUND HUMAN
    local line
    line=$(figures "$4" "$5")
    echo "{\"scenario\": \"$1\", \"config\": \"$2\", \"seed\": $3, \"f\": $line}" >>"$W/rows.jsonl"
}

: >"$W/rows.jsonl"
for seed in $SEEDS; do
    # 1. one category, no category bias
    start_sim --time-scale 0 --truth "$W/truth.json" --score-noise "$NOISE" --seed "$seed"
    run A "A_$seed"
    "$JV" calibrate "$W/humanA.csv" "A_$seed" --output-dir "$W/out" -o "$W/cal$seed.json" >/dev/null
    run B "B1_$seed"
    run B "B3_$seed" --judges 3
    run B "B1c_$seed" --calibration "$W/cal$seed.json"
    run B "B3c_$seed" --judges 3 --calibration "$W/cal$seed.json"
    for cfg in B1 B3 B1c B3c; do note one "$cfg" "$seed" "${cfg}_$seed" "$W/humanB.csv"; done
    stop_sim
    # 2. four categories, the model biased by category
    start_sim --time-scale 0 --truth "$W/truth.json" --score-noise "$NOISE" --seed "$seed" \
        --category-bias "$CATEGORY_BIAS"
    run A4 "A4_$seed" "${FOUR[@]}"
    "$JV" calibrate "$W/humanA.csv" "A4_$seed" --output-dir "$W/out" -o "$W/cal4_$seed.json" >/dev/null
    "$JV" calibrate "$W/humanA.csv" "A4_$seed" --output-dir "$W/out" --per-category \
        -o "$W/cal4pc_$seed.json" >/dev/null
    run B4 "F1_$seed" "${FOUR[@]}"
    run B4 "F3_$seed" "${FOUR[@]}" --judges 3
    run B4 "F1c_$seed" "${FOUR[@]}" --calibration "$W/cal4_$seed.json"
    run B4 "F1p_$seed" "${FOUR[@]}" --calibration "$W/cal4pc_$seed.json"
    run B4 "F3p_$seed" "${FOUR[@]}" --judges 3 --calibration "$W/cal4pc_$seed.json"
    for cfg in F1 F3 F1c F1p F3p; do note four "$cfg" "$seed" "${cfg}_$seed" "$W/humanB.csv"; done
    stop_sim
done
[ "${JSON:-0}" = 1 ] && cat "$W/rows.jsonl"
T1=$(date +%s)

# The cost of a panel: the same photos at the simulator's real pace, 1 judge and 3.
if [ "$COST" = 1 ]; then
    mkdir -p "$W/C"
    for i in $(seq 1 "$COST_PHOTOS"); do cp "$W/B/p$i.jpg" "$W/C/"; done
    start_sim --time-scale 1 --truth "$W/truth.json" --score-noise "$NOISE" --seed 1
    run C C1
    run C C3 --judges 3
    run C C3n --judges 3 --no-pipeline
    run C C1n --no-pipeline
    stop_sim
fi
T2=$(date +%s)
/usr/bin/python3 - "$W/rows.jsonl" "$W/out/results" "$PHOTOS" "$SEEDS" "$COST_PHOTOS" "$NOISE" \
    "$CATEGORY_BIAS" "$COST" "$((T1 - T0))" "$((T2 - T1))" <<'PY'
import json, math, os, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
res, photos, seeds, cost_photos, noise, bias, cost = sys.argv[2:9]
t_fid, t_cost = int(sys.argv[9]), int(sys.argv[10])
nseeds = len(seeds.split())
def vals(sc, cfg, k):
    return {r["seed"]: r["f"][k] for r in rows if r["scenario"] == sc and r["config"] == cfg}
def se(v):
    return st.stdev(v) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
def cell(sc, cfg, k, pct=False):
    v = list(vals(sc, cfg, k).values())
    m, e = st.mean(v), se(v)
    if pct: return f"{100 * m:.1f}% ± {100 * e:.1f}"
    if k == "diff": return f"{m:+.2f} ± {e:.2f}"
    return f"{m:.3f} ± {e:.3f}"
def gain(sc, cfg, base, k, pct=False):
    a, b = vals(sc, cfg, k), vals(sc, base, k)
    d = [a[s] - b[s] for s in a if s in b]
    m, e = st.mean(d), se(d)
    beyond = abs(m) > 2 * e
    f = (lambda x: f"{100 * x:+.1f} pt") if pct else (lambda x: f"{x:+.3f}")
    return f"{f(m)} ± {f(e).lstrip('+')}" + (" *" if beyond else "")
def table(sc, names, base):
    print("| configuration | tau-b vs truth | gain in tau | rho vs human | =0 | within +-1 | gain in +-1 | within +-2 | mean diff (model - human) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for cfg, name in names:
        g = "—" if cfg == base else gain(sc, cfg, base, "tau")
        g1 = "—" if cfg == base else gain(sc, cfg, base, "w1", True)
        print(f"| {name} | {cell(sc, cfg, 'tau')} | {g} | {cell(sc, cfg, 'rho_human')} | "
              f"{cell(sc, cfg, 'w0', True)} | {cell(sc, cfg, 'w1', True)} | {g1} | "
              f"{cell(sc, cfg, 'w2', True)} | {cell(sc, cfg, 'diff')} |")
print(f"Fidelity against the simulator's hidden truth: {photos} photos per round, score noise SD "
      f"{noise} (half of its variance per request), simulator seeds {seeds} ({nseeds} rounds per "
      "row); calibration fitted on another round's photos (round A) with the same seed; mean ± "
      "standard error over seeds; gains are paired by seed against 1 judge (* = more than twice "
      f"their SE). tau over the whole round. ({t_fid} s)\n")
print("**1. One category, no category bias** (a monotone calibration cannot reorder entries "
      "within one category, so it cannot raise tau here; it moves marks onto the club's scale):\n")
table("one", [("B1", "1 judge"), ("B3", "3-judge panel (median)"),
              ("B1c", "1 judge + calibration"), ("B3c", "3-judge panel + calibration")], "B1")
print(f"\n**2. Four categories, the model biased by category** (`--category-bias \"{bias}\"`, the "
      "same photos dealt into Colour, Mono, Nature and Open):\n")
table("four", [("F1", "1 judge"), ("F3", "3-judge panel (median)"),
               ("F1c", "1 judge + overall calibration"),
               ("F1p", "1 judge + per-category calibration"),
               ("F3p", "3-judge panel + per-category calibration")], "F1")
if cost == "1":
    def man(name):
        return json.load(open(os.path.join(res, name + ".metadata.json")))
    def stage(m, name):
        for s in m["stages"] if isinstance(m["stages"], list) else m["stages"].values():
            if s.get("name") == name: return s["duration_seconds"]
        return float("nan")
    print(f"\nCost of a 3-judge panel: {cost_photos} photos, --concurrency 8, simulator at "
          f"--time-scale 1 (max-seqs 16), each photo's 3 requests sent as one group ({t_cost} s):\n")
    print("| pipelining | judges | Stage 2 s | x 1 judge | whole run s | requests | max in flight | completion tokens |")
    print("|---|---|---|---|---|---|---|---|")
    for pipe, one, three in (("on (default)", "C1", "C3"), ("off", "C1n", "C3n")):
        m1, m3 = man(one), man(three)
        s1 = stage(m1, "critique")
        for n, m in ((1, m1), (3, m3)):
            s = stage(m, "critique")
            c = m["critique"]
            print(f"| {pipe} | {n} | {s:.1f} | {s / s1:.2f} | {m['wall_seconds']:.1f} | {c['requests']} | "
                  f"{c['max_in_flight']} | {c['completion_tokens']['sum']:.0f} |")
PY
