// A model as the server holds it: the engine's model and tokenizer, the chat template and the
// tokens a generation stops at, the AdaSkip profiles it may skip with and the server's default
// skip settings. Turns a completion prompt or a chat conversation into token ids and makes the
// inference session of one request (dense, or wired to its own skip controller).
// A model folder in Hugging Face layout or a llama.cpp GGUF file loads (the GGUF's own vocabulary
// and its tokenizer.chat_template). Not here: HTTP, sampling, queueing.
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { GgufFile } from '../io/gguf.ts';
import { InferenceSession } from '../model/inference.ts';
import type { LlamaModel } from '../model/llama.ts';
import { loadModelDir } from '../model/load.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import {
  type ChatMessage,
  ChatTemplate,
  chatStopTokens,
  configuredEosIds,
  loadChatTemplate,
} from '../tokenizer/chat-template.ts';
import { createAdaSkipHooks, type AdaSkipController } from '../adaskip/controller.ts';
import { checkAlpha, type SkipMethod, type SkipMode } from '../adaskip/plan.ts';
import { checkProfileMatches, loadProfile, type AdaSkipProfile } from '../adaskip/profile.ts';

/** Skip settings of one request; profile names one of the profiles the server loaded. */
export interface SkipSettings {
  profile?: string;
  alpha?: number;
  method?: SkipMethod;
  mode?: SkipMode;
}

export interface ServedModelParts {
  id: string;
  model: LlamaModel;
  tokenizer: Tokenizer;
  template: ChatTemplate | null;
  /** eos ids from generation_config.json / config.json */
  eosIds?: number[];
  profiles?: Map<string, AdaSkipProfile>;
  /** the skip settings of requests that do not give their own (null: dense) */
  defaultSkip?: SkipSettings | null;
  /** prefill chunk in tokens */
  chunk?: number;
}

const PROFILE_FREE: ReadonlySet<SkipMethod> = new Set(['early-exit', 'skipdecode', 'unified', 'random']);

export class ServedModel {
  readonly id: string;
  readonly model: LlamaModel;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate | null;
  /** token ids every generation stops at (EOS, configured eos ids, the template's end of turn) */
  readonly stopTokens: number[];
  readonly profiles: Map<string, AdaSkipProfile>;
  readonly defaultSkip: SkipSettings | null;
  readonly chunk: number;

  constructor(parts: ServedModelParts) {
    this.id = parts.id;
    this.model = parts.model;
    this.tokenizer = parts.tokenizer;
    this.template = parts.template;
    this.stopTokens = chatStopTokens(
      parts.tokenizer,
      parts.template,
      (parts.eosIds ?? []).filter((id) => id < parts.model.config.vocabSize),
    );
    this.profiles = parts.profiles ?? new Map();
    for (const [name, profile] of this.profiles) checkProfileMatches(profile, this.model, `AdaSkip profile ${name}`);
    this.defaultSkip = parts.defaultSkip ?? null;
    if (this.defaultSkip) this.checkSkip(this.defaultSkip);
    this.chunk = parts.chunk ?? 512;
  }

  get contextLength(): number {
    return this.model.config.maxSeqLen;
  }

  /** A completion prompt: BOS (when the tokenizer has one) and the text, as `lmlab generate` does. */
  encodeText(text: string): Int32Array {
    const bos = this.tokenizer.bosId;
    return Int32Array.from([...(bos === undefined ? [] : [bos]), ...this.tokenizer.encode(text)]);
  }

  /** A chat prompt: the rendered template, its special tokens recognised, no BOS added. */
  encodeChat(messages: ChatMessage[], tools?: unknown[]): Int32Array {
    if (!this.template)
      throw new LmlabError(
        `model ${this.id} has no chat template (tokenizer_config.json chat_template); use /v1/completions`,
      );
    const text = this.template.render(messages, { addGenerationPrompt: true, ...(tools ? { tools } : {}) });
    return Int32Array.from(this.tokenizer.encode(text, { allowSpecial: true }));
  }

