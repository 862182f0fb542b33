#!/usr/bin/python3
"""bench_gc_rows.py DIR ROUNDS ROWS — the gradcheck benchmark's summary:
reads DIR/ours.R (bench_gc) and DIR/torch.R (bench_torch.py) for rounds
R = 1..ROUNDS, prints a table of medians and appends to ROWS the rows of
`make bench`'s table (tab-separated: area work tdiag_s peer_name peer_s
floor_s peer_over_tdiag tdiag_over_floor goal met). A ratio is the median
of the rounds' ratios (each round's pair ran back to back)."""
import statistics
import sys

d, rounds, rows_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ours, theirs, imports = [], [], []
for r in range(1, rounds + 1):
    o = {}
    for line in open(f"{d}/ours.{r}"):
        f = line.rstrip("\n").split("\t")
        o[f[0]] = dict(n=f[1], forward=f[2], floor=f[3], full1=f[4], full2=f[5], fast=f[6], fast_evals=f[7])
    t = {}
    for line in open(f"{d}/torch.{r}"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "import":
            imports.append(float(f[1]))
        else:
            t[f[0]] = dict(full=f[1], fast=f[2])
    ours.append(o)
    theirs.append(t)


def med(layer, key, side=None):
    vals = [float(x[layer][key]) for x in (side or ours) if x[layer][key] != "-"]
    return statistics.median(vals) if vals else None


def med_ratio(layer, num, den):
    """median over rounds of num/den; num, den: functions of a round index"""
    vals = [num(i) / den(i) for i in range(rounds)]
    return statistics.median(vals)


def o(i, layer, key):
    return float(ours[i][layer][key])


def t(i, layer, key):
    return float(theirs[i][layer][key])


print(f"gradcheck bench: medians of {rounds} paired, interleaved rounds (in process: CPU seconds, full2 wall clock)")
print("%-13s %6s %10s %10s %10s %10s %10s %10s %6s %11s %11s %14s" % (
    "layer", "n", "floor_s", "full1_s", "full2_s", "torch_s", "fast_s", "torch_fast", "evals",
    "full1/floor", "torch/full1", "torchfast/fast"))
layers = list(ours[0].keys())
for L in layers:
    full = ours[0][L]["full1"] != "-"
    cells = [L, ours[0][L]["n"] if full else "-"]
    for v in (med(L, "floor"), med(L, "full1"), med(L, "full2"), med(L, "full", theirs)):
        cells.append("%.5f" % v if v is not None else "-")
    cells += ["%.6f" % med(L, "fast"), "%.6f" % med(L, "fast", theirs), ours[-1][L]["fast_evals"]]
    if full:
        cells.append("%.2fx" % med_ratio(L, lambda i: o(i, L, "full1"), lambda i: o(i, L, "floor")))
        cells.append("%.1fx" % med_ratio(L, lambda i: t(i, L, "full"), lambda i: o(i, L, "full1")))
    else:
        cells += ["-", "-"]
    cells.append("%.1fx" % med_ratio(L, lambda i: t(i, L, "fast"), lambda i: o(i, L, "fast")))
    print("%-13s %6s %10s %10s %10s %10s %10s %10s %6s %11s %11s %14s" % tuple(cells))
imp = statistics.median(imports)
print(f"torch import (not in the times above): median {imp:.3f} s wall over {rounds} rounds")
print("floor = 2n x one forward (n = elements checked); torch = torch.autograd.gradcheck(fast_mode=False/True), "
      "float64, torch.set_num_threads(1); evals = --fast evaluations (k = 4 directions per tensor)")


def row(work, tdiag, peer, peer_s, floor, p_over, t_over, goal, met):
    def s(v, fmt="%.6g"):
        return "-" if v is None else fmt % v
    return "\t".join(["gradcheck", work, s(tdiag), peer, s(peer_s), s(floor), s(p_over, "%.2f"),
                      s(t_over, "%.2f"), goal, met]) + "\n"


TORCH, TORCH_FAST = "torch.autograd.gradcheck", "torch.autograd.gradcheck(fast_mode)"
out = []
r = med_ratio("dense", lambda i: t(i, "dense", "full"), lambda i: o(i, "dense", "full1"))
fl = med_ratio("dense", lambda i: o(i, "dense", "full1"), lambda i: o(i, "dense", "floor"))
out.append(row("full dense 8x64->64", med("dense", "full1"), TORCH, med("dense", "full", theirs),
               med("dense", "floor"), r, fl, ">=20x peer", "yes" if r >= 20 else "no"))
fl = med_ratio("layernorm", lambda i: o(i, "layernorm", "full1"), lambda i: o(i, "layernorm", "floor"))
out.append(row("full layernorm (vs floor)", med("layernorm", "full1"), "-", None, med("layernorm", "floor"),
               None, fl, "<=1.25x floor", "yes" if fl <= 1.25 else "no"))
r = med_ratio("conv2d", lambda i: t(i, "conv2d", "fast"), lambda i: o(i, "conv2d", "fast"))
out.append(row("--fast conv2d", med("conv2d", "fast"), TORCH_FAST, med("conv2d", "fast", theirs), None, r, None,
               ">=5x peer", "yes" if r >= 5 else "no"))
L = "dense_32x256"
r = med_ratio(L, lambda i: t(i, L, "fast"), lambda i: o(i, L, "fast"))
ev = int(ours[-1][L]["fast_evals"])
out.append(row("--fast dense 32x256->256 evaluations", med(L, "fast"), TORCH_FAST, med(L, "fast", theirs), None, r,
               None, ">=5x peer, no fallback (%d evals)" % ev, "yes" if r >= 5 and ev <= 2 * 4 * 3 + 4 else "no"))
for L in ("conv2d", "softmax_ce"):  # the other full checks, no goal
    r = med_ratio(L, lambda i: t(i, L, "full"), lambda i: o(i, L, "full1"))
    fl = med_ratio(L, lambda i: o(i, L, "full1"), lambda i: o(i, L, "floor"))
    out.append(row("full %s" % L, med(L, "full1"), TORCH, med(L, "full", theirs), med(L, "floor"), r, fl, "-", "-"))
out.append(row("torch import (peer start-up)", None, "import torch", imp, None, None, None, "-", "-"))
with open(rows_path, "a") as f:
    f.writelines(out)
