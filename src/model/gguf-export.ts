// Any supported family as a llama.cpp model file: the architecture description becomes
// llama.cpp's architecture (llama — also for Mistral —, qwen2, qwen3, gemma2, gemma3, phi3), its
// metadata keys and its tensor names and layouts, so that llama.cpp's loader computes what lmlab
// computes. What llama.cpp's graphs do differently is settled here, not silently:
//   - llama: its RoPE rotates adjacent pairs, so Q/K rows (and q/k biases) are permuted; the
//     other architectures rotate halves as Hugging Face does and are written unpermuted.
//   - Gemma: llama.cpp multiplies by the stored norm weight, so the 1 + w that lmlab already
//     folded in is what is stored (llama.cpp's converter adds the 1 too); the attention scale is
//     fixed by llama.cpp (1/√head_dim, 1/√(dim/heads) for the 27B shapes), as are Gemma 3's
//     local RoPE base (10000) and its one-global-in-six layer pattern, and Gemma 2 always
//     soft-caps: a description that differs is refused.
//   - Sliding windows: llama.cpp applies them for gemma2/gemma3 only; for llama (Mistral), qwen2
//     and phi3 it attends to the whole context, so the window is not written and the export
//     says so (the file then means full attention, for llama.cpp and for lmlab alike).
//   - RoPE scaling: linear and yarn become rope.scaling.* keys; llama3 (and factors read from a
//     GGUF) a rope_freqs tensor (llama architecture); dynamic NTK has no llama.cpp equivalent and
//     is refused.
// Not here: the container (io/gguf.ts), the vocabulary keys (io/gguf-vocab.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { writeGguf, type GgufMetadata, type GgufTensorInput, type GgufValue } from '../io/gguf.ts';
import { setGgufVocabulary, type GgufTokenizerData } from '../io/gguf-vocab.ts';
import { readHfTokenizer } from '../io/hf-tokenizer.ts';
import { ggufTensorName } from '../io/gguf-llama.ts';
import { toInterleavedRope } from '../io/rope-permute.ts';
import { type Architecture, ropeFrequencies } from './architecture.ts';
import { headDim } from './config.ts';
import type { LlamaModel } from './llama.ts';
import { loadHfWeights } from './load.ts';

export interface GgufExportOptions {
  /** storage of the matrices (norms and biases stay F32); default F32 */
  fileType?: 'F32' | 'F16' | 'Q8_0' | 'Q4_K';
  name?: string;
}

const GGUF_ARCH: Record<Architecture['family'], string> = {
  llama: 'llama',
  mistral: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma2: 'gemma2',
  gemma3: 'gemma3',
  phi3: 'phi3',
};

/** llama.cpp's architecture name for a family. */
export function ggufArchitecture(family: Architecture['family']): string {
  return GGUF_ARCH[family];
}

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
const f32 = (value: number): GgufValue => ({ type: 'f32', value });
const str = (value: string): GgufValue => ({ type: 'string', value });

