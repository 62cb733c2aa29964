// The architecture description src/io works with (a plain LLaMA shape: RMSNorm, SwiGLU,
// rotate-half RoPE, grouped-query attention, optional tied embeddings) and its conversion to and
// from a Hugging Face config.json. Options that would change the computation and that the
// engine does not implement (RoPE scaling, biases, other activations) are refused with an error
// naming the config field, rather than loading a model that would compute something else.
import { LmlabError } from '../util/errors.ts';

/**
 * The plain LLaMA shape as the file formats store it. The model's LlamaConfig (src/model/
 * config.ts) has these fields; this module only reads and writes them.
 */
export interface LlamaConfig {
  vocabSize: number;
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffnHidden: number;
  ropeTheta: number;
  normEps: number;
  maxSeqLen: number;
  tieEmbeddings: boolean;
  headDim?: number | undefined;
}

/** Token ids a config.json may carry; kept apart from the shape, which the model validates strictly. */
export interface SpecialTokenIds {
  bosTokenId?: number;
  eosTokenId?: number;
}

export function headDim(config: LlamaConfig): number {
  return config.headDim ?? config.dim / config.heads;
}

/** Checks the shape is self-consistent; `source` names where it came from for the message. */
export function validateLlamaConfig(config: LlamaConfig, source = 'config'): void {
  const positive: (keyof LlamaConfig)[] = ['vocabSize', 'dim', 'layers', 'heads', 'kvHeads', 'ffnHidden', 'maxSeqLen'];
  for (const key of positive) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new LmlabError(`${source}: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (!(config.ropeTheta > 0)) throw new LmlabError(`${source}: ropeTheta must be positive`);
  if (!(config.normEps > 0)) throw new LmlabError(`${source}: normEps must be positive`);
  if (config.dim % config.heads !== 0) {
    throw new LmlabError(`${source}: dim ${config.dim} is not divisible by heads ${config.heads}`);
  }
  if ((config.dim / config.heads) % 2 !== 0) {
    throw new LmlabError(`${source}: head size ${config.dim / config.heads} must be even for RoPE`);
  }
  if (config.heads % config.kvHeads !== 0) {
    throw new LmlabError(`${source}: heads ${config.heads} is not a multiple of kvHeads ${config.kvHeads}`);
  }
}

type Json = Record<string, unknown>;

function field(json: Json, name: string, where: string, fallback?: number): number {
  const value = json[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LmlabError(`${where}: field ${name} is missing or not a number`);
  }
  return value;
}

function optionalTokenId(json: Json, name: string, where: string): number | undefined {
  const value = json[name];
  if (value === undefined || value === null) return undefined;
  // Some configs list several end tokens; the first one is the canonical id.
  const first = Array.isArray(value) ? value[0] : value;
  if (!Number.isSafeInteger(first) || (first as number) < 0) {
    throw new LmlabError(`${where}: field ${name} must be a token id`);
  }
  return first as number;
}

/** Parses a Hugging Face LLaMA-family config.json object; `where` names the file in errors. */
export function llamaConfigFromHf(json: unknown, where = 'config.json'): LlamaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LmlabError(`${where}: not a JSON object`);
  }
  const hf = json as Json;
  if (hf.model_type !== 'llama') {
    throw new LmlabError(`${where}: model_type ${JSON.stringify(hf.model_type)} is not supported (only "llama")`);
  }
  const act = hf.hidden_act ?? hf.hidden_activation ?? 'silu';
  if (act !== 'silu')
    throw new LmlabError(`${where}: hidden_act ${JSON.stringify(act)} is not supported (only "silu")`);
  if (hf.attention_bias === true) throw new LmlabError(`${where}: attention_bias true is not supported`);
  if (hf.mlp_bias === true) throw new LmlabError(`${where}: mlp_bias true is not supported`);
  // Newer transformers write RoPE settings as rope_parameters {rope_type, rope_theta}.
  const ropeParameters = hf.rope_parameters as Json | null | undefined;
  for (const [name, scaling] of [
    ['rope_scaling', hf.rope_scaling],
    ['rope_parameters', ropeParameters],
  ] as const) {
    if (scaling === undefined || scaling === null) continue;
    const kind = (scaling as Json).rope_type ?? (scaling as Json).type ?? 'default';
    if (kind !== 'default') throw new LmlabError(`${where}: ${name} type ${JSON.stringify(kind)} is not supported`);
  }
  const config: LlamaConfig = {
    vocabSize: field(hf, 'vocab_size', where),
    dim: field(hf, 'hidden_size', where),
    layers: field(hf, 'num_hidden_layers', where),
    heads: field(hf, 'num_attention_heads', where),
    kvHeads: field(hf, 'num_key_value_heads', where, field(hf, 'num_attention_heads', where)),
    ffnHidden: field(hf, 'intermediate_size', where),
    ropeTheta: field(hf, 'rope_theta', where, (ropeParameters?.rope_theta as number | undefined) ?? 10000),
    normEps: field(hf, 'rms_norm_eps', where, 1e-6),
    maxSeqLen: field(hf, 'max_position_embeddings', where, 2048),
    tieEmbeddings: hf.tie_word_embeddings === true,
  };
  if (hf.head_dim !== undefined && hf.head_dim !== null && hf.head_dim !== config.dim / config.heads) {
    throw new LmlabError(
      `${where}: head_dim ${String(hf.head_dim)} differs from hidden_size / num_attention_heads and is not supported`,
    );
  }
  validateLlamaConfig(config, where);
  return config;
}

/** bos_token_id and eos_token_id of a config.json (the first, where a list is given). */
export function specialTokenIdsFromHf(json: unknown, where = 'config.json'): SpecialTokenIds {
  const hf = (typeof json === 'object' && json !== null ? json : {}) as Json;
  const ids: SpecialTokenIds = {};
  const bos = optionalTokenId(hf, 'bos_token_id', where);
  const eos = optionalTokenId(hf, 'eos_token_id', where);
  if (bos !== undefined) ids.bosTokenId = bos;
  if (eos !== undefined) ids.eosTokenId = eos;
  return ids;
}

/** The Hugging Face config.json object for `config` (transformers' LlamaConfig fields). */
export function llamaConfigToHf(config: LlamaConfig, torchDtype = 'float32', ids: SpecialTokenIds = {}): Json {
  validateLlamaConfig(config);
  const hf: Json = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.dim,
    intermediate_size: config.ffnHidden,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    num_key_value_heads: config.kvHeads,
    head_dim: config.dim / config.heads,
    hidden_act: 'silu',
    max_position_embeddings: config.maxSeqLen,
    rms_norm_eps: config.normEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    attention_dropout: 0,
    mlp_bias: false,
    tie_word_embeddings: config.tieEmbeddings,
    torch_dtype: torchDtype,
  };
  if (ids.bosTokenId !== undefined) hf.bos_token_id = ids.bosTokenId;
  if (ids.eosTokenId !== undefined) hf.eos_token_id = ids.eosTokenId;
  return hf;
}
