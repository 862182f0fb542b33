#!/usr/bin/python3
"""bench_torch.py — one round of torch's side of the gradcheck benchmark:
torch.autograd.gradcheck (float64, one thread, eps 1e-5) on the benchmark
layers, full and fast mode, in CPU seconds of this process (torch runs one
thread), each the mean of as many checks as fill 50 ms after one warm-up
check (so both sides are timed in process, warm).
Prints "import <seconds>" (the wall time of `import torch`, reported
apart), then one tab-separated line per layer: layer full_seconds
fast_seconds ("-": not timed; full mode on dense 32x256->256 would take
minutes). Needs Debian's python3-torch (run with /usr/bin/python3)."""
import sys
import time

t0 = time.perf_counter()
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("bench_torch: python3-torch is not installed", file=sys.stderr)
    sys.exit(3)
print(f"import\t{time.perf_counter() - t0:.6f}", flush=True)

torch.set_num_threads(1)
torch.manual_seed(1)


def t(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


labels = torch.randint(0, 10, (16,))
CASES = [  # name, function, inputs, time full mode
    ("dense", lambda x, w, b: x @ w + b, (t(8, 64), t(64, 64), t(64)), True),
    ("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1), (t(2, 3, 8, 8), t(8, 3, 3, 3), t(8)), True),
    ("layernorm", lambda x, g, b: F.layer_norm(x, (64,), g, b, eps=1e-5), (t(8, 64), t(64), t(64)), True),
    ("softmax_ce", lambda x: F.cross_entropy(x, labels), (t(16, 10),), True),
    ("dense_32x256", lambda x, w, b: x @ w + b, (t(32, 256), t(256, 256), t(256)), False),
]


def mean_check(fn, inputs, fast):
    def once():
        assert torch.autograd.gradcheck(fn, inputs, eps=1e-5, atol=1e-5, rtol=1e-3, fast_mode=fast)
    once()
    reps, t0 = 0, time.process_time()  # CPU seconds: one thread, not disturbed by other jobs
    while True:
        once()
        reps += 1
        dt = time.process_time() - t0
        if dt >= 0.05:
            return dt / reps


for name, fn, inputs, full in CASES:
    f = f"{mean_check(fn, inputs, False):.6f}" if full else "-"
    print(f"{name}\t{f}\t{mean_check(fn, inputs, True):.6f}", flush=True)
