// The training configuration: one JSON file (validated, with defaults) plus CLI overrides of the
// form key.path=value. Expresses a multi-stage run (MeCo: metadata stage then cooldown on other
// data) as a list of stages, each with its own dataset and the fraction of steps it ends at;
// the optimiser state and the LR schedule simply continue across stages.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { llamaConfigSchema, parseConfig } from '../model/config.ts';
import { LmlabError } from '../util/errors.ts';

const stageSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** dataset directory (token shards) */
    data: z.string().min(1),
    /** this stage ends after this fraction of all steps (the last stage ends at 1) */
    until: z.number().min(0).max(1).optional(),
  })
  .strict();

export const trainConfigSchema = z
  .object({
    model: llamaConfigSchema,
    stages: z.array(stageSchema).min(1),
    eval: z.string().min(1).optional(),
    /** tokenizer.json copied into every checkpoint (default: the one the first stage's data was tokenized with) */
    tokenizer: z.string().min(1).optional(),
    rows: z.number().int().min(1).default(8),
    seqLen: z.number().int().min(2).default(512),
    overflow: z.enum(['drop', 'carry']).default('drop'),
    steps: z.number().int().min(1),
    gradAccum: z.number().int().min(1).default(1),
    seed: z.number().int().min(0).default(1),
    optimizer: z
      .object({
        lr: z.number().positive().default(3e-3),
        /** warm-up as a fraction of steps (< 1) or a number of steps (≥ 1) */
        warmup: z.number().min(0).default(0.05),
        floor: z.number().min(0).max(1).default(0.1),
        beta1: z.number().min(0).lt(1).default(0.9),
        beta2: z.number().min(0).lt(1).default(0.95),
        eps: z.number().positive().default(1e-8),
        weightDecay: z.number().min(0).default(0.033),
        clip: z.number().min(0).default(1.0),
        decayEmbeddings: z.boolean().default(false),
      })
      .strict()
      .default({
        lr: 3e-3,
        warmup: 0.05,
        floor: 0.1,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.033,
        clip: 1,
        decayEmbeddings: false,
      }),
    evalEvery: z.number().int().min(0).default(100),
    evalBatches: z.number().int().min(1).default(4),
    checkpointEvery: z.number().int().min(0).default(200),
    logEvery: z.number().int().min(1).default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.seqLen > c.model.maxSeqLen)
      ctx.addIssue({
        code: 'custom',
        path: ['seqLen'],
        message: `${c.seqLen} exceeds model.maxSeqLen ${c.model.maxSeqLen}`,
      });
    let last = 0;
    c.stages.forEach((s, i) => {
      const until = s.until ?? 1;
      if (until < last)
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'until'], message: 'stages must end in increasing order' });
      if (i === c.stages.length - 1 && until !== 1)
        ctx.addIssue({
          code: 'custom',
          path: ['stages', i, 'until'],
          message: 'the last stage must run to the end (until 1)',
        });
      last = until;
    });
  });

export type TrainConfig = z.output<typeof trainConfigSchema>;

export function parseTrainConfig(input: unknown, where: string): TrainConfig {
  return parseConfig(trainConfigSchema, input, where);
}

/** Applies `a.b.c=value` overrides (value parsed as JSON when it parses, else kept as a string). */
export function applyOverrides(raw: Record<string, unknown>, overrides: string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const item of overrides) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new LmlabError(`override "${item}" is not of the form key.path=value`);
    const path = item.slice(0, eq).split('.');
    let value: unknown = item.slice(eq + 1);
    try {
      value = JSON.parse(value as string);
    } catch {
      // keep as a string
    }
    let node = out as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return out;
}

export function loadTrainConfig(path: string, overrides: string[] = []): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LmlabError(
      `config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LmlabError(`config ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new LmlabError(`config ${path}: must be a JSON object`);
  return parseTrainConfig(applyOverrides(raw as Record<string, unknown>, overrides), `config ${path}`);
}

/** The step at which each stage ends (exclusive), from the stage fractions. */
/** Tokens one optimizer step trains on: rows × seqLen per micro-batch, gradAccum micro-batches. */
export function tokensPerStep(c: TrainConfig): number {
  return c.rows * c.seqLen * c.gradAccum;
}

export function stageEnds(c: TrainConfig): number[] {
  return c.stages.map((s) => Math.round((s.until ?? 1) * c.steps));
}

export function warmupSteps(c: TrainConfig): number {
  const w = c.optimizer.warmup;
  return w < 1 ? Math.round(w * c.steps) : Math.round(w);
}
