#!/usr/bin/python3
"""NIMA's independent reference for tests/parity/nima_parity.sh and bench/nima_bench.sh.

  weights OUT.hdf5 --layout weights|model --head NAME --seed S [--second-head NAME]
      writes random MobileNet-NIMA weights in Keras' HDF5 layout (h5py): the
      save_weights() layout (layer_names at the root) or a whole-model save
      (everything under model_weights/), every layer Keras lists, weightless
      ones included, with the dense head called NAME.
  images DIR      writes 20 test photos of varied sizes (PNG and JPEG).
  check DUMP.jsonl WEIGHTS HEAD IMAGE...
      rebuilds the network in PyTorch from the HDF5 file (read with h5py,
      head by the name Keras would load), runs every image the way Keras'
      load_img(target_size=(224, 224)) fed it (Pillow NEAREST, RGB, x/127.5-1)
      and compares the 10 probabilities with jv_nima_dump's.
  resize DIR IMAGE...   jv_nima_dump --resize's files against Pillow's resize.
  index IN:OUT...       jv_nima_dump --index lines (stdin) against Pillow.
  bench THREADS REPEAT WEIGHTS IMAGE...  the PyTorch forward time per image.
"""
import json
import sys
import time

import numpy as np
from PIL import Image

ARCH = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
        (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
EPS = 1e-3


def keras_layers(head, second_head=None):
    """(name, [(weight name, array shape)]) in the order tf.keras lists NIMA's layers."""
    layers = [("input_1", []), ("conv1_pad", []),
              ("conv1", [("conv1/kernel:0", (3, 3, 3, 32))])]
    layers += [("conv1_bn", bn("conv1_bn", 32)), ("conv1_relu", [])]
    cin = 32
    for i, (cout, stride) in enumerate(ARCH, 1):
        if stride == 2:
            layers.append(("conv_pad_%d" % i, []))
        layers.append(("conv_dw_%d" % i, [("conv_dw_%d/depthwise_kernel:0" % i, (3, 3, cin, 1))]))
        layers += [("conv_dw_%d_bn" % i, bn("conv_dw_%d_bn" % i, cin)), ("conv_dw_%d_relu" % i, [])]
        layers.append(("conv_pw_%d" % i, [("conv_pw_%d/kernel:0" % i, (1, 1, cin, cout))]))
        layers += [("conv_pw_%d_bn" % i, bn("conv_pw_%d_bn" % i, cout)), ("conv_pw_%d_relu" % i, [])]
        cin = cout
    layers += [("global_average_pooling2d", []), ("dropout", [])]
    for h in [head] + ([second_head] if second_head else []):
        layers.append((h, [(h + "/kernel:0", (1024, 10)), (h + "/bias:0", (10,))]))
    return layers


def bn(name, c):
    return [(name + "/" + w, (c,)) for w in ("gamma:0", "beta:0", "moving_mean:0",
                                             "moving_variance:0")]


def random_weight(rng, name, shape):
    leaf = name.split("/")[-1]
    if leaf == "gamma:0":
        return rng.uniform(0.5, 1.5, shape)
    if leaf in ("beta:0", "moving_mean:0"):
        return rng.normal(0.0, 0.1, shape)
    if leaf == "moving_variance:0":
        return rng.uniform(0.5, 1.5, shape)
    if leaf == "bias:0":
        return rng.normal(0.0, 0.3, shape)
    if name.startswith("conv_dw"):
        return rng.normal(0.0, np.sqrt(2.0 / 9.0), shape)
    fan_in = int(np.prod(shape[:-1]))
    scale = 0.05 if len(shape) == 2 else np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, scale, shape)


def write_weights(path, layout, head, seed, second_head=None):
    import h5py
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        root = f
        if layout == "model":
            f.attrs["model_config"] = json.dumps({"class_name": "Functional"}).encode()
            f.attrs["keras_version"] = b"2.15.0"
            root = f.create_group("model_weights")
        layers = keras_layers(head, second_head)
        root.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = b"2.15.0"
        for name, weights in layers:
            g = root.create_group(name)
            g.attrs["weight_names"] = np.array([w.encode() for w, _ in weights])
            for wname, shape in weights:
                g.create_dataset(wname, data=random_weight(rng, wname, shape).astype(np.float32))