  /** Throws an LmlabError naming what is wrong with these skip settings. */
  checkSkip(skip: SkipSettings): void {
    if (skip.alpha !== undefined) checkAlpha(skip.alpha);
    if (skip.method === 'cost-aware')
      throw new LmlabError('adaskip method cost-aware needs measured sublayer times; it cannot be served');
    if (skip.profile !== undefined && !this.profiles.has(skip.profile)) {
      throw new LmlabError(
        `no AdaSkip profile named "${skip.profile}" on this server (have: ${[...this.profiles.keys()].join(', ') || 'none'})`,
      );
    }
    const method = skip.method ?? 'adaskip';
    if (!PROFILE_FREE.has(method) && this.profileOf(skip) === null) {
      throw new LmlabError(
        `adaskip method ${method} needs a profile and the server has none (start it with --adaskip PROFILE)`,
      );
    }
  }

  private profileOf(skip: SkipSettings): AdaSkipProfile | null {
    if (skip.profile !== undefined) return this.profiles.get(skip.profile) ?? null;
    return this.profiles.size > 0 ? this.profiles.values().next().value! : null;
  }

  /** The inference session of one request (skip: null = dense, undefined = the server default). */
  newSession(skip?: SkipSettings | null): { session: InferenceSession; controller: AdaSkipController | null } {
    const settings = skip === undefined ? this.defaultSkip : skip;
    if (!settings) return { session: new InferenceSession(this.model, { chunk: this.chunk }), controller: null };
    this.checkSkip(settings);
    const method = settings.method ?? 'adaskip';
    const controller = createAdaSkipHooks(this.model, PROFILE_FREE.has(method) ? null : this.profileOf(settings), {
      method,
      mode: settings.mode ?? 'e2e',
      alpha: settings.alpha ?? 0.25,
    });
    return { session: controller.newSession(this.model, this.chunk), controller };
  }
}

export interface LoadServedOptions {
  id?: string;
  /** AdaSkip profile files (named by their file name without .json, or NAME=PATH) */
  profiles?: string[];
  defaultSkip?: SkipSettings | null;
  chunk?: number;
}

/** The chat template and configured EOS ids: tokenizer_config.json and generation_config.json in a
 * folder, `tokenizer.chat_template` and `tokenizer.ggml.eos_token_id` in a GGUF file. */
function chatSettings(path: string, tokenizer: Tokenizer): { template: ChatTemplate | null; eosIds: number[] } {
  if (!statSync(path).isFile()) return { template: loadChatTemplate(path), eosIds: configuredEosIds(path) };
  const file = GgufFile.open(path);
  try {
    const source = file.metadata.get('tokenizer.chat_template')?.value;
    const name = (id: number | undefined) => (id === undefined ? undefined : tokenizer.tokenString(id));
    const bosToken = name(tokenizer.bosId);
    const eosToken = name(tokenizer.eosId);
    const template =
      typeof source === 'string'
        ? new ChatTemplate(source, {
            ...(bosToken !== undefined ? { bosToken } : {}),
            ...(eosToken !== undefined ? { eosToken } : {}),
          })
        : null;
    return { template, eosIds: tokenizer.eosId === undefined ? [] : [tokenizer.eosId] };
  } finally {
    file.close();
  }
}

/** Loads a model folder or GGUF file for serving. */
export async function loadServedModel(path: string, options: LoadServedOptions = {}): Promise<ServedModel> {
  if (!existsSync(path)) throw new LmlabError(`model not found: ${path}`);
  if (statSync(path).isFile()) {
    if (!/\.gguf$/i.test(path))
      throw new LmlabError(`${path}: expected a model folder (config.json, model.safetensors, tokenizer.json)`);
  }
  const loaded = await loadModelDir(path, { requireTokenizer: true });
  const profiles = new Map<string, AdaSkipProfile>();
  for (const spec of options.profiles ?? []) {
    const eq = spec.indexOf('=');
    const [name, file] =
      eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [basename(spec).replace(/\.json$/i, ''), spec];
    if (profiles.has(name)) throw new LmlabError(`two AdaSkip profiles are named "${name}"`);
    profiles.set(name, loadProfile(file, loaded.model));
  }
  return new ServedModel({
    id: options.id ?? (basename(path.replace(/[\\/]+$/, '')) || 'model'),
    model: loaded.model,
    tokenizer: loaded.tokenizer!,
    ...chatSettings(path, loaded.tokenizer!),
    profiles,
    defaultSkip: options.defaultSkip ?? null,
    ...(options.chunk ? { chunk: options.chunk } : {}),
  });
}
