// Every method's chosen set on a known 8-layer example, cost-aware selection on known times, and
// the clear errors: profiles of other models or layer counts, α outside [0, 1), unknown modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaModel } from '../../src/model/llama.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { createAdaSkipHooks } from '../../src/adaskip/controller.ts';
import { costAwareSet, measureSublayerTimes, timeShare } from '../../src/adaskip/cost.ts';
import { adaskipFromFlags } from '../../src/cli/adaskip-flags.ts';
import {
  describeSet,
  parseMethod,
  parseMode,
  selectSkipSet,
  sublayerBudget,
  type SkipSet,
} from '../../src/adaskip/plan.ts';
import { checkProfileMatches, loadProfile, saveProfile } from '../../src/adaskip/profile.ts';
import { config, handProfile, model } from './helpers.ts';

const example = handProfile(
  [0.1, 0.9, 0.2, 0.95, 0.3, 0.5, 0.6, 0.97],
  [0.2, 0.8, 0.85, 0.4, 0.91, 0.6, 0.7, 0.3],
  [0.5, 0.9, 0.6, 0.95, 0.4, 0.7, 0.8, 0.3],
);
const L = 8;

function layersOf(set: SkipSet): number[] {
  return set.attn.flatMap((s, l) => (s !== null && set.ffn[l] !== null ? [l] : []));
}

test('AdaSkip and static drop take the N most similar sublayers of the joint ranking, τ = N-th', () => {
  const set = selectSkipSet('adaskip', L, example, { alpha: 0.25 });
  assert.equal(describeSet(set), 'attn 1, attn 3, attn 7, ffn 4');
  assert.equal(set.tau, 0.9);
  assert.equal(set.attn[3], example.attn.ratio[3]);
  assert.equal(set.ffn[4], example.ffn.ratio[4]);
  assert.deepEqual(selectSkipSet('static', L, example, { alpha: 0.25 }), set);
  const two = selectSkipSet('adaskip', L, example, { n: 2 });
  assert.equal(describeSet(two), 'attn 3, attn 7');
  assert.equal(two.tau, 0.95);
  assert.equal(sublayerBudget(L, { alpha: 0.125 }), 2);
  assert.equal(sublayerBudget(L, { alpha: 0.375 }), 6);
});

test('whole-layer baselines remove M = round(α·L) layers without compensation', () => {
  const early = selectSkipSet('early-exit', L, null, { alpha: 0.25 });
  assert.deepEqual(layersOf(early), [6, 7]);
  assert.equal(early.attn[6], 1);
  assert.deepEqual(layersOf(selectSkipSet('skipdecode', L, null, { alpha: 0.25 })), [1, 2]);
  assert.deepEqual(layersOf(selectSkipSet('unified', L, null, { alpha: 0.25 })), [1, 5]);
  assert.deepEqual(layersOf(selectSkipSet('unified', L, null, { alpha: 0.375 })), [1, 3, 6]);
  assert.deepEqual(layersOf(selectSkipSet('unified', 16, null, { alpha: 0.25 })), [1, 5, 9, 13]);
  // ShortGPT: highest layer similarity = lowest Block Influence
  assert.deepEqual(layersOf(selectSkipSet('shortgpt', L, example, { alpha: 0.25 })), [1, 3]);
  assert.deepEqual(layersOf(selectSkipSet('early-exit', L, null, { n: 6 })), [5, 6, 7]);
});

test('random sublayers are seeded: N of them, reproducible, compensated by the profile', () => {
  const a = selectSkipSet('random', L, example, { alpha: 0.25, seed: 5 });
  const b = selectSkipSet('random', L, example, { alpha: 0.25, seed: 5 });
  const c = selectSkipSet('random', L, example, { alpha: 0.25, seed: 6 });
  assert.deepEqual(a, b);
  assert.notEqual(describeSet(a), describeSet(c));
  assert.equal(a.attn.filter((s) => s !== null).length + a.ffn.filter((s) => s !== null).length, 4);
  a.attn.forEach((s, l) => s !== null && assert.equal(s, example.attn.ratio[l]));
});

test('cost-aware selection fills a time budget by importance lost per unit of time', () => {
  const times = {
    attn: new Float64Array(L).fill(10),
    ffn: new Float64Array(L).fill(1),
    contextLength: 4096,
    phase: 'prefill' as const,
  };
  const set = costAwareSet(example, times, 0.25);
  // 25% of 88 ms = 22 ms: attn 7 and 3 (least important per ms), then cheap FFNs 4 and 2
  assert.equal(describeSet(set), 'attn 3, attn 7, ffn 2, ffn 4');
  assert.ok(Math.abs(timeShare(set, times) - 22 / 88) < 1e-12);
  // the cost-blind top-4 removes a different, more important set
  assert.equal(timeShare(selectSkipSet('adaskip', L, example, { n: 4 }), times), 31 / 88);
  assert.equal(describeSet(costAwareSet(example, times, 0)), 'nothing');
  assert.throws(() => costAwareSet(example, times, 1), /time budget must be in \[0, 1\)/);
});

