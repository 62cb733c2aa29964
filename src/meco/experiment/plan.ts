// Experiment scales and the list of runs of the reproduction: the baseline at several budgets around T,
// MeCo at T, the controls (constant, shuffled, hashed labels) and the no-cooldown model, each
// with the same seeds (same initialisation and document order per seed: the pairing).
// `standard` is the committed scale of docs/results/meco.md: fixed model and T (so a rerun
// reproduces its tables), three seeds, sized from throughput measured on an idle 2-core machine
// to finish in about 40 minutes. `full` fixes the model and derives T from the measured training
// throughput so that every run together fits the time budget; smoke and small have fixed sizes.
// Every scale caps T where the largest baseline budget would read a document twice (runs.ts).
import type { LlamaConfig } from '../../model/config.ts';
import type { TrainConfig } from '../../train/config.ts';
import { mecoTrainConfig } from '../schedule.ts';
import type { LabelVariant } from '../domain.ts';
import { LmlabError } from '../../util/errors.ts';

export type Scale = 'smoke' | 'small' | 'standard' | 'full';

export interface ScalePlan {
  scale: Scale;
  model: LlamaConfig;
  seqLen: number;
  rows: number;
  /** optimizer steps of MeCo and of the baseline at budget 1 (T) */
  steps: number;
  /** baseline budgets as multiples of T (1 is always run) */
  budgets: number[];
  seeds: number[];
  lr: number;
  /** corpus: cut documents at this many characters; stop after this many documents (0 = all) */
  maxChars: number;
  corpusLimit: number;
  perLabelLimit: number;
  /** characters of training text the tokenizer is fitted on */
  tokenizerChars: number;
  evalPerSource: number;
  /** evaluation documents at most (whole sources, largest first; 0 = no cap) */
  maxEvalDocs: number;
  kShot: number;
  generation: { sources: number; samples: number; tokens: number };
  /** wall-clock budget for all training, seconds (full only) */
  timeBudget?: number;
  /** checkpoint and held-out-loss intervals in steps (default: a fifth and a tenth of the run;
   * 0 = final checkpoint only) */
  checkpointEvery?: number;
  evalEvery?: number;
}

function llama(
  vocabSize: number,
  dim: number,
  layers: number,
  heads: number,
  ffnHidden: number,
  maxSeqLen: number,
): LlamaConfig {
  return {
    vocabSize,
    dim,
    layers,
    heads,
    kvHeads: heads,
    ffnHidden,
    ropeTheta: 500000,
    normEps: 1e-5,
    maxSeqLen,
    tieEmbeddings: false,
  };
}

export function basePlan(scale: Scale): ScalePlan {
  switch (scale) {
    case 'smoke':
      return {
        scale,
        model: llama(320, 16, 1, 2, 32, 64),
        seqLen: 64,
        rows: 2,
        steps: 6,
        budgets: [0.5, 1, 2],
        seeds: [1, 2, 3],
        lr: 1e-2,
        maxChars: 400,
        corpusLimit: 160,
        perLabelLimit: 12,
        tokenizerChars: 60_000,
        evalPerSource: 2,
        maxEvalDocs: 0,
        kShot: 1,
        generation: { sources: 2, samples: 1, tokens: 8 },
        // a checkpoint every step would cost more than the training itself
        checkpointEvery: 0,
        evalEvery: 3,
      };
    case 'small':
      return {
        scale,
        model: llama(1024, 64, 2, 2, 176, 128),
        seqLen: 128,
        rows: 8,
        steps: 150,
        budgets: [0.5, 0.75, 1, 1.5, 2],
        seeds: [1, 2, 3],
        lr: 3e-3,
        maxChars: 1500,
        corpusLimit: 0,
        perLabelLimit: 0,
        tokenizerChars: 3_000_000,
        evalPerSource: 4,
        maxEvalDocs: 300,
        kShot: 3,
        generation: { sources: 8, samples: 2, tokens: 32 },
      };
    case 'standard':
      // 0.36M parameters, T = 560 steps × 2048 tokens = 1.15M tokens (3.2 tokens per parameter).
      // 3 seeds × (5.75 + 5) T = 32.25 T of training ≈ 37M tokens: about 22 minutes at the
      // ~28k tokens/s this model trains at on an idle 2-core machine (FLOPs-scaled from the
      // 17.7k tokens/s measured on the 0.73M-parameter model), plus corpus, tokenizer and
      // evaluation of 30 runs ≈ 35 minutes in all.
      return {
        scale,
        model: llama(2048, 64, 2, 2, 176, 256),
        seqLen: 256,
        rows: 8,
        steps: 560,
        budgets: [0.5, 0.75, 1, 1.5, 2],
        seeds: [1, 2, 3],
        lr: 3e-3,
        maxChars: 2000,
        corpusLimit: 0,
        perLabelLimit: 0,
        tokenizerChars: 6_000_000,
        evalPerSource: 4,
        maxEvalDocs: 400,
        kShot: 3,
        generation: { sources: 12, samples: 2, tokens: 48 },
      };
    case 'full':
      return {
        scale,
        model: llama(2048, 128, 4, 4, 352, 256),
        seqLen: 256,
        rows: 8,
        steps: 0,
        budgets: [0.5, 0.75, 1, 1.5, 2],
        seeds: [1, 2, 3],
        lr: 3e-3,
        maxChars: 2000,
        corpusLimit: 0,
        perLabelLimit: 0,
        tokenizerChars: 6_000_000,
        evalPerSource: 4,
        maxEvalDocs: 400,
        kShot: 3,
        generation: { sources: 12, samples: 2, tokens: 48 },
        timeBudget: 7200,
      };
  }
}

