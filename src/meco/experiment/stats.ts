// Seed-level statistics of the MeCo reproduction. Runs that share a training seed share their
// initialisation and document order, so the seed is the unit of replication and documents are
// nested within it:
//   - a comparison A − B is first reduced to one number per seed (the difference of the two
//     runs' metric, each averaged over the same evaluation documents), then a 95% Student-t
//     interval is taken over those per-seed differences (df = seeds − 1);
//   - B* (the baseline budget that matches MeCo's loss at T, spec §5) gets a percentile interval
//     from a bootstrap over seeds: resample seeds with replacement, average the baseline curve and
//     MeCo over the resampled seeds (paired: the same seeds for both), recompute B*. With few
//     seeds every one of the seeds^seeds ordered resamples is enumerated (exact, no randomness);
//     beyond EXHAUSTIVE_LIMIT a seeded sample of BOOTSTRAP_SAMPLES resamples is drawn;
//   - a verdict needs its interval to exclude zero; otherwise it is "inconclusive".
// Not here: the loss metrics themselves (evaluate.ts), rendering (report.ts).
import { type MeanInterval, meanInterval } from '../../util/statistics.ts';
import { Rng } from '../../util/rng.ts';

/** Per-seed values of one quantity, keyed by seed. */
export type PerSeed = Map<number, number>;

/** Per-seed paired differences a − b over the seeds both have (and both finite), in seed order. */
export function seedDifferences(a: PerSeed, b: PerSeed): Array<{ seed: number; diff: number }> {
  const out: Array<{ seed: number; diff: number }> = [];
  for (const seed of [...a.keys()].sort((x, y) => x - y)) {
    const x = a.get(seed);
    const y = b.get(seed);
    if (x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y)) out.push({ seed, diff: x - y });
  }
  return out;
}

/** 95% t-interval over seeds of the per-seed differences a − b (n = number of paired seeds). */
export function seedInterval(a: PerSeed, b: PerSeed): MeanInterval {
  return meanInterval(seedDifferences(a, b).map((d) => d.diff));
}

/** 95% t-interval over seeds of per-seed values (already differences). */
export function seedMean(values: PerSeed): MeanInterval {
  return meanInterval(
    [...values.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([, v]) => v)
      .filter(Number.isFinite),
  );
}

export type Sign = 'below' | 'above' | 'inconclusive';

/** Where the interval lies relative to zero: wholly below, wholly above, or straddling (or unknown). */
export function signOf(i: { low: number; high: number }): Sign {
  if (!Number.isFinite(i.low) || !Number.isFinite(i.high)) return 'inconclusive';
  if (i.high < 0) return 'below';
  if (i.low > 0) return 'above';
  return 'inconclusive';
}

export type Verdict = 'holds' | 'does not hold' | 'inconclusive';

/**
 * A check made of parts, each wanting its interval on one side of zero: it holds when every
 * part's interval lies on the wanted side, does not hold when some part's interval lies wholly on
 * the other side, and is inconclusive otherwise.
 */
export function verdictOf(parts: Array<{ interval: { low: number; high: number }; want: 'below' | 'above' }>): Verdict {
  const signs = parts.map((p) => [signOf(p.interval), p.want] as const);
  if (signs.some(([s, w]) => s !== 'inconclusive' && s !== w)) return 'does not hold';
  if (signs.every(([s, w]) => s === w)) return 'holds';
  return 'inconclusive';
}

/** B* in units of T where the baseline's loss curve over budgets meets the target loss. */
export interface BudgetMatch {
  budget: number;
  /** exact: interpolated inside the measured budgets; below/above: outside them (censored at the end) */
  bound: 'exact' | 'above' | 'below';
}

/**
 * B* where the baseline loss curve (budget, loss) meets `target`, interpolating linearly in
 * log-budget between neighbouring budgets (the first crossing from the smallest budget). A target
 * above the smallest budget's loss is censored at that budget ('below'); one beneath every
 * measured loss at the largest ('above').
 */
