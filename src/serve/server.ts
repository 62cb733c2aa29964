// The OpenAI-compatible HTTP server over one ServedModel: GET /health, GET /v1/models,
// POST /v1/completions and /v1/chat/completions, plain JSON or server-sent events exactly as the
// OpenAI API streams them (`data: {chunk}\n\n` … `data: [DONE]\n\n`). Requests are admitted
// through a bounded queue (429 + Retry-After beyond it); admitted requests decode a token at a
// time in turn, yielding to the event loop between tokens, so every stream advances and a client
// that disconnects stops its decode loop at the next token and drops its session (KV cache).
// Every failure a client can cause is an OpenAI error object with its status; the server keeps
// serving. Not here: loading the model (model.ts), sampling (decode.ts), argument parsing (CLI).
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LmlabError } from '../util/errors.ts';
import type { SamplingOptions } from '../model/generate.ts';
import type { InferenceSession } from '../model/inference.ts';
import { ChatTemplateError, type ChatMessage } from '../tokenizer/chat-template.ts';
import { Admission, QueueFullError } from './admission.ts';
import { methodNotAllowed, notFound, readJsonBody, sendJson, toApiError, writeEvent } from './http.ts';
import { Decoding, type Piece } from './decode.ts';
import type { ServedModel, SkipSettings } from './model.ts';
import {
  ApiError,
  chatLogprobs,
  completionLogprobs,
  messageText,
  parseChatBody,
  parseCompletionBody,
  usageOf,
  type ChatBody,
  type CompletionBody,
  type SkipBody,
} from './protocol.ts';

export interface ServerOptions {
  /** requests need `Authorization: Bearer <apiKey>` when set */
  apiKey?: string;
  /** requests decoding at once (default 4) */
  maxActive?: number;
  /** requests waiting beyond those (default 16); more get 429 */
  maxQueued?: number;
  /** largest request body in bytes (default 1 MiB); larger gets 413 */
  maxBodyBytes?: number;
  /** called before each decode step of a request; a returned promise is awaited (pacing, tests) */
  beforeStep?: (requestId: string, step: number, signal: AbortSignal) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface RequestEnd {
  id: string;
  endpoint: 'completions' | 'chat';
  outcome: 'stop' | 'length' | 'cancelled' | 'error';
  promptTokens: number;
  completionTokens: number;
}

export interface ServerStats {
  active: number;
  queued: number;
  /** sessions alive now and the bytes their KV caches hold */
  sessions: number;
  kvBytes: number;
  completed: number;
  cancelled: number;
  rejected: number;
}

const RETRY_AFTER_SECONDS = 1;

export class LmlabServer extends EventEmitter {
  readonly http: Server;
  private readonly admission: Admission;
  private readonly sessions = new Set<InferenceSession>();
  private readonly maxBodyBytes: number;
  private readonly log: (line: string) => void;
  private counts = { completed: 0, cancelled: 0, rejected: 0 };

  constructor(
    readonly model: ServedModel,
    private readonly options: ServerOptions = {},
  ) {
    super();
    this.admission = new Admission(options.maxActive ?? 4, options.maxQueued ?? 16);
    this.maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
    this.log = options.log ?? (() => {});
    this.http = createServer((req, res) => {
      this.route(req, res).catch((err) => this.fail(res, err));
    });
  }

  stats(): ServerStats {
    let kvBytes = 0;
    for (const s of this.sessions) kvBytes += s.kvBytes();
    return {
      active: this.admission.active,
      queued: this.admission.queued,
      sessions: this.sessions.size,
      kvBytes,
      ...this.counts,
    };
  }

