#!/bin/sh
# `judge-vision run --stage iqa`: measures every photo, writes the IQA cache,
# the progress file and the manifest; bad input is reported and the run goes on.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 4
mkdir -p photos/Mono
# Oddly named entries, each with its own content (a copy would hit the cache by hash).
first=$(ls photos/photo_0.jpg photos/noise_0.jpg 2>/dev/null | head -n1)
vips flip "$first" "$PWD/photos/Mono/with space and 'quote'.jpg" horizontal
vips flip "$first" "$PWD/$(printf 'photos/latin1_\351.jpg')" vertical
# Bad input.
: >photos/zero.jpg
head -c 3000 "$first" >photos/truncated.jpg
echo "this is not an image" >photos/text.jpg
/usr/bin/python3 - <<'PY'
import struct, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
open("photos/huge.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
    chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))
PY
cp photos/photo_2.jpg photos/photo_2_backup.jpg 2>/dev/null || true

set +e
"$JV" run --stage iqa -i photos --iqa-workers 2 --quiet \
    --output-jsonl out/results.jsonl --iqa-cache out/iqa.jsonl \
    --progress-file out/progress.json --log-file out/run.log >stdout.txt 2>stderr.txt
rc=$?
set -e
cat stderr.txt
[ "$rc" -eq 3 ] || fail "run with bad images exited $rc, want 3"
[ -f out/iqa.jsonl ] || fail "no IQA cache written"
good=$(wc -l <out/iqa.jsonl)
[ "$good" -eq 6 ] || fail "IQA cache has $good entries, want 6 (4 photos + 2 oddly named copies)"
for bad in zero.jpg truncated.jpg text.jpg huge.png; do
    grep -q "$bad" out/run.log || fail "log does not name $bad"
done
grep -q 'backup' out/iqa.jsonl && fail "a backup file was measured"
# Progress and manifest.
[ "$(json_get out/progress.json "j['status']")" = complete ] || fail "progress status"
[ "$(json_get out/progress.json "j['stages']['iqa']['done']")" = 10 ] || fail "progress iqa done"
m=out/results.metadata.json
[ "$(json_get $m "j['status']")" = complete ] || fail "manifest status"
[ "$(json_get $m "j['images']['discovered']")" = 10 ] || fail "manifest discovered"
[ "$(json_get $m "j['images']['failed']")" = 4 ] || fail "manifest failed count"
# The truncated JPEG's header reads fine, so it misses the cache before its decode fails.
[ "$(json_get $m "j['iqa_cache']['misses']")" = 7 ] || fail "manifest cache misses"
[ "$(json_get $m "j['iqa_cache']['hits']")" = 0 ] || fail "manifest cache hits"
[ "$(json_get $m "[s['name'] for s in j['stages']][0]")" = iqa ] || fail "manifest iqa stage"
[ "$(json_get $m "[s for s in j['stages'] if s['name']=='iqa'][0]['count']")" = 10 ] ||
    fail "manifest iqa stage count"
json_get $m "j['parameters']['iqa_workers']" | grep -q '^2$' || fail "parameters recorded"
# Every metric of doc/SPEC.md 2.5 in each entry.
/usr/bin/python3 - out/iqa.jsonl <<'PY' || fail "metrics missing"
import json, sys
keys = """mean_luma contrast edge_density saturation dynamic_range mean_luminance
histogram_centre clip_low_percent clip_high_percent local_contrast mid_tone_range
sharpness_laplacian_var noise_sigma colourfulness megapixels""".split()
for line in open(sys.argv[1]):
    e = json.loads(line)
    m = e["technical_signals"]["metrics"]
    missing = [k for k in keys if k not in m]
    assert not missing, (e["image"], missing)
    assert e["technical_signals"]["notes"], e["image"]
    assert e["technical_signals"]["tonal_summary"], e["image"]
PY

# Second run: every good image is a cache hit; a --fast request is satisfied too.
set +e
"$JV" run --stage iqa -i photos --quiet --output-jsonl out/results.jsonl \
    --iqa-cache out/iqa.jsonl --progress-file out/progress.json --log-file out/run.log >/dev/null 2>&1
set -e
h=$(json_get $m "j['iqa_cache']['hits']"); [ "$h" = 6 ] || fail "second run cache hits: $h"
[ "$(wc -l <out/iqa.jsonl)" -eq 6 ] || fail "second run appended to the cache"

# Zero images: a clear message, exit 0, outputs untouched.
mkdir empty
before=$(md5sum out/progress.json)
"$JV" run --stage iqa -i empty --quiet --progress-file out/progress.json \
    --output-jsonl out/results.jsonl --log-file out/run.log >/dev/null 2>err.txt ||
    fail "zero images should exit 0"
grep -qi 'no images' err.txt || fail "zero images message"
[ "$before" = "$(md5sum out/progress.json)" ] || fail "zero images clobbered progress"
echo "iqa_run: ok"
