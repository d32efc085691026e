#!/usr/bin/python3
"""Python reference for the Stage 1 metrics (doc/SPEC.md 2.5), written the way the
original Python implementation computed them: Pillow's convert('L'),
ImageStat, ImageFilter.FIND_EDGES and convert('HSV'); OpenCV's cvtColor,
calcHist and Laplacian; numpy for the extra metrics.

Usage:
  reference.py FILE...                 print one JSON object a line
  reference.py --check DUMP FILE...    compare with jv_metrics_dump's output
  reference.py --synthetic DIR         write small synthetic test images
  reference.py --time FILE...          print wall and CPU seconds per image
                                       (load + metrics)

Needs Debian's python3-pil, python3-opencv and python3-numpy.
"""
import json
import math
import sys
import time

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageStat

UNIT_KEYS = ["mean_luma", "contrast", "edge_density", "saturation",
             "dynamic_range", "mean_luminance", "histogram_centre",
             "local_contrast", "mid_tone_range"]
PERCENT_KEYS = ["clip_low_percent", "clip_high_percent"]
EXTRA_KEYS = ["sharpness_laplacian_var", "noise_sigma", "colourfulness", "megapixels"]


def basic_metrics(img):
    gray = img.convert("L")
    stat = ImageStat.Stat(gray)
    edges = gray.filter(ImageFilter.FIND_EDGES)
    hsv = img.convert("HSV")
    return {
        "mean_luma": stat.mean[0] / 255.0,
        "contrast": stat.stddev[0] / 255.0,
        "edge_density": ImageStat.Stat(edges).mean[0] / 255.0,
        "saturation": ImageStat.Stat(hsv).mean[1] / 255.0,
    }, gray


def tonal_metrics(rgb):
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    g = gray.astype(np.float32) / 255.0
    hist = cv2.calcHist([g], [0], None, [256], [0, 1]).ravel().astype(np.float64)
    total = hist.sum()
    if total > 0:
        hist = hist / total
        cdf = np.cumsum(hist)
        # pX = first bin whose cdf reaches X/100. The tiny margin makes exact
        # ties (e.g. exactly 1 % of the pixels in bin 0) count as reaching it,
        # whatever the rounding of the cumulative sum; no real cdf value
        # (k / total) lies that close below the threshold.
        p1 = np.searchsorted(cdf, 0.01 - 1e-12) / 255.0
        p99 = np.searchsorted(cdf, 0.99 - 1e-12) / 255.0
        dynamic_range = max(0.0, p99 - p1)
        centre = float(np.sum(hist * np.arange(256)) / 255.0)
        mid = float(cdf[192] - cdf[64])
    else:  # every pixel is 1.0: the C rule for what Python divided by zero
        dynamic_range, centre, mid = 0.0, 1.0, 0.0
    # OpenCV 4.6 has no float32 -> CV_64F Laplacian, so the Laplacian runs on
    # the same values in float64 (the histogram needs float32: calcHist has no
    # float64 input).
    lap = cv2.Laplacian(g.astype(np.float64), cv2.CV_64F, ksize=3)
    return {
        "dynamic_range": float(dynamic_range),
        "mean_luminance": float(g.astype(np.float64).mean()),
        "histogram_centre": centre,
        "clip_low_percent": float(np.mean(g < 0.02) * 100.0),
        "clip_high_percent": float(np.mean(g > 0.98) * 100.0),
        "local_contrast": float(lap.std()),
        "mid_tone_range": mid,
    }


