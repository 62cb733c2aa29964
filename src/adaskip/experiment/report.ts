// docs/results/adaskip.md from one evaluation run: the command and the commit, the model and how
// it was trained, the long-answer tasks (dense, AdaSkip, static), AdaSkip's online rule (what it
// added, when, and its own effect against static with an interval), the three modes, every
// method against AdaSkip at equal α and at equal measured compute (matched FLOPs, matched time),
// self-speculative decoding (output identical to dense, acceptance, speed-up per task and α),
// every configuration, the quality-vs-speed plot and the random-weight speed benchmark.
// Intervals are 95% Student-t over prompts (paired where two configurations are compared; every
// configuration answers the same prompts). Verdicts are computed: an interval containing 0 is a
// tie, and no table picks a winner by sort order. Deliberately not here: running anything.
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type MeanInterval, meanInterval } from '../../util/statistics.ts';
import { writeAtomic } from '../../util/atomic.ts';
import { lineChart, type Series } from '../../io/svg.ts';
import { DEFAULT_ALPHA } from '../plan.ts';
import { formatBenchTable, type BenchReport } from './bench.ts';
import {
  agreementOf,
  answerLossOf,
  computeSaved,
  everyTask,
  type Filter,
  itemsOf,
  longTasks,
  matchedDiff,
  type Metric,
  onlineSummary,
  pairedDiff,
  rowsOf,
  shortTasks,
  verdict,
} from './compare.ts';
import { configName, LONG_ANSWER_TOKENS, type PromptResult, type QualityReport } from './quality.ts';

export interface AdaSkipReportInput {
  command: string;
  /** the commit that produced the run, and whether the tree had changes */
  code: string;
  model: string;
  training: string;
  quality: QualityReport;
  speed: Array<{ title: string; report: BenchReport }>;
  startedAt: string;
  lockPath: string;
}

const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
type Format = ((x: number) => string) & { plain?: (x: number) => string };
const shown = (i: MeanInterval, f: Format = f1) => {
  if (!Number.isFinite(i.mean)) return '—';
  return Number.isFinite(i.half) ? `${f(i.mean)} ± ${(f.plain ?? f)(i.half)}` : f(i.mean);
};
/** a difference: signed mean, plain half-width */
const signed = (f: (x: number) => string): Format =>
  Object.assign((x: number) => (x > 0 ? `+${f(x)}` : f(x)), { plain: f });

