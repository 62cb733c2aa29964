// docs/results/adaskip.md from one evaluation run: the command, the model and how it was
// trained, per-task quality of dense vs every method at every α (mean over seeds with a 95%
// t-interval): greedy answers scored exactly and the reference answer's teacher-forced loss,
// perplexity and agreement with the dense answers, measured speed on the trained
// model and on random-weight models at 512/2048/8192, and the quality-vs-speed plot.
// Every number comes from the run's JSON files; verdicts (is AdaSkip better than random, than
// the baselines?) are computed, not written by hand. Deliberately not here: running anything.
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type MeanInterval, meanInterval, pairedInterval } from '../../util/statistics.ts';
import { DEFAULT_ALPHA } from '../plan.ts';
import { lineChart, type Series } from '../../io/svg.ts';
import { formatBenchTable, type BenchReport } from './bench.ts';
import type { ConfigResult, QualityReport } from './quality.ts';
import { TASKS, type TaskName } from './tasks.ts';
import { writeAtomic } from '../../util/atomic.ts';

export interface AdaSkipReportInput {
  command: string;
  model: string;
  training: string;
  quality: QualityReport;
  speed: Array<{ title: string; report: BenchReport }>;
  startedAt: string;
}

const interval = meanInterval;
const pct = (x: number) => `${(x * 100).toFixed(1)}`;
const shown = (i: MeanInterval, f = pct) => {
  if (!Number.isFinite(i.mean)) return '—';
  return Number.isFinite(i.half) ? `${f(i.mean)} ± ${f(i.half)}` : f(i.mean);
};
const withInterval = (xs: number[], f = pct) => shown(interval(xs), f);

function key(r: ConfigResult): string {
  return r.method === 'dense' ? 'dense' : `${r.method} α=${r.alpha}`;
}

const meanItems = (r: ConfigResult) => r.tasks.reduce((s, t) => s + t.items, 0) / r.tasks.length;
const meanAgreement = (r: ConfigResult) => r.tasks.reduce((s, t) => s + t.agreement, 0) / r.tasks.length;
// results cached before the answer loss was measured have none: the arithmetic gives NaN, shown as —
const meanAnswerLoss = (r: ConfigResult) => r.tasks.reduce((s, t) => s + t.answerLoss, 0) / r.tasks.length;
/** f(a) − f(b) paired by seed, per seed of a */
const paired = (a: ConfigResult[], b: ConfigResult[], f: (r: ConfigResult) => number) =>
  pairedInterval(
    a.map(f),
    a.map((r) => f(b.find((x) => x.seed === r.seed)!)),
  );
const nats = (x: number) => x.toFixed(3);
const taskOf = (r: ConfigResult, task: TaskName) => r.tasks.find((t) => t.task === task)!;