/** Refuses what llama.cpp's graph for the architecture would compute differently; returns notes. */
function checkSupported(model: LlamaModel, where: string): string[] {
  const c = model.config;
  const a = model.arch;
  const hd = headDim(c);
  const notes: string[] = [];
  const refuse = (what: string) => {
    throw new LmlabError(`${where}: ${what}`);
  };
  const gemma = a.family === 'gemma2' || a.family === 'gemma3';
  if (a.rope.scaling.type === 'dynamic')
    refuse('dynamic NTK RoPE scaling has no llama.cpp equivalent (supported: none, linear, yarn, llama3)');
  if ((a.rope.scaling.type === 'llama3' || a.rope.scaling.type === 'factors') && a.family !== 'llama')
    refuse(`per-frequency RoPE factors are read by llama.cpp's llama architecture only, not ${a.family}`);
  if ((a.family === 'llama' || a.family === 'mistral') && a.rotaryDim !== hd)
    refuse('partial rotary embeddings are not supported by llama.cpp for the llama architecture');
  if (a.qkvBias && !['llama', 'mistral', 'qwen2'].includes(a.family))
    refuse(`llama.cpp's ${ggufArchitecture(a.family)} architecture has no q/k/v biases`);
  if ((a.oBias || a.mlpBias) && a.family !== 'llama' && a.family !== 'mistral')
    refuse(`llama.cpp's ${ggufArchitecture(a.family)} architecture has no output or MLP biases`);
  if (a.qkvBias !== a.oBias && (a.family === 'llama' || a.family === 'mistral'))
    refuse('the llama architecture is written with all four attention biases or none');
  const windowed = a.windows.some((w) => w > 0);
  if (windowed && !gemma) {
    const w = Math.max(...a.windows);
    notes.push(
      `sliding window ${w} not written: llama.cpp's ${ggufArchitecture(a.family)} architecture attends to the whole context`,
    );
  }
  if (gemma && !c.tieEmbeddings) refuse(`llama.cpp's ${a.family} reads the tied embedding as its output matrix`);
  if (gemma) {
    const bigShape = a.family === 'gemma2' ? c.layers === 46 : c.layers === 62;
    const scale = 1 / Math.sqrt(bigShape ? c.dim / c.heads : hd);
    if (Math.abs(a.attnScale - scale) > 1e-6 * scale)
      refuse(
        `attention scale 1/√${(1 / a.attnScale ** 2).toPrecision(6)} differs from llama.cpp's for this shape (query_pre_attn_scalar ${bigShape ? c.dim / c.heads : hd})`,
      );
    const period = a.family === 'gemma2' ? 2 : 6;
    // llama.cpp's sliding layers: l mod period < period − 1
    const local = Array.from(a.windows, (_, l) => l % period < period - 1);
    const allFull = a.windows.every((w) => w === 0);
    if (!allFull && a.windows.some((w, l) => w > 0 !== local[l]))
      refuse(`sliding-window layers do not follow llama.cpp's ${a.family} pattern (every ${period}th layer global)`);
    if (allFull && a.family === 'gemma3')
      refuse("no sliding-window layer within the context: llama.cpp's gemma3 needs them for its local RoPE base");
    const windowSizes = new Set(Array.from(a.windows).filter((w) => w > 0));
    if (windowSizes.size > 1) refuse('sliding-window layers with different windows');
  }
  if (a.family === 'gemma2' && (a.attnSoftcap === 0 || a.finalSoftcap === 0))
    refuse("llama.cpp's gemma2 always soft-caps attention scores and logits; a cap of none is not expressible");
  if (a.family === 'gemma3') {
    if (a.attnSoftcap !== 0 || a.finalSoftcap !== 0)
      refuse("llama.cpp's gemma3 (with sliding windows) does not soft-cap attention scores or logits");
    if (a.ropeLocal.theta !== 10000 || a.ropeLocal.scaling.type !== 'default')
      refuse("llama.cpp's gemma3 rotates local layers with base 10000 and no scaling");
  } else if (a.ropeLocal !== a.rope && JSON.stringify(a.ropeLocal) !== JSON.stringify(a.rope)) {
    refuse('a separate RoPE for local layers is written for gemma3 only');
  }
  if (!gemma && (a.attnSoftcap !== 0 || a.finalSoftcap !== 0 || a.postNorms || a.embedScale !== 1))
    refuse(`soft-capping, sandwich norms or an embedding scale are not part of llama.cpp's ${a.family} architecture`);
  return notes;
}