def extra_metrics(gray, rgb):
    L = np.asarray(gray).astype(np.float64) / 255.0
    h, w = L.shape
    lap4 = cv2.Laplacian(L, cv2.CV_64F, ksize=1)  # [[0,1,0],[1,-4,1],[0,1,0]], reflect-101
    noise = 0.0
    if w >= 3 and h >= 3:
        m = (L[:-2, :-2] - 2 * L[:-2, 1:-1] + L[:-2, 2:]
             - 2 * L[1:-1, :-2] + 4 * L[1:-1, 1:-1] - 2 * L[1:-1, 2:]
             + L[2:, :-2] - 2 * L[2:, 1:-1] + L[2:, 2:])
        noise = math.sqrt(math.pi / 2) / (6.0 * (w - 2) * (h - 2)) * float(np.abs(m).sum())
    f = rgb.astype(np.float64)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    colourfulness = (math.sqrt(rg.std() ** 2 + yb.std() ** 2)
                     + 0.3 * math.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    return {
        "sharpness_laplacian_var": float(lap4.var()),
        "noise_sigma": noise,
        "colourfulness": float(colourfulness),
        "megapixels": w * h / 1e6,
    }


def compute(path, tonal=True):
    img = Image.open(path)
    img = img.convert("RGB")
    rgb = np.asarray(img)
    metrics, gray = basic_metrics(img)
    if tonal:
        metrics.update(tonal_metrics(rgb))
    metrics.update(extra_metrics(gray, rgb))
    return img.size, metrics


def check(dump_path, files):
    """Compares jv_metrics_dump's lines with the reference; returns failures."""
    lines = [json.loads(x) for x in open(dump_path, encoding="utf-8") if x.strip()]
    if len(lines) != len(files):
        print(f"FAIL: {len(lines)} dump lines for {len(files)} files")
        return 1
    failures = 0
    worst = {}
    for path, got in zip(files, lines):
        if "error" in got:
            print(f"FAIL {path}: C could not measure it: {got['error']}")
            failures += 1
            continue
        (w, h), ref = compute(path)
        if (got["width"], got["height"]) != (w, h):
            print(f"FAIL {path}: size {got['width']}x{got['height']} != {w}x{h}")
            failures += 1
        cm = got["metrics"]
        for key, want in ref.items():
            if key not in cm:
                print(f"FAIL {path}: {key} missing")
                failures += 1
                continue
            have = cm[key]
            diff = abs(have - want)
            if key in UNIT_KEYS:
                tol = 1e-3
            elif key in PERCENT_KEYS:
                tol = 0.05
            else:
                tol = 1e-6 * max(1.0, abs(want))
            worst[key] = max(worst.get(key, 0.0), diff)
            if not diff <= tol:
                print(f"FAIL {path}: {key} C={have!r} Python={want!r} (|diff| {diff:.3g} > {tol:.3g})")
                failures += 1
        extra = set(cm) - set(ref)
        if extra:
            print(f"FAIL {path}: unexpected keys {sorted(extra)}")
            failures += 1
    for key in sorted(worst):
        print(f"  max |C - Python| {key:26s} {worst[key]:.3g}")
    return failures


def synthetic(out_dir):
    """Small images that exercise the border and histogram rules."""
    rng = np.random.default_rng(20261126)
    def save(name, arr, mode=None):
        Image.fromarray(arr, mode).save(f"{out_dir}/{name}")
    save("syn_1x1.png", np.array([[[200, 10, 30]]], dtype=np.uint8))
    save("syn_2x2.png", rng.integers(0, 256, (2, 2, 3), dtype=np.uint8))
    save("syn_3x3.png", rng.integers(0, 256, (3, 3, 3), dtype=np.uint8))
    save("syn_1x7.png", rng.integers(0, 256, (7, 1, 3), dtype=np.uint8))
    save("syn_9x2.png", rng.integers(0, 256, (2, 9, 3), dtype=np.uint8))
    save("syn_noise_777x513.png", rng.integers(0, 256, (513, 777, 3), dtype=np.uint8))
    save("syn_white.png", np.full((40, 30, 3), 255, dtype=np.uint8))
    save("syn_black.png", np.zeros((30, 40, 3), dtype=np.uint8))
    half = np.full((64, 64, 3), 255, dtype=np.uint8)
    half[:, :32] = rng.integers(0, 256, (64, 32, 3), dtype=np.uint8)
    save("syn_half_white.png", half)
    grad = np.tile(np.arange(256, dtype=np.uint8), (50, 1))
    save("syn_grey_gradient.png", grad, "L")
    rgba = rng.integers(0, 256, (100, 120, 4), dtype=np.uint8)
    save("syn_rgba.png", rgba, "RGBA")
    la = rng.integers(0, 256, (80, 60, 2), dtype=np.uint8)
    save("syn_grey_alpha.png", la, "LA")
    pal = Image.fromarray(rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)).quantize(64)
    pal.save(f"{out_dir}/syn_palette.png")


def main(argv):
    if len(argv) >= 2 and argv[1] == "--synthetic":
        synthetic(argv[2])
        return 0
    if len(argv) >= 2 and argv[1] == "--check":
        failures = check(argv[2], argv[3:])
        print(f"{len(argv) - 3} images, {failures} failures")
        return 1 if failures else 0
    if len(argv) >= 2 and argv[1] == "--time":
        for path in argv[2:]:
            t0, c0 = time.perf_counter(), time.process_time()
            compute(path)
            print(f"{time.perf_counter() - t0:.6f} {time.process_time() - c0:.6f} {path}")
        return 0
    for path in argv[1:]:
        (w, h), metrics = compute(path)
        print(json.dumps({"file": path, "width": w, "height": h, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
