#!/usr/bin/env bash
# tests/dumpcheck.sh — dumpcheck's exit codes, messages and verdicts: usage,
# bad inputs, the committed sample dumps, real PyTorch runs (skipped without
# torch) and the real Keras files of ../shared/realdata (skipped without them).
. "$(dirname "$0")/lib.sh"
DC="$TD_BIN/dumpcheck"
S=samples/dumps

# ---- usage -------------------------------------------------------------------
expect_exit 2 "no file is a usage error" "$DC"
expect_err_line '^dumpcheck: no input file' "no file: one line"
expect_exit 2 "unknown option" "$DC" --frobnicate "$S/mlp_healthy.h5"
expect_err_line "^dumpcheck: unknown option '--frobnicate'" "unknown option: one line naming it"
expect_exit 2 "malformed number" "$DC" --ratio-hi 1e-2x "$S/mlp_healthy.h5"
expect_err_line '--ratio-hi' "malformed number: one line naming the option"
expect_exit 2 "ratio band upside down" "$DC" --ratio-lo 1 --ratio-hi 0.5 "$S/mlp_healthy.h5"
expect_exit 0 "--help" "$DC" --help
expect_out 'default 0\.01\)' "--help shows the real --ratio-hi default"
expect_exit 0 "--version" "$DC" --version
expect_out '^dumpcheck [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"

# ---- bad inputs: exit 3, one line naming the file ------------------------------
expect_exit 3 "missing file" "$DC" "$TMP/nope.h5"
expect_err_line "nope\.h5: cannot open: No such file or directory" "missing file: one line with the OS reason"
printf 'epoch,loss\n1,0.5\n' >"$TMP/log.csv"
expect_exit 3 "a CSV is not HDF5" "$DC" "$TMP/log.csv"
expect_err_line "log\.csv: cannot open as HDF5" "not HDF5: one line"
head -c 20000 "$S/mlp_healthy.h5" >"$TMP/trunc.h5"
expect_exit 3 "truncated dump" "$DC" "$TMP/trunc.h5"
expect_err_line "trunc\.h5" "truncated dump: one line naming the file"
expect_no_out '.' "truncated dump: no partial report on stdout"

# ---- committed samples (real tiny PyTorch runs, samples/dumps/make.sh) ---------
expect_exit 0 "healthy MLP dump: no finding" "$DC" "$S/mlp_healthy.h5"
expect_out '^verdict: no finding' "healthy MLP: verdict line"
expect_out 'layout tdiag, 60 tensors, 3 layers, 4 steps \(0\.\.41\)' "healthy MLP: layout, tensors and steps"
expect_exit 1 "CNN with a dead layer: a finding" "$DC" "$S/cnn_dead.h5"
expect_out '^finding: 2: activations all zero' "dead CNN: the dead layer is named"
expect_out '^finding: 0/weight: identical across all' "dead CNN: the layer before it never moved"
expect_exit 1 "--json of a finding" "$DC" --json "$S/cnn_dead.h5"
expect_json "--json is valid JSON"
expect_out '"flag":"zero_activations"' "--json names the flag"
PY=$(command -v /usr/bin/python3 || command -v python3)
if "$PY" - "$TMP/out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["layout"] == "tdiag" and d["steps"] == [0, 1, 40, 41]
assert [l["name"] for l in d["layers"]] == ["0", "2", "5"]
t = [t for t in d["tensors"] if t["kind"] == "activation" and t["step"] == 41 and t["layer"] == 1][0]
assert t["zero_frac"] == 1.0 and t["dead_units"] == t["units"] == 8
assert sum(t["hist"]["counts"]) == t["count"]
EOF
then ok "--json: steps, layers, dead units, histogram counts add up"; else not_ok "--json content"; fi

# ---- histograms and moments against numpy on 200k float32 values (fast path) ----
if "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    "$PY" - "$TMP/normal.h5" <<'EOF'
import sys, h5py, numpy as np
a = (np.random.default_rng(0).standard_normal(200000) * 0.05 + 0.01).astype(np.float32)
a[::97] = 0
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("w", data=a.reshape(400, 500), chunks=(50, 500), compression="gzip")
EOF
    run "$DC" --json --bins 20 "$TMP/normal.h5"
    if "$PY" - "$TMP/out" "$TMP/normal.h5" <<'EOF'
