// The OpenAI HTTP API's shapes as the server speaks them: request bodies of /v1/completions and
// /v1/chat/completions checked field by field (a wrong field is a 400 naming it), the error
// object {error: {message, type, param, code}}, and the response and stream-chunk objects of
// both endpoints with their two log-probability layouts. Plain data only: no I/O, no model.
import { z } from 'zod';
import { METHODS, MODES } from '../adaskip/plan.ts';
import type { TokenLogprob } from './decode.ts';

/** An error the client caused or can act on, sent as an OpenAI error object. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const nullableNumber = () => z.number().nullish();

const skipSchema = z.union([
  z.literal(false),
  z.null(),
  z.strictObject({
    profile: z.string().optional(),
    alpha: z.number().min(0).lt(1).optional(),
    method: z.enum(METHODS).optional(),
    mode: z.enum(MODES).optional(),
  }),
]);

const common = {
  model: z.string(),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  /** vLLM and llama.cpp extensions (the CodeElo harness sends them) */
  top_k: z.number().int().min(-1).nullish(),
  repetition_penalty: z.number().gt(0).max(10).nullish(),
  n: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z
    .number()
    .int()
    .min(-(2 ** 53))
    .max(2 ** 53)
    .nullish(),
  presence_penalty: nullableNumber(),
  frequency_penalty: nullableNumber(),
  user: z.string().nullish(),
  adaskip: skipSchema.optional(),
};

const completionSchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1), z.array(z.number().int().min(0)).min(1)]),
  logprobs: z.number().int().min(0).max(20).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
});

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const messageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});

const chatSchema = z.object({
  ...common,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  tools: z.array(z.unknown()).nullish(),
});

export type CompletionBody = z.output<typeof completionSchema>;
export type ChatBody = z.output<typeof chatSchema>;
export type SkipBody = z.output<typeof skipSchema>;

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'the request body must be a JSON object', 'invalid_request_error', null, 'invalid_body');
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join('.') || null;
    const missing = issue.code === 'invalid_type' && issue.path.length > 0 && getPath(body, issue.path) === undefined;
    const message = missing ? `${param} is required` : `invalid value for ${param ?? 'the body'}: ${issue.message}`;
    throw new ApiError(
      400,
      message,
      'invalid_request_error',
      param,
      missing ? 'missing_required_parameter' : 'invalid_value',
    );
  }
  const out = result.data as { n?: number | null; presence_penalty?: number | null; frequency_penalty?: number | null };
  if (out.n != null && out.n !== 1)
    throw new ApiError(
      400,
      `n = ${out.n} is not supported: this server returns one choice per request`,
      'invalid_request_error',
      'n',
      'unsupported_value',
    );
  for (const name of ['presence_penalty', 'frequency_penalty'] as const) {
    if (out[name] != null && out[name] !== 0)
      throw new ApiError(
        400,
        `${name} is not supported (use repetition_penalty)`,
        'invalid_request_error',
        name,
        'unsupported_value',
      );
  }
  return result.data;
}

function getPath(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export function parseCompletionBody(body: unknown): CompletionBody {
  const b = parse(completionSchema, body);
  if (b.echo) throw new ApiError(400, 'echo is not supported', 'invalid_request_error', 'echo', 'unsupported_value');
  if (b.suffix)
    throw new ApiError(400, 'suffix is not supported', 'invalid_request_error', 'suffix', 'unsupported_value');
  return b;
}

export function parseChatBody(body: unknown): ChatBody {
  const b = parse(chatSchema, body);
  if (b.top_logprobs != null && !b.logprobs)
    throw new ApiError(
      400,
      'top_logprobs needs logprobs: true',
      'invalid_request_error',
      'top_logprobs',
      'invalid_value',
    );
  return b;
}

/** Message content as the templates expect it: text parts joined into one string. */
export function messageText(content: unknown, index: number): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  const parts = content as Array<{ type: string; text?: string }>;
  return parts
    .map((p, j) => {
      if (p.type !== 'text' || typeof p.text !== 'string')
        throw new ApiError(
          400,
          `content part of type "${p.type}" is not supported (text only)`,
          'invalid_request_error',
          `messages.${index}.content.${j}`,
          'unsupported_value',
        );
      return p.text;
    })
    .join('');
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** The chat layout: {content: [{token, logprob, bytes, top_logprobs: [...]}]}. */
export function chatLogprobs(tokens: TokenLogprob[]): { content: unknown[]; refusal: null } {
  return {
    content: tokens.map((t) => ({
      token: t.text,
      logprob: t.logprob,
      bytes: t.bytes,
      top_logprobs: t.top.map((a) => ({ token: a.text, logprob: a.logprob, bytes: a.bytes })),
    })),
    refusal: null,
  };
}

/** The completions layout: parallel lists of tokens, their logprobs, alternatives and offsets. */
export function completionLogprobs(
  tokens: TokenLogprob[],
  startOffset: number,
): { tokens: string[]; token_logprobs: number[]; top_logprobs: Array<Record<string, number>>; text_offset: number[] } {
  const offsets: number[] = [];
  let offset = startOffset;
  for (const t of tokens) {
    offsets.push(offset);
    offset += t.text.length;
  }
  return {
    tokens: tokens.map((t) => t.text),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => Object.fromEntries(t.top.map((a) => [a.text, a.logprob]))),
    text_offset: offsets,
  };
}
