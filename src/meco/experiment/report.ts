// The experiment report (docs/results/meco.md) and its SVG plots, written only from a run's
// result files and the checks run on its data: the commit and command, the plan, the four
// must-hold checks of the reproduction, the claim metrics (all positions, positions ≥ 64, k-shot
// source; macro-averaged over sources) per run, the data-saving estimate 1 − T/B*, and the
// computed "Ruling out bugs" checks. Every interval is over training seeds (stats.ts) and every
// verdict is computed from an interval: one that includes zero gives "inconclusive".
// A smoke run's report says in its title that it is a plumbing check, not a result.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CorpusManifest } from './corpus.ts';
import { type DocumentLoss, LATE_POSITION, EARLY_POSITIONS, macroLoss, summarize } from './evaluate.ts';
import type { MeanInterval } from '../../util/statistics.ts';
import type { Provenance, RunResult, SavedPlan } from './results.ts';
import type { CheckResult } from './checks.ts';
import { describeConfig, parameterCount } from '../../model/config.ts';
import { type Series, lineChart, smooth } from '../../io/svg.ts';
import { MIN_TOKENS_PER_PARAMETER, TRAINING_SHARE } from './plan.ts';
import {
  type BudgetInterval,
  type PerSeed,
  type Verdict,
  budgetInterval,
  seedInterval,
  seedMean,
  signOf,
  verdictOf,
} from './stats.ts';
import { writeAtomic } from '../../util/atomic.ts';

export interface ReportInput {
  command: string;
  saved: SavedPlan;
  manifest: CorpusManifest;
  results: RunResult[];
  workDir: string;
  checks: CheckResult[];
  provenance: Provenance;
}

type Metric = 'all' | 'late' | 'kshot';
const METRICS: Array<[Metric, string]> = [
  ['all', 'all positions'],
  ['late', `positions ≥ ${LATE_POSITION}`],
  ['kshot', 'k-shot source'],
];

function metricOf(r: RunResult, m: Metric): number {
  return m === 'kshot' ? summarize(r.kshot).all : summarize(r.none)[m === 'all' ? 'all' : 'late'];
}

