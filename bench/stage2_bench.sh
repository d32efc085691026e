#!/bin/sh
# Stage 2 benchmark (issues 4 and 6): N photos (default 100, 1600x1200 JPEGs made from
# Debian's mate-backgrounds) against judge-vision-sim at its calibrated latency scaled by
# SCALE (default 0.1: every delay of the model a tenth as long, ratios unchanged):
#   1. `judge-vision bench`: the Python version's settings (club_judge_v1, 512 tokens,
#      one request at a time, no pipelining, per-record flush) against our defaults;
#   2. the same baseline against --concurrency 8;
#   3. client CPU time per image of our default run;
#   4. peak RSS of whole runs over 200 and 2,000 images (must stay flat: growth < 20 MB).
# Usage: bench/stage2_bench.sh     (env: N, SCALE, BIG=2000)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-100}
SCALE=${SCALE:-0.1}
BIG=${BIG:-2000}
JV=$PWD/build/src/cli/judge-vision
SIM=$PWD/build/sim/judge-vision-sim
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-s2.XXXXXX")
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID 2>/dev/null; rm -rf "$W"' EXIT

echo "== making $N distinct 1600x1200 photos"
make_photos "$W" "$W/photos" "$N"

start_sim() {
    "$SIM" --port 0 --time-scale "$1" >"$W/sim.url" 2>"$W/sim.log" &
    SIM_PID=$!
    for _ in $(seq 1 100); do [ -s "$W/sim.url" ] && break; sleep 0.1; done
    URL=$(head -n1 "$W/sim.url")
}
stop_sim() { kill $SIM_PID; wait $SIM_PID 2>/dev/null || true; SIM_PID=; }

start_sim "$SCALE"
COMMON="-i $W/photos --base-url $URL/v1 --quiet --iqa-workers 2"
echo "== 1. baseline (Python settings) vs our defaults, time scale $SCALE"
# shellcheck disable=SC2086
"$JV" bench $COMMON --bench-dir "$W/bench" --output-jsonl "$W/out/r.jsonl" \
    --log-file "$W/log" --progress-file "$W/p.json"
echo
echo "== 2. baseline vs --concurrency 8"
# shellcheck disable=SC2086
"$JV" bench $COMMON --bench-dir "$W/bench" --skip-baseline --concurrency 8 \
    --output-jsonl "$W/out/r.jsonl" --log-file "$W/log" --progress-file "$W/p.json"
echo
echo "== 3. client CPU per image (our defaults; warm IQA cache)"
# shellcheck disable=SC2086
/usr/bin/time -f "%U %S %M" -o "$W/time3" "$JV" run $COMMON --fresh \
    --output-jsonl "$W/cpu/r.jsonl" --iqa-cache "$W/bench/iqa_cache.jsonl" \
    --log-file "$W/log" --progress-file "$W/p.json" >/dev/null
awk -v n="$N" '{ printf "user %.2f s + sys %.2f s over %d images: %.1f ms CPU per image\n", $1, $2, n, ($1 + $2) * 1000 / n }' "$W/time3"
stop_sim

echo
echo "== 4. peak RSS, 200 vs $BIG images (time scale 0.001, --concurrency 8, --fast)"
/usr/bin/python3 - "$W/many" "$BIG" <<'PY'
import os, sys, random
from PIL import Image
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d + "/200", exist_ok=True); os.makedirs(d + "/big", exist_ok=True)
rnd = random.Random(7)
for i in range(n):
    im = Image.new("RGB", (160, 120), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    im.putpixel((i % 160, (i // 160) % 120), (255, 255, 255))
    im.save(f"{d}/big/m{i:05d}.jpg", quality=85)
    if i < 200:
        im.save(f"{d}/200/m{i:05d}.jpg", quality=85)
PY
start_sim 0.001
for set in 200 big; do
    /usr/bin/time -f "%M" -o "$W/rss.$set" "$JV" run -i "$W/many/$set" --base-url "$URL/v1" --quiet \
        --fast --concurrency 8 --output-jsonl "$W/rss$set/r.jsonl" --iqa-cache "$W/rss$set/c.jsonl" \
        --log-file "$W/log" --progress-file "$W/p.json" >/dev/null
done
stop_sim
a=$(cat "$W/rss.200")
b=$(cat "$W/rss.big")
echo "peak RSS: 200 images $((a / 1024)) MiB, $BIG images $((b / 1024)) MiB, growth $(((b - a) / 1024)) MiB"
[ $((b - a)) -lt 20480 ] && echo "PASS: growth under 20 MB" || echo "FAIL: growth 20 MB or more"