  /** Starts listening; resolves with the bound port (0 = any free port). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/health') {
      if (method !== 'GET') throw methodNotAllowed(method, path);
      return sendJson(res, 200, { status: 'ok', model: this.model.id, ...this.stats() });
    }
    if (!path.startsWith('/v1/')) throw notFound(method, path);
    this.authorize(req);
    if (path === '/v1/models' || path === `/v1/models/${encodeURIComponent(this.model.id)}`) {
      if (method !== 'GET') throw methodNotAllowed(method, path);
      const card = {
        id: this.model.id,
        object: 'model',
        created: 0,
        owned_by: 'lmlab',
        max_model_len: this.model.contextLength,
      };
      return sendJson(res, 200, path === '/v1/models' ? { object: 'list', data: [card] } : card);
    }
    if (path.startsWith('/v1/models/')) {
      throw new ApiError(
        404,
        `The model '${decodeURIComponent(path.slice('/v1/models/'.length))}' does not exist`,
        'invalid_request_error',
        'model',
        'model_not_found',
      );
    }
    if (path === '/v1/completions' || path === '/v1/chat/completions') {
      if (method !== 'POST') throw methodNotAllowed(method, path);
      const body = await readJsonBody(req, this.maxBodyBytes);
      if (path === '/v1/completions') return this.completions(parseCompletionBody(body), res);
      return this.chat(parseChatBody(body), res);
    }
    throw notFound(method, path);
  }

  private authorize(req: IncomingMessage): void {
    const key = this.options.apiKey;
    if (!key) return;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match)
      throw new ApiError(
        401,
        "You didn't provide an API key: send it as Authorization: Bearer <key>",
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    const given = Buffer.from(match[1].trim());
    const want = Buffer.from(key);
    if (given.length !== want.length || !timingSafeEqual(given, want))
      throw new ApiError(401, 'Incorrect API key provided', 'invalid_request_error', null, 'invalid_api_key');
  }

  private checkModel(name: string): void {
    if (name !== this.model.id)
      throw new ApiError(
        404,
        `The model '${name}' does not exist (this server serves '${this.model.id}')`,
        'invalid_request_error',
        'model',
        'model_not_found',
      );
  }

  private skipOf(body: SkipBody | undefined): SkipSettings | null | undefined {
    if (body === undefined) return undefined;
    if (body === false || body === null) return null;
    const merged: SkipSettings = { ...(this.model.defaultSkip ?? {}) };
    if (body.profile !== undefined) merged.profile = body.profile;
    if (body.alpha !== undefined) merged.alpha = body.alpha;
    if (body.method !== undefined) merged.method = body.method;
    if (body.mode !== undefined) merged.mode = body.mode;
    try {
      this.model.checkSkip(merged);
    } catch (err) {
      throw new ApiError(400, (err as Error).message, 'invalid_request_error', 'adaskip', 'invalid_value');
    }
    return merged;
  }

  private limits(prompt: Int32Array, requested: number | null | undefined, param: string): number {
    const ctx = this.model.contextLength;
    if (prompt.length >= ctx) {
      throw new ApiError(
        400,
        `This model's maximum context length is ${ctx} tokens. However, your prompt has ${prompt.length} tokens, leaving no room for a completion.`,
        'invalid_request_error',
        param,
        'context_length_exceeded',
      );
    }
    if (requested == null) return ctx - prompt.length;
    if (prompt.length + requested > ctx) {
      throw new ApiError(
        400,
        `This model's maximum context length is ${ctx} tokens. However, you requested ${prompt.length + requested} tokens (${prompt.length} in the prompt, ${requested} for the completion). Please reduce the prompt or the completion length.`,
        'invalid_request_error',
        param,
        'context_length_exceeded',
      );
    }
    return requested;
  }

  private sampling(body: CompletionBody | ChatBody): SamplingOptions {
    return {
      temperature: body.temperature ?? 1,
      topP: body.top_p ?? 1,
      topK: Math.max(0, body.top_k ?? 0),
      repetitionPenalty: body.repetition_penalty ?? 1,
      seed: body.seed ?? randomInt(0, 2 ** 31),
    };
  }

  private async completions(body: CompletionBody, res: ServerResponse): Promise<void> {
    this.checkModel(body.model);
    const p = body.prompt;
    let prompt: Int32Array;
    if (typeof p === 'string') prompt = this.model.encodeText(p);
    else if (typeof p[0] === 'string') prompt = this.model.encodeText(p[0] as string);
    else {
      const ids = p as number[];
      const bad = ids.findIndex((id) => id >= this.model.model.config.vocabSize);
      if (bad >= 0)
        throw new ApiError(
          400,
          `token id ${ids[bad]} is outside the vocabulary of ${this.model.model.config.vocabSize}`,
          'invalid_request_error',
          `prompt.${bad}`,
          'invalid_value',
        );
      prompt = Int32Array.from(ids);
    }
    const maxTokens = this.limits(prompt, body.max_tokens, 'prompt');
    const id = `cmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    let offset = 0;
    const logprobsOf = (piece: Piece) => {
      if (body.logprobs == null) return null;
      const lp = completionLogprobs(piece.tokens, offset);
      return lp;
    };
    await this.generate(res, {
      id,
      endpoint: 'completions',
      prompt,
      maxTokens,
      body,
      topLogprobs: body.logprobs ?? null,
      first: null,
      chunk: (piece) => {
        const lp = logprobsOf(piece);
        offset += piece.text.length;
        return {
          id,
          object: 'text_completion',
          created,
          model: this.model.id,
          choices: [{ text: piece.text, index: 0, logprobs: lp, finish_reason: null }],
        };
      },
      last: (finish) => ({
        id,
        object: 'text_completion',
        created,
        model: this.model.id,
        choices: [{ text: '', index: 0, logprobs: null, finish_reason: finish }],
      }),
      whole: (d, finish, tokens, extra) => ({
        id,
        object: 'text_completion',
        created,
        model: this.model.id,
        choices: [
          {
            text: d.text,
            index: 0,
            logprobs: body.logprobs == null ? null : completionLogprobs(tokens, 0),
            finish_reason: finish,
          },
        ],
        usage: usageOf(d.promptTokens, d.completionTokens),
        ...extra,
      }),
    });
  }

  private async chat(body: ChatBody, res: ServerResponse): Promise<void> {
    this.checkModel(body.model);
    const messages: ChatMessage[] = body.messages.map((m, i) => ({
      ...m,
      role: m.role === 'developer' ? 'system' : m.role,
      content: messageText(m.content, i),
    }));
    let prompt: Int32Array;
    try {
      prompt = this.model.encodeChat(messages, body.tools ?? undefined);
    } catch (err) {
      if (err instanceof ChatTemplateError)
        throw new ApiError(400, err.message, 'invalid_request_error', 'messages', 'invalid_messages');
      if (err instanceof LmlabError)
        throw new ApiError(400, err.message, 'invalid_request_error', 'messages', 'chat_template_missing');
      throw err;
    }
    const maxTokens = this.limits(prompt, body.max_completion_tokens ?? body.max_tokens, 'messages');
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const wantLogprobs = Boolean(body.logprobs);
    const base = { id, object: 'chat.completion.chunk', created, model: this.model.id };
    await this.generate(res, {
      id,
      endpoint: 'chat',
      prompt,
      maxTokens,
      body,
      topLogprobs: wantLogprobs ? (body.top_logprobs ?? 0) : null,
      first: {
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      },
      chunk: (piece) => ({
        ...base,
        choices: [
          {
            index: 0,
            delta: { content: piece.text },
            logprobs: wantLogprobs ? chatLogprobs(piece.tokens) : null,
            finish_reason: null,
          },
        ],
      }),
      last: (finish) => ({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }] }),
      whole: (d, finish, tokens, extra) => ({
        id,
        object: 'chat.completion',
        created,
        model: this.model.id,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: d.text, refusal: null },
            logprobs: wantLogprobs ? chatLogprobs(tokens) : null,
            finish_reason: finish,
          },
        ],
        usage: usageOf(d.promptTokens, d.completionTokens),
        ...extra,
      }),
    });
  }

  private async generate(
    res: ServerResponse,
    job: {
      id: string;
      endpoint: 'completions' | 'chat';
      prompt: Int32Array;
      maxTokens: number;
      body: CompletionBody | ChatBody;
      topLogprobs: number | null;
      first: object | null;
      chunk: (piece: Piece) => object;
      last: (finish: string) => object;
      whole: (d: Decoding, finish: string, tokens: Piece['tokens'], extra: object) => object;
    },
  ): Promise<void> {
    const { body } = job;
    const skip = this.skipOf(body.adaskip);
    const sampling = this.sampling(body);
    const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });
    try {
      await this.admission.acquire(abort.signal);
    } catch (err) {
      if (err instanceof QueueFullError) {
        this.counts.rejected++;
        throw new ApiError(
          429,
          `${err.message}; retry after ${RETRY_AFTER_SECONDS} s`,
          'requests',
          null,
          'rate_limit_exceeded',
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        );
      }
      this.counts.cancelled++;
      this.emit('request-end', {
        id: job.id,
        endpoint: job.endpoint,
        outcome: 'cancelled',
        promptTokens: job.prompt.length,
        completionTokens: 0,
      } satisfies RequestEnd);
      return;
    }
    let session: InferenceSession | null = null;
    let decoding: Decoding | null = null;
    let outcome: RequestEnd['outcome'] = 'error';
    try {
      const made = this.model.newSession(skip);
      session = made.session;
      this.sessions.add(session);
      decoding = new Decoding(session, this.model.tokenizer, job.prompt, {
        sampling,
        maxTokens: job.maxTokens,
        stopTokens: this.model.stopTokens,
        stopStrings: stop,
        topLogprobs: job.topLogprobs,
      });
      const stream = Boolean(body.stream);
      const includeUsage = stream && Boolean(body.stream_options?.include_usage);
      const withUsage = (o: object) => (includeUsage ? { ...o, usage: null } : o);
      if (stream) {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.flushHeaders();
        if (job.first) writeEvent(res, withUsage(job.first));
      }
      decoding.start();
      const tokens: Piece['tokens'] = [];
      for (let step = 0; !decoding.done; step++) {
        if (abort.signal.aborted) break;
        const hook = this.options.beforeStep?.(job.id, step, abort.signal);
        if (hook) await hook;
        if (abort.signal.aborted) break;
        const piece = decoding.step();
        if (stream) {
          if (piece.text.length > 0 || piece.tokens.length > 0) writeEvent(res, withUsage(job.chunk(piece)));
        } else {
          tokens.push(...piece.tokens);
        }
        // let I/O (new requests, disconnects) and the other admitted requests run
        if (!decoding.done) await new Promise((resolve) => setImmediate(resolve));
      }
      if (abort.signal.aborted || !decoding.done) {
        outcome = 'cancelled';
        this.counts.cancelled++;
        this.log(`${job.id}: client went away after ${decoding.completionTokens} tokens; decoding stopped`);
        return;
      }
      const finish = decoding.finishReason!;
      outcome = finish;
      const extra = made.controller ? { adaskip: made.controller.stats() } : {};
      if (stream) {
        writeEvent(res, withUsage(job.last(finish)));
        if (includeUsage)
          writeEvent(res, {
            ...job.last(finish),
            choices: [],
            usage: usageOf(decoding.promptTokens, decoding.completionTokens),
          });
        res.end('data: [DONE]\n\n');
      } else {
        sendJson(res, 200, job.whole(decoding, finish, tokens, extra));
      }
      this.counts.completed++;
    } catch (err) {
      if (res.headersSent) {
        const apiError = toApiError(err, this.log);
        res.end(`data: ${JSON.stringify(apiError.body())}\n\n`);
      } else {
        throw err;
      }
    } finally {
      if (session) this.sessions.delete(session);
      this.admission.release();
      this.emit('request-end', {
        id: job.id,
        endpoint: job.endpoint,
        outcome,
        promptTokens: job.prompt.length,
        completionTokens: decoding?.completionTokens ?? 0,
      } satisfies RequestEnd);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    const apiError = toApiError(err, this.log);
    if (res.headersSent) {
      res.end();
      return;
    }
    sendJson(res, apiError.status, apiError.body(), apiError.headers, apiError.status === 413 ? { close: true } : {});
  }
}