/** The architecture metadata block (without the vocabulary). */
export function familyGgufMetadata(model: LlamaModel, options: GgufExportOptions = {}): GgufMetadata {
  const c = model.config;
  const a = model.arch;
  const arch = ggufArchitecture(a.family);
  const hd = headDim(c);
  const meta: GgufMetadata = new Map();
  const k = (key: string, value: GgufValue) => meta.set(`${arch}.${key}`, value);
  meta.set('general.architecture', str(arch));
  meta.set('general.name', str(options.name ?? 'lmlab'));
  meta.set('general.file_type', u32({ F32: 0, F16: 1, Q8_0: 7, Q4_K: 15 }[options.fileType ?? 'F32']));
  k('vocab_size', u32(c.vocabSize));
  k('context_length', u32(c.maxSeqLen));
  k('embedding_length', u32(c.dim));
  k('block_count', u32(c.layers));
  k('feed_forward_length', u32(c.ffnHidden));
  k('attention.head_count', u32(c.heads));
  k('attention.head_count_kv', u32(c.kvHeads));
  k('attention.key_length', u32(hd));
  k('attention.value_length', u32(hd));
  k('rope.freq_base', f32(a.rope.theta));
  k('rope.dimension_count', u32(a.rotaryDim));
  k('attention.layer_norm_rms_epsilon', f32(c.normEps));
  const s = a.rope.scaling;
  if (s.type === 'linear') {
    k('rope.scaling.type', str('linear'));
    k('rope.scaling.factor', f32(s.factor));
  } else if (s.type === 'yarn') {
    k('rope.scaling.type', str('yarn'));
    k('rope.scaling.factor', f32(s.factor));
    k('rope.scaling.original_context_length', u32(s.originalMax));
    k('rope.scaling.yarn_beta_fast', f32(s.betaFast));
    k('rope.scaling.yarn_beta_slow', f32(s.betaSlow));
  }
  if (a.family === 'gemma2' || a.family === 'gemma3') {
    const window = Math.max(...a.windows);
    k('attention.sliding_window', u32(window > 0 ? window : c.maxSeqLen));
  }
  if (a.family === 'gemma2') {
    k('attn_logit_softcapping', f32(a.attnSoftcap));
    k('final_logit_softcapping', f32(a.finalSoftcap));
  }
  return meta;
}

/** lmlab parameter name → llama.cpp tensor name: the LLaMA names, plus the other families' tensors. */
function ggufName(name: string, a: Architecture): string {
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  const gemma = a.family === 'gemma2' || a.family === 'gemma3';
  const extra: Record<string, string> = {
    'self_attn.q_proj.bias': 'attn_q.bias',
    'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.bias': 'attn_v.bias',
    'self_attn.o_proj.bias': 'attn_output.bias',
    'self_attn.q_norm.weight': 'attn_q_norm.weight',
    'self_attn.k_norm.weight': 'attn_k_norm.weight',
    'mlp.gate_proj.bias': 'ffn_gate.bias',
    'mlp.up_proj.bias': 'ffn_up.bias',
    'mlp.down_proj.bias': 'ffn_down.bias',
    // Gemma's sublayer output norms (its FFN input norm is ffn_norm, as LLaMA's)
    ...(gemma
      ? {
          'post_attn_output_norm.weight': 'post_attention_norm.weight',
          'post_ffn_output_norm.weight': 'post_ffw_norm.weight',
        }
      : {}),
  };
  if (m && extra[m[2]]) return `blk.${m[1]}.${extra[m[2]]}`;
  return ggufTensorName(name);
}

/**
 * The tensors of the GGUF file, in lmlab's parameter order: renamed, Q/K rows interleaved for the
 * llama architecture, Phi-3's projections fused again, RoPE factors as rope_freqs.
 */