def write_images(d):
    rng = np.random.default_rng(7)
    sizes = [(224, 224), (225, 224), (1600, 1200), (1200, 1600), (4000, 3000), (640, 480),
             (100, 80), (31, 17), (3, 500), (500, 3), (1, 1), (2048, 1365), (300, 300),
             (447, 223), (1920, 1080), (800, 801), (1023, 769), (150, 2000), (4032, 3024),
             (512, 342)]
    for i, (w, h) in enumerate(sizes):
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        base = np.stack([xx / max(w - 1, 1), yy / max(h - 1, 1),
                         0.5 + 0.5 * np.sin((xx + 2 * yy) / (7.0 + i))], axis=-1)
        noise = rng.normal(0.0, 0.15, (h, w, 3))
        img = np.clip((base + noise) * 255.0, 0, 255).astype(np.uint8)
        ext = "jpg" if i % 3 == 0 else "png"
        Image.fromarray(img, "RGB").save("%s/photo_%02d_%dx%d.%s" % (d, i, w, h, ext),
                                         quality=90)


def keras_input(path):
    img = Image.open(path)
    if img.mode != "RGB":
        img = img.convert("RGB")
    if img.size != (224, 224):
        img = img.resize((224, 224), Image.NEAREST)
    return np.asarray(img, dtype=np.float32) / 127.5 - 1.0


class Nima:
    """MobileNet v1 (alpha 1) + Dense(10, softmax) in PyTorch, as tf.keras 2.15 builds it."""

    def __init__(self, path, head, torch):
        import h5py
        self.torch = torch
        nn = torch.nn
        with h5py.File(path, "r") as f:
            g = f["model_weights"] if "model_weights" in f else f
            w = lambda layer, leaf: np.array(g[layer][layer + "/" + leaf])
            self.conv1 = nn.Conv2d(3, 32, 3, stride=2, bias=False)
            self.conv1.weight.data = torch.from_numpy(w("conv1", "kernel:0").transpose(3, 2, 0, 1).copy())
            self.bns = {"conv1_bn": self.make_bn(w, "conv1_bn")}
            self.blocks = []
            cin = 32
            for i, (cout, stride) in enumerate(ARCH, 1):
                dw = nn.Conv2d(cin, cin, 3, stride=stride, padding=1 if stride == 1 else 0,
                               groups=cin, bias=False)
                k = w("conv_dw_%d" % i, "depthwise_kernel:0")
                dw.weight.data = torch.from_numpy(k.transpose(2, 3, 0, 1).copy())
                pw = nn.Conv2d(cin, cout, 1, bias=False)
                k = w("conv_pw_%d" % i, "kernel:0")
                pw.weight.data = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())
                self.blocks.append((stride, dw, self.make_bn(w, "conv_dw_%d_bn" % i), pw,
                                    self.make_bn(w, "conv_pw_%d_bn" % i)))
                cin = cout
            self.dense = nn.Linear(1024, 10)
            self.dense.weight.data = torch.from_numpy(w(head, "kernel:0").T.copy())
            self.dense.bias.data = torch.from_numpy(w(head, "bias:0"))

    def make_bn(self, w, name):
        b = self.torch.nn.BatchNorm2d(w(name, "gamma:0").shape[0], eps=EPS)
        b.weight.data = self.torch.from_numpy(w(name, "gamma:0"))
        b.bias.data = self.torch.from_numpy(w(name, "beta:0"))
        b.running_mean = self.torch.from_numpy(w(name, "moving_mean:0"))
        b.running_var = self.torch.from_numpy(w(name, "moving_variance:0"))
        return b.eval()

    def __call__(self, x):
        torch, F = self.torch, self.torch.nn.functional
        with torch.no_grad():
            t = torch.from_numpy(x.transpose(2, 0, 1).copy()).unsqueeze(0)
            t = F.pad(t, (0, 1, 0, 1))  # ZeroPadding2D(((0, 1), (0, 1)))
            t = torch.clamp(self.bns["conv1_bn"](self.conv1(t)), 0.0, 6.0)
            for stride, dw, dbn, pw, pbn in self.blocks:
                if stride == 2:
                    t = F.pad(t, (0, 1, 0, 1))
                t = torch.clamp(dbn(dw(t)), 0.0, 6.0)
                t = torch.clamp(pbn(pw(t)), 0.0, 6.0)
            t = t.mean(dim=(2, 3))
            return torch.softmax(self.dense(t), dim=1)[0].numpy().astype(np.float64)


