// Reference attention: direct transcriptions of the formulas in kernels.ts, one query at a
// time with its whole score row materialised, accumulated in double precision. It is the
// oracle the native tiles are tested against, so it favours obviousness over speed (it is
// quadratic in memory per row and far too slow for long sequences) and is not tiled.
import type { AttentionShape, Kernels } from '../kernels.ts';

function check(op: string, condition: boolean, message: string): void {
  if (!condition) throw new Error(`${op}: ${message}`);
}

function checkLength(op: string, name: string, array: ArrayLike<number>, needed: number): void {
  check(op, array.length >= needed, `argument '${name}' has ${array.length} elements but the shapes need ${needed}`);
}

function checkHeads(op: string, heads: number, kvHeads: number): void {
  check(op, heads >= 1 && kvHeads >= 1, 'heads and kvHeads must be at least 1');
  check(op, heads % kvHeads === 0, `heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
}

/** Can query i see key j (causal, same document)? */
function visible(segments: Int32Array | null, rowStart: number, i: number, j: number): boolean {
  return j <= i && (segments === null || segments[rowStart + i] === segments[rowStart + j]);
}

function dotAt(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, n: number): number {
  let sum = 0;
  for (let d = 0; d < n; d++) sum += a[aOffset + d] * b[bOffset + d];
  return sum;
}

/** Softmax attention of one query over `count` keys; writes the output row, returns the lse. */
function attendOne(
  query: Float32Array,
  qOffset: number,
  keyOffsets: number[],
  k: Float32Array,
  v: Float32Array,
  headDim: number,
  scale: number,
  out: Float32Array,
  outOffset: number,
): number {
  const scores = keyOffsets.map((offset) => scale * dotAt(query, qOffset, k, offset, headDim));
  const max = Math.max(...scores);
  const weights = scores.map((s) => Math.exp(s - max));
  const total = weights.reduce((x, y) => x + y, 0);
  for (let d = 0; d < headDim; d++) {
    let sum = 0;
    for (let n = 0; n < keyOffsets.length; n++) sum += weights[n] * v[keyOffsets[n] + d];
    out[outOffset + d] = sum / total;
  }
  return max + Math.log(total);
}

function checkShape(
  op: string,
  s: AttentionShape,
  q: Float32Array,
  k: Float32Array,
  segments: Int32Array | null,
): void {
  checkHeads(op, s.heads, s.kvHeads);
  checkLength(op, 'q', q, s.batch * s.t * s.heads * s.headDim);
  checkLength(op, 'k', k, s.batch * s.t * s.kvHeads * s.headDim);
  if (segments) checkLength(op, 'segments', segments, s.batch * s.t);
}

export const attentionReference: Pick<Kernels, 'attentionForward' | 'attentionBackward' | 'attentionCached'> = {
  attentionForward(s, q, k, v, segments, out, lse) {
    checkShape('attentionForward', s, q, k, segments);
    checkLength('attentionForward', 'v', v, s.batch * s.t * s.kvHeads * s.headDim);
    checkLength('attentionForward', 'out', out, s.batch * s.t * s.heads * s.headDim);
    checkLength('attentionForward', 'lse', lse, s.batch * s.heads * s.t);
    const { batch, t, heads, kvHeads, headDim } = s;
    const group = heads / kvHeads;
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        const kvh = Math.floor(h / group);
        for (let i = 0; i < t; i++) {
          const keyOffsets: number[] = [];
          for (let j = 0; j < t; j++) {
            if (visible(segments, b * t, i, j)) keyOffsets.push(((b * t + j) * kvHeads + kvh) * headDim);
          }
          const qOffset = ((b * t + i) * heads + h) * headDim;
          lse[(b * heads + h) * t + i] = attendOne(q, qOffset, keyOffsets, k, v, headDim, s.scale, out, qOffset);
        }
      }
    }
  },

  attentionBackward(s, q, k, v, segments, out, lse, dout, dq, dk, dv) {
    checkShape('attentionBackward', s, q, k, segments);
    const { batch, t, heads, kvHeads, headDim, scale } = s;
    const qn = batch * t * heads * headDim;
    const kvn = batch * t * kvHeads * headDim;
    for (const [name, array, needed] of [
      ['v', v, kvn],
      ['out', out, qn],
      ['lse', lse, batch * heads * t],
      ['dout', dout, qn],
      ['dq', dq, qn],
      ['dk', dk, kvn],
      ['dv', dv, kvn],
    ] as const) {
      checkLength('attentionBackward', name, array, needed);
    }
    const group = heads / kvHeads;
    const gq = new Float64Array(qn);
    const gk = new Float64Array(kvn);
    const gv = new Float64Array(kvn);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        const kvh = Math.floor(h / group);
        for (let i = 0; i < t; i++) {
          const qOffset = ((b * t + i) * heads + h) * headDim;
          // Δ_i = dout_i · out_i is Σ_j p_ij (dout_i · v_j), the softmax Jacobian's correction.
          const delta = dotAt(dout, qOffset, out, qOffset, headDim);
          const rowLse = lse[(b * heads + h) * t + i];
          for (let j = 0; j < t; j++) {
            if (!visible(segments, b * t, i, j)) continue;
            const kvOffset = ((b * t + j) * kvHeads + kvh) * headDim;
            const p = Math.exp(scale * dotAt(q, qOffset, k, kvOffset, headDim) - rowLse);
            const dp = dotAt(dout, qOffset, v, kvOffset, headDim);
            const ds = p * (dp - delta) * scale;
            for (let d = 0; d < headDim; d++) {
              gv[kvOffset + d] += p * dout[qOffset + d];
              gq[qOffset + d] += ds * k[kvOffset + d];
              gk[kvOffset + d] += ds * q[qOffset + d];
            }
          }
        }
      }
    }
    dq.set(gq);
    dk.set(gk);
    dv.set(gv);
  },

  attentionCached(tq, past, heads, kvHeads, headDim, scale, q, kCache, vCache, ldKv, out) {
    const op = 'attentionCached';
    checkHeads(op, heads, kvHeads);
    check(op, ldKv >= kvHeads * headDim, `ldKv (${ldKv}) must be at least kvHeads·headDim (${kvHeads * headDim})`);
    const cacheNeeded = tq === 0 ? 0 : (past + tq - 1) * ldKv + kvHeads * headDim;
    checkLength(op, 'q', q, tq * heads * headDim);
    checkLength(op, 'kCache', kCache, cacheNeeded);
    checkLength(op, 'vCache', vCache, cacheNeeded);
    checkLength(op, 'out', out, tq * heads * headDim);
    const group = heads / kvHeads;
    for (let i = 0; i < tq; i++) {
      for (let h = 0; h < heads; h++) {
        const kvh = Math.floor(h / group);
        const keyOffsets: number[] = [];
        for (let j = 0; j <= past + i; j++) keyOffsets.push(j * ldKv + kvh * headDim);
        const qOffset = (i * heads + h) * headDim;
        attendOne(q, qOffset, keyOffsets, kCache, vCache, headDim, scale, out, qOffset);
      }
    }
  },
};
