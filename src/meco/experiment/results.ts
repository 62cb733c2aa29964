// What the experiment writes and the report reads: one run's result file (result.json) and the
// saved plan (plan.json) that keeps a resumed experiment on the same T. Types only.
import type { DocumentLoss } from './evaluate.ts';
import type { RunSpec, ScalePlan } from './plan.ts';

export interface RunResult {
  spec: RunSpec;
  seconds: number;
  tokensPerSecond: number;
  finalLoss: number;
  none: DocumentLoss[];
  kshot: DocumentLoss[];
  trueLabel?: DocumentLoss[];
  wrongLabel?: DocumentLoss[];
  imitation?: { conditioned: number; unconditioned: number; chance: number; samples: number };
  /** documents of labels never seen in training: without a label, and (MeCo runs) under their own unseen label */
  heldoutNone?: DocumentLoss[];
  heldoutLabel?: DocumentLoss[];
}

export interface SavedPlan {
  plan: ScalePlan;
  /** measured on the first full-scale candidate before choosing the model */
  measuredTokensPerSecond?: number;
  /** measured on the chosen model (full) or given; what T was sized from */
  tokensPerSecond: number | null;
  expectedSeconds: number | null;
  startedAt: string;
  /** T before it was lowered so that no run reads a document twice (absent when not lowered) */
  stepsBeforeCap?: number;
  /** the code the experiment was started from (a resumed one may finish on another commit) */
  startedFrom?: Provenance;
}

/** The code the report was produced from: `git rev-parse HEAD` and whether the tree had changes. */
export interface Provenance {
  commit: string;
  dirty: boolean | null;
}
