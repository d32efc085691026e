#!/bin/sh
# GUI benchmark: the Results and Performance tabs of a 5,000-record run in
# headless Chromium (target: under 2 s each, data fetch included). Prints
# medians. Usage: bench/gui_render.sh [RECORDS] [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
N=${1:-5000}
BUILD=${2:-build}
JV=$BUILD/src/cli/judge-vision
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
[ -x "$JV" ] || { echo "gui_render: build first (make)" >&2; exit 1; }
[ -x /usr/bin/chromium ] && [ -d node_modules/playwright-core ] || scripts/install-browser-deps.sh

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-guibench.XXXXXX")
PID=""
cleanup() {
    if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "gui_render: writing a $N-record run"
"$PY" tests/browser/make_fixture.py --outputs "$WORK/outputs" --name big --count "$N" >/dev/null
"$JV" serve --port 0 --outputs "$WORK/outputs" >"$WORK/url" 2>"$WORK/err" &
PID=$!
i=0
while [ ! -s "$WORK/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
JV_URL=$(head -n 1 "$WORK/url") JV_RUN_NAME=big node tests/browser/bench_render.mjs
