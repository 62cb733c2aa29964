// One request's generation, a token at a time, so that a server can interleave requests, stream
// each piece as it becomes final and stop the moment a client goes away. The same engine calls
// and sampler as `lmlab generate` (InferenceSession prefill/decode, Sampler, stop-string hold-back
// from src/model/generate.ts): greedy output is the same token for token. Adds what the OpenAI
// API reports: the log-probability of each chosen token and of the most likely alternatives
// (of the model's distribution, before temperature and truncation), and finish reasons.
// Not here: HTTP, queueing, tokenizing the prompt.
import type { InferenceSession } from '../model/inference.ts';
import { Sampler, heldBack, type SamplingOptions } from '../model/generate.ts';

export interface TokenAlternative {
  id: number;
  text: string;
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TokenAlternative {
  top: TokenAlternative[];
}

export interface DecodeOptions {
  sampling: SamplingOptions;
  maxTokens: number;
  stopTokens: Iterable<number>;
  stopStrings: string[];
  /** null: no log-probabilities; k ≥ 0: the chosen token's and k alternatives' */
  topLogprobs: number | null;
}

export type FinishReason = 'stop' | 'length';

/** Text that became final in one step, and the tokens it came from (when logprobs are asked for). */
export interface Piece {
  text: string;
  tokens: TokenLogprob[];
}

export interface TokenText {
  tokenBytes(id: number): Uint8Array | undefined;
}

const tokenDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class Decoding {
  readonly promptTokens: number;
  /** tokens sampled so far, a final stop token included */
  completionTokens = 0;
  /** ids of the emitted tokens (a stop token is not emitted) */
  readonly tokens: number[] = [];
  finishReason: FinishReason | null = null;
  /** the text so far (without a stop string) */
  text = '';
  private emitted = 0;
  private logits: Float32Array | null = null;
  private readonly sampler: Sampler;
  private readonly seen: Uint32Array | null;
  private readonly stopTokens: Set<number>;
  private readonly stopStrings: string[];
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private pending: TokenLogprob[] = [];

  constructor(
    readonly session: InferenceSession,
    private readonly vocab: TokenText,
    private readonly prompt: Int32Array,
    private readonly options: DecodeOptions,
  ) {
    const c = session.model.config;
    if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1)
      throw new Error(`max tokens must be ≥ 1, got ${options.maxTokens}`);
    this.promptTokens = prompt.length;
    this.sampler = new Sampler(options.sampling, c.vocabSize);
    this.seen = options.sampling.repetitionPenalty !== 1 ? new Uint32Array(c.vocabSize) : null;
    if (this.seen) for (let i = 0; i < prompt.length; i++) this.seen[prompt[i]]++;
    this.stopTokens = new Set(options.stopTokens);
    this.stopStrings = options.stopStrings.filter((s) => s.length > 0);
  }

  get done(): boolean {
    return this.finishReason !== null;
  }

  /** Runs the prompt through the model (the long, blocking part of a request). */
  start(): void {
    if (this.logits) throw new Error('decoding already started');
    this.logits = this.session.prefill(this.prompt).data;
  }

  /** Samples one token and returns the text that became final with it. */
  step(): Piece {
    if (!this.logits) throw new Error('decoding not started');
    if (this.finishReason) throw new Error('decoding is finished');
    const logits = this.logits;
    const next = this.sampler.sample(logits, this.seen);
    this.completionTokens++;
    const info = this.options.topLogprobs === null ? null : this.logprobOf(logits, next, this.options.topLogprobs);
    if (this.stopTokens.has(next)) {
      this.finishReason = 'stop';
      return this.release(this.flush());
    }
    this.tokens.push(next);
    if (this.seen) this.seen[next]++;
    if (info) this.pending.push(info);
    this.text += this.utf8.decode(this.vocab.tokenBytes(next) ?? new Uint8Array(0), { stream: true });
    const hits = this.stopStrings
      .map((s) => this.text.indexOf(s, Math.max(0, this.emitted - s.length)))
      .filter((i) => i >= 0);
    if (hits.length > 0) {
      this.text = this.text.slice(0, Math.min(...hits));
      this.finishReason = 'stop';
      return this.release(this.text.length);
    }
    const c = this.session.model.config;
    if (this.completionTokens >= this.options.maxTokens || this.session.length >= c.maxSeqLen) {
      this.finishReason = 'length';
      return this.release(this.flush());
    }
    this.logits = this.session.decode(next).data;
    return this.release(this.text.length - heldBack(this.text, this.stopStrings));
  }

  /** Ends the text: an unfinished UTF-8 character becomes U+FFFD, held-back text is final. */
  private flush(): number {
    this.text += this.utf8.decode();
    return this.text.length;
  }

  private release(upTo: number): Piece {
    if (upTo <= this.emitted) return { text: '', tokens: this.done ? this.takePending() : [] };
    const text = this.text.slice(this.emitted, upTo);
    this.emitted = upTo;
    return { text, tokens: this.takePending() };
  }

  private takePending(): TokenLogprob[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private describe(id: number, logprob: number): TokenAlternative {
    const bytes = this.vocab.tokenBytes(id) ?? new Uint8Array(0);
    return { id, text: tokenDecoder.decode(bytes), bytes: Array.from(bytes), logprob };
  }

  /** log softmax of the raw logits at `id`, and the `k` most likely tokens. */
  private logprobOf(logits: Float32Array, id: number, k: number): TokenLogprob {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
    const lse = max + Math.log(sum);
    const top: number[] = [];
    for (let i = 0; i < logits.length && k > 0; i++) {
      if (top.length < k) top.push(i);
      else if (logits[i] > logits[top[k - 1]]) top[k - 1] = i;
      else continue;
      for (let j = top.length - 1; j > 0 && logits[top[j]] > logits[top[j - 1]]; j--)
        [top[j], top[j - 1]] = [top[j - 1], top[j]];
    }
    return { ...this.describe(id, logits[id] - lse), top: top.map((t) => this.describe(t, logits[t] - lse)) };
  }
}
