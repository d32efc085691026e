#!/bin/sh
# The playoff's order against a known truth, end to end through the real
# simulator. 16 categories of 9 photos (a competition whose categories are
# folders); for 3 hidden truths (judge-vision-sim truth --seed T, the
# simulator's noise seeded by T too) the photos get their Stage 2 scores, then
# the playoff runs on the same results with the same seeds (2 each) under
# `--pairwise-schedule eig` (the default) and `swiss`: 96 cohorts a schedule.
# The mean Kendall tau of the final orders (pairwise_strength) against the
# truth is higher for eig. Nine entries is where Swiss plays 3 rounds of 4
# matches and eig 28 (the cliff at 9 that the eig budget removes); both orders
# come from the same posterior fit, so the difference is the schedule and its
# budget. The truth spans 0..1 here, not the top quarter a threshold of 17
# leaves, so the score and verdict noise are scaled up by 4 to match an
# eligible cohort's (score spread / noise 3, quality steps / pairwise noise 0.3).
set -eu
. "$(dirname "$0")/lib.sh"
make_workdir
cd "$WORK"
CATS=16
{
    printf '[competition.truth]\nname = "Truth"\ncategories = ['
    c=1
    while [ "$c" -le "$CATS" ]; do
        printf '"c%02d"%s' "$c" "$([ "$c" -lt "$CATS" ] && echo ', ')"
        c=$((c + 1))
    done
    printf ']\nscore_bands = { Merit = [18, 20] }\nawards = ["Merit"]\npairwise_rounds = 0\n'
} >reg.toml
c=1
while [ "$c" -le "$CATS" ]; do
    d=$(printf 'photos/c%02d' "$c")
    mkdir -p "$d"
    i=0
    while [ "$i" -lt 9 ]; do
        vips gaussnoise "$d/p$i.jpg" 48 36 --mean $((30 + i * 20)) --sigma $((5 + c)) ||
            fail "vips gaussnoise"
        i=$((i + 1))
    done
    c=$((c + 1))
done

run() {
    "$JV" run --base-url "$SIM_URL/v1" --quiet --concurrency 8 --pairwise-threshold 0 \
        --competition-config reg.toml --competition truth "$@"
}

: >taus.txt
for truth in 1 2 3; do
    "$SIM" truth -i photos -o "truth$truth.json" --seed "$truth" 2>/dev/null || fail "sim truth"
    start_sim --time-scale 0 --truth "truth$truth.json" --seed "$truth" --score-noise 4 \
        --pairwise-noise 0.4
    mkdir "t$truth"
    run -i photos --output-jsonl "t$truth/r.jsonl" --iqa-cache "t$truth/iqa.jsonl" \
        >/dev/null 2>"t$truth/err.txt" || { cat "t$truth/err.txt"; fail "stage 2, truth $truth"; }
    for seed in 1 2; do
        for sched in eig swiss; do
            d="t$truth/$sched$seed"
            mkdir "$d"
            cp "t$truth/r.jsonl" "$d/r.jsonl"
            run --stage pairwise --pairwise --pairwise-schedule "$sched" --pairwise-seed "$seed" \
                --output-jsonl "$d/r.jsonl" --iqa-cache "t$truth/iqa.jsonl" >/dev/null \
                2>"$d/err.txt" || { cat "$d/err.txt"; fail "playoff $sched, truth $truth"; }
            /usr/bin/python3 - "$d/r.jsonl" "truth$truth.json" "$sched" >>taus.txt <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
truth = json.load(open(sys.argv[2]))
cats = collections.defaultdict(list)
for r in recs:
    cats[r["competition_category"]].append(r)
sign = lambda v: (v > 0) - (v < 0)
for cat, el in sorted(cats.items()):
    assert len(el) == 9 and all(r.get("pairwise_strength") for r in el), cat
    s = [r["pairwise_strength"] for r in el]
    q = [truth[r["content_hash"]] for r in el]
    num = den_s = den_q = 0
    for i in range(9):
        for j in range(i + 1, 9):
            a, b = sign(s[i] - s[j]), sign(q[i] - q[j])
            num, den_s, den_q = num + a * b, den_s + a * a, den_q + b * b
    print(sys.argv[3], cat, num / (den_s * den_q) ** 0.5)
PY
        done
    done
    stop_sim
done

/usr/bin/python3 - taus.txt <<'PY' || fail "eig does not beat swiss"
import sys, collections
t = collections.defaultdict(list)
for line in open(sys.argv[1]):
    sched, cat, tau = line.split()
    t[sched].append(float(tau))
assert len(t["eig"]) == len(t["swiss"]) == 96, {k: len(v) for k, v in t.items()}
d = [e - s for e, s in zip(t["eig"], t["swiss"])]
mean = sum(d) / len(d)
se = (sum((x - mean) ** 2 for x in d) / (len(d) - 1) / len(d)) ** 0.5
eig, swiss = sum(t["eig"]) / 96, sum(t["swiss"]) / 96
print(f"playoff_truth: mean tau eig {eig:.3f}, swiss {swiss:.3f}; "
      f"paired difference {mean:+.3f} (se {se:.3f}) over 96 cohorts")
assert mean > 0, (eig, swiss)
PY
