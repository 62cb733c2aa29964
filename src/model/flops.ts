// Forward FLOPs of the LLaMA model, counted once for every user: per sublayer (attention over n
// new tokens after `past` cached ones, FFN, the LM head) for AdaSkip's share of FLOPs skipped,
// and averaged per token over a sequence for training-throughput accounting. Matmuls count 2
// FLOPs per multiply-add; norms, RoPE and softmax are left out (small next to the matmuls).
import { type LlamaConfig, headDim } from './config.ts';

/** FLOPs of one attention sublayer over n new tokens after `past` tokens of context. */
export function attnFlops(c: LlamaConfig, n: number, past: number): number {
  const hd = headDim(c);
  const projections = 2 * n * c.dim * (c.heads + 2 * c.kvHeads) * hd + 2 * n * c.heads * hd * c.dim;
  // QKᵀ and PV: token i attends to past + i + 1 keys
  const keys = n * past + (n * (n + 1)) / 2;
  return projections + 4 * c.heads * hd * keys;
}

/** FLOPs of one FFN sublayer (gate, up, down) over n tokens. */
export function ffnFlops(c: LlamaConfig, n: number): number {
  return 6 * n * c.dim * c.ffnHidden;
}

/** LM head for the one token whose logits are kept (the final norm is left out). */
export function headFlops(c: LlamaConfig): number {
  return 2 * c.dim * c.vocabSize;
}

/** Forward FLOPs per token of a sequence of length t: every sublayer and the head, with each
 * query attending to t/2 keys on average (causal attention). */
export function flopsPerToken(c: LlamaConfig, t: number): number {
  return c.layers * (attnFlops(c, 1, t / 2 - 1) + ffnFlops(c, 1)) + headFlops(c);
}
