#!/usr/bin/env python3
"""bench_h5py.py FILE -- the peer of the dumpcheck benchmark: h5py + numpy
computing mean/std/min/max and a 100-bin histogram of every dataset."""
import sys

import h5py
import numpy as np


def main():
    with h5py.File(sys.argv[1], "r") as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for n in names:
            a = f[n][...]
            s = (a.mean(), a.std(), a.min(), a.max())
            h, _ = np.histogram(a, bins=100)
            assert h.sum() == a.size, s
    print("h5py+numpy done: %d datasets" % len(names))


if __name__ == "__main__":
    main()
