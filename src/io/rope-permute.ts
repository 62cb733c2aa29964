// Row permutation of the Q and K projection weights between the two RoPE conventions.
// Hugging Face (and our engine) rotate pairs (x[i], x[i + d/2]) of each head ("rotate half");
// llama.cpp's LLaMA graph rotates adjacent pairs (x[2i], x[2i + 1]). Reordering each head's
// output rows so that row 2i+j of the interleaved layout is row j·d/2 + i of the rotate-half
// layout makes both compute the same attention scores. Only the row order changes; values are
// copied untouched.
import { LmlabError } from '../util/errors.ts';

function checkLayout(weight: Float32Array, rows: number, cols: number, heads: number): number {
  if (rows * cols !== weight.length) {
    throw new LmlabError(`RoPE permutation: ${rows}×${cols} does not match ${weight.length} values`);
  }
  if (rows % heads !== 0 || (rows / heads) % 2 !== 0) {
    throw new LmlabError(`RoPE permutation: ${rows} rows do not split into ${heads} heads of even size`);
  }
  return rows / heads;
}

/**
 * Moves every row between the two layouts: row j·d/2 + i of a head in rotate-half order is
 * row 2i + j in interleaved order. The two directions differ only in which side is read.
 */
function permuteRows(
  weight: Float32Array,
  rows: number,
  cols: number,
  heads: number,
  toInterleaved: boolean,
): Float32Array {
  const headSize = checkLayout(weight, rows, cols, heads);
  const half = headSize / 2;
  const out = new Float32Array(weight.length);
  for (let h = 0; h < heads; h++) {
    const base = h * headSize;
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const rotateHalf = (base + j * half + i) * cols;
        const interleaved = (base + 2 * i + j) * cols;
        const [from, to] = toInterleaved ? [rotateHalf, interleaved] : [interleaved, rotateHalf];
        out.set(weight.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Rotate-half row order (Hugging Face) → interleaved row order (GGUF / llama.cpp). */
export function toInterleavedRope(weight: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  return permuteRows(weight, rows, cols, heads, true);
}

/** Interleaved row order (GGUF / llama.cpp) → rotate-half row order (Hugging Face). */
export function fromInterleavedRope(weight: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  return permuteRows(weight, rows, cols, heads, false);
}
