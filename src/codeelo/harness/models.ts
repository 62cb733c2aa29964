// Model clients of the harness: any OpenAI-compatible chat endpoint (vLLM, llama.cpp server,
// SGLang, OpenAI, `lmlab serve`) through the openai package, Anthropic through @anthropic-ai/sdk,
// `local`, which runs an lmlab model folder in this process (its chat template, no HTTP), and
// `replay`, which answers from a file. One request per attempt, with an overall deadline, retries with
// exponential backoff that honour retry-after, and token accounting.
// It does not extract code or keep state between attempts (runner.ts, store.ts).
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { basename } from 'node:path';
import { parseWith } from '../cf/schemas.ts';
import { readJsonFile } from '../../io/json.ts';
import { LmlabError } from '../../util/errors.ts';
import { generate, type SamplingOptions } from '../../model/generate.ts';
import { InferenceSession } from '../../model/inference.ts';
import { loadModelDir } from '../../model/load.ts';
import type { LlamaModel } from '../../model/llama.ts';
import type { Tokenizer } from '../../tokenizer/index.ts';
import {
  chatStopTokens,
  configuredEosIds,
  loadChatTemplate,
  type ChatTemplate,
} from '../../tokenizer/chat-template.ts';

export interface Sampling {
  temperature: number;
  topP: number;
  /** 0 = not sent (OpenAI's own API rejects it). */
  topK: number;
  /** 1 = not sent. */
  repetitionPenalty: number;
  maxTokens: number;
}

/** The sampling parameters of the CodeElo paper's evaluation. */
export const PAPER_SAMPLING: Sampling = {
  temperature: 0.7,
  topP: 0.8,
  topK: 20,
  repetitionPenalty: 1.1,
  maxTokens: 4096,
};

export interface Generation {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
}

export interface GenerationRequest {
  key: string;
  attempt: number;
  prompt: string;
  /** Sampling seed for servers that take one (vLLM, SGLang, OpenAI); replay ignores it. */
  seed?: number;
  signal: AbortSignal;
}

export interface ModelClient {
  readonly provider: 'openai' | 'anthropic' | 'local' | 'replay';
  readonly model: string;
  /** null: the model has no answer for this attempt (replay ran out) and the problem stops. */
  generate(request: GenerationRequest): Promise<Generation | null>;
}

/** An error the harness may retry (rate limit, server error, timeout, dropped connection). */
export class RetryableError extends LmlabError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Maps SDK errors (both SDKs share the shape) to retryable or final one-line errors. */
function classify(err: unknown, provider: string): Error {
  if (err instanceof LmlabError) return err;
  const e = err as { status?: number; headers?: Headers; message?: string; name?: string };
  const message = (e.message ?? String(err)).split('\n')[0];
  if (typeof e.status === 'number') {
    if (e.status === 429 || e.status === 408 || e.status === 409 || e.status >= 500) {
      return new RetryableError(`HTTP ${e.status}: ${message}`, retryAfterMs(e.headers));
    }
    return new LmlabError(`${provider} request failed with HTTP ${e.status}: ${message}`);
  }
  return new RetryableError(
    e.name === 'AbortError' || /abort|timed? ?out/i.test(message)
      ? 'request timed out'
      : `connection error: ${message}`,
  );
}

const tokenCount = z.number().int().nonnegative();

/** The parts of one streamed chat-completion chunk that are used, with their types checked. */
const openAiChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z.looseObject({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .optional(),
  usage: z.looseObject({ prompt_tokens: tokenCount, completion_tokens: tokenCount }).nullish(),
});

const anthropicReplySchema = z.looseObject({
  content: z.array(z.looseObject({ type: z.string(), text: z.unknown() })),
  usage: z.looseObject({ input_tokens: tokenCount, output_tokens: tokenCount }),
  stop_reason: z.string().nullish(),
});

/** A chunk of the stream, or a retryable error saying what is wrong with it. */
function checkedChunk(raw: unknown): {
  content?: string;
  finishReason?: string;
  usage?: { promptTokens: number; completionTokens: number };
} {
  const chunk = parseWith(openAiChunkSchema, raw, 'malformed chunk in the streamed reply', RetryableError);
  const choice = chunk.choices?.[0];
  return {
    ...(choice?.delta?.content ? { content: choice.delta.content } : {}),
    ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
    ...(chunk.usage
      ? { usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens } }
      : {}),
  };
}

