#!/usr/bin/env bash
# bench_gradcheck.sh BUILD — gradcheck against torch.autograd.gradcheck
# (float64, one thread, same eps) and against its floor (2n forwards),
# on the issue's four layers. Prints a table of times and ratios.
set -eu
B="${1:-build}"
ours=$("$B/bench/bench_gc")
theirs=$(/usr/bin/python3 gradcheck/bench_torch.py) || { echo "bench: torch part failed" >&2; exit 1; }
printf '%-11s %6s %10s %10s %10s %10s %10s %9s %9s %9s %9s\n' layer n floor_s full1_s full2_s torch_s \
    fast_s torch_fast full1/floor torch/full1 torchfast/fast
join -t $'\t' <(sort <<<"$ours") <(sort <<<"$theirs") | while IFS=$'\t' read -r name n tf floor f1 f2 fast tfull tfast; do
    awk -v name="$name" -v n="$n" -v floor="$floor" -v f1="$f1" -v f2="$f2" -v fast="$fast" \
        -v tfull="$tfull" -v tfast="$tfast" 'BEGIN {
        printf "%-11s %6d %10.4f %10.4f %10.4f %10.4f %10.5f %10.4f %9.2fx %9.1fx %9.1fx\n",
            name, n, floor, f1, f2, tfull, fast, tfast, f1 / floor, tfull / f1, tfast / fast }'
done
echo "floor = 2n x one forward (n = elements checked); full1/full2 = gradcheck on 1/2 workers;"
echo "CPU seconds (full2: wall clock), best of 3"
echo "torch = torch.autograd.gradcheck(fast_mode=False/True), float64, torch.set_num_threads(1)"
