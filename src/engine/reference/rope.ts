// Reference rotary position embedding in the Hugging Face LLaMA "rotate half" layout, forward
// and backward (rotation by the negative angle), with angles in double. Written for clarity.
import type { Kernels } from '../kernels.ts';
import { count, f32, i32 } from './elementwise-args.ts';

function rotate(
  op: string,
  tokens: number,
  heads: number,
  headDim: number,
  x: Float32Array,
  ld: number,
  positions: Int32Array,
  theta: number,
  sign: 1 | -1,
): void {
  count(op, 'tokens', tokens);
  count(op, 'heads', heads);
  count(op, 'headDim', headDim, 2);
  if (headDim % 2 !== 0) throw new Error(`${op}: headDim must be even, got ${headDim}`);
  count(op, 'ld', ld);
  const width = heads * headDim;
  if (ld < width) throw new Error(`${op}: ld ${ld} is smaller than heads*headDim ${width}`);
  f32(op, sign > 0 ? 'x' : 'dx', x, tokens === 0 || width === 0 ? 0 : (tokens - 1) * ld + width);
  i32(op, 'positions', positions, tokens);
  if (!(theta > 0)) throw new Error(`${op}: theta must be positive`);
  const half = headDim / 2;
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[t] * Math.pow(theta, (-2 * i) / headDim);
      const cos = Math.cos(angle);
      const sin = sign * Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const lo = t * ld + h * headDim + i;
        const hi = lo + half;
        const a = x[lo];
        const b = x[hi];
        x[lo] = a * cos - b * sin;
        x[hi] = b * cos + a * sin;
      }
    }
  }
}

export const ropeReference: Pick<Kernels, 'rope' | 'ropeBackward'> = {
  rope(tokens, heads, headDim, x, ld, positions, theta) {
    rotate('rope', tokens, heads, headDim, x, ld, positions, theta, 1);
  },
  ropeBackward(tokens, heads, headDim, dx, ld, positions, theta) {
    rotate('ropeBackward', tokens, heads, headDim, dx, ld, positions, theta, -1);
  },
};
