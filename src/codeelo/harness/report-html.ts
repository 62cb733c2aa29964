// The run report as one self-contained HTML page (frame in report-page.ts, figures in
// report-plots.ts): headline Elo with both intervals, the five figures, per-contest placement
// (sortable), per-division Elo, pass rates, and a drill-down per problem into every attempt —
// verdict, failing test, checker message, time, memory, tokens and the program itself.
// The drill-down fills what is left of a 1.4 MB page budget (programs first to go, then the
// attempt tables of the last problems), so the file stays small enough to mail; the complete
// text is always in report.json and the run database, and the page says where it cut.
// It renders a HarnessReport and computes nothing new.
import { placeText, type AttemptLine, type HarnessReport, type ProblemLine } from './report.ts';
import { allFigures } from './report-plots.ts';
import { esc, figuresHtml, num, page, pct } from './report-page.ts';

/** Characters of program text embedded per attempt; bytes the whole page may take. */
export const CODE_LIMIT_PER_ATTEMPT = 20_000;
export const PAGE_LIMIT_BYTES = 1_400_000;
/** Characters of a checker message shown (the whole message is in report.json). */
const MESSAGE_LIMIT = 400;
const FAILURES_SHOWN = 200;

const verdictSpan = (v: string | null): string =>
  v === null ? '<span class="muted">not judged</span>' : `<span class="${v === 'AC' ? 'AC' : 'fail'}">${esc(v)}</span>`;
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);

/** One attempts table; programs embedded up to `codeLimit` characters each (0: none). */
function attemptsHtml(q: ProblemLine, codeLimit: number): string {
  if (q.attempts.length === 0) return '<p class="muted">No attempt was made.</p>';
  const rows = q.attempts.map(
    (a: AttemptLine) =>
      `<tr data-attempt="${a.attempt}"><td>${a.attempt}</td><td class="v">${verdictSpan(a.verdict)}</td>` +
      `<td>${esc(a.failedTest ?? '-')}</td><td>${esc(clip(a.message ?? '', MESSAGE_LIMIT))}</td><td>${a.maxTimeMs ?? '-'}</td>` +
      `<td>${a.maxMemoryKb ?? '-'}</td><td>${esc(a.judgedOn ?? '-')}</td><td>${a.completionTokens}</td><td>${(a.generationMs / 1000).toFixed(1)}</td></tr>`,
  );
  const programs =
    codeLimit === 0
      ? ['<p class="muted">Programs left out to keep the page small; they are in report.json.</p>']
      : q.attempts.map((a) => {
          const text = a.code ?? a.answer ?? '';
          const what =
            a.code !== null
              ? `attempt ${a.attempt}: program (${esc(a.lang ?? 'unknown language')}, ${text.length} characters)`
              : `attempt ${a.attempt}: answer without a program (${text.length} characters)`;
          const shown = Math.min(text.length, codeLimit);
          const cut =
            shown < text.length
              ? `<p class="muted">Cut at ${shown} of ${text.length} characters; the whole text is in report.json.</p>`
              : '';
          return `<details class="code" data-attempt="${a.attempt}"><summary>${what}</summary>${cut}<pre><code>${esc(text.slice(0, shown))}</code></pre></details>`;
        });
  return (
    '<table class="attempts"><thead><tr><th>#</th><th>verdict</th><th>failed test</th><th>checker / judge message</th><th>time ms</th><th>memory KB</th><th>judged on</th><th>tokens</th><th>gen. s</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>${programs.join('')}`
  );
}

/**
 * Every problem's drill-down within `budget` bytes: with its programs while they fit, then
 * without programs, then (for a run far too large for one page) only its verdicts.
 */