export function writeAdaSkipReport(path: string, input: AdaSkipReportInput): void {
  const { quality } = input;
  const groups = new Map<string, ConfigResult[]>();
  for (const r of quality.results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const dense = groups.get('dense') ?? [];
  const denseBySeed = new Map(dense.map((r) => [r.seed, r]));
  const ratio = (r: ConfigResult, f: (x: ConfigResult) => number, invert = false) => {
    const d = denseBySeed.get(r.seed)!;
    return invert ? f(d) / f(r) : f(r) / f(d);
  };
  const seeds = [...new Set(quality.results.map((r) => r.seed))];
  const alphas = [...new Set(quality.results.filter((r) => r.method !== 'dense').map((r) => r.alpha))].sort(
    (a, b) => a - b,
  );
  const methods = [...new Set(quality.results.filter((r) => r.method !== 'dense').map((r) => r.method))];
  /** methods at α ordered by the mean of a per-seed score, lowest first (methods without results left out) */
  const rankMethods = (alpha: number, score: (rs: ConfigResult[]) => MeanInterval) =>
    methods
      .map((m) => [m, score(groups.get(`${m} α=${alpha}`) ?? []).mean] as const)
      .filter(([, v]) => Number.isFinite(v))
      .sort((a, b) => a[1] - b[1]);
  const L: string[] = [];
  const push = (...l: string[]) => L.push(...l);

  push('# AdaSkip on a trained long-context model', '');
  push('Produced by:', '', '```', input.command, '```', '');
  push(`Started ${input.startedAt}; written ${new Date().toISOString()}. Every number below comes from this run.`, '');
  push('## Setup', '');
  push(`- Model: ${input.model}.`, `- Training: ${input.training}`);
  push(
    `- Tasks (generated, scored exactly; src/adaskip/experiment/tasks.ts): ${TASKS.join(', ')}. Haystacks are natural text held out of training; prompts ${quality.promptTokens.min}–${quality.promptTokens.max} tokens (mean ${quality.promptTokens.mean.toFixed(0)}); answers decoded greedily.`,
  );
  push(
    `- Seeds ${seeds.join(', ')}: each seed draws its own test prompts and seeds the random baseline; intervals are 95% Student-t over seeds. Calibration: ${quality.calibration.prompts} prompts (${quality.calibration.tokens} tokens) of task seeds and natural passages disjoint from every test prompt, equal weight per request.`,
  );
  push(
    "- Metrics: **items** = share of answer items (digits, names, words, tags) right and in place; **exact** = whole answer verbatim; **answer loss** = the reference answer read teacher-forced after the prompt, nats per token (lower is better; it rewards finding the answer in the context even when greedy decoding gets it wrong); **agree** = share of generated tokens equal to the dense model's at the same position; **ppl** = perplexity of held-out natural text under the configuration; **prefill ×** / **decode ×** = dense time to first token ÷ method's, method decode tokens/s ÷ dense's, same seed, same prompts, one process.",
    '',
  );

  // --- headline at the default α
  const headline = groups.get(`adaskip α=${DEFAULT_ALPHA}`) ?? [];
  if (headline.length) {
    push(`## Headline: AdaSkip at α = ${DEFAULT_ALPHA} (e2e mode)`, '');
    push(
      `- Prefill speed-up (time to first token, dense ÷ AdaSkip): ${withInterval(
        headline.map((r) => ratio(r, (x) => x.ttftMs, true)),
        (x) => `${x.toFixed(3)}×`,
      )}.`,
    );
    push(
      `- Decode speed-up (tokens/s, AdaSkip ÷ dense): ${withInterval(
        headline.map((r) => ratio(r, (x) => x.decodeTokensPerSecond)),
        (x) => `${x.toFixed(3)}×`,
      )}.`,
    );
    push(
      `- FLOPs skipped: ${withInterval(headline.map((r) => r.flopShareSkipped))}%; KV cache ${withInterval(headline.map((r) => ratio(r, (x) => x.kvBytes)))}% of dense.`,
    );
    push(
      `- Held-out perplexity: dense ${withInterval(
        dense.map((r) => r.perplexity),
        (x) => x.toFixed(2),
      )}, AdaSkip ${withInterval(
        headline.map((r) => r.perplexity),
        (x) => x.toFixed(2),
      )}; generated tokens equal to dense: ${withInterval(headline.map(meanAgreement))}%.`,
    );
    push(
      '',
      '| task | dense items % | AdaSkip items % | change (points) | dense exact % | AdaSkip exact % | dense answer loss | AdaSkip answer loss | change (nats/token) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const task of TASKS) {
      const d = dense.map((r) => taskOf(r, task).items);
      const a = headline.map((r) => taskOf(r, task).items);
      const change = headline.map((r) => taskOf(r, task).items - taskOf(denseBySeed.get(r.seed)!, task).items);
      const lossChange = headline.map(
        (r) => taskOf(r, task).answerLoss - taskOf(denseBySeed.get(r.seed)!, task).answerLoss,
      );
      push(
        `| ${task} | ${withInterval(d)} | ${withInterval(a)} | ${withInterval(change)} | ${withInterval(dense.map((r) => taskOf(r, task).exact))} | ${withInterval(headline.map((r) => taskOf(r, task).exact))} | ` +
          `${withInterval(
            dense.map((r) => taskOf(r, task).answerLoss),
            nats,
          )} | ${withInterval(
            headline.map((r) => taskOf(r, task).answerLoss),
            nats,
          )} | ${withInterval(lossChange, nats)} |`,
      );
    }
    push('');
  }

  const denseItems = interval(dense.map(meanItems)).mean;
  // below this, accuracy sits at its floor: the text says so and the plot shows answer loss
  const atFloor = denseItems < 0.05;
  if (atFloor) {
    push(
      `**The dense model solves almost none of the tasks** (mean items ${pct(denseItems)}%), so per-task accuracy is at its floor for every configuration and cannot tell the methods apart. The informative quality measures of this run are the answer loss per task, the held-out perplexity and the agreement of each configuration's answers with the dense answers (below); the task scores are reported all the same.`,
      '',
    );
  }

  // --- verdicts by perplexity and agreement
  push('## Which skipping hurts least? (held-out perplexity ÷ dense, agreement with dense; paired by seed)', '');
  push(
    `| α | ${methods.map((m) => `${m} ppl ×`).join(' | ')} | ${methods.map((m) => `${m} agree %`).join(' | ')} |`,
    `|---:|${methods.map(() => '---:|').join('')}${methods.map(() => '---:|').join('')}`,
  );
  for (const alpha of alphas) {
    const cells = methods.map((m) => {
      const rs = groups.get(`${m} α=${alpha}`) ?? [];
      return rs.length
        ? withInterval(
            rs.map((r) => ratio(r, (x) => x.perplexity)),
            (x) => x.toFixed(3),
          )
        : '—';
    });
    const agree = methods.map((m) => {
      const rs = groups.get(`${m} α=${alpha}`) ?? [];
      return rs.length ? withInterval(rs.map(meanAgreement)) : '—';
    });
    push(`| ${alpha} | ${cells.join(' | ')} | ${agree.join(' | ')} |`);
  }
  push('');
  for (const alpha of alphas) {
    const ranked = rankMethods(alpha, (rs) => interval(rs.map((r) => ratio(r, (x) => x.perplexity))));
    if (ranked.length)
      push(
        `- α = ${alpha}: lowest perplexity ${ranked[0][0]} (${ranked[0][1].toFixed(3)}× dense); AdaSkip ranks ${ranked.findIndex(([m]) => m === 'adaskip') + 1} of ${ranked.length}; random ${(ranked.find(([m]) => m === 'random')?.[1] ?? NaN).toFixed(3)}×.`,
      );
  }
  push('');

  // --- verdicts by answer loss
  const lossRows = (rs: ConfigResult[]) => paired(rs, dense, meanAnswerLoss);
  if (Number.isFinite(interval(dense.map(meanAnswerLoss)).mean)) {
    push(
      `## Answer loss: which skipping keeps the answers findable? (increase over dense in nats/token, mean over tasks, paired by seed; dense ${withInterval(dense.map(meanAnswerLoss), nats)})`,
      '',
    );
    push(`| α | ${methods.join(' | ')} |`, `|---:|${methods.map(() => '---:|').join('')}`);
    for (const alpha of alphas) {
      push(
        `| ${alpha} | ${methods
          .map((m) => {
            const rs = groups.get(`${m} α=${alpha}`) ?? [];
            return rs.length ? shown(lossRows(rs), nats) : '—';
          })
          .join(' | ')} |`,
      );
    }
    push('');
    for (const alpha of alphas) {
      const ranked = rankMethods(alpha, lossRows);
      const ada = groups.get(`adaskip α=${alpha}`) ?? [];
      const random = groups.get(`random α=${alpha}`) ?? [];
      if (!ranked.length) continue;
      const vsRandom =
        ada.length && random.length
          ? `; AdaSkip − random ${shown(paired(ada, random, meanAnswerLoss), nats)} nats/token`
          : '';
      push(
        `- α = ${alpha}: least added loss ${ranked[0][0]} (+${nats(ranked[0][1])}); AdaSkip ranks ${ranked.findIndex(([m]) => m === 'adaskip') + 1} of ${ranked.length}${vsRandom}.`,
      );
    }
    push('');
  }

  // --- verdicts
  push('## Task accuracy: is AdaSkip better than the alternatives? (mean items over tasks, paired by seed)', '');
  push(
    '| α | AdaSkip | best other method | random | AdaSkip − random (points) | AdaSkip − best other |',
    '|---:|---:|---|---:|---:|---:|',
  );
  for (const alpha of alphas) {
    const ada = groups.get(`adaskip α=${alpha}`) ?? [];
    const others = methods
      .filter((m) => m !== 'adaskip')
      .map((m) => [m, groups.get(`${m} α=${alpha}`) ?? []] as const)
      .filter(([, rs]) => rs.length);
    const best = others.sort((a, b) => interval(b[1].map(meanItems)).mean - interval(a[1].map(meanItems)).mean)[0];
    const random = groups.get(`random α=${alpha}`) ?? [];
    if (!ada.length) continue;
    push(
      `| ${alpha} | ${withInterval(ada.map(meanItems))} | ${best ? `${best[0]} ${withInterval(best[1].map(meanItems))}` : '—'} | ${random.length ? withInterval(random.map(meanItems)) : '—'} | ${random.length ? shown(paired(ada, random, meanItems)) : '—'} | ${best ? shown(paired(ada, best[1], meanItems)) : '—'} |`,
    );
  }
  push('', 'A difference whose interval includes 0 is not a difference at this number of seeds.', '');

  // --- full table
  push('## Every configuration', '');
  push(
    `| configuration | ${TASKS.map((t) => `${t} items %`).join(' | ')} | mean items % | answer loss | agree % | ppl | prefill × | decode × | FLOPs skipped % | skipped (offline) |`,
  );
  push(`|---|${TASKS.map(() => '---:|').join('')}---:|---:|---:|---:|---:|---:|---:|---|`);
  for (const [name, rs] of groups) {
    const cells = TASKS.map((t) => withInterval(rs.map((r) => taskOf(r, t).items)));
    const agree = rs.map(meanAgreement);
    push(
      `| ${name} | ${cells.join(' | ')} | ${withInterval(rs.map(meanItems))} | ${withInterval(rs.map(meanAnswerLoss), nats)} | ${withInterval(agree)} | ${withInterval(
        rs.map((r) => r.perplexity),
        (x) => x.toFixed(2),
      )} | ` +
        `${withInterval(
          rs.map((r) => ratio(r, (x) => x.ttftMs, true)),
          (x) => x.toFixed(3),
        )} | ${withInterval(
          rs.map((r) => ratio(r, (x) => x.decodeTokensPerSecond)),
          (x) => x.toFixed(3),
        )} | ` +
        `${withInterval(rs.map((r) => r.flopShareSkipped))} | ${rs[0].skipped} |`,
    );
  }
  push('');

  // --- plot
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const svgName = `${basename(path).replace(/\.md$/, '')}-quality-speed.svg`;
  // accuracy when the dense model solves the tasks; otherwise accuracy is flat at its floor and
  // the answer loss is the quality axis that separates the methods
  const byLoss = atFloor && Number.isFinite(interval(dense.map(meanAnswerLoss)).mean);
  const qualityOf = byLoss ? meanAnswerLoss : (r: ConfigResult) => meanItems(r) * 100;
  const series: Series[] = [{ name: 'dense', points: [[1, interval(dense.map(qualityOf)).mean]], markers: true }];
  for (const m of methods) {
    const points = alphas
      .map((alpha) => {
        const rs = groups.get(`${m} α=${alpha}`) ?? [];
        return [interval(rs.map((r) => ratio(r, (x) => x.ttftMs, true))).mean, interval(rs.map(qualityOf)).mean] as [
          number,
          number,
        ];
      })
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    series.push({ name: m, points, markers: true });
  }
  writeAtomic(
    join(dir, svgName),
    lineChart(
      'Quality vs prefill speed-up (each point one α; mean over seeds)',
      'prefill speed-up vs dense (×)',
      byLoss ? 'mean answer loss (nats/token, lower is better)' : 'mean task items correct (%)',
      series,
    ),
  );
  push('## Quality against speed', '', `![quality vs speed](${svgName})`, '');

  // --- speed benches
  push('## Speed at 512 / 2048 / 8192 tokens (random weights, same run)', '');
  push(
    'Dense and every method take turns within each repeat; medians. Random weights say nothing about quality; the skip sets come from a calibration on random tokens.',
    '',
  );
  for (const { title, report } of input.speed) {
    push(
      `### ${title}`,
      '',
      `${report.model}; collecting the statistics costs ${(report.collection.observerShare * 100).toFixed(2)}% of prefill time inside the observer (${(report.collection.overhead * 100).toFixed(1)}% wall clock, interleaved).`,
      '',
    );
    push(...formatBenchTable(report), '');
  }
  writeAtomic(path, L.join('\n') + '\n');
}
