#!/usr/bin/env python3
"""real_sweep.py — a real (small) hyperparameter sweep, run with Debian's
python3-torch, that produced real_sweep.csv and the per-trial training logs
in real_sweep/ (Keras-CSVLogger-like: epoch,loss,val_loss,val_accuracy).

Task: the cs231n spiral (3 classes x 200 points, 2-D), a one-hidden-layer
ReLU MLP trained full-batch with SGD + momentum 0.9 for 150 epochs; 50% of
the points (shuffled, fixed seed) are held out for validation.

The 12 points are quasi-random, made by studycheck itself:
    studycheck suggest real_sweep_space.json -n 12 --seed 1 > real_sweep_points.csv
Each trial's objective is its best val_loss during training (the playbook:
"the best value reached during training"); a trial whose training loss
became NaN/Inf is written with status diverged. Everything is seeded
(torch.manual_seed(trial)), a trial takes well under a second.

Run: /usr/bin/python3 real_sweep.py   (needs python3-torch)
"""
import csv
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def spiral(n=200, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    for j in range(k):
        r = torch.linspace(0.0, 1.0, n)
        t = torch.linspace(j * 4.0, (j + 1) * 4.0, n) + torch.randn(n, generator=g) * 0.2
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], 1))
        ys.append(torch.full((n,), j, dtype=torch.long))
    x, y = torch.cat(xs), torch.cat(ys)
    p = torch.randperm(len(y), generator=g)
    return x[p], y[p]


def trial(k, lr, wd, hidden, x, y, logpath, epochs=150):
    torch.manual_seed(k)
    half = len(y) // 2
    xt, yt, xv, yv = x[:half], y[:half], x[half:], y[half:]
    model = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 3))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    lossf = torch.nn.CrossEntropyLoss()
    best, diverged = math.inf, False
    with open(logpath, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "loss", "val_loss", "val_accuracy"])
        for ep in range(epochs):
            model.train()
            opt.zero_grad()
            loss = lossf(model(xt), yt)
            loss.backward()
            opt.step()
            model.eval()
            with torch.no_grad():
                out = model(xv)
                vl = lossf(out, yv).item()
                va = (out.argmax(1) == yv).float().mean().item()
            if ep % 3 == 2 or ep == epochs - 1:  # every 3rd epoch keeps the sample small
                w.writerow([ep + 1, "%.6g" % loss.item(), "%.6g" % vl, "%.4f" % va])
            if not math.isfinite(loss.item()) or not math.isfinite(vl):
                diverged = True
                break
            best = min(best, vl)
    return (math.nan if diverged else best), ("diverged" if diverged else "ok")


def main():
    x, y = spiral()
    os.makedirs(os.path.join(HERE, "real_sweep"), exist_ok=True)
    with open(os.path.join(HERE, "real_sweep_points.csv")) as f:
        points = list(csv.DictReader(f))
    with open(os.path.join(HERE, "real_sweep.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["trial", "learning_rate", "weight_decay", "hidden", "val_loss", "status", "log_file"])
        for k, p in enumerate(points):
            lr, wd, hidden = float(p["learning_rate"]), float(p["weight_decay"]), int(p["hidden"])
            log = "real_sweep/trial_%02d.csv" % k
            best, status = trial(k, lr, wd, hidden, x, y, os.path.join(HERE, log))
            w.writerow([k, p["learning_rate"], p["weight_decay"], hidden,
                        "nan" if math.isnan(best) else "%.6g" % best, status, log])
            print("trial %2d lr=%-10s wd=%-11s hidden=%-3d val_loss=%s %s" % (k, p["learning_rate"],
                  p["weight_decay"], hidden, best, status), file=sys.stderr)


if __name__ == "__main__":
    main()
