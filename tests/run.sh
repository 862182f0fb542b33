#!/usr/bin/env bash
# tests/run.sh — run CMocka test binaries and shell tests, print each one's
# result and a closing "N passed, N failed" line that also names every group
# of checks a test skipped ("# skipped: GROUP: WHY" in its log, lib.sh skip)
# and why; exit 1 if any failed.
# Usage: tests/run.sh BIN_OR_SCRIPT...   (TD_BUILD names the build folder)
set -u
export TD_BUILD="${TD_BUILD:-build}"
export TD_BIN="$TD_BUILD/bin"
passed=0 failed=0 failed_names=()
declare -A skip_why=() skip_where=()
skip_order=()
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
    while IFS= read -r line; do
        g=${line%%:*} why=${line#*: }
        if [ -z "${skip_why[$g]+set}" ]; then skip_order+=("$g"); skip_why[$g]=$why; skip_where[$g]=$name
        else case " ${skip_where[$g]} " in *" $name "*) ;; *) skip_where[$g]+=" $name" ;; esac; fi
    done < <(sed -n 's/^.*# skipped: \([A-Za-z0-9_-]*: .*\)$/\1/p' "$log")
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failed_names+=("$name")
        printf 'FAIL %-28s %4d passed %3d failed  (log: %s)\n' "$name" "$p" "$f" "$log"
        grep -E '^(not ok|\[  FAILED  \]|\[  ERROR   \])|ERROR|Sanitizer|runtime error' "$log" | head -n 20 | sed 's/^/     /'
    else
        printf 'ok   %-28s %4d passed\n' "$name" "$p"
    fi
done
summary="$passed passed, $failed failed"
if [ ${#skip_order[@]} -eq 0 ]; then summary+=", nothing skipped"
else
    summary+=", skipped:"; sep=" "
    for g in "${skip_order[@]}"; do summary+="$sep$g in ${skip_where[$g]// /, } (${skip_why[$g]})"; sep="; "; done
fi
echo "$summary"
[ "$failed" -eq 0 ]
