// Lossless self-speculative decoding: a cheaper session over the same model (in lmlab, the
// AdaSkip-skipped one) drafts k tokens one by one, the full model reads the pending token and the
// k drafts in one batched pass over its KV cache (the chunked-prefill path through the same layer
// body) and accepts a prefix of them by the standard rule (Leviathan et al., Chen et al. 2023):
// draft token d at position i is kept with probability min(1, p_i(d) / q_i(d)); at the first
// rejection the token is drawn from the normalised max(0, p_i − q_i), and when all k are kept a
// bonus token comes from p_{k+1}. The output is then distributed exactly as sampling from the
// full model alone; under greedy decoding both distributions are one-hot, so the rule keeps a
// draft exactly when it is the full model's argmax and the output is the full model's greedy
// output. (The batched pass sums in another order than one-token decoding, so logits differ in
// the last float bits: two tokens whose logits tie within that rounding may come out either way.)
//
// Both sessions roll back past rejected tokens (InferenceSession.rollback): the full model to the
// pending token plus the kept drafts; the draft to the kept drafts it has read, and a draft it
// has not read yet (all k kept: the k-th was never fed to it) is fed at the next round, so each
// cache holds exactly its own model's rows for the committed tokens. k adapts to the acceptance:
// +2 after a round that kept every draft, −1 otherwise, within [1, maxDraft].
// Not here: which sublayers the draft skips (src/adaskip/), tokenization.
import { LmlabError } from '../util/errors.ts';
import { type GenerateOptions, type GenerateResult, Sampler, TokenStream } from './generate.ts';
import type { InferenceSession } from './inference.ts';

export interface SpeculativeOptions extends GenerateOptions {
  /** drafts per round at the start (default 4) */
  draftTokens?: number;
  /** the most drafts per round (default 16) */
  maxDraft?: number;
  /** keep k fixed instead of adapting it */
  fixedDraft?: boolean;
}

export interface SpeculativeStats {
  /** verification rounds (batched passes of the full model; the prefill not counted) */
  rounds: number;
  drafted: number;
  accepted: number;
  /** accepted ÷ drafted */
  acceptanceRate: number;
  /** mean k over the rounds */
  meanDraft: number;
  /** draft forward passes (one token each), catch-up tokens included */
  draftSteps: number;
  /** keptPerRound[j]: rounds that kept exactly j drafts */
  keptPerRound: number[];
}

export interface SpeculativeResult extends GenerateResult {
  speculative: SpeculativeStats;
}

/** Draws an index from the normalised max(0, p − q); p where that is all zero (p = q). */
function residual(p: Float64Array, q: Float64Array, u: number): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > q[i]) total += p[i] - q[i];
  const useP = !(total > 0);
  if (useP) total = 1;
  let r = u * total;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    const w = useP ? p[i] : Math.max(0, p[i] - q[i]);
    if (w <= 0) continue;
    last = i;
    r -= w;
    if (r < 0) return i;
  }
  return last;
}

/** Draws an index from the distribution p. */
function draw(p: Float64Array, u: number): number {
  let r = u;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    last = i;
    r -= p[i];
    if (r < 0) return i;
  }
  return last;
}

/**
 * Generates from `target` (the full model) with `draft` proposing tokens; both sessions must be
 * over the same vocabulary and start empty. Stops exactly where `generate` on `target` would.
 */
