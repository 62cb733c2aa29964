// Hugging Face config.json → lmlab's shape (LlamaConfig) and resolved architecture, for the
// families the layer body implements: llama (1/2/3.x), mistral, qwen2, qwen3, gemma2,
// gemma3_text, phi3. Both layouts written in the wild are read: transformers 4 (rope_theta,
// rope_scaling, torch_dtype) and transformers 5 (rope_parameters, per layer type for Gemma 3;
// dtype). Anything that would change the computation and is not implemented is refused with an
// error naming the field and what is supported.
//
// Also the family's checkpoint layout: the tensor names and shapes it stores, and how they map
// onto lmlab's parameters (fused Phi-3 projections split, Gemma's 1 + w norms folded).
// Not here: reading files (src/io), the computation (layer.ts).
import type { QuantMatrix } from '../engine/quant.ts';
import { LmlabError } from '../util/errors.ts';
import type { Architecture, Family, RopeScaling, RopeSpec } from './architecture.ts';
import { type LlamaConfig, headDim, parseLlamaConfig } from './config.ts';
import { ParameterSet } from './params.ts';

type Json = Record<string, unknown>;

const MODEL_TYPES: Record<string, Family> = {
  llama: 'llama',
  mistral: 'mistral',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma2: 'gemma2',
  gemma3_text: 'gemma3',
  phi3: 'phi3',
};
export const SUPPORTED_MODEL_TYPES = Object.keys(MODEL_TYPES);

export interface ResolvedHfConfig {
  config: LlamaConfig;
  arch: Architecture;
  bosTokenId?: number;
  eosTokenId?: number;
}