test('sublayer times are medians after a warm-up: one stalled pass does not move them', () => {
  // a clock that advances 1 ms per reading, and once, in the second timed pass, stalls 500 ms
  // (regression: a single timed pass let such outliers steer the cost-aware selection)
  for (const phase of ['prefill', 'decode'] as const) {
    let now = 0;
    let readings = 0;
    const perPass = 2 * config.layers + 1;
    const stallAt = 2 + perPass + 5; // after the warm-up's two readings and the first pass: inside the second
    const clock = () => {
      readings++;
      now += readings === stallAt ? 501 : 1;
      return now;
    };
    const times = measureSublayerTimes(model, 24, { phase, repeats: 5, clock });
    assert.deepEqual([...times.attn, ...times.ffn], new Array(2 * config.layers).fill(1), phase);
    assert.equal(times.phase, phase);
    assert.equal(readings, 2 + 5 * perPass, 'the stall fell inside a timed pass');
  }
  assert.throws(
    () => measureSublayerTimes(model, 24, { phase: 'prefill', repeats: 0 }),
    /repeats must be a whole number/,
  );
  assert.throws(() => measureSublayerTimes(model, config.maxSeqLen + 1, { phase: 'prefill' }), /timing context length/);
});

test('profiles of another model or layer count, bad budgets, modes and methods are clear errors', () => {
  const sameShape = LlamaModel.initialised(config, 12);
  const profile = handProfile([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]);
  checkProfileMatches(profile, model);
  assert.throws(() => checkProfileMatches(profile, sameShape), /calibrated for another model with the same shape/);
  const deeper = LlamaModel.initialised(parseLlamaConfig({ ...config, layers: 6 }), 1);
  const deepProfile = handProfile([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], undefined, deeper);
  assert.throws(
    () => createAdaSkipHooks(model, deepProfile, { mode: 'e2e', alpha: 0.25 }),
    /calibrated for a 6-layer model; this model has 4 layers/,
  );
  const wider = LlamaModel.initialised(parseLlamaConfig({ ...config, ffnHidden: 64 }), 1);
  assert.throws(() => checkProfileMatches(profile, wider), /another model \(ffnHidden 48, this model 64\)/);
  for (const alpha of [1, -0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => createAdaSkipHooks(model, profile, { mode: 'e2e', alpha }),
      /alpha must be in \[0, 1\)/,
      String(alpha),
    );
  }
  assert.throws(() => createAdaSkipHooks(model, profile, { mode: 'e2e', n: 8 }), /whole number in \[0, 8\)/);
  assert.throws(() => parseMode('fast'), /unknown AdaSkip mode "fast" \(expected prefill, decode or e2e\)/);
  assert.throws(() => parseMethod('magic'), /unknown skipping method "magic"/);
  assert.throws(() => createAdaSkipHooks(model, null, { mode: 'e2e', alpha: 0.25 }), /needs a calibration profile/);
  assert.throws(
    () => createAdaSkipHooks(model, profile, { method: 'cost-aware', mode: 'e2e' }),
    /needs measured sublayer times/,
  );
});

test('profile files: bad content is refused; flags turn skipping on only with a profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adaskip-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "something else"}');
    assert.throws(() => loadProfile(bad), /is not an AdaSkip profile/);
    writeFileSync(bad, 'not json');
    assert.throws(() => loadProfile(bad), /is not valid JSON/);
    assert.throws(() => loadProfile(join(dir, 'missing.json')), /cannot read AdaSkip profile/);
    const short = { ...handProfile([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]) };
    short.ffn = { similarity: [0.5], ratio: [1] };
    writeFileSync(bad, JSON.stringify(short));
    assert.throws(() => loadProfile(bad), /per-layer arrays .* do not match its 4 layers/);
    const good = join(dir, 'good.json');
    saveProfile(handProfile([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]), good);
    assert.equal(adaskipFromFlags(model, {}), null);
    assert.throws(() => adaskipFromFlags(model, { alpha: '0.25' }), /need --adaskip PROFILE/);
    assert.throws(() => adaskipFromFlags(model, { adaskip: good, alpha: '1' }), /alpha must be in \[0, 1\)/);
    assert.throws(() => adaskipFromFlags(model, { adaskip: good, mode: 'both' }), /unknown AdaSkip mode/);
    const controller = adaskipFromFlags(model, { adaskip: good, alpha: '0.25', mode: 'prefill' })!;
    assert.equal(describeSet(controller.set), 'ffn 2, ffn 3');
    assert.equal(adaskipFromFlags(model, { skipMethod: 'early-exit', alpha: '0.5' })!.set.attn[3], 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
