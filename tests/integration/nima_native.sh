#!/bin/sh
# Native NIMA in Stage 1 (doc/SPEC.md 2.5): with --nima-weights the two NIMA
# metrics are computed in-process, the run's first lines say where every
# neural metric comes from, a bad weight file stops the run naming the file and
# the tensor, an IQA service that is down turns its metrics into a stated
# "absent", and `judge-vision models` lists the files with their SHA-256.
set -eu
. "$(dirname "$0")/lib.sh"
ref="${JV_SOURCE_DIR:?}/tests/parity/nima_reference.py"
/usr/bin/python3 -c 'import h5py, numpy, PIL' 2>/dev/null ||
    { echo "SKIP: python3-h5py missing (scripts/install-deps.sh)"; exit 77; }
make_workdir
cd "$WORK"
make_photos photos 3
mkdir models
/usr/bin/python3 "$ref" weights models/weights_mobilenet_aesthetic_0.07.hdf5 --layout weights \
    --head dense_1 --seed 11
/usr/bin/python3 "$ref" weights models/weights_mobilenet_technical_0.11.hdf5 --layout model \
    --head dense --seed 12

# Both NIMA files: native, said before the first photo, figures in the cache.
"$JV" run --stage iqa -i photos --nima-weights models --iqa-workers 2 \
    --output-dir out --log-file out/run.log >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
cat stderr.txt
grep -q "nima_aesthetic: native (models/weights_mobilenet_aesthetic_0.07.hdf5, head 'dense_1')" \
    stderr.txt || fail "no native source line for nima_aesthetic"
grep -q "nima_technical: native (models/weights_mobilenet_technical_0.11.hdf5, head 'dense')" \
    stderr.txt || fail "no native source line for nima_technical"
grep -q "musiq: absent: n/a in every prompt" stderr.txt || fail "musiq's absence not said"
first=$(grep -n "nima_aesthetic:" stderr.txt | cut -d: -f1)
photo=$(grep -n "iqa 1/" stderr.txt | head -n1 | cut -d: -f1)
[ "$first" -lt "${photo:-999}" ] || fail "the sources came after the first photo"
grep -q '"iqa_sources"' out/run.log || fail "no iqa_sources event in the log"
n=$(grep -c '"nima_technical_mean"' out/cache/judge_vision_iqa.jsonl)
[ "$n" -eq 3 ] || fail "$n cache entries have nima_technical_mean, want 3"
/usr/bin/python3 - out/cache/judge_vision_iqa.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)["technical_signals"]["metrics"]
    for k in ("nima_aesthetic_mean", "nima_technical_mean"):
        assert 1.0 <= m[k] <= 10.0, (k, m[k])
    assert m["nima_aesthetic_std"] > 0, m
PY

# No weights and a service that is not there: absent, and saying why.
rm -rf out
"$JV" run --stage iqa -i photos --nima-weights empty --iqa-service-url http://127.0.0.1:9 \
    --output-dir out >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
grep -q "nima_aesthetic: absent: n/a in every prompt (no empty/weights_mobilenet_aesthetic_0.07.hdf5; IQA service http://127.0.0.1:9 unavailable" \
    stderr.txt || { cat stderr.txt; fail "absent NIMA not explained"; }

# A weight file that is there but wrong stops the run, naming file and tensor.
mkdir bad
cp models/weights_mobilenet_aesthetic_0.07.hdf5 bad/
/usr/bin/python3 - bad/weights_mobilenet_aesthetic_0.07.hdf5 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    del f["conv_dw_5_bn"]["conv_dw_5_bn"]["moving_variance:0"]
    f["conv_dw_5_bn"]["conv_dw_5_bn"].create_dataset("moving_variance:0", data=[1.0] * 7)
PY
rm -rf out
if "$JV" run --stage iqa -i photos --nima-weights bad --output-dir out >stdout.txt 2>stderr.txt; then
    fail "a misshaped weight file was accepted"
fi
grep -q "weights_mobilenet_aesthetic_0.07.hdf5: weight 'conv_dw_5_bn/conv_dw_5_bn/moving_variance:0' has shape (7,), expected (256,)" \
    stderr.txt || { cat stderr.txt; fail "the error does not name the tensor"; }

# judge-vision models: where it looked, SHA-256 of what it found, the download addresses.
set +e
"$JV" models --nima-weights models >models.txt
rc=$?
set -e
cat models.txt
[ "$rc" -eq 0 ] || fail "models exited $rc with both NIMA files present"
sum=$(sha256sum models/weights_mobilenet_technical_0.11.hdf5 | cut -d' ' -f1)
grep -q "sha256:    $sum" models.txt || fail "models does not give the file's SHA-256"
grep -q "loads:     yes, dense head 'dense'" models.txt || fail "models does not name the head"
grep -q "https://storage.googleapis.com/gresearch/musiq/spaq_ckpt.npz" models.txt ||
    fail "no MUSIQ download address"
grep -q "spaq_ckpt.npz: missing" models.txt || fail "missing MUSIQ file not said"
if "$JV" models --nima-weights empty >/dev/null; then fail "models exited 0 without NIMA files"; fi
echo "nima_native: ok"