function num(hf: Json, name: string, where: string, fallback?: number): number {
  const value = hf[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new LmlabError(`${where}: field ${name} is missing or not a number`);
  return value;
}

function optNum(hf: Json, name: string): number | null {
  const value = hf[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function tokenId(hf: Json, name: string, where: string): number | undefined {
  const value = hf[name];
  if (value === undefined || value === null) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (!Number.isSafeInteger(first) || (first as number) < 0)
    throw new LmlabError(`${where}: field ${name} must be a token id`);
  return first as number;
}

/** The RoPE scaling of one rope_scaling / rope_parameters object (null = none). */
function ropeScaling(s: Json | null, field: string, hf: Json, where: string): { scaling: RopeScaling; maxLen: number } {
  const maxPos = num(hf, 'max_position_embeddings', where, 2048);
  if (!s) return { scaling: { type: 'default' }, maxLen: maxPos };
  const kind = s.rope_type ?? s.type ?? 'default';
  const factor = (): number => {
    const f = s.factor;
    if (typeof f !== 'number' || !(f > 0)) throw new LmlabError(`${where}: ${field}.factor must be a positive number`);
    return f;
  };
  switch (kind) {
    case 'default':
      return { scaling: { type: 'default' }, maxLen: maxPos };
    case 'linear':
      return { scaling: { type: 'linear', factor: factor() }, maxLen: maxPos };
    case 'dynamic': {
      // dynamic NTK grows the base past max_position_embeddings, so the context may go beyond it
      const f = factor();
      return {
        scaling: { type: 'dynamic', factor: f, originalMax: maxPos },
        maxLen: Math.floor(maxPos * Math.max(1, f)),
      };
    }
    case 'llama3':
      return {
        scaling: {
          type: 'llama3',
          factor: factor(),
          lowFreqFactor: num(s, 'low_freq_factor', `${where}: ${field}`),
          highFreqFactor: num(s, 'high_freq_factor', `${where}: ${field}`),
          originalMax: num(s, 'original_max_position_embeddings', `${where}: ${field}`),
        },
        maxLen: maxPos,
      };
    case 'yarn': {
      let f = factor();
      const orig = optNum(s, 'original_max_position_embeddings');
      // when the original context is given, the ratio of the contexts is the scale
      if (orig !== null) f = maxPos / orig;
      const mscale = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
      const m = optNum(s, 'mscale');
      const mAll = optNum(s, 'mscale_all_dim');
      const attentionFactor = optNum(s, 'attention_factor') ?? (m && mAll ? mscale(f, m) / mscale(f, mAll) : mscale(f));
      return {
        scaling: {
          type: 'yarn',
          factor: f,
          originalMax: orig ?? maxPos,
          betaFast: optNum(s, 'beta_fast') ?? 32,
          betaSlow: optNum(s, 'beta_slow') ?? 1,
          attentionFactor,
          truncate: s.truncate !== false,
        },
        maxLen: maxPos,
      };
    }
    default:
      throw new LmlabError(
        `${where}: ${field} type ${JSON.stringify(kind)} is not supported (supported: default, linear, dynamic, llama3, yarn)`,
      );
  }
}

/** RoPE of full-attention and of sliding-window layers, from either config layout. */
function ropeSpecs(hf: Json, family: Family, where: string): { global: RopeSpec; local: RopeSpec; maxLen: number } {
  const defaultTheta = family === 'gemma3' ? 1_000_000 : 10_000;
  const params = (hf.rope_parameters ?? null) as Json | null;
  const perType = params && typeof params.full_attention === 'object' ? params : null;
  if (perType) {
    // transformers 5, Gemma 3: one parameter set per layer type
    const full = perType.full_attention as Json;
    const sliding = (perType.sliding_attention ?? full) as Json;
    const g = ropeScaling(full, 'rope_parameters.full_attention', hf, where);
    const l = ropeScaling(sliding, 'rope_parameters.sliding_attention', hf, where);
    return {
      global: { theta: num(full, 'rope_theta', where, defaultTheta), scaling: g.scaling },
      local: { theta: num(sliding, 'rope_theta', where, 10_000), scaling: l.scaling },
      maxLen: g.maxLen,
    };
  }
  const scalingJson = (hf.rope_scaling ?? params ?? null) as Json | null;
  const field = hf.rope_scaling ? 'rope_scaling' : 'rope_parameters';
  const theta = optNum(hf, 'rope_theta') ?? (params ? optNum(params, 'rope_theta') : null) ?? defaultTheta;
  const r = ropeScaling(scalingJson, field, hf, where);
  const global: RopeSpec = { theta, scaling: r.scaling };
  // Gemma 3's local layers use their own base and no scaling; others share one RoPE
  const local: RopeSpec =
    family === 'gemma3'
      ? { theta: optNum(hf, 'rope_local_base_freq') ?? 10_000, scaling: { type: 'default' } }
      : global;
  return { global, local, maxLen: r.maxLen };
}

/** Which layers use the sliding window: layer_types when written, else the family's pattern. */
function slidingLayers(hf: Json, family: Family, layers: number, where: string): boolean[] {
  const types = hf.layer_types;
  if (Array.isArray(types)) {
    if (types.length !== layers)
      throw new LmlabError(`${where}: layer_types has ${types.length} entries for ${layers} layers`);
    return types.map((t, i) => {
      if (t !== 'sliding_attention' && t !== 'full_attention')
        throw new LmlabError(
          `${where}: layer_types[${i}] ${JSON.stringify(t)} is not supported (full_attention, sliding_attention)`,
        );
      return t === 'sliding_attention';
    });
  }
  const all = (v: boolean) => new Array<boolean>(layers).fill(v);
  switch (family) {
    case 'gemma2':
      return all(false).map((_, i) => i % 2 === 0);
    case 'gemma3': {
      const pattern = optNum(hf, 'sliding_window_pattern') ?? 6;
      return all(false).map((_, i) => (i + 1) % pattern !== 0);
    }
    case 'qwen2':
    case 'qwen3': {
      if (hf.use_sliding_window !== true) return all(false);
      const from = optNum(hf, 'max_window_layers') ?? layers;
      return all(false).map((_, i) => i >= from);
    }
    case 'mistral':
    case 'phi3':
      return all(true);
    default:
      return all(false);
  }
}

/** Parses config.json of a supported family; `where` names the file in errors. */
export function resolveHfConfig(json: unknown, where = 'config.json'): ResolvedHfConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new LmlabError(`${where}: not a JSON object`);
  const hf = json as Json;
  const family = MODEL_TYPES[String(hf.model_type)];
  if (!family) {
    throw new LmlabError(
      `${where}: model_type ${JSON.stringify(hf.model_type)} is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
    );
  }
  const gemma = family === 'gemma2' || family === 'gemma3';
  const actField = gemma ? (hf.hidden_activation !== undefined ? 'hidden_activation' : 'hidden_act') : 'hidden_act';
  const act = hf[actField] ?? (gemma ? 'gelu_pytorch_tanh' : 'silu');
  let activation: Architecture['activation'];
  if (act === 'silu' || act === 'swish') activation = 'silu';
  else if (act === 'gelu_pytorch_tanh' || act === 'gelu_tanh') activation = 'gelu_tanh';
  else throw new LmlabError(`${where}: ${actField} ${JSON.stringify(act)} is not supported (silu, gelu_pytorch_tanh)`);
  const heads = num(hf, 'num_attention_heads', where);
  const dim = num(hf, 'hidden_size', where);
  const explicitHead = optNum(hf, 'head_dim') ?? (family === 'qwen3' ? 128 : gemma ? 256 : null);
  const rope = ropeSpecs(hf, family, where);
  const layers = num(hf, 'num_hidden_layers', where);
  const config = parseLlamaConfig(
    {
      vocabSize: num(hf, 'vocab_size', where),
      dim,
      layers,
      heads,
      kvHeads: num(hf, 'num_key_value_heads', where, heads),
      ffnHidden: num(hf, 'intermediate_size', where),
      ropeTheta: rope.global.theta,
      normEps: num(hf, 'rms_norm_eps', where, 1e-6),
      maxSeqLen: rope.maxLen,
      tieEmbeddings: typeof hf.tie_word_embeddings === 'boolean' ? hf.tie_word_embeddings : gemma,
      ...(explicitHead !== null && explicitHead !== dim / heads ? { headDim: explicitHead } : {}),
    },
    where,
  );
  const hd = headDim(config);
  const partial = optNum(hf, 'partial_rotary_factor') ?? 1;
  const rotaryDim = Math.floor(hd * partial);
  if (rotaryDim < 2 || rotaryDim % 2 !== 0 || rotaryDim > hd)
    throw new LmlabError(`${where}: partial_rotary_factor ${partial} gives an unusable rotary width ${rotaryDim}`);
  const window = optNum(hf, 'sliding_window') ?? (gemma && hf.sliding_window === undefined ? 4096 : null);
  const sliding = slidingLayers(hf, family, layers, where);
  // a window at least as long as the context never masks anything
  const windows = Int32Array.from(sliding, (s) =>
    s && window !== null && window > 0 && window < config.maxSeqLen ? window : 0,
  );
  const attentionBias = hf.attention_bias === true;
  const mlpBias = hf.mlp_bias === true;
  if (mlpBias && family !== 'llama')
    throw new LmlabError(`${where}: mlp_bias true is not supported for ${hf.model_type}`);
  const qpas = gemma ? (optNum(hf, 'query_pre_attn_scalar') ?? 256) : null;
  // Gemma 2 caps attention scores at 50 and logits at 30 unless the config says otherwise
  const cap = (name: string, gemma2Default: number) =>
    gemma ? (hf[name] === null ? 0 : (optNum(hf, name) ?? (family === 'gemma2' ? gemma2Default : 0))) : 0;
  const qkvBias = family === 'qwen2' || attentionBias;
  const arch: Architecture = {
    family,
    qkvBias,
    oBias: attentionBias,
    mlpBias,
    qkNorm: family === 'qwen3' || family === 'gemma3',
    postNorms: gemma,
    normUnitOffset: gemma,
    activation,
    rope: rope.global,
    ropeLocal: rope.local,
    rotaryDim,
    windows,
    embedScale: gemma ? Math.sqrt(dim) : 1,
    attnScale: 1 / Math.sqrt(qpas ?? hd),
    attnSoftcap: cap('attn_logit_softcapping', 50),
    finalSoftcap: cap('final_logit_softcapping', 30),
    trainable: false,
  };
  // the backward pass covers the LLaMA computation plus attention and MLP biases (Llama, Mistral
  // within its window, Qwen2) with standard RoPE; every other setting refuses training
  arch.trainable =
    (family === 'llama' || family === 'mistral' || family === 'qwen2') &&
    windows.every((w) => w === 0) &&
    rope.global.scaling.type === 'default' &&
    rotaryDim === hd;
  const ids: ResolvedHfConfig = { config, arch };
  const bos = tokenId(hf, 'bos_token_id', where);
  const eos = tokenId(hf, 'eos_token_id', where);
  if (bos !== undefined) ids.bosTokenId = bos;
  if (eos !== undefined) ids.eosTokenId = eos;
  return ids;
}

/** One stored tensor of the family's checkpoint and where its values go among lmlab's parameters. */
export interface StoredTensor {
  name: string;
  shape: number[];
  /** lmlab parameter names receiving consecutive row blocks of the tensor (fused projections) */
  targets: string[];
  /** the stored value is w for a 1 + w norm scale */
  unitOffset: boolean;
}

/** The tensors a checkpoint of this family stores (Hugging Face names), in canonical order. */
export function hfTensorLayout(c: LlamaConfig, a: Architecture): StoredTensor[] {
  const hd = headDim(c);
  const q = c.heads * hd;
  const kv = c.kvHeads * hd;
  const out: StoredTensor[] = [];
  const add = (name: string, shape: number[], targets: string[] = [name], unitOffset = false) =>
    out.push({ name, shape, targets, unitOffset });
  const norm = (name: string, target = name, width = c.dim) => add(name, [width], [target], a.normUnitOffset);
  add('model.embed_tokens.weight', [c.vocabSize, c.dim]);
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}.`;
    norm(`${p}input_layernorm.weight`);
    if (a.family === 'phi3') {
      add(
        `${p}self_attn.qkv_proj.weight`,
        [q + 2 * kv, c.dim],
        ['q_proj', 'k_proj', 'v_proj'].map((m) => `${p}self_attn.${m}.weight`),
      );
    } else {
      add(`${p}self_attn.q_proj.weight`, [q, c.dim]);
      add(`${p}self_attn.k_proj.weight`, [kv, c.dim]);
      add(`${p}self_attn.v_proj.weight`, [kv, c.dim]);
    }
    add(`${p}self_attn.o_proj.weight`, [c.dim, q]);
    if (a.qkvBias) {
      add(`${p}self_attn.q_proj.bias`, [q]);
      add(`${p}self_attn.k_proj.bias`, [kv]);
      add(`${p}self_attn.v_proj.bias`, [kv]);
    }
    if (a.oBias) add(`${p}self_attn.o_proj.bias`, [c.dim]);
    if (a.qkNorm) {
      norm(`${p}self_attn.q_norm.weight`, `${p}self_attn.q_norm.weight`, hd);
      norm(`${p}self_attn.k_norm.weight`, `${p}self_attn.k_norm.weight`, hd);
    }
    if (a.postNorms) {
      // Gemma: post_attention_layernorm norms the attention output; pre_feedforward_layernorm is the FFN's input norm
      norm(`${p}post_attention_layernorm.weight`, `${p}post_attn_output_norm.weight`);
      norm(`${p}pre_feedforward_layernorm.weight`, `${p}post_attention_layernorm.weight`);
      norm(`${p}post_feedforward_layernorm.weight`, `${p}post_ffn_output_norm.weight`);
    } else {
      norm(`${p}post_attention_layernorm.weight`);
    }
    if (a.family === 'phi3') {
      add(
        `${p}mlp.gate_up_proj.weight`,
        [2 * c.ffnHidden, c.dim],
        [`${p}mlp.gate_proj.weight`, `${p}mlp.up_proj.weight`],
      );
    } else {
      add(`${p}mlp.gate_proj.weight`, [c.ffnHidden, c.dim]);
      add(`${p}mlp.up_proj.weight`, [c.ffnHidden, c.dim]);
    }
    add(`${p}mlp.down_proj.weight`, [c.dim, c.ffnHidden]);
    if (a.mlpBias) {
      add(`${p}mlp.gate_proj.bias`, [c.ffnHidden]);
      add(`${p}mlp.up_proj.bias`, [c.ffnHidden]);
      add(`${p}mlp.down_proj.bias`, [c.dim]);
    }
  }
  norm('model.norm.weight');
  if (!c.tieEmbeddings) add('lm_head.weight', [c.vocabSize, c.dim]);
  return out;
}

/**
 * lmlab parameters from a family's stored tensors (Hugging Face names, float32). Gemma's stored
 * w becomes 1 + w unless the file already holds 1 + w (foldUnitOffset false: llama.cpp files).
 */
export function paramsFromHfTensors(
  config: LlamaConfig,
  arch: Architecture,
  stored: Map<string, { shape: readonly number[]; data: Float32Array }>,
  where = 'checkpoint',
  foldUnitOffset = true,
  quantized?: ReadonlyMap<string, QuantMatrix>,
): ParameterSet {
  const params = new ParameterSet(config, undefined, arch, quantized);
  for (const t of hfTensorLayout(config, arch)) {
    if (quantized?.has(t.name)) continue;
    const value = stored.get(t.name);
    if (!value) throw new LmlabError(`${where}: missing tensor ${t.name}`);
    let offset = 0;
    for (const target of t.targets) {
      const dest = params.get(target).data;
      dest.set(value.data.subarray(offset, offset + dest.length));
      if (t.unitOffset && foldUnitOffset) for (let i = 0; i < dest.length; i++) dest[i] += 1;
      offset += dest.length;
    }
    if (offset !== value.data.length)
      throw new LmlabError(`${where}: tensor ${t.name} has ${value.data.length} values, the config needs ${offset}`);
  }
  return params;
}
