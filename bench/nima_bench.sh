#!/bin/sh
# NIMA benchmark (issue 13, points 5 and 6): ms per photo per model, on 1 and 2
# threads, decode excluded and included, our C inference side by side with the
# PyTorch reference (tests/parity/nima_reference.py, Debian's python3-torch) at
# the same thread count, on the same random-weight files; then the peak RSS of
# `judge-vision run --stage iqa` with both NIMA models loaded and 2 workers on
# 12 MP JPEGs, against the same run without NIMA.
# Usage: bench/nima_bench.sh [PHOTOS=10] [REPEAT=5] [MEMORY_PHOTOS=8]
# Targets: <= 15 ms per model per photo per core, >= 5x faster than PyTorch.
set -eu
cd "$(dirname "$0")/.."
N=${1:-10}
REPEAT=${2:-5}
MEM_N=${3:-8}
JV=${JV:-build/src/cli/judge-vision}
DUMP=${DUMP:-build/tests/parity/jv_nima_dump}
REF=tests/parity/nima_reference.py
py=/usr/bin/python3
"$py" -c 'import torch, h5py, PIL, numpy' || { echo "needs python3-torch, python3-h5py (scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$DUMP" ] || { echo "build first (ninja -C build)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/jv-nima-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/models" "$W/photos" "$W/mem"
"$py" "$REF" weights "$W/models/weights_mobilenet_aesthetic_0.07.hdf5" --layout weights --head dense_1 --seed 1
"$py" "$REF" weights "$W/models/weights_mobilenet_technical_0.11.hdf5" --layout model --head dense --seed 2
"$py" - "$W/photos" "$N" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(5)
for i in range(int(sys.argv[2])):
    yy, xx = np.mgrid[0:1200, 0:1600].astype(np.float32)
    img = np.stack([xx / 1600, yy / 1200, 0.5 + 0.5 * np.sin((xx + yy) / (9.0 + i))], -1)
    img = np.clip((img + rng.normal(0, 0.08, img.shape)) * 255, 0, 255).astype(np.uint8)
    Image.fromarray(img).save("%s/p%02d.jpg" % (sys.argv[1], i), quality=90)
PY
echo "NIMA on $N photos of 1600x1200 (JPEG), best of $REPEAT runs each; GEMM kernel: see below"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-15s %3s  %9s %9s %9s  %9s %9s %9s  %8s %8s\n' model thr "C ms" "C+decode" "C cpu" \
    "torch ms" "t+load" "t cpu" speedup "cpu x"
for model in aesthetic technical; do
    w=$(ls "$W"/models/weights_mobilenet_${model}_*.hdf5)
    for t in 1 2; do
        "$DUMP" --threads "$t" --repeat "$REPEAT" "$w" "$W"/photos/*.jpg >"$W/c.jsonl" 2>"$W/c.err"
        "$py" "$REF" bench "$t" "$REPEAT" "$w" "$W"/photos/*.jpg >"$W/t.jsonl"
        "$py" - "$W/c.jsonl" "$W/t.jsonl" "$model" "$t" <<'PY'
import json, sys, statistics as st
c = [json.loads(l) for l in open(sys.argv[1])]
t = [json.loads(l) for l in open(sys.argv[2])]
med = lambda rows, k: st.median(r[k] for r in rows)
cf, cd, cc = med(c, "forward_ms"), med(c, "decode_ms"), med(c, "forward_cpu_ms")
tf, td, tc = med(t, "forward_ms"), med(t, "decode_ms"), med(t, "forward_cpu_ms")
one = sys.argv[4] == "1"
print("%-15s %3s  %9.2f %9.2f %9s  %9.2f %9.2f %9s  %7.1fx %8s" % (
    "nima_" + sys.argv[3], sys.argv[4], cf, cf + cd, "%.2f" % cc if one else "-", tf, tf + td,
    "%.2f" % tc if one else "-", tf / cf, "%.1fx" % (tc / cc) if one else "-"))
PY
    done
done
sed -n 's/^jv_nima_dump: .*kernel \([a-z0-9]*\).*/GEMM kernel: \1/p' "$W/c.err"
# The ceiling: MobileNet v1 is 1.14 GFLOP per model per photo; no fp32 code beats it / peak.
if [ -x "${FMA_PEAK:-build/bench/fma_peak}" ]; then
    "${FMA_PEAK:-build/bench/fma_peak}" | awk '{ print; printf "(so at least %.1f ms per model per photo on one core)\n", 1.138e3 / $(NF-1) }'
fi
echo "(C ms: Pillow-exact resize + MobileNet forward; torch ms: the forward alone; +decode/+load: the"
echo " JPEG decoded to RGB by libvips, and for torch Keras' load_img path: Pillow open, resize, scale;"
echo " cpu: the calling thread's CPU time with 1 thread, which a loaded machine does not inflate;"
echo " medians over the photos of the best of REPEAT runs)"

# Peak memory: both models loaded, 2 workers, 12 MP photos.
"$py" - "$W/mem" "$MEM_N" <<'PY'
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(9)
for i in range(int(sys.argv[2])):
    img = rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8) // 4 + 60
    Image.fromarray(img).save("%s/m%02d.jpg" % (sys.argv[1], i), quality=85)
PY
peak() {
    tag=$1
    shift
    /usr/bin/time -v "$JV" run --stage iqa -i "$W/mem" --iqa-workers 2 --quiet --output-dir "$W/out$tag" \
        "$@" >/dev/null 2>"$W/time.txt" || { cat "$W/time.txt"; exit 1; }
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt"
}
with=$(peak 1 --nima-weights "$W/models")
without=$(peak 2 --disable-nima --nima-weights "$W/models")
grep -q nima_technical_mean "$W"/out1/cache/*.jsonl || { echo "NIMA did not run" >&2; exit 1; }
echo "peak RSS, $MEM_N photos of 12 MP, 2 workers: with both NIMA models $((with / 1024)) MiB," \
     "without NIMA $((without / 1024)) MiB (target <= 600 MiB with every model)"
