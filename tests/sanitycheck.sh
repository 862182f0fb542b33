#!/usr/bin/env bash
# tests/sanitycheck.sh — exit codes, verdicts and messages of sanitycheck
# on the samples (samples/models built into $TD_BUILD, samples/data).
. "$(dirname "$0")/lib.sh"
S="$TD_BIN/sanitycheck"
M="${TD_BUILD:-build}/samples/models"
D=samples/data

expect_exit 0 "--help" "$S" --help
expect_out "max\(0.02\*chance" "--help shows the real tolerance rule"
expect_out "default 300" "--help shows the real step budget"
expect_exit 0 "--version" "$S" --version
expect_out "^sanitycheck [0-9]" "--version names the tool"
expect_exit 2 "no mode" "$S"

# mode 1: numbers
expect_exit 0 "softmax C=10 at 2.41 is at chance" "$S" init --loss softmax --classes 10 --value 2.41
expect_out "chance +PASS .*chance 2.303 \(ln C\)" "chance is ln 10"
expect_exit 0 "svm C=10 at 9 is at chance" "$S" init --loss svm --classes 10 --value 9.05 --batch 64
expect_exit 0 "bce at ln 2" "$S" init --loss bce --value 0.69 --batch 128
expect_exit 0 "mse at mean y^2" "$S" init --loss mse --mean-y2 4 --value 4.05 --batch 256
expect_exit 1 "a summed loss" "$S" init --loss softmax --classes 10 --value 147.4 --batch 64
expect_out "likely cause: loss summed over the batch" "summed named"
expect_exit 1 "too large" "$S" init --loss softmax --classes 10 --value 9.7 --batch 64
expect_out "likely cause: init scale too large" "init scale named"
expect_exit 1 "per-example losses far from chance" "$S" init --loss softmax --classes 3 --value 3.1,2.9,3.0,3.2
expect_exit 1 "--json on a finding" "$S" init --loss softmax --classes 10 --value 147.4 --batch 64 --json
expect_json "--json is valid JSON"
expect_out '"status": "FAIL"' "--json has the verdict"
expect_exit 2 "unknown loss kind" "$S" init --loss softmaxx --classes 10 --value 2.3
expect_err_line "^sanitycheck: --loss: unknown loss kind 'softmaxx'" "one line naming the loss"
expect_exit 2 "C < 2" "$S" init --loss softmax --classes 1 --value 2.3
expect_err_line "^sanitycheck: --classes: 1 classes" "one line naming C"
expect_exit 2 "value not a number" "$S" init --loss softmax --classes 10 --value 2.3x
expect_err_line "^sanitycheck: --value: '2.3x' is not a number" "one line naming the value"
expect_exit 2 "nan is not a value" "$S" init --loss softmax --classes 10 --value nan
expect_exit 2 "--batch with per-example values" "$S" init --loss softmax --classes 3 --value 1.1,1.0 --batch 64
expect_err_line "^sanitycheck: --batch: several values are per-example losses" "one line: the count is the batch"
expect_exit 2 "--classes missing" "$S" init --loss svm --value 9
expect_exit 2 "mse without --mean-y2" "$S" init --loss mse --value 1
expect_exit 2 "unknown option" "$S" init --loss bce --value 0.7 --frobnicate 1
[ ! -s "$TMP/out" ] && ok "no partial output on a usage error" || not_ok "stdout written on a usage error"

# mode 1 from a log: the real torch run starts at ~ln 3 before its first step
expect_exit 0 "first loss of a log" "$S" init --loss softmax --classes 3 --log $D/overfit_ok.csv
expect_out "first 'loss' of" "names the metric"
expect_exit 3 "a log that does not exist" "$S" init --loss softmax --classes 3 --log $D/none.csv
expect_err_line "none.csv" "one line naming the log"

