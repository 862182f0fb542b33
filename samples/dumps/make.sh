#!/usr/bin/env bash
# samples/dumps/make.sh — regenerate the committed sample dumps: real (tiny)
# PyTorch training runs written by samples/dump_torch.py (CPU, seconds).
#   mlp_healthy.h5  MLP 20-32-32-3, SGD lr 0.02: no finding expected
#   cnn_dead.h5     CNN conv-conv-linear whose second conv's bias is -50, so its
#                   ReLU never fires: a dead layer, and nothing before it moves
#   hf_mlp/         the healthy MLP as a Hugging Face Trainer-style sequence:
#                   checkpoint-40/ and checkpoint-80/ with model.safetensors and
#                   trainer_state.json (per-step update/weight ratios)
# Steps 0,1,40,41 are dumped (pairs give exact update/weight ratios);
# activations of 4 samples only, to keep the files small.
set -eu
cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
"$PY" ../dump_torch.py --model mlp --fault none --steps 42 --every 40 --act-batch 4 --out mlp_healthy.h5
"$PY" ../dump_torch.py --model cnn --fault dead --steps 42 --every 40 --act-batch 4 --out cnn_dead.h5
rm -rf hf_mlp
"$PY" ../dump_torch.py --format safetensors --model mlp --fault none --steps 80 --every 40 --out hf_mlp
