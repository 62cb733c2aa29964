// Unit tests of the harness pieces that need no sandbox: code extraction, the prompt, statement
// parsing, verdict mapping, the built-in histogram, the simulated field, replay, the dataset
// source, run-config binding and retry classification.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coarseDistribution,
  COARSE_RATING_HISTOGRAM,
  REAL_HISTOGRAM_PATH,
} from '../../../src/codeelo/harness/histogram.ts';
import { toResultVerdict } from '../../../src/codeelo/harness/judging.ts';
import {
  generateWithRetries,
  ReplayClient,
  RetryableError,
  type ModelClient,
} from '../../../src/codeelo/harness/models.ts';
import { loadDataset, parseStatementMarkdown, resolveProblem } from '../../../src/codeelo/harness/problems.ts';
import { buildPrompt, extractCode } from '../../../src/codeelo/harness/prompt.ts';
import { bindConfig, describeAttemptOrder, type RunConfig } from '../../../src/codeelo/harness/runner.ts';
import { BUNDLED_CONTESTS, simulatedPack } from '../../../src/codeelo/harness/simulated.ts';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { BUNDLED_PROBLEMS_DIR } from '../../../src/codeelo/harness/contests.ts';
import { RatingDistribution } from '../../../src/codeelo/rating/aggregate.ts';
import { PAPER_SAMPLING } from '../../../src/codeelo/harness/models.ts';

test('extraction takes the first fenced block and its language tag', () => {
  const two = 'think\n```python\nprint(1)\n```\nthen\n```cpp\nint main(){}\n```\n';
  assert.deepEqual(extractCode(two), { code: 'print(1)\n', lang: 'py', tag: 'python' });
  assert.deepEqual(extractCode('```\nint main(){}\n```'), { code: 'int main(){}\n', lang: 'cpp', tag: '' });
  assert.equal(extractCode('```C++\nx\n```')!.lang, 'cpp');
  assert.equal(extractCode('```rust\nfn main(){}\n```')!.lang, null, 'unknown tags are not guessed');
  assert.equal(extractCode('no code here, only `inline` ticks'), null);
  // A generation cut off by the token limit still yields its code.
  assert.deepEqual(extractCode('```cpp\nint main() {\n'), { code: 'int main() {\n', lang: 'cpp', tag: 'cpp' });
  // A longer fence may contain a shorter one.
  assert.equal(extractCode('````cpp\na\n```\nb\n````')!.code, 'a\n```\nb\n');
});

