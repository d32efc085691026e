#!/bin/sh
# The web page in headless Chromium (playwright-core). `browser.sh` (the
# browser test): settings, live run progress, results editing, performance
# charts, downloads (gui.mjs). `browser.sh present` (browser_present): a club
# round in presentation mode driven by its keys (present.mjs). `browser.sh
# club` (browser_club): the Results and Run tabs' club features (page.mjs),
# the layout at two sizes (layout.mjs).
# Skips (77) only
# when Chromium or node_modules are missing (scripts/install-browser-deps.sh).
set -eu
MODE=${1:-gui}
JV=${JUDGE_VISION:?}
SRC=${JV_SOURCE_DIR:?}
BUILD=${JV_BUILD_DIR:?}
CHROMIUM=${JV_CHROMIUM:-/usr/bin/chromium}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

if [ ! -x "$CHROMIUM" ] || [ ! -d "$SRC/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
    echo "browser: skipped (needs $CHROMIUM and node_modules; run scripts/install-browser-deps.sh)"
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-browser.XXXXXX")
SERVE_PID=""
sim_on_exit() {
    if [ -n "$SERVE_PID" ]; then
        kill -TERM "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap 'sim_on_exit' EXIT INT TERM

OUT=$WORK/outputs
"$PY" "$SRC/tests/browser/make_fixture.py" --outputs "$OUT" --name fixture --count 40 >/dev/null
"$PY" "$SRC/tests/browser/make_fixture.py" --outputs "$OUT" --subdir bench/baseline/results \
    --name judge_vision --count 30 --profile baseline --seed 3 >/dev/null
"$PY" "$SRC/tests/browser/make_fixture.py" --outputs "$OUT" --subdir bench/optimised/results \
    --name judge_vision --count 30 --profile optimised --seed 3 >/dev/null
cat >"$WORK/competitions.toml" <<'TOML'
[competition.club_dpi_2025]
name = "Club DPI 2025"
categories = ["Colour", "Mono"]
score_bands = { Merit = [14, 15], Credit = [16, 17], Distinction = [18, 19, 20] }
awards = ["Distinction", "Credit", "Merit"]
pairwise_rounds = 0
notes = """
Scores out of 20. Mono: one tone across the whole image.
"""
[competition.club_dpi_2025.rules]
max_width = 1600
max_height = 1200
borders = "disallowed"
TOML
# A club round: authors, ranks, placings, two failed photos, judged under club_dpi_2025.
"$PY" "$SRC/tests/browser/make_fixture.py" --outputs "$OUT" --name club --count 30 --failed 2 \
    --seed 5 --competition club_dpi_2025 --registry "$WORK/competitions.toml" >/dev/null

# A live run needs the simulator and the pipeline; photos come from the fixture.
LIVE=0
SIM_API=""
if [ "$MODE" = gui ] && [ -x "$BUILD/sim/judge-vision-sim" ] && [ -f "$SRC/tests/integration/lib_sim.sh" ]; then
    SIM_WORK=$WORK/sim
    # shellcheck source=/dev/null
    . "$SRC/tests/integration/lib_sim.sh"
    trap 'sim_cleanup' EXIT INT TERM
    if start_sim --time-scale 0.01; then
        if "$JV" run -i "$OUT/../fixture_images/fixture" --base-url "$SIM_API" --model judge-vision-sim \
            --output-jsonl "$WORK/probe/r.jsonl" --progress-file "$WORK/probe/p.json" \
            --iqa-cache "$WORK/probe/c.jsonl" --log-file "$WORK/probe/l.log" \
            --summary "$WORK/probe/s.md" >/dev/null 2>&1; then
            LIVE=1
        fi
    fi
fi
[ "$MODE" = gui ] && echo "browser: live run against the simulator: $([ "$LIVE" = 1 ] && echo yes || echo 'no (pipeline not available; progress pushed from a written file)')"

"$JV" serve --port 0 --outputs "$OUT" --registry "$WORK/competitions.toml" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
i=0
while [ ! -s "$WORK/serve.out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -n 1 "$WORK/serve.out")
case "$URL" in http://127.0.0.1:*/) ;; *) echo "FAIL: serve printed '$URL'"; cat "$WORK/serve.err"; exit 1 ;; esac

rc=0
if [ "$MODE" = gui ]; then
    JV_URL=$URL JV_OUTPUTS=$OUT JV_SCREENSHOTS=$BUILD/screenshots JV_LIVE=$LIVE \
        JV_SIM_API=$SIM_API JV_RUN_INPUT=$OUT/../fixture_images/fixture \
        node "$SRC/tests/browser/gui.mjs" || rc=$?
else
    mkdir -p "$WORK/picked"
    printf '[competition.bad]\nname = "unterminated\n' >"$WORK/picked/broken.toml"
    tests="page layout"
    [ "$MODE" = present ] && tests=present
    for t in $tests; do
        JV_REGISTRY_OTHER=$SRC/examples/competitions.toml JV_REGISTRY_BROKEN=$WORK/picked/broken.toml \
            JV_URL=$URL JV_OUTPUTS=$OUT JV_SCREENSHOTS=$BUILD/screenshots \
            node "$SRC/tests/browser/$t.mjs" || rc=1
    done
fi
if [ $rc -ne 0 ]; then
    echo "--- serve stderr"; tail -n 30 "$WORK/serve.err"
fi
exit $rc
