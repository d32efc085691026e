#!/usr/bin/python3
"""MUSIQ reference for the parity test and the benchmark (doc/SPEC.md 2.5).

Written from the official google-research musiq code (run_predict_image.py,
model/preprocessing.py, model/multiscale_transformer.py, model/resnet.py,
model/multiscale_transformer_utils.py): numpy for the preprocessing, PyTorch
(Debian's python3-torch, CPU) for the network. Unlike the C code it keeps the
official padded input: scales 224 and 384 padded to 49 and 144 tokens with
zero patches, masked out of the attention with -1e10 logits.

  musiq_reference.py weights OUT.npz --classes N [--compressed] [--seed S] [--small]
      random weights in the official layout and names (opt/target/...), plus
      optimizer-state entries the model must skip; --small: the same names with
      hidden 32, 2 layers, 2 heads, MLP 64 (for quick wiring tests)
  musiq_reference.py score WEIGHTS.npz [--threads N] IMAGE...
      one JSON line per image: {"file", "score", "seconds", "cpu_seconds"} (decode excluded)
  musiq_reference.py check-prep DUMPDIR IMAGE...
      compares the C preprocessing dump (jv_musiq_dump --prep DUMPDIR) with
      ours: resized scales, token positions, patches
"""
import json
import math
import os
import sys
import time

import numpy as np

PATCH = 32
GRID = 10
LONGER = (224, 384)


# ---------------------------------------------------------------- preprocessing

def load_rgb(path):
    from PIL import Image
    im = Image.open(path)
    im.load()
    if im.mode in ("I;16", "I;16B", "I"):
        im = im.point(lambda v: v / 257).convert("L")
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def to_unit(rgb):
    x = rgb.astype(np.float32) / np.float32(255.0)
    return np.float32(-1.0) + x * np.float32(2.0)


def _gauss(x):
    x = np.abs(x).astype(np.float32)
    w = np.exp((-x * x).astype(np.float64) / (2.0 * 0.5 * 0.5)).astype(np.float32)
    return np.where(x >= np.float32(1.5), np.float32(0.0), w)


def tf_spans(in_size, out_size):
    """tf scale_and_translate spans for the Gaussian kernel, antialias off."""
    scale = np.float32(out_size) / np.float32(in_size)
    inv = np.float32(1.0 / float(scale))
    mat = np.zeros((out_size, in_size), np.float32)
    for x in range(out_size):
        sample = (np.float32(x) + np.float32(0.5)) * inv
        lo = int(math.ceil(sample - np.float32(1.5) - np.float32(0.5)))
        hi = int(math.floor(sample + np.float32(1.5) - np.float32(0.5)))
        lo = min(max(lo, 0), in_size - 1)
        hi = min(max(hi, 0), in_size - 1) + 1
        src = np.arange(lo, hi)
        w = _gauss(src.astype(np.float32) + np.float32(0.5) - sample)
        total = np.float32(0)
        for v in w:
            total = np.float32(total + v)
        w = w * (np.float32(1.0) / total)
        mat[x, lo:hi] = w
    return mat


def tf_resize(img, rh, rw):
    """rows then columns, as GatherSpans does."""
    h, w, _ = img.shape
    rows = tf_spans(h, rh)
    cols = tf_spans(w, rw)
    mid = np.tensordot(rows, img, axes=(1, 0))  # (rh, w, c)
    out = np.tensordot(cols, mid, axes=(1, 1))  # (rw, rh, c)
    return np.ascontiguousarray(out.transpose(1, 0, 2), dtype=np.float32)