function problemsHtml(r: HarnessReport, budget: number): string {
  const problems = r.contests
    .flatMap((c) => c.problems)
    .map((q) => {
      const vs = q.verdicts.map((v) => verdictSpan(v)).join(' ') || '-';
      const head =
        `<details class="problem" id="problem-${esc(q.key)}" data-problem="${esc(q.key)}"><summary><b>${esc(q.key)}</b> ${esc(q.title)} ` +
        `<span class="muted">(rating ${q.rating ?? '-'}${q.tags.length ? `; ${esc(q.tags.join(', '))}` : ''}; judged on ${esc([...new Set(q.judgedOn)].join(', ') || q.localMode)})</span> ` +
        `&mdash; <span class="v">${vs}</span> &mdash; ${esc(q.status)}</summary>`;
      const minimal = `${head}<p class="muted">Attempts left out to keep the page small; they are in report.json.</p></details>`;
      return { q, head, minimal };
    });
  // Every problem is listed; what the budget has left after that buys attempt tables and programs.
  let left = budget - problems.reduce((n, p) => n + Buffer.byteLength(p.minimal) + 1, 0);
  return problems
    .map(({ q, head, minimal }) => {
      const base = Buffer.byteLength(minimal);
      for (const codeLimit of [CODE_LIMIT_PER_ATTEMPT, 0]) {
        const html = `${head}${attemptsHtml(q, codeLimit)}</details>`;
        const extra = Buffer.byteLength(html) - base;
        if (extra <= left) {
          left -= extra;
          return html;
        }
      }
      return minimal;
    })
    .join('\n');
}

