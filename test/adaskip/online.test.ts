// The online decode rule (first 20 decode steps, extra FFN skips at or above τ with decode
// ratios), the compat switch (τ reset to 1.0), its restart per request, and SkipDecode's ramp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InferenceSession } from '../../src/model/inference.ts';
import type { SublayerHooks } from '../../src/model/llama.ts';
import { createAdaSkipHooks, ONLINE_STEPS } from '../../src/adaskip/controller.ts';
import { config, forcedRun, handProfile, model, tokens } from './helpers.ts';

const prompt = tokens(30, 31);
const forced = tokens(30, 32);
const ATTN0_RATIO = 1.01; // handProfile's ratio for attention 0

/**
 * Reference: attention 0 skipped throughout (no cache), FFN similarity measured in float64 over
 * the first 20 decode steps, then the given FFN scales applied from step 20 on.
 */
function reference(extraFfn: Array<number | null>) {
  let step = -1;
  const sim = new Float64Array(config.layers);
  const hooks: SublayerHooks = {
    skip: (l, kind) => (kind === 'attn' ? (l === 0 ? ATTN0_RATIO : null) : step >= ONLINE_STEPS ? extraFfn[l] : null),
    observe: (l, kind, before, after) => {
      if (kind !== 'ffn' || step < 0 || step >= ONLINE_STEPS) return;
      let ab = 0,
        aa = 0,
        bb = 0;
      for (let i = 0; i < config.dim; i++) {
        ab += before.data[i] * after.data[i];
        aa += before.data[i] ** 2;
        bb += after.data[i] ** 2;
      }
      sim[l] += ab / Math.sqrt(aa * bb) / ONLINE_STEPS;
    },
  };
  const session = new InferenceSession(model, { chunk: 16, hooks, noCacheLayers: [0] });
  const decode = session.decode.bind(session);
  session.decode = (t) => {
    step++;
    return decode(t);
  };
  return { logits: forcedRun(session, prompt, forced), sim };
}

const measured = reference(new Array(config.layers).fill(null));
const sorted = Array.from(measured.sim).sort((a, b) => b - a);
// τ between the 2nd and 3rd most similar FFN in decode: the rule must add exactly two
const tau = (sorted[1] + sorted[2]) / 2;
const profile = handProfile([tau, -1, -1, -1], [-1, -1, -1, -1]);

test('online rule: after 20 decode steps, FFNs with decode similarity ≥ τ are skipped with decode ratios', () => {
  const controller = createAdaSkipHooks(model, profile, { mode: 'e2e', n: 1 });
  assert.equal(controller.set.tau, tau);
  assert.deepEqual(controller.noCacheLayers, [0]);
  const run = forcedRun(controller.newSession(model, 16), prompt, forced);
  const stats = controller.stats();
  const expectedAdded = Array.from(measured.sim.keys()).filter((l) => measured.sim[l] >= tau);
  assert.equal(expectedAdded.length, 2);
  assert.deepEqual(stats.onlineAdded, expectedAdded);
  // the window record names τ and the running FFN of highest decode similarity
  const best = Array.from(measured.sim.keys()).reduce((a, b) => (measured.sim[b] > measured.sim[a] ? b : a));
  assert.equal(stats.onlineWindow?.tau, tau);
  assert.equal(stats.onlineWindow?.closestLayer, best);
  assert.ok(Math.abs(stats.onlineWindow!.closestSimilarity - measured.sim[best]) < 1e-5);
  for (let l = 0; l < config.layers; l++)
    assert.ok(Math.abs(controller.onlineSimilarity(l) - measured.sim[l]) < 1e-5, `ffn ${l}`);
  // the first 20 decode steps equal the offline set alone, bit for bit
  for (let i = 0; i <= ONLINE_STEPS; i++) assert.deepEqual(run[i], measured.logits[i], `step ${i}`);
  // afterwards the controller skips the added FFNs with their decode ratios
  const scales = Array.from({ length: config.layers }, (_, l) => controller.hooks.skip!(l, 'ffn'));
  for (const l of expectedAdded)
    assert.ok(scales[l] !== null && scales[l]! > 0.5 && scales[l]! < 2, `ratio of ffn ${l}: ${scales[l]}`);
  const after = reference(scales);
  run.forEach((logits, i) => assert.deepEqual(logits, after.logits[i], `step ${i}`));
  assert.notDeepEqual(run[forced.length], measured.logits[forced.length]);
  assert.equal(stats.decode.sublayersSkipped, forced.length + 2 * (forced.length - ONLINE_STEPS));
});

test('the compat switch resets τ to 1.0 per request, which disables the online rule', () => {
  const controller = createAdaSkipHooks(model, profile, { mode: 'e2e', n: 1, compat: true });
  const run = forcedRun(controller.newSession(model, 16), prompt, forced);
  assert.deepEqual(controller.stats().onlineAdded, []);
  run.forEach((logits, i) => assert.deepEqual(logits, measured.logits[i], `step ${i}`));
});

test('the online rule restarts with each request and is off in mode prefill and for baselines', () => {
  const controller = createAdaSkipHooks(model, profile, { mode: 'e2e', n: 1 });
  const session = controller.newSession(model, 16);
  forcedRun(session, prompt, forced);
  assert.equal(controller.stats().onlineAdded.length, 2);
  session.reset();
  const again = forcedRun(session, prompt, forced.subarray(0, 10));
  assert.deepEqual(controller.stats().onlineAdded, []);
  assert.equal(controller.stats().onlineWindow, null, 'the 20-step window has not closed yet');
  again.forEach((logits, i) => assert.deepEqual(logits, measured.logits[i], `second request step ${i}`));
  for (const options of [{ mode: 'prefill' as const }, { mode: 'e2e' as const, method: 'static' as const }]) {
    const c = createAdaSkipHooks(model, profile, { ...options, n: 1 });
    forcedRun(c.newSession(model, 16), prompt, forced);
    assert.deepEqual(c.stats().onlineAdded, [], JSON.stringify(options));
    assert.equal(c.stats().onlineWindow, null, JSON.stringify(options));
  }
});

test('SkipDecode in mode decode ramps its layers in linearly over the decode tokens', () => {
  // M = 2 layers (1 and 2) over a ramp of 8 tokens: step i skips ⌊2(i+1)/8⌋ of them
  const controller = createAdaSkipHooks(model, null, { method: 'skipdecode', mode: 'decode', n: 4, rampTokens: 8 });
  assert.deepEqual(controller.set.layerOrder, [1, 2]);
  const session = controller.newSession(model, 16);
  session.prefill(prompt);
  const skippedPerStep: number[] = [];
  for (let i = 0; i < 10; i++) {
    const before = controller.stats().decode.sublayersSkipped;
    session.decode(forced[i]);
    skippedPerStep.push(controller.stats().decode.sublayersSkipped - before);
  }
  assert.deepEqual(skippedPerStep, [0, 0, 0, 2, 2, 2, 2, 4, 4, 4]);
  // in e2e the layers already have no cache, so the whole set applies from the start
  const e2e = createAdaSkipHooks(model, null, { method: 'skipdecode', mode: 'e2e', n: 4, rampTokens: 8 });
  assert.deepEqual(e2e.noCacheLayers, [1, 2]);
  const s2 = e2e.newSession(model, 16);
  s2.prefill(prompt);
  s2.decode(forced[0]);
  assert.equal(e2e.stats().decode.sublayersSkipped, 4);
});
