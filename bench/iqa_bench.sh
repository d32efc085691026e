#!/bin/sh
# Stage 1 benchmark: decode and deterministic metrics per image, 1 and 2
# workers, against the Python reference (tests/parity/reference.py).
#   bench/iqa_bench.sh [BUILD_DIR] [ROUNDS]
# Image sets (made here from Debian's mate-backgrounds photographs):
#   mate     the 12 nature JPEGs as shipped (1280x1024 .. 2560x1920)
#   dpi      the same photos at 1600x1200 (a club's projected-image size), Q=90
#   12mp     three 4000x3000 JPEGs (Elephants downscaled, two upscaled), Q=92
# Prints, per set, the median time per image for decode only and for decode +
# all metrics (1 worker), throughput with 1 and 2 workers, and the Python
# reference's median time per image (load + metrics, interpreter start-up
# excluded). cpu_ms is the process CPU time per image with 1 and 2 workers:
# equal values mean the workers do not serialise, so on free cores 2 workers
# give twice the throughput even when a busy machine hides it. Quote medians;
# the machine may be shared.
set -eu
build=${1:-build}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bench="$build/bench/iqa_bench"
ref="$here/tests/parity/reference.py"
photos=/usr/share/backgrounds/mate
[ -x "$bench" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
[ -d "$photos/nature" ] || { echo "install mate-backgrounds (scripts/install-deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jv-iqa-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/mate" "$tmp/dpi" "$tmp/12mp"
for f in "$photos"/nature/*.jpg; do
    b=$(basename "$f" .jpg)
    cp "$f" "$tmp/mate/"
    vips thumbnail "$f" "$tmp/dpi/$b.jpg[Q=90]" 1600 --height 1200 --size force
done
vips thumbnail "$photos/abstract/Elephants_5640x3172.jpg" "$tmp/12mp/elephants.jpg[Q=92]" 4000 \
    --height 3000 --size force
vips thumbnail "$photos/nature/Wood.jpg" "$tmp/12mp/wood.jpg[Q=92]" 4000 --height 3000 --size force
vips thumbnail "$photos/nature/TwoWings.jpg" "$tmp/12mp/twowings.jpg[Q=92]" 4000 --height 3000 \
    --size force

median() {
    sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

field() { # field NAME LINE
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

printf '%-5s %6s %10s %11s %6s %9s %9s %7s %14s %10s %7s\n' set images decode_ms metrics_ms ratio \
    "1w img/s" "2w img/s" speedup "cpu_ms 1w/2w" python_ms "vs py"
for set in mate dpi 12mp; do
    files=$(ls "$tmp/$set"/*.jpg)
    n=$(echo "$files" | wc -l)
    # shellcheck disable=SC2086
    d=$("$bench" --decode-only --workers 1 --rounds "$rounds" $files)
    # shellcheck disable=SC2086
    one=$("$bench" --workers 1 --rounds "$rounds" $files)
    # shellcheck disable=SC2086
    two=$("$bench" --workers 2 --rounds "$rounds" $files)
    # shellcheck disable=SC2086
    /usr/bin/python3 "$ref" --time $files > "$tmp/py.txt"
    py=$(awk '{print $1 * 1000}' "$tmp/py.txt" | median)
    pycpu=$(awk '{print $2 * 1000}' "$tmp/py.txt" | median)
    t1=$(field throughput "$one" | tr -d '/s')
    t2=$(field throughput "$two" | tr -d '/s')
    total=$(field total_ms "$one")
    printf '%-5s %6s %10s %11s %6s %9s %9s %7.2f %14s %10.1f %6.1fx\n' "$set" "$n" \
        "$(field decode_ms "$d")" "$(field metrics_ms "$one")" "$(field metrics_over_decode "$one")" \
        "$t1" "$t2" "$(awk "BEGIN {print $t2 / $t1}")" \
        "$(field cpu_ms_per_image "$one")/$(field cpu_ms_per_image "$two")" \
        "$py" "$(awk "BEGIN {print $py / $total}")"
    echo "      python: median wall ${py} ms, CPU ${pycpu} ms per image; C CPU $(field cpu_ms_per_image "$one") ms" >&2
    echo "      1 worker:  $one" >&2
    echo "      2 workers: $two" >&2
done
