#!/bin/sh
# Every fault the simulator injects, together at meaningful rates (issue 4 item 6):
# the run completes, each image ends ok (after retries) or with a clear error
# status, and the manifest counts the retries and errors.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 16
start_sim --time-scale 0.01 --seed 3 --fail-500 0.08 --fail-502 0.05 --fail-503 0.05 \
    --fail-429 0.08 --retry-after 1 --stall 0.04 --stall-seconds 30 --cut-stream 0.05 \
    --malformed-json 0.08 --prose 0.08 --truncate 0.05 --error-event 0.05
set +e
"$JV" run -i photos --base-url "$SIM_URL/v1" --quiet --concurrency 4 --timeout 2 \
    --max-retries 4 --output-jsonl out/r.jsonl --iqa-cache out/iqa.jsonl \
    --progress-file out/p.json --log-file out/run.log >stdout.txt 2>err.txt
rc=$?
set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || { cat err.txt; fail "faulty server: exit $rc"; }
/usr/bin/python3 - out/r.jsonl out/r.metadata.json $rc <<'PY' || fail "fault outcomes"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
man = json.load(open(sys.argv[2]))
rc = int(sys.argv[3])
assert len(recs) == 16 and len({r["image"] for r in recs}) == 16
bad = [r for r in recs if r["status"] != "ok"]
for r in recs:
    assert r["status"] in ("ok", "parse_error", "error"), r["status"]
    if r["status"] == "error":
        assert r["error"], "an error without a message"
    if r["status"] == "parse_error":
        assert r["critique"], "parse_error must keep the raw text"
    if r["status"] == "ok":
        assert isinstance(r["critique_total"], int)
c = man["critique"]
assert c["retries"] > 0, c                    # transport faults were retried
assert c["parse_retries"] > 0, c             # unusable replies were asked again
assert man["status"] == "complete"
assert (rc == 3) == bool(bad), (rc, len(bad))
print(f"{len(recs) - len(bad)} ok, {len(bad)} not ok; retries {c['retries']}, "
      f"parse retries {c['parse_retries']}, errors {c['errors']}")
PY
echo "faults_run: ok"
