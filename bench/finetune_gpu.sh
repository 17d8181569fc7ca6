#!/usr/bin/env bash
# QLoRA throughput on a CUDA machine: synthmill's TRL path vs a plain transformers + peft loop.
#
#   bench/finetune_gpu.sh                        # 60 steps, batch 16, seq 128, 400 banking77 rows
#   STEPS=200 BATCH=32 SEQ=256 bench/finetune_gpu.sh --json runs/finetune_gpu.json
#
# Same config in both runs (4-bit NF4 + double quant, LoRA r16 on q/k/v/o, bf16 compute,
# gradient checkpointing); prints steps/s, tokens/s, loss and peak GPU memory side by side.
# Needs a venv with CUDA torch + bitsandbytes (PYTHON=... to pick it). Extra args go to the
# Python script (see `bench/finetune_gpu.py --help`); `DEVICE=cpu STEPS=2` checks it on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DEVICE=${DEVICE:-cuda}
if [ "$DEVICE" = cuda ]; then
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else "no CUDA device visible to torch")'
fi
export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
"$PY" -m generators.embedded_model --materialise >/dev/null
exec "$PY" bench/finetune_gpu.py --device "$DEVICE" --max-steps "${STEPS:-60}" \
  --batch-size "${BATCH:-16}" --seq-len "${SEQ:-128}" --records "${RECORDS:-400}" "$@"
