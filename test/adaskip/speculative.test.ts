// Self-speculative decoding with an AdaSkip draft: greedy output token for token equal to plain
// greedy decoding of the full model (many prompts, every mode, several budgets), the sampling
// rule's output distribution against the full model's exact one (chi-square, fixed seeds, with a
// check that the same test rejects the draft's own distribution), and the cache rollback edges:
// rounds that keep nothing, rounds that keep every draft, the end of the context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { generate, greedy, Sampler, type SamplingOptions } from '../../src/model/generate.ts';
import { generateSpeculative } from '../../src/model/speculative.ts';
import { createAdaSkipHooks } from '../../src/adaskip/controller.ts';
import { MODES } from '../../src/adaskip/plan.ts';
import { handProfile, manualSession, model, tokens } from './helpers.ts';

const profile = handProfile([0.9, 0.5, 0.8, 0.6], [0.7, 0.95, 0.4, 0.85]);
const dense = () => new InferenceSession(model, { chunk: 16 });

test('speculative greedy equals dense greedy on many prompts, every mode and budget', () => {
  let rounds = 0;
  for (const mode of MODES) {
    for (const alpha of [0.125, 0.25, 0.5]) {
      for (let s = 0; s < 8; s++) {
        const prompt = tokens(5 + 7 * s, 1000 + s);
        const plain = generate(dense(), prompt, { sampling: greedy, maxTokens: 48 });
        const controller = createAdaSkipHooks(model, profile, { mode, alpha });
        const r = generateSpeculative(dense(), controller.newSession(model, 16), prompt, {
          sampling: greedy,
          maxTokens: 48,
        });
        assert.deepEqual(r.tokens, plain.tokens, `${mode} α=${alpha} prompt ${s}`);
        assert.equal(r.stopReason, plain.stopReason);
        rounds += r.speculative.rounds;
        assert.equal(
          r.speculative.keptPerRound.reduce((a, b) => a + b, 0),
          r.speculative.rounds,
        );
      }
    }
  }
  assert.ok(rounds > 0);
});

test('rollback edges: rounds keeping nothing and rounds keeping every draft, with the draft cache consistent', () => {
  // a draft that skips every sublayer (a bigram model) is nearly always wrong
  const all = new Array(4).fill(1);
  const prompt = tokens(20, 7);
  const plain = generate(dense(), prompt, { sampling: greedy, maxTokens: 40 });
  const bad = generateSpeculative(dense(), manualSession(all, all, [0, 1, 2, 3]), prompt, {
    sampling: greedy,
    maxTokens: 40,
  });
  assert.deepEqual(bad.tokens, plain.tokens);
  assert.ok(bad.speculative.keptPerRound[0] > 0, 'some rounds keep no draft');
  // the full model as its own draft: every draft kept, k grows to the maximum
  const target = dense();
  const draft = dense();
  const same = generateSpeculative(target, draft, prompt, { sampling: greedy, maxTokens: 40, maxDraft: 6 });
  assert.deepEqual(same.tokens, plain.tokens);
  assert.equal(same.speculative.acceptanceRate, 1);
  assert.equal(same.speculative.keptPerRound.length, 7, 'rounds of 6 drafts all kept');
  // the full model read the prompt and every token but the last
  assert.equal(target.length, prompt.length + same.tokens.length - 1);
  // a static draft: its cache must hold exactly the rows it computes reading the output one by one
  const attn = [null, 1.01, null, null];
  const ffn = [null, null, 1.02, null];
  const drafter = manualSession(attn, ffn, [1]);
  const r = generateSpeculative(dense(), drafter, prompt, { sampling: greedy, maxTokens: 40 });
  assert.deepEqual(r.tokens, plain.tokens);
  const fresh = manualSession(attn, ffn, [1]);
  fresh.prefill(prompt);
  const committed = [...prompt, ...r.tokens];
  assert.ok(drafter.length <= committed.length - 1 && drafter.length >= prompt.length);
  for (let i = prompt.length; i < drafter.length; i++) fresh.decode(committed[i]);
  // both read the rest of the text one token at a time: identical logits only if the caches agree
  for (let i = drafter.length; i < committed.length; i++) {
    const a = Float32Array.from(drafter.decode(committed[i]).data);
    const b = fresh.decode(committed[i]).data;
    assert.deepEqual(a, b, `draft logits after token ${i}`);
  }
});

test('end of the context: speculative stops where plain generation stops', () => {
  const small = LlamaModel.initialised(parseLlamaConfig({ ...model.config, maxSeqLen: 40 }), 11);
  for (let i = 0; i < small.params.flat.length; i++) small.params.flat[i] = model.params.flat[i];
  for (const promptLength of [30, 39, 40]) {
    const prompt = tokens(promptLength, 55);
    const plain = generate(new InferenceSession(small, { chunk: 16 }), prompt, { sampling: greedy, maxTokens: 100 });
    const target = new InferenceSession(small, { chunk: 16 });
    const r = generateSpeculative(target, new InferenceSession(small, { chunk: 16 }), prompt, {
      sampling: greedy,
      maxTokens: 100,
      draftTokens: 8,
    });
    assert.equal(plain.stopReason, 'context');
    assert.equal(r.stopReason, 'context');
    assert.deepEqual(r.tokens, plain.tokens, `prompt of ${promptLength}`);
    assert.ok(target.length <= 40);
  }
});

