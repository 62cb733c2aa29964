// Text generation over an InferenceSession: sampling (greedy, temperature, top-k, top-p,
// repetition penalty, seeded), stop tokens and stop strings, streaming of the decoded text, and
// timings (time to first token, decode tokens/s). Scratch for sampling is allocated once per
// call, not per token. Not here: tokenization (the caller passes encode/decode functions).
import { LmlabError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { InferenceSession } from './inference.ts';

export interface SamplingOptions {
  /** 0 = greedy */
  temperature: number;
  /** keep the k most likely tokens (0 = all) */
  topK: number;
  /** keep the smallest set with cumulative probability ≥ p (1 = all) */
  topP: number;
  /** > 1 discourages tokens already in the context (1 = off) */
  repetitionPenalty: number;
  seed: number;
}

export const greedy: SamplingOptions = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

export function checkSampling(s: SamplingOptions): void {
  if (!(s.temperature >= 0) || !Number.isFinite(s.temperature))
    throw new LmlabError(`temperature must be ≥ 0, got ${s.temperature}`);
  if (!Number.isInteger(s.topK) || s.topK < 0) throw new LmlabError(`top-k must be a whole number ≥ 0, got ${s.topK}`);
  if (!(s.topP > 0 && s.topP <= 1)) throw new LmlabError(`top-p must be in (0, 1], got ${s.topP}`);
  if (!(s.repetitionPenalty > 0) || !Number.isFinite(s.repetitionPenalty))
    throw new LmlabError(`repetition penalty must be > 0, got ${s.repetitionPenalty}`);
  if (!Number.isInteger(s.seed)) throw new LmlabError(`seed must be an integer, got ${s.seed}`);
}

export type StopReason = 'eos' | 'stop-token' | 'stop-string' | 'max-tokens' | 'context';

export interface GenerateOptions {
  sampling: SamplingOptions;
  maxTokens: number;
  eosToken?: number | null;
  stopTokens?: number[];
  stopStrings?: string[];
  /** raw bytes of one token (needed for stop strings and streaming); the text is decoded
      incrementally as UTF-8, so a long generation costs linear, not quadratic, time */
  tokenBytes?: (token: number) => Uint8Array;
  /** receives each new piece of text as it becomes final */
  onText?: (piece: string) => void;
}

export interface GenerateResult {
  tokens: number[];
  text: string;
  stopReason: StopReason;
  promptTokens: number;
  timeToFirstTokenMs: number;
  decodeTokensPerSecond: number;
}

/** The index of the first largest value. */
function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Picks the next token from logits; `seen` counts token occurrences for the penalty. */
export class Sampler {
  private readonly rng: Rng;
  private readonly order: Int32Array;
  private readonly probs: Float64Array;
  private readonly scaled: Float32Array;

  constructor(
    readonly options: SamplingOptions,
    vocab: number,
  ) {
    checkSampling(options);
    this.rng = new Rng(options.seed);
    this.order = new Int32Array(vocab);
    this.probs = new Float64Array(vocab);
    this.scaled = new Float32Array(vocab);
  }

  sample(logits: Float32Array, seen: Uint32Array | null): number {
    const x = this.penalised(logits, seen);
    if (this.options.temperature === 0) return argmax(x);
    const { n, total } = this.candidates(x);
    let r = this.rng.next() * total;
    for (let i = 0; i < n; i++) {
      r -= this.probs[i];
      if (r <= 0) return this.order[i];
    }
    return this.order[n - 1];
  }

  /**
   * The distribution `sample` draws from, written into `out` (length vocab, sums to 1): the
   * same penalty, temperature, top-k and top-p; greedy is one-hot at the first largest logit.
   * Speculative decoding's acceptance rule needs it for the draft and the target alike.
   */
  distribution(logits: Float32Array, seen: Uint32Array | null, out: Float64Array): void {
    const x = this.penalised(logits, seen);
    out.fill(0);
    if (this.options.temperature === 0) {
      out[argmax(x)] = 1;
      return;
    }
    const { n, total } = this.candidates(x);
    for (let i = 0; i < n; i++) out[this.order[i]] = this.probs[i] / total;
  }

  /** The logits with the repetition penalty applied to every token seen so far (in `scaled`). */
  private penalised(logits: Float32Array, seen: Uint32Array | null): Float32Array {
    const o = this.options;
    const x = this.scaled;
    x.set(logits);
    if (o.repetitionPenalty !== 1 && seen) {
      for (let i = 0; i < x.length; i++)
        if (seen[i] > 0) x[i] = x[i] > 0 ? x[i] / o.repetitionPenalty : x[i] * o.repetitionPenalty;
    }
    return x;
  }

  /**
   * Candidates sorted by logit (descending) into `order`, truncated by top-k and then top-p,
   * with their unnormalised weights exp((x − max)/T) in `probs`; returns the count and the sum.
   */
  private candidates(x: Float32Array): { n: number; total: number } {
    const o = this.options;
    const v = x.length;
    const order = this.order;
    for (let i = 0; i < v; i++) order[i] = i;
    order.sort((a, b) => x[b] - x[a]);
    let n = o.topK > 0 ? Math.min(o.topK, v) : v;
    const max = x[order[0]];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp((x[order[i]] - max) / o.temperature);
      this.probs[i] = p;
      total += p;
    }
    if (o.topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < n; i++) {
        cumulative += this.probs[i] / total;
        if (cumulative >= o.topP) {
          n = i + 1;
          break;
        }
      }
      total = 0;
      for (let i = 0; i < n; i++) total += this.probs[i];
    }
    return { n, total };
  }

  /** A uniform number in [0, 1) from this sampler's seeded generator. */
  uniform(): number {
    return this.rng.next();
  }
}

