#!/usr/bin/env bash
# tests/benchrows.sh — make bench's collector (tests/bench_rows.sh): a row's
# ratios and its goal judged from its seconds, the one aligned table, a
# malformed row named, a failing command refused by `median`.
. "$(dirname "$0")/lib.sh"
BR="bash tests/bench_rows.sh"
F=$TMP/bench/rows.tsv

$BR start "$F" && [ -f "$F" ] && [ ! -s "$F" ] && ok "start makes an empty rows file" || not_ok "start"
$BR add "$F" dump "dumpcheck 2 GiB" 2.04 h5py 6.8 0.6 "<=1.3x floor; >=9x peer"
$BR add "$F" all "start-up gradcheck --version" 0.00095 - - 0.0007 "<=1 ms"
$BR add "$F" curves "curvecheck 1M CSV" 0.05 pandas 0.56 0.01 ">=10x peer"
$BR add "$F" plots "diagreport" 1.5 gnuplot 20 0.04 -
$BR add "$F" dump "safetensors" 1.2 - - 1.0 "<=64 MiB peak" yes
$BR add "$F" study "unjudgeable" 1 pandas 2 - "<=1.3x floor"
row() { sed -n "${1}p" "$F"; }
[ "$(row 1)" = $'dump\tdumpcheck 2 GiB\t2.04\th5py\t6.8\t0.6\t3.33\t3.40\t<=1.3x floor; >=9x peer\tno' ] \
    && ok "ratios computed; a goal of two terms with one failing is not met" || not_ok "row 1: $(row 1)"
[ "$(row 2 | cut -f7,8,10)" = $'-\t1.36\tyes' ] && ok "'<=1 ms' judged on the seconds; no peer, no peer ratio" || not_ok "row 2: $(row 2)"
[ "$(row 3 | cut -f7,10)" = $'11.20\tyes' ] && ok "'>=10x peer' met at 11.2x" || not_ok "row 3: $(row 3)"
[ "$(row 4 | cut -f9,10)" = $'-\t-' ] && ok "no goal, not judged" || not_ok "row 4: $(row 4)"
[ "$(row 5 | cut -f10)" = yes ] && ok "an explicit met is kept" || not_ok "row 5: $(row 5)"
[ "$(row 6 | cut -f10)" = - ] && ok "a floor goal without a floor is not judged" || not_ok "row 6: $(row 6)"
if $BR add "$F" x "a"$'\t'"b" 1 - - - - 2>/dev/null; then not_ok "a field with a tab was accepted"
else ok "a field with a tab is refused"; fi

expect_exit 0 "table" $BR table "$F"
expect_out "^area +work +tdiag s +peer +peer s +floor s +peer/tdiag +tdiag/floor +goal +met$" "the header names the ten columns"
expect_out "^dump +dumpcheck 2 GiB +2.04 +h5py +6.8 +0.6 +3.33x +3.40x +<=1.3x floor; >=9x peer +no$" "a row, ratios marked x"
expect_out "^6 rows; goals met 3, not met 1, not judged 2;" "the closing line counts the goals"
# every row's third column ends where the header's "tdiag s" ends
ends=$(awk 'NR == 1 { e = index($0, "tdiag s") + 6 } NR > 2 && /^[a-z]+ / { print substr($0, e, 1) != " " && substr($0, e + 1, 1) == " " }' "$TMP/out" | sort -u)
[ "$ends" = 1 ] && ok "the seconds are right-aligned under their header" || not_ok "column not aligned: $(head -c 600 "$TMP/out")"
printf 'a\tb\n' >>"$F"
run $BR table "$F"
expect_out "^bench: row 7 of .* has 2 columns, want 10" "a malformed row is named after the table"
expect_out "^6 rows;" "the well-formed rows still print"

run $BR median 3 true
if [ "$RC" -eq 0 ] && grep -Eq '^[0-9.e-]+$' "$TMP/out"; then ok "median prints one number of seconds"
else not_ok "median true: exit $RC: $(cat "$TMP/out" "$TMP/err")"; fi
run $BR median 3 sh -c 'exit 1'
[ "$RC" -eq 0 ] && ok "exit 1 (a finding) is a run that counts" || not_ok "median with exit 1: exit $RC"
run $BR median 3 sh -c 'exit 3'
[ "$RC" -ne 0 ] && grep -q "failed (exit 3)" "$TMP/err" && ok "a failing command fails median, naming the exit" \
    || not_ok "median with exit 3: exit $RC: $(cat "$TMP/err")"
printf '0.05\n' >"$TMP/s1"
run $BR median 3 sh -c 's=$(cat '"$TMP"'/s1); case $s in 0.05) echo 0.30 >'"$TMP"'/s1;; 0.30) echo 0.10 >'"$TMP"'/s1;; esac; sleep $s'
awk -v m="$(cat "$TMP/out")" 'BEGIN { exit !(m >= 0.09 && m < 0.25) }' && ok "median of 0.05, 0.30, 0.10 s is about 0.10 s ($(cat "$TMP/out"))" \
    || not_ok "median of 0.05, 0.30, 0.10 s: $(cat "$TMP/out")"
finish