// A tiny vocabulary: the exact joint distribution of three sampled tokens is enumerable.
const tiny = parseLlamaConfig({ vocabSize: 4, dim: 16, layers: 2, heads: 2, kvHeads: 1, ffnHidden: 24, maxSeqLen: 32 });
const tinyModel = LlamaModel.initialised(tiny, 5);
for (let i = 0; i < tinyModel.params.flat.length; i++) tinyModel.params.flat[i] *= 25;
const tinyPrompt = Int32Array.from([1, 2, 3, 0, 1]);
const N = 3;

/** The exact probability of every sequence of N tokens under the sampler's distribution. */
function exactJoint(sampling: SamplingOptions): Float64Array {
  const v = tiny.vocabSize;
  const joint = new Float64Array(v ** N);
  const sampler = new Sampler(sampling, v);
  const dist = new Float64Array(v);
  for (let code = 0; code < joint.length; code++) {
    const seq = Array.from({ length: N }, (_, i) => Math.floor(code / v ** (N - 1 - i)) % v);
    const s = new InferenceSession(tinyModel, { chunk: 8 });
    const seen = new Uint32Array(v);
    for (const t of tinyPrompt) seen[t]++;
    let logits = s.prefill(tinyPrompt).data;
    let prob = 1;
    for (let i = 0; i < N; i++) {
      sampler.distribution(logits, seen, dist);
      prob *= dist[seq[i]];
      seen[seq[i]]++;
      if (i + 1 < N) logits = s.decode(seq[i]).data;
    }
    joint[code] = prob;
  }
  return joint;
}

function chiSquare(counts: Float64Array, probs: Float64Array, n: number): { stat: number; df: number } {
  // cells expected below 5 are pooled into one
  let stat = 0;
  let df = -1;
  let poolObs = 0;
  let poolExp = 0;
  for (let i = 0; i < probs.length; i++) {
    const e = probs[i] * n;
    if (e < 5) {
      poolObs += counts[i];
      poolExp += e;
      continue;
    }
    stat += (counts[i] - e) ** 2 / e;
    df++;
  }
  if (poolExp > 0) {
    stat += (poolObs - poolExp) ** 2 / Math.max(poolExp, 1e-9);
    df++;
  }
  return { stat, df };
}

/** Upper 0.1% point of chi-square with df degrees of freedom (Wilson–Hilferty). */
function chiSquareCritical(df: number): number {
  const z = 3.09;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

for (const sampling of [
  { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
  { temperature: 0.8, topK: 3, topP: 0.95, repetitionPenalty: 1.5, seed: 0 },
] satisfies SamplingOptions[]) {
  test(`sampling rule: speculative output distributed as the full model's (T=${sampling.temperature}, top-k ${sampling.topK}, penalty ${sampling.repetitionPenalty})`, () => {
    const exact = exactJoint(sampling);
    const runs = 4000;
    const spec = new Float64Array(exact.length);
    const draftOnly = new Float64Array(exact.length);
    // the draft skips attention 1 and FFN 0: a different distribution from the full model's
    const hooks = {
      skip: (l: number, kind: string) => ((l === 1 && kind === 'attn') || (l === 0 && kind === 'ffn') ? 1 : null),
    };
    const target = new InferenceSession(tinyModel, { chunk: 8 });
    const draft = new InferenceSession(tinyModel, { chunk: 8, hooks, noCacheLayers: [1] });
    const code = (t: number[]) => t.reduce((a, x) => a * tiny.vocabSize + x, 0);
    let drafted = 0;
    let accepted = 0;
    for (let r = 0; r < runs; r++) {
      const options = { sampling: { ...sampling, seed: 1 + r }, maxTokens: N, draftTokens: 2, fixedDraft: true };
      const out = generateSpeculative(target, draft, tinyPrompt, options);
      assert.equal(out.tokens.length, N);
      spec[code(out.tokens)]++;
      drafted += out.speculative.drafted;
      accepted += out.speculative.accepted;
      draft.reset();
      const own = generate(draft, tinyPrompt, options);
      draftOnly[code(own.tokens)]++;
      draft.reset();
    }
    assert.ok(accepted > 0 && accepted < drafted, `some drafts kept, some rejected (${accepted}/${drafted})`);
    const fit = chiSquare(spec, exact, runs);
    assert.ok(fit.stat < chiSquareCritical(fit.df), `chi-square ${fit.stat.toFixed(1)} on ${fit.df} df`);
    const power = chiSquare(draftOnly, exact, runs);
    assert.ok(
      power.stat > chiSquareCritical(power.df),
      `the test tells the draft's own distribution apart (chi-square ${power.stat.toFixed(1)} on ${power.df} df)`,
    );
  });
}
