// The statistics collector against a direct float64 computation from dumped residuals, equal
// weight per request, and zero effect on the forward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceSession } from '../../src/model/inference.ts';
import type { SublayerKind } from '../../src/model/llama.ts';
import { SublayerStatsCollector } from '../../src/adaskip/stats.ts';
import { calibrate } from '../../src/adaskip/calibrate.ts';
import { config, model, tokens } from './helpers.ts';

interface Dump {
  before: Float32Array[]; // per sublayer index, concatenated over chunks
  after: Float32Array[];
}

function dumpResiduals(prompt: Int32Array, chunk: number): Dump {
  const parts = Array.from({ length: 2 * config.layers }, () => ({ before: [] as number[], after: [] as number[] }));
  const session = new InferenceSession(model, {
    chunk,
    hooks: {
      observe(layer: number, kind: SublayerKind, before, after) {
        const p = parts[2 * layer + (kind === 'ffn' ? 1 : 0)];
        p.before.push(...before.data);
        p.after.push(...after.data);
      },
    },
  });
  session.prefill(prompt);
  return { before: parts.map((p) => Float32Array.from(p.before)), after: parts.map((p) => Float32Array.from(p.after)) };
}

function direct(prompt: Int32Array) {
  const d = config.dim;
  const dump = dumpResiduals(prompt, 16);
  const t = prompt.length;
  const cosOf = (a: Float32Array, b: Float32Array, row: number) => {
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let i = row * d; i < (row + 1) * d; i++) {
      ab += a[i] * b[i];
      aa += a[i] * a[i];
      bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const similarity: number[] = [];
  const ratio: number[] = [];
  for (let s = 0; s < 2 * config.layers; s++) {
    let cos = 0,
      sa = 0,
      sb = 0;
    for (let r = 0; r < t; r++) cos += cosOf(dump.before[s], dump.after[s], r);
    for (const v of dump.before[s]) sb += v * v;
    for (const v of dump.after[s]) sa += v * v;
    similarity.push(cos / t);
    ratio.push(Math.sqrt(sa / sb));
  }
  const layerSimilarity: number[] = [];
  for (let l = 0; l < config.layers; l++) {
    let cos = 0;
    for (let r = 0; r < t; r++) cos += cosOf(dump.before[2 * l], dump.after[2 * l + 1], r);
    layerSimilarity.push(cos / t);
  }
  return { similarity, ratio, layerSimilarity };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 2e-6): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('statistics equal a direct computation from dumped residuals (across prefill chunks)', () => {
  const prompt = tokens(45, 3);
  const collector = new SublayerStatsCollector(config.layers, config.dim);
  const session = new InferenceSession(model, { chunk: 16, hooks: collector.hooks });
  collector.startRequest();
  session.prefill(prompt);
  collector.finishRequest();
  const stats = collector.statistics();
  const expected = direct(prompt);
  close(stats.similarity, expected.similarity, 'similarity');
  close(stats.ratio, expected.ratio, 'ratio');
  close(stats.layerSimilarity, expected.layerSimilarity, 'layer similarity');
  assert.equal(stats.requests, 1);
  assert.equal(stats.tokens, 45);
  // the weights are large enough that sublayers really change the residual
  assert.ok(Math.min(...expected.similarity) < 0.99);
});

test('requests have equal weight regardless of their length', () => {
  const short = tokens(9, 4);
  const long = tokens(120, 5);
  const profile = calibrate(model, [short, long], { chunk: 32 });
  const a = direct(short);
  const b = direct(long);
  const mean = (x: number[], y: number[]) => x.map((v, i) => (v + y[i]) / 2);
  const expected = mean(a.similarity, b.similarity);
  close(
    profile.attn.similarity,
    expected.filter((_, i) => i % 2 === 0),
    'attn similarity',
  );
  close(
    profile.ffn.similarity,
    expected.filter((_, i) => i % 2 === 1),
    'ffn similarity',
  );
  const ratios = mean(a.ratio, b.ratio);
  close(
    profile.ffn.ratio,
    ratios.filter((_, i) => i % 2 === 1),
    'ffn ratio',
  );
  close(profile.layerSimilarity, mean(a.layerSimilarity, b.layerSimilarity), 'layer similarity');
  assert.equal(profile.calibration.requests, 2);
  assert.equal(profile.calibration.tokens, 129);
});

test('collecting statistics leaves every output bit-identical', () => {
  const prompt = tokens(50, 6);
  const collector = new SublayerStatsCollector(config.layers, config.dim);
  const observed = new InferenceSession(model, { chunk: 16, hooks: collector.hooks });
  const plain = new InferenceSession(model, { chunk: 16 });
  collector.startRequest();
  const a = Float32Array.from(observed.prefill(prompt).data);
  const b = Float32Array.from(plain.prefill(prompt).data);
  assert.deepEqual(a, b);
  for (const t of [3, 7, 1]) assert.deepEqual(observed.decode(t).data, plain.decode(t).data);
  collector.finishRequest();
  assert.throws(() => collector.finishRequest(), /without startRequest/);
});
