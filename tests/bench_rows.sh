#!/usr/bin/env bash
# tests/bench_rows.sh — the rows of `make bench`'s one table.
#
# Every bench recipe appends tab-separated rows to $(BUILD)/bench/rows.tsv:
#   area work tdiag_s peer peer_s floor_s peer_over_tdiag tdiag_over_floor goal met
# ("-" where a column does not apply; seconds are medians of >= 3 runs).
# A recipe may write them itself or through `add`; `make bench` and `make
# bench-scale` run `start` first and `table` last.
#
#   bench_rows.sh start FILE
#       empty FILE (creating its folder).
#   bench_rows.sh add FILE AREA WORK TDIAG_S PEER PEER_S FLOOR_S GOAL [MET]
#       append a row; the two ratios are computed from the seconds ("-" when
#       a side is "-"); MET (yes/no/-) defaults to GOAL judged on the row:
#       GOAL is terms joined by "; ", each ">=Nx peer" (peer_s / tdiag_s >= N),
#       "<=Nx floor" (tdiag_s / floor_s <= N) or "<=N s" / "<=N ms" (tdiag_s);
#       met is "no" if a term fails, "yes" if all hold, "-" otherwise.
#   bench_rows.sh median RUNS CMD...
#       run CMD RUNS times (output discarded; exit 0 or 1 is success, a
#       finding), print the median wall-clock seconds; exit 1 if a run failed.
#   bench_rows.sh table FILE
#       print every row of FILE as one aligned table, then how many goals
#       were met and the machine's load; a row without 10 columns is named
#       (after the table, which still prints).
set -u

die() { echo "bench_rows.sh: $*" >&2; exit 2; }

# the median of the numbers on standard input, one a line
median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.6g\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
start)
    [ $# -eq 1 ] || die "usage: start FILE"
    mkdir -p "$(dirname "$1")" && : >"$1"
    ;;
add)
    [ $# -eq 8 ] || [ $# -eq 9 ] || die "usage: add FILE AREA WORK TDIAG_S PEER PEER_S FLOOR_S GOAL [MET]"
    file=$1; shift
    for a in "$@"; do case "$a" in *$'\t'* | *$'\n'*) die "a field holds a tab or a newline: '$a'" ;; esac; done
    awk -v area="$1" -v work="$2" -v t="$3" -v peer="$4" -v p="$5" -v f="$6" -v goal="$7" -v met="${8:-auto}" '
    function num(s) { return s ~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ }
    function sec(s) { return num(s) ? sprintf("%.4g", s) : "-" }
    # 1 held, 0 failed, -1 cannot be judged
    function judge(term,   m, n, unit, v) {
        if (match(term, /^(>=|<=) *[0-9.]+ *x +(peer|floor)$/)) {
            n = term; sub(/^(>=|<=) */, "", n); sub(/ *x.*$/, "", n)
            if (term ~ /peer$/) { if (!num(p) || !num(t) || t + 0 == 0) return -1; v = p / t }
            else { if (!num(f) || !num(t) || f + 0 == 0) return -1; v = t / f }
            return term ~ /^>=/ ? v >= n + 0 : v <= n + 0
        }
        if (match(term, /^<= *[0-9.]+ *(ms|s)$/)) {
            n = term; sub(/^<= */, "", n); unit = n; sub(/ *(ms|s)$/, "", n); sub(/^[0-9.]+ */, "", unit)
            if (!num(t)) return -1
            return t + 0 <= (unit == "ms" ? n / 1000 : n + 0)
        }
        return -1
    }
    BEGIN {
        pt = num(p) && num(t) && t + 0 > 0 ? sprintf("%.2f", p / t) : "-"
        tf = num(t) && num(f) && f + 0 > 0 ? sprintf("%.2f", t / f) : "-"
        if (met == "auto") {
            if (goal == "-" || goal == "") met = "-"
            else {
                k = split(goal, terms, / *; */); held = 0; failed = 0
                for (i = 1; i <= k; i++) { r = judge(terms[i]); if (r == 1) held++; else if (r == 0) failed++ }
                met = failed ? "no" : held == k ? "yes" : "-"
            }
        }
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", area, work, sec(t), peer, sec(p), sec(f), pt, tf, goal == "" ? "-" : goal, met
    }' >>"$file"
    ;;
median)
    [ $# -ge 2 ] || die "usage: median RUNS CMD..."
    runs=$1; shift
    for ((i = 0; i < runs; i++)); do
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1; rc=$?
        t1=$EPOCHREALTIME
        [ "$rc" -le 1 ] || { echo "bench_rows.sh: '$*' failed (exit $rc)" >&2; exit 1; }
        echo "$t0 $t1"
    done | awk '{ printf "%.6f\n", $2 - $1 }' | median_of
    [ "${PIPESTATUS[0]}" -eq 0 ]
    ;;
table)
    [ $# -eq 1 ] || die "usage: table FILE"
    [ -f "$1" ] || die "$1: no rows (did a bench run?)"
    awk -F '\t' -v file="$1" -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" -v cpus="$(nproc 2>/dev/null)" '
    function numeric(s) { return s ~ /^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?x?$/ }
    BEGIN {
        split("area|work|tdiag s|peer|peer s|floor s|peer/tdiag|tdiag/floor|goal|met", h, "|")
        for (c = 1; c <= 10; c++) { cell[0, c] = h[c]; w[c] = length(h[c]) }
    }
    NF == 0 { next }
    NF != 10 { bad[++nbad] = sprintf("row %d of %s has %d columns, want 10: %s", NR, file, NF, substr($0, 1, 120)); next }
    {
        n++
        for (c = 1; c <= 10; c++) {
            v = $c == "" ? "-" : $c
            if ((c == 7 || c == 8) && numeric(v)) v = v "x"
            cell[n, c] = v; if (length(v) > w[c]) w[c] = length(v)
        }
        if ($10 == "yes") yes++; else if ($10 == "no") no++
    }
    END {
        for (r = 0; r <= n; r++) {
            line = ""
            for (c = 1; c <= 10; c++) {
                v = cell[r, c]; right = c == 3 || c >= 5 && c <= 8 || r > 0 && numeric(v)
                line = line (c > 1 ? "  " : "") sprintf(right ? "%*s" : "%-*s", w[c], v)
            }
            sub(/ +$/, "", line); print line
            if (r == 0) { rule = ""; for (c = 1; c <= 10; c++) rule = rule (c > 1 ? "  " : "") sprintf("%*s", w[c], ""); gsub(/ /, "-", rule); print rule }
        }
        printf "%d rows; goals met %d, not met %d, not judged %d; seconds are medians (wall); load average %s on %s CPUs\n", \
            n, yes, no, n - yes - no, load, cpus
        for (i = 1; i <= nbad; i++) print "bench: " bad[i]
    }' "$1"
    ;;
*) die "usage: bench_rows.sh start|add|median|table ..." ;;
esac
