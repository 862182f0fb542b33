#!/usr/bin/python3
"""Generate sanitycheck's tiny HDF5 data sets (deterministic: seed 5).

    /usr/bin/python3 samples/data/gen_data.py [OUTDIR]     (default: samples/data)

Every file has x (N, D) float64 inputs and y (N,) int64 labels at the root.
The ground truth each file is built with (what sanitycheck must find):

  tiny.h5    120 examples, D=8, 3 classes 40/40/40 (Gaussian blobs, unit
             variance, centres 3 apart, shuffled); inputs standardized over
             the set (mean 0, std 1 per feature); no duplicates.
             -> every data check passes; the sample models train on it.
  messy.h5   100 examples, D=8: classes drawn 80/15/5 (78/17/4 after the
             edits below: largest/smallest 19.5), inputs
             x*40+120 (not normalized), 6 rows copied over others
             (2 of them keep a different label), and one label -1 at index 7.
             -> labels FAIL (1 outside), balance FAIL, normalized FAIL,
                duplicates FAIL (6, 2 conflicting).
  binary.h5  60 examples, D=4, labels 0/1 with 45 negatives, 15 positives
             (positive/negative 1/3) -> balance FAIL, the rest passes.
  nonint.h5  20 examples, D=4, label 0.5 at index 3 -> input error (exit 3).
"""
import os
import sys

import h5py
import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(5)


def blobs(counts, d):
    xs, ys = [], []
    for k, n in enumerate(counts):
        centre = np.zeros(d)
        centre[k % d] = 3.0
        centre[(k + 1) % d] = -1.5 * k
        xs.append(rng.normal(size=(n, d)) + centre)
        ys.append(np.full(n, k, dtype=np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    p = rng.permutation(len(y))
    return x[p], y[p]


def save(name, x, y):
    with h5py.File(os.path.join(out, name), "w") as f:
        f.create_dataset("x", data=x)
        f.create_dataset("y", data=y)


x, y = blobs([40, 40, 40], 8)
x = (x - x.mean(0)) / x.std(0)
save("tiny.h5", x, y)

x, y = blobs([80, 15, 5], 8)
x = x * 40 + 120
# 6 duplicates: rows 10..15 become copies of rows 20..25; rows 10 and 11 keep
# their own labels, made different from the originals' (conflicts), the
# others take the originals' labels
for i in range(6):
    x[10 + i] = x[20 + i]
    y[10 + i] = y[20 + i] if i >= 2 else (y[20 + i] + 1) % 3
y[7] = -1
save("messy.h5", x, y)

x, y = blobs([45, 15], 4)
x = (x - x.mean(0)) / x.std(0)
save("binary.h5", x, y)

x, y = blobs([10, 10], 4)
x = (x - x.mean(0)) / x.std(0)
y = y.astype(np.float64)
y[3] = 0.5
save("nonint.h5", x, y)
