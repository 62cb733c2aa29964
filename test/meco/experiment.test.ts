// The smoke experiment end to end (tiny model, seconds): corpus from the stdlib corpora,
// tokenizer, datasets per variant, every run of the plan, evaluation and the report, then a
// second invocation that skips the finished runs. Also the CLI's one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runExperiment } from '../../src/meco/experiment/runs.ts';
import {
  MIN_TOKENS_PER_PARAMETER,
  basePlan,
  chooseFullModel,
  fullCandidates,
  planRuns,
  stepsForBudget,
  totalStepMultiple,
} from '../../src/meco/experiment/plan.ts';
import { parameterCount } from '../../src/model/config.ts';
import { flopsPerToken } from '../../src/model/flops.ts';
import { matchingBudget } from '../../src/meco/experiment/stats.ts';

test('smoke experiment: runs every arm, writes a labelled smoke report, resumes by skipping finished runs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-exp-'));
  try {
    const report = join(root, 'docs', 'meco.md');
    const lines: string[] = [];
    const first = await runExperiment({
      workDir: join(root, 'work'),
      scale: 'smoke',
      reportPath: report,
      command: 'lmlab meco experiment --scale smoke',
      say: (l) => lines.push(l),
    });
    const names = first.results.map((r) => r.spec.name);
    assert.deepEqual(
      names,
      planRuns(basePlan('smoke')).map((r) => r.name),
    );
    assert.ok(names.includes('meco-s1') && names.includes('no-cooldown-s1') && names.includes('shuffled-s1'));
    for (const r of first.results) {
      assert.ok(r.none.length > 0 && r.none.every((d) => d.losses.every(Number.isFinite)), `${r.spec.name} scored`);
    }
    const meco = first.results.find((r) => r.spec.kind === 'meco')!;
    assert.ok(meco.trueLabel && meco.wrongLabel && meco.imitation);
    const text = readFileSync(report, 'utf8');
    assert.match(text, /^# MeCo reproduction — SMOKE RUN \(plumbing check, not results\)/);
    assert.match(text, /lmlab meco experiment --scale smoke/);
    for (const n of ['| 1 |', '| 2 |', '| 3 |', '| 4 |']) assert.ok(text.includes(n), `check row ${n}`);
    assert.match(text, /Data-saving estimate 1 − T\/B\*/);
    for (const svg of ['meco-train-loss.svg', 'meco-eval-loss.svg', 'meco-budgets.svg']) {
      assert.match(readFileSync(join(root, 'docs', svg), 'utf8'), /^<svg [^>]*>[\s\S]*<polyline/);
    }
    // conditional inference from the command line on the MeCo checkpoint
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'lmlab.js');
    const model = join(root, 'work', 'runs', 'meco-s1', 'checkpoints', 'step-000006');
    const scored = spawnSync(
      process.execPath,
      [
        bin,
        'meco',
        'score',
        model,
        '--file',
        join(root, 'work', 'corpus', 'eval.jsonl'),
        '--per-source',
        '1',
        '--label',
        'www.example.com',
        '--max-tokens',
        '64',
        '--json',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(scored.status, 0, scored.stderr);
    const rows = scored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rows.length >= 2);
    for (const r of rows) {
      for (const k of ['none', 'true', 'wrong', 'given']) assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} loss`);
      assert.notEqual(r.wrong_label, new URL(r.url).host);
      assert.equal(r.given_label, 'www.example.com');
    }
    assert.match(
      scored.stderr,
      /mean loss \(nats\/token\): none [\d.]+, true label [\d.]+, wrong label [\d.]+, "www\.example\.com" [\d.]+/,
    );
    const gen = (...extra: string[]) =>
      JSON.parse(
        spawnSync(
          process.execPath,
          [bin, 'generate', model, '--prompt', 'The', '-n', '3', '-t', '0', '--json', ...extra],
          { encoding: 'utf8', timeout: 60_000 },
        ).stdout,
      );
    const { loadTokenizer } = await import('../../src/tokenizer/index.ts');
    const tk = await loadTokenizer(join(model, 'tokenizer.json'));
    assert.equal(gen().prompt_tokens, 1 + tk.encode('The').length);
    assert.equal(
      gen('--url', 'https://en.wikipedia.org/wiki/X').prompt_tokens,
      1 + tk.encode('URL: en.wikipedia.org\n\n').length + tk.encode('The').length,
    );

    const second = await runExperiment({
      workDir: join(root, 'work'),
      scale: 'smoke',
      reportPath: report,
      command: 'again',
      say: (l) => lines.push(l),
    });
    assert.equal(lines.filter((l) => l.endsWith('done earlier, skipped')).length, names.length);
    assert.deepEqual(
      second.results.map((r) => r.none),
      first.results.map((r) => r.none),
    );
    await assert.rejects(
      runExperiment({ workDir: join(root, 'work'), scale: 'full', reportPath: report, command: 'x' }),
      /holds a smoke experiment/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('full-scale sizing follows the measured throughput; B* interpolation', () => {
  const plan = basePlan('full');
  const steps = stepsForBudget(plan, 1000, 7200);
  const seconds = (totalStepMultiple(plan) * steps * plan.rows * plan.seqLen) / 1000;
  assert.ok(seconds <= 0.75 * 7200 && seconds > 0.7 * 7200, `${seconds} s`);
  assert.ok(stepsForBudget(plan, 2000, 7200) >= 2 * steps - 1);
  // the model: the largest candidate reaching the tokens-per-parameter floor, else the smallest
  const flops = (c: typeof plan.model) => flopsPerToken(c, plan.seqLen);
  const candidates = fullCandidates();
  const fast = chooseFullModel(plan, 1e6, 7200, parameterCount, flops);
  assert.deepEqual(fast.model, candidates[0]);
  const slow = chooseFullModel(plan, 1, 7200, parameterCount, flops);
  assert.deepEqual(slow.model, candidates[candidates.length - 1]);
  const middle = chooseFullModel(plan, 3000, 7200, parameterCount, flops);
  const index = candidates.findIndex((c) => JSON.stringify(c) === JSON.stringify(middle.model));
  assert.ok(
    middle.steps * plan.rows * plan.seqLen >= MIN_TOKENS_PER_PARAMETER * parameterCount(middle.model) ||
      index === candidates.length - 1,
  );
  if (index > 0) {
    const bigger = candidates[index - 1];
    const t = stepsForBudget({ ...plan, model: bigger }, (3000 * flops(candidates[0])) / flops(bigger), 7200);
    assert.ok(
      t * plan.rows * plan.seqLen < MIN_TOKENS_PER_PARAMETER * parameterCount(bigger),
      'the next bigger model would fall short',
    );
  }
  const curve: Array<[number, number]> = [
    [0.5, 4],
    [1, 3.5],
    [2, 3],
  ];
  assert.ok(Math.abs(matchingBudget(curve, 3.25).budget - Math.SQRT2) < 1e-12);
  assert.deepEqual(matchingBudget(curve, 2.5), { budget: 2, bound: 'above' });
  assert.deepEqual(matchingBudget(curve, 4.5), { budget: 0.5, bound: 'below' });
});

test('CLI: corpus errors are one line on stderr, never a stack trace', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-cli-'));
  try {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'lmlab.js');
    const file = join(root, 'in.jsonl');
    writeFileSync(file, '{"text": "fine", "url": "https://a.org/"}\nnot json\n{"text": "no url"}\n');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [bin, 'meco', 'corpus', '--no-stdlib', '--input', file, '--out', join(root, 'out'), ...args],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const bad = run();
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, `lmlab: ${file}:2: not valid JSON\n`);
    const skipped = run('--skip-bad');
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /skipped: 1 malformed JSON, 1 no "url"/);
    assert.ok(existsSync(join(root, 'out', 'corpus.json')));
    const missing = spawnSync(
      process.execPath,
      [bin, 'meco', 'corpus', '--no-stdlib', '--debian', 'no-such-package-xyz', '--out', join(root, 'o2')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^lmlab: no corpus reader for Debian package "no-such-package-xyz" \(known: .*\)\n$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
