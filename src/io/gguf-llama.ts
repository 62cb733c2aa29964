// LLaMA models as GGUF files laid out the way llama.cpp's "llama" architecture loader expects:
// its metadata keys, its tensor names, Q/K rows permuted for its interleaved RoPE, and a
// tokenizer vocabulary (tokenizer.ggml.*, see gguf-vocab.ts). Export takes Hugging Face-named
// float32 tensors plus the tokenizer as plain data; import reverses every step. F32, F16, Q8_0
// and Q4_K files are written (norm vectors stay F32, as llama.cpp's own converter does), and
// llama.cpp's quantization presets (quantize-plan.ts).
import { LmlabError } from '../util/errors.ts';
import { GgufFile, type GgufMetadata, type GgufTensorSpec, type GgufValue } from './gguf.ts';
import { writeGgufStreaming } from './gguf.ts';
import { PRESET_FILE_TYPE, planQuantization, type QuantPreset } from './quantize-plan.ts';
import { checkLlamaTensors, llamaTensorShapes } from './hf-llama.ts';
import { headDim, validateLlamaConfig, type LlamaConfig } from './llama-config.ts';
import { fromInterleavedRope, toInterleavedRope } from './rope-permute.ts';
import type { NamedTensors, Tensor } from './tensors.ts';
import { readGgufVocabulary, setGgufVocabulary, type GgufTokenizerData } from './gguf-vocab.ts';

export {
  TOKEN_TYPE,
  CL100K_PRE_TOKENIZER,
  CL100K_IGNORE_MERGES_PRE_TOKENIZER,
  type GgufTokenizerData,
} from './gguf-vocab.ts';

/** ggml's block format version that quantized files record (general.quantization_version). */
export const QUANTIZATION_VERSION = 2;

export interface LlamaGgufOptions {
  /**
   * Storage of the matrices; general.file_type follows llama.cpp's numbering (F16 1, Q8_0 7,
   * Q4_K 15). Quantized matrices need rows of whole blocks (32 values for Q8_0, 256 for Q4_K).
   * Default 'F32'.
   */
  fileType?: 'F32' | 'F16' | 'Q8_0' | 'Q4_K';
  /** A llama.cpp quantization preset instead of one type for every matrix (wins over fileType). */
  preset?: QuantPreset;
  name?: string;
  /** Called after each tensor is written (progress of big models). */
  onTensor?: (index: number, count: number, tensor: GgufTensorSpec) => void;
}

/** Hugging Face tensor name → GGUF tensor name, for every tensor of a LLaMA model. */
export function ggufTensorName(hfName: string): string {
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (fixed[hfName]) return fixed[hfName];
  const match = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const perLayer: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight',
    'self_attn.k_proj.weight': 'attn_k.weight',
    'self_attn.v_proj.weight': 'attn_v.weight',
    'self_attn.o_proj.weight': 'attn_output.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight',
    'mlp.up_proj.weight': 'ffn_up.weight',
    'mlp.down_proj.weight': 'ffn_down.weight',
  };
  if (match && perLayer[match[2]]) return `blk.${match[1]}.${perLayer[match[2]]}`;
  throw new LmlabError(`no GGUF name for tensor ${hfName}`);
}

/** Which heads count a tensor's rows are permuted with (Q: heads, K: kvHeads), if any. */
function ropeHeads(hfName: string, config: LlamaConfig): number | undefined {
  if (hfName.endsWith('.self_attn.q_proj.weight')) return config.heads;
  if (hfName.endsWith('.self_attn.k_proj.weight')) return config.kvHeads;
  return undefined;
}

/** The metadata block of a LLaMA GGUF, in the order llama.cpp's converter writes it. */
export function llamaGgufMetadata(
  config: LlamaConfig,
  tokenizer: GgufTokenizerData,
  options: LlamaGgufOptions = {},
): GgufMetadata {
  validateLlamaConfig(config);
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value });
  const str = (value: string): GgufValue => ({ type: 'string', value });
  const meta: GgufMetadata = new Map();
  meta.set('general.architecture', str('llama'));
  meta.set('general.name', str(options.name ?? 'lmlab'));
  meta.set(
    'general.file_type',
    u32(
      options.preset
        ? PRESET_FILE_TYPE[options.preset]
        : { F32: 0, F16: 1, Q8_0: 7, Q4_K: 15 }[options.fileType ?? 'F32'],
    ),
  );
  if (options.preset) meta.set('general.quantization_version', u32(QUANTIZATION_VERSION));
  meta.set('llama.vocab_size', u32(config.vocabSize));
  meta.set('llama.context_length', u32(config.maxSeqLen));
  meta.set('llama.embedding_length', u32(config.dim));
  meta.set('llama.block_count', u32(config.layers));
  meta.set('llama.feed_forward_length', u32(config.ffnHidden));
  meta.set('llama.attention.head_count', u32(config.heads));
  meta.set('llama.attention.head_count_kv', u32(config.kvHeads));
  meta.set('llama.rope.freq_base', f32(config.ropeTheta));
  meta.set('llama.attention.layer_norm_rms_epsilon', f32(config.normEps));
  meta.set('llama.rope.dimension_count', u32(headDim(config)));
  setGgufVocabulary(meta, tokenizer, config.vocabSize);
  return meta;
}

