// The report's drill-down data and its pages without a browser: report.json carries every
// attempt's code, verdict, failing test, checker message, time and memory from the run
// database; the figures hold the marks they should; the leaderboard page links and orders its
// runs; a run with far more code than a page can hold still gives one file under 1.5 MB.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, placeText, renderMarkdown, type HarnessReport } from '../../../src/codeelo/harness/report.ts';
import { PAGE_LIMIT_BYTES, renderHtml } from '../../../src/codeelo/harness/report-html.ts';
import { renderLeaderboardHtml } from '../../../src/codeelo/harness/report-leaderboard.ts';
import { allFigures } from '../../../src/codeelo/harness/report-plots.ts';
import { describeAttemptOrder, type RunConfig } from '../../../src/codeelo/harness/runner.ts';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { PAPER_SAMPLING } from '../../../src/codeelo/harness/models.ts';
import { testRunContest } from './helpers.ts';

const MAX_PAGE_BYTES = 1.5 * 1024 * 1024;

/** A run database written the way the runner writes it: A solved on attempt 3, B unsolved, C first try. */
function storedRun(dir: string, model: string): HarnessReport {
  const contest = testRunContest();
  const store = new RunStore(join(dir, `${model}.sqlite`), { create: true });
  try {
    const config: RunConfig = {
      model,
      provider: 'replay',
      baseUrl: null,
      prompt: 'codeelo-paper-v1',
      language: 'cpp',
      sampling: PAPER_SAMPLING,
      seed: 1,
      contestSpec: 'test',
      contests: [contest.pack.contest.id],
      judge: 'local',
      maxAttempts: 8,
      stopAtFirstAc: true,
      attemptOrder: describeAttemptOrder(8, true),
    };
    store.setMeta('config', JSON.stringify(config));
    store.saveContest(
      contest.pack,
      0,
      true,
      contest.problems.map((p) => ({
        contestId: p.contestId,
        index: p.index,
        key: p.key,
        title: p.title,
        rating: p.rating ?? null,
        tags: p.tags,
        localMode: 'full tests',
        source: 'package',
      })),
    );
    const id = contest.pack.contest.id;
    const attempt = (
      index: string,
      n: number,
      code: string | null,
      verdict: string,
      failedTest: string | null,
      message: string,
    ): void => {
      store.recordGeneration({
        contestId: id,
        index,
        attempt: n,
        startedAt: new Date().toISOString(),
        generationMs: 1200,
        answer: code === null ? 'I cannot solve this.' : `\`\`\`cpp\n${code}\n\`\`\``,
        finishReason: 'stop',
        promptTokens: 300,
        completionTokens: 90,
        code,
        lang: code === null ? null : 'cpp',
        tag: code === null ? null : 'cpp',
      });
      store.recordJudgment(id, index, n, {
        verdict,
        rawVerdict: verdict,
        backend: code === null ? 'none' : 'local',
        judgedOn: code === null ? 'not submitted' : 'full tests (12)',
        judgeMs: 40,
        maxTimeMs: code === null ? null : 15 * n,
        maxMemoryKb: code === null ? null : 3000 + n,
        failedTest,
        message,
      });
    };
    attempt('A', 1, 'int main(){return 1;}', 'RE', '1', 'exit code 1 on test 1');
    attempt('A', 2, null, 'NC', null, 'no fenced code block in the answer');
    attempt('A', 3, 'int main(){puts("ok");}', 'AC', null, 'all 12 tests passed');
    for (let n = 1; n <= 8; n++)
      attempt(
        'B',
        n,
        `int main(){/* try ${n} */}`,
        'WA',
        String(n + 2),
        `wrong answer on line 1: expected 4, found ${n}`,
      );
    attempt('C', 1, 'int main(){}', 'AC', null, 'ok');
    return buildReport(store, { mode: 'corrected', bootstrap: 200 });
  } finally {
    store.close();
  }
}

