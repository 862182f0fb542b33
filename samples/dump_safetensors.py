#!/usr/bin/env python3
"""dump_safetensors.py -- a Hugging Face Trainer-style checkpoint sequence,
read by `dumpcheck`:

    OUT/checkpoint-<step>/model.safetensors       (or model-0000k-of-0000n.safetensors
    OUT/checkpoint-<step>/model.safetensors.index.json    + this index with --shards n)
    OUT/checkpoint-<step>/trainer_state.json      {"global_step": <step>, ...}

The safetensors format is written by hand (no safetensors package needed):
an 8-byte little-endian header length, the JSON header
{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"},
then the raw little-endian data. Tensor names follow the Hugging Face style
(model.layers.<i>.mlp.up_proj.weight, PyTorch (out, in) order), so dumpcheck
groups them into layers by name.

The run is real: a small MLP (numpy only, CPU, seconds) trained with SGD on
a synthetic 3-class problem.

    python3 dump_safetensors.py --out DIR [--steps 300] [--every 100] [--lr 0.05]
                                [--dtype F32|F16|BF16|F64] [--shards 1]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np


def to_bytes(a, dtype):
    """Array a as little-endian bytes of a safetensors dtype."""
    if dtype == "F64":
        return a.astype("<f8").tobytes()
    if dtype == "F32":
        return a.astype("<f4").tobytes()
    if dtype == "F16":
        return a.astype("<f2").tobytes()
    if dtype == "BF16":  # the top 16 bits of float32, rounded to nearest even
        u = a.astype("<f4").view("<u4").astype(np.uint64)
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        return u.astype("<u2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype, metadata=None):
    """tensors: dict name -> numpy array, written in name order."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        b = to_bytes(np.ascontiguousarray(tensors[name]), dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # the data starts 8-byte aligned, as safetensors does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_checkpoint(folder, tensors, dtype, shards, step, history):
    os.makedirs(folder, exist_ok=True)
    names = sorted(tensors)
    if shards <= 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype, {"format": "pt"})
    else:
        weight_map = {}
        for k in range(shards):
            part = names[k::shards]
            fn = "model-%05d-of-%05d.safetensors" % (k + 1, shards)
            write_safetensors(os.path.join(folder, fn), {n: tensors[n] for n in part}, dtype, {"format": "pt"})
            weight_map.update({n: fn for n in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(folder, "trainer_state.json"), "w") as f:
        json.dump({"global_step": step, "log_history": history}, f, indent=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16", "F64"])
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    sizes = [20, 64, 64, 3]
    W = [rng.standard_normal((o, i)) * np.sqrt(2.0 / i) for i, o in zip(sizes, sizes[1:])]  # PyTorch (out, in)
    b = [np.zeros(o) for o in sizes[1:]]
    centers = rng.standard_normal((3, 20)) * 1.5
    history = []

    def tensors():
        t = {"model.embed.weight": W[0], "model.embed.bias": b[0],
             "model.layers.0.mlp.up_proj.weight": W[1], "model.layers.0.mlp.up_proj.bias": b[1],
             "lm_head.weight": W[2], "lm_head.bias": b[2]}
        return {k: v.astype(np.float32) for k, v in t.items()}

    for step in range(1, a.steps + 1):
        y = rng.integers(0, 3, 64)
        x = centers[y] + rng.standard_normal((64, 20))
        hs = [x]
        for k in range(3):  # forward: ReLU hidden layers, softmax output
            z = hs[-1] @ W[k].T + b[k]
            hs.append(np.maximum(z, 0) if k < 2 else z)
        p = np.exp(hs[-1] - hs[-1].max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(64), y] + 1e-12).mean()
        g = p.copy()
        g[np.arange(64), y] -= 1
        g /= 64
        for k in (2, 1, 0):  # backward, SGD
            gw, gb = g.T @ hs[k], g.sum(0)
            if k:
                g = (g @ W[k]) * (hs[k] > 0)
            W[k] -= a.lr * gw
            b[k] -= a.lr * gb
        if not np.isfinite(loss) and np.isfinite(history[-1]["loss"] if history else 0):
            print("dump_safetensors: the loss is not finite from step %d on" % step, file=sys.stderr)
        history.append({"step": step, "loss": float(loss)})
        if step % a.every == 0:
            write_checkpoint(os.path.join(a.out, "checkpoint-%d" % step), tensors(), a.dtype, a.shards, step, history[-a.every:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
