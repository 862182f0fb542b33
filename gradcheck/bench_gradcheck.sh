#!/usr/bin/env bash
# bench_gradcheck.sh BUILD — gradcheck against torch.autograd.gradcheck
# (float64, one thread, same eps) and against its floor (2n forwards).
# Paired, interleaved rounds (GC_BENCH_ROUNDS, default 5): each round runs
# bench_gc and bench_torch.py once, their order alternating, both timing
# in process; bench_gc_rows.py takes the medians (ratios: median of the
# rounds' ratios), prints the table and appends the rows of `make bench`'s
# table to BUILD/bench/rows.tsv. torch's import time is reported apart.
set -eu
B="${1:-build}"
ROUNDS="${GC_BENCH_ROUNDS:-5}"
D="$B/bench/gradcheck"
rm -rf "$D" && mkdir -p "$D"
for r in $(seq 1 "$ROUNDS"); do
    ours() { "$B/bench/bench_gc" > "$D/ours.$r"; }
    theirs() { /usr/bin/python3 gradcheck/bench_torch.py > "$D/torch.$r" || { echo "bench: torch part failed" >&2; exit 1; }; }
    if [ $((r % 2)) -eq 1 ]; then ours; theirs; else theirs; ours; fi
done
/usr/bin/python3 gradcheck/bench_gc_rows.py "$D" "$ROUNDS" "$B/bench/rows.tsv"
