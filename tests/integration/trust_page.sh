#!/bin/sh
# The page's trust section with a real round (issue 15, points 1-4): a panel
# of three judges with a calibration fitted on an earlier round, an anchor
# outside its band and `judge-vision agree` against the simulator's "human"
# CSV, shown by `judge-vision serve` in headless Chromium (tests/browser/trust.mjs).
# Skips (77) without Chromium or node_modules, as browser.sh does.
set -eu
. "$(dirname "$0")/lib.sh"
CHROMIUM=${JV_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || [ ! -d "$JV_SOURCE_DIR/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
    echo "trust_page: skipped (needs $CHROMIUM and node_modules)"
    exit 77
fi
make_workdir
cd "$WORK"
make_photos photos 12
mkdir anchors && vips gaussnoise anchors/a.jpg 320 240 --mean 50 --sigma 60
"$SIM" truth -i photos -o truth.json --human human.csv 2>/dev/null
start_sim --time-scale 0.01 --truth truth.json --score-noise 2 --seed 4
printf '[competition.club]\nname = "Club"\nscore_bands = { Merit = [14, 15], Credit = [16, 17], Distinction = [18, 19, 20] }\nanchors = [{ path = "anchors/a.jpg", band = [19, 20] }]\n' >reg.toml
common="-i photos --base-url $SIM_URL/v1 --quiet --concurrency 8 --output-dir outs --competition-config reg.toml --competition club"
# shellcheck disable=SC2086
"$JV" run $common --round past >/dev/null 2>&1 || fail "past round"
"$JV" calibrate human.csv past --output-dir outs -o club.calibration.json >/dev/null || fail "calibrate"
# shellcheck disable=SC2086
"$JV" run $common --round club --judges 3 --calibration club.calibration.json >/dev/null 2>err.txt \
    || { cat err.txt; fail "panel round"; }
"$JV" agree club human.csv --output-dir outs >/dev/null || fail "agree"
"$JV" serve --port 0 --outputs outs >serve.out 2>serve.err &
SERVE=$!
i=0
while [ ! -s serve.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 serve.out)
rc=0
JV_URL=$URL JV_OUTPUTS=outs JV_ROUND=club JV_SCREENSHOTS=$JV_BUILD_DIR/screenshots \
    node "$JV_SOURCE_DIR/tests/browser/trust.mjs" || rc=$?
kill -TERM "$SERVE" 2>/dev/null || true
wait "$SERVE" 2>/dev/null || true
[ $rc = 0 ] || { tail -n 20 serve.err; fail "trust page"; }
