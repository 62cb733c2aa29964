// A tiny chat model folder written by the tests (random weights, fixed seed): a byte-level BPE
// tokenizer trained on a few lines with ChatML's <|im_start|>/<|im_end|> as special tokens,
// config.json, model.safetensors and tokenizer_config.json carrying the Qwen2.5 chat template;
// and an in-process server on an ephemeral loopback port with an openai client for it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { ChunkCounter, saveTokenizer, trainBpe, type Tokenizer } from '../../src/tokenizer/index.ts';
import { LmlabServer, loadServedModel, type ServerOptions, type LoadServedOptions } from '../../src/serve/index.ts';

const CORPUS = [
  'The quick brown fox jumps over the lazy dog. ',
  'Fellow citizens, the state of the union is strong; the economy grows. ',
  'Numbers 12345 and 678, punctuation!? and unicode é, ü, 東京. ',
  'def solve(): read the input, print the answer. ',
];

export const QWEN_TEMPLATE = readFileSync(new URL('./fixtures/qwen2.5-instruct.jinja', import.meta.url), 'utf8');

export function chatTokenizer(): Tokenizer {
  const counter = new ChunkCounter();
  for (let i = 0; i < 20; i++) for (const line of CORPUS) counter.add(line);
  return trainBpe(counter, { vocabSize: 360, minFrequency: 2, extraSpecialTokens: ['<|im_start|>', '<|im_end|>'] })
    .tokenizer;
}

export interface TinyModelOptions {
  maxSeqLen?: number;
  seed?: number;
  /** swap these two rows of lm_head (swaps the two tokens' logits) */
  swapHead?: [number, number];
  template?: string | null;
}

/** Writes the tiny chat model into dir (created) and returns its tokenizer. */
export async function writeTinyChatModel(dir: string, options: TinyModelOptions = {}): Promise<Tokenizer> {
  mkdirSync(dir, { recursive: true });
  const tokenizer = chatTokenizer();
  const config = parseLlamaConfig({
    vocabSize: tokenizer.vocabSize,
    dim: 32,
    layers: 2,
    heads: 2,
    kvHeads: 1,
    ffnHidden: 64,
    maxSeqLen: options.maxSeqLen ?? 256,
  });
  const model = LlamaModel.initialised(config, options.seed ?? 5);
  // wider than the 0.02 init so that the logits differ visibly between tokens
  for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] *= 6;
  if (options.swapHead) {
    const head = model.params.get('lm_head.weight').data;
    const [a, b] = options.swapHead;
    const d = config.dim;
    const rowA = head.slice(a * d, (a + 1) * d);
    head.copyWithin(a * d, b * d, (b + 1) * d);
    head.set(rowA, b * d);
  }
  saveHfCheckpoint(dir, config, toNamedTensors(model.params), {
    bosTokenId: tokenizer.specialId('<|bos|>'),
    eosTokenId: tokenizer.specialId('<|eos|>'),
  });
  await saveTokenizer(tokenizer, join(dir, 'tokenizer.json'));
  const template = options.template === undefined ? QWEN_TEMPLATE : options.template;
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      bos_token: '<|bos|>',
      eos_token: '<|im_end|>',
      ...(template !== null ? { chat_template: template } : {}),
    }),
  );
  return tokenizer;
}

export interface Running {
  server: LmlabServer;
  baseURL: string;
  client: OpenAI;
  close(): Promise<void>;
}

export async function startServer(
  dir: string,
  options: ServerOptions = {},
  load: LoadServedOptions = {},
): Promise<Running> {
  const model = await loadServedModel(dir, { id: 'tiny', ...load });
  const server = new LmlabServer(model, options);
  const port = await server.listen(0, '127.0.0.1');
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const client = new OpenAI({ baseURL, apiKey: options.apiKey ?? 'none', maxRetries: 0, timeout: 60_000 });
  return { server, baseURL, client, close: () => server.close() };
}

/** The raw body of an HTTP response as text (for byte-level checks of the SSE format). */
export async function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
