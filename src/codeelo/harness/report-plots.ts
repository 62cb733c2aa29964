// The report's figures, drawn with Observable Plot (a maintained d3-based plotting library) at
// report time, in Node, on a linkedom document: each figure is finished SVG markup that goes
// into the page as is. Why in Node and not in the browser: the page then needs no plotting
// code at view time (no bundled library, no script to fail, ~50 KB of SVG instead of ~500 KB
// of library), works offline and in mail or archives, and the markup can be tested here.
//
// Five figures, each over one or several runs (the leaderboard overlays its models by colour):
//   ratings   — the model's Elo and 95% interval over the human rating histogram the
//               percentile uses;
//   solve     — solve rate against problem rating, with the curve the Elo predicts: a problem
//               rated d is solved by a rating-r contestant with the Elo win probability
//               1 / (1 + 10^((d − r)/400)) (Codeforces' problem-rating definition, as the CodeElo paper uses it);
//   contests  — per-contest ratings with their attempt-order 95% intervals as error bars and the
//               overall Elo as a dashed line;
//   passk     — pass@k for the k the run has samples for;
//   verdicts  — every judged attempt's verdict, stacked by difficulty bucket (the CodeElo paper's buckets).
// Every mark carries an aria-description naming what it draws, so tests can find it. It computes no
// rating; it only regroups what the report holds.
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { difficultyBucket } from '../rating/aggregate.ts';
import { winProbability } from '../rating/elo.ts';
import type { HarnessReport } from './report.ts';

export interface PlotRun {
  /** The name shown in legends (unique per page). */
  name: string;
  report: HarnessReport;
}

export interface Figure {
  id: 'ratings' | 'solve' | 'contests' | 'passk' | 'verdicts';
  title: string;
  caption: string;
  /** SVG (in a <figure> when it has a legend), or an empty string when there is nothing to draw. */
  markup: string;
  /** Drawn width in CSS pixels. */
  width: number;
}

/** Model colours, in the order the runs are given (colour-blind-safe Tableau 10 subset). */
export const MODEL_COLORS = [
  '#4e79a7',
  '#e15759',
  '#59a14f',
  '#f28e2b',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#9c755f',
  '#ff9da7',
  '#bab0ac',
];
const VERDICT_COLORS: Record<string, string> = {
  AC: '#59a14f',
  WA: '#e15759',
  TLE: '#f28e2b',
  MLE: '#edc948',
  RE: '#b07aa1',
  CE: '#9c755f',
  NC: '#bab0ac',
  ILE: '#ff9da7',
  PE: '#76b7b2',
  SKIP: '#d4d4d4',
  OTHER: '#79706e',
};
const BUCKETS = ['Easy', 'Medium', 'Hard', 'unrated'];

type PlotDocument = NonNullable<Plot.PlotOptions['document']>;
let document: PlotDocument | undefined;
function doc(): PlotDocument {
  document ??= parseHTML('<!DOCTYPE html><html><head></head><body></body></html>').document as unknown as PlotDocument;
  return document;
}

function render(options: Plot.PlotOptions): string {
  const node = Plot.plot({
    document: doc(),
    style: { fontSize: '11px', overflow: 'visible' },
    ...options,
  }) as unknown as { outerHTML: string };
  return node.outerHTML;
}

function modelScale(runs: PlotRun[], legend: boolean): Plot.ScaleOptions {
  return { type: 'ordinal', domain: runs.map((r) => r.name), range: MODEL_COLORS, legend: legend && runs.length > 1 };
}

const eloText = (x: number): string => x.toFixed(0);

export function ratingsFigure(runs: PlotRun[]): Figure {
  const humans = runs[0].report.humans;
  const bars = humans.buckets.map((b) => ({ x1: b.start, x2: b.start + 100, share: (100 * b.count) / humans.total }));
  const top = Math.max(...bars.map((b) => b.share));
  const rated = runs
    .filter((r) => r.report.rating.elo !== null)
    .map((r) => ({
      name: r.name,
      elo: r.report.rating.elo!,
      percentile: r.report.rating.percentile,
      low: r.report.rating.intervals.contests?.low,
      high: r.report.rating.intervals.contests?.high,
    }));
  const withInterval = rated.filter((r) => r.low !== undefined);
  const markup = render({
    width: 760,
    height: 300,
    marginTop: 30,
    marginBottom: 40,
    x: {
      label: 'rating',
      labelAnchor: 'center',
      labelArrow: 'none',
      domain: [Math.min(0, ...bars.map((b) => b.x1)), Math.max(3600, ...rated.map((r) => r.elo + 100))],
    },
    y: { label: '↑ humans (%)', grid: true },
    color: modelScale(runs, true),
    marks: [
      Plot.rectY(bars, {
        x1: 'x1',
        x2: 'x2',
        y: 'share',
        fill: '#c9ced6',
        inset: 0.5,
        ariaDescription: 'human ratings',
        title: (d: { x1: number; share: number }) => `${d.x1}–${d.x1 + 99}: ${d.share.toFixed(2)}% of humans`,
      }),
      Plot.rect(withInterval, {
        x1: 'low',
        x2: 'high',
        y1: 0,
        y2: top * 1.08,
        fill: 'name',
        fillOpacity: 0.16,
        ariaDescription: 'model interval',
      }),
      Plot.ruleX(rated, {
        x: 'elo',
        y1: 0,
        y2: top * 1.08,
        stroke: 'name',
        strokeWidth: 2.5,
        ariaDescription: 'model elo',
      }),
      Plot.text(rated, {
        x: 'elo',
        y: top * 1.08,
        dy: -8,
        fill: 'name',
        fontWeight: 'bold',
        ariaDescription: 'model label',
        text: (d: (typeof rated)[number]) =>
          `${eloText(d.elo)}${d.percentile === null ? '' : ` (${d.percentile.toFixed(1)}th pct)`}`,
      }),
      Plot.ruleY([0]),
    ],
  });
  return {
    id: 'ratings',
    title: 'Rating against the human rating distribution',
    caption: `Share of ${humans.total.toLocaleString('en-US')} human Codeforces ratings per 100 points (${humans.source}); the line is the model's Elo, the band its 95% interval over contests.`,
    markup: rated.length ? markup : '',
    width: 760,
  };
}