const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number, digits = 4) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}` : 'n/a');
/** "+0.0123 [−0.0040, +0.0286] (3 seeds)": a 95% t-interval over seeds. */
export const interval = (i: MeanInterval) =>
  `${signed(i.mean)} [${signed(i.low)}, ${signed(i.high)}] (${i.n} seed${i.n === 1 ? '' : 's'})`;

function groupName(r: RunResult): string {
  return r.spec.name.replace(/-s\d+$/, '');
}

/** One value per seed from a group's runs. */
function perSeed(runs: RunResult[], f: (r: RunResult) => number): PerSeed {
  return new Map(runs.map((r) => [r.spec.seed, f(r)]));
}

/** Per-seed average over several groups' runs of the same seed (e.g. MeCo and no-cooldown). */
function pooledPerSeed(runs: RunResult[], f: (r: RunResult) => number): PerSeed {
  const acc = new Map<number, number[]>();
  for (const r of runs) acc.set(r.spec.seed, [...(acc.get(r.spec.seed) ?? []), f(r)]);
  return new Map([...acc].map(([s, xs]) => [s, mean(xs)]));
}

function mean(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((s, x) => s + x, 0) / ok.length : NaN;
}

const macro = (docs: DocumentLoss[] | undefined, from = 0, to = Infinity) => macroLoss(docs ?? [], from, to).mean;

function readMetrics(workDir: string, run: string): Array<Record<string, number>> {
  const path = join(workDir, 'runs', run, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number>);
}

const mark = (v: Verdict) => (v === 'holds' ? 'holds' : v === 'does not hold' ? '**does not hold**' : 'inconclusive');

/** A Δ to the baseline with the side of zero its interval lies on. */
function delta(i: MeanInterval): string {
  if (i.n === 0) return 'n/a';
  const side = signOf(i);
  return `${interval(i)} ${side === 'below' ? 'lower' : side === 'above' ? 'higher' : 'inconclusive'}`;
}

function budgetText(b: number, bound: 'exact' | 'above' | 'below' | null): string {
  if (!Number.isFinite(b)) return 'n/a';
  if (bound === 'below') return `≤ ${b}T`;
  if (bound === 'above') return `≥ ${b}T`;
  return `${fmt(b, 2)}T`;
}

/** The bootstrap interval of B*, with its censored ends marked. */
function budgetIntervalText(bi: BudgetInterval, budgets: number[]): string {
  const lowest = Math.min(...budgets);
  const highest = Math.max(...budgets);
  const end = (x: number) => budgetText(x, x <= lowest ? 'below' : x >= highest ? 'above' : 'exact');
  return `[${end(bi.low)}, ${end(bi.high)}]`;
}

export function writeReport(path: string, input: ReportInput): void {
  const { saved, manifest, results, command, workDir, checks, provenance } = input;
  const plan = saved.plan;
  const smoke = plan.scale === 'smoke';
  const groups = new Map<string, RunResult[]>();
  for (const r of results) groups.set(groupName(r), [...(groups.get(groupName(r)) ?? []), r]);
  const get = (name: string) => groups.get(name) ?? [];
  const base = get('baseline-1T');
  const meco = get('meco');
  const noCool = get('no-cooldown');
  const seeds = [...new Set(results.map((r) => r.spec.seed))].sort((a, b) => a - b);
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);

  push(
    smoke
      ? '# MeCo reproduction — SMOKE RUN (plumbing check, not results)'
      : `# MeCo reproduction (${plan.scale} scale)`,
    '',
  );
  if (smoke)
    push(
      '> This report comes from the `smoke` scale: a model of a few thousand parameters trained for a handful of steps. It checks that every stage of the experiment runs end to end; its numbers say nothing about MeCo.',
      '',
    );
  push('Produced by:', '', '```', command, '```', '');
  const tree = (p: Provenance) =>
    `commit \`${p.commit}\`${p.dirty === null ? '' : p.dirty ? ', with uncommitted changes in the tree' : ', clean tree'}`;
  const started = saved.startedFrom;
  const resumedElsewhere = started && (started.commit !== provenance.commit || started.dirty !== provenance.dirty);
  push(
    `Code: ${tree(provenance)}${resumedElsewhere ? ` (the experiment was started from ${tree(started)} and resumed on this one)` : ''}. Seeds and every data order are fixed, so rerunning the command in an empty work directory reproduces the tables (only the timings in the setup list differ). Started ${saved.startedAt}.`,
    '',
  );
  push('## Setup', '');
  push(`- Model: ${describeConfig(plan.model)}; RoPE θ ${plan.model.ropeTheta}.`);
  push(
    `- Packing: ${plan.rows} rows × ${plan.seqLen} tokens per step, overflow dropped, block-diagonal attention, positions restart per document.`,
  );
  push(
    `- T = ${plan.steps} steps = ${plan.steps * plan.rows * plan.seqLen} tokens; AdamW (0.9, 0.95), peak LR ${plan.lr}, 5% warm-up, cosine to 10%; MeCo stage 1 = first 90% of steps, cooldown = the rest on disjoint documents without metadata.`,
  );
  if (saved.stepsBeforeCap)
    push(
      `- T was lowered from ${saved.stepsBeforeCap} to ${plan.steps} steps so that the largest baseline budget reads no training document twice.`,
    );
  push(
    `- Seeds: ${plan.seeds.join(', ')} (per seed, every run shares the initialisation and the document order); ${results.length} runs.`,
  );
  push(
    `- Baseline budgets: ${[...new Set([...plan.budgets, 1])]
      .sort((a, b) => a - b)
      .map((b) => `${b}T`)
      .join(', ')}.`,
  );
  if (saved.measuredTokensPerSecond)
    push(
      `- Sizing: training throughput measured before the runs on the largest candidate model: ${saved.measuredTokensPerSecond.toFixed(0)} tokens/s; the model above is the largest candidate reaching ${MIN_TOKENS_PER_PARAMETER} tokens per parameter at T within ${TRAINING_SHARE * 100}% of the ${((plan.timeBudget ?? 0) / 60).toFixed(0)}-minute budget (the rest for evaluation of at most ${plan.maxEvalDocs} documents) (throughput scaled by FLOPs per token to choose, then measured again on the chosen model to fix T).`,
    );
  if (saved.tokensPerSecond)
    push(
      `- Throughput of the chosen model ${saved.tokensPerSecond.toFixed(0)} tokens/s → planned training time ${(saved.expectedSeconds! / 60).toFixed(1)} min.`,
    );
  const totalSeconds = results.reduce((s, r) => s + r.seconds, 0);
  push(
    `- Time of the runs (training + evaluation): ${totalSeconds < 120 ? `${totalSeconds.toFixed(1)} s` : `${(totalSeconds / 60).toFixed(1)} min`}.`,
  );
  const reuse = checks.find((c) => c.name === 'no document read twice');
  push(
    `- Corpus: @stdlib State of the Union / SpamAssassin / Moby Dick, fine labels; ${manifest.documents.train} training, ${manifest.documents.cooldown} cooldown, ${manifest.documents.eval} evaluation and ${manifest.documents.heldout} held-out-label documents over ${Object.keys(manifest.labels).length} labels; ${manifest.duplicates} duplicates dropped.${reuse ? ` No reuse within a run: ${reuse.figure} (${reuse.pass ? 'pass' : 'FAIL'}).` : ''}`,
  );
  push(
    `- Evaluation: up to ${plan.evalPerSource} documents per source from the evaluation split${plan.maxEvalDocs ? ` (at most ${plan.maxEvalDocs} in all: whole sources, largest first)` : ''}, each scored over its first ${plan.seqLen - 1} tokens; k-shot source: ${plan.kShot} document(s) of the same source as context before the scored one; losses are nats/token, macro-averaged over sources.`,
    '',
  );
  push(
    `**Method.** Every comparison A − B is reduced to one difference per training seed (the two runs' metric over the same evaluation documents), and its 95% interval is Student's t over those ${seeds.length} per-seed differences (df = ${Math.max(0, seeds.length - 1)}): runs of one seed share initialisation and document order, so the seed is the independent unit and documents, nested within it, are not independent replicates of training (pooling them, as a document-level interval would, leaves the seed-to-seed variance out), and with ${seeds.length} seeds a bootstrap of the mean over seeds would have only a handful of distinct resamples and cover too little. B* is the one statistic without a closed form, so its interval is a percentile bootstrap over seeds (every ordered resample of the seeds enumerated). A verdict is given only when its interval excludes zero; otherwise it reads "inconclusive".`,
    '',
  );

  // --- must-hold checks (spec §5), each part an interval over seeds
  push('## Must-hold checks', '');
  const noneAll = (r: RunResult) => macro(r.none);
  const baseAll = perSeed(base, noneAll);
  const c1 = seedInterval(
    perSeed(noCool, (r) => macro(r.trueLabel)),
    baseAll,
  );
  const c1early = seedInterval(
    perSeed(noCool, (r) => macro(r.trueLabel, 0, EARLY_POSITIONS)),
    perSeed(base, (r) => macro(r.none, 0, EARLY_POSITIONS)),
  );
  // "most on the first tokens": the early gain minus the all-position gain, per seed
  const c1most = seedMean(
    new Map(
      noCool.flatMap((r) => {
        const b = base.find((x) => x.spec.seed === r.spec.seed);
        if (!b) return [];
        const early = macro(r.trueLabel, 0, EARLY_POSITIONS) - macro(b.none, 0, EARLY_POSITIONS);
        const all = macro(r.trueLabel) - macro(b.none);
        return [[r.spec.seed, early - all] as [number, number]];
      }),
    ),
  );
  const v1 = verdictOf([
    { interval: c1, want: 'below' },
    { interval: c1most, want: 'below' },
  ]);
  const c2nc = seedInterval(perSeed(noCool, noneAll), baseAll);
  const c2meco = seedInterval(perSeed(meco, noneAll), baseAll);
  const c2close = seedInterval(perSeed(meco, noneAll), perSeed(noCool, noneAll));
  const v2 = verdictOf([
    { interval: c2nc, want: 'above' },
    { interval: c2close, want: 'below' },
  ]);
  const mecoFamily = [...meco, ...noCool];
  const c3 = seedMean(pooledPerSeed(mecoFamily, (r) => macro(r.wrongLabel) - macro(r.trueLabel)));
  const withImitation = mecoFamily.filter((r) => r.imitation);
  const c3gen = seedMean(pooledPerSeed(withImitation, (r) => r.imitation!.conditioned - r.imitation!.unconditioned));
  const imConditioned = mean(withImitation.map((r) => r.imitation!.conditioned));
  const imPlain = mean(withImitation.map((r) => r.imitation!.unconditioned));
  const imChance = mean(withImitation.map((r) => r.imitation!.chance));
  const v3 = verdictOf([
    { interval: c3, want: 'above' },
    { interval: c3gen, want: 'above' },
  ]);
  const c4 = ['constant', 'shuffled'].map((k) => [k, seedInterval(perSeed(get(k), noneAll), baseAll)] as const);
  const v4 = verdictOf(c4.map(([, i]) => ({ interval: i, want: 'above' as const })));
  push('| # | check | measured (Δ per seed, mean and 95% t-interval over seeds) | verdict |', '|---|---|---|---|');
  push(
    `| 1 | no-cooldown model WITH true label beats the baseline (Δ < 0), most on the first tokens | all positions ${interval(c1)}; first ${EARLY_POSITIONS} positions ${interval(c1early)}; first ${EARLY_POSITIONS} − all ${interval(c1most)} | ${mark(v1)} |`,
  );
  push(
    `| 2 | no-cooldown WITHOUT label is worse than the baseline (Δ > 0); the cooldown closes the gap (MeCo − no-cooldown < 0) | no-cooldown − baseline ${interval(c2nc)}; MeCo − no-cooldown ${interval(c2close)} (MeCo − baseline ${interval(c2meco)}) | ${mark(v2)} |`,
  );
  push(
    `| 3 | a wrong label raises the loss (wrong − true > 0); a label steers generation to its source (labelled − unlabelled share > 0) | wrong − true label ${interval(c3)}; share of generations classified as the labelled source, labelled − unlabelled ${interval(c3gen)} (${fmt(imConditioned, 2)} vs ${fmt(imPlain, 2)}, chance ${fmt(imChance, 2)}, ${withImitation.reduce((s, r) => s + r.imitation!.samples, 0)} samples) | ${mark(v3)} |`,
  );
  push(
    `| 4 | constant and shuffled labels give no gain (Δ to the baseline > 0) | ${c4.map(([k, d]) => `${k} − baseline ${interval(d)}`).join('; ')} | ${mark(v4)} |`,
    '',
  );
  const verdicts = [v1, v2, v3, v4];
  const notHeld = verdicts.filter((v) => v === 'does not hold').length;
  const open = verdicts.filter((v) => v === 'inconclusive').length;
  push(
    `Verdicts: ${verdicts.filter((v) => v === 'holds').length} hold, ${notHeld} do not hold, ${open} inconclusive (an interval that includes zero).${notHeld && !smoke ? ' The spec treats a check that does not hold as a bug signal; what was checked is listed under "Ruling out bugs".' : ''}${smoke ? ' At smoke scale nothing is expected to hold (the models barely train).' : ''}`,
    '',
  );

  // --- claim metrics
  push('## Claim metrics: held-out loss without metadata', '');
  push(
    'Mean over seeds (per-seed values in brackets); Δ = difference to the baseline at T, one per seed, with its 95% t-interval over seeds and the side of zero the interval lies on ("lower" = better than the baseline at T).',
    '',
  );
  if (plan.seqLen - 1 <= LATE_POSITION)
    push(`(Positions ≥ ${LATE_POSITION} are n/a: with ${plan.seqLen}-token rows no scored document reaches them.)`, '');
  push(
    `| run | ${METRICS.map(([, label]) => label).join(' | ')} | ${METRICS.map(([, label]) => `Δ ${label}`).join(' | ')} |`,
    `|---|${METRICS.map(() => '---|').join('')}${METRICS.map(() => '---|').join('')}`,
  );
  for (const [name, rs] of groups) {
    const cells = METRICS.map(
      ([m]) => `${fmt(mean(rs.map((r) => metricOf(r, m))))} [${rs.map((r) => fmt(metricOf(r, m), 3)).join(', ')}]`,
    );
    const deltas = METRICS.map(([m]) =>
      name === 'baseline-1T'
        ? '—'
        : delta(
            seedInterval(
              perSeed(rs, (r) => metricOf(r, m)),
              perSeed(base, (r) => metricOf(r, m)),
            ),
          ),
    );
    push(`| ${name} | ${cells.join(' | ')} | ${deltas.join(' | ')} |`);
  }
  push('');

  // --- labels never seen in training
  push('## Held-out labels (never in training)', '');
  push(
    "Documents whose label was held out of training entirely: loss without a label, and for the MeCo-trained models under their own (unseen) label, the nearest this corpus has to the paper's invented URLs. Macro-averaged over sources; Δ per seed with its 95% t-interval over seeds.",
    '',
  );
  if (!base.some((r) => r.heldoutNone?.length)) {
    push('No held-out-label documents were scored in this run.', '');
  } else {
    push(
      '| run | without label | under its unseen label | Δ to baseline (without label) | Δ unseen label − without |',
      '|---|---|---|---|---|',
    );
    const without = (r: RunResult) => macro(r.heldoutNone);
    for (const [name, rs] of [
      ['baseline-1T', base],
      ['meco', meco],
      ['no-cooldown', noCool],
    ] as const) {
      const labelled = rs.some((r) => r.heldoutLabel);
      const withLabel = labelled ? fmt(mean(rs.map((r) => macro(r.heldoutLabel)))) : '—';
      const vsBase = name === 'baseline-1T' ? '—' : delta(seedInterval(perSeed(rs, without), perSeed(base, without)));
      const labelGain = labelled
        ? delta(
            seedInterval(
              perSeed(rs, (r) => macro(r.heldoutLabel)),
              perSeed(rs, without),
            ),
          )
        : '—';
      push(`| ${name} | ${fmt(mean(rs.map(without)))} | ${withLabel} | ${vsBase} | ${labelGain} |`);
    }
    push('');
  }

  // --- data efficiency
  push('## Data-saving estimate 1 − T/B*', '');
  const budgets = [...groups.keys()]
    .filter((k) => k.startsWith('baseline-'))
    .map((k) => [Number(k.slice('baseline-'.length, -1)), k] as const)
    .sort((a, b) => a[0] - b[0]);
  const budgetValues = budgets.map(([b]) => b);
  const resamples = budgetInterval(
    new Map(budgets.map(([b, k]) => [b, perSeed(get(k), (r) => metricOf(r, 'all'))])),
    perSeed(meco, (r) => metricOf(r, 'all')),
  ).resamples;
  push(
    `B* = the baseline budget whose loss equals MeCo's at T, interpolated linearly in log-budget between the measured baseline budgets, from the mean over seeds; its 95% interval is the 2.5–97.5% percentile range of B* over all ${resamples} ordered resamples of the ${seeds.length} seeds with replacement (baselines and MeCo resampled together, paired by seed). Outside the measured budgets B* is censored at ${budgetValues[0]}T or ${budgetValues[budgetValues.length - 1]}T (≤ / ≥). The saving 1 − T/B* is positive exactly when B* > T, so its verdict asks whether the interval of B* excludes T.`,
    '',
  );
  push(
    '| metric | MeCo at T | baseline by budget | B* | 95% interval of B* | saving | verdict |',
    '|---|---|---|---|---|---|---|',
  );
  const bis: BudgetInterval[] = [];
  for (const [m, label] of METRICS) {
    const curve = budgets.map(([b, k]) => [b, mean(get(k).map((r) => metricOf(r, m)))] as [number, number]);
    const target = mean(meco.map((r) => metricOf(r, m)));
    const bi = budgetInterval(
      new Map(budgets.map(([b, k]) => [b, perSeed(get(k), (r) => metricOf(r, m))])),
      perSeed(meco, (r) => metricOf(r, m)),
    );
    bis.push(bi);
    const saving = (b: number) => `${signed((1 - 1 / b) * 100, 1)}%`;
    const savingText = Number.isFinite(bi.point.budget)
      ? `${bi.point.bound === 'exact' ? '' : bi.point.bound === 'above' ? '≥ ' : '≤ '}${saving(bi.point.budget)} [${saving(bi.low)}, ${saving(bi.high)}]`
      : 'n/a';
    const side = signOf({ low: bi.low - 1, high: bi.high - 1 });
    const verdict = !Number.isFinite(bi.point.budget)
      ? 'n/a'
      : side === 'above'
        ? 'saves data (B* > T)'
        : side === 'below'
          ? '**negative saving** (B* < T)'
          : 'inconclusive (interval includes T)';
    push(
      `| ${label} | ${fmt(target)} | ${curve.map(([b, l]) => `${b}T: ${fmt(l)}`).join(', ')} | ${budgetText(bi.point.budget, bi.point.bound)} | ${budgetIntervalText(bi, budgetValues)} | ${savingText} | ${verdict} |`,
    );
  }
  push('');
  if (!smoke && bis.some((bi) => Number.isFinite(bi.point.budget))) {
    const measured = METRICS.map(([, l], i) => [l, bis[i]] as const).filter(([, bi]) =>
      Number.isFinite(bi.point.budget),
    );
    const sides = measured.map(([, bi]) => signOf({ low: bi.low - 1, high: bi.high - 1 }));
    const named = (side: string) =>
      measured
        .filter((_, i) => sides[i] === side)
        .map(([l]) => l)
        .join(', ');
    if (sides.every((x) => x === 'below'))
      push(
        `**Result: no data saving at this scale.** On every metric measured the bootstrap interval of B* lies below T: MeCo at T is matched by a baseline trained on less data, so 1 − T/B* is negative. This is a negative result and is reported as such. The paper's own gains shrink with model size (+0.2 points at 600M parameters, +1.0 at 1.6B); this model has ${parameterCount(plan.model).toLocaleString('en-US')} parameters.`,
        '',
      );
    else if (sides.every((x) => x === 'above'))
      push('**Result: MeCo saves data.** On every metric measured the bootstrap interval of B* lies above T.', '');
    else
      push(
        `**Result: ${sides.some((x) => x === 'inconclusive') ? 'inconclusive' : 'mixed'} at ${seeds.length} seeds.** B* below T on: ${named('below') || 'none'}; above T on: ${named('above') || 'none'}; interval includes T on: ${named('inconclusive') || 'none'}.`,
        '',
      );
  }

  // --- plots
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const stem = basename(path).replace(/\.md$/, '');
  const seed = plan.seeds[0];
  const shown = ['baseline-1T', 'meco', 'no-cooldown', 'constant', 'shuffled', 'hashed'];
  const curves = (key: 'loss' | 'evalLoss'): Series[] =>
    shown.map((g) => {
      const run = get(g).find((r) => r.spec.seed === seed);
      const pts = run
        ? readMetrics(workDir, run.spec.name)
            .filter((m) => key in m)
            .map((m) => [m.step, m[key]] as [number, number])
        : [];
      return { name: g, points: key === 'loss' ? smooth(pts, Math.max(1, Math.round(plan.steps / 20))) : pts };
    });
  const trainSvg = `${stem}-train-loss.svg`;
  const evalSvg = `${stem}-eval-loss.svg`;
  const budgetSvg = `${stem}-budgets.svg`;
  writeAtomic(
    join(dir, trainSvg),
    lineChart(
      `Training loss (seed ${seed}, moving average)`,
      'step',
      'loss (nats/token, trained targets)',
      curves('loss'),
    ),
  );
  writeAtomic(
    join(dir, evalSvg),
    lineChart(`Held-out loss without metadata (seed ${seed})`, 'step', 'loss (nats/token)', curves('evalLoss')),
  );
  const budgetCurve = budgets.map(([b, k]) => [b, mean(get(k).map((r) => metricOf(r, 'all')))] as [number, number]);
  const mecoAll = mean(meco.map((r) => metricOf(r, 'all')));
  writeAtomic(
    join(dir, budgetSvg),
    lineChart('Baseline loss by budget vs MeCo at T (all positions)', 'budget (× T)', 'loss (nats/token)', [
      { name: 'baseline', points: budgetCurve },
      {
        name: 'MeCo at T',
        points: budgetCurve.length
          ? [
              [budgetCurve[0][0], mecoAll],
              [budgetCurve[budgetCurve.length - 1][0], mecoAll],
            ]
          : [],
      },
    ]),
  );
  push(
    '## Loss curves',
    '',
    `![training loss](${trainSvg})`,
    '',
    `![held-out loss](${evalSvg})`,
    '',
    `![budgets](${budgetSvg})`,
    '',
  );

  push('## Ruling out bugs', '');
  const failedChecks = checks.filter((c) => !c.pass);
  push(
    `Each check below was run on this experiment's own corpus, shards, training logs and results when this report was written (src/meco/experiment/checks.ts): ${checks.length - failedChecks.length} of ${checks.length} pass.${failedChecks.length ? ` **Failed: ${failedChecks.map((c) => c.name).join(', ')}** — the numbers above are suspect until that is fixed.` : ''} Evaluation scores the same documents for every model, without metadata unless stated.`,
    '',
  );
  push('| check | what was run | figure | verdict |', '|---|---|---|---|');
  for (const c of checks) push(`| ${c.name} | ${c.what} | ${c.figure} | ${c.pass ? 'pass' : '**FAIL**'} |`);
  push('');
  if (smoke)
    push('Smoke scale: the checks and the claim are not expected to hold; run `--scale standard` for a reproduction.');
  writeAtomic(path, lines.join('\n') + '\n');
}
