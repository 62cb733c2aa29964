// The hand-written backward pass of the model against finite differences, for every parameter
// tensor, on a tiny model with grouped-query heads, packed documents and a loss mask; plus the
// sublayer hooks and overfitting one batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel, TrainingWorkspace, type TrainingBatch } from '../../src/model/llama.ts';
import { ParameterSet } from '../../src/model/params.ts';
import { useKernels } from '../../src/engine/backend.ts';
import { native, reference } from '../engine/helpers.ts';
import { AdamW } from '../../src/train/optimizer.ts';

const tiny = parseLlamaConfig({
  vocabSize: 13,
  dim: 8,
  layers: 2,
  heads: 2,
  kvHeads: 1,
  ffnHidden: 12,
  maxSeqLen: 8,
  ropeTheta: 100,
});

function tinyBatch(): TrainingBatch {
  // row 0: documents of 3 and 2 tokens; row 1: one document of 5 tokens
  const tokens = Int32Array.from([1, 5, 7, 1, 9, 1, 2, 3, 4, 11]);
  const positions = Int32Array.from([0, 1, 2, 0, 1, 0, 1, 2, 3, 4]);
  const segments = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2, 2, 2]);
  // next token within the same document; -1 at document ends; one masked target (metadata-like)
  const targets = Int32Array.from([5, -1, -1, 9, -1, 2, 3, 4, 11, -1]);
  targets[1] = 7;
  const lossMask = Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
  return { tokens, positions, segments, targets, lossMask };
}

function randomModel(seed: number): LlamaModel {
  const params = new ParameterSet(tiny);
  const rng = new Rng(seed);
  for (let i = 0; i < params.flat.length; i++) params.flat[i] = rng.normal() * 0.5;
  return new LlamaModel(tiny, params);
}

for (const [name, kernels] of [
  ['reference', reference],
  ['native', native],
] as const) {
  test(`gradients match finite differences for every parameter tensor (${name} kernels)`, () => {
    useKernels(kernels);
    try {
      const model = randomModel(3);
      const ws = new TrainingWorkspace(tiny, 2, 5);
      const batch = tinyBatch();
      const grads = model.params.like();
      model.forwardBackward(ws, batch, grads, 1);
      const lossSum = () => model.forward(ws, batch).sum;
      const rng = new Rng(9);
      for (const spec of model.params.specs) {
        const p = model.params.get(spec.name).data;
        const g = grads.get(spec.name).data;
        const picks = p.length <= 16 ? [...p.keys()] : Array.from({ length: 16 }, () => rng.int(p.length));
        let errNorm = 0;
        let refNorm = 0;
        for (const i of picks) {
          const saved = p[i];
          const h = 1e-2;
          p[i] = saved + h;
          const plus = lossSum();
          p[i] = saved - h;
          const minus = lossSum();
          p[i] = saved;
          const numeric = (plus - minus) / (2 * h);
          errNorm += (numeric - g[i]) ** 2;
          refNorm += numeric ** 2;
        }
        const rel = Math.sqrt(errNorm) / Math.max(1e-3, Math.sqrt(refNorm));
        assert.ok(rel < 3e-2, `${spec.name}: relative gradient error ${rel.toExponential(2)}`);
      }
    } finally {
      useKernels(native);
    }
  });
}

test('native and reference kernels give the same loss and gradients', () => {
  const batch = tinyBatch();
  const results = [reference, native].map((k) => {
    useKernels(k);
    const model = randomModel(5);
    const ws = new TrainingWorkspace(tiny, 2, 5);
    const grads = model.params.like();
    const r = model.forwardBackward(ws, batch, grads, 0.1);
    return { loss: r.sum / r.count, grads: grads.flat };
  });
  useKernels(native);
  assert.ok(Math.abs(results[0].loss - results[1].loss) < 1e-4, `${results[0].loss} vs ${results[1].loss}`);
  for (let i = 0; i < results[0].grads.length; i++) {
    assert.ok(
      Math.abs(results[0].grads[i] - results[1].grads[i]) < 1e-4 + 1e-3 * Math.abs(results[0].grads[i]),
      `gradient ${i}`,
    );
  }
});

