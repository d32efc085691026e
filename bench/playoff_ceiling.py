#!/usr/bin/python3
"""The most often any playoff can put the true #1 first (issue 14, point 4).

The judge repeats its verdict for an ordered pair (the simulator hashes the
two images and the request; a model at temperature 0.2 repeats itself), so
all that a playoff can learn about a cohort of n is the n(n - 1) verdicts of
its ordered pairs.  This script hands the Bayes-optimal rule all of them and
counts how often it names the true #1: no schedule, budget or fit can do
better on average, because it sees a subset of the same verdicts.

The model is the simulator's and bench/playoff_quality's: q ~ U(0, 1); Stage 2
score round(8 + 12 q + N(0, 1)) clamped to 0..20; eligible at >= 17 (with
--cohorts note: q ~ U(0.62, 1) and the score clamped into 17..20, the design
note's study); P(A wins) = clamp(sigmoid((qA - qB) / noise) + bias, 0, 1).
Given the scores, the entries' qualities are independent a priori with
density proportional to P(score | q); the posterior given the verdicts is
reached by importance sampling from that prior (the effective sample size is
printed), and the rule names the entry most often best across the samples.

Usage: bench/playoff_ceiling.py [--n 8] [--seeds 1000] [--biases 0,0.2]
                                [--samples 60000] [--noise 0.1] [--cohorts eligible|note]
About four minutes per 1000 seeds and bias at n = 8 on one core.
"""
import argparse
import math

import numpy as np

THRESHOLD = 17


def score_given_q(s, q, note):
    """P(Stage 2 score = s | q) on an array of q."""
    mu = 8 + 12 * q
    cdf = np.vectorize(lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2))))
    hi = 1.0 if s == 20 else cdf(s + 0.5 - mu)
    lo = 0.0 if (note and s == THRESHOLD) else cdf(s - 0.5 - mu)
    return hi - lo


def draw_cohort(rng, n, note):
    q, s = [], []
    while len(q) < n:
        x = rng.uniform()
        if note:
            x = 0.62 + 0.38 * x
        v = int(round(8 + 12 * x + rng.normal()))
        v = min(max(v, THRESHOLD if note else 0), 20)
        if v >= THRESHOLD:
            q.append(x)
            s.append(v)
    return np.array(q), s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seeds", type=int, default=1000)
    ap.add_argument("--biases", default="0,0.2")
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--cohorts", choices=("eligible", "note"), default="eligible")
    a = ap.parse_args()
    note = a.cohorts == "note"
    lo = 0.62 if note else 0.0
    grid = lo + (1 - lo) * (np.arange(4000) + 0.5) / 4000
    prior = {}
    for s in range(THRESHOLD, 21):
        w = score_given_q(s, grid, note)
        prior[s] = w / w.sum()
    ii, jj = np.where(~np.eye(a.n, dtype=bool))
    print(f"| n | bias | seeds | verdicts | Bayes-optimal P(true #1 first) | median ESS |")
    print(f"|--:|-----:|------:|---------:|-------------------------------:|-----------:|")
    for bias in (float(b) for b in a.biases.split(",")):
        rng = np.random.default_rng(20261201)
        hits, ess = [], []
        for _ in range(a.seeds):
            q, s = draw_cohort(rng, a.n, note)
            p = np.clip(1 / (1 + np.exp(-(q[ii] - q[jj]) / a.noise)) + bias, 0, 1)
            y = rng.uniform(size=p.size) < p
            Q = np.empty((a.samples, a.n))
            for k in range(a.n):
                cell = rng.choice(grid.size, size=a.samples, p=prior[s[k]])
                Q[:, k] = grid[cell] + (rng.uniform(size=a.samples) - 0.5) * (1 - lo) / grid.size
            P = 1 / (1 + np.exp(-(Q[:, ii] - Q[:, jj]) / a.noise)) + bias
            P = np.clip(P, 1e-12, 1 - 1e-12)
            ll = np.where(y, np.log(P), np.log1p(-P)).sum(axis=1)
            w = np.exp(ll - ll.max())
            w /= w.sum()
            p_best = np.bincount(np.argmax(Q, axis=1), weights=w, minlength=a.n)
            hits.append(np.argmax(p_best) == np.argmax(q))
            ess.append(1 / np.sum(w * w))
        h = np.array(hits, dtype=float)
        se = h.std(ddof=1) / math.sqrt(h.size)
        print(f"| {a.n} | {bias:.2f} | {a.seeds} | {a.n * (a.n - 1)} | "
              f"{h.mean():.3f} ± {se:.3f} | {np.median(ess):.0f} |", flush=True)


if __name__ == "__main__":
    main()
