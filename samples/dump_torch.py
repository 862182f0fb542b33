#!/usr/bin/env python3
"""dump_torch.py -- an h5py hook for any torch.nn.Module that writes tdiag's
dump layout, read by `dumpcheck`:

    /step_<N>/<layer>/<param>          parameters W(t) (PyTorch order)
    /step_<N>/<layer>/grad/<param>     their .grad after backward
    /step_<N>/<layer>/activation       the layer's output (after its activation module)
    attributes: lr, optimizer on /step_<N>; depth, activation on /step_<N>/<layer>

Use it in a training loop:

    dumper = TdiagDump(model, "run.h5", every=100, optimizer=opt)
    for step in range(steps):
        loss = loss_fn(model(x), y)
        opt.zero_grad(); loss.backward()
        dumper.step(step)            # after backward, before opt.step()
        opt.step()
    dumper.close()

It dumps at the steps where step % every is 0 or 1, so each pair of
consecutive steps gives dumpcheck the exact update ||W(t+1)-W(t)||/||W(t)||.
A layer is a module with parameters; an activation module (ReLU, Tanh,
Sigmoid, ...) run right after it gives that layer its activation output and
kind. Activations applied functionally (F.relu) are not seen: the layer's own
output is dumped then.

Run as a script it trains the project's sample runs (seconds on a CPU):
    python3 dump_torch.py --model mlp|cnn --fault none|lr|dead --out FILE.h5
With --format safetensors it writes a Hugging Face Trainer-style sequence
instead: OUT/checkpoint-<step>/model.safetensors (the state_dict, written by
dump_safetensors.py's hand-made writer) and trainer_state.json, every
--every steps:
    python3 dump_torch.py --format safetensors --out DIR [--shards N]
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn

ACTIVATIONS = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid",
               nn.LeakyReLU: "leaky_relu", nn.ELU: "elu", nn.GELU: "gelu"}


class TdiagDump:
    """Forward hooks on the leaf modules; step() writes one /step_<N> group."""

    def __init__(self, model, path, every=100, optimizer=None, act_batch=16, compress=True):
        self.model, self.every, self.optimizer = model, every, optimizer
        self.act_batch = act_batch  # activations of the first act_batch samples only (file size)
        self.file = h5py.File(path, "w")
        self.compress = compress  # gzip the datasets of more than 4096 elements
        self.order = []      # layer names in forward order
        self.outputs = {}    # layer -> last output
        self.kind = {}       # layer -> activation kind
        self._last_param_layer = None
        self._hooks = []
        for name, mod in model.named_modules():
            if len(list(mod.children())) == 0:
                self._hooks.append(mod.register_forward_hook(self._hook(name or "model", mod)))

    def _hook(self, name, mod):
        has_params = any(True for _ in mod.parameters(recurse=False))
        act = ACTIVATIONS.get(type(mod))

        def fn(_mod, _inp, out):
            if not torch.is_tensor(out):
                return
            if has_params:
                if name not in self.order:
                    self.order.append(name)
                self.outputs[name] = out.detach()
                self._last_param_layer = name
            elif act and self._last_param_layer is not None:
                self.outputs[self._last_param_layer] = out.detach()
                self.kind[self._last_param_layer] = act
        return fn

    def _write(self, group, name, arr):
        big = self.compress and arr.size > 4096
        group.create_dataset(name, data=arr, **(dict(compression="gzip", compression_opts=4) if big else {}))

    def wants(self, step):
        return step % self.every in (0, 1)

    def step(self, step):
        if not self.wants(step):
            return
        g = self.file.create_group("step_%d" % step)
        if self.optimizer is not None:
            g.attrs["lr"] = float(self.optimizer.param_groups[0]["lr"])
            g.attrs["optimizer"] = type(self.optimizer).__name__.lower()
        mods = dict(self.model.named_modules())
        for depth, name in enumerate(self.order):
            lg = g.create_group(name)
            lg.attrs["depth"] = depth
            lg.attrs["activation"] = self.kind.get(name, "")
            for pname, p in mods[name if name != "model" else ""].named_parameters(recurse=False):
                self._write(lg, pname, p.detach().cpu().numpy())
                if p.grad is not None:
                    self._write(lg.require_group("grad"), pname, p.grad.detach().cpu().numpy())
            if name in self.outputs:
                self._write(lg, "activation", self.outputs[name][: self.act_batch].cpu().numpy())

    def close(self):
        for h in self._hooks:
            h.remove()
        self.file.close()


# ---- the sample runs ----------------------------------------------------------
def data(model, n, gen):
    """Synthetic 3-class problems: a linear teacher on 20 features (mlp), or
    which third of a 12x12 image holds a bright bar (cnn)."""
    if model == "mlp":
        x = torch.randn(n, 20, generator=gen)
        w = torch.randn(20, 3, generator=gen)
        return x, (x @ w).argmax(1)
    y = torch.randint(0, 3, (n,), generator=gen)
    x = 0.3 * torch.randn(n, 1, 12, 12, generator=gen)
    for i in range(n):
        x[i, 0, :, 4 * int(y[i]): 4 * int(y[i]) + 4] += 1.0
    return x, y


def build(model, fault):
    if model == "mlp":
        net = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    else:
        net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.ReLU(),
                            nn.Flatten(), nn.Linear(8 * 8 * 8, 3))
    if fault == "dead":  # a dead layer: its ReLU never fires
        with torch.no_grad():
            net[2].bias.fill_(-50.0)
    return net


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    ap.add_argument("--fault", choices=["none", "lr", "dead"], default="none")
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--every", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--act-batch", type=int, default=16, help="samples whose activations are dumped")
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=["tdiag", "safetensors"], default="tdiag",
                    help="tdiag: one HDF5 dump; safetensors: OUT/checkpoint-<step>/ folders")
    ap.add_argument("--shards", type=int, default=1, help="safetensors: shard files per checkpoint")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    x, y = data(a.model, 256, gen)
    net = build(a.model, a.fault)
    lr = 0.02
    if a.fault == "lr":
        lr *= 100  # far too high
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    st = a.format == "safetensors"
    if st:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from dump_safetensors import write_checkpoint
    dumper = None if st else TdiagDump(net, a.out, every=a.every, optimizer=opt, act_batch=a.act_batch)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for step in range(a.steps):
        idx = torch.randint(0, len(x), (32,), generator=gen)
        loss = loss_fn(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        if dumper:
            dumper.step(step)
        opt.step()
        history.append({"step": step + 1, "loss": loss.item(), "learning_rate": lr})
        if st and (step + 1) % a.every == 0:  # after step+1 optimizer steps, as the Trainer counts
            sd = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
            write_checkpoint(os.path.join(a.out, "checkpoint-%d" % (step + 1)), sd, "F32", a.shards, step + 1, history[-a.every:])
    if dumper:
        dumper.close()
    print("%s: %s %s, final batch loss %.4f" % (a.out, a.model, a.fault, loss.item()), file=sys.stderr)


if __name__ == "__main__":
    main()
