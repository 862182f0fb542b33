#!/usr/bin/env python3
"""bench_h5py.py FILE -- the peer of the dumpcheck benchmark: h5py + numpy
computing mean/std/min/max and a 100-bin histogram of every dataset and,
for a tdiag dump (/step_<N>/<layer>/<param>), the update/weight ratio
||W(t+d) - W(t)|| / ||W(t)|| / d of every parameter between consecutive
steps, each dataset read once (the previous step kept in memory)."""
import math
import re
import sys

import h5py
import numpy as np


def main():
    with h5py.File(sys.argv[1], "r") as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        params = {}
        for n in names:
            m = re.match(r"step_(\d+)/(.*)$", n)
            step, key = (int(m.group(1)), m.group(2)) if m else (-1, n)
            params.setdefault(key, []).append((step, n))
        ratios = []
        for key in sorted(params):
            prev = None
            for step, n in sorted(params[key]):
                a = f[n][...]
                s = (a.mean(), a.std(), a.min(), a.max())
                h, _ = np.histogram(a, bins=100)
                assert h.sum() == a.size, s
                if prev is not None and step >= 0:
                    d = (a.astype(np.float64) - prev[1]).ravel()
                    w = prev[1].ravel()
                    ratios.append(math.sqrt(np.dot(d, d)) / math.sqrt(np.dot(w, w)) / (step - prev[0]))
                prev = (step, a.astype(np.float64))
    print("h5py+numpy done: %d datasets, %d ratios" % (len(names), len(ratios)))


if __name__ == "__main__":
    main()