def check(dump, weights, head, images):
    import torch
    torch.set_num_threads(1)
    model = Nima(weights, head, torch)
    rows = [json.loads(line) for line in open(dump)]
    worst = 0.0
    for row, path in zip(rows, images):
        if "error" in row:
            sys.exit("FAIL: %s: %s" % (path, row["error"]))
        if row["head"] != head:
            sys.exit("FAIL: C used head %r, the file's is %r" % (row["head"], head))
        ref = model(keras_input(path))
        d = float(np.max(np.abs(ref - np.array(row["probs"]))))
        mean = float(np.sum(ref * np.arange(1, 11)))
        worst = max(worst, d)
        print("%-34s max|dp| %.2e  mean C %.6f ref %.6f" % (path.split("/")[-1], d,
                                                              row["mean"], mean))
        if abs(mean - row["mean"]) > 1e-4:
            sys.exit("FAIL: mean differs")
    print("%s: %d photos, max |dp| = %.3e (target 1e-5)" % (weights.split("/")[-1], len(rows), worst))
    if len(rows) != len(images) or worst > 1e-5:
        sys.exit("FAIL")


def check_resize(d, images):
    for i, path in enumerate(images):
        img = Image.open(path)
        if img.mode != "RGB":
            img = img.convert("RGB")
        ref = np.asarray(img.resize((224, 224), Image.NEAREST)).tobytes()
        got = open("%s/%d.rgb" % (d, i), "rb").read()
        if got != ref:
            sys.exit("FAIL: the 224x224 input of %s differs from Pillow's" % path)
    print("resize: %d images, 224x224 input identical to Pillow's NEAREST" % len(images))


def check_index(pairs):
    lines = sys.stdin.read().split("\n")
    for pair, line in zip(pairs, lines):
        n_in, n_out = map(int, pair.split(":"))
        img = Image.fromarray(np.arange(n_in, dtype=np.int32).reshape(1, n_in), "I")
        ref = np.asarray(img.resize((n_out, 1), Image.NEAREST))[0].tolist()
        if json.loads(line) != ref:
            sys.exit("FAIL: index mapping %s differs from Pillow's" % pair)
    print("index: %d axis mappings identical to Pillow's" % len(pairs))


def bench(threads, repeat, weights, images):
    import torch
    torch.set_num_threads(threads)
    import h5py
    with h5py.File(weights, "r") as f:
        g = f["model_weights"] if "model_weights" in f else f
        head = [n.decode() for n in g.attrs["layer_names"] if n.decode().startswith("dense")][0]
    model = Nima(weights, head, torch)
    for path in images:
        t0 = time.perf_counter()
        x = keras_input(path)
        t1 = time.perf_counter()
        best = min(timed(model, x) for _ in range(repeat))
        print(json.dumps({"file": path, "decode_ms": (t1 - t0) * 1e3, "forward_ms": best}))


def timed(model, x):
    t0 = time.perf_counter()
    model(x)
    return (time.perf_counter() - t0) * 1e3


def main(a):
    if a[0] == "weights":
        opts = dict(zip(a[2::2], a[3::2]))
        write_weights(a[1], opts["--layout"], opts["--head"], int(opts["--seed"]),
                      opts.get("--second-head"))
    elif a[0] == "images":
        write_images(a[1])
    elif a[0] == "check":
        check(a[1], a[2], a[3], a[4:])
    elif a[0] == "resize":
        check_resize(a[1], a[2:])
    elif a[0] == "index":
        check_index(a[1:])
    elif a[0] == "bench":
        bench(int(a[1]), int(a[2]), a[3], a[4:])


if __name__ == "__main__":
    main(sys.argv[1:])
