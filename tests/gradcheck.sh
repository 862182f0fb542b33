#!/usr/bin/env bash
# tests/gradcheck.sh — exit codes and messages of the gradcheck tool.
. "$(dirname "$0")/lib.sh"
G="$TD_BIN/gradcheck"
P="${TD_BUILD:-build}/samples/layers"

expect_exit 0 "--help" "$G" --help
expect_out "default 1e-05" "--help shows the real default step"
expect_exit 0 "--version" "$G" --version
expect_out "^gradcheck [0-9]" "--version names the tool"
expect_exit 0 "--list" "$G" --list
expect_out "^conv2d " "--list shows conv2d"
[ "$(wc -l <"$TMP/out")" -eq 17 ] && ok "--list has 17 layers" || not_ok "--list has $(wc -l <"$TMP/out") layers"

expect_exit 0 "--samples 5" "$G" --samples 5 dense
expect_out "^W +param +4x3 +5 " "--samples: 5 of W's 12 elements"
expect_out "^b +param +3 +3 " "--samples: a smaller tensor is checked whole"
expect_exit 0 "dense:in=64,out=32,batch=8 is correct" "$G" dense:in=64,out=32,batch=8
expect_out "^W +param +64x32 +2048 " "W row: shape and every element checked"
expect_out "^b +param +32 " "the bias is checked"
expect_out "^verdict: correct" "verdict line"
expect_exit 0 "key=value arguments after the layer" "$G" conv2d batch=1 c=2 h=6 w=6 oc=2 k=3 stride=2 pad=1
expect_exit 0 "--json" "$G" --json layernorm
expect_json "--json is valid JSON"
expect_out '"verdict": "correct"' "--json verdict"
expect_exit 0 "--fast" "$G" --fast dense in=32 out=16 batch=4
expect_out "4 dirs" "--fast reports directions"
expect_exit 0 "--h-sweep" "$G" --h-sweep tanh
expect_out "<- best, used" "--h-sweep marks the best h"
expect_exit 0 "--jacobian" "$G" --jacobian softmax
expect_exit 0 "relu with a kink-sized step is not wrong" "$G" --h 0.3 relu batch=4 n=16

# buggy samples: exit 1, the right tensor, the bug named where one fits
while read -r file tensor pattern; do
    expect_exit 1 "$file fails" "$G" "$P/$file.so"
    expect_out "^$tensor .* wrong${pattern:+: $pattern}" "$file: $tensor wrong${pattern:+ ($pattern)}"
done <<'CASES'
bug_sign_dw W sign flip
bug_missing_batch w constant factor 3
bug_transposed_dw W transposed indexing
bug_overwrite b overwrites instead of adding
bug_relu_output x
bug_dropout_mask x
bug_bias_axis b
bug_softmax_ce_label x
bug_unwritten_db b 1 entry never written
CASES
expect_exit 1 "nondeterministic plugin" "$G" "$P/bad_nondeterministic.so"
expect_out "not deterministic" "nondeterminism is named"
expect_exit 1 "plugin that writes its input" "$G" "$P/bad_modifies_input.so"
expect_out "modified its input x" "input modification is named"
expect_exit 0 "correct float32 plugin" "$G" "$P/f32_dense.so" in=16 out=8
expect_out "precision float32" "float32: the precision checked is named"
expect_out "h=0.01" "float32: default step raised to 1e-2"
expect_out "^verdict: correct within float32 rounding" "float32: verdict says why"
# float32 samples written like llm.c (td_f32, state cached from forward to
# backward): the correct ones pass in every mode over seeds 1-5 (the 1-100
# sweep is run by hand, see samples/layers/README.md), the error floor is
# stated, and each injected bug is caught on its tensor
while read -r file args; do
    for mode in "" --fast --h-sweep; do
        bad=""
        for s in 1 2 3 4 5; do
            # shellcheck disable=SC2086
            "$G" $mode --seed "$s" "$P/$file.so" $args >"$TMP/out" 2>"$TMP/err" || bad="$bad $s"
        done
        [ -z "$bad" ] && ok "$file $args ${mode:-default}: correct at seeds 1-5" \
            || not_ok "$file $args ${mode:-default}: exit non-zero at seeds$bad: $(head -c 300 "$TMP/out")"
    done
