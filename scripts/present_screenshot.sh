#!/bin/sh
# Makes doc/present.png, the README's screenshot of presentation mode: a
# fixture round of landscapes (tests/browser/make_fixture.py --scenic), the
# real server, and tests/browser/present.mjs (which drives the keys and saves
# the shot at the first photo's score). Needs a build (BUILD, default build/),
# Chromium and node_modules, as the browser tests do.
#     scripts/present_screenshot.sh [BUILD]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
JV=$BUILD/src/cli/judge-vision
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jv-shot.XXXXXX")
PID=""
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
cat >"$WORK/competitions.toml" <<'TOML'
[competition.club_dpi]
name = "Club DPI round"
categories = ["Colour", "Mono"]
score_bands = { Merit = [14, 15], Credit = [16, 17], Distinction = [18, 19, 20] }
awards = ["Distinction", "Credit", "Merit"]
TOML
/usr/bin/python3 "$SRC/tests/browser/make_fixture.py" --outputs "$WORK/out" --name club --count 30 \
    --seed 5 --scenic --competition club_dpi --registry "$WORK/competitions.toml" >/dev/null
"$JV" serve --port 0 --outputs "$WORK/out" --registry "$WORK/competitions.toml" >"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
i=0
while [ ! -s "$WORK/serve.out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
JV_URL=$(head -n 1 "$WORK/serve.out") JV_OUTPUTS=$WORK/out JV_SCREENSHOTS=$WORK/shots \
    JV_PRESENT_SHOT=$WORK/present.png JV_PRESENT_VIEWPORT=960x540 node "$SRC/tests/browser/present.mjs"
# A palette PNG keeps the file small.
/usr/bin/python3 -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').quantize(128).save(sys.argv[2], optimize=True)" \
    "$WORK/present.png" "$SRC/doc/present.png"
ls -l "$SRC/doc/present.png"
