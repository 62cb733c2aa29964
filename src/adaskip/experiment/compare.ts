// The evaluation's comparisons, computed from its per-prompt rows (quality.ts): paired
// differences between two configurations prompt by prompt (the prompt is the unit: every
// configuration answers the same prompts), at equal α and at equal measured compute — another
// method's quality interpolated linearly between its own budgets (and dense at zero) to the
// share of FLOPs, or of wall-clock time, that AdaSkip saved at α, never extrapolated — each with
// a 95% Student-t interval and a verdict that calls an interval containing 0 a tie. Also the
// online rule's own effect (adaskip − static, same mode and α) and what it added.
// Deliberately not here: formatting (report.ts), running anything.
import { type MeanInterval, meanInterval, median } from '../../util/statistics.ts';
import type { PromptResult } from './quality.ts';

export type Metric = (r: PromptResult) => number;
export const answerLossOf: Metric = (r) => r.answerLoss;
export const itemsOf: Metric = (r) => r.items * 100;
export const agreementOf: Metric = (r) => r.agreement * 100;

export type Filter = (r: PromptResult) => boolean;
export const everyTask: Filter = () => true;
export const longTasks: Filter = (r) => r.long;
export const shortTasks: Filter = (r) => !r.long;

const promptKey = (r: PromptResult) => `${r.seed}/${r.prompt}`;

/** The rows of one configuration, by prompt. */
export function rowsOf(rows: PromptResult[], config: string, filter: Filter = everyTask): Map<string, PromptResult> {
  const out = new Map<string, PromptResult>();
  for (const r of rows) if (r.config === config && filter(r)) out.set(promptKey(r), r);
  return out;
}

/** f(a) − f(b) over the prompts both answered, with its interval. */
export function pairedDiff(
  rows: PromptResult[],
  a: string,
  b: string,
  f: Metric,
  filter: Filter = everyTask,
): MeanInterval {
  const A = rowsOf(rows, a, filter);
  const B = rowsOf(rows, b, filter);
  const diffs: number[] = [];
  for (const [k, ra] of A) {
    const rb = B.get(k);
    if (rb && Number.isFinite(f(ra)) && Number.isFinite(f(rb))) diffs.push(f(ra) - f(rb));
  }
  return meanInterval(diffs);
}

/**
 * The verdict on a − b: which side is better when the interval excludes 0, "tie" when it does
 * not, "identical" when every paired difference is 0.
 */
export function verdict(d: MeanInterval, lowerIsBetter: boolean, a: string, b: string): string {
  if (d.n === 0 || !Number.isFinite(d.mean)) return 'no data';
  if (d.mean === 0 && (d.half === 0 || d.n === 1)) return 'identical';
  if (!Number.isFinite(d.half)) return 'one prompt: no interval';
  if (d.low <= 0 && d.high >= 0) return 'tie (interval includes 0)';
  const aBetter = lowerIsBetter ? d.high < 0 : d.low > 0;
  return `${aBetter ? a : b} better`;
}

export type ComputeAxis = 'flops' | 'time';

/**
 * Share of compute a configuration saved on one seed's prompts: FLOPs skipped (mean over its
 * answers), or 1 − its total generation time ÷ dense's over the same prompts.
 */
export function computeSaved(rows: PromptResult[], seed: number, config: string, axis: ComputeAxis): number {
  const mine = rows.filter((r) => r.seed === seed && r.config === config);
  if (mine.length === 0) return Number.NaN;
  if (axis === 'flops') return mine.reduce((s, r) => s + r.flopShareSkipped, 0) / mine.length;
  const dense = rowsOf(
    rows.filter((r) => r.seed === seed),
    'dense',
  );
  let t = 0;
  let td = 0;
  for (const r of mine) {
    const d = dense.get(promptKey(r));
    if (!d) continue;
    t += r.ttftMs + r.decodeMs;
    td += d.ttftMs + d.decodeMs;
  }
  return td > 0 ? 1 - t / td : Number.NaN;
}

