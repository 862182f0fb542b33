#!/usr/bin/python3
"""Two real tiny-subset runs with python3-torch (seconds on a CPU), logged as
Keras-style CSV for `sanitycheck overfit`:

    /usr/bin/python3 samples/data/tiny_subset_torch.py [OUTDIR]

Both train a 8-16-3 ReLU MLP with Adam (lr 1e-2), no regularization, full
batch, on the first 20 examples of samples/data/tiny.h5, 200 steps, logging
`step,loss,accuracy` every step.

  overfit_ok.csv     the correct loop: zero_grad, backward, step.
                     -> the loss reaches ~0 and the accuracy 100%.
  overfit_stuck.csv  a classic bug: optimizer.zero_grad() called between
                     loss.backward() and optimizer.step(), so every step
                     applies a zero gradient -> the loss never moves.
"""
import os
import sys

import h5py
import torch

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else here
with h5py.File(os.path.join(here, "tiny.h5"), "r") as f:
    x = torch.tensor(f["x"][:20], dtype=torch.float32)
    y = torch.tensor(f["y"][:20], dtype=torch.long)


def run(name, buggy):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    with open(os.path.join(out, name), "w") as f:
        f.write("step,loss,accuracy\n")
        for step in range(200):
            opt.zero_grad()
            scores = model(x)
            loss = torch.nn.functional.cross_entropy(scores, y)
            acc = (scores.argmax(1) == y).float().mean().item()
            f.write(f"{step},{loss.item():.6g},{acc:.4g}\n")
            loss.backward()
            if buggy:
                opt.zero_grad()  # the bug: the gradient is gone before the step
            opt.step()


run("overfit_ok.csv", False)
run("overfit_stuck.csv", True)
