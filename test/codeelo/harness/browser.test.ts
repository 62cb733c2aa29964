// The demo's report and leaderboard pages in a real browser (Debian's headless Chromium through
// playwright-core), opened from file:// with every network request refused: every figure drew
// its marks, the tables sort, the drill-down opens to the failing test, the checker's message and
// the program, a model's link leads to its report, nothing logs an error, and each page is one
// self-contained file under 1.5 MB. One demo run feeds every check. Screenshots are kept in
// test-artifacts/codeelo-browser/ (ignored by git); LMLAB_SCREENSHOT_TO_DOCS=1 also refreshes
// the README's docs/codeelo-leaderboard.png.
import test from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { lmlab, sandboxSkipReason } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'codeelo-browser');
const CHROMIUM = '/usr/bin/chromium';
const MAX_PAGE_BYTES = 1.5 * 1024 * 1024;
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens a file:// page, recording console errors, page errors and any request that is not a local file. */
async function open(context: BrowserContext, file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors };
}

/** Count of elements matching `selector` inside a figure, and the figure's drawn size. */
async function marks(page: Page, plot: string, selector: string): Promise<number> {
  return page.locator(`section[data-plot="${plot}"] ${selector}`).count();
}

async function figuresDrawn(page: Page, expected: Record<string, [string, number][]>): Promise<void> {
  for (const [plot, checks] of Object.entries(expected)) {
    const svg = page.locator(`section[data-plot="${plot}"] svg[viewBox]`).first();
    const box = await svg.boundingBox();
    assert.ok(
      box && box.width > 200 && box.height > 150,
      `${plot}: the figure has a drawn size (${JSON.stringify(box)})`,
    );
    for (const [selector, atLeast] of checks) {
      const n = await marks(page, plot, selector);
      assert.ok(n >= atLeast, `${plot}: ${selector} drew ${n} marks, expected at least ${atLeast}`);
    }
  }
}

const columnValues = (page: Page, table: string, col: number): Promise<string[]> =>
  page.$$eval(
    `${table} tbody tr`,
    (rows, c) =>
      rows.map((r) => (r as unknown as { cells: { textContent: string }[] }).cells[c as number].textContent.trim()),
    col,
  );

