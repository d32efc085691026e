#!/bin/sh
# Issue 12 point 5 in Chromium: a club round's results sheet and entrants'
# feedback (judge-vision export) printed to PDF: one page per category, one
# per entrant, nothing clipped, nothing fetched from outside the file
# (tests/browser/print.mjs). Skips (77) only without Chromium or node_modules.
set -eu
. "$(dirname "$0")/lib.sh"
SRC=${JV_SOURCE_DIR:?}
CHROMIUM=${JV_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] || [ ! -d "$SRC/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
    echo "club_print: skipped (needs $CHROMIUM and node_modules)"
    exit 77
fi
make_workdir
cd "$WORK"
make_photos photos/Colour 3
make_photos photos/Mono 2
# Long names and titles must wrap, not be cut.
mv photos/Colour/photo_2.jpg "photos/Colour/photo_long.jpg"
mv photos/Mono/photo_0.jpg photos/Mono/m_0.jpg
mv photos/Mono/photo_1.jpg photos/Mono/m_1.jpg
cat >entries.csv <<'CSV'
file,author,title
photo_0.jpg,Jane Smith,Dune
photo_1.jpg,Bartholomew Featherstonehaugh-Cholmondeley,A Remarkably Long Title About The Morning Light Over The Estuary At Low Tide
photo_long.jpg,Pat Lee,Harbour
CSV
start_sim --time-scale 0.01
"$JV" run -i photos --base-url "$SIM_API" --quiet --round night --entries entries.csv \
    --competition-config "$SRC/examples/competitions.toml" --competition club_dpi_round \
    >run.out 2>run.err || { cat run.err; fail "the run"; }
stop_sim
"$JV" export night --format results -o results.html >/dev/null || fail "export results"
"$JV" export night --format entrants -o entrants.html >/dev/null || fail "export entrants"
# Colour and Mono: 2 pages; Jane, Bartholomew, Pat and the unnamed Mono entrant: 4 pages.
JV_SCREENSHOTS=${JV_BUILD_DIR:?}/screenshots node "$SRC/tests/browser/print.mjs" \
    "$WORK/results.html:2" "$WORK/entrants.html:4" || fail "printing"