import sys, json, h5py, numpy as np
t = json.load(open(sys.argv[1]))["tensors"][0]
a = h5py.File(sys.argv[2], "r")["w"][...].astype(np.float64).ravel()
h, _ = np.histogram(a, 20, range=(a.min(), a.max()))
assert t["count"] == a.size and t["min"] == a.min() and t["max"] == a.max()
assert abs(t["mean"] - a.mean()) < 1e-12 and abs(t["std"] - a.std()) < 1e-12 * a.std() + 1e-15
assert abs(t["zero_frac"] - (a == 0).mean()) < 1e-15
for ours, ref in zip(t["hist"]["counts"], h):
    assert abs(ours - ref) <= max(0.02 * ref, 15), (ours, ref)
assert sum(c for _, _, c in t["exp_hist"]) == a.size
EOF
    then ok "200k float32: moments exact, histogram within 2% of numpy's"; else not_ok "histogram/moments against numpy: $(head -c 300 "$TMP/out")"; fi
else
    skip numpy "python3-h5py or python3-numpy not importable; make test installs them as root"
fi

expect_exit 0 "--propagate on a dump without a model config" "$DC" --propagate "$S/mlp_healthy.h5"
expect_out '^note: .*--propagate: no Keras model_config in the file, nothing to propagate' "--propagate without a config: one note"

# ---- several files: one per step ---------------------------------------------------
expect_exit 0 "the same dump twice (one per rank) merges" "$DC" "$S/mlp_healthy.h5" "$S/mlp_healthy.h5"
expect_out 'layout tdiag, 60 tensors' "two ranks: tensors merged, not doubled"

# ---- checkpoint sequences: what lies between the files (Keras files by h5py) ----
expect_exit 2 "--steps-between 0 is a usage error" "$DC" --steps-between 0 "$S/mlp_healthy.h5"
expect_err_line '--steps-between' "--steps-between 0: one line naming the option"
if "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    mkdir -p "$TMP/seq"
    "$PY" - "$TMP/seq" <<'EOF2'
import sys, json, h5py, numpy as np
rng = np.random.default_rng(1)
k = rng.standard_normal((16, 8)).astype(np.float32) * np.float32(np.sqrt(2 / 16))
cfg = {"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {
    "name": "d", "units": 8, "activation": "relu", "batch_input_shape": [None, 16]}}]}}
for epoch in (1, 2, 3):  # a healthy run: every tensor moves 2-3 % per epoch
    with h5py.File("%s/weights.%02d.hdf5" % (sys.argv[1], epoch), "w") as f:
        f.attrs["keras_version"] = "2.3.1"
        f.attrs["model_config"] = json.dumps(cfg)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"d"]
        g.create_group("d").attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        g["d/d/kernel:0"] = k
        g["d/d/bias:0"] = np.full(8, 0.01 * epoch, np.float32)
    k = k + (rng.standard_normal(k.shape) * 0.025 * k.std()).astype(np.float32)
EOF2
    expect_exit 0 "per-epoch checkpoints, steps unknown: not judged per step" "$DC" "$TMP"/seq/weights.0*.hdf5
    expect_out 'steps between the checkpoints unknown \(epoch numbers' "steps unknown: said so"
    expect_out 'per checkpoint and not judged against ~1e-3 per step; --steps-between N would judge them' "steps unknown: one line naming the option"
    expect_no_out 'update/weight ratio per step' "steps unknown: no learning-rate finding"
    expect_exit 0 "--steps-between 500: per-step ratios, healthy" "$DC" --steps-between 500 --json "$TMP"/seq/weights.0*.hdf5
    if "$PY" - "$TMP/out" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["steps"] == [0, 500, 1000] and d["steps_known"] and d["step_source"] == "--steps-between"
