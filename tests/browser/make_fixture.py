#!/usr/bin/python3
"""Writes a judged run in the formats of doc/SPEC.md 3 and 4.1, for the web GUI's
tests and benchmark while the real pipeline is not available (or too slow
for 5,000 photos): small JPEGs, a results JSONL, its manifest
(<stem>.metadata.json) and playoff log (<stem>.matches.jsonl).

    make_fixture.py --outputs DIR --name NAME --count N [--images DIR]
                    [--seed S] [--profile baseline|optimised] [--failed N]

Records carry the club fields (SPEC 3): `author` (absent for some entries),
`rank` (1 = best in its category) and `placing` (1st, 2nd, 3rd, HC, C).
With --failed N the last N photos failed (status "failed", an error text).

Deterministic for a given seed. Prints the results path.
"""
import argparse
import datetime as dt
import hashlib
import json
import math
import os
import random

from PIL import Image

STYLES = ["Open", "Nature", "Portrait", "Creative", "Documentary", "Abstract", "Street",
          "Landscape", "Other"]
BANDS = [("Distinction", 18), ("Credit", 16), ("Merit", 14)]
AUTHORS = ["Jane Smith", "Ravi Patel", "Ona Byrne", "Tomasz Nowak", "Aiko Tanaka",
           "Grace O'Neill", "Luis Ortega"]
PLACINGS = ["1st", "2nd", "3rd", "HC", "HC", "C", "C", "C"]


def award(score):
    for name, low in BANDS:
        if score >= low:
            return name
    return None


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stats(values):
    if not values:
        return {"count": 0, "min": None, "max": None, "mean": None, "p50": None, "p95": None}
    v = sorted(values)
    pick = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    return {"count": len(v), "min": v[0], "max": v[-1], "mean": sum(v) / len(v),
            "p50": pick(0.5), "p95": pick(0.95)}


SCENIC_TITLES = ["Morning on the Fells", "Harbour Lights", "The Old Mill", "Heron at Dusk",
                 "Winter Birches", "Low Tide", "The Red Door", "Evening Market", "Storm Coming",
                 "First Frost", "Quiet Lane", "Summer Haze"]


def make_scenic(path, rng, mono):
    """A simple landscape (sky, sun, two hills), 960x640, for screenshots."""
    from PIL import ImageDraw
    w, h = 960, 640
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    top = [rng.randrange(40, 120), rng.randrange(60, 140), rng.randrange(120, 220)]
    low = [rng.randrange(200, 255), rng.randrange(120, 200), rng.randrange(60, 140)]
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, low)))
    sx, sy = rng.randrange(150, 800), rng.randrange(100, 300)
    d.ellipse([sx - 50, sy - 50, sx + 50, sy + 50], fill=(255, 236, 180))
    for k, col in enumerate([(70, 90, 60), (35, 50, 35)]):
        pts = [(0, h)] + [(x, int(h * (0.55 + 0.12 * k) + 40 * math.sin(x / (90 + 40 * k) + rng.random())))
                          for x in range(0, w + 40, 40)] + [(w, h)]
        d.polygon(pts, fill=col)
    if mono:
        img = img.convert("L").convert("RGB")
    img.save(path, "JPEG", quality=80)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:32], (w, h)


