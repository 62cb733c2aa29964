// The run report as one self-contained HTML page: inline CSS and inline SVG charts (per-contest
// ratings, pass rates, verdicts), no scripts, fonts or any other external asset, so the file
// can be mailed or archived as is. It renders a HarnessReport and computes nothing new.
import type { HarnessReport } from './report.ts';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (x: number | null | undefined, digits = 0): string => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#1d232a}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d8dee4;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d8dee4;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f7}.num{text-align:right;font-variant-numeric:tabular-nums}.note{background:#fff6d6;border-left:4px solid #e0b000;padding:.5em .8em;margin:.6em 0}
.sim{color:#9a5b00;font-weight:600}.headline{font-size:1.25em;margin:.8em 0}.v{font-family:ui-monospace,monospace;font-size:12px}
.AC{color:#137333;font-weight:700}.fail{color:#b3261e}code{font-family:ui-monospace,monospace}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0;word-break:break-all}`;

function bars(items: { label: string; value: number; text: string }[], max: number, color: string): string {
  const rowH = 22;
  const labelW = 190;
  const barW = 420;
  const h = items.length * rowH + 4;
  const rows = items.map((it, i) => {
    const w = max > 0 ? Math.max(0, (it.value / max) * barW) : 0;
    const y = i * rowH + 2;
    return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(it.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${color}"/>` +
      `<text x="${labelW + w + 6}" y="${y + 15}">${esc(it.text)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 140}" height="${h}" font-size="12" font-family="system-ui,sans-serif">${rows}</svg>`;
}

export function renderHtml(r: HarnessReport): string {
  const p = r.provenance;
  const ci = r.rating.intervals.contests;
  const order = r.rating.intervals.attemptOrder;
  const parts: string[] = [];
  parts.push(`<h1>CodeElo report: ${esc(p.model)}</h1>`);
  for (const note of r.notes) parts.push(`<div class="note">${esc(note)}</div>`);
  parts.push(`<div class="headline"><b>Elo ${num(r.rating.elo)}</b>` +
    (ci ? ` &middot; 95% interval over contests [${num(ci.low)}, ${num(ci.high)}]` : '') +
    (order ? ` &middot; over attempt order [${num(order.low)}, ${num(order.high)}]` : '') +
    ` &middot; percentile ${num(r.rating.percentile, 1)} &middot; ${r.rating.ratedContests} of ${r.rating.contests.length} contests rated (mode ${esc(r.rating.mode)})</div>`);

  parts.push('<h2>Contests</h2><table><tr><th>contest</th><th>division</th><th>human field</th><th>score</th><th>penalty</th><th>solved</th><th>place</th><th>of</th><th>rating</th></tr>');
  for (const row of r.rating.contests) {
    const line = r.contests.find((c) => c.id === row.contestId)!;
    parts.push(`<tr><td>${row.contestId} ${esc(row.name)}</td><td>${esc(row.division)}</td><td>${line.simulated ? '<span class="sim">simulated</span>' : 'real'}</td>` +
      `<td class="num">${row.points}</td><td class="num">${row.scoring === 'icpc' ? row.penalty : '-'}</td><td class="num">${row.solved}/${row.problems}</td>` +
      `<td class="num">${row.place ?? '-'}</td><td class="num">${row.participants}</td><td class="num">${row.skipped ? `skipped: ${esc(row.skipped)}` : num(row.rating)}</td></tr>`);
  }
  parts.push('</table>');
  const rated = r.rating.contests.filter((c) => c.rating !== null);
  if (rated.length) {
    parts.push(bars(rated.map((c) => ({ label: `${c.contestId}`, value: c.rating!, text: num(c.rating) })), Math.max(...rated.map((c) => c.rating!), 1), '#4a7bd0'));
  }
  if (r.rating.perDivision.length) {
    parts.push('<h2>Elo per division</h2><table><tr><th>division</th><th>contests</th><th>Elo</th></tr>');
    for (const d of r.rating.perDivision) parts.push(`<tr><td>${esc(d.division)}</td><td class="num">${d.contests}</td><td class="num">${num(d.elo)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push('<h2>Pass rates</h2><h3>By difficulty</h3>');
  parts.push(bars(r.rating.byDifficulty.map((s) => ({ label: s.label, value: s.rate, text: `${pct(s.rate)} (${s.solved}/${s.attempted})` })), 1, '#3a9a5b'));
  parts.push('<h3>By tag</h3>');
  parts.push(bars(r.rating.byTag.map((s) => ({ label: s.label, value: s.rate, text: `${pct(s.rate)} (${s.solved}/${s.attempted})` })), 1, '#3a9a5b'));
  parts.push(`<p>pass@k: ${r.rating.passAtK.map((x) => `pass@${x.k} <b>${pct(x.value)}</b> (${x.problems} problems)`).join(', ') || '-'}</p>`);
  parts.push('<h2>Verdicts</h2>');
  const verdicts = Object.entries(r.verdicts).sort((a, b) => b[1] - a[1]);
  parts.push(bars(verdicts.map(([v, n]) => ({ label: v, value: n, text: String(n) })), Math.max(1, ...verdicts.map(([, n]) => n)), '#8a6bc0'));
  parts.push(`<p>Judged by: ${Object.entries(r.judgedBy).map(([b, n]) => `${esc(b)} ${n}`).join(', ') || '-'}</p>`);
  parts.push('<h2>Problems</h2><table><tr><th>problem</th><th>title</th><th>rating</th><th>tags</th><th>judged on</th><th>attempts</th><th>status</th></tr>');
  for (const c of r.contests) {
    for (const q of c.problems) {
      const vs = q.verdicts.map((v) => `<span class="${v === 'AC' ? 'AC' : 'fail'}">${esc(v)}</span>`).join(' ') || '-';
      parts.push(`<tr><td>${esc(q.key)}</td><td>${esc(q.title)}</td><td class="num">${q.rating ?? '-'}</td><td>${esc(q.tags.join(', '))}</td>` +
        `<td>${esc([...new Set(q.judgedOn)].join(', ') || q.localMode)}</td><td class="v">${vs}</td><td>${esc(q.status)}</td></tr>`);
    }
  }
  parts.push('</table><h2>Failures</h2>');
  if (r.failures.length === 0) parts.push(`<p>None (${r.retries} requests retried).</p>`);
  else {
    parts.push(`<p>${r.retries} requests retried; these failed:</p><table><tr><th>time</th><th>what</th><th>where</th><th>why</th></tr>`);
    for (const f of r.failures) parts.push(`<tr><td>${esc(f.at)}</td><td>${esc(f.kind)}</td><td>${esc(f.where)}</td><td>${esc(f.message)}</td></tr>`);
    parts.push('</table>');
  }
  parts.push(`<h2>Tokens</h2><p>${r.tokens.generations} generations, ${r.tokens.prompt} prompt + ${r.tokens.completion} completion tokens, ${r.tokens.generationSeconds.toFixed(1)} s generating${r.tokens.costUsd !== null ? `, cost $${r.tokens.costUsd.toFixed(4)}` : ''}.</p>`);
  parts.push('<h2>Provenance</h2><dl>');
  for (const [k, v] of Object.entries(p)) parts.push(`<dt>${esc(k)}</dt><dd>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</dd>`);
  parts.push(`<dt>bootstrap seed</dt><dd>${r.rating.bootstrapSeed}</dd><dt>generated</dt><dd>${esc(r.generatedAt)}</dd></dl>`);
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>CodeElo report: ${esc(p.model)}</title><style>${CSS}</style></head><body>\n${parts.join('\n')}\n</body></html>\n`;
}
