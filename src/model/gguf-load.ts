// Opens a llama.cpp model file (.gguf) as an lmlab model: the architecture metadata of the
// families lmlab implements (llama — which also covers Mistral —, qwen2, qwen3, gemma2, gemma3,
// phi3) becomes the equivalent Hugging Face config and goes through the same resolution as a
// checkpoint folder; tensors in any type gguf.ts decodes are read as float32 and renamed; the
// llama architecture's Q/K rows come back from llama.cpp's interleaved RoPE order; llama3-style
// frequency factors (rope_freqs.weight) are applied as stored. Gemma norms are stored by
// llama.cpp's converter with the 1 already added, so they are used as they are.
//
// The vocabulary stored in the file (byte-level BPE "gpt2" or SentencePiece "llama") becomes the
// tokenizer, through the tokenizer module's GGUF reader. Not here: GGUF export.
//
// Matrices stored as Q8_0, Q4_0, Q4_K or Q6_K stay in their blocks (QuantMatrix, run by the
// quantized kernels), so a quantized model takes about its file's size in memory; other block
// types (Q5_K, ...) are dequantized to float32. Such a model is for inference only. Q4_0 and Q8_0
// matrices other than the embedding table are held as Q4_0x8 and Q8_0x8 where the kernels prefer
// it (same bytes).
import { LmlabError } from '../util/errors.ts';
import { GgufFile, type GgufValue } from '../io/gguf.ts';
import { fromInterleavedRope } from '../io/rope-permute.ts';
import type { NamedTensors } from '../io/tensors.ts';
import { kernels } from '../engine/backend.ts';
import { QuantMatrix, isKernelQuantType } from '../engine/quant.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { tokenizerFromGguf } from '../tokenizer/gguf.ts';
import { headDim } from './config.ts';
import { hfTensorLayout, paramsFromHfTensors, resolveHfConfig } from './hf-config.ts';
import { LlamaModel } from './llama.ts';
import type { LoadedModel } from './loaded.ts';

const MODEL_TYPE: Record<string, string> = {
  llama: 'llama',
  qwen2: 'qwen2',
  qwen3: 'qwen3',
  gemma2: 'gemma2',
  gemma3: 'gemma3_text',
  phi3: 'phi3',
};

/** HF per-layer tensor suffix for a llama.cpp one (the Gemma names differ, see below). */
const LAYER_NAMES: Record<string, string> = {
  'attn_norm.weight': 'input_layernorm.weight',
  'attn_q.weight': 'self_attn.q_proj.weight',
  'attn_k.weight': 'self_attn.k_proj.weight',
  'attn_v.weight': 'self_attn.v_proj.weight',
  'attn_output.weight': 'self_attn.o_proj.weight',
  'attn_q.bias': 'self_attn.q_proj.bias',
  'attn_k.bias': 'self_attn.k_proj.bias',
  'attn_v.bias': 'self_attn.v_proj.bias',
  'attn_output.bias': 'self_attn.o_proj.bias',
  'attn_q_norm.weight': 'self_attn.q_norm.weight',
  'attn_k_norm.weight': 'self_attn.k_norm.weight',
  'attn_qkv.weight': 'self_attn.qkv_proj.weight',
  'ffn_norm.weight': 'post_attention_layernorm.weight',
  'ffn_gate.weight': 'mlp.gate_proj.weight',
  'ffn_up.weight': 'mlp.up_proj.weight',
  'ffn_down.weight': 'mlp.down_proj.weight',
  'ffn_gate.bias': 'mlp.gate_proj.bias',
  'ffn_up.bias': 'mlp.up_proj.bias',
  'ffn_down.bias': 'mlp.down_proj.bias',
  'post_attention_norm.weight': 'post_attention_layernorm.weight',
  'post_ffw_norm.weight': 'post_feedforward_layernorm.weight',
};

function hfName(ggufName: string, arch: string): string | null {
  const fixed: Record<string, string> = {
    'token_embd.weight': 'model.embed_tokens.weight',
    'output_norm.weight': 'model.norm.weight',
    'output.weight': 'lm_head.weight',
  };
  if (fixed[ggufName]) return fixed[ggufName];
  const m = /^blk\.(\d+)\.(.+)$/.exec(ggufName);
  if (!m) return null;
  let suffix = LAYER_NAMES[m[2]];
  if (!suffix) return null;
  const gemma = arch === 'gemma2' || arch === 'gemma3';
  if (gemma && m[2] === 'ffn_norm.weight') suffix = 'pre_feedforward_layernorm.weight';
  if (arch === 'phi3' && m[2] === 'ffn_up.weight') suffix = 'mlp.gate_up_proj.weight';
  return `model.layers.${m[1]}.${suffix}`;
}

