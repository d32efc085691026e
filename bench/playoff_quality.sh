#!/bin/bash
# Stage 3 ranking quality: Kendall tau-b of the playoff's final order against
# the hidden truth, the random scheme (the Python version's) vs ours (round
# robin up to 8, Swiss above), bias towards Entry A 0 and 0.2, cohorts
# 8/16/40, noise 0.1 (the simulator's default).
#
# Usage: bench/playoff_quality.sh [SEEDS] (default 50)
#   JUDGE=sim (default when the simulator is built): the real judge-vision-sim
#   over HTTP at --time-scale 0; JUDGE=model: the in-process model of its draw.
#   SIZES, BIASES, NOISE override the sweep; JV_BUILD_DIR or BUILD_DIR the build.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${JV_BUILD_DIR:-${BUILD_DIR:-$here/build}}"
seeds="${1:-50}"
ninja -C "$build" bench/playoff_quality sim/judge-vision-sim >/dev/null
sim=()
if [ "${JUDGE:-sim}" = sim ] && [ -x "$build/sim/judge-vision-sim" ]; then
    sim=(--sim "$build/sim/judge-vision-sim")
fi
exec "$build/bench/playoff_quality" --seeds "$seeds" --sizes "${SIZES:-8,16,40}" \
    --biases "${BIASES:-0,0.2}" --noise "${NOISE:-0.1}" "${sim[@]}"