export function familyGgufTensors(model: LlamaModel, options: GgufExportOptions = {}): GgufTensorInput[] {
  const c = model.config;
  const a = model.arch;
  const p = model.params;
  const llamaArch = ggufArchitecture(a.family) === 'llama';
  const matrixType = options.fileType ?? 'F32';
  const out: GgufTensorInput[] = [];
  const push = (name: string, shape: number[], data: Float32Array) =>
    out.push({ name, shape, type: shape.length === 1 ? 'F32' : matrixType, data });
  const s = a.rope.scaling;
  if (s.type === 'llama3' || s.type === 'factors') {
    // llama.cpp divides each frequency by its stored factor
    const plain = ropeFrequencies({ theta: a.rope.theta, scaling: { type: 'default' } }, a.rotaryDim, 0).invFreq;
    const scaled = ropeFrequencies(a.rope, a.rotaryDim, 0).invFreq;
    push(
      'rope_freqs.weight',
      [a.rotaryDim / 2],
      Float32Array.from(plain, (f, i) => f / scaled[i]),
    );
  }
  const fused = (names: string[]) => {
    const parts = names.map((n) => p.get(n).data);
    const data = new Float32Array(parts.reduce((n, d) => n + d.length, 0));
    let offset = 0;
    for (const d of parts) {
      data.set(d, offset);
      offset += d.length;
    }
    return data;
  };
  for (const spec of p.specs) {
    const name = spec.name;
    if (name === 'lm_head.weight' && c.tieEmbeddings) continue;
    const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
    const tensor = p.get(name);
    const shape = [...tensor.shape];
    if (a.family === 'phi3' && layer) {
      const prefix = `model.layers.${layer[1]}.`;
      if (layer[2] === 'self_attn.q_proj.weight') {
        const qkv = ['q_proj', 'k_proj', 'v_proj'].map((m) => `${prefix}self_attn.${m}.weight`);
        push(`blk.${layer[1]}.attn_qkv.weight`, [shape[0] + 2 * p.get(qkv[1]).shape[0], shape[1]], fused(qkv));
        continue;
      }
      if (layer[2] === 'mlp.gate_proj.weight') {
        const gateUp = [`${prefix}mlp.gate_proj.weight`, `${prefix}mlp.up_proj.weight`];
        push(`blk.${layer[1]}.ffn_up.weight`, [2 * shape[0], shape[1]], fused(gateUp));
        continue;
      }
      if (['self_attn.k_proj.weight', 'self_attn.v_proj.weight', 'mlp.up_proj.weight'].includes(layer[2])) continue;
    }
    let data = tensor.data;
    const qk = layer ? /^self_attn\.([qk])_proj\.(weight|bias)$/.exec(layer[2]) : null;
    if (llamaArch && qk) {
      const heads = qk[1] === 'q' ? c.heads : c.kvHeads;
      data = toInterleavedRope(data, shape[0], shape.length === 2 ? shape[1] : 1, heads);
    }
    push(ggufName(name, a), shape, data);
  }
  return out;
}

/**
 * Writes the model and its vocabulary as a GGUF file llama.cpp loads. Returns notes on what
 * llama.cpp's architecture leaves out (an unbinding sliding window); refuses what it would
 * compute differently.
 */
export function exportFamilyGguf(
  path: string,
  model: LlamaModel,
  tokenizer: GgufTokenizerData,
  options: GgufExportOptions = {},
  where = path,
): string[] {
  const notes = checkSupported(model, where);
  const meta = familyGgufMetadata(model, options);
  setGgufVocabulary(meta, tokenizer, model.config.vocabSize);
  writeGguf(path, meta, familyGgufTensors(model, options));
  return notes;
}

/** Converts a Hugging Face folder of a supported family (with tokenizer.json) into a GGUF file. */
export function hfFolderToGguf(
  dir: string,
  outPath: string,
  options: GgufExportOptions & { pre?: string } = {},
): string {
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) throw new LmlabError(`${dir}: no tokenizer.json; GGUF files need the tokenizer`);
  const { resolved, model } = loadHfWeights(dir);
  const tokenizer = readHfTokenizer(tokenizerPath, {
    vocabSize: model.config.vocabSize,
    ...(resolved.bosTokenId !== undefined ? { bosTokenId: resolved.bosTokenId } : {}),
    ...(resolved.eosTokenId !== undefined ? { eosTokenId: resolved.eosTokenId } : {}),
    ...(options.pre !== undefined ? { pre: options.pre } : {}),
  });
  const notes = exportFamilyGguf(outPath, model, tokenizer, options, dir);
  const c = model.config;
  return [
    `${outPath}: ${ggufArchitecture(model.arch.family)} (${model.arch.family}), ${c.layers} layers, dim ${c.dim}, ` +
      `vocab ${c.vocabSize}, ${options.fileType ?? 'F32'}, pre-tokenizer ${tokenizer.pre}`,
    ...notes.map((n) => `note: ${n}`),
  ].join('\n');
}
