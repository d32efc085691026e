#!/bin/sh
# Decompression bombs against Stage 1 (issue 11 point 8): N PNGs of 15000x15000
# (225 MP, each under 1 MB on disk, 0.63 GiB decoded) measured by --stage iqa.
# Shows peak RSS (/usr/bin/time %M) for: the default pixel limit (160 MP: the
# bombs are refused from their header), the old 250 MP limit with the default
# 1 GiB memory budget (one bomb decoded at a time, whatever the worker count),
# and, for comparison, the same with the budget lifted (--iqa-memory 1000000).
# Usage: bench/iqa_bombs.sh [N=16] [WORKERS=2]; LIFT=0 skips the lifted case
# (it needs WORKERS x 0.65 GiB).
set -eu
cd "$(dirname "$0")/.."
N=${1:-16}
WORKERS=${2:-2}
JV=${JV:-build/src/cli/judge-vision}
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-bombs.XXXXXX")
trap 'rm -rf "$W"' EXIT
vips black "$W/bomb.png[compression=9]" 15000 15000 --bands 3
mkdir "$W/photos"
i=0
while [ $i -lt "$N" ]; do
    # distinct bytes (a tag after IEND), so nothing is shared through the hash
    { cat "$W/bomb.png"; printf 'jv-bomb-%d' $i; } >"$W/photos/bomb$i.png"
    i=$((i + 1))
done
echo "$N bombs of $(wc -c <"$W/bomb.png") bytes each, 225 MP, $WORKERS workers"
measure() {
    label=$1
    shift
    rm -rf "$W/out"
    /usr/bin/time -f '%M %e' -o "$W/time.txt" "$JV" run --stage iqa -i "$W/photos" \
        --iqa-workers "$WORKERS" --quiet --iqa-cache "$W/out/cache.jsonl" \
        --output-jsonl "$W/out/r.jsonl" --progress-file "$W/out/p.json" \
        --log-file "$W/out/log" "$@" >/dev/null 2>"$W/err.txt" || true
    set -- $(tail -1 "$W/time.txt")
    peak=$(sed -n 's/.*"event": *"iqa_memory".*"peak_bytes": *\([0-9]*\).*/\1/p' "$W/out/log" | tail -1)
    echo "$label: peak RSS $(($1 / 1024)) MiB, $2 s, budget peak ${peak:-?} bytes"
}
measure "default (160 MP limit)"
measure "--max-megapixels 250, --iqa-memory 1024 (default)" --max-megapixels 250
if [ "${LIFT:-1}" = 1 ]; then
    measure "--max-megapixels 250, budget lifted" --max-megapixels 250 --iqa-memory 1000000
fi