export interface OpenAiOptions {
  baseUrl?: string;
  apiKey?: string;
  model: string;
  sampling: Sampling;
}

export class OpenAiChatClient implements ModelClient {
  readonly provider = 'openai' as const;
  readonly model: string;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAiOptions) {
    this.model = options.model;
    this.client = new OpenAI({
      apiKey: options.apiKey ?? 'none',
      baseURL: options.baseUrl,
      maxRetries: 0,
      timeout: 24 * 3600_000,
    });
  }

  async generate(request: GenerationRequest): Promise<Generation> {
    const s = this.options.sampling;
    // top_k and repetition_penalty are extensions that vLLM, SGLang and llama.cpp understand.
    const extra: Record<string, number> = {};
    if (s.topK > 0) extra.top_k = s.topK;
    if (s.repetitionPenalty !== 1) extra.repetition_penalty = s.repetitionPenalty;
    if (request.seed !== undefined) extra.seed = request.seed;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: [{ role: 'user', content: request.prompt }],
          temperature: s.temperature,
          top_p: s.topP,
          max_tokens: s.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
          ...extra,
        },
        { signal: request.signal },
      );
      const parts: string[] = [];
      let promptTokens = 0;
      let completionTokens = 0;
      let finishReason = 'unknown';
      for await (const raw of stream) {
        const chunk = checkedChunk(raw);
        if (chunk.content) parts.push(chunk.content);
        if (chunk.finishReason) finishReason = chunk.finishReason;
        if (chunk.usage) ({ promptTokens, completionTokens } = chunk.usage);
      }
      return { text: parts.join(''), promptTokens, completionTokens, finishReason };
    } catch (err) {
      throw classify(err, 'OpenAI-compatible');
    }
  }
}

export interface AnthropicOptions {
  baseUrl?: string;
  apiKey?: string;
  model: string;
  sampling: Sampling;
}

export class AnthropicClient implements ModelClient {
  readonly provider = 'anthropic' as const;
  readonly model: string;
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicOptions) {
    this.model = options.model;
    this.client = new Anthropic({
      apiKey: options.apiKey ?? null,
      baseURL: options.baseUrl ?? null,
      maxRetries: 0,
      timeout: 24 * 3600_000,
    });
  }

  async generate(request: GenerationRequest): Promise<Generation> {
    const s = this.options.sampling;
    try {
      // This SDK's types no longer list sampling fields (newer models fix them); the API still
      // takes temperature for the models that allow it, so it is passed through untyped.
      const sampling: Record<string, number> = { temperature: s.temperature };
      const message = await this.client.messages.create(
        {
          model: this.model,
          max_tokens: s.maxTokens,
          messages: [{ role: 'user', content: request.prompt }],
          ...sampling,
        },
        { signal: request.signal },
      );
      const reply = parseWith(anthropicReplySchema, message, 'Anthropic reply is malformed', RetryableError);
      const text = reply.content
        .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''))
        .join('');
      return {
        text,
        promptTokens: reply.usage.input_tokens,
        completionTokens: reply.usage.output_tokens,
        finishReason: reply.stop_reason ?? 'unknown',
      };
    } catch (err) {
      throw classify(err, 'Anthropic');
    }
  }
}

export interface LocalOptions {
  dir: string;
  name?: string;
  sampling: Sampling;
  chunk?: number;
}

/**
 * An lmlab model folder run in this process: the prompt as one user turn of the model's chat
 * template (the plain prompt after BOS when it has none), the engine's sampler, and stops at
 * EOS, the configured eos ids and the template's end-of-turn token. max tokens is clipped to
 * what the context leaves. Generation is synchronous: one attempt at a time, whatever the
 * harness's concurrency.
 */
export class LocalModelClient implements ModelClient {
  readonly provider = 'local' as const;
  readonly model: string;
  private readonly stopTokens: number[];

  private constructor(
    private readonly options: LocalOptions,
    private readonly llama: LlamaModel,
    private readonly tokenizer: Tokenizer,
    private readonly template: ChatTemplate | null,
    eosIds: number[],
  ) {
    this.model = options.name ?? basename(options.dir.replace(/[\\/]+$/, ''));
    this.stopTokens = chatStopTokens(
      tokenizer,
      template,
      eosIds.filter((id) => id < llama.config.vocabSize),
    );
  }

