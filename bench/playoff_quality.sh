#!/bin/bash
# Stage 3 ranking quality: Kendall tau-b of the playoff's final order against
# the hidden truth, random scheme (the Python version's) vs ours (round robin
# up to 8, Swiss above), bias towards Entry A 0 and 0.2, cohorts 8/16/40.
# Usage: bench/playoff_quality.sh [SEEDS] (default 50); BUILD_DIR=build.
# Runs in-process (bench/playoff_quality.c) with the model judge that draws
# winners as the simulator does; see the program's header.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${JV_BUILD_DIR:-${BUILD_DIR:-$here/build}}"
seeds="${1:-50}"
ninja -C "$build" bench/playoff_quality >/dev/null
exec "$build/bench/playoff_quality" --seeds "$seeds" --sizes "${SIZES:-8,16,40}" \
    --biases "${BIASES:-0,0.2}" --noise "${NOISE:-0.1}"
