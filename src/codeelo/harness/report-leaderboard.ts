// The leaderboard as one self-contained HTML page: one row per run (Elo, both 95% intervals,
// percentile, contests, solved, pass@1, tokens, language, judge), sortable by any column, each
// model linked to its own report page, and the report's five figures with every model overlaid
// in its own colour. It renders HarnessReports and computes nothing new.
import { leaderboardRow, type HarnessReport } from './report.ts';
import { allFigures, MODEL_COLORS } from './report-plots.ts';
import { esc, figuresHtml, num, page, pct } from './report-page.ts';

export interface LeaderboardEntry {
  report: HarnessReport;
  /** Link to the run's report page, relative to the leaderboard page; null when none. */
  href: string | null;
}

/** Names for legends: the model name, made unique with the run's file name when two share it. */
function uniqueNames(entries: readonly LeaderboardEntry[]): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.report.provenance.model, (counts.get(e.report.provenance.model) ?? 0) + 1);
  return entries.map((e) => {
    const model = e.report.provenance.model;
    if (counts.get(model)! === 1) return model;
    return `${model} (${e.report.provenance.database.split(/[\\/]/).pop()})`;
  });
}

export function renderLeaderboardHtml(entries: readonly LeaderboardEntry[]): string {
  // Best first; the page keeps the run's colour when re-sorted by the reader.
  const order = entries
    .map((e, i) => ({ e, i, row: leaderboardRow(e.report) }))
    .sort((a, b) => (b.row.elo ?? -Infinity) - (a.row.elo ?? -Infinity));
  const names = uniqueNames(order.map((o) => o.e));
  const parts: string[] = ['<h1>CodeElo leaderboard</h1>'];
  const simulated = order.filter((o) => o.row.simulated);
  if (simulated.length) {
    parts.push(
      `<div class="note">SIMULATED human field for ${simulated.length === order.length ? 'every run' : `${simulated.length} of ${order.length} runs`}: the bundled contests' humans are drawn from the rating histogram, so these Elos are not Codeforces ratings.</div>`,
    );
  }
  const contestSets = new Set(order.map((o) => o.e.report.rating.contests.map((c) => c.contestId).join(',')));
  if (contestSets.size > 1)
    parts.push('<div class="note">The runs cover different contests; their Elos are not directly comparable.</div>');
  parts.push(
    '<table class="sortable" id="leaderboard"><thead><tr><th>#</th><th>model</th><th>Elo</th><th>95% CI (contests)</th><th>95% CI (attempt order)</th>' +
      '<th>percentile</th><th>contests rated</th><th>solved</th><th>pass@1</th><th>tokens</th><th>language</th><th>judge</th></tr></thead><tbody>',
  );
  order.forEach(({ e, row }, rank) => {
    const color = MODEL_COLORS[rank % MODEL_COLORS.length];
    const name = `<span class="swatch" style="background:${color}"></span>${esc(names[rank])}`;
    parts.push(
      `<tr data-model="${esc(row.model)}"><td class="num" data-v="${rank + 1}">${rank + 1}</td>` +
        `<td data-v="${esc(names[rank])}">${e.href ? `<a href="${esc(e.href)}">${name}</a>` : name} <span class="muted">(${esc(row.provider)})</span></td>` +
        `<td class="num" data-v="${row.elo ?? ''}">${num(row.elo)}</td>` +
        `<td class="num" data-v="${row.low ?? ''}">${row.low === null ? '-' : `[${num(row.low)}, ${num(row.high)}]`}</td>` +
        `<td class="num" data-v="${row.orderLow ?? ''}">${row.orderLow === null ? '-' : `[${num(row.orderLow)}, ${num(row.orderHigh)}]`}</td>` +
        `<td class="num" data-v="${row.percentile ?? ''}">${num(row.percentile, 1)}</td>` +
        `<td class="num" data-v="${row.rated}">${row.rated}/${row.contests}${row.simulated ? ' <span class="sim">simulated</span>' : ''}</td>` +
        `<td class="num" data-v="${row.solved}">${row.solved}/${row.problems}</td>` +
        `<td class="num" data-v="${row.passAt1 ?? ''}">${row.passAt1 === null ? '-' : pct(row.passAt1)}</td>` +
        `<td class="num" data-v="${row.tokens}">${row.tokens}</td><td>${esc(row.language)}</td><td>${esc(row.judge)}</td></tr>`,
    );
  });
  parts.push(
    '</tbody></table><p class="muted">Click a column header to sort; click a model for its report with per-problem drill-down.</p>',
  );
  parts.push(
    '<h2>Figures</h2>',
    figuresHtml(allFigures(order.map((o, k) => ({ name: names[k], report: o.e.report })))),
  );
  parts.push(
    `<p class="muted">Generated ${esc(new Date().toISOString())} from ${order.length} run${order.length === 1 ? '' : 's'}.</p>`,
  );
  return page('CodeElo leaderboard', parts.join('\n'));
}