export function renderHtml(r: HarnessReport): string {
  const p = r.provenance;
  const ci = r.rating.intervals.contests;
  const order = r.rating.intervals.attemptOrder;
  const parts: string[] = [];
  parts.push(`<h1>CodeElo report: ${esc(p.model)}</h1>`);
  for (const note of r.notes) parts.push(`<div class="note">${esc(note)}</div>`);
  parts.push(
    `<div class="headline"><b>Elo ${num(r.rating.elo)}</b>` +
      (ci ? ` &middot; 95% interval over contests [${num(ci.low)}, ${num(ci.high)}]` : '') +
      (order ? ` &middot; over attempt order [${num(order.low)}, ${num(order.high)}]` : '') +
      ` &middot; percentile ${num(r.rating.percentile, 1)} &middot; ${r.rating.ratedContests} of ${r.rating.contests.length} contests rated (mode ${esc(r.rating.mode)})</div>`,
  );
  parts.push('<h2>Figures</h2>', figuresHtml(allFigures([{ name: p.model, report: r }])));

  parts.push(
    '<h2>Contests</h2><table class="sortable" id="contests"><thead><tr><th>contest</th><th>division</th><th>human field</th><th>score</th><th>penalty</th><th>solved</th><th>place</th><th>rating</th><th>attempt-order 95%</th></tr></thead><tbody>',
  );
  for (const row of r.rating.contests) {
    const line = r.contests.find((c) => c.id === row.contestId);
    parts.push(
      `<tr><td data-v="${row.contestId}">${row.contestId} ${esc(row.name)}</td><td>${esc(row.division)}</td><td>${line?.simulated ? '<span class="sim">simulated</span>' : 'real'}</td>` +
        `<td class="num">${row.points}</td><td class="num">${row.scoring === 'icpc' ? row.penalty : '-'}</td><td class="num" data-v="${row.solved}">${row.solved}/${row.problems}</td>` +
        `<td class="num" data-v="${row.place ?? ''}">${esc(placeText(row))}</td><td class="num" data-v="${row.rating ?? ''}">${row.skipped ? `skipped: ${esc(row.skipped)}` : num(row.rating)}</td>` +
        `<td class="num">${row.attemptOrder ? `[${num(row.attemptOrder.low)}, ${num(row.attemptOrder.high)}]` : '-'}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');
  if (r.rating.perDivision.length) {
    parts.push('<h2>Elo per division</h2><table><tr><th>division</th><th>contests</th><th>Elo</th></tr>');
    for (const d of r.rating.perDivision)
      parts.push(
        `<tr><td>${esc(d.division)}</td><td class="num">${d.contests}</td><td class="num">${num(d.elo)}</td></tr>`,
      );
    parts.push('</table>');
  }
  parts.push('<h2>Pass rates</h2><table><tr><th>difficulty</th><th>solved</th><th>rate</th></tr>');
  for (const s of r.rating.byDifficulty)
    parts.push(
      `<tr><td>${esc(s.label)}</td><td class="num">${s.solved}/${s.attempted}</td><td class="num">${pct(s.rate)}</td></tr>`,
    );
  parts.push(
    '</table><table class="sortable" id="tags"><thead><tr><th>tag</th><th>attempted</th><th>solved</th><th>rate</th></tr></thead><tbody>',
  );
  for (const s of r.rating.byTag)
    parts.push(
      `<tr><td>${esc(s.label)}</td><td class="num">${s.attempted}</td><td class="num">${s.solved}</td><td class="num" data-v="${s.rate}">${pct(s.rate)}</td></tr>`,
    );
  parts.push('</tbody></table>');
  parts.push(
    `<p>pass@k: ${r.rating.passAtK.map((x) => `pass@${x.k} <b>${pct(x.value)}</b> (${x.problems} problems)`).join(', ') || '-'}</p>`,
  );
  parts.push(
    `<h2>Verdicts</h2><p>${
      Object.entries(r.verdicts)
        .sort((a, b) => b[1] - a[1])
        .map(([v, n]) => `${verdictSpan(v)} ${n}`)
        .join(', ') || '-'
    }</p>`,
  );
  parts.push(
    `<p>Judged by: ${
      Object.entries(r.judgedBy)
        .map(([b, n]) => `${esc(b)} ${n}`)
        .join(', ') || '-'
    }</p>`,
  );

  parts.push(
    '<h2>Problems</h2><p class="muted">Open a problem for every attempt: verdict, first failing test, the checker\'s or judge\'s message, time, memory and the program.</p>',
  );
  const problemsAt = parts.length;
  parts.push('<h2>Failures</h2>');
  if (r.failures.length === 0) parts.push(`<p>None (${r.retries} requests retried).</p>`);
  else {
    parts.push(
      `<p>${r.retries} requests retried; these failed:</p><table><tr><th>time</th><th>what</th><th>where</th><th>why</th></tr>`,
    );
    for (const f of r.failures.slice(0, FAILURES_SHOWN))
      parts.push(
        `<tr><td>${esc(f.at)}</td><td>${esc(f.kind)}</td><td>${esc(f.where)}</td><td>${esc(clip(f.message, MESSAGE_LIMIT))}</td></tr>`,
      );
    parts.push('</table>');
    if (r.failures.length > FAILURES_SHOWN)
      parts.push(`<p class="muted">and ${r.failures.length - FAILURES_SHOWN} more in report.json.</p>`);
  }
  parts.push(
    `<h2>Tokens</h2><p>${r.tokens.generations} generations, ${r.tokens.prompt} prompt + ${r.tokens.completion} completion tokens, ${r.tokens.generationSeconds.toFixed(1)} s generating${r.tokens.costUsd !== null ? `, cost $${r.tokens.costUsd.toFixed(4)}` : ''}.</p>`,
  );
  parts.push('<h2>Provenance</h2><dl>');
  for (const [k, v] of Object.entries(p))
    parts.push(`<dt>${esc(k)}</dt><dd>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</dd>`);
  parts.push(
    `<dt>bootstrap seed</dt><dd>${r.rating.bootstrapSeed}</dd><dt>generated</dt><dd>${esc(r.generatedAt)}</dd></dl>`,
  );
  const frame = page(`CodeElo report: ${p.model}`, parts.join('\n'));
  parts.splice(problemsAt, 0, problemsHtml(r, PAGE_LIMIT_BYTES - Buffer.byteLength(frame)));
  return page(`CodeElo report: ${p.model}`, parts.join('\n'));
}
