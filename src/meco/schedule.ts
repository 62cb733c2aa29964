// The MeCo schedule as a training config (the paper's metadata conditioning then cooldown): stage 1 trains on documents WITH metadata
// for the first `fraction` of optimizer steps, stage 2 (cooldown) on different documents
// without metadata for the rest; optimizer state, parameters and the LR schedule continue.
//   fraction 1  → no cooldown (metadata throughout);
//   fraction 0  → the baseline: no metadata at all. It keeps the same two datasets and the same
//                 switch step as MeCo (BASELINE_SWITCH) so a baseline and a MeCo run with the
//                 same seed see the same documents in the same order, differing only in metadata.
import { join } from 'node:path';
import type { LlamaConfig } from '../model/config.ts';
import { type TrainConfig, parseTrainConfig } from '../train/config.ts';
import type { LabelVariant } from './domain.ts';
import { LmlabError } from '../util/errors.ts';

export const BASELINE_SWITCH = 0.9;

/** Where the shards of one split (and label variant) live under a run's data root. */
export function datasetDir(
  root: string,
  split: 'train' | 'cooldown' | 'eval' | 'heldout',
  variant: LabelVariant = 'none',
): string {
  return join(root, variant === 'none' ? split : `${split}-${variant}`);
}

export interface MecoRunSpec {
  model: LlamaConfig;
  dataRoot: string;
  /** label variant of stage 1 */
  variant: LabelVariant;
  /** fraction of steps with metadata; 0 = baseline, 1 = no cooldown */
  fraction: number;
  steps: number;
  rows: number;
  seqLen: number;
  seed: number;
  lr?: number;
  warmup?: number;
  evalEvery?: number;
  evalBatches?: number;
  checkpointEvery?: number;
  tokenizer?: string;
}

export function mecoStages(dataRoot: string, variant: LabelVariant, fraction: number): TrainConfig['stages'] {
  if (!(fraction >= 0 && fraction <= 1))
    throw new LmlabError(`the metadata fraction must be in [0, 1], got ${fraction}`);
  const cooldown = { name: 'cooldown', data: datasetDir(dataRoot, 'cooldown') };
  if (fraction === 0 || variant === 'none') {
    return [
      { name: 'standard', data: datasetDir(dataRoot, 'train'), until: BASELINE_SWITCH },
      { ...cooldown, name: 'standard (cooldown documents)' },
    ];
  }
  const stage1 = { name: `metadata (${variant})`, data: datasetDir(dataRoot, 'train', variant) };
  if (fraction === 1) return [stage1];
  return [{ ...stage1, until: fraction }, cooldown];
}

export function mecoTrainConfig(s: MecoRunSpec): TrainConfig {
  return parseTrainConfig(
    {
      model: s.model,
      stages: mecoStages(s.dataRoot, s.variant, s.fraction),
      eval: datasetDir(s.dataRoot, 'eval'),
      tokenizer: s.tokenizer,
      rows: s.rows,
      seqLen: s.seqLen,
      steps: s.steps,
      seed: s.seed,
      overflow: 'drop',
      optimizer: {
        lr: s.lr ?? 3e-3,
        warmup: s.warmup ?? 0.05,
        floor: 0.1,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0.033,
        clip: 1,
        decayEmbeddings: false,
      },
      evalEvery: s.evalEvery ?? Math.max(1, Math.round(s.steps / 10)),
      evalBatches: s.evalBatches ?? 4,
      checkpointEvery: s.checkpointEvery ?? Math.max(1, Math.round(s.steps / 5)),
      logEvery: 1,
    },
    'MeCo run',
  );
}
