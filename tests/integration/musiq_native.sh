#!/bin/sh
# Native MUSIQ in Stage 1 (doc/SPEC.md 2.5): with --musiq-weights (or a checkpoint
# in the default model folder) musiq_mos is computed in-process and the run's
# first lines say so; an AVA-style checkpoint (10 classes) gives a mean in 1-10;
# a checkpoint with a misshaped tensor stops the run naming the file and the
# tensor; a named file that is missing stops it too. The checkpoints are random
# weights in the official layout and names, made here with numpy (the small
# variant: hidden 32, 2 layers), so the run stays quick.
set -eu
. "$(dirname "$0")/lib.sh"
ref="${JV_SOURCE_DIR:?}/tests/parity/musiq_reference.py"
/usr/bin/python3 -c 'import numpy, PIL' 2>/dev/null ||
    { echo "SKIP: python3-numpy or python3-pil missing (scripts/install-deps.sh)"; exit 77; }
make_workdir
cd "$WORK"
make_photos photos 2
/usr/bin/python3 "$ref" weights spaq_small.npz --classes 1 --small
mkdir -p xdg/judge-vision/models
/usr/bin/python3 "$ref" weights xdg/judge-vision/models/ava_ckpt.npz --classes 10 --small \
    --compressed --seed 5

"$JV" run --stage iqa -i photos --musiq-weights spaq_small.npz --iqa-workers 2 \
    --output-dir out --log-file out/run.log >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run failed"; }
cat stderr.txt
grep -q "musiq: native (spaq_small.npz, 1 output)" stderr.txt || fail "no native source line for musiq"
grep -q '"musiq_loaded"' out/run.log || fail "no musiq_loaded event in the log"
n=$(grep -c '"musiq_mos"' out/cache/judge_vision_iqa.jsonl)
[ "$n" -eq 2 ] || fail "$n cache entries have musiq_mos, want 2"

# Another checkpoint on the same cache: its values are not taken from the cache (the
# entries record which weights computed them), they are computed and stored anew; a
# rerun with it then hits.
/usr/bin/python3 "$ref" weights spaq_other.npz --classes 1 --small --seed 7
"$JV" run --stage iqa -i photos --musiq-weights spaq_other.npz --iqa-workers 2 --fresh \
    --output-dir out >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run with another checkpoint failed"; }
n=$(grep -c '"musiq_mos"' out/cache/judge_vision_iqa.jsonl)
[ "$n" -eq 4 ] || fail "$n cache entries have musiq_mos after another checkpoint, want 4"
/usr/bin/python3 - out/cache/judge_vision_iqa.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first, second = rows[:2], rows[2:]
for a in first:
    b = next(r for r in second if r["image"] == a["image"])
    assert a["models"]["musiq"].startswith("musiq: spaq_small.npz "), a["models"]
    assert b["models"]["musiq"].startswith("musiq: spaq_other.npz "), b["models"]
    ma, mb = a["technical_signals"]["metrics"]["musiq_mos"], b["technical_signals"]["metrics"]["musiq_mos"]
    assert abs(ma - mb) > 1e-6, (a["image"], ma, mb)
PY
"$JV" run --stage iqa -i photos --musiq-weights spaq_other.npz --iqa-workers 2 --fresh \
    --output-dir out >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "rerun failed"; }
n=$(grep -c '"musiq_mos"' out/cache/judge_vision_iqa.jsonl)
[ "$n" -eq 4 ] || fail "a rerun with the same checkpoint stored $n entries, want the 4 it had"

# The default folder: the AVA checkpoint (the only one there), a mean over 1..10.
rm -rf out
XDG_DATA_HOME="$WORK/xdg" "$JV" run --stage iqa -i photos --output-dir out \
    >stdout.txt 2>stderr.txt || { cat stderr.txt; fail "run with the default folder failed"; }
grep -q "musiq: native (.*xdg/judge-vision/models/ava_ckpt.npz, 10 outputs" stderr.txt ||
    { cat stderr.txt; fail "the default folder's checkpoint was not used"; }
/usr/bin/python3 - out/cache/judge_vision_iqa.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)["technical_signals"]["metrics"]
    assert 1.0 <= m["musiq_mos"] <= 10.0, m["musiq_mos"]
PY

# A misshaped tensor: the run stops, naming the file and the tensor.
/usr/bin/python3 - spaq_small.npz bad.npz <<'PY'
import sys, numpy as np
z = dict(np.load(sys.argv[1]))
z["opt/target/Transformer/encoderblock_1/MlpBlock_3/Dense_1/bias"] = np.zeros(31, np.float32)
np.savez(sys.argv[2], **z)
PY
rm -rf out
if "$JV" run --stage iqa -i photos --musiq-weights bad.npz --output-dir out >stdout.txt 2>stderr.txt; then
    fail "a misshaped checkpoint was accepted"
fi
grep -q "bad.npz: tensor opt/target/Transformer/encoderblock_1/MlpBlock_3/Dense_1/bias has shape (31,), expected (32,)" \
    stderr.txt || { cat stderr.txt; fail "the error does not name the tensor"; }
if "$JV" run --stage iqa -i photos --musiq-weights nowhere.npz --output-dir out >stdout.txt 2>stderr.txt; then
    fail "a missing --musiq-weights file was accepted"
fi
grep -q "nowhere.npz" stderr.txt || { cat stderr.txt; fail "the missing file is not named"; }
echo "musiq_native: ok"
