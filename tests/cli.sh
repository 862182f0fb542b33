#!/usr/bin/env bash
# tests/cli.sh — the command-line manners every tool shares (diag/td_cli.c):
# -h is --help, one wording for an unknown option ("did you mean" when close),
# "option 'X' needs a value", '-' reads standard input (HDF5 through a
# temporary copy that is removed afterwards), options anywhere on the line.
. "$(dirname "$0")/lib.sh"
B=$TD_BIN
S=samples
tools="gradcheck sanitycheck dumpcheck curvecheck diagreport studycheck"

for t in $tools; do
    run "$B/$t" --help; cp "$TMP/out" "$TMP/help"
    expect_exit 0 "$t -h" "$B/$t" -h
    if cmp -s "$TMP/out" "$TMP/help" && [ -s "$TMP/out" ]; then ok "$t -h prints what --help prints"
    else not_ok "$t -h differs from --help"; fi
    expect_exit 2 "$t --jsn" "$B/$t" --jsn x
    expect_err_line "^$t: unknown option '--jsn' \(did you mean --json\?; see --help\)$" "$t: unknown option, did you mean --json"
    expect_exit 2 "$t --zzzzzz" "$B/$t" --zzzzzz x
    expect_err_line "^$t: unknown option '--zzzzzz' \(see --help\)$" "$t: unknown option, nothing close"
done
expect_exit 2 "dumpcheck --bins at the end" "$B/dumpcheck" x.h5 --bins
expect_err_line "^dumpcheck: option '--bins' needs a value \(see --help\)$" "dumpcheck: needs a value"
expect_exit 2 "curvecheck --classes at the end" "$B/curvecheck" x --classes
expect_err_line "^curvecheck: option '--classes' needs a value \(see --help\)$" "curvecheck: needs a value"
expect_exit 2 "gradcheck --seed at the end" "$B/gradcheck" dense --seed
expect_err_line "^gradcheck: option '--seed' needs a value \(see --help\)$" "gradcheck: needs a value"
expect_exit 2 "diagreport --out at the end" "$B/diagreport" x --out
expect_err_line "^diagreport: option '--out' needs a value \(see --help\)$" "diagreport: needs a value"
expect_exit 2 "sanitycheck --clases" "$B/sanitycheck" init --loss softmax --clases 10 --value 2.3
expect_err_line "did you mean --classes\?" "sanitycheck: did you mean --classes"

# ---- options anywhere ----------------------------------------------------------
run "$B/sanitycheck" init --loss softmax --classes 10 --value 2.3 --json; cp "$TMP/out" "$TMP/late"
expect_exit 0 "sanitycheck --json before the mode" "$B/sanitycheck" --json init --loss softmax --classes 10 --value 2.3
if cmp -s "$TMP/out" "$TMP/late"; then ok "sanitycheck: --json before the mode = after it"; else not_ok "sanitycheck --json before the mode differs"; fi
expect_exit 1 "dumpcheck FILE --json" "$B/dumpcheck" "$S/dumps/cnn_dead.h5" --json
expect_json "dumpcheck FILE --json: JSON"
expect_exit 1 "curvecheck FILE --json" "$B/curvecheck" "$S/curves/overfitting.keras.csv" --json
expect_json "curvecheck FILE --json: JSON"
expect_exit 0 "diagreport INPUT --out DIR" "$B/diagreport" "$S/curves/real_spiral.keras.csv" --no-render --out "$TMP/r0"