done <<'CASES'
f32_layernorm
f32_layernorm B=4 T=8 C=32
f32_matmul
f32_matmul T=4
f32_softmax_ce
f32_attention
f32_attention B=2 T=6 C=12 NH=3
CASES
expect_exit 0 "float32 layernorm" "$G" "$P/f32_layernorm.so"
expect_out "error floor [0-9.e+-]+" "float32: the error floor is in the header"
expect_out "FLT_EPSILON" "float32: the floor's recipe is stated"
while read -r file tensor pattern; do
    for mode in "" --fast; do
        expect_exit 1 "$file ${mode:-default} fails" "$G" $mode "$P/$file.so"
        expect_out "^$tensor .* wrong${pattern:+: $pattern}" "$file ${mode:-default}: $tensor wrong${pattern:+ ($pattern)}"
    done
done <<'CASES'
bug_f32_dbias_overwrite b overwrites instead of adding
bug_f32_ln_mean_term x
bug_f32_dweight_transposed weight transposed indexing
bug_f32_dinp_tail inp 16 entries never written
bug_f32_ce_label logits
bug_f32_ce_sign logits sign flip
bug_f32_attn_scale inp
CASES
# a bug in a few elements of a large tensor: --fast localises its disagreeing
# direction (bisection past 4096 elements) instead of passing a sample
for s in 1 2 3; do
    expect_exit 1 "bug_maxpool_argmax --fast seed $s fails" "$G" --fast --seed "$s" "$P/bug_maxpool_argmax.so" batch=16 n=2048
    expect_out "^x .* wrong" "bug_maxpool_argmax --fast seed $s: x wrong"
done
expect_exit 1 "bug_leaky_alpha fails" "$G" "$P/bug_leaky_alpha.so"
expect_out "^x .* wrong: zero on one branch" "leaky ReLU's forgotten alpha: zero on one branch"
expect_no_out "never written" "leaky ReLU's forgotten alpha: not 'never written'"
expect_exit 1 "the instance is in the header" "$G" "$P/bug_f32_dinp_tail.so" B=1 T=9
expect_out "^gradcheck bug_f32_dinp_tail \(B=1,T=9\): " "header names the instance's key=value pairs"
expect_out "^inp .* 72/8/[0-9]+ .*wrong: 8 entries never written" "per-tensor counts over the bands, the unwritten row named"
expect_exit 1 "--json of a failing float32 plugin" "$G" --json "$P/bug_f32_dinp_tail.so" B=1 T=9
if python3 - "$TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["instance"] == {"B": "1", "T": "9"}, d["instance"]
t = {r["name"]: r for r in d["tensors"]}["inp"]
assert t["failing"] >= 8 and len(t["failing_elements"]) >= 8, t["failing"]
assert all(f["index"][1] == 8 for f in t["failing_elements"] if f["analytic"] == 0)
assert t["over"]["1e-2"] >= 1 and t["scale"] > 0 and t["max_abs_error"] > 0
assert d["precision"] == "float32" and d["error_floor"] > 0
PY
then ok "--json: instance, failing elements of the unwritten row, bands, scale, floor"
else not_ok "--json lacks the instance, the failing elements or the band counts"; fi
expect_exit 0 "correct C++ plugin" "$G" "$P/cpp_dense.so" in=6 out=5 batch=2

