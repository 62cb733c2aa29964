// Which sublayers to skip: AdaSkip's joint ranking of all 2L sublayers by similarity (skip set
// of size N = round(α·2L) or an explicit N, threshold τ = N-th largest similarity) and the
// baselines behind the same shape of answer — early exit, SkipDecode, unified layer skipping,
// static sublayer drop, ShortGPT Block Influence, seeded random sublayers.
//
// Whole-layer baselines remove M = round(α·L) layers (N/2 for an explicit N), so that every
// method removes the same number of sublayers, as in the paper's comparison (8/12/16 sublayers
// vs 4/6/8 layers). Layer indices are 0-based: SkipDecode takes layers 1…M and unified skipping
// layers with index mod (L/M) = 1, both keeping layer 0, whose output the rest depends on.
// Whole-layer baselines skip without compensation (scale 1), as published; sublayer methods
// scale the residual by the calibrated norm ratio.
//
// Not here: when the set applies (modes, ramps, online learning: controller.ts), cost-aware
// selection (cost.ts).
import { LmlabError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { AdaSkipProfile } from './profile.ts';

export const METHODS = [
  'adaskip',
  'static',
  'early-exit',
  'skipdecode',
  'unified',
  'shortgpt',
  'random',
  'cost-aware',
] as const;
export type SkipMethod = (typeof METHODS)[number];
export const MODES = ['prefill', 'decode', 'e2e'] as const;
export type SkipMode = (typeof MODES)[number];

export function parseMethod(value: string): SkipMethod {
  if (!(METHODS as readonly string[]).includes(value))
    throw new LmlabError(`unknown skipping method "${value}" (expected one of ${METHODS.join(', ')})`);
  return value as SkipMethod;
}

export function parseMode(value: string): SkipMode {
  if (!(MODES as readonly string[]).includes(value))
    throw new LmlabError(`unknown AdaSkip mode "${value}" (expected prefill, decode or e2e)`);
  return value as SkipMode;
}

export interface Budget {
  /** fraction of the 2L sublayers to skip, in [0, 1) */
  alpha?: number;
  /** explicit number of sublayers, overrides alpha */
  n?: number;
}

/** The budget used when none is given: skip a quarter of the 2L sublayers. */
export const DEFAULT_ALPHA = 0.25;

export function checkAlpha(alpha: number): number {
  if (!Number.isFinite(alpha) || alpha < 0 || alpha >= 1) throw new LmlabError(`alpha must be in [0, 1), got ${alpha}`);
  return alpha;
}

/** N: the number of sublayers to skip out of 2L. */
export function sublayerBudget(layers: number, budget: Budget): number {
  if (budget.n !== undefined) {
    if (!Number.isInteger(budget.n) || budget.n < 0 || budget.n >= 2 * layers) {
      throw new LmlabError(
        `the number of skipped sublayers must be a whole number in [0, ${2 * layers}), got ${budget.n}`,
      );
    }
    return budget.n;
  }
  if (budget.alpha === undefined) throw new LmlabError('give a skip budget: alpha or a number of sublayers');
  return Math.round(checkAlpha(budget.alpha) * 2 * layers);
}

/** M: the number of whole layers a layer-dropping baseline removes for the same budget. */
export function layerBudget(layers: number, budget: Budget): number {
  if (budget.n !== undefined) return Math.round(sublayerBudget(layers, budget) / 2);
  return Math.round(checkAlpha(budget.alpha ?? NaN) * layers);
}

/** A static skip set: the residual scale of each skipped sublayer, null where it runs. */
export interface SkipSet {
  attn: Array<number | null>;
  ffn: Array<number | null>;
  /** threshold for the online decode rule (N-th largest similarity); NaN when not applicable */
  tau: number;
  /** for ramped methods, the layers in the order they join the set */
  layerOrder?: number[];
}

export function emptySet(layers: number): SkipSet {
  return { attn: new Array(layers).fill(null), ffn: new Array(layers).fill(null), tau: Number.NaN };
}

export function countSkipped(set: SkipSet): number {
  return set.attn.filter((s) => s !== null).length + set.ffn.filter((s) => s !== null).length;
}

/** All 2L sublayers from most to least similar (index 2l = attention, 2l+1 = FFN of layer l). */
export function rankSublayers(profile: AdaSkipProfile): number[] {
  const layers = profile.attn.similarity.length;
  const sim = (i: number) => (i % 2 === 0 ? profile.attn.similarity : profile.ffn.similarity)[i >> 1];
  // ties keep the lower index first so the ranking is deterministic
  return Array.from({ length: 2 * layers }, (_, i) => i).sort((a, b) => sim(b) - sim(a) || a - b);
}

function skipSublayers(profile: AdaSkipProfile | null, layers: number, chosen: Iterable<number>): SkipSet {
  const set = emptySet(layers);
  for (const i of chosen) {
    const l = i >> 1;
    if (i % 2 === 0) set.attn[l] = profile ? profile.attn.ratio[l] : 1;
    else set.ffn[l] = profile ? profile.ffn.ratio[l] : 1;
  }
  return set;
}

function skipLayers(layers: number, chosen: number[]): SkipSet {
  const set = emptySet(layers);
  for (const l of chosen) {
    set.attn[l] = 1;
    set.ffn[l] = 1;
  }
  set.layerOrder = [...chosen];
  return set;
}

/** AdaSkip's offline set (also the static baseline): the N most similar sublayers, τ = N-th similarity. */
export function similaritySet(profile: AdaSkipProfile, n: number): SkipSet {
  const ranking = rankSublayers(profile);
  const set = skipSublayers(profile, profile.attn.similarity.length, ranking.slice(0, n));
  if (n > 0) {
    const last = ranking[n - 1];
    set.tau = (last % 2 === 0 ? profile.attn.similarity : profile.ffn.similarity)[last >> 1];
  } else {
    set.tau = Number.POSITIVE_INFINITY; // nothing offline: nothing online either
  }
  return set;
}

export function earlyExitLayers(layers: number, m: number): number[] {
  return Array.from({ length: Math.min(m, layers) }, (_, k) => layers - Math.min(m, layers) + k);
}

/** Layers 1…M (0-based), joining in that order; layer 0 last, only if M = L. */
export function skipDecodeLayers(layers: number, m: number): number[] {
  const order = Array.from({ length: layers - 1 }, (_, k) => k + 1);
  order.push(0);
  return order.slice(0, Math.min(m, layers));
}

/** M layers spread evenly: ⌊k·L/M⌋ + 1, i.e. index mod (L/M) = 1 when M divides L. */
export function unifiedLayers(layers: number, m: number): number[] {
  if (m >= layers) return Array.from({ length: layers }, (_, l) => l);
  const chosen = new Set<number>();
  for (let k = 0; k < m; k++) chosen.add(Math.min(layers - 1, Math.floor((k * layers) / m) + 1));
  // collisions (only possible when L/M < 2) are filled with the next free layer
  for (let l = 0; chosen.size < m; l++) chosen.add(l);
  return [...chosen].sort((a, b) => a - b);
}

/** ShortGPT: the M layers of lowest Block Influence (1 − cos(layer input, layer output)). */
export function shortGptLayers(profile: AdaSkipProfile, m: number): number[] {
  const sim = profile.layerSimilarity;
  const order = Array.from({ length: sim.length }, (_, l) => l).sort((a, b) => sim[b] - sim[a] || a - b);
  return order.slice(0, m).sort((a, b) => a - b);
}

export function randomSublayers(layers: number, n: number, seed: number): number[] {
  const all = Array.from({ length: 2 * layers }, (_, i) => i);
  new Rng(seed).shuffle(all);
  return all.slice(0, n).sort((a, b) => a - b);
}

export interface SelectOptions extends Budget {
  seed?: number;
}

/** The static skip set of a method (cost-aware selection lives in cost.ts). */
export function selectSkipSet(
  method: Exclude<SkipMethod, 'cost-aware'>,
  layers: number,
  profile: AdaSkipProfile | null,
  options: SelectOptions,
): SkipSet {
  const needProfile = (): AdaSkipProfile => {
    if (!profile) throw new LmlabError(`method ${method} needs a calibration profile (lmlab adaskip calibrate)`);
    return profile;
  };
  switch (method) {
    case 'adaskip':
    case 'static':
      return similaritySet(needProfile(), sublayerBudget(layers, options));
    case 'random':
      return skipSublayers(
        profile,
        layers,
        randomSublayers(layers, sublayerBudget(layers, options), options.seed ?? 1),
      );
    case 'early-exit':
      return skipLayers(layers, earlyExitLayers(layers, layerBudget(layers, options)));
    case 'skipdecode':
      return skipLayers(layers, skipDecodeLayers(layers, layerBudget(layers, options)));
    case 'unified':
      return skipLayers(layers, unifiedLayers(layers, layerBudget(layers, options)));
    case 'shortgpt':
      return skipLayers(layers, shortGptLayers(needProfile(), layerBudget(layers, options)));
  }
}

export function describeSet(set: SkipSet): string {
  const parts: string[] = [];
  set.attn.forEach((s, l) => s !== null && parts.push(`attn ${l}`));
  set.ffn.forEach((s, l) => s !== null && parts.push(`ffn ${l}`));
  return parts.length ? parts.join(', ') : 'nothing';
}
