#!/bin/sh
# The simulator's category bias (issue 15, point 3) end to end: with
# --category-bias Mono=-3 and no noise, a photo's raw mark in Mono is the
# one its hidden quality gives less 3 and in Colour that mark itself; the
# club's ("human") marks have no bias, and a per-category calibration
# (calibrate --per-category) brings both categories to the club's level.
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
mkdir -p photos/Mono photos/Colour
for i in 1 2 3 4 5 6 7 8; do
    vips gaussnoise photos/Mono/m$i.jpg 160 120 --mean $((i * 20 + 30)) --sigma $((i * 3 + 5)) --seed $i
    vips gaussnoise photos/Colour/c$i.jpg 160 120 --mean $((i * 20 + 35)) --sigma $((i * 3 + 9)) --seed $((i + 10))
done
printf '[competition.t]\nname = "Two categories"\ncategories = ["Colour", "Mono"]\n' >reg.toml
"$SIM" truth -i photos -o truth.json --human human.csv --human-noise 0.5 2>/dev/null || fail "sim truth"
start_sim --time-scale 0.01 --truth truth.json --score-noise 0 --category-bias "mono=-3"
"$JV" run -i photos --base-url "$SIM_API" --quiet --output-dir outs --round a \
    --competition-config reg.toml --competition t >/dev/null 2>err.txt \
    || { cat err.txt; fail "run"; }
"$JV" agree a human.csv --output-dir outs >/dev/null 2>&1 || fail "agree a"
"$JV" calibrate human.csv a --output-dir outs -o cal.json --per-category >/dev/null 2>err.txt \
    || { cat err.txt; fail "calibrate"; }
"$JV" run -i photos --base-url "$SIM_API" --quiet --output-dir outs --round b \
    --competition-config reg.toml --competition t --calibration cal.json >/dev/null 2>err.txt || { cat err.txt; fail "calibrated run"; }
"$JV" agree b human.csv --output-dir outs >/dev/null 2>&1 || fail "agree b"
/usr/bin/python3 - outs/results/a.jsonl truth.json outs/results/a.agreement.json \
    outs/results/b.agreement.json cal.json <<'PY' || fail "category bias"
import json, math, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))
assert len(recs) == 16 and {r["competition_category"] for r in recs} == {"Mono", "Colour"}, [(r["image"], r["competition_category"]) for r in recs]
for r in recs:
    want = math.floor(8 + 12 * truth[r["content_hash"]] + 0.5)
    want = max(0, min(20, want - (3 if r["competition_category"] == "Mono" else 0)))
    assert r["critique_total_raw"] == want, (r["image"], r["critique_total_raw"], want)
def diffs(path):
    rep = json.load(open(path))
    return {c: v["mean_difference"] for c, v in rep["per_category"].items()}
before, after = diffs(sys.argv[3]), diffs(sys.argv[4])
# the bias is the model's, not the club's: Mono sits lower against the club's marks
assert before["Colour"] - before["Mono"] >= 1.5, before
assert all(abs(v) < 1 for v in after.values()), after
cal = json.load(open(sys.argv[5]))
assert set(cal["per_category"]) == {"Mono", "Colour"}, cal["per_category"].keys()
print("mean difference (model - human) by category: before", before, "after", after)
PY
# a bad list is refused with the item
set +e
"$SIM" --category-bias "Mono=-3,Nature" >/dev/null 2>err.txt
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "category-bias: item 2" err.txt || fail "bad --category-bias: $rc $(cat err.txt)"
echo "trust_category_bias: ok"
