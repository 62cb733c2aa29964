#!/usr/bin/env bash
# GPU check of the PyTorch trainer against lmlab, on a machine with Python, PyTorch (CUDA) and one
# or more NVIDIA GPUs; no Node.js, no network. Input: a folder made by prepare-gpu-check.sh on a
# machine with lmlab. Runs, each through torchrun with NCCL on one GPU:
#   ddp-float32, fsdp-float32, ddp-bf16, fsdp-bf16   the prepared run from lmlab's initial weights
#                                                    and rows; loss parity against lmlab's losses
#   ddp-bf16-large, fsdp-bf16-large                  a 16-layer × 1024 model (random init) on the
#                                                    same rows, 30 steps: throughput only
# and prints a JSON summary and a markdown table (also written to PREPARED/gpu-check/summary.*).
# Usage: bash PREPARED/scale-torch/gpu-check.sh PREPARED      (about 3 minutes)
set -uo pipefail
IN=$(cd "${1:?usage: gpu-check.sh PREPARED_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
OUT="$IN/gpu-check"
rm -rf "$OUT" && mkdir -p "$OUT"
$PY -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "NO GPU")' | tee "$OUT/env.txt"
$PY -c 'import numpy, torch; assert torch.cuda.is_available(), "no CUDA device visible to PyTorch"' || { echo "gpu-check needs numpy and a CUDA PyTorch" >&2; exit 1; }
PORT=29611
run() { # name, timeout seconds, trainer arguments...
  local name=$1 limit=$2; shift 2
  PORT=$((PORT + 1))
  echo "== $name" >&2
  timeout "$limit" $PY -m torch.distributed.run --nproc_per_node 1 --master_port "$PORT" "$HERE/train.py" \
    --config "$IN/config.json" --run-dir "$OUT/$name" --stage-data "0=$IN/mds-0" --stage-data "1=$IN/mds-1" \
    --device cuda --tokenizer "$IN/tokenizer.json" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  [ $rc -eq 0 ] || { echo "$name failed (exit $rc), last lines of $OUT/$name.log:" >&2; tail -n 5 "$OUT/$name.log" >&2; }
}
run ddp-float32 90 --init "$IN/init" --dtype float32
run fsdp-float32 90 --init "$IN/init" --dtype float32 --fsdp
run ddp-bf16 90 --init "$IN/init" --dtype bf16
run fsdp-bf16 90 --init "$IN/init" --dtype bf16 --fsdp
LARGE=(--no-checkpoint --set model.dim=1024 model.layers=16 model.heads=16 model.kvHeads=4 model.ffnHidden=2816 rows=16 steps=30 optimizer.lr=3e-4)
run ddp-bf16-large 120 --dtype bf16 "${LARGE[@]}"
run fsdp-bf16-large 120 --dtype bf16 --fsdp "${LARGE[@]}"
cd "$HERE" && $PY -m lmlab_torch.compare "$IN/reference.json" \
  ddp-float32="$OUT/ddp-float32" fsdp-float32="$OUT/fsdp-float32" ddp-bf16="$OUT/ddp-bf16" fsdp-bf16="$OUT/fsdp-bf16" \
  ddp-bf16-large@"$OUT/ddp-bf16-large" fsdp-bf16-large@"$OUT/fsdp-bf16-large" | tee "$OUT/summary.txt"