def make_image(path, rng, mono):
    w, h = rng.choice([(96, 64), (64, 96), (96, 72)])
    c1 = tuple(rng.randrange(256) for _ in range(3))
    c2 = tuple(rng.randrange(256) for _ in range(3))
    if mono:
        c1 = (c1[0],) * 3
        c2 = (c2[0],) * 3
    img = Image.new("RGB", (w, h), c1)
    px = img.load()
    for x in range(w):
        t = x / (w - 1)
        col = tuple(int(a + (b - a) * t) for a, b in zip(c1, c2))
        for y in range(0, h, 1):
            if (y // 8 + x // 8) % 5 == 0:
                px[x, y] = col
    img.save(path, "JPEG", quality=70)
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:32], (w, h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outputs", required=True)
    ap.add_argument("--name", default="judge_vision")
    ap.add_argument("--subdir", default="results", help="folder under --outputs")
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--images", help="where the JPEGs go (default OUTPUTS/../fixture_images/NAME)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", choices=["baseline", "optimised"], default="optimised")
    ap.add_argument("--failed", type=int, default=0, help="the last N photos failed")
    ap.add_argument("--scenic", action="store_true",
                    help="960x640 landscapes and plain titles (the README's screenshot)")
    ap.add_argument("--competition", help="the competition id the manifest names")
    ap.add_argument("--registry", help="the registry file the manifest names")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    outputs = os.path.abspath(args.outputs)
    resdir = os.path.join(outputs, args.subdir)
    os.makedirs(resdir, exist_ok=True)
    imgdir = os.path.abspath(args.images or os.path.join(outputs, "..", "fixture_images", args.name))
    os.makedirs(imgdir, exist_ok=True)

    slow = args.profile == "baseline"
    t0 = 1_790_000_000.0
    run_id = hashlib.sha256(f"{args.name}{args.seed}{args.profile}".encode()).hexdigest()[:12]
    prompt_sha = hashlib.sha256(("club_judge_v1" if slow else "club_judge_compact").encode()).hexdigest()
    records = []
    t = t0 + 2.0
    for i in range(args.count):
        mono = i % 3 == 0
        cat = "Mono" if mono else "Colour"
        sub = os.path.join(imgdir, cat)
        os.makedirs(sub, exist_ok=True)
        path = os.path.join(sub, f"{'01_' if mono else ''}entry_{i:05d}.jpg")
        chash, (w, h) = (make_scenic if args.scenic else make_image)(path, rng, mono)
        quality = rng.gauss(15.5, 2.2)
        score = max(8, min(20, int(round(quality))))
        s1 = rng.uniform(0.05, 0.15) * (60 if slow else 1)
        s2 = rng.uniform(3.5, 5.2) if slow else rng.uniform(0.6, 1.4)
        started = t
        t += s2 / (1 if slow else 4)
        ptoks = rng.randint(3200, 3400) if slow else rng.randint(2700, 2800)
        ctoks = rng.randint(280, 500) if slow else rng.randint(170, 240)
        metrics = {
            "mean_luma": rng.uniform(0.2, 0.8), "contrast": rng.uniform(0.05, 0.3),
            "edge_density": rng.uniform(0.02, 0.2), "saturation": 0.0 if mono else rng.uniform(0.1, 0.6),
            "dynamic_range": rng.uniform(0.4, 0.95), "mean_luminance": rng.uniform(0.2, 0.8),
            "histogram_centre": rng.uniform(0.3, 0.7), "clip_low_percent": rng.uniform(0, 3),
            "clip_high_percent": rng.uniform(0, 3), "local_contrast": rng.uniform(0.02, 0.1),
            "mid_tone_range": rng.uniform(0.3, 0.7), "sharpness_laplacian_var": rng.uniform(0.001, 0.02),
            "noise_sigma": rng.uniform(0.002, 0.02), "colourfulness": rng.uniform(0, 80),
            "megapixels": w * h / 1e6, "nima_aesthetic_mean": rng.uniform(4, 6.5),
            "nima_aesthetic_std": rng.uniform(1.3, 1.9), "nima_technical_mean": rng.uniform(4, 6),
            "nima_technical_std": rng.uniform(1.2, 1.8),
        }
        passed = rng.random() > 0.05
        title = None if i % 7 == 0 else f"Entry {i} <b>&amp;</b> light"
        if args.scenic:
            title = SCENIC_TITLES[i % len(SCENIC_TITLES)]
        records.append({
            "schema_version": 1, "run_id": run_id, "image": path, "content_hash": chash,
            "image_title": title, "competition_category": cat,
            **({} if i % 11 == 5 else {"author": AUTHORS[i % len(AUTHORS)]}), "critique_category": cat,
            "style_inference": rng.choice(STYLES), "critique_title": title or f"Untitled {i}",
            "critique": ("A considered image with a clear subject. The composition leads the eye "
                         "well, though the right edge is busy. Tonal control is good. ") * 2,
            "critique_subscores": None, "critique_total_initial": quality,
            "critique_total": score, "critique_award": award(score),
            "critique_compliance_flag": not passed,
            "technical_signals": {"metrics": metrics,
                                  "notes": "nominal contrast; good detail" if i % 4 else "low contrast",
                                  "tonal_summary": "Tonal balance is well controlled."},
            "compliance": {"passed": passed,
                           "issues": [] if passed else [f"width {w + 2000} exceeds max_width 1600"],
                           "warnings": ["Borders are not allowed."],
                           "checks": {"resolution": {"width": w, "height": h}}},
            "backend": "vllm", "model": "Qwen/Qwen3-VL-8B-Instruct-FP8",
            "prompt_profile": "club_judge_v1" if slow else "club_judge_compact",
            "prompt_sha256": prompt_sha, "status": "ok", "error": None,
            "usage": {"prompt_tokens": ptoks, "completion_tokens": ctoks},
            "finish_reason": "stop", "duration_seconds": s1 + s2,
            "stage1_duration_seconds": s1, "stage2_duration_seconds": s2,
            "stage3_duration_seconds": None,
            "timestamp_stage2_started": iso(started), "timestamp_stage2_finished": iso(started + s2),
            "ttft_seconds": rng.uniform(0.3, 0.9) if not slow else rng.uniform(0.8, 1.6),
            "pairwise_score_initial": None, "pairwise_wins": None,
            "pairwise_comparisons": None, "pairwise_win_ratio": None, "pairwise_strength": None,
        })
    stage12_end = t
    for r in records[len(records) - args.failed:] if args.failed else []:
        r.update({"status": "failed", "critique_total": None, "critique_award": None,
                  "critique": None, "critique_total_initial": None, "finish_reason": None,
                  "error": "HTTP 503 from http://127.0.0.1:8000/v1: model overloaded "
                           "(gave up after 3 retries)"})

    # Playoff: round robin inside each category among scores >= 17, winner by quality.
    matches = []
    per_cat = {}
    for cat in ("Colour", "Mono"):
        el = [r for r in records if r["competition_category"] == cat and r["status"] == "ok"
              and r["critique_total"] >= 17]
        el = el[:12]
        per_cat[cat] = {"eligible": len(el), "matches": 0, "mean_seconds": None}
        if len(el) < 2:
            continue
        for r in el:
            r["pairwise_wins"] = 0
            r["pairwise_comparisons"] = 0
        durs = []
        for a in range(len(el)):
            for b in range(a + 1, min(len(el), a + 4)):
                A, B = el[a], el[b]
                win = A if A["critique_total_initial"] + rng.gauss(0, 1) > B["critique_total_initial"] else B
                win["pairwise_wins"] += 1
                A["pairwise_comparisons"] += 1
                B["pairwise_comparisons"] += 1
                lat = rng.uniform(1.0, 2.0)
                durs.append(lat)
                matches.append({"category": cat, "a": A["image"], "b": B["image"],
                                "winner": "A" if win is A else "B",
                                "reason": "Stronger impact and a cleaner composition.",
                                "latency": lat, "tokens": {"prompt_tokens": 5400, "completion_tokens": 40}})
        per_cat[cat]["matches"] = len(durs)
        per_cat[cat]["mean_seconds"] = sum(durs) / len(durs)
        for r in el:
            r["pairwise_win_ratio"] = r["pairwise_wins"] / max(1, r["pairwise_comparisons"])
            r["pairwise_strength"] = math.log(1 + r["pairwise_win_ratio"] * 3)
            r["pairwise_score_initial"] = r["critique_total"]
            r["stage3_duration_seconds"] = rng.uniform(1, 2)
        ranked = sorted(el, key=lambda r: (-r["pairwise_win_ratio"], -r["critique_total_initial"]))
        k = max(1, round(0.15 * len(ranked)))
        for r in ranked[:k]:
            r["critique_total"] = min(20, r["critique_total"] + 1)
        for r in ranked[-k:]:
            r["critique_total"] = max(16, r["critique_total"] - 1)
        ranked[0]["critique_total"] = 20
        for r in el:
            r["critique_award"] = award(r["critique_total"])
    for cat in ("Colour", "Mono"):
        ok = [r for r in records if r["competition_category"] == cat and r["status"] == "ok"]
        ok.sort(key=lambda r: (-r["critique_total"], -(r["pairwise_strength"] or 0),
                               -r["critique_total_initial"]))
        for k, r in enumerate(ok):
            r["rank"] = k + 1
            if k < len(PLACINGS):
                r["placing"] = PLACINGS[k]
    t_end = stage12_end + sum(m["latency"] for m in matches) / 2 + 1

    stem = os.path.join(resdir, args.name)
    with open(stem + ".jsonl", "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    with open(stem + ".matches.jsonl", "w") as f:
        for m in matches:
            f.write(json.dumps(m) + "\n")

    s1 = [r["stage1_duration_seconds"] for r in records]
    s2 = [r["stage2_duration_seconds"] for r in records]
    pt = [r["usage"]["prompt_tokens"] for r in records]
    ct = [r["usage"]["completion_tokens"] for r in records]
    tt = [r["ttft_seconds"] for r in records]
    iqa_end = t0 + 2 + (sum(s1) / 8 if not slow else sum(s1))

    def tok(v):
        st = stats(v)
        return {"sum": sum(v), "mean": st["mean"], "p95": st["p95"], "max": st["max"]}

    samples = []
    n = len(records)
    for k in range(0, 21):
        samples.append({"t": (t_end - t0) * k / 20, "images_done": n * k // 20,
                        "util_percent": 35 + 55 * abs(math.sin(k / 3.0)) if not slow else 20 + 30 * abs(math.sin(k)),
                        "memory_used_mb": 61000 + 50 * k})
    manifest = {
        "run_id": run_id, "tool_version": "0.1.0",
        "git_commit": hashlib.sha1(args.profile.encode()).hexdigest(), "git_dirty": False,
        "command": ["judge-vision", "run", "-i", imgdir],
        "parameters": {"input_dirs": [imgdir], "backend": "vllm",
                       "base_urls": ["http://127.0.0.1:8000/v1"],
                       "model": "Qwen/Qwen3-VL-8B-Instruct-FP8",
                       "max_new_tokens": 512 if slow else 320, "temperature": 0.2, "top_p": 0.9,
                       "concurrency": 1 if slow else 8, "pipeline": not slow,
                       "prompt_profile": "club_judge_v1" if slow else "club_judge_compact",
                       "stage": "full", "pairwise": True, "pairwise_threshold": 17,
                       **({"competition": args.competition,
                           "competition_config": os.path.abspath(args.registry)}
                          if args.competition and args.registry else {})},
        "prompt": {"profile": "club_judge_v1" if slow else "club_judge_compact", "version": 1,
                   "sha256": prompt_sha},
        "stages": [
            dict(name="iqa", started=iso(t0 + 1), finished=iso(iqa_end),
                 duration_seconds=iqa_end - t0 - 1, **stats(s1)),
            dict(name="critique", started=iso(t0 + 2), finished=iso(stage12_end),
                 duration_seconds=stage12_end - t0 - 2, **stats(s2)),
            dict(name="pairwise", started=iso(stage12_end), finished=iso(t_end),
                 duration_seconds=t_end - stage12_end, **stats([m["latency"] for m in matches])),
        ],
        "started": iso(t0), "finished": iso(t_end), "wall_seconds": t_end - t0,
        "images": {"discovered": n, "processed": n, "resumed": 0, "failed": args.failed},
        "iqa_cache": {"hits": 0 if slow else n // 2, "misses": n if slow else n - n // 2,
                      "hit_ratio": 0.0 if slow else (n // 2) / max(1, n)},
        "critique": {"requests": n, "retries": 2, "errors": 0, "prompt_tokens": tok(pt),
                     "completion_tokens": tok(ct), "truncated": 0, "parse_errors": 0,
                     "ttft_seconds": stats(tt)},
        "pairwise": {"scheduled": len(matches), "completed": len(matches), "per_category": per_cat},
        "gpu": {"snapshot": {"name": "NVIDIA RTX A6000", "memory_total_mb": 49140, "driver": "550.54"},
                "samples": samples},
        "server_metrics": {"prefix_cache_hit_rate": 0.12 if slow else 0.71},
        "status": "complete",
    }
    with open(stem + ".metadata.json", "w") as f:
        json.dump(manifest, f, indent=2)
    print(stem + ".jsonl")


if __name__ == "__main__":
    main()