test('documents in a packed row do not see each other', () => {
  const model = randomModel(7);
  const ws = new TrainingWorkspace(tiny, 1, 5);
  const base: TrainingBatch = {
    tokens: Int32Array.from([1, 5, 7, 1, 9]),
    positions: Int32Array.from([0, 1, 2, 0, 1]),
    segments: Int32Array.from([0, 0, 0, 1, 1]),
    targets: Int32Array.from([5, 7, -1, 9, -1]),
  };
  model.forward(ws, base);
  const second = Float32Array.from(ws.logits.data.subarray(3 * tiny.vocabSize));
  // changing the first document must not change the second document's logits
  model.forward(ws, { ...base, tokens: Int32Array.from([2, 3, 4, 1, 9]) });
  assert.deepEqual(Float32Array.from(ws.logits.data.subarray(3 * tiny.vocabSize)), second);
  // and the second document alone, at positions 0.., gives the same logits
  const alone = new TrainingWorkspace(tiny, 1, 2);
  model.forward(alone, {
    tokens: Int32Array.from([1, 9]),
    positions: Int32Array.from([0, 1]),
    segments: null,
    targets: Int32Array.from([9, -1]),
  });
  const a = alone.logits.data;
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - second[i]) < 1e-5, `logit ${i}: ${a[i]} vs ${second[i]}`);
});

test('observers see every sublayer; skipping scales the residual', () => {
  const model = randomModel(11);
  const ws = new TrainingWorkspace(tiny, 2, 5);
  const seen: string[] = [];
  const dense = model.forward(ws, tinyBatch(), {
    observe: (l, kind, before, after) => seen.push(`${l}${kind}:${before.shape}:${after.shape}`),
  });
  assert.deepEqual(seen, ['0attn:10,8:10,8', '0ffn:10,8:10,8', '1attn:10,8:10,8', '1ffn:10,8:10,8']);
  const noHooks = model.forward(ws, tinyBatch());
  assert.equal(noHooks.sum, dense.sum, 'observing changes nothing');
  const captured: { before?: Float32Array; after?: Float32Array } = {};
  model.forward(ws, tinyBatch(), {
    skip: (l, kind) => (l === 1 && kind === 'ffn' ? 0.5 : null),
    observe: (l, kind, b, a) => {
      if (l === 1 && kind === 'ffn') {
        captured.before = Float32Array.from(b.data);
        captured.after = Float32Array.from(a.data);
      }
    },
  });
  const { before, after } = captured;
  assert.ok(before && after);
  for (let i = 0; i < after.length; i++) assert.ok(Math.abs(after[i] - 0.5 * before[i]) < 1e-6);
});

test('a tiny model overfits one batch to near-zero loss', () => {
  const config = parseLlamaConfig({
    vocabSize: 16,
    dim: 32,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffnHidden: 64,
    maxSeqLen: 16,
  });
  const model = LlamaModel.initialised(config, 1);
  const ws = new TrainingWorkspace(config, 2, 16);
  const rng = new Rng(4);
  const tokens = Int32Array.from({ length: 32 }, () => rng.int(16));
  const targets = new Int32Array(32);
  for (let i = 0; i < 32; i++) targets[i] = i % 16 === 15 ? -1 : tokens[i + 1];
  const positions = Int32Array.from({ length: 32 }, (_, i) => i % 16);
  const batch: TrainingBatch = { tokens, targets, positions, segments: null };
  const grads = model.params.like();
  const opt = new AdamW(model.params, {
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    clip: 1,
    decayEmbeddings: false,
  });
  let loss = Infinity;
  let first = 0;
  for (let step = 0; step < 150; step++) {
    grads.flat.fill(0);
    const r = model.forwardBackward(ws, batch, grads, 1 / 30);
    loss = r.sum / r.count;
    if (step === 0) first = loss;
    opt.update(grads, 1e-2);
  }
  assert.ok(first > 2, `initial loss ${first} should be near ln(16)`);
  assert.ok(loss < 0.05, `loss after 150 steps: ${loss}`);
});
