#!/bin/sh
# MUSIQ speed and memory (issue 13, points 5 and 6), side by side in one run:
#  - seconds per photo (wall and CPU, decode excluded) at 1600x1200 and 12 MP
#    (4000x3000), on 1 and 2 threads, for the native model (jv_musiq_dump) and
#    the PyTorch reference written from the official code
#    (tests/parity/musiq_reference.py) at the same thread count, and the ratio;
#  - peak RSS of `judge-vision run --stage iqa` with 2 workers on 12 MP photos,
#    MUSIQ and both NIMA models loaded (random weights in the official layouts).
# Both programs read the same random-weight checkpoint in the official layout
# (hidden 384, 14 layers, 6 heads, MLP 1152); the scores are printed too.
# Wall seconds mean little on a loaded machine; CPU seconds (all threads) are
# printed beside them. SECTIONS picks what runs, in order (default "hd mem mp12").
# Usage: [SECTIONS="hd mem mp12"] bench/musiq_bench.sh [PHOTOS_PER_SIZE=1] [MEM_PHOTOS=2]
set -eu
cd "$(dirname "$0")/.."
N=${1:-1}
MEM=${2:-2}
SECTIONS=${SECTIONS:-hd mem mp12}
BUILD=${BUILD:-build}
DUMP=$BUILD/tests/parity/jv_musiq_dump
JV=$BUILD/src/cli/judge-vision
REF=tests/parity/musiq_reference.py
NIMA_REF=tests/parity/nima_reference.py
PY=/usr/bin/python3
SRC=/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg
[ -x "$DUMP" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
[ -f "$SRC" ] || { echo "needs Debian's mate-backgrounds (scripts/install-deps.sh)" >&2; exit 1; }
"$PY" -c 'import torch, numpy, PIL, h5py' || { echo "needs python3-torch, -numpy, -pil, -h5py" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-musiq-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/hd" "$W/mp12" "$W/models" "$W/mem"
i=0
while [ $i -lt "$N" ]; do
    vips crop "$SRC" "$W/crop.png" $((i * 200)) 0 4000 3000
    vips thumbnail "$W/crop.png" "$W/hd/hd$i.jpg[Q=90]" 1600 --height 1200 --size force
    vips crop "$SRC" "$W/mp12/mp$i.jpg[Q=90]" $((i * 300)) 100 4000 3000
    i=$((i + 1))
done
"$PY" "$REF" weights "$W/models/spaq_ckpt.npz" --classes 1
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) CPUs," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# One table row: mean wall and CPU seconds per photo of a JSON-lines file.
row() {
    "$PY" - "$@" <<'EOF'
import json, sys
label, c_file, r_file = sys.argv[1:4]
c = [json.loads(l) for l in open(c_file)]
r = [json.loads(l) for l in open(r_file)]
mean = lambda rows, k: sum(x[k] for x in rows) / len(rows)
cw, cc, rw, rc = mean(c, "seconds"), mean(c, "cpu_seconds"), mean(r, "seconds"), mean(r, "cpu_seconds")
d = max(abs(a["score"] - b["score"]) for a, b in zip(c, r))
print(f"{label:<22} native {cw:7.2f} s ({cc:7.2f} s CPU)   reference {rw:7.2f} s "
      f"({rc:7.2f} s CPU)   speed-up {rw / cw:5.2f}x wall, {rc / cc:5.2f}x CPU   max |d score| {d:.1e}")
EOF
}

speed() {
    size=$1
    for t in 1 2; do
        "$DUMP" --weights "$W/models/spaq_ckpt.npz" --threads $t "$W/$size"/*.jpg >"$W/c.jsonl"
        "$PY" "$REF" score "$W/models/spaq_ckpt.npz" --threads $t "$W/$size"/*.jpg >"$W/r.jsonl"
        case $size in hd) name="1600x1200";; *) name="12 MP (4000x3000)";; esac
        row "$name, $t thread$( [ $t -eq 1 ] || echo s)" "$W/c.jsonl" "$W/r.jsonl"
    done
}

# Peak RSS: 2 workers, 12 MP photos, MUSIQ + both NIMA models loaded.
memory() {
    "$PY" "$NIMA_REF" weights "$W/models/weights_mobilenet_aesthetic_0.07.hdf5" --layout weights \
        --head dense_1 --seed 1 >/dev/null
    "$PY" "$NIMA_REF" weights "$W/models/weights_mobilenet_technical_0.11.hdf5" --layout model \
        --head dense --seed 2 >/dev/null
    i=0
    while [ $i -lt "$MEM" ]; do
        vips crop "$SRC" "$W/mem/m$i.jpg[Q=90]" $((i * 250)) 50 4000 3000
        i=$((i + 1))
    done
    /usr/bin/time -v "$JV" run --stage iqa -i "$W/mem" --iqa-workers 2 --quiet \
        --musiq-weights "$W/models/spaq_ckpt.npz" --nima-weights "$W/models" \
        --output-dir "$W/out" >"$W/stdout" 2>"$W/time.txt" || { cat "$W/time.txt"; exit 1; }
    rss=$(grep 'Maximum resident set size' "$W/time.txt" | awk '{print $NF}')
    wall=$(grep 'Elapsed (wall clock)' "$W/time.txt" | awk '{print $NF}')
    n=$(grep -c '"musiq_mos"' "$W/out/cache/judge_vision_iqa.jsonl" || true)
    echo "peak RSS, 2 workers, $MEM photos of 12 MP, MUSIQ + NIMA x2 loaded: $((rss / 1024)) MiB" \
        "(target <= 600), $wall wall, $n scored"
}

echo "MUSIQ seconds per photo, decode excluded (mean of $N photos):"
for section in $SECTIONS; do
    case $section in
    hd | mp12) speed "$section" ;;
    mem) memory ;;
    esac
done
