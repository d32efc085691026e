#!/bin/sh
# Peak memory of Stage 1 (issue 2 item 8): N distinct 12 MP JPEGs measured with
# 2 workers must stay below 1 GiB peak RSS, because a worker holds at most one
# decoded image. Usage: bench/iqa_memory.sh [N=500] [WORKERS=2]
set -eu
cd "$(dirname "$0")/.."
N=${1:-500}
WORKERS=${2:-2}
JV=${JV:-build/src/cli/judge-vision}
SRC=/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg
[ -f "$SRC" ] || { echo "needs Debian's mate-backgrounds (scripts/install-deps.sh)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-mem.XXXXXX")
trap 'rm -rf "$W"' EXIT
# Four 4000x3000 (12 MP) bases, then N files with distinct bytes (a tag after
# the JPEG's end marker), so neither the IQA cache nor hashing can share work.
vips crop "$SRC" "$W/b0.jpg[Q=90]" 0 0 4000 3000
vips crop "$SRC" "$W/b1.jpg[Q=90]" 1640 172 4000 3000
vips flip "$W/b0.jpg" "$W/b2.jpg[Q=90]" horizontal
vips flip "$W/b1.jpg" "$W/b3.jpg[Q=90]" vertical
mkdir "$W/photos"
i=0
while [ $i -lt "$N" ]; do
    { cat "$W/b$((i % 4)).jpg"; printf 'jv-bench-%d' $i; } >"$W/photos/p$i.jpg"
    i=$((i + 1))
done
echo "measuring $N photos of 12 MP with $WORKERS workers..."
/usr/bin/time -v "$JV" run --stage iqa -i "$W/photos" --iqa-workers "$WORKERS" --quiet \
    --iqa-cache "$W/cache.jsonl" --output-jsonl "$W/out/r.jsonl" \
    --progress-file "$W/out/p.json" --log-file "$W/out/log" >"$W/stdout" 2>"$W/time.txt" ||
    { cat "$W/time.txt"; exit 1; }
rss_kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$W/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$W/time.txt")
echo "images: $N, workers: $WORKERS, wall: $wall, peak RSS: $((rss_kb / 1024)) MiB"
[ "$rss_kb" -lt 1048576 ] && echo "PASS: below 1 GiB" || { echo "FAIL: 1 GiB or more"; exit 1; }