# ---- '-' is standard input; HDF5 via a temporary copy, removed after ---------------
mkdir -p "$TMP/spool"
run "$B/dumpcheck" "$S/dumps/cnn_dead.h5"; sed "s|$S/dumps/cnn_dead.h5|<stdin>|" "$TMP/out" >"$TMP/want"
TMPDIR="$TMP/spool" run "$B/dumpcheck" - <"$S/dumps/cnn_dead.h5"
if [ "$RC" -eq 1 ] && cmp -s "$TMP/out" "$TMP/want"; then ok "dumpcheck - < FILE: the same report, named <stdin>"
else not_ok "dumpcheck - < FILE: exit $RC: $(diff "$TMP/want" "$TMP/out" | head -c 300)"; fi
cat "$S/dumps/cnn_dead.h5" | TMPDIR="$TMP/spool" "$B/dumpcheck" --json - >"$TMP/out" 2>"$TMP/err"
if grep -q '"<stdin>"' "$TMP/out" && ! grep -q 'tdiag-stdin' "$TMP/out"; then ok "dumpcheck --json - from a pipe names <stdin>"
else not_ok "dumpcheck --json - from a pipe: $(head -c 200 "$TMP/err")"; fi
TMPDIR="$TMP/spool" expect_exit 3 "dumpcheck - with text on stdin" "$B/dumpcheck" - <"$S/curves/healthy.keras.csv"
expect_err_line "^dumpcheck: <stdin>: " "dumpcheck: the error names <stdin>, not the temporary copy"
TMPDIR="$TMP/spool" expect_exit 3 "dumpcheck - with nothing on stdin" "$B/dumpcheck" - </dev/null
expect_err_line "^dumpcheck: <stdin>: empty input$" "dumpcheck: empty stdin named"
expect_exit 2 "dumpcheck - -" "$B/dumpcheck" - - </dev/null
expect_err_line "standard input \('-'\) given twice" "dumpcheck: stdin twice is a usage error"
TMPDIR="$TMP/spool" expect_exit 1 "diagreport - (an HDF5 dump) with a log" "$B/diagreport" --no-render --out "$TMP/r1" - "$S/curves/real_overfit.keras.csv" <"$S/dumps/cnn_dead.h5"
expect_out '^warning: stdin: 2: activations all zero' "diagreport -: the dump's findings"
TMPDIR="$TMP/spool" expect_exit 1 "diagreport - (a log)" "$B/diagreport" --no-render --out "$TMP/r2" - <"$S/curves/real_overfit.keras.csv"
expect_out '^warning: <stdin> val_loss: overfitting' "diagreport -: the log's finding names <stdin>"
if ! grep -rq 'tdiag-stdin' "$TMP/r1" "$TMP/r2"; then ok "diagreport -: no temporary name in the report folders"
else not_ok "diagreport -: a temporary name leaked into the report"; fi
TMPDIR="$TMP/spool" expect_exit 0 "sanitycheck data -" "$B/sanitycheck" data - <"$S/data/tiny.h5"
expect_out '^sanitycheck data: <stdin> ' "sanitycheck data -: named <stdin>"
TMPDIR="$TMP/spool" expect_exit 1 "sanitycheck overfit -" "$B/sanitycheck" overfit - <"$S/data/overfit_stuck.csv"
TMPDIR="$TMP/spool" expect_exit 0 "sanitycheck model --data -" "$B/sanitycheck" model "$TD_BUILD/samples/models/mlp.so" --data - <"$S/data/tiny.h5"
printf 'epoch,loss\n0,2.31\n1,1.9\n' >"$TMP/log.csv"
TMPDIR="$TMP/spool" expect_exit 0 "sanitycheck init --log -" "$B/sanitycheck" init --loss softmax --classes 10 --log - <"$TMP/log.csv"
TMPDIR="$TMP/spool" expect_exit 3 "gradcheck --at - (no dataset fits)" "$B/gradcheck" dense:in=2,out=3 --at - <"$S/dumps/mlp_healthy.h5"
expect_err_line "<stdin>: no dataset named like a tensor" "gradcheck --at -: read, and the message names <stdin>"
expect_exit 1 "curvecheck -" "$B/curvecheck" - <"$S/curves/overfitting.keras.csv"
expect_exit 1 "studycheck -" "$B/studycheck" - <"$S/studies/boundary.csv"
if [ -z "$(ls -A "$TMP/spool")" ]; then ok "every temporary copy of stdin was removed"
else not_ok "temporary copies left behind: $(ls -A "$TMP/spool" | tr '\n' ' ')"; fi
finish
