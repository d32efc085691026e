#!/bin/sh
# The demo: judges real photographs from Debian's mate-backgrounds package
# against judge-vision-sim, the bundled simulator. The simulator is NOT a
# model: its critiques are templates and say so. For a real VLM, see README.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JV=$BUILD/src/cli/judge-vision
SIM=$BUILD/sim/judge-vision-sim
PHOTOS=demo-photos
OUT=outputs/demo
SCALE=${DEMO_TIME_SCALE:-0.25}

[ -x "$JV" ] && [ -x "$SIM" ] || { echo "demo: build first (make)" >&2; exit 1; }

# Competition entries: projected images at most 1600x1200, Colour and Mono.
if [ ! -d "$PHOTOS" ]; then
    echo "demo: preparing photographs from /usr/share/backgrounds/mate"
    mkdir -p "$PHOTOS/Colour" "$PHOTOS/Mono"
    i=0
    for f in /usr/share/backgrounds/mate/nature/*.jpg /usr/share/backgrounds/mate/abstract/Elephants.jpg; do
        [ -f "$f" ] || continue
        name=$(basename "$f" .jpg)
        vipsthumbnail "$f" -s 1600x1200 -o "$PWD/$PHOTOS/Colour/$name.jpg[Q=92,strip]"
        if [ $((i % 3)) -eq 0 ]; then
            vips colourspace "$PHOTOS/Colour/$name.jpg" "$PHOTOS/Mono/${name}_mono.jpg[Q=92]" b-w
        fi
        i=$((i + 1))
    done
fi

SIM_LOG=$(mktemp)
"$SIM" --port 0 --time-scale "$SCALE" >"$SIM_LOG.url" 2>"$SIM_LOG" &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null; rm -f "$SIM_LOG" "$SIM_LOG.url"' EXIT INT TERM
for _ in $(seq 1 100); do
    [ -s "$SIM_LOG.url" ] && break
    sleep 0.1
done
URL=$(head -n1 "$SIM_LOG.url")
[ -n "$URL" ] || { echo "demo: the simulator did not start" >&2; cat "$SIM_LOG" >&2; exit 1; }

echo
echo "demo: judging $(find "$PHOTOS" -name '*.jpg' | wc -l) photos with the SIMULATOR at $URL"
echo "demo: (critiques and scores are templates from judge-vision-sim, not a real model;"
echo "demo:  delays are the calibrated latency scaled by $SCALE)"
echo
set +e
"$JV" run -i "$PHOTOS" \
    --competition-config examples/competitions.toml --competition club_dpi_2025 \
    --base-url "$URL/v1" --model judge-vision-sim \
    --iqa-service-url "$URL" \
    --concurrency 4 --pairwise \
    --output-dir "$OUT" --round demo
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || exit "$rc"

echo
echo "demo: top entries per category:"
/usr/bin/python3 - "$OUT/results/demo.jsonl" <<'PY'
import json, sys, os
recs = [json.loads(l) for l in open(sys.argv[1])]
cats = {}
for r in recs:
    cats.setdefault(r.get("competition_category") or "?", []).append(r)
for cat, rs in sorted(cats.items()):
    # the run's own final order (rank 1 = best in its category), never the file name
    rs.sort(key=lambda r: r.get("rank") or len(recs) + 1)
    print(f"  {cat}:")
    for r in rs[:3]:
        print(f"    {r.get('placing') or '':4} {r.get('critique_total')!s:>4}  {r.get('critique_award') or '':12} {os.path.basename(r['image'])}")
PY
echo
echo "demo: results  $OUT/results/demo.jsonl"
echo "demo: summary  $OUT/summaries/demo_summary.md"
echo "demo: manifest $OUT/results/demo.metadata.json"
echo "demo: report   $JV report $OUT/results/demo.metadata.json"
echo "demo: browse   $JV serve --outputs $OUT   (then open http://127.0.0.1:8765/)"