test('report.json carries every attempt: code, verdict, failing test, checker message, time and memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-report-pages-'));
  try {
    const r = storedRun(dir, 'model-x');
    const [a, b, c] = r.contests[0].problems;
    assert.deepEqual(
      a.attempts.map((x) => x.verdict),
      ['RE', 'NC', 'AC'],
    );
    assert.equal(a.attempts[0].code, 'int main(){return 1;}');
    assert.equal(a.attempts[0].failedTest, '1');
    assert.equal(a.attempts[0].maxTimeMs, 15);
    assert.equal(a.attempts[0].maxMemoryKb, 3001);
    assert.equal(a.attempts[1].code, null);
    assert.equal(a.attempts[1].answer, 'I cannot solve this.', 'an answer without a program is kept whole');
    assert.equal(a.attempts[2].answer, null);
    assert.equal(b.attempts.length, 8);
    assert.equal(b.attempts[7].message, 'wrong answer on line 1: expected 4, found 8');
    assert.equal(c.attempts[0].verdict, 'AC');
    // The JSON round trip keeps it (report.json is JSON.stringify of this object).
    assert.deepEqual(JSON.parse(JSON.stringify(r)).contests[0].problems[1].attempts[3].failedTest, '6');
    assert.ok(r.humans.total > 700_000 || r.humans.total === 717_421, 'the human histogram the percentile uses');
    assert.equal(
      r.humans.buckets.reduce((n, x) => n + x.count, 0),
      r.humans.total,
    );
    // The point estimate lies in both of its intervals here (A solved at attempt 3 of a stopped list).
    const { contests, attemptOrder } = r.rating.intervals;
    assert.ok(contests!.low <= r.rating.elo! && r.rating.elo! <= contests!.high);
    assert.ok(
      attemptOrder!.low <= r.rating.elo! && r.rating.elo! <= attemptOrder!.high,
      `${r.rating.elo} in [${attemptOrder!.low}, ${attemptOrder!.high}]`,
    );
    const md = renderMarkdown(r);
    assert.match(md, /\| 990001B \| 8 \| WA \| 10 \| 120 \| 3008 \| wrong answer on line 1: expected 4, found 8 \|/);
    assert.match(md, new RegExp(`\\| ${placeText(r.rating.contests[0]).replace(/[()]/g, '\\$&')} \\|`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('figures hold their marks; the pages are self-contained; the leaderboard orders and links its runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-report-pages-'));
  try {
    const one = storedRun(dir, 'model-one');
    const figures = allFigures([{ name: 'one', report: one }]);
    assert.deepEqual(
      figures.map((f) => f.id),
      ['ratings', 'solve', 'contests', 'passk', 'verdicts'],
    );
    const count = (markup: string, mark: string, element: string): number => {
      const g = new RegExp(`<g[^>]*aria-description="${mark}"[^>]*>([\\s\\S]*?)</g>`).exec(markup);
      return g ? (g[1].match(new RegExp(`<${element}\\b`, 'g')) ?? []).length : 0;
    };
    const [ratings, solve, contests, passk, verdicts] = figures.map((f) => f.markup);
    assert.ok(count(ratings, 'human ratings', 'rect') >= 30);
    assert.equal(count(ratings, 'model elo', 'line'), 1);
    assert.equal(count(solve, 'solve rate', 'circle'), 3, 'three problem ratings attempted');
    assert.equal(count(contests, 'contest rating', 'circle'), 1);
    assert.equal(count(contests, 'error bar', 'line'), 1);
    assert.ok(count(passk, 'pass@k', 'circle') >= 1);
    assert.ok(count(verdicts, 'verdict bar', 'rect') >= 4, 'AC, RE, NC and WA stacks');

    const html = renderHtml(one);
    assert.match(html, /<details class="problem" id="problem-990001B"/);
    assert.match(html, /wrong answer on line 1: expected 4, found 8/);
    assert.doesNotMatch(html, /<script[^>]*\bsrc=|(src|href)="(https?:)?\/\//);

    const two = storedRun(dir, 'model-two');
    two.rating.elo = (one.rating.elo ?? 0) + 100; // a better run must come first
    const board = renderLeaderboardHtml([
      { report: one, href: 'one-report/report.html' },
      { report: two, href: 'two report/report.html' },
    ]);
    const rows = [...board.matchAll(/<tr data-model="([^"]+)">/g)].map((m) => m[1]);
    assert.deepEqual(rows, ['model-two', 'model-one']);
    assert.match(board, /<a href="one-report\/report\.html">/);
    assert.match(board, /<table class="sortable" id="leaderboard">/);
    assert.equal((board.match(/<section class="figure"/g) ?? []).length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run with more code than a page holds stays one file under 1.5 MB and says where the rest is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-report-pages-'));
  try {
    const base = storedRun(dir, 'huge');
    const big = 'x'.repeat(30_000);
    const problem = base.contests[0].problems[1];
    // 60 contests of 7 problems with 8 attempts of 30,000 characters each: 100 MB of programs.
    const huge: HarnessReport = {
      ...base,
      contests: Array.from({ length: 60 }, (_, c) => ({
        ...base.contests[0],
        id: c === 0 ? base.contests[0].id : 990100 + c,
        problems: Array.from({ length: 7 }, (_, p) => ({
          ...problem,
          key: `${990100 + c}${'ABCDEFG'[p]}`,
          attempts: problem.attempts.map((a) => ({ ...a, code: big, message: 'wrong answer '.repeat(20) })),
        })),
      })),
    };
    const html = renderHtml(huge);
    const bytes = Buffer.byteLength(html);
    assert.ok(bytes < MAX_PAGE_BYTES, `${bytes} bytes`);
    assert.ok(bytes > PAGE_LIMIT_BYTES - 50_000, 'the budget is used');
    assert.match(html, /Cut at 20000 of 30000 characters; the whole text is in report\.json/);
    assert.match(html, /Programs left out to keep the page small; they are in report\.json/);
    assert.match(html, /Attempts left out to keep the page small; they are in report\.json/);
    assert.equal(
      (html.match(/<details class="problem"/g) ?? []).length,
      420,
      'every problem is listed with its verdicts',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