export function solveFigure(runs: PlotRun[]): Figure {
  const dots: { name: string; rating: number; rate: number; attempted: number; solved: number }[] = [];
  for (const run of runs) {
    const byRating = new Map<number, { attempted: number; solved: number }>();
    for (const c of run.report.contests) {
      for (const p of c.problems) {
        if (p.rating === null || p.verdicts.length === 0) continue;
        const entry = byRating.get(p.rating) ?? { attempted: 0, solved: 0 };
        entry.attempted++;
        if (p.solved) entry.solved++;
        byRating.set(p.rating, entry);
      }
    }
    for (const [rating, e] of byRating) dots.push({ name: run.name, rating, rate: e.solved / e.attempted, ...e });
  }
  const lo = Math.min(800, ...dots.map((d) => d.rating));
  const hi = Math.max(3500, ...dots.map((d) => d.rating));
  const curve: { name: string; rating: number; p: number }[] = [];
  for (const run of runs) {
    const elo = run.report.rating.elo;
    if (elo === null) continue;
    for (let d = lo; d <= hi; d += 25) curve.push({ name: run.name, rating: d, p: winProbability(elo, d) });
  }
  const markup = render({
    width: 760,
    height: 300,
    marginBottom: 40,
    x: { label: 'problem rating', labelAnchor: 'center', labelArrow: 'none', domain: [lo, hi] },
    y: { label: '↑ solved', domain: [0, 1], tickFormat: '%', grid: true },
    r: { range: [3, 9] },
    color: modelScale(runs, true),
    marks: [
      Plot.line(curve, {
        x: 'rating',
        y: 'p',
        z: 'name',
        stroke: 'name',
        strokeDasharray: '5,4',
        strokeWidth: 1.5,
        ariaDescription: 'expected solve rate',
      }),
      Plot.dot(dots, {
        x: 'rating',
        y: 'rate',
        r: 'attempted',
        fill: 'name',
        fillOpacity: 0.8,
        stroke: 'white',
        ariaDescription: 'solve rate',
        title: (d: (typeof dots)[number]) => `${d.name}: ${d.solved}/${d.attempted} problems rated ${d.rating} solved`,
      }),
      Plot.ruleY([0]),
    ],
  });
  return {
    id: 'solve',
    title: 'Solve rate against problem rating',
    caption:
      'Dots: share of the attempted problems of that rating solved within the attempt budget (size: number of problems). Dashed: the solve rate the Elo predicts, 1 / (1 + 10^((d − Elo)/400)).',
    markup: dots.length ? markup : '',
    width: 760,
  };
}

export function contestsFigure(runs: PlotRun[]): Figure {
  const points: { name: string; contest: string; rating: number; low: number; high: number }[] = [];
  for (const run of runs) {
    for (const row of run.report.rating.contests) {
      if (row.rating === null) continue;
      points.push({
        name: run.name,
        contest: String(row.contestId),
        rating: row.rating,
        low: row.attemptOrder?.low ?? row.rating,
        high: row.attemptOrder?.high ?? row.rating,
      });
    }
  }
  const elos = runs
    .filter((r) => r.report.rating.elo !== null)
    .map((r) => ({ name: r.name, elo: r.report.rating.elo! }));
  const contests = [...new Set(points.map((p) => p.contest))];
  const markup = render({
    width: 760,
    height: 300,
    fx: { label: 'contest', labelAnchor: 'center', domain: contests, padding: 0.15 },
    x: { axis: null, domain: runs.map((r) => r.name), padding: 0.4 },
    y: { label: '↑ contest rating', grid: true },
    color: modelScale(runs, true),
    marks: [
      Plot.ruleY(elos, { y: 'elo', stroke: 'name', strokeDasharray: '4,3', ariaDescription: 'overall elo' }),
      Plot.ruleX(points, {
        fx: 'contest',
        x: 'name',
        y1: 'low',
        y2: 'high',
        stroke: 'name',
        strokeWidth: 2,
        ariaDescription: 'error bar',
      }),
      Plot.tickY(points, { fx: 'contest', x: 'name', y: 'low', stroke: 'name', ariaDescription: 'error bar low' }),
      Plot.tickY(points, { fx: 'contest', x: 'name', y: 'high', stroke: 'name', ariaDescription: 'error bar high' }),
      Plot.dot(points, {
        fx: 'contest',
        x: 'name',
        y: 'rating',
        fill: 'name',
        r: 4.5,
        ariaDescription: 'contest rating',
        title: (d: (typeof points)[number]) =>
          `${d.name}, contest ${d.contest}: ${eloText(d.rating)} [${eloText(d.low)}, ${eloText(d.high)}]`,
      }),
    ],
  });
  return {
    id: 'contests',
    title: 'Rating per contest',
    caption:
      'Dots: the rating from the placement in each rated contest; bars: 95% interval over attempt orders; dashed: the overall Elo (their mean).',
    markup: points.length ? markup : '',
    width: 760,
  };
}