test('the prompt forces C++ by default and lets the model choose with --lang any', () => {
  const statement = {
    title: 'T',
    description: 'Do it.',
    input: 'n',
    output: 'm',
    examples: [{ input: '1\n', output: '2\n' }],
    note: 'none',
  };
  const cpp = buildPrompt(statement, 'cpp');
  assert.match(cpp, /program in C\+\+ to solve it/);
  assert.match(cpp, /# T[\s\S]*## Description[\s\S]*## Input[\s\S]*## Output[\s\S]*## Examples[\s\S]*## Note/);
  assert.match(buildPrompt(statement, 'any'), /language of your choice/);
  assert.match(buildPrompt({ ...statement, interaction: 'ask' }, 'cpp'), /## Interaction\n\nask/);
});

test('bundled statements parse into sections with their examples', () => {
  const text = readFileSync(join(BUNDLED_PROBLEMS_DIR, 'compact-log', 'statement.md'), 'utf8');
  const parts = parseStatementMarkdown(text, 'x');
  assert.equal(parts.title, 'Compact Log');
  assert.ok(parts.description.length > 50 && parts.input && parts.output);
  assert.ok(parts.examples.length >= 1);
  assert.equal(
    parts.examples[0].input,
    readFileSync(join(BUNDLED_PROBLEMS_DIR, 'compact-log', 'tests', '01.in'), 'utf8'),
  );
});

test('judge verdicts map onto the results vocabulary', () => {
  assert.equal(toResultVerdict('AC'), 'AC');
  assert.equal(toResultVerdict('PE'), 'PE');
  assert.equal(toResultVerdict('OLE'), 'OTHER');
  assert.equal(toResultVerdict('IE'), 'SKIP');
  assert.equal(toResultVerdict('WEIRD'), 'OTHER');
});

test('the built-in histogram holds all 717,421 ratings and matches the shipped real table per bucket', () => {
  assert.equal(
    COARSE_RATING_HISTOGRAM.reduce((s, [, c]) => s + c, 0),
    717421,
  );
  const real = RatingDistribution.fromFile(REAL_HISTOGRAM_PATH);
  const coarse = coarseDistribution();
  // At bucket edges the two agree exactly; the paper's reference points stay within a bucket.
  for (const edge of [400, 800, 1000, 1200, 1900, 2400])
    assert.ok(Math.abs(real.percentile(edge) - coarse.percentile(edge)) < 1e-9, `edge ${edge}`);
  assert.equal(real.percentile(1578).toFixed(1), '89.2');
});

test('simulated fields: deterministic, large enough, in standings order, harder problems solved less', () => {
  for (const contest of BUNDLED_CONTESTS) {
    const a = simulatedPack(contest);
    const b = simulatedPack(contest);
    assert.deepEqual(a, b);
    const n = a.field.oldRating.length;
    assert.equal(n, contest.participants);
    assert.ok(n > 200);
    assert.ok(a.field.oldRating.every((r) => r < contest.ratingCap));
    for (let i = 1; i < n; i++) {
      const ahead =
        a.field.points[i - 1] > a.field.points[i] ||
        (a.field.points[i - 1] === a.field.points[i] && a.field.penalty[i - 1] <= a.field.penalty[i]);
      assert.ok(ahead, `row ${i} out of order`);
    }
    // Stronger humans score more on average than weaker ones.
    const order = [...a.field.oldRating.keys()].sort((x, y) => a.field.oldRating[x] - a.field.oldRating[y]);
    const avg = (ids: number[]) => ids.reduce((s, i) => s + a.field.points[i], 0) / ids.length;
    assert.ok(avg(order.slice(-n / 4)) > 2 * avg(order.slice(0, n / 4)));
    assert.match(a.contest.name, /simulated/);
  }
});

test('replay answers by problem key and attempt, then runs out', async () => {
  const replay = new ReplayClient({ format: 'lmlab-replay', answers: { '1A': ['one', 'two'] } });
  const signal = new AbortController().signal;
  assert.equal((await replay.generate({ key: '1A', attempt: 2, prompt: '', signal }))!.text, 'two');
  assert.equal(await replay.generate({ key: '1A', attempt: 3, prompt: '', signal }), null);
  assert.equal(await replay.generate({ key: '1B', attempt: 1, prompt: '', signal }), null);
});

test('retries: transient failures are retried with backoff, final ones are not', async () => {
  let calls = 0;
  const flaky: ModelClient = {
    provider: 'openai',
    model: 'm',
    async generate() {
      calls++;
      if (calls < 3) throw new RetryableError('HTTP 503: busy');
      return { text: 'ok', promptTokens: 1, completionTokens: 1, finishReason: 'stop' };
    },
  };
  const heard: string[] = [];
  const got = await generateWithRetries(
    flaky,
    { key: 'k', attempt: 1, prompt: '' },
    { retries: 5, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 1000 },
    (m, r) => heard.push(`${m}|${r}`),
  );
  assert.equal(got!.text, 'ok');
  assert.deepEqual(heard, ['HTTP 503: busy|true', 'HTTP 503: busy|true']);
  const fatal: ModelClient = {
    provider: 'openai',
    model: 'm',
    async generate() {
      calls++;
      throw new Error('HTTP 401: bad key');
    },
  };
  calls = 0;
  await assert.rejects(
    generateWithRetries(
      fatal,
      { key: 'k', attempt: 1, prompt: '' },
      { retries: 5, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 1000 },
      () => {},
    ),
    /401/,
  );
  assert.equal(calls, 1);
});

test('CodeElo dataset problems are judged on their examples only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-units-'));
  try {
    const file = join(dir, 'codeelo.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          problem_id: '1971A',
          title: 'Sort Two',
          rating: 800,
          tags: ['sortings'],
          division: 'Div. 4',
          time_limit_ms: 1000,
          memory_limit_mb: 256,
          description: 'Print min then max.',
          input: 'x y',
          output: 'two numbers',
          note: null,
          examples: [
            ['1 2\n', '1 2\n'],
            ['5 3\n', '3 5\n'],
          ],
        },
        {
          problem_id: '1971B',
          title: 'Guess',
          rating: 1200,
          tags: ['interactive'],
          description: 'Guess.',
          interaction: 'Ask queries.',
          examples: [['', '']],
        },
      ]),
    );
    const dataset = loadDataset(file);
    const a = resolveProblem({ contestId: 1971, index: 'A', tags: [] }, { dataset, scratchDir: join(dir, 'ex') });
    assert.equal(a.localMode, 'examples');
    assert.equal(a.local!.tests.length, 2);
    assert.equal(readFileSync(a.local!.tests[1].answer, 'utf8'), '3 5\n');
    assert.deepEqual(a.tags, ['sortings']);
    const b = resolveProblem({ contestId: 1971, index: 'B', tags: [] }, { dataset, scratchDir: join(dir, 'ex') });
    assert.equal(b.localMode, 'none', 'interactive problems have no local judge without an interactor');
    const c = resolveProblem(
      { contestId: 1971, index: 'C', name: 'Unknown', tags: [] },
      { dataset, scratchDir: join(dir, 'ex') },
    );
    assert.equal(c.statement, null);
    writeFileSync(file, JSON.stringify([{ problem_id: 'bad', title: 'x' }]));
    assert.throws(() => loadDataset(file), /problem #1: problem_id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run database refuses to resume with different settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-units-'));
  const store = new RunStore(join(dir, 'run.sqlite'), { create: true });
  try {
    const config: RunConfig = {
      model: 'm',
      provider: 'openai',
      baseUrl: null,
      prompt: 'p',
      language: 'cpp',
      sampling: PAPER_SAMPLING,
      seed: 1,
      contestSpec: 'bundled',
      contests: [1],
      judge: 'local',
      maxAttempts: 8,
      stopAtFirstAc: true,
      attemptOrder: describeAttemptOrder(8, true),
    };
    bindConfig(store, config);
    bindConfig(store, { ...config });
    assert.throws(
      () => bindConfig(store, { ...config, sampling: { ...PAPER_SAMPLING, temperature: 0.2 } }),
      /sampling=.*use another --db/,
    );
    assert.throws(() => bindConfig(store, { ...config, language: 'any' }), /language="cpp", not "any"/);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