/**
 * The generated text as tokens arrive: stop tokens, EOS, stop strings (held back while they may
 * still complete), streaming of the final text, and the max-tokens and context limits. Shared by
 * plain and speculative generation so that both stop at the same token.
 */
export class TokenStream {
  readonly tokens: number[] = [];
  text = '';
  stopReason: StopReason = 'max-tokens';
  private emitted = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private readonly stopTokens: Set<number>;
  private readonly stopStrings: string[];

  constructor(
    private readonly options: GenerateOptions,
    private readonly promptTokens: number,
    private readonly maxSeqLen: number,
  ) {
    if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1)
      throw new LmlabError(`max tokens must be ≥ 1, got ${options.maxTokens}`);
    this.stopStrings = (options.stopStrings ?? []).filter((s) => s.length > 0);
    if (this.stopStrings.length > 0 && !options.tokenBytes) throw new Error('stop strings need a decoder');
    this.stopTokens = new Set(options.stopTokens ?? []);
  }

  /**
   * Takes the next token; returns false when generation is over (the token may or may not be
   * part of the output: EOS and stop tokens are not). The context limit counts the tokens the
   * model has read: the prompt and every generated token but the last.
   */
  push(next: number): boolean {
    const o = this.options;
    if (o.eosToken != null && next === o.eosToken) {
      this.stopReason = 'eos';
      return false;
    }
    if (this.stopTokens.has(next)) {
      this.stopReason = 'stop-token';
      return false;
    }
    this.tokens.push(next);
    if (o.tokenBytes) {
      this.text += this.utf8.decode(o.tokenBytes(next), { stream: true });
      const hit = this.stopStrings
        .map((s) => this.text.indexOf(s, Math.max(0, this.emitted - s.length)))
        .filter((i) => i >= 0);
      if (hit.length > 0) {
        this.text = this.text.slice(0, Math.min(...hit));
        this.stopReason = 'stop-string';
        return false;
      }
      // emit what can no longer change: not a stop-string prefix (the decoder keeps a partial
      // UTF-8 character back by itself)
      const final = this.text.length - heldBack(this.text, this.stopStrings);
      if (final > this.emitted) {
        o.onText?.(this.text.slice(this.emitted, final));
        this.emitted = final;
      }
    }
    if (this.tokens.length >= o.maxTokens) return false;
    if (this.promptTokens + this.tokens.length - 1 >= this.maxSeqLen) {
      this.stopReason = 'context';
      return false;
    }
    return true;
  }

  /** Flushes the text held back (an unfinished character, a stop-string prefix that never completed). */
  finish(): void {
    const o = this.options;
    if (o.tokenBytes && this.stopReason !== 'stop-string') this.text += this.utf8.decode();
    if (o.tokenBytes && this.text.length > this.emitted) o.onText?.(this.text.slice(this.emitted));
  }
}

/** Length of the longest suffix of text that is a proper prefix of some stop string. */
export function heldBack(text: string, stops: string[]): number {
  let hold = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        hold = k;
        break;
      }
    }
  }
  return hold;
}

export function generate(session: InferenceSession, prompt: Int32Array, options: GenerateOptions): GenerateResult {
  const c = session.model.config;
  const out = new TokenStream(options, prompt.length, c.maxSeqLen);
  const sampler = new Sampler(options.sampling, c.vocabSize);
  const seen = options.sampling.repetitionPenalty !== 1 ? new Uint32Array(c.vocabSize) : null;
  if (seen) for (let i = 0; i < prompt.length; i++) seen[prompt[i]]++;

  const t0 = performance.now();
  let logits = session.prefill(prompt).data;
  let firstTokenAt = 0;
  let decoded = 0;
  for (;;) {
    const next = sampler.sample(logits, seen);
    if (out.tokens.length === 0 && firstTokenAt === 0) firstTokenAt = performance.now();
    if (!out.push(next)) break;
    if (seen) seen[next]++;
    logits = session.decode(next).data;
    decoded++;
  }
  out.finish();
  const end = performance.now();
  return {
    tokens: out.tokens,
    text: out.text,
    stopReason: out.stopReason,
    promptTokens: prompt.length,
    timeToFirstTokenMs: (firstTokenAt > 0 ? firstTokenAt : end) - t0,
    decodeTokensPerSecond: decoded > 0 ? decoded / ((end - firstTokenAt) / 1000) : 0,
  };
}
