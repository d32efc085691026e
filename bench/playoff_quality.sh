#!/bin/bash
# Stage 3 ranking quality (bench/playoff_quality.c): Kendall tau-b, P(true #1
# first), top-3 set and order of the playoff's final order against the hidden
# truth, per scheme, paired by seed against today's scheme, with the targets
# of issue 14 as PASS/FAIL lines. Cohorts through the eligibility rule, bias
# towards Entry A 0 and 0.2, cohorts 8/16/40, noise 0.1 (the simulator's
# default).
#
# Usage: bench/playoff_quality.sh [SEEDS]
#   JUDGE=model (default): the in-process model of the simulator's draw,
#     400 seeds by default (about two minutes on one core);
#   JUDGE=sim: the real judge-vision-sim over HTTP at --time-scale 0, 50 seeds
#     by default (400 take about 20 minutes);
#   JUDGE=both: the two, one table each.
#   SIZES, BIASES, NOISE override the sweep; COHORTS=note the design note's
#   cohorts (q ~ U(0.62, 1), scores clamped into 17..20); ALL_MAX_N the largest
#   cohort of the every-ordered-pair row (16); JSON=1 prints JSON lines;
#   JV_BUILD_DIR or BUILD_DIR the build.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${JV_BUILD_DIR:-${BUILD_DIR:-$here/build}}"
ninja -C "$build" bench/playoff_quality sim/judge-vision-sim >/dev/null
common=(--sizes "${SIZES:-8,16,40}" --biases "${BIASES:-0,0.2}" --noise "${NOISE:-0.1}"
    --cohorts "${COHORTS:-eligible}" --all-max-n "${ALL_MAX_N:-16}")
[ "${JSON:-0}" = 1 ] && common+=(--json)
judge="${JUDGE:-model}"
if [ "$judge" = model ] || [ "$judge" = both ]; then
    "$build/bench/playoff_quality" --seeds "${1:-400}" "${common[@]}"
fi
if [ "$judge" = both ]; then echo; fi
if [ "$judge" = sim ] || [ "$judge" = both ]; then
    "$build/bench/playoff_quality" --seeds "${1:-50}" --sim "$build/sim/judge-vision-sim" \
        "${common[@]}"
fi
