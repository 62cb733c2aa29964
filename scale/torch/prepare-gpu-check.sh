#!/usr/bin/env bash
# Prepares, on a machine with Node.js and this checkout, everything gpu-check.sh needs on a GPU
# machine that has only Python and PyTorch (no Node, no network):
#   OUTDIR/config.json      lmlab training config (two MeCo stages: metadata 90%, cooldown)
#   OUTDIR/init/            lmlab's initial weights (Hugging Face folder, tokenizer.json)
#   OUTDIR/mds-0, mds-1/    the rows lmlab's trainer consumes in each stage, in its order (MDS)
#   OUTDIR/reference.json   lmlab's loss at every step of the same run, and its tokens/s here
#   OUTDIR/scale-torch/     a copy of the PyTorch trainer
# Usage: scale/torch/prepare-gpu-check.sh OUTDIR [STEPS]   (about 15 MB; a few minutes on 2 cores)
# Not here: running anything on the GPU (gpu-check.sh does).
set -euo pipefail
OUT=${1:?usage: prepare-gpu-check.sh OUTDIR [STEPS]}
STEPS=${2:-50}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
L="node $ROOT/bin/lmlab.js"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lmlab-gpu-prep.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "corpus, tokenizer, MeCo datasets in $WORK" >&2
$L meco corpus --out "$WORK/corpus" --limit 1500 --max-chars 2000 >&2
$L tokenizer train "$WORK/corpus/train.jsonl" -v 2048 -o "$OUT/tokenizer.json" -q
$L meco prepare "$WORK/corpus" --tokenizer "$OUT/tokenizer.json" --out "$WORK/data" >&2
MODEL='{"vocabSize":2048,"dim":256,"layers":4,"heads":4,"kvHeads":2,"ffnHidden":512,"maxSeqLen":1024,"tieEmbeddings":true}'
$L meco config --data "$WORK/data" --model "$MODEL" --steps "$STEPS" --rows 8 --seq-len 256 --seed 1 --out "$WORK/config.json"
# this machine's config: no held-out evaluation or checkpoints during the reference run
node -e '
const fs = require("fs");
const [src, local, shipped] = process.argv.slice(1);
const c = JSON.parse(fs.readFileSync(src, "utf8"));
delete c.eval; c.evalEvery = 0; c.checkpointEvery = 0;
fs.writeFileSync(local, JSON.stringify(c, null, 1));
delete c.tokenizer;
c.stages = c.stages.map((s, i) => ({ ...s, data: `mds-${i}` }));
fs.writeFileSync(shipped, JSON.stringify(c, null, 1));
' "$WORK/config.json" "$WORK/config-local.json" "$OUT/config.json"

echo "initial weights and lmlab's reference losses ($STEPS steps)" >&2
$L train "$WORK/config-local.json" --run "$WORK/init" --init-only >&2
rm -rf "$OUT/init" && mkdir -p "$OUT/init"
cp "$WORK/init/checkpoints/step-000000/"{config.json,model.safetensors} "$OUT/init/"
cp "$OUT/tokenizer.json" "$OUT/init/tokenizer.json"
$L train "$WORK/config-local.json" --run "$WORK/ref" >&2
node -e '
const fs = require("fs");
const [metrics, out, steps] = process.argv.slice(1);
const rows = fs.readFileSync(metrics, "utf8").split("\n").filter(Boolean).map(JSON.parse).filter((r) => "loss" in r);
const rates = rows.slice(1).map((r) => r.tokensPerSecond);
fs.writeFileSync(out, JSON.stringify({ engine: "lmlab (CPU)", steps: Number(steps), losses: rows.map((r) => r.loss),
  tokensPerSecond: rates[rates.length - 1], note: "lmlab losses at steps 1..N from the same initial weights and rows" }, null, 1));
' "$WORK/ref/metrics.jsonl" "$OUT/reference.json" "$STEPS"

echo "MDS rows of each stage in the trainer's order" >&2
rm -rf "$OUT/mds-0" "$OUT/mds-1"
$L meco export-mds 0 --train-config "$WORK/config-local.json" --out "$OUT/mds-0" >&2
$L meco export-mds 1 --train-config "$WORK/config-local.json" --out "$OUT/mds-1" >&2

rm -rf "$OUT/scale-torch" && mkdir -p "$OUT/scale-torch"
cp -r "$ROOT/scale/torch/lmlab_torch" "$ROOT/scale/torch/train.py" "$ROOT/scale/torch/score.py" "$ROOT/scale/torch/gpu-check.sh" "$OUT/scale-torch/"
find "$OUT/scale-torch" -name __pycache__ -prune -exec rm -rf {} +
du -sh "$OUT" >&2
echo "prepared $OUT; on the GPU machine: bash $(basename "$OUT")/scale-torch/gpu-check.sh $(basename "$OUT")" >&2
