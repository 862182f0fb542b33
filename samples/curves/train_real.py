#!/usr/bin/env python3
"""train_real.py — real (small) training runs with PyTorch whose logs are
committed as samples: what curvecheck meets in practice, not a model of it.

Usage:  /usr/bin/python3 samples/curves/train_real.py [OUTDIR]   (Debian: python3-torch;
a few seconds on a CPU). Seeded (torch.manual_seed), so a rerun on the same
machine and torch version writes the same files; other versions may differ
in the last digits.

Data: 3-class spirals in 2-D (600 points, noise 0.2), a fixed validation
split of 300 points. Two runs:
  real_spiral     MLP 2-64-64-3, Adam lr 1e-2, 400 training points, 40 epochs,
                  batch 32: learns from ln 3 = 1.0986 to a small loss; healthy.
  real_overfit    MLP 2-256-256-3, Adam lr 1e-2, 30 training points (flip 20%
                  of their labels), 150 full-batch epochs: the train loss goes to
                  ~0 while the validation loss passes its minimum early and rises:
                  overfitting.
Each run is written as a Keras-CSVLogger-style CSV (epoch,accuracy,loss,
val_accuracy,val_loss) and as Python logging lines ("Epoch [e/E], Train Loss:
..., Val Acc: ..%").
"""
import logging
import math
import os
import sys

import torch
import torch.nn as nn


def spirals(n, noise, gen):
    k = n // 3
    xs, ys = [], []
    for c in range(3):
        r = torch.linspace(0.05, 1.0, k)
        t = c * 2 * math.pi / 3 + r * 4.0 + noise * torch.randn(k, generator=gen)
        xs.append(torch.stack([r * torch.cos(t), r * torch.sin(t)], 1))
        ys.append(torch.full((k,), c, dtype=torch.long))
    x, y = torch.cat(xs), torch.cat(ys)
    p = torch.randperm(len(y), generator=gen)
    return x[p], y[p]


def run(name, out, hidden, ntrain, epochs, batch, flip, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x, y = spirals(900, 0.2, gen)
    xv, yv = x[:300], y[:300]
    xt, yt = x[300:300 + ntrain], y[300:300 + ntrain].clone()
    if flip:
        m = torch.rand(ntrain, generator=gen) < flip
        yt[m] = (yt[m] + 1) % 3
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                          nn.Linear(hidden, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    lossf = nn.CrossEntropyLoss()
    log = logging.getLogger(name)
    log.handlers[:] = []
    h = logging.FileHandler(os.path.join(out, name + ".logging.log"), mode="w")
    h.setFormatter(logging.Formatter("%(asctime)s - %(levelname)s - %(message)s"))
    log.addHandler(h)
    log.setLevel(logging.INFO)
    log.info("Training %s: %d train / %d val points, hidden %d", name, ntrain, len(yv), hidden)
    with open(os.path.join(out, name + ".keras.csv"), "w") as f:
        f.write("epoch,accuracy,loss,val_accuracy,val_loss\n")
        for e in range(epochs):
            model.train()
            p = torch.randperm(ntrain, generator=gen)
            tot, correct = 0.0, 0
            for i in range(0, ntrain, batch):
                idx = p[i:i + batch]
                opt.zero_grad()
                o = model(xt[idx])
                loss = lossf(o, yt[idx])
                loss.backward()
                opt.step()
                tot += loss.item() * len(idx)
                correct += (o.argmax(1) == yt[idx]).sum().item()
            model.eval()
            with torch.no_grad():
                o = model(xv)
                vl = lossf(o, yv).item()
                va = (o.argmax(1) == yv).float().mean().item()
            tl, ta = tot / ntrain, correct / ntrain
            f.write("%d,%.6f,%.6f,%.6f,%.6f\n" % (e, ta, tl, va, vl))
            log.info("Epoch [%d/%d], Train Loss: %.4f, Train Acc: %.2f%%, Val Loss: %.4f, Val Acc: %.2f%%",
                     e + 1, epochs, tl, 100 * ta, vl, 100 * va)
    h.close()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    torch.set_num_threads(1)
    run("real_spiral", out, hidden=64, ntrain=400, epochs=40, batch=32, flip=0.0, seed=1)
    run("real_overfit", out, hidden=256, ntrain=30, epochs=150, batch=30, flip=0.2, seed=2)


if __name__ == "__main__":
    main()
