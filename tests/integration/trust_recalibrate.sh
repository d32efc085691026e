#!/bin/sh
# A rerun with another calibration (issue 15, point 2): the round judged
# with calibration A, then rerun into the same outputs with calibration B
# (every photo resumed, none judged again) has B's marks, awards, ranking and
# summary, and a manifest naming B (with how many records were
# recalibrated); rerun with no calibration, the marks are the raw totals and
# the manifest names none.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
make_photos photos 10
# two monotone curves far apart: A halves the raw mark, B lifts it into 10..20
cat >a.json <<'J'
{"format": "judge-vision-calibration", "version": 1, "method": "isotonic",
 "overall": {"pairs": 2, "x": [0, 20], "y": [0, 10]}}
J
cat >b.json <<'J'
{"format": "judge-vision-calibration", "version": 1, "method": "isotonic",
 "overall": {"pairs": 2, "x": [0, 20], "y": [10, 20]}}
J
start_sim --time-scale 0.01 --score-noise 2 --seed 4
judge() { # CALIBRATION-OPTIONS...
    "$JV" run -i photos --base-url "$SIM_API" --quiet --concurrency 4 --output-dir outs \
        --round r --competition-config "$JV_SOURCE_DIR/examples/competitions.toml" \
        --competition club_dpi_2025 "$@" >/dev/null 2>err.txt || { cat err.txt; fail "run $*"; }
}
# check CURVE(lo,hi or none) SHA: every record's total is the curve of its raw total
check() {
    /usr/bin/python3 - outs/results/r.jsonl outs/results/r.metadata.json outs/summaries/r_summary.md "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
man = json.load(open(sys.argv[2]))
summary = open(sys.argv[3]).read()
curve, sha = sys.argv[4], sys.argv[5]
assert len(recs) == 10 and all(r["status"] == "ok" for r in recs), recs
bands = {"Merit": [14, 15], "Credit": [16, 17], "Distinction": [18, 19, 20]}
for r in recs:
    raw = r["critique_total_raw"]
    if curve == "none":
        want = raw
    else:
        lo, hi = map(float, curve.split(","))
        want = round(lo + (hi - lo) * raw / 20)
    assert r["critique_total"] == want, (curve, raw, r["critique_total"], want)
    assert r["critique_award"] == next((b for b, s in bands.items() if want in s), None), r
# the ranking follows the marks
by_rank = sorted(recs, key=lambda r: r["rank"])
assert [r["critique_total"] for r in by_rank] == sorted((r["critique_total"] for r in recs), reverse=True), by_rank
assert by_rank[0]["placing"] == "1st"
# resumed, not judged again: the records are the first run's
assert len({r["run_id"] for r in recs}) == 1, {r["run_id"] for r in recs}
# the summary's table has each photo's mark
for r in recs:
    name = "(%s)" % r["image"].rsplit("/", 1)[-1]
    line = next((l for l in summary.splitlines() if name in l and l.startswith("|")), None)
    assert line and ("| %d |" % r["critique_total"]) in line, (name, r["critique_total"], line)
if curve == "none":
    assert "calibration" not in man, man.get("calibration")
else:
    c = man["calibration"]
    assert c["sha256"] == sha and c["overall"]["y"][0] == float(curve.split(",")[0]), c
print("recalibrated:", man.get("calibration", {}).get("recalibrated"))
PY
}
judge --calibration a.json
check 0,10 "$(sha256sum a.json | cut -d' ' -f1)" || fail "calibration A"
judge --calibration b.json
check 10,20 "$(sha256sum b.json | cut -d' ' -f1)" || fail "the rerun kept A's marks"
[ "$(jq .calibration.recalibrated outs/results/r.metadata.json)" = 10 ] || fail "recalibrated count"
judge
check none - || fail "the rerun without calibration kept B's marks"
# again with B: nothing left from the uncalibrated run
judge --calibration b.json
check 10,20 "$(sha256sum b.json | cut -d' ' -f1)" || fail "B again"
echo "trust_recalibrate: ok"