  static async load(options: LocalOptions): Promise<LocalModelClient> {
    const loaded = await loadModelDir(options.dir, { requireTokenizer: true });
    return new LocalModelClient(
      options,
      loaded.model,
      loaded.tokenizer!,
      loadChatTemplate(options.dir),
      configuredEosIds(options.dir),
    );
  }

  async generate(request: GenerationRequest): Promise<Generation> {
    if (request.signal.aborted) throw new RetryableError('request timed out');
    const tk = this.tokenizer;
    const prompt = this.template
      ? Int32Array.from(
          tk.encode(this.template.render([{ role: 'user', content: request.prompt }]), { allowSpecial: true }),
        )
      : Int32Array.from([...(tk.bosId === undefined ? [] : [tk.bosId]), ...tk.encode(request.prompt)]);
    const room = this.llama.config.maxSeqLen - prompt.length;
    if (room < 1)
      throw new LmlabError(
        `the prompt has ${prompt.length} tokens; the model's context is ${this.llama.config.maxSeqLen}`,
      );
    const s = this.options.sampling;
    const sampling: SamplingOptions = {
      temperature: s.temperature,
      topP: s.topP,
      topK: s.topK,
      repetitionPenalty: s.repetitionPenalty,
      seed: request.seed ?? 0,
    };
    const session = new InferenceSession(this.llama, { chunk: this.options.chunk ?? 512 });
    const result = generate(session, prompt, {
      sampling,
      maxTokens: Math.min(s.maxTokens, room),
      stopTokens: this.stopTokens,
      tokenBytes: (id) => tk.decodeBytes([id]),
    });
    const stopped = result.stopReason === 'eos' || result.stopReason === 'stop-token';
    return {
      text: result.text,
      promptTokens: prompt.length,
      completionTokens: result.tokens.length + (stopped ? 1 : 0),
      finishReason: stopped || result.stopReason === 'stop-string' ? 'stop' : 'length',
    };
  }
}

const replaySchema = z.strictObject({
  format: z.literal('lmlab-replay'),
  model: z.string().optional(),
  answers: z.record(z.string(), z.array(z.string()).max(8)),
});
export type ReplayFile = z.infer<typeof replaySchema>;

/** Answers from a file: { format: "lmlab-replay", answers: { "1971A": ["answer 1", ...] } }. */
export class ReplayClient implements ModelClient {
  readonly provider = 'replay' as const;
  readonly model: string;

  constructor(
    private readonly file: ReplayFile,
    name?: string,
  ) {
    this.model = name ?? file.model ?? 'replay';
  }

  static fromFile(path: string, name?: string): ReplayClient {
    return new ReplayClient(parseWith(replaySchema, readJsonFile(path), `${path}: not a replay file`), name);
  }

  async generate(request: GenerationRequest): Promise<Generation | null> {
    const text = this.file.answers[request.key]?.[request.attempt - 1];
    if (text === undefined) return null;
    return { text, promptTokens: 0, completionTokens: 0, finishReason: 'replay' };
  }
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 600_000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One generation with a deadline per request and retries of transient failures. onFailure
 * hears about every failed request (for the run's event log); the last error is rethrown.
 */
export async function generateWithRetries(
  client: ModelClient,
  request: Omit<GenerationRequest, 'signal'>,
  policy: RetryPolicy,
  onFailure: (message: string, willRetry: boolean) => void,
): Promise<Generation | null> {
  for (let tryNo = 0; ; tryNo++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
    try {
      return await client.generate({ ...request, signal: controller.signal });
    } catch (err) {
      const error = controller.signal.aborted
        ? new RetryableError(`request timed out after ${policy.timeoutMs} ms`)
        : (err as Error);
      const retry = error instanceof RetryableError && tryNo < policy.retries;
      onFailure(error.message, retry);
      if (!retry) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** tryNo) * (0.5 + Math.random() / 2);
      await sleep(Math.min(policy.maxDelayMs, Math.max(backoff, (error as RetryableError).retryAfterMs ?? 0)));
    } finally {
      clearTimeout(timer);
    }
  }
}
