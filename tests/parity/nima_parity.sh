#!/bin/sh
# NIMA parity (doc/SPEC.md 2.5): jv_nima_dump against the PyTorch reference built from the
# same random-weight Keras HDF5 files, in both Keras layouts (save_weights() and a whole-model
# save), heads named differently; 20 photos of varied sizes made here; the NEAREST resize
# checked on its own against Pillow; bad files give errors naming the weight.
# Usage: nima_parity.sh JV_NIMA_DUMP NIMA_REFERENCE_PY
set -eu
dump=$1
ref=$2
py=/usr/bin/python3
if ! "$py" -c 'import PIL, numpy, h5py, torch' 2>/dev/null; then
    echo "SKIP: python3-pil, python3-numpy, python3-h5py or python3-torch missing (scripts/install-deps.sh)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jv-nima-parity-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/img" "$tmp/rgb"
"$py" "$ref" images "$tmp/img"
set -- "$tmp"/img/*

# The resize on its own: every axis mapping, then each photo's 224x224 input.
pairs="1:224 2:224 3:224 17:224 223:224 224:224 225:224 447:224 448:224 500:224 641:224"
pairs="$pairs 1000:224 1365:224 1599:224 1600:224 3000:224 3024:224 4032:224 6000:224 7:3 224:1"
# shellcheck disable=SC2086
"$dump" --index $pairs | "$py" "$ref" index $pairs
"$dump" --resize "$tmp/rgb" "$@"
"$py" "$ref" resize "$tmp/rgb" "$@"

# Both layouts, two head names; the C side finds the head by shape and must say which.
"$py" "$ref" weights "$tmp/w.hdf5" --layout weights --head dense_1 --seed 1
"$py" "$ref" weights "$tmp/m.hdf5" --layout model --head dense --seed 2
for w in w:dense_1 m:dense; do
    f=$tmp/${w%%:*}.hdf5
    "$dump" "$f" "$@" > "$tmp/dump.jsonl"
    "$py" "$ref" check "$tmp/dump.jsonl" "$f" "${w#*:}" "$@"
done

# Bad files: two candidate heads, a missing weight, not HDF5 at all.
"$py" "$ref" weights "$tmp/two.hdf5" --layout weights --head dense --second-head dense_2 --seed 3
expect_error() {
    if "$dump" "$1" "$tmp/img/photo_00_224x224.jpg" > "$tmp/err.json"; then
        echo "FAIL: $1 was accepted"; exit 1
    fi
    grep -q "$2" "$tmp/err.json" || { echo "FAIL: $1: expected '$2' in:"; cat "$tmp/err.json"; exit 1; }
    echo "refused as expected: $(cat "$tmp/err.json")"
}
expect_error "$tmp/two.hdf5" "2 layers have a kernel:0 of shape (1024, 10) ('dense', 'dense_2')"
"$py" - "$tmp/w.hdf5" "$tmp/cut.hdf5" <<'PY'
import shutil, sys, h5py
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "a") as f:
    del f["conv_pw_7"]["conv_pw_7"]["kernel:0"]
    f["conv_dw_3_bn"]["conv_dw_3_bn"]["gamma:0"][...] = 1.0
PY
expect_error "$tmp/cut.hdf5" "layer 'conv_pw_7': weight 'conv_pw_7/kernel:0' is missing"
head -c 5000 "$tmp/w.hdf5" > "$tmp/short.hdf5"
expect_error "$tmp/short.hdf5" "short.hdf5"
echo "nima parity: ok"
