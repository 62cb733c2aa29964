// Quantized accuracy on a trained model: a small model is trained here (byte-level, on the
// repository's problem statements), exported to GGUF, quantized by `weights quantize`'s code
// path, loaded back through the GGUF loader, and its perplexity on held-out text compared with
// the float model's: Q8_0 within 0.5%, Q4_K_M within 5%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLlamaGguf } from '../../src/io/gguf-llama.ts';
import { quantizeModel } from '../../src/io/quantize.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel, TrainingWorkspace, type TrainingBatch } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { scoreTokens } from '../../src/model/score.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticVocabulary } from '../../bench/llama-cpp/models.ts';

const config = parseLlamaConfig({
  vocabSize: 512,
  dim: 256,
  layers: 1,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 512,
  maxSeqLen: 64,
});
const ROWS = 8;
const T = 64;
const STEPS = Number(process.env.LMLAB_QUANT_ACCURACY_STEPS ?? 100);

function corpus(): Uint8Array {
  const root = 'problems';
  const parts = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => readFileSync(join(root, name, 'statement.md')));
  return new Uint8Array(Buffer.concat(parts));
}

function perplexity(model: LlamaModel, ids: Int32Array): number {
  let nll = 0;
  let n = 0;
  for (let at = 0; at + T <= ids.length; at += T) {
    const r = scoreTokens(model, ids.subarray(at, at + T), 1, 64);
    nll += r.nll;
    n += r.tokens.length;
  }
  return Math.exp(nll / n);
}

test('perplexity of a trained model: Q8_0 within 0.5% of F32, Q4_K_M within 5%', { timeout: 300_000 }, async () => {
  const bytes = corpus();
  const split = Math.floor(bytes.length * 0.9);
  const train = Int32Array.from(bytes.subarray(0, split));
  const heldOut = Int32Array.from(bytes.subarray(split, split + 8 * T));
  assert.equal(heldOut.length, 8 * T);

  const model = LlamaModel.initialised(config, 7);
  const before = perplexity(model, heldOut);
  const ws = new TrainingWorkspace(config, ROWS, T);
  const grads = model.params.like();
  const opt = new AdamW(model.params, {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clip: 1,
    decayEmbeddings: false,
  });
  const rng = new Rng(3);
  const tokens = new Int32Array(ROWS * T);
  const targets = new Int32Array(ROWS * T);
  const positions = Int32Array.from({ length: ROWS * T }, (_, i) => i % T);
  const batch: TrainingBatch = { tokens, targets, positions, segments: null };
  for (let step = 0; step < STEPS; step++) {
    for (let r = 0; r < ROWS; r++) {
      const at = rng.int(train.length - T - 1);
      tokens.set(train.subarray(at, at + T), r * T);
      targets.set(train.subarray(at + 1, at + T + 1), r * T);
    }
    grads.flat.fill(0);
    model.forwardBackward(ws, batch, grads, 1 / (ROWS * T));
    const lr = 3e-3 * Math.min(1, (step + 1) / 10) * (0.1 + 0.9 * (1 - step / STEPS));
    opt.update(grads, lr);
  }
  const f32 = perplexity(model, heldOut);
  // genuinely trained: far below the untrained model and below a unigram byte model of English
  assert.ok(f32 < before / 20 && f32 < 12, `perplexity ${before.toFixed(1)} before training, ${f32.toFixed(2)} after`);

  const dir = mkdtempSync(join(tmpdir(), 'lmlab-quant-accuracy-'));
  try {
    const source = join(dir, 'f32.gguf');
    exportLlamaGguf(source, config, toNamedTensors(model.params), syntheticVocabulary(config.vocabSize));
    const fromFile = perplexity((await loadModelDir(source)).model, heldOut);
    assert.ok(Math.abs(fromFile / f32 - 1) < 1e-4, `F32 GGUF ${fromFile} vs in memory ${f32}`);
    const result: Record<string, number> = {};
    for (const [preset, bound] of [
      ['q8_0', 0.005],
      ['q4_k_m', 0.05],
    ] as const) {
      const path = join(dir, `${preset}.gguf`);
      quantizeModel(source, path, preset);
      const ppl = perplexity((await loadModelDir(path)).model, heldOut);
      result[preset] = ppl;
      const change = ppl / f32 - 1;
      assert.ok(Math.abs(change) < bound, `${preset}: perplexity ${ppl.toFixed(3)} vs F32 ${f32.toFixed(3)}`);
      assert.ok(ppl !== f32, `${preset} changed nothing`);
    }
    console.log(
      `held-out perplexity: untrained ${before.toFixed(1)}, F32 ${f32.toFixed(3)}, ` +
        `Q8_0 ${result.q8_0.toFixed(3)} (${(100 * (result.q8_0 / f32 - 1)).toFixed(3)}%), ` +
        `Q4_K_M ${result.q4_k_m.toFixed(3)} (${(100 * (result.q4_k_m / f32 - 1)).toFixed(2)}%)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
