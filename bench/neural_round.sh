#!/bin/sh
# A whole round with and without the neural metrics (issue 13, point 5): N photos
# (default 107, 1600x1200 JPEGs made from Debian's mate-backgrounds) judged with
# `--stage full` against judge-vision-sim at time scale 1 with --concurrency 8,
#   A. without NIMA and MUSIQ (no weight files anywhere: both absent, tonal only);
#   B. with both NIMA models and MUSIQ (SPAQ layout) computed here, on random weights
#      written in the official layouts (the arithmetic is that of the real files).
# It prints each run's wall seconds, the neural seconds B spent beyond A in Stage 1
# (summed over photos, then per IQA worker: what the neural metrics would take alone),
# and how much of that was hidden behind Stage 2: hidden = neural alone - (B - A).
# The target: B finishes no later than A plus the neural time that cannot hide behind
# Stage 2 (max(0, alone - A)), i.e. within max(A, alone) with full overlap.
# Usage: bench/neural_round.sh     (env: N=107, CONCURRENCY=8, SCALE=1, WORKERS=2)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-107}
CONCURRENCY=${CONCURRENCY:-8}
SCALE=${SCALE:-1}
WORKERS=${WORKERS:-2}
JV=$PWD/build/src/cli/judge-vision
SIM=$PWD/build/sim/judge-vision-sim
PY=/usr/bin/python3
"$PY" -c 'import torch, h5py, numpy' || { echo "needs python3-torch, -h5py, -numpy" >&2; exit 1; }
[ -x "$JV" ] && [ -x "$SIM" ] || { echo "build first: ninja -C build" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-neural-round.XXXXXX")
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== making $N distinct 1600x1200 photos and random-weight model files"
mkdir -p "$W/models" "$W/empty"
make_photos "$W" "$W/photos" "$N"
"$PY" tests/parity/nima_reference.py weights "$W/models/weights_mobilenet_aesthetic_0.07.hdf5" \
    --layout weights --head dense_1 --seed 1
"$PY" tests/parity/nima_reference.py weights "$W/models/weights_mobilenet_technical_0.11.hdf5" \
    --layout model --head dense --seed 2
"$PY" tests/parity/musiq_reference.py weights "$W/models/spaq_ckpt.npz" --classes 1

"$SIM" --port 0 --time-scale "$SCALE" >"$W/sim.url" 2>"$W/sim.log" &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$W/sim.url" ] && break; sleep 0.1; done
URL=$(head -n1 "$W/sim.url")

round() { # name, extra options...
    name=$1
    shift
    # XDG_DATA_HOME empty: no model is found by default, so A has no neural metrics.
    XDG_DATA_HOME=$W/empty "$JV" run -i "$W/photos" --base-url "$URL/v1" --stage full \
        --concurrency "$CONCURRENCY" --iqa-workers "$WORKERS" --quiet --fresh \
        --output-jsonl "$W/$name/r.jsonl" --iqa-cache "$W/$name/iqa.jsonl" \
        --log-file "$W/$name.log" --progress-file "$W/$name.progress.json" "$@" \
        >"$W/$name.out" 2>"$W/$name.err" || { cat "$W/$name.err" >&2; exit 1; }
    grep -m3 -i 'nima\|musiq' "$W/$name.err" | sed "s/^/  $name: /" || true
}
echo "== A: --stage full without neural metrics"
round A
echo "== B: --stage full with NIMA (both) and MUSIQ computed here"
round B --nima-weights "$W/models" --musiq-weights "$W/models/spaq_ckpt.npz"

"$PY" - "$W" "$WORKERS" <<'PY'
import json, sys
w, workers = sys.argv[1], int(sys.argv[2])
def load(name):
    man = json.load(open(f"{w}/{name}/r.metadata.json"))
    recs = [json.loads(l) for l in open(f"{w}/{name}/r.jsonl")]
    s1 = sum(r.get("stage1_duration_seconds") or 0 for r in recs)
    s2 = sum(r.get("stage2_duration_seconds") or 0 for r in recs)
    met = lambda r: (r.get("technical_signals") or {}).get("metrics") or {}
    have = sum(1 for r in recs if met(r).get("musiq_mos") is not None
               and met(r).get("nima_aesthetic_mean") is not None
               and met(r).get("nima_technical_mean") is not None)
    return man["wall_seconds"], s1, s2, len(recs), have
a, b = load("A"), load("B")
print(f"A (no neural):   {a[0]:7.1f} s wall, Stage 1 {a[1]:7.1f} s summed over {a[3]} photos, "
      f"{a[4]} with NIMA+MUSIQ")
print(f"B (all metrics): {b[0]:7.1f} s wall, Stage 1 {b[1]:7.1f} s summed over {b[3]} photos, "
      f"{b[4]} with NIMA+MUSIQ")
alone = (b[1] - a[1]) / workers
extra = b[0] - a[0]
print(f"neural time alone ({workers} workers): {alone:.1f} s; B - A = {extra:.1f} s; "
      f"hidden behind Stage 2: {alone - extra:.1f} s; not hidden: {extra:.1f} s")
ideal = max(a[0], alone)
print(f"target: B no later than A + the neural time that cannot hide behind Stage 2, "
      f"max(0, alone - A) = {max(0.0, alone - a[0]):.1f} s, i.e. {ideal:.1f} s: "
      f"B is {b[0]:.1f} s, {b[0] / ideal:.2f}x of it")
PY