r = [r for r in d["ratios"] if r["param"] == "kernel"]
assert r and all(x["method"] == "diff" and 1e-5 < x["ratio"] < 1e-3 for x in r), r
EOF2
    then ok "--steps-between: ratios per step (2.5 %/500), method diff"; else not_ok "--steps-between JSON: $(head -c 300 "$TMP/out")"; fi
    for k in 1 2 3; do mkdir -p "$TMP/seq/checkpoint-$((k * 250))"; cp "$TMP/seq/weights.0$k.hdf5" "$TMP/seq/checkpoint-$((k * 250))/model.h5"; done
    expect_exit 0 "checkpoint-N folders: steps from the names" "$DC" "$TMP"/seq/checkpoint-*/model.h5
    expect_out 'checkpoint steps from steps in the file names: update/weight ratios are per step' "checkpoint-N: per step, stated"
    expect_out '3 steps \(250\.\.750\)' "checkpoint-N: steps 250..750 whatever the glob order"
else
    echo "# skipped: the checkpoint sequence needs python3-h5py and python3-numpy"
fi

# ---- safetensors: bad headers are exit 3 with one line; a Trainer-style sequence ----
st() { printf "$(printf '\\%03o' $(($2 & 255)) 0 0 0 0 0 0 0)%s" "$3" >"$TMP/$1.safetensors"; }
st past 200 '{}'
expect_exit 3 "safetensors: header length past the file" "$DC" "$TMP/past.safetensors"
expect_err_line 'past\.safetensors: safetensors header length 200 runs past the end of the file' "length past the file: one line"
h='{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}'
st dtype ${#h} "$h"
expect_exit 3 "safetensors: unknown dtype" "$DC" "$TMP/dtype.safetensors"
expect_err_line "dtype\.safetensors: tensor 'w': unknown dtype 'Q7'" "unknown dtype: one line naming the tensor"
st json 7 '{"w":[} '
expect_exit 3 "safetensors: header not JSON" "$DC" "$TMP/json.safetensors"
expect_no_out '.' "bad header: no partial report"
expect_exit 0 "committed Trainer-style sample (real torch run): healthy" "$DC" "$S/hf_mlp"
expect_out 'layout safetensors, 12 tensors, 3 layers, 2 steps \(40\.\.80\)' "hf_mlp: steps from trainer_state.json"
expect_out '^note: .*checkpoint-40/model\.safetensors: checkpoint steps from trainer_state\.json global_step' "hf_mlp: checkpoint-40 first (natural order)"
expect_exit 0 "a checkpoint-N folder alone" "$DC" "$S/hf_mlp/checkpoint-80"
expect_out 'layout safetensors, 6 tensors, 3 layers' "one checkpoint folder: read"
if "$PY" -c 'import numpy' 2>/dev/null; then
    "$PY" samples/dump_safetensors.py --out "$TMP/hf" --steps 300 --every 100 --shards 2 --dtype BF16
    expect_exit 0 "safetensors checkpoint-* sequence (sharded, bf16): healthy" "$DC" "$TMP/hf"
    expect_out 'layout safetensors, 18 tensors, 3 layers, 3 steps \(100\.\.300\)' "safetensors: layers grouped by name, steps from trainer_state.json"
    expect_out 'checkpoint steps from trainer_state.json global_step: update/weight ratios are per step' "safetensors: per-step ratios, stated"
    expect_out '^2 +model\.layers\.0\.mlp\.up_proj +- +\(64,64\)' "safetensors: a Hugging Face layer name and its weight"
else
    echo "# skipped: the safetensors sample needs python3-numpy"
fi

# ---- real PyTorch runs with planted faults (skipped without torch/h5py) --------
if "$PY" -c 'import torch, h5py' 2>/dev/null; then
    for run in "mlp none 0" "mlp lr 1" "cnn none 0" "cnn dead 1"; do
        set -- $run
        "$PY" samples/dump_torch.py --model "$1" --fault "$2" --out "$TMP/$1_$2.h5" 2>/dev/null
        expect_exit "$3" "torch $1 fault=$2" "$DC" "$TMP/$1_$2.h5"
    done
    "$DC" "$TMP/mlp_lr.h5" >"$TMP/out"
    expect_out 'update/weight ratio .* far above ~1e-3' "lr far too high: found by the update/weight ratio"
    "$DC" "$TMP/cnn_dead.h5" >"$TMP/out"
    expect_out '^finding: 2: activations all zero' "dead layer: found"
    for f in "none 0" "lr 1"; do
        set -- $f
        "$PY" samples/dump_torch.py --format safetensors --fault "$1" --steps 120 --every 40 --shards 2 --out "$TMP/hf_$1" 2>/dev/null
        expect_exit "$2" "torch safetensors sequence fault=$1" "$DC" "$TMP/hf_$1"
    done
    expect_out 'update/weight ratio per step .* far above ~1e-3' "safetensors, lr far too high: found per step"
else
    skip torch "python3-torch not installed; a bench package: make bench or apt-get install python3-torch installs it"
fi

# ---- real Keras files (../shared/realdata, read in place, never copied) --------
R=../shared/realdata/h5
if [ -d "$R" ]; then
    expect_exit 0 "Keras 2.10 CNN with Adam state" "$DC" "$R/aitzaz_tomato_leaf_cnn_model.h5"
    expect_out 'layout keras2, 48 tensors, 8 layers, optimizer adam, lr 0.001, 4599 iterations' "Keras 2.10: optimizer state read"
    expect_out '^7 +dense_5 +softmax +\(64,10\)' "Keras 2.10: last layer and its kernel"
    expect_exit 0 "Keras 2.3 model" "$DC" "$R/autotrainer_oscillating_loss_case_model.h5"
    expect_out 'dense_1 +relu +\(2,50\)' "Keras 2.3: inner group via weight_names"
    expect_exit 0 "Keras 3 legacy .h5" "$DC" "$R/deepender25_mnist_digit_classifier_model.h5"
    expect_out 'layout keras3-legacy, 38 tensors, 13 layers' "Keras 3 legacy: extra sequential level"
    expect_exit 0 "Keras 3 .weights.h5" "$DC" "$R/deepender25_mnist_keras3_save_weights.weights.h5"
    expect_out 'conv2d +- +\(3,3,1,32\)' "Keras 3 weights: vars/0 is the kernel"
    expect_exit 0 "arrays file" "$DC" "$R/dlai_test_catvnoncat_arrays.h5"
    expect_out 'note: .*list_classes: not numbers, skipped' "arrays file: strings noted, not a crash"
    # signal propagation: the expert's reading of three model files, the healthy ones quiet
    expect_exit 1 "sigmoid stack: propagation finds the gradient vanishing" "$DC" "$R/autotrainer_gradient_vanish_case_model.h5"
    expect_out '^finding: signal propagation .*dense_1 .*the gradient vanishes by the first layer' "sigmoid stack: vanishes by the first layer"
    expect_exit 1 "34 ReLU layers, Glorot: activations collapse" "$DC" "$R/autotrainer_motivation_dyingrelu_mnist_relu_layer34.h5"
    expect_out '^finding: signal propagation .*activations collapse with depth' "34 ReLU layers: collapse with depth"
    expect_exit 1 "kernels at 0.03 x He: the signal dies" "$DC" "$R/deepdiagnosis_mnist_normal_best_model_with_optimizer.h5"
    expect_out 'the signal dies' "0.03 x He: the signal dies"
    expect_out '^finding: 17 of 17 kernels have a std far below every standard init scale' "0.03 x He: far below, worded as such"
    for f in aitzaz_tomato_leaf_cnn_model.h5 deepdiagnosis_mnist_normal_model_al_22.h5 autotrainer_oscillating_loss_case_model.h5 \
             deepender25_mnist_digit_classifier_model.h5 deepfd_31556268_xor_model.h5 deepfd_59282996_model.h5; do
        expect_exit 0 "healthy $f: propagation quiet" "$DC" "$R/$f"
        expect_out '^verdict: no finding' "healthy $f: no finding"
    done
    expect_out 'signal propagation stopped after masking_1: bidirectional_1: a Bidirectional layer is not propagated' "LSTM: stops with a note"
    expect_exit 0 "--no-propagate" "$DC" --no-propagate "$R/autotrainer_gradient_vanish_case_model.h5"
    expect_no_out '^propagation' "--no-propagate: no propagation table"
else
    skip realdata "../shared/realdata absent: the real logs and HDF5 files beside the checkout"
fi
# ---- --report DIR: a diagreport folder next to the usual output ----
expect_report "dumpcheck dead layer" 1 "$DC" "$S/cnn_dead.h5"
expect_report "dumpcheck healthy" 0 "$DC" "$S/mlp_healthy.h5"
finish
