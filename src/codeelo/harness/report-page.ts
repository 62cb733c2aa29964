// The frame shared by the report and leaderboard pages: one self-contained HTML file with
// inline CSS, a Content-Security-Policy that lets nothing load from anywhere (no network at view
// time, by construction), the figures as inline SVG, and one small script that makes tables
// with class "sortable" sortable by clicking their headers (numbers by the cell's data-v value).
// Drill-downs are <details> elements, so they work without script. It renders; it computes
// nothing about ratings.
import type { Figure } from './report-plots.ts';

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
export const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#1d232a}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d8dee4;padding-bottom:.2em}h3{font-size:1em;margin:.4em 0}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d8dee4;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f7}.num{text-align:right;font-variant-numeric:tabular-nums}.note{background:#fff6d6;border-left:4px solid #e0b000;padding:.5em .8em;margin:.6em 0}
.sim{color:#9a5b00;font-weight:600}.headline{font-size:1.25em;margin:.8em 0}.v{font-family:ui-monospace,monospace;font-size:12px}
.AC{color:#1d7a3a;font-weight:600}.fail{color:#b3261e}.muted{color:#68717a}
table.attempts td:nth-child(n+5),table.attempts td:first-child,table.attempts td:nth-child(3){text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none;white-space:nowrap}table.sortable th::after{content:" \\2195";color:#9aa3ab}
table.sortable th[aria-sort=ascending]::after{content:" \\2191";color:#1d232a}table.sortable th[aria-sort=descending]::after{content:" \\2193";color:#1d232a}
.figures{display:flex;flex-wrap:wrap;gap:1.2em 2em}.figure{margin:0}.figure h3{margin-bottom:.1em}.figure p{margin:.1em 0 .4em;color:#555;font-size:12.5px}
details.problem{border:1px solid #d8dee4;border-radius:4px;margin:.3em 0;padding:.2em .6em}details.problem>summary{cursor:pointer}
details.problem[open]{background:#fafbfc}details.code>summary{cursor:pointer;color:#2b5fb3}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow:auto;max-height:32em;font-size:12px;line-height:1.35}
#leaderboard td{white-space:nowrap}.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:-1px}`;

/** Sorts table.sortable by the clicked column: numbers by data-v (or the text), else text. */
const SORT_SCRIPT = `(function(){
function key(cell){var v=cell.getAttribute('data-v');var s=v===null?cell.textContent.trim():v;var n=parseFloat(s);return s!==''&&isFinite(n)&&String(n)===s.replace(/^\\+/,'')?n:s.toLowerCase();}
function cmp(a,b){if(typeof a==='number'&&typeof b==='number')return a-b;if(typeof a==='number')return -1;if(typeof b==='number')return 1;return a<b?-1:a>b?1:0;}
document.querySelectorAll('table.sortable').forEach(function(table){
  var heads=table.querySelectorAll('thead th');
  heads.forEach(function(th,col){th.addEventListener('click',function(){
    var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
    heads.forEach(function(h){h.removeAttribute('aria-sort');});th.setAttribute('aria-sort',dir);
    var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(r1,r2){var c=cmp(key(r1.cells[col]),key(r2.cells[col]));return dir==='ascending'?c:-c;});
    rows.forEach(function(r){body.appendChild(r);});
  });});
});
})();`;

export function figuresHtml(figures: readonly Figure[]): string {
  const drawn = figures.filter((f) => f.markup);
  if (drawn.length === 0) return '<p class="muted">Nothing to plot (no rated contest and no judged attempt).</p>';
  return `<div class="figures">${drawn
    .map(
      (f) =>
        `<section class="figure" data-plot="${f.id}" style="width:${f.width}px;max-width:100%"><h3>${esc(f.title)}</h3><p>${esc(f.caption)}</p>${f.markup}</section>`,
    )
    .join('\n')}</div>`;
}

export function page(title: string, body: string): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${esc(title)}</title><style>${CSS}</style></head><body>\n` +
    `${body}\n<script>${SORT_SCRIPT}</script>\n</body></html>\n`
  );
}