/**
 * Model candidates for `full`, largest first (same vocabulary and row shape, so one tokenizer
 * and one corpus serve all). The experiment measures the throughput of the first and scales it
 * to the others by their FLOPs per token.
 */
export function fullCandidates(): LlamaConfig[] {
  return [
    llama(2048, 128, 4, 4, 352, 256),
    llama(2048, 96, 3, 3, 256, 256),
    llama(2048, 64, 2, 2, 176, 256),
    llama(2048, 48, 2, 2, 128, 256),
  ];
}

/** Tokens per parameter a `full` run must reach at T for its model to be chosen. */
export const MIN_TOKENS_PER_PARAMETER = 2;

export function parseScale(name: string): Scale {
  if (name !== 'smoke' && name !== 'small' && name !== 'standard' && name !== 'full')
    throw new LmlabError(`--scale must be smoke, small, standard or full, got "${name}"`);
  return name;
}

export type RunKind = 'baseline' | 'meco' | 'constant' | 'shuffled' | 'hashed' | 'no-cooldown';

export interface RunSpec {
  name: string;
  kind: RunKind;
  variant: LabelVariant;
  fraction: number;
  /** multiple of T */
  budget: number;
  steps: number;
  seed: number;
}

export const COOLDOWN_SWITCH = 0.9;

export function planRuns(plan: ScalePlan): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const seed of plan.seeds) {
    const at = (kind: RunKind, variant: LabelVariant, fraction: number, budget = 1): void => {
      const steps = Math.max(2, Math.round(budget * plan.steps));
      const name = kind === 'baseline' ? `baseline-${budget}T-s${seed}` : `${kind}-s${seed}`;
      runs.push({ name, kind, variant, fraction, budget, steps, seed });
    };
    for (const b of [...new Set([...plan.budgets, 1])].sort((x, y) => x - y)) at('baseline', 'none', 0, b);
    at('meco', 'domain', COOLDOWN_SWITCH);
    at('no-cooldown', 'domain', 1);
    at('constant', 'constant', COOLDOWN_SWITCH);
    at('shuffled', 'shuffled', COOLDOWN_SWITCH);
    at('hashed', 'hashed', COOLDOWN_SWITCH);
  }
  return runs;
}

/** Training steps of all runs, in units of T-steps (for sizing from throughput). */
export function totalStepMultiple(plan: ScalePlan): number {
  const budgets = [...new Set([...plan.budgets, 1])];
  return plan.seeds.length * (budgets.reduce((a, b) => a + b, 0) + 5);
}

/**
 * The largest candidate whose T (from its estimated throughput) reaches MIN_TOKENS_PER_PARAMETER
 * tokens per parameter, else the smallest: a model too big for the budget would barely move
 * from its initialisation and show nothing. Throughput of the others is scaled by FLOPs/token.
 */
export function chooseFullModel(
  plan: ScalePlan,
  measuredTokensPerSecond: number,
  seconds: number,
  params: (c: LlamaConfig) => number,
  flops: (c: LlamaConfig) => number,
): { model: LlamaConfig; steps: number; tokensPerSecond: number } {
  const candidates = fullCandidates();
  const reference = flops(candidates[0]);
  let pick = { model: candidates[candidates.length - 1], steps: 0, tokensPerSecond: 0 };
  for (const [i, model] of candidates.entries()) {
    const tokensPerSecond = (measuredTokensPerSecond * reference) / flops(model);
    const steps = stepsForBudget({ ...plan, model }, tokensPerSecond, seconds);
    pick = { model, steps, tokensPerSecond };
    if (steps * plan.rows * plan.seqLen >= MIN_TOKENS_PER_PARAMETER * params(model) || i === candidates.length - 1)
      break;
  }
  return pick;
}

/** Share of the time budget given to training; evaluation (bounded by maxEvalDocs) takes most of the rest. */
export const TRAINING_SHARE = 0.75;

/**
 * Steps T so that all runs take `share` of the time budget at the measured tokens/second
 * (the rest is left for evaluation, generation and noise from other load on the machine).
 */
export function stepsForBudget(
  plan: ScalePlan,
  tokensPerSecond: number,
  seconds: number,
  share = TRAINING_SHARE,
): number {
  const tokensPerStep = plan.rows * plan.seqLen;
  return Math.max(10, Math.floor((share * seconds * tokensPerSecond) / (tokensPerStep * totalStepMultiple(plan))));
}

/** The training config of one run of the plan (what runs.ts trains and checks.ts replays). */
export function runConfig(plan: ScalePlan, spec: RunSpec, dataRoot: string, tokenizerPath?: string): TrainConfig {
  return mecoTrainConfig({
    model: plan.model,
    dataRoot,
    variant: spec.variant,
    fraction: spec.fraction,
    steps: spec.steps,
    rows: plan.rows,
    seqLen: plan.seqLen,
    seed: spec.seed,
    lr: plan.lr,
    tokenizer: tokenizerPath,
    checkpointEvery: plan.checkpointEvery,
    evalEvery: plan.evalEvery,
  });
}

/** The largest baseline budget of the plan (× T); the run that reads the most documents. */
export function largestBudget(plan: ScalePlan): number {
  return Math.max(1, ...plan.budgets);
}
