// Scoring: the log-probability of each token of a text given everything before it, computed
// chunk by chunk over the KV cache (memory bounded by the chunk, not the text length). A prefix
// (context, e.g. MeCo's "URL: domain\n\n") conditions the text but is not scored.
import { LmlabError } from '../util/errors.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { InferenceSession } from './inference.ts';
import type { LlamaModel } from './llama.ts';

export interface TokenScores {
  /** the scored token ids */
  tokens: number[];
  /** natural-log probability of each scored token */
  logprobs: number[];
  /** −Σ logprobs */
  nll: number;
}

/** Natural-log probability of `target` under one row of logits (a stable log-softmax). */
export function logProbOf(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[target] - max - Math.log(sum);
}

/**
 * Scores ids[firstScored..] given ids[..i] for each i; firstScored ≥ 1 (the first token has no
 * context). The whole sequence must fit in the model's context.
 */
export function scoreTokens(
  model: LlamaModel,
  ids: Int32Array,
  firstScored: number,
  chunk = 512,
  session?: InferenceSession,
): TokenScores {
  if (firstScored < 1 || firstScored > ids.length)
    throw new Error(`score: first scored position ${firstScored} must be in [1, ${ids.length}]`);
  const s = session ?? new InferenceSession(model, { chunk });
  s.reset();
  const vocab = model.config.vocabSize;
  const logprobs: number[] = [];
  s.prefill(ids.subarray(0, ids.length - 1), (first, logits) => {
    const n = logits.shape[0];
    for (let r = 0; r < n; r++) {
      const target = first + r + 1; // logits at position p predict token p+1
      if (target < firstScored) continue;
      logprobs.push(logProbOf(logits.data.subarray(r * vocab, (r + 1) * vocab), ids[target]));
    }
  });
  const tokens = Array.from(ids.subarray(firstScored));
  return { tokens, logprobs, nll: -logprobs.reduce((a, b) => a + b, 0) };
}

/** [BOS] + tok(prefix) + tok(text); scores the text's tokens only. */
export function scoreText(
  model: LlamaModel,
  tokenizer: Tokenizer,
  text: string,
  options: { prefix?: string; chunk?: number; session?: InferenceSession } = {},
): TokenScores {
  const head: number[] = tokenizer.bosId === undefined ? [] : [tokenizer.bosId];
  if (options.prefix) head.push(...tokenizer.encode(options.prefix));
  const body = tokenizer.encode(text);
  if (body.length === 0) throw new LmlabError('score: the text is empty');
  if (head.length === 0) {
    if (body.length < 2) throw new LmlabError('score: without a BOS token or prefix, a text needs at least 2 tokens');
    return scoreTokens(model, Int32Array.from(body), 1, options.chunk, options.session);
  }
  return scoreTokens(model, Int32Array.from([...head, ...body]), head.length, options.chunk, options.session);
}
