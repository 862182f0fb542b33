#!/usr/bin/python3
"""bench_sanity.py SANITYCHECK MODEL_DIR [ROWS] — sanitycheck's model checks against
a PyTorch peer doing the same training work, in one run (`make bench`).

The work: the overfit sweep of `sanitycheck model` on the sample MLP whose
backward ignores the label (mlp_nolearn.so: no configuration succeeds, so
all 9 optimizer/step-size runs go to the 300-step budget, plus the zeroed-
input control = 3000 full-batch steps on 20 examples of samples/data/tiny.h5)
plus the chance, regularization and batch-mean forwards. The peer: the same
8-16-3 ReLU MLP in torch (float64, one thread), 3000 steps of forward,
backward and an optimizer step on the same 20 examples. Median of 5
wall-clock runs each (sanitycheck's time includes its process start, the
HDF5 read and the fork of the isolated child; torch's excludes its import,
timed apart). With ROWS, the row of `make bench`'s table is appended to it
(tests/bench_rows.sh)."""
import statistics
import subprocess
import sys
import time

t_import = time.perf_counter()
import h5py  # noqa: E402
import torch  # noqa: E402
t_import = time.perf_counter() - t_import

sc, mdir = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)


def median(f, n=5):
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return statistics.median(t)


def ours():
    r = subprocess.run([sc, "model", f"{mdir}/mlp_nolearn.so", "--data", "samples/data/tiny.h5"],
                       stdout=subprocess.DEVNULL)
    assert r.returncode == 1, "mlp_nolearn must fail its overfit check"


with h5py.File("samples/data/tiny.h5", "r") as f:
    x = torch.tensor(f["x"][:20], dtype=torch.float64)
    y = torch.tensor(f["y"][:20], dtype=torch.long)


def peer():
    for cfg in range(10):
        torch.manual_seed(cfg)
        m = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).double()
        opt = torch.optim.Adam(m.parameters(), lr=1e-2) if cfg < 3 else torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(300):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(m(x), y)
            loss.backward()
            opt.step()


t_ours, t_peer = median(ours), median(peer)
print("== sanitycheck model: overfit sweep (3000 steps on 20 examples) + the other checks")
print(f"{'sanitycheck_s':>14} {'torch_s':>10} {'torch/ours':>11}")
print(f"{t_ours:14.4f} {t_peer:10.4f} {t_peer / t_ours:10.1f}x")
print(f"wall clock, median of 5; torch: same MLP, float64, 1 thread, 3000 steps of forward/backward/step"
      f" (+ {t_import:.2f} s importing torch and h5py, not counted)")
if len(sys.argv) > 3:
    subprocess.run(["bash", "tests/bench_rows.sh", "add", sys.argv[3], "sanity",
                    "sanitycheck model: overfit sweep 3000 steps + checks", "%.6f" % t_ours,
                    "torch (+%.2f s import)" % t_import, "%.6f" % t_peer, "-", "-"], check=True)
