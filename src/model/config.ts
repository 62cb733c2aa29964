// The LLaMA-family architecture description and its validation. One config object drives the
// model, the checkpoint formats and the CLI; parameter counts are derived from it, not stored.
import { z } from 'zod';
import { LmlabError } from '../util/errors.ts';

export const llamaConfigSchema = z
  .object({
    vocabSize: z.number().int().min(2),
    dim: z.number().int().min(2),
    layers: z.number().int().min(1),
    heads: z.number().int().min(1),
    kvHeads: z.number().int().min(1),
    ffnHidden: z.number().int().min(1),
    ropeTheta: z.number().positive().default(10000),
    normEps: z.number().positive().default(1e-5),
    maxSeqLen: z.number().int().min(1).default(2048),
    tieEmbeddings: z.boolean().default(false),
    /** per-head width when it is not dim / heads (Qwen3, Gemma); absent = dim / heads */
    headDim: z.number().int().min(2).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.headDim === undefined && c.dim % c.heads !== 0)
      ctx.addIssue({ code: 'custom', message: `dim ${c.dim} is not divisible by heads ${c.heads}` });
    else if (headDim(c) % 2 !== 0)
      ctx.addIssue({ code: 'custom', message: `head dim ${headDim(c)} must be even (RoPE rotates pairs)` });
    if (c.heads % c.kvHeads !== 0)
      ctx.addIssue({ code: 'custom', message: `heads ${c.heads} is not a multiple of kvHeads ${c.kvHeads}` });
  });

export type LlamaConfig = z.output<typeof llamaConfigSchema>;

/** Validates input against a schema (filling defaults); the first problem becomes one line. */
export function parseConfig<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new LmlabError(`${where}: ${path}${issue.message}`);
  }
  return result.data;
}

export function parseLlamaConfig(input: unknown, where = 'model config'): LlamaConfig {
  return parseConfig(llamaConfigSchema, input, where);
}

export function headDim(c: { dim: number; heads: number; headDim?: number | undefined }): number {
  return c.headDim ?? c.dim / c.heads;
}

/** Number of parameters, by the same tensor list the model allocates. */
export function parameterCount(c: LlamaConfig): number {
  const hd = headDim(c);
  const perLayer =
    2 * c.dim + // two RMSNorm weights
    c.dim * c.heads * hd + // q
    2 * c.dim * c.kvHeads * hd + // k, v
    c.heads * hd * c.dim + // o
    3 * c.dim * c.ffnHidden; // gate, up, down
  return c.vocabSize * c.dim * (c.tieEmbeddings ? 1 : 2) + c.layers * perLayer + c.dim;
}

export function describeConfig(c: LlamaConfig): string {
  const params = parameterCount(c);
  const size =
    params >= 1e9
      ? `${(params / 1e9).toFixed(2)}B`
      : params >= 1e6
        ? `${(params / 1e6).toFixed(2)}M`
        : `${(params / 1e3).toFixed(1)}K`;
  return `LLaMA ${c.layers} layers × dim ${c.dim} (${c.heads} heads, ${c.kvHeads} kv heads, FFN ${c.ffnHidden}), vocab ${c.vocabSize}, context ${c.maxSeqLen}, ${c.tieEmbeddings ? 'tied' : 'untied'} head: ${size} parameters`;
}
