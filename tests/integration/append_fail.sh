#!/bin/sh
# A results append that fails fails the photo: with the results file already
# at the process's file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), every
# record append is refused (EFBIG). The run must count those photos as
# failed (exit 3, "N failed", manifest images.failed), name the photo and the
# reason, and never report them as judged.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
N=3
LIMIT=65536
make_photos photos $N
start_sim --time-scale 0.01
mkdir -p out
# One ok record of an image not in the input, padded so the file is exactly
# LIMIT bytes: resume keeps it (the copy still fits), no byte can follow it.
/usr/bin/python3 - out/r.jsonl $LIMIT <<'PY'
import json, sys
limit = int(sys.argv[2])
rec = {"image": "/nonexistent/padding.jpg", "status": "ok", "pad": ""}
rec["pad"] = "x" * (limit - len(json.dumps(rec, separators=(",", ":"))) - 1)
line = json.dumps(rec, separators=(",", ":")) + "\n"
assert len(line) == limit
open(sys.argv[1], "w").write(line)
PY
set +e
/usr/bin/python3 - "$LIMIT" "$JV" run -i photos --base-url "$SIM_URL/v1" --quiet \
    --output-jsonl out/r.jsonl --summary out/s.md --iqa-cache out/iqa.jsonl \
    >stdout.txt 2>err.txt <<'PY'
import os, resource, signal, sys
limit = int(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a refused write fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execv(sys.argv[2], sys.argv[2:])
PY
rc=$?
set -e
[ $rc -eq 3 ] || { cat stdout.txt err.txt; fail "exit $rc with every append refused, want 3"; }
grep -q "judged $N of $N images in .* (0 resumed, $N failed)" stdout.txt ||
    { cat stdout.txt; fail "stdout does not count the unwritten records as failed"; }
[ "$(grep -c "its record was not written" err.txt)" -eq $N ] ||
    { cat err.txt; fail "not every unwritten record was reported"; }
grep -q "photos/.*: its record was not written: cannot write out/r.jsonl" err.txt ||
    { cat err.txt; fail "the message does not name the photo and the results file"; }
[ "$(json_get out/r.metadata.json "j['images']['failed']")" = $N ] || fail "manifest failed count"
[ "$(json_get out/r.metadata.json "j['status']")" = complete ] || fail "manifest status"
# Nothing judged made it into the results file.
[ ! -s out/r.jsonl ] || { head -c 300 out/r.jsonl; fail "records in the results file"; }
echo "append_fail: ok"
