// Skipping through the controller: nothing skipped = the dense engine bit for bit; calibration →
// profile file → skipping round trip; the three modes against hand-written skip hooks; KV
// caches of skipped attention; accounting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from '../../src/model/inference.ts';
import { generate, greedy } from '../../src/model/generate.ts';
import type { SublayerHooks } from '../../src/model/llama.ts';
import { calibrate } from '../../src/adaskip/calibrate.ts';
import { createAdaSkipHooks } from '../../src/adaskip/controller.ts';
import { measureSublayerTimes } from '../../src/adaskip/cost.ts';
import { METHODS, MODES, rankSublayers } from '../../src/adaskip/plan.ts';
import { loadProfile, saveProfile } from '../../src/adaskip/profile.ts';
import { config, forcedRun, model, tokens } from './helpers.ts';

const prompt = tokens(30, 21);
const forced = tokens(24, 22);
const profile = calibrate(model, [tokens(40, 23), tokens(64, 24), tokens(25, 25)], { chunk: 16 });
const denseRun = forcedRun(new InferenceSession(model, { chunk: 16 }), prompt, forced);

/** Hand-written hooks: `prefillSet` during prefill, `decodeSet` during decode. */
function phasedSession(
  prefillSet: { attn: Array<number | null>; ffn: Array<number | null> },
  decodeSet: typeof prefillSet,
  noCacheLayers: number[],
) {
  let phase: 'prefill' | 'decode' = 'prefill';
  const hooks: SublayerHooks = {
    skip: (l, kind) => {
      const set = phase === 'prefill' ? prefillSet : decodeSet;
      return kind === 'attn' ? set.attn[l] : set.ffn[l];
    },
  };
  const session = new InferenceSession(model, { chunk: 16, hooks, noCacheLayers });
  const decode = session.decode.bind(session);
  session.decode = (t) => {
    phase = 'decode';
    return decode(t);
  };
  return session;
}

test('with nothing skipped every method and mode is bit-identical to the dense engine', () => {
  const times = measureSublayerTimes(model, 32, { phase: 'prefill' });
  for (const method of METHODS) {
    for (const mode of MODES) {
      const controller = createAdaSkipHooks(model, profile, {
        method,
        mode,
        alpha: 0,
        timeBudget: 0,
        sublayerTimes: times,
      });
      const run = forcedRun(controller.newSession(model, 16), prompt, forced);
      assert.equal(run.length, denseRun.length);
      run.forEach((logits, i) => assert.deepEqual(logits, denseRun[i], `${method} ${mode} step ${i}`));
      assert.equal(controller.stats().flopShareSkipped, 0);
    }
  }
  const controller = createAdaSkipHooks(model, profile, { mode: 'e2e', alpha: 0 });
  const a = generate(controller.newSession(model, 16), prompt, { sampling: greedy, maxTokens: 25 });
  const b = generate(new InferenceSession(model, { chunk: 16 }), prompt, { sampling: greedy, maxTokens: 25 });
  assert.deepEqual(a.tokens, b.tokens);
});

test('calibration → profile file → skipping round trip (mode prefill = the set in both phases)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adaskip-'));
  try {
    const path = join(dir, 'profile.json');
    saveProfile(profile, path);
    const loaded = loadProfile(path, model);
    assert.deepEqual(loaded, profile);
    const controller = createAdaSkipHooks(model, loaded, { mode: 'prefill', alpha: 0.25 });
    // N = round(0.25 · 8) = 2: the two most similar sublayers, τ = the second similarity
    const top = rankSublayers(loaded).slice(0, 2);
    const sim = (i: number) => (i % 2 === 0 ? loaded.attn.similarity : loaded.ffn.similarity)[i >> 1];
    const set = controller.set;
    const chosen = [
      ...set.attn.flatMap((s, l) => (s === null ? [] : [2 * l])),
      ...set.ffn.flatMap((s, l) => (s === null ? [] : [2 * l + 1])),
    ].sort();
    assert.deepEqual(chosen, [...top].sort());
    assert.equal(set.tau, sim(top[1]));
    for (let l = 0; l < config.layers; l++) {
      if (set.attn[l] !== null) assert.equal(set.attn[l], loaded.attn.ratio[l]);
      if (set.ffn[l] !== null) assert.equal(set.ffn[l], loaded.ffn.ratio[l]);
    }
    const session = controller.newSession(model, 16);
    const run = forcedRun(session, prompt, forced);
    const reference = forcedRun(phasedSession(set, set, controller.noCacheLayers), prompt, forced);
    run.forEach((logits, i) => assert.deepEqual(logits, reference[i], `step ${i}`));
    assert.notDeepEqual(run[0], denseRun[0]);
    // every layer whose attention is skipped has no KV cache
    assert.deepEqual(
      controller.noCacheLayers,
      set.attn.flatMap((s, l) => (s === null ? [] : [l])),
    );
    for (const l of controller.noCacheLayers) assert.equal(session.caches[l], null);
    const stats = controller.stats();
    const kvPerToken = 2 * config.kvHeads * (config.dim / config.heads) * 4;
    assert.equal(stats.kvBytesSaved, controller.noCacheLayers.length * kvPerToken * session.length);
    assert.equal(stats.prefill.tokens, prompt.length);
    assert.equal(stats.decode.tokens, forced.length);
    assert.equal(stats.decode.sublayersSkipped, 2 * forced.length);
    assert.ok(stats.flopShareSkipped > 0 && stats.flopShareSkipped < 0.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mode decode runs a dense prefill with full KV, then skips the set in decode', () => {
  const controller = createAdaSkipHooks(model, profile, { method: 'static', mode: 'decode', n: 3 });
  assert.deepEqual(controller.noCacheLayers, []);
  const session = controller.newSession(model, 16);
  const run = forcedRun(session, prompt, forced);
  assert.deepEqual(run[0], denseRun[0]);
  const none = { attn: new Array(config.layers).fill(null), ffn: new Array(config.layers).fill(null) };
  const reference = forcedRun(phasedSession(none, controller.set, []), prompt, forced);
  run.forEach((logits, i) => assert.deepEqual(logits, reference[i], `step ${i}`));
  assert.notDeepEqual(run[1], denseRun[1]);
  assert.equal(controller.stats().prefill.sublayersSkipped, 0);
  assert.ok(session.caches.every((c) => c !== null));
});

test('mode e2e skips the set in prefill and decode, with no KV cache for skipped attention', () => {
  const controller = createAdaSkipHooks(model, profile, { method: 'static', mode: 'e2e', n: 3 });
  const run = forcedRun(controller.newSession(model, 16), prompt, forced);
  const reference = forcedRun(phasedSession(controller.set, controller.set, controller.noCacheLayers), prompt, forced);
  run.forEach((logits, i) => assert.deepEqual(logits, reference[i], `step ${i}`));
  const stats = controller.stats();
  assert.equal(stats.prefill.sublayersSkipped, 3);
  assert.equal(stats.decode.sublayersSkipped, 3 * forced.length);
});