export function generateSpeculative(
  target: InferenceSession,
  draft: InferenceSession,
  prompt: Int32Array,
  options: SpeculativeOptions,
): SpeculativeResult {
  const c = target.model.config;
  const vocab = c.vocabSize;
  if (draft.model.config.vocabSize !== vocab) throw new LmlabError('the draft and the full model differ in vocabulary');
  const maxDraft = options.maxDraft ?? 16;
  let k = options.draftTokens ?? 4;
  if (!Number.isInteger(maxDraft) || maxDraft < 1) throw new LmlabError(`max draft must be ≥ 1, got ${maxDraft}`);
  if (!Number.isInteger(k) || k < 1 || k > maxDraft)
    throw new LmlabError(`draft tokens must be in [1, ${maxDraft}], got ${k}`);
  target.reset();
  draft.reset();
  const out = new TokenStream(options, prompt.length, c.maxSeqLen);
  const sampler = new Sampler(options.sampling, vocab);
  const seen = options.sampling.repetitionPenalty !== 1 ? new Uint32Array(vocab) : null;
  if (seen) for (let i = 0; i < prompt.length; i++) seen[prompt[i]]++;
  // q[i]: the draft's distribution for draft i; p: the full model's for the position in hand
  const q = Array.from({ length: maxDraft }, () => new Float64Array(vocab));
  const p = new Float64Array(vocab);
  const drafts = new Int32Array(maxDraft);
  const verify = new Int32Array(maxDraft + 1);
  const rows: Float32Array[] = Array.from({ length: maxDraft + 1 }, () => new Float32Array(vocab));
  const stats: SpeculativeStats = {
    rounds: 0,
    drafted: 0,
    accepted: 0,
    acceptanceRate: 0,
    meanDraft: 0,
    draftSteps: 0,
    keptPerRound: [],
  };
  let kSum = 0;

  const t0 = performance.now();
  sampler.distribution(target.prefill(prompt).data, seen, p);
  draft.prefill(prompt);
  const firstTokenAt = performance.now();
  // committed = prompt + out.tokens; the last committed token (pending) is read by neither
  // session yet; `lag` holds generated tokens the draft has not read before the pending one
  let pending = draw(p, sampler.uniform());
  const lag: number[] = [];
  let live = out.push(pending);
  if (live && seen) seen[pending]++;
  while (live) {
    const committed = prompt.length + out.tokens.length;
    // room: the full model reads pending + k drafts, within the context and the tokens still wanted
    const room = Math.min(k, c.maxSeqLen - committed, options.maxTokens - out.tokens.length - 1);
    if (room < 1) {
      // no room to draft: one plain step of the full model
      sampler.distribution(target.decode(pending).data, seen, p);
      lag.push(pending);
      pending = draw(p, sampler.uniform());
      live = out.push(pending);
      if (live && seen) seen[pending]++;
      continue;
    }
    // draft: catch up on what it has not read, then propose `room` tokens
    let logits: Float32Array | null = null;
    for (const t of lag) {
      logits = draft.decode(t).data;
      stats.draftSteps++;
    }
    lag.length = 0;
    logits = draft.decode(pending).data;
    stats.draftSteps++;
    for (let i = 0; i < room; i++) {
      sampler.distribution(logits, seen, q[i]);
      drafts[i] = draw(q[i], sampler.uniform());
      if (seen) seen[drafts[i]]++;
      if (i + 1 < room) {
        logits = draft.decode(drafts[i]).data;
        stats.draftSteps++;
      }
    }
    if (seen) for (let i = 0; i < room; i++) seen[drafts[i]]--;
    // verify: pending + drafts in one pass, logits of every row
    const base = target.length;
    verify[0] = pending;
    verify.set(drafts.subarray(0, room), 1);
    target.prefill(verify.subarray(0, room + 1), (first, lg) => {
      for (let r = 0; r < lg.shape[0]; r++) rows[first - base + r].set(lg.data.subarray(r * vocab, (r + 1) * vocab));
    });
    stats.rounds++;
    stats.drafted += room;
    kSum += room;
    // accept a prefix; the first rejection or the bonus gives one token from the full model
    let kept = 0;
    let next = -1;
    for (let i = 0; i < room; i++) {
      sampler.distribution(rows[i], seen, p);
      const d = drafts[i];
      const ratio = q[i][d] > 0 ? p[d] / q[i][d] : 0;
      if (ratio >= 1 || sampler.uniform() < ratio) {
        kept++;
        if (seen) seen[d]++;
        continue;
      }
      next = residual(p, q[i], sampler.uniform());
      break;
    }
    if (next < 0) {
      sampler.distribution(rows[room], seen, p);
      next = draw(p, sampler.uniform());
    }
    stats.accepted += kept;
    while (stats.keptPerRound.length <= kept) stats.keptPerRound.push(0);
    stats.keptPerRound[kept]++;
    // the full model keeps pending + kept drafts; the draft keeps what it read of them
    target.rollback(base + 1 + kept);
    const draftRead = Math.min(kept, room - 1);
    draft.rollback(base + 1 + draftRead);
    if (kept === room) lag.push(drafts[room - 1]);
    // commit the kept drafts and the new token, stopping where plain generation would
    for (let i = 0; i < kept && live; i++) live = out.push(drafts[i]);
    if (!live) break;
    pending = next;
    live = out.push(pending);
    if (live && seen) seen[pending]++;
    if (!options.fixedDraft) k = kept === room ? Math.min(maxDraft, k + 2) : Math.max(1, k - 1);
  }
  out.finish();
  const end = performance.now();
  stats.acceptanceRate = stats.drafted > 0 ? stats.accepted / stats.drafted : 0;
  stats.meanDraft = stats.rounds > 0 ? kSum / stats.rounds : 0;
  const decoded = Math.max(0, out.tokens.length - 1);
  return {
    tokens: out.tokens,
    text: out.text,
    stopReason: out.stopReason,
    promptTokens: prompt.length,
    timeToFirstTokenMs: firstTokenAt - t0,
    decodeTokensPerSecond: decoded > 0 && end > firstTokenAt ? decoded / ((end - firstTokenAt) / 1000) : 0,
    speculative: stats,
  };
}
