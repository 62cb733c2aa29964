// Reference embedding lookup, its scatter-add backward, and the fused softmax cross-entropy
// with ignored targets (negative or masked). Direct transcriptions of ../kernels.ts in double.
import type { Kernels } from '../kernels.ts';
import { checkIds, count, f32, f32OrNull, i32, u8OrNull } from './elementwise-args.ts';

export const lossReference: Pick<Kernels, 'embedding' | 'embeddingBackward' | 'crossEntropy'> = {
  embedding(tokens, dim, vocab, table, ids, out) {
    const op = 'embedding';
    count(op, 'tokens', tokens);
    count(op, 'dim', dim);
    count(op, 'vocab', vocab);
    f32(op, 'table', table, vocab * dim);
    i32(op, 'ids', ids, tokens);
    f32(op, 'out', out, tokens * dim);
    checkIds(op, ids, tokens, vocab);
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < dim; i++) out[t * dim + i] = table[ids[t] * dim + i];
    }
  },

  embeddingBackward(tokens, dim, vocab, ids, dout, dtable) {
    const op = 'embeddingBackward';
    count(op, 'tokens', tokens);
    count(op, 'dim', dim);
    count(op, 'vocab', vocab);
    i32(op, 'ids', ids, tokens);
    f32(op, 'dout', dout, tokens * dim);
    f32(op, 'dtable', dtable, vocab * dim);
    checkIds(op, ids, tokens, vocab);
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < dim; i++) dtable[ids[t] * dim + i] += dout[t * dim + i];
    }
  },

  crossEntropy(tokens, vocab, logits, targets, mask, losses, dlogits, gradScale) {
    const op = 'crossEntropy';
    count(op, 'tokens', tokens);
    count(op, 'vocab', vocab, 1);
    f32(op, 'logits', logits, tokens * vocab);
    i32(op, 'targets', targets, tokens);
    u8OrNull(op, 'mask', mask, tokens);
    f32(op, 'losses', losses, tokens);
    f32OrNull(op, 'dlogits', dlogits, tokens * vocab);
    let kept = 0;
    for (let t = 0; t < tokens; t++) {
      if (targets[t] >= vocab) {
        throw new Error(`${op}: target ${targets[t]} at token ${t} is out of range for vocab ${vocab}`);
      }
      if (targets[t] >= 0 && mask?.[t] !== 0) kept++;
    }
    for (let t = 0; t < tokens; t++) {
      const base = t * vocab;
      const target = targets[t];
      if (target < 0 || (mask && mask[t] === 0)) {
        losses[t] = 0;
        if (dlogits) dlogits.fill(0, base, base + vocab);
        continue;
      }
      let max = -Infinity;
      for (let i = 0; i < vocab; i++) max = Math.max(max, logits[base + i]);
      let sum = 0;
      for (let i = 0; i < vocab; i++) sum += Math.exp(logits[base + i] - max);
      // Everything read from the row happens before dlogits (possibly the same row) is written.
      losses[t] = Math.log(sum) + max - logits[base + target];
      if (dlogits) {
        for (let i = 0; i < vocab; i++) {
          const probability = Math.exp(logits[base + i] - max) / sum;
          dlogits[base + i] = (probability - (i === target ? 1 : 0)) * gradScale;
        }
      }
    }
    return kept;
  },
};