export function writeAdaSkipReport(path: string, input: AdaSkipReportInput): void {
  const { quality } = input;
  const rows = quality.prompts;
  const configs = [...new Set(rows.map((r) => r.config))];
  const alphas = [...new Set(rows.filter((r) => r.method !== 'dense').map((r) => r.alpha))].sort((a, b) => a - b);
  const e2eMethods = [...new Set(rows.filter((r) => r.mode === 'e2e').map((r) => r.method as string))];
  const modeMethods = [...new Set(rows.filter((r) => r.mode === 'decode').map((r) => r.method as string))];
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const allTasks = [...quality.shortTasks, ...quality.longTasks];
  const of = (config: string, filter: Filter = everyTask) => [...rowsOf(rows, config, filter).values()];
  const meanOf = (config: string, f: Metric, filter: Filter = everyTask) => meanInterval(of(config, filter).map(f));
  const dense = rowsOf(rows, 'dense');
  const key = (r: PromptResult) => `${r.seed}/${r.prompt}`;
  /** dense ÷ config (invert) or config ÷ dense of a time summed over each seed's prompts; interval over seeds */
  const ratioTo = (config: string, f: (r: PromptResult) => number, invert: boolean, filter: Filter = everyTask) =>
    meanInterval(
      seeds
        .map((seed) => {
          const rs = of(config, filter).filter((r) => r.seed === seed);
          if (rs.length === 0) return Number.NaN;
          const mine = rs.reduce((s, r) => s + f(r), 0);
          const theirs = rs.reduce((s, r) => s + f(dense.get(key(r))!), 0);
          return invert ? theirs / mine : mine / theirs;
        })
        .filter(Number.isFinite),
    );
  const totalMs = (r: PromptResult) => r.ttftMs + r.decodeMs;
  const summary = (config: string) => quality.configs.filter((c) => c.config === config);
  const ppl = (config: string) => meanInterval(summary(config).map((c) => c.perplexity));
  const taskFilter =
    (task: string): Filter =>
    (r) =>
      r.task === task;
  const nPrompts = dense.size;
  const promptsPerTask = rows.filter((r) => r.config === 'dense' && r.task === allTasks[0]).length / seeds.length;
  const headAlpha = alphas.includes(DEFAULT_ALPHA) ? DEFAULT_ALPHA : alphas[Math.floor(alphas.length / 2)];
  const L: string[] = [];
  const push = (...l: string[]) => L.push(...l);

  push('# AdaSkip on a trained long-context model', '');
  push('Produced by:', '', '```', input.command, '```', '');
  push(
    `Code: commit ${input.code}. Started ${input.startedAt}; written ${new Date().toISOString()}. Every number below comes from this run.`,
    '',
  );
  const t = quality.timing;
  push(
    `Timing: every timed section (each prompt's answers, the speculative runs, the speed benchmark) held the timing lock \`${input.lockPath}\`, which the benchmarks take too, so no two measurements overlapped; the run waited ${(t.lockWaitMs / 1000).toFixed(0)} s for other measurements. Load average (1/5/15 min) ${t.loadStart.map(f1).join('/')} at the start of the quality stage and ${t.loadEnd.map(f1).join('/')} at its end (other processes outside the lock still share the CPU).`,
    '',
  );
  push('## Setup', '');
  push(`- Model: ${input.model}.`, `- Training: ${input.training}`);
  push(
    `- Tasks (generated, scored exactly; src/adaskip/experiment/tasks.ts): short-answer ${quality.shortTasks.join(', ')} (answer length + 2 tokens generated); long-answer ${quality.longTasks.join(', ')} (at least ${LONG_ANSWER_TOKENS} tokens generated). Haystacks are natural text held out of training; prompts ${quality.promptTokens.min}–${quality.promptTokens.max} tokens (mean ${quality.promptTokens.mean.toFixed(0)}); answers decoded greedily, EOS not stopping them.`,
    `- Seeds ${seeds.join(', ')}, ${promptsPerTask} prompts per task and seed: ${nPrompts} prompts, each answered by every configuration. Calibration: ${quality.calibration.prompts} prompts (${quality.calibration.tokens} tokens) of task seeds and natural passages disjoint from every test prompt.`,
    "- Intervals: 95% Student-t over prompts; a comparison pairs two configurations prompt by prompt. A verdict names a winner only when the interval excludes 0; otherwise it is a **tie**. Time ratios are total times over a seed's prompts, with the interval over seeds; each prompt's configurations run in an order rotated from prompt to prompt.",
    "- Metrics: **items** = share of answer items right and in place; **answer loss** = the reference answer read teacher-forced after the prompt through the configuration's own prefill and decode, nats per token (lower is better); **agree** = share of generated tokens equal to dense at the same position; **ppl** = held-out perplexity; **time ×** = the configuration's generation time ÷ dense's on the same prompt; **FLOPs skipped** = share of the forward FLOPs of the answers not computed (src/model/flops.ts).",
    '',
  );

  // --- long-answer tasks
  const ada = (mode: string, alpha: number) => configName('adaskip', mode as 'e2e', alpha);
  const sta = (mode: string, alpha: number) => configName('static', mode as 'e2e', alpha);
  if (e2eMethods.includes('adaskip') && e2eMethods.includes('static')) {
    push(`## Long-answer tasks: dense, AdaSkip and static at α = ${headAlpha} (e2e)`, '');
    push(
      '| task | dense items % | AdaSkip items % | static items % | AdaSkip − static (points) | dense answer loss | AdaSkip answer loss | static answer loss | AdaSkip − static (nats/token) | online rule acted | answers differ |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const task of allTasks) {
      const tf = taskFilter(task);
      const A = ada('e2e', headAlpha);
      const S = sta('e2e', headAlpha);
      const o = onlineSummary(rows, A, S, tf);
      const long = quality.longTasks.includes(task);
      push(
        `| ${long ? `**${task}**` : task} | ${shown(meanOf('dense', itemsOf, tf))} | ${shown(meanOf(A, itemsOf, tf))} | ${shown(meanOf(S, itemsOf, tf))} | ${shown(pairedDiff(rows, A, S, itemsOf, tf), signed(f1))} | ${shown(meanOf('dense', answerLossOf, tf), f3)} | ${shown(meanOf(A, answerLossOf, tf), f3)} | ${shown(meanOf(S, answerLossOf, tf), f3)} | ${shown(pairedDiff(rows, A, S, answerLossOf, tf), signed(f3))} | ${o.acted}/${o.prompts} | ${o.differs}/${o.prompts} |`,
      );
    }
    push('', 'Long-answer tasks in bold.', '');
    const denseLong = meanOf('dense', itemsOf, longTasks);
    const denseShort = meanOf('dense', itemsOf, shortTasks);
    if (Number.isFinite(denseLong.mean) && denseLong.mean < 10)
      push(
        `Dense itself gets ${f1(denseLong.mean)}% of the long-answer items right (${f1(denseShort.mean)}% of the short-answer ones): this model cannot yet copy or list that much, so on the long tasks the methods are told apart by answer loss and by agreement with dense, not by items.`,
        '',
      );

    // --- online rule
    push("## AdaSkip's online rule: what it added, and its own effect (AdaSkip − static, same mode and α)", '');
    push(
      'Static is AdaSkip without the online rule: the same offline set, nothing added during decoding. In prefill mode the rule is off by definition (the decode set is the offline set).',
      '',
    );
    push(
      '| mode | α | tasks | prompts where it acted | τ | closest running FFN: decode similarity, median / max over prompts (most often layer) | answers differ from static | FFNs added (prompts) | skipped from decode step | Δ items (points) | Δ answer loss (nats/token) | verdict (answer loss) | Δ agree with dense (points) |',
      '|---|---:|---|---:|---:|---|---:|---|---:|---:|---:|---|---:|',
    );
    let actedAnywhere = 0;
    let promptsSeen = 0;
    // the nearest the rule came to acting: the smallest τ − similarity over every window
    let nearest: { gap: number; tau: number; sim: number; mode: string; alpha: number } | null = null;
    for (const mode of ['decode', 'e2e', 'prefill']) {
      for (const alpha of alphas) {
        const A = ada(mode, alpha);
        const S = sta(mode, alpha);
        if (of(A).length === 0 || of(S).length === 0) continue;
        for (const [name, filter] of [
          ['long', longTasks],
          ['short', shortTasks],
        ] as const) {
          const o = onlineSummary(rows, A, S, filter);
          if (mode !== 'prefill' && alpha > 0) {
            actedAnywhere += o.acted;
            promptsSeen += o.prompts;
            if (o.windows > 0 && (nearest === null || o.tau - o.closestMax < nearest.gap))
              nearest = { gap: o.tau - o.closestMax, tau: o.tau, sim: o.closestMax, mode, alpha };
          }
          const window =
            o.windows > 0
              ? `${o.closestMedian.toFixed(4)} / ${o.closestMax.toFixed(4)} (ffn ${o.closestLayer}, ${o.closestLayerPrompts}/${o.windows})`
              : '—';
          const added =
            [...o.layers.entries()]
              .sort((a, b) => a[0] - b[0])
              .map(([l, n]) => `ffn ${l} (${n})`)
              .join(', ') || 'none';
          const d = pairedDiff(rows, A, S, answerLossOf, filter);
          push(
            `| ${mode} | ${alpha} | ${name} | ${o.acted}/${o.prompts} | ${o.windows > 0 ? o.tau.toFixed(4) : '—'} | ${window} | ${o.differs}/${o.prompts} | ${added} | ${[...o.afterSteps].join(', ') || '—'} | ${shown(pairedDiff(rows, A, S, itemsOf, filter), signed(f1))} | ${shown(d, signed(f3))} | ${verdict(d, true, 'AdaSkip', 'static')} | ${shown(pairedDiff(rows, A, S, agreementOf, filter), signed(f1))} |`,
          );
        }
      }
    }
    push('');
    push(
      actedAnywhere === 0
        ? `The online rule never acted: in none of the ${promptsSeen} AdaSkip answers in decode and e2e mode did an FFN's decode similarity over the first 20 decode steps reach the threshold τ, so AdaSkip and static are the same computation here.${nearest ? ` τ is the calibration similarity of the last sublayer the offline set skipped, and the nearest any running FFN came was ${nearest.sim.toFixed(4)} against τ = ${nearest.tau.toFixed(4)} (${nearest.mode} mode, α = ${nearest.alpha}), ${nearest.gap.toFixed(4)} short.` : ''}`
        : `The online rule acted in ${actedAnywhere} of ${promptsSeen} AdaSkip answers in decode and e2e mode at α > 0. An FFN it adds is skipped from the decode step shown on (0-based: the answer's first token comes from prefill, decode step s produces token s + 2).`,
      '',
    );
  }

  // --- modes
  if (modeMethods.length > 0) {
    push('## Modes: prefill, decode and end-to-end', '');
    push(
      'prefill = the offline set skipped in prefill and decode; decode = dense prefill (full KV cache), offline set plus online FFNs in decode; e2e = offline set in prefill, plus online FFNs in decode.',
      '',
    );
    push(
      '| method | mode | α | short items % | long items % | answer loss | agree % | FLOPs skipped % | time × dense | prefill × | decode × | ppl |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const alpha of alphas)
      for (const method of modeMethods)
        for (const mode of ['prefill', 'decode', 'e2e']) {
          const c = configName(method as 'adaskip', mode as 'e2e', alpha);
          if (of(c).length === 0) continue;
          push(
            `| ${method} | ${mode} | ${alpha} | ${shown(meanOf(c, itemsOf, shortTasks))} | ${shown(meanOf(c, itemsOf, longTasks))} | ${shown(meanOf(c, answerLossOf), f3)} | ${shown(meanOf(c, agreementOf))} | ${shown(meanOf(c, (r) => r.flopShareSkipped * 100))} | ${shown(ratioTo(c, totalMs, false), f3)} | ${shown(
              ratioTo(c, (r) => r.ttftMs, true),
              f3,
            )} | ${shown(
              ratioTo(c, (r) => r.decodeMs, true),
              f3,
            )} | ${shown(ppl(c), (x) => x.toFixed(2))} |`,
          );
        }
    push('');
  }

  // --- equal α
  const others = e2eMethods.filter((m) => m !== 'adaskip');
  if (e2eMethods.includes('adaskip') && others.length > 0) {
    push('## Every method against AdaSkip at equal α (e2e)', '');
    push(
      'Differences are method − AdaSkip, paired by prompt over all tasks: a positive answer-loss difference and a negative items difference favour AdaSkip. Methods are listed in a fixed order, not ranked.',
      '',
    );
    push(
      '| α | method | FLOPs skipped % (method / AdaSkip) | Δ answer loss | verdict | Δ items (points) | verdict | Δ items, long tasks | verdict |',
      '|---:|---|---|---:|---|---:|---|---:|---|',
    );
    for (const alpha of alphas) {
      const A = ada('e2e', alpha);
      for (const m of others) {
        const M = configName(m as 'static', 'e2e', alpha);
        if (of(M).length === 0) continue;
        const dl = pairedDiff(rows, M, A, answerLossOf);
        const di = pairedDiff(rows, M, A, itemsOf);
        const dil = pairedDiff(rows, M, A, itemsOf, longTasks);
        push(
          `| ${alpha} | ${m} | ${f1(meanOf(M, (r) => r.flopShareSkipped * 100).mean)} / ${f1(meanOf(A, (r) => r.flopShareSkipped * 100).mean)} | ${shown(dl, signed(f3))} | ${verdict(dl, true, m, 'AdaSkip')} | ${shown(di, signed(f1))} | ${verdict(di, false, m, 'AdaSkip')} | ${shown(dil, signed(f1))} | ${verdict(dil, false, m, 'AdaSkip')} |`,
        );
      }
    }
    push('');

    // --- equal compute
    push('## Every method against AdaSkip at equal measured compute (e2e)', '');
    push(
      "At each α, AdaSkip saved a share of the FLOPs (and of the generation time on this machine). Each other method's quality is interpolated linearly between its own budgets (dense = nothing saved) to that same share, prompt by prompt, and compared with AdaSkip's (method − AdaSkip). A method whose largest budget saves less is not extrapolated: its prompts count as out of range.",
      '',
    );
    for (const [axis, title] of [
      ['flops', 'Matched skipped FLOPs'],
      ['time', 'Matched generation time on this machine'],
    ] as const) {
      push(`### ${title}`, '');
      push(
        '| AdaSkip α | AdaSkip saved % | method | method reaches % | Δ answer loss | verdict | Δ items (points) | verdict | out of range |',
        '|---:|---:|---|---:|---:|---|---:|---|---:|',
      );
      for (const alpha of alphas) {
        const A = ada('e2e', alpha);
        for (const m of others) {
          const configOf = (a: number) => configName(m as 'static', 'e2e', a);
          if (of(configOf(alpha)).length === 0) continue;
          const dl = matchedDiff(rows, A, configOf, alphas, axis, answerLossOf);
          const di = matchedDiff(rows, A, configOf, alphas, axis, itemsOf);
          push(
            `| ${alpha} | ${f1(dl.saved * 100)} | ${m} | ${f1(dl.reach * 100)} | ${shown(dl.diff, signed(f3))} | ${verdict(dl.diff, true, m, 'AdaSkip')} | ${shown(di.diff, signed(f1))} | ${verdict(di.diff, false, m, 'AdaSkip')} | ${dl.outOfRange} |`,
          );
        }
      }
      push('');
    }
  }

  // --- speculative
  const spec = rows.filter((r) => r.method === 'speculative');
  if (spec.length > 0) {
    const identical = spec.filter((r) => r.speculative!.identical).length;
    push('## Self-speculative decoding: lossless AdaSkip', '');
    push(
      `The AdaSkip e2e model at α drafts k tokens, the dense model verifies them in one batched pass over its KV cache and keeps the longest agreeing prefix plus its own next token; k adapts to the acceptance (src/model/speculative.ts). **Output identical to dense greedy decoding on ${identical} of ${spec.length} prompt × α runs.** Speed-up = dense generation time ÷ speculative generation time on the same prompt (prefill of both models included); decode speed-up = the same for the tokens after the first.`,
      '',
    );
    push(
      '| α | task | identical to dense | acceptance % | mean k | verification passes per token | speed-up × | decode speed-up × |',
      '|---:|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const alpha of alphas) {
      const c = configName('speculative', null, alpha);
      for (const task of [...allTasks, 'all']) {
        const filter: Filter = task === 'all' ? everyTask : taskFilter(task);
        const rs = of(c, filter);
        if (rs.length === 0) continue;
        const drafted = rs.reduce((s, r) => s + r.speculative!.drafted, 0);
        const accepted = rs.reduce((s, r) => s + r.speculative!.accepted, 0);
        push(
          `| ${alpha} | ${task === 'all' ? '**all**' : task} | ${rs.filter((r) => r.speculative!.identical).length}/${rs.length} | ${f1((100 * accepted) / Math.max(1, drafted))} | ${f1(meanInterval(rs.map((r) => r.speculative!.meanDraft)).mean)} | ${f3(rs.reduce((s, r) => s + r.speculative!.rounds, 0) / rs.reduce((s, r) => s + r.tokens.length, 0))} | ${shown(ratioTo(c, totalMs, true, filter), f3)} | ${shown(
            ratioTo(c, (r) => r.decodeMs, true, filter),
            f3,
          )} |`,
        );
      }
    }
    push('');
    // the verdict on speed, from the interval over seeds of the all-task speed-up
    const speedVerdicts = alphas.flatMap((alpha) => {
      const c = configName('speculative', null, alpha);
      if (of(c).length === 0) return [];
      const s = ratioTo(c, totalMs, true);
      const draft = ratioTo(configName('adaskip', 'e2e', alpha), (r) => r.decodeMs, true);
      const side = !Number.isFinite(s.half)
        ? 'no interval (one seed)'
        : s.high < 1
          ? 'slower than dense'
          : s.low > 1
            ? 'faster than dense'
            : 'a tie with dense (interval includes 1)';
      return [
        `α = ${alpha}: ${f3(s.mean)}×${Number.isFinite(s.half) ? ` [${f3(s.low)}, ${f3(s.high)}]` : ''}, ${side} (the draft alone decodes at ${Number.isFinite(draft.mean) ? `${f3(draft.mean)}×` : '—'} dense)`,
      ];
    });
    if (speedVerdicts.length > 0)
      push(
        `Speed, over all tasks with its 95% interval over seeds: ${speedVerdicts.join('; ')}. The draft prefills the prompt itself (its skipped layers keep no KV cache, so it cannot share the full model's), and every round adds a batched verification pass, so a speed-up needs both a high acceptance and a verification pass that costs much less than k single-token steps.`,
        '',
      );
  }

  // --- every configuration
  push('## Every configuration', '');
  push(
    `| configuration | ${allTasks.map((t) => `${t} items %`).join(' | ')} | answer loss | agree % | ppl | prefill × | decode × | FLOPs skipped % | KV KiB | skipped (offline) |`,
    `|---|${allTasks.map(() => '---:|').join('')}---:|---:|---:|---:|---:|---:|---:|---|`,
  );
  for (const c of configs) {
    if (c.startsWith('speculative')) continue;
    const s = summary(c);
    push(
      `| ${c} | ${allTasks.map((task) => shown(meanOf(c, itemsOf, taskFilter(task)))).join(' | ')} | ${shown(meanOf(c, answerLossOf), f3)} | ${shown(meanOf(c, agreementOf))} | ${shown(ppl(c), (x) => x.toFixed(2))} | ${shown(
        ratioTo(c, (r) => r.ttftMs, true),
        f3,
      )} | ${shown(
        ratioTo(c, (r) => r.decodeMs, true),
        f3,
      )} | ${shown(meanOf(c, (r) => r.flopShareSkipped * 100))} | ${(Math.max(...s.map((x) => x.kvBytes)) / 1024).toFixed(0)} | ${s[0]?.skipped ?? '—'} |`,
    );
  }
  push('');

  // --- plot
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const svgName = `${basename(path).replace(/\.md$/, '')}-quality-speed.svg`;
  const series: Series[] = [{ name: 'dense', points: [[0, meanOf('dense', answerLossOf).mean]], markers: true }];
  for (const m of e2eMethods) {
    const points = alphas
      .map((alpha) => {
        const c = configName(m as 'static', 'e2e', alpha);
        const saved = meanInterval(seeds.map((s) => computeSaved(rows, s, c, 'time'))).mean;
        return [saved * 100, meanOf(c, answerLossOf).mean] as [number, number];
      })
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    series.push({ name: m, points, markers: true });
  }
  writeAtomic(
    join(dir, svgName),
    lineChart(
      'Answer loss vs generation time saved (e2e; each point one α)',
      'generation time saved vs dense (%)',
      'mean answer loss (nats/token, lower is better)',
      series,
    ),
  );
  push('## Quality against speed', '', `![quality vs speed](${svgName})`, '');

  // --- speed benches
  push('## Speed at longer contexts (random weights, same run)', '');
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