# mode 4: data
expect_exit 0 "tiny.h5 passes" "$S" data $D/tiny.h5
expect_out "balance +PASS +class counts 40/40/40" "balanced counts"
expect_exit 1 "messy.h5 fails" "$S" data $D/messy.h5
for c in labels balance normalized duplicates; do expect_out "^  $c +FAIL" "messy: $c fails"; done
expect_out "6 examples repeat an earlier one .* 2 with a different label" "messy: planted duplicates counted"
expect_exit 1 "binary.h5 is imbalanced" "$S" data $D/binary.h5
expect_out "positive/negative 15/45" "binary: positive/negative ratio"
expect_exit 0 "binary.h5 with a laxer ratio" "$S" data $D/binary.h5 --max-ratio 3
expect_exit 3 "labels not integers" "$S" data $D/nonint.h5
expect_err_line "^sanitycheck: samples/data/nonint.h5: y: label 0.5 at index 3 is not an integer" "one line naming file, dataset, index"
expect_exit 3 "no such file" "$S" data $D/none.h5
expect_err_line "none.h5" "one line naming the file"
expect_exit 3 "no such dataset" "$S" data $D/tiny.h5 --y labels
expect_err_line "labels" "one line naming the dataset"
expect_exit 0 "--json data" "$S" data $D/tiny.h5 --json
expect_json "data --json is valid JSON"
REAL=../shared/realdata/h5/dlai_test_catvnoncat_arrays.h5
if [ -r "$REAL" ]; then
    expect_exit 1 "real cat/non-cat test set" "$S" data "$REAL"
    expect_out "positive/negative 33/17" "real: 33 cats, 17 non-cats"
    expect_out "normalized +FAIL" "real: raw pixels are not normalized"
else
    skip realdata "../shared/realdata absent: the real logs and HDF5 files beside the checkout"
fi

# mode 2: model plugins
expect_exit 0 "correct mlp passes" "$S" model $M/mlp.so --data $D/tiny.h5
for c in chance regularization overfit batch-mean; do expect_out "^  $c +PASS" "mlp: $c passes"; done
expect_exit 1 "init scale far too large" "$S" model $M/mlp_biginit.so --data $D/tiny.h5
expect_out "^  chance +FAIL" "biginit: chance fails"
expect_out "init scale too large" "biginit: cause"
expect_exit 1 "a bug that blocks learning" "$S" model $M/mlp_nolearn.so --data $D/tiny.h5
expect_out "overfit +FAIL +cannot overfit 20 examples" "nolearn: cannot overfit 20 examples"
expect_exit 1 "regularization with the wrong sign" "$S" model $M/mlp_regsign.so --data $D/tiny.h5
expect_out "regularization +FAIL" "regsign: regularization fails"
expect_out "wrong sign" "regsign: cause"
expect_exit 1 "loss summed" "$S" model $M/mlp_sum.so --data $D/tiny.h5 --json
expect_json "model --json is valid JSON"
expect_out '"name": "batch-mean",' "sum: batch-mean row"
expect_exit 3 "a crashing plugin" "$S" model $M/mlp_crash.so --data $D/tiny.h5
expect_err_line "crashed with SIGSEGV .* in forward" "one line: signal and call"
[ ! -s "$TMP/out" ] && ok "no partial report after a crash" || not_ok "stdout written after a crash"
expect_exit 3 "a hanging plugin" "$S" model $M/mlp_hang.so --data $D/tiny.h5 --timeout 1
expect_err_line "hung in backward: no answer after 1 s \(killed\)" "one line: hung, which call"
expect_exit 3 "not a plugin" "$S" model $D/tiny.h5 --data $D/tiny.h5
expect_err_line "not a loadable plugin" "one line: not loadable"
expect_exit 2 "a bad model key" "$S" model $M/mlp.so --data $D/tiny.h5 hidden=lots
expect_err_line "hidden" "one line naming the key"
expect_exit 2 "model without --data" "$S" model $M/mlp.so
expect_exit 3 "labels not integers for a model" "$S" model $M/mlp.so --data $D/nonint.h5
expect_err_line "^sanitycheck: samples/data/nonint.h5: y: label 0.5 at index 3 is not an integer" "one line naming the data file"
expect_exit 3 "a label outside the model's classes" "$S" model $M/mlp.so --data $D/messy.h5
expect_err_line "^sanitycheck: samples/data/messy.h5: y: label -1 at index 7 is outside the model's \[0, 3\)" "one line naming file, dataset, index"
expect_exit 2 "bad --steps" "$S" model $M/mlp.so --data $D/tiny.h5 --steps 0

# mode 3: tiny-subset logs (real torch runs)
expect_exit 0 "overfit_ok.csv reaches ~0" "$S" overfit $D/overfit_ok.csv
expect_out "overfit +PASS .*reached" "ok: reached"
expect_exit 1 "overfit_stuck.csv never moves" "$S" overfit $D/overfit_stuck.csv
expect_out "overfit +FAIL .*never reached" "stuck: never reached"
expect_exit 2 "unknown mode" "$S" frobnicate
finish