test('the demo report and leaderboard render, sort and drill down in headless Chromium, offline', {
  skip: sandboxSkipReason(),
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-browser-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  let context: BrowserContext | undefined;
  try {
    const out = join(dir, 'demo');
    const run = await lmlab(['codeelo', 'demo', '--out', out, '--quiet', '--concurrency', '3']);
    assert.equal(run.code, 0, run.stderr);
    const pages = {
      leaderboard: join(out, 'leaderboard.html'),
      strong: join(out, 'strong-report', 'report.html'),
      weak: join(out, 'weak-report', 'report.html'),
    };
    assert.ok(run.stdout.includes(pages.leaderboard), run.stdout);
    for (const file of Object.values(pages)) {
      const size = statSync(file).size;
      assert.ok(size < MAX_PAGE_BYTES, `${file}: ${size} bytes`);
      const html = readFileSync(file, 'utf8');
      assert.doesNotMatch(
        html,
        /<script[^>]*\bsrc=|<link[^>]*href="(?!data:)|<img[^>]*src="(?!data:)|url\((?!data:)/i,
        'no external asset',
      );
      assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    }

    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      offline: true,
      viewport: { width: 1280, height: 900 },
    });
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://') || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });

    // Leaderboard: three rows (strong and weak replays, the tiny served model), best first;
    // figures overlay the models; sorting; links.
    const board = await open(context, pages.leaderboard);
    assert.equal(await board.page.title(), 'CodeElo leaderboard');
    assert.equal(await board.page.locator('#leaderboard tbody tr').count(), 3);
    assert.match((await columnValues(board.page, '#leaderboard', 1))[0], /demo-strong/);
    await figuresDrawn(board.page, {
      ratings: [
        ['g[aria-description="human ratings"] rect', 30],
        ['g[aria-description="model elo"] line', 2],
        ['g[aria-description="model interval"] rect', 2],
      ],
      solve: [
        ['g[aria-description="solve rate"] circle', 10],
        ['g[aria-description="expected solve rate"] path', 2],
      ],
      contests: [
        ['g[aria-description="contest rating"] circle', 4],
        ['g[aria-description="error bar"] line', 4],
      ],
      passk: [
        ['g[aria-description="pass@k"] circle', 4],
        ['g[aria-description="pass@k curve"] path', 2],
      ],
      verdicts: [['g[aria-description="verdict bar"] rect', 6]],
    });
    const eloHeader = board.page.locator('#leaderboard thead th', { hasText: /^Elo$/ });
    await eloHeader.click();
    assert.equal(await eloHeader.getAttribute('aria-sort'), 'ascending');
    const ascending = (await columnValues(board.page, '#leaderboard', 2)).map(Number);
    assert.ok(ascending[0] <= ascending[1] && ascending[1] < ascending[2], `ascending Elo: ${ascending}`);
    assert.match((await columnValues(board.page, '#leaderboard', 1))[2], /demo-strong/);
    await eloHeader.click();
    assert.equal(await eloHeader.getAttribute('aria-sort'), 'descending');
    assert.match((await columnValues(board.page, '#leaderboard', 1))[0], /demo-strong/);
    await board.page.screenshot({ path: join(ARTIFACTS, 'leaderboard.png'), fullPage: true });
    if (process.env.LMLAB_SCREENSHOT_TO_DOCS === '1')
      copyFileSync(join(ARTIFACTS, 'leaderboard.png'), join(ROOT, 'docs', 'codeelo-leaderboard.png'));
    await board.page.locator('#leaderboard tbody tr', { hasText: 'demo-weak' }).locator('a').click();
    await board.page.waitForURL(/weak-report\/report\.html$/);
    assert.match(await board.page.title(), /CodeElo report: demo-weak/);
    assert.deepEqual(board.errors, []);

    // The weak model's report: figures, sorted contests, drill-down to a failing attempt.
    const weak = await open(context, pages.weak);
    await figuresDrawn(weak.page, {
      ratings: [
        ['g[aria-description="human ratings"] rect', 30],
        ['g[aria-description="model elo"] line', 1],
      ],
      solve: [
        ['g[aria-description="solve rate"] circle', 5],
        ['g[aria-description="expected solve rate"] path', 1],
      ],
      contests: [
        ['g[aria-description="contest rating"] circle', 2],
        ['g[aria-description="error bar"] line', 2],
      ],
      passk: [['g[aria-description="pass@k"] circle', 1]],
      verdicts: [['g[aria-description="verdict bar"] rect', 5]],
    });
    const place = await columnValues(weak.page, '#contests', 6);
    assert.ok(
      place.some((p) => /^below all 3000 humans \(3001 of 3001\)$/.test(p)),
      `places: ${place}`,
    );
    assert.ok(place.every((p) => !/3001 of 3000/.test(p)));
    const ratingHeader = weak.page.locator('#contests thead th', { hasText: /^rating$/ });
    await ratingHeader.click();
    const ratings = (await columnValues(weak.page, '#contests', 7)).map(Number);
    assert.deepEqual(
      ratings,
      [...ratings].sort((a, b) => a - b),
    );
    await ratingHeader.click();
    assert.deepEqual(
      (await columnValues(weak.page, '#contests', 7)).map(Number),
      [...ratings].sort((a, b) => b - a),
    );

    const failing = weak.page
      .locator('details.problem', { has: weak.page.locator('tr[data-attempt] .fail', { hasText: 'WA' }) })
      .first();
    const attempts = failing.locator('table.attempts');
    assert.equal(await attempts.isVisible(), false, 'closed before the click');
    await failing.locator(':scope > summary').click();
    assert.equal(await attempts.isVisible(), true, 'the drill-down opens');
    const wa = attempts.locator('tr[data-attempt]', { has: weak.page.locator('.fail', { hasText: 'WA' }) }).first();
    const cells = await wa.locator('td').allTextContents();
    assert.match(cells[2], /^\d+$/, `failing test number: ${cells}`);
    assert.ok(cells[3].length > 0, 'the checker message is shown');
    assert.match(cells[4], /^\d+$/, 'time');
    assert.match(cells[5], /^\d+$/, 'memory');
    const code = failing.locator(`details.code[data-attempt="${await wa.getAttribute('data-attempt')}"]`);
    assert.equal(await code.locator('pre').isVisible(), false);
    await code.locator(':scope > summary').click();
    assert.match(await code.locator('pre').innerText(), /main/);
    await failing.scrollIntoViewIfNeeded();
    await weak.page.screenshot({ path: join(ARTIFACTS, 'report-weak.png'), fullPage: true });
    assert.deepEqual(weak.errors, []);

    const strong = await open(context, pages.strong);
    await figuresDrawn(strong.page, {
      ratings: [['g[aria-description="model elo"] line', 1]],
      contests: [['g[aria-description="contest rating"] circle', 2]],
    });
    await strong.page.screenshot({ path: join(ARTIFACTS, 'report-strong.png'), fullPage: true });
    assert.deepEqual(strong.errors, []);
    assert.deepEqual(outside, [], 'no request left the file system');

    // `lmlab codeelo leaderboard DIR --html FILE`: the page links each run's report, written next to its database.
    const page = join(dir, 'pages', 'board.html');
    const board2 = await lmlab(['codeelo', 'leaderboard', out, '--html', page, '--bootstrap', '100']);
    assert.equal(board2.code, 0, board2.stderr);
    const hrefs = [...readFileSync(page, 'utf8').matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(hrefs, [
      '../demo/strong-report/report.html',
      '../demo/weak-report/report.html',
      '../demo/tiny-report/report.html',
    ]);
    const linked = await open(context, page);
    await linked.page.locator('#leaderboard a').first().click();
    await linked.page.waitForURL(/strong-report\/report\.html$/);
    assert.deepEqual(linked.errors, []);
  } finally {
    await context?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