# plugin and input errors: exit 3, one line
expect_exit 3 "crashing plugin" "$G" "$P/bad_crash_backward.so"
expect_err_line "crashed with SIGSEGV .* in backward" "crash: signal and call named"
[ ! -s "$TMP/out" ] && ok "crash: no partial output" || not_ok "crash left output"
expect_exit 3 "hanging plugin" "$G" --timeout 1 "$P/bad_hang_forward.so"
expect_err_line "hung in forward: no answer after 1 s" "hang: call named"
expect_exit 3 "ABI mismatch" "$G" "$P/bad_abi_v0.so"
expect_err_line "layer ABI version 0, gradcheck speaks 1" "ABI mismatch named"
echo "not a shared object" >"$TMP/fake.so"
expect_exit 3 "a file that is not a plugin" "$G" "$TMP/fake.so"
expect_err_line "fake.so: not a loadable plugin" "not a plugin named"
expect_exit 3 "missing plugin" "$G" "$TMP/missing.so"
expect_exit 3 "--at a missing file" "$G" --at "$TMP/none.h5" dense
expect_err_line "none.h5: cannot open: No such file or directory" "--at error names the file and the OS reason"

expect_exit 3 "a shape too large to check" "$G" dense in=100000 out=1000
expect_err_line "tensor W has 100000000 elements" "the oversized tensor is named"

# usage errors: exit 2, one line
expect_exit 2 "unknown layer" "$G" densee
expect_err_line "unknown layer" "unknown layer named"
expect_exit 2 "unknown key" "$G" dense depth=3
expect_err_line "unknown key 'depth' \(keys: in,out,batch,reg\)" "unknown key lists the keys"
expect_exit 2 "malformed number" "$G" dense in=4x
expect_err_line "in" "malformed number names the key"
expect_exit 2 "malformed key=value" "$G" dense in
expect_err_line "malformed key=value 'in'" "malformed key=value named"
expect_exit 2 "unknown option" "$G" --frobnicate dense
expect_exit 2 "bad --h" "$G" --h abc dense
expect_err_line "--h" "bad --h named"
expect_exit 2 "plugin with an unknown key" "$G" "$P/cpp_dense.so" depth=2
expect_err_line "unknown key 'depth'" "plugin key error passed on"
expect_exit 2 "no layer" "$G"
expect_exit 2 "--at-map with a name that is no tensor" "$G" dense --at /dev/null --at-map "Wx=/w"
expect_err_line "--at-map: 'Wx' is not NAME=DATASET" "--at-map typo named"

# a characteristic point from a real Keras file (only where ../shared/realdata exists)
R=../shared/realdata/h5/autotrainer_oscillating_loss_case_model.h5
if [ -f "$R" ]; then
    expect_exit 0 "--at real Keras dense_1 weights" "$G" dense in=2 out=50 batch=4 --at "$R" \
        --at-map "W=/model_weights/dense_1/dense_1/kernel:0,b=/model_weights/dense_1/dense_1/bias:0"
    expect_out "point from .*: W,b" "--at says which tensors came from the file"
    expect_exit 3 "--at real file, wrong shape" "$G" dense in=3 out=50 --at "$R" \
        --at-map "W=/model_weights/dense_1/dense_1/kernel:0"
    expect_err_line "kernel:0: 100 values, tensor W needs 150" "--at shape mismatch named"
    expect_exit 3 "--at mapped to a string dataset" "$G" dense --at ../shared/realdata/h5/dlai_test_catvnoncat_arrays.h5 \
        --at-map "x=/list_classes"
    expect_err_line "not a numeric dataset" "--at string dataset named"
else
    skip realdata "../shared/realdata absent: the real logs and HDF5 files beside the checkout"
fi
# ---- --report DIR: a diagreport folder next to the usual output ----
expect_report "gradcheck built-in" 0 "$G" dense:in=6,out=4,batch=2
expect_report "gradcheck plugin with a bug" 1 "$G" "$P/bug_sign_dw.so"
expect_report "gradcheck --json plugin" 1 "$G" --json "$P/bug_sign_dw.so"
finish