export function passkFigure(runs: PlotRun[]): Figure {
  const rows = runs.flatMap((run) =>
    run.report.rating.passAtK.map((p) => ({ name: run.name, k: p.k, value: p.value, problems: p.problems })),
  );
  const stopped = runs.some((r) => r.report.provenance.stopAtFirstAc);
  const markup = render({
    width: 360,
    height: 280,
    marginBottom: 40,
    x: {
      label: 'k (attempts)',
      labelAnchor: 'center',
      labelArrow: 'none',
      type: 'log',
      base: 2,
      ticks: [1, 2, 4, 8],
      tickFormat: 'd',
      domain: [1, 8],
    },
    y: { label: '↑ pass@k', domain: [0, 1], tickFormat: '%', grid: true },
    color: modelScale(runs, true),
    marks: [
      Plot.line(rows, {
        x: 'k',
        y: 'value',
        z: 'name',
        stroke: 'name',
        strokeWidth: 2,
        ariaDescription: 'pass@k curve',
      }),
      Plot.dot(rows, {
        x: 'k',
        y: 'value',
        fill: 'name',
        r: 4,
        ariaDescription: 'pass@k',
        title: (d: (typeof rows)[number]) =>
          `${d.name}: pass@${d.k} ${(100 * d.value).toFixed(1)}% over ${d.problems} problems`,
      }),
    ],
  });
  return {
    id: 'passk',
    title: 'pass@k',
    caption: `Unbiased pass@k over problems with at least k judged attempts.${stopped ? ' Attempts stopped at the first AC, so these are biased (see the notes).' : ''}`,
    markup: rows.length ? markup : '',
    width: 360,
  };
}

export function verdictsFigure(runs: PlotRun[]): Figure {
  const counts = new Map<string, { name: string; bucket: string; verdict: string; count: number }>();
  for (const run of runs) {
    for (const c of run.report.contests) {
      for (const p of c.problems) {
        const bucket = difficultyBucket(p.rating ?? undefined);
        for (const v of p.verdicts) {
          const key = `${run.name}\u0000${bucket}\u0000${v}`;
          const entry = counts.get(key) ?? { name: run.name, bucket, verdict: v, count: 0 };
          entry.count++;
          counts.set(key, entry);
        }
      }
    }
  }
  const rows = [...counts.values()];
  const verdicts = Object.keys(VERDICT_COLORS).filter((v) => rows.some((r) => r.verdict === v));
  const buckets = BUCKETS.filter((b) => rows.some((r) => r.bucket === b));
  const many = runs.length > 1;
  const width = many ? 680 : 420;
  const markup = render({
    width,
    height: 280,
    ...(many ? { fx: { label: null, domain: runs.map((r) => r.name) } } : {}),
    x: { label: null, domain: buckets, padding: 0.2 },
    y: { label: '↑ attempts', grid: true },
    color: { type: 'ordinal', domain: verdicts, range: verdicts.map((v) => VERDICT_COLORS[v]), legend: true },
    marks: [
      Plot.barY(rows, {
        ...(many ? { fx: 'name' } : {}),
        x: 'bucket',
        y: 'count',
        fill: 'verdict',
        order: verdicts,
        ariaDescription: 'verdict bar',
        title: (d: (typeof rows)[number]) => `${many ? `${d.name}, ` : ''}${d.bucket}: ${d.count} × ${d.verdict}`,
      }),
      Plot.ruleY([0]),
    ],
  });
  return {
    id: 'verdicts',
    title: 'Verdicts by difficulty',
    caption:
      "Every judged attempt by its problem's difficulty bucket: Easy [800, 1000), Medium [1000, 1300), Hard [1300, 3500].",
    markup: rows.length ? markup : '',
    width,
  };
}

export function allFigures(runs: PlotRun[]): Figure[] {
  if (runs.length === 0) return [];
  return [ratingsFigure(runs), solveFigure(runs), contestsFigure(runs), passkFigure(runs), verdictsFigure(runs)];
}
