// Which storage type each tensor of a LLaMA GGUF gets under a quantization preset, following
// llama.cpp's own choices so that a file quantized here is laid out like one its quantizer makes:
//   q8_0    every 2-D weight Q8_0
//   q4_0    every 2-D weight Q4_0, the output matrix Q6_K
//   q4_k_m  2-D weights Q4_K; the output matrix Q6_K; attn_v and ffn_down Q6_K in the layers
//           "with more bits" (the first and last eighth of them, and every third in between)
// Norms and other 1-D tensors stay F32. With tied embeddings the token table plays the output
// matrix. A row length that is not a whole number of blocks falls back as llama.cpp does: the
// output matrix to Q8_0, Q4_K to Q5_0, Q6_K to Q8_0, and to F16 when even 32 does not divide it.
// Not here: reading or writing files (quantize.ts, gguf.ts).
import type { GgufStorage } from './gguf.ts';
import { LmlabError } from '../util/errors.ts';

export const QUANT_PRESETS = ['q8_0', 'q4_0', 'q4_k_m'] as const;
export type QuantPreset = (typeof QUANT_PRESETS)[number];

/** llama.cpp's general.file_type numbers (enum llama_ftype) of the presets. */
export const PRESET_FILE_TYPE: Record<QuantPreset, number> = { q8_0: 7, q4_0: 2, q4_k_m: 15 };

const BASE: Record<QuantPreset, GgufStorage> = { q8_0: 'Q8_0', q4_0: 'Q4_0', q4_k_m: 'Q4_K' };
const BLOCK: Partial<Record<GgufStorage, number>> = { Q4_0: 32, Q5_0: 32, Q8_0: 32, Q4_K: 256, Q6_K: 256 };

export function parsePreset(text: string): QuantPreset {
  const lower = text.toLowerCase();
  if ((QUANT_PRESETS as readonly string[]).includes(lower)) return lower as QuantPreset;
  throw new LmlabError(`--type must be one of ${QUANT_PRESETS.join(', ')}, got ${text}`);
}

/** layer i of n is one of the layers q4_k_m gives more bits */
export function moreBits(i: number, n: number): boolean {
  const eighth = Math.floor(n / 8);
  return i < eighth || i >= Math.floor((7 * n) / 8) || (i - eighth) % 3 === 2;
}

export interface PlannedTensor {
  name: string;
  /** row-major shape; the last entry is the row length */
  shape: number[];
}

/** The storage type of every tensor, in the order given (the file's order). */
export function planQuantization(preset: QuantPreset, tensors: PlannedTensor[]): GgufStorage[] {
  const tied = !tensors.some((t) => t.name === 'output.weight');
  const attnV = tensors.filter((t) => /^blk\.\d+\.attn_v\.weight$/.test(t.name)).length;
  const layers = tensors.filter((t) => /^blk\.\d+\.ffn_down\.weight$/.test(t.name)).length;
  let attnVSeen = 0;
  let ffnDownSeen = 0;
  return tensors.map(({ name, shape }) => {
    if (shape.length < 2 || !name.endsWith('weight') || name.includes('_norm.weight')) return 'F32';
    const cols = shape[shape.length - 1];
    let type = BASE[preset];
    if (name === 'output.weight' || (tied && name === 'token_embd.weight')) {
      if (cols % 256 !== 0) type = 'Q8_0';
      else if (type !== 'Q8_0') type = 'Q6_K';
    } else if (/^blk\.\d+\.attn_v\.weight$/.test(name)) {
      if (preset === 'q4_k_m' && moreBits(attnVSeen, attnV)) type = 'Q6_K';
      attnVSeen++;
    } else if (/^blk\.\d+\.ffn_down\.weight$/.test(name)) {
      if (preset === 'q4_k_m' && moreBits(ffnDownSeen, layers)) type = 'Q6_K';
      ffnDownSeen++;
    }
    if (cols % BLOCK[type]! !== 0) {
      if (type === 'Q4_K') type = 'Q5_0';
      else if (type === 'Q6_K') type = 'Q8_0';
      if (cols % BLOCK[type]! !== 0) type = 'F16';
    }
    return type;
  });
}