/**
 * Rows of a quantized Q or K matrix from llama.cpp's interleaved RoPE order to rotate-half order
 * (the row permutation of io/rope-permute.ts, on whole rows of blocks).
 */
function interleavedRowsToHalves(raw: Uint8Array, rowBytes: number, rows: number, heads: number): Uint8Array {
  const headSize = rows / heads;
  if (!Number.isInteger(headSize) || headSize % 2 !== 0)
    throw new LmlabError(`RoPE permutation: ${rows} rows do not split into ${heads} heads of even size`);
  const half = headSize / 2;
  const out = new Uint8Array(raw.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * headSize + 2 * i + j) * rowBytes;
        out.set(raw.subarray(from, from + rowBytes), (h * headSize + j * half + i) * rowBytes);
      }
    }
  }
  return out;
}

/** Loads a .gguf model file with its tokenizer (quantized matrices kept quantized, see above). */
export function loadGguf(path: string, options: { requireTokenizer?: boolean } = {}): LoadedModel {
  const file = GgufFile.open(path);
  try {
    const meta = file.metadata;
    const value = (key: string): GgufValue['value'] | undefined => meta.get(key)?.value;
    const num = (key: string): number | undefined => {
      const v = value(key);
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
    };
    const arch = String(value('general.architecture'));
    const modelType = MODEL_TYPE[arch];
    if (!modelType)
      throw new LmlabError(
        `${path}: general.architecture ${JSON.stringify(arch)} is not supported (supported: ${Object.keys(MODEL_TYPE).join(', ')})`,
      );
    const tokenCount = (meta.get('tokenizer.ggml.tokens')?.value as unknown[] | undefined)?.length;
    const k = (name: string) => num(`${arch}.${name}`);
    const dim = k('embedding_length');
    const heads = k('attention.head_count');
    const layers = k('block_count');
    const hd = k('attention.key_length') ?? (dim !== undefined && heads !== undefined ? dim / heads : undefined);
    const rotary = k('rope.dimension_count');
    const scalingType = value(`${arch}.rope.scaling.type`);
    let ropeScaling: Record<string, unknown> | null = null;
    if (scalingType === 'linear') ropeScaling = { rope_type: 'linear', factor: k('rope.scaling.factor') };
    else if (scalingType === 'yarn')
      ropeScaling = {
        rope_type: 'yarn',
        factor: k('rope.scaling.factor'),
        original_max_position_embeddings: k('rope.scaling.original_context_length'),
      };
    else if (scalingType !== undefined && scalingType !== 'none')
      throw new LmlabError(
        `${path}: ${arch}.rope.scaling.type ${JSON.stringify(scalingType)} is not supported (none, linear, yarn)`,
      );
    const gemma = arch === 'gemma2' || arch === 'gemma3';
    // llama.cpp scales Gemma attention by the head size, except the 27B models (by dim / heads)
    const qpas =
      gemma && dim !== undefined && heads !== undefined && hd !== undefined
        ? layers === 46 || layers === 62
          ? dim / heads
          : hd
        : undefined;
    const hf: Record<string, unknown> = {
      model_type: modelType,
      vocab_size: k('vocab_size') ?? tokenCount,
      hidden_size: dim,
      intermediate_size: k('feed_forward_length'),
      num_hidden_layers: layers,
      num_attention_heads: heads,
      num_key_value_heads: k('attention.head_count_kv') ?? heads,
      head_dim: hd,
      max_position_embeddings: k('context_length'),
      rms_norm_eps: k('attention.layer_norm_rms_epsilon'),
      rope_theta: k('rope.freq_base'),
      rope_scaling: ropeScaling,
      tie_word_embeddings: !file.has('output.weight'),
      sliding_window: k('attention.sliding_window') ?? null,
      ...(rotary !== undefined && hd !== undefined && rotary !== hd ? { partial_rotary_factor: rotary / hd } : {}),
      ...(gemma ? { hidden_activation: 'gelu_pytorch_tanh', query_pre_attn_scalar: qpas } : { hidden_act: 'silu' }),
      ...(arch === 'gemma2'
        ? {
            attn_logit_softcapping: k('attn_logit_softcapping') ?? null,
            final_logit_softcapping: k('final_logit_softcapping') ?? null,
          }
        : {}),
      ...(arch === 'gemma3'
        ? {
            rope_local_base_freq: 10000,
            sliding_window_pattern: 6,
            final_logit_softcapping: k('final_logit_softcapping') ?? null,
          }
        : {}),
      ...(arch === 'qwen2' || arch === 'qwen3' ? { use_sliding_window: false } : {}),
      ...(arch === 'llama' && file.has('blk.0.attn_output.bias') ? { attention_bias: true } : {}),
      ...(arch === 'llama' && file.has('blk.0.ffn_down.bias') ? { mlp_bias: true } : {}),
    };
    if (arch === 'llama' && !file.has('blk.0.attn_output.bias') && file.has('blk.0.attn_q.bias')) {
      throw new LmlabError(`${path}: q/k/v biases without an output bias are not supported for the llama architecture`);
    }
    const resolved = resolveHfConfig(hf, path);
    const { config, arch: architecture } = resolved;
    if (file.has('rope_freqs.weight')) {
      const factors = Array.from(file.read('rope_freqs.weight').data);
      architecture.rope = { theta: architecture.rope.theta, scaling: { type: 'factors', factors } };
      architecture.ropeLocal = architecture.rope;
      architecture.trainable = false;
    }
    const layout = new Map(hfTensorLayout(config, architecture).map((t) => [t.name, t]));
    const tensors: NamedTensors = new Map();
    const quantized = new Map<string, QuantMatrix>();
    for (const info of file.tensors) {
      if (info.name === 'rope_freqs.weight') continue;
      const name = hfName(info.name, arch);
      const spec = name ? layout.get(name) : undefined;
      if (!name || !spec) throw new LmlabError(`${path}: unsupported tensor ${info.name} for architecture ${arch}`);
      if (
        isKernelQuantType(info.ggmlType) &&
        spec.shape.length === 2 &&
        spec.targets.length === 1 &&
        spec.targets[0] === name &&
        info.shape.length === 2 &&
        info.shape[0] === spec.shape[0] &&
        info.shape[1] === spec.shape[1]
      ) {
        let raw = file.readRaw(info.name);
        const q = new QuantMatrix(info.ggmlType, spec.shape[0], spec.shape[1], raw);
        if (arch === 'llama' && /\.self_attn\.[qk]_proj\.weight$/.test(name)) {
          raw = interleavedRowsToHalves(
            raw,
            q.rowBytes,
            spec.shape[0],
            name.includes('q_proj') ? config.heads : config.kvHeads,
          );
        }
        const m = new QuantMatrix(info.ggmlType, spec.shape[0], spec.shape[1], raw);
        // a Q4_0 or Q8_0 matrix the model only multiplies by goes to Q4_0x8 or Q8_0x8 where the
        // kernels run that faster (src/engine/quant.ts); the embedding table keeps its rows for lookups
        const x8 = name !== 'model.embed_tokens.weight' && kernels().prefersInterleaved;
        quantized.set(name, x8 ? m.interleaved() : m);
        continue;
      }
      const t = file.read(info.name);
      if (t.data.length !== spec.shape.reduce((a, b) => a * b, 1)) {
        throw new LmlabError(
          `${path}: tensor ${info.name} has shape [${t.shape.join(', ')}], the metadata implies [${spec.shape.join(', ')}]`,
        );
      }
      // llama.cpp's llama converter interleaves the rotary halves of Q and K rows
      if (arch === 'llama' && /\.self_attn\.[qk]_proj\.weight$/.test(name)) {
        const h = name.includes('q_proj') ? config.heads : config.kvHeads;
        t.data = fromInterleavedRope(t.data, spec.shape[0], spec.shape[1], h);
      }
      if (arch === 'llama' && /\.self_attn\.[qk]_proj\.bias$/.test(name)) {
        const h = name.includes('q_proj') ? config.heads : config.kvHeads;
        t.data = fromInterleavedRope(t.data, spec.shape[0], 1, h);
      }
      tensors.set(name, { shape: spec.shape, data: t.data });
    }
    const model = new LlamaModel(config, paramsFromHfTensors(config, architecture, tensors, path, false, quantized));
    if (headDim(config) !== hd) throw new LmlabError(`${path}: head size ${hd} does not match the resolved shape`);
    // a vocabulary the tokenizer cannot run (e.g. without all 256 byte tokens) leaves the model
    // usable on token ids; commands that need text then say there is no tokenizer
    let tokenizer: Tokenizer | null = null;
    try {
      tokenizer = tokenizerFromGguf(file.metadata, path);
    } catch (err) {
      if (options.requireTokenizer)
        throw new LmlabError(`${path}: its vocabulary cannot be used as a tokenizer (${(err as Error).message})`);
    }
    const out: LoadedModel = { dir: path, model, tokenizer };
    const bos = tokenizer?.bosId ?? num('tokenizer.ggml.bos_token_id');
    const eos = tokenizer?.eosId ?? num('tokenizer.ggml.eos_token_id');
    if (bos !== undefined) out.bosTokenId = bos;
    if (eos !== undefined) out.eosTokenId = eos;
    return out;
  } finally {
    file.close();
  }
}