export function matchingBudget(curve: Array<[number, number]>, target: number): BudgetMatch {
  const pts = curve.filter(([, y]) => Number.isFinite(y)).sort((p, q) => p[0] - q[0]);
  if (pts.length === 0 || !Number.isFinite(target)) return { budget: NaN, bound: 'exact' };
  if (target >= pts[0][1]) return { budget: pts[0][0], bound: 'below' };
  for (let i = 1; i < pts.length; i++) {
    const [b0, l0] = pts[i - 1];
    const [b1, l1] = pts[i];
    if (target <= l0 && target >= l1 && l0 !== l1) {
      const f = (l0 - target) / (l0 - l1);
      return { budget: Math.exp(Math.log(b0) + f * (Math.log(b1) - Math.log(b0))), bound: 'exact' };
    }
  }
  return { budget: pts[pts.length - 1][0], bound: 'above' };
}

/** Ordered resamples of n seeds with replacement enumerated exactly up to this many. */
export const EXHAUSTIVE_LIMIT = 50_000;
/** Resamples drawn (seeded) when enumeration would exceed EXHAUSTIVE_LIMIT. */
export const BOOTSTRAP_SAMPLES = 4000;

/** Every ordered resample of indices 0..n−1 with replacement (n^n of them), or a seeded sample. */
export function seedResamples(n: number, seed = 1): number[][] {
  if (n <= 0) return [];
  if (n ** n <= EXHAUSTIVE_LIMIT) {
    const out: number[][] = [];
    const pick = new Array<number>(n).fill(0);
    for (;;) {
      out.push([...pick]);
      let i = n - 1;
      while (i >= 0 && pick[i] === n - 1) pick[i--] = 0;
      if (i < 0) return out;
      pick[i]++;
    }
  }
  const rng = new Rng(seed);
  return Array.from({ length: BOOTSTRAP_SAMPLES }, () => Array.from({ length: n }, () => rng.int(n)));
}

/** The q-quantile of xs by the inverse empirical distribution (the smallest x with F(x) ≥ q). */
export function quantile(xs: number[], q: number): number {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length - 1e-9) - 1));
  return sorted[k];
}

export interface BudgetInterval {
  /** B* from the mean over all seeds */
  point: BudgetMatch;
  /** 2.5% and 97.5% bootstrap percentiles of B* (censored resamples sit at the end budgets) */
  low: number;
  high: number;
  /** resamples used, and how many of them were censored below or above the measured budgets */
  resamples: number;
  censoredBelow: number;
  censoredAbove: number;
  seeds: number;
}

/**
 * B* with a bootstrap interval over seeds. `baselines` maps a budget (× T) to its per-seed loss,
 * `meco` is MeCo's per-seed loss at T; only seeds present in MeCo and every budget are used.
 */
export function budgetInterval(baselines: Map<number, PerSeed>, meco: PerSeed): BudgetInterval {
  const seeds = [...meco.keys()]
    .filter((s) => Number.isFinite(meco.get(s)) && [...baselines.values()].every((b) => Number.isFinite(b.get(s))))
    .sort((a, b) => a - b);
  const budgets = [...baselines.keys()].sort((a, b) => a - b);
  const at = (pick: number[]): BudgetMatch => {
    const avg = (m: PerSeed) => pick.reduce((s, i) => s + m.get(seeds[i])!, 0) / pick.length;
    return matchingBudget(
      budgets.map((b) => [b, avg(baselines.get(b)!)]),
      avg(meco),
    );
  };
  const all = seeds.map((_, i) => i);
  const point = seeds.length ? at(all) : { budget: NaN, bound: 'exact' as const };
  const stars = seedResamples(seeds.length).map(at);
  const values = stars.map((s) => s.budget);
  return {
    point,
    low: quantile(values, 0.025),
    high: quantile(values, 0.975),
    resamples: stars.length,
    censoredBelow: stars.filter((s) => s.bound === 'below').length,
    censoredAbove: stars.filter((s) => s.bound === 'above').length,
    seeds: seeds.length,
  };
}