/** Writes a LLaMA model (Hugging Face-named float32 tensors) as a GGUF file llama.cpp loads. */
export function exportLlamaGguf(
  path: string,
  config: LlamaConfig,
  tensors: NamedTensors,
  tokenizer: GgufTokenizerData,
  options: LlamaGgufOptions = {},
): void {
  checkLlamaTensors(config, tensors);
  const metadata = llamaGgufMetadata(config, tokenizer, options);
  const matrixType = options.fileType ?? 'F32';
  const names = [...llamaTensorShapes(config).keys()];
  const specs: GgufTensorSpec[] = names.map((hfName) => {
    const shape = (tensors.get(hfName) as Tensor).shape;
    return { name: ggufTensorName(hfName), shape, type: shape.length === 1 ? 'F32' : matrixType };
  });
  if (options.preset) {
    const types = planQuantization(options.preset, specs);
    specs.forEach((spec, i) => (spec.type = types[i]));
  }
  const data = (i: number): Float32Array => {
    const tensor = tensors.get(names[i]) as Tensor;
    const heads = ropeHeads(names[i], config);
    const [rows, cols] = tensor.shape;
    return heads === undefined ? tensor.data : toInterleavedRope(tensor.data, rows, cols, heads);
  };
  writeGgufStreaming(path, metadata, specs, data, (i, spec) => options.onTensor?.(i, specs.length, spec));
}

export interface LlamaGguf {
  config: LlamaConfig;
  /** Float32 tensors under Hugging Face names, with Q/K rows back in rotate-half order. */
  tensors: NamedTensors;
  tokenizer: GgufTokenizerData;
  metadata: GgufMetadata;
}

/** Reads a float LLaMA GGUF (ours or llama.cpp's converter's) back into Hugging Face layout. */
export function importLlamaGguf(path: string): LlamaGguf {
  const file = GgufFile.open(path);
  try {
    const meta = file.metadata;
    const get = (key: string): GgufValue => {
      const value = meta.get(key);
      if (!value) throw new LmlabError(`${path}: missing metadata ${key}`);
      return value;
    };
    const num = (key: string): number => {
      const v = get(key);
      if (typeof v.value !== 'number') throw new LmlabError(`${path}: metadata ${key} is not a number`);
      return v.value;
    };
    const text = (key: string): string => {
      const v = get(key);
      if (v.type !== 'string') throw new LmlabError(`${path}: metadata ${key} is not a string`);
      return v.value;
    };
    const arch = text('general.architecture');
    if (arch !== 'llama')
      throw new LmlabError(`${path}: architecture ${JSON.stringify(arch)} is not supported (only "llama")`);
    const tokenizer = readGgufVocabulary(meta, path);
    const tokens = tokenizer.tokens;
    const dim = num('llama.embedding_length');
    const heads = num('llama.attention.head_count');
    if (meta.has('llama.rope.dimension_count') && num('llama.rope.dimension_count') !== dim / heads) {
      throw new LmlabError(`${path}: partial RoPE (llama.rope.dimension_count ≠ head size) is not supported`);
    }
    if (meta.has('llama.rope.scaling.type') && text('llama.rope.scaling.type') !== 'none') {
      throw new LmlabError(`${path}: llama.rope.scaling.type ${text('llama.rope.scaling.type')} is not supported`);
    }
    const config: LlamaConfig = {
      vocabSize: tokens.length,
      dim,
      layers: num('llama.block_count'),
      heads,
      kvHeads: meta.has('llama.attention.head_count_kv') ? num('llama.attention.head_count_kv') : heads,
      ffnHidden: num('llama.feed_forward_length'),
      ropeTheta: meta.has('llama.rope.freq_base') ? fromF32(num('llama.rope.freq_base')) : 10000,
      normEps: fromF32(num('llama.attention.layer_norm_rms_epsilon')),
      maxSeqLen: num('llama.context_length'),
      tieEmbeddings: !file.has('output.weight'),
    };
    validateLlamaConfig(config, path);

    const expected = llamaTensorShapes(config);
    const wanted = new Map([...expected.keys()].map((hf) => [ggufTensorName(hf), hf]));
    for (const info of file.tensors) {
      // llama.cpp's converter may store precomputed RoPE factors; anything else is foreign.
      if (!wanted.has(info.name) && info.name !== 'rope_freqs.weight') {
        throw new LmlabError(`${path}: unsupported tensor ${info.name}`);
      }
    }
    const tensors: NamedTensors = new Map();
    for (const [ggufName, hfName] of wanted) {
      if (!file.has(ggufName)) throw new LmlabError(`${path}: missing tensor ${ggufName}`);
      const tensor = file.read(ggufName);
      const shape = expected.get(hfName)!;
      if (tensor.shape.join() !== shape.join()) {
        throw new LmlabError(`${path}: tensor ${ggufName} has shape [${tensor.shape}], expected [${shape}]`);
      }
      const ropeHeadCount = ropeHeads(hfName, config);
      if (ropeHeadCount !== undefined) {
        tensor.data = fromInterleavedRope(tensor.data, shape[0], shape[1], ropeHeadCount);
      }
      tensors.set(hfName, tensor);
    }
    return { config, tensors, tokenizer, metadata: meta };
  } finally {
    file.close();
  }
}

/**
 * GGUF stores theta and epsilon as f32, so 1e-5 comes back as 9.99999974e-6. The shortest
 * decimal that rounds to the same f32 recovers what was written.
 */
function fromF32(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}
