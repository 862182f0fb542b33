#!/usr/bin/python3
"""bench_torch.py — time torch.autograd.gradcheck (float64, one thread,
eps 1e-5) on the benchmark layers, full and fast mode, best of 3, in
CPU seconds of this process (torch runs one thread).
Prints one tab-separated line per layer: layer full_seconds fast_seconds.
Needs Debian's python3-torch (run with /usr/bin/python3)."""
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("bench_torch: python3-torch is not installed", file=sys.stderr)
    sys.exit(3)

torch.set_num_threads(1)
torch.manual_seed(1)


def t(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


labels = torch.randint(0, 10, (16,))
CASES = [
    ("dense", lambda x, w, b: x @ w + b, (t(8, 64), t(64, 64), t(64))),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1), (t(2, 3, 8, 8), t(8, 3, 3, 3), t(8))),
    ("layernorm", lambda x, g, b: F.layer_norm(x, (64,), g, b, eps=1e-5), (t(8, 64), t(64), t(64))),
    ("softmax_ce", lambda x: F.cross_entropy(x, labels), (t(16, 10),)),
]


def best(fn, inputs, fast):
    times = []
    for _ in range(3):
        t0 = time.process_time()  # CPU seconds: one thread, not disturbed by other jobs
        ok = torch.autograd.gradcheck(fn, inputs, eps=1e-5, atol=1e-5, rtol=1e-3, fast_mode=fast)
        times.append(time.process_time() - t0)
        assert ok
    return min(times)


for name, fn, inputs in CASES:
    print(f"{name}\t{best(fn, inputs, False):.6f}\t{best(fn, inputs, True):.6f}", flush=True)