/** y at x on the polyline through points (sorted by x here); NaN outside their range. */
export function interpolate(points: Array<[number, number]>, x: number): number {
  const p = points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).sort((a, b) => a[0] - b[0]);
  if (p.length === 0 || x < p[0][0] || x > p[p.length - 1][0]) return Number.NaN;
  for (let i = 0; i < p.length; i++) {
    if (p[i][0] === x) return p[i][1];
    if (i + 1 < p.length && p[i][0] < x && x < p[i + 1][0]) {
      const [x0, y0] = p[i];
      const [x1, y1] = p[i + 1];
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return Number.NaN;
}

export interface MatchedComparison {
  /** other − reference at the reference's compute, per prompt */
  diff: MeanInterval;
  /** the reference's saved share (mean over seeds) */
  saved: number;
  /** the other method's largest saved share (mean over seeds) */
  reach: number;
  /** prompts left out because the other method never saves that much (or that little) */
  outOfRange: number;
}

/**
 * `other` (configs of one method, one per α: `configOf(α)`) against the reference config at the
 * compute the reference saved: per seed and prompt, other's metric interpolated between its
 * budgets (dense = 0 saved) to the reference's saved share, minus the reference's own.
 */
export function matchedDiff(
  rows: PromptResult[],
  reference: string,
  configOf: (alpha: number) => string,
  alphas: number[],
  axis: ComputeAxis,
  f: Metric,
  filter: Filter = everyTask,
): MatchedComparison {
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const diffs: number[] = [];
  let outOfRange = 0;
  const saved: number[] = [];
  const reach: number[] = [];
  for (const seed of seeds) {
    const seedRows = rows.filter((r) => r.seed === seed);
    const x = computeSaved(seedRows, seed, reference, axis);
    const xs = alphas.map((a) => computeSaved(seedRows, seed, configOf(a), axis));
    saved.push(x);
    reach.push(Math.max(...xs.filter(Number.isFinite)));
    const ref = rowsOf(seedRows, reference, filter);
    const dense = rowsOf(seedRows, 'dense', filter);
    const others = alphas.map((a) => rowsOf(seedRows, configOf(a), filter));
    for (const [k, r] of ref) {
      const d = dense.get(k);
      const points: Array<[number, number]> = [[0, d ? f(d) : Number.NaN]];
      others.forEach((o, j) => {
        const row = o.get(k);
        points.push([xs[j], row ? f(row) : Number.NaN]);
      });
      const y = interpolate(points, x);
      if (!Number.isFinite(y) || !Number.isFinite(f(r))) {
        outOfRange++;
        continue;
      }
      diffs.push(y - f(r));
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { diff: meanInterval(diffs), saved: avg(saved), reach: avg(reach), outOfRange };
}

export interface OnlineSummary {
  prompts: number;
  /** prompts where the rule added at least one FFN */
  acted: number;
  /** prompts where AdaSkip's answer differs from static's */
  differs: number;
  /** FFN layer → prompts in which it was added */
  layers: Map<number, number>;
  afterSteps: Set<number>;
  /** prompts whose 20-step window closed, with τ and the closest running FFN's decode similarity */
  windows: number;
  tau: number;
  /** median and highest over prompts of the closest running FFN's decode similarity */
  closestMedian: number;
  closestMax: number;
  /** the FFN most often closest to τ, and in how many prompts */
  closestLayer: number | null;
  closestLayerPrompts: number;
}

/** What AdaSkip's online rule did in one configuration, against static at the same mode and α. */
export function onlineSummary(rows: PromptResult[], adaskip: string, statik: string, filter: Filter): OnlineSummary {
  const A = rowsOf(rows, adaskip, filter);
  const S = rowsOf(rows, statik, filter);
  const out: OnlineSummary = {
    prompts: A.size,
    acted: 0,
    differs: 0,
    layers: new Map(),
    afterSteps: new Set(),
    windows: 0,
    tau: Number.NaN,
    closestMedian: Number.NaN,
    closestMax: Number.NaN,
    closestLayer: null,
    closestLayerPrompts: 0,
  };
  const closest: number[] = [];
  const closestCount = new Map<number, number>();
  for (const [k, r] of A) {
    const w = r.onlineWindow ?? null; // absent in results written before it was recorded
    if (w) {
      out.windows++;
      out.tau = w.tau; // one offline set per configuration, so one τ
      closest.push(w.closestSimilarity);
      closestCount.set(w.closestLayer, (closestCount.get(w.closestLayer) ?? 0) + 1);
    }
    if (r.online) {
      out.acted++;
      out.afterSteps.add(r.online.afterStep);
      for (const l of r.online.layers) out.layers.set(l, (out.layers.get(l) ?? 0) + 1);
    }
    const s = S.get(k);
    if (s && (s.tokens.length !== r.tokens.length || s.tokens.some((t, i) => t !== r.tokens[i]))) out.differs++;
  }
  if (closest.length > 0) {
    out.closestMedian = median(closest);
    out.closestMax = Math.max(...closest);
    for (const [l, n] of closestCount)
      if (n > out.closestLayerPrompts || (n === out.closestLayerPrompts && l < (out.closestLayer ?? Infinity))) {
        out.closestLayer = l;
        out.closestLayerPrompts = n;
      }
  }
  return out;
}
