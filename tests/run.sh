#!/usr/bin/env bash
# tests/run.sh — run CMocka test binaries and shell tests, print each one's
# result and a closing "N passed, N failed" line; exit 1 if any failed.
# Usage: tests/run.sh BIN_OR_SCRIPT...   (TD_BUILD names the build folder)
set -u
export TD_BUILD="${TD_BUILD:-build}"
export TD_BIN="$TD_BUILD/bin"
passed=0 failed=0 failed_names=()
logdir="$TD_BUILD/test-logs"
mkdir -p "$logdir"
for t in "$@"; do
    name=$(basename "$t")
    log="$logdir/$name.log"
    if [[ "$t" == *.sh ]]; then
        bash "$t" >"$log" 2>&1; rc=$?
        p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
    else
        "$t" >"$log" 2>&1; rc=$?
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
        p=${p:-0}; f=${f:-0}
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash counts as a failure
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        printf 'FAIL %-28s %4d passed %3d failed  (log: %s)\n' "$name" "$p" "$f" "$log"
        grep -E '^(not ok|\[  FAILED  \]|\[  ERROR   \])|ERROR|Sanitizer|runtime error' "$log" | head -n 20 | sed 's/^/     /'
    else
        printf 'ok   %-28s %4d passed\n' "$name" "$p"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