def hash_index(count):
    scale = np.float32(GRID) / np.float32(count)
    idx = np.floor(np.arange(count, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(idx, GRID - 1)


def patches_same(img):
    """tf.image.extract_patches 32/32 SAME: zero padding, the odd pixel after."""
    h, w, c = img.shape
    ch, cw = -(-h // PATCH), -(-w // PATCH)
    ph, pw = ch * PATCH - h, cw * PATCH - w
    padded = np.zeros((ch * PATCH, cw * PATCH, c), np.float32)
    padded[ph // 2:ph // 2 + h, pw // 2:pw // 2 + w] = img
    p = padded.reshape(ch, PATCH, cw, PATCH, c).transpose(0, 2, 1, 3, 4)
    return p.reshape(ch * cw, PATCH * PATCH * c), ch, cw


def scale_tokens(img, scale_id, max_len):
    p, ch, cw = patches_same(img)
    hh, ww = hash_index(ch), hash_index(cw)
    spatial = (hh[:, None] * GRID + ww[None, :]).reshape(-1).astype(np.float32)
    n = p.shape[0]
    out = np.concatenate([p, spatial[:, None], np.full((n, 1), scale_id, np.float32),
                          np.ones((n, 1), np.float32)], axis=1)
    if max_len >= 0:
        pad = np.zeros((max_len, out.shape[1]), np.float32)
        out = np.concatenate([out, pad], axis=0)[:max_len]
    return out, (ch, cw)


def prepare(rgb):
    """The official input: (num tokens, 3072 + 3) and the resized scales."""
    img = to_unit(rgb)
    h, w, _ = img.shape
    outs, resized = [], []
    for k, side in enumerate(LONGER):
        ratio = np.float32(side) / np.float32(max(h, w))
        rh = int(np.round(np.float32(h) * ratio))
        rw = int(np.round(np.float32(w) * ratio))
        r = tf_resize(img, rh, rw)
        resized.append(r)
        outs.append(scale_tokens(r, k, int(math.ceil(side / PATCH) ** 2))[0])
    outs.append(scale_tokens(img, len(LONGER), -1)[0])
    return np.concatenate(outs, axis=0), resized


# ---------------------------------------------------------------- the network

def std_conv_weight(k):
    m = k.mean(axis=(0, 1, 2), keepdims=True)
    s = k.std(axis=(0, 1, 2), keepdims=True)
    return (k - m) / (s + 1e-5)


class Net:
    def __init__(self, path):
        import torch
        self.torch = torch
        z = np.load(path)
        p = {k[len("opt/target/"):]: z[k] for k in z.files if k.startswith("opt/target/")}
        self.p = p
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
        self.t = t
        self.layers = 0
        while f"Transformer/encoderblock_{self.layers}/LayerNorm_0/scale" in p:
            self.layers += 1
        self.d = p["embedding/kernel"].shape[1]
        self.heads = p["Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/kernel"].shape[1]
        self.classes = p["head/kernel"].shape[1]

    def conv(self, x, name, stride, pad):
        torch = self.torch
        k = std_conv_weight(self.p[name + "/kernel"].astype(np.float32))
        w = self.t(k).permute(3, 2, 0, 1)  # HWIO -> OIHW
        x = torch.nn.functional.pad(x, pad)
        return torch.nn.functional.conv2d(x, w, stride=stride)

    def gn(self, x, name, eps, groups=32):
        n, c, h, w = x.shape
        g = x.reshape(n, groups, c // groups, h, w)
        mean = g.mean(dim=(2, 3, 4), keepdim=True)
        var = (g * g).mean(dim=(2, 3, 4), keepdim=True) - mean * mean
        g = (g - mean) * self.torch.rsqrt(var + eps)
        x = g.reshape(n, c, h, w)
        s = self.t(self.p[name + "/scale"]).reshape(1, c, 1, 1)
        b = self.t(self.p[name + "/bias"]).reshape(1, c, 1, 1)
        return x * s + b

    def resnet(self, patches):
        torch = self.torch
        x = self.t(patches.reshape(-1, PATCH, PATCH, 3)).permute(0, 3, 1, 2)
        x = self.conv(x, "conv_root", 2, (2, 3, 2, 3))  # SAME for 7x7/2 on 32
        x = torch.relu(self.gn(x, "gn_root", 1e-6))
        x = torch.nn.functional.pad(x, (0, 1, 0, 1), value=-math.inf)
        x = torch.nn.functional.max_pool2d(x, 3, 2)
        u = "block1/unit1/"
        res = self.gn(self.conv(x, u + "conv_proj", 1, (0, 0, 0, 0)), u + "gn_proj", 1e-4)
        y = torch.relu(self.gn(self.conv(x, u + "conv1", 1, (0, 0, 0, 0)), u + "gn1", 1e-4))
        y = torch.relu(self.gn(self.conv(y, u + "conv2", 1, (1, 1, 1, 1)), u + "gn2", 1e-4))
        y = self.gn(self.conv(y, u + "conv3", 1, (0, 0, 0, 0)), u + "gn3", 1e-4)
        y = torch.relu(res + y)
        return y.permute(0, 2, 3, 1).reshape(y.shape[0], -1)  # (h, w, c) flattened

    def dense(self, x, name):
        return x @ self.t(self.p[name + "/kernel"]) + self.t(self.p[name + "/bias"])

    def ln(self, x, name):
        mean = x.mean(-1, keepdim=True)
        var = (x * x).mean(-1, keepdim=True) - mean * mean
        y = (x - mean) * self.torch.rsqrt(var + 1e-6)
        return y * self.t(self.p[name + "/scale"]) + self.t(self.p[name + "/bias"])

    def attention(self, x, name, mask):
        torch = self.torch
        n, d = x.shape
        h = self.heads
        dh = d // h
        def proj(part):
            k = self.t(self.p[f"{name}/{part}/kernel"]).reshape(d, d)
            b = self.t(self.p[f"{name}/{part}/bias"]).reshape(d)
            return (x @ k + b).reshape(n, h, dh).permute(1, 0, 2)
        q, k, v = proj("query") / math.sqrt(dh), proj("key"), proj("value")
        valid = torch.from_numpy(mask)
        out = torch.empty(h, n, dh)
        for r0 in range(0, n, 1024):
            qm = valid[r0:r0 + 1024]
            both = qm[:, None] & valid[None, :]
            bias = torch.where(both, torch.tensor(0.0), torch.tensor(-1e10))
            s = q[:, r0:r0 + 1024] @ k.transpose(1, 2) + bias
            out[:, r0:r0 + 1024] = torch.softmax(s, dim=-1) @ v
        o = out.permute(1, 0, 2).reshape(n, d)
        return o @ self.t(self.p[f"{name}/out/kernel"]).reshape(d, d) + self.t(self.p[f"{name}/out/bias"])

    def forward(self, x):
        torch = self.torch
        with torch.no_grad():
            patches = x[:, :-3]
            spatial = x[:, -3].astype(np.int64)
            scale = x[:, -2].astype(np.int64)
            mask = x[:, -1].astype(bool)
            e = self.dense(self.resnet(patches), "embedding")
            pe = self.t(self.p["Transformer/posembed_input/pos_embedding"][0])
            se = self.t(self.p["Transformer/scaleembed_input/scale_embedding"][0])
            e = e + pe[torch.from_numpy(spatial)]
            e = e + se[torch.from_numpy(scale)]
            cls = self.t(self.p["Transformer/cls"][0])
            h = torch.cat([cls, e], 0)
            mask = np.concatenate([[True], mask])
            for i in range(self.layers):
                b = f"Transformer/encoderblock_{i}/"
                y = self.ln(h, b + "LayerNorm_0")
                h = h + self.attention(y, b + "MultiHeadDotProductAttention_1", mask)
                y = self.ln(h, b + "LayerNorm_2")
                y = self.dense(y, b + "MlpBlock_3/Dense_0")
                y = torch.nn.functional.gelu(y, approximate="tanh")
                h = h + self.dense(y, b + "MlpBlock_3/Dense_1")
            h = self.ln(h, "Transformer/encoder_norm")
            logits = self.dense(h[0:1], "head")[0]
            if self.classes == 1:
                return float(logits[0])
            p = torch.softmax(logits, -1)
            return float((p * torch.arange(1, self.classes + 1, dtype=torch.float32)).sum())


# ---------------------------------------------------------------- commands

def make_weights(out, classes, compressed, seed, d=384, layers=14, heads=6, mlp=1152):
    rng = np.random.default_rng(seed)
    v = {}
    def put(name, *shape, scale=None, centre=0.0):
        fan = shape[0] if len(shape) > 1 else 1
        for s in shape[:-1][1:]:
            fan *= s
        sd = scale if scale is not None else 1.0 / math.sqrt(max(fan, 1))
        v["opt/target/" + name] = (centre + sd * rng.standard_normal(shape)).astype(np.float32)
    put("conv_root/kernel", 7, 7, 3, 64)
    put("gn_root/scale", 64, scale=0.1, centre=1.0)
    put("gn_root/bias", 64, scale=0.1)
    u = "block1/unit1/"
    for conv, gn, k, cin, cout in (("conv_proj", "gn_proj", 1, 64, 256), ("conv1", "gn1", 1, 64, 64),
                                   ("conv2", "gn2", 3, 64, 64), ("conv3", "gn3", 1, 64, 256)):
        put(u + conv + "/kernel", k, k, cin, cout)
        put(u + gn + "/scale", cout, scale=0.1, centre=1.0)
        put(u + gn + "/bias", cout, scale=0.1)
    put("embedding/kernel", 8 * 8 * 256, d, scale=1.0 / math.sqrt(8 * 8 * 256))
    put("embedding/bias", d, scale=0.02)
    put("Transformer/posembed_input/pos_embedding", 1, GRID * GRID, d, scale=0.02)
    put("Transformer/scaleembed_input/scale_embedding", 1, 3, d, scale=0.02)
    put("Transformer/cls", 1, 1, d, scale=0.02)
    dh = d // heads
    for i in range(layers):
        b = f"Transformer/encoderblock_{i}/"
        a = b + "MultiHeadDotProductAttention_1/"
        for part in ("query", "key", "value"):
            put(a + part + "/kernel", d, heads, dh, scale=1.0 / math.sqrt(d))
            put(a + part + "/bias", heads, dh, scale=0.02)
        put(a + "out/kernel", heads, dh, d, scale=1.0 / math.sqrt(d))
        put(a + "out/bias", d, scale=0.02)
        for ln in ("LayerNorm_0", "LayerNorm_2"):
            put(b + ln + "/scale", d, scale=0.1, centre=1.0)
            put(b + ln + "/bias", d, scale=0.02)
        put(b + "MlpBlock_3/Dense_0/kernel", d, mlp, scale=1.0 / math.sqrt(d))
        put(b + "MlpBlock_3/Dense_0/bias", mlp, scale=0.02)
        put(b + "MlpBlock_3/Dense_1/kernel", mlp, d, scale=0.5 / math.sqrt(mlp))
        put(b + "MlpBlock_3/Dense_1/bias", d, scale=0.02)
    put("Transformer/encoder_norm/scale", d, scale=0.1, centre=1.0)
    put("Transformer/encoder_norm/bias", d, scale=0.02)
    # Regression heads give MOS-like numbers around 50; AVA logits near 0.
    put("head/kernel", d, classes, scale=(8.0 if classes == 1 else 0.5) / math.sqrt(d))
    put("head/bias", classes, scale=0.0, centre=50.0 if classes == 1 else 0.0)
    # Optimizer state the loader must skip (the official files carry it too).
    v["opt/state/step"] = np.array(1000, np.int64)
    v["opt/state/param_states/head/kernel/grad_ema"] = np.zeros((d, classes), np.float32)
    (np.savez_compressed if compressed else np.savez)(out, **v)


def cmd_score(weights, threads, images):
    import torch
    torch.set_num_threads(threads)
    net = Net(weights)
    for path in images:
        rgb = load_rgb(path)
        t0, c0 = time.perf_counter(), time.process_time()
        x, _ = prepare(rgb)
        score = net.forward(x)
        print(json.dumps({"file": path, "score": score, "seconds": time.perf_counter() - t0,
                          "cpu_seconds": time.process_time() - c0}), flush=True)


def cmd_check_prep(dump, images):
    worst = {}
    fails = 0
    for path in images:
        stem = os.path.join(dump, os.path.basename(path))
        rgb = load_rgb(path)
        x, resized = prepare(rgb)
        tok = np.load(stem + ".tok.npy")
        cpatch = np.load(stem + ".patches.npy")
        mask = x[:, -1] > 0
        real = x[mask]
        if tok.shape[0] != real.shape[0]:
            print(f"FAIL {path}: {tok.shape[0]} tokens, reference {real.shape[0]}")
            fails += 1
            continue
        for k in range(2):
            c = np.load(f"{stem}.s{k}.npy")
            if c.shape != resized[k].shape:
                print(f"FAIL {path}: scale {k} is {c.shape}, reference {resized[k].shape}")
                fails += 1
                continue
            worst[f"resize{k}"] = max(worst.get(f"resize{k}", 0), float(np.abs(c - resized[k]).max()))
        pos_ok = (np.array_equal(tok[:, 3], real[:, -3]) and np.array_equal(tok[:, 0], real[:, -2]))
        if not pos_ok:
            print(f"FAIL {path}: hashed positions or scale ids differ")
            fails += 1
        n = cpatch.shape[0]
        worst["patch"] = max(worst.get("patch", 0), float(np.abs(cpatch - real[:n, :-3]).max()))
    print("preprocessing max |diff|:", json.dumps(worst))
    bad = {k: v for k, v in worst.items() if v > 1e-5}
    if bad or fails:
        print("FAIL: preprocessing differs", bad)
        return 1
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "weights":
        classes = int(argv[argv.index("--classes") + 1]) if "--classes" in argv else 1
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 13
        small = dict(d=32, layers=2, heads=2, mlp=64) if "--small" in argv else {}
        make_weights(argv[1], classes, "--compressed" in argv, seed, **small)
        return 0
    if len(argv) >= 3 and argv[0] == "score":
        threads = 1
        rest = argv[2:]
        if rest[:1] == ["--threads"]:
            threads, rest = int(rest[1]), rest[2:]
        cmd_score(argv[1], threads, rest)
        return 0
    if len(argv) >= 3 and argv[0] == "check-prep":
        return cmd_check_prep(argv[1], argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
