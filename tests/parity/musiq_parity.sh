#!/bin/sh
# Parity of the native MUSIQ (src/nn/musiq.c) with a reference written from the
# official google-research code (musiq_reference.py: numpy preprocessing, PyTorch
# network), both reading the same random-weight checkpoints in the official
# layout: numpy.savez (stored, one regression output) and numpy.savez_compressed
# (deflated, ten AVA classes). Nothing is downloaded; the photos are Debian's
# mate-backgrounds, converted here.
#   fast: 3 small photos (grey, portrait, one upscaled; 1 thread) — default suite
#   full: 10 photos including 1600x1200 and 12 MP (4000x3000) — 'slow' suite, in
#         `make test` (about 12 minutes on two cores); the ten-class deflated
#         checkpoint is scored on the 9 photos below 12 MP
# Checks: preprocessing (resized scales, hashed positions, patches) |diff| <= 1e-5;
# |score difference| <= 1e-3 of the output range (0-100 MOS; 1-10 for AVA).
# Usage: musiq_parity.sh JV_MUSIQ_DUMP REFERENCE_PY fast|full
set -eu
dump=$1
ref=$2
mode=$3
py=/usr/bin/python3
photos=/usr/share/backgrounds/mate
if ! "$py" -c 'import PIL, numpy, torch' 2>/dev/null; then
    echo "SKIP: python3-pil, python3-numpy or python3-torch missing (scripts/install-deps.sh)"
    exit 77
fi
if [ ! -f "$photos/nature/LadyBird.jpg" ]; then
    echo "SKIP: mate-backgrounds is not installed (scripts/install-deps.sh)"
    exit 77
fi
command -v vips >/dev/null 2>&1 || { echo "SKIP: vips (libvips-tools) missing"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jv-musiq-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/img" "$tmp/prep"
cd "$tmp"

vips thumbnail "$photos/nature/Storm.jpg" img/storm_grey_260.jpg[Q=90] 260
vips colourspace img/storm_grey_260.jpg img/storm_grey.png b-w
rm img/storm_grey_260.jpg
vips thumbnail "$photos/nature/Garden.jpg" img/garden_portrait.jpg[Q=88] 400 --height 250 --size force
vips rot img/garden_portrait.jpg img/garden_portrait_rot.png d90
rm img/garden_portrait.jpg
vips thumbnail "$photos/nature/Dune.jpg" img/dune_tiny.png 45 --height 30 --size force
threads=1
if [ "$mode" = full ]; then
    threads=2
    vips thumbnail "$photos/nature/LadyBird.jpg" img/ladybird_320.png 320
    vips thumbnail "$photos/nature/LadyBird.jpg" img/ladybird_1600x1200.jpg[Q=90] 1600 \
        --height 1200 --size force
    vips thumbnail "$photos/nature/Aqua.jpg" img/aqua_1600x1200.png 1600 --height 1200 --size force
    vips thumbnail "$photos/nature/Wood.jpg" img/wood_1024x683.jpg[Q=85] 1024
    vips thumbnail "$photos/nature/TwoWings.jpg" img/twowings_800x1200.png 800 --height 1200 \
        --size force
    vips thumbnail "$photos/nature/RainDrops.jpg" img/raindrops_2000x1125.jpg[Q=92] 2000
    if [ -f "$photos/abstract/Elephants_5640x3172.jpg" ]; then
        src12="$photos/abstract/Elephants_5640x3172.jpg"
    else
        src12="$photos/nature/Blinds.jpg"
    fi
    vips thumbnail "$src12" img/photo_12mp_4000x3000.jpg[Q=92] 4000 --height 3000 --size force
fi
set --
for f in img/*; do set -- "$@" "$f"; done
echo "$# photos ($mode)"

"$py" "$ref" weights stored.npz --classes 1
"$py" "$ref" weights deflated.npz --classes 10 --compressed

# Preprocessing on its own.
"$dump" --weights stored.npz --threads $threads --prep prep "$@" > c_stored.jsonl
"$py" "$ref" check-prep prep "$@"

"$py" "$ref" score stored.npz --threads $threads "$@" > r_stored.jsonl
# The ten-class deflated checkpoint on every photo but the 12 MP one: its reference alone
# takes four minutes there, and the 12 MP path is the stored checkpoint's above.
set --
for f in img/*; do case $f in *12mp*) ;; *) set -- "$@" "$f";; esac; done
"$dump" --weights deflated.npz --threads $threads "$@" > c_deflated.jsonl
"$py" "$ref" score deflated.npz --threads $threads "$@" > r_deflated.jsonl

"$py" - c_stored.jsonl r_stored.jsonl 100 c_deflated.jsonl r_deflated.jsonl 9 <<'EOF'
import json, sys
bad = 0
for c_file, r_file, rng in ((sys.argv[1], sys.argv[2], float(sys.argv[3])),
                            (sys.argv[4], sys.argv[5], float(sys.argv[6]))):
    c = [json.loads(l) for l in open(c_file)]
    r = [json.loads(l) for l in open(r_file)]
    assert len(c) == len(r), (c_file, len(c), len(r))
    worst = 0.0
    for a, b in zip(c, r):
        assert a["file"] == b["file"]
        if "error" in a:
            print("FAIL", a["file"], a["error"]); bad += 1; continue
        d = abs(a["score"] - b["score"])
        worst = max(worst, d)
        print(f'{c_file}: {a["file"]} {a["width"]}x{a["height"]} tokens {a["tokens"]}: '
              f'C {a["score"]:.6f} ({a["seconds"]:.2f} s) ref {b["score"]:.6f} '
              f'({b["seconds"]:.2f} s) |d| {d:.2e}')
        if d > 1e-3 * rng:
            print(f"FAIL: |d| {d:.3g} > {1e-3 * rng:.3g}"); bad += 1
    print(f"{c_file}: max |d| {worst:.3g} (limit {1e-3 * rng:.3g})")
sys.exit(1 if bad else 0)
EOF
