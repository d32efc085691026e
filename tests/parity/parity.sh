#!/bin/sh
# Parity of the C Stage 1 metrics with the Python reference (doc/SPEC.md 2.5) on real
# photographs (Debian's mate-backgrounds) and on synthetic edge cases, in
# JPEG, PNG (RGB, RGBA, grey, palette, 16-bit), WebP and TIFF, at sizes up to
# 17.9 megapixels. The images are made here, at test time.
# Usage: parity.sh JV_METRICS_DUMP REFERENCE_PY
set -eu
dump=$1
ref=$2
py=/usr/bin/python3
photos=/usr/share/backgrounds/mate
if ! "$py" -c 'import PIL, cv2, numpy' 2>/dev/null; then
    echo "SKIP: python3-pil, python3-opencv or python3-numpy missing (scripts/install-deps.sh)"
    exit 77
fi
if [ ! -f "$photos/abstract/Elephants_5640x3172.jpg" ]; then
    echo "SKIP: mate-backgrounds is not installed (scripts/install-deps.sh)"
    exit 77
fi
command -v vips >/dev/null 2>&1 || { echo "SKIP: vips (libvips-tools) missing"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jv-parity-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# Real photographs as shipped, plus conversions to other formats and sizes.
for f in "$photos"/nature/*.jpg "$photos/abstract/Elephants_5640x3172.jpg" \
         "$photos/abstract/Flow.png"; do
    ln -s "$f" "$tmp/$(basename "$f")"
done
vips copy "$photos/nature/Dune.jpg" "$tmp/dune.png"
vips thumbnail "$photos/nature/LadyBird.jpg" "$tmp/ladybird_1600x1200.jpg[Q=90]" 1600 \
    --height 1200 --size force
vips copy "$tmp/ladybird_1600x1200.jpg" "$tmp/ladybird_1600x1200.png"
vips thumbnail "$photos/abstract/Elephants_5640x3172.jpg" "$tmp/elephants_12mp.jpg[Q=92]" 4000 \
    --height 3000 --size force
vips thumbnail "$photos/abstract/Elephants_3840x2160.jpg" "$tmp/elephants_12mp.png" 4000 \
    --height 3000 --size force
vips colourspace "$photos/nature/Storm.jpg" "$tmp/storm_mono.jpg" b-w
vips colourspace "$photos/nature/Garden.jpg" "$tmp/garden_rgb16.png" rgb16
vips copy "$photos/nature/Wood.jpg" "$tmp/wood.webp[Q=85]"
vips copy "$photos/nature/Aqua.jpg" "$tmp/aqua.tif"
cp "$photos/nature/TwoWings.jpg" "$tmp/two wings 'quoted' \"name\".jpg"
"$py" "$ref" --synthetic "$tmp"

# One list, in a fixed order, for both programs.
ls "$tmp" | LC_ALL=C sort > "$tmp/list"
set --
while IFS= read -r name; do
    [ "$name" = list ] || set -- "$@" "$tmp/$name"
done < "$tmp/list"

echo "measuring $# images with $dump"
if ! "$dump" "$@" > "$tmp/dump.jsonl"; then
    echo "FAIL: jv_metrics_dump could not measure every image:"
    grep '"error"' "$tmp/dump.jsonl" || true
    exit 1
fi
"$py" "$ref" --check "$tmp/dump.jsonl" "$@"
